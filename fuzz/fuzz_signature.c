/* fuzz_signature.c — libFuzzer target for the webhook signature header parsers and checks
 * (src/ingest/signature.c). Input: header bytes, then optionally a NUL and a body. Every
 * check must return (false, almost always) without crashing, reading out of bounds or leaking. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t hlen = nul ? (size_t)(nul - data) : size;
    char *header = malloc(hlen + 1);
    if (!header)
        return 0;
    memcpy(header, data, hlen);
    header[hlen] = '\0';
    const char *body = nul ? (const char *)nul + 1 : "";
    size_t blen = nul ? size - hlen - 1 : 0;

    (void)rs_sig_shopify("secret", body, blen, header);
    (void)rs_sig_aftership("secret", body, blen, header);
    (void)rs_sig_easypost("secret", body, blen, header);
    (void)rs_sig_easypost(header, body, blen, "hmac-sha256-hex=00"); /* header as secret: NFKD */
    (void)rs_sig_shippo("secret", body, blen, header, 1700000000, 300);
    (void)rs_sig_shippo("secret", body, blen, header, 0, 0);
    (void)rs_sig_17track("key", body, blen, header);
    (void)rs_sig_meta("secret", body, blen, header);
    (void)rs_sig_token_equal("token", header);
    int64_t t;
    char v1[65];
    if (rs_sig_shippo_header_parse(header, &t, v1))
        assert(strlen(v1) == 64);
    free(header);
    return 0;
}
