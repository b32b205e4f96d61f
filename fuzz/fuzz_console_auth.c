/* fuzz_console_auth.c — what the console parses from a request before anything else
 * (app/agent_auth.c): the Cookie header (rs_cookie_get), the session token's shape and hash
 * (rs_token_hash), the CSRF comparison and the Origin/Referer check, on arbitrary bytes. The
 * input is split at the first NUL into a header value and a second string (origin/token). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_auth.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a = fuzz_str(data, size);
    if (!a)
        return 0;
    size_t n = strlen(a);
    const char *b = n < size ? a + n + 1 : "";
    char small[8], tok[64];
    static const char *names[] = {"rs_console", "rs_login", "a", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (rs_cookie_get(a, names[i], small, sizeof small) && strlen(small) >= sizeof small)
            __builtin_trap();
        if (rs_cookie_get(a, names[i], tok, sizeof tok)) {
            if (strlen(tok) >= sizeof tok)
                __builtin_trap();
            unsigned char h[32];
            if (rs_token_hash(tok, h) && strlen(tok) != RS_TOKEN_LEN - 1)
                __builtin_trap();
            (void)rs_token_equal(tok, b);
        }
    }
    (void)rs_origin_ok(a, b, "https://shop.example.com", b);
    (void)rs_origin_ok(NULL, a, b, a);
    free(a);
    return 0;
}
