/* promise_sweeper.c — the periodic delay sweep thread (promise_sweeper.h), which also applies
 * the merchants' incident policies (rs_incident_policy_sweep) and tells the team about incidents
 * that passed their SLA (rs_incident_sla_sweep) after each pass. */
#include "app/promise_sweeper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "app/privacy.h"
#include "app/incident.h"
#include "app/promise_apply.h"
#include "app/promise_service.h"
#include "util/timefmt.h"

struct rs_promise_sweeper {
    struct rs_writer *w;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

struct chunk_job {
    int64_t now, after;
    int checked, found;
    bool done;
};

static enum rs_err chunk_run(struct rs_store *s, void *ctx)
{
    struct chunk_job *j = ctx;
    return rs_app_promise_sweep_chunk(s, j->now, &j->after, 200, &j->checked, &j->found,
                                      &j->done);
}

struct retention_job {
    int64_t now;
    int inbound_days;
};

static enum rs_err retention_run(struct rs_store *s, void *ctx)
{
    struct retention_job *j = ctx;
    return rs_app_privacy_sweep(s, j->now, j->inbound_days);
}

#define RETENTION_EVERY_S 3600

/* Online learning (app/promise_service.h): the merchants with new deliveries or parcels that may
 * have broken a promise, a few per pass; each merchant in a write job of its own, so the ingest
 * waits for one merchant's learning at most (measured: 0.17 s for 10,000 parcels on their way). */
struct learn_job {
    int64_t now;
    int64_t ids[16];
    int n, merchants, learnt, reported;
};

static enum rs_err learn_list(struct rs_store *s, void *ctx)
{
    struct learn_job *j = ctx;
    return rs_store_promise_learn_pending(s, j->now - RS_PROMISE_REPORT_DAYS * 86400, j->ids, 16, &j->n);
}

struct learn_one {
    struct learn_job *job;
    int64_t merchant_id;
};

static enum rs_err learn_run(struct rs_store *s, void *ctx)
{
    struct learn_one *one = ctx;
    struct learn_job *j = one->job;
    int64_t used, skipped, reported, version;
    enum rs_err e = rs_promise_learn_online(s, one->merchant_id, j->now, RS_PROMISE_LEARN_MAX, &used, &skipped,
                                            &reported, &version);
    if (e == RS_EINVAL || e == RS_ENOTFOUND) /* a model that does not load: left to `train` */
        return RS_OK;
    if (!e && used + reported > 0) {
        j->merchants++;
        j->learnt += (int)used;
        j->reported += (int)reported;
    }
    return e;
}

static enum rs_err learn_all_merchants(struct rs_writer *w, struct learn_job *j)
{
    enum rs_err e = rs_writer_run(w, learn_list, j);
    for (int i = 0; i < j->n && !e; i++)
        e = rs_writer_run(w, learn_run, &(struct learn_one){j, j->ids[i]});
    return e;
}

static enum rs_err policy_run(struct rs_store *s, void *ctx)
{
    struct chunk_job *j = ctx;
    return rs_incident_policy_sweep(s, j->now, &j->found);
}

static enum rs_err sla_run(struct rs_store *s, void *ctx)
{
    struct chunk_job *j = ctx;
    return rs_incident_sla_sweep(s, j->now, &j->found);
}

static void *sweeper_main(void *arg)
{
    struct rs_promise_sweeper *sw = arg;
    int64_t last_retention = 0, last_learn = 0;
    for (;;) {
        /* the promise models keep learning from new deliveries: hourly */
        if (rs_now() - last_learn >= RS_PROMISE_LEARN_EVERY_S) {
            struct learn_job lj = {.now = rs_now()};
            if (learn_all_merchants(sw->w, &lj) != RS_OK)
                fprintf(stderr, "rastro: online promise learning failed; retrying later\n");
            else {
                last_learn = lj.now;
                if (lj.learnt || lj.reported)
                    fprintf(stderr,
                            "rastro: promise models of %d merchants learnt %d new deliveries and %d broken "
                            "promises of parcels still on their way\n",
                            lj.merchants, lj.learnt, lj.reported);
            }
        }
        /* transcript and inbound-log retention (app/privacy.h): at start, then hourly */
        if (rs_now() - last_retention >= RETENTION_EVERY_S) {
            struct retention_job rj = {.now = rs_now(), .inbound_days = rs_app_privacy_inbound_days()};
            if (rs_writer_run(sw->w, retention_run, &rj) != RS_OK)
                fprintf(stderr, "rastro: retention sweep failed; retrying later\n");
            else
                last_retention = rj.now;
        }
        struct chunk_job j = {.now = rs_now()};
        while (!j.done) {
            pthread_mutex_lock(&sw->mu);
            bool stop = sw->stop;
            pthread_mutex_unlock(&sw->mu);
            if (stop)
                return NULL;
            int64_t after = j.after;
            if (rs_writer_run(sw->w, chunk_run, &j) != RS_OK) {
                fprintf(stderr, "rastro: delay sweep failed after shipment %lld; retrying later\n",
                        (long long)after);
                break;
            }
        }
        if (j.found)
            fprintf(stderr, "rastro: delay sweep: %d shipments, %d new delays\n", j.checked, j.found);
        /* the merchants' incident policies (app/incident.h), on the same beat */
        struct chunk_job pj = {.now = rs_now()};
        if (rs_writer_run(sw->w, policy_run, &pj) != RS_OK)
            fprintf(stderr, "rastro: incident policy sweep failed; retrying later\n");
        else if (pj.found)
            fprintf(stderr, "rastro: incident policies opened %d incidents\n", pj.found);
        /* incidents that just passed their SLA: the team is told, once per SLA */
        struct chunk_job sj = {.now = rs_now()};
        if (rs_writer_run(sw->w, sla_run, &sj) != RS_OK)
            fprintf(stderr, "rastro: incident SLA sweep failed; retrying later\n");
        else if (sj.found)
            fprintf(stderr, "rastro: %d incidents passed their SLA; the team is told\n", sj.found);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += sw->interval_s;
        pthread_mutex_lock(&sw->mu);
        while (!sw->stop && pthread_cond_timedwait(&sw->cv, &sw->mu, &until) == 0)
            ;
        bool stop = sw->stop;
        pthread_mutex_unlock(&sw->mu);
        if (stop)
            return NULL;
    }
}

enum rs_err rs_promise_sweeper_start(struct rs_writer *w, int interval_s,
                                     struct rs_promise_sweeper **out)
{
    struct rs_promise_sweeper *sw = calloc(1, sizeof *sw);
    if (!sw)
        return RS_ENOMEM;
    sw->w = w;
    sw->interval_s = interval_s > 0 ? interval_s : 60;
    pthread_mutex_init(&sw->mu, NULL);
    pthread_cond_init(&sw->cv, NULL);
    if (pthread_create(&sw->thread, NULL, sweeper_main, sw) != 0) {
        pthread_mutex_destroy(&sw->mu);
        pthread_cond_destroy(&sw->cv);
        free(sw);
        return RS_EINTERNAL;
    }
    *out = sw;
    return RS_OK;
}

void rs_promise_sweeper_stop(struct rs_promise_sweeper *sw)
{
    if (!sw)
        return;
    pthread_mutex_lock(&sw->mu);
    sw->stop = true;
    pthread_cond_signal(&sw->cv);
    pthread_mutex_unlock(&sw->mu);
    pthread_join(sw->thread, NULL);
    pthread_mutex_destroy(&sw->mu);
    pthread_cond_destroy(&sw->cv);
    free(sw);
}
