/* fuzz_webpush.c — the Web Push parsers: base64url decoding and reading a VAPID Authorization
 * header (rs_vapid_verify splits t=, k=, the JWT and its signature). Must never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/webpush.h"
#include "util/b64url.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    if (!s)
        return 0;
    unsigned char out[256];
    int n = rs_b64url_decode(s, out, sizeof out);
    if (n > 0) {
        char back[512];
        (void)rs_b64url_encode(out, (size_t)n, back, sizeof back);
    }
    (void)rs_vapid_verify(s);
    free(s);
    return 0;
}
