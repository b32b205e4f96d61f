/* test_promise.c — the promise engine: estimation on a known lane, fallback for sparse and
 * unknown lanes, re-estimation per status, calibration, peak season, model files, speed. */
#include "unit.h"

#include <jansson.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/promise_io.h"
#include "core/calendar.h"
#include "core/promise.h"
#include "util/timefmt.h"

#define D(y, m, d) rs_cal_day(y, m, d)

static struct rs_calendar cal;

static const struct rs_promise_lane madbcn = {"ES", "MAD", "ES", "BCN", "seur", "std", NULL, NULL};
static const struct rs_promise_lane madsev = {"ES", "MAD", "ES", "SEV", "seur", "std", NULL, NULL};

/* N orders on LANE from FIRST, one per business day: handed over H business days after, then
 * delivered T business days later (T+1 for every tenth). */
static void feed(struct rs_promise_model *m, const struct rs_promise_lane *lane, int64_t first,
                 int n, int h, int t)
{
    int64_t d = first;
    for (int i = 0; i < n; i++) {
        d = rs_calendar_add_business_days(&cal, d, 1);
        struct rs_promise_obs o = {*lane, d, 9 * 60, 0, 0, 0};
        o.shipped_day = rs_calendar_add_business_days(&cal, d, h);
        o.delivered_day = rs_calendar_add_business_days(&cal, o.shipped_day, t + (i % 10 == 0));
        assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK);
    }
}

static struct rs_promise_model *model(void)
{
    struct rs_promise_model *m = malloc(sizeof *m);
    assert_non_null(m);
    rs_promise_model_init(m, NULL);
    return m;
}

static void test_estimate_known_lane(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    struct rs_promise p;
    /* Monday 2025-10-06 09:00: handed over Tuesday, delivered Thursday (or Friday) */
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 9 * 60, 0, &p), RS_OK);
    assert_int_equal(p.likely, D(2025, 10, 9));
    assert_true(p.latest >= D(2025, 10, 9) && p.latest <= D(2025, 10, 13));
    assert_true(p.earliest <= p.likely && p.likely <= p.latest);
    assert_true(p.probability >= 0.9);
    assert_false(p.low_confidence);
    /* a weekend order counts from Monday */
    struct rs_promise w;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 4), 11 * 60, 0, &w), RS_OK);
    assert_int_equal(w.likely, p.likely);
    /* after the cut-off: one business day later */
    assert_int_equal(rs_calendar_set_cutoff(&cal, 14, 0), RS_OK);
    struct rs_promise late;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 14 * 60, 0, &late), RS_OK);
    assert_int_equal(late.likely, D(2025, 10, 10));
    cal.cutoff_min = 1440;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 1440, 0, &late), RS_EINVAL);
    free(m);
}

/* A shop that also dispatches on Saturdays: handling counts Saturday, carriers' transit does
 * not (a Saturday hand-over travels from Monday, like Monday's). */
static void test_saturday_dispatch(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    struct rs_promise p;
    /* Monday to Friday: a Saturday order counts from Monday, handed over Tuesday, likely Thursday */
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 4), 11 * 60, 0, &p), RS_OK);
    assert_int_equal(p.likely, D(2025, 10, 9));
    cal.dispatch_mask = 1u << 7; /* every day but Sunday */
    struct rs_promise sat, sun, fri, late;
    /* packed on Saturday, handed over Monday: likely Wednesday */
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 4), 11 * 60, 0, &sat), RS_OK);
    assert_int_equal(sat.likely, D(2025, 10, 8));
    assert_true(sat.earliest <= sat.likely && sat.likely <= sat.latest && sat.latest <= p.latest);
    /* Sunday is not a dispatch day: from Monday, as before */
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 5), 11 * 60, 0, &sun), RS_OK);
    assert_int_equal(sun.likely, D(2025, 10, 9));
    /* Friday: handed over Saturday, which carriers move on Monday: likely Wednesday as before */
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 3), 9 * 60, 0, &fri), RS_OK);
    assert_int_equal(fri.likely, D(2025, 10, 8));
    /* Friday after the cut-off counts from Saturday now, not Monday */
    assert_int_equal(rs_calendar_set_cutoff(&cal, 14, 0), RS_OK);
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 3), 15 * 60, 0, &late), RS_OK);
    assert_int_equal(late.likely, D(2025, 10, 8));
    /* transit still in business days */
    assert_false(rs_calendar_is_business_day(&cal, D(2025, 10, 4)));
    /* learning a Saturday-packed order: handling 1 (Monday), transit 2, the lane keeps its shape */
    struct rs_promise_obs o = {madbcn, D(2025, 10, 4), 11 * 60, 0, 0, 0};
    o.shipped_day = D(2025, 10, 6);
    o.delivered_day = D(2025, 10, 8);
    assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK);
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 4), 11 * 60, 0, &sat), RS_OK);
    assert_int_equal(sat.likely, D(2025, 10, 8));
    free(m);
}

static void test_sparse_lane_fallback(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    /* two slow deliveries to Seville: sparse, shrunk towards what MAD->BCN and the region say */
    feed(m, &madsev, D(2025, 6, 2), 2, 1, 8);
    struct rs_promise sev, unk;
    assert_int_equal(rs_promise_quote(m, &cal, &madsev, D(2025, 10, 6), 9 * 60, 0, &sev), RS_OK);
    assert_true(sev.low_confidence);
    assert_true(sev.n < 5);
    /* wider than the known lane, reaching the slow observations */
    assert_true(sev.latest >= rs_calendar_add_business_days(&cal, D(2025, 10, 7), 8));
    /* an unknown destination, carrier and service: falls back to origin/global, flagged */
    struct rs_promise_lane nowhere = {"ES", "MAD", "ES", "LUGO", "dhl", "express", NULL, NULL};
    assert_int_equal(rs_promise_quote(m, &cal, &nowhere, D(2025, 10, 6), 9 * 60, 0, &unk), RS_OK);
    assert_true(unk.low_confidence);
    assert_true(unk.latest > unk.earliest);
    /* an empty model still answers, flagged, with a wide window */
    struct rs_promise_model *e = model();
    assert_int_equal(rs_promise_quote(e, &cal, &nowhere, D(2025, 10, 6), 9 * 60, 0, &unk), RS_OK);
    assert_true(unk.low_confidence);
    assert_true(unk.latest - unk.earliest >= 7);
    free(e);
    free(m);
}

static void test_reestimate(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    struct rs_promise p;
    struct rs_promise_state st = {RS_STATUS_IN_TRANSIT, D(2025, 10, 6), 600, D(2025, 10, 7),
                                  D(2025, 10, 7)};
    /* handed over Tuesday: from the remaining transit */
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &p), RS_OK);
    assert_int_equal(p.likely, D(2025, 10, 9));
    /* still in transit on Monday 13th (longer than ever seen): never promised in the past */
    st.today = D(2025, 10, 13);
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &p), RS_OK);
    assert_true(p.earliest >= st.today && p.latest >= st.today);
    /* out for delivery: today */
    st.status = RS_STATUS_OUT_FOR_DELIVERY;
    st.today = D(2025, 10, 8);
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &p), RS_OK);
    assert_int_equal(p.latest, D(2025, 10, 8));
    assert_int_equal(p.earliest, D(2025, 10, 8));
    /* exception: wider than in transit, flagged */
    struct rs_promise tr, ex;
    st.status = RS_STATUS_IN_TRANSIT;
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &tr), RS_OK);
    st.status = RS_STATUS_EXCEPTION;
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &ex), RS_OK);
    assert_true(ex.latest >= rs_calendar_add_business_days(&cal, tr.latest, 3));
    assert_true(ex.low_confidence);
    /* not handed over after 3 business days: later than the placement promise */
    struct rs_promise at, waiting;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 600, 0, &at), RS_OK);
    st = (struct rs_promise_state){RS_STATUS_PENDING, D(2025, 10, 6), 600, -1, D(2025, 10, 9)};
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &waiting), RS_OK);
    assert_true(waiting.likely > at.likely);
    /* asked before the order was placed (an order placed ahead of the clock, an event stamped
     * earlier): as of the placement, i.e. the checkout quote, not a peak-season "today" */
    struct rs_promise ahead;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2026, 1, 5), 600, 0, &at), RS_OK);
    st = (struct rs_promise_state){RS_STATUS_PENDING, D(2026, 1, 5), 600, -1, D(2025, 12, 1)};
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &ahead), RS_OK);
    assert_int_equal(ahead.earliest, at.earliest);
    assert_int_equal(ahead.likely, at.likely);
    assert_int_equal(ahead.latest, at.latest);
    /* attempt failed: the next business days */
    st = (struct rs_promise_state){RS_STATUS_ATTEMPT_FAILED, D(2025, 10, 6), 600, -1,
                                   D(2025, 10, 10) /* Friday */};
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &p), RS_OK);
    assert_int_equal(p.earliest, D(2025, 10, 13));
    st.status = RS_STATUS_DELIVERED;
    assert_int_equal(rs_promise_reestimate(m, &cal, &madbcn, &st, 0, &p), RS_ENOTFOUND);
    free(m);
}

/* A broken promise is reported while the parcel is still on its way, once per term, and its
 * delivery then does not count it again. */
static void test_report_overdue(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    struct rs_promise q;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 600, 0, &q), RS_OK);
    struct rs_promise_obs o = {madbcn, D(2025, 10, 6), 600, -1, 0, 0};
    double place = m->aci_place, hand = m->aci_handover;
    /* on the promised day it is not broken yet */
    assert_int_equal(rs_promise_report_overdue(m, &cal, &o, q.latest), 0u);
    assert_true(m->aci_place == place);
    /* the day after: the placement term, late (never handed over: no hand-over term) */
    assert_int_equal(rs_promise_report_overdue(m, &cal, &o, q.latest + 1), RS_PROMISE_TERM_PLACE);
    assert_true(m->aci_place > place);
    assert_true(m->aci_handover == hand);
    /* handed over later, the hand-over promise broken too: only that term is new */
    o.reported = RS_PROMISE_TERM_PLACE;
    o.shipped_day = D(2025, 10, 7);
    place = m->aci_place;
    assert_int_equal(rs_promise_report_overdue(m, &cal, &o, D(2025, 11, 3)), RS_PROMISE_TERM_HANDOVER);
    assert_true(m->aci_place == place);
    assert_true(m->aci_handover > hand);
    /* delivered at last: learnt, but neither term moves again */
    o.reported |= RS_PROMISE_TERM_HANDOVER;
    o.delivered_day = D(2025, 11, 4);
    hand = m->aci_handover;
    assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK);
    assert_true(m->aci_place == place && m->aci_handover == hand);
    /* the same delivery without the early reports moves both */
    o.reported = 0;
    assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK);
    assert_true(m->aci_place > place && m->aci_handover > hand);
    free(m);
}

static void test_calibration_and_peak(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    struct rs_promise before, after;
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 600, 0, &before), RS_OK);
    /* a strike: every promise breached for a while widens the promise */
    for (int i = 0; i < 40; i++)
        rs_promise_calibrate(m, false, true);
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 600, 0, &after), RS_OK);
    assert_true(after.latest > before.latest);
    /* ... and on-time deliveries bring it back */
    for (int i = 0; i < 4000; i++)
        rs_promise_calibrate(m, false, false);
    assert_int_equal(rs_promise_quote(m, &cal, &madbcn, D(2025, 10, 6), 600, 0, &after), RS_OK);
    assert_true(after.latest <= before.latest);
    /* peak season: Black Friday 2025 is Nov 28 */
    assert_false(rs_promise_is_peak(D(2025, 11, 20)));
    assert_true(rs_promise_is_peak(D(2025, 11, 21)));
    assert_true(rs_promise_is_peak(D(2025, 12, 31)));
    assert_false(rs_promise_is_peak(D(2026, 1, 1)));
    assert_true(rs_promise_is_peak(D(2017, 11, 17))); /* Black Friday 2017: Nov 24 */
    free(m);
}

static void test_model_file_roundtrip(void **state)
{
    (void)state;
    struct rs_promise_model *m = model(), *back = model();
    feed(m, &madbcn, D(2025, 1, 6), 120, 1, 2);
    feed(m, &madsev, D(2025, 1, 6), 30, 2, 4);
    char path[] = "/tmp/rastro-promise-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(rs_promise_save(m, path), RS_OK);
    const char *why = NULL;
    assert_int_equal(rs_promise_load(back, path, &why), RS_OK);
    assert_int_equal(back->n_nodes, m->n_nodes);
    /* the location-scale residuals come back too (the quotes below use them) */
    assert_true(m->resid_transit.n >= 30);
    assert_true(fabs(back->resid_transit.n - m->resid_transit.n) < 1e-3 * m->resid_transit.n);
    assert_true(fabs(back->resid_handling.n - m->resid_handling.n) < 1e-3 * m->resid_handling.n);
    struct rs_promise a, b;
    for (int k = 0; k < 2; k++) {
        const struct rs_promise_lane *l = k ? &madsev : &madbcn;
        assert_int_equal(rs_promise_quote(m, &cal, l, D(2025, 10, 6), 600, 0, &a), RS_OK);
        assert_int_equal(rs_promise_quote(back, &cal, l, D(2025, 10, 6), 600, 0, &b), RS_OK);
        assert_int_equal(a.latest, b.latest);
        assert_int_equal(a.likely, b.likely);
        assert_int_equal(a.earliest, b.earliest);
    }
    /* a calibration pushed far by a long run of late parcels still loads; past the limit, not */
    m->aci_place = 2.5;
    m->aci_handover = -1.75;
    assert_int_equal(rs_promise_save(m, path), RS_OK);
    assert_int_equal(rs_promise_load(back, path, &why), RS_OK);
    assert_true(fabs(back->aci_place - 2.5) < 1e-9 && fabs(back->aci_handover + 1.75) < 1e-9);
    m->aci_place = RS_PROMISE_ACI_LIMIT + 0.5;
    assert_int_equal(rs_promise_save(m, path), RS_OK);
    assert_int_equal(rs_promise_load(back, path, &why), RS_EINVAL);
    FILE *fp = fopen(path, "w");
    fputs("{\"format\":\"something else\"}", fp);
    fclose(fp);
    assert_int_equal(rs_promise_load(back, path, &why), RS_EINVAL);
    assert_non_null(why);
    remove(path);
    assert_int_equal(rs_promise_load(back, path, &why), RS_EIO);
    free(m);
    free(back);
}

/* Same region-to-region lane and the same destination area, but half of the orders come from a
 * seller in the customer's town (postcodes share "01") and take 1 business day in transit, the
 * other half from far away (no common prefix) and take 5. */
static const struct rs_promise_lane near_lane = {"BR", "SP", "BR", "SP", "", "", "01000", "01310"};
static const struct rs_promise_lane far_lane = {"BR", "SP", "BR", "SP", "", "", "88000", "01310"};

static void feed_near_far(struct rs_promise_model *m, int n)
{
    int64_t d = D(2025, 1, 6);
    for (int i = 0; i < n; i++) {
        d = rs_calendar_add_business_days(&cal, d, 1);
        bool near = i % 2 == 0;
        struct rs_promise_obs o = {near ? near_lane : far_lane, d, 9 * 60, 0, 0, 0};
        o.shipped_day = rs_calendar_add_business_days(&cal, d, 1);
        o.delivered_day = rs_calendar_add_business_days(&cal, o.shipped_day, near ? 1 : 5);
        assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK);
    }
}

static void test_proximity_offsets(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    feed_near_far(m, 200);
    /* learnt: the near category is faster than the mean, the far one slower */
    assert_true(m->off_transit.w[2] > 10 && m->off_transit.w[0] > 10);
    assert_true(m->off_transit.s[2] / m->off_transit.w[2] <
                m->off_transit.s[0] / m->off_transit.w[0] - 0.5);
    struct rs_promise near, far;
    int64_t day = D(2025, 10, 6);
    assert_int_equal(rs_promise_quote(m, &cal, &near_lane, day, 600, 0, &near), RS_OK);
    assert_int_equal(rs_promise_quote(m, &cal, &far_lane, day, 600, 0, &far), RS_OK);
    assert_true(near.likely < far.likely);
    assert_true(near.latest < far.latest);
    /* at hand-over too */
    struct rs_promise_state st = {RS_STATUS_IN_TRANSIT, day, 600, day + 1, day + 1};
    assert_int_equal(rs_promise_reestimate(m, &cal, &near_lane, &st, 0, &near), RS_OK);
    assert_int_equal(rs_promise_reestimate(m, &cal, &far_lane, &st, 0, &far), RS_OK);
    assert_true(near.likely < far.likely);
    /* without the offsets both orders get the lane's (mixed) location: the same window */
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    p.proximity = false;
    struct rs_promise_model *plain = malloc(sizeof *plain);
    assert_non_null(plain);
    rs_promise_model_init(plain, &p);
    feed_near_far(plain, 200);
    assert_int_equal(rs_promise_quote(plain, &cal, &near_lane, day, 600, 0, &near), RS_OK);
    assert_int_equal(rs_promise_quote(plain, &cal, &far_lane, day, 600, 0, &far), RS_OK);
    assert_int_equal(near.likely, far.likely);
    assert_int_equal(near.latest, far.latest);
    /* a lane without postcodes, or across countries, is in the "unknown" category */
    struct rs_promise_lane abroad = near_lane;
    abroad.dest_country = "AR";
    assert_int_equal(rs_promise_quote(m, &cal, &abroad, day, 600, 0, &near), RS_OK);
    free(plain);
    free(m);
}

/* The model file keeps the proximity offsets; a file from before them still loads (no
 * offsets) and still quotes. */
static void test_model_file_offsets(void **state)
{
    (void)state;
    struct rs_promise_model *m = model(), *back = model();
    feed_near_far(m, 120);
    char *text = NULL;
    assert_int_equal(rs_promise_to_text(m, &text), RS_OK);
    const char *why = NULL;
    assert_int_equal(rs_promise_from_text(back, text, &why), RS_OK);
    for (int i = 0; i < RS_PROMISE_PROX_CATS; i++) {
        assert_true(fabs(back->off_transit.s[i] - m->off_transit.s[i]) < 1e-9);
        assert_true(fabs(back->off_transit.w[i] - m->off_transit.w[i]) < 1e-9);
    }
    assert_int_equal(back->off_transit.last_day, m->off_transit.last_day);
    struct rs_promise a, b;
    for (int k = 0; k < 2; k++) {
        const struct rs_promise_lane *l = k ? &far_lane : &near_lane;
        assert_int_equal(rs_promise_quote(m, &cal, l, D(2025, 10, 6), 600, 0, &a), RS_OK);
        assert_int_equal(rs_promise_quote(back, &cal, l, D(2025, 10, 6), 600, 0, &b), RS_OK);
        assert_int_equal(a.latest, b.latest);
        assert_int_equal(a.likely, b.likely);
    }
    /* an older file: no "offsets_transit" */
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_int_equal(json_object_del(root, "offsets_transit"), 0);
    char *old = json_dumps(root, JSON_COMPACT);
    assert_non_null(old);
    assert_int_equal(rs_promise_from_text(back, old, &why), RS_OK);
    assert_true(back->off_transit.w[0] == 0 && back->off_transit.w[2] == 0);
    assert_int_equal(rs_promise_quote(back, &cal, &near_lane, D(2025, 10, 6), 600, 0, &b), RS_OK);
    /* a broken one is refused */
    json_object_set_new(root, "offsets_transit", json_pack("{s:i,s:[f],s:[f]}", "last_day", 1,
                                                           "s", 1.0, "w", 1.0));
    char *bad = json_dumps(root, JSON_COMPACT);
    assert_non_null(bad);
    assert_int_equal(rs_promise_from_text(back, bad, &why), RS_EINVAL);
    free(bad);
    free(old);
    json_decref(root);
    free(text);
    free(m);
    free(back);
}

static void test_invalid_rows_and_speed(void **state)
{
    (void)state;
    struct rs_promise_model *m = model();
    struct rs_promise_obs o = {madbcn, D(2025, 3, 3), 600, -1, D(2025, 3, 1), 0};
    assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_EINVAL); /* before placed */
    o.delivered_day = D(2025, 3, 5);
    o.shipped_day = D(2025, 3, 6);
    assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_EINVAL); /* shipped after */
    o.shipped_day = -1;
    assert_int_equal(rs_promise_learn(m, &cal, &o, true), RS_OK); /* no hand-over known */
    feed(m, &madbcn, D(2025, 1, 6), 200, 1, 2);
    feed(m, &madsev, D(2025, 1, 6), 50, 1, 4);
    /* one promise must take < 50 µs (here under ASan+UBSan, which is several times slower) */
    struct rs_promise p;
    int n = 2000;
    uint64_t t0 = rs_mono_ns();
    for (int i = 0; i < n; i++)
        assert_int_equal(rs_promise_quote(m, &cal, i % 2 ? &madbcn : &madsev,
                                          D(2025, 10, 6) + i % 30, 600, 0, &p), RS_OK);
    double us = (double)(rs_mono_ns() - t0) / 1e3 / n;
    printf("one promise: %.1f us (ASan build)\n", us);
    assert_true(us < 250.0);
    free(m);
}

static int setup(void **state)
{
    (void)state;
    rs_calendar_init(&cal);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_estimate_known_lane, setup),
        cmocka_unit_test_setup(test_saturday_dispatch, setup),
        cmocka_unit_test_setup(test_sparse_lane_fallback, setup),
        cmocka_unit_test_setup(test_reestimate, setup),
        cmocka_unit_test_setup(test_report_overdue, setup),
        cmocka_unit_test_setup(test_calibration_and_peak, setup),
        cmocka_unit_test_setup(test_model_file_roundtrip, setup),
        cmocka_unit_test_setup(test_proximity_offsets, setup),
        cmocka_unit_test_setup(test_model_file_offsets, setup),
        cmocka_unit_test_setup(test_invalid_rows_and_speed, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
