/* fuzz_keys.c — libFuzzer target for the credentials people type or carry in an address: the
 * --scopes list and the key id or whole key given to `rastro merchant revoke` and
 * DELETE /v1/keys/{key_id} (src/app/keys.c), and the tracking page's ?v= token
 * (src/app/track_token.c). Parsed scopes format back to a list that parses to the same bits;
 * a key id found is "rk_" and 8 characters of the key alphabet, the start of the input; a token
 * passes only when it is, byte for byte, the one made for that order, proof and expiry. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/keys.h"
#include "app/track_token.h"
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
    static const unsigned char key[RS_TRACK_KEY_LEN] = {7, 7, 7};
    const char *code = "RX-7K4Q-9PZD-M3TXW";
    if (rs_track_token_check(key, code, 'e', "ana@example.com", s, 20000)) {
        char want[RS_TRACK_TOKEN_LEN];
        int64_t day = 0;
        for (int i = 0; i < 4; i++)
            day = day * 32 + (strchr("0123456789abcdefghjkmnpqrstvwxyz", s[i]) - "0123456789abcdefghjkmnpqrstvwxyz");
        rs_track_token(key, code, 'e', "ana@example.com", day, want);
        assert(day >= 20000 && strcmp(want, s) == 0);
    }
    free(s);
    return 0;
}
