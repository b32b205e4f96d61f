/* fuzz_events_fast.c — differential check of ingest/events_fast.h against the jansson path of
 * POST /v1/events: whenever the fast reader accepts a body, jansson (json_loadb with
 * JSON_REJECT_DUPLICATES, as rs_req_json) must accept it too, with the same shape and count,
 * and rs_json_event_in must give the same record (every field) or the same error for each
 * item. Any difference aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/events_fast.h"
#include "ingest/json_in.h"
#include "fuzz_str.h"

static void same_str(const char *a, const char *b, const char *what)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
        fprintf(stderr, "events_fast differs from jansson in %s: \"%s\" vs \"%s\"\n", what, a ? a : "(null)",
                b ? b : "(null)");
        abort();
    }
}

static void same_int(long long a, long long b, const char *what)
{
    if (a != b) {
        fprintf(stderr, "events_fast differs from jansson in %s: %lld vs %lld\n", what, a, b);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { CAP = 16 };
    char *buf = fuzz_str(data, size);
    if (!buf)
        return 0;
    struct rs_event_in fast[CAP];
    struct rs_event_fast raw[CAP];
    bool is_array = false;
    size_t n = rs_events_fast_parse(buf, size, fast, raw, CAP, &is_array);
    if (n == 0) {
        free(buf);
        return 0;
    }
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        fprintf(stderr, "events_fast accepted what jansson refuses: %s\n", jerr.text);
        abort();
    }
    same_int(is_array, json_is_array(j), "shape");
    same_int((long long)n, is_array ? (long long)json_array_size(j) : 1, "count");
    for (size_t i = 0; i < n; i++) {
        struct rs_event_in a, b;
        struct rs_app_error ea = {0}, eb = {0};
        a = fast[i];
        enum rs_err ra = rs_events_fast_item(&a, &raw[i], &ea);
        enum rs_err rb = rs_json_event_in(is_array ? json_array_get(j, i) : j, &b, &eb);
        same_int(ra, rb, "result");
        if (ra != RS_OK) {
            same_str(ea.code, eb.code, "error code");
            same_str(ea.message, eb.message, "error message");
            continue;
        }
        same_str(a.carrier, b.carrier, "carrier");
        same_str(a.tracking_number, b.tracking_number, "tracking_number");
        same_int(a.occurred_at, b.occurred_at, "occurred_at");
        same_int(a.offset_min, b.offset_min, "offset_min");
        same_int(a.status, b.status, "status");
        same_int(a.substatus, b.substatus, "substatus");
        same_int(a.action_required, b.action_required, "action_required");
        same_str(a.code, b.code, "code");
        same_str(a.message, b.message, "message");
        same_str(a.location.postal_code, b.location.postal_code, "postal_code");
        same_str(a.location.city, b.location.city, "city");
        same_str(a.location.region, b.location.region, "region");
        same_str(a.location.country, b.location.country, "country");
        same_str(a.source, b.source, "source");
    }
    json_decref(j);
    free(buf);
    return 0;
}
