/* notify_render.c — variables and rendering of one customer message (see notify_render.h). */
#include "app/notify_render.h"

#include <stdio.h>
#include <string.h>

#include "app/notify_templates.h"

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

enum rs_err rs_app_notify_render(const struct rs_tplset *set, const struct rs_notify_render_in *in, char *buf,
                                 size_t cap, struct rs_rendered *out, char unsub_url[512])
{
    const struct rs_notify_customer *c = in->cust;
    char base[400], first[101], track_url[512];
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
    vars[RS_TV_CARRIER] = in->carrier;
    vars[RS_TV_TRACKING_NUMBER] = in->tracking_number;
    vars[RS_TV_UNSUBSCRIBE_URL] = unsub_url[0] ? unsub_url : NULL;
    vars[RS_TV_SUPPORT_URL] = in->cfg ? in->cfg->support_url : NULL;
    struct rs_render_ctx ctx = {.status = in->status, .substatus = in->substatus};
    return rs_notify_render(set, in->trigger, in->channel, &ctx, vars, buf, cap, out);
}
