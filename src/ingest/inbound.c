/* inbound.c — struct rs_inbound lifecycle and the private helpers of the webhook adapters
 * (see inbound.h and hook_util.h): owned allocations, record appenders, typed JSON access. */
#include "ingest/hook_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

void rs_inbound_init(struct rs_inbound *in)
{
    memset(in, 0, sizeof *in);
}

void rs_inbound_release(struct rs_inbound *in)
{
    if (!in)
        return;
    for (int i = 0; i < in->n_owned_; i++)
        free(in->owned_[i]);
    free(in->owned_);
    free(in->orders);
    free(in->shipments);
    free(in->events);
    if (in->root_)
        json_decref((json_t *)in->root_);
    rs_inbound_init(in);
}

enum rs_err rs_hk_load(struct rs_inbound *in, const char *body, size_t len, const char *what,
                       char *err, size_t errcap)
{
    if (!body || len == 0)
        return rs_hk_fail(err, errcap, "%s: empty body", what);
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return rs_hk_fail(err, errcap, "%s: not valid JSON (line %d, column %d: %s)", what,
                          je.line, je.column, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return rs_hk_fail(err, errcap, "%s: the body must be a JSON object", what);
    }
    in->root_ = root;
    return RS_OK;
}

void *rs_hk_alloc(struct rs_inbound *in, size_t size)
{
    if (in->n_owned_ == in->cap_owned_) {
        int cap = in->cap_owned_ ? in->cap_owned_ * 2 : 16;
        void **p = realloc(in->owned_, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        in->owned_ = p;
        in->cap_owned_ = cap;
    }
    void *b = calloc(1, size ? size : 1);
    if (b)
        in->owned_[in->n_owned_++] = b;
    return b;
}

char *rs_hk_strndup(struct rs_inbound *in, const char *s, size_t n)
{
    char *d = rs_hk_alloc(in, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

const char *rs_hk_eta_day(struct rs_inbound *in, const char *s)
{
    char day[11];
    int64_t d;
    if (!s || strlen(s) < 10 || (s[10] && s[10] != 'T' && s[10] != ' '))
        return NULL;
    memcpy(day, s, 10);
    day[10] = '\0';
    return rs_date_parse(day, &d) == RS_OK ? rs_hk_strndup(in, day, 10) : NULL;
}

void rs_hk_eta(struct rs_inbound *in, struct rs_shipment_in *sh, const char *from, const char *to, const char *as_of)
{
    const char *a = rs_hk_eta_day(in, from ? from : to), *b = rs_hk_eta_day(in, to ? to : from);
    int64_t da, db, t;
    if (!a || !b || rs_date_parse(a, &da) != RS_OK || rs_date_parse(b, &db) != RS_OK || db < da || db - da > 366)
        return;
    sh->eta.from = a;
    sh->eta.to = b;
    if (as_of && rs_time_parse(as_of, true, &t, NULL) == RS_OK)
        sh->eta.as_of = t;
}

char *rs_hk_printf(struct rs_inbound *in, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = rs_hk_alloc(in, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

/* Grow *arr (elements of SIZE bytes) to hold one more; returns the new zeroed slot. */
static void *grow(void **arr, int *n, int *cap, size_t size)
{
    if (*n >= RS_MAX_BATCH)
        return NULL;
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 4;
        void *p = realloc(*arr, (size_t)c * size);
        if (!p)
            return NULL;
        *arr = p;
        *cap = c;
    }
    char *slot = (char *)*arr + (size_t)*n * size;
    memset(slot, 0, size);
    (*n)++;
    return slot;
}

struct rs_order_in *rs_hk_add_order(struct rs_inbound *in)
{
    return grow((void **)&in->orders, &in->n_orders, &in->cap_orders_, sizeof *in->orders);
}

struct rs_shipment_in *rs_hk_add_shipment(struct rs_inbound *in)
{
    return grow((void **)&in->shipments, &in->n_shipments, &in->cap_shipments_,
                sizeof *in->shipments);
}

struct rs_event_in *rs_hk_add_event(struct rs_inbound *in)
{
    return grow((void **)&in->events, &in->n_events, &in->cap_events_, sizeof *in->events);
}

enum rs_err rs_hk_add_failed(const struct rs_inbound *in, char *err, size_t errcap)
{
    if (in->n_orders >= RS_MAX_BATCH || in->n_shipments >= RS_MAX_BATCH ||
        in->n_events >= RS_MAX_BATCH) {
        rs_hk_fail(err, errcap, "too many records in one delivery (limit %d)", RS_MAX_BATCH);
        return RS_ETOOBIG;
    }
    rs_hk_fail(err, errcap, "out of memory");
    return RS_ENOMEM;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* The value at OBJ.KEY, or NULL when OBJ is not an object, the key is absent or null. */
static json_t *field(const json_t *obj, const char *key)
{
    if (!obj || !json_is_object(obj))
        return NULL;
    json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

static enum rs_err wrong(const char *path, const char *key, const char *want, const json_t *v,
                         char *err, size_t errcap)
{
    return rs_hk_fail(err, errcap, "%s%s%s: expected %s, got %s", path ? path : "",
                      path && *path ? "." : "", key, want, type_name(v));
}

enum rs_err rs_hk_str(const json_t *obj, const char *key, const char *path, const char **out,
                      char *err, size_t errcap)
{
    *out = NULL;
    json_t *v = field(obj, key);
    if (!v)
        return RS_OK;
    if (!json_is_string(v))
        return wrong(path, key, "a string", v, err, errcap);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return rs_hk_fail(err, errcap, "%s.%s: string holds a NUL character", path, key);
    *out = *s ? s : NULL;
    return RS_OK;
}

enum rs_err rs_hk_id(struct rs_inbound *in, const json_t *obj, const char *key, const char *path,
                     const char **out, char *err, size_t errcap)
{
    *out = NULL;
    json_t *v = field(obj, key);
    if (v && json_is_integer(v)) {
        *out = rs_hk_printf(in, "%lld", (long long)json_integer_value(v));
        return *out ? RS_OK : RS_ENOMEM;
    }
    if (v && !json_is_string(v))
        return wrong(path, key, "a string or an integer", v, err, errcap);
    return rs_hk_str(obj, key, path, out, err, errcap);
}

enum rs_err rs_hk_obj(const json_t *obj, const char *key, const char *path, json_t **out,
                      char *err, size_t errcap)
{
    *out = field(obj, key);
    if (*out && !json_is_object(*out)) {
        json_t *v = *out;
        *out = NULL;
        return wrong(path, key, "an object", v, err, errcap);
    }
    return RS_OK;
}

enum rs_err rs_hk_arr(const json_t *obj, const char *key, const char *path, json_t **out,
                      char *err, size_t errcap)
{
    *out = field(obj, key);
    if (*out && !json_is_array(*out)) {
        json_t *v = *out;
        *out = NULL;
        return wrong(path, key, "an array", v, err, errcap);
    }
    return RS_OK;
}

enum rs_err rs_hk_bool(const json_t *obj, const char *key, const char *path, bool *out,
                       bool *present, char *err, size_t errcap)
{
    *out = false;
    if (present)
        *present = false;
    json_t *v = field(obj, key);
    if (!v)
        return RS_OK;
    if (!json_is_boolean(v))
        return wrong(path, key, "a boolean", v, err, errcap);
    *out = json_is_true(v);
    if (present)
        *present = true;
    return RS_OK;
}

enum rs_err rs_hk_int(const json_t *obj, const char *key, const char *path, int64_t *out,
                      bool *present, char *err, size_t errcap)
{
    *out = 0;
    if (present)
        *present = false;
    json_t *v = field(obj, key);
    if (!v)
        return RS_OK;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
    } else if (json_is_string(v) && *json_string_value(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || *end || !isdigit((unsigned char)s[0]) )
            return rs_hk_fail(err, errcap, "%s.%s: \"%.40s\" is not an integer", path, key, s);
        *out = x;
    } else {
        return wrong(path, key, "an integer", v, err, errcap);
    }
    if (present)
        *present = true;
    return RS_OK;
}

enum rs_err rs_hk_time(const char *s, const char *name, bool need_offset, int64_t *epoch,
                       int *offset_min, char *err, size_t errcap)
{
    if (rs_time_parse(s, !need_offset, epoch, offset_min) == RS_OK) {
        /* The write path treats 0 as "no time"; nothing Rastro tracks happened before 1970. */
        if (*epoch <= 0)
            return rs_hk_fail(err, errcap, "%s: \"%.40s\" is before 1970, not a plausible scan time", name, s);
        return RS_OK;
    }
    if (need_offset && rs_time_parse(s, true, epoch, offset_min) == RS_OK)
        return rs_hk_fail(err, errcap,
                          "%s: \"%.40s\" has no UTC offset (expected RFC 3339 with Z or ±HH:MM)",
                          name, s);
    return rs_hk_fail(err, errcap, "%s: \"%.40s\" is not an RFC 3339 timestamp", name, s);
}

enum rs_err rs_hk_location(const json_t *obj, const char *path, const char *postal_key,
                           struct rs_location *loc, char *err, size_t errcap)
{
    const char *country;
    RS_HK_TRY(rs_hk_str(obj, "city", path, &loc->city, err, errcap));
    RS_HK_TRY(rs_hk_str(obj, "state", path, &loc->region, err, errcap));
    RS_HK_TRY(rs_hk_str(obj, postal_key, path, &loc->postal_code, err, errcap));
    RS_HK_TRY(rs_hk_str(obj, "country", path, &country, err, errcap));
    loc->country = rs_hk_country(country);
    return RS_OK;
}

enum rs_err rs_hk_tracking(struct rs_inbound *in, const char *raw, const char *field_name,
                           const char **out, char *err, size_t errcap)
{
    *out = NULL;
    if (!raw)
        return rs_hk_fail(err, errcap, "%s: missing tracking number", field_name);
    char buf[RS_MAX_TRACKING_LEN + 1];
    if (rs_tracking_normalize(raw, buf, sizeof buf) != RS_OK)
        return rs_hk_fail(err, errcap,
                          "%s: \"%.40s\" is not a usable tracking number (empty, over %d "
                          "characters or with control characters)",
                          field_name, raw, RS_MAX_TRACKING_LEN);
    *out = rs_hk_strndup(in, buf, strlen(buf));
    return *out ? RS_OK : RS_ENOMEM;
}

const char *rs_hk_carrier(struct rs_inbound *in, const char *name)
{
    char buf[RS_MAX_CARRIER_LEN];
    if (!name || rs_carrier_slug(name, buf, sizeof buf) == 0)
        return NULL;
    return rs_hk_strndup(in, buf, strlen(buf));
}

const char *rs_hk_country(const char *code)
{
    return code ? rs_country_alpha2(code) : NULL;
}

enum rs_err rs_hk_event(struct rs_inbound *in, const char *key, const char *topic,
                        const char *source, const char *what, const char *const *names,
                        char *err, size_t errcap)
{
    const char *event;
    RS_HK_TRY(rs_hk_str(in->root_, key, "", &event, err, errcap));
    if (!event)
        event = topic;
    if (!event)
        return rs_hk_fail(err, errcap, "%s: missing \"%s\"", what, key);
    bool known = false;
    char expected[160] = "";
    size_t used = 0;
    for (int i = 0; names[i]; i++) {
        known = known || strcmp(event, names[i]) == 0;
        const char *sep = i == 0 ? "" : names[i + 1] ? ", " : " or ";
        if (used < sizeof expected)
            used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s", sep,
                                     names[i]);
    }
    if (!known)
        return rs_hk_fail(err, errcap, "%s: unsupported event \"%.60s\" (expected %s)", what,
                          event, expected);
    in->source = source;
    in->topic = rs_hk_strndup(in, event, strlen(event));
    return in->topic ? RS_OK : RS_ENOMEM;
}

const char *rs_hk_code_of(struct rs_inbound *in, const char *code, const char *subcode)
{
    if (code || !subcode)
        return code;
    const char *us = strchr(subcode, '_');
    return us ? rs_hk_strndup(in, subcode, (size_t)(us - subcode)) : NULL;
}

enum rs_err rs_hk_status(struct rs_inbound *in, struct rs_event_in *ev, const char *provider,
                         const char *code, const char *subcode, int provider_action,
                         char *err, size_t errcap)
{
    (void)err;
    (void)errcap;
    struct rs_status_map m;
    rs_provider_status(provider, code, subcode, &m);
    ev->status = m.status;
    ev->substatus = m.substatus;
    ev->action_required = provider_action >= 0 ? provider_action != 0 : m.action_required;
    if (code && subcode)
        ev->code = rs_hk_printf(in, "%s/%s", code, subcode);
    else
        ev->code = code ? code : subcode;
    if ((code && subcode) && !ev->code)
        return RS_ENOMEM;
    return RS_OK;
}

enum rs_err rs_hk_run(rs_hook_parse_fn *parse, const char *body, size_t len, const char *topic,
                      struct rs_inbound *out, char *err, size_t errcap)
{
    rs_inbound_init(out);
    if (err && errcap)
        err[0] = '\0';
    enum rs_err e = parse(body, len, topic, out, err, errcap);
    if (e != RS_OK)
        rs_inbound_release(out);
    return e;
}

enum rs_err rs_hk_items(struct rs_inbound *in, const json_t *o, const char *key, json_t **items,
                        struct rs_item_in **it, size_t *n, char *err, size_t errcap)
{
    RS_HK_TRY(rs_hk_arr(o, key, "order", items, err, errcap));
    *n = json_array_size(*items); /* all of them, even over RS_MAX_ITEMS: app/hooks.c keeps the
                                     first ones with a note rather than lose the order */
    *it = *n ? rs_hk_alloc(in, *n * sizeof **it) : NULL;
    return *n && !*it ? RS_ENOMEM : RS_OK;
}
