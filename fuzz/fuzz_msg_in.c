/* fuzz_msg_in.c — customers' messages as providers deliver them (ingest/msg_in.c): Infobip's
 * inbound SMS JSON and the messages of a WhatsApp Cloud API webhook, on arbitrary bodies; every
 * extracted message has an E.164 sender and an id, at most RS_MSG_IN_MAX are kept; and the text
 * check conversations apply (app/conv.c rs_conv_text_ok) on the raw bytes and on each text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/conv.h"
#include "ingest/msg_in.h"

static void check(const struct rs_msg_in_list *l)
{
    if (l->n < 0 || l->n > RS_MSG_IN_MAX)
        __builtin_trap();
    for (int i = 0; i < l->n; i++) {
        const struct rs_msg_in *m = &l->m[i];
        if (m->phone[0] != '+' || strlen(m->phone) < 8 || strlen(m->phone) > 16 || !m->id || !*m->id || !m->type)
            __builtin_trap();
        if (m->text && strlen(m->text) > m->text_len)
            __builtin_trap();
        char why[200];
        if (m->text)
            (void)rs_conv_text_ok(m->text, m->text_len, why, sizeof why);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_msg_in_list l;
    if (rs_msg_in_infobip((const char *)data, size, &l) == RS_OK) {
        check(&l);
        rs_msg_in_free(&l);
    }
    if (rs_msg_in_whatsapp((const char *)data, size, &l) == RS_OK) {
        check(&l);
        rs_msg_in_free(&l);
    }
    char why[200];
    (void)rs_conv_text_ok((const char *)data, size, why, sizeof why);
    (void)rs_conv_guess_lang((const char *)data, size);
    return 0;
}
