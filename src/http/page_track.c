/* page_track.c — GET /t/{tracking_code}: the public tracking page, server-rendered, in Spanish
 * or English (?lang=, else Accept-Language, else the merchant's locale). Every text that comes
 * from a merchant, a carrier or a customer is HTML-escaped. */
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"
#include "http/track.h"
#include "util/buf.h"

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

static bool want_spanish(struct rs_req *r, json_t *order)
{
    const char *q = rs_req_query(r, "lang");
    if (q)
        return strncmp(q, "en", 2) != 0;
    const char *al = rs_req_header(r, "Accept-Language");
    if (al) {
        const char *es = strstr(al, "es"), *en = strstr(al, "en");
        if (es || en)
            return es && (!en || es < en);
    }
    const char *ml = json_string_value(json_object_get(json_object_get(order, "merchant"), "locale"));
    return !ml || strncmp(ml, "en", 2) != 0;
}

void rs_page_track(struct rs_req *r)
{
    json_t *o = NULL;
    int st = rs_track_lookup(r, r->params[0], rs_req_query(r, "postcode"), rs_req_query(r, "email"), &o);
    if (st != 200) {
        /* turn the JSON error into a small page a person can read */
        json_t *err = r->resp ? json_loads(r->resp, 0, NULL) : NULL;
        const char *msg = json_string_value(json_object_get(json_object_get(err, "error"), "message"));
        struct rs_buf b;
        rs_buf_init(&b);
        rs_buf_puts(&b, "<!doctype html><html lang=\"es\"><meta charset=\"utf-8\"><meta name=\"viewport\" "
                        "content=\"width=device-width,initial-scale=1\"><title>Rastro</title><main><h1>"
                        "No encontramos ese pedido · We could not find that order</h1><p>");
        rs_buf_html(&b, msg);
        rs_buf_puts(&b, "</p></main></html>");
        json_decref(err);
        size_t len;
        char *html = rs_buf_detach(&b, &len);
        rs_reply_text(r, st, "text/html; charset=utf-8", html, len);
        free(html);
        return;
    }
    bool es = want_spanish(r, o);
    const char *merchant = json_string_value(json_object_get(json_object_get(o, "merchant"), "name"));
    const char *code = json_string_value(json_object_get(o, "tracking_code"));
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
                  es ? "es" : "en");
    rs_buf_html(&b, code);
    rs_buf_puts(&b, " · ");
    rs_buf_html(&b, merchant);
    rs_buf_puts(&b, "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:auto;padding:1rem;"
                    "color:#1a1a1a}ol{padding-left:1.2rem}li{margin:.4rem 0}small{color:#555}</style></head><body>"
                    "<header><p>");
    rs_buf_html(&b, merchant);
    rs_buf_puts(&b, "</p></header><main><h1>");
    rs_buf_html(&b, phrase(json_string_value(json_object_get(o, "status")), es));
    rs_buf_puts(&b, "</h1><p>");
    rs_buf_puts(&b, es ? "Código de seguimiento: " : "Tracking code: ");
    rs_buf_html(&b, code);
    rs_buf_puts(&b, "</p>");
    size_t i, k;
    json_t *sh, *ev;
    json_array_foreach(json_object_get(o, "shipments"), i, sh) {
        rs_buf_puts(&b, "<section><h2>");
        rs_buf_html(&b, json_string_value(json_object_get(sh, "carrier")));
        rs_buf_puts(&b, "</h2><ol reversed>");
        json_t *evs = json_object_get(sh, "events");
        for (k = json_array_size(evs); k-- > 0;) {
            ev = json_array_get(evs, k);
            rs_buf_puts(&b, "<li><strong>");
            rs_buf_html(&b, phrase(json_string_value(json_object_get(ev, "status")), es));
            rs_buf_puts(&b, "</strong> <small><time>");
            rs_buf_html(&b, json_string_value(json_object_get(ev, "occurred_at")));
            rs_buf_puts(&b, "</time> ");
            rs_buf_html(&b, json_string_value(json_object_get(json_object_get(ev, "location"), "city")));
            rs_buf_puts(&b, "</small>");
            const char *msg = json_string_value(json_object_get(ev, "message"));
            if (msg) {
                rs_buf_puts(&b, "<br>");
                rs_buf_html(&b, msg);
            }
            rs_buf_puts(&b, "</li>");
        }
        rs_buf_puts(&b, "</ol></section>");
    }
    rs_buf_puts(&b, "</main></body></html>");
    json_decref(o);
    size_t len;
    char *html = rs_buf_detach(&b, &len);
    rs_reply_text(r, 200, "text/html; charset=utf-8", html, len);
    free(html);
}
