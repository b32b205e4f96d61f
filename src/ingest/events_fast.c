/* events_fast.c — the fast subset reader of POST /v1/events bodies (see events_fast.h). Any
 * doubt returns 0 and the caller falls back to jansson, so this code only has to be right about
 * what it accepts: strict JSON grammar (RFC 8259) for objects, strings without escapes, the two
 * literals true/false, and strict UTF-8 (Unicode table 3-7: no overlong forms, no surrogates,
 * nothing past U+10FFFF) — what jansson accepts for the same bytes. */
#include "ingest/events_fast.h"

#include <string.h>

#include "ingest/json_in.h"

struct cur {
    char *s, *end;
};

static void ws(struct cur *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        c->s++;
}

/* Length of the valid UTF-8 sequence at P (lead byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char b = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (b >= 0xC2 && b <= 0xDF)
        n = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0)
            lo = 0xA0; /* no overlong */
        else if (b == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0)
            lo = 0x90; /* no overlong */
        else if (b == 0xF4)
            hi = 0x8F; /* not past U+10FFFF */
    } else
        return 0;
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

/* A string at the cursor: NUL-terminated in place (over its closing quote); NULL: not ours. */
static const char *string(struct cur *c)
{
    if (c->s >= c->end || *c->s != '"')
        return NULL;
    char *start = ++c->s;
    while (c->s < c->end) {
        unsigned char b = (unsigned char)*c->s;
        if (b == '"') {
            *c->s++ = '\0';
            return start;
        }
        if (b == '\\' || b < 0x20) /* escapes (and NUL) are jansson's */
            return NULL;
        if (b < 0x80) {
            c->s++;
            continue;
        }
        size_t n = utf8_len((const unsigned char *)c->s, (const unsigned char *)c->end);
        if (!n)
            return NULL;
        c->s += n;
    }
    return NULL;
}

/* After a member: ',' (true, *more) or '}' (true, !*more). */
static bool next_member(struct cur *c, bool *more)
{
    ws(c);
    if (c->s >= c->end)
        return false;
    if (*c->s == ',') {
        c->s++;
        ws(c);
        *more = true;
        return true;
    }
    if (*c->s == '}') {
        c->s++;
        *more = false;
        return true;
    }
    return false;
}

/* "key" ws ':' ws — the key's index in KEYS (N of them) once only (SEEN), or -1. */
static int member_key(struct cur *c, const char *const *keys, int n, unsigned *seen)
{
    const char *k = string(c);
    if (!k)
        return -1;
    ws(c);
    if (c->s >= c->end || *c->s != ':')
        return -1;
    c->s++;
    ws(c);
    for (int i = 0; i < n; i++) {
        if (strcmp(k, keys[i]) == 0) {
            if (*seen & (1u << i))
                return -1; /* a repeated key: jansson refuses it (JSON_REJECT_DUPLICATES) */
            *seen |= 1u << i;
            return i;
        }
    }
    return -1; /* unknown keys are jansson's (rs_json_event_in ignores them) */
}

static bool open_object(struct cur *c, bool *empty)
{
    if (c->s >= c->end || *c->s != '{')
        return false;
    c->s++;
    ws(c);
    *empty = c->s < c->end && *c->s == '}';
    if (*empty)
        c->s++;
    return true;
}

static bool location(struct cur *c, struct rs_location *l)
{
    static const char *const keys[] = {"postal_code", "city", "region", "country"};
    const char **dst[] = {&l->postal_code, &l->city, &l->region, &l->country};
    bool empty, more = true;
    unsigned seen = 0;
    if (!open_object(c, &empty))
        return false;
    if (empty)
        return true;
    while (more) {
        int k = member_key(c, keys, 4, &seen);
        if (k < 0 || !(*dst[k] = string(c)) || !next_member(c, &more))
            return false;
    }
    return true;
}

enum { K_CARRIER, K_TRACKING, K_OCCURRED, K_STATUS, K_SUBSTATUS, K_CODE, K_MESSAGE, K_ACTION, K_LOCATION };

static bool event(struct cur *c, struct rs_event_in *ev, struct rs_event_fast *raw)
{
    static const char *const keys[] = {"carrier", "tracking_number", "occurred_at", "status",   "substatus",
                                       "code",    "message",         "action_required", "location"};
    memset(ev, 0, sizeof *ev);
    memset(raw, 0, sizeof *raw);
    const char **dst[] = {&ev->carrier, &ev->tracking_number, &raw->occurred_at, &raw->status,
                          &raw->substatus, &ev->code, &ev->message};
    bool empty, more = true;
    unsigned seen = 0;
    if (!open_object(c, &empty))
        return false;
    if (empty)
        return true;
    while (more) {
        int k = member_key(c, keys, 9, &seen);
        if (k < 0)
            return false;
        if (k == K_ACTION) {
            size_t left = (size_t)(c->end - c->s);
            if (left >= 4 && memcmp(c->s, "true", 4) == 0) {
                ev->action_required = true;
                c->s += 4;
            } else if (left >= 5 && memcmp(c->s, "false", 5) == 0) {
                c->s += 5;
            } else {
                return false;
            }
        } else if (k == K_LOCATION) {
            if (!location(c, &ev->location))
                return false;
        } else if (!(*dst[k] = string(c))) {
            return false;
        }
        if (!next_member(c, &more))
            return false;
    }
    return true;
}

size_t rs_events_fast_parse(char *buf, size_t len, struct rs_event_in *out, struct rs_event_fast *raw, size_t cap,
                            bool *is_array)
{
    struct cur c = {buf, buf + len};
    size_t n = 0;
    ws(&c);
    if (c.s < c.end && *c.s == '{') {
        if (cap < 1 || !event(&c, &out[0], &raw[0]))
            return 0;
        n = 1;
        *is_array = false;
    } else if (c.s < c.end && *c.s == '[') {
        c.s++;
        ws(&c);
        for (;;) {
            if (n >= cap || !event(&c, &out[n], &raw[n])) /* an empty array too: jansson's answer */
                return 0;
            n++;
            ws(&c);
            if (c.s < c.end && *c.s == ',') {
                c.s++;
                ws(&c);
                continue;
            }
            if (c.s < c.end && *c.s == ']') {
                c.s++;
                break;
            }
            return 0;
        }
        *is_array = true;
    } else {
        return 0;
    }
    ws(&c);
    return c.s == c.end ? n : 0;
}

enum rs_err rs_events_fast_item(struct rs_event_in *out, const struct rs_event_fast *raw, struct rs_app_error *err)
{
    struct rs_jerr je = {0};
    out->occurred_at = rs_jtime_str(raw->occurred_at, "occurred_at", "", &out->offset_min, &je);
    return rs_event_in_finish(out, raw->status, raw->substatus, &je, err);
}
