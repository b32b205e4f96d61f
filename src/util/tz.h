/* tz.h — named time zones (IANA ids such as "America/Mexico_City") with ICU, DST-correct.
 *
 * The core never sees a zone: the edges turn an instant into the local day and minute (or the
 * UTC offset in force) with these and pass plain numbers in.
 *
 * ICU answers from its own bundled tz data: Debian 12's ICU 72.1 bundles tz 2022e, which predates
 * Mexico's abolition of DST (Oct 2022) and would put America/Mexico_City on -05:00 in summer. So
 * when the system's zoneinfo (package tzdata, RS_TZ_DIR to point elsewhere, "" for ICU only) is
 * newer than ICU's, its TZif file gives the offsets it covers: up to the zone's last transition,
 * and after it when the zone keeps one offset (no DST rule); zones with DST rules go on with ICU
 * after their last listed transition. */
#ifndef RS_TZ_H
#define RS_TZ_H

#include <stdint.h>

#include "core/err.h"

/* UTC offset (minutes east of UTC, DST included) of ZONE at instant EPOCH (seconds).
 * RS_EINVAL for an unknown zone id (ICU would silently fall back to GMT; we refuse). */
enum rs_err rs_tz_offset(const char *zone, int64_t epoch, int *offset_min) RS_MUST_CHECK;

/* Local civil day number and minute after local midnight of EPOCH in ZONE. */
enum rs_err rs_tz_local(const char *zone, int64_t epoch, int64_t *day, int *minute) RS_MUST_CHECK;

/* The instant of local DAY at MINUTE in ZONE (for a wall time skipped by a DST jump, the instant
 * after the jump; for a repeated one, the first). */
enum rs_err rs_tz_instant(const char *zone, int64_t day, int minute, int64_t *epoch) RS_MUST_CHECK;

/* The instant of WALL, a local date and time of country CC (ISO alpha-2) written as if it were
 * UTC seconds (what a timestamp without an offset parses to), and the offset in force there.
 * The country's zone is the one all its zones agree with at that time, or for countries that
 * span several (ES with the Canaries, US, MX, BR, …) the one where most people live.
 * RS_ENOTFOUND when CC is unknown or has no such zone. */
enum rs_err rs_tz_country_instant(const char *cc, int64_t wall, int64_t *epoch, int *offset_min) RS_MUST_CHECK;

/* The IANA zone a customer reads times and days in, one rule for the tracking page and its
 * JSON, messages, the bot and quiet hours (docs/notifications.md#the-customers-time-zone):
 * CUSTOMER_TZ when it is a known zone; else, when the destination country DEST_COUNTRY (ISO
 * alpha-2) is not SHOP_ZONE's and all its zones keep one offset (now and half a year on: CO,
 * DE, not MX, US or ES with the Canaries), that country's zone; else SHOP_ZONE (the notification
 * settings' timezone, else the merchant's) when known; else "UTC". Written to OUT, returned. */
const char *rs_tz_customer_zone(const char *customer_tz, const char *dest_country, const char *shop_zone, int64_t at,
                                char out[64]);

#endif
