/* fuzz_generic_hook.c — libFuzzer target for the generic mapped webhook (src/ingest/hook_generic.c):
 * RFC 6901 pointer resolution, mapping validation and parsing. The first byte picks the mode:
 *   0: the rest is a body, parsed with a fixed batch mapping (events array, status_map)
 *   1: the rest is a body, parsed with a fixed single-event mapping
 *   2: the rest is a mapping: checked, and when valid used on a fixed body
 *   3: the rest is a JSON pointer, resolved in a fixed document
 * Any bytes must give RS_OK with consistent records or an error with a message; never a crash
 * or a leak. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/hook_generic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char batch_mapping[] =
    "{\"delivery_id\":\"/id\",\"tracking_number\":\"/shipment/number\",\"carrier\":\"/shipment/courier\","
    "\"order_ref\":\"/shipment/ref\",\"events\":\"/history\",\"status\":\"/state\",\"message\":\"/text\","
    "\"occurred_at\":\"/at\",\"city\":\"/place/city\",\"country\":\"/place/cc\",\"substatus\":\"/sub\","
    "\"carrier_estimate_from\":\"/eta/from\",\"carrier_estimate_to\":\"/eta/to\","
    "\"status_map\":{\"DONE\":\"delivered/to_neighbour\",\"ON\":\"out_for_delivery\"}}";
static const char one_mapping[] =
    "{\"tracking_number\":\"/t~1n\",\"occurred_at\":\"/a/0\",\"status\":\"/s\",\"code\":\"/c\","
    "\"carrier_default\":\"correos\",\"postal_code\":\"/p\",\"region\":\"/r\"}";
static const char fixed_body[] =
    "{\"id\":\"x\",\"shipment\":{\"number\":\"AB 12\",\"courier\":\"Paack\"},\"history\":[{\"state\":\"DONE\","
    "\"at\":\"2025-12-01T09:00:00+01:00\"},{\"state\":\"odd\",\"text\":\"Entregado\",\"at\":1764669600}],"
    "\"t/n\":\"Z9\",\"a\":[\"2025-12-01T09:00:00Z\"],\"s\":\"in_transit\"}";

static void check(enum rs_err e, struct rs_inbound *in, const char *err)
{
    if (e == RS_OK) {
        for (int i = 0; i < in->n_events; i++) {
            const struct rs_event_in *ev = &in->events[i];
            assert(ev->tracking_number && ev->tracking_number[0]);
            assert(strlen(ev->tracking_number) <= RS_MAX_TRACKING_LEN);
            assert(ev->occurred_at > 0);
            assert(rs_substatus_fits(ev->status, ev->substatus));
        }
        assert(in->n_shipments >= 1 && in->n_shipments <= in->n_events);
        /* a mapped carrier's estimate is text or absent, never empty (prepare checks the days) */
        for (int i = 0; i < in->n_shipments; i++)
            assert((!in->shipments[i].eta.from || in->shipments[i].eta.from[0]) &&
                   (!in->shipments[i].eta.to || in->shipments[i].eta.to[0]));
    } else {
        assert(err[0] != '\0' || e == RS_ENOMEM);
    }
    rs_inbound_release(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 4;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    struct rs_inbound in;
    char err[400] = "";
    if (mode == 0 || mode == 1) {
        json_t *m = json_loads(mode == 0 ? batch_mapping : one_mapping, 0, NULL);
        assert(m && rs_hook_generic_mapping_check(m, err, sizeof err) == RS_OK);
        check(rs_hook_generic_parse(rest, n, m, &in, err, sizeof err), &in, err);
        json_decref(m);
    } else if (mode == 2) {
        json_t *m = json_loadb(rest, n, JSON_REJECT_DUPLICATES, NULL);
        if (m && rs_hook_generic_mapping_check(m, err, sizeof err) == RS_OK)
            check(rs_hook_generic_parse(fixed_body, sizeof fixed_body - 1, m, &in, err, sizeof err), &in, err);
        else if (m)
            assert(err[0]);
        json_decref(m);
    } else {
        char *ptr = malloc(n + 1);
        if (!ptr)
            return 0;
        memcpy(ptr, rest, n);
        ptr[n] = '\0';
        json_t *doc = json_loads(fixed_body, 0, NULL);
        json_t *v = rs_json_pointer(doc, ptr);
        if (v && ptr[0] == '\0')
            assert(v == doc);
        json_decref(doc);
        free(ptr);
    }
    return 0;
}
