/* test_locfmt.c — locale dates and windows through ICU, zone offsets across DST. */
#include "unit.h"

#include <string.h>

#include "util/locfmt.h"
#include "util/timefmt.h"
#include "util/tz.h"

/* Epoch of a UTC civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return rs_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static void test_days(void **state)
{
    struct rs_locfmt *lf = *state;
    char out[128];
    int64_t t = utc(2026, 11, 26, 9, 0); /* 10:00 in Madrid (CET) */
    assert_int_equal(rs_locfmt_format(lf, "es", "Europe/Madrid", RS_LOCFMT_DAY, t, out, sizeof out), RS_OK);
    assert_string_equal(out, "jueves 26 de noviembre");
    assert_int_equal(rs_locfmt_format(lf, "en", "Europe/Madrid", RS_LOCFMT_DAY, t, out, sizeof out), RS_OK);
    assert_string_equal(out, "Thursday 26 November");
    assert_int_equal(rs_locfmt_format(lf, "es", "Europe/Madrid", RS_LOCFMT_TIME, t, out, sizeof out), RS_OK);
    assert_string_equal(out, "10:00");
    assert_int_equal(rs_locfmt_format(lf, "en", "Atlantic/Canary", RS_LOCFMT_TIME, t, out, sizeof out), RS_OK);
    assert_string_equal(out, "09:00");
    /* the zone decides the day: 23:30 UTC on the 25th is already Thursday in Madrid */
    assert_int_equal(rs_locfmt_format(lf, "es-ES", "Europe/Madrid", RS_LOCFMT_DAY, utc(2026, 11, 25, 23, 30), out, sizeof out), RS_OK);
    assert_string_equal(out, "jueves 26 de noviembre");
    assert_int_equal(rs_locfmt_format(lf, "es", "America/Mexico_City", RS_LOCFMT_DAY, utc(2026, 11, 25, 23, 30), out, sizeof out), RS_OK);
    assert_string_equal(out, "miércoles 25 de noviembre");
    /* en-US goes through CLDR skeletons */
    assert_int_equal(rs_locfmt_format(lf, "en-US", "America/New_York", RS_LOCFMT_TIME, utc(2026, 11, 26, 15, 0), out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "10:00"));
    assert_non_null(strstr(out, "AM"));
    assert_int_equal(rs_locfmt_format(lf, "en-US", "America/New_York", RS_LOCFMT_DAY, utc(2026, 11, 26, 15, 0), out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "November 26"));
    assert_int_equal(rs_locfmt_skeleton(lf, "fr", "Europe/Paris", "MMMMEEEEd", t, out, sizeof out), RS_OK);
    assert_string_equal(out, "jeudi 26 novembre");
    assert_int_equal(rs_locfmt_pattern(lf, "es", "Europe/Madrid", "d/M", t, out, sizeof out), RS_OK);
    assert_string_equal(out, "26/11");
}

/* a calendar day is the same day for every reader, whatever their zone */
static void test_coupon_value(void **state)
{
    (void)state;
    char out[64];
    rs_locfmt_coupon_value("es", "percent", 1000, "", out, sizeof out);
    assert_string_equal(out, "10 %");
    rs_locfmt_coupon_value("en", "percent", 1000, "", out, sizeof out);
    assert_string_equal(out, "10%");
    rs_locfmt_coupon_value("es", "percent", 1250, "", out, sizeof out);
    assert_string_equal(out, "12,5 %");
    rs_locfmt_coupon_value("en", "percent", 1205, "", out, sizeof out);
    assert_string_equal(out, "12.05%");
    rs_locfmt_coupon_value("es", "amount", 500, "EUR", out, sizeof out);
    assert_string_equal(out, "5,00 €");
    rs_locfmt_coupon_value("en", "amount", 500, "EUR", out, sizeof out);
    assert_string_equal(out, "€5.00");
}

static void test_day_lead(void **state)
{
    (void)state;
    bool rel = true;
    int64_t today = rs_days_from_civil(2026, 12, 8);
    assert_string_equal(rs_locfmt_day_lead("es", today, today, &rel), "hoy, ");
    assert_true(rel);
    assert_string_equal(rs_locfmt_day_lead("es", today + 1, today, &rel), "mañana, ");
    assert_true(rel);
    assert_string_equal(rs_locfmt_day_lead("es-MX", today + 2, today, &rel), "el ");
    assert_false(rel);
    assert_string_equal(rs_locfmt_day_lead("en", today + 1, today, &rel), "tomorrow, ");
    assert_string_equal(rs_locfmt_day_lead("en-US", today, today, &rel), "today, ");
    assert_string_equal(rs_locfmt_day_lead("en", today - 1, today, &rel), "");
    assert_false(rel);
}

static void test_civil_day(void **state)
{
    (void)state;
    struct rs_locfmt *lf = rs_locfmt_new();
    char out[96];
    int64_t day = 20432; /* 2025-12-10, a Wednesday */
    assert_int_equal(rs_locfmt_civil_day(lf, "es", day, out, sizeof out), RS_OK);
    assert_string_equal(out, "miércoles 10 de diciembre");
    assert_int_equal(rs_locfmt_civil_day(lf, "en-US", day, out, sizeof out), RS_OK);
    assert_string_equal(out, "Wednesday, December 10");
    rs_locfmt_free(lf);
}

/* a promise's calendar days are those days in every zone: beyond UTC+12 (Auckland in summer +13,
 * Tonga +13, Kiritimati +14) and at UTC-11 (Pago Pago), where noon UTC is another day */
static void test_days_every_zone(void **state)
{
    (void)state;
    struct rs_locfmt *lf = rs_locfmt_new();
    char out[160];
    static const char *const zones[] = {"Pacific/Kiritimati", "Pacific/Tongatapu", "Pacific/Auckland",
                                        "Pacific/Pago_Pago", "Europe/Madrid", "UTC"};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        assert_int_equal(rs_locfmt_days(lf, "es", zones[i], 20781, 20783, out, sizeof out), RS_OK);
        assert_string_equal(out, "entre el martes 24 y el jueves 26 de noviembre");
        assert_int_equal(rs_locfmt_days(lf, "en", zones[i], 20781, 20781, out, sizeof out), RS_OK);
        assert_string_equal(out, "on Tuesday 24 November");
        /* across the new year both days say their year */
        assert_int_equal(rs_locfmt_days(lf, "es", zones[i], 20818, 20820, out, sizeof out), RS_OK);
        assert_string_equal(out, "entre el jueves 31 de diciembre de 2026 y el sábado 2 de enero de 2027");
    }
    assert_int_equal(rs_locfmt_days(lf, "es", "Nowhere/Atlantis", 20781, 20783, out, sizeof out), RS_EINVAL);
    rs_locfmt_free(lf);
}

static void test_ranges(void **state)
{
    struct rs_locfmt *lf = *state;
    char out[128];
    int64_t a = utc(2026, 11, 24, 12, 0), b = utc(2026, 11, 26, 12, 0);
    assert_int_equal(rs_locfmt_day_range(lf, "es", "Europe/Madrid", a, b, out, sizeof out), RS_OK);
    assert_string_equal(out, "entre el martes 24 y el jueves 26 de noviembre");
    assert_int_equal(rs_locfmt_day_range(lf, "en", "Europe/Madrid", a, b, out, sizeof out), RS_OK);
    assert_string_equal(out, "between Tuesday 24 and Thursday 26 November");
    /* across months */
    assert_int_equal(rs_locfmt_day_range(lf, "es", "Europe/Madrid", utc(2026, 11, 30, 12, 0), utc(2026, 12, 2, 12, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "entre el lunes 30 de noviembre y el miércoles 2 de diciembre");
    assert_int_equal(rs_locfmt_day_range(lf, "en", "Europe/Madrid", utc(2026, 11, 30, 12, 0), utc(2026, 12, 2, 12, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "between Monday 30 November and Wednesday 2 December");
    /* one day */
    assert_int_equal(rs_locfmt_day_range(lf, "es", "Europe/Madrid", a, a + 3600, out, sizeof out), RS_OK);
    assert_string_equal(out, "el martes 24 de noviembre");
    assert_int_equal(rs_locfmt_day_range(lf, "en", "Europe/Madrid", a, a, out, sizeof out), RS_OK);
    assert_string_equal(out, "on Tuesday 24 November");
    /* hours */
    assert_int_equal(rs_locfmt_time_range(lf, "es", "Europe/Madrid", utc(2026, 11, 26, 9, 0), utc(2026, 11, 26, 11, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "entre las 10:00 y las 12:00");
    assert_int_equal(rs_locfmt_time_range(lf, "en", "Europe/Madrid", utc(2026, 11, 26, 9, 0), utc(2026, 11, 26, 11, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "between 10:00 and 12:00");
    /* US English: CLDR's month-first days, in the same words */
    assert_int_equal(rs_locfmt_day_range(lf, "en-US", "America/New_York", utc(2026, 12, 11, 17, 0), utc(2026, 12, 15, 17, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "between Friday, December 11 and Tuesday, December 15");
    assert_int_equal(rs_locfmt_day_range(lf, "en-US", "America/New_York", utc(2026, 12, 11, 17, 0), utc(2026, 12, 11, 18, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "on Friday, December 11");
    assert_int_equal(rs_locfmt_day_range(lf, "en-US", "America/New_York", utc(2026, 12, 30, 17, 0), utc(2027, 1, 4, 17, 0), out, sizeof out), RS_OK);
    assert_string_equal(out, "between Wednesday, December 30, 2026 and Monday, January 4, 2027");
    /* other languages use ICU's interval format */
    assert_int_equal(rs_locfmt_day_range(lf, "de", "Europe/Berlin", a, b, out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "November"));
    /* reversed */
    assert_int_equal(rs_locfmt_day_range(lf, "es", "Europe/Madrid", b, a, out, sizeof out), RS_EINVAL);
}

static void test_errors_and_cache(void **state)
{
    struct rs_locfmt *lf = *state;
    char out[128];
    int64_t t = utc(2026, 11, 26, 9, 0);
    assert_int_equal(rs_locfmt_format(lf, "es", "Mars/Olympus", RS_LOCFMT_DAY, t, out, sizeof out), RS_EINVAL);
    assert_int_equal(rs_locfmt_format(lf, "es", "", RS_LOCFMT_DAY, t, out, sizeof out), RS_EINVAL);
    assert_int_equal(rs_locfmt_format(lf, "es;rm -rf", "Europe/Madrid", RS_LOCFMT_DAY, t, out, sizeof out), RS_EINVAL);
    assert_int_equal(rs_locfmt_format(lf, "es", "Europe/Madrid", (enum rs_locfmt_style)99, t, out, sizeof out), RS_EINVAL);
    assert_int_equal(rs_locfmt_format(lf, "es", "Europe/Madrid", RS_LOCFMT_DAY, t, out, 8), RS_ENOMEM);
    assert_string_equal(out, "");
    /* more distinct (zone, pattern) keys than the cache holds: evictions stay correct */
    static const char *zones[] = {"Europe/Madrid", "Europe/Lisbon", "America/Bogota", "Asia/Tokyo",
                                  "Europe/London", "America/Lima", "Africa/Ceuta", "Atlantic/Canary"};
    for (int round = 0; round < 3; round++)
        for (int z = 0; z < 8; z++)
            for (int s = 0; s < 4; s++) {
                assert_int_equal(rs_locfmt_format(lf, z % 2 ? "en" : "es", zones[z], (enum rs_locfmt_style)s, t, out, sizeof out), RS_OK);
                assert_true(strlen(out) > 0);
            }
    assert_int_equal(rs_locfmt_format(lf, "es", "Asia/Tokyo", RS_LOCFMT_TIME, t, out, sizeof out), RS_OK);
    assert_string_equal(out, "18:00");
}

static void test_offsets(void **state)
{
    (void)state;
    int off = 0;
    /* Europe/Madrid: CEST (+120) until 2025-10-26 01:00 UTC, CET (+60) after */
    assert_int_equal(rs_locfmt_utc_offset("Europe/Madrid", utc(2025, 10, 26, 0, 59), &off), RS_OK);
    assert_int_equal(off, 120);
    assert_int_equal(rs_locfmt_utc_offset("Europe/Madrid", utc(2025, 10, 26, 1, 0), &off), RS_OK);
    assert_int_equal(off, 60);
    assert_int_equal(rs_locfmt_utc_offset("Asia/Kolkata", 0, &off), RS_OK);
    assert_int_equal(off, 330);
    assert_int_equal(rs_locfmt_utc_offset("Nowhere/Town", 0, &off), RS_EINVAL);
    int y, m, d;
    assert_int_equal(rs_locfmt_local_date("Pacific/Auckland", utc(2026, 12, 31, 12, 0), &y, &m, &d), RS_OK);
    assert_int_equal(y, 2027);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
}

/* The one rule for the zone a customer reads times in (util/tz.h rs_tz_customer_zone). */
static void test_customer_zone(void **state)
{
    (void)state;
    char z[64];
    int64_t t = utc(2026, 12, 7, 12, 0);
    /* the customer's own zone wins */
    assert_string_equal(rs_tz_customer_zone("America/Mexico_City", "CO", "Europe/Madrid", t, z), "America/Mexico_City");
    /* abroad, a country of one zone: its zone (lower case too) */
    assert_string_equal(rs_tz_customer_zone(NULL, "CO", "Europe/Madrid", t, z), "America/Bogota");
    assert_string_equal(rs_tz_customer_zone("", "co", "Europe/Madrid", t, z), "America/Bogota");
    /* Germany's zones (Berlin, Busingen) always agree */
    assert_string_equal(rs_tz_customer_zone(NULL, "DE", "America/Mexico_City", t, z), "Europe/Berlin");
    /* several zones (Mexico, Spain with the Canaries): the shop's */
    assert_string_equal(rs_tz_customer_zone(NULL, "MX", "Europe/Madrid", t, z), "Europe/Madrid");
    assert_string_equal(rs_tz_customer_zone(NULL, "ES", "America/Bogota", t, z), "America/Bogota");
    /* at home: the shop's, even an alias of the country's zone */
    assert_string_equal(rs_tz_customer_zone(NULL, "CO", "America/Bogota", t, z), "America/Bogota");
    assert_string_equal(rs_tz_customer_zone(NULL, "UA", "Europe/Kiev", t, z), "Europe/Kiev");
    /* unknown or missing: the shop's, else UTC */
    assert_string_equal(rs_tz_customer_zone("Nowhere/Town", "XX", "Europe/Madrid", t, z), "Europe/Madrid");
    assert_string_equal(rs_tz_customer_zone(NULL, NULL, NULL, t, z), "UTC");
    assert_string_equal(rs_tz_customer_zone(NULL, "COL", "Nowhere/Town", t, z), "UTC");
}

/* Mexico has had no summer time since 2022; Debian 12's ICU data still applies it. Times shown
 * to a customer follow the system's newer tz data, like the promise's days and cut-off
 * (util/tz.h): 18:30 UTC on 15 July 2026 is 12:30 in Mexico City, not 13:30. */
static void test_mexico_no_summer_time(void **state)
{
    struct rs_locfmt *lf = *state;
    char out[64];
    int off = 0;
    assert_int_equal(rs_locfmt_utc_offset("America/Mexico_City", utc(2026, 7, 15, 18, 30), &off), RS_OK);
    assert_int_equal(off, -360);
    assert_int_equal(rs_locfmt_format(lf, "es-MX", "America/Mexico_City", RS_LOCFMT_TIME, utc(2026, 7, 15, 18, 30), out,
                                      sizeof out),
                     RS_OK);
    assert_string_equal(out, "12:30");
    int y, m, d; /* 05:30 UTC on 16 July is still the 15th there */
    assert_int_equal(rs_locfmt_local_date("America/Mexico_City", utc(2026, 7, 16, 5, 30), &y, &m, &d), RS_OK);
    assert_int_equal(d, 15);
    /* zones that still change their clocks keep them */
    assert_int_equal(rs_locfmt_format(lf, "es-ES", "Europe/Madrid", RS_LOCFMT_TIME, utc(2026, 7, 15, 18, 30), out,
                                      sizeof out),
                     RS_OK);
    assert_string_equal(out, "20:30");
}

static int setup(void **state)
{
    *state = rs_locfmt_new();
    return 0;
}

static int teardown(void **state)
{
    rs_locfmt_free(*state);
    rs_locfmt_free(NULL);
    return 0;
}

/* Amounts as each customer writes them, with plain spaces (an SMS stays GSM-7). */
static void test_money(void **state)
{
    (void)state;
    char out[64];
    struct {
        const char *locale, *cur;
        int64_t cents;
        const char *want;
    } cases[] = {
        {"es", "EUR", 500, "5,00 €"},        {"es-ES", "EUR", 1234567, "12.345,67 €"},
        {"en", "EUR", 500, "€5.00"},         {"en-US", "USD", 500, "$5.00"},
        {"es-MX", "MXN", 150000, "$1,500.00"}, {"en-GB", "GBP", 1050, "£10.50"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(rs_locfmt_money(cases[i].locale, cases[i].cents, cases[i].cur, out, sizeof out), RS_OK);
        assert_string_equal(out, cases[i].want);
    }
    assert_int_equal(rs_locfmt_money("es", 500, "eur", out, sizeof out), RS_EINVAL);
    assert_int_equal(rs_locfmt_money("es", 500, "EURO", out, sizeof out), RS_EINVAL);
    assert_int_equal(rs_locfmt_money("es", 500, "EUR", out, 4), RS_ENOMEM);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_civil_day),
        cmocka_unit_test(test_day_lead),
        cmocka_unit_test(test_coupon_value),
        cmocka_unit_test(test_days_every_zone),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_errors_and_cache),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_customer_zone),
        cmocka_unit_test(test_mexico_no_summer_time),
        cmocka_unit_test(test_money),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
