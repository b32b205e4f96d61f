/* channel_priv.h — shared between the channel files of src/notify/ only. */
#ifndef RS_NOTIFY_CHANNEL_PRIV_H
#define RS_NOTIFY_CHANNEL_PRIV_H

#include <curl/curl.h>
#include <stdbool.h>

#include "notify/channel.h"
#include "util/buf.h"

/* What a transfer's socket callback needs: whether private addresses are allowed, and the
 * address it refused, or "". One per transfer, since concurrent transfers refuse separately. */
struct rs_guard {
    bool allow_private; /* RASTRO_ALLOW_PRIVATE_URLS=1: connect to loopback and private addresses */
    char blocked[64];   /* the address the transfer refused to connect to, or "" */
};

struct rs_http_req; /* one queued HTTP send (providers.c) */

struct rs_channels {
    CURL *http; /* providers and webhooks: keep-alive reused between messages */
    CURL *smtp; /* one SMTP session reused between messages when the server allows */
    char smtp_url[512];
    long connects;
    struct rs_guard guard; /* the blocking transfers' (ch->http, ch->smtp) */
    const char *proxy_var; /* the environment variable naming an outgoing proxy libcurl uses, or NULL */
    bool guard_http;       /* the guarded transfer speaks HTTP (a proxy applies), not SMTP */
    /* concurrent sends (rs_channels_defer): the queue, and the multi handle with its own
     * connection cache and easy handles, kept between batches */
    bool defer;
    int64_t start_by; /* rs_channels_start_by */
    int64_t about_order;  /* rs_channels_about: the row being sent, copied into its requests */
    char about_trigger[32];
    struct rs_http_req **queue;
    int n_queue, cap_queue;
    CURLM *multi;
    CURL *pool[RS_HTTP_INFLIGHT];
};

/* Make H refuse to connect to an address that is not public (util/netaddr.h) unless the
 * operator allows it, and speak only PROTOCOLS ("http,https"; no redirect is followed). Call
 * after each curl_easy_reset. */
void rs_channels_guard(struct rs_channels *ch, CURL *h, const char *protocols);

/* When the last transfer was refused by the guard: fills res->error and returns true. */
bool rs_channels_blocked(struct rs_channels *ch, struct rs_send_result *res);

/* POST BODY to URL with HEADERS (NULL-terminated list), optional Basic USERPWD. RESP gets the
 * answer body. Classifies the outcome as channel.h says; fills res->http_status,
 * res->retry_after_s and res->error. */
enum rs_err rs_http_post(struct rs_channels *ch, const char *url, const char *const *headers,
                         const char *userpwd, const char *body, size_t len, int timeout_s,
                         struct rs_buf *resp, struct rs_send_result *res);

/* How a provider's answer is read once the transfer is over. */
enum rs_answer { ANS_TWILIO, ANS_INFOBIP, ANS_WHATSAPP, ANS_WEBHOOK, ANS_PUSH };

/* How rs_provider_post sends a request beyond the request itself. */
struct rs_post_opts {
    bool alt;              /* deferred mode: the request is the fallback of the one queued just before
                            * for the same RES, sent only when that one is gone (rs_push_gone; the
                            * customer's next Web Push subscription); ignored when sending now */
    const char *pace_key;  /* the sends of one key (a WhatsApp number) are spaced evenly to at most
                            * PACE_PER_S a second by every thread of the process; NULL: not paced */
    int pace_per_s;
};

/* Send a provider's request (rs_http_post, then its answer read as KIND says; REF: our id of the
 * message at the provider, kept as provider_id for Web Push and webhooks): now or, in deferred
 * mode, queued for rs_channels_flush (channel.h). OPTS may be NULL. */
enum rs_err rs_provider_post(struct rs_channels *ch, enum rs_answer kind, const char *ref, const char *url,
                             const char *const *headers, const char *userpwd, const char *body, size_t len,
                             int timeout_s, const struct rs_post_opts *opts, struct rs_send_result *res);

/* The push service says the subscription a push was sent to is gone (RFC 8030 §7.3: 404/410). */
static inline bool rs_push_gone(enum rs_err e, const struct rs_send_result *res)
{
    return e == RS_EREJECTED && (res->http_status == 404 || res->http_status == 410);
}

#endif
