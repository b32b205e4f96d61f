/* notify_tpl.h — the customer-message templates of every trigger and channel, per language.
 *
 * A template set (struct rs_tplset) holds, for one language, the compiled templates of every
 * trigger × channel part, the email layouts, and the phrases used to explain a status in plain
 * words (the cause of an exception and what the customer can do, the next step after a failed
 * attempt). It is built from text in the sectioned format below: first Rastro's own
 * (data/templates-es.txt, data/templates-en.txt, loaded by the caller), then optionally a
 * merchant's override text in the same format, whose sections replace the built-in ones.
 *
 *   # comment lines (only before the first section)
 *   === shipped.email.subject
 *   Tu pedido {{order_ref}} ya está en camino
 *   === shipped.sms.text
 *   …
 *
 * Section keys:
 *   <trigger>.email.subject|html|text   <trigger>.sms.text   <trigger>.push.title|body
 *   <trigger>.whatsapp.text             (session message, inside the 24-hour window)
 *   <trigger>.whatsapp.template         (approved template name, outside the window)
 *   <trigger>.whatsapp.params           (one parameter per line, in the template's order)
 *   layout.email.html|text              (wraps every email; {{> content}} is the message)
 *   status.<status>|default  detail.<substatus>  cause.<substatus>|default
 *   action.<substatus>|default  next.<substatus>|default  short.<substatus>
 * Webhooks carry data, not text, and have no template. The body of a section runs to the next
 * "=== " line; trailing blank lines are dropped.
 *
 * Ownership: the set borrows the texts it was parsed from (they must outlive it; embedded assets
 * live forever) and keeps its compiled ops inside itself, so the caller allocates one struct
 * (~150 KB) per language per merchant configuration. Rendering is read-only: one set may be
 * shared by threads once built. Pure: no I/O. */
#ifndef RS_NOTIFY_TPL_H
#define RS_NOTIFY_TPL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/notify.h"
#include "core/status.h"
#include "core/tpl.h"

/* Template variables. Values are UTF-8 text, already formatted for the customer's language
 * (dates through util/locfmt.h); NULL or "" is empty. */
enum rs_tvar {
    RS_TV_FIRST_NAME = 0,         /* first_name: "Lucía" */
    RS_TV_MERCHANT_NAME,          /* merchant_name */
    RS_TV_ORDER_REF,              /* order_ref: the merchant's order number */
    RS_TV_TRACKING_CODE,          /* tracking_code: "RX-7K4Q-9PZD" */
    RS_TV_TRACKING_URL,           /* tracking_url: the public tracking page */
    RS_TV_CARRIER,                /* carrier: display name, "Correos Express" */
    RS_TV_TRACKING_NUMBER,        /* tracking_number */
    RS_TV_STATUS_TEXT,            /* status_text: from status.<status> when not given */
    RS_TV_DETAIL_TEXT,            /* detail_text: from detail.<substatus> when not given */
    RS_TV_PROMISE_TEXT,           /* promise_text: "entre el martes 24 y el jueves 26 de noviembre" */
    RS_TV_PREVIOUS_PROMISE_TEXT,  /* previous_promise_text: the window before it slipped */
    RS_TV_ETA_TEXT,               /* eta_text: "entre las 10:00 y las 12:00" */
    RS_TV_PICKUP_POINT,           /* pickup_point: name of the shop or locker */
    RS_TV_PICKUP_ADDRESS,         /* pickup_address */
    RS_TV_PICKUP_DEADLINE,        /* pickup_deadline: "jueves 26 de noviembre" */
    RS_TV_CAUSE_TEXT,             /* cause_text: from cause.<substatus> when not given */
    RS_TV_ACTION_TEXT,            /* action_text: from action.<substatus> when not given */
    RS_TV_NEXT_STEP_TEXT,         /* next_step_text: from next.<substatus> when not given */
    RS_TV_COUPON_CODE,            /* coupon_code */
    RS_TV_COUPON_VALUE,           /* coupon_value: "10 %", "5,00 €" */
    RS_TV_COUPON_EXPIRY,          /* coupon_expiry: a formatted day */
    RS_TV_UNSUBSCRIBE_URL,        /* unsubscribe_url (RFC 8058 one-click link) */
    RS_TV_SUPPORT_URL,            /* support_url: where to write to the merchant */
    RS_TV_QUIET_DAYS,             /* quiet_days: whole days since the last carrier scan, "5" */
    RS_TV_QUIET_DAYS_TEXT,        /* quiet_days_text: the same in words, "5 días" / "1 day" */
    RS_TV_LAST_EVENT_TEXT,        /* last_event_text: the last scan's day, "jueves 26 de noviembre" */
    RS_TV_SHORT_TEXT,             /* short_text: from short.<substatus> when not given (SMS) */
    RS_TV_CARRIER_ESTIMATE_TEXT,  /* carrier_estimate_text: "según la nueva estimación de SEUR" when
                                   * the window is the carrier's own estimate, else empty */
    RS_TV_PICKUP_DEADLINE_TEXT,   /* pickup_deadline_text: the last day as said on the day the
                                   * customer reads it: "mañana, jueves 26 de noviembre", "el jueves
                                   * 26 de noviembre" / "tomorrow, Thursday 26 November" */
    RS_TV__COUNT
};

/* The variable's name in templates ("first_name"); "" when out of range. */
const char *rs_tvar_name(enum rs_tvar v);

/* The parts a channel's message is made of. */
enum rs_tpart {
    RS_TPART_EMAIL_SUBJECT = 0,
    RS_TPART_EMAIL_HTML,
    RS_TPART_EMAIL_TEXT,
    RS_TPART_SMS_TEXT,
    RS_TPART_WA_TEXT,
    RS_TPART_WA_TEMPLATE,
    RS_TPART_WA_PARAMS,
    RS_TPART_PUSH_TITLE,
    RS_TPART_PUSH_BODY,
    RS_TPART__COUNT
};

/* "shipped.email.subject" style key of a part: its channel and its last word. */
enum rs_channel rs_tpart_channel(enum rs_tpart p);
const char *rs_tpart_name(enum rs_tpart p); /* "subject", "html", "text", "template"… */

enum rs_phrase {
    RS_PHRASE_STATUS = 0, /* indexed by enum rs_status (NONE = default) */
    RS_PHRASE_DETAIL,     /* by enum rs_substatus */
    RS_PHRASE_CAUSE,      /* by substatus (NONE = default) */
    RS_PHRASE_ACTION,
    RS_PHRASE_NEXT,
    RS_PHRASE_SHORT,      /* by substatus, no default: what happened and what to do in a few
                           * words, sized and spelt for one GSM-7 SMS part */
    RS_PHRASE__COUNT
};

#define RS_PHRASE_SLOTS ((int)RS_SUB__COUNT > (int)RS_STATUS__COUNT ? (int)RS_SUB__COUNT : (int)RS_STATUS__COUNT)
#define RS_TPLSET_MAX_OPS 12000
#define RS_WA_MAX_PARAMS 10

struct rs_tplset {
    char lang[16];                                     /* "es", "en" */
    struct rs_tpl tpl[RS_TRIG__COUNT][RS_TPART__COUNT]; /* src NULL = missing */
    struct rs_tpl layout_html, layout_text;            /* src NULL = none */
    struct rs_tpl phrase[RS_PHRASE__COUNT][RS_PHRASE_SLOTS];
    struct rs_tpl_op ops[RS_TPLSET_MAX_OPS];
    int n_ops;
};

/* Empty set for LANG (copied, truncated to 15 bytes). */
void rs_tplset_init(struct rs_tplset *set, const char *lang);

/* Parse sectioned TEXT (LEN bytes; borrowed, must outlive SET) into SET; each section replaces
 * the one of the same key. All or nothing: on error SET is unchanged. RS_EINVAL with *err naming
 * the line and the problem (unknown section key, unknown variable, unclosed or mismatched
 * section, unterminated tag, empty template, text before the first section); RS_ETOOBIG when
 * the set's op space is exhausted. ERR may be NULL. */
enum rs_err rs_tplset_parse(struct rs_tplset *set, const char *text, size_t len,
                            struct rs_tpl_error *err) RS_MUST_CHECK;

/* RS_OK when every trigger has every part of every text channel; else RS_EINVAL with *err
 * naming the first missing key. */
enum rs_err rs_tplset_check_complete(const struct rs_tplset *set,
                                     struct rs_tpl_error *err) RS_MUST_CHECK;

/* What rs_notify_render produced. Strings point into the caller's buffer; parts the channel
 * does not have are NULL. */
struct rs_rendered {
    enum rs_channel channel;
    const char *part[RS_TPART__COUNT];   /* WA_PARAMS: all parameters, one per line */
    const char *wa_params[RS_WA_MAX_PARAMS];
    int n_wa_params;
    const char *wa_language;             /* the set's language, for the template's language code */
};

/* The status the message is about: picks the plain-word phrases. */
struct rs_render_ctx {
    enum rs_status status;
    enum rs_substatus substatus;
};

/* Render the message of TRIGGER on CHANNEL with VARS (RS_TV__COUNT values, NULL = empty) into
 * BUF (CAP bytes). status_text, detail_text, cause_text, action_text, next_step_text and short_text are
 * taken from the set's phrases for CTX when VARS leaves them NULL. HTML parts escape every value;
 * subjects, push titles and WhatsApp parameters are kept on one line; other parts are plain.
 * Email parts are wrapped in the layouts when the set has them. OUT: *out.
 * RS_ENOMEM when BUF is too small; RS_ENOTFOUND when the set lacks a needed template;
 * RS_EINVAL for an out-of-range trigger or channel. Webhook renders nothing (RS_OK).
 * Thread-safe on a const SET. */
enum rs_err rs_notify_render(const struct rs_tplset *set, enum rs_trigger trigger,
                             enum rs_channel channel, const struct rs_render_ctx *ctx,
                             const char *const *vars, char *buf, size_t cap,
                             struct rs_rendered *out) RS_MUST_CHECK;

/* Render one phrase (plain text) for KIND and SLOT (status or substatus index), falling back to
 * the default slot when FALLBACK. OUT: text in BUF. RS_ENOTFOUND when there is none. */
enum rs_err rs_notify_phrase(const struct rs_tplset *set, enum rs_phrase kind, int slot,
                             bool fallback, const char *const *vars, char *buf, size_t cap,
                             size_t *len) RS_MUST_CHECK;

#endif
