/* store_promise.h — the promise tables (migration 0004-promise): per-merchant settings and
 * trained model, each shipment's current promise and its history, and detected delays.
 * Same rules as store.h: writes inside a transaction, every merchant row filtered by merchant.
 * Days are civil day numbers in the merchant's local calendar (core/calendar.h). */
#ifndef RS_STORE_PROMISE_H
#define RS_STORE_PROMISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/status.h"
#include "store/store.h"

#define RS_PROMISE_MAX_OVERRIDES 64

/* A merchant's promise settings (defaults when the merchant never set them). */
struct rs_promise_settings {
    double confidence;  /* default 0.90 */
    char country[3];    /* holiday calendar; "" = the order's destination country */
    char cutoff[6];     /* "HH:MM" local, "" = none */
    char timezone[64];  /* merchants.timezone */
    int64_t add[RS_PROMISE_MAX_OVERRIDES], remove[RS_PROMISE_MAX_OVERRIDES]; /* days */
    int n_add, n_remove;
    unsigned dispatch_days; /* bit w set = the merchant dispatches on ISO weekday w (1 = Monday);
                               default RS_PROMISE_DISPATCH_DEFAULT */
};
#define RS_PROMISE_DISPATCH_DEFAULT 0x3Eu /* Monday to Friday */

/* RS_ENOTFOUND when the merchant does not exist. */
enum rs_err rs_store_promise_settings_get(struct rs_store *s, int64_t merchant_id,
                                          struct rs_promise_settings *out) RS_MUST_CHECK;
enum rs_err rs_store_promise_settings_put(struct rs_store *s, int64_t merchant_id,
                                          const struct rs_promise_settings *in,
                                          int64_t now) RS_MUST_CHECK;

/* Store a trained model (app/promise_io.h text); the version grows by one. OUT: *version. */
enum rs_err rs_store_promise_model_put(struct rs_store *s, int64_t merchant_id, const char *text,
                                       int64_t n_learned, const char *source, int64_t now,
                                       int64_t *version) RS_MUST_CHECK;
/* RS_ENOTFOUND when the merchant has no model. OUT: *version; *n_learned (when not NULL) the
 * deliveries the model learnt from. */
enum rs_err rs_store_promise_model_version(struct rs_store *s, int64_t merchant_id,
                                           int64_t *version, int64_t *n_learned) RS_MUST_CHECK;
/* *TEXT is malloc'd (free() it). */
enum rs_err rs_store_promise_model_get(struct rs_store *s, int64_t merchant_id, int64_t *version,
                                       char **text) RS_MUST_CHECK;

/* One delivered shipment of the merchant, for training from the store. Strings borrowed for
 * the duration of the callback. */
struct rs_store_delivery {
    int64_t shipment_id;
    int64_t placed_at, shipped_at, delivered_at; /* shipped_at 0 = unknown */
    const char *origin_country, *origin_region, *origin_postcode;
    const char *dest_country, *dest_region, *dest_postcode;
    const char *carrier, *service;
    unsigned reported; /* RS_PROMISE_TERM_* already reported late before the delivery */
};
typedef void rs_store_delivery_fn(const struct rs_store_delivery *d, void *ctx);
/* Calls FN for each delivered shipment, oldest delivery first. OUT: *n. */
enum rs_err rs_store_promise_deliveries(struct rs_store *s, int64_t merchant_id,
                                        rs_store_delivery_fn *fn, void *ctx,
                                        int64_t *n) RS_MUST_CHECK;

/* A shipment's stored promise. */
struct rs_stored_promise {
    int64_t earliest, likely, latest;
    double probability, confidence;
    bool low_confidence, final;
    int64_t told_earliest, told_latest;
    int64_t model_version;
};

/* What re-estimation and delay detection need to know about one shipment. */
struct rs_promise_ship {
    int64_t shipment_id, merchant_id, order_id;
    int64_t placed_at;
    int placed_offset;
    char origin_country[3], origin_region[64], origin_postcode[17];
    char dest_country[3], dest_region[64], dest_postcode[17];
    char carrier[64], service[64];
    enum rs_status status;
    enum rs_substatus substatus;
    int64_t status_at, last_event_at, shipped_at, out_for_delivery_at, delivered_at;
    char timezone[64];
    int64_t eta_from, eta_to; /* the carrier's estimate (civil days), -1 when none (migration 0020) */
    int64_t eta_at;           /* when the carrier gave it (the source's time; 0 unknown) */
    bool has_promise;
    struct rs_stored_promise promise;
};
/* Store the carrier's estimate FROM..TO ("YYYY-MM-DD") of SHIPMENT_ID given at AS_OF (the
 * source's time, 0 unknown) unless a newer one is stored; *CHANGED when the days changed. */
enum rs_err rs_store_shipment_eta_set(struct rs_store *s, int64_t shipment_id, const char *from, const char *to,
                                      int64_t as_of, bool *changed) RS_MUST_CHECK;
/* A lane's scan cadence (delay rule `stalled`): the time between consecutive carrier scans of
 * the merchant's shipments while in transit (first in-transit scan to delivery). SERVICE "*":
 * every service of the carrier. GAP_S is the 90th percentile of N gaps. */
struct rs_scan_gap {
    char carrier[64], service[64];
    int64_t gap_s;
    int n;
};
/* Every lane (carrier + service, and carrier + "*") of MERCHANT with at least MIN_N gaps among
 * scans since SINCE of its latest 2,000 shipped shipments, up to MAX; *n how many. */
enum rs_err rs_store_scan_gaps(struct rs_store *s, int64_t merchant_id, int64_t since, int min_n,
                               struct rs_scan_gap *out, int max, int *n) RS_MUST_CHECK;

/* Online learning (migration 0008): deliveries not yet in the merchant's model, oldest
 * delivery first, at most MAX; OUT: *n. */
enum rs_err rs_store_promise_deliveries_new(struct rs_store *s, int64_t merchant_id, int max,
                                            rs_store_delivery_fn *fn, void *ctx,
                                            int64_t *n) RS_MUST_CHECK;
/* Early breach reports (migration 0009): the merchant's shipments still on their way (not
 * delivered, returning, returned or expired) with at least one carrier event, placed at or
 * after SINCE, with a calibration term not reported yet; oldest first, at most MAX; OUT: *n.
 * None unless the merchant had a delivery since SINCE (deliveries are being reported: a
 * merchant whose carrier feed never says "delivered" must not look late everywhere). */
enum rs_err rs_store_promise_overdue(struct rs_store *s, int64_t merchant_id, int64_t since,
                                     int max, rs_store_delivery_fn *fn, void *ctx,
                                     int64_t *n) RS_MUST_CHECK;
/* Remember that TERMS (RS_PROMISE_TERM_*) of the shipment were reported late. */
enum rs_err rs_store_promise_mark_reported(struct rs_store *s, int64_t merchant_id,
                                           int64_t shipment_id, unsigned terms) RS_MUST_CHECK;
/* Mark one shipment's delivery as learnt (SHIPMENT_ID > 0), or every delivered shipment of
 * MERCHANT_ID (SHIPMENT_ID 0: after a training from the store, which also forgets the early
 * breach reports: the new model has not seen them). */
enum rs_err rs_store_promise_mark_learnt(struct rs_store *s, int64_t merchant_id,
                                         int64_t shipment_id) RS_MUST_CHECK;
/* After a model trained from a history file replaced the merchant's: none of the store's
 * deliveries (nor early breach reports) is in it, so all are to learn again. */
enum rs_err rs_store_promise_forget_learnt(struct rs_store *s, int64_t merchant_id) RS_MUST_CHECK;
/* Merchants with a model and deliveries not learnt yet, or (SINCE > 0) shipments placed since
 * SINCE that may break a promise (rs_store_promise_overdue), up to MAX; OUT: *n. */
enum rs_err rs_store_promise_learn_pending(struct rs_store *s, int64_t since, int64_t *ids,
                                           int max, int *n) RS_MUST_CHECK;

/* RS_ENOTFOUND when there is no such shipment. */
enum rs_err rs_store_promise_ship_get(struct rs_store *s, int64_t shipment_id,
                                      struct rs_promise_ship *out) RS_MUST_CHECK;
/* Insert or replace the shipment's promise. */
enum rs_err rs_store_promise_save(struct rs_store *s, int64_t shipment_id, int64_t merchant_id,
                                  const struct rs_stored_promise *p, int64_t now) RS_MUST_CHECK;
/* The window the customer was last told (for the notification sender). */
enum rs_err rs_store_promise_set_told(struct rs_store *s, int64_t shipment_id, int64_t earliest,
                                      int64_t latest, int64_t now) RS_MUST_CHECK;
/* The latest day of the shipment's first promise (compensation is measured against it).
 * RS_ENOTFOUND when it never had one. */
enum rs_err rs_store_promise_first_latest(struct rs_store *s, int64_t shipment_id,
                                          int64_t *day) RS_MUST_CHECK;
/* One history row; OLD may be NULL (the first promise). */
enum rs_err rs_store_promise_history_add(struct rs_store *s, int64_t shipment_id,
                                         int64_t merchant_id, int64_t at, const char *reason,
                                         const struct rs_stored_promise *old,
                                         const struct rs_stored_promise *now_p) RS_MUST_CHECK;

/* Record a delay once per (shipment, cause, window_key); *inserted false when already known.
 * DETAILS is a JSON text ("{}" when NULL). */
enum rs_err rs_store_delay_add(struct rs_store *s, int64_t shipment_id, int64_t merchant_id,
                               const char *cause, int64_t window_key, int64_t detected_at,
                               const char *details, bool *inserted) RS_MUST_CHECK;

/* Shipments still on their way (not delivered, returning, returned or expired) with id >
 * AFTER, ascending; up to MAX ids in IDS. OUT: *n. */
enum rs_err rs_store_promise_open_shipments(struct rs_store *s, int64_t after, int64_t *ids,
                                            int max, int *n) RS_MUST_CHECK;
/* The open shipments (as above) of one order, up to MAX ids in IDS. OUT: *n. */
enum rs_err rs_store_promise_order_shipments(struct rs_store *s, int64_t order_id, int64_t *ids,
                                             int max, int *n) RS_MUST_CHECK;

/* Adds "promise", "promise_history" and "delays" to shipment document SH (public level: the
 * promised window only, as dates, and "previous": the window the customer was told when the
 * promise has slipped past it). Used by store_sqlite.c's shipment readers. */
enum rs_err rs_store_promise_attach_json(struct rs_store *s, int64_t shipment_id, bool public_view,
                                         json_t *sh) RS_MUST_CHECK;

#endif
