/* hooks.h — applying one inbound webhook delivery (any provider, already verified and parsed)
 * through the one write path, and recording it in the inbound log.
 *
 * One delivery is one writer job (rs_app_hook_job): it records the inbound row, then puts
 * orders, then shipments, then events, each record in its own savepoint so a rejected record
 * never takes a good one with it. A delivery whose key (the provider's delivery id, or the hash
 * of the body) was already applied is answered "duplicate" and changes nothing.
 *
 * Carriers: a shipment or event without a carrier (Shopify without tracking_company, a generic
 * payload without one) takes the carrier of the merchant's existing shipment with that number;
 * otherwise the carrier detected from the number's format when the guess is confident (a check
 * digit that matches, well ahead of any other candidate), recorded as a suggestion; otherwise
 * the record is rejected with the candidates in the reason. A carrier the provider names that
 * differs from the one the merchant stated for the same number never overrides it. */
#ifndef RS_APP_HOOKS_H
#define RS_APP_HOOKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/carrier_detect.h"
#include "core/err.h"
#include "app/ingest.h"
#include "ingest/inbound.h"
#include "store/store.h"

#define RS_INBOUND_KEEP_S (7 * 86400) /* raw payloads are kept this long */

/* Providers with an adapter, and whether NAME is one of them ("generic" included). */
bool rs_hook_provider_known(const char *name);

/* A confident carrier from the number's format, or NULL; N candidates written to G (max 5). */
const char *rs_carrier_confident(const char *tracking_number, struct rs_carrier_guess g[5], int *n);

/* Parse BODY with PROVIDER's adapter (MAPPING: the generic mapping's JSON text, else unused).
 * Same contract as the adapters (ingest/inbound.h). */
enum rs_err rs_app_hook_parse(const char *provider, const char *body, size_t len, const char *topic,
                              const char *mapping, struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;

/* Validate and store a merchant's integration (inside a transaction). SECRET: 8 to 255
 * printable bytes. MAPPING (generic only; required when it is new) and OPTIONS
 * ({"signature_max_age_s": 0..86400}, Shippo) may be NULL to keep the stored ones. A changed
 * secret leaves the old one valid for RS_SECRET_ROTATE_S. OUT: hook_id, *created.
 * RS_EINVAL with ERR for bad input. */
#define RS_SECRET_ROTATE_S 86400
enum rs_err rs_app_integration_put(struct rs_store *s, int64_t merchant_id, const char *provider,
                                   const char *secret, const json_t *mapping, const json_t *options,
                                   int64_t now, char hook_id[RS_HOOK_ID_LEN], bool *created,
                                   struct rs_app_error *err) RS_MUST_CHECK;

/* The job's input and answer. Fill the input part; rs_app_hook_job fills the rest. */
struct rs_hook_delivery {
    /* input */
    int64_t merchant_id;
    const char *source;       /* provider name */
    const char *topic;        /* the parser's topic, or the topic header when parsing failed */
    const char *delivery_id;  /* provider's id (parser or header), or NULL */
    const char *body;         /* raw payload, kept RS_INBOUND_KEEP_S */
    size_t body_len;
    const char *payload_type; /* Content-Type as received */
    struct rs_inbound *in;    /* parsed records, or NULL when REJECT is set */
    const char *reject_code;  /* a delivery refused as a whole: "invalid_payload", "invalid_signature" */
    const char *reject_msg;
    bool keep_payload;        /* false for unauthenticated rejections */
    int64_t now;
    int64_t replay_of;        /* an automatic replay (rs_app_hook_replay_waiting): the delivery it replays */
    const char *replay_after; /* and what created the order it waited for */
    /* answer */
    int64_t inbound_id;
    int64_t duplicate_of; /* the applied delivery a duplicate repeats */
    const char *result;   /* "applied", "duplicate", "rejected" */
    json_t *summary;      /* counts, rejections, carrier suggestions (owned: json_decref) */
};

/* rs_write_fn for app/writer.h: CTX is a struct rs_hook_delivery. Storage errors fail the
 * job (nothing kept, the provider will retry); everything else is recorded and RS_OK. A
 * delivery that creates orders then replays the deliveries waiting for them
 * (rs_app_hook_replay_waiting), in the same transaction; the answer's "replays" lists them. */
enum rs_err rs_app_hook_job(struct rs_store *s, void *ctx) RS_MUST_CHECK;

/* Parse BODY with PROVIDER's adapter into IN and fill D's input part (a payload that cannot be
 * read becomes D's rejection, with its reason in PERR). D->payload_type and D->now are left for
 * the caller. Release IN with rs_inbound_release. RS_ENOMEM only. */
enum rs_err rs_app_hook_delivery_init(struct rs_hook_delivery *d, struct rs_inbound *in, int64_t merchant_id,
                                      const char *provider, const char *topic, const char *delivery_id,
                                      const char *mapping, const char *body, size_t len, char *perr,
                                      size_t perrcap) RS_MUST_CHECK;

/* Out-of-order deliveries: orders REFS (a JSON array of order refs) were just created for
 * MERCHANT_ID (AFTER says by what, for the inbound log). Every delivery of this merchant rejected
 * with unknown_order for one of them in the last RS_INBOUND_KEEP_S, payload still kept, never
 * replayed automatically (rs_store_inbound_waiting), is run again once, inside the caller's
 * transaction: a new inbound line with "replay_of", and the original gets "replayed"
 * ({inbound_id, result, after}) so it is never replayed automatically again, whatever the
 * result. At most RS_REPLAY_MAX per call (the rest stays for POST /v1/inbound/{id}/replay).
 * OUT: *REPLAYS, [{replay_of, inbound_id, result}] (json_decref). Storage errors fail the
 * caller's job, so the order and its replays are kept together or not at all. */
#define RS_REPLAY_MAX 50
enum rs_err rs_app_hook_replay_waiting(struct rs_store *s, int64_t merchant_id, const json_t *refs, const char *after,
                                       int64_t now, json_t **replays) RS_MUST_CHECK;

#endif
