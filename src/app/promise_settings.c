/* promise_settings.c — check and change a merchant's promise settings (promise_settings.h):
 * the field checks shared by `rastro promise settings` and PUT /v1/promise/settings, the PUT
 * itself applied onto the current settings, and the JSON the API shows. */
#include "app/promise_settings.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/calendar.h"
#include "util/assets.h"
#include "util/timefmt.h"
#include "util/tz.h"

/* What the person sent, fit to quote in a message: at most 24 bytes of printable ASCII (others
 * become '?', so a cut never splits a UTF-8 sequence and the error body stays valid JSON). */
static const char *shown(const char *s, char out[32])
{
    size_t n = 0;
    for (; s[n] && n < 24; n++)
        out[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
    if (s[n]) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

enum rs_err rs_promise_settings_confidence(double c, const char *field, char *err, size_t errcap)
{
    if (c > RS_PROMISE_CONFIDENCE_MIN && c <= RS_PROMISE_CONFIDENCE_MAX)
        return RS_OK;
    return rs_err_fail(err, errcap,
                       "%s must be a number greater than %.1f and at most %.2f (the share of parcels to "
                       "arrive by the promise's latest day), e.g. 0.9",
                       field, RS_PROMISE_CONFIDENCE_MIN, RS_PROMISE_CONFIDENCE_MAX);
}

/* The checks below take S = NULL for "not a string": the same message, without the quote. */
enum rs_err rs_promise_settings_country(const char *s, const char *field, char country[3], char *err,
                                        size_t errcap)
{
    char q[32];
    if (s && !*s) {
        country[0] = '\0';
        return RS_OK;
    }
    bool ok = s && strlen(s) == 2;
    for (int i = 0; ok && i < 2; i++)
        ok = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z');
    if (!ok)
        return rs_err_fail(err, errcap,
                           "%s must be a two-letter country code such as \"ES\" (its holidays are the "
                           "calendar; \"\" for the order's destination country)%s%s%s",
                           field, s ? ", not \"" : "", s ? shown(s, q) : "", s ? "\"" : "");
    country[0] = (char)(s[0] & ~0x20);
    country[1] = (char)(s[1] & ~0x20);
    country[2] = '\0';
    return RS_OK;
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

enum rs_err rs_promise_settings_cutoff(const char *s, const char *field, char cutoff[6], char *err,
                                       size_t errcap)
{
    char q[32];
    if (s && !*s) {
        cutoff[0] = '\0';
        return RS_OK;
    }
    /* "H:MM" or "HH:MM", digits only (no sign, no blanks: sscanf would take " +9:05") */
    size_t hl = s && digit(s[0]) ? (digit(s[1]) ? 2 : 1) : 0;
    bool ok = hl && s[hl] == ':' && digit(s[hl + 1]) && digit(s[hl + 2]) && !s[hl + 3];
    int h = ok ? (hl == 2 ? (s[0] - '0') * 10 + s[1] - '0' : s[0] - '0') : 0;
    int m = ok ? (s[hl + 1] - '0') * 10 + s[hl + 2] - '0' : 0;
    if (!ok || h > 23 || m > 59)
        return rs_err_fail(err, errcap,
                           "%s must be a local time \"HH:MM\" from 00:00 to 23:59, e.g. \"14:00\": orders "
                           "placed from then on count from the next business day (\"\" for no cut-off)%s%s%s",
                           field, s ? ", not \"" : "", s ? shown(s, q) : "", s ? "\"" : "");
    const char out[6] = {(char)('0' + h / 10), (char)('0' + h % 10), ':', (char)('0' + m / 10),
                         (char)('0' + m % 10), '\0'};
    memcpy(cutoff, out, sizeof out);
    return RS_OK;
}

enum rs_err rs_promise_settings_timezone(const char *s, const char *field, char timezone[64], char *err,
                                         size_t errcap)
{
    char q[32];
    int off;
    if (!s || !*s || strlen(s) >= 64 || rs_tz_offset(s, 0, &off) != RS_OK)
        return rs_err_fail(err, errcap,
                           "%s must be an IANA time zone such as \"Europe/Madrid\" or \"America/Mexico_City\" "
                           "(the shop's local days and cut-off)%s%s%s",
                           field, s ? ", not \"" : "", s ? shown(s, q) : "", s ? "\"" : "");
    memcpy(timezone, s, strlen(s) + 1);
    return RS_OK;
}

enum rs_err rs_promise_settings_day(const char *s, const char *field, int64_t *day, char *err, size_t errcap)
{
    char q[32];
    int64_t d;
    if (!s || rs_date_parse(s, &d) != RS_OK || !rs_cal_day_known(d))
        return rs_err_fail(err, errcap,
                           "%s must be a day \"YYYY-MM-DD\" from %d to %d (the years the calendar knows)%s%s%s",
                           field, RS_CAL_FIRST_YEAR, RS_CAL_LAST_YEAR, s ? ", not \"" : "", s ? shown(s, q) : "",
                           s ? "\"" : "");
    *day = d;
    return RS_OK;
}

static const char *const weekdays[8] = {"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};

enum rs_err rs_promise_settings_weekday(const char *s, const char *field, unsigned *mask, char *err,
                                        size_t errcap)
{
    char q[32];
    for (int w = 1; s && w <= 7; w++)
        if (strcasecmp(s, weekdays[w]) == 0) {
            *mask |= 1u << w;
            return RS_OK;
        }
    return rs_err_fail(err, errcap,
                       "%s must name weekdays mon, tue, wed, thu, fri, sat or sun%s%s%s",
                       field, s ? ", not \"" : "", s ? shown(s, q) : "", s ? "\"" : "");
}

enum rs_err rs_promise_settings_dispatch_some(unsigned mask, const char *field, char *err, size_t errcap)
{
    if (mask & 0xFEu)
        return RS_OK;
    return rs_err_fail(err, errcap,
                       "%s must name at least one weekday the shop dispatches on, e.g. "
                       "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"]",
                       field);
}

void rs_promise_settings_weekdays_text(unsigned mask, char out[32])
{
    size_t n = 0;
    out[0] = '\0';
    for (int w = 1; w <= 7; w++)
        if (mask & (1u << w))
            n += (size_t)snprintf(out + n, 32 - n, "%s%s", n ? "," : "", weekdays[w]);
}

enum rs_err rs_promise_settings_day_add(int64_t *days, int *n, int64_t day, const char *field, char *err,
                                        size_t errcap)
{
    for (int i = 0; i < *n; i++)
        if (days[i] == day)
            return RS_OK;
    if (*n >= RS_PROMISE_MAX_OVERRIDES)
        return rs_err_fail(err, errcap, "%s: at most %d different days", field, RS_PROMISE_MAX_OVERRIDES);
    days[(*n)++] = day;
    return RS_OK;
}

enum rs_err rs_promise_settings_no_conflict(const struct rs_promise_settings *st, const char *closed,
                                            const char *opened, char *err, size_t errcap)
{
    for (int i = 0; i < st->n_add; i++)
        for (int j = 0; j < st->n_remove; j++)
            if (st->add[i] == st->remove[j]) {
                char d[11];
                rs_date_format(st->add[i], d);
                return rs_err_fail(err, errcap, "%s is in both %s and %s: a day is either closed or opened", d,
                                   closed, opened);
            }
    return RS_OK;
}

/* ---- PUT ---- */

static int by_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The JSON list V (an array of days, or null for none) into DAYS[*N], sorted. */
static enum rs_err day_list(const json_t *v, const char *name, int64_t *days, int *n, char *err, size_t errcap)
{
    *n = 0;
    if (json_is_null(v))
        return RS_OK;
    if (!json_is_array(v))
        return rs_err_fail(err, errcap,
                           "%s must be an array of days \"YYYY-MM-DD\", e.g. [\"2026-12-24\"] ([] for none)",
                           name);
    size_t i;
    json_t *d;
    json_array_foreach(v, i, d) {
        char field[48];
        int64_t day;
        snprintf(field, sizeof field, "%s[%zu]", name, i);
        enum rs_err e = rs_promise_settings_day(json_is_string(d) ? json_string_value(d) : NULL, field, &day,
                                                err, errcap);
        if (!e)
            e = rs_promise_settings_day_add(days, n, day, name, err, errcap);
        if (e)
            return e;
    }
    qsort(days, (size_t)*n, sizeof *days, by_day);
    return RS_OK;
}

/* V: a string, or null / "" (empty). OUT: *s (NULL when V is of another type). */
static const char *text_or_empty(const json_t *v)
{
    return json_is_null(v) ? "" : json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *const known[] = {"confidence", "country",   "cutoff",        "timezone",
                                    "closed_days", "open_days", "dispatch_days", NULL};

/* The JSON list V of weekday names into *MASK. */
static enum rs_err weekday_list(const json_t *v, const char *name, unsigned *mask, char *err, size_t errcap)
{
    unsigned m = 0;
    if (!json_is_array(v))
        return rs_err_fail(err, errcap,
                           "%s must be an array of weekdays, e.g. [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"]",
                           name);
    size_t i;
    json_t *d;
    json_array_foreach(v, i, d) {
        char field[48];
        snprintf(field, sizeof field, "%s[%zu]", name, i);
        enum rs_err e = rs_promise_settings_weekday(json_is_string(d) ? json_string_value(d) : NULL, field, &m,
                                                    err, errcap);
        if (e)
            return e;
    }
    enum rs_err e = rs_promise_settings_dispatch_some(m, name, err, errcap);
    if (!e)
        *mask = m;
    return e;
}

enum rs_err rs_promise_settings_apply(struct rs_promise_settings *st, const json_t *change, char *err,
                                      size_t errcap)
{
    char q[32];
    if (!json_is_object(change))
        return rs_err_fail(err, errcap, "the settings must be a JSON object, e.g. {\"confidence\":0.95}");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)change, k, v) {
        bool found = strcmp(k, "warnings") == 0; /* what GET adds, not a setting */
        for (int i = 0; known[i] && !found; i++)
            found = strcmp(k, known[i]) == 0;
        if (!found)
            return rs_err_fail(err, errcap,
                               "unknown setting \"%s\": the settings are confidence, country, cutoff, "
                               "timezone, closed_days, open_days and dispatch_days",
                               shown(k, q));
    }
    struct rs_promise_settings t = *st;
    enum rs_err e = RS_OK;
    if ((v = json_object_get(change, "confidence")) &&
        (e = rs_promise_settings_confidence(json_is_number(v) ? json_number_value(v) : -1, "confidence", err,
                                            errcap)) == RS_OK)
        t.confidence = json_number_value(v);
    if (!e && (v = json_object_get(change, "country")))
        e = rs_promise_settings_country(text_or_empty(v), "country", t.country, err, errcap);
    if (!e && (v = json_object_get(change, "cutoff")))
        e = rs_promise_settings_cutoff(text_or_empty(v), "cutoff", t.cutoff, err, errcap);
    if (!e && (v = json_object_get(change, "timezone")))
        e = rs_promise_settings_timezone(json_is_string(v) ? json_string_value(v) : NULL, "timezone", t.timezone,
                                         err, errcap);
    const json_t *closed = json_object_get(change, "closed_days"), *opened = json_object_get(change, "open_days");
    if (!e && closed)
        e = day_list(closed, "closed_days", t.add, &t.n_add, err, errcap);
    if (!e && opened)
        e = day_list(opened, "open_days", t.remove, &t.n_remove, err, errcap);
    /* only a change of the lists is checked: settings stored before the rule keep working */
    if (!e && (closed || opened))
        e = rs_promise_settings_no_conflict(&t, "closed_days", "open_days", err, errcap);
    if (!e && (v = json_object_get(change, "dispatch_days")))
        e = weekday_list(v, "dispatch_days", &t.dispatch_days, err, errcap);
    if (!e)
        *st = t;
    return e;
}

/* ---- GET ---- */

static json_t *days_json(const int64_t *days, int n)
{
    int64_t sorted[RS_PROMISE_MAX_OVERRIDES];
    n = n < RS_PROMISE_MAX_OVERRIDES ? n : RS_PROMISE_MAX_OVERRIDES;
    memcpy(sorted, days, (size_t)n * sizeof *days);
    qsort(sorted, (size_t)n, sizeof *sorted, by_day);
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        char d[11];
        rs_date_format(sorted[i], d);
        json_array_append_new(a, json_string(d));
    }
    return a;
}

json_t *rs_promise_settings_json(const struct rs_promise_settings *st)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(j, "confidence", json_real(st->confidence));
    bad |= json_object_set_new(j, "country", st->country[0] ? json_string(st->country) : json_null());
    bad |= json_object_set_new(j, "cutoff", st->cutoff[0] ? json_string(st->cutoff) : json_null());
    bad |= json_object_set_new(j, "timezone", json_string(st->timezone));
    bad |= json_object_set_new(j, "closed_days", days_json(st->add, st->n_add));
    bad |= json_object_set_new(j, "open_days", days_json(st->remove, st->n_remove));
    json_t *wd = json_array();
    unsigned mask = st->dispatch_days & 0xFEu ? st->dispatch_days : RS_PROMISE_DISPATCH_DEFAULT;
    for (int w = 1; wd && w <= 7; w++)
        if (mask & (1u << w))
            json_array_append_new(wd, json_string(weekdays[w]));
    bad |= json_object_set_new(j, "dispatch_days", wd);
    char warn[300];
    if (st->country[0] && !rs_promise_settings_country_known(st->country, warn, sizeof warn)) {
        json_t *w = json_pack("{s:s,s:s,s:s}", "code", "no_holiday_calendar", "field", "country", "message", warn);
        json_t *ws = json_array();
        bad |= !w || !ws || json_array_append_new(ws, w) || json_object_set_new(j, "warnings", ws);
    }
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

bool rs_promise_settings_country_known(const char *country, char *warn, size_t warncap)
{
    size_t len;
    const char *t = rs_asset_get("data/holidays.tsv", &len);
    /* the table's countries (its lines are grouped by country), and whether COUNTRY is one of them */
    char shipped[128] = "";
    size_t n = 0;
    char last[3] = "";
    bool found = false;
    for (const char *p = t, *end = t ? t + len : NULL; p && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (p[0] != '#' && end - p > 2 && p[2] == '\t' && (p[0] != last[0] || p[1] != last[1])) {
            last[0] = p[0];
            last[1] = p[1];
            found |= country[0] == p[0] && country[1] == p[1];
            if (n < sizeof shipped)
                n += (size_t)snprintf(shipped + n, sizeof shipped - n, "%s%.2s", n ? ", " : "", p);
        }
        p = nl ? nl + 1 : end;
    }
    if (!found && warn)
        snprintf(warn, warncap,
                 "no public holidays ship for \"%.2s\" (the calendars are %s): its promises count weekends "
                 "only; list its holidays in closed_days, e.g. {\"closed_days\":[\"2026-12-25\"]}",
                 country, shipped);
    return found;
}

int rs_promise_settings_cutoff_minute(const struct rs_promise_settings *st)
{
    int h, m;
    char extra;
    if (st->cutoff[0] && sscanf(st->cutoff, "%d:%d%c", &h, &m, &extra) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
        return h * 60 + m;
    return -1;
}
