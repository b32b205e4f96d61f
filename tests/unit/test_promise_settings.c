/* test_promise_settings.c — a merchant's promise settings changed through JSON
 * (app/promise_settings.h): each field valid and invalid, PUT semantics (absent keys keep their
 * value, lists replaced whole), duplicates folded, the 64-day limit, a day both closed and
 * opened, unknown keys, the time zone (an IANA zone), all-or-nothing, and the JSON of GET. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_settings.h"
#include "core/calendar.h"

#define D(y, m, d) rs_cal_day(y, m, d)

static void defaults(struct rs_promise_settings *st)
{
    memset(st, 0, sizeof *st);
    st->confidence = 0.90;
    snprintf(st->timezone, sizeof st->timezone, "Europe/Madrid");
}

/* Apply TEXT onto *ST; ERR gets the message. */
static enum rs_err put(struct rs_promise_settings *st, const char *text, char err[400])
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    assert_non_null(j);
    err[0] = '\0';
    enum rs_err e = rs_promise_settings_apply(st, j, err, 400);
    json_decref(j);
    if (e)
        assert_true(err[0] != '\0');
    return e;
}

/* TEXT is refused with a message starting with (or containing) WANT, and *ST does not move. */
static void refused(struct rs_promise_settings *st, const char *text, const char *want)
{
    struct rs_promise_settings before = *st;
    char err[400];
    assert_int_equal(put(st, text, err), RS_EINVAL);
    if (!strstr(err, want))
        fail_msg("%s: message \"%s\" does not say \"%s\"", text, err, want);
    assert_memory_equal(&before, st, sizeof before);
}

static void test_confidence(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    assert_int_equal(put(&st, "{\"confidence\":0.95}", err), RS_OK);
    assert_true(st.confidence > 0.9499 && st.confidence < 0.9501);
    assert_int_equal(put(&st, "{\"confidence\":0.99}", err), RS_OK);
    assert_int_equal(put(&st, "{\"confidence\":0.51}", err), RS_OK);
    refused(&st, "{\"confidence\":0.5}", "confidence must be a number");
    refused(&st, "{\"confidence\":0.995}", "confidence must be");
    refused(&st, "{\"confidence\":1}", "confidence must be");
    refused(&st, "{\"confidence\":-3}", "confidence must be");
    refused(&st, "{\"confidence\":\"0.9\"}", "confidence must be a number");
    refused(&st, "{\"confidence\":null}", "confidence must be");
    refused(&st, "{\"confidence\":true}", "confidence must be");
    assert_true(st.confidence > 0.5099 && st.confidence < 0.5101);
}

static void test_country(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    assert_int_equal(put(&st, "{\"country\":\"ES\"}", err), RS_OK);
    assert_string_equal(st.country, "ES");
    assert_int_equal(put(&st, "{\"country\":\"pt\"}", err), RS_OK);
    assert_string_equal(st.country, "PT");
    refused(&st, "{\"country\":\"ESP\"}", "country must be a two-letter country code such as \"ES\"");
    refused(&st, "{\"country\":\"E1\"}", "not \"E1\"");
    refused(&st, "{\"country\":\"E\"}", "country must be");
    refused(&st, "{\"country\":\"\\u00d1a\"}", "country must be");
    refused(&st, "{\"country\":34}", "country must be");
    assert_int_equal(put(&st, "{\"country\":null}", err), RS_OK);
    assert_string_equal(st.country, "");
    assert_int_equal(put(&st, "{\"country\":\"fr\"}", err), RS_OK);
    assert_int_equal(put(&st, "{\"country\":\"\"}", err), RS_OK);
    assert_string_equal(st.country, "");
}

static void test_cutoff(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    assert_int_equal(put(&st, "{\"cutoff\":\"14:00\"}", err), RS_OK);
    assert_string_equal(st.cutoff, "14:00");
    assert_int_equal(put(&st, "{\"cutoff\":\"9:05\"}", err), RS_OK);
    assert_string_equal(st.cutoff, "09:05");
    assert_int_equal(put(&st, "{\"cutoff\":\"00:00\"}", err), RS_OK);
    assert_int_equal(put(&st, "{\"cutoff\":\"23:59\"}", err), RS_OK);
    const char *bad[] = {"24:00", "12:60", "1200", "12:5", " 9:05", "+9:05", "12:00:00", "12:00 ", "noon", "-1:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"cutoff\":\"%s\"}", bad[i]);
        refused(&st, text, "cutoff must be a local time \"HH:MM\" from 00:00 to 23:59");
    }
    refused(&st, "{\"cutoff\":1400}", "cutoff must be");
    assert_string_equal(st.cutoff, "23:59");
    assert_int_equal(put(&st, "{\"cutoff\":null}", err), RS_OK);
    assert_string_equal(st.cutoff, "");
    assert_int_equal(put(&st, "{\"cutoff\":\"8:00\"}", err), RS_OK);
    assert_int_equal(put(&st, "{\"cutoff\":\"\"}", err), RS_OK);
    assert_string_equal(st.cutoff, "");
}

static void test_days(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    /* sorted, duplicates folded */
    assert_int_equal(put(&st, "{\"closed_days\":[\"2026-12-31\",\"2026-12-24\",\"2026-12-31\"]}", err), RS_OK);
    assert_int_equal(st.n_add, 2);
    assert_int_equal(st.add[0], D(2026, 12, 24));
    assert_int_equal(st.add[1], D(2026, 12, 31));
    assert_int_equal(put(&st, "{\"open_days\":[\"2026-12-26\"]}", err), RS_OK);
    assert_int_equal(st.n_remove, 1);
    assert_int_equal(st.n_add, 2); /* absent: kept */
    /* a list present replaces the whole list */
    assert_int_equal(put(&st, "{\"closed_days\":[\"2027-01-06\"]}", err), RS_OK);
    assert_int_equal(st.n_add, 1);
    assert_int_equal(st.add[0], D(2027, 1, 6));
    /* the calendar's years, real days, strings */
    refused(&st, "{\"closed_days\":[\"2026-02-30\"]}", "closed_days[0] must be a day \"YYYY-MM-DD\" from 2010 to 2040");
    refused(&st, "{\"closed_days\":[\"2026-12-24\",\"2009-12-31\"]}", "closed_days[1] must be a day");
    refused(&st, "{\"open_days\":[\"2041-01-01\"]}", "open_days[0] must be a day");
    refused(&st, "{\"closed_days\":[\"24/12/2026\"]}", "not \"24/12/2026\"");
    refused(&st, "{\"closed_days\":[20261224]}", "closed_days[0] must be a day");
    refused(&st, "{\"closed_days\":\"2026-12-24\"}", "closed_days must be an array");
    assert_int_equal(put(&st, "{\"closed_days\":[\"2010-01-01\",\"2040-12-31\"]}", err), RS_OK);
    /* [] and null empty a list */
    assert_int_equal(put(&st, "{\"closed_days\":[],\"open_days\":null}", err), RS_OK);
    assert_int_equal(st.n_add + st.n_remove, 0);
}

static void test_limit(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400], text[4096];
    defaults(&st);
    /* 64 different days (+ a duplicate) pass; a 65th does not */
    size_t n = (size_t)snprintf(text, sizeof text, "{\"closed_days\":[\"2026-01-01\"");
    for (int i = 0; i < 64; i++) {
        char d[11];
        int y, m, dd;
        rs_cal_civil(D(2026, 1, 1) + i, &y, &m, &dd);
        snprintf(d, sizeof d, "%04d-%02d-%02d", y, m, dd);
        n += (size_t)snprintf(text + n, sizeof text - n, ",\"%s\"", d);
    }
    snprintf(text + n, sizeof text - n, "]}");
    assert_int_equal(put(&st, text, err), RS_OK);
    assert_int_equal(st.n_add, RS_PROMISE_MAX_OVERRIDES);
    snprintf(text + n, sizeof text - n, ",\"2027-01-01\"]}");
    refused(&st, text, "closed_days: at most 64 different days");
    assert_int_equal(st.n_add, RS_PROMISE_MAX_OVERRIDES);
}

static void test_conflict(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    refused(&st, "{\"closed_days\":[\"2026-12-24\"],\"open_days\":[\"2026-12-26\",\"2026-12-24\"]}",
            "2026-12-24 is in both closed_days and open_days");
    assert_int_equal(put(&st, "{\"closed_days\":[\"2026-12-24\"]}", err), RS_OK);
    /* against the list kept */
    refused(&st, "{\"open_days\":[\"2026-12-24\"]}", "2026-12-24 is in both closed_days and open_days");
    /* moving a day from one list to the other in one PUT */
    assert_int_equal(put(&st, "{\"closed_days\":[],\"open_days\":[\"2026-12-24\"]}", err), RS_OK);
    assert_int_equal(st.n_add, 0);
    assert_int_equal(st.n_remove, 1);
    /* the CLI's check on the days it is given */
    struct rs_promise_settings req = {0};
    req.add[req.n_add++] = D(2026, 1, 6);
    req.remove[req.n_remove++] = D(2026, 1, 6);
    assert_int_equal(rs_promise_settings_no_conflict(&req, "--close", "--open", err, sizeof err), RS_EINVAL);
    assert_string_equal(err, "2026-01-06 is in both --close and --open: a day is either closed or opened");
}

static void test_keys_and_timezone(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    refused(&st, "{\"confidence\":0.95,\"confidance\":0.9}", "unknown setting \"confidance\"");
    refused(&st, "{\"holidays\":[]}", "unknown setting \"holidays\"");
    refused(&st, "{\"timezone\":\"Mexico City\"}",
            "timezone must be an IANA time zone such as \"Europe/Madrid\" or \"America/Mexico_City\" (the "
            "shop's local days and cut-off), not \"Mexico City\"");
    refused(&st, "{\"timezone\":\"Mars/Olympus\",\"confidence\":0.8}", "timezone must be an IANA time zone");
    refused(&st, "{\"timezone\":null}", "timezone must be an IANA time zone such as");
    refused(&st, "{\"timezone\":\"\"}", "timezone must be an IANA time zone such as");
    refused(&st, "{\"timezone\":-6}", "timezone must be an IANA time zone such as");
    refused(&st, "[]", "must be a JSON object");
    refused(&st, "\"x\"", "must be a JSON object");
    refused(&st, "null", "must be a JSON object");
    /* the time zone as GET shows it goes back unchanged */
    assert_int_equal(put(&st, "{\"timezone\":\"Europe/Madrid\",\"confidence\":0.8}", err), RS_OK);
    assert_true(st.confidence > 0.799 && st.confidence < 0.801);
    assert_string_equal(st.timezone, "Europe/Madrid");
    /* a shop in Mexico sets its own zone (its local days and cut-off) */
    assert_int_equal(put(&st, "{\"timezone\":\"America/Mexico_City\",\"cutoff\":\"14:00\"}", err), RS_OK);
    assert_string_equal(st.timezone, "America/Mexico_City");
    assert_string_equal(st.cutoff, "14:00");
    /* an empty object changes nothing */
    struct rs_promise_settings before = st;
    assert_int_equal(put(&st, "{}", err), RS_OK);
    assert_memory_equal(&before, &st, sizeof st);
    /* a quoted value never breaks the message (printable ASCII only) */
    refused(&st, "{\"k\\u00e9\\n\":1}", "unknown setting \"k???\"");
    refused(&st,
            "{\"country\":\"\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1"
            "\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\"}",
            "\"????????????????????????...\"");
}

static void test_all_or_nothing(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    assert_int_equal(put(&st, "{\"cutoff\":\"14:00\",\"closed_days\":[\"2026-12-24\"]}", err), RS_OK);
    refused(&st, "{\"confidence\":0.95,\"cutoff\":\"25:00\"}", "cutoff must be");
    refused(&st, "{\"confidence\":0.95,\"country\":\"ES\",\"closed_days\":[\"bad\"]}", "closed_days[0]");
    refused(&st, "{\"confidence\":0.95,\"nope\":1}", "unknown setting");
    assert_true(st.confidence > 0.899 && st.confidence < 0.901);
    assert_string_equal(st.country, "");
    assert_string_equal(st.cutoff, "14:00");
    assert_int_equal(st.n_add, 1);
}

static void test_json(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    json_t *j = rs_promise_settings_json(&st);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    assert_string_equal(text, "{\"confidence\":0.9,\"country\":null,\"cutoff\":null,"
                              "\"timezone\":\"Europe/Madrid\",\"closed_days\":[],\"open_days\":[],"
                              "\"dispatch_days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]}");
    free(text);
    json_decref(j);
    /* days out of order in the struct (as an old CLI stored them) come out sorted */
    st.add[st.n_add++] = D(2026, 12, 31);
    st.add[st.n_add++] = D(2026, 12, 24);
    st.remove[st.n_remove++] = D(2026, 12, 26);
    snprintf(st.country, sizeof st.country, "ES");
    snprintf(st.cutoff, sizeof st.cutoff, "14:00");
    st.confidence = 0.95;
    j = rs_promise_settings_json(&st);
    assert_string_equal(json_string_value(json_object_get(j, "country")), "ES");
    assert_string_equal(json_string_value(json_object_get(j, "cutoff")), "14:00");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "closed_days"), 0)), "2026-12-24");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "closed_days"), 1)), "2026-12-31");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "open_days"), 0)), "2026-12-26");
    /* round trip: what GET shows, PUT back, gives the same settings */
    struct rs_promise_settings back;
    defaults(&back);
    assert_int_equal(rs_promise_settings_apply(&back, j, err, sizeof err), RS_OK);
    json_decref(j);
    assert_true(back.confidence == st.confidence);
    assert_string_equal(back.country, "ES");
    assert_string_equal(back.cutoff, "14:00");
    assert_int_equal(back.n_add, 2);
    assert_int_equal(back.add[0], D(2026, 12, 24));
    assert_int_equal(back.add[1], D(2026, 12, 31));
    assert_int_equal(back.n_remove, 1);
    assert_int_equal(back.remove[0], D(2026, 12, 26));
}

/* The weekdays the shop dispatches on: names in any case, duplicates folded, at least one; GET
 * shows them in week order and a PUT of that gives the same. */
static void test_dispatch_days(void **state)
{
    (void)state;
    struct rs_promise_settings st;
    char err[400];
    defaults(&st);
    assert_int_equal(put(&st, "{\"dispatch_days\":[\"sat\",\"MON\",\"tue\",\"wed\",\"thu\",\"fri\",\"mon\"]}", err),
                     RS_OK);
    assert_int_equal(st.dispatch_days, 0x7Eu); /* Monday to Saturday */
    refused(&st, "{\"dispatch_days\":[]}", "dispatch_days must name at least one weekday");
    refused(&st, "{\"dispatch_days\":[\"mon\",\"saturday\"]}",
            "dispatch_days[1] must name weekdays mon, tue, wed, thu, fri, sat or sun");
    refused(&st, "{\"dispatch_days\":[\"mon\",1]}", "dispatch_days[1] must name weekdays");
    refused(&st, "{\"dispatch_days\":\"mon,tue\"}", "dispatch_days must be an array of weekdays");
    refused(&st, "{\"dispatch_days\":null}", "dispatch_days must be an array of weekdays");
    assert_int_equal(st.dispatch_days, 0x7Eu);
    json_t *j = rs_promise_settings_json(&st);
    char *text = json_dumps(json_object_get(j, "dispatch_days"), JSON_COMPACT);
    assert_string_equal(text, "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"]");
    free(text);
    struct rs_promise_settings back;
    defaults(&back);
    assert_int_equal(rs_promise_settings_apply(&back, j, err, sizeof err), RS_OK);
    assert_int_equal(back.dispatch_days, 0x7Eu);
    json_decref(j);
    /* the CLI's pieces */
    unsigned m = 0;
    assert_int_equal(rs_promise_settings_weekday("Sun", "--dispatch-days", &m, err, sizeof err), RS_OK);
    assert_int_equal(m, 1u << 7);
    assert_int_equal(rs_promise_settings_weekday("domingo", "--dispatch-days", &m, err, sizeof err), RS_EINVAL);
    assert_true(strncmp(err, "--dispatch-days must name weekdays", 34) == 0);
    assert_int_equal(rs_promise_settings_dispatch_some(0, "--dispatch-days", err, sizeof err), RS_EINVAL);
    char wd[32];
    rs_promise_settings_weekdays_text(0x7Eu, wd);
    assert_string_equal(wd, "mon,tue,wed,thu,fri,sat");
}

static void test_cli_helpers(void **state)
{
    (void)state;
    char err[400], cc[3] = "XX", cut[6] = "xx:xx";
    int64_t day = 7, days[RS_PROMISE_MAX_OVERRIDES];
    int n = 0;
    assert_int_equal(rs_promise_settings_cutoff("24:00", "--cutoff", cut, err, sizeof err), RS_EINVAL);
    assert_string_equal(cut, "xx:xx"); /* untouched */
    assert_true(strncmp(err, "--cutoff must be", 16) == 0);
    assert_int_equal(rs_promise_settings_country("es", "--country", cc, err, sizeof err), RS_OK);
    assert_string_equal(cc, "ES");
    assert_int_equal(rs_promise_settings_day("2026-13-01", "--close", &day, err, sizeof err), RS_EINVAL);
    assert_int_equal(day, 7);
    assert_true(strncmp(err, "--close must be a day", 21) == 0);
    assert_int_equal(rs_promise_settings_confidence(0.9, "--confidence", err, sizeof err), RS_OK);
    assert_int_equal(rs_promise_settings_confidence(NAN, "--confidence", err, sizeof err), RS_EINVAL);
    for (int i = 0; i < 70; i++)
        assert_int_equal(rs_promise_settings_day_add(days, &n, 100 + i % 3, "--open", err, sizeof err), RS_OK);
    assert_int_equal(n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confidence),
        cmocka_unit_test(test_country),
        cmocka_unit_test(test_cutoff),
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_conflict),
        cmocka_unit_test(test_keys_and_timezone),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_dispatch_days),
        cmocka_unit_test(test_cli_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
