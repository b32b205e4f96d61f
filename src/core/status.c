/* status.c — canonical status tables and the shipment state machine (see status.h). */
#include "core/status.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[RS_STATUS__COUNT] = {
    [RS_STATUS_NONE] = "",
    [RS_STATUS_PENDING] = "pending",
    [RS_STATUS_INFO_RECEIVED] = "info_received",
    [RS_STATUS_IN_TRANSIT] = "in_transit",
    [RS_STATUS_OUT_FOR_DELIVERY] = "out_for_delivery",
    [RS_STATUS_ATTEMPT_FAILED] = "attempt_failed",
    [RS_STATUS_AVAILABLE_FOR_PICKUP] = "available_for_pickup",
    [RS_STATUS_DELIVERED] = "delivered",
    [RS_STATUS_EXCEPTION] = "exception",
    [RS_STATUS_RETURNING] = "returning",
    [RS_STATUS_RETURNED] = "returned",
    [RS_STATUS_EXPIRED] = "expired",
};

/* Sub-status name and the status (or two) it refines. */
static const struct {
    const char *name;
    enum rs_status parent, parent2;
} sub_table[RS_SUB__COUNT] = {
    [RS_SUB_NONE] = {"", RS_STATUS_NONE, RS_STATUS_NONE},
    [RS_SUB_PICKED_UP] = {"picked_up", RS_STATUS_IN_TRANSIT, RS_STATUS_NONE},
    [RS_SUB_ARRIVED_AT_FACILITY] = {"arrived_at_facility", RS_STATUS_IN_TRANSIT, RS_STATUS_NONE},
    [RS_SUB_DEPARTED_FACILITY] = {"departed_facility", RS_STATUS_IN_TRANSIT, RS_STATUS_NONE},
    [RS_SUB_IN_CUSTOMS] = {"in_customs", RS_STATUS_IN_TRANSIT, RS_STATUS_NONE},
    [RS_SUB_CUSTOMS_CLEARED] = {"customs_cleared", RS_STATUS_IN_TRANSIT, RS_STATUS_NONE},
    [RS_SUB_ARRIVED_DESTINATION_COUNTRY] = {"arrived_destination_country", RS_STATUS_IN_TRANSIT,
                                            RS_STATUS_NONE},
    [RS_SUB_COURIER_NEARBY] = {"courier_nearby", RS_STATUS_OUT_FOR_DELIVERY, RS_STATUS_NONE},
    [RS_SUB_RECIPIENT_ABSENT] = {"recipient_absent", RS_STATUS_ATTEMPT_FAILED, RS_STATUS_NONE},
    [RS_SUB_ADDRESS_ISSUE] = {"address_issue", RS_STATUS_ATTEMPT_FAILED, RS_STATUS_EXCEPTION},
    [RS_SUB_BUSINESS_CLOSED] = {"business_closed", RS_STATUS_ATTEMPT_FAILED, RS_STATUS_NONE},
    [RS_SUB_AT_PICKUP_POINT] = {"at_pickup_point", RS_STATUS_AVAILABLE_FOR_PICKUP, RS_STATUS_NONE},
    [RS_SUB_LEFT_AT_DOOR] = {"left_at_door", RS_STATUS_DELIVERED, RS_STATUS_NONE},
    [RS_SUB_TO_NEIGHBOUR] = {"to_neighbour", RS_STATUS_DELIVERED, RS_STATUS_NONE},
    [RS_SUB_TO_PICKUP_POINT] = {"to_pickup_point", RS_STATUS_DELIVERED, RS_STATUS_NONE},
    [RS_SUB_SIGNED] = {"signed", RS_STATUS_DELIVERED, RS_STATUS_NONE},
    [RS_SUB_CUSTOMS_HOLD] = {"customs_hold", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_WEATHER] = {"weather", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_DAMAGED] = {"damaged", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_LOST] = {"lost", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_DELAYED] = {"delayed", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_REFUSED] = {"refused", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_HELD_BY_CARRIER] = {"held_by_carrier", RS_STATUS_EXCEPTION, RS_STATUS_NONE},
    [RS_SUB_TO_SENDER] = {"to_sender", RS_STATUS_RETURNING, RS_STATUS_RETURNED},
};

static const char *const order_names[RS_ORDER__COUNT] = {
    [RS_ORDER_PLACED] = "placed",
    [RS_ORDER_PROCESSING] = "processing",
    [RS_ORDER_PARTIALLY_SHIPPED] = "partially_shipped",
    [RS_ORDER_IN_TRANSIT] = "in_transit",
    [RS_ORDER_OUT_FOR_DELIVERY] = "out_for_delivery",
    [RS_ORDER_ATTEMPT_FAILED] = "attempt_failed",
    [RS_ORDER_AVAILABLE_FOR_PICKUP] = "available_for_pickup",
    [RS_ORDER_PARTIALLY_DELIVERED] = "partially_delivered",
    [RS_ORDER_DELIVERED] = "delivered",
    [RS_ORDER_EXCEPTION] = "exception",
    [RS_ORDER_RETURNING] = "returning",
    [RS_ORDER_RETURNED] = "returned",
    [RS_ORDER_EXPIRED] = "expired",
    [RS_ORDER_CANCELLED] = "cancelled",
};

const char *rs_status_name(enum rs_status s)
{
    return (unsigned)s < RS_STATUS__COUNT ? status_names[s] : "";
}

const char *rs_substatus_name(enum rs_substatus s)
{
    return (unsigned)s < RS_SUB__COUNT ? sub_table[s].name : "";
}

const char *rs_order_status_name(enum rs_order_status s)
{
    return (unsigned)s < RS_ORDER__COUNT ? order_names[s] : "";
}

enum rs_status rs_status_parse(const char *name)
{
    if (!name || !*name)
        return RS_STATUS_NONE;
    for (int i = 1; i < RS_STATUS__COUNT; i++)
        if (strcmp(name, status_names[i]) == 0)
            return (enum rs_status)i;
    return RS_STATUS_NONE;
}

enum rs_substatus rs_substatus_parse(const char *name)
{
    if (!name || !*name)
        return RS_SUB_NONE;
    for (int i = 1; i < RS_SUB__COUNT; i++)
        if (strcmp(name, sub_table[i].name) == 0)
            return (enum rs_substatus)i;
    return RS_SUB_NONE;
}

int rs_order_status_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < RS_ORDER__COUNT; i++)
        if (strcmp(name, order_names[i]) == 0)
            return i;
    return -1;
}

bool rs_substatus_fits(enum rs_status status, enum rs_substatus sub)
{
    if (sub == RS_SUB_NONE)
        return true;
    if ((unsigned)sub >= RS_SUB__COUNT || status == RS_STATUS_NONE)
        return false;
    return sub_table[sub].parent == status || sub_table[sub].parent2 == status;
}

int rs_status_rank(enum rs_status s)
{
    /* How far along a parcel is; for ordering same-second events only. */
    static const int rank[RS_STATUS__COUNT] = {
        [RS_STATUS_NONE] = 0,
        [RS_STATUS_EXPIRED] = 1,
        [RS_STATUS_PENDING] = 2,
        [RS_STATUS_INFO_RECEIVED] = 3,
        [RS_STATUS_IN_TRANSIT] = 4,
        [RS_STATUS_EXCEPTION] = 5,
        [RS_STATUS_OUT_FOR_DELIVERY] = 6,
        [RS_STATUS_ATTEMPT_FAILED] = 7,
        [RS_STATUS_AVAILABLE_FOR_PICKUP] = 8,
        [RS_STATUS_DELIVERED] = 9,
        [RS_STATUS_RETURNING] = 10,
        [RS_STATUS_RETURNED] = 11,
    };
    return (unsigned)s < RS_STATUS__COUNT ? rank[s] : 0;
}

bool rs_status_is_terminal(enum rs_status s)
{
    return s == RS_STATUS_DELIVERED || s == RS_STATUS_RETURNED;
}

static bool is_return(enum rs_status s)
{
    return s == RS_STATUS_RETURNING || s == RS_STATUS_RETURNED;
}

bool rs_status_can_move(enum rs_status from, enum rs_status to)
{
    if (to == RS_STATUS_NONE)
        return false;
    switch (from) {
    case RS_STATUS_DELIVERED:
        /* A late scan never undoes a delivery; a return does. */
        return to == RS_STATUS_DELIVERED || is_return(to);
    case RS_STATUS_RETURNED:
        return to == RS_STATUS_RETURNED;
    case RS_STATUS_RETURNING:
        /* On its way back: only the return's own progress or a problem with it counts. */
        return is_return(to) || to == RS_STATUS_EXCEPTION;
    case RS_STATUS_PENDING:
    case RS_STATUS_INFO_RECEIVED:
        /* Nothing real has happened yet: a late "label created" must not hide a scan,
         * but any real scan moves us on. */
        return true;
    default:
        /* Once the carrier has the parcel, "label created" scans are stale news. */
        return to != RS_STATUS_PENDING && to != RS_STATUS_INFO_RECEIVED;
    }
}

void rs_track_state_init(struct rs_track_state *st)
{
    memset(st, 0, sizeof *st);
    st->status = RS_STATUS_PENDING;
}

bool rs_track_needs_replay(const struct rs_track_state *st, const struct rs_track_event *ev)
{
    if (st->last_event_at == 0)
        return false;
    if (ev->occurred_at < st->last_event_at)
        return true;
    /* Same second as the newest event, but less far along than the status it set. */
    return ev->occurred_at == st->status_at && rs_status_rank(ev->status) < rs_status_rank(st->status);
}

static void set_first(int64_t *slot, int64_t t)
{
    if (*slot == 0 || t < *slot)
        *slot = t;
}

bool rs_track_apply(struct rs_track_state *st, const struct rs_track_event *ev)
{
    if (ev->occurred_at > st->last_event_at)
        st->last_event_at = ev->occurred_at;
    if (!rs_status_can_move(st->status, ev->status))
        return false;

    /* Milestones record facts, whatever the status ends up being. */
    switch (ev->status) {
    case RS_STATUS_IN_TRANSIT:
    case RS_STATUS_EXCEPTION:
    case RS_STATUS_OUT_FOR_DELIVERY:
    case RS_STATUS_ATTEMPT_FAILED:
    case RS_STATUS_AVAILABLE_FOR_PICKUP:
    case RS_STATUS_DELIVERED:
        set_first(&st->shipped_at, ev->occurred_at);
        break;
    default:
        break;
    }
    if (ev->status == RS_STATUS_OUT_FOR_DELIVERY)
        set_first(&st->out_for_delivery_at, ev->occurred_at);
    if (ev->status == RS_STATUS_DELIVERED)
        set_first(&st->delivered_at, ev->occurred_at);

    bool changed = st->status != ev->status || st->substatus != ev->substatus ||
                   st->action_required != ev->action_required;
    st->status = ev->status;
    st->substatus = ev->substatus;
    st->action_required = ev->action_required;
    st->status_at = ev->occurred_at;
    return changed;
}

static int cmp_event(const void *a, const void *b)
{
    const struct rs_track_event *x = a, *y = b;
    if (x->occurred_at != y->occurred_at)
        return x->occurred_at < y->occurred_at ? -1 : 1;
    return rs_status_rank(x->status) - rs_status_rank(y->status);
}

void rs_track_replay(struct rs_track_state *st, struct rs_track_event *evs, int n)
{
    rs_track_state_init(st);
    if (n > 1)
        qsort(evs, (size_t)n, sizeof *evs, cmp_event);
    for (int i = 0; i < n; i++)
        rs_track_apply(st, &evs[i]);
}

enum rs_order_status rs_order_status_derive(enum rs_order_status base,
                                            const enum rs_status *shipments, int n)
{
    if (base == RS_ORDER_CANCELLED)
        return RS_ORDER_CANCELLED;
    if (n <= 0)
        return base == RS_ORDER_PROCESSING ? RS_ORDER_PROCESSING : RS_ORDER_PLACED;

    int count[RS_STATUS__COUNT] = {0};
    for (int i = 0; i < n; i++)
        if ((unsigned)shipments[i] < RS_STATUS__COUNT)
            count[shipments[i]]++;

    int not_yet = count[RS_STATUS_PENDING] + count[RS_STATUS_INFO_RECEIVED] + count[RS_STATUS_NONE];
    int delivered = count[RS_STATUS_DELIVERED];

    /* What needs the customer's attention comes first. */
    if (count[RS_STATUS_EXCEPTION])
        return RS_ORDER_EXCEPTION;
    if (count[RS_STATUS_ATTEMPT_FAILED])
        return RS_ORDER_ATTEMPT_FAILED;
    if (count[RS_STATUS_AVAILABLE_FOR_PICKUP])
        return RS_ORDER_AVAILABLE_FOR_PICKUP;
    if (count[RS_STATUS_RETURNED] == n)
        return RS_ORDER_RETURNED;
    if (count[RS_STATUS_RETURNING] || count[RS_STATUS_RETURNED])
        return RS_ORDER_RETURNING;
    if (delivered == n)
        return RS_ORDER_DELIVERED;
    if (not_yet == n)
        return RS_ORDER_PROCESSING;
    if (count[RS_STATUS_OUT_FOR_DELIVERY])
        return RS_ORDER_OUT_FOR_DELIVERY;
    if (not_yet > 0)
        return RS_ORDER_PARTIALLY_SHIPPED;
    if (delivered > 0)
        return RS_ORDER_PARTIALLY_DELIVERED;
    if (count[RS_STATUS_EXPIRED] == n)
        return RS_ORDER_EXPIRED;
    return RS_ORDER_IN_TRANSIT;
}
