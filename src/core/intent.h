/* intent.h — what a customer's message asks for, and the references it carries.
 *
 * The support bot reads messages in Spanish and English, written as people write: no accents,
 * typos, slang. rs_intent_classify() folds the text (rs_fold) and scores every intent with a
 * log-linear model:
 *
 *     z_c = b_c + sum_f w_{f,c} x_f + sum_{rules r matching, intent c} weight_r
 *     p   = softmax(z)
 *
 * The features f are folded word unigrams and bigrams, character 3- and 4-grams inside words
 * (typo tolerance) and "negated" word features (a word seen within three words after no/not/
 * nunca/never/n't), so "no me ha llegado" scores not_received, not where_is_order. The weights
 * w, b are learned (multinomial logistic regression, rs_intent_train in intent_train.h) and
 * ship as data/intent-model.tsv. The rules are hand-written phrase patterns (data/
 * intent-rules.tsv), precise where learning has little data (Spanish); their weights are fixed
 * log-odds added to the logits, and training learns the residual with the rules in place, so the
 * two are not double-counted. Merchant rules (rs_intent_model_add_rules with RS_INTENT_MERCHANT)
 * are added the same way and take precedence: when one matches, the best-weighted merchant
 * rule decides the intent (only a decisive rule, below, comes before).
 *
 * The confidence is p of the chosen intent. It is honest about doubt: a message the model has
 * no evidence for lands near the class priors, well under RS_INTENT_HANDOVER; the caller hands
 * such messages to a person.
 *
 * Rule file format (TSV, UTF-8, '#' starts a comment line):
 *     intent <TAB> weight <TAB> pattern
 * The pattern is a sequence of words matched in order against the folded message; the text is
 * folded when loaded, so accents and case do not matter. In a pattern:
 *     a|b|c   any of the alternatives          llega*   a word starting with "llega"
 *     *       a gap of 0 to 3 words            ^ / $    start / end of the message
 *     =word   exact (no typo tolerance)
 * Words of 5 letters or more also match with one typo (edit, insertion, deletion or swap of two
 * adjacent letters). Weights may be negative (e.g. where_is_order -2 for "no * llego").
 * A weight written with a leading "!" ("!6") makes the rule decisive: when it matches, its intent
 * is chosen even if another scores higher and before any merchant rule (the best-weighted
 * decisive rule wins). The shipped rules use it for explicit requests for a person, which must
 * win over any question they come with ("cuando llega? con un asesor porfa"), whatever rules the
 * merchant added.
 *
 * Pure: no I/O, no globals; the model is built by the caller from text it loaded.
 * Thread-safety: a built model is read-only; classify from any number of threads. */
#ifndef RS_INTENT_H
#define RS_INTENT_H

#include <stddef.h>

#include "core/err.h"
#include "core/trackcode.h"

enum rs_intent {
    RS_INTENT_WHERE_IS_ORDER = 0,
    RS_INTENT_DELIVERY_DATE,
    RS_INTENT_NOT_RECEIVED,
    RS_INTENT_DAMAGED,
    RS_INTENT_MISSING_ITEM,
    RS_INTENT_WRONG_ITEM,
    RS_INTENT_CHANGE_ADDRESS,
    RS_INTENT_CANCEL,
    RS_INTENT_RETURN,
    RS_INTENT_REFUND_STATUS,
    RS_INTENT_TALK_TO_HUMAN,
    RS_INTENT_GREETING,
    RS_INTENT_THANKS,
    RS_INTENT_OTHER,
    RS_INTENT_COUNT,
    RS_INTENT_INVALID = -1,
};

/* Below this confidence the caller should hand the conversation to a person. */
#define RS_INTENT_HANDOVER 0.5f

/* "where_is_order"; "?" for a value out of range. Never NULL. */
const char *rs_intent_name(enum rs_intent i);
/* The intent named NAME (exact, lower case), or RS_INTENT_INVALID. */
enum rs_intent rs_intent_parse(const char *name);

/* References found in a message. Empty strings when absent. */
struct rs_intent_entities {
    char order_number[32];                /* "1042", "A-1042" */
    char tracking_code[RS_TRACKCODE_LEN]; /* canonical Rastro code, check character valid */
    char tracking_code_typo[RS_TRACKCODE_LEN]; /* a well-formed Rastro code whose check fails */
    char tracking_number[40];             /* a carrier's own tracking number, upper case */
    char email[128];                      /* lower case */
    char postcode[16];                    /* upper case, as written ("28013", "SW1A 1AA") */
};

struct rs_intent_result {
    enum rs_intent intent;
    float confidence;                 /* 0..1, p(intent | text) */
    float scores[RS_INTENT_COUNT];    /* p for every intent, sums to 1 */
    int merchant_rule;                /* 1 when a merchant rule decided the intent */
    int rule_decided;                 /* 1 when a rule decided it (merchant or decisive "!w"), or
                                       * the message asks for the delivery address (below) */
    int asks_address;                 /* 1 when it asks where the order is delivered ("¿cuál es la
                                       * dirección de entrega?", "where are you sending it?") and
                                       * not to change it; such a message is where_is_order unless
                                       * a rule decided otherwise or it reports a problem */
    struct rs_intent_entities entities;
};

/* Where rules come from: the shipped file or a merchant's own (which take precedence). */
enum rs_intent_origin {
    RS_INTENT_BUILTIN = 0,
    RS_INTENT_MERCHANT = 1,
};

struct rs_intent_model; /* opaque */

/* An empty model: no rules, zero weights (every message gets the uniform distribution). */
enum rs_err rs_intent_model_new(struct rs_intent_model **out) RS_MUST_CHECK;
void rs_intent_model_free(struct rs_intent_model *m);

/* Parse rule lines (format above) from TEXT (LEN bytes) and add them. On a bad line returns
 * RS_EINVAL with "line N: why" in ERR (ERRCAP bytes, may be NULL) and adds nothing from TEXT. */
enum rs_err rs_intent_model_add_rules(struct rs_intent_model *m, const char *text, size_t len,
                                      enum rs_intent_origin origin, char *err,
                                      size_t errcap) RS_MUST_CHECK;

/* Load learned weights (the format rs_intent_train writes) from TEXT, replacing any loaded
 * before. RS_EINVAL with a message in ERR on malformed input. */
enum rs_err rs_intent_model_load_weights(struct rs_intent_model *m, const char *text, size_t len,
                                         char *err, size_t errcap) RS_MUST_CHECK;

/* Number of rules and of learned features, for diagnostics. */
size_t rs_intent_model_rule_count(const struct rs_intent_model *m);
size_t rs_intent_model_feature_count(const struct rs_intent_model *m);

/* Classify TEXT (UTF-8, NUL-terminated; NULL reads as ""). Fills every field of OUT. */
void rs_intent_classify(const struct rs_intent_model *m, const char *text,
                        struct rs_intent_result *out);

/* Only the entity extraction (on the raw text; no model needed). */
void rs_intent_entities(const char *text, struct rs_intent_entities *out);

/* Entities as a compact JSON object into OUT ("{}" when none). Returns the length, or 0 when
 * CAP is too small (OUT then holds "{}" if CAP >= 3). */
size_t rs_intent_entities_json(const struct rs_intent_entities *e, char *out, size_t cap);

/* --- internals shared with the trainer (intent_train.c) --- */

/* Maximum features extracted from one message (longer messages are cut). */
#define RS_INTENT_MAX_FEATS 512
/* Maximum folded message length considered. */
#define RS_INTENT_MAX_TEXT 1024

/* Feature strings of an already folded message, written NUL-separated into BUF (CAP bytes);
 * offsets of each start in OFFS. Returns the number of features. */
size_t rs_intent_features(const char *folded, char *buf, size_t cap, size_t *offs, size_t maxn);

/* The summed rule offsets for an already folded message, per intent, into Z (added, not set).
 * Returns the intent a rule decides: the best-weighted matching decisive rule's, else the
 * best-weighted matching merchant rule's, else -1; *MERCHANT (MERCHANT may be NULL) is 1 when
 * that rule is a merchant's. */
int rs_intent_rule_offsets(const struct rs_intent_model *m, const char *folded,
                           float z[RS_INTENT_COUNT], int *merchant);

#endif
