/* fold.c — case and accent folding with ICU (see fold.h). */
#include "util/fold.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

size_t rs_fold(const char *in, long len, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!in)
        return 0;
    size_t n = len < 0 ? strlen(in) : (size_t)len;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&err);
    if (U_FAILURE(err))
        return 0;

    size_t o = 0;
    int pending_space = 0;
    int32_t i = 0;
    while ((size_t)i < n) {
        UChar32 c;
        U8_NEXT((const uint8_t *)in, i, (int32_t)n, c);
        if (c < 0)
            c = ' ';
        /* decompose, drop combining marks, fold case */
        UChar src[4], dec[16];
        int32_t sl = 0;
        U16_APPEND_UNSAFE(src, sl, c);
        UErrorCode e2 = U_ZERO_ERROR;
        int32_t dl = unorm2_normalize(nfd, src, sl, dec, 16, &e2);
        if (U_FAILURE(e2)) {
            dec[0] = ' ';
            dl = 1;
        }
        for (int32_t k = 0; k < dl;) {
            UChar32 d;
            U16_NEXT(dec, k, dl, d);
            if (u_charType(d) == U_NON_SPACING_MARK)
                continue;
            d = u_foldCase(d, U_FOLD_CASE_DEFAULT);
            if (d == 0xDF) { /* ß */
                d = 's';
            }
            if (!u_isalnum(d)) {
                pending_space = o > 0;
                continue;
            }
            uint8_t buf[4];
            int32_t bl = 0;
            UBool bad = 0;
            U8_APPEND(buf, bl, 4, d, bad);
            if (bad)
                continue;
            if (o + (size_t)pending_space + (size_t)bl + 1 > cap)
                goto done;
            if (pending_space)
                out[o++] = ' ';
            pending_space = 0;
            memcpy(out + o, buf, (size_t)bl);
            o += (size_t)bl;
        }
    }
done:
    out[o] = '\0';
    return o;
}
