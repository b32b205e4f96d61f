/* json_in.c — native JSON into input records (see json_in.h). */
#include "ingest/json_in.h"

#include <stdio.h>
#include <string.h>

#include "util/jget.h"

static enum rs_err done(struct rs_jerr *je, struct rs_app_error *err)
{
    if (!je->bad)
        return RS_OK;
    err->code = "invalid_field";
    snprintf(err->message, sizeof err->message, "%s", je->msg);
    return RS_EINVAL;
}

static enum rs_err not_object(struct rs_app_error *err, const char *what)
{
    err->code = "invalid_body"; /* the JSON is well formed (that is invalid_json, 400): its shape is wrong */
    snprintf(err->message, sizeof err->message, "%s must be a JSON object", what);
    return RS_EINVAL;
}

static void location(json_t *o, struct rs_location *l, const char *path, struct rs_jerr *je)
{
    l->postal_code = rs_jstr(o, "postal_code", path, je);
    l->city = rs_jstr(o, "city", path, je);
    l->region = rs_jstr(o, "region", path, je);
    l->country = rs_jstr(o, "country", path, je);
}

enum rs_err rs_json_order_in(json_t *j, struct rs_order_in *out, struct rs_item_in *items, struct rs_app_error *err)
{
    struct rs_jerr je = {0};
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return not_object(err, "an order");
    out->order_ref = rs_jstr(j, "order_ref", "", &je);
    out->placed_at = rs_jtime(j, "placed_at", "", &out->placed_offset_min, &je);
    json_t *c = rs_jobj(j, "customer", "", &je);
    out->customer.name = rs_jstr(c, "name", "customer", &je);
    out->customer.email = rs_jstr(c, "email", "customer", &je);
    out->customer.phone = rs_jstr(c, "phone", "customer", &je);
    out->customer.locale = rs_jstr(c, "locale", "customer", &je);
    out->customer.preferred_channel = rs_jstr(c, "preferred_channel", "customer", &je);
    out->customer.timezone = rs_jstr(c, "timezone", "customer", &je);
    location(rs_jobj(j, "destination", "", &je), &out->destination, "destination", &je);
    const char *st = rs_jstr(j, "status", "", &je);
    out->base_status = RS_ORDER_PLACED;
    if (st) {
        int v = rs_order_status_parse(st);
        if (v < 0 && !je.bad) {
            je.bad = true;
            snprintf(je.msg, sizeof je.msg, "status \"%.40s\" is not an order status (placed, processing, cancelled)", st);
        } else if (v >= 0) {
            out->base_status = (enum rs_order_status)v;
        }
    }
    json_t *arr = rs_jarr(j, "items", "", &je);
    size_t i;
    json_t *it;
    if (arr && json_array_size(arr) > RS_MAX_ITEMS && !je.bad) {
        je.bad = true;
        snprintf(je.msg, sizeof je.msg, "items may hold at most %d entries", RS_MAX_ITEMS);
    }
    json_array_foreach(arr, i, it) {
        if (je.bad || i >= RS_MAX_ITEMS)
            break;
        if (!json_is_object(it)) {
            je.bad = true;
            snprintf(je.msg, sizeof je.msg, "items[%zu] must be an object", i);
            break;
        }
        items[i].sku = rs_jstr(it, "sku", "items[]", &je);
        items[i].name = rs_jstr(it, "name", "items[]", &je);
        items[i].quantity = rs_jint(it, "quantity", "items[]", 1, &je);
        out->n_items = (int)i + 1;
    }
    out->items = items;
    out->source = "api";
    return done(&je, err);
}

enum rs_err rs_json_shipment_in(json_t *j, struct rs_shipment_in *out, struct rs_app_error *err)
{
    struct rs_jerr je = {0};
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return not_object(err, "a shipment");
    out->order_ref = rs_jstr(j, "order_ref", "", &je);
    out->carrier = rs_jstr(j, "carrier", "", &je);
    out->tracking_number = rs_jstr(j, "tracking_number", "", &je);
    out->service = rs_jstr(j, "service", "", &je);
    location(rs_jobj(j, "origin", "", &je), &out->origin, "origin", &je);
    json_t *eta = rs_jobj(j, "carrier_estimate", "", &je);
    out->eta.from = rs_jstr(eta, "from", "carrier_estimate", &je);
    out->eta.to = rs_jstr(eta, "to", "carrier_estimate", &je);
    out->source = "api";
    return done(&je, err);
}

enum rs_err rs_json_event_in(json_t *j, struct rs_event_in *out, struct rs_app_error *err)
{
    struct rs_jerr je = {0};
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return not_object(err, "an event");
    out->carrier = rs_jstr(j, "carrier", "", &je);
    out->tracking_number = rs_jstr(j, "tracking_number", "", &je);
    out->occurred_at = rs_jtime(j, "occurred_at", "", &out->offset_min, &je);
    const char *st = rs_jstr(j, "status", "", &je);
    const char *sub = rs_jstr(j, "substatus", "", &je);
    out->code = rs_jstr(j, "code", "", &je);
    out->message = rs_jstr(j, "message", "", &je);
    out->action_required = rs_jbool(j, "action_required", "", &je);
    location(rs_jobj(j, "location", "", &je), &out->location, "location", &je);
    json_t *pk = rs_jobj(j, "pickup", "", &je);
    out->pickup.name = rs_jstr(pk, "name", "pickup", &je);
    out->pickup.address = rs_jstr(pk, "address", "pickup", &je);
    out->pickup.deadline = rs_jstr(pk, "deadline", "pickup", &je);
    return rs_event_in_finish(out, st, sub, &je, err);
}

enum rs_err rs_event_in_finish(struct rs_event_in *out, const char *st, const char *sub, struct rs_jerr *je,
                               struct rs_app_error *err)
{
    out->source = "api";
    if (!je->bad && st && *st) {
        out->status = rs_status_parse(st);
        if (out->status == RS_STATUS_NONE) {
            je->bad = true;
            snprintf(je->msg, sizeof je->msg,
                     "status \"%.40s\" is not a canonical status (pending, info_received, in_transit, "
                     "out_for_delivery, attempt_failed, available_for_pickup, delivered, exception, returning, "
                     "returned, expired)",
                     st);
        }
    }
    if (!je->bad && sub && *sub) {
        out->substatus = rs_substatus_parse(sub);
        if (out->substatus == RS_SUB_NONE) {
            je->bad = true;
            snprintf(je->msg, sizeof je->msg, "substatus \"%.40s\" is not a canonical sub-status (docs/statuses.md)", sub);
        }
    }
    return done(je, err);
}
