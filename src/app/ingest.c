/* ingest.c — validation and the one write path (see ingest.h). */
#include "app/ingest.h"

#include "app/notify_enqueue.h"
#include "app/promise_apply.h"

#include "core/normalize.h"
#include "ingest/inbound.h"
#include "util/timefmt.h"
#include "util/email_addr.h"
#include "util/tz.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum rs_err fail(struct rs_app_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum rs_err fail(struct rs_app_error *err, const char *code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return RS_EINVAL;
}

const char *rs_put_result_name(enum rs_put_result r)
{
    switch (r) {
    case RS_PUT_CREATED:
        return "created";
    case RS_PUT_UPDATED:
        return "updated";
    case RS_PUT_STALE:
        return "stale";
    default:
        return "unchanged";
    }
}

static bool given(const char *s)
{
    return s && *s;
}

/* Printable text (valid as far as control characters go) of at most MAX bytes. */
static bool text_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
        if (*p < 0x20 && *p != '\t')
            return false;
    return n <= max;
}

static enum rs_err check_text(struct rs_app_error *err, const char *field, const char *v, size_t max)
{
    if (given(v) && !text_ok(v, max))
        return fail(err, "invalid_field", "%s must be printable text of at most %zu bytes", field, max);
    return RS_OK;
}

/* A country: two letters, upper-cased. An order's destination and a shipment's origin must also
 * be a country ISO 3166 assigns (ICU's list, through rs_country_alpha2): the destination picks
 * the lane, the calendar and the holidays of every promise, so "XX" or "UK" would silently give
 * a promise from no country's calendar. An event's location is only shown, and an event is not
 * refused for a carrier's odd code there. */
static enum rs_err norm_country(struct rs_app_error *err, const char *field, const char **v, char out[3], bool assigned)
{
    if (!given(*v))
        return RS_OK;
    const char *c = *v;
    if (strlen(c) != 2 || !isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1]))
        return fail(err, "invalid_field", "%s must be a two-letter ISO 3166 country code such as \"ES\"", field);
    out[0] = (char)toupper((unsigned char)c[0]);
    out[1] = (char)toupper((unsigned char)c[1]);
    out[2] = '\0';
    if (assigned && !rs_country_alpha2(out)) {
        if (strcmp(out, "UK") == 0)
            return fail(err, "invalid_field", "%s \"UK\" is not an ISO 3166 code: the United Kingdom is \"GB\"", field);
        return fail(err, "invalid_field", "%s \"%s\" is not an ISO 3166 country code (e.g. \"ES\", \"MX\", \"US\")",
                    field, out);
    }
    *v = out;
    return RS_OK;
}

static enum rs_err check_location(struct rs_app_error *err, const char *what, struct rs_location *l, char country[3],
                                  bool assigned)
{
    char f[48];
    enum rs_err e;
    snprintf(f, sizeof f, "%s.postal_code", what);
    if ((e = check_text(err, f, l->postal_code, 16)))
        return e;
    snprintf(f, sizeof f, "%s.city", what);
    if ((e = check_text(err, f, l->city, 128)))
        return e;
    snprintf(f, sizeof f, "%s.region", what);
    if ((e = check_text(err, f, l->region, 128)))
        return e;
    snprintf(f, sizeof f, "%s.country", what);
    return norm_country(err, f, &l->country, country, assigned);
}

/* An order_ref as given: printable, at most RS_MAX_REF_LEN bytes, and without a blank at either end.
 * "SOL-1 " would be an order of its own beside "SOL-1" (refs are compared exactly): refused,
 * saying what to send, rather than trimmed on the way in while a lookup of "SOL-1 " would still
 * find nothing. */
static enum rs_err check_order_ref(struct rs_app_error *err, const char *ref)
{
    if (!given(ref))
        return fail(err, "missing_field", "order_ref is required");
    enum rs_err e = check_text(err, "order_ref", ref, RS_MAX_REF_LEN);
    size_t n = strlen(ref);
    if (!e && (ref[0] == ' ' || ref[0] == '\t' || ref[n - 1] == ' ' || ref[n - 1] == '\t')) {
        size_t a = strspn(ref, " \t"), b = n;
        while (b > a && (ref[b - 1] == ' ' || ref[b - 1] == '\t'))
            b--;
        if (a == b)
            return fail(err, "invalid_field", "order_ref is only blanks: send the shop's order number, e.g. \"1042\"");
        return fail(err, "invalid_field",
                    "order_ref \"%.64s\" starts or ends with a blank: send it without (\"%.*s\"), as the shop shows it",
                    ref, (int)(b - a > 64 ? 64 : b - a), ref + a);
    }
    return e;
}

bool rs_app_order_ref_alt(const char *ref, char *out, size_t cap)
{
    if (!ref || !*ref)
        return false;
    int n;
    if (*ref == '#') {
        while (*ref == '#')
            ref++;
        n = *ref ? snprintf(out, cap, "%s", ref) : -1;
    } else {
        n = snprintf(out, cap, "#%s", ref);
    }
    return n > 0 && (size_t)n < cap;
}

bool rs_app_carrier_normalize(const char *v, char out[RS_MAX_CARRIER_LEN + 1])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        int c = tolower(*p);
        if (c == ' ' || c == '-')
            c = '_';
        if (!(isalnum(c) || c == '_') || n >= RS_MAX_CARRIER_LEN)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return true;
}

static enum rs_err norm_carrier(struct rs_app_error *err, const char **v, char out[RS_MAX_CARRIER_LEN + 1])
{
    if (!given(*v))
        return fail(err, "missing_field", "carrier is required (a slug such as \"correos\" or \"ups\")");
    if (!rs_app_carrier_normalize(*v, out))
        return fail(err, "invalid_field", RS_APP_CARRIER_RULE, RS_MAX_CARRIER_LEN);
    *v = out;
    return RS_OK;
}

static enum rs_err norm_tracking(struct rs_app_error *err, const char **v, char out[RS_MAX_TRACKING_LEN + 1])
{
    if (!given(*v))
        return fail(err, "missing_field", "tracking_number is required");
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)*v; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (!(isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '/') || n >= RS_MAX_TRACKING_LEN)
            return fail(err, "invalid_field",
                        "tracking_number must be at most %d letters, digits, '-', '_', '.' or '/'",
                        RS_MAX_TRACKING_LEN);
        out[n++] = (char)toupper(*p);
    }
    if (n == 0)
        return fail(err, "missing_field", "tracking_number is required");
    out[n] = '\0';
    *v = out;
    return RS_OK;
}

static enum rs_err norm_email(struct rs_app_error *err, const char **v, char out[256])
{
    if (!given(*v))
        return RS_OK;
    const char *s = *v;
    size_t n = strlen(s);
    if (strpbrk(s, " \t\r\n"))
        return fail(err, "invalid_field", "customer.email must not contain spaces");
    if (!rs_email_plausible_n(s, n))
        return fail(err, "invalid_field", "customer.email \"%.64s\" is not an e-mail address", s);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    *v = out;
    return RS_OK;
}

static enum rs_err norm_phone(struct rs_app_error *err, const char **v, char out[24])
{
    if (!given(*v))
        return RS_OK;
    const char *s = *v;
    size_t n = 0, digits = 0;
    if (*s != '+')
        return fail(err, "invalid_field",
                    "customer.phone must be in international E.164 form, e.g. \"+34600111222\"");
    out[n++] = '+';
    for (s++; *s; s++) {
        if (*s == ' ' || *s == '-' || *s == '(' || *s == ')' || *s == '.')
            continue;
        if (!isdigit((unsigned char)*s) || digits >= 15)
            return fail(err, "invalid_field",
                        "customer.phone must be + and 8 to 15 digits, e.g. \"+34600111222\"");
        out[n++] = *s;
        digits++;
    }
    if (digits < 8)
        return fail(err, "invalid_field", "customer.phone must be + and 8 to 15 digits, e.g. \"+34600111222\"");
    out[n] = '\0';
    *v = out;
    return RS_OK;
}

enum rs_err rs_app_order_prepare(struct rs_order_in *in, struct rs_prep_buf *buf, struct rs_app_error *err)
{
    enum rs_err e;
    if ((e = check_order_ref(err, in->order_ref)))
        return e;
    if (in->placed_at <= 0)
        return fail(err, "missing_field", "placed_at is required (RFC 3339 with offset, e.g. \"2025-11-24T10:00:00+01:00\")");
    struct rs_customer_in *c = &in->customer;
    if ((e = check_text(err, "customer.name", c->name, 200)) || (e = norm_email(err, &c->email, buf->email)) ||
        (e = norm_phone(err, &c->phone, buf->phone)))
        return e;
    if (given(c->locale)) {
        if (!rs_app_locale_ok(c->locale))
            return fail(err, "invalid_field",
                        "customer.locale must be \"es\" or \"en\" (a region may follow, e.g. \"es-MX\")");
    }
    if (given(c->preferred_channel)) {
        static const char *const ch[] = {"email", "sms", "whatsapp", "push", "webhook"};
        bool ok = false;
        for (size_t i = 0; i < sizeof ch / sizeof ch[0]; i++)
            ok |= strcmp(c->preferred_channel, ch[i]) == 0;
        if (!ok)
            return fail(err, "invalid_field",
                        "customer.preferred_channel must be one of email, sms, whatsapp, push, webhook");
    }
    if (given(c->timezone)) {
        int off;
        if (strlen(c->timezone) > 63 || rs_tz_offset(c->timezone, 0, &off) != RS_OK)
            return fail(err, "invalid_field",
                        "customer.timezone \"%.64s\" is not a known IANA time zone (e.g. \"America/Mexico_City\")",
                        c->timezone);
    } else {
        c->timezone = NULL;
    }
    if ((e = check_location(err, "destination", &in->destination, buf->country, true)))
        return e;
    if (in->n_items < 0 || in->n_items > RS_MAX_ITEMS)
        return fail(err, "invalid_field", "items may hold at most %d entries", RS_MAX_ITEMS);
    for (int i = 0; i < in->n_items; i++) {
        if ((e = check_text(err, "items[].sku", in->items[i].sku, 128)) ||
            (e = check_text(err, "items[].name", in->items[i].name, 300)))
            return e;
        if (in->items[i].quantity < 1 || in->items[i].quantity > 100000)
            return fail(err, "invalid_field", "items[%d].quantity must be a whole number from 1 to 100000", i);
    }
    if (in->base_status != RS_ORDER_PLACED && in->base_status != RS_ORDER_PROCESSING &&
        in->base_status != RS_ORDER_CANCELLED)
        return fail(err, "invalid_field", "status of a new order may only be placed, processing or cancelled");
    return RS_OK;
}

/* The carrier's estimate: real calendar days, the first not after the last, within a year of
 * each other (a typo of the year, not a slow parcel); one day given is both. */
static enum rs_err check_eta(struct rs_app_error *err, struct rs_eta_in *eta)
{
    if (!given(eta->from) && !given(eta->to)) {
        eta->from = eta->to = NULL;
        return RS_OK;
    }
    if (!given(eta->from))
        eta->from = eta->to;
    if (!given(eta->to))
        eta->to = eta->from;
    int64_t a, b;
    if (rs_date_parse(eta->from, &a) != RS_OK || rs_date_parse(eta->to, &b) != RS_OK)
        return fail(err, "invalid_field",
                    "carrier_estimate.from and .to must be days, \"YYYY-MM-DD\" (e.g. \"2026-12-15\")");
    if (b < a)
        return fail(err, "invalid_field", "carrier_estimate.to (%.10s) is before carrier_estimate.from (%.10s)",
                    eta->to, eta->from);
    if (b - a > 366)
        return fail(err, "invalid_field", "carrier_estimate spans more than a year (%.10s to %.10s)", eta->from,
                    eta->to);
    return RS_OK;
}

/* An estimate ending more than a year after NOW: a typo of the year (2027 for 2026), which
 * would move the promise a year on and tell the customer so. */
static bool eta_too_far(const struct rs_eta_in *eta, int64_t now)
{
    int64_t to;
    return eta->to && rs_date_parse(eta->to, &to) == RS_OK && to > now / 86400 + 366;
}

enum rs_err rs_app_shipment_eta(struct rs_store *s, int64_t shipment_id, const struct rs_eta_in *eta, int64_t now,
                                bool *changed)
{
    bool ch = false;
    enum rs_err e = RS_OK;
    if (eta->from && eta->to && !eta_too_far(eta, now) &&
        !(e = rs_store_shipment_eta_set(s, shipment_id, eta->from, eta->to, eta->as_of > 0 ? eta->as_of : now,
                                        &ch)) &&
        ch)
        e = rs_app_promise_on_carrier_eta(s, shipment_id, now);
    if (changed)
        *changed = ch;
    return e;
}

enum rs_err rs_app_shipment_prepare(struct rs_shipment_in *in, struct rs_prep_buf *buf, struct rs_app_error *err)
{
    enum rs_err e;
    if ((e = check_order_ref(err, in->order_ref)) ||
        (e = norm_carrier(err, &in->carrier, buf->carrier)) ||
        (e = norm_tracking(err, &in->tracking_number, buf->tracking)) ||
        (e = check_text(err, "service", in->service, 64)))
        return e;
    if ((e = check_eta(err, &in->eta)))
        return e;
    return check_location(err, "origin", &in->origin, buf->country, true);
}

/* A pickup point: a name or an address to go to (a deadline alone says nowhere), short text,
 * and the last day as a real calendar date. Empty strings count as not given. */
static enum rs_err check_pickup(struct rs_app_error *err, struct rs_pickup_in *p)
{
    enum rs_err e;
    if ((e = check_text(err, "pickup.name", p->name, RS_MAX_PICKUP_LEN)) ||
        (e = check_text(err, "pickup.address", p->address, RS_MAX_PICKUP_LEN)))
        return e;
    int64_t day;
    if (given(p->deadline) && rs_date_parse(p->deadline, &day) != RS_OK)
        return fail(err, "invalid_field",
                    "pickup.deadline must be the last day the point keeps the parcel, \"YYYY-MM-DD\" "
                    "(e.g. \"2026-12-15\")");
    if (given(p->deadline) && !given(p->name) && !given(p->address))
        return fail(err, "invalid_field", "pickup needs a name or an address (where the customer collects it)");
    p->name = given(p->name) ? p->name : NULL;
    p->address = given(p->address) ? p->address : NULL;
    p->deadline = given(p->deadline) ? p->deadline : NULL;
    return RS_OK;
}

bool rs_app_locale_ok(const char *l)
{
    return l && (strncmp(l, "es", 2) == 0 || strncmp(l, "en", 2) == 0) &&
           (l[2] == '\0' || ((l[2] == '-' || l[2] == '_') && strlen(l) <= 8));
}

enum rs_err rs_app_event_prepare(struct rs_event_in *in, struct rs_prep_buf *buf, struct rs_app_error *err)
{
    enum rs_err e;
    if ((e = norm_carrier(err, &in->carrier, buf->carrier)) ||
        (e = norm_tracking(err, &in->tracking_number, buf->tracking)) ||
        (e = check_text(err, "code", in->code, 64)) || (e = check_text(err, "message", in->message, RS_MAX_TEXT_LEN)))
        return e;
    if (in->occurred_at <= 0)
        return fail(err, "missing_field",
                    "occurred_at is required (RFC 3339 with offset, e.g. \"2025-11-24T10:00:00+01:00\")");
    if (in->status == RS_STATUS_NONE && given(in->code))
        in->status = rs_status_parse(in->code);
    /* Carrier free text: classify it with the rules of data/normalize-rules.tsv. Only a real
     * match counts; a guess is not good enough to move a customer's parcel. */
    const char *texts[2] = {in->message, in->code};
    for (int i = 0; i < 2 && in->status == RS_STATUS_NONE; i++) {
        struct rs_norm_result nr;
        if (given(texts[i]) && rs_normalize_text(NULL, texts[i], NULL, in->carrier, &nr) &&
            nr.status != RS_STATUS_NONE) {
            in->status = nr.status;
            if (in->substatus == RS_SUB_NONE)
                in->substatus = nr.substatus;
            in->action_required |= nr.action_required;
        }
    }
    if (in->status == RS_STATUS_NONE)
        return fail(err, "unknown_status",
                    given(in->code) || given(in->message)
                        ? "could not tell the canonical status from code/message; send \"status\" (see docs/statuses.md)"
                        : "status is required: one of the canonical statuses in docs/statuses.md, or a code/message");
    if (!rs_substatus_fits(in->status, in->substatus))
        return fail(err, "invalid_field", "substatus \"%s\" does not refine status \"%s\"",
                    rs_substatus_name(in->substatus), rs_status_name(in->status));
    if ((e = check_pickup(err, &in->pickup)))
        return e;
    return check_location(err, "location", &in->location, buf->country, false);
}

/* ---- the write path ---- */

/* Hashes of the write path. Their input is a few short fields, so they are gathered in a
 * buffer on the stack and hashed in one EVP_Digest call with a digest fetched once: creating,
 * initialising and freeing an EVP_MD_CTX (with OpenSSL 3's implicit fetch) cost more than the
 * SHA-256 itself. Longer input spills into a context and goes on there. */
struct hbuf {
    EVP_MD_CTX *ctx; /* NULL until the buffer overflows once */
    bool failed;
    size_t n;
    unsigned char buf[1024];
};

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); /* kept for the life of the process */
}

static void hash_bytes(struct hbuf *h, const void *p, size_t len)
{
    if (h->n + len > sizeof h->buf) {
        if (!h->ctx) {
            h->ctx = EVP_MD_CTX_new();
            if (!h->ctx || !EVP_DigestInit_ex(h->ctx, sha256_md, NULL))
                h->failed = true;
        }
        if (!h->failed && !(EVP_DigestUpdate(h->ctx, h->buf, h->n) && EVP_DigestUpdate(h->ctx, p, len)))
            h->failed = true;
        h->n = 0;
        return;
    }
    memcpy(h->buf + h->n, p, len);
    h->n += len;
}

static void hash_add(struct hbuf *h, const char *s)
{
    if (s)
        hash_bytes(h, s, strlen(s));
    hash_bytes(h, "\x1f", 1);
}

static void hash_add_int(struct hbuf *h, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld\x1f", (long long)v);
    hash_bytes(h, buf, (size_t)n);
}

static enum rs_err hash_start(struct hbuf *h)
{
    pthread_once(&sha256_once, sha256_fetch);
    h->ctx = NULL;
    h->failed = !sha256_md;
    h->n = 0;
    return h->failed ? RS_ENOMEM : RS_OK;
}

static enum rs_err hash_end(struct hbuf *h, unsigned char out[32])
{
    unsigned len = 32;
    if (!h->ctx) {
        if (!h->failed && !EVP_Digest(h->buf, h->n, out, &len, sha256_md, NULL))
            h->failed = true;
    } else {
        if (!h->failed && !(EVP_DigestUpdate(h->ctx, h->buf, h->n) && EVP_DigestFinal_ex(h->ctx, out, &len)))
            h->failed = true;
        EVP_MD_CTX_free(h->ctx);
    }
    return h->failed ? RS_ENOMEM : RS_OK;
}

static enum rs_err order_hash(const struct rs_order_in *in, unsigned char out[32])
{
    struct hbuf hb, *h = &hb;
    if (hash_start(h))
        return RS_ENOMEM;
    hash_add(h, in->order_ref);
    hash_add_int(h, in->placed_at);
    hash_add_int(h, in->placed_offset_min);
    hash_add(h, in->customer.name);
    hash_add(h, in->customer.email);
    hash_add(h, in->customer.phone);
    hash_add(h, in->customer.locale);
    hash_add(h, in->customer.preferred_channel);
    if (in->customer.timezone) /* only when given: orders stored before it keep their hash */
        hash_add(h, in->customer.timezone);
    hash_add(h, in->destination.postal_code);
    hash_add(h, in->destination.city);
    hash_add(h, in->destination.region);
    hash_add(h, in->destination.country);
    hash_add_int(h, in->base_status);
    for (int i = 0; i < in->n_items; i++) {
        hash_add(h, in->items[i].sku);
        hash_add(h, in->items[i].name);
        hash_add_int(h, in->items[i].quantity);
    }
    return hash_end(h, out);
}

static enum rs_err event_dedup_key(const struct rs_event_in *ev, unsigned char out[16])
{
    struct hbuf hb, *h = &hb;
    if (hash_start(h))
        return RS_ENOMEM;
    hash_add_int(h, ev->occurred_at);
    hash_add(h, rs_status_name(ev->status));
    hash_add(h, rs_substatus_name(ev->substatus));
    hash_add(h, ev->code);
    hash_add(h, ev->message);
    hash_add(h, ev->location.city);
    hash_add(h, ev->location.region);
    hash_add(h, ev->location.country);
    unsigned char full[32];
    enum rs_err e = hash_end(h, full);
    if (!e)
        memcpy(out, full, 16);
    return e;
}

/* Re-derive the order's status from its shipments; write it when it changed. */
static enum rs_err refresh_order_status(struct rs_store *s, int64_t order_id, int64_t now)
{
    enum rs_status st[64];
    enum rs_order_status base = RS_ORDER_PLACED, current = RS_ORDER_PLACED;
    int n = 0;
    enum rs_err e = rs_store_order_shipment_statuses(s, order_id, &base, &current, st, 64, &n);
    if (e)
        return e;
    enum rs_order_status next = rs_order_status_derive(base, st, n);
    if (next == current)
        return RS_OK;
    return rs_store_order_set_status(s, order_id, next, now);
}

enum rs_err rs_app_order_put(struct rs_store *s, int64_t merchant_id, const struct rs_order_in *in, int64_t now,
                             enum rs_put_result *res, char code[RS_TRACKCODE_LEN], struct rs_app_error *err)
{
    unsigned char hash[32];
    struct rs_order_key key;
    enum rs_err e = order_hash(in, hash);
    if (e)
        return e;
    e = rs_store_order_find(s, merchant_id, in->order_ref, &key);
    if (e == RS_OK) {
        snprintf(code, RS_TRACKCODE_LEN, "%s", key.tracking_code);
        if (in->source_updated_at > 0 && in->source_updated_at < key.source_updated_at) {
            *res = RS_PUT_STALE; /* a newer update of the source was applied already */
            return RS_OK;
        }
        if (memcmp(hash, key.input_hash, 32) == 0) {
            *res = RS_PUT_UNCHANGED;
            /* remember the time all the same, or an update between the two could win later */
            return in->source_updated_at > key.source_updated_at
                       ? rs_store_order_source_seen(s, key.id, in->source_updated_at)
                       : RS_OK;
        }
        if ((e = rs_store_order_update(s, merchant_id, key.id, in, hash, now)) ||
            (e = refresh_order_status(s, key.id, now)) ||
            (e = rs_app_promise_on_order_update(s, key.id, now)))
            return e;
        *res = RS_PUT_UPDATED;
        return RS_OK;
    }
    if (e != RS_ENOTFOUND)
        return e;
    /* A fresh code from the CSPRNG; a collision of 60-bit codes is astronomically rare, but
     * the unique index is the arbiter, so draw again when it says so. */
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t bits = 0;
        if (RAND_bytes((unsigned char *)&bits, sizeof bits) != 1)
            return RS_EINTERNAL;
        rs_trackcode_format(bits, code);
        int64_t id;
        e = rs_store_order_insert(s, merchant_id, in, code, hash, now, &id);
        if (e == RS_OK) {
            *res = RS_PUT_CREATED;
            /* notifications are planned in this same transaction (app/notify_enqueue.h) */
            return in->base_status == RS_ORDER_CANCELLED ? RS_OK
                                                         : rs_app_notify_order_placed(s, merchant_id, id, now);
        }
        if (e != RS_ECONFLICT)
            return e;
    }
    fail(err, "internal", "could not draw a unique tracking code");
    return RS_EINTERNAL;
}

/* Cancel (AT > 0) or reinstate (0) shipment SH, then re-derive its order's status. */
static enum rs_err shipment_set_cancelled(struct rs_store *s, const struct rs_shipment_key *sh, int64_t at,
                                          int64_t now)
{
    enum rs_err e;
    if ((e = rs_store_shipment_set_cancelled(s, sh->id, at, now)) || (e = refresh_order_status(s, sh->order_id, now)))
        return e;
    return at ? RS_OK : rs_app_promise_on_update(s, sh->id, now);
}

/* The merchant's own input (API, CSV), as opposed to a shop's or an aggregator's webhook. */
static bool merchant_input(const char *source)
{
    return !source || !strcmp(source, "api") || !strcmp(source, "csv");
}

enum rs_err rs_app_shipment_cancel(struct rs_store *s, int64_t merchant_id, const char *carrier,
                                   const char *tracking_number, int64_t now, enum rs_put_result *res,
                                   struct rs_app_error *err)
{
    struct rs_shipment_key sh;
    enum rs_err e = rs_store_shipment_find(s, merchant_id, carrier, tracking_number, &sh);
    if (e == RS_ENOTFOUND) {
        fail(err, "shipment_not_found", "no shipment %.32s %.64s for this merchant", carrier, tracking_number);
        return RS_ENOTFOUND;
    }
    if (e)
        return e;
    *res = sh.cancelled_at ? RS_PUT_UNCHANGED : RS_PUT_UPDATED;
    return sh.cancelled_at ? RS_OK : shipment_set_cancelled(s, &sh, now, now);
}

enum rs_err rs_app_shipment_put(struct rs_store *s, int64_t merchant_id, const struct rs_shipment_in *in,
                                int64_t now, enum rs_put_result *res, struct rs_app_error *err)
{
    if (in->cancelled) {
        enum rs_err e = rs_app_shipment_cancel(s, merchant_id, in->carrier, in->tracking_number, now, res, err);
        if (e != RS_ENOTFOUND)
            return e;
        /* never seen (the cancellation came first: shops deliver out of order): created
         * cancelled, so the older delivery that creates it, arriving later, cannot bring it back;
         * unknown_order when its order is not there yet either (the delivery waits for it) */
        struct rs_shipment_in live = *in;
        live.cancelled = false;
        if ((e = rs_app_shipment_put(s, merchant_id, &live, now, res, err)))
            return e;
        enum rs_put_result cancelled;
        return rs_app_shipment_cancel(s, merchant_id, in->carrier, in->tracking_number, now, &cancelled, err);
    }
    if (eta_too_far(&in->eta, now))
        return fail(err, "invalid_field",
                    "carrier_estimate.to (%.10s) is more than a year from today: check the year", in->eta.to);
    struct rs_order_key order;
    enum rs_err e = rs_store_order_find(s, merchant_id, in->order_ref, &order);
    if (e == RS_ENOTFOUND)
        return fail(err, "unknown_order", "no order \"%.128s\": create it with POST /v1/orders first", in->order_ref);
    if (e)
        return e;
    struct rs_shipment_key sh;
    e = rs_store_shipment_find(s, merchant_id, in->carrier, in->tracking_number, &sh);
    if (e == RS_OK) {
        if (sh.order_id != order.id) {
            fail(err, "tracking_number_in_use", "%s %s already belongs to another order", in->carrier,
                 in->tracking_number);
            return RS_ECONFLICT;
        }
        if (in->source_updated_at && sh.source_updated_at > in->source_updated_at) {
            /* an older state from the source than the one applied (a late delivery): it neither
             * brings a cancelled shipment back nor changes it */
            *res = RS_PUT_UNCHANGED;
            return RS_OK;
        }
        bool reinstate = sh.cancelled_at && merchant_input(in->source);
        bool any = given(in->service) || given(in->origin.postal_code) || given(in->origin.city) ||
                   given(in->origin.region) || given(in->origin.country) || given(in->fulfillment_id) ||
                   in->source_updated_at > sh.source_updated_at;
        if (reinstate && (e = shipment_set_cancelled(s, &sh, 0, now)))
            return e;
        bool eta_changed = false;
        if (!sh.cancelled_at && (e = rs_app_shipment_eta(s, sh.id, &in->eta, now, &eta_changed)))
            return e;
        if (!any) {
            *res = reinstate || eta_changed ? RS_PUT_UPDATED : RS_PUT_UNCHANGED;
            return RS_OK;
        }
        bool changed = false;
        if (sh.cancelled_at && !reinstate) { /* kept as history: no promise for it */
            if ((e = rs_store_shipment_update(s, sh.id, in, now, &changed)))
                return e;
            *res = RS_PUT_UNCHANGED;
            return RS_OK;
        }
        if ((e = rs_store_shipment_update(s, sh.id, in, now, &changed)) ||
            (changed && (e = rs_app_promise_on_update(s, sh.id, now))))
            return e;
        /* the same fields sent again (a shop re-sends the whole order) change nothing */
        *res = changed || reinstate || eta_changed ? RS_PUT_UPDATED : RS_PUT_UNCHANGED;
        return RS_OK;
    }
    if (e != RS_ENOTFOUND)
        return e;
    int64_t id;
    /* the estimate first: the first promise already counts it */
    if ((e = rs_store_shipment_insert(s, merchant_id, order.id, in, now, &id)) ||
        (e = refresh_order_status(s, order.id, now)) ||
        (in->eta.from && (e = rs_store_shipment_eta_set(s, id, in->eta.from, in->eta.to,
                                                        in->eta.as_of > 0 ? in->eta.as_of : now, &(bool){false}))) ||
        (e = rs_app_promise_on_shipment(s, id, now)))
        return e;
    *res = RS_PUT_CREATED;
    return RS_OK;
}

#define RS_MAX_EVENTS_PER_SHIPMENT 2000

enum rs_err rs_app_event_precompute(const struct rs_event_in *ev, struct rs_event_pre *pre)
{
    return event_dedup_key(ev, pre->dedup_key);
}

struct rs_ship_cache_slot {
    const char *carrier, *tracking; /* NULL: empty */
    struct rs_shipment_key key;
};

void rs_ship_cache_init(struct rs_ship_cache *c, size_t n_events)
{
    size_t n = 16;
    while (n < 2 * n_events && n < 4096)
        n *= 2;
    c->slots = calloc(n, sizeof *c->slots);
    c->mask = n - 1;
}

void rs_ship_cache_free(struct rs_ship_cache *c)
{
    free(c->slots);
    c->slots = NULL;
}

static struct rs_ship_cache_slot *ship_slot(struct rs_ship_cache *c, const struct rs_event_in *ev)
{
    if (!c || !c->slots)
        return NULL;
    uint64_t h = 1469598103934665603ull; /* FNV-1a over carrier, NUL, tracking number */
    for (const char *p = ev->carrier; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h *= 1099511628211ull;
    for (const char *p = ev->tracking_number; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return &c->slots[h & c->mask];
}

enum rs_err rs_app_event_record(struct rs_store *s, int64_t merchant_id, const struct rs_event_in *ev, int64_t now,
                                struct rs_app_error *err)
{
    return rs_app_event_record_pre(s, merchant_id, ev, NULL, NULL, now, err);
}

enum rs_err rs_app_event_record_pre(struct rs_store *s, int64_t merchant_id, const struct rs_event_in *ev,
                                    const struct rs_event_pre *pre, struct rs_ship_cache *cache, int64_t now,
                                    struct rs_app_error *err)
{
    struct rs_shipment_key sh;
    enum rs_err e;
    struct rs_ship_cache_slot *slot = ship_slot(cache, ev);
    if (slot && slot->carrier && strcmp(slot->carrier, ev->carrier) == 0 &&
        strcmp(slot->tracking, ev->tracking_number) == 0) {
        sh = slot->key; /* this job saved it: what the row holds now */
    } else {
        e = rs_store_shipment_find(s, merchant_id, ev->carrier, ev->tracking_number, &sh);
        if (e == RS_ENOTFOUND)
            return fail(err, "unknown_shipment",
                        "no shipment %s %s: attach it to its order with POST /v1/shipments first", ev->carrier,
                        ev->tracking_number);
        if (e)
            return e;
    }
    if (sh.n_events >= RS_MAX_EVENTS_PER_SHIPMENT)
        return fail(err, "too_many_events", "shipment %s %s already has %d events", ev->carrier,
                    ev->tracking_number, sh.n_events);
    struct rs_event_pre own;
    if (!pre) {
        if ((e = rs_app_event_precompute(ev, &own)))
            return e;
        pre = &own;
    }
    e = rs_store_event_insert(s, merchant_id, sh.id, sh.customer_erased, ev, pre->dedup_key, now);
    if (e)
        return e; /* RS_EDUPLICATE included: nothing changed */

    struct rs_track_event tev = {
        .occurred_at = ev->occurred_at,
        .status = ev->status,
        .substatus = ev->substatus,
        .action_required = ev->action_required,
    };
    struct rs_track_state before = sh.state;
    if (rs_track_needs_replay(&sh.state, &tev)) {
        static __thread struct rs_track_event all[RS_MAX_EVENTS_PER_SHIPMENT + 1];
        int n = 0;
        if ((e = rs_store_event_track_list(s, sh.id, all, RS_MAX_EVENTS_PER_SHIPMENT + 1, &n)))
            return e;
        rs_track_replay(&sh.state, all, n);
    } else {
        rs_track_apply(&sh.state, &tev);
    }
    if ((e = rs_store_shipment_save_state(s, sh.id, &sh.state, sh.n_events + 1, now)))
        return e;
    if (sh.cancelled_at) { /* history only (see ingest.h) */
        if (slot) {
            sh.n_events++;
            *slot = (struct rs_ship_cache_slot){.carrier = ev->carrier, .tracking = ev->tracking_number, .key = sh};
        }
        return RS_OK;
    }
    if ((e = rs_app_promise_on_event(s, sh.id, before.status, now)) ||
        (e = rs_app_notify_shipment_change(s, merchant_id, sh.order_id, sh.id, &before, &sh.state, now)))
        return e;
    if (before.status != sh.state.status && (e = refresh_order_status(s, sh.order_id, now)))
        return e;
    if (slot) { /* the row now holds this state and count */
        sh.n_events++;
        *slot = (struct rs_ship_cache_slot){.carrier = ev->carrier, .tracking = ev->tracking_number, .key = sh};
    }
    return RS_OK;
}
