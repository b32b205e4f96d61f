/* support_settings.c — parse, validate and default a merchant's support settings
 * (support_settings.h). The shipped defaults are a JSON document below; a merchant's document is
 * merged over it key by key (objects field by field, arrays replaced), then the result is
 * validated as a whole, so an error names the merchant's field. */
#include "app/support_settings.h"
#include "app/conv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_settings.h"
#include "core/intent.h"
#include "core/status.h"
#include "store/store_incident.h"
#include "util/email_addr.h"
#include "util/timefmt.h"
#include "util/tz.h"

const char *const rs_incident_types[RS_INCIDENT_NTYPES] = {"late",    "lost",    "damaged", "missing_item", "wrong_item",
                                                           "address", "customs", "return",  "other"};
const char *const rs_incident_states[RS_INCIDENT_NSTATES] = {"open", "waiting_customer", "waiting_carrier", "resolved",
                                                             "closed"};

/* Hours to resolve, per type, when the merchant says nothing: a lost or late parcel needs the
 * carrier's answer (48 h); a damaged, missing or wrong item is the shop's own call (24 h); an
 * address change is urgent while the parcel moves (8 h); customs and returns wait on others. */
static const int default_sla[RS_INCIDENT_NTYPES] = {48, 48, 24, 24, 24, 8, 72, 72, 48};

int rs_incident_type_index(const char *name)
{
    for (int i = 0; name && i < RS_INCIDENT_NTYPES; i++)
        if (strcmp(name, rs_incident_types[i]) == 0)
            return i;
    return -1;
}

int rs_incident_state_index(const char *name)
{
    for (int i = 0; name && i < RS_INCIDENT_NSTATES; i++)
        if (strcmp(name, rs_incident_states[i]) == 0)
            return i;
    return -1;
}

/* The shipped defaults. Canned replies in Spanish and English for the questions that come most;
 * one policy: a parcel the carrier has not scanned for 7 days is lost, offer reship or refund. */
static const char DEFAULTS[] =
    "{\"sla_hours\":{\"late\":48,\"lost\":48,\"damaged\":24,\"missing_item\":24,\"wrong_item\":24,\"address\":8,"
    "\"customs\":72,\"return\":72,\"other\":48},"
    "\"policies\":[{\"name\":\"lost_no_scan\",\"type\":\"lost\",\"when\":{\"no_scan_days\":7},"
    "\"offer\":[\"reship\",\"refund\"]}],"
    "\"canned_replies\":["
    "{\"id\":\"where_is_order\",\"title\":{\"es\":\"Dónde está el pedido\",\"en\":\"Where the order is\"},"
    "\"body\":{\"es\":\"Hola, tu pedido está en camino. Puedes ver dónde está en cada momento en tu enlace de "
    "seguimiento. Te avisaremos si algo cambia.\",\"en\":\"Hi, your order is on its way. You can see where it is at "
    "any time on your tracking link. We will tell you if anything changes.\"}},"
    "{\"id\":\"delay_apology\",\"title\":{\"es\":\"Disculpas por el retraso\",\"en\":\"Sorry for the delay\"},"
    "\"body\":{\"es\":\"Sentimos mucho el retraso. Hemos pedido información al transportista y te escribiremos en "
    "cuanto sepamos algo.\",\"en\":\"We are very sorry for the delay. We have asked the carrier and will write to you "
    "as soon as we know more.\"}},"
    "{\"id\":\"damaged_photos\",\"title\":{\"es\":\"Pedir fotos del daño\",\"en\":\"Ask for photos of the damage\"},"
    "\"body\":{\"es\":\"Sentimos que tu pedido haya llegado dañado. ¿Puedes enviarnos una foto del paquete y del "
    "producto? Así lo resolvemos cuanto antes.\",\"en\":\"We are sorry your order arrived damaged. Could you send us a "
    "photo of the parcel and the product? That way we can sort it out quickly.\"}},"
    "{\"id\":\"lost_investigating\",\"title\":{\"es\":\"Investigando con el transportista\",\"en\":\"Investigating "
    "with the carrier\"},\"body\":{\"es\":\"Hemos abierto una investigación con el transportista. Si el paquete no "
    "aparece, te enviamos otro o te devolvemos el dinero, como prefieras.\",\"en\":\"We have opened an investigation "
    "with the carrier. If the parcel does not turn up, we will send you another one or refund you, whichever you "
    "prefer.\"}},"
    "{\"id\":\"reship_sent\",\"title\":{\"es\":\"Reenvío en camino\",\"en\":\"Replacement on its way\"},"
    "\"body\":{\"es\":\"Te hemos enviado un pedido nuevo. Recibirás el enlace de seguimiento en cuanto salga.\","
    "\"en\":\"We have sent you a new order. You will get the tracking link as soon as it leaves.\"}},"
    "{\"id\":\"refund_done\",\"title\":{\"es\":\"Reembolso hecho\",\"en\":\"Refund made\"},"
    "\"body\":{\"es\":\"Hemos hecho el reembolso. Según tu banco, puede tardar de 3 a 5 días hábiles en verse.\","
    "\"en\":\"We have made the refund. Depending on your bank it can take 3 to 5 business days to show.\"}},"
    "{\"id\":\"address_change\",\"title\":{\"es\":\"Cambio de dirección\",\"en\":\"Address change\"},"
    "\"body\":{\"es\":\"Dinos la dirección nueva completa (calle, número, código postal y ciudad) y pediremos el "
    "cambio al transportista.\",\"en\":\"Tell us the full new address (street, number, postcode and city) and we will "
    "ask the carrier to change it.\"}},"
    "{\"id\":\"closing\",\"title\":{\"es\":\"Despedida\",\"en\":\"Closing\"},"
    "\"body\":{\"es\":\"Gracias por escribirnos. Si necesitas algo más, responde a este mensaje.\","
    "\"en\":\"Thank you for writing to us. If you need anything else, just reply to this message.\"}}],"
    "\"retention_days\":365,"
    "\"coupon\":{\"kind\":\"percent\",\"value\":10,\"valid_days\":90,\"prefix\":\"GIFT\"},"
    "\"bot\":{\"enabled\":true,\"handover_below\":0.5}}";

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

/* Only the keys in ALLOWED (NULL-terminated) may be in OBJ. */
static void only_keys(struct parser *p, json_t *obj, const char *path, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(k, allowed[i]) == 0;
        if (!ok) {
            char list[256] = "";
            for (int i = 0; allowed[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
            bad(p, "%s: unknown field \"%.40s\" (known: %s)", path, k, list);
            return;
        }
    }
}

/* A string of 1..MAX bytes without control characters (newlines allowed when MULTILINE). */
static const char *text(struct parser *p, json_t *v, const char *path, size_t max, bool multiline)
{
    if (!json_is_string(v)) {
        bad(p, "%s must be a string", path);
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n == 0 || n > max || n != json_string_length(v)) {
        bad(p, "%s must be 1 to %zu characters", path, max);
        return NULL;
    }
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && !(multiline && (*c == '\n' || *c == '\t'))) || *c == 0x7f) {
            bad(p, "%s contains a control character", path);
            return NULL;
        }
    return s;
}

/* An identifier: 1..64 of [a-z0-9_-]. */
static const char *ident(struct parser *p, json_t *v, const char *path)
{
    const char *s = text(p, v, path, 64, false);
    if (s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(s)) {
        bad(p, "%s must be lower-case letters, digits, '_' or '-'", path);
        return NULL;
    }
    return s;
}

static int whole(struct parser *p, json_t *v, const char *path, int lo, int hi)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        bad(p, "%s must be a whole number from %d to %d", path, lo, hi);
        return lo;
    }
    return (int)json_integer_value(v);
}

/* {"es","en"} with both languages. */
static void bilingual(struct parser *p, json_t *v, const char *path, size_t max)
{
    static const char *const langs[] = {"es", "en", NULL};
    char sub[96];
    if (!json_is_object(v)) {
        bad(p, "%s must be {\"es\":…,\"en\":…}", path);
        return;
    }
    only_keys(p, v, path, langs);
    for (int i = 0; langs[i] && !p->bad; i++) {
        snprintf(sub, sizeof sub, "%s.%s", path, langs[i]);
        json_t *t = json_object_get(v, langs[i]);
        if (!t)
            bad(p, "%s is required (every text exists in Spanish and English)", sub);
        else
            text(p, t, sub, max, true);
    }
}

static void parse_sla(struct parser *p, json_t *v, struct rs_support_settings *cfg)
{
    memcpy(cfg->sla_hours, default_sla, sizeof default_sla);
    if (!json_is_object(v)) {
        bad(p, "sla_hours must be an object of hours per incident type, e.g. {\"lost\":48}");
        return;
    }
    const char *k;
    json_t *h;
    json_object_foreach(v, k, h) {
        int t = rs_incident_type_index(k);
        char path[64];
        snprintf(path, sizeof path, "sla_hours.%.30s", k);
        if (t < 0) {
            bad(p, "%s: \"%.30s\" is not an incident type (late, lost, damaged, missing_item, wrong_item, address, "
                   "customs, return, other)",
                path, k);
            return;
        }
        cfg->sla_hours[t] = whole(p, h, path, 1, 720);
    }
}

static void parse_policy(struct parser *p, json_t *v, int i, struct rs_support_settings *cfg)
{
    static const char *const keys[] = {"name", "type", "when", "offer", NULL};
    static const char *const when_keys[] = {"no_scan_days", "breached_days", "status", NULL};
    char path[96];
    snprintf(path, sizeof path, "policies[%d]", i);
    if (!json_is_object(v)) {
        bad(p, "%s must be an object {\"name\",\"type\",\"when\",\"offer\"}", path);
        return;
    }
    only_keys(p, v, path, keys);
    struct rs_support_policy *pol = &cfg->policies[i];
    memset(pol, 0, sizeof *pol);
    pol->no_scan_days = pol->breached_days = -1;
    snprintf(path, sizeof path, "policies[%d].name", i);
    if (!p->bad && !json_object_get(v, "name"))
        bad(p, "%s is required", path);
    if (!p->bad)
        pol->name = ident(p, json_object_get(v, "name"), path);
    for (int j = 0; j < i && !p->bad; j++)
        if (strcmp(cfg->policies[j].name, pol->name) == 0)
            bad(p, "%s: another policy is already called \"%s\"", path, pol->name);
    snprintf(path, sizeof path, "policies[%d].type", i);
    if (!p->bad) {
        pol->type = json_string_value(json_object_get(v, "type"));
        if (rs_incident_type_index(pol->type) < 0)
            bad(p, "%s must be an incident type (late, lost, damaged, missing_item, wrong_item, address, customs, "
                   "return, other)",
                path);
    }
    snprintf(path, sizeof path, "policies[%d].when", i);
    json_t *w = json_object_get(v, "when");
    if (!p->bad && !json_is_object(w))
        bad(p, "%s must be an object with no_scan_days, breached_days and/or status", path);
    if (!p->bad)
        only_keys(p, w, path, when_keys);
    if (!p->bad && json_object_size(w) == 0)
        bad(p, "%s needs at least one condition (no_scan_days, breached_days, status)", path);
    char sub[128];
    if (!p->bad && json_object_get(w, "no_scan_days")) {
        snprintf(sub, sizeof sub, "%s.no_scan_days", path);
        pol->no_scan_days = whole(p, json_object_get(w, "no_scan_days"), sub, 1, 365);
    }
    if (!p->bad && json_object_get(w, "breached_days")) {
        snprintf(sub, sizeof sub, "%s.breached_days", path);
        pol->breached_days = whole(p, json_object_get(w, "breached_days"), sub, 0, 365);
    }
    if (!p->bad && json_object_get(w, "status")) {
        snprintf(sub, sizeof sub, "%s.status", path);
        pol->status = json_string_value(json_object_get(w, "status"));
        enum rs_status st = pol->status ? rs_status_parse(pol->status) : RS_STATUS_NONE;
        if (st == RS_STATUS_NONE || st == RS_STATUS_DELIVERED || rs_status_is_terminal(st))
            bad(p, "%s must be a canonical shipment status that is not final (e.g. exception, attempt_failed, "
                   "available_for_pickup, in_transit)",
                sub);
    }
    snprintf(path, sizeof path, "policies[%d].offer", i);
    json_t *o = json_object_get(v, "offer");
    if (!p->bad && (!json_is_array(o) || json_array_size(o) == 0 || json_array_size(o) > 3))
        bad(p, "%s must be a list of 1 to 3 of \"reship\", \"refund\", \"coupon\"", path);
    size_t k;
    json_t *x;
    json_array_foreach(o, k, x) {
        if (p->bad)
            break;
        const char *s = json_string_value(x);
        if (!s || (strcmp(s, "reship") != 0 && strcmp(s, "refund") != 0 && strcmp(s, "coupon") != 0)) {
            bad(p, "%s[%zu] must be \"reship\", \"refund\" or \"coupon\"", path, k);
            break;
        }
        if (strstr(pol->offer, s)) {
            bad(p, "%s lists \"%s\" twice", path, s);
            break;
        }
        snprintf(pol->offer + strlen(pol->offer), sizeof pol->offer - strlen(pol->offer), "%s%s",
                 pol->offer[0] ? "," : "", s);
        if (strcmp(s, "coupon") == 0)
            pol->offer_coupon = true;
    }
}

static void parse_canned(struct parser *p, json_t *v)
{
    static const char *const keys[] = {"id", "title", "body", NULL};
    if (!json_is_array(v) || json_array_size(v) > RS_SUPPORT_MAX_CANNED) {
        bad(p, "canned_replies must be a list of at most %d {\"id\",\"title\",\"body\"} entries", RS_SUPPORT_MAX_CANNED);
        return;
    }
    size_t i;
    json_t *c;
    char path[96];
    json_array_foreach(v, i, c) {
        if (p->bad)
            return;
        snprintf(path, sizeof path, "canned_replies[%zu]", i);
        if (!json_is_object(c)) {
            bad(p, "%s must be an object {\"id\",\"title\",\"body\"}", path);
            return;
        }
        only_keys(p, c, path, keys);
        snprintf(path, sizeof path, "canned_replies[%zu].id", i);
        const char *id = p->bad ? NULL : ident(p, json_object_get(c, "id"), path);
        for (size_t j = 0; id && j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(v, j), "id")), id) == 0)
                bad(p, "%s: another canned reply is already \"%s\"", path, id);
        snprintf(path, sizeof path, "canned_replies[%zu].title", i);
        if (!p->bad)
            bilingual(p, json_object_get(c, "title"), path, 120);
        snprintf(path, sizeof path, "canned_replies[%zu].body", i);
        if (!p->bad)
            bilingual(p, json_object_get(c, "body"), path, 2000);
    }
}

static void parse_coupon(struct parser *p, json_t *v, struct rs_support_settings *cfg)
{
    static const char *const keys[] = {"kind", "value", "currency", "valid_days", "prefix", NULL};
    if (!json_is_object(v)) {
        bad(p, "coupon must be an object {\"kind\",\"value\",\"currency\",\"valid_days\",\"prefix\"}");
        return;
    }
    only_keys(p, v, "coupon", keys);
    const char *kind = json_string_value(json_object_get(v, "kind"));
    if (!p->bad && (!kind || (strcmp(kind, "percent") != 0 && strcmp(kind, "amount") != 0)))
        bad(p, "coupon.kind must be \"percent\" or \"amount\"");
    cfg->coupon_percent = kind && strcmp(kind, "percent") == 0;
    json_t *val = json_object_get(v, "value");
    double amount = json_is_number(val) ? json_number_value(val) : -1;
    if (!p->bad && (amount <= 0 || (cfg->coupon_percent && amount > 100) || amount > 100000))
        bad(p, "coupon.value must be a number above 0 (at most 100 for percent, 100000 for amount)");
    cfg->coupon_value_cents = (int64_t)(amount * 100 + 0.5);
    const char *cur = json_string_value(json_object_get(v, "currency"));
    if (!p->bad && json_object_get(v, "currency") &&
        (!cur || strlen(cur) != 3 || !isupper((unsigned char)cur[0]) || !isupper((unsigned char)cur[1]) ||
         !isupper((unsigned char)cur[2])))
        bad(p, "coupon.currency must be an ISO 4217 code such as \"EUR\"");
    if (!p->bad && !cfg->coupon_percent && !cur)
        bad(p, "coupon.currency is required for amount coupons");
    cfg->coupon_currency = cfg->coupon_percent ? NULL : cur;
    cfg->coupon_valid_days = 90;
    if (!p->bad && json_object_get(v, "valid_days"))
        cfg->coupon_valid_days = whole(p, json_object_get(v, "valid_days"), "coupon.valid_days", 0, 3650);
    cfg->coupon_prefix = "GIFT";
    if (!p->bad && json_object_get(v, "prefix")) {
        const char *pre = json_string_value(json_object_get(v, "prefix"));
        if (!pre || strlen(pre) > 12 || strspn(pre, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(pre))
            bad(p, "coupon.prefix must be up to 12 capital letters or digits");
        else
            cfg->coupon_prefix = pre;
    }
}

static void parse_bot(struct parser *p, json_t *v, struct rs_support_settings *cfg)
{
    static const char *const keys[] = {"enabled", "handover_below", "rules", "replies", NULL};
    if (!json_is_object(v)) {
        bad(p, "bot must be an object {\"enabled\",\"handover_below\",\"rules\",\"replies\"}");
        return;
    }
    only_keys(p, v, "bot", keys);
    json_t *en = json_object_get(v, "enabled");
    if (!p->bad && en && !json_is_boolean(en))
        bad(p, "bot.enabled must be true or false");
    cfg->bot_enabled = !en || json_is_true(en);
    json_t *h = json_object_get(v, "handover_below");
    cfg->handover_below = RS_INTENT_HANDOVER;
    if (!p->bad && h) {
        if (!json_is_number(h) || json_number_value(h) < 0 || json_number_value(h) > 1)
            bad(p, "bot.handover_below must be a number from 0 to 1");
        else
            cfg->handover_below = json_number_value(h);
    }
    json_t *r = json_object_get(v, "rules");
    if (!p->bad && r && !json_is_null(r)) {
        if (!json_is_string(r) || json_string_length(r) > 65536 || strlen(json_string_value(r)) != json_string_length(r)) {
            bad(p, "bot.rules must be text of at most 64 KiB (TSV lines: intent<TAB>weight<TAB>pattern)");
            return;
        }
        struct rs_intent_model *m = NULL;
        if (rs_intent_model_new(&m) != RS_OK) {
            bad(p, "bot.rules could not be checked (out of memory)");
            return;
        }
        char why[200] = "";
        if (rs_intent_model_add_rules(m, json_string_value(r), json_string_length(r), RS_INTENT_MERCHANT, why,
                                      sizeof why) != RS_OK)
            bad(p, "bot.rules: %s", why[0] ? why : "not in the rules format (intent<TAB>weight<TAB>pattern)");
        rs_intent_model_free(m);
        cfg->bot_rules = json_string_value(r);
    }
    /* the bot's texts: {"es":{"key":"template"},"en":{…}} (keys of data/bot-replies-*.txt) */
    json_t *rp = json_object_get(v, "replies");
    if (!p->bad && rp && !json_is_null(rp)) {
        static const char *const langs[] = {"es", "en", NULL};
        if (!json_is_object(rp)) {
            bad(p, "bot.replies must be an object {\"es\":{\"key\":\"text\"},\"en\":{…}}");
            return;
        }
        only_keys(p, rp, "bot.replies", langs);
        const char *lang, *key;
        json_t *set, *txt;
        json_object_foreach(rp, lang, set) {
            if (p->bad)
                break;
            if (!json_is_object(set)) {
                bad(p, "bot.replies.%s must be an object of texts by key", lang);
                break;
            }
            json_object_foreach(set, key, txt) {
                char out[64];
                if (!json_is_string(txt) || json_string_length(txt) > 2000) {
                    bad(p, "bot.replies.%s.%.40s must be text of at most 2000 bytes", lang, key);
                    break;
                }
                const char *nv[RS_CV__COUNT] = {0};
                enum rs_err e = rs_conv_reply_text(lang, key, NULL, nv, out, sizeof out);
                if (e == RS_ENOTFOUND) {
                    bad(p, "bot.replies.%s: unknown key \"%.40s\" (see data/bot-replies-%s.txt)", lang, key, lang);
                    break;
                }
            }
        }
    }
}

/* "HH:MM" (00:00 … 24:00) as minutes after midnight; -1 when V is not one. */
static int local_minute(const json_t *v)
{
    const char *t = json_string_value(v);
    if (!t || strlen(t) != 5 || t[2] != ':' || !isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1]) ||
        !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]))
        return -1;
    int h = (t[0] - '0') * 10 + t[1] - '0', m = (t[3] - '0') * 10 + t[4] - '0';
    return h > 24 || m > 59 || (h == 24 && m) ? -1 : h * 60 + m;
}

static void parse_business_hours(struct parser *p, json_t *v, struct rs_support_settings *cfg)
{
    static const char *const keys[] = {"days", "start", "end", NULL};
    static const char example[] = "e.g. {\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],\"start\":\"09:00\","
                                  "\"end\":\"18:00\"}";
    if (!v || json_is_null(v))
        return;
    if (!json_is_object(v)) {
        bad(p, "business_hours must be an object (or null: every hour counts for the SLA), %s", example);
        return;
    }
    only_keys(p, v, "business_hours", keys);
    json_t *days = json_object_get(v, "days");
    unsigned mask = 0;
    if (!p->bad && (!json_is_array(days) || json_array_size(days) == 0))
        bad(p, "business_hours.days must list the weekdays support works, %s", example);
    for (size_t i = 0; !p->bad && i < json_array_size(days); i++) {
        char field[48], e[200];
        snprintf(field, sizeof field, "business_hours.days[%zu]", i);
        json_t *d = json_array_get(days, i);
        if (rs_promise_settings_weekday(json_is_string(d) ? json_string_value(d) : NULL, field, &mask, e,
                                        sizeof e) != RS_OK)
            bad(p, "%s", e);
    }
    int start = local_minute(json_object_get(v, "start")), end = local_minute(json_object_get(v, "end"));
    if (!p->bad && (start < 0 || end < 0))
        bad(p, "business_hours.start and business_hours.end must be local times \"HH:MM\" (00:00 to 24:00), %s",
            example);
    else if (!p->bad && end - start < 60)
        bad(p, "business_hours.end must be at least an hour after business_hours.start, %s", example);
    if (p->bad)
        return;
    cfg->bh_days = mask;
    cfg->bh_start = start;
    cfg->bh_end = end;
}

/* "alerts": {"email": "soporte@tienda.example"}: whom to tell when an incident passes its SLA. */
static void parse_alerts(struct parser *p, json_t *v, struct rs_support_settings *cfg)
{
    static const char *const keys[] = {"email", NULL};
    static const char example[] = "e.g. {\"email\":\"soporte@tienda.example\"}";
    if (!v || json_is_null(v))
        return;
    if (!json_is_object(v)) {
        bad(p, "alerts must be an object (or null: no alert e-mails), %s", example);
        return;
    }
    only_keys(p, v, "alerts", keys);
    json_t *m = json_object_get(v, "email");
    if (p->bad || !m || json_is_null(m))
        return;
    if (!json_is_string(m) || !rs_email_plausible(json_string_value(m)))
        bad(p, "alerts.email must be the team's e-mail address (or null: no alert e-mails), %s", example);
    else
        cfg->alert_email = json_string_value(m);
}

/* The first working minute at or after local DAY, MINUTE (in place): a weekday of CFG's that is
 * not a holiday of CAL, from bh_start to before bh_end. False when none in ten years (a bound
 * that a week of one working hour never reaches). The one rule of "when the team is next open",
 * for the SLA clock and the hand-over's answer time. */
static bool next_working_minute(const struct rs_support_settings *cfg, const struct rs_calendar *cal, int64_t *day,
                                int *minute)
{
    for (int i = 0; i < 3660; i++, ++*day, *minute = 0) {
        if (!(cfg->bh_days & (1u << rs_cal_weekday(*day))) || (cal && rs_calendar_is_holiday(cal, *day)))
            continue;
        if (*minute < cfg->bh_start)
            *minute = cfg->bh_start;
        if (*minute < cfg->bh_end)
            return true;
    }
    return false;
}

int64_t rs_support_sla_due(const struct rs_support_settings *cfg, const struct rs_calendar *cal, const char *zone,
                           int hours, int64_t now)
{
    int64_t day, due;
    int minute;
    if (!cfg->bh_days || hours <= 0 || !zone || rs_tz_local(zone, now, &day, &minute) != RS_OK)
        return now + (int64_t)hours * 3600;
    int64_t left = (int64_t)hours * 60;
    /* a working stretch at a time from NOW's local day */
    for (int i = 0; i < 3660 && next_working_minute(cfg, cal, &day, &minute); i++, day++, minute = 0) {
        if (left <= cfg->bh_end - minute) {
            int at = minute + (int)left; /* 1440 (an end at 24:00) is the next day's midnight */
            return rs_tz_instant(zone, day + at / 1440, at % 1440, &due) == RS_OK ? due
                                                                                 : now + (int64_t)hours * 3600;
        }
        left -= cfg->bh_end - minute;
    }
    return now + (int64_t)hours * 3600;
}

int64_t rs_support_next_open(const struct rs_support_settings *cfg, const struct rs_calendar *cal, const char *zone,
                             int64_t now)
{
    int64_t day, at;
    int minute;
    if (!cfg->bh_days || !zone || rs_tz_local(zone, now, &day, &minute) != RS_OK)
        return now;
    int64_t today = day;
    int was = minute;
    if (!next_working_minute(cfg, cal, &day, &minute) || (day == today && minute == was))
        return now; /* open now (or never: no promise of a day) */
    return rs_tz_instant(zone, day, minute, &at) == RS_OK && at > now ? at : now;
}

/* Merge SRC over DST: objects of the keys below field by field, everything else replaced. */
static void merge(json_t *dst, json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v) {
        json_t *d = json_object_get(dst, k);
        bool by_field = strcmp(k, "sla_hours") == 0 || strcmp(k, "bot") == 0;
        if (by_field && json_is_object(d) && json_is_object(v))
            json_object_update(d, v);
        else
            json_object_set(dst, k, v);
    }
}

enum rs_err rs_support_settings_parse(const char *json, struct rs_support_settings *cfg, char *err, size_t errcap)
{
    memset(cfg, 0, sizeof *cfg);
    struct parser p = {.err = err, .cap = errcap};
    if (errcap)
        err[0] = '\0';
    json_t *root = json_loads(DEFAULTS, 0, NULL);
    if (!root)
        return bad(&p, "the shipped support defaults are broken"), RS_EINTERNAL;
    if (json && *json) {
        json_error_t je;
        json_t *mine = json_loads(json, JSON_REJECT_DUPLICATES, &je);
        if (!mine) {
            json_decref(root);
            return bad(&p, "not JSON: %s (line %d)", je.text, je.line);
        }
        if (!json_is_object(mine)) {
            json_decref(mine);
            json_decref(root);
            return bad(&p, "support settings must be a JSON object");
        }
        /* A coupon given by the merchant replaces the default one whole (a percent default must
         * not leak into an amount coupon). */
        merge(root, mine);
        json_decref(mine);
    }
    /* the warnings GET /v1/support/settings adds are not a setting: a document read, changed and
     * sent back is accepted */
    json_object_del(root, "warnings");
    static const char *const keys[] = {"sla_hours", "policies", "canned_replies", "retention_days", "coupon", "bot",
                                       "business_hours", "alerts", NULL};
    only_keys(&p, root, "support settings", keys);
    if (!p.bad)
        parse_sla(&p, json_object_get(root, "sla_hours"), cfg);
    json_t *pol = json_object_get(root, "policies");
    if (!p.bad && (!json_is_array(pol) || json_array_size(pol) > RS_SUPPORT_MAX_POLICIES))
        bad(&p, "policies must be a list of at most %d policies", RS_SUPPORT_MAX_POLICIES);
    for (size_t i = 0; !p.bad && i < json_array_size(pol); i++) {
        parse_policy(&p, json_array_get(pol, i), (int)i, cfg);
        cfg->n_policies = (int)i + 1;
    }
    if (!p.bad)
        parse_canned(&p, json_object_get(root, "canned_replies"));
    if (!p.bad)
        cfg->retention_days = whole(&p, json_object_get(root, "retention_days"), "retention_days", 1, 3650);
    if (!p.bad)
        parse_coupon(&p, json_object_get(root, "coupon"), cfg);
    if (!p.bad)
        parse_bot(&p, json_object_get(root, "bot"), cfg);
    if (!p.bad)
        parse_business_hours(&p, json_object_get(root, "business_hours"), cfg);
    if (!p.bad)
        parse_alerts(&p, json_object_get(root, "alerts"), cfg);
    if (p.bad) {
        json_decref(root);
        memset(cfg, 0, sizeof *cfg);
        return RS_EINVAL;
    }
    cfg->root = root;
    return RS_OK;
}

void rs_support_settings_release(struct rs_support_settings *cfg)
{
    json_decref(cfg->root);
    memset(cfg, 0, sizeof *cfg);
}

enum rs_err rs_support_settings_load(struct rs_store *s, int64_t merchant_id, struct rs_support_settings *cfg)
{
    char *json = NULL;
    enum rs_err e = rs_store_support_settings_get(s, merchant_id, &json);
    if (e)
        return e;
    char err[256];
    e = rs_support_settings_parse(json, cfg, err, sizeof err);
    if (e == RS_EINVAL) {
        /* saved documents were validated; one that no longer parses (an older format) falls back
         * to the defaults rather than stopping incidents */
        fprintf(stderr, "rastro: merchant %lld support settings: %s; using the defaults\n", (long long)merchant_id,
                err);
        e = rs_support_settings_parse(NULL, cfg, err, sizeof err);
    }
    free(json);
    return e;
}

enum rs_err rs_support_settings_save(struct rs_store *s, int64_t merchant_id, const char *json, int64_t now,
                                     char *err, size_t errcap)
{
    if (json) {
        struct rs_support_settings cfg;
        enum rs_err e = rs_support_settings_parse(json, &cfg, err, errcap);
        if (e)
            return e;
        rs_support_settings_release(&cfg);
    }
    return rs_store_support_settings_put(s, merchant_id, json, now);
}

int rs_support_sla_hours(const struct rs_support_settings *cfg, const char *type)
{
    int t = rs_incident_type_index(type);
    if (t < 0)
        t = RS_INCIDENT_NTYPES - 1; /* other */
    return cfg && cfg->sla_hours[t] > 0 ? cfg->sla_hours[t] : default_sla[t];
}
