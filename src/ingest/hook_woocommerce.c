/* hook_woocommerce.c — WooCommerce order webhooks (`order.created`, `order.updated`,
 * `order.restored`).
 *
 * The body is the REST v3 order, as PHP's json_encode writes it (\/ and \uXXXX escapes —
 * jansson decodes them). Order -> one rs_order_in: order_ref = `number` (falls back to id);
 * placed_at from date_created_gmt, which has no offset but is documented as GMT; the site's
 * offset is the difference between date_created (site-local, no offset) and
 * date_created_gmt. Customer from billing (name, email, phone; shipping phone first);
 * destination from shipping (billing when shipping has no country). Status: pending, on-hold
 * -> placed; processing, completed -> processing; cancelled, refunded, failed -> cancelled.
 * A pending (awaiting payment at a gateway) or checkout-draft order is awaiting_payment: the
 * customer may never pay, so it is not created (nor confirmed to the customer) until it is.
 *
 * Tracking numbers are not core WooCommerce; they live in order meta_data under plugin keys:
 *   _wc_shipment_tracking_items  WooCommerce Shipment Tracking and Advanced Shipment Tracking
 *                                [{tracking_provider, custom_tracking_provider,
 *                                  tracking_number, date_shipped, tracking_id}]
 *   _aftership_tracking_items    AfterShip plugin [{tracking_number, slug}]
 *   _aftership_tracking_number + _aftership_tracking_provider(_name)   older AfterShip plugin
 *   ywot_tracking_code + ywot_carrier_name (or ywot_carrier_id)        YITH Order Tracking
 *   wc_connect_labels            WooCommerce Shipping labels [{tracking, carrier_id,
 *                                service_name}] (an array, or the same as a JSON string)
 *   _tracking_number + _tracking_provider                              generic convention
 * Each becomes one rs_shipment_in (no event: these plugins record no carrier status). The
 * list is the order's whole set of parcels: every shipment carries the fulfillment_id
 * "wc-order-{id}", so a number that an order.updated no longer names (the merchant replaced a
 * mistyped one) is cancelled as a re-tracked Shopify fulfillment's is (app/hooks.c retrack).
 * date_modified_gmt is the order's source_updated_at: an order.updated older than the last one
 * applied (WooCommerce retries failed deliveries later) is ignored.
 * A meta value stored as a PHP-serialised string is skipped. WooCommerce puts its delivery
 * id in the X-WC-Webhook-Delivery-ID header, not in the body. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ingest/hook_util.h"

bool rs_hook_woocommerce_is_ping(const char *body, size_t len)
{
    static const char prefix[] = "webhook_id=";
    size_t p = sizeof prefix - 1;
    if (!body || len <= p || len > 64 || memcmp(body, prefix, p) != 0)
        return false;
    for (size_t i = p; i < len; i++)
        if (!isdigit((unsigned char)body[i]))
            return false;
    return true;
}

/* Add one shipment unless the tracking number is already there. */
static enum rs_err add_tracking(struct rs_inbound *in, const char *order_ref, const char *number,
                                const char *carrier, const char *service, const char *field,
                                char *err, size_t errcap)
{
    if (!number)
        return RS_OK; /* a plugin row without a number: nothing to track yet */
    const char *tn;
    RS_HK_TRY(rs_hk_tracking(in, number, field, &tn, err, errcap));
    for (int i = 0; i < in->n_shipments; i++)
        if (strcmp(in->shipments[i].tracking_number, tn) == 0)
            return RS_OK;
    struct rs_shipment_in *sh = rs_hk_add_shipment(in);
    if (!sh)
        return rs_hk_add_failed(in, err, errcap);
    sh->order_ref = order_ref;
    sh->tracking_number = tn;
    sh->carrier = rs_hk_carrier(in, carrier);
    sh->service = service;
    sh->source = "woocommerce";
    return RS_OK;
}

/* Value of meta_data entry KEY (first match), or NULL. */
static json_t *meta(const json_t *metas, const char *key)
{
    size_t i;
    json_t *m;
    json_array_foreach(metas, i, m) {
        const char *k = json_string_value(json_object_get(m, "key"));
        if (k && strcmp(k, key) == 0)
            return json_object_get(m, "value");
    }
    return NULL;
}

static const char *meta_str(const json_t *metas, const char *key)
{
    const char *s = json_string_value(meta(metas, key));
    return s && *s ? s : NULL;
}

/* Array items of the form [{NUM_KEY, CARRIER_KEY...}] under meta KEY. */
static enum rs_err tracking_items(struct rs_inbound *in, const json_t *metas, const char *key,
                                  const char *order_ref, char *err, size_t errcap)
{
    json_t *v = meta(metas, key);
    if (!json_is_array(v))
        return RS_OK;
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it) {
        char path[96];
        snprintf(path, sizeof path, "meta_data[%s][%zu]", key, i);
        if (!json_is_object(it))
            return rs_hk_fail(err, errcap, "%s: expected an object", path);
        const char *num, *prov, *custom, *slug;
        RS_HK_TRY(rs_hk_str(it, "tracking_number", path, &num, err, errcap));
        RS_HK_TRY(rs_hk_str(it, "tracking_provider", path, &prov, err, errcap));
        RS_HK_TRY(rs_hk_str(it, "custom_tracking_provider", path, &custom, err, errcap));
        RS_HK_TRY(rs_hk_str(it, "slug", path, &slug, err, errcap));
        char field[128];
        snprintf(field, sizeof field, "%s.tracking_number", path);
        const char *carrier = prov ? prov : custom ? custom : slug;
        RS_HK_TRY(add_tracking(in, order_ref, num, carrier, NULL, field, err, errcap));
    }
    return RS_OK;
}

/* WooCommerce Shipping labels: an array, or a JSON string of one. Strings read from a JSON
 * string are copied into IN (the temporary document is freed here). */
static enum rs_err connect_labels(struct rs_inbound *in, const json_t *metas,
                                  const char *order_ref, char *err, size_t errcap)
{
    json_t *v = meta(metas, "wc_connect_labels"), *tmp = NULL;
    if (json_is_string(v)) {
        tmp = json_loads(json_string_value(v), JSON_REJECT_DUPLICATES, NULL);
        v = tmp;
    }
    enum rs_err e = RS_OK;
    size_t i;
    json_t *l;
    json_array_foreach(v, i, l) {
        const char *num = json_string_value(json_object_get(l, "tracking"));
        const char *car = json_string_value(json_object_get(l, "carrier_id"));
        const char *svc = json_string_value(json_object_get(l, "service_name"));
        if (!num || !*num)
            continue;
        if (svc && tmp && !(svc = rs_hk_strndup(in, svc, strlen(svc)))) {
            e = RS_ENOMEM;
            break;
        }
        e = add_tracking(in, order_ref, num, car, svc, "meta_data[wc_connect_labels].tracking",
                         err, errcap);
        if (e != RS_OK)
            break;
    }
    json_decref(tmp);
    return e;
}

static enum rs_err shipments(struct rs_inbound *in, const json_t *metas, const char *ref,
                             char *err, size_t errcap)
{
    RS_HK_TRY(tracking_items(in, metas, "_wc_shipment_tracking_items", ref, err, errcap));
    RS_HK_TRY(tracking_items(in, metas, "_aftership_tracking_items", ref, err, errcap));
    const char *c = meta_str(metas, "_aftership_tracking_provider_name");
    if (!c)
        c = meta_str(metas, "_aftership_tracking_provider");
    RS_HK_TRY(add_tracking(in, ref, meta_str(metas, "_aftership_tracking_number"), c, NULL,
                           "meta_data[_aftership_tracking_number]", err, errcap));
    c = meta_str(metas, "ywot_carrier_name");
    if (!c)
        c = meta_str(metas, "ywot_carrier_id");
    RS_HK_TRY(add_tracking(in, ref, meta_str(metas, "ywot_tracking_code"), c, NULL,
                           "meta_data[ywot_tracking_code]", err, errcap));
    RS_HK_TRY(connect_labels(in, metas, ref, err, errcap));
    RS_HK_TRY(add_tracking(in, ref, meta_str(metas, "_tracking_number"),
                           meta_str(metas, "_tracking_provider"), NULL,
                           "meta_data[_tracking_number]", err, errcap));
    return RS_OK;
}

static enum rs_order_status base_status(const char *s)
{
    if (!s)
        return RS_ORDER_PLACED;
    if (strcmp(s, "processing") == 0 || strcmp(s, "completed") == 0)
        return RS_ORDER_PROCESSING;
    if (strcmp(s, "cancelled") == 0 || strcmp(s, "refunded") == 0 || strcmp(s, "failed") == 0)
        return RS_ORDER_CANCELLED;
    return RS_ORDER_PLACED; /* pending, on-hold, checkout-draft, custom statuses */
}

static enum rs_err placed(const json_t *o, struct rs_order_in *ord, char *err, size_t errcap)
{
    const char *local, *gmt;
    RS_HK_TRY(rs_hk_str(o, "date_created", "order", &local, err, errcap));
    RS_HK_TRY(rs_hk_str(o, "date_created_gmt", "order", &gmt, err, errcap));
    if (!gmt) {
        /* no GMT twin: only usable when date_created itself carries an offset */
        if (!local)
            return rs_hk_fail(err, errcap, "WooCommerce order: missing date_created_gmt");
        return rs_hk_time(local, "order.date_created (no date_created_gmt)", true,
                          &ord->placed_at, &ord->placed_offset_min, err, errcap);
    }
    /* date_created_gmt is GMT by WooCommerce's definition and has no offset */
    RS_HK_TRY(rs_hk_time(gmt, "order.date_created_gmt", false, &ord->placed_at, NULL, err,
                         errcap));
    ord->placed_offset_min = 0;
    int64_t l;
    if (local && rs_hk_time(local, "order.date_created", false, &l, NULL, err, errcap) == RS_OK) {
        int64_t d = (l - ord->placed_at) / 60;
        if (d >= -14 * 60 && d <= 14 * 60)
            ord->placed_offset_min = (int)((d >= 0 ? d + 7 : d - 7) / 15 * 15);
    }
    if (err && errcap)
        err[0] = '\0';
    return RS_OK;
}

static enum rs_err order(struct rs_inbound *in, const json_t *o, char *err, size_t errcap)
{
    struct rs_order_in *ord = rs_hk_add_order(in);
    if (!ord)
        return rs_hk_add_failed(in, err, errcap);
    RS_HK_TRY(rs_hk_id(in, o, "number", "order", &ord->order_ref, err, errcap));
    if (!ord->order_ref)
        RS_HK_TRY(rs_hk_id(in, o, "id", "order", &ord->order_ref, err, errcap));
    if (!ord->order_ref)
        return rs_hk_fail(err, errcap, "WooCommerce order: missing number and id");
    RS_HK_TRY(placed(o, ord, err, errcap));
    const char *modified;
    RS_HK_TRY(rs_hk_str(o, "date_modified_gmt", "order", &modified, err, errcap));
    if (modified) /* GMT by definition, without an offset; an older update delivered late loses */
        RS_HK_TRY(rs_hk_time(modified, "order.date_modified_gmt", false, &ord->source_updated_at,
                             NULL, err, errcap));

    json_t *bill, *ship, *items, *metas;
    RS_HK_TRY(rs_hk_obj(o, "billing", "order", &bill, err, errcap));
    RS_HK_TRY(rs_hk_obj(o, "shipping", "order", &ship, err, errcap));
    RS_HK_TRY(rs_hk_arr(o, "meta_data", "order", &metas, err, errcap));
    const char *first, *last, *status;
    RS_HK_TRY(rs_hk_str(bill, "first_name", "order.billing", &first, err, errcap));
    RS_HK_TRY(rs_hk_str(bill, "last_name", "order.billing", &last, err, errcap));
    if (!first && !last) {
        RS_HK_TRY(rs_hk_str(ship, "first_name", "order.shipping", &first, err, errcap));
        RS_HK_TRY(rs_hk_str(ship, "last_name", "order.shipping", &last, err, errcap));
    }
    if (first || last) {
        ord->customer.name = rs_hk_printf(in, "%s%s%s", first ? first : "",
                                          first && last ? " " : "", last ? last : "");
        if (!ord->customer.name)
            return RS_ENOMEM;
    }
    RS_HK_TRY(rs_hk_str(bill, "email", "order.billing", &ord->customer.email, err, errcap));
    RS_HK_TRY(rs_hk_str(ship, "phone", "order.shipping", &ord->customer.phone, err, errcap));
    if (!ord->customer.phone)
        RS_HK_TRY(rs_hk_str(bill, "phone", "order.billing", &ord->customer.phone, err, errcap));
    /* WPML records the order's language in meta "wpml_language" ("es", "en", "es_MX") */
    const char *lang = meta_str(metas, "wpml_language");
    if (lang) {
        char *l = rs_hk_strndup(in, lang, strlen(lang));
        if (!l)
            return RS_ENOMEM;
        for (char *p = l; *p; p++)
            *p = *p == '_' ? '-' : *p;
        ord->customer.locale = l;
    }
    const json_t *dest = ship;
    const char *country;
    RS_HK_TRY(rs_hk_str(ship, "country", "order.shipping", &country, err, errcap));
    if (!country)
        dest = bill;
    const char *dpath = dest == ship ? "order.shipping" : "order.billing";
    RS_HK_TRY(rs_hk_str(dest, "postcode", dpath, &ord->destination.postal_code, err, errcap));
    RS_HK_TRY(rs_hk_str(dest, "city", dpath, &ord->destination.city, err, errcap));
    RS_HK_TRY(rs_hk_str(dest, "state", dpath, &ord->destination.region, err, errcap));
    RS_HK_TRY(rs_hk_str(dest, "country", dpath, &country, err, errcap));
    ord->destination.country = rs_hk_country(country);
    RS_HK_TRY(rs_hk_str(o, "status", "order", &status, err, errcap));
    ord->base_status = base_status(status);
    ord->awaiting_payment = status && (strcmp(status, "pending") == 0 ||
                                       strcmp(status, "checkout-draft") == 0);
    ord->source = "woocommerce";

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
        RS_HK_TRY(rs_hk_int(li, "quantity", path, &q, &has_q, err, errcap));
        if (!has_q || q < 0 || q > 1000000)
            return rs_hk_fail(err, errcap, "%s.quantity: missing or out of range", path);
        it[i].quantity = (int)q;
    }
    ord->items = it;
    ord->n_items = (int)n;
    const char *ref = ord->order_ref, *id; /* ord may move when records are appended */
    int64_t modified_at = ord->source_updated_at;
    RS_HK_TRY(rs_hk_id(in, o, "id", "order", &id, err, errcap));
    RS_HK_TRY(shipments(in, metas, ref, err, errcap));
    /* The order's tracking items are the whole list of its parcels (WooCommerce has no
     * fulfillments): a number the merchant replaced (a typo fixed, a new label) is gone from
     * the next order.updated, and its shipment is cancelled like a re-tracked Shopify
     * fulfillment's (app/hooks.c). The "wc-order-" prefix keeps the key apart from Shopify's
     * numeric fulfillment ids of the same merchant. */
    const char *fid = in->n_shipments ? rs_hk_printf(in, "wc-order-%s", id ? id : ref) : NULL;
    if (in->n_shipments && !fid)
        return RS_ENOMEM;
    for (int k = 0; k < in->n_shipments; k++) {
        in->shipments[k].fulfillment_id = fid;
        in->shipments[k].source_updated_at = modified_at;
    }
    return RS_OK;
}

static enum rs_err parse(const char *body, size_t len, const char *topic, struct rs_inbound *in,
                         char *err, size_t errcap)
{
    if (rs_hook_woocommerce_is_ping(body, len))
        return rs_hk_fail(err, errcap,
                          "WooCommerce: this is the activation ping (webhook_id=…): answer 200 "
                          "and ignore it (rs_hook_woocommerce_is_ping)");
    RS_HK_TRY(rs_hk_load(in, body, len, "WooCommerce webhook", err, errcap));
    in->source = "woocommerce";
    if (!topic)
        topic = "order.updated";
    if (strcmp(topic, "order.created") != 0 && strcmp(topic, "order.updated") != 0 &&
        strcmp(topic, "order.restored") != 0)
        return rs_hk_fail(err, errcap,
                          "WooCommerce: unsupported topic \"%.60s\" (expected order.created or "
                          "order.updated)",
                          topic);
    in->topic = rs_hk_strndup(in, topic, strlen(topic));
    if (!in->topic)
        return RS_ENOMEM;
    return order(in, in->root_, err, errcap);
}

enum rs_err rs_hook_woocommerce_parse(const char *body, size_t len, const char *topic,
                                      struct rs_inbound *out, char *err, size_t errcap)
{
    return rs_hk_run(parse, body, len, topic, out, err, errcap);
}
