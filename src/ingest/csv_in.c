/* csv_in.c — import CSV rows into input records (see csv_in.h). */
#include "ingest/csv_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/timefmt.h"
#include "util/tz.h"

static const char *const col_names[RS_CSV__COUNT] = {
    [RS_CSV_ORDER_REF] = "order_ref",
    [RS_CSV_PLACED_AT] = "placed_at",
    [RS_CSV_ORDER_STATUS] = "order_status",
    [RS_CSV_CUSTOMER_NAME] = "customer_name",
    [RS_CSV_CUSTOMER_EMAIL] = "customer_email",
    [RS_CSV_CUSTOMER_PHONE] = "customer_phone",
    [RS_CSV_CUSTOMER_LOCALE] = "customer_locale",
    [RS_CSV_PREFERRED_CHANNEL] = "preferred_channel",
    [RS_CSV_CUSTOMER_TIMEZONE] = "customer_timezone",
    [RS_CSV_DEST_POSTAL_CODE] = "destination_postal_code",
    [RS_CSV_DEST_CITY] = "destination_city",
    [RS_CSV_DEST_REGION] = "destination_region",
    [RS_CSV_DEST_COUNTRY] = "destination_country",
    [RS_CSV_ITEMS] = "items",
    [RS_CSV_CARRIER] = "carrier",
    [RS_CSV_TRACKING_NUMBER] = "tracking_number",
    [RS_CSV_SERVICE] = "service",
    [RS_CSV_ORIGIN_POSTAL_CODE] = "origin_postal_code",
    [RS_CSV_ORIGIN_CITY] = "origin_city",
    [RS_CSV_ORIGIN_REGION] = "origin_region",
    [RS_CSV_ORIGIN_COUNTRY] = "origin_country",
    [RS_CSV_OCCURRED_AT] = "occurred_at",
    [RS_CSV_STATUS] = "status",
    [RS_CSV_SUBSTATUS] = "substatus",
    [RS_CSV_CODE] = "code",
    [RS_CSV_MESSAGE] = "message",
    [RS_CSV_EVENT_CITY] = "event_city",
    [RS_CSV_EVENT_REGION] = "event_region",
    [RS_CSV_EVENT_COUNTRY] = "event_country",
    [RS_CSV_PICKUP_NAME] = "pickup_name",
    [RS_CSV_PICKUP_ADDRESS] = "pickup_address",
    [RS_CSV_PICKUP_DEADLINE] = "pickup_deadline",
    [RS_CSV_CARRIER_ESTIMATE_FROM] = "carrier_estimate_from",
    [RS_CSV_CARRIER_ESTIMATE_TO] = "carrier_estimate_to",
};

static enum rs_err fail(struct rs_app_error *err, const char *code, const char *msg, const char *arg)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, msg, arg ? arg : "");
    return RS_EINVAL;
}

/* A local time as spreadsheets write it: "2026-11-23 14:05[:SS]" (or with a T) or
 * "23/11/2026 14:05[:SS]" (day first, as in Spain and Latin America). OUT: the wall time written
 * as if it were UTC seconds. */
static bool local_wall(const char *s, int64_t *wall)
{
    int y, mo, d, hh, mi, ss = 0, n = 0, n2 = 0;
    char t;
    if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &t, &hh, &mi, &n) == 6 && (t == ' ' || t == 'T')) {
    } else if (sscanf(s, "%2d/%2d/%4d %2d:%2d%n", &d, &mo, &y, &hh, &mi, &n) == 5 && y >= 1000) {
    } else {
        return false;
    }
    if (s[n] == ':') {
        if (sscanf(s + n, ":%2d%n", &ss, &n2) != 1)
            return false;
        n += n2;
    }
    if (s[n] || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 59 || hh < 0 || mi < 0 || ss < 0)
        return false;
    int64_t days = rs_days_from_civil(y, mo, d);
    int cy, cm, cd;
    rs_civil_from_days(days, &cy, &cm, &cd);
    if (cy != y || cm != mo || cd != d) /* 31/02 */
        return false;
    *wall = days * 86400 + hh * 3600 + mi * 60 + ss;
    return true;
}

/* Column COL's time S: RFC 3339 with an offset, or, with h->zone, a local time there. */
static enum rs_err when(const struct rs_csv_header *h, const char *col, const char *s, int64_t *epoch, int *off,
                        struct rs_app_error *err)
{
    if (rs_time_parse(s, false, epoch, off) == RS_OK)
        return RS_OK;
    int64_t wall;
    bool local = local_wall(s, &wall);
    if (local && h->zone) {
        int64_t day = wall / 86400; /* a wall time before 1970 is not a shop's order */
        if (wall >= 0 && rs_tz_instant(h->zone, day, (int)(wall % 86400) / 60, epoch) == RS_OK &&
            rs_tz_offset(h->zone, *epoch + wall % 60, off) == RS_OK) {
            *epoch += wall % 60;
            return RS_OK;
        }
    }
    err->code = "invalid_field";
    if (local) /* only the offset is missing: say how to give it */
        snprintf(err->message, sizeof err->message,
                 "%s \"%.40s\" has no UTC offset: write it as 2026-11-23T14:05:00+01:00, or import with "
                 "--timezone %s to read the file's times there",
                 col, s, h->shop_zone && *h->shop_zone ? h->shop_zone : "ZONE (e.g. Europe/Madrid)");
    else
        snprintf(err->message, sizeof err->message,
                 "%s \"%.40s\" is not a time: write 2026-11-23T14:05:00+01:00%s", col, s,
                 h->zone ? " or, in the --timezone, 2026-11-23 14:05 or 23/11/2026 14:05" : " (RFC 3339 with offset)");
    return RS_EINVAL;
}

enum rs_err rs_csv_header_parse(char **fields, int n, struct rs_csv_header *h, struct rs_app_error *err)
{
    memset(h, 0, sizeof *h);
    for (int c = 0; c < RS_CSV__COUNT; c++)
        h->col[c] = -1;
    for (int i = 0; i < n; i++) {
        /* tolerate upper case and spaces in header names ("Order Ref" is order_ref); a column
         * without a name is a spreadsheet's empty trailing column (",,," / ";;;") */
        char name[64];
        if (!rs_csv_name_norm(fields[i], name, sizeof name))
            continue;
        int found = -1;
        for (int c = 0; c < RS_CSV__COUNT; c++)
            if (strcmp(name, col_names[c]) == 0)
                found = c;
        if (found < 0) {
            size_t used = strlen(h->unknown);
            snprintf(h->unknown + used, sizeof h->unknown - used, "%s%.40s", h->n_unknown ? ", " : "", fields[i]);
            h->n_unknown++;
            continue;
        }
        if (h->col[found] >= 0)
            return fail(err, "invalid_header", "column \"%s\" appears twice in the header", col_names[found]);
        h->col[found] = i;
    }
    if (h->col[RS_CSV_ORDER_REF] < 0)
        return fail(err, "invalid_header", "the header has no order_ref column (see docs/import.md)%s", NULL);
    return RS_OK;
}

static const char *f(const struct rs_csv_header *h, char **fields, int n, enum rs_csv_col c)
{
    int i = h->col[c];
    if (i < 0 || i >= n || !fields[i][0])
        return NULL;
    return fields[i];
}

/* "A1:2;B7:1" or "A1;B7" → items (split in place). */
static enum rs_err parse_items(char *s, struct rs_item_in *items, int *n, struct rs_app_error *err)
{
    *n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (*n >= RS_MAX_ITEMS)
            return fail(err, "invalid_field", "items may hold at most 200 entries%s", NULL);
        char *colon = strrchr(tok, ':');
        int qty = 1;
        if (colon) {
            char *end;
            long q = strtol(colon + 1, &end, 10);
            if (end == colon + 1 || *end || q < 1 || q > 100000)
                return fail(err, "invalid_field", "items: \"%.60s\" must be SKU or SKU:QUANTITY (1-100000)", tok);
            *colon = '\0';
            qty = (int)q;
        }
        items[*n].sku = tok;
        items[*n].name = NULL;
        items[*n].quantity = qty;
        (*n)++;
    }
    return RS_OK;
}

/* A spreadsheet cell's line breaks (Alt+Enter in Excel: an address or a note on two lines,
 * quoted in the file) as one SEP each run, none at either end: every field Rastro keeps is one
 * line of text, and the API refuses control characters. SEP is ';' for items, one per line
 * being a list. In place. */
static void fold_breaks(char *v, char sep)
{
    char *w = v;
    for (const char *p = v; *p; p++) {
        if (*p != '\r' && *p != '\n') {
            *w++ = *p;
            continue;
        }
        while (p[1] == '\r' || p[1] == '\n')
            p++;
        if (w != v && p[1])
            *w++ = sep;
    }
    *w = '\0';
}

enum rs_err rs_csv_row_parse(const struct rs_csv_header *h, char **fields, int n, struct rs_csv_row *row,
                             struct rs_item_in *items, struct rs_app_error *err)
{
    memset(row, 0, sizeof *row);
    for (int c = 0; c < RS_CSV__COUNT; c++)
        if (h->col[c] >= 0 && h->col[c] < n && strpbrk(fields[h->col[c]], "\r\n"))
            fold_breaks(fields[h->col[c]], c == RS_CSV_ITEMS ? ';' : ' ');
    /* A spreadsheet saved in its legacy encoding (Windows-1252: "José", "Cádiz") would store
     * bytes no page, API answer or message can show: refuse the row and say how to save it. */
    for (int c = 0; c < RS_CSV__COUNT; c++) {
        const char *v = f(h, fields, n, (enum rs_csv_col)c);
        if (v && !rs_csv_utf8(v))
            return fail(err, "invalid_encoding",
                        "%s is not UTF-8 text (an accent in another encoding?): save the file as UTF-8, "
                        "in Excel \"CSV UTF-8\"",
                        col_names[c]);
    }
    const char *ref = f(h, fields, n, RS_CSV_ORDER_REF);
    if (!ref)
        return fail(err, "missing_field", "order_ref is empty%s", NULL);
    const char *placed = f(h, fields, n, RS_CSV_PLACED_AT);
    if (placed) {
        struct rs_order_in *o = &row->order;
        row->has_order = true;
        o->order_ref = ref;
        if (when(h, "placed_at", placed, &o->placed_at, &o->placed_offset_min, err))
            return RS_EINVAL;
        o->customer.name = f(h, fields, n, RS_CSV_CUSTOMER_NAME);
        o->customer.email = f(h, fields, n, RS_CSV_CUSTOMER_EMAIL);
        o->customer.phone = f(h, fields, n, RS_CSV_CUSTOMER_PHONE);
        o->customer.locale = f(h, fields, n, RS_CSV_CUSTOMER_LOCALE);
        o->customer.preferred_channel = f(h, fields, n, RS_CSV_PREFERRED_CHANNEL);
        o->customer.timezone = f(h, fields, n, RS_CSV_CUSTOMER_TIMEZONE);
        o->destination.postal_code = f(h, fields, n, RS_CSV_DEST_POSTAL_CODE);
        o->destination.city = f(h, fields, n, RS_CSV_DEST_CITY);
        o->destination.region = f(h, fields, n, RS_CSV_DEST_REGION);
        o->destination.country = f(h, fields, n, RS_CSV_DEST_COUNTRY);
        const char *st = f(h, fields, n, RS_CSV_ORDER_STATUS);
        o->base_status = RS_ORDER_PLACED;
        if (st) {
            int v = rs_order_status_parse(st);
            if (v != RS_ORDER_PLACED && v != RS_ORDER_PROCESSING && v != RS_ORDER_CANCELLED)
                return fail(err, "invalid_field", "order_status \"%.40s\" must be placed, processing or cancelled", st);
            o->base_status = (enum rs_order_status)v;
        }
        int ic = h->col[RS_CSV_ITEMS];
        if (ic >= 0 && ic < n && fields[ic][0]) {
            enum rs_err e = parse_items(fields[ic], items, &o->n_items, err);
            if (e)
                return e;
        }
        o->items = items;
        o->source = "csv";
    }
    const char *carrier = f(h, fields, n, RS_CSV_CARRIER), *number = f(h, fields, n, RS_CSV_TRACKING_NUMBER);
    if (carrier || number) {
        if (!carrier || !number)
            return fail(err, "missing_field", "a shipment needs both carrier and tracking_number%s", NULL);
        struct rs_shipment_in *s = &row->shipment;
        row->has_shipment = true;
        s->order_ref = ref;
        s->carrier = carrier;
        s->tracking_number = number;
        s->service = f(h, fields, n, RS_CSV_SERVICE);
        s->origin.postal_code = f(h, fields, n, RS_CSV_ORIGIN_POSTAL_CODE);
        s->origin.city = f(h, fields, n, RS_CSV_ORIGIN_CITY);
        s->origin.region = f(h, fields, n, RS_CSV_ORIGIN_REGION);
        s->origin.country = f(h, fields, n, RS_CSV_ORIGIN_COUNTRY);
        /* the carrier's estimate, as of the import (the file's last row for it wins); checked
         * like POST /v1/shipments "carrier_estimate" by rs_app_shipment_prepare */
        s->eta.from = f(h, fields, n, RS_CSV_CARRIER_ESTIMATE_FROM);
        s->eta.to = f(h, fields, n, RS_CSV_CARRIER_ESTIMATE_TO);
        s->source = "csv";
    }
    const char *occ = f(h, fields, n, RS_CSV_OCCURRED_AT);
    if (occ) {
        if (!row->has_shipment)
            return fail(err, "missing_field", "an event (occurred_at) needs carrier and tracking_number%s", NULL);
        struct rs_event_in *e = &row->event;
        row->has_event = true;
        e->carrier = carrier;
        e->tracking_number = number;
        if (when(h, "occurred_at", occ, &e->occurred_at, &e->offset_min, err))
            return RS_EINVAL;
        const char *st = f(h, fields, n, RS_CSV_STATUS), *sub = f(h, fields, n, RS_CSV_SUBSTATUS);
        if (st && (e->status = rs_status_parse(st)) == RS_STATUS_NONE)
            return fail(err, "invalid_field", "status \"%.40s\" is not a canonical status (docs/statuses.md)", st);
        if (sub && (e->substatus = rs_substatus_parse(sub)) == RS_SUB_NONE)
            return fail(err, "invalid_field", "substatus \"%.40s\" is not a canonical sub-status", sub);
        e->code = f(h, fields, n, RS_CSV_CODE);
        e->message = f(h, fields, n, RS_CSV_MESSAGE);
        e->location.city = f(h, fields, n, RS_CSV_EVENT_CITY);
        e->location.region = f(h, fields, n, RS_CSV_EVENT_REGION);
        e->location.country = f(h, fields, n, RS_CSV_EVENT_COUNTRY);
        e->pickup.name = f(h, fields, n, RS_CSV_PICKUP_NAME);
        e->pickup.address = f(h, fields, n, RS_CSV_PICKUP_ADDRESS);
        e->pickup.deadline = f(h, fields, n, RS_CSV_PICKUP_DEADLINE);
        e->source = "csv";
    }
    if (!row->has_order && !row->has_shipment)
        return fail(err, "missing_field", "the row has neither placed_at (an order) nor carrier + tracking_number%s", NULL);
    return RS_OK;
}
