/* hook_util.h — private helpers shared by the webhook adapters (src/ingest/hook_*.c): owned
 * allocations inside a struct rs_inbound, record appenders, typed JSON field access with
 * developer-readable errors, and timestamp parsing with the field named in the error.
 * Not for use outside src/ingest/. */
#ifndef RS_HOOK_UTIL_H
#define RS_HOOK_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/inbound.h"

/* Return from the calling function on any error. */
#define RS_HK_TRY(x)                                                                               \
    do {                                                                                           \
        enum rs_err rs_hk_e_ = (x);                                                                \
        if (rs_hk_e_ != RS_OK)                                                                     \
            return rs_hk_e_;                                                                       \
    } while (0)

/* Parse BODY (LEN bytes) as a JSON object, rejecting duplicate keys, and hand the root to IN.
 * WHAT names the payload in errors ("EasyPost Event"). */
enum rs_err rs_hk_load(struct rs_inbound *in, const char *body, size_t len, const char *what,
                       char *err, size_t errcap) RS_MUST_CHECK;

/* What every rs_hook_<provider>_parse() does around its own PARSE: start from an empty result,
 * clear ERR, and on failure release whatever was built so OUT holds nothing. */
enum rs_err rs_hk_run(rs_hook_parse_fn *parse, const char *body, size_t len, const char *topic,
                      struct rs_inbound *out, char *err, size_t errcap);

/* The delivery's event type: the root's string KEY ("event"), else TOPIC (a topic header, or
 * the stored topic of a replay). It must be one of NAMES (NULL-terminated), else RS_EINVAL
 * naming the value and the expected ones. Sets in->source = SOURCE and in->topic (a copy owned
 * by IN). WHAT names the payload in errors ("AfterShip webhook"). */
enum rs_err rs_hk_event(struct rs_inbound *in, const char *key, const char *topic,
                        const char *source, const char *what, const char *const *names,
                        char *err, size_t errcap) RS_MUST_CHECK;

/* the hooks' name for core/err.h's rs_err_fail (formats into ERR if non-NULL, returns
 * RS_EINVAL) */
#define rs_hk_fail rs_err_fail

/* Zeroed block owned by IN (freed by rs_inbound_release); NULL on OOM. */
void *rs_hk_alloc(struct rs_inbound *in, size_t size);
/* The array KEY of order O ("line_items") and room for all its items (owned by IN), even more
 * than RS_MAX_ITEMS (the write path keeps the first ones). OUT: *items (borrowed, may be NULL),
 * *it (NULL when empty), *n. */
enum rs_err rs_hk_items(struct rs_inbound *in, const json_t *o, const char *key, json_t **items,
                        struct rs_item_in **it, size_t *n, char *err, size_t errcap);
/* Copy of S (N bytes) owned by IN; NULL on OOM. */
char *rs_hk_strndup(struct rs_inbound *in, const char *s, size_t n);
/* The day of a provider's delivery estimate S ("2025-11-27", "2025-11-26T20:00:00Z": the date as
 * written), a "YYYY-MM-DD" owned by IN; NULL when S is NULL or not a date: an estimate that
 * cannot be read is left out, never a reason to refuse the carrier's scans with it. */
const char *rs_hk_eta_day(struct rs_inbound *in, const char *s);
/* SH's carrier estimate from a provider's FROM and TO (either may be NULL: one day), both read by
 * rs_hk_eta_day, and AS_OF, the provider's time of it (an ISO 8601 time, or NULL). Left out when
 * a day cannot be read, the first comes after the last, or they are over a year apart. */
void rs_hk_eta(struct rs_inbound *in, struct rs_shipment_in *sh, const char *from, const char *to, const char *as_of);
/* printf into a string owned by IN; NULL on OOM. */
char *rs_hk_printf(struct rs_inbound *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a zeroed record; NULL on OOM or when RS_MAX_BATCH is reached (*full set). */
struct rs_order_in *rs_hk_add_order(struct rs_inbound *in);
struct rs_shipment_in *rs_hk_add_shipment(struct rs_inbound *in);
struct rs_event_in *rs_hk_add_event(struct rs_inbound *in);
/* The error an appender's NULL means (RS_ETOOBIG or RS_ENOMEM), with a message. */
enum rs_err rs_hk_add_failed(const struct rs_inbound *in, char *err, size_t errcap);

/* Field access. OBJ may be NULL (then everything is absent). PATH names OBJ in errors
 * ("result.tracking_details[2]"). Absent or JSON null -> *out = NULL / false and RS_OK; a
 * value of another type -> RS_EINVAL with a message naming PATH.KEY. Empty strings read as
 * NULL. */
enum rs_err rs_hk_str(const json_t *obj, const char *key, const char *path, const char **out,
                      char *err, size_t errcap) RS_MUST_CHECK;
/* Like rs_hk_str but also accepts an integer (Shopify ids), printed into IN-owned memory. */
enum rs_err rs_hk_id(struct rs_inbound *in, const json_t *obj, const char *key, const char *path,
                     const char **out, char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hk_obj(const json_t *obj, const char *key, const char *path, json_t **out,
                      char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hk_arr(const json_t *obj, const char *key, const char *path, json_t **out,
                      char *err, size_t errcap) RS_MUST_CHECK;
enum rs_err rs_hk_bool(const json_t *obj, const char *key, const char *path, bool *out,
                       bool *present, char *err, size_t errcap) RS_MUST_CHECK;
/* Integer, or a string of digits (WooCommerce sends numbers as strings). */
enum rs_err rs_hk_int(const json_t *obj, const char *key, const char *path, int64_t *out,
                      bool *present, char *err, size_t errcap) RS_MUST_CHECK;

/* Parse timestamp S of field NAME. need_offset: an offset-less value is an error; otherwise
 * it is taken as UTC (the adapter documents why). */
enum rs_err rs_hk_time(const char *s, const char *name, bool need_offset, int64_t *epoch,
                       int *offset_min, char *err, size_t errcap) RS_MUST_CHECK;

/* City, state, postal code (key POSTAL_KEY: "zip", "postal_code") and country (alpha-2 or
 * alpha-3, stored as alpha-2) of the address object OBJ at PATH into LOC. OBJ may be NULL. */
enum rs_err rs_hk_location(const json_t *obj, const char *path, const char *postal_key,
                           struct rs_location *loc, char *err, size_t errcap) RS_MUST_CHECK;

/* Normalised tracking number (owned by IN) or an error naming FIELD. */
enum rs_err rs_hk_tracking(struct rs_inbound *in, const char *raw, const char *field,
                           const char **out, char *err, size_t errcap) RS_MUST_CHECK;
/* Carrier slug owned by IN, NULL when NAME is NULL or has no letters/digits. */
const char *rs_hk_carrier(struct rs_inbound *in, const char *name);
/* Upper-case alpha-2 country for an alpha-2/alpha-3 code, NULL otherwise. */
const char *rs_hk_country(const char *code);

/* CODE, or when only SUBCODE is given its part before the first '_' (AfterShip "InTransit_002",
 * 17TRACK "InTransit_PickedUp" -> "InTransit"), owned by IN. NULL when CODE is NULL and SUBCODE
 * is NULL or has no '_' (or on OOM). */
const char *rs_hk_code_of(struct rs_inbound *in, const char *code, const char *subcode);

/* Apply the status table to EV: fills status, substatus, action_required. PROVIDER_ACTION is
 * the provider's own action_required flag when it sends one (-1 when not sent). The raw code
 * kept in ev->code is "code" or "code/subcode" (owned by IN). */
enum rs_err rs_hk_status(struct rs_inbound *in, struct rs_event_in *ev, const char *provider,
                         const char *code, const char *subcode, int provider_action,
                         char *err, size_t errcap) RS_MUST_CHECK;

#endif
