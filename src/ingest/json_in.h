/* json_in.h — Rastro's own JSON formats (DESIGN.md "Public contract") into input records.
 * Strings are borrowed from the json_t, which must outlive the records. Field errors come back
 * as RS_EINVAL with a message naming the field; the records then must not be used. Values are
 * only extracted here; rs_app_*_prepare() validates and normalises them. */
#ifndef RS_JSON_IN_H
#define RS_JSON_IN_H

#include <jansson.h>

#include "app/ingest.h"
#include "core/model.h"
#include "util/jget.h"

/* ITEMS: room for RS_MAX_ITEMS items. */
enum rs_err rs_json_order_in(json_t *j, struct rs_order_in *out, struct rs_item_in *items,
                             struct rs_app_error *err) RS_MUST_CHECK;
enum rs_err rs_json_shipment_in(json_t *j, struct rs_shipment_in *out, struct rs_app_error *err) RS_MUST_CHECK;
enum rs_err rs_json_event_in(json_t *j, struct rs_event_in *out, struct rs_app_error *err) RS_MUST_CHECK;
/* The end of rs_json_event_in, shared with ingest/events_fast.c: OUT's strings and times are
 * read (JE holds the first error so far); checks the status ST and sub-status SUB strings in
 * the same order with the same messages. */
enum rs_err rs_event_in_finish(struct rs_event_in *out, const char *st, const char *sub, struct rs_jerr *je,
                               struct rs_app_error *err) RS_MUST_CHECK;

#endif
