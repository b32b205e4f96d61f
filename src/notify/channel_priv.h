/* channel_priv.h — shared between the channel files of src/notify/ only. */
#ifndef RS_NOTIFY_CHANNEL_PRIV_H
#define RS_NOTIFY_CHANNEL_PRIV_H

#include <curl/curl.h>

#include "notify/channel.h"
#include "util/buf.h"

struct rs_channels {
    CURL *http; /* providers and webhooks: keep-alive reused between messages */
    CURL *smtp; /* one SMTP session reused between messages when the server allows */
    char smtp_url[512];
    long connects;
};

/* POST BODY to URL with HEADERS (NULL-terminated list), optional Basic USERPWD. RESP gets the
 * answer body. Classifies the outcome as channel.h says; fills res->http_status,
 * res->retry_after_s and res->error. */
enum rs_err rs_http_post(struct rs_channels *ch, const char *url, const char *const *headers,
                         const char *userpwd, const char *body, size_t len, int timeout_s,
                         struct rs_buf *resp, struct rs_send_result *res);

#endif
