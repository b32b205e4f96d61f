/* api_hooks.c — inbound webhooks over HTTP:
 *   POST /hooks/{provider}/{hook_id}        public, authenticated by the provider's signature
 *   POST /v1/hooks/generic                  the generic mapped webhook with an API key (ingest)
 *   PUT  /v1/integrations/{provider}        configure a provider (admin): secret, mapping
 *   GET  /v1/integrations                   list them, never the secrets (read)
 *   GET  /v1/inbound[/{id}]                 the inbound log, with the raw payload while kept (read)
 *   POST /v1/inbound/{id}/replay            run a stored delivery again (ingest)
 *   GET  /v1/carriers/detect                carrier candidates for a tracking number (read)
 * Signatures are checked on the raw bytes before any parsing (ingest/signature.h). Answers to
 * providers: 401 for a bad or missing signature, 404 for an unknown hook, 200 for everything
 * recorded — applied, duplicate or rejected with the reason — because retrying the same bytes
 * cannot change a rejection and providers disable endpoints that keep failing (see
 * docs/api/webhooks.md). Storage trouble answers 503 so the provider retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/hooks.h"
#include "app/events_bus.h"
#include "http/routes.h"
#include "ingest/signature.h"
#include "util/timefmt.h"

#define SHIPPO_MAX_AGE_DEFAULT 300

static void webhook_url(struct rs_req *r, const char *provider, const char *hook_id, char *out, size_t cap)
{
    snprintf(out, cap, "%s/hooks/%s/%s", rs_server_base_url(r->srv), provider, hook_id);
}

static const char *topic_header(struct rs_req *r, const char *provider)
{
    if (!strcmp(provider, "shopify"))
        return rs_req_header(r, "X-Shopify-Topic");
    if (!strcmp(provider, "woocommerce"))
        return rs_req_header(r, "X-WC-Webhook-Topic");
    return NULL;
}

static const char *delivery_header(struct rs_req *r, const char *provider)
{
    const char *v = NULL;
    if (!strcmp(provider, "shopify")) {
        v = rs_req_header(r, "X-Shopify-Event-Id");
        if (!v || !*v)
            v = rs_req_header(r, "X-Shopify-Webhook-Id");
    } else if (!strcmp(provider, "woocommerce")) {
        v = rs_req_header(r, "X-WC-Webhook-Delivery-ID");
    }
    return v && *v && strlen(v) <= 200 ? v : NULL;
}

static const char *signature_header_name(const char *provider)
{
    if (!strcmp(provider, "shopify"))
        return "X-Shopify-Hmac-Sha256";
    if (!strcmp(provider, "woocommerce"))
        return "X-WC-Webhook-Signature";
    if (!strcmp(provider, "aftership"))
        return "aftership-hmac-sha256";
    if (!strcmp(provider, "easypost"))
        return "X-Hmac-Signature";
    if (!strcmp(provider, "shippo"))
        return "Shippo-Auth-Signature";
    if (!strcmp(provider, "17track"))
        return "sign";
    return "X-Rastro-Signature";
}

static bool verify_one(struct rs_req *r, const char *provider, const char *secret, int64_t max_age)
{
    if (!secret || !*secret)
        return false;
    const char *body = r->body ? r->body : "";
    size_t len = r->body ? r->body_len : 0;
    const char *h = rs_req_header(r, signature_header_name(provider));
    if (!strcmp(provider, "shopify"))
        return rs_sig_shopify(secret, body, len, h);
    if (!strcmp(provider, "woocommerce"))
        return rs_sig_woocommerce(secret, body, len, h);
    if (!strcmp(provider, "aftership"))
        return rs_sig_aftership(secret, body, len, h);
    if (!strcmp(provider, "easypost"))
        return rs_sig_easypost(secret, body, len, h);
    if (!strcmp(provider, "17track")) /* the secret is the merchant's 17TRACK API key */
        return rs_sig_17track(secret, body, len, h);
    /* Shippo and generic: the HMAC header, or the secret as ?token= in the URL */
    const char *token = rs_req_query(r, "token");
    if (token)
        return rs_sig_token_equal(secret, token);
    if (!strcmp(provider, "shippo"))
        return rs_sig_shippo(secret, body, len, h, rs_now(), max_age);
    return rs_sig_shopify(secret, body, len, h); /* generic: base64(HMAC-SHA256(secret, body)) */
}

/* Why a delivery's authentication failed, in words the merchant can act on: the URL token, a
 * Shippo signature that is right but too old (a late retry, or a server clock out of sync), or
 * the header missing or not matching. H is the signature header (may be NULL). */
static void refusal_reason(struct rs_req *r, const char *provider, const struct rs_integration *ig,
                           int64_t max_age, const char *h, char *msg, size_t cap)
{
    const char *name = signature_header_name(provider);
    int64_t t;
    char v1[65];
    bool url_token = strcmp(provider, "shippo") == 0 || strcmp(provider, "generic") == 0;
    if (url_token && rs_req_query(r, "token")) {
        snprintf(msg, cap,
                 "the token in the webhook URL (?token=) does not match the secret; check the secret configured "
                 "with PUT /v1/integrations/%s",
                 provider);
    } else if (!strcmp(provider, "shippo") && h && max_age > 0 && rs_sig_shippo_header_parse(h, &t, v1) &&
               (verify_one(r, provider, ig->secret, 0) || verify_one(r, provider, ig->previous_secret, 0))) {
        long long age = (long long)(rs_now() - t);
        snprintf(msg, cap,
                 "%s is signed right but its t=%lld is %lld s %s this server's clock, more than the %lld s "
                 "allowed: a late or replayed delivery, or a clock out of sync (options.signature_max_age_s of "
                 "PUT /v1/integrations/shippo)",
                 name, (long long)t, age < 0 ? -age : age, age < 0 ? "ahead of" : "behind", (long long)max_age);
    } else {
        snprintf(msg, cap, "%s header %s; check the secret configured with PUT /v1/integrations/%s", name,
                 h && *h ? "does not match the body" : "is missing", provider);
    }
}

static json_t *answer_json(const struct rs_hook_delivery *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "result", json_string(d->result));
    json_object_set_new(o, "inbound_id", json_integer(d->inbound_id));
    if (d->summary)
        json_object_update(o, d->summary);
    if (d->reject_code) {
        json_t *err = json_object();
        json_object_set_new(err, "code", json_string(d->reject_code));
        json_object_set_new(err, "message", json_string(d->reject_msg));
        json_object_set_new(o, "error", err);
    }
    return o;
}

/* Parse, apply and answer one delivery. API_CALLER: the merchant's own code with an API key
 * (a rejection then answers 422, as the rest of the API does). */
static void deliver(struct rs_req *r, int64_t merchant_id, const char *provider, const char *topic,
                    const char *delivery_id, const char *mapping, const char *body, size_t len, bool api_caller)
{
    struct rs_inbound in;
    struct rs_hook_delivery d;
    char perr[400];
    enum rs_err e = rs_app_hook_delivery_init(&d, &in, merchant_id, provider, topic, delivery_id, mapping, body, len,
                                              perr, sizeof perr);
    if (e) {
        rs_reply_err(r, e, "webhook parse");
        return;
    }
    d.payload_type = rs_req_header(r, "Content-Type");
    d.now = rs_now();
    enum rs_err we = rs_writer_run(rs_server_writer(r->srv), rs_app_hook_job, &d);
    if (we) {
        rs_reply_err(r, we, "webhook");
    } else {
        if (!strcmp(d.result, "applied"))
            rs_bus_bump(d.merchant_id); /* live tracking pages re-read */
        int status = api_caller && !strcmp(d.result, "rejected") ? 422 : 200;
        rs_reply_json(r, status, answer_json(&d));
    }
    json_decref(d.summary);
    rs_inbound_release(&in);
}

void rs_hook_post(struct rs_req *r)
{
    const char *provider = r->params[0], *hook_id = r->params[1];
    if (!rs_hook_provider_known(provider)) {
        rs_reply_error(r, 404, "not_found", "no webhook provider \"%.32s\" (see docs/api/webhooks.md)", provider);
        return;
    }
    struct rs_integration *ig = malloc(sizeof *ig);
    struct rs_store *s = ig ? rs_server_reader_get(r->srv) : NULL;
    enum rs_err e = s ? rs_store_integration_by_hook(s, provider, hook_id, rs_now(), ig) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "unknown_hook", "no %s webhook with this id: copy the URL from PUT /v1/integrations/%s",
                       provider, provider);
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
    if (!strcmp(provider, "woocommerce") && rs_hook_woocommerce_is_ping(body, len)) {
        json_t *o = json_object();
        json_object_set_new(o, "result", json_string("ping"));
        rs_reply_json(r, 200, o);
        free(ig);
        return;
    }
    json_t *opts = json_loads(ig->options, 0, NULL);
    json_t *ma = json_object_get(opts, "signature_max_age_s");
    int64_t max_age = json_is_integer(ma) ? json_integer_value(ma) : SHIPPO_MAX_AGE_DEFAULT;
    json_decref(opts);
    bool ok = verify_one(r, provider, ig->secret, max_age) || verify_one(r, provider, ig->previous_secret, max_age);
    if (!ok) {
        /* recorded without the payload (it is not authenticated), so a merchant can see that
         * deliveries arrive but the secret does not match */
        const char *h = rs_req_header(r, signature_header_name(provider));
        char msg[300];
        refusal_reason(r, provider, ig, max_age, h, msg, sizeof msg);
        struct rs_hook_delivery d = {.merchant_id = ig->merchant_id,
                                     .source = provider,
                                     .topic = topic_header(r, provider),
                                     .reject_code = "invalid_signature",
                                     .reject_msg = msg,
                                     .now = rs_now()};
        e = rs_writer_run(rs_server_writer(r->srv), rs_app_hook_job, &d);
        json_decref(d.summary);
        if (e)
            rs_reply_err(r, e, "webhook");
        else
            rs_reply_error(r, 401, "invalid_signature", "%s", msg);
        free(ig);
        return;
    }
    deliver(r, ig->merchant_id, provider, topic_header(r, provider), delivery_header(r, provider), ig->mapping, body,
            len, false);
    free(ig);
}

void rs_hook_generic_api(struct rs_req *r)
{
    struct rs_integration *ig = malloc(sizeof *ig);
    struct rs_store *s = ig ? rs_server_reader_get(r->srv) : NULL;
    enum rs_err e = s ? rs_store_integration_get(s, r->merchant_id, "generic", rs_now(), ig) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 409, "no_mapping",
                       "configure the field mapping first: PUT /v1/integrations/generic (docs/api/webhooks.md)");
    } else if (e) {
        rs_reply_err(r, e, "integration lookup");
    } else {
        deliver(r, r->merchant_id, "generic", NULL, NULL, ig->mapping, r->body ? r->body : "",
                r->body ? r->body_len : 0, true);
    }
    free(ig);
}

/* ---- configuration ---- */

struct integration_job {
    int64_t merchant_id;
    const char *provider, *secret;
    json_t *mapping, *options;
    char hook_id[RS_HOOK_ID_LEN];
    bool created;
    struct rs_app_error err;
};

static enum rs_err integration_job_run(struct rs_store *s, void *ctx)
{
    struct integration_job *j = ctx;
    return rs_app_integration_put(s, j->merchant_id, j->provider, j->secret, j->mapping, j->options, rs_now(),
                                  j->hook_id, &j->created, &j->err);
}

static json_t *signature_doc(const char *provider)
{
    const char *scheme = !strcmp(provider, "easypost")  ? "hmac-sha256-hex=hex(HMAC-SHA256(NFKD(secret), body))"
                         : !strcmp(provider, "shippo") ? "t=<unix>,v1=hex(HMAC-SHA256(secret, t + \".\" + body)), "
                                                         "or ?token=<secret> in the URL"
                         : !strcmp(provider, "17track") ? "hex(SHA-256(body + \"/\" + secret)), the secret being the "
                                                          "17TRACK API key"
                         : !strcmp(provider, "generic")
                             ? "base64(HMAC-SHA256(secret, body)), or ?token=<secret> in the URL"
                             : "base64(HMAC-SHA256(secret, body))";
    return json_pack("{s:s,s:s}", "header", signature_header_name(provider), "scheme", scheme);
}

void rs_api_integration_put(struct rs_req *r)
{
    const char *provider = r->params[0];
    if (!rs_hook_provider_known(provider)) {
        rs_reply_error(r, 404, "unknown_provider",
                       "provider must be one of easypost, shippo, aftership, 17track, shopify, woocommerce, generic, "
                       "email");
        return;
    }
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    struct integration_job job = {.merchant_id = r->merchant_id, .provider = provider};
    json_t *secret = json_object_get(body, "secret");
    job.secret = json_string_value(secret);
    job.mapping = json_object_get(body, "mapping");
    job.options = json_object_get(body, "options");
    const char *k;
    json_t *v;
    bool unknown = !json_is_object(body);
    json_object_foreach(body, k, v) unknown |= strcmp(k, "secret") && strcmp(k, "mapping") && strcmp(k, "options");
    enum rs_err e = RS_OK;
    if (unknown) {
        rs_reply_error(r, 422, "invalid_field", "send {\"secret\": …} with optional \"mapping\" (generic) and \"options\"");
    } else if (!job.secret) {
        rs_reply_error(r, 422, "missing_field", "secret is required (a string: the webhook secret set at the provider)");
    } else if ((e = rs_writer_run(rs_server_writer(r->srv), integration_job_run, &job)) == RS_EINVAL) {
        rs_reply_error(r, 422, job.err.code, "%s", job.err.message);
    } else if (e) {
        rs_reply_err(r, e, "integration");
    } else {
        char url[512];
        webhook_url(r, provider, job.hook_id, url, sizeof url);
        json_t *o = json_object();
        json_object_set_new(o, "provider", json_string(provider));
        json_object_set_new(o, "hook_id", json_string(job.hook_id));
        json_object_set_new(o, "webhook_url", json_string(url));
        json_object_set_new(o, "signature", signature_doc(provider));
        json_object_set_new(o, "result", json_string(job.created ? "created" : "updated"));
        rs_reply_json(r, job.created ? 201 : 200, o);
    }
    json_decref(body);
}

void rs_api_integration_list(struct rs_req *r)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *list = NULL;
    enum rs_err e = s ? rs_store_integration_list(s, r->merchant_id, &list) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "integrations");
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) {
        char url[512];
        const char *p = json_string_value(json_object_get(it, "provider"));
        webhook_url(r, p, json_string_value(json_object_get(it, "hook_id")), url, sizeof url);
        json_object_set_new(it, "webhook_url", json_string(url));
        json_object_set_new(it, "signature", signature_doc(p));
    }
    json_t *o = json_object();
    json_object_set_new(o, "integrations", list);
    rs_reply_json(r, 200, o);
}

/* ---- the inbound log ---- */

void rs_api_inbound_list(struct rs_req *r)
{
    static const char *const known[] = {"result", "limit", "before", NULL};
    if (!rs_req_query_known(r, known))
        return;
    long long limit = 50, before = 0;
    const char *res = rs_req_query(r, "result");
    if (!rs_req_page(r, 500, &limit, &before, "an inbound id (next_before of the previous page)"))
        return;
    if (res && strcmp(res, "applied") && strcmp(res, "duplicate") && strcmp(res, "rejected")) {
        rs_reply_error(r, 400, "invalid_parameter", "result must be applied, duplicate or rejected");
        return;
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *list = NULL;
    enum rs_err e = s ? rs_store_inbound_list(s, r->merchant_id, res, (int)limit, before, &list) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "inbound");
        return;
    }
    json_t *o = json_object();
    size_t n = json_array_size(list);
    if (n == (size_t)limit)
        json_object_set_new(o, "next_before", json_incref(json_object_get(json_array_get(list, n - 1), "id")));
    json_object_set_new(o, "deliveries", list);
    rs_reply_json(r, 200, o);
}

static bool inbound_id(struct rs_req *r, int64_t *id)
{
    long long v;
    if (!rs_parse_int(r->params[0], 1, INT64_MAX, &v)) {
        rs_reply_error(r, 400, "invalid_parameter", "the inbound id is a whole number (see GET /v1/inbound)");
        return false;
    }
    *id = v;
    return true;
}

static enum rs_err inbound_read(struct rs_req *r, int64_t id, json_t **out)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_inbound_get(s, r->merchant_id, id, out) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND)
        rs_reply_error(r, 404, "not_found", "no inbound delivery %lld for this merchant", (long long)id);
    else if (e)
        rs_reply_err(r, e, "inbound");
    return e;
}

void rs_api_inbound_get(struct rs_req *r)
{
    int64_t id;
    json_t *o = NULL;
    if (inbound_id(r, &id) && inbound_read(r, id, &o) == RS_OK)
        rs_reply_json(r, 200, o);
}

void rs_api_inbound_replay(struct rs_req *r)
{
    int64_t id;
    json_t *o = NULL;
    if (!inbound_id(r, &id) || inbound_read(r, id, &o) != RS_OK)
        return;
    const char *payload = json_string_value(json_object_get(o, "payload"));
    const char *provider = json_string_value(json_object_get(o, "source"));
    json_t *dup = json_object_get(o, "duplicate_of");
    if (!payload && json_is_integer(dup)) { /* the delivery it repeats keeps the payload */
        long long orig = (long long)json_integer_value(dup);
        rs_reply_error(r, 409, "payload_gone",
                       "delivery %lld repeats delivery %lld, which keeps the payload: replay that one with POST "
                       "/v1/inbound/%lld/replay",
                       (long long)id, orig, orig);
    } else if (!payload && json_object_get(o, "payload_note")) {
        rs_reply_error(r, 409, "payload_gone",
                       "delivery %lld's payload is not UTF-8 text: it cannot be replayed through the API (GET "
                       "/v1/inbound/%lld shows what arrived)",
                       (long long)id, (long long)id);
    } else if (!payload) {
        rs_reply_error(r, 409, "payload_gone",
                       "delivery %lld has no stored payload (purged after 7 days, or never authenticated)",
                       (long long)id);
    } else {
        struct rs_integration *ig = calloc(1, sizeof *ig);
        struct rs_store *s = ig ? rs_server_reader_get(r->srv) : NULL;
        enum rs_err e = s ? rs_store_integration_get(s, r->merchant_id, provider, rs_now(), ig) : RS_EIO;
        rs_server_reader_put(r->srv, s);
        if (e && e != RS_ENOTFOUND)
            rs_reply_err(r, e, "integration lookup");
        else
            deliver(r, r->merchant_id, provider, json_string_value(json_object_get(o, "topic")),
                    json_string_value(json_object_get(o, "delivery_id")), ig->mapping, payload,
                    json_string_length(json_object_get(o, "payload")), true);
        free(ig);
    }
    json_decref(o);
}

/* ---- carrier detection ---- */

json_t *rs_carrier_candidates_json(const char *tracking_number, const char **best)
{
    struct rs_carrier_guess g[5];
    int n = 0;
    *best = rs_carrier_confident(tracking_number, g, &n);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:i,s:b}", "carrier", g[i].carrier, "confidence", g[i].confidence,
                                             "check_digit_ok", g[i].check_digit_ok));
    return arr;
}

void rs_api_carrier_detect(struct rs_req *r)
{
    const char *tn = rs_req_query(r, "tracking_number");
    if (!tn || !*tn || strlen(tn) > 64) {
        rs_reply_error(r, 400, "invalid_parameter", "tracking_number is required (at most 64 characters)");
        return;
    }
    const char *best;
    json_t *o = json_object();
    json_object_set_new(o, "tracking_number", json_string(tn));
    json_object_set_new(o, "candidates", rs_carrier_candidates_json(tn, &best));
    json_object_set_new(o, "suggested", best ? json_string(best) : json_null());
    json_object_set_new(o, "note", json_string("a suggestion from the number's format; a carrier you state always wins"));
    rs_reply_json(r, 200, o);
}
