/* ingest.h — the one write path. Every order, shipment and event, from the API, a CSV import or
 * a provider webhook, goes through these functions, inside a store transaction the caller owns
 * (app/writer.h batches them into group commits):
 *   validate → normalise → apply to the state machine → persist event + shipment + order.
 * Re-sending the same order, shipment or event changes nothing and says so. */
#ifndef RS_APP_INGEST_H
#define RS_APP_INGEST_H

#include <stdint.h>

#include "core/err.h"
#include "core/model.h"
#include "core/trackcode.h"
#include "store/store.h"

/* Why something was refused: a stable machine code and a sentence for a person. */
struct rs_app_error {
    const char *code; /* "missing_field", "unknown_shipment", … (static string) */
    char message[400];
};

enum rs_put_result {
    RS_PUT_CREATED = 0,
    RS_PUT_UPDATED,
    RS_PUT_UNCHANGED,
    RS_PUT_STALE, /* an order update older than the last one applied (source_updated_at): ignored */
};
const char *rs_put_result_name(enum rs_put_result r);

/* Validate and normalise a record before the write path; every parser calls these. Normalised
 * copies (carrier slug, tracking number without spaces, upper-case country codes, lower-case
 * e-mail) are written into BUF and IN's fields are pointed at them, so BUF must live as long
 * as IN is used. An event without a canonical status is classified from its code or text.
 * RS_EINVAL with ERR filled when the record is not acceptable. */
struct rs_prep_buf {
    char carrier[RS_MAX_CARRIER_LEN + 1];
    char tracking[RS_MAX_TRACKING_LEN + 1];
    char country[3], country2[3];
    char email[256];
    char phone[24];
};
/* A carrier as the write path keys it: ASCII lower case, ' ' and '-' as '_' ("Correos Express"
 * -> "correos_express"). False when V holds anything but letters, digits, '_', '-' and ' ' or
 * is longer than RS_MAX_CARRIER_LEN; RS_APP_CARRIER_RULE (a format taking that length) says so.
 * Shipments are stored this way, and GET /v1/promise looks lanes up this way. */
bool rs_app_carrier_normalize(const char *v, char out[RS_MAX_CARRIER_LEN + 1]);
/* The other spelling of an order reference into OUT: "#2087" -> "2087", "2087" -> "#2087". A
 * shop names its orders with the '#' (Shopify's "#2087"); an aggregator's order number, an API
 * caller or a customer often leaves it out. False when REF is empty or only '#', or OUT is too
 * small. */
bool rs_app_order_ref_alt(const char *ref, char *out, size_t cap);
#define RS_APP_CARRIER_RULE "carrier must be at most %d letters, digits, '_' or '-' (e.g. \"correos_express\")"
enum rs_err rs_app_order_prepare(struct rs_order_in *in, struct rs_prep_buf *buf,
                                 struct rs_app_error *err) RS_MUST_CHECK;
enum rs_err rs_app_shipment_prepare(struct rs_shipment_in *in, struct rs_prep_buf *buf,
                                    struct rs_app_error *err) RS_MUST_CHECK;
/* A customer's language as Rastro speaks it: "es" or "en", a region may follow ("es-MX", "en_GB"). */
bool rs_app_locale_ok(const char *locale);

enum rs_err rs_app_event_prepare(struct rs_event_in *in, struct rs_prep_buf *buf,
                                 struct rs_app_error *err) RS_MUST_CHECK;

/* Create or update an order by (merchant, order_ref). OUT: *res, CODE (its tracking code). */
enum rs_err rs_app_order_put(struct rs_store *s, int64_t merchant_id, const struct rs_order_in *in, int64_t now,
                             enum rs_put_result *res, char code[RS_TRACKCODE_LEN],
                             struct rs_app_error *err) RS_MUST_CHECK;

/* Attach a shipment to an order, or update it. RS_EINVAL/unknown_order when the order does
 * not exist; RS_ECONFLICT when the tracking number belongs to another order.
 * Cancelled shipments: IN->cancelled cancels an existing one; a shipment never seen is created
 * already cancelled (its order must exist: unknown_order otherwise), so a delivery of the older
 * state that arrives after the cancellation cannot bring it back. A cancelled shipment named again is reinstated only by the
 * merchant's own input (source NULL, "api" or "csv"): a shop or aggregator cannot reopen it, so
 * a late delivery of an older state leaves it cancelled. */
/* Keep ETA (validated by rs_app_shipment_prepare; nothing when it has no days) as SHIPMENT_ID's
 * carrier estimate unless a newer one is stored (its as_of; 0: NOW), and when its days changed
 * re-estimate the promise with it (promise_apply.h rs_app_promise_on_carrier_eta). *CHANGED
 * (may be NULL): the days changed. */
enum rs_err rs_app_shipment_eta(struct rs_store *s, int64_t shipment_id, const struct rs_eta_in *eta, int64_t now,
                                bool *changed) RS_MUST_CHECK;
enum rs_err rs_app_shipment_put(struct rs_store *s, int64_t merchant_id, const struct rs_shipment_in *in,
                                int64_t now, enum rs_put_result *res, struct rs_app_error *err) RS_MUST_CHECK;

/* Cancel a shipment (DELETE /v1/shipments/{carrier}/{number}): it stays in the merchant's
 * history with cancelled_at, no longer counts for the order's status, is not shown to the
 * customer, and its queued notifications are suppressed (none are planned for it any more).
 * RS_ENOTFOUND with ERR when there is no such shipment; *res UNCHANGED when already cancelled. */
enum rs_err rs_app_shipment_cancel(struct rs_store *s, int64_t merchant_id, const char *carrier,
                                   const char *tracking_number, int64_t now, enum rs_put_result *res,
                                   struct rs_app_error *err) RS_MUST_CHECK;

/* Record one carrier event. RS_OK: accepted; RS_EDUPLICATE: already recorded, nothing changed;
 * RS_EINVAL with ERR: rejected (unknown shipment, unclassifiable status, …). Events of a
 * cancelled shipment are kept for its history only: no order status, promise or notification
 * follows from them. */
enum rs_err rs_app_event_record(struct rs_store *s, int64_t merchant_id, const struct rs_event_in *ev,
                                int64_t now, struct rs_app_error *err) RS_MUST_CHECK;

/* For the API's batches, which prepare on the request's thread and record on the writer's (the
 * one serial part): what rs_app_event_record works out from the event alone, computed before
 * the job (rs_app_event_precompute, any thread), and a cache of the shipments one job has
 * already read and updated, so a batch with many events of one shipment reads it once. */
struct rs_event_pre {
    unsigned char dedup_key[16];
};
enum rs_err rs_app_event_precompute(const struct rs_event_in *ev, struct rs_event_pre *pre) RS_MUST_CHECK;

/* Valid inside ONE write job only (its transaction; nothing else writes those shipments'
 * state meanwhile). Keys are the events' own carrier/tracking strings, which must outlive it.
 * A job whose savepoint of one event is rolled back may keep using it: an entry is written only
 * when rs_app_event_record_pre returns RS_OK, and holds the state saved then. */
struct rs_ship_cache_slot;
struct rs_ship_cache {
    struct rs_ship_cache_slot *slots; /* NULL: no cache */
    size_t mask;
};
void rs_ship_cache_init(struct rs_ship_cache *c, size_t n_events); /* without memory: no cache */
void rs_ship_cache_free(struct rs_ship_cache *c);

/* rs_app_event_record with PRE (NULL: computed here) and CACHE (NULL: none). */
enum rs_err rs_app_event_record_pre(struct rs_store *s, int64_t merchant_id, const struct rs_event_in *ev,
                                    const struct rs_event_pre *pre, struct rs_ship_cache *cache, int64_t now,
                                    struct rs_app_error *err) RS_MUST_CHECK;

#endif
