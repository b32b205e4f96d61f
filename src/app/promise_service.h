/* promise_service.h — the promise engine as a service: each merchant's trained model, loaded
 * from the store on first use and cached (shared by all threads, read-only, reference
 * counted; a retrain bumps the model's version and the next lookup reloads it), the merchant's
 * business calendar, and training a merchant's model from the store's own deliveries. */
#ifndef RS_APP_PROMISE_SERVICE_H
#define RS_APP_PROMISE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/err.h"
#include "core/promise.h"
#include "store/store.h"
#include "store/store_promise.h"

#define RS_PROMISE_CACHE_SLOTS 16

/* A loaded model (read-only while held). */
struct rs_promise_handle {
    int64_t merchant_id, version;
    const struct rs_promise_model *model;
};

/* The merchant's model. RS_ENOTFOUND when none was trained; RS_EINVAL when the stored model
 * does not load. Give it back with rs_promise_cache_put. Thread-safe. */
enum rs_err rs_promise_cache_get(struct rs_store *s, int64_t merchant_id,
                                 struct rs_promise_handle **out) RS_MUST_CHECK;
void rs_promise_cache_put(struct rs_promise_handle *h);
/* Drop every cached model not in use and every learnt scan cadence (at exit, and in tests). */
void rs_promise_cache_clear(void);

/* The lane's normal time between carrier scans, learnt from the merchant's own events of the
 * last RS_SCAN_GAP_DAYS before NOW (rs_store_scan_gaps: 90th percentile, carrier + service
 * with at least RS_SCAN_GAP_MIN_N gaps, else the carrier's), recomputed per merchant after
 * RS_SCAN_GAP_TTL_S. 0 when unknown (the delay rule then uses its default). Thread-safe. */
#define RS_SCAN_GAP_DAYS 90
#define RS_SCAN_GAP_MIN_N 30
#define RS_SCAN_GAP_TTL_S (6 * 3600)
int64_t rs_promise_scan_gap(struct rs_store *s, int64_t merchant_id, const char *carrier,
                            const char *service, int64_t now);

/* The business calendar for SETTINGS (country, or DEST_COUNTRY when the settings name none;
 * holidays; merchant overrides; cut-off). */
void rs_promise_calendar(const struct rs_promise_settings *st, const char *dest_country,
                         struct rs_calendar *cal);

/* Learn a new model for the merchant from the store's delivered shipments (local days in the
 * merchant's time zone) and store it. OUT: *n_used rows learnt, *n_skipped impossible ones,
 * *version the new model version. RS_ENOTFOUND when the merchant has no delivered shipment.
 * RS_ECONFLICT, nothing stored, when the merchant's model learnt from more deliveries than the
 * store gives (e.g. a history file of years against a few weeks in Rastro) and REPLACE is false:
 * *version and *n_prev then tell that model. */
enum rs_err rs_promise_train_from_store(struct rs_store *s, int64_t merchant_id, int64_t now, bool replace,
                                        int64_t *n_used, int64_t *n_skipped, int64_t *version,
                                        int64_t *n_prev) RS_MUST_CHECK;

/* Online learning: add to the merchant's stored model the deliveries it does not hold yet
 * (at most MAX, oldest first; each first moves the calibration with the promise the model would
 * have made for it), mark them learnt; then report the broken promises of parcels still on their
 * way (placed in the last RS_PROMISE_REPORT_DAYS, at most RS_PROMISE_REPORT_MAX, only while the
 * merchant's deliveries are being reported at all): a promise the model would make that is
 * already past moves the calibration now, not when the late parcel is delivered, and that term
 * is not counted again at its delivery. Store the result as the next version (source
 * "online"). Run by the sweeper every RS_PROMISE_LEARN_EVERY_S and by `rastro promise learn`.
 * OUT: *n_used learnt, *n_skipped impossible rows, *n_reported parcels reported late before
 * their delivery, *version the model's version now (unchanged when there was nothing new).
 * RS_ENOTFOUND: the merchant has no model. Run it inside one transaction: the marks and the new
 * version go together. */
#define RS_PROMISE_LEARN_EVERY_S 3600
#define RS_PROMISE_LEARN_MAX 5000
#define RS_PROMISE_REPORT_DAYS 30
#define RS_PROMISE_REPORT_MAX 10000
enum rs_err rs_promise_learn_online(struct rs_store *s, int64_t merchant_id, int64_t now, int max,
                                    int64_t *n_used, int64_t *n_skipped, int64_t *n_reported,
                                    int64_t *version) RS_MUST_CHECK;

/* Split "CC/REGION", "CC-REGION" or "REGION" into country (upper-cased, "" when absent) and
 * region. False when S is empty or too long, or the country is not two letters. */
bool rs_promise_split_region(const char *s, char cc[3], char *region, size_t cap);

/* The shipping options of one checkout, "seur:std,correos,mrw:urgente": up to
 * RS_PROMISE_MAX_OPTIONS carrier[:service] pairs separated by commas (carrier required,
 * service optional; each printable, no ',' or ':', at most 64 bytes). OUT: OUT[*N]. False with
 * ERR (starting with "options") when S is malformed. */
#define RS_PROMISE_MAX_OPTIONS 10
struct rs_promise_option {
    char carrier[65], service[65];
};
bool rs_promise_options_parse(const char *s, struct rs_promise_option out[RS_PROMISE_MAX_OPTIONS], int *n,
                              char *err, size_t errcap);

#endif
