/* b64url.c — base64url around OpenSSL's base64 (see b64url.h). */
#include "util/b64url.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

int rs_b64url_encode(const unsigned char *in, size_t len, char *out, size_t cap)
{
    size_t need = 4 * ((len + 2) / 3) + 1;
    if (cap < need || len > 1 << 24)
        return -1;
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return n;
}

int rs_b64url_decode(const char *in, unsigned char *out, size_t cap)
{
    size_t n = strlen(in);
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1 || n > 1 << 20)
        return -1;
    size_t padded = (n + 3) / 4 * 4;
    char *tmp = malloc(padded + 1);
    unsigned char *dec = malloc(padded / 4 * 3 + 1);
    if (!tmp || !dec) {
        free(tmp);
        free(dec);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                   c == '/')) {
            free(tmp);
            free(dec);
            return -1;
        }
        tmp[i] = c;
    }
    for (size_t i = n; i < padded; i++)
        tmp[i] = '=';
    tmp[padded] = '\0';
    int m = padded ? EVP_DecodeBlock(dec, (const unsigned char *)tmp, (int)padded) : 0;
    if (m >= 0)
        m -= (int)(padded - n); /* EVP_DecodeBlock counts the padding as zero bytes */
    int rc = -1;
    if (m >= 0 && (size_t)m <= cap) {
        memcpy(out, dec, (size_t)m);
        rc = m;
    }
    free(tmp);
    free(dec);
    return rc;
}
