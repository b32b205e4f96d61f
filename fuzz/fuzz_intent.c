/* fuzz_intent.c — the intent classifier, entity extraction, rule and weight parsers on
 * arbitrary bytes. The first byte picks the target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/intent_default.h"
#include "core/intent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    struct rs_intent_model *m = NULL;
    char err[128];
    switch (data[0] % 3) {
    case 0: {
        struct rs_intent_result r;
        const struct rs_intent_model *d = rs_intent_default();
        if (d)
            rs_intent_classify(d, s, &r);
        char js[512];
        rs_intent_entities(s, &r.entities);
        rs_intent_entities_json(&r.entities, js, sizeof js);
        break;
    }
    case 1:
        if (rs_intent_model_new(&m) == RS_OK) {
            if (rs_intent_model_add_rules(m, s, size - 1, RS_INTENT_MERCHANT, err, sizeof err) ==
                RS_OK) {
                struct rs_intent_result r;
                rs_intent_classify(m, "donde esta mi pedido no me llego nada", &r);
                rs_intent_classify(m, s, &r);
            }
        }
        break;
    default:
        if (rs_intent_model_new(&m) == RS_OK &&
            rs_intent_model_load_weights(m, s, size - 1, err, sizeof err) == RS_OK) {
            struct rs_intent_result r;
            rs_intent_classify(m, "w x y zap hola", &r);
        }
        break;
    }
    rs_intent_model_free(m);
    free(s);
    return 0;
}
