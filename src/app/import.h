/* import.h — load an import CSV (docs/import.md) through the one write path, in transactions
 * of RS_IMPORT_CHUNK rows with a savepoint per row: a bad row is reported with its line number
 * and reason and skipped; good rows are kept. Progress is shown on a terminal. */
#ifndef RS_APP_IMPORT_H
#define RS_APP_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "store/store.h"

#define RS_IMPORT_CHUNK 1000

struct rs_import_summary {
    int64_t rows, rejected;
    int64_t orders_created, orders_updated, orders_unchanged;
    int64_t shipments_created, shipments_updated, shipments_unchanged;
    int64_t events_accepted, events_duplicate;
    int64_t deliveries_replayed; /* shop deliveries that waited for an order created here */
    long stopped_at_line;        /* rs_app_import_interrupt: the first line not read, else 0 */
};

/* Ask a running rs_app_import to stop before its next row (async-signal-safe: for a SIGINT
 * handler). The rows read so far are committed and counted; SUM's stopped_at_line says where. */
void rs_app_import_interrupt(void);

/* Read CSV from FP (SIZE bytes when known, for the progress bar, else 0). ZONE: the IANA zone
 * of the file's times written without an offset ("23/11/2026 14:05"), NULL to reject those
 * rows (naming the shop's zone in the advice). Each rejected row is
 * reported to ERRS as "line N: reason" (at most MAX_REPORTED lines, then a count). Returns
 * RS_EINVAL for a bad header, a storage error when the store fails, RS_EIO when FP cannot be read
 * to its end (reported to ERRS with the line reached; the row being read is not applied). Rows
 * committed before either failure stay. */
enum rs_err rs_app_import(struct rs_store *s, int64_t merchant_id, FILE *fp, int64_t size, const char *zone,
                          FILE *errs, int max_reported, struct rs_import_summary *sum) RS_MUST_CHECK;

#endif
