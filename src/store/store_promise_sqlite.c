/* store_promise_sqlite.c — the SQLite side of store_promise.h (tables of 0004-promise).
 * Statements are prepared once per connection (store_sqlite.c keeps them; slots 0..14 here):
 * preparing them per call was a quarter of the write path's time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/promise.h"
#include "store/store_promise.h"
#include "store/store_sqlite_priv.h"
#include "util/timefmt.h"

/* The connection's cached statement SLOT (prepared on first use), reset and unbound. */
static sqlite3_stmt *prep(struct rs_store *s, int slot, const char *sql)
{
    return rs_store_sqlite_stmt(s, RS_STORE_SLOTS_PROMISE + slot, sql);
}

/* A shipment still on its way: there is a delivery to promise (the sweep, re-promising, early
 * breach reports). A cancelled shipment (0012) is on no one's way. */
#define ON_ITS_WAY "status NOT IN ('delivered','returning','returned','expired') AND cancelled_at=0"

/* ---- settings ---- */

static int days_from_json(const char *text, int64_t *out, int max)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        int64_t d;
        if (n < max && json_is_string(v) && rs_date_parse(json_string_value(v), &d) == RS_OK)
            out[n++] = d;
    }
    json_decref(a);
    return n;
}

static char *days_to_json(const int64_t *d, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char buf[11];
        rs_date_format(d[i], buf);
        json_array_append_new(a, json_string(buf));
    }
    char *t = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return t;
}

enum rs_err rs_store_promise_settings_get(struct rs_store *s, int64_t merchant_id,
                                          struct rs_promise_settings *out)
{
    memset(out, 0, sizeof *out);
    out->confidence = 0.90;
    out->dispatch_days = RS_PROMISE_DISPATCH_DEFAULT;
    sqlite3_stmt *q = prep(s, 0, "SELECT m.timezone,p.confidence,p.country,p.cutoff,p.holidays_add,"
                              "p.holidays_remove,p.merchant_id,p.dispatch_days FROM merchants m LEFT JOIN "
                              "promise_settings p ON p.merchant_id=m.id WHERE m.id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        rs_store_sqlite_col_copy(out->timezone, sizeof out->timezone, q, 0);
        if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
            out->confidence = sqlite3_column_double(q, 1);
            rs_store_sqlite_col_copy(out->country, sizeof out->country, q, 2);
            rs_store_sqlite_col_copy(out->cutoff, sizeof out->cutoff, q, 3);
            out->n_add = days_from_json((const char *)sqlite3_column_text(q, 4), out->add,
                                        RS_PROMISE_MAX_OVERRIDES);
            out->n_remove = days_from_json((const char *)sqlite3_column_text(q, 5), out->remove,
                                           RS_PROMISE_MAX_OVERRIDES);
            unsigned dd = (unsigned)sqlite3_column_int64(q, 7) & 0xFEu;
            out->dispatch_days = dd ? dd : RS_PROMISE_DISPATCH_DEFAULT;
        }
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    if (!out->timezone[0])
        snprintf(out->timezone, sizeof out->timezone, "UTC");
    return e;
}

enum rs_err rs_store_promise_settings_put(struct rs_store *s, int64_t merchant_id,
                                          const struct rs_promise_settings *in, int64_t now)
{
    char *add = days_to_json(in->add, in->n_add), *rem = days_to_json(in->remove, in->n_remove);
    sqlite3_stmt *q = prep(s, 1, "INSERT OR REPLACE INTO promise_settings(merchant_id,confidence,"
                              "country,cutoff,holidays_add,holidays_remove,updated_at,dispatch_days) "
                              "VALUES(?,?,?,?,?,?,?,?)");
    enum rs_err e = RS_EIO;
    if (q && add && rem) {
        sqlite3_bind_int64(q, 1, merchant_id);
        sqlite3_bind_double(q, 2, in->confidence);
        rs_store_sqlite_bind_opt(q, 3, in->country);
        rs_store_sqlite_bind_opt(q, 4, in->cutoff);
        sqlite3_bind_text(q, 5, add, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 6, rem, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 7, now);
        unsigned dd = in->dispatch_days & 0xFEu;
        sqlite3_bind_int64(q, 8, dd ? dd : RS_PROMISE_DISPATCH_DEFAULT);
        e = rs_store_sqlite_run(s, q);
        q = NULL;
    }
    sqlite3_reset(q);
    free(add);
    free(rem);
    /* the time zone is the merchant's own (its local days, its cut-off, its pages) */
    if (!e && in->timezone[0]) {
        q = prep(s, 27, "UPDATE merchants SET timezone=? WHERE id=? AND timezone IS NOT ?");
        if (!q)
            return RS_EIO;
        sqlite3_bind_text(q, 1, in->timezone, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, merchant_id);
        sqlite3_bind_text(q, 3, in->timezone, -1, SQLITE_TRANSIENT);
        e = rs_store_sqlite_run(s, q);
    }
    return e;
}

/* ---- models ---- */

enum rs_err rs_store_promise_model_put(struct rs_store *s, int64_t merchant_id, const char *text,
                                       int64_t n_learned, const char *source, int64_t now,
                                       int64_t *version)
{
    int64_t v = 0;
    enum rs_err e = rs_store_promise_model_version(s, merchant_id, &v, NULL);
    if (e && e != RS_ENOTFOUND)
        return e;
    sqlite3_stmt *q = prep(s, 2, "INSERT OR REPLACE INTO promise_models(merchant_id,version,model,"
                              "n_learned,source,trained_at) VALUES(?,?,?,?,?,?)");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, v + 1);
    sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, n_learned);
    sqlite3_bind_text(q, 5, source ? source : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, now);
    if ((e = rs_store_sqlite_run(s, q)))
        return e;
    *version = v + 1;
    return RS_OK;
}

enum rs_err rs_store_promise_model_version(struct rs_store *s, int64_t merchant_id,
                                           int64_t *version, int64_t *n_learned)
{
    sqlite3_stmt *q = prep(s, 3, "SELECT version,n_learned FROM promise_models WHERE merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(q, 0);
        if (n_learned)
            *n_learned = sqlite3_column_int64(q, 1);
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_promise_model_get(struct rs_store *s, int64_t merchant_id, int64_t *version,
                                       char **text)
{
    sqlite3_stmt *q = prep(s, 4, "SELECT version,model FROM promise_models WHERE merchant_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(q, 0);
        const char *t = (const char *)sqlite3_column_text(q, 1);
        *text = strdup(t ? t : "");
        if (!*text)
            e = RS_ENOMEM;
    } else {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

#define DELIVERY_COLS                                                                              \
    "SELECT s.id,o.placed_at,s.shipped_at,s.delivered_at,s.origin_country,s.origin_region,"          \
    "s.origin_postal_code,o.dest_country,o.dest_region,o.dest_postal_code,s.carrier,"                \
    "s.service,s.promise_reported FROM shipments s JOIN orders o ON o.id=s.order_id "

static enum rs_err deliveries_run(struct rs_store *s, sqlite3_stmt *q, rs_store_delivery_fn *fn,
                                  void *ctx, int64_t *n)
{
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct rs_store_delivery d = {
            .shipment_id = sqlite3_column_int64(q, 0),
            .placed_at = sqlite3_column_int64(q, 1),
            .shipped_at = sqlite3_column_int64(q, 2),
            .delivered_at = sqlite3_column_int64(q, 3),
            .origin_country = (const char *)sqlite3_column_text(q, 4),
            .origin_region = (const char *)sqlite3_column_text(q, 5),
            .origin_postcode = (const char *)sqlite3_column_text(q, 6),
            .dest_country = (const char *)sqlite3_column_text(q, 7),
            .dest_region = (const char *)sqlite3_column_text(q, 8),
            .dest_postcode = (const char *)sqlite3_column_text(q, 9),
            .carrier = (const char *)sqlite3_column_text(q, 10),
            .service = (const char *)sqlite3_column_text(q, 11),
            .reported = (unsigned)sqlite3_column_int(q, 12),
        };
        fn(&d, ctx);
        (*n)++;
    }
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_promise_deliveries(struct rs_store *s, int64_t merchant_id,
                                        rs_store_delivery_fn *fn, void *ctx, int64_t *n)
{
    sqlite3_stmt *q = prep(s, 12, DELIVERY_COLS "WHERE s.merchant_id=? AND s.delivered_at>0 ORDER BY s.delivered_at,s.id");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    return deliveries_run(s, q, fn, ctx, n);
}

enum rs_err rs_store_promise_deliveries_new(struct rs_store *s, int64_t merchant_id, int max,
                                            rs_store_delivery_fn *fn, void *ctx, int64_t *n)
{
    sqlite3_stmt *q = prep(s, 18, DELIVERY_COLS "WHERE s.merchant_id=? AND s.delivered_at>0 AND "
                                  "s.promise_learnt=0 ORDER BY s.delivered_at,s.id LIMIT ?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int(q, 2, max);
    return deliveries_run(s, q, fn, ctx, n);
}

/* The shipments that may break a promise, shared by rs_store_promise_overdue and the merchants
 * to visit (M: the merchant's id, ?2 since). */
#define OVERDUE_COND(M)                                                                            \
    "s.merchant_id=" M " AND s.delivered_at=0 AND s.promise_reported<>3 AND s.last_event_at>0 "   \
    "AND s." ON_ITS_WAY " AND o.placed_at>=?2 AND "                                              \
    "EXISTS (SELECT 1 FROM shipments d WHERE d.merchant_id=" M " AND d.delivered_at>=?2)"

enum rs_err rs_store_promise_overdue(struct rs_store *s, int64_t merchant_id, int64_t since,
                                     int max, rs_store_delivery_fn *fn, void *ctx, int64_t *n)
{
    sqlite3_stmt *q = prep(s, 24, DELIVERY_COLS "WHERE " OVERDUE_COND("?1") " ORDER BY s.id LIMIT ?3");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_int(q, 3, max);
    return deliveries_run(s, q, fn, ctx, n);
}

enum rs_err rs_store_promise_mark_reported(struct rs_store *s, int64_t merchant_id,
                                           int64_t shipment_id, unsigned terms)
{
    sqlite3_stmt *q = prep(s, 25, "UPDATE shipments SET promise_reported=promise_reported|? "
                                  "WHERE merchant_id=? AND id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int(q, 1, (int)terms);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_int64(q, 3, shipment_id);
    return rs_store_sqlite_run(s, q);
}

/* A new model has seen no early report. */
static enum rs_err forget_reported(struct rs_store *s, int64_t merchant_id)
{
    sqlite3_stmt *q = prep(s, 26, "UPDATE shipments SET promise_reported=0 WHERE merchant_id=? AND "
                                  "promise_reported<>0");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_promise_mark_learnt(struct rs_store *s, int64_t merchant_id, int64_t shipment_id)
{
    sqlite3_stmt *q;
    if (shipment_id > 0) {
        if (!(q = prep(s, 19, "UPDATE shipments SET promise_learnt=1 WHERE merchant_id=? AND id=?")))
            return RS_EIO;
        sqlite3_bind_int64(q, 2, shipment_id);
    } else if (!(q = prep(s, 20, "UPDATE shipments SET promise_learnt=1 WHERE merchant_id=? AND "
                                 "delivered_at>0 AND promise_learnt=0"))) {
        return RS_EIO;
    }
    sqlite3_bind_int64(q, 1, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e || shipment_id > 0 ? e : forget_reported(s, merchant_id);
}

enum rs_err rs_store_promise_forget_learnt(struct rs_store *s, int64_t merchant_id)
{
    sqlite3_stmt *q = prep(s, 22, "UPDATE shipments SET promise_learnt=0 WHERE merchant_id=? AND promise_learnt=1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    return e ? e : forget_reported(s, merchant_id);
}

enum rs_err rs_store_promise_learn_pending(struct rs_store *s, int64_t since, int64_t *ids, int max,
                                           int *n)
{
    *n = 0;
    /* ?2 = 0: no early reports asked (the OVERDUE_WHERE part is then skipped) */
    sqlite3_stmt *q = prep(s, 21, "SELECT m.merchant_id FROM promise_models m WHERE EXISTS (SELECT 1 FROM "
                                  "shipments s WHERE s.merchant_id=m.merchant_id AND s.delivered_at>0 AND "
                                  "s.promise_learnt=0) OR (?2>0 AND EXISTS (SELECT 1 FROM shipments s "
                                  "JOIN orders o ON o.id=s.order_id WHERE " OVERDUE_COND("m.merchant_id") "))"
                                  " ORDER BY m.merchant_id LIMIT ?1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int(q, 1, max);
    sqlite3_bind_int64(q, 2, since);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

/* ---- shipments ---- */

#define PROMISE_COLS "p.earliest,p.likely,p.latest,p.probability,p.confidence,p.low_confidence," \
                     "p.final,p.told_earliest,p.told_latest,p.model_version"

static void promise_cols(sqlite3_stmt *q, int i, struct rs_stored_promise *p)
{
    p->earliest = sqlite3_column_int64(q, i);
    p->likely = sqlite3_column_int64(q, i + 1);
    p->latest = sqlite3_column_int64(q, i + 2);
    p->probability = sqlite3_column_double(q, i + 3);
    p->confidence = sqlite3_column_double(q, i + 4);
    p->low_confidence = sqlite3_column_int(q, i + 5) != 0;
    p->final = sqlite3_column_int(q, i + 6) != 0;
    p->told_earliest = sqlite3_column_int64(q, i + 7);
    p->told_latest = sqlite3_column_int64(q, i + 8);
    p->model_version = sqlite3_column_int64(q, i + 9);
}

enum rs_err rs_store_promise_ship_get(struct rs_store *s, int64_t shipment_id,
                                      struct rs_promise_ship *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = prep(
        s, 13, "SELECT s.merchant_id,o.placed_at,o.placed_offset,s.origin_country,s.origin_region,"
           "s.origin_postal_code,o.dest_country,o.dest_region,o.dest_postal_code,s.carrier,"
           "s.service,s.status,s.substatus,s.status_at,s.last_event_at,s.shipped_at,"
           "s.out_for_delivery_at,s.delivered_at,m.timezone,s.order_id,s.carrier_eta_from,s.carrier_eta_to,"
           "s.carrier_eta_at,p.shipment_id," PROMISE_COLS " "
           "FROM shipments s JOIN orders o ON o.id=s.order_id JOIN merchants m ON "
           "m.id=s.merchant_id LEFT JOIN shipment_promises p ON p.shipment_id=s.id WHERE s.id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    enum rs_err e = rs_store_sqlite_row(s, q);
    if (e)
        return e;
    out->shipment_id = shipment_id;
    out->merchant_id = sqlite3_column_int64(q, 0);
    out->placed_at = sqlite3_column_int64(q, 1);
    out->placed_offset = sqlite3_column_int(q, 2);
    rs_store_sqlite_col_copy(out->origin_country, sizeof out->origin_country, q, 3);
    rs_store_sqlite_col_copy(out->origin_region, sizeof out->origin_region, q, 4);
    rs_store_sqlite_col_copy(out->origin_postcode, sizeof out->origin_postcode, q, 5);
    rs_store_sqlite_col_copy(out->dest_country, sizeof out->dest_country, q, 6);
    rs_store_sqlite_col_copy(out->dest_region, sizeof out->dest_region, q, 7);
    rs_store_sqlite_col_copy(out->dest_postcode, sizeof out->dest_postcode, q, 8);
    rs_store_sqlite_col_copy(out->carrier, sizeof out->carrier, q, 9);
    rs_store_sqlite_col_copy(out->service, sizeof out->service, q, 10);
    out->status = rs_status_parse((const char *)sqlite3_column_text(q, 11));
    out->substatus = rs_substatus_parse((const char *)sqlite3_column_text(q, 12));
    out->status_at = sqlite3_column_int64(q, 13);
    out->last_event_at = sqlite3_column_int64(q, 14);
    out->shipped_at = sqlite3_column_int64(q, 15);
    out->out_for_delivery_at = sqlite3_column_int64(q, 16);
    out->delivered_at = sqlite3_column_int64(q, 17);
    rs_store_sqlite_col_copy(out->timezone, sizeof out->timezone, q, 18);
    if (!out->timezone[0])
        snprintf(out->timezone, sizeof out->timezone, "UTC");
    out->order_id = sqlite3_column_int64(q, 19);
    const char *ef = (const char *)sqlite3_column_text(q, 20), *et = (const char *)sqlite3_column_text(q, 21);
    if (!ef || !et || rs_date_parse(ef, &out->eta_from) != RS_OK || rs_date_parse(et, &out->eta_to) != RS_OK)
        out->eta_from = out->eta_to = -1;
    out->eta_at = sqlite3_column_int64(q, 22); /* NULL: 0 */
    out->has_promise = sqlite3_column_type(q, 23) != SQLITE_NULL;
    if (out->has_promise)
        promise_cols(q, 24, &out->promise);
    sqlite3_reset(q);
    return RS_OK;
}

enum rs_err rs_store_shipment_eta_set(struct rs_store *s, int64_t shipment_id, const char *from, const char *to,
                                      int64_t as_of, bool *changed)
{
    *changed = false;
    sqlite3_stmt *q = prep(s, 28, "SELECT carrier_eta_from,carrier_eta_to,carrier_eta_at FROM shipments WHERE id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    enum rs_err e = rs_store_sqlite_row(s, q);
    if (e)
        return e;
    char was_from[16], was_to[16];
    rs_store_sqlite_col_copy(was_from, sizeof was_from, q, 0);
    rs_store_sqlite_col_copy(was_to, sizeof was_to, q, 1);
    bool older = sqlite3_column_type(q, 2) != SQLITE_NULL && sqlite3_column_int64(q, 2) > as_of;
    sqlite3_reset(q);
    if (older) /* a newer estimate is stored: this one was delivered late */
        return RS_OK;
    *changed = strcmp(was_from, from) != 0 || strcmp(was_to, to) != 0;
    if (!(q = prep(s, 29, "UPDATE shipments SET carrier_eta_from=?,carrier_eta_to=?,carrier_eta_at=? WHERE id=?")))
        return RS_EIO;
    sqlite3_bind_text(q, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, as_of);
    sqlite3_bind_int64(q, 4, shipment_id);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_promise_save(struct rs_store *s, int64_t shipment_id, int64_t merchant_id,
                                  const struct rs_stored_promise *p, int64_t now)
{
    sqlite3_stmt *q = prep(
        s, 14, "INSERT INTO shipment_promises(shipment_id,merchant_id,earliest,likely,latest,"
           "probability,confidence,low_confidence,final,told_earliest,told_latest,model_version,"
           "created_at,updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
           "ON CONFLICT(shipment_id) DO UPDATE SET earliest=excluded.earliest,"
           "likely=excluded.likely,latest=excluded.latest,probability=excluded.probability,"
           "confidence=excluded.confidence,low_confidence=excluded.low_confidence,"
           "final=excluded.final,told_earliest=excluded.told_earliest,"
           "told_latest=excluded.told_latest,model_version=excluded.model_version,"
           "updated_at=excluded.updated_at");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_int64(q, 3, p->earliest);
    sqlite3_bind_int64(q, 4, p->likely);
    sqlite3_bind_int64(q, 5, p->latest);
    sqlite3_bind_double(q, 6, p->probability);
    sqlite3_bind_double(q, 7, p->confidence);
    sqlite3_bind_int(q, 8, p->low_confidence);
    sqlite3_bind_int(q, 9, p->final);
    sqlite3_bind_int64(q, 10, p->told_earliest);
    sqlite3_bind_int64(q, 11, p->told_latest);
    sqlite3_bind_int64(q, 12, p->model_version);
    sqlite3_bind_int64(q, 13, now);
    sqlite3_bind_int64(q, 14, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_promise_set_told(struct rs_store *s, int64_t shipment_id, int64_t earliest,
                                      int64_t latest, int64_t now)
{
    sqlite3_stmt *q = prep(s, 5, "UPDATE shipment_promises SET told_earliest=?,told_latest=?,"
                              "updated_at=? WHERE shipment_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, earliest);
    sqlite3_bind_int64(q, 2, latest);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int64(q, 4, shipment_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e && sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        e = RS_ENOTFOUND;
    return e;
}

enum rs_err rs_store_promise_history_add(struct rs_store *s, int64_t shipment_id,
                                         int64_t merchant_id, int64_t at, const char *reason,
                                         const struct rs_stored_promise *old,
                                         const struct rs_stored_promise *np)
{
    sqlite3_stmt *q = prep(s, 6, "INSERT INTO promise_history(shipment_id,merchant_id,at,reason,"
                              "old_earliest,old_latest,new_earliest,new_likely,new_latest,"
                              "probability) VALUES(?,?,?,?,?,?,?,?,?,?)");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_int64(q, 3, at);
    sqlite3_bind_text(q, 4, reason, -1, SQLITE_TRANSIENT);
    if (old) {
        sqlite3_bind_int64(q, 5, old->earliest);
        sqlite3_bind_int64(q, 6, old->latest);
    }
    sqlite3_bind_int64(q, 7, np->earliest);
    sqlite3_bind_int64(q, 8, np->likely);
    sqlite3_bind_int64(q, 9, np->latest);
    sqlite3_bind_double(q, 10, np->probability);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_delay_add(struct rs_store *s, int64_t shipment_id, int64_t merchant_id,
                               const char *cause, int64_t window_key, int64_t detected_at,
                               const char *details, bool *inserted)
{
    sqlite3_stmt *q = prep(s, 7, "INSERT INTO shipment_delays(shipment_id,merchant_id,cause,"
                              "window_key,detected_at,details) VALUES(?,?,?,?,?,?) "
                              "ON CONFLICT(shipment_id,cause,window_key) DO NOTHING");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_text(q, 3, cause, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, window_key);
    sqlite3_bind_int64(q, 5, detected_at);
    sqlite3_bind_text(q, 6, details ? details : "{}", -1, SQLITE_TRANSIENT);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (!e && inserted)
        *inserted = sqlite3_changes(rs_store_sqlite_db(s)) > 0;
    return e;
}

enum rs_err rs_store_promise_open_shipments(struct rs_store *s, int64_t after, int64_t *ids,
                                            int max, int *n)
{
    sqlite3_stmt *q = prep(s, 8, "SELECT id FROM shipments WHERE id>? AND " ON_ITS_WAY " ORDER BY id LIMIT ?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int(q, 2, max);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

enum rs_err rs_store_promise_order_shipments(struct rs_store *s, int64_t order_id, int64_t *ids,
                                             int max, int *n)
{
    sqlite3_stmt *q = prep(s, 23, "SELECT id FROM shipments WHERE order_id=? AND " ON_ITS_WAY " ORDER BY id");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, order_id);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

/* ---- JSON ---- */

static json_t *day_json(int64_t d)
{
    char buf[11];
    rs_date_format(d, buf);
    return json_string(buf);
}

enum rs_err rs_store_promise_attach_json(struct rs_store *s, int64_t shipment_id, bool public_view,
                                         json_t *sh)
{
    sqlite3_stmt *q = prep(s, 9, "SELECT " PROMISE_COLS " FROM shipment_promises p "
                              "WHERE p.shipment_id=?");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    json_t *slipped = NULL; /* the public "previous" window, when there is one */
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct rs_stored_promise p;
        promise_cols(q, 0, &p);
        json_t *j = json_object();
        json_object_set_new(j, "earliest", day_json(p.earliest));
        json_object_set_new(j, "latest", day_json(p.latest));
        if (!public_view) {
            json_object_set_new(j, "likely", day_json(p.likely));
            json_object_set_new(j, "probability", json_real(p.probability));
            json_object_set_new(j, "confidence", json_real(p.confidence));
            json_object_set_new(j, "low_confidence", json_boolean(p.low_confidence));
            json_object_set_new(j, "final", json_boolean(p.final));
            json_object_set_new(j, "told_earliest", day_json(p.told_earliest));
            json_object_set_new(j, "told_latest", day_json(p.told_latest));
            json_object_set_new(j, "model_version", json_integer(p.model_version));
        } else if (!p.final && p.told_latest > 0 && p.latest > p.told_latest) {
            /* a slip: the customer sees the window they were told, and that it moved */
            json_t *was = json_object();
            json_object_set_new(was, "earliest", day_json(p.told_earliest));
            json_object_set_new(was, "latest", day_json(p.told_latest));
            json_object_set_new(j, "previous", was);
            slipped = was;
        }
        json_object_set_new(sh, "promise", j);
    } else {
        json_object_set_new(sh, "promise", json_null());
    }
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    if (!e && slipped) {
        /* why: the last change that moved the window later, in public words (core/promise.h) */
        if (!(q = prep(s, 30, "SELECT reason FROM promise_history WHERE shipment_id=? AND "
                              "new_latest>old_latest ORDER BY id DESC LIMIT 1")))
            return RS_EIO;
        sqlite3_bind_int64(q, 1, shipment_id);
        rc = sqlite3_step(q);
        const char *why = rc == SQLITE_ROW ? rs_promise_public_reason((const char *)sqlite3_column_text(q, 0))
                                           : NULL;
        if (why)
            json_object_set_new(slipped, "reason", json_string(why));
        e = rs_store_sqlite_rc(s, rc);
        sqlite3_reset(q);
    }
    if (e || public_view)
        return e;

    json_t *hist = json_array();
    q = prep(s, 10, "SELECT at,reason,old_earliest,old_latest,new_earliest,new_likely,new_latest,"
                "probability FROM promise_history WHERE shipment_id=? ORDER BY id");
    if (!q) {
        json_decref(hist);
        return RS_EIO;
    }
    sqlite3_bind_int64(q, 1, shipment_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char t[RS_TIME_LEN];
        rs_time_format(sqlite3_column_int64(q, 0), 0, t);
        json_t *h = json_pack("{s:s,s:s}", "at", t, "reason", (const char *)sqlite3_column_text(q, 1));
        bool has_old = sqlite3_column_type(q, 2) != SQLITE_NULL;
        json_object_set_new(h, "old_earliest", has_old ? day_json(sqlite3_column_int64(q, 2)) : json_null());
        json_object_set_new(h, "old_latest", has_old ? day_json(sqlite3_column_int64(q, 3)) : json_null());
        json_object_set_new(h, "earliest", day_json(sqlite3_column_int64(q, 4)));
        json_object_set_new(h, "likely", day_json(sqlite3_column_int64(q, 5)));
        json_object_set_new(h, "latest", day_json(sqlite3_column_int64(q, 6)));
        json_object_set_new(h, "probability", json_real(sqlite3_column_double(q, 7)));
        json_array_append_new(hist, h);
    }
    e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    json_object_set_new(sh, "promise_history", hist);
    if (e)
        return e;

    json_t *delays = json_array();
    q = prep(s, 11, "SELECT cause,detected_at,details FROM shipment_delays WHERE shipment_id=? "
                "ORDER BY id");
    if (!q) {
        json_decref(delays);
        return RS_EIO;
    }
    sqlite3_bind_int64(q, 1, shipment_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char t[RS_TIME_LEN];
        rs_time_format(sqlite3_column_int64(q, 1), 0, t);
        const char *d = (const char *)sqlite3_column_text(q, 2);
        json_t *dj = d ? json_loads(d, 0, NULL) : NULL;
        json_t *x = json_pack("{s:s,s:s}", "cause", (const char *)sqlite3_column_text(q, 0),
                              "detected_at", t);
        json_object_set_new(x, "details", dj ? dj : json_object());
        json_array_append_new(delays, x);
    }
    e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    json_object_set_new(sh, "delays", delays);
    return e;
}

enum rs_err rs_store_promise_first_latest(struct rs_store *s, int64_t shipment_id, int64_t *day)
{
    sqlite3_stmt *q = prep(s, 15, "SELECT new_latest FROM promise_history WHERE shipment_id=? ORDER BY id LIMIT 1");
    if (!q)
        return RS_EIO;
    sqlite3_bind_int64(q, 1, shipment_id);
    int rc = sqlite3_step(q);
    enum rs_err e = rc == SQLITE_ROW ? RS_OK : rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    if (rc == SQLITE_ROW)
        *day = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return e;
}

/* ---- scan cadence per lane ---- */

/* The merchant's latest shipments looked at (the query runs on the writer's connection, so it
 * stays a few milliseconds however large the history). */
#define SCAN_GAPS_SHIPMENTS "2000"

/* The in-transit gaps of the merchant's shipments (LAG over each shipment's scans from its
 * first in-transit scan to its delivery), by lane, sorted so that each lane's gaps come
 * together in ascending order; SERVICE is the service column, or '*' for the carrier level. */
#define SCAN_GAPS_SQL(service)                                                                     \
    "WITH t AS (SELECT e.shipment_id AS sid, e.occurred_at AS at, s.carrier AS c, " service " AS sv " \
    "FROM (SELECT id, carrier, service, shipped_at, delivered_at FROM shipments WHERE "            \
    "merchant_id=?1 AND shipped_at>0 ORDER BY id DESC LIMIT " SCAN_GAPS_SHIPMENTS ") s "            \
    "JOIN events e ON e.shipment_id=s.id WHERE "                                                    \
    "e.occurred_at>=s.shipped_at AND e.occurred_at>=?2 AND "                                         \
    "(s.delivered_at=0 OR e.occurred_at<=s.delivered_at)), "                                        \
    "g AS (SELECT c, sv, at - LAG(at) OVER (PARTITION BY sid ORDER BY at) AS gap FROM t) "           \
    "SELECT c, sv, gap FROM g WHERE gap > 0 ORDER BY c, sv, gap"

static void gap_lane_done(const char *c, const char *sv, const int64_t *gaps, int ng, int min_n,
                          struct rs_scan_gap *out, int max, int *n)
{
    if (ng < min_n || ng < 1 || *n >= max)
        return;
    struct rs_scan_gap *g = &out[(*n)++];
    snprintf(g->carrier, sizeof g->carrier, "%s", c);
    snprintf(g->service, sizeof g->service, "%s", sv);
    g->gap_s = gaps[(int)(0.9 * (ng - 1))];
    g->n = ng;
}

static enum rs_err scan_gaps_run(struct rs_store *s, sqlite3_stmt *q, int64_t merchant_id,
                                 int64_t since, int min_n, struct rs_scan_gap *out, int max, int *n)
{
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, since);
    char c[64] = "", sv[64] = "";
    int64_t *gaps = NULL;
    int ng = 0, cap = 0, rc;
    enum rs_err e = RS_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *rc_c = (const char *)sqlite3_column_text(q, 0);
        const char *rc_sv = (const char *)sqlite3_column_text(q, 1);
        if (!rc_c)
            rc_c = "";
        if (!rc_sv)
            rc_sv = "";
        if (ng > 0 && (strncmp(rc_c, c, sizeof c - 1) != 0 || strncmp(rc_sv, sv, sizeof sv - 1) != 0)) {
            gap_lane_done(c, sv, gaps, ng, min_n, out, max, n);
            ng = 0;
        }
        if (ng == 0) {
            snprintf(c, sizeof c, "%s", rc_c);
            snprintf(sv, sizeof sv, "%s", rc_sv);
        }
        if (ng == cap) {
            int ncap = cap ? cap * 2 : 256;
            int64_t *grown = realloc(gaps, (size_t)ncap * sizeof *gaps);
            if (!grown) {
                e = RS_ENOMEM;
                break;
            }
            gaps = grown;
            cap = ncap;
        }
        gaps[ng++] = sqlite3_column_int64(q, 2);
    }
    if (!e) {
        e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
        if (!e)
            gap_lane_done(c, sv, gaps, ng, min_n, out, max, n);
    }
    free(gaps);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_scan_gaps(struct rs_store *s, int64_t merchant_id, int64_t since, int min_n,
                               struct rs_scan_gap *out, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *lane = prep(s, 16, SCAN_GAPS_SQL("COALESCE(s.service,'')"));
    sqlite3_stmt *carrier = prep(s, 17, SCAN_GAPS_SQL("'*'"));
    if (!lane || !carrier)
        return RS_EIO;
    enum rs_err e = scan_gaps_run(s, lane, merchant_id, since, min_n, out, max, n);
    if (!e)
        e = scan_gaps_run(s, carrier, merchant_id, since, min_n, out, max, n);
    return e;
}
