/* api_conv.c — conversations over HTTP, for the merchant's tools and existing helpdesks
 * (Zendesk, Gorgias, Chatwoot…):
 *   GET  /v1/conversations                    ?queue=unassigned|mine|waiting|breaching|all,
 *                                             ?agent=email, ?limit, ?cursor
 *   GET  /v1/conversations/{id}               messages and the order's context (status,
 *                                             promise, tracking link, notifications, incidents)
 *   POST /v1/conversations/{id}/messages      {"body","agent_email"?}: a reply to the customer
 *   POST /v1/conversations/{id}/notes         {"body","agent_email"?}: internal
 *   POST /v1/conversations/{id}/assign        {"agent_email": "…" | null}
 *   POST /v1/conversations/{id}/close
 * Writes run on the writer (committed before the answer); replies are sent by the dispatcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/conv.h"
#include "app/incident.h"
#include "app/notify_settings.h"
#include "http/routes.h"
#include "store/store_conv.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "util/timefmt.h"

static bool conv_id(struct rs_req *r, int64_t *id)
{
    long long v;
    if (!rs_parse_int(r->params[0], 1, INT64_MAX, &v)) {
        rs_reply_error(r, 400, "invalid_id", "a conversation id is a positive number");
        return false;
    }
    *id = v;
    return true;
}

/* The agent named EMAIL (NULL or "" → 0). False with a 422 answered when there is none. */
static bool agent_of(struct rs_req *r, struct rs_store *s, const char *email, int64_t *id)
{
    *id = 0;
    if (!email || !*email)
        return true;
    enum rs_err e = rs_store_conv_agent_by_email(s, r->merchant_id, email, id);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 422, "unknown_agent",
                       "no active agent \"%.100s\" for this merchant (create one with `rastro agent create`)", email);
        return false;
    }
    if (e) {
        rs_reply_err(r, e, "agent");
        return false;
    }
    return true;
}

void rs_api_conv_list(struct rs_req *r)
{
    static const char *const known[] = {"queue", "agent", "limit", "cursor", NULL};
    if (!rs_req_query_known(r, known))
        return;
    const char *qn = rs_req_query(r, "queue");
    enum rs_conv_queue q = RS_CONVQ_ALL;
    if (qn && *qn) {
        static const char *const names[] = {"all", "unassigned", "mine", "waiting", "breaching"};
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(qn, names[i]) == 0)
                k = i;
        if (k < 0) {
            rs_reply_error(r, 400, "invalid_queue", "queue must be unassigned, mine, waiting, breaching or all");
            return;
        }
        q = (enum rs_conv_queue)k;
    }
    long long limit = 50;
    if (!rs_req_page(r, 200, &limit, NULL, NULL))
        return;
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "conversations");
        return;
    }
    int64_t agent = 0;
    const char *ae = rs_req_query(r, "agent");
    if (!agent_of(r, s, ae, &agent)) {
        rs_server_reader_put(r->srv, s);
        return;
    }
    json_t *out = NULL;
    enum rs_err e = rs_store_conv_list_json(s, r->merchant_id, q, agent, rs_req_query(r, "cursor"), (int)limit, rs_now(),
                                            &out);
    rs_server_reader_put(r->srv, s);
    if (e == RS_EINVAL)
        rs_reply_error(r, 400, "invalid_cursor", "cursor must be the next_cursor of a previous page");
    else if (e)
        rs_reply_err(r, e, "conversations");
    else
        rs_reply_json(r, 200, out);
}

/* The order's context beside the conversation: what the tracking page and the notifications
 * know (merchant view), so a helpdesk shows the same as the console. */
static json_t *order_context(struct rs_req *r, struct rs_store *s, int64_t order_id)
{
    struct rs_conv_order o;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)order_id);
    if (rs_store_conv_order(s, r->merchant_id, 'i', key, &o) != RS_OK)
        return json_null();
    json_t *order = NULL;
    if (rs_store_order_json(s, r->merchant_id, o.order_ref, &order) != RS_OK)
        return json_null();
    char base[512];
    snprintf(base, sizeof base, "%s", rs_server_base_url(r->srv));
    struct rs_notify_merchant m;
    if (rs_store_notify_merchant(s, r->merchant_id, &m) == RS_OK && m.config) {
        struct rs_notify_config cfg;
        char err[200];
        if (rs_notify_config_parse(m.config, &cfg, err, sizeof err) == RS_OK) {
            if (cfg.public_base_url)
                snprintf(base, sizeof base, "%s", cfg.public_base_url);
            rs_notify_config_release(&cfg);
        }
        free(m.config);
    }
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    char url[700];
    snprintf(url, sizeof url, "%s/t/%s", base, o.tracking_code);
    json_t *ctx = json_object();
    json_object_set_new(ctx, "order_ref", json_string(o.order_ref));
    json_object_set_new(ctx, "status", json_string(o.status));
    json_object_set_new(ctx, "tracking_code", json_string(o.tracking_code));
    json_object_set_new(ctx, "tracking_url", json_string(url));
    /* the promise of the latest shipment, as the order document carries it */
    json_t *promise = json_null();
    json_t *ships = json_object_get(order, "shipments");
    size_t n = json_array_size(ships);
    if (n) {
        json_t *p = json_object_get(json_array_get(ships, n - 1), "promise");
        if (p)
            promise = json_incref(p);
    }
    json_object_set_new(ctx, "promise", promise);
    json_object_set_new(ctx, "order", order);
    json_t *list = NULL;
    json_object_set_new(ctx, "notifications",
                        rs_store_outbox_order_json(s, r->merchant_id, o.order_ref, &list) == RS_OK ? list
                                                                                                 : json_array());
    list = NULL;
    json_object_set_new(ctx, "incidents",
                        rs_store_conv_order_incidents_json(s, r->merchant_id, o.id, &list) == RS_OK ? list
                                                                                                  : json_array());
    list = NULL;
    json_object_set_new(ctx, "coupons",
                        rs_store_coupons_of_order(s, o.id, &list) == RS_OK ? list : json_array());
    return ctx;
}

void rs_api_conv_get(struct rs_req *r)
{
    int64_t id;
    if (!conv_id(r, &id))
        return;
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "conversation");
        return;
    }
    json_t *out = NULL;
    enum rs_err e = rs_store_conv_json(s, r->merchant_id, id, &out);
    if (!e) {
        json_t *oid = json_object_get(out, "order_id");
        json_object_set_new(out, "order_context",
                            json_is_integer(oid) ? order_context(r, s, json_integer_value(oid)) : json_null());
    }
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND)
        rs_reply_error(r, 404, "conversation_not_found", "no conversation %lld for this merchant", (long long)id);
    else if (e)
        rs_reply_err(r, e, "conversation");
    else
        rs_reply_json(r, 200, out);
}

/* ---- writes ---- */

enum op { OP_MESSAGE, OP_NOTE, OP_ASSIGN, OP_CLOSE };

struct write_job {
    enum op op;
    int64_t merchant_id, id, agent_id, message_id;
    const char *body;
    bool retried; /* the same message or note was sent a moment ago: MESSAGE_ID is that one */
};

static enum rs_err write_run(struct rs_store *s, void *ctx)
{
    struct write_job *j = ctx;
    int64_t now = rs_now();
    if (j->op == OP_MESSAGE || j->op == OP_NOTE) {
        /* a POST sent again (a client retrying after a timeout) answers with the message it
         * queued: the customer is not written to twice */
        bool msg = j->op == OP_MESSAGE;
        enum rs_err e = rs_store_conv_msg_resent(s, j->merchant_id, j->id, msg ? "out" : "note",
                                                 msg || j->agent_id ? "agent" : "system", j->agent_id, j->body,
                                                 now - RS_INCIDENT_RESENT_S, &j->message_id);
        if (e || (j->retried = j->message_id > 0))
            return e;
    }
    switch (j->op) {
    case OP_MESSAGE:
        return rs_conv_send(s, j->merchant_id, j->id, "agent", j->agent_id, j->body, now, &j->message_id);
    case OP_NOTE:
        return rs_conv_note(s, j->merchant_id, j->id, j->agent_id, j->body, now, &j->message_id);
    case OP_ASSIGN:
        return rs_conv_assign(s, j->merchant_id, j->id, j->agent_id, now);
    default:
        return rs_conv_set_state(s, j->merchant_id, j->id, "closed", now);
    }
}

static void conv_write(struct rs_req *r, enum op op)
{
    struct write_job j = {.op = op, .merchant_id = r->merchant_id};
    if (!conv_id(r, &j.id))
        return;
    json_t *body = NULL;
    const char *agent_email = NULL;
    if (op != OP_CLOSE || r->body_len > 0) {
        body = rs_req_json(r);
        if (!body)
            return;
        if (!json_is_object(body)) {
            json_decref(body);
            rs_reply_error(r, 422, "invalid_body", "the body must be a JSON object");
            return;
        }
        json_t *ae = json_object_get(body, "agent_email");
        if (ae && !json_is_null(ae) && !json_is_string(ae)) {
            json_decref(body);
            rs_reply_error(r, 422, "invalid_agent_email", "agent_email must be a string or null");
            return;
        }
        agent_email = json_string_value(ae);
        if (op == OP_ASSIGN && !json_object_get(body, "agent_email")) {
            json_decref(body);
            rs_reply_error(r, 422, "missing_agent_email",
                           "agent_email is required: an agent's e-mail, or null to give the conversation back");
            return;
        }
    }
    if (op == OP_MESSAGE || op == OP_NOTE) {
        j.body = json_string_value(json_object_get(body, "body"));
        char why[200];
        if (!j.body || !rs_conv_text_ok(j.body, strlen(j.body), why, sizeof why)) {
            rs_reply_error(r, 422, "invalid_message_body", "body must be non-empty text%s%s", j.body ? ": " : "",
                           j.body ? why : "");
            json_decref(body);
            return;
        }
        if (strlen(j.body) > RS_CONV_MAX_BODY) {
            rs_reply_error(r, 422, "message_too_long", "body is %zu bytes; the limit is %d", strlen(j.body),
                           RS_CONV_MAX_BODY);
            json_decref(body);
            return;
        }
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    bool ok = s && agent_of(r, s, agent_email, &j.agent_id);
    rs_server_reader_put(r->srv, s);
    if (!s) {
        rs_reply_err(r, RS_EIO, "conversation");
        json_decref(body);
        return;
    }
    if (!ok) {
        json_decref(body);
        return;
    }
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), write_run, &j);
    json_decref(body);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "conversation_not_found", "no conversation %lld for this merchant", (long long)j.id);
        return;
    }
    if (e == RS_EINVAL) {
        rs_reply_error(r, 422, "invalid_message_body", "the message cannot be sent as text");
        return;
    }
    if (e) {
        rs_reply_err(r, e, "conversation");
        return;
    }
    if (op == OP_MESSAGE || op == OP_NOTE) {
        json_t *o = json_pack("{s:I, s:I, s:s}", "conversation_id", (json_int_t)j.id, "message_id",
                              (json_int_t)j.message_id, "state", op == OP_MESSAGE ? "queued" : "note");
        rs_reply_json(r, j.retried ? 200 : 201, o);
        return;
    }
    rs_api_conv_get(r);
}

void rs_api_conv_message(struct rs_req *r)
{
    conv_write(r, OP_MESSAGE);
}

void rs_api_conv_note(struct rs_req *r)
{
    conv_write(r, OP_NOTE);
}

void rs_api_conv_assign(struct rs_req *r)
{
    conv_write(r, OP_ASSIGN);
}

void rs_api_conv_close(struct rs_req *r)
{
    conv_write(r, OP_CLOSE);
}
