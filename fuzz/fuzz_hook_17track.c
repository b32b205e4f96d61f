/* fuzz_hook_17track.c — libFuzzer target for rs_hook_17track_parse (src/ingest/hook_17track.c). */
#include "fuzz_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hook(rs_hook_17track_parse, data, size);
}
