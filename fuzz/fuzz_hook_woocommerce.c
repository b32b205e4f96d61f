/* fuzz_hook_woocommerce.c — libFuzzer target for rs_hook_woocommerce_parse (src/ingest/hook_woocommerce.c). */
#include "fuzz_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hook(rs_hook_woocommerce_parse, data, size);
}
