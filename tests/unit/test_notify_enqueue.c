/* test_notify_enqueue.c — planning in the write path on a real (temporary) store: quiet hours
 * are the customer's (customers.timezone), falling back to the merchant's zone. */
#include "unit.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/ingest.h"
#include "app/notify_settings.h"
#include "app/promise_apply.h"
#include "store/store.h"
#include "store/store_notify.h"
#include "util/tz.h"

static const char *const SETTINGS =
    "{\"email\":{\"smtp_url\":\"smtp://127.0.0.1:1\",\"starttls\":\"none\",\"from\":\"t@tienda.example.es\"},"
    "\"triggers\":{\"*\":[\"email\"]},\"quiet_hours\":{\"start\":\"21:00\",\"end\":\"09:00\"}}";

struct db {
    char path[64];
    struct rs_store *s;
};

static void db_open(struct db *d)
{
    d->s = unit_db_new(d->path, sizeof d->path, "enqueue");
}

static void db_close(struct db *d)
{
    rs_store_close(d->s);
    unit_db_remove(d->path);
}

/* Place order REF for a customer in CUSTOMER_TZ (NULL: none) at NOW; answer whether its
 * order_confirmed e-mail was deferred and until when. */
static void place(struct db *d, int64_t mid, const char *ref, const char *customer_tz, int64_t now,
                  int *deferred, int64_t *next)
{
    char email[64];
    snprintf(email, sizeof email, "%s@example.com", ref);
    struct rs_order_in o = {.order_ref = ref, .placed_at = now,
                            .customer = {.name = "Ana", .email = email, .locale = "es", .timezone = customer_tz},
                            .destination = {.country = "ES"}};
    enum rs_put_result res;
    char code[RS_TRACKCODE_LEN];
    struct rs_app_error ae = {0};
    assert_int_equal(rs_store_begin(d->s), RS_OK);
    assert_int_equal(rs_app_order_put(d->s, mid, &o, now, &res, code, &ae), RS_OK);
    assert_int_equal(rs_store_commit(d->s), RS_OK);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(d->path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT x.deferred,x.next_attempt_at FROM outbox x JOIN orders o ON "
                                        "o.id=x.order_id WHERE o.order_ref=? AND x.trigger='order_confirmed'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    *deferred = sqlite3_column_int(q, 0);
    *next = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_quiet_hours_customer_zone(void **state)
{
    (void)state;
    struct db d;
    db_open(&d);
    int64_t madrid, mexico;
    assert_int_equal(rs_store_merchant_create(d.s, "Sol", "Europe/Madrid", "es", 1, &madrid), RS_OK);
    assert_int_equal(rs_store_merchant_create(d.s, "Luna", "America/Mexico_City", "es", 1, &mexico), RS_OK);
    assert_int_equal(rs_store_begin(d.s), RS_OK);
    assert_int_equal(rs_store_notify_config_put(d.s, madrid, SETTINGS, 1), RS_OK);
    assert_int_equal(rs_store_notify_config_put(d.s, mexico, SETTINGS, 1), RS_OK);
    assert_int_equal(rs_store_commit(d.s), RS_OK);

    /* 2026-01-15 22:30 UTC = 23:30 in Madrid (CET) = 16:30 in Mexico City (CST) */
    int64_t at = 1768516200;
    int64_t day;
    int minute;
    assert_int_equal(rs_tz_local("Europe/Madrid", at, &day, &minute), RS_OK);
    assert_int_equal(minute, 23 * 60 + 30);
    assert_int_equal(rs_tz_local("America/Mexico_City", at, &day, &minute), RS_OK);
    assert_int_equal(minute, 16 * 60 + 30);

    int deferred;
    int64_t next;
    /* Madrid merchant, customer in Mexico: 16:30 for them, sent now */
    place(&d, madrid, "MX-1", "America/Mexico_City", at, &deferred, &next);
    assert_int_equal(deferred, 0);
    assert_int_equal(next, at);
    /* the same merchant, a customer without a zone: the merchant's 23:30 is quiet, until 09:00
     * Madrid the next morning (08:00 UTC) */
    place(&d, madrid, "ES-1", NULL, at, &deferred, &next);
    assert_int_equal(deferred, 1);
    assert_int_equal(next, 1768550400);
    /* the reverse: a Mexico City merchant (16:30, not quiet for it), a customer in Madrid */
    place(&d, mexico, "ES-2", "Europe/Madrid", at, &deferred, &next);
    assert_int_equal(deferred, 1);
    assert_int_equal(next, 1768550400);
    place(&d, mexico, "MX-2", NULL, at, &deferred, &next);
    assert_int_equal(deferred, 0);

    /* the zone is stored and shown with the customer */
    struct rs_notify_customer c;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(d.path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM orders WHERE order_ref='MX-1'", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t oid = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_int_equal(rs_store_notify_customer(d.s, oid, &c), RS_OK);
    assert_string_equal(c.timezone, "America/Mexico_City");
    db_close(&d);
}

static void test_unknown_zone_refused(void **state)
{
    (void)state;
    struct rs_order_in o = {.order_ref = "Z-1", .placed_at = 1768516200,
                            .customer = {.email = "z@example.com", .timezone = "Mars/Olympus"}};
    struct rs_prep_buf buf;
    struct rs_app_error ae = {0};
    assert_int_equal(rs_app_order_prepare(&o, &buf, &ae), RS_EINVAL);
    assert_string_equal(ae.code, "invalid_field");
    assert_non_null(strstr(ae.message, "customer.timezone"));
    o.customer.timezone = "Europe/Madrid";
    assert_int_equal(rs_app_order_prepare(&o, &buf, &ae), RS_OK);
}

/* The stalled rows of order REF: count, and the idempotency keys joined by ' '. */
static int stalled_rows(struct db *d, char *keys, size_t cap)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(d->path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT idem_key, channel, state FROM outbox WHERE trigger='stalled' ORDER BY id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    int n = 0;
    keys[0] = '\0';
    while (sqlite3_step(q) == SQLITE_ROW) {
        size_t l = strlen(keys);
        snprintf(keys + l, cap - l, "%s%s/%s/%s", n ? " " : "", (const char *)sqlite3_column_text(q, 0),
                 (const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 2));
        n++;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static void sweep(struct db *d, int64_t now)
{
    int64_t after = 0;
    int checked = 0, found = 0;
    bool done = false;
    while (!done) {
        assert_int_equal(rs_store_begin(d->s), RS_OK);
        assert_int_equal(rs_app_promise_sweep_chunk(d->s, now, &after, 200, &checked, &found, &done), RS_OK);
        assert_int_equal(rs_store_commit(d->s), RS_OK);
    }
}

static void scan(struct db *d, int64_t mid, int64_t at)
{
    struct rs_event_in ev = {.carrier = "seur", .tracking_number = "STALL1", .occurred_at = at,
                             .status = RS_STATUS_IN_TRANSIT, .source = "api"};
    struct rs_app_error ae = {0};
    assert_int_equal(rs_store_begin(d->s), RS_OK);
    assert_int_equal(rs_app_event_record(d->s, mid, &ev, at + 60, &ae), RS_OK);
    assert_int_equal(rs_store_commit(d->s), RS_OK);
}

/* A shipment the carrier stops scanning: the sweep plans one stalled notice per silence (the
 * key is the last scan), sweeping again plans nothing, a later scan and a new silence plan a
 * second one; no notice while the scans keep coming. */
static void test_stalled_once_per_stall(void **state)
{
    (void)state;
    struct db d;
    db_open(&d);
    int64_t mid;
    assert_int_equal(rs_store_merchant_create(d.s, "Sol", "Europe/Madrid", "es", 1, &mid), RS_OK);
    assert_int_equal(rs_store_begin(d.s), RS_OK);
    assert_int_equal(rs_store_notify_config_put(d.s, mid, SETTINGS, 1), RS_OK);
    assert_int_equal(rs_store_commit(d.s), RS_OK);
    int64_t t0 = 1768478400; /* 2026-01-15 12:00 UTC */
    int deferred;
    int64_t next;
    place(&d, mid, "ST-1", NULL, t0, &deferred, &next);
    struct rs_shipment_in sh = {.order_ref = "ST-1", .carrier = "seur", .tracking_number = "STALL1", .source = "api"};
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    assert_int_equal(rs_store_begin(d.s), RS_OK);
    assert_int_equal(rs_app_shipment_put(d.s, mid, &sh, t0, &res, &ae), RS_OK);
    assert_int_equal(rs_store_commit(d.s), RS_OK);
    scan(&d, mid, t0 + 3600);
    char keys[1024];
    sweep(&d, t0 + 2 * 86400); /* two days: within the default (2 x 48 h) */
    assert_int_equal(stalled_rows(&d, keys, sizeof keys), 0);
    sweep(&d, t0 + 5 * 86400); /* silent for 5 days: one notice */
    assert_int_equal(stalled_rows(&d, keys, sizeof keys), 1);
    assert_non_null(strstr(keys, ":stalled:-:20260115T130000Z/email/queued"));
    sweep(&d, t0 + 5 * 86400 + 600); /* the next sweeps: nothing more */
    sweep(&d, t0 + 6 * 86400);
    assert_int_equal(stalled_rows(&d, keys, sizeof keys), 1);
    scan(&d, mid, t0 + 7 * 86400); /* it moves (an in-transit scan notifies nobody) … */
    sweep(&d, t0 + 8 * 86400);
    assert_int_equal(stalled_rows(&d, keys, sizeof keys), 1);
    sweep(&d, t0 + 12 * 86400); /* … and goes silent again: a new stall, a new notice */
    assert_int_equal(stalled_rows(&d, keys, sizeof keys), 2);
    assert_non_null(strstr(keys, ":stalled:-:20260122T120000Z/email/queued"));
    db_close(&d);
}

/* By default a stall goes by e-mail, WhatsApp, push and webhook, not by (paid) SMS; the
 * merchant can list it like any trigger. */
static void test_stalled_default_channels(void **state)
{
    (void)state;
    struct rs_notify_config cfg;
    char err[256];
    const char *with_sms = "{\"email\":{\"smtp_url\":\"smtp://127.0.0.1:1\",\"from\":\"t@tienda.example.es\"},"
                           "\"sms\":{\"provider\":\"twilio\",\"account_sid\":\"AC3f9d1c2b7a8e4f6a0b5c9d8e7f6a5b4c\","
                           "\"auth_token\":\"2f8a6c1e9b3d4f5a7c0e1b2d3f4a5c6e\",\"from\":\"+34600000000\"}";
    char text[1024];
    snprintf(text, sizeof text, "%s}", with_sms);
    assert_int_equal(rs_notify_config_parse(text, &cfg, err, sizeof err), RS_OK);
    unsigned email = RS_CH_BIT(RS_CH_EMAIL), sms = RS_CH_BIT(RS_CH_SMS);
    assert_int_equal(cfg.plan.enabled[RS_TRIG_SHIPPED], email | sms);
    assert_int_equal(cfg.plan.enabled[RS_TRIG_STALLED], email);
    /* the pickup reminder is on wherever available_for_pickup is, SMS included (a missed
     * deadline costs the shop a return) */
    assert_int_equal(cfg.plan.enabled[RS_TRIG_PICKUP_REMINDER], email | sms);
    assert_int_equal(cfg.plan.enabled[RS_TRIG_PICKUP_REMINDER], cfg.plan.enabled[RS_TRIG_AVAILABLE_FOR_PICKUP]);
    rs_notify_config_release(&cfg);
    snprintf(text, sizeof text, "%s,\"triggers\":{\"stalled\":[\"sms\"],\"pickup_reminder\":[]}}", with_sms);
    assert_int_equal(rs_notify_config_parse(text, &cfg, err, sizeof err), RS_OK);
    assert_int_equal(cfg.plan.enabled[RS_TRIG_STALLED], sms);
    assert_int_equal(cfg.plan.enabled[RS_TRIG_PICKUP_REMINDER], 0u);
    rs_notify_config_release(&cfg);
    snprintf(text, sizeof text, "%s,\"triggers\":{\"stalld\":[\"sms\"]}}", with_sms);
    assert_int_equal(rs_notify_config_parse(text, &cfg, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "stalled, pickup_reminder)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiet_hours_customer_zone),
        cmocka_unit_test(test_stalled_once_per_stall),
        cmocka_unit_test(test_stalled_default_channels),
        cmocka_unit_test(test_unknown_zone_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
