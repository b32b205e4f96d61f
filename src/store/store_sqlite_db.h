/* store_sqlite_db.h — private to the SQLite back end: lets the feature files of the store
 * (store_page.c, …) reach the connection of a struct rs_store and the one result-code mapping
 * without every feature living in store_sqlite.c. Nothing outside src/store/ includes this. */
#ifndef RS_STORE_SQLITE_DB_H
#define RS_STORE_SQLITE_DB_H

#include <sqlite3.h>

#include "store/store.h"

sqlite3 *rs_store_sqlite_db(struct rs_store *s);
/* SQLite result code → enum rs_err (BUSY → RS_ERETRY, constraint → RS_ECONFLICT, …); sets the
 * connection's error message. */
enum rs_err rs_store_sqlite_rc(struct rs_store *s, int rc);

#endif
