/* privacy.c — export, erase and retention (see privacy.h). */
#include "app/privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_privacy.h"
#include "util/timefmt.h"

enum rs_err rs_app_privacy_who(const char *email, const char *phone, struct rs_privacy_who *who,
                               struct rs_app_error *err)
{
    memset(who, 0, sizeof *who);
    bool has_email = email && *email, has_phone = phone && *phone;
    if (!has_email && !has_phone) {
        err->code = "missing_field";
        snprintf(err->message, sizeof err->message,
                 "say whose data: an e-mail (email) or a phone number in E.164 (phone, e.g. +34600111222)");
        return RS_EINVAL;
    }
    /* the write path's own checks and normalisation, so the lookup matches what was stored */
    struct rs_order_in o = {.order_ref = "-", .placed_at = 1,
                            .customer = {.email = has_email ? email : NULL, .phone = has_phone ? phone : NULL}};
    struct rs_prep_buf buf;
    enum rs_err e = rs_app_order_prepare(&o, &buf, err);
    if (e) {
        /* the messages name "customer.email": here the field is just "email"/"phone" */
        const char *p = strstr(err->message, "customer.");
        if (p == err->message)
            memmove(err->message, err->message + 9, strlen(err->message + 9) + 1);
        return e;
    }
    if (o.customer.email)
        snprintf(who->email, sizeof who->email, "%s", o.customer.email);
    if (o.customer.phone)
        snprintf(who->phone, sizeof who->phone, "%s", o.customer.phone);
    return RS_OK;
}

static const char *opt(const char *v)
{
    return v[0] ? v : NULL;
}

enum rs_err rs_app_privacy_export(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                  int64_t now, json_t **out)
{
    json_t *doc = NULL;
    enum rs_err e = rs_store_privacy_export(s, merchant_id, opt(who->email), opt(who->phone), &doc);
    if (e)
        return e;
    char t[RS_TIME_LEN];
    rs_time_format(now, 0, t);
    json_object_set_new(doc, "exported_at", json_string(t));
    *out = doc;
    return RS_OK;
}

enum rs_err rs_app_privacy_erase(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                 int64_t now, json_t **out)
{
    json_t *changed = NULL;
    enum rs_err e = rs_store_privacy_erase(s, merchant_id, opt(who->email), opt(who->phone), now, &changed);
    if (e)
        return e;
    json_t *doc = json_object();
    char t[RS_TIME_LEN];
    rs_time_format(now, 0, t);
    json_object_set_new(doc, "erased_at", json_string(t));
    json_object_set_new(doc, "changed", changed);
    *out = doc;
    return RS_OK;
}

enum rs_err rs_app_privacy_sweep(struct rs_store *s, int64_t now, int inbound_days)
{
    struct rs_sweep_counts c;
    enum rs_err e = rs_store_privacy_sweep(s, now, RS_PRIVACY_RETENTION_DAYS, inbound_days, &c);
    if (!e && (c.messages || c.conversations || c.notifications || c.incidents || c.inbound))
        fprintf(stderr,
                "rastro: retention: deleted %d messages, %d empty conversations, the copies of %d notifications, "
                "the texts of %d finished incidents, %d inbound log rows\n",
                c.messages, c.conversations, c.notifications, c.incidents, c.inbound);
    return e;
}

int rs_app_privacy_inbound_days(void)
{
    const char *v = getenv("RASTRO_INBOUND_DAYS");
    if (v && *v) {
        char *end;
        long d = strtol(v, &end, 10);
        if (!*end && d >= 0 && d <= 100000)
            return (int)d;
    }
    return RS_PRIVACY_INBOUND_DAYS;
}
