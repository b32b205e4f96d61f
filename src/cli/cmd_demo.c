/* cmd_demo.c — `rastro demo`: a demo merchant with orders in every interesting state, dated
 * around today, loaded through the same CSV import path as real data, and a promise model learnt
 * from a year of (synthetic) past deliveries, so every shipment shows its delivery window. Prints
 * a fresh API key and the tracking links. Running it again keeps the data (imports are
 * idempotent, the model is kept) and issues a new key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_auth.h"
#include "app/conv.h"
#include "app/import.h"
#include "app/ingest.h"
#include "app/keys.h"
#include "app/promise_io.h"
#include "app/promise_service.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "core/calendar.h"
#include "core/promise.h"
#include "store/store_agent.h"
#include "store/store_promise.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define DAY 86400

struct demo_ev {
    int order;     /* index into orders */
    int shipment;  /* 0 or 1 */
    double at_day; /* days relative to now */
    const char *status, *substatus, *message, *city;
};

/* The point where a demo parcel waits to be collected (its available_for_pickup scan names it). */
static const struct {
    int order, shipment;
    const char *name, *address;
    int days; /* its last day, days from today */
} pickups[] = {
    {6, 1, "SEUR Pickup Estanco Indautxu", "Calle Iparraguirre 40, 48011 Bilbao", 7},
};

static const struct {
    const char *ref, *name, *email, *phone, *locale, *channel, *postcode, *city, *region, *status, *items;
    double placed_day;
    const char *carrier[2], *number[2];
    const char *origin; /* the shipments' "postcode,region,country" (the shop ships from Madrid) */
} orders[] = {
    {"SOL-1001", "Ana García", "ana@example.com", "+34600111001", "es", "email", "28013", "Madrid", "Madrid", "",
     "TAZA-01:2;CAFE-250:1", -5, {"correos", NULL}, {"PQ4A1B2C3D4E5F28013", NULL}, "28001,Madrid,ES"},
    {"SOL-1002", "Luis Pérez", "luis@example.com", "+34600111002", "es", "whatsapp", "08001", "Barcelona",
     "Barcelona", "", "TETERA-02:1", -2.5, {"seur", NULL}, {"SEUR0102030405", NULL}, "28001,Madrid,ES"},
    {"SOL-1003", "Marta Ruiz", "marta@example.com", "+34600111003", "es", "sms", "41001", "Sevilla", "Sevilla", "",
     "CAFE-1KG:2", -1.5, {"mrw", NULL}, {"MRW0603112233", NULL}, "28001,Madrid,ES"},
    {"SOL-1004", "John Smith", "john@example.com", "+447700900004", "en", "email", "46001", "Valencia",
     "Valencia", "", "MOLINILLO-PRO:1", -6, {"dhl_express", NULL}, {"1234567890", NULL}, "10001,New York,US"},
    {"SOL-1005", "Lucía Fernández", "lucia@example.com", "+34600111005", "es", "email", "50001", "Zaragoza",
     "Zaragoza", "processing", "TAZA-01:4", -0.3, {NULL, NULL}, {NULL, NULL}, NULL},
    {"SOL-1006", "Emma Wilson", "emma@example.com", "+447700900006", "en", "sms", "29001", "Málaga", "Málaga", "",
     "CAFE-250:3", -3, {"gls", NULL}, {"GLS55501234567", NULL}, "28001,Madrid,ES"},
    {"SOL-1007", "Carlos López", "carlos@example.com", "+34600111007", "es", "email", "48001", "Bilbao", "Bizkaia",
     "", "CAFETERA-X:1;TAZA-01:2", -4, {"correos", "seur"}, {"PQ4A9Z8Y7X6W5V48001", "SEUR0908070605"}, "28001,Madrid,ES"},
};

static const struct demo_ev events[] = {
    {0, 0, -4.8, "info_received", "", "Prerregistrado", "Madrid"},
    {0, 0, -4.2, "in_transit", "picked_up", "Admitido", "Madrid"},
    {0, 0, -3.5, "in_transit", "arrived_at_facility", "En tránsito - Centro de tratamiento", "Madrid"},
    {0, 0, -2.2, "out_for_delivery", "", "En proceso de entrega", "Madrid"},
    {0, 0, -2.0, "delivered", "to_neighbour", "Entregado a vecino", "Madrid"},
    {1, 0, -2.0, "in_transit", "picked_up", "Recogido por SEUR", "Madrid"},
    {1, 0, -1.0, "in_transit", "arrived_at_facility", "En plataforma de destino", "Barcelona"},
    {1, 0, -0.1, "out_for_delivery", "", "En reparto", "Barcelona"},
    {2, 0, -1.0, "in_transit", "picked_up", "Admitido en origen", "Madrid"},
    {2, 0, -0.4, "in_transit", "departed_facility", "Salida de plataforma", "Madrid"},
    {3, 0, -5.0, "in_transit", "picked_up", "Shipment picked up", "New York"},
    {3, 0, -3.0, "in_transit", "arrived_destination_country", "Arrived at Sort Facility MADRID - SPAIN", "Madrid"},
    {3, 0, -2.0, "exception", "customs_hold", "Customs status updated: duties payable by receiver", "Madrid"},
    {5, 0, -2.0, "in_transit", "picked_up", "Parcel received at GLS depot", "Madrid"},
    {5, 0, -0.5, "out_for_delivery", "", "Out for delivery", "Málaga"},
    {5, 0, -0.3, "attempt_failed", "recipient_absent", "Consignee not at home - card left", "Málaga"},
    {6, 0, -3.5, "in_transit", "picked_up", "Admitido", "Madrid"},
    {6, 0, -1.2, "delivered", "left_at_door", "Entregado", "Bilbao"},
    {6, 1, -2.0, "in_transit", "picked_up", "Recogido por SEUR", "Madrid"},
    {6, 1, -0.5, "in_transit", "arrived_at_facility", "En plataforma de destino", "Bilbao"},
    {6, 1, -0.2, "available_for_pickup", "at_pickup_point", "Disponible para recoger en SEUR Pickup", "Bilbao"},
};

/* The demo parcel in transit whose carrier has since said it comes later than the shop's promise
 * (docs/promise.md, "The carrier's estimate"): the promise follows it, with the history reason
 * carrier_estimate, and its tracking page says the date changed. Once: a second run leaves it. */
#define DEMO_ETA_ORDER 2

static enum rs_err demo_carrier_estimate(struct rs_store *s, int64_t mid, int64_t now)
{
    struct rs_shipment_key k;
    struct rs_promise_ship sh;
    enum rs_err e = rs_store_shipment_find(s, mid, orders[DEMO_ETA_ORDER].carrier[0],
                                           orders[DEMO_ETA_ORDER].number[0], &k);
    if (!e)
        e = rs_store_promise_ship_get(s, k.id, &sh);
    if (e || !sh.has_promise || sh.eta_from >= 0)
        return e == RS_ENOTFOUND ? RS_OK : e;
    char from[11], to[11];
    rs_date_format(sh.promise.latest + 1, from);
    rs_date_format(sh.promise.latest + 2, to);
    struct rs_eta_in eta = {.from = from, .to = to, .as_of = now};
    if ((e = rs_store_begin(s)))
        return e;
    if ((e = rs_app_shipment_eta(s, k.id, &eta, now, NULL))) {
        rs_store_rollback(s);
        return e;
    }
    return rs_store_commit(s);
}

static void csv_field(struct rs_buf *b, const char *s)
{
    rs_buf_puts(b, "\"");
    for (; s && *s; s++)
        rs_buf_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    rs_buf_puts(b, "\",");
}

static void when(int64_t now, double day, char out[RS_TIME_LEN])
{
    rs_time_format(now + (int64_t)(day * DAY), 60, out); /* the demo shop is in Madrid (CET) */
}

/* The demo's promise model: what Tienda Sol's last year of deliveries would have taught the
 * engine (synthetic, but shaped like a Spanish shop's: dispatched the same business day before the
 * 14:00 cut-off, one or two days in transit by distance, slower with Correos, a tail of late
 * parcels), learnt exactly as `rastro promise train` learns a history file. Seeded: every run
 * makes the same model. DHL's international lane is left out, so that shipment shows the
 * low-confidence promise of a lane the shop has no history for. */
static const struct {
    const char *region, *postcode;
    int transit; /* business days from Madrid, most parcels */
} demo_lanes[] = {{"Madrid", "28013", 1},  {"Barcelona", "08001", 2}, {"Sevilla", "41001", 2},
                  {"Valencia", "46001", 2}, {"Zaragoza", "50001", 2}, {"Málaga", "29001", 3},
                  {"Bizkaia", "48001", 2}};
static const char *const demo_carriers[] = {"correos", "seur", "mrw", "gls"};

static uint32_t demo_rand(uint32_t *x) /* xorshift32: reproducible, not for secrets */
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

#define DEMO_HISTORY 1500

static enum rs_err demo_promise(struct rs_store *s, int64_t mid, int64_t now, int *learnt)
{
    *learnt = 0;
    int64_t version;
    enum rs_err e = rs_store_promise_model_version(s, mid, &version, NULL);
    if (e != RS_ENOTFOUND)
        return e; /* a second run keeps the model (and what it learnt since) */
    struct rs_promise_settings st;
    if ((e = rs_store_promise_settings_get(s, mid, &st)))
        return e;
    memcpy(st.country, "ES", 3);
    memcpy(st.cutoff, "14:00", 6);
    struct rs_calendar cal;
    rs_promise_calendar(&st, "ES", &cal);
    struct rs_promise_model *m = malloc(sizeof *m);
    if (!m)
        return RS_ENOMEM;
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    p.confidence = st.confidence;
    rs_promise_model_init(m, &p);
    int64_t today;
    int minute;
    rs_cal_local(now, 60, &today, &minute); /* the demo shop is in Madrid */
    uint32_t x = 20261206u;
    for (int i = 0; i < DEMO_HISTORY; i++) {
        int l = (int)(demo_rand(&x) % (sizeof demo_lanes / sizeof demo_lanes[0]));
        int c = (int)(demo_rand(&x) % (sizeof demo_carriers / sizeof demo_carriers[0]));
        struct rs_promise_obs o = {
            .lane = {"ES", "Madrid", "ES", demo_lanes[l].region, demo_carriers[c], "", "28001",
                     demo_lanes[l].postcode},
            .placed_day = today - 365 + (int64_t)i * 358 / DEMO_HISTORY, /* the last a week ago */
            .placed_minute = 8 * 60 + (int)(demo_rand(&x) % (14 * 60)),
        };
        int64_t start = rs_calendar_start_day(&cal, o.placed_day, o.placed_minute);
        int h = demo_rand(&x) % 100 < 15; /* a busy day: out the next business day */
        o.shipped_day = rs_calendar_add_business_days(&cal, start, h);
        uint32_t r = demo_rand(&x) % 100;
        int t = demo_lanes[l].transit + (c == 0 && r % 2) + (r < 25) + (r < 6 ? 2 + (int)(r % 3) : 0);
        o.delivered_day = rs_calendar_add_business_days(&cal, o.shipped_day, t);
        if (rs_promise_learn(m, &cal, &o, true) == RS_OK)
            (*learnt)++;
    }
    char *text = NULL;
    if (!(e = rs_promise_to_text(m, &text)) && !(e = rs_store_promise_settings_put(s, mid, &st, now)))
        e = rs_store_promise_model_put(s, mid, text, m->n_learned, "demo", now, &version);
    free(text);
    free(m);
    return e;
}

/* The demo's support side: an agent account for /console (its password is new on every run and
 * printed, so `make run` always shows one that works) and a few customer messages on the
 * tracking pages' web chat, so the console has a bot answer, an incident and a hand-over to
 * look at. Messages carry fixed provider ids: a second run records nothing twice. */
static const struct {
    int order;
    const char *id, *text, *locale;
} chats[] = {
    {1, "demo-chat-1", "hola, ¿dónde está mi pedido?", "es"},
    {2, "demo-chat-2", "no me ha llegado nada todavía y lo necesito para el viernes", "es"},
    {5, "demo-chat-3", "Hi, I want to talk to a person please", "en"},
};

static enum rs_err demo_support(struct rs_store *s, int64_t mid, char password[21])
{
    struct rs_kdf_params kp;
    char phc[RS_PHC_MAX];
    rs_kdf_params_get(&kp);
    rs_password_generate(password);
    enum rs_err e = rs_password_hash(password, &kp, phc);
    if (e)
        return e;
    int64_t now = rs_now();
    if ((e = rs_store_begin(s)))
        return e;
    struct rs_agent a;
    e = rs_store_agent_by_email(s, "agente@tienda-sol.example", &a);
    if (e == RS_OK) {
        e = rs_store_agent_set_password(s, a.id, phc);
    } else if (e == RS_ENOTFOUND) {
        struct rs_agent n = {.merchant_id = mid};
        snprintf(n.email, sizeof n.email, "agente@tienda-sol.example");
        snprintf(n.name, sizeof n.name, "Agente Demo");
        snprintf(n.role, sizeof n.role, "admin");
        snprintf(n.locale, sizeof n.locale, "es");
        snprintf(n.password_hash, sizeof n.password_hash, "%s", phc);
        int64_t id;
        e = rs_store_agent_create(s, &n, now, &id);
    }
    for (size_t i = 0; !e && i < sizeof chats / sizeof chats[0]; i++) {
        struct rs_order_key ok;
        if ((e = rs_store_order_find(s, mid, orders[chats[i].order].ref, &ok)))
            break;
        struct rs_inbound_msg in = {.merchant_id = mid, .channel = "webchat", .order_id = ok.id, .verified = true,
                                    .body = chats[i].text, .body_len = strlen(chats[i].text),
                                    .provider_msg_id = chats[i].id, .locale = chats[i].locale};
        struct rs_inbound_result res;
        e = rs_conv_inbound(s, &in, now, &res);
    }
    if (e) {
        rs_store_rollback(s);
        return e;
    }
    return rs_store_commit(s);
}

int rs_cmd_demo(int argc, char **argv)
{
    const char *db = NULL, *base = getenv("RASTRO_BASE_URL");
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--base-url", &base))
            continue;
        if (strcmp(argv[i], "--help") != 0 && strcmp(argv[i], "-h") != 0)
            fprintf(stderr, "rastro demo: unknown option %s\n", argv[i]);
        fprintf(stderr, "usage: rastro demo [--db URL] [--base-url URL]\n"
                        "  fills the database with a demo shop (orders, events, a promise model, an agent)\n"
                        "  and prints its API key, tracking links and the agent's password\n"
                        "example: rastro demo --db var/rastro.db && rastro serve --db var/rastro.db\n");
        return 2;
    }
    if (!base || !*base)
        base = "http://127.0.0.1:8080";
    struct rs_store *s = NULL;
    char err[512];
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro demo: %s\n", err);
        return 1;
    }
    /* the demo merchant: reuse it when it exists */
    json_t *list = NULL;
    int64_t mid = 0;
    if (rs_store_merchant_list(s, &list) == RS_OK) {
        size_t i;
        json_t *m;
        json_array_foreach(list, i, m) if (strcmp(json_string_value(json_object_get(m, "name")), "Tienda Sol") == 0)
            mid = json_integer_value(json_object_get(m, "id"));
    }
    json_decref(list);
    char key[RS_KEY_LEN], quote_key[RS_KEY_LEN];
    int64_t now = rs_now();
    enum rs_err e = rs_store_begin(s);
    if (!e)
        e = mid ? rs_app_key_create(s, mid, RS_SCOPES_SECRET, now, key)
                : rs_app_merchant_create(s, "Tienda Sol", RS_SCOPES_SECRET, now, &mid, key);
    if (!e) /* the publishable key of the shop's pages (the widget, scripts/demo-shop.html) */
        e = rs_app_key_create(s, mid, RS_SCOPE_QUOTE, now, quote_key);
    if (!e)
        e = rs_store_commit(s);
    if (e) {
        fprintf(stderr, "rastro demo: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        rs_store_close(s);
        return 1;
    }

    /* the model first, so the shipments get their promise as they are imported */
    int learnt = 0;
    if (!(e = rs_store_begin(s))) {
        e = demo_promise(s, mid, now, &learnt);
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
    }
    if (e) {
        fprintf(stderr, "rastro demo: promise model: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        rs_store_close(s);
        return 1;
    }

    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_puts(&b, "order_ref,placed_at,order_status,customer_name,customer_email,customer_phone,customer_locale,"
                    "preferred_channel,destination_postal_code,destination_city,destination_region,destination_country,"
                    "items,carrier,tracking_number,occurred_at,status,substatus,message,event_city,"
                    "origin_postal_code,origin_region,origin_country,pickup_name,pickup_address,pickup_deadline\n");
    char t[RS_TIME_LEN];
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        csv_field(&b, orders[i].ref);
        when(now, orders[i].placed_day, t);
        csv_field(&b, t);
        csv_field(&b, orders[i].status);
        csv_field(&b, orders[i].name);
        csv_field(&b, orders[i].email);
        csv_field(&b, orders[i].phone);
        csv_field(&b, orders[i].locale);
        csv_field(&b, orders[i].channel);
        csv_field(&b, orders[i].postcode);
        csv_field(&b, orders[i].city);
        csv_field(&b, orders[i].region);
        csv_field(&b, "ES");
        csv_field(&b, orders[i].items);
        rs_buf_puts(&b, ",,,,,,,,,\n");
        for (int k = 0; k < 2; k++)
            if (orders[i].carrier[k])
                rs_buf_printf(&b, "%s,,,,,,,,,,,,,%s,%s,,,,,,%s\n", orders[i].ref, orders[i].carrier[k], orders[i].number[k],
                              orders[i].origin);
    }
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        const struct demo_ev *ev = &events[i];
        rs_buf_printf(&b, "%s,,,,,,,,,,,,,%s,%s,", orders[ev->order].ref, orders[ev->order].carrier[ev->shipment],
                      orders[ev->order].number[ev->shipment]);
        /* round to the minute so a second run finds the same events (idempotent) */
        when((now / 86400) * 86400 + 12 * 3600, ev->at_day, t);
        csv_field(&b, t);
        csv_field(&b, ev->status);
        csv_field(&b, ev->substatus);
        csv_field(&b, ev->message);
        csv_field(&b, ev->city);
        rs_buf_puts(&b, ",,,"); /* no origin on event rows */
        for (size_t k = 0; k < sizeof pickups / sizeof pickups[0]; k++) {
            if (pickups[k].order != ev->order || pickups[k].shipment != ev->shipment ||
                strcmp(ev->status, "available_for_pickup") != 0)
                continue;
            char day[11];
            rs_date_format(now / 86400 + pickups[k].days, day);
            csv_field(&b, pickups[k].name);
            csv_field(&b, pickups[k].address);
            rs_buf_puts(&b, day);
        }
        rs_buf_puts(&b, "\n");
    }
    size_t len;
    char *csv = rs_buf_detach(&b, &len);
    FILE *fp = fmemopen(csv, len, "r");
    struct rs_import_summary sum;
    e = fp ? rs_app_import(s, mid, fp, 0, NULL, stderr, 20, &sum) : RS_ENOMEM;
    if (fp)
        fclose(fp);
    free(csv);
    if (e) {
        fprintf(stderr, "rastro demo: import failed: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        rs_store_close(s);
        return 1;
    }
    if ((e = demo_carrier_estimate(s, mid, now))) {
        fprintf(stderr, "rastro demo: carrier estimate: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        rs_store_close(s);
        return 1;
    }
    char password[21];
    if ((e = demo_support(s, mid, password))) {
        fprintf(stderr, "rastro demo: support demo failed: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        rs_store_close(s);
        return 1;
    }
    printf("\nDemo merchant \"Tienda Sol\" (id %lld)\n", (long long)mid);
    printf("  API:      %s/v1   (description: %s/v1/openapi.json)\n", base, base);
    printf("  API key:  %s\n\n", key);
    printf("Orders (open the tracking pages in a browser):\n");
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        struct rs_order_key ok;
        if (rs_store_order_find(s, mid, orders[i].ref, &ok) != RS_OK)
            continue;
        printf("  %-9s %-20s %-19s %s/t/%s\n", orders[i].ref, rs_order_status_name(ok.status), ok.tracking_code,
               base, ok.tracking_code);
    }
    if (learnt)
        printf("\nPromises: a delivery-window model learnt from %d past deliveries (synthetic), so every\n"
               "shipment shows its window; a checkout quote:\n", learnt);
    else
        printf("\nPromises: every shipment shows its window (the model of the first demo run, learning since);\n"
               "a checkout quote:\n");
    printf("  curl -H 'Authorization: Bearer %s' '%s/v1/promise?origin=ES/Madrid&destination=ES/Sevilla&carrier=seur'\n",
           key, base);
    printf("  Widget key: %s (publishable: it can only ask for delivery windows, for the shop's pages)\n",
           quote_key);
    printf("\nAgent inbox: %s/console   e-mail agente@tienda-sol.example   password %s\n", base, password);
    printf("\nTry:\n  curl -H 'Authorization: Bearer %s' %s/v1/orders/SOL-1002\n", key, base);
    rs_store_close(s);
    return 0;
}
