/* fuzz_carrier_detect.c — tracking-number format detection on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/carrier_detect.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    if (!s)
        return 0;
    struct rs_carrier_guess g[8];
    int n = rs_carrier_detect(s, g, 8);
    if (n < 0 || n > 8)
        abort();
    for (int i = 0; i < n; i++)
        if (!g[i].carrier || g[i].confidence < 1 || g[i].confidence > 100 ||
            (i && g[i].confidence > g[i - 1].confidence))
            abort();
    free(s);
    return 0;
}
