/* tz.c — time-zone offsets with ICU's ucal (see tz.h). */
#include "util/tz.h"

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

enum rs_err rs_tz_offset(const char *zone, int64_t epoch, int *offset_min)
{
    UCalendar *cal = open_zone(zone);
    if (!cal)
        return RS_EINVAL;
    UErrorCode err = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)epoch * 1000.0, &err);
    int32_t zo = ucal_get(cal, UCAL_ZONE_OFFSET, &err);
    int32_t dst = ucal_get(cal, UCAL_DST_OFFSET, &err);
    ucal_close(cal);
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
    UCalendar *cal = open_zone(zone);
    if (!cal)
        return RS_EINVAL;
    int y, m, d;
    rs_cal_civil(day, &y, &m, &d);
    UErrorCode err = U_ZERO_ERROR;
    ucal_clear(cal);
    ucal_setDateTime(cal, y, m - 1, d, minute / 60, minute % 60, 0, &err);
    UDate ms = ucal_getMillis(cal, &err);
    ucal_close(cal);
    if (U_FAILURE(err))
        return RS_EINVAL;
    *epoch = (int64_t)(ms / 1000.0);
    return RS_OK;
}
