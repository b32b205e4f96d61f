/* store_privacy.h — a customer's data, all of it: export, erase, and the retention sweep
 * (issue 7, "Privacy"). SQLite back end: store_privacy_sqlite.c (statement slots
 * RS_STORE_SLOTS_PRIVACY..+31).
 *
 * Who "the customer" is: the customers rows of MERCHANT whose e-mail (lower case) or phone
 * (E.164) is the one asked for, their orders, and the conversations written from that address
 * (a sender we never matched to a customer is still that person). Either EMAIL or PHONE may be
 * NULL, not both.
 *
 * Erase anonymises in place, so analytics keep their counts: orders keep their status, times,
 * items and destination country; shipments and their status history stay; coupons stay (a code
 * and a value are not personal). What identifies or was written by the person goes: names,
 * e-mails, phones, postcodes, cities, the customer's time zone, carrier free text of the scans,
 * notification subjects and bodies (and provider errors, which quote addresses), page contacts,
 * opt-outs and the WhatsApp window (they only existed for the contact data), push
 * subscriptions, conversation addresses and subjects, message bodies and entities, incident
 * messages, contacts and log bodies, and raw webhook payloads that quote the address (those about
 * their orders are dropped by app/privacy.c). Text columns that must stay non-NULL become
 * "[erased]". Run it inside one transaction (the caller's):
 * all or nothing. */
#ifndef RS_STORE_PRIVACY_H
#define RS_STORE_PRIVACY_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define RS_ERASED "[erased]"

/* Everything held about the customer as one JSON object:
 *   {"merchant_id","query":{"email","phone"},"customers":[…],"orders":[{…,"shipments":[{…,
 *    "events":[…]}]}],"notifications":[{…,"attempts":[…]}],"optouts":[…],"contacts":[…],
 *    "whatsapp_window":[…],"push_subscriptions":[…],"conversations":[{…,"messages":[…]}],
 *    "incidents":[{…,"log":[…]}],"coupons":[…]}
 * Rows are their columns by name; *_at times are RFC 3339 (UTC); JSON columns (items, details,
 * entities, summary) are parsed. RS_ENOTFOUND when nothing at all matches. OUT: new reference. */
enum rs_err rs_store_privacy_export(struct rs_store *s, int64_t merchant_id, const char *email,
                                    const char *phone, json_t **out) RS_MUST_CHECK;

/* Erase (see above). OUT: {"customers":n,"orders":n,…} rows changed or deleted per table (new
 * reference). RS_ENOTFOUND when nothing matches (nothing written). */
enum rs_err rs_store_privacy_erase(struct rs_store *s, int64_t merchant_id, const char *email,
                                   const char *phone, int64_t now, json_t **out) RS_MUST_CHECK;

/* The raw webhook payloads that may be about the customer's orders. OUT: *REFS, the refs of
 * their orders (a JSON array of strings); *CANDIDATES, MERCHANT_ID's inbound deliveries whose
 * payload is still kept and quotes one of those refs, [{id,source,topic,received_at,result,
 * payload_type,payload}] (payload as text). Quoting a ref is not proof the payload is about
 * that order: app/privacy.c confirms each one with the provider's adapter. New references. */
enum rs_err rs_store_privacy_payloads(struct rs_store *s, int64_t merchant_id, const char *email,
                                      const char *phone, json_t **refs, json_t **candidates) RS_MUST_CHECK;

/* Drop the kept payload of MERCHANT_ID's delivery INBOUND_ID; *N grows by the rows changed. */
enum rs_err rs_store_privacy_payload_drop(struct rs_store *s, int64_t merchant_id, int64_t inbound_id,
                                          int *n) RS_MUST_CHECK;

/* What one retention sweep deleted or cleared. */
struct rs_sweep_counts {
    int messages;      /* conversation messages deleted */
    int conversations; /* empty conversations deleted */
    int notifications; /* outbox rows whose copy (subject, body, error) was cleared */
    int incidents;     /* finished incidents whose texts (report, contact, log bodies) were cleared */
    int inbound;       /* inbound log rows deleted */
};

/* Transcript retention, every merchant at once: delete conversation messages older than the
 * merchant's support_settings.config "retention_days" (DEFAULT_DAYS when absent or not a
 * positive number) — except outgoing ones still being sent — then the conversations left empty
 * whose last message is that old too (an incident pointing at one keeps the incident, without
 * the link); and, as old, the copies of the notifications sent (outbox subject, body, last
 * error; attempts' errors), the rows staying; and the texts of incidents resolved or closed that
 * long ago (the customer's report and contact, the bodies of notes and replies), the incident,
 * its type, states, times and resolution staying. Also delete inbound webhook log rows received
 * before NOW - INBOUND_DAYS days (INBOUND_DAYS <= 0: keep them). OUT: the counts (may be NULL). */
enum rs_err rs_store_privacy_sweep(struct rs_store *s, int64_t now, int default_days, int inbound_days,
                                   struct rs_sweep_counts *out) RS_MUST_CHECK;

#endif
