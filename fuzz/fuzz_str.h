/* fuzz_str.h — the fuzz input as a NUL-terminated copy, for targets whose functions take C
 * strings (malloc'd: free it; NULL on OOM, when the target just returns). */
#ifndef RS_FUZZ_STR_H
#define RS_FUZZ_STR_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
