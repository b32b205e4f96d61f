/* notify_render.c — variables and rendering of one customer message (see notify_render.h). */
#include "app/notify_render.h"

#include <stdio.h>
#include <string.h>

#include "app/notify_templates.h"
#include "ingest/inbound.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "store/store_promise.h"
#include "util/locfmt.h"
#include "util/timefmt.h"
#include "util/tz.h"

enum rs_err rs_app_notify_tplset(const struct rs_notify_config *cfg, const char *locale, struct rs_tplset *set,
                                 struct rs_tpl_error *err)
{
    const char *lang = rs_notify_lang(locale);
    const char *ov = !cfg ? NULL : strcmp(lang, "es") == 0 ? cfg->templates_es : cfg->templates_en;
    return rs_notify_templates_load(set, locale, ov, ov ? strlen(ov) : 0, err);
}

static void trim_base(const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in ? in : "");
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

const char *rs_app_notify_sms_date(const char *lang, const char *in, char *out, size_t cap)
{
    static const char *const weekdays[] = {"lunes ",   "martes ",  "miércoles ", "jueves ",
                                           "viernes ", "sábado ",  "domingo "};
    if (!in || !lang || strcmp(lang, "es") != 0 || !strstr(in, "sábado") || cap <= strlen(in))
        return in;
    size_t o = 0;
    for (const char *p = in; *p;) {
        size_t skip = 0;
        for (size_t i = 0; (p == in || p[-1] == ' ') && i < sizeof weekdays / sizeof weekdays[0] && !skip; i++)
            if (strncmp(p, weekdays[i], strlen(weekdays[i])) == 0)
                skip = strlen(weekdays[i]);
        if (skip)
            p += skip;
        else
            out[o++] = *p++;
    }
    out[o] = '\0';
    return out;
}

enum rs_err rs_app_notify_render(const struct rs_tplset *set, const struct rs_notify_render_in *in, char *buf,
                                 size_t cap, struct rs_rendered *out, char unsub_url[512])
{
    const struct rs_notify_customer *c = in->cust;
    char base[400], first[101], track_url[512], carrier[96];
    trim_base(in->cfg && in->cfg->public_base_url ? in->cfg->public_base_url : in->base_url, base, sizeof base);
    size_t fl = strcspn(c->name, " ");
    snprintf(first, sizeof first, "%.*s", (int)(fl < 100 ? fl : 100), c->name);
    snprintf(track_url, sizeof track_url, "%s/t/%s", base, c->tracking_code);
    unsub_url[0] = '\0';
    if (in->unsub_token && *in->unsub_token)
        snprintf(unsub_url, 512, "%s/u/%s", base, in->unsub_token);
    const char *vars[RS_TV__COUNT] = {0};
    vars[RS_TV_FIRST_NAME] = first;
    vars[RS_TV_MERCHANT_NAME] = in->cfg && in->cfg->merchant_name ? in->cfg->merchant_name : in->merchant_name;
    vars[RS_TV_ORDER_REF] = c->order_ref;
    vars[RS_TV_TRACKING_CODE] = c->tracking_code;
    vars[RS_TV_TRACKING_URL] = track_url;
    vars[RS_TV_CARRIER] = rs_carrier_name(in->carrier, carrier, sizeof carrier) ? carrier : NULL;
    vars[RS_TV_TRACKING_NUMBER] = in->tracking_number;
    vars[RS_TV_UNSUBSCRIBE_URL] = unsub_url[0] ? unsub_url : NULL;
    vars[RS_TV_SUPPORT_URL] = in->cfg ? in->cfg->support_url : NULL;
    /* the days an SMS names, as rs_app_notify_sms_date says them */
    char sms_day[6][200];
    if (in->extras) {
        const struct rs_notify_extras *x = in->extras;
        vars[RS_TV_PROMISE_TEXT] = x->promise_text[0] ? x->promise_text : NULL;
        vars[RS_TV_PREVIOUS_PROMISE_TEXT] = x->previous_text[0] ? x->previous_text : NULL;
        vars[RS_TV_CARRIER_ESTIMATE_TEXT] = x->carrier_estimate_text[0] ? x->carrier_estimate_text : NULL;
        vars[RS_TV_COUPON_CODE] = x->coupon_code[0] ? x->coupon_code : NULL;
        vars[RS_TV_COUPON_VALUE] = x->coupon_value[0] ? x->coupon_value : NULL;
        vars[RS_TV_COUPON_EXPIRY] = x->coupon_expiry[0] ? x->coupon_expiry : NULL;
        vars[RS_TV_QUIET_DAYS] = x->quiet_days[0] ? x->quiet_days : NULL;
        vars[RS_TV_QUIET_DAYS_TEXT] = x->quiet_days_text[0] ? x->quiet_days_text : NULL;
        vars[RS_TV_LAST_EVENT_TEXT] = x->last_event_text[0] ? x->last_event_text : NULL;
        vars[RS_TV_PICKUP_POINT] = x->pickup_point[0] ? x->pickup_point : NULL;
        vars[RS_TV_PICKUP_ADDRESS] = x->pickup_address[0] ? x->pickup_address : NULL;
        vars[RS_TV_PICKUP_DEADLINE] = x->pickup_deadline[0] ? x->pickup_deadline : NULL;
        vars[RS_TV_PICKUP_DEADLINE_TEXT] = x->pickup_deadline_text[0] ? x->pickup_deadline_text : NULL;
        if (in->channel == RS_CH_SMS) {
            static const enum rs_tvar days[6] = {RS_TV_PROMISE_TEXT, RS_TV_PREVIOUS_PROMISE_TEXT,
                                                    RS_TV_COUPON_EXPIRY, RS_TV_LAST_EVENT_TEXT,
                                                    RS_TV_PICKUP_DEADLINE, RS_TV_PICKUP_DEADLINE_TEXT};
            for (int i = 0; i < 6; i++)
                vars[days[i]] = rs_app_notify_sms_date(set->lang, vars[days[i]], sms_day[i], sizeof sms_day[i]);
        }
    }
    struct rs_render_ctx ctx = {.status = in->status, .substatus = in->substatus};
    return rs_notify_render(set, in->trigger, in->channel, &ctx, vars, buf, cap, out);
}

void rs_app_notify_deadline(struct rs_locfmt *lf, const char *locale, int64_t deadline, int64_t today,
                            struct rs_notify_extras *x)
{
    x->pickup_deadline[0] = x->pickup_deadline_text[0] = '\0';
    if (rs_locfmt_civil_day(lf, locale, deadline, x->pickup_deadline, sizeof x->pickup_deadline) != RS_OK) {
        x->pickup_deadline[0] = '\0';
        return;
    }
    bool relative;
    const char *lead = rs_locfmt_day_lead(rs_notify_lang(locale), deadline, today, &relative);
    snprintf(x->pickup_deadline_text, sizeof x->pickup_deadline_text, "%s%s", lead, x->pickup_deadline);
}

void rs_app_notify_quiet_text(struct rs_locfmt *lf, const char *locale, int64_t days, int64_t last_event_at,
                              const char *tz, struct rs_notify_extras *x)
{
    bool es = strcmp(rs_notify_lang(locale), "es") == 0;
    snprintf(x->quiet_days, sizeof x->quiet_days, "%lld", (long long)days);
    snprintf(x->quiet_days_text, sizeof x->quiet_days_text, "%lld %s", (long long)days,
             es ? (days == 1 ? "día" : "días") : (days == 1 ? "day" : "days"));
    if (rs_locfmt_format(lf, locale, tz, RS_LOCFMT_DAY, last_event_at, x->last_event_text,
                         sizeof x->last_event_text) != RS_OK &&
        rs_locfmt_format(lf, locale, "UTC", RS_LOCFMT_DAY, last_event_at, x->last_event_text,
                         sizeof x->last_event_text) != RS_OK)
        x->last_event_text[0] = '\0';
}

/* A day number as an instant inside that day when formatted in UTC. */
static int64_t noon(int64_t day)
{
    return day * 86400 + 12 * 3600;
}

enum rs_err rs_app_notify_extras(struct rs_store *s, struct rs_locfmt *lf, int64_t shipment_id, int64_t coupon_id,
                                 const char *locale, struct rs_notify_extras *x)
{
    memset(x, 0, sizeof *x);
    const char *loc = locale && *locale ? locale : "es";
    bool es = strcmp(rs_notify_lang(loc), "es") == 0;
    enum rs_err e;
    if (shipment_id) {
        struct rs_promise_ship sh;
        e = rs_store_promise_ship_get(s, shipment_id, &sh);
        if (e && e != RS_ENOTFOUND)
            return e;
        /* the customer's day (util/tz.h), not the shop's: the day of the last scan, and whether the
         * last day to collect is tomorrow for them */
        char zone[64] = "UTC";
        if (!e) {
            enum rs_err ze = rs_store_order_zone(s, sh.order_id, rs_now(), zone);
            if (ze && ze != RS_ENOTFOUND)
                return ze;
            if (ze)
                snprintf(zone, sizeof zone, "UTC");
        }
        if (!e && sh.last_event_at > 0) {
            int64_t days = (rs_now() - sh.last_event_at) / 86400;
            rs_app_notify_quiet_text(lf, loc, days < 0 ? 0 : days, sh.last_event_at, zone, x);
        }
        struct rs_pickup pk;
        enum rs_err pe = rs_store_shipment_pickup(s, shipment_id, &pk);
        if (pe)
            return pe;
        if (pk.found) {
            snprintf(x->pickup_point, sizeof x->pickup_point, "%s", pk.name);
            snprintf(x->pickup_address, sizeof x->pickup_address, "%s", pk.address);
            int64_t today;
            int minute;
            if (rs_tz_local(zone, rs_now(), &today, &minute) != RS_OK)
                today = rs_now() / 86400;
            if (pk.deadline)
                rs_app_notify_deadline(lf, loc, pk.deadline, today, x);
        }
        if (!e && sh.has_promise && !sh.promise.final) {
            const struct rs_stored_promise *p = &sh.promise;
            if (rs_locfmt_day_range(lf, loc, "UTC", noon(p->earliest), noon(p->latest), x->promise_text,
                                    sizeof x->promise_text) == RS_OK) {
                x->has_window = true;
                x->earliest = p->earliest;
                x->latest = p->latest;
            }
            if ((p->told_earliest != p->earliest || p->told_latest != p->latest) && p->told_latest >= p->told_earliest &&
                rs_locfmt_day_range(lf, loc, "UTC", noon(p->told_earliest), noon(p->told_latest), x->previous_text,
                                    sizeof x->previous_text) != RS_OK)
                x->previous_text[0] = '\0';
            /* the window ends on the carrier's own last day (its estimate is the floor,
             * promise.md): the customer is told whose date it is */
            if (x->has_window && sh.eta_to >= 0 && p->latest == sh.eta_to && p->earliest >= sh.eta_from) {
                char name[96];
                if (rs_carrier_name(sh.carrier, name, sizeof name))
                    snprintf(x->carrier_estimate_text, sizeof x->carrier_estimate_text,
                             es ? "según la nueva estimación de %s" : "per %s's new estimate", name);
                else
                    snprintf(x->carrier_estimate_text, sizeof x->carrier_estimate_text, "%s",
                             es ? "según la nueva estimación del transportista" : "per the carrier's new estimate");
            }
        }
    }
    if (coupon_id) {
        struct rs_coupon c;
        e = rs_store_coupon_get(s, coupon_id, &c);
        if (e && e != RS_ENOTFOUND)
            return e;
        if (!e) {
            snprintf(x->coupon_code, sizeof x->coupon_code, "%s", c.code);
            /* the customer's own conventions ("$150.00" in Mexico, "5,00 €" in Spain, "10 %") */
            rs_locfmt_coupon_value(loc, c.kind, c.value_cents, c.currency, x->coupon_value, sizeof x->coupon_value);
            if (c.expires_at > 0 && rs_locfmt_format(lf, loc, "UTC", RS_LOCFMT_DAY, c.expires_at, x->coupon_expiry,
                                                     sizeof x->coupon_expiry) != RS_OK)
                x->coupon_expiry[0] = '\0';
        }
    }
    return RS_OK;
}
