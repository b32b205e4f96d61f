/* notify_render.h — the variables of one customer message (names, links, the unsubscribe URL)
 * gathered from the order, customer and settings, and rendered with the merchant's template set.
 * Shared by the dispatcher (at send time) and the preview (API and CLI), so a preview shows
 * exactly what would be sent. */
#ifndef RS_APP_NOTIFY_RENDER_H
#define RS_APP_NOTIFY_RENDER_H

#include <stddef.h>

#include "app/notify_settings.h"
#include "core/notify_tpl.h"
#include "store/store_notify.h"

struct rs_notify_render_in {
    const struct rs_notify_config *cfg; /* may be NULL (preview of a merchant without settings) */
    const char *merchant_name;          /* the merchant's name when cfg has none */
    const char *base_url;               /* when cfg has no public_base_url */
    const struct rs_notify_customer *cust;
    enum rs_trigger trigger;
    enum rs_channel channel;
    enum rs_status status;
    enum rs_substatus substatus;
    const char *carrier, *tracking_number; /* may be NULL */
    const char *unsub_token;               /* may be NULL */
    const struct rs_notify_extras *extras; /* promise and coupon texts; may be NULL */
};

/* What a message says beyond the order: the shipment's window and the one told before, and the
 * coupon of a compensation message, formatted for the customer's language. */
struct rs_notify_extras {
    char promise_text[200], previous_text[200];
    /* why the window is what it is when the carrier set it: "según la nueva estimación de SEUR" */
    char carrier_estimate_text[160];
    bool has_window;            /* promise_text is the shipment's current window: */
    int64_t earliest, latest;   /* its days, for rs_store_promise_set_told after sending */
    char coupon_code[48], coupon_value[48], coupon_expiry[120];
    /* how long the carrier has been silent, at render time (stalled): "5", "5 días", the day of
     * the last scan in the customer's zone (util/tz.h rs_tz_customer_zone); empty when the shipment has no scan */
    char quiet_days[12], quiet_days_text[40], last_event_text[120];
    /* where the parcel waits to be collected, when its scans name the point; the last day it
     * is kept, formatted ("jueves 10 de diciembre"), and as said on the customer's today
     * ("mañana, jueves 10 de diciembre", "el jueves 10 de diciembre"; rs_app_notify_deadline) */
    char pickup_point[RS_MAX_PICKUP_LEN + 1], pickup_address[RS_MAX_PICKUP_LEN + 1], pickup_deadline[120];
    char pickup_deadline_text[140];
};
struct rs_store;
struct rs_locfmt;
/* X's pickup_deadline and pickup_deadline_text for the last day DEADLINE (days since 1970) read
 * on the customer's day TODAY: "hoy, …" / "mañana, …" / "el …" ("today, …", "tomorrow, …", "…").
 * Both empty when the day cannot be formatted. */
void rs_app_notify_deadline(struct rs_locfmt *lf, const char *locale, int64_t deadline, int64_t today,
                            struct rs_notify_extras *x);
/* Fill X for SHIPMENT_ID (0: none) and COUPON_ID (0: none) in LOCALE, the silence measured at
 * rs_now(). Missing data leaves fields empty; only store errors are returned. */
enum rs_err rs_app_notify_extras(struct rs_store *s, struct rs_locfmt *lf, int64_t shipment_id, int64_t coupon_id,
                                 const char *locale, struct rs_notify_extras *x) RS_MUST_CHECK;

/* The silence texts of X (quiet_days, quiet_days_text, last_event_text) for DAYS whole days since
 * LAST_EVENT_AT, the day formatted in TZ (UTC when unknown). Shared with the preview. */
void rs_app_notify_quiet_text(struct rs_locfmt *lf, const char *locale, int64_t days, int64_t last_event_at,
                              const char *tz, struct rs_notify_extras *x);

/* Load SET for LOCALE: embedded defaults plus the merchant's override for that language.
 * RS_EINVAL with ERR when the override is broken (settings validation prevents that). */
enum rs_err rs_app_notify_tplset(const struct rs_notify_config *cfg, const char *locale,
                                 struct rs_tplset *set, struct rs_tpl_error *err) RS_MUST_CHECK;

/* Render IN with SET into BUF (CAP bytes). OUT: *out; UNSUB_URL gets the one-click link ("" when
 * no token). Errors as rs_notify_render. */
/* A Spanish date (LANG "es") as an SMS says it: without its weekdays when one of them is
 * "sábado", the only Spanish weekday outside GSM-7 (its á alone makes the whole SMS UCS-2, three
 * parts instead of one): "el sábado 12 de enero" → "el 12 de enero", "entre el viernes 11 y el
 * sábado 12 de enero" → "entre el 11 y el 12 de enero". Returns IN itself when nothing changes
 * (another language, no Saturday, NULL), else OUT (CAP bytes). */
const char *rs_app_notify_sms_date(const char *lang, const char *in, char *out, size_t cap);

enum rs_err rs_app_notify_render(const struct rs_tplset *set, const struct rs_notify_render_in *in, char *buf,
                                 size_t cap, struct rs_rendered *out, char unsub_url[512]) RS_MUST_CHECK;

#endif
