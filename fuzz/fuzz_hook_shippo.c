/* fuzz_hook_shippo.c — libFuzzer target for rs_hook_shippo_parse (src/ingest/hook_shippo.c). */
#include "fuzz_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hook(rs_hook_shippo_parse, data, size);
}
