/* store.h — the one storage interface. Callers never see SQL; SQLite is the first back end
 * (store_sqlite.c), PostgreSQL comes next behind the same functions.
 *
 * Threading: a struct rs_store is one connection, confined to one thread at a time. The server
 * keeps one writer connection (app/writer.c batches every write into group commits) and a pool
 * of reader connections.
 *
 * Write functions must be called inside rs_store_begin()/rs_store_commit(). Sub-transactions
 * (rs_store_savepoint/_release/_rollback_to) let one batch keep good items when one fails.
 * Read functions returning json_t give a NEW reference (the caller json_decref()s it).
 *
 * Tenancy: every function that touches merchant data takes the merchant id and filters by it
 * in SQL; ids of another merchant's rows behave exactly like missing rows. */
#ifndef RS_STORE_H
#define RS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/model.h"
#include "core/status.h"
#include "core/trackcode.h"

struct rs_store;

enum rs_store_flags {
    RS_STORE_READONLY = 1 << 0, /* a reader: no migrations, query_only */
};

enum rs_scope {
    RS_SCOPE_INGEST = 1 << 0,
    RS_SCOPE_READ = 1 << 1,
    RS_SCOPE_ADMIN = 1 << 2,
    RS_SCOPE_QUOTE = 1 << 3, /* only GET /v1/promise: a publishable key for a shop's web pages */
};
#define RS_SCOPES_SECRET (RS_SCOPE_INGEST | RS_SCOPE_READ | RS_SCOPE_ADMIN)

/* Open URL: "sqlite:PATH", "file:PATH" or a plain PATH. Creates the file and applies
 * migrations unless READONLY. OUT: *out (new; rs_store_close it). ERR gets a message. */
enum rs_err rs_store_open(const char *url, unsigned flags, struct rs_store **out, char *err,
                          size_t errcap) RS_MUST_CHECK;
void rs_store_close(struct rs_store *s);
/* The last error message on this connection (borrowed, valid until the next call). */
const char *rs_store_errmsg(const struct rs_store *s);
/* Schema version after migrations. */
int rs_store_schema_version(struct rs_store *s);

/* Transactions. begin takes the write lock at once (SQLite BEGIN IMMEDIATE). */
enum rs_err rs_store_begin(struct rs_store *s) RS_MUST_CHECK;
enum rs_err rs_store_commit(struct rs_store *s) RS_MUST_CHECK;
void rs_store_rollback(struct rs_store *s);
enum rs_err rs_store_savepoint(struct rs_store *s) RS_MUST_CHECK;
enum rs_err rs_store_release(struct rs_store *s) RS_MUST_CHECK;
void rs_store_rollback_to(struct rs_store *s);
/* Rows inserted, updated or deleted through this connection so far (a counter that only grows):
 * equal before and after a call means the call wrote nothing. */
uint64_t rs_store_changes(struct rs_store *s);
/* Whether a transaction is open (false after a failure that made the database roll it back). */
bool rs_store_in_transaction(struct rs_store *s);

/* How long a connection waits for another process's lock before SQLITE_BUSY (RS_ERETRY). */
#define RS_STORE_BUSY_MS 10000
/* Wait for a lock only until DEADLINE_NS (rs_mono_ns() clock) instead of RS_STORE_BUSY_MS from
 * each statement: the writer bounds a whole round by its oldest caller's arrival, so a request
 * queued behind a round that waited is not made to wait again. 0 goes back to RS_STORE_BUSY_MS. */
void rs_store_busy_deadline(struct rs_store *s, uint64_t deadline_ns);

/* WAL checkpoints off the commit path (app/writer.c): a write connection with PAGES set stops
 * checkpointing on its own commits until the WAL holds that many pages (a safety net: 0 turns
 * automatic checkpoints off), while another connection calls rs_store_wal_checkpoint(), a
 * PASSIVE checkpoint that never blocks readers or the writer. */
enum rs_err rs_store_wal_autocheckpoint(struct rs_store *s, int pages) RS_MUST_CHECK;
/* The WAL file keeps the size of its largest burst (a busy hour, a long reader that held the
 * checkpoint back) unless told otherwise: every write connection sets journal_size_limit, so the
 * first commit after the WAL restarts from its beginning cuts the file back to this size. It is
 * the size a WAL reaches under a steady load (app/writer.c's safety net, 16,384 pages), so a busy
 * server's commits overwrite the file instead of cutting it and growing it again each cycle: the
 * cut and the regrowth (block allocation under every fdatasync) were the single-event POSTs'
 * p99 (docs/benchmarks.md, twelfth round). A quiet server's WAL is cut further by
 * rs_store_wal_trim(). */
#define RS_STORE_WAL_LIMIT_BYTES (64 * 1024 * 1024)
/* What rs_store_wal_trim() leaves a WAL at most (when nothing is in the way). */
#define RS_STORE_WAL_QUIET_BYTES (4 * 1024 * 1024)
enum rs_err rs_store_wal_checkpoint(struct rs_store *s) RS_MUST_CHECK;
/* When the WAL file is larger than RS_STORE_WAL_QUIET_BYTES: copies it into the database and cuts
 * it to nothing (SQLITE_CHECKPOINT_TRUNCATE) without waiting — a write in progress or a reader
 * still in the WAL leaves it as it is (RS_OK; the next call tries again). Meant for a moment when
 * no write has come for a while (the checkpointer, app/writer.c). */
enum rs_err rs_store_wal_trim(struct rs_store *s) RS_MUST_CHECK;

/* ---- merchants and API keys ---- */
enum rs_err rs_store_merchant_create(struct rs_store *s, const char *name, const char *tz,
                                     const char *locale, int64_t now, int64_t *id) RS_MUST_CHECK;
/* KEY_HASH: SHA-256 of the key (32 bytes); PREFIX: the key's public part, for listings. */
enum rs_err rs_store_apikey_create(struct rs_store *s, int64_t merchant_id, const unsigned char *key_hash,
                                   const char *prefix, unsigned scopes, int64_t now) RS_MUST_CHECK;
/* RS_ENOTFOUND when no live key has that hash. */
enum rs_err rs_store_apikey_lookup(struct rs_store *s, const unsigned char *key_hash, int64_t *merchant_id,
                                   unsigned *scopes) RS_MUST_CHECK;
/* The merchant's keys, newest first: [{key_id (the public part, "rk_xxxxxxxx"), scope_bits,
 * created_at, revoked_at (null: live)}] (times epoch seconds). Never a hash. */
enum rs_err rs_store_apikey_list(struct rs_store *s, int64_t merchant_id, json_t **out) RS_MUST_CHECK;
/* Revoke the merchant's live key(s) whose public part is KEY_ID. RS_ENOTFOUND when none. */
enum rs_err rs_store_apikey_revoke(struct rs_store *s, int64_t merchant_id, const char *key_id,
                                   int64_t now) RS_MUST_CHECK;
/* [{id,name,timezone,locale,created_at,keys}] */
enum rs_err rs_store_merchant_list(struct rs_store *s, json_t **out) RS_MUST_CHECK;
enum rs_err rs_store_merchant_get(struct rs_store *s, int64_t id, json_t **out) RS_MUST_CHECK;

/* ---- write path (inside a transaction) ---- */
struct rs_order_key {
    int64_t id;
    enum rs_order_status base_status;
    enum rs_order_status status;
    unsigned char input_hash[32];
    char tracking_code[RS_TRACKCODE_LEN];
    int64_t source_updated_at; /* the source's time of the last update applied, 0 when unknown */
};
/* RS_ENOTFOUND when the merchant has no such order. */
enum rs_err rs_store_order_find(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                struct rs_order_key *out) RS_MUST_CHECK;
/* RS_ECONFLICT when TRACKING_CODE is taken (the caller draws another). OUT: *id. */
enum rs_err rs_store_order_insert(struct rs_store *s, int64_t merchant_id, const struct rs_order_in *in,
                                  const char *tracking_code, const unsigned char *input_hash, int64_t now,
                                  int64_t *id) RS_MUST_CHECK;
enum rs_err rs_store_order_update(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                  const struct rs_order_in *in, const unsigned char *input_hash,
                                  int64_t now) RS_MUST_CHECK;
/* *ERASED: ORDER_ID's customer was erased (docs/privacy.md). */
enum rs_err rs_store_order_erased(struct rs_store *s, int64_t order_id, bool *erased) RS_MUST_CHECK;
enum rs_err rs_store_order_set_status(struct rs_store *s, int64_t order_id, enum rs_order_status st,
                                      int64_t now) RS_MUST_CHECK;
/* Record the source's time of an update that changed nothing (never moves it back). */
enum rs_err rs_store_order_source_seen(struct rs_store *s, int64_t order_id, int64_t source_updated_at) RS_MUST_CHECK;

struct rs_shipment_key {
    int64_t id;
    int64_t order_id;
    struct rs_track_state state;
    int n_events;
    int64_t cancelled_at; /* 0: live */
    bool customer_erased; /* the order's customer was erased (docs/privacy.md) */
    int64_t source_updated_at; /* the source's time of the last state applied (0: unknown) */
};
enum rs_err rs_store_shipment_find(struct rs_store *s, int64_t merchant_id, const char *carrier,
                                   const char *tracking_number, struct rs_shipment_key *out) RS_MUST_CHECK;
enum rs_err rs_store_shipment_insert(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                     const struct rs_shipment_in *in, int64_t now, int64_t *id) RS_MUST_CHECK;
/* Sets the fields IN gives (service, origin, fulfillment_id; source_updated_at when newer).
 * *CHANGED: whether any stored value changed (a shop re-sending the same state changes nothing). */
enum rs_err rs_store_shipment_update(struct rs_store *s, int64_t shipment_id, const struct rs_shipment_in *in,
                                     int64_t now, bool *changed) RS_MUST_CHECK;
enum rs_err rs_store_shipment_save_state(struct rs_store *s, int64_t shipment_id,
                                         const struct rs_track_state *st, int n_events, int64_t now) RS_MUST_CHECK;
/* Cancel (CANCELLED_AT > 0) or reinstate (0) a shipment. Cancelling also suppresses its queued
 * notifications (reason "shipment_cancelled"). */
enum rs_err rs_store_shipment_set_cancelled(struct rs_store *s, int64_t shipment_id, int64_t cancelled_at,
                                            int64_t now) RS_MUST_CHECK;
/* The merchant's live (not cancelled) shipments named by the shop's FULFILLMENT_ID. */
struct rs_shipment_ref {
    int64_t id;
    char carrier[RS_MAX_CARRIER_LEN + 1];
    char tracking_number[RS_MAX_TRACKING_LEN + 1];
    int64_t source_updated_at;
};
/* Record that the source's state of shipment ID at time AT was applied (kept when newer). */
enum rs_err rs_store_shipment_source_seen(struct rs_store *s, int64_t id, int64_t at) RS_MUST_CHECK;
enum rs_err rs_store_shipments_of_fulfillment(struct rs_store *s, int64_t merchant_id, const char *fulfillment_id,
                                              struct rs_shipment_ref *out, int max, int *n) RS_MUST_CHECK;
/* An order's own statuses and the statuses of its live (not cancelled) shipments. OUT: *base, *current, st[0..*n). */
enum rs_err rs_store_order_shipment_statuses(struct rs_store *s, int64_t order_id, enum rs_order_status *base,
                                             enum rs_order_status *current, enum rs_status *st, int max,
                                             int *n) RS_MUST_CHECK;
/* RS_EDUPLICATE when the shipment already has an event with DEDUP_KEY (16 bytes). ANONYMOUS (an
 * erased customer's order, docs/privacy.md) keeps the status but not the carrier's message or
 * place: a late scan saying "delivered to <name>" must not bring the person back. */
enum rs_err rs_store_event_insert(struct rs_store *s, int64_t merchant_id, int64_t shipment_id, bool anonymous,
                                  const struct rs_event_in *ev, const unsigned char *dedup_key,
                                  int64_t received_at) RS_MUST_CHECK;
/* All events of a shipment as the state machine sees them (for a replay). */
enum rs_err rs_store_event_track_list(struct rs_store *s, int64_t shipment_id, struct rs_track_event *out,
                                      int max, int *n) RS_MUST_CHECK;

/* ---- reads (any connection) ---- */

/* Where a shipment's parcel waits to be collected: the pickup point named by its latest event
 * that names one (POST /v1/events "pickup"). */
struct rs_pickup {
    bool found;
    char name[RS_MAX_PICKUP_LEN + 1], address[RS_MAX_PICKUP_LEN + 1];
    int64_t deadline; /* the last day it is kept (days since 1970), 0 when not said */
};
enum rs_err rs_store_shipment_pickup(struct rs_store *s, int64_t shipment_id, struct rs_pickup *out) RS_MUST_CHECK;
enum rs_view_level {
    RS_VIEW_MERCHANT = 0, /* everything, for the merchant's API */
    RS_VIEW_PUBLIC,       /* tracking code alone: status, city, timeline; no personal data */
    RS_VIEW_VERIFIED,     /* tracking code plus postcode or email: the full order */
};
/* The order with its shipments and their events. RS_ENOTFOUND when absent. */
enum rs_err rs_store_order_json(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                json_t **out) RS_MUST_CHECK;
/* By tracking code, at a privacy level. OUT also the merchant id and the verification
 * secrets (postcode and email, folded) so the caller can check a second factor. */
struct rs_track_secrets {
    int64_t merchant_id;
    char postcode[32];
    char email[256];
};
enum rs_err rs_store_order_json_by_code(struct rs_store *s, const char *tracking_code,
                                        enum rs_view_level level, json_t **out,
                                        struct rs_track_secrets *secrets) RS_MUST_CHECK;
enum rs_err rs_store_shipment_json(struct rs_store *s, int64_t merchant_id, const char *carrier,
                                   const char *tracking_number, json_t **out) RS_MUST_CHECK;

/* The installation's secret NAME (32 bytes) in OUT: FRESH (32 bytes from the caller's CSPRNG)
 * is stored when there is none yet, else the stored one is returned (inside a transaction). */
enum rs_err rs_store_install_secret(struct rs_store *s, const char *name, const unsigned char fresh[32],
                                    unsigned char out[32]) RS_MUST_CHECK;

/* Counts for /metrics and the demo: orders, shipments, events of all merchants. */
/* Worker heartbeats (0016): dispatcher NAME ran its loop at NOW; *LAST_SEEN is the newest time
 * of any dispatcher (0 when none ever ran). */
enum rs_err rs_store_worker_beat(struct rs_store *s, const char *name, int64_t now) RS_MUST_CHECK;
enum rs_err rs_store_worker_last_seen(struct rs_store *s, int64_t *last_seen) RS_MUST_CHECK;
enum rs_err rs_store_counts(struct rs_store *s, int64_t *orders, int64_t *shipments, int64_t *events) RS_MUST_CHECK;

/* ---- webhook integrations and the inbound log (0002-inbound) ---- */
#define RS_PROVIDER_LEN 24
#define RS_HOOK_ID_LEN 48
#define RS_SECRET_MAX 256
#define RS_MAPPING_MAX 8192

/* One merchant's configuration of one provider. Secrets are kept in clear (an HMAC needs them);
 * previous_secret is "" when there is none or its rotation window has passed. */
struct rs_integration {
    int64_t id, merchant_id;
    char provider[RS_PROVIDER_LEN];
    char hook_id[RS_HOOK_ID_LEN];
    char secret[RS_SECRET_MAX];
    char previous_secret[RS_SECRET_MAX];
    char mapping[RS_MAPPING_MAX]; /* JSON text, "" when none (generic mapping) */
    char options[1024];           /* JSON object text, "{}" when none */
};
/* Create or update (merchant, provider). A new integration gets HOOK_ID_NEW; an existing one
 * keeps its hook id, and when SECRET changes the old one stays valid for ROTATE_S seconds.
 * MAPPING/OPTIONS NULL keep the stored values. OUT: hook_id (the one in use), *created. */
enum rs_err rs_store_integration_put(struct rs_store *s, int64_t merchant_id, const char *provider,
                                     const char *secret, const char *mapping, const char *options,
                                     const char *hook_id_new, int64_t rotate_s, int64_t now,
                                     char hook_id[RS_HOOK_ID_LEN], bool *created) RS_MUST_CHECK;
/* By the URL's (provider, hook id), or by (merchant, provider). RS_ENOTFOUND when absent. */
enum rs_err rs_store_integration_by_hook(struct rs_store *s, const char *provider, const char *hook_id,
                                         int64_t now, struct rs_integration *out) RS_MUST_CHECK;
enum rs_err rs_store_integration_get(struct rs_store *s, int64_t merchant_id, const char *provider,
                                     int64_t now, struct rs_integration *out) RS_MUST_CHECK;
/* [{provider,hook_id,has_previous_secret,mapping,options,created_at,updated_at}] — never secrets. */
enum rs_err rs_store_integration_list(struct rs_store *s, int64_t merchant_id, json_t **out) RS_MUST_CHECK;

/* One inbound delivery as recorded. */
struct rs_inbound_row {
    int64_t merchant_id;
    const char *source, *topic, *delivery_id, *dedup_key;
    int64_t received_at;
    const char *result;  /* "applied", "duplicate", "rejected" */
    const char *reason;  /* first rejection reason, NULL when none */
    const char *summary; /* JSON object text: counts and per-record reasons */
    const void *payload; /* raw body (NULL: not kept) */
    size_t payload_len;
    const char *payload_type;
};
enum rs_err rs_store_inbound_insert(struct rs_store *s, const struct rs_inbound_row *row, int64_t *id) RS_MUST_CHECK;
/* RS_OK with *id when a delivery with DEDUP_KEY was already applied; RS_ENOTFOUND otherwise. */
enum rs_err rs_store_inbound_applied(struct rs_store *s, int64_t merchant_id, const char *source,
                                     const char *dedup_key, int64_t *id) RS_MUST_CHECK;
/* Newest first, at most LIMIT, only RESULT when non-NULL, ids below BEFORE_ID when > 0. No
 * payloads. */
enum rs_err rs_store_inbound_list(struct rs_store *s, int64_t merchant_id, const char *result, int limit,
                                  int64_t before_id, json_t **out) RS_MUST_CHECK;
/* One delivery with its payload while kept. RS_ENOTFOUND when absent or another merchant's. */
enum rs_err rs_store_inbound_get(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out) RS_MUST_CHECK;
/* Deliveries waiting for an order (automatic replay, app/hooks.h): MERCHANT_ID's rejected
 * deliveries received at or after SINCE whose payload is still kept, with a rejection
 * {"code":"unknown_order"} for one of the refs of REFS_JSON (a JSON array of strings; its
 * "order_ref", or for rows recorded before it was kept the ref quoted in its message), that were
 * neither replayed automatically ("replayed" in the summary) nor are such a replay ("replay_of"),
 * and whose key was never applied. Oldest first, at most MAX. OUT: [{id,source,dedup_key}].
 * Cost: one pass over the merchant's inbound rows of the window (index inbound_by_merchant);
 * only the rejected ones have their summary read. */
enum rs_err rs_store_inbound_waiting(struct rs_store *s, int64_t merchant_id, const char *refs_json, int64_t since,
                                     int max, json_t **out) RS_MUST_CHECK;
/* Set PATH (a SQLite JSON path, "$.replayed") of delivery ID's summary to VALUE_JSON. */
enum rs_err rs_store_inbound_summary_set(struct rs_store *s, int64_t merchant_id, int64_t id, const char *path,
                                         const char *value_json) RS_MUST_CHECK;
/* Drop the raw payloads of deliveries received before OLDER_THAN. OUT: *n rows purged. */
enum rs_err rs_store_inbound_purge(struct rs_store *s, int64_t older_than, int *n) RS_MUST_CHECK;

/* Carriers under which the merchant has a shipment with TRACKING_NUMBER (normally 0 or 1). */
enum rs_err rs_store_shipment_carriers(struct rs_store *s, int64_t merchant_id, const char *tracking_number,
                                       char (*out)[RS_MAX_CARRIER_LEN + 1], int max, int *n) RS_MUST_CHECK;

#endif
