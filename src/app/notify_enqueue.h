/* notify_enqueue.h — the write path's half of notifications: after a status change, ask the
 * planner (core/notify_plan.h) what to send and insert the outbox rows in the SAME transaction
 * as the change, so a committed change always has its notifications and a rolled-back one has
 * none. The dispatcher (worker/dispatch.h) delivers them later. Merchants without notification
 * settings get nothing planned. */
#ifndef RS_APP_NOTIFY_ENQUEUE_H
#define RS_APP_NOTIFY_ENQUEUE_H

#include <stdint.h>

#include "core/err.h"
#include "core/status.h"
#include "store/store.h"

/* A new order was placed: order_confirmed. */
enum rs_err rs_app_notify_order_placed(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                       int64_t now) RS_MUST_CHECK;

/* A shipment's state went from BEFORE to AFTER (status or sub-status changed). */
enum rs_err rs_app_notify_shipment_change(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                          int64_t shipment_id, const struct rs_track_state *before,
                                          const struct rs_track_state *after, int64_t now) RS_MUST_CHECK;

#endif
