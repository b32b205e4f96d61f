/* inbound.h — the neutral result of parsing one inbound webhook delivery (EasyPost, Shippo,
 * AfterShip, 17TRACK, Shopify, WooCommerce), plus the shared tables every adapter uses:
 * provider status codes -> canonical status (data/provider-statuses.tsv) and carrier names ->
 * Rastro carrier slugs (data/carrier-aliases.tsv).
 *
 * Ownership: a struct rs_inbound owns everything its records point to — the parsed JSON
 * document (strings borrowed from it) and every string or array the adapter had to build
 * (normalised tracking numbers, carrier slugs, item arrays). The records stay valid until
 * rs_inbound_release(). Adapters never keep pointers to the request body.
 *
 * Adapters (one file each, src/ingest/hook_<provider>.c) share one signature:
 *   enum rs_err rs_hook_<provider>_parse(const char *body, size_t len, const char *topic,
 *                                        struct rs_inbound *out, char *err, size_t errcap);
 * TOPIC is the provider's topic header when it has one (X-Shopify-Topic, X-WC-Webhook-Topic),
 * or NULL. On success OUT is filled (call rs_inbound_release when done). On failure OUT holds
 * nothing that needs releasing (releasing it anyway is harmless), the return is RS_EINVAL (bad
 * input: ERR says what and where), RS_ETOOBIG (more records than RS_MAX_BATCH) or RS_ENOMEM.
 *
 * Events whose provider status is missing or not documented keep RS_STATUS_NONE with the raw
 * code in `code` and the carrier's text in `message`, for the text normalizer to classify. */
#ifndef RS_INBOUND_H
#define RS_INBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/model.h"

struct rs_inbound {
    const char *source;      /* "easypost", "shippo", "aftership", "17track", "shopify",
                                "woocommerce" */
    const char *topic;       /* normalised topic: "tracker.updated", "track_updated",
                                "tracking_update", "TRACKING_UPDATED", "orders/create",
                                "order.updated", … */
    const char *delivery_id; /* the provider's event id, for de-duplication; NULL when the
                                provider sends none (Shippo, 17TRACK; Shopify/WooCommerce put
                                theirs in headers: X-Shopify-Event-Id,
                                X-WC-Webhook-Delivery-ID) */
    const char *tracker_id;  /* the aggregator's own id for the tracked parcel (EasyPost trk_…,
                                AfterShip tracking id, Shopify fulfillment id) or NULL */
    bool test;               /* the provider marked the delivery as test/sandbox data */
    const char *note;        /* why a delivery that parsed carries nothing to apply (a Shopify
                                fulfillment without a tracking number), for the inbound log; or
                                NULL */

    struct rs_order_in *orders;
    int n_orders;
    struct rs_shipment_in *shipments;
    int n_shipments;
    struct rs_event_in *events; /* in the provider's order (oldest first when it says so) */
    int n_events;

    /* private */
    void *root_;   /* json_t * of the parsed body */
    void **owned_; /* blocks allocated for normalised values */
    int n_owned_, cap_owned_;
    int cap_orders_, cap_shipments_, cap_events_;
};

/* An empty result (all NULL / 0). rs_hook_*_parse() call it themselves. */
void rs_inbound_init(struct rs_inbound *in);
/* Free everything IN owns and reset it to empty. Safe on an empty or already released one. */
void rs_inbound_release(struct rs_inbound *in);

/* The shape every adapter has (for tables of providers and fuzz targets). */
typedef enum rs_err rs_hook_parse_fn(const char *body, size_t len, const char *topic, struct rs_inbound *out,
                                     char *err, size_t errcap);

enum rs_err rs_hook_easypost_parse(const char *body, size_t len, const char *topic,
                                   struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hook_shippo_parse(const char *body, size_t len, const char *topic,
                                 struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hook_aftership_parse(const char *body, size_t len, const char *topic,
                                    struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hook_shopify_parse(const char *body, size_t len, const char *topic,
                                  struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hook_17track_parse(const char *body, size_t len, const char *topic,
                                  struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hook_woocommerce_parse(const char *body, size_t len, const char *topic,
                                      struct rs_inbound *out, char *err,
                                      size_t errcap) RS_MUST_CHECK;

/* WooCommerce sends an unsigned form body "webhook_id=<n>" when a webhook is saved: answer 200
 * and do nothing. True when BODY is such a ping. */
bool rs_hook_woocommerce_is_ping(const char *body, size_t len);

/* ---- shared tables ---- */

/* A provider code resolved through data/provider-statuses.tsv. */
struct rs_status_map {
    enum rs_status status;       /* RS_STATUS_NONE when not documented / left to text */
    enum rs_substatus substatus; /* always fits status */
    bool action_required;
    bool known;                  /* the code (or the code + subcode) is in the table */
};

/* Resolve PROVIDER's (CODE, SUBCODE) — AfterShip (tag, subtag), EasyPost (status,
 * status_detail), Shippo (status, substatus.code), Shopify (shipment_status, NULL), 17TRACK
 * (status, sub_status). Case-insensitive; NULL or "" for an absent part. Rules: an exact
 * (code, subcode) row wins; otherwise the code row, refined by a ("*", subcode) row. Returns
 * out->known. Thread-safe (the table is parsed once). */
bool rs_provider_status(const char *provider, const char *code, const char *subcode,
                        struct rs_status_map *out);

/* Number of rows in the embedded status table, and row I's fields (for docs and tests). */
struct rs_status_row {
    const char *provider, *code, *subcode; /* subcode "" for a code-level row; code "*" = any */
    enum rs_status status;                 /* NONE for "none" */
    enum rs_substatus substatus;
    bool action_required;
    const char *meaning;
    const char *status_text, *substatus_text; /* as written in the TSV ("none", "-" → "") */
};
int rs_provider_status_rows(void);
const struct rs_status_row *rs_provider_status_row(int i);

/* Rastro carrier slug for a carrier name as a provider spells it ("USPS", "correos-de-espana",
 * "Correos Express", "DHL eCommerce") via data/carrier-aliases.tsv; an unknown name becomes a
 * slug of itself (folded, runs of other characters -> "_"). Writes at most CAP-1 bytes plus
 * NUL; returns the length (0 when NAME has no letters or digits). */
size_t rs_carrier_slug(const char *name, char *out, size_t cap);

/* The slug of a carrier field that names no company: Shopify's "Other" (the merchant picked
 * "Other" and typed nothing), "Otro", "Custom", "Unknown", "N/A"… rs_carrier_slug gives it for
 * all of them; the carrier then comes from the number's format when that is conclusive
 * (app/hooks.c), and rs_carrier_name shows nothing for it. */
#define RS_CARRIER_OTHER "other"

/* The name customers know for a Rastro carrier slug ("seur" -> "SEUR", "dhl_express" -> "DHL
 * Express") via data/carrier-names.tsv; a slug not listed is shown with spaces for '_' and a
 * capital first letter ("mensajeria_perez" -> "Mensajeria perez"); RS_CARRIER_OTHER has no name
 * (0: say nothing rather than "Other"). For the tracking page and messages; the API keeps the
 * slug. Writes at most CAP-1 bytes plus NUL; returns the length. */
size_t rs_carrier_name(const char *slug, char *out, size_t cap);

/* Tracking number as Rastro keys it: whitespace removed, upper case. RS_EINVAL when empty after
 * that, longer than RS_MAX_TRACKING_LEN, or holding control characters. */
enum rs_err rs_tracking_normalize(const char *in, char *out, size_t cap) RS_MUST_CHECK;

/* ISO 3166-1 alpha-2 (upper case) for an alpha-2 or alpha-3 code in any case (ICU's list);
 * NULL when not a known code. The result is a static string. */
const char *rs_country_alpha2(const char *code);

#endif
