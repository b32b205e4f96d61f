/* test_hooks.c — the webhook adapters (src/ingest/hook_*.c) on the project's own fixtures in
 * tests/fixtures/ (field by field), on bad input, and — when ../shared/fixtures is present —
 * on the shared provider examples. Run from the project root (tests/run.sh does). */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/inbound.h"

typedef enum rs_err (*parse_fn)(const char *, size_t, const char *, struct rs_inbound *, char *,
                                size_t);

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            b = realloc(b, cap);
            assert_non_null(b);
        }
        size_t r = fread(b + n, 1, 4096, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

/* Parse fixture NAME with FN; fails the test on error. */
static void parse_file(parse_fn fn, const char *name, const char *topic, struct rs_inbound *in)
{
    char path[256], err[256];
    snprintf(path, sizeof path, "tests/fixtures/%s", name);
    size_t len;
    char *body = slurp(path, &len);
    if (!body)
        fail_msg("cannot read %s (run from the project root)", path);
    enum rs_err e = fn(body, len, topic, in, err, sizeof err);
    free(body); /* records must not point into the body */
    if (e != RS_OK)
        fail_msg("%s: %s", name, err);
}

#define assert_str(a, b) assert_string_equal((a) ? (a) : "(null)", (b) ? (b) : "(null)")

static void check_event(const struct rs_event_in *ev, int64_t at, int off, enum rs_status st,
                        enum rs_substatus sub, bool action, const char *code)
{
    assert_int_equal(ev->occurred_at, at);
    assert_int_equal(ev->offset_min, off);
    if (ev->status != st || ev->substatus != sub)
        fail_msg("code %s: got %s/%s, want %s/%s", ev->code ? ev->code : "-",
                 rs_status_name(ev->status), rs_substatus_name(ev->substatus), rs_status_name(st),
                 rs_substatus_name(sub));
    assert_int_equal(ev->action_required, action);
    assert_str(ev->code, code);
}

/* ---------- EasyPost ---------- */

static void test_easypost_delivered_then_late_scan(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_easypost_parse, "easypost-delivered-late-scan.json", NULL, &in);
    assert_str(in.source, "easypost");
    assert_str(in.topic, "tracker.updated");
    assert_str(in.delivery_id, "evt_a71c0e55b2d311f0b9f2c3d4e5f60718");
    assert_str(in.tracker_id, "trk_0f1e2d3c4b5a49687766554433221100");
    assert_false(in.test);
    assert_int_equal(in.n_orders, 0);
    assert_int_equal(in.n_shipments, 1);
    const struct rs_shipment_in *sh = &in.shipments[0];
    assert_str(sh->carrier, "ups");
    assert_str(sh->tracking_number, "1Z999AA10123456784"); /* spaces removed, upper case */
    assert_str(sh->service, "Ground");
    assert_str(sh->origin.city, "LAREDO");
    assert_str(sh->origin.country, "US");
    assert_null(sh->order_ref);
    assert_int_equal(in.n_events, 5);
    check_event(&in.events[0], 1764579300, 0, RS_STATUS_INFO_RECEIVED, RS_SUB_NONE, false,
                "pre_transit/label_created");
    check_event(&in.events[1], 1764627000, 0, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, false,
                "in_transit/received_at_origin_facility");
    /* a weather detail turns in_transit into exception/weather */
    check_event(&in.events[2], 1764675000, 0, RS_STATUS_EXCEPTION, RS_SUB_WEATHER, false,
                "in_transit/weather_delay");
    /* delivered keeps its status; arrived_at_facility does not fit delivered */
    check_event(&in.events[3], 1764777720, 0, RS_STATUS_DELIVERED, RS_SUB_NONE, false,
                "delivered/arrived_at_destination");
    /* the late scan is passed on as it is: the state machine keeps delivered sticky */
    check_event(&in.events[4], 1764786660, 0, RS_STATUS_IN_TRANSIT, RS_SUB_ARRIVED_AT_FACILITY,
                false, "in_transit/arrived_at_facility");
    for (int i = 0; i < in.n_events; i++) {
        assert_str(in.events[i].carrier, "ups");
        assert_str(in.events[i].tracking_number, "1Z999AA10123456784");
        assert_str(in.events[i].source, "easypost");
    }
    assert_str(in.events[2].message, "Weather delay: severe storms in the area");
    assert_str(in.events[3].location.city, "AUSTIN");
    assert_str(in.events[3].location.region, "TX");
    assert_str(in.events[3].location.postal_code, "78704");
    assert_str(in.events[3].location.country, "US");
    rs_inbound_release(&in);
    rs_inbound_release(&in); /* twice is harmless */
}

static void test_easypost_created_and_return(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_easypost_parse, "easypost-tracker-created.json", NULL, &in);
    assert_str(in.topic, "tracker.created");
    assert_true(in.test);
    assert_int_equal(in.n_events, 1); /* from the tracker itself: no details yet */
    check_event(&in.events[0], 1764842401, 0, RS_STATUS_PENDING, RS_SUB_NONE, false,
                "unknown/unknown");
    assert_str(in.shipments[0].carrier, "usps");
    rs_inbound_release(&in);

    parse_file(rs_hook_easypost_parse, "easypost-return-failure.json", NULL, &in);
    assert_str(in.shipments[0].carrier, "fedex");
    assert_int_equal(in.n_events, 3);
    check_event(&in.events[0], 1765142400, -360, RS_STATUS_ATTEMPT_FAILED, RS_SUB_NONE, true,
                "failure/delivery_exception");
    assert_str(in.events[0].location.country, "MX");
    check_event(&in.events[1], 1765292700, -360,
                RS_STATUS_RETURNING, RS_SUB_TO_SENDER, false, "return_to_sender/return");
    /* a status EasyPost does not document: NONE, raw text kept for the text normalizer */
    assert_int_equal(in.events[2].status, RS_STATUS_NONE);
    assert_int_equal(in.events[2].substatus, RS_SUB_NONE);
    assert_str(in.events[2].code, "teleported/status_update");
    assert_str(in.events[2].message, "Package status not recognised");
    rs_inbound_release(&in);

    /* every Event of the account reaches every webhook: one about a batch is no error */
    static const char batch[] = "{\"id\":\"evt_b1\",\"object\":\"Event\",\"mode\":\"production\","
                                "\"description\":\"batch.created\","
                                "\"result\":{\"object\":\"Batch\"}}";
    char err[256];
    assert_int_equal(rs_hook_easypost_parse(batch, sizeof batch - 1, NULL, &in, err, sizeof err),
                     RS_OK);
    assert_str(in.topic, "batch.created");
    assert_str(in.delivery_id, "evt_b1");
    assert_int_equal(in.n_orders + in.n_shipments + in.n_events, 0);
    rs_inbound_release(&in);
    /* ... but a tracker event it does not know still is */
    static const char deleted[] = "{\"id\":\"evt_b2\",\"object\":\"Event\","
                                  "\"description\":\"tracker.deleted\"}";
    assert_int_equal(
        rs_hook_easypost_parse(deleted, sizeof deleted - 1, NULL, &in, err, sizeof err),
        RS_EINVAL);
    assert_non_null(strstr(err, "unsupported event \"tracker.deleted\""));
}

/* ---------- Shippo ---------- */

static void test_shippo_exception_out_of_order(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_shippo_parse, "shippo-address-issue.json", NULL, &in);
    assert_str(in.source, "shippo");
    assert_str(in.topic, "track_updated");
    assert_null(in.delivery_id);
    assert_int_equal(in.n_shipments, 1);
    assert_str(in.shipments[0].carrier, "dhl_express");
    assert_str(in.shipments[0].tracking_number, "1234567890");
    assert_str(in.shipments[0].service, "Express Worldwide");
    assert_str(in.shipments[0].origin.city, "Guadalajara");
    assert_str(in.shipments[0].origin.country, "MX");
    /* tracking_status repeats history[0]: not added twice */
    assert_int_equal(in.n_events, 3);
    check_event(&in.events[0], 1765267080, 0, RS_STATUS_EXCEPTION, RS_SUB_ADDRESS_ISSUE, true,
                "TRANSIT/address_issue");
    assert_str(in.events[0].message, "Incorrect address; contact DHL to arrange delivery.");
    assert_str(in.events[0].location.postal_code, "28042");
    assert_str(in.events[0].location.country, "ES");
    check_event(&in.events[1], 1764963600, 0, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, false,
                "TRANSIT/package_accepted");
    /* substatus null: the status alone */
    assert_int_equal(in.events[2].status, RS_STATUS_IN_TRANSIT);
    assert_str(in.events[2].code, "TRANSIT");
    rs_inbound_release(&in);
}

static void test_shippo_unknown_and_returned(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_shippo_parse, "shippo-unknown-returned.json", NULL, &in);
    assert_true(in.test);
    assert_str(in.shipments[0].carrier, "shippo");
    assert_int_equal(in.n_events, 3);
    /* UNKNOWN/other is Shippo's "unrecognised carrier status": left to the text normalizer */
    assert_int_equal(in.events[0].status, RS_STATUS_NONE);
    assert_str(in.events[0].message, "Paquete retenido por motivos internos");
    assert_str(in.events[0].code, "UNKNOWN/other");
    /* an undocumented substatus under a documented status keeps the status */
    assert_int_equal(in.events[1].status, RS_STATUS_IN_TRANSIT);
    assert_int_equal(in.events[1].substatus, RS_SUB_NONE);
    assert_str(in.events[1].code, "TRANSIT/brand_new_code");
    /* tracking_status not in the history: added last */
    assert_int_equal(in.events[2].status, RS_STATUS_RETURNING);
    assert_int_equal(in.events[2].substatus, RS_SUB_TO_SENDER);
    rs_inbound_release(&in);
}

/* ---------- AfterShip ---------- */

static void test_aftership_return_2025(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_aftership_parse, "aftership-return-2025.json", NULL, &in);
    assert_str(in.source, "aftership");
    assert_str(in.topic, "tracking_update");
    assert_str(in.delivery_id, "0e6b3f0c-2d1a-4c55-9f41-7a8b9c0d1e2f");
    assert_str(in.tracker_id, "b7q2w9e4r1t8y5u3i6o0p2a5s8d1f4g7");
    const struct rs_shipment_in *sh = &in.shipments[0];
    assert_str(sh->carrier, "correos_express");
    assert_str(sh->order_ref, "2087");
    assert_str(sh->service, "ePaq 24");
    assert_int_equal(in.n_events, 4);
    check_event(&in.events[0], 1764663000, 60, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_NONE, false,
                "OutForDelivery/OutForDelivery_001");
    assert_str(in.events[0].location.postal_code, "46001"); /* 2026-01 name */
    assert_str(in.events[0].location.country, "ES");       /* alpha-3 -> alpha-2 */
    /* carrier-local time without offset: the checkpoint's country (Spain, +01:00 in December) */
    check_event(&in.events[1], 1764701100, 60, RS_STATUS_EXCEPTION, RS_SUB_ADDRESS_ISSUE, true,
                "Exception/Exception_007");
    assert_str(in.events[1].location.city, "VALENCIA"); /* city null: location text */
    check_event(&in.events[2], 1764932400, 60, RS_STATUS_RETURNING, RS_SUB_TO_SENDER, false,
                "Exception/Exception_010");
    check_event(&in.events[3], 1765206300, 60, RS_STATUS_RETURNED, RS_SUB_TO_SENDER, false,
                "Exception/Exception_011");
    assert_str(in.events[3].message, "Devuelto al remitente");
    rs_inbound_release(&in);

    /* no country on the checkpoint: the destination's (Colombia, -05:00); none at all: UTC */
    char err[300];
    const char *col = "{\"event\":\"tracking_update\",\"msg\":{\"tracking_number\":\"CO1\",\"slug\":\"dhl\","
                      "\"destination_country_iso3\":\"COL\",\"checkpoints\":[{\"checkpoint_time\":"
                      "\"2025-07-01T10:00:00\",\"tag\":\"InTransit\"}]}}";
    assert_int_equal(rs_hook_aftership_parse(col, strlen(col), NULL, &in, err, sizeof err), RS_OK);
    assert_int_equal(in.events[0].occurred_at, 1751382000);
    assert_int_equal(in.events[0].offset_min, -300);
    rs_inbound_release(&in);
    const char *none = "{\"event\":\"tracking_update\",\"msg\":{\"tracking_number\":\"CO1\",\"slug\":\"dhl\","
                       "\"checkpoints\":[{\"checkpoint_time\":\"2025-07-01T10:00:00\",\"tag\":\"InTransit\"}]}}";
    assert_int_equal(rs_hook_aftership_parse(none, strlen(none), NULL, &in, err, sizeof err), RS_OK);
    assert_int_equal(in.events[0].occurred_at, 1751364000);
    assert_int_equal(in.events[0].offset_min, 0);
    rs_inbound_release(&in);
}

static void test_aftership_legacy_and_duplicate(void **state)
{
    (void)state;
    struct rs_inbound a, b;
    parse_file(rs_hook_aftership_parse, "aftership-legacy.json", NULL, &a);
    assert_null(a.delivery_id); /* legacy: no event_id */
    assert_str(a.shipments[0].carrier, "estafeta");
    assert_str(a.shipments[0].order_ref, "MX-1001");
    assert_int_equal(a.n_events, 4);
    /* "2025-12-01T10:00:00" in Mexico (America/Mexico_City, -06:00) */
    check_event(&a.events[0], 1764604800, -360, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, false,
                "InTransit/InTransit_002");
    assert_str(a.events[0].location.postal_code, "06600");
    assert_str(a.events[0].location.country, "MX");
    /* unknown subtag under a known tag: the tag's mapping */
    check_event(&a.events[1], 1764736200, -360, RS_STATUS_IN_TRANSIT, RS_SUB_NONE, false,
                "InTransit/InTransit_099");
    /* tag null: derived from the subtag */
    assert_int_equal(a.events[2].status, RS_STATUS_IN_TRANSIT);
    assert_int_equal(a.events[2].substatus, RS_SUB_ARRIVED_AT_FACILITY);
    /* an undocumented tag: NONE with the text */
    assert_int_equal(a.events[3].status, RS_STATUS_NONE);
    assert_str(a.events[3].code, "Teleported");
    assert_str(a.events[3].message, "Escaneo con etiqueta nueva");

    /* the same delivery twice gives the same records (dedupe happens downstream) */
    parse_file(rs_hook_aftership_parse, "aftership-legacy.json", NULL, &b);
    assert_int_equal(a.n_events, b.n_events);
    for (int i = 0; i < a.n_events; i++) {
        assert_int_equal(a.events[i].occurred_at, b.events[i].occurred_at);
        assert_int_equal(a.events[i].status, b.events[i].status);
        assert_str(a.events[i].code, b.events[i].code);
    }
    rs_inbound_release(&a);
    rs_inbound_release(&b);

    parse_file(rs_hook_aftership_parse, "aftership-pending.json", NULL, &a);
    assert_str(a.shipments[0].carrier, "correos");
    assert_str(a.shipments[0].order_ref, "#1050");
    assert_int_equal(a.n_events, 1);
    check_event(&a.events[0], 1764835200, 0, RS_STATUS_PENDING, RS_SUB_NONE, false,
                "Pending/Pending_001");
    assert_null(a.shipments[0].eta.from); /* no estimate said */
    rs_inbound_release(&a);

    /* edd_revise: AfterShip's new estimate, a range, as of the tracking's updated_at */
    parse_file(rs_hook_aftership_parse, "aftership-edd-revise.json", NULL, &a);
    assert_str(a.topic, "edd_revise");
    assert_str(a.shipments[0].order_ref, "#1050");
    assert_str(a.shipments[0].eta.from, "2025-12-10");
    assert_str(a.shipments[0].eta.to, "2025-12-11");
    assert_int_equal(a.shipments[0].eta.as_of, 1764927000);
    rs_inbound_release(&a);
}

/* Each provider's estimate of the delivery day, read leniently: a date or a time gives its date
 * as written; one the reader cannot use is left out and the rest of the delivery stands. */
static void test_carrier_estimates(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_shippo_parse, "shippo-address-issue.json", NULL, &in);
    assert_str(in.shipments[0].eta.from, "2025-12-12"); /* eta, not original_eta */
    assert_str(in.shipments[0].eta.to, "2025-12-12");
    rs_inbound_release(&in);
    parse_file(rs_hook_easypost_parse, "easypost-delivered-late-scan.json", NULL, &in);
    assert_null(in.shipments[0].eta.from); /* est_delivery_date null */
    rs_inbound_release(&in);
    parse_file(rs_hook_17track_parse, "17track-handover-delivered.json", NULL, &in);
    assert_null(in.shipments[0].eta.from); /* from/to null */
    rs_inbound_release(&in);

    char err[256];
    static const struct {
        const char *edd, *from, *to;
    } cases[] = {
        {"\"estimated_delivery_date\":\"2025-12-10\"", "2025-12-10", "2025-12-10"},
        {"\"estimated_delivery_date_min\":\"2025-12-10\",\"estimated_delivery_date_max\":\"2025-12-12T18:00:00+01:00\"",
         "2025-12-10", "2025-12-12"},
        {"\"estimated_delivery_date\":\"10/12/2025\"", NULL, NULL},                 /* not a date */
        {"\"estimated_delivery_date\":\"2025-02-30\"", NULL, NULL},                 /* no such day */
        {"\"estimated_delivery_date_min\":\"2025-12-12\",\"estimated_delivery_date_max\":\"2025-12-10\"", NULL,
         NULL},                                                                      /* backwards */
        {"\"estimated_delivery_date\":20251210", NULL, NULL},                         /* a number */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[1024];
        int n = snprintf(body, sizeof body,
                         "{\"event\":\"edd_revise\",\"event_id\":\"e%zu\",\"msg\":{\"id\":\"x\",\"tracking_number\":"
                         "\"LB000111222ES\",\"slug\":\"spain-correos-es\",\"tag\":\"InTransit\",\"order_number\":\"#1050\","
                         "\"updated_at\":\"2025-12-05T09:30:00+00:00\",\"aftership_estimated_delivery_date\":{%s},"
                         "\"checkpoints\":[]}}",
                         i, cases[i].edd);
        assert_int_equal(rs_hook_aftership_parse(body, (size_t)n, NULL, &in, err, sizeof err), RS_OK);
        assert_str(in.shipments[0].eta.from, cases[i].from);
        assert_str(in.shipments[0].eta.to, cases[i].to);
        rs_inbound_release(&in);
    }
}

/* ---------- 17TRACK ---------- */

static void test_17track_handover(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_17track_parse, "17track-handover-delivered.json", NULL, &in);
    assert_str(in.source, "17track");
    assert_str(in.topic, "TRACKING_UPDATED");
    assert_null(in.delivery_id); /* no event id: the body's hash keys the delivery */
    assert_null(in.tracker_id);
    assert_int_equal(in.n_orders, 0);
    assert_int_equal(in.n_shipments, 1);
    const struct rs_shipment_in *sh = &in.shipments[0];
    assert_str(sh->carrier, "china_post"); /* key 3011 from the table */
    assert_str(sh->tracking_number, "RB902345675CN");
    assert_str(sh->order_ref, "TS-5001"); /* tag */
    assert_null(sh->origin.country); /* shipping_info is not read (see hook_17track.c) */
    /* two providers (China Post, then Correos for the last mile), each newest first: one
     * timeline, oldest first; latest_event repeats the newest and is not added again */
    assert_int_equal(in.n_events, 6);
    /* time_iso null: time_utc */
    check_event(&in.events[0], 1764141600, 0, RS_STATUS_INFO_RECEIVED, RS_SUB_NONE, false,
                "InfoReceived/InfoReceived");
    assert_null(in.events[0].location.city);
    assert_null(in.events[0].location.country);
    /* time_iso without an offset: the instant from time_utc, +08:00 from the difference */
    check_event(&in.events[1], 1764205200, 480, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, false,
                "InTransit/InTransit_PickedUp");
    assert_str(in.events[1].location.city, "SHENZHEN");
    assert_str(in.events[1].location.region, "Guangdong");
    assert_str(in.events[1].location.postal_code, "518000");
    assert_str(in.events[1].location.country, "CN");
    check_event(&in.events[2], 1764339000, 480, RS_STATUS_IN_TRANSIT, RS_SUB_DEPARTED_FACILITY,
                false, "InTransit/InTransit_Departure");
    assert_str(in.events[2].message, "Departure from outward office of exchange");
    /* Correos events: address.city null -> the location text; alpha-3 country */
    check_event(&in.events[3], 1764787200, 60, RS_STATUS_IN_TRANSIT, RS_SUB_CUSTOMS_CLEARED,
                false, "InTransit/InTransit_CustomsReleased");
    assert_str(in.events[3].location.city, "MADRID-BARAJAS");
    assert_str(in.events[3].location.country, "ES");
    check_event(&in.events[4], 1764831900, 60, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_NONE, false,
                "OutForDelivery/OutForDelivery_Other");
    check_event(&in.events[5], 1764847860, 60, RS_STATUS_DELIVERED, RS_SUB_NONE, false,
                "Delivered/Delivered_Other");
    assert_str(in.events[5].message, "Entregado. Su envío está entregado.");
    assert_str(in.events[5].location.postal_code, "28013");
    for (int i = 0; i < in.n_events; i++) {
        assert_str(in.events[i].carrier, "china_post");
        assert_str(in.events[i].tracking_number, "RB902345675CN");
        assert_str(in.events[i].source, "17track");
    }
    rs_inbound_release(&in);

    /* TRACKING_STOPPED: accepted, nothing to record */
    parse_file(rs_hook_17track_parse, "17track-stopped.json", NULL, &in);
    assert_str(in.source, "17track");
    assert_str(in.topic, "TRACKING_STOPPED");
    assert_int_equal(in.n_shipments, 0);
    assert_int_equal(in.n_events, 0);
    rs_inbound_release(&in);
}

static void test_17track_return_unknown_key(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_17track_parse, "17track-unknown-carrier-return.json", NULL, &in);
    const struct rs_shipment_in *sh = &in.shipments[0];
    /* a key outside the table: the provider's name for it, as a slug (the write path lets the
     * merchant's existing shipment with this number win) */
    assert_str(sh->carrier, "paack_logistics");
    assert_null(sh->order_ref); /* tag null */
    assert_int_equal(in.n_events, 4);
    check_event(&in.events[0], 1764750600, 60, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, false,
                "InTransit/InTransit_PickedUp");
    check_event(&in.events[1], 1764850200, 60, RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT,
                true, "DeliveryFailure/DeliveryFailure_NoBody");
    check_event(&in.events[2], 1764956700, 60, RS_STATUS_RETURNING, RS_SUB_TO_SENDER, false,
                "Exception/Exception_Returning");
    check_event(&in.events[3], 1765270920, 60, RS_STATUS_RETURNED, RS_SUB_TO_SENDER, false,
                "Exception/Exception_Returned");
    assert_str(in.events[3].message, "Devuelto al remitente");
    rs_inbound_release(&in);
}

/* Parse BODY with the 17TRACK adapter; fails the test on error. */
static void parse_17(const char *body, struct rs_inbound *in)
{
    char err[256];
    if (rs_hook_17track_parse(body, strlen(body), NULL, in, err, sizeof err) != RS_OK)
        fail_msg("%s: %s", body, err);
}

#define T17_HEAD "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"ab 123\","
#define T17_EVENTS(evs) "\"track_info\":{\"tracking\":{\"providers\":[{\"events\":[" evs "]}]}}}}"

static void test_17track_variants(void **state)
{
    (void)state;
    struct rs_inbound in;
    /* a key in the table wins over the provider's name; the number is normalised */
    parse_17(T17_HEAD "\"carrier\":100002,\"track_info\":{\"tracking\":{\"providers\":[{"
                      "\"provider\":{\"key\":100002,\"name\":\"Correos\"}}]}}}}",
             &in);
    assert_str(in.shipments[0].carrier, "ups");
    assert_str(in.shipments[0].tracking_number, "AB123");
    assert_int_equal(in.n_events, 0); /* NotFound: a shipment, no events */
    rs_inbound_release(&in);
    /* the key as a string of digits; a known provider name goes through carrier-aliases */
    parse_17(T17_HEAD "\"carrier\":\"3011\"}}", &in);
    assert_str(in.shipments[0].carrier, "china_post");
    rs_inbound_release(&in);
    parse_17(T17_HEAD "\"carrier\":190999,\"track_info\":{\"tracking\":{\"providers\":[{"
                      "\"provider\":{\"key\":190999,\"name\":\"Correos Express\"}}]}}}}",
             &in);
    assert_str(in.shipments[0].carrier, "correos_express");
    rs_inbound_release(&in);
    /* an unknown key with no name, or no key: no carrier (the write path resolves it) */
    parse_17(T17_HEAD "\"carrier\":190999}}", &in);
    assert_null(in.shipments[0].carrier);
    rs_inbound_release(&in);
    parse_17(T17_HEAD "\"tag\":1042}}", &in);
    assert_null(in.shipments[0].carrier);
    assert_str(in.shipments[0].order_ref, "1042");
    rs_inbound_release(&in);

    /* no provider events: latest_event, its status from latest_status when it has none */
    parse_17(T17_HEAD "\"track_info\":{\"latest_status\":{\"status\":\"AvailableForPickup\"},"
                      "\"latest_event\":{\"time_utc\":\"2025-12-04T11:31:00Z\","
                      "\"description\":\"Disponible en oficina\"}}}}",
             &in);
    assert_int_equal(in.n_events, 1);
    check_event(&in.events[0], 1764847860, 0, RS_STATUS_AVAILABLE_FOR_PICKUP,
                RS_SUB_AT_PICKUP_POINT, true, "AvailableForPickup");
    assert_str(in.events[0].message, "Disponible en oficina");
    rs_inbound_release(&in);

    /* sub-statuses: a detail the table lacks falls back to its status; an unknown status is
     * left to the text normalizer; two providers' events interleave by time */
    parse_17(T17_HEAD T17_EVENTS(
                 "{\"time_iso\":\"2025-12-02T10:00:00-05:00\","
                 "\"sub_status\":\"Exception_Misrouted\"},"
                 "{\"time_iso\":\"2025-12-01T10:00:00+01:00\",\"sub_status\":\"Teleported_Other\","
                 "\"description\":\"Paquete teletransportado\"}]},{\"events\":["
                 "{\"time_utc\":\"2025-12-01T12:00:00\",\"sub_status\":\"Expired_Other\"}"),
             &in);
    assert_int_equal(in.n_events, 3);
    check_event(&in.events[0], 1764579600, 60, RS_STATUS_NONE, RS_SUB_NONE, false,
                "Teleported/Teleported_Other");
    assert_str(in.events[0].message, "Paquete teletransportado");
    /* time_utc without "Z" is UTC by its name */
    check_event(&in.events[1], 1764590400, 0, RS_STATUS_EXPIRED, RS_SUB_NONE, false,
                "Expired/Expired_Other");
    check_event(&in.events[2], 1764687600, -300, RS_STATUS_EXCEPTION, RS_SUB_NONE, false,
                "Exception/Exception_Misrouted");
    rs_inbound_release(&in);
}

/* ---------- Shopify ---------- */

static void test_shopify_order(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_shopify_parse, "shopify-orders-create-es.json", "orders/create", &in);
    assert_str(in.source, "shopify");
    assert_str(in.topic, "orders/create");
    assert_int_equal(in.n_orders, 1);
    assert_int_equal(in.n_shipments, 0);
    const struct rs_order_in *o = &in.orders[0];
    assert_str(o->order_ref, "#2087");
    assert_int_equal(o->placed_at, 1764620045);
    assert_int_equal(o->placed_offset_min, 60);
    assert_str(o->customer.name, "Inés Calvo");
    assert_str(o->customer.email, "ines.calvo@example.es"); /* order email "" -> customer's */
    assert_str(o->customer.phone, "+34622333444");
    assert_str(o->customer.locale, "es-ES");
    assert_str(o->destination.postal_code, "46004");
    assert_str(o->destination.city, "València");
    assert_str(o->destination.region, "V");
    assert_str(o->destination.country, "ES");
    assert_int_equal(o->n_items, 2);
    assert_str(o->items[0].sku, "TUR-JIJ-300");
    assert_str(o->items[0].name, "Turrón de Jijona 300 g");
    assert_int_equal(o->items[0].quantity, 3);
    assert_null(o->items[1].sku);
    assert_int_equal(o->base_status, RS_ORDER_PLACED);
    assert_str(o->source, "shopify");
    assert_int_equal(o->source_updated_at, 1764620047); /* updated_at: late older updates lose */
    rs_inbound_release(&in);

    /* orders/updated: cancelled, protected fields null, embedded fulfillments */
    parse_file(rs_hook_shopify_parse, "shopify-orders-updated.json", "orders/updated", &in);
    o = &in.orders[0];
    assert_int_equal(o->base_status, RS_ORDER_CANCELLED);
    assert_null(o->customer.name);
    assert_null(o->destination.city);
    assert_str(o->customer.locale, "ca");
    assert_int_equal(o->items[0].quantity, 3);
    assert_int_equal(in.n_shipments, 1); /* the second fulfillment has no tracking number */
    assert_str(in.shipments[0].order_ref, "#2087");
    assert_str(in.shipments[0].carrier, "seur");
    assert_str(in.shipments[0].tracking_number, "SEUR00112233");
    assert_str(in.shipments[0].fulfillment_id, "4409876543212");
    assert_false(in.shipments[0].cancelled);
    assert_int_equal(o->source_updated_at, 0); /* no updated_at */
    assert_int_equal(in.n_events, 0); /* shipment_status null: no event */
    rs_inbound_release(&in);
}

static void test_shopify_fulfillment(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_shopify_parse, "shopify-fulfillment-create.json", "fulfillments/create",
               &in);
    assert_str(in.topic, "fulfillments/create");
    assert_str(in.tracker_id, "4409876543210");
    assert_int_equal(in.n_orders, 0);
    assert_int_equal(in.n_shipments, 2); /* tracking_number repeats tracking_numbers[0] */
    assert_str(in.shipments[0].order_ref, "#2087"); /* "#2087.1" -> its order */
    assert_str(in.shipments[0].carrier, "correos_express");
    assert_str(in.shipments[0].tracking_number, "PK43BG0440123450128001P");
    assert_str(in.shipments[1].tracking_number, "PK43BG0440123450128002P");
    assert_str(in.shipments[0].origin.city, "Madrid");
    assert_str(in.shipments[0].origin.country, "ES");
    assert_int_equal(in.n_events, 2);
    for (int i = 0; i < 2; i++) {
        check_event(&in.events[i], 1764787512, 60, RS_STATUS_ATTEMPT_FAILED, RS_SUB_NONE, true,
                    "attempted_delivery");
        assert_str(in.events[i].tracking_number, in.shipments[i].tracking_number);
        assert_str(in.events[i].source, "shopify");
    }
    assert_str(in.shipments[1].fulfillment_id, "4409876543210");
    assert_false(in.shipments[1].cancelled);
    rs_inbound_release(&in);

    /* no topic: the shape decides */
    parse_file(rs_hook_shopify_parse, "shopify-fulfillment-create.json", NULL, &in);
    assert_int_equal(in.n_shipments, 2);
    rs_inbound_release(&in);

    /* a cancelled fulfillment cancels its shipments and says nothing of their status */
    char err[300];
    const char *cancelled = "{\"id\":77,\"order_id\":5,\"name\":\"#9.1\",\"status\":\"cancelled\","
                            "\"tracking_company\":\"SEUR\",\"tracking_numbers\":[\"SEUR1\"],"
                            "\"shipment_status\":\"in_transit\",\"updated_at\":\"2025-12-04T10:00:00+01:00\"}";
    assert_int_equal(rs_hook_shopify_parse(cancelled, strlen(cancelled), "fulfillments/update", &in, err,
                                           sizeof err),
                     RS_OK);
    assert_int_equal(in.n_shipments, 1);
    assert_true(in.shipments[0].cancelled);
    assert_str(in.shipments[0].fulfillment_id, "77");
    assert_int_equal(in.n_events, 0);
    rs_inbound_release(&in);

    /* a local delivery or a pickup: fulfilled without a tracking number is not an error, and
     * the note says why nothing is applied */
    const char *local = "{\"id\":78,\"order_id\":5,\"name\":\"#9.2\",\"status\":\"success\","
                        "\"tracking_company\":null,\"tracking_number\":null,\"tracking_numbers\":[],"
                        "\"tracking_urls\":[],\"shipment_status\":null,\"updated_at\":\"2025-12-04T10:00:00+01:00\"}";
    assert_int_equal(rs_hook_shopify_parse(local, strlen(local), "fulfillments/create", &in, err, sizeof err),
                     RS_OK);
    assert_int_equal(in.n_shipments + in.n_events + in.n_orders, 0);
    assert_non_null(in.note);
    assert_non_null(strstr(in.note, "78 (#9.2) names no tracking number"));
    rs_inbound_release(&in);
}

/* ---------- WooCommerce ---------- */

static void test_woocommerce(void **state)
{
    (void)state;
    struct rs_inbound in;
    parse_file(rs_hook_woocommerce_parse, "woocommerce-order-created.json", "order.created",
               &in);
    assert_str(in.source, "woocommerce");
    assert_str(in.topic, "order.created");
    const struct rs_order_in *o = &in.orders[0];
    assert_str(o->order_ref, "9120");
    assert_int_equal(o->placed_at, 1752510129);
    assert_int_equal(o->placed_offset_min, 120); /* date_created - date_created_gmt */
    assert_int_equal(o->source_updated_at, 1752566564); /* date_modified_gmt */
    assert_str(o->customer.name, "Begoña Etxeberria");
    assert_str(o->customer.email, "bego.etx@example.es");
    assert_str(o->customer.phone, "+34 944 000 111");
    assert_str(o->customer.locale, "es-ES");
    /* empty shipping address: billing */
    assert_str(o->destination.city, "Bilbao");
    assert_str(o->destination.postal_code, "48005");
    assert_str(o->destination.country, "ES");
    assert_int_equal(o->base_status, RS_ORDER_PROCESSING);
    assert_int_equal(o->n_items, 1);
    assert_int_equal(o->items[0].quantity, 4);
    assert_str(o->items[0].sku, "BON-250");
    assert_int_equal(in.n_shipments, 3);
    assert_str(in.shipments[0].carrier, "correos_express"); /* custom_tracking_provider */
    assert_str(in.shipments[0].tracking_number, "CE0012345678");
    assert_str(in.shipments[1].carrier, "seur");
    assert_str(in.shipments[2].carrier, "mrw"); /* YITH */
    assert_str(in.shipments[2].tracking_number, "MRW-0456789");
    for (int i = 0; i < 3; i++)
        assert_str(in.shipments[i].order_ref, "9120");
    assert_int_equal(in.n_events, 0);
    rs_inbound_release(&in);

    parse_file(rs_hook_woocommerce_parse, "woocommerce-order-labels.json", NULL, &in);
    assert_str(in.topic, "order.updated");
    o = &in.orders[0];
    assert_int_equal(o->placed_offset_min, 60);
    assert_str(o->destination.city, "London");
    assert_str(o->customer.phone, "+447700900123");
    assert_int_equal(in.n_shipments, 2);
    assert_str(in.shipments[0].carrier, "royal_mail"); /* older AfterShip plugin keys */
    assert_str(in.shipments[0].tracking_number, "RM123456785GB");
    assert_str(in.shipments[1].carrier, "usps"); /* wc_connect_labels JSON string */
    assert_str(in.shipments[1].tracking_number, "9400100000000000000000");
    assert_str(in.shipments[1].service, "USPS - Priority Mail International");
    rs_inbound_release(&in);

    assert_true(rs_hook_woocommerce_is_ping("webhook_id=12", 13));
    assert_false(rs_hook_woocommerce_is_ping("webhook_id=", 11));
    assert_false(rs_hook_woocommerce_is_ping("{\"id\":1}", 8));
}

/* ---------- bad input ---------- */

struct bad {
    parse_fn fn;
    const char *topic;
    const char *body;
    const char *want; /* a substring of the error message */
};

static void test_bad_input(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {rs_hook_easypost_parse, NULL, "", "empty body"},
        {rs_hook_easypost_parse, NULL, "{\"id\":\"evt_1\",\"description\":\"tracker.upd",
         "not valid JSON"},
        {rs_hook_easypost_parse, NULL, "[1,2]", "must be a JSON object"},
        {rs_hook_easypost_parse, NULL, "{\"description\":\"batch.created\"}",
         "unsupported event \"batch.created\""},
        {rs_hook_easypost_parse, NULL, "{\"description\":\"tracker.updated\",\"result\":{}}",
         "result.tracking_code: missing tracking number"},
        {rs_hook_easypost_parse, NULL,
         "{\"description\":\"tracker.updated\",\"result\":{\"tracking_code\":42}}",
         "result.tracking_code: expected a string, got an integer"},
        {rs_hook_easypost_parse, NULL,
         "{\"description\":\"tracker.updated\",\"result\":{\"tracking_code\":\"X1\","
         "\"tracking_details\":[{\"status\":\"in_transit\",\"datetime\":\"2025-12-01T10:00:00\"}]}}",
         "has no UTC offset"},
        {rs_hook_easypost_parse, NULL,
         "{\"description\":\"tracker.updated\",\"result\":{\"tracking_code\":\"X1\","
         "\"tracking_details\":[{\"status\":\"in_transit\"}]}}",
         "tracking_details[0].datetime: missing"},
        {rs_hook_easypost_parse, NULL,
         "{\"description\":\"tracker.updated\",\"result\":{\"tracking_code\":\"X1\","
         "\"tracking_details\":{}}}",
         "result.tracking_details: expected an array, got an object"},
        {rs_hook_easypost_parse, NULL, "{\"description\":\"tracker.updated\",\"id\":\"a\",\"id\":\"b\"}",
         "not valid JSON"},
        {rs_hook_shippo_parse, NULL, "{\"event\":\"transaction_created\",\"data\":{}}",
         "unsupported event"},
        {rs_hook_shippo_parse, NULL, "{\"event\":\"track_updated\"}", "missing \"data\""},
        {rs_hook_shippo_parse, NULL,
         "{\"event\":\"track_updated\",\"data\":{\"carrier\":\"usps\",\"tracking_number\":\"  \"}}",
         "not a usable tracking number"},
        {rs_hook_shippo_parse, NULL,
         "{\"event\":\"track_updated\",\"data\":{\"carrier\":\"usps\",\"tracking_number\":\"9400\","
         "\"tracking_history\":[{\"status\":\"TRANSIT\",\"status_date\":\"26/11/2025\"}]}}",
         "is not an RFC 3339 timestamp"},
        {rs_hook_shippo_parse, NULL,
         "{\"event\":\"track_updated\",\"data\":{\"carrier\":\"usps\",\"tracking_number\":\"9400\","
         "\"tracking_status\":{\"status\":\"TRANSIT\",\"status_date\":\"2025-11-26T10:00:00Z\","
         "\"substatus\":{\"code\":\"delayed\",\"action_required\":\"yes\"}}}}",
         "substatus.action_required: expected a boolean"},
        {rs_hook_aftership_parse, NULL, "{\"event\":\"tracking_update\",\"msg\":{\"slug\":\"ups\"}}",
         "msg.tracking_number: missing tracking number"},
        {rs_hook_aftership_parse, NULL, "{\"event\":\"return_update\",\"msg\":{}}",
         "unsupported event"},
        {rs_hook_aftership_parse, NULL,
         "{\"event\":\"tracking_update\",\"msg\":{\"tracking_number\":\"1Z\",\"checkpoints\":"
         "[{\"checkpoint_time\":\"yesterday\"}]}}",
         "msg.checkpoints[0].checkpoint_time: \"yesterday\" is not an RFC 3339 timestamp"},
        {rs_hook_17track_parse, NULL, "{\"data\":{}}", "17TRACK push: missing \"event\""},
        {rs_hook_17track_parse, NULL, "{\"event\":\"TRACKING_DELETED\",\"data\":{}}",
         "unsupported event \"TRACKING_DELETED\""},
        {rs_hook_17track_parse, NULL, "{\"event\":\"TRACKING_UPDATED\"}", "missing \"data\""},
        {rs_hook_17track_parse, NULL, "{\"event\":\"TRACKING_UPDATED\",\"data\":[]}",
         "data: expected an object, got an array"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"carrier\":3011}}",
         "data.number: missing tracking number"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":12345}}",
         "data.number: expected a string, got an integer"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"carrier\":\"china\"}}",
         "data.carrier: \"china\" is not an integer"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"carrier\":3.5}}",
         "data.carrier: expected an integer, got a number"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"tag\":{}}}",
         "data.tag: expected a string or an integer, got an object"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":[]}}",
         "data.track_info: expected an object, got an array"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":{}}}}}",
         "data.track_info.tracking.providers: expected an array, got an object"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[7]}}}}",
         "data.track_info.tracking.providers[0]: expected an object"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"carrier\":5,"
         "\"track_info\":{\"tracking\":{\"providers\":[{\"provider\":{\"key\":\"five\"}}]}}}}",
         "data.track_info.tracking.providers[0].provider.key: \"five\" is not an integer"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"time_utc\":\"2025-12-01T10:00:00Z\"},"
         "\"scan\"]}]}}}}",
         "data.track_info.tracking.providers[0].events[1]: expected an object"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"sub_status\":\"Delivered_Other\"}]}]}}}}",
         "data.track_info.tracking.providers[0].events[0]: missing time_iso and time_utc"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"time_iso\":\"yesterday\","
         "\"time_utc\":\"2025-12-01T10:00:00Z\"}]}]}}}}",
         "providers[0].events[0].time_iso: \"yesterday\" is not an RFC 3339 timestamp"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"time_iso\":\"2025-12-01T10:00:00\"}]}]}}}}",
         "providers[0].events[0].time_iso: \"2025-12-01T10:00:00\" has no UTC offset"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"time_iso\":\"2025-12-01T10:00:00\","
         "\"time_utc\":\"1/12/2025\"}]}]}}}}",
         "providers[0].events[0].time_utc: \"1/12/2025\" is not an RFC 3339 timestamp"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"time_utc\":\"2025-12-01T10:00:00Z\","
         "\"sub_status\":40}]}]}}}}",
         "providers[0].events[0].sub_status: expected a string, got an integer"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"tracking\":{\"providers\":[{\"events\":[{\"time_utc\":\"2025-12-01T10:00:00Z\","
         "\"address\":\"Madrid\"}]}]}}}}",
         "providers[0].events[0].address: expected an object, got a string"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"latest_event\":{\"description\":\"Entregado\"}}}}",
         "data.track_info.latest_event: missing time_iso and time_utc"},
        {rs_hook_17track_parse, NULL,
         "{\"event\":\"TRACKING_UPDATED\",\"data\":{\"number\":\"X1\",\"track_info\":{"
         "\"latest_event\":{\"time_utc\":\"2025-12-01T10:00:00Z\",\"address\":{\"country\":86}}}}}",
         "data.track_info.latest_event.address.country: expected a string, got an integer"},
        {rs_hook_shopify_parse, "orders/delete", "{\"id\":1}", "unsupported topic"},
        {rs_hook_shopify_parse, NULL, "{\"id\":1}", "neither an order nor a fulfillment"},
        {rs_hook_shopify_parse, "orders/create", "{\"name\":\"#1\"}", "missing created_at"},
        {rs_hook_shopify_parse, "orders/create",
         "{\"name\":\"#1\",\"created_at\":\"2025-11-24T10:05:32\"}", "has no UTC offset"},
        {rs_hook_shopify_parse, "orders/create",
         "{\"name\":\"#1\",\"created_at\":\"2025-11-24T10:05:32Z\",\"line_items\":[{\"sku\":\"A\"}]}",
         "line_items[0].quantity: missing"},
        {rs_hook_shopify_parse, "fulfillments/update",
         "{\"id\":5,\"order_id\":6,\"tracking_numbers\":[\"A1\"],\"shipment_status\":\"delivered\"}",
         "shipment_status without updated_at"},
        /* a body of the other kind under the topic header (a forwarder, a hand-made test): a
         * fulfillment must not become an order "#1042.1" */
        {rs_hook_shopify_parse, "orders/updated",
         "{\"id\":5,\"order_id\":6,\"name\":\"#1042.1\",\"created_at\":\"2025-11-24T10:05:32Z\","
         "\"line_items\":[{\"id\":1,\"quantity\":1}],\"tracking_numbers\":[\"A1\"]}",
         "the body is not an order (it has order_id"},
        {rs_hook_shopify_parse, "fulfillments/create",
         "{\"id\":6,\"name\":\"#1042\",\"order_number\":1042,\"created_at\":\"2025-11-24T10:05:32Z\","
         "\"line_items\":[{\"id\":1,\"quantity\":1}],\"fulfillments\":[]}",
         "the body is an order (order_number, no order_id), not a fulfillment"},
        {rs_hook_woocommerce_parse, "order.deleted", "{\"id\":1}", "unsupported topic"},
        {rs_hook_woocommerce_parse, NULL, "webhook_id=12", "activation ping"},
        {rs_hook_woocommerce_parse, NULL, "{\"id\":1,\"date_created\":\"2025-01-01T10:00:00\"}",
         "has no UTC offset"},
        {rs_hook_woocommerce_parse, NULL,
         "{\"id\":1,\"date_created_gmt\":\"2025-01-01T10:00:00\",\"billing\":\"x\"}",
         "order.billing: expected an object, got a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rs_inbound in;
        char err[256] = "";
        enum rs_err e = cases[i].fn(cases[i].body, strlen(cases[i].body), cases[i].topic, &in,
                                    err, sizeof err);
        if (e == RS_OK)
            fail_msg("case %zu accepted: %s", i, cases[i].body);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i].want);
        assert_null(in.root_);
        assert_int_equal(in.n_events, 0);
        rs_inbound_release(&in);
    }
}

/* ---------- the shared provider examples, when present ---------- */

static char *shared(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "../shared/fixtures/%s", name);
    return slurp(path, len);
}

static void test_shared_examples(void **state)
{
    (void)state;
    size_t len;
    char err[256];
    struct rs_inbound in;
    char *b = shared("easypost-tracker-updated.json", &len);
    if (!b) {
        printf("skipped: ../shared/fixtures not present\n");
        return;
    }
    assert_int_equal(rs_hook_easypost_parse(b, len, NULL, &in, err, sizeof err), RS_OK);
    assert_int_equal(in.n_events, 4);
    check_event(&in.events[3], 1764162120, 0, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_NONE, false,
                "out_for_delivery/out_for_delivery");
    assert_str(in.shipments[0].tracking_number, "9400111899223817042712");
    assert_str(in.shipments[0].carrier, "usps");
    assert_str(in.shipments[0].eta.from, "2025-11-26"); /* est_delivery_date, a time */
    rs_inbound_release(&in);
    free(b);

    b = shared("shippo-track-updated.json", &len);
    assert_non_null(b);
    assert_int_equal(rs_hook_shippo_parse(b, len, NULL, &in, err, sizeof err), RS_OK);
    assert_int_equal(in.n_events, 3);
    check_event(&in.events[2], 1764169920, 0, RS_STATUS_EXCEPTION, RS_SUB_DELAYED, false,
                "TRANSIT/delayed");
    assert_str(in.shipments[0].eta.to, "2025-11-28"); /* eta (original_eta was the 26th) */
    rs_inbound_release(&in);
    free(b);

    b = shared("aftership-tracking-update.json", &len);
    assert_non_null(b);
    assert_int_equal(rs_hook_aftership_parse(b, len, NULL, &in, err, sizeof err), RS_OK);
    assert_int_equal(in.n_events, 3);
    /* "2025-11-26T16:31:00" in the USA: America/New_York (-05:00), where most people live */
    check_event(&in.events[2], 1764192660, -300, RS_STATUS_ATTEMPT_FAILED, RS_SUB_NONE, true,
                "AttemptFail/AttemptFail_001");
    assert_str(in.shipments[0].order_ref, "#1042");
    assert_str(in.shipments[0].eta.from, "2025-11-27");
    assert_str(in.shipments[0].eta.to, "2025-11-28");
    rs_inbound_release(&in);
    free(b);

    b = shared("17track-tracking-updated.json", &len);
    assert_non_null(b);
    assert_int_equal(rs_hook_17track_parse(b, len, NULL, &in, err, sizeof err), RS_OK);
    assert_str(in.shipments[0].carrier, "china_post");
    assert_str(in.shipments[0].order_ref, "order-1042");
    assert_str(in.shipments[0].eta.from, "2025-11-27");
    assert_str(in.shipments[0].eta.to, "2025-11-29");
    assert_int_equal(in.n_events, 3);
    check_event(&in.events[0], 1763365200, 480, RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP, false,
                "InTransit/InTransit_PickedUp");
    check_event(&in.events[2], 1764058440, 60, RS_STATUS_IN_TRANSIT, RS_SUB_ARRIVED_AT_FACILITY,
                false, "InTransit/InTransit_Arrival");
    rs_inbound_release(&in);
    free(b);

    b = shared("shopify-orders-create.json", &len);
    assert_non_null(b);
    assert_int_equal(rs_hook_shopify_parse(b, len, "orders/create", &in, err, sizeof err), RS_OK);
    assert_str(in.orders[0].order_ref, "#1042");
    assert_int_equal(in.orders[0].placed_at, 1764000332);
    assert_int_equal(in.orders[0].placed_offset_min, -360);
    assert_str(in.orders[0].customer.locale, "es");
    assert_str(in.orders[0].destination.region, "TX");
    rs_inbound_release(&in);
    free(b);

    b = shared("shopify-fulfillment-update.json", &len);
    assert_non_null(b);
    assert_int_equal(rs_hook_shopify_parse(b, len, "fulfillments/update", &in, err, sizeof err),
                     RS_OK);
    assert_int_equal(in.n_shipments, 1);
    assert_str(in.shipments[0].order_ref, "#1042");
    check_event(&in.events[0], 1764162344, -360, RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_NONE, false,
                "out_for_delivery");
    rs_inbound_release(&in);
    free(b);

    b = shared("woocommerce-order-updated.json", &len);
    assert_non_null(b);
    assert_int_equal(rs_hook_woocommerce_parse(b, len, "order.updated", &in, err, sizeof err),
                     RS_OK);
    assert_str(in.orders[0].order_ref, "7315");
    assert_str(in.orders[0].customer.name, "Javier Martín Ruiz");
    assert_int_equal(in.orders[0].placed_offset_min, 60);
    assert_int_equal(in.n_shipments, 1);
    assert_str(in.shipments[0].carrier, "correos");
    assert_str(in.shipments[0].tracking_number, "PQ4F1B0712345670128003W");
    rs_inbound_release(&in);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_easypost_delivered_then_late_scan),
        cmocka_unit_test(test_easypost_created_and_return),
        cmocka_unit_test(test_shippo_exception_out_of_order),
        cmocka_unit_test(test_shippo_unknown_and_returned),
        cmocka_unit_test(test_aftership_return_2025),
        cmocka_unit_test(test_aftership_legacy_and_duplicate),
        cmocka_unit_test(test_17track_handover),
        cmocka_unit_test(test_17track_return_unknown_key),
        cmocka_unit_test(test_17track_variants),
        cmocka_unit_test(test_shopify_order),
        cmocka_unit_test(test_shopify_fulfillment),
        cmocka_unit_test(test_woocommerce),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_carrier_estimates),
        cmocka_unit_test(test_shared_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
