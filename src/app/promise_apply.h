/* promise_apply.h — the promise engine inside the write path and the delay sweep.
 *
 * On a new shipment: quote its promise (order's placed_at; lane = shipment origin → order
 * destination, carrier, service; the merchant's model, settings and calendar) and store it
 * with a "created" history row. The customer is considered told this first window
 * (told_earliest/told_latest) until the notification sender records a newer one with
 * rs_store_promise_set_told().
 * On each event (after the state machine moved): re-estimate with rs_promise_reestimate
 * (handed over / in transit: remaining transit; out for delivery: today; attempt failed,
 * pickup; exception: widened), or make it final on delivery (the window becomes the delivery
 * day); append a history row only when the window (earliest or latest) changed. Then detect
 * delays (core/delay.h) and record new ones (idempotent per shipment, cause and window).
 * A merchant without a trained model gets no promise; delays that need none (stalled,
 * exception) are still recorded. Only store errors are returned: the promise never makes an
 * event fail. */
#ifndef RS_APP_PROMISE_APPLY_H
#define RS_APP_PROMISE_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/delay.h"
#include "core/err.h"
#include "core/promise.h"
#include "core/status.h"
#include "store/store.h"
#include "store/store_promise.h"

/* ---- write-path hooks (inside the caller's transaction) ---- */
enum rs_err rs_app_promise_on_shipment(struct rs_store *s, int64_t shipment_id,
                                       int64_t now) RS_MUST_CHECK;
/* BEFORE: the shipment's status before the event (for the history reason). */
enum rs_err rs_app_promise_on_event(struct rs_store *s, int64_t shipment_id,
                                    enum rs_status before, int64_t now) RS_MUST_CHECK;
/* After an update that moves the promise's inputs (a shipment's origin or service; an order's
 * placed_at or destination): quote the shipment again as of its last status, history reason
 * "updated" (a first promise when it had none; nothing once delivered), and detect a slip
 * against the window the customer was told. The order form does it for each of the order's
 * open shipments (up to 64). */
enum rs_err rs_app_promise_on_update(struct rs_store *s, int64_t shipment_id,
                                     int64_t now) RS_MUST_CHECK;
enum rs_err rs_app_promise_on_order_update(struct rs_store *s, int64_t order_id,
                                           int64_t now) RS_MUST_CHECK;
/* After the carrier's estimate of SHIPMENT_ID changed (rs_store_shipment_eta_set): re-estimate as
 * of its last status with the estimate as a floor, history reason "carrier_estimate", and detect
 * a slip against the window the customer was told, which the customer is then told. */
enum rs_err rs_app_promise_on_carrier_eta(struct rs_store *s, int64_t shipment_id,
                                          int64_t now) RS_MUST_CHECK;

/* ---- sweep ---- */
/* Detect delays of the open shipments with id > *AFTER, at most MAX of them; *AFTER moves to
 * the last id seen; *DONE when no shipment is left. Adds to *CHECKED and *FOUND (new delay
 * records). Run it inside a transaction, chunk after chunk. */
enum rs_err rs_app_promise_sweep_chunk(struct rs_store *s, int64_t now, int64_t *after, int max,
                                       int *checked, int *found, bool *done) RS_MUST_CHECK;

/* ---- pure helpers (unit-tested) ---- */
/* The history reason for a re-estimate after the status moved from BEFORE to AFTER:
 * "handed_over" (pending/info_received → in transit), else the new status's name. */
const char *rs_promise_reason(enum rs_status before, enum rs_status after);
/* The carrier's own estimate FROM..TO (civil days; -1: none) as a floor of NP while the parcel
 * has not reached its last stretch (no status yet, pending, info received, in transit,
 * exception): the promise never says an earlier day than the carrier does, since a carrier that
 * plans the 28th does not deliver on the 26th. After a failed attempt, an estimate given since
 * (AFTER_STATUS: at or after the attempt) is the carrier's redelivery day and is a floor too;
 * one from before the attempt is old news. Out for delivery and a pickup point are newer news
 * than any estimate; a final promise is the delivery. A carrier earlier than the promise changes
 * nothing (the promise is calibrated, the carrier's estimate is not). True when NP changed. */
bool rs_promise_carrier_floor(struct rs_stored_promise *np, int64_t from, int64_t to, enum rs_status status,
                              bool after_status);
/* True when the window (earliest or latest) differs. */
bool rs_promise_window_changed(const struct rs_stored_promise *a,
                               const struct rs_stored_promise *b);
/* The stored form of an engine promise (told_* copied from TOLD when given, else the new
 * window itself). */
void rs_promise_to_stored(const struct rs_promise *p, int64_t model_version,
                          const struct rs_stored_promise *told, struct rs_stored_promise *out);
/* The window a delay record is unique for (see 0004-promise.sqlite.sql). */
int64_t rs_promise_delay_key(const struct rs_delay *d, const struct rs_promise_ship *sh);
/* The delay input for SH at NOW (OFFSET_MIN: the merchant's UTC offset now). */
void rs_promise_delay_input(const struct rs_promise_ship *sh, int64_t now, int offset_min,
                            struct rs_delay_input *in);

#endif
