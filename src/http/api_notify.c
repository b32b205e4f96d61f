/* api_notify.c — notifications over HTTP:
 *   GET  /v1/orders/{ref}/notifications    an order's notifications, states and attempts
 *   POST /v1/notifications/preview         {"order_ref","trigger","channel","locale"} → rendered
 *   POST /v1/notifications/{id}/resend     queue a copy now
 *   GET|PUT /v1/notifications/settings     the merchant's settings (validated before saving)
 * and the public callbacks of the providers and customers:
 *   POST /hooks/twilio/status/{merchant}   delivery receipts (X-Twilio-Signature checked)
 *   POST /hooks/twilio/sms/{merchant}      inbound SMS: STOP / BAJA opt the number out
 *   GET|POST /hooks/whatsapp/{merchant}    verification; statuses and inbound messages
 *                                          (X-Hub-Signature-256 checked)
 *   POST /hooks/infobip/{merchant}         delivery reports
 *   POST /hooks/infobip/sms/{merchant}/{token}  inbound SMS (token: sms.inbound_token)
 * Customers' messages (any text but STOP) go to their conversation (app/conv.h), where the bot
 * answers; receipts of conversation replies update the message rows.
 *   GET|POST /u/{token}                    RFC 8058 one-click unsubscribe (POST), page (GET)
 * Receipts only move a message forward (sent → delivered/failed); replays change nothing. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/conv.h"
#include "app/notify_preview.h"
#include "app/notify_settings.h"
#include "http/page.h"
#include "http/routes.h"
#include "store/store_conv.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "store/store_page.h"
#include "util/buf.h"
#include "ingest/msg_in.h"
#include "ingest/signature.h"
#include "util/form.h"
#include "util/timefmt.h"

/* ---- merchant API ---- */

/* An order's list (notifications, coupons) as {"order_ref", KEY: [...]}: 404 for an unknown order. */
typedef enum rs_err order_list_fn(struct rs_store *s, int64_t merchant_id, const char *order_ref, json_t **out);

static void reply_order_list(struct rs_req *r, order_list_fn *fn, const char *key)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *list = NULL;
    enum rs_err e = s ? fn(s, r->merchant_id, r->params[0], &list) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "order_not_found", "no order \"%.128s\" for this merchant", r->params[0]);
        return;
    }
    if (e) {
        rs_reply_err(r, e, key);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "order_ref", json_string(r->params[0]));
    json_object_set_new(o, key, list);
    rs_reply_json(r, 200, o);
}

void rs_api_order_notifications(struct rs_req *r)
{
    reply_order_list(r, rs_store_outbox_order_json, "notifications");
}

void rs_api_notification_preview(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    const char *ref = json_string_value(json_object_get(body, "order_ref"));
    const char *trig = json_string_value(json_object_get(body, "trigger"));
    const char *chan = json_string_value(json_object_get(body, "channel"));
    const char *loc = json_string_value(json_object_get(body, "locale"));
    if (!json_is_object(body) || !ref || !trig || !chan) {
        rs_reply_error(r, 422, "missing_field", "send {\"order_ref\",\"trigger\",\"channel\"[,\"locale\"]} as strings");
        json_decref(body);
        return;
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *out = NULL;
    struct rs_app_error err = {0};
    enum rs_err e = s ? rs_app_notify_preview(s, r->merchant_id, ref, trig, chan, loc, rs_server_base_url(r->srv), &out,
                                              &err)
                      : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND)
        rs_reply_error(r, 404, "order_not_found", "no order \"%.128s\" for this merchant", ref);
    else if (e == RS_EINVAL)
        rs_reply_error(r, 422, err.code, "%s", err.message);
    else if (e)
        rs_reply_err(r, e, "preview");
    else
        rs_reply_json(r, 200, out);
    json_decref(body);
}

struct resend_job {
    int64_t merchant_id, id, new_id;
};

static enum rs_err resend_run(struct rs_store *s, void *ctx)
{
    struct resend_job *j = ctx;
    return rs_store_outbox_resend(s, j->merchant_id, j->id, rs_now(), &j->new_id);
}

void rs_api_notification_resend(struct rs_req *r)
{
    long long id;
    if (!rs_parse_int(r->params[0], 1, INT64_MAX, &id)) {
        rs_reply_error(r, 400, "invalid_id", "a notification id is a positive number");
        return;
    }
    struct resend_job j = {.merchant_id = r->merchant_id, .id = id};
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), resend_run, &j);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "notification_not_found", "no notification %lld for this merchant", id);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "resend");
        return;
    }
    rs_reply_json(r, 202, json_pack("{s:I, s:I, s:s}", "id", (json_int_t)j.new_id, "resend_of", (json_int_t)id, "state",
                                    "queued"));
}

/* Secrets never leave the server: GET shows them as "***". */
static const char *const secret_keys[] = {"auth_token", "api_key", "token", "password", "secret", "app_secret",
                                          "verify_token", "inbound_token", NULL};
#define REDACTED "***"

static bool is_secret(const char *k)
{
    for (int i = 0; secret_keys[i]; i++)
        if (strcmp(k, secret_keys[i]) == 0)
            return true;
    return false;
}

static void redact(json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (json_is_object(v))
            redact(v);
        else if (is_secret(k) && json_is_string(v))
            json_object_set_new(o, k, json_string(REDACTED));
    }
}

/* Settings sent back as GET showed them: every secret still "***" keeps the value stored at the
 * same place of OLD (NULL: none stored). False, with the field's path in WHERE, when there is
 * no stored value to keep. */
static bool unredact(json_t *o, json_t *old, const char *prefix, char *where, size_t cap)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        char path[160];
        snprintf(path, sizeof path, "%s%s%.100s", prefix, *prefix ? "." : "", k);
        json_t *ov = json_object_get(old, k);
        if (json_is_object(v)) {
            if (!unredact(v, ov, path, where, cap))
                return false;
        } else if (is_secret(k) && json_is_string(v) && strcmp(json_string_value(v), REDACTED) == 0) {
            if (!json_is_string(ov) || strcmp(json_string_value(ov), REDACTED) == 0) {
                snprintf(where, cap, "%s", path);
                return false;
            }
            json_object_set(o, k, ov);
        }
    }
    return true;
}

void rs_api_notify_settings_get(struct rs_req *r)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    struct rs_notify_merchant m;
    enum rs_err e = s ? rs_store_notify_merchant(s, r->merchant_id, &m) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "settings read");
        return;
    }
    json_t *j = m.config ? json_loads(m.config, 0, NULL) : json_object();
    free(m.config);
    if (!j)
        j = json_object();
    redact(j);
    rs_reply_json(r, 200, j);
}

struct settings_job {
    int64_t merchant_id;
    json_t *body;
    char bad[400]; /* set: refused (422) with this message, nothing written */
};

/* On the writer, so the stored secrets kept for "***" are the ones replaced. */
static enum rs_err settings_run(struct rs_store *s, void *ctx)
{
    struct settings_job *j = ctx;
    struct rs_notify_merchant m;
    enum rs_err e = rs_store_notify_merchant(s, j->merchant_id, &m);
    if (e)
        return e;
    json_t *old = m.config ? json_loads(m.config, 0, NULL) : NULL;
    free(m.config);
    char where[200];
    bool kept = unredact(j->body, old, "", where, sizeof where);
    json_decref(old);
    if (!kept) {
        snprintf(j->bad, sizeof j->bad,
                 "%s is \"" REDACTED "\", the placeholder GET shows for a secret, and none is stored: send the real value",
                 where);
        return RS_OK;
    }
    char *text = json_dumps(j->body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return RS_ENOMEM;
    struct rs_notify_config cfg;
    if (rs_notify_config_check_new(text, &cfg, j->bad, sizeof j->bad) != RS_OK) {
        if (!j->bad[0])
            snprintf(j->bad, sizeof j->bad, "invalid settings");
        free(text);
        return RS_OK;
    }
    rs_notify_config_release(&cfg);
    j->bad[0] = '\0';
    e = rs_store_notify_config_put(s, j->merchant_id, text, rs_now());
    free(text);
    return e;
}

void rs_api_notify_settings_put(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    struct settings_job j = {.merchant_id = r->merchant_id, .body = body};
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), settings_run, &j);
    json_decref(body);
    if (e) {
        rs_reply_err(r, e, "settings save");
        return;
    }
    if (j.bad[0]) {
        rs_reply_error(r, 422, "invalid_settings", "%s", j.bad);
        return;
    }
    rs_api_notify_settings_get(r);
}

/* ---- callbacks ---- */

/* The merchant's parsed settings for a callback (CFG released by the caller when RS_OK). */
static enum rs_err hook_settings(struct rs_req *r, int64_t *mid, struct rs_notify_config *cfg)
{
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id <= 0) {
        rs_reply_error(r, 404, "not_found", "no such callback");
        return RS_ENOTFOUND;
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    struct rs_notify_merchant m;
    enum rs_err e = s ? rs_store_notify_merchant(s, id, &m) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e || !m.config) {
        if (!e)
            e = RS_ENOTFOUND;
        rs_reply_error(r, 404, "not_found", "no such callback");
        return e;
    }
    char err[300];
    e = rs_notify_config_parse(m.config, cfg, err, sizeof err);
    free(m.config);
    if (e) {
        rs_reply_error(r, 404, "not_found", "no such callback");
        return e;
    }
    *mid = id;
    return RS_OK;
}

static int cmp_pair(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : strcmp(x[1], y[1]);
}

/* X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + Σ sorted(name+value))). */
static bool twilio_valid(struct rs_req *r, const struct rs_notify_config *cfg, const struct rs_form *f)
{
    const char *sig = rs_req_header(r, "X-Twilio-Signature");
    if (!cfg->twilio_token || !sig)
        return false;
    char base[512];
    snprintf(base, sizeof base, "%s", cfg->public_base_url ? cfg->public_base_url : rs_server_base_url(r->srv));
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b, "%s%s", base, r->path);
    const char *nq = rs_req_query(r, "n");
    if (nq)
        rs_buf_printf(&b, "?n=%s", nq);
    const char *pairs[RS_FORM_MAX][2];
    for (int i = 0; i < f->n; i++) {
        pairs[i][0] = f->name[i];
        pairs[i][1] = f->value[i];
    }
    qsort(pairs, (size_t)f->n, sizeof pairs[0], cmp_pair);
    for (int i = 0; i < f->n; i++)
        rs_buf_printf(&b, "%s%s", pairs[i][0], pairs[i][1]);
    unsigned char mac[20];
    unsigned ml = 0;
    HMAC(EVP_sha1(), cfg->twilio_token, (int)strlen(cfg->twilio_token), (const unsigned char *)b.data, b.len, mac, &ml);
    rs_buf_release(&b);
    char expect[40];
    EVP_EncodeBlock((unsigned char *)expect, mac, 20);
    return strlen(sig) == strlen(expect) && CRYPTO_memcmp(sig, expect, strlen(expect)) == 0;
}

struct receipt_job {
    int64_t merchant_id;
    const char *provider_id, *state, *error;
    const char *phone, *channel;
    bool start; /* PHONE opts back in to CHANNEL rather than out */
    int64_t wa_at;
    int changed;
    /* START, ALTA, UNSTOP: when it lifted an opt-out, the customer is told (app/conv.h) */
    const char *keyword, *sms_provider, *provider_msg_id, *base_url;
    bool ack;
};

static enum rs_err receipt_run(struct rs_store *s, void *ctx)
{
    struct receipt_job *j = ctx;
    enum rs_err e = RS_OK;
    if (j->provider_id) {
        e = rs_store_outbox_receipt(s, j->merchant_id, j->provider_id, j->state, j->error, rs_now());
        if (e == RS_ENOTFOUND) /* a conversation reply? */
            e = rs_store_reply_receipt(s, j->merchant_id, j->provider_id, j->state, j->error, rs_now());
        if (e == RS_ENOTFOUND)
            e = RS_OK; /* unknown or already final: nothing to do, and the provider must not retry */
    }
    if (!e && j->phone && j->channel && j->start)
        e = rs_store_notify_optin_phone(s, j->merchant_id, j->phone, j->channel, &j->changed);
    else if (!e && j->phone && j->channel)
        e = rs_store_notify_optout_phone(s, j->merchant_id, j->phone, j->channel,
                                         strcmp(j->channel, "sms") == 0 ? "sms_stop" : "whatsapp_stop", rs_now(),
                                         &j->changed);
    if (!e && j->phone && j->wa_at)
        e = rs_store_notify_wa_inbound(s, j->merchant_id, j->phone, j->wa_at);
    if (!e && j->phone && j->channel && j->start && j->ack && j->changed > 0) {
        struct rs_inbound_msg in = {.merchant_id = j->merchant_id, .channel = j->channel,
                                    .sms_provider = j->sms_provider, .phone = j->phone,
                                    .provider_msg_id = j->provider_msg_id, .base_url = j->base_url};
        struct rs_inbound_result res;
        e = rs_conv_optin_ack(s, &in, j->keyword, rs_now(), &res);
    }
    return e;
}

/* Twilio's delivery states → ours. NULL: intermediate, ignore. */
static const char *twilio_state(const char *st)
{
    if (!st)
        return NULL;
    if (strcmp(st, "delivered") == 0 || strcmp(st, "read") == 0)
        return "delivered";
    if (strcmp(st, "undelivered") == 0 || strcmp(st, "failed") == 0)
        return "failed";
    return NULL;
}

/* What both Twilio callbacks do first: the merchant's settings, the form body, the signature.
 * Returns false with the answer set (and nothing to release) when the request is not usable. */
static bool twilio_begin(struct rs_req *r, int64_t *mid, struct rs_notify_config *cfg, struct rs_form *f)
{
    if (hook_settings(r, mid, cfg))
        return false;
    rs_form_parse(r->body, r->body_len, f);
    if (!twilio_valid(r, cfg, f)) {
        rs_reply_error(r, 403, "bad_signature", "X-Twilio-Signature does not match");
        rs_notify_config_release(cfg);
        return false;
    }
    return true;
}

void rs_hook_twilio_status(struct rs_req *r)
{
    int64_t mid;
    struct rs_notify_config cfg;
    static __thread struct rs_form f;
    if (!twilio_begin(r, &mid, &cfg, &f))
        return;
    const char *sid = rs_form_find(&f, "MessageSid");
    const char *st = twilio_state(rs_form_find(&f, "MessageStatus"));
    char error[64] = "";
    if (rs_form_find(&f, "ErrorCode"))
        snprintf(error, sizeof error, "Twilio error %s", rs_form_find(&f, "ErrorCode"));
    enum rs_err e = RS_OK;
    if (sid && st) {
        struct receipt_job j = {.merchant_id = mid, .provider_id = sid, .state = st, .error = error[0] ? error : NULL};
        e = rs_writer_run(rs_server_writer(r->srv), receipt_run, &j);
    }
    rs_notify_config_release(&cfg);
    if (e)
        rs_reply_err(r, e, "receipt");
    else
        rs_reply_text(r, 200, "text/plain", "", 0);
}

/* A keyword that is the whole message (any case, trimmed): STOP, BAJA and friends opt the
 * number out of the channel it came by; START, ALTA, UNSTOP opt it back in (Twilio's own
 * opt-out lifts on START too, so both sides agree). Neither is a conversation. */
enum keyword { KW_NONE, KW_STOP, KW_START };

static enum keyword keyword_of(const char *text)
{
    static const char *const stop[] = {"stop", "baja", "stopall", "unsubscribe", "cancel", "end", "quit",
                                       "optout", "revoke", "parar", "cancelar", NULL};
    static const char *const start[] = {"start", "unstop", "alta", NULL};
    char w[32];
    size_t n = 0;
    for (const char *p = text ? text : ""; *p && n + 1 < sizeof w; p++)
        if (!isspace((unsigned char)*p) && *p != '.' && *p != '!')
            w[n++] = (char)tolower((unsigned char)*p);
    w[n] = '\0';
    for (int i = 0; stop[i]; i++)
        if (strcmp(w, stop[i]) == 0)
            return KW_STOP;
    for (int i = 0; start[i]; i++)
        if (strcmp(w, start[i]) == 0)
            return KW_START;
    return KW_NONE;
}

/* Whether TEXT (a KW_START word) is one Twilio's Advanced Opt-Out answers itself. */
static bool twilio_keyword(const char *text)
{
    char w[16];
    size_t n = 0;
    for (const char *p = text ? text : ""; *p && n + 1 < sizeof w; p++)
        if (isalpha((unsigned char)*p))
            w[n++] = (char)tolower((unsigned char)*p);
    w[n] = '\0';
    return strcmp(w, "start") == 0 || strcmp(w, "unstop") == 0;
}

/* A customer's message into their conversation (app/conv.h), on the writer thread. */
struct conv_job {
    struct rs_inbound_msg in;
    const char *unsupported; /* a message kind we cannot read ("image"…): recorded as a note */
    bool drop_bad;           /* unusable text is recorded as a note (providers that retry forever) */
    int64_t wa_at;           /* WhatsApp: opens the 24-hour window of the sender's customers */
    struct rs_inbound_result res;
    bool refused;            /* unusable text, nothing written */
    char why[200];
};

static enum rs_err conv_run(struct rs_store *s, void *ctx)
{
    struct conv_job *j = ctx;
    enum rs_err e = RS_OK;
    if (j->wa_at && (e = rs_store_notify_wa_inbound(s, j->in.merchant_id, j->in.phone, j->wa_at)))
        return e;
    if (j->unsupported)
        return rs_conv_inbound_unsupported(s, &j->in, j->unsupported, rs_now(), &j->res);
    if (!rs_conv_text_ok(j->in.body, j->in.body_len, j->why, sizeof j->why)) {
        if (j->drop_bad)
            return rs_conv_inbound_unsupported(s, &j->in, "unreadable_text", rs_now(), &j->res);
        j->refused = true;
        return RS_OK;
    }
    return rs_conv_inbound(s, &j->in, rs_now(), &j->res);
}

static const char *public_base(struct rs_req *r, const struct rs_notify_config *cfg)
{
    return cfg->public_base_url ? cfg->public_base_url : rs_server_base_url(r->srv);
}

void rs_hook_twilio_sms(struct rs_req *r)
{
    int64_t mid;
    struct rs_notify_config cfg;
    static __thread struct rs_form f;
    if (!twilio_begin(r, &mid, &cfg, &f))
        return;
    enum rs_err e = RS_OK;
    const char *from = rs_form_find(&f, "From");
    const char *text = rs_form_find(&f, "Body");
    bool refused = false;
    char why[200] = "";
    enum keyword kw = keyword_of(text);
    if (from && kw != KW_NONE) {
        /* Twilio answers its own opt-in words (START, UNSTOP) itself: ALTA is ours to confirm */
        struct receipt_job j = {.merchant_id = mid, .phone = from, .channel = "sms", .start = kw == KW_START,
                                .ack = kw == KW_START && !twilio_keyword(text), .keyword = text,
                                .sms_provider = "twilio", .provider_msg_id = rs_form_find(&f, "MessageSid"),
                                .base_url = public_base(r, &cfg)};
        e = rs_writer_run(rs_server_writer(r->srv), receipt_run, &j);
    } else if (from && text) {
        /* Twilio does not retry an inbound message we refuse: unusable text gets a 400 */
        static __thread struct conv_job j;
        memset(&j, 0, sizeof j);
        j.in = (struct rs_inbound_msg){.merchant_id = mid, .channel = "sms", .sms_provider = "twilio",
                                       .phone = from, .body = text, .body_len = strlen(text),
                                       .provider_msg_id = rs_form_find(&f, "MessageSid"),
                                       .base_url = public_base(r, &cfg)};
        e = rs_writer_run(rs_server_writer(r->srv), conv_run, &j);
        refused = j.refused;
        snprintf(why, sizeof why, "%s", j.why);
    }
    rs_notify_config_release(&cfg);
    if (e)
        rs_reply_err(r, e, "inbound sms");
    else if (refused)
        rs_reply_error(r, 400, "bad_message", "%s", why);
    else
        rs_reply_text(r, 200, "application/xml", "<Response/>", 11);
}

void rs_hook_whatsapp_verify(struct rs_req *r)
{
    int64_t mid;
    struct rs_notify_config cfg;
    if (hook_settings(r, &mid, &cfg))
        return;
    const char *mode = rs_req_query(r, "hub.mode"), *tok = rs_req_query(r, "hub.verify_token"),
               *ch = rs_req_query(r, "hub.challenge");
    if (mode && strcmp(mode, "subscribe") == 0 && tok && ch && cfg.wa_verify_token &&
        strlen(tok) == strlen(cfg.wa_verify_token) && CRYPTO_memcmp(tok, cfg.wa_verify_token, strlen(tok)) == 0)
        rs_reply_text(r, 200, "text/plain", ch, strlen(ch));
    else
        rs_reply_error(r, 403, "forbidden", "verify token does not match");
    rs_notify_config_release(&cfg);
}

void rs_hook_whatsapp(struct rs_req *r)
{
    int64_t mid;
    struct rs_notify_config cfg;
    if (hook_settings(r, &mid, &cfg))
        return;
    if (!rs_sig_meta(cfg.wa_app_secret, r->body, r->body_len, rs_req_header(r, "X-Hub-Signature-256"))) {
        rs_reply_error(r, 403, "bad_signature", "X-Hub-Signature-256 does not match");
        rs_notify_config_release(&cfg);
        return;
    }
    json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
    enum rs_err e = RS_OK;
    size_t i, k, x;
    json_t *entry, *change, *item;
    json_array_foreach(json_object_get(root, "entry"), i, entry) {
        json_array_foreach(json_object_get(entry, "changes"), k, change) {
            json_t *value = json_object_get(change, "value");
            json_array_foreach(json_object_get(value, "statuses"), x, item) {
                const char *id = json_string_value(json_object_get(item, "id"));
                const char *st = json_string_value(json_object_get(item, "status"));
                const char *mapped = !st ? NULL
                                     : strcmp(st, "delivered") == 0 || strcmp(st, "read") == 0 ? "delivered"
                                     : strcmp(st, "failed") == 0                               ? "failed"
                                                                                               : NULL;
                if (!id || !mapped || e)
                    continue;
                struct receipt_job j = {.merchant_id = mid, .provider_id = id, .state = mapped};
                e = rs_writer_run(rs_server_writer(r->srv), receipt_run, &j);
            }
        }
    }
    /* messages: STOP opts out, START back in; text goes to the conversation; other kinds are noted. Meta
     * retries a webhook it could not deliver for days, so nothing is refused here: what cannot
     * be read is recorded as a note and the customer asked to write text. */
    struct rs_msg_in_list ml;
    if (!e && rs_msg_in_whatsapp(r->body, r->body_len, &ml) == RS_OK) {
        for (int m = 0; m < ml.n && !e; m++) {
            const struct rs_msg_in *it = &ml.m[m];
            int64_t at = it->at ? it->at : rs_now();
            enum keyword kw = it->text ? keyword_of(it->text) : KW_NONE;
            if (kw != KW_NONE) {
                struct receipt_job j = {.merchant_id = mid, .phone = it->phone, .wa_at = at, .channel = "whatsapp",
                                        .start = kw == KW_START, .ack = kw == KW_START, .keyword = it->text,
                                        .provider_msg_id = it->id, .base_url = public_base(r, &cfg)};
                e = rs_writer_run(rs_server_writer(r->srv), receipt_run, &j);
                continue;
            }
            static __thread struct conv_job j;
            memset(&j, 0, sizeof j);
            j.in = (struct rs_inbound_msg){.merchant_id = mid, .channel = "whatsapp", .phone = it->phone,
                                           .name = it->name, .body = it->text, .body_len = it->text_len,
                                           .provider_msg_id = it->id, .base_url = public_base(r, &cfg)};
            j.unsupported = it->text ? NULL : it->type;
            j.drop_bad = true;
            j.wa_at = at;
            e = rs_writer_run(rs_server_writer(r->srv), conv_run, &j);
        }
        rs_msg_in_free(&ml);
    }
    json_decref(root);
    rs_notify_config_release(&cfg);
    if (e)
        rs_reply_err(r, e, "whatsapp webhook");
    else
        rs_reply_text(r, 200, "text/plain", "", 0);
}

void rs_hook_infobip(struct rs_req *r)
{
    int64_t mid;
    struct rs_notify_config cfg;
    if (hook_settings(r, &mid, &cfg))
        return;
    /* Infobip does not sign reports: the callback data must name one of this merchant's own
     * messages, and receipts only move messages forward. */
    json_t *root = r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    size_t i;
    json_t *it;
    enum rs_err e = RS_OK;
    json_array_foreach(json_object_get(root, "results"), i, it) {
        const char *id = json_string_value(json_object_get(it, "messageId"));
        const char *g = json_string_value(json_object_get(json_object_get(it, "status"), "groupName"));
        const char *mapped = !g ? NULL
                             : strcmp(g, "DELIVERED") == 0 ? "delivered"
                             : (strcmp(g, "UNDELIVERABLE") == 0 || strcmp(g, "EXPIRED") == 0 || strcmp(g, "REJECTED") == 0)
                                 ? "failed"
                                 : NULL;
        if (!id || !mapped || e)
            continue;
        const char *why = json_string_value(json_object_get(json_object_get(it, "error"), "description"));
        struct receipt_job j = {.merchant_id = mid, .provider_id = id, .state = mapped,
                                .error = strcmp(mapped, "failed") == 0 ? why : NULL};
        e = rs_writer_run(rs_server_writer(r->srv), receipt_run, &j);
    }
    json_decref(root);
    rs_notify_config_release(&cfg);
    if (e)
        rs_reply_err(r, e, "infobip report");
    else
        rs_reply_text(r, 200, "text/plain", "", 0);
}

/* Infobip inbound SMS (MO_JSON_2). Infobip does not sign them: the URL carries the merchant's
 * random sms.inbound_token, compared in constant time; a wrong or missing token is a 404 (the
 * URL does not exist for whoever guesses). Infobip retries deliveries we fail, so unusable text
 * is recorded as a note rather than refused. */
void rs_hook_infobip_sms(struct rs_req *r)
{
    int64_t mid;
    struct rs_notify_config cfg;
    if (hook_settings(r, &mid, &cfg))
        return;
    const char *tok = r->params[1];
    const char *want = cfg.sms_inbound_token;
    if (!want || !tok || strlen(tok) != strlen(want) || CRYPTO_memcmp(tok, want, strlen(want)) != 0) {
        rs_notify_config_release(&cfg);
        rs_reply_error(r, 404, "not_found", "no such callback");
        return;
    }
    struct rs_msg_in_list ml;
    if (rs_msg_in_infobip(r->body, r->body_len, &ml) != RS_OK) {
        rs_notify_config_release(&cfg);
        rs_reply_error(r, 400, "bad_json",
                       "expected Infobip's inbound SMS JSON: {\"results\":[{\"messageId\",\"from\",\"text\",…}]}");
        return;
    }
    enum rs_err e = RS_OK;
    for (int m = 0; m < ml.n && !e; m++) {
        const struct rs_msg_in *it = &ml.m[m];
        enum keyword kw = it->text ? keyword_of(it->text) : KW_NONE;
        if (kw != KW_NONE) {
            struct receipt_job j = {.merchant_id = mid, .phone = it->phone, .channel = "sms", .start = kw == KW_START,
                                    .ack = kw == KW_START, .keyword = it->text, .sms_provider = "infobip",
                                    .provider_msg_id = it->id, .base_url = public_base(r, &cfg)};
            e = rs_writer_run(rs_server_writer(r->srv), receipt_run, &j);
            continue;
        }
        static __thread struct conv_job j;
        memset(&j, 0, sizeof j);
        j.in = (struct rs_inbound_msg){.merchant_id = mid, .channel = "sms", .sms_provider = "infobip",
                                       .phone = it->phone, .body = it->text ? it->text : "",
                                       .body_len = it->text ? it->text_len : 0, .provider_msg_id = it->id,
                                       .base_url = public_base(r, &cfg)};
        j.unsupported = it->text ? NULL : "empty_message";
        j.drop_bad = true;
        e = rs_writer_run(rs_server_writer(r->srv), conv_run, &j);
    }
    rs_msg_in_free(&ml);
    rs_notify_config_release(&cfg);
    if (e)
        rs_reply_err(r, e, "infobip inbound sms");
    else
        rs_reply_text(r, 200, "text/plain", "", 0);
}

struct unsub_job {
    const char *token;
    bool all;               /* every channel, not only e-mail */
    bool found;
    struct rs_unsub_row row; /* the message's shop, order and language */
};

/* The channels "stop all messages" covers: every customer channel (the merchant's webhook is
 * not a message to the customer). */
static const char *const unsub_all_channels[] = {"email", "sms", "whatsapp", "push"};

static enum rs_err unsub_run(struct rs_store *s, void *ctx)
{
    struct unsub_job *j = ctx;
    enum rs_err e = rs_store_outbox_by_unsub(s, j->token, &j->row);
    if (e == RS_ENOTFOUND)
        return RS_OK;
    if (e)
        return e;
    j->found = true;
    int64_t cid = j->row.customer_id;
    if (!cid) {
        /* an order without a customer: the e-mail went to an address given on the tracking page
         * (notify_contacts); stopping is removing the order's contact rows, else it keeps coming */
        size_t n = j->all ? sizeof unsub_all_channels / sizeof unsub_all_channels[0] : 1;
        for (size_t i = 0; i < n && !e; i++) {
            struct rs_consent_in c = {.merchant_id = j->row.merchant_id, .order_id = j->row.order_id,
                                      .channel = unsub_all_channels[i], .source = "email_unsubscribe"};
            e = rs_store_consent_set(s, &c, rs_now());
        }
        return e;
    }
    if (!j->all)
        return rs_store_notify_optout(s, cid, "email", "email_one_click", rs_now());
    for (size_t i = 0; i < sizeof unsub_all_channels / sizeof unsub_all_channels[0] && !e; i++)
        e = rs_store_notify_optout(s, cid, unsub_all_channels[i], "email_unsubscribe_all", rs_now());
    return e;
}

static bool token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 8 || n > 48)
        return false;
    for (; *t; t++)
        if (!isalnum((unsigned char)*t))
            return false;
    return true;
}

/* The customer reads these pages: in the language of the e-mail they came from (?lang= first),
 * else the one their browser asks for, else Spanish. */
static bool unsub_spanish(struct rs_req *r, const char *locale)
{
    const char *q = rs_req_query(r, "lang");
    if (q && *q)
        return strcmp(rs_page_lang_asked(r), "es") == 0;
    if (locale && *locale)
        return strncmp(locale, "en", 2) != 0;
    const char *asked = rs_page_lang_asked(r);
    return !asked || strcmp(asked, "es") == 0;
}

static void unsub_unknown(struct rs_req *r)
{
    bool es = unsub_spanish(r, NULL);
    rs_page_message(r, 404, es, es ? "Enlace de baja no válido" : "Unknown unsubscribe link",
                    es ? "Este enlace para darse de baja no existe. Usa el del último e-mail que te enviamos."
                       : "This unsubscribe link does not exist. Use the one in the latest e-mail we sent you.");
}

/* The database failed (busy, full, read-only): a page the customer can read, with Retry-After
 * (a mail client's one-click POST retries on the 503), never a JSON error; the log says why. */
static void unsub_failed(struct rs_req *r, enum rs_err e)
{
    bool es = unsub_spanish(r, NULL);
    rs_req_failed(r, e, "unsubscribe");
    rs_page_message(r, 503, es, es ? "No se pudo completar" : "Could not complete",
                    es ? "No hemos podido atender tu petición ahora mismo y no se ha cambiado nada. Prueba de nuevo "
                         "en un momento con el mismo enlace."
                       : "We could not handle your request just now and nothing was changed. Please try again in "
                         "a moment with the same link.");
}

/* A small page for a phone screen, headed by the shop's name (which shop's messages these are):
 * TITLE, MSG and, unless DONE_ALL, the buttons that POST the choice back to /u/TOKEN (the e-mail
 * only, unless DONE_EMAIL, and every channel); then the way back to the order's tracking page,
 * where the customer can ask for updates again. */
static void unsub_page(struct rs_req *r, bool es, const char *token, const struct rs_unsub_row *u,
                       const char *title, const char *msg, bool done_email, bool done_all)
{
    const char *lang = es ? "es" : "en";
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b,
                  "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width,initial-scale=1\"><title>%s · ",
                  lang, title);
    rs_buf_html(&b, u->shop);
    rs_buf_puts(&b, "</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/page.css\">"
                    "</head><body><header class=\"top\"><div class=\"wrap bar\"><p class=\"brand\">");
    rs_buf_html(&b, u->shop);
    rs_buf_printf(&b, "</p></div></header><main class=\"wrap\"><h1>%s</h1><p>%s</p>", title, msg);
    if (!done_all) {
        rs_buf_printf(&b, "<form method=\"post\" action=\"/u/%s?lang=%s\"><input type=\"hidden\" "
                          "name=\"List-Unsubscribe\" value=\"One-Click\">",
                      token, lang);
        if (!done_email)
            rs_buf_printf(&b, "<p><button name=\"scope\" value=\"email\">%s</button></p>",
                          es ? "Dejar de recibir e-mails" : "Stop e-mails");
        rs_buf_printf(&b, "<p><button name=\"scope\" value=\"all\">%s</button></p></form><p>%s</p>",
                      es ? "Dejar de recibir todos los avisos (e-mail, SMS, WhatsApp y notificaciones del navegador)"
                         : "Stop all updates (e-mail, SMS, WhatsApp and browser notifications)",
                      /* an address given on the tracking page, without a customer: that order's alone */
                      !u->customer_id ? (es ? "Vale para este pedido. Si cambias de idea, puedes volver a pedir "
                                              "avisos en su página de seguimiento."
                                            : "This applies to this order. If you change your mind, you can ask for "
                                              "updates again on its tracking page.")
                      : es ? "Vale para todos tus pedidos en esta tienda. Si cambias de idea, puedes volver a pedir "
                             "avisos en la página de seguimiento de tu pedido."
                           : "This applies to all your orders from this shop. If you change your mind, you can ask "
                             "for updates again on your order's tracking page.");
    } else {
        rs_buf_puts(&b, es ? "<p>Si cambias de idea, puedes volver a pedir avisos en la página de seguimiento de tu "
                             "pedido.</p>"
                           : "<p>If you change your mind, you can ask for updates again on your order's tracking "
                             "page.</p>");
    }
    if (u->code[0])
        rs_buf_printf(&b, "<p><a href=\"/t/%s?lang=%s\">%s</a></p>", u->code, lang,
                      es ? "Ver el seguimiento de mi pedido" : "See my order's tracking page");
    else
        rs_buf_printf(&b, "<p><a href=\"/track?lang=%s\">%s</a></p>", lang, es ? "Buscar mi pedido" : "Find my order");
    rs_buf_puts(&b, "</main></body></html>");
    size_t len;
    char *html = rs_buf_detach(&b, &len);
    rs_page_reply_html(r, 200, html, len);
    free(html);
}

/* POST /u/{token}: RFC 8058 one-click (a mail client posts "List-Unsubscribe=One-Click" alone)
 * stops e-mail; the page's second button (scope=all) stops every channel. */
void rs_page_unsubscribe_post(struct rs_req *r)
{
    if (!token_ok(r->params[0])) {
        unsub_unknown(r);
        return;
    }
    char scope[16] = "";
    rs_form_get(r->body, r->body_len, "scope", scope, sizeof scope, NULL);
    struct unsub_job j = {.token = r->params[0], .all = strcmp(scope, "all") == 0};
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), unsub_run, &j);
    if (e) {
        unsub_failed(r, e);
        return;
    }
    if (!j.found) {
        unsub_unknown(r);
        return;
    }
    bool es = unsub_spanish(r, j.row.locale);
    if (j.all && !j.row.customer_id)
        unsub_page(r, es, r->params[0], &j.row, es ? "Baja confirmada" : "You are unsubscribed",
                   es ? "Ya no te enviaremos avisos sobre este pedido por ningún medio: ni e-mail, ni SMS, ni "
                        "WhatsApp, ni notificaciones del navegador."
                      : "We will not send you updates about this order by any channel any more: no e-mail, SMS, "
                        "WhatsApp or browser notifications.",
                   true, true);
    else if (j.all)
        unsub_page(r, es, r->params[0], &j.row, es ? "Baja confirmada" : "You are unsubscribed",
                   es ? "Ya no te enviaremos avisos sobre tus pedidos por ningún medio: ni e-mail, ni SMS, ni "
                        "WhatsApp, ni notificaciones del navegador."
                      : "We will not send you updates about your orders by any channel any more: no e-mail, SMS, "
                        "WhatsApp or browser notifications.",
                   true, true);
    else
        unsub_page(r, es, r->params[0], &j.row, es ? "Baja confirmada" : "You are unsubscribed",
                   es ? "Ya no te enviaremos estos avisos por e-mail. Los SMS, los mensajes de WhatsApp y las "
                        "notificaciones del navegador siguen llegando; si tampoco los quieres:"
                      : "We will not send you these updates by e-mail any more. Text and WhatsApp messages and "
                        "browser notifications still come; if you do not want them either:",
                   true, false);
}

void rs_page_unsubscribe_get(struct rs_req *r)
{
    /* A GET never unsubscribes (mail scanners follow links); it shows the buttons that POST. */
    if (!token_ok(r->params[0])) {
        unsub_unknown(r);
        return;
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    struct rs_unsub_row u;
    enum rs_err e = s ? rs_store_outbox_by_unsub(s, r->params[0], &u) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        unsub_unknown(r);
        return;
    }
    if (e) {
        unsub_failed(r, e);
        return;
    }
    bool es = unsub_spanish(r, u.locale);
    unsub_page(r, es, r->params[0], &u, es ? "Darse de baja" : "Unsubscribe",
               !u.customer_id ? (es ? "¿Qué avisos sobre este pedido quieres dejar de recibir?"
                                    : "Which updates about this order do you want to stop?")
               : es           ? "¿Qué avisos sobre tus pedidos quieres dejar de recibir?"
                              : "Which updates about your orders do you want to stop?",
               false, false);
}

/* GET /v1/orders/{ref}/coupons — the coupons granted for an order (compensation). */
void rs_api_order_coupons(struct rs_req *r)
{
    reply_order_list(r, rs_store_coupons_json, "coupons");
}
