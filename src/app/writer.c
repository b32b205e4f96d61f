/* writer.c — the group-commit writer thread (see writer.h). */
#include "app/writer.h"

#include "app/events_bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_JOBS_PER_COMMIT 512

struct job {
    rs_write_fn *fn;
    void *ctx;
    enum rs_err result;
    bool done;
    pthread_cond_t cond; /* signalled when done */
    struct job *next;
};

struct rs_writer {
    struct rs_store *store; /* owned; used only by the thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    struct job *head, *tail; /* queue, under mu */
    bool stopping;
    struct rs_writer_stats stats; /* under mu */
};

static void run_round(struct rs_writer *w, struct job *batch)
{
    enum rs_err e = rs_store_begin(w->store);
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
    rs_bus_commit(); /* cached answers (http/page_cache.h) are stale from now on, before anyone is answered */
    pthread_mutex_lock(&w->mu);
    w->stats.commits++;
    if (e != RS_OK) {
        w->stats.failed_commits++;
        fprintf(stderr, "writer: commit failed: %s (%s)\n", rs_strerror(e), rs_store_errmsg(w->store));
    }
    for (struct job *j = batch; j; j = j->next) {
        w->stats.jobs++;
        if (e != RS_OK)
            j->result = e;
        j->done = true;
        pthread_cond_signal(&j->cond);
    }
    pthread_mutex_unlock(&w->mu);
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
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
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
    rs_store_close(w->store);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->wake);
    free(w);
}

enum rs_err rs_writer_run(struct rs_writer *w, rs_write_fn *fn, void *ctx)
{
    struct job j = {.fn = fn, .ctx = ctx};
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

void rs_writer_stats(struct rs_writer *w, struct rs_writer_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
