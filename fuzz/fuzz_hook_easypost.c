/* fuzz_hook_easypost.c — libFuzzer target for rs_hook_easypost_parse (src/ingest/hook_easypost.c). */
#include "fuzz_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hook(rs_hook_easypost_parse, data, size);
}
