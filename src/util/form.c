/* form.c — see form.h. */
#include "util/form.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode S[0..N) into OUT ('+' is a space when PLUS); returns false when it did not fit. */
static bool decode_as(const char *s, size_t n, bool plus, char *out, size_t cap)
{
    size_t o = 0;
    bool fit = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+' && plus) {
            c = ' ';
        } else if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (c == '\0')
            continue;
        if (o + 1 >= cap) {
            fit = false;
            break;
        }
        out[o++] = c;
    }
    if (!fit) {
        /* do not leave half a UTF-8 sequence at the end: drop continuation bytes, then their lead */
        size_t k = o;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0xC0)
            o = k - 1;
    }
    out[o] = '\0';
    return fit;
}

static bool decode(const char *s, size_t n, char *out, size_t cap)
{
    return decode_as(s, n, true, out, cap);
}

bool rs_url_segment_decode(const char *s, size_t n, char *out, size_t cap)
{
    return cap > 0 && decode_as(s, n, false, out, cap);
}

bool rs_form_get(const char *body, size_t len, const char *name, char *out, size_t cap, bool *truncated)
{
    if (cap)
        out[0] = '\0';
    if (truncated)
        *truncated = false;
    if (!body || !name || cap == 0)
        return false;
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && body[eq] != '=')
            eq++;
        char key[64];
        if (eq - i < sizeof key) {
            decode(body + i, eq - i, key, sizeof key);
            if (strlen(key) == nl && memcmp(key, name, nl) == 0) {
                bool fit = eq < end ? decode(body + eq + 1, end - eq - 1, out, cap) : (out[0] = '\0', true);
                if (truncated)
                    *truncated = !fit;
                return true;
            }
        }
        i = end + 1;
    }
    return false;
}

void rs_form_parse(const char *body, size_t len, struct rs_form *f)
{
    f->n = 0;
    size_t i = 0;
    while (body && i < len && f->n < RS_FORM_MAX) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && body[eq] != '=')
            eq++;
        if (end > i) {
            decode(body + i, eq - i, f->name[f->n], sizeof f->name[0]);
            if (eq < end)
                decode(body + eq + 1, end - eq - 1, f->value[f->n], sizeof f->value[0]);
            else
                f->value[f->n][0] = '\0';
            f->n++;
        }
        i = end + 1;
    }
}

const char *rs_form_find(const struct rs_form *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->name[i], name) == 0)
            return f->value[i];
    return NULL;
}
