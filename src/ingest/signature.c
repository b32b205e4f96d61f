/* signature.c — webhook signature checks (see signature.h). HMAC through OpenSSL's EVP_MAC
 * (so Shippo's "t." prefix and the body are fed without copying), base64 through
 * EVP_EncodeBlock, NFKD through ICU. Hex decoding is written here: OpenSSL's
 * OPENSSL_hexstr2buf also accepts ':' separators, which no provider sends. */
#include "ingest/signature.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define MAC_LEN 32

/* HMAC-SHA256 of the concatenation of N parts. */
static bool hmac(const void *key, size_t klen, const void *const *parts, const size_t *lens, int n,
                 unsigned char out[MAC_LEN])
{
    bool ok = false;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    /* an empty key is legal HMAC but EVP_MAC_init wants a non-NULL pointer */
    static const unsigned char nokey[1] = {0};
    if (!ctx || !EVP_MAC_init(ctx, klen ? key : nokey, klen, params))
        goto out;
    for (int i = 0; i < n; i++)
        if (lens[i] && !EVP_MAC_update(ctx, parts[i], lens[i]))
            goto out;
    size_t olen = 0;
    ok = EVP_MAC_final(ctx, out, &olen, MAC_LEN) && olen == MAC_LEN;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

/* HEADER without surrounding whitespace: *start and *n. */
static void trim(const char *h, const char **start, size_t *n)
{
    while (*h && isspace((unsigned char)*h))
        h++;
    size_t l = strlen(h);
    while (l && isspace((unsigned char)h[l - 1]))
        l--;
    *start = h;
    *n = l;
}

static bool b64_check(const char *secret, const char *body, size_t len, const char *header)
{
    if (!secret || !*secret || !header || (!body && len))
        return false;
    const char *h;
    size_t hn;
    trim(header, &h, &hn);
    unsigned char mac[MAC_LEN];
    const void *parts[] = {body};
    const size_t lens[] = {len};
    if (!hmac(secret, strlen(secret), parts, lens, 1, mac))
        return false;
    unsigned char want[48];
    int wn = EVP_EncodeBlock(want, mac, MAC_LEN); /* 44 characters */
    OPENSSL_cleanse(mac, sizeof mac);
    return wn == 44 && hn == 44 && CRYPTO_memcmp(want, h, 44) == 0;
}

bool rs_sig_sign_b64(const char *secret, const char *body, size_t len, char out[45])
{
    out[0] = '\0';
    if (!secret || !*secret || (!body && len))
        return false;
    unsigned char mac[MAC_LEN];
    const void *parts[] = {body};
    const size_t lens[] = {len};
    if (!hmac(secret, strlen(secret), parts, lens, 1, mac))
        return false;
    int wn = EVP_EncodeBlock((unsigned char *)out, mac, MAC_LEN);
    OPENSSL_cleanse(mac, sizeof mac);
    return wn == 44;
}

bool rs_sig_shopify(const char *secret, const char *body, size_t len, const char *header)
{
    return b64_check(secret, body, len, header);
}

bool rs_sig_woocommerce(const char *secret, const char *body, size_t len, const char *header)
{
    return b64_check(secret, body, len, header);
}

bool rs_sig_aftership(const char *secret, const char *body, size_t len, const char *header)
{
    return b64_check(secret, body, len, header);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode exactly 2*MAC_LEN hex characters from H (length HN). */
static bool unhex(const char *h, size_t hn, unsigned char out[MAC_LEN])
{
    if (hn != 2 * MAC_LEN)
        return false;
    for (size_t i = 0; i < MAC_LEN; i++) {
        int a = hexval((unsigned char)h[2 * i]), b = hexval((unsigned char)h[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        out[i] = (unsigned char)(a << 4 | b);
    }
    return true;
}

/* NFKD of UTF-8 S into a malloc'd UTF-8 string (*out, *outn). False on invalid UTF-8. */
static bool nfkd(const char *s, char **out, size_t *outn)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n2 = unorm2_getNFKDInstance(&e);
    if (U_FAILURE(e))
        return false;
    size_t sl = strlen(s);
    if (sl > 4096)
        return false;
    int32_t ul = 0;
    UChar *u = malloc((sl + 1) * sizeof *u), *d = NULL;
    char *r = NULL;
    bool ok = false;
    if (!u)
        return false;
    u_strFromUTF8(u, (int32_t)sl + 1, &ul, s, (int32_t)sl, &e);
    if (U_FAILURE(e))
        goto out;
    int32_t cap = ul * 18 + 1; /* NFKD expands a code unit to at most 18 */
    d = malloc((size_t)cap * sizeof *d);
    if (!d)
        goto out;
    int32_t dl = unorm2_normalize(n2, u, ul, d, cap, &e);
    if (U_FAILURE(e))
        goto out;
    int32_t rl = 0;
    u_strToUTF8(NULL, 0, &rl, d, dl, &e);
    if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
        goto out;
    e = U_ZERO_ERROR;
    r = malloc((size_t)rl + 1);
    if (!r)
        goto out;
    u_strToUTF8(r, rl + 1, NULL, d, dl, &e);
    if (U_FAILURE(e))
        goto out;
    *out = r;
    *outn = (size_t)rl;
    r = NULL;
    ok = true;
out:
    free(u);
    free(d);
    free(r);
    return ok;
}

/* "PREFIX<64 hex>" where the hex is HMAC-SHA256(KEY, body); the prefix is case-insensitive. */
static bool prefixed_hex_check(const char *key, size_t kn, const char *prefix, const char *body, size_t len,
                               const char *header)
{
    const char *h;
    size_t hn;
    trim(header, &h, &hn);
    size_t pn = strlen(prefix);
    if (hn < pn || strncasecmp(h, prefix, pn) != 0)
        return false;
    unsigned char got[MAC_LEN], mac[MAC_LEN];
    if (!unhex(h + pn, hn - pn, got))
        return false;
    const void *parts[] = {body};
    const size_t lens[] = {len};
    return hmac(key, kn, parts, lens, 1, mac) && CRYPTO_memcmp(mac, got, MAC_LEN) == 0;
}

bool rs_sig_easypost(const char *secret, const char *body, size_t len, const char *header)
{
    if (!secret || !*secret || !header || (!body && len))
        return false;
    char *key;
    size_t kn;
    if (!nfkd(secret, &key, &kn))
        return false;
    bool ok = prefixed_hex_check(key, kn, "hmac-sha256-hex=", body, len, header);
    OPENSSL_cleanse(key, kn);
    free(key);
    return ok;
}

bool rs_sig_meta(const char *app_secret, const char *body, size_t len, const char *header)
{
    if (!app_secret || !*app_secret || !header || (!body && len))
        return false;
    return prefixed_hex_check(app_secret, strlen(app_secret), "sha256=", body, len, header);
}

/* Walk "k=v,k=v" pairs of a Shippo header; for each v1 whose value decodes, call back. */
static bool shippo_each(const char *header, int64_t *t, bool *has_t,
                        bool (*fn)(const unsigned char v1[MAC_LEN], void *arg), void *arg)
{
    *has_t = false;
    bool any = false;
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end) {
            p = end;
            continue;
        }
        const char *v = eq + 1;
        size_t vn = (size_t)(end - v);
        while (vn && isspace((unsigned char)v[vn - 1]))
            vn--;
        if (eq - p == 1 && p[0] == 't') {
            char buf[24];
            if (vn == 0 || vn >= sizeof buf)
                return false;
            memcpy(buf, v, vn);
            buf[vn] = '\0';
            char *e;
            errno = 0;
            long long x = strtoll(buf, &e, 10);
            if (errno || *e || x < 0)
                return false;
            *t = x;
            *has_t = true;
        } else if (eq - p == 2 && p[0] == 'v' && p[1] == '1') {
            unsigned char mac[MAC_LEN];
            if (unhex(v, vn, mac)) {
                any = true;
                if (fn && fn(mac, arg))
                    return true;
            }
        }
        p = end;
    }
    return !fn && any;
}

bool rs_sig_shippo_header_parse(const char *header, int64_t *t, char v1[65])
{
    if (!header)
        return false;
    const char *p = strstr(header, "v1=");
    bool has_t;
    if (!shippo_each(header, t, &has_t, NULL, NULL) || !has_t || !p)
        return false;
    /* the first well-formed v1: re-find it textually */
    for (; p; p = strstr(p + 1, "v1=")) {
        unsigned char mac[MAC_LEN];
        size_t n = strcspn(p + 3, ", \t");
        if (unhex(p + 3, n, mac)) {
            memcpy(v1, p + 3, 64);
            v1[64] = '\0';
            return true;
        }
    }
    return false;
}

struct shippo_arg {
    unsigned char want[MAC_LEN];
};

static bool shippo_match(const unsigned char v1[MAC_LEN], void *arg)
{
    const struct shippo_arg *a = arg;
    return CRYPTO_memcmp(v1, a->want, MAC_LEN) == 0;
}

bool rs_sig_shippo(const char *secret, const char *body, size_t len, const char *header,
                   int64_t now, int64_t tolerance_s)
{
    if (!secret || !*secret || !header || (!body && len))
        return false;
    int64_t t = 0;
    bool has_t;
    /* first pass: read t (the callback is only used in the second pass) */
    shippo_each(header, &t, &has_t, NULL, NULL);
    if (!has_t)
        return false;
    if (tolerance_s > 0 && (t > now + tolerance_s || t < now - tolerance_s))
        return false;
    char ts[24];
    int tn = snprintf(ts, sizeof ts, "%lld.", (long long)t);
    struct shippo_arg a;
    const void *parts[] = {ts, body};
    const size_t lens[] = {(size_t)tn, len};
    if (!hmac(secret, strlen(secret), parts, lens, 2, a.want))
        return false;
    int64_t t2;
    return shippo_each(header, &t2, &has_t, shippo_match, &a);
}

bool rs_sig_token_equal(const char *expected, const char *given)
{
    if (!expected || !given || !*expected)
        return false;
    size_t n = strlen(expected);
    if (strlen(given) != n)
        return false;
    return CRYPTO_memcmp(expected, given, n) == 0;
}

bool rs_sig_17track(const char *api_key, const char *body, size_t len, const char *header)
{
    if (!api_key || !*api_key || !header || (!body && len))
        return false;
    const char *h;
    size_t hn;
    trim(header, &h, &hn);
    unsigned char got[MAC_LEN], want[MAC_LEN];
    if (!unhex(h, hn, got))
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int wn = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
              (len == 0 || EVP_DigestUpdate(ctx, body, len)) && EVP_DigestUpdate(ctx, "/", 1) &&
              EVP_DigestUpdate(ctx, api_key, strlen(api_key)) &&
              EVP_DigestFinal_ex(ctx, want, &wn) && wn == MAC_LEN;
    EVP_MD_CTX_free(ctx);
    return ok && CRYPTO_memcmp(want, got, MAC_LEN) == 0;
}
