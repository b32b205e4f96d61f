/* privacy.c — export, erase and retention (see privacy.h). */
#include "app/privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/hooks.h"
#include "store/store_privacy.h"
#include "util/timefmt.h"

enum rs_err rs_app_privacy_who(const char *email, const char *phone, struct rs_privacy_who *who,
                               struct rs_app_error *err)
{
    memset(who, 0, sizeof *who);
    bool has_email = email && *email, has_phone = phone && *phone;
    if (!has_email && !has_phone) {
        err->code = "missing_field";
        snprintf(err->message, sizeof err->message,
                 "say whose data: an e-mail (email) or a phone number in E.164 (phone, e.g. +34600111222)");
        return RS_EINVAL;
    }
    if (has_email && has_phone) {
        /* each would be looked up on its own and the matches added together: a mistyped phone
         * beside the right e-mail would export, or erase for good, a second person */
        err->code = "invalid_field";
        snprintf(err->message, sizeof err->message,
                 "give either an e-mail (email) or a phone (phone), not both: either one already "
                 "finds every address that person's records hold");
        return RS_EINVAL;
    }
    /* the write path's own checks and normalisation, so the lookup matches what was stored */
    struct rs_order_in o = {.order_ref = "-", .placed_at = 1,
                            .customer = {.email = has_email ? email : NULL, .phone = has_phone ? phone : NULL}};
    struct rs_prep_buf buf;
    enum rs_err e = rs_app_order_prepare(&o, &buf, err);
    if (e) {
        /* the messages name "customer.email": here the field is just "email"/"phone" */
        const char *p = strstr(err->message, "customer.");
        if (p == err->message)
            memmove(err->message, err->message + 9, strlen(err->message + 9) + 1);
        return e;
    }
    if (o.customer.email)
        snprintf(who->email, sizeof who->email, "%s", o.customer.email);
    if (o.customer.phone)
        snprintf(who->phone, sizeof who->phone, "%s", o.customer.phone);
    return RS_OK;
}

static const char *opt(const char *v)
{
    return v[0] ? v : NULL;
}

static bool ref_in(const json_t *refs, const char *ref)
{
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r) {
        const char *v = json_string_value(r);
        if (ref && v && strcmp(v, ref) == 0)
            return true;
    }
    return false;
}

/* Whose the payload of a candidate (a row of rs_store_privacy_payloads) is, as its provider's
 * adapter reads it: quoting a ref elsewhere (a note, a price) does not make it theirs. */
enum whose {
    NOT_THEIRS,
    THEIRS, /* every order and shipment in it is one of REFS */
    SHARED, /* some are, others are someone else's (a batch): their data, and another person's */
};

static enum whose payload_whose(struct rs_store *s, int64_t merchant_id, const json_t *refs,
                                const json_t *candidate, int64_t now)
{
    const char *source = json_string_value(json_object_get(candidate, "source"));
    const char *payload = json_string_value(json_object_get(candidate, "payload"));
    if (!source || !payload)
        return NOT_THEIRS;
    struct rs_integration *integ = NULL;
    if (strcmp(source, "generic") == 0) {
        integ = calloc(1, sizeof *integ);
        if (!integ || rs_store_integration_get(s, merchant_id, "generic", now, integ) != RS_OK) {
            free(integ);
            return NOT_THEIRS;
        }
    }
    struct rs_inbound in;
    char perr[160];
    int mine = 0, others = 0;
    if (rs_app_hook_parse(source, payload, strlen(payload), json_string_value(json_object_get(candidate, "topic")),
                          integ ? integ->mapping : NULL, &in, perr, sizeof perr) == RS_OK) {
        for (int i = 0; i < in.n_orders + in.n_shipments; i++) {
            const char *ref = i < in.n_orders ? in.orders[i].order_ref : in.shipments[i - in.n_orders].order_ref;
            if (ref_in(refs, ref))
                mine++;
            else if (ref)
                others++;
        }
    }
    rs_inbound_release(&in);
    free(integ);
    return !mine ? NOT_THEIRS : others ? SHARED : THEIRS;
}

/* OUT: the kept webhook payloads about WHO's orders (rows of rs_store_privacy_payloads, the
 * payload parsed when it is JSON). One that also holds other people's orders is listed without
 * its payload (the export must not hand over someone else's data), with "payload_note". */
static enum rs_err their_payloads(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                  int64_t now, json_t **out)
{
    json_t *refs = NULL, *cand = NULL;
    enum rs_err e = rs_store_privacy_payloads(s, merchant_id, opt(who->email), opt(who->phone), &refs, &cand);
    if (e)
        return e;
    json_t *arr = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(cand, i, row) {
        enum whose w = payload_whose(s, merchant_id, refs, row, now);
        if (w == NOT_THEIRS)
            continue;
        json_t *doc = NULL;
        if (w == SHARED)
            json_object_set_new(row, "payload_note",
                                json_string("also holds other customers' orders: the payload is not included"));
        else
            doc = json_loads(json_string_value(json_object_get(row, "payload")), JSON_DECODE_ANY, NULL);
        if (doc || w == SHARED)
            json_object_set_new(row, "payload", doc ? doc : json_null());
        json_array_append(arr, row);
    }
    json_decref(refs);
    json_decref(cand);
    *out = arr;
    return RS_OK;
}

enum rs_err rs_app_privacy_export(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                  int64_t now, json_t **out)
{
    json_t *doc = NULL;
    enum rs_err e = rs_store_privacy_export(s, merchant_id, opt(who->email), opt(who->phone), &doc);
    if (e)
        return e;
    json_t *payloads = NULL;
    if ((e = their_payloads(s, merchant_id, who, now, &payloads))) {
        json_decref(doc);
        return e;
    }
    json_object_set_new(doc, "webhook_payloads", payloads);
    char t[RS_TIME_LEN];
    rs_time_format(now, 0, t);
    json_object_set_new(doc, "exported_at", json_string(t));
    *out = doc;
    return RS_OK;
}

enum rs_err rs_app_privacy_erase(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                 int64_t now, json_t **out)
{
    /* the payloads about their orders first: finding them needs the person's addresses, which
     * the erase below clears (it then drops those that quote one of the addresses) */
    json_t *payloads = NULL, *changed = NULL;
    enum rs_err e = their_payloads(s, merchant_id, who, now, &payloads);
    int dropped = 0;
    size_t i;
    json_t *row;
    json_array_foreach(payloads, i, row) {
        if (e)
            break;
        e = rs_store_privacy_payload_drop(s, merchant_id, json_integer_value(json_object_get(row, "id")), &dropped);
    }
    json_decref(payloads);
    if (!e)
        e = rs_store_privacy_erase(s, merchant_id, opt(who->email), opt(who->phone), now, &changed);
    if (e)
        return e;
    json_t *n = json_object_get(changed, "inbound_payloads");
    json_object_set_new(changed, "inbound_payloads", json_integer(json_integer_value(n) + dropped));
    json_t *doc = json_object();
    char t[RS_TIME_LEN];
    rs_time_format(now, 0, t);
    json_object_set_new(doc, "erased_at", json_string(t));
    json_object_set_new(doc, "changed", changed);
    *out = doc;
    return RS_OK;
}

enum rs_err rs_app_privacy_sweep(struct rs_store *s, int64_t now, int inbound_days)
{
    struct rs_sweep_counts c;
    int payloads = 0;
    enum rs_err e = rs_store_privacy_sweep(s, now, RS_PRIVACY_RETENTION_DAYS, inbound_days, &c);
    /* raw webhook payloads are otherwise purged only when a new delivery arrives: a shop that
     * stopped sending would keep its customers' orders there for as long as the log lines */
    if (!e)
        e = rs_store_inbound_purge(s, now - RS_INBOUND_KEEP_S, &payloads);
    if (!e && (c.messages || c.conversations || c.notifications || c.incidents || c.inbound || payloads))
        fprintf(stderr,
                "rastro: retention: deleted %d messages, %d empty conversations, the copies of %d notifications, "
                "the texts of %d finished incidents, %d inbound log rows, %d raw webhook payloads\n",
                c.messages, c.conversations, c.notifications, c.incidents, c.inbound, payloads);
    return e;
}

int rs_app_privacy_inbound_days(void)
{
    const char *v = getenv("RASTRO_INBOUND_DAYS");
    if (v && *v) {
        char *end;
        long d = strtol(v, &end, 10);
        if (!*end && d >= 0 && d <= 100000)
            return (int)d;
    }
    return RS_PRIVACY_INBOUND_DAYS;
}
