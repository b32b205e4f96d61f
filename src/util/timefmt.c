/* timefmt.c — RFC 3339 parsing and formatting (see timefmt.h). */
#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t rs_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void rs_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int parse_date_part(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (digits(s, 4, y) || digits(s + 5, 2, m) || digits(s + 8, 2, d))
        return -1;
    if (*y < 1900 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

enum rs_err rs_date_parse(const char *s, int64_t *days)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || parse_date_part(s, &y, &m, &d))
        return RS_EINVAL;
    *days = rs_days_from_civil(y, m, d);
    return RS_OK;
}

enum rs_err rs_time_parse(const char *s, bool allow_no_offset, int64_t *epoch, int *offset_min)
{
    int y, mo, d, h, mi, se, off = 0;
    if (!s || parse_date_part(s, &y, &mo, &d))
        return RS_EINVAL;
    const char *p = s + 10;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return RS_EINVAL;
    p++;
    if (strlen(p) < 8 || p[2] != ':' || p[5] != ':')
        return RS_EINVAL;
    if (digits(p, 2, &h) || digits(p + 3, 2, &mi) || digits(p + 6, 2, &se))
        return RS_EINVAL;
    if (h > 23 || mi > 59 || se > 60)
        return RS_EINVAL;
    if (se == 60)
        se = 59; /* leap second: close enough for parcels */
    p += 8;
    if (*p == '.' || *p == ',') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            p++;
            nd++;
        }
        if (nd == 0 || nd > 9)
            return RS_EINVAL;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, sign = *p == '-' ? -1 : 1;
        if (strlen(p) < 6 || p[3] != ':' || digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) ||
            oh > 23 || om > 59)
            return RS_EINVAL;
        off = sign * (oh * 60 + om);
        p += 6;
    } else if (*p == '\0' && allow_no_offset) {
        off = 0;
    } else {
        return RS_EINVAL;
    }
    if (*p != '\0')
        return RS_EINVAL;
    *epoch = rs_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - (int64_t)off * 60;
    if (offset_min)
        *offset_min = off;
    return RS_OK;
}

void rs_time_format(int64_t epoch, int offset_min, char out[RS_TIME_LEN])
{
    int64_t local = epoch + (int64_t)offset_min * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sec = local - days * 86400;
    int y, m, d;
    rs_civil_from_days(days, &y, &m, &d);
    int h = (int)(sec / 3600), mi = (int)(sec / 60 % 60), s = (int)(sec % 60);
    char tmp[96];
    if (offset_min == 0) {
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, h, mi, s);
    } else {
        int a = offset_min < 0 ? -offset_min : offset_min;
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, h, mi, s,
                 offset_min < 0 ? '-' : '+', a / 60, a % 60);
    }
    size_t n = strnlen(tmp, RS_TIME_LEN - 1);
    memcpy(out, tmp, n);
    out[n] = '\0';
}

void rs_date_format(int64_t days, char out[11])
{
    int y, m, d;
    rs_civil_from_days(days, &y, &m, &d);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

int64_t rs_now(void)
{
    return (int64_t)time(NULL);
}

uint64_t rs_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
