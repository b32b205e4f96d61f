/* store_incident.h — storage of the incident workflow (migration 0007-support): incidents with
 * their conversation, agent, resolution and log, the merchant's support settings document,
 * agent look-ups for assignment, the marks on agent/policy coupons, and the candidates of the
 * policy sweep. Same rules as store.h: writes inside a transaction (the writer), reads on any
 * connection, every merchant-facing call filters by merchant id. The older incident calls of
 * store_page.h (create/list/get/update) stay for compatibility; the workflow uses these.
 * SQLite back end: store_incident_sqlite.c (slots RS_STORE_SLOTS_INCIDENT..+31). */
#ifndef RS_STORE_INCIDENT_H
#define RS_STORE_INCIDENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* A new incident (types/origin validated by the caller). Zero ids are stored as NULL. */
struct rs_incident_new {
    int64_t order_id, shipment_id, conversation_id;
    const char *type, *origin, *message, *contact, *locale, *policy, *offer;
    int64_t sla_due_at;
};
/* Insert IN (state open; the order's customer recorded). RS_ENOTFOUND when the order is not the
 * merchant's; RS_EDUPLICATE when POLICY already opened an incident for that shipment. OUT: *id. */
enum rs_err rs_store_incident_insert(struct rs_store *s, int64_t merchant_id, const struct rs_incident_new *in,
                                     int64_t now, int64_t *id) RS_MUST_CHECK;

/* The fields the workflow needs of one incident. */
struct rs_incident_row {
    int64_t id, merchant_id, order_id, shipment_id, customer_id, conversation_id, assigned_agent_id, coupon_id;
    int64_t sla_due_at, created_at, resolved_at;
    char type[24], state[24], origin[32], resolution[32], policy[64], offer[64];
    char locale[8];          /* the incident's, else the customer's, else the merchant's; "es"/"en" */
    char order_ref[128], tracking_code[32];
};
/* RS_ENOTFOUND when there is no incident ID of MERCHANT_ID. */
enum rs_err rs_store_incident_row(struct rs_store *s, int64_t merchant_id, int64_t id,
                                  struct rs_incident_row *out) RS_MUST_CHECK;

/* Field updates (updated_at = NOW). RS_ENOTFOUND when the incident is not the merchant's.
 * A state change to "resolved" also records resolved_at = NOW and resolved_by = ACTOR; back to
 * an open state (reopened) clears them; "closed" keeps them. */
enum rs_err rs_store_incident_set_state(struct rs_store *s, int64_t merchant_id, int64_t id, const char *state,
                                        const char *actor, int64_t now) RS_MUST_CHECK;
/* AGENT_ID 0: unassigned. */
enum rs_err rs_store_incident_set_agent(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t agent_id,
                                        int64_t now) RS_MUST_CHECK;
enum rs_err rs_store_incident_set_conversation(struct rs_store *s, int64_t merchant_id, int64_t id,
                                               int64_t conversation_id, int64_t now) RS_MUST_CHECK;
/* A new SLA due time (a reopened incident's new clock): its SLA alert may be told again. */
enum rs_err rs_store_incident_set_sla(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t sla_due_at,
                                      int64_t now) RS_MUST_CHECK;
/* SLA alerts (migration 0015): incidents of every merchant past their SLA (sla_due_at < NOW),
 * neither resolved nor closed, whose alert nobody claimed yet, soonest due first, up to MAX.
 * OUT: *n. */
struct rs_incident_due {
    int64_t id, merchant_id;
};
enum rs_err rs_store_incident_sla_unalerted(struct rs_store *s, int64_t now, struct rs_incident_due *out, int max,
                                            int *n) RS_MUST_CHECK;
/* Claim the SLA alert of incident ID at NOW: *CLAIMED when this call marked it (one atomic
 * UPDATE … WHERE sla_alerted_at IS NULL: two sweepers on one database never both claim it). */
enum rs_err rs_store_incident_sla_claim(struct rs_store *s, int64_t id, int64_t now, bool *claimed) RS_MUST_CHECK;
/* SLA alerts told so far (their 'state' log rows by 'system'): /metrics. */
enum rs_err rs_store_incident_sla_breached_count(struct rs_store *s, int64_t *n) RS_MUST_CHECK;
/* state resolved, resolution, resolved_by/at, coupon (0: none). */
enum rs_err rs_store_incident_set_resolution(struct rs_store *s, int64_t merchant_id, int64_t id,
                                             const char *resolution, const char *resolved_by, int64_t coupon_id,
                                             int64_t now) RS_MUST_CHECK;

/* One incident_log row. KIND: created, state, assigned, note, resolution, reply. */
struct rs_incident_log_in {
    const char *kind, *actor, *from_state, *to_state, *body;
};
enum rs_err rs_store_incident_log(struct rs_store *s, int64_t incident_id, const struct rs_incident_log_in *in,
                                  int64_t now) RS_MUST_CHECK;
/* *SAME when the newest incident_log row of INCIDENT_ID is IN (kind, actor, body) written at SINCE
 * or later: a request sent again (a client retrying after a timeout), not a second entry. */
enum rs_err rs_store_incident_log_resent(struct rs_store *s, int64_t incident_id, const struct rs_incident_log_in *in,
                                         int64_t since, bool *same) RS_MUST_CHECK;
/* The newest incident of ORDER_ID (MERCHANT_ID's) of TYPE that is neither resolved nor closed,
 * into *ID (0: none). */
enum rs_err rs_store_incident_unresolved(struct rs_store *s, int64_t merchant_id, int64_t order_id, const char *type,
                                         int64_t *id) RS_MUST_CHECK;
/* The incidents of conversation CONVERSATION_ID (MERCHANT_ID's) waiting for the customer's
 * reply (state waiting_customer), oldest first, up to MAX into IDS. OUT: *n. */
enum rs_err rs_store_incident_waiting(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, int64_t *ids,
                                      int max, int *n) RS_MUST_CHECK;
/* The message MESSAGE_ID (a reply the customer gets) is about INCIDENT_ID. */
enum rs_err rs_store_incident_link_message(struct rs_store *s, int64_t incident_id, int64_t message_id) RS_MUST_CHECK;

/* Everything an agent or a helpdesk needs about one incident: the store_page.h fields plus
 * shipment tracking_number, conversation_id, assigned_agent {id,email,name}, policy, offer,
 * resolved_by, resolved_at, breaching (bool at NOW), sla_alerted_at (time or null),
 * log [{kind,actor,from_state,to_state,body,created_at}] (notes included),
 * notes [{actor,body,created_at}], coupon {…} or null. RS_ENOTFOUND. */
enum rs_err rs_store_incident_detail(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t now,
                                     json_t **out) RS_MUST_CHECK;
/* A filtered list, newest first (the store_page.h row plus conversation_id, assigned_agent
 * email, breaching, sla_alerted_at). STATE, ORIGIN (the channel it came from), ORDER_REF,
 * AGENT_EMAIL NULL: any; BREACHING: sla_due_at < NOW and not resolved/closed; UNASSIGNED: no agent and not resolved/closed; BEFORE_ID > 0: id < BEFORE_ID. */
struct rs_incident_filter {
    const char *state, *origin, *order_ref, *agent_email;
    bool breaching, unassigned;
    int64_t before_id;
    int limit;
};
enum rs_err rs_store_incident_query(struct rs_store *s, int64_t merchant_id, const struct rs_incident_filter *f,
                                    int64_t now, json_t **out) RS_MUST_CHECK;

/* An active (not disabled) agent of MERCHANT_ID by id (ID > 0) or e-mail (case-insensitive).
 * OUT: *id and EMAIL (lower case). RS_ENOTFOUND otherwise (also another merchant's agent). */
enum rs_err rs_store_agent_of_merchant(struct rs_store *s, int64_t merchant_id, int64_t id, const char *email,
                                       int64_t *out_id, char out_email[256]) RS_MUST_CHECK;

/* Who issued coupon ID and for which incident (0: none). */
enum rs_err rs_store_coupon_mark(struct rs_store *s, int64_t coupon_id, const char *issued_by,
                                 int64_t incident_id) RS_MUST_CHECK;

/* The first coupon issued for INCIDENT_ID (a policy's, or the one it was resolved with) into
 * *COUPON_ID (0: none). */
enum rs_err rs_store_incident_coupon(struct rs_store *s, int64_t incident_id, int64_t *coupon_id) RS_MUST_CHECK;

/* The merchant's support settings document (NULL *out when never set; free() it). */
enum rs_err rs_store_support_settings_get(struct rs_store *s, int64_t merchant_id, char **out) RS_MUST_CHECK;
/* JSON NULL deletes the row (back to the shipped defaults). */
enum rs_err rs_store_support_settings_put(struct rs_store *s, int64_t merchant_id, const char *json,
                                          int64_t now) RS_MUST_CHECK;

/* The order's customer locale ("" when unknown), the merchant's locale and the order's
 * reference. RS_ENOTFOUND when the order is not the merchant's. */
enum rs_err rs_store_order_locale(struct rs_store *s, int64_t merchant_id, int64_t order_id, char locale[8],
                                  char merchant_locale[8], char order_ref[128]) RS_MUST_CHECK;

/* Merchants, ids > AFTER ascending, up to MAX. OUT: *n. */
enum rs_err rs_store_merchant_ids(struct rs_store *s, int64_t after, int64_t *ids, int max, int *n) RS_MUST_CHECK;

/* Policy sweep candidates of MERCHANT_ID: shipments not delivered/returning/returned/expired,
 * for which POLICY has not opened an incident and whose order has no unresolved incident of
 * TYPE, matching every condition given (a condition < 0 / NULL is not checked):
 *   NO_SCAN_BEFORE: scanned at least once, last scan before this time;
 *   BREACHED_BEFORE_DAY: the latest promised day told to the customer is before this day;
 *   STATUS: the shipment's canonical status.
 * Up to MAX (shipment id, order id) pairs, oldest shipment first. OUT: *n. */
struct rs_policy_match {
    int64_t shipment_id, order_id;
};
enum rs_err rs_store_policy_candidates(struct rs_store *s, int64_t merchant_id, const char *policy,
                                       const char *type, int64_t no_scan_before, int64_t breached_before_day,
                                       const char *status, struct rs_policy_match *out, int max,
                                       int *n) RS_MUST_CHECK;

#endif
