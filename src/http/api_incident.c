/* api_incident.c — the incidents API (docs/incidents.md): POST/GET /v1/incidents,
 * GET/PATCH /v1/incidents/{id}, POST /v1/incidents/{id}/notes, POST /v1/orders/{ref}/coupons,
 * and GET/PUT /v1/support/settings (admin scope). Input shape is checked here; every change
 * runs as one writer job through app/incident.h, so it is logged, told to the customer and
 * committed before the answer (or not written at all). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/ingest.h"
#include "app/incident.h"
#include "app/notify_enqueue.h"
#include "app/support_settings.h"
#include "http/routes.h"
#include "store/store_incident.h"
#include "store/store_page.h"
#include "util/timefmt.h"

#define ACTOR_API "api"

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The incident of the path: its id (42) or its reference as the customer has it (INC-000042,
 * rs_incident_reference). */
static bool parse_id(struct rs_req *r, int64_t *id)
{
    long long v;
    const char *p = r->params[0];
    if (strncasecmp(p, "INC-", 4) == 0)
        p += 4;
    if (!rs_parse_int(p, 1, INT64_MAX, &v)) {
        rs_reply_error(r, 404, "incident_not_found",
                       "\"%.40s\" is not an incident id (a number such as 42, or a reference such as INC-000042)",
                       r->params[0]);
        return false;
    }
    *id = v;
    return true;
}

static void reply_incident(struct rs_req *r, int status, int64_t id)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *j = NULL;
    enum rs_err e = s ? rs_store_incident_detail(s, r->merchant_id, id, rs_now(), &j) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND)
        rs_reply_error(r, 404, "incident_not_found", "no incident %lld for this merchant", (long long)id);
    else if (e)
        rs_reply_err(r, e, "incident read");
    else
        rs_reply_json(r, status, j);
}

/* A coupon object {"kind","value","currency","expires_at","reason"}: on a problem the 422 answer
 * is set and false returned. Strings point into C. */
static bool parse_coupon(struct rs_req *r, json_t *c, const char *path, struct rs_coupon_req *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(c)) {
        rs_reply_error(r, 422, "invalid_coupon",
                       "%s must be an object {\"kind\":\"percent\"|\"amount\",\"value\",\"currency\",\"expires_at\","
                       "\"reason\"}",
                       path);
        return false;
    }
    out->kind = jstr(c, "kind");
    if (!out->kind || (strcmp(out->kind, "percent") != 0 && strcmp(out->kind, "amount") != 0)) {
        rs_reply_error(r, 422, "invalid_coupon", "%s.kind must be \"percent\" or \"amount\"", path);
        return false;
    }
    bool pct = strcmp(out->kind, "percent") == 0;
    json_t *v = json_object_get(c, "value");
    double val = json_is_number(v) ? json_number_value(v) : -1;
    if (val < 0.005 || (pct && val > 100) || val > 100000) { /* below 0.005 rounds to nothing */
        rs_reply_error(r, 422, "invalid_coupon",
                       "%s.value must be a number from 0.01: a percentage up to 100, or an amount up to 100000 "
                       "(5.5 = 5.50)",
                       path);
        return false;
    }
    out->value_cents = (int64_t)(val * 100 + 0.5);
    out->currency = jstr(c, "currency");
    const char *k = out->currency;
    if (!pct && (!k || strlen(k) != 3 || k[0] < 'A' || k[0] > 'Z' || k[1] < 'A' || k[1] > 'Z' || k[2] < 'A' ||
                 k[2] > 'Z')) {
        rs_reply_error(r, 422, "invalid_coupon", "%s.currency must be an ISO 4217 code such as \"EUR\" for amount "
                       "coupons", path);
        return false;
    }
    if (json_object_get(c, "expires_at")) {
        int off;
        const char *t = jstr(c, "expires_at");
        if (!t || rs_time_parse(t, false, &out->expires_at, &off) != RS_OK || out->expires_at <= rs_now()) {
            rs_reply_error(r, 422, "invalid_coupon", "%s.expires_at must be a future RFC 3339 time with an offset",
                           path);
            return false;
        }
    }
    out->reason = jstr(c, "reason") ? jstr(c, "reason") : "goodwill";
    size_t n = strlen(out->reason);
    if (n == 0 || n > 31 || strspn(out->reason, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
        rs_reply_error(r, 422, "invalid_coupon", "%s.reason must be 1 to 31 lower-case letters, digits, '_' or '-' "
                       "(e.g. \"late\", \"damaged\", \"goodwill\")", path);
        return false;
    }
    return true;
}

/* ---- POST /v1/incidents ---- */

struct open_job {
    int64_t merchant_id;
    const char *order_ref;
    struct rs_incident_open in; /* in.sla_due_at 0: from the support settings */
    int64_t id;
    bool retried; /* the same report was sent a moment ago: ID is that one */
};

static enum rs_err open_run(struct rs_store *s, void *ctx)
{
    struct open_job *j = ctx;
    struct rs_order_key k;
    enum rs_err e = rs_store_order_find(s, j->merchant_id, j->order_ref, &k);
    if (e)
        return e;
    j->in.order_id = k.id;
    int64_t now = rs_now();
    /* a POST sent again (a client retrying after a timeout) answers with the incident it opened */
    if ((e = rs_store_incident_resent(s, k.id, j->in.origin, j->in.type, j->in.message, now - RS_INCIDENT_RESENT_S,
                                      &j->id)))
        return e;
    if ((j->retried = j->id > 0))
        return RS_OK;
    return rs_incident_open(s, j->merchant_id, &j->in, ACTOR_API, now, &j->id);
}

void rs_api_incident_post(struct rs_req *r)
{
    json_t *b = rs_req_json(r);
    if (!b)
        return;
    struct open_job job = {.merchant_id = r->merchant_id, .order_ref = jstr(b, "order_ref")};
    job.in.type = jstr(b, "type");
    job.in.origin = jstr(b, "origin") ? jstr(b, "origin") : "api";
    job.in.message = jstr(b, "message");
    job.in.contact = jstr(b, "contact");
    job.in.locale = jstr(b, "locale");
    bool ok = true;
    if (json_object_get(b, "sla_due_at")) {
        int off;
        if (!jstr(b, "sla_due_at") || rs_time_parse(jstr(b, "sla_due_at"), false, &job.in.sla_due_at, &off) ||
            job.in.sla_due_at <= 0) {
            rs_reply_error(r, 422, "invalid_time", "sla_due_at is an RFC 3339 time with an offset");
            ok = false;
        }
    }
    if (!ok) {
    } else if (!job.order_ref || !*job.order_ref) {
        rs_reply_error(r, 422, "missing_order_ref", "an incident needs the order_ref of the order it is about");
    } else if (rs_incident_type_index(job.in.type) < 0) {
        rs_reply_error(r, 422, "invalid_type",
                       "type must be one of late, lost, damaged, missing_item, wrong_item, address, customs, return, other");
    } else if (!*job.in.origin || strlen(job.in.origin) > 32 || (job.in.message && strlen(job.in.message) > 4000) ||
               (job.in.contact && strlen(job.in.contact) > 256)) {
        rs_reply_error(r, 422, "too_long", "origin is 1 to 32 characters, message at most 4000, contact at most 256");
    } else if (job.in.locale && !rs_app_locale_ok(job.in.locale)) {
        rs_reply_error(r, 422, "invalid_locale", "locale is \"es\" or \"en\" (a region may follow, e.g. \"es-MX\")");
    } else {
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), open_run, &job);
        if (e == RS_ENOTFOUND)
            rs_reply_error(r, 404, "order_not_found", "no order \"%.128s\" for this merchant", job.order_ref);
        else if (e)
            rs_reply_err(r, e, "incident");
        else {
            snprintf(r->location, sizeof r->location, "/v1/incidents/%lld", (long long)job.id);
            reply_incident(r, job.retried ? 200 : 201, job.id);
        }
    }
    json_decref(b);
}

/* ---- GET ---- */

void rs_api_incident_get(struct rs_req *r)
{
    int64_t id;
    if (parse_id(r, &id))
        reply_incident(r, 200, id);
}

void rs_api_incident_list(struct rs_req *r)
{
    static const char *const known[] = {"state", "origin", "order_ref", "queue", "agent", "limit", "before", NULL};
    if (!rs_req_query_known(r, known))
        return;
    struct rs_incident_filter f = {.state = rs_req_query(r, "state"),
                                   .origin = rs_req_query(r, "origin"),
                                   .order_ref = rs_req_query(r, "order_ref"),
                                   .agent_email = rs_req_query(r, "agent")};
    const char *queue = rs_req_query(r, "queue");
    long long limit = 50, before_id = 0;
    if (!rs_req_page(r, 500, &limit, &before_id, "an incident id (next_before of the previous page)"))
        return;
    if (f.origin && (!*f.origin || strlen(f.origin) > 32)) {
        rs_reply_error(r, 400, "invalid_origin",
                       "origin is the channel the incident came from: tracking_page, email, sms, whatsapp, webchat, "
                       "phone, bot, policy, api, or the one an API client gave (1 to 32 characters)");
        return;
    }
    if (f.order_ref && !*f.order_ref) {
        rs_reply_error(r, 400, "invalid_parameter", "order_ref is the order's reference (not empty)");
        return;
    }
    f.limit = (int)limit;
    f.before_id = before_id;
    if (f.state && rs_incident_state_index(f.state) < 0) {
        rs_reply_error(r, 400, "invalid_state",
                       "state must be one of open, waiting_customer, waiting_carrier, resolved, closed");
        return;
    }
    if (queue && strcmp(queue, "breaching") == 0) {
        f.breaching = true;
    } else if (queue && strcmp(queue, "unassigned") == 0) {
        f.unassigned = true;
    } else if (queue) {
        rs_reply_error(r, 400, "invalid_queue",
                       "queue must be \"breaching\" (SLA due time past, not resolved or closed) or \"unassigned\"");
        return;
    }
    if (f.agent_email && (!*f.agent_email || strlen(f.agent_email) > 254)) {
        rs_reply_error(r, 400, "invalid_agent", "agent is an agent's e-mail address");
        return;
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *arr = NULL;
    enum rs_err e = s ? rs_store_incident_query(s, r->merchant_id, &f, rs_now(), &arr) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "incidents");
        return;
    }
    json_t *root = json_object();
    size_t n = json_array_size(arr);
    if (n == (size_t)f.limit)
        json_object_set_new(root, "next_before", json_incref(json_object_get(json_array_get(arr, n - 1), "id")));
    json_object_set_new(root, "incidents", arr);
    rs_reply_json(r, 200, root);
}

/* ---- PATCH ---- */

struct patch_job {
    int64_t merchant_id, id;
    bool assign;
    const char *agent_email;   /* NULL with ASSIGN: unassign */
    const char *state, *resolution;
    bool has_coupon;
    struct rs_coupon_req coupon;
    /* what went wrong, for the answer */
    const char *why_code;
    char why[200];
};

static enum rs_err patch_fail(struct patch_job *j, const char *code, const char *msg)
{
    j->why_code = code;
    snprintf(j->why, sizeof j->why, "%s", msg);
    return RS_EINVAL; /* the writer rolls the whole job back */
}

static enum rs_err patch_run(struct rs_store *s, void *ctx)
{
    struct patch_job *j = ctx;
    int64_t now = rs_now();
    struct rs_incident_row row;
    enum rs_err e = rs_store_incident_row(s, j->merchant_id, j->id, &row);
    if (e)
        return e;
    if (j->assign) {
        int64_t aid = 0;
        char email[256];
        if (j->agent_email) {
            e = rs_store_agent_of_merchant(s, j->merchant_id, 0, j->agent_email, &aid, email);
            if (e == RS_ENOTFOUND) {
                snprintf(j->why, sizeof j->why, "no active agent \"%.100s\" in this shop (create one with `rastro "
                         "agent create`)", j->agent_email);
                j->why_code = "unknown_agent";
                return RS_EINVAL;
            }
            if (e)
                return e;
        }
        if ((e = rs_incident_assign(s, j->merchant_id, j->id, aid, ACTOR_API, now)))
            return e == RS_EINVAL ? patch_fail(j, "unknown_agent", "that agent is not one of this shop's") : e;
    }
    if (j->resolution && strcmp(row.state, "resolved") == 0 && strcmp(row.resolution, j->resolution) == 0) {
        /* the same resolution again (a client retrying after a timeout): it is resolved so, as a
         * state set twice is; a coupon asked for must be the one it was resolved with */
        bool same = true;
        if (j->has_coupon) {
            struct rs_coupon had = {0};
            if (!row.coupon_id || (e = rs_store_coupon_get(s, row.coupon_id, &had)))
                return row.coupon_id ? e : patch_fail(j, "invalid_transition", "the incident is already resolved");
            same = strcmp(had.kind, j->coupon.kind) == 0 && had.value_cents == j->coupon.value_cents &&
                   (strcmp(had.kind, "amount") != 0 || strcasecmp(had.currency, j->coupon.currency) == 0);
        }
        if (!same)
            return patch_fail(j, "invalid_transition", "the incident is already resolved, with another coupon");
    } else if (j->resolution) {
        e = rs_incident_resolve(s, j->merchant_id, j->id, j->resolution, j->has_coupon ? &j->coupon : NULL,
                                ACTOR_API, now, NULL);
        if (e == RS_ECONFLICT)
            return patch_fail(j, "invalid_transition", "the incident is already resolved or closed");
        if (e == RS_EDUPLICATE) {
            int64_t cid = 0;
            struct rs_coupon had = {0};
            if ((e = rs_store_incident_coupon(s, j->id, &cid)) || (e = rs_store_coupon_get(s, cid, &had)))
                return e;
            snprintf(j->why, sizeof j->why, "this incident already has the coupon %s: send \"resolution\":"
                     "\"coupon\" without \"coupon\" to resolve it with that one", had.code);
            j->why_code = "coupon_already_issued";
            return RS_EINVAL;
        }
        if (e == RS_EINVAL && !j->has_coupon)
            return patch_fail(j, "missing_coupon", "a \"coupon\" resolution needs a \"coupon\" object "
                              "{\"kind\",\"value\",\"currency\",\"expires_at\",\"reason\"} (unless the incident "
                              "already has a coupon)");
        if (e == RS_EINVAL)
            return patch_fail(j, "invalid_resolution", "the coupon could not be issued with these values");
        if (e)
            return e;
    }
    if (j->state && !(j->resolution && strcmp(j->state, "resolved") == 0)) {
        if ((e = rs_store_incident_row(s, j->merchant_id, j->id, &row)))
            return e;
        e = rs_incident_set_state(s, j->merchant_id, j->id, j->state, ACTOR_API, now);
        if (e == RS_ECONFLICT) {
            snprintf(j->why, sizeof j->why, "an incident cannot go from %s to %s (closed is final; a resolved "
                     "incident can only be reopened or closed)", row.state, j->state);
            j->why_code = "invalid_transition";
            return RS_EINVAL;
        }
        if (e)
            return e;
    }
    return RS_OK;
}

void rs_api_incident_patch(struct rs_req *r)
{
    int64_t id;
    if (!parse_id(r, &id))
        return;
    json_t *b = rs_req_json(r);
    if (!b)
        return;
    struct patch_job job = {.merchant_id = r->merchant_id, .id = id, .state = jstr(b, "state"),
                            .resolution = jstr(b, "resolution")};
    json_t *ae = json_object_get(b, "agent_email");
    json_t *cp = json_object_get(b, "coupon");
    job.assign = ae != NULL;
    job.agent_email = json_string_value(ae);
    bool ok = true;
    if (!json_is_object(b) || (!job.assign && !json_object_get(b, "state") && !json_object_get(b, "resolution"))) {
        rs_reply_error(r, 422, "nothing_to_change", "send \"agent_email\", \"state\" and/or \"resolution\"");
        ok = false;
    } else if (job.assign && !json_is_null(ae) && (!job.agent_email || !*job.agent_email ||
                                                   strlen(job.agent_email) > 254)) {
        rs_reply_error(r, 422, "invalid_agent", "agent_email is an agent's e-mail address, or null to unassign");
        ok = false;
    } else if (json_object_get(b, "state") && rs_incident_state_index(job.state) < 0) {
        rs_reply_error(r, 422, "invalid_state",
                       "state must be one of open, waiting_customer, waiting_carrier, resolved, closed");
        ok = false;
    } else if (json_object_get(b, "resolution") &&
               (!job.resolution || (strcmp(job.resolution, "reship") != 0 && strcmp(job.resolution, "refund") != 0 &&
                                    strcmp(job.resolution, "coupon") != 0 && strcmp(job.resolution, "no_action") != 0))) {
        rs_reply_error(r, 422, "invalid_resolution", "resolution must be one of reship, refund, coupon, no_action");
        ok = false;
    } else if (cp && (!job.resolution || strcmp(job.resolution, "coupon") != 0)) {
        rs_reply_error(r, 422, "unexpected_coupon", "\"coupon\" goes with \"resolution\":\"coupon\"");
        ok = false;
    } else if (cp) {
        ok = parse_coupon(r, cp, "coupon", &job.coupon);
        job.has_coupon = ok;
    }
    if (ok) {
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), patch_run, &job);
        if (e == RS_ENOTFOUND)
            rs_reply_error(r, 404, "incident_not_found", "no incident %lld for this merchant", (long long)id);
        else if (e == RS_EINVAL && job.why_code)
            rs_reply_error(r, 422, job.why_code, "%s", job.why);
        else if (e)
            rs_reply_err(r, e, "incident update");
        else
            reply_incident(r, 200, id);
    }
    json_decref(b);
}

/* ---- POST /v1/incidents/{id}/notes ---- */

struct note_job {
    int64_t merchant_id, id;
    const char *body, *actor;
    bool retried; /* the same note was sent a moment ago: not written twice */
};

static enum rs_err note_run(struct rs_store *s, void *ctx)
{
    struct note_job *j = ctx;
    return rs_incident_note(s, j->merchant_id, j->id, j->body, j->actor, rs_now(), &j->retried);
}

void rs_api_incident_note_post(struct rs_req *r)
{
    int64_t id;
    if (!parse_id(r, &id))
        return;
    json_t *b = rs_req_json(r);
    if (!b)
        return;
    struct note_job job = {.merchant_id = r->merchant_id, .id = id, .body = jstr(b, "body")};
    const char *author = jstr(b, "author"); /* an agent's e-mail, when a helpdesk knows who wrote it */
    char actor[300] = ACTOR_API;
    if (author && *author && strlen(author) <= 254 && !strpbrk(author, " \r\n\t"))
        snprintf(actor, sizeof actor, "agent:%s", author);
    job.actor = actor;
    if (!job.body || !*job.body || strlen(job.body) > 4000) {
        rs_reply_error(r, 422, "invalid_note", "a note needs \"body\": 1 to 4000 characters (internal, never sent to "
                       "the customer)");
    } else if (author && strcmp(actor, ACTOR_API) == 0) {
        rs_reply_error(r, 422, "invalid_author", "author is the e-mail of who wrote the note");
    } else {
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), note_run, &job);
        if (e == RS_ENOTFOUND)
            rs_reply_error(r, 404, "incident_not_found", "no incident %lld for this merchant", (long long)id);
        else if (e)
            rs_reply_err(r, e, "note");
        else
            reply_incident(r, job.retried ? 200 : 201, id);
    }
    json_decref(b);
}

/* ---- POST /v1/orders/{ref}/coupons ---- */

struct coupon_job {
    int64_t merchant_id;
    const char *order_ref;
    struct rs_coupon_req req;
    struct rs_coupon out;
    bool retried; /* the same request was sent a moment ago: OUT is the coupon it issued */
};

static enum rs_err coupon_run(struct rs_store *s, void *ctx)
{
    struct coupon_job *j = ctx;
    struct rs_order_key k;
    enum rs_err e = rs_store_order_find(s, j->merchant_id, j->order_ref, &k);
    if (e)
        return e;
    int64_t now = rs_now(), had = 0;
    /* a POST sent again (a client retrying after a timeout) gets the coupon it issued, not a second one */
    struct rs_coupon same = {.value_cents = j->req.value_cents, .expires_at = j->req.expires_at};
    snprintf(same.kind, sizeof same.kind, "%s", j->req.kind);
    snprintf(same.currency, sizeof same.currency, "%s", strcmp(j->req.kind, "amount") == 0 ? j->req.currency : "");
    snprintf(same.reason, sizeof same.reason, "%s", j->req.reason);
    if ((e = rs_store_coupon_resent(s, k.id, ACTOR_API, &same, now - RS_INCIDENT_RESENT_S, &had)))
        return e;
    if ((j->retried = had > 0))
        return rs_store_coupon_get(s, had, &j->out);
    return rs_coupon_issue(s, j->merchant_id, k.id, 0, &j->req, ACTOR_API, now, &j->out);
}

void rs_api_order_coupon_post(struct rs_req *r)
{
    json_t *b = rs_req_json(r);
    if (!b)
        return;
    struct coupon_job job = {.merchant_id = r->merchant_id, .order_ref = r->params[0]};
    if (parse_coupon(r, b, "the coupon", &job.req)) {
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), coupon_run, &job);
        if (e == RS_ENOTFOUND) {
            rs_reply_error(r, 404, "order_not_found", "no order \"%.128s\" for this merchant", job.order_ref);
        } else if (e) {
            rs_reply_err(r, e, "coupon");
        } else {
            json_t *c = json_object();
            json_object_set_new(c, "code", json_string(job.out.code));
            json_object_set_new(c, "kind", json_string(job.out.kind));
            json_object_set_new(c, "value", json_real((double)job.out.value_cents / 100.0));
            json_object_set_new(c, "currency", job.out.currency[0] ? json_string(job.out.currency) : json_null());
            json_object_set_new(c, "reason", json_string(job.out.reason));
            json_object_set_new(c, "issued_by", json_string(ACTOR_API));
            char t[RS_TIME_LEN];
            if (job.out.expires_at > 0) {
                rs_time_format(job.out.expires_at, 0, t);
                json_object_set_new(c, "expires_at", json_string(t));
            } else {
                json_object_set_new(c, "expires_at", json_null());
            }
            rs_time_format(job.out.created_at, 0, t);
            json_object_set_new(c, "created_at", json_string(t));
            rs_reply_json(r, job.retried ? 200 : 201, c);
        }
    }
    json_decref(b);
}

/* ---- GET/PUT /v1/support/settings ---- */

static void reply_settings(struct rs_req *r, int status)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    struct rs_support_settings cfg;
    enum rs_err e = s ? rs_support_settings_load(s, r->merchant_id, &cfg) : RS_EIO;
    bool mail = true;
    if (!e && cfg.alert_email && (e = rs_app_notify_email_configured(s, r->merchant_id, &mail)))
        rs_support_settings_release(&cfg);
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "support settings");
        return;
    }
    json_t *doc = json_deep_copy(cfg.root);
    if (!mail) {
        /* saved all the same: e-mail may be set up after this (PUT /v1/notifications/settings) */
        json_t *w = json_object();
        json_object_set_new(w, "code", json_string("alerts_email_not_sent"));
        json_object_set_new(w, "field", json_string("alerts.email"));
        json_object_set_new(w, "message",
                            json_string("no SLA alert will be e-mailed to alerts.email: e-mail is not configured in "
                                        "the notification settings (email.smtp_url and email.from, PUT "
                                        "/v1/notifications/settings)"));
        json_t *ws = json_array();
        json_array_append_new(ws, w);
        json_object_set_new(doc, "warnings", ws);
    }
    rs_reply_json(r, status, doc);
    rs_support_settings_release(&cfg);
}

void rs_api_support_settings_get(struct rs_req *r)
{
    reply_settings(r, 200);
}

struct settings_job {
    int64_t merchant_id;
    const char *json;
    char err[256];
};

static enum rs_err settings_run(struct rs_store *s, void *ctx)
{
    struct settings_job *j = ctx;
    return rs_support_settings_save(s, j->merchant_id, j->json, rs_now(), j->err, sizeof j->err);
}

void rs_api_support_settings_put(struct rs_req *r)
{
    json_t *b = rs_req_json(r);
    if (!b)
        return;
    char *text = json_is_null(b) ? NULL : json_dumps(b, JSON_COMPACT);
    struct settings_job job = {.merchant_id = r->merchant_id, .json = text};
    struct rs_support_settings cfg;
    /* validated before the writer, so a bad document costs no write lock */
    if (text && rs_support_settings_parse(text, &cfg, job.err, sizeof job.err) != RS_OK) {
        rs_reply_error(r, 422, "invalid_settings", "%s", job.err);
    } else {
        if (text)
            rs_support_settings_release(&cfg);
        enum rs_err e = rs_writer_run(rs_server_writer(r->srv), settings_run, &job);
        if (e == RS_EINVAL)
            rs_reply_error(r, 422, "invalid_settings", "%s", job.err);
        else if (e)
            rs_reply_err(r, e, "support settings");
        else
            reply_settings(r, 200);
    }
    free(text);
    json_decref(b);
}
