/* csv_in.h — Rastro's import CSV (docs/import.md): one row per event, order or shipment.
 * Columns are found by header name, in any order; only order_ref is required. A row with
 * placed_at carries an order; with carrier + tracking_number a shipment; with occurred_at an
 * event of that shipment. So a file can hold orders only, or one row per carrier scan with the
 * order and shipment repeated (repeats are idempotent). */
#ifndef RS_CSV_IN_H
#define RS_CSV_IN_H

#include <stdbool.h>

#include "app/ingest.h"
#include "core/model.h"

enum rs_csv_col {
    RS_CSV_ORDER_REF, RS_CSV_PLACED_AT, RS_CSV_ORDER_STATUS,
    RS_CSV_CUSTOMER_NAME, RS_CSV_CUSTOMER_EMAIL, RS_CSV_CUSTOMER_PHONE, RS_CSV_CUSTOMER_LOCALE,
    RS_CSV_PREFERRED_CHANNEL, RS_CSV_CUSTOMER_TIMEZONE,
    RS_CSV_DEST_POSTAL_CODE, RS_CSV_DEST_CITY, RS_CSV_DEST_REGION, RS_CSV_DEST_COUNTRY, RS_CSV_ITEMS,
    RS_CSV_CARRIER, RS_CSV_TRACKING_NUMBER, RS_CSV_SERVICE,
    RS_CSV_ORIGIN_POSTAL_CODE, RS_CSV_ORIGIN_CITY, RS_CSV_ORIGIN_REGION, RS_CSV_ORIGIN_COUNTRY,
    RS_CSV_OCCURRED_AT, RS_CSV_STATUS, RS_CSV_SUBSTATUS, RS_CSV_CODE, RS_CSV_MESSAGE,
    RS_CSV_EVENT_CITY, RS_CSV_EVENT_REGION, RS_CSV_EVENT_COUNTRY,
    RS_CSV_PICKUP_NAME, RS_CSV_PICKUP_ADDRESS, RS_CSV_PICKUP_DEADLINE,
    RS_CSV_CARRIER_ESTIMATE_FROM, RS_CSV_CARRIER_ESTIMATE_TO,
    RS_CSV__COUNT
};

struct rs_csv_header {
    int col[RS_CSV__COUNT]; /* field index of each column, -1 when absent */
    int n_unknown;
    char unknown[256];      /* names of unknown columns, for a warning */
    /* set after rs_csv_header_parse: the IANA zone the file's times without an offset are in
     * (`rastro import --timezone`), NULL to refuse them; and the shop's, named in the advice */
    const char *zone;
    const char *shop_zone;
};

/* Map a header row. RS_EINVAL with ERR when order_ref is missing or a name repeats. */
enum rs_err rs_csv_header_parse(char **fields, int n, struct rs_csv_header *h, struct rs_app_error *err) RS_MUST_CHECK;

/* One data row as records. ITEMS: room for RS_MAX_ITEMS. Strings borrow from FIELDS (sku:qty
 * item lists are split in place, so FIELDS is modified). Flags say which records the row has. */
struct rs_csv_row {
    bool has_order, has_shipment, has_event;
    struct rs_order_in order;
    struct rs_shipment_in shipment;
    struct rs_event_in event;
};
enum rs_err rs_csv_row_parse(const struct rs_csv_header *h, char **fields, int n, struct rs_csv_row *row,
                             struct rs_item_in *items, struct rs_app_error *err) RS_MUST_CHECK;

#endif
