/* track_token.c — verification tokens of the tracking page (track_token.h). */
#include "app/track_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";
#define DAY_CHARS 4 /* 20 bits of days: until the year 4840 */

void rs_track_token(const unsigned char key[RS_TRACK_KEY_LEN], const char *code, char factor, const char *value,
                    int64_t expires, char out[RS_TRACK_TOKEN_LEN])
{
    memset(out, 0, RS_TRACK_TOKEN_LEN); /* an empty token never matches (check refuses "") */
    if (expires < 0 || expires >= (1 << (5 * DAY_CHARS)))
        return;
    for (int i = DAY_CHARS - 1; i >= 0; i--)
        out[DAY_CHARS - 1 - i] = b32[(expires >> (5 * i)) & 31];
    /* code, factor, value and the expiry separated by a byte none of them holds */
    unsigned char msg[64 + 2 + 256 + 2 + DAY_CHARS];
    size_t n = 0, lc = strnlen(code, 64), lv = strnlen(value, 256);
    memcpy(msg + n, code, lc);
    n += lc;
    msg[n++] = 0x1f;
    msg[n++] = (unsigned char)factor;
    msg[n++] = 0x1f;
    memcpy(msg + n, value, lv);
    n += lv;
    msg[n++] = 0x1f;
    memcpy(msg + n, out, DAY_CHARS);
    n += DAY_CHARS;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    if (!HMAC(EVP_sha256(), key, RS_TRACK_KEY_LEN, msg, n, mac, &mlen) || mlen < 17) {
        memset(out, 0, RS_TRACK_TOKEN_LEN);
        return;
    }
    /* 26 characters of 5 bits from the first 17 bytes (130 bits used, 128 random enough) */
    unsigned acc = 0;
    int bits = 0, k = DAY_CHARS;
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
                          const char *value, const char *given, int64_t today)
{
    if (!value || !*value || !given || strlen(given) != RS_TRACK_TOKEN_LEN - 1)
        return false;
    int64_t expires = 0;
    for (int i = 0; i < DAY_CHARS; i++) {
        const char *c = given[i] ? strchr(b32, given[i]) : NULL;
        if (!c)
            return false;
        expires = expires * 32 + (c - b32);
    }
    if (expires < today)
        return false;
    char want[RS_TRACK_TOKEN_LEN];
    rs_track_token(key, code, factor, value, expires, want);
    return want[0] && CRYPTO_memcmp(want, given, RS_TRACK_TOKEN_LEN - 1) == 0;
}
