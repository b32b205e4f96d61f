/* cmd_worker.c — `rastro worker`: the notification dispatcher as its own process, until
 * SIGINT/SIGTERM, and the periodic sweeps `rastro serve` also runs (delays and stalls →
 * notifications, incident policies, incident SLA alerts, retention; app/promise_sweeper.h) through
 * its own group-commit writer. Any number may run beside `rastro serve` on the same database: every
 * sweep is idempotent (unique delay records, outbox idempotency keys, one coupon and one policy
 * incident per shipment, one SLA alert per incident and SLA), so two sweepers cost work, never a
 * second message. */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_service.h"
#include "app/promise_sweeper.h"
#include "app/writer.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "worker/dispatch.h"

static int usage(void)
{
    fprintf(stderr, "usage: rastro worker [--db URL] [--threads N] [--batch N] [--lease SECONDS] [--base-url URL]\n"
                    "                     [--sweep-interval SECONDS]\n"
                    "  sends the queued notifications (email, SMS, WhatsApp, push, webhooks) of every merchant\n"
                    "  and runs the periodic sweeps (delays and stalls, incident policies, SLA alerts, retention)\n"
                    "  --threads  dispatcher threads (default 2)\n"
                    "  --batch    rows claimed at once per thread (default 16)\n"
                    "  --lease    seconds a claimed row is held before another dispatcher may retake it (60)\n"
                    "  --base-url public URL for links when a merchant's settings have none (env RASTRO_BASE_URL)\n"
                    "  --sweep-interval  seconds between sweeps (default 60; 0 = off, e.g. when `rastro serve`\n"
                    "             sweeps; running both is safe: sweeps plan nothing twice)\n"
                    "example: rastro serve --workers 0 & rastro worker --threads 4 --base-url https://track.example.com\n");
    return 2;
}

int rs_cmd_worker(int argc, char **argv)
{
    const char *db = NULL, *threads = NULL, *batch = NULL, *lease = NULL, *base = getenv("RASTRO_BASE_URL"),
               *sweep = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--threads", &threads) ||
            rs_arg_value(argc, argv, &i, "--batch", &batch) || rs_arg_value(argc, argv, &i, "--lease", &lease) ||
            rs_arg_value(argc, argv, &i, "--base-url", &base) || rs_arg_value(argc, argv, &i, "--sweep-interval", &sweep))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        fprintf(stderr, "rastro worker: unknown option %s\n", argv[i]);
        return usage();
    }
    int nt = threads ? atoi(threads) : 2, nb = batch ? atoi(batch) : 16, ls = lease ? atoi(lease) : 60;
    if (nt < 1 || nt > 64 || nb < 1 || nb > 64 || ls < 1 || ls > 86400) {
        fprintf(stderr, "rastro worker: --threads and --batch go from 1 to 64, --lease from 1 to 86400\n");
        return 2;
    }
    char *end = NULL;
    long sw = sweep ? strtol(sweep, &end, 10) : 60;
    if (sweep && (!*sweep || *end || sw < 0 || sw > 86400)) {
        fprintf(stderr, "rastro worker: --sweep-interval is seconds from 0 (off) to 86400\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct rs_dispatch_config cfg = {
        .db_url = rs_cmd_db_url(db), .threads = nt, .batch = nb, .lease_s = ls, .base_url = base};
    struct rs_dispatcher *d = NULL;
    char err[512];
    if (rs_dispatch_start(&cfg, &d, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro worker: %s\n", err);
        curl_global_cleanup();
        return 1;
    }
    /* the sweeps write through a group-commit writer of their own (one connection) */
    struct rs_writer *w = NULL;
    struct rs_promise_sweeper *sweeper = NULL;
    if (sw > 0) {
        if (rs_writer_open(cfg.db_url, &w, err, sizeof err) != RS_OK) {
            fprintf(stderr, "rastro worker: sweeps: %s\n", err);
            rs_dispatch_stop(d);
            curl_global_cleanup();
            return 1;
        }
        if (rs_promise_sweeper_start(w, (int)sw, &sweeper) != RS_OK) {
            fprintf(stderr, "rastro worker: the sweeps could not start\n");
            rs_writer_close(w);
            rs_dispatch_stop(d);
            curl_global_cleanup();
            return 1;
        }
    }
    if (sw > 0)
        fprintf(stderr, "rastro worker: %d threads on %s; sweeps every %lds\n", nt, cfg.db_url, sw);
    else
        fprintf(stderr, "rastro worker: %d threads on %s; no sweeps\n", nt, cfg.db_url);
    int sig = 0;
    sigwait(&set, &sig);
    rs_promise_sweeper_stop(sweeper);
    rs_writer_close(w);
    rs_promise_cache_clear();
    struct rs_dispatch_stats st;
    rs_dispatch_stats(d, &st);
    rs_dispatch_stop(d);
    fprintf(stderr, "rastro worker: stopping: %llu sent, %llu retried, %llu failed, %ld connections\n",
            (unsigned long long)st.sent, (unsigned long long)st.retried, (unsigned long long)st.failed, st.connects);
    curl_global_cleanup();
    return 0;
}
