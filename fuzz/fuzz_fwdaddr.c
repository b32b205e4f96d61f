/* fuzz_fwdaddr.c — libFuzzer target for the X-Forwarded-For and Forwarded parsers and the trusted-proxy list
 * (src/util/fwdaddr.c). Input: an X-Forwarded-For value, then optionally a NUL and a proxy
 * list. The client found is always the peer or a canonical address from the header, and its
 * limit key (util/netaddr.c) is a short string (an IPv6 client's /64). The same bytes go to the
 * web push endpoint check (notify/webpush.c: libcurl's URL parser, then netaddr). */
#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/fwdaddr.h"
#include "notify/webpush.h"
#include "util/netaddr.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_str(data, size);
    if (!buf)
        return 0;
    const char *xff = buf;
    const char *list = "127.0.0.1, ::1, 10.0.0.2";
    const char *nul = memchr(data, 0, size);
    if (nul)
        list = buf + (nul - (const char *)data) + 1;
    struct rs_proxies p;
    char err[160];
    if (!rs_proxies_parse(list, &p, err, sizeof err))
        p.n = 0;
    assert(p.n >= 0 && p.n <= RS_FWD_MAX_PROXIES);
    char out[RS_ADDR_LEN];
    const char *peers[] = {"127.0.0.1", "10.0.0.2", "203.0.113.9", ""};
    for (int k8 = 0; k8 < 8; k8++) {
        int i = k8 % 4;
        /* the same bytes as X-Forwarded-For, then as RFC 7239 Forwarded */
        bool from_header = rs_forwarded_client(&p, peers[i], k8 < 4 ? NULL : xff, k8 < 4 ? xff : NULL, out);
        assert(strlen(out) < RS_ADDR_LEN);
        if (from_header) { /* a canonical address, never a proxy's */
            unsigned char bin[16];
            assert(inet_pton(strchr(out, ':') ? AF_INET6 : AF_INET, out, bin) == 1);
            for (int k = 0; k < p.n; k++)
                assert(strcmp(out, p.addr[k]) != 0);
        } else {
            assert(strcmp(out, peers[i]) == 0);
        }
        char key[48];
        assert(strlen(rs_addr_limit_key(out, key)) < sizeof key);
    }
    (void)rs_webpush_endpoint_ok(buf); /* the push endpoint check: libcurl's URL parser + netaddr */
    (void)rs_addr_text_public(buf);
    free(buf);
    return 0;
}
