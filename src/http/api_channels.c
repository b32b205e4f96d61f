/* api_channels.c — customer messages that arrive besides SMS and WhatsApp, all handed to the
 * one entry rs_conv_inbound (app/conv.h) in a writer job:
 *   POST /hooks/email/{token}        an e-mail from `rastro mail-in` (Postfix pipe), signed with
 *                                    the merchant's e-mail integration secret (X-Rastro-Signature:
 *                                    base64(HMAC-SHA256(secret, raw body))); 403 when forged
 *   POST /v1/conversations/calls     a phone call an agent logs (ingest scope); the bot stays quiet
 *   POST /t/{code}/chat              the tracking page's web chat (public: same-origin only,
 *   GET  /t/{code}/chat              rate-limited, size-limited; the transcript for the page)
 * See docs/support-channels.md. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ingest.h"
#include "app/conv.h"
#include "app/ratelimit.h"
#include "core/trackcode.h"
#include "http/page.h"
#include "http/routes.h"
#include "http/track.h"
#include "ingest/signature.h"
#include "store/store_conv.h"
#include "store/store_page.h"
#include "store/store_webchat.h"
#include "util/email_addr.h"
#include "util/form.h"
#include "util/timefmt.h"

#define CHAT_MAX_BODY 2000 /* bytes of one web chat message */

/* ---- the writer job shared by the three channels ---- */

struct inbound_job {
    struct rs_inbound_msg in;
    const char *order_ref;   /* phone: the order the call was about, or NULL */
    const char *agent_email; /* phone: the agent who logged it, or NULL */
    const char *failed;      /* set when order_ref / agent_email is unknown */
    struct rs_inbound_result res;
};

static enum rs_err inbound_job_run(struct rs_store *s, void *ctx)
{
    struct inbound_job *j = ctx;
    if (j->order_ref) {
        struct rs_conv_order o;
        enum rs_err e = rs_store_conv_order(s, j->in.merchant_id, 'r', j->order_ref, &o);
        if (e == RS_ENOTFOUND) {
            j->failed = "order_ref";
            return RS_EINVAL;
        }
        if (e)
            return e;
        j->in.order_id = o.id;
        j->in.verified = true; /* the agent talked to the customer about this order */
    }
    if (j->agent_email) {
        char low[256];
        size_t i = 0;
        for (; j->agent_email[i] && i + 1 < sizeof low; i++)
            low[i] = (char)tolower((unsigned char)j->agent_email[i]);
        low[i] = '\0';
        enum rs_err e = rs_store_conv_agent_by_email(s, j->in.merchant_id, low, &j->in.agent_id);
        if (e == RS_ENOTFOUND) {
            j->failed = "agent_email";
            return RS_EINVAL;
        }
        if (e)
            return e;
    }
    return rs_conv_inbound(s, &j->in, rs_now(), &j->res);
}

static json_t *result_json(const struct inbound_job *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "result", json_string(j->res.duplicate ? "duplicate" : "accepted"));
    json_object_set_new(o, "conversation_id", json_integer(j->res.conversation_id));
    json_object_set_new(o, "message_id", json_integer(j->res.message_id));
    json_object_set_new(o, "intent", j->res.intent[0] ? json_string(j->res.intent) : json_null());
    json_object_set_new(o, "handed_over", json_boolean(j->res.handed_over));
    json_object_set_new(o, "incident_id", j->res.incident_id ? json_integer(j->res.incident_id) : json_null());
    json_object_set_new(o, "reply_id", j->res.reply_id ? json_integer(j->res.reply_id) : json_null());
    return o;
}

/* "+34 600 111 222" → "+34600111222" (8 to 15 digits after '+'); false otherwise. */
static bool e164(const char *s, char out[20])
{
    size_t n = 0;
    if (!s || *s != '+')
        return false;
    out[0] = '+';
    for (s++; *s; s++) {
        if (isdigit((unsigned char)*s)) {
            if (n == 15)
                return false;
            out[1 + n++] = *s;
        } else if (!strchr(" -().", *s)) {
            return false;
        }
    }
    out[1 + n] = '\0';
    return n >= 8;
}

/* ---- e-mail: POST /hooks/email/{token} ---- */

void rs_hook_email(struct rs_req *r)
{
    struct rs_integration *ig = malloc(sizeof *ig);
    struct rs_store *s = ig ? rs_server_reader_get(r->srv) : NULL;
    enum rs_err e = s ? rs_store_integration_by_hook(s, "email", r->params[0], rs_now(), ig) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "unknown_hook",
                       "no e-mail channel with this token: copy the URL from `rastro merchant hook email` "
                       "or PUT /v1/integrations/email");
        free(ig);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "integration lookup");
        free(ig);
        return;
    }
    const char *body = r->body ? r->body : "";
    size_t len = r->body ? r->body_len : 0;
    const char *sig = rs_req_header(r, "X-Rastro-Signature");
    bool ok = rs_sig_shopify(ig->secret, body, len, sig) ||
              (ig->previous_secret[0] && rs_sig_shopify(ig->previous_secret, body, len, sig));
    int64_t merchant_id = ig->merchant_id;
    free(ig);
    if (!ok) {
        rs_reply_error(r, 403, "invalid_signature",
                       "X-Rastro-Signature %s; run rastro mail-in with the secret of `rastro merchant hook email`",
                       sig && *sig ? "does not match the body" : "is missing");
        return;
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, 0, &je);
    const char *from = json_string_value(json_object_get(j, "from"));
    const char *text = json_string_value(json_object_get(j, "body"));
    if (!json_is_object(j) || !rs_email_plausible(from) || !text) {
        rs_reply_error(r, 422, "invalid_message",
                       "send {\"from\": address, \"body\": text, \"subject\", \"message_id\", \"in_reply_to\", "
                       "\"references\", \"name\"} as rastro mail-in does");
        json_decref(j);
        return;
    }
    const char *mid = json_string_value(json_object_get(j, "message_id"));
    const char *irt = json_string_value(json_object_get(j, "in_reply_to"));
    const char *refs = json_string_value(json_object_get(j, "references"));
    struct inbound_job job = {.in = {
                                  .merchant_id = merchant_id,
                                  .channel = "email",
                                  .email = from,
                                  .name = json_string_value(json_object_get(j, "name")),
                                  .subject = json_string_value(json_object_get(j, "subject")),
                                  .body = text,
                                  .body_len = json_string_length(json_object_get(j, "body")),
                                  .provider_msg_id = mid && *mid && strlen(mid) <= 900 ? mid : NULL,
                                  /* threading: answers to our e-mails go to their conversation */
                                  .in_reply_to = irt && *irt && strlen(irt) <= 900 ? irt : NULL,
                                  .references = refs && *refs && strlen(refs) <= 4100 ? refs : NULL,
                                  .automatic = json_is_true(json_object_get(j, "automatic")),
                                  .base_url = rs_server_base_url(r->srv),
                              }};
    e = rs_writer_run(rs_server_writer(r->srv), inbound_job_run, &job);
    if (e == RS_EINVAL)
        rs_reply_error(r, 422, "invalid_message", "the message is not usable text (empty, binary or not UTF-8)");
    else if (e)
        rs_reply_err(r, e, "e-mail");
    else
        rs_reply_json(r, job.res.duplicate ? 200 : 201, result_json(&job));
    json_decref(j);
}

/* ---- phone: POST /v1/conversations/calls ---- */

void rs_api_call_post(struct rs_req *r)
{
    json_t *j = rs_req_json(r);
    if (!j)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        static const char *const known[] = {"phone", "email", "order_ref", "body", "agent_email", "locale", "call_id",
                                            "name"};
        bool found = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            found |= strcmp(k, known[i]) == 0;
        if (!found || (!json_is_string(v) && !json_is_null(v))) {
            rs_reply_error(r, 422, "invalid_field",
                           "\"%.40s\": send strings phone or email, body, and optionally order_ref, agent_email, "
                           "locale (es|en), call_id, name",
                           k);
            json_decref(j);
            return;
        }
    }
    const char *phone = json_string_value(json_object_get(j, "phone"));
    const char *email = json_string_value(json_object_get(j, "email"));
    const char *body = json_string_value(json_object_get(j, "body"));
    const char *locale = json_string_value(json_object_get(j, "locale"));
    const char *call_id = json_string_value(json_object_get(j, "call_id"));
    const char *order_ref = json_string_value(json_object_get(j, "order_ref"));
    char ph[20] = "";
    if (phone && !e164(phone, ph)) {
        rs_reply_error(r, 422, "invalid_phone", "phone must have its country code, e.g. +34 600 123 456");
    } else if (email && !rs_email_plausible(email)) {
        rs_reply_error(r, 422, "invalid_email", "email is not an e-mail address");
    } else if (!phone && !email) {
        rs_reply_error(r, 422, "missing_field", "phone or email is required: who called");
    } else if (!body || !*body) {
        rs_reply_error(r, 422, "missing_field", "body is required: what the customer said");
    } else if (json_string_length(json_object_get(j, "body")) > RS_CONV_MAX_BODY) {
        rs_reply_error(r, 413, "too_large", "body has more than %d bytes", RS_CONV_MAX_BODY);
    } else if (locale && !rs_app_locale_ok(locale)) {
        rs_reply_error(r, 422, "invalid_locale", "locale must be \"es\" or \"en\" (a region may follow, e.g. \"es-MX\")");
    } else if ((call_id && strlen(call_id) > 200) || (order_ref && strlen(order_ref) > 128)) {
        rs_reply_error(r, 422, "invalid_field", "call_id has at most 200 characters, order_ref 128");
    } else {
        struct inbound_job job = {.in =
                                      {
                                          .merchant_id = r->merchant_id,
                                          .channel = "phone",
                                          .phone = ph[0] ? ph : NULL,
                                          .email = email,
                                          .name = json_string_value(json_object_get(j, "name")),
                                          .body = body,
                                          .body_len = json_string_length(json_object_get(j, "body")),
                                          .provider_msg_id = call_id && *call_id ? call_id : NULL,
                                          .locale = locale,
                                          .base_url = rs_server_base_url(r->srv),
                                      },
                                  .order_ref = order_ref && *order_ref ? order_ref : NULL,
                                  .agent_email = json_string_value(json_object_get(j, "agent_email"))};
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), inbound_job_run, &job);
        if (e == RS_EINVAL && job.failed && strcmp(job.failed, "order_ref") == 0)
            rs_reply_error(r, 422, "unknown_order", "no order %.128s for this merchant", order_ref);
        else if (e == RS_EINVAL && job.failed)
            rs_reply_error(r, 422, "unknown_agent", "no agent of this merchant has the e-mail %.254s",
                           json_string_value(json_object_get(j, "agent_email")));
        else if (e == RS_EINVAL)
            rs_reply_error(r, 422, "invalid_body", "body must be UTF-8 text");
        else if (e)
            rs_reply_err(r, e, "call log");
        else
            rs_reply_json(r, job.res.duplicate ? 200 : 201, result_json(&job));
    }
    json_decref(j);
}

/* ---- web chat: /t/{code}/chat ---- */

static struct rs_ratelimit *chat_limiter;
static pthread_once_t chat_once = PTHREAD_ONCE_INIT;

static void chat_limiter_init(void)
{
    chat_limiter = rs_ratelimit_from_env("RASTRO_CHAT_BURST", "RASTRO_CHAT_PER_MIN", 10, 6);
}

/* The origin ("scheme://host[:port]") of URL into OUT. */
static void origin_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);
    snprintf(out, cap, "%.*s", (int)n, url);
}

/* A public form that writes: only the page's own origin may post (Origin header, else the
 * browser's Sec-Fetch-Site). Cross-site pages cannot post JSON without a preflight anyway. */
static bool same_origin(struct rs_req *r)
{
    const char *origin = rs_req_header(r, "Origin");
    if (!origin || !*origin || strcmp(origin, "null") == 0) {
        const char *site = rs_req_header(r, "Sec-Fetch-Site");
        return origin == NULL && site && strcmp(site, "same-origin") == 0;
    }
    char want[300];
    origin_of(rs_server_base_url(r->srv), want, sizeof want);
    if (strcasecmp(origin, want) == 0)
        return true;
    const char *host = rs_req_header(r, "Host");
    if (!host)
        return false;
    const char *p = strstr(origin, "://");
    return p && strcasecmp(p + 3, host) == 0;
}

/* Order and level for the visitor (query: postcode/email/v as on the page). Sets the answer on
 * failure (JSON) and returns false. */
static bool chat_order(struct rs_req *r, struct rs_page_ctx *ctx, bool *verified, bool *es)
{
    json_t *o = NULL;
    struct rs_track_proof pf = rs_track_proof_query(r);
    if (rs_track_lookup(r, r->params[0], &pf, &o, NULL) != 200)
        return false;
    *verified = rs_track_full(o);
    *es = rs_page_want_spanish(r, o);
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_page_ctx(s, json_string_value(json_object_get(o, "tracking_code")), ctx) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    json_decref(o);
    if (e) {
        rs_reply_err(r, e, "page context");
        return false;
    }
    return true;
}

static void chat_transcript(struct rs_req *r, const struct rs_page_ctx *ctx, bool verified, int64_t after,
                            int status)
{
    json_t *out = NULL;
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_webchat_json(s, ctx->merchant_id, ctx->order_id, verified, after, &out) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "chat");
        return;
    }
    json_object_set_new(out, "verified", json_boolean(verified));
    rs_reply_json(r, status, out);
    r->cache_control = "no-store";
}

void rs_page_chat_get(struct rs_req *r)
{
    if (rs_page_rate_blocked(r, false))
        return;
    const char *a = rs_req_query(r, "after");
    char *end = NULL;
    long long after = a ? strtoll(a, &end, 10) : 0;
    if (a && (!*a || *end || after < 0)) {
        rs_reply_error(r, 400, "invalid_parameter", "after must be a message id");
        return;
    }
    struct rs_page_ctx ctx;
    bool verified, es;
    if (!chat_order(r, &ctx, &verified, &es))
        return;
    chat_transcript(r, &ctx, verified, after, 200);
    rs_page_ctx_release(&ctx);
}

/* A chat message refused: JSON for the page's script (which shows its own text), a page in the
 * visitor's language for the panel's form posted without JavaScript, since the customer reads it. */
static void chat_refuse(struct rs_req *r, bool form, int status, const char *code, const char *json_msg,
                        const char *msg_es, const char *msg_en)
{
    if (!form) {
        rs_reply_error(r, status, code, "%s", json_msg);
        return;
    }
    bool es = rs_page_want_spanish(r, NULL);
    rs_page_message(r, status, es, es ? "No se pudo enviar tu mensaje" : "Your message could not be sent",
                    es ? msg_es : msg_en);
}

void rs_page_chat_post(struct rs_req *r)
{
    pthread_once(&chat_once, chat_limiter_init);
    bool form = rs_req_media_is(r, "application/x-www-form-urlencoded");
    int wait = 0;
    if (chat_limiter && rs_ratelimit_blocked(chat_limiter, r->client_addr, rs_ratelimit_now_ms(), &wait)) {
        r->retry_after = wait;
        char j[96], es[160], en[160];
        snprintf(j, sizeof j, "too many messages from this address; wait %d s", wait);
        snprintf(es, sizeof es, "Has enviado muchos mensajes seguidos. Vuelve a probar dentro de %d segundos.", wait);
        snprintf(en, sizeof en, "You have sent many messages in a row. Please try again in %d seconds.", wait);
        chat_refuse(r, form, 429, "too_many_messages", j, es, en);
        return;
    }
    if (!same_origin(r)) {
        rs_reply_error(r, 403, "cross_origin", "the chat only accepts messages from the tracking page itself");
        return;
    }
    if (chat_limiter)
        rs_ratelimit_fail(chat_limiter, r->client_addr, rs_ratelimit_now_ms()); /* every message takes a token */
    char *text = NULL;
    size_t tlen = 0;
    json_t *j = NULL;
    if (form) {
        size_t cap = CHAT_MAX_BODY + 256;
        bool cut = false;
        text = malloc(cap);
        if (text && !rs_form_get(r->body, r->body_len, "body", text, cap, &cut))
            text[0] = '\0';
        tlen = text ? strlen(text) : 0;
        if (cut)
            tlen = cap; /* longer than the limit: refused below */
    } else {
        if (!(j = rs_req_json(r)))
            return;
        const char *b = json_string_value(json_object_get(j, "body"));
        text = b ? strdup(b) : NULL;
        tlen = b ? json_string_length(json_object_get(j, "body")) : 0;
        json_decref(j);
    }
    /* trim */
    size_t lead = 0;
    while (text && lead < tlen && isspace((unsigned char)text[lead]))
        lead++;
    while (text && tlen > lead && isspace((unsigned char)text[tlen - 1]))
        tlen--;
    if (!text || tlen == lead) {
        free(text);
        chat_refuse(r, form, 422, "missing_field", "send {\"body\": \"your message\"}",
                    "Escribe tu mensaje antes de enviarlo.", "Write your message before sending it.");
        return;
    }
    if (tlen - lead > CHAT_MAX_BODY) {
        free(text);
        char jm[96];
        snprintf(jm, sizeof jm, "a chat message has at most %d bytes; write a shorter one", CHAT_MAX_BODY);
        chat_refuse(r, form, 413, "too_large", jm, "Tu mensaje es demasiado largo: escríbelo más corto.",
                    "Your message is too long: please write a shorter one.");
        return;
    }
    struct rs_page_ctx ctx;
    bool verified, es;
    if (!chat_order(r, &ctx, &verified, &es)) {
        free(text);
        return;
    }
    struct inbound_job job = {.in = {
                                  .merchant_id = ctx.merchant_id,
                                  .channel = "webchat",
                                  .order_id = ctx.order_id,
                                  .verified = verified,
                                  .body = text + lead,
                                  .body_len = tlen - lead,
                                  .locale = es ? "es" : "en",
                                  .base_url = rs_server_base_url(r->srv),
                              }};
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), inbound_job_run, &job);
    free(text);
    if (e == RS_EINVAL) {
        chat_refuse(r, form, 422, "invalid_body", "the message must be text",
                    "Tu mensaje tiene caracteres que no podemos leer.", "Your message has characters we cannot read.");
    } else if (e) {
        rs_reply_err(r, e, "chat");
    } else if (form) { /* the page without JavaScript: back to it, transcript shown */
        struct rs_buf b;
        rs_buf_init(&b);
        rs_buf_printf(&b, "/t/%s", r->params[0]);
        rs_page_query(&b, r, es ? "es" : "en");
        rs_buf_printf(&b, "%cnotice=chat#chat", strchr(b.data, '?') ? '&' : '?');
        snprintf(r->location, sizeof r->location, "%s", b.data);
        rs_buf_release(&b);
        rs_reply_text(r, 303, "text/plain; charset=utf-8", "", 0);
    } else {
        chat_transcript(r, &ctx, verified, 0, 201);
    }
    rs_page_ctx_release(&ctx);
}
