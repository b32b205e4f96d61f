/* test_writer.c — the group-commit writer's asynchronous submit (app/writer.h), its bare rounds
 * for replayable jobs, and the events bus's any-slot wait (app/events_bus.h), both used by the
 * HTTP server to wait without holding a thread; the checkpointer's WAL trim (store.h). */
#include "unit.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/events_bus.h"
#include "app/writer.h"

struct sub {
    const char *name;
    enum rs_err want;  /* what the job returns */
    bool fail_before;  /* a failing job fails before writing anything (else after its insert) */
    int64_t id;
    /* the job's own calls (writer thread) */
    int runs;
    bool saw_bare, saw_guarded;
    /* filled by the completion */
    int calls;
    enum rs_err result;
    bool visible; /* the merchant was readable from another connection when DONE ran */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int n_done;
static struct rs_store *reader;

static enum rs_err job(struct rs_store *s, void *ctx)
{
    struct sub *j = ctx;
    j->runs++;
    if (rs_writer_bare())
        j->saw_bare = true;
    else
        j->saw_guarded = true;
    if (j->fail_before && j->want != RS_OK)
        return j->want;
    enum rs_err e = rs_store_merchant_create(s, j->name, "UTC", "es", 1, &j->id);
    return e ? e : j->want;
}

static void done(enum rs_err result, void *ctx)
{
    struct sub *j = ctx;
    json_t *m = NULL;
    /* by name: a rolled-back job's id is handed out again to a later one */
    bool visible = j->id > 0 && rs_store_merchant_get(reader, j->id, &m) == RS_OK &&
                   strcmp(json_string_value(json_object_get(m, "name")) ?: "", j->name) == 0;
    json_decref(m);
    pthread_mutex_lock(&mu);
    j->calls++;
    j->result = result;
    j->visible = visible;
    n_done++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* Submits N jobs with FLAGS; job i fails (RS_EINVAL) when i % 5 == 4, before writing when
 * FAIL_BEFORE. Checks every answer and durability; returns the writer's stats in *ST. */
static void run_jobs(unsigned flags, bool fail_before, struct sub *subs, int n, struct rs_writer_stats *st)
{
    n_done = 0;
    char path[] = "/tmp/rs-test-writer-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct rs_writer *w = NULL;
    char err[256];
    assert_int_equal(rs_writer_open(path, &w, err, sizeof err), RS_OK);
    assert_int_equal(rs_store_open(path, RS_STORE_READONLY, &reader, err, sizeof err), RS_OK);

    static char names[64][24];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "shop %d", i);
        subs[i] = (struct sub){.name = names[i], .want = i % 5 == 4 ? RS_EINVAL : RS_OK,
                               .fail_before = fail_before};
        assert_int_equal(rs_writer_submit(w, job, &subs[i], flags, done, &subs[i]), RS_OK);
    }
    pthread_mutex_lock(&mu);
    while (n_done < n)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n; i++) {
        assert_int_equal(subs[i].calls, 1);
        assert_int_equal(subs[i].result, subs[i].want);
        /* a good job is durable before its completion runs; a failed one left nothing */
        assert_int_equal(subs[i].visible, subs[i].want == RS_OK);
    }
    rs_writer_stats(w, st);
    assert_int_equal(st->jobs, n);
    assert_true(st->commits >= 1 && st->commits <= (uint64_t)n);
    rs_store_close(reader);
    rs_writer_close(w);
    unit_db_remove(path);
}

static void submit_calls_back_after_commit(void **state)
{
    (void)state;
    struct sub subs[40];
    struct rs_writer_stats st;
    run_jobs(0, false, subs, 40, &st);
    assert_int_equal(st.replays, 0);
    for (int i = 0; i < 40; i++) { /* not replayable: once, in a savepoint */
        assert_int_equal(subs[i].runs, 1);
        assert_false(subs[i].saw_bare);
    }
}

/* Replayable jobs run bare; one that fails after writing makes its round run again guarded,
 * where it alone is rolled back: the others' rows are kept, its own are not. */
static void replayable_failure_after_write_replays_guarded(void **state)
{
    (void)state;
    struct sub subs[40];
    struct rs_writer_stats st;
    run_jobs(RS_WRITE_REPLAYABLE, false, subs, 40, &st);
    assert_true(st.replays >= 1);
    for (int i = 0; i < 40; i++) {
        assert_true(subs[i].saw_bare || subs[i].saw_guarded);
        assert_true(subs[i].runs <= 2);
        if (subs[i].want != RS_OK) /* a failure after a write never ends bare */
            assert_true(subs[i].saw_guarded);
    }
}

/* A replayable job that fails before writing keeps its error without costing a replay. */
static void replayable_failure_before_write_stays_bare(void **state)
{
    (void)state;
    struct sub subs[40];
    struct rs_writer_stats st;
    run_jobs(RS_WRITE_REPLAYABLE, true, subs, 40, &st);
    assert_int_equal(st.replays, 0);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(subs[i].runs, 1);
        assert_true(subs[i].saw_bare);
        assert_false(subs[i].saw_guarded);
    }
    assert_false(rs_writer_bare()); /* only ever true on the writer thread, inside a job */
}

static void *bumper(void *arg)
{
    usleep(20000);
    rs_bus_bump(7);
    return arg;
}

static void bus_wait_any(void **state)
{
    (void)state;
    uint64_t seen = rs_bus_bumps();
    assert_false(rs_bus_wait_any(seen, 20)); /* nothing: times out */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bumper, NULL), 0);
    assert_true(rs_bus_wait_any(seen, 5000)); /* a bump of any slot wakes it */
    pthread_join(t, NULL);
    seen = rs_bus_bumps();
    rs_bus_poke();
    assert_true(rs_bus_wait_any(seen, 5000)); /* so does a poke */
    seen = rs_bus_bumps();
    rs_bus_close();
    assert_false(rs_bus_wait_any(seen, 5000)); /* closing: returns at once */
    rs_bus_open();
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void sql(sqlite3 *db, const char *q)
{
    char *msg = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", q, msg ? msg : "?");
}

/* rs_store_wal_trim cuts a WAL over RS_STORE_WAL_QUIET_BYTES to nothing, but never waits for a
 * reader still inside it (that would hold the write lock, and every write, meanwhile). */
static void wal_trim_skips_readers_then_cuts(void **state)
{
    (void)state;
    char path[] = "/tmp/rs-test-waltrim-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char wal[64];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct rs_store *s = NULL;
    char err[256];
    assert_int_equal(rs_store_open(path, 0, &s, err, sizeof err), RS_OK);
    /* a writer that leaves 10 MiB in the WAL (no automatic checkpoint), and a reader in it */
    sqlite3 *w = NULL, *r = NULL;
    assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
    assert_int_equal(sqlite3_open(path, &r), SQLITE_OK);
    sql(w, "PRAGMA wal_autocheckpoint=0; CREATE TABLE blobs(b)");
    for (int i = 0; i < 10; i++)
        sql(w, "INSERT INTO blobs VALUES (zeroblob(1048576))");
    sql(r, "BEGIN; SELECT count(*) FROM blobs");
    long long before = file_size(wal);
    assert_true(before > 10LL * 1024 * 1024);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rs_store_wal_trim(s), RS_OK); /* the reader is in the way: nothing cut */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 2); /* and it did not wait RS_STORE_BUSY_MS for it */
    assert_int_equal(file_size(wal), before);
    sql(w, "INSERT INTO blobs VALUES (1)"); /* writes still go on meanwhile */

    sql(r, "COMMIT");
    assert_int_equal(rs_store_wal_trim(s), RS_OK);
    assert_int_equal(file_size(wal), 0);
    sqlite3_stmt *st = NULL; /* everything is in the database */
    assert_int_equal(sqlite3_prepare_v2(r, "SELECT count(*) FROM blobs", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 11);
    sqlite3_finalize(st);

    sql(w, "INSERT INTO blobs VALUES (2)"); /* a small WAL is left alone */
    long long small = file_size(wal);
    assert_true(small > 0 && small < 1024 * 1024);
    assert_int_equal(rs_store_wal_trim(s), RS_OK);
    assert_int_equal(file_size(wal), small);

    sqlite3_close(r);
    sqlite3_close(w);
    rs_store_close(s);
    unit_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(submit_calls_back_after_commit),
        cmocka_unit_test(replayable_failure_after_write_replays_guarded),
        cmocka_unit_test(replayable_failure_before_write_stays_bare),
        cmocka_unit_test(bus_wait_any),
        cmocka_unit_test(wal_trim_skips_readers_then_cuts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
