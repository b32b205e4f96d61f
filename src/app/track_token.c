/* track_token.c — verification tokens of the tracking page (track_token.h). */
#include "app/track_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";

void rs_track_token(const unsigned char key[RS_TRACK_KEY_LEN], const char *code, char factor, const char *value,
                    char out[RS_TRACK_TOKEN_LEN])
{
    /* code, factor and value separated by a byte none of them holds (unit separator) */
    unsigned char msg[64 + 2 + 256 + 1];
    size_t n = 0, lc = strnlen(code, 64), lv = strnlen(value, 256);
    memcpy(msg + n, code, lc);
    n += lc;
    msg[n++] = 0x1f;
    msg[n++] = (unsigned char)factor;
    msg[n++] = 0x1f;
    memcpy(msg + n, value, lv);
    n += lv;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    if (!HMAC(EVP_sha256(), key, RS_TRACK_KEY_LEN, msg, n, mac, &mlen) || mlen < 17) {
        memset(out, 0, RS_TRACK_TOKEN_LEN); /* an empty token never matches (check refuses "") */
        return;
    }
    /* 26 characters of 5 bits from the first 17 bytes (130 bits used, 128 random enough) */
    unsigned acc = 0;
    int bits = 0, k = 0;
    for (int i = 0; k < RS_TRACK_TOKEN_LEN - 1; i++) {
        acc = (acc << 8) | mac[i];
        bits += 8;
        while (bits >= 5 && k < RS_TRACK_TOKEN_LEN - 1) {
            out[k++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
        acc &= (1u << bits) - 1;
    }
    out[k] = '\0';
}

bool rs_track_token_check(const unsigned char key[RS_TRACK_KEY_LEN], const char *code, char factor,
                          const char *value, const char *given)
{
    if (!value || !*value || !given || strlen(given) != RS_TRACK_TOKEN_LEN - 1)
        return false;
    char want[RS_TRACK_TOKEN_LEN];
    rs_track_token(key, code, factor, value, want);
    return want[0] && CRYPTO_memcmp(want, given, RS_TRACK_TOKEN_LEN - 1) == 0;
}
