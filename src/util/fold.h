/* fold.h — text folding for matching what people and carriers write.
 *
 * rs_fold() turns "¿Dónde está mi PEDIDO?" into "donde esta mi pedido": Unicode case folding,
 * accents removed (NFD, combining marks dropped; ñ becomes n, ç becomes c), every run of
 * characters that are not letters or digits becomes one space, no leading/trailing space.
 * Uses ICU (libicu), so any script folds correctly. */
#ifndef RS_FOLD_H
#define RS_FOLD_H

#include <stddef.h>

/* Fold UTF-8 IN (LEN bytes, or -1 for NUL-terminated) into OUT (CAP bytes, NUL-terminated,
 * truncated at a character boundary if needed). Invalid UTF-8 is treated as spaces. Returns
 * the length written. */
size_t rs_fold(const char *in, long len, char *out, size_t cap);

#endif
