/* store_privacy_sqlite.c — SQLite side of store_privacy.h. Export and sweep statements live in
 * the slots RS_STORE_SLOTS_PRIVACY..+31; erase is rare and runs its statements prepared per
 * call, in the order that keeps every later one able to find the person (the customers rows,
 * through which everything else is matched, are anonymised last). */
#include "store/store_privacy.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/store_sqlite_priv.h"

/* ?1 merchant, ?2 e-mail (lower case) or NULL, ?3 phone (E.164) or NULL */
#define CUST "SELECT id FROM customers WHERE merchant_id=?1 AND (email=?2 OR phone=?3)"
#define ORDS "SELECT id FROM orders WHERE merchant_id=?1 AND customer_id IN (" CUST ")"
/* every address the person is known by: the one asked for and those of their customer rows */
#define EMAILS "SELECT ?2 AS email UNION SELECT email FROM customers WHERE id IN (" CUST ")"
#define PHONES "SELECT ?3 AS phone UNION SELECT phone FROM customers WHERE id IN (" CUST ")"
/* their conversations: theirs, written from one of their addresses, or an anonymous one (the
 * tracking page's web chat with the code alone) about one of their orders */
#define CONVS                                                                                           \
    "SELECT id FROM conversations WHERE merchant_id=?1 AND (customer_id IN (" CUST ") OR email IN ("   \
    EMAILS ") OR phone IN (" PHONES ") OR (customer_id IS NULL AND email IS NULL AND phone IS NULL "   \
    "AND order_id IN (" ORDS ")))"
#define INCS                                                                                            \
    "SELECT id FROM incidents WHERE merchant_id=?1 AND (order_id IN (" ORDS ") OR customer_id IN ("     \
    CUST ") OR conversation_id IN (" CONVS "))"
#define OUTBOX "SELECT id FROM outbox WHERE merchant_id=?1 AND (customer_id IN (" CUST ") OR order_id IN (" ORDS "))"
/* raw webhook payloads kept by this merchant that quote the ref of one of the person's orders (as
 * written, or with the "\/" JSON may write for "/"): candidates, confirmed by app/privacy.c */
#define KEPT_PAYLOADS                                                                                   \
    "SELECT i.id FROM inbound i WHERE i.merchant_id=?1 AND i.payload IS NOT NULL AND EXISTS (SELECT 1 "  \
    "FROM orders r WHERE r.id IN (" ORDS ") AND (instr(CAST(i.payload AS TEXT),r.order_ref)>0 OR "       \
    "instr(CAST(i.payload AS TEXT),replace(r.order_ref,'/','\\/'))>0))"
#define CONTACTS                                                                                        \
    "merchant_id=?1 AND (order_id IN (" ORDS ") OR customer_id IN (" CUST ") OR address IN (" EMAILS    \
    ") OR address IN (" PHONES "))"

enum {
    P_CUSTOMERS = RS_STORE_SLOTS_PRIVACY, P_ORDERS, P_SHIPMENTS, P_EVENTS, P_OUTBOX, P_ATTEMPTS, P_OPTOUTS,
    P_CONTACTS, P_WA, P_PUSH, P_CONVS, P_MESSAGES, P_INCIDENTS, P_INCIDENT_LOG, P_COUPONS, P_MATCHES,
    P_SWEEP_MESSAGES, P_SWEEP_UNLINK, P_SWEEP_CONVS, P_SWEEP_INBOUND, P_SWEEP_OUTBOX, P_SWEEP_ATTEMPTS,
    P_SWEEP_INCIDENT_LOG, P_SWEEP_INCIDENTS, P_REFS, P_PAYLOADS, P_PAYLOAD_DROP,
    P__END
};
_Static_assert(P__END <= RS_STORE_SLOTS_PRIVACY + 32, "privacy statements exceed their slot range");

static const char *const SQL_EXPORT[] = {
    [P_CUSTOMERS - P_CUSTOMERS] = "SELECT * FROM customers WHERE id IN (" CUST ") ORDER BY id",
    [P_ORDERS - P_CUSTOMERS] = "SELECT * FROM orders WHERE id IN (" ORDS ") ORDER BY id",
    [P_SHIPMENTS - P_CUSTOMERS] = "SELECT * FROM shipments WHERE order_id=?1 ORDER BY id",
    [P_EVENTS - P_CUSTOMERS] = "SELECT * FROM events WHERE shipment_id=?1 ORDER BY occurred_at,id",
    [P_OUTBOX - P_CUSTOMERS] = "SELECT * FROM outbox WHERE id IN (" OUTBOX ") ORDER BY id",
    [P_ATTEMPTS - P_CUSTOMERS] = "SELECT * FROM notify_attempts WHERE outbox_id=?1 ORDER BY id",
    [P_OPTOUTS - P_CUSTOMERS] = "SELECT * FROM notify_optouts WHERE customer_id IN (" CUST ") ORDER BY created_at",
    [P_CONTACTS - P_CUSTOMERS] = "SELECT * FROM notify_contacts WHERE " CONTACTS " ORDER BY id",
    [P_WA - P_CUSTOMERS] = "SELECT * FROM notify_wa_window WHERE customer_id IN (" CUST ")",
    [P_PUSH - P_CUSTOMERS] = "SELECT * FROM push_subscriptions WHERE order_id IN (" ORDS ") ORDER BY id",
    [P_CONVS - P_CUSTOMERS] = "SELECT * FROM conversations WHERE id IN (" CONVS ") ORDER BY id",
    [P_MESSAGES - P_CUSTOMERS] = "SELECT * FROM messages WHERE conversation_id=?1 ORDER BY id",
    [P_INCIDENTS - P_CUSTOMERS] = "SELECT * FROM incidents WHERE id IN (" INCS ") ORDER BY id",
    [P_INCIDENT_LOG - P_CUSTOMERS] = "SELECT * FROM incident_log WHERE incident_id=?1 ORDER BY id",
    [P_COUPONS - P_CUSTOMERS] = "SELECT * FROM coupons WHERE order_id IN (" ORDS ") ORDER BY id",
    [P_MATCHES - P_CUSTOMERS] =
        "SELECT (SELECT count(*) FROM customers WHERE id IN (" CUST "))+(SELECT count(*) FROM "
        "conversations WHERE id IN (" CONVS "))+(SELECT count(*) FROM notify_contacts WHERE " CONTACTS ")",
    [P_REFS - P_CUSTOMERS] = "SELECT order_ref FROM orders WHERE id IN (" ORDS ") ORDER BY id",
    [P_PAYLOAD_DROP - P_CUSTOMERS] = "UPDATE inbound SET payload=NULL WHERE merchant_id=?1 AND id=?2",
    [P_PAYLOADS - P_CUSTOMERS] = "SELECT id,source,topic,received_at,result,payload_type,CAST(payload AS TEXT) AS "
                                 "payload FROM inbound WHERE id IN (" KEPT_PAYLOADS ") ORDER BY id",
};

static void bind_who(sqlite3_stmt *q, int64_t merchant_id, const char *email, const char *phone)
{
    sqlite3_bind_int64(q, 1, merchant_id);
    rs_store_sqlite_bind_opt(q, 2, email);
    rs_store_sqlite_bind_opt(q, 3, phone);
}

/* Columns that hold JSON text: shown parsed. */
static bool json_column(const char *name)
{
    static const char *const cols[] = {"items", "details", "entities", "summary", "mapping", "options", NULL};
    for (int i = 0; cols[i]; i++)
        if (strcmp(name, cols[i]) == 0)
            return true;
    return false;
}

static bool time_column(const char *name)
{
    size_t n = strlen(name);
    return (n > 3 && strcmp(name + n - 3, "_at") == 0) || strcmp(name, "lease_until") == 0 ||
           strcmp(name, "previous_until") == 0;
}

/* The current row of Q as {column: value}. Blobs (hashes, raw payloads) are left out. */
static json_t *row_json(sqlite3_stmt *q)
{
    json_t *o = json_object();
    int n = sqlite3_column_count(q);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(q, i);
        json_t *v = NULL;
        switch (sqlite3_column_type(q, i)) {
        case SQLITE_NULL:
            v = json_null();
            break;
        case SQLITE_INTEGER:
            v = time_column(name) ? rs_store_sqlite_col_time(q, i, 0) : json_integer(sqlite3_column_int64(q, i));
            break;
        case SQLITE_FLOAT:
            v = json_real(sqlite3_column_double(q, i));
            break;
        case SQLITE_TEXT:
            if (json_column(name))
                v = json_loads((const char *)sqlite3_column_text(q, i), JSON_DECODE_ANY, NULL);
            if (!v)
                v = rs_store_sqlite_col_str(q, i);
            break;
        default:
            continue;
        }
        json_object_set_new(o, name, v);
    }
    return o;
}

/* Run the statement of SLOT (bound by the caller through BIND_*) and collect its rows. For each
 * row, CHILD (when > 0) runs with ?1 = the row's "id" and its rows go under CHILD_KEY. */
static enum rs_err rows(struct rs_store *s, int slot, int64_t merchant_id, const char *email, const char *phone,
                        int64_t parent, int child, const char *child_key, int grandchild, const char *gc_key,
                        json_t **out)
{
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, slot, SQL_EXPORT[slot - P_CUSTOMERS]);
    if (!q)
        return RS_EIO;
    if (parent)
        sqlite3_bind_int64(q, 1, parent);
    else
        bind_who(q, merchant_id, email, phone);
    json_t *arr = json_array();
    enum rs_err e = RS_OK;
    int rc;
    /* collect first: a child query must not run on the same statement while this one steps */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, row_json(q));
    if (rc != SQLITE_DONE)
        e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row) {
        if (e || child <= 0)
            break;
        int64_t id = json_integer_value(json_object_get(row, "id"));
        json_t *kids = NULL;
        e = rows(s, child, merchant_id, email, phone, id, grandchild, gc_key, 0, NULL, &kids);
        if (!e)
            json_object_set_new(row, child_key, kids);
    }
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

static enum rs_err matches(struct rs_store *s, int64_t merchant_id, const char *email, const char *phone,
                           int64_t *n)
{
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, P_MATCHES, SQL_EXPORT[P_MATCHES - P_CUSTOMERS]);
    if (!q)
        return RS_EIO;
    bind_who(q, merchant_id, email, phone);
    int rc = sqlite3_step(q);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? RS_OK : rs_store_sqlite_rc(s, rc);
}

enum rs_err rs_store_privacy_export(struct rs_store *s, int64_t merchant_id, const char *email,
                                    const char *phone, json_t **out)
{
    if ((!email || !*email) && (!phone || !*phone))
        return RS_EINVAL;
    int64_t n;
    enum rs_err e = matches(s, merchant_id, email, phone, &n);
    if (e)
        return e;
    if (n == 0)
        return RS_ENOTFOUND;
    json_t *doc = json_object();
    json_object_set_new(doc, "merchant_id", json_integer(merchant_id));
    json_t *query = json_object();
    json_object_set_new(query, "email", email && *email ? json_string(email) : json_null());
    json_object_set_new(query, "phone", phone && *phone ? json_string(phone) : json_null());
    json_object_set_new(doc, "query", query);
    static const struct {
        const char *key;
        int slot, child;
        const char *child_key;
        int grandchild;
        const char *gc_key;
    } parts[] = {
        {"customers", P_CUSTOMERS, 0, NULL, 0, NULL},
        {"orders", P_ORDERS, P_SHIPMENTS, "shipments", P_EVENTS, "events"},
        {"notifications", P_OUTBOX, P_ATTEMPTS, "attempts", 0, NULL},
        {"optouts", P_OPTOUTS, 0, NULL, 0, NULL},
        {"contacts", P_CONTACTS, 0, NULL, 0, NULL},
        {"whatsapp_window", P_WA, 0, NULL, 0, NULL},
        {"push_subscriptions", P_PUSH, 0, NULL, 0, NULL},
        {"conversations", P_CONVS, P_MESSAGES, "messages", 0, NULL},
        {"incidents", P_INCIDENTS, P_INCIDENT_LOG, "log", 0, NULL},
        {"coupons", P_COUPONS, 0, NULL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !e; i++) {
        json_t *arr = NULL;
        e = rows(s, parts[i].slot, merchant_id, email, phone, 0, parts[i].child, parts[i].child_key,
                 parts[i].grandchild, parts[i].gc_key, &arr);
        if (!e)
            json_object_set_new(doc, parts[i].key, arr);
    }
    if (e) {
        json_decref(doc);
        return e;
    }
    *out = doc;
    return RS_OK;
}

enum rs_err rs_store_privacy_payloads(struct rs_store *s, int64_t merchant_id, const char *email,
                                      const char *phone, json_t **refs, json_t **candidates)
{
    *refs = *candidates = NULL;
    if ((!email || !*email) && (!phone || !*phone))
        return RS_EINVAL;
    json_t *r = NULL;
    enum rs_err e = rows(s, P_REFS, merchant_id, email, phone, 0, 0, NULL, 0, NULL, &r);
    if (!e && json_array_size(r) == 0) {
        *refs = r;
        *candidates = json_array();
        return RS_OK;
    }
    if (!e)
        e = rows(s, P_PAYLOADS, merchant_id, email, phone, 0, 0, NULL, 0, NULL, candidates);
    if (e) {
        json_decref(r);
        return e;
    }
    /* [{"order_ref":…}] → […] */
    *refs = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(r, i, row)
        json_array_append(*refs, json_object_get(row, "order_ref"));
    json_decref(r);
    return RS_OK;
}

enum rs_err rs_store_privacy_payload_drop(struct rs_store *s, int64_t merchant_id, int64_t inbound_id, int *n)
{
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, P_PAYLOAD_DROP, SQL_EXPORT[P_PAYLOAD_DROP - P_CUSTOMERS]);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, inbound_id);
    enum rs_err e = rs_store_sqlite_rc(s, sqlite3_step(q));
    sqlite3_reset(q);
    if (!e && n)
        *n += sqlite3_changes(rs_store_sqlite_db(s));
    return e;
}

/* ---- erase ---- */

static const struct {
    const char *key, *sql;
} ERASE[] = {
    {"incident_log", "UPDATE incident_log SET body='" RS_ERASED "' WHERE body IS NOT NULL AND body<>'" RS_ERASED
                     "' AND incident_id IN (" INCS ")"},
    {"incidents", "UPDATE incidents SET message=CASE WHEN message IS NULL THEN NULL ELSE '" RS_ERASED
                  "' END,contact=NULL WHERE id IN (" INCS ")"},
    {"messages", "UPDATE messages SET body='" RS_ERASED "',entities=NULL,last_error=NULL,"
                 "state=CASE WHEN state IN ('queued','sending') THEN 'failed' ELSE state END "
                 "WHERE conversation_id IN (" CONVS ")"},
    {"notification_attempts", "UPDATE notify_attempts SET error=NULL WHERE error IS NOT NULL AND outbox_id IN ("
                              OUTBOX ")"},
    /* queued messages would go to an address that no longer exists: they end here */
    {"notifications", "UPDATE outbox SET subject=NULL,body=NULL,last_error=NULL,"
                      "reason=CASE WHEN state IN ('queued','sending') THEN 'erased' ELSE reason END,"
                      "state=CASE WHEN state IN ('queued','sending') THEN 'failed' ELSE state END "
                      "WHERE id IN (" OUTBOX ")"},
    {"contacts", "DELETE FROM notify_contacts WHERE " CONTACTS},
    {"push_subscriptions", "DELETE FROM push_subscriptions WHERE order_id IN (" ORDS ")"},
    /* an opt-out outlives the person's record as a one-way key of the address (0021): the same
     * person ordering again is a new customer, and must not be texted after saying STOP */
    {"optouts_kept", "INSERT INTO notify_suppressed(merchant_id,channel,addr_key,source,created_at) "
                     "SELECT ?1,o.channel,rs_optout_key(?1,CASE WHEN o.channel='email' THEN lower(trim(c.email)) "
                     "ELSE c.phone END),o.source,o.created_at FROM notify_optouts o JOIN customers c ON "
                     "c.id=o.customer_id WHERE o.customer_id IN (" CUST ") AND o.channel IN ('email','sms',"
                     "'whatsapp') AND (CASE WHEN o.channel='email' THEN c.email ELSE c.phone END) IS NOT NULL "
                     "ON CONFLICT(merchant_id,channel,addr_key) DO NOTHING"},
    {"optouts", "DELETE FROM notify_optouts WHERE customer_id IN (" CUST ")"},
    {"whatsapp_window", "DELETE FROM notify_wa_window WHERE customer_id IN (" CUST ")"},
    {"events", "UPDATE events SET message=NULL,city=NULL,region=NULL,pickup_name=NULL,pickup_address=NULL,"
               "pickup_deadline=NULL WHERE shipment_id IN (SELECT id FROM shipments WHERE order_id IN (" ORDS
               ")) AND (message IS NOT NULL OR city IS NOT NULL OR region IS NOT NULL OR pickup_name IS NOT NULL "
               "OR pickup_address IS NOT NULL OR pickup_deadline IS NOT NULL)"},
    /* raw webhook bodies that quote one of the person's addresses (lower-cased e-mail, or the
     * phone with or without its "+") */
    {"inbound_payloads", "UPDATE inbound SET payload=NULL WHERE merchant_id=?1 AND payload IS NOT NULL AND ("
                         "EXISTS (SELECT 1 FROM (" EMAILS ") e WHERE e.email IS NOT NULL AND "
                         "instr(lower(CAST(payload AS TEXT)),e.email)>0) OR "
                         "EXISTS (SELECT 1 FROM (" PHONES ") p WHERE p.phone IS NOT NULL AND length(p.phone)>5 AND "
                         "instr(CAST(payload AS TEXT),substr(p.phone,2))>0))"},
    {"orders", "UPDATE orders SET dest_postal_code=NULL,dest_city=NULL,dest_region=NULL WHERE id IN (" ORDS ")"},
    {"conversations", "UPDATE conversations SET phone=NULL,email=NULL,subject=NULL WHERE id IN (" CONVS ")"},
    {"customers", "UPDATE customers SET name=NULL,email=NULL,phone=NULL,timezone=NULL,erased_at=?4,"
                  "updated_at=?4 WHERE id IN (" CUST ")"},
};

enum rs_err rs_store_privacy_erase(struct rs_store *s, int64_t merchant_id, const char *email,
                                   const char *phone, int64_t now, json_t **out)
{
    if ((!email || !*email) && (!phone || !*phone))
        return RS_EINVAL;
    int64_t n;
    enum rs_err e = matches(s, merchant_id, email, phone, &n);
    if (e)
        return e;
    if (n == 0)
        return RS_ENOTFOUND;
    sqlite3 *db = rs_store_sqlite_db(s);
    json_t *report = json_object();
    for (size_t i = 0; i < sizeof ERASE / sizeof ERASE[0] && !e; i++) {
        sqlite3_stmt *q;
        int rc = sqlite3_prepare_v2(db, ERASE[i].sql, -1, &q, NULL);
        if (rc != SQLITE_OK) {
            e = rs_store_sqlite_rc(s, rc);
            break;
        }
        int np = sqlite3_bind_parameter_count(q);
        sqlite3_bind_int64(q, 1, merchant_id);
        if (np >= 2)
            rs_store_sqlite_bind_opt(q, 2, email);
        if (np >= 3)
            rs_store_sqlite_bind_opt(q, 3, phone);
        if (np >= 4)
            sqlite3_bind_int64(q, 4, now);
        rc = sqlite3_step(q);
        e = rs_store_sqlite_rc(s, rc);
        sqlite3_finalize(q);
        if (!e)
            json_object_set_new(report, ERASE[i].key, json_integer(sqlite3_changes(db)));
    }
    if (e) {
        json_decref(report);
        return e;
    }
    *out = report;
    return RS_OK;
}

/* ---- retention ---- */

/* The retention in days of merchant M (support settings "retention_days", else ?2). */
#define RETENTION_DAYS(M)                                                                               \
    "coalesce((SELECT CASE WHEN json_valid(ss.config) AND json_type(ss.config,'$.retention_days') IN "  \
    "('integer','real') AND json_extract(ss.config,'$.retention_days') >= 1 THEN "                      \
    "CAST(json_extract(ss.config,'$.retention_days') AS INTEGER) END FROM support_settings ss WHERE "   \
    "ss.merchant_id=" M "),?2)"
static const char *const SQL_SWEEP_MESSAGES =
    "DELETE FROM messages WHERE created_at < ?1 - 86400*" RETENTION_DAYS("messages.merchant_id")
    " AND (state IS NULL OR state NOT IN ('queued','sending'))";
/* the copies of the notifications sent (subject, body, provider errors quoting addresses) go
 * with the transcripts; the row stays, for the counts */
static const char *const SQL_SWEEP_OUTBOX =
    "UPDATE outbox SET subject=NULL,body=NULL,last_error=NULL WHERE (subject IS NOT NULL OR body IS NOT NULL "
    "OR last_error IS NOT NULL) AND state NOT IN ('queued','sending') AND created_at < ?1 - 86400*"
    RETENTION_DAYS("outbox.merchant_id");
static const char *const SQL_SWEEP_ATTEMPTS =
    "UPDATE notify_attempts SET error=NULL WHERE error IS NOT NULL AND started_at < ?1 - 86400*"
    RETENTION_DAYS("(SELECT o.merchant_id FROM outbox o WHERE o.id=notify_attempts.outbox_id)");
#define EMPTY_OLD_CONVS                                                                                 \
    "SELECT c.id FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE "                \
    "m.conversation_id=c.id) AND c.last_message_at < ?1 - 86400*" RETENTION_DAYS("c.merchant_id")
static const char *const SQL_SWEEP_UNLINK =
    "UPDATE incidents SET conversation_id=NULL WHERE conversation_id IN (" EMPTY_OLD_CONVS ")";
static const char *const SQL_SWEEP_CONVS = "DELETE FROM conversations WHERE id IN (" EMPTY_OLD_CONVS ")";
static const char *const SQL_SWEEP_INBOUND = "DELETE FROM inbound WHERE received_at < ?1";
/* an incident finished that long ago keeps its row (type, states, times, resolution: the counts)
 * but not what the customer wrote, how to reach them, nor the notes and replies about them */
#define OLD_FINISHED_INCIDENTS                                                                          \
    "SELECT i.id FROM incidents i WHERE i.state IN ('resolved','closed') AND i.updated_at < ?1 - 86400*" \
    RETENTION_DAYS("i.merchant_id")
static const char *const SQL_SWEEP_INCIDENT_LOG =
    "UPDATE incident_log SET body=NULL WHERE body IS NOT NULL AND incident_id IN (" OLD_FINISHED_INCIDENTS ")";
static const char *const SQL_SWEEP_INCIDENTS =
    "UPDATE incidents SET message=NULL,contact=NULL WHERE (message IS NOT NULL OR contact IS NOT NULL) AND id IN ("
    OLD_FINISHED_INCIDENTS ")";

static enum rs_err sweep_step(struct rs_store *s, int slot, const char *sql, int64_t a, int64_t b, int *n)
{
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, slot, sql);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, a);
    if (sqlite3_bind_parameter_count(q) >= 2)
        sqlite3_bind_int64(q, 2, b);
    enum rs_err e = rs_store_sqlite_rc(s, sqlite3_step(q));
    sqlite3_reset(q);
    if (!e && n)
        *n = sqlite3_changes(rs_store_sqlite_db(s));
    return e;
}

enum rs_err rs_store_privacy_sweep(struct rs_store *s, int64_t now, int default_days, int inbound_days,
                                   struct rs_sweep_counts *out)
{
    if (default_days < 1)
        default_days = 365;
    struct rs_sweep_counts c = {0};
    enum rs_err e;
    if ((e = sweep_step(s, P_SWEEP_MESSAGES, SQL_SWEEP_MESSAGES, now, default_days, &c.messages)) ||
        (e = sweep_step(s, P_SWEEP_UNLINK, SQL_SWEEP_UNLINK, now, default_days, NULL)) ||
        (e = sweep_step(s, P_SWEEP_CONVS, SQL_SWEEP_CONVS, now, default_days, &c.conversations)) ||
        (e = sweep_step(s, P_SWEEP_OUTBOX, SQL_SWEEP_OUTBOX, now, default_days, &c.notifications)) ||
        (e = sweep_step(s, P_SWEEP_ATTEMPTS, SQL_SWEEP_ATTEMPTS, now, default_days, NULL)) ||
        (e = sweep_step(s, P_SWEEP_INCIDENT_LOG, SQL_SWEEP_INCIDENT_LOG, now, default_days, NULL)) ||
        (e = sweep_step(s, P_SWEEP_INCIDENTS, SQL_SWEEP_INCIDENTS, now, default_days, &c.incidents)))
        return e;
    if (inbound_days > 0 &&
        (e = sweep_step(s, P_SWEEP_INBOUND, SQL_SWEEP_INBOUND, now - (int64_t)inbound_days * 86400, 0, &c.inbound)))
        return e;
    if (out)
        *out = c;
    return RS_OK;
}
