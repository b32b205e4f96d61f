/* promise.h — the delivery-window engine: learns how long orders take and promises a window.
 *
 * What a delivery takes = handling (placed -> handed to the carrier, in business days counted
 * from the first business day the order counts from, i.e. after the dispatch cut-off) + transit
 * (handed over -> delivered, in business days). Both are learnt as day histograms, per node of
 * a hierarchy, with exponential recency weighting (a half-life in days) so that a strike or a
 * peak season shows up within weeks while the long run is still there:
 *
 *   transit:  lane (origin region, destination region, carrier, service)
 *               -> destination region (+carrier) -> origin region (+carrier) -> global
 *   handling: lane -> origin region (+carrier) -> global
 *
 * A sparse node is shrunk towards its parent: p = (n·p_node + k·p_parent) / (n + k), with n the
 * node's recency-weighted count and k the prior strength. The promise at placement is a quantile
 * of the convolution of handling and transit at the target confidence, stretched by an online
 * calibration factor (adaptive conformal inference, Gibbs & Candès 2021, on a log-stretch
 * instead of the level, because delivery tails are long and the level moves them in jumps):
 * after every outcome, a += gamma·(late − (1 − confidence)) and the promise's business days are
 * multiplied by e^a, so the realised on-time rate tracks the target even when the histograms
 * lag behind a change. The outcome of a breach is reported on the day after the promise, not
 * at delivery, so a strike is felt within days. Separate terms for the promise at placement and
 * the re-estimate at hand-over. Orders placed in the peak season (Black Friday to Christmas)
 * get their durations stretched by a prior factor, because the first peak of a merchant has no
 * history to learn from.
 *
 * Pure and allocation-free: the caller owns the (large, ~2 MB) model struct; allocate it on the
 * heap. Days are local civil day numbers (core/calendar.h); the caller converts instants. */
#ifndef RS_PROMISE_H
#define RS_PROMISE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/err.h"
#include "core/status.h"

#define RS_PROMISE_BINS 64        /* business days 0..62; the last bin holds 63 and more */
#define RS_PROMISE_MAX_NODES 4096 /* nodes of the hierarchy the model can hold */
#define RS_PROMISE_KEY_LEN 24     /* region / carrier / service names, truncated */

enum rs_promise_level {
    RS_PROMISE_GLOBAL = 0,
    RS_PROMISE_ORIGIN = 1, /* origin country+region, carrier */
    RS_PROMISE_DEST = 2,   /* destination country+region, carrier */
    RS_PROMISE_LANE = 3,   /* origin, destination, carrier, service */
    RS_PROMISE_DESTPC = 4, /* destination country+region+postcode prefix, carrier (transit) */
    RS_PROMISE_SELLER = 5, /* origin country+region+postcode, carrier: a proxy of the seller or
                              warehouse (handling) */
};
#define RS_PROMISE_LEVELS 6

#define RS_PROMISE_RBINS 128 /* residual bins: log-duration residuals in [-3.2, 3.2), 0.05 wide */

/* A recency-weighted histogram of residuals (log(1 + business days) minus the order's predicted
 * location), for the location-scale model (see rs_promise_params.location_scale). */
struct rs_promise_resid {
    float w[RS_PROMISE_RBINS];
    double n;
    int32_t last_day;
};

/* Transit offsets by proximity: how many leading postcode characters origin and destination
 * share (0, 1, 2, 3 or more -> categories 0..3; 4 = a postcode unknown or another country). The
 * lane is region to region and the destination area ignores the origin, so an order across
 * town and one across the state share a location; sharing a postcode prefix is a cheap
 * distance proxy (Olist 2017: transit residual +0.11 with no common prefix, -0.07 with one
 * character, -0.14 with two, -0.43 with three or more). */
#define RS_PROMISE_PROX_CATS 5

/* Recency-weighted sums of transit residuals per proximity category, each taken against the
 * location without the offset: the offset of category c is its mean minus the mean of all,
 * shrunk towards 0 (rs_promise_params.offset_prior). */
struct rs_promise_offsets {
    double s[RS_PROMISE_PROX_CATS]; /* weighted sum of residuals */
    double w[RS_PROMISE_PROX_CATS]; /* sum of weights */
    int32_t last_day;               /* day the weights are scaled to */
};

/* A recency-weighted histogram of durations in business days. */
struct rs_promise_hist {
    float w[RS_PROMISE_BINS]; /* weights, scaled to last_day */
    double n;                 /* sum of w */
    int32_t last_day;         /* day the weights are scaled to */
};

struct rs_promise_node {
    uint8_t used;
    uint8_t level; /* enum rs_promise_level */
    char origin[RS_PROMISE_KEY_LEN], dest[RS_PROMISE_KEY_LEN];
    char carrier[RS_PROMISE_KEY_LEN], service[RS_PROMISE_KEY_LEN];
    struct rs_promise_hist handling, transit;
};

struct rs_promise_params {
    double confidence;     /* target probability of delivery by `latest` (default 0.90) */
    double half_life_days; /* recency weighting of observations (default 120) */
    double prior_strength; /* k of the shrinkage towards the parent node (default 6) */
    double aci_gamma;      /* step of the online calibration (default 0.005) */
    double low_n;          /* below this many (weighted) lane observations the promise is
                              flagged low confidence (default 5) */
    double peak_stretch;   /* durations of orders placed in the peak season (from the week
                              before Black Friday to Dec 31) are stretched by this (default
                              1.35; 1 = no peak season) */
    bool equal_quantile;   /* true: every promise is the same quantile (the confidence) of its
                              own distribution; false (default): the promise is where one more
                              day buys less than 1/mu of probability (see below) */
    double mu0;            /* initial cost of a late order in days of slack (default 120) */
    int dest_postcode_digits; /* leading postcode characters of the destination area node
                                 (default 3; 0 = no destination-area node) */
    bool location_scale;   /* true (default): an order's distribution is its own location (the
                              mean log duration of its nodes, shrunk along the hierarchy) plus
                              the residuals of all past orders; false: the nodes' histograms
                              mixed along the hierarchy */
    double mean_prior;     /* k of the shrinkage of node means towards the parent (default 3) */
    bool proximity;        /* true (default): transit locations add the offset of the order's
                              postcode proximity (struct rs_promise_offsets) */
    double offset_prior;   /* k of the shrinkage of a proximity offset towards 0 (default 20) */
    double lane_mix;       /* a lane with weighted count n keeps a share lane_mix/(n + lane_mix)
                              of the hierarchy's mixture (default 1); 0 = only a lane never
                              seen uses the mixture */
};

/* True when DAY is in the peak season: from 7 days before Black Friday (the day after the
 * fourth Thursday of November) to December 31. */
bool rs_promise_is_peak(int64_t day);

struct rs_promise_model {
    struct rs_promise_params p;
    double aci_place;    /* calibration at placement: log of the stretch applied to the
                            promise's quantile (equal_quantile), or of mu/mu0 (default mode) */
    double aci_handover; /* same, for the re-estimate at hand-over */
    int64_t n_learned;   /* observations learnt */
    int64_t n_dropped;   /* node table full: observation only kept in the parents */
    int n_nodes;
    struct rs_promise_resid resid_handling, resid_transit; /* location-scale residuals */
    struct rs_promise_offsets off_transit; /* transit offsets by postcode proximity */
    struct rs_promise_node nodes[RS_PROMISE_MAX_NODES]; /* open addressing by key hash */
};

/* Where a shipment goes and how (strings borrowed; NULL or "" = unknown/any). */
struct rs_promise_lane {
    const char *origin_country, *origin_region;
    const char *dest_country, *dest_region;
    const char *carrier, *service;
    const char *origin_postcode, *dest_postcode; /* optional: sharpen handling (the origin's
                                                    postcode stands for the seller/warehouse)
                                                    and transit (destination area) */
};

/* One delivered shipment of the history (the training row). Days are local civil days;
 * placed_minute is minutes after local midnight (for the cut-off). shipped_day < 0 = unknown. */
struct rs_promise_obs {
    struct rs_promise_lane lane;
    int64_t placed_day;
    int placed_minute;
    int64_t shipped_day;
    int64_t delivered_day;
    unsigned reported; /* RS_PROMISE_TERM_* outcomes already fed to the calibration (a breach
                          reported before the delivery): rs_promise_learn skips them */
};

/* The two calibration terms: the promise at placement and the re-estimate at hand-over. */
#define RS_PROMISE_TERM_PLACE 1u
#define RS_PROMISE_TERM_HANDOVER 2u

struct rs_promise {
    int64_t earliest, likely, latest; /* local day numbers; `latest` is the promise */
    double probability;    /* the model's own probability of delivery by `latest` */
    double confidence;     /* the target the window was built for */
    double n;              /* weighted observations behind the most specific node used */
    bool low_confidence;   /* unknown or sparse lane: the window is a wide guess */
};

/* Defaults (see the field comments) and an empty model. */
void rs_promise_params_default(struct rs_promise_params *p);
void rs_promise_model_init(struct rs_promise_model *m, const struct rs_promise_params *p);

/* Learn one delivered shipment. CALIBRATE: first score the promise the model would make for it
 * now (at placement and at hand-over) and move the calibration terms; pass false when the
 * outcome was already reported with rs_promise_calibrate(). RS_EINVAL for an impossible row
 * (delivered before placed, shipped after delivered). */
enum rs_err rs_promise_learn(struct rs_promise_model *m, const struct rs_calendar *cal,
                             const struct rs_promise_obs *o, bool calibrate) RS_MUST_CHECK;

/* A shipment not delivered yet (O's delivered_day ignored): for each term not in O->reported
 * whose promise, as the model would make it now, is already broken on local day TODAY (the
 * parcel is not delivered and the promised day is past), report it late. Returns the terms it
 * reported (0: none broken yet), for the caller to remember so the delivery does not count
 * them again. */
unsigned rs_promise_report_overdue(struct rs_promise_model *m, const struct rs_calendar *cal,
                                   const struct rs_promise_obs *o, int64_t today);

/* Below this many (weighted) residuals the location-scale model is not used: the engine has not
 * learnt its own error yet, and quotes come from the hierarchy's mixture only. */
#define RS_PROMISE_RESID_MIN 30.0

/* The lanes M learnt (*LANES) and how many of them hold at least p.low_n (weighted) deliveries
 * (*TRUSTED: their quotes are not flagged low confidence). */
void rs_promise_lane_counts(const struct rs_promise_model *m, int *lanes, int *trusted);

/* The calibration terms stay within ±RS_PROMISE_ACI_LIMIT (a model file outside is refused). */
#define RS_PROMISE_ACI_LIMIT 3.0

/* Report an outcome of a promise made earlier: LATE when the parcel was not delivered by it.
 * AT_HANDOVER selects the hand-over term. Call it as soon as the outcome is known (a breach is
 * known on the day after `latest`, before the delivery), so the engine reacts faster. */
void rs_promise_calibrate(struct rs_promise_model *m, bool at_handover, bool late);

/* The promise for an order placed on local PLACED_DAY at PLACED_MINUTE. CONFIDENCE 0 = the
 * model's default. */
enum rs_err rs_promise_quote(const struct rs_promise_model *m, const struct rs_calendar *cal,
                             const struct rs_promise_lane *lane, int64_t placed_day,
                             int placed_minute, double confidence,
                             struct rs_promise *out) RS_MUST_CHECK;

/* What is known about a shipment now, for re-estimation. */
struct rs_promise_state {
    enum rs_status status;  /* canonical shipment status; NONE/PENDING = not yet handed over */
    int64_t placed_day;
    int placed_minute;
    int64_t shipped_day;    /* < 0 when not handed over yet */
    int64_t today;          /* local day now */
};

/* The node of the hierarchy with this key, created when absent (NULL when the table is full).
 * For loading a stored model (app/promise_io.c); strings are copied, truncated to the key
 * length. */
struct rs_promise_node *rs_promise_node_put(struct rs_promise_model *m, enum rs_promise_level lv,
                                            const char *origin, const char *dest,
                                            const char *carrier, const char *service);

/* Re-estimate the window given the shipment's state:
 *   not handed over: handling conditioned on the days already spent, + transit;
 *   in transit: remaining transit, conditioned on the days already in transit;
 *   out for delivery: today; attempt failed: the next business day(s); pickup: today..+5;
 *   exception: the in-transit window widened (latest pushed back by its own width, at least
 *   3 business days) and flagged low confidence;
 *   delivered/returning/returned/expired: RS_ENOTFOUND (no delivery to promise). */
enum rs_err rs_promise_reestimate(const struct rs_promise_model *m,
                                  const struct rs_calendar *cal,
                                  const struct rs_promise_lane *lane,
                                  const struct rs_promise_state *st, double confidence,
                                  struct rs_promise *out) RS_MUST_CHECK;

/* Why the promise moved later, as the public tracking view may say it (no internal words):
 * the history reason REASON (app/promise_apply.h: "carrier_estimate", "exception", "overdue",
 * "updated", a status name…) as "carrier_estimate" (the carrier's new estimate), "exception"
 * (a problem in transit), "attempt_failed" (a delivery attempt failed), "running_late" (overdue
 * with no news), "handed_over" (the carrier collected it later than planned), "shipment_updated"
 * (the shop corrected the order or shipment) or "carrier_news" (any other scan). NULL when the
 * reason does not explain a later date ("created", "delivered", NULL, unknown words). */
const char *rs_promise_public_reason(const char *reason);

#endif
