/* history.c — delivery-history CSV rows (see history.h). */
#include "ingest/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

enum rs_err rs_history_cols_init(struct rs_history_cols *cols, const struct rs_csv *c)
{
    cols->order_ref = rs_csv_find(c, "order_ref");
    cols->placed_at = rs_csv_find(c, "placed_at");
    cols->shipped_at = rs_csv_find(c, "shipped_at");
    cols->delivered_at = rs_csv_find(c, "delivered_at");
    cols->promised_date = rs_csv_find(c, "promised_date");
    cols->origin_country = rs_csv_find(c, "origin_country");
    cols->origin_region = rs_csv_find(c, "origin_region");
    cols->dest_country = rs_csv_find(c, "destination_country");
    cols->dest_region = rs_csv_find(c, "destination_region");
    cols->origin_postcode = rs_csv_find(c, "origin_postcode");
    cols->dest_postcode = rs_csv_find(c, "destination_postcode");
    cols->carrier = rs_csv_find(c, "carrier");
    cols->service = rs_csv_find(c, "service");
    cols->items = rs_csv_find(c, "items");
    cols->weight_g = rs_csv_find(c, "weight_g");
    cols->freight_value = rs_csv_find(c, "freight_value");
    cols->nfields = c->nfields;
    /* origin_region too: a row without one is never usable (the lane starts there) */
    if (cols->placed_at < 0 || cols->delivered_at < 0 || cols->origin_region < 0 || cols->dest_region < 0)
        return RS_EINVAL;
    return RS_OK;
}

static const char *field(const struct rs_csv *c, int i)
{
    return i >= 0 && i < c->nfields ? c->fields[i] : "";
}

static bool copy(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap)
        return false;
    memcpy(dst, s, n + 1);
    return true;
}

/* S in DST, cut to CAP - 1 bytes at a character's boundary: half a character would not be
 * UTF-8, and the model (JSON) could not hold the lane. */
static void copy_cut(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static double number(const char *s)
{
    if (!*s)
        return 0;
    char *end;
    double v = strtod(s, &end);
    return *end == '\0' && v >= 0 && v < 1e12 ? v : 0;
}

enum rs_history_skip rs_history_parse(const struct rs_csv *c, const struct rs_history_cols *cols,
                                      struct rs_history_row *r)
{
    memset(r, 0, sizeof *r);
    if (c->nfields != cols->nfields)
        return RS_HSKIP_BAD_ROW;
    /* a region or carrier in another encoding could not be written to the model (JSON is UTF-8):
     * the row would count as learnt while its lane vanished from the file */
    for (int i = 0; i < c->nfields; i++)
        if (!rs_csv_utf8(c->fields[i]))
            return RS_HSKIP_NOT_UTF8;
    const char *placed = field(c, cols->placed_at), *deliv = field(c, cols->delivered_at);
    const char *shipped = field(c, cols->shipped_at), *prom = field(c, cols->promised_date);
    if (!*placed || !*deliv) {
        r->bad_column = !*placed ? "placed_at" : "delivered_at";
        return RS_HSKIP_MISSING_TIMESTAMP;
    }
    if (rs_time_parse(placed, false, &r->placed_at, &r->placed_off) != RS_OK) {
        r->bad_column = "placed_at";
        return RS_HSKIP_BAD_DATE;
    }
    if (rs_time_parse(deliv, false, &r->delivered_at, &r->delivered_off) != RS_OK) {
        r->bad_column = "delivered_at";
        return RS_HSKIP_BAD_DATE;
    }
    if (*shipped) {
        if (rs_time_parse(shipped, false, &r->shipped_at, &r->shipped_off) != RS_OK) {
            r->bad_column = "shipped_at";
            return RS_HSKIP_BAD_DATE;
        }
        r->has_shipped = true;
    }
    if (*prom) {
        if (rs_date_parse(prom, &r->promised_day) != RS_OK) {
            r->bad_column = "promised_date";
            return RS_HSKIP_BAD_DATE;
        }
        r->has_promised = true;
    }
    const char *oreg = field(c, cols->origin_region), *dreg = field(c, cols->dest_region);
    r->bad_column = !*oreg || !copy(r->origin_region, sizeof r->origin_region, oreg) ? "origin_region"
                    : !*dreg || !copy(r->dest_region, sizeof r->dest_region, dreg) ? "destination_region"
                    : !copy(r->origin_country, sizeof r->origin_country, field(c, cols->origin_country))
                        ? "origin_country"
                    : !copy(r->dest_country, sizeof r->dest_country, field(c, cols->dest_country))
                        ? "destination_country"
                        : NULL;
    if (r->bad_column)
        return RS_HSKIP_UNKNOWN_REGION;
    r->bad_column = "delivered_at";
    if (r->delivered_at < r->placed_at)
        return RS_HSKIP_DELIVERED_BEFORE_PLACED;
    if (r->delivered_at - r->placed_at > 180 * 86400)
        return RS_HSKIP_ABSURD_DURATION;
    if (r->has_shipped) {
        r->bad_column = "shipped_at";
        if (r->shipped_at < r->placed_at - 86400 || r->shipped_at > r->delivered_at)
            return RS_HSKIP_ABSURD_DURATION;
        if (r->shipped_at < r->placed_at)
            r->shipped_at = r->placed_at; /* clocks a few hours apart: handed over at once */
    }
    r->bad_column = NULL;
    /* names that do not fit are truncated (they only key the lane) */
    copy_cut(r->order_ref, sizeof r->order_ref, field(c, cols->order_ref));
    copy_cut(r->carrier, sizeof r->carrier, field(c, cols->carrier));
    copy_cut(r->origin_postcode, sizeof r->origin_postcode, field(c, cols->origin_postcode));
    copy_cut(r->dest_postcode, sizeof r->dest_postcode, field(c, cols->dest_postcode));
    copy_cut(r->service, sizeof r->service, field(c, cols->service));
    r->items = (int)number(field(c, cols->items));
    r->weight_g = number(field(c, cols->weight_g));
    r->freight_value = number(field(c, cols->freight_value));
    return RS_HSKIP_NONE;
}

const char *rs_history_skip_name(enum rs_history_skip s)
{
    static const char *names[] = {"ok",
                                  "missing timestamps",
                                  "bad dates",
                                  "unknown region",
                                  "delivery before purchase",
                                  "absurd durations",
                                  "malformed rows",
                                  "not UTF-8"};
    return (unsigned)s < RS_HSKIP__COUNT ? names[s] : "?";
}

void rs_history_lane(const struct rs_history_row *r, struct rs_promise_lane *l)
{
    l->origin_country = r->origin_country;
    l->origin_region = r->origin_region;
    l->dest_country = r->dest_country;
    l->dest_region = r->dest_region;
    l->carrier = r->carrier;
    l->service = r->service;
    l->origin_postcode = r->origin_postcode;
    l->dest_postcode = r->dest_postcode;
}

void rs_history_obs(const struct rs_history_row *r, struct rs_promise_obs *o)
{
    rs_history_lane(r, &o->lane);
    rs_cal_local(r->placed_at, r->placed_off, &o->placed_day, &o->placed_minute);
    int minute;
    o->shipped_day = -1;
    if (r->has_shipped)
        rs_cal_local(r->shipped_at, r->shipped_off, &o->shipped_day, &minute);
    rs_cal_local(r->delivered_at, r->delivered_off, &o->delivered_day, &minute);
    o->reported = 0;
}
