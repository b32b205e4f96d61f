/* store_sqlite_priv.h — what sibling SQLite back-end files (store_notify_sqlite.c) may use of
 * store_sqlite.c: the connection, a per-connection cache of prepared statements by slot, and
 * the one SQLite→rs_err mapping. Never included outside src/store/. */
#ifndef RS_STORE_SQLITE_PRIV_H
#define RS_STORE_SQLITE_PRIV_H

#include <sqlite3.h>

#include "store/store.h"

#define RS_STORE_SQLITE_XSLOTS 224
/* Slot ranges of the sibling files, so their statements never collide. */
#define RS_STORE_SLOTS_NOTIFY 0      /* store_notify_sqlite.c: 0..31 */
#define RS_STORE_SLOTS_PROMISE 32    /* store_promise_sqlite.c: 32..63 */
#define RS_STORE_SLOTS_CONV 64       /* store_conv_sqlite.c: 64..111 */
#define RS_STORE_SLOTS_INCIDENT 112  /* store_incident_sqlite.c: 112..143 */
#define RS_STORE_SLOTS_AGENT 144     /* store_agent_sqlite.c: 144..175 */
#define RS_STORE_SLOTS_PRIVACY 176   /* store_privacy_sqlite.c: 176..207 */
#define RS_STORE_SLOTS_SPARE 208     /* 208..223 */

sqlite3 *rs_store_sqlite_db(struct rs_store *s);
/* The statement in SLOT, prepared from SQL on first use (SQL must be the same for a slot),
 * reset and unbound. NULL on error (rs_store_errmsg says why). */
sqlite3_stmt *rs_store_sqlite_stmt(struct rs_store *s, int slot, const char *sql);
/* SQLITE_OK/ROW/DONE → RS_OK; BUSY → RS_ERETRY; constraint → RS_ECONFLICT; … (errmsg set). */
enum rs_err rs_store_sqlite_rc(struct rs_store *s, int rc);
/* Step Q (a cached statement that returns no rows), map the result, reset Q. NULL Q (the
 * statement failed to prepare) is RS_EIO. */
enum rs_err rs_store_sqlite_run(struct rs_store *s, sqlite3_stmt *q);
/* Step Q (bound) to its first row: RS_OK with Q on that row (the caller reads it, then resets
 * Q); else Q reset and RS_ENOTFOUND (no row) or the mapped error. NULL Q is RS_EIO. */
enum rs_err rs_store_sqlite_row(struct rs_store *s, sqlite3_stmt *q);
/* Step Q (bound, returning one integer column) to its end, keeping the first MAX values in IDS
 * (*n of them), map the result, reset Q. Stepping to the end matters for UPDATE … RETURNING:
 * every row it claims is updated. NULL Q is RS_EIO. */
enum rs_err rs_store_sqlite_ids(struct rs_store *s, sqlite3_stmt *q, int64_t *ids, int max, int *n);

/* Column and binding helpers every SQLite file of the store shares. */
/* Bind V as text (copied: SQLITE_TRANSIENT), or NULL when V is NULL or empty. */
void rs_store_sqlite_bind_opt(sqlite3_stmt *q, int i, const char *v);
/* Copy text column I into DST (CAP bytes, truncated, always NUL-terminated; "" for NULL). */
void rs_store_sqlite_col_copy(char *dst, size_t cap, sqlite3_stmt *q, int i);
/* Column I as a JSON string, or JSON null. New reference. */
json_t *rs_store_sqlite_col_str(sqlite3_stmt *q, int i);
/* Epoch-seconds column I as an RFC 3339 string at OFFSET_MIN, or JSON null when NULL or <= 0. */
json_t *rs_store_sqlite_col_time(sqlite3_stmt *q, int i, int offset_min);

#endif
