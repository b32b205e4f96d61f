/* events_fast.h — a fast reader for the common shape of a POST /v1/events body: one flat event
 * object, or an array of them, whose members are Rastro's own event fields as plain strings
 * (location an object of plain strings, action_required true/false). It gives exactly what
 * json_loadb + rs_json_event_in give for such a body (fuzz/fuzz_events_fast.c checks it
 * byte for byte) and says "not mine" for anything else — escapes, numbers, nulls, unknown or
 * repeated keys, bad UTF-8, malformed JSON — so the caller parses with jansson as before, errors
 * and all.
 *
 * Why not jansson alone: under callgrind, json_loadb of a 230-byte event cost ≈ 37 k
 * instructions (a hash table, a malloc per key and value), more than the writer's SQLite work
 * for that event. This reader allocates nothing: strings stay in the caller's buffer. */
#ifndef RS_EVENTS_FAST_H
#define RS_EVENTS_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include "app/ingest.h"
#include "core/model.h"

/* Raw per-event fields beside the record: the time and statuses are checked by
 * rs_events_fast_item, as rs_json_event_in checks them. */
struct rs_event_fast {
    const char *occurred_at, *status, *substatus;
};

/* Parse BUF[0..LEN) in place (strings are NUL-terminated inside BUF, which must hold LEN+1
 * bytes: a private copy). Fills up to CAP records of OUT and RAW. Returns the number of events
 * (≥ 1) and *IS_ARRAY, or 0: not in the fast subset (BUF is then garbage; parse the original
 * with jansson). */
size_t rs_events_fast_parse(char *buf, size_t len, struct rs_event_in *out, struct rs_event_fast *raw, size_t cap,
                            bool *is_array);

/* The rest of rs_json_event_in for one parsed event: time, status, sub-status. */
enum rs_err rs_events_fast_item(struct rs_event_in *out, const struct rs_event_fast *raw,
                                struct rs_app_error *err) RS_MUST_CHECK;

#endif
