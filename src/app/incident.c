/* incident.c — the incident workflow of app/incident.h: open (SLA from the support settings),
 * state changes along allowed transitions, assignment to the merchant's agents, internal notes,
 * coupons, resolutions, and the policy sweep. Every change is an incident_log row; what the
 * customer is told goes through one function, tell(), onto their conversation (app/conv.h), in
 * their language (Spanish or English). */
#include "app/ingest.h"
#include "app/incident.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/conv.h"
#include "app/notify_enqueue.h"
#include "app/notify_render.h"
#include "app/promise_service.h"
#include "app/support_settings.h"
#include "store/store_conv.h"
#include "store/store_incident.h"
#include "store/store_notify.h"
#include "store/store_page.h"
#include "store/store_promise.h"
#include "util/buf.h"
#include "util/locfmt.h"
#include "util/timefmt.h"
#include "util/tz.h"

/* ---- the log's own texts ----
 * Some log texts are written by the app itself: an SLA alert, a reopening's new SLA, a reply that
 * could not be sent, the reason a policy opened an incident. They are stored in English, the
 * API's language, and the console shows them in the agent's language (rs_incident_text_local).
 * One table serves both ways: the writer fills a template's {} in order (sys_fill), the reader
 * matches the stored text against the English template and fills the Spanish one with the same
 * values, so the two cannot drift apart. */
enum sys_text {
    SYS_SLA_HOOK,
    SYS_SLA_MAIL,
    SYS_SLA_BOTH,
    SYS_SLA_HOOK_NO_SMTP,
    SYS_SLA_NOBODY_NO_SMTP,
    SYS_SLA_NOBODY,
    SYS_NEW_SLA,
    SYS_NEW_SLA_BUSINESS,
    SYS_NOT_SENT,
    SYS_POLICY,
    /* the parts of a policy's reason (SYS_POLICY's second value, joined by "; ") */
    SYS_WHY_NO_SCAN,
    SYS_WHY_BREACHED,
    SYS_WHY_STATUS,
    SYS_N
};
static const struct {
    const char *en, *es;
} sys_texts[SYS_N] = {
    [SYS_SLA_HOOK] = {"SLA passed (due {}); the team is told by webhook",
                      "SLA vencido (vencía {}); se avisa al equipo por webhook"},
    [SYS_SLA_MAIL] = {"SLA passed (due {}); the team is told by e-mail to {}",
                      "SLA vencido (vencía {}); se avisa al equipo por correo a {}"},
    [SYS_SLA_BOTH] = {"SLA passed (due {}); the team is told by webhook and e-mail to {}",
                      "SLA vencido (vencía {}); se avisa al equipo por webhook y por correo a {}"},
    [SYS_SLA_HOOK_NO_SMTP] = {"SLA passed (due {}); the team is told by webhook (not by e-mail: e-mail is not "
                              "configured in the notification settings)",
                              "SLA vencido (vencía {}); se avisa al equipo por webhook (no por correo: el correo no "
                              "está configurado en los ajustes de notificaciones)"},
    [SYS_SLA_NOBODY_NO_SMTP] = {"SLA passed (due {}); nobody is told: alerts.email is set but e-mail is not "
                                "configured in the notification settings",
                                "SLA vencido (vencía {}); no se avisa a nadie: alerts.email está puesto, pero el "
                                "correo no está configurado en los ajustes de notificaciones"},
    [SYS_SLA_NOBODY] = {"SLA passed (due {}); nobody is told: no merchant webhook and no alerts.email in the "
                        "support settings",
                        "SLA vencido (vencía {}); no se avisa a nadie: la tienda no tiene webhook ni alerts.email en "
                        "los ajustes de soporte"},
    [SYS_NEW_SLA] = {"new SLA: {} h from the reopening, due {}", "nuevo SLA: {} h desde la reapertura, vence {}"},
    [SYS_NEW_SLA_BUSINESS] = {"new SLA: {} h of business hours from the reopening, due {}",
                              "nuevo SLA: {} h laborables desde la reapertura, vence {}"},
    [SYS_NOT_SENT] = {"(not sent: the customer cannot be reached) {}",
                      "(no enviado: no se puede contactar con el cliente) {}"},
    [SYS_POLICY] = {"Policy {}: {}", "Política {}: {}"},
    [SYS_WHY_NO_SCAN] = {"no scan for {} days", "sin escaneos desde hace {} días"},
    [SYS_WHY_BREACHED] = {"promise broken by {}+ days", "promesa incumplida por {} días o más"},
    [SYS_WHY_STATUS] = {"status {}", "estado {}"},
};

struct sys_arg {
    const char *p;
    size_t n;
};

/* TPL with its {} replaced in order by ARGS, appended to B. */
static void sys_fill_buf(struct rs_buf *b, const char *tpl, const struct sys_arg *args, int nargs)
{
    int k = 0;
    for (const char *t = tpl; *t;) {
        const char *h = strstr(t, "{}");
        if (!h) {
            rs_buf_puts(b, t);
            break;
        }
        rs_buf_add(b, t, (size_t)(h - t));
        if (k < nargs)
            rs_buf_add(b, args[k].p, args[k].n);
        k++;
        t = h + 2;
    }
}

/* The English text ID with the C strings given for its {}, into OUT (cut to CAP). */
static void sys_fill(enum sys_text id, char *out, size_t cap, int nargs, ...)
{
    struct sys_arg args[4];
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs && i < 4; i++) {
        args[i].p = va_arg(ap, const char *);
        args[i].n = strlen(args[i].p);
    }
    va_end(ap);
    struct rs_buf b;
    rs_buf_init(&b);
    sys_fill_buf(&b, sys_texts[id].en, args, nargs < 4 ? nargs : 4);
    snprintf(out, cap, "%s", b.data ? b.data : "");
    rs_buf_release(&b);
}

/* Whether S is the English template TPL; its values into ARGS (pointers into S), their count into
 * *NARGS. A value ends where the template's next literal part is first found, the last one at the
 * end of S. */
static bool sys_match(const char *tpl, const char *s, struct sys_arg *args, int max, int *nargs)
{
    *nargs = 0;
    size_t slen = strlen(s);
    const char *end = s + slen;
    while (*tpl) {
        const char *h = strstr(tpl, "{}");
        size_t lit = h ? (size_t)(h - tpl) : strlen(tpl);
        if ((size_t)(end - s) < lit || strncmp(s, tpl, lit) != 0)
            return false;
        s += lit;
        tpl += lit;
        if (!h)
            return s == end;
        tpl += 2;
        if (*nargs >= max)
            return false;
        const char *nh = strstr(tpl, "{}");
        size_t next = nh ? (size_t)(nh - tpl) : strlen(tpl);
        const char *stop;
        if (!nh) /* the last value: up to the template's tail at the very end */
            stop = (size_t)(end - s) >= next && strncmp(end - next, tpl, next) == 0 ? end - next : NULL;
        else {
            stop = NULL;
            for (const char *q = s; q + next <= end; q++)
                if (strncmp(q, tpl, next) == 0) {
                    stop = q;
                    break;
                }
        }
        if (!stop || stop == s)
            return false;
        args[*nargs].p = s;
        args[*nargs].n = (size_t)(stop - s);
        (*nargs)++;
        s = stop;
    }
    return s == end;
}

/* A policy's reason ("no scan for 7 days; status exception") in Spanish, appended to B; false
 * (B unchanged) when a part is not one of the app's own. */
static bool sys_reason_es(struct rs_buf *b, const char *p, size_t n)
{
    struct rs_buf out;
    rs_buf_init(&out);
    bool ok = true;
    while (ok && n) {
        const char *sep = NULL;
        for (size_t i = 0; i + 1 < n; i++)
            if (p[i] == ';' && p[i + 1] == ' ') {
                sep = p + i;
                break;
            }
        size_t len = sep ? (size_t)(sep - p) : n;
        char part[128];
        ok = len < sizeof part;
        if (ok) {
            memcpy(part, p, len);
            part[len] = '\0';
            ok = false;
            struct sys_arg a[1];
            int na;
            for (int id = SYS_WHY_NO_SCAN; id <= SYS_WHY_STATUS && !ok; id++)
                if (sys_match(sys_texts[id].en, part, a, 1, &na)) {
                    if (out.len)
                        rs_buf_puts(&out, "; ");
                    sys_fill_buf(&out, sys_texts[id].es, a, na);
                    ok = true;
                }
        }
        p += len + (sep ? 2 : 0);
        n -= len + (sep ? 2 : 0);
    }
    if (ok)
        rs_buf_add(b, out.data ? out.data : "", out.len);
    rs_buf_release(&out);
    return ok;
}

void rs_incident_text_local(const char *text, bool en, struct rs_buf *b)
{
    if (!text)
        return;
    if (!en)
        for (int id = 0; id < SYS_WHY_NO_SCAN; id++) {
            struct sys_arg a[2];
            int na;
            if (!sys_match(sys_texts[id].en, text, a, 2, &na))
                continue;
            if (id != SYS_POLICY) {
                sys_fill_buf(b, sys_texts[id].es, a, na);
                return;
            }
            /* the policy's name as written, its reason part by part */
            struct rs_buf why;
            rs_buf_init(&why);
            if (na == 2 && sys_reason_es(&why, a[1].p, a[1].n)) {
                struct sys_arg pa[2] = {a[0], {why.data ? why.data : "", why.len}};
                sys_fill_buf(b, sys_texts[id].es, pa, 2);
                rs_buf_release(&why);
                return;
            }
            rs_buf_release(&why);
            break;
        }
    rs_buf_puts(b, text);
}

/* ---- words the customer reads ---- */

static bool is_en(const char *locale)
{
    return locale && locale[0] == 'e' && locale[1] == 'n';
}

/* What the customer reads for an incident type: "paquete perdido" / "lost parcel". */
static const char *type_words(const char *type, bool en)
{
    static const char *const es_w[RS_INCIDENT_NTYPES] = {
        "retraso en la entrega", "paquete perdido", "paquete dañado", "falta un artículo", "artículo equivocado",
        "dirección de entrega", "aduanas", "devolución", "otra consulta"};
    static const char *const en_w[RS_INCIDENT_NTYPES] = {
        "late delivery", "lost parcel", "damaged parcel", "missing item", "wrong item",
        "delivery address", "customs", "return", "other question"};
    int t = rs_incident_type_index(type);
    if (t < 0)
        t = RS_INCIDENT_NTYPES - 1;
    return en ? en_w[t] : es_w[t];
}

/* What the customer reads for the incident they asked for: IN->about when it says more than the
 * type ("other" for a cancellation request would read "otra consulta"), else the type's words. */
static const char *request_words(const struct rs_incident_open *in, const char *type, bool en)
{
    if (in->about && strcmp(in->about, "cancel") == 0)
        return en ? "cancellation request" : "solicitud de cancelación";
    if (in->about && strcmp(in->about, "refund") == 0)
        return en ? "refund status" : "estado del reembolso";
    return type_words(type, en);
}

/* "reenviarte el pedido o devolverte el dinero" / "sending the order again or a refund". */
static void offer_words(const char *offer, bool en, char *out, size_t cap)
{
    out[0] = '\0';
    char buf[64];
    snprintf(buf, sizeof buf, "%s", offer ? offer : "");
    int n = 0, total = 1;
    for (const char *c = buf; *c; c++)
        total += *c == ',';
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save), n++) {
        const char *words = strcmp(w, "reship") == 0   ? (en ? "sending the order again" : "reenviarte el pedido")
                            : strcmp(w, "refund") == 0 ? (en ? "a refund" : "devolverte el dinero")
                                                       : (en ? "a discount coupon" : "un cupón de descuento");
        const char *sep = n == 0 ? "" : n == total - 1 ? (en ? " or " : " o ") : ", ";
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", sep, words);
    }
}

/* ---- telling the customer: the one place that talks to app/conv.h ---- */

/* Queue BODY to the customer of ORDER_ID on conversation *CONVERSATION_ID (0: the order's
 * customer conversation, found or created, returned in *CONVERSATION_ID). *MSG: the queued
 * message, 0 when the customer cannot be reached (no conversation possible: no contact data),
 * which is not an error. */
static enum rs_err deliver(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t *conversation_id,
                           const char *body, int64_t now, int64_t *msg)
{
    *msg = 0;
    enum rs_err e = RS_OK;
    if (!*conversation_id)
        e = rs_conv_for_order(s, merchant_id, order_id, now, conversation_id);
    if (!e && *conversation_id > 0)
        e = rs_conv_send(s, merchant_id, *conversation_id, "system", 0, body, now, msg);
    if (e == RS_ENOTFOUND || e == RS_EINVAL) {
        *msg = 0;
        return RS_OK;
    }
    return e;
}

/* Tell the customer of incident R: BODY on their conversation (linked to the incident when it
 * had none), the message marked as about the incident, and a 'reply' row in the log (saying
 * when it could not be sent). */
static enum rs_err tell(struct rs_store *s, struct rs_incident_row *r, const char *actor, const char *body,
                        int64_t now)
{
    int64_t conv = r->conversation_id, msg = 0;
    enum rs_err e = deliver(s, r->merchant_id, r->order_id, &conv, body, now, &msg);
    if (e)
        return e;
    if (conv > 0 && conv != r->conversation_id) {
        if ((e = rs_store_incident_set_conversation(s, r->merchant_id, r->id, conv, now)))
            return e;
        r->conversation_id = conv;
    }
    if (msg > 0 && (e = rs_store_incident_link_message(s, r->id, msg)))
        return e;
    char note[4200];
    if (!msg)
        sys_fill(SYS_NOT_SENT, note, sizeof note, 1, body);
    struct rs_incident_log_in l = {.kind = "reply", .actor = actor, .body = msg ? body : note};
    return rs_store_incident_log(s, r->id, &l, now);
}

/* How the messages of incident R name its order: the order number, unless R's conversation is
 * one where nobody proved to be the order's customer (the tracking page's anonymous web chat, a
 * stranger who only gave the tracking code): there the tracking code, the most the bot says at
 * that level either (docs/support.md, "Verification"). */
static const char *order_words(struct rs_store *s, const struct rs_incident_row *r)
{
    struct rs_conv c;
    if (r->conversation_id <= 0 || !r->tracking_code[0] ||
        rs_store_conv_get(s, r->merchant_id, r->conversation_id, &c) != RS_OK)
        return r->order_ref;
    if ((c.customer_id && c.customer_id == r->customer_id) || c.verified_order_id == r->order_id)
        return r->order_ref;
    return r->tracking_code;
}

/* ---- open ---- */

static bool actor_ok(const char *actor)
{
    return actor && *actor && strlen(actor) <= 300;
}

/* An SLA clock: the due time, and the merchant's time zone when its support works business
 * hours (the customer is then told the due day and time; "" tells it in hours). */
struct sla {
    int64_t due;
    char zone[64];
};

/* The SLA of HOURS from NOW under the merchant's support settings CFG (business hours counted
 * in the promise settings' time zone, on days that are not its calendar's holidays). */
static enum rs_err sla_start(struct rs_store *s, int64_t merchant_id, const struct rs_support_settings *cfg,
                             int hours, int64_t now, struct sla *out)
{
    *out = (struct sla){.due = now + (int64_t)hours * 3600};
    if (!cfg->bh_days)
        return RS_OK;
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, merchant_id, &st);
    if (e)
        return e;
    struct rs_calendar cal;
    rs_promise_calendar(&st, NULL, &cal);
    out->due = rs_support_sla_due(cfg, &cal, st.timezone, hours, now);
    snprintf(out->zone, sizeof out->zone, "%s", st.timezone);
    return RS_OK;
}

/* The zone ORDER_ID's customer reads an answer time in: the support team's business-hours zone
 * SUPPORT_ZONE ("" without business hours: the answer is "within N hours", no zone) told in the
 * customer's own zone when they have one, or their country's when the order goes abroad
 * (util/tz.h rs_tz_customer_zone, the rule of every other time the customer reads). */
static void customer_answer_zone(struct rs_store *s, int64_t order_id, const char *support_zone, int64_t now,
                                 char out[64])
{
    snprintf(out, 64, "%s", support_zone ? support_zone : "");
    struct rs_notify_customer c;
    if (*out && order_id > 0 && rs_store_notify_customer(s, order_id, &c) == RS_OK)
        rs_tz_customer_zone(c.timezone, c.country, support_zone, now, out);
}

enum rs_err rs_incident_answer_zone(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                                    char zone[64])
{
    zone[0] = '\0';
    struct rs_support_settings cfg;
    enum rs_err e = rs_support_settings_load(s, merchant_id, &cfg);
    if (e)
        return e;
    struct sla sla; /* the zone is the clock's, whatever the hours */
    e = sla_start(s, merchant_id, &cfg, 0, 0, &sla);
    rs_support_settings_release(&cfg);
    if (!e)
        customer_answer_zone(s, order_id, sla.zone, now, zone);
    return e;
}

/* CLDR's no-break spaces (U+00A0, U+202F before "PM") as plain ones, in place: these words go in
 * SMS, where one such character makes the whole text UCS-2 (70 characters a part, not 160). */
static void plain_spaces(char *s)
{
    char *o = s;
    for (const char *p = s; *p;) {
        size_t nb = strncmp(p, "\xc2\xa0", 2) == 0 ? 2 : strncmp(p, "\xe2\x80\xaf", 3) == 0 ? 3 : 0;
        *o++ = nb ? ' ' : *p;
        p += nb ? nb : 1;
    }
    *o = '\0';
}

/* AT as a day and a time in ZONE for LOCALE's reader, naming the zone (the customer may live in
 * another one): "martes 9 de diciembre a las 14:00 (hora de España)", "Tuesday, 9 December at
 * 14:00 (Spain Time)". False when ZONE or the locale data fails. */
static bool day_time_words(int64_t at, const char *zone, const char *locale, char *out, size_t cap)
{
    bool en = is_en(locale);
    char when[96], place[96];
    struct rs_locfmt *lf = rs_locfmt_new();
    /* English as its region writes a day and a time (12 or 24 hours, day or month first);
     * Spanish reads the same in every region here */
    /* a bare "en" reads as every other customer text reads it (util/locfmt.c: English outside
     * the US, Canada and the Philippines is day first, 24 hours), not as ICU's American "en" */
    const char *eloc = locale && (strcasecmp(locale, "en") == 0) ? "en-GB" : locale;
    enum rs_err e = en ? rs_locfmt_skeleton(lf, eloc, zone, "EEEEMMMMdjmm", at, when, sizeof when)
                       : rs_locfmt_pattern(lf, "es", zone, "EEEE d 'de' MMMM 'a las' HH:mm", at, when, sizeof when);
    /* the customer may live in another zone: say which one the time is in */
    if (e == RS_OK && rs_locfmt_zone_name(lf, en ? "en" : "es", zone, place, sizeof place) != RS_OK)
        place[0] = '\0';
    if (e == RS_OK)
        plain_spaces(when);
    /* "a la 01:30", singular for one o'clock, as util/locfmt.c's time ranges say it */
    char *one = en || e != RS_OK ? NULL : strstr(when, " a las 01:");
    if (one)
        memmove(one + 5, one + 6, strlen(one + 6) + 1);
    rs_locfmt_free(lf);
    if (e != RS_OK)
        return false;
    snprintf(out, cap, "%s%s%s%s", when, place[0] ? " (" : "", place, place[0] ? ")" : "");
    return true;
}

void rs_incident_answer_words(int64_t due, int64_t now, const char *zone, const char *locale, char *out, size_t cap)
{
    bool en = is_en(locale);
    int64_t hours = due > now ? (due - now + 3599) / 3600 : 0;
    char when[192];
    if (zone && *zone && hours > 0 && day_time_words(due, zone, locale, when, sizeof when)) {
        snprintf(out, cap, en ? "by %s" : "antes del %s", when);
        return;
    }
    if (hours <= 0) /* a due time already past (an incident recorded late): no promise in hours */
        snprintf(out, cap, "%s", en ? "as soon as we can" : "lo antes posible");
    else if (hours == 1)
        snprintf(out, cap, "%s", en ? "within 1 hour" : "en menos de 1 hora");
    else
        snprintf(out, cap, en ? "within %lld hours" : "en menos de %lld horas", (long long)hours);
}

void rs_incident_open_words(int64_t at, int64_t now, const char *zone, const char *locale, char *out, size_t cap)
{
    bool en = is_en(locale);
    char when[192];
    if (at > now && zone && *zone && day_time_words(at, zone, locale, when, sizeof when))
        snprintf(out, cap, en ? "from %s" : "a partir del %s", when);
    else
        snprintf(out, cap, "%s", en ? "shortly" : "en breve");
}

enum rs_err rs_incident_team_open(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                                  int64_t *at, char zone[64])
{
    *at = now;
    zone[0] = '\0';
    struct rs_support_settings cfg;
    enum rs_err e = rs_support_settings_load(s, merchant_id, &cfg);
    if (e)
        return e;
    if (cfg.bh_days) {
        struct rs_promise_settings st;
        if ((e = rs_store_promise_settings_get(s, merchant_id, &st)) == RS_OK) {
            struct rs_calendar cal;
            rs_promise_calendar(&st, NULL, &cal);
            *at = rs_support_next_open(&cfg, &cal, st.timezone, now);
            customer_answer_zone(s, order_id, st.timezone, now, zone);
        }
    }
    rs_support_settings_release(&cfg);
    return e;
}

/* rs_incident_open with the shipment a policy opened it for (0: none). */
static enum rs_err open_incident(struct rs_store *s, int64_t merchant_id, const struct rs_incident_open *in,
                                 int64_t shipment_id, const char *actor, int64_t now, int64_t *id)
{
    if (!in || rs_incident_type_index(in->type) < 0 || !in->origin || !*in->origin || strlen(in->origin) > 32 ||
        (in->message && strlen(in->message) > RS_INCIDENT_MESSAGE_MAX) || (in->contact && strlen(in->contact) > 256) ||
        !actor_ok(actor))
        return RS_EINVAL;
    struct rs_support_settings cfg;
    enum rs_err e = rs_support_settings_load(s, merchant_id, &cfg);
    if (e)
        return e;
    struct sla sla;
    e = sla_start(s, merchant_id, &cfg, rs_support_sla_hours(&cfg, in->type), now, &sla);
    rs_support_settings_release(&cfg);
    if (e)
        return e;
    struct rs_incident_new n = {
        .order_id = in->order_id,
        .shipment_id = shipment_id,
        .conversation_id = in->conversation_id,
        .type = in->type,
        .origin = in->origin,
        .message = in->message,
        .contact = in->contact,
        .locale = rs_app_locale_ok(in->locale) ? in->locale : NULL,
        .policy = in->policy,
        .offer = in->offer,
        .sla_due_at = in->sla_due_at > 0 ? in->sla_due_at : sla.due,
    };
    if (in->sla_due_at > 0) /* the caller's due time is what the customer is promised, in hours */
        sla = (struct sla){.due = in->sla_due_at};
    if ((e = rs_store_incident_insert(s, merchant_id, &n, now, id)))
        return e;
    struct rs_incident_log_in l = {.kind = "created", .actor = actor, .to_state = "open", .body = in->message};
    if ((e = rs_store_incident_log(s, *id, &l, now)))
        return e;
    struct rs_incident_row r;
    if ((e = rs_store_incident_row(s, merchant_id, *id, &r)))
        return e;
    bool en = is_en(r.locale);
    char ref[24], body[1024], offer[160];
    rs_incident_reference(r.id, ref);
    if (in->policy && in->offer && *in->offer) {
        offer_words(in->offer, en, offer, sizeof offer);
        snprintf(body, sizeof body,
                 en ? "We have not had news of your order %s for some days, so we opened incident %s (%s). We can "
                      "offer you %s: reply to this message with what you prefer."
                    : "No tenemos noticias de tu pedido %s desde hace días, así que hemos abierto la incidencia %s "
                      "(%s). Te ofrecemos %s: responde a este mensaje con lo que prefieras.",
                 order_words(s, &r), ref, type_words(r.type, en), offer);
    } else {
        char when[192], zone[64];
        customer_answer_zone(s, r.order_id, sla.zone, now, zone);
        rs_incident_answer_words(sla.due, now, zone, r.locale, when, sizeof when);
        snprintf(body, sizeof body,
                 en ? "We have received your report about order %s (%s). Your reference is %s and we will answer "
                      "%s."
                    : "Hemos recibido tu aviso sobre el pedido %s (%s). Tu referencia es %s y te responderemos %s.",
                 order_words(s, &r), request_words(in, r.type, en), ref, when);
    }
    return tell(s, &r, actor, body, now);
}

enum rs_err rs_incident_open(struct rs_store *s, int64_t merchant_id, const struct rs_incident_open *in,
                             const char *actor, int64_t now, int64_t *id)
{
    return open_incident(s, merchant_id, in, 0, actor, now, id);
}

enum rs_err rs_incident_unresolved(struct rs_store *s, int64_t merchant_id, int64_t order_id, const char *type,
                                   int64_t *id)
{
    *id = 0;
    if (rs_incident_type_index(type) < 0)
        return RS_EINVAL;
    bool not_come = strcmp(type, "late") == 0 || strcmp(type, "lost") == 0;
    const char *types[2] = {type, not_come ? (strcmp(type, "late") == 0 ? "lost" : "late") : NULL};
    for (int i = 0; i < 2 && types[i]; i++) {
        int64_t k = 0;
        enum rs_err e = rs_store_incident_unresolved(s, merchant_id, order_id, types[i], &k);
        if (e)
            return e;
        if (k > *id)
            *id = k;
    }
    return RS_OK;
}

enum rs_err rs_incident_report(struct rs_store *s, int64_t merchant_id, const struct rs_incident_open *in,
                               const char *actor, int64_t now, int64_t *id, bool *existing)
{
    *existing = false;
    if (!in || rs_incident_type_index(in->type) < 0 || !actor_ok(actor))
        return RS_EINVAL;
    /* the same problem told again, maybe on another channel: the incident that is open */
    int64_t known = 0;
    enum rs_err e = rs_incident_unresolved(s, merchant_id, in->order_id, in->type, &known);
    if (e)
        return e;
    if (!known)
        return rs_incident_open(s, merchant_id, in, actor, now, id);
    *id = known;
    *existing = true;
    if (!in->message || !*in->message)
        return RS_OK;
    return rs_incident_note(s, merchant_id, known, in->message, actor, now, NULL);
}

/* ---- state ---- */

/* Allowed moves: anything open may wait on the customer or the carrier, be resolved or closed;
 * a resolved incident may be reopened or closed; closed is final. */
static bool transition_ok(const char *from, const char *to)
{
    int f = rs_incident_state_index(from), t = rs_incident_state_index(to);
    if (f < 0 || t < 0 || f == t)
        return false;
    if (strcmp(from, "closed") == 0)
        return false;
    if (strcmp(from, "resolved") == 0)
        return strcmp(to, "open") == 0 || strcmp(to, "closed") == 0;
    return true;
}

static void state_text(struct rs_store *s, const struct rs_incident_row *r, const char *to, const struct sla *sla,
                       int64_t now, char *out, size_t cap)
{
    bool en = is_en(r->locale);
    char ref[24];
    rs_incident_reference(r->id, ref);
    const char *fmt;
    if (strcmp(to, "waiting_customer") == 0)
        fmt = en ? "Your incident %s about order %s is waiting for your reply: please answer this message so we can "
                   "go on."
                 : "Tu incidencia %s sobre el pedido %s está a la espera de tu respuesta: contesta a este mensaje "
                   "para que podamos seguir.";
    else if (strcmp(to, "waiting_carrier") == 0)
        fmt = en ? "We have asked the carrier about your incident %s (order %s) and are waiting for their answer. We "
                   "will write to you as soon as we know more."
                 : "Hemos preguntado al transportista por tu incidencia %s (pedido %s) y esperamos su respuesta. Te "
                   "escribiremos en cuanto sepamos algo.";
    else if (strcmp(to, "resolved") == 0)
        fmt = en ? "Your incident %s about order %s is resolved. If anything is still wrong, reply to this message."
                 : "Tu incidencia %s sobre el pedido %s está resuelta. Si algo sigue mal, responde a este mensaje.";
    else if (strcmp(to, "closed") == 0)
        fmt = en ? "We have closed your incident %s about order %s. Thank you for your patience."
                 : "Hemos cerrado tu incidencia %s sobre el pedido %s. Gracias por tu paciencia.";
    else {
        /* reopened: the new SLA clock, told as when the incident was opened */
        char when[192], zone[64];
        customer_answer_zone(s, r->order_id, sla->zone, now, zone);
        rs_incident_answer_words(sla->due, now, zone, r->locale, when, sizeof when);
        snprintf(out, cap,
                 en ? "We have reopened your incident %s about order %s and are working on it again: we will answer "
                      "%s."
                    : "Hemos reabierto tu incidencia %s sobre el pedido %s y volvemos a trabajar en ella: te "
                      "responderemos %s.",
                 ref, order_words(s, r), when);
        return;
    }
    snprintf(out, cap, fmt, ref, order_words(s, r));
}

enum rs_err rs_incident_set_state(struct rs_store *s, int64_t merchant_id, int64_t id, const char *state,
                                  const char *actor, int64_t now)
{
    if (rs_incident_state_index(state) < 0 || !actor_ok(actor))
        return RS_EINVAL;
    struct rs_incident_row r;
    enum rs_err e = rs_store_incident_row(s, merchant_id, id, &r);
    if (e)
        return e;
    if (strcmp(r.state, state) == 0)
        return RS_OK; /* already there: nothing changes, nobody is told twice */
    if (!transition_ok(r.state, state))
        return RS_ECONFLICT;
    if ((e = rs_store_incident_set_state(s, merchant_id, id, state, actor, now)))
        return e;
    struct rs_incident_log_in l = {.kind = "state", .actor = actor, .from_state = r.state, .to_state = state};
    char sla_note[160];
    struct sla sla = {0};
    if (strcmp(r.state, "resolved") == 0 && strcmp(state, "open") == 0) {
        /* reopened: a new SLA clock from now (the old due time may be long past) */
        struct rs_support_settings cfg;
        if ((e = rs_support_settings_load(s, merchant_id, &cfg)))
            return e;
        int hours = rs_support_sla_hours(&cfg, r.type);
        e = sla_start(s, merchant_id, &cfg, hours, now, &sla);
        rs_support_settings_release(&cfg);
        if (e)
            return e;
        char due[RS_TIME_LEN];
        rs_time_format(sla.due, 0, due);
        if ((e = rs_store_incident_set_sla(s, merchant_id, id, sla.due, now)))
            return e;
        char h[16];
        snprintf(h, sizeof h, "%d", hours);
        sys_fill(sla.zone[0] ? SYS_NEW_SLA_BUSINESS : SYS_NEW_SLA, sla_note, sizeof sla_note, 2, h, due);
        l.body = sla_note;
    }
    if ((e = rs_store_incident_log(s, id, &l, now)))
        return e;
    char body[600];
    state_text(s, &r, state, &sla, now, body, sizeof body);
    return tell(s, &r, actor, body, now);
}

enum rs_err rs_incident_customer_replied(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                         int64_t only, bool reopen, int64_t now, int64_t *incident_id)
{
    *incident_id = 0;
    if (only && reopen) {
        /* an answer to the notice of a resolved incident ("if anything is still wrong, reply to
         * this message"): that incident again, with a new SLA, not a second one */
        struct rs_incident_row r;
        enum rs_err e = rs_store_incident_row(s, merchant_id, only, &r);
        if (e && e != RS_ENOTFOUND)
            return e;
        if (!e && r.conversation_id == conversation_id && strcmp(r.state, "resolved") == 0) {
            if ((e = rs_incident_set_state(s, merchant_id, only, "open", "customer", now)))
                return e;
            *incident_id = only;
            return RS_OK;
        }
    }
    int64_t ids[16];
    int n = 0;
    enum rs_err e = rs_store_incident_waiting(s, merchant_id, conversation_id, ids, 16, &n);
    for (int i = 0; i < n && !e; i++) {
        if (only && ids[i] != only)
            continue;
        if ((e = rs_store_incident_set_state(s, merchant_id, ids[i], "open", "customer", now)))
            break;
        struct rs_incident_log_in l = {
            .kind = "state", .actor = "customer", .from_state = "waiting_customer", .to_state = "open"};
        e = rs_store_incident_log(s, ids[i], &l, now);
        *incident_id = ids[i];
    }
    return e;
}

/* ---- assignment and notes (internal: the customer is not told) ---- */

enum rs_err rs_incident_assign(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t agent_id,
                               const char *actor, int64_t now)
{
    if (agent_id < 0 || !actor_ok(actor))
        return RS_EINVAL;
    struct rs_incident_row r;
    enum rs_err e = rs_store_incident_row(s, merchant_id, id, &r);
    if (e)
        return e;
    char email[256] = "";
    if (agent_id > 0) {
        int64_t aid;
        e = rs_store_agent_of_merchant(s, merchant_id, agent_id, NULL, &aid, email);
        if (e == RS_ENOTFOUND)
            return RS_EINVAL; /* not an agent of this merchant */
        if (e)
            return e;
    }
    if (r.assigned_agent_id == agent_id)
        return RS_OK;
    if ((e = rs_store_incident_set_agent(s, merchant_id, id, agent_id, now)))
        return e;
    struct rs_incident_log_in l = {.kind = "assigned", .actor = actor, .body = agent_id ? email : NULL};
    return rs_store_incident_log(s, id, &l, now);
}

enum rs_err rs_incident_note(struct rs_store *s, int64_t merchant_id, int64_t id, const char *body,
                             const char *actor, int64_t now, bool *retried)
{
    bool same = false;
    if (retried)
        *retried = false;
    if (!body || !*body || strlen(body) > 4000 || !actor_ok(actor))
        return RS_EINVAL;
    struct rs_incident_row r;
    enum rs_err e = rs_store_incident_row(s, merchant_id, id, &r);
    if (e)
        return e;
    struct rs_incident_log_in l = {.kind = "note", .actor = actor, .body = body};
    if (retried && ((e = rs_store_incident_log_resent(s, id, &l, now - RS_INCIDENT_RESENT_S, &same)) || same)) {
        *retried = same;
        return e;
    }
    return rs_store_incident_log(s, id, &l, now);
}

/* ---- coupons ---- */

static bool coupon_req_ok(const struct rs_coupon_req *c)
{
    if (!c || !c->kind || !c->reason || !*c->reason || strlen(c->reason) > 31 ||
        strspn(c->reason, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(c->reason) || c->value_cents <= 0 ||
        c->expires_at < 0)
        return false;
    if (strcmp(c->kind, "percent") == 0)
        return c->value_cents <= 10000;
    if (strcmp(c->kind, "amount") != 0 || c->value_cents > 10000000)
        return false;
    const char *k = c->currency;
    return k && strlen(k) == 3 && k[0] >= 'A' && k[0] <= 'Z' && k[1] >= 'A' && k[1] <= 'Z' && k[2] >= 'A' &&
           k[2] <= 'Z';
}

/* The coupon of ID told in LOCALE: value, code and expiry through the notification renderer's
 * formatting, so a coupon reads the same in a compensation e-mail and here. */
static enum rs_err coupon_text(struct rs_store *s, int64_t coupon_id, const char *locale, const char *customer_locale,
                               const char *order_ref, char *out, size_t cap)
{
    bool en = is_en(locale);
    /* the amount as the customer writes it ("$150.00" in Mexico): their own locale when it is
     * the message's language */
    bool theirs = customer_locale && customer_locale[0] && is_en(customer_locale) == en;
    struct rs_locfmt *lf = rs_locfmt_new();
    struct rs_notify_extras x;
    enum rs_err e = rs_app_notify_extras(s, lf, 0, coupon_id, theirs ? customer_locale : en ? "en" : "es", &x);
    rs_locfmt_free(lf);
    if (e)
        return e;
    int n = snprintf(out, cap,
                     en ? "For your order %s we give you a coupon worth %s for your next purchase. Your code: %s."
                        : "Por tu pedido %s te damos un cupón de %s para tu próxima compra. Tu código: %s.",
                     order_ref, x.coupon_value, x.coupon_code);
    if (x.coupon_expiry[0] && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, en ? " Valid until %s." : " Válido hasta el %s.", x.coupon_expiry);
    return RS_OK;
}

/* Issue the coupon and tell the customer; R is the incident (NULL: none), ORDER_REF/LOCALE for
 * the text when there is no incident. */
static enum rs_err issue(struct rs_store *s, int64_t merchant_id, int64_t order_id, struct rs_incident_row *r,
                         const struct rs_coupon_req *c, const char *actor, int64_t now, struct rs_coupon *out)
{
    if (!coupon_req_ok(c) || !actor_ok(actor))
        return RS_EINVAL;
    if (r && r->order_id != order_id)
        return RS_EINVAL;
    char loc[8], mloc[8], order_ref[128];
    enum rs_err e = rs_store_order_locale(s, merchant_id, order_id, loc, mloc, order_ref);
    if (e)
        return e;
    int64_t had = 0; /* one compensation per incident, even when it is reopened and resolved again */
    if (r && (e = rs_store_incident_coupon(s, r->id, &had)))
        return e;
    if (had)
        return RS_EDUPLICATE;
    struct rs_support_settings cfg;
    if ((e = rs_support_settings_load(s, merchant_id, &cfg)))
        return e;
    struct rs_coupon cp = {
        .merchant_id = merchant_id,
        .order_id = order_id,
        .value_cents = c->value_cents,
        .expires_at = c->expires_at > 0                ? c->expires_at
                      : cfg.coupon_valid_days > 0 ? now + (int64_t)cfg.coupon_valid_days * 86400
                                                       : 0,
    };
    snprintf(cp.kind, sizeof cp.kind, "%s", c->kind);
    snprintf(cp.currency, sizeof cp.currency, "%s", strcmp(c->kind, "amount") == 0 ? c->currency : "");
    snprintf(cp.reason, sizeof cp.reason, "%s", c->reason);
    char details[128];
    snprintf(details, sizeof details, "{\"issued_by\":\"%s\"}",
             strncmp(actor, "agent:", 6) == 0 ? "agent" : strcmp(actor, "policy") == 0 ? "policy" : "api");
    int64_t cid = 0;
    e = RS_ECONFLICT;
    for (int tries = 0; tries < 5 && e == RS_ECONFLICT; tries++) {
        rs_app_coupon_code(cfg.coupon_prefix ? cfg.coupon_prefix : "", cp.code, sizeof cp.code);
        e = rs_store_coupon_add(s, &cp, details, now, &cid);
    }
    rs_support_settings_release(&cfg);
    if (e)
        return e == RS_EDUPLICATE ? RS_ECONFLICT : e;
    if ((e = rs_store_coupon_mark(s, cid, actor, r ? r->id : 0)))
        return e;
    if (out && (e = rs_store_coupon_get(s, cid, out)))
        return e;
    /* the text in the incident's language, else the customer's, else the merchant's */
    const char *locale = r ? r->locale : loc[0] ? loc : mloc[0] ? mloc : "es";
    char body[700];
    if ((e = coupon_text(s, cid, locale, loc, r ? order_words(s, r) : order_ref, body, sizeof body)))
        return e;
    if (r)
        return tell(s, r, actor, body, now);
    int64_t conv = 0, msg = 0; /* no incident: the order's customer conversation */
    return deliver(s, merchant_id, order_id, &conv, body, now, &msg);
}

enum rs_err rs_coupon_issue(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t incident_id,
                            const struct rs_coupon_req *c, const char *actor, int64_t now, struct rs_coupon *out)
{
    struct rs_incident_row r;
    if (incident_id > 0) {
        enum rs_err e = rs_store_incident_row(s, merchant_id, incident_id, &r);
        if (e)
            return e;
        if (order_id <= 0)
            order_id = r.order_id;
    }
    return issue(s, merchant_id, order_id, incident_id > 0 ? &r : NULL, c, actor, now, out);
}

/* ---- resolution ---- */

enum rs_err rs_incident_resolve(struct rs_store *s, int64_t merchant_id, int64_t id, const char *resolution,
                                const struct rs_coupon_req *coupon, const char *actor, int64_t now,
                                struct rs_coupon *coupon_out)
{
    if (!resolution || !actor_ok(actor))
        return RS_EINVAL;
    bool with_coupon = strcmp(resolution, "coupon") == 0;
    if (!with_coupon && strcmp(resolution, "reship") != 0 && strcmp(resolution, "refund") != 0 &&
        strcmp(resolution, "no_action") != 0)
        return RS_EINVAL;
    if (!with_coupon && coupon)
        return RS_EINVAL;
    struct rs_incident_row r;
    enum rs_err e = rs_store_incident_row(s, merchant_id, id, &r);
    if (e)
        return e;
    if (strcmp(r.state, "resolved") == 0 || strcmp(r.state, "closed") == 0)
        return RS_ECONFLICT;
    struct rs_coupon cp = {0};
    int64_t had = 0; /* the coupon the incident already has (a policy's, or before it was reopened) */
    if (with_coupon && !coupon) {
        if ((e = rs_store_incident_coupon(s, id, &had)))
            return e;
        if (!had || (e = rs_store_coupon_get(s, had, &cp)))
            return had ? e : RS_EINVAL;
    }
    if (with_coupon && coupon && (e = issue(s, merchant_id, r.order_id, &r, coupon, actor, now, &cp)))
        return e;
    if ((e = rs_store_incident_set_resolution(s, merchant_id, id, resolution, actor, cp.id, now)))
        return e;
    struct rs_incident_log_in l = {
        .kind = "resolution", .actor = actor, .from_state = r.state, .to_state = "resolved", .body = resolution};
    if ((e = rs_store_incident_log(s, id, &l, now)))
        return e;
    if (coupon_out)
        *coupon_out = cp;
    bool en = is_en(r.locale);
    char ref[24], body[700];
    rs_incident_reference(id, ref);
    const char *fmt;
    if (strcmp(resolution, "reship") == 0)
        fmt = en ? "Your incident %s is resolved: we are sending order %s to you again. You will get the new tracking "
                   "link as soon as it leaves."
                 : "Tu incidencia %s está resuelta: te volvemos a enviar el pedido %s. Recibirás el nuevo enlace de "
                   "seguimiento en cuanto salga.";
    else if (strcmp(resolution, "refund") == 0)
        fmt = en ? "Your incident %s is resolved: we are refunding order %s. Depending on your bank it can take 3 to "
                   "5 business days to show."
                 : "Tu incidencia %s está resuelta: te devolvemos el importe del pedido %s. Según tu banco, puede "
                   "tardar de 3 a 5 días hábiles en verse.";
    else if (with_coupon && had)
        fmt = en ? "Your incident %s about order %s is resolved with the coupon we sent you."
                 : "Tu incidencia %s sobre el pedido %s está resuelta con el cupón que te enviamos.";
    else if (with_coupon)
        fmt = en ? "Your incident %s about order %s is resolved with the coupon we have just sent you."
                 : "Tu incidencia %s sobre el pedido %s está resuelta con el cupón que te acabamos de enviar.";
    else
        fmt = en ? "We have looked into your incident %s about order %s and closed it without further changes. If "
                   "you do not agree, reply to this message."
                 : "Hemos revisado tu incidencia %s sobre el pedido %s y la damos por resuelta sin más cambios. Si no "
                   "estás de acuerdo, responde a este mensaje.";
    snprintf(body, sizeof body, fmt, ref, order_words(s, &r));
    return tell(s, &r, actor, body, now);
}

/* ---- policies ---- */

#define SWEEP_MAX_OPEN 200 /* incidents opened per sweep at most; the next sweep goes on */

static enum rs_err sweep_merchant(struct rs_store *s, int64_t merchant_id, int64_t now, int *opened)
{
    struct rs_support_settings cfg;
    enum rs_err e = rs_support_settings_load(s, merchant_id, &cfg);
    if (e)
        return e;
    for (int p = 0; p < cfg.n_policies && !e && *opened < SWEEP_MAX_OPEN; p++) {
        const struct rs_support_policy *pol = &cfg.policies[p];
        struct rs_policy_match m[64];
        int n = 0;
        int64_t no_scan_before = pol->no_scan_days >= 0 ? now - (int64_t)pol->no_scan_days * 86400 : -1;
        int64_t breached_before = pol->breached_days >= 0 ? now / 86400 - pol->breached_days : -1;
        e = rs_store_policy_candidates(s, merchant_id, pol->name, pol->type, no_scan_before, breached_before,
                                       pol->status, m, 64, &n);
        for (int i = 0; i < n && !e && *opened < SWEEP_MAX_OPEN; i++) {
            char why[160] = "", part[64], num[16];
            if (pol->no_scan_days >= 0) {
                snprintf(num, sizeof num, "%d", pol->no_scan_days);
                sys_fill(SYS_WHY_NO_SCAN, part, sizeof part, 1, num);
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s", *why ? "; " : "", part);
            }
            if (pol->breached_days >= 0) {
                snprintf(num, sizeof num, "%d", pol->breached_days);
                sys_fill(SYS_WHY_BREACHED, part, sizeof part, 1, num);
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s", *why ? "; " : "", part);
            }
            if (pol->status) {
                sys_fill(SYS_WHY_STATUS, part, sizeof part, 1, pol->status);
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s", *why ? "; " : "", part);
            }
            char message[256];
            sys_fill(SYS_POLICY, message, sizeof message, 2, pol->name, why);
            struct rs_incident_open in = {.order_id = m[i].order_id,
                                          .type = pol->type,
                                          .origin = "policy",
                                          .message = message,
                                          .policy = pol->name,
                                          .offer = pol->offer};
            int64_t id = 0;
            e = open_incident(s, merchant_id, &in, m[i].shipment_id, "policy", now, &id);
            if (e == RS_EDUPLICATE) {
                e = RS_OK;
                continue;
            }
            if (e)
                break;
            (*opened)++;
            if (pol->offer_coupon) {
                struct rs_coupon_req c = {.kind = cfg.coupon_percent ? "percent" : "amount",
                                          .value_cents = cfg.coupon_value_cents,
                                          .currency = cfg.coupon_currency,
                                          .reason = pol->type};
                e = rs_coupon_issue(s, merchant_id, m[i].order_id, id, &c, "policy", now, NULL);
            }
        }
    }
    rs_support_settings_release(&cfg);
    return e;
}

enum rs_err rs_incident_policy_sweep(struct rs_store *s, int64_t now, int *opened)
{
    *opened = 0;
    int64_t after = 0, ids[128];
    int n = 0;
    do {
        enum rs_err e = rs_store_merchant_ids(s, after, ids, 128, &n);
        if (e)
            return e;
        for (int i = 0; i < n && *opened < SWEEP_MAX_OPEN; i++) {
            if ((e = sweep_merchant(s, ids[i], now, opened)))
                return e;
            after = ids[i];
        }
    } while (n == 128 && *opened < SWEEP_MAX_OPEN);
    return RS_OK;
}

/* ---- SLA alerts ---- */

/* Incident D passed its SLA at NOW: claim its alert (once per SLA, whoever sweeps), log it, queue
 * the team's webhook and e-mail. *ALERTED counts the claimed ones. */
static enum rs_err sla_alert(struct rs_store *s, const struct rs_incident_due *d, int64_t now, int *alerted)
{
    bool claimed = false;
    enum rs_err e = rs_store_incident_sla_claim(s, d->id, now, &claimed);
    if (e || !claimed)
        return e;
    struct rs_incident_row r;
    if ((e = rs_store_incident_row(s, d->merchant_id, d->id, &r)))
        return e;
    struct rs_support_settings cfg;
    if ((e = rs_support_settings_load(s, r.merchant_id, &cfg)))
        return e;
    bool hook = false, mail = false, no_smtp = false;
    e = rs_app_notify_incident_sla(s, r.merchant_id, r.order_id, r.id, r.sla_due_at, cfg.alert_email, now, &hook,
                                   &mail, &no_smtp);
    char body[512], due[RS_TIME_LEN];
    rs_time_format(r.sla_due_at, 0, due);
    if (hook && mail)
        sys_fill(SYS_SLA_BOTH, body, sizeof body, 2, due, cfg.alert_email);
    else if (mail)
        sys_fill(SYS_SLA_MAIL, body, sizeof body, 2, due, cfg.alert_email);
    else if (hook)
        sys_fill(no_smtp ? SYS_SLA_HOOK_NO_SMTP : SYS_SLA_HOOK, body, sizeof body, 1, due);
    else
        sys_fill(no_smtp ? SYS_SLA_NOBODY_NO_SMTP : SYS_SLA_NOBODY, body, sizeof body, 1, due);
    rs_support_settings_release(&cfg);
    if (e)
        return e;
    struct rs_incident_log_in l = {.kind = "state", .actor = "system", .body = body};
    if ((e = rs_store_incident_log(s, r.id, &l, now)))
        return e;
    (*alerted)++;
    return RS_OK;
}

enum rs_err rs_incident_sla_sweep(struct rs_store *s, int64_t now, int *alerted)
{
    *alerted = 0;
    struct rs_incident_due due[64];
    int n = 0;
    do {
        enum rs_err e = rs_store_incident_sla_unalerted(s, now, due, 64, &n);
        for (int i = 0; i < n && !e; i++)
            e = sla_alert(s, &due[i], now, alerted);
        if (e)
            return e;
    } while (n == 64 && *alerted < SWEEP_MAX_OPEN);
    return RS_OK;
}

/* What the team reads for an incident's state and origin. */
static const char *state_words(const char *state, bool en)
{
    static const char *const es_w[RS_INCIDENT_NSTATES] = {"abierta", "esperando al cliente",
                                                          "esperando al transportista", "resuelta", "cerrada"};
    static const char *const en_w[RS_INCIDENT_NSTATES] = {"open", "waiting for the customer",
                                                          "waiting for the carrier", "resolved", "closed"};
    int i = rs_incident_state_index(state);
    return i < 0 ? state : en ? en_w[i] : es_w[i];
}

static const char *origin_words(const char *origin, bool en)
{
    static const char *const names[][3] = {
        {"tracking_page", "la página de seguimiento", "the tracking page"},
        {"api", "la API", "the API"},
        {"email", "e-mail", "e-mail"},
        {"sms", "SMS", "SMS"},
        {"whatsapp", "WhatsApp", "WhatsApp"},
        {"webchat", "el chat web", "the web chat"},
        {"phone", "teléfono", "phone"},
        {"bot", "el bot", "the bot"},
        {"policy", "una política automática", "an automatic policy"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(origin, names[i][0]) == 0)
            return names[i][en ? 2 : 1];
    return origin;
}

/* T in the shop's ZONE, "lunes 7 de diciembre, 10:00 (Europe/Madrid)" / "Monday 7 December, 10:00
 * (Europe/Madrid)"; UTC ISO 8601 when the zone is unknown. */
static void team_when(struct rs_locfmt *lf, const char *zone, bool en, int64_t t, char *out, size_t cap)
{
    char when[96];
    if (zone && *zone &&
        rs_locfmt_pattern(lf, en ? "en" : "es", zone, en ? "EEEE d MMMM, HH:mm" : "EEEE d 'de' MMMM, HH:mm", t, when,
                          sizeof when) == RS_OK) {
        snprintf(out, cap, "%s (%s)", when, zone);
        return;
    }
    char iso[RS_TIME_LEN];
    rs_time_format(t, 0, iso);
    snprintf(out, cap, "%s", iso);
}

void rs_incident_late_words(int64_t due, int64_t now, bool en, char *out, size_t cap)
{
    int64_t late = now - due;
    if (late <= 0)
        snprintf(out, cap, "%s", "");
    else if (late < 60)
        snprintf(out, cap, "%s", en ? "less than a minute late" : "con menos de un minuto de retraso");
    else if (late < 3600)
        snprintf(out, cap, en ? "%lld min late" : "con %lld min de retraso", (long long)(late / 60));
    else if (late <= 48 * 3600)
        snprintf(out, cap, en ? "%lld h late" : "con %lld h de retraso", (long long)(late / 3600));
    else
        snprintf(out, cap, en ? "%lld days late" : "con %lld días de retraso", (long long)(late / 86400));
}

void rs_incident_sla_alert_mail(const struct rs_sla_alert *a, char **subject, char **text, char **html)
{
    char ref[24];
    rs_incident_reference(a->incident_id, ref);
    struct rs_buf sb, tb, hb;
    rs_buf_init(&sb);
    rs_buf_init(&tb);
    rs_buf_init(&hb);
    rs_buf_printf(&sb, "[%s] Fuera de plazo / Past its SLA: %s %s", ref, a->order_ref, type_words(a->type, false));
    struct rs_locfmt *lf = rs_locfmt_new();
    rs_buf_puts(&hb, "<div lang=\"es\">");
    for (int en = 0; en < 2; en++) {
        char due[256], opened[160], late[64] = "";
        team_when(lf, a->zone, en, a->due, due, sizeof due);
        if (a->now)
            rs_incident_late_words(a->due, a->now, en, late, sizeof late);
        if (late[0])
            snprintf(due + strlen(due), sizeof due - strlen(due), ", %s", late);
        team_when(lf, a->zone, en, a->opened_at, opened, sizeof opened);
        const char *agent = a->agent_email && *a->agent_email ? a->agent_email : en ? "nobody" : "nadie";
        const char *lines[][2] = {
            {en ? "Due" : "Vencía", due},
            {en ? "Opened" : "Abierta", opened},
            {en ? "Type" : "Tipo", type_words(a->type, en)},
            {en ? "State" : "Estado", state_words(a->state, en)},
            {en ? "Assigned to" : "Asignada a", agent},
            {en ? "Reported through" : "Llegó por", origin_words(a->origin, en)},
        };
        if (en) {
            rs_buf_puts(&tb, "\n-----\n\n");
            rs_buf_puts(&hb, "<hr><div lang=\"en\">");
        }
        rs_buf_printf(&tb,
                      en ? "Incident %s about order %s has passed its SLA and is not resolved yet.\n\n"
                         : "La incidencia %s del pedido %s ha superado su plazo de respuesta (SLA) y sigue sin "
                           "resolver.\n\n",
                      ref, a->order_ref);
        rs_buf_puts(&hb, "<p>");
        rs_buf_printf(&hb, en ? "Incident <b>%s</b> about order <b>" : "La incidencia <b>%s</b> del pedido <b>", ref);
        rs_buf_html(&hb, a->order_ref);
        rs_buf_puts(&hb, en ? "</b> has passed its SLA and is not resolved yet.</p><ul>"
                            : "</b> ha superado su plazo de respuesta (SLA) y sigue sin resolver.</p><ul>");
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            rs_buf_printf(&tb, "%s: %s\n", lines[i][0], lines[i][1]);
            rs_buf_printf(&hb, "<li>%s: ", lines[i][0]);
            rs_buf_html(&hb, lines[i][1]);
            rs_buf_puts(&hb, "</li>");
        }
        rs_buf_printf(&tb, "\n%s: %s\n", en ? "Open it in the console" : "Ábrela en la consola", a->console_url);
        rs_buf_puts(&hb, "</ul><p><a href=\"");
        rs_buf_html(&hb, a->console_url);
        rs_buf_printf(&hb, "\">%s</a></p></div>", en ? "Open it in the console" : "Ábrela en la consola");
    }
    rs_locfmt_free(lf);
    *subject = rs_buf_detach(&sb, NULL);
    *text = rs_buf_detach(&tb, NULL);
    *html = rs_buf_detach(&hb, NULL);
}
