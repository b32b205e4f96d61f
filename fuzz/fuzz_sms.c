/* fuzz_sms.c — SMS analysis and transliteration on arbitrary bytes: no crash, and the
 * invariants hold (a text that fits one part has 1 segment; transliteration output is valid
 * UTF-8 that analyses without error). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_sms_info in;
    if (rs_sms_analyze((const char *)data, size, &in) == RS_OK) {
        int single = in.encoding == RS_SMS_GSM7 ? RS_SMS_GSM7_SINGLE : RS_SMS_UCS2_SINGLE;
        int part = in.encoding == RS_SMS_GSM7 ? RS_SMS_GSM7_PART : RS_SMS_UCS2_PART;
        if ((in.units == 0) != (in.segments == 0) || (in.units > 0 && in.units <= single && in.segments != 1) ||
            (in.units > single && in.segments < (in.units + part - 1) / part) || in.left < 0)
            abort();
    }
    char out[4096];
    size_t n = 0;
    enum rs_err rc = rs_sms_transliterate((const char *)data, size, out, sizeof out, &n);
    if (rc == RS_OK || rc == RS_ENOMEM) {
        struct rs_sms_info t;
        if (n >= sizeof out || rs_sms_analyze(out, n, &t) != RS_OK)
            abort();
    }
    return 0;
}
