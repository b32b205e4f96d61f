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
#include "util/timefmt.h"

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
        for (int i = 0; i < in.n_shipments; i++) {
            assert(in.shipments[i].tracking_number && in.shipments[i].tracking_number[0]);
            /* a carrier estimate is both days or neither, each a real "YYYY-MM-DD", in order */
            const struct rs_eta_in *eta = &in.shipments[i].eta;
            assert(!eta->from == !eta->to);
            int64_t a, b;
            if (eta->from) {
                assert(rs_date_parse(eta->from, &a) == RS_OK && rs_date_parse(eta->to, &b) == RS_OK);
                assert(strlen(eta->from) == 10 && strlen(eta->to) == 10 && a <= b);
            }
        }
    } else {
        assert(err[0] != '\0' || e == RS_ENOMEM);
    }
    rs_inbound_release(&in);
    return 0;
}

#endif
