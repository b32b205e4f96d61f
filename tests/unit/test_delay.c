/* test_delay.c — each delay rule fires when it should and only then. */
#include "unit.h"

#include "core/calendar.h"
#include "core/delay.h"

#define D(y, m, d) rs_cal_day(y, m, d)
#define NOON(day) ((day) * 86400 + 12 * 3600 + 3 * 3600) /* 12:00 at UTC-3 */

static struct rs_delay_input base(void)
{
    struct rs_delay_input in = {0};
    in.status = RS_STATUS_IN_TRANSIT;
    in.offset_min = -180;
    in.now = NOON(D(2025, 10, 8));
    in.last_scan_at = in.now - 3600;
    in.shown_latest = D(2025, 10, 10);
    in.current_latest = D(2025, 10, 10);
    in.normal_gap_s = 24 * 3600;
    return in;
}

static void test_none_when_on_track(void **state)
{
    (void)state;
    struct rs_delay out[RS_DELAY_MAX];
    struct rs_delay_input in = base();
    assert_int_equal(rs_delay_detect(&in, out), 0);
}

static void test_breached(void **state)
{
    (void)state;
    struct rs_delay out[RS_DELAY_MAX];
    struct rs_delay_input in = base();
    in.now = NOON(D(2025, 10, 10)); /* the promised day itself: not yet */
    in.last_scan_at = in.now - 3600;
    assert_int_equal(rs_delay_detect(&in, out), 0);
    /* 23:59 local on the promised day: still not breached; 00:01 next day: breached */
    in.now = D(2025, 10, 11) * 86400 + 3 * 3600 - 60;
    in.last_scan_at = in.now - 3600;
    assert_int_equal(rs_delay_detect(&in, out), 0);
    in.now += 120;
    assert_int_equal(rs_delay_detect(&in, out), 1);
    assert_int_equal(out[0].cause, RS_DELAY_PROMISE_BREACHED);
    assert_int_equal(out[0].days_late, 1);
    assert_string_equal(rs_delay_cause_name(out[0].cause), "promise_breached");
    /* delivered: nothing, whatever the dates */
    in.status = RS_STATUS_DELIVERED;
    assert_int_equal(rs_delay_detect(&in, out), 0);
}

static void test_slipped(void **state)
{
    (void)state;
    struct rs_delay out[RS_DELAY_MAX];
    struct rs_delay_input in = base();
    in.current_latest = D(2025, 10, 14);
    assert_int_equal(rs_delay_detect(&in, out), 1);
    assert_int_equal(out[0].cause, RS_DELAY_PROMISE_SLIPPED);
    assert_int_equal(out[0].days_late, 4);
    in.current_latest = D(2025, 10, 9); /* earlier than told: good news, no delay */
    assert_int_equal(rs_delay_detect(&in, out), 0);
    in.shown_latest = -1; /* nothing shown: nothing to slip from */
    in.current_latest = D(2025, 10, 14);
    assert_int_equal(rs_delay_detect(&in, out), 0);
}

static void test_stalled(void **state)
{
    (void)state;
    struct rs_delay out[RS_DELAY_MAX];
    struct rs_delay_input in = base();
    in.last_scan_at = in.now - 47 * 3600; /* lane gap 24 h: stalled beyond 48 h */
    assert_int_equal(rs_delay_detect(&in, out), 0);
    in.last_scan_at = in.now - 49 * 3600;
    assert_int_equal(rs_delay_detect(&in, out), 1);
    assert_int_equal(out[0].cause, RS_DELAY_STALLED);
    assert_int_equal(out[0].quiet_s, 49 * 3600);
    /* a lane that normally goes 3 days between scans is not stalled after 49 h */
    in.normal_gap_s = 72 * 3600;
    assert_int_equal(rs_delay_detect(&in, out), 0);
    /* unknown gap: default 48 h x 2 */
    in.normal_gap_s = 0;
    in.last_scan_at = in.now - 97 * 3600;
    assert_int_equal(rs_delay_detect(&in, out), 1);
    /* pending (label only) is never "stalled" */
    in.status = RS_STATUS_PENDING;
    assert_int_equal(rs_delay_detect(&in, out), 0);
}

/* The silence that counts as a stall: twice the lane's normal gap, never under a day; the
 * default when the lane's cadence is not learnt. */
static void test_stall_limit(void **state)
{
    (void)state;
    assert_int_equal(rs_delay_stall_limit(0), 2 * RS_DELAY_DEFAULT_GAP_S);
    assert_int_equal(rs_delay_stall_limit(-5), 2 * RS_DELAY_DEFAULT_GAP_S);
    assert_int_equal(rs_delay_stall_limit(6 * 3600), RS_DELAY_STALL_MIN_S); /* 12 h < a day */
    assert_int_equal(rs_delay_stall_limit(60 * 3600), 120 * 3600);
    struct rs_delay d[RS_DELAY_MAX];
    struct rs_delay_input in = {.status = RS_STATUS_IN_TRANSIT, .now = 1000000, .last_scan_at = 1000000 - 100 * 3600,
                                .shown_latest = -1, .current_latest = -1};
    assert_int_equal(rs_delay_detect(&in, d), 1); /* 100 h > the default 96 h */
    in.normal_gap_s = 60 * 3600;
    assert_int_equal(rs_delay_detect(&in, d), 0); /* a 60-hourly lane waits 120 h */
    in.normal_gap_s = 6 * 3600;
    assert_int_equal(rs_delay_detect(&in, d), 1);
    assert_int_equal(d[0].cause, RS_DELAY_STALLED);
}

static void test_exception_and_several(void **state)
{
    (void)state;
    struct rs_delay out[RS_DELAY_MAX];
    struct rs_delay_input in = base();
    in.status = RS_STATUS_EXCEPTION;
    in.substatus = RS_SUB_WEATHER;
    assert_int_equal(rs_delay_detect(&in, out), 1);
    assert_int_equal(out[0].cause, RS_DELAY_EXCEPTION);
    assert_int_equal(out[0].substatus, RS_SUB_WEATHER);
    /* all four at once, in order */
    in.now = NOON(D(2025, 10, 15));
    in.last_scan_at = in.now - 5 * 86400;
    in.current_latest = D(2025, 10, 20);
    assert_int_equal(rs_delay_detect(&in, out), 4);
    assert_int_equal(out[0].cause, RS_DELAY_PROMISE_BREACHED);
    assert_int_equal(out[1].cause, RS_DELAY_PROMISE_SLIPPED);
    assert_int_equal(out[2].cause, RS_DELAY_STALLED);
    assert_int_equal(out[3].cause, RS_DELAY_EXCEPTION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_when_on_track),
        cmocka_unit_test(test_breached),
        cmocka_unit_test(test_slipped),
        cmocka_unit_test(test_stalled),
        cmocka_unit_test(test_stall_limit),
        cmocka_unit_test(test_exception_and_several),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
