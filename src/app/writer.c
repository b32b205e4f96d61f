/* writer.c — the group-commit writer thread (see writer.h), and its checkpointer: a second
 * connection that copies the WAL back into the database every CKPT_INTERVAL_MS when something
 * was committed, so that the writer's commits (each one waited for by up to hundreds of
 * callers) no longer pay SQLite's automatic checkpoint. The writer keeps an automatic
 * checkpoint at CKPT_SAFETY_PAGES as a safety net should the checkpointer fall behind. */
#include "app/writer.h"

#include "app/events_bus.h"
#include "util/timefmt.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_JOBS_PER_COMMIT 512
#define CKPT_INTERVAL_MS 200
#define CKPT_SAFETY_PAGES 16384 /* 64 MiB of WAL at 4 KiB pages */
/* A round whose oldest caller has already waited RS_STORE_BUSY_MS still gets this long for a lock
 * (another process's short write), rather than failing on the first conflict. */
#define MIN_LOCK_WAIT_NS 250000000u

struct job {
    rs_write_fn *fn;
    void *ctx;
    unsigned flags; /* RS_WRITE_REPLAYABLE */
    enum rs_err result;
    bool done;
    pthread_cond_t cond; /* signalled when done (rs_writer_run) */
    rs_write_done_fn *done_fn; /* rs_writer_submit: called after the commit; the job is on the heap */
    void *done_ctx;
    struct job *next;
    struct job *next_async; /* the round's submitted jobs, called back after the mutex is released */
    uint64_t queued_ns; /* rs_mono_ns() when queued: the round's lock wait is bounded from its oldest job */
};

struct rs_writer {
    struct rs_store *store; /* owned; used only by the thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    struct job *head, *tail; /* queue, under mu */
    bool stopping;
    struct rs_writer_stats stats; /* under mu */
    /* checkpointer */
    struct rs_store *ckpt; /* owned; NULL: SQLite's automatic checkpoints on the writer */
    pthread_t ckpt_thread;
    pthread_cond_t ckpt_cv; /* CLOCK_MONOTONIC; signalled on close */
};

static __thread bool bare_now; /* the writer thread runs a job bare */

bool rs_writer_bare(void)
{
    return bare_now;
}

/* The bare pass of a round whose jobs are all replayable (writer.h): true when every job ran
 * and the transaction is still whole (then committed, or the commit's error in *E); false when
 * a job failed after writing: everything is rolled back and the round must run guarded. */
static bool run_bare(struct rs_writer *w, struct job *batch, enum rs_err *e)
{
    if ((*e = rs_store_begin(w->store)) != RS_OK)
        return true;
    for (struct job *j = batch; j; j = j->next) {
        uint64_t before = rs_store_changes(w->store);
        bare_now = true;
        j->result = j->fn(w->store, j->ctx);
        bare_now = false;
        if (j->result != RS_OK &&
            (rs_store_changes(w->store) != before || !rs_store_in_transaction(w->store))) {
            rs_store_rollback(w->store);
            return false;
        }
    }
    *e = rs_store_commit(w->store);
    return true;
}

static void run_round(struct rs_writer *w, struct job *batch)
{
    bool all_replayable = true;
    for (struct job *j = batch; j && all_replayable; j = j->next)
        all_replayable = j->flags & RS_WRITE_REPLAYABLE;
    /* A caller waits at most about RS_STORE_BUSY_MS for another process's lock, however many
     * rounds ahead of it waited too (the queue is in arrival order: BATCH is the oldest). */
    uint64_t deadline = batch->queued_ns + (uint64_t)RS_STORE_BUSY_MS * 1000000u, floor = rs_mono_ns() + MIN_LOCK_WAIT_NS;
    rs_store_busy_deadline(w->store, deadline > floor ? deadline : floor);
    enum rs_err e = RS_OK;
    bool ran_bare = all_replayable && run_bare(w, batch, &e);
    bool replayed = all_replayable && !ran_bare;
    if (!ran_bare) { /* guarded: every job in its own savepoint */
        e = rs_store_begin(w->store);
        if (e == RS_OK) {
            for (struct job *j = batch; j; j = j->next) {
                if ((j->result = rs_store_savepoint(w->store)) != RS_OK)
                    continue;
                j->result = j->fn(w->store, j->ctx);
                if (j->result != RS_OK)
                    rs_store_rollback_to(w->store);
                else if ((j->result = rs_store_release(w->store)) != RS_OK)
                    rs_store_rollback_to(w->store);
            }
            e = rs_store_commit(w->store);
        }
    }
    rs_bus_commit(); /* cached answers (http/page_cache.h) are stale from now on, before anyone is answered */
    pthread_mutex_lock(&w->mu);
    w->stats.commits++;
    w->stats.replays += replayed;
    if (e != RS_OK) {
        w->stats.failed_commits++;
        fprintf(stderr, "writer: commit failed: %s (%s)\n", rs_strerror(e), rs_store_errmsg(w->store));
    }
    struct job *async = NULL, **tail = &async;
    for (struct job *j = batch, *next; j; j = next) {
        next = j->next; /* a woken rs_writer_run caller may free J as soon as the mutex is released */
        w->stats.jobs++;
        if (e != RS_OK)
            j->result = e;
        if (j->done_fn) {
            *tail = j;
            tail = &j->next_async;
        } else {
            j->done = true;
            pthread_cond_signal(&j->cond);
        }
    }
    *tail = NULL;
    pthread_mutex_unlock(&w->mu);
    for (struct job *j = async, *next; j; j = next) {
        next = j->next_async;
        j->done_fn(j->result, j->done_ctx);
        free(j);
    }
}

static void *writer_main(void *arg)
{
    struct rs_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->wake, &w->mu);
        if (!w->head && w->stopping)
            break;
        /* take up to MAX_JOBS_PER_COMMIT jobs */
        struct job *batch = w->head, *last = batch;
        int n = 1;
        while (last->next && n < MAX_JOBS_PER_COMMIT) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head)
            w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->mu);
        run_round(w, batch);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Stop the checkpointer (w->stopping must be set, or the writer thread never started). */
static void close_ckpt(struct rs_writer *w)
{
    if (w->ckpt) {
        pthread_mutex_lock(&w->mu);
        w->stopping = true;
        pthread_cond_signal(&w->ckpt_cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->ckpt_thread, NULL);
        rs_store_close(w->ckpt);
        w->ckpt = NULL;
    }
    pthread_cond_destroy(&w->ckpt_cv);
}

/* Every CKPT_INTERVAL_MS: a passive checkpoint when something was committed since the last one;
 * otherwise (writes have paused) the WAL is cut back to RS_STORE_WAL_QUIET_BYTES if it is larger.
 * Under a steady load the WAL only restarts at the writer's safety-net checkpoint and keeps its
 * size (RS_STORE_WAL_LIMIT_BYTES); cutting it then would make the next commits grow it again. */
static void *ckpt_main(void *arg)
{
    struct rs_writer *w = arg;
    uint64_t done = 0; /* commits covered by the last checkpoint */
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_nsec += CKPT_INTERVAL_MS * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->ckpt_cv, &w->mu, &dl);
        if (w->stopping)
            continue;
        bool quiet = w->stats.commits == done;
        done = w->stats.commits;
        pthread_mutex_unlock(&w->mu);
        if ((quiet ? rs_store_wal_trim(w->ckpt) : rs_store_wal_checkpoint(w->ckpt)) != RS_OK)
            fprintf(stderr, "writer: checkpoint failed: %s\n", rs_store_errmsg(w->ckpt));
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Start the checkpointer; without it (no second connection) SQLite checkpoints as usual. */
static void ckpt_start(struct rs_writer *w, const char *db_url)
{
    char err[256];
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&w->ckpt_cv, &a);
    pthread_condattr_destroy(&a);
    if (rs_store_open(db_url, 0, &w->ckpt, err, sizeof err) != RS_OK) {
        fprintf(stderr, "writer: no checkpointer (%s); checkpoints stay on the commit path\n", err);
        w->ckpt = NULL;
        return;
    }
    if (rs_store_wal_autocheckpoint(w->ckpt, 0) != RS_OK ||
        pthread_create(&w->ckpt_thread, NULL, ckpt_main, w) != 0) {
        rs_store_close(w->ckpt);
        w->ckpt = NULL;
        return;
    }
    if (rs_store_wal_autocheckpoint(w->store, CKPT_SAFETY_PAGES) != RS_OK)
        fprintf(stderr, "writer: cannot raise wal_autocheckpoint: %s\n", rs_store_errmsg(w->store));
}

enum rs_err rs_writer_open(const char *db_url, struct rs_writer **out, char *err, size_t errcap)
{
    struct rs_writer *w = calloc(1, sizeof *w);
    if (!w)
        return RS_ENOMEM;
    enum rs_err e = rs_store_open(db_url, 0, &w->store, err, errcap);
    if (e) {
        free(w);
        return e;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->wake, NULL);
    ckpt_start(w, db_url);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        close_ckpt(w);
        rs_store_close(w->store);
        free(w);
        snprintf(err, errcap, "cannot start the writer thread");
        return RS_EINTERNAL;
    }
    *out = w;
    return RS_OK;
}

void rs_writer_close(struct rs_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    close_ckpt(w);
    rs_store_close(w->store);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->wake);
    free(w);
}

enum rs_err rs_writer_run(struct rs_writer *w, rs_write_fn *fn, void *ctx)
{
    struct job j = {.fn = fn, .ctx = ctx, .queued_ns = rs_mono_ns()};
    pthread_cond_init(&j.cond, NULL);
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        pthread_cond_destroy(&j.cond);
        return RS_ERETRY;
    }
    if (w->tail)
        w->tail->next = &j;
    else
        w->head = &j;
    w->tail = &j;
    pthread_cond_signal(&w->wake);
    while (!j.done)
        pthread_cond_wait(&j.cond, &w->mu);
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&j.cond);
    return j.result;
}

enum rs_err rs_writer_submit(struct rs_writer *w, rs_write_fn *fn, void *ctx, unsigned flags,
                             rs_write_done_fn *done, void *done_ctx)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return RS_ENOMEM;
    j->fn = fn;
    j->ctx = ctx;
    j->flags = flags;
    j->done_fn = done;
    j->done_ctx = done_ctx;
    j->queued_ns = rs_mono_ns();
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        free(j);
        return RS_ERETRY;
    }
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    return RS_OK;
}

void rs_writer_stats(struct rs_writer *w, struct rs_writer_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
