/* dispatch.h — the notification dispatcher: worker threads that claim due outbox rows with a
 * lease, render them, send them over their channel and record the outcome and the attempt.
 *
 * Runs inside `rastro serve` (default) or alone as `rastro worker`; any number of dispatchers
 * (threads or processes) may share one database: the claim is atomic, and a row whose lease
 * expired (its dispatcher died) is claimed again. So nothing planned is ever lost; a message
 * whose send succeeded but whose outcome was not yet recorded when the process died is sent a
 * second time (at most the in-flight ones: up to threads × batch).
 *
 * After a failure the retry policy (core/notify_plan.h rs_retry_next) decides: the same channel
 * later (exponential backoff with jitter, never before Retry-After), the next channel of the
 * fallback order now, or give up (state failed, reason kept). */
#ifndef RS_WORKER_DISPATCH_H
#define RS_WORKER_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct rs_dispatcher;

/* Every this many seconds a running dispatcher records that it is alive (its first thread, in
 * table worker_heartbeats, under its host:pid name); /healthz reads the newest one. */
#define RS_DISPATCH_BEAT_S 5

struct rs_dispatch_config {
    const char *db_url;
    int threads;          /* default 2 */
    int batch;            /* rows claimed at once per thread; default 16 */
    int lease_s;          /* how long a claim holds; default 60 */
    int poll_ms;          /* idle wait between polls; default 200 */
    const char *base_url; /* public URL for links when the merchant's settings have none */
    const char *name;     /* lease owner prefix (host:pid when NULL) */
};

enum rs_err rs_dispatch_start(const struct rs_dispatch_config *cfg, struct rs_dispatcher **out, char *err,
                              size_t errcap) RS_MUST_CHECK;
/* Stop after the rows in hand are recorded; joins the threads. NULL is a no-op. */
void rs_dispatch_stop(struct rs_dispatcher *d);
/* Poll now (new rows were committed). */
void rs_dispatch_wake(struct rs_dispatcher *d);

struct rs_dispatch_stats {
    uint64_t sent, retried, failed, claimed;
    long connects;
};
void rs_dispatch_stats(struct rs_dispatcher *d, struct rs_dispatch_stats *out);

#endif
