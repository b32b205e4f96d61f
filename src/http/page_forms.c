/* page_forms.c — what the tracking page's visitors send: "get updates" (POST /t/{code}/updates,
 * a plain HTML form), browser push subscriptions (POST /t/{code}/push, JSON from web/track.js),
 * "report a problem" (POST /t/{code}/report, creates an incident), the look-up page for a lost
 * link (GET/POST /track), the live stream (GET /t/{code}/stream, Server-Sent Events), and the
 * static files of web/ (GET /static/{name}, GET /sw.js).
 *
 * Privacy: with the code alone a visitor may subscribe a contact they give and report a
 * problem; changing the customer's preferred channel needs the second factor (full level). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/events_bus.h"
#include "app/incident.h"
#include "core/trackcode.h"
#include "http/page.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/track.h"
#include "notify/webpush.h"
#include "store/store_incident.h"
#include "store/store_page.h"
#include "util/addrcount.h"
#include "util/assets.h"
#include "util/email_addr.h"
#include "util/form.h"
#include "util/timefmt.h"

static bool form_field(struct rs_req *r, const char *name, char *out, size_t cap)
{
    return rs_form_get(r->body, r->body_len, name, out, cap, NULL);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t k = 0;
    while (s[k] && isspace((unsigned char)s[k]))
        k++;
    memmove(s, s + k, n - k + 1);
}

/* A phone number with country code → "+<8..15 digits>" in OUT; false when it is not one. */
static bool normalize_phone(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 17)
        return false;
    bool plus = false;
    for (; *s; s++) {
        if (*s == '+' && n == 0 && !plus)
            plus = true;
        else if (isdigit((unsigned char)*s) && n < 15)
            out[1 + n++] = *s;
        else if (isdigit((unsigned char)*s))
            return false;
        else if (!strchr(" -().", *s))
            return false;
    }
    if (!plus || n < 8)
        return false;
    out[0] = '+';
    out[1 + n] = '\0';
    return true;
}

/* Look the order up for a form post (query carries lang and the second factor). Sets the answer
 * itself on failure; returns NULL then. */
static json_t *lookup_for_post(struct rs_req *r)
{
    json_t *o = NULL;
    struct rs_track_proof pf = rs_track_proof_query(r);
    int st = rs_track_lookup(r, r->params[0], &pf, &o, NULL);
    if (st == 200)
        return o;
    rs_page_lookup_failed(r, st); /* the same words as the page's own look-up */
    return NULL;
}

static bool page_ctx(struct rs_req *r, const char *code, struct rs_page_ctx *ctx)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s)
        return false;
    enum rs_err e = rs_store_page_ctx(s, code, ctx);
    rs_server_reader_put(r->srv, s);
    return e == RS_OK;
}

/* ---- get updates ---- */

struct consent_job {
    struct rs_consent_in in;
    const char *endpoint, *p256dh, *auth; /* push only */
};

static enum rs_err consent_job_run(struct rs_store *s, void *ctx)
{
    struct consent_job *j = ctx;
    int64_t now = rs_now();
    enum rs_err e;
    if (j->endpoint) {
        if (j->in.granted)
            e = rs_store_push_subscribe(s, j->in.merchant_id, j->in.order_id, j->endpoint, j->p256dh, j->auth, now);
        else
            e = rs_store_push_unsubscribe(s, j->in.order_id, j->endpoint, now);
        if (e && e != RS_ENOTFOUND)
            return e;
        if (!j->in.granted) /* one device stops: the customer's other subscriptions stay */
            return RS_OK;
    }
    return rs_store_consent_set(s, &j->in, now);
}

static void redirect_notice(struct rs_req *r, const char *code, const char *notice, const char *anchor)
{
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b, "/t/%s", code);
    bool es = rs_page_want_spanish(r, NULL);
    rs_page_query(&b, r, rs_req_query(r, "lang") ? (es ? "es" : "en") : NULL);
    rs_buf_printf(&b, "%cnotice=%s#%s", strchr(b.data, '?') ? '&' : '?', notice, anchor);
    snprintf(r->location, sizeof r->location, "%s", b.data);
    rs_buf_release(&b);
    rs_reply_text(r, 303, "text/plain; charset=utf-8", "", 0);
}

void rs_page_updates_post(struct rs_req *r)
{
    json_t *o = lookup_for_post(r);
    if (!o)
        return;
    char channel[16], contact[256], action[16];
    form_field(r, "channel", channel, sizeof channel);
    form_field(r, "contact", contact, sizeof contact);
    form_field(r, "action", action, sizeof action);
    trim(contact);
    bool full = rs_track_full(o);
    bool stop = strcmp(action, "stop") == 0;
    const char *code = json_string_value(json_object_get(o, "tracking_code"));
    char addr[256] = "";
    bool ok = strcmp(channel, "email") == 0 || strcmp(channel, "sms") == 0 || strcmp(channel, "whatsapp") == 0;
    if (ok && !contact[0] && full) {
        /* the verified visitor may use the order's own contact data */
        json_t *c = json_object_get(o, "customer");
        const char *known = json_string_value(json_object_get(c, strcmp(channel, "email") == 0 ? "email" : "phone"));
        snprintf(contact, sizeof contact, "%s", known ? known : "");
    }
    if (ok && strcmp(channel, "email") == 0) {
        ok = rs_email_plausible(contact);
        for (size_t i = 0; ok && contact[i]; i++)
            addr[i] = (char)tolower((unsigned char)contact[i]), addr[i + 1] = '\0';
    } else if (ok) {
        ok = normalize_phone(contact, addr, sizeof addr);
    }
    struct rs_page_ctx ctx;
    if (ok && !page_ctx(r, code, &ctx))
        ok = false;
    if (!ok) {
        rs_page_render(r, o, 422, NULL, NULL, "updates");
        json_decref(o);
        return;
    }
    struct consent_job job = {.in = {.merchant_id = ctx.merchant_id,
                                     .order_id = ctx.order_id,
                                     .customer_id = ctx.customer_id,
                                     .channel = channel,
                                     .address = addr,
                                     .source = "tracking_page",
                                     .client_addr = r->client_addr,
                                     .granted = !stop,
                                     .set_preferred = full,
                                     .own_only = !full}};
    rs_page_ctx_release(&ctx);
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), consent_job_run, &job);
    if (e == RS_ECONFLICT) { /* the code alone and someone else's address (store_page.h) */
        rs_page_render(r, o, 409, NULL, NULL, "updates_taken");
    } else if (e) {
        bool es = rs_page_want_spanish(r, o);
        rs_req_failed(r, e, "updates form");
        rs_page_message(r, 503, es, es ? "No se pudo guardar" : "Could not save",
                        es ? "Prueba de nuevo en un momento." : "Please try again in a moment.");
    } else {
        redirect_notice(r, code, stop ? "updates_off" : "updates_on", "updates");
    }
    json_decref(o);
}

/* POST /t/{code}/push {"subscription":{endpoint,keys:{p256dh,auth}},"action":"start"|"stop"} */
void rs_page_push_post(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    json_t *o = NULL;
    if (rs_track_lookup(r, r->params[0], NULL, &o, NULL) != 200) {
        json_decref(body);
        return;
    }
    json_t *sub = json_object_get(body, "subscription");
    const char *endpoint = json_string_value(json_object_get(sub, "endpoint"));
    json_t *keys = json_object_get(sub, "keys");
    const char *p256dh = json_string_value(json_object_get(keys, "p256dh"));
    const char *auth = json_string_value(json_object_get(keys, "auth"));
    const char *action = json_string_value(json_object_get(body, "action"));
    bool stop = action && strcmp(action, "stop") == 0;
    struct rs_page_ctx ctx;
    if (!endpoint || strncmp(endpoint, "https://", 8) != 0 || strlen(endpoint) > RS_WEBPUSH_MAX_ENDPOINT ||
        (!stop && !rs_webpush_endpoint_ok(endpoint)) ||
        (!stop && (!p256dh || !auth || strlen(p256dh) < 80 || strlen(p256dh) > 100 || strlen(auth) < 16 ||
                   strlen(auth) > 32))) {
        rs_reply_error(r, 422, "invalid_subscription",
                       "send {\"subscription\": PushSubscription.toJSON()} with an https endpoint on a public host "
                       "and keys p256dh, auth");
    } else if (!page_ctx(r, json_string_value(json_object_get(o, "tracking_code")), &ctx)) {
        rs_reply_err(r, RS_EIO, "page context");
    } else {
        struct consent_job job = {.in = {.merchant_id = ctx.merchant_id,
                                         .order_id = ctx.order_id,
                                         .customer_id = ctx.customer_id,
                                         .channel = "push",
                                         .address = endpoint,
                                         .source = "tracking_page",
                                         .client_addr = r->client_addr,
                                         .granted = !stop},
                                  .endpoint = endpoint,
                                  .p256dh = p256dh ? p256dh : "",
                                  .auth = auth ? auth : ""};
        rs_page_ctx_release(&ctx);
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), consent_job_run, &job);
        if (e) {
            rs_reply_err(r, e, "push subscription");
        } else {
            json_t *res = json_object();
            json_object_set_new(res, "result", json_string(stop ? "unsubscribed" : "subscribed"));
            rs_reply_json(r, stop ? 200 : 201, res);
        }
    }
    json_decref(o);
    json_decref(body);
}

/* ---- report a problem ---- */

struct incident_job {
    int64_t merchant_id;
    struct rs_incident_open in;
    int64_t id;
    int64_t sla_due_at; /* of the incident that answers (a new one, or the one already open) */
    char zone[64];      /* rs_incident_answer_zone */
};

/* Through the incident workflow: SLA from the merchant's settings, logged, customer told. In the
 * writer, so two posts of one form at once cannot both open one. */
static enum rs_err incident_job_run(struct rs_store *s, void *ctx)
{
    struct incident_job *j = ctx;
    int64_t now = rs_now();
    enum rs_err e = rs_store_incident_resent(s, j->in.order_id, j->in.origin, j->in.type, j->in.message,
                                             now - RS_INCIDENT_RESENT_S, &j->id);
    bool existing;
    if (!e && !j->id)
        e = rs_incident_report(s, j->merchant_id, &j->in, "customer", now, &j->id, &existing);
    struct rs_incident_row row;
    if (!e && (e = rs_store_incident_row(s, j->merchant_id, j->id, &row)) == RS_OK)
        j->sla_due_at = row.sla_due_at;
    if (!e)
        e = rs_incident_answer_zone(s, j->merchant_id, j->in.order_id, now, j->zone);
    return e;
}

void rs_page_report_post(struct rs_req *r)
{
    json_t *o = lookup_for_post(r);
    if (!o)
        return;
    char type[32], message[RS_INCIDENT_MESSAGE_MAX + 1], contact[256]; /* 2000 characters: up to 4000 bytes kept */
    form_field(r, "type", type, sizeof type);
    form_field(r, "message", message, sizeof message);
    form_field(r, "contact", contact, sizeof contact);
    trim(message);
    trim(contact);
    const char *status = json_string_value(json_object_get(o, "status"));
    const char *itype = NULL;
    if (strcmp(type, "not_arrived") == 0) /* "delivered" but not received is a lost parcel */
        itype = status && strcmp(status, "delivered") == 0 ? "lost" : "late";
    else if (strcmp(type, "damaged") == 0 || strcmp(type, "missing_item") == 0 || strcmp(type, "wrong_item") == 0 ||
             strcmp(type, "other") == 0)
        itype = type;
    /* the contact the team answers on, as the "get updates" form takes it: a mistyped e-mail
     * ("ana@gmail,com") or a phone without its country code would be kept and never reach the
     * customer, so the form comes back to correct it and nothing is stored */
    char addr[256] = "";
    bool contact_ok = true;
    if (contact[0] && strchr(contact, '@')) {
        contact_ok = rs_email_plausible(contact);
        for (size_t i = 0; contact_ok && contact[i]; i++)
            addr[i] = (char)tolower((unsigned char)contact[i]), addr[i + 1] = '\0';
    } else if (contact[0]) {
        contact_ok = normalize_phone(contact, addr, sizeof addr);
    }
    struct rs_page_ctx ctx;
    const char *code = json_string_value(json_object_get(o, "tracking_code"));
    if (!itype || !message[0] || !contact_ok || !page_ctx(r, code, &ctx)) {
        rs_page_render(r, o, 422, NULL, NULL, itype && message[0] && !contact_ok ? "report_contact" : "report");
        json_decref(o);
        return;
    }
    bool es = rs_page_want_spanish(r, o);
    struct incident_job job = {.merchant_id = ctx.merchant_id,
                               .in = {.order_id = ctx.order_id,
                                      .type = itype,
                                      .origin = "tracking_page",
                                      .message = message,
                                      .contact = addr[0] ? addr : NULL,
                                      .locale = es ? "es" : "en"}};
    rs_page_ctx_release(&ctx);
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), incident_job_run, &job);
    if (e) {
        rs_req_failed(r, e, "incident form");
        rs_page_message(r, 503, es, es ? "No se pudo enviar" : "Could not send",
                        es ? "Prueba de nuevo en un momento." : "Please try again in a moment.");
    } else {
        struct rs_page_incident inc = {.sla_due_at = job.sla_due_at};
        memcpy(inc.zone, job.zone, sizeof inc.zone);
        rs_incident_reference(job.id, inc.ref);
        rs_page_render(r, o, 201, NULL, &inc, NULL);
    }
    json_decref(o);
}

/* ---- /track: find an order without the link ---- */

static void track_form(struct rs_req *r, int status, const char *error, const char *order_ref, const char *code)
{
    bool es = rs_page_want_spanish(r, NULL);
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b,
                  "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width,initial-scale=1\"><title>%s</title><meta name=\"robots\" "
                  "content=\"noindex\"><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/page.css\"></head><body>"
                  "<header class=\"top\"><div class=\"wrap bar\"><p class=\"brand\">%s</p><nav aria-label=\"%s\">"
                  "<a href=\"/track?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></nav></div></header>"
                  "<main class=\"wrap\"><h1>%s</h1>",
                  es ? "es" : "en", es ? "Buscar mi pedido" : "Find my order", es ? "Seguimiento" : "Tracking",
                  es ? "Idioma" : "Language", es ? "en" : "es", es ? "en" : "es", es ? "en" : "es",
                  es ? "English" : "Español", es ? "Buscar mi pedido" : "Find my order");
    if (error) {
        rs_buf_puts(&b, "<p class=\"err\" role=\"alert\">");
        rs_buf_html(&b, error);
        rs_buf_puts(&b, "</p>");
    }
    rs_buf_printf(&b,
                  "<form method=\"post\" action=\"/track?lang=%s\" class=\"card\"><h2>%s</h2><label for=\"f-o\">%s</label>"
                  "<input id=\"f-o\" name=\"order\" maxlength=\"128\" autocomplete=\"off\" value=\"",
                  es ? "es" : "en", es ? "Con tu número de pedido" : "With your order number",
                  es ? "Número de pedido" : "Order number");
    rs_buf_html(&b, order_ref);
    /* a refused look-up comes back with the e-mail typed too, to correct it, not retype it on a
     * phone (it travelled in the body, and goes back in one: never into an address) */
    char email[256] = "";
    if (r->body)
        rs_form_get(r->body, r->body_len, "email", email, sizeof email, NULL);
    rs_buf_printf(&b,
                  "\"><label for=\"f-e\">%s</label><input id=\"f-e\" name=\"email\" type=\"email\" maxlength=\"254\" "
                  "autocomplete=\"email\" value=\"",
                  es ? "El email de la compra" : "The e-mail you ordered with");
    rs_buf_html(&b, email);
    rs_buf_printf(&b,
                  "\"><button type=\"submit\">%s</button></form>"
                  "<form method=\"post\" action=\"/track?lang=%s\" class=\"card\"><h2>%s</h2><label for=\"f-c\">%s</label>"
                  "<input id=\"f-c\" name=\"code\" maxlength=\"40\" autocapitalize=\"characters\" "
                  "placeholder=\"RX-7K4Q-9PZD-M3TXW\" value=\"",
                  es ? "Buscar" : "Find", es ? "es" : "en", es ? "O con el código de seguimiento" : "Or with the tracking code",
                  es ? "Código de seguimiento" : "Tracking code");
    rs_buf_html(&b, code);
    rs_buf_printf(&b, "\"><button type=\"submit\">%s</button></form></main></body></html>", es ? "Ver" : "Show");
    size_t len;
    char *html = rs_buf_detach(&b, &len);
    rs_page_reply_html(r, status, html, len);
    free(html);
}

void rs_page_lookup_get(struct rs_req *r)
{
    track_form(r, 200, NULL, NULL, NULL);
}

void rs_page_lookup_post(struct rs_req *r)
{
    bool es = rs_page_want_spanish(r, NULL);
    if (rs_page_rate_blocked(r, true))
        return;
    char order[160], email[256], raw[64];
    form_field(r, "order", order, sizeof order);
    form_field(r, "email", email, sizeof email);
    form_field(r, "code", raw, sizeof raw);
    trim(order);
    trim(email);
    trim(raw);
    const char *lang = es ? "es" : "en";
    if (!raw[0] && order[0]) {
        /* the tracking code typed or pasted into the order number's box (both are "the number
         * from the e-mail"): when it is one of an order, it is read as the code */
        char code[RS_TRACKCODE_LEN];
        struct rs_page_ctx ctx;
        enum rs_trackcode_check c = rs_trackcode_parse(order, code);
        if (c == RS_TRACKCODE_OK && page_ctx(r, code, &ctx)) {
            rs_page_ctx_release(&ctx);
            snprintf(raw, sizeof raw, "%s", code);
        } else if (c == RS_TRACKCODE_TYPO && !email[0] && strncasecmp(order, "RX", 2) == 0 &&
                   strlen(order) < sizeof raw) {
            /* a code (its RX prefix says so) with a typing mistake, and no e-mail to look an order
             * number up with: the customer is told what is wrong with the code, not to add one */
            memcpy(raw, order, strlen(order) + 1);
        }
    }
    if (raw[0]) {
        char code[RS_TRACKCODE_LEN];
        switch (rs_trackcode_parse(raw, code)) {
        case RS_TRACKCODE_MALFORMED:
            track_form(r, 400, es ? "Eso no parece un código de seguimiento. Los códigos son así: RX-7K4Q-9PZD-M3TXW (las letras O, I y L no se usan)."
                                  : "That does not look like a tracking code. Codes look like RX-7K4Q-9PZD-M3TXW (the letters O, I and L are never used).",
                       NULL, raw);
            return;
        case RS_TRACKCODE_TYPO:
            track_form(r, 400, es ? "Ese código tiene un error de tecleo: un carácter está mal o dos están cambiados de sitio. Compáralo con tu email o SMS."
                                  : "That code has a typing mistake: one character is wrong or two are swapped. Check it against your e-mail or SMS.",
                       NULL, raw);
            return;
        case RS_TRACKCODE_OK:
            break;
        }
        struct rs_page_ctx ctx;
        if (!page_ctx(r, code, &ctx)) {
            rs_page_rate_fail(r);
            track_form(r, 404, es ? "No hay ningún pedido con ese código. Prueba con tu número de pedido y tu email."
                                  : "No order has that code. Try your order number and e-mail instead.",
                       NULL, raw);
            return;
        }
        rs_page_ctx_release(&ctx);
        snprintf(r->location, sizeof r->location, "/t/%s?lang=%s", code, lang);
        rs_reply_text(r, 303, "text/plain; charset=utf-8", "", 0);
        return;
    }
    if (!order[0] || !email[0]) {
        track_form(r, 400, es ? "Escribe el número de pedido y el email, o el código de seguimiento."
                              : "Enter the order number and the e-mail, or the tracking code.",
                   order, NULL);
        return;
    }
    char code[RS_TRACKCODE_LEN];
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_code_by_order_email(s, 0, order, email, code) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        if (e == RS_ENOTFOUND)
            rs_page_rate_fail(r);
        track_form(r, e == RS_ENOTFOUND ? 404 : 503,
                   e != RS_ENOTFOUND ? (es ? "No podemos buscar ahora mismo; prueba en un momento." : "We cannot search right now; try again in a moment.")
                   : es ? "No encontramos un pedido con ese número y ese email. Revisa los dos: el email debe ser el de la compra."
                        : "We found no order with that number and e-mail. Check both: the e-mail must be the one you ordered with.",
                   order, NULL);
        return;
    }
    /* the full page, at an address with the verification token instead of the e-mail */
    struct rs_track_proof pf = {NULL, email, NULL};
    json_t *o = NULL;
    char token[RS_TRACK_TOKEN_LEN];
    if (rs_track_lookup(r, code, &pf, &o, token) != 200 || !rs_track_full(o)) {
        json_decref(o);
        track_form(r, 503, es ? "No podemos buscar ahora mismo; prueba en un momento." : "We cannot search right now; try again in a moment.",
                   order, NULL);
        return;
    }
    json_decref(o);
    rs_track_redirect_verified(r, code, lang, token, NULL);
}

/* ---- live stream ---- */

struct live {
    struct rs_server *srv;
    char code[RS_TRACKCODE_LEN];
    int64_t merchant_id;
    uint64_t seq;
    uint64_t fp;
    uint64_t started_ns;
    uint64_t keepalive_ns; /* next ": keep-alive" when nothing else was sent */
    bool hello;
    bool missed; /* a reconnection whose Last-Event-ID is not what the page shows now */
    char status[32];
    char client_addr[48]; /* counted in live_addrs until freed */
};

/* A fingerprint of what the public page shows: status and the events of every shipment. */
static bool live_fingerprint(struct live *lv, uint64_t *fp, char *status, size_t cap)
{
    struct rs_store *s = rs_server_reader_get(lv->srv);
    if (!s)
        return false;
    json_t *o = NULL;
    enum rs_err e = rs_store_order_json_by_code(s, lv->code, RS_VIEW_PUBLIC, &o, NULL);
    rs_server_reader_put(lv->srv, s);
    if (e)
        return false;
    char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    uint64_t h = 1469598103934665603ull;
    for (const char *c = txt; c && *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    snprintf(status, cap, "%s", json_string_value(json_object_get(o, "status")) ?: "");
    free(txt);
    json_decref(o);
    *fp = h;
    return true;
}

#define LIVE_KEEPALIVE_MS 15000
#define LIVE_MAX_NS (10ull * 60 * 1000000000ull) /* then the browser reconnects (retry: 2000) */

static size_t live_next(void *ctx, char *buf, size_t cap, struct rs_stream_wait *wait)
{
    struct live *lv = ctx;
    if (!lv->hello) {
        /* every message carries the fingerprint as its id, which the browser sends back as
         * Last-Event-ID when it reconnects (the stream ended, the phone slept, the network
         * dropped): a change made while it was away is told at once, not at the next one */
        lv->hello = true;
        lv->keepalive_ns = rs_mono_ns() + LIVE_KEEPALIVE_MS * 1000000ull;
        if (lv->missed)
            return (size_t)snprintf(buf, cap, "retry: 2000\n: live updates for %s\n\nevent: update\nid: %016llx\n"
                                              "data: {\"status\":\"%s\"}\n\n",
                                    lv->code, (unsigned long long)lv->fp, lv->status);
        return (size_t)snprintf(buf, cap, "retry: 2000\nid: %016llx\n: live updates for %s\n\n",
                                (unsigned long long)lv->fp, lv->code);
    }
    for (;;) {
        uint64_t t = rs_mono_ns();
        if (rs_bus_closing() || t - lv->started_ns > LIVE_MAX_NS)
            return 0;
        uint64_t now = rs_bus_seq(lv->merchant_id);
        if (now == lv->seq) {
            if (t >= lv->keepalive_ns) {
                lv->keepalive_ns = t + LIVE_KEEPALIVE_MS * 1000000ull;
                return (size_t)snprintf(buf, cap, ": keep-alive\n\n");
            }
            /* nothing new: sleep (holding no server thread) until the slot moves or it is time */
            wait->merchant_id = lv->merchant_id;
            wait->seen = lv->seq;
            wait->until_ns = lv->keepalive_ns < lv->started_ns + LIVE_MAX_NS ? lv->keepalive_ns
                                                                             : lv->started_ns + LIVE_MAX_NS + 1;
            return RS_STREAM_WAIT;
        }
        lv->seq = now;
        uint64_t fp;
        char status[32];
        if (!live_fingerprint(lv, &fp, status, sizeof status))
            return 0;
        if (fp != lv->fp) {
            lv->fp = fp;
            lv->keepalive_ns = t + LIVE_KEEPALIVE_MS * 1000000ull;
            return (size_t)snprintf(buf, cap, "event: update\nid: %016llx\ndata: {\"status\":\"%s\"}\n\n",
                                    (unsigned long long)fp, status);
        }
    }
}

/* Live streams open per client address: each holds a connection for up to 10 minutes, and the
 * server has 2000; one address may not take them all (RASTRO_STREAMS_PER_ADDR, default 20: a
 * household or an office behind one address, a few tabs each). */
static struct rs_addr_count *live_addrs;
static pthread_once_t live_once = PTHREAD_ONCE_INIT;
static void live_init(void)
{
    const char *v = getenv("RASTRO_STREAMS_PER_ADDR");
    live_addrs = rs_addr_count_new(RS_SERVER_MAX_CONNECTIONS, v && atoi(v) > 0 ? atoi(v) : 20);
}

/* Count one more stream for CLIENT; false (nothing counted) when it has its cap already. */
static bool live_addr_take(const char *client)
{
    pthread_once(&live_once, live_init);
    return live_addrs && rs_addr_count_take(live_addrs, client);
}

static void live_addr_put(const char *client)
{
    if (live_addrs)
        rs_addr_count_put(live_addrs, client);
}

static void live_free(void *ctx)
{
    struct live *lv = ctx;
    live_addr_put(lv->client_addr);
    free(lv);
}

void rs_page_stream(struct rs_req *r)
{
    char code[RS_TRACKCODE_LEN];
    if (rs_page_rate_blocked(r, false))
        return;
    if (rs_trackcode_parse(r->params[0], code) != RS_TRACKCODE_OK) {
        rs_reply_error(r, 400, "invalid_tracking_code", "not a tracking code");
        return;
    }
    struct rs_page_ctx ctx;
    if (!page_ctx(r, code, &ctx)) {
        rs_page_rate_fail(r);
        rs_reply_error(r, 404, "unknown_tracking_code", "no order has the code %s", code);
        return;
    }
    if (!live_addr_take(r->client_addr)) {
        rs_page_ctx_release(&ctx);
        r->retry_after = 60;
        rs_reply_error(r, 429, "too_many_streams",
                       "too many live streams open from this address (%d); close some pages or try again later",
                       live_addrs ? rs_addr_count_cap(live_addrs) : 0);
        return;
    }
    struct live *lv = calloc(1, sizeof *lv);
    if (!lv) {
        live_addr_put(r->client_addr);
        rs_page_ctx_release(&ctx);
        rs_reply_err(r, RS_ENOMEM, "stream");
        return;
    }
    snprintf(lv->client_addr, sizeof lv->client_addr, "%s", r->client_addr);
    lv->srv = r->srv;
    snprintf(lv->code, sizeof lv->code, "%s", code);
    lv->merchant_id = ctx.merchant_id;
    rs_page_ctx_release(&ctx);
    lv->seq = rs_bus_seq(lv->merchant_id); /* read before the fingerprint: no change is missed */
    if (!live_fingerprint(lv, &lv->fp, lv->status, sizeof lv->status)) {
        live_free(lv);
        rs_reply_err(r, RS_EIO, "stream");
        return;
    }
    char seen[24];
    const char *last_id = rs_req_header(r, "Last-Event-ID");
    snprintf(seen, sizeof seen, "%016llx", (unsigned long long)lv->fp);
    lv->missed = last_id && *last_id && strcmp(last_id, seen) != 0;
    lv->started_ns = rs_mono_ns();
    r->cache_control = "no-store";
    rs_reply_stream(r, 200, "text/event-stream", live_next, live_free, lv);
}

/* ---- static files ---- */

static void serve_asset(struct rs_req *r, const char *name, const char *cache)
{
    char path[128];
    size_t len;
    snprintf(path, sizeof path, "web/%s", name);
    const char *data = strchr(name, '/') || strstr(name, "..") ? NULL : rs_asset_get(path, &len);
    if (!data) {
        rs_reply_error(r, 404, "not_found", "no such file: /static/%.64s", name);
        return;
    }
    const char *ext = strrchr(name, '.');
    const char *type = !ext                        ? "application/octet-stream"
                       : strcmp(ext, ".css") == 0  ? "text/css; charset=utf-8"
                       : strcmp(ext, ".js") == 0   ? "text/javascript; charset=utf-8"
                       : strcmp(ext, ".svg") == 0  ? "image/svg+xml"
                       : strcmp(ext, ".json") == 0 ? "application/json"
                                                   : "application/octet-stream";
    rs_reply_text(r, 200, type, data, len);
    r->cache_control = cache;
}

void rs_page_static(struct rs_req *r)
{
    serve_asset(r, r->params[0], "public, max-age=3600");
}

void rs_page_sw(struct rs_req *r)
{
    serve_asset(r, "sw.js", "no-cache");
}
