/* fuzz_csv.c — the import CSV reader and row mapping (util/csv.c, ingest/csv_in.c) on
 * arbitrary bytes: header, rows, item lists, times, then validation of each record. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ingest.h"
#include "ingest/csv_in.h"
#include "util/csv.h"
#include "util/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_csv c;
    if (rs_csv_init_mem(&c, (const char *)data, size) != RS_OK)
        return 0;
    c.legacy = 1; /* as the importer reads: records not in UTF-8 are taken as Windows-1252 */
    struct rs_csv_header h;
    struct rs_app_error err = {0};
    static struct rs_item_in items[RS_MAX_ITEMS];
    enum rs_err e = rs_csv_header(&c);
    if (e == RS_OK && rs_csv_header_parse(c.fields, c.nfields, &h, &err) == RS_OK) {
        for (int rows = 0; rows < 200; rows++) {
            e = rs_csv_next(&c);
            if (e == RS_ENOTFOUND)
                break;
            if (e != RS_OK)
                continue;
            struct rs_csv_row row;
            if (rs_csv_row_parse(&h, c.fields, c.nfields, &row, items, &err) != RS_OK)
                continue;
            struct rs_prep_buf b1, b2, b3;
            if (row.has_order)
                (void)rs_app_order_prepare(&row.order, &b1, &err);
            /* a carrier's estimate that passes is two real days, in order, or none */
            if (row.has_shipment && rs_app_shipment_prepare(&row.shipment, &b2, &err) == RS_OK) {
                int64_t a, b;
                assert(!row.shipment.eta.from == !row.shipment.eta.to);
                assert(!row.shipment.eta.from || (rs_date_parse(row.shipment.eta.from, &a) == RS_OK &&
                                                  rs_date_parse(row.shipment.eta.to, &b) == RS_OK && a <= b));
            }
            if (row.has_event)
                (void)rs_app_event_prepare(&row.event, &b3, &err);
        }
    }
    rs_csv_release(&c);
    return 0;
}
