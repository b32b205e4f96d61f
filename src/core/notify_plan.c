/* notify_plan.c — the notification planner and the retry policy (see notify_plan.h for the
 * rules). Everything is table-light on purpose: the transition rule is one small function
 * (rs_notify_trigger_for), the per-trigger properties are one table below. */
#include "core/notify_plan.h"

#include <stdio.h>
#include <string.h>

/* Per-trigger properties. */
static const struct {
    bool urgent;      /* never deferred by quiet hours */
    bool cap_exempt;  /* never capped */
    bool per_day;     /* may notify again on another local day (key has the day) */
} trig_props[RS_TRIG__COUNT] = {
    [RS_TRIG_OUT_FOR_DELIVERY] = {true, true, true},
    [RS_TRIG_COURIER_NEARBY] = {true, true, true},
    [RS_TRIG_ATTEMPT_FAILED] = {false, true, true},
    [RS_TRIG_AVAILABLE_FOR_PICKUP] = {false, true, false},
    [RS_TRIG_EXCEPTION] = {false, false, true}, /* cap-exempt when action_required */
    /* the apology for a broken promise (once per coupon): the customer who already had many
     * updates is the one it is for */
    [RS_TRIG_COMPENSATION] = {false, true, false},
    /* the last chance before the parcel goes back (once per deadline, the key has the day) */
    [RS_TRIG_PICKUP_REMINDER] = {false, true, false},
};

const char *rs_suppress_name(enum rs_suppress s)
{
    switch (s) {
    case RS_SUPP_NONE: return "";
    case RS_SUPP_TRIGGER_OFF: return "trigger_off";
    case RS_SUPP_NO_CONSENT: return "no_consent";
    case RS_SUPP_NO_CONTACT: return "no_contact";
    case RS_SUPP_CAPPED: return "capped";
    case RS_SUPP_STALE: return "stale";
    }
    return "";
}

bool rs_notify_trigger_for(enum rs_status old_status, enum rs_substatus old_sub,
                           enum rs_status new_status, enum rs_substatus new_sub,
                           enum rs_trigger *trigger)
{
    bool changed = old_status != new_status;
    bool sub_changed = changed || old_sub != new_sub;
    switch (new_status) {
    case RS_STATUS_IN_TRANSIT:
        if (old_status == RS_STATUS_NONE || old_status == RS_STATUS_PENDING ||
            old_status == RS_STATUS_INFO_RECEIVED) {
            *trigger = RS_TRIG_SHIPPED;
            return true;
        }
        return false;
    case RS_STATUS_OUT_FOR_DELIVERY:
        if (new_sub == RS_SUB_COURIER_NEARBY && sub_changed) {
            *trigger = RS_TRIG_COURIER_NEARBY;
            return true;
        }
        if (changed) {
            *trigger = RS_TRIG_OUT_FOR_DELIVERY;
            return true;
        }
        return false;
    case RS_STATUS_ATTEMPT_FAILED:
        *trigger = RS_TRIG_ATTEMPT_FAILED;
        return sub_changed;
    case RS_STATUS_AVAILABLE_FOR_PICKUP:
        *trigger = RS_TRIG_AVAILABLE_FOR_PICKUP;
        return changed;
    case RS_STATUS_DELIVERED:
        *trigger = RS_TRIG_DELIVERED;
        return changed;
    case RS_STATUS_EXCEPTION:
        *trigger = RS_TRIG_EXCEPTION;
        return sub_changed;
    default:
        return false;
    }
}

/* ---- helpers ----------------------------------------------------------------------------- */

struct planner {
    const struct rs_plan_input *in;
    const struct rs_notify_settings *s;
    const struct rs_recipient *r;
    struct rs_planned *out;
    int cap, n;
    int customer_planned; /* customer messages planned in this call (for the cap) */
};

static bool valid_id(const char *id)
{
    if (!id || !*id || strlen(id) > 128)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

static enum rs_err offset_at(const struct rs_recipient *r, int64_t at, int *off)
{
    if (!r->utc_offset) {
        *off = r->offset_min;
        return RS_OK;
    }
    int o = 0;
    if (r->utc_offset(r->utc_offset_ctx, at, &o) != RS_OK || o < -18 * 60 || o > 18 * 60)
        return RS_EIO;
    *off = o;
    return RS_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool rs_notify_trigger_urgent(enum rs_trigger t)
{
    return (unsigned)t < RS_TRIG__COUNT && trig_props[t].urgent;
}

bool rs_notify_stale(enum rs_trigger t, enum rs_status msg_status, enum rs_substatus msg_sub, int64_t at,
                     enum rs_status cur_status, int64_t now)
{
    bool delivery_day = t == RS_TRIG_OUT_FOR_DELIVERY || t == RS_TRIG_COURIER_NEARBY ||
                        t == RS_TRIG_ATTEMPT_FAILED || t == RS_TRIG_AVAILABLE_FOR_PICKUP ||
                        t == RS_TRIG_PICKUP_REMINDER;
    if (delivery_day && cur_status != msg_status)
        return true;
    /* "there is a problem" once the parcel is out for delivery, at the pickup point or delivered:
     * it contradicts "arriving today" and the problem is over before the customer heard of it.
     * Still true, and sent: while it moves on in transit (late all the same), on its way back
     * (it explains why), and a damaged parcel whatever came next. */
    if (t == RS_TRIG_EXCEPTION && msg_sub != RS_SUB_DAMAGED &&
        (cur_status == RS_STATUS_OUT_FOR_DELIVERY || cur_status == RS_STATUS_AVAILABLE_FOR_PICKUP ||
         cur_status == RS_STATUS_DELIVERED))
        return true;
    /* "your parcel is late" once it is delivered or on its way back: the planner drops these
     * when the same change ends the shipment; a notice queued before (quiet hours, a backlog)
     * must not go out after the delivery either */
    bool delay = t == RS_TRIG_STALLED || t == RS_TRIG_PROMISE_SLIPPED || t == RS_TRIG_PROMISE_BREACHED;
    if (delay && (cur_status == RS_STATUS_DELIVERED || cur_status == RS_STATUS_RETURNING ||
                  cur_status == RS_STATUS_RETURNED))
        return true;
    return (t == RS_TRIG_COURIER_NEARBY && now - at > RS_PLAN_STALE_NEARBY_S) ||
           (t == RS_TRIG_OUT_FOR_DELIVERY && now - at > RS_PLAN_STALE_OFD_S);
}

enum rs_err rs_notify_quiet_until(const struct rs_notify_settings *s, const struct rs_recipient *r, int64_t now,
                                  int64_t *when, bool *deferred)
{
    *when = now;
    *deferred = false;
    int qs = s->quiet_start_min, qe = s->quiet_end_min;
    if (qs < 0 || qs >= 1440 || qe < 0 || qe >= 1440)
        return RS_EINVAL;
    if (qs == qe)
        return RS_OK;
    int off;
    enum rs_err rc = offset_at(r, now, &off);
    if (rc != RS_OK)
        return rc;
    int64_t local = now + (int64_t)off * 60;
    int64_t sod = local - floor_div(local, 86400) * 86400; /* second of local day */
    int64_t m = sod / 60;
    bool quiet = qs < qe ? (m >= qs && m < qe) : (m >= qs || m < qe);
    if (!quiet)
        return RS_OK;
    int64_t delta = ((int64_t)qe * 60 - sod + 86400) % 86400;
    int64_t cand = now + delta;
    /* the wall clock may have moved (DST) between now and then: correct by the difference */
    int off2;
    rc = offset_at(r, cand, &off2);
    if (rc != RS_OK)
        return rc;
    if (off2 != off)
        cand -= (int64_t)(off2 - off) * 60;
    *when = cand > now ? cand : now;
    *deferred = cand > now;
    return RS_OK;
}

/* Customer messages in the cap window before NOW, plus those planned in this call. */
static int cap_count(const struct planner *p)
{
    int n = p->customer_planned;
    for (int i = 0; i < p->r->n_sent; i++) {
        int64_t t = p->r->sent_at[i];
        if (t > p->in->now - p->s->cap_window_s && t <= p->in->now)
            n++;
    }
    return n;
}

static enum rs_err push_item(struct planner *p, const struct rs_planned *it)
{
    if (p->n >= p->cap)
        return RS_ETOOBIG;
    p->out[p->n++] = *it;
    return RS_OK;
}

/* Key "<subject>:<trigger>:<status>[.<sub>][:<disc>][:<channel>]". */
static enum rs_err make_key(char key[RS_PLAN_KEY_LEN], const char *subject, enum rs_trigger t,
                            enum rs_status st, enum rs_substatus sub, const char *disc,
                            const char *channel)
{
    int n = snprintf(key, RS_PLAN_KEY_LEN, "%s:%s:%s%s%s%s%s%s%s", subject, rs_trigger_name(t),
                     st ? rs_status_name(st) : "-", sub ? "." : "", rs_substatus_name(sub),
                     disc ? ":" : "", disc ? disc : "", channel ? ":" : "", channel ? channel : "");
    return n > 0 && n < RS_PLAN_KEY_LEN ? RS_OK : RS_EINVAL;
}

/* Plan TRIGGER (about ST/SUB, discriminated by DISC, event time AT). */
static enum rs_err plan_trigger(struct planner *p, enum rs_trigger t, enum rs_status st,
                                enum rs_substatus sub, const char *disc, int64_t at)
{
    const struct rs_notify_settings *s = p->s;
    const struct rs_recipient *r = p->r;
    const int64_t now = p->in->now;
    unsigned on = s->enabled[t];
    struct rs_planned base = {.trigger = t, .status = st, .substatus = sub, .not_before = now, .at = at};
    enum rs_err rc;

    /* channel order: preferred first, then the merchant's order (default email, sms, wa, push) */
    enum rs_channel order[RS_CH__COUNT];
    int n_order = 0;
    static const enum rs_channel dflt[] = {RS_CH_EMAIL, RS_CH_SMS, RS_CH_WHATSAPP, RS_CH_PUSH};
    const enum rs_channel *src = s->n_order > 0 ? s->order : dflt;
    int n_src = s->n_order > 0 ? s->n_order : 4;
    if (r->preferred >= 0 && r->preferred < RS_CH__COUNT && r->preferred != RS_CH_WEBHOOK)
        order[n_order++] = (enum rs_channel)r->preferred;
    for (int i = 0; i < n_src; i++) {
        enum rs_channel c = src[i];
        bool dup = c == RS_CH_WEBHOOK;
        for (int k = 0; k < n_order && !dup; k++)
            dup = order[k] == c;
        if (!dup)
            order[n_order++] = c;
    }

    enum rs_channel usable[RS_CH__COUNT];
    int n_usable = 0;
    enum rs_suppress why = RS_SUPP_TRIGGER_OFF;
    for (int i = 0; i < n_order; i++) {
        unsigned bit = RS_CH_BIT(order[i]);
        if (!(on & bit))
            continue;
        enum rs_suppress w = !(r->contact & bit)   ? RS_SUPP_NO_CONTACT
                             : !(r->consent & bit) ? RS_SUPP_NO_CONSENT
                                                   : RS_SUPP_NONE;
        if (w == RS_SUPP_NONE)
            usable[n_usable++] = order[i];
        else if (why == RS_SUPP_TRIGGER_OFF)
            why = w; /* the reason of the first enabled channel */
    }

    struct rs_planned it = base;
    if (n_usable == 0) {
        it.channel = n_order > 0 ? order[0] : RS_CH_EMAIL;
        it.suppressed = why;
    } else {
        it.channel = usable[0];
        if (rs_notify_stale(t, st, sub, at, st, now))
            it.suppressed = RS_SUPP_STALE;
        bool exempt = trig_props[t].cap_exempt ||
                      (t == RS_TRIG_EXCEPTION && p->in->action_required);
        if (!it.suppressed && s->cap_count > 0 && !exempt) {
            int extra = s->send_all ? n_usable : 1;
            if (cap_count(p) + extra > s->cap_count)
                it.suppressed = RS_SUPP_CAPPED;
        }
        if (!it.suppressed && !trig_props[t].urgent) {
            rc = rs_notify_quiet_until(s, r, now, &it.not_before, &it.deferred);
            if (rc != RS_OK)
                return rc;
        }
    }
    if (it.suppressed || !s->send_all) {
        for (int i = 1; i < n_usable && !it.suppressed; i++)
            it.fallback[it.n_fallback++] = usable[i];
        rc = make_key(it.key, p->in->subject_id, t, st, sub, disc, NULL);
        if (rc == RS_OK)
            rc = push_item(p, &it);
        if (rc != RS_OK)
            return rc;
        if (!it.suppressed)
            p->customer_planned++;
    } else {
        for (int i = 0; i < n_usable; i++) {
            struct rs_planned one = it;
            one.channel = usable[i];
            rc = make_key(one.key, p->in->subject_id, t, st, sub, disc, rs_channel_name(usable[i]));
            if (rc == RS_OK)
                rc = push_item(p, &one);
            if (rc != RS_OK)
                return rc;
            p->customer_planned++;
        }
    }

    /* the merchant's webhook: data, not a customer message */
    unsigned wb = RS_CH_BIT(RS_CH_WEBHOOK);
    if ((on & wb) && (r->contact & wb)) {
        struct rs_planned w = base;
        w.channel = RS_CH_WEBHOOK;
        rc = make_key(w.key, p->in->subject_id, t, st, sub, disc, "webhook");
        if (rc == RS_OK)
            rc = push_item(p, &w);
        if (rc != RS_OK)
            return rc;
    }
    return RS_OK;
}

/* ---- public ------------------------------------------------------------------------------ */

enum rs_err rs_notify_pickup_due(const struct rs_notify_settings *s, const struct rs_recipient *r,
                                 int64_t deadline_day, int64_t now, bool *due)
{
    *due = false;
    int qs = s->quiet_start_min, qe = s->quiet_end_min;
    if (qs < 0 || qs >= 1440 || qe < 0 || qe >= 1440)
        return RS_EINVAL;
    int off;
    enum rs_err rc = offset_at(r, now, &off);
    if (rc != RS_OK)
        return rc;
    int64_t local = now + (int64_t)off * 60, today = floor_div(local, 86400);
    int64_t m = (local - today * 86400) / 60;
    /* the day before; or the day itself while some of its sending hours are left: quiet hours
     * that run past midnight (21:00–09:00) close the day at their start, others leave its end */
    *due = deadline_day == today + 1 || (deadline_day == today && (qs <= qe || m < qs));
    return RS_OK;
}

enum rs_err rs_notify_plan(const struct rs_plan_input *in, const struct rs_notify_settings *s,
                           const struct rs_recipient *r, struct rs_planned *out, int cap,
                           int *n_out)
{
    if (!in || !s || !r || !out || !valid_id(in->subject_id) ||
        (unsigned)in->old_status >= RS_STATUS__COUNT ||
        (unsigned)in->new_status >= RS_STATUS__COUNT || (unsigned)in->old_sub >= RS_SUB__COUNT ||
        (unsigned)in->new_sub >= RS_SUB__COUNT || in->n_delays < 0 ||
        (in->n_delays > 0 && !in->delays) || s->n_order < 0 || s->n_order > RS_CH__COUNT ||
        s->quiet_start_min < 0 || s->quiet_start_min >= 1440 || s->quiet_end_min < 0 ||
        s->quiet_end_min >= 1440 || s->cap_count < 0 || (s->cap_count > 0 && s->cap_window_s <= 0) ||
        r->n_sent < 0 || (r->n_sent > 0 && !r->sent_at))
        return RS_EINVAL;
    for (int i = 0; i < s->n_order; i++)
        if ((unsigned)s->order[i] >= RS_CH__COUNT)
            return RS_EINVAL;
    struct planner p = {.in = in, .s = s, .r = r, .out = out, .cap = cap};
    enum rs_err rc = RS_OK;

    if (in->order_confirmed)
        rc = plan_trigger(&p, RS_TRIG_ORDER_CONFIRMED, RS_STATUS_NONE, RS_SUB_NONE, NULL, in->now);

    enum rs_trigger t;
    if (rc == RS_OK &&
        rs_notify_trigger_for(in->old_status, in->old_sub, in->new_status, in->new_sub, &t)) {
        char day[24];
        const char *disc = NULL;
        if (trig_props[t].per_day) {
            /* the local day of the event, so a second attempt tomorrow notifies again */
            int off = 0;
            rc = offset_at(r, in->event_at, &off);
            int64_t d = floor_div(in->event_at + (int64_t)off * 60, 86400);
            snprintf(day, sizeof day, "d%lld", (long long)d);
            disc = day;
        }
        if (rc == RS_OK)
            rc = plan_trigger(&p, t, in->new_status, in->new_sub, disc, in->event_at);
    }

    bool done = in->new_status == RS_STATUS_DELIVERED || in->new_status == RS_STATUS_RETURNED ||
                in->new_status == RS_STATUS_RETURNING;
    /* a stall told with a slip or breach of the same moment is that notice's news already */
    bool promise_delay = false;
    for (int i = 0; i < in->n_delays; i++)
        promise_delay |= !in->delays[i].stalled;
    for (int i = 0; i < in->n_delays && rc == RS_OK && !done; i++) {
        const struct rs_delay_record *d = &in->delays[i];
        if (!valid_id(d->version))
            return RS_EINVAL;
        if (d->stalled && promise_delay)
            continue;
        enum rs_trigger dt = d->stalled    ? RS_TRIG_STALLED
                             : d->breached ? RS_TRIG_PROMISE_BREACHED
                                           : RS_TRIG_PROMISE_SLIPPED;
        rc = plan_trigger(&p, dt, RS_STATUS_NONE, RS_SUB_NONE, d->version, d->detected_at);
    }
    if (rc == RS_OK && in->pickup_deadline) {
        if (!valid_id(in->pickup_deadline))
            return RS_EINVAL;
        rc = plan_trigger(&p, RS_TRIG_PICKUP_REMINDER, RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_NONE,
                          in->pickup_deadline, in->now);
    }
    if (rc == RS_OK && in->compensation_id) {
        if (!valid_id(in->compensation_id))
            return RS_EINVAL;
        rc = plan_trigger(&p, RS_TRIG_COMPENSATION, RS_STATUS_NONE, RS_SUB_NONE,
                          in->compensation_id, in->now);
    }
    if (rc != RS_OK)
        return rc;
    *n_out = p.n;
    return RS_OK;
}

void rs_retry_next(const struct rs_retry_policy *p, const struct rs_planned *item,
                   int channel_index, int attempts, bool permanent, int64_t retry_after_s,
                   uint32_t rnd, struct rs_retry_decision *out)
{
    struct rs_retry_decision d = {.channel_index = channel_index};
    d.channel = channel_index <= 0 ? item->channel
                : channel_index <= item->n_fallback ? item->fallback[channel_index - 1]
                                                    : item->channel;
    bool too_long = retry_after_s > p->max_retry_after_s;
    if (!permanent && attempts < p->max_attempts && !too_long) {
        int64_t delay = p->base_s > 0 ? p->base_s : 1;
        for (int i = 1; i < attempts && delay < p->max_delay_s; i++)
            delay *= 2;
        if (delay > p->max_delay_s)
            delay = p->max_delay_s;
        int64_t half = delay / 2;
        delay = delay - half + (half > 0 ? (int64_t)(rnd % (uint64_t)(half + 1)) : 0);
        if (retry_after_s > delay)
            delay = retry_after_s;
        d.action = RS_RETRY_AGAIN;
        d.delay_s = delay;
    } else if (channel_index < item->n_fallback) {
        d.action = RS_RETRY_NEXT_CHANNEL;
        d.channel_index = channel_index + 1;
        d.channel = item->fallback[channel_index];
        d.delay_s = 0;
    } else {
        d.action = RS_RETRY_GIVE_UP;
    }
    *out = d;
}
