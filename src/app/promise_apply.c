/* promise_apply.c — promises and delays in the write path, and the delay sweep
 * (promise_apply.h). */
#include "app/promise_apply.h"

#include <stdio.h>
#include <string.h>

#include "app/notify_enqueue.h"
#include "app/promise_service.h"
#include "util/timefmt.h"
#include "util/tz.h"

#define RS_PROMISE_OVERDUE_DAYS 2

/* ---- pure helpers ---- */

const char *rs_promise_reason(enum rs_status before, enum rs_status after)
{
    bool was_waiting = before == RS_STATUS_NONE || before == RS_STATUS_PENDING ||
                       before == RS_STATUS_INFO_RECEIVED;
    if (was_waiting && after == RS_STATUS_IN_TRANSIT)
        return "handed_over";
    return rs_status_name(after);
}

bool rs_promise_carrier_floor(struct rs_stored_promise *np, int64_t from, int64_t to, enum rs_status status,
                              bool after_status)
{
    if (from < 0 || to < from || np->final)
        return false;
    bool redelivery = status == RS_STATUS_ATTEMPT_FAILED && after_status;
    if (status != RS_STATUS_NONE && status != RS_STATUS_PENDING && status != RS_STATUS_INFO_RECEIVED &&
        status != RS_STATUS_IN_TRANSIT && status != RS_STATUS_EXCEPTION && !redelivery)
        return false;
    bool changed = false;
    if (to > np->latest) {
        np->latest = to;
        changed = true;
    }
    if (from > np->earliest) {
        np->earliest = from;
        changed = true;
    }
    if (np->likely < np->earliest)
        np->likely = np->earliest;
    if (np->likely > np->latest)
        np->likely = np->latest;
    return changed;
}

bool rs_promise_window_changed(const struct rs_stored_promise *a,
                               const struct rs_stored_promise *b)
{
    return a->earliest != b->earliest || a->latest != b->latest;
}

void rs_promise_to_stored(const struct rs_promise *p, int64_t model_version,
                          const struct rs_stored_promise *told, struct rs_stored_promise *out)
{
    memset(out, 0, sizeof *out);
    out->earliest = p->earliest;
    out->likely = p->likely;
    out->latest = p->latest;
    out->probability = p->probability;
    out->confidence = p->confidence;
    out->low_confidence = p->low_confidence;
    out->model_version = model_version;
    out->told_earliest = told ? told->told_earliest : p->earliest;
    out->told_latest = told ? told->told_latest : p->latest;
}

int64_t rs_promise_delay_key(const struct rs_delay *d, const struct rs_promise_ship *sh)
{
    switch (d->cause) {
    case RS_DELAY_PROMISE_BREACHED:
        return sh->has_promise ? sh->promise.told_latest : 0;
    case RS_DELAY_PROMISE_SLIPPED:
        return sh->has_promise ? sh->promise.latest : 0;
    case RS_DELAY_STALLED:
        return sh->last_event_at;
    default:
        return sh->status_at;
    }
}

void rs_promise_delay_input(const struct rs_promise_ship *sh, int64_t now, int offset_min,
                            struct rs_delay_input *in)
{
    bool live = sh->has_promise && !sh->promise.final;
    *in = (struct rs_delay_input){
        .status = sh->status,
        .substatus = sh->substatus,
        .now = now,
        .offset_min = offset_min,
        .last_scan_at = sh->last_event_at,
        .shown_latest = live ? sh->promise.told_latest : -1,
        .current_latest = live ? sh->promise.latest : -1,
        .normal_gap_s = 0, /* the sweep sets the lane's learnt cadence (rs_promise_scan_gap) */
    };
}

/* ---- engine calls ---- */

static void lane_of(const struct rs_promise_ship *sh, struct rs_promise_lane *l)
{
    *l = (struct rs_promise_lane){sh->origin_country, sh->origin_region, sh->dest_country,
                                  sh->dest_region,    sh->carrier,       sh->service,
                                  sh->origin_postcode, sh->dest_postcode};
}

struct ctx {
    struct rs_promise_handle *h;
    struct rs_promise_settings st;
    struct rs_calendar cal;
    struct rs_promise_lane lane;
};

/* Model, settings and calendar for SH. RS_ENOTFOUND: no usable model (no promise then). */
static enum rs_err ctx_open(struct rs_store *s, const struct rs_promise_ship *sh, struct ctx *c)
{
    enum rs_err e = rs_promise_cache_get(s, sh->merchant_id, &c->h);
    if (e == RS_EINVAL) /* a stored model that does not load: as if none */
        return RS_ENOTFOUND;
    if (e)
        return e;
    if ((e = rs_store_promise_settings_get(s, sh->merchant_id, &c->st))) {
        rs_promise_cache_put(c->h);
        return e;
    }
    rs_promise_calendar(&c->st, sh->dest_country, &c->cal);
    lane_of(sh, &c->lane);
    return RS_OK;
}

static int64_t local_day(const char *tz, int64_t t, int *minute)
{
    int64_t day = 0;
    int m = 0;
    if (rs_tz_local(tz, t, &day, &m) != RS_OK) /* unknown zone: UTC */
        rs_cal_local(t, 0, &day, &m);
    if (minute)
        *minute = m;
    return day;
}

/* Whether SH's carrier estimate was given at or after its last status (rs_promise_carrier_floor). */
static bool eta_since_status(const struct rs_promise_ship *sh)
{
    return sh->eta_at > 0 && sh->eta_at >= sh->status_at;
}

/* The first promise of SH (at placement). */
static enum rs_err make_initial(struct rs_store *s, struct rs_promise_ship *sh, struct ctx *c,
                                int64_t now)
{
    int minute;
    int64_t day = local_day(sh->timezone, sh->placed_at, &minute);
    struct rs_promise p;
    if (rs_promise_quote(c->h->model, &c->cal, &c->lane, day, minute, c->st.confidence, &p) !=
        RS_OK)
        return RS_OK; /* nothing to promise (an empty model) */
    struct rs_stored_promise np;
    rs_promise_to_stored(&p, c->h->version, NULL, &np);
    /* a carrier estimate already known: never earlier than it; told as such */
    if (rs_promise_carrier_floor(&np, sh->eta_from, sh->eta_to, sh->status, eta_since_status(sh))) {
        np.told_earliest = np.earliest;
        np.told_latest = np.latest;
    }
    enum rs_err e;
    if ((e = rs_store_promise_save(s, sh->shipment_id, sh->merchant_id, &np, now)) ||
        (e = rs_store_promise_history_add(s, sh->shipment_id, sh->merchant_id, now, "created",
                                          NULL, &np)))
        return e;
    sh->has_promise = true;
    sh->promise = np;
    return RS_OK;
}

enum rs_err rs_app_promise_on_shipment(struct rs_store *s, int64_t shipment_id, int64_t now)
{
    struct rs_promise_ship sh;
    struct ctx c;
    enum rs_err e = rs_store_promise_ship_get(s, shipment_id, &sh);
    if (e)
        return e;
    if (sh.has_promise)
        return RS_OK;
    if ((e = ctx_open(s, &sh, &c)))
        return e == RS_ENOTFOUND ? RS_OK : e;
    e = make_initial(s, &sh, &c, now);
    rs_promise_cache_put(c.h);
    return e;
}

/* Re-estimate SH after an event; updates SH's promise in memory. */
static enum rs_err reestimate(struct rs_store *s, struct rs_promise_ship *sh, struct ctx *c,
                              enum rs_status before, int64_t at_override, const char *why, int64_t now)
{
    struct rs_stored_promise np = sh->promise;
    const char *reason;
    if (sh->status == RS_STATUS_DELIVERED) {
        if (sh->promise.final || sh->delivered_at <= 0)
            return RS_OK;
        int64_t d = local_day(sh->timezone, sh->delivered_at, NULL);
        np.earliest = np.likely = np.latest = d;
        np.probability = 1;
        np.final = true;
        reason = "delivered";
    } else {
        int minute;
        int64_t placed = local_day(sh->timezone, sh->placed_at, &minute);
        int64_t at = at_override > 0 ? at_override : sh->status_at > 0 ? sh->status_at : now;
        struct rs_promise_state st = {
            .status = sh->status,
            .placed_day = placed,
            .placed_minute = minute,
            .shipped_day = sh->shipped_at > 0 ? local_day(sh->timezone, sh->shipped_at, NULL) : -1,
            .today = local_day(sh->timezone, at, NULL),
        };
        struct rs_promise p;
        if (rs_promise_reestimate(c->h->model, &c->cal, &c->lane, &st, c->st.confidence, &p) !=
            RS_OK)
            return RS_OK; /* returning, returned, expired: no delivery to promise */
        rs_promise_to_stored(&p, c->h->version, &sh->promise, &np);
        reason = why ? why : rs_promise_reason(before, sh->status);
        /* an update with no event (the carrier's revised estimate, a new lane) quotes as of the
         * last status, which may be days ago: a window already over would tell the customer a
         * day gone by (and undo the overdue sweep's), so it is late as of now like the sweep's */
        int64_t today = at_override > 0 ? st.today : local_day(sh->timezone, now, NULL);
        if (at_override > 0 || (why && np.latest < today)) {
            /* overdue with no news: the model's remaining transit is about nothing left, which
             * would promise "today" and break again tomorrow; a late parcel gets at least
             * today..today+2 (RS_PROMISE_OVERDUE_DAYS) */
            if (np.earliest < today)
                np.earliest = today;
            if (np.latest < today + RS_PROMISE_OVERDUE_DAYS)
                np.latest = today + RS_PROMISE_OVERDUE_DAYS;
            if (np.likely < np.earliest)
                np.likely = np.earliest;
            if (np.likely > np.latest)
                np.likely = np.latest;
        }
        rs_promise_carrier_floor(&np, sh->eta_from, sh->eta_to, sh->status, eta_since_status(sh));
    }
    bool changed = rs_promise_window_changed(&sh->promise, &np) || np.final != sh->promise.final;
    if (!changed && np.likely == sh->promise.likely)
        return RS_OK;
    enum rs_err e = rs_store_promise_save(s, sh->shipment_id, sh->merchant_id, &np, now);
    if (!e && changed)
        e = rs_store_promise_history_add(s, sh->shipment_id, sh->merchant_id, now, reason,
                                         &sh->promise, &np);
    if (!e)
        sh->promise = np;
    return e;
}

/* Detect delays of SH at NOW and record the new ones. SKIP_STALLED on the event path (an
 * event just arrived). */
static enum rs_err detect(struct rs_store *s, const struct rs_promise_ship *sh, int64_t now,
                          bool skip_stalled, int *found)
{
    int off = 0;
    if (rs_tz_offset(sh->timezone, now, &off) != RS_OK)
        off = 0;
    struct rs_delay_input in;
    rs_promise_delay_input(sh, now, off, &in);
    if (!skip_stalled) /* the lane's own cadence, learnt from the merchant's scans */
        in.normal_gap_s = rs_promise_scan_gap(s, sh->merchant_id, sh->carrier, sh->service, now);
    struct rs_delay d[RS_DELAY_MAX];
    int n = rs_delay_detect(&in, d);
    struct rs_app_delay told[RS_DELAY_MAX];
    int nt = 0;
    for (int i = 0; i < n; i++) {
        if (skip_stalled && d[i].cause == RS_DELAY_STALLED)
            continue;
        char details[256], a[11], b[11];
        switch (d[i].cause) {
        case RS_DELAY_PROMISE_BREACHED:
            rs_date_format(sh->promise.told_latest, a);
            snprintf(details, sizeof details, "{\"days_late\":%lld,\"promised_latest\":\"%s\"}",
                     (long long)d[i].days_late, a);
            break;
        case RS_DELAY_PROMISE_SLIPPED:
            rs_date_format(sh->promise.told_latest, a);
            rs_date_format(sh->promise.latest, b);
            snprintf(details, sizeof details,
                     "{\"days\":%lld,\"told_latest\":\"%s\",\"latest\":\"%s\"}",
                     (long long)d[i].days_late, a, b);
            break;
        case RS_DELAY_STALLED:
            /* normal_gap_hours: the lane's learnt cadence (null: not enough scans yet, the
             * default applied); limit_hours: the silence that counts as a stall */
            if (in.normal_gap_s > 0)
                snprintf(details, sizeof details,
                         "{\"quiet_hours\":%lld,\"normal_gap_hours\":%lld,\"limit_hours\":%lld}",
                         (long long)(d[i].quiet_s / 3600), (long long)((in.normal_gap_s + 1800) / 3600),
                         (long long)(rs_delay_stall_limit(in.normal_gap_s) / 3600));
            else
                snprintf(details, sizeof details,
                         "{\"quiet_hours\":%lld,\"normal_gap_hours\":null,\"limit_hours\":%lld}",
                         (long long)(d[i].quiet_s / 3600), (long long)(rs_delay_stall_limit(0) / 3600));
            break;
        default:
            snprintf(details, sizeof details, "{\"status\":\"%s\",\"substatus\":\"%s\"}",
                     rs_status_name(sh->status), rs_substatus_name(d[i].substatus));
            break;
        }
        bool inserted = false;
        enum rs_err e = rs_store_delay_add(s, sh->shipment_id, sh->merchant_id,
                                           rs_delay_cause_name(d[i].cause),
                                           rs_promise_delay_key(&d[i], sh), now, details, &inserted);
        if (e)
            return e;
        if (found)
            *found += inserted;
        if (inserted && (d[i].cause == RS_DELAY_PROMISE_BREACHED || d[i].cause == RS_DELAY_PROMISE_SLIPPED))
            told[nt++] = (struct rs_app_delay){d[i].cause == RS_DELAY_PROMISE_BREACHED,
                                               rs_promise_delay_key(&d[i], sh), 0};
        /* a new stall (window key = the last scan): the customer hears once per silence */
        if (inserted && d[i].cause == RS_DELAY_STALLED && sh->last_event_at > 0)
            told[nt++] = (struct rs_app_delay){.stalled_since = sh->last_event_at};
    }
    enum rs_err e = RS_OK;
    if (nt)
        e = rs_app_notify_delays(s, sh->merchant_id, sh->order_id, sh->shipment_id, told, nt, now);
    /* compensation is measured against the first promise, whatever was told since */
    if (!e && sh->has_promise && !sh->promise.final) {
        int64_t first = 0;
        e = rs_store_promise_first_latest(s, sh->shipment_id, &first);
        int64_t today = local_day(sh->timezone, now, NULL);
        if (e == RS_ENOTFOUND)
            e = RS_OK;
        else if (!e && today > first)
            e = rs_app_notify_compensate(s, sh->merchant_id, sh->order_id, sh->shipment_id, today - first, now,
                                         NULL);
    }
    return e;
}

enum rs_err rs_app_promise_on_event(struct rs_store *s, int64_t shipment_id,
                                    enum rs_status before, int64_t now)
{
    struct rs_promise_ship sh;
    struct ctx c;
    enum rs_err e = rs_store_promise_ship_get(s, shipment_id, &sh);
    if (e)
        return e;
    e = ctx_open(s, &sh, &c);
    if (e && e != RS_ENOTFOUND)
        return e;
    if (!e) {
        if (!sh.has_promise)
            e = make_initial(s, &sh, &c, now);
        if (!e && sh.has_promise)
            e = reestimate(s, &sh, &c, before, 0, NULL, now);
        rs_promise_cache_put(c.h);
        if (e)
            return e;
    }
    return detect(s, &sh, now, true, NULL);
}

static enum rs_err on_update(struct rs_store *s, int64_t shipment_id, const char *why, int64_t now);

enum rs_err rs_app_promise_on_update(struct rs_store *s, int64_t shipment_id, int64_t now)
{
    return on_update(s, shipment_id, "updated", now);
}

enum rs_err rs_app_promise_on_carrier_eta(struct rs_store *s, int64_t shipment_id, int64_t now)
{
    return on_update(s, shipment_id, "carrier_estimate", now);
}

/* Quote SHIPMENT_ID again as of its last status (history reason WHY) and detect a slip. */
static enum rs_err on_update(struct rs_store *s, int64_t shipment_id, const char *why, int64_t now)
{
    struct rs_promise_ship sh;
    struct ctx c;
    enum rs_err e = rs_store_promise_ship_get(s, shipment_id, &sh);
    if (e)
        return e;
    if (sh.has_promise && sh.promise.final)
        return RS_OK;
    e = ctx_open(s, &sh, &c);
    if (e)
        return e == RS_ENOTFOUND ? RS_OK : e;
    if (!sh.has_promise)
        e = make_initial(s, &sh, &c, now);
    else /* as of the shipment's last status, like an event: only the lane or placement moved */
        e = reestimate(s, &sh, &c, sh.status, 0, why, now);
    rs_promise_cache_put(c.h);
    if (e)
        return e;
    /* a later window than the customer was told is a slip, announced like one from an event */
    return detect(s, &sh, now, true, NULL);
}

enum rs_err rs_app_promise_on_order_update(struct rs_store *s, int64_t order_id, int64_t now)
{
    int64_t ids[64];
    int n = 0;
    enum rs_err e = rs_store_promise_order_shipments(s, order_id, ids, 64, &n);
    for (int i = 0; !e && i < n; i++)
        e = rs_app_promise_on_update(s, ids[i], now);
    return e;
}

enum rs_err rs_app_promise_sweep_chunk(struct rs_store *s, int64_t now, int64_t *after, int max,
                                       int *checked, int *found, bool *done)
{
    int64_t ids[256];
    if (max > 256)
        max = 256;
    int n = 0;
    enum rs_err e = rs_store_promise_open_shipments(s, *after, ids, max, &n);
    if (e)
        return e;
    for (int i = 0; i < n; i++) {
        struct rs_promise_ship sh;
        if ((e = rs_store_promise_ship_get(s, ids[i], &sh)))
            return e;
        /* past its latest day with no news: re-estimate as of now, so a late notice tells a
         * window that is still ahead */
        if (sh.has_promise && !sh.promise.final && local_day(sh.timezone, now, NULL) > sh.promise.latest) {
            struct ctx c;
            e = ctx_open(s, &sh, &c);
            if (!e) {
                e = reestimate(s, &sh, &c, sh.status, now, "overdue", now);
                rs_promise_cache_put(c.h);
            }
            if (e && e != RS_ENOTFOUND)
                return e;
        }
        if ((e = detect(s, &sh, now, false, found)))
            return e;
        /* still at the pickup point: remind the customer the day before it goes back */
        if (sh.status == RS_STATUS_AVAILABLE_FOR_PICKUP) {
            struct rs_pickup pk;
            if ((e = rs_store_shipment_pickup(s, sh.shipment_id, &pk)))
                return e;
            /* the customer's zone decides (notify_enqueue.c); any zone's today is within a day
             * of UTC's, so a deadline further away is not worth loading the customer for */
            int64_t utc_today = local_day("UTC", now, NULL);
            if (pk.found && pk.deadline >= utc_today - 1 && pk.deadline <= utc_today + 2 &&
                (e = rs_app_notify_pickup_reminder(s, sh.merchant_id, sh.order_id, sh.shipment_id, pk.deadline, now)))
                return e;
        }
        (*checked)++;
        *after = ids[i];
    }
    *done = n < max;
    return RS_OK;
}
