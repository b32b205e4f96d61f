/* notify_preview.c — render a notification of an order without sending it (notify_preview.h). */
#include "app/notify_preview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_render.h"
#include "app/notify_settings.h"
#include "app/notify_templates.h"
#include "core/sms.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "util/locfmt.h"
#include "util/timefmt.h"

/* The status a trigger is about, for the plain-word phrases. */
static enum rs_status trigger_status(enum rs_trigger t)
{
    switch (t) {
    case RS_TRIG_SHIPPED: return RS_STATUS_IN_TRANSIT;
    case RS_TRIG_OUT_FOR_DELIVERY:
    case RS_TRIG_COURIER_NEARBY: return RS_STATUS_OUT_FOR_DELIVERY;
    case RS_TRIG_ATTEMPT_FAILED: return RS_STATUS_ATTEMPT_FAILED;
    case RS_TRIG_AVAILABLE_FOR_PICKUP: return RS_STATUS_AVAILABLE_FOR_PICKUP;
    case RS_TRIG_DELIVERED: return RS_STATUS_DELIVERED;
    case RS_TRIG_EXCEPTION: return RS_STATUS_EXCEPTION;
    default: return RS_STATUS_NONE;
    }
}

/* The shipment of ORDER a preview of trigger T is about: the first in the trigger's status (for a
 * pickup reminder, the one waiting at a pickup point), else for a late, stalled or waiting parcel
 * the first still on its way, else the first. An order of several parcels then shows the one its
 * message would be sent for, not a delivered sibling with made-up values. NULL without shipments. */
static json_t *preview_shipment(json_t *order, enum rs_trigger t)
{
    json_t *list = json_object_get(order, "shipments");
    enum rs_status want = t == RS_TRIG_PICKUP_REMINDER ? RS_STATUS_AVAILABLE_FOR_PICKUP : trigger_status(t);
    bool open = t == RS_TRIG_PROMISE_SLIPPED || t == RS_TRIG_PROMISE_BREACHED || t == RS_TRIG_STALLED;
    size_t i;
    json_t *sh;
    json_array_foreach(list, i, sh) {
        const char *ss = json_string_value(json_object_get(sh, "status"));
        enum rs_status st = ss ? rs_status_parse(ss) : RS_STATUS_NONE;
        if (want != RS_STATUS_NONE ? st == want : open && st != RS_STATUS_NONE && !rs_status_is_terminal(st))
            return sh;
    }
    return json_array_get(list, 0);
}

static int64_t noon(int64_t day)
{
    return day * 86400 + 12 * 3600;
}

/* The window before the last change of the shipment's promise (promise_history of SH, as the
 * order document shows it): for a slip or breach preview when the customer was never told
 * another one. FALSE when the history has no earlier window. */
static bool previous_from_history(json_t *sh, int64_t *earliest, int64_t *latest)
{
    json_t *hist = json_object_get(sh, "promise_history");
    for (size_t i = json_array_size(hist); i-- > 0;) {
        json_t *h = json_array_get(hist, i);
        const char *oe = json_string_value(json_object_get(h, "old_earliest"));
        const char *ol = json_string_value(json_object_get(h, "old_latest"));
        if (oe && ol && rs_date_parse(oe, earliest) == RS_OK && rs_date_parse(ol, latest) == RS_OK &&
            *earliest <= *latest)
            return true;
    }
    return false;
}

/* Fill what a promise, stall or coupon message says from the order's real data (the shipment's
 * window and history, its last scan, newest coupon); for promise_slipped, promise_breached,
 * stalled and compensation,
 * plausible sample values where the order has none, named in SAMPLE so the preview says so. */
static enum rs_err preview_extras(struct rs_store *s, int64_t merchant_id, int64_t order_id, json_t *sh,
                                  enum rs_trigger t, const char *loc, struct rs_notify_extras *x,
                                  json_t *sample)
{
    memset(x, 0, sizeof *x);
    int64_t shipment_id = 0, coupon_id = 0;
    const char *carrier = json_string_value(json_object_get(sh, "carrier"));
    const char *number = json_string_value(json_object_get(sh, "tracking_number"));
    struct rs_shipment_key sk;
    if (carrier && number && rs_store_shipment_find(s, merchant_id, carrier, number, &sk) == RS_OK)
        shipment_id = sk.id;
    enum rs_err e = rs_store_coupon_latest(s, order_id, &coupon_id);
    if (e && e != RS_ENOTFOUND)
        return e;
    struct rs_locfmt *lf = rs_locfmt_new();
    e = rs_app_notify_extras(s, lf, shipment_id, coupon_id, loc, x);
    bool delay = t == RS_TRIG_PROMISE_SLIPPED || t == RS_TRIG_PROMISE_BREACHED;
    int64_t today = rs_now() / 86400;
    if (!e && delay && x->promise_text[0] && !x->previous_text[0]) {
        int64_t pe, pl;
        if (previous_from_history(sh, &pe, &pl) &&
            rs_locfmt_day_range(lf, loc, "UTC", noon(pe), noon(pl), x->previous_text, sizeof x->previous_text) != RS_OK)
            x->previous_text[0] = '\0';
    }
    if (!e && delay) {
        if (!x->promise_text[0] &&
            rs_locfmt_day_range(lf, loc, "UTC", noon(today + 3), noon(today + 5), x->promise_text,
                                sizeof x->promise_text) == RS_OK)
            json_array_append_new(sample, json_string("promise_text"));
        if (!x->previous_text[0] &&
            rs_locfmt_day_range(lf, loc, "UTC", noon(today + 1), noon(today + 2), x->previous_text,
                                sizeof x->previous_text) == RS_OK)
            json_array_append_new(sample, json_string("previous_promise_text"));
    }
    /* stalled: the real silence when the shipment has been quiet a day or more; else the
     * shortest stall the default rule finds (2 x 48 h = 4 days) */
    if (!e && t == RS_TRIG_STALLED && (!x->quiet_days[0] || atoll(x->quiet_days) < 1)) {
        rs_app_notify_quiet_text(lf, loc, 4, rs_now() - 4 * 86400, "UTC", x);
        json_array_append_new(sample, json_string("quiet_days"));
        json_array_append_new(sample, json_string("quiet_days_text"));
        json_array_append_new(sample, json_string("last_event_text"));
    }
    /* ready for pickup, or its reminder (kept until tomorrow): a point of the kind carriers name,
     * where the order's scans name none */
    bool pickup = t == RS_TRIG_AVAILABLE_FOR_PICKUP || t == RS_TRIG_PICKUP_REMINDER;
    if (!e && pickup && !x->pickup_point[0] && !x->pickup_address[0]) {
        bool es = strcmp(rs_notify_lang(loc), "es") == 0;
        snprintf(x->pickup_point, sizeof x->pickup_point, "%s",
                 es ? "Oficina de Correos Madrid Centro" : "Post Office Madrid Centro");
        snprintf(x->pickup_address, sizeof x->pickup_address, "%s", "Calle Mayor 12, 28013 Madrid");
        rs_app_notify_deadline(lf, loc, today + (t == RS_TRIG_PICKUP_REMINDER ? 1 : 10), today, x);
        json_array_append_new(sample, json_string("pickup_point"));
        json_array_append_new(sample, json_string("pickup_address"));
        json_array_append_new(sample, json_string("pickup_deadline"));
        json_array_append_new(sample, json_string("pickup_deadline_text"));
    }
    if (!e && t == RS_TRIG_COMPENSATION && !x->coupon_code[0]) {
        bool es = strcmp(rs_notify_lang(loc), "es") == 0;
        snprintf(x->coupon_code, sizeof x->coupon_code, "%s", es ? "MUESTRA-AB2C-D3EF" : "SAMPLE-AB2C-D3EF");
        snprintf(x->coupon_value, sizeof x->coupon_value, "%s", es ? "10 %" : "10%");
        if (rs_locfmt_civil_day(lf, loc, today + 30, x->coupon_expiry, sizeof x->coupon_expiry) != RS_OK)
            x->coupon_expiry[0] = '\0';
        json_array_append_new(sample, json_string("coupon_code"));
        json_array_append_new(sample, json_string("coupon_value"));
        json_array_append_new(sample, json_string("coupon_expiry"));
    }
    rs_locfmt_free(lf);
    return e;
}

static enum rs_err bad(struct rs_app_error *err, const char *code, const char *msg)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return RS_EINVAL;
}

enum rs_err rs_app_notify_preview(struct rs_store *s, int64_t merchant_id, const char *order_ref, const char *trigger,
                                  const char *channel, const char *locale, const char *base_url, json_t **out,
                                  struct rs_app_error *err)
{
    int t = trigger ? rs_trigger_parse(trigger, -1) : -1;
    int c = channel ? rs_channel_parse(channel, -1) : -1;
    if (t < 0)
        return bad(err, "invalid_field", "trigger must be one of order_confirmed, shipped, out_for_delivery, "
                                         "courier_nearby, attempt_failed, available_for_pickup, delivered, exception, "
                                         "promise_slipped, promise_breached, compensation, stalled, "
                                         "pickup_reminder");
    if (c < 0 || c == RS_CH_WEBHOOK)
        return bad(err, "invalid_field", "channel must be email, sms, whatsapp or push (webhooks carry data, not text)");
    if (locale && *locale) {
        bool ok = (strncmp(locale, "es", 2) == 0 || strncmp(locale, "en", 2) == 0) &&
                  (locale[2] == '\0' || ((locale[2] == '-' || locale[2] == '_') && strlen(locale) <= 8));
        if (!ok)
            return bad(err, "invalid_field", "locale must be \"es\" or \"en\" (a region may follow, e.g. \"es-MX\")");
    }
    struct rs_order_key key;
    enum rs_err e = rs_store_order_find(s, merchant_id, order_ref, &key);
    if (e)
        return e;
    struct rs_notify_customer cust;
    struct rs_notify_merchant m;
    if ((e = rs_store_notify_customer(s, key.id, &cust)) || (e = rs_store_notify_merchant(s, merchant_id, &m)))
        return e;
    struct rs_notify_config cfg;
    bool have_cfg = false;
    if (m.config) {
        char msg[256];
        have_cfg = rs_notify_config_parse(m.config, &cfg, msg, sizeof msg) == RS_OK;
    }
    /* the shipment the message is about gives carrier and tracking number */
    json_t *order = NULL, *sh = NULL;
    const char *carrier = NULL, *number = NULL;
    enum rs_substatus sub = RS_SUB_NONE;
    enum rs_status st = trigger_status((enum rs_trigger)t);
    if (rs_store_order_json(s, merchant_id, order_ref, &order) == RS_OK) {
        sh = preview_shipment(order, (enum rs_trigger)t);
        carrier = json_string_value(json_object_get(sh, "carrier"));
        number = json_string_value(json_object_get(sh, "tracking_number"));
        const char *ss = json_string_value(json_object_get(sh, "status"));
        const char *subs = json_string_value(json_object_get(sh, "substatus"));
        if (ss && rs_status_parse(ss) == st && subs && *subs && rs_substatus_parse(subs) >= 0)
            sub = (enum rs_substatus)rs_substatus_parse(subs);
    }
    if (t == RS_TRIG_COURIER_NEARBY)
        sub = RS_SUB_COURIER_NEARBY;
    const char *loc = locale && *locale ? locale : cust.locale[0] ? cust.locale : m.locale[0] ? m.locale : "es";
    struct rs_notify_extras extras;
    json_t *sample = json_array();
    if ((e = preview_extras(s, merchant_id, key.id, sh, (enum rs_trigger)t, loc, &extras, sample))) {
        json_decref(sample);
        json_decref(order);
        if (have_cfg)
            rs_notify_config_release(&cfg);
        free(m.config);
        return e;
    }
    struct rs_tplset *set = malloc(sizeof *set);
    char *buf = malloc(64 * 1024);
    json_t *o = NULL;
    struct rs_tpl_error te = {0};
    if (!set || !buf) {
        e = RS_ENOMEM;
    } else if (rs_app_notify_tplset(have_cfg ? &cfg : NULL, loc, set, &te) != RS_OK) {
        e = bad(err, "invalid_template", te.msg);
    } else {
        struct rs_notify_render_in in = {
            .cfg = have_cfg ? &cfg : NULL,
            .merchant_name = m.name,
            .base_url = base_url,
            .cust = &cust,
            .trigger = (enum rs_trigger)t,
            .channel = (enum rs_channel)c,
            .status = st,
            .substatus = sub,
            .carrier = carrier,
            .tracking_number = number,
            .unsub_token = "preview",
            .extras = &extras,
        };
        struct rs_rendered r;
        char unsub[512];
        e = rs_app_notify_render(set, &in, buf, 64 * 1024, &r, unsub);
        if (e == RS_ENOTFOUND)
            e = bad(err, "no_template", "there is no template for this trigger and channel");
        if (!e) {
            o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "order_ref", order_ref, "trigger", rs_trigger_name(t), "channel",
                          rs_channel_name(c), "locale", loc, "language", rs_notify_lang(loc));
            /* values the order does not have yet, made up so the text can be read */
            json_object_set(o, "sample", sample);
            if (c == RS_CH_EMAIL) {
                json_object_set_new(o, "subject", json_string(r.part[RS_TPART_EMAIL_SUBJECT]));
                json_object_set_new(o, "text", json_string(r.part[RS_TPART_EMAIL_TEXT]));
                json_object_set_new(o, "html", json_string(r.part[RS_TPART_EMAIL_HTML]));
            } else if (c == RS_CH_SMS) {
                const char *text = r.part[RS_TPART_SMS_TEXT];
                char tl[2048];
                size_t tlen;
                if (have_cfg && cfg.sms_transliterate &&
                    rs_sms_transliterate(text, strlen(text), tl, sizeof tl, &tlen) == RS_OK)
                    text = tl;
                struct rs_sms_info info;
                json_object_set_new(o, "body", json_string(text));
                if (rs_sms_analyze(text, strlen(text), &info) == RS_OK) {
                    json_object_set_new(o, "encoding", json_string(info.encoding == RS_SMS_GSM7 ? "GSM-7" : "UCS-2"));
                    json_object_set_new(o, "segments", json_integer(info.segments));
                    json_object_set_new(o, "characters", json_integer(info.chars));
                    json_object_set_new(o, "units", json_integer(info.units));
                }
            } else if (c == RS_CH_PUSH) {
                json_object_set_new(o, "title", json_string(r.part[RS_TPART_PUSH_TITLE]));
                json_object_set_new(o, "body", json_string(r.part[RS_TPART_PUSH_BODY]));
            } else {
                json_object_set_new(o, "body", json_string(r.part[RS_TPART_WA_TEXT]));
                json_object_set_new(o, "template", json_string(r.part[RS_TPART_WA_TEMPLATE]));
                json_t *p = json_array();
                for (int i = 0; i < r.n_wa_params; i++)
                    json_array_append_new(p, json_string(r.wa_params[i]));
                json_object_set_new(o, "parameters", p);
            }
        }
    }
    json_decref(order);
    json_decref(sample);
    if (have_cfg)
        rs_notify_config_release(&cfg);
    free(m.config);
    free(set);
    free(buf);
    if (!e)
        *out = o;
    return e;
}
