/* store_notify.h — storage of notifications: merchant settings, customer opt-outs, the outbox
 * (planned messages, claimed by dispatchers with a lease) and the attempts log.
 * Same rules as store.h: callers never see SQL; writes inside a transaction; tenancy by
 * merchant id. SQLite back end: store_notify_sqlite.c. */
#ifndef RS_STORE_NOTIFY_H
#define RS_STORE_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* ---- settings ---- */

/* The merchant's notification settings (JSON text, malloc'd into *config; NULL when none) and
 * its name, time zone and locale. RS_ENOTFOUND when the merchant does not exist. */
struct rs_notify_merchant {
    char name[201];
    char timezone[64];
    char locale[16];
    char *config; /* owned: free() */
};
enum rs_err rs_store_notify_merchant(struct rs_store *s, int64_t merchant_id,
                                     struct rs_notify_merchant *out) RS_MUST_CHECK;
enum rs_err rs_store_notify_config_put(struct rs_store *s, int64_t merchant_id, const char *config,
                                       int64_t now) RS_MUST_CHECK;

/* ---- the recipient of an order ---- */
/* Contact data and preference: the customer's, overridden by what was given for this order on
 * the tracking page (notify_contacts: its addresses, and its latest channel as the preferred
 * one). */
struct rs_notify_customer {
    int64_t order_id, customer_id; /* customer_id 0 when the order has none */
    char order_ref[129];
    char tracking_code[32];
    char name[201], email[256], phone[24], locale[16], preferred[16];
    char timezone[64];    /* the customer's IANA zone; "" = unknown (rs_tz_customer_zone) */
    char country[3];      /* the order's destination country (ISO alpha-2); "" = unknown */
    unsigned optout;      /* RS_CH_BIT mask of channels the customer opted out of */
    int n_push;           /* live push subscriptions of the order */
    int64_t wa_last_inbound; /* 0 when never */
};
enum rs_err rs_store_notify_customer(struct rs_store *s, int64_t order_id,
                                     struct rs_notify_customer *out) RS_MUST_CHECK;
/* The IANA zone ORDER_ID's customer reads times and days in at AT (util/tz.h
 * rs_tz_customer_zone: their own, the destination country's, the shop's). RS_ENOTFOUND: no order. */
enum rs_err rs_store_order_zone(struct rs_store *s, int64_t order_id, int64_t at, char zone[64]) RS_MUST_CHECK;
/* Creation times of the customer's non-suppressed customer messages since SINCE (for caps). */
enum rs_err rs_store_notify_history(struct rs_store *s, int64_t customer_id, int64_t since, int64_t *out,
                                    int max, int *n) RS_MUST_CHECK;
/* *TOLD: another shipment of SHIPMENT_ID's shop fulfillment has a customer message of TRIGGER
 * ("shipped") that went out or is going out (queued, sending, sent, delivered): a cancelled one
 * (the same parcel before the shop corrected its tracking number), or a live one of the same
 * Shopify fulfillment (several boxes shipped together). */
enum rs_err rs_store_notify_replaced_told(struct rs_store *s, int64_t shipment_id, const char *trigger,
                                          bool *told) RS_MUST_CHECK;
enum rs_err rs_store_notify_optout(struct rs_store *s, int64_t customer_id, const char *channel,
                                   const char *source, int64_t now) RS_MUST_CHECK;
/* Customers of MERCHANT_ID with that E.164 phone: opt them out of CHANNEL, and the number itself
 * (notify_suppressed), so a customer record made later with it starts opted out. OUT: *n
 * customers changed. */
enum rs_err rs_store_notify_optout_phone(struct rs_store *s, int64_t merchant_id, const char *phone,
                                         const char *channel, const char *source, int64_t now,
                                         int *n) RS_MUST_CHECK;
/* The opposite, PHONE wrote START/ALTA: its customers of MERCHANT_ID are no longer opted out
 * of CHANNEL, whatever recorded the opt-out (a STOP, Twilio 21610, "stop all" in an e-mail).
 * OUT: *n lifted. */
enum rs_err rs_store_notify_optin_phone(struct rs_store *s, int64_t merchant_id, const char *phone,
                                        const char *channel, int *n) RS_MUST_CHECK;
/* ADDRESS (an e-mail in lower case, or an E.164 phone) asked for CHANNEL again: an opt-out kept
 * for the address itself (an erased customer's, a STOP from a number no customer had) no longer
 * applies to customer records made from now on. */
enum rs_err rs_store_notify_unsuppress(struct rs_store *s, int64_t merchant_id, const char *channel,
                                       const char *address) RS_MUST_CHECK;
/* A WhatsApp message from PHONE: opens the 24-hour window of its customers. */
enum rs_err rs_store_notify_wa_inbound(struct rs_store *s, int64_t merchant_id, const char *phone,
                                       int64_t at) RS_MUST_CHECK;

/* ---- outbox ---- */
struct rs_outbox_new {
    int64_t merchant_id, order_id, shipment_id, customer_id; /* shipment/customer 0 = none */
    const char *trigger, *channels, *status, *substatus, *locale;
    const char *state;      /* "queued" or "suppressed" */
    const char *reason;     /* suppression reason or NULL */
    bool deferred;
    int64_t next_attempt_at;
    const char *idem_key;
    const char *unsub_token; /* email rows: the one-click token, else NULL */
    int64_t resend_of;
    int64_t coupon_id;       /* compensation rows: the coupon; 0 = none */
    int64_t event_at;        /* when what it tells happened; 0 = unknown */
    int64_t incident_id;     /* an incident's SLA alert to the merchant's team (webhook, the team's
                              * e-mail), not a customer message; 0 = none */
};
/* RS_EDUPLICATE when a row with that idempotency key exists (nothing written). OUT: *id. */
enum rs_err rs_store_outbox_insert(struct rs_store *s, const struct rs_outbox_new *row, int64_t now,
                                   int64_t *id) RS_MUST_CHECK;

/* Claim up to MAX due rows (queued and due, or sending with an expired lease) for OWNER until
 * NOW+LEASE_S. OUT: ids[0..*n). One statement: safe against concurrent dispatchers. */
enum rs_err rs_store_outbox_claim(struct rs_store *s, const char *owner, int64_t now, int lease_s,
                                  int64_t *ids, int max, int *n) RS_MUST_CHECK;

/* Everything the dispatcher needs to render and send one row. */
struct rs_outbox_job {
    int64_t id, merchant_id, order_id, shipment_id, customer_id;
    char trigger[32], channels[64], channel[16], status[32], substatus[32], locale[16];
    int channel_index, attempts, total_attempts;
    char state[16];
    char unsub_token[64];
    int64_t coupon_id;
    char idem_key[256];
    int64_t created_at;
    int64_t event_at;         /* when what it tells happened (0 on rows older than migration 0014) */
    int64_t incident_id;      /* an incident's SLA alert (migration 0015); 0 = a customer message */
    /* shipment, when any */
    char carrier[64], tracking_number[64];
    char shipment_status[32]; /* the shipment's status now ("" without a shipment) */
    int64_t status_at;        /* since when */
};
enum rs_err rs_store_outbox_load(struct rs_store *s, int64_t id, struct rs_outbox_job *out) RS_MUST_CHECK;

/* The outcome of one attempt. */
struct rs_outbox_done {
    int64_t id;
    const char *owner;      /* only the lease holder may finish (a retaken row is not overwritten) */
    const char *state;      /* sent, queued (retry / next channel), failed, suppressed */
    const char *channel;    /* the channel attempted */
    int channel_index;      /* the (possibly new) channel index of the row */
    const char *new_channel; /* the row's channel after this outcome */
    int attempts;           /* attempts on the row's (new) channel */
    int64_t next_attempt_at;
    const char *result;     /* attempts log: sent, retry, next_channel, failed, suppressed, deferred */
    bool deferred;          /* nothing was attempted: put back to the end of quiet hours (not counted) */
    int http_status;
    const char *provider_id, *error;
    const char *subject, *body; /* rendered text, kept for the record (may be NULL) */
    int64_t started_at;
};
/* Update the row and append to the attempts log. RS_ECONFLICT when OWNER no longer holds it. */
enum rs_err rs_store_outbox_finish(struct rs_store *s, const struct rs_outbox_done *d, int64_t now) RS_MUST_CHECK;

/* A delivery receipt: PROVIDER_ID's row of MERCHANT_ID moves forward to STATE ("delivered",
 * "failed") only from sent (delivered after failed is accepted: providers do report so).
 * A "failed" receipt of a sent row with a channel left in its fallback order does not end it:
 * the customer did not get the message, so the row is queued again at once on that next channel
 * (attempts log: "next_channel" with ERROR), as when the provider refuses it on sending.
 * RS_ENOTFOUND when no row has that provider id. */
enum rs_err rs_store_outbox_receipt(struct rs_store *s, int64_t merchant_id, const char *provider_id,
                                    const char *state, const char *error, int64_t now) RS_MUST_CHECK;
/* What the row holding one-click unsubscribe TOKEN tells its pages: its merchant, customer
 * (0: none), order, the message's locale, the shop's name as the customer knows it (the tracking page's
 * branding display_name, else the messages' merchant_name, else the merchant's name) and the
 * order's tracking code (the e-mail holding the link carries it already; "" when none). */
struct rs_unsub_row {
    int64_t merchant_id, order_id, customer_id;
    char locale[16];
    char shop[512];
    char code[24];
};
enum rs_err rs_store_outbox_by_unsub(struct rs_store *s, const char *token, struct rs_unsub_row *out) RS_MUST_CHECK;
/* Queue a copy of row ID of MERCHANT_ID now (its state, attempts and error start afresh; the
 * idempotency key gets ":resend<N>"). OUT: *new_id. RS_ENOTFOUND when absent. */
enum rs_err rs_store_outbox_resend(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t now,
                                   int64_t *new_id) RS_MUST_CHECK;

/* The notifications of an order with their attempts: [{id, trigger, channel, channels, state,
 * reason, deferred, attempts, next_attempt_at, provider_id, last_error, subject, created_at,
 * sent_at, delivered_at, attempts_log:[…]}]. RS_ENOTFOUND when the order does not exist. */
enum rs_err rs_store_outbox_order_json(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                       json_t **out) RS_MUST_CHECK;
/* Counts by state, for /metrics and tests: queued, sending, sent, delivered, failed, suppressed. */
enum rs_err rs_store_outbox_counts(struct rs_store *s, int64_t counts[6]) RS_MUST_CHECK;
/* The soonest next_attempt_at of a queued row (0 when none): how long a dispatcher may sleep. */
enum rs_err rs_store_outbox_next_due(struct rs_store *s, int64_t *at) RS_MUST_CHECK;

#endif
