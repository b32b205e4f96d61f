/* model.h — plain input records that every source (HTTP API, CSV, provider webhooks) is turned
 * into before the one write path (app/ingest.h) applies them. Strings are borrowed: they belong
 * to the caller (a request arena, a parsed JSON document, a CSV record) and must outlive the
 * call. NULL or "" means "not given". */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#define RS_MAX_CARRIER_LEN 32
#define RS_MAX_TRACKING_LEN 64
#define RS_MAX_REF_LEN 128
#define RS_MAX_TEXT_LEN 2000
#define RS_MAX_PICKUP_LEN 200 /* a pickup point's name or address */
#define RS_MAX_ITEMS 200
#define RS_MAX_BATCH 1000

struct rs_location {
    const char *postal_code;
    const char *city;
    const char *region;
    const char *country; /* ISO 3166-1 alpha-2, upper case */
};

struct rs_customer_in {
    const char *name;
    const char *email;
    const char *phone;            /* E.164, "+34600111222" */
    const char *locale;           /* "es" or "en" (a region suffix like "es-MX" is kept) */
    const char *preferred_channel; /* "email", "sms", "whatsapp", "push", "webhook" */
    const char *timezone;         /* IANA zone ("America/Mexico_City"); NULL: the merchant's */
};

struct rs_item_in {
    const char *sku;
    const char *name;
    int quantity;
};

struct rs_order_in {
    const char *order_ref;
    int64_t placed_at; /* epoch seconds */
    int placed_offset_min;
    struct rs_customer_in customer;
    struct rs_location destination;
    const struct rs_item_in *items; /* borrowed array */
    int n_items;
    enum rs_order_status base_status; /* placed, processing or cancelled */
    const char *source;               /* "api", "csv", "shopify", … */
    bool cancel_is_final;             /* the source cannot reopen a cancelled order (Shopify): a
                                         late delivery of an older state leaves it cancelled */
    int64_t source_updated_at;        /* the source's own time of this state of the order
                                         (Shopify updated_at), 0 when unknown: an update older
                                         than the last one applied is ignored */
    bool awaiting_payment;            /* the shop has not been paid yet (WooCommerce pending: the
                                         customer is still at, or left, the payment page): not
                                         created until it is paid, only updated if it exists */
};

/* The carrier's estimate of the delivery day (an aggregator's est_delivery_date / eta, the
 * merchant's "carrier_estimate"): its first and last day, "YYYY-MM-DD" (one day: both the same),
 * and the source's time of it (0 when unknown), so an older estimate delivered late is ignored. */
struct rs_eta_in {
    const char *from, *to;
    int64_t as_of;
};

struct rs_shipment_in {
    const char *order_ref;
    const char *carrier;         /* slug: lower case [a-z0-9_-] */
    const char *tracking_number; /* as printed on the label, spaces removed, upper case */
    const char *service;
    struct rs_location origin;
    const char *source;
    const char *fulfillment_id;  /* the shop's id of the fulfillment naming it (Shopify), or NULL */
    int64_t source_updated_at;   /* the shop's time of this state of it (the fulfillment's
                                    updated_at), 0 when unknown: an older state than the one
                                    applied is ignored (shops deliver out of order) */
    bool cancelled;              /* the shop cancelled that fulfillment: cancel the shipment */
    struct rs_eta_in eta;        /* the carrier's estimate of the delivery day; NULLs when not said */
};

/* A pickup point holding the parcel for the customer (an available_for_pickup scan names it). */
struct rs_pickup_in {
    const char *name;     /* "Correos, oficina Madrid Centro", "Locker InPost Sol 12" */
    const char *address;  /* one line: "Calle Mayor 12, 28013 Madrid" */
    const char *deadline; /* the last day it keeps the parcel, "YYYY-MM-DD" (validated) */
};

struct rs_event_in {
    const char *carrier;
    const char *tracking_number;
    int64_t occurred_at; /* epoch seconds */
    int offset_min;      /* the source's UTC offset, for display */
    enum rs_status status;
    enum rs_substatus substatus;
    bool action_required;
    const char *code;    /* raw carrier or provider code, kept beside the canonical status */
    const char *message; /* raw carrier text */
    struct rs_location location;
    struct rs_pickup_in pickup; /* where the parcel waits to be collected; all NULL when not said */
    const char *source;  /* "api", "csv", "easypost", "shippo", "aftership", … */
    bool summary;        /* a provider's current status at its own update time (Shopify's
                            shipment_status), not a carrier scan: kept only when it changes the
                            shipment's status, so unrelated updates do not repeat it */
};

#endif
