/* fuzz_form.c — the x-www-form-urlencoded reader (util/form.c) on arbitrary bodies: every field
 * name the tracking page reads, with small and large output buffers (truncation at UTF-8
 * boundaries, always NUL-terminated). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"channel", "contact", "action", "type", "message", "order", "email", "code", ""};
    char small[4], big[2048];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool trunc;
        if (rs_form_get((const char *)data, size, names[i], small, sizeof small, &trunc) && strlen(small) >= sizeof small)
            __builtin_trap();
        if (rs_form_get((const char *)data, size, names[i], big, sizeof big, &trunc) && strlen(big) >= sizeof big)
            __builtin_trap();
    }
    /* the whole-body parser (Twilio callbacks) */
    static struct rs_form f;
    rs_form_parse((const char *)data, size, &f);
    for (int i = 0; i < f.n; i++)
        if (strlen(f.name[i]) >= sizeof f.name[i] || strlen(f.value[i]) >= sizeof f.value[i])
            __builtin_trap();
    return 0;
}
