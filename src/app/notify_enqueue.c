/* notify_enqueue.c — plan notifications inside the write transaction (see notify_enqueue.h). */
#include "app/notify_enqueue.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_settings.h"
#include "core/notify_plan.h"
#include "store/store_coupon.h"
#include "store/store_notify.h"
#include "util/timefmt.h"
#include "util/tz.h"

/* The parsed settings of the last merchant seen: the writer handles merchants in bursts, and
 * parsing JSON per event would be wasteful. Keyed by the exact text; used under cache_mu (the
 * one writer thread never waits on it; a CLI import is alone in its process). */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int64_t merchant_id;
    char *text;
    struct rs_notify_config cfg;
    bool ok;
} cache;

static const struct rs_notify_config *config_for(int64_t merchant_id, const char *text)
{
    if (cache.text && cache.merchant_id == merchant_id && strcmp(cache.text, text) == 0)
        return cache.ok ? &cache.cfg : NULL;
    if (cache.ok)
        rs_notify_config_release(&cache.cfg);
    free(cache.text);
    cache.text = strdup(text);
    cache.merchant_id = merchant_id;
    char err[256];
    cache.ok = cache.text && rs_notify_config_parse(text, &cache.cfg, err, sizeof err) == RS_OK;
    if (!cache.ok)
        fprintf(stderr, "notify: merchant %lld has unusable settings, nothing planned: %s\n",
                (long long)merchant_id, err);
    return cache.ok ? &cache.cfg : NULL;
}

/* The merchant's row and its parsed notification settings. On RS_OK with *cfg set, cache_mu is
 * HELD (the config lives in the cache) and the caller unlocks it; with *cfg NULL the merchant has
 * no usable settings (nothing to plan) and nothing is held. */
static enum rs_err config_lock(struct rs_store *s, int64_t merchant_id, struct rs_notify_merchant *m,
                               const struct rs_notify_config **cfg)
{
    *cfg = NULL;
    enum rs_err e = rs_store_notify_merchant(s, merchant_id, m);
    if (e)
        return e == RS_ENOTFOUND ? RS_OK : e;
    if (!m->config)
        return RS_OK;
    pthread_mutex_lock(&cache_mu);
    *cfg = config_for(merchant_id, m->config);
    free(m->config);
    m->config = NULL;
    if (!*cfg)
        pthread_mutex_unlock(&cache_mu);
    return RS_OK;
}

struct zone_ctx {
    const char *zone;
};

static enum rs_err zone_offset(void *ctx, int64_t at, int *off)
{
    return rs_tz_offset(((struct zone_ctx *)ctx)->zone, at, off);
}

const char *rs_app_notify_zone(const struct rs_notify_config *cfg, const char *merchant_tz, const char *customer_tz,
                               const char *country, int64_t now, char zone[64])
{
    /* quiet hours are the customer's: the zone they read times in (util/tz.h), the shop's being
     * the one the settings give for customers, else the merchant's */
    return rs_tz_customer_zone(customer_tz, country, cfg && cfg->timezone ? cfg->timezone : merchant_tz, now, zone);
}

enum rs_err rs_app_notify_quiet_until(const struct rs_notify_config *cfg, const char *merchant_tz,
                                      const struct rs_notify_customer *cust, int64_t now, int64_t *when,
                                      bool *deferred)
{
    char zone[64];
    struct zone_ctx zc = {.zone = rs_app_notify_zone(cfg, merchant_tz, cust ? cust->timezone : NULL,
                                                     cust ? cust->country : NULL, now, zone)};
    struct rs_recipient r = {.utc_offset = zone_offset, .utc_offset_ctx = &zc};
    return rs_notify_quiet_until(&cfg->plan, &r, now, when, deferred);
}

static void random_token(char out[33])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        memset(b, 0, sizeof b); /* extremely unlikely; the unique index then refuses a repeat */
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static enum rs_err plan_with(struct rs_store *s, const struct rs_notify_config *cfg,
                             const struct rs_notify_merchant *mm, int64_t merchant_id, int64_t order_id,
                             int64_t shipment_id, struct rs_plan_input *in, int64_t coupon_id,
                             int64_t pickup_day, const char *told, int64_t now);

/* TOLD: the customer already had this news (the suppression reason of their messages), or NULL */
static enum rs_err plan_and_insert(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t shipment_id,
                                   struct rs_plan_input *in, const char *told, int64_t now)
{
    struct rs_notify_merchant m;
    const struct rs_notify_config *cfg;
    enum rs_err e = config_lock(s, merchant_id, &m, &cfg);
    if (e || !cfg)
        return e;
    e = plan_with(s, cfg, &m, merchant_id, order_id, shipment_id, in, 0, 0, told, now);
    pthread_mutex_unlock(&cache_mu);
    return e;
}

static enum rs_err plan_with(struct rs_store *s, const struct rs_notify_config *cfg,
                             const struct rs_notify_merchant *mm, int64_t merchant_id, int64_t order_id,
                             int64_t shipment_id, struct rs_plan_input *in, int64_t coupon_id,
                             int64_t pickup_day, const char *told, int64_t now)
{
    const struct rs_notify_merchant m = *mm;
    enum rs_err e;
    struct rs_notify_customer c;
    if ((e = rs_store_notify_customer(s, order_id, &c)))
        return e;
    char zone[64];
    struct zone_ctx zc = {.zone = rs_app_notify_zone(cfg, m.timezone, c.timezone, c.country, now, zone)};
    struct rs_recipient r = {
        .preferred = c.preferred[0] ? rs_channel_parse(c.preferred, -1) : -1,
        .consent = ~c.optout,
        .utc_offset = zone_offset,
        .utc_offset_ctx = &zc,
    };
    if (c.email[0])
        r.contact |= RS_CH_BIT(RS_CH_EMAIL);
    if (c.phone[0])
        r.contact |= RS_CH_BIT(RS_CH_SMS) | RS_CH_BIT(RS_CH_WHATSAPP);
    if (cfg->webhook_url)
        r.contact |= RS_CH_BIT(RS_CH_WEBHOOK);
    if (c.n_push > 0)
        r.contact |= RS_CH_BIT(RS_CH_PUSH);
    int64_t hist[256];
    int nh = 0;
    if (c.customer_id && cfg->plan.cap_count > 0 &&
        (e = rs_store_notify_history(s, c.customer_id, now - cfg->plan.cap_window_s, hist, 256, &nh)))
        return e;
    r.sent_at = hist;
    r.n_sent = nh;
    /* PICKUP_DAY: a pickup reminder, planned only when its deadline is close enough in the
     * customer's own zone (core/notify_plan.h rs_notify_pickup_due) */
    char deadline[11];
    if (pickup_day) {
        bool due = false;
        if ((e = rs_notify_pickup_due(&cfg->plan, &r, pickup_day, now, &due)) != RS_OK) {
            fprintf(stderr, "notify: pickup reminder check failed for order %lld: %s\n", (long long)order_id,
                    rs_err_name(e));
            return RS_OK;
        }
        if (!due)
            return RS_OK;
        rs_date_format(pickup_day, deadline);
        in->pickup_deadline = deadline;
    }
    struct rs_planned items[RS_PLAN_MAX_ITEMS];
    int n = 0;
    if ((e = rs_notify_plan(in, &cfg->plan, &r, items, RS_PLAN_MAX_ITEMS, &n))) {
        fprintf(stderr, "notify: planning failed for order %lld: %s\n", (long long)order_id, rs_err_name(e));
        return RS_OK; /* a planning problem must not refuse the carrier event */
    }
    const char *locale = c.locale[0] ? c.locale : m.locale[0] ? m.locale : "es";
    /* a sweep run as of a future --now (tests, replays) queues its messages relative to the real
     * clock, so the dispatcher (which claims by the real clock) sends them */
    int64_t real = rs_now(), shift = now > real + 60 ? now - real : 0;
    for (int i = 0; i < n; i++) {
        const struct rs_planned *it = &items[i];
        char channels[64];
        int len = snprintf(channels, sizeof channels, "%s", rs_channel_name(it->channel));
        for (int k = 0; k < it->n_fallback && len < (int)sizeof channels; k++)
            len += snprintf(channels + len, sizeof channels - (size_t)len, ",%s", rs_channel_name(it->fallback[k]));
        char token[33];
        random_token(token);
        bool already = told && !it->suppressed && it->channel != RS_CH_WEBHOOK; /* the merchant's feed still gets it */
        struct rs_outbox_new row = {
            .merchant_id = merchant_id,
            .order_id = order_id,
            .shipment_id = shipment_id,
            .customer_id = c.customer_id,
            .trigger = rs_trigger_name(it->trigger),
            .channels = channels,
            .status = it->status == RS_STATUS_NONE ? "" : rs_status_name(it->status),
            .substatus = it->substatus == RS_SUB_NONE ? "" : rs_substatus_name(it->substatus),
            .locale = locale,
            .state = it->suppressed || already ? "suppressed" : "queued",
            .reason = it->suppressed ? rs_suppress_name(it->suppressed) : already ? told : NULL,
            .deferred = it->deferred,
            .next_attempt_at = (it->not_before > now ? it->not_before : now) - shift,
            .idem_key = it->key,
            .unsub_token = it->channel == RS_CH_WEBHOOK ? NULL : token,
            .coupon_id = it->trigger == RS_TRIG_COMPENSATION ? coupon_id : 0,
            .event_at = it->at,
        };
        int64_t id;
        e = rs_store_outbox_insert(s, &row, now, &id);
        if (e && e != RS_EDUPLICATE)
            return e;
    }
    return RS_OK;
}

/* Whether CFG can send e-mail (an SMTP server and a sender). */
static bool mail_configured(const struct rs_notify_config *cfg)
{
    return cfg && cfg->smtp_url && cfg->email_from;
}

enum rs_err rs_app_notify_email_configured(struct rs_store *s, int64_t merchant_id, bool *ok)
{
    struct rs_notify_merchant m;
    const struct rs_notify_config *cfg;
    enum rs_err e = config_lock(s, merchant_id, &m, &cfg);
    *ok = !e && mail_configured(cfg);
    if (cfg)
        pthread_mutex_unlock(&cache_mu);
    return e;
}

enum rs_err rs_app_notify_incident_sla(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                       int64_t incident_id, int64_t due, const char *team_email, int64_t now,
                                       bool *webhook, bool *email, bool *no_smtp)
{
    *webhook = *email = *no_smtp = false;
    struct rs_notify_merchant m;
    const struct rs_notify_config *cfg;
    enum rs_err e = config_lock(s, merchant_id, &m, &cfg);
    if (e)
        return e;
    bool want_hook = cfg && cfg->webhook_url, want_mail = team_email && mail_configured(cfg);
    *no_smtp = team_email && !want_mail;
    if (cfg)
        pthread_mutex_unlock(&cache_mu);
    static const char *const chans[2] = {"webhook", "email"};
    bool want[2] = {want_hook, want_mail}, *done[2] = {webhook, email};
    for (int i = 0; i < 2 && !e; i++) {
        if (!want[i])
            continue;
        char key[96];
        snprintf(key, sizeof key, "i%lld:%s:%lld:%s", (long long)incident_id, RS_TRIGGER_INCIDENT_SLA,
                 (long long)due, chans[i]);
        struct rs_outbox_new row = {
            .merchant_id = merchant_id,
            .order_id = order_id,
            .trigger = RS_TRIGGER_INCIDENT_SLA,
            .channels = chans[i],
            .locale = m.locale,
            .state = "queued",
            .next_attempt_at = now,
            .idem_key = key,
            .event_at = due,
            .incident_id = incident_id,
        };
        int64_t id;
        e = rs_store_outbox_insert(s, &row, now, &id);
        if (e == RS_EDUPLICATE)
            e = RS_OK;
        else if (!e)
            *done[i] = true;
    }
    return e;
}

enum rs_err rs_app_notify_order_placed(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now)
{
    char subject[32];
    snprintf(subject, sizeof subject, "o%lld", (long long)order_id);
    struct rs_plan_input in = {
        .subject_id = subject,
        .old_status = RS_STATUS_NONE,
        .new_status = RS_STATUS_NONE,
        .event_at = now,
        .order_confirmed = true,
        .now = now,
    };
    return plan_and_insert(s, merchant_id, order_id, 0, &in, NULL, now);
}

enum rs_err rs_app_notify_shipment_change(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                          int64_t shipment_id, const struct rs_track_state *before,
                                          const struct rs_track_state *after, int64_t now)
{
    if (before->status == after->status && before->substatus == after->substatus)
        return RS_OK;
    enum rs_trigger t;
    if (!rs_notify_trigger_for(before->status, before->substatus, after->status, after->substatus, &t))
        return RS_OK;
    /* a shop that corrects a fulfillment's tracking number (re-tracked) cancels the old shipment
     * and names the same parcel anew, and a Shopify fulfillment of several boxes is one shipping:
     * a customer told it shipped is not told again */
    bool told = false;
    enum rs_err e;
    if (t == RS_TRIG_SHIPPED && (e = rs_store_notify_replaced_told(s, shipment_id, rs_trigger_name(t), &told)))
        return e;
    char subject[32];
    snprintf(subject, sizeof subject, "s%lld", (long long)shipment_id);
    struct rs_plan_input in = {
        .subject_id = subject,
        .old_status = before->status,
        .new_status = after->status,
        .old_sub = before->substatus,
        .new_sub = after->substatus,
        .action_required = after->action_required,
        .event_at = after->status_at ? after->status_at : now,
        .now = now,
    };
    return plan_and_insert(s, merchant_id, order_id, shipment_id, &in, told ? "already_told" : NULL, now);
}

/* What the sweep plans about SHIPMENT_ID at NOW (delays, pickup reminders): no status change;
 * SUBJECT holds the plan's subject id "s<id>". */
static struct rs_plan_input sweep_input(char subject[32], int64_t shipment_id, int64_t now)
{
    snprintf(subject, 32, "s%lld", (long long)shipment_id);
    return (struct rs_plan_input){
        .subject_id = subject,
        .old_status = RS_STATUS_NONE,
        .new_status = RS_STATUS_NONE,
        .event_at = now,
        .now = now,
    };
}

enum rs_err rs_app_notify_delays(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t shipment_id,
                                 const struct rs_app_delay *d, int n, int64_t now)
{
    struct rs_delay_record rec[4];
    char version[4][24];
    int nr = 0;
    bool breach = false;
    for (int i = 0; i < n; i++)
        breach |= d[i].breached && d[i].stalled_since <= 0;
    for (int i = 0; i < n && nr < 4; i++) {
        if (d[i].stalled_since > 0) {
            /* the last scan, to the second: a later scan then a new silence is a new stall */
            int64_t t = d[i].stalled_since, day = t >= 0 ? t / 86400 : (t - 86399) / 86400, sod = t - day * 86400;
            int y, mo, dd;
            rs_civil_from_days(day, &y, &mo, &dd);
            snprintf(version[nr], sizeof version[nr], "%04d%02d%02dT%02d%02d%02dZ", y % 10000, mo, dd,
                     (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
            rec[nr] = (struct rs_delay_record){.stalled = true, .version = version[nr], .detected_at = now};
            nr++;
            continue;
        }
        if (breach && !d[i].breached)
            continue; /* a breach found with a slip is told once, as the breach with the new window */
        char day[11];
        rs_date_format(d[i].window_day, day);
        snprintf(version[nr], sizeof version[nr], "%s", day);
        rec[nr] = (struct rs_delay_record){.breached = d[i].breached, .version = version[nr], .detected_at = now};
        nr++;
    }
    if (!nr)
        return RS_OK;
    char subject[32];
    struct rs_plan_input in = sweep_input(subject, shipment_id, now);
    in.delays = rec;
    in.n_delays = nr;
    return plan_and_insert(s, merchant_id, order_id, shipment_id, &in, NULL, now);
}

enum rs_err rs_app_notify_pickup_reminder(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                          int64_t shipment_id, int64_t deadline_day, int64_t now)
{
    if (deadline_day <= 0)
        return RS_OK;
    struct rs_notify_merchant m;
    const struct rs_notify_config *cfg;
    enum rs_err e = config_lock(s, merchant_id, &m, &cfg);
    if (e || !cfg)
        return e;
    char subject[32];
    struct rs_plan_input in = sweep_input(subject, shipment_id, now);
    e = plan_with(s, cfg, &m, merchant_id, order_id, shipment_id, &in, 0, deadline_day, NULL, now);
    pthread_mutex_unlock(&cache_mu);
    return e;
}

/* A readable code: PREFIX-XXXX-XXXX from 32 letters and digits without 0/O/1/I (40 bits of
 * randomness; the unique index refuses a repeat and the caller draws again). */
void rs_app_coupon_code(const char *prefix, char *out, size_t cap)
{
    static const char ALPHA[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char b[8];
    if (RAND_bytes(b, sizeof b) != 1)
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)rand();
    char body[10];
    for (int i = 0, k = 0; i < 8; i++) {
        if (i == 4)
            body[k++] = '-';
        body[k++] = ALPHA[b[i] & 31];
        body[k] = '\0';
    }
    snprintf(out, cap, "%s%s%s", prefix, *prefix ? "-" : "", body);
}

enum rs_err rs_app_notify_compensate(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t shipment_id,
                                     int64_t days_late, int64_t now, bool *issued)
{
    if (issued)
        *issued = false;
    struct rs_notify_merchant m;
    const struct rs_notify_config *cfg;
    enum rs_err e = config_lock(s, merchant_id, &m, &cfg);
    if (e || !cfg)
        return e;
    if (!cfg->comp_on || days_late < cfg->comp_after_days) {
        pthread_mutex_unlock(&cache_mu);
        return RS_OK;
    }
    struct rs_coupon c = {
        .merchant_id = merchant_id,
        .order_id = order_id,
        .shipment_id = shipment_id,
        .value_cents = cfg->comp_value_cents,
        .expires_at = cfg->comp_valid_days > 0 ? now + (int64_t)cfg->comp_valid_days * 86400 : 0,
    };
    snprintf(c.kind, sizeof c.kind, "%s", cfg->comp_percent ? "percent" : "amount");
    snprintf(c.currency, sizeof c.currency, "%s", !cfg->comp_percent && cfg->comp_currency ? cfg->comp_currency : "");
    snprintf(c.reason, sizeof c.reason, "late");
    char details[96];
    snprintf(details, sizeof details, "{\"days_late\":%lld}", (long long)days_late);
    int64_t id = 0;
    e = RS_ECONFLICT;
    for (int tries = 0; tries < 5 && e == RS_ECONFLICT; tries++) {
        rs_app_coupon_code(cfg->comp_prefix ? cfg->comp_prefix : "", c.code, sizeof c.code);
        e = rs_store_coupon_add(s, &c, details, now, &id);
    }
    if (e) {
        pthread_mutex_unlock(&cache_mu);
        return e == RS_EDUPLICATE ? RS_OK : e; /* the shipment already has its coupon */
    }
    if (issued)
        *issued = true;
    char subject[32], comp[32];
    snprintf(subject, sizeof subject, "o%lld", (long long)order_id);
    snprintf(comp, sizeof comp, "c%lld", (long long)id);
    struct rs_plan_input in = {
        .subject_id = subject,
        .old_status = RS_STATUS_NONE,
        .new_status = RS_STATUS_NONE,
        .event_at = now,
        .compensation_id = comp,
        .now = now,
    };
    e = plan_with(s, cfg, &m, merchant_id, order_id, shipment_id, &in, id, 0, NULL, now);
    pthread_mutex_unlock(&cache_mu);
    return e;
}
