/* fuzz_hook.h — the body every webhook adapter's fuzz target shares: any bytes must give RS_OK
 * with consistent records or an error with a message, never a crash or leak. The first byte
 * picks the topic argument (none, or one of the providers' topics). */
#ifndef RS_FUZZ_HOOK_H
#define RS_FUZZ_HOOK_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest/inbound.h"

static const char *const topics[] = {NULL, "orders/create", "orders/updated",
                                     "fulfillments/update", "order.created", "order.updated",
                                     "tracker.updated", "track_updated", "tracking_update"};

static int fuzz_hook(rs_hook_parse_fn *parse, const uint8_t *data, size_t size)
{
    const char *topic = NULL;
    if (size > 0) {
        topic = topics[data[0] % (sizeof topics / sizeof topics[0])];
        data++;
        size--;
    }
    struct rs_inbound in;
    char err[256];
    enum rs_err e = parse((const char *)data, size, topic, &in, err, sizeof err);
    if (e == RS_OK) {
        for (int i = 0; i < in.n_events; i++) {
            const struct rs_event_in *ev = &in.events[i];
            assert(ev->tracking_number && ev->tracking_number[0]);
            assert(rs_substatus_fits(ev->status, ev->substatus));
            assert(strlen(ev->tracking_number) <= RS_MAX_TRACKING_LEN);
        }
        for (int i = 0; i < in.n_shipments; i++)
            assert(in.shipments[i].tracking_number && in.shipments[i].tracking_number[0]);
    } else {
        assert(err[0] != '\0' || e == RS_ENOMEM);
    }
    rs_inbound_release(&in);
    return 0;
}

#endif
