/* form.h — application/x-www-form-urlencoded bodies (HTML forms posted without JavaScript).
 * Hand-written because the body is already buffered by server.c (libmicrohttpd's post processor
 * works on the connection's upload stream, which handlers never see) and the format is tiny:
 * name=value pairs joined by '&', '+' for space, %XX escapes (WHATWG URL standard,
 * "application/x-www-form-urlencoded parsing"). */
#ifndef RS_FORM_H
#define RS_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* Find the first field NAME in BODY (LEN bytes, need not be NUL-terminated) and decode its value
 * into OUT (CAP bytes, always NUL-terminated; a longer value is cut at a UTF-8 boundary and
 * *truncated set when TRUNCATED is not NULL). A decoded NUL byte is dropped; a malformed %
 * escape is kept literally. False when the field is absent (OUT is then ""). */
bool rs_form_get(const char *body, size_t len, const char *name, char *out, size_t cap, bool *truncated);

/* Every field of a body, decoded, in order (Twilio signs over all of them). Bounded: at most
 * RS_FORM_MAX fields; longer names/values are cut like rs_form_get does. */
#define RS_FORM_MAX 64
struct rs_form {
    char name[RS_FORM_MAX][64];
    char value[RS_FORM_MAX][512];
    int n;
};
void rs_form_parse(const char *body, size_t len, struct rs_form *f);
/* The value of the first field NAME in F, or NULL (borrowed from F). */
const char *rs_form_find(const struct rs_form *f, const char *name);

/* Decode one segment of a URL path, S[0..N): %XX escapes only ('+' stays '+'; "%2F" is a '/'
 * inside the segment), a decoded NUL dropped, a malformed escape kept literally. False when it
 * does not fit OUT (CAP bytes, NUL-terminated). */
bool rs_url_segment_decode(const char *s, size_t n, char *out, size_t cap);

#endif
