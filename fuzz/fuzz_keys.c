/* fuzz_keys.c — libFuzzer target for what people type about API keys (src/app/keys.c): the
 * --scopes list and the key id or whole key given to `rastro merchant revoke` and
 * DELETE /v1/keys/{key_id}. Parsed scopes format back to a list that parses to the same bits;
 * a key id found is "rk_" and 8 characters of the key alphabet, the start of the input. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/keys.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    if (!s)
        return 0;
    unsigned bits = 0;
    if (rs_scopes_parse(s, &bits) == RS_OK) {
        assert(bits != 0 && (bits & ~(RS_SCOPES_SECRET | RS_SCOPE_QUOTE)) == 0);
        char out[32];
        rs_scopes_format(bits, out, sizeof out);
        unsigned back = 0;
        assert(rs_scopes_parse(out, &back) == RS_OK && back == bits);
    }
    char id[RS_KEY_ID_LEN];
    if (rs_key_id_of(s, id)) {
        assert(strlen(id) == RS_KEY_ID_LEN - 1 && strncmp(id, "rk_", 3) == 0 && strncmp(s, id, RS_KEY_ID_LEN - 1) == 0);
        assert(strspn(id + 3, "0123456789abcdefghjkmnpqrstvwxyz") == RS_KEY_ID_LEN - 4);
    }
    free(s);
    return 0;
}
