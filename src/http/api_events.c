/* api_events.c — POST /v1/events: one event (an object) or a batch (an array of up to
 * RS_MAX_BATCH). Each item is answered: accepted, duplicate, or rejected with the reason. Valid
 * items go to the writer as one replayable job (app/writer.h), and the answer comes only after
 * the commit. A rejected item never takes a good one with it: the usual rejections (unknown
 * shipment, too many events) and duplicates happen before the item writes anything, so the job
 * runs bare, with no savepoint at all; should an item fail after writing, the job fails, the
 * writer rolls the round back and runs it again guarded, where each item has its own savepoint.
 * (A savepoint per item made SQLite copy every page each item touched into its sub-journal:
 * about half of the writer's time on 1,000-event batches.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/events_bus.h"
#include "app/ingest.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "ingest/events_fast.h"
#include "ingest/json_in.h"
#include "util/buf.h"
#include "util/timefmt.h"

enum item_result { ITEM_ACCEPTED, ITEM_DUPLICATE, ITEM_REJECTED };

struct item {
    struct rs_event_in ev;
    struct rs_event_pre pre; /* worked out here, not on the writer thread */
    struct rs_prep_buf buf;
    enum item_result result;
    struct rs_app_error err;
    bool valid;
};

struct events_job {
    int64_t merchant_id;
    struct item *items;
    size_t n;
};

static enum rs_err events_job_items(struct rs_store *s, struct events_job *j, struct rs_ship_cache *cache, int64_t now);

static enum rs_err events_job_run(struct rs_store *s, void *ctx)
{
    struct events_job *j = ctx;
    int64_t now = rs_now();
    struct rs_ship_cache cache = {0}; /* this job's shipments, for batches */
    if (j->n > 1)
        rs_ship_cache_init(&cache, j->n);
    enum rs_err e = events_job_items(s, j, &cache, now);
    rs_ship_cache_free(&cache);
    return e;
}

static enum rs_err events_job_items(struct rs_store *s, struct events_job *j, struct rs_ship_cache *cache, int64_t now)
{
    bool bare = rs_writer_bare();
    for (size_t i = 0; i < j->n; i++) {
        struct item *it = &j->items[i];
        if (!it->valid)
            continue;
        enum rs_err e;
        if (bare) {
            uint64_t before = rs_store_changes(s);
            e = rs_app_event_record_pre(s, j->merchant_id, &it->ev, &it->pre, cache, now, &it->err);
            if (e == RS_OK || e == RS_EDUPLICATE)
                it->result = e == RS_OK ? ITEM_ACCEPTED : ITEM_DUPLICATE;
            else if (e == RS_EINVAL && rs_store_changes(s) == before)
                it->result = ITEM_REJECTED; /* refused before writing anything */
            else
                return e; /* the writer replays the round guarded (or it is storage trouble) */
            continue;
        }
        if ((e = rs_store_savepoint(s)))
            return e;
        e = rs_app_event_record_pre(s, j->merchant_id, &it->ev, &it->pre, cache, now, &it->err);
        if (e == RS_OK || e == RS_EDUPLICATE) {
            it->result = e == RS_OK ? ITEM_ACCEPTED : ITEM_DUPLICATE;
            if ((e = rs_store_release(s)))
                return e;
        } else {
            rs_store_rollback_to(s);
            if (e != RS_EINVAL)
                return e; /* storage trouble: the whole job fails, nothing is kept */
            it->result = ITEM_REJECTED;
        }
    }
    return RS_OK;
}

static const char *result_name(enum item_result r)
{
    return r == ITEM_ACCEPTED ? "accepted" : r == ITEM_DUPLICATE ? "duplicate" : "rejected";
}

static json_t *error_obj(const struct rs_app_error *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(err->code ? err->code : "invalid"));
    json_object_set_new(o, "message", json_string(err->message));
    return o;
}

/* One POST's state while its job waits for the commit (rs_req_write): the items point into
 * BODY's strings, so the body lives as long as they do. JOB comes first: the writer's context
 * (&p->job) and the finish's are the same pointer. */
struct events_post {
    struct events_job job;
    json_t *body; /* jansson's parse, or */
    char *copy;   /* the body read by ingest/events_fast.h: the items' strings live here */
    bool batch;
};

static void events_post_free(struct events_post *p)
{
    free(p->job.items);
    json_decref(p->body);
    free(p->copy);
    free(p);
}

/* After the commit (or straight away when no item was valid): the answer. */
static void events_post_finish(struct rs_req *r, enum rs_err e, void *ctx)
{
    struct events_post *p = ctx;
    struct item *items = p->job.items;
    size_t n = p->job.n;
    bool any_valid = false;
    for (size_t i = 0; i < n; i++)
        any_valid |= items[i].valid;
    if (!e && any_valid)
        rs_bus_bump(r->merchant_id); /* live tracking pages re-read */
    if (e) {
        rs_reply_err(r, e, "events");
    } else {
        int counts[3] = {0};
        for (size_t i = 0; i < n; i++)
            counts[items[i].result]++;
        rs_metrics_events(counts[ITEM_ACCEPTED], counts[ITEM_DUPLICATE], counts[ITEM_REJECTED]);
        if (!p->batch) {
            struct item *it = &items[0];
            if (it->result == ITEM_REJECTED) {
                rs_reply_error(r, 422, it->err.code ? it->err.code : "invalid", "%s", it->err.message);
            } else { /* {"result":"accepted"|"duplicate"}: fixed text, no JSON tree to build */
                char txt[40];
                int len = snprintf(txt, sizeof txt, "{\"result\":\"%s\"}", result_name(it->result));
                rs_reply_text(r, it->result == ITEM_ACCEPTED ? 201 : 200, "application/json", txt, (size_t)len);
            }
        } else {
            /* Written as text: a jansson tree of 1,000 results cost more than parsing them.
             * The same document json_dumps(JSON_COMPACT) made (keys in insertion order); only
             * a rejected item's error goes through jansson, for its escaping. */
            struct rs_buf b;
            rs_buf_init(&b);
            rs_buf_puts(&b, "{\"results\":[");
            for (size_t i = 0; i < n; i++) {
                rs_buf_printf(&b, "%s{\"index\":%zu,\"result\":\"%s\"", i ? "," : "", i, result_name(items[i].result));
                if (items[i].result == ITEM_REJECTED) {
                    json_t *eo = error_obj(&items[i].err);
                    char *et = json_dumps(eo, JSON_COMPACT);
                    json_decref(eo);
                    rs_buf_puts(&b, ",\"error\":");
                    rs_buf_puts(&b, et ? et : "{}");
                    free(et);
                }
                rs_buf_add(&b, "}", 1);
            }
            rs_buf_printf(&b, "],\"accepted\":%d,\"duplicate\":%d,\"rejected\":%d}", counts[ITEM_ACCEPTED],
                          counts[ITEM_DUPLICATE], counts[ITEM_REJECTED]);
            rs_reply_text(r, 200, "application/json", b.data ? b.data : "", b.len);
            rs_buf_release(&b);
        }
    }
    events_post_free(p);
}

/* Any body through jansson: false when answered already (bad JSON, empty batch, too large). */
static bool events_slow(struct rs_req *r, struct events_post *p)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return false;
    bool batch = json_is_array(body);
    size_t n = batch ? json_array_size(body) : 1;
    if (batch && n == 0) {
        rs_reply_error(r, 400, "empty_batch", "the batch is empty: send one event or an array of 1 to %d", RS_MAX_BATCH);
        json_decref(body);
        return false;
    }
    if (n > RS_MAX_BATCH) {
        rs_reply_error(r, 413, "batch_too_large", "a batch holds at most %d events; this one has %zu", RS_MAX_BATCH, n);
        json_decref(body);
        return false;
    }
    struct item *items = calloc(n, sizeof *items);
    if (!items) {
        rs_reply_err(r, RS_ENOMEM, "events");
        json_decref(body);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct item *it = &items[i];
        json_t *j = batch ? json_array_get(body, i) : body;
        enum rs_err e = rs_json_event_in(j, &it->ev, &it->err);
        if (!e)
            e = rs_app_event_prepare(&it->ev, &it->buf, &it->err);
        if (!e && (e = rs_app_event_precompute(&it->ev, &it->pre)))
            it->err = (struct rs_app_error){.code = "internal", .message = "could not hash the event"};
        it->valid = e == RS_OK;
        it->result = ITEM_REJECTED;
    }
    p->job = (struct events_job){.merchant_id = r->merchant_id, .items = items, .n = n};
    p->body = body;
    p->batch = batch;
    return true;
}

/* The common shape through ingest/events_fast.h: true when P holds the parsed items (valid or
 * rejected, as rs_json_event_in would have them); false: parse with jansson. */
static bool events_fast(struct rs_req *r, struct events_post *p)
{
    if (!rs_req_media_is(r, "application/json") || !r->body || r->body_len == 0)
        return false; /* rs_req_json answers these */
    size_t cap = 1; /* an upper bound of the events: one per '{' (more than RS_MAX_BATCH is jansson's) */
    for (const char *q = r->body; (q = memchr(q, '{', r->body_len - (size_t)(q - r->body))) && cap <= RS_MAX_BATCH;
         q++)
        cap++;
    if (cap > RS_MAX_BATCH)
        cap = RS_MAX_BATCH;
    struct rs_event_in *evs = malloc(cap * sizeof *evs);
    struct rs_event_fast *raw = malloc(cap * sizeof *raw);
    p->copy = malloc(r->body_len + 1);
    size_t n = 0;
    if (evs && raw && p->copy) {
        memcpy(p->copy, r->body, r->body_len);
        p->copy[r->body_len] = '\0';
        n = rs_events_fast_parse(p->copy, r->body_len, evs, raw, cap, &p->batch);
    }
    struct item *items = n ? calloc(n, sizeof *items) : NULL;
    if (items) {
        for (size_t i = 0; i < n; i++) {
            struct item *it = &items[i];
            it->ev = evs[i];
            enum rs_err e = rs_events_fast_item(&it->ev, &raw[i], &it->err);
            if (!e)
                e = rs_app_event_prepare(&it->ev, &it->buf, &it->err);
            if (!e && (e = rs_app_event_precompute(&it->ev, &it->pre)))
                it->err = (struct rs_app_error){.code = "internal", .message = "could not hash the event"};
            it->valid = e == RS_OK;
            it->result = ITEM_REJECTED;
        }
        p->job = (struct events_job){.merchant_id = r->merchant_id, .items = items, .n = n};
    } else {
        free(p->copy);
        p->copy = NULL;
    }
    free(evs);
    free(raw);
    return items != NULL;
}

void rs_api_events_post(struct rs_req *r)
{
    struct events_post *p = calloc(1, sizeof *p);
    if (!p) {
        rs_reply_err(r, RS_ENOMEM, "events");
        return;
    }
    if (!events_fast(r, p) && !events_slow(r, p)) {
        free(p);
        return; /* answered */
    }
    bool any_valid = false;
    for (size_t i = 0; i < p->job.n; i++)
        any_valid |= p->job.items[i].valid;
    if (any_valid)
        rs_req_write(r, events_job_run, &p->job, RS_WRITE_REPLAYABLE, events_post_finish); /* answered after the commit */
    else
        events_post_finish(r, RS_OK, p);
}
