/* notify_settings.c — parse and validate a merchant's notification settings (see
 * notify_settings.h; the format is in docs/notifications.md). */
#include "app/notify_settings.h"
#include "util/b64url.h"

#include <openssl/evp.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_templates.h"
#include "core/model.h"
#include "notify/webpush.h"
#include "util/email_addr.h"
#include "util/tz.h"

struct parser {
    char *err;
    size_t cap;
    bool bad;
};

static enum rs_err bad(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum rs_err bad(struct parser *p, const char *fmt, ...)
{
    if (!p->bad) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->cap, fmt, ap);
        va_end(ap);
        p->bad = true;
    }
    return RS_EINVAL;
}

/* Optional string field KEY of OBJ (PATH names it in errors). */
static const char *str(struct parser *p, json_t *obj, const char *path, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        bad(p, "%s.%s must be a string", path, key);
        return NULL;
    }
    const char *s = json_string_value(v);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 && *c != '\n' && *c != '\t') {
            bad(p, "%s.%s contains a control character", path, key);
            return NULL;
        }
    return *s ? s : NULL;
}

static const char *need(struct parser *p, json_t *obj, const char *path, const char *key)
{
    const char *s = str(p, obj, path, key);
    if (!s && !p->bad)
        bad(p, "%s.%s is required", path, key);
    return s;
}

static int num(struct parser *p, json_t *obj, const char *path, const char *key, int dflt, int lo, int hi)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return dflt;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        bad(p, "%s.%s must be a whole number from %d to %d", path, key, lo, hi);
        return dflt;
    }
    return (int)json_integer_value(v);
}

static bool flag(struct parser *p, json_t *obj, const char *path, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return false;
    if (!json_is_boolean(v)) {
        bad(p, "%s.%s must be true or false", path, key);
        return false;
    }
    return json_is_true(v);
}

static json_t *obj(struct parser *p, json_t *o, const char *path, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        bad(p, "%s%s%s must be an object", path, *path ? "." : "", key);
        return NULL;
    }
    return v;
}

static void check_url(struct parser *p, const char *path, const char *url, const char *const *schemes)
{
    if (!url || p->bad)
        return;
    bool ok = false;
    for (int i = 0; schemes[i] && !ok; i++) {
        size_t n = strlen(schemes[i]);
        ok = strncmp(url, schemes[i], n) == 0 && url[n] && url[n] != '/';
    }
    if (!ok || strchr(url, ' ')) {
        bad(p, "%s \"%.80s\" must be a URL starting with %s%s%s", path, url, schemes[0],
            schemes[1] ? " or " : "", schemes[1] ? schemes[1] : "");
    }
}

static const char *const HTTP[] = {"https://", "http://", NULL};

/* "21:30" → minute of day. */
static int minute_of_day(struct parser *p, const char *path, const char *s)
{
    int h, m;
    char extra;
    if (!s || sscanf(s, "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59 ||
        strlen(s) != 5) {
        bad(p, "%s must be a local time \"HH:MM\" such as \"21:00\"", path);
        return 0;
    }
    return h * 60 + m;
}

/* Variables that are often empty: eta_text is never filled (no feed gives an arrival time), the
 * pickup_* ones only when the carrier's scan names the point (POST /v1/events "pickup"). Bare,
 * "Recógelo en {{pickup_point}}" would reach the customer as "Recógelo en ". Such a variable may
 * only appear inside its own {{#var}}…{{/var}} section (which then shows nothing, and an inverted
 * {{^var}} beside it can say "el punto de recogida"), as the built-in templates do. NULL when T
 * is fine, else the first variable used bare. */
static const char *bare_unfilled(const struct rs_tpl *t)
{
    static const enum rs_tvar unfilled[] = {RS_TV_ETA_TEXT, RS_TV_PICKUP_POINT, RS_TV_PICKUP_ADDRESS,
                                            RS_TV_PICKUP_DEADLINE, RS_TV_CARRIER_ESTIMATE_TEXT,
                                            RS_TV_PICKUP_DEADLINE_TEXT};
    uint16_t open[RS_TPL_MAX_DEPTH];
    int depth = 0;
    for (int i = 0; t->src && i < t->n_ops; i++) {
        const struct rs_tpl_op *op = &t->ops[i];
        if (op->kind == RS_TPL_OP_SECTION || op->kind == RS_TPL_OP_INVERTED) {
            if (depth < RS_TPL_MAX_DEPTH) /* an inverted section never makes its variable non-empty */
                open[depth] = op->kind == RS_TPL_OP_SECTION ? op->var : UINT16_MAX;
            depth++;
        } else if (op->kind == RS_TPL_OP_END) {
            depth -= depth > 0;
        } else if (op->kind == RS_TPL_OP_VAR) {
            for (size_t u = 0; u < sizeof unfilled / sizeof unfilled[0]; u++) {
                if (op->var != (uint16_t)unfilled[u])
                    continue;
                bool guarded = false;
                for (int d = 0; d < depth && d < RS_TPL_MAX_DEPTH; d++)
                    guarded |= open[d] == op->var;
                if (!guarded)
                    return rs_tvar_name(unfilled[u]);
            }
        }
    }
    return NULL;
}

static void check_unfilled(struct parser *p, const struct rs_tplset *set, const char *lang)
{
    for (int t = 0; t < RS_TRIG__COUNT && !p->bad; t++)
        for (int k = 0; k < RS_TPART__COUNT && !p->bad; k++) {
            const char *v = bare_unfilled(&set->tpl[t][k]);
            if (v)
                bad(p,
                    "templates.%s: %s.%s.%s uses {{%s}} bare, but it is empty whenever the carrier does not say "
                    "it; put it inside {{#%s}}…{{/%s}} (and {{^%s}}…{{/%s}} for the words without it) or leave it out",
                    lang, rs_trigger_name((enum rs_trigger)t), rs_channel_name(rs_tpart_channel((enum rs_tpart)k)),
                    rs_tpart_name((enum rs_tpart)k), v, v, v, v, v);
        }
    const char *v;
    if (!p->bad && ((v = bare_unfilled(&set->layout_html)) || (v = bare_unfilled(&set->layout_text))))
        bad(p, "templates.%s: an e-mail layout uses {{%s}} bare, but it is empty whenever the carrier does not say "
               "it; put it inside {{#%s}}…{{/%s}}",
            lang, v, v, v);
}

/* A push message is one encrypted record of at most RS_WEBPUSH_MAX_PLAIN bytes of JSON (the push
 * services' ~4 KB limit less the encryption overhead; rs_send_push refuses a longer one when
 * sending). Refuse, when the templates are saved, a push template whose longest rendering would
 * not fit, rather than have every such message fail later.
 *
 * How "longest" is found: every variable is filled with as many bytes as the dispatcher can ever
 * give it (the sizes of the buffers and columns it renders from: order_ref 128, first_name 100,
 * carrier name 95, a window 199, …; the settings' own merchant_name, support_url and
 * public_base_url as they are), and each plain-words phrase (status_text, cause_text, …) with the
 * longest one the set has for any status or sub-status. Then the real JSON is built, so the
 * template's own text (line breaks, quotes) is measured as it is escaped. This is an upper bound
 * in bytes: a real rendering is never longer, except where data holds characters JSON escapes
 * (a quote in a name); the send-time check remains for that. Rendering a worst-case sample
 * instead of adding up maximum lengths keeps sections ({{#carrier}}…{{/carrier}}) and repeated
 * variables counted right. */
static void check_push_size(struct parser *p, const struct rs_notify_config *cfg, const struct rs_tplset *set,
                            const char *lang)
{
    static const struct {
        enum rs_tvar var;
        int max;
    } longest[] = {
        {RS_TV_FIRST_NAME, 100},      {RS_TV_MERCHANT_NAME, 200},       {RS_TV_ORDER_REF, RS_MAX_REF_LEN},
        {RS_TV_TRACKING_CODE, 31},    {RS_TV_CARRIER, 95},              {RS_TV_TRACKING_NUMBER, 63},
        {RS_TV_PROMISE_TEXT, 199},    {RS_TV_PREVIOUS_PROMISE_TEXT, 199}, {RS_TV_COUPON_CODE, 47},
        {RS_TV_COUPON_VALUE, 47},     {RS_TV_COUPON_EXPIRY, 119},       {RS_TV_UNSUBSCRIBE_URL, 511},
        {RS_TV_QUIET_DAYS, 11},           {RS_TV_QUIET_DAYS_TEXT, 39},
        {RS_TV_LAST_EVENT_TEXT, 119},
    };
    char xs[512];
    memset(xs, 'x', sizeof xs - 1);
    xs[sizeof xs - 1] = '\0';
    char *buf = malloc(64 * 1024), url[512];
    if (!buf) {
        bad(p, "out of memory");
        return;
    }
    const char *vars[RS_TV__COUNT] = {0};
    char *val[RS_TV__COUNT] = {0};
    for (size_t i = 0; i < sizeof longest / sizeof longest[0]; i++)
        vars[longest[i].var] = xs + sizeof xs - 1 - longest[i].max;
    if (cfg->merchant_name)
        vars[RS_TV_MERCHANT_NAME] = cfg->merchant_name;
    vars[RS_TV_SUPPORT_URL] = cfg->support_url;
    /* the tracking link: the settings' base (the server's own, up to 400 bytes, without one) */
    snprintf(url, sizeof url, "%.400s/t/%.31s", cfg->public_base_url ? cfg->public_base_url : xs, xs);
    vars[RS_TV_TRACKING_URL] = url;
    /* the longest phrase of each kind, over every status / sub-status */
    static const struct {
        enum rs_tvar var;
        enum rs_phrase kind;
    } phrases[] = {{RS_TV_STATUS_TEXT, RS_PHRASE_STATUS}, {RS_TV_DETAIL_TEXT, RS_PHRASE_DETAIL},
                   {RS_TV_CAUSE_TEXT, RS_PHRASE_CAUSE},   {RS_TV_ACTION_TEXT, RS_PHRASE_ACTION},
                   {RS_TV_NEXT_STEP_TEXT, RS_PHRASE_NEXT}, {RS_TV_SHORT_TEXT, RS_PHRASE_SHORT}};
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0] && !p->bad; i++) {
        size_t best = 0, n = 0;
        for (int slot = 0; slot < RS_PHRASE_SLOTS; slot++)
            if (rs_notify_phrase(set, phrases[i].kind, slot, false, vars, buf, 64 * 1024, &n) == RS_OK && n >= best) {
                best = n;
                free(val[phrases[i].var]);
                val[phrases[i].var] = strdup(buf);
            }
        vars[phrases[i].var] = val[phrases[i].var] ? val[phrases[i].var] : "";
    }
    struct rs_render_ctx ctx = {.status = RS_STATUS_NONE, .substatus = RS_SUB_NONE};
    for (int t = 0; t < RS_TRIG__COUNT && !p->bad; t++) {
        struct rs_rendered r;
        const char *trig = rs_trigger_name((enum rs_trigger)t);
        if (rs_notify_render(set, (enum rs_trigger)t, RS_CH_PUSH, &ctx, vars, buf, 64 * 1024, &r) != RS_OK) {
            bad(p, "templates.%s: %s.push: the title and body can be longer than a push message allows (%d bytes)",
                lang, trig, RS_WEBPUSH_MAX_PLAIN);
            break;
        }
        char *msg = rs_webpush_message(r.part[RS_TPART_PUSH_TITLE], r.part[RS_TPART_PUSH_BODY], url, lang);
        size_t n = msg ? strlen(msg) : 0, tl = strlen(r.part[RS_TPART_PUSH_TITLE] ? r.part[RS_TPART_PUSH_TITLE] : ""),
               bl = strlen(r.part[RS_TPART_PUSH_BODY] ? r.part[RS_TPART_PUSH_BODY] : "");
        free(msg);
        if (n > RS_WEBPUSH_MAX_PLAIN)
            bad(p,
                "templates.%s: %s.push.%s is too long: with the longest values its variables can take, the push "
                "message reaches %zu bytes, over the %d a push service accepts; shorten it or use fewer variables",
                lang, trig, bl >= tl ? "body" : "title", n, RS_WEBPUSH_MAX_PLAIN);
    }
    for (int i = 0; i < RS_TV__COUNT; i++)
        free(val[i]);
    free(buf);
}

/* Whether address V of setting FIELD may be used. A save checks it as a mailbox
 * (rs_email_mailbox_ok). Stored settings were checked by the release that saved them, and earlier
 * releases took more (two addresses "a@tienda.es,b@tienda.es" as reply_to): refusing them now
 * would stop every notification of the merchant after an upgrade, e-mail or not. Read back, an
 * address is used as stored, with a log line, unless it has a control character (a line break
 * would start a new header or SMTP command) or no '@'. */
static bool address_ok(const char *field, const char *v, bool saving)
{
    if (rs_email_mailbox_ok(v))
        return true;
    if (saving || !strchr(v, '@'))
        return false;
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c < ' ' || *c == 0x7f)
            return false;
    fprintf(stderr, "notify settings: %s \"%.80s\" was saved by an earlier release and a save now refuses it; "
                    "used as stored until the settings are saved again\n",
            field, v);
    return true;
}

/* SAVING: also the checks only a text being saved must pass (check_unfilled, check_push_size):
 * settings an earlier release stored keep working when read back, whatever was refused since. */
static enum rs_err parse_settings(const char *json, struct rs_notify_config *cfg, char *err, size_t errcap,
                                  bool saving)
{
    memset(cfg, 0, sizeof *cfg);
    struct parser P = {.err = err, .cap = errcap}, *p = &P;
    json_error_t je;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errcap, "settings are not valid JSON: %s (line %d)", je.text, je.line);
        return RS_EINVAL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errcap, "settings must be a JSON object");
        return RS_EINVAL;
    }
    cfg->root = root;
    static const char *const known[] = {"triggers", "channel_order", "send_all", "timezone", "quiet_hours", "cap",
                                        "retry", "public_base_url", "merchant_name", "support_url", "timeout_s",
                                        "email", "sms", "whatsapp", "webhook", "templates", "push", "compensation", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        bool found = false;
        for (int i = 0; known[i] && !found; i++)
            found = strcmp(k, known[i]) == 0;
        if (!found)
            bad(p, "unknown setting \"%.60s\" (see docs/notifications.md, \"Settings\")", k);
    }

    /* providers first: triggers may only use configured channels */
    json_t *em = obj(p, root, "", "email");
    if (em) {
        static const char *const SMTP[] = {"smtp://", "smtps://", NULL};
        cfg->smtp_url = need(p, em, "email", "smtp_url");
        check_url(p, "email.smtp_url", cfg->smtp_url, SMTP);
        cfg->smtp_user = str(p, em, "email", "username");
        cfg->smtp_password = str(p, em, "email", "password");
        cfg->email_from = need(p, em, "email", "from");
        if (cfg->email_from && !address_ok("email.from", cfg->email_from, saving))
            bad(p, "email.from \"%.80s\" must be an address, e.g. \"Tienda Sol <avisos@tienda.es>\"", cfg->email_from);
        cfg->email_reply_to = str(p, em, "email", "reply_to");
        if (cfg->email_reply_to && !address_ok("email.reply_to", cfg->email_reply_to, saving))
            bad(p, "email.reply_to \"%.80s\" is not an e-mail address", cfg->email_reply_to);
        cfg->bounce_address = str(p, em, "email", "bounce_address");
        if (cfg->bounce_address && !address_ok("email.bounce_address", cfg->bounce_address, saving))
            bad(p, "email.bounce_address \"%.80s\" is not an e-mail address", cfg->bounce_address);
        const char *tls = str(p, em, "email", "starttls");
        cfg->smtp_tls = 2;
        if (tls && strcmp(tls, "none") == 0)
            cfg->smtp_tls = 0;
        else if (tls && strcmp(tls, "try") == 0)
            cfg->smtp_tls = 1;
        else if (tls && strcmp(tls, "required") != 0)
            bad(p, "email.starttls must be \"required\" (default), \"try\" or \"none\"");
    }
    json_t *sms = obj(p, root, "", "sms");
    if (sms) {
        const char *prov = need(p, sms, "sms", "provider");
        cfg->sms_base_url = str(p, sms, "sms", "base_url");
        cfg->sms_validity_s = num(p, sms, "sms", "validity_s", 14400, 0, 36 * 3600);
        cfg->sms_transliterate = flag(p, sms, "sms", "transliterate");
        cfg->sms_inbound_token = str(p, sms, "sms", "inbound_token");
        if (cfg->sms_inbound_token) {
            size_t tl = strlen(cfg->sms_inbound_token);
            bool ok = tl >= 16 && tl <= 128;
            for (size_t i = 0; ok && i < tl; i++)
                ok = isalnum((unsigned char)cfg->sms_inbound_token[i]) || cfg->sms_inbound_token[i] == '-' ||
                     cfg->sms_inbound_token[i] == '_';
            if (!ok)
                bad(p, "sms.inbound_token must be 16 to 128 letters, digits, '-' or '_' (a random secret: it is "
                       "the last part of the inbound SMS URL)");
        }
        if (prov && strcmp(prov, "twilio") == 0) {
            cfg->sms_provider = RS_SMS_TWILIO;
            if (!cfg->sms_base_url)
                cfg->sms_base_url = "https://api.twilio.com";
            cfg->twilio_sid = need(p, sms, "sms", "account_sid");
            if (cfg->twilio_sid && (strncmp(cfg->twilio_sid, "AC", 2) != 0 || strlen(cfg->twilio_sid) != 34))
                bad(p, "sms.account_sid must be a Twilio Account SID: \"AC\" and 32 hex digits");
            cfg->twilio_token = need(p, sms, "sms", "auth_token");
            cfg->sms_from = str(p, sms, "sms", "from");
            cfg->twilio_msid = str(p, sms, "sms", "messaging_service_sid");
            if (!p->bad && !cfg->sms_from && !cfg->twilio_msid)
                bad(p, "sms needs \"from\" (a number in E.164 form) or \"messaging_service_sid\" for Twilio");
        } else if (prov && strcmp(prov, "infobip") == 0) {
            cfg->sms_provider = RS_SMS_INFOBIP;
            if (!cfg->sms_base_url && !p->bad)
                bad(p, "sms.base_url is required for Infobip (your account's https://xxxxx.api.infobip.com)");
            cfg->infobip_key = need(p, sms, "sms", "api_key");
            cfg->sms_from = need(p, sms, "sms", "sender");
        } else if (prov) {
            bad(p, "sms.provider must be \"twilio\" or \"infobip\"");
        }
        check_url(p, "sms.base_url", cfg->sms_base_url, HTTP);
    }
    json_t *wa = obj(p, root, "", "whatsapp");
    if (wa) {
        cfg->wa_on = true;
        cfg->wa_base_url = str(p, wa, "whatsapp", "base_url");
        if (!cfg->wa_base_url)
            cfg->wa_base_url = "https://graph.facebook.com";
        check_url(p, "whatsapp.base_url", cfg->wa_base_url, HTTP);
        cfg->wa_api_version = str(p, wa, "whatsapp", "api_version");
        if (!cfg->wa_api_version)
            cfg->wa_api_version = "v21.0";
        cfg->wa_phone_id = need(p, wa, "whatsapp", "phone_number_id");
        cfg->wa_token = need(p, wa, "whatsapp", "token");
        cfg->wa_app_secret = str(p, wa, "whatsapp", "app_secret");
        cfg->wa_verify_token = str(p, wa, "whatsapp", "verify_token");
        /* Meta's default throughput of a business number is 80 messages a second; a number can be
         * upgraded to 1,000 */
        cfg->wa_mps = num(p, wa, "whatsapp", "messages_per_second", 80, 1, 1000);
        cfg->wa_reply_template = str(p, wa, "whatsapp", "reply_template");
        if (cfg->wa_reply_template && (strlen(cfg->wa_reply_template) > 512 ||
                                       strspn(cfg->wa_reply_template, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
                                           strlen(cfg->wa_reply_template)))
            bad(p, "whatsapp.reply_template must be a template name as WhatsApp Manager shows it (lower-case "
                   "letters, digits and _), e.g. \"respuesta_soporte\"");
    }
    json_t *wh = obj(p, root, "", "webhook");
    if (wh) {
        cfg->webhook_url = need(p, wh, "webhook", "url");
        check_url(p, "webhook.url", cfg->webhook_url, HTTP);
        const char *secret = need(p, wh, "webhook", "secret");
        if (secret && !p->bad) {
            size_t n = strlen(secret);
            int len = -1;
            if (strncmp(secret, "whsec_", 6) == 0 && n - 6 <= 88 && (n - 6) % 4 == 0) {
                unsigned char tmp[72];
                len = EVP_DecodeBlock(tmp, (const unsigned char *)secret + 6, (int)(n - 6));
                if (len > 0)
                    len -= (secret[n - 1] == '=') + (secret[n - 2] == '=');
                /* 88 base64 characters without padding decode to 66 bytes: more than the key holds */
                if (len >= 24 && len <= (int)sizeof cfg->webhook_key)
                    memcpy(cfg->webhook_key, tmp, (size_t)len);
                else
                    len = -1;
            }
            if (len < 24)
                bad(p, "webhook.secret must be \"whsec_\" and the base64 of 24 to 64 random bytes");
            else
                cfg->webhook_key_len = len;
        }
    }
    json_t *pu = json_object_get(root, "push");
    if (pu && !json_is_null(pu)) {
        if (!json_is_object(pu)) {
            bad(p, "push must be an object ({} takes the keys from RASTRO_VAPID_PUBLIC_KEY, "
                   "RASTRO_VAPID_PRIVATE_KEY, RASTRO_VAPID_SUBJECT)");
        } else {
            cfg->push_on = true;
            const char *pub = str(p, pu, "push", "vapid_public_key");
            const char *priv = str(p, pu, "push", "vapid_private_key");
            cfg->vapid_subject = str(p, pu, "push", "subject");
            if (!pub)
                pub = getenv("RASTRO_VAPID_PUBLIC_KEY");
            if (!priv)
                priv = getenv("RASTRO_VAPID_PRIVATE_KEY");
            if (!cfg->vapid_subject)
                cfg->vapid_subject = getenv("RASTRO_VAPID_SUBJECT");
            cfg->push_ttl_s = num(p, pu, "push", "ttl_s", 86400, 0, 28 * 86400);
            if (!p->bad && (!pub || rs_b64url_decode(pub, cfg->vapid_public, sizeof cfg->vapid_public) != 65 ||
                            cfg->vapid_public[0] != 4))
                bad(p, "push.vapid_public_key (or RASTRO_VAPID_PUBLIC_KEY) must be a base64url P-256 public key "
                       "(65 bytes, uncompressed)");
            if (!p->bad && (!priv || rs_b64url_decode(priv, cfg->vapid_private, sizeof cfg->vapid_private) != 32))
                bad(p, "push.vapid_private_key (or RASTRO_VAPID_PRIVATE_KEY) must be a base64url P-256 private key "
                       "(32 bytes)");
            if (!p->bad && (!cfg->vapid_subject || (strncmp(cfg->vapid_subject, "mailto:", 7) != 0 &&
                                                    strncmp(cfg->vapid_subject, "https://", 8) != 0)))
                bad(p, "push.subject (or RASTRO_VAPID_SUBJECT) must be a \"mailto:\" or \"https://\" contact");
        }
    }
    json_t *cp = obj(p, root, "", "compensation");
    if (cp) {
        cfg->comp_on = true;
        cfg->comp_after_days = num(p, cp, "compensation", "after_days_late", 2, 1, 365);
        const char *kind = need(p, cp, "compensation", "kind");
        if (kind && strcmp(kind, "percent") == 0)
            cfg->comp_percent = true;
        else if (kind && strcmp(kind, "amount") != 0)
            bad(p, "compensation.kind must be \"percent\" or \"amount\"");
        json_t *val = json_object_get(cp, "value");
        double amount = json_is_number(val) ? json_number_value(val) : -1;
        if (!p->bad && (amount <= 0 || (cfg->comp_percent && amount > 100) || amount > 100000))
            bad(p, "compensation.value must be a number above 0 (at most 100 for a percent)");
        cfg->comp_value_cents = (long long)(amount * 100 + 0.5);
        cfg->comp_currency = str(p, cp, "compensation", "currency");
        if (!p->bad && !cfg->comp_percent &&
            (!cfg->comp_currency || strlen(cfg->comp_currency) != 3 || !isupper((unsigned char)cfg->comp_currency[0]) ||
             !isupper((unsigned char)cfg->comp_currency[1]) || !isupper((unsigned char)cfg->comp_currency[2])))
            bad(p, "compensation.currency must be an ISO 4217 code such as \"EUR\" for an amount");
        cfg->comp_valid_days = num(p, cp, "compensation", "valid_days", 30, 0, 3650);
        cfg->comp_prefix = str(p, cp, "compensation", "prefix");
        if (!cfg->comp_prefix)
            cfg->comp_prefix = "SORRY";
        bool pok = strlen(cfg->comp_prefix) <= 12;
        for (const char *c = cfg->comp_prefix; *c && pok; c++)
            pok = (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
        if (!pok && !p->bad)
            bad(p, "compensation.prefix must be 1 to 12 capital letters or digits");
    }
    cfg->public_base_url = str(p, root, "settings", "public_base_url");
    check_url(p, "public_base_url", cfg->public_base_url, HTTP);
    cfg->merchant_name = str(p, root, "settings", "merchant_name");
    cfg->support_url = str(p, root, "settings", "support_url");
    check_url(p, "support_url", cfg->support_url, HTTP);
    cfg->timezone = str(p, root, "settings", "timezone");
    if (cfg->timezone && !p->bad) {
        int off;
        if (rs_tz_offset(cfg->timezone, 0, &off) != RS_OK)
            bad(p, "timezone \"%.60s\" is not an IANA time zone such as \"Europe/Madrid\"", cfg->timezone);
    }
    cfg->timeout_s = num(p, root, "settings", "timeout_s", 15, 1, 120);

    /* which channels exist */
    unsigned have = 0;
    if (cfg->smtp_url)
        have |= RS_CH_BIT(RS_CH_EMAIL);
    if (cfg->sms_provider)
        have |= RS_CH_BIT(RS_CH_SMS);
    if (cfg->wa_on)
        have |= RS_CH_BIT(RS_CH_WHATSAPP);
    if (cfg->webhook_url)
        have |= RS_CH_BIT(RS_CH_WEBHOOK);
    if (cfg->push_on)
        have |= RS_CH_BIT(RS_CH_PUSH);

    /* triggers: {"shipped":["email","sms"], "*":["email"]}; default every channel configured */
    json_t *tr = obj(p, root, "", "triggers");
    for (int t = 0; t < RS_TRIG__COUNT; t++)
        cfg->plan.enabled[t] = have;
    /* a stall is news the customer wants but not worth a paid SMS unless the merchant says so:
     * on by default for email, WhatsApp, push and the webhook only */
    cfg->plan.enabled[RS_TRIG_STALLED] = have & ~RS_CH_BIT(RS_CH_SMS);
    if (tr) {
        json_object_foreach(tr, k, v) {
            int t = strcmp(k, "*") == 0 ? -2 : rs_trigger_parse(k, -1);
            if (t == -1) {
                bad(p, "triggers: unknown trigger \"%.40s\" (order_confirmed, shipped, out_for_delivery, "
                       "courier_nearby, attempt_failed, available_for_pickup, delivered, exception, "
                       "promise_slipped, promise_breached, compensation, stalled, pickup_reminder)", k);
                break;
            }
            if (!json_is_array(v)) {
                bad(p, "triggers.%s must be a list of channels, e.g. [\"email\",\"sms\"] ([] turns it off)", k);
                break;
            }
            unsigned mask = 0;
            size_t i;
            json_t *c;
            json_array_foreach(v, i, c) {
                int ch = json_is_string(c) ? rs_channel_parse(json_string_value(c), -1) : -1;
                if (ch < 0) {
                    bad(p, "triggers.%s: \"%.20s\" is not a channel (email, sms, whatsapp, push, webhook)", k,
                        json_is_string(c) ? json_string_value(c) : "?");
                    break;
                }
                if (!(have & RS_CH_BIT(ch))) {
                    bad(p, "triggers.%s uses %s but no %s provider is configured (add \"%s\": {…})", k,
                        rs_channel_name(ch), rs_channel_name(ch), rs_channel_name(ch));
                    break;
                }
                mask |= RS_CH_BIT(ch);
            }
            if (t == -2)
                for (int u = 0; u < RS_TRIG__COUNT; u++)
                    cfg->plan.enabled[u] = mask;
            else if (t >= 0)
                cfg->plan.enabled[t] = mask;
        }
        /* explicit triggers override "*" whatever the key order */
        json_object_foreach(tr, k, v) {
            int t = rs_trigger_parse(k, -1);
            if (t < 0 || !json_is_array(v))
                continue;
            unsigned mask = 0;
            size_t i;
            json_t *c;
            json_array_foreach(v, i, c) {
                int ch = json_is_string(c) ? rs_channel_parse(json_string_value(c), -1) : -1;
                if (ch >= 0)
                    mask |= RS_CH_BIT(ch);
            }
            cfg->plan.enabled[t] = mask & have;
        }
    }
    json_t *order = json_object_get(root, "channel_order");
    if (order && !json_is_null(order)) {
        size_t i;
        json_t *c;
        if (!json_is_array(order))
            bad(p, "channel_order must be a list such as [\"whatsapp\",\"sms\",\"email\"]");
        else
            json_array_foreach(order, i, c) {
                int ch = json_is_string(c) ? rs_channel_parse(json_string_value(c), -1) : -1;
                if (ch < 0 || ch == RS_CH_WEBHOOK || cfg->plan.n_order >= RS_CH__COUNT) {
                    bad(p, "channel_order: \"%.20s\" is not a customer channel (email, sms, whatsapp, push)",
                        json_is_string(c) ? json_string_value(c) : "?");
                    break;
                }
                cfg->plan.order[cfg->plan.n_order++] = (enum rs_channel)ch;
            }
    }
    cfg->plan.send_all = flag(p, root, "settings", "send_all");
    json_t *qh = obj(p, root, "", "quiet_hours");
    if (qh) {
        cfg->plan.quiet_start_min = minute_of_day(p, "quiet_hours.start", need(p, qh, "quiet_hours", "start"));
        cfg->plan.quiet_end_min = minute_of_day(p, "quiet_hours.end", need(p, qh, "quiet_hours", "end"));
    }
    json_t *cap = obj(p, root, "", "cap");
    if (cap) {
        cfg->plan.cap_count = num(p, cap, "cap", "count", 0, 0, 1000);
        cfg->plan.cap_window_s = num(p, cap, "cap", "window_s", 86400, 60, 30 * 86400);
    }
    json_t *rt = obj(p, root, "", "retry");
    cfg->retry.base_s = num(p, rt, "retry", "base_s", 30, 1, 86400);
    cfg->retry.max_delay_s = num(p, rt, "retry", "max_delay_s", 3600, 1, 7 * 86400);
    cfg->retry.max_attempts = num(p, rt, "retry", "max_attempts", 6, 1, 50);
    cfg->retry.max_retry_after_s = num(p, rt, "retry", "max_retry_after_s", 3600, 1, 7 * 86400);

    json_t *tp = obj(p, root, "", "templates");
    if (tp && !p->bad) {
        cfg->templates_es = str(p, tp, "templates", "es");
        cfg->templates_en = str(p, tp, "templates", "en");
        json_object_foreach(tp, k, v) if (strcmp(k, "es") != 0 && strcmp(k, "en") != 0)
            bad(p, "templates: unknown language \"%.20s\" (es, en)", k);
        for (int i = 0; i < 2 && !p->bad; i++) {
            const char *text = i == 0 ? cfg->templates_es : cfg->templates_en;
            if (!text)
                continue;
            struct rs_tplset *set = malloc(sizeof *set);
            struct rs_tpl_error te = {0};
            if (!set) {
                bad(p, "out of memory");
                break;
            }
            if (rs_notify_templates_load(set, i == 0 ? "es" : "en", text, strlen(text), &te) != RS_OK)
                bad(p, "templates.%s: %s", i == 0 ? "es" : "en", te.msg);
            else if (saving)
                check_unfilled(p, set, i == 0 ? "es" : "en");
            if (saving && !p->bad)
                check_push_size(p, cfg, set, i == 0 ? "es" : "en");
            free(set);
        }
    }
    if (p->bad) {
        rs_notify_config_release(cfg);
        return RS_EINVAL;
    }
    return RS_OK;
}

enum rs_err rs_notify_config_parse(const char *json, struct rs_notify_config *cfg, char *err, size_t errcap)
{
    return parse_settings(json, cfg, err, errcap, false);
}

enum rs_err rs_notify_config_check_new(const char *json, struct rs_notify_config *cfg, char *err, size_t errcap)
{
    return parse_settings(json, cfg, err, errcap, true);
}

void rs_notify_config_release(struct rs_notify_config *cfg)
{
    if (!cfg)
        return;
    json_decref(cfg->root);
    memset(cfg, 0, sizeof *cfg);
}
