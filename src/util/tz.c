/* tz.c — time-zone offsets with ICU's ucal (see tz.h). Opening a zone costs tens of
 * thousands of instructions (resource bundle look-ups, a Locale, a Calendar), and the write
 * path asks for the merchant's zone on every event: open calendars are kept in a small
 * process-wide table by zone id (unknown ids too, as "no calendar"), and a UCalendar, which is
 * not thread-safe, is used only under its slot's mutex. The table lives as long as the process. */
#include "util/tz.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unicode/ucal.h>
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

#define ZONE_SLOTS 16

static struct zone_slot {
    pthread_mutex_t mu;
    char id[65]; /* "" : empty */
    UCalendar *cal; /* NULL with id set: unknown zone */
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
        z->cal = open_zone(zone);
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
