/* normalize.h — classify carrier free text ("Entregado a vecino", "Out for delivery",
 * "Objeto entregue ao destinatário") into Rastro's canonical status + sub-status and an
 * action_required flag.
 *
 * The knowledge is data, not code: rules in a tab-separated file (docs/normalize.md), the
 * defaults embedded from data/normalize-rules.tsv, optionally extended by a merchant file whose
 * rules take precedence. Rules match the rs_fold()-ed text (lower case, no accents, punctuation
 * as single spaces) word by word: literal words, prefixes ("entreg*"), alternatives
 * ("vecino|vecina"), one-word wildcards ("*") and short gaps ("..."). A match preceded by a
 * negation ("no", "not", "não", with auxiliaries such as "ha sido"/"been" in between) does not
 * count, so "no entregado" never reads as delivered. Words a carrier misspells by one letter
 * ("entregdo") are read as the rule word they are closest to, at a lower confidence.
 *
 * Precedence, when several rules match: merchant rules over defaults, then the higher explicit
 * priority, then a rule naming this carrier over a generic one, then the more specific pattern
 * (more literal words), then a rule for the text's language, then the longer matched span,
 * then the earlier line. The winner gives the status; if it has no sub-status, the best other
 * matching rule whose sub-status fits that status refines it; action_required is set when any
 * matching rule that fits the status says so.
 *
 * Pure: no I/O. rs_norm_default() parses the embedded defaults once (pthread_once). */
#ifndef RS_NORMALIZE_H
#define RS_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/status.h"

/* Longest text considered; longer input is classified on its first RS_NORM_MAX_TEXT bytes. */
#define RS_NORM_MAX_TEXT 2048

struct rs_norm_rules;

struct rs_norm_result {
    enum rs_status status;
    enum rs_substatus substatus;
    bool action_required;
    int confidence;     /* 0-100 */
    int rule_line;      /* line of the winning rule in its file, 0 when nothing matched */
    bool merchant_rule; /* the winning rule came from the merchant's file */
};

/* Parse a rules file held in BUF (LEN bytes, need not be NUL-terminated). On error returns
 * RS_EINVAL with "line N: what is wrong" in ERR (ERRCAP bytes; ERR may be NULL). RS_ENOMEM when
 * memory runs out or the file exceeds the limits (rules, words per pattern). */
RS_MUST_CHECK enum rs_err rs_norm_rules_parse(struct rs_norm_rules **out, const char *buf,
                                              size_t len, char *err, size_t errcap);
void rs_norm_rules_free(struct rs_norm_rules *r);
/* Number of rules in R. */
int rs_norm_rules_count(const struct rs_norm_rules *r);

/* The embedded default rules, parsed once; thread-safe. NULL only if the embedded file is
 * missing or broken (a build bug; the unit tests check it is not). */
const struct rs_norm_rules *rs_norm_default(void);

/* Classify TEXT (UTF-8, NUL-terminated). MERCHANT rules (may be NULL) are tried with the
 * defaults and win over them. LANG ("es", "en", "pt"; may be NULL) and CARRIER (any spelling of
 * the carrier's name or slug; may be NULL) refine the choice. Returns true when a rule matched.
 * When none did, returns false and OUT holds the fallback: in_transit with no sub-status at
 * confidence 10 for non-empty text (an unrecognised carrier scan is most often a progress
 * scan), status RS_STATUS_NONE at confidence 0 for empty text. */
bool rs_normalize_text(const struct rs_norm_rules *merchant, const char *text, const char *lang,
                       const char *carrier, struct rs_norm_result *out);

/* Same, with explicit DEFAULTS (e.g. a test set of rules) instead of rs_norm_default(). */
bool rs_normalize_text_with(const struct rs_norm_rules *defaults,
                            const struct rs_norm_rules *merchant, const char *text,
                            const char *lang, const char *carrier, struct rs_norm_result *out);

#endif
