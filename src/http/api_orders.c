/* api_orders.c — POST /v1/orders, GET /v1/orders/{order_ref}, POST /v1/shipments,
 * GET /v1/shipments/{carrier}/{tracking_number}. Parse and answer here; app/ decides. */
#include <stdio.h>
#include <string.h>

#include "app/events_bus.h"
#include "app/hooks.h"
#include "app/ingest.h"
#include "http/routes.h"
#include "ingest/json_in.h"
#include "util/timefmt.h"

/* Percent-encode S for a URL path segment. */
static void url_segment(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

/* Adds tracking_url to an order document. */
static void add_tracking_url(struct rs_req *r, json_t *order)
{
    const char *code = json_string_value(json_object_get(order, "tracking_code"));
    if (!code)
        return;
    char url[512];
    snprintf(url, sizeof url, "%s/t/%s", rs_server_base_url(r->srv), code);
    json_object_set_new(order, "tracking_url", json_string(url));
}

static void reply_order(struct rs_req *r, int status, const char *order_ref, const char *result)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "no reader");
        return;
    }
    json_t *o = NULL;
    enum rs_err e = rs_store_order_json(s, r->merchant_id, order_ref, &o);
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "order_not_found", "no order \"%.128s\" for this merchant", order_ref);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "order read");
        return;
    }
    add_tracking_url(r, o);
    if (result)
        json_object_set_new(o, "result", json_string(result));
    rs_reply_json(r, status, o);
}

struct order_job {
    int64_t merchant_id;
    struct rs_order_in in;
    enum rs_put_result res;
    char code[RS_TRACKCODE_LEN];
    struct rs_app_error err;
};

static enum rs_err order_job_run(struct rs_store *s, void *ctx)
{
    struct order_job *j = ctx;
    int64_t now = rs_now();
    enum rs_err e = rs_app_order_put(s, j->merchant_id, &j->in, now, &j->res, j->code, &j->err);
    if (e || j->res != RS_PUT_CREATED)
        return e;
    /* shop deliveries that raced ahead of this order (docs/api/webhooks.md) */
    json_t *refs = json_pack("[s]", j->in.order_ref), *replays = NULL;
    e = refs ? rs_app_hook_replay_waiting(s, j->merchant_id, refs, "POST /v1/orders", now, &replays) : RS_ENOMEM;
    json_decref(refs);
    json_decref(replays);
    return e;
}

void rs_api_order_post(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    static __thread struct rs_item_in items[RS_MAX_ITEMS];
    struct order_job job = {.merchant_id = r->merchant_id};
    struct rs_prep_buf buf;
    enum rs_err e = rs_json_order_in(body, &job.in, items, &job.err);
    if (!e)
        e = rs_app_order_prepare(&job.in, &buf, &job.err);
    if (!e)
        e = rs_writer_run(rs_server_writer(r->srv), order_job_run, &job);
    if (!e)
        rs_bus_bump(r->merchant_id); /* live tracking pages re-read */
    if (e == RS_EINVAL) {
        rs_reply_error(r, 422, job.err.code, "%s", job.err.message);
    } else if (e) {
        rs_reply_err(r, e, job.err.message);
    } else {
        char seg[400];
        url_segment(job.in.order_ref, seg, sizeof seg);
        snprintf(r->location, sizeof r->location, "/v1/orders/%s", seg);
        reply_order(r, job.res == RS_PUT_CREATED ? 201 : 200, job.in.order_ref, rs_put_result_name(job.res));
    }
    json_decref(body);
}

void rs_api_order_get(struct rs_req *r)
{
    reply_order(r, 200, r->params[0], NULL);
}

struct shipment_job {
    int64_t merchant_id;
    struct rs_shipment_in in;
    enum rs_put_result res;
    struct rs_app_error err;
};

static enum rs_err shipment_job_run(struct rs_store *s, void *ctx)
{
    struct shipment_job *j = ctx;
    return rs_app_shipment_put(s, j->merchant_id, &j->in, rs_now(), &j->res, &j->err);
}

static void reply_shipment(struct rs_req *r, int status, const char *carrier, const char *number, const char *result,
                           json_t *suggestions)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "no reader");
        return;
    }
    json_t *o = NULL;
    enum rs_err e = rs_store_shipment_json(s, r->merchant_id, carrier, number, &o);
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "shipment_not_found", "no shipment %.32s %.64s for this merchant", carrier, number);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "shipment read");
        return;
    }
    if (result)
        json_object_set_new(o, "result", json_string(result));
    if (suggestions)
        json_object_set(o, "carrier_suggestions", suggestions);
    rs_reply_json(r, status, o);
}

/* Candidates from the number's format when none of them is the stated carrier (never changes
 * it: a suggestion for the merchant to look at). NULL when the format says nothing against it. */
static json_t *carrier_suggestions(const char *carrier, const char *number)
{
    const char *best;
    json_t *c = rs_carrier_candidates_json(number, &best);
    size_t i;
    json_t *g;
    bool match = json_array_size(c) == 0;
    json_array_foreach(c, i, g) match |= strcmp(json_string_value(json_object_get(g, "carrier")), carrier) == 0;
    if (match) {
        json_decref(c);
        return NULL;
    }
    return c;
}

void rs_api_shipment_post(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    struct shipment_job job = {.merchant_id = r->merchant_id};
    struct rs_prep_buf buf;
    enum rs_err e = rs_json_shipment_in(body, &job.in, &job.err);
    if (!e)
        e = rs_app_shipment_prepare(&job.in, &buf, &job.err);
    if (!e)
        e = rs_writer_run(rs_server_writer(r->srv), shipment_job_run, &job);
    if (!e)
        rs_bus_bump(r->merchant_id); /* live tracking pages re-read */
    if (e == RS_EINVAL) {
        rs_reply_error(r, 422, job.err.code, "%s", job.err.message);
    } else if (e == RS_ECONFLICT && job.err.code) {
        rs_reply_error(r, 409, job.err.code, "%s", job.err.message);
    } else if (e) {
        rs_reply_err(r, e, job.err.message);
    } else {
        char c[100], n[200];
        url_segment(job.in.carrier, c, sizeof c);
        url_segment(job.in.tracking_number, n, sizeof n);
        snprintf(r->location, sizeof r->location, "/v1/shipments/%s/%s", c, n);
        json_t *sg = carrier_suggestions(job.in.carrier, job.in.tracking_number);
        reply_shipment(r, job.res == RS_PUT_CREATED ? 201 : 200, job.in.carrier, job.in.tracking_number,
                       rs_put_result_name(job.res), sg);
        json_decref(sg);
    }
    json_decref(body);
}

struct cancel_job {
    int64_t merchant_id;
    const char *carrier, *tracking_number;
    enum rs_put_result res;
    struct rs_app_error err;
};

static enum rs_err cancel_job_run(struct rs_store *s, void *ctx)
{
    struct cancel_job *j = ctx;
    return rs_app_shipment_cancel(s, j->merchant_id, j->carrier, j->tracking_number, rs_now(), &j->res, &j->err);
}

/* Cancel a shipment (a voided label, a parcel that will not travel): kept in the merchant's
 * history with cancelled_at, gone from the customer's page and notifications. */
void rs_api_shipment_delete(struct rs_req *r)
{
    struct rs_shipment_in in = {.order_ref = "-", .carrier = r->params[0], .tracking_number = r->params[1]};
    struct rs_prep_buf buf;
    struct cancel_job job = {.merchant_id = r->merchant_id};
    if (rs_app_shipment_prepare(&in, &buf, &job.err) != RS_OK) {
        rs_reply_error(r, 400, job.err.code, "%s", job.err.message);
        return;
    }
    job.carrier = in.carrier;
    job.tracking_number = in.tracking_number;
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), cancel_job_run, &job);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, job.err.code, "%s", job.err.message);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "shipment cancel");
        return;
    }
    rs_bus_bump(r->merchant_id); /* live tracking pages re-read */
    reply_shipment(r, 200, in.carrier, in.tracking_number, job.res == RS_PUT_UPDATED ? "cancelled" : "unchanged",
                   NULL);
}

void rs_api_shipment_get(struct rs_req *r)
{
    /* normalise the path the same way as input, so "Correos" and "correos" find the same */
    struct rs_shipment_in in = {.order_ref = "-", .carrier = r->params[0], .tracking_number = r->params[1]};
    struct rs_prep_buf buf;
    struct rs_app_error err = {0};
    if (rs_app_shipment_prepare(&in, &buf, &err) != RS_OK) {
        rs_reply_error(r, 400, err.code, "%s", err.message);
        return;
    }
    reply_shipment(r, 200, in.carrier, in.tracking_number, NULL, NULL);
}
