/* test_promise_apply.c — the promise in the write path: pure helpers (history reason, window
 * change, delay keys, region codes), the model text round trip, and the whole hook on a real
 * (temporary) store: created → handed over → out for delivery → delivered, with history rows
 * only on window changes and delays recorded once. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/ingest.h"
#include "app/promise_apply.h"
#include "app/promise_io.h"
#include "app/promise_service.h"
#include "core/calendar.h"
#include "core/promise.h"
#include "store/store_promise.h"

static void test_reason(void **state)
{
    (void)state;
    assert_string_equal(rs_promise_reason(RS_STATUS_PENDING, RS_STATUS_IN_TRANSIT), "handed_over");
    assert_string_equal(rs_promise_reason(RS_STATUS_INFO_RECEIVED, RS_STATUS_IN_TRANSIT),
                        "handed_over");
    assert_string_equal(rs_promise_reason(RS_STATUS_IN_TRANSIT, RS_STATUS_IN_TRANSIT),
                        "in_transit");
    assert_string_equal(rs_promise_reason(RS_STATUS_IN_TRANSIT, RS_STATUS_OUT_FOR_DELIVERY),
                        "out_for_delivery");
    assert_string_equal(rs_promise_reason(RS_STATUS_IN_TRANSIT, RS_STATUS_EXCEPTION), "exception");
}

/* Every history reason the write path records, as the public tracking view may say it: the
 * carrier's estimate, a problem, a failed attempt, a late parcel, a late hand-over, a shop's
 * correction or other carrier news; a first promise or a delivery explains no later date. */
static void test_public_reason(void **state)
{
    (void)state;
    assert_string_equal(rs_promise_public_reason("carrier_estimate"), "carrier_estimate");
    assert_string_equal(rs_promise_public_reason(rs_promise_reason(RS_STATUS_IN_TRANSIT, RS_STATUS_EXCEPTION)),
                        "exception");
    assert_string_equal(rs_promise_public_reason(rs_promise_reason(RS_STATUS_IN_TRANSIT, RS_STATUS_ATTEMPT_FAILED)),
                        "attempt_failed");
    assert_string_equal(rs_promise_public_reason("overdue"), "running_late");
    assert_string_equal(rs_promise_public_reason(rs_promise_reason(RS_STATUS_PENDING, RS_STATUS_IN_TRANSIT)),
                        "handed_over");
    assert_string_equal(rs_promise_public_reason("updated"), "shipment_updated");
    assert_string_equal(rs_promise_public_reason(rs_promise_reason(RS_STATUS_IN_TRANSIT, RS_STATUS_IN_TRANSIT)),
                        "carrier_news");
    assert_string_equal(rs_promise_public_reason("available_for_pickup"), "carrier_news");
    assert_null(rs_promise_public_reason("created"));
    assert_null(rs_promise_public_reason("delivered"));
    assert_null(rs_promise_public_reason("some_internal_word"));
    assert_null(rs_promise_public_reason(""));
    assert_null(rs_promise_public_reason(NULL));
}

static void test_window_and_stored(void **state)
{
    (void)state;
    struct rs_promise p = {.earliest = 100, .likely = 102, .latest = 105, .probability = 0.93,
                           .confidence = 0.9, .low_confidence = true};
    struct rs_stored_promise a, b;
    rs_promise_to_stored(&p, 7, NULL, &a);
    assert_int_equal(a.told_earliest, 100);
    assert_int_equal(a.told_latest, 105);
    assert_int_equal(a.model_version, 7);
    assert_true(a.low_confidence);
    p.likely = 103; /* the most likely day alone is not a new window */
    rs_promise_to_stored(&p, 7, &a, &b);
    assert_false(rs_promise_window_changed(&a, &b));
    p.latest = 106;
    a.told_latest = 104; /* told comes from the previous promise, not the new window */
    rs_promise_to_stored(&p, 7, &a, &b);
    assert_true(rs_promise_window_changed(&a, &b));
    assert_int_equal(b.told_latest, 104);
    assert_int_equal(b.latest, 106);
}

static void test_delay_keys_and_input(void **state)
{
    (void)state;
    struct rs_promise_ship sh = {0};
    sh.has_promise = true;
    sh.promise.told_latest = 500;
    sh.promise.latest = 503;
    sh.last_event_at = 123456;
    sh.status_at = 777;
    sh.status = RS_STATUS_IN_TRANSIT;
    struct rs_delay d = {.cause = RS_DELAY_PROMISE_BREACHED};
    assert_int_equal(rs_promise_delay_key(&d, &sh), 500);
    d.cause = RS_DELAY_PROMISE_SLIPPED;
    assert_int_equal(rs_promise_delay_key(&d, &sh), 503);
    d.cause = RS_DELAY_STALLED;
    assert_int_equal(rs_promise_delay_key(&d, &sh), 123456);
    d.cause = RS_DELAY_EXCEPTION;
    assert_int_equal(rs_promise_delay_key(&d, &sh), 777);
    struct rs_delay_input in;
    rs_promise_delay_input(&sh, 999, 60, &in);
    assert_int_equal(in.shown_latest, 500);
    assert_int_equal(in.current_latest, 503);
    assert_int_equal(in.offset_min, 60);
    sh.promise.final = true; /* a delivered promise is never breached */
    rs_promise_delay_input(&sh, 999, 60, &in);
    assert_int_equal(in.shown_latest, -1);
    assert_int_equal(in.current_latest, -1);
}

static void test_split_region(void **state)
{
    (void)state;
    char cc[3], r[65];
    assert_true(rs_promise_split_region("es/mad", cc, r, sizeof r));
    assert_string_equal(cc, "ES");
    assert_string_equal(r, "mad");
    assert_true(rs_promise_split_region("BR-SP", cc, r, sizeof r));
    assert_string_equal(cc, "BR");
    assert_string_equal(r, "SP");
    assert_true(rs_promise_split_region("Madrid", cc, r, sizeof r));
    assert_string_equal(cc, "");
    assert_false(rs_promise_split_region("", cc, r, sizeof r));
    assert_false(rs_promise_split_region("ESP/MAD", cc, r, sizeof r));
    assert_false(rs_promise_split_region("ES/", cc, r, sizeof r));
    assert_false(rs_promise_split_region("ES/a/b", cc, r, sizeof r));
    assert_false(rs_promise_split_region("1S/MAD", cc, r, sizeof r));
}

static void test_options(void **state)
{
    (void)state;
    struct rs_promise_option o[RS_PROMISE_MAX_OPTIONS];
    int n;
    char err[200];
    assert_true(rs_promise_options_parse("seur:std,correos,mrw:urgente 19", o, &n, err, sizeof err));
    assert_int_equal(n, 3);
    assert_string_equal(o[0].carrier, "seur");
    assert_string_equal(o[0].service, "std");
    assert_string_equal(o[1].carrier, "correos");
    assert_string_equal(o[1].service, "");
    assert_string_equal(o[2].service, "urgente 19");
    static const char *const bad[] = {"", ",", "seur,", ",seur", "seur::std", ":std", "seur:", "a:b:c",
                                      "seur\x01", NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = '\0';
        assert_false(rs_promise_options_parse(bad[i], o, &n, err, sizeof err));
        assert_memory_equal(err, "options", 7);
    }
    char longc[70];
    memset(longc, 'x', 65);
    longc[65] = '\0';
    assert_false(rs_promise_options_parse(longc, o, &n, err, sizeof err));
    longc[64] = '\0';
    assert_true(rs_promise_options_parse(longc, o, &n, err, sizeof err));
    assert_true(rs_promise_options_parse("a,b,c,d,e,f,g,h,i,j", o, &n, err, sizeof err));
    assert_int_equal(n, RS_PROMISE_MAX_OPTIONS);
    assert_false(rs_promise_options_parse("a,b,c,d,e,f,g,h,i,j,k", o, &n, err, sizeof err));
    assert_non_null(strstr(err, "at most 10"));
}

/* A small model: MAD -> BCN by seur, handed over after 1 business day, 2 days in transit. */
static struct rs_promise_model *small_model(void)
{
    struct rs_promise_model *m = malloc(sizeof *m);
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    rs_promise_model_init(m, &p);
    struct rs_calendar cal;
    rs_calendar_init(&cal);
    for (int i = 0; i < 60; i++) {
        int64_t placed = rs_cal_day(2027, 1, 4) + i;
        int64_t start = rs_calendar_start_day(&cal, placed, 600);
        struct rs_promise_obs o = {
            .lane = {"ES", "MAD", "ES", "BCN", "seur", "std", "28001", "08001"},
            .placed_day = placed,
            .placed_minute = 600,
            .shipped_day = rs_calendar_add_business_days(&cal, start, 1),
            .delivered_day = rs_calendar_add_business_days(&cal, start, 3 + (i % 3 == 0)),
        };
        assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK);
    }
    return m;
}

static void test_model_text_round_trip(void **state)
{
    (void)state;
    struct rs_promise_model *m = small_model(), *back = malloc(sizeof *back);
    char *text = NULL;
    assert_int_equal(rs_promise_to_text(m, &text), RS_OK);
    const char *why = "";
    assert_int_equal(rs_promise_from_text(back, text, &why), RS_OK); /* postcode levels load */
    assert_int_equal(back->n_nodes, m->n_nodes);
    assert_int_equal(rs_promise_from_text(back, "{\"format\":\"x\"}", &why), RS_EINVAL);
    assert_int_equal(rs_promise_from_text(back, "not json", &why), RS_EINVAL);
    free(text);
    free(m);
    free(back);
}

static int64_t T(int y, int mo, int d, int h)
{
    return rs_cal_day(y, mo, d) * 86400 + h * 3600;
}

/* A fresh store (its file in PATH) with merchant *MID, the small model as its version 1, and
 * order O1 (placed 2027-03-01 09:00, to BCN), inside an open transaction. */
static struct rs_store *with_model_and_order(char path[64], const char *name, int64_t *mid)
{
    struct rs_store *s = unit_db_new(path, 64, name);
    int64_t version;
    assert_int_equal(rs_store_merchant_create(s, "T", "UTC", "es", 1, mid), RS_OK);
    struct rs_promise_model *m = small_model();
    char *text = NULL;
    assert_int_equal(rs_promise_to_text(m, &text), RS_OK);
    assert_int_equal(rs_store_begin(s), RS_OK);
    assert_int_equal(rs_store_promise_model_put(s, *mid, text, m->n_learned, "test", 1, &version), RS_OK);
    assert_int_equal(version, 1);
    free(text);
    free(m);
    struct rs_order_in o = {.order_ref = "O1", .placed_at = T(2027, 3, 1, 9),
                            .destination = {.region = "BCN", .country = "ES"}};
    enum rs_put_result res;
    char code[RS_TRACKCODE_LEN];
    struct rs_app_error ae = {0};
    assert_int_equal(rs_app_order_put(s, *mid, &o, 10, &res, code, &ae), RS_OK);
    return s;
}

static void test_write_path(void **state)
{
    (void)state;
    char path[64];
    int64_t mid;
    struct rs_store *s = with_model_and_order(path, "promise", &mid);
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    struct rs_shipment_in si = {.order_ref = "O1", .carrier = "seur", .tracking_number = "S1",
                                .service = "std", .origin = {.region = "MAD", .country = "ES"}};
    assert_int_equal(rs_app_shipment_put(s, mid, &si, 10, &res, &ae), RS_OK);
    struct rs_shipment_key key;
    assert_int_equal(rs_store_shipment_find(s, mid, "seur", "S1", &key), RS_OK);
    struct rs_promise_ship sh;
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_true(sh.has_promise);
    int64_t start = rs_cal_day(2027, 3, 1);
    assert_true(sh.promise.earliest >= start);
    assert_true(sh.promise.earliest <= sh.promise.likely && sh.promise.likely <= sh.promise.latest);
    assert_false(sh.promise.low_confidence);
    int64_t told = sh.promise.told_latest;

    struct rs_event_in ev = {.carrier = "seur", .tracking_number = "S1",
                             .occurred_at = T(2027, 3, 2, 10), .status = RS_STATUS_IN_TRANSIT};
    assert_int_equal(rs_app_event_record(s, mid, &ev, 20, &ae), RS_OK);
    ev.occurred_at = T(2027, 3, 4, 8);
    ev.status = RS_STATUS_OUT_FOR_DELIVERY;
    assert_int_equal(rs_app_event_record(s, mid, &ev, 30, &ae), RS_OK);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.promise.earliest, rs_cal_day(2027, 3, 4));
    assert_int_equal(sh.promise.latest, rs_cal_day(2027, 3, 4));
    assert_int_equal(sh.promise.told_latest, told);
    ev.occurred_at = T(2027, 3, 4, 12);
    ev.status = RS_STATUS_DELIVERED;
    assert_int_equal(rs_app_event_record(s, mid, &ev, 40, &ae), RS_OK);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_true(sh.promise.final);

    json_t *j = NULL;
    assert_int_equal(rs_store_shipment_json(s, mid, "seur", "S1", &j), RS_OK);
    json_t *h = json_object_get(j, "promise_history");
    size_t n = json_array_size(h);
    assert_true(n >= 3 && n <= 4); /* created, [handed_over], out_for_delivery, delivered */
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "reason")), "created");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, n - 1), "reason")),
                        "delivered");
    assert_int_equal(json_array_size(json_object_get(j, "delays")), 0);
    json_decref(j);

    /* a second shipment stuck in transit: the sweep finds a breach and a stall, once */
    si.tracking_number = "S2";
    assert_int_equal(rs_app_shipment_put(s, mid, &si, 10, &res, &ae), RS_OK);
    ev.tracking_number = "S2";
    ev.occurred_at = T(2027, 3, 2, 10);
    ev.status = RS_STATUS_IN_TRANSIT;
    assert_int_equal(rs_app_event_record(s, mid, &ev, 50, &ae), RS_OK);
    int64_t after = 0;
    int checked = 0, found = 0;
    bool done = false;
    assert_int_equal(rs_app_promise_sweep_chunk(s, T(2027, 3, 3, 0), &after, 50, &checked, &found,
                                                &done), RS_OK);
    assert_true(done);
    assert_int_equal(checked, 1);
    assert_int_equal(found, 0); /* on time, scanned yesterday */
    after = 0;
    assert_int_equal(rs_app_promise_sweep_chunk(s, T(2027, 4, 1, 0), &after, 50, &checked, &found,
                                                &done), RS_OK);
    assert_int_equal(found, 3); /* breach, stall, and the slip of the overdue re-estimate */
    assert_int_equal(rs_store_shipment_find(s, mid, "seur", "S2", &key), RS_OK);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.promise.earliest, rs_cal_day(2027, 4, 1)); /* re-estimated from the sweep day */
    assert_true(sh.promise.latest >= rs_cal_day(2027, 4, 3));
    after = 0;
    assert_int_equal(rs_app_promise_sweep_chunk(s, T(2027, 4, 2, 0), &after, 50, &checked, &found,
                                                &done), RS_OK);
    assert_int_equal(found, 3); /* idempotent: the new window is not broken the next day */
    assert_int_equal(rs_store_commit(s), RS_OK);
    rs_store_close(s);
    rs_promise_cache_clear();
    unit_db_remove(path);
}

/* The carrier's estimate as a floor: pure rule, then the write path (a shipment created with
 * one, a later revision, an older one delivered late, out for delivery overriding it). */
static void test_carrier_estimate(void **state)
{
    (void)state;
    struct rs_stored_promise p = {.earliest = 100, .likely = 102, .latest = 104};
    struct rs_stored_promise q = p;
    assert_false(rs_promise_carrier_floor(&q, 98, 103, RS_STATUS_IN_TRANSIT, true)); /* earlier: ours stands */
    assert_int_equal(q.latest, 104);
    assert_true(rs_promise_carrier_floor(&q, 103, 107, RS_STATUS_IN_TRANSIT, true));
    assert_int_equal(q.earliest, 103);
    assert_int_equal(q.likely, 103);
    assert_int_equal(q.latest, 107);
    q = p;
    assert_false(rs_promise_carrier_floor(&q, 103, 107, RS_STATUS_OUT_FOR_DELIVERY, true)); /* newer news */
    assert_false(rs_promise_carrier_floor(&q, -1, -1, RS_STATUS_IN_TRANSIT, true));         /* none */
    assert_false(rs_promise_carrier_floor(&q, 103, 107, RS_STATUS_AVAILABLE_FOR_PICKUP, true)); /* it is there */
    /* after a failed attempt: an estimate given since is the redelivery day; one from before
     * the attempt is old news */
    assert_false(rs_promise_carrier_floor(&q, 103, 107, RS_STATUS_ATTEMPT_FAILED, false));
    assert_int_equal(q.latest, 104);
    assert_true(rs_promise_carrier_floor(&q, 106, 106, RS_STATUS_ATTEMPT_FAILED, true));
    assert_int_equal(q.earliest, 106);
    assert_int_equal(q.latest, 106);
    q = p;
    q.final = true;
    assert_false(rs_promise_carrier_floor(&q, 103, 107, RS_STATUS_IN_TRANSIT, true)); /* delivered */

    char path[64];
    int64_t mid;
    struct rs_store *s = with_model_and_order(path, "promise-eta", &mid);
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    /* created with an estimate far beyond what the model says: the first promise is the carrier's */
    struct rs_shipment_in si = {.order_ref = "O1", .carrier = "seur", .tracking_number = "E1", .service = "std",
                                .origin = {.region = "MAD", .country = "ES"},
                                .eta = {.from = "2027-03-20", .to = "2027-03-22", .as_of = T(2027, 3, 1, 10)}};
    assert_int_equal(rs_app_shipment_put(s, mid, &si, T(2027, 3, 1, 10), &res, &ae), RS_OK);
    struct rs_shipment_key key;
    assert_int_equal(rs_store_shipment_find(s, mid, "seur", "E1", &key), RS_OK);
    struct rs_promise_ship sh;
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.eta_from, rs_cal_day(2027, 3, 20));
    assert_int_equal(sh.promise.earliest, rs_cal_day(2027, 3, 20));
    assert_int_equal(sh.promise.latest, rs_cal_day(2027, 3, 22));
    assert_int_equal(sh.promise.told_latest, rs_cal_day(2027, 3, 22)); /* what the customer is shown */
    /* the carrier revises it later: the promise follows, with its own history reason, and the
     * customer (told the 22nd) is due a slip notice */
    struct rs_eta_in later = {.from = "2027-03-24", .to = "2027-03-25", .as_of = T(2027, 3, 5, 10)};
    bool changed = false;
    assert_int_equal(rs_app_shipment_eta(s, key.id, &later, T(2027, 3, 5, 10), &changed), RS_OK);
    assert_true(changed);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.promise.latest, rs_cal_day(2027, 3, 25));
    json_t *j = NULL;
    assert_int_equal(rs_store_shipment_json(s, mid, "seur", "E1", &j), RS_OK);
    json_t *h = json_object_get(j, "promise_history");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, json_array_size(h) - 1), "reason")),
                        "carrier_estimate");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "carrier_estimate"), "to")),
                        "2027-03-25");
    size_t i;
    json_t *d;
    bool slipped = false;
    json_array_foreach(json_object_get(j, "delays"), i, d) slipped |=
        strcmp(json_string_value(json_object_get(d, "cause")), "promise_slipped") == 0;
    assert_true(slipped);
    json_decref(j);
    /* an older estimate delivered late changes nothing; the same one again neither */
    struct rs_eta_in older = {.from = "2027-03-21", .to = "2027-03-21", .as_of = T(2027, 3, 3, 10)};
    assert_int_equal(rs_app_shipment_eta(s, key.id, &older, T(2027, 3, 5, 11), &changed), RS_OK);
    assert_false(changed);
    assert_int_equal(rs_app_shipment_eta(s, key.id, &later, T(2027, 3, 5, 12), &changed), RS_OK);
    assert_false(changed);
    /* a year's typo (2029 on the 5th of March 2027): left out, nothing moves */
    struct rs_eta_in far = {.from = "2029-01-10", .to = "2029-01-10", .as_of = T(2027, 3, 5, 13)};
    assert_int_equal(rs_app_shipment_eta(s, key.id, &far, T(2027, 3, 5, 13), &changed), RS_OK);
    assert_false(changed);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.eta_to, rs_cal_day(2027, 3, 25));
    /* out for delivery on the 23rd: today, whatever the estimate said */
    struct rs_event_in ev = {.carrier = "seur", .tracking_number = "E1", .occurred_at = T(2027, 3, 23, 8),
                             .status = RS_STATUS_OUT_FOR_DELIVERY};
    assert_int_equal(rs_app_event_record(s, mid, &ev, T(2027, 3, 23, 9), &ae), RS_OK);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.promise.latest, rs_cal_day(2027, 3, 23));
    /* stuck in transit since the 2nd, overdue on the 30th; the carrier then revises to a day
     * already gone (the 26th): the promise stays ahead of the customer, not on the 26th */
    struct rs_shipment_in s2 = {.order_ref = "O1", .carrier = "seur", .tracking_number = "E2", .service = "std",
                                .origin = {.region = "MAD", .country = "ES"}};
    assert_int_equal(rs_app_shipment_put(s, mid, &s2, T(2027, 3, 1, 11), &res, &ae), RS_OK);
    struct rs_event_in e2 = {.carrier = "seur", .tracking_number = "E2", .occurred_at = T(2027, 3, 2, 10),
                             .status = RS_STATUS_IN_TRANSIT};
    assert_int_equal(rs_app_event_record(s, mid, &e2, T(2027, 3, 2, 11), &ae), RS_OK);
    int64_t after = 0;
    int checked = 0, found = 0;
    bool done = false;
    assert_int_equal(rs_app_promise_sweep_chunk(s, T(2027, 3, 30, 10), &after, 50, &checked, &found, &done),
                     RS_OK);
    assert_int_equal(rs_store_shipment_find(s, mid, "seur", "E2", &key), RS_OK);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.promise.latest, rs_cal_day(2027, 4, 1));
    struct rs_eta_in gone = {.from = "2027-03-26", .to = "2027-03-26", .as_of = T(2027, 3, 31, 9)};
    assert_int_equal(rs_app_shipment_eta(s, key.id, &gone, T(2027, 3, 31, 10), &changed), RS_OK);
    assert_true(changed);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_true(sh.promise.earliest >= rs_cal_day(2027, 3, 31));
    assert_true(sh.promise.latest >= rs_cal_day(2027, 4, 2));
    /* a failed attempt on Wednesday the 10th: the estimate given before it (the 12th..14th) is
     * old news, the promise is the next business days; the carrier's redelivery day given after
     * the attempt (Tuesday the 16th) is what the customer is promised, and told why */
    struct rs_shipment_in s3 = {.order_ref = "O1", .carrier = "seur", .tracking_number = "E3", .service = "std",
                                .origin = {.region = "MAD", .country = "ES"},
                                .eta = {.from = "2027-03-12", .to = "2027-03-14", .as_of = T(2027, 3, 5, 10)}};
    assert_int_equal(rs_app_shipment_put(s, mid, &s3, T(2027, 3, 5, 10), &res, &ae), RS_OK);
    struct rs_event_in e3 = {.carrier = "seur", .tracking_number = "E3", .occurred_at = T(2027, 3, 10, 12),
                             .status = RS_STATUS_ATTEMPT_FAILED, .substatus = RS_SUB_RECIPIENT_ABSENT};
    assert_int_equal(rs_app_event_record(s, mid, &e3, T(2027, 3, 10, 12), &ae), RS_OK);
    assert_int_equal(rs_store_shipment_find(s, mid, "seur", "E3", &key), RS_OK);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.status, RS_STATUS_ATTEMPT_FAILED);
    assert_true(sh.promise.earliest >= rs_cal_day(2027, 3, 11));
    assert_true(sh.promise.latest <= rs_cal_day(2027, 3, 12)); /* not the old estimate's 14th */
    struct rs_eta_in redelivery = {.from = "2027-03-16", .to = "2027-03-16", .as_of = T(2027, 3, 10, 18)};
    assert_int_equal(rs_app_shipment_eta(s, key.id, &redelivery, T(2027, 3, 10, 18), &changed), RS_OK);
    assert_true(changed);
    assert_int_equal(rs_store_promise_ship_get(s, key.id, &sh), RS_OK);
    assert_int_equal(sh.promise.earliest, rs_cal_day(2027, 3, 16));
    assert_int_equal(sh.promise.latest, rs_cal_day(2027, 3, 16));
    assert_int_equal(rs_store_shipment_json(s, mid, "seur", "E3", &j), RS_OK);
    h = json_object_get(j, "promise_history");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, json_array_size(h) - 1), "reason")),
                        "carrier_estimate");
    json_decref(j);
    assert_int_equal(rs_store_commit(s), RS_OK);
    rs_store_close(s);
    rs_promise_cache_clear();
    unit_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason),
        cmocka_unit_test(test_window_and_stored),
        cmocka_unit_test(test_delay_keys_and_input),
        cmocka_unit_test(test_split_region),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_model_text_round_trip),
        cmocka_unit_test(test_write_path),
        cmocka_unit_test(test_carrier_estimate),
        cmocka_unit_test(test_public_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
