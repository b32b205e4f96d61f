/* channel.h — delivery of one rendered notification over one channel: email over SMTP, SMS
 * through Twilio or Infobip, WhatsApp through the Cloud API, and the signed webhook to the
 * merchant. Each speaks the provider's documented wire format (../shared/research/formats.md
 * C1, C2, C4, C6, C7) to a base URL taken from the merchant's settings, so tests point them at
 * a local recorder and a local Postfix.
 *
 * libcurl stays inside src/notify/. A struct rs_channels holds one thread's curl handles, kept
 * between messages so connections (SMTP sessions included) are reused; it is thread-confined.
 *
 * Outcome of a send: RS_OK (accepted; provider_id set), RS_ERETRY (transient: timeout, refused
 * connection, 408/425/429/5xx, an unreadable answer, a provider's rate-limit error code such as
 * WhatsApp's 130429 sent with a 400; retry_after_s set when the provider said),
 * RS_EREJECTED (permanent: the provider refused this message for good: bad number, opted out,
 * 4xx; opted_out set when the provider says the recipient opted out), RS_EINVAL (the message cannot be built: no address, bad settings). */
#ifndef RS_NOTIFY_CHANNEL_H
#define RS_NOTIFY_CHANNEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/notify_settings.h"
#include "core/err.h"
#include "core/notify_tpl.h"

struct rs_channels;

struct rs_channels *rs_channels_new(void); /* NULL on out-of-memory */
void rs_channels_free(struct rs_channels *ch);
/* Connections opened so far (the benchmark checks that SMTP sessions are reused). */
long rs_channels_connects(const struct rs_channels *ch);

struct rs_send_result {
    int http_status;        /* HTTP status, or the last SMTP reply code */
    int64_t retry_after_s;  /* -1 when the provider did not say */
    char provider_id[128];  /* Twilio SID, wamid, Infobip messageId, Message-ID */
    char error[300];        /* why it failed, for the attempts log */
    bool opted_out;         /* RS_EREJECTED because the recipient opted out of this channel at the
                             * provider (Twilio 21610: they replied STOP to the sender): record it */
    bool rate_limited;      /* RS_ERETRY because the provider says the account or number is over its
                             * rate limit (HTTP 429, Twilio 20429, WhatsApp 130429, 80007, 4) */
    bool pending;           /* queued by a send in deferred mode (rs_channels_defer): nothing is
                             * known yet; rs_channels_flush gives the outcome */
    int push_gone;          /* Web Push (rs_send_push): how many of the subscriptions given, in
                             * their order, the push service said are gone (404/410) */
};

/* The message to send. Strings are borrowed. */
struct rs_msg {
    const struct rs_notify_config *cfg;
    int64_t merchant_id, outbox_id;
    const char *merchant_name;
    const char *to_name, *to_email, *to_phone; /* phone in E.164 */
    const char *lang;                          /* "es", "en" */
    const struct rs_rendered *r;
    const char *unsub_url;                     /* one-click unsubscribe (email) */
    bool wa_session;                           /* inside the 24-hour window: session text */
    json_t *webhook_data;                      /* the webhook's "data" object */
    const char *webhook_type;                  /* "shipment.out_for_delivery" */
    int64_t now;
    enum rs_trigger trigger;                   /* what the message is about (Web Push Urgency) */
    const char *ref_prefix;                    /* our reference of the message at the provider:
                                                * "<prefix>-<outbox_id>"; NULL = "ntf" (outbox
                                                * rows); "msg" for conversation replies */
    const char *in_reply_to;                   /* e-mail replies: the customer's Message-ID (no
                                                * brackets) → In-Reply-To and References; NULL */
};

enum rs_err rs_send_email(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res) RS_MUST_CHECK;
enum rs_err rs_send_sms(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res) RS_MUST_CHECK;
enum rs_err rs_send_whatsapp(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res) RS_MUST_CHECK;
enum rs_err rs_send_webhook(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res) RS_MUST_CHECK;

/* Concurrent HTTP sends, for a batch of messages. While deferred mode is on, rs_send_sms,
 * rs_send_whatsapp and rs_send_webhook build their request and queue it instead of waiting for
 * the provider: they return RS_OK with res->pending set (or an error found before sending, as
 * always, with pending unset), and so does rs_send_push (webpush.h): a customer's subscriptions
 * are queued together, the next one sent only when the one before is gone. RES must stay valid
 * until rs_channels_flush. E-mail (one SMTP session) is sent at once as usual.
 * rs_channels_flush sends every queued request with libcurl's multi interface, at most
 * RS_HTTP_INFLIGHT at a time, each exactly once, and calls DONE(RES, E, UD) once per request
 * with its outcome as the blocking call would have returned it. When a provider answers one of
 * them that the account or number is over its rate limit (rate_limited), requests queued for the
 * same endpoint (URL) and not started yet are not sent: they end RS_ERETRY with the same
 * retry_after_s, so the batch does not hammer a provider that asked to slow down. */
#define RS_HTTP_INFLIGHT 16
void rs_channels_defer(struct rs_channels *ch, bool on);
/* rs_channels_flush starts no request at or after START_BY (Unix seconds; 0 = no limit: the
 * dispatcher's rows would be past the middle of their lease, and a late send risks running past
 * it, when another dispatcher retakes the row and sends it again): DONE gets such a request with
 * res->pending still set, nothing sent. */
void rs_channels_start_by(struct rs_channels *ch, int64_t start_by);
/* The requests queued from now on are the message TRIGGER of order ORDER_ID (0: none). A batch
 * can hold two messages of one order ("shipped" and "out for delivery", claimed together after a
 * pause): rs_channels_flush starts a request only once every earlier request about the same
 * order with another trigger has ended, so the customer gets them in the order they were planned.
 * Copies of one trigger (none in practice: a row per order and trigger) are not held. */
void rs_channels_about(struct rs_channels *ch, int64_t order_id, const char *trigger);
void rs_channels_flush(struct rs_channels *ch, void (*done)(struct rs_send_result *res, enum rs_err e, void *ud),
                       void *ud);

/* Build the RFC 5322 message of M (CRLF line ends, multipart/alternative text + HTML in
 * quoted-printable, RFC 2047 headers, List-Unsubscribe + List-Unsubscribe-Post). OUT: malloc'd
 * text (free it), MESSAGE_ID the Message-ID without brackets. Exposed for tests. */
enum rs_err rs_email_build(const struct rs_msg *m, char **out, size_t *len, char message_id[128]) RS_MUST_CHECK;

/* The Standard Webhooks signature "v1,<base64>" of ID.TIMESTAMP.BODY with KEY. */
void rs_webhook_sign(const unsigned char *key, int key_len, const char *id, int64_t ts, const char *body,
                     size_t len, char out[64]);

#endif
