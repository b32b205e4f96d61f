/* locfmt.c — locale dates with ICU udat/udatpg/udtitvfmt and a per-thread cache (see locfmt.h). */
#include "util/locfmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/udatpg.h>
#include <unicode/udateintervalformat.h>
#include <unicode/uloc.h>
#include <unicode/unum.h>
#include <unicode/ustring.h>

#include "util/tz.h"

#define KEY_LOCALE 48
#define KEY_ZONE 64
#define KEY_PATTERN 64

struct entry {
    char locale[KEY_LOCALE]; /* ICU locale id ("es_MX") */
    char zone[KEY_ZONE];
    char pattern[KEY_PATTERN]; /* the resolved ICU pattern */
    UDateFormat *fmt;          /* owned; NULL = empty slot */
    uint64_t used;             /* LRU clock */
};

struct rs_locfmt {
    struct entry e[RS_LOCFMT_CACHE];
    uint64_t clock;
};

struct rs_locfmt *rs_locfmt_new(void)
{
    struct rs_locfmt *lf = calloc(1, sizeof *lf);
    if (!lf) {
        fputs("rastro: out of memory\n", stderr);
        abort();
    }
    return lf;
}

void rs_locfmt_free(struct rs_locfmt *lf)
{
    if (!lf)
        return;
    for (int i = 0; i < RS_LOCFMT_CACHE; i++)
        if (lf->e[i].fmt)
            udat_close(lf->e[i].fmt);
    free(lf);
}

/* ---- inputs ------------------------------------------------------------------------------ */

/* BCP 47 tag → ICU locale id, refusing anything odd. */
static bool icu_locale(const char *tag, char out[KEY_LOCALE])
{
    if (!tag || !*tag || strlen(tag) >= 32)
        return false;
    for (const char *p = tag; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    UErrorCode err = U_ZERO_ERROR;
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%s", tag);
    for (char *p = tmp; *p; p++)
        if (*p == '_')
            *p = '-';
    int32_t n = uloc_forLanguageTag(tmp, out, KEY_LOCALE, NULL, &err);
    return U_SUCCESS(err) && err != U_STRING_NOT_TERMINATED_WARNING && n > 0;
}

/* Whether ZONE is a zone ICU knows (an unknown id would silently mean GMT). */
static bool known_zone(const char *zone, UChar uz[KEY_ZONE], int32_t *uzl)
{
    if (!zone || !*zone || strlen(zone) >= KEY_ZONE)
        return false;
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(uz, KEY_ZONE, uzl, zone, -1, &err);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING)
        return false;
    UChar canon[KEY_ZONE];
    UBool system = 0;
    err = U_ZERO_ERROR;
    ucal_getCanonicalTimeZoneID(uz, *uzl, canon, KEY_ZONE, &system, &err);
    return U_SUCCESS(err) && system;
}

static const char *lang_of(const char *icu_loc, char buf[12])
{
    UErrorCode err = U_ZERO_ERROR;
    uloc_getLanguage(icu_loc, buf, 12, &err);
    if (U_FAILURE(err))
        buf[0] = '\0';
    return buf;
}

/* Spanish, and English outside the 12-hour, month-first countries, use our fixed patterns. */
static bool fixed_patterns(const char *icu_loc, bool *spanish)
{
    char lang[12], country[8];
    lang_of(icu_loc, lang);
    UErrorCode err = U_ZERO_ERROR;
    uloc_getCountry(icu_loc, country, sizeof country, &err);
    if (U_FAILURE(err))
        country[0] = '\0';
    *spanish = strcmp(lang, "es") == 0;
    if (*spanish)
        return true;
    return strcmp(lang, "en") == 0 && strcmp(country, "US") != 0 && strcmp(country, "CA") != 0 &&
           strcmp(country, "PH") != 0;
}

/* ---- cache ------------------------------------------------------------------------------- */

/* The cached formatter for (LOC, ZONE, PATTERN), opening it if needed. Borrowed from LF. */
static UDateFormat *get_fmt(struct rs_locfmt *lf, const char *loc, const char *zone,
                            const UChar *uzone, int32_t uzl, const char *pattern)
{
    struct entry *victim = &lf->e[0];
    for (int i = 0; i < RS_LOCFMT_CACHE; i++) {
        struct entry *e = &lf->e[i];
        if (e->fmt && strcmp(e->locale, loc) == 0 && strcmp(e->zone, zone) == 0 &&
            strcmp(e->pattern, pattern) == 0) {
            e->used = ++lf->clock;
            return e->fmt;
        }
        if (!e->fmt || (victim->fmt && e->used < victim->used))
            victim = e;
    }
    if (strlen(pattern) >= KEY_PATTERN)
        return NULL;
    UChar up[KEY_PATTERN];
    int32_t upl = 0;
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(up, KEY_PATTERN, &upl, pattern, -1, &err);
    if (U_FAILURE(err))
        return NULL;
    UDateFormat *f = udat_open(UDAT_PATTERN, UDAT_PATTERN, loc, uzone, uzl, up, upl, &err);
    if (U_FAILURE(err)) {
        if (f)
            udat_close(f);
        return NULL;
    }
    if (victim->fmt)
        udat_close(victim->fmt);
    snprintf(victim->locale, KEY_LOCALE, "%s", loc);
    snprintf(victim->zone, KEY_ZONE, "%s", zone);
    snprintf(victim->pattern, KEY_PATTERN, "%s", pattern);
    victim->fmt = f;
    victim->used = ++lf->clock;
    return f;
}

/* UTF-16 → UTF-8 into OUT; false (and OUT = "") when it does not fit. */
static bool to_utf8(const UChar *u, int32_t ul, char *out, size_t cap)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = 0;
    u_strToUTF8(out, (int32_t)(cap > INT32_MAX ? INT32_MAX : cap), &n, u, ul, &err);
    if (U_FAILURE(err) || (size_t)n >= cap) {
        if (cap)
            out[0] = '\0';
        return false;
    }
    return true;
}

/* The fixed-offset zone ("GMT-06:00") ZONE has at EPOCH by util/tz.h, which reads the system's
 * tz data when it is newer than ICU's: Debian 12's ICU still puts Mexico City on summer time,
 * and a time on the page or in a message must agree with the day and cut-off the promise used.
 * The patterns formatted here have no zone fields, so the offset alone decides. */
static bool offset_zone(const char *zone, int64_t epoch, UChar uz[KEY_ZONE], int32_t *uzl, char id[KEY_ZONE])
{
    int off;
    if (!known_zone(zone, uz, uzl) || rs_tz_offset(zone, epoch, &off) != RS_OK)
        return false;
    int a = off < 0 ? -off : off;
    snprintf(id, KEY_ZONE, "GMT%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(uz, KEY_ZONE, uzl, id, -1, &err);
    return U_SUCCESS(err);
}

/* Format with a resolved ICU pattern. */
static enum rs_err fmt_pattern(struct rs_locfmt *lf, const char *loc, const char *zone,
                               const char *pattern, int64_t epoch, char *out, size_t cap)
{
    UChar uz[KEY_ZONE];
    int32_t uzl = 0;
    char id[KEY_ZONE];
    if (!offset_zone(zone, epoch, uz, &uzl, id))
        return RS_EINVAL;
    UDateFormat *f = get_fmt(lf, loc, id, uz, uzl, pattern);
    if (!f)
        return RS_EINVAL;
    UChar buf[256];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = udat_format(f, (UDate)epoch * 1000.0, buf, 256, NULL, &err);
    if (U_FAILURE(err))
        return RS_EINVAL;
    return to_utf8(buf, n, out, cap) ? RS_OK : RS_ENOMEM;
}

/* The locale's best pattern for SKELETON, as UTF-8 into PAT. */
static bool best_pattern(const char *loc, const char *skeleton, char pat[KEY_PATTERN])
{
    UErrorCode err = U_ZERO_ERROR;
    UDateTimePatternGenerator *g = udatpg_open(loc, &err);
    if (U_FAILURE(err))
        return false;
    UChar sk[KEY_PATTERN], best[KEY_PATTERN];
    int32_t skl = 0;
    u_strFromUTF8(sk, KEY_PATTERN, &skl, skeleton, -1, &err);
    int32_t bl = U_SUCCESS(err) ? udatpg_getBestPattern(g, sk, skl, best, KEY_PATTERN, &err) : 0;
    udatpg_close(g);
    return U_SUCCESS(err) && err != U_STRING_NOT_TERMINATED_WARNING &&
           to_utf8(best, bl, pat, KEY_PATTERN);
}

/* ---- public ------------------------------------------------------------------------------ */

enum rs_err rs_locfmt_pattern(struct rs_locfmt *lf, const char *locale, const char *zone,
                              const char *pattern, int64_t epoch, char *out, size_t cap)
{
    char loc[KEY_LOCALE];
    if (cap)
        out[0] = '\0';
    if (!lf || !pattern || !*pattern || !icu_locale(locale, loc))
        return RS_EINVAL;
    return fmt_pattern(lf, loc, zone, pattern, epoch, out, cap);
}

enum rs_err rs_locfmt_zone_name(struct rs_locfmt *lf, const char *locale, const char *zone, char *out, size_t cap)
{
    char loc[KEY_LOCALE];
    UChar uz[KEY_ZONE];
    int32_t uzl = 0;
    if (cap)
        out[0] = '\0';
    /* the real zone, not offset_zone's: a place's name does not depend on ICU's DST rules */
    if (!lf || !icu_locale(locale, loc) || !known_zone(zone, uz, &uzl))
        return RS_EINVAL;
    UDateFormat *f = get_fmt(lf, loc, zone, uz, uzl, "VVVV");
    if (!f)
        return RS_EINVAL;
    UChar buf[128];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = udat_format(f, 0, buf, 128, NULL, &err);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING)
        return RS_EINVAL;
    return to_utf8(buf, n, out, cap) ? RS_OK : RS_ENOMEM;
}

enum rs_err rs_locfmt_skeleton(struct rs_locfmt *lf, const char *locale, const char *zone,
                               const char *skeleton, int64_t epoch, char *out, size_t cap)
{
    char loc[KEY_LOCALE], pat[KEY_PATTERN];
    if (cap)
        out[0] = '\0';
    if (!lf || !skeleton || strlen(skeleton) >= KEY_PATTERN || !icu_locale(locale, loc) ||
        !best_pattern(loc, skeleton, pat))
        return RS_EINVAL;
    return fmt_pattern(lf, loc, zone, pat, epoch, out, cap);
}

/* The pattern (fixed or from a skeleton) for STYLE in LOC, into PAT. */
static bool style_pattern(const char *loc, enum rs_locfmt_style style, char pat[KEY_PATTERN])
{
    bool es = false;
    bool fixed = fixed_patterns(loc, &es);
    const char *p = NULL, *skeleton = NULL;
    switch (style) {
    case RS_LOCFMT_DAY:
        p = es ? "EEEE d 'de' MMMM" : "EEEE d MMMM";
        skeleton = "MMMMEEEEd";
        break;
    case RS_LOCFMT_DAY_SHORT:
        p = "EEEE d";
        skeleton = "EEEEd";
        break;
    case RS_LOCFMT_TIME:
        p = "HH:mm";
        skeleton = "jmm";
        break;
    case RS_LOCFMT_DATE:
        p = "dd/MM/yyyy";
        skeleton = "yMMdd";
        break;
    default:
        return false;
    }
    if (fixed) {
        snprintf(pat, KEY_PATTERN, "%s", p);
        return true;
    }
    return best_pattern(loc, skeleton, pat);
}

enum rs_err rs_locfmt_format(struct rs_locfmt *lf, const char *locale, const char *zone,
                             enum rs_locfmt_style style, int64_t epoch, char *out, size_t cap)
{
    char loc[KEY_LOCALE], pat[KEY_PATTERN];
    if (cap)
        out[0] = '\0';
    if (!lf || !icu_locale(locale, loc) || !style_pattern(loc, style, pat))
        return RS_EINVAL;
    return fmt_pattern(lf, loc, zone, pat, epoch, out, cap);
}

enum rs_err rs_locfmt_local_date(const char *zone, int64_t at, int *y, int *m, int *d)
{
    int off;
    UChar uz[KEY_ZONE];
    int32_t uzl = 0;
    if (!known_zone(zone, uz, &uzl) || rs_tz_offset(zone, at, &off) != RS_OK)
        return RS_EINVAL;
    time_t t = (time_t)(at + (int64_t)off * 60);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return RS_EINVAL;
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
    return RS_OK;
}

enum rs_err rs_locfmt_money(const char *locale, int64_t cents, const char *currency, char *out, size_t cap)
{
    char loc[KEY_LOCALE];
    if (cap == 0)
        return RS_ENOMEM;
    out[0] = '\0';
    if (!icu_locale(locale, loc) || !currency || strlen(currency) != 3)
        return RS_EINVAL;
    for (int i = 0; i < 3; i++)
        if (currency[i] < 'A' || currency[i] > 'Z')
            return RS_EINVAL;
    UErrorCode err = U_ZERO_ERROR;
    UNumberFormat *nf = unum_open(UNUM_CURRENCY, NULL, 0, loc, NULL, &err);
    if (U_FAILURE(err))
        return RS_EINVAL;
    UChar cur[4], u[64];
    u_charsToUChars(currency, cur, 4);
    int32_t n = unum_formatDoubleCurrency(nf, (double)cents / 100.0, cur, u, 64, NULL, &err);
    unum_close(nf);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING)
        return RS_EINVAL;
    /* a plain space where CLDR puts a no-break one ("5,00 €"): the same on every screen, and
     * GSM-7 in an SMS (a U+00A0 would make it UCS-2) */
    for (int32_t i = 0; i < n; i++)
        if (u[i] == 0x00A0 || u[i] == 0x202F)
            u[i] = ' ';
    int32_t len = 0;
    err = U_ZERO_ERROR;
    u_strToUTF8(out, (int32_t)(cap > INT32_MAX ? INT32_MAX : cap), &len, u, n, &err);
    if (U_FAILURE(err) || (size_t)len >= cap) {
        out[0] = '\0';
        return RS_ENOMEM;
    }
    return RS_OK;
}

bool rs_locfmt_same_day(const char *zone, int64_t a, int64_t b)
{
    int ya, ma, da, yb, mb, db;
    return a && b && rs_locfmt_local_date(zone, a, &ya, &ma, &da) == RS_OK &&
           rs_locfmt_local_date(zone, b, &yb, &mb, &db) == RS_OK && ya == yb && ma == mb && da == db;
}

enum rs_err rs_locfmt_utc_offset(const char *zone, int64_t at, int *offset_min)
{
    UChar uz[KEY_ZONE];
    int32_t uzl = 0;
    if (!known_zone(zone, uz, &uzl))
        return RS_EINVAL;
    return rs_tz_offset(zone, at, offset_min);
}

/* Join "A" and "B" with the language's words into OUT. */
static enum rs_err join(char *out, size_t cap, const char *pre, const char *a, const char *mid,
                        const char *b)
{
    int n = snprintf(out, cap, "%s%s%s%s", pre, a, mid, b);
    if (n < 0 || (size_t)n >= cap) {
        if (cap)
            out[0] = '\0';
        return RS_ENOMEM;
    }
    return RS_OK;
}

/* Other languages: ICU's own interval format for SKELETON. */
static enum rs_err interval(const char *loc, const char *zone, const char *skeleton, int64_t from,
                            int64_t to, char *out, size_t cap)
{
    UChar uz[KEY_ZONE], sk[KEY_PATTERN], buf[256];
    int32_t uzl = 0, skl = 0;
    if (!known_zone(zone, uz, &uzl))
        return RS_EINVAL;
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(sk, KEY_PATTERN, &skl, skeleton, -1, &err);
    UDateIntervalFormat *f = udtitvfmt_open(loc, sk, skl, uz, uzl, &err);
    if (U_FAILURE(err))
        return RS_EINVAL;
    int32_t n = udtitvfmt_format(f, (UDate)from * 1000.0, (UDate)to * 1000.0, buf, 256, NULL, &err);
    udtitvfmt_close(f);
    if (U_FAILURE(err))
        return RS_EINVAL;
    return to_utf8(buf, n, out, cap) ? RS_OK : RS_ENOMEM;
}

enum rs_err rs_locfmt_civil_day(struct rs_locfmt *lf, const char *locale, int64_t day, char *out, size_t cap)
{
    /* noon UTC of DAY is DAY in every zone from UTC-12 to UTC+11: format it there */
    return rs_locfmt_format(lf, locale, "UTC", RS_LOCFMT_DAY, day * 86400 + 12 * 3600, out, cap);
}

enum rs_err rs_locfmt_day_range(struct rs_locfmt *lf, const char *locale, const char *zone,
                                int64_t from, int64_t to, char *out, size_t cap)
{
    char loc[KEY_LOCALE];
    if (cap)
        out[0] = '\0';
    if (!lf || from > to || !icu_locale(locale, loc))
        return RS_EINVAL;
    int y1, m1, d1, y2, m2, d2;
    if (rs_locfmt_local_date(zone, from, &y1, &m1, &d1) != RS_OK ||
        rs_locfmt_local_date(zone, to, &y2, &m2, &d2) != RS_OK)
        return RS_EINVAL;
    bool es = false;
    if (!fixed_patterns(loc, &es)) {
        char lang[12];
        lang_of(loc, lang);
        if (strcmp(lang, "en") != 0)
            return interval(loc, zone, "MMMMEEEEd", from, to, out, cap);
        /* US-style English: CLDR's own day ("Friday, December 11"), in the words every other
         * English page uses ("between … and …", "on …"), not ICU's "Friday, December 11 –
         * Tuesday, December 15" after "Your order arrives" */
        char a[128], b[128];
        const char *sk = y1 == y2 ? "MMMMEEEEd" : "yMMMMEEEEd";
        enum rs_err rc = rs_locfmt_skeleton(lf, locale, zone, sk, to, b, sizeof b);
        if (rc != RS_OK)
            return rc;
        if (y1 == y2 && m1 == m2 && d1 == d2)
            return join(out, cap, "on ", b, "", "");
        if ((rc = rs_locfmt_skeleton(lf, locale, zone, sk, from, a, sizeof a)) != RS_OK)
            return rc;
        return join(out, cap, "between ", a, " and ", b);
    }
    const char *full = es ? (y1 == y2 ? "EEEE d 'de' MMMM" : "EEEE d 'de' MMMM 'de' y")
                          : (y1 == y2 ? "EEEE d MMMM" : "EEEE d MMMM y");
    char a[128], b[128];
    enum rs_err rc = fmt_pattern(lf, loc, zone, full, to, b, sizeof b);
    if (rc != RS_OK)
        return rc;
    if (y1 == y2 && m1 == m2 && d1 == d2)
        return join(out, cap, es ? "el " : "on ", b, "", "");
    rc = fmt_pattern(lf, loc, zone, y1 == y2 && m1 == m2 ? "EEEE d" : full, from, a, sizeof a);
    if (rc != RS_OK)
        return rc;
    return es ? join(out, cap, "entre el ", a, " y el ", b)
              : join(out, cap, "between ", a, " and ", b);
}

enum rs_err rs_locfmt_days(struct rs_locfmt *lf, const char *locale, const char *zone, int64_t from_day,
                           int64_t to_day, char *out, size_t cap)
{
    /* local noon: the middle of the day there, whatever the zone's offset */
    int64_t a, b;
    if (cap)
        out[0] = '\0';
    if (rs_tz_instant(zone, from_day, 720, &a) != RS_OK || rs_tz_instant(zone, to_day, 720, &b) != RS_OK)
        return RS_EINVAL;
    return rs_locfmt_day_range(lf, locale, zone, a, b, out, cap);
}

enum rs_err rs_locfmt_time_range(struct rs_locfmt *lf, const char *locale, const char *zone,
                                 int64_t from, int64_t to, char *out, size_t cap)
{
    char loc[KEY_LOCALE], pat[KEY_PATTERN];
    if (cap)
        out[0] = '\0';
    if (!lf || from > to || !icu_locale(locale, loc))
        return RS_EINVAL;
    bool es = false;
    if (!fixed_patterns(loc, &es))
        return interval(loc, zone, "jmm", from, to, out, cap);
    if (!style_pattern(loc, RS_LOCFMT_TIME, pat))
        return RS_EINVAL;
    char a[64], b[64];
    enum rs_err rc = fmt_pattern(lf, loc, zone, pat, from, a, sizeof a);
    if (rc == RS_OK)
        rc = fmt_pattern(lf, loc, zone, pat, to, b, sizeof b);
    if (rc != RS_OK)
        return rc;
    /* "la 1:00" in Spanish for one o'clock; the plural article otherwise */
    if (es)
        return join(out, cap, strncmp(a, "01:", 3) == 0 ? "entre la " : "entre las ", a,
                    strncmp(b, "01:", 3) == 0 ? " y la " : " y las ", b);
    return join(out, cap, "between ", a, " and ", b);
}

const char *rs_locfmt_day_lead(const char *locale, int64_t day, int64_t today, bool *relative)
{
    bool es = locale && strncmp(locale, "es", 2) == 0;
    *relative = day == today || day == today + 1;
    if (day == today)
        return es ? "hoy, " : "today, ";
    if (day == today + 1)
        return es ? "mañana, " : "tomorrow, ";
    return es ? "el " : "";
}

void rs_locfmt_coupon_value(const char *locale, const char *kind, int64_t cents, const char *currency, char *out,
                            size_t cap)
{
    bool es = locale && strncmp(locale, "es", 2) == 0;
    long long whole = cents / 100, frac = cents % 100;
    if (kind && strcmp(kind, "percent") == 0) {
        /* Spanish writes "10 %", English "10%" */
        if (frac % 10)
            snprintf(out, cap, "%lld%s%02lld%s%%", whole, es ? "," : ".", frac, es ? " " : "");
        else if (frac)
            snprintf(out, cap, "%lld%s%lld%s%%", whole, es ? "," : ".", frac / 10, es ? " " : "");
        else
            snprintf(out, cap, "%lld%s%%", whole, es ? " " : "");
    } else if (rs_locfmt_money(locale, cents, currency ? currency : "", out, cap) != RS_OK) {
        snprintf(out, cap, es ? "%lld,%02lld %s" : "%lld.%02lld %s", whole, frac, currency ? currency : "");
    }
}
