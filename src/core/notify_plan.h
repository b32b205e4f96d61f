/* notify_plan.h — which notifications a change should cause, on which channel, and when.
 *
 * Pure: everything (the change, the merchant's settings, the customer's channels and consent,
 * the customer's UTC offset, the history used for caps, and "now") is a parameter; the caller
 * (app/ plan_and_enqueue) turns the result into outbox rows in the same transaction as the
 * status change, and the dispatcher asks rs_retry_next() after each failed attempt.
 *
 * Rules (docs/notifications.md has the full table):
 *  - Status transitions notify once: first hand-over (pending/info_received/none → in_transit) is
 *    `shipped`; later in-transit scans notify nobody. out_for_delivery, courier_nearby,
 *    attempt_failed and exception notify again on a later local day or a new sub-status;
 *    available_for_pickup and delivered once per shipment. returning, returned and expired do
 *    not notify the customer.
 *  - `pickup_reminder` once per shipment and pickup deadline (the caller, the delay sweep, asks
 *    rs_notify_pickup_due and passes the deadline, which is part of the key); stale, like
 *    available_for_pickup, once the shipment has left that status (collected, returned).
 *  - Delay records give promise_slipped / promise_breached once per promise version, and
 *    `stalled` (no scan for longer than the lane normally goes) once per stall (the version is
 *    the last scan's time, so a new silence after a later scan notifies again). A stall found in
 *    the same call as a slip or breach is not told apart: that notice already says the parcel
 *    is late and that we are on it. All are dropped once the shipment is delivered (the late
 *    notice would be wrong), and one queued before is stale at send time (rs_notify_stale).
 *  - One customer message per trigger: the first usable channel (preferred channel, then the
 *    merchant's order) with the other usable channels as fallback order; or, with send_all,
 *    one message per usable channel. A channel is usable when the merchant turned the trigger on
 *    for it, the customer has contact data for it and has not opted out. Webhooks (to the
 *    merchant) are planned apart: no consent, quiet hours or caps apply.
 *  - Quiet hours (customer's local time) defer non-urgent messages to their end, DST-correct;
 *    out_for_delivery and courier_nearby are never deferred (they are stale by morning).
 *  - A per-customer cap (N customer messages per window, counting history and this plan) caps
 *    informational messages; out_for_delivery, courier_nearby, attempt_failed,
 *    available_for_pickup, action-required exceptions and compensation (the apology and coupon
 *    for a broken promise, once per coupon) are never capped.
 *  - Every planned item has an idempotency key; the outbox's unique index on it makes replays
 *    of the same change plan nothing new.
 *  - Nothing usable → one item with `suppressed` set and the reason, so the message log shows
 *    why the customer heard nothing. */
#ifndef RS_NOTIFY_PLAN_H
#define RS_NOTIFY_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/notify.h"
#include "core/status.h"

#define RS_PLAN_KEY_LEN 224
#define RS_PLAN_MAX_ITEMS 16           /* enough for every trigger of one change × channels */
#define RS_PLAN_STALE_NEARBY_S 3600    /* courier_nearby older than this is not sent */
#define RS_PLAN_STALE_OFD_S (12 * 3600) /* out_for_delivery older than this is not sent */

#define RS_CH_BIT(c) (1u << (c))

enum rs_suppress {
    RS_SUPP_NONE = 0,
    RS_SUPP_TRIGGER_OFF, /* the merchant turned this trigger off on every channel */
    RS_SUPP_NO_CONSENT,  /* the customer opted out of (or never agreed to) the usable channels */
    RS_SUPP_NO_CONTACT,  /* no address/number/subscription for any enabled channel */
    RS_SUPP_CAPPED,      /* the per-customer cap for the window is reached */
    RS_SUPP_STALE,       /* the news is too old to be useful (courier nearby an hour ago) */
};
const char *rs_suppress_name(enum rs_suppress s); /* "no_consent"…; "" for NONE */

/* A promise change or a stall found by the delay detector. */
struct rs_delay_record {
    bool breached;       /* false: slipped (new window later), true: latest date passed */
    const char *version; /* identifies the promise it is about (e.g. new latest date
                          * "2026-11-28"), or for a stall the last scan ("20261126T101500Z");
                          * borrowed; [A-Za-z0-9._-]; part of the idempotency key */
    int64_t detected_at; /* epoch s */
    bool stalled;        /* a stall (then `breached` is ignored) */
};

struct rs_plan_input {
    const char *subject_id;     /* shipment id (order id for order_confirmed/compensation);
                                 * borrowed; [A-Za-z0-9._-], 1..128 bytes */
    /* the status change (old == new and old_sub == new_sub: none) */
    enum rs_status old_status, new_status;
    enum rs_substatus old_sub, new_sub;
    bool action_required;       /* the customer must act (pay duties, fix an address…) */
    int64_t event_at;           /* when the carrier event happened (epoch s) */
    const struct rs_delay_record *delays; /* borrowed array */
    int n_delays;
    bool order_confirmed;       /* the order was just placed */
    const char *compensation_id; /* a compensation (coupon) was granted: its id; NULL if none */
    const char *pickup_deadline; /* pickup_reminder is due (rs_notify_pickup_due): the last day at
                                  * the pickup point, "2026-12-10", part of the key; NULL if none */
    int64_t now;                /* planning time (epoch s) */
};

struct rs_notify_settings {
    unsigned enabled[RS_TRIG__COUNT]; /* RS_CH_BIT mask of channels on, per trigger */
    enum rs_channel order[RS_CH__COUNT]; /* merchant's channel priority (webhook ignored) */
    int n_order;                /* 0: email, sms, whatsapp, push */
    bool send_all;              /* every usable channel instead of first + fallback */
    int quiet_start_min;        /* local minute of day quiet hours start (e.g. 21*60) */
    int quiet_end_min;          /* ... and end (e.g. 9*60); equal = no quiet hours */
    int cap_count;              /* max customer messages per cap_window_s; 0 = no cap */
    int64_t cap_window_s;       /* e.g. 86400 */
};

/* The customer's UTC offset in minutes east at instant AT (DST included). */
typedef enum rs_err (*rs_utc_offset_fn)(void *ctx, int64_t at, int *offset_min);

struct rs_recipient {
    int preferred;        /* enum rs_channel, or -1 */
    unsigned contact;     /* RS_CH_BIT mask: we have contact data (webhook: merchant URL set) */
    unsigned consent;     /* RS_CH_BIT mask: allowed (not opted out) */
    rs_utc_offset_fn utc_offset; /* NULL: use offset_min for every instant */
    void *utc_offset_ctx;
    int offset_min;
    const int64_t *sent_at; /* customer messages already sent or queued (epoch s); borrowed */
    int n_sent;
};

struct rs_planned {
    enum rs_trigger trigger;
    enum rs_channel channel;                 /* first channel to try */
    enum rs_channel fallback[RS_CH__COUNT];  /* then these, in order */
    int n_fallback;
    enum rs_status status;                   /* what the message is about (render context) */
    enum rs_substatus substatus;
    char key[RS_PLAN_KEY_LEN];               /* idempotency key */
    int64_t not_before;                      /* do not deliver earlier (epoch s) */
    bool deferred;                           /* not_before moved to the end of quiet hours */
    enum rs_suppress suppressed;             /* NONE: deliver; else why not */
    int64_t at;                              /* when what it tells happened (event, delay, order) */
};

/* Plan the notifications for IN under settings S for recipient R into OUT (CAP entries).
 * OUT: *n_out. Triggers come out in a stable order: order_confirmed, status trigger, delays,
 * pickup_reminder, compensation; for each, customer message(s) then the webhook.
 * RS_EINVAL: malformed subject_id, out-of-range enums or quiet minutes; RS_ETOOBIG: CAP too
 * small; RS_EIO: the offset callback failed. OUT is unspecified on error. Thread-safe. */
enum rs_err rs_notify_plan(const struct rs_plan_input *in, const struct rs_notify_settings *s,
                           const struct rs_recipient *r, struct rs_planned *out, int cap,
                           int *n_out) RS_MUST_CHECK;

/* Whether the pickup reminder of a parcel kept at its pickup point until DEADLINE_DAY (days since
 * 1970, the point's calendar day) is due at NOW for recipient R under S: DEADLINE_DAY is
 * tomorrow in the customer's zone, or today while the merchant's sending hours of today are not
 * over (before quiet hours start, when they run past midnight). OUT: *due. RS_EINVAL: quiet
 * minutes out of range; RS_EIO: the offset callback failed. Pure; thread-safe. */
enum rs_err rs_notify_pickup_due(const struct rs_notify_settings *s, const struct rs_recipient *r,
                                 int64_t deadline_day, int64_t now, bool *due) RS_MUST_CHECK;

/* The trigger a status change causes, if any (the transition rule above, alone).
 * OUT: *trigger. Returns false when the change notifies nobody. */
bool rs_notify_trigger_for(enum rs_status old_status, enum rs_substatus old_sub,
                           enum rs_status new_status, enum rs_substatus new_sub,
                           enum rs_trigger *trigger);

/* Whether trigger T is urgent: never deferred by quiet hours (out_for_delivery, courier_nearby). */
bool rs_notify_trigger_urgent(enum rs_trigger t);

/* Whether a customer message of trigger T about a shipment status MSG_STATUS/MSG_SUB (NONE for
 * the delay notices), reached at AT, is stale at NOW when the shipment is now in CUR_STATUS:
 * courier_nearby older than 1 h, out_for_delivery older than 12 h; news of the delivery day
 * (out_for_delivery, courier_nearby, attempt_failed, available_for_pickup, pickup_reminder) once
 * the shipment has moved on to another status ("out for delivery" after "delivered", "nobody
 * was in" once it is out again); an exception other than `damaged` once the shipment is out for
 * delivery, at the pickup point or delivered ("a problem" after "arriving today"); and the
 * delay notices (stalled, promise_slipped, promise_breached) once it is delivered, returning or
 * returned ("late" after "delivered").
 * The planner asks with CUR = MSG; the dispatcher asks again when the message comes due (a
 * retry, a backlog, quiet hours), with the shipment's status then. */
bool rs_notify_stale(enum rs_trigger t, enum rs_status msg_status, enum rs_substatus msg_sub, int64_t at,
                     enum rs_status cur_status, int64_t now);

/* Quiet hours of S for recipient R at NOW: *when = their end (DST-correct, as the planner
 * computes it) and *deferred = true when NOW is inside them, else *when = NOW. The dispatcher
 * asks again at send time, so a message that comes due at night (a backlog, a retry, a fallback
 * channel) waits for the morning too. RS_EINVAL: quiet minutes out of range; RS_EIO: the offset
 * callback failed. Pure; thread-safe. */
enum rs_err rs_notify_quiet_until(const struct rs_notify_settings *s, const struct rs_recipient *r, int64_t now,
                                  int64_t *when, bool *deferred) RS_MUST_CHECK;

/* ---- retries ----------------------------------------------------------------------------- */

struct rs_retry_policy {
    int base_s;            /* first retry after about this (e.g. 30) */
    int max_delay_s;       /* backoff cap (e.g. 3600) */
    int max_attempts;      /* attempts per channel, the first included (e.g. 6) */
    int max_retry_after_s; /* a provider Retry-After longer than this moves to the next channel */
};

enum rs_retry_action {
    RS_RETRY_AGAIN = 0,    /* same channel after delay_s */
    RS_RETRY_NEXT_CHANNEL, /* switch to `channel` now (delay_s = 0) */
    RS_RETRY_GIVE_UP,      /* no channel left: mark failed */
};

struct rs_retry_decision {
    enum rs_retry_action action;
    int64_t delay_s;
    enum rs_channel channel;
    int channel_index; /* 0 = item->channel, k = item->fallback[k-1] */
};

/* After a failed attempt: ATTEMPTS made so far on the channel at CHANNEL_INDEX of ITEM (>= 1),
 * PERMANENT when the provider refused for good (RS_EREJECTED: bad number, unsubscribed),
 * RETRY_AFTER_S the provider's Retry-After (< 0 when absent), RND a caller-supplied random
 * number for jitter. Backoff: base·2^(attempts-1) capped at max_delay, "equal jitter" (half
 * fixed, half random), never below Retry-After. Pure; thread-safe. */
void rs_retry_next(const struct rs_retry_policy *p, const struct rs_planned *item,
                   int channel_index, int attempts, bool permanent, int64_t retry_after_s,
                   uint32_t rnd, struct rs_retry_decision *out);

#endif
