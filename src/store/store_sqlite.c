/* store_sqlite.c — the SQLite back end of store.h (the embedded default).
 *
 * One struct rs_store is one sqlite3 connection in WAL mode. Writers use BEGIN IMMEDIATE and
 * synchronous=FULL, so a commit that returned is on disk: "acknowledged means durable", even
 * across a power cut. Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * and reused. Migrations are the embedded files src/store/sql/NNNN-*.sqlite.sql, applied in
 * order at open, each in its own transaction, recorded in schema_migrations.
 * Foreign codes are mapped once, in map_rc(): BUSY/LOCKED → RS_ERETRY, constraint → RS_ECONFLICT. */
#include <errno.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/store.h"
#include "store/store_promise.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "store/store_sqlite_priv.h"
#include "util/assets.h"
#include "util/fold.h"
#include "util/timefmt.h"

enum stmt_id {
    ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
    ST_MERCHANT_INSERT, ST_APIKEY_INSERT, ST_APIKEY_LOOKUP,
    ST_ORDER_FIND, ST_ORDER_INSERT, ST_ORDER_UPDATE, ST_ORDER_SET_STATUS,
    ST_CUSTOMER_FIND_EMAIL, ST_CUSTOMER_FIND_PHONE, ST_CUSTOMER_INSERT, ST_CUSTOMER_UPDATE,
    ST_CUSTOMER_SUPPRESSED,
    ST_SHIPMENT_FIND, ST_SHIPMENT_INSERT, ST_SHIPMENT_UPDATE, ST_SHIPMENT_SAVE_STATE,
    ST_ORDER_SHIPMENT_STATUSES, ST_EVENT_INSERT, ST_EVENT_TRACK_LIST,
    ST_ORDER_READ, ST_ORDER_READ_BY_CODE, ST_SHIPMENTS_OF_ORDER, ST_EVENTS_OF_SHIPMENT,
    ST_SHIPMENT_READ, ST_SHIPMENT_PICKUP,
    ST_INTEGRATION_FIND, ST_INTEGRATION_BY_HOOK, ST_INTEGRATION_GET, ST_INTEGRATION_INSERT,
    ST_SHIPMENT_SOURCE_SEEN, ST_INTEGRATION_UPDATE, ST_INBOUND_INSERT, ST_INBOUND_APPLIED, ST_INBOUND_PURGE, ST_INBOUND_WAITING,
    ST_SHIPMENT_CARRIERS,
    ST_ORDER_SOURCE_SEEN, ST_SHIPMENT_SET_CANCELLED, ST_OUTBOX_SUPPRESS_SHIPMENT, ST_SHIPMENTS_OF_FULFILLMENT,
    ST_WORKER_BEAT, ST_WORKER_LAST_SEEN,
    ST_ORDER_ERASED_CUSTOMER,
    ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT sp",
    [ST_RELEASE] = "RELEASE sp",
    [ST_ROLLBACK_TO] = "ROLLBACK TO sp",
    [ST_MERCHANT_INSERT] = "INSERT INTO merchants(name,timezone,locale,created_at) VALUES(?,?,?,?)",
    [ST_APIKEY_INSERT] =
        "INSERT INTO api_keys(merchant_id,key_hash,prefix,scopes,created_at) VALUES(?,?,?,?,?)",
    [ST_APIKEY_LOOKUP] =
        "SELECT merchant_id,scopes FROM api_keys WHERE key_hash=? AND revoked_at IS NULL",
    [ST_ORDER_FIND] = "SELECT id,base_status,status,input_hash,tracking_code,source_updated_at FROM orders "
                      "WHERE merchant_id=? AND order_ref=?",
    [ST_ORDER_INSERT] =
        "INSERT INTO orders(merchant_id,order_ref,tracking_code,customer_id,placed_at,placed_offset,"
        "dest_postal_code,dest_city,dest_region,dest_country,items,base_status,status,source,"
        "input_hash,created_at,updated_at,source_updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_ORDER_UPDATE] =
        "UPDATE orders SET customer_id=?,placed_at=?,placed_offset=?,dest_postal_code=?,dest_city=?,"
        "dest_region=?,dest_country=?,items=?,base_status=?,input_hash=?,updated_at=?,"
        "source_updated_at=max(source_updated_at,?14) WHERE id=?12 AND merchant_id=?13",
    [ST_ORDER_SET_STATUS] = "UPDATE orders SET status=?,updated_at=? WHERE id=?",
    [ST_CUSTOMER_FIND_EMAIL] =
        "SELECT id FROM customers WHERE merchant_id=? AND email=? ORDER BY id LIMIT 1",
    [ST_CUSTOMER_FIND_PHONE] =
        "SELECT id FROM customers WHERE merchant_id=? AND phone=? ORDER BY id LIMIT 1",
    [ST_CUSTOMER_INSERT] = "INSERT INTO customers(merchant_id,name,email,phone,locale,"
                           "preferred_channel,timezone,created_at,updated_at) VALUES(?,?,?,?,?,?,?,?,?)",
    /* an address that opted out before this customer record existed (erased, or a STOP from a number
     * no customer had) keeps its opt-out (0021-optout-suppressed) */
    [ST_CUSTOMER_SUPPRESSED] =
        "INSERT INTO notify_optouts(customer_id,channel,source,created_at) SELECT ?1,channel,source,created_at "
        "FROM notify_suppressed WHERE merchant_id=?2 AND ((channel='email' AND "
        "addr_key=rs_optout_key(?2,lower(trim(?3)))) OR (channel IN ('sms','whatsapp') AND "
        "addr_key=rs_optout_key(?2,?4))) ON CONFLICT(customer_id,channel) DO NOTHING",
    [ST_CUSTOMER_UPDATE] =
        "UPDATE customers SET name=coalesce(?,name),email=coalesce(?,email),phone=coalesce(?,phone),"
        "locale=coalesce(?,locale),preferred_channel=coalesce(?,preferred_channel),"
        "timezone=coalesce(?,timezone),updated_at=? "
        "WHERE id=?",
    [ST_SHIPMENT_FIND] =
        "SELECT id,order_id,status,substatus,action_required,status_at,last_event_at,shipped_at,"
        "out_for_delivery_at,delivered_at,n_events,cancelled_at,EXISTS(SELECT 1 FROM orders o JOIN customers c "
        "ON c.id=o.customer_id WHERE o.id=shipments.order_id AND c.erased_at IS NOT NULL),source_updated_at "
        "FROM shipments WHERE merchant_id=? AND carrier=? AND tracking_number=?",
    [ST_SHIPMENT_INSERT] =
        "INSERT INTO shipments(merchant_id,order_id,carrier,tracking_number,service,origin_postal_code,"
        "origin_city,origin_region,origin_country,source,created_at,updated_at,fulfillment_id,source_updated_at) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_SHIPMENT_UPDATE] =
        "UPDATE shipments SET service=coalesce(?,service),origin_postal_code=coalesce(?,origin_postal_code),"
        "origin_city=coalesce(?,origin_city),origin_region=coalesce(?,origin_region),"
        "origin_country=coalesce(?,origin_country),updated_at=?,fulfillment_id=coalesce(?8,fulfillment_id),"
        "source_updated_at=max(source_updated_at,?9) WHERE id=?7 AND (coalesce(?1,service) IS NOT service OR "
        "coalesce(?2,origin_postal_code) IS NOT origin_postal_code OR coalesce(?3,origin_city) IS NOT origin_city OR "
        "coalesce(?4,origin_region) IS NOT origin_region OR coalesce(?5,origin_country) IS NOT origin_country OR "
        "coalesce(?8,fulfillment_id) IS NOT fulfillment_id OR ?9>source_updated_at)",
    [ST_SHIPMENT_SAVE_STATE] =
        "UPDATE shipments SET status=?,substatus=?,action_required=?,status_at=?,last_event_at=?,"
        "shipped_at=?,out_for_delivery_at=?,delivered_at=?,n_events=?,updated_at=? WHERE id=?",
    [ST_ORDER_SHIPMENT_STATUSES] =
        "SELECT o.base_status,o.status,s.status FROM orders o LEFT JOIN shipments s ON s.order_id=o.id "
        "AND s.cancelled_at=0 WHERE o.id=? ORDER BY s.id",
    [ST_EVENT_INSERT] =
        "INSERT INTO events(shipment_id,merchant_id,occurred_at,offset_min,received_at,status,substatus,"
        "action_required,code,message,city,region,country,source,dedup_key,pickup_name,pickup_address,"
        "pickup_deadline) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(shipment_id,dedup_key) DO NOTHING",
    [ST_EVENT_TRACK_LIST] =
        "SELECT occurred_at,status,substatus,action_required FROM events WHERE shipment_id=?",
    [ST_ORDER_READ] =
        "SELECT o.id,o.merchant_id,o.order_ref,o.tracking_code,o.placed_at,o.placed_offset,"
        "o.dest_postal_code,o.dest_city,o.dest_region,o.dest_country,o.items,o.status,o.created_at,"
        "o.updated_at,c.name,c.email,c.phone,c.locale,c.preferred_channel,m.name,m.locale,m.timezone,"
        "c.timezone "
        "FROM orders o LEFT JOIN customers c ON c.id=o.customer_id JOIN merchants m ON m.id=o.merchant_id "
        "WHERE o.merchant_id=? AND o.order_ref=?",
    [ST_ORDER_READ_BY_CODE] =
        "SELECT o.id,o.merchant_id,o.order_ref,o.tracking_code,o.placed_at,o.placed_offset,"
        "o.dest_postal_code,o.dest_city,o.dest_region,o.dest_country,o.items,o.status,o.created_at,"
        "o.updated_at,c.name,c.email,c.phone,c.locale,c.preferred_channel,m.name,m.locale,m.timezone,"
        "c.timezone "
        "FROM orders o LEFT JOIN customers c ON c.id=o.customer_id JOIN merchants m ON m.id=o.merchant_id "
        "WHERE o.tracking_code=?",
    [ST_SHIPMENTS_OF_ORDER] =
        "SELECT id,carrier,tracking_number,service,origin_postal_code,origin_city,origin_region,"
        "origin_country,status,substatus,action_required,last_event_at,shipped_at,out_for_delivery_at,"
        "delivered_at,created_at,cancelled_at,carrier_eta_from,carrier_eta_to FROM shipments WHERE order_id=? "
        "ORDER BY id",
    [ST_EVENTS_OF_SHIPMENT] =
        "SELECT occurred_at,offset_min,received_at,status,substatus,action_required,code,message,city,"
        "region,country,source,pickup_name,pickup_address,pickup_deadline FROM events WHERE shipment_id=? "
        "ORDER BY occurred_at,id",
    [ST_SHIPMENT_PICKUP] =
        "SELECT pickup_name,pickup_address,pickup_deadline FROM events WHERE shipment_id=? AND "
        "(pickup_name IS NOT NULL OR pickup_address IS NOT NULL) ORDER BY occurred_at DESC,id DESC LIMIT 1",
    [ST_SHIPMENT_READ] =
        "SELECT s.order_id,o.order_ref FROM shipments s JOIN orders o ON o.id=s.order_id "
        "WHERE s.merchant_id=? AND s.carrier=? AND s.tracking_number=?",
    [ST_INTEGRATION_FIND] = "SELECT secret,hook_id FROM integrations WHERE merchant_id=? AND provider=?",
    [ST_INTEGRATION_BY_HOOK] =
        "SELECT id,merchant_id,provider,hook_id,secret,CASE WHEN previous_until>? THEN previous_secret END,"
        "coalesce(mapping,''),options FROM integrations WHERE provider=? AND hook_id=?",
    [ST_INTEGRATION_GET] =
        "SELECT id,merchant_id,provider,hook_id,secret,CASE WHEN previous_until>? THEN previous_secret END,"
        "coalesce(mapping,''),options FROM integrations WHERE merchant_id=? AND provider=?",
    [ST_INTEGRATION_INSERT] =
        "INSERT INTO integrations(merchant_id,provider,hook_id,secret,mapping,options,created_at,updated_at) "
        "VALUES(?,?,?,?,?,coalesce(?,'{}'),?,?)",
    [ST_INTEGRATION_UPDATE] =
        "UPDATE integrations SET previous_secret=CASE WHEN secret<>?1 THEN secret ELSE previous_secret END,"
        "previous_until=CASE WHEN secret<>?1 THEN ?2 ELSE previous_until END,secret=?1,"
        "mapping=coalesce(?3,mapping),options=coalesce(?4,options),updated_at=?5 "
        "WHERE merchant_id=?6 AND provider=?7",
    [ST_INBOUND_INSERT] =
        "INSERT INTO inbound(merchant_id,source,topic,delivery_id,dedup_key,received_at,result,reason,summary,"
        "payload,payload_type) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INBOUND_APPLIED] = "SELECT id FROM inbound WHERE merchant_id=? AND source=? AND dedup_key=? "
                           "AND result='applied'",
    [ST_INBOUND_PURGE] = "UPDATE inbound SET payload=NULL WHERE payload IS NOT NULL AND received_at<?",
    [ST_INBOUND_WAITING] =
        "SELECT i.id,i.source,i.dedup_key FROM inbound i "
        "WHERE i.merchant_id=?1 " /* the rejected lines with a payload only: inbound_kept_rejections (0017) */
        "AND i.received_at>=?2 AND i.result='rejected' AND i.payload IS NOT NULL AND json_valid(i.summary) "
        "AND json_type(i.summary,'$.replayed') IS NULL AND json_type(i.summary,'$.replay_of') IS NULL "
        "AND EXISTS (SELECT 1 FROM json_each(i.summary,'$.rejections') r, json_each(?3) k "
        "  WHERE json_extract(r.value,'$.code')='unknown_order' AND ("
        "    json_extract(r.value,'$.order_ref')=k.value OR (json_type(r.value,'$.order_ref') IS NULL AND "
        "    instr(json_extract(r.value,'$.message'),'no order \"'||k.value||'\" yet:')=1))) "
        "AND NOT EXISTS (SELECT 1 FROM inbound a WHERE a.merchant_id=i.merchant_id AND a.source=i.source "
        "  AND a.dedup_key=i.dedup_key AND a.result='applied') "
        "ORDER BY i.id LIMIT ?4",
    [ST_SHIPMENT_CARRIERS] =
        "SELECT carrier FROM shipments WHERE merchant_id=? AND tracking_number=? ORDER BY id LIMIT 8",
    [ST_ORDER_SOURCE_SEEN] = "UPDATE orders SET source_updated_at=?1 WHERE id=?2 AND source_updated_at<?1",
    [ST_ORDER_ERASED_CUSTOMER] =
        "SELECT c.id FROM orders o JOIN customers c ON c.id=o.customer_id WHERE o.id=? AND c.erased_at IS NOT NULL",
    [ST_SHIPMENT_SET_CANCELLED] = "UPDATE shipments SET cancelled_at=?,updated_at=? WHERE id=?",
    [ST_OUTBOX_SUPPRESS_SHIPMENT] =
        "UPDATE outbox SET state='suppressed',reason='shipment_cancelled',updated_at=? "
        "WHERE shipment_id=? AND state='queued'",
    [ST_SHIPMENTS_OF_FULFILLMENT] =
        "SELECT id,carrier,tracking_number,source_updated_at FROM shipments WHERE merchant_id=? AND fulfillment_id=? "
        "AND cancelled_at=0 ORDER BY id",
    [ST_SHIPMENT_SOURCE_SEEN] = "UPDATE shipments SET source_updated_at=?1 WHERE id=?2 AND source_updated_at<?1",
    [ST_WORKER_BEAT] = "INSERT INTO worker_heartbeats(name,last_seen) VALUES(?1,?2) "
                       "ON CONFLICT(name) DO UPDATE SET last_seen=max(last_seen,excluded.last_seen)",
    [ST_WORKER_LAST_SEEN] = "SELECT coalesce(max(last_seen),0) FROM worker_heartbeats",
};

struct rs_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST__COUNT];
    sqlite3_stmt *xst[RS_STORE_SQLITE_XSLOTS]; /* statements of sibling files (store_sqlite_priv.h) */
    char errmsg[256];
    int schema_version;
    uint64_t busy_deadline_ns; /* rs_store_busy_deadline; 0: RS_STORE_BUSY_MS per statement */
};

static enum rs_err map_rc(struct rs_store *s, int rc)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        return RS_OK;
    snprintf(s->errmsg, sizeof s->errmsg, "sqlite: %s", sqlite3_errmsg(s->db));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return RS_ERETRY;
    case SQLITE_CONSTRAINT:
        return RS_ECONFLICT;
    case SQLITE_NOMEM:
        return RS_ENOMEM;
    case SQLITE_FULL:
        return RS_EFULL;
    case SQLITE_READONLY:
        return RS_EREADONLY;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return RS_EIO;
    default:
        return RS_EIO;
    }
}

/* Get the prepared statement ID, reset and with clear bindings. NULL on error (errmsg set). */
static sqlite3_stmt *stmt(struct rs_store *s, enum stmt_id id)
{
    sqlite3_stmt *q = s->st[id];
    if (!q) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL);
        if (rc != SQLITE_OK) {
            snprintf(s->errmsg, sizeof s->errmsg, "sqlite prepare: %s", sqlite3_errmsg(s->db));
            return NULL;
        }
        s->st[id] = q;
    } else {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    return q;
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

/* Run a statement that returns no rows. */
enum rs_err rs_store_sqlite_run(struct rs_store *s, sqlite3_stmt *q)
{
    if (!q)
        return RS_EIO;
    int rc = sqlite3_step(q);
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_sqlite_row(struct rs_store *s, sqlite3_stmt *q)
{
    if (!q)
        return RS_EIO;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        return RS_OK;
    enum rs_err e = rc == SQLITE_DONE ? RS_ENOTFOUND : map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_sqlite_ids(struct rs_store *s, sqlite3_stmt *q, int64_t *ids, int max, int *n)
{
    *n = 0;
    if (!q)
        return RS_EIO;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (*n < max)
            ids[(*n)++] = sqlite3_column_int64(q, 0);
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

static enum rs_err exec_sql(struct rs_store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(s->errmsg, sizeof s->errmsg, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return map_rc(s, rc) == RS_OK ? RS_EIO : map_rc(s, rc);
    }
    return RS_OK;
}

static int migration_version(const char *name)
{
    /* "src/store/sql/0001-core.sqlite.sql" -> 1 */
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return atoi(base);
}

/* The highest migration recorded in the database (0 for a new one). */
static int applied_version(struct rs_store *s)
{
    sqlite3_stmt *q = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(version),0) FROM schema_migrations", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

static enum rs_err migrate(struct rs_store *s)
{
    enum rs_err e = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_migrations("
                                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    if (e)
        return e;
    int current = applied_version(s);

    const char *name, *sql;
    size_t len;
    int known = 0;
    for (int i = 0; (sql = rs_asset_at(i, &name, &len)) != NULL; i++)
        if (strncmp(name, "src/store/sql/", 14) == 0 && strstr(name, ".sqlite.sql") &&
            migration_version(name) > known)
            known = migration_version(name);
    if (current > known) {
        /* a newer release wrote it: this one would misread tables it does not know */
        snprintf(s->errmsg, sizeof s->errmsg,
                 "schema version %d is newer than this rastro knows (%d); it was upgraded by a newer "
                 "release: run that release, or restore a backup taken before the upgrade",
                 current, known);
        return RS_EINVAL;
    }
    /* an existing database this process upgrades: the log says from which version, to which,
     * through which migrations (a new one is created silently) */
    int from = current, applied = 0;
    const char *first = NULL, *last = NULL;
    for (int i = 0; (sql = rs_asset_at(i, &name, &len)) != NULL; i++) {
        if (strncmp(name, "src/store/sql/", 14) != 0 || !strstr(name, ".sqlite.sql"))
            continue;
        int v = migration_version(name);
        if (v <= current)
            continue;
        if ((e = exec_sql(s, "BEGIN IMMEDIATE")))
            return e;
        /* another process (`serve` and `worker` started together) may have applied it while
         * this one waited for the lock: read again under the lock, never run a migration twice */
        if ((current = applied_version(s)) >= v) {
            if ((e = exec_sql(s, "ROLLBACK")))
                return e;
            continue;
        }
        if ((e = exec_sql(s, sql))) {
            /* the sysadmin must learn it was the upgrade, which step, and where it stopped */
            char why[sizeof s->errmsg];
            snprintf(why, sizeof why, "%s", s->errmsg);
            snprintf(s->errmsg, sizeof s->errmsg,
                     "upgrading the schema: migration %.40s failed, the database stays at schema version %d (%.100s)",
                     name + 14, current, why);
            exec_sql(s, "ROLLBACK") == RS_OK ? (void)0 : (void)0;
            return e;
        }
        char rec[512];
        snprintf(rec, sizeof rec, "INSERT INTO schema_migrations VALUES(%d,'%s',%lld)", v,
                 name + 14, (long long)rs_now());
        if ((e = exec_sql(s, rec)) || (e = exec_sql(s, "COMMIT"))) {
            exec_sql(s, "ROLLBACK") == RS_OK ? (void)0 : (void)0;
            return e;
        }
        if (!applied++)
            from = current;
        first = first ? first : name + 14;
        last = name + 14;
        current = v;
    }
    if (applied && from > 0)
        fprintf(stderr, "rastro: database upgraded from schema version %d to %d: %d migration%s applied (%s%s%s)\n",
                from, current, applied, applied == 1 ? "" : "s", first, applied > 1 ? " to " : "",
                applied > 1 ? last : "");
    s->schema_version = current;
    return RS_OK;
}

/* Before SQLite's first use: no global memory statistics. They take one process-wide mutex on
 * every allocation, which all the server's threads then queue on (bench/ingest.sh, lookup.sh). */
static void sqlite_global_config(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* SQLITE_MISUSE if already initialised: harmless */
}

/* rs_fold(text) in SQL (util/fold.h): names matched the way people type them, any case and
 * accents ("lucia perez" finds "Lucía Pérez"). NULL stays NULL. */
static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(ctx);
        return;
    }
    char out[512];
    size_t n = rs_fold(t, sqlite3_value_bytes(argv[0]), out, sizeof out);
    sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
}

/* rs_optout_key(merchant_id, address) in SQL: the one-way key notify_suppressed keeps instead of an
 * address (0021-optout-suppressed): hex SHA-256 of "merchant:address". NULL or empty → NULL. */
static void sql_optout_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *a = (const char *)sqlite3_value_text(argv[1]);
    if (!a || !*a) {
        sqlite3_result_null(ctx);
        return;
    }
    char in[320];
    int n = snprintf(in, sizeof in, "%lld:%s", (long long)sqlite3_value_int64(argv[0]), a);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)in, (size_t)(n < (int)sizeof in ? n : (int)sizeof in - 1), md);
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    sqlite3_result_text(ctx, hex, 2 * SHA256_DIGEST_LENGTH, SQLITE_TRANSIENT);
}

enum rs_err rs_store_open(const char *url, unsigned flags, struct rs_store **out, char *err, size_t errcap)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_global_config);
    const char *path = url;
    if (strncmp(url, "sqlite://", 9) == 0)
        path = url + 9;
    else if (strncmp(url, "sqlite:", 7) == 0)
        path = url + 7;
    else if (strncmp(url, "file:", 5) == 0)
        path = url + 5;
    else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        snprintf(err, errcap, "PostgreSQL is not available in this build yet; use an SQLite path");
        return RS_EINVAL;
    }
    if (!*path) {
        snprintf(err, errcap, "empty database path in '%s'", url);
        return RS_EINVAL;
    }
    struct rs_store *s = calloc(1, sizeof *s);
    if (!s)
        return RS_ENOMEM;
    int oflags = SQLITE_OPEN_NOMUTEX |
                 ((flags & RS_STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        /* SQLite says "unable to open database file" for a missing directory too: name it */
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        struct stat sb;
        bool missing_dir = false;
        if (slash && slash != dir) {
            *slash = '\0';
            missing_dir = stat(dir, &sb) != 0 && errno == ENOENT;
        }
        if (missing_dir)
            snprintf(err, errcap, "cannot open database '%s': the directory '%s' does not exist (create it, or "
                     "give --db another path)", path, dir);
        else
            snprintf(err, errcap, "cannot open database '%s': %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "no memory");
        rs_store_close(s);
        return RS_EIO;
    }
    static const char ro_hint[] = "is read-only for this user: check the permissions of the file and its "
                                  "directory, and that its file system is not mounted read-only";
    if (!(flags & RS_STORE_READONLY) && sqlite3_db_readonly(s->db, "main") == 1) {
        /* SQLite falls back to read-only when the file cannot be written: every write would fail */
        snprintf(err, errcap, "database '%s' %s", path, ro_hint);
        rs_store_close(s);
        return RS_EREADONLY;
    }
    sqlite3_busy_timeout(s->db, RS_STORE_BUSY_MS);
    sqlite3_create_function(s->db, "rs_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                            sql_fold, NULL, NULL);
    sqlite3_create_function(s->db, "rs_optout_key", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                            sql_optout_key, NULL, NULL);
    enum rs_err e;
    if (!(flags & RS_STORE_READONLY)) {
        char pragmas[160];
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                 "PRAGMA journal_size_limit=%d;", RS_STORE_WAL_LIMIT_BYTES);
        if ((e = exec_sql(s, pragmas)) ||
            (e = migrate(s))) {
            if (e == RS_EREADONLY) /* e.g. a read-only directory: the -wal and -shm files cannot be made */
                snprintf(err, errcap, "database '%s' %s (%s)", path, ro_hint, s->errmsg);
            else if (e == RS_EFULL)
                snprintf(err, errcap, "database '%s': the disk is full, free some space (%s)", path, s->errmsg);
            else
                snprintf(err, errcap, "database '%s': %s", path, s->errmsg);
            rs_store_close(s);
            return e;
        }
    } else if ((e = exec_sql(s, "PRAGMA query_only=ON"))) {
        snprintf(err, errcap, "database '%s': %s", path, s->errmsg);
        rs_store_close(s);
        return e;
    }
    *out = s;
    return RS_OK;
}

void rs_store_close(struct rs_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->st[i]);
    for (int i = 0; i < RS_STORE_SQLITE_XSLOTS; i++)
        sqlite3_finalize(s->xst[i]);
    sqlite3_close(s->db);
    free(s);
}

const char *rs_store_errmsg(const struct rs_store *s)
{
    return s->errmsg;
}

int rs_store_schema_version(struct rs_store *s)
{
    return s->schema_version;
}

enum rs_err rs_store_begin(struct rs_store *s)
{
    return rs_store_sqlite_run(s, stmt(s, ST_BEGIN));
}

enum rs_err rs_store_commit(struct rs_store *s)
{
    enum rs_err e = rs_store_sqlite_run(s, stmt(s, ST_COMMIT));
    if (e)
        rs_store_rollback(s);
    return e;
}

enum rs_err rs_store_wal_autocheckpoint(struct rs_store *s, int pages)
{
    int rc = sqlite3_wal_autocheckpoint(s->db, pages);
    return rc == SQLITE_OK ? RS_OK : map_rc(s, rc);
}

enum rs_err rs_store_wal_checkpoint(struct rs_store *s)
{
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return RS_OK; /* another checkpoint runs: this one is not needed */
    return rc == SQLITE_OK ? RS_OK : map_rc(s, rc);
}

enum rs_err rs_store_wal_trim(struct rs_store *s)
{
    const char *db = sqlite3_db_filename(s->db, "main");
    if (!db || !*db) /* in memory or temporary: no WAL file */
        return RS_OK;
    const char *wal = sqlite3_filename_wal(db);
    struct stat st;
    if (!wal || stat(wal, &st) != 0 || st.st_size <= RS_STORE_WAL_QUIET_BYTES)
        return RS_OK;
    /* No busy handler: TRUNCATE would otherwise hold the write lock while it waits for readers,
     * and every write behind it would wait too. Without one it gives up at once (SQLITE_BUSY),
     * having done what a passive checkpoint does. */
    sqlite3_busy_timeout(s->db, 0);
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(s->db, RS_STORE_BUSY_MS);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return RS_OK;
    return rc == SQLITE_OK ? RS_OK : map_rc(s, rc);
}

/* The busy handler of rs_store_busy_deadline: SQLite's back-off, cut at the deadline. */
static int busy_until_deadline(void *arg, int count)
{
    static const int delays_ms[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    const struct rs_store *s = arg;
    uint64_t now = rs_mono_ns();
    if (now >= s->busy_deadline_ns)
        return 0;
    int n = (int)(sizeof delays_ms / sizeof delays_ms[0]);
    uint64_t wait_ns = (uint64_t)delays_ms[count < n ? count : n - 1] * 1000000u;
    if (wait_ns > s->busy_deadline_ns - now)
        wait_ns = s->busy_deadline_ns - now;
    struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000u), .tv_nsec = (long)(wait_ns % 1000000000u)};
    nanosleep(&ts, NULL);
    return 1;
}

void rs_store_busy_deadline(struct rs_store *s, uint64_t deadline_ns)
{
    if (deadline_ns == 0) {
        if (s->busy_deadline_ns)
            sqlite3_busy_timeout(s->db, RS_STORE_BUSY_MS);
    } else if (!s->busy_deadline_ns) {
        sqlite3_busy_handler(s->db, busy_until_deadline, s);
    }
    s->busy_deadline_ns = deadline_ns;
}

void rs_store_rollback(struct rs_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        (void)rs_store_sqlite_run(s, stmt(s, ST_ROLLBACK));
}

enum rs_err rs_store_savepoint(struct rs_store *s)
{
    return rs_store_sqlite_run(s, stmt(s, ST_SAVEPOINT));
}

enum rs_err rs_store_release(struct rs_store *s)
{
    return rs_store_sqlite_run(s, stmt(s, ST_RELEASE));
}

void rs_store_rollback_to(struct rs_store *s)
{
    if (rs_store_sqlite_run(s, stmt(s, ST_ROLLBACK_TO)) == RS_OK)
        (void)rs_store_sqlite_run(s, stmt(s, ST_RELEASE));
}

uint64_t rs_store_changes(struct rs_store *s)
{
    return (uint64_t)sqlite3_total_changes64(s->db);
}

bool rs_store_in_transaction(struct rs_store *s)
{
    return !sqlite3_get_autocommit(s->db);
}

/* ---- merchants ---- */

enum rs_err rs_store_merchant_create(struct rs_store *s, const char *name, const char *tz,
                                     const char *locale, int64_t now, int64_t *id)
{
    sqlite3_stmt *q = stmt(s, ST_MERCHANT_INSERT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, tz && *tz ? tz : "UTC", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, locale && *locale ? locale : "es", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, now);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e)
        *id = sqlite3_last_insert_rowid(s->db);
    return e;
}

enum rs_err rs_store_apikey_create(struct rs_store *s, int64_t merchant_id, const unsigned char *key_hash,
                                   const char *prefix, unsigned scopes, int64_t now)
{
    sqlite3_stmt *q = stmt(s, ST_APIKEY_INSERT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_blob(q, 2, key_hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, (int)scopes);
    sqlite3_bind_int64(q, 5, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_apikey_lookup(struct rs_store *s, const unsigned char *key_hash, int64_t *merchant_id,
                                   unsigned *scopes)
{
    sqlite3_stmt *q = stmt(s, ST_APIKEY_LOOKUP);
    if (!q)
        return RS_EIO;
    sqlite3_bind_blob(q, 1, key_hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        *merchant_id = sqlite3_column_int64(q, 0);
        *scopes = (unsigned)sqlite3_column_int(q, 1);
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = map_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_apikey_list(struct rs_store *s, int64_t merchant_id, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT prefix,scopes,created_at,revoked_at FROM api_keys WHERE merchant_id=? "
                           "ORDER BY id DESC",
                           -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_int64(q, 1, merchant_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *k = json_object();
        json_object_set_new(k, "key_id", rs_store_sqlite_col_str(q, 0));
        json_object_set_new(k, "scope_bits", json_integer(sqlite3_column_int(q, 1)));
        json_object_set_new(k, "created_at", json_integer(sqlite3_column_int64(q, 2)));
        json_object_set_new(k, "revoked_at", sqlite3_column_type(q, 3) == SQLITE_NULL
                                                 ? json_null()
                                                 : json_integer(sqlite3_column_int64(q, 3)));
        json_array_append_new(arr, k);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return map_rc(s, rc);
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_apikey_revoke(struct rs_store *s, int64_t merchant_id, const char *key_id, int64_t now)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE api_keys SET revoked_at=?3 WHERE merchant_id=?1 AND prefix=?2 AND revoked_at IS NULL",
                           -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, key_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return map_rc(s, rc);
    return sqlite3_changes(s->db) > 0 ? RS_OK : RS_ENOTFOUND;
}

json_t *rs_store_sqlite_col_str(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? json_string((const char *)t) : json_null();
}

json_t *rs_store_sqlite_col_time(sqlite3_stmt *q, int i, int offset_min)
{
    int64_t t = sqlite3_column_int64(q, i);
    if (sqlite3_column_type(q, i) == SQLITE_NULL || t <= 0)
        return json_null();
    char buf[RS_TIME_LEN];
    rs_time_format(t, offset_min, buf);
    return json_string(buf);
}

void rs_store_sqlite_bind_opt(sqlite3_stmt *q, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

void rs_store_sqlite_col_copy(char *dst, size_t cap, sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    size_t n = t ? strnlen(t, cap - 1) : 0;
    memcpy(dst, t ? t : "", n);
    dst[n] = '\0';
}

static enum rs_err merchant_list(struct rs_store *s, int64_t only_id, json_t **out)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "SELECT m.id,m.name,m.timezone,m.locale,m.created_at,"
                      "(SELECT count(*) FROM api_keys k WHERE k.merchant_id=m.id AND k.revoked_at IS NULL) "
                      "FROM merchants m WHERE ?=0 OR m.id=? ORDER BY m.id";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_int64(q, 1, only_id);
    sqlite3_bind_int64(q, 2, only_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *m = json_object();
        json_object_set_new(m, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(m, "name", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(m, "timezone", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(m, "locale", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(m, "created_at", rs_store_sqlite_col_time(q, 4, 0));
        json_object_set_new(m, "api_keys", json_integer(sqlite3_column_int64(q, 5)));
        json_array_append_new(arr, m);
    }
    enum rs_err e = map_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_merchant_list(struct rs_store *s, json_t **out)
{
    return merchant_list(s, 0, out);
}

enum rs_err rs_store_merchant_get(struct rs_store *s, int64_t id, json_t **out)
{
    json_t *arr = NULL;
    enum rs_err e = merchant_list(s, id, &arr);
    if (e)
        return e;
    if (json_array_size(arr) != 1) {
        json_decref(arr);
        return RS_ENOTFOUND;
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return RS_OK;
}

/* ---- orders ---- */

enum rs_err rs_store_order_find(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                struct rs_order_key *out)
{
    sqlite3_stmt *q = stmt(s, ST_ORDER_FIND);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, order_ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(q, 0);
        int b = rs_order_status_parse((const char *)sqlite3_column_text(q, 1));
        int st = rs_order_status_parse((const char *)sqlite3_column_text(q, 2));
        out->base_status = b < 0 ? RS_ORDER_PLACED : (enum rs_order_status)b;
        out->status = st < 0 ? RS_ORDER_PLACED : (enum rs_order_status)st;
        if (sqlite3_column_bytes(q, 3) == 32)
            memcpy(out->input_hash, sqlite3_column_blob(q, 3), 32);
        const char *tc = (const char *)sqlite3_column_text(q, 4);
        size_t tl = tc ? strnlen(tc, RS_TRACKCODE_LEN - 1) : 0;
        memcpy(out->tracking_code, tc ? tc : "", tl);
        out->tracking_code[tl] = '\0';
        out->source_updated_at = sqlite3_column_int64(q, 5);
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = map_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

/* Find the customer by email, else phone; create or refresh it. OUT: *id (0 when no data). */
static enum rs_err customer_upsert(struct rs_store *s, int64_t merchant_id, const struct rs_customer_in *c,
                                   int64_t now, int64_t *id)
{
    *id = 0;
    if (!(c->name && *c->name) && !(c->email && *c->email) && !(c->phone && *c->phone))
        return RS_OK;
    const enum stmt_id finders[2] = {ST_CUSTOMER_FIND_EMAIL, ST_CUSTOMER_FIND_PHONE};
    const char *keys[2] = {c->email, c->phone};
    for (int k = 0; k < 2 && *id == 0; k++) {
        if (!keys[k] || !*keys[k])
            continue;
        sqlite3_stmt *q = stmt(s, finders[k]);
        if (!q)
            return RS_EIO;
        sqlite3_bind_int64(q, 1, merchant_id);
        sqlite3_bind_text(q, 2, keys[k], -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            *id = sqlite3_column_int64(q, 0);
        else if (rc != SQLITE_DONE)
            return map_rc(s, rc);
        sqlite3_reset(q);
    }
    sqlite3_stmt *q = stmt(s, *id ? ST_CUSTOMER_UPDATE : ST_CUSTOMER_INSERT);
    if (!q)
        return RS_EIO;
    int i = 1;
    if (!*id)
        sqlite3_bind_int64(q, i++, merchant_id);
    bind_text(q, i++, c->name);
    bind_text(q, i++, c->email);
    bind_text(q, i++, c->phone);
    bind_text(q, i++, c->locale);
    bind_text(q, i++, c->preferred_channel);
    bind_text(q, i++, c->timezone);
    sqlite3_bind_int64(q, i++, now);
    if (*id)
        sqlite3_bind_int64(q, i++, *id);
    else
        sqlite3_bind_int64(q, i++, now);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e && !*id)
        *id = sqlite3_last_insert_rowid(s->db);
    if (e || (!(c->email && *c->email) && !(c->phone && *c->phone)))
        return e;
    if (!(q = stmt(s, ST_CUSTOMER_SUPPRESSED)))
        return RS_EIO;
    sqlite3_bind_int64(q, 1, *id);
    sqlite3_bind_int64(q, 2, merchant_id);
    bind_text(q, 3, c->email);
    bind_text(q, 4, c->phone);
    return rs_store_sqlite_run(s, q);
}

static char *items_json(const struct rs_order_in *in)
{
    json_t *arr = json_array();
    for (int i = 0; i < in->n_items; i++) {
        json_t *it = json_object();
        if (in->items[i].sku)
            json_object_set_new(it, "sku", json_string(in->items[i].sku));
        if (in->items[i].name)
            json_object_set_new(it, "name", json_string(in->items[i].name));
        json_object_set_new(it, "quantity", json_integer(in->items[i].quantity));
        json_array_append_new(arr, it);
    }
    char *txt = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return txt;
}

enum rs_err rs_store_order_insert(struct rs_store *s, int64_t merchant_id, const struct rs_order_in *in,
                                  const char *tracking_code, const unsigned char *input_hash, int64_t now,
                                  int64_t *id)
{
    int64_t customer_id;
    enum rs_err e = customer_upsert(s, merchant_id, &in->customer, now, &customer_id);
    if (e)
        return e;
    char *items = items_json(in);
    if (!items)
        return RS_ENOMEM;
    sqlite3_stmt *q = stmt(s, ST_ORDER_INSERT);
    if (!q) {
        free(items);
        return RS_EIO;
    }
    const char *base = rs_order_status_name(in->base_status);
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, in->order_ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, tracking_code, -1, SQLITE_STATIC);
    if (customer_id)
        sqlite3_bind_int64(q, 4, customer_id);
    sqlite3_bind_int64(q, 5, in->placed_at);
    sqlite3_bind_int(q, 6, in->placed_offset_min);
    bind_text(q, 7, in->destination.postal_code);
    bind_text(q, 8, in->destination.city);
    bind_text(q, 9, in->destination.region);
    bind_text(q, 10, in->destination.country);
    sqlite3_bind_text(q, 11, items, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 12, base, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 13, rs_order_status_name(rs_order_status_derive(in->base_status, NULL, 0)), -1,
                      SQLITE_STATIC);
    bind_text(q, 14, in->source);
    sqlite3_bind_blob(q, 15, input_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 16, now);
    sqlite3_bind_int64(q, 17, now);
    sqlite3_bind_int64(q, 18, in->source_updated_at);
    e = rs_store_sqlite_run(s, q);
    free(items);
    if (!e)
        *id = sqlite3_last_insert_rowid(s->db);
    return e;
}

/* *ID: the customer of ORDER_ID when that person was erased (docs/privacy.md), else 0. */
static enum rs_err order_erased_customer(struct rs_store *s, int64_t order_id, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *q = stmt(s, ST_ORDER_ERASED_CUSTOMER);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, order_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? RS_OK : map_rc(s, rc);
}

enum rs_err rs_store_order_erased(struct rs_store *s, int64_t order_id, bool *erased)
{
    int64_t customer_id;
    enum rs_err e = order_erased_customer(s, order_id, &customer_id);
    *erased = !e && customer_id != 0;
    return e;
}

enum rs_err rs_store_order_update(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                  const struct rs_order_in *in, const unsigned char *input_hash, int64_t now)
{
    /* an erased customer's order stays anonymous: the shop re-sending it on every change (its
     * orders/updated webhook) must not bring the person, or where they live, back */
    int64_t customer_id;
    enum rs_err e = order_erased_customer(s, order_id, &customer_id);
    bool erased = customer_id != 0;
    if (!e && !erased)
        e = customer_upsert(s, merchant_id, &in->customer, now, &customer_id);
    if (e)
        return e;
    char *items = items_json(in);
    if (!items)
        return RS_ENOMEM;
    sqlite3_stmt *q = stmt(s, ST_ORDER_UPDATE);
    if (!q) {
        free(items);
        return RS_EIO;
    }
    if (customer_id)
        sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_int64(q, 2, in->placed_at);
    sqlite3_bind_int(q, 3, in->placed_offset_min);
    bind_text(q, 4, erased ? NULL : in->destination.postal_code);
    bind_text(q, 5, erased ? NULL : in->destination.city);
    bind_text(q, 6, erased ? NULL : in->destination.region);
    bind_text(q, 7, in->destination.country);
    sqlite3_bind_text(q, 8, items, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, rs_order_status_name(in->base_status), -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 10, input_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 11, now);
    sqlite3_bind_int64(q, 12, order_id);
    sqlite3_bind_int64(q, 13, merchant_id);
    sqlite3_bind_int64(q, 14, in->source_updated_at);
    e = rs_store_sqlite_run(s, q);
    free(items);
    return e;
}

enum rs_err rs_store_order_source_seen(struct rs_store *s, int64_t order_id, int64_t source_updated_at)
{
    sqlite3_stmt *q = stmt(s, ST_ORDER_SOURCE_SEEN);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, source_updated_at);
    sqlite3_bind_int64(q, 2, order_id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_order_set_status(struct rs_store *s, int64_t order_id, enum rs_order_status st, int64_t now)
{
    sqlite3_stmt *q = stmt(s, ST_ORDER_SET_STATUS);
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, rs_order_status_name(st), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, order_id);
    return rs_store_sqlite_run(s, q);
}

/* ---- shipments and events ---- */

enum rs_err rs_store_shipment_find(struct rs_store *s, int64_t merchant_id, const char *carrier,
                                   const char *tracking_number, struct rs_shipment_key *out)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_FIND);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, carrier, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, tracking_number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(q, 0);
        out->order_id = sqlite3_column_int64(q, 1);
        struct rs_track_state *st = &out->state;
        st->status = rs_status_parse((const char *)sqlite3_column_text(q, 2));
        if (st->status == RS_STATUS_NONE)
            st->status = RS_STATUS_PENDING;
        st->substatus = rs_substatus_parse((const char *)sqlite3_column_text(q, 3));
        st->action_required = sqlite3_column_int(q, 4) != 0;
        st->status_at = sqlite3_column_int64(q, 5);
        st->last_event_at = sqlite3_column_int64(q, 6);
        st->shipped_at = sqlite3_column_int64(q, 7);
        st->out_for_delivery_at = sqlite3_column_int64(q, 8);
        st->delivered_at = sqlite3_column_int64(q, 9);
        out->n_events = sqlite3_column_int(q, 10);
        out->cancelled_at = sqlite3_column_int64(q, 11);
        out->customer_erased = sqlite3_column_int(q, 12) != 0;
        out->source_updated_at = sqlite3_column_int64(q, 13);
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = map_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_shipment_insert(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                     const struct rs_shipment_in *in, int64_t now, int64_t *id)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_INSERT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, order_id);
    sqlite3_bind_text(q, 3, in->carrier, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, in->tracking_number, -1, SQLITE_STATIC);
    bind_text(q, 5, in->service);
    bind_text(q, 6, in->origin.postal_code);
    bind_text(q, 7, in->origin.city);
    bind_text(q, 8, in->origin.region);
    bind_text(q, 9, in->origin.country);
    bind_text(q, 10, in->source);
    sqlite3_bind_int64(q, 11, now);
    sqlite3_bind_int64(q, 12, now);
    bind_text(q, 13, in->fulfillment_id);
    sqlite3_bind_int64(q, 14, in->source_updated_at);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e)
        *id = sqlite3_last_insert_rowid(s->db);
    return e;
}

enum rs_err rs_store_shipment_update(struct rs_store *s, int64_t shipment_id, const struct rs_shipment_in *in,
                                     int64_t now, bool *changed)
{
    *changed = false;
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_UPDATE);
    if (!q)
        return RS_EIO;
    bind_text(q, 1, in->service);
    bind_text(q, 2, in->origin.postal_code);
    bind_text(q, 3, in->origin.city);
    bind_text(q, 4, in->origin.region);
    bind_text(q, 5, in->origin.country);
    sqlite3_bind_int64(q, 6, now);
    sqlite3_bind_int64(q, 7, shipment_id);
    bind_text(q, 8, in->fulfillment_id);
    sqlite3_bind_int64(q, 9, in->source_updated_at);
    enum rs_err e = rs_store_sqlite_run(s, q);
    *changed = !e && sqlite3_changes(s->db) > 0;
    return e;
}

enum rs_err rs_store_shipment_source_seen(struct rs_store *s, int64_t id, int64_t at)
{
    if (at <= 0)
        return RS_OK;
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_SOURCE_SEEN);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, at);
    sqlite3_bind_int64(q, 2, id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_shipment_set_cancelled(struct rs_store *s, int64_t shipment_id, int64_t cancelled_at,
                                            int64_t now)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_SET_CANCELLED);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, cancelled_at);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, shipment_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (e || !cancelled_at)
        return e;
    if (!(q = stmt(s, ST_OUTBOX_SUPPRESS_SHIPMENT)))
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, shipment_id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_shipments_of_fulfillment(struct rs_store *s, int64_t merchant_id, const char *fulfillment_id,
                                              struct rs_shipment_ref *out, int max, int *n)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENTS_OF_FULFILLMENT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, fulfillment_id, -1, SQLITE_STATIC);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n >= max)
            continue;
        struct rs_shipment_ref *r = &out[(*n)++];
        r->id = sqlite3_column_int64(q, 0);
        snprintf(r->carrier, sizeof r->carrier, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(r->tracking_number, sizeof r->tracking_number, "%s", (const char *)sqlite3_column_text(q, 2));
        r->source_updated_at = sqlite3_column_int64(q, 3);
    }
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_shipment_save_state(struct rs_store *s, int64_t shipment_id, const struct rs_track_state *st,
                                         int n_events, int64_t now)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_SAVE_STATE);
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, rs_status_name(st->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, rs_substatus_name(st->substatus), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, st->action_required);
    sqlite3_bind_int64(q, 4, st->status_at);
    sqlite3_bind_int64(q, 5, st->last_event_at);
    sqlite3_bind_int64(q, 6, st->shipped_at);
    sqlite3_bind_int64(q, 7, st->out_for_delivery_at);
    sqlite3_bind_int64(q, 8, st->delivered_at);
    sqlite3_bind_int(q, 9, n_events);
    sqlite3_bind_int64(q, 10, now);
    sqlite3_bind_int64(q, 11, shipment_id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_order_shipment_statuses(struct rs_store *s, int64_t order_id, enum rs_order_status *base,
                                             enum rs_order_status *current, enum rs_status *st, int max, int *n)
{
    sqlite3_stmt *q = stmt(s, ST_ORDER_SHIPMENT_STATUSES);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, order_id);
    int rc, rows = 0;
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (rows++ == 0) {
            int b = rs_order_status_parse((const char *)sqlite3_column_text(q, 0));
            int c = rs_order_status_parse((const char *)sqlite3_column_text(q, 1));
            *base = b < 0 ? RS_ORDER_PLACED : (enum rs_order_status)b;
            *current = c < 0 ? RS_ORDER_PLACED : (enum rs_order_status)c;
        }
        if (sqlite3_column_type(q, 2) != SQLITE_NULL && *n < max)
            st[(*n)++] = rs_status_parse((const char *)sqlite3_column_text(q, 2));
    }
    enum rs_err e = map_rc(s, rc);
    if (!e && rows == 0)
        e = RS_ENOTFOUND;
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_event_insert(struct rs_store *s, int64_t merchant_id, int64_t shipment_id, bool anonymous,
                                  const struct rs_event_in *ev, const unsigned char *dedup_key, int64_t received_at)
{
    sqlite3_stmt *q = stmt(s, ST_EVENT_INSERT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_int64(q, 3, ev->occurred_at);
    sqlite3_bind_int(q, 4, ev->offset_min);
    sqlite3_bind_int64(q, 5, received_at);
    sqlite3_bind_text(q, 6, rs_status_name(ev->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, rs_substatus_name(ev->substatus), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 8, ev->action_required);
    bind_text(q, 9, ev->code);
    bind_text(q, 10, anonymous ? NULL : ev->message);
    bind_text(q, 11, anonymous ? NULL : ev->location.city);
    bind_text(q, 12, anonymous ? NULL : ev->location.region);
    bind_text(q, 13, ev->location.country);
    sqlite3_bind_text(q, 14, ev->source && *ev->source ? ev->source : "api", -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 15, dedup_key, 16, SQLITE_STATIC);
    /* A pickup point is a shop or a locker, not the customer, but it is near their home: an
     * erased customer's later scans keep none of it, as they keep no city. */
    bind_text(q, 16, anonymous ? NULL : ev->pickup.name);
    bind_text(q, 17, anonymous ? NULL : ev->pickup.address);
    bind_text(q, 18, anonymous ? NULL : ev->pickup.deadline);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e && sqlite3_changes(s->db) == 0)
        return RS_EDUPLICATE;
    return e;
}

enum rs_err rs_store_event_track_list(struct rs_store *s, int64_t shipment_id, struct rs_track_event *out, int max,
                                      int *n)
{
    sqlite3_stmt *q = stmt(s, ST_EVENT_TRACK_LIST);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n >= max)
            continue;
        struct rs_track_event *e = &out[(*n)++];
        e->occurred_at = sqlite3_column_int64(q, 0);
        e->status = rs_status_parse((const char *)sqlite3_column_text(q, 1));
        e->substatus = rs_substatus_parse((const char *)sqlite3_column_text(q, 2));
        e->action_required = sqlite3_column_int(q, 3) != 0;
    }
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

/* ---- reads ---- */

enum rs_err rs_store_shipment_pickup(struct rs_store *s, int64_t shipment_id, struct rs_pickup *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_PICKUP);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *v;
        if ((v = (const char *)sqlite3_column_text(q, 0)))
            snprintf(out->name, sizeof out->name, "%s", v);
        if ((v = (const char *)sqlite3_column_text(q, 1)))
            snprintf(out->address, sizeof out->address, "%s", v);
        if ((v = (const char *)sqlite3_column_text(q, 2)) && rs_date_parse(v, &out->deadline) != RS_OK)
            out->deadline = 0;
        out->found = true;
    }
    enum rs_err e = rc == SQLITE_ROW ? RS_OK : map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

static void set_loc(json_t *obj, const char *key, sqlite3_stmt *q, int first, bool with_postcode)
{
    json_t *loc = json_object();
    if (with_postcode)
        json_object_set_new(loc, "postal_code", rs_store_sqlite_col_str(q, first));
    json_object_set_new(loc, "city", rs_store_sqlite_col_str(q, first + 1));
    json_object_set_new(loc, "region", rs_store_sqlite_col_str(q, first + 2));
    json_object_set_new(loc, "country", rs_store_sqlite_col_str(q, first + 3));
    json_object_set_new(obj, key, loc);
}

/* The pickup object of an events row whose pickup columns start at FIRST, or NULL when it names
 * no pickup point. */
static json_t *pickup_json(sqlite3_stmt *q, int first)
{
    if (sqlite3_column_type(q, first) == SQLITE_NULL && sqlite3_column_type(q, first + 1) == SQLITE_NULL)
        return NULL;
    json_t *p = json_object();
    json_object_set_new(p, "name", rs_store_sqlite_col_str(q, first));
    json_object_set_new(p, "address", rs_store_sqlite_col_str(q, first + 1));
    json_object_set_new(p, "deadline", rs_store_sqlite_col_str(q, first + 2));
    return p;
}

/* The events of SHIPMENT_ID in time order. *PICKUP (when not NULL): a new reference to the
 * pickup point the latest event naming one gave, or NULL. Not at the public level: a pickup
 * point's address tells roughly where the customer lives. */
static enum rs_err events_json(struct rs_store *s, int64_t shipment_id, enum rs_view_level level, json_t **out,
                               json_t **pickup)
{
    sqlite3_stmt *q = stmt(s, ST_EVENTS_OF_SHIPMENT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *e = json_object();
        int off = sqlite3_column_int(q, 1);
        json_object_set_new(e, "occurred_at", rs_store_sqlite_col_time(q, 0, off));
        json_object_set_new(e, "status", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(e, "substatus", rs_store_sqlite_col_str(q, 4));
        json_object_set_new(e, "action_required", json_boolean(sqlite3_column_int(q, 5)));
        /* Raw carrier text can carry names ("signed by GARCIA"): never at the public level. */
        if (level != RS_VIEW_PUBLIC) {
            json_object_set_new(e, "code", rs_store_sqlite_col_str(q, 6));
            json_object_set_new(e, "message", rs_store_sqlite_col_str(q, 7));
        }
        json_t *loc = json_object();
        json_object_set_new(loc, "city", rs_store_sqlite_col_str(q, 8));
        json_object_set_new(loc, "region", rs_store_sqlite_col_str(q, 9));
        json_object_set_new(loc, "country", rs_store_sqlite_col_str(q, 10));
        json_object_set_new(e, "location", loc);
        if (level == RS_VIEW_MERCHANT) {
            json_object_set_new(e, "received_at", rs_store_sqlite_col_time(q, 2, 0));
            json_object_set_new(e, "source", rs_store_sqlite_col_str(q, 11));
        }
        json_t *pk = level != RS_VIEW_PUBLIC ? pickup_json(q, 12) : NULL;
        if (pk) {
            json_object_set(e, "pickup", pk);
            if (pickup) {
                json_decref(*pickup);
                *pickup = pk;
            } else {
                json_decref(pk);
            }
        }
        json_array_append_new(arr, e);
    }
    enum rs_err err = map_rc(s, rc);
    sqlite3_reset(q);
    if (err) {
        json_decref(arr);
        if (pickup) {
            json_decref(*pickup);
            *pickup = NULL;
        }
        return err;
    }
    *out = arr;
    return RS_OK;
}

static enum rs_err shipments_json(struct rs_store *s, int64_t order_id, enum rs_view_level level, json_t **out)
{
    /* Collect rows first: events_json reuses other statements. */
    sqlite3_stmt *q = stmt(s, ST_SHIPMENTS_OF_ORDER);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, order_id);
    json_t *arr = json_array();
    json_t *ids = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t cancelled_at = sqlite3_column_int64(q, 16);
        if (cancelled_at && level != RS_VIEW_MERCHANT)
            continue; /* a cancelled shipment is not the customer's parcel any more */
        json_t *sh = json_object();
        json_array_append_new(ids, json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(sh, "carrier", rs_store_sqlite_col_str(q, 1));
        if (level != RS_VIEW_PUBLIC) {
            json_object_set_new(sh, "tracking_number", rs_store_sqlite_col_str(q, 2));
            json_object_set_new(sh, "service", rs_store_sqlite_col_str(q, 3));
        }
        set_loc(sh, "origin", q, 4, level == RS_VIEW_MERCHANT);
        json_object_set_new(sh, "status", rs_store_sqlite_col_str(q, 8));
        json_object_set_new(sh, "substatus", rs_store_sqlite_col_str(q, 9));
        json_object_set_new(sh, "action_required", json_boolean(sqlite3_column_int(q, 10)));
        json_object_set_new(sh, "last_event_at", rs_store_sqlite_col_time(q, 11, 0));
        json_object_set_new(sh, "shipped_at", rs_store_sqlite_col_time(q, 12, 0));
        json_object_set_new(sh, "out_for_delivery_at", rs_store_sqlite_col_time(q, 13, 0));
        json_object_set_new(sh, "delivered_at", rs_store_sqlite_col_time(q, 14, 0));
        if (level == RS_VIEW_MERCHANT) {
            json_object_set_new(sh, "cancelled_at", rs_store_sqlite_col_time(q, 16, 0));
            /* the carrier's own estimate, as received (the promise never says earlier) */
            json_t *eta = json_null();
            if (sqlite3_column_type(q, 17) != SQLITE_NULL)
                eta = json_pack("{s:o,s:o}", "from", rs_store_sqlite_col_str(q, 17), "to",
                                rs_store_sqlite_col_str(q, 18));
            json_object_set_new(sh, "carrier_estimate", eta ? eta : json_null());
        }
        json_array_append_new(arr, sh);
    }
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    for (size_t i = 0; !e && i < json_array_size(arr); i++) {
        json_t *evs = NULL, *pickup = NULL;
        e = events_json(s, json_integer_value(json_array_get(ids, i)), level, &evs, &pickup);
        if (!e)
            json_object_set_new(json_array_get(arr, i), "events", evs);
        /* where it waits now: only while it does (a collected parcel's point is history) */
        const char *st = json_string_value(json_object_get(json_array_get(arr, i), "status"));
        if (!e && pickup && st && strcmp(st, "available_for_pickup") == 0)
            json_object_set(json_array_get(arr, i), "pickup", pickup);
        json_decref(pickup);
        if (!e)
            e = rs_store_promise_attach_json(s, json_integer_value(json_array_get(ids, i)),
                                             level != RS_VIEW_MERCHANT, json_array_get(arr, i));
    }
    json_decref(ids);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

static void fold_lower(char *dst, size_t cap, const unsigned char *src, bool strip_spaces)
{
    size_t n = 0;
    for (; src && *src && n + 1 < cap; src++) {
        if (strip_spaces && (*src == ' ' || *src == '-'))
            continue;
        dst[n++] = (char)((*src >= 'A' && *src <= 'Z') ? *src + 32 : *src);
    }
    dst[n] = '\0';
}

static enum rs_err order_row_json(struct rs_store *s, sqlite3_stmt *q, enum rs_view_level level, json_t **out,
                                  struct rs_track_secrets *secrets)
{
    int64_t order_id = sqlite3_column_int64(q, 0);
    int off = sqlite3_column_int(q, 5);
    json_t *o = json_object();
    if (level != RS_VIEW_PUBLIC) {
        json_object_set_new(o, "order_ref", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(o, "placed_at", rs_store_sqlite_col_time(q, 4, off));
    }
    json_object_set_new(o, "tracking_code", rs_store_sqlite_col_str(q, 3));
    json_object_set_new(o, "status", rs_store_sqlite_col_str(q, 11));
    json_t *m = json_object();
    json_object_set_new(m, "name", rs_store_sqlite_col_str(q, 19));
    json_object_set_new(m, "locale", rs_store_sqlite_col_str(q, 20));
    json_object_set_new(m, "timezone", rs_store_sqlite_col_str(q, 21));
    json_object_set_new(o, "merchant", m);
    json_t *dest = json_object();
    if (level != RS_VIEW_PUBLIC)
        json_object_set_new(dest, "postal_code", rs_store_sqlite_col_str(q, 6));
    json_object_set_new(dest, "city", rs_store_sqlite_col_str(q, 7));
    if (level != RS_VIEW_PUBLIC)
        json_object_set_new(dest, "region", rs_store_sqlite_col_str(q, 8));
    json_object_set_new(dest, "country", rs_store_sqlite_col_str(q, 9));
    json_object_set_new(o, "destination", dest);
    if (level != RS_VIEW_PUBLIC) {
        json_t *c = json_object();
        json_object_set_new(c, "name", rs_store_sqlite_col_str(q, 14));
        json_object_set_new(c, "email", rs_store_sqlite_col_str(q, 15));
        json_object_set_new(c, "phone", rs_store_sqlite_col_str(q, 16));
        json_object_set_new(c, "locale", rs_store_sqlite_col_str(q, 17));
        json_object_set_new(c, "preferred_channel", rs_store_sqlite_col_str(q, 18));
        json_object_set_new(c, "timezone", rs_store_sqlite_col_str(q, 22));
        json_object_set_new(o, "customer", c);
        const char *items = (const char *)sqlite3_column_text(q, 10);
        json_t *it = items ? json_loads(items, 0, NULL) : NULL;
        json_object_set_new(o, "items", it ? it : json_array());
    } else {
        /* the locale to greet in, without the person */
        json_object_set_new(o, "locale", rs_store_sqlite_col_str(q, 17));
    }
    if (level == RS_VIEW_MERCHANT) {
        json_object_set_new(o, "created_at", rs_store_sqlite_col_time(q, 12, 0));
        json_object_set_new(o, "updated_at", rs_store_sqlite_col_time(q, 13, 0));
    }
    if (secrets) {
        secrets->merchant_id = sqlite3_column_int64(q, 1);
        fold_lower(secrets->postcode, sizeof secrets->postcode, sqlite3_column_text(q, 6), true);
        fold_lower(secrets->email, sizeof secrets->email, sqlite3_column_text(q, 15), false);
    }
    sqlite3_reset(q);
    enum rs_err e = RS_OK;
    if (level != RS_VIEW_MERCHANT) {
        /* the zone the page tells times and "today" in (util/tz.h), without the person */
        char zone[64];
        if ((e = rs_store_order_zone(s, order_id, rs_now(), zone))) {
            json_decref(o);
            return e;
        }
        json_object_set_new(o, "timezone", json_string(zone));
    }
    json_t *ships = NULL;
    e = shipments_json(s, order_id, level, &ships);
    if (e) {
        json_decref(o);
        return e;
    }
    json_object_set_new(o, "shipments", ships);
    if (level == RS_VIEW_MERCHANT) {
        json_t *coupons = NULL;
        if ((e = rs_store_coupons_of_order(s, order_id, &coupons))) {
            json_decref(o);
            return e;
        }
        json_object_set_new(o, "coupons", coupons);
    }
    *out = o;
    return RS_OK;
}

enum rs_err rs_store_order_json(struct rs_store *s, int64_t merchant_id, const char *order_ref, json_t **out)
{
    sqlite3_stmt *q = stmt(s, ST_ORDER_READ);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, order_ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return rc == SQLITE_DONE ? RS_ENOTFOUND : map_rc(s, rc);
    }
    return order_row_json(s, q, RS_VIEW_MERCHANT, out, NULL);
}

enum rs_err rs_store_order_json_by_code(struct rs_store *s, const char *tracking_code, enum rs_view_level level,
                                        json_t **out, struct rs_track_secrets *secrets)
{
    sqlite3_stmt *q = stmt(s, ST_ORDER_READ_BY_CODE);
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, tracking_code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return rc == SQLITE_DONE ? RS_ENOTFOUND : map_rc(s, rc);
    }
    return order_row_json(s, q, level, out, secrets);
}

enum rs_err rs_store_shipment_json(struct rs_store *s, int64_t merchant_id, const char *carrier,
                                   const char *tracking_number, json_t **out)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_READ);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, carrier, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, tracking_number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return rc == SQLITE_DONE ? RS_ENOTFOUND : map_rc(s, rc);
    }
    int64_t order_id = sqlite3_column_int64(q, 0);
    char ref[RS_MAX_REF_LEN + 1];
    snprintf(ref, sizeof ref, "%s", (const char *)sqlite3_column_text(q, 1));
    sqlite3_reset(q);
    json_t *ships = NULL;
    enum rs_err e = shipments_json(s, order_id, RS_VIEW_MERCHANT, &ships);
    if (e)
        return e;
    json_t *found = NULL;
    size_t i;
    json_t *sh;
    json_array_foreach(ships, i, sh) {
        if (strcmp(json_string_value(json_object_get(sh, "carrier")), carrier) == 0 &&
            strcmp(json_string_value(json_object_get(sh, "tracking_number")), tracking_number) == 0) {
            found = json_incref(sh);
            break;
        }
    }
    json_decref(ships);
    if (!found)
        return RS_EINTERNAL;
    json_object_set_new(found, "order_ref", json_string(ref));
    *out = found;
    return RS_OK;
}

enum rs_err rs_store_worker_beat(struct rs_store *s, const char *name, int64_t now)
{
    sqlite3_stmt *q = stmt(s, ST_WORKER_BEAT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_worker_last_seen(struct rs_store *s, int64_t *last_seen)
{
    sqlite3_stmt *q = stmt(s, ST_WORKER_LAST_SEEN);
    if (!q)
        return RS_EIO;
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW)
        return map_rc(s, rc);
    *last_seen = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return RS_OK;
}

enum rs_err rs_store_counts(struct rs_store *s, int64_t *orders, int64_t *shipments, int64_t *events)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "SELECT (SELECT count(*) FROM orders),(SELECT count(*) FROM shipments),"
                      "(SELECT count(*) FROM events)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    enum rs_err e = RS_EIO;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *orders = sqlite3_column_int64(q, 0);
        *shipments = sqlite3_column_int64(q, 1);
        *events = sqlite3_column_int64(q, 2);
        e = RS_OK;
    }
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_install_secret(struct rs_store *s, const char *name, const unsigned char fresh[32],
                                    unsigned char out[32])
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO install_secrets(name,value) VALUES(?1,?2) ON CONFLICT(name) DO NOTHING",
                           -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, fresh, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return map_rc(s, rc);
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM install_secrets WHERE name=?1", -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    enum rs_err e = RS_EIO;
    if ((rc = sqlite3_step(q)) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32) {
        memcpy(out, sqlite3_column_blob(q, 0), 32);
        e = RS_OK;
    } else if (rc != SQLITE_ROW) {
        e = map_rc(s, rc);
    }
    sqlite3_finalize(q);
    return e;
}

/* ---- webhook integrations and the inbound log ---- */


enum rs_err rs_store_integration_put(struct rs_store *s, int64_t merchant_id, const char *provider,
                                     const char *secret, const char *mapping, const char *options,
                                     const char *hook_id_new, int64_t rotate_s, int64_t now,
                                     char hook_id[RS_HOOK_ID_LEN], bool *created)
{
    sqlite3_stmt *q = stmt(s, ST_INTEGRATION_FIND);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, provider, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        rs_store_sqlite_col_copy(hook_id, RS_HOOK_ID_LEN, q, 1);
        sqlite3_reset(q);
        *created = false;
        q = stmt(s, ST_INTEGRATION_UPDATE);
        if (!q)
            return RS_EIO;
        sqlite3_bind_text(q, 1, secret, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, now + rotate_s);
        bind_text(q, 3, mapping);
        bind_text(q, 4, options);
        sqlite3_bind_int64(q, 5, now);
        sqlite3_bind_int64(q, 6, merchant_id);
        sqlite3_bind_text(q, 7, provider, -1, SQLITE_STATIC);
        return rs_store_sqlite_run(s, q);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return map_rc(s, rc);
    *created = true;
    snprintf(hook_id, RS_HOOK_ID_LEN, "%s", hook_id_new);
    q = stmt(s, ST_INTEGRATION_INSERT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hook_id_new, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, secret, -1, SQLITE_STATIC);
    bind_text(q, 5, mapping);
    bind_text(q, 6, options);
    sqlite3_bind_int64(q, 7, now);
    sqlite3_bind_int64(q, 8, now);
    return rs_store_sqlite_run(s, q);
}

static enum rs_err integration_row(struct rs_store *s, sqlite3_stmt *q, struct rs_integration *out)
{
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(q, 0);
        out->merchant_id = sqlite3_column_int64(q, 1);
        rs_store_sqlite_col_copy(out->provider, sizeof out->provider, q, 2);
        rs_store_sqlite_col_copy(out->hook_id, sizeof out->hook_id, q, 3);
        rs_store_sqlite_col_copy(out->secret, sizeof out->secret, q, 4);
        rs_store_sqlite_col_copy(out->previous_secret, sizeof out->previous_secret, q, 5);
        rs_store_sqlite_col_copy(out->mapping, sizeof out->mapping, q, 6);
        rs_store_sqlite_col_copy(out->options, sizeof out->options, q, 7);
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = map_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_integration_by_hook(struct rs_store *s, const char *provider, const char *hook_id,
                                         int64_t now, struct rs_integration *out)
{
    sqlite3_stmt *q = stmt(s, ST_INTEGRATION_BY_HOOK);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_text(q, 2, provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, hook_id, -1, SQLITE_STATIC);
    return integration_row(s, q, out);
}

enum rs_err rs_store_integration_get(struct rs_store *s, int64_t merchant_id, const char *provider, int64_t now,
                                     struct rs_integration *out)
{
    sqlite3_stmt *q = stmt(s, ST_INTEGRATION_GET);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_text(q, 3, provider, -1, SQLITE_STATIC);
    return integration_row(s, q, out);
}

static json_t *col_json(sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    json_t *j = t && *t ? json_loads(t, 0, NULL) : NULL;
    return j ? j : json_null();
}

enum rs_err rs_store_integration_list(struct rs_store *s, int64_t merchant_id, json_t **out)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "SELECT provider,hook_id,previous_until>?,mapping,options,created_at,updated_at "
                      "FROM integrations WHERE merchant_id=? ORDER BY provider";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_int64(q, 1, rs_now());
    sqlite3_bind_int64(q, 2, merchant_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "provider", rs_store_sqlite_col_str(q, 0));
        json_object_set_new(o, "hook_id", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(o, "previous_secret_active", json_boolean(sqlite3_column_int(q, 2)));
        if (sqlite3_column_type(q, 3) != SQLITE_NULL)
            json_object_set_new(o, "mapping", col_json(q, 3));
        json_object_set_new(o, "options", col_json(q, 4));
        json_object_set_new(o, "created_at", rs_store_sqlite_col_time(q, 5, 0));
        json_object_set_new(o, "updated_at", rs_store_sqlite_col_time(q, 6, 0));
        json_array_append_new(arr, o);
    }
    enum rs_err e = map_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_inbound_insert(struct rs_store *s, const struct rs_inbound_row *row, int64_t *id)
{
    sqlite3_stmt *q = stmt(s, ST_INBOUND_INSERT);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, row->merchant_id);
    sqlite3_bind_text(q, 2, row->source, -1, SQLITE_STATIC);
    bind_text(q, 3, row->topic);
    bind_text(q, 4, row->delivery_id);
    bind_text(q, 5, row->dedup_key);
    sqlite3_bind_int64(q, 6, row->received_at);
    sqlite3_bind_text(q, 7, row->result, -1, SQLITE_STATIC);
    bind_text(q, 8, row->reason);
    sqlite3_bind_text(q, 9, row->summary ? row->summary : "{}", -1, SQLITE_STATIC);
    if (row->payload)
        sqlite3_bind_blob64(q, 10, row->payload, row->payload_len, SQLITE_STATIC);
    bind_text(q, 11, row->payload_type);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return e;
}

enum rs_err rs_store_inbound_applied(struct rs_store *s, int64_t merchant_id, const char *source,
                                     const char *dedup_key, int64_t *id)
{
    sqlite3_stmt *q = stmt(s, ST_INBOUND_APPLIED);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, dedup_key ? dedup_key : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = map_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

static json_t *inbound_row_json(sqlite3_stmt *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(q, 0)));
    json_object_set_new(o, "source", rs_store_sqlite_col_str(q, 1));
    json_object_set_new(o, "topic", rs_store_sqlite_col_str(q, 2));
    json_object_set_new(o, "delivery_id", rs_store_sqlite_col_str(q, 3));
    json_object_set_new(o, "received_at", rs_store_sqlite_col_time(q, 4, 0));
    json_object_set_new(o, "result", rs_store_sqlite_col_str(q, 5));
    json_object_set_new(o, "reason", rs_store_sqlite_col_str(q, 6));
    json_t *sum = col_json(q, 7);
    if (json_is_object(sum))
        json_object_update(o, sum);
    json_decref(sum);
    json_object_set_new(o, "payload_kept", json_boolean(sqlite3_column_int(q, 8)));
    return o;
}

#define INBOUND_COLS "id,source,topic,delivery_id,received_at,result,reason,summary,payload IS NOT NULL"

enum rs_err rs_store_inbound_list(struct rs_store *s, int64_t merchant_id, const char *result, int limit,
                                  int64_t before_id, json_t **out)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "SELECT " INBOUND_COLS " FROM inbound WHERE merchant_id=?1 AND (?2 IS NULL OR result=?2) "
                      "AND (?3<=0 OR id<?3) ORDER BY id DESC LIMIT ?4";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_int64(q, 1, merchant_id);
    bind_text(q, 2, result);
    sqlite3_bind_int64(q, 3, before_id);
    sqlite3_bind_int(q, 4, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, inbound_row_json(q));
    enum rs_err e = map_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_inbound_get(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "SELECT " INBOUND_COLS ",payload,payload_type,dedup_key FROM inbound "
                      "WHERE merchant_id=? AND id=?";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        json_t *o = inbound_row_json(q);
        const char *p = sqlite3_column_blob(q, 9);
        size_t n = (size_t)sqlite3_column_bytes(q, 9);
        if (p) {
            /* the raw bytes, as text when they are UTF-8 (json_stringn checks) */
            json_t *txt = json_stringn(p, n);
            json_object_set_new(o, "payload", txt ? txt : json_null());
            if (!txt)
                json_object_set_new(o, "payload_note", json_string("the payload is not UTF-8 text"));
        }
        json_object_set_new(o, "payload_type", rs_store_sqlite_col_str(q, 10));
        json_object_set_new(o, "dedup_key", rs_store_sqlite_col_str(q, 11));
        *out = o;
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = map_rc(s, rc);
    }
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_inbound_waiting(struct rs_store *s, int64_t merchant_id, const char *refs_json, int64_t since,
                                     int max, json_t **out)
{
    sqlite3_stmt *q = stmt(s, ST_INBOUND_WAITING);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_text(q, 3, refs_json, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, max);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(o, "source", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(o, "dedup_key", rs_store_sqlite_col_str(q, 2));
        json_array_append_new(arr, o);
    }
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_inbound_summary_set(struct rs_store *s, int64_t merchant_id, int64_t id, const char *path,
                                         const char *value_json)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "UPDATE inbound SET summary=json_set(summary,?1,json(?2)) WHERE merchant_id=?3 AND id=?4";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return map_rc(s, sqlite3_errcode(s->db));
    sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, merchant_id);
    sqlite3_bind_int64(q, 4, id);
    int rc = sqlite3_step(q);
    enum rs_err e = rc == SQLITE_DONE ? RS_OK : map_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_inbound_purge(struct rs_store *s, int64_t older_than, int *n)
{
    sqlite3_stmt *q = stmt(s, ST_INBOUND_PURGE);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, older_than);
    enum rs_err e = rs_store_sqlite_run(s, q);
    *n = e ? 0 : sqlite3_changes(s->db);
    return e;
}

enum rs_err rs_store_shipment_carriers(struct rs_store *s, int64_t merchant_id, const char *tracking_number,
                                       char (*out)[RS_MAX_CARRIER_LEN + 1], int max, int *n)
{
    sqlite3_stmt *q = stmt(s, ST_SHIPMENT_CARRIERS);
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, tracking_number, -1, SQLITE_STATIC);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (*n < max)
            rs_store_sqlite_col_copy(out[(*n)++], RS_MAX_CARRIER_LEN + 1, q, 0);
    enum rs_err e = map_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

/* ---- for sibling back-end files (store_sqlite_priv.h) ---- */

sqlite3 *rs_store_sqlite_db(struct rs_store *s)
{
    return s->db;
}

sqlite3_stmt *rs_store_sqlite_stmt(struct rs_store *s, int slot, const char *sql)
{
    if (slot < 0 || slot >= RS_STORE_SQLITE_XSLOTS)
        return NULL;
    sqlite3_stmt *q = s->xst[slot];
    if (!q) {
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK) {
            snprintf(s->errmsg, sizeof s->errmsg, "sqlite prepare: %s", sqlite3_errmsg(s->db));
            return NULL;
        }
        s->xst[slot] = q;
    } else {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    return q;
}

enum rs_err rs_store_sqlite_rc(struct rs_store *s, int rc)
{
    return map_rc(s, rc);
}
