/* fuzz_hook_aftership.c — libFuzzer target for rs_hook_aftership_parse (src/ingest/hook_aftership.c). */
#include "fuzz_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hook(rs_hook_aftership_parse, data, size);
}
