/* status.h — Rastro's canonical shipment and order statuses, and the shipment state machine.
 *
 * Every event, from any source, is reduced to one canonical status and an optional sub-status
 * (the lists are in DESIGN.md and docs/statuses.md). The shipment's status is a fold of its
 * events in time order (rs_status_apply), with two rules that make late or repeated events
 * harmless:
 *   - delivered and returned are sticky: a late progress scan ("in transit") never undoes them;
 *     only a return (returning/returned) moves a delivered shipment on.
 *   - events with the same timestamp are ordered by how far along they are (rs_status_rank),
 *     so a batch whose scans share a second still ends in the furthest state.
 * An order's status is derived from its shipments (rs_order_status_derive). Pure: no I/O. */
#ifndef RS_STATUS_H
#define RS_STATUS_H

#include <stdbool.h>
#include <stdint.h>

enum rs_status {
    RS_STATUS_NONE = 0, /* no status (used for "unknown" inputs) */
    RS_STATUS_PENDING,
    RS_STATUS_INFO_RECEIVED,
    RS_STATUS_IN_TRANSIT,
    RS_STATUS_OUT_FOR_DELIVERY,
    RS_STATUS_ATTEMPT_FAILED,
    RS_STATUS_AVAILABLE_FOR_PICKUP,
    RS_STATUS_DELIVERED,
    RS_STATUS_EXCEPTION,
    RS_STATUS_RETURNING,
    RS_STATUS_RETURNED,
    RS_STATUS_EXPIRED,
    RS_STATUS__COUNT
};

enum rs_substatus {
    RS_SUB_NONE = 0,
    /* in_transit */
    RS_SUB_PICKED_UP,
    RS_SUB_ARRIVED_AT_FACILITY,
    RS_SUB_DEPARTED_FACILITY,
    RS_SUB_IN_CUSTOMS,
    RS_SUB_CUSTOMS_CLEARED,
    RS_SUB_ARRIVED_DESTINATION_COUNTRY,
    /* out_for_delivery */
    RS_SUB_COURIER_NEARBY,
    /* attempt_failed */
    RS_SUB_RECIPIENT_ABSENT,
    RS_SUB_ADDRESS_ISSUE, /* attempt_failed and exception */
    RS_SUB_BUSINESS_CLOSED,
    /* available_for_pickup */
    RS_SUB_AT_PICKUP_POINT,
    /* delivered */
    RS_SUB_LEFT_AT_DOOR,
    RS_SUB_TO_NEIGHBOUR,
    RS_SUB_TO_PICKUP_POINT,
    RS_SUB_SIGNED,
    /* exception */
    RS_SUB_CUSTOMS_HOLD,
    RS_SUB_WEATHER,
    RS_SUB_DAMAGED,
    RS_SUB_LOST,
    RS_SUB_DELAYED,
    RS_SUB_REFUSED,
    RS_SUB_HELD_BY_CARRIER,
    /* returning / returned */
    RS_SUB_TO_SENDER,
    RS_SUB__COUNT
};

enum rs_order_status {
    RS_ORDER_PLACED = 0,
    RS_ORDER_PROCESSING,
    RS_ORDER_PARTIALLY_SHIPPED,
    RS_ORDER_IN_TRANSIT,
    RS_ORDER_OUT_FOR_DELIVERY,
    RS_ORDER_ATTEMPT_FAILED,
    RS_ORDER_AVAILABLE_FOR_PICKUP,
    RS_ORDER_PARTIALLY_DELIVERED,
    RS_ORDER_DELIVERED,
    RS_ORDER_EXCEPTION,
    RS_ORDER_RETURNING,
    RS_ORDER_RETURNED,
    RS_ORDER_EXPIRED,
    RS_ORDER_CANCELLED,
    RS_ORDER__COUNT
};

/* Canonical snake_case names ("out_for_delivery"). Never NULL; "" for NONE. */
const char *rs_status_name(enum rs_status s);
const char *rs_substatus_name(enum rs_substatus s);
const char *rs_order_status_name(enum rs_order_status s);

/* Parse a canonical name (exact, lower case). Return NONE / RS_SUB_NONE / -1 when unknown. */
enum rs_status rs_status_parse(const char *name);
enum rs_substatus rs_substatus_parse(const char *name);
int rs_order_status_parse(const char *name);

/* Whether SUB refines STATUS (address_issue refines both attempt_failed and exception). */
bool rs_substatus_fits(enum rs_status status, enum rs_substatus sub);
/* Progress rank used to order events that share a timestamp. */
int rs_status_rank(enum rs_status s);
/* delivered or returned: only a return moves a delivered shipment; nothing moves returned. */
bool rs_status_is_terminal(enum rs_status s);

/* The state a shipment is in after its events so far. */
struct rs_track_state {
    enum rs_status status;
    enum rs_substatus substatus;
    bool action_required;
    int64_t status_at;      /* occurred_at of the event that set status (epoch s), 0 if none */
    int64_t last_event_at;  /* newest occurred_at seen */
    int64_t shipped_at;     /* first in_transit or later, 0 if never */
    int64_t out_for_delivery_at;
    int64_t delivered_at;
};

/* One event as the state machine sees it. */
struct rs_track_event {
    int64_t occurred_at;
    enum rs_status status;
    enum rs_substatus substatus;
    bool action_required;
};

/* Initialise a state for a new shipment (status pending). */
void rs_track_state_init(struct rs_track_state *st);

/* Whether an event with status TO may change a shipment currently in FROM. */
bool rs_status_can_move(enum rs_status from, enum rs_status to);

/* Fold one event into ST. Events must be applied in order of (occurred_at, rank); use
 * rs_track_needs_replay() to know whether EV arrives out of order and a full replay is needed.
 * Returns true when status or sub-status changed. */
bool rs_track_apply(struct rs_track_state *st, const struct rs_track_event *ev);

/* Whether EV is older than what ST has already seen (then replay all events sorted). */
bool rs_track_needs_replay(const struct rs_track_state *st, const struct rs_track_event *ev);

/* Sort EVS in place by (occurred_at, rank) and fold them all into a fresh ST. */
void rs_track_replay(struct rs_track_state *st, struct rs_track_event *evs, int n);

/* Derive an order's status from the statuses of its N shipments. BASE is the status the
 * merchant gave the order itself (placed, processing or cancelled), used when no shipment
 * says more. */
enum rs_order_status rs_order_status_derive(enum rs_order_status base,
                                            const enum rs_status *shipments, int n);

#endif
