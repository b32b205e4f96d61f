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

enum rs_trackcode_check rs_trackcode_parse(const char *in, char out[RS_TRACKCODE_LEN])
{
    unsigned char v[RS_TRACKCODE_DATA_CHARS + 1];
    char clean[64];
    size_t n = 0;
    out[0] = '\0';
    if (!in)
        return RS_TRACKCODE_MALFORMED;
    for (const char *p = in; *p; p++) {
        if (*p == '-' || *p == ' ' || *p == '\t' || *p == '.')
            continue;
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
