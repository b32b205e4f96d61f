/* test_incident.c — the incident workflow on a real (temporary) SQLite store: support settings
 * validation with the field named, SLA due times per type and from the merchant's settings,
 * state transitions (allowed, refused, logged), assignment limited to the merchant's agents,
 * notes that stay internal, coupons issued and marked, resolution recorded with who and when,
 * and the policy sweep opening one 'lost' incident per silent shipment, once. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "app/incident.h"
#include "util/buf.h"
#include "app/ingest.h"
#include "app/promise_service.h"
#include "app/support_settings.h"
#include "store/store_incident.h"
#include "store/store_page.h"
#include "store/store_promise.h"
#include "util/tz.h"

/* ---- settings ---- */

static void expect_bad(const char *json, const char *needle)
{
    struct rs_support_settings cfg;
    char err[256] = "";
    assert_int_equal(rs_support_settings_parse(json, &cfg, err, sizeof err), RS_EINVAL);
    if (!strstr(err, needle))
        fail_msg("error for %s was \"%s\", wanted it to mention \"%s\"", json, err, needle);
}

static void test_settings_defaults(void **state)
{
    (void)state;
    struct rs_support_settings cfg;
    char err[256];
    assert_int_equal(rs_support_settings_parse(NULL, &cfg, err, sizeof err), RS_OK);
    assert_int_equal(rs_support_sla_hours(&cfg, "lost"), 48);
    assert_int_equal(rs_support_sla_hours(&cfg, "damaged"), 24);
    assert_int_equal(rs_support_sla_hours(&cfg, "address"), 8);
    assert_int_equal(cfg.n_policies, 1);
    assert_string_equal(cfg.policies[0].name, "lost_no_scan");
    assert_string_equal(cfg.policies[0].type, "lost");
    assert_int_equal(cfg.policies[0].no_scan_days, 7);
    assert_int_equal(cfg.policies[0].breached_days, -1);
    assert_string_equal(cfg.policies[0].offer, "reship,refund");
    assert_false(cfg.policies[0].offer_coupon);
    assert_int_equal(cfg.retention_days, 365);
    assert_true(cfg.bot_enabled);
    json_t *canned = json_object_get(cfg.root, "canned_replies");
    assert_true(json_array_size(canned) >= 6);
    size_t i;
    json_t *c;
    json_array_foreach(canned, i, c) { /* every canned reply in both languages */
        assert_non_null(json_string_value(json_object_get(json_object_get(c, "body"), "es")));
        assert_non_null(json_string_value(json_object_get(json_object_get(c, "body"), "en")));
    }
    rs_support_settings_release(&cfg);

    /* a merchant's document merges over the defaults */
    assert_int_equal(rs_support_settings_parse("{\"sla_hours\":{\"lost\":12},\"policies\":[],"
                                               "\"coupon\":{\"kind\":\"amount\",\"value\":5,\"currency\":\"EUR\"},"
                                               "\"bot\":{\"handover_below\":0.7,\"rules\":\"talk_to_human\\t3\\tquiero "
                                               "hablar con alguien\\n\"}}",
                                               &cfg, err, sizeof err),
                     RS_OK);
    assert_int_equal(rs_support_sla_hours(&cfg, "lost"), 12);
    assert_int_equal(rs_support_sla_hours(&cfg, "damaged"), 24);
    assert_int_equal(cfg.n_policies, 0);
    assert_false(cfg.coupon_percent);
    assert_int_equal(cfg.coupon_value_cents, 500);
    assert_string_equal(cfg.coupon_currency, "EUR");
    assert_true(cfg.bot_enabled);
    assert_true(cfg.handover_below > 0.69 && cfg.handover_below < 0.71);
    assert_non_null(cfg.bot_rules);
    rs_support_settings_release(&cfg);
}

static void test_settings_errors(void **state)
{
    (void)state;
    expect_bad("[1]", "JSON object");
    expect_bad("{", "not JSON");
    expect_bad("{\"slas\":{}}", "unknown field \"slas\"");
    expect_bad("{\"sla_hours\":{\"broken\":3}}", "sla_hours.broken");
    expect_bad("{\"sla_hours\":{\"lost\":0}}", "sla_hours.lost must be a whole number from 1 to 720");
    expect_bad("{\"policies\":[{\"name\":\"x\",\"type\":\"lost\",\"when\":{},\"offer\":[\"refund\"]}]}",
               "policies[0].when needs at least one condition");
    expect_bad("{\"policies\":[{\"name\":\"x\",\"type\":\"gone\",\"when\":{\"no_scan_days\":3},\"offer\":[\"refund\"]}]}",
               "policies[0].type");
    expect_bad("{\"policies\":[{\"name\":\"x\",\"type\":\"lost\",\"when\":{\"no_scan_days\":3},\"offer\":[\"cash\"]}]}",
               "policies[0].offer[0]");
    expect_bad("{\"policies\":[{\"name\":\"x\",\"type\":\"lost\",\"when\":{\"status\":\"delivered\"},"
               "\"offer\":[\"refund\"]}]}",
               "policies[0].when.status");
    expect_bad("{\"policies\":[{\"name\":\"a\",\"type\":\"lost\",\"when\":{\"no_scan_days\":3},\"offer\":[\"refund\"]},"
               "{\"name\":\"a\",\"type\":\"late\",\"when\":{\"breached_days\":1},\"offer\":[\"coupon\"]}]}",
               "policies[1].name");
    expect_bad("{\"canned_replies\":[{\"id\":\"hi\",\"title\":{\"es\":\"Hola\"},\"body\":{\"es\":\"a\",\"en\":\"b\"}}]}",
               "canned_replies[0].title.en is required");
    expect_bad("{\"retention_days\":0}", "retention_days");
    expect_bad("{\"coupon\":{\"kind\":\"amount\",\"value\":5}}", "coupon.currency is required");
    expect_bad("{\"coupon\":{\"kind\":\"percent\",\"value\":150}}", "coupon.value");
    expect_bad("{\"bot\":{\"handover_below\":2}}", "bot.handover_below");
    expect_bad("{\"bot\":{\"rules\":\"not_an_intent\\t1\\thola\\n\"}}", "bot.rules: line 1");
}

/* ---- workflow on a store ---- */

struct fx {
    char path[64];
    struct rs_store *s;
    int64_t mid, other_mid, order_id;
};

/* Agents are created by `rastro agent create` (the console's work); tests insert rows before the
 * store's write transaction, through a second connection. */
static void insert_agent(const char *path, int64_t mid, const char *email)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO agents(merchant_id,email,name,password_hash,created_at) VALUES(%lld,'%s','A','x',1)",
             (long long)mid, email);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static const int64_t NOW = 1800000000; /* 2027-01-15 */

static void fx_open(struct fx *f)
{
    f->s = unit_db_new(f->path, sizeof f->path, "incident");
    assert_int_equal(rs_store_merchant_create(f->s, "T", "UTC", "es", 1, &f->mid), RS_OK);
    assert_int_equal(rs_store_merchant_create(f->s, "Other", "UTC", "es", 1, &f->other_mid), RS_OK);
    insert_agent(f->path, f->mid, "luis@shop.example");
    insert_agent(f->path, f->other_mid, "eva@other.example");
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    struct rs_order_in o = {.order_ref = "1042", .placed_at = NOW - 20 * 86400,
                            .customer = {.name = "Ana", .email = "ana@example.com", .locale = "en"},
                            .destination = {.postal_code = "28013", .country = "ES"}};
    enum rs_put_result res;
    char code[RS_TRACKCODE_LEN];
    struct rs_app_error ae = {0};
    assert_int_equal(rs_app_order_put(f->s, f->mid, &o, NOW - 20 * 86400, &res, code, &ae), RS_OK);
    struct rs_order_key k;
    assert_int_equal(rs_store_order_find(f->s, f->mid, "1042", &k), RS_OK);
    f->order_id = k.id;
}

static void fx_close(struct fx *f)
{
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    rs_store_close(f->s);
    unit_db_remove(f->path);
}

static int log_count(json_t *d, const char *kind)
{
    int n = 0;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(d, "log"), i, l) n += strcmp(json_string_value(json_object_get(l, "kind")), kind) == 0;
    return n;
}

/* Local time in Madrid as epoch seconds. */
static int64_t madrid(int y, int m, int d, int hh, int mm)
{
    int64_t t = 0;
    assert_int_equal(rs_tz_instant("Europe/Madrid", rs_cal_day(y, m, d), hh * 60 + mm, &t), RS_OK);
    return t;
}

/* The customer is told when they will be answered in words, the day and time naming the zone
 * (they may live in another one), or in hours when the shop keeps no business hours. */
static void test_answer_words(void **state)
{
    (void)state;
    char w[192];
    const int64_t due = 1765285200; /* 2025-12-09T13:00:00Z, a Tuesday */
    const int64_t now = due - 20 * 3600;
    rs_incident_answer_words(due, now, "Europe/Madrid", "es", w, sizeof w);
    assert_string_equal(w, "antes del martes 9 de diciembre a las 14:00 (hora de España)");
    rs_incident_answer_words(due, now, "Europe/Madrid", "en-GB", w, sizeof w);
    assert_string_equal(w, "by Tuesday, 9 December at 14:00 (Spain Time)");
    /* an American customer reads the American way; a plain space before PM (an SMS stays GSM-7) */
    rs_incident_answer_words(due, now, "Europe/Madrid", "en-US", w, sizeof w);
    assert_string_equal(w, "by Tuesday, December 9 at 2:00 PM (Spain Time)");
    /* plain English, as the other customer texts write it (day first, 24 hours), not ICU's US "en" */
    rs_incident_answer_words(due, now, "Europe/Madrid", "en", w, sizeof w);
    assert_string_equal(w, "by Tuesday, 9 December at 14:00 (Spain Time)");
    rs_incident_answer_words(due, now, "America/Mexico_City", "es-MX", w, sizeof w);
    assert_string_equal(w, "antes del martes 9 de diciembre a las 07:00 (hora de Ciudad de México)");
    /* one o'clock is singular in Spanish: "a la 01:00", not "a las 01:00" */
    rs_incident_answer_words(due + 11 * 3600 + 30 * 60, now, "Europe/Madrid", "es", w, sizeof w);
    assert_string_equal(w, "antes del miércoles 10 de diciembre a la 01:30 (hora de España)");
    rs_incident_answer_words(due + 12 * 3600, now, "Europe/Madrid", "es", w, sizeof w);
    assert_string_equal(w, "antes del miércoles 10 de diciembre a las 02:00 (hora de España)");
    rs_incident_answer_words(due + 11 * 3600, now, "Europe/Madrid", "en-GB", w, sizeof w);
    assert_string_equal(w, "by Wednesday, 10 December at 01:00 (Spain Time)");
    rs_incident_answer_words(due, now, "", "es", w, sizeof w);
    assert_string_equal(w, "en menos de 20 horas");
    rs_incident_answer_words(due, now, NULL, "en", w, sizeof w);
    assert_string_equal(w, "within 20 hours");
    rs_incident_answer_words(due, due + 60, "Europe/Madrid", "en", w, sizeof w);
    assert_string_equal(w, "as soon as we can");
}

static void test_business_hours(void **state)
{
    (void)state;
    expect_bad("{\"business_hours\":\"9-18\"}", "business_hours must be an object");
    expect_bad("{\"business_hours\":{\"days\":[],\"start\":\"09:00\",\"end\":\"18:00\"}}",
               "business_hours.days must list the weekdays");
    expect_bad("{\"business_hours\":{\"days\":[\"mon\",\"lunes\"],\"start\":\"09:00\",\"end\":\"18:00\"}}",
               "business_hours.days[1] must name weekdays mon, tue");
    expect_bad("{\"business_hours\":{\"days\":[\"mon\"],\"start\":\"9:00\",\"end\":\"18:00\"}}",
               "must be local times \"HH:MM\"");
    expect_bad("{\"business_hours\":{\"days\":[\"mon\"],\"start\":\"18:00\",\"end\":\"09:00\"}}",
               "at least an hour after");
    expect_bad("{\"business_hours\":{\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"18:00\",\"tz\":1}}",
               "unknown field");

    struct rs_support_settings cfg;
    char err[256];
    assert_int_equal(rs_support_settings_parse(NULL, &cfg, err, sizeof err), RS_OK);
    int64_t fri17 = madrid(2026, 12, 4, 17, 0);
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 24, fri17), fri17 + 24 * 3600);
    rs_support_settings_release(&cfg);

    assert_int_equal(rs_support_settings_parse("{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],"
                                               "\"start\":\"09:00\",\"end\":\"18:00\"}}",
                                               &cfg, err, sizeof err),
                     RS_OK);
    assert_int_equal(cfg.bh_days, 0x3Eu);
    /* Friday 17:00 + 24 business hours: 1 on Friday, 9 Monday, 9 Tuesday, 5 on Wednesday */
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 24, fri17), madrid(2026, 12, 9, 14, 0));
    /* the calendar's holidays count no hours: 8 December is a holiday in Spain */
    struct rs_promise_settings st;
    memset(&st, 0, sizeof st);
    memcpy(st.country, "ES", 3);
    st.dispatch_days = RS_PROMISE_DISPATCH_DEFAULT;
    struct rs_calendar cal;
    rs_promise_calendar(&st, NULL, &cal);
    assert_true(rs_calendar_is_holiday(&cal, rs_cal_day(2026, 12, 8)));
    assert_int_equal(rs_support_sla_due(&cfg, &cal, "Europe/Madrid", 24, fri17), madrid(2026, 12, 10, 14, 0));
    /* a Saturday report starts on Monday at opening; one before opening, at opening */
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 1, madrid(2026, 12, 5, 12, 0)),
                     madrid(2026, 12, 7, 10, 0));
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 2, madrid(2026, 12, 7, 7, 30)),
                     madrid(2026, 12, 7, 11, 0));
    /* exactly at closing: the remaining hour is the next working day's */
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 9, madrid(2026, 12, 7, 9, 0)),
                     madrid(2026, 12, 7, 18, 0));
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 10, madrid(2026, 12, 7, 9, 0)),
                     madrid(2026, 12, 8, 10, 0));
    /* across the spring DST change (29 March 2026): local hours, not UTC ones */
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 10, madrid(2026, 3, 27, 17, 0)),
                     madrid(2026, 3, 30, 18, 0));
    /* in the shop's own zone: 09:00–18:00 in Mexico City */
    int64_t t = 0;
    assert_int_equal(rs_tz_instant("America/Mexico_City", rs_cal_day(2026, 12, 7), 17 * 60, &t), RS_OK);
    int64_t want = 0;
    assert_int_equal(rs_tz_instant("America/Mexico_City", rs_cal_day(2026, 12, 8), 10 * 60, &want), RS_OK);
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "America/Mexico_City", 2, t), want);
    /* an unknown zone counts every hour rather than failing */
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Mars/Olympus", 5, fri17), fri17 + 5 * 3600);
    rs_support_settings_release(&cfg);
    /* a round-the-clock team: 00:00–24:00 every day is every hour */
    assert_int_equal(rs_support_settings_parse("{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\","
                                               "\"sat\",\"sun\"],\"start\":\"00:00\",\"end\":\"24:00\"}}",
                                               &cfg, err, sizeof err),
                     RS_OK);
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 48, fri17), fri17 + 48 * 3600);
    rs_support_settings_release(&cfg);
}

/* When the team is next at work, the rule of the SLA clock: now inside business hours, else the
 * next working day's opening (holidays off); and the words the hand-over reply says it in. */
static void test_next_open(void **state)
{
    (void)state;
    struct rs_support_settings cfg;
    char err[256], w[192];
    int64_t fri22 = madrid(2026, 12, 4, 22, 0);
    assert_int_equal(rs_support_settings_parse(NULL, &cfg, err, sizeof err), RS_OK);
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Europe/Madrid", fri22), fri22); /* no hours: at once */
    rs_support_settings_release(&cfg);
    assert_int_equal(rs_support_settings_parse("{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],"
                                               "\"start\":\"09:00\",\"end\":\"18:00\"}}",
                                               &cfg, err, sizeof err),
                     RS_OK);
    int64_t tue10 = madrid(2026, 12, 1, 10, 0);
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Europe/Madrid", tue10), tue10);
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Europe/Madrid", madrid(2026, 12, 1, 9, 0)),
                     madrid(2026, 12, 1, 9, 0));
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Europe/Madrid", madrid(2026, 12, 1, 7, 45)),
                     madrid(2026, 12, 1, 9, 0));
    /* closing time is closed: the next morning */
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Europe/Madrid", madrid(2026, 12, 1, 18, 0)),
                     madrid(2026, 12, 2, 9, 0));
    /* Friday night: Monday at nine; with Spain's calendar, 7 December is no holiday but 8 is */
    int64_t mon9 = madrid(2026, 12, 7, 9, 0);
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Europe/Madrid", fri22), mon9);
    struct rs_promise_settings st;
    memset(&st, 0, sizeof st);
    memcpy(st.country, "ES", 3);
    st.dispatch_days = RS_PROMISE_DISPATCH_DEFAULT;
    struct rs_calendar cal;
    rs_promise_calendar(&st, NULL, &cal);
    assert_int_equal(rs_support_next_open(&cfg, &cal, "Europe/Madrid", madrid(2026, 12, 7, 19, 0)),
                     madrid(2026, 12, 9, 9, 0));
    /* the SLA clock agrees: an hour after Friday night is 10:00 on Monday */
    assert_int_equal(rs_support_sla_due(&cfg, NULL, "Europe/Madrid", 1, fri22), mon9 + 3600);
    assert_int_equal(rs_support_next_open(&cfg, NULL, "Mars/Olympus", fri22), fri22);
    rs_support_settings_release(&cfg);

    rs_incident_open_words(mon9, fri22, "Europe/Madrid", "es", w, sizeof w);
    assert_string_equal(w, "a partir del lunes 7 de diciembre a las 09:00 (hora de España)");
    rs_incident_open_words(mon9, fri22, "Europe/Madrid", "en", w, sizeof w);
    assert_string_equal(w, "from Monday, 7 December at 09:00 (Spain Time)");
    rs_incident_open_words(mon9, fri22, "Europe/Madrid", "en-US", w, sizeof w);
    assert_string_equal(w, "from Monday, December 7 at 9:00 AM (Spain Time)");
    rs_incident_open_words(mon9, fri22, "America/Mexico_City", "es-MX", w, sizeof w);
    assert_string_equal(w, "a partir del lunes 7 de diciembre a las 02:00 (hora de Ciudad de México)");
    /* the team at work, or no business hours (no zone): shortly */
    rs_incident_open_words(tue10, tue10, "Europe/Madrid", "es", w, sizeof w);
    assert_string_equal(w, "en breve");
    rs_incident_open_words(mon9, fri22, "", "en", w, sizeof w);
    assert_string_equal(w, "shortly");
}

static void test_open_sla_and_transitions(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    struct rs_incident_open in = {.order_id = f.order_id, .type = "damaged", .origin = "api", .message = "box crushed"};
    int64_t id = 0;
    assert_int_equal(rs_incident_open(f.s, f.mid, &in, "api", NOW, &id), RS_OK);
    struct rs_incident_row r;
    assert_int_equal(rs_store_incident_row(f.s, f.mid, id, &r), RS_OK);
    assert_int_equal(r.sla_due_at, NOW + 24 * 3600);
    assert_string_equal(r.state, "open");
    assert_string_equal(r.locale, "en"); /* the customer's language */
    /* another merchant's order is not found, bad type refused */
    int64_t other = 0;
    assert_int_equal(rs_incident_open(f.s, f.other_mid, &in, "api", NOW, &other), RS_ENOTFOUND);
    in.type = "broken";
    assert_int_equal(rs_incident_open(f.s, f.mid, &in, "api", NOW, &other), RS_EINVAL);

    /* the merchant's SLA for lost parcels */
    char err[256];
    assert_int_equal(rs_support_settings_save(f.s, f.mid, "{\"sla_hours\":{\"lost\":12}}", NOW, err, sizeof err),
                     RS_OK);
    assert_int_equal(rs_support_settings_save(f.s, f.mid, "{\"sla_hours\":{\"lost\":-1}}", NOW, err, sizeof err),
                     RS_EINVAL);
    in.type = "lost";
    int64_t id2 = 0;
    assert_int_equal(rs_incident_open(f.s, f.mid, &in, "customer", NOW, &id2), RS_OK);
    assert_int_equal(rs_store_incident_row(f.s, f.mid, id2, &r), RS_OK);
    assert_int_equal(r.sla_due_at, NOW + 12 * 3600);

    /* transitions */
    assert_int_equal(rs_incident_set_state(f.s, f.mid, id, "waiting_carrier", "api", NOW + 1), RS_OK);
    assert_int_equal(rs_incident_set_state(f.s, f.mid, id, "waiting_carrier", "api", NOW + 2), RS_OK); /* no-op */
    assert_int_equal(rs_incident_set_state(f.s, f.mid, id, "waiting_customer", "api", NOW + 3), RS_OK);
    assert_int_equal(rs_incident_set_state(f.s, f.mid, id, "bogus", "api", NOW + 3), RS_EINVAL);
    assert_int_equal(rs_incident_set_state(f.s, f.other_mid, id, "open", "api", NOW + 3), RS_ENOTFOUND);
    assert_int_equal(rs_incident_set_state(f.s, f.mid, id, "closed", "api", NOW + 4), RS_OK);
    assert_int_equal(rs_incident_set_state(f.s, f.mid, id, "open", "api", NOW + 5), RS_ECONFLICT); /* closed is final */
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "refund", NULL, "api", NOW + 5, NULL), RS_ECONFLICT);

    json_t *d = NULL;
    assert_int_equal(rs_store_incident_detail(f.s, f.mid, id, NOW + 6, &d), RS_OK);
    assert_int_equal(log_count(d, "created"), 1);
    assert_int_equal(log_count(d, "state"), 3);
    assert_int_equal(log_count(d, "reply"), 4); /* opened + every state change told */
    /* told on the customer's conversation (app/conv.h): linked to the incident */
    assert_true(json_integer_value(json_object_get(d, "conversation_id")) > 0);
    json_t *first = json_array_get(json_object_get(d, "log"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "created");
    assert_string_equal(json_string_value(json_object_get(first, "actor")), "api");
    /* the reply to an English customer is in English */
    size_t i;
    json_t *l;
    bool english = false;
    json_array_foreach(json_object_get(d, "log"), i, l) {
        const char *b = json_string_value(json_object_get(l, "body"));
        if (b && strncmp(b, "We have asked the carrier", 25) == 0) /* sent, not "(not sent: …)" */
            english = true;
    }
    assert_true(english);
    json_decref(d);

    /* breaching queue: the lost incident is due in 12 h */
    struct rs_incident_filter flt = {.breaching = true, .limit = 10};
    json_t *arr = NULL;
    assert_int_equal(rs_store_incident_query(f.s, f.mid, &flt, NOW + 13 * 3600, &arr), RS_OK);
    assert_int_equal(json_array_size(arr), 1); /* the closed one is not breaching */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "id")), id2);
    json_decref(arr);
    assert_int_equal(rs_store_incident_query(f.s, f.mid, &flt, NOW + 3600, &arr), RS_OK);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    fx_close(&f);
}

static int64_t agent_id(struct fx *f, int64_t mid, const char *email)
{
    int64_t id = 0;
    char e[256];
    assert_int_equal(rs_store_agent_of_merchant(f->s, mid, 0, email, &id, e), RS_OK);
    return id;
}

static void test_assign_note_resolve_coupon(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    int64_t mine = agent_id(&f, f.mid, "luis@shop.example"), theirs = agent_id(&f, f.other_mid, "eva@other.example");
    int64_t nobody;
    char e[256];
    assert_int_equal(rs_store_agent_of_merchant(f.s, f.mid, 0, "eva@other.example", &nobody, e), RS_ENOTFOUND);
    struct rs_incident_open in = {.order_id = f.order_id, .type = "late", .origin = "tracking_page"};
    int64_t id = 0;
    assert_int_equal(rs_incident_open(f.s, f.mid, &in, "customer", NOW, &id), RS_OK);
    assert_int_equal(rs_incident_assign(f.s, f.mid, id, theirs, "api", NOW), RS_EINVAL);
    assert_int_equal(rs_incident_assign(f.s, f.mid, id, mine, "api", NOW), RS_OK);
    bool retried = true;
    assert_int_equal(rs_incident_note(f.s, f.mid, id, "called the carrier", "agent:luis@shop.example", NOW, &retried),
                     RS_OK);
    assert_false(retried);
    /* the same POST again (a client retrying after a timeout): not a second note */
    assert_int_equal(rs_incident_note(f.s, f.mid, id, "called the carrier", "agent:luis@shop.example", NOW + 30, &retried),
                     RS_OK);
    assert_true(retried);
    /* the same words by someone else are their own note */
    assert_int_equal(rs_incident_note(f.s, f.mid, id, "called the carrier", "api", NOW + 40, &retried), RS_OK);
    assert_false(retried);
    assert_int_equal(rs_incident_note(f.s, f.mid, id, "", "agent:luis@shop.example", NOW, NULL), RS_EINVAL);

    struct rs_coupon_req bad = {.kind = "amount", .value_cents = 500, .reason = "late"}; /* no currency */
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "coupon", &bad, "agent:luis@shop.example", NOW, NULL),
                     RS_EINVAL);
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "coupon", NULL, "agent:luis@shop.example", NOW, NULL),
                     RS_EINVAL);
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "magic", NULL, "agent:luis@shop.example", NOW, NULL),
                     RS_EINVAL);
    struct rs_coupon_req c = {.kind = "amount", .value_cents = 500, .currency = "EUR", .reason = "late"};
    struct rs_coupon out;
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "coupon", &c, "agent:luis@shop.example", NOW + 60, &out),
                     RS_OK);
    assert_true(strncmp(out.code, "GIFT-", 5) == 0);
    assert_int_equal(out.value_cents, 500);
    assert_int_equal(out.expires_at, NOW + 60 + 90 * 86400);

    json_t *d = NULL;
    assert_int_equal(rs_store_incident_detail(f.s, f.mid, id, NOW + 60, &d), RS_OK);
    assert_string_equal(json_string_value(json_object_get(d, "state")), "resolved");
    assert_string_equal(json_string_value(json_object_get(d, "resolution")), "coupon");
    assert_string_equal(json_string_value(json_object_get(d, "resolved_by")), "agent:luis@shop.example");
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "assigned_agent"), "email")),
                        "luis@shop.example");
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "coupon"), "code")), out.code);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "coupon"), "issued_by")),
                        "agent:luis@shop.example");
    assert_int_equal(json_array_size(json_object_get(d, "notes")), 2);
    /* the note is never told to the customer: no reply carries it */
    size_t i;
    json_t *l;
    bool coupon_told = false;
    json_array_foreach(json_object_get(d, "log"), i, l) {
        const char *k = json_string_value(json_object_get(l, "kind")), *b = json_string_value(json_object_get(l, "body"));
        if (strcmp(k, "reply") == 0) {
            assert_null(strstr(b, "called the carrier"));
            if (strstr(b, out.code) && strstr(b, "€5.00"))
                coupon_told = true; /* the English customer gets code and value */
        }
    }
    assert_true(coupon_told);
    json_decref(d);
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "refund", NULL, "api", NOW, NULL), RS_ECONFLICT);
    /* listed on the order */
    json_t *list = NULL;
    assert_int_equal(rs_store_coupons_of_order(f.s, f.order_id, &list), RS_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* a coupon without an incident (agent/API) */
    struct rs_coupon_req pc = {.kind = "percent", .value_cents = 1500, .reason = "goodwill", .expires_at = NOW + 86400};
    assert_int_equal(rs_coupon_issue(f.s, f.mid, f.order_id, 0, &pc, "api", NOW, &out), RS_OK);
    assert_int_equal(out.expires_at, NOW + 86400);
    assert_int_equal(rs_coupon_issue(f.s, f.other_mid, f.order_id, 0, &pc, "api", NOW, &out), RS_ENOTFOUND);
    assert_int_equal(rs_store_coupons_of_order(f.s, f.order_id, &list), RS_OK);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    fx_close(&f);
}

static void test_policy_sweep_once(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    struct rs_shipment_in si = {.order_ref = "1042", .carrier = "correos", .tracking_number = "PQ1"};
    assert_int_equal(rs_app_shipment_put(f.s, f.mid, &si, NOW - 15 * 86400, &res, &ae), RS_OK);
    struct rs_event_in ev = {.carrier = "correos", .tracking_number = "PQ1", .occurred_at = NOW - 10 * 86400,
                             .status = RS_STATUS_IN_TRANSIT};
    assert_int_equal(rs_app_event_record(f.s, f.mid, &ev, NOW - 10 * 86400, &ae), RS_OK);
    /* a second shipment scanned yesterday, and a third delivered long ago: no incident */
    si.tracking_number = "PQ2";
    assert_int_equal(rs_app_shipment_put(f.s, f.mid, &si, NOW - 15 * 86400, &res, &ae), RS_OK);
    ev.tracking_number = "PQ2";
    ev.occurred_at = NOW - 86400;
    assert_int_equal(rs_app_event_record(f.s, f.mid, &ev, NOW - 86400, &ae), RS_OK);
    si.tracking_number = "PQ3";
    assert_int_equal(rs_app_shipment_put(f.s, f.mid, &si, NOW - 15 * 86400, &res, &ae), RS_OK);
    ev.tracking_number = "PQ3";
    ev.occurred_at = NOW - 12 * 86400;
    ev.status = RS_STATUS_DELIVERED;
    assert_int_equal(rs_app_event_record(f.s, f.mid, &ev, NOW - 12 * 86400, &ae), RS_OK);

    int opened = -1;
    assert_int_equal(rs_incident_policy_sweep(f.s, NOW, &opened), RS_OK);
    assert_int_equal(opened, 1);
    assert_int_equal(rs_incident_policy_sweep(f.s, NOW + 3600, &opened), RS_OK);
    assert_int_equal(opened, 0); /* once per shipment */
    struct rs_incident_filter flt = {.limit = 10};
    json_t *arr = NULL;
    assert_int_equal(rs_store_incident_query(f.s, f.mid, &flt, NOW, &arr), RS_OK);
    assert_int_equal(json_array_size(arr), 1);
    json_t *inc = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(inc, "type")), "lost");
    assert_string_equal(json_string_value(json_object_get(inc, "origin")), "policy");
    assert_string_equal(json_string_value(json_object_get(inc, "policy")), "lost_no_scan");
    assert_string_equal(json_string_value(json_object_get(inc, "offer")), "reship,refund");
    assert_string_equal(json_string_value(json_object_get(json_object_get(inc, "shipment"), "tracking_number")), "PQ1");
    int64_t id = json_integer_value(json_object_get(inc, "id"));
    json_decref(arr);
    /* even resolved, the same policy never opens a second incident for that shipment */
    assert_int_equal(rs_incident_resolve(f.s, f.mid, id, "reship", NULL, "policy", NOW, NULL), RS_OK);
    assert_int_equal(rs_incident_policy_sweep(f.s, NOW + 7200, &opened), RS_OK);
    assert_int_equal(opened, 0);
    /* the offer is told: reship or refund, in English */
    json_t *d = NULL;
    assert_int_equal(rs_store_incident_detail(f.s, f.mid, id, NOW, &d), RS_OK);
    const char *b = json_string_value(json_object_get(json_array_get(json_object_get(d, "log"), 1), "body"));
    assert_non_null(strstr(b, "sending the order again or a refund"));
    json_decref(d);
    /* policies off: nothing */
    char err[256];
    assert_int_equal(rs_support_settings_save(f.s, f.mid, "{\"policies\":[]}", NOW, err, sizeof err), RS_OK);
    ev.tracking_number = "PQ2";
    assert_int_equal(rs_incident_policy_sweep(f.s, NOW + 30 * 86400, &opened), RS_OK);
    assert_int_equal(opened, 0);
    fx_close(&f);
}

/* "alerts": the team's address for SLA alerts, validated as an address */
static void test_settings_alerts(void **state)
{
    (void)state;
    struct rs_support_settings cfg;
    char err[256];
    assert_int_equal(rs_support_settings_parse(NULL, &cfg, err, sizeof err), RS_OK);
    assert_null(cfg.alert_email); /* nobody is e-mailed by default */
    rs_support_settings_release(&cfg);
    assert_int_equal(rs_support_settings_parse("{\"alerts\":{\"email\":\"soporte@tienda.example\"}}", &cfg, err,
                                               sizeof err),
                     RS_OK);
    assert_string_equal(cfg.alert_email, "soporte@tienda.example");
    rs_support_settings_release(&cfg);
    assert_int_equal(rs_support_settings_parse("{\"alerts\":{\"email\":null}}", &cfg, err, sizeof err), RS_OK);
    assert_null(cfg.alert_email);
    rs_support_settings_release(&cfg);
    assert_int_equal(rs_support_settings_parse("{\"alerts\":null}", &cfg, err, sizeof err), RS_OK);
    assert_null(cfg.alert_email);
    rs_support_settings_release(&cfg);
    expect_bad("{\"alerts\":{\"email\":\"soporte\"}}", "alerts.email must be the team's e-mail address");
    expect_bad("{\"alerts\":{\"email\":\"a@b.es, c@d.es\"}}", "alerts.email");
    expect_bad("{\"alerts\":{\"email\":7}}", "alerts.email");
    expect_bad("{\"alerts\":\"soporte@tienda.example\"}", "alerts must be an object");
    expect_bad("{\"alerts\":{\"mail\":\"soporte@tienda.example\"}}", "unknown field");
}

static int sla_rows(struct fx *f, int64_t id)
{
    json_t *d = NULL;
    assert_int_equal(rs_store_incident_detail(f->s, f->mid, id, NOW, &d), RS_OK);
    int n = 0;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(d, "log"), i, l)
    {
        const char *body = json_string_value(json_object_get(l, "body"));
        n += strcmp(json_string_value(json_object_get(l, "actor")), "system") == 0 && body &&
             strncmp(body, "SLA passed (due ", 16) == 0;
    }
    json_decref(d);
    return n;
}

/* The SLA sweep tells once per incident and SLA: not before the due time, never twice, never a
 * resolved incident, again after a reopening once the new SLA passes. */
static void test_sla_sweep_once(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    struct rs_incident_open in = {.order_id = f.order_id, .type = "damaged", .origin = "api", .sla_due_at = NOW + 600};
    int64_t a = 0, c = 0;
    assert_int_equal(rs_incident_open(f.s, f.mid, &in, "api", NOW, &a), RS_OK);
    in.type = "lost";
    assert_int_equal(rs_incident_open(f.s, f.mid, &in, "api", NOW, &c), RS_OK);
    assert_int_equal(rs_incident_resolve(f.s, f.mid, c, "refund", NULL, "api", NOW + 1, NULL), RS_OK);
    int n = -1;
    assert_int_equal(rs_incident_sla_sweep(f.s, NOW + 600, &n), RS_OK);
    assert_int_equal(n, 0); /* due, not yet past */
    assert_int_equal(rs_incident_sla_sweep(f.s, NOW + 601, &n), RS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sla_rows(&f, a), 1);
    assert_int_equal(sla_rows(&f, c), 0); /* resolved: never */
    assert_int_equal(rs_incident_sla_sweep(f.s, NOW + 7200, &n), RS_OK);
    assert_int_equal(n, 0); /* once */
    assert_int_equal(sla_rows(&f, a), 1);
    /* nobody to tell (no webhook, no alerts.email): the log says so */
    json_t *d = NULL;
    assert_int_equal(rs_store_incident_detail(f.s, f.mid, a, NOW, &d), RS_OK);
    json_t *last = json_array_get(json_object_get(d, "log"), json_array_size(json_object_get(d, "log")) - 1);
    assert_non_null(strstr(json_string_value(json_object_get(last, "body")), "nobody is told"));
    assert_string_equal(json_string_value(json_object_get(last, "kind")), "state");
    json_decref(d);
    /* resolved, reopened: a new SLA (24 h for damaged) that may pass again */
    assert_int_equal(rs_incident_resolve(f.s, f.mid, a, "reship", NULL, "api", NOW + 7300, NULL), RS_OK);
    assert_int_equal(rs_incident_sla_sweep(f.s, NOW + 7400, &n), RS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rs_incident_set_state(f.s, f.mid, a, "open", "api", NOW + 7500), RS_OK);
    assert_int_equal(rs_incident_sla_sweep(f.s, NOW + 7500 + 24 * 3600, &n), RS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rs_incident_sla_sweep(f.s, NOW + 7501 + 24 * 3600, &n), RS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sla_rows(&f, a), 2);
    int64_t count = 0;
    assert_int_equal(rs_store_incident_sla_breached_count(f.s, &count), RS_OK);
    assert_int_equal(count, 2);
    fx_close(&f);
}

/* The log's own texts read in the agent's language: each one the app writes, in Spanish for a
 * Spanish agent with its values kept; English and what a person wrote unchanged. */
static void local_text(const char *text, bool en, char *out, size_t cap)
{
    struct rs_buf b;
    rs_buf_init(&b);
    rs_incident_text_local(text, en, &b);
    snprintf(out, cap, "%s", b.data ? b.data : "");
    rs_buf_release(&b);
}

static void test_log_texts_local(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"SLA passed (due 2026-12-07T09:00:00Z); the team is told by webhook and e-mail to soporte@sol.es",
         "SLA vencido (vencía 2026-12-07T09:00:00Z); se avisa al equipo por webhook y por correo a soporte@sol.es"},
        {"SLA passed (due 2026-12-07T09:00:00Z); the team is told by e-mail to soporte@sol.es",
         "SLA vencido (vencía 2026-12-07T09:00:00Z); se avisa al equipo por correo a soporte@sol.es"},
        {"SLA passed (due 2026-12-07T09:00:00Z); the team is told by webhook",
         "SLA vencido (vencía 2026-12-07T09:00:00Z); se avisa al equipo por webhook"},
        {"SLA passed (due 2026-12-07T09:00:00Z); the team is told by webhook (not by e-mail: e-mail is not "
         "configured in the notification settings)",
         "SLA vencido (vencía 2026-12-07T09:00:00Z); se avisa al equipo por webhook (no por correo: el correo no "
         "está configurado en los ajustes de notificaciones)"},
        {"SLA passed (due 2026-12-07T09:00:00Z); nobody is told: no merchant webhook and no alerts.email in the "
         "support settings",
         "SLA vencido (vencía 2026-12-07T09:00:00Z); no se avisa a nadie: la tienda no tiene webhook ni alerts.email "
         "en los ajustes de soporte"},
        {"new SLA: 48 h from the reopening, due 2026-12-09T19:55:00Z",
         "nuevo SLA: 48 h desde la reapertura, vence 2026-12-09T19:55:00Z"},
        {"new SLA: 24 h of business hours from the reopening, due 2026-12-09T19:55:00Z",
         "nuevo SLA: 24 h laborables desde la reapertura, vence 2026-12-09T19:55:00Z"},
        {"(not sent: the customer cannot be reached) Hemos pedido al transportista: ¿dónde está?",
         "(no enviado: no se puede contactar con el cliente) Hemos pedido al transportista: ¿dónde está?"},
        {"Policy lost_no_scan: no scan for 7 days; promise broken by 3+ days; status exception",
         "Política lost_no_scan: sin escaneos desde hace 7 días; promesa incumplida por 3 días o más; estado "
         "exception"},
        {"Policy late: promise broken by 2+ days", "Política late: promesa incumplida por 2 días o más"},
        /* what people wrote, and texts that only look like the app's: unchanged */
        {"Policy of the shop: I want my money back", "Policy of the shop: I want my money back"},
        {"SLA passed (due 2026", "SLA passed (due 2026"},
        {"SLA passed (due ); the team is told by webhook", "SLA passed (due ); the team is told by webhook"},
        {"new SLA: from the reopening", "new SLA: from the reopening"},
        {"no me ha llegado el paquete", "no me ha llegado el paquete"},
        {"", ""},
    };
    char out[512];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        local_text(pairs[i][0], false, out, sizeof out);
        assert_string_equal(out, pairs[i][1]);
        local_text(pairs[i][0], true, out, sizeof out);
        assert_string_equal(out, pairs[i][0]);
    }
}

/* The team's e-mail: both languages, the shop's local times, the console link, values escaped in
 * the HTML. */
static void test_sla_alert_mail(void **state)
{
    (void)state;
    struct rs_sla_alert a = {.incident_id = 42,
                             .opened_at = madrid(2026, 12, 4, 17, 0),
                             .due = madrid(2026, 12, 7, 10, 0),
                             .order_ref = "<b>7315",
                             .type = "damaged",
                             .state = "waiting_carrier",
                             .origin = "tracking_page",
                             .agent_email = "luis@tienda.example",
                             .console_url = "https://rastro.tienda.example/console/i/42",
                             .zone = "Europe/Madrid",
                             .now = madrid(2026, 12, 7, 13, 20)};
    char *subject, *text, *html;
    rs_incident_sla_alert_mail(&a, &subject, &text, &html);
    assert_string_equal(subject, "[INC-000042] Fuera de plazo / Past its SLA: <b>7315 paquete dañado");
    const char *want[] = {"La incidencia INC-000042 del pedido <b>7315 ha superado su plazo de respuesta (SLA)",
                          "Vencía: lunes 7 de diciembre, 10:00 (Europe/Madrid), con 3 h de retraso\n",
                          "Abierta: viernes 4 de diciembre, 17:00 (Europe/Madrid)",
                          "Estado: esperando al transportista",
                          "Asignada a: luis@tienda.example",
                          "Llegó por: la página de seguimiento",
                          "Ábrela en la consola: https://rastro.tienda.example/console/i/42",
                          "Incident INC-000042 about order <b>7315 has passed its SLA",
                          "Due: Monday 7 December, 10:00 (Europe/Madrid), 3 h late\n",
                          "State: waiting for the carrier",
                          "Reported through: the tracking page",
                          "Open it in the console: https://rastro.tienda.example/console/i/42"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("the alert text lacks \"%s\":\n%s", want[i], text);
    assert_null(strstr(html, "<b>7315"));
    assert_non_null(strstr(html, "&lt;b&gt;7315"));
    assert_non_null(strstr(html, "href=\"https://rastro.tienda.example/console/i/42\""));
    free(subject);
    free(text);
    free(html);
    /* nobody assigned, no zone: "nadie"/"nobody", UTC times */
    a.agent_email = NULL;
    a.zone = NULL;
    rs_incident_sla_alert_mail(&a, &subject, &text, &html);
    assert_non_null(strstr(text, "Asignada a: nadie"));
    assert_non_null(strstr(text, "Assigned to: nobody"));
    assert_non_null(strstr(text, "Due: 2026-12-07T09:00:00Z, 3 h late"));
    free(subject);
    free(text);
    free(html);
    /* swept after a weekend down: days; a fresh one: minutes */
    a.now = a.due + 3 * 86400 + 7200;
    rs_incident_sla_alert_mail(&a, &subject, &text, &html);
    assert_non_null(strstr(text, "Vencía: 2026-12-07T09:00:00Z, con 3 días de retraso"));
    assert_non_null(strstr(text, "Due: 2026-12-07T09:00:00Z, 3 days late"));
    free(subject);
    free(text);
    free(html);
    char w[64];
    static const struct {
        int64_t late;
        const char *es, *en;
    } lw[] = {{0, "", ""},
              {30, "con menos de un minuto de retraso", "less than a minute late"},
              {59 * 60 + 59, "con 59 min de retraso", "59 min late"},
              {3600, "con 1 h de retraso", "1 h late"},
              {48 * 3600, "con 48 h de retraso", "48 h late"},
              {48 * 3600 + 1, "con 2 días de retraso", "2 days late"}};
    for (size_t i = 0; i < sizeof lw / sizeof lw[0]; i++) {
        rs_incident_late_words(1000000, 1000000 + lw[i].late, false, w, sizeof w);
        assert_string_equal(w, lw[i].es);
        rs_incident_late_words(1000000, 1000000 + lw[i].late, true, w, sizeof w);
        assert_string_equal(w, lw[i].en);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_defaults),
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_answer_words),
        cmocka_unit_test(test_business_hours),
        cmocka_unit_test(test_next_open),
        cmocka_unit_test(test_open_sla_and_transitions),
        cmocka_unit_test(test_assign_note_resolve_coupon),
        cmocka_unit_test(test_policy_sweep_once),
        cmocka_unit_test(test_settings_alerts),
        cmocka_unit_test(test_sla_sweep_once),
        cmocka_unit_test(test_sla_alert_mail),
        cmocka_unit_test(test_log_texts_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
