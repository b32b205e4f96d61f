/* trackcode.c — tracking codes with a GF(32) check character (see trackcode.h). */
#include "core/trackcode.h"

#include <ctype.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* GF(2^5) with the primitive polynomial x^5 + x^2 + 1; alpha = x (value 2). */
static unsigned gf_mul(unsigned a, unsigned b)
{
    unsigned r = 0;
    while (b) {
        if (b & 1)
            r ^= a;
        b >>= 1;
        a <<= 1;
        if (a & 0x20)
            a ^= 0x25;
    }
    return r & 0x1f;
}

unsigned rs_trackcode_check_value(const unsigned char data[RS_TRACKCODE_DATA_CHARS])
{
    unsigned sum = 0, w = 2; /* w = alpha^(i+1) */
    for (int i = 0; i < RS_TRACKCODE_DATA_CHARS; i++) {
        sum ^= gf_mul(w, data[i] & 0x1f);
        w = gf_mul(w, 2);
    }
    return sum;
}

static void render(const unsigned char v[RS_TRACKCODE_DATA_CHARS + 1], char out[RS_TRACKCODE_LEN])
{
    char *p = out;
    *p++ = 'R';
    *p++ = 'X';
    for (int i = 0; i < RS_TRACKCODE_DATA_CHARS + 1; i++) {
        if (i % 4 == 0 && i < RS_TRACKCODE_DATA_CHARS)
            *p++ = '-';
        *p++ = alphabet[v[i]];
    }
    *p = '\0';
}

void rs_trackcode_format(uint64_t bits, char out[RS_TRACKCODE_LEN])
{
    unsigned char v[RS_TRACKCODE_DATA_CHARS + 1];
    for (int i = RS_TRACKCODE_DATA_CHARS - 1; i >= 0; i--) {
        v[i] = (unsigned char)(bits & 0x1f);
        bits >>= 5;
    }
    v[RS_TRACKCODE_DATA_CHARS] = (unsigned char)rs_trackcode_check_value(v);
    render(v, out);
}

static int decode_char(int c)
{
    c = toupper((unsigned char)c);
    if (c == 'O')
        c = '0';
    else if (c == 'I' || c == 'L')
        c = '1';
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Length of the separator at P, 0 when P is not one. A code typed, read aloud or pasted from
 * an e-mail, a PDF or a phone's keyboard comes with ASCII spaces, dashes, dots or underscores, a
 * line break, and also typographic ones: no-break and narrow spaces (U+00A0, U+2000-U+200B,
 * U+202F, U+3000, U+FEFF), hyphens and dashes (U+2010-U+2015, U+2212 minus, U+FF0D). */
static size_t separator_len(const char *p)
{
    static const char *const utf8[] = {
        "\xc2\xa0",                                                           /* U+00A0 */
        "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", /* U+2000.. */
        "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89",
        "\xe2\x80\x8a", "\xe2\x80\x8b",                                     /* ..U+200B */
        "\xe2\x80\x90", "\xe2\x80\x91", "\xe2\x80\x92", "\xe2\x80\x93", "\xe2\x80\x94", /* U+2010.. */
        "\xe2\x80\x95",                                                       /* ..U+2015 */
        "\xe2\x80\xaf", "\xe2\x88\x92", "\xe3\x80\x80", "\xef\xbb\xbf", "\xef\xbc\x8d",
    };
    if (*p == '-' || *p == '.' || *p == '_' || isspace((unsigned char)*p))
        return 1;
    for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++) {
        size_t n = strlen(utf8[i]);
        if (strncmp(p, utf8[i], n) == 0)
            return n;
    }
    return 0;
}

enum rs_trackcode_check rs_trackcode_parse(const char *in, char out[RS_TRACKCODE_LEN])
{
    unsigned char v[RS_TRACKCODE_DATA_CHARS + 1];
    char clean[64];
    size_t n = 0;
    out[0] = '\0';
    if (!in)
        return RS_TRACKCODE_MALFORMED;
    for (const char *p = in; *p; p++) {
        size_t skip = separator_len(p);
        if (skip) {
            p += skip - 1;
            continue;
        }
        if (n + 1 >= sizeof clean)
            return RS_TRACKCODE_MALFORMED;
        clean[n++] = *p;
    }
    clean[n] = '\0';
    const char *s = clean;
    /* The prefix is optional; a 15-character input must start with it. */
    if (n == RS_TRACKCODE_DATA_CHARS + 3) {
        if (toupper((unsigned char)s[0]) != 'R' || toupper((unsigned char)s[1]) != 'X')
            return RS_TRACKCODE_MALFORMED;
        s += 2;
        n -= 2;
    }
    if (n != RS_TRACKCODE_DATA_CHARS + 1)
        return RS_TRACKCODE_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        int d = decode_char(s[i]);
        if (d < 0)
            return RS_TRACKCODE_MALFORMED;
        v[i] = (unsigned char)d;
    }
    render(v, out);
    if (rs_trackcode_check_value(v) != v[RS_TRACKCODE_DATA_CHARS])
        return RS_TRACKCODE_TYPO;
    return RS_TRACKCODE_OK;
}
