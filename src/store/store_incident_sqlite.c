/* store_incident_sqlite.c — SQLite side of store_incident.h (tables of 0007-support).
 * Statements of the workflow are cached per connection in slots RS_STORE_SLOTS_INCIDENT+0..31;
 * the rare, variable ones (detail, query) are prepared per call. */
#include "store/store_incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_page.h"
#include "store/store_sqlite_priv.h"

enum {
    SLOT_INSERT = 0,
    SLOT_ROW,
    SLOT_SET_STATE,
    SLOT_SET_AGENT,
    SLOT_SET_CONV,
    SLOT_SET_RES,
    SLOT_LOG,
    SLOT_LINK_MSG,
    SLOT_AGENT,
    SLOT_COUPON_MARK,
    SLOT_SETTINGS_GET,
    SLOT_SETTINGS_PUT,
    SLOT_SETTINGS_DEL,
    SLOT_ORDER_LOCALE,
    SLOT_MERCHANTS,
    SLOT_CANDIDATES,
    SLOT_UNRESOLVED,
    SLOT_INCIDENT_COUPON,
    SLOT_WAITING,
    SLOT_SET_SLA,
    SLOT_SLA_UNALERTED,
    SLOT_SLA_CLAIM,
    SLOT_SLA_COUNT,
    SLOT_LOG_RESENT,
    SLOT_N_ /* must stay <= 32 */
};
_Static_assert(SLOT_N_ <= 32, "store_incident_sqlite.c has 32 statement slots");

static sqlite3_stmt *prep(struct rs_store *s, int slot, const char *sql)
{
    return rs_store_sqlite_stmt(s, RS_STORE_SLOTS_INCIDENT + slot, sql);
}

static void bind_id(sqlite3_stmt *q, int i, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(q, i, v);
    else
        sqlite3_bind_null(q, i);
}

static int changes(struct rs_store *s)
{
    return sqlite3_changes(rs_store_sqlite_db(s));
}

enum rs_err rs_store_incident_insert(struct rs_store *s, int64_t merchant_id, const struct rs_incident_new *in,
                                     int64_t now, int64_t *id)
{
    sqlite3_stmt *q = prep(s, SLOT_INSERT,
                           "INSERT INTO incidents(merchant_id,order_id,type,origin,message,contact,locale,sla_due_at,"
                           "created_at,updated_at,customer_id,conversation_id,shipment_id,policy,offer) "
                           "SELECT ?1,o.id,?3,?4,?5,?6,?7,?8,?9,?9,o.customer_id,?10,?11,?12,?13 FROM orders o "
                           "WHERE o.id=?2 AND o.merchant_id=?1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, in->order_id);
    sqlite3_bind_text(q, 3, in->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, in->origin, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 5, in->message);
    rs_store_sqlite_bind_opt(q, 6, in->contact);
    rs_store_sqlite_bind_opt(q, 7, in->locale);
    sqlite3_bind_int64(q, 8, in->sla_due_at);
    sqlite3_bind_int64(q, 9, now);
    bind_id(q, 10, in->conversation_id);
    bind_id(q, 11, in->shipment_id);
    rs_store_sqlite_bind_opt(q, 12, in->policy);
    rs_store_sqlite_bind_opt(q, 13, in->offer);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (e == RS_ECONFLICT && in->policy && in->shipment_id > 0)
        return RS_EDUPLICATE; /* incidents_policy_once */
    if (e)
        return e;
    if (changes(s) == 0)
        return RS_ENOTFOUND;
    *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return RS_OK;
}

enum rs_err rs_store_incident_row(struct rs_store *s, int64_t merchant_id, int64_t id, struct rs_incident_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = prep(s, SLOT_ROW,
                           "SELECT i.id,i.merchant_id,i.order_id,coalesce(i.shipment_id,0),coalesce(i.customer_id,"
                           "o.customer_id,0),coalesce(i.conversation_id,0),coalesce(i.assigned_agent_id,0),"
                           "coalesce(i.coupon_id,0),i.sla_due_at,i.created_at,coalesce(i.resolved_at,0),i.type,"
                           "i.state,i.origin,i.resolution,i.policy,i.offer,"
                           "coalesce(nullif(i.locale,''),nullif(c.locale,''),m.locale,'es'),o.order_ref,"
                           "o.tracking_code FROM incidents i JOIN orders o ON o.id=i.order_id "
                           "JOIN merchants m ON m.id=i.merchant_id LEFT JOIN customers c ON c.id=o.customer_id "
                           "WHERE i.id=?2 AND i.merchant_id=?1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(q, 0);
        out->merchant_id = sqlite3_column_int64(q, 1);
        out->order_id = sqlite3_column_int64(q, 2);
        out->shipment_id = sqlite3_column_int64(q, 3);
        out->customer_id = sqlite3_column_int64(q, 4);
        out->conversation_id = sqlite3_column_int64(q, 5);
        out->assigned_agent_id = sqlite3_column_int64(q, 6);
        out->coupon_id = sqlite3_column_int64(q, 7);
        out->sla_due_at = sqlite3_column_int64(q, 8);
        out->created_at = sqlite3_column_int64(q, 9);
        out->resolved_at = sqlite3_column_int64(q, 10);
        rs_store_sqlite_col_copy(out->type, sizeof out->type, q, 11);
        rs_store_sqlite_col_copy(out->state, sizeof out->state, q, 12);
        rs_store_sqlite_col_copy(out->origin, sizeof out->origin, q, 13);
        rs_store_sqlite_col_copy(out->resolution, sizeof out->resolution, q, 14);
        rs_store_sqlite_col_copy(out->policy, sizeof out->policy, q, 15);
        rs_store_sqlite_col_copy(out->offer, sizeof out->offer, q, 16);
        rs_store_sqlite_col_copy(out->locale, sizeof out->locale, q, 17);
        rs_store_sqlite_col_copy(out->order_ref, sizeof out->order_ref, q, 18);
        rs_store_sqlite_col_copy(out->tracking_code, sizeof out->tracking_code, q, 19);
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_incident_set_state(struct rs_store *s, int64_t merchant_id, int64_t id, const char *state,
                                        const char *actor, int64_t now)
{
    sqlite3_stmt *q = prep(s, SLOT_SET_STATE,
                           "UPDATE incidents SET state=?1,updated_at=?2,"
                           "resolved_at=CASE ?1 WHEN 'resolved' THEN ?2 WHEN 'closed' THEN resolved_at END,"
                           "resolved_by=CASE ?1 WHEN 'resolved' THEN ?5 WHEN 'closed' THEN resolved_by END "
                           "WHERE id=?3 AND merchant_id=?4");
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, id);
    sqlite3_bind_int64(q, 4, merchant_id);
    sqlite3_bind_text(q, 5, actor, -1, SQLITE_TRANSIENT);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e ? e : changes(s) ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_incident_set_agent(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t agent_id,
                                        int64_t now)
{
    sqlite3_stmt *q = prep(s, SLOT_SET_AGENT,
                           "UPDATE incidents SET assigned_agent_id=?1,updated_at=?2 WHERE id=?3 AND merchant_id=?4");
    if (!q)
        return RS_EIO;
    bind_id(q, 1, agent_id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, id);
    sqlite3_bind_int64(q, 4, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e ? e : changes(s) ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_incident_set_conversation(struct rs_store *s, int64_t merchant_id, int64_t id,
                                               int64_t conversation_id, int64_t now)
{
    sqlite3_stmt *q = prep(s, SLOT_SET_CONV,
                           "UPDATE incidents SET conversation_id=?1,updated_at=?2 WHERE id=?3 AND merchant_id=?4");
    if (!q)
        return RS_EIO;
    bind_id(q, 1, conversation_id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, id);
    sqlite3_bind_int64(q, 4, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e ? e : changes(s) ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_incident_set_sla(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t sla_due_at,
                                      int64_t now)
{
    sqlite3_stmt *q = prep(s, SLOT_SET_SLA,
                           "UPDATE incidents SET sla_due_at=?1,sla_alerted_at=NULL,updated_at=?2 WHERE id=?3 AND "
                           "merchant_id=?4");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, sla_due_at);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, id);
    sqlite3_bind_int64(q, 4, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e ? e : changes(s) ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_incident_sla_unalerted(struct rs_store *s, int64_t now, struct rs_incident_due *out, int max,
                                            int *n)
{
    *n = 0;
    sqlite3_stmt *q = prep(s, SLOT_SLA_UNALERTED,
                           "SELECT id,merchant_id FROM incidents WHERE sla_alerted_at IS NULL AND "
                           "state NOT IN ('resolved','closed') AND sla_due_at<?1 ORDER BY sla_due_at,id LIMIT ?2");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int(q, 2, max);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max) {
        out[*n].id = sqlite3_column_int64(q, 0);
        out[*n].merchant_id = sqlite3_column_int64(q, 1);
        (*n)++;
    }
    enum rs_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_incident_sla_claim(struct rs_store *s, int64_t id, int64_t now, bool *claimed)
{
    *claimed = false;
    sqlite3_stmt *q = prep(s, SLOT_SLA_CLAIM,
                           "UPDATE incidents SET sla_alerted_at=?1 WHERE id=?2 AND sla_alerted_at IS NULL AND "
                           "state NOT IN ('resolved','closed') AND sla_due_at<?1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e)
        *claimed = changes(s) == 1;
    return e;
}

enum rs_err rs_store_incident_sla_breached_count(struct rs_store *s, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *q = prep(s, SLOT_SLA_COUNT,
                           "SELECT count(*) FROM incident_log WHERE kind='state' AND actor='system'");
    if (!q)
        return RS_EIO;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    enum rs_err e = rc == SQLITE_ROW ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_incident_set_resolution(struct rs_store *s, int64_t merchant_id, int64_t id,
                                             const char *resolution, const char *resolved_by, int64_t coupon_id,
                                             int64_t now)
{
    sqlite3_stmt *q = prep(s, SLOT_SET_RES,
                           "UPDATE incidents SET state='resolved',resolution=?1,resolved_by=?2,resolved_at=?3,"
                           "coupon_id=coalesce(?4,coupon_id),updated_at=?3 WHERE id=?5 AND merchant_id=?6");
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, resolution, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 2, resolved_by);
    sqlite3_bind_int64(q, 3, now);
    bind_id(q, 4, coupon_id);
    sqlite3_bind_int64(q, 5, id);
    sqlite3_bind_int64(q, 6, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e ? e : changes(s) ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_incident_log(struct rs_store *s, int64_t incident_id, const struct rs_incident_log_in *in,
                                  int64_t now)
{
    sqlite3_stmt *q = prep(s, SLOT_LOG,
                           "INSERT INTO incident_log(incident_id,kind,actor,from_state,to_state,body,created_at) "
                           "VALUES(?,?,?,?,?,?,?)");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, incident_id);
    sqlite3_bind_text(q, 2, in->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, in->actor ? in->actor : "api", -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 4, in->from_state);
    rs_store_sqlite_bind_opt(q, 5, in->to_state);
    rs_store_sqlite_bind_opt(q, 6, in->body);
    sqlite3_bind_int64(q, 7, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_incident_log_resent(struct rs_store *s, int64_t incident_id, const struct rs_incident_log_in *in,
                                         int64_t since, bool *same)
{
    *same = false;
    sqlite3_stmt *q = prep(s, SLOT_LOG_RESENT,
                           "SELECT kind=?2 AND actor=?3 AND body IS ?4 AND created_at>=?5 FROM incident_log "
                           "WHERE incident_id=?1 ORDER BY id DESC LIMIT 1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, incident_id);
    sqlite3_bind_text(q, 2, in->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, in->actor ? in->actor : "api", -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 4, in->body);
    sqlite3_bind_int64(q, 5, since);
    enum rs_err e = rs_store_sqlite_row(s, q);
    if (e == RS_OK)
        *same = sqlite3_column_int(q, 0) == 1;
    sqlite3_reset(q);
    return e == RS_ENOTFOUND ? RS_OK : e;
}

enum rs_err rs_store_incident_unresolved(struct rs_store *s, int64_t merchant_id, int64_t order_id, const char *type,
                                         int64_t *id)
{
    *id = 0;
    sqlite3_stmt *q = prep(s, SLOT_UNRESOLVED,
                           "SELECT id FROM incidents WHERE merchant_id=?1 AND order_id=?2 AND type=?3 AND "
                           "state NOT IN ('resolved','closed') ORDER BY id DESC LIMIT 1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, order_id);
    sqlite3_bind_text(q, 3, type, -1, SQLITE_TRANSIENT);
    int n;
    return rs_store_sqlite_ids(s, q, id, 1, &n);
}

enum rs_err rs_store_incident_waiting(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, int64_t *ids,
                                      int max, int *n)
{
    *n = 0;
    sqlite3_stmt *q = prep(s, SLOT_WAITING,
                           "SELECT id FROM incidents WHERE merchant_id=?1 AND conversation_id=?2 AND "
                           "state='waiting_customer' ORDER BY id LIMIT ?3");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, conversation_id);
    sqlite3_bind_int(q, 3, max);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

enum rs_err rs_store_incident_link_message(struct rs_store *s, int64_t incident_id, int64_t message_id)
{
    sqlite3_stmt *q = prep(s, SLOT_LINK_MSG, "UPDATE messages SET incident_id=?1 WHERE id=?2");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, incident_id);
    sqlite3_bind_int64(q, 2, message_id);
    return rs_store_sqlite_run(s, q);
}

/* ---- detail and lists (prepared per call) ---- */

static enum rs_err prep_once(struct rs_store *s, const char *sql, sqlite3_stmt **q)
{
    int rc = sqlite3_prepare_v2(rs_store_sqlite_db(s), sql, -1, q, NULL);
    return rc == SQLITE_OK ? RS_OK : rs_store_sqlite_rc(s, rc);
}

#define WF_COLS                                                                                                    \
    "i.id,o.order_ref,o.tracking_code,i.type,i.state,i.origin,i.message,i.resolution,i.locale,i.sla_due_at,"      \
    "i.created_at,i.updated_at,i.contact,i.conversation_id,a.id,a.email,a.name,i.policy,i.offer,i.resolved_by,"    \
    "i.resolved_at,sh.carrier,sh.tracking_number,i.coupon_id,i.sla_alerted_at "                                    \
    "FROM incidents i JOIN orders o ON o.id=i.order_id LEFT JOIN agents a ON a.id=i.assigned_agent_id "            \
    "LEFT JOIN shipments sh ON sh.id=i.shipment_id "

static json_t *col_int(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(q, i));
}

static json_t *wf_row(sqlite3_stmt *q, int64_t now)
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
    const char *state = (const char *)sqlite3_column_text(q, 4);
    json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 4));
    json_object_set_new(j, "origin", rs_store_sqlite_col_str(q, 5));
    json_object_set_new(j, "message", rs_store_sqlite_col_str(q, 6));
    json_object_set_new(j, "contact", rs_store_sqlite_col_str(q, 12));
    json_object_set_new(j, "resolution", rs_store_sqlite_col_str(q, 7));
    json_object_set_new(j, "locale", rs_store_sqlite_col_str(q, 8));
    int64_t due = sqlite3_column_int64(q, 9);
    json_object_set_new(j, "sla_due_at", rs_store_sqlite_col_time(q, 9, 0));
    bool open = state && strcmp(state, "resolved") != 0 && strcmp(state, "closed") != 0;
    json_object_set_new(j, "breaching", json_boolean(open && due < now));
    /* when the team was told it passed this SLA (null: not yet, or a new SLA since) */
    json_object_set_new(j, "sla_alerted_at", rs_store_sqlite_col_time(q, 24, 0));
    json_object_set_new(j, "created_at", rs_store_sqlite_col_time(q, 10, 0));
    json_object_set_new(j, "updated_at", rs_store_sqlite_col_time(q, 11, 0));
    json_object_set_new(j, "conversation_id", col_int(q, 13));
    if (sqlite3_column_type(q, 14) == SQLITE_NULL) {
        json_object_set_new(j, "assigned_agent", json_null());
    } else {
        json_t *a = json_object();
        json_object_set_new(a, "id", json_integer(sqlite3_column_int64(q, 14)));
        json_object_set_new(a, "email", rs_store_sqlite_col_str(q, 15));
        json_object_set_new(a, "name", rs_store_sqlite_col_str(q, 16));
        json_object_set_new(j, "assigned_agent", a);
    }
    json_object_set_new(j, "policy", rs_store_sqlite_col_str(q, 17));
    json_object_set_new(j, "offer", rs_store_sqlite_col_str(q, 18));
    json_object_set_new(j, "resolved_by", rs_store_sqlite_col_str(q, 19));
    json_object_set_new(j, "resolved_at", rs_store_sqlite_col_time(q, 20, 0));
    if (sqlite3_column_type(q, 22) == SQLITE_NULL) {
        json_object_set_new(j, "shipment", json_null());
    } else {
        json_t *sh = json_object();
        json_object_set_new(sh, "carrier", rs_store_sqlite_col_str(q, 21));
        json_object_set_new(sh, "tracking_number", rs_store_sqlite_col_str(q, 22));
        json_object_set_new(j, "shipment", sh);
    }
    return j;
}

static enum rs_err detail_log(struct rs_store *s, int64_t id, json_t *j)
{
    sqlite3_stmt *q;
    enum rs_err e = prep_once(s,
                              "SELECT kind,actor,from_state,to_state,body,created_at FROM incident_log "
                              "WHERE incident_id=? ORDER BY id",
                              &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, id);
    json_t *log = json_array(), *notes = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *l = json_object();
        json_object_set_new(l, "kind", rs_store_sqlite_col_str(q, 0));
        json_object_set_new(l, "actor", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(l, "from_state", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(l, "to_state", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(l, "body", rs_store_sqlite_col_str(q, 4));
        json_object_set_new(l, "created_at", rs_store_sqlite_col_time(q, 5, 0));
        if (strcmp((const char *)sqlite3_column_text(q, 0), "note") == 0) {
            json_t *n = json_object();
            json_object_set_new(n, "actor", rs_store_sqlite_col_str(q, 1));
            json_object_set_new(n, "body", rs_store_sqlite_col_str(q, 4));
            json_object_set_new(n, "created_at", rs_store_sqlite_col_time(q, 5, 0));
            json_array_append_new(notes, n);
        }
        json_array_append_new(log, l);
    }
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    json_object_set_new(j, "log", log);
    json_object_set_new(j, "notes", notes);
    return e;
}

static enum rs_err detail_coupon(struct rs_store *s, int64_t id, json_t *j)
{
    sqlite3_stmt *q;
    enum rs_err e = prep_once(s,
                              "SELECT c.code,c.kind,c.value_cents,c.currency,c.reason,c.expires_at,c.issued_by,"
                              "c.created_at FROM incidents i JOIN coupons c ON c.id=coalesce(i.coupon_id,"
                              "(SELECT min(id) FROM coupons WHERE incident_id=i.id)) WHERE i.id=?",
                              &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        json_t *c = json_object();
        json_object_set_new(c, "code", rs_store_sqlite_col_str(q, 0));
        json_object_set_new(c, "kind", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(c, "value", json_real((double)sqlite3_column_int64(q, 2) / 100.0));
        json_object_set_new(c, "currency", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(c, "reason", rs_store_sqlite_col_str(q, 4));
        json_object_set_new(c, "expires_at", rs_store_sqlite_col_time(q, 5, 0));
        json_object_set_new(c, "issued_by", rs_store_sqlite_col_str(q, 6));
        json_object_set_new(c, "created_at", rs_store_sqlite_col_time(q, 7, 0));
        json_object_set_new(j, "coupon", c);
    } else {
        json_object_set_new(j, "coupon", json_null());
    }
    e = rc == SQLITE_ROW || rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_incident_detail(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t now, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep_once(s, "SELECT " WF_COLS "WHERE i.merchant_id=? AND i.id=?", &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, id);
    int rc = sqlite3_step(q);
    json_t *j = rc == SQLITE_ROW ? wf_row(q, now) : NULL;
    e = rc == SQLITE_ROW ? RS_OK : rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (!e)
        e = detail_log(s, id, j);
    if (!e)
        e = detail_coupon(s, id, j);
    if (e) {
        json_decref(j);
        return e;
    }
    *out = j;
    return RS_OK;
}

enum rs_err rs_store_incident_query(struct rs_store *s, int64_t merchant_id, const struct rs_incident_filter *f,
                                    int64_t now, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep_once(s,
                              "SELECT " WF_COLS
                              "WHERE i.merchant_id=?1 AND (?2 IS NULL OR i.state=?2) AND (?3 IS NULL OR "
                              "o.order_ref=?3) AND (?4 IS NULL OR a.email=lower(?4)) AND (?5=0 OR (i.sla_due_at<?6 "
                              "AND i.state NOT IN ('resolved','closed'))) AND (?7<=0 OR i.id<?7) AND (?9=0 OR (i.assigned_agent_id IS "
                              "NULL AND i.state NOT IN ('resolved','closed'))) AND (?10 IS NULL OR i.origin=?10) "
                              "ORDER BY i.id DESC LIMIT ?8",
                              &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    rs_store_sqlite_bind_opt(q, 2, f->state);
    rs_store_sqlite_bind_opt(q, 3, f->order_ref);
    rs_store_sqlite_bind_opt(q, 4, f->agent_email);
    sqlite3_bind_int(q, 5, f->breaching ? 1 : 0);
    sqlite3_bind_int64(q, 6, now);
    sqlite3_bind_int64(q, 7, f->before_id);
    sqlite3_bind_int(q, 8, f->limit > 0 ? f->limit : 50);
    sqlite3_bind_int(q, 9, f->unassigned ? 1 : 0);
    rs_store_sqlite_bind_opt(q, 10, f->origin);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, wf_row(q, now));
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

/* ---- agents, coupons, settings, look-ups ---- */

enum rs_err rs_store_agent_of_merchant(struct rs_store *s, int64_t merchant_id, int64_t id, const char *email,
                                       int64_t *out_id, char out_email[256])
{
    sqlite3_stmt *q = prep(s, SLOT_AGENT,
                           "SELECT id,email FROM agents WHERE merchant_id=?1 AND disabled_at IS NULL AND "
                           "((?2>0 AND id=?2) OR (?2<=0 AND email=lower(trim(?3))))");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, id);
    rs_store_sqlite_bind_opt(q, 3, email);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        *out_id = sqlite3_column_int64(q, 0);
        rs_store_sqlite_col_copy(out_email, 256, q, 1);
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_coupon_mark(struct rs_store *s, int64_t coupon_id, const char *issued_by, int64_t incident_id)
{
    sqlite3_stmt *q = prep(s, SLOT_COUPON_MARK, "UPDATE coupons SET issued_by=?1,incident_id=?2 WHERE id=?3");
    if (!q)
        return RS_EIO;
    rs_store_sqlite_bind_opt(q, 1, issued_by);
    bind_id(q, 2, incident_id);
    sqlite3_bind_int64(q, 3, coupon_id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_incident_coupon(struct rs_store *s, int64_t incident_id, int64_t *coupon_id)
{
    *coupon_id = 0;
    sqlite3_stmt *q = prep(s, SLOT_INCIDENT_COUPON,
                           "SELECT coalesce((SELECT coupon_id FROM incidents WHERE id=?1),"
                           "(SELECT min(id) FROM coupons WHERE incident_id=?1),0)");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, incident_id);
    int n;
    return rs_store_sqlite_ids(s, q, coupon_id, 1, &n);
}

enum rs_err rs_store_support_settings_get(struct rs_store *s, int64_t merchant_id, char **out)
{
    *out = NULL;
    sqlite3_stmt *q = prep(s, SLOT_SETTINGS_GET, "SELECT config FROM support_settings WHERE merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        if (t && !(*out = strdup(t)))
            e = RS_ENOMEM;
    } else if (rc != SQLITE_DONE) {
        e = rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_support_settings_put(struct rs_store *s, int64_t merchant_id, const char *json, int64_t now)
{
    sqlite3_stmt *q;
    if (!json) {
        q = prep(s, SLOT_SETTINGS_DEL, "DELETE FROM support_settings WHERE merchant_id=?");
        if (!q)
            return RS_EIO;
        sqlite3_bind_int64(q, 1, merchant_id);
        return rs_store_sqlite_run(s, q);
    }
    q = prep(s, SLOT_SETTINGS_PUT,
             "INSERT INTO support_settings(merchant_id,config,updated_at) VALUES(?1,?2,?3) "
             "ON CONFLICT(merchant_id) DO UPDATE SET config=?2,updated_at=?3");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_order_locale(struct rs_store *s, int64_t merchant_id, int64_t order_id, char locale[8],
                                  char merchant_locale[8], char order_ref[128])
{
    locale[0] = merchant_locale[0] = order_ref[0] = '\0';
    sqlite3_stmt *q = prep(s, SLOT_ORDER_LOCALE,
                           "SELECT c.locale,m.locale,o.order_ref FROM orders o JOIN merchants m ON m.id=o.merchant_id "
                           "LEFT JOIN customers c ON c.id=o.customer_id WHERE o.id=?2 AND o.merchant_id=?1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, order_id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        rs_store_sqlite_col_copy(locale, 8, q, 0);
        rs_store_sqlite_col_copy(merchant_locale, 8, q, 1);
        rs_store_sqlite_col_copy(order_ref, 128, q, 2);
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_merchant_ids(struct rs_store *s, int64_t after, int64_t *ids, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *q = prep(s, SLOT_MERCHANTS, "SELECT id FROM merchants WHERE id>? ORDER BY id LIMIT ?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int(q, 2, max);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

enum rs_err rs_store_policy_candidates(struct rs_store *s, int64_t merchant_id, const char *policy, const char *type,
                                       int64_t no_scan_before, int64_t breached_before_day, const char *status,
                                       struct rs_policy_match *out, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *q = prep(
        s, SLOT_CANDIDATES,
        "SELECT sh.id,sh.order_id FROM shipments sh LEFT JOIN shipment_promises p ON p.shipment_id=sh.id "
        "WHERE sh.merchant_id=?1 AND sh.status NOT IN ('delivered','returning','returned','expired') "
        "AND sh.cancelled_at=0 "
        "AND (?3<0 OR (sh.n_events>0 AND sh.last_event_at>0 AND sh.last_event_at<?3)) "
        "AND (?4<0 OR (p.told_latest IS NOT NULL AND p.final=0 AND p.told_latest<?4)) "
        "AND (?5 IS NULL OR sh.status=?5) "
        "AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.shipment_id=sh.id AND i.policy=?2) "
        "AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.order_id=sh.order_id AND i.type=?6 AND "
        "i.state NOT IN ('resolved','closed')) ORDER BY sh.id LIMIT ?7");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, policy, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, no_scan_before);
    sqlite3_bind_int64(q, 4, breached_before_day);
    rs_store_sqlite_bind_opt(q, 5, status);
    sqlite3_bind_text(q, 6, type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 7, max);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max) {
        out[*n].shipment_id = sqlite3_column_int64(q, 0);
        out[*n].order_id = sqlite3_column_int64(q, 1);
        (*n)++;
    }
    enum rs_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}
