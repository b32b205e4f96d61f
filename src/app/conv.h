/* conv.h — conversations with customers: the one place a customer's message enters Rastro,
 * whatever the channel (SMS through Twilio or Infobip, WhatsApp, e-mail, web chat on the
 * tracking page, a phone call an agent logs), and the one place a reply leaves.
 *
 * A conversation belongs to one customer of one merchant, matched by phone or e-mail; a sender
 * we cannot match gets a conversation without a customer and is told nothing about any order
 * until they prove who they are the way the tracking page asks (tracking code, plus postcode or
 * e-mail for the full order; or, as on its look-up form, the order number with the postcode or
 * e-mail). Pairs that do not match count in the page's look-up limit (app/ratelimit.h). Each inbound message is recorded (de-duplicated by the provider's
 * message id, cut to RS_CONV_MAX_BODY bytes with a note, refused when it is not text), read by
 * the bot (core/intent.h), and answered: WISMO intents get the real status, promise window and
 * tracking link; problems open an incident (app/incident.h); talk_to_human or low confidence
 * hand the conversation to a person at once, saying so. While an agent holds the conversation
 * the bot stays quiet.
 *
 * Replies are message rows with state 'queued', written in the same transaction as the inbound
 * message; the dispatcher sends them on the conversation's channel through src/notify/.
 *
 * Every function here runs inside a write transaction (on the writer thread, from a
 * rs_writer_run job, or on a CLI's own store). Schema: src/store/sql/0007-support.sqlite.sql. */
#ifndef RS_APP_CONV_H
#define RS_APP_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* Longest message body kept, in bytes (longer ones are cut at a UTF-8 boundary, truncated=1). */
#define RS_CONV_MAX_BODY 4000
/* How long a question the bot asked (for a code, a postcode) waits for its answer, in seconds. A
 * customer who sends a bare code the next day is still answering it; one who sends it days later
 * is starting over, usually about another order or another matter: continuing a week-old "my
 * parcel arrived damaged" would open an incident nobody asked for. A day covers a customer who
 * has to find the confirmation e-mail or wait to get home. */
#define RS_CONV_QUESTION_TTL (24 * 3600)

/* The internal note written at every hand-over is this text followed by the reason's code
 * (talk_to_human, low_confidence, problem, bot_disabled, agent); the console shows it in words.
 * When the bot's reply told the customer when a person answers, RS_CONV_HANDOVER_PROMISE follows
 * with that time: a UTC timestamp ("2026-12-07T08:00:00Z", the team opens then) or
 * RS_CONV_HANDOVER_SOON (the team is at work). */
#define RS_CONV_HANDOVER_NOTE "Traspaso a una persona / Handed over to a person: "
#define RS_CONV_HANDOVER_PROMISE "; respuesta prometida / answer promised: "
#define RS_CONV_HANDOVER_SOON "en breve / shortly"

struct rs_inbound_msg {
    int64_t merchant_id;
    const char *channel;         /* "sms", "whatsapp", "email", "webchat", "phone" */
    const char *sms_provider;    /* "twilio" or "infobip" for SMS; NULL otherwise */
    const char *phone;           /* sender, E.164 (sms, whatsapp, phone) */
    const char *email;           /* sender (email) */
    const char *name;            /* sender's display name when the channel gives one */
    int64_t order_id;            /* webchat: the tracking page's order; 0 otherwise */
    bool verified;               /* webchat: the visitor proved postcode/e-mail on the page */
    const char *subject;         /* email */
    const char *body;            /* UTF-8 text (validated here) */
    size_t body_len;
    const char *provider_msg_id; /* MessageSid, wamid, Message-ID; NULL when none */
    const char *in_reply_to;     /* email: the first Message-ID of In-Reply-To, or NULL */
    const char *references;      /* email: the Message-IDs of References (oldest first, spaces), or NULL */
    bool automatic;              /* email: sent by a machine (out-of-office, bounce): recorded, never
                                  * answered, and no answer to a waiting incident */
    int64_t agent_id;            /* phone: the agent who logged the call */
    const char *locale;          /* "es"/"en" when the channel knows; NULL: guessed from text */
    const char *base_url;        /* public URL for tracking links when the merchant's settings
                                  * have none (the server's --base-url); NULL: a local default */
};

struct rs_inbound_result {
    int64_t conversation_id, message_id;
    bool duplicate;              /* the provider sent this message before: nothing new written */
    char intent[24];             /* the bot's reading ("" when the bot did not run) */
    float confidence;
    bool handed_over;            /* the conversation now waits for a person */
    int64_t incident_id;         /* an incident this message opened, or 0 */
    int64_t reply_id;            /* the bot's queued reply, or 0 */
};

/* Record IN, run the bot, queue its reply. RS_EINVAL with a reason for unusable input (not
 * UTF-8 text, empty, unknown channel). */
enum rs_err rs_conv_inbound(struct rs_store *s, const struct rs_inbound_msg *in, int64_t now,
                            struct rs_inbound_result *out) RS_MUST_CHECK;

/* Whether BODY (LEN bytes) is usable text: valid UTF-8, no NUL or other binary control bytes,
 * not blank. False with a reason a person understands in WHY. */
bool rs_conv_text_ok(const char *body, size_t len, char *why, size_t cap);
/* The language of TEXT by counting Spanish and English marker words: "es", "en", or NULL when
 * the text does not say (too short, a tie). */
const char *rs_conv_guess_lang(const char *text, size_t len);
/* A message the channel could not turn into text (a WhatsApp image, audio…): recorded once (by
 * IN->provider_msg_id) as a note "[KIND not supported]" in the sender's conversation, and, unless
 * an agent holds it, the customer is asked to write text. IN->body is ignored. */
enum rs_err rs_conv_inbound_unsupported(struct rs_store *s, const struct rs_inbound_msg *in, const char *kind,
                                        int64_t now, struct rs_inbound_result *out) RS_MUST_CHECK;
/* The customer opted back in to IN->channel (SMS or WhatsApp) by replying KEYWORD (START, ALTA,
 * UNSTOP) from IN->phone, and that lifted an opt-out: a note "[opted in again: KEYWORD]" in their
 * conversation (which also opens WhatsApp's window) and the bot's short confirmation ("optin" in
 * data/bot-replies-*.txt) queued on that channel, in the customer's language (unknown: Spanish for
 * ALTA, else the conversation's). Once per IN->provider_msg_id: a provider's retry is
 * out->duplicate and writes nothing. IN->body is ignored. OUT: conversation_id, message_id (the
 * note), reply_id. */
enum rs_err rs_conv_optin_ack(struct rs_store *s, const struct rs_inbound_msg *in, const char *keyword, int64_t now,
                              struct rs_inbound_result *out);

/* The bot's reply texts: section KEY of data/bot-replies-<LANG>.txt ("es" or "en"), or the
 * merchant's override (OVERRIDES: the "bot"."replies" object of the support settings, may be
 * NULL), rendered with VARS (indexed by enum rs_conv_var; NULL = empty) into OUT. RS_ENOTFOUND
 * when there is no such section; RS_EINVAL when an override does not compile. */
enum rs_conv_var {
    RS_CV_NAME = 0, RS_CV_ORDER_REF, RS_CV_TRACKING_CODE, RS_CV_STATUS_TEXT, RS_CV_PROMISE_TEXT,
    RS_CV_TRACKING_URL, RS_CV_INCIDENT_REF, RS_CV_MERCHANT_NAME, RS_CV_CITY, RS_CV_POSTCODE, RS_CV_PICKUP_POINT,
    RS_CV_PICKUP_DEADLINE, RS_CV_PICKUP_DEADLINE_TEXT, RS_CV_ANSWER_TEXT, RS_CV__COUNT
};
enum rs_err rs_conv_reply_text(const char *lang, const char *key, json_t *overrides, const char *const *vars,
                               char *out, size_t cap) RS_MUST_CHECK;

/* Queue BODY to the conversation's customer on its channel. AUTHOR: "agent" (AGENT_ID set),
 * "bot" or "system" (incident updates, coupons). OUT: the message id (may be NULL).
 * RS_ENOTFOUND when the conversation is not this merchant's. */
enum rs_err rs_conv_send(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, const char *author,
                         int64_t agent_id, const char *body, int64_t now, int64_t *message_id) RS_MUST_CHECK;

/* An internal note by an agent: never sent to the customer. */
enum rs_err rs_conv_note(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, int64_t agent_id,
                         const char *body, int64_t now, int64_t *message_id) RS_MUST_CHECK;

/* The conversation of the order's customer (created when there is none; channel taken from the
 * customer's preferred channel and contact data). Incidents opened from the tracking page or the
 * API use it to tell the customer what happens. OUT: *conversation_id. */
enum rs_err rs_conv_for_order(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                              int64_t *conversation_id) RS_MUST_CHECK;

/* An agent takes the conversation (AGENT_ID > 0; state 'agent', handover recorded with REASON
 * "agent" when the bot still had it), or gives it back to the queue (AGENT_ID 0). */
enum rs_err rs_conv_assign(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, int64_t agent_id,
                           int64_t now) RS_MUST_CHECK;
/* STATE: "bot", "agent" or "closed". */
enum rs_err rs_conv_set_state(struct rs_store *s, int64_t merchant_id, int64_t conversation_id, const char *state,
                              int64_t now) RS_MUST_CHECK;

#endif
