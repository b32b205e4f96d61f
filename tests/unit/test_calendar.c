/* test_calendar.c — business days: weekends, holidays of several countries computed by rule,
 * merchant overrides, cut-off, DST in the merchant's zone (util/tz.h) and year boundaries. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "util/assets.h"
#include "util/timefmt.h"
#include "util/tz.h"

static void load(struct rs_calendar *cal, const char *cc)
{
    size_t len;
    const char *t = rs_asset_get("data/holidays.tsv", &len);
    assert_non_null(t);
    rs_calendar_init(cal);
    int bad = -1;
    assert_int_equal(rs_calendar_load_holidays(cal, cc, t, len, &bad), RS_OK);
    assert_int_equal(bad, 0);
}

#define D(y, m, d) rs_cal_day(y, m, d)

static void test_civil_weekday_easter(void **state)
{
    (void)state;
    assert_int_equal(D(1970, 1, 1), 0);
    assert_int_equal(rs_cal_weekday(D(2017, 11, 24)), 5); /* Black Friday 2017 */
    assert_int_equal(rs_cal_weekday(D(2024, 2, 29)), 4);
    assert_int_equal(rs_cal_easter(2017), D(2017, 4, 16));
    assert_int_equal(rs_cal_easter(2018), D(2018, 4, 1));
    assert_int_equal(rs_cal_easter(2024), D(2024, 3, 31));
    assert_int_equal(rs_cal_easter(2030), D(2030, 4, 21));
    int y, m, d;
    rs_cal_civil(D(2016, 12, 31) + 1, &y, &m, &d);
    assert_true(y == 2017 && m == 1 && d == 1);
}

static void test_weekends_and_counting(void **state)
{
    (void)state;
    struct rs_calendar cal;
    rs_calendar_init(&cal);
    assert_false(rs_calendar_is_business_day(&cal, D(2025, 11, 29))); /* Saturday */
    assert_true(rs_calendar_is_business_day(&cal, D(2025, 11, 28)));
    /* Friday + 1 business day = Monday */
    assert_int_equal(rs_calendar_add_business_days(&cal, D(2025, 11, 28), 1), D(2025, 12, 1));
    /* Saturday + 0 = Monday */
    assert_int_equal(rs_calendar_add_business_days(&cal, D(2025, 11, 29), 0), D(2025, 12, 1));
    assert_int_equal(rs_calendar_add_business_days(&cal, D(2025, 12, 1), -1), D(2025, 11, 28));
    assert_int_equal(rs_calendar_business_days_between(&cal, D(2025, 11, 28), D(2025, 12, 1)), 1);
    assert_int_equal(rs_calendar_business_days_between(&cal, D(2025, 12, 1), D(2025, 11, 28)), -1);
    assert_int_equal(rs_calendar_business_days_between(&cal, D(2025, 12, 1), D(2025, 12, 1)), 0);
    /* a Friday/Saturday weekend (merchant setting) */
    cal.weekend_mask = (1u << 5) | (1u << 6);
    assert_true(rs_calendar_is_business_day(&cal, D(2025, 11, 30)));
    assert_false(rs_calendar_is_business_day(&cal, D(2025, 11, 28)));
}

static void test_holidays_by_country(void **state)
{
    (void)state;
    struct rs_calendar br, us, co, ar, mx, es, cl, pe;
    load(&br, "BR");
    assert_true(rs_calendar_is_holiday(&br, D(2017, 2, 27)));  /* Carnival Monday */
    assert_true(rs_calendar_is_holiday(&br, D(2017, 2, 28)));  /* Carnival Tuesday */
    assert_true(rs_calendar_is_holiday(&br, D(2017, 4, 14)));  /* Good Friday */
    assert_true(rs_calendar_is_holiday(&br, D(2017, 6, 15)));  /* Corpus Christi */
    assert_true(rs_calendar_is_holiday(&br, D(2017, 11, 15)));
    assert_false(rs_calendar_is_holiday(&br, D(2017, 11, 20))); /* national only from 2024 */
    assert_true(rs_calendar_is_holiday(&br, D(2024, 11, 20)));
    load(&us, "US");
    assert_true(rs_calendar_is_holiday(&us, D(2017, 11, 23)));  /* Thanksgiving */
    assert_true(rs_calendar_is_holiday(&us, D(2018, 5, 28)));   /* Memorial Day (last Monday) */
    assert_true(rs_calendar_is_holiday(&us, D(2021, 7, 5)));    /* July 4 on Sunday -> Monday */
    assert_true(rs_calendar_is_holiday(&us, D(2022, 12, 26)));
    assert_true(rs_calendar_is_holiday(&us, D(2021, 12, 31)));  /* Jan 1 2022 Saturday -> Fri */
    assert_false(rs_calendar_is_holiday(&us, D(2020, 6, 19)));  /* Juneteenth from 2021 */
    assert_true(rs_calendar_is_holiday(&us, D(2023, 6, 19)));
    load(&co, "CO");
    assert_true(rs_calendar_is_holiday(&co, D(2017, 1, 9)));    /* Reyes moved to Monday */
    assert_false(rs_calendar_is_holiday(&co, D(2017, 1, 6)));
    assert_true(rs_calendar_is_holiday(&co, D(2017, 5, 29)));   /* Ascension Monday */
    assert_true(rs_calendar_is_holiday(&co, D(2017, 6, 19)));   /* Corpus Christi Monday */
    assert_true(rs_calendar_is_holiday(&co, D(2017, 6, 26)));   /* Sacred Heart Monday */
    assert_true(rs_calendar_is_holiday(&co, D(2017, 7, 3)));    /* San Pedro (Thu 29) -> Mon */
    load(&ar, "AR");
    assert_true(rs_calendar_is_holiday(&ar, D(2017, 8, 21)));   /* Aug 17 Thu -> next Monday */
    assert_true(rs_calendar_is_holiday(&ar, D(2017, 2, 27)));   /* Carnival */
    assert_true(rs_calendar_is_holiday(&ar, D(2018, 11, 19)));  /* Nov 20 Tue -> prev Monday */
    load(&mx, "MX");
    assert_true(rs_calendar_is_holiday(&mx, D(2017, 2, 6)));    /* first Monday of February */
    assert_true(rs_calendar_is_holiday(&mx, D(2017, 3, 20)));   /* third Monday of March */
    assert_true(rs_calendar_is_holiday(&mx, D(2017, 11, 20)));  /* third Monday of November */
    assert_true(rs_calendar_is_holiday(&mx, D(2024, 10, 1)));
    load(&es, "ES");
    assert_true(rs_calendar_is_holiday(&es, D(2018, 3, 30)));   /* Good Friday */
    assert_true(rs_calendar_is_holiday(&es, D(2025, 12, 8)));
    load(&cl, "CL");
    assert_true(rs_calendar_is_holiday(&cl, D(2017, 6, 26)));   /* Jun 29 Thu -> prev Monday */
    assert_true(rs_calendar_is_holiday(&cl, D(2017, 10, 9)));   /* Oct 12 Thu -> prev Monday */
    assert_true(rs_calendar_is_holiday(&cl, D(2017, 9, 18)));
    load(&pe, "PE");
    assert_true(rs_calendar_is_holiday(&pe, D(2017, 7, 28)));
    assert_true(rs_calendar_is_holiday(&pe, D(2017, 4, 13)));   /* Holy Thursday */
    size_t len;
    const char *t = rs_asset_get("data/holidays.tsv", &len);
    assert_int_equal(rs_calendar_load_holidays(&pe, "ZZ", t, len, NULL), RS_ENOTFOUND);
}

/* Every national holiday of 2026 and 2027, as published for each country (the movable feasts:
 * Easter-based, CO's Ley Emiliani Mondays, AR's and CL's moved days, US observed days). */
static void test_holidays_2026_2027(void **state)
{
    (void)state;
    static const struct {
        const char *cc, *days;
    } want[] = {
        {"ES", "2026-01-01 2026-01-06 2026-04-03 2026-05-01 2026-08-15 2026-10-12 2026-11-01 2026-12-06 "
                "2026-12-08 2026-12-25 2027-01-01 2027-01-06 2027-03-26 2027-05-01 2027-08-15 2027-10-12 "
                "2027-11-01 2027-12-06 2027-12-08 2027-12-25"},
        {"MX", "2026-01-01 2026-02-02 2026-03-16 2026-04-02 2026-04-03 2026-05-01 2026-09-16 2026-11-16 "
                "2026-12-25 2027-01-01 2027-02-01 2027-03-15 2027-03-25 2027-03-26 2027-05-01 2027-09-16 "
                "2027-11-15 2027-12-25"},
        {"CO", "2026-01-01 2026-01-12 2026-03-23 2026-04-02 2026-04-03 2026-05-01 2026-05-18 2026-06-08 "
                "2026-06-15 2026-06-29 2026-07-20 2026-08-07 2026-08-17 2026-10-12 2026-11-02 2026-11-16 "
                "2026-12-08 2026-12-25 2027-01-01 2027-01-11 2027-03-22 2027-03-25 2027-03-26 2027-05-01 "
                "2027-05-10 2027-05-31 2027-06-07 2027-07-05 2027-07-20 2027-08-07 2027-08-16 2027-10-18 "
                "2027-11-01 2027-11-15 2027-12-08 2027-12-25"},
        {"AR", "2026-01-01 2026-02-16 2026-02-17 2026-03-24 2026-04-02 2026-04-03 2026-05-01 2026-05-25 "
                "2026-06-15 2026-06-20 2026-07-09 2026-08-17 2026-10-12 2026-11-23 2026-12-08 2026-12-25 "
                "2027-01-01 2027-02-08 2027-02-09 2027-03-24 2027-03-26 2027-04-02 2027-05-01 2027-05-25 "
                "2027-06-20 2027-06-21 2027-07-09 2027-08-16 2027-10-11 2027-11-20 2027-12-08 2027-12-25"},
        {"CL", "2026-01-01 2026-04-03 2026-04-04 2026-05-01 2026-05-21 2026-06-21 2026-06-29 2026-07-16 "
                "2026-08-15 2026-09-18 2026-09-19 2026-10-12 2026-10-31 2026-11-01 2026-12-08 2026-12-25 "
                "2027-01-01 2027-03-26 2027-03-27 2027-05-01 2027-05-21 2027-06-21 2027-06-28 2027-07-16 "
                "2027-08-15 2027-09-18 2027-09-19 2027-10-11 2027-10-31 2027-11-01 2027-12-08 2027-12-25"},
        {"PE", "2026-01-01 2026-04-02 2026-04-03 2026-05-01 2026-06-07 2026-06-29 2026-07-23 2026-07-28 "
                "2026-07-29 2026-08-06 2026-08-30 2026-10-08 2026-11-01 2026-12-08 2026-12-09 2026-12-25 "
                "2027-01-01 2027-03-25 2027-03-26 2027-05-01 2027-06-07 2027-06-29 2027-07-23 2027-07-28 "
                "2027-07-29 2027-08-06 2027-08-30 2027-10-08 2027-11-01 2027-12-08 2027-12-09 2027-12-25"},
        {"BR", "2026-01-01 2026-02-16 2026-02-17 2026-04-03 2026-04-21 2026-05-01 2026-06-04 2026-09-07 "
                "2026-10-12 2026-11-02 2026-11-15 2026-11-20 2026-12-25 2027-01-01 2027-02-08 2027-02-09 "
                "2027-03-26 2027-04-21 2027-05-01 2027-05-27 2027-09-07 2027-10-12 2027-11-02 2027-11-15 "
                "2027-11-20 2027-12-25"},
        {"US", "2026-01-01 2026-01-19 2026-02-16 2026-05-25 2026-06-19 2026-07-03 2026-09-07 2026-10-12 "
                "2026-11-11 2026-11-26 2026-12-25 2027-01-01 2027-01-18 2027-02-15 2027-05-31 2027-06-18 "
                "2027-07-05 2027-09-06 2027-10-11 2027-11-11 2027-11-25 2027-12-24 2027-12-31"},

    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct rs_calendar cal;
        load(&cal, want[i].cc);
        char got[1024] = "";
        size_t n = 0;
        for (int64_t d = D(2026, 1, 1); d <= D(2027, 12, 31); d++) {
            if (!rs_calendar_is_holiday(&cal, d))
                continue;
            char b[11];
            rs_date_format(d, b);
            n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "", b);
        }
        if (strcmp(got, want[i].days) != 0)
            fail_msg("%s holidays 2026-2027:\n got  %s\n want %s", want[i].cc, got, want[i].days);
    }
}

static void test_bad_table(void **state)
{
    (void)state;
    struct rs_calendar cal;
    rs_calendar_init(&cal);
    const char *t = "# c\nXX\tfixed\t01-01\t-\t-\tok\nXX\tfixed\t13-01\t-\t-\tbad\n";
    int bad = 0;
    assert_int_equal(rs_calendar_load_holidays(&cal, "XX", t, strlen(t), &bad), RS_EINVAL);
    assert_int_equal(bad, 3);
    const char *t2 = "XX\tnth\t11-4-9\t-\t-\tbad\n";
    assert_int_equal(rs_calendar_load_holidays(&cal, "XX", t2, strlen(t2), &bad), RS_EINVAL);
    const char *t3 = "XX\teaster\t+1\tabc\t-\tbad\n";
    assert_int_equal(rs_calendar_load_holidays(&cal, "XX", t3, strlen(t3), &bad), RS_EINVAL);
    const char *t4 = "XX\tfixed\t02-29\t-\t-\tleap only\n";
    assert_int_equal(rs_calendar_load_holidays(&cal, "XX", t4, strlen(t4), &bad), RS_OK);
    assert_true(rs_calendar_is_holiday(&cal, D(2024, 2, 29)));
    assert_false(rs_calendar_is_holiday(&cal, D(2023, 3, 1)));
}

static void test_overrides_and_year_boundary(void **state)
{
    (void)state;
    struct rs_calendar es;
    load(&es, "ES");
    /* Fri 2017-12-29 + 1 business day: Mon Jan 1 2018 is a holiday -> Tue Jan 2 */
    assert_int_equal(rs_calendar_add_business_days(&es, D(2017, 12, 29), 1), D(2018, 1, 2));
    assert_int_equal(rs_calendar_business_days_between(&es, D(2017, 12, 22), D(2018, 1, 2)), 5);
    /* the merchant closes Dec 24 2025 (Wed) and works Dec 8 2025 */
    assert_int_equal(rs_calendar_add_holiday(&es, D(2025, 12, 24)), RS_OK);
    assert_int_equal(rs_calendar_remove_holiday(&es, D(2025, 12, 8)), RS_OK);
    assert_false(rs_calendar_is_business_day(&es, D(2025, 12, 24)));
    assert_true(rs_calendar_is_business_day(&es, D(2025, 12, 8)));
    assert_int_equal(rs_calendar_add_business_days(&es, D(2025, 12, 23), 1), D(2025, 12, 26));
    assert_int_equal(rs_calendar_add_holiday(&es, D(1999, 1, 1)), RS_EINVAL);
    /* outside the range only weekends apply */
    assert_true(rs_calendar_is_business_day(&es, D(2045, 1, 2)));
}

static void test_cutoff(void **state)
{
    (void)state;
    struct rs_calendar cal;
    rs_calendar_init(&cal);
    assert_int_equal(rs_calendar_set_cutoff(&cal, 14, 30), RS_OK);
    assert_int_equal(rs_calendar_set_cutoff(&cal, 24, 0), RS_EINVAL);
    int64_t thu = D(2025, 11, 27);
    assert_int_equal(rs_calendar_start_day(&cal, thu, 14 * 60 + 29), thu);
    assert_int_equal(rs_calendar_start_day(&cal, thu, 14 * 60 + 30), thu + 1); /* the minute */
    assert_int_equal(rs_calendar_start_day(&cal, thu + 1, 15 * 60), thu + 4);  /* Fri -> Mon */
    assert_int_equal(rs_calendar_start_day(&cal, thu + 2, 9 * 60), thu + 4);   /* Sat -> Mon */
    /* a shop that dispatches on Saturdays: Friday after the cut-off and Saturday count from
     * Saturday; Sunday from Monday; carriers' business days do not change */
    cal.dispatch_mask = 1u << 7;
    assert_int_equal(rs_calendar_start_day(&cal, thu + 1, 15 * 60), thu + 2);
    assert_int_equal(rs_calendar_start_day(&cal, thu + 2, 9 * 60), thu + 2);
    assert_int_equal(rs_calendar_start_day(&cal, thu + 3, 9 * 60), thu + 4);
    assert_true(rs_calendar_is_dispatch_day(&cal, thu + 2));
    assert_false(rs_calendar_is_business_day(&cal, thu + 2));
    assert_int_equal(rs_calendar_add_dispatch_days(&cal, thu + 1, 1), thu + 2);
    assert_int_equal(rs_calendar_add_dispatch_days(&cal, thu + 2, 1), thu + 4);
    assert_int_equal(rs_calendar_dispatch_days_between(&cal, thu + 1, thu + 4), 2);
    assert_int_equal(rs_calendar_business_days_between(&cal, thu + 1, thu + 4), 1);
    /* holidays close dispatch too */
    assert_int_equal(rs_calendar_add_holiday(&cal, thu + 2), RS_OK);
    assert_int_equal(rs_calendar_start_day(&cal, thu + 1, 15 * 60), thu + 4);
}

static void test_dst_zones(void **state)
{
    (void)state;
    int off;
    /* Mexico City kept DST until 2022: CDT (-5) in July 2017, CST (-6) in December */
    assert_int_equal(rs_tz_offset("America/Mexico_City", 1499947200, &off), RS_OK);
    assert_int_equal(off, -300);
    assert_int_equal(rs_tz_offset("America/Mexico_City", 1513339200, &off), RS_OK);
    assert_int_equal(off, -360);
    /* Mexico abolished DST in late 2022; Debian 12's ICU 72.1 carries older tz data, so the
     * system's zoneinfo (newer) decides: July 2026 is -06:00, and a 14:00 cut-off is 20:00 UTC.
     * Asserted where the system's data is there and newer (util/tz.c). */
    FILE *zi = fopen("/usr/share/zoneinfo/tzdata.zi", "r");
    char ver[64] = "";
    if (zi) {
        if (!fgets(ver, sizeof ver, zi))
            ver[0] = '\0';
        fclose(zi);
    }
    if (strncmp(ver, "# version 2023", 14) >= 0 && strncmp(ver, "# version ", 10) == 0) {
        assert_int_equal(rs_tz_offset("America/Mexico_City", 1782930600, &off), RS_OK); /* 2026-07-01 */
        assert_int_equal(off, -360);
        int64_t t;
        assert_int_equal(rs_tz_instant("America/Mexico_City", D(2026, 7, 1), 14 * 60, &t), RS_OK);
        assert_int_equal(t, 1782936000); /* 2026-07-01T20:00:00Z */
        int64_t dd;
        int mm;
        assert_int_equal(rs_tz_local("America/Mexico_City", 1782935940, &dd, &mm), RS_OK);
        assert_int_equal(mm, 13 * 60 + 59);
        /* Paraguay kept -03:00 all year from October 2024 */
        assert_int_equal(rs_tz_offset("America/Asuncion", 1782930600, &off), RS_OK);
        assert_int_equal(off, -180);
        /* zones with DST rules still change: Madrid's 2026-10-25 01:00 UTC, a repeated hour */
        assert_int_equal(rs_tz_offset("Europe/Madrid", 1792890000 - 1, &off), RS_OK);
        assert_int_equal(off, 120);
        assert_int_equal(rs_tz_offset("Europe/Madrid", 1792890000, &off), RS_OK);
        assert_int_equal(off, 60);
    }
    /* Madrid: 2017-03-26 01:00 UTC is the switch to CEST */
    assert_int_equal(rs_tz_offset("Europe/Madrid", 1490489999, &off), RS_OK);
    assert_int_equal(off, 60);
    assert_int_equal(rs_tz_offset("Europe/Madrid", 1490490000, &off), RS_OK);
    assert_int_equal(off, 120);
    /* Sao Paulo summer time 2017-10-15 .. 2018-02-18 (abolished in 2019) */
    assert_int_equal(rs_tz_offset("America/Sao_Paulo", 1508036400 - 1, &off), RS_OK);
    assert_int_equal(off, -180);
    assert_int_equal(rs_tz_offset("America/Sao_Paulo", 1508036400, &off), RS_OK);
    assert_int_equal(off, -120);
    assert_int_equal(rs_tz_offset("America/Sao_Paulo", 1576000000, &off), RS_OK);
    assert_int_equal(off, -180);
    /* cut-off 15:00 local in Madrid across the DST change: 13:30 UTC is 14:30 on Saturday
     * 2017-03-25 (CET) but on Monday 2017-03-27 it is 15:30 CEST: after the cut-off */
    struct rs_calendar cal;
    rs_calendar_init(&cal);
    assert_int_equal(rs_calendar_set_cutoff(&cal, 15, 0), RS_OK);
    int64_t day;
    int minute;
    assert_int_equal(rs_tz_local("Europe/Madrid", 1490621400, &day, &minute), RS_OK);
    assert_int_equal(day, D(2017, 3, 27));
    assert_int_equal(minute, 15 * 60 + 30);
    assert_int_equal(rs_calendar_start_day(&cal, day, minute), D(2017, 3, 28));
    assert_int_equal(rs_tz_local("Europe/Madrid", 1490621400 - 86400 * 3, &day, &minute), RS_OK);
    assert_int_equal(minute, 14 * 60 + 30);
    int64_t at;
    assert_int_equal(rs_tz_instant("Europe/Madrid", D(2017, 3, 27), 15 * 60 + 30, &at), RS_OK);
    assert_int_equal(at, 1490621400);
    assert_int_equal(rs_tz_offset("Mars/Olympus_Mons", 0, &off), RS_EINVAL);
    assert_int_equal(rs_tz_offset("", 0, &off), RS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_weekday_easter),
        cmocka_unit_test(test_weekends_and_counting),
        cmocka_unit_test(test_holidays_by_country),
        cmocka_unit_test(test_holidays_2026_2027),
        cmocka_unit_test(test_bad_table),
        cmocka_unit_test(test_overrides_and_year_boundary),
        cmocka_unit_test(test_cutoff),
        cmocka_unit_test(test_dst_zones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
