/* buf.h — a growable byte buffer (git's strbuf, in small). Always NUL-terminated. */
#ifndef RS_BUF_H
#define RS_BUF_H

#include <stddef.h>

struct rs_buf {
    char *data; /* owned; NULL until the first append */
    size_t len, cap;
};

void rs_buf_init(struct rs_buf *b);
void rs_buf_release(struct rs_buf *b);
/* Hand the bytes out (caller frees) and reset the buffer. Never NULL. */
char *rs_buf_detach(struct rs_buf *b, size_t *len);
void rs_buf_add(struct rs_buf *b, const char *s, size_t n);
void rs_buf_puts(struct rs_buf *b, const char *s);
void rs_buf_printf(struct rs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append S with &<>"' escaped for HTML text and attribute values. NULL appends nothing. */
void rs_buf_html(struct rs_buf *b, const char *s);

#endif
