/* routes.c — THE route table: method, path pattern, required scope, handler. Dispatch matches
 * the path segment by segment ({} captures one segment), checks the API key and its scope,
 * runs the handler and records metrics. */
#include "http/routes.h"

#include <string.h>

#include "app/keys.h"
#include "http/keycache.h"
#include "http/metrics.h"
#include "http/page.h"
#include "util/form.h"
#include "util/timefmt.h"

/* A route's auth: the scopes of which a key needs at least one (none: public), and CORS for a
 * route any web page may call (rs_req.cors: its answers, errors included, allow any origin). */
enum auth {
    PUBLIC = 0,
    NEED_INGEST = RS_SCOPE_INGEST,
    NEED_READ = RS_SCOPE_READ,
    NEED_ADMIN = RS_SCOPE_ADMIN,
    NEED_QUOTE = RS_SCOPE_QUOTE,
    CORS = 1u << 16,
};
#define SCOPES(auth) ((auth) & (CORS - 1))

static const char *const Q_NONE[] = {NULL};
static const char *const Q_PROMISE[] = {"origin",    "destination", "carrier",    "service",
                                        "options",   "origin_postcode", "destination_postcode",
                                        "placed_at", "confidence",  NULL};
static const char *const Q_DETECT[] = {"tracking_number", NULL};
static const char *const Q_EXPORT[] = {"email", "phone", NULL};

static const struct route {
    const char *method;
    const char *pattern;
    unsigned auth;
    rs_handler_fn *fn;
    const char *name;
    /* for a merchant API GET: the query parameters it takes (NULL-ended; Q_NONE: none). Any other
     * is refused with a 400 naming it (a misspelled ?destinaton= is not silently a quote for
     * another lane), except a "_…" cache-buster. NULL: not checked here (the handler does, or the
     * route is a public page that links may decorate). */
    const char *const *query;
} routes[] = {
    {"GET", "/healthz", PUBLIC, rs_api_healthz, "GET /healthz", NULL},
    {"GET", "/metrics", PUBLIC, rs_api_metrics, "GET /metrics", NULL},
    {"GET", "/v1/openapi.json", PUBLIC, rs_api_openapi, "GET /v1/openapi.json", NULL},
    {"GET", "/v1/merchant", NEED_READ, rs_api_merchant_me, "GET /v1/merchant", Q_NONE},
    {"GET", "/v1/keys", NEED_ADMIN, rs_api_keys_get, "GET /v1/keys", Q_NONE},
    {"POST", "/v1/keys", NEED_ADMIN, rs_api_keys_post, "POST /v1/keys", NULL},
    {"DELETE", "/v1/keys/{}", NEED_ADMIN, rs_api_keys_delete, "DELETE /v1/keys/{key_id}", NULL},
    {"POST", "/v1/orders", NEED_INGEST, rs_api_order_post, "POST /v1/orders", NULL},
    {"GET", "/v1/orders/{}", NEED_READ, rs_api_order_get, "GET /v1/orders/{order_ref}", Q_NONE},
    {"POST", "/v1/shipments", NEED_INGEST, rs_api_shipment_post, "POST /v1/shipments", NULL},
    {"GET", "/v1/shipments/{}/{}", NEED_READ, rs_api_shipment_get,
     "GET /v1/shipments/{carrier}/{tracking_number}", Q_NONE},
    {"DELETE", "/v1/shipments/{}/{}", NEED_INGEST, rs_api_shipment_delete,
     "DELETE /v1/shipments/{carrier}/{tracking_number}", NULL},
    {"POST", "/v1/events", NEED_INGEST, rs_api_events_post, "POST /v1/events", NULL},
    {"GET", "/v1/promise", NEED_READ | NEED_QUOTE | CORS, rs_api_promise_get, "GET /v1/promise", Q_PROMISE},
    {"OPTIONS", "/v1/promise", PUBLIC | CORS, rs_api_cors_preflight, "OPTIONS /v1/promise", NULL},
    {"GET", "/v1/promise/settings", NEED_ADMIN, rs_api_promise_settings_get, "GET /v1/promise/settings", Q_NONE},
    {"PUT", "/v1/promise/settings", NEED_ADMIN, rs_api_promise_settings_put, "PUT /v1/promise/settings", NULL},
    {"GET", "/v1/track/{}", PUBLIC, rs_api_track_get, "GET /v1/track/{tracking_code}", NULL},
    {"GET", "/t/{}", PUBLIC, rs_page_track, "GET /t/{tracking_code}", NULL},
    {"POST", "/v1/hooks/generic", NEED_INGEST, rs_hook_generic_api, "POST /v1/hooks/generic", NULL},
    {"GET", "/v1/integrations", NEED_READ, rs_api_integration_list, "GET /v1/integrations", Q_NONE},
    {"PUT", "/v1/integrations/{}", NEED_ADMIN, rs_api_integration_put, "PUT /v1/integrations/{provider}", NULL},
    {"GET", "/v1/inbound", NEED_READ, rs_api_inbound_list, "GET /v1/inbound", NULL},
    {"GET", "/v1/inbound/{}", NEED_READ, rs_api_inbound_get, "GET /v1/inbound/{id}", Q_NONE},
    {"POST", "/v1/inbound/{}/replay", NEED_INGEST, rs_api_inbound_replay, "POST /v1/inbound/{id}/replay", NULL},
    {"GET", "/v1/carriers/detect", NEED_READ, rs_api_carrier_detect, "GET /v1/carriers/detect", Q_DETECT},
    {"GET", "/v1/orders/{}/notifications", NEED_READ, rs_api_order_notifications,
     "GET /v1/orders/{order_ref}/notifications", Q_NONE},
    {"GET", "/v1/orders/{}/coupons", NEED_READ, rs_api_order_coupons, "GET /v1/orders/{order_ref}/coupons", Q_NONE},
    {"POST", "/v1/notifications/preview", NEED_READ, rs_api_notification_preview,
     "POST /v1/notifications/preview", NULL},
    {"POST", "/v1/notifications/{}/resend", NEED_INGEST, rs_api_notification_resend,
     "POST /v1/notifications/{id}/resend", NULL},
    {"GET", "/v1/notifications/settings", NEED_ADMIN, rs_api_notify_settings_get,
     "GET /v1/notifications/settings", Q_NONE},
    {"PUT", "/v1/notifications/settings", NEED_ADMIN, rs_api_notify_settings_put,
     "PUT /v1/notifications/settings", NULL},
    {"POST", "/hooks/twilio/status/{}", PUBLIC, rs_hook_twilio_status, "POST /hooks/twilio/status/{merchant}", NULL},
    {"POST", "/hooks/twilio/sms/{}", PUBLIC, rs_hook_twilio_sms, "POST /hooks/twilio/sms/{merchant}", NULL},
    {"GET", "/hooks/whatsapp/{}", PUBLIC, rs_hook_whatsapp_verify, "GET /hooks/whatsapp/{merchant}", NULL},
    {"POST", "/hooks/whatsapp/{}", PUBLIC, rs_hook_whatsapp, "POST /hooks/whatsapp/{merchant}", NULL},
    {"POST", "/hooks/infobip/{}", PUBLIC, rs_hook_infobip, "POST /hooks/infobip/{merchant}", NULL},
    {"POST", "/hooks/email/{}", PUBLIC, rs_hook_email, "POST /hooks/email/{token}", NULL},
    {"POST", "/hooks/infobip/sms/{}/{}", PUBLIC, rs_hook_infobip_sms,
     "POST /hooks/infobip/sms/{merchant}/{token}", NULL},
    /* after the specific /hooks/… routes above: first match wins */
    {"POST", "/hooks/{}/{}", PUBLIC, rs_hook_post, "POST /hooks/{provider}/{hook_id}", NULL},
    {"GET", "/u/{}", PUBLIC, rs_page_unsubscribe_get, "GET /u/{token}", NULL},
    {"POST", "/u/{}", PUBLIC, rs_page_unsubscribe_post, "POST /u/{token}", NULL},
    {"GET", "/t/{}/stream", PUBLIC, rs_page_stream, "GET /t/{tracking_code}/stream", NULL},
    {"POST", "/t/{}/updates", PUBLIC, rs_page_updates_post, "POST /t/{tracking_code}/updates", NULL},
    {"POST", "/t/{}/push", PUBLIC, rs_page_push_post, "POST /t/{tracking_code}/push", NULL},
    {"POST", "/t/{}/report", PUBLIC, rs_page_report_post, "POST /t/{tracking_code}/report", NULL},
    {"POST", "/t/{}/verify", PUBLIC, rs_page_verify_post, "POST /t/{tracking_code}/verify", NULL},
    {"GET", "/t/{}/chat", PUBLIC, rs_page_chat_get, "GET /t/{tracking_code}/chat", NULL},
    {"POST", "/t/{}/chat", PUBLIC, rs_page_chat_post, "POST /t/{tracking_code}/chat", NULL},
    {"POST", "/v1/conversations/calls", NEED_INGEST, rs_api_call_post, "POST /v1/conversations/calls", NULL},
    {"GET", "/track", PUBLIC, rs_page_lookup_get, "GET /track", NULL},
    {"POST", "/track", PUBLIC, rs_page_lookup_post, "POST /track", NULL},
    {"GET", "/static/{}", PUBLIC, rs_page_static, "GET /static/{name}", NULL},
    {"GET", "/sw.js", PUBLIC, rs_page_sw, "GET /sw.js", NULL},
    {"GET", "/v1/branding", NEED_ADMIN, rs_api_branding_get, "GET /v1/branding", Q_NONE},
    {"PUT", "/v1/branding", NEED_ADMIN, rs_api_branding_put, "PUT /v1/branding", NULL},
    {"GET", "/v1/faq", NEED_ADMIN, rs_api_faq_get, "GET /v1/faq", Q_NONE},
    {"PUT", "/v1/faq", NEED_ADMIN, rs_api_faq_put, "PUT /v1/faq", NULL},
    {"GET", "/v1/promotion", NEED_ADMIN, rs_api_promotion_get, "GET /v1/promotion", Q_NONE},
    {"PUT", "/v1/promotion", NEED_ADMIN, rs_api_promotion_put, "PUT /v1/promotion", NULL},
    {"POST", "/v1/incidents", NEED_INGEST, rs_api_incident_post, "POST /v1/incidents", NULL},
    {"GET", "/v1/incidents", NEED_READ, rs_api_incident_list, "GET /v1/incidents", NULL},
    {"GET", "/v1/conversations", NEED_READ, rs_api_conv_list, "GET /v1/conversations", NULL},
    {"GET", "/v1/conversations/{}", NEED_READ, rs_api_conv_get, "GET /v1/conversations/{id}", Q_NONE},
    {"POST", "/v1/conversations/{}/messages", NEED_INGEST, rs_api_conv_message,
     "POST /v1/conversations/{id}/messages", NULL},
    {"POST", "/v1/conversations/{}/notes", NEED_INGEST, rs_api_conv_note, "POST /v1/conversations/{id}/notes", NULL},
    {"POST", "/v1/conversations/{}/assign", NEED_INGEST, rs_api_conv_assign,
     "POST /v1/conversations/{id}/assign", NULL},
    {"POST", "/v1/conversations/{}/close", NEED_INGEST, rs_api_conv_close, "POST /v1/conversations/{id}/close", NULL},
    {"GET", "/v1/incidents/{}", NEED_READ, rs_api_incident_get, "GET /v1/incidents/{id}", Q_NONE},
    {"PATCH", "/v1/incidents/{}", NEED_INGEST, rs_api_incident_patch, "PATCH /v1/incidents/{id}", NULL},
    /* the agent console (console*.c): its own session cookie, not API keys */
    {"GET", "/console", PUBLIC, rs_console_home, "GET /console", NULL},
    {"GET", "/console/login", PUBLIC, rs_console_login_get, "GET /console/login", NULL},
    {"POST", "/console/login", PUBLIC, rs_console_login_post, "POST /console/login", NULL},
    {"POST", "/console/logout", PUBLIC, rs_console_logout, "POST /console/logout", NULL},
    {"POST", "/console/lang", PUBLIC, rs_console_lang, "POST /console/lang", NULL},
    {"GET", "/console/c/{}", PUBLIC, rs_console_conversation, "GET /console/c/{id}", NULL},
    {"GET", "/console/c/{}/last", PUBLIC, rs_console_conversation_last, "GET /console/c/{id}/last", NULL},
    {"POST", "/console/c/{}/take", PUBLIC, rs_console_take, "POST /console/c/{id}/take", NULL},
    {"POST", "/console/c/{}/release", PUBLIC, rs_console_release, "POST /console/c/{id}/release", NULL},
    {"POST", "/console/c/{}/assign", PUBLIC, rs_console_assign, "POST /console/c/{id}/assign", NULL},
    {"POST", "/console/c/{}/close", PUBLIC, rs_console_close, "POST /console/c/{id}/close", NULL},
    {"POST", "/console/c/{}/reopen", PUBLIC, rs_console_reopen, "POST /console/c/{id}/reopen", NULL},
    {"POST", "/console/c/{}/reply", PUBLIC, rs_console_reply, "POST /console/c/{id}/reply", NULL},
    {"POST", "/console/c/{}/phone", PUBLIC, rs_console_phone, "POST /console/c/{id}/phone", NULL},
    {"POST", "/console/c/{}/incident", PUBLIC, rs_console_incident_new, "POST /console/c/{id}/incident", NULL},
    {"GET", "/console/i/{}", PUBLIC, rs_console_incident, "GET /console/i/{id}", NULL},
    {"POST", "/console/i/{}/state", PUBLIC, rs_console_incident_state, "POST /console/i/{id}/state", NULL},
    {"POST", "/console/i/{}/take", PUBLIC, rs_console_incident_take, "POST /console/i/{id}/take", NULL},
    {"POST", "/console/i/{}/resolve", PUBLIC, rs_console_incident_resolve, "POST /console/i/{id}/resolve", NULL},
    {"GET", "/v1/customers/export", NEED_ADMIN, rs_api_customer_export, "GET /v1/customers/export", Q_EXPORT},
    {"POST", "/v1/customers/export", NEED_ADMIN, rs_api_customer_export_post, "POST /v1/customers/export", NULL},
    {"POST", "/v1/customers/erase", NEED_ADMIN, rs_api_customer_erase, "POST /v1/customers/erase", NULL},
    {"POST", "/v1/incidents/{}/notes", NEED_INGEST, rs_api_incident_note_post, "POST /v1/incidents/{id}/notes", NULL},
    {"POST", "/v1/orders/{}/coupons", NEED_INGEST, rs_api_order_coupon_post,
     "POST /v1/orders/{order_ref}/coupons", NULL},
    {"GET", "/v1/support/settings", NEED_ADMIN, rs_api_support_settings_get, "GET /v1/support/settings", Q_NONE},
    {"PUT", "/v1/support/settings", NEED_ADMIN, rs_api_support_settings_put, "PUT /v1/support/settings", NULL},
};
#define NROUTES (int)(sizeof routes / sizeof routes[0])
#define ROUTE_OTHER NROUTES /* metrics slot for 404/405 */
_Static_assert(NROUTES + 1 <= RS_METRICS_MAX_ROUTES, "raise RS_METRICS_MAX_ROUTES: routes past it get no metrics");

const char *const *rs_route_names(int *n)
{
    static const char *names[NROUTES + 1];
    for (int i = 0; i < NROUTES; i++)
        names[i] = routes[i].name;
    names[NROUTES] = "other";
    *n = NROUTES + 1;
    return names;
}

/* Match PATH against PATTERN segment by segment; captured segments go to r->params (copied).
 * PATH is the path as sent (r->raw_path): each segment is %-decoded on its own, so an escaped
 * '/' ("%2F", an order_ref such as "2025/0042") stays inside its segment. */
static bool match(struct rs_req *r, const char *pattern, const char *path)
{
    size_t used = 0;
    int np = 0;
    const char *p = pattern, *s = path;
    for (;;) {
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        size_t pn = pe ? (size_t)(pe - p) : strlen(p), sn = se ? (size_t)(se - s) : strlen(s);
        char *seg = r->param_buf + used;
        if (!rs_url_segment_decode(s, sn, seg, sizeof r->param_buf - used))
            return false;
        if (pn == 2 && p[0] == '{' && p[1] == '}') {
            if (!*seg || np >= RS_MAX_PARAMS)
                return false;
            r->params[np++] = seg;
            used += strlen(seg) + 1;
        } else if (strlen(seg) != pn || memcmp(seg, p, pn) != 0) {
            return false;
        }
        if (!pe || !se)
            return !pe && !se;
        p = pe + 1;
        s = se + 1;
    }
}

static bool authenticate(struct rs_req *r, unsigned need)
{
    const char *h = rs_req_header(r, "Authorization");
    /* the key without the blanks around it (a key pasted with a space, or read from a file
     * with a CR at the end, is still the key) */
    char key[128] = "";
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        h += 7 + strspn(h + 7, " \t");
        size_t n = strcspn(h, " \t\r\n");
        if (n < sizeof key && h[n + strspn(h + n, " \t\r\n")] == '\0')
            snprintf(key, sizeof key, "%.*s", (int)n, h);
    }
    if (!key[0]) {
        /* RFC 9110: a 401 names its scheme (RFC 6750: Bearer), for HTTP clients that wait for it */
        r->www_authenticate = "Bearer realm=\"rastro\"";
        rs_reply_error(r, 401, "unauthorized",
                       "send your API key as \"Authorization: Bearer rk_…\" (create one with `rastro merchant create`)");
        return false;
    }
    unsigned char hash[32];
    rs_key_hash(key, hash);
    enum rs_err e = RS_OK;
    uint64_t now = rs_mono_ns();
    if (!rs_keycache_get(hash, now, &r->merchant_id, &r->scopes)) { /* no DB read per request */
        struct rs_store *s = rs_server_reader_get(r->srv);
        if (!s) {
            rs_reply_err(r, RS_EIO, "no reader connection");
            return false;
        }
        e = rs_store_apikey_lookup(s, hash, &r->merchant_id, &r->scopes);
        rs_server_reader_put(r->srv, s);
        if (e == RS_OK)
            rs_keycache_put(hash, now, r->merchant_id, r->scopes);
    }
    if (e == RS_ENOTFOUND) {
        r->www_authenticate = "Bearer realm=\"rastro\", error=\"invalid_token\"";
        rs_reply_error(r, 401, "unauthorized", "this API key is not valid (mistyped, or revoked)");
        return false;
    }
    if (e) {
        rs_reply_err(r, e, "api key lookup");
        return false;
    }
    if (!(r->scopes & need)) {
        char have[40], want[40];
        rs_scopes_format(r->scopes, have, sizeof have);
        rs_scopes_format(need, want, sizeof want);
        rs_reply_error(r, 403, "forbidden", "this API key has the scopes [%s]; this call needs %s\"%s\"", have,
                       strchr(want, ',') ? "one of " : "", want);
        return false;
    }
    return true;
}

void rs_routes_done(struct rs_req *r);

/* Whether the path, unknown as it is, is a route's with a '/' added at the end ("/v1/orders/"):
 * a 404 then says so, rather than send the developer through the whole openapi.json. */
static bool slash_only(struct rs_req *r)
{
    const char *path = r->raw_path ? r->raw_path : r->path;
    size_t n = strlen(path), dn = strlen(r->path);
    char trimmed[1024];
    if (n < 2 || n > sizeof trimmed || path[n - 1] != '/' || dn < 2 || r->path[dn - 1] != '/')
        return false;
    memcpy(trimmed, path, n - 1);
    trimmed[n - 1] = '\0';
    for (int i = 0; i < NROUTES; i++)
        if (match(r, routes[i].pattern, trimmed))
            return true;
    return false;
}

/* An address a customer or an agent opens in a browser (a tracking or unsubscribe link, the
 * console) that matched nothing: a link cut short in an SMS ("/t/", "/u/"), or written with a
 * trailing "/". They get a page in their language or the page they meant, never the API's JSON.
 * True when answered. */
static bool browser_not_found(struct rs_req *r, bool slash)
{
    const char *p = r->path;
    if ((strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) ||
        !(strcmp(p, "/t") == 0 || strncmp(p, "/t/", 3) == 0 || strcmp(p, "/u") == 0 || strncmp(p, "/u/", 3) == 0 ||
          strcmp(p, "/track/") == 0 || strncmp(p, "/console/", 9) == 0))
        return false;
    const char *lang = rs_page_lang_asked(r);
    struct rs_buf b;
    rs_buf_init(&b);
    if (strcmp(p, "/t") == 0 || strcmp(p, "/t/") == 0) /* no code: where a code or an order is looked up */
        rs_buf_puts(&b, "/track");
    else if (slash) /* the page meant, with what identified the visitor */
        rs_buf_printf(&b, "%.*s", (int)strlen(r->raw_path ? r->raw_path : p) - 1, r->raw_path ? r->raw_path : p);
    if (b.len) {
        if (strncmp(p, "/console", 8) != 0)
            rs_page_query(&b, r, lang);
        snprintf(r->location, sizeof r->location, "%s", b.len < sizeof r->location ? b.data : "/track");
        rs_buf_release(&b);
        rs_reply_text(r, 303, "text/plain; charset=utf-8", "", 0);
        r->cache_control = "no-store";
        return true;
    }
    rs_buf_release(&b);
    if (strncmp(p, "/console/", 9) == 0)
        return false; /* an agent's mistyped address: the API's answer is plain enough */
    bool es = !lang || strcmp(lang, "en") != 0;
    rs_page_message(r, 404, es, es ? "Este enlace no está completo" : "This link is incomplete",
                    es ? "Puede que se haya cortado al copiarlo. Abre el enlace completo del mensaje que te "
                         "enviamos, o busca tu pedido en /track con tu número de pedido y tu email."
                       : "It may have been cut short when it was copied. Open the whole link in the message we "
                         "sent you, or find your order at /track with its number and your e-mail.");
    return true;
}

void rs_routes_dispatch(struct rs_req *r)
{
    bool path_found = false;
    const struct route *rt = NULL;
    for (int i = 0; i < NROUTES; i++) {
        if (!match(r, routes[i].pattern, r->raw_path ? r->raw_path : r->path))
            continue;
        path_found = true;
        r->cors |= (routes[i].auth & CORS) != 0; /* a 405 there is readable by the page that called */
        size_t n = strlen(r->allow); /* the path's methods, for a 405 (GET brings HEAD) */
        snprintf(r->allow + n, sizeof r->allow - n, "%s%s%s", n ? ", " : "", routes[i].method,
                 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
        if (strcmp(routes[i].method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            rt = &routes[i];
            r->route = i;
            break;
        }
    }
    if (!rt) {
        r->route = ROUTE_OTHER;
        if (path_found)
            rs_reply_error(r, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", r->method, r->path,
                           r->allow);
        else if (browser_not_found(r, slash_only(r)))
            ; /* answered: a page, or the page meant */
        else if (slash_only(r))
            rs_reply_error(r, 404, "not_found", "no such endpoint: %s (without the trailing \"/\": %.*s)", r->path,
                           (int)strlen(r->path) - 1, r->path);
        else
            rs_reply_error(r, 404, "not_found", "no such endpoint: %s (see /v1/openapi.json)", r->path);
    } else {
        r->allow[0] = '\0';
        r->cors = rt->auth & CORS;
        if (r->body_too_big)
            rs_reply_error(r, 413, "too_large", "the request body is larger than %u bytes", RS_MAX_BODY_BYTES);
        else if ((SCOPES(rt->auth) == PUBLIC || authenticate(r, SCOPES(rt->auth))) &&
                 (!rt->query || rs_req_query_known(r, rt->query)))
            rt->fn(r);
    }
    if (r->write_state == 0)
        rs_routes_done(r);
    /* else the handler called rs_req_write: server.c calls rs_routes_done after its finish */
}

void rs_routes_done(struct rs_req *r)
{
    if (!r->status)
        rs_reply_err(r, RS_EINTERNAL, "handler set no answer");
    rs_metrics_request(r->route, r->status, rs_mono_ns() - r->started_ns);
}
