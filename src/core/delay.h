/* delay.h — delay detection rules: given what is known about a shipment now, which delays does
 * it have and why. Pure: "now" is a parameter; no clock, no store.
 *
 * Rules (each yields at most one record):
 *   promise_breached  not delivered and now is past the end of the latest day promised to the
 *                     customer (shown_latest; the current promise if none was shown)
 *   promise_slipped   the current latest is later than what the customer was told
 *   stalled           no scan for longer than the lane normally goes between scans (the lane's
 *                     normal gap × RS_DELAY_STALL_FACTOR, at least RS_DELAY_STALL_MIN_S);
 *                     not while pending (no label scanned yet) or out for delivery today
 *   exception         the carrier reports an exception (or a failed attempt)
 * Delivered, returned and returning shipments have no delays. */
#ifndef RS_DELAY_H
#define RS_DELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#define RS_DELAY_MAX 4
#define RS_DELAY_STALL_FACTOR 2.0
#define RS_DELAY_STALL_MIN_S (24 * 3600)
#define RS_DELAY_DEFAULT_GAP_S (48 * 3600) /* when the lane's normal gap is unknown */

enum rs_delay_cause {
    RS_DELAY_PROMISE_BREACHED = 0,
    RS_DELAY_PROMISE_SLIPPED,
    RS_DELAY_STALLED,
    RS_DELAY_EXCEPTION,
    RS_DELAY__COUNT
};

struct rs_delay_input {
    enum rs_status status;
    enum rs_substatus substatus;
    int64_t now;            /* epoch seconds */
    int offset_min;         /* UTC offset of the destination now (for "end of the day") */
    int64_t last_scan_at;   /* epoch seconds of the last carrier event; 0 = none */
    int64_t shown_latest;   /* local day promised to the customer; < 0 = none */
    int64_t current_latest; /* local day of the current promise; < 0 = none */
    int64_t normal_gap_s;   /* the lane's usual time between scans; <= 0 = unknown */
};

struct rs_delay {
    enum rs_delay_cause cause;
    int64_t days_late;      /* breached: days past the promise; slipped: days moved; else 0 */
    int64_t quiet_s;        /* stalled: seconds since the last scan */
    enum rs_substatus substatus; /* exception: the carrier's reason */
};

/* Evaluate the rules. OUT gets up to RS_DELAY_MAX records (in the cause order above); returns
 * how many. */
/* The silence (s) after which a shipment counts as stalled, for a lane whose normal gap
 * between scans is NORMAL_GAP_S (<= 0: unknown, RS_DELAY_DEFAULT_GAP_S): that gap ×
 * RS_DELAY_STALL_FACTOR, at least RS_DELAY_STALL_MIN_S. */
int64_t rs_delay_stall_limit(int64_t normal_gap_s);
int rs_delay_detect(const struct rs_delay_input *in, struct rs_delay out[RS_DELAY_MAX]);

/* "promise_breached", … (never NULL). */
const char *rs_delay_cause_name(enum rs_delay_cause c);

#endif
