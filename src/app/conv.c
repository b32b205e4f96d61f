/* conv.c — conversations with customers and the bot that answers them (see conv.h).
 *
 * rs_conv_inbound: validate → cut to RS_CONV_MAX_BODY → the sender's conversation → record
 * (once per provider message id) → unless a person holds the conversation, the bot: classify
 * (shipped model plus the merchant's rules), find the order the message is about and how much
 * the sender may see (the tracking page's levels), then answer:
 *   where_is_order, delivery_date      the status in plain words, promise window, tracking link
 *                                      (and where it is delivered, when asked)
 *   not_received … refund_status       an incident (app/incident.h), the conversation to a person
 *                                      (and the status first, when a clause also asks it)
 *   talk_to_human, low confidence      to a person at once
 *   greeting, thanks, other            a short answer
 * The answer is a message row queued in the same transaction; src/worker/replies.c sends it. */
#include "app/conv.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "app/incident.h"
#include "app/ingest.h"
#include "app/intent_default.h"
#include "app/notify_render.h"
#include "app/notify_settings.h"
#include "app/ratelimit.h"
#include "core/intent.h"
#include "core/tpl.h"
#include "store/store_conv.h"
#include "store/store_incident.h"
#include "store/store_page.h"
#include "store/store_webchat.h"
#include "store/store_notify.h"
#include "util/assets.h"
#include "util/fold.h"
#include "util/locfmt.h"
#include "util/timefmt.h"

/* ---- text checks ---- */

bool rs_conv_text_ok(const char *body, size_t len, char *why, size_t cap)
{
    if (!body || len == 0) {
        snprintf(why, cap, "the message is empty");
        return false;
    }
    if (len > (size_t)INT32_MAX) {
        snprintf(why, cap, "the message is too large");
        return false;
    }
    bool blank = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            snprintf(why, cap, "the message is not text (control byte 0x%02x at byte %zu)", c, i);
            return false;
        }
        if (c == 0x7f) {
            snprintf(why, cap, "the message is not text (control byte 0x7f at byte %zu)", i);
            return false;
        }
        if (!isspace(c))
            blank = false;
    }
    if (blank) {
        snprintf(why, cap, "the message is empty");
        return false;
    }
    /* ICU checks well-formed UTF-8 (no overlongs, surrogates or truncated sequences) */
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, body, (int32_t)len, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
        snprintf(why, cap, "the message is not valid UTF-8 text");
        return false;
    }
    return true;
}

/* Longest prefix of at most MAX bytes ending on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

const char *rs_conv_guess_lang(const char *text, size_t len)
{
    static const char *const es[] = {"el", "la", "los", "las", "de", "del", "que", "mi", "mis", "pedido", "donde",
                                     "esta", "cuando", "llega", "llego", "hola", "gracias", "no", "me", "ha", "por",
                                     "para", "con", "una", "un", "quiero", "hablar", "persona", "paquete", "envio",
                                     "todavia", "aun", "nada", "buenos", "buenas", "dias", "tardes", "roto", "es",
                                     "hay", "pero", "ya", "muchas", "vale", "nadie", "cambiar", "direccion", NULL};
    static const char *const en[] = {"the", "my", "is", "where", "when", "order", "package", "parcel", "hi",
                                     "hello", "thanks", "thank", "you", "i", "want", "to", "talk", "person", "did",
                                     "not", "has", "have", "it", "yet", "arrive", "arrived", "still", "what", "of",
                                     "a", "and", "please", "can", "speak", "human", "agent", "broken", "damaged",
                                     "wrong", "item", "refund", "cancel", "address", "delivery", "hey", "was", NULL};
    /* a chunk (between blanks, as written) with a digit is a tracking code, an order number or a
     * postcode, not words: "RX-7K4Q-9PZD-ME3TX" would otherwise read as Spanish ("me"), and the
     * "A" of order "A-1042" as English ("a") — folding would cut them at the dashes first */
    char raw[1001];
    size_t rl = len > 1000 ? 1000 : len;
    memcpy(raw, text, rl);
    raw[rl] = '\0';
    for (char *c = raw; *c;) {
        char *e = c;
        while (*e && !isspace((unsigned char)*e))
            e++;
        bool digit = false;
        for (char *d = c; d < e && !digit; d++)
            digit = isdigit((unsigned char)*d);
        if (digit)
            memset(c, ' ', (size_t)(e - c));
        while (*e && isspace((unsigned char)*e))
            e++;
        c = e;
    }
    char folded[1100];
    size_t fl = rs_fold(raw, (long)rl, folded, sizeof folded);
    if (fl >= sizeof folded)
        fl = sizeof folded - 1;
    folded[fl] = '\0';
    int ne = 0, nn = 0;
    for (char *p = folded; *p;) {
        while (*p && !isalpha((unsigned char)*p))
            p++;
        char *w = p;
        while (*p && isalpha((unsigned char)*p))
            p++;
        size_t wl = (size_t)(p - w);
        if (!wl)
            continue;
        for (int i = 0; es[i]; i++)
            if (strlen(es[i]) == wl && memcmp(es[i], w, wl) == 0)
                ne++;
        for (int i = 0; en[i]; i++)
            if (strlen(en[i]) == wl && memcmp(en[i], w, wl) == 0)
                nn++;
    }
    /* Spanish-only letters decide on their own */
    for (size_t i = 0; i + 1 < len && i < 1000; i++) {
        unsigned char a = (unsigned char)text[i], b = (unsigned char)text[i + 1];
        if (a == 0xC3 && (b == 0xB1 || b == 0x91)) /* ñ Ñ */
            ne += 2;
        if (a == 0xC2 && (b == 0xBF || b == 0xA1)) /* ¿ ¡ */
            ne += 2;
    }
    if (ne > nn)
        return "es";
    if (nn > ne)
        return "en";
    return NULL;
}

/* True when TEXT is only emoji that acknowledge an answer (👍, 👌, 🙏, ❤️, 🙂, 👏, ✅…), with
 * skin tones, variation selectors, blanks or punctuation: the model reads no words in it and
 * would hand the conversation to a person for a customer who said "thanks". */
static bool only_ack_emoji(const char *text, size_t len)
{
    static const UChar32 ack[] = {0x1F44D, 0x1F44C, 0x1F64F, 0x2764,  0x2665,  0x1F499, 0x1F49A, 0x1F49B,
                                  0x1F49C, 0x1F9E1, 0x1F5A4, 0x1F60A, 0x1F642, 0x1F600, 0x1F601, 0x1F603,
                                  0x1F604, 0x1F44F, 0x1F64C, 0x1F970, 0x1F60D, 0x1F917, 0x2705,  0x1F389};
    bool any = false;
    int32_t n = len > (size_t)INT32_MAX ? INT32_MAX : (int32_t)len;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(text, i, n, c);
        if (c < 0)
            return false;
        if (c < 0x80) {
            if (isalnum(c))
                return false;
            continue; /* blanks and punctuation */
        }
        if (c == 0xFE0F || c == 0x200D || (c >= 0x1F3FB && c <= 0x1F3FF))
            continue; /* emoji presentation, joiner, skin tones */
        bool hit = false;
        for (size_t k = 0; k < sizeof ack / sizeof ack[0] && !hit; k++)
            hit = ack[k] == c;
        if (!hit)
            return false;
        any = true;
    }
    return any;
}

/* Whether SUBJECT is the sender's own words: not empty, and not a reply or a forward ("Re:",
 * "RE:", "Fwd:", "FW:", Spanish Outlook's "RV:", "Res:", "AW:", "TR:"), which repeat the subject
 * of someone else's message (ours, often). */
static bool own_subject(const char *subject)
{
    static const char *const prefixes[] = {"re", "fw", "fwd", "rv", "res", "aw", "wg", "tr", NULL};
    const char *p = subject;
    while (p && (*p == ' ' || *p == '\t'))
        p++;
    if (!p || !*p)
        return false;
    for (int i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncasecmp(p, prefixes[i], n) == 0 && (p[n] == ':' || (p[n] == ' ' && p[n + 1] == ':')))
            return false;
    }
    return true;
}

/* ---- reply texts ---- */

static const char *const VAR_NAMES[RS_CV__COUNT] = {"name",         "order_ref",    "tracking_code", "status_text",
                                                     "promise_text", "tracking_url", "incident_ref",  "merchant_name",
                                                     "city",         "postcode",     "pickup_point",  "pickup_deadline",
                                                     "pickup_deadline_text", "answer_text"};

/* Section KEY of the embedded file for LANG. OUT: pointer and length (not NUL-terminated). */
static bool section(const char *lang, const char *key, const char **out, size_t *len)
{
    char name[64];
    snprintf(name, sizeof name, "data/bot-replies-%s.txt", strcmp(lang, "en") == 0 ? "en" : "es");
    size_t flen;
    const char *f = rs_asset_get(name, &flen);
    if (!f)
        return false;
    size_t kl = strlen(key);
    for (const char *p = f; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, "=== ", 4) == 0 && strncmp(p + 4, key, kl) == 0 &&
            (p[4 + kl] == '\n' || p[4 + kl] == '\r' || p[4 + kl] == '\0')) {
            const char *b = eol ? eol + 1 : p + strlen(p);
            const char *e = b;
            while (*e) {
                if (strncmp(e, "=== ", 4) == 0 && (e == f || e[-1] == '\n'))
                    break;
                const char *n = strchr(e, '\n');
                e = n ? n + 1 : e + strlen(e);
            }
            while (e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
                e--;
            *out = b;
            *len = (size_t)(e - b);
            return true;
        }
        p = eol ? eol + 1 : NULL;
    }
    return false;
}

enum rs_err rs_conv_reply_text(const char *lang, const char *key, json_t *overrides, const char *const *vars,
                               char *out, size_t cap)
{
    const char *src = NULL;
    size_t len = 0;
    const char *ov = json_string_value(
        json_object_get(json_object_get(overrides, strcmp(lang ? lang : "es", "en") == 0 ? "en" : "es"), key));
    if (ov) {
        src = ov;
        len = strlen(ov);
    } else if (!section(lang ? lang : "es", key, &src, &len)) {
        return RS_ENOTFOUND;
    }
    struct rs_tpl_op ops[128];
    struct rs_tpl tpl;
    struct rs_tpl_error te;
    enum rs_err e = rs_tpl_compile(src, len, 1, VAR_NAMES, RS_CV__COUNT, 0, ops, 128, &tpl, &te);
    if (e == RS_EINVAL && ov) /* a broken override: the shipped text */
        return rs_conv_reply_text(lang, key, NULL, vars, out, cap);
    if (e)
        return e;
    size_t n;
    return rs_tpl_render(&tpl, vars, RS_TPL_PLAIN, NULL, out, cap, &n);
}

/* ---- bot settings and models ---- */

struct bot_cfg {
    bool enabled;
    float handover_below;
    json_t *root;     /* the whole support config (owned), NULL when none */
    json_t *replies;  /* borrowed from root */
    const char *rules;
};

static void bot_cfg_load(struct rs_store *s, int64_t merchant_id, struct bot_cfg *b)
{
    memset(b, 0, sizeof *b);
    b->enabled = true;
    b->handover_below = RS_INTENT_HANDOVER;
    char *text = NULL;
    if (rs_store_support_config(s, merchant_id, &text) != RS_OK || !text)
        return;
    b->root = json_loads(text, 0, NULL);
    free(text);
    json_t *bot = json_object_get(b->root, "bot");
    if (!json_is_object(bot))
        return;
    if (json_is_boolean(json_object_get(bot, "enabled")))
        b->enabled = json_is_true(json_object_get(bot, "enabled"));
    json_t *h = json_object_get(bot, "handover_below");
    if (json_is_number(h) && json_number_value(h) >= 0 && json_number_value(h) <= 1)
        b->handover_below = (float)json_number_value(h);
    b->rules = json_string_value(json_object_get(bot, "rules"));
    b->replies = json_object_get(bot, "replies");
    if (!json_is_object(b->replies))
        b->replies = NULL;
}

/* Merchant models, rebuilt when the rules text changes. Guarded by one mutex (classification
 * takes microseconds). */
#define MODEL_CACHE 8
static struct {
    int64_t merchant_id;
    char *rules;
    struct rs_intent_model *m;
} g_models[MODEL_CACHE];
static pthread_mutex_t g_models_mu = PTHREAD_MUTEX_INITIALIZER;

static void classify(int64_t merchant_id, const char *rules, const char *text, struct rs_intent_result *r)
{
    const struct rs_intent_model *def = rs_intent_default();
    if (!rules || !*rules) {
        if (def)
            rs_intent_classify(def, text, r);
        else
            memset(r, 0, sizeof *r), r->intent = RS_INTENT_OTHER;
        return;
    }
    pthread_mutex_lock(&g_models_mu);
    int slot = -1;
    for (int i = 0; i < MODEL_CACHE && slot < 0; i++)
        if (g_models[i].m && g_models[i].merchant_id == merchant_id)
            slot = i;
    if (slot >= 0 && strcmp(g_models[slot].rules, rules) != 0) {
        rs_intent_model_free(g_models[slot].m);
        free(g_models[slot].rules);
        g_models[slot].m = NULL;
        g_models[slot].rules = NULL;
        slot = -1;
    }
    if (slot < 0) {
        for (int i = 0; i < MODEL_CACHE && slot < 0; i++)
            if (!g_models[i].m)
                slot = i;
        if (slot < 0) { /* full: drop one (by merchant id, stable enough) */
            slot = (int)(merchant_id % MODEL_CACHE);
            rs_intent_model_free(g_models[slot].m);
            free(g_models[slot].rules);
            g_models[slot].m = NULL;
        }
        char err[200];
        struct rs_intent_model *m = NULL;
        if (rs_intent_model_for_merchant(rules, strlen(rules), &m, err, sizeof err) == RS_OK) {
            g_models[slot].m = m;
            g_models[slot].rules = strdup(rules);
            g_models[slot].merchant_id = merchant_id;
            if (!g_models[slot].rules) {
                rs_intent_model_free(m);
                g_models[slot].m = NULL;
            }
        }
    }
    const struct rs_intent_model *use = slot >= 0 && g_models[slot].m ? g_models[slot].m : def;
    if (use)
        rs_intent_classify(use, text, r);
    else
        memset(r, 0, sizeof *r), r->intent = RS_INTENT_OTHER;
    pthread_mutex_unlock(&g_models_mu);
}

/* ---- the order a message is about ---- */

enum level { LV_NONE = 0, LV_PUBLIC, LV_FULL };

static void squash(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; in && *in && n + 1 < cap; in++)
        if (isalnum((unsigned char)*in))
            out[n++] = (char)toupper((unsigned char)*in);
    out[n] = '\0';
}

struct found {
    enum level level;
    bool have;            /* an order was found (maybe at LV_NONE) */
    bool by_number_only;  /* only an order number pointed at it */
    bool code_not_found, code_typo;
    /* a second factor (postcode, e-mail) given with an order number or a code did not match;
     * or was not even checked: too many such failures from this sender (the tracking page's
     * look-up limit, app/ratelimit.h) */
    bool proof_failed, proof_blocked;
    struct rs_conv_order o;
    /* no reference given, the sender's own orders: the others still on their way, newest first */
    int64_t others[2];
    size_t n_others;
};

/* The order whose reference is REF: "2087" also finds "#2087" (a shop's confirmation writes the
 * '#', the customer often not), as the look-up form does. */
static enum rs_err order_by_ref(struct rs_store *s, int64_t merchant_id, const char *ref, struct rs_conv_order *o)
{
    enum rs_err e = rs_store_conv_order(s, merchant_id, 'r', ref, o);
    char alt[RS_MAX_REF_LEN + 2];
    if (e == RS_ENOTFOUND && rs_app_order_ref_alt(ref, alt, sizeof alt))
        e = rs_store_conv_order(s, merchant_id, 'r', alt, o);
    return e;
}

/* Whether the message's postcode or e-mail is order O's (the tracking page's second factors). */
static bool proves(const struct rs_intent_entities *ent, const struct rs_conv_order *o)
{
    char a[32], b[32];
    squash(ent->postcode, a, sizeof a);
    squash(o->postcode, b, sizeof b);
    return (a[0] && strcmp(a, b) == 0) || (ent->email[0] && o->email[0] && strcasecmp(ent->email, o->email) == 0);
}

/* The key of the sender in the look-up limiter: their phone or e-mail (every shop's conversations
 * with them), else the conversation (the web chat of an order). */
static void limit_key(const struct rs_inbound_msg *in, const struct rs_conv *c, char *out, size_t cap)
{
    if (in->phone && *in->phone)
        snprintf(out, cap, "bot:%s", in->phone);
    else if (in->email && *in->email) {
        snprintf(out, cap, "bot:%s", in->email);
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    } else
        snprintf(out, cap, "bot:conv:%lld", (long long)c->id);
}

/* OWN_ORDERS: a follow-up ("¿y el otro?", "when will they arrive?") of an answer about the
 * customer's orders on their way; they are the answer again, not only the one the conversation
 * remembers, when that one is the latest (the first of that answer) or OTHERS_ASKED (the
 * message only asks about "the other" orders). */
static void find_order(struct rs_store *s, const struct rs_inbound_msg *in, const struct rs_conv *c,
                       const struct rs_intent_entities *ent, bool own_orders, bool others_asked, struct found *f)
{
    memset(f, 0, sizeof *f);
    char key[32];
    /* web chat: a code typed for another order than the page's ("¿y el pedido RX-…?") is the
     * one asked about */
    if (in->order_id > 0 && ent->tracking_code[0] &&
        rs_store_conv_order(s, in->merchant_id, 'c', ent->tracking_code, &f->o) == RS_OK && f->o.id != in->order_id) {
        f->have = true;
        f->level = LV_PUBLIC;
    }
    if (!f->have && in->order_id > 0) { /* web chat: the tracking page's order */
        snprintf(key, sizeof key, "%lld", (long long)in->order_id);
        if (rs_store_conv_order(s, in->merchant_id, 'i', key, &f->o) == RS_OK) {
            f->have = true;
            f->level = in->verified ? LV_FULL : LV_PUBLIC;
        }
    }
    if (!f->have && ent->tracking_code[0]) {
        if (rs_store_conv_order(s, in->merchant_id, 'c', ent->tracking_code, &f->o) == RS_OK) {
            f->have = true;
            f->level = LV_PUBLIC;
        } else {
            f->code_not_found = true;
        }
    }
    if (!f->have && !ent->tracking_code[0] && ent->tracking_code_typo[0])
        f->code_typo = true;
    bool number_unknown = false; /* an order number of no order of the shop */
    if (!f->have && ent->order_number[0]) {
        if (order_by_ref(s, in->merchant_id, ent->order_number, &f->o) == RS_OK) {
            f->have = true;
            f->by_number_only = true;
            f->level = LV_NONE;
        } else {
            number_unknown = true;
        }
    }
    if (!f->have && c->order_id && own_orders && c->customer_id) {
        snprintf(key, sizeof key, "%lld", (long long)c->customer_id);
        struct rs_conv_order latest;
        if (others_asked ||
            (rs_store_conv_order(s, in->merchant_id, 'u', key, &latest) == RS_OK && latest.id == c->order_id))
            own_orders = true;
        else
            own_orders = false;
    } else {
        own_orders = false;
    }
    /* "and the other one?" from a sender whose orders we do not know: one we cannot name, so
     * not the one the conversation remembers (its code is asked for) */
    if (!f->have && c->order_id && !own_orders && !(others_asked && !c->customer_id)) {
        snprintf(key, sizeof key, "%lld", (long long)c->order_id);
        if (rs_store_conv_order(s, in->merchant_id, 'i', key, &f->o) == RS_OK) {
            f->have = true;
            f->level = c->verified_order_id == c->order_id ? LV_FULL : LV_PUBLIC;
        }
    }
    if (!f->have && c->customer_id && !f->code_not_found) {
        snprintf(key, sizeof key, "%lld", (long long)c->customer_id);
        if (rs_store_conv_order(s, in->merchant_id, 'u', key, &f->o) == RS_OK) {
            f->have = true;
            f->level = LV_FULL;
            /* the latest order, and the others still on their way */
            int64_t open[3];
            size_t n = 0;
            if (rs_store_conv_customer_open_orders(s, in->merchant_id, c->customer_id, open, 3, &n) != RS_OK)
                n = 0;
            for (size_t i = 0; i < n && f->n_others < sizeof f->others / sizeof f->others[0]; i++)
                if (open[i] != f->o.id)
                    f->others[f->n_others++] = open[i];
        }
    }
    /* second factors raise the level */
    if (f->have && c->customer_id && f->o.customer_id == c->customer_id)
        f->level = LV_FULL;
    if (f->have && c->verified_order_id == f->o.id)
        f->level = LV_FULL;
    /* the tracking code, or the order number, with the delivery postcode or the order's e-mail:
     * the full level for that order, as on the tracking page and its look-up form. A pair that
     * does not match (an unknown order number too) counts against the sender in the page's
     * look-up limit, so order numbers (sequential) and postcodes (few in a city) cannot be tried
     * one after another; with none left the pair is not even checked. */
    bool factor = ent->postcode[0] || ent->email[0];
    bool by_number = number_unknown || (f->have && f->by_number_only);
    if (!factor || !(by_number || (f->have && f->level == LV_PUBLIC)) || (f->have && f->level == LV_FULL))
        return;
    /* by sender, and by order: an e-mail address costs nothing, so one order's postcode must not
     * be tried from one new address after another either */
    struct rs_ratelimit *rl = rs_ratelimit_lookups();
    char sender[300], order[48];
    limit_key(in, c, sender, sizeof sender);
    bool known = !number_unknown && f->have;
    snprintf(order, sizeof order, "bot:order:%lld", known ? (long long)f->o.id : 0LL);
    int wait = 0;
    int64_t ms = rs_ratelimit_now_ms();
    if (rl && (rs_ratelimit_blocked(rl, sender, ms, &wait) || (known && rs_ratelimit_blocked(rl, order, ms, &wait)))) {
        f->proof_blocked = true;
    } else if (known && proves(ent, &f->o)) {
        f->level = LV_FULL;
        f->by_number_only = false;
    } else {
        f->proof_failed = true;
        if (rl)
            rs_ratelimit_fail(rl, sender, ms);
        if (rl && known)
            rs_ratelimit_fail(rl, order, ms);
    }
    if (number_unknown && (f->proof_failed || f->proof_blocked)) {
        /* the order asked about is not any order the conversation knew */
        f->have = false;
        f->by_number_only = true;
    }
}

/* True when TEXT only gives references: every folded word is part of one (the code, the
 * postcode, the e-mail, an order or carrier number, as written) or a word that introduces one
 * ("RX-7K2M-… y el cp 28013", "my postcode is SW1A 1AA", "mi correo es ana@x.es"). Such a message
 * answers the bot's question for a code or a postcode; the model reads the naming words
 * ("código postal", "postcode") as an address change or worse. */
static bool only_references(const char *text, const struct rs_intent_entities *ent)
{
    static const char *const filler[] = {
        "hola", "buenas", "mi", "mis", "el", "la", "los", "las", "es", "son", "y", "e", "o", "de", "del", "a",
        "al", "en", "codigo", "postal", "cp", "correo", "email", "mail", "electronico", "seguimiento", "numero",
        "num", "n", "pedido", "orden", "compra", "envio", "aqui", "esta", "este", "te", "paso", "gracias", "ok",
        "vale", "porfa", "por", "favor", "rx", "ya", "pues", "hi", "hello", "hey", "my", "the", "is", "its", "it",
        "s", "and", "or", "of", "an", "to", "code", "tracking", "postcode", "post", "zip", "address", "number",
        "order", "here", "thanks", "thank", "you", "okay", "please", "si", "yes", NULL};
    char refs[5][160];
    squash(ent->tracking_code, refs[0], sizeof refs[0]);
    squash(ent->tracking_code_typo, refs[1], sizeof refs[1]);
    squash(ent->postcode, refs[2], sizeof refs[2]);
    squash(ent->email, refs[3], sizeof refs[3]);
    char num[80];
    snprintf(num, sizeof num, "%s %s", ent->order_number, ent->tracking_number);
    squash(num, refs[4], sizeof refs[4]);
    /* the words of the numbers as folded, so "B-1" ("b", "1") is a reference too: a part of one
     * shorter than two characters is matched whole, not inside another */
    char numwords[96] = " ";
    size_t nl = rs_fold(num, -1, numwords + 1, sizeof numwords - 2);
    if (nl > sizeof numwords - 3)
        nl = sizeof numwords - 3;
    memcpy(numwords + 1 + nl, " ", 2);
    char folded[RS_CONV_MAX_BODY + 64];
    size_t fl = rs_fold(text, -1, folded, sizeof folded);
    folded[fl < sizeof folded ? fl : sizeof folded - 1] = '\0';
    bool any = false;
    for (char *save = NULL, *w = strtok_r(folded, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        bool ok = false;
        for (int i = 0; filler[i] && !ok; i++)
            ok = strcmp(w, filler[i]) == 0;
        char up[160];
        squash(w, up, sizeof up);
        for (int i = 0; i < 5 && !ok; i++)
            ok = strlen(up) >= 2 && strstr(refs[i], up) != NULL;
        char whole[164];
        snprintf(whole, sizeof whole, " %s ", w);
        ok = ok || strstr(numwords, whole) != NULL;
        if (!ok)
            return false;
        any = true;
    }
    return any;
}

/* The order number of a message answering the bot's "which order?" without the word "pedido"
 * or a '#' ("5001", "es el 5001, cp 28013", "A-1042 y mi email es …"): the one word with a digit
 * that is no other reference of ENT (the postcode, the e-mail, a code), when every other word is
 * a reference or a filler (only_references). Entities need a cue before a number ("pedido",
 * "order", '#') because a number alone could be anything; an answer to the question is not.
 * False when there is none or more than one. */
static bool bare_order_number(const char *text, const struct rs_intent_entities *ent, char *out, size_t cap)
{
    if (ent->order_number[0] || ent->tracking_code[0] || ent->tracking_code_typo[0] || ent->tracking_number[0])
        return false;
    char known[320];
    snprintf(known, sizeof known, "%s %s", ent->postcode, ent->email);
    char sq_known[320];
    squash(known, sq_known, sizeof sq_known);
    char found[32] = "";
    int n = 0;
    for (const char *p = text; *p;) {
        /* a word: letters, digits and '-' ("A-1042"); a leading '#' or a trailing '-' is not part */
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '-' || (unsigned char)*p >= 0x80))
            p++;
        size_t wl = (size_t)(p - w);
        while (wl && w[wl - 1] == '-')
            wl--;
        bool digit = false, plain = true;
        for (size_t i = 0; i < wl; i++) {
            digit = digit || isdigit((unsigned char)w[i]);
            plain = plain && (isalnum((unsigned char)w[i]) || w[i] == '-');
        }
        if (!wl || !digit || !plain || wl >= sizeof found || wl >= cap)
            continue;
        char word[32], sq[32];
        memcpy(word, w, wl);
        word[wl] = '\0';
        squash(word, sq, sizeof sq);
        if (strstr(sq_known, sq)) /* the postcode, or digits of the e-mail */
            continue;
        if (++n > 1)
            return false;
        memcpy(found, word, wl + 1);
    }
    if (n != 1)
        return false;
    struct rs_intent_entities with = *ent;
    snprintf(with.order_number, sizeof with.order_number, "%s", found);
    if (!only_references(text, &with))
        return false;
    snprintf(out, cap, "%s", found);
    return true;
}

/* True when TEXT only asks about the other order(s) of an answer: "¿y el otro?", "¿y los
 * demás?", "and the other one?", "what about the other order?" — every folded word a filler or
 * one naming an order, and one of them "other". The model reads no intent in it (it comes out
 * as a wrong item, or below the hand-over threshold). */
static bool asks_other_orders(const char *text)
{
    static const char *const other[] = {"otro", "otra", "otros", "otras", "demas", "resto", "other", "others",
                                        "rest", NULL};
    static const char *const filler[] = {
        "y", "e", "el", "la", "los", "las", "lo", "de", "del", "mi", "mis", "que", "tal", "pedido", "pedidos",
        "paquete", "paquetes", "envio", "envios", "compra", "compras", "donde", "cuando", "esta", "estan", "llega",
        "llegan", "pues", "entonces", "sobre", "and", "what", "about", "how", "the", "one", "ones", "order", "orders",
        "parcel", "parcels", "package", "packages", "my", "of", "where", "when", "is", "are", "it", "they", "s", "too",
        "please", "porfa", NULL};
    char folded[512];
    size_t fl = rs_fold(text, -1, folded, sizeof folded);
    if (fl >= sizeof folded)
        return false; /* too long to be only that */
    folded[fl] = '\0';
    bool any = false;
    for (char *save = NULL, *w = strtok_r(folded, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        bool is_other = false, ok = false;
        for (int i = 0; other[i] && !is_other; i++)
            is_other = strcmp(w, other[i]) == 0;
        for (int i = 0; filler[i] && !ok; i++)
            ok = strcmp(w, filler[i]) == 0;
        if (!is_other && !ok)
            return false;
        any = any || is_other;
    }
    return any;
}

/* ---- composing ---- */

struct reply_ctx {
    struct rs_store *s;
    const struct rs_inbound_msg *in;
    struct rs_conv *c;
    struct bot_cfg *bot;
    const char *lang;
    int64_t now;
    char merchant_name[201];
    char base_url[512];
};

static void merchant_facts(struct reply_ctx *x)
{
    struct rs_notify_merchant m;
    snprintf(x->base_url, sizeof x->base_url, "%s", x->in->base_url ? x->in->base_url : "http://127.0.0.1:8080");
    if (rs_store_notify_merchant(x->s, x->in->merchant_id, &m) != RS_OK)
        return;
    snprintf(x->merchant_name, sizeof x->merchant_name, "%s", m.name);
    if (m.config) {
        struct rs_notify_config cfg;
        char err[200];
        if (rs_notify_config_parse(m.config, &cfg, err, sizeof err) == RS_OK) {
            if (cfg.public_base_url)
                snprintf(x->base_url, sizeof x->base_url, "%s", cfg.public_base_url);
            if (cfg.merchant_name)
                snprintf(x->merchant_name, sizeof x->merchant_name, "%s", cfg.merchant_name);
            rs_notify_config_release(&cfg);
        }
        free(m.config);
    }
    size_t bl = strlen(x->base_url);
    while (bl > 0 && x->base_url[bl - 1] == '/')
        x->base_url[--bl] = '\0';
}

/* The first name of NAME into OUT. */
static void first_name(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    while (name && name[n] && name[n] != ' ' && n + 1 < cap)
        n++;
    memcpy(out, name ? name : "", n);
    out[n] = '\0';
}

static enum rs_err text_for(struct reply_ctx *x, const char *key, const char *const *vars, char *out, size_t cap)
{
    const char *v[RS_CV__COUNT];
    for (int i = 0; i < RS_CV__COUNT; i++)
        v[i] = vars ? vars[i] : NULL;
    if (!v[RS_CV_MERCHANT_NAME])
        v[RS_CV_MERCHANT_NAME] = x->merchant_name;
    return rs_conv_reply_text(x->lang, key, x->bot ? x->bot->replies : NULL, v, out, cap);
}

/* The WISMO answer for order F at its level (GREET: with the customer's name). */
static enum rs_err wismo_text(struct reply_ctx *x, const struct found *f, bool greet, char *out, size_t cap)
{
    char key[64], status_text[600] = "", url[700], name[100] = "";
    snprintf(key, sizeof key, "status.%s", f->o.status);
    /* "llega hoy" only the day of the scan, as the page says it: a scan from an earlier day the
     * carrier has not followed up is "en reparto" alone */
    if (strcmp(f->o.status, "out_for_delivery") == 0 &&
        !rs_locfmt_same_day(f->o.zone[0] ? f->o.zone : "UTC", f->o.out_for_delivery_at, x->now))
        snprintf(key, sizeof key, "status.out_for_delivery_earlier");
    if (text_for(x, key, NULL, status_text, sizeof status_text) != RS_OK)
        text_for(x, "status.in_transit", NULL, status_text, sizeof status_text);
    snprintf(url, sizeof url, "%s/t/%s", x->base_url, f->o.tracking_code);
    struct rs_notify_extras ex;
    memset(&ex, 0, sizeof ex);
    if (f->o.shipment_id && strcmp(f->o.status, "delivered") != 0) {
        struct rs_locfmt *lf = rs_locfmt_new();
        if (!lf || rs_app_notify_extras(x->s, lf, f->o.shipment_id, 0, x->lang, &ex) != RS_OK)
            memset(&ex, 0, sizeof ex);
        rs_locfmt_free(lf);
    }
    /* waiting at a pickup point the scans name: which, and until when, to its customer only (the
     * point is near their home; the tracking page does the same) */
    if (f->level == LV_FULL && strcmp(f->o.status, "available_for_pickup") == 0 &&
        (ex.pickup_point[0] || ex.pickup_address[0])) {
        const char *pv[RS_CV__COUNT] = {0};
        pv[RS_CV_PICKUP_POINT] = ex.pickup_point[0] ? ex.pickup_point : ex.pickup_address;
        pv[RS_CV_PICKUP_DEADLINE] = ex.pickup_deadline[0] ? ex.pickup_deadline : NULL;
        pv[RS_CV_PICKUP_DEADLINE_TEXT] = ex.pickup_deadline_text[0] ? ex.pickup_deadline_text : NULL;
        char at[sizeof status_text];
        if (text_for(x, "status.available_for_pickup_at", pv, at, sizeof at) == RS_OK)
            snprintf(status_text, sizeof status_text, "%s", at);
    }
    const char *v[RS_CV__COUNT] = {0};
    v[RS_CV_STATUS_TEXT] = status_text;
    /* a parcel waiting at its pickup point has arrived: its delivery window says nothing any
     * more (the tracking page does not show it either) */
    v[RS_CV_PROMISE_TEXT] = ex.has_window && strcmp(f->o.status, "available_for_pickup") != 0 ? ex.promise_text : NULL;
    v[RS_CV_TRACKING_URL] = url;
    v[RS_CV_TRACKING_CODE] = f->o.tracking_code;
    if (f->level == LV_FULL) {
        if (greet)
            first_name(x->c->customer_name, name, sizeof name);
        v[RS_CV_NAME] = name[0] ? name : NULL;
        v[RS_CV_ORDER_REF] = f->o.order_ref;
        return text_for(x, "wismo.full", v, out, cap);
    }
    return text_for(x, "wismo.public", v, out, cap);
}

/* Where order F is delivered, at its level: the city is on the public tracking page; the
 * postcode only to someone who proved the order is theirs (it is a second factor). */
static enum rs_err address_text(struct reply_ctx *x, const struct found *f, char *out, size_t cap)
{
    const char *v[RS_CV__COUNT] = {0};
    v[RS_CV_CITY] = f->o.dest_city[0] ? f->o.dest_city : NULL;
    if (f->level == LV_FULL) {
        v[RS_CV_POSTCODE] = f->o.postcode[0] ? f->o.postcode : NULL;
        return text_for(x, "address.full", v, out, cap);
    }
    return text_for(x, "address.public", v, out, cap);
}

static bool is_wismo(enum rs_intent i)
{
    return i == RS_INTENT_WHERE_IS_ORDER || i == RS_INTENT_DELIVERY_DATE;
}

static bool is_problem(enum rs_intent i)
{
    return i == RS_INTENT_NOT_RECEIVED || i == RS_INTENT_DAMAGED || i == RS_INTENT_MISSING_ITEM ||
           i == RS_INTENT_WRONG_ITEM || i == RS_INTENT_CHANGE_ADDRESS || i == RS_INTENT_CANCEL ||
           i == RS_INTENT_RETURN || i == RS_INTENT_REFUND_STATUS;
}

/* A problem that asks for something to be done with the order, which a status answer alone
 * leaves undone. The reports (not received, damaged…) are not: "no sé nada de mi pedido, ¿dónde
 * está?" asks where it is. */
static bool is_request(enum rs_intent i)
{
    return i == RS_INTENT_CHANGE_ADDRESS || i == RS_INTENT_CANCEL || i == RS_INTENT_RETURN;
}

static const char *incident_type(enum rs_intent i)
{
    switch (i) {
    case RS_INTENT_NOT_RECEIVED:
        return "lost";
    case RS_INTENT_DAMAGED:
        return "damaged";
    case RS_INTENT_MISSING_ITEM:
        return "missing_item";
    case RS_INTENT_WRONG_ITEM:
        return "wrong_item";
    case RS_INTENT_CHANGE_ADDRESS:
        return "address";
    case RS_INTENT_RETURN:
        return "return";
    default:
        return "other";
    }
}

/* The first clause of TEXT the model reads, on its own, as an intent KIND accepts with at least
 * MIN confidence, else RS_INTENT_INVALID; none when TEXT is one clause. Clauses are cut at
 * sentence punctuation (. , ; ? ! ¿ ¡ and line breaks) and at the words that join two requests
 * (y, e, además, también, pero, and, also, but, plus): "dónde está mi pedido y quiero cambiar la
 * dirección", "where is it? also I want to cancel". The whole message reads as the stronger of
 * its two requests; a customer who asks two things wants both answered. */
static enum rs_intent clause_intent(int64_t merchant_id, const char *rules, const char *text,
                                    bool (*kind)(enum rs_intent), float min)
{
    static const char *const joins[] = {"y",    "e",   "ademas", "adem\xC3\xA1s", "tambien", "tambi\xC3\xA9n",
                                        "pero", "and", "also",   "but",          "plus",    NULL};
    char *buf = strdup(text);
    if (!buf)
        return RS_INTENT_INVALID;
    char *clauses[32];
    size_t n = 0;
    char *start = buf;
    for (char *p = buf;; p++) {
        size_t skip = 0; /* bytes of the separator */
        if (*p == '\0' || strchr(".,;?!\n\r", *p))
            skip = 1;
        else if ((unsigned char)p[0] == 0xC2 && ((unsigned char)p[1] == 0xBF || (unsigned char)p[1] == 0xA1))
            skip = 2; /* ¿ ¡ */
        else if (p == buf || isspace((unsigned char)p[-1]))
            for (int i = 0; joins[i] && !skip; i++) {
                size_t jl = strlen(joins[i]);
                if (strncasecmp(p, joins[i], jl) == 0 && isspace((unsigned char)p[jl]))
                    skip = jl;
            }
        if (!skip)
            continue;
        bool has_alpha = false;
        for (char *q = start; q < p && !has_alpha; q++)
            has_alpha = isalpha((unsigned char)*q) || (unsigned char)*q >= 0x80;
        bool end = *p == '\0';
        *p = '\0';
        if (has_alpha && n < sizeof clauses / sizeof clauses[0])
            clauses[n++] = start;
        if (end)
            break;
        p += skip - 1;
        start = p + 1;
    }
    enum rs_intent found = RS_INTENT_INVALID;
    for (size_t i = 0; n > 1 && i < n && found == RS_INTENT_INVALID; i++) {
        struct rs_intent_result r;
        classify(merchant_id, rules, clauses[i], &r);
        /* "…? postcode 28013" gives a reference, it asks for nothing (the model reads the naming
         * words as an address change) */
        if (kind(r.intent) && (r.confidence >= min || r.rule_decided) && !only_references(clauses[i], &r.entities))
            found = r.intent;
    }
    free(buf);
    return found;
}

/* Every hand-over to a person is also an internal note, so the console shows the whole
 * history (the conversation row keeps only the latest time and reason). Agents read it in
 * either language, hence both. */
static enum rs_err handover_note(struct rs_store *s, const struct rs_conv *c, const char *reason, int64_t promised,
                                 int64_t now)
{
    char body[200], stamp[RS_TIME_LEN] = RS_CONV_HANDOVER_SOON;
    if (promised > now)
        rs_time_format(promised, 0, stamp);
    if (promised >= 0)
        snprintf(body, sizeof body, RS_CONV_HANDOVER_NOTE "%s" RS_CONV_HANDOVER_PROMISE "%s", reason, stamp);
    else
        snprintf(body, sizeof body, RS_CONV_HANDOVER_NOTE "%s", reason);
    struct rs_conv_msg_new m = {.merchant_id = c->merchant_id, .conversation_id = c->id, .direction = "note",
                                .channel = "console", .author = "system", .body = body, .confidence = -1};
    int64_t id;
    return rs_store_conv_msg_add(s, &m, now, &id);
}

/* Hand C over to a person for REASON; PROMISED: when the customer is told a person answers
 * (written in the note; NOW or earlier: at once), -1 when they are told nothing of it. */
static enum rs_err handover_at(struct rs_store *s, struct rs_conv *c, const char *reason, int64_t promised,
                               int64_t now)
{
    enum rs_err e = RS_OK;
    if (strcmp(c->state, "agent") != 0 || !c->handover_at) {
        c->handover_at = now;
        snprintf(c->handover_reason, sizeof c->handover_reason, "%s", reason);
        e = handover_note(s, c, reason, promised, now);
    }
    snprintf(c->state, sizeof c->state, "agent");
    return e;
}

static enum rs_err handover(struct rs_store *s, struct rs_conv *c, const char *reason, int64_t now)
{
    return handover_at(s, c, reason, -1, now);
}

/* Hand X's conversation over to a person for REASON with the "handover" reply in OUT, telling the
 * customer when a person answers ({{answer_text}}: "en breve" while the team works, else from
 * when it next does, in the customer's zone and language; rs_incident_team_open). */
static enum rs_err handover_reply(struct reply_ctx *x, const char *reason, char *out, size_t cap)
{
    int64_t at;
    char zone[64], words[256];
    enum rs_err e = rs_incident_team_open(x->s, x->in->merchant_id, x->c->order_id, x->now, &at, zone);
    if (e)
        return e;
    /* the customer's own locale when it is the reply's language ("en-US" writes the day its way) */
    const char *loc = strncmp(x->c->customer_locale, x->lang, 2) == 0 ? x->c->customer_locale : x->lang;
    rs_incident_open_words(at, x->now, zone, loc, words, sizeof words);
    if ((e = handover_at(x->s, x->c, reason, at, x->now)))
        return e;
    const char *v[RS_CV__COUNT] = {0};
    v[RS_CV_ANSWER_TEXT] = words;
    return text_for(x, "handover", v, out, cap);
}

static enum rs_err queue_reply(struct rs_store *s, const struct rs_conv *c, const char *author, int64_t agent_id,
                               const char *body, int64_t now, int64_t *id)
{
    struct rs_conv_msg_new m = {
        .merchant_id = c->merchant_id,
        .conversation_id = c->id,
        .direction = "out",
        .channel = c->channel,
        .author = author,
        .agent_id = agent_id,
        .body = body,
        .confidence = -1,
        .queue = true,
    };
    return rs_store_conv_msg_add(s, &m, now, id);
}

static bool known_channel(const char *ch)
{
    static const char *const names[] = {"sms", "whatsapp", "email", "webchat", "phone", NULL};
    for (int i = 0; ch && names[i]; i++)
        if (strcmp(ch, names[i]) == 0)
            return true;
    return false;
}

static const char *lang_of(const char *loc)
{
    return loc && strncmp(loc, "en", 2) == 0 ? "en" : "es";
}

/* The incident a subject names ("[INC-000012] …", "Re: INC-12"), or 0. */
static int64_t subject_incident(const char *subject)
{
    for (const char *p = subject ? strcasestr(subject, "INC-") : NULL; p; p = strcasestr(p + 4, "INC-")) {
        if (p > subject && isalnum((unsigned char)p[-1]))
            continue;
        int64_t id = 0;
        int n = 0;
        while (isdigit((unsigned char)p[4 + n]) && n < 12)
            id = id * 10 + (p[4 + n] - '0'), n++;
        if (n > 0 && !isalnum((unsigned char)p[4 + n]) && id > 0)
            return id;
    }
    return 0;
}

/* An e-mail answering one of the merchant's: the conversation (*CONV) and incident (*INCIDENT, 0
 * when none) of the first Message-ID of In-Reply-To the merchant knows, else of References from
 * the newest; without those headers (clients that drop them), the incident referenced in the
 * subject, when SENDER is its conversation's address (the references are sequential: a stranger
 * must not write into someone else's incident by guessing one). RS_ENOTFOUND: none. */
static enum rs_err email_thread(struct rs_store *s, const struct rs_inbound_msg *in, const char *sender,
                                int64_t *conv, int64_t *incident)
{
    *conv = *incident = 0;
    enum rs_err e = RS_ENOTFOUND;
    if (in->in_reply_to && *in->in_reply_to && strlen(in->in_reply_to) <= 900)
        e = rs_store_conv_by_email_id(s, in->merchant_id, in->in_reply_to, conv, incident);
    if (e == RS_ENOTFOUND && in->references && *in->references) {
        char refs[4200];
        char *ids[64];
        int n = 0;
        snprintf(refs, sizeof refs, "%s", in->references);
        char *save = NULL;
        for (char *t = strtok_r(refs, " \t\r\n", &save); t && n < 64; t = strtok_r(NULL, " \t\r\n", &save))
            ids[n++] = t;
        for (int i = n - 1; i >= 0 && i >= n - 20 && e == RS_ENOTFOUND; i--)
            e = rs_store_conv_by_email_id(s, in->merchant_id, ids[i], conv, incident);
    }
    if (e && e != RS_ENOTFOUND)
        return e;
    int64_t named = subject_incident(in->subject);
    if (!named || (e == RS_OK && *incident))
        return e;
    struct rs_incident_row r;
    enum rs_err e2 = rs_store_incident_row(s, in->merchant_id, named, &r);
    if (e2 == RS_ENOTFOUND || (!e2 && r.conversation_id <= 0))
        return e;
    if (e2)
        return e2;
    if (e == RS_OK) { /* the thread's conversation: the subject says which of its incidents */
        if (r.conversation_id == *conv)
            *incident = named;
        return RS_OK;
    }
    struct rs_conv ic;
    e2 = rs_store_conv_get(s, in->merchant_id, r.conversation_id, &ic);
    if (e2)
        return e2 == RS_ENOTFOUND ? RS_ENOTFOUND : e2;
    if (!sender || strcasecmp(ic.email, sender) != 0)
        return RS_ENOTFOUND;
    *conv = r.conversation_id;
    *incident = named;
    return RS_OK;
}

/* Conversation ID goes on, now on CHANNEL (a closed one back to the bot); an e-mail conversation
 * keeps its address, else takes EMAIL's. RS_ENOTFOUND when it is not the merchant's. */
static enum rs_err continue_conv(struct rs_store *s, int64_t merchant_id, int64_t id, const char *channel,
                                 const char *email, int64_t now, struct rs_conv *c)
{
    enum rs_err e = rs_store_conv_get(s, merchant_id, id, c);
    if (e)
        return e;
    snprintf(c->channel, sizeof c->channel, "%s", channel);
    if (strcmp(channel, "email") == 0) {
        c->sms_provider[0] = '\0';
        if (!c->email[0] && email)
            snprintf(c->email, sizeof c->email, "%s", email);
    }
    if (strcmp(c->state, "closed") == 0) {
        snprintf(c->state, sizeof c->state, "bot");
        c->assigned_agent_id = 0;
    }
    return rs_store_conv_save(s, c, now);
}

static enum rs_err open_conv(struct rs_store *s, const struct rs_inbound_msg *in, int64_t now, struct rs_conv *c,
                             int64_t *thread_incident)
{
    *thread_incident = 0;
    if (!known_channel(in->channel))
        return RS_EINVAL;
    if (!(in->phone && *in->phone) && !(in->email && *in->email) && in->order_id <= 0)
        return RS_EINVAL;
    int64_t customer_id = 0;
    if (in->order_id > 0) {
        struct rs_conv_order o;
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)in->order_id);
        if (rs_store_conv_order(s, in->merchant_id, 'i', key, &o) == RS_OK && in->verified)
            customer_id = o.customer_id;
    }
    char email[256] = "";
    for (size_t i = 0; in->email && in->email[i] && i + 1 < sizeof email; i++)
        email[i] = (char)tolower((unsigned char)in->email[i]), email[i + 1] = '\0';
    struct rs_conv_sender snd = {
        .merchant_id = in->merchant_id,
        .channel = in->channel,
        .sms_provider = strcmp(in->channel, "sms") == 0 ? in->sms_provider : NULL,
        .phone = in->phone,
        .email = email[0] ? email : NULL,
        .customer_id = customer_id,
        .locale = in->locale,
    };
    bool created;
    if (strcmp(in->channel, "webchat") == 0 && in->order_id > 0 && !customer_id && !snd.phone && !snd.email) {
        /* a visitor of the tracking page who did not prove who they are: the order's anonymous
         * web chat conversation continues (store/store_webchat.h) */
        int64_t id = 0;
        enum rs_err e = rs_store_webchat_anon_conv(s, in->merchant_id, in->order_id, &id);
        if (e == RS_OK)
            return continue_conv(s, in->merchant_id, id, "webchat", NULL, now, c);
        if (e != RS_ENOTFOUND)
            return e;
    }
    if (strcmp(in->channel, "email") == 0) {
        /* an answer to one of our e-mails belongs to that conversation (and incident), whoever
         * sends it: the customer from another address, a colleague they forwarded it to. Replies
         * keep going to the conversation's address. */
        int64_t id = 0;
        enum rs_err e = email_thread(s, in, snd.email, &id, thread_incident);
        if (e == RS_OK && (e = continue_conv(s, in->merchant_id, id, "email", snd.email, now, c)) != RS_ENOTFOUND)
            return e;
        *thread_incident = 0;
        if (e != RS_ENOTFOUND)
            return e;
    }
    return rs_store_conv_find_or_create(s, &snd, now, c, &created);
}

enum rs_err rs_conv_inbound(struct rs_store *s, const struct rs_inbound_msg *in, int64_t now,
                            struct rs_inbound_result *out)
{
    memset(out, 0, sizeof *out);
    char why[200];
    if (!known_channel(in->channel) || !rs_conv_text_ok(in->body, in->body_len, why, sizeof why))
        return RS_EINVAL;
    char *prev_body = NULL, *told = NULL; /* the open question's words; an incident's */
    size_t keep = utf8_cut(in->body, in->body_len, RS_CONV_MAX_BODY);
    bool truncated = keep < in->body_len;
    char *body = malloc(keep + 1);
    if (!body)
        return RS_ENOMEM;
    memcpy(body, in->body, keep);
    body[keep] = '\0';
    /* a new e-mail's subject is the customer's words too ("¿Dónde está mi pedido?", "Pedido
     * RX-…" over "¿me decís algo?"): the bot reads it before the body (the message keeps the body) */
    char *text = body;
    size_t text_len = keep;
    char why_subj[64];
    if (strcmp(in->channel, "email") == 0 && own_subject(in->subject) &&
        rs_conv_text_ok(in->subject, strlen(in->subject), why_subj, sizeof why_subj)) {
        size_t sl = utf8_cut(in->subject, strlen(in->subject), 200);
        text = malloc(sl + 2 + keep + 1);
        if (!text) {
            free(body);
            return RS_ENOMEM;
        }
        memcpy(text, in->subject, sl);
        memcpy(text + sl, "\n\n", 2);
        memcpy(text + sl + 2, body, keep + 1);
        text_len = sl + 2 + keep;
    }

    struct rs_conv c;
    int64_t thread_incident = 0;
    enum rs_err e = open_conv(s, in, now, &c, &thread_incident);
    if (e)
        goto end;
    out->conversation_id = c.id;
    if (strcmp(in->channel, "email") == 0 && in->subject && *in->subject && !in->automatic) {
        snprintf(c.subject, sizeof c.subject, "%s", in->subject);
    }
    /* the language: the channel's, else the text's, else what we knew; on the web chat the text's
     * first (the page's language is the browser's or the shop's, not necessarily the visitor's) */
    const char *lang = in->locale && *in->locale ? lang_of(in->locale) : NULL, *guess = rs_conv_guess_lang(text, text_len);
    if (!lang || (guess && strcmp(in->channel, "webchat") == 0))
        lang = guess ? guess : lang;
    if (lang)
        snprintf(c.locale, sizeof c.locale, "%s", lang);
    lang = lang_of(c.locale);

    struct rs_conv_msg_new m = {
        .merchant_id = in->merchant_id,
        .conversation_id = c.id,
        .direction = "in",
        .channel = in->channel,
        .author = "customer",
        .agent_id = strcmp(in->channel, "phone") == 0 ? in->agent_id : 0,
        .body = body,
        .truncated = truncated,
        .confidence = -1,
        .provider_msg_id = in->provider_msg_id && *in->provider_msg_id ? in->provider_msg_id : NULL,
    };
    e = rs_store_conv_msg_add(s, &m, now, &out->message_id);
    if (e == RS_EDUPLICATE) {
        out->duplicate = true;
        e = RS_OK;
        goto end;
    }
    if (e)
        goto end;
    c.last_inbound_at = now;
    if (truncated) {
        char note[160];
        int64_t nid;
        snprintf(note, sizeof note, "[message truncated: %zu of %zu bytes kept]", keep, in->body_len);
        struct rs_conv_msg_new n = {.merchant_id = in->merchant_id, .conversation_id = c.id, .direction = "note",
                                    .channel = "console", .author = "system", .body = note, .confidence = -1};
        if ((e = rs_store_conv_msg_add(s, &n, now, &nid)))
            goto end;
    }

    if (in->automatic) { /* an out-of-office or a bounce: answering it could loop (RFC 3834) */
        e = rs_store_conv_save(s, &c, now);
        goto end;
    }
    struct bot_cfg bot;
    bot_cfg_load(s, in->merchant_id, &bot);
    struct rs_intent_result r;
    classify(in->merchant_id, bot.rules, text, &r);
    char ent_json[512];
    rs_intent_entities_json(&r.entities, ent_json, sizeof ent_json);

    /* a message carrying only references continues the question before it */
    enum rs_intent act = r.intent;
    bool confident = r.confidence >= bot.handover_below || r.rule_decided;
    if (!r.rule_decided && only_ack_emoji(text, text_len)) {
        act = RS_INTENT_THANKS;
        confident = true;
    }

    /* an answer to an incident waiting for it, or to the notice of a resolved one (a thank-you
     * excepted): the incident is open again and a person reads it */
    int64_t answered = 0;
    bool thanks = act == RS_INTENT_THANKS && confident;
    if ((e = rs_incident_customer_replied(s, in->merchant_id, c.id, thread_incident, !thanks, now, &answered))) {
        json_decref(bot.root);
        goto end;
    }
    if (answered) {
        out->incident_id = answered;
        out->handed_over = true;
        if ((e = handover(s, &c, "problem", now))) {
            json_decref(bot.root);
            goto end;
        }
    }
    bool has_ref = r.entities.tracking_code[0] || r.entities.order_number[0] || r.entities.postcode[0] ||
                   r.entities.email[0] || r.entities.tracking_code_typo[0];
    bool refs_only = has_ref && only_references(text, &r.entities);
    /* the question the bot answered last, still open (a day at most) */
    char prev[24] = "", prev_ent[512] = "";
    if (rs_store_conv_prev_intent(s, c.id, out->message_id, now - RS_CONV_QUESTION_TTL, prev, sizeof prev, prev_ent,
                                  sizeof prev_ent, &prev_body) != RS_OK)
        prev[0] = '\0';
    enum rs_intent prev_act = prev[0] ? rs_intent_parse(prev) : RS_INTENT_INVALID;
    bool continued = false;
    /* the bot asked which order: "5001" or "es el 5001, cp 28013" is its number (read as an
     * address change before, or as nothing, and the bot asked again) */
    if (!r.rule_decided && (is_wismo(prev_act) || is_problem(prev_act)) &&
        bare_order_number(text, &r.entities, r.entities.order_number, sizeof r.entities.order_number)) {
        has_ref = refs_only = true;
        rs_intent_entities_json(&r.entities, ent_json, sizeof ent_json);
    }
    /* "¿y el otro?" after a status answer: the same question, about the other orders */
    bool others_asked = !has_ref && !r.rule_decided && is_wismo(prev_act) && asks_other_orders(text);
    if (others_asked) {
        act = prev_act;
        confident = true;
    }
    if (has_ref && (!confident || act == RS_INTENT_OTHER || act == RS_INTENT_GREETING || refs_only)) {
        if (prev_act != RS_INTENT_INVALID && (is_wismo(prev_act) || is_problem(prev_act))) {
            act = prev_act;
            confident = continued = true;
        }
        const struct rs_intent_entities *en = &r.entities;
        if (!continued && (refs_only || !confident) &&
            (en->tracking_code[0] || en->tracking_code_typo[0] || (refs_only && en->order_number[0]))) {
            act = RS_INTENT_WHERE_IS_ORDER; /* a bare code or order number: where it is */
            confident = true;
        } else if (!continued && refs_only) {
            act = RS_INTENT_OTHER; /* a postcode or an e-mail out of the blue: ask what they need */
            confident = true;
        }
    }
    /* "pedido 2087" — the bot asks for the postcode — "28013": the pair is the question's number
     * and this postcode or e-mail */
    if (continued && !r.entities.order_number[0] && !r.entities.tracking_code[0] &&
        (r.entities.postcode[0] || r.entities.email[0])) {
        json_t *pe = json_loads(prev_ent, 0, NULL);
        const char *num = json_string_value(json_object_get(pe, "order_number"));
        if (num && !json_object_get(pe, "tracking_code"))
            snprintf(r.entities.order_number, sizeof r.entities.order_number, "%s", num);
        json_decref(pe);
    } else if (continued && r.entities.order_number[0] && !r.entities.tracking_code[0] && !r.entities.postcode[0] &&
               !r.entities.email[0]) {
        /* the other way round: "lucia@example.es" (the bot asks again) — "#5001" */
        json_t *pe = json_loads(prev_ent, 0, NULL);
        const char *pc = json_string_value(json_object_get(pe, "postcode"));
        const char *em = json_string_value(json_object_get(pe, "email"));
        if (!json_object_get(pe, "order_number") && !json_object_get(pe, "tracking_code")) {
            if (pc)
                snprintf(r.entities.postcode, sizeof r.entities.postcode, "%s", pc);
            if (em)
                snprintf(r.entities.email, sizeof r.entities.email, "%s", em);
        }
        json_decref(pe);
    }
    /* two requests in one message ("dónde está mi pedido y quiero cambiar la dirección", "where is
     * it? also I want to cancel"): the problem is acted on (an incident, a person), and the status
     * is answered too. A status question read first gives way to a request to change, cancel or
     * return in a clause of its own. A person asked for explicitly, or a merchant's rule, still
     * decides. */
    bool status_too = false;
    if (continued && is_problem(act) && prev_body) {
        /* a reference answering "¿dónde está mi pedido? y quiero cambiar la dirección — ¿qué
         * pedido?": the question's two requests, both */
        status_too = clause_intent(in->merchant_id, bot.rules, prev_body, is_wismo, bot.handover_below) !=
                     RS_INTENT_INVALID;
    } else if (!continued && confident && (is_problem(act) || (is_wismo(act) && !r.rule_decided))) {
        enum rs_intent other = clause_intent(in->merchant_id, bot.rules, text, is_problem(act) ? is_wismo : is_request,
                                             bot.handover_below);
        /* to act on a request instead, the whole message must lean to it a little too: a
         * signature's "Calle Mayor 5" reads as an address change on its own, not within the
         * message (request clauses score 0.09–0.4 in the whole, signatures under 0.01) */
        if (other != RS_INTENT_INVALID && (is_problem(act) || r.scores[other] >= 0.05f)) {
            if (is_wismo(act))
                act = other;
            status_too = true;
        }
    }
    /* the message is recorded with the intent acted on, so the next reference continues it */
    snprintf(out->intent, sizeof out->intent, "%s", rs_intent_name(act));
    out->confidence = r.scores[act];

    /* an incident filed by a reference that answers the bot's question is about the question:
     * its words go with it ("my parcel arrived damaged" + the code), not the code alone */
    if (continued && is_problem(act) && prev_body) {
        size_t pl = strlen(prev_body), bl = strlen(body);
        if ((told = malloc(pl + 2 + bl + 1))) {
            memcpy(told, prev_body, pl);
            memcpy(told + pl, "\n\n", 2);
            memcpy(told + pl + 2, body, bl + 1);
            told[utf8_cut(told, pl + 2 + bl, RS_CONV_MAX_BODY)] = '\0';
        }
    }
    const char *about = told ? told : body;
    /* a person holds the conversation, or the channel is a call an agent logs: only record */
    bool quiet = strcmp(c.state, "agent") == 0 || strcmp(in->channel, "phone") == 0;
    char reply[2048] = "";
    int64_t incident_id = answered ? answered : thread_incident; /* the message is about it */
    struct reply_ctx x = {.s = s, .in = in, .c = &c, .bot = &bot, .lang = lang, .now = now};
    if (!quiet) {
        merchant_facts(&x);
        struct found f;
        /* a follow-up of an answer about the customer's orders (the question named none) */
        bool own_orders = !has_ref && is_wismo(act) && is_wismo(prev_act) && !strstr(prev_ent, "\"tracking_code") &&
                          !strstr(prev_ent, "\"order_number") && !strstr(prev_ent, "\"tracking_number");
        find_order(s, in, &c, &r.entities, own_orders, others_asked, &f);
        /* the web chat's conversation stays the page order's (its transcript is found by it) */
        if (f.have && f.level >= LV_PUBLIC && !(in->order_id > 0 && f.o.id != in->order_id)) {
            c.order_id = f.o.id;
            if (f.level == LV_FULL)
                c.verified_order_id = f.o.id;
        }
        if (!bot.enabled) {
            e = handover_reply(&x, "bot_disabled", reply, sizeof reply);
            out->handed_over = true;
        } else if (act == RS_INTENT_TALK_TO_HUMAN || !confident) {
            e = handover_reply(&x, act == RS_INTENT_TALK_TO_HUMAN && confident ? "talk_to_human" : "low_confidence",
                               reply, sizeof reply);
            out->handed_over = true;
        } else if (is_wismo(act) || is_problem(act)) {
            const char *v[RS_CV__COUNT] = {0};
            v[RS_CV_TRACKING_CODE] = r.entities.tracking_code[0] ? r.entities.tracking_code
                                                                 : r.entities.tracking_code_typo;
            if (f.code_typo)
                e = text_for(&x, "code_typo", v, reply, sizeof reply);
            else if (f.code_not_found)
                e = text_for(&x, "not_found", v, reply, sizeof reply);
            else if (f.by_number_only && (f.proof_blocked || f.proof_failed))
                e = text_for(&x, f.proof_blocked ? "verify_blocked" : "verify_failed", NULL, reply, sizeof reply);
            else if (!f.have || f.level == LV_NONE)
                /* an e-mail or a postcode alone ("lucia@example.es" answering "which order?"):
                 * the number that goes with it, not the same question again */
                e = text_for(&x,
                             f.by_number_only ? "ask_verify"
                             : (r.entities.email[0] || r.entities.postcode[0]) && !r.entities.order_number[0] &&
                                     !r.entities.tracking_code[0] && !r.entities.tracking_number[0]
                                 ? "ask_number"
                             : is_problem(act) ? "problem.need_order"
                                               : "ask_code",
                             NULL, reply, sizeof reply);
            else if (is_wismo(act)) {
                /* code + a postcode or e-mail that is not the order's: said, as the page does, so a
                 * typo is noticed, before what the code alone shows */
                size_t pl = 0;
                if (f.proof_failed && text_for(&x, "verify_partial", NULL, reply, sizeof reply - 2) == RS_OK) {
                    pl = strlen(reply);
                    memcpy(reply + pl, "\n\n", 3);
                    pl += 2;
                }
                e = wismo_text(&x, &f, true, reply + pl, sizeof reply - pl);
                /* "¿a qué dirección lo mandan?": where it is delivered, after where it is */
                size_t al = strlen(reply);
                if (!e && r.asks_address && al + 2 < sizeof reply) {
                    memcpy(reply + al, "\n\n", 3);
                    e = address_text(&x, &f, reply + al + 2, sizeof reply - al - 2);
                }
                /* "¿dónde está mi pedido?" from a customer with several on their way: each of them,
                 * not only the newest one */
                for (size_t i = 0; !e && i < f.n_others; i++) {
                    struct found g = {.level = LV_FULL, .have = true};
                    char key[32], more[700];
                    snprintf(key, sizeof key, "%lld", (long long)f.others[i]);
                    size_t rl = strlen(reply);
                    if (rs_store_conv_order(s, in->merchant_id, 'i', key, &g.o) == RS_OK &&
                        wismo_text(&x, &g, false, more, sizeof more) == RS_OK && rl + 2 + strlen(more) < sizeof reply)
                        snprintf(reply + rl, sizeof reply - rl, "\n\n%s", more);
                }
            }
            else {
                /* a problem with a known order: an incident, and a person takes over; asked
                 * where it is as well, the status first, a message of its own (the incident's
                 * acknowledgement may come from the incident engine) */
                if (status_too) {
                    char status_ans[1024];
                    int64_t sid;
                    if ((e = wismo_text(&x, &f, true, status_ans, sizeof status_ans)) ||
                        (e = queue_reply(s, &c, "bot", 0, status_ans, now, &sid)))
                        goto done_bot;
                }
                int64_t before = 0, first_out = 0, known = 0;
                /* the same problem again, maybe first told on another channel: the incident that is open */
                if ((e = rs_incident_unresolved(s, in->merchant_id, f.o.id, incident_type(act), &known)))
                    goto done_bot;
                if (known) { /* the same problem again: the incident that is open */
                    incident_id = out->incident_id = known;
                    if ((e = rs_incident_note(s, in->merchant_id, known, about, "customer", now, NULL)) ||
                        (e = handover(s, &c, "problem", now)))
                        goto done_bot;
                    out->handed_over = true;
                    char ref[24];
                    rs_incident_reference(known, ref);
                    const char *v2[RS_CV__COUNT] = {0};
                    v2[RS_CV_INCIDENT_REF] = ref;
                    v2[RS_CV_ORDER_REF] = f.level == LV_FULL ? f.o.order_ref : NULL;
                    e = text_for(&x, "problem.existing", v2, reply, sizeof reply);
                    goto done_bot;
                }
                {
                    if ((e = rs_store_conv_save(s, &c, now)) || (e = rs_store_conv_last_msg(s, c.id, -1, &before, NULL)))
                        goto done_bot;
                    struct rs_incident_open io = {
                        .order_id = f.o.id,
                        .conversation_id = c.id,
                        .type = incident_type(act),
                        /* no incident type of their own: the customer still reads what they asked */
                        .about = act == RS_INTENT_CANCEL          ? "cancel"
                                 : act == RS_INTENT_REFUND_STATUS ? "refund"
                                                                  : NULL,
                        .origin = in->channel,
                        .message = about,
                        .contact = in->phone && *in->phone ? in->phone : in->email,
                        .locale = lang,
                    };
                    e = rs_incident_open(s, in->merchant_id, &io, "bot", now, &incident_id);
                    if (e)
                        goto done_bot;
                    /* the incident engine may have reloaded and changed the conversation */
                    struct rs_conv c2;
                    if ((e = rs_store_conv_get(s, in->merchant_id, c.id, &c2)))
                        goto done_bot;
                    snprintf(c2.locale, sizeof c2.locale, "%s", c.locale);
                    c = c2;
                    if ((e = rs_store_conv_last_msg(s, c.id, before, &before, &first_out)))
                        goto done_bot;
                }
                out->incident_id = incident_id;
                out->handed_over = true;
                if (!first_out && !incident_id) { /* no incident: the customer is told when a person answers */
                    e = handover_reply(&x, "problem", reply, sizeof reply);
                } else if ((e = handover(s, &c, "problem", now))) {
                    goto done_bot;
                } else if (first_out) {
                    out->reply_id = first_out; /* the incident engine told the customer already */
                } else {
                    char ref[24];
                    rs_incident_reference(incident_id, ref); /* INC-000042, as everywhere else */
                    const char *v2[RS_CV__COUNT] = {0};
                    v2[RS_CV_INCIDENT_REF] = ref;
                    v2[RS_CV_ORDER_REF] = f.level == LV_FULL ? f.o.order_ref : NULL;
                    e = text_for(&x, "problem.opened", v2, reply, sizeof reply);
                }
            }
        } else if (act == RS_INTENT_GREETING || act == RS_INTENT_THANKS) {
            char name[100] = "";
            first_name(c.customer_name, name, sizeof name);
            const char *v[RS_CV__COUNT] = {0};
            v[RS_CV_NAME] = name[0] ? name : NULL;
            e = text_for(&x, act == RS_INTENT_GREETING ? "greeting" : "thanks", v, reply, sizeof reply);
        } else {
            e = text_for(&x, "other", NULL, reply, sizeof reply);
        }
    }
done_bot:
    if (!e)
        e = rs_store_conv_msg_classified(s, out->message_id, rs_intent_name(act), r.scores[act], ent_json,
                                         incident_id);
    if (!e)
        e = rs_store_conv_save(s, &c, now);
    if (!e && reply[0])
        e = queue_reply(s, &c, "bot", 0, reply, now, &out->reply_id);
    json_decref(bot.root);
end:
    if (text != body)
        free(text);
    free(body);
    free(prev_body);
    free(told);
    return e;
}

/* NOTE, by the system, for the inbound message IN on C (keyed by its provider id). *AGAIN: the
 * provider delivered that message before (nothing written, OUT->duplicate set). */
static enum rs_err system_note(struct rs_store *s, const struct rs_inbound_msg *in, const struct rs_conv *c,
                               const char *note, int64_t now, struct rs_inbound_result *out, bool *again)
{
    struct rs_conv_msg_new m = {.merchant_id = in->merchant_id, .conversation_id = c->id, .direction = "note",
                                .channel = in->channel, .author = "system", .body = note, .confidence = -1,
                                .provider_msg_id = in->provider_msg_id};
    enum rs_err e = rs_store_conv_msg_add(s, &m, now, &out->message_id);
    *again = e == RS_EDUPLICATE;
    if (*again)
        out->duplicate = true;
    return *again ? RS_OK : e;
}

/* The bot's text KEY (data/bot-replies-*.txt, or the merchant's) in LANG, queued on C as its reply. */
static enum rs_err bot_says(struct rs_store *s, const struct rs_inbound_msg *in, struct rs_conv *c, const char *lang,
                            const char *key, int64_t now, struct rs_inbound_result *out)
{
    struct bot_cfg bot;
    bot_cfg_load(s, in->merchant_id, &bot);
    struct reply_ctx x = {.s = s, .in = in, .c = c, .bot = &bot, .lang = lang, .now = now};
    merchant_facts(&x);
    char reply[512];
    enum rs_err e = text_for(&x, key, NULL, reply, sizeof reply);
    if (!e)
        e = queue_reply(s, c, "bot", 0, reply, now, &out->reply_id);
    json_decref(bot.root);
    return e;
}

enum rs_err rs_conv_inbound_unsupported(struct rs_store *s, const struct rs_inbound_msg *in, const char *kind,
                                        int64_t now, struct rs_inbound_result *out)
{
    memset(out, 0, sizeof *out);
    struct rs_conv c;
    int64_t thread_incident = 0;
    enum rs_err e = open_conv(s, in, now, &c, &thread_incident);
    if (e)
        return e;
    out->conversation_id = c.id;
    char note[96];
    char k[24];
    size_t n = 0;
    for (const char *p = kind ? kind : "message"; *p && n + 1 < sizeof k; p++)
        if (isalnum((unsigned char)*p) || *p == '_')
            k[n++] = *p;
    k[n] = '\0';
    snprintf(note, sizeof note, "[%s not supported]", n ? k : "message");
    bool again;
    if ((e = system_note(s, in, &c, note, now, out, &again)) || again)
        return e;
    c.last_inbound_at = now;
    if ((e = rs_store_conv_save(s, &c, now)))
        return e;
    if (strcmp(c.state, "agent") == 0 || strcmp(in->channel, "phone") == 0)
        return RS_OK;
    return bot_says(s, in, &c, lang_of(c.locale), "not_text", now, out);
}

enum rs_err rs_conv_optin_ack(struct rs_store *s, const struct rs_inbound_msg *in, const char *keyword, int64_t now,
                              struct rs_inbound_result *out)
{
    memset(out, 0, sizeof *out);
    if (!in->channel || (strcmp(in->channel, "sms") != 0 && strcmp(in->channel, "whatsapp") != 0))
        return RS_EINVAL;
    struct rs_conv c;
    int64_t thread_incident = 0;
    enum rs_err e = open_conv(s, in, now, &c, &thread_incident);
    if (e)
        return e;
    out->conversation_id = c.id;
    char k[16];
    size_t n = 0;
    for (const char *p = keyword ? keyword : ""; *p && n + 1 < sizeof k; p++)
        if (isalpha((unsigned char)*p))
            k[n++] = (char)toupper((unsigned char)*p);
    k[n] = '\0';
    char note[64];
    snprintf(note, sizeof note, "[opted in again: %s]", n ? k : "START");
    bool again;
    if ((e = system_note(s, in, &c, note, now, out, &again)) || again)
        return e;
    /* the customer's language; ALTA says Spanish when we do not know theirs */
    const char *lang = c.customer_locale[0] ? lang_of(c.customer_locale)
                       : strcmp(k, "ALTA") == 0 ? "es"
                                                : lang_of(c.locale);
    return bot_says(s, in, &c, lang, "optin", now, out);
}

/* ---- agents and the API ---- */

/* Releases before the fix of logged calls stored 'phone' as the conversation's channel when an
 * agent logged a call, and a reply on 'phone' is marked sent without being sent: after an upgrade,
 * every agent reply and incident message on such a conversation silently never reached the
 * customer. A call is nothing to send on: the reply goes by the channel the conversation last
 * used with the customer (a message in or out), else by e-mail, else SMS (as
 * rs_store_conv_find_or_create picks for a logged call now), and the conversation keeps it. */
static enum rs_err phone_channel_repair(struct rs_store *s, struct rs_conv *c, int64_t now)
{
    if (strcmp(c->channel, "phone") != 0)
        return RS_OK;
    char ch[16];
    enum rs_err e = rs_store_conv_last_channel(s, c->id, ch, sizeof ch);
    if (e)
        return e;
    if (!ch[0])
        snprintf(ch, sizeof ch, "%s", c->email[0] ? "email" : "sms");
    fprintf(stderr,
            "conv: conversation %lld had the channel 'phone' (an earlier release set it when a call was logged); "
            "replies now go by %s\n",
            (long long)c->id, ch);
    snprintf(c->channel, sizeof c->channel, "%s", ch);
    return rs_store_conv_save(s, c, now);
}

enum rs_err rs_conv_send(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, const char *author,
                         int64_t agent_id, const char *body, int64_t now, int64_t *message_id)
{
    if (!author || (strcmp(author, "agent") != 0 && strcmp(author, "bot") != 0 && strcmp(author, "system") != 0))
        return RS_EINVAL;
    char why[120];
    if (!body || !rs_conv_text_ok(body, strlen(body), why, sizeof why) || strlen(body) > RS_CONV_MAX_BODY)
        return RS_EINVAL;
    struct rs_conv c;
    enum rs_err e = rs_store_conv_get(s, merchant_id, conversation_id, &c);
    if (e || (e = phone_channel_repair(s, &c, now)))
        return e;
    if (strcmp(author, "agent") == 0) {
        if (agent_id && (e = rs_store_conv_agent_exists(s, merchant_id, agent_id)))
            return e;
        /* a person answering holds the conversation: the bot stays quiet from now on */
        if (strcmp(c.state, "agent") != 0 && (e = handover(s, &c, "agent", now)))
            return e;
        snprintf(c.state, sizeof c.state, "agent");
        if (agent_id && !c.assigned_agent_id)
            c.assigned_agent_id = agent_id;
        if ((e = rs_store_conv_save(s, &c, now)))
            return e;
    } else {
        agent_id = 0;
    }
    int64_t id = 0;
    e = queue_reply(s, &c, author, agent_id, body, now, &id);
    if (!e && message_id)
        *message_id = id;
    return e;
}

enum rs_err rs_conv_note(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, int64_t agent_id,
                         const char *body, int64_t now, int64_t *message_id)
{
    char why[120];
    if (!body || !rs_conv_text_ok(body, strlen(body), why, sizeof why) || strlen(body) > RS_CONV_MAX_BODY)
        return RS_EINVAL;
    struct rs_conv c;
    enum rs_err e = rs_store_conv_get(s, merchant_id, conversation_id, &c);
    if (e)
        return e;
    if (agent_id && (e = rs_store_conv_agent_exists(s, merchant_id, agent_id)))
        return e;
    struct rs_conv_msg_new m = {.merchant_id = merchant_id, .conversation_id = c.id, .direction = "note",
                                .channel = "console", .author = agent_id ? "agent" : "system",
                                .agent_id = agent_id, .body = body, .confidence = -1};
    int64_t id = 0;
    e = rs_store_conv_msg_add(s, &m, now, &id);
    if (!e && message_id)
        *message_id = id;
    return e;
}

enum rs_err rs_conv_for_order(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                              int64_t *conversation_id)
{
    struct rs_conv c;
    enum rs_err e = rs_store_conv_for_order(s, merchant_id, order_id, now, &c);
    if (!e)
        *conversation_id = c.id;
    return e;
}

enum rs_err rs_conv_assign(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, int64_t agent_id,
                           int64_t now)
{
    struct rs_conv c;
    enum rs_err e = rs_store_conv_get(s, merchant_id, conversation_id, &c);
    if (e)
        return e;
    if (agent_id > 0) {
        if ((e = rs_store_conv_agent_exists(s, merchant_id, agent_id)))
            return e;
        if (strcmp(c.state, "agent") != 0 && (e = handover(s, &c, "agent", now)))
            return e;
        snprintf(c.state, sizeof c.state, "agent");
        c.assigned_agent_id = agent_id;
    } else {
        c.assigned_agent_id = 0; /* back to the unassigned queue */
    }
    return rs_store_conv_save(s, &c, now);
}

enum rs_err rs_conv_set_state(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, const char *state,
                              int64_t now)
{
    if (!state || (strcmp(state, "bot") != 0 && strcmp(state, "agent") != 0 && strcmp(state, "closed") != 0))
        return RS_EINVAL;
    struct rs_conv c;
    enum rs_err e = rs_store_conv_get(s, merchant_id, conversation_id, &c);
    if (e)
        return e;
    if (strcmp(state, "agent") == 0 && strcmp(c.state, "agent") != 0 && (e = handover(s, &c, "agent", now)))
        return e;
    if (strcmp(state, "bot") == 0)
        c.assigned_agent_id = 0;
    snprintf(c.state, sizeof c.state, "%s", state);
    return rs_store_conv_save(s, &c, now);
}
