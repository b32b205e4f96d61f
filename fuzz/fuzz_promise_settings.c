/* fuzz_promise_settings.c — PUT /v1/promise/settings on arbitrary bytes: the JSON parsed as the
 * API does, applied onto a merchant's settings (app/promise_settings.h), then shown as GET does.
 * It must never crash; a refusal must say why in text that fits a JSON error body and leave
 * the settings untouched; what it accepts must hold the rules (confidence in range, country and
 * cut-off well formed, a time zone the calendar knows, some dispatch weekday, at most 64 sorted
 * distinct days in the calendar's years, none both closed and opened) and come back the same
 * through its own JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_settings.h"
#include "core/calendar.h"

static void start(struct rs_promise_settings *st)
{
    memset(st, 0, sizeof *st);
    st->confidence = 0.90;
    memcpy(st->timezone, "Europe/Madrid", 14);
    st->dispatch_days = RS_PROMISE_DISPATCH_DEFAULT;
    st->add[st->n_add++] = rs_cal_day(2026, 12, 24);
}

static void check_days(const int64_t *d, int n)
{
    if (n < 0 || n > RS_PROMISE_MAX_OVERRIDES)
        abort();
    for (int i = 0; i < n; i++)
        if (d[i] < rs_cal_day(RS_CAL_FIRST_YEAR, 1, 1) || d[i] > rs_cal_day(RS_CAL_LAST_YEAR, 12, 31) ||
            (i && d[i - 1] >= d[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char e2[400];
    json_t *change = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!change)
        return 0;
    struct rs_promise_settings st, before;
    start(&st);
    before = st;
    char err[400] = "";
    if (rs_promise_settings_apply(&st, change, err, sizeof err) != RS_OK) {
        json_t *msg = json_string(err); /* the 422 body must be valid JSON: UTF-8 text */
        if (!err[0] || !msg || memcmp(&st, &before, sizeof st) != 0)
            abort();
        json_decref(msg);
        json_decref(change);
        return 0;
    }
    if (!(st.confidence > RS_PROMISE_CONFIDENCE_MIN && st.confidence <= RS_PROMISE_CONFIDENCE_MAX))
        abort();
    if (st.country[0] && !(st.country[0] >= 'A' && st.country[0] <= 'Z' && st.country[1] >= 'A' &&
                           st.country[1] <= 'Z' && !st.country[2]))
        abort();
    if (st.cutoff[0] && !(strlen(st.cutoff) == 5 && st.cutoff[2] == ':' && strcmp(st.cutoff, "23:59") <= 0 &&
                          st.cutoff[3] <= '5'))
        abort();
    char tz[64];
    if (strcmp(st.timezone, before.timezone) != 0 &&
        rs_promise_settings_timezone(st.timezone, "timezone", tz, e2, sizeof e2) != RS_OK)
        abort(); /* a new zone is one the calendar can use */
    if (!st.dispatch_days || (st.dispatch_days & ~0xFEu))
        abort(); /* some ISO weekday 1..7, nothing else */
    check_days(st.add, st.n_add);
    check_days(st.remove, st.n_remove);
    if (json_object_get(change, "closed_days") || json_object_get(change, "open_days"))
        if (rs_promise_settings_no_conflict(&st, "a", "b", e2, sizeof e2) != RS_OK)
            abort();
    /* GET shows it; PUT of what GET shows gives the same settings */
    json_t *shown = rs_promise_settings_json(&st);
    if (!shown)
        abort();
    char *text = json_dumps(shown, JSON_COMPACT);
    if (!text)
        abort();
    free(text);
    struct rs_promise_settings again;
    start(&again);
    again.n_add = 0;
    if (rs_promise_settings_apply(&again, shown, e2, sizeof e2) != RS_OK || again.confidence != st.confidence ||
        strcmp(again.country, st.country) != 0 || strcmp(again.cutoff, st.cutoff) != 0 ||
        strcmp(again.timezone, st.timezone) != 0 || again.dispatch_days != st.dispatch_days ||
        again.n_add != st.n_add || again.n_remove != st.n_remove ||
        memcmp(again.add, st.add, sizeof st.add[0] * (size_t)st.n_add) != 0 ||
        memcmp(again.remove, st.remove, sizeof st.remove[0] * (size_t)st.n_remove) != 0)
        abort();
    json_decref(shown);
    json_decref(change);
    return 0;
}
