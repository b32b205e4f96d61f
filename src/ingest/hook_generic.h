/* hook_generic.h — a webhook of any shape, read through a per-merchant field mapping of RFC 6901
 * JSON pointers (docs/api/webhooks.md, "Generic webhook").
 *
 * A mapping is a JSON object:
 *   "tracking_number" (required), "carrier", "order_ref", "delivery_id", "topic"   pointers
 *   "events"        pointer to an array of events (optional; without it the document is one event)
 *   "occurred_at" (required), "status", "substatus", "code", "message",
 *   "postal_code", "city", "region", "country"                                        pointers
 *   "status_map"    {"<their value>": "<canonical status>[/<sub-status>]"}          (optional)
 *   "carrier_default" a carrier slug used when the payload names none                 (optional)
 * With "events", the event fields are read from each element of the array, and
 * tracking_number/carrier/order_ref from the element first, then from the document root.
 * occurred_at is RFC 3339 with an offset, or an integer of Unix seconds. A status that is not in
 * status_map and not a canonical name is passed on as the raw code (RS_STATUS_NONE) for the
 * text normalizer of the write path. */
#ifndef RS_HOOK_GENERIC_H
#define RS_HOOK_GENERIC_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "ingest/inbound.h"

/* The value at POINTER (RFC 6901: "" is the whole document, "/a/0/b~1c" …) in ROOT, borrowed;
 * NULL when absent or when POINTER is malformed (not empty and not starting with '/', or a bad
 * "~" escape). Array indexes are decimal without leading zeros; "-" never matches. */
json_t *rs_json_pointer(const json_t *root, const char *pointer);

/* Check MAPPING (unknown keys, pointer syntax, status_map values). RS_EINVAL with ERR. */
enum rs_err rs_hook_generic_mapping_check(const json_t *mapping, char *err, size_t errcap) RS_MUST_CHECK;

/* Parse BODY with MAPPING (already checked) into OUT (source "generic", one shipment per
 * tracking number, events in document order). Same contract as rs_hook_<provider>_parse. */
enum rs_err rs_hook_generic_parse(const char *body, size_t len, const json_t *mapping,
                                  struct rs_inbound *out, char *err, size_t errcap) RS_MUST_CHECK;

#endif
