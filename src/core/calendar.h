/* calendar.h — business days for a merchant: weekends, public holidays, merchant overrides and
 * the dispatch cut-off.
 *
 * Pure: no clock, no time-zone database, no allocation. Days are civil day numbers (days since
 * 1970-01-01 in the merchant's local calendar); times of day are minutes after local midnight.
 * Converting an instant to a local day and minute is the edge's job (util/tz.h does it with ICU,
 * DST-correct) — the core only ever sees local values.
 *
 * Holidays come from a rules table (data/holidays.tsv, embedded in the binary; the caller passes
 * its text in) so that adding a country or a new holiday is a data change. Each line is
 *   COUNTRY  RULE  ARG  FROM_YEAR  TO_YEAR  NAME
 * with RULE one of (see docs/promise.md for the full description):
 *   fixed    MM-DD        the same date every year
 *   observed MM-DD        fixed; on a Saturday it is observed the Friday before, on a Sunday the
 *                         Monday after (US federal rule)
 *   sunmon   MM-DD        fixed; on a Sunday it is observed the Monday after (BR/MX/CL practice
 *                         for a few days)
 *   monday   MM-DD        "Ley Emiliani" (CO): moved to the next Monday unless it is one
 *   ar_move  MM-DD        AR movable (Ley 27.399): Tue/Wed -> previous Monday, Thu/Fri -> next
 *                         Monday, weekend/Monday unchanged
 *   cl_move  MM-DD        CL movable (Ley 19.668): Tue/Wed/Thu -> previous Monday, Fri -> next
 *                         Monday
 *   easter   +N / -N      N days from Easter Sunday (Gregorian computus): Good Friday -2,
 *                         Carnival -48/-47, Corpus Christi +60, CO's Monday-moved ones +43/+64/+71
 *   nth      MM-W-N       the N-th weekday W (1 = Monday … 7 = Sunday) of month MM; N = -1 is
 *                         the last one (US Thanksgiving, MX "puentes", …)
 * FROM_YEAR/TO_YEAR bound the years the rule applies ("-" = open). Lines starting with '#' and
 * blank lines are ignored. Defaults are computed for RS_CAL_FIRST_YEAR..RS_CAL_LAST_YEAR; outside
 * that range only weekends and merchant overrides are known. */
#ifndef RS_CALENDAR_H
#define RS_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RS_CAL_FIRST_YEAR 2010
#define RS_CAL_LAST_YEAR 2040
#define RS_CAL_NDAYS 11323 /* days from 2010-01-01 to 2040-12-31 inclusive */

/* Weekday numbers: 1 = Monday … 7 = Sunday (ISO 8601). */
#define RS_CAL_WEEKEND_SAT_SUN ((1u << 6) | (1u << 7))

struct rs_calendar {
    char country[3];        /* ISO 3166-1 alpha-2 the defaults came from ("" = none) */
    unsigned weekend_mask;  /* bit w set = weekday w (1..7) is not a business day (carriers') */
    unsigned dispatch_mask; /* bit w set = the merchant does not dispatch on weekday w (default
                               the weekend_mask: Monday to Friday). Holidays close both */
    int cutoff_min;         /* dispatch cut-off, minutes after local midnight (0..1440); an
                               order at or after it counts from the next business day. 1440 =
                               no cut-off */
    int32_t first_day;      /* day number of RS_CAL_FIRST_YEAR-01-01 */
    uint8_t closed[(RS_CAL_NDAYS + 7) / 8]; /* bit set = holiday (defaults + merchant changes) */
    int n_holidays;         /* holidays set in the bitmap */
};

/* Civil date <-> day number (proleptic Gregorian), and ISO weekday of a day number. */
int64_t rs_cal_day(int y, int m, int d);
void rs_cal_civil(int64_t day, int *y, int *m, int *d);
int rs_cal_weekday(int64_t day);
/* Whether DAY is within RS_CAL_FIRST_YEAR..RS_CAL_LAST_YEAR, the years whose holidays are known:
 * a promise for a day outside them counts no holidays (and year 9999's is no date at all). */
bool rs_cal_day_known(int64_t day);
/* Easter Sunday of YEAR (Gregorian), as a day number. */
int64_t rs_cal_easter(int year);

/* A calendar with Saturday+Sunday weekends (for carriers and for dispatch), no holidays and no
 * cut-off. */
void rs_calendar_init(struct rs_calendar *cal);

/* Load the default holidays of COUNTRY from a rules table (text of data/holidays.tsv, borrowed,
 * LEN bytes). RS_EINVAL with *bad_line set (1-based) on a malformed line of that country (other
 * countries' lines are skipped unread); RS_ENOTFOUND when the table has no line for COUNTRY. */
enum rs_err rs_calendar_load_holidays(struct rs_calendar *cal, const char *country,
                                      const char *table, size_t len, int *bad_line) RS_MUST_CHECK;

/* Merchant overrides: close or open a single day. RS_EINVAL outside the calendar's range. */
enum rs_err rs_calendar_add_holiday(struct rs_calendar *cal, int64_t day) RS_MUST_CHECK;
enum rs_err rs_calendar_remove_holiday(struct rs_calendar *cal, int64_t day) RS_MUST_CHECK;

/* Set the cut-off (RS_EINVAL unless 0 <= hour < 24, 0 <= minute < 60). */
enum rs_err rs_calendar_set_cutoff(struct rs_calendar *cal, int hour, int minute) RS_MUST_CHECK;

bool rs_calendar_is_holiday(const struct rs_calendar *cal, int64_t day);
bool rs_calendar_is_business_day(const struct rs_calendar *cal, int64_t day);

/* The N-th business day after DAY (N >= 0). N = 0 gives DAY itself when it is a business day,
 * else the next business day. Negative N counts backwards (the N-th business day before DAY). */
int64_t rs_calendar_add_business_days(const struct rs_calendar *cal, int64_t day, int n);

/* The number of business days d with FROM < d <= TO (so 0 when TO == FROM); when TO < FROM,
 * minus the number with TO < d <= FROM. */
int rs_calendar_business_days_between(const struct rs_calendar *cal, int64_t from, int64_t to);

/* Dispatch days: the merchant's working days (dispatch_mask) that are not holidays. Handling
 * (placed -> handed to the carrier) is counted in them; transit in business days. The same
 * contracts as the business-day functions above. */
bool rs_calendar_is_dispatch_day(const struct rs_calendar *cal, int64_t day);
int64_t rs_calendar_add_dispatch_days(const struct rs_calendar *cal, int64_t day, int n);
int rs_calendar_dispatch_days_between(const struct rs_calendar *cal, int64_t from, int64_t to);

/* The dispatch day from which an order placed on local DAY at MINUTE (0..1439) after local
 * midnight counts: DAY when it is a dispatch day and MINUTE is before the cut-off, else the next
 * dispatch day. */
int64_t rs_calendar_start_day(const struct rs_calendar *cal, int64_t day, int minute);

/* Local day and minute of an instant, given the UTC offset in force at that instant. */
void rs_cal_local(int64_t epoch, int offset_min, int64_t *day, int *minute);

#endif
