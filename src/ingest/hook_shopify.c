/* hook_shopify.c — Shopify order and fulfillment webhooks.
 *
 * Topics (X-Shopify-Topic): orders/create, orders/updated, orders/paid, orders/fulfilled,
 * orders/partially_fulfilled, orders/cancelled (all carry the Order) -> one rs_order_in, plus a
 * shipment per tracking number of the order's embedded fulfillments[]; fulfillments/create,
 * fulfillments/update (the Fulfillment) -> one rs_shipment_in per tracking number and, when
 * shipment_status is set, one event per tracking number at the fulfillment's updated_at. That
 * event is a summary (rs_event_in.summary): Shopify sends the same shipment_status again with
 * every unrelated fulfillment update, and it is kept only when it changes the status.
 * With no topic the payload's shape decides (order_id + tracking fields = fulfillment); with one,
 * a body of the other kind (an order topic with order_id, a fulfillment topic with order_number
 * and no order_id) is refused rather than read as what it is not.
 *
 * order_ref is the order's `name` ("#1042", what the customer sees; falls back to
 * order_number, then id). A fulfillment names its order only by numeric order_id and by its
 * own name "#1042.1": the ".N" suffix is cut to get the order's name, so both topics key the
 * same order. Timestamps carry the shop's offset (required). Name, email, phone and address
 * may be null without protected-customer-data approval: they are simply left unset.
 * tracking_company -> carrier slug through data/carrier-aliases.tsv (NULL when Shopify has
 * none). A cancelled order cannot be reopened in Shopify, so the order is marked
 * cancel_is_final: an orders/create or orders/updated delivered after orders/cancelled (Shopify
 * does not guarantee the order of deliveries) leaves it cancelled. Shopify's dedupe key is the
 * X-Shopify-Event-Id header (not in the body).
 *
 * Each shipment carries its fulfillment's id (fulfillment_id). A fulfillment whose status is
 * cancelled, error or failure (Shopify: the fulfillment was cancelled or never happened) cancels
 * its shipments (rs_shipment_in.cancelled, no event); a fulfillment that now names other
 * tracking numbers cancels the shipments of the numbers it dropped (app/hooks.c). The order's
 * updated_at is its source_updated_at: an order delivery older than the last one applied is
 * ignored (Shopify delivers out of order). */
#include <stdio.h>
#include <string.h>

#include "ingest/hook_util.h"

static const char *const order_topics[] = {"orders/create",    "orders/updated",
                                           "orders/paid",      "orders/fulfilled",
                                           "orders/partially_fulfilled", "orders/cancelled",
                                           NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* "#1042.1" -> "#1042" (owned by IN); a name without ".digits" is returned as is. */
static const char *order_name_of(struct rs_inbound *in, const char *fname)
{
    if (!fname)
        return NULL;
    const char *dot = strrchr(fname, '.');
    if (!dot || dot == fname || !dot[1] || strspn(dot + 1, "0123456789") != strlen(dot + 1))
        return fname;
    return rs_hk_strndup(in, fname, (size_t)(dot - fname));
}

static enum rs_err address(const json_t *a, const char *path, struct rs_location *loc,
                           char *err, size_t errcap)
{
    const char *cc, *country;
    RS_HK_TRY(rs_hk_str(a, "zip", path, &loc->postal_code, err, errcap));
    RS_HK_TRY(rs_hk_str(a, "city", path, &loc->city, err, errcap));
    RS_HK_TRY(rs_hk_str(a, "province_code", path, &loc->region, err, errcap));
    if (!loc->region)
        RS_HK_TRY(rs_hk_str(a, "province", path, &loc->region, err, errcap));
    RS_HK_TRY(rs_hk_str(a, "country_code", path, &cc, err, errcap));
    RS_HK_TRY(rs_hk_str(a, "country", path, &country, err, errcap));
    loc->country = rs_hk_country(cc ? cc : country);
    return RS_OK;
}

/* One fulfillment F. ORDER_REF is known when F is embedded in an order. STRICT (a
 * fulfillments/create or /update topic): a fulfillment without any tracking number says so in
 * in->note (nothing to apply, not an error). */
static enum rs_err fulfillment(struct rs_inbound *in, const json_t *f, const char *path,
                               const char *order_ref, bool strict, char *err, size_t errcap)
{
    if (!json_is_object(f))
        return rs_hk_fail(err, errcap, "%s: expected an object", path);
    const char *company, *status, *name, *order_id, *updated, *created, *one, *fid, *fstatus;
    json_t *numbers, *origin;
    RS_HK_TRY(rs_hk_id(in, f, "id", path, &fid, err, errcap));
    RS_HK_TRY(rs_hk_str(f, "status", path, &fstatus, err, errcap));
    bool cancelled = fstatus && (!strcmp(fstatus, "cancelled") || !strcmp(fstatus, "error") ||
                                 !strcmp(fstatus, "failure"));
    RS_HK_TRY(rs_hk_str(f, "tracking_company", path, &company, err, errcap));
    RS_HK_TRY(rs_hk_str(f, "shipment_status", path, &status, err, errcap));
    RS_HK_TRY(rs_hk_str(f, "name", path, &name, err, errcap));
    RS_HK_TRY(rs_hk_id(in, f, "order_id", path, &order_id, err, errcap));
    RS_HK_TRY(rs_hk_str(f, "updated_at", path, &updated, err, errcap));
    RS_HK_TRY(rs_hk_str(f, "created_at", path, &created, err, errcap));
    RS_HK_TRY(rs_hk_str(f, "tracking_number", path, &one, err, errcap));
    RS_HK_TRY(rs_hk_arr(f, "tracking_numbers", path, &numbers, err, errcap));
    RS_HK_TRY(rs_hk_obj(f, "origin_address", path, &origin, err, errcap));
    if (!order_ref)
        order_ref = order_name_of(in, name);
    if (!order_ref)
        order_ref = order_id;
    if (!order_ref && strict)
        return rs_hk_fail(err, errcap, "%s: no order (neither name nor order_id)", path);

    /* tracking_numbers[] plus tracking_number (the first of them, usually) */
    const char *raw[64];
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(numbers, i, v) {
        if (!json_is_string(v))
            return rs_hk_fail(err, errcap, "%s.tracking_numbers[%zu]: expected a string", path,
                              i);
        if (*json_string_value(v) && n < 64)
            raw[n++] = json_string_value(v);
    }
    if (one && n < 64)
        raw[n++] = one;
    if (n == 0) {
        /* a local delivery, a pickup in store, or tracking not added yet: legitimate, and
         * nothing to track (a fulfillments/update that adds a number creates the shipment) */
        if (strict)
            in->note = rs_hk_printf(in,
                                    "Shopify fulfillment %.40s%s%.40s%s names no tracking number (a local "
                                    "delivery, a pickup, or tracking not added yet): nothing to track; the "
                                    "fulfillments/update that adds one creates the shipment",
                                    fid ? fid : "", name ? " (" : "", name ? name : "", name ? ")" : "");
        return strict && !in->note ? RS_ENOMEM : RS_OK;
    }
    const char *carrier = rs_hk_carrier(in, company);
    int64_t at = 0, state_at = 0;
    int off = 0;
    char ignored[8];
    if (updated && rs_hk_time(updated, "updated_at", true, &state_at, &off, ignored, sizeof ignored) != RS_OK)
        state_at = 0; /* only orders its deliveries; an event needing it is checked below */
    const char *when = updated ? updated : created;
    if (status && !cancelled) {
        if (!when)
            return rs_hk_fail(err, errcap, "%s: shipment_status without updated_at", path);
        char field[96];
        snprintf(field, sizeof field, "%s.%s", path, updated ? "updated_at" : "created_at");
        RS_HK_TRY(rs_hk_time(when, field, true, &at, &off, err, errcap));
    }
    for (int k = 0; k < n; k++) {
        char field[96];
        snprintf(field, sizeof field, "%s.tracking_numbers[%d]", path, k);
        const char *tn;
        RS_HK_TRY(rs_hk_tracking(in, raw[k], field, &tn, err, errcap));
        bool dup = false;
        for (int s = 0; s < in->n_shipments; s++)
            dup = dup || strcmp(in->shipments[s].tracking_number, tn) == 0;
        if (dup)
            continue;
        struct rs_shipment_in *sh = rs_hk_add_shipment(in);
        if (!sh)
            return rs_hk_add_failed(in, err, errcap);
        sh->order_ref = order_ref;
        sh->carrier = carrier;
        sh->tracking_number = tn;
        sh->source = "shopify";
        sh->fulfillment_id = fid;
        sh->source_updated_at = state_at;
        sh->cancelled = cancelled;
        char opath[96];
        snprintf(opath, sizeof opath, "%s.origin_address", path);
        RS_HK_TRY(address(origin, opath, &sh->origin, err, errcap));
        if (!status || cancelled)
            continue;
        struct rs_event_in *ev = rs_hk_add_event(in);
        if (!ev)
            return rs_hk_add_failed(in, err, errcap);
        ev->carrier = carrier;
        ev->tracking_number = tn;
        ev->occurred_at = at;
        ev->offset_min = off;
        ev->source = "shopify";
        ev->summary = true; /* every fulfillment update repeats it with a new updated_at */
        RS_HK_TRY(rs_hk_status(in, ev, "shopify", status, NULL, -1, err, errcap));
        if (ev->status == RS_STATUS_NONE)
            ev->message = status; /* not a documented value: let the text normalizer try */
    }
    return RS_OK;
}

static enum rs_err customer(struct rs_inbound *in, const json_t *o, struct rs_customer_in *c,
                            char *err, size_t errcap)
{
    json_t *cu, *ship, *bill;
    RS_HK_TRY(rs_hk_obj(o, "customer", "order", &cu, err, errcap));
    RS_HK_TRY(rs_hk_obj(o, "shipping_address", "order", &ship, err, errcap));
    RS_HK_TRY(rs_hk_obj(o, "billing_address", "order", &bill, err, errcap));
    const char *first, *last;
    RS_HK_TRY(rs_hk_str(cu, "first_name", "order.customer", &first, err, errcap));
    RS_HK_TRY(rs_hk_str(cu, "last_name", "order.customer", &last, err, errcap));
    if (first || last)
        c->name = rs_hk_printf(in, "%s%s%s", first ? first : "", first && last ? " " : "",
                               last ? last : "");
    if (!c->name)
        RS_HK_TRY(rs_hk_str(ship, "name", "order.shipping_address", &c->name, err, errcap));
    if (!c->name)
        RS_HK_TRY(rs_hk_str(bill, "name", "order.billing_address", &c->name, err, errcap));
    RS_HK_TRY(rs_hk_str(o, "email", "order", &c->email, err, errcap));
    if (!c->email)
        RS_HK_TRY(rs_hk_str(o, "contact_email", "order", &c->email, err, errcap));
    if (!c->email)
        RS_HK_TRY(rs_hk_str(cu, "email", "order.customer", &c->email, err, errcap));
    RS_HK_TRY(rs_hk_str(o, "phone", "order", &c->phone, err, errcap));
    if (!c->phone)
        RS_HK_TRY(rs_hk_str(cu, "phone", "order.customer", &c->phone, err, errcap));
    if (!c->phone)
        RS_HK_TRY(rs_hk_str(ship, "phone", "order.shipping_address", &c->phone, err, errcap));
    RS_HK_TRY(rs_hk_str(o, "customer_locale", "order", &c->locale, err, errcap));
    return RS_OK;
}

static enum rs_err order(struct rs_inbound *in, const json_t *o, char *err, size_t errcap)
{
    struct rs_order_in *ord = rs_hk_add_order(in);
    if (!ord)
        return rs_hk_add_failed(in, err, errcap);
    RS_HK_TRY(rs_hk_str(o, "name", "order", &ord->order_ref, err, errcap));
    if (!ord->order_ref)
        RS_HK_TRY(rs_hk_id(in, o, "order_number", "order", &ord->order_ref, err, errcap));
    if (!ord->order_ref)
        RS_HK_TRY(rs_hk_id(in, o, "id", "order", &ord->order_ref, err, errcap));
    if (!ord->order_ref)
        return rs_hk_fail(err, errcap, "Shopify order: missing name, order_number and id");
    const char *created, *cancelled;
    RS_HK_TRY(rs_hk_str(o, "created_at", "order", &created, err, errcap));
    if (!created)
        RS_HK_TRY(rs_hk_str(o, "processed_at", "order", &created, err, errcap));
    if (!created)
        return rs_hk_fail(err, errcap, "Shopify order: missing created_at");
    RS_HK_TRY(rs_hk_time(created, "order.created_at", true, &ord->placed_at,
                         &ord->placed_offset_min, err, errcap));
    const char *updated;
    RS_HK_TRY(rs_hk_str(o, "updated_at", "order", &updated, err, errcap));
    if (updated) {
        int off;
        RS_HK_TRY(rs_hk_time(updated, "order.updated_at", true, &ord->source_updated_at, &off, err,
                             errcap));
    }
    RS_HK_TRY(customer(in, o, &ord->customer, err, errcap));
    json_t *ship, *items, *fuls;
    RS_HK_TRY(rs_hk_obj(o, "shipping_address", "order", &ship, err, errcap));
    RS_HK_TRY(address(ship, "order.shipping_address", &ord->destination, err, errcap));
    RS_HK_TRY(rs_hk_str(o, "cancelled_at", "order", &cancelled, err, errcap));
    ord->base_status = cancelled ? RS_ORDER_CANCELLED : RS_ORDER_PLACED;
    ord->cancel_is_final = true; /* Shopify has no "uncancel"; deliveries come out of order */
    ord->source = "shopify";
    RS_HK_TRY(rs_hk_bool(o, "test", "order", &in->test, NULL, err, errcap));

    struct rs_item_in *it;
    size_t n;
    RS_HK_TRY(rs_hk_items(in, o, "line_items", &items, &it, &n, err, errcap));
    size_t i;
    json_t *li;
    json_array_foreach(items, i, li) {
        char path[48];
        snprintf(path, sizeof path, "order.line_items[%zu]", i);
        if (!json_is_object(li))
            return rs_hk_fail(err, errcap, "%s: expected an object", path);
        int64_t q;
        bool has_q;
        RS_HK_TRY(rs_hk_str(li, "sku", path, &it[i].sku, err, errcap));
        RS_HK_TRY(rs_hk_str(li, "name", path, &it[i].name, err, errcap));
        if (!it[i].name)
            RS_HK_TRY(rs_hk_str(li, "title", path, &it[i].name, err, errcap));
        RS_HK_TRY(rs_hk_int(li, "quantity", path, &q, &has_q, err, errcap));
        if (!has_q || q < 0 || q > 1000000)
            return rs_hk_fail(err, errcap, "%s.quantity: missing or out of range", path);
        it[i].quantity = (int)q;
    }
    ord->items = it;
    ord->n_items = (int)n;

    const char *ref = ord->order_ref; /* ord may move when records are appended */
    RS_HK_TRY(rs_hk_arr(o, "fulfillments", "order", &fuls, err, errcap));
    json_t *f;
    json_array_foreach(fuls, i, f) {
        char path[48];
        snprintf(path, sizeof path, "order.fulfillments[%zu]", i);
        RS_HK_TRY(fulfillment(in, f, path, ref, false, err, errcap));
    }
    return RS_OK;
}

static enum rs_err parse(const char *body, size_t len, const char *topic, struct rs_inbound *in,
                         char *err, size_t errcap)
{
    RS_HK_TRY(rs_hk_load(in, body, len, "Shopify webhook", err, errcap));
    const json_t *root = in->root_;
    in->source = "shopify";
    if (!topic) {
        bool ful = json_object_get(root, "order_id") &&
                   (json_object_get(root, "tracking_numbers") ||
                    json_object_get(root, "tracking_number") ||
                    json_object_get(root, "shipment_status"));
        bool ord = json_object_get(root, "line_items") &&
                   (json_object_get(root, "order_number") || json_object_get(root, "name"));
        topic = ful ? "fulfillments/update" : ord ? "orders/updated" : NULL;
        if (!topic)
            return rs_hk_fail(err, errcap,
                              "Shopify webhook: no topic given and the body is neither an order "
                              "nor a fulfillment");
    }
    /* The topic header decides, but a body of the other kind (a forwarder or a hand-made test
     * with the wrong X-Shopify-Topic) must not become a bogus order "#1042.1" whose customer is
     * told it was placed: an Order never has order_id, a Fulfillment always has it. */
    bool names_order = json_object_get(root, "order_id") != NULL;
    bool is_order = !names_order && json_object_get(root, "order_number") != NULL;
    if (in_list(topic, order_topics)) {
        if (names_order)
            return rs_hk_fail(err, errcap,
                              "Shopify %.40s: the body is not an order (it has order_id, as a fulfillment "
                              "has): check the topic of this webhook (X-Shopify-Topic)",
                              topic);
        in->topic = rs_hk_strndup(in, topic, strlen(topic));
        if (!in->topic)
            return RS_ENOMEM;
        return order(in, root, err, errcap);
    }
    if (strcmp(topic, "fulfillments/create") == 0 || strcmp(topic, "fulfillments/update") == 0) {
        if (is_order)
            return rs_hk_fail(err, errcap,
                              "Shopify %.40s: the body is an order (order_number, no order_id), not a "
                              "fulfillment: check the topic of this webhook (X-Shopify-Topic)",
                              topic);
        in->topic = rs_hk_strndup(in, topic, strlen(topic));
        if (!in->topic)
            return RS_ENOMEM;
        RS_HK_TRY(rs_hk_id(in, root, "id", "fulfillment", &in->tracker_id, err, errcap));
        return fulfillment(in, root, "fulfillment", NULL, true, err, errcap);
    }
    return rs_hk_fail(err, errcap,
                      "Shopify: unsupported topic \"%.60s\" (expected orders/create, "
                      "orders/updated, fulfillments/create or fulfillments/update)",
                      topic);
}

enum rs_err rs_hook_shopify_parse(const char *body, size_t len, const char *topic,
                                  struct rs_inbound *out, char *err, size_t errcap)
{
    return rs_hk_run(parse, body, len, topic, out, err, errcap);
}
