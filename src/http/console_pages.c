/* console_pages.c — what an agent reads in the console: the queues (GET /console?q=…), a
 * conversation (GET /console/c/{id}) with its messages and, beside them, the order's live
 * tracking, promise window, notifications, incidents and coupons, and an incident without a
 * conversation (GET /console/i/{id}). Forms post to console_actions.c. Every string a customer,
 * carrier or merchant wrote goes through rs_buf_html. GET /console/c/{id}/last answers the
 * newest message id as JSON, for web/console.js to refresh the page when something new comes. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/conv.h"
#include "app/incident.h"
#include "app/notify_settings.h"
#include "app/support_settings.h"
#include "core/trackcode.h"
#include "util/locfmt.h"
#include "http/console.h"
#include "http/routes.h"
#include "store/store_conv.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "util/fold.h"
#include "util/timefmt.h"

static const char *S(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}
static int64_t I(json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static void esc(struct rs_buf *b, const char *s)
{
    rs_buf_html(b, s);
}

static void when(struct rs_buf *b, struct rs_console *c, int64_t t)
{
    char s[24];
    rs_console_time(c, t, s);
    rs_buf_puts(b, s);
}

/* An API timestamp ("2026-12-06T22:30:00Z", a carrier's "+01:00") in the merchant's time zone
 * like every other time of the console; the text itself when it does not parse. */
static void when_iso(struct rs_buf *b, struct rs_console *c, const char *iso)
{
    int64_t at = 0;
    if (iso && *iso && rs_time_parse(iso, true, &at, NULL) == RS_OK)
        when(b, c, at);
    else
        esc(b, iso ? iso : "");
}

/* Length of the UTC timestamp rs_time_format writes ("2026-12-09T19:55:00Z") when P starts
 * with one, else 0. */
static size_t utc_stamp_len(const char *p)
{
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    for (size_t i = 0; i < sizeof form - 1; i++)
        if (form[i] == 'd' ? !isdigit((unsigned char)p[i]) : p[i] != form[i])
            return 0;
    return sizeof form - 1;
}

/* TEXT escaped, each UTC timestamp in it (the app's own log texts store them, "new SLA: … due
 * 2026-12-09T19:55:00Z", "SLA passed (due …)": the API's log keeps that machine form) shown in
 * the merchant's time zone like every other time of the console. */
static void esc_times(struct rs_buf *b, struct rs_console *c, const char *text)
{
    struct rs_buf run;
    rs_buf_init(&run);
    for (const char *p = text; *p;) {
        size_t n = utc_stamp_len(p);
        if (!n) {
            rs_buf_add(&run, p++, 1);
            continue;
        }
        if (run.len) {
            esc(b, run.data);
            run.len = 0;
            run.data[0] = '\0';
        }
        char iso[RS_TIME_LEN];
        snprintf(iso, sizeof iso, "%.*s", (int)n, p);
        rs_buf_printf(b, "<time datetime=\"%s\">", iso);
        when_iso(b, c, iso);
        rs_buf_puts(b, "</time>");
        p += n;
    }
    if (run.len)
        esc(b, run.data);
    rs_buf_release(&run);
}

/* Word for a code in the agent's language; the code itself when unknown. */
static const struct {
    const char *code, *es, *en;
} words[] = {
    {"sms", "SMS", "SMS"},
    {"whatsapp", "WhatsApp", "WhatsApp"},
    {"email", "correo", "e-mail"},
    {"webchat", "chat web", "web chat"},
    {"phone", "teléfono", "phone"},
    {"console", "consola", "console"},
    {"bot", "bot", "bot"},
    {"tracking_page", "página de seguimiento", "tracking page"}, /* where an incident came from */
    {"api", "API", "API"},
    {"policy", "política automática", "automatic policy"},
    {"agent", "agente", "agent"},
    {"closed", "cerrada", "closed"},
    {"customer", "cliente", "customer"},
    {"system", "sistema", "system"},
    {"note", "nota interna", "internal note"},
    {"talk_to_human", "pidió hablar con una persona", "asked for a person"},
    {"low_confidence", "el bot no entendió el mensaje", "the bot did not understand"},
    {"problem", "un problema que necesita a una persona", "a problem that needs a person"},
    {"open", "abierta", "open"},
    {"waiting_customer", "esperando al cliente", "waiting on customer"},
    {"waiting_carrier", "esperando al transportista", "waiting on carrier"},
    {"resolved", "resuelta", "resolved"},
    {"late", "retraso", "late"},
    {"lost", "perdido", "lost"},
    {"damaged", "dañado", "damaged"},
    {"missing_item", "falta un artículo", "missing item"},
    {"wrong_item", "artículo equivocado", "wrong item"},
    {"address", "dirección", "address"},
    {"customs", "aduana", "customs"},
    {"return", "devolución", "return"},
    {"other", "otro", "other"},
    {"reship", "reenvío", "reship"},
    {"refund", "reembolso", "refund"},
    {"coupon", "cupón", "coupon"},
    {"no_action", "sin acción", "no action"},
    {"goodwill", "gesto comercial", "goodwill"}, /* a coupon's reason when none is given */
    {"queued", "en cola", "queued"},
    {"sending", "enviando", "sending"},
    {"sent", "enviado", "sent"},
    {"delivered", "entregado", "delivered"},
    {"failed", "falló", "failed"},
    {"created", "creada", "created"},
    {"state", "estado", "state"},
    {"assigned", "asignada", "assigned"},
    {"resolution", "resolución", "resolution"},
    {"reply", "respuesta", "reply"},
    {"percent", "porcentaje", "percent"},
    {"amount", "importe", "amount"},
    /* hand-over reasons not above */
    {"bot_disabled", "el bot está desactivado", "the bot is turned off"},
    /* order and shipment statuses (core/status.h) */
    {"placed", "pedido recibido", "order placed"},
    {"processing", "en preparación", "being prepared"},
    {"partially_shipped", "enviado en parte", "partially shipped"},
    {"pending", "etiqueta creada", "label created"},
    {"info_received", "el transportista tiene los datos", "carrier has the details"},
    {"in_transit", "en camino", "in transit"},
    {"out_for_delivery", "en reparto", "out for delivery"},
    {"attempt_failed", "intento de entrega fallido", "delivery attempt failed"},
    {"available_for_pickup", "listo para recoger", "ready for pickup"},
    {"partially_delivered", "entregado en parte", "partially delivered"},
    {"exception", "incidencia del transportista", "carrier exception"},
    {"returning", "volviendo al remitente", "returning to sender"},
    {"returned", "devuelto al remitente", "returned to sender"},
    {"expired", "sin noticias del transportista", "no news from the carrier"},
    {"cancelled", "cancelado", "cancelled"},
    /* sub-statuses */
    {"picked_up", "recogido", "picked up"},
    {"arrived_at_facility", "llegó a un centro", "arrived at a facility"},
    {"departed_facility", "salió de un centro", "left a facility"},
    {"in_customs", "en aduana", "in customs"},
    {"customs_cleared", "despachado en aduana", "cleared customs"},
    {"arrived_destination_country", "llegó al país de destino", "arrived in the destination country"},
    {"courier_nearby", "repartidor cerca", "courier nearby"},
    {"recipient_absent", "destinatario ausente", "recipient absent"},
    {"address_issue", "problema con la dirección", "address problem"},
    {"business_closed", "negocio cerrado", "business closed"},
    {"at_pickup_point", "en un punto de recogida", "at a pickup point"},
    {"left_at_door", "dejado en la puerta", "left at the door"},
    {"to_neighbour", "entregado a un vecino", "left with a neighbour"},
    {"to_pickup_point", "entregado en un punto de recogida", "left at a pickup point"},
    {"signed", "firmado", "signed for"},
    {"customs_hold", "retenido en aduana", "held in customs"},
    {"weather", "mal tiempo", "weather"},
    {"delayed", "con retraso", "delayed"},
    {"refused", "rechazado", "refused"},
    {"held_by_carrier", "retenido por el transportista", "held by the carrier"},
    {"to_sender", "de vuelta al remitente", "back to sender"},
    /* the bot's reading of a message (core/intent.h) not above */
    {"where_is_order", "dónde está el pedido", "where is my order"},
    {"delivery_date", "cuándo llega", "when it arrives"},
    {"not_received", "no lo ha recibido", "not received"},
    {"change_address", "cambio de dirección", "change of address"},
    {"cancel", "cancelar", "cancel"},
    {"refund_status", "estado del reembolso", "refund status"},
    {"greeting", "saludo", "greeting"},
    {"thanks", "agradecimiento", "thanks"},
    /* notification triggers (core/notify.h) not above */
    {"order_confirmed", "pedido confirmado", "order confirmed"},
    {"shipped", "enviado", "shipped"},
    {"promise_slipped", "la fecha prometida se movió", "promised date moved"},
    {"promise_breached", "fecha prometida incumplida", "promised date missed"},
    {"compensation", "compensación", "compensation"},
    {"stalled", "envío parado", "shipment stalled"},
    {"pickup_reminder", "recordatorio de recogida", "pickup reminder"},
    {"incident_sla_breached", "aviso al equipo: incidencia fuera de plazo", "team alert: incident past its SLA"},
};
static const char *word(struct rs_console *c, const char *code)
{
    for (size_t i = 0; code && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i].code, code) == 0)
            return CX(c, words[i].es, words[i].en);
    return code ? code : "";
}

/* A code as its word, with the code itself in the title (agents reading it to a developer or
 * the API docs can still see it). Nothing for an empty code. */
static void coded(struct rs_buf *b, struct rs_console *c, const char *code)
{
    if (!code || !*code)
        return;
    rs_buf_puts(b, "<span class=\"code\" title=\"");
    esc(b, code);
    rs_buf_puts(b, "\">");
    esc(b, word(c, code));
    rs_buf_puts(b, "</span>");
}

/* What a hand-over note (from its reason on: REST) says the customer was told: a person answers
 * "en breve" / "shortly" or from a time (the note's UTC timestamp, shown like every console
 * time); nothing when the note records no promise (an agent took over, an incident told it). */
static void promise_words(struct rs_buf *b, struct rs_console *c, const char *rest)
{
    const char *p = strstr(rest, RS_CONV_HANDOVER_PROMISE);
    if (!p)
        return;
    p += strlen(RS_CONV_HANDOVER_PROMISE);
    size_t n = utc_stamp_len(p);
    rs_buf_printf(b, "<span class=\"promise\">%s ",
                  CX(c, "al cliente se le dijo que una persona contestaría", "the customer was told a person would answer"));
    if (n) {
        char iso[RS_TIME_LEN];
        snprintf(iso, sizeof iso, "%.*s", (int)n, p);
        rs_buf_printf(b, "%s <time datetime=\"%s\">", CX(c, "a partir del", "from"), iso);
        when_iso(b, c, iso);
        rs_buf_puts(b, "</time>");
    } else {
        rs_buf_puts(b, CX(c, "en breve", "shortly"));
    }
    rs_buf_puts(b, "</span>");
}

/* A message's text; the hand-over note the system writes carries the reason's code, said in the
 * agent's language ("Traspaso a una persona: un problema que necesita a una persona"), or without
 * the reason when REASON is false (a queue shows it in its own tag), and when the customer was
 * told a person would answer. */
static void body_text(struct rs_buf *b, struct rs_console *c, const char *author, const char *body, bool reason)
{
    size_t hl = strlen(RS_CONV_HANDOVER_NOTE);
    if (strcmp(author, "system") == 0 && strncmp(body, RS_CONV_HANDOVER_NOTE, hl) == 0) {
        rs_buf_puts(b, CX(c, "Traspaso a una persona", "Handed over to a person"));
        const char *rest = body + hl, *end = strstr(rest, RS_CONV_HANDOVER_PROMISE);
        if (reason) {
            char code[64];
            snprintf(code, sizeof code, "%.*s", (int)(end ? (size_t)(end - rest) : strlen(rest)), rest);
            rs_buf_puts(b, ": ");
            coded(b, c, code);
        }
        if (end) {
            rs_buf_puts(b, "; ");
            promise_words(b, c, rest);
        }
    } else {
        esc(b, body);
    }
}

/* Who did something to an incident (its log's actor, resolved_by) in words: "agent:EMAIL" as
 * "agente EMAIL", the others ("policy", "customer", "api", …) as their word. */
static void actor_words(struct rs_buf *b, struct rs_console *c, const char *actor)
{
    if (actor && strncmp(actor, "agent:", 6) == 0) {
        esc(b, word(c, "agent"));
        rs_buf_puts(b, " ");
        esc(b, actor + 6);
    } else {
        esc(b, word(c, actor));
    }
}

/* ---- queues ---- */

static const struct {
    enum rs_console_queue q;
    const char *key, *es, *en, *empty_es, *empty_en;
} qinfo[] = {
    {RS_Q_UNASSIGNED, "unassigned", "Sin asignar", "Unassigned", "Nadie espera a una persona ahora mismo.",
     "Nobody is waiting for a person right now."},
    {RS_Q_MINE, "mine", "Mis conversaciones", "My conversations", "No tienes conversaciones abiertas.",
     "You have no open conversations."},
    {RS_Q_WAITING, "waiting", "Esperando al cliente", "Waiting for the customer", "Nada pendiente del cliente.",
     "Nothing waiting for the customer."},
    {RS_Q_BREACHING, "breaching", "Incidencias fuera de SLA", "Incidents breaching SLA",
     "Ninguna incidencia ha pasado su plazo.", "No incident is past its due time."},
    {RS_Q_INCIDENTS, "incidents", "Incidencias abiertas", "Open incidents", "No hay incidencias abiertas.",
     "There are no open incidents."},
    {RS_Q_BOT, "bot", "Atendidas por el bot", "Handled by the bot", "El bot no tiene conversaciones.",
     "The bot has no conversations."},
    {RS_Q_CLOSED, "closed", "Cerradas", "Closed", "No hay conversaciones cerradas.", "No closed conversations."},
};

/* A queue table's opening with its six column headings. */
static void queue_head(struct rs_buf *b, const char *key, const char *h1, const char *h2, const char *h3,
                       const char *h4, const char *h5, const char *h6)
{
    rs_buf_printf(b,
                  "<table class=\"queue\" data-queue=\"%s\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
                  key, h1, h2, h3, h4, h5, h6);
}

/* Rows of a conversation queue (or of a search) as a table; HANDOVER: show why the bot handed over. */
static void conv_table(struct rs_buf *b, struct rs_console *c, json_t *rows, const char *key, bool handover)
{
    queue_head(b, key, CX(c, "Cliente", "Customer"), CX(c, "Canal", "Channel"), CX(c, "Pedido", "Order"),
               CX(c, "Último mensaje", "Last message"), CX(c, "Cuándo", "When"), CX(c, "Agente", "Agent"));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *name = S(row, "name");
        rs_buf_printf(b, "<tr><td><a href=\"/console/c/%lld\">", (long long)I(row, "id"));
        esc(b, *name ? name : CX(c, "Desconocido", "Unknown"));
        rs_buf_printf(b, "</a></td><td>%s</td><td>", word(c, S(row, "channel")));
        esc(b, S(row, "order_ref"));
        rs_buf_printf(b, "</td><td class=\"snip\"><span class=\"who\">%s:</span> ", word(c, S(row, "last_author")));
        body_text(b, c, S(row, "last_author"), S(row, "last_body"), !(*S(row, "handover_reason") && handover));
        if (*S(row, "handover_reason") && handover) {
            rs_buf_puts(b, " <span class=\"tag\">");
            coded(b, c, S(row, "handover_reason"));
            rs_buf_puts(b, "</span>");
        }
        rs_buf_puts(b, "</td><td>");
        when(b, c, I(row, "last_message_at"));
        rs_buf_puts(b, "</td><td>");
        esc(b, S(row, "agent_name"));
        rs_buf_puts(b, "</td></tr>");
    }
    rs_buf_puts(b, "</tbody></table>");
}

/* Rows of an incident queue (or of a search) as a table; an open incident past its SLA is marked. */
static void inc_table(struct rs_buf *b, struct rs_console *c, json_t *rows, const char *key)
{
    queue_head(b, key, CX(c, "Incidencia", "Incident"), CX(c, "Pedido", "Order"), CX(c, "Cliente", "Customer"),
               CX(c, "Estado", "State"), CX(c, "Vence", "Due"), CX(c, "Agente", "Agent"));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        int64_t conv = I(row, "id");
        const char *state = S(row, "state");
        bool settled = strcmp(state, "resolved") == 0 || strcmp(state, "closed") == 0;
        rs_buf_printf(b, "<tr%s><td><a href=\"/console/%s/%lld\">#%lld %s</a></td><td>",
                      !settled && I(row, "sla_due_at") < c->now ? " class=\"late\"" : "", conv ? "c" : "i",
                      (long long)(conv ? conv : I(row, "incident_id")), (long long)I(row, "incident_id"),
                      word(c, S(row, "type")));
        esc(b, S(row, "order_ref"));
        rs_buf_puts(b, "</td><td>");
        esc(b, S(row, "name"));
        rs_buf_printf(b, "</td><td>%s</td><td>", word(c, state));
        when(b, c, I(row, "sla_due_at"));
        rs_buf_puts(b, "</td><td>");
        esc(b, S(row, "agent_name"));
        rs_buf_puts(b, "</td></tr>");
    }
    rs_buf_puts(b, "</tbody></table>");
}

/* ---- search ---- */

#define SEARCH_LIMIT 100

/* GET /console?s=TEXT: the conversations and the incidents TEXT names, in whichever way an agent
 * has it from the customer: order reference ("1042", "#1042"), public tracking code in any case
 * and spacing ("rx fbf5 1kgs 8wssx"), the carrier's tracking number, e-mail (any case), phone
 * (the last 6 or more digits, with or without +34, spaces or dashes), name (any case, with or
 * without accents), or the incident's number as the customer has it ("INC-000042", "inc 42"). */
/* The incident number in "INC-000042", "inc 42" or "INC42" (what the customer's messages say),
 * else 0. */
static int64_t incident_number(const char *t)
{
    if (strncasecmp(t, "INC", 3) != 0)
        return 0;
    t += 3;
    while (*t == '-' || *t == ' ' || *t == '#')
        t++;
    int64_t n = 0;
    for (; isdigit((unsigned char)*t); t++) {
        if (n > (INT64_MAX - 9) / 10)
            return 0;
        n = n * 10 + (*t - '0');
    }
    return *t ? 0 : n;
}

static void search_page(struct rs_req *r, struct rs_console *c, const char *typed)
{
    char text[201], ref[201], code[RS_TRACKCODE_LEN] = "", number[64] = "", email[201] = "", digits[32] = "",
                                                          name[201] = "";
    snprintf(text, sizeof text, "%s", typed);
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        text[--n] = '\0';
    const char *t = text;
    while (isspace((unsigned char)*t))
        t++;
    const char *r0 = t; /* "#1042", "# 1042": the store also tries the shop's own "#1042" */
    while (*r0 == '#' || *r0 == ' ')
        r0++;
    snprintf(ref, sizeof ref, "%s", r0);
    if (rs_trackcode_parse(t, code) != RS_TRACKCODE_OK)
        code[0] = '\0';
    size_t nn = 0, nd = 0;
    bool phone_like = true;
    for (const char *p = t; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isalnum(ch) && nn + 1 < sizeof number)
            number[nn++] = (char)toupper(ch);
        if (isdigit(ch) && nd + 1 < sizeof digits)
            digits[nd++] = (char)ch;
        else if (!strchr("+ -().", ch))
            phone_like = false;
    }
    number[nn] = digits[nd] = '\0';
    if (nn < 4)
        number[0] = '\0';
    /* 0034… as +34…; a national number's trunk 0 ("07700 900123", a British customer reading
     * out +44 7700 900123) is not part of the stored international number */
    const char *d = strncmp(digits, "00", 2) == 0 ? digits + 2 : digits[0] == '0' ? digits + 1 : digits;
    if (!phone_like || strlen(d) < 6)
        d = "";
    if (strchr(t, '@'))
        for (size_t k = 0; t[k] && k + 1 < sizeof email; k++)
            email[k] = (char)tolower((unsigned char)t[k]);
    if (rs_fold(t, -1, name, sizeof name) < 2)
        name[0] = '\0';
    struct rs_console_search w = {.order_ref = ref, .tracking_code = code, .tracking_number = number,
                                  .email = email, .phone_digits = d, .name = name, .incident_id = incident_number(t)};
    json_t *rows = NULL, *incs = NULL;
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = !s ? RS_EIO
                  : *t ? rs_store_console_search(s, c->sess.agent.merchant_id, &w, SEARCH_LIMIT + 1, &rows)
                       : (rows = json_array(), RS_OK);
    if (!e)
        e = *t ? rs_store_console_search_incidents(s, c->sess.agent.merchant_id, &w, SEARCH_LIMIT + 1, &incs)
               : (incs = json_array(), RS_OK);
    rs_server_reader_put(r->srv, s);
    if (e) {
        json_decref(rows);
        rs_reply_err(r, e, "console search");
        return;
    }
    struct rs_buf b;
    rs_buf_init(&b);
    rs_console_head(&b, c, CX(c, "Buscar", "Search"), NULL);
    rs_buf_printf(&b, "<h1>%s «", CX(c, "Buscar", "Search"));
    esc(&b, t);
    rs_buf_puts(&b, "»</h1>");
    bool more = json_array_size(rows) > SEARCH_LIMIT, more_incs = json_array_size(incs) > SEARCH_LIMIT;
    if (more)
        json_array_remove(rows, SEARCH_LIMIT);
    if (more_incs)
        json_array_remove(incs, SEARCH_LIMIT);
    if (json_array_size(rows) == 0 && json_array_size(incs) == 0) {
        rs_buf_printf(&b, "<p class=\"empty\">%s</p>",
                      CX(c, "Ninguna conversación ni incidencia coincide. Busca por número de pedido, código de "
                            "seguimiento, número de envío del transportista, correo, teléfono, nombre del cliente o "
                            "número de incidencia (INC-…).",
                         "No conversation or incident matches. Search by order number, tracking code, the carrier's "
                         "tracking number, e-mail, phone, the customer's name or the incident number (INC-…)."));
    }
    const char *more_text = CX(c, "Se muestran las 100 más recientes: afina la búsqueda para ver otras.",
                               "Showing the 100 most recent: narrow the search to see others.");
    if (json_array_size(rows)) {
        rs_buf_printf(&b, "<h2>%s</h2>", CX(c, "Conversaciones", "Conversations"));
        conv_table(&b, c, rows, "search", true);
        if (more)
            rs_buf_printf(&b, "<p class=\"pager\">%s</p>", more_text);
    }
    if (json_array_size(incs)) {
        rs_buf_printf(&b, "<h2>%s</h2>", CX(c, "Incidencias", "Incidents"));
        inc_table(&b, c, incs, "search-incidents");
        if (more_incs)
            rs_buf_printf(&b, "<p class=\"pager\">%s</p>", more_text);
    }
    json_decref(rows);
    json_decref(incs);
    rs_console_finish(r, &b, 200);
}

void rs_console_home(struct rs_req *r)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, false))
        return;
    const char *typed = rs_req_query(r, "s");
    if (typed) {
        search_page(r, &c, typed);
        return;
    }
    const char *qs = rs_req_query(r, "q");
    size_t qi = 0, nq = sizeof qinfo / sizeof qinfo[0];
    if (qs) { /* a mistyped bookmark must not look like another queue */
        while (qi < nq && strcmp(qinfo[qi].key, qs) != 0)
            qi++;
        if (qi == nq) { /* an agent reads this: a console page in their language, the queues above */
            rs_console_message(r, &c, 400, CX(&c, "Esa cola no existe", "No such queue"),
                               CX(&c, "La dirección no nombra ninguna cola de la bandeja (q debe ser unassigned, "
                                      "mine, waiting, breaching, incidents, bot o closed). Elige una cola arriba.",
                                  "The address names no queue of the inbox (q must be unassigned, mine, waiting, "
                                  "breaching, incidents, bot or closed). Pick a queue above."));
            return;
        }
    }
    /* nothing unassigned: open on the agent's own conversations */
    if (!qs && c.counts[RS_Q_UNASSIGNED] == 0 && c.counts[RS_Q_MINE] > 0)
        qi = 1;
    enum rs_console_queue q = qinfo[qi].q;
    bool inc = q == RS_Q_BREACHING || q == RS_Q_INCIDENTS;
    /* pages as the API's lists: ?limit= (1..200), ?before= the last row's id of the previous page
     * (a conversation id, an incident id in the incident queues); one row more tells whether
     * there is a next page */
    long long limit = 100, before = 0;
    if (rs_req_page_args(r, 200, &limit, &before)) {
        /* a hand-edited or broken page link: the agent's language and the queues, not JSON */
        rs_console_message(r, &c, 400, CX(&c, "Esa página no existe", "No such page"),
                           CX(&c, "La dirección pide una página de la cola que no existe (limit va de 1 a 200; "
                                  "before es el número de la última fila de la página anterior). Elige una cola "
                                  "arriba para empezar por el principio.",
                              "The address asks for a page of the queue that does not exist (limit is 1 to 200; "
                              "before is the number of the last row of the previous page). Pick a queue above "
                              "to start from the beginning."));
        return;
    }
    json_t *rows = NULL;
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_console_queue(s, c.sess.agent.merchant_id, c.sess.agent.id, q, c.now,
                                               (int)limit + 1, before, &rows)
                      : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "console queue");
        return;
    }
    struct rs_buf b;
    rs_buf_init(&b);
    const char *title = CX(&c, qinfo[qi].es, qinfo[qi].en);
    rs_console_head(&b, &c, title, qinfo[qi].key);
    rs_buf_printf(&b, "<h1>%s <span class=\"count\">%lld</span></h1>", title, (long long)c.counts[q]);
    bool more = json_array_size(rows) > (size_t)limit;
    if (more)
        json_array_remove(rows, (size_t)limit);
    if (json_array_size(rows) == 0 && before) {
        rs_buf_printf(&b, "<p class=\"empty\">%s</p>",
                      CX(&c, "No hay más en esta cola.", "Nothing more in this queue."));
    } else if (json_array_size(rows) == 0) {
        rs_buf_printf(&b, "<p class=\"empty\">%s</p>", CX(&c, qinfo[qi].empty_es, qinfo[qi].empty_en));
    } else if (inc) {
        inc_table(&b, &c, rows, qinfo[qi].key);
    } else {
        conv_table(&b, &c, rows, qinfo[qi].key, q == RS_Q_UNASSIGNED);
    }
    /* the next page, and back to the first */
    if (more || before) {
        char lim[32] = "";
        if (rs_req_query(r, "limit"))
            snprintf(lim, sizeof lim, "&amp;limit=%lld", limit);
        rs_buf_puts(&b, "<p class=\"pager\">");
        if (before)
            rs_buf_printf(&b, "<a href=\"/console?q=%s%s\" id=\"first-page\">%s</a> ", qinfo[qi].key, lim,
                          CX(&c, "Volver al principio", "Back to the start"));
        if (more) {
            json_t *last = json_array_get(rows, json_array_size(rows) - 1);
            rs_buf_printf(&b, "<a href=\"/console?q=%s&amp;before=%lld%s\" id=\"next-page\" rel=\"next\">%s</a>",
                          qinfo[qi].key, (long long)(inc ? I(last, "incident_id") : I(last, "id")), lim,
                          CX(&c, "Ver más", "Show more"));
        }
        rs_buf_puts(&b, "</p>");
    }
    json_decref(rows);
    rs_console_finish(r, &b, 200);
}

/* ---- canned replies ---- */

/* The merchant's canned replies ("canned_replies" of the support settings, app/support_settings.h:
 * [{"id","title":{"es","en"},"body":{"es","en"}}]; the shipped ones when the merchant has set
 * none), as <option>s whose value is the text in the conversation's language. */
static const char *lang_text(json_t *v, bool es)
{
    if (json_is_string(v))
        return json_string_value(v);
    const char *t = json_string_value(json_object_get(v, es ? "es" : "en"));
    return t ? t : "";
}

static void canned_options(struct rs_buf *b, struct rs_console *c, struct rs_store *s, bool conv_es)
{
    struct rs_support_settings cfg;
    if (rs_support_settings_load(s, c->sess.agent.merchant_id, &cfg) != RS_OK)
        return;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(cfg.root, "canned_replies"), i, it)
    {
        const char *title = lang_text(json_object_get(it, "title"), c->es);
        const char *text = lang_text(json_object_get(it, "body"), conv_es);
        if (!*text)
            continue;
        rs_buf_puts(b, "<option value=\"");
        esc(b, text);
        rs_buf_puts(b, "\">");
        esc(b, *title ? title : text);
        rs_buf_puts(b, "</option>");
    }
    rs_support_settings_release(&cfg);
}

/* ---- order context ---- */

static void order_context(struct rs_buf *b, struct rs_console *c, struct rs_store *s, const char *order_ref)
{
    json_t *o = NULL, *notes = NULL, *coupons = NULL;
    int64_t mid = c->sess.agent.merchant_id;
    if (!order_ref || !*order_ref || rs_store_order_json(s, mid, order_ref, &o) != RS_OK) {
        rs_buf_printf(b, "<section class=\"card\"><h2>%s</h2><p class=\"empty\">%s</p></section>",
                      CX(c, "Pedido", "Order"),
                      CX(c, "Esta conversación no está ligada a ningún pedido (el remitente no se ha identificado).",
                         "This conversation is not linked to an order (the sender has not been identified)."));
        return;
    }
    rs_buf_printf(b, "<section class=\"card order\"><h2>%s ", CX(c, "Pedido", "Order"));
    esc(b, order_ref);
    rs_buf_puts(b, "</h2><p class=\"status\"><strong>");
    coded(b, c, S(o, "status"));
    rs_buf_puts(b, "</strong> · <a href=\"");
    esc(b, S(o, "tracking_url"));
    rs_buf_puts(b, "\" target=\"_blank\" rel=\"noopener noreferrer\">");
    esc(b, S(o, "tracking_code"));
    rs_buf_puts(b, "</a></p>");
    json_t *cu = json_object_get(o, "customer");
    if (cu) {
        rs_buf_puts(b, "<p class=\"cust\">");
        const char *parts[3] = {S(cu, "name"), S(cu, "email"), S(cu, "phone")};
        for (int k = 0, n = 0; k < 3; k++)
            if (*parts[k]) {
                rs_buf_puts(b, n++ ? " · " : "");
                esc(b, parts[k]);
            }
        rs_buf_puts(b, "</p>");
    }
    size_t i, k;
    json_t *sh, *ev;
    json_array_foreach(json_object_get(o, "shipments"), i, sh)
    {
        rs_buf_puts(b, "<div class=\"ship\"><h3>");
        esc(b, S(sh, "carrier"));
        rs_buf_puts(b, " ");
        esc(b, S(sh, "tracking_number"));
        rs_buf_puts(b, " — ");
        coded(b, c, S(sh, "status"));
        if (*S(sh, "substatus")) {
            rs_buf_puts(b, " / ");
            coded(b, c, S(sh, "substatus"));
        }
        if (json_is_string(json_object_get(sh, "cancelled_at"))) /* kept for history, not the customer's */
            rs_buf_printf(b, " <strong class=\"tag\" title=\"%s\">%s</strong>",
                          CX(c, "El cliente ya no ve este envío", "The customer no longer sees this shipment"),
                          CX(c, "envío cancelado", "shipment cancelled"));
        rs_buf_puts(b, "</h3>");
        json_t *p = json_object_get(sh, "promise");
        if (json_is_object(p)) {
            rs_buf_printf(b, "<p class=\"promise\">%s ", CX(c, "Promesa:", "Promise:"));
            esc(b, S(p, "earliest"));
            rs_buf_puts(b, " – ");
            esc(b, S(p, "latest"));
            if (*S(p, "likely")) {
                rs_buf_printf(b, " (%s ", CX(c, "lo más probable", "most likely"));
                esc(b, S(p, "likely"));
                rs_buf_puts(b, ")");
            }
            rs_buf_puts(b, "</p>");
        }
        json_t *ce = json_object_get(sh, "carrier_estimate"); /* the carrier's own day, as received */
        if (json_is_object(ce) && *S(ce, "from")) {
            rs_buf_printf(b, "<p class=\"eta\">%s ", CX(c, "Estimación del transportista:", "Carrier's estimate:"));
            esc(b, S(ce, "from"));
            if (*S(ce, "to") && strcmp(S(ce, "to"), S(ce, "from")) != 0) {
                rs_buf_puts(b, " – ");
                esc(b, S(ce, "to"));
            }
            rs_buf_puts(b, "</p>");
        }
        json_t *pk = json_object_get(sh, "pickup"); /* where it waits: what the customer asks on the phone */
        if (json_is_object(pk)) {
            rs_buf_printf(b, "<p class=\"pickup\">%s ", CX(c, "Punto de recogida:", "Pickup point:"));
            esc(b, *S(pk, "name") ? S(pk, "name") : S(pk, "address"));
            if (*S(pk, "name") && *S(pk, "address")) {
                rs_buf_puts(b, " (");
                esc(b, S(pk, "address"));
                rs_buf_puts(b, ")");
            }
            if (*S(pk, "deadline")) {
                rs_buf_printf(b, " · %s ", CX(c, "lo guarda hasta el", "kept until"));
                esc(b, S(pk, "deadline"));
            }
            rs_buf_puts(b, "</p>");
        }
        json_t *evs = json_object_get(sh, "events");
        rs_buf_puts(b, "<ol class=\"tl\" reversed>");
        for (k = json_array_size(evs); k-- > 0;) {
            ev = json_array_get(evs, k);
            rs_buf_puts(b, "<li><time datetime=\"");
            esc(b, S(ev, "occurred_at"));
            rs_buf_puts(b, "\">");
            when_iso(b, c, S(ev, "occurred_at"));
            rs_buf_puts(b, "</time> ");
            coded(b, c, S(ev, "status"));
            json_t *loc = json_object_get(ev, "location");
            if (*S(loc, "city")) {
                rs_buf_puts(b, " · ");
                esc(b, S(loc, "city"));
            }
            if (*S(ev, "message")) {
                rs_buf_puts(b, " — ");
                esc(b, S(ev, "message"));
            }
            rs_buf_puts(b, "</li>");
        }
        rs_buf_puts(b, "</ol></div>");
    }
    rs_buf_puts(b, "</section>");
    json_decref(o);

    rs_buf_printf(b, "<section class=\"card\"><h2>%s</h2>", CX(c, "Avisos enviados", "Notifications sent"));
    if (rs_store_outbox_order_json(s, mid, order_ref, &notes) == RS_OK && json_array_size(notes)) {
        rs_buf_puts(b, "<ul class=\"plain\">");
        json_array_foreach(notes, i, ev)
        {
            rs_buf_puts(b, "<li>");
            when_iso(b, c, S(ev, "created_at"));
            rs_buf_puts(b, " · ");
            coded(b, c, S(ev, "trigger"));
            rs_buf_puts(b, " · ");
            esc(b, word(c, S(ev, "channel")));
            rs_buf_puts(b, " · ");
            esc(b, word(c, S(ev, "state")));
            rs_buf_puts(b, "</li>");
        }
        rs_buf_puts(b, "</ul>");
    } else {
        rs_buf_printf(b, "<p class=\"empty\">%s</p>", CX(c, "Ninguno todavía.", "None yet."));
    }
    json_decref(notes);
    rs_buf_printf(b, "</section><section class=\"card\"><h2>%s</h2>", CX(c, "Cupones", "Coupons"));
    if (rs_store_coupons_json(s, mid, order_ref, &coupons) == RS_OK && json_array_size(coupons)) {
        rs_buf_puts(b, "<ul class=\"plain coupons\">");
        json_array_foreach(coupons, i, ev)
        {
            rs_buf_puts(b, "<li><code>");
            esc(b, S(ev, "code"));
            /* as the agent's language writes it: "5,00 €" / "€5.00", "10 %" / "10%" */
            char value[64];
            rs_locfmt_coupon_value(c->es ? "es" : "en", S(ev, "kind"),
                                   llround(json_number_value(json_object_get(ev, "value")) * 100), S(ev, "currency"),
                                   value, sizeof value);
            rs_buf_printf(b, "</code> %s", value);
            rs_buf_puts(b, " · ");
            coded(b, c, S(ev, "reason"));
            if (*S(ev, "expires_at")) {
                rs_buf_printf(b, " · %s ", CX(c, "caduca", "expires"));
                when_iso(b, c, S(ev, "expires_at"));
            }
            rs_buf_puts(b, "</li>");
        }
        rs_buf_puts(b, "</ul>");
    } else {
        rs_buf_printf(b, "<p class=\"empty\">%s</p>", CX(c, "Ninguno.", "None."));
    }
    json_decref(coupons);
    rs_buf_puts(b, "</section>");
}

/* ---- incidents ---- */

static void incident_card(struct rs_buf *b, struct rs_console *c, json_t *inc, const char *back)
{
    int64_t id = I(inc, "id");
    const char *state = S(inc, "state");
    bool done = strcmp(state, "resolved") == 0 || strcmp(state, "closed") == 0;
    bool late = !done && I(inc, "sla_due_at") < c->now;
    rs_buf_printf(b, "<article class=\"card incident%s\" id=\"incident-%lld\"><h3>%s #%lld · %s · <span class=\"state\">%s</span></h3>",
                  late ? " late" : "", (long long)id, CX(c, "Incidencia", "Incident"), (long long)id,
                  word(c, S(inc, "type")), word(c, state));
    rs_buf_printf(b, "<p>%s ", CX(c, "Vence:", "Due:"));
    when(b, c, I(inc, "sla_due_at"));
    if (late)
        rs_buf_printf(b, " <strong class=\"tag hot\">%s</strong>", CX(c, "fuera de plazo", "past due"));
    rs_buf_printf(b, " · %s ", CX(c, "origen", "origin"));
    esc(b, word(c, S(inc, "origin")));
    if (*S(inc, "contact")) {
        /* where the customer asked to be answered (the report form's contact, the API's) */
        rs_buf_printf(b, " · %s <span class=\"contact\">", CX(c, "responder a", "answer to"));
        esc(b, S(inc, "contact"));
        rs_buf_puts(b, "</span>");
    }
    if (*S(inc, "agent_name")) {
        rs_buf_printf(b, " · %s ", CX(c, "agente", "agent"));
        esc(b, S(inc, "agent_name"));
    }
    rs_buf_puts(b, "</p>");
    if (*S(inc, "message")) {
        /* a policy's reason in the agent's language (a customer's words as written) */
        struct rs_buf t;
        rs_buf_init(&t);
        rs_incident_text_local(S(inc, "message"), !c->es, &t);
        rs_buf_puts(b, "<blockquote>");
        esc(b, t.data ? t.data : "");
        rs_buf_release(&t);
        rs_buf_puts(b, "</blockquote>");
    }
    if (*S(inc, "offer")) {
        rs_buf_printf(b, "<p>%s ", CX(c, "La política ofrece:", "The policy offers:"));
        esc(b, S(inc, "offer"));
        rs_buf_puts(b, "</p>");
    }
    if (*S(inc, "resolution")) {
        rs_buf_printf(b, "<p class=\"resolved\">%s <strong>%s</strong>", CX(c, "Resolución:", "Resolution:"),
                      word(c, S(inc, "resolution")));
        if (*S(inc, "coupon_code")) {
            rs_buf_puts(b, " <code>");
            esc(b, S(inc, "coupon_code"));
            rs_buf_puts(b, "</code>");
        }
        rs_buf_puts(b, " · ");
        actor_words(b, c, S(inc, "resolved_by"));
        rs_buf_puts(b, " · ");
        when(b, c, I(inc, "resolved_at"));
        rs_buf_puts(b, "</p>");
    }
    size_t i;
    json_t *l;
    rs_buf_puts(b, "<details><summary>");
    rs_buf_puts(b, CX(c, "Historial", "History"));
    rs_buf_puts(b, "</summary><ul class=\"plain log\">");
    json_array_foreach(json_object_get(inc, "log"), i, l)
    {
        rs_buf_puts(b, "<li>");
        when(b, c, I(l, "created_at"));
        rs_buf_printf(b, " · %s · ", word(c, S(l, "kind")));
        actor_words(b, c, S(l, "actor"));
        if (*S(l, "to_state")) {
            rs_buf_puts(b, " → ");
            esc(b, word(c, S(l, "to_state")));
        }
        if (*S(l, "body")) {
            rs_buf_puts(b, ": ");
            /* the app's own texts in the agent's language (what a person wrote as typed); a
             * state row's times in the shop's zone */
            struct rs_buf t;
            rs_buf_init(&t);
            rs_incident_text_local(S(l, "body"), !c->es, &t);
            if (strcmp(S(l, "kind"), "state") == 0)
                esc_times(b, c, t.data ? t.data : "");
            else
                esc(b, t.data ? t.data : "");
            rs_buf_release(&t);
        }
        rs_buf_puts(b, "</li>");
    }
    rs_buf_puts(b, "</ul></details>");
    if (strcmp(state, "resolved") == 0) {
        /* the customer calls back: it is still wrong (a new SLA, the customer told), or it is
         * over for good */
        rs_buf_printf(b, "<form method=\"post\" action=\"/console/i/%lld/state\" class=\"row\">", (long long)id);
        rs_console_csrf_field(b, c);
        rs_buf_printf(b,
                      "<input type=\"hidden\" name=\"back\" value=\"%s\"><button name=\"state\" value=\"open\">%s"
                      "</button><button name=\"state\" value=\"closed\">%s</button></form>",
                      back, CX(c, "Reabrir y avisar al cliente", "Reopen and tell the customer"),
                      CX(c, "Cerrar", "Close"));
    }
    if (!done) {
        /* state */
        rs_buf_printf(b, "<form method=\"post\" action=\"/console/i/%lld/state\" class=\"row\">", (long long)id);
        rs_console_csrf_field(b, c);
        rs_buf_printf(b, "<input type=\"hidden\" name=\"back\" value=\"%s\"><label>%s <select name=\"state\">", back,
                      CX(c, "Estado", "State"));
        static const char *const states[] = {"open", "waiting_customer", "waiting_carrier", "closed"};
        for (size_t k = 0; k < 4; k++)
            rs_buf_printf(b, "<option value=\"%s\"%s>%s</option>", states[k],
                          strcmp(states[k], state) == 0 ? " selected" : "", word(c, states[k]));
        rs_buf_printf(b, "</select></label><button>%s</button></form>", CX(c, "Cambiar", "Change"));
        if (I(inc, "assigned_agent_id") != c->sess.agent.id) {
            rs_buf_printf(b, "<form method=\"post\" action=\"/console/i/%lld/take\" class=\"row\">", (long long)id);
            rs_console_csrf_field(b, c);
            rs_buf_printf(b, "<input type=\"hidden\" name=\"back\" value=\"%s\"><button>%s</button></form>", back,
                          CX(c, "Asignármela", "Assign to me"));
        }
        /* resolve */
        rs_buf_printf(b, "<form method=\"post\" action=\"/console/i/%lld/resolve\" class=\"resolve\">", (long long)id);
        rs_console_csrf_field(b, c);
        rs_buf_printf(b,
                      "<input type=\"hidden\" name=\"back\" value=\"%s\"><fieldset><legend>%s</legend>"
                      "<label>%s <select name=\"resolution\" class=\"resolution\">"
                      "<option value=\"reship\">%s</option><option value=\"refund\">%s</option>"
                      "<option value=\"coupon\">%s</option><option value=\"no_action\">%s</option></select></label>"
                      "<div class=\"coupon\"><label>%s <select name=\"kind\"><option value=\"percent\">%s</option>"
                      "<option value=\"amount\">%s</option></select></label>"
                      "<label>%s <input name=\"value\" inputmode=\"decimal\" size=\"6\" placeholder=\"10\"></label>"
                      "<label>%s <input name=\"currency\" size=\"4\" value=\"EUR\"></label>"
                      "<label>%s <input name=\"expires_days\" type=\"number\" min=\"1\" max=\"3650\" value=\"90\" size=\"5\"></label>"
                      "</div><button>%s</button></fieldset></form>",
                      back, CX(c, "Resolver", "Resolve"), CX(c, "Cómo", "How"), word(c, "reship"), word(c, "refund"),
                      word(c, "coupon"), word(c, "no_action"), CX(c, "Cupón:", "Coupon:"),
                      CX(c, "porcentaje", "percent"), CX(c, "importe", "amount"), CX(c, "valor", "value"),
                      CX(c, "moneda", "currency"), CX(c, "días de validez", "valid for days"),
                      CX(c, "Resolver y avisar al cliente", "Resolve and tell the customer"));
    }
    rs_buf_puts(b, "</article>");
}

static void incidents_section(struct rs_buf *b, struct rs_console *c, json_t *incs, const char *back)
{
    rs_buf_printf(b, "<section class=\"card\"><h2>%s</h2>", CX(c, "Incidencias", "Incidents"));
    if (json_array_size(incs) == 0)
        rs_buf_printf(b, "<p class=\"empty\">%s</p>", CX(c, "Ninguna.", "None."));
    size_t i;
    json_t *inc;
    json_array_foreach(incs, i, inc) incident_card(b, c, inc, back);
    rs_buf_puts(b, "</section>");
}

/* ---- a conversation ---- */

/* Whether the customer wrote on WhatsApp within the last 24 hours (the window in which WhatsApp
 * takes free text; worker/replies.c sends by e-mail or SMS outside it). */
static bool wa_window_open(json_t *msgs, int64_t now)
{
    size_t i;
    json_t *m;
    int64_t last = 0, at;
    json_array_foreach(msgs, i, m) if (strcmp(S(m, "direction"), "out") != 0 && strcmp(S(m, "channel"), "whatsapp") == 0 &&
                                       rs_time_parse(S(m, "created_at"), false, &at, NULL) == RS_OK && at > last) last = at;
    return last && now - last < RS_WA_WINDOW_S;
}

/* The merchant's approved WhatsApp reply template (notification settings), copied to OUT; false
 * when none. */
static bool wa_reply_template(struct rs_store *s, int64_t merchant_id, char out[64])
{
    struct rs_notify_merchant m;
    if (rs_store_notify_merchant(s, merchant_id, &m) != RS_OK)
        return false;
    json_t *j = m.config ? json_loads(m.config, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(json_object_get(j, "whatsapp"), "reply_template"));
    bool ok = t && *t;
    if (ok)
        snprintf(out, 64, "%s", t);
    json_decref(j);
    free(m.config);
    return ok;
}

static void message_item(struct rs_buf *b, struct rs_console *c, json_t *m, int64_t conv_id, bool can_incident)
{
    const char *dir = S(m, "direction"), *author = S(m, "author");
    const char *cls = strcmp(dir, "note") == 0 ? "note" : author;
    rs_buf_printf(b, "<li class=\"msg %s\" id=\"m%lld\"><div class=\"meta\"><span class=\"who\">", cls,
                  (long long)I(m, "id"));
    if (strcmp(dir, "note") == 0)
        rs_buf_puts(b, word(c, "note"));
    else
        rs_buf_puts(b, word(c, author));
    if (*S(m, "agent_name")) {
        rs_buf_puts(b, " · ");
        esc(b, S(m, "agent_name"));
    }
    rs_buf_printf(b, "</span> · %s · ", word(c, S(m, "channel")));
    int64_t at = 0;
    if (rs_time_parse(S(m, "created_at"), false, &at, NULL) == RS_OK)
        when(b, c, at);
    if (*S(m, "intent")) {
        rs_buf_printf(b, " · <span class=\"intent\">%s ", CX(c, "bot:", "bot:"));
        coded(b, c, S(m, "intent"));
        rs_buf_printf(b, " %.0f %%</span>", json_number_value(json_object_get(m, "confidence")) * 100);
    }
    if (*S(m, "state")) {
        rs_buf_printf(b, " · <span class=\"dstate %s\">%s</span>", S(m, "state"), word(c, S(m, "state")));
        if (*S(m, "last_error")) {
            rs_buf_puts(b, " <span class=\"err\">");
            esc(b, S(m, "last_error"));
            rs_buf_puts(b, "</span>");
        }
    }
    if (I(m, "incident_id"))
        rs_buf_printf(b, " · <a href=\"#incident-%lld\">%s #%lld</a>", (long long)I(m, "incident_id"),
                      CX(c, "incidencia", "incident"), (long long)I(m, "incident_id"));
    rs_buf_puts(b, "</div><p class=\"body\">");
    if (strcmp(dir, "note") == 0)
        body_text(b, c, author, S(m, "body"), true);
    else
        esc(b, S(m, "body"));
    rs_buf_puts(b, "</p>");
    if (json_is_true(json_object_get(m, "truncated")))
        rs_buf_printf(b, "<p class=\"trunc\">%s</p>",
                      CX(c, "(mensaje recortado: era demasiado largo)", "(message cut: it was too long)"));
    if (can_incident && strcmp(dir, "in") == 0) {
        rs_buf_printf(b, "<form method=\"post\" action=\"/console/c/%lld/incident\" class=\"row mini\">",
                      (long long)conv_id);
        rs_console_csrf_field(b, c);
        rs_buf_printf(b, "<input type=\"hidden\" name=\"message_id\" value=\"%lld\"><label>%s <select name=\"type\">",
                      (long long)I(m, "id"), CX(c, "Incidencia:", "Incident:"));
        for (size_t k = 0; k < RS_INCIDENT_NTYPES; k++)
            rs_buf_printf(b, "<option value=\"%s\">%s</option>", rs_incident_types[k], word(c, rs_incident_types[k]));
        rs_buf_printf(b, "</select></label><button>%s</button></form>", CX(c, "Crear", "Create"));
    }
    rs_buf_puts(b, "</li>");
}

void rs_console_conversation(struct rs_req *r)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, false))
        return;
    int64_t id = rs_console_param_id(r, 0), mid = c.sess.agent.merchant_id;
    json_t *conv = NULL, *msgs = NULL, *incs = NULL, *agents = NULL;
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "no reader connection");
        return;
    }
    enum rs_err e = id ? rs_store_console_conversation(s, mid, id, &conv) : RS_ENOTFOUND;
    if (!e)
        e = rs_store_conv_messages_json(s, mid, id, &msgs);
    if (!e)
        e = rs_store_console_incidents(s, mid, id, I(conv, "order_id"), &incs);
    if (!e)
        e = rs_store_agent_list(s, mid, &agents);
    if (e) {
        rs_server_reader_put(r->srv, s);
        json_decref(conv), json_decref(msgs), json_decref(incs);
        if (e == RS_ENOTFOUND)
            rs_console_message(r, &c, 404, CX(&c, "No existe", "Not found"),
                               CX(&c, "No hay ninguna conversación con ese número en tu tienda.",
                                  "There is no conversation with that number in your shop."));
        else
            rs_reply_err(r, e, "console conversation");
        return;
    }
    const char *state = S(conv, "state");
    bool mine = I(conv, "assigned_agent_id") == c.sess.agent.id;
    bool closed = strcmp(state, "closed") == 0;
    bool conv_es = strcmp(S(conv, "locale"), "en") != 0;
    const char *name = *S(conv, "name") ? S(conv, "name") : CX(&c, "Desconocido", "Unknown");
    struct rs_buf b;
    rs_buf_init(&b);
    rs_console_head(&b, &c, name, NULL);
    int64_t last_id = json_array_size(msgs) ? I(json_array_get(msgs, json_array_size(msgs) - 1), "id") : 0;
    rs_buf_printf(&b, "<div class=\"conv\" data-conv=\"%lld\" data-last=\"%lld\"><div class=\"thread\"><h1>",
                  (long long)id, (long long)last_id);
    esc(&b, name);
    rs_buf_puts(&b, "</h1><p class=\"sub\">");
    const char *phone = *S(conv, "phone") ? S(conv, "phone") : S(conv, "customer_phone");
    const char *email = *S(conv, "email") ? S(conv, "email") : S(conv, "customer_email");
    esc(&b, phone);
    if (*phone && *email)
        rs_buf_puts(&b, " · ");
    esc(&b, email);
    rs_buf_printf(&b, " · %s · %s <strong class=\"cstate\">%s</strong>", word(&c, S(conv, "channel")),
                  CX(&c, "estado", "state"), word(&c, state));
    if (*S(conv, "agent_name")) {
        rs_buf_printf(&b, " · %s ", CX(&c, "lo lleva", "held by"));
        esc(&b, S(conv, "agent_name"));
    }
    rs_buf_puts(&b, "</p>");
    /* hand-over history */
    if (I(conv, "handover_at")) {
        rs_buf_printf(&b, "<p class=\"handover\">%s ", CX(&c, "El bot pasó la conversación a una persona el",
                                                           "The bot handed over to a person on"));
        when(&b, &c, I(conv, "handover_at"));
        rs_buf_puts(&b, ": ");
        coded(&b, &c, S(conv, "handover_reason"));
        /* what the customer was promised then: the latest hand-over note's */
        const char *promise = NULL;
        size_t k;
        json_t *m;
        json_array_foreach(msgs, k, m) if (strcmp(S(m, "author"), "system") == 0 &&
                                           strncmp(S(m, "body"), RS_CONV_HANDOVER_NOTE,
                                                   strlen(RS_CONV_HANDOVER_NOTE)) == 0)
            promise = S(m, "body");
        if (promise && strstr(promise, RS_CONV_HANDOVER_PROMISE)) {
            rs_buf_puts(&b, "; ");
            promise_words(&b, &c, promise);
        }
        rs_buf_puts(&b, ".</p>");
    }
    /* actions */
    rs_buf_puts(&b, "<div class=\"actions\">");
    if (!mine) {
        rs_buf_printf(&b, "<form method=\"post\" action=\"/console/c/%lld/take\">", (long long)id);
        rs_console_csrf_field(&b, &c);
        rs_buf_printf(&b, "<input type=\"hidden\" name=\"held\" value=\"%lld\">",
                      (long long)I(conv, "assigned_agent_id"));
        rs_buf_printf(&b, "<button class=\"primary\" id=\"take\">%s</button></form>",
                      CX(&c, "Atender yo", "Take over"));
    } else {
        rs_buf_printf(&b, "<form method=\"post\" action=\"/console/c/%lld/release\">", (long long)id);
        rs_console_csrf_field(&b, &c);
        rs_buf_printf(&b, "<button>%s</button></form>", CX(&c, "Devolver a la cola", "Release to the queue"));
    }
    if (json_array_size(agents) > 1) {
        rs_buf_printf(&b, "<form method=\"post\" action=\"/console/c/%lld/assign\">", (long long)id);
        rs_console_csrf_field(&b, &c);
        rs_buf_printf(&b, "<input type=\"hidden\" name=\"held\" value=\"%lld\">",
                      (long long)I(conv, "assigned_agent_id"));
        rs_buf_printf(&b, "<label>%s <select name=\"agent_id\">", CX(&c, "Asignar a", "Assign to"));
        size_t i;
        json_t *a;
        json_array_foreach(agents, i, a)
        {
            if (json_is_true(json_object_get(a, "disabled")))
                continue;
            rs_buf_printf(&b, "<option value=\"%lld\"%s>", (long long)I(a, "id"),
                          I(a, "id") == I(conv, "assigned_agent_id") ? " selected" : "");
            esc(&b, S(a, "name"));
            rs_buf_puts(&b, "</option>");
        }
        rs_buf_printf(&b, "</select></label><button>%s</button></form>", CX(&c, "Asignar", "Assign"));
    }
    rs_buf_printf(&b, "<form method=\"post\" action=\"/console/c/%lld/%s\">", (long long)id, closed ? "reopen" : "close");
    rs_console_csrf_field(&b, &c);
    rs_buf_printf(&b, "<button>%s</button></form></div>", closed ? CX(&c, "Reabrir", "Reopen") : CX(&c, "Cerrar", "Close"));
    /* messages */
    rs_buf_printf(&b, "<ol class=\"msgs\" aria-label=\"%s\">", CX(&c, "Mensajes", "Messages"));
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) message_item(&b, &c, m, id, I(conv, "order_id") != 0);
    rs_buf_puts(&b, "</ol>");
    /* reply */
    rs_buf_printf(&b, "<form method=\"post\" action=\"/console/c/%lld/reply\" class=\"reply\" id=\"reply\">", (long long)id);
    rs_console_csrf_field(&b, &c);
    /* the newest message shown: a second submit of this form (a double click) is not sent again */
    rs_buf_printf(&b, "<input type=\"hidden\" name=\"seen\" value=\"%lld\">", (long long)last_id);
    char tpl[64];
    if (strcmp(S(conv, "channel"), "whatsapp") == 0 && !wa_window_open(msgs, rs_now()) &&
        wa_reply_template(s, mid, tpl)) {
        rs_buf_printf(&b, "<p class=\"hint\" id=\"wa-closed\">");
        rs_buf_printf(&b,
                      CX(&c, "Han pasado más de 24 horas desde el último WhatsApp del cliente: tu respuesta irá en la "
                             "plantilla aprobada «%s» (en una sola línea, hasta 900 bytes; si es más larga, por "
                             "email o SMS). Cuando el cliente conteste, la conversación sigue por WhatsApp.",
                         "More than 24 hours have passed since the customer's last WhatsApp message: your reply will "
                         "go in the approved template “%s” (on one line, up to 900 bytes; longer, by e-mail or "
                         "SMS). When the customer answers, the conversation goes on by WhatsApp."),
                      tpl); /* template names are [a-z0-9_]: nothing to escape */
        rs_buf_puts(&b, "</p>");
    } else if (strcmp(S(conv, "channel"), "whatsapp") == 0 && !wa_window_open(msgs, rs_now()))
        rs_buf_printf(&b, "<p class=\"hint\" id=\"wa-closed\">%s</p>",
                      CX(&c, "Han pasado más de 24 horas desde el último WhatsApp del cliente y WhatsApp ya no admite "
                             "texto libre: tu respuesta irá por email al cliente del pedido o, si no tiene, por SMS.",
                         "More than 24 hours have passed since the customer's last WhatsApp message, and WhatsApp "
                         "takes no free text now: your reply will go by e-mail to the order's customer or, without "
                         "one, by SMS."));
    rs_buf_printf(&b,
                  "<label for=\"canned\">%s</label><select id=\"canned\" name=\"canned\"><option value=\"\">—</option>",
                  conv_es ? CX(&c, "Respuesta predefinida (español)", "Canned reply (Spanish)")
                          : CX(&c, "Respuesta predefinida (inglés)", "Canned reply (English)"));
    canned_options(&b, &c, s, conv_es);
    rs_buf_printf(&b,
                  "</select><label for=\"body\">%s (%s)</label><textarea id=\"body\" name=\"body\" rows=\"4\" "
                  "maxlength=\"4000\"></textarea><div class=\"row\"><button class=\"primary\" name=\"kind\" "
                  "value=\"reply\">%s</button><button name=\"kind\" value=\"note\">%s</button></div></form>",
                  CX(&c, "Mensaje", "Message"), word(&c, S(conv, "channel")), CX(&c, "Enviar al cliente", "Send to customer"),
                  CX(&c, "Guardar como nota interna", "Save as internal note"));
    /* phone log */
    rs_buf_printf(&b, "<details class=\"phone\"><summary>%s</summary>", CX(&c, "Registrar una llamada", "Log a phone call"));
    rs_buf_printf(&b, "<form method=\"post\" action=\"/console/c/%lld/phone\">", (long long)id);
    rs_console_csrf_field(&b, &c);
    rs_buf_printf(&b, "<input type=\"hidden\" name=\"seen\" value=\"%lld\">", (long long)last_id);
    rs_buf_printf(&b,
                  "<label for=\"said\">%s</label><textarea id=\"said\" name=\"body\" rows=\"3\" maxlength=\"4000\"></textarea>"
                  "<button>%s</button></form></details>",
                  CX(&c, "Lo que dijo el cliente por teléfono", "What the customer said on the phone"),
                  CX(&c, "Registrar", "Log"));
    rs_buf_puts(&b, "</div><aside class=\"side\">");
    incidents_section(&b, &c, incs, "c");
    order_context(&b, &c, s, S(conv, "order_ref"));
    rs_buf_puts(&b, "</aside></div>");
    rs_server_reader_put(r->srv, s);
    json_decref(conv), json_decref(msgs), json_decref(incs), json_decref(agents);
    rs_console_finish(r, &b, 200);
}

/* GET /console/c/{id}/last: {"last":N} (the newest message id), for web/console.js. */
void rs_console_conversation_last(struct rs_req *r)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, false))
        return;
    int64_t id = rs_console_param_id(r, 0);
    json_t *conv = NULL, *msgs = NULL;
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = !s ? RS_EIO : id ? rs_store_console_conversation(s, c.sess.agent.merchant_id, id, &conv) : RS_ENOTFOUND;
    if (!e)
        e = rs_store_conv_messages_json(s, c.sess.agent.merchant_id, id, &msgs);
    rs_server_reader_put(r->srv, s);
    json_decref(conv);
    if (e) {
        rs_reply_err(r, e, "conversation");
        return;
    }
    size_t n = json_array_size(msgs);
    json_t *out = json_pack("{sI}", "last", (json_int_t)(n ? I(json_array_get(msgs, n - 1), "id") : 0));
    json_decref(msgs);
    rs_reply_json(r, 200, out);
    r->cache_control = "no-store";
}

/* ---- an incident on its own ---- */

void rs_console_incident(struct rs_req *r)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, false))
        return;
    int64_t id = rs_console_param_id(r, 0);
    json_t *inc = NULL;
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = !s ? RS_EIO : id ? rs_store_console_incident(s, c.sess.agent.merchant_id, id, &inc) : RS_ENOTFOUND;
    if (e) {
        rs_server_reader_put(r->srv, s);
        if (e == RS_ENOTFOUND)
            rs_console_message(r, &c, 404, CX(&c, "No existe", "Not found"),
                               CX(&c, "No hay ninguna incidencia con ese número en tu tienda.",
                                  "There is no incident with that number in your shop."));
        else
            rs_reply_err(r, e, "console incident");
        return;
    }
    if (I(inc, "conversation_id")) { /* the conversation shows it with everything around it */
        char loc[64];
        snprintf(loc, sizeof loc, "/console/c/%lld#incident-%lld", (long long)I(inc, "conversation_id"), (long long)id);
        rs_server_reader_put(r->srv, s);
        json_decref(inc);
        rs_console_redirect(r, loc);
        return;
    }
    struct rs_buf b;
    rs_buf_init(&b);
    char title[64];
    snprintf(title, sizeof title, "%s #%lld", CX(&c, "Incidencia", "Incident"), (long long)id);
    rs_console_head(&b, &c, title, "incidents");
    rs_buf_printf(&b, "<div class=\"conv\"><div class=\"thread\"><h1>%s</h1>", title);
    json_t *one = json_array();
    json_array_append(one, inc);
    incidents_section(&b, &c, one, "i");
    json_decref(one);
    rs_buf_puts(&b, "</div><aside class=\"side\">");
    order_context(&b, &c, s, S(inc, "order_ref"));
    rs_buf_puts(&b, "</aside></div>");
    rs_server_reader_put(r->srv, s);
    json_decref(inc);
    rs_console_finish(r, &b, 200);
}
