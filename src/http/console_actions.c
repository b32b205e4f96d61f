/* console_actions.c — every POST of the console after the session, Origin and CSRF checks
 * (console.c): on a conversation (take, release, assign, close, reopen, reply or internal note,
 * a phone call logged, an incident from a message) and on an incident (state, take, resolve with
 * reship/refund/no_action or a coupon). Each write is one rs_writer_run job that calls the
 * application's functions (app/conv.h, app/incident.h), so the console writes exactly what the
 * API and the bot write, customers are told the same way, and a 303 means committed. Then back
 * to the page (Post/Redirect/Get). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/conv.h"
#include "app/incident.h"
#include "app/support_settings.h"
#include "http/console.h"
#include "http/routes.h"
#include "store/store_conv.h"
#include "util/form.h"
#include "util/timefmt.h"

static bool field(struct rs_req *r, const char *name, char *out, size_t cap, bool *cut)
{
    return rs_form_get(r->body, r->body_len, name, out, cap, cut);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t k = 0;
    while (s[k] && isspace((unsigned char)s[k]))
        k++;
    memmove(s, s + k, n - k + 1);
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool utf8_ok(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || (n == 1 && c < 0xC2) || c > 0xF4)
            return false;
        for (int i = 1; i <= n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return false;
        if (n == 2 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
            return false;
        if (n == 3 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
            return false;
        s += n + 1;
    }
    return true;
}

/* One job for every action: which one, its inputs, and what it found out. */
enum act {
    A_TAKE, A_RELEASE, A_ASSIGN, A_CLOSE, A_REOPEN, A_REPLY, A_NOTE, A_PHONE, A_INCIDENT,
    I_STATE, I_TAKE, I_RESOLVE
};
struct job {
    enum act act;
    struct rs_console *c;
    int64_t id;             /* conversation or incident */
    int64_t other_id;       /* agent to assign, message an incident starts from, holder seen (take) */
    int64_t seen;           /* the newest message the page showed (reply, note, phone log); the
                               holder it showed (assign: -1 when the form did not say) */
    const char *text;       /* reply, note, phone log, state, incident type, resolution */
    struct rs_coupon_req coupon;
    bool with_coupon;
    const struct rs_console_kept *kept; /* the agent's text, shown again when refused */
    int64_t conversation_id; /* OUT: where to go back to (incident actions) */
    char why[300];           /* OUT: a reason for the agent on RS_EINVAL or RS_ECONFLICT */
};

static const char *actor(struct rs_console *c, char out[300])
{
    snprintf(out, 300, "agent:%s", c->sess.agent.email);
    return out;
}

static enum rs_err conversation_fields(struct rs_store *s, struct job *j, json_t **conv)
{
    return rs_store_console_conversation(s, j->c->sess.agent.merchant_id, j->id, conv);
}

/* Whether this very form was sent already (a double click, a POST sent again): a message of this
 * agent with the same text after the newest one the page showed. */
static bool already_done(struct rs_store *s, struct job *j)
{
    json_t *msgs = NULL, *m;
    size_t i;
    bool done = false;
    if (j->seen <= 0 || rs_store_conv_messages_json(s, j->c->sess.agent.merchant_id, j->id, &msgs) != RS_OK)
        return false;
    json_array_foreach(msgs, i, m)
    {
        const char *by = json_string_value(json_object_get(m, "agent"));
        const char *body = json_string_value(json_object_get(m, "body"));
        if (json_integer_value(json_object_get(m, "id")) > j->seen && by && body &&
            strcmp(by, j->c->sess.agent.email) == 0 && strcmp(body, j->text) == 0)
            done = true;
    }
    json_decref(msgs);
    return done;
}

static enum rs_err run(struct rs_store *s, void *ctx)
{
    struct job *j = ctx;
    struct rs_console *c = j->c;
    int64_t mid = c->sess.agent.merchant_id, me = c->sess.agent.id, now = rs_now();
    char who[300];
    json_t *conv = NULL;
    enum rs_err e = RS_OK;
    if ((j->act == A_REPLY || j->act == A_NOTE || j->act == A_PHONE) && already_done(s, j))
        return RS_OK; /* sent once: the customer does not get it twice */
    switch (j->act) {
    case A_TAKE: {
        /* a page read before a colleague took it must not take it from them: only the holder the
         * agent saw (nobody, or the one named on the page) can be replaced */
        e = conversation_fields(s, j, &conv);
        if (e)
            return e;
        int64_t holder = json_integer_value(json_object_get(conv, "assigned_agent_id"));
        if (holder && holder != me && holder != j->other_id) {
            const char *who_name = json_string_value(json_object_get(conv, "agent_name"));
            snprintf(j->why, sizeof j->why,
                     CX(c, "%s ya atiende esta conversación. Recarga la página si aun así quieres atenderla tú.",
                        "%s is already handling this conversation. Reload the page if you still want to take it."),
                     who_name && *who_name ? who_name : CX(c, "Otra persona", "Someone else"));
            json_decref(conv);
            return RS_ECONFLICT;
        }
        json_decref(conv);
        return rs_conv_assign(s, mid, j->id, me, now);
    }
    case A_RELEASE:
        return rs_conv_assign(s, mid, j->id, 0, now);
    case A_ASSIGN: {
        struct rs_agent a;
        e = rs_store_agent_get(s, mid, j->other_id, &a);
        if (e == RS_ENOTFOUND || (!e && a.disabled_at)) {
            snprintf(j->why, sizeof j->why, "%s", CX(c, "Ese agente no existe en tu tienda.", "No such agent in your shop."));
            return RS_EINVAL;
        }
        if (e)
            return e;
        /* as for taking it: a page read before a colleague took it must not hand it on behind
         * their back; only the holder the page showed may be replaced */
        if (j->seen >= 0) {
            if ((e = conversation_fields(s, j, &conv)))
                return e;
            int64_t holder = json_integer_value(json_object_get(conv, "assigned_agent_id"));
            if (holder && holder != j->seen && holder != j->other_id) {
                const char *who_name = json_string_value(json_object_get(conv, "agent_name"));
                snprintf(j->why, sizeof j->why,
                         CX(c, "%s ha tomado esta conversación mientras tanto. Recarga la página si aun así quieres "
                               "asignarla.",
                            "%s took this conversation in the meantime. Reload the page if you still want to assign "
                            "it."),
                         who_name && *who_name ? who_name : CX(c, "Otra persona", "Someone else"));
                json_decref(conv);
                return RS_ECONFLICT;
            }
            json_decref(conv);
        }
        return rs_conv_assign(s, mid, j->id, j->other_id, now);
    }
    case A_CLOSE:
        return rs_conv_set_state(s, mid, j->id, "closed", now);
    case A_REOPEN:
        return rs_conv_set_state(s, mid, j->id, "agent", now);
    case A_REPLY:
        /* answering takes the conversation, so the bot stays quiet from here on */
        e = conversation_fields(s, j, &conv);
        if (!e && json_integer_value(json_object_get(conv, "assigned_agent_id")) == 0)
            e = rs_conv_assign(s, mid, j->id, me, now);
        json_decref(conv);
        return e ? e : rs_conv_send(s, mid, j->id, "agent", me, j->text, now, NULL);
    case A_NOTE:
        return rs_conv_note(s, mid, j->id, me, j->text, now, NULL);
    case A_PHONE: {
        e = conversation_fields(s, j, &conv);
        if (e)
            return e;
        const char *phone = json_string_value(json_object_get(conv, "phone"));
        if (!phone)
            phone = json_string_value(json_object_get(conv, "customer_phone"));
        const char *email = json_string_value(json_object_get(conv, "email"));
        if (!email)
            email = json_string_value(json_object_get(conv, "customer_email"));
        struct rs_inbound_msg in = {.merchant_id = mid,
                                    .channel = "phone",
                                    .phone = phone,
                                    .email = email,
                                    .order_id = json_integer_value(json_object_get(conv, "order_id")),
                                    .body = j->text,
                                    .body_len = strlen(j->text),
                                    .agent_id = me,
                                    .locale = json_string_value(json_object_get(conv, "locale"))};
        struct rs_inbound_result res;
        if (!phone && !email) {
            snprintf(j->why, sizeof j->why, "%s",
                     CX(c, "La conversación no tiene teléfono ni correo del cliente.",
                        "The conversation has no phone number or e-mail of the customer."));
            e = RS_EINVAL;
        } else {
            e = rs_conv_inbound(s, &in, now, &res);
            if (e == RS_EINVAL)
                snprintf(j->why, sizeof j->why, "%s", CX(c, "El texto no es válido.", "The text is not valid."));
        }
        json_decref(conv);
        return e;
    }
    case A_INCIDENT: {
        int64_t conv_id = 0;
        char body[RS_CONV_MAX_BODY + 1];
        e = rs_store_console_message(s, mid, j->other_id, &conv_id, body, sizeof body);
        if (!e && conv_id != j->id)
            e = RS_ENOTFOUND;
        if (!e)
            e = conversation_fields(s, j, &conv);
        if (e)
            return e;
        int64_t order_id = json_integer_value(json_object_get(conv, "order_id"));
        struct rs_incident_open in = {.order_id = order_id,
                                      .conversation_id = j->id,
                                      .type = j->text,
                                      .origin = json_string_value(json_object_get(conv, "channel")),
                                      .message = body,
                                      .locale = json_string_value(json_object_get(conv, "locale"))};
        int64_t inc_id = 0;
        if (!order_id) {
            snprintf(j->why, sizeof j->why, "%s",
                     CX(c, "La conversación no está ligada a un pedido.", "The conversation is not linked to an order."));
            e = RS_EINVAL;
        } else {
            e = rs_incident_open(s, mid, &in, actor(c, who), now, &inc_id);
        }
        json_decref(conv);
        return e;
    }
    case I_STATE:
    case I_TAKE:
    case I_RESOLVE: {
        json_t *inc = NULL;
        e = rs_store_console_incident(s, mid, j->id, &inc);
        if (e)
            return e;
        j->conversation_id = json_integer_value(json_object_get(inc, "conversation_id"));
        json_decref(inc);
        if (j->act == I_STATE)
            return rs_incident_set_state(s, mid, j->id, j->text, actor(c, who), now);
        if (j->act == I_TAKE)
            return rs_incident_assign(s, mid, j->id, me, actor(c, who), now);
        struct rs_coupon cp;
        return rs_incident_resolve(s, mid, j->id, j->text, j->with_coupon ? &j->coupon : NULL, actor(c, who), now,
                                   j->with_coupon ? &cp : NULL);
    }
    }
    return RS_EINTERNAL;
}

/* Run J and answer: back to BACK on success, an error page otherwise. */
static void finish(struct rs_req *r, struct job *j, const char *back)
{
    struct rs_console *c = j->c;
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), run, j);
    if (!e) {
        rs_console_redirect(r, back);
        return;
    }
    if (e == RS_ENOTFOUND)
        rs_console_message_text(r, c, 404, CX(c, "No existe", "Not found"),
                                CX(c, "No hay nada con ese número en tu tienda.", "There is nothing with that number in your shop."),
                                j->kept);
    else if (e == RS_EINVAL)
        rs_console_message_text(r, c, 422, CX(c, "No se pudo hacer", "Could not do that"),
                                j->why[0] ? j->why
                                          : j->kept ? CX(c, "El texto no es válido (¿lleva caracteres de control?).",
                                                         "The text is not valid (does it carry control characters?).")
                                                    : CX(c, "Revisa los datos del formulario.", "Check the form."),
                                j->kept);
    else if (e == RS_ECONFLICT)
        rs_console_message_text(r, c, 409, CX(c, "No se pudo hacer", "Could not do that"),
                                j->why[0] ? j->why
                                          : CX(c, "Ya no está en un estado que lo permita (¿lo ha cambiado otra persona?). "
                                                  "Recarga la página.",
                                               "It is no longer in a state that allows this (did someone else change "
                                               "it?). Reload the page."),
                                j->kept);
    else
        rs_console_message_text(r, c, 503, CX(c, "No se pudo guardar", "Could not save"),
                                CX(c, "Prueba de nuevo en un momento.", "Please try again in a moment."), j->kept);
}

static void bad_input(struct rs_req *r, struct rs_console *c, const char *es, const char *en)
{
    rs_console_message(r, c, 422, CX(c, "Revisa el formulario", "Check the form"), CX(c, es, en));
}

/* ---- conversations ---- */

static void conversation_action(struct rs_req *r, enum act act)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, true))
        return;
    struct job j = {.act = act, .c = &c, .id = rs_console_param_id(r, 0)};
    char back[64];
    snprintf(back, sizeof back, "/console/c/%lld", (long long)j.id);
    char *body = NULL, action[64];
    struct rs_console_kept kept;
    if (act == A_REPLY || act == A_PHONE) {
        size_t cap = RS_CONV_MAX_BODY * 2;
        body = malloc(cap + 1);
        char kind[16] = "";
        bool cut = false;
        field(r, "body", body, cap + 1, &cut);
        trim(body);
        field(r, "kind", kind, sizeof kind, NULL);
        if (act == A_REPLY && strcmp(kind, "note") == 0)
            j.act = act = A_NOTE;
        if (act == A_REPLY && !body[0]) { /* no JavaScript: the chosen canned reply as it is */
            field(r, "canned", body, cap + 1, &cut);
            trim(body);
        }
        if (!body[0]) {
            free(body);
            bad_input(r, &c, "Escribe un mensaje.", "Write a message.");
            return;
        }
        snprintf(action, sizeof action, "/console/c/%lld/%s", (long long)j.id, act == A_PHONE ? "phone" : "reply");
        kept = (struct rs_console_kept){.text = body, .action = action, .back = back,
                                        .kind = act == A_NOTE ? "note" : act == A_REPLY ? "reply" : NULL};
        j.kept = &kept;
        if (cut || strlen(body) > RS_CONV_MAX_BODY || !utf8_ok((const unsigned char *)body)) {
            rs_console_message_text(r, &c, 422, CX(&c, "Revisa el formulario", "Check the form"),
                                    CX(&c, "El mensaje es demasiado largo (máximo 4000 bytes; una letra con tilde o "
                                           "un emoji ocupan más de uno) o no es texto.",
                                       "The message is too long (4000 bytes at most; an accented letter or an emoji "
                                       "takes more than one) or not text."),
                                    &kept);
            free(body);
            return;
        }
        j.text = body;
        char v[24] = "";
        field(r, "seen", v, sizeof v, NULL);
        j.seen = strtoll(v, NULL, 10);
        if (act == A_NOTE || act == A_PHONE)
            strcat(back, "#reply");
    } else if (act == A_TAKE) { /* who held it when the page was drawn (0: nobody) */
        char v[24] = "";
        field(r, "held", v, sizeof v, NULL);
        j.other_id = strtoll(v, NULL, 10);
    } else if (act == A_ASSIGN) {
        char v[24];
        field(r, "agent_id", v, sizeof v, NULL);
        j.other_id = strtoll(v, NULL, 10);
        v[0] = '\0'; /* who held it when the page was drawn (0: nobody; absent: not checked) */
        j.seen = field(r, "held", v, sizeof v, NULL) && v[0] ? strtoll(v, NULL, 10) : -1;
    } else if (act == A_INCIDENT) {
        char v[24], type[24];
        field(r, "message_id", v, sizeof v, NULL);
        field(r, "type", type, sizeof type, NULL);
        j.other_id = strtoll(v, NULL, 10);
        int ti = rs_incident_type_index(type);
        j.text = ti >= 0 ? rs_incident_types[ti] : NULL;
        if (!j.text || j.other_id <= 0) {
            bad_input(r, &c, "Elige un tipo de incidencia.", "Pick an incident type.");
            return;
        }
    }
    if (!j.id) {
        free(body);
        rs_console_message(r, &c, 404, CX(&c, "No existe", "Not found"), CX(&c, "No hay nada con ese número.", "Nothing has that number."));
        return;
    }
    finish(r, &j, back);
    free(body);
}

void rs_console_take(struct rs_req *r) { conversation_action(r, A_TAKE); }
void rs_console_release(struct rs_req *r) { conversation_action(r, A_RELEASE); }
void rs_console_assign(struct rs_req *r) { conversation_action(r, A_ASSIGN); }
void rs_console_close(struct rs_req *r) { conversation_action(r, A_CLOSE); }
void rs_console_reopen(struct rs_req *r) { conversation_action(r, A_REOPEN); }
void rs_console_reply(struct rs_req *r) { conversation_action(r, A_REPLY); }
void rs_console_phone(struct rs_req *r) { conversation_action(r, A_PHONE); }
void rs_console_incident_new(struct rs_req *r) { conversation_action(r, A_INCIDENT); }

/* ---- incidents ---- */

/* "12", "12.5", "12,50" → hundredths; -1 when not a positive amount with at most 2 decimals. */
static int64_t parse_cents(const char *s)
{
    int64_t whole = 0, frac = 0;
    int nd = 0, nf = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p) && nd < 9; p++, nd++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.' || *p == ',')
        for (p++; isdigit((unsigned char)*p) && nf < 2; p++, nf++)
            frac = frac * 10 + (*p - '0');
    if (*p || nd == 0)
        return -1;
    if (nf == 1)
        frac *= 10;
    int64_t v = whole * 100 + frac;
    return v > 0 ? v : -1;
}

static void incident_action(struct rs_req *r, enum act act)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, true))
        return;
    struct job j = {.act = act, .c = &c, .id = rs_console_param_id(r, 0)};
    char state[24] = "", resolution[16] = "", kind[16] = "", value[24] = "", currency[8] = "", days[12] = "";
    if (act == I_STATE) {
        field(r, "state", state, sizeof state, NULL);
        static const char *const ok[] = {"open", "waiting_customer", "waiting_carrier", "closed"};
        for (size_t i = 0; i < 4; i++)
            if (strcmp(state, ok[i]) == 0)
                j.text = ok[i];
        if (!j.text) {
            bad_input(r, &c, "Elige un estado.", "Pick a state.");
            return;
        }
    } else if (act == I_RESOLVE) {
        field(r, "resolution", resolution, sizeof resolution, NULL);
        static const char *const ok[] = {"reship", "refund", "coupon", "no_action"};
        for (size_t i = 0; i < 4; i++)
            if (strcmp(resolution, ok[i]) == 0)
                j.text = ok[i];
        if (!j.text) {
            bad_input(r, &c, "Elige cómo se resuelve.", "Pick a resolution.");
            return;
        }
        field(r, "value", value, sizeof value, NULL);
        trim(value);
        /* no value: the coupon the incident already has (a policy's, or the one it was resolved
         * with before it was reopened); the customer is told, no second code */
        if (strcmp(j.text, "coupon") == 0 && value[0]) {
            field(r, "kind", kind, sizeof kind, NULL);
            field(r, "currency", currency, sizeof currency, NULL);
            field(r, "expires_days", days, sizeof days, NULL);
            trim(currency);
            for (char *p = currency; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            int64_t cents = parse_cents(value);
            long nd = days[0] ? strtol(days, NULL, 10) : 90;
            bool percent = strcmp(kind, "percent") == 0, amount = strcmp(kind, "amount") == 0;
            bool cur_ok = strlen(currency) == 3 && isalpha((unsigned char)currency[0]) &&
                          isalpha((unsigned char)currency[1]) && isalpha((unsigned char)currency[2]);
            if ((!percent && !amount) || cents <= 0 || (percent && cents > 10000) || (amount && !cur_ok) ||
                nd < 1 || nd > 3650) {
                bad_input(r, &c,
                          "El cupón necesita tipo (porcentaje o importe), un valor positivo (hasta 100 %), la moneda "
                          "en tres letras para un importe y una validez de 1 a 3650 días.",
                          "The coupon needs a kind (percent or amount), a positive value (up to 100 %), a three-letter "
                          "currency for an amount, and a validity of 1 to 3650 days.");
                return;
            }
            j.with_coupon = true;
            j.coupon = (struct rs_coupon_req){.kind = percent ? "percent" : "amount",
                                              .value_cents = cents,
                                              .currency = amount ? currency : NULL,
                                              .expires_at = c.now + (int64_t)nd * 86400,
                                              .reason = "goodwill"};
        }
    }
    if (!j.id) {
        rs_console_message(r, &c, 404, CX(&c, "No existe", "Not found"), CX(&c, "No hay nada con ese número.", "Nothing has that number."));
        return;
    }
    /* back to the incident in its conversation, else to the incident's own page */
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), run, &j);
    char back[80];
    if (j.conversation_id)
        snprintf(back, sizeof back, "/console/c/%lld#incident-%lld", (long long)j.conversation_id, (long long)j.id);
    else
        snprintf(back, sizeof back, "/console/i/%lld", (long long)j.id);
    if (!e) {
        rs_console_redirect(r, back);
        return;
    }
    /* the same error pages as conversation actions */
    struct rs_console *cc = &c;
    if (e == RS_ENOTFOUND)
        rs_console_message(r, cc, 404, CX(cc, "No existe", "Not found"),
                           CX(cc, "No hay ninguna incidencia con ese número en tu tienda.",
                              "There is no incident with that number in your shop."));
    else if (e == RS_EDUPLICATE)
        rs_console_message(r, cc, 409, CX(cc, "No se pudo hacer", "Could not do that"),
                           CX(cc, "Esta incidencia ya tiene un cupón y no se emite otro: deja vacío el valor del "
                                  "cupón para resolverla con el que tiene.",
                              "This incident already has a coupon; no second one is issued: leave the coupon's value "
                              "empty to resolve it with the one it has."));
    else if (e == RS_EINVAL && act == I_RESOLVE && strcmp(j.text, "coupon") == 0 && !j.with_coupon)
        rs_console_message(r, cc, 422, CX(cc, "Revisa el formulario", "Check the form"),
                           CX(cc, "Esta incidencia no tiene cupón: indica el tipo y el valor del que se emite.",
                              "This incident has no coupon: give the kind and value of the one to issue."));
    else if (e == RS_EINVAL || e == RS_ECONFLICT)
        rs_console_message(r, cc, e == RS_EINVAL ? 422 : 409, CX(cc, "No se pudo hacer", "Could not do that"),
                           CX(cc, "La incidencia no admite ese cambio en su estado actual. Recarga la página.",
                              "The incident does not allow that change in its current state. Reload the page."));
    else
        rs_console_message(r, cc, 503, CX(cc, "No se pudo guardar", "Could not save"),
                           CX(cc, "Prueba de nuevo en un momento.", "Please try again in a moment."));
}

void rs_console_incident_state(struct rs_req *r) { incident_action(r, I_STATE); }
void rs_console_incident_take(struct rs_req *r) { incident_action(r, I_TAKE); }
void rs_console_incident_resolve(struct rs_req *r) { incident_action(r, I_RESOLVE); }
