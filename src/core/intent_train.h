/* intent_train.h — learn the weights of the intent model (see intent.h) from labelled messages.
 *
 * Multinomial logistic regression on the features of rs_intent_features(), trained by
 * stochastic gradient descent with AdaGrad step sizes and L2 shrinkage, with each message's
 * rule offsets added to its logits during training (so the learned weights model what the rules
 * miss). Deterministic: the same examples in the same order give the same bytes out. Pure: the
 * caller loads the examples and writes the result. */
#ifndef RS_INTENT_TRAIN_H
#define RS_INTENT_TRAIN_H

#include <stddef.h>

#include "core/err.h"
#include "core/intent.h"

struct rs_intent_example {
    const char *text;   /* raw UTF-8 message (borrowed) */
    enum rs_intent intent;
    float weight;       /* > 0; how much this example counts */
};

struct rs_intent_train_opts {
    int epochs;          /* passes over the data (default 10) */
    float rate;          /* AdaGrad base step (default 0.3) */
    float l2;            /* shrinkage per update (default 3e-3) */
    int min_count;       /* features seen in fewer messages are dropped (default 2) */
    float keep;          /* weights with |w| below this are not written (default 0.02) */
    unsigned seed;       /* shuffling seed (default 1) */
    /* progress: called now and then with examples processed so far and the total */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};

/* Defaults as documented above. */
void rs_intent_train_opts_init(struct rs_intent_train_opts *o);

/* Train on EX[0..N) with the rules of RULES (may be NULL: no rules) and write the weights file
 * text into *OUT (malloc'd, NUL-terminated, *OUTLEN bytes; the caller frees). */
enum rs_err rs_intent_train(const struct rs_intent_example *ex, size_t n,
                            const struct rs_intent_model *rules,
                            const struct rs_intent_train_opts *o, char **out,
                            size_t *outlen) RS_MUST_CHECK;

#endif
