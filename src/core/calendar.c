/* calendar.c — business days, holidays by rule, cut-off (see calendar.h). */
#include "core/calendar.h"

#include <string.h>

#include "util/timefmt.h"

/* Civil-day arithmetic lives in util/timefmt.c (pure arithmetic, no clock); these names keep the
 * calendar's vocabulary. */
int64_t rs_cal_day(int y, int m, int d)
{
    return rs_days_from_civil(y, m, d);
}

bool rs_cal_day_known(int64_t day)
{
    return day >= rs_cal_day(RS_CAL_FIRST_YEAR, 1, 1) && day <= rs_cal_day(RS_CAL_LAST_YEAR, 12, 31);
}

void rs_cal_civil(int64_t z, int *y, int *m, int *d)
{
    rs_civil_from_days(z, y, m, d);
}

int rs_cal_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (4) */
    int64_t w = (day + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

/* Anonymous Gregorian computus (Meeus/Jones/Butcher). */
int64_t rs_cal_easter(int year)
{
    int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, dd = (h + l - 7 * m + 114) % 31 + 1;
    return rs_cal_day(year, month, dd);
}

void rs_cal_local(int64_t epoch, int offset_min, int64_t *day, int *minute)
{
    int64_t local = epoch + (int64_t)offset_min * 60;
    int64_t d = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    *day = d;
    *minute = (int)((local - d * 86400) / 60);
}

void rs_calendar_init(struct rs_calendar *cal)
{
    memset(cal, 0, sizeof *cal);
    cal->weekend_mask = RS_CAL_WEEKEND_SAT_SUN;
    cal->dispatch_mask = RS_CAL_WEEKEND_SAT_SUN;
    cal->cutoff_min = 1440;
    cal->first_day = (int32_t)rs_cal_day(RS_CAL_FIRST_YEAR, 1, 1);
}

static bool in_range(const struct rs_calendar *cal, int64_t day)
{
    return day >= cal->first_day && day < (int64_t)cal->first_day + RS_CAL_NDAYS;
}

bool rs_calendar_is_holiday(const struct rs_calendar *cal, int64_t day)
{
    if (!in_range(cal, day))
        return false;
    int64_t i = day - cal->first_day;
    return (cal->closed[i >> 3] >> (i & 7)) & 1;
}

static void set_closed(struct rs_calendar *cal, int64_t day, bool closed)
{
    if (!in_range(cal, day))
        return;
    int64_t i = day - cal->first_day;
    bool was = (cal->closed[i >> 3] >> (i & 7)) & 1;
    if (closed && !was) {
        cal->closed[i >> 3] |= (uint8_t)(1u << (i & 7));
        cal->n_holidays++;
    } else if (!closed && was) {
        cal->closed[i >> 3] &= (uint8_t) ~(1u << (i & 7));
        cal->n_holidays--;
    }
}

enum rs_err rs_calendar_add_holiday(struct rs_calendar *cal, int64_t day)
{
    if (!in_range(cal, day))
        return RS_EINVAL;
    set_closed(cal, day, true);
    return RS_OK;
}

enum rs_err rs_calendar_remove_holiday(struct rs_calendar *cal, int64_t day)
{
    if (!in_range(cal, day))
        return RS_EINVAL;
    set_closed(cal, day, false);
    return RS_OK;
}

enum rs_err rs_calendar_set_cutoff(struct rs_calendar *cal, int hour, int minute)
{
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59)
        return RS_EINVAL;
    cal->cutoff_min = hour * 60 + minute;
    return RS_OK;
}

/* The functions below, for the days open in MASK (bit w set = weekday w closed) that are not
 * holidays: business days (weekend_mask) or dispatch days (dispatch_mask). */
static bool open_on(const struct rs_calendar *cal, unsigned mask, int64_t day)
{
    if (mask & (1u << rs_cal_weekday(day)))
        return false;
    return !rs_calendar_is_holiday(cal, day);
}

static int64_t add_open(const struct rs_calendar *cal, unsigned mask, int64_t day, int n)
{
    /* a calendar whose every weekday is closed would loop forever: treat it as all open */
    if ((mask & 0xFEu) == 0xFEu)
        return day + n;
    if (n >= 0) {
        int guard = 0;
        while (!open_on(cal, mask, day) && guard++ < 3660)
            day++;
        while (n > 0 && guard++ < 100000) {
            day++;
            if (open_on(cal, mask, day))
                n--;
        }
        return day;
    }
    int guard = 0;
    while (n < 0 && guard++ < 100000) {
        day--;
        if (open_on(cal, mask, day))
            n++;
    }
    return day;
}

static int open_between(const struct rs_calendar *cal, unsigned mask, int64_t from, int64_t to)
{
    int sign = 1;
    if (to < from) {
        int64_t t = from;
        from = to;
        to = t;
        sign = -1;
    }
    if (to - from > 100000)
        to = from + 100000; /* bounded: nobody waits 270 years for a parcel */
    int n = 0;
    for (int64_t d = from + 1; d <= to; d++)
        n += open_on(cal, mask, d);
    return sign * n;
}

bool rs_calendar_is_business_day(const struct rs_calendar *cal, int64_t day)
{
    return open_on(cal, cal->weekend_mask, day);
}

int64_t rs_calendar_add_business_days(const struct rs_calendar *cal, int64_t day, int n)
{
    return add_open(cal, cal->weekend_mask, day, n);
}

int rs_calendar_business_days_between(const struct rs_calendar *cal, int64_t from, int64_t to)
{
    return open_between(cal, cal->weekend_mask, from, to);
}

bool rs_calendar_is_dispatch_day(const struct rs_calendar *cal, int64_t day)
{
    return open_on(cal, cal->dispatch_mask, day);
}

int64_t rs_calendar_add_dispatch_days(const struct rs_calendar *cal, int64_t day, int n)
{
    return add_open(cal, cal->dispatch_mask, day, n);
}

int rs_calendar_dispatch_days_between(const struct rs_calendar *cal, int64_t from, int64_t to)
{
    return open_between(cal, cal->dispatch_mask, from, to);
}

int64_t rs_calendar_start_day(const struct rs_calendar *cal, int64_t day, int minute)
{
    if (rs_calendar_is_dispatch_day(cal, day) && minute < cal->cutoff_min)
        return day;
    return rs_calendar_add_dispatch_days(cal, day + 1, 0);
}

/* ---- the rules table ---- */

static int num(const char *s, size_t n, int *out)
{
    if (n == 0 || n > 6)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_mmdd(const char *s, size_t n, int *m, int *d)
{
    if (n != 5 || s[2] != '-' || num(s, 2, m) || num(s + 3, 2, d))
        return -1;
    static const int dm[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*m < 1 || *m > 12 || *d < 1 || *d > dm[*m - 1])
        return -1;
    return 0;
}

/* A field of a tab-separated line: [s, s+n). */
struct field {
    const char *s;
    size_t n;
};

static bool feq(struct field f, const char *lit)
{
    return f.n == strlen(lit) && memcmp(f.s, lit, f.n) == 0;
}

enum rule { R_FIXED, R_OBSERVED, R_SUNMON, R_MONDAY, R_AR, R_CL, R_EASTER, R_NTH };

struct hrule {
    enum rule kind;
    int m, d;   /* month/day, or month/weekday for nth */
    int n;      /* easter offset, or nth index */
    int from, to;
};

static int parse_rule(const struct field *f, struct hrule *r)
{
    static const struct {
        const char *name;
        enum rule kind;
    } kinds[] = {{"fixed", R_FIXED},  {"observed", R_OBSERVED}, {"sunmon", R_SUNMON},
                 {"monday", R_MONDAY}, {"ar_move", R_AR},       {"cl_move", R_CL},
                 {"easter", R_EASTER}, {"nth", R_NTH}};
    int k = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (feq(f[1], kinds[i].name))
            k = (int)i;
    if (k < 0)
        return -1;
    r->kind = kinds[k].kind;
    r->m = r->d = r->n = 0;
    const char *a = f[2].s;
    size_t an = f[2].n;
    if (r->kind == R_EASTER) {
        if (an < 2 || (a[0] != '+' && a[0] != '-') || num(a + 1, an - 1, &r->n) || r->n > 200)
            return -1;
        if (a[0] == '-')
            r->n = -r->n;
    } else if (r->kind == R_NTH) {
        /* MM-W-N or MM-W--1 */
        if (an < 6 || a[2] != '-' || a[4] != '-' || num(a, 2, &r->m) || num(a + 3, 1, &r->d))
            return -1;
        if (an == 6 && num(a + 5, 1, &r->n) == 0) {
        } else if (an == 7 && a[5] == '-' && a[6] == '1') {
            r->n = -1;
        } else {
            return -1;
        }
        if (r->m < 1 || r->m > 12 || r->d < 1 || r->d > 7 || r->n == 0 || r->n > 5)
            return -1;
    } else if (parse_mmdd(a, an, &r->m, &r->d)) {
        return -1;
    }
    r->from = RS_CAL_FIRST_YEAR;
    r->to = RS_CAL_LAST_YEAR;
    if (!feq(f[3], "-") && num(f[3].s, f[3].n, &r->from))
        return -1;
    if (!feq(f[4], "-") && num(f[4].s, f[4].n, &r->to))
        return -1;
    return 0;
}

/* The day RULE falls on in YEAR, or -1 when it does not exist that year (Feb 29). */
static int64_t rule_day(const struct hrule *r, int year)
{
    if (r->kind == R_EASTER)
        return rs_cal_easter(year) + r->n;
    if (r->kind == R_NTH) {
        if (r->n > 0) {
            int64_t first = rs_cal_day(year, r->m, 1);
            int64_t d = first + (r->d - rs_cal_weekday(first) + 7) % 7 + 7 * (r->n - 1);
            int y, m, dd;
            rs_cal_civil(d, &y, &m, &dd);
            return m == r->m ? d : -1;
        }
        int64_t last = rs_cal_day(r->m == 12 ? year + 1 : year, r->m == 12 ? 1 : r->m + 1, 1) - 1;
        return last - (rs_cal_weekday(last) - r->d + 7) % 7;
    }
    int y, m, dd;
    int64_t d = rs_cal_day(year, r->m, r->d);
    rs_cal_civil(d, &y, &m, &dd);
    if (m != r->m)
        return -1; /* Feb 29 in a common year */
    int w = rs_cal_weekday(d);
    switch (r->kind) {
    case R_OBSERVED:
        return w == 6 ? d - 1 : w == 7 ? d + 1 : d;
    case R_SUNMON:
        return w == 7 ? d + 1 : d;
    case R_MONDAY:
        return w == 1 ? d : d + (8 - w);
    case R_AR:
        return (w == 2 || w == 3) ? d - (w - 1) : (w == 4 || w == 5) ? d + (8 - w) : d;
    case R_CL:
        return (w >= 2 && w <= 4) ? d - (w - 1) : w == 5 ? d + 3 : d;
    default:
        return d;
    }
}

enum rs_err rs_calendar_load_holidays(struct rs_calendar *cal, const char *country,
                                      const char *table, size_t len, int *bad_line)
{
    if (bad_line)
        *bad_line = 0;
    if (!country || strlen(country) != 2 || !table)
        return RS_EINVAL;
    int found = 0, line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && table[end] != '\n')
            end++;
        line++;
        size_t lend = end;
        if (lend > pos && table[lend - 1] == '\r')
            lend--;
        const char *s = table + pos;
        size_t n = lend - pos;
        pos = end + 1;
        if (n == 0 || s[0] == '#')
            continue;
        struct field f[6];
        int nf = 0;
        size_t st = 0;
        for (size_t i = 0; i <= n && nf < 6; i++) {
            if (i == n || s[i] == '\t') {
                f[nf].s = s + st;
                f[nf].n = i - st;
                nf++;
                st = i + 1;
            }
        }
        if (nf < 1 || f[0].n != 2 || memcmp(f[0].s, country, 2) != 0)
            continue;
        struct hrule r;
        if (nf < 5 || parse_rule(f, &r)) {
            if (bad_line)
                *bad_line = line;
            return RS_EINVAL;
        }
        found++;
        int y0 = r.from < RS_CAL_FIRST_YEAR ? RS_CAL_FIRST_YEAR : r.from;
        int y1 = r.to > RS_CAL_LAST_YEAR ? RS_CAL_LAST_YEAR : r.to;
        for (int y = y0; y <= y1; y++) {
            int64_t d = rule_day(&r, y);
            if (d >= 0)
                set_closed(cal, d, true);
        }
    }
    if (!found)
        return RS_ENOTFOUND;
    memcpy(cal->country, country, 2);
    cal->country[2] = '\0';
    return RS_OK;
}
