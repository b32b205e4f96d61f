/* api_promise.c — GET /v1/promise: the delivery window the merchant's model promises for a
 * lane and a placement time, with ready-to-show text in Spanish and English.
 * Query: origin, destination ("CC/REGION", "CC-REGION" or "REGION"; required), carrier,
 * service, origin_postcode, destination_postcode, placed_at (RFC 3339 with offset; default
 * now), confidence (0.5 < c <= 0.99, as the setting; default the merchant's setting); or, for a checkout with
 * several shipping methods, options=carrier[:service],… (instead of carrier and service: one
 * window per option, in order, under "options").
 * Any web page may call it (CORS, routes.c) with a publishable key (scope "quote", which can do
 * nothing else); a secret key sent from a browser (an Origin header) is refused, so that a key
 * able to change the shop's data is noticed before it is published (web/promise.js, the widget).
 *   GET|PUT /v1/promise/settings  the merchant's promise settings (app/promise_settings.h);
 *                                 a PUT changes the fields it names, the rest stay */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ingest.h"
#include "app/keys.h"
#include "app/promise_service.h"
#include "app/promise_settings.h"
#include "http/routes.h"
#include "util/locfmt.h"
#include "util/timefmt.h"
#include "util/tz.h"

static bool short_text(const char *v, size_t max)
{
    if (!v)
        return true;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++, n++)
        if (*p < 0x20)
            return false;
    return n <= max;
}

static json_t *day_json(int64_t d)
{
    char b[11];
    rs_date_format(d, b);
    return json_string(b);
}

/* "Llega entre el martes 24 y el jueves 26 de noviembre" / "Arrives between …". */
static json_t *window_text(struct rs_locfmt *lf, const char *tz, int64_t from, int64_t to,
                           const char *locale, const char *verb)
{
    char range[200], out[256];
    if (rs_locfmt_days(lf, locale, tz, from, to, range, sizeof range) != RS_OK)
        return json_null();
    snprintf(out, sizeof out, "%s %s", verb, range);
    return json_string(out);
}

/* One quote's window, probability and texts. */
static json_t *quote_json(const struct rs_promise *p, struct rs_locfmt *lf, const char *tz)
{
    json_t *j = json_object();
    json_object_set_new(j, "earliest", day_json(p->earliest));
    json_object_set_new(j, "likely", day_json(p->likely));
    json_object_set_new(j, "latest", day_json(p->latest));
    json_object_set_new(j, "probability", json_real(p->probability));
    json_object_set_new(j, "confidence", json_real(p->confidence));
    json_object_set_new(j, "low_confidence", json_boolean(p->low_confidence));
    json_object_set_new(j, "observations", json_real(p->n));
    if (p->low_confidence)
        json_object_set_new(j, "note", json_string("few or no past deliveries on this lane: the window "
                                                   "is a wide estimate from broader regions, not a "
                                                   "precise one"));
    if (p->low_confidence) { /* the same, for a shopper to read in their language */
        json_t *nt = json_object();
        json_object_set_new(nt, "es", json_string("Fecha aproximada: aún tenemos pocas entregas por esta ruta."));
        json_object_set_new(nt, "en", json_string("An approximate date: we have few past deliveries on this route so far."));
        json_object_set_new(j, "note_text", nt);
    }
    json_t *text = json_object();
    json_object_set_new(text, "es", window_text(lf, tz, p->earliest, p->latest, "es", "Llega"));
    json_object_set_new(text, "en", window_text(lf, tz, p->earliest, p->latest, "en", "Arrives"));
    json_object_set_new(j, "text", text);
    return j;
}

/* How long a browser may keep a quote (the widget asks on every product page view). A quote
 * for "now" changes at the dispatch cut-off and at local midnight: it is never kept across
 * either, so a shopper is not shown the promise of an order that would already miss today's
 * dispatch. A quote for a given placed_at is kept five minutes (a retrained model or new
 * settings show within that). */
static const char *quote_cache_control(const struct rs_promise_settings *st, bool fixed_time, int minute,
                                       int64_t at)
{
    if (fixed_time)
        return "private, max-age=300";
    int next = 1440, cut = rs_promise_settings_cutoff_minute(st);
    if (cut > minute)
        next = cut;
    int64_t left = (int64_t)(next - minute) * 60 - (at % 60 + 60) % 60;
    if (left >= 300)
        return "private, max-age=300";
    if (left >= 60)
        return "private, max-age=60";
    return "no-cache";
}

void rs_api_promise_get(struct rs_req *r)
{
    const char *origin = rs_req_query(r, "origin"), *dest = rs_req_query(r, "destination");
    const char *carrier = rs_req_query(r, "carrier"), *service = rs_req_query(r, "service");
    const char *opc = rs_req_query(r, "origin_postcode");
    const char *dpc = rs_req_query(r, "destination_postcode");
    const char *placed = rs_req_query(r, "placed_at"), *conf = rs_req_query(r, "confidence");
    const char *opts = rs_req_query(r, "options");
    char occ[3], dcc[3], oreg[65], dreg[65];
    if ((r->scopes & RS_SCOPES_SECRET) && rs_req_header(r, "Origin")) {
        const char *auth = rs_req_header(r, "Authorization");
        char key_id[RS_KEY_ID_LEN];
        if (!auth || strlen(auth) < 7 || !rs_key_id_of(auth + 7, key_id))
            snprintf(key_id, sizeof key_id, "KEY_ID");
        rs_reply_error(r, 403, "secret_key_in_browser",
                       "this API key can read or change your shop's data and was sent from a web page, where "
                       "anyone can copy it: revoke it (`rastro merchant revoke %lld %s`, or DELETE /v1/keys/%s), "
                       "and give web pages a key that can only ask for delivery windows (`rastro merchant key "
                       "%lld --scopes quote`)",
                       (long long)r->merchant_id, key_id, key_id, (long long)r->merchant_id);
        return;
    }
    if (!origin || !*origin) {
        rs_reply_error(r, 400, "missing_parameter",
                       "origin is required: the region the parcel leaves from, e.g. origin=ES/MAD");
        return;
    }
    if (!rs_promise_split_region(origin, occ, oreg, sizeof oreg)) {
        rs_reply_error(r, 400, "invalid_parameter",
                       "origin must be a region code: \"CC/REGION\" or \"REGION\", e.g. ES/MAD");
        return;
    }
    if (!dest || !*dest) {
        rs_reply_error(r, 400, "missing_parameter",
                       "destination is required: the region of the customer, e.g. destination=ES/BCN");
        return;
    }
    if (!rs_promise_split_region(dest, dcc, dreg, sizeof dreg)) {
        rs_reply_error(r, 400, "invalid_parameter",
                       "destination must be a region code: \"CC/REGION\" or \"REGION\", e.g. ES/BCN");
        return;
    }
    const char *names[4] = {"carrier", "service", "origin_postcode", "destination_postcode"};
    const char *vals[4] = {carrier, service, opc, dpc};
    for (int i = 0; i < 4; i++) {
        if (!short_text(vals[i], i < 2 ? 64 : 16)) {
            rs_reply_error(r, 400, "invalid_parameter", "%s must be printable text of at most %d bytes",
                           names[i], i < 2 ? 64 : 16);
            return;
        }
    }
    struct rs_promise_option options[RS_PROMISE_MAX_OPTIONS];
    int n_options = 0;
    if (opts) {
        char err[200];
        if (carrier || service) {
            rs_reply_error(r, 400, "invalid_parameter",
                           "options replaces carrier and service: give one or the other, e.g. "
                           "options=seur:std,correos");
            return;
        }
        if (!rs_promise_options_parse(opts, options, &n_options, err, sizeof err)) {
            rs_reply_error(r, 400, "invalid_parameter", "%s", err);
            return;
        }
    }
    /* lanes are keyed by the carrier as shipments store it: "Correos Express" is correos_express */
    char ckey[RS_PROMISE_MAX_OPTIONS][RS_MAX_CARRIER_LEN + 1];
    for (int i = 0; i < (n_options ? n_options : 1); i++) {
        const char *c = n_options ? options[i].carrier : carrier;
        if (c && !rs_app_carrier_normalize(c, ckey[i])) {
            char what[32] = "";
            if (n_options)
                snprintf(what, sizeof what, "options: option %d: ", i + 1);
            rs_reply_error(r, 400, "invalid_parameter", "%s" RS_APP_CARRIER_RULE, what, RS_MAX_CARRIER_LEN);
            return;
        }
    }
    int64_t at = rs_now();
    int off = 0;
    char fixed[64];
    if (placed && strlen(placed) < sizeof fixed && strchr(placed, ' ')) {
        /* an unencoded '+' of the offset arrives as a space: take it back */
        snprintf(fixed, sizeof fixed, "%s", placed);
        for (char *c = fixed; *c; c++)
            if (*c == ' ')
                *c = '+';
        placed = fixed;
    }
    if (placed && rs_time_parse(placed, false, &at, &off) != RS_OK) {
        rs_reply_error(r, 400, "invalid_parameter",
                       "placed_at must be RFC 3339 with an offset, e.g. 2025-11-24T10:00:00%%2B01:00");
        return;
    }
    /* outside the calendar's years there are no holidays to count (and year 9999's promise is
     * no date at all) */
    int64_t placed_day;
    int placed_minute;
    rs_cal_local(at, off, &placed_day, &placed_minute);
    if (!rs_cal_day_known(placed_day)) {
        rs_reply_error(r, 400, "invalid_parameter",
                       "placed_at must be a time from %d to %d, the years the delivery calendar knows",
                       RS_CAL_FIRST_YEAR, RS_CAL_LAST_YEAR);
        return;
    }
    double confidence = 0;
    if (conf) {
        /* the same range as the merchant's setting (app/promise_settings.h), one message */
        char *end, err[300];
        confidence = strtod(conf, &end);
        if (!*conf || *end)
            confidence = -1;
        if (rs_promise_settings_confidence(confidence, "confidence", err, sizeof err) != RS_OK) {
            rs_reply_error(r, 400, "invalid_parameter", "%s", err);
            return;
        }
    }

    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "no reader");
        return;
    }
    struct rs_promise_handle *h = NULL;
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, r->merchant_id, &st);
    if (!e)
        e = rs_promise_cache_get(s, r->merchant_id, &h);
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND || e == RS_EINVAL) {
        rs_reply_error(r, 409, "no_promise_model",
                       "merchant %lld has no usable delivery model yet: train one with `rastro promise "
                       "train --merchant %lld --history FILE.csv` (past deliveries) or `rastro promise "
                       "train --merchant %lld --from-store` (its own delivered shipments)",
                       (long long)r->merchant_id, (long long)r->merchant_id, (long long)r->merchant_id);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "promise model");
        return;
    }
    if (!confidence)
        confidence = st.confidence;
    struct rs_calendar *cal = malloc(sizeof *cal);
    if (!cal) {
        rs_promise_cache_put(h);
        rs_reply_err(r, RS_ENOMEM, "calendar");
        return;
    }
    rs_promise_calendar(&st, dcc, cal);
    int64_t day;
    int minute;
    if (rs_tz_local(st.timezone, at, &day, &minute) != RS_OK)
        rs_cal_local(at, 0, &day, &minute);
    /* one quote, or one per shipping option */
    struct rs_promise p[RS_PROMISE_MAX_OPTIONS];
    int nq = n_options ? n_options : 1;
    for (int i = 0; i < nq && !e; i++) {
        struct rs_promise_lane lane = {occ, oreg, dcc, dreg, n_options || carrier ? ckey[i] : NULL,
                                       n_options ? options[i].service : service, opc, dpc};
        e = rs_promise_quote(h->model, cal, &lane, day, minute, confidence, &p[i]);
    }
    int64_t version = h->version;
    rs_promise_cache_put(h);
    free(cal);
    if (e) {
        rs_reply_err(r, e, "quote");
        return;
    }
    struct rs_locfmt *lf = rs_locfmt_new();
    json_t *j = n_options ? json_object() : quote_json(&p[0], lf, st.timezone);
    if (n_options) {
        json_t *arr = json_array();
        for (int i = 0; i < n_options; i++) {
            json_t *o = json_pack("{s:s,s:s?}", "carrier", options[i].carrier, "service",
                                  options[i].service[0] ? options[i].service : NULL);
            json_t *q = quote_json(&p[i], lf, st.timezone);
            json_object_update(o, q);
            json_decref(q);
            json_array_append_new(arr, o);
        }
        json_object_set_new(j, "options", arr);
        json_object_set_new(j, "confidence", json_real(confidence));
    }
    rs_locfmt_free(lf);
    char t[RS_TIME_LEN];
    rs_time_format(at, off, t);
    json_object_set_new(j, "placed_at", json_string(t));
    json_object_set_new(j, "timezone", json_string(st.timezone));
    json_object_set_new(j, "model_version", json_integer(version));
    r->cache_control = quote_cache_control(&st, placed != NULL, minute, at);
    rs_reply_json(r, 200, j);
}

/* ---- settings ---- */

static void reply_settings(struct rs_req *r, const struct rs_promise_settings *st)
{
    json_t *j = rs_promise_settings_json(st);
    if (j)
        rs_reply_json(r, 200, j);
    else
        rs_reply_err(r, RS_ENOMEM, "promise settings");
}

/* The merchant's settings from a reader. */
static enum rs_err settings_read(struct rs_req *r, struct rs_promise_settings *st)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_promise_settings_get(s, r->merchant_id, st) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    return e;
}

void rs_api_promise_settings_get(struct rs_req *r)
{
    struct rs_promise_settings st;
    enum rs_err e = settings_read(r, &st);
    if (e)
        rs_reply_err(r, e, "promise settings read");
    else
        reply_settings(r, &st);
}

struct psettings_job {
    int64_t merchant_id;
    const json_t *change;        /* borrowed from the request */
    struct rs_promise_settings st; /* OUT: as saved */
    char err[400];
};

/* Read, change and write in one job: two PUTs naming different fields both keep their change. */
static enum rs_err psettings_run(struct rs_store *s, void *ctx)
{
    struct psettings_job *j = ctx;
    enum rs_err e = rs_store_promise_settings_get(s, j->merchant_id, &j->st);
    if (!e)
        e = rs_promise_settings_apply(&j->st, j->change, j->err, sizeof j->err);
    if (!e)
        e = rs_store_promise_settings_put(s, j->merchant_id, &j->st, rs_now());
    return e;
}

void rs_api_promise_settings_put(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    struct psettings_job *j = calloc(1, sizeof *j);
    if (!j) {
        json_decref(body);
        rs_reply_err(r, RS_ENOMEM, "promise settings");
        return;
    }
    j->merchant_id = r->merchant_id;
    j->change = body;
    /* checked against the current settings first, so a bad document costs no write lock; the
     * job checks again on what it reads (a concurrent PUT may have moved the lists) */
    enum rs_err e = settings_read(r, &j->st);
    if (!e && rs_promise_settings_apply(&j->st, body, j->err, sizeof j->err) != RS_OK) {
        rs_reply_error(r, 422, "invalid_settings", "%s", j->err);
    } else {
        if (!e)
            e = rs_writer_run(rs_server_writer(r->srv), psettings_run, j);
        if (e == RS_EINVAL && j->err[0])
            rs_reply_error(r, 422, "invalid_settings", "%s", j->err);
        else if (e)
            rs_reply_err(r, e, "promise settings save");
        else
            reply_settings(r, &j->st);
    }
    free(j);
    json_decref(body);
}
