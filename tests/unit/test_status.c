/* test_status.c — the shipment state machine and order status derivation. */
#include "unit.h"

#include "core/status.h"

static struct rs_track_event ev(int64_t t, enum rs_status s)
{
    struct rs_track_event e = {.occurred_at = t, .status = s};
    return e;
}

static void test_status_names_roundtrip(void **state)
{
    (void)state;
    for (int i = 1; i < RS_STATUS__COUNT; i++)
        assert_int_equal(rs_status_parse(rs_status_name((enum rs_status)i)), i);
    for (int i = 1; i < RS_SUB__COUNT; i++)
        assert_int_equal(rs_substatus_parse(rs_substatus_name((enum rs_substatus)i)), i);
    for (int i = 0; i < RS_ORDER__COUNT; i++)
        assert_int_equal(rs_order_status_parse(rs_order_status_name((enum rs_order_status)i)), i);
    assert_int_equal(rs_status_parse("In_Transit"), RS_STATUS_NONE);
    assert_int_equal(rs_status_parse("unknown"), RS_STATUS_NONE);
}

static void test_substatus_fits(void **state)
{
    (void)state;
    assert_true(rs_substatus_fits(RS_STATUS_IN_TRANSIT, RS_SUB_IN_CUSTOMS));
    assert_true(rs_substatus_fits(RS_STATUS_EXCEPTION, RS_SUB_ADDRESS_ISSUE));
    assert_true(rs_substatus_fits(RS_STATUS_ATTEMPT_FAILED, RS_SUB_ADDRESS_ISSUE));
    assert_true(rs_substatus_fits(RS_STATUS_RETURNED, RS_SUB_TO_SENDER));
    assert_false(rs_substatus_fits(RS_STATUS_DELIVERED, RS_SUB_WEATHER));
    assert_true(rs_substatus_fits(RS_STATUS_DELIVERED, RS_SUB_NONE));
}

static void test_track_in_order(void **state)
{
    (void)state;
    struct rs_track_state st;
    rs_track_state_init(&st);
    struct rs_track_event e1 = ev(100, RS_STATUS_INFO_RECEIVED), e2 = ev(200, RS_STATUS_IN_TRANSIT),
                          e3 = ev(300, RS_STATUS_OUT_FOR_DELIVERY), e4 = ev(400, RS_STATUS_DELIVERED);
    assert_true(rs_track_apply(&st, &e1));
    assert_true(rs_track_apply(&st, &e2));
    assert_true(rs_track_apply(&st, &e3));
    assert_true(rs_track_apply(&st, &e4));
    assert_int_equal(st.status, RS_STATUS_DELIVERED);
    assert_int_equal(st.shipped_at, 200);
    assert_int_equal(st.out_for_delivery_at, 300);
    assert_int_equal(st.delivered_at, 400);
}

static void test_track_duplicate_changes_nothing(void **state)
{
    (void)state;
    struct rs_track_state st;
    rs_track_state_init(&st);
    struct rs_track_event e = ev(100, RS_STATUS_IN_TRANSIT);
    assert_true(rs_track_apply(&st, &e));
    assert_false(rs_track_needs_replay(&st, &e));
    assert_false(rs_track_apply(&st, &e));
    assert_int_equal(st.status, RS_STATUS_IN_TRANSIT);
}

static void test_track_late_scan_after_delivered(void **state)
{
    (void)state;
    struct rs_track_state st;
    rs_track_state_init(&st);
    struct rs_track_event d = ev(400, RS_STATUS_DELIVERED), late = ev(500, RS_STATUS_IN_TRANSIT),
                          older = ev(300, RS_STATUS_OUT_FOR_DELIVERY);
    rs_track_apply(&st, &d);
    /* a later-stamped progress scan does not undo delivered */
    assert_false(rs_track_apply(&st, &late));
    assert_int_equal(st.status, RS_STATUS_DELIVERED);
    /* an older one arriving late needs a replay, which still ends delivered */
    assert_true(rs_track_needs_replay(&st, &older));
    struct rs_track_event all[] = {d, late, older};
    rs_track_replay(&st, all, 3);
    assert_int_equal(st.status, RS_STATUS_DELIVERED);
    assert_int_equal(st.delivered_at, 400);
    assert_int_equal(st.out_for_delivery_at, 300);
}

static void test_track_return_after_delivered(void **state)
{
    (void)state;
    struct rs_track_state st;
    rs_track_state_init(&st);
    struct rs_track_event d = ev(400, RS_STATUS_DELIVERED), r = ev(500, RS_STATUS_RETURNING),
                          rd = ev(600, RS_STATUS_RETURNED), x = ev(700, RS_STATUS_IN_TRANSIT);
    rs_track_apply(&st, &d);
    assert_true(rs_track_apply(&st, &r));
    assert_int_equal(st.status, RS_STATUS_RETURNING);
    assert_true(rs_track_apply(&st, &rd));
    assert_false(rs_track_apply(&st, &x));
    assert_int_equal(st.status, RS_STATUS_RETURNED);
}

static void test_track_out_of_order_replay(void **state)
{
    (void)state;
    /* events arriving in a scrambled order end where time order says */
    struct rs_track_event evs[] = {ev(300, RS_STATUS_OUT_FOR_DELIVERY), ev(100, RS_STATUS_INFO_RECEIVED),
                                   ev(200, RS_STATUS_IN_TRANSIT), ev(250, RS_STATUS_EXCEPTION)};
    struct rs_track_state st;
    rs_track_replay(&st, evs, 4);
    assert_int_equal(st.status, RS_STATUS_OUT_FOR_DELIVERY);
    assert_int_equal(st.shipped_at, 200);
}

static void test_track_same_second_ranked(void **state)
{
    (void)state;
    struct rs_track_event evs[] = {ev(100, RS_STATUS_DELIVERED), ev(100, RS_STATUS_OUT_FOR_DELIVERY)};
    struct rs_track_state st;
    rs_track_replay(&st, evs, 2);
    assert_int_equal(st.status, RS_STATUS_DELIVERED);
    /* incrementally: the lower-ranked same-second event asks for a replay */
    struct rs_track_event d = ev(100, RS_STATUS_DELIVERED), o = ev(100, RS_STATUS_OUT_FOR_DELIVERY);
    rs_track_state_init(&st);
    rs_track_apply(&st, &d);
    assert_true(rs_track_needs_replay(&st, &o));
    assert_false(rs_track_needs_replay(&st, &d));
}

static void test_track_label_after_scan_ignored(void **state)
{
    (void)state;
    struct rs_track_state st;
    rs_track_state_init(&st);
    struct rs_track_event t = ev(100, RS_STATUS_IN_TRANSIT), l = ev(200, RS_STATUS_INFO_RECEIVED);
    rs_track_apply(&st, &t);
    assert_false(rs_track_apply(&st, &l));
    assert_int_equal(st.status, RS_STATUS_IN_TRANSIT);
    assert_int_equal(st.last_event_at, 200);
}

static void test_track_exception_then_recovery(void **state)
{
    (void)state;
    struct rs_track_state st;
    rs_track_state_init(&st);
    struct rs_track_event x = ev(100, RS_STATUS_EXCEPTION), t = ev(200, RS_STATUS_IN_TRANSIT);
    x.substatus = RS_SUB_WEATHER;
    rs_track_apply(&st, &x);
    assert_int_equal(st.substatus, RS_SUB_WEATHER);
    assert_true(rs_track_apply(&st, &t));
    assert_int_equal(st.status, RS_STATUS_IN_TRANSIT);
    assert_int_equal(st.substatus, RS_SUB_NONE);
}

static void test_order_derive(void **state)
{
    (void)state;
    enum rs_status a[4] = {0};
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 0), RS_ORDER_PLACED);
    assert_int_equal(rs_order_status_derive(RS_ORDER_PROCESSING, a, 0), RS_ORDER_PROCESSING);
    assert_int_equal(rs_order_status_derive(RS_ORDER_CANCELLED, a, 0), RS_ORDER_CANCELLED);
    a[0] = RS_STATUS_PENDING;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 1), RS_ORDER_PROCESSING);
    a[1] = RS_STATUS_IN_TRANSIT;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_PARTIALLY_SHIPPED);
    a[0] = RS_STATUS_IN_TRANSIT;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_IN_TRANSIT);
    a[1] = RS_STATUS_OUT_FOR_DELIVERY;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_OUT_FOR_DELIVERY);
    a[0] = RS_STATUS_DELIVERED;
    a[1] = RS_STATUS_IN_TRANSIT;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_PARTIALLY_DELIVERED);
    a[1] = RS_STATUS_DELIVERED;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_DELIVERED);
    a[1] = RS_STATUS_EXCEPTION;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_EXCEPTION);
    a[1] = RS_STATUS_ATTEMPT_FAILED;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_ATTEMPT_FAILED);
    a[0] = RS_STATUS_RETURNED;
    a[1] = RS_STATUS_RETURNED;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_RETURNED);
    a[1] = RS_STATUS_DELIVERED;
    assert_int_equal(rs_order_status_derive(RS_ORDER_PLACED, a, 2), RS_ORDER_RETURNING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names_roundtrip),
        cmocka_unit_test(test_substatus_fits),
        cmocka_unit_test(test_track_in_order),
        cmocka_unit_test(test_track_duplicate_changes_nothing),
        cmocka_unit_test(test_track_late_scan_after_delivered),
        cmocka_unit_test(test_track_return_after_delivered),
        cmocka_unit_test(test_track_out_of_order_replay),
        cmocka_unit_test(test_track_same_second_ranked),
        cmocka_unit_test(test_track_label_after_scan_ignored),
        cmocka_unit_test(test_track_exception_then_recovery),
        cmocka_unit_test(test_order_derive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
