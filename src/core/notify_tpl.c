/* notify_tpl.c — parsing the sectioned template files and rendering one notification
 * (see notify_tpl.h for the format and the ownership rules). */
#include "core/notify_tpl.h"

#include <stdio.h>
#include <string.h>

static const char *const tvar_names[RS_TV__COUNT] = {
    [RS_TV_FIRST_NAME] = "first_name",
    [RS_TV_MERCHANT_NAME] = "merchant_name",
    [RS_TV_ORDER_REF] = "order_ref",
    [RS_TV_TRACKING_CODE] = "tracking_code",
    [RS_TV_TRACKING_URL] = "tracking_url",
    [RS_TV_CARRIER] = "carrier",
    [RS_TV_TRACKING_NUMBER] = "tracking_number",
    [RS_TV_STATUS_TEXT] = "status_text",
    [RS_TV_DETAIL_TEXT] = "detail_text",
    [RS_TV_PROMISE_TEXT] = "promise_text",
    [RS_TV_PREVIOUS_PROMISE_TEXT] = "previous_promise_text",
    [RS_TV_ETA_TEXT] = "eta_text",
    [RS_TV_PICKUP_POINT] = "pickup_point",
    [RS_TV_PICKUP_ADDRESS] = "pickup_address",
    [RS_TV_PICKUP_DEADLINE] = "pickup_deadline",
    [RS_TV_CAUSE_TEXT] = "cause_text",
    [RS_TV_ACTION_TEXT] = "action_text",
    [RS_TV_NEXT_STEP_TEXT] = "next_step_text",
    [RS_TV_COUPON_CODE] = "coupon_code",
    [RS_TV_COUPON_VALUE] = "coupon_value",
    [RS_TV_COUPON_EXPIRY] = "coupon_expiry",
    [RS_TV_UNSUBSCRIBE_URL] = "unsubscribe_url",
    [RS_TV_SUPPORT_URL] = "support_url",
    [RS_TV_QUIET_DAYS] = "quiet_days",
    [RS_TV_QUIET_DAYS_TEXT] = "quiet_days_text",
    [RS_TV_LAST_EVENT_TEXT] = "last_event_text",
    [RS_TV_SHORT_TEXT] = "short_text",
    [RS_TV_CARRIER_ESTIMATE_TEXT] = "carrier_estimate_text",
    [RS_TV_PICKUP_DEADLINE_TEXT] = "pickup_deadline_text",
};

static const struct {
    enum rs_channel channel;
    const char *name;
    enum rs_tpl_escape esc;
} parts[RS_TPART__COUNT] = {
    [RS_TPART_EMAIL_SUBJECT] = {RS_CH_EMAIL, "subject", RS_TPL_LINE},
    [RS_TPART_EMAIL_HTML] = {RS_CH_EMAIL, "html", RS_TPL_HTML},
    [RS_TPART_EMAIL_TEXT] = {RS_CH_EMAIL, "text", RS_TPL_PLAIN},
    [RS_TPART_SMS_TEXT] = {RS_CH_SMS, "text", RS_TPL_PLAIN},
    [RS_TPART_WA_TEXT] = {RS_CH_WHATSAPP, "text", RS_TPL_PLAIN},
    [RS_TPART_WA_TEMPLATE] = {RS_CH_WHATSAPP, "template", RS_TPL_LINE},
    [RS_TPART_WA_PARAMS] = {RS_CH_WHATSAPP, "params", RS_TPL_LINE},
    [RS_TPART_PUSH_TITLE] = {RS_CH_PUSH, "title", RS_TPL_LINE},
    [RS_TPART_PUSH_BODY] = {RS_CH_PUSH, "body", RS_TPL_PLAIN},
};

static const char *const phrase_names[RS_PHRASE__COUNT] = {
    [RS_PHRASE_STATUS] = "status",
    [RS_PHRASE_DETAIL] = "detail",
    [RS_PHRASE_CAUSE] = "cause",
    [RS_PHRASE_ACTION] = "action",
    [RS_PHRASE_NEXT] = "next",
    [RS_PHRASE_SHORT] = "short",
};

const char *rs_tvar_name(enum rs_tvar v)
{
    return (unsigned)v < RS_TV__COUNT ? tvar_names[v] : "";
}

enum rs_channel rs_tpart_channel(enum rs_tpart p)
{
    return (unsigned)p < RS_TPART__COUNT ? parts[p].channel : RS_CH__COUNT;
}

const char *rs_tpart_name(enum rs_tpart p)
{
    return (unsigned)p < RS_TPART__COUNT ? parts[p].name : "";
}

void rs_tplset_init(struct rs_tplset *set, const char *lang)
{
    memset(set, 0, offsetof(struct rs_tplset, ops));
    set->n_ops = 0;
    snprintf(set->lang, sizeof set->lang, "%s", lang ? lang : "");
}

/* ---- parsing ----------------------------------------------------------------------------- */

#define MAX_PENDING 512

struct pending {
    struct rs_tpl *dst;
    struct rs_tpl val;
};

static bool word_eq(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* The slot KEY (N bytes) names in SET, whether it is a layout (may use {{> content}}), or NULL
 * with a reason in WHY. */
static struct rs_tpl *resolve_key(struct rs_tplset *set, const char *key, size_t n, bool *layout,
                                  const char **why)
{
    const char *d1 = memchr(key, '.', n);
    *layout = false;
    *why = "unknown section";
    if (!d1)
        return NULL;
    size_t l1 = (size_t)(d1 - key);
    const char *rest = d1 + 1;
    size_t lr = n - l1 - 1;
    const char *d2 = memchr(rest, '.', lr);
    if (word_eq(key, l1, "layout")) {
        *layout = true;
        if (word_eq(rest, lr, "email.html"))
            return &set->layout_html;
        if (word_eq(rest, lr, "email.text"))
            return &set->layout_text;
        return NULL;
    }
    for (int k = 0; k < RS_PHRASE__COUNT; k++) {
        if (!word_eq(key, l1, phrase_names[k]))
            continue;
        if (d2)
            return NULL;
        if (word_eq(rest, lr, "default"))
            return k == RS_PHRASE_DETAIL || k == RS_PHRASE_SHORT ? NULL : &set->phrase[k][0];
        char name[40];
        if (lr == 0 || lr >= sizeof name)
            return NULL;
        memcpy(name, rest, lr);
        name[lr] = '\0';
        int slot = k == RS_PHRASE_STATUS ? (int)rs_status_parse(name) : (int)rs_substatus_parse(name);
        if (slot <= 0) {
            *why = k == RS_PHRASE_STATUS ? "unknown status in section" : "unknown sub-status in section";
            return NULL;
        }
        return &set->phrase[k][slot];
    }
    int trig = rs_trigger_parse(key, (long)l1);
    if (trig < 0) {
        *why = "unknown trigger or section kind in section";
        return NULL;
    }
    if (!d2)
        return NULL;
    int ch = rs_channel_parse(rest, (long)(d2 - rest));
    if (ch < 0) {
        *why = "unknown channel in section";
        return NULL;
    }
    if (ch == RS_CH_WEBHOOK) {
        *why = "webhooks carry data and take no template:";
        return NULL;
    }
    const char *pn = d2 + 1;
    size_t lp = (size_t)(key + n - pn);
    for (int p = 0; p < RS_TPART__COUNT; p++)
        if (parts[p].channel == (enum rs_channel)ch && word_eq(pn, lp, parts[p].name))
            return &set->tpl[trig][p];
    *why = "unknown part for this channel in section";
    return NULL;
}

static enum rs_err perr(struct rs_tpl_error *err, int line, const char *fmt, const char *a,
                        size_t alen)
{
    if (err) {
        char shown[64];
        size_t k = 0;
        for (size_t i = 0; i < alen && k < 60; i++)
            shown[k++] = (unsigned char)a[i] < 0x20 ? '?' : a[i];
        shown[k] = '\0';
        err->line = line;
        int w = snprintf(err->msg, sizeof err->msg, "line %d: ", line);
        snprintf(err->msg + w, sizeof err->msg - (size_t)w, fmt, shown);
    }
    return RS_EINVAL;
}

enum rs_err rs_tplset_parse(struct rs_tplset *set, const char *text, size_t len,
                            struct rs_tpl_error *err)
{
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    if (!text && len)
        return RS_EINVAL;
    struct pending pend[MAX_PENDING];
    int np = 0;
    int saved_ops = set->n_ops;
    enum rs_err rc = RS_OK;
    size_t pos = 0;
    int line = 1;
    /* current section */
    const char *key = NULL;
    size_t key_len = 0, body_start = 0;
    int key_line = 0;
    for (;;) {
        bool at_end = pos >= len;
        const char *ls = text + pos;
        const char *nl = at_end ? NULL : memchr(ls, '\n', len - pos);
        size_t ll = at_end ? 0 : (nl ? (size_t)(nl - ls) : len - pos);
        bool header = !at_end && ll >= 4 && memcmp(ls, "=== ", 4) == 0;
        if ((at_end || header) && key) {
            /* close the current section: body is [body_start, pos) minus trailing space */
            size_t be = pos;
            while (be > body_start && (text[be - 1] == '\n' || text[be - 1] == '\r' ||
                                       text[be - 1] == ' ' || text[be - 1] == '\t'))
                be--;
            bool layout;
            const char *why;
            struct rs_tpl *dst = resolve_key(set, key, key_len, &layout, &why);
            if (!dst) {
                char fmt[96];
                snprintf(fmt, sizeof fmt, "%s '%%s'", why);
                rc = perr(err, key_line, fmt, key, key_len);
                goto fail;
            }
            if (be == body_start) {
                rc = perr(err, key_line, "template '%s' is empty", key, key_len);
                goto fail;
            }
            if (np == MAX_PENDING) {
                rc = perr(err, key_line, "too many sections (at '%s')", key, key_len);
                goto fail;
            }
            struct rs_tpl t;
            int n_ops = 0;
            struct rs_tpl_error te;
            rc = rs_tpl_compile(text + body_start, be - body_start, key_line + 1, tvar_names,
                                RS_TV__COUNT, layout, set->ops + set->n_ops,
                                RS_TPLSET_MAX_OPS - set->n_ops, &t, &te);
            if (rc != RS_OK) {
                if (err) {
                    err->line = te.line;
                    char shown[64];
                    snprintf(shown, sizeof shown, "%.*s", (int)(key_len < 60 ? key_len : 60), key);
                    size_t ml = strnlen(te.msg, sizeof te.msg);
                    if (ml > 120)
                        ml = 120;
                    snprintf(err->msg, sizeof err->msg, "%.*s (in '%s')", (int)ml, te.msg, shown);
                }
                goto fail;
            }
            n_ops = t.n_ops;
            set->n_ops += n_ops;
            pend[np++] = (struct pending){dst, t};
            key = NULL;
        }
        if (at_end)
            break;
        if (header) {
            key = ls + 4;
            key_len = ll - 4;
            while (key_len && (key[key_len - 1] == ' ' || key[key_len - 1] == '\r' ||
                               key[key_len - 1] == '\t'))
                key_len--;
            key_line = line;
            body_start = nl ? (size_t)(nl - text) + 1 : len;
        } else if (!key) {
            size_t k = 0;
            while (k < ll && (ls[k] == ' ' || ls[k] == '\t' || ls[k] == '\r'))
                k++;
            if (k < ll && ls[k] != '#') {
                rc = perr(err, line, "text outside any section (sections start with '=== key')%s",
                          "", 0);
                goto fail;
            }
        }
        pos = nl ? (size_t)(nl - text) + 1 : len;
        line++;
    }
    for (int i = 0; i < np; i++)
        *pend[i].dst = pend[i].val;
    return RS_OK;
fail:
    set->n_ops = saved_ops;
    return rc;
}

enum rs_err rs_tplset_check_complete(const struct rs_tplset *set, struct rs_tpl_error *err)
{
    for (int t = 0; t < RS_TRIG__COUNT; t++)
        for (int p = 0; p < RS_TPART__COUNT; p++)
            if (!set->tpl[t][p].src) {
                if (err) {
                    err->line = 0;
                    snprintf(err->msg, sizeof err->msg, "missing template '%s.%s.%s' (%s)",
                             rs_trigger_name((enum rs_trigger)t),
                             rs_channel_name(parts[p].channel), parts[p].name, set->lang);
                }
                return RS_EINVAL;
            }
    return RS_OK;
}

/* ---- rendering --------------------------------------------------------------------------- */

enum rs_err rs_notify_phrase(const struct rs_tplset *set, enum rs_phrase kind, int slot,
                             bool fallback, const char *const *vars, char *buf, size_t cap,
                             size_t *len)
{
    if ((unsigned)kind >= RS_PHRASE__COUNT || slot < 0 || slot >= RS_PHRASE_SLOTS)
        return RS_EINVAL;
    const struct rs_tpl *t = &set->phrase[kind][slot];
    if (!t->src && fallback)
        t = &set->phrase[kind][0];
    if (!t->src)
        return RS_ENOTFOUND;
    return rs_tpl_render(t, vars, RS_TPL_PLAIN, NULL, buf, cap, len);
}

struct cursor {
    char *buf;
    size_t cap, used;
};

/* Render T (wrapped in LAYOUT when given) into the cursor; *out points at the text. */
static enum rs_err render_into(struct cursor *c, const struct rs_tpl *t, const struct rs_tpl *layout,
                               const char *const *vals, enum rs_tpl_escape esc, const char **out)
{
    if (c->used >= c->cap)
        return RS_ENOMEM;
    size_t n = 0;
    const struct rs_tpl *outer = layout && layout->src ? layout : t;
    enum rs_err rc = rs_tpl_render(outer, vals, esc, outer == t ? NULL : t, c->buf + c->used,
                                   c->cap - c->used, &n);
    if (rc != RS_OK)
        return rc;
    *out = c->buf + c->used;
    c->used += n + 1;
    return RS_OK;
}

/* Derived phrase variable: render the phrase unless the caller gave a value. */
static enum rs_err derive(const struct rs_tplset *set, struct cursor *c, const char **vals,
                          enum rs_tvar var, enum rs_phrase kind, int slot, bool fallback)
{
    if (vals[var] || c->used >= c->cap)
        return c->used >= c->cap ? RS_ENOMEM : RS_OK;
    size_t n = 0;
    enum rs_err rc = rs_notify_phrase(set, kind, slot, fallback, vals, c->buf + c->used,
                                      c->cap - c->used, &n);
    if (rc == RS_ENOTFOUND)
        return RS_OK;
    if (rc != RS_OK)
        return rc;
    vals[var] = c->buf + c->used;
    c->used += n + 1;
    return RS_OK;
}

enum rs_err rs_notify_render(const struct rs_tplset *set, enum rs_trigger trigger,
                             enum rs_channel channel, const struct rs_render_ctx *ctx,
                             const char *const *vars, char *buf, size_t cap,
                             struct rs_rendered *out)
{
    if ((unsigned)trigger >= RS_TRIG__COUNT || (unsigned)channel >= RS_CH__COUNT)
        return RS_EINVAL;
    const char *vals[RS_TV__COUNT];
    for (int i = 0; i < RS_TV__COUNT; i++)
        vals[i] = vars ? vars[i] : NULL;
    enum rs_status st = ctx && (unsigned)ctx->status < RS_STATUS__COUNT ? ctx->status : RS_STATUS_NONE;
    enum rs_substatus sub = ctx && (unsigned)ctx->substatus < RS_SUB__COUNT ? ctx->substatus : RS_SUB_NONE;
    struct rs_rendered r = {.channel = channel, .wa_language = set->lang};
    struct cursor c = {buf, cap, 0};
    bool explains = trigger == RS_TRIG_EXCEPTION || trigger == RS_TRIG_ATTEMPT_FAILED;
    enum rs_err rc = derive(set, &c, vals, RS_TV_STATUS_TEXT, RS_PHRASE_STATUS, (int)st, true);
    if (rc == RS_OK)
        rc = derive(set, &c, vals, RS_TV_DETAIL_TEXT, RS_PHRASE_DETAIL, (int)sub, false);
    if (rc == RS_OK)
        rc = derive(set, &c, vals, RS_TV_CAUSE_TEXT, RS_PHRASE_CAUSE, (int)sub, explains);
    if (rc == RS_OK)
        rc = derive(set, &c, vals, RS_TV_ACTION_TEXT, RS_PHRASE_ACTION, (int)sub, explains);
    if (rc == RS_OK)
        rc = derive(set, &c, vals, RS_TV_NEXT_STEP_TEXT, RS_PHRASE_NEXT, (int)sub,
                    trigger == RS_TRIG_ATTEMPT_FAILED);
    if (rc == RS_OK)
        rc = derive(set, &c, vals, RS_TV_SHORT_TEXT, RS_PHRASE_SHORT, (int)sub, false);
    for (int p = 0; p < RS_TPART__COUNT && rc == RS_OK; p++) {
        if (parts[p].channel != channel)
            continue;
        const struct rs_tpl *t = &set->tpl[trigger][p];
        if (!t->src)
            return RS_ENOTFOUND;
        const struct rs_tpl *layout = p == RS_TPART_EMAIL_HTML   ? &set->layout_html
                                      : p == RS_TPART_EMAIL_TEXT ? &set->layout_text
                                                                 : NULL;
        rc = render_into(&c, t, layout, vals, parts[p].esc, &r.part[p]);
    }
    if (rc != RS_OK)
        return rc;
    if (channel == RS_CH_WHATSAPP && r.part[RS_TPART_WA_PARAMS]) {
        /* split the parameters, one per line, into their own strings */
        size_t n = strlen(r.part[RS_TPART_WA_PARAMS]);
        if (c.used + n + 1 > c.cap)
            return RS_ENOMEM;
        char *copy = c.buf + c.used;
        memcpy(copy, r.part[RS_TPART_WA_PARAMS], n + 1);
        c.used += n + 1;
        for (char *p = copy; p && *p && r.n_wa_params < RS_WA_MAX_PARAMS;) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            r.wa_params[r.n_wa_params++] = p;
            p = nl ? nl + 1 : NULL;
        }
    }
    *out = r;
    return RS_OK;
}
