/* promise_settings.h — a merchant's promise settings (store/store_promise.h, struct
 * rs_promise_settings) checked and changed in one place, for `rastro promise settings` and for
 * GET/PUT /v1/promise/settings (docs/promise.md, "API for settings").
 *
 * Pure: no store, no clock. Every refusal is RS_EINVAL with a message for a person that starts
 * with the name of the field as the caller called it ("cutoff" in the API, "--cutoff" in the
 * CLI) and says what is wanted. The rules:
 *   confidence    a number, RS_PROMISE_CONFIDENCE_MIN < c <= RS_PROMISE_CONFIDENCE_MAX
 *   country       two letters ("es" is taken as "ES"); "" = the order's destination country
 *   cutoff        "HH:MM" (or "H:MM") from 00:00 to 23:59, kept as "HH:MM"; "" = none
 *   closed_days / open_days
 *                 days "YYYY-MM-DD" within RS_CAL_FIRST_YEAR..RS_CAL_LAST_YEAR (the years the
 *                 calendar knows), duplicates folded, at most RS_PROMISE_MAX_OVERRIDES; a day is
 *                 not both closed and opened
 *   timezone      an IANA zone ICU knows ("America/Mexico_City"): merchants.timezone, the
 *                 merchant's local days and cut-off (and its pages' times)
 *   dispatch_days the weekdays the merchant hands parcels to the carrier: "mon" … "sun"
 *                 (case ignored), at least one, duplicates folded; default Monday to Friday.
 *                 Handling is counted in them; carriers' transit stays in business days */
#ifndef RS_APP_PROMISE_SETTINGS_H
#define RS_APP_PROMISE_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store_promise.h"

/* Below 0.5 the "promise" would be late more often than not, and the engine ignores 0.5 itself
 * (core/promise.c takes only 0.5 < c < 1); above 0.99 the window only grows with the tail. */
#define RS_PROMISE_CONFIDENCE_MIN 0.5 /* exclusive */
#define RS_PROMISE_CONFIDENCE_MAX 0.99

/* The checks, one field at a time. FIELD names the field in ERR (ERRCAP bytes). On RS_EINVAL the
 * output is untouched. */
enum rs_err rs_promise_settings_confidence(double c, const char *field, char *err,
                                           size_t errcap) RS_MUST_CHECK;
/* S: two letters, or "" for the destination's. OUT: COUNTRY (upper case, or ""). */
enum rs_err rs_promise_settings_country(const char *s, const char *field, char country[3], char *err,
                                        size_t errcap) RS_MUST_CHECK;
/* S: "HH:MM" or "H:MM", or "" for no cut-off. OUT: CUTOFF ("HH:MM" or ""). */
enum rs_err rs_promise_settings_cutoff(const char *s, const char *field, char cutoff[6], char *err,
                                       size_t errcap) RS_MUST_CHECK;
/* The stored cut-off ("HH:MM", checked when it was saved) as minutes after local midnight; -1
 * when there is none. */
int rs_promise_settings_cutoff_minute(const struct rs_promise_settings *st);
/* S: an IANA time zone ICU knows (util/tz.h). OUT: TIMEZONE (S as given). */
enum rs_err rs_promise_settings_timezone(const char *s, const char *field, char timezone[64], char *err,
                                         size_t errcap) RS_MUST_CHECK;
/* S: "YYYY-MM-DD" within the calendar's years. OUT: *day (civil day number). */
enum rs_err rs_promise_settings_day(const char *s, const char *field, int64_t *day, char *err,
                                    size_t errcap) RS_MUST_CHECK;
/* S: a weekday "mon" … "sun" (any case). OUT: its bit (1u << ISO weekday) added to *MASK. */
enum rs_err rs_promise_settings_weekday(const char *s, const char *field, unsigned *mask, char *err,
                                        size_t errcap) RS_MUST_CHECK;
/* RS_EINVAL unless MASK has a weekday (a shop that never dispatches promises nothing). */
enum rs_err rs_promise_settings_dispatch_some(unsigned mask, const char *field, char *err,
                                              size_t errcap) RS_MUST_CHECK;
/* Add DAY to DAYS[*N] unless it is there already; RS_EINVAL when that would make more than
 * RS_PROMISE_MAX_OVERRIDES. */
enum rs_err rs_promise_settings_day_add(int64_t *days, int *n, int64_t day, const char *field, char *err,
                                        size_t errcap) RS_MUST_CHECK;
/* RS_EINVAL when a day is in both ADD (closed) and REMOVE (opened); CLOSED/OPENED name the lists. */
enum rs_err rs_promise_settings_no_conflict(const struct rs_promise_settings *st, const char *closed,
                                            const char *opened, char *err, size_t errcap) RS_MUST_CHECK;

/* Apply CHANGE (a JSON object, borrowed) onto *ST with PUT semantics: a key present replaces its
 * field (null or "" clears country and cutoff; closed_days/open_days replace the whole list,
 * kept sorted), a key absent keeps its value; timezone must be a zone (it cannot be cleared).
 * Unknown keys are refused. All or nothing: on RS_EINVAL *ST is untouched and ERR
 * says what is wrong, naming the field. */
enum rs_err rs_promise_settings_apply(struct rs_promise_settings *st, const json_t *change, char *err,
                                      size_t errcap) RS_MUST_CHECK;

/* The weekday names of MASK in week order, comma-separated ("mon,tue,wed,thu,fri"), into OUT. */
void rs_promise_settings_weekdays_text(unsigned mask, char out[32]);

/* Whether COUNTRY (two capital letters, as stored) has a holiday calendar shipped in
 * data/holidays.tsv. A country without one is a valid setting (the merchant may list its
 * holidays in closed_days), but its promises count weekends only. When it has none, the
 * warning for the merchant ("no public holidays ship for \"XX\"…, shipped: AR, BR, …") is
 * written to WARN (its size WARNCAP) and false returned. */
bool rs_promise_settings_country_known(const char *country, char *warn, size_t warncap);

/* The settings as the API shows them (new reference; NULL when out of memory):
 * {"confidence":0.9,"country":"ES"|null,"cutoff":"14:00"|null,"timezone":"Europe/Madrid",
 *  "closed_days":["2026-12-24",…],"open_days":[…],"dispatch_days":["mon",…,"fri"]} with the
 * days sorted and the weekdays in week order; plus "warnings":[{"code","field","message"}] when a
 * setting cannot take full effect (a country with no shipped holidays: "no_holiday_calendar").
 * "warnings" is not a setting: rs_promise_settings_apply ignores it, so a document read, changed
 * and sent back is accepted. */
json_t *rs_promise_settings_json(const struct rs_promise_settings *st);

#endif
