/* fuzz_promise_query.c — libFuzzer target for the parsers of GET /v1/promise's query values
 * (src/app/promise_service.c): region codes ("CC/REGION") and shipping options
 * ("carrier[:service],…"). Whatever the bytes, results stay within their buffers and limits. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_service.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    if (!s)
        return 0;
    char cc[3], region[65];
    if (rs_promise_split_region(s, cc, region, sizeof region))
        assert(strlen(cc) == 0 || strlen(cc) == 2);
    struct rs_promise_option o[RS_PROMISE_MAX_OPTIONS];
    int n = -1;
    char err[200];
    if (rs_promise_options_parse(s, o, &n, err, sizeof err)) {
        assert(n >= 1 && n <= RS_PROMISE_MAX_OPTIONS);
        for (int i = 0; i < n; i++) {
            assert(strlen(o[i].carrier) >= 1 && strlen(o[i].carrier) <= 64);
            assert(strlen(o[i].service) <= 64);
            assert(!strchr(o[i].carrier, ',') && !strchr(o[i].carrier, ':'));
            assert(!strchr(o[i].service, ',') && !strchr(o[i].service, ':'));
        }
    } else {
        assert(strncmp(err, "options", 7) == 0);
    }
    free(s);
    return 0;
}
