/* store_page.c — SQLite side of store_page.h (tables of migration 0005-page).
 * Statements here run rarely compared with the ingest path, so they are prepared per call
 * (a few microseconds) rather than cached on the connection. */
#include "store/store_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_notify.h"
#include "store/store_sqlite_priv.h"
#include "util/timefmt.h"

static enum rs_err prep(struct rs_store *s, const char *sql, sqlite3_stmt **q)
{
    int rc = sqlite3_prepare_v2(rs_store_sqlite_db(s), sql, -1, q, NULL);
    return rc == SQLITE_OK ? RS_OK : rs_store_sqlite_rc(s, rc);
}

/* Run Q (no rows wanted) and finalize it. */
static enum rs_err run_fin(struct rs_store *s, sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

static json_t *col_json(sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? json_loads(t, 0, NULL) : NULL;
}

void rs_page_ctx_release(struct rs_page_ctx *c)
{
    json_decref(c->branding);
    json_decref(c->faq);
    json_decref(c->promotion);
    c->branding = c->faq = c->promotion = NULL;
}

enum rs_err rs_store_page_ctx(struct rs_store *s, const char *code, struct rs_page_ctx *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT o.id,o.merchant_id,coalesce(o.customer_id,0),p.branding,p.faq,p.promotion "
                         "FROM orders o LEFT JOIN page_settings p ON p.merchant_id=o.merchant_id "
                         "WHERE o.tracking_code=?",
                         &q);
    if (e)
        return e;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        out->order_id = sqlite3_column_int64(q, 0);
        out->merchant_id = sqlite3_column_int64(q, 1);
        out->customer_id = sqlite3_column_int64(q, 2);
        out->branding = col_json(q, 3);
        out->faq = col_json(q, 4);
        out->promotion = col_json(q, 5);
        e = RS_OK;
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_finalize(q);
    return e;
}

static const char *doc_column(const char *field)
{
    if (strcmp(field, "branding") == 0)
        return "branding";
    if (strcmp(field, "faq") == 0)
        return "faq";
    if (strcmp(field, "promotion") == 0)
        return "promotion";
    return NULL;
}

enum rs_err rs_store_page_doc_get(struct rs_store *s, int64_t merchant_id, const char *field, json_t **out)
{
    *out = NULL;
    const char *col = doc_column(field);
    if (!col)
        return RS_EINVAL;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM page_settings WHERE merchant_id=?", col);
    sqlite3_stmt *q;
    enum rs_err e = prep(s, sql, &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *out = col_json(q, 0);
    else if (rc != SQLITE_DONE)
        e = rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_page_doc_put(struct rs_store *s, int64_t merchant_id, const char *field, const json_t *doc,
                                  int64_t now)
{
    const char *col = doc_column(field);
    if (!col)
        return RS_EINVAL;
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO page_settings(merchant_id,%s,updated_at) VALUES(?1,?2,?3) "
             "ON CONFLICT(merchant_id) DO UPDATE SET %s=?2,updated_at=?3",
             col, col);
    sqlite3_stmt *q;
    enum rs_err e = prep(s, sql, &q);
    if (e)
        return e;
    char *txt = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    sqlite3_bind_int64(q, 1, merchant_id);
    rs_store_sqlite_bind_opt(q, 2, txt);
    sqlite3_bind_int64(q, 3, now);
    free(txt);
    return run_fin(s, q);
}

enum rs_err rs_store_code_by_order_email(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                         const char *email, char code[RS_TRACKCODE_LEN])
{
    code[0] = '\0';
    while (order_ref && *order_ref == '#')
        order_ref++;
    if (!order_ref || !*order_ref || !email || !*email)
        return RS_ENOTFOUND;
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT o.tracking_code FROM orders o JOIN customers c ON c.id=o.customer_id "
                         "WHERE lower(o.order_ref) IN (lower(?1),'#'||lower(?1)) AND lower(trim(c.email))=lower(trim(?2)) "
                         "AND (?3=0 OR o.merchant_id=?3) ORDER BY o.id DESC LIMIT 1",
                         &q);
    if (e)
        return e;
    sqlite3_bind_text(q, 1, order_ref, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, merchant_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        snprintf(code, RS_TRACKCODE_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
    else
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

/* Whether ADDRESS (lower-case e-mail, or E.164 phone for sms/whatsapp) is CUSTOMER_ID's own. */
static enum rs_err customer_address(struct rs_store *s, int64_t customer_id, const char *channel, const char *address,
                                    bool *own)
{
    sqlite3_stmt *q;
    *own = false;
    enum rs_err e = prep(s,
                         "SELECT 1 FROM customers WHERE id=?1 AND CASE WHEN ?2='email' THEN lower(trim(email))=lower(?3) "
                         "ELSE phone=?3 END",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_text(q, 2, channel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, address ? address : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    *own = rc == SQLITE_ROW;
    e = rc == SQLITE_ROW || rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

/* A visitor with the code alone may give an address of their own only to an order nobody is told
 * about yet: the planner sends to the order's contact row and takes the latest one as the
 * preferred channel, so an address added by whoever the code reached (labels, screenshots,
 * forwarded links) would take the customer's messages, on that channel or on the one it makes
 * preferred. RS_ECONFLICT when the customer has an e-mail or a phone, or the order another
 * contact; RS_OK for the same channel and address again. */
static enum rs_err order_unreached(struct rs_store *s, const struct rs_consent_in *in)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT EXISTS(SELECT 1 FROM customers WHERE id=?1 AND (coalesce(trim(email),'')<>'' OR "
                         "coalesce(trim(phone),'')<>'')) OR EXISTS(SELECT 1 FROM notify_contacts WHERE order_id=?2 "
                         "AND channel<>'push' AND NOT (channel=?3 AND address=?4))",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, in->customer_id);
    sqlite3_bind_int64(q, 2, in->order_id);
    sqlite3_bind_text(q, 3, in->channel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, in->address ? in->address : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    e = rc == SQLITE_ROW ? (sqlite3_column_int(q, 0) ? RS_ECONFLICT : RS_OK) : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

/* One consent model (0006-consent): a grant is a contact row for the order (the planner's
 * contact data and the order's preferred channel) and lifts the customer's opt-out of that
 * channel; a stop removes the order's contact row and records an opt-out the planner and the
 * dispatcher honour. */
enum rs_err rs_store_consent_set(struct rs_store *s, const struct rs_consent_in *in, int64_t now)
{
    sqlite3_stmt *q;
    enum rs_err e;
    bool own = true; /* the customer's consent may move */
    if (in->own_only && in->customer_id > 0 &&
        (e = customer_address(s, in->customer_id, in->channel, in->address, &own)))
        return e;
    if (in->granted && in->own_only && (!own || in->customer_id <= 0) && (e = order_unreached(s, in)))
        return e;
    if (in->granted) {
        if ((e = prep(s,
                      "INSERT INTO notify_contacts(merchant_id,order_id,customer_id,channel,address,source,"
                      "client_addr,created_at,updated_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8) "
                      "ON CONFLICT(order_id,channel) DO UPDATE SET address=?5,source=?6,client_addr=?7,"
                      "customer_id=coalesce(?3,customer_id),updated_at=?8",
                      &q)))
            return e;
        sqlite3_bind_int64(q, 1, in->merchant_id);
        sqlite3_bind_int64(q, 2, in->order_id);
        if (in->customer_id > 0)
            sqlite3_bind_int64(q, 3, in->customer_id);
        else
            sqlite3_bind_null(q, 3);
        sqlite3_bind_text(q, 4, in->channel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, in->address ? in->address : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 6, in->source ? in->source : "tracking_page", -1, SQLITE_TRANSIENT);
        rs_store_sqlite_bind_opt(q, 7, in->client_addr);
        sqlite3_bind_int64(q, 8, now);
        if ((e = run_fin(s, q)))
            return e;
        if (in->customer_id > 0 && own) {
            if ((e = prep(s, "DELETE FROM notify_optouts WHERE customer_id=? AND channel=?", &q)))
                return e;
            sqlite3_bind_int64(q, 1, in->customer_id);
            sqlite3_bind_text(q, 2, in->channel, -1, SQLITE_TRANSIENT);
            if ((e = run_fin(s, q)) || (e = rs_store_notify_unsuppress(s, in->merchant_id, in->channel, in->address)))
                return e;
        }
        if (in->set_preferred && in->customer_id > 0) {
            if ((e = prep(s, "UPDATE customers SET preferred_channel=?,updated_at=? WHERE id=? AND merchant_id=?",
                          &q)))
                return e;
            sqlite3_bind_text(q, 1, in->channel, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 2, now);
            sqlite3_bind_int64(q, 3, in->customer_id);
            sqlite3_bind_int64(q, 4, in->merchant_id);
            e = run_fin(s, q);
        }
        return e;
    }
    if ((e = prep(s, "DELETE FROM notify_contacts WHERE order_id=?1 AND channel=?2 AND (?3=0 OR address=?4)", &q)))
        return e;
    sqlite3_bind_int64(q, 1, in->order_id);
    sqlite3_bind_text(q, 2, in->channel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 3, in->own_only);
    sqlite3_bind_text(q, 4, in->address ? in->address : "", -1, SQLITE_TRANSIENT);
    if ((e = run_fin(s, q)))
        return e;
    if (in->customer_id <= 0 || !own)
        return RS_OK;
    if ((e = prep(s,
                  "INSERT INTO notify_optouts(customer_id,channel,source,created_at) VALUES(?,?,?,?) "
                  "ON CONFLICT(customer_id,channel) DO NOTHING",
                  &q)))
        return e;
    sqlite3_bind_int64(q, 1, in->customer_id);
    sqlite3_bind_text(q, 2, in->channel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, in->source ? in->source : "tracking_page", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, now);
    if ((e = run_fin(s, q)))
        return e;
    /* the preferred channel the customer just stopped is no longer preferred */
    if ((e = prep(s, "UPDATE customers SET preferred_channel=NULL,updated_at=? WHERE id=? AND merchant_id=? AND "
                     "preferred_channel=?",
                  &q)))
        return e;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, in->customer_id);
    sqlite3_bind_int64(q, 3, in->merchant_id);
    sqlite3_bind_text(q, 4, in->channel, -1, SQLITE_TRANSIENT);
    return run_fin(s, q);
}

enum rs_err rs_store_consent_list(struct rs_store *s, int64_t order_id, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT channel,address,1,source,updated_at FROM notify_contacts WHERE order_id=?1 "
                         "UNION ALL SELECT n.channel,NULL,0,n.source,n.created_at FROM notify_optouts n "
                         "JOIN orders o ON o.customer_id=n.customer_id WHERE o.id=?1 ORDER BY 5 DESC",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, order_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *c = json_object();
        json_object_set_new(c, "channel", rs_store_sqlite_col_str(q, 0));
        json_object_set_new(c, "address", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(c, "granted", json_boolean(sqlite3_column_int(q, 2)));
        json_object_set_new(c, "source", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(c, "updated_at", rs_store_sqlite_col_time(q, 4, 0));
        json_array_append_new(arr, c);
    }
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_push_subscribe(struct rs_store *s, int64_t merchant_id, int64_t order_id, const char *endpoint,
                                    const char *p256dh, const char *auth, int64_t now)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "INSERT INTO push_subscriptions(merchant_id,order_id,endpoint,p256dh,auth,created_at) "
                         "VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(order_id,endpoint) DO UPDATE SET p256dh=?4,auth=?5,"
                         "created_at=?6,revoked_at=NULL",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, order_id);
    sqlite3_bind_text(q, 3, endpoint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, p256dh, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, auth, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, now);
    return run_fin(s, q);
}

enum rs_err rs_store_push_unsubscribe(struct rs_store *s, int64_t order_id, const char *endpoint, int64_t now)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "UPDATE push_subscriptions SET revoked_at=? WHERE order_id=? AND endpoint=? AND "
                         "revoked_at IS NULL",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, order_id);
    sqlite3_bind_text(q, 3, endpoint, -1, SQLITE_TRANSIENT);
    e = run_fin(s, q);
    if (!e && sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        e = RS_ENOTFOUND;
    return e;
}

enum rs_err rs_store_push_list(struct rs_store *s, int64_t order_id, struct rs_push_sub *out, int max, int *n)
{
    sqlite3_stmt *q;
    *n = 0;
    enum rs_err e = prep(s,
                         "SELECT id,endpoint,p256dh,auth FROM push_subscriptions WHERE order_id=? AND revoked_at IS "
                         "NULL ORDER BY created_at DESC,id DESC",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, order_id);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max) {
        struct rs_push_sub *p = &out[(*n)++];
        p->id = sqlite3_column_int64(q, 0);
        snprintf(p->endpoint, sizeof p->endpoint, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(p->p256dh, sizeof p->p256dh, "%s", (const char *)sqlite3_column_text(q, 2));
        snprintf(p->auth, sizeof p->auth, "%s", (const char *)sqlite3_column_text(q, 3));
    }
    e = rc == SQLITE_DONE || rc == SQLITE_ROW ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_push_delete(struct rs_store *s, int64_t id)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s, "DELETE FROM push_subscriptions WHERE id=?", &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, id);
    return run_fin(s, q);
}

/* ---- incidents ---- */

void rs_incident_reference(int64_t id, char out[24])
{
    snprintf(out, 24, "INC-%06lld", (long long)id);
}

enum rs_err rs_store_incident_create(struct rs_store *s, int64_t merchant_id, const struct rs_incident_in *in,
                                     int64_t now, int64_t *id)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "INSERT INTO incidents(merchant_id,order_id,type,origin,message,locale,sla_due_at,"
                         "created_at,updated_at,contact) SELECT ?1,o.id,?3,?4,?5,?6,?7,?8,?8,?9 FROM orders o "
                         "WHERE o.id=?2 AND o.merchant_id=?1",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, in->order_id);
    sqlite3_bind_text(q, 3, in->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, in->origin, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 5, in->message);
    rs_store_sqlite_bind_opt(q, 6, in->locale);
    sqlite3_bind_int64(q, 7, in->sla_due_at);
    sqlite3_bind_int64(q, 8, now);
    rs_store_sqlite_bind_opt(q, 9, in->contact);
    if ((e = run_fin(s, q)))
        return e;
    if (sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        return RS_ENOTFOUND;
    *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return RS_OK;
}

enum rs_err rs_store_incident_resent(struct rs_store *s, int64_t order_id, const char *origin, const char *type,
                                     const char *message, int64_t since, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT id FROM incidents WHERE order_id=?1 AND origin=?2 AND type=?3 AND message IS ?4 "
                         "AND created_at>=?5 ORDER BY id DESC LIMIT 1",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, order_id);
    sqlite3_bind_text(q, 2, origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, type, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 4, message);
    sqlite3_bind_int64(q, 5, since);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else if (rc != SQLITE_DONE)
        e = rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

#define INCIDENT_COLS                                                                                             \
    "i.id,o.order_ref,o.tracking_code,i.type,i.state,i.origin,i.message,i.resolution,i.locale,i.sla_due_at,"     \
    "i.created_at,i.updated_at,i.contact FROM incidents i JOIN orders o ON o.id=i.order_id "

static json_t *incident_row(sqlite3_stmt *q)
{
    json_t *j = json_object();
    int64_t id = sqlite3_column_int64(q, 0);
    char ref[24];
    rs_incident_reference(id, ref);
    json_object_set_new(j, "id", json_integer(id));
    json_object_set_new(j, "reference", json_string(ref));
    json_object_set_new(j, "order_ref", rs_store_sqlite_col_str(q, 1));
    json_object_set_new(j, "tracking_code", rs_store_sqlite_col_str(q, 2));
    json_object_set_new(j, "type", rs_store_sqlite_col_str(q, 3));
    json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 4));
    json_object_set_new(j, "origin", rs_store_sqlite_col_str(q, 5));
    json_object_set_new(j, "message", rs_store_sqlite_col_str(q, 6));
    json_object_set_new(j, "contact", rs_store_sqlite_col_str(q, 12));
    json_object_set_new(j, "resolution", rs_store_sqlite_col_str(q, 7));
    json_object_set_new(j, "locale", rs_store_sqlite_col_str(q, 8));
    json_object_set_new(j, "sla_due_at", rs_store_sqlite_col_time(q, 9, 0));
    json_object_set_new(j, "created_at", rs_store_sqlite_col_time(q, 10, 0));
    json_object_set_new(j, "updated_at", rs_store_sqlite_col_time(q, 11, 0));
    return j;
}

enum rs_err rs_store_incident_get(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s, "SELECT " INCIDENT_COLS "WHERE i.merchant_id=? AND i.id=?", &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *out = incident_row(q);
    else
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_incident_list(struct rs_store *s, int64_t merchant_id, const char *state, const char *order_ref,
                                   int64_t before_id, int limit, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT " INCIDENT_COLS "WHERE i.merchant_id=?1 AND (?2 IS NULL OR i.state=?2) AND "
                         "(?3 IS NULL OR o.order_ref=?3) AND (?4<=0 OR i.id<?4) ORDER BY i.id DESC LIMIT ?5",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    rs_store_sqlite_bind_opt(q, 2, state);
    rs_store_sqlite_bind_opt(q, 3, order_ref);
    sqlite3_bind_int64(q, 4, before_id);
    sqlite3_bind_int(q, 5, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, incident_row(q));
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_incident_update(struct rs_store *s, int64_t merchant_id, int64_t id, const char *state,
                                     const char *resolution, int64_t now)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "UPDATE incidents SET state=coalesce(?1,state),resolution=coalesce(?2,resolution),"
                         "updated_at=?3 WHERE id=?4 AND merchant_id=?5",
                         &q);
    if (e)
        return e;
    rs_store_sqlite_bind_opt(q, 1, state);
    rs_store_sqlite_bind_opt(q, 2, resolution);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int64(q, 4, id);
    sqlite3_bind_int64(q, 5, merchant_id);
    if ((e = run_fin(s, q)))
        return e;
    return sqlite3_changes(rs_store_sqlite_db(s)) ? RS_OK : RS_ENOTFOUND;
}
