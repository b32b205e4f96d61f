/* timefmt.h — RFC 3339 timestamps and dates, without the C library's time-zone globals.
 *
 * Rastro stores instants as epoch seconds (UTC) plus, where it matters for display, the offset
 * the source used (minutes east of UTC). Named zones and DST are ICU's business (util/tz.h);
 * this file only handles explicit offsets. */
#ifndef RS_TIMEFMT_H
#define RS_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define RS_TIME_LEN 32 /* enough for "2025-11-26T13:05:44.213+05:30" plus NUL */

/* Days since 1970-01-01 for a civil date (proleptic Gregorian), and back. */
int64_t rs_days_from_civil(int y, int m, int d);
void rs_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". Lower-case t/z and a space for T are accepted.
 * A timestamp without an offset is RS_EINVAL unless allow_no_offset, when it is taken as UTC.
 * OUT: *epoch (seconds, UTC), *offset_min (may be NULL). */
enum rs_err rs_time_parse(const char *s, bool allow_no_offset, int64_t *epoch,
                          int *offset_min) RS_MUST_CHECK;

/* Parse "YYYY-MM-DD". OUT: *days since epoch. */
enum rs_err rs_date_parse(const char *s, int64_t *days) RS_MUST_CHECK;

/* Format EPOCH at OFFSET_MIN as RFC 3339 ("...Z" when the offset is 0). */
void rs_time_format(int64_t epoch, int offset_min, char out[RS_TIME_LEN]);
/* Format a day number as "YYYY-MM-DD" (11 bytes). */
void rs_date_format(int64_t days, char out[11]);

/* Seconds since the epoch now (the edges' clock; the core never calls it). */
int64_t rs_now(void);
/* Monotonic nanoseconds, for durations. */
uint64_t rs_mono_ns(void);

#endif
