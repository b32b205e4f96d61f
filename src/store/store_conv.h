/* store_conv.h — storage of conversations with customers and their messages (migration
 * 0007-support): finding the conversation of a sender, recording messages (inbound ones once per
 * provider message id), the queue of outgoing replies (claimed by dispatchers with a lease, like
 * the outbox), receipts, and the listings the API and the console show.
 * Same rules as store.h: writes inside a transaction, every merchant-facing read filtered by
 * merchant. SQLite back end: store_conv_sqlite.c. */
#ifndef RS_STORE_CONV_H
#define RS_STORE_CONV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* One conversation row. Strings are "" when NULL in the database. */
struct rs_conv {
    int64_t id, merchant_id, customer_id, assigned_agent_id, order_id, verified_order_id;
    char phone[24], email[256];
    char channel[16], sms_provider[16], locale[8], state[16];
    char handover_reason[32];
    char subject[256];
    int64_t handover_at, last_inbound_at, last_message_at, created_at;
    /* the customer's, when matched ("" otherwise) */
    char customer_name[201], customer_locale[8];
};

/* Who wrote. */
struct rs_conv_sender {
    int64_t merchant_id;
    const char *channel;      /* sms, whatsapp, email, webchat, phone */
    const char *sms_provider; /* twilio, infobip or NULL */
    const char *phone;        /* E.164 or NULL */
    const char *email;        /* lower case or NULL */
    int64_t customer_id;      /* known already (webchat: the order's customer; phone); 0: match */
    const char *locale;       /* the channel's idea of the language, or NULL */
};

/* The conversation of SENDER: the customer matched by phone (then e-mail) among the merchant's
 * customers, else the conversation of that phone / e-mail without a customer; created when there
 * is none (locale: the customer's, else the merchant's). A closed conversation is reopened to the
 * bot. The channel (and SMS provider) become the sender's: replies go there. Inside a write
 * transaction. OUT: *c, *created. */
enum rs_err rs_store_conv_find_or_create(struct rs_store *s, const struct rs_conv_sender *sender, int64_t now,
                                         struct rs_conv *c, bool *created) RS_MUST_CHECK;
/* The conversation, and the incident it was about (0: none), of MERCHANT_ID's e-mail with
 * MESSAGE_ID (no angle brackets): one Rastro sent (a reply or an incident notice) or one the
 * customer sent. RS_ENOTFOUND when the merchant has no such e-mail. */
enum rs_err rs_store_conv_by_email_id(struct rs_store *s, int64_t merchant_id, const char *message_id,
                                      int64_t *conversation_id, int64_t *incident_id) RS_MUST_CHECK;
/* RS_ENOTFOUND when absent or another merchant's. */
enum rs_err rs_store_conv_get(struct rs_store *s, int64_t merchant_id, int64_t id, struct rs_conv *c) RS_MUST_CHECK;
/* The order's customer's conversation, created when there is none (channel from the customer's
 * contact data and preference). RS_ENOTFOUND when the order is not the merchant's. */
enum rs_err rs_store_conv_for_order(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                                    struct rs_conv *c) RS_MUST_CHECK;
/* Save the mutable fields of C (state, assigned agent, order, verified order, handover, locale,
 * channel, SMS provider, subject, last inbound). */
enum rs_err rs_store_conv_save(struct rs_store *s, const struct rs_conv *c, int64_t now) RS_MUST_CHECK;

/* A new message. */
struct rs_conv_msg_new {
    int64_t merchant_id, conversation_id;
    const char *direction; /* in, out, note */
    const char *channel;   /* sms, whatsapp, email, webchat, phone, console */
    const char *author;    /* customer, bot, agent, system */
    int64_t agent_id;      /* 0: none */
    const char *body;
    bool truncated;
    const char *intent;    /* NULL: none */
    double confidence;     /* < 0: none */
    const char *entities;  /* JSON text or NULL */
    int64_t incident_id;
    const char *provider_msg_id; /* inbound de-duplication key, or NULL */
    bool queue;            /* an outgoing reply to send: state queued, due now */
};
/* Insert M; the conversation's last_message_at (and last_inbound_at for direction in) move.
 * RS_EDUPLICATE when an inbound message (or note) with that provider message id exists (nothing
 * written). OUT: *id. */
enum rs_err rs_store_conv_msg_add(struct rs_store *s, const struct rs_conv_msg_new *m, int64_t now,
                                  int64_t *id) RS_MUST_CHECK;
/* The conversation's last message when it is DIRECTION ("out" or "note") by AUTHOR ("agent",
 * "system"…) and AGENT_ID (0: no agent) with BODY, written at or after SINCE (unix seconds): its id into *ID, else 0 (a message or
 * note sent again right after, e.g. an API client retrying after a timeout). */
enum rs_err rs_store_conv_msg_resent(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                     const char *direction, const char *author, int64_t agent_id, const char *body,
                                     int64_t since, int64_t *id) RS_MUST_CHECK;
/* Set the bot's reading of inbound message ID. */
enum rs_err rs_store_conv_msg_classified(struct rs_store *s, int64_t id, const char *intent, double confidence,
                                         const char *entities, int64_t incident_id) RS_MUST_CHECK;
/* The intent of the conversation's last inbound message before message BEFORE_ID when the bot
 * answered it and filed no incident for it (a question still waiting for a code or a postcode)
 * and it came at or after SINCE (unix seconds), else "" (none; a person held the conversation;
 * an incident took the problem; or the question is older than SINCE). With such a question,
 * when not NULL: its entities (JSON text, "" when none) into ENTITIES and its body into *BODY
 * (malloc'd; NULL when there is no question). */
enum rs_err rs_store_conv_prev_intent(struct rs_store *s, int64_t conversation_id, int64_t before_id, int64_t since,
                                      char *intent, size_t cap, char *entities, size_t ecap,
                                      char **body) RS_MUST_CHECK;
/* The channel of the conversation's last message to or from the customer, among those a reply
 * can go by (sms, whatsapp, email, webchat); "" when none. */
enum rs_err rs_store_conv_last_channel(struct rs_store *s, int64_t conversation_id, char *channel,
                                       size_t cap) RS_MUST_CHECK;
/* The highest message id of the conversation (0 when none) and, when AFTER >= 0, the first
 * outgoing message with an id above AFTER (0 when none) in *first_out_after. */
enum rs_err rs_store_conv_last_msg(struct rs_store *s, int64_t conversation_id, int64_t after, int64_t *last_id,
                                   int64_t *first_out_after) RS_MUST_CHECK;

/* ---- what the bot may say about an order ---- */
struct rs_conv_order {
    int64_t id, customer_id, shipment_id; /* shipment: the latest one, 0 when none */
    char order_ref[129], tracking_code[32];
    char status[32];          /* the order's status */
    char ship_status[32], ship_substatus[32], carrier[64], dest_city[128];
    char postcode[32];        /* dest postcode, as stored */
    char email[256], phone[24]; /* the customer's */
    char locale[8];
    int64_t out_for_delivery_at; /* the latest shipment's newest scan out for delivery while it
                                  * is out (a second day after a failed attempt), else its first */
    char zone[64];               /* the zone the customer reads days in (their "today": util/tz.h) */
};
/* By tracking code (BY = 'c'), by order reference ('r'), by id ('i': KEY is the decimal id) or
 * the latest order of the customer ('u': KEY the decimal customer id), all within MERCHANT_ID.
 * RS_ENOTFOUND when none. */
enum rs_err rs_store_conv_order(struct rs_store *s, int64_t merchant_id, char by, const char *key,
                                struct rs_conv_order *out) RS_MUST_CHECK;
/* Up to CAP ids (*N of them) of CUSTOMER_ID's orders not yet delivered, cancelled or returned,
 * the newest placed first (the bot names them all when asked where "my order" is). */
enum rs_err rs_store_conv_customer_open_orders(struct rs_store *s, int64_t merchant_id, int64_t customer_id,
                                               int64_t *ids, size_t cap, size_t *n) RS_MUST_CHECK;
/* The merchant's support settings JSON text (malloc'd; NULL when none). */
enum rs_err rs_store_support_config(struct rs_store *s, int64_t merchant_id, char **config) RS_MUST_CHECK;
/* Whether an agent of MERCHANT_ID has id ID (live), or the id of the agent with EMAIL (lower
 * case): RS_ENOTFOUND when none. */
enum rs_err rs_store_conv_agent_by_email(struct rs_store *s, int64_t merchant_id, const char *email,
                                         int64_t *id) RS_MUST_CHECK;
enum rs_err rs_store_conv_agent_exists(struct rs_store *s, int64_t merchant_id, int64_t id) RS_MUST_CHECK;

/* ---- the reply queue ---- */
/* Claim up to MAX due replies (queued and due, or sending with an expired lease) for OWNER until
 * NOW+LEASE_S. OUT: ids[0..*n). */
enum rs_err rs_store_reply_claim(struct rs_store *s, const char *owner, int64_t now, int lease_s, int64_t *ids,
                                 int max, int *n) RS_MUST_CHECK;
/* Everything needed to send one reply. */
struct rs_reply_job {
    int64_t id, merchant_id, conversation_id;
    char state[16], channel[16], sms_provider[16], locale[8];
    char phone[24], email[256], name[201], subject[256];
    char *body; /* malloc'd: free() */
    int attempts;
    int64_t created_at;
    int64_t wa_last_inbound; /* the conversation's last WhatsApp message from the customer */
    char in_reply_to[256];   /* e-mail: Message-ID of the customer's last e-mail before it, or "" */
    /* another way to reach the customer when the channel cannot carry the reply (WhatsApp
     * after its 24-hour window): the known customer's e-mail, and their opt-outs */
    char customer_email[256];
    bool optout_email, optout_sms;
    int64_t incident_id; /* the incident the message is about (its notices), or 0 */
};
enum rs_err rs_store_reply_load(struct rs_store *s, int64_t id, struct rs_reply_job *out) RS_MUST_CHECK;
/* The outcome: STATE sent, queued (retry at NEXT_AT) or failed; CHANNEL, when not NULL, the
 * channel it went by instead of the conversation's. RS_ECONFLICT when OWNER no longer holds the
 * lease (nothing written). */
enum rs_err rs_store_reply_finish(struct rs_store *s, int64_t id, const char *owner, const char *state,
                                  int attempts, int64_t next_at, const char *provider_id, const char *error,
                                  const char *channel, int64_t now) RS_MUST_CHECK;
/* A provider's receipt for a reply: sent → delivered/failed (delivered after failed accepted).
 * RS_ENOTFOUND when no reply of the merchant has that provider id. */
enum rs_err rs_store_reply_receipt(struct rs_store *s, int64_t merchant_id, const char *provider_id,
                                   const char *state, const char *error, int64_t now) RS_MUST_CHECK;
/* Counts of replies by state: queued, sending, sent, delivered, failed. */
enum rs_err rs_store_reply_counts(struct rs_store *s, int64_t counts[5]) RS_MUST_CHECK;

/* ---- listings (any connection) ---- */
enum rs_conv_queue { RS_CONVQ_ALL = 0, RS_CONVQ_UNASSIGNED, RS_CONVQ_MINE, RS_CONVQ_WAITING, RS_CONVQ_BREACHING };
/* Conversations of the merchant in QUEUE (MINE: assigned to AGENT_ID, or to anyone when 0;
 * ALL: AGENT_ID filters when > 0), most recent activity first, after CURSOR ("" = start; the
 * "next_cursor" of the previous page), at most LIMIT. OUT: {"conversations":[…],
 * "next_cursor": "…"|null}. */
enum rs_err rs_store_conv_list_json(struct rs_store *s, int64_t merchant_id, enum rs_conv_queue queue,
                                    int64_t agent_id, const char *cursor, int limit, int64_t now,
                                    json_t **out) RS_MUST_CHECK;
/* The messages of a conversation of the merchant, oldest first: [{id, direction, channel, author,
 * agent (e-mail), agent_name, body, truncated, intent, confidence, entities, incident_id, state,
 * attempts, provider_id, last_error, created_at, sent_at (RFC 3339)}]. The API's conversation
 * view and the console both read them here. */
enum rs_err rs_store_conv_messages_json(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                        json_t **out) RS_MUST_CHECK;
/* One conversation with its messages (oldest first). RS_ENOTFOUND when absent. */
enum rs_err rs_store_conv_json(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out) RS_MUST_CHECK;
/* The incidents of an order: [{id, type, state, origin, sla_due_at, created_at, …}]. */
enum rs_err rs_store_conv_order_incidents_json(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                               json_t **out) RS_MUST_CHECK;

#endif
