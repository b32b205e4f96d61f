/* test_writer.c — the group-commit writer's asynchronous submit (app/writer.h) and the events
 * bus's any-slot wait (app/events_bus.h), both used by the HTTP server to wait without holding
 * a thread. */
#include "unit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/events_bus.h"
#include "app/writer.h"

struct sub {
    const char *name;
    enum rs_err want; /* what the job returns */
    int64_t id;
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

static void submit_calls_back_after_commit(void **state)
{
    (void)state;
    char path[] = "/tmp/rs-test-writer-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct rs_writer *w = NULL;
    char err[256];
    assert_int_equal(rs_writer_open(path, &w, err, sizeof err), RS_OK);
    assert_int_equal(rs_store_open(path, RS_STORE_READONLY, &reader, err, sizeof err), RS_OK);

    enum { N = 40 };
    struct sub subs[N];
    char names[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "shop %d", i);
        subs[i] = (struct sub){.name = names[i], .want = i % 5 == 4 ? RS_EINVAL : RS_OK};
        assert_int_equal(rs_writer_submit(w, job, &subs[i], done, &subs[i]), RS_OK);
    }
    pthread_mutex_lock(&mu);
    while (n_done < N)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < N; i++) {
        assert_int_equal(subs[i].calls, 1);
        assert_int_equal(subs[i].result, subs[i].want);
        /* a good job is durable before its completion runs; a failed one left nothing */
        assert_int_equal(subs[i].visible, subs[i].want == RS_OK);
    }
    struct rs_writer_stats st;
    rs_writer_stats(w, &st);
    assert_int_equal(st.jobs, N);
    assert_true(st.commits >= 1 && st.commits <= N);
    rs_store_close(reader);
    rs_writer_close(w);
    unlink(path);
    char side[sizeof path + 8];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(submit_calls_back_after_commit),
        cmocka_unit_test(bus_wait_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
