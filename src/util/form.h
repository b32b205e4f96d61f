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

#endif
