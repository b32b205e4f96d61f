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
enum rs_err rs_app_order_prepare(struct rs_order_in *in, struct rs_prep_buf *buf,
                                 struct rs_app_error *err) RS_MUST_CHECK;
enum rs_err rs_app_shipment_prepare(struct rs_shipment_in *in, struct rs_prep_buf *buf,
                                    struct rs_app_error *err) RS_MUST_CHECK;
enum rs_err rs_app_event_prepare(struct rs_event_in *in, struct rs_prep_buf *buf,
                                 struct rs_app_error *err) RS_MUST_CHECK;

/* Create or update an order by (merchant, order_ref). OUT: *res, CODE (its tracking code). */
enum rs_err rs_app_order_put(struct rs_store *s, int64_t merchant_id, const struct rs_order_in *in, int64_t now,
                             enum rs_put_result *res, char code[RS_TRACKCODE_LEN],
                             struct rs_app_error *err) RS_MUST_CHECK;

/* Attach a shipment to an order, or update it. RS_EINVAL/unknown_order when the order does
 * not exist; RS_ECONFLICT when the tracking number belongs to another order. */
enum rs_err rs_app_shipment_put(struct rs_store *s, int64_t merchant_id, const struct rs_shipment_in *in,
                                int64_t now, enum rs_put_result *res, struct rs_app_error *err) RS_MUST_CHECK;

/* Record one carrier event. RS_OK: accepted; RS_EDUPLICATE: already recorded, nothing changed;
 * RS_EINVAL with ERR: rejected (unknown shipment, unclassifiable status, …). */
enum rs_err rs_app_event_record(struct rs_store *s, int64_t merchant_id, const struct rs_event_in *ev,
                                int64_t now, struct rs_app_error *err) RS_MUST_CHECK;

#endif
