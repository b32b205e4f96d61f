/* test_notify_plan.c — which transitions notify, channel choice and fallback, consent, caps,
 * quiet hours across the Europe/Madrid DST change, dedup keys, retries. */
#include "unit.h"

#include <string.h>

#include "core/notify_plan.h"
#include "util/locfmt.h"
#include "util/timefmt.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return rs_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static enum rs_err madrid(void *ctx, int64_t at, int *off)
{
    (void)ctx;
    return rs_locfmt_utc_offset("Europe/Madrid", at, off);
}

static struct rs_notify_settings all_on(void)
{
    struct rs_notify_settings s = {0};
    for (int t = 0; t < RS_TRIG__COUNT; t++)
        s.enabled[t] = RS_CH_BIT(RS_CH_EMAIL) | RS_CH_BIT(RS_CH_SMS) | RS_CH_BIT(RS_CH_WHATSAPP) |
                       RS_CH_BIT(RS_CH_PUSH) | RS_CH_BIT(RS_CH_WEBHOOK);
    return s;
}

static struct rs_recipient reachable(void)
{
    struct rs_recipient r = {.preferred = RS_CH_WHATSAPP,
                             .contact = RS_CH_BIT(RS_CH_EMAIL) | RS_CH_BIT(RS_CH_SMS) |
                                        RS_CH_BIT(RS_CH_WHATSAPP) | RS_CH_BIT(RS_CH_WEBHOOK),
                             .consent = RS_CH_BIT(RS_CH_EMAIL) | RS_CH_BIT(RS_CH_SMS) | RS_CH_BIT(RS_CH_WHATSAPP),
                             .offset_min = 60};
    return r;
}

static struct rs_plan_input change(enum rs_status from, enum rs_substatus fs, enum rs_status to,
                                   enum rs_substatus ts, int64_t at)
{
    struct rs_plan_input in = {.subject_id = "shp_42", .old_status = from, .old_sub = fs,
                               .new_status = to, .new_sub = ts, .event_at = at, .now = at + 60};
    return in;
}

static int plan(const struct rs_plan_input *in, const struct rs_notify_settings *s,
                const struct rs_recipient *r, struct rs_planned *out)
{
    int n = -1;
    assert_int_equal(rs_notify_plan(in, s, r, out, RS_PLAN_MAX_ITEMS, &n), RS_OK);
    return n;
}

static void test_transitions(void **state)
{
    (void)state;
    static const struct {
        enum rs_status from;
        enum rs_substatus fs;
        enum rs_status to;
        enum rs_substatus ts;
        int trigger; /* -1: none */
    } cases[] = {
        {RS_STATUS_PENDING, 0, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, RS_TRIG_SHIPPED},
        {RS_STATUS_INFO_RECEIVED, 0, RS_STATUS_IN_TRANSIT, 0, RS_TRIG_SHIPPED},
        {RS_STATUS_NONE, 0, RS_STATUS_IN_TRANSIT, 0, RS_TRIG_SHIPPED},
        {RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, RS_STATUS_IN_TRANSIT, RS_SUB_ARRIVED_AT_FACILITY, -1},
        {RS_STATUS_IN_TRANSIT, RS_SUB_ARRIVED_AT_FACILITY, RS_STATUS_IN_TRANSIT, RS_SUB_DEPARTED_FACILITY, -1},
        {RS_STATUS_IN_TRANSIT, 0, RS_STATUS_IN_TRANSIT, 0, -1},
        {RS_STATUS_EXCEPTION, RS_SUB_WEATHER, RS_STATUS_IN_TRANSIT, 0, -1},
        {RS_STATUS_NONE, 0, RS_STATUS_PENDING, 0, -1},
        {RS_STATUS_PENDING, 0, RS_STATUS_INFO_RECEIVED, 0, -1},
        {RS_STATUS_IN_TRANSIT, 0, RS_STATUS_OUT_FOR_DELIVERY, 0, RS_TRIG_OUT_FOR_DELIVERY},
        {RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_OUT_FOR_DELIVERY, 0, -1},
        {RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_COURIER_NEARBY, RS_TRIG_COURIER_NEARBY},
        {RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_COURIER_NEARBY, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_COURIER_NEARBY, -1},
        {RS_STATUS_IN_TRANSIT, 0, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_COURIER_NEARBY, RS_TRIG_COURIER_NEARBY},
        {RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT, RS_TRIG_ATTEMPT_FAILED},
        {RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT, RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT, -1},
        {RS_STATUS_IN_TRANSIT, 0, RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_AT_PICKUP_POINT, RS_TRIG_AVAILABLE_FOR_PICKUP},
        {RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_DELIVERED, RS_SUB_LEFT_AT_DOOR, RS_TRIG_DELIVERED},
        {RS_STATUS_DELIVERED, RS_SUB_LEFT_AT_DOOR, RS_STATUS_DELIVERED, RS_SUB_SIGNED, -1},
        {RS_STATUS_IN_TRANSIT, 0, RS_STATUS_EXCEPTION, RS_SUB_CUSTOMS_HOLD, RS_TRIG_EXCEPTION},
        {RS_STATUS_EXCEPTION, RS_SUB_CUSTOMS_HOLD, RS_STATUS_EXCEPTION, RS_SUB_DAMAGED, RS_TRIG_EXCEPTION},
        {RS_STATUS_DELIVERED, 0, RS_STATUS_RETURNING, RS_SUB_TO_SENDER, -1},
        {RS_STATUS_RETURNING, 0, RS_STATUS_RETURNED, 0, -1},
        {RS_STATUS_IN_TRANSIT, 0, RS_STATUS_EXPIRED, 0, -1},
    };
    struct rs_notify_settings s = all_on();
    struct rs_recipient r = reachable();
    struct rs_planned out[RS_PLAN_MAX_ITEMS];
    int64_t at = utc(2026, 11, 26, 10, 0); /* 11:00 in Madrid: not quiet */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rs_plan_input in = change(cases[i].from, cases[i].fs, cases[i].to, cases[i].ts, at);
        int n = plan(&in, &s, &r, out);
        if (cases[i].trigger < 0) {
            if (n != 0)
                fail_msg("case %zu: %s→%s planned %d", i, rs_status_name(cases[i].from), rs_status_name(cases[i].to), n);
            continue;
        }
        assert_int_equal(n, 2); /* the customer message and the merchant webhook */
        assert_int_equal(out[0].trigger, cases[i].trigger);
        assert_int_equal(out[0].suppressed, RS_SUPP_NONE);
        assert_int_equal(out[0].channel, RS_CH_WHATSAPP);
        assert_int_equal(out[1].channel, RS_CH_WEBHOOK);
        assert_int_equal(out[1].trigger, cases[i].trigger);
    }
}

static void test_channels_and_suppression(void **state)
{
    (void)state;
    struct rs_notify_settings s = all_on();
    struct rs_recipient r = reachable();
    struct rs_planned out[RS_PLAN_MAX_ITEMS];
    int64_t at = utc(2026, 11, 26, 10, 0);
    struct rs_plan_input in = change(RS_STATUS_PENDING, 0, RS_STATUS_IN_TRANSIT, 0, at);
    /* preferred whatsapp, then the default order email, sms (push: no contact) */
    int n = plan(&in, &s, &r, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].channel, RS_CH_WHATSAPP);
    assert_int_equal(out[0].n_fallback, 2);
    assert_int_equal(out[0].fallback[0], RS_CH_EMAIL);
    assert_int_equal(out[0].fallback[1], RS_CH_SMS);
    assert_string_equal(out[0].key, "shp_42:shipped:in_transit");
    assert_string_equal(out[1].key, "shp_42:shipped:in_transit:webhook");
    /* merchant order sms, email; whatsapp opted out */
    s.order[0] = RS_CH_SMS;
    s.order[1] = RS_CH_EMAIL;
    s.n_order = 2;
    r.consent &= ~RS_CH_BIT(RS_CH_WHATSAPP);
    n = plan(&in, &s, &r, out);
    assert_int_equal(out[0].channel, RS_CH_SMS);
    assert_int_equal(out[0].n_fallback, 1);
    assert_int_equal(out[0].fallback[0], RS_CH_EMAIL);
    /* send_all: one message per usable channel, each with its own key */
    s.send_all = true;
    n = plan(&in, &s, &r, out);
    assert_int_equal(n, 3);
    assert_string_equal(out[0].key, "shp_42:shipped:in_transit:sms");
    assert_string_equal(out[1].key, "shp_42:shipped:in_transit:email");
    s.send_all = false;
    /* no consent anywhere → suppressed with the reason of the first enabled channel */
    r.consent = 0;
    n = plan(&in, &s, &r, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].suppressed, RS_SUPP_NO_CONSENT);
    assert_string_equal(rs_suppress_name(out[0].suppressed), "no_consent");
    assert_int_equal(out[1].suppressed, RS_SUPP_NONE); /* the webhook still goes */
    /* no contact for the enabled channels */
    r = reachable();
    r.contact = RS_CH_BIT(RS_CH_PUSH);
    s.enabled[RS_TRIG_SHIPPED] = RS_CH_BIT(RS_CH_EMAIL) | RS_CH_BIT(RS_CH_SMS);
    n = plan(&in, &s, &r, out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].suppressed, RS_SUPP_NO_CONTACT);
    /* trigger off */
    s.enabled[RS_TRIG_SHIPPED] = 0;
    n = plan(&in, &s, &r, out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].suppressed, RS_SUPP_TRIGGER_OFF);
    /* stale courier-nearby news */
    s = all_on();
    r = reachable();
    in = change(RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_COURIER_NEARBY, at);
    in.now = at + 2 * 3600;
    n = plan(&in, &s, &r, out);
    assert_int_equal(out[0].suppressed, RS_SUPP_STALE);
}

/* The dispatcher asks again when a message comes due: delivery-day news is stale once the
 * shipment moved on, and by age as the planner judges it. */
static void test_stale_at_send(void **state)
{
    (void)state;
    int64_t at = utc(2026, 11, 26, 9, 0);
    const enum rs_status ofd = RS_STATUS_OUT_FOR_DELIVERY;
    /* still out for delivery, an hour later: sent; the next day: stale */
    assert_false(rs_notify_stale(RS_TRIG_OUT_FOR_DELIVERY, ofd, RS_SUB_NONE, at, ofd, at + 3600));
    assert_true(rs_notify_stale(RS_TRIG_OUT_FOR_DELIVERY, ofd, RS_SUB_NONE, at, ofd, at + 13 * 3600));
    assert_true(rs_notify_stale(RS_TRIG_COURIER_NEARBY, ofd, RS_SUB_NONE, at, ofd, at + 2 * 3600));
    /* delivered meanwhile: "out for delivery", "nearby", "nobody was in" and "at the pickup point"
     * are stale at once */
    assert_true(rs_notify_stale(RS_TRIG_OUT_FOR_DELIVERY, ofd, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 120));
    assert_true(rs_notify_stale(RS_TRIG_COURIER_NEARBY, ofd, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 120));
    assert_true(rs_notify_stale(RS_TRIG_ATTEMPT_FAILED, RS_STATUS_ATTEMPT_FAILED, RS_SUB_NONE, at, ofd, at + 120));
    assert_true(rs_notify_stale(RS_TRIG_AVAILABLE_FOR_PICKUP, RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 120));
    /* a message that stays true is never stale: "shipped" after it was delivered, the delivery
     * the next morning, an exception */
    assert_false(rs_notify_stale(RS_TRIG_SHIPPED, RS_STATUS_IN_TRANSIT, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 86400));
    assert_false(rs_notify_stale(RS_TRIG_DELIVERED, RS_STATUS_DELIVERED, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 14 * 3600));
    assert_false(rs_notify_stale(RS_TRIG_EXCEPTION, RS_STATUS_EXCEPTION, RS_SUB_NONE, at, RS_STATUS_IN_TRANSIT, at + 3600));
    /* an exception kept by quiet hours until the parcel is out again, at the pickup point or
     * delivered: "there is a problem" would contradict "arriving today" / "delivered" */
    const enum rs_status exc = RS_STATUS_EXCEPTION;
    assert_true(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_WEATHER, at, ofd, at + 8 * 3600));
    assert_true(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_ADDRESS_ISSUE, at, RS_STATUS_DELIVERED, at + 8 * 3600));
    assert_true(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_CUSTOMS_HOLD, at, RS_STATUS_AVAILABLE_FOR_PICKUP, at + 60));
    assert_true(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 60));
    /* still true: the problem while it is still one, a damaged parcel delivered all the same,
     * a refusal on its way back (it says why) */
    assert_false(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_CUSTOMS_HOLD, at, exc, at + 8 * 3600));
    assert_false(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_DAMAGED, at, RS_STATUS_DELIVERED, at + 8 * 3600));
    assert_false(rs_notify_stale(RS_TRIG_EXCEPTION, exc, RS_SUB_REFUSED, at, RS_STATUS_RETURNING, at + 8 * 3600));
    /* "your parcel is late" (about no status) once it is delivered or going back: stale; while
     * it is still on its way: sent */
    static const enum rs_trigger late[] = {RS_TRIG_STALLED, RS_TRIG_PROMISE_SLIPPED, RS_TRIG_PROMISE_BREACHED};
    for (size_t i = 0; i < sizeof late / sizeof late[0]; i++) {
        assert_true(rs_notify_stale(late[i], RS_STATUS_NONE, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 8 * 3600));
        assert_true(rs_notify_stale(late[i], RS_STATUS_NONE, RS_SUB_NONE, at, RS_STATUS_RETURNING, at + 8 * 3600));
        assert_true(rs_notify_stale(late[i], RS_STATUS_NONE, RS_SUB_NONE, at, RS_STATUS_RETURNED, at + 8 * 3600));
        assert_false(rs_notify_stale(late[i], RS_STATUS_NONE, RS_SUB_NONE, at, RS_STATUS_IN_TRANSIT, at + 8 * 3600));
        assert_false(rs_notify_stale(late[i], RS_STATUS_NONE, RS_SUB_NONE, at, exc, at + 8 * 3600));
    }
    /* the apology for a broken promise stays true after the late delivery */
    assert_false(rs_notify_stale(RS_TRIG_COMPENSATION, RS_STATUS_NONE, RS_SUB_NONE, at, RS_STATUS_DELIVERED, at + 8 * 3600));
}

static void test_keys_dedup(void **state)
{
    (void)state;
    struct rs_notify_settings s = all_on();
    struct rs_recipient r = reachable();
    struct rs_planned a[RS_PLAN_MAX_ITEMS], b[RS_PLAN_MAX_ITEMS];
    int64_t day1 = utc(2026, 11, 26, 10, 0), day2 = utc(2026, 11, 27, 10, 0);
    /* the same change planned twice gives the same keys */
    struct rs_plan_input in = change(RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT, day1);
    plan(&in, &s, &r, a);
    in.now += 3600;
    plan(&in, &s, &r, b);
    assert_string_equal(a[0].key, b[0].key);
    /* a second failed attempt the next day is a new notification */
    in = change(RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT, day2);
    plan(&in, &s, &r, b);
    assert_string_not_equal(a[0].key, b[0].key);
    assert_non_null(strstr(a[0].key, "shp_42:attempt_failed:attempt_failed.recipient_absent:d"));
    /* delivered: once per shipment, whatever the time */
    in = change(RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_DELIVERED, RS_SUB_LEFT_AT_DOOR, day1);
    plan(&in, &s, &r, a);
    in.event_at = day2;
    in.now = day2;
    plan(&in, &s, &r, b);
    assert_string_equal(a[0].key, b[0].key);
    /* delays: one per promise version; dropped once delivered */
    struct rs_delay_record d[2] = {{false, "2026-11-28", day1, false}, {true, "2026-11-28", day1, false}};
    in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_IN_TRANSIT, 0, day1);
    in.delays = d;
    in.n_delays = 2;
    int n = plan(&in, &s, &r, a);
    assert_int_equal(n, 4);
    assert_int_equal(a[0].trigger, RS_TRIG_PROMISE_SLIPPED);
    assert_string_equal(a[0].key, "shp_42:promise_slipped:-:2026-11-28");
    assert_int_equal(a[2].trigger, RS_TRIG_PROMISE_BREACHED);
    in.new_status = RS_STATUS_DELIVERED;
    n = plan(&in, &s, &r, a);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].trigger, RS_TRIG_DELIVERED);
    /* order confirmed and compensation */
    struct rs_plan_input o = {.subject_id = "ord_7", .order_confirmed = true, .compensation_id = "cpn_1", .now = day1};
    n = plan(&o, &s, &r, a);
    assert_int_equal(n, 4);
    assert_int_equal(a[0].trigger, RS_TRIG_ORDER_CONFIRMED);
    assert_string_equal(a[0].key, "ord_7:order_confirmed:-");
    assert_int_equal(a[2].trigger, RS_TRIG_COMPENSATION);
    assert_string_equal(a[2].key, "ord_7:compensation:-:cpn_1");
    /* bad input */
    o.subject_id = "ord 7;drop";
    assert_int_equal(rs_notify_plan(&o, &s, &r, a, RS_PLAN_MAX_ITEMS, &n), RS_EINVAL);
    o.subject_id = "ord_7";
    assert_int_equal(rs_notify_plan(&o, &s, &r, a, 1, &n), RS_ETOOBIG);
    s.quiet_start_min = 1440;
    assert_int_equal(rs_notify_plan(&o, &s, &r, a, RS_PLAN_MAX_ITEMS, &n), RS_EINVAL);
}

static void test_caps(void **state)
{
    (void)state;
    struct rs_notify_settings s = all_on();
    s.cap_count = 3;
    s.cap_window_s = 86400;
    struct rs_recipient r = reachable();
    int64_t now = utc(2026, 11, 26, 10, 0);
    int64_t hist[] = {now - 90000 /* outside the window */, now - 3600, now - 7200, now - 60};
    r.sent_at = hist;
    r.n_sent = 4;
    struct rs_planned out[RS_PLAN_MAX_ITEMS];
    struct rs_plan_input in = change(RS_STATUS_PENDING, 0, RS_STATUS_IN_TRANSIT, 0, now - 60);
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].suppressed, RS_SUPP_CAPPED);
    assert_int_equal(out[1].suppressed, RS_SUPP_NONE); /* webhooks are not capped */
    /* urgent and action-required messages are never capped */
    in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_OUT_FOR_DELIVERY, 0, now - 60);
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].suppressed, RS_SUPP_NONE);
    in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_EXCEPTION, RS_SUB_CUSTOMS_HOLD, now - 60);
    in.action_required = true;
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].suppressed, RS_SUPP_NONE);
    in.action_required = false;
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].suppressed, RS_SUPP_CAPPED);
    /* one slot left: the first of two delays goes, the second is capped */
    r.n_sent = 3;
    struct rs_delay_record d[2] = {{false, "v1", now, false}, {true, "v1", now, false}};
    in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_IN_TRANSIT, 0, now);
    in.delays = d;
    in.n_delays = 2;
    int n = plan(&in, &s, &r, out);
    assert_int_equal(n, 4);
    assert_int_equal(out[0].suppressed, RS_SUPP_NONE);
    assert_int_equal(out[2].suppressed, RS_SUPP_CAPPED);
    /* the apology with its coupon is never capped: a customer who already had many updates is
     * the one whose promise was broken (at most one coupon per shipment, so it cannot flood) */
    r.n_sent = 4; /* the window is full */
    in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_IN_TRANSIT, 0, now);
    in.compensation_id = "c7";
    n = plan(&in, &s, &r, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].trigger, RS_TRIG_COMPENSATION);
    assert_int_equal(out[0].suppressed, RS_SUPP_NONE);
    /* told with the breach that caused it, one slot left: the breach takes it, the apology
     * still goes */
    r.n_sent = 3;
    in.delays = d + 1;
    in.n_delays = 1;
    n = plan(&in, &s, &r, out);
    assert_int_equal(n, 4);
    assert_int_equal(out[0].trigger, RS_TRIG_PROMISE_BREACHED);
    assert_int_equal(out[0].suppressed, RS_SUPP_NONE);
    assert_int_equal(out[2].trigger, RS_TRIG_COMPENSATION);
    assert_int_equal(out[2].suppressed, RS_SUPP_NONE);
}

static void test_quiet_hours_dst(void **state)
{
    (void)state;
    struct rs_notify_settings s = all_on();
    s.quiet_start_min = 22 * 60;
    s.quiet_end_min = 8 * 60;
    struct rs_recipient r = reachable();
    r.utc_offset = madrid;
    struct rs_planned out[RS_PLAN_MAX_ITEMS];
    /* Saturday 2025-10-25 23:30 CEST (21:30 UTC); clocks go back at 03:00 CEST on Sunday 26.
     * Quiet hours end at 08:00 CET = 07:00 UTC (a naive +2h offset would say 06:00 UTC). */
    int64_t ev = utc(2025, 10, 25, 21, 30);
    struct rs_plan_input in = change(RS_STATUS_PENDING, 0, RS_STATUS_IN_TRANSIT, 0, ev);
    in.now = ev;
    plan(&in, &s, &r, out);
    assert_true(out[0].deferred);
    assert_int_equal(out[0].not_before, utc(2025, 10, 26, 7, 0));
    assert_false(out[1].deferred); /* webhook */
    assert_int_equal(out[1].not_before, ev);
    /* spring forward: Saturday 2026-03-28 23:30 CET; 08:00 CEST on the 29th = 06:00 UTC */
    ev = utc(2026, 3, 28, 22, 30);
    in = change(RS_STATUS_PENDING, 0, RS_STATUS_IN_TRANSIT, 0, ev);
    in.now = ev;
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].not_before, utc(2026, 3, 29, 6, 0));
    /* just after midnight local, same night */
    ev = utc(2026, 11, 25, 23, 30); /* 00:30 CET */
    in = change(RS_STATUS_OUT_FOR_DELIVERY, 0, RS_STATUS_DELIVERED, 0, ev);
    in.now = ev;
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].not_before, utc(2026, 11, 26, 7, 0));
    /* out for delivery is never deferred */
    in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_OUT_FOR_DELIVERY, 0, ev);
    in.now = ev;
    plan(&in, &s, &r, out);
    assert_false(out[0].deferred);
    assert_int_equal(out[0].not_before, ev);
    /* outside quiet hours: now */
    ev = utc(2026, 11, 26, 9, 0); /* 10:00 CET */
    in = change(RS_STATUS_PENDING, 0, RS_STATUS_IN_TRANSIT, 0, ev);
    in.now = ev;
    plan(&in, &s, &r, out);
    assert_false(out[0].deferred);
    assert_int_equal(out[0].not_before, ev);
    /* daytime quiet window (e.g. 13:00-16:00) with a fixed offset */
    s.quiet_start_min = 13 * 60;
    s.quiet_end_min = 16 * 60;
    r.utc_offset = NULL;
    r.offset_min = -300;                  /* UTC-5 */
    ev = utc(2026, 11, 26, 19, 0);        /* 14:00 local */
    in.now = ev;
    plan(&in, &s, &r, out);
    assert_int_equal(out[0].not_before, utc(2026, 11, 26, 21, 0));
    /* the same answer for the dispatcher, which asks again when a message comes due */
    int64_t when = 0;
    bool deferred = false;
    assert_int_equal(rs_notify_quiet_until(&s, &r, ev, &when, &deferred), RS_OK);
    assert_true(deferred);
    assert_int_equal(when, utc(2026, 11, 26, 21, 0));
    assert_int_equal(rs_notify_quiet_until(&s, &r, utc(2026, 11, 26, 22, 0), &when, &deferred), RS_OK);
    assert_false(deferred);
    assert_int_equal(when, utc(2026, 11, 26, 22, 0));
    s.quiet_end_min = 1440;
    assert_int_equal(rs_notify_quiet_until(&s, &r, ev, &when, &deferred), RS_EINVAL);
    assert_true(rs_notify_trigger_urgent(RS_TRIG_OUT_FOR_DELIVERY));
    assert_true(rs_notify_trigger_urgent(RS_TRIG_COURIER_NEARBY));
    assert_false(rs_notify_trigger_urgent(RS_TRIG_SHIPPED));
    assert_false(rs_notify_trigger_urgent(RS_TRIG_STALLED));
}

static void test_retry(void **state)
{
    (void)state;
    struct rs_retry_policy p = {.base_s = 30, .max_delay_s = 3600, .max_attempts = 4, .max_retry_after_s = 7200};
    struct rs_planned it = {.channel = RS_CH_WHATSAPP, .fallback = {RS_CH_SMS, RS_CH_EMAIL}, .n_fallback = 2};
    struct rs_retry_decision d;
    /* backoff doubles; jitter keeps it within [delay/2, delay] */
    int64_t expect[] = {30, 60, 120};
    for (int a = 1; a <= 3; a++) {
        rs_retry_next(&p, &it, 0, a, false, -1, 0, &d);
        assert_int_equal(d.action, RS_RETRY_AGAIN);
        assert_int_equal(d.channel, RS_CH_WHATSAPP);
        assert_int_equal(d.delay_s, expect[a - 1] - expect[a - 1] / 2);
        rs_retry_next(&p, &it, 0, a, false, -1, 0xFFFFFFFFu, &d);
        assert_true(d.delay_s >= expect[a - 1] / 2 && d.delay_s <= expect[a - 1]);
        rs_retry_next(&p, &it, 0, a, false, -1, (uint32_t)(expect[a - 1] / 2), &d);
        assert_int_equal(d.delay_s, expect[a - 1]);
    }
    /* capped */
    p.max_attempts = 20;
    rs_retry_next(&p, &it, 0, 15, false, -1, 1800, &d);
    assert_int_equal(d.delay_s, 3600);
    p.max_attempts = 4;
    /* Retry-After is honoured */
    rs_retry_next(&p, &it, 0, 1, false, 600, 0, &d);
    assert_int_equal(d.action, RS_RETRY_AGAIN);
    assert_int_equal(d.delay_s, 600);
    /* a Retry-After beyond what we wait moves to the next channel */
    rs_retry_next(&p, &it, 0, 1, false, 86400, 0, &d);
    assert_int_equal(d.action, RS_RETRY_NEXT_CHANNEL);
    assert_int_equal(d.channel, RS_CH_SMS);
    /* attempts exhausted → next channel; permanent refusal → next channel at once */
    rs_retry_next(&p, &it, 0, 4, false, -1, 0, &d);
    assert_int_equal(d.action, RS_RETRY_NEXT_CHANNEL);
    assert_int_equal(d.channel_index, 1);
    assert_int_equal(d.delay_s, 0);
    rs_retry_next(&p, &it, 1, 1, true, -1, 0, &d);
    assert_int_equal(d.action, RS_RETRY_NEXT_CHANNEL);
    assert_int_equal(d.channel, RS_CH_EMAIL);
    assert_int_equal(d.channel_index, 2);
    rs_retry_next(&p, &it, 2, 1, false, -1, 0, &d);
    assert_int_equal(d.action, RS_RETRY_AGAIN);
    assert_int_equal(d.channel, RS_CH_EMAIL);
    rs_retry_next(&p, &it, 2, 4, false, -1, 0, &d);
    assert_int_equal(d.action, RS_RETRY_GIVE_UP);
}

/* A stall: one notice per silence (key = the last scan), deferred by quiet hours like any
 * informational message, capped, told as the breach when both come together, and never once
 * the shipment is delivered. */
static void test_stalled(void **state)
{
    (void)state;
    struct rs_notify_settings s = all_on();
    struct rs_recipient r = reachable();
    struct rs_planned a[RS_PLAN_MAX_ITEMS], b[RS_PLAN_MAX_ITEMS];
    int64_t t = utc(2026, 11, 26, 12, 0);
    struct rs_delay_record st = {.version = "20261121T101500Z", .detected_at = t, .stalled = true};
    struct rs_plan_input in = change(RS_STATUS_IN_TRANSIT, 0, RS_STATUS_IN_TRANSIT, 0, t);
    in.delays = &st;
    in.n_delays = 1;
    int n = plan(&in, &s, &r, a);
    assert_int_equal(n, 2); /* the customer's message (WhatsApp, preferred) + the webhook */
    assert_int_equal(a[0].trigger, RS_TRIG_STALLED);
    assert_int_equal(a[0].channel, RS_CH_WHATSAPP);
    assert_int_equal(a[0].suppressed, RS_SUPP_NONE);
    assert_false(a[0].deferred);
    assert_string_equal(a[0].key, "shp_42:stalled:-:20261121T101500Z");
    assert_int_equal(a[1].channel, RS_CH_WEBHOOK);
    assert_string_equal(a[1].key, "shp_42:stalled:-:20261121T101500Z:webhook");
    assert_string_equal(rs_trigger_name(RS_TRIG_STALLED), "stalled");
    assert_int_equal(rs_trigger_parse("stalled", -1), RS_TRIG_STALLED);
    /* the same stall found by the next sweep, a day later: the same key (the outbox's unique
     * index then plans nothing new) */
    in.now = t + 86400;
    st.detected_at = t + 86400;
    plan(&in, &s, &r, b);
    assert_string_equal(a[0].key, b[0].key);
    /* a later scan, then a new silence: a new key, so it notifies again */
    st.version = "20261127T080000Z";
    plan(&in, &s, &r, b);
    assert_string_not_equal(a[0].key, b[0].key);
    /* a stall found together with a breach is told once, as the breach */
    struct rs_delay_record both[2] = {{true, "2026-11-25", t, false}, st};
    in.delays = both;
    in.n_delays = 2;
    n = plan(&in, &s, &r, a);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].trigger, RS_TRIG_PROMISE_BREACHED);
    assert_int_equal(a[1].trigger, RS_TRIG_PROMISE_BREACHED);
    /* delivered in the same change: nothing about a stall */
    in.delays = &st;
    in.n_delays = 1;
    in.new_status = RS_STATUS_DELIVERED;
    n = plan(&in, &s, &r, a);
    for (int i = 0; i < n; i++)
        assert_int_not_equal(a[i].trigger, RS_TRIG_STALLED);
    /* not urgent: deferred to the end of quiet hours (22:30 local) */
    in.new_status = RS_STATUS_IN_TRANSIT;
    s.quiet_start_min = 21 * 60;
    s.quiet_end_min = 9 * 60;
    in.now = utc(2026, 11, 26, 21, 30); /* 22:30 in UTC+1 */
    n = plan(&in, &s, &r, a);
    assert_true(a[0].deferred);
    assert_int_equal(a[0].not_before, utc(2026, 11, 27, 8, 0));
    /* capped like any informational message */
    s.quiet_start_min = s.quiet_end_min = 0;
    s.cap_count = 1;
    s.cap_window_s = 86400;
    int64_t sent[1] = {in.now - 60};
    r.sent_at = sent;
    r.n_sent = 1;
    plan(&in, &s, &r, a);
    assert_int_equal(a[0].suppressed, RS_SUPP_CAPPED);
    /* turned off for the customer's channels: suppressed with the reason, the webhook still goes */
    r.n_sent = 0;
    s.enabled[RS_TRIG_STALLED] = RS_CH_BIT(RS_CH_WEBHOOK);
    n = plan(&in, &s, &r, a);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].suppressed, RS_SUPP_TRIGGER_OFF);
    assert_int_equal(a[1].channel, RS_CH_WEBHOOK);
}

/* The pickup reminder: due the day before the deadline in the customer's zone, or on the day
 * until the sending hours end; one per shipment and deadline (the key has the day), deferred by
 * quiet hours, never capped, stale once the parcel left the pickup point. */
static void test_pickup_reminder(void **state)
{
    (void)state;
    struct rs_notify_settings s = all_on();
    struct rs_recipient r = reachable();
    r.utc_offset = madrid;
    struct rs_planned a[RS_PLAN_MAX_ITEMS], b[RS_PLAN_MAX_ITEMS];
    int64_t deadline = rs_days_from_civil(2026, 12, 10);
    bool due = true;
    /* 2026-12-08 23:30 in Madrid (22:30 UTC): two days ahead, not yet */
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 8, 22, 30), &due), RS_OK);
    assert_false(due);
    /* 2026-12-09 00:30 in Madrid (still the 8th in UTC): the day before, in the customer's zone */
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 8, 23, 30), &due), RS_OK);
    assert_true(due);
    /* the day itself, no quiet hours: until midnight */
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 10, 22, 0), &due), RS_OK);
    assert_true(due);
    /* the day itself with quiet hours 21:00–09:00: until 21:00 local */
    s.quiet_start_min = 21 * 60;
    s.quiet_end_min = 9 * 60;
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 10, 19, 59), &due), RS_OK);
    assert_true(due);
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 10, 20, 0), &due), RS_OK);
    assert_false(due);
    /* past the deadline: never */
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 11, 10, 0), &due), RS_OK);
    assert_false(due);
    s.quiet_start_min = 24 * 60;
    assert_int_equal(rs_notify_pickup_due(&s, &r, deadline, utc(2026, 12, 9, 10, 0), &due), RS_EINVAL);

    /* planned: the customer's channel and the webhook, keyed by the deadline */
    s = all_on();
    struct rs_plan_input in = {.subject_id = "shp_42", .event_at = utc(2026, 12, 9, 10, 0),
                               .now = utc(2026, 12, 9, 10, 0), .pickup_deadline = "2026-12-10"};
    int n = plan(&in, &s, &r, a);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].trigger, RS_TRIG_PICKUP_REMINDER);
    assert_int_equal(a[0].channel, RS_CH_WHATSAPP);
    assert_int_equal(a[0].status, RS_STATUS_AVAILABLE_FOR_PICKUP);
    assert_int_equal(a[0].suppressed, RS_SUPP_NONE);
    assert_string_equal(a[0].key, "shp_42:pickup_reminder:available_for_pickup:2026-12-10");
    assert_int_equal(a[1].channel, RS_CH_WEBHOOK);
    assert_string_equal(a[1].key, "shp_42:pickup_reminder:available_for_pickup:2026-12-10:webhook");
    assert_string_equal(rs_trigger_name(RS_TRIG_PICKUP_REMINDER), "pickup_reminder");
    assert_int_equal(rs_trigger_parse("pickup_reminder", -1), RS_TRIG_PICKUP_REMINDER);
    /* the next sweep plans the same key; a new deadline (the carrier extended it) a new one */
    in.now += 3600;
    plan(&in, &s, &r, b);
    assert_string_equal(a[0].key, b[0].key);
    in.pickup_deadline = "2026-12-12";
    plan(&in, &s, &r, b);
    assert_string_not_equal(a[0].key, b[0].key);
    /* never capped: it is the last chance before a paid return */
    s.cap_count = 1;
    s.cap_window_s = 86400;
    int64_t sent[1] = {in.now - 60};
    r.sent_at = sent;
    r.n_sent = 1;
    plan(&in, &s, &r, a);
    assert_int_equal(a[0].suppressed, RS_SUPP_NONE);
    /* deferred by quiet hours (22:30 in Madrid → 09:00) */
    s.quiet_start_min = 21 * 60;
    s.quiet_end_min = 9 * 60;
    in.now = utc(2026, 12, 9, 21, 30);
    plan(&in, &s, &r, a);
    assert_true(a[0].deferred);
    assert_int_equal(a[0].not_before, utc(2026, 12, 10, 8, 0));
    /* the customer opted out of every channel: suppressed with the reason */
    r.consent = 0;
    plan(&in, &s, &r, a);
    assert_int_equal(a[0].suppressed, RS_SUPP_NO_CONSENT);
    /* collected (or returned) before it went: stale at send time */
    assert_true(rs_notify_stale(RS_TRIG_PICKUP_REMINDER, RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_NONE, in.now,
                                RS_STATUS_DELIVERED, in.now + 60));
    assert_false(rs_notify_stale(RS_TRIG_PICKUP_REMINDER, RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_NONE, in.now,
                                 RS_STATUS_AVAILABLE_FOR_PICKUP, in.now + 86400));
    /* a malformed deadline is refused */
    in.pickup_deadline = "10/12/2026";
    n = 0;
    assert_int_equal(rs_notify_plan(&in, &s, &r, a, RS_PLAN_MAX_ITEMS, &n), RS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_channels_and_suppression),
        cmocka_unit_test(test_stale_at_send),
        cmocka_unit_test(test_keys_dedup),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_quiet_hours_dst),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_stalled),
        cmocka_unit_test(test_pickup_reminder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
