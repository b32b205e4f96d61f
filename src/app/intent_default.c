/* intent_default.c — builds the intent model from the embedded data files (see
 * intent_default.h). The one global here is the shared read-only default model. */
#include "app/intent_default.h"

#include <pthread.h>
#include <stdio.h>

#include "util/assets.h"

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static struct rs_intent_model *default_model;

static enum rs_err add_shipped(struct rs_intent_model *m, int weights, char *err, size_t errcap)
{
    size_t len = 0;
    const char *rules = rs_asset_get("data/intent-rules.tsv", &len);
    if (!rules) {
        snprintf(err, errcap, "data/intent-rules.tsv is not embedded");
        return RS_ENOTFOUND;
    }
    char why[200] = "";
    enum rs_err rc = rs_intent_model_add_rules(m, rules, len, RS_INTENT_BUILTIN, why, sizeof why);
    if (rc != RS_OK) {
        snprintf(err, errcap, "data/intent-rules.tsv: %s", why);
        return rc;
    }
    if (!weights)
        return RS_OK;
    const char *model = rs_asset_get("data/intent-model.tsv", &len);
    if (!model) /* an untrained build still works, on rules alone */
        return RS_OK;
    rc = rs_intent_model_load_weights(m, model, len, why, sizeof why);
    if (rc != RS_OK)
        snprintf(err, errcap, "data/intent-model.tsv: %s", why);
    return rc;
}

static void build_default(void)
{
    struct rs_intent_model *m;
    char err[256] = "";
    if (rs_intent_model_new(&m) != RS_OK) {
        fprintf(stderr, "rastro: intent model: out of memory\n");
        return;
    }
    if (add_shipped(m, 1, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro: intent model: %s\n", err);
        rs_intent_model_free(m);
        return;
    }
    default_model = m;
}

const struct rs_intent_model *rs_intent_default(void)
{
    pthread_once(&default_once, build_default);
    return default_model;
}

enum rs_err rs_intent_model_for_merchant(const char *merchant_rules, size_t len,
                                         struct rs_intent_model **out, char *err, size_t errcap)
{
    char why[256] = "";
    struct rs_intent_model *m;
    *out = NULL;
    enum rs_err rc = rs_intent_model_new(&m);
    if (rc != RS_OK)
        return rc;
    rc = add_shipped(m, 1, why, sizeof why);
    if (rc == RS_OK && merchant_rules)
        rc = rs_intent_model_add_rules(m, merchant_rules, len, RS_INTENT_MERCHANT, why,
                                       sizeof why);
    if (rc != RS_OK) {
        if (err && errcap)
            snprintf(err, errcap, "%s", why);
        rs_intent_model_free(m);
        return rc;
    }
    *out = m;
    return RS_OK;
}

enum rs_err rs_intent_model_rules_only(struct rs_intent_model **out)
{
    char why[256];
    enum rs_err rc = rs_intent_model_new(out);
    if (rc != RS_OK)
        return rc;
    rc = add_shipped(*out, 0, why, sizeof why);
    if (rc != RS_OK) {
        fprintf(stderr, "rastro: intent rules: %s\n", why);
        rs_intent_model_free(*out);
        *out = NULL;
    }
    return rc;
}
