/* delay.c — delay detection rules (see delay.h). */
#include "core/delay.h"

#include "core/calendar.h"

const char *rs_delay_cause_name(enum rs_delay_cause c)
{
    static const char *names[] = {"promise_breached", "promise_slipped", "stalled", "exception"};
    return (unsigned)c < RS_DELAY__COUNT ? names[c] : "unknown";
}

int64_t rs_delay_stall_limit(int64_t normal_gap_s)
{
    int64_t gap = normal_gap_s > 0 ? normal_gap_s : RS_DELAY_DEFAULT_GAP_S;
    int64_t limit = (int64_t)((double)gap * RS_DELAY_STALL_FACTOR);
    return limit < RS_DELAY_STALL_MIN_S ? RS_DELAY_STALL_MIN_S : limit;
}

int rs_delay_detect(const struct rs_delay_input *in, struct rs_delay out[RS_DELAY_MAX])
{
    switch (in->status) {
    case RS_STATUS_DELIVERED:
    case RS_STATUS_RETURNING:
    case RS_STATUS_RETURNED:
        return 0;
    default:
        break;
    }
    int n = 0;
    int64_t today;
    int minute;
    rs_cal_local(in->now, in->offset_min, &today, &minute);

    int64_t promised = in->shown_latest >= 0 ? in->shown_latest : in->current_latest;
    if (promised >= 0 && today > promised)
        out[n++] = (struct rs_delay){RS_DELAY_PROMISE_BREACHED, today - promised, 0,
                                     RS_SUB_NONE};

    if (in->shown_latest >= 0 && in->current_latest > in->shown_latest)
        out[n++] = (struct rs_delay){RS_DELAY_PROMISE_SLIPPED,
                                     in->current_latest - in->shown_latest, 0, RS_SUB_NONE};

    if (in->last_scan_at > 0 && in->status != RS_STATUS_PENDING &&
        in->status != RS_STATUS_NONE && in->status != RS_STATUS_AVAILABLE_FOR_PICKUP) {
        int64_t limit = rs_delay_stall_limit(in->normal_gap_s);
        int64_t quiet = in->now - in->last_scan_at;
        if (quiet > limit)
            out[n++] = (struct rs_delay){RS_DELAY_STALLED, 0, quiet, RS_SUB_NONE};
    }

    if (in->status == RS_STATUS_EXCEPTION || in->status == RS_STATUS_ATTEMPT_FAILED)
        out[n++] = (struct rs_delay){RS_DELAY_EXCEPTION, 0, 0, in->substatus};
    return n;
}
