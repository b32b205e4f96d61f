/* sms.c — GSM-7 / UCS-2 detection and segment counting (see sms.h).
 *
 * The GSM 03.38 tables are written out here: they are a protocol constant, and no Debian C
 * library exposes them (ICU has no GSM-7 converter). Accent stripping for transliteration uses
 * ICU's NFD normalizer rather than a hand-made accent table. */
#include "core/sms.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/utf8.h>

/* The non-ASCII characters of the GSM 03.38 basic table. */
static const uint16_t gsm_basic_extra[] = {
    0x00A3, /* £ */ 0x00A5, /* ¥ */ 0x00E8, /* è */ 0x00E9, /* é */ 0x00F9, /* ù */
    0x00EC, /* ì */ 0x00F2, /* ò */ 0x00C7, /* Ç */ 0x00D8, /* Ø */ 0x00F8, /* ø */
    0x00C5, /* Å */ 0x00E5, /* å */ 0x0394, /* Δ */ 0x03A6, /* Φ */ 0x0393, /* Γ */
    0x039B, /* Λ */ 0x03A9, /* Ω */ 0x03A0, /* Π */ 0x03A8, /* Ψ */ 0x03A3, /* Σ */
    0x0398, /* Θ */ 0x039E, /* Ξ */ 0x00C6, /* Æ */ 0x00E6, /* æ */ 0x00DF, /* ß */
    0x00C9, /* É */ 0x00A4, /* ¤ */ 0x00A1, /* ¡ */ 0x00C4, /* Ä */ 0x00D6, /* Ö */
    0x00D1, /* Ñ */ 0x00DC, /* Ü */ 0x00A7, /* § */ 0x00BF, /* ¿ */ 0x00E4, /* ä */
    0x00F6, /* ö */ 0x00F1, /* ñ */ 0x00FC, /* ü */ 0x00E0, /* à */
};

int rs_sms_gsm7_cost(unsigned cp)
{
    if (cp == '\n' || cp == '\r')
        return 1;
    if (cp == '\f')
        return 2; /* form feed is in the extension table */
    if (cp >= 0x20 && cp < 0x7F) {
        switch (cp) {
        case '^': case '{': case '}': case '\\': case '[': case '~': case ']': case '|':
            return 2;
        case '`':
            return 0;
        default:
            return 1;
        }
    }
    if (cp == 0x20AC) /* € */
        return 2;
    for (size_t i = 0; i < sizeof gsm_basic_extra / sizeof gsm_basic_extra[0]; i++)
        if (gsm_basic_extra[i] == cp)
            return 1;
    return 0;
}

/* Parts for TEXT in encoding ENC: SINGLE units fit in one message, otherwise PART units per part
 * with no character (escape pair, surrogate pair) split across parts. TEXT is valid UTF-8. */
static void count_parts(const uint8_t *s, int32_t n, enum rs_sms_encoding enc, int total,
                        int *segments, int *left)
{
    int single = enc == RS_SMS_GSM7 ? RS_SMS_GSM7_SINGLE : RS_SMS_UCS2_SINGLE;
    int part = enc == RS_SMS_GSM7 ? RS_SMS_GSM7_PART : RS_SMS_UCS2_PART;
    if (total <= single) {
        *segments = total == 0 ? 0 : 1;
        *left = single - total;
        return;
    }
    int segs = 1, fill = 0;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        int cost = enc == RS_SMS_GSM7 ? rs_sms_gsm7_cost((unsigned)c) : (c > 0xFFFF ? 2 : 1);
        if (fill + cost > part) {
            segs++;
            fill = 0;
        }
        fill += cost;
    }
    *segments = segs;
    *left = part - fill;
}

enum rs_err rs_sms_analyze(const char *text, size_t len, struct rs_sms_info *info)
{
    if (!text && len)
        return RS_EINVAL;
    if (len > INT32_MAX)
        return RS_ETOOBIG;
    int n = 0, septets = 0, units = 0, first_ucs2 = -1;
    const uint8_t *s = (const uint8_t *)text;
    int32_t i = 0, n32 = (int32_t)len;
    while (i < n32) {
        int32_t at = i;
        UChar32 c;
        U8_NEXT(s, i, n32, c);
        if (c < 0)
            return RS_EINVAL;
        int g = rs_sms_gsm7_cost((unsigned)c);
        if (g == 0 && first_ucs2 < 0)
            first_ucs2 = at;
        septets += g;
        units += c > 0xFFFF ? 2 : 1;
        n++;
    }
    struct rs_sms_info r = {.chars = n, .first_ucs2_offset = first_ucs2};
    r.encoding = first_ucs2 < 0 ? RS_SMS_GSM7 : RS_SMS_UCS2;
    r.units = first_ucs2 < 0 ? septets : units;
    count_parts(s, n32, r.encoding, r.units, &r.segments, &r.left);
    *info = r;
    return RS_OK;
}

/* GSM-7 replacement text for common typographic characters, or NULL. */
static const char *punct_replacement(UChar32 c)
{
    switch (c) {
    case 0x00A0: case 0x2007: case 0x202F: case 0x2002: case 0x2003: case 0x2009:
        return " ";
    case 0x2018: case 0x2019: case 0x201A: case 0x2032: case 0x00B4: case '`':
        return "'";
    case 0x201C: case 0x201D: case 0x201E: case 0x00AB: case 0x00BB: case 0x2033:
        return "\"";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212:
        return "-";
    case 0x2026:
        return "...";
    case 0x2022: case 0x00B7:
        return "-";
    case 0x00BA:
        return "o";
    case 0x00AA:
        return "a";
    case 0x00E7:
        return "c"; /* GSM-7 has only the capital Ç */
    default:
        return NULL;
    }
}

/* Append BYTES (N) to OUT if they fit with a NUL after them. */
static bool put(char *out, size_t cap, size_t *o, const void *bytes, size_t n)
{
    if (*o + n + 1 > cap)
        return false;
    memcpy(out + *o, bytes, n);
    *o += n;
    out[*o] = '\0';
    return true;
}

enum rs_err rs_sms_transliterate(const char *in, size_t len, char *out, size_t cap,
                                 size_t *out_len)
{
    if (cap == 0 || (!in && len))
        return cap == 0 ? RS_ENOMEM : RS_EINVAL;
    if (len > INT32_MAX)
        return RS_ETOOBIG;
    out[0] = '\0';
    size_t o = 0;
    UErrorCode uerr = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&uerr);
    const uint8_t *s = (const uint8_t *)in;
    int32_t i = 0, n32 = (int32_t)len;
    enum rs_err rc = RS_OK;
    while (i < n32) {
        int32_t at = i;
        UChar32 c;
        U8_NEXT(s, i, n32, c);
        if (c < 0) {
            rc = RS_EINVAL;
            break;
        }
        const char *rep = NULL;
        char buf[4];
        if (rs_sms_gsm7_cost((unsigned)c) == 0) {
            rep = punct_replacement(c);
            if (!rep && nfd && U_SUCCESS(uerr)) {
                /* Decompose; keep the base letter when it is GSM-7 and the rest are marks. */
                UChar src[2], dec[8];
                int32_t sl = 0;
                U16_APPEND_UNSAFE(src, sl, c);
                UErrorCode e2 = U_ZERO_ERROR;
                int32_t dl = unorm2_normalize(nfd, src, sl, dec, 8, &e2);
                if (U_SUCCESS(e2) && dl >= 2 && dec[0] < 0x80 &&
                    rs_sms_gsm7_cost(dec[0]) == 1 && unorm2_getCombiningClass(nfd, dec[1]) > 0) {
                    buf[0] = (char)dec[0];
                    buf[1] = '\0';
                    rep = buf;
                }
            }
        }
        bool ok = rep ? put(out, cap, &o, rep, strlen(rep)) : put(out, cap, &o, in + at, (size_t)(i - at));
        if (!ok) {
            rc = RS_ENOMEM;
            break;
        }
    }
    *out_len = o;
    return rc;
}
