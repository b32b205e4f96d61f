/* msg_in.h — customers' messages as the providers deliver them, reduced to what a conversation
 * needs: Infobip's inbound SMS (MO_JSON_2: {"results":[{"messageId","from","to","text",
 * "cleanText","keyword","receivedAt","smsCount",…}],"messageCount","pendingMessageCount"}) and
 * the messages of a WhatsApp Cloud API webhook (entry[].changes[].value.messages[], with the
 * sender's profile name from value.contacts[]). Pure parsing, no I/O; strings point into the
 * parsed JSON (ROOT) and live until json_decref(ROOT). */
#ifndef RS_INGEST_MSG_IN_H
#define RS_INGEST_MSG_IN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RS_MSG_IN_MAX 32 /* messages taken from one delivery (the rest are counted, not kept) */

struct rs_msg_in {
    char phone[24];        /* sender, E.164 ("+" added to the digits providers send) */
    const char *id;        /* provider message id (messageId, wamid) */
    const char *type;      /* WhatsApp: "text", "image", "audio", …; Infobip: "text" */
    const char *text;      /* the text (NULL for non-text messages) */
    size_t text_len;
    const char *name;      /* WhatsApp profile name, or NULL */
    int64_t at;            /* when sent/received (epoch seconds), 0 when unknown */
};

struct rs_msg_in_list {
    json_t *root;          /* owned: rs_msg_in_free */
    struct rs_msg_in m[RS_MSG_IN_MAX];
    int n;
    int skipped;           /* items without a usable sender or id, or past RS_MSG_IN_MAX */
};

/* RS_EINVAL when BODY is not JSON of the expected shape (an object with a "results" array /
 * an "entry" array). A delivery with no messages (WhatsApp statuses only) is RS_OK with n = 0. */
enum rs_err rs_msg_in_infobip(const char *body, size_t len, struct rs_msg_in_list *out) RS_MUST_CHECK;
enum rs_err rs_msg_in_whatsapp(const char *body, size_t len, struct rs_msg_in_list *out) RS_MUST_CHECK;
void rs_msg_in_free(struct rs_msg_in_list *l);

#endif
