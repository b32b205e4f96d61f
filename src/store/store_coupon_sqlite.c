/* store_coupon_sqlite.c — SQLite side of store_coupon.h (table coupons of 0006-consent).
 * Rare statements: prepared per call. */
#include "store/store_coupon.h"

#include <stdio.h>
#include <string.h>

#include "store/store_sqlite_priv.h"
#include "util/timefmt.h"

static enum rs_err prep(struct rs_store *s, const char *sql, sqlite3_stmt **q)
{
    int rc = sqlite3_prepare_v2(rs_store_sqlite_db(s), sql, -1, q, NULL);
    return rc == SQLITE_OK ? RS_OK : rs_store_sqlite_rc(s, rc);
}

enum rs_err rs_store_coupon_add(struct rs_store *s, const struct rs_coupon *c, const char *details_json,
                                int64_t now, int64_t *id)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "INSERT INTO coupons(merchant_id,order_id,shipment_id,code,kind,value_cents,currency,reason,"
                         "details,expires_at,created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?) "
                         "ON CONFLICT(shipment_id,reason) DO NOTHING",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, c->merchant_id);
    sqlite3_bind_int64(q, 2, c->order_id);
    if (c->shipment_id)
        sqlite3_bind_int64(q, 3, c->shipment_id);
    sqlite3_bind_text(q, 4, c->code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, c->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, c->value_cents);
    if (c->currency[0])
        sqlite3_bind_text(q, 7, c->currency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 8, c->reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 9, details_json ? details_json : "{}", -1, SQLITE_TRANSIENT);
    if (c->expires_at > 0)
        sqlite3_bind_int64(q, 10, c->expires_at);
    sqlite3_bind_int64(q, 11, now);
    int rc = sqlite3_step(q);
    e = rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e)
        return e;
    if (sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        return RS_EDUPLICATE;
    *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return RS_OK;
}

#define COUPON_COLS                                                                                     \
    "c.id,c.merchant_id,c.order_id,coalesce(c.shipment_id,0),c.code,c.kind,c.value_cents,c.currency,"   \
    "c.reason,coalesce(c.expires_at,0),c.created_at,c.details,s.tracking_number,c.issued_by,c.incident_id"

static void coupon_row(sqlite3_stmt *q, struct rs_coupon *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, 0);
    c->merchant_id = sqlite3_column_int64(q, 1);
    c->order_id = sqlite3_column_int64(q, 2);
    c->shipment_id = sqlite3_column_int64(q, 3);
    rs_store_sqlite_col_copy(c->code, sizeof c->code, q, 4);
    rs_store_sqlite_col_copy(c->kind, sizeof c->kind, q, 5);
    c->value_cents = sqlite3_column_int64(q, 6);
    rs_store_sqlite_col_copy(c->currency, sizeof c->currency, q, 7);
    rs_store_sqlite_col_copy(c->reason, sizeof c->reason, q, 8);
    c->expires_at = sqlite3_column_int64(q, 9);
    c->created_at = sqlite3_column_int64(q, 10);
}

enum rs_err rs_store_coupon_get(struct rs_store *s, int64_t id, struct rs_coupon *out)
{
    sqlite3_stmt *q;
    enum rs_err e =
        prep(s, "SELECT " COUPON_COLS " FROM coupons c LEFT JOIN shipments s ON s.id=c.shipment_id WHERE c.id=?", &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        coupon_row(q, out);
    else
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_coupons_of_order(struct rs_store *s, int64_t order_id, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT " COUPON_COLS " FROM coupons c LEFT JOIN shipments s ON s.id=c.shipment_id "
                         "WHERE c.order_id=? ORDER BY c.id",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, order_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct rs_coupon c;
        coupon_row(q, &c);
        json_t *j = json_object();
        json_object_set_new(j, "code", json_string(c.code));
        json_object_set_new(j, "kind", json_string(c.kind));
        json_object_set_new(j, "value", json_real((double)c.value_cents / 100.0));
        json_object_set_new(j, "currency", c.currency[0] ? json_string(c.currency) : json_null());
        json_object_set_new(j, "reason", json_string(c.reason));
        const char *d = (const char *)sqlite3_column_text(q, 11);
        json_t *dj = d ? json_loads(d, 0, NULL) : NULL;
        json_object_set_new(j, "details", dj ? dj : json_object());
        const char *tn = (const char *)sqlite3_column_text(q, 12);
        json_object_set_new(j, "tracking_number", tn ? json_string(tn) : json_null());
        json_object_set_new(j, "issued_by", rs_store_sqlite_col_str(q, 13)); /* NULL: compensation */
        json_object_set_new(j, "incident_id",
                            sqlite3_column_type(q, 14) == SQLITE_NULL ? json_null()
                                                                       : json_integer(sqlite3_column_int64(q, 14)));
        json_object_set_new(j, "expires_at", rs_store_sqlite_col_time(q, 9, 0));
        json_object_set_new(j, "created_at", rs_store_sqlite_col_time(q, 10, 0));
        json_array_append_new(arr, j);
    }
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_coupons_json(struct rs_store *s, int64_t merchant_id, const char *order_ref, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s, "SELECT id FROM orders WHERE merchant_id=? AND order_ref=?", &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, order_ref, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    int64_t order_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    e = rc == SQLITE_ROW ? RS_OK : rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e ? e : rs_store_coupons_of_order(s, order_id, out);
}

enum rs_err rs_store_coupon_resent(struct rs_store *s, int64_t order_id, const char *issued_by,
                                   const struct rs_coupon *c, int64_t since, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT id FROM coupons WHERE order_id=?1 AND issued_by=?2 AND incident_id IS NULL AND "
                         "kind=?3 AND value_cents=?4 AND coalesce(currency,'')=?5 AND reason=?6 AND "
                         "(?7=0 OR expires_at=?7) AND created_at>=?8 ORDER BY id DESC LIMIT 1",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, order_id);
    sqlite3_bind_text(q, 2, issued_by, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, c->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, c->value_cents);
    sqlite3_bind_text(q, 5, c->currency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, c->reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 7, c->expires_at);
    sqlite3_bind_int64(q, 8, since);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else if (rc != SQLITE_DONE)
        e = rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_coupon_latest(struct rs_store *s, int64_t order_id, int64_t *id)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s, "SELECT id FROM coupons WHERE order_id=? ORDER BY created_at DESC,id DESC LIMIT 1", &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, order_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    e = rc == SQLITE_ROW ? RS_OK : rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}
