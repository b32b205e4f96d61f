/* test_signature.c — webhook signature checks (src/ingest/signature.c): values computed here
 * with OpenSSL's one-shot HMAC(), vectors computed with `openssl dgst` over our own fixtures
 * when this test was written, malformed headers, and — when ../shared/fixtures is present —
 * the exact signatures listed in ../shared/fixtures/SIGNATURES.md over the shared fixture
 * bytes (and a one-byte change must fail). Run from the project root. */
#include "unit.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/signature.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static void b64_of(const char *key, const void *msg, size_t len, char out[45])
{
    unsigned char mac[32];
    unsigned int ml = 0;
    assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), msg, len, mac, &ml));
    EVP_EncodeBlock((unsigned char *)out, mac, 32);
}

static void hex_of(const char *key, const void *msg, size_t len, char out[65])
{
    unsigned char mac[32];
    unsigned int ml = 0;
    assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), msg, len, mac, &ml));
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static void test_base64_schemes(void **state)
{
    (void)state;
    const char body[] = "{\"id\":1,\"note\":\"caf\\u00e9 \\/ tea\"}";
    size_t len = sizeof body - 1;
    char sig[45];
    b64_of("s3cret", body, len, sig);
    assert_true(rs_sig_shopify("s3cret", body, len, sig));
    assert_true(rs_sig_woocommerce("s3cret", body, len, sig));
    assert_true(rs_sig_aftership("s3cret", body, len, sig));
    char padded[64];
    snprintf(padded, sizeof padded, "  %s \r\n", sig);
    assert_true(rs_sig_shopify("s3cret", body, len, padded));
    assert_false(rs_sig_shopify("s3creT", body, len, sig));
    assert_false(rs_sig_shopify("s3cret", body, len - 1, sig));
    char changed[sizeof body];
    memcpy(changed, body, sizeof body);
    changed[5] ^= 1;
    assert_false(rs_sig_shopify("s3cret", changed, len, sig));
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    assert_false(rs_sig_aftership("s3cret", body, len, sig));
    /* empty body is signable */
    b64_of("k", "", 0, sig);
    assert_true(rs_sig_woocommerce("k", "", 0, sig));
}

static void test_own_fixture_vectors(void **state)
{
    (void)state;
    size_t len;
    char *b = slurp("tests/fixtures/woocommerce-order-created.json", &len);
    assert_non_null(b);
    /* openssl dgst -sha256 -hmac rastro-test-secret -binary FILE | base64 */
    assert_true(rs_sig_woocommerce("rastro-test-secret", b, len,
                                   "h3pTOIyubdJ905pD7m+p6stn5f3LddS3Nr/CPTrAvmk="));
    free(b);

    b = slurp("tests/fixtures/easypost-delivered-late-scan.json", &len);
    assert_non_null(b);
    /* openssl dgst -sha256 -hmac rastro-test-secret FILE */
    const char *h = "hmac-sha256-hex=798cfd68268eba01934ff4d1f34c5336d4714978c74b73253330c9d9b20038b8";
    assert_true(rs_sig_easypost("rastro-test-secret", b, len, h));
    assert_true(rs_sig_easypost(
        "rastro-test-secret", b, len,
        "hmac-sha256-hex=798CFD68268EBA01934FF4D1F34C5336D4714978C74B73253330C9D9B20038B8"));
    b[len / 2] ^= 0x20;
    assert_false(rs_sig_easypost("rastro-test-secret", b, len, h));
    free(b);

    /* NFKD: the secret "ﬁ²" (U+FB01, U+00B2) is used as the key "fi2".
     * openssl dgst -sha256 -hmac fi2 FILE */
    b = slurp("tests/fixtures/easypost-tracker-created.json", &len);
    assert_non_null(b);
    h = "hmac-sha256-hex=fcb06c5400ef54d2d988f56ba15f6a1d259ef5de381359e3a8a3b873f2f10c98";
    assert_true(rs_sig_easypost("\xef\xac\x81\xc2\xb2", b, len, h));
    assert_true(rs_sig_easypost("fi2", b, len, h));
    assert_false(rs_sig_easypost("fi", b, len, h));
    assert_false(rs_sig_easypost("\xef\xac", b, len, h)); /* invalid UTF-8 secret */
    free(b);

    /* Shippo: hex HMAC over "1765267200." + body */
    b = slurp("tests/fixtures/shippo-address-issue.json", &len);
    assert_non_null(b);
    h = "t=1765267200,v1=934a0df78c75b0d979761f325f6d52bdaa9aa24b2845f1f604a2ee81eb9da689";
    assert_true(rs_sig_shippo("rastro-test-secret", b, len, h, 1765267200 + 100, 300));
    assert_false(rs_sig_shippo("rastro-test-secret", b, len, h, 1765267200 + 301, 300));
    assert_false(rs_sig_shippo("rastro-test-secret", b, len, h, 1765267200 - 301, 300));
    assert_true(rs_sig_shippo("rastro-test-secret", b, len, h, 0, 0)); /* no tolerance */
    /* the timestamp is signed: changing it breaks the signature */
    assert_false(rs_sig_shippo(
        "rastro-test-secret", b, len,
        "t=1765267201,v1=934a0df78c75b0d979761f325f6d52bdaa9aa24b2845f1f604a2ee81eb9da689", 0, 0));
    /* rotation: a second v1 that matches */
    assert_true(rs_sig_shippo(
        "rastro-test-secret", b, len,
        "t=1765267200, v1=0000000000000000000000000000000000000000000000000000000000000000, "
        "v1=934a0df78c75b0d979761f325f6d52bdaa9aa24b2845f1f604a2ee81eb9da689",
        0, 0));
    free(b);

    /* 17TRACK: { cat FILE; printf '/rastro-test-secret'; } | sha256sum */
    b = slurp("tests/fixtures/17track-handover-delivered.json", &len);
    assert_non_null(b);
    h = "d1d21b6599de1a3246864ed9c83b7be0b18e82c25578c87e5f4eb03d92263084";
    assert_true(rs_sig_17track("rastro-test-secret", b, len, h));
    assert_true(rs_sig_17track( /* either case, surrounding whitespace */
        "rastro-test-secret", b, len,
        " D1D21B6599DE1A3246864ED9C83B7BE0B18E82C25578C87E5F4EB03D92263084\r\n"));
    assert_false(rs_sig_17track("rastro-test-secreu", b, len, h)); /* another key */
    assert_false(rs_sig_17track("rastro-test-secret", b, len - 1, h));
    /* not an HMAC, and not the body's hash alone: openssl dgst -sha256 [-hmac K] FILE */
    assert_false(rs_sig_17track("rastro-test-secret", b, len,
                                "d74635ad700427c506d73b680ab0b4ffcb954ece4b44db092a1ce98faaf33835"));
    assert_false(rs_sig_17track("rastro-test-secret", b, len,
                                "7fcd9365892e0a4b78ca3c9213e3201a889f87cb11c00a6081d3ec1ca424a704"));
    b[len / 2] ^= 0x20;
    assert_false(rs_sig_17track("rastro-test-secret", b, len, h));
    free(b);
}

static void test_shippo_computed(void **state)
{
    (void)state;
    const char body[] = "{\"event\":\"track_updated\"}";
    char msg[128], hex[65], header[128];
    int n = snprintf(msg, sizeof msg, "%s.%s", "1700000000", body);
    hex_of("shh", msg, (size_t)n, hex);
    snprintf(header, sizeof header, "t=1700000000,v1=%s", hex);
    assert_true(rs_sig_shippo("shh", body, sizeof body - 1, header, 1700000010, 60));
    int64_t t;
    char v1[65];
    assert_true(rs_sig_shippo_header_parse(header, &t, v1));
    assert_int_equal(t, 1700000000);
    assert_string_equal(v1, hex);
    /* HMAC over the body alone (without "t.") must not pass */
    hex_of("shh", body, sizeof body - 1, hex);
    snprintf(header, sizeof header, "t=1700000000,v1=%s", hex);
    assert_false(rs_sig_shippo("shh", body, sizeof body - 1, header, 1700000010, 60));
}

static void test_token_and_17track(void **state)
{
    (void)state;
    assert_true(rs_sig_token_equal("tok-123", "tok-123"));
    assert_false(rs_sig_token_equal("tok-123", "tok-124"));
    assert_false(rs_sig_token_equal("tok-123", "tok-12"));
    assert_false(rs_sig_token_equal("tok-123", NULL));
    assert_false(rs_sig_token_equal("", ""));
    assert_false(rs_sig_token_equal(NULL, "x"));

    /* 17TRACK: hex(SHA-256(body "/" key)) */
    const char body[] = "{\"event\":\"TRACKING_UPDATED\"}";
    char cat[128], hex[65];
    int n = snprintf(cat, sizeof cat, "%s/%s", body, "api-key");
    unsigned char md[32];
    unsigned int ml;
    assert_true(EVP_Digest(cat, (size_t)n, md, &ml, EVP_sha256(), NULL));
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    assert_true(rs_sig_17track("api-key", body, sizeof body - 1, hex));
    assert_false(rs_sig_17track("api-kez", body, sizeof body - 1, hex));
}

static void test_malformed_headers(void **state)
{
    (void)state;
    const char *body = "{}";
    static const char *const bad[] = {
        "", " ", "=", "hmac-sha256-hex=", "hmac-sha256-hex=zz", "sha256=abcd",
        "hmac-sha256-hex=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "hmac-sha256-hex=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00",
        "t=", "t=abc,v1=00", "v1=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "t=99999999999999999999999,v1=", "t=1,v1", ",,,,", "t=-5,v1=00", "AAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "t=1\x01,v1=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(rs_sig_shopify("k", body, 2, bad[i]));
        assert_false(rs_sig_easypost("k", body, 2, bad[i]));
        assert_false(rs_sig_shippo("k", body, 2, bad[i], 1, 0));
        assert_false(rs_sig_17track("k", body, 2, bad[i]));
        int64_t t;
        char v1[65];
        (void)rs_sig_shippo_header_parse(bad[i], &t, v1);
    }
    assert_false(rs_sig_shopify("k", body, 2, NULL));
    assert_false(rs_sig_shopify(NULL, body, 2, "x"));
    assert_false(rs_sig_shopify("", body, 2, "x"));
    assert_false(rs_sig_easypost("k", NULL, 2, "x"));
    assert_false(rs_sig_shippo("k", body, 2, NULL, 0, 0));
    char *huge = malloc(100000);
    assert_non_null(huge);
    memset(huge, 'a', 99999);
    huge[99999] = '\0';
    assert_false(rs_sig_shopify("k", body, 2, huge));
    assert_false(rs_sig_easypost(huge, body, 2, huge)); /* oversized secret refused */
    assert_false(rs_sig_shippo("k", body, 2, huge, 0, 0));
    free(huge);
}

/* ---------- ../shared/fixtures/SIGNATURES.md ---------- */

/* The section of MD for fixture FILE ("## FILE"), up to the next "## ". NUL-terminated copy. */
static char *md_section(const char *md, const char *file)
{
    char head[128];
    snprintf(head, sizeof head, "## %s", file);
    const char *s = strstr(md, head);
    if (!s)
        return NULL;
    const char *e = strstr(s + 3, "\n## ");
    size_t n = e ? (size_t)(e - s) : strlen(s);
    char *r = malloc(n + 1);
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

/* The first `backticked` word after "- key:" in SEC, into OUT. */
static void md_key(const char *sec, char *out, size_t cap)
{
    const char *k = strstr(sec, "- key:");
    assert_non_null(k);
    const char *a = strchr(k, '`');
    assert_non_null(a);
    const char *b = strchr(a + 1, '`');
    assert_non_null(b);
    size_t n = (size_t)(b - a - 1);
    assert_true(n < cap);
    memcpy(out, a + 1, n);
    out[n] = '\0';
}

/* The value of header NAME ("Name: value" at a line start) in SEC, into OUT. */
static void md_header(const char *sec, const char *name, char *out, size_t cap)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\n%s: ", name);
    const char *h = strstr(sec, pat);
    assert_non_null(h);
    h += strlen(pat);
    size_t n = strcspn(h, "\r\n");
    assert_true(n < cap);
    memcpy(out, h, n);
    out[n] = '\0';
}

enum scheme { B64, EASYPOST, SHIPPO, TRACK17 };

static bool verify(enum scheme s, const char *key, const char *body, size_t len, const char *h)
{
    switch (s) {
    case B64: return rs_sig_shopify(key, body, len, h);
    case EASYPOST: return rs_sig_easypost(key, body, len, h);
    case SHIPPO: return rs_sig_shippo(key, body, len, h, 0, 0);
    case TRACK17: return rs_sig_17track(key, body, len, h);
    }
    return false;
}

static void test_shared_signatures(void **state)
{
    (void)state;
    size_t mdlen;
    char *md = slurp("../shared/fixtures/SIGNATURES.md", &mdlen);
    if (!md) {
        printf("skipped: ../shared/fixtures not present\n");
        return;
    }
    static const struct {
        const char *file, *header;
        enum scheme s;
    } cases[] = {
        {"easypost-tracker-updated.json", "X-Hmac-Signature", EASYPOST},
        {"shippo-track-updated.json", "Shippo-Auth-Signature", SHIPPO},
        {"aftership-tracking-update.json", "aftership-hmac-sha256", B64},
        {"17track-tracking-updated.json", "sign", TRACK17},
        {"shopify-orders-create.json", "X-Shopify-Hmac-Sha256", B64},
        {"shopify-fulfillment-update.json", "X-Shopify-Hmac-Sha256", B64},
        {"woocommerce-order-updated.json", "X-WC-Webhook-Signature", B64},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *sec = md_section(md, cases[i].file);
        if (!sec)
            fail_msg("SIGNATURES.md has no section for %s", cases[i].file);
        char key[128], hdr[256], path[256];
        md_key(sec, key, sizeof key);
        md_header(sec, cases[i].header, hdr, sizeof hdr);
        free(sec);
        snprintf(path, sizeof path, "../shared/fixtures/%s", cases[i].file);
        size_t len;
        char *body = slurp(path, &len);
        assert_non_null(body);
        if (!verify(cases[i].s, key, body, len, hdr))
            fail_msg("%s: signature %s did not verify", cases[i].file, hdr);
        body[len / 3] ^= 0x01; /* one byte changed */
        if (verify(cases[i].s, key, body, len, hdr))
            fail_msg("%s: verified after a one-byte change", cases[i].file);
        body[len / 3] ^= 0x01;
        if (verify(cases[i].s, "wrong-secret", body, len, hdr))
            fail_msg("%s: verified with a wrong secret", cases[i].file);
        free(body);
    }
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_schemes),    cmocka_unit_test(test_own_fixture_vectors),
        cmocka_unit_test(test_shippo_computed),   cmocka_unit_test(test_token_and_17track),
        cmocka_unit_test(test_malformed_headers), cmocka_unit_test(test_shared_signatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
