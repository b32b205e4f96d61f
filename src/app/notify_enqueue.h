/* notify_enqueue.h — the write path's half of notifications: after a status change, ask the
 * planner (core/notify_plan.h) what to send and insert the outbox rows in the SAME transaction
 * as the change, so a committed change always has its notifications and a rolled-back one has
 * none. The dispatcher (worker/dispatch.h) delivers them later. Merchants without notification
 * settings get nothing planned. */
#ifndef RS_APP_NOTIFY_ENQUEUE_H
#define RS_APP_NOTIFY_ENQUEUE_H

#include <stdbool.h>
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

/* New delay records of a shipment (the write path after an event, or the sweep): plan
 * promise_breached / promise_slipped / stalled in the caller's transaction, idempotent per
 * shipment, trigger and window (WINDOW_DAY: the delay's window key, a civil day, becomes the
 * key's "YYYY-MM-DD"; a stall's is its last scan). A breach found together with a slip is told
 * once, as the breach; a stall found with either is not told apart (core/notify_plan.h). The
 * message renders the shipment's current window and the one the customer was told, or the
 * days of silence (dispatcher). */
struct rs_app_delay {
    bool breached;      /* else slipped */
    int64_t window_day; /* breached: the told latest day; slipped: the new latest day */
    int64_t stalled_since; /* > 0: a stall (no scan since this instant, epoch s) told once per
                            * stall, key "...:stalled:-:YYYYMMDDTHHMMSSZ"; then the two fields
                            * above are ignored */
};
enum rs_err rs_app_notify_delays(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t shipment_id,
                                 const struct rs_app_delay *d, int n, int64_t now) RS_MUST_CHECK;

/* The sweep found the shipment still waiting at its pickup point, kept there until DEADLINE_DAY
 * (days since 1970; <= 0: no deadline, nothing planned): plan pickup_reminder in the caller's
 * transaction when that day is tomorrow, or today before the merchant's sending hours end, in the
 * customer's zone (rs_app_notify_zone; core/notify_plan.h rs_notify_pickup_due). Once per
 * shipment and deadline: key "s<id>:pickup_reminder:available_for_pickup:YYYY-MM-DD". The caller
 * checks the shipment is available_for_pickup. */
enum rs_err rs_app_notify_pickup_reminder(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                          int64_t shipment_id, int64_t deadline_day, int64_t now) RS_MUST_CHECK;

/* The shipment is DAYS_LATE days past the first promise: when the merchant's compensation policy
 * (settings "compensation") says so, issue its coupon (once per shipment) and plan the
 * compensation message, in the caller's transaction. OUT: *issued (may be NULL). */
enum rs_err rs_app_notify_compensate(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t shipment_id,
                                     int64_t days_late, int64_t now, bool *issued) RS_MUST_CHECK;

/* *OK: MERCHANT_ID's notification settings can send e-mail (an SMTP server and a sender), as
 * the team's SLA alert e-mail needs (rs_app_notify_incident_sla). */
enum rs_err rs_app_notify_email_configured(struct rs_store *s, int64_t merchant_id, bool *ok) RS_MUST_CHECK;

/* Incident INCIDENT_ID (of ORDER_ID) passed its SLA, due at DUE: queue the team's alerts, built
 * by the dispatcher from the incident (trigger "incident_sla_breached", outbox incident_id): the
 * merchant webhook "incident.sla_breached" when the notification settings have a webhook URL, and
 * an e-mail to TEAM_EMAIL (the support settings' alerts.email; NULL: none) when they have an
 * e-mail provider. Once per incident and due time (idempotency key). OUT: *webhook, *email: what
 * was queued; *no_smtp: TEAM_EMAIL is set but e-mail is not configured, so it cannot be sent. */
enum rs_err rs_app_notify_incident_sla(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                       int64_t incident_id, int64_t due, const char *team_email, int64_t now,
                                       bool *webhook, bool *email, bool *no_smtp) RS_MUST_CHECK;
#define RS_TRIGGER_INCIDENT_SLA "incident_sla_breached"

struct rs_notify_config;

/* The IANA zone a customer's quiet hours are read in, into ZONE (returned): util/tz.h
 * rs_tz_customer_zone of CUSTOMER_TZ and COUNTRY (the destination; NULL for no customer), the
 * shop's zone being the settings' "timezone", else MERCHANT_TZ. */
const char *rs_app_notify_zone(const struct rs_notify_config *cfg, const char *merchant_tz, const char *customer_tz,
                               const char *country, int64_t now, char zone[64]);

struct rs_notify_customer;
/* The merchant's quiet hours in CUST's zone (rs_app_notify_zone) at NOW
 * (core/notify_plan.h rs_notify_quiet_until): *deferred and *when = their end when NOW is
 * inside them. */
enum rs_err rs_app_notify_quiet_until(const struct rs_notify_config *cfg, const char *merchant_tz,
                                      const struct rs_notify_customer *cust, int64_t now, int64_t *when,
                                      bool *deferred) RS_MUST_CHECK;

/* A new coupon code PREFIX-XXXX-XXXX (random; no 0/O/1/I) into OUT. The coupons table's unique
 * index refuses a repeat: callers draw again on RS_ECONFLICT. Shared by compensation and the
 * coupons agents and policies issue (app/incident.h). */
void rs_app_coupon_code(const char *prefix, char *out, size_t cap);

#endif
