/* fuzz_json_ingest.c — the native JSON ingest path short of the store: parse a body as
 * POST /v1/orders, /v1/shipments and /v1/events would (JSON → records → prepare/validate),
 * with every byte from the fuzzer. Must never crash, leak or read out of bounds. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ingest.h"
#include "ingest/json_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    static struct rs_item_in items[RS_MAX_ITEMS];
    struct rs_app_error err = {0};
    struct rs_prep_buf buf;
    struct rs_order_in o;
    if (rs_json_order_in(j, &o, items, &err) == RS_OK)
        (void)rs_app_order_prepare(&o, &buf, &err);
    struct rs_shipment_in s;
    if (rs_json_shipment_in(j, &s, &err) == RS_OK)
        (void)rs_app_shipment_prepare(&s, &buf, &err);
    size_t n = json_is_array(j) ? json_array_size(j) : 1;
    for (size_t i = 0; i < n && i < 64; i++) {
        json_t *e = json_is_array(j) ? json_array_get(j, i) : j;
        struct rs_event_in ev;
        if (rs_json_event_in(e, &ev, &err) == RS_OK)
            (void)rs_app_event_prepare(&ev, &buf, &err);
    }
    json_decref(j);
    return 0;
}
