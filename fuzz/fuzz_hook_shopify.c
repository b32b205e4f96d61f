/* fuzz_hook_shopify.c — libFuzzer target for rs_hook_shopify_parse (src/ingest/hook_shopify.c). */
#include "fuzz_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hook(rs_hook_shopify_parse, data, size);
}
