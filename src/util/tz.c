/* tz.c — time-zone offsets with ICU's ucal (see tz.h). Opening a zone costs tens of
 * thousands of instructions (resource bundle look-ups, a Locale, a Calendar), and the write
 * path asks for the merchant's zone on every event: open calendars are kept in a small
 * process-wide table by zone id (unknown ids too, as "no calendar"), and a UCalendar, which is
 * not thread-safe, is used only under its slot's mutex. The table lives as long as the process. */
#include "util/tz.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/uenum.h>
#include <unicode/ustring.h>

#include "core/calendar.h"

/* Open a Gregorian calendar in ZONE; NULL for an unknown zone. */
static UCalendar *open_zone(const char *zone)
{
    if (!zone || !*zone || strlen(zone) > 64)
        return NULL;
    UChar uz[80];
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(uz, 80, NULL, zone, -1, &err);
    if (U_FAILURE(err))
        return NULL;
    /* ICU maps unknown ids to "Etc/Unknown" (offset 0): check the canonical id exists */
    UChar canon[80];
    UBool system = 0;
    err = U_ZERO_ERROR;
    ucal_getCanonicalTimeZoneID(uz, -1, canon, 80, &system, &err);
    if (U_FAILURE(err) || !system)
        return NULL;
    err = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(uz, -1, "en_US_POSIX", UCAL_GREGORIAN, &err);
    if (U_FAILURE(err)) {
        if (cal)
            ucal_close(cal);
        return NULL;
    }
    return cal;
}

/* ---- the system's tz database, when it is newer than ICU's ----
 * ICU answers from the tz data it was built with (Debian 12: 2022e, where Mexico City still has
 * summer time). The system's zoneinfo is updated on its own (package tzdata): when its version is
 * newer, a zone's TZif file (RFC 8536) decides the instants it covers — up to its last
 * transition, and after it too when the zone keeps one offset from then on (a footer without DST
 * rules, as Mexico City's "CST6"). A footer with DST rules is left to ICU (rules that ICU's data
 * has too). RS_TZ_DIR overrides the directory; "" turns this off. */

struct tzif {
    int n;            /* transitions */
    int64_t *at;      /* their instants, ascending */
    int32_t *off;     /* the offset (seconds) from at[i] on */
    int32_t off0;     /* before the first one */
    bool fixed_after; /* no DST rule in the footer: off[n - 1] holds after at[n - 1] */
};

static const char *tzif_dir(void)
{
    const char *d = getenv("RS_TZ_DIR");
    return d ? d : "/usr/share/zoneinfo";
}

static pthread_once_t newer_once = PTHREAD_ONCE_INIT;
static bool newer; /* the system's tz data is newer than ICU's */

static void newer_check(void)
{
    char path[512], line[64], sys[32] = "";
    const char *dir = tzif_dir();
    if (!*dir)
        return;
    snprintf(path, sizeof path, "%s/tzdata.zi", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(line, sizeof line, f) && sscanf(line, "# version %31s", sys) != 1)
        sys[0] = '\0';
    fclose(f);
    UErrorCode err = U_ZERO_ERROR;
    const char *icu = ucal_getTZDataVersion(&err);
    /* "2022e" < "2025b": same shape, so byte order is version order */
    newer = sys[0] && U_SUCCESS(err) && icu &&
            (strlen(sys) > strlen(icu) || (strlen(sys) == strlen(icu) && strcmp(sys, icu) > 0));
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void tzif_free(struct tzif *z)
{
    if (!z)
        return;
    free(z->at);
    free(z->off);
    free(z);
}

/* ZONE's TZif file (version 2 or later), or NULL (absent, unreadable, or not newer than ICU). */
static struct tzif *tzif_load(const char *zone)
{
    pthread_once(&newer_once, newer_check);
    if (!newer || zone[0] == '/' || strstr(zone, ".."))
        return NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tzif_dir(), zone);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static const size_t cap = 1 << 20;
    unsigned char *b = malloc(cap);
    size_t len = b ? fread(b, 1, cap, f) : 0;
    fclose(f);
    struct tzif *z = NULL;
    /* the v1 block (32-bit times) is skipped; the v2 block follows it with 64-bit times */
    if (len < 44 || memcmp(b, "TZif", 4) != 0 || b[4] < '2')
        goto out;
    uint32_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be32(b + 20 + 4 * i); /* isut, isstd, leap, time, type, char */
    size_t v1 = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
    if (c[3] > 100000 || c[4] > 256 || v1 + 44 > len || memcmp(b + v1, "TZif", 4) != 0)
        goto out;
    const unsigned char *h = b + v1;
    for (int i = 0; i < 6; i++)
        c[i] = be32(h + 20 + 4 * i);
    size_t times = v1 + 44, idx = times + (size_t)c[3] * 8, types = idx + c[3];
    size_t footer = types + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 12 + c[1] + c[0];
    if (c[3] > 100000 || c[4] == 0 || c[4] > 256 || footer + 2 > len || b[footer] != '\n')
        goto out;
    const unsigned char *nl = memchr(b + footer + 1, '\n', len - footer - 1);
    if (!nl)
        goto out;
    z = calloc(1, sizeof *z);
    if (!z || (c[3] && (!(z->at = malloc(c[3] * sizeof *z->at)) || !(z->off = malloc(c[3] * sizeof *z->off))))) {
        tzif_free(z);
        z = NULL;
        goto out;
    }
    z->n = (int)c[3];
    for (uint32_t i = 0; i < c[3]; i++) {
        const unsigned char *t = b + times + 8 * (size_t)i;
        z->at[i] = (int64_t)((uint64_t)be32(t) << 32 | be32(t + 4));
        unsigned k = b[idx + i];
        if (k >= c[4]) {
            tzif_free(z);
            z = NULL;
            goto out;
        }
        z->off[i] = (int32_t)be32(b + types + 6 * (size_t)k);
    }
    z->off0 = (int32_t)be32(b + types); /* type 0 */
    /* a footer such as "CST6" or "<-03>3" has no ',' (the DST rules come after one) */
    z->fixed_after = nl > b + footer + 1 && !memchr(b + footer + 1, ',', (size_t)(nl - b - footer - 1));
out:
    free(b);
    return z;
}

/* The offset (seconds) the file gives at EPOCH, or false when it leaves EPOCH to ICU. */
static bool tzif_offset(const struct tzif *z, int64_t epoch, int32_t *off)
{
    if (!z)
        return false;
    if (z->n == 0 || epoch < z->at[0]) {
        if (z->n == 0 && !z->fixed_after)
            return false;
        *off = z->off0;
        return true;
    }
    if (epoch >= z->at[z->n - 1] && !z->fixed_after)
        return false;
    int lo = 0, hi = z->n - 1; /* the last transition at or before EPOCH */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (z->at[mid] <= epoch)
            lo = mid;
        else
            hi = mid - 1;
    }
    *off = z->off[lo];
    return true;
}

#define ZONE_SLOTS 16

static struct zone_slot {
    pthread_mutex_t mu;
    char id[65]; /* "" : empty */
    UCalendar *cal; /* NULL with id set: unknown zone */
    struct tzif *sys; /* the system's data for it, when newer than ICU's (else NULL) */
} zones[ZONE_SLOTS];
static pthread_once_t zones_once = PTHREAD_ONCE_INIT;

static void zones_init(void)
{
    for (int i = 0; i < ZONE_SLOTS; i++)
        pthread_mutex_init(&zones[i].mu, NULL);
}

/* The slot of ZONE, locked, with its calendar open (slot->cal NULL: unknown zone). NULL for an
 * id too long to be a zone. Unlock with pthread_mutex_unlock(&slot->mu). */
static struct zone_slot *zone_lock(const char *zone)
{
    if (!zone || !*zone || strlen(zone) > 64)
        return NULL;
    pthread_once(&zones_once, zones_init);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = zone; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    struct zone_slot *z = &zones[h % ZONE_SLOTS];
    pthread_mutex_lock(&z->mu);
    if (strcmp(z->id, zone) != 0) {
        if (z->cal)
            ucal_close(z->cal);
        tzif_free(z->sys);
        z->cal = open_zone(zone);
        z->sys = z->cal ? tzif_load(zone) : NULL;
        snprintf(z->id, sizeof z->id, "%s", zone);
    }
    return z;
}

enum rs_err rs_tz_offset(const char *zone, int64_t epoch, int *offset_min)
{
    struct zone_slot *z = zone_lock(zone);
    if (!z)
        return RS_EINVAL;
    if (!z->cal) {
        pthread_mutex_unlock(&z->mu);
        return RS_EINVAL;
    }
    int32_t so;
    if (tzif_offset(z->sys, epoch, &so)) {
        pthread_mutex_unlock(&z->mu);
        *offset_min = so / 60;
        return RS_OK;
    }
    UErrorCode err = U_ZERO_ERROR;
    ucal_setMillis(z->cal, (UDate)epoch * 1000.0, &err);
    int32_t zo = ucal_get(z->cal, UCAL_ZONE_OFFSET, &err);
    int32_t dst = ucal_get(z->cal, UCAL_DST_OFFSET, &err);
    pthread_mutex_unlock(&z->mu);
    if (U_FAILURE(err))
        return RS_EINVAL;
    *offset_min = (zo + dst) / 60000;
    return RS_OK;
}

enum rs_err rs_tz_local(const char *zone, int64_t epoch, int64_t *day, int *minute)
{
    int off;
    enum rs_err e = rs_tz_offset(zone, epoch, &off);
    if (e != RS_OK)
        return e;
    rs_cal_local(epoch, off, day, minute);
    return RS_OK;
}

enum rs_err rs_tz_instant(const char *zone, int64_t day, int minute, int64_t *epoch)
{
    struct zone_slot *z = zone_lock(zone);
    if (!z)
        return RS_EINVAL;
    if (!z->cal) {
        pthread_mutex_unlock(&z->mu);
        return RS_EINVAL;
    }
    /* the system's data: the offset in force a little before and at the wall time, as ICU does
     * (a skipped wall time is after the jump, a repeated one the first) */
    int64_t wall = day * 86400 + (int64_t)minute * 60;
    int32_t o1, o2;
    if (tzif_offset(z->sys, wall - 86400, &o1) && tzif_offset(z->sys, wall + 86400, &o2)) {
        int32_t a, b;
        bool ok = tzif_offset(z->sys, wall - o1, &a) && tzif_offset(z->sys, wall - o2, &b);
        pthread_mutex_unlock(&z->mu);
        if (!ok)
            return RS_EINVAL;
        /* a wall time valid under the earlier offset comes first, then under the later one; a
         * skipped one (valid under neither) is read with the earlier offset: after the jump */
        *epoch = a == o1 ? wall - o1 : b == o2 ? wall - o2 : wall - o1;
        return RS_OK;
    }
    int y, m, d;
    rs_cal_civil(day, &y, &m, &d);
    UErrorCode err = U_ZERO_ERROR;
    ucal_clear(z->cal);
    ucal_setDateTime(z->cal, y, m - 1, d, minute / 60, minute % 60, 0, &err);
    UDate ms = ucal_getMillis(z->cal, &err);
    pthread_mutex_unlock(&z->mu);
    if (U_FAILURE(err))
        return RS_EINVAL;
    *epoch = (int64_t)(ms / 1000.0);
    return RS_OK;
}

/* The zone where most people of a country with several live: where a carrier's local time
 * without an offset most likely comes from. Countries whose zones all agree need no entry. */
static const struct {
    char cc[3];
    const char *zone;
} main_zone[] = {
    {"AR", "America/Argentina/Buenos_Aires"}, {"AU", "Australia/Sydney"}, {"BR", "America/Sao_Paulo"},
    {"CA", "America/Toronto"},  {"CD", "Africa/Kinshasa"},  {"CL", "America/Santiago"},
    {"CN", "Asia/Shanghai"},    {"EC", "America/Guayaquil"}, {"ES", "Europe/Madrid"},
    {"ID", "Asia/Jakarta"},     {"KZ", "Asia/Almaty"},       {"MN", "Asia/Ulaanbaatar"},
    {"MX", "America/Mexico_City"}, {"NZ", "Pacific/Auckland"}, {"PT", "Europe/Lisbon"},
    {"RU", "Europe/Moscow"},    {"UA", "Europe/Kiev"},       {"US", "America/New_York"},
};

/* ZONE's canonical id into OUT (UTF-16, NUL-terminated); false when ICU does not know it. */
static bool canonical_id(const char *zone, UChar out[80])
{
    UChar uz[80];
    UErrorCode err = U_ZERO_ERROR;
    if (!zone || !*zone || strlen(zone) > 64)
        return false;
    u_strFromUTF8(uz, 80, NULL, zone, -1, &err);
    UBool system = 0;
    if (U_SUCCESS(err))
        ucal_getCanonicalTimeZoneID(uz, -1, out, 80, &system, &err);
    return U_SUCCESS(err) && system;
}

/* A zone of country CC (into BUF) whose offset at each of the N_AT instants AT every zone of the
 * country shares; NULL when they disagree or CC has none. With MEMBER (an IANA id), *HAS_MEMBER
 * tells whether it is one of the country's zones. */
static const char *agreeing_zone(const char *cc, const int64_t *at, int n_at, const char *member, bool *has_member,
                                 char *buf, size_t cap)
{
    UChar want[80], canon[80];
    bool check = member && canonical_id(member, want);
    if (has_member)
        *has_member = false;
    UErrorCode err = U_ZERO_ERROR;
    UEnumeration *en = ucal_openCountryTimeZones(cc, &err);
    if (U_FAILURE(err) || !en)
        return NULL;
    const char *id, *found = NULL;
    int first[2] = {0, 0}, offs[2];
    bool agree = true;
    int32_t len;
    n_at = n_at > 2 ? 2 : n_at;
    while (agree && (id = uenum_next(en, &len, &err)) != NULL && U_SUCCESS(err)) {
        if (check && canonical_id(id, canon) && u_strcmp(canon, want) == 0)
            *has_member = true;
        bool ok = true;
        for (int i = 0; ok && i < n_at; i++)
            ok = rs_tz_offset(id, at[i], &offs[i]) == RS_OK;
        if (!ok)
            continue;
        if (!found) {
            memcpy(first, offs, sizeof first);
            snprintf(buf, cap, "%s", id);
            found = buf;
        }
        for (int i = 0; i < n_at; i++)
            agree = agree && offs[i] == first[i];
    }
    uenum_close(en);
    return agree ? found : NULL;
}

/* A zone of country CC whose offset at about instant AT every zone of the country shares, or
 * the country's main zone; NULL when neither. */
static const char *country_zone(const char *cc, int64_t at, char *buf, size_t cap)
{
    for (size_t i = 0; i < sizeof main_zone / sizeof main_zone[0]; i++)
        if (strcmp(main_zone[i].cc, cc) == 0)
            return main_zone[i].zone;
    return agreeing_zone(cc, &at, 1, NULL, NULL, buf, cap);
}

const char *rs_tz_customer_zone(const char *customer_tz, const char *dest_country, const char *shop_zone, int64_t at,
                                char out[64])
{
    int off;
    if (customer_tz && *customer_tz && rs_tz_offset(customer_tz, at, &off) == RS_OK) {
        snprintf(out, 64, "%s", customer_tz);
        return out;
    }
    const char *shop = shop_zone && *shop_zone && rs_tz_offset(shop_zone, at, &off) == RS_OK ? shop_zone : "UTC";
    char cc[3] = "", buf[80];
    if (dest_country && strlen(dest_country) == 2) {
        cc[0] = (char)(dest_country[0] >= 'a' && dest_country[0] <= 'z' ? dest_country[0] - 32 : dest_country[0]);
        cc[1] = (char)(dest_country[1] >= 'a' && dest_country[1] <= 'z' ? dest_country[1] - 32 : dest_country[1]);
    }
    /* one zone the whole year round: now and half a year on (a DST country's other season) */
    int64_t when[2] = {at, at + 182 * 86400};
    bool home = false;
    const char *there = cc[0] ? agreeing_zone(cc, when, 2, shop, &home, buf, sizeof buf) : NULL;
    snprintf(out, 64, "%s", there && !home ? there : shop);
    return out;
}

enum rs_err rs_tz_country_instant(const char *cc, int64_t wall, int64_t *epoch, int *offset_min)
{
    char buf[80];
    const char *zone = cc && strlen(cc) == 2 ? country_zone(cc, wall, buf, sizeof buf) : NULL;
    if (!zone)
        return RS_ENOTFOUND;
    int64_t day = wall >= 0 ? wall / 86400 : -((-wall + 86399) / 86400);
    int64_t sod = wall - day * 86400;
    int64_t t;
    enum rs_err e = rs_tz_instant(zone, day, (int)(sod / 60), &t);
    if (e)
        return e;
    *epoch = t + sod % 60;
    *offset_min = (int)((wall - *epoch) / 60);
    return RS_OK;
}
