/* store_page.h — storage for the tracking page and self-service: the merchant's branding, FAQ
 * and promotion, the customer's notification choices (consent per channel and address), browser
 * push subscriptions, and incidents. Same rules as store.h: writes inside a transaction (the
 * writer), reads on any connection, json_t results are new references, every merchant-facing
 * call filters by merchant id. */
#ifndef RS_STORE_PAGE_H
#define RS_STORE_PAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/trackcode.h"
#include "store/store.h"

/* The ids behind a tracking code, with the merchant's page documents (NULL when never set). */
struct rs_page_ctx {
    int64_t order_id, merchant_id, customer_id; /* customer_id 0 when the order has none */
    json_t *branding, *faq, *promotion;          /* owned; rs_page_ctx_release */
};
void rs_page_ctx_release(struct rs_page_ctx *c);
/* RS_ENOTFOUND when no order has CODE (a canonical code). */
enum rs_err rs_store_page_ctx(struct rs_store *s, const char *code, struct rs_page_ctx *out) RS_MUST_CHECK;

/* Documents of a merchant: FIELD is "branding", "faq" or "promotion". *out NULL when unset. */
enum rs_err rs_store_page_doc_get(struct rs_store *s, int64_t merchant_id, const char *field,
                                  json_t **out) RS_MUST_CHECK;
/* DOC NULL clears the field. */
enum rs_err rs_store_page_doc_put(struct rs_store *s, int64_t merchant_id, const char *field, const json_t *doc,
                                  int64_t now) RS_MUST_CHECK;

/* The tracking code of ORDER_REF (any case: "es-1042" finds "ES-1042", as a phone keyboard
 * types it) whose customer has EMAIL (case-insensitive), any merchant, or
 * of MERCHANT_ID only when it is > 0. A leading '#' on either side is ignored. RS_ENOTFOUND. */
enum rs_err rs_store_code_by_order_email(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                         const char *email, char code[RS_TRACKCODE_LEN]) RS_MUST_CHECK;

/* One consent model (0006-consent). GRANTED: "tell me on CHANNEL at ADDRESS" for the order (a
 * notify_contacts row: the planner's contact data and the order's preferred channel) and the
 * customer's opt-out of CHANNEL is lifted; with SET_PREFERRED (the visitor proved who they are)
 * the customer's preferred channel follows. Stop: the order's contact row goes and an opt-out of
 * CHANNEL is recorded for the customer (CUSTOMER_ID > 0), honoured by planner and dispatcher. */
struct rs_consent_in {
    int64_t merchant_id, order_id, customer_id;
    const char *channel, *address, *source, *client_addr;
    bool granted, set_preferred;
    /* The visitor has the tracking code only (anyone the code reached): the customer's own
     * consent, every order of theirs, moves only when ADDRESS is the customer's own e-mail or
     * phone (a grant then lifts their opt-out, a stop records one); a stop removes the order's
     * contact row only when it is ADDRESS; a grant of another address is RS_ECONFLICT when the
     * order already reaches someone (the customer's e-mail or phone, another contact row): it
     * would take the customer's messages. */
    bool own_only;
};
enum rs_err rs_store_consent_set(struct rs_store *s, const struct rs_consent_in *in, int64_t now) RS_MUST_CHECK;
/* [{channel,address,granted,source,updated_at}] of an order, newest first. */
enum rs_err rs_store_consent_list(struct rs_store *s, int64_t order_id, json_t **out) RS_MUST_CHECK;

/* Push subscriptions (browser PushSubscription.toJSON()). */
enum rs_err rs_store_push_subscribe(struct rs_store *s, int64_t merchant_id, int64_t order_id, const char *endpoint,
                                    const char *p256dh, const char *auth, int64_t now) RS_MUST_CHECK;
/* RS_ENOTFOUND when the order has no live subscription for ENDPOINT. */
enum rs_err rs_store_push_unsubscribe(struct rs_store *s, int64_t order_id, const char *endpoint,
                                      int64_t now) RS_MUST_CHECK;
/* A live push subscription. */
struct rs_push_sub {
    int64_t id;
    char endpoint[1025];
    char p256dh[104], auth[40];
};
/* The order's live subscriptions, newest first, up to MAX. OUT: *n. */
enum rs_err rs_store_push_list(struct rs_store *s, int64_t order_id, struct rs_push_sub *out, int max,
                               int *n) RS_MUST_CHECK;
/* The push service said the subscription is gone (404/410): delete it. */
enum rs_err rs_store_push_delete(struct rs_store *s, int64_t id) RS_MUST_CHECK;

/* ---- incidents ---- */
struct rs_incident_in {
    int64_t order_id;
    const char *type, *origin, *message, *contact, *locale; /* type/origin validated by the caller */
    int64_t sla_due_at;
};
enum rs_err rs_store_incident_create(struct rs_store *s, int64_t merchant_id, const struct rs_incident_in *in,
                                     int64_t now, int64_t *id) RS_MUST_CHECK;
/* The newest incident of ORDER_ID opened by ORIGIN with this TYPE and MESSAGE at SINCE or later
 * in *id, 0 when none: the same report sent twice (a double tap, a reload that posts again). */
enum rs_err rs_store_incident_resent(struct rs_store *s, int64_t order_id, const char *origin, const char *type,
                                     const char *message, int64_t since, int64_t *id) RS_MUST_CHECK;
/* {id,reference,order_ref,tracking_code,type,state,origin,message,contact,resolution,locale,sla_due_at,
 *  created_at,updated_at}. RS_ENOTFOUND. */
enum rs_err rs_store_incident_get(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out) RS_MUST_CHECK;
/* Newest first, id < BEFORE_ID when > 0; STATE/ORDER_REF filter when non-NULL. */
enum rs_err rs_store_incident_list(struct rs_store *s, int64_t merchant_id, const char *state, const char *order_ref,
                                   int64_t before_id, int limit, json_t **out) RS_MUST_CHECK;
/* STATE/RESOLUTION NULL keep the old value. RS_ENOTFOUND. */
enum rs_err rs_store_incident_update(struct rs_store *s, int64_t merchant_id, int64_t id, const char *state,
                                     const char *resolution, int64_t now) RS_MUST_CHECK;
/* Public reference shown to the customer: "INC-000042". */
void rs_incident_reference(int64_t id, char out[24]);

#endif
