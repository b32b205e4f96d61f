/* hook_generic.c — the generic mapped webhook (see hook_generic.h). JSON pointers are resolved
 * here by hand: jansson has no RFC 6901 support, and the algorithm is a dozen lines. */
#include "ingest/hook_generic.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/hook_util.h"

json_t *rs_json_pointer(const json_t *root, const char *pointer)
{
    if (!root || !pointer)
        return NULL;
    json_t *cur = (json_t *)root;
    const char *p = pointer;
    if (*p == '\0')
        return cur;
    if (*p != '/')
        return NULL;
    char tok[256];
    while (*p == '/') {
        p++;
        size_t n = 0;
        for (; *p && *p != '/'; p++) {
            char c = *p;
            if (c == '~') {
                if (p[1] == '0')
                    c = '~';
                else if (p[1] == '1')
                    c = '/';
                else
                    return NULL;
                p++;
            }
            if (n + 1 >= sizeof tok)
                return NULL;
            tok[n++] = c;
        }
        tok[n] = '\0';
        if (json_is_object(cur)) {
            cur = json_object_getn(cur, tok, n);
        } else if (json_is_array(cur)) {
            if (n == 0 || n > 9 || (n > 1 && tok[0] == '0'))
                return NULL;
            size_t idx = 0;
            for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char)tok[i]))
                    return NULL;
                idx = idx * 10 + (size_t)(tok[i] - '0');
            }
            cur = json_array_get(cur, idx);
        } else {
            return NULL;
        }
        if (!cur)
            return NULL;
    }
    return cur;
}

static const char *const ptr_keys[] = {"tracking_number", "carrier", "order_ref", "delivery_id", "topic",
                                       "events", "occurred_at", "status", "substatus", "code", "message",
                                       "postal_code", "city", "region", "country", "pickup_name",
                                       "pickup_address", "pickup_deadline", "carrier_estimate_from",
                                       "carrier_estimate_to"};
#define N_PTR_KEYS (sizeof ptr_keys / sizeof ptr_keys[0])

static bool pointer_ok(const char *p)
{
    if (*p && *p != '/')
        return false;
    for (; *p; p++)
        if (*p == '~' && p[1] != '0' && p[1] != '1')
            return false;
    return true;
}

/* "delivered" or "delivered/to_neighbour" -> status, substatus; false when not canonical. */
static bool parse_canonical(const char *v, enum rs_status *st, enum rs_substatus *sub)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash++ = '\0';
    for (char *c = buf; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    *st = rs_status_parse(buf);
    *sub = RS_SUB_NONE;
    if (*st == RS_STATUS_NONE)
        return false;
    if (slash && *slash) {
        *sub = rs_substatus_parse(slash);
        if (*sub == RS_SUB_NONE || !rs_substatus_fits(*st, *sub))
            return false;
    }
    return true;
}

enum rs_err rs_hook_generic_mapping_check(const json_t *mapping, char *err, size_t errcap)
{
    if (!json_is_object(mapping))
        return rs_hk_fail(err, errcap, "mapping must be a JSON object of JSON pointers");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)mapping, key, v) {
        bool known = false;
        for (size_t i = 0; i < N_PTR_KEYS && !known; i++)
            known = strcmp(key, ptr_keys[i]) == 0;
        if (known) {
            if (!json_is_string(v) || !pointer_ok(json_string_value(v)))
                return rs_hk_fail(err, errcap,
                                  "mapping.%s must be a JSON pointer such as \"/data/%s\" (RFC 6901)", key, key);
            continue;
        }
        if (strcmp(key, "carrier_default") == 0) {
            if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > RS_MAX_CARRIER_LEN)
                return rs_hk_fail(err, errcap, "mapping.carrier_default must be a carrier slug such as \"correos\"");
            continue;
        }
        if (strcmp(key, "status_map") == 0) {
            if (!json_is_object(v))
                return rs_hk_fail(err, errcap, "mapping.status_map must be an object {\"their code\": \"status\"}");
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2) {
                enum rs_status st;
                enum rs_substatus sub;
                if (!json_is_string(v2) || !parse_canonical(json_string_value(v2), &st, &sub))
                    return rs_hk_fail(err, errcap,
                                      "mapping.status_map.%.40s must be a canonical status, optionally "
                                      "\"/sub_status\" (docs/statuses.md)",
                                      k2);
            }
            continue;
        }
        return rs_hk_fail(err, errcap, "mapping has an unknown key \"%.40s\"", key);
    }
    if (!json_is_string(json_object_get(mapping, "tracking_number")))
        return rs_hk_fail(err, errcap, "mapping.tracking_number is required");
    if (!json_is_string(json_object_get(mapping, "occurred_at")))
        return rs_hk_fail(err, errcap, "mapping.occurred_at is required");
    return RS_OK;
}

struct ctx {
    struct rs_inbound *in;
    const json_t *mapping, *root;
    char *err;
    size_t errcap;
};

/* The value mapped by KEY: in ITEM, then (when FALLBACK) in the root. NULL when unmapped or
 * absent (JSON null counts as absent). *where gets the pointer, for messages. */
static json_t *value(struct ctx *c, const char *key, const json_t *item, bool fallback, const char **where)
{
    const char *ptr = json_string_value(json_object_get(c->mapping, key));
    *where = ptr ? ptr : "";
    if (!ptr)
        return NULL;
    json_t *v = rs_json_pointer(item, ptr);
    if ((!v || json_is_null(v)) && fallback && item != c->root)
        v = rs_json_pointer(c->root, ptr);
    return json_is_null(v) ? NULL : v;
}

/* A text value: a string (empty = absent) or a number printed. */
static enum rs_err text(struct ctx *c, const char *key, const json_t *item, bool fallback, const char **out)
{
    const char *where;
    json_t *v = value(c, key, item, fallback, &where);
    *out = NULL;
    if (!v)
        return RS_OK;
    if (json_is_string(v)) {
        *out = json_string_length(v) ? json_string_value(v) : NULL;
        if (*out && strlen(*out) != json_string_length(v))
            return rs_hk_fail(c->err, c->errcap, "%s (%.60s): contains a NUL character", key, where);
        return RS_OK;
    }
    if (json_is_integer(v)) {
        *out = rs_hk_printf(c->in, "%lld", (long long)json_integer_value(v));
        return *out ? RS_OK : RS_ENOMEM;
    }
    return rs_hk_fail(c->err, c->errcap, "%s (%.60s): expected a string", key, where);
}

static enum rs_err one_event(struct ctx *c, const json_t *item, const char *what)
{
    struct rs_inbound *in = c->in;
    const char *raw_tn, *carrier_name, *order_ref, *status_v, *sub_v, *where;
    RS_HK_TRY(text(c, "tracking_number", item, true, &raw_tn));
    RS_HK_TRY(text(c, "carrier", item, true, &carrier_name));
    RS_HK_TRY(text(c, "order_ref", item, true, &order_ref));
    char field[96];
    snprintf(field, sizeof field, "%s tracking_number (%.60s)", what,
             json_string_value(json_object_get(c->mapping, "tracking_number")));
    const char *tn;
    RS_HK_TRY(rs_hk_tracking(in, raw_tn, field, &tn, c->err, c->errcap));
    const char *carrier = rs_hk_carrier(in, carrier_name);
    if (!carrier)
        carrier = rs_hk_carrier(in, json_string_value(json_object_get(c->mapping, "carrier_default")));

    /* one shipment per (carrier, tracking number) */
    bool seen = false;
    for (int i = 0; i < in->n_shipments && !seen; i++)
        seen = strcmp(in->shipments[i].tracking_number, tn) == 0 &&
               ((!carrier && !in->shipments[i].carrier) ||
                (carrier && in->shipments[i].carrier && strcmp(carrier, in->shipments[i].carrier) == 0));
    if (!seen) {
        struct rs_shipment_in *sh = rs_hk_add_shipment(in);
        if (!sh)
            return rs_hk_add_failed(in, c->err, c->errcap);
        sh->order_ref = order_ref;
        sh->carrier = carrier;
        sh->tracking_number = tn;
        sh->source = "generic";
        /* the carrier's estimate: a day, or a time read as its day as written (like the
         * aggregators'); anything else is kept as sent for rs_app_shipment_prepare to refuse,
         * naming the format, as POST /v1/shipments does */
        const char *ef, *et;
        RS_HK_TRY(text(c, "carrier_estimate_from", item, true, &ef));
        RS_HK_TRY(text(c, "carrier_estimate_to", item, true, &et));
        const char *df = rs_hk_eta_day(in, ef), *dt = rs_hk_eta_day(in, et);
        sh->eta.from = df ? df : ef;
        sh->eta.to = dt ? dt : et;
    }

    struct rs_event_in *ev = rs_hk_add_event(in);
    if (!ev)
        return rs_hk_add_failed(in, c->err, c->errcap);
    ev->carrier = carrier;
    ev->tracking_number = tn;
    ev->source = "generic";
    json_t *t = value(c, "occurred_at", item, false, &where);
    if (!t)
        return rs_hk_fail(c->err, c->errcap, "%s occurred_at (%.60s): missing", what, where);
    if (json_is_integer(t)) {
        json_int_t secs = json_integer_value(t);
        if (secs <= 0 || secs > 32503680000LL)
            return rs_hk_fail(c->err, c->errcap, "%s occurred_at (%.60s): %lld is not a plausible Unix time",
                              what, where, (long long)secs);
        ev->occurred_at = secs;
    } else if (json_is_string(t)) {
        snprintf(field, sizeof field, "%s occurred_at (%.60s)", what, where);
        RS_HK_TRY(rs_hk_time(json_string_value(t), field, true, &ev->occurred_at, &ev->offset_min, c->err,
                             c->errcap));
    } else {
        return rs_hk_fail(c->err, c->errcap,
                          "%s occurred_at (%.60s): expected an RFC 3339 string or Unix seconds", what, where);
    }
    RS_HK_TRY(text(c, "status", item, false, &status_v));
    RS_HK_TRY(text(c, "substatus", item, false, &sub_v));
    RS_HK_TRY(text(c, "code", item, false, &ev->code));
    RS_HK_TRY(text(c, "message", item, false, &ev->message));
    RS_HK_TRY(text(c, "postal_code", item, false, &ev->location.postal_code));
    RS_HK_TRY(text(c, "city", item, false, &ev->location.city));
    RS_HK_TRY(text(c, "region", item, false, &ev->location.region));
    RS_HK_TRY(text(c, "pickup_name", item, false, &ev->pickup.name));
    RS_HK_TRY(text(c, "pickup_address", item, false, &ev->pickup.address));
    RS_HK_TRY(text(c, "pickup_deadline", item, false, &ev->pickup.deadline));
    const char *country;
    RS_HK_TRY(text(c, "country", item, false, &country));
    ev->location.country = rs_hk_country(country);

    if (status_v) {
        const json_t *map = json_object_get(c->mapping, "status_map");
        const char *k;
        json_t *v;
        bool mapped = false;
        json_object_foreach((json_t *)map, k, v) {
            if (strcasecmp(k, status_v) == 0) {
                mapped = parse_canonical(json_string_value(v), &ev->status, &ev->substatus);
                break;
            }
        }
        if (!mapped && !parse_canonical(status_v, &ev->status, &ev->substatus)) {
            ev->status = RS_STATUS_NONE; /* left to the text normalizer, with the raw code */
            ev->substatus = RS_SUB_NONE;
        }
        if (!ev->code)
            ev->code = status_v;
    }
    if (sub_v && ev->status != RS_STATUS_NONE && ev->substatus == RS_SUB_NONE) {
        enum rs_substatus sub = rs_substatus_parse(sub_v);
        if (sub != RS_SUB_NONE && rs_substatus_fits(ev->status, sub))
            ev->substatus = sub;
    }
    return RS_OK;
}

enum rs_err rs_hook_generic_parse(const char *body, size_t len, const json_t *mapping, struct rs_inbound *out,
                                  char *err, size_t errcap)
{
    rs_inbound_init(out);
    if (!json_is_object(mapping))
        return rs_hk_fail(err, errcap, "no generic mapping is configured (PUT /v1/integrations/generic)");
    enum rs_err e = rs_hk_load(out, body, len, "generic webhook", err, errcap);
    if (e)
        return e;
    out->source = "generic";
    struct ctx c = {.in = out, .mapping = mapping, .root = out->root_, .err = err, .errcap = errcap};
    const char *where;
    if ((e = text(&c, "delivery_id", c.root, false, &out->delivery_id)) ||
        (e = text(&c, "topic", c.root, false, &out->topic)))
        goto fail;
    if (!out->topic)
        out->topic = "event";
    if (json_object_get(mapping, "events")) {
        json_t *arr = value(&c, "events", c.root, false, &where);
        if (!json_is_array(arr) || json_array_size(arr) == 0) {
            e = rs_hk_fail(err, errcap, "events (%.60s): expected a non-empty array", where);
            goto fail;
        }
        size_t i;
        json_t *item;
        json_array_foreach(arr, i, item) {
            char what[32];
            snprintf(what, sizeof what, "events[%zu]", i);
            if ((e = one_event(&c, item, what)))
                goto fail;
        }
    } else if ((e = one_event(&c, c.root, "event"))) {
        goto fail;
    }
    return RS_OK;
fail:
    rs_inbound_release(out);
    return e;
}
