/* page_track.c — GET /t/{tracking_code}: the public tracking page, server-rendered, mobile
 * first, in the merchant's branding, in Spanish or English (?lang=, else Accept-Language, else
 * the customer's locale, else the merchant's: rs_page_locale), complete without JavaScript.
 * Top to bottom: brand bar with language switch, optional promotion, the live region (headline
 * in plain words, milestones, what went wrong and what to do, promise window, timeline in the
 * customer's time zone, else the merchant's, items at the full level), then "get updates",
 * "report a problem", the web chat, FAQ. web/track.js only adds live updates (SSE on
 * /t/{code}/stream), browser push and the chat without reloading.
 * The full level needs the second factor: the verification box posts it (POST
 * /t/{code}/verify) and the page lives at ?v=TOKEN (app/track_token.h), never at an address
 * holding the customer's e-mail or postcode (an old ?email= link is redirected there).
 *
 * Every text that comes from a merchant, a carrier or a customer goes through rs_buf_html;
 * colours are accepted only as #rgb/#rrggbb (checked again here) and URLs only as http(s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events_bus.h"
#include "app/incident.h"
#include "http/page.h"
#include "http/page_cache.h"
#include "http/routes.h"
#include "http/track.h"
#include "ingest/inbound.h"
#include "store/store_page.h"
#include "store/store_webchat.h"
#include "util/form.h"
#include "util/timefmt.h"
#include "util/tz.h"

struct page {
    struct rs_buf *b;
    bool es;
    const char *zone, *locale;
    char datefmt[RS_PAGE_TAG]; /* the locale of dates: "en-US" reads "Monday, December 7", "1:00 AM" */
    const char *merchant, *code;
    json_t *o;
    struct rs_page_ctx ctx;
    bool full;
};

#define TX(p, es_, en_) ((p)->es ? (es_) : (en_))

static const struct {
    const char *status, *es, *en;
} phrases[] = {
    {"placed", "Pedido recibido", "Order received"},
    {"processing", "Preparando tu pedido en el almacén", "Preparing your order in the warehouse"},
    {"partially_shipped", "Parte de tu pedido ya está en camino", "Part of your order is on its way"},
    {"pending", "Etiqueta creada, esperando al transportista", "Label created, waiting for the carrier"},
    {"info_received", "El transportista tiene los datos del envío", "The carrier has the shipment details"},
    {"in_transit", "En camino", "On its way"},
    {"out_for_delivery", "En reparto: llega hoy", "Out for delivery: arriving today"},
    {"attempt_failed", "Intento de entrega fallido", "Delivery attempt failed"},
    {"available_for_pickup", "Listo para recoger", "Ready for pickup"},
    {"partially_delivered", "Parte de tu pedido ya ha llegado", "Part of your order has arrived"},
    {"delivered", "Entregado", "Delivered"},
    {"exception", "Hay una incidencia con tu envío", "There is a problem with your shipment"},
    {"returning", "Volviendo al remitente", "Returning to the sender"},
    {"returned", "Devuelto al remitente", "Returned to the sender"},
    {"expired", "Sin noticias del transportista", "No news from the carrier"},
    {"cancelled", "Pedido cancelado", "Order cancelled"},
};

static const char *phrase(const char *status, bool es)
{
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (status && strcmp(phrases[i].status, status) == 0)
            return es ? phrases[i].es : phrases[i].en;
    return status ? status : "";
}

/* What happened and what the customer can do, by status and sub-status ("" matches any). */
static const struct {
    const char *status, *sub;
    const char *what_es, *do_es, *what_en, *do_en;
} help[] = {
    {"attempt_failed", "recipient_absent", "El repartidor pasó, pero no había nadie para recibirlo.",
     "Lo volverá a intentar. Si no vas a estar, avísanos con «Informar de un problema».",
     "The courier came by, but nobody was there to receive it.",
     "They will try again. If you will not be in, tell us with \"Report a problem\"."},
    {"attempt_failed", "address_issue", "El repartidor no encontró la dirección.",
     "Revisa la dirección y escríbenos con «Informar de un problema» para corregirla.",
     "The courier could not find the address.", "Check the address and tell us with \"Report a problem\" to fix it."},
    {"attempt_failed", "business_closed", "El negocio estaba cerrado al intentar la entrega.",
     "Lo volverán a intentar; si hay un horario mejor, avísanos con «Informar de un problema».",
     "The business was closed at the delivery attempt.",
     "They will try again; if another time suits better, tell us with \"Report a problem\"."},
    {"attempt_failed", "", "No se pudo entregar el paquete.",
     "El transportista lo volverá a intentar. Si necesitas algo, usa «Informar de un problema».",
     "The parcel could not be delivered.", "The carrier will try again. If you need anything, use \"Report a problem\"."},
    {"available_for_pickup", "", "Tu paquete te espera en un punto de recogida.",
     "Recógelo cuanto antes con un documento de identidad y el número de seguimiento del transportista: el punto lo "
     "guarda solo unos días.",
     "Your parcel is waiting at a pickup point.",
     "Collect it soon with an ID and the carrier's tracking number: the point only keeps it for a few days."},
    {"exception", "customs_hold", "Tu paquete está retenido en la aduana.",
     "Puede que haya que pagar impuestos o aportar documentos; sigue las instrucciones del transportista.",
     "Your parcel is held at customs.", "Duties or documents may be needed; follow the carrier's instructions."},
    {"exception", "weather", "El mal tiempo está retrasando los envíos en la zona.",
     "No tienes que hacer nada: te avisaremos en cuanto se mueva.", "Bad weather is delaying deliveries in the area.",
     "You do not need to do anything: we will tell you as soon as it moves."},
    {"exception", "address_issue", "Hay un problema con la dirección de entrega.",
     "Escríbenos con «Informar de un problema» para corregirla.", "There is a problem with the delivery address.",
     "Tell us with \"Report a problem\" so we can fix it."},
    {"exception", "damaged", "El paquete se ha dañado durante el transporte.",
     "Cuéntanoslo con «Informar de un problema» y la tienda te dirá cómo lo resuelve.",
     "The parcel was damaged in transit.", "Tell us with \"Report a problem\" and the shop will tell you how it will fix it."},
    {"exception", "lost", "El transportista ha perdido el rastro del paquete.",
     "Cuéntanoslo con «Informar de un problema» y la tienda te dirá cómo lo resuelve.",
     "The carrier has lost track of the parcel.",
     "Tell us with \"Report a problem\" and the shop will tell you how it will fix it."},
    {"exception", "delayed", "Tu envío va con retraso.", "No tienes que hacer nada: te avisaremos en cuanto se mueva.",
     "Your shipment is running late.", "You do not need to do anything: we will tell you as soon as it moves."},
    {"exception", "refused", "El envío fue rechazado en la entrega.",
     "Si ha sido un error, avísanos con «Informar de un problema».", "The delivery was refused.",
     "If that was a mistake, tell us with \"Report a problem\"."},
    {"exception", "", "El transportista ha comunicado una incidencia con tu envío.",
     "Estamos pendientes. Si necesitas algo, usa «Informar de un problema».",
     "The carrier reported a problem with your shipment.",
     "We are on it. If you need anything, use \"Report a problem\"."},
    {"returning", "", "El paquete vuelve a la tienda.",
     "Cuando llegue, la tienda te dirá si lo reenvía o te devuelve el dinero. Si no lo esperabas, usa «Informar de un problema».",
     "The parcel is going back to the shop.",
     "When it arrives, the shop will tell you whether it sends it again or refunds you. If you did not expect this, use \"Report a problem\"."},
    {"returned", "", "El paquete ha vuelto a la tienda.",
     "Si no lo esperabas, usa «Informar de un problema».", "The parcel is back at the shop.",
     "If you did not expect this, use \"Report a problem\"."},
    {"cancelled", "", "La tienda ha cancelado este pedido: no se enviará.",
     "Si no lo esperabas o tienes dudas sobre el reembolso, usa «Informar de un problema».",
     "The shop has cancelled this order: it will not be sent.",
     "If you did not expect this or have a question about the refund, use \"Report a problem\"."},
    {"expired", "", "El transportista no da noticias desde hace días.",
     "Puede que se haya perdido el rastro: usa «Informar de un problema» y lo revisamos.",
     "The carrier has sent no news for days.",
     "Its trail may have gone cold: use \"Report a problem\" and we will look into it."},
};

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Epoch of an RFC 3339 string, 0 when absent or malformed. */
static int64_t jtime(json_t *o, const char *k)
{
    const char *s = jstr(o, k);
    int64_t t = 0;
    int off;
    if (!s || rs_time_parse(s, false, &t, &off) != RS_OK)
        return 0;
    return t;
}

static void fmt(struct page *p, enum rs_locfmt_style st, int64_t t, char *out, size_t cap)
{
    if (rs_locfmt_format(rs_page_locfmt(), p->datefmt, p->zone, st, t, out, cap) != RS_OK &&
        rs_locfmt_format(rs_page_locfmt(), p->datefmt, "UTC", st, t, out, cap) != RS_OK)
        snprintf(out, cap, "%lld", (long long)t);
}

/* The shipment that tells the story: the first not yet delivered, else the last. */
static json_t *main_shipment(json_t *o)
{
    json_t *ships = json_object_get(o, "shipments"), *sh;
    size_t i;
    json_array_foreach(ships, i, sh) {
        const char *st = jstr(sh, "status");
        if (!st || (strcmp(st, "delivered") != 0 && strcmp(st, "returned") != 0))
            return sh;
    }
    return json_array_get(ships, json_array_size(ships) ? json_array_size(ships) - 1 : 0);
}

/* The shipment delivered last (of several, the one that completed the order), NULL when none
 * has been delivered. */
static json_t *last_delivered(json_t *o)
{
    json_t *ships = json_object_get(o, "shipments"), *sh, *best = NULL;
    size_t i;
    json_array_foreach(ships, i, sh) {
        if (jtime(sh, "delivered_at") && (!best || jtime(sh, "delivered_at") >= jtime(best, "delivered_at")))
            best = sh;
    }
    return best;
}

/* Where a delivered parcel was left, by its sub-status: the customer who was not at home reads
 * "Delivered" and asks where it is (the delivery message says it too). */
static const struct {
    const char *sub, *es, *en;
} delivered_where[] = {
    {"left_at_door", "Lo dejaron en tu puerta.", "It was left at your door."},
    {"to_neighbour", "Lo recogió un vecino.", "A neighbour took it in."},
    {"to_pickup_point", "Se recogió en el punto de recogida.", "It was collected at the pickup point."},
    {"signed", "Se entregó con firma.", "It was signed for."},
};

static json_t *find_promise(json_t *o)
{
    json_t *pr = json_object_get(o, "promise");
    if (json_is_object(pr))
        return pr;
    json_t *sh = main_shipment(o);
    pr = json_object_get(sh, "promise");
    return json_is_object(pr) ? pr : NULL;
}

/* Promise window in words: "el jueves 26 de noviembre, entre las 10:00 y las 14:00". */
static bool promise_words(struct page *p, json_t *pr, char *out, size_t cap)
{
    int64_t a = jtime(pr, "earliest"), z = jtime(pr, "latest");
    bool dates = false;
    int64_t day_a, day_z;
    const char *sa = jstr(pr, "earliest"), *sz = jstr(pr, "latest");
    if ((!a || !z) && sa && sz && strlen(sa) == 10 && strlen(sz) == 10 && rs_date_parse(sa, &day_a) == RS_OK &&
        rs_date_parse(sz, &day_z) == RS_OK) {
        /* shipments' promises are days (YYYY-MM-DD) of the merchant's calendar: local noon in
         * the page's zone is that day there (noon UTC is the next day beyond UTC+12) */
        if (rs_tz_instant(p->zone, day_a, 720, &a) != RS_OK || rs_tz_instant(p->zone, day_z, 720, &z) != RS_OK)
            return false;
        dates = true;
    }
    if (!a || !z || z < a)
        return false;
    char days[160], hours[96];
    if (cap < sizeof days + sizeof hours + 2)
        return false;
    struct rs_locfmt *lf = rs_page_locfmt();
    if (rs_locfmt_day_range(lf, p->datefmt, p->zone, a, z, days, sizeof days) != RS_OK)
        return false;
    int ya, ma, da, yz, mz, dz;
    bool same_day = rs_locfmt_local_date(p->zone, a, &ya, &ma, &da) == RS_OK &&
                    rs_locfmt_local_date(p->zone, z, &yz, &mz, &dz) == RS_OK && ya == yz && ma == mz && da == dz;
    bool whole_day = dates || z - a >= 23 * 3600;
    if (same_day && !whole_day && rs_locfmt_time_range(lf, p->datefmt, p->zone, a, z, hours, sizeof hours) == RS_OK)
        snprintf(out, cap, "%s, %s", days, hours);
    else
        snprintf(out, cap, "%s", days);
    return true;
}

/* The status in words, at time AT (the scan that set it): "Out for delivery: arriving today"
 * only when AT is today where the merchant is. A scan from an earlier day that the carrier has
 * not followed up (stale tracking) or a past event of the timeline says "Out for delivery". */
static const char *status_phrase(struct page *p, const char *st, int64_t at)
{
    if (st && strcmp(st, "out_for_delivery") == 0) {
        if (!rs_locfmt_same_day(p->zone, at, rs_now()))
            return TX(p, "En reparto", "Out for delivery");
    }
    return phrase(st, p->es);
}

/* When the order went out for delivery: its main shipment's newest out-for-delivery scan (out
 * again today after yesterday's failed attempt is "arriving today"), else its first, else its
 * latest news. */
static int64_t out_for_delivery_at(json_t *o)
{
    json_t *sh = main_shipment(o);
    int64_t t = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(sh, "events"), i, ev) {
        const char *st = jstr(ev, "status");
        if (st && strcmp(st, "out_for_delivery") == 0 && jtime(ev, "occurred_at") > t)
            t = jtime(ev, "occurred_at");
    }
    if (!t)
        t = jtime(sh, "out_for_delivery_at");
    return t ? t : jtime(sh, "last_event_at");
}

static bool is_problem(const char *st)
{
    return st && (strcmp(st, "exception") == 0 || strcmp(st, "attempt_failed") == 0 || strcmp(st, "returning") == 0 ||
                  strcmp(st, "returned") == 0 || strcmp(st, "expired") == 0 || strcmp(st, "cancelled") == 0);
}

/* The order's status in words (headline, title). A return that is only part of the order (one
 * parcel delivered or still on its way, the other back at the shop) says so: the order as a whole
 * is "returning", but "Returning to the sender" alone would tell the customer they get nothing. */
static const char *order_phrase(struct page *p)
{
    const char *st = jstr(p->o, "status");
    if (st && (strcmp(st, "returning") == 0 || strcmp(st, "returned") == 0)) {
        bool going = false, rest = false;
        json_t *sh;
        size_t i;
        json_array_foreach(json_object_get(p->o, "shipments"), i, sh) {
            const char *ss = jstr(sh, "status");
            if (ss && strcmp(ss, "returning") == 0)
                going = true;
            else if (!(ss && strcmp(ss, "returned") == 0))
                rest = true;
        }
        if (rest)
            return going ? TX(p, "Parte de tu pedido vuelve a la tienda", "Part of your order is going back to the shop")
                         : TX(p, "Parte de tu pedido ha vuelto a la tienda", "Part of your order is back at the shop");
    }
    return status_phrase(p, st, out_for_delivery_at(p->o));
}

/* Milestone reached: 0 confirmed, 1 preparing, 2 shipped, 3 out for delivery, 4 delivered. */
static int milestone(json_t *o)
{
    const char *st = jstr(o, "status");
    if (!st)
        return 0;
    if (strcmp(st, "delivered") == 0)
        return 4;
    if (strcmp(st, "out_for_delivery") == 0 || strcmp(st, "partially_delivered") == 0 ||
        strcmp(st, "available_for_pickup") == 0 || strcmp(st, "attempt_failed") == 0)
        return 3;
    if (strcmp(st, "placed") == 0)
        return 0;
    if (strcmp(st, "processing") == 0)
        return 1;
    /* shipped, or a problem: how far did the shipment get? */
    json_t *sh = main_shipment(o);
    if (jtime(sh, "delivered_at"))
        return 4;
    if (jtime(sh, "out_for_delivery_at"))
        return 3;
    if (sh && strcmp(st, "cancelled") != 0)
        return 2;
    return strcmp(st, "cancelled") == 0 ? 0 : 1;
}

/* Whether the promised window still tells the customer when it comes: not once it is delivered,
 * with the courier today, waiting at a pickup point for them to collect it, or in trouble. A
 * failed attempt is the exception: the window is then the redelivery (the next business days, or
 * the carrier's new estimate, docs/promise.md), which is what the customer wants to know. */
static bool promise_tells(const char *st)
{
    return st && (!is_problem(st) || strcmp(st, "attempt_failed") == 0) && strcmp(st, "delivered") != 0 &&
           strcmp(st, "out_for_delivery") != 0 && strcmp(st, "available_for_pickup") != 0;
}

/* Why the date moved, from the public reason code (core/promise.h rs_promise_public_reason),
 * as words that follow "We have changed the date": " per SEUR's new estimate". Empty when the
 * reason is unknown or missing (the sentence stands without it). */
static void slip_why(struct page *p, const char *reason, const char *carrier, char *out, size_t cap)
{
    static const struct {
        const char *code, *es, *en;
    } why[] = {
        {"exception", " por una incidencia en el reparto", " because of a problem in transit"},
        {"attempt_failed", " porque no se pudo entregar en el último intento",
         " because the last delivery attempt failed"},
        {"running_late", " porque el envío va más lento de lo previsto",
         " because the parcel is moving more slowly than expected"},
        {"handed_over", " porque el transportista lo recogió más tarde de lo previsto",
         " because the carrier collected it later than planned"},
        {"shipment_updated", " porque la tienda ha actualizado los datos del envío",
         " because the shop updated the shipment details"},
        {"carrier_news", " según las últimas noticias del transportista", " per the carrier's latest news"},
    };
    out[0] = '\0';
    if (!reason)
        return;
    if (strcmp(reason, "carrier_estimate") == 0) {
        char name[96];
        if (rs_carrier_name(carrier, name, sizeof name))
            snprintf(out, cap, TX(p, " según la nueva estimación de %s", " per %s's new estimate"), name);
        else
            snprintf(out, cap, "%s",
                     TX(p, " según la nueva estimación del transportista", " per the carrier's new estimate"));
        return;
    }
    for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
        if (strcmp(why[i].code, reason) == 0)
            snprintf(out, cap, "%s", p->es ? why[i].es : why[i].en);
}

static void headline(struct page *p)
{
    const char *st = jstr(p->o, "status");
    json_t *sh = main_shipment(p->o);
    json_t *pr = find_promise(p->o);
    char words[640], when[300];
    bool shown = false; /* the headline gives the promised window */
    rs_buf_puts(p->b, "<h1 id=\"headline\">");
    json_t *dsh = st && strcmp(st, "delivered") == 0 ? last_delivered(p->o) : NULL;
    const char *where = NULL; /* where it was left, said under the headline */
    if (dsh) {
        char d[96], t[32];
        fmt(p, RS_LOCFMT_DAY, jtime(dsh, "delivered_at"), d, sizeof d);
        fmt(p, RS_LOCFMT_TIME, jtime(dsh, "delivered_at"), t, sizeof t);
        snprintf(words, sizeof words, TX(p, "Entregado el %s a las %s", "Delivered on %s at %s"), d, t);
        rs_buf_html(p->b, words);
        const char *sub = jstr(dsh, "substatus");
        for (size_t i = 0; sub && i < sizeof delivered_where / sizeof delivered_where[0]; i++)
            if (strcmp(delivered_where[i].sub, sub) == 0)
                where = p->es ? delivered_where[i].es : delivered_where[i].en;
    } else if (pr && promise_tells(st) && promise_words(p, pr, when, sizeof when)) {
        rs_buf_html(p->b, TX(p, "Tu pedido llega ", "Your order arrives "));
        rs_buf_html(p->b, when);
        shown = true;
    } else {
        rs_buf_html(p->b, order_phrase(p));
    }
    rs_buf_puts(p->b, "</h1>");
    /* a slip is said, not hidden: the window the customer was told before (issue 4: a promise
     * broken silently is what makes them ask) */
    json_t *prev = pr ? json_object_get(pr, "previous") : NULL;
    char was[300], why[160];
    if (shown && json_is_object(prev) && promise_words(p, prev, was, sizeof was)) {
        slip_why(p, jstr(prev, "reason"), jstr(sh, "carrier"), why, sizeof why);
        snprintf(words, sizeof words,
                 TX(p, "Hemos cambiado la fecha%s: antes te dijimos que llegaba %s.",
                    "We have changed the date%s: before, we told you it would arrive %s."),
                 why, was);
        rs_buf_puts(p->b, "<p class=\"slip\">");
        rs_buf_html(p->b, words);
        rs_buf_puts(p->b, "</p>");
    }
    /* the status in a line, and how fresh the news is (stale tracking is users' first complaint) */
    int64_t last = jtime(dsh ? dsh : sh, "last_event_at");
    bool cancelled = st && strcmp(st, "cancelled") == 0;
    if (!last && cancelled) /* not waiting for any carrier: the box below says what happened */
        return;
    rs_buf_puts(p->b, "<p class=\"sub\">");
    if (where) {
        rs_buf_html(p->b, where);
        rs_buf_puts(p->b, " ");
    }
    if (shown) { /* the headline gave the window: the status goes here */
        rs_buf_html(p->b, order_phrase(p));
        rs_buf_puts(p->b, ". ");
    }
    if (last) {
        char d[96], t[32];
        fmt(p, RS_LOCFMT_DAY, last, d, sizeof d);
        fmt(p, RS_LOCFMT_TIME, last, t, sizeof t);
        snprintf(words, sizeof words, TX(p, "Última noticia del transportista: %s, %s.", "Latest news from the carrier: %s, %s."),
                 d, t);
        rs_buf_html(p->b, words);
    } else {
        rs_buf_html(p->b, TX(p, "Te avisaremos en cuanto el transportista lo recoja.",
                             "We will tell you as soon as the carrier picks it up."));
    }
    rs_buf_puts(p->b, "</p>");
}

static void steps(struct page *p)
{
    /* soft hyphens: on a narrow phone a long word breaks with a hyphen inside its own column
     * instead of running into the next label (browsers without hyphenation dictionaries too) */
    static const char *es[5] = {"Con&shy;fir&shy;ma&shy;do", "Pre&shy;pa&shy;ran&shy;do", "Enviado", "En reparto",
                                "En&shy;tre&shy;ga&shy;do"};
    static const char *en[5] = {"Con&shy;firmed", "Pre&shy;par&shy;ing", "Shipped", "Out for delivery",
                                "De&shy;liv&shy;ered"};
    int m = milestone(p->o);
    bool warn = is_problem(jstr(p->o, "status"));
    rs_buf_printf(p->b, "<ol class=\"steps\" aria-label=\"%s\">", TX(p, "Progreso del pedido", "Order progress"));
    for (int i = 0; i < 5; i++) {
        const char *cls = i < m ? "done" : i == m ? (warn ? "now warn" : (m == 4 ? "done" : "now")) : "todo";
        rs_buf_printf(p->b, "<li class=\"%s\"%s><span>%s</span>", cls, i == m ? " aria-current=\"step\"" : "",
                      p->es ? es[i] : en[i]);
        if (i < m || (i == m && m == 4))
            rs_buf_printf(p->b, "<span class=\"sr\"> (%s)</span>", TX(p, "hecho", "done"));
        rs_buf_puts(p->b, "</li>");
    }
    rs_buf_puts(p->b, "</ol>");
}

/* The first shipment with a problem (an exception, a failed attempt, a return…), NULL when none. */
static json_t *problem_shipment(json_t *o)
{
    json_t *sh;
    size_t i;
    json_array_foreach(json_object_get(o, "shipments"), i, sh) {
        if (is_problem(jstr(sh, "status")))
            return sh;
    }
    return NULL;
}

static void problem_box(struct page *p)
{
    const char *st = jstr(p->o, "status");
    json_t *sh = main_shipment(p->o);
    const char *sst = jstr(sh, "status"), *sub = jstr(sh, "substatus");
    if (!sst || !is_problem(sst)) {
        /* of several parcels, the one in trouble tells what happened and what to do, in its own
         * words: one held at customs (duties to pay) while the other is on its way is not a
         * generic "problem with your shipment" */
        json_t *ps = sst && strcmp(sst, "available_for_pickup") == 0 ? NULL : problem_shipment(p->o);
        if (ps) {
            sst = jstr(ps, "status");
            sub = jstr(ps, "substatus");
        } else if (!(sst && strcmp(sst, "available_for_pickup") == 0)) {
            sst = st;
        }
    }
    for (size_t i = 0; sst && i < sizeof help / sizeof help[0]; i++) {
        if (strcmp(help[i].status, sst) != 0 || (help[i].sub[0] && !(sub && strcmp(help[i].sub, sub) == 0)))
            continue;
        rs_buf_printf(p->b, "<section class=\"alert\" aria-labelledby=\"alert-h\"><h2 id=\"alert-h\">%s</h2><p>",
                      TX(p, "Qué ha pasado", "What happened"));
        /* the point the carrier named (the verified view only: its address is near the home) */
        json_t *pk = strcmp(sst, "available_for_pickup") == 0 ? json_object_get(sh, "pickup") : NULL;
        const char *pname = jstr(pk, "name"), *paddr = jstr(pk, "address"), *pdl = jstr(pk, "deadline");
        int64_t dl_day = 0;
        if (pdl && rs_date_parse(pdl, &dl_day) != RS_OK)
            dl_day = 0;
        if (pname || paddr) {
            rs_buf_puts(p->b, TX(p, "Tu paquete te espera en <strong class=\"pickup\">",
                                 "Your parcel is waiting for you at <strong class=\"pickup\">"));
            rs_buf_html(p->b, pname ? pname : paddr);
            rs_buf_puts(p->b, "</strong>");
            if (pname && paddr) {
                rs_buf_puts(p->b, " (<span class=\"pickup-address\">");
                rs_buf_html(p->b, paddr);
                rs_buf_puts(p->b, "</span>)");
            }
            rs_buf_puts(p->b, ".");
        } else {
            rs_buf_html(p->b, p->es ? help[i].what_es : help[i].what_en);
        }
        rs_buf_printf(p->b, "</p><h3>%s</h3><p>", TX(p, "Qué puedes hacer", "What you can do"));
        char day[96];
        if ((pname || paddr) && dl_day &&
            rs_locfmt_civil_day(rs_page_locfmt(), p->datefmt, dl_day, day, sizeof day) == RS_OK) {
            /* the point asks for the carrier's number, not the RX- code this page shows */
            const char *number = p->full ? jstr(sh, "tracking_number") : NULL;
            /* "hasta mañana, martes 9": the last day as said on the reader's own day */
            int64_t today;
            int minute;
            bool relative = false;
            const char *lead = rs_tz_local(p->zone, rs_now(), &today, &minute) == RS_OK
                                   ? rs_locfmt_day_lead(p->es ? "es" : "en", dl_day, today, &relative)
                                   : TX(p, "el ", "");
            rs_buf_printf(p->b, "%s %s<strong class=\"pickup-deadline\">%s", TX(p, "Puedes recogerlo hasta", "Collect it by"),
                          relative ? "" : lead, relative ? lead : "");
            rs_buf_html(p->b, day);
            if (number) {
                rs_buf_puts(p->b, TX(p, "</strong> con un documento de identidad y el número de seguimiento "
                                        "<strong class=\"tracking-number\">",
                                     "</strong> with an ID and the tracking number <strong class=\"tracking-number\">"));
                rs_buf_html(p->b, number);
                rs_buf_puts(p->b, "</strong>");
            } else {
                rs_buf_puts(p->b, TX(p, "</strong> con un documento de identidad y el número de seguimiento del "
                                        "transportista",
                                     "</strong> with an ID and the carrier's tracking number"));
            }
            rs_buf_puts(p->b, TX(p, "; después volverá a la tienda.", "; after that it goes back to the shop."));
        } else {
            rs_buf_html(p->b, p->es ? help[i].do_es : help[i].do_en);
        }
        rs_buf_puts(p->b, "</p></section>");
        return;
    }
}

static void promise_block(struct page *p)
{
    json_t *pr = find_promise(p->o);
    const char *st = jstr(p->o, "status");
    char when[300];
    bool ofd = st && strcmp(st, "out_for_delivery") == 0; /* the window, under "arriving today" */
    if (!pr || !(promise_tells(st) || ofd) || !promise_words(p, pr, when, sizeof when))
        return;
    rs_buf_printf(p->b, "<p class=\"promise\"><strong>%s</strong> ", TX(p, "Entrega prevista:", "Expected delivery:"));
    rs_buf_html(p->b, when);
    int64_t likely = jtime(pr, "likely");
    if (likely) {
        char d[96];
        fmt(p, RS_LOCFMT_DAY, likely, d, sizeof d);
        rs_buf_puts(p->b, TX(p, " (lo más probable: ", " (most likely: "));
        rs_buf_html(p->b, d);
        rs_buf_puts(p->b, ")");
    }
    rs_buf_puts(p->b, "</p>");
}

/* The carrier's name for SLUG with BEFORE ahead of it, or nothing at all when the carrier has no
 * name to show (RS_CARRIER_OTHER: the shop named no company). */
static void carrier_name(struct page *p, const char *before, const char *slug)
{
    char name[96];
    if (rs_carrier_name(slug, name, sizeof name)) {
        rs_buf_puts(p->b, before);
        rs_buf_html(p->b, name);
    }
}

static void timeline(struct page *p)
{
    json_t *ships = json_object_get(p->o, "shipments"), *sh;
    size_t i, n = json_array_size(ships);
    rs_buf_printf(p->b, "<section aria-labelledby=\"tl-h\"><h2 id=\"tl-h\">%s</h2>",
                  TX(p, "Historial del envío", "Shipment history"));
    const char *st = jstr(p->o, "status");
    if (n == 0 && st && strcmp(st, "cancelled") == 0)
        rs_buf_printf(p->b, "<p>%s</p>", TX(p, "Este pedido no tiene envíos.", "This order has no shipments."));
    else if (n == 0)
        rs_buf_printf(p->b, "<p>%s</p>",
                      TX(p, "Todavía no hay envíos: la tienda está preparando tu pedido.",
                         "No shipments yet: the shop is preparing your order."));
    json_array_foreach(ships, i, sh) {
        if (n > 1) {
            rs_buf_printf(p->b, "<h3>%s %zu/%zu", TX(p, "Paquete", "Parcel"), i + 1, n);
            carrier_name(p, " · ", jstr(sh, "carrier"));
            rs_buf_puts(p->b, "</h3>");
        } else {
            char name[96];
            bool named = rs_carrier_name(jstr(sh, "carrier"), name, sizeof name) > 0;
            bool number = p->full && jstr(sh, "tracking_number");
            if (named || number) {
                rs_buf_puts(p->b, "<p class=\"carrier\">");
                if (named) {
                    rs_buf_printf(p->b, "%s ", TX(p, "Transportista:", "Carrier:"));
                    rs_buf_html(p->b, name);
                }
                if (number && named)
                    rs_buf_puts(p->b, " · ");
                else if (number)
                    rs_buf_printf(p->b, "%s ", TX(p, "Número de seguimiento:", "Tracking number:"));
                if (number)
                    rs_buf_html(p->b, jstr(sh, "tracking_number"));
                rs_buf_puts(p->b, "</p>");
            }
        }
        json_t *evs = json_object_get(sh, "events");
        if (json_array_size(evs) == 0) {
            rs_buf_printf(p->b, "<p>%s</p>", TX(p, "Sin movimientos todavía.", "No scans yet."));
            continue;
        }
        rs_buf_puts(p->b, "<ol class=\"tl\">");
        for (size_t k = json_array_size(evs); k-- > 0;) {
            json_t *ev = json_array_get(evs, k);
            int64_t t = jtime(ev, "occurred_at");
            char d[96] = "", tm[32] = "", iso[RS_TIME_LEN] = "";
            if (t) {
                fmt(p, RS_LOCFMT_DAY, t, d, sizeof d); /* with the month: a timeline can cross one */
                fmt(p, RS_LOCFMT_TIME, t, tm, sizeof tm);
                rs_time_format(t, 0, iso);
            }
            bool newest = k + 1 == json_array_size(evs);
            rs_buf_puts(p->b, newest ? "<li class=\"last\">" : "<li>");
            rs_buf_puts(p->b, "<strong>");
            /* an older row is past news, whatever its day: an out-for-delivery scan that a failed
             * attempt or the delivery followed today is no longer "arriving today" (no time: never today) */
            rs_buf_html(p->b, status_phrase(p, jstr(ev, "status"), newest ? t : 0));
            rs_buf_puts(p->b, "</strong><br><small><time datetime=\"");
            rs_buf_html(p->b, iso);
            rs_buf_puts(p->b, "\">");
            rs_buf_html(p->b, d);
            rs_buf_puts(p->b, ", ");
            rs_buf_html(p->b, tm);
            rs_buf_puts(p->b, "</time>");
            const char *city = jstr(json_object_get(ev, "location"), "city");
            if (city && *city) {
                rs_buf_puts(p->b, " · ");
                rs_buf_html(p->b, city);
            }
            rs_buf_puts(p->b, "</small>");
            const char *msg = jstr(ev, "message");
            if (msg && *msg) {
                rs_buf_puts(p->b, "<br><span class=\"msg\">");
                rs_buf_html(p->b, msg);
                rs_buf_puts(p->b, "</span>");
            }
            rs_buf_puts(p->b, "</li>");
        }
        rs_buf_puts(p->b, "</ol>");
    }
    rs_buf_puts(p->b, "</section>");
}

static void items(struct page *p)
{
    json_t *its = json_object_get(p->o, "items"), *it;
    size_t i;
    if (!p->full || json_array_size(its) == 0)
        return;
    rs_buf_printf(p->b, "<section aria-labelledby=\"it-h\"><h2 id=\"it-h\">%s", TX(p, "Tu pedido", "Your order"));
    if (jstr(p->o, "order_ref")) {
        rs_buf_puts(p->b, " ");
        rs_buf_html(p->b, jstr(p->o, "order_ref"));
    }
    rs_buf_puts(p->b, "</h2><ul class=\"items\">");
    json_array_foreach(its, i, it) {
        rs_buf_printf(p->b, "<li>%lld × ", (long long)json_integer_value(json_object_get(it, "quantity")));
        rs_buf_html(p->b, jstr(it, "name") ? jstr(it, "name") : jstr(it, "sku"));
        rs_buf_puts(p->b, "</li>");
    }
    rs_buf_puts(p->b, "</ul></section>");
}

/* The query of the page's own links, forms and live refresh: the language, and the second
 * factor only when it matched. A proof that failed (a token past its 30 days, a wrong ?postcode=)
 * is left behind: carried on, every form post, language switch, live refresh and chat poll would
 * count as one more failed look-up and soon lock the customer out with 429s. */
static void page_query(struct page *p, struct rs_req *r, const char *lang)
{
    if (p->full)
        rs_page_query(p->b, r, lang);
    else
        rs_buf_printf(p->b, "?lang=%s", lang);
}

/* The verification box: at the public level, offer the full view for postcode or e-mail. */
static void verify_box(struct page *p, struct rs_req *r)
{
    if (p->full)
        return;
    bool failed = jstr(p->o, "verification") != NULL;
    /* the address held a token that no longer opens the order (expired, or the e-mail or
     * postcode changed): the visitor typed nothing, so "does not match" would puzzle them */
    const char *v = rs_req_query(r, "v"), *qpc = rs_req_query(r, "postcode"), *qem = rs_req_query(r, "email");
    bool stale = failed && v && *v && !(qpc && *qpc) && !(qem && *qem);
    rs_buf_printf(p->b,
                  "<details class=\"verify\"%s><summary>%s</summary><form method=\"post\" "
                  "action=\"/t/%s/verify?lang=%s\">",
                  failed ? " open" : "", TX(p, "Ver todos los detalles del pedido", "See all order details"), p->code,
                  p->es ? "es" : "en");
    if (stale)
        rs_buf_printf(p->b, "<p class=\"err\" role=\"alert\">%s</p>",
                      TX(p, "El enlace a todos los detalles ha caducado o ya no es válido. Escribe otra vez tu código "
                            "postal o tu email.",
                         "The link to all the details has expired or is no longer valid. Enter your postcode or "
                         "e-mail again."));
    else if (failed)
        rs_buf_printf(p->b, "<p class=\"err\" role=\"alert\">%s</p>",
                      TX(p, "Ese código postal o email no coincide con el pedido.",
                         "That postcode or e-mail does not match the order."));
    /* a mismatch posted from this box comes back with what was typed, to correct a typo rather
     * than retype it (in the body of the answer to a post, never in an address) */
    char pc[40] = "", em[320] = "";
    if (failed && r->body) {
        rs_form_get(r->body, r->body_len, "postcode", pc, sizeof pc, NULL);
        rs_form_get(r->body, r->body_len, "email", em, sizeof em, NULL);
    }
    rs_buf_printf(p->b,
                  "<label for=\"v-pc\">%s</label><input id=\"v-pc\" name=\"postcode\" autocomplete=\"postal-code\" "
                  "maxlength=\"16\" value=\"",
                  TX(p, "Código postal de entrega", "Delivery postcode"));
    rs_buf_html(p->b, pc);
    rs_buf_printf(p->b,
                  "\"><label for=\"v-em\">%s</label><input id=\"v-em\" name=\"email\" type=\"email\" "
                  "autocomplete=\"email\" maxlength=\"254\" value=\"",
                  TX(p, "o tu email", "or your e-mail"));
    rs_buf_html(p->b, em);
    rs_buf_printf(p->b, "\"><button type=\"submit\">%s</button></form></details>", TX(p, "Ver detalles", "Show details"));
}

static void action_url(struct page *p, struct rs_req *r, const char *what)
{
    rs_buf_printf(p->b, "/t/%s/%s", p->code, what);
    page_query(p, r, p->es ? "es" : "en");
}

static void updates_form(struct page *p, struct rs_req *r, const char *notice, const char *form_error)
{
    const char *vapid = getenv("RASTRO_VAPID_PUBLIC_KEY");
    rs_buf_printf(p->b, "<section id=\"updates\" aria-labelledby=\"up-h\"><h2 id=\"up-h\">%s</h2>",
                  TX(p, "Recibe avisos", "Get updates"));
    if (notice && strcmp(notice, "updates_on") == 0)
        rs_buf_printf(p->b, "<p class=\"ok\" role=\"status\">%s</p>",
                      TX(p, "Hecho: te avisaremos de cada novedad.", "Done: we will tell you about every change."));
    else if (notice && strcmp(notice, "updates_off") == 0)
        rs_buf_printf(p->b, "<p class=\"ok\" role=\"status\">%s</p>",
                      TX(p, "Hecho: ya no te enviaremos avisos por ese canal.",
                         "Done: we will not send you updates on that channel any more."));
    if (form_error && strcmp(form_error, "updates") == 0)
        rs_buf_printf(p->b, "<p class=\"err\" role=\"alert\">%s</p>",
                      TX(p, "Escribe un email válido (para email) o un teléfono con prefijo, p. ej. +34 600 123 456.",
                         "Enter a valid e-mail (for e-mail) or a phone number with its country code, e.g. +44 7700 900123."));
    else if (form_error && strcmp(form_error, "updates_taken") == 0)
        rs_buf_printf(p->b, "<p class=\"err\" role=\"alert\">%s</p>",
                      TX(p, "Este pedido ya envía avisos a quien lo compró. Si es tu pedido, abre «Ver todos los "
                            "detalles del pedido» y confirma que eres tú para cambiar dónde te avisamos; si no, "
                            "puedes recibir las notificaciones del navegador.",
                         "This order already sends updates to the person who bought it. If it is your order, open "
                         "\"See all order details\" and confirm it is you to change where we tell you; if not, you "
                         "can get browser notifications."));
    rs_buf_puts(p->b, "<form method=\"post\" class=\"card\" action=\"");
    action_url(p, r, "updates");
    rs_buf_puts(p->b, "\"");
    if (vapid && *vapid) {
        rs_buf_puts(p->b, " data-vapid=\"");
        rs_buf_html(p->b, vapid);
        rs_buf_puts(p->b, "\" data-push=\"");
        action_url(p, r, "push");
        rs_buf_puts(p->b, "\"");
    }
    rs_buf_printf(p->b, "><fieldset><legend>%s</legend><div class=\"chans\">",
                  TX(p, "¿Cómo quieres que te avisemos?", "How should we tell you?"));
    static const char *ch[4] = {"email", "sms", "whatsapp", "push"};
    static const char *ch_es[4] = {"Email", "SMS", "WhatsApp", "Notificación del navegador"};
    static const char *ch_en[4] = {"E-mail", "SMS", "WhatsApp", "Browser notification"};
    /* a refused post comes back with what the visitor chose and typed, to correct it, not to
     * start again (a phone typed for SMS must not fall back to the e-mail channel, empty) */
    char chosen[16] = "", typed[256] = "";
    if (form_error && strncmp(form_error, "updates", 7) == 0) {
        rs_form_get(r->body, r->body_len, "channel", chosen, sizeof chosen, NULL);
        rs_form_get(r->body, r->body_len, "contact", typed, sizeof typed, NULL);
    }
    int sel = 0;
    for (int i = 1; i < 3; i++)
        if (strcmp(chosen, ch[i]) == 0)
            sel = i;
    for (int i = 0; i < 4; i++)
        rs_buf_printf(p->b,
                      "<label%s><input type=\"radio\" name=\"channel\" value=\"%s\"%s%s> %s</label>",
                      i == 3 ? " class=\"push\" hidden" : "", ch[i], i == sel ? " checked" : "",
                      i == 3 ? " disabled" : "", p->es ? ch_es[i] : ch_en[i]);
    rs_buf_printf(p->b,
                  "</div></fieldset><label for=\"up-c\">%s</label><input id=\"up-c\" name=\"contact\" maxlength=\"254\" "
                  "autocomplete=\"email\" value=\"",
                  TX(p, "Email o teléfono", "E-mail or phone"));
    rs_buf_html(p->b, typed);
    rs_buf_printf(p->b,
                  "\"%s><p class=\"hint\">%s</p><div class=\"row\"><button type=\"submit\" "
                  "name=\"action\" value=\"start\">%s</button><button type=\"submit\" name=\"action\" value=\"stop\" "
                  "class=\"ghost\">%s</button></div></form></section>",
                  p->full ? "" : " required",
                  p->full ? TX(p, "Déjalo vacío para usar los datos de tu pedido.", "Leave it empty to use your order's details.")
                          : TX(p, "Solo lo usaremos para avisarte de este pedido. Puedes dejarlo cuando quieras.",
                               "We only use it for news about this order. You can stop whenever you like."),
                  TX(p, "Avisarme", "Notify me"), TX(p, "Dejar de avisarme", "Stop updates"));
}

static void report_form(struct page *p, struct rs_req *r, const struct rs_page_incident *incident,
                        const char *form_error)
{
    rs_buf_printf(p->b, "<section id=\"report\" aria-labelledby=\"rp-h\"><h2 id=\"rp-h\">%s</h2>",
                  TX(p, "¿Algún problema?", "Something wrong?"));
    if (incident) {
        rs_buf_printf(p->b, "<div class=\"ok\" role=\"status\"><p><strong>%s ", TX(p, "Recibido. Tu referencia:", "Received. Your reference:"));
        rs_buf_html(p->b, incident->ref);
        rs_buf_printf(p->b, "</strong></p><p>");
        /* the answer time the merchant set for this kind of problem (its SLA), as the message
         * that tells the customer says it, not a fixed "2 working days" */
        char msg[480], when[192];
        rs_incident_answer_words(incident->sla_due_at, rs_now(), incident->zone, p->datefmt, when, sizeof when);
        snprintf(msg, sizeof msg,
                 TX(p, "El equipo de %s lo revisará y te responderá %s. Guarda la referencia por si necesitas escribirnos.",
                    "The %s team will look into it and answer %s. Keep the reference in case you need to write to us."),
                 p->merchant ? p->merchant : "", when);
        rs_buf_html(p->b, msg);
        rs_buf_puts(p->b, "</p></div>");
    }
    /* "report": no kind or no message; "report_contact": a contact nobody could be reached on */
    bool refused = form_error && strncmp(form_error, "report", 6) == 0;
    if (form_error && strcmp(form_error, "report") == 0)
        rs_buf_printf(p->b, "<p class=\"err\" role=\"alert\">%s</p>",
                      TX(p, "Elige qué ha pasado y cuéntanoslo en pocas palabras.",
                         "Choose what happened and tell us in a few words."));
    else if (form_error && strcmp(form_error, "report_contact") == 0)
        rs_buf_printf(p->b, "<p class=\"err\" role=\"alert\">%s</p>",
                      TX(p, "No podríamos responderte ahí: escribe un email válido o un teléfono con su prefijo "
                            "internacional (+34, +52…), p. ej. +34 600 123 456, o déjalo vacío.",
                         "We could not answer you there: enter a valid e-mail or a phone number with its country "
                         "code (+34, +52…), e.g. +34 600 123 456, or leave it empty."));
    rs_buf_printf(p->b, "<details%s><summary>%s</summary><form method=\"post\" class=\"card\" action=\"",
                  refused ? " open" : "",
                  TX(p, "Informar de un problema", "Report a problem"));
    action_url(p, r, "report");
    rs_buf_printf(p->b, "\"><label for=\"rp-t\">%s</label><select id=\"rp-t\" name=\"type\" required>",
                  TX(p, "Qué ha pasado", "What happened"));
    static const char *ty[5] = {"not_arrived", "damaged", "missing_item", "wrong_item", "other"};
    static const char *ty_es[5] = {"No ha llegado", "Ha llegado dañado", "Falta un artículo", "Artículo equivocado", "Otra cosa"};
    static const char *ty_en[5] = {"It has not arrived", "It arrived damaged", "An item is missing", "Wrong item", "Something else"};
    /* a refused report comes back with what was chosen and typed (see updates_form) */
    char chosen[32] = "", typed[RS_INCIDENT_MESSAGE_MAX + 1] = "", contact[256] = "";
    if (refused) {
        rs_form_get(r->body, r->body_len, "type", chosen, sizeof chosen, NULL);
        rs_form_get(r->body, r->body_len, "message", typed, sizeof typed, NULL);
        rs_form_get(r->body, r->body_len, "contact", contact, sizeof contact, NULL);
    }
    for (int i = 0; i < 5; i++)
        rs_buf_printf(p->b, "<option value=\"%s\"%s>%s</option>", ty[i], strcmp(chosen, ty[i]) == 0 ? " selected" : "",
                      p->es ? ty_es[i] : ty_en[i]);
    rs_buf_printf(p->b,
                  "</select><label for=\"rp-m\">%s</label><textarea id=\"rp-m\" name=\"message\" rows=\"4\" "
                  "maxlength=\"2000\" required>",
                  TX(p, "Cuéntanos más", "Tell us more"));
    rs_buf_html(p->b, typed);
    rs_buf_printf(p->b,
                  "</textarea><label for=\"rp-c\">%s</label><input id=\"rp-c\" name=\"contact\" maxlength=\"254\" "
                  "autocomplete=\"email\" value=\"",
                  TX(p, "Email o teléfono para responderte (opcional)", "E-mail or phone to answer you (optional)"));
    rs_buf_html(p->b, contact);
    rs_buf_printf(p->b, "\"><button type=\"submit\">%s</button></form></details></section>", TX(p, "Enviar", "Send"));
}

/* The web chat (POST/GET /t/{code}/chat, http/api_channels.c): web/track.js sends and shows the
 * conversation; without JavaScript the form posts and the page comes back with the transcript. */
static void chat_panel(struct page *p, struct rs_req *r, const char *notice)
{
    rs_buf_printf(p->b, "<section id=\"chat\" aria-labelledby=\"ch-h\"><h2 id=\"ch-h\">%s</h2><p class=\"hint\">%s</p>",
                  TX(p, "Escríbenos", "Chat with us"),
                  TX(p, "Te responde nuestro asistente al momento y, si hace falta, una persona del equipo.",
                     "Our assistant answers right away and, when needed, a person from the team."));
    rs_buf_puts(p->b, "<ol class=\"chat-log\" id=\"chat-log\" aria-live=\"polite\" aria-label=\"");
    rs_buf_puts(p->b, TX(p, "Conversación", "Conversation"));
    rs_buf_puts(p->b, "\" data-src=\"");
    action_url(p, r, "chat");
    rs_buf_printf(p->b, "\" data-you=\"%s\" data-bot=\"%s\" data-agent=\"%s\" data-err=\"%s\">", TX(p, "Tú", "You"),
                  TX(p, "Asistente", "Assistant"), TX(p, "Equipo", "Team"),
                  TX(p, "No se pudo enviar. Prueba de nuevo en un momento.", "Could not send. Please try again in a moment."));
    json_t *t = NULL;
    struct rs_store *s = notice && strcmp(notice, "chat") == 0 && p->ctx.order_id ? rs_server_reader_get(r->srv) : NULL;
    if (s) {
        if (rs_store_webchat_json(s, p->ctx.merchant_id, p->ctx.order_id, p->full, 0, &t) != RS_OK)
            t = NULL;
        rs_server_reader_put(r->srv, s);
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(t, "messages"), i, m) {
        const char *dir = jstr(m, "direction"), *author = jstr(m, "author");
        bool in = dir && strcmp(dir, "in") == 0;
        rs_buf_printf(p->b, "<li class=\"%s\"><span class=\"who\">%s</span> ", in ? "in" : "out",
                      in ? TX(p, "Tú", "You")
                         : author && strcmp(author, "agent") == 0 ? TX(p, "Equipo", "Team") : TX(p, "Asistente", "Assistant"));
        rs_buf_html(p->b, jstr(m, "body"));
        rs_buf_puts(p->b, "</li>");
    }
    json_decref(t);
    rs_buf_puts(p->b, "</ol><form method=\"post\" class=\"card chat-form\" action=\"");
    action_url(p, r, "chat");
    rs_buf_printf(p->b,
                  "\"><label for=\"ch-m\">%s</label><textarea id=\"ch-m\" name=\"body\" rows=\"2\" maxlength=\"2000\" "
                  "required></textarea><button type=\"submit\">%s</button></form></section>",
                  TX(p, "Tu mensaje", "Your message"), TX(p, "Enviar mensaje", "Send message"));
}

/* The merchant's FAQ in the reader's language; written in the other language only, that one
 * (the shop's own answers, rather than generic ones that may contradict its policies), marked
 * with its language and saying so; none at all, the built-in questions. */
static void faq(struct page *p)
{
    const char *other = p->es ? "en" : "es";
    json_t *list = json_object_get(p->ctx.faq, p->es ? "es" : "en");
    bool foreign = false;
    if (!json_is_array(list) || !json_array_size(list)) {
        json_t *o = json_object_get(p->ctx.faq, other);
        if ((foreign = json_is_array(o) && json_array_size(o)))
            list = o;
    }
    rs_buf_printf(p->b, "<section aria-labelledby=\"fq-h\"><h2 id=\"fq-h\">%s</h2>",
                  TX(p, "Preguntas frecuentes", "Frequently asked questions"));
    if (json_is_array(list) && json_array_size(list)) {
        if (foreign)
            rs_buf_printf(p->b, "<p class=\"hint\">%s</p><div lang=\"%s\">",
                          TX(p, "La tienda ha escrito sus preguntas frecuentes solo en inglés.",
                             "The shop wrote its frequently asked questions in Spanish only."),
                          other);
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e) {
            rs_buf_puts(p->b, "<details><summary>");
            rs_buf_html(p->b, jstr(e, "q"));
            rs_buf_puts(p->b, "</summary><p>");
            rs_buf_html(p->b, jstr(e, "a"));
            rs_buf_puts(p->b, "</p></details>");
        }
        if (foreign)
            rs_buf_puts(p->b, "</div>");
    } else {
        static const char *qa_es[][2] = {
            {"¿Cuándo llegará mi pedido?",
             "Arriba ves la fecha prevista y el estado actual. Se actualiza sola en cuanto el transportista da noticias; si quieres, te avisamos por email, SMS, WhatsApp o en el navegador."},
            {"¿Y si no estoy en casa?",
             "El transportista suele intentarlo otra vez o dejarlo en un punto de recogida cercano. Lo verás en esta página con las instrucciones para recogerlo."},
            {"¿Cómo devuelvo un artículo?",
             "Usa «Informar de un problema» y elige «Otra cosa»: la tienda te responderá con los pasos de la devolución."},
        };
        static const char *qa_en[][2] = {
            {"When will my order arrive?",
             "The expected date and the current status are shown above. This page updates itself as soon as the carrier sends news; we can also tell you by e-mail, SMS, WhatsApp or in your browser."},
            {"What if I am not at home?",
             "The carrier usually tries again or leaves it at a nearby pickup point. You will see it on this page with instructions to collect it."},
            {"How do I return an item?",
             "Use \"Report a problem\" and choose \"Something else\": the shop will answer with the return steps."},
        };
        for (int i = 0; i < 3; i++) {
            rs_buf_puts(p->b, "<details><summary>");
            rs_buf_html(p->b, p->es ? qa_es[i][0] : qa_en[i][0]);
            rs_buf_puts(p->b, "</summary><p>");
            rs_buf_html(p->b, p->es ? qa_es[i][1] : qa_en[i][1]);
            rs_buf_puts(p->b, "</p></details>");
        }
    }
    rs_buf_puts(p->b, "</section>");
}

static bool http_url(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0 || (u[0] == '/' && u[1] != '/'));
}

static void promotion(struct page *p)
{
    json_t *pr = p->ctx.promotion;
    if (!json_is_object(pr))
        return;
    int64_t now = rs_now(), a = jtime(pr, "starts_at"), z = jtime(pr, "ends_at");
    if ((a && now < a) || (z && now > z))
        return;
    const char *text = jstr(json_object_get(pr, "text"), p->locale);
    bool other = !text || !*text; /* only the other language's text: say so for screen readers */
    if (other)
        text = jstr(json_object_get(pr, "text"), p->es ? "en" : "es");
    if (!text || !*text)
        return;
    const char *link = jstr(pr, "link"), *img = jstr(pr, "image_url");
    rs_buf_printf(p->b, "<aside class=\"promo\" aria-label=\"%s\">", TX(p, "Promoción", "Promotion"));
    if (http_url(img)) {
        rs_buf_puts(p->b, "<img src=\"");
        rs_buf_html(p->b, img);
        rs_buf_puts(p->b, "\" alt=\"\" width=\"64\" height=\"64\" loading=\"lazy\">");
    }
    rs_buf_puts(p->b, other ? (p->es ? "<p lang=\"en\">" : "<p lang=\"es\">") : "<p>");
    if (http_url(link)) {
        rs_buf_puts(p->b, "<a href=\"");
        rs_buf_html(p->b, link);
        rs_buf_puts(p->b, "\" rel=\"noopener\">");
        rs_buf_html(p->b, text);
        rs_buf_puts(p->b, "</a>");
    } else {
        rs_buf_html(p->b, text);
    }
    rs_buf_puts(p->b, "</p></aside>");
}

/* "#rgb" / "#rrggbb" → r, g, b; false otherwise. */
static bool parse_color(const char *s, int rgb[3])
{
    if (!s || s[0] != '#')
        return false;
    size_t n = strlen(s + 1);
    if (n != 3 && n != 6)
        return false;
    for (size_t i = 1; i <= n; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    unsigned v[6];
    for (size_t i = 0; i < n; i++) {
        char c = s[1 + i];
        v[i] = (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
    }
    for (int k = 0; k < 3; k++)
        rgb[k] = n == 3 ? (int)(v[k] * 17) : (int)(v[2 * k] * 16 + v[2 * k + 1]);
    return true;
}

/* Relative luminance (WCAG 2.1) of an sRGB colour, × 10000. */
static double luminance(const int rgb[3])
{
    double l[3];
    for (int k = 0; k < 3; k++) {
        double c = rgb[k] / 255.0;
        l[k] = c <= 0.04045 ? c / 12.92 : __builtin_pow((c + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

/* The lightest background a link of the page sits on (the green of a confirmation, #e8f5ef, is
 * darker than the page's #f5f6f8 and the cards' white): relative luminance. */
#define LINK_BG_LUMINANCE 0.887

/* The brand colour as link text (--brand-ink): the colour itself when it reads at WCAG AA (4.5:1)
 * on the page's light backgrounds, else the same hue darkened until it does (a yellow or pastel
 * brand would leave links and the promotion unreadable). */
static void brand_ink(const int rgb[3], int out[3])
{
    for (int step = 50; step >= 0; step--) {
        for (int k = 0; k < 3; k++)
            out[k] = rgb[k] * step / 50;
        if ((LINK_BG_LUMINANCE + 0.05) / (luminance(out) + 0.05) >= 4.5)
            return;
    }
}

/* CSS custom properties for the brand: the colour, text on it in black or white, whichever
 * contrasts more (so any merchant colour passes WCAG AA for large text, usually for body text),
 * and the primary colour as link text on the page's light backgrounds (brand_ink). */
static void brand_style(struct page *p)
{
    json_t *br = p->ctx.branding;
    int rgb[3];
    const char *names[2] = {"primary_color", "accent_color"};
    const char *vars[2] = {"--brand", "--accent"};
    bool opened = false;
    for (int i = 0; i < 2; i++) {
        const char *c = jstr(br, names[i]);
        if (!parse_color(c, rgb))
            continue;
        if (!opened)
            rs_buf_puts(p->b, " style=\"");
        opened = true;
        double L = luminance(rgb);
        bool dark_text = (L + 0.05) / 0.05 > 1.05 / (L + 0.05);
        rs_buf_printf(p->b, "%s:#%02x%02x%02x;%s-fg:%s;", vars[i], rgb[0], rgb[1], rgb[2], vars[i],
                      dark_text ? "#111" : "#fff");
        if (i == 0) {
            int ink[3];
            brand_ink(rgb, ink);
            rs_buf_printf(p->b, "--brand-ink:#%02x%02x%02x;", ink[0], ink[1], ink[2]);
        }
    }
    if (opened)
        rs_buf_puts(p->b, "\"");
}

void rs_page_render(struct rs_req *r, json_t *o, int status, const char *notice,
                    const struct rs_page_incident *incident, const char *form_error)
{
    struct rs_buf b;
    rs_buf_init(&b);
    struct page pg = {.b = &b, .o = o};
    struct page *p = &pg;
    p->locale = rs_page_locale(r, o, p->datefmt);
    p->es = strcmp(p->locale, "es") == 0;
    json_t *m = json_object_get(o, "merchant");
    /* times in the customer's zone (a shop in Madrid, a customer in Mexico City: the scan at
     * 09:00 there is not "16:00", and "today" is their today): the one the order's JSON
     * carries, chosen by util/tz.h rs_tz_customer_zone like messages and the bot */
    const char *cz = jstr(o, "timezone");
    p->zone = cz && *cz ? cz : jstr(m, "timezone") ? jstr(m, "timezone") : "UTC";
    p->code = jstr(o, "tracking_code");
    p->full = rs_track_full(o);
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (s) {
        if (rs_store_page_ctx(s, p->code, &p->ctx) != RS_OK)
            memset(&p->ctx, 0, sizeof p->ctx);
        rs_server_reader_put(r->srv, s);
    }
    const char *display = jstr(p->ctx.branding, "display_name");
    p->merchant = display && *display ? display : jstr(m, "name");

    rs_buf_printf(&b, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
                  p->locale);
    rs_buf_html(&b, order_phrase(p));
    rs_buf_puts(&b, " · ");
    rs_buf_html(&b, p->merchant);
    rs_buf_printf(&b, "</title><meta name=\"description\" content=\"%s\">"
                      "<meta name=\"robots\" content=\"noindex\"><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/page.css\">"
                      "<script src=\"/static/track.js\" defer></script></head><body",
                  TX(p, "Sigue tu pedido", "Track your order"));
    brand_style(p);
    rs_buf_puts(&b, "><header class=\"top\"><div class=\"wrap bar\"><p class=\"brand\">");
    const char *logo = jstr(p->ctx.branding, "logo_url");
    if (http_url(logo)) {
        rs_buf_puts(&b, "<img src=\"");
        rs_buf_html(&b, logo);
        rs_buf_puts(&b, "\" alt=\"\" height=\"32\">");
    }
    rs_buf_html(&b, p->merchant);
    rs_buf_printf(&b, "</p><nav aria-label=\"%s\"><a href=\"/t/%s", TX(p, "Idioma", "Language"), p->code);
    page_query(p, r, p->es ? "en" : "es");
    rs_buf_printf(&b, "\" hreflang=\"%s\" lang=\"%s\">%s</a></nav></div></header>", p->es ? "en" : "es",
                  p->es ? "en" : "es", p->es ? "English" : "Español");
    rs_buf_puts(&b, "<main class=\"wrap\">");
    promotion(p);
    rs_buf_puts(&b, "<div id=\"live\" data-src=\"/t/");
    rs_buf_puts(&b, p->code);
    page_query(p, r, p->locale);
    rs_buf_printf(&b, "\" data-stream=\"/t/%s/stream\">", p->code);
    headline(p);
    steps(p);
    problem_box(p);
    promise_block(p);
    timeline(p);
    items(p);
    rs_buf_printf(&b, "<p class=\"code\">%s <strong>", TX(p, "Código de seguimiento:", "Tracking code:"));
    rs_buf_html(&b, p->code);
    rs_buf_puts(&b, "</strong></p></div><p id=\"announce\" class=\"sr\" aria-live=\"polite\"></p>");
    verify_box(p, r);
    updates_form(p, r, notice, form_error);
    report_form(p, r, incident, form_error);
    chat_panel(p, r, notice);
    faq(p);
    rs_buf_printf(&b, "</main><footer class=\"wrap foot\"><p><a href=\"/track?lang=%s\">%s</a></p><p>", p->locale,
                  TX(p, "¿Buscas otro pedido?", "Looking for another order?"));
    rs_buf_html(&b, p->merchant);
    rs_buf_puts(&b, TX(p, " · seguimiento con Rastro, sin cookies ni rastreadores", " · tracking by Rastro, no cookies, no trackers"));
    rs_buf_puts(&b, "</p></footer></body></html>");
    rs_page_ctx_release(&p->ctx);
    size_t len;
    char *html = rs_buf_detach(&b, &len);
    rs_page_reply_html(r, status, html, len);
    free(html);
}

/* Cache key: what the page depends on besides the data: code as typed, language as asked
 * with its region (query, else Accept-Language's choice, else "" for the order's and the
 * merchant's default, the same for every visit of a code), second factor. */
static void cache_key(struct rs_req *r, char *key, size_t cap)
{
    char l[RS_PAGE_TAG] = "";
    if (rs_page_lang_asked(r)) /* with its region: "en-US" writes dates its own way */
        rs_page_locale(r, NULL, l);
    struct rs_track_proof pf = rs_track_proof_query(r);
    snprintf(key, cap, "%s|%s|%s|%s|%.30s", r->params[0], l, pf.postcode ? pf.postcode : "",
             pf.email ? pf.email : "", pf.v ? pf.v : "");
}

void rs_page_lookup_failed(struct rs_req *r, int st)
{
    bool es = rs_page_want_spanish(r, NULL);
    if (st == 429) {
        rs_page_rate_blocked(r, true);
        return;
    }
    /* turn the JSON error into a page a person can read */
    json_t *err = r->resp ? json_loads(r->resp, 0, NULL) : NULL;
    const char *code = jstr(json_object_get(err, "error"), "code");
    const char *msg;
    if (code && strcmp(code, "tracking_code_typo") == 0)
        msg = es ? "Ese código tiene un error de tecleo: un carácter está mal o dos están cambiados de sitio. "
                   "Compáralo con tu email o SMS."
                 : "That code has a typing mistake: one character is wrong or two are swapped. Check it against "
                   "your e-mail or SMS.";
    else if (code && strcmp(code, "invalid_tracking_code") == 0)
        msg = es ? "Eso no parece un código de seguimiento. Los códigos son así: RX-7K4Q-9PZD-M3TXW."
                 : "That does not look like a tracking code. Codes look like this: RX-7K4Q-9PZD-M3TXW.";
    else if (st == 404)
        msg = es ? "No hay ningún pedido con ese código. Si lo copiaste de un mensaje, revisa que esté completo o "
                   "búscalo con tu número de pedido y tu email."
                 : "No order has that code. If you copied it from a message, check it is complete, or find your "
                   "order with its number and your e-mail.";
    else
        msg = es ? "No podemos mostrar el pedido ahora mismo. Prueba de nuevo en un momento."
                 : "We cannot show the order right now. Please try again in a moment.";
    json_decref(err);
    if (st >= 500)
        rs_page_message(r, st, es, es ? "No disponible ahora mismo" : "Not available right now", msg);
    else
        rs_page_message(r, st, es, es ? "No encontramos ese pedido" : "We could not find that order", msg);
}

void rs_page_track(struct rs_req *r)
{
    const char *notice = rs_req_query(r, "notice");
    char key[640];
    cache_key(r, key, sizeof key);
    uint64_t total = rs_bus_total(); /* read before the look-up: a write during it invalidates */
    char *cached;
    size_t clen;
    if (!notice && !rs_page_rate_blocked(r, true) && rs_page_cache_get(key, total, &cached, &clen)) {
        rs_page_reply_html(r, 200, cached, clen);
        free(cached);
        return;
    }
    if (r->status == 429)
        return;
    json_t *o = NULL;
    struct rs_track_proof pf = rs_track_proof_query(r);
    char token[RS_TRACK_TOKEN_LEN];
    int st = rs_track_lookup(r, r->params[0], &pf, &o, token);
    if (st == 200 && !(pf.v && *pf.v) && rs_track_full(o)) {
        /* proved with the e-mail or postcode in the address (an old link, a bookmark): the
         * same page at an address with the token instead, so they leave the address bar */
        rs_track_redirect_verified(r, jstr(o, "tracking_code"), rs_req_query(r, "lang") ? rs_page_lang_asked(r) : NULL,
                                   token, notice);
        json_decref(o);
        return;
    }
    if (st != 200) {
        rs_page_lookup_failed(r, st);
        return;
    }
    rs_page_render(r, o, 200, notice, NULL, NULL);
    if (!notice && r->status == 200 && !json_object_get(o, "verification"))
        rs_page_cache_put(key, total, r->resp, r->resp_len);
    json_decref(o);
}

/* POST /t/{code}/verify (the verification box, a form): the postcode or e-mail travels in the
 * body, never in an address; a match answers 303 to the page with the token (v=), a mismatch
 * the page again with the box open and its message (422). */
void rs_page_verify_post(struct rs_req *r)
{
    char pc[40] = "", em[320] = "";
    rs_form_get(r->body, r->body_len, "postcode", pc, sizeof pc, NULL);
    rs_form_get(r->body, r->body_len, "email", em, sizeof em, NULL);
    struct rs_track_proof pf = {pc, em, NULL};
    json_t *o = NULL;
    char token[RS_TRACK_TOKEN_LEN];
    int st = rs_track_lookup(r, r->params[0], &pf, &o, token);
    if (st != 200) {
        rs_page_lookup_failed(r, st);
        return;
    }
    if (rs_track_full(o)) {
        rs_track_redirect_verified(r, jstr(o, "tracking_code"), rs_req_query(r, "lang") ? rs_page_lang_asked(r) : NULL,
                                   token, NULL);
    } else {
        if (!json_object_get(o, "verification")) /* neither field filled in */
            json_object_set_new(o, "verification", json_string("failed"));
        rs_page_render(r, o, 422, NULL, NULL, NULL);
    }
    json_decref(o);
}
