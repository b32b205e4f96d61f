/* support_settings.h — a merchant's support settings (table support_settings, docs/incidents.md):
 *
 *   {"sla_hours": {"lost":48, "damaged":24, …},          hours to resolve, per incident type
 *    "policies": [{"name":"lost_no_scan", "type":"lost",
 *                  "when":{"no_scan_days":7, "breached_days":3, "status":"exception"},
 *                  "offer":["reship","refund","coupon"]}],
 *    "canned_replies": [{"id":"where", "title":{"es","en"}, "body":{"es","en"}}],
 *    "retention_days": 365,                               transcripts kept this long
 *    "coupon": {"kind":"percent"|"amount", "value":10, "currency":"EUR", "valid_days":90,
 *               "prefix":"GIFT"},                          what a coupon is worth by default
 *    "bot": {"enabled":true, "handover_below":0.5, "rules":"<TSV, core/intent.h format>"},
 *    "business_hours": {"days":["mon",…,"fri"], "start":"09:00", "end":"18:00"},
 *                                                      the SLA clock runs only then (absent or
 *                                                      null: every hour counts)
 *    "alerts": {"email":"soporte@tienda.example"}}      the team is e-mailed when an incident
 *                                                      passes its SLA (absent or null: not)
 *
 * Every key is optional: what a merchant leaves out keeps the shipped default (the SLA of a type
 * not listed, the default policies when "policies" is absent, the shipped canned replies when
 * "canned_replies" is absent; "policies":[] turns policies off). Validated here, so a bad
 * document is refused when it is saved with a message naming the field. */
#ifndef RS_APP_SUPPORT_SETTINGS_H
#define RS_APP_SUPPORT_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/err.h"
#include "store/store.h"

/* Incident types and states (the CHECK constraints of the incidents table). */
#define RS_INCIDENT_NTYPES 9
extern const char *const rs_incident_types[RS_INCIDENT_NTYPES];
#define RS_INCIDENT_NSTATES 5
extern const char *const rs_incident_states[RS_INCIDENT_NSTATES];
/* Index of NAME in rs_incident_types / rs_incident_states, or -1. */
int rs_incident_type_index(const char *name);
int rs_incident_state_index(const char *name);

#define RS_SUPPORT_MAX_POLICIES 16
#define RS_SUPPORT_MAX_CANNED 64

struct rs_support_policy {
    const char *name, *type;     /* borrowed from the settings' root */
    int no_scan_days;            /* -1: not a condition */
    int breached_days;           /* -1: not a condition */
    const char *status;          /* canonical shipment status, or NULL */
    char offer[64];              /* "reship,refund" (comma-separated, in the order given) */
    bool offer_coupon;           /* "coupon" is offered: the default coupon is issued at once */
};

struct rs_support_settings {
    json_t *root;                /* the effective document (defaults filled); owns every string */
    int sla_hours[RS_INCIDENT_NTYPES];
    struct rs_support_policy policies[RS_SUPPORT_MAX_POLICIES];
    int n_policies;
    int retention_days;
    /* default coupon */
    bool coupon_percent;
    int64_t coupon_value_cents;
    const char *coupon_currency; /* NULL for percent coupons */
    int coupon_valid_days;       /* 0: no expiry */
    const char *coupon_prefix;
    /* business hours: the SLA clock runs on these weekdays (bit 1u << ISO weekday, Monday = 1)
     * from bh_start to bh_end (local minutes, in the merchant's time zone), holidays excepted;
     * bh_days 0: every hour counts */
    unsigned bh_days;
    int bh_start, bh_end;
    /* bot */
    bool bot_enabled;
    double handover_below;
    const char *bot_rules;       /* merchant rules TSV, or NULL */
    /* who is told when an incident passes its SLA (besides the merchant webhook) */
    const char *alert_email;     /* the team's address ("alerts":{"email":…}), or NULL */
};

/* The SLA due time HOURS after NOW: NOW + HOURS h, or with business hours, HOURS of them counted
 * in ZONE (an IANA zone) on their weekdays that are not holidays of CAL (NULL: none). An unknown
 * ZONE counts every hour. */
int64_t rs_support_sla_due(const struct rs_support_settings *cfg, const struct rs_calendar *cal, const char *zone,
                           int hours, int64_t now);

/* When the team next works, seen at NOW: NOW itself inside business hours (or without them, or
 * with an unknown ZONE), else the start of its next working day in ZONE that is not a holiday of
 * CAL (NULL: none): Friday 22:00 is Monday at bh_start. The same rule as rs_support_sla_due's. */
int64_t rs_support_next_open(const struct rs_support_settings *cfg, const struct rs_calendar *cal, const char *zone,
                             int64_t now);

/* Parse and validate JSON (NULL or "": the shipped defaults). OUT: *cfg, release with
 * rs_support_settings_release. RS_EINVAL with ERR naming the field and the problem. */
enum rs_err rs_support_settings_parse(const char *json, struct rs_support_settings *cfg, char *err,
                                      size_t errcap) RS_MUST_CHECK;
void rs_support_settings_release(struct rs_support_settings *cfg);

/* The merchant's settings from the store (the defaults when never set). */
enum rs_err rs_support_settings_load(struct rs_store *s, int64_t merchant_id,
                                     struct rs_support_settings *cfg) RS_MUST_CHECK;

/* Validate JSON and save it (NULL: back to the defaults). RS_EINVAL with ERR. */
enum rs_err rs_support_settings_save(struct rs_store *s, int64_t merchant_id, const char *json, int64_t now,
                                     char *err, size_t errcap) RS_MUST_CHECK;

/* SLA hours of TYPE (a default for an unknown type). */
int rs_support_sla_hours(const struct rs_support_settings *cfg, const char *type);

#endif
