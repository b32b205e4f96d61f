/* fuzz_normalize.c — the normalizer's two parsers: a rules file (rs_norm_rules_parse) and
 * free text (rs_normalize_text with the default rules and, when the input parses, with it as
 * the merchant's rules). The first byte picks the language and carrier hints. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/normalize.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *langs[] = {NULL, "es", "en", "pt"};
    static const char *carriers[] = {NULL, "correos", "ups", "Correos Express"};
    if (size == 0)
        return 0;
    const char *lang = langs[data[0] & 3];
    const char *carrier = carriers[(data[0] >> 2) & 3];
    data++;
    size--;
    char *text = fuzz_str(data, size);
    if (!text)
        return 0;

    struct rs_norm_result r;
    rs_normalize_text(NULL, text, lang, carrier, &r);
    if (r.status >= RS_STATUS__COUNT || r.substatus >= RS_SUB__COUNT || r.confidence < 0 ||
        r.confidence > 100)
        abort();

    struct rs_norm_rules *m = NULL;
    char err[200];
    if (rs_norm_rules_parse(&m, (const char *)data, size, err, sizeof err) == RS_OK) {
        rs_normalize_text(m, text, lang, carrier, &r);
        rs_normalize_text(m, "Entregado a vecino", lang, carrier, &r);
        if (r.substatus != RS_SUB_NONE && !rs_substatus_fits(r.status, r.substatus))
            abort();
        rs_norm_rules_free(m);
    }
    free(text);
    return 0;
}
