/* hooks.c — one inbound delivery through the write path and into the inbound log (hooks.h). */
#include "app/hooks.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ingest.h"
#include "ingest/hook_generic.h"

#include <openssl/rand.h>
#include <strings.h>

/* "email" is the inbound e-mail channel (rastro mail-in → POST /hooks/email/{token}, http/api_channels.c):
 * configured like the webhooks (secret, hook id), never parsed by an adapter here. */
static const char *const providers[] = {"easypost", "shippo", "aftership", "17track", "shopify",
                                        "woocommerce", "generic", "email"};

bool rs_hook_provider_known(const char *name)
{
    for (size_t i = 0; name && i < sizeof providers / sizeof providers[0]; i++)
        if (strcmp(name, providers[i]) == 0)
            return true;
    return false;
}

const char *rs_carrier_confident(const char *tracking_number, struct rs_carrier_guess g[5], int *n)
{
    *n = rs_carrier_detect(tracking_number, g, 5);
    if (*n == 0 || !g[0].check_digit_ok || g[0].confidence < 70)
        return NULL;
    if (*n > 1 && g[1].confidence > g[0].confidence - 20)
        return NULL;
    return g[0].carrier;
}

enum rs_err rs_app_hook_parse(const char *provider, const char *body, size_t len, const char *topic,
                              const char *mapping, struct rs_inbound *out, char *err, size_t errcap)
{
    rs_inbound_init(out);
    if (!strcmp(provider, "easypost"))
        return rs_hook_easypost_parse(body, len, topic, out, err, errcap);
    if (!strcmp(provider, "shippo"))
        return rs_hook_shippo_parse(body, len, topic, out, err, errcap);
    if (!strcmp(provider, "aftership"))
        return rs_hook_aftership_parse(body, len, topic, out, err, errcap);
    if (!strcmp(provider, "17track"))
        return rs_hook_17track_parse(body, len, topic, out, err, errcap);
    if (!strcmp(provider, "shopify"))
        return rs_hook_shopify_parse(body, len, topic, out, err, errcap);
    if (!strcmp(provider, "woocommerce"))
        return rs_hook_woocommerce_parse(body, len, topic, out, err, errcap);
    if (!strcmp(provider, "generic")) {
        json_t *m = mapping && *mapping ? json_loads(mapping, 0, NULL) : NULL;
        enum rs_err e = rs_hook_generic_parse(body, len, m, out, err, errcap);
        json_decref(m);
        return e;
    }
    snprintf(err, errcap, "unknown provider \"%.32s\"", provider);
    return RS_EINVAL;
}

static enum rs_err bad(struct rs_app_error *err, const char *code, const char *msg)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return RS_EINVAL;
}

enum rs_err rs_app_integration_put(struct rs_store *s, int64_t merchant_id, const char *provider,
                                   const char *secret, const json_t *mapping, const json_t *options, int64_t now,
                                   char hook_id[RS_HOOK_ID_LEN], bool *created, struct rs_app_error *err)
{
    if (!rs_hook_provider_known(provider))
        return bad(err, "unknown_provider",
                   "provider must be one of easypost, shippo, aftership, 17track, shopify, woocommerce, generic, "
                   "email");
    size_t n = secret ? strlen(secret) : 0;
    if (n < 8 || n >= RS_SECRET_MAX)
        return bad(err, "invalid_secret", "secret must have 8 to 255 characters (the provider's webhook secret)");
    for (const unsigned char *p = (const unsigned char *)secret; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return bad(err, "invalid_secret", "secret must be printable text");
    char *mtxt = NULL, *otxt = NULL;
    if (mapping) {
        if (strcmp(provider, "generic") != 0)
            return bad(err, "invalid_field", "mapping is only for the generic webhook");
        char msg[300];
        if (rs_hook_generic_mapping_check(mapping, msg, sizeof msg) != RS_OK)
            return bad(err, "invalid_mapping", msg);
        mtxt = json_dumps(mapping, JSON_COMPACT | JSON_SORT_KEYS);
        if (!mtxt)
            return RS_ENOMEM;
        if (strlen(mtxt) >= RS_MAPPING_MAX) {
            free(mtxt);
            return bad(err, "invalid_mapping", "mapping is too large (8 KB at most)");
        }
    } else if (!strcmp(provider, "generic")) {
        struct rs_integration cur;
        enum rs_err e = rs_store_integration_get(s, merchant_id, provider, now, &cur);
        if (e == RS_ENOTFOUND || (e == RS_OK && !cur.mapping[0]))
            return bad(err, "missing_field", "mapping is required for the generic webhook (docs/api/webhooks.md)");
        if (e)
            return e;
    }
    if (options) {
        const char *k;
        json_t *v;
        bool ok = json_is_object(options);
        json_object_foreach((json_t *)options, k, v) {
            ok &= strcmp(k, "signature_max_age_s") == 0 && json_is_integer(v) && json_integer_value(v) >= 0 &&
                  json_integer_value(v) <= 86400;
        }
        if (!ok) {
            free(mtxt);
            return bad(err, "invalid_field", "options may only hold signature_max_age_s (0 to 86400 seconds)");
        }
        otxt = json_dumps(options, JSON_COMPACT | JSON_SORT_KEYS);
    }
    unsigned char rnd[16];
    char fresh[RS_HOOK_ID_LEN];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        free(mtxt);
        free(otxt);
        return RS_EINTERNAL;
    }
    for (int i = 0; i < 16; i++)
        snprintf(fresh + 2 * i, 3, "%02x", rnd[i]);
    enum rs_err e = rs_store_integration_put(s, merchant_id, provider, secret, mtxt, otxt, fresh,
                                             RS_SECRET_ROTATE_S, now, hook_id, created);
    free(mtxt);
    free(otxt);
    return e;
}

/* ---- the job ---- */

#define MAX_REASONS 20
#define MAX_RESOLVED 64

struct resolved {
    const char *tracking_number, *given; /* given may be NULL */
    char carrier[RS_MAX_CARRIER_LEN + 1];
    bool ok;
    struct rs_app_error err;
};

struct job {
    struct rs_store *s;
    struct rs_hook_delivery *d;
    json_t *rejections, *suggestions, *notes;
    json_t *created; /* refs of the orders this delivery created */
    int n_rejected_total;
    struct resolved res[MAX_RESOLVED];
    int n_res;
};

/* *OUT: REF, or its other spelling (rs_app_order_ref_alt, into ALT) when only that one names an
 * order of the merchant: an aggregator's "2087" is the shop's "#2087", an API caller's "2087" the
 * order a shop's fulfillment calls "#2087". An exact match always wins. */
static enum rs_err order_spelling(struct rs_store *s, int64_t merchant_id, const char *ref, char *alt, size_t cap,
                                  const char **out)
{
    *out = ref;
    struct rs_order_key k;
    enum rs_err e = rs_store_order_find(s, merchant_id, ref, &k);
    if (e != RS_ENOTFOUND || !rs_app_order_ref_alt(ref, alt, cap))
        return e == RS_ENOTFOUND ? RS_OK : e;
    if ((e = rs_store_order_find(s, merchant_id, alt, &k)) == RS_OK)
        *out = alt;
    return e == RS_ENOTFOUND ? RS_OK : e;
}

/* ORDER_REF: the order an "unknown_order" rejection waits for (the automatic replay finds the
 * delivery by it, rs_app_hook_replay_waiting), else NULL. */
static void reject(struct job *j, const char *what, int index, const struct rs_app_error *err, const char *order_ref)
{
    j->n_rejected_total++;
    if (json_array_size(j->rejections) >= MAX_REASONS)
        return;
    json_t *o = json_object();
    json_object_set_new(o, "record", json_string(what));
    json_object_set_new(o, "index", json_integer(index));
    json_object_set_new(o, "code", json_string(err->code ? err->code : "invalid"));
    json_object_set_new(o, "message", json_string(err->message));
    if (order_ref && *order_ref)
        json_object_set_new(o, "order_ref", json_string(order_ref));
    json_array_append_new(j->rejections, o);
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The carrier to use for (TN, GIVEN), resolved once per delivery. See hooks.h. */
static enum rs_err resolve(struct job *j, const char *tn, const char *given, struct resolved **out)
{
    for (int i = 0; i < j->n_res; i++)
        if (same(j->res[i].tracking_number, tn) && (j->res[i].given == given || same(j->res[i].given, given))) {
            *out = &j->res[i];
            return RS_OK;
        }
    static __thread struct resolved spare;
    struct resolved *r = j->n_res < MAX_RESOLVED ? &j->res[j->n_res++] : &spare;
    memset(r, 0, sizeof *r);
    r->tracking_number = tn;
    r->given = given;
    *out = r;
    int64_t mid = j->d->merchant_id;
    enum rs_err e;
    /* "Other" and the like name no company: the number's format may, else it stays "other" */
    bool no_company = same(given, RS_CARRIER_OTHER);
    if (no_company)
        given = NULL;
    if (given) {
        struct rs_shipment_key k;
        e = rs_store_shipment_find(j->s, mid, given, tn, &k);
        if (e == RS_OK) {
            snprintf(r->carrier, sizeof r->carrier, "%s", given);
            r->ok = true;
            return RS_OK;
        }
        if (e != RS_ENOTFOUND)
            return e;
    }
    char known[4][RS_MAX_CARRIER_LEN + 1];
    int nk = 0;
    if ((e = rs_store_shipment_carriers(j->s, mid, tn, known, 4, &nk)))
        return e;
    if (nk == 1) {
        /* the merchant already stated this number's carrier: it wins */
        snprintf(r->carrier, sizeof r->carrier, "%s", known[0]);
        r->ok = true;
        return RS_OK;
    }
    if (given) {
        snprintf(r->carrier, sizeof r->carrier, "%s", given);
        r->ok = true;
        return RS_OK;
    }
    struct rs_carrier_guess g[5];
    int ng = 0;
    const char *best = rs_carrier_confident(tn, g, &ng);
    json_t *cands = json_array();
    for (int i = 0; i < ng; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "carrier", json_string(g[i].carrier));
        json_object_set_new(c, "confidence", json_integer(g[i].confidence));
        json_object_set_new(c, "check_digit_ok", json_boolean(g[i].check_digit_ok));
        json_array_append_new(cands, c);
    }
    if (best) {
        snprintf(r->carrier, sizeof r->carrier, "%s", best);
        r->ok = true;
        json_t *sg = json_object();
        json_object_set_new(sg, "tracking_number", json_string(tn));
        json_object_set_new(sg, "carrier", json_string(best));
        json_object_set_new(sg, "candidates", cands);
        json_array_append_new(j->suggestions, sg);
        return RS_OK;
    }
    if (no_company) {
        json_decref(cands);
        snprintf(r->carrier, sizeof r->carrier, "%s", RS_CARRIER_OTHER);
        r->ok = true;
        char note[300];
        snprintf(note, sizeof note,
                 "%.64s: the source names no carrier company (\"Other\") and the number's format is not "
                 "conclusive: kept under carrier \"%s\", which the tracking page and messages do not name",
                 tn, RS_CARRIER_OTHER);
        json_array_append_new(j->notes, json_string(note));
        return RS_OK;
    }
    char list[200] = "";
    size_t used = 0;
    for (int i = 0; i < ng && used < sizeof list - 40; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s (%d)", i ? ", " : "", g[i].carrier,
                                 g[i].confidence);
    json_decref(cands);
    r->err.code = "carrier_unknown";
    snprintf(r->err.message, sizeof r->err.message,
             "no carrier was given for %s and its format is not conclusive%s%s; set the carrier at the "
             "source (Shopify: tracking company) or create the shipment with POST /v1/shipments",
             tn, ng ? "; candidates: " : "", list);
    return RS_OK;
}

/* A shop's customer contact that Rastro cannot use (a Catalan locale, a phone without its
 * country code) must not cost the merchant the whole order: drop that one field, say so in the
 * delivery's notes, and keep the order. */
static enum rs_err order_prepare_lenient(struct job *j, int index, struct rs_order_in *o, struct rs_prep_buf *buf,
                                         struct rs_app_error *err)
{
    static const char *const fields[] = {"customer.locale", "customer.phone", "customer.email",
                                         "customer.preferred_channel"};
    if (o->n_items > RS_MAX_ITEMS) { /* a wholesale order: its first items, not no order at all */
        char note[200];
        snprintf(note, sizeof note, "order[%d]: %d items, only the first %d are kept", index, o->n_items,
                 RS_MAX_ITEMS);
        json_array_append_new(j->notes, json_string(note));
        o->n_items = RS_MAX_ITEMS;
    }
    for (int attempt = 0;; attempt++) {
        enum rs_err e = rs_app_order_prepare(o, buf, err);
        if (e != RS_EINVAL || attempt == 4)
            return e;
        const char **slot = NULL;
        const char *f = NULL;
        for (size_t k = 0; k < sizeof fields / sizeof fields[0] && !slot; k++) {
            if (strncmp(err->message, fields[k], strlen(fields[k])) != 0)
                continue;
            f = fields[k];
            slot = k == 0 ? &o->customer.locale
                   : k == 1 ? &o->customer.phone
                   : k == 2 ? &o->customer.email
                            : &o->customer.preferred_channel;
        }
        if (!slot || !*slot)
            return e;
        char note[600];
        snprintf(note, sizeof note, "order[%d]: %s \"%.60s\" ignored: %.400s", index, f, *slot, err->message);
        json_array_append_new(j->notes, json_string(note));
        *slot = NULL;
    }
}

/* A source that cannot reopen a cancelled order (o->cancel_is_final) sends a state older than
 * the cancellation: a late delivery, which must not bring the order back to life. */
static enum rs_err keep_cancelled(struct job *j, int index, struct rs_order_in *o)
{
    struct rs_order_key k;
    enum rs_err e = rs_store_order_find(j->s, j->d->merchant_id, o->order_ref, &k);
    if (e == RS_ENOTFOUND)
        return RS_OK;
    if (e)
        return e;
    if (k.base_status != RS_ORDER_CANCELLED)
        return RS_OK;
    o->base_status = RS_ORDER_CANCELLED;
    char note[300];
    snprintf(note, sizeof note,
             "order[%d]: %.128s stays cancelled: %s cannot reopen a cancelled order, so this is an older "
             "state delivered late",
             index, o->order_ref, j->d->source);
    json_array_append_new(j->notes, json_string(note));
    return RS_OK;
}

/* An order the shop has not been paid for (o->awaiting_payment) is created only once it is:
 * *KNOWN says whether it exists already (then it is updated as usual); when not, a note says why
 * nothing was applied. */
static enum rs_err unpaid_unknown(struct job *j, int index, const struct rs_order_in *o, bool *known)
{
    struct rs_order_key k;
    enum rs_err e = rs_store_order_find(j->s, j->d->merchant_id, o->order_ref, &k);
    *known = e == RS_OK;
    if (e != RS_ENOTFOUND)
        return e;
    char note[300];
    snprintf(note, sizeof note,
             "order[%d]: %.128s is awaiting payment at %s (pending): it is created, and the customer told, "
             "when it is paid (processing or on-hold)",
             index, o->order_ref, j->d->source);
    json_array_append_new(j->notes, json_string(note));
    return RS_OK;
}

/* The write path asks an API caller to send "status"; a provider's merchant cannot change the
 * payload, so say which code and text were not understood and what happened. */
static void unknown_status_reason(const char *source, const char *code, const char *text, struct rs_app_error *err)
{
    snprintf(err->message, sizeof err->message,
             "%s status \"%.60s\"%s%.160s%s is not one Rastro knows (data/provider-statuses.tsv, "
             "docs/normalize.md): this event was left out and the shipment keeps its status",
             source, code && *code ? code : "(none)", text && *text ? " with text \"" : "", text && *text ? text : "",
             text && *text ? "\"" : "");
}

/* The write path tells an API caller to create the order first; a provider's delivery for an
 * order not there yet raced ahead of the one that creates it (or the order predates the
 * integration): say so, and how to apply it once the order exists. */
static void unknown_order_reason(const char *source, const char *ref, struct rs_app_error *err)
{
    snprintf(err->message, sizeof err->message,
             "no order \"%.128s\" yet: the %s delivery that creates it has not arrived (deliveries come out of "
             "order) or came before this integration; it is replayed automatically when the order is created, "
             "or replay it with POST /v1/inbound/{its inbound_id}/replay",
             ref ? ref : "", source);
}

/* *SAME: the summary event X says what its shipment already says (see rs_event_in.summary). */
static enum rs_err summary_repeats(struct job *j, const struct rs_event_in *x, bool *same)
{
    struct rs_shipment_key k;
    *same = false;
    enum rs_err e = rs_store_shipment_find(j->s, j->d->merchant_id, x->carrier, x->tracking_number, &k);
    if (e == RS_ENOTFOUND)
        return RS_OK; /* rs_app_event_record says so */
    if (e)
        return e;
    *same = k.n_events > 0 && k.state.status == x->status && k.state.substatus == x->substatus;
    return RS_OK;
}

struct counts {
    int created, updated, unchanged, rejected;
};

static json_t *counts_json(const struct counts *c)
{
    return json_pack("{s:i,s:i,s:i,s:i}", "created", c->created, "updated", c->updated, "unchanged", c->unchanged,
                     "rejected", c->rejected);
}

static void count_put(struct counts *c, enum rs_put_result r)
{
    if (r == RS_PUT_CREATED)
        c->created++;
    else if (r == RS_PUT_UPDATED)
        c->updated++;
    else
        c->unchanged++;
}

/* A shop's fulfillment now names other tracking numbers (re-tracked): its shipments that this
 * delivery no longer names are cancelled. Only fulfillments of which this delivery attached at
 * least one shipment (OK[i]) are looked at, so a rejected new number never leaves the order
 * without any. */
static enum rs_err retrack(struct job *j, const bool *ok, struct counts *sc)
{
    struct rs_inbound *in = j->d->in;
    for (int i = 0; i < in->n_shipments; i++) {
        const char *f = in->shipments[i].fulfillment_id;
        if (!f || !ok[i])
            continue;
        bool first = true;
        for (int k = 0; k < i && first; k++)
            first = !(ok[k] && same(in->shipments[k].fulfillment_id, f));
        if (!first)
            continue;
        struct rs_shipment_ref live[16];
        int n = 0;
        enum rs_err e = rs_store_shipments_of_fulfillment(j->s, j->d->merchant_id, f, live, 16, &n);
        if (e)
            return e;
        /* this delivery's state of the fulfillment (its updated_at, 0 unknown) against the newest
         * state applied: a shipment it names was set to the time of every state naming it */
        int64_t at = in->shipments[i].source_updated_at, newest = at;
        for (int l = 0; l < n && l < 16; l++)
            if (live[l].source_updated_at > newest)
                newest = live[l].source_updated_at;
        bool stale = at && at < newest; /* delivered late: the newest state decides */
        for (int l = 0; l < n && l < 16; l++) {
            bool named = false;
            for (int k = 0; k < in->n_shipments && !named; k++)
                named = same(in->shipments[k].fulfillment_id, f) &&
                        same(in->shipments[k].tracking_number, live[l].tracking_number);
            if (stale ? live[l].source_updated_at >= newest : named)
                continue;
            enum rs_put_result pr;
            struct rs_app_error err = {0};
            if ((e = rs_app_shipment_cancel(j->s, j->d->merchant_id, live[l].carrier, live[l].tracking_number,
                                            j->d->now, &pr, &err)) ||
                (e = rs_store_shipment_source_seen(j->s, live[l].id, newest))) /* an older state cannot revive it */
                return e;
            sc->updated++;
            char note[300];
            if (stale)
                snprintf(note, sizeof note,
                         "shipment %s %s cancelled: this is an older state of %s fulfillment %.40s than the one "
                         "applied, which does not name this tracking number (delivered out of order)",
                         live[l].carrier, live[l].tracking_number, j->d->source, f);
            else if (!strncmp(f, "wc-order-", 9)) /* hook_woocommerce.c: the order's tracking items */
                snprintf(note, sizeof note,
                         "shipment %s %s cancelled: %s order %.40s no longer names this tracking number in its "
                         "tracking items",
                         live[l].carrier, live[l].tracking_number, j->d->source, f + 9);
            else
                snprintf(note, sizeof note,
                         "shipment %s %s cancelled: %s fulfillment %.40s no longer names this tracking number",
                         live[l].carrier, live[l].tracking_number, j->d->source, f);
            json_array_append_new(j->notes, json_string(note));
        }
    }
    return RS_OK;
}

static enum rs_err apply(struct job *j, struct counts *oc, struct counts *sc, int ev[3])
{
    struct rs_store *s = j->s;
    struct rs_hook_delivery *d = j->d;
    struct rs_inbound *in = d->in;
    int64_t mid = d->merchant_id, now = d->now;
    enum rs_err e;
    bool stale = false; /* an order older than the one applied: the delivery is an older state */

    for (int i = 0; i < in->n_orders; i++) {
        struct rs_order_in o = in->orders[i];
        struct rs_prep_buf buf;
        struct rs_app_error err = {0};
        enum rs_put_result pr;
        char code[RS_TRACKCODE_LEN];
        if (!o.source)
            o.source = d->source;
        if (o.awaiting_payment) {
            bool known;
            if ((e = unpaid_unknown(j, i, &o, &known)))
                return e;
            if (!known) {
                oc->unchanged++;
                stale = true;
                continue;
            }
        }
        e = order_prepare_lenient(j, i, &o, &buf, &err);
        if (!e && o.cancel_is_final && o.base_status != RS_ORDER_CANCELLED &&
            (e = keep_cancelled(j, i, &o)))
            return e;
        if (!e) {
            if ((e = rs_store_savepoint(s)))
                return e;
            e = rs_app_order_put(s, mid, &o, now, &pr, code, &err);
            if (e) {
                rs_store_rollback_to(s);
            } else if ((e = rs_store_release(s))) {
                return e;
            }
        }
        if (e == RS_OK && pr == RS_PUT_STALE) {
            stale = true;
            char note[300];
            snprintf(note, sizeof note,
                     "order[%d]: %.128s was already updated by a newer %s update (updated_at): this older one "
                     "was delivered late and is ignored, with its shipments and events",
                     i, o.order_ref, d->source);
            json_array_append_new(j->notes, json_string(note));
        }
        if (e == RS_OK) {
            count_put(oc, pr);
            if (pr == RS_PUT_CREATED)
                json_array_append_new(j->created, json_string(o.order_ref));
        } else if (e == RS_EINVAL || e == RS_ECONFLICT) {
            oc->rejected++;
            reject(j, "order", i, &err, NULL);
        } else {
            return e;
        }
    }

    if (stale) {
        sc->unchanged += in->n_shipments;
        ev[1] += in->n_events;
        return RS_OK;
    }
    bool *ok = calloc((size_t)in->n_shipments + 1, sizeof *ok);
    if (!ok)
        return RS_ENOMEM;
    for (int i = 0; i < in->n_shipments; i++) {
        struct rs_shipment_in sh = in->shipments[i];
        char alt[RS_MAX_REF_LEN + 2];
        struct rs_prep_buf buf;
        struct rs_app_error err = {0};
        enum rs_put_result pr = RS_PUT_UNCHANGED;
        struct resolved *r;
        if (!sh.source)
            sh.source = d->source;
        if ((e = resolve(j, sh.tracking_number, sh.carrier, &r)))
            goto out;
        if (!r->ok) {
            err = r->err;
            e = RS_EINVAL;
        } else {
            sh.carrier = r->carrier;
            const char *ref = sh.order_ref;
            if (!ref || !*ref)
                sh.order_ref = "-"; /* prepare wants one; an existing shipment needs none */
            else if ((e = order_spelling(s, mid, ref, alt, sizeof alt, &sh.order_ref)))
                goto out;
            e = rs_app_shipment_prepare(&sh, &buf, &err);
            struct rs_shipment_key k;
            enum rs_err fe = e ? RS_ENOTFOUND : rs_store_shipment_find(s, mid, sh.carrier, sh.tracking_number, &k);
            if (fe != RS_OK && fe != RS_ENOTFOUND)
                { e = fe; goto out; }
            bool exists = fe == RS_OK;
            if (!e && (!ref || !*ref)) {
                if (!exists) {
                    err.code = "unknown_shipment";
                    snprintf(err.message, sizeof err.message,
                             "no shipment %s %s and the delivery names no order: attach it to its order "
                             "with POST /v1/shipments first",
                             sh.carrier, sh.tracking_number);
                    e = RS_EINVAL;
                } else if (!k.cancelled_at) {
                    /* an aggregator names no order: the shipment stands, its carrier's estimate
                     * is still news (AfterShip sends an edd_revise with nothing else) */
                    bool changed = false;
                    if ((e = rs_app_shipment_eta(s, k.id, &sh.eta, now, &changed)))
                        goto out;
                    pr = changed ? RS_PUT_UPDATED : RS_PUT_UNCHANGED;
                }
            } else if (!e) {
                if ((e = rs_store_savepoint(s)))
                    goto out;
                e = rs_app_shipment_put(s, mid, &sh, now, &pr, &err);
                if (e)
                    rs_store_rollback_to(s);
                else if ((e = rs_store_release(s)))
                    goto out;
                /* already attached to an order the provider names differently (an aggregator's
                 * "2087" for the shop's "#2087"): the existing attachment stands */
                if (exists && (e == RS_EINVAL || e == RS_ECONFLICT)) {
                    e = RS_OK;
                    pr = RS_PUT_UNCHANGED;
                }
            }
        }
        if (e == RS_OK) {
            ok[i] = !sh.cancelled;
            count_put(sc, pr);
        } else if (e == RS_EINVAL || e == RS_ECONFLICT) {
            bool waits = same(err.code, "unknown_order");
            if (waits)
                unknown_order_reason(d->source, sh.order_ref, &err);
            sc->rejected++;
            reject(j, "shipment", i, &err, waits ? sh.order_ref : NULL);
        } else {
            goto out;
        }
    }
    e = retrack(j, ok, sc);
out:
    free(ok);
    if (e)
        return e;

    for (int i = 0; i < in->n_events; i++) {
        struct rs_event_in x = in->events[i];
        struct rs_prep_buf buf;
        struct rs_app_error err = {0};
        struct resolved *r = NULL;
        if (!x.source)
            x.source = d->source;
        e = RS_OK;
        if (x.tracking_number && *x.tracking_number) {
            if ((e = resolve(j, x.tracking_number, x.carrier, &r)))
                return e;
            if (!r->ok) {
                err = r->err;
                e = RS_EINVAL;
            } else {
                x.carrier = r->carrier;
            }
        }
        if (!e) {
            const char *code = x.code, *text = x.message; /* prepare may normalise them */
            e = rs_app_event_prepare(&x, &buf, &err);
            if (e == RS_EINVAL && same(err.code, "unknown_status"))
                unknown_status_reason(d->source, code, text, &err);
        }
        if (!e && x.summary) {
            bool same_status;
            if ((e = summary_repeats(j, &x, &same_status)))
                return e;
            if (same_status) {
                ev[1]++;
                continue;
            }
        }
        if (!e) {
            if ((e = rs_store_savepoint(s)))
                return e;
            e = rs_app_event_record(s, mid, &x, now, &err);
            if (e == RS_OK || e == RS_EDUPLICATE) {
                enum rs_err e2 = rs_store_release(s);
                if (e2)
                    return e2;
            } else {
                rs_store_rollback_to(s);
            }
        }
        if (e == RS_OK) {
            ev[0]++;
        } else if (e == RS_EDUPLICATE) {
            ev[1]++;
        } else if (e == RS_EINVAL || e == RS_ECONFLICT) {
            ev[2]++;
            reject(j, "event", i, &err, NULL);
        } else {
            return e;
        }
    }
    return RS_OK;
}

static void body_key(const char *body, size_t len, char out[72])
{
    unsigned char md[32];
    unsigned mdlen = 32;
    EVP_Digest(body ? body : "", body ? len : 0, md, &mdlen, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* *ERASED: the delivery holds an erased customer's order, or a shipment of one. Its raw body
 * quotes the person the erasure removed (the shop sends the whole order again on every
 * change): it is not kept (docs/privacy.md). */
static enum rs_err about_erased(struct job *j, bool *erased)
{
    const struct rs_inbound *in = j->d->in;
    *erased = false;
    for (int i = 0; in && i < in->n_orders + in->n_shipments && !*erased; i++) {
        const char *ref = i < in->n_orders ? in->orders[i].order_ref : in->shipments[i - in->n_orders].order_ref;
        struct rs_order_key k;
        enum rs_err e = ref ? rs_store_order_find(j->s, j->d->merchant_id, ref, &k) : RS_ENOTFOUND;
        if (e == RS_ENOTFOUND)
            continue;
        if (e || (e = rs_store_order_erased(j->s, k.id, erased)))
            return e;
    }
    return RS_OK;
}

enum rs_err rs_app_hook_job(struct rs_store *s, void *ctx)
{
    struct rs_hook_delivery *d = ctx;
    json_decref(d->summary);
    d->summary = json_object();
    d->inbound_id = 0;
    d->duplicate_of = 0;
    enum rs_err e;
    int purged = 0;
    if ((e = rs_store_inbound_purge(s, d->now - RS_INBOUND_KEEP_S, &purged)))
        return e;

    char hashkey[72];
    const char *key = d->delivery_id;
    if (!key) {
        body_key(d->body, d->body_len, hashkey);
        key = hashkey;
    }
    struct rs_inbound_row row = {
        .merchant_id = d->merchant_id,
        .source = d->source,
        .topic = d->topic,
        .delivery_id = d->delivery_id,
        .dedup_key = key,
        .received_at = d->now,
        .payload = d->keep_payload ? (d->body ? d->body : "") : NULL,
        .payload_len = d->keep_payload ? d->body_len : 0,
        .payload_type = d->payload_type,
    };
    struct job j = {.s = s, .d = d, .rejections = json_array(), .suggestions = json_array(),
                  .notes = json_array(), .created = json_array()};
    if (d->replay_of) {
        char note[200];
        snprintf(note, sizeof note, "inbound %lld replayed automatically: its order was created (%.80s)",
                 (long long)d->replay_of, d->replay_after ? d->replay_after : "");
        json_array_append_new(j.notes, json_string(note));
        json_object_set_new(d->summary, "replay_of", json_integer(d->replay_of));
    }

    if (d->reject_code) {
        d->result = "rejected";
        row.reason = d->reject_msg;
        json_object_set_new(d->summary, "error_code", json_string(d->reject_code));
    } else {
        int64_t prev = 0;
        e = rs_store_inbound_applied(s, d->merchant_id, d->source, key, &prev);
        if (e == RS_OK) {
            d->result = "duplicate";
            d->duplicate_of = prev;
            row.payload = NULL; /* the original keeps it */
            row.payload_len = 0;
            json_object_set_new(d->summary, "duplicate_of", json_integer(prev));
        } else if (e != RS_ENOTFOUND) {
            goto fail;
        } else {
            struct counts oc = {0}, sc = {0};
            int ev[3] = {0};
            if ((e = apply(&j, &oc, &sc, ev)))
                goto fail;
            if (d->in && d->in->n_orders + d->in->n_shipments + d->in->n_events == 0) {
                char note[200];
                snprintf(note, sizeof note, "%s %.80s has no order, shipment or event for Rastro: nothing to apply",
                         d->source, d->topic ? d->topic : "delivery");
                json_array_append_new(j.notes, json_string(d->in->note ? d->in->note : note));
            }
            bool changed = oc.created + oc.updated + sc.created + sc.updated + ev[0] > 0;
            d->result = changed ? "applied" : j.n_rejected_total ? "rejected" : "duplicate";
            json_object_set_new(d->summary, "orders", counts_json(&oc));
            json_object_set_new(d->summary, "shipments", counts_json(&sc));
            json_object_set_new(d->summary, "events",
                                json_pack("{s:i,s:i,s:i}", "accepted", ev[0], "duplicate", ev[1], "rejected", ev[2]));
            if (json_array_size(j.rejections)) {
                json_t *first = json_array_get(j.rejections, 0);
                row.reason = json_string_value(json_object_get(first, "message"));
                json_object_set(d->summary, "rejections", j.rejections);
            }
            bool erased = false;
            if (row.payload && (e = about_erased(&j, &erased)))
                goto fail;
            if (erased) {
                row.payload = NULL;
                row.payload_len = 0;
                json_array_append_new(j.notes, json_string("the payload is not kept: it is about an erased "
                                                           "customer's order"));
            }
            if (json_array_size(j.suggestions))
                json_object_set(d->summary, "carrier_suggestions", j.suggestions);
            if (json_array_size(j.notes))
                json_object_set(d->summary, "notes", j.notes);
        }
    }
    if (d->in && d->in->test)
        json_object_set_new(d->summary, "test", json_true());
    row.result = d->result;
    char *sum = json_dumps(d->summary, JSON_COMPACT);
    /* reason may point into j.rejections: kept alive until after the insert */
    row.summary = sum;
    e = sum ? rs_store_inbound_insert(s, &row, &d->inbound_id) : RS_ENOMEM;
    free(sum);
    if (!e && !d->replay_of && json_array_size(j.created)) { /* a replay never starts another */
        char after[120];
        json_t *replays = NULL;
        snprintf(after, sizeof after, "%.24s %.64s, inbound %lld", d->source, d->topic ? d->topic : "delivery",
                 (long long)d->inbound_id);
        e = rs_app_hook_replay_waiting(s, d->merchant_id, j.created, after, d->now, &replays);
        if (!e && json_array_size(replays)) {
            char *txt = json_dumps(replays, JSON_COMPACT);
            e = txt ? rs_store_inbound_summary_set(s, d->merchant_id, d->inbound_id, "$.replays", txt) : RS_ENOMEM;
            free(txt);
            json_object_set(d->summary, "replays", replays);
        }
        json_decref(replays);
    }
fail:
    json_decref(j.rejections);
    json_decref(j.suggestions);
    json_decref(j.notes);
    json_decref(j.created);
    return e;
}

enum rs_err rs_app_hook_delivery_init(struct rs_hook_delivery *d, struct rs_inbound *in, int64_t merchant_id,
                                      const char *provider, const char *topic, const char *delivery_id,
                                      const char *mapping, const char *body, size_t len, char *perr,
                                      size_t perrcap)
{
    perr[0] = 0;
    enum rs_err e = rs_app_hook_parse(provider, body, len, topic, mapping, in, perr, perrcap);
    if (e == RS_ENOMEM)
        return e;
    memset(d, 0, sizeof *d);
    d->merchant_id = merchant_id;
    d->source = provider;
    d->topic = e == RS_OK && in->topic ? in->topic : topic;
    d->delivery_id = e == RS_OK && in->delivery_id ? in->delivery_id : delivery_id;
    d->body = body;
    d->body_len = len;
    d->in = e == RS_OK ? in : NULL;
    d->keep_payload = true;
    if (e != RS_OK) {
        d->reject_code = e == RS_ETOOBIG ? "too_many_records" : "invalid_payload";
        d->reject_msg = perr[0] ? perr : "the payload could not be read";
    }
    return RS_OK;
}

/* Replay the stored delivery ROW ({id,source}, from rs_store_inbound_waiting) as a new inbound
 * line; OUT: the mark for the original ({inbound_id,result,after}). */
static enum rs_err replay_one(struct rs_store *s, int64_t merchant_id, const json_t *row, const char *after,
                              int64_t now, json_t **out)
{
    *out = NULL;
    int64_t id = json_integer_value(json_object_get(row, "id"));
    json_t *o = NULL;
    enum rs_err e = rs_store_inbound_get(s, merchant_id, id, &o);
    if (e)
        return e == RS_ENOTFOUND ? RS_OK : e;
    const char *payload = json_string_value(json_object_get(o, "payload"));
    const char *source = json_string_value(json_object_get(o, "source"));
    struct rs_integration *ig = payload && source ? calloc(1, sizeof *ig) : NULL;
    if (!ig) { /* not UTF-8 text: left for a replay by hand, as POST /v1/inbound/{id}/replay does */
        json_decref(o);
        return payload && source ? RS_ENOMEM : RS_OK;
    }
    e = rs_store_integration_get(s, merchant_id, source, now, ig);
    if (e == RS_OK || e == RS_ENOTFOUND) {
        struct rs_inbound in;
        struct rs_hook_delivery d;
        char perr[400];
        e = rs_app_hook_delivery_init(&d, &in, merchant_id, source, json_string_value(json_object_get(o, "topic")),
                                      json_string_value(json_object_get(o, "delivery_id")), ig->mapping, payload,
                                      json_string_length(json_object_get(o, "payload")), perr, sizeof perr);
        if (!e) {
            d.payload_type = json_string_value(json_object_get(o, "payload_type"));
            d.now = now;
            d.replay_of = id;
            d.replay_after = after;
            e = rs_app_hook_job(s, &d);
            if (!e)
                *out = json_pack("{s:I,s:s,s:s}", "inbound_id", (json_int_t)d.inbound_id, "result", d.result, "after",
                                 after);
            json_decref(d.summary);
        }
        rs_inbound_release(&in);
    }
    free(ig);
    json_decref(o);
    return e;
}

enum rs_err rs_app_hook_replay_waiting(struct rs_store *s, int64_t merchant_id, const json_t *refs, const char *after,
                                       int64_t now, json_t **replays)
{
    *replays = json_array();
    if (!json_array_size(refs))
        return RS_OK;
    /* a delivery waiting for "2087" is about the order "#2087" too (order_spelling) */
    json_t *both = json_array();
    size_t ri;
    json_t *rv;
    json_array_foreach(refs, ri, rv) {
        char alt[RS_MAX_REF_LEN + 2];
        json_array_append(both, rv);
        if (json_is_string(rv) && rs_app_order_ref_alt(json_string_value(rv), alt, sizeof alt))
            json_array_append_new(both, json_string(alt));
    }
    char *rtxt = json_dumps(both, JSON_COMPACT);
    json_decref(both);
    json_t *rows = NULL;
    enum rs_err e = rtxt ? rs_store_inbound_waiting(s, merchant_id, rtxt, now - RS_INBOUND_KEEP_S,
                                                    RS_REPLAY_MAX, &rows)
                         : RS_ENOMEM;
    free(rtxt);
    size_t i;
    json_t *row;
    json_array_foreach(e ? NULL : rows, i, row) {
        json_t *mark = NULL;
        /* the same delivery rejected twice (a replay by hand before the order existed): once */
        for (size_t k = 0; k < i && !mark; k++) {
            json_t *prev = json_array_get(rows, k);
            if (json_equal(json_object_get(prev, "source"), json_object_get(row, "source")) &&
                json_equal(json_object_get(prev, "dedup_key"), json_object_get(row, "dedup_key")))
                mark = json_deep_copy(json_object_get(prev, "mark"));
        }
        bool fresh = !mark;
        if (fresh && (e = replay_one(s, merchant_id, row, after, now, &mark)))
            break;
        if (!mark)
            continue;
        json_object_set(row, "mark", mark);
        char *txt = json_dumps(mark, JSON_COMPACT);
        int64_t id = json_integer_value(json_object_get(row, "id"));
        e = txt ? rs_store_inbound_summary_set(s, merchant_id, id, "$.replayed", txt) : RS_ENOMEM;
        free(txt);
        if (!e && fresh)
            json_array_append_new(*replays, json_pack("{s:I,s:O,s:O}", "replay_of", (json_int_t)id, "inbound_id",
                                                      json_object_get(mark, "inbound_id"), "result",
                                                      json_object_get(mark, "result")));
        json_decref(mark);
        if (e)
            break;
    }
    json_decref(rows);
    if (e) {
        json_decref(*replays);
        *replays = NULL;
    }
    return e;
}
