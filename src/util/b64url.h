/* b64url.h — base64url without padding (RFC 4648 §5), as Web Push keys, VAPID tokens and JWTs
 * use it. OpenSSL's EVP_EncodeBlock speaks standard base64 with padding only, so the alphabet
 * swap and the padding are done here around it. */
#ifndef RS_UTIL_B64URL_H
#define RS_UTIL_B64URL_H

#include <stddef.h>

/* Encode LEN bytes of IN into OUT (CAP bytes, NUL-terminated). Returns the length, or -1 when
 * CAP is too small (needs 4*ceil(LEN/3)+1). */
int rs_b64url_encode(const unsigned char *in, size_t len, char *out, size_t cap);
/* Decode IN (base64url or base64, padding optional, no spaces) into OUT (CAP bytes). Returns
 * the number of bytes, or -1 on a bad character, a bad length or a short CAP. */
int rs_b64url_decode(const char *in, unsigned char *out, size_t cap);

#endif
