/* intent_default.h — the intent model built from the files shipped in the binary
 * (data/intent-rules.tsv and data/intent-model.tsv), and merchant extensions on top of it. */
#ifndef RS_INTENT_DEFAULT_H
#define RS_INTENT_DEFAULT_H

#include <stddef.h>

#include "core/err.h"
#include "core/intent.h"

/* The shipped model, built once on first use (pthread_once; safe from any thread). NULL only
 * if the embedded files are broken or memory ran out (the reason goes to stderr once).
 * Borrowed: lives for the whole program. */
const struct rs_intent_model *rs_intent_default(void);

/* A new model: the shipped rules and weights, then the merchant's rules MERCHANT_RULES (TSV,
 * format in intent.h; may be NULL), which take precedence. The caller frees it with
 * rs_intent_model_free. Errors in the merchant's rules come back as RS_EINVAL with
 * "line N: why" in ERR. */
enum rs_err rs_intent_model_for_merchant(const char *merchant_rules, size_t len,
                                         struct rs_intent_model **out, char *err,
                                         size_t errcap) RS_MUST_CHECK;

/* The shipped rules only, no learned weights (what `rastro bot train` trains around). */
enum rs_err rs_intent_model_rules_only(struct rs_intent_model **out) RS_MUST_CHECK;

#endif
