/* buf.c — growable buffer (see buf.h). Out of memory aborts: a server that cannot allocate a
 * few kilobytes for an answer has nothing better to do (redis and h2o choose the same). */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rs_buf_init(struct rs_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void rs_buf_release(struct rs_buf *b)
{
    free(b->data);
    rs_buf_init(b);
}

static void grow(struct rs_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
        abort();
    b->data = d;
    b->cap = cap;
}

char *rs_buf_detach(struct rs_buf *b, size_t *len)
{
    grow(b, 0);
    char *d = b->data;
    d[b->len] = '\0';
    if (len)
        *len = b->len;
    rs_buf_init(b);
    return d;
}

void rs_buf_add(struct rs_buf *b, const char *s, size_t n)
{
    grow(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void rs_buf_puts(struct rs_buf *b, const char *s)
{
    if (s)
        rs_buf_add(b, s, strlen(s));
}

void rs_buf_printf(struct rs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rs_buf_html(struct rs_buf *b, const char *s)
{
    if (!s)
        return;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&':
            rs_buf_puts(b, "&amp;");
            break;
        case '<':
            rs_buf_puts(b, "&lt;");
            break;
        case '>':
            rs_buf_puts(b, "&gt;");
            break;
        case '"':
            rs_buf_puts(b, "&quot;");
            break;
        case '\'':
            rs_buf_puts(b, "&#39;");
            break;
        default:
            rs_buf_add(b, p, 1);
        }
    }
}
