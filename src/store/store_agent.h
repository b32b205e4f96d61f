/* store_agent.h — agents, their console sessions, and what the console reads (queues, a
 * conversation with its messages, incidents with their log). Tables of 0007-support. Same rules
 * as store.h: writes inside a transaction; every console read takes the agent's merchant id and
 * filters by it, so another merchant's rows behave as missing ones. SQLite back end:
 * store_agent_sqlite.c (slots RS_STORE_SLOTS_AGENT..+31). */
#ifndef RS_STORE_AGENT_H
#define RS_STORE_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct rs_agent {
    int64_t id, merchant_id;
    char email[256];          /* lower case */
    char name[128];
    char role[8];             /* "agent" or "admin" */
    char locale[8];           /* "es" or "en" */
    char password_hash[192];  /* PHC string */
    int64_t created_at, disabled_at; /* disabled_at 0: active */
};

/* Insert A (id, created_at ignored). RS_ECONFLICT when the e-mail is taken; RS_ENOTFOUND when
 * the merchant does not exist. OUT: *id. */
enum rs_err rs_store_agent_create(struct rs_store *s, const struct rs_agent *a, int64_t now, int64_t *id) RS_MUST_CHECK;
/* By e-mail (lower case). RS_ENOTFOUND when absent. */
enum rs_err rs_store_agent_by_email(struct rs_store *s, const char *email, struct rs_agent *out) RS_MUST_CHECK;
/* [{id,merchant_id,email,name,role,locale,created_at,disabled}] of one merchant (0: all). */
enum rs_err rs_store_agent_list(struct rs_store *s, int64_t merchant_id, json_t **out) RS_MUST_CHECK;
enum rs_err rs_store_agent_set_locale(struct rs_store *s, int64_t agent_id, const char *locale) RS_MUST_CHECK;
/* Replace the agent's password hash (a PHC string). */
enum rs_err rs_store_agent_set_password(struct rs_store *s, int64_t agent_id, const char *phc) RS_MUST_CHECK;
/* End every console session of AGENT_ID (after a new password). */
enum rs_err rs_store_agent_sessions_end(struct rs_store *s, int64_t agent_id) RS_MUST_CHECK;
/* Disable (DISABLED) or enable agent AGENT_ID. Disabling also ends its console sessions and
 * puts what it held back in the queues: its open conversations and unresolved incidents lose
 * their assignee (each incident logs it). OUT: *released, how many were put back. */
enum rs_err rs_store_agent_set_disabled(struct rs_store *s, int64_t agent_id, bool disabled, int64_t now,
                                        int *released) RS_MUST_CHECK;
/* One agent of a merchant. RS_ENOTFOUND when absent or another merchant's. */
enum rs_err rs_store_agent_get(struct rs_store *s, int64_t merchant_id, int64_t agent_id, struct rs_agent *out) RS_MUST_CHECK;

/* ---- sessions ---- */
struct rs_agent_session {
    struct rs_agent agent;
    char csrf[48];
    int64_t created_at, last_seen_at, expires_at;
};
enum rs_err rs_store_session_create(struct rs_store *s, const unsigned char hash[32], int64_t agent_id,
                                    const char *csrf, int64_t now, int64_t expires_at) RS_MUST_CHECK;
/* The session with its agent. RS_ENOTFOUND when absent (expiry is the caller's to judge). */
enum rs_err rs_store_session_get(struct rs_store *s, const unsigned char hash[32], struct rs_agent_session *out) RS_MUST_CHECK;
enum rs_err rs_store_session_touch(struct rs_store *s, const unsigned char hash[32], int64_t now) RS_MUST_CHECK;
enum rs_err rs_store_session_delete(struct rs_store *s, const unsigned char hash[32]) RS_MUST_CHECK;
/* Drop sessions past their absolute expiry or idle since before IDLE_BEFORE. */
enum rs_err rs_store_session_purge(struct rs_store *s, int64_t now, int64_t idle_before) RS_MUST_CHECK;

/* ---- console reads ---- */
enum rs_console_queue {
    RS_Q_UNASSIGNED = 0, /* handed over to a person, nobody has it */
    RS_Q_MINE,           /* held by this agent, not closed */
    RS_Q_WAITING,        /* held by a person, the last word is ours: waiting for the customer */
    RS_Q_BREACHING,      /* incidents not resolved past their SLA due time (incident rows) */
    RS_Q_INCIDENTS,      /* every unresolved incident, soonest SLA first (incident rows) */
    RS_Q_BOT,            /* the bot is answering */
    RS_Q_CLOSED,
    RS_Q_COUNT
};
/* How many conversations in each queue (COUNTS[RS_Q_COUNT]). */
enum rs_err rs_store_console_counts(struct rs_store *s, int64_t merchant_id, int64_t agent_id, int64_t now,
                                    int64_t counts[RS_Q_COUNT]) RS_MUST_CHECK;
/* The rows of a queue, most urgent first. Conversation queues: [{id,channel,state,name,phone,
 * email,agent_name,order_ref,handover_reason,last_message_at,last_body,last_author}];
 * incident queues: [{incident_id,id (its conversation, 0 when none),type,state,order_ref,name,
 * agent_name,sla_due_at,created_at}]. Times are epoch seconds. At most LIMIT rows; BEFORE > 0
 * continues the list after the row with that id (a conversation id, or an incident id in the
 * incident queues: the last row of the previous page, as ?before= of the API's lists); a BEFORE
 * that is not this merchant's gives an empty page. */
enum rs_err rs_store_console_queue(struct rs_store *s, int64_t merchant_id, int64_t agent_id,
                                   enum rs_console_queue q, int64_t now, int limit, int64_t before,
                                   json_t **out) RS_MUST_CHECK;
/* What an agent typed in the console's search box, in each form it can match ("" or NULL: that
 * form does not apply). */
struct rs_console_search {
    const char *order_ref;       /* orders.order_ref, any case */
    const char *tracking_code;   /* a canonical public tracking code (core/trackcode.h) */
    const char *tracking_number; /* a carrier's number, upper case, letters and digits only */
    const char *email;           /* lower case */
    const char *phone_digits;    /* 6 or more digits: the end of a stored E.164 phone */
    const char *name;            /* folded (util/fold.h): inside the customer's folded name */
    int64_t incident_id;         /* "INC-000042" as typed by the customer (0: none) */
};
/* Conversations matching Q, newest first, at most LIMIT, rows as the conversation queues. A
 * conversation matches by its order, or by its customer when that customer has a matching order
 * (a customer who writes before the order is linked), by its or its customer's e-mail or phone,
 * or by the customer's name. */
enum rs_err rs_store_console_search(struct rs_store *s, int64_t merchant_id, const struct rs_console_search *q,
                                    int limit, json_t **out) RS_MUST_CHECK;
/* Incidents matching Q, newest first (open or not), at most LIMIT, rows as the incident queues:
 * by number, by order (and the order customer's other orders), by the e-mail, phone or name of
 * the order's customer or of the incident's conversation. */
enum rs_err rs_store_console_search_incidents(struct rs_store *s, int64_t merchant_id,
                                              const struct rs_console_search *q, int limit,
                                              json_t **out) RS_MUST_CHECK;
/* One conversation: {id,channel,sms_provider,state,locale,phone,email,subject,customer_id,name,
 * customer_phone,customer_email,assigned_agent_id,agent_name,order_id,order_ref,verified_order_id,
 * handover_at,handover_reason,created_at,last_message_at}. RS_ENOTFOUND when not this merchant's. */
enum rs_err rs_store_console_conversation(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out) RS_MUST_CHECK;
/* Incidents of a conversation or of an order (either may be 0), newest first, each with its
 * "log": [{id,order_id,order_ref,conversation_id,type,state,origin,message,resolution,
 * resolved_by,resolved_at,sla_due_at,assigned_agent_id,agent_name,coupon_code,created_at,log:[…]}]. */
enum rs_err rs_store_console_incidents(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                       int64_t order_id, json_t **out) RS_MUST_CHECK;
/* One incident in the same shape. RS_ENOTFOUND when not this merchant's. */
enum rs_err rs_store_console_incident(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out) RS_MUST_CHECK;
/* A message of this merchant: its conversation and body (for "incident from this message").
 * OUT: BODY (cap bytes). RS_ENOTFOUND otherwise. */
enum rs_err rs_store_console_message(struct rs_store *s, int64_t merchant_id, int64_t message_id,
                                     int64_t *conversation_id, char *body, size_t cap) RS_MUST_CHECK;
/* The merchant's name and IANA time zone. */
enum rs_err rs_store_console_merchant(struct rs_store *s, int64_t merchant_id, char name[128], char tz[64]) RS_MUST_CHECK;

#endif
