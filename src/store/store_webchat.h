/* store_webchat.h — the web chat of the tracking page (migration 0007-support tables): which
 * conversation a visitor of an order's page writes into, and the transcript the page shows.
 *
 * A visitor who proved the second factor (postcode or e-mail) writes into the order's
 * customer's conversation; one who only holds the link writes into the order's anonymous web
 * chat conversation (no customer, no phone, no e-mail), which every holder of the link shares,
 * as they share the page. The transcript is only the web chat messages (never notes, never
 * other channels). Prepared per call (not on any hot path); any connection. */
#ifndef RS_STORE_WEBCHAT_H
#define RS_STORE_WEBCHAT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* The latest anonymous web chat conversation of ORDER_ID. RS_ENOTFOUND when none. */
enum rs_err rs_store_webchat_anon_conv(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                       int64_t *conversation_id) RS_MUST_CHECK;

/* The web chat transcript of ORDER_ID for a visitor (VERIFIED: the customer's conversation; else
 * the anonymous one), messages with an id above AFTER_ID, oldest first, at most 200. OUT:
 * {"conversation_id": N|null, "state": "bot"|"agent"|"closed"|null,
 *  "messages": [{"id","direction":"in"|"out","author","body","at"}]}. */
enum rs_err rs_store_webchat_json(struct rs_store *s, int64_t merchant_id, int64_t order_id, bool verified,
                                  int64_t after_id, json_t **out) RS_MUST_CHECK;

#endif
