/* sqlite_ref.c — the storage reference for bench/ingest.sh: how fast can plain SQLite take the
 * event rows Rastro writes, with Rastro's own schema (the migration files, read at run time),
 * Rastro's pragmas (WAL, synchronous=FULL, foreign_keys=ON) and Rastro's INSERT statement, in
 * transactions of BATCH rows? No HTTP, no JSON, no status logic: an upper bound to compare with.
 *
 * usage: sqlite_ref DB SECONDS BATCH SHIPMENTS MIGRATION.sql...
 * Prints "rows=N seconds=S rows_per_s=R". Built by bench/ingest.sh with `cc -O2 … -lsqlite3`. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "sqlite_ref: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ref: %s\n", msg ? msg : "exec failed");
        exit(1);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "sqlite_ref: cannot read %s\n", path);
        exit(1);
    }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: a cheap stand-in for Rastro's 16-byte dedup hash (unique per row). */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: sqlite_ref DB SECONDS BATCH SHIPMENTS MIGRATION.sql...\n");
        return 2;
    }
    double seconds = atof(argv[2]);
    int batch = atoi(argv[3]), shipments = atoi(argv[4]);
    if (seconds <= 0 || batch < 1 || shipments < 1)
        return 2;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL))
        die("open");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    for (int i = 5; i < argc; i++) {
        char *sql = slurp(argv[i]);
        exec("BEGIN");
        exec(sql);
        exec("COMMIT");
        free(sql);
    }

    /* parents, as Rastro has them: one merchant, one order per shipment */
    exec("BEGIN");
    exec("INSERT INTO merchants(id,name,created_at) VALUES(1,'bench',0)");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO orders(id,merchant_id,order_ref,tracking_code,placed_at,input_hash,created_at,"
                           "updated_at) VALUES(?1,1,'B'||?1,'RX-'||?1,0,x'00',0,0)",
                           -1, &q, NULL))
        die("prepare orders");
    for (int i = 1; i <= shipments; i++) {
        sqlite3_bind_int(q, 1, i);
        if (sqlite3_step(q) != SQLITE_DONE)
            die("insert order");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO shipments(id,merchant_id,order_id,carrier,tracking_number,created_at,"
                           "updated_at) VALUES(?1,1,?1,'correos','BENCH'||?1,0,0)",
                           -1, &q, NULL))
        die("prepare shipments");
    for (int i = 1; i <= shipments; i++) {
        sqlite3_bind_int(q, 1, i);
        if (sqlite3_step(q) != SQLITE_DONE)
            die("insert shipment");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    exec("COMMIT");

    /* Rastro's event INSERT, word for word (src/store/store_sqlite.c, ST_EVENT_INSERT). */
    if (sqlite3_prepare_v3(db,
                           "INSERT INTO events(shipment_id,merchant_id,occurred_at,offset_min,received_at,status,"
                           "substatus,action_required,code,message,city,region,country,source,dedup_key) "
                           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(shipment_id,dedup_key) DO NOTHING",
                           -1, SQLITE_PREPARE_PERSISTENT, &q, NULL))
        die("prepare events");
    sqlite3_stmt *begin, *commit;
    if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL))
        die("prepare txn");

    uint64_t rows = 0;
    double t0 = now_s(), t;
    do {
        if (sqlite3_step(begin) != SQLITE_DONE)
            die("begin");
        sqlite3_reset(begin);
        for (int i = 0; i < batch; i++, rows++) {
            uint64_t key[2] = {mix(rows), mix(rows ^ 0x5555555555555555ull)};
            sqlite3_bind_int64(q, 1, (int64_t)(rows % (uint64_t)shipments) + 1);
            sqlite3_bind_int64(q, 2, 1);
            sqlite3_bind_int64(q, 3, 1764000000 + (int64_t)rows);
            sqlite3_bind_int(q, 4, 60);
            sqlite3_bind_int64(q, 5, 1764000000);
            sqlite3_bind_text(q, 6, "in_transit", -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 7, "", -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 8, 0);
            sqlite3_bind_null(q, 9);
            sqlite3_bind_text(q, 10, "Admitido en centro de tratamiento", -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 11, "Madrid", -1, SQLITE_STATIC);
            sqlite3_bind_null(q, 12);
            sqlite3_bind_text(q, 13, "ES", -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 14, "api", -1, SQLITE_STATIC);
            sqlite3_bind_blob(q, 15, key, 16, SQLITE_TRANSIENT);
            if (sqlite3_step(q) != SQLITE_DONE)
                die("insert event");
            sqlite3_reset(q);
        }
        if (sqlite3_step(commit) != SQLITE_DONE)
            die("commit");
        sqlite3_reset(commit);
        t = now_s() - t0;
    } while (t < seconds);

    sqlite3_stmt *c;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &c, NULL) || sqlite3_step(c) != SQLITE_ROW)
        die("count");
    if ((uint64_t)sqlite3_column_int64(c, 0) != rows) {
        fprintf(stderr, "sqlite_ref: %lld rows in the table, %llu inserted\n", (long long)sqlite3_column_int64(c, 0),
                (unsigned long long)rows);
        return 1;
    }
    sqlite3_finalize(c);
    sqlite3_finalize(q);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    printf("rows=%llu seconds=%.3f rows_per_s=%.0f\n", (unsigned long long)rows, t, (double)rows / t);
    return 0;
}
