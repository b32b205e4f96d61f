/* writer.h — group commit: one writer thread owns the write connection and runs every write
 * job of every concurrent request inside one shared transaction, each job in its own savepoint,
 * then commits once (one fsync) and wakes all their callers. A caller of rs_writer_run() gets its
 * answer only after its rows are durable, so "2xx" always means committed, while the fsync cost
 * is shared by everyone who arrived in the same round.
 *
 * Replayable jobs (RS_WRITE_REPLAYABLE) skip the savepoint: a savepoint makes SQLite copy every
 * page the job touches into its sub-journal first, which for small jobs costs about as much as
 * the job's own writes. When every job of a round is replayable, the round runs "bare": jobs run
 * one after the other with no savepoint; a job that fails without having written anything
 * (rs_store_changes unchanged) just keeps its error; a job that fails after writing rolls the
 * whole transaction back, and the round runs again with every job in its own savepoint, as any
 * other round (rs_writer_bare() is then false). A replayable job must therefore give the same
 * answer when called again on the same database, and keep nothing from a first call. */
#ifndef RS_APP_WRITER_H
#define RS_APP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct rs_writer;

/* A job: runs on the writer thread inside a transaction and a savepoint. Returning an error
 * rolls the savepoint back (nothing of this job is kept; other jobs are unaffected). */
typedef enum rs_err rs_write_fn(struct rs_store *s, void *ctx);

enum rs_err rs_writer_open(const char *db_url, struct rs_writer **out, char *err, size_t errcap) RS_MUST_CHECK;
/* Finishes queued jobs, stops the thread, closes the connection. NULL is a no-op. */
void rs_writer_close(struct rs_writer *w);

/* Run FN(store, CTX) and wait until it is committed. Returns FN's result, or the commit's error
 * (then nothing of the job is kept). Safe from any thread. */
enum rs_err rs_writer_run(struct rs_writer *w, rs_write_fn *fn, void *ctx) RS_MUST_CHECK;

/* Called on the writer thread once a submitted job is committed (or failed): RESULT is what
 * rs_writer_run would have returned. Keep it short (the writer waits for it): record the result
 * and hand the rest to another thread. */
typedef void rs_write_done_fn(enum rs_err result, void *done_ctx);

/* Job flags (rs_writer_submit). */
enum { RS_WRITE_REPLAYABLE = 1 };

/* Like rs_writer_run without waiting: queues FN(store, CTX) and returns at once; DONE(result,
 * DONE_CTX) is called after the commit. CTX and DONE_CTX must stay valid until DONE runs. FLAGS:
 * 0 or RS_WRITE_REPLAYABLE (see above). Returns RS_OK when queued (DONE will be called exactly
 * once), or RS_ERETRY (closing) / RS_ENOMEM (then DONE is never called). */
enum rs_err rs_writer_submit(struct rs_writer *w, rs_write_fn *fn, void *ctx, unsigned flags,
                             rs_write_done_fn *done, void *done_ctx) RS_MUST_CHECK;

/* True while the calling job runs bare (a replayable job in a round without savepoints): the job
 * may then skip savepoints of its own, because any failure after a write replays the round
 * with savepoints. False anywhere else. */
bool rs_writer_bare(void);

/* Statistics for /metrics. replays: bare rounds that failed after a write and ran again with
 * savepoints. */
struct rs_writer_stats {
    uint64_t commits, jobs, failed_commits, replays;
};
void rs_writer_stats(struct rs_writer *w, struct rs_writer_stats *out);

#endif
