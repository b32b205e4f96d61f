/* store_coupon.h — coupons granted as compensation (migration 0006-consent): one per shipment
 * and reason, listed per order. Same rules as store.h: writes inside a transaction, every
 * merchant-facing read filtered by merchant. SQLite back end: store_coupon_sqlite.c. */
#ifndef RS_STORE_COUPON_H
#define RS_STORE_COUPON_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct rs_coupon {
    int64_t id, merchant_id, order_id, shipment_id;
    char code[48];
    char kind[16];      /* "percent" or "amount" */
    int64_t value_cents; /* hundredths: 10 % = 1000, 5.00 EUR = 500 */
    char currency[8];   /* amount coupons; "" otherwise */
    char reason[32];    /* "late" */
    int64_t expires_at; /* 0 = never */
    int64_t created_at;
};

/* Insert C (id and created_at ignored). RS_EDUPLICATE when the shipment already has a coupon for
 * that reason (nothing written); RS_ECONFLICT when the code is taken (draw another). OUT: *id. */
enum rs_err rs_store_coupon_add(struct rs_store *s, const struct rs_coupon *c, const char *details_json,
                                int64_t now, int64_t *id) RS_MUST_CHECK;
/* The newest coupon of ORDER_ID issued by ISSUED_BY for no incident, created at SINCE or later,
 * with the kind, value, currency and reason of C (and its expiry, when C has one): a request
 * retried. *ID 0: none. */
enum rs_err rs_store_coupon_resent(struct rs_store *s, int64_t order_id, const char *issued_by,
                                   const struct rs_coupon *c, int64_t since, int64_t *id) RS_MUST_CHECK;
/* The newest coupon of an order (by its id). OUT: *id; RS_ENOTFOUND when it has none. */
enum rs_err rs_store_coupon_latest(struct rs_store *s, int64_t order_id, int64_t *id) RS_MUST_CHECK;
/* RS_ENOTFOUND when absent. */
enum rs_err rs_store_coupon_get(struct rs_store *s, int64_t id, struct rs_coupon *out) RS_MUST_CHECK;
/* [{code, kind, value, currency, reason, details, expires_at, created_at, tracking_number,
 * issued_by (NULL for compensation; 'agent:<email>', 'api', 'policy'), incident_id}] of an
 * order (by its id), oldest first. */
enum rs_err rs_store_coupons_of_order(struct rs_store *s, int64_t order_id, json_t **out) RS_MUST_CHECK;
/* The same by the merchant's order reference. RS_ENOTFOUND when the order does not exist. */
enum rs_err rs_store_coupons_json(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                  json_t **out) RS_MUST_CHECK;

#endif
