/* store_sqlite_priv.h — for other SQLite files of the store only (not for callers): the
 * connection's handle and the error mapping of store_sqlite.c. */
#ifndef RS_STORE_SQLITE_PRIV_H
#define RS_STORE_SQLITE_PRIV_H

#include <sqlite3.h>

#include "store/store.h"

sqlite3 *rs_store_sqlite_db(struct rs_store *s);
/* SQLite result code → enum rs_err (and the connection's error message). */
enum rs_err rs_store_sqlite_rc(struct rs_store *s, int rc);

/* Statement SLOT (0..RS_STORE_EXT_STMTS-1) of this connection, prepared from SQL on first
 * use and kept until rs_store_close; reset and with clear bindings. NULL on error. Each slot
 * must always be used with the same SQL. */
#define RS_STORE_EXT_STMTS 32
sqlite3_stmt *rs_store_sqlite_cached(struct rs_store *s, int slot, const char *sql);

#endif
