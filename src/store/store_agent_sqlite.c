/* store_agent_sqlite.c — SQLite side of store_agent.h: agents, agent_sessions, and the console's
 * reads of conversations, messages and incidents (0007-support). Statements are cached by slot
 * (RS_STORE_SLOTS_AGENT + n, n < 32). */
#include "store/store_agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_sqlite_priv.h"

enum {
    S_AGENT_INSERT,
    S_AGENT_BY_EMAIL,
    S_AGENT_LIST,
    S_AGENT_LIST_ALL,
    S_AGENT_LOCALE,
    S_AGENT_GET,
    S_SESSION_INSERT,
    S_SESSION_GET,
    S_SESSION_TOUCH,
    S_SESSION_DELETE,
    S_SESSION_PURGE,
    S_COUNTS,
    S_QUEUE_FIRST, /* S_QUEUE_FIRST + queue: one statement per queue */
    S_CONV = S_QUEUE_FIRST + RS_Q_COUNT,
    S_INCIDENTS,
    S_INCIDENT_ONE,
    S_INCIDENT_LOG,
    S_MESSAGE_ONE,
    S_MERCHANT_NAME,
    S_MERCHANT_EXISTS,
    S_AGENT_PASSWORD,
    S_SEARCH,
    S_SEARCH_INCIDENTS,
    S_LAST
};
_Static_assert(S_LAST <= 32, "store_agent_sqlite.c has 32 statement slots");

static sqlite3_stmt *stmt(struct rs_store *s, int slot, const char *sql)
{
    return rs_store_sqlite_stmt(s, RS_STORE_SLOTS_AGENT + slot, sql);
}

static enum rs_err done(struct rs_store *s, sqlite3_stmt *q, int rc)
{
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

static void col_copy(char *dst, size_t cap, sqlite3_stmt *q, int i)
{
    rs_store_sqlite_col_copy(dst, cap, q, i);
}

static json_t *col_int(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(q, i));
}

/* ---- agents ---- */

#define AGENT_COLS "a.id,a.merchant_id,a.email,a.name,a.role,a.locale,a.password_hash,a.created_at,coalesce(a.disabled_at,0)"

static void agent_row(sqlite3_stmt *q, int at, struct rs_agent *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(q, at + 0);
    a->merchant_id = sqlite3_column_int64(q, at + 1);
    col_copy(a->email, sizeof a->email, q, at + 2);
    col_copy(a->name, sizeof a->name, q, at + 3);
    col_copy(a->role, sizeof a->role, q, at + 4);
    col_copy(a->locale, sizeof a->locale, q, at + 5);
    col_copy(a->password_hash, sizeof a->password_hash, q, at + 6);
    a->created_at = sqlite3_column_int64(q, at + 7);
    a->disabled_at = sqlite3_column_int64(q, at + 8);
}

enum rs_err rs_store_agent_create(struct rs_store *s, const struct rs_agent *a, int64_t now, int64_t *id)
{
    sqlite3_stmt *q = stmt(s, S_MERCHANT_EXISTS, "SELECT 1 FROM merchants WHERE id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, a->merchant_id);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
        return RS_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return rs_store_sqlite_rc(s, rc);
    q = stmt(s, S_AGENT_INSERT,
             "INSERT INTO agents(merchant_id,email,name,password_hash,role,locale,created_at) VALUES(?,?,?,?,?,?,?)");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, a->merchant_id);
    sqlite3_bind_text(q, 2, a->email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, a->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, a->password_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, a->role[0] ? a->role : "agent", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, a->locale[0] ? a->locale : "es", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 7, now);
    enum rs_err e = done(s, q, sqlite3_step(q));
    if (!e)
        *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return e;
}

enum rs_err rs_store_agent_by_email(struct rs_store *s, const char *email, struct rs_agent *out)
{
    sqlite3_stmt *q = stmt(s, S_AGENT_BY_EMAIL, "SELECT " AGENT_COLS " FROM agents a WHERE a.email=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, email, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        agent_row(q, 0, out);
    return done(s, q, rc == SQLITE_DONE ? SQLITE_OK : rc) ? RS_EIO : rc == SQLITE_ROW ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_agent_get(struct rs_store *s, int64_t merchant_id, int64_t agent_id, struct rs_agent *out)
{
    sqlite3_stmt *q = stmt(s, S_AGENT_GET, "SELECT " AGENT_COLS " FROM agents a WHERE a.id=? AND a.merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, agent_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        agent_row(q, 0, out);
    return done(s, q, rc == SQLITE_DONE ? SQLITE_OK : rc) ? RS_EIO : rc == SQLITE_ROW ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_agent_list(struct rs_store *s, int64_t merchant_id, json_t **out)
{
    sqlite3_stmt *q = merchant_id
                          ? stmt(s, S_AGENT_LIST, "SELECT " AGENT_COLS " FROM agents a WHERE a.merchant_id=? ORDER BY a.id")
                          : stmt(s, S_AGENT_LIST_ALL, "SELECT " AGENT_COLS " FROM agents a ORDER BY a.id");
    if (!q)
        return RS_EIO;
    if (merchant_id)
        sqlite3_bind_int64(q, 1, merchant_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct rs_agent a;
        agent_row(q, 0, &a);
        json_array_append_new(arr, json_pack("{sI sI ss ss ss ss sI sb}", "id", (json_int_t)a.id, "merchant_id",
                                             (json_int_t)a.merchant_id, "email", a.email, "name", a.name, "role",
                                             a.role, "locale", a.locale, "created_at", (json_int_t)a.created_at,
                                             "disabled", a.disabled_at != 0));
    }
    enum rs_err e = done(s, q, rc);
    if (e)
        json_decref(arr);
    else
        *out = arr;
    return e;
}

enum rs_err rs_store_agent_set_locale(struct rs_store *s, int64_t agent_id, const char *locale)
{
    sqlite3_stmt *q = stmt(s, S_AGENT_LOCALE, "UPDATE agents SET locale=? WHERE id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, locale, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, agent_id);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_agent_set_password(struct rs_store *s, int64_t agent_id, const char *phc)
{
    sqlite3_stmt *q = stmt(s, S_AGENT_PASSWORD, "UPDATE agents SET password_hash=? WHERE id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, phc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, agent_id);
    return done(s, q, sqlite3_step(q));
}

/* Run SQL once with ?1 = A and, when it has one, ?2 = B; *changes (may be NULL) gets the rows
 * it changed. */
static enum rs_err exec2(struct rs_store *s, const char *sql, int64_t a, int64_t b, int *changes)
{
    sqlite3 *db = rs_store_sqlite_db(s);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return rs_store_sqlite_rc(s, sqlite3_errcode(db));
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return rs_store_sqlite_rc(s, rc);
    if (changes)
        *changes = sqlite3_changes(db);
    return RS_OK;
}

enum rs_err rs_store_agent_sessions_end(struct rs_store *s, int64_t agent_id)
{
    return exec2(s, "DELETE FROM agent_sessions WHERE agent_id=?1", agent_id, 0, NULL);
}

enum rs_err rs_store_agent_set_disabled(struct rs_store *s, int64_t agent_id, bool disabled, int64_t now,
                                        int *released)
{
    int n = 0, convs = 0, incs = 0;
    *released = 0;
    enum rs_err e = disabled ? exec2(s, "UPDATE agents SET disabled_at=coalesce(disabled_at,?2) WHERE id=?1", agent_id, now, &n)
                             : exec2(s, "UPDATE agents SET disabled_at=NULL WHERE id=?1", agent_id, 0, &n);
    if (!e && n == 0)
        return RS_ENOTFOUND;
    if (e || !disabled)
        return e;
    e = rs_store_agent_sessions_end(s, agent_id);
    if (!e)
        e = exec2(s,
                  "INSERT INTO incident_log(incident_id,kind,actor,body,created_at) SELECT id,'assigned','policy',"
                  "'agent disabled: back to the queue',?2 FROM incidents WHERE assigned_agent_id=?1 AND "
                  "state NOT IN ('resolved','closed')",
                  agent_id, now, NULL);
    if (!e)
        e = exec2(s,
                  "UPDATE incidents SET assigned_agent_id=NULL WHERE assigned_agent_id=?1 AND "
                  "state NOT IN ('resolved','closed')",
                  agent_id, 0, &incs);
    if (!e)
        e = exec2(s, "UPDATE conversations SET assigned_agent_id=NULL WHERE assigned_agent_id=?1 AND state<>'closed'",
                  agent_id, 0, &convs);
    *released = convs + incs;
    return e;
}

/* ---- sessions ---- */

enum rs_err rs_store_session_create(struct rs_store *s, const unsigned char hash[32], int64_t agent_id,
                                    const char *csrf, int64_t now, int64_t expires_at)
{
    sqlite3_stmt *q = stmt(s, S_SESSION_INSERT,
                           "INSERT INTO agent_sessions(token_hash,agent_id,csrf_token,created_at,last_seen_at,expires_at) "
                           "VALUES(?,?,?,?,?,?)");
    if (!q)
        return RS_EIO;
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, agent_id);
    sqlite3_bind_text(q, 3, csrf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, now);
    sqlite3_bind_int64(q, 5, now);
    sqlite3_bind_int64(q, 6, expires_at);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_session_get(struct rs_store *s, const unsigned char hash[32], struct rs_agent_session *out)
{
    sqlite3_stmt *q = stmt(s, S_SESSION_GET,
                           "SELECT " AGENT_COLS ",x.csrf_token,x.created_at,x.last_seen_at,x.expires_at "
                           "FROM agent_sessions x JOIN agents a ON a.id=x.agent_id WHERE x.token_hash=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        agent_row(q, 0, &out->agent);
        col_copy(out->csrf, sizeof out->csrf, q, 9);
        out->created_at = sqlite3_column_int64(q, 10);
        out->last_seen_at = sqlite3_column_int64(q, 11);
        out->expires_at = sqlite3_column_int64(q, 12);
    }
    return done(s, q, rc == SQLITE_DONE ? SQLITE_OK : rc) ? RS_EIO : rc == SQLITE_ROW ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_session_touch(struct rs_store *s, const unsigned char hash[32], int64_t now)
{
    sqlite3_stmt *q = stmt(s, S_SESSION_TOUCH, "UPDATE agent_sessions SET last_seen_at=? WHERE token_hash=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_blob(q, 2, hash, 32, SQLITE_TRANSIENT);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_session_delete(struct rs_store *s, const unsigned char hash[32])
{
    sqlite3_stmt *q = stmt(s, S_SESSION_DELETE, "DELETE FROM agent_sessions WHERE token_hash=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_TRANSIENT);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_session_purge(struct rs_store *s, int64_t now, int64_t idle_before)
{
    sqlite3_stmt *q =
        stmt(s, S_SESSION_PURGE, "DELETE FROM agent_sessions WHERE expires_at<=? OR last_seen_at<?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, idle_before);
    return done(s, q, sqlite3_step(q));
}

/* ---- queues ---- */

/* Conditions on conversation c (params: ?1 merchant, ?2 agent, ?3 now). */
#define LAST_DIR                                                                                              \
    "(SELECT m.direction FROM messages m WHERE m.conversation_id=c.id AND m.direction!='note' ORDER BY m.id " \
    "DESC LIMIT 1)"
#define OPEN_INCIDENT "i.state IN ('open','waiting_customer','waiting_carrier')"
static const char *const queue_where[RS_Q_COUNT] = {
    [RS_Q_UNASSIGNED] = "c.state='agent' AND c.assigned_agent_id IS NULL",
    [RS_Q_MINE] = "c.state!='closed' AND c.assigned_agent_id=?2",
    [RS_Q_WAITING] = "c.state='agent' AND c.assigned_agent_id IS NOT NULL AND " LAST_DIR "='out'",
    [RS_Q_BREACHING] = OPEN_INCIDENT " AND i.sla_due_at<?3",
    [RS_Q_INCIDENTS] = OPEN_INCIDENT,
    [RS_Q_BOT] = "c.state='bot'",
    [RS_Q_CLOSED] = "c.state='closed'",
};
static bool incident_queue(enum rs_console_queue qq)
{
    return qq == RS_Q_BREACHING || qq == RS_Q_INCIDENTS;
}

enum rs_err rs_store_console_counts(struct rs_store *s, int64_t merchant_id, int64_t agent_id, int64_t now,
                                    int64_t counts[RS_Q_COUNT])
{
    char sql[2048];
    int n = snprintf(sql, sizeof sql, "SELECT ");
    for (int k = 0; k < RS_Q_COUNT; k++)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      incident_queue(k) ? "%s(SELECT count(*) FROM incidents i WHERE i.merchant_id=?1 AND %s)"
                                        : "%s(SELECT count(*) FROM conversations c WHERE c.merchant_id=?1 AND %s)",
                      k ? "," : "", queue_where[k]);
    sqlite3_stmt *q = stmt(s, S_COUNTS, sql);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, agent_id);
    sqlite3_bind_int64(q, 3, now);
    int rc = sqlite3_step(q);
    for (int k = 0; k < RS_Q_COUNT; k++)
        counts[k] = rc == SQLITE_ROW ? sqlite3_column_int64(q, k) : 0;
    return done(s, q, rc);
}

#define WHO "coalesce(cu.name,c.phone,c.email,cu.phone,cu.email)"

/* A row of the conversation queues and of the search: id, channel, state, WHO, phone, email,
 * agent's name, order_ref, handover_reason, last_message_at, last body'\x1f'author. */
static json_t *conv_row(sqlite3_stmt *q)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(sqlite3_column_int64(q, 0)));
    json_object_set_new(j, "channel", rs_store_sqlite_col_str(q, 1));
    json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 2));
    json_object_set_new(j, "name", rs_store_sqlite_col_str(q, 3));
    json_object_set_new(j, "phone", rs_store_sqlite_col_str(q, 4));
    json_object_set_new(j, "email", rs_store_sqlite_col_str(q, 5));
    json_object_set_new(j, "agent_name", rs_store_sqlite_col_str(q, 6));
    json_object_set_new(j, "order_ref", rs_store_sqlite_col_str(q, 7));
    json_object_set_new(j, "handover_reason", rs_store_sqlite_col_str(q, 8));
    json_object_set_new(j, "last_message_at", col_int(q, 9));
    const char *last = (const char *)sqlite3_column_text(q, 10);
    const char *sep = last ? strrchr(last, '\x1f') : NULL;
    json_object_set_new(j, "last_body", sep ? json_stringn(last, (size_t)(sep - last)) : json_null());
    json_object_set_new(j, "last_author", sep ? json_string(sep + 1) : json_null());
    return j;
}

/* The columns of the incident queues and of the incident search. */
#define INCIDENT_COLS                                                                                               \
    "i.id,coalesce(i.conversation_id,0),i.type,i.state,o.order_ref,coalesce(" WHO ",ocu.name,ocu.email),ag.name,"  \
    "i.sla_due_at,i.created_at "
#define INCIDENT_FROM                                                                                               \
    "FROM incidents i JOIN orders o ON o.id=i.order_id LEFT JOIN customers ocu ON ocu.id=o.customer_id "         \
    "LEFT JOIN conversations c ON c.id=i.conversation_id LEFT JOIN customers cu ON cu.id=c.customer_id "         \
    "LEFT JOIN agents ag ON ag.id=i.assigned_agent_id "

/* A row of INCIDENT_COLS: incident_id, id (its conversation, 0: none), type, state, order_ref,
 * name, agent_name, sla_due_at, created_at. */
static json_t *incident_queue_row(sqlite3_stmt *q)
{
    json_t *j = json_object();
    json_object_set_new(j, "incident_id", json_integer(sqlite3_column_int64(q, 0)));
    json_object_set_new(j, "id", json_integer(sqlite3_column_int64(q, 1)));
    json_object_set_new(j, "type", rs_store_sqlite_col_str(q, 2));
    json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 3));
    json_object_set_new(j, "order_ref", rs_store_sqlite_col_str(q, 4));
    json_object_set_new(j, "name", rs_store_sqlite_col_str(q, 5));
    json_object_set_new(j, "agent_name", rs_store_sqlite_col_str(q, 6));
    json_object_set_new(j, "sla_due_at", col_int(q, 7));
    json_object_set_new(j, "created_at", col_int(q, 8));
    return j;
}

enum rs_err rs_store_console_queue(struct rs_store *s, int64_t merchant_id, int64_t agent_id,
                                   enum rs_console_queue qq, int64_t now, int limit, int64_t before,
                                   json_t **out)
{
    if ((int)qq < 0 || qq >= RS_Q_COUNT)
        return RS_EINVAL;
    char sql[2048];
    /* keyset paging: the rows whose sort key comes after the key of row ?5 (all when ?5 is 0) */
    if (incident_queue(qq))
        snprintf(sql, sizeof sql,
                 "SELECT " INCIDENT_COLS INCIDENT_FROM "WHERE i.merchant_id=?1 AND %s AND (?5=0 OR (i.sla_due_at,i.id)>(SELECT p.sla_due_at,p.id "
                 "FROM incidents p WHERE p.id=?5 AND p.merchant_id=?1)) ORDER BY i.sla_due_at, i.id LIMIT ?4",
                 queue_where[qq]);
    else if (qq == RS_Q_UNASSIGNED)
        snprintf(sql, sizeof sql,
                 "SELECT c.id,c.channel,c.state," WHO ",c.phone,c.email,ag.name,o.order_ref,c.handover_reason,"
                 "c.last_message_at,(SELECT substr(m.body,1,140)||'\x1f'||m.author FROM messages m WHERE "
                 "m.conversation_id=c.id ORDER BY m.id DESC LIMIT 1) "
                 "FROM conversations c LEFT JOIN customers cu ON cu.id=c.customer_id "
                 "LEFT JOIN agents ag ON ag.id=c.assigned_agent_id LEFT JOIN orders o ON o.id=c.order_id "
                 "WHERE c.merchant_id=?1 AND %s AND ?3=?3 AND (?5=0 OR (coalesce(c.handover_at,c.last_message_at),c.id)>"
                 "(SELECT coalesce(p.handover_at,p.last_message_at),p.id FROM conversations p WHERE p.id=?5 AND "
                 "p.merchant_id=?1)) ORDER BY coalesce(c.handover_at,c.last_message_at), c.id LIMIT ?4",
                 queue_where[qq]);
    else
        snprintf(sql, sizeof sql,
                 "SELECT c.id,c.channel,c.state," WHO ",c.phone,c.email,ag.name,o.order_ref,c.handover_reason,"
                 "c.last_message_at,(SELECT substr(m.body,1,140)||'\x1f'||m.author FROM messages m WHERE "
                 "m.conversation_id=c.id ORDER BY m.id DESC LIMIT 1) "
                 "FROM conversations c LEFT JOIN customers cu ON cu.id=c.customer_id "
                 "LEFT JOIN agents ag ON ag.id=c.assigned_agent_id LEFT JOIN orders o ON o.id=c.order_id "
                 "WHERE c.merchant_id=?1 AND %s AND ?3=?3 AND (?5=0 OR (c.last_message_at,c.id)<(SELECT "
                 "p.last_message_at,p.id FROM conversations p WHERE p.id=?5 AND p.merchant_id=?1)) "
                 "ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?4",
                 queue_where[qq]);
    sqlite3_stmt *q = stmt(s, S_QUEUE_FIRST + (int)qq, sql);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, agent_id);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int(q, 4, limit > 0 ? limit : 100);
    sqlite3_bind_int64(q, 5, before > 0 ? before : 0);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, incident_queue(qq) ? incident_queue_row(q) : conv_row(q));
    enum rs_err e = done(s, q, rc);
    if (e)
        json_decref(arr);
    else
        *out = arr;
    return e;
}

static const char *opt_text(const char *v)
{
    return v ? v : "";
}

/* The orders a search names (by reference, public code or a shipment's carrier number):
 * ?1 merchant, ?2 order_ref without its '#' ("1042" also finds a shop's "#1042", as Shopify
 * names its orders), ?3 tracking code, ?4 carrier number (see rs_console_search). */
#define SEARCH_ORDERS                                                                                              \
    "WITH m AS (SELECT o2.id, o2.customer_id FROM orders o2 WHERE o2.merchant_id=?1 AND ("                         \
    "(?2<>'' AND (o2.order_ref=?2 COLLATE NOCASE OR o2.order_ref='#'||?2 COLLATE NOCASE)) OR "                     \
    "(?3<>'' AND o2.tracking_code=?3) OR (?4<>'' AND o2.id IN "                                                    \
    "(SELECT sh.order_id FROM shipments sh WHERE sh.merchant_id=?1 AND "                                           \
    "upper(replace(replace(replace(sh.tracking_number,' ',''),'-',''),'.',''))=?4)))) "

static void search_bind(sqlite3_stmt *q, int64_t merchant_id, const struct rs_console_search *w, int limit)
{
    sqlite3_bind_int64(q, 1, merchant_id);
    const char *v[] = {w->order_ref, w->tracking_code, w->tracking_number, w->email, w->phone_digits, w->name};
    for (int k = 0; k < 6; k++)
        sqlite3_bind_text(q, k + 2, opt_text(v[k]), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 8, limit > 0 ? limit : 100);
}

enum rs_err rs_store_console_search(struct rs_store *s, int64_t merchant_id, const struct rs_console_search *w,
                                    int limit, json_t **out)
{
    /* the orders the text names (by reference, public code or a shipment's carrier number); their
     * conversations, and those of their customers */
    sqlite3_stmt *q = stmt(
        s, S_SEARCH,
        SEARCH_ORDERS
        "SELECT c.id,c.channel,c.state," WHO ",c.phone,c.email,ag.name,o.order_ref,c.handover_reason,"
        "c.last_message_at,(SELECT substr(m.body,1,140)||'\x1f'||m.author FROM messages m WHERE "
        "m.conversation_id=c.id ORDER BY m.id DESC LIMIT 1) "
        "FROM conversations c LEFT JOIN customers cu ON cu.id=c.customer_id "
        "LEFT JOIN agents ag ON ag.id=c.assigned_agent_id LEFT JOIN orders o ON o.id=c.order_id "
        "WHERE c.merchant_id=?1 AND (c.order_id IN (SELECT id FROM m) OR c.customer_id IN (SELECT customer_id FROM m) "
        "OR (?5<>'' AND (c.email=?5 OR cu.email=?5)) "
        "OR (?6<>'' AND (c.phone LIKE '%'||?6 OR cu.phone LIKE '%'||?6)) "
        "OR (?7<>'' AND instr(rs_fold(cu.name),?7)>0)) "
        "ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?8");
    if (!q)
        return RS_EIO;
    search_bind(q, merchant_id, w, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, conv_row(q));
    enum rs_err e = done(s, q, rc);
    if (e)
        json_decref(arr);
    else
        *out = arr;
    return e;
}

enum rs_err rs_store_console_search_incidents(struct rs_store *s, int64_t merchant_id,
                                              const struct rs_console_search *w, int limit, json_t **out)
{
    /* an incident matches by its number, by its order (or another order of the order's customer),
     * or by the e-mail, phone or name of the order's customer or of its conversation's */
    sqlite3_stmt *q = stmt(s, S_SEARCH_INCIDENTS,
                           SEARCH_ORDERS "SELECT " INCIDENT_COLS INCIDENT_FROM
                           "WHERE i.merchant_id=?1 AND (i.id=?9 OR i.order_id IN (SELECT id FROM m) "
                           "OR o.customer_id IN (SELECT customer_id FROM m) "
                           "OR (?5<>'' AND (ocu.email=?5 OR c.email=?5 OR cu.email=?5)) "
                           "OR (?6<>'' AND (ocu.phone LIKE '%'||?6 OR c.phone LIKE '%'||?6 OR cu.phone LIKE '%'||?6)) "
                           "OR (?7<>'' AND (instr(rs_fold(ocu.name),?7)>0 OR instr(rs_fold(cu.name),?7)>0))) "
                           "ORDER BY i.created_at DESC, i.id DESC LIMIT ?8");
    if (!q)
        return RS_EIO;
    search_bind(q, merchant_id, w, limit);
    sqlite3_bind_int64(q, 9, w->incident_id > 0 ? w->incident_id : -1);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, incident_queue_row(q));
    enum rs_err e = done(s, q, rc);
    if (e)
        json_decref(arr);
    else
        *out = arr;
    return e;
}

/* ---- one conversation ---- */

enum rs_err rs_store_console_conversation(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out)
{
    sqlite3_stmt *q = stmt(s, S_CONV,
                           "SELECT c.id,c.channel,c.sms_provider,c.state,c.locale,c.phone,c.email,c.subject,"
                           "c.customer_id,cu.name,cu.phone,cu.email,c.assigned_agent_id,ag.name,c.order_id,o.order_ref,"
                           "c.verified_order_id,c.handover_at,c.handover_reason,c.created_at,c.last_message_at,"
                           "o.tracking_code "
                           "FROM conversations c LEFT JOIN customers cu ON cu.id=c.customer_id "
                           "LEFT JOIN agents ag ON ag.id=c.assigned_agent_id "
                           "LEFT JOIN orders o ON o.id=c.order_id AND o.merchant_id=c.merchant_id "
                           "WHERE c.id=? AND c.merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, merchant_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        enum rs_err e = done(s, q, rc);
        return e ? e : RS_ENOTFOUND;
    }
    static const char *const names[] = {"id", "channel", "sms_provider", "state", "locale", "phone", "email",
                                        "subject", "customer_id", "name", "customer_phone", "customer_email",
                                        "assigned_agent_id", "agent_name", "order_id", "order_ref",
                                        "verified_order_id", "handover_at", "handover_reason", "created_at",
                                        "last_message_at", "tracking_code"};
    json_t *j = json_object();
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        json_object_set_new(j, names[i],
                            sqlite3_column_type(q, i) == SQLITE_INTEGER ? col_int(q, i) : rs_store_sqlite_col_str(q, i));
    *out = j;
    return done(s, q, SQLITE_OK);
}

/* ---- incidents ---- */

#define INCIDENT_SELECT                                                                                       \
    "SELECT i.id,i.order_id,o.order_ref,coalesce(i.conversation_id,0),i.type,i.state,i.origin,i.message,"    \
    "i.resolution,i.resolved_by,i.resolved_at,i.sla_due_at,i.assigned_agent_id,ag.name,cp.code,i.created_at," \
    "i.policy,i.offer,i.contact "                                                                             \
    "FROM incidents i JOIN orders o ON o.id=i.order_id LEFT JOIN agents ag ON ag.id=i.assigned_agent_id "    \
    "LEFT JOIN coupons cp ON cp.id=i.coupon_id "

static json_t *incident_row(sqlite3_stmt *q)
{
    static const char *const names[] = {"id", "order_id", "order_ref", "conversation_id", "type", "state",
                                        "origin", "message", "resolution", "resolved_by", "resolved_at",
                                        "sla_due_at", "assigned_agent_id", "agent_name", "coupon_code",
                                        "created_at", "policy", "offer", "contact"};
    json_t *j = json_object();
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        json_object_set_new(j, names[i],
                            sqlite3_column_type(q, i) == SQLITE_INTEGER ? col_int(q, i) : rs_store_sqlite_col_str(q, i));
    return j;
}

static enum rs_err attach_log(struct rs_store *s, json_t *arr)
{
    sqlite3_stmt *q = stmt(s, S_INCIDENT_LOG,
                           "SELECT kind,actor,from_state,to_state,body,created_at FROM incident_log "
                           "WHERE incident_id=? ORDER BY id LIMIT 500");
    if (!q)
        return RS_EIO;
    size_t i;
    json_t *inc;
    json_array_foreach(arr, i, inc)
    {
        sqlite3_bind_int64(q, 1, json_integer_value(json_object_get(inc, "id")));
        json_t *log = json_array();
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            json_t *l = json_object();
            json_object_set_new(l, "kind", rs_store_sqlite_col_str(q, 0));
            json_object_set_new(l, "actor", rs_store_sqlite_col_str(q, 1));
            json_object_set_new(l, "from_state", rs_store_sqlite_col_str(q, 2));
            json_object_set_new(l, "to_state", rs_store_sqlite_col_str(q, 3));
            json_object_set_new(l, "body", rs_store_sqlite_col_str(q, 4));
            json_object_set_new(l, "created_at", col_int(q, 5));
            json_array_append_new(log, l);
        }
        json_object_set_new(inc, "log", log);
        enum rs_err e = done(s, q, rc);
        if (e)
            return e;
    }
    return RS_OK;
}

enum rs_err rs_store_console_incidents(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                       int64_t order_id, json_t **out)
{
    sqlite3_stmt *q = stmt(s, S_INCIDENTS,
                           INCIDENT_SELECT "WHERE i.merchant_id=?1 AND ((?2>0 AND i.conversation_id=?2) OR "
                                           "(?3>0 AND i.order_id=?3)) ORDER BY i.id DESC LIMIT 100");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, conversation_id);
    sqlite3_bind_int64(q, 3, order_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, incident_row(q));
    enum rs_err e = done(s, q, rc);
    if (!e)
        e = attach_log(s, arr);
    if (e)
        json_decref(arr);
    else
        *out = arr;
    return e;
}

enum rs_err rs_store_console_incident(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out)
{
    sqlite3_stmt *q = stmt(s, S_INCIDENT_ONE, INCIDENT_SELECT "WHERE i.id=? AND i.merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, merchant_id);
    int rc = sqlite3_step(q);
    json_t *arr = json_array();
    if (rc == SQLITE_ROW)
        json_array_append_new(arr, incident_row(q));
    enum rs_err e = done(s, q, rc == SQLITE_ROW ? SQLITE_OK : rc);
    if (!e && json_array_size(arr) == 0)
        e = RS_ENOTFOUND;
    if (!e)
        e = attach_log(s, arr);
    if (!e)
        *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return e;
}

enum rs_err rs_store_console_message(struct rs_store *s, int64_t merchant_id, int64_t message_id,
                                     int64_t *conversation_id, char *body, size_t cap)
{
    sqlite3_stmt *q = stmt(s, S_MESSAGE_ONE, "SELECT conversation_id,body FROM messages WHERE id=? AND merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, message_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *conversation_id = sqlite3_column_int64(q, 0);
        col_copy(body, cap, q, 1);
    }
    enum rs_err e = done(s, q, rc == SQLITE_ROW ? SQLITE_OK : rc);
    return e ? e : rc == SQLITE_ROW ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_console_merchant(struct rs_store *s, int64_t merchant_id, char name[128], char tz[64])
{
    sqlite3_stmt *q = stmt(s, S_MERCHANT_NAME, "SELECT name,timezone FROM merchants WHERE id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    name[0] = tz[0] = '\0';
    if (rc == SQLITE_ROW) {
        col_copy(name, 128, q, 0);
        col_copy(tz, 64, q, 1);
    }
    enum rs_err e = done(s, q, rc == SQLITE_ROW ? SQLITE_OK : rc);
    return e ? e : rc == SQLITE_ROW ? RS_OK : RS_ENOTFOUND;
}
