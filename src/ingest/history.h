/* history.h — rows of a delivery-history CSV (docs/promise.md, "History format") turned into
 * checked records for the promise engine, with the reason when a row cannot be used.
 *
 * Columns (by header name, any order; extra columns ignored): order_ref, placed_at, approved_at,
 * shipped_at, delivered_at, promised_date, origin_country, origin_region, origin_postcode,
 * origin_city, destination_country, destination_region, destination_postcode, destination_city,
 * carrier, service, items, weight_g, freight_value. Required: placed_at, delivered_at,
 * origin_region, destination_region. Timestamps are RFC 3339 with an offset; promised_date is YYYY-MM-DD. */
#ifndef RS_HISTORY_H
#define RS_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/promise.h"
#include "util/csv.h"

enum rs_history_skip {
    RS_HSKIP_NONE = 0,
    RS_HSKIP_MISSING_TIMESTAMP, /* placed_at or delivered_at empty */
    RS_HSKIP_BAD_DATE,          /* a timestamp or date that does not parse */
    RS_HSKIP_UNKNOWN_REGION,    /* origin or destination region empty or too long */
    RS_HSKIP_DELIVERED_BEFORE_PLACED,
    RS_HSKIP_ABSURD_DURATION,   /* > 180 days, or shipped outside [placed - 1 day, delivered] */
    RS_HSKIP_BAD_ROW,           /* wrong field count, unreadable CSV record */
    RS_HSKIP_NOT_UTF8,          /* a field in a legacy encoding (Windows-1252): its lane would be lost */
    RS_HSKIP__COUNT
};

/* Column indexes found in the header (-1 = absent). */
struct rs_history_cols {
    int order_ref, placed_at, shipped_at, delivered_at, promised_date;
    int origin_country, origin_region, dest_country, dest_region, carrier, service;
    int origin_postcode, dest_postcode;
    int items, weight_g, freight_value;
    int nfields; /* fields in the header */
};

/* One usable delivered order. Instants are epoch seconds with the source's UTC offset. */
struct rs_history_row {
    char order_ref[64];
    int64_t placed_at, shipped_at, delivered_at;
    int placed_off, shipped_off, delivered_off;
    bool has_shipped, has_promised;
    int64_t promised_day; /* the source's own promise (a local day), when has_promised */
    char origin_country[4], origin_region[RS_PROMISE_KEY_LEN];
    char dest_country[4], dest_region[RS_PROMISE_KEY_LEN];
    char origin_postcode[16], dest_postcode[16]; /* truncated; empty when unknown */
    char carrier[RS_PROMISE_KEY_LEN], service[RS_PROMISE_KEY_LEN];
    int items;
    double weight_g, freight_value;
    const char *bad_column; /* a skipped row: the column at fault ("placed_at", …), NULL when
                               the reason names no single column (malformed, not UTF-8) */
};

/* Read the header in C's current record. RS_EINVAL when a required column is missing. */
enum rs_err rs_history_cols_init(struct rs_history_cols *cols, const struct rs_csv *c) RS_MUST_CHECK;

/* Check and convert C's current record. RS_HSKIP_NONE when ROW is usable. */
enum rs_history_skip rs_history_parse(const struct rs_csv *c, const struct rs_history_cols *cols,
                                      struct rs_history_row *row);

/* "missing timestamps", "bad dates", … (never NULL). */
const char *rs_history_skip_name(enum rs_history_skip s);

/* The engine's view of ROW (strings borrowed from ROW): local days from the row's own offsets. */
void rs_history_obs(const struct rs_history_row *row, struct rs_promise_obs *o);
void rs_history_lane(const struct rs_history_row *row, struct rs_promise_lane *l);

#endif
