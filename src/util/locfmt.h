/* locfmt.h — dates and times in the customer's language and a named time zone (ICU).
 *
 * "jueves 26 de noviembre" / "Thursday 26 November", "10:00", and delivery windows such as
 * "entre el martes 24 y el jueves 26 de noviembre" / "between Tuesday 24 and Thursday 26
 * November". Instants are epoch seconds; zones are IANA names ("Europe/Madrid"); locales are
 * BCP 47 tags ("es", "en", "es-MX", "en-US").
 *
 * Spanish and English (Rastro's two languages) use fixed patterns so customers read the same
 * phrase whatever ICU's CLDR version prefers; English with a US/CA/PH region and every other
 * language use CLDR skeletons through udatpg (so "en-US" reads "Thursday, November 26" and
 * "10:00 AM"), and date windows in other languages use ICU's interval formatter.
 *
 * DESIGN: opening an ICU date formatter costs tens of microseconds, formatting one costs about
 * one, so formatters are cached per (locale, zone, pattern) inside a struct rs_locfmt. ICU
 * formatters must not be used by two threads at once, so a struct rs_locfmt is
 * thread-confined: each worker or HTTP thread owns its own (no locks, in the spirit of the
 * store connections). The cache is bounded (RS_LOCFMT_CACHE entries, least recently used
 * goes). */
#ifndef RS_LOCFMT_H
#define RS_LOCFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RS_LOCFMT_CACHE 32

enum rs_locfmt_style {
    RS_LOCFMT_DAY = 0,   /* "jueves 26 de noviembre" / "Thursday 26 November" */
    RS_LOCFMT_DAY_SHORT, /* "jueves 26" / "Thursday 26" */
    RS_LOCFMT_TIME,      /* "10:00" (24 h; "10:00 AM" for en-US) */
    RS_LOCFMT_DATE,      /* "26/11/2026" / "26/11/2026" (en-US "11/26/2026") */
};

struct rs_locfmt; /* opaque formatter cache; one per thread */

/* A new, empty cache (aborts on out-of-memory). Free with rs_locfmt_free (NULL-safe). */
struct rs_locfmt *rs_locfmt_new(void);
void rs_locfmt_free(struct rs_locfmt *lf);

/* Format EPOCH in ZONE for LOCALE in STYLE into OUT (CAP bytes, UTF-8, NUL-terminated).
 * RS_EINVAL: unknown zone, malformed locale or style; RS_ENOMEM: CAP too small (OUT is then
 * ""). Not thread-safe on one LF. */
enum rs_err rs_locfmt_format(struct rs_locfmt *lf, const char *locale, const char *zone,
                             enum rs_locfmt_style style, int64_t epoch, char *out,
                             size_t cap) RS_MUST_CHECK;

/* Same with an explicit ICU pattern ("EEEE d 'de' MMMM") or a skeleton ("MMMMEEEEd", turned
 * into the locale's best pattern by udatpg). */
enum rs_err rs_locfmt_pattern(struct rs_locfmt *lf, const char *locale, const char *zone,
                              const char *pattern, int64_t epoch, char *out,
                              size_t cap) RS_MUST_CHECK;
/* ZONE's name as a place, in LOCALE's words ("hora de España", "Mexico City Time"), for a
 * time that must say in which zone it is. RS_EINVAL for a zone ICU does not know. */
enum rs_err rs_locfmt_zone_name(struct rs_locfmt *lf, const char *locale, const char *zone, char *out,
                                size_t cap) RS_MUST_CHECK;
enum rs_err rs_locfmt_skeleton(struct rs_locfmt *lf, const char *locale, const char *zone,
                               const char *skeleton, int64_t epoch, char *out,
                               size_t cap) RS_MUST_CHECK;

/* A calendar day DAY (days since 1970: a deadline, a coupon's last day), the same day wherever
 * the reader is, in RS_LOCFMT_DAY style: "miércoles 10 de diciembre". Errors as
 * rs_locfmt_format. */
enum rs_err rs_locfmt_civil_day(struct rs_locfmt *lf, const char *locale, int64_t day, char *out,
                                size_t cap) RS_MUST_CHECK;
/* What goes before a civil day DAY read on the reader's day TODAY, so "hasta …" says it as people
 * do: "hoy, " / "mañana, " / "el " in Spanish, "today, " / "tomorrow, " / "" in English (LOCALE
 * "es…" or anything else). *RELATIVE is true for today and tomorrow. */
const char *rs_locfmt_day_lead(const char *locale, int64_t day, int64_t today, bool *relative);

/* A window of days FROM..TO (epoch seconds, FROM <= TO, compared as local days in ZONE):
 * "entre el martes 24 y el jueves 26 de noviembre" / "between Tuesday 24 and Thursday 26
 * November"; across months both days name their month; on one day "el jueves 26 de noviembre"
 * / "on Thursday 26 November". RS_EINVAL when FROM > TO or as above. */
enum rs_err rs_locfmt_day_range(struct rs_locfmt *lf, const char *locale, const char *zone,
                                int64_t from, int64_t to, char *out, size_t cap) RS_MUST_CHECK;

/* A window of calendar days FROM_DAY..TO_DAY (days since 1970: a promise's YYYY-MM-DD), as
 * rs_locfmt_day_range reads them in ZONE: each day stays that day in every zone (UTC+14 and
 * UTC-12 too; noon UTC would be the next day in Kiritimati). RS_EINVAL for an unknown zone. */
enum rs_err rs_locfmt_days(struct rs_locfmt *lf, const char *locale, const char *zone, int64_t from_day,
                           int64_t to_day, char *out, size_t cap) RS_MUST_CHECK;

/* A window of hours: "entre las 10:00 y las 12:00" / "between 10:00 and 12:00". */
enum rs_err rs_locfmt_time_range(struct rs_locfmt *lf, const char *locale, const char *zone,
                                 int64_t from, int64_t to, char *out, size_t cap) RS_MUST_CHECK;

/* ZONE's offset from UTC at instant AT, in minutes east (DST included). OUT: *offset_min.
 * RS_EINVAL for an unknown zone. Thread-safe (no cache). Usable as the planner's offset
 * callback through a small adapter. */
enum rs_err rs_locfmt_utc_offset(const char *zone, int64_t at, int *offset_min) RS_MUST_CHECK;

/* Local civil date of AT in ZONE. OUT: *y, *m (1-12), *d. */
enum rs_err rs_locfmt_local_date(const char *zone, int64_t at, int *y, int *m,
                                 int *d) RS_MUST_CHECK;

/* An amount of CENTS (hundredths) of CURRENCY (ISO 4217, "EUR") as LOCALE writes it: "5,00 €"
 * (es), "€5.00" (en), "$150.00" (es-MX with MXN, en-US with USD), "150,00 MXN" (es), with plain
 * spaces. RS_EINVAL: malformed locale or currency; RS_ENOMEM: CAP too small (OUT is then ""). */
enum rs_err rs_locfmt_money(const char *locale, int64_t cents, const char *currency, char *out,
                            size_t cap) RS_MUST_CHECK;
/* What a coupon is worth as LOCALE writes it: KIND "percent" (CENTS hundredths of a per cent:
 * "10 %" / "10%", "12,5 %" / "12.5%"), else an amount as rs_locfmt_money ("5,00 €" / "€5.00"),
 * or the amount and the code when the currency is unknown to ICU ("5,00 XYZ"). */
void rs_locfmt_coupon_value(const char *locale, const char *kind, int64_t cents, const char *currency, char *out,
                            size_t cap);

/* Whether instants A and B (epoch seconds, 0 = unknown: false) fall on the same local day in
 * ZONE (false for an unknown zone). "En reparto: llega hoy" is true only the day of the scan. */
bool rs_locfmt_same_day(const char *zone, int64_t a, int64_t b);

#endif
