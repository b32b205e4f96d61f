/* incident.h — incidents: a problem with an order that someone must resolve (lost, late,
 * damaged, missing or wrong item, address, customs, return, other), from any channel.
 *
 * Each incident has a type, a state (open, waiting_customer, waiting_carrier, resolved, closed),
 * an SLA due time from the merchant's support settings (hours per type), an optional assigned
 * agent, the customer's conversation (its message thread), internal notes, and a resolution
 * (reship, refund, coupon, no_action) recorded with who and when. Every change is a row of
 * incident_log; every change of state is told to the customer on their channel
 * (rs_conv_send, in their language). Policies (support settings, data) open incidents by
 * themselves, e.g. "lost: no scan for 7 days → offer reship or refund".
 *
 * Every function runs inside a write transaction (writer thread or a CLI's store).
 * ACTOR: "agent:<email>", "api", "bot", "policy", "customer". */
#ifndef RS_APP_INCIDENT_H
#define RS_APP_INCIDENT_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "store/store_coupon.h"

/* A report of the same order, type, origin and message sent again within this many seconds (a
 * double tap, a reload that posts the form again, an API client retrying after a timeout) is the
 * same report: the first one answers, none is opened (rs_store_incident_resent). */
#define RS_INCIDENT_RESENT_S (15 * 60)

/* The longest message an incident opens with, in bytes (the tracking page's report form takes
 * 2000 characters, which an accented or non-Latin text makes more than 2000 bytes). */
#define RS_INCIDENT_MESSAGE_MAX 4000

struct rs_incident_open {
    int64_t order_id;
    int64_t conversation_id;     /* 0: the order's customer conversation (rs_conv_for_order) */
    const char *type;            /* validated by the caller against the incident types */
    const char *origin;          /* tracking_page, api, email, sms, whatsapp, webchat, phone, bot, policy */
    const char *message, *contact, *locale;
    const char *policy, *offer;  /* when a policy opened it */
    const char *about;           /* what the customer asked when the type says less (type other):
                                  * "cancel" a cancellation request, "refund" a refund's status;
                                  * NULL: the type. Only the words the customer reads change. */
    int64_t sla_due_at;          /* 0: now + the type's hours in the support settings */
};
/* When the customer will be answered, in words of LOCALE ("es", "en", "en-US", "es-MX"…; English
 * when it starts with "en"), for an incident due at DUE (its SLA) seen at NOW: "within 24 hours" /
 * "en menos de 24 horas", "within 1 hour", or, the due time past, "as soon as we can" (no promise
 * in hours). With ZONE (the shop's time zone when its support works business hours; NULL or ""
 * otherwise) the due day and time, naming the zone (the customer may live in another): "antes
 * del miércoles 9 de diciembre a las 14:00 (hora de España)"; in English the way the locale's
 * region writes it: "by Wednesday, December 9 at 2:00 PM (Spain Time)" (en, en-US), "by Wednesday
 * 9 December at 14:00 (Spain Time)" (en-GB). The words of the message that tells them and of the
 * tracking page's confirmation. */
void rs_incident_answer_words(int64_t due, int64_t now, const char *zone, const char *locale, char *out, size_t cap);
/* The ZONE for rs_incident_answer_words: "" when the merchant's support settings set no business
 * hours; else the zone ORDER_ID's customer reads times in at NOW (their own, their country's when
 * the order goes abroad: util/tz.h rs_tz_customer_zone), the support team's zone otherwise. The
 * SLA is counted in the team's business hours either way; only the words change. */
enum rs_err rs_incident_answer_zone(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                                    char zone[64]) RS_MUST_CHECK;
/* When a person will answer a conversation handed over at NOW, in words of LOCALE (as
 * rs_incident_answer_words): "en breve" / "shortly" when the team works at AT (AT <= NOW, or no
 * ZONE), else "a partir del lunes 7 de diciembre a las 09:00 (hora de España)" / "from Monday,
 * 7 December at 09:00 (Spain Time)". The {{answer_text}} of the bot's hand-over reply. */
void rs_incident_open_words(int64_t at, int64_t now, const char *zone, const char *locale, char *out, size_t cap);
/* When MERCHANT_ID's team is next at work, seen at NOW (support settings' business hours in the
 * promise settings' zone, its calendar's holidays off: rs_support_next_open): *AT (NOW when it
 * works now or keeps no business hours), and the ZONE ORDER_ID's customer reads it in
 * (rs_incident_answer_zone's rule; "" without business hours). */
enum rs_err rs_incident_team_open(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                                  int64_t *at, char zone[64]) RS_MUST_CHECK;
/* Open an incident (SLA due from the merchant's settings), log it, tell the customer.
 * RS_ENOTFOUND when the order is not this merchant's. OUT: *id. */
enum rs_err rs_incident_open(struct rs_store *s, int64_t merchant_id, const struct rs_incident_open *in,
                             const char *actor, int64_t now, int64_t *id) RS_MUST_CHECK;
/* The order's newest incident of the same problem as TYPE that is neither resolved nor closed,
 * into *ID (0: none). "late" and "lost" are one problem (the parcel has not come: the page's
 * "not arrived" is late, the bot's "not received" lost). */
enum rs_err rs_incident_unresolved(struct rs_store *s, int64_t merchant_id, int64_t order_id, const char *type,
                                   int64_t *id) RS_MUST_CHECK;
/* A customer's report of a problem (the tracking page's form): when the order already has an
 * unresolved incident of the same problem (rs_incident_unresolved), reported on any channel, the
 * message becomes a note of that incident by ACTOR, *ID is that incident and *EXISTING true, and
 * nobody is told twice; else rs_incident_open. */
enum rs_err rs_incident_report(struct rs_store *s, int64_t merchant_id, const struct rs_incident_open *in,
                               const char *actor, int64_t now, int64_t *id, bool *existing) RS_MUST_CHECK;
enum rs_err rs_incident_set_state(struct rs_store *s, int64_t merchant_id, int64_t id, const char *state,
                                  const char *actor, int64_t now) RS_MUST_CHECK;
/* The customer wrote on conversation CONVERSATION_ID: every incident of it waiting for their
 * reply (waiting_customer) is open again, logged as the customer's; they are not told (they just
 * wrote). ONLY, when not 0, is the incident the message answers (an e-mail's In-Reply-To, or the
 * reference in its subject): then only that one, if it waits; with REOPEN (the message is more
 * than a thank-you), a resolved ONLY of this conversation is reopened (rs_incident_set_state by
 * "customer": a new SLA, and they are told it). *INCIDENT_ID: the newest of them (0: none). */
enum rs_err rs_incident_customer_replied(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                         int64_t only, bool reopen, int64_t now, int64_t *incident_id) RS_MUST_CHECK;
/* AGENT_ID 0 unassigns. */
enum rs_err rs_incident_assign(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t agent_id,
                               const char *actor, int64_t now) RS_MUST_CHECK;
/* An internal note. The same note by the same ACTOR sent again within RS_INCIDENT_RESENT_S of the
 * last entry (a client retrying after a timeout) is not written twice: *RETRIED (may be NULL) is
 * then true. */
enum rs_err rs_incident_note(struct rs_store *s, int64_t merchant_id, int64_t id, const char *body,
                             const char *actor, int64_t now, bool *retried) RS_MUST_CHECK;

/* What a coupon is worth. */
struct rs_coupon_req {
    const char *kind;            /* "percent" or "amount" */
    int64_t value_cents;         /* 10 % = 1000; 5.00 EUR = 500 */
    const char *currency;        /* amount coupons */
    int64_t expires_at;          /* 0: the merchant's default validity */
    const char *reason;          /* "late", "damaged", "goodwill", … */
};
/* Issue a coupon for an order (by policy or by an agent), store it, send it to the customer.
 * INCIDENT_ID may be 0; RS_EDUPLICATE when that incident already has a coupon. OUT: the coupon
 * (code filled). */
enum rs_err rs_coupon_issue(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t incident_id,
                            const struct rs_coupon_req *c, const char *actor, int64_t now,
                            struct rs_coupon *out) RS_MUST_CHECK;
/* Resolve: RESOLUTION "reship", "refund", "coupon" or "no_action"; state becomes resolved,
 * resolved_by/at recorded, the customer told. An incident gets one coupon at most: "coupon" with
 * COUPON issues it (RS_EDUPLICATE when the incident already has one: a policy's, or one issued
 * before it was reopened), "coupon" without COUPON resolves with the one it has (RS_EINVAL when
 * it has none). RS_ECONFLICT when already resolved or closed. COUPON_OUT may be NULL. */
enum rs_err rs_incident_resolve(struct rs_store *s, int64_t merchant_id, int64_t id, const char *resolution,
                                const struct rs_coupon_req *coupon, const char *actor, int64_t now,
                                struct rs_coupon *coupon_out) RS_MUST_CHECK;

/* Apply the merchant policies to every open shipment (periodic, in the worker). OUT: opened. */
enum rs_err rs_incident_policy_sweep(struct rs_store *s, int64_t now, int *opened) RS_MUST_CHECK;

/* Tell the team about every incident that passed its SLA (due before NOW, neither resolved nor
 * closed) and was not told yet: once per incident and SLA (a reopened incident's new SLA may be
 * told again), whichever sweeper gets there first (rs_store_incident_sla_claim). Each is a
 * 'state' row by 'system' in its log ("SLA passed (due …); the team is told by …") and the
 * team's alerts are queued (rs_app_notify_incident_sla: the merchant webhook
 * incident.sla_breached, an e-mail to the support settings' alerts.email). OUT: *alerted. */
enum rs_err rs_incident_sla_sweep(struct rs_store *s, int64_t now, int *alerted) RS_MUST_CHECK;

/* An incident that passed its SLA, as the team's alert tells it. */
struct rs_sla_alert {
    int64_t incident_id, opened_at, due;
    const char *order_ref, *type, *state, *origin;
    const char *agent_email;     /* the assigned agent's, NULL: nobody */
    const char *console_url;     /* the incident in the agent console */
    const char *zone;            /* the shop's IANA time zone for the times; NULL or "": UTC */
    int64_t now;                 /* when it is sent: how late it is ("3 h late"); 0: not said */
};
/* The team's alert e-mail for A, in Spanish then English: SUBJECT ("[INC-000042] Fuera de plazo /
 * Past its SLA: …"), plain TEXT and HTML (values escaped), each malloc'd (free them). The due
 * line says how late it is at A->now ("con 3 h de retraso" / "3 h late"). */
void rs_incident_sla_alert_mail(const struct rs_sla_alert *a, char **subject, char **text, char **html);
/* How late something due DUE is at NOW, in words: "con 40 min de retraso" / "40 min late" under
 * an hour, hours up to 48 h ("con 3 h de retraso" / "3 h late"), days beyond ("con 3 días de
 * retraso" / "3 days late"); "" when it is not past due. */
void rs_incident_late_words(int64_t due, int64_t now, bool en, char *out, size_t cap);
/* TEXT, a log row's body or an incident's message, appended to B in the reader's language: the
 * texts the app writes itself (an SLA alert, a reopening's new SLA, a reply not sent, a policy's
 * reason: stored in English, the API's language) in Spanish when EN is false; anything else (what
 * a person wrote) as it is. */
struct rs_buf;
void rs_incident_text_local(const char *text, bool en, struct rs_buf *b);

#endif
