/* dispatch.c — the notification dispatcher's threads (see dispatch.h).
 *
 * Each thread owns a read-write store connection, its curl handles (struct rs_channels) and a
 * cache of the last merchant's parsed settings and template sets. Loop: claim a batch (one
 * short transaction), send each row (the HTTP sends of the batch together: rs_channels_flush),
 * then record every outcome of the batch in one transaction (one fsync per batch instead of per
 * message). */
#include "worker/dispatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/incident.h"
#include "app/notify_enqueue.h"
#include "app/notify_render.h"
#include "app/notify_settings.h"
#include "app/notify_templates.h"
#include "app/support_settings.h"
#include "core/notify_plan.h"
#include "notify/channel.h"
#include "notify/webpush.h"
#include "store/store_coupon.h"
#include "store/store_incident.h"
#include "store/store_notify.h"
#include "store/store_page.h"
#include "store/store_promise.h"
#include "util/locfmt.h"
#include "util/timefmt.h"
#include "worker/replies.h"

#define MAX_BATCH 64

struct worker {
    struct rs_dispatcher *d;
    pthread_t thread;
    char owner[96];
    struct rs_store *s;
    struct rs_channels *ch;
    /* settings cache (one merchant) */
    int64_t merchant_id;
    char *cfg_text;
    struct rs_notify_config cfg;
    bool cfg_ok;
    struct rs_notify_merchant m;
    struct rs_tplset *set[2]; /* es, en; NULL until needed */
    unsigned rnd;
    struct rs_locfmt *lf; /* promise and coupon dates; NULL until needed */
    struct rs_replies *rp; /* conversation replies (worker/replies.c) */
    int64_t next_beat; /* the first thread: when to record the next heartbeat */
};

struct rs_dispatcher {
    struct rs_dispatch_config cfg;
    char db_url[1024], base_url[512], name[64];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    unsigned wake_seq;
    int n;
    struct worker *w;
    atomic_ullong sent, retried, failed, claimed;
    atomic_long connects;
};

/* One outcome, kept until the batch is recorded. */
/* The customer's newest push subscriptions tried in one attempt: a browser they stopped using
 * (404/410: deleted) does not keep the message from the others. */
#define RS_PUSH_TRY 4

struct outcome {
    struct rs_outbox_done d;
    char state[16], channel[16], new_channel[16], result[16];
    struct rs_send_result res;
    char *subject, *body;
    bool skip;
    /* after a successful send carrying a window: what the customer was told */
    int64_t told_shipment, told_earliest, told_latest;
    int64_t gone_push[RS_PUSH_TRY]; /* the push subscriptions tried, newest first: the first
                                     * n_gone_push the push service says are gone (404/410) */
    int n_gone_push;
    /* the SMS provider says the customer opted out (Twilio 21610): recorded like their STOP */
    bool sms_optout;
    int64_t merchant_id, customer_id;
    char phone[24];
    /* what settle() needs once the send is over (HTTP sends end in rs_channels_flush) */
    char why[300];
    enum rs_channel chan, chans[RS_CH__COUNT];
    int nch, ci, attempts;
    bool attempted, stale;
    struct rs_retry_policy pol;
    int64_t now, quiet_until;
};

static void settings_release(struct worker *w)
{
    if (w->cfg_ok)
        rs_notify_config_release(&w->cfg);
    w->cfg_ok = false;
    free(w->cfg_text);
    w->cfg_text = NULL;
    for (int i = 0; i < 2; i++) {
        free(w->set[i]);
        w->set[i] = NULL;
    }
}

/* The merchant's settings, from cache when the stored text is unchanged. NULL when none. */
static const struct rs_notify_config *settings_for(struct worker *w, int64_t merchant_id, char *why, size_t cap)
{
    struct rs_notify_merchant m;
    enum rs_err e = rs_store_notify_merchant(w->s, merchant_id, &m);
    if (e) {
        snprintf(why, cap, "merchant settings unreadable: %s", rs_err_name(e));
        return NULL;
    }
    if (!m.config) {
        snprintf(why, cap, "notifications are not configured for this merchant");
        return NULL;
    }
    if (w->cfg_text && w->merchant_id == merchant_id && strcmp(w->cfg_text, m.config) == 0) {
        free(m.config);
        if (!w->cfg_ok)
            snprintf(why, cap, "the merchant's notification settings are invalid");
        return w->cfg_ok ? &w->cfg : NULL;
    }
    settings_release(w);
    w->merchant_id = merchant_id;
    w->cfg_text = m.config;
    w->m = m;
    w->m.config = NULL;
    char err[256];
    w->cfg_ok = rs_notify_config_parse(w->cfg_text, &w->cfg, err, sizeof err) == RS_OK;
    if (!w->cfg_ok)
        snprintf(why, cap, "the merchant's notification settings are invalid: %.200s", err);
    return w->cfg_ok ? &w->cfg : NULL;
}

static const struct rs_tplset *tplset_for(struct worker *w, const char *locale, char *why, size_t cap)
{
    int i = strcmp(rs_notify_lang(locale), "es") == 0 ? 0 : 1;
    if (!w->set[i]) {
        w->set[i] = malloc(sizeof *w->set[i]);
        struct rs_tpl_error te = {0};
        if (!w->set[i] || rs_app_notify_tplset(&w->cfg, locale, w->set[i], &te) != RS_OK) {
            snprintf(why, cap, "templates: %s", te.msg);
            free(w->set[i]);
            w->set[i] = NULL;
            return NULL;
        }
    }
    return w->set[i];
}

static int split_channels(const char *list, enum rs_channel *out, int max)
{
    int n = 0;
    for (const char *p = list; *p && n < max;) {
        size_t l = strcspn(p, ",");
        int c = rs_channel_parse(p, (long)l);
        if (c >= 0)
            out[n++] = (enum rs_channel)c;
        p += l + (p[l] == ',');
    }
    return n;
}

/* Whether the customer message JOB must wait for the end of the merchant's quiet hours in the
 * customer's zone: the planner deferred it when it was planned, but a backlog (a dispatcher that
 * was down), a retry or a fallback channel may still come due at night. OUT: *until. */
static bool quiet_now(const struct worker *w, const struct rs_notify_config *cfg, const struct rs_outbox_job *job,
                      const struct rs_notify_customer *cust, int64_t now, int64_t *until)
{
    int t = rs_trigger_parse(job->trigger, -1);
    bool deferred = false;
    if (t < 0 || rs_notify_trigger_urgent((enum rs_trigger)t))
        return false;
    if (rs_app_notify_quiet_until(cfg, w->m.timezone, cust, now, until, &deferred) != RS_OK)
        return false;
    return deferred;
}

/* Whether the customer message JOB is stale now (rs_notify_stale): news of the delivery day
 * that a retry, a backlog or quiet hours kept until the shipment moved on, or until it was too
 * old to be of use. */
static bool stale_now(const struct rs_outbox_job *job, int64_t now)
{
    int t = rs_trigger_parse(job->trigger, -1);
    if (t < 0 || !job->shipment_id || !job->shipment_status[0])
        return false;
    /* delay notices (stalled, promise_*) are about no status: "" */
    int msg = job->status[0] ? rs_status_parse(job->status) : RS_STATUS_NONE,
        sub = job->substatus[0] ? rs_substatus_parse(job->substatus) : RS_SUB_NONE,
        cur = rs_status_parse(job->shipment_status);
    if (msg < 0 || sub < 0 || cur < 0)
        return false;
    /* rows planned before migration 0014 lack the event time: the status's time stands in */
    int64_t at = job->event_at ? job->event_at : job->status_at;
    return rs_notify_stale((enum rs_trigger)t, (enum rs_status)msg, (enum rs_substatus)sub, at, (enum rs_status)cur,
                           now);
}

/* Row JOB is incident JOB->incident_id's SLA alert to the merchant's team (app/incident.h
 * rs_incident_sla_sweep): the signed webhook incident.sla_breached, or the e-mail to the support
 * settings' alerts.email (read now: the address the team set last), both built from the incident
 * as it is now, with the due time that passed. *OBSOLETE (nothing sent, WHY says why) when the
 * incident was resolved or closed, or got a new SLA, before the alert went out (a retry hours
 * later, a resend): "passed its SLA and is not resolved yet" would no longer be true. */
static enum rs_err send_sla_alert(struct worker *w, const struct rs_notify_config *cfg,
                                  const struct rs_outbox_job *job, enum rs_channel channel, int64_t now,
                                  struct outcome *o, char *why, size_t cap, bool *obsolete)
{
    struct rs_incident_row r;
    enum rs_err e = rs_store_incident_row(w->s, job->merchant_id, job->incident_id, &r);
    if (e) {
        snprintf(why, cap, "incident %lld unreadable: %s", (long long)job->incident_id, rs_err_name(e));
        return e == RS_ENOTFOUND ? RS_EREJECTED : RS_ERETRY;
    }
    if (strcmp(r.state, "resolved") == 0 || strcmp(r.state, "closed") == 0 ||
        (job->event_at && r.sla_due_at != job->event_at)) {
        *obsolete = true;
        snprintf(why, cap, "the incident was %s before the alert went out",
                 r.state[0] == 'r' ? "resolved" : r.state[0] == 'c' ? "closed" : "given a new SLA");
        return RS_OK;
    }
    char agent[256] = "";
    int64_t agent_id = 0;
    if (r.assigned_agent_id &&
        rs_store_agent_of_merchant(w->s, job->merchant_id, r.assigned_agent_id, NULL, &agent_id, agent) != RS_OK)
        agent[0] = '\0';
    char url[600];
    snprintf(url, sizeof url, "%.500s/console/i/%lld", cfg->public_base_url ? cfg->public_base_url : w->d->base_url,
             (long long)r.id);
    int64_t due = job->event_at ? job->event_at : r.sla_due_at;
    struct rs_msg msg = {
        .cfg = cfg,
        .merchant_id = job->merchant_id,
        .outbox_id = job->id,
        .merchant_name = cfg->merchant_name ? cfg->merchant_name : w->m.name,
        .lang = "es, en", /* the team's e-mail says it in both */
        .now = now,
        .trigger = RS_TRIG_EXCEPTION,
    };
    if (channel == RS_CH_WEBHOOK) {
        char ref[24], opened[RS_TIME_LEN], due_s[RS_TIME_LEN];
        rs_incident_reference(r.id, ref);
        rs_time_format(r.created_at, 0, opened);
        rs_time_format(due, 0, due_s);
        msg.webhook_type = "incident.sla_breached";
        msg.webhook_data = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s?, s:s, s:s}", "incident_id",
                                     (json_int_t)r.id, "incident_ref", ref, "order_ref", r.order_ref, "type", r.type,
                                     "state", r.state, "opened_at", opened, "sla_due_at", due_s, "overdue_s",
                                     (json_int_t)(now > due ? now - due : 0), "assigned_agent_email",
                                     agent[0] ? agent : NULL, "origin", r.origin, "console_url", url);
        e = msg.webhook_data ? rs_send_webhook(w->ch, &msg, &o->res) : RS_ENOMEM;
        json_decref(msg.webhook_data);
    } else if (channel == RS_CH_EMAIL) {
        struct rs_support_settings ss;
        if ((e = rs_support_settings_load(w->s, job->merchant_id, &ss))) {
            snprintf(why, cap, "support settings unreadable: %s", rs_err_name(e));
            return RS_ERETRY;
        }
        if (!ss.alert_email) {
            rs_support_settings_release(&ss);
            snprintf(why, cap, "the support settings no longer have alerts.email");
            return RS_EREJECTED;
        }
        char to[256], team_zone[64];
        snprintf(to, sizeof to, "%s", ss.alert_email);
        rs_support_settings_release(&ss);
        struct rs_sla_alert a = {
            .incident_id = r.id,
            .opened_at = r.created_at,
            .due = due,
            .order_ref = r.order_ref,
            .type = r.type,
            .state = r.state,
            .origin = r.origin,
            .agent_email = agent,
            .console_url = url,
            .zone = rs_app_notify_zone(cfg, w->m.timezone, NULL, NULL, now, team_zone),
            .now = now,
        };
        char *subject, *text, *html;
        rs_incident_sla_alert_mail(&a, &subject, &text, &html);
        struct rs_rendered rr = {.channel = RS_CH_EMAIL};
        rr.part[RS_TPART_EMAIL_SUBJECT] = subject;
        rr.part[RS_TPART_EMAIL_TEXT] = text;
        rr.part[RS_TPART_EMAIL_HTML] = html;
        msg.r = &rr;
        msg.to_email = to;
        e = rs_send_email(w->ch, &msg, &o->res);
        o->subject = subject;
        o->body = text;
        free(html);
    } else {
        snprintf(o->res.error, sizeof o->res.error, "an SLA alert cannot go by %s", rs_channel_name(channel));
        e = RS_EINVAL;
    }
    if (e != RS_OK)
        snprintf(why, cap, "%s", o->res.error);
    return e;
}

/* What the merchant's webhook adds to the common keys (which stay as they are: receivers depend
 * on them): data.coupon for a compensation — the code, so the shop can honour it at checkout —
 * and data.promise for a slip or a breach: the window the shipment has now and the latest day
 * the customer had been told before it moved; data.pickup (name, address, deadline) for
 * available_for_pickup and pickup_reminder. Missing data leaves the key out. */
static void webhook_details(struct rs_store *s, const struct rs_outbox_job *job, json_t *data)
{
    struct rs_coupon c;
    if (job->coupon_id && rs_store_coupon_get(s, job->coupon_id, &c) == RS_OK) {
        char until[RS_TIME_LEN] = "";
        if (c.expires_at > 0)
            rs_time_format(c.expires_at, 0, until);
        json_t *cj = json_pack("{s:s, s:s, s:f, s:s?, s:s?}", "code", c.code, "kind", c.kind, "value",
                               (double)c.value_cents / 100.0, "currency", c.currency[0] ? c.currency : NULL,
                               "valid_until", until[0] ? until : NULL);
        if (cj)
            json_object_set_new(data, "coupon", cj);
    }
    struct rs_pickup pk;
    if (job->shipment_id &&
        (strcmp(job->trigger, "available_for_pickup") == 0 || strcmp(job->trigger, "pickup_reminder") == 0) &&
        rs_store_shipment_pickup(s, job->shipment_id, &pk) == RS_OK && pk.found) {
        char dl[11] = "";
        if (pk.deadline)
            rs_date_format(pk.deadline, dl);
        json_t *pj = json_pack("{s:s?, s:s?, s:s?}", "name", pk.name[0] ? pk.name : NULL, "address",
                               pk.address[0] ? pk.address : NULL, "deadline", dl[0] ? dl : NULL);
        if (pj)
            json_object_set_new(data, "pickup", pj);
    }
    bool breach = strcmp(job->trigger, "promise_breached") == 0;
    if (!job->shipment_id || (!breach && strcmp(job->trigger, "promise_slipped") != 0))
        return;
    /* the idempotency key's discriminator is the delay's window key (notify_enqueue.c): the day
     * that was breached, or the new latest day of a slip */
    char disc[11] = "";
    for (const char *f = job->idem_key; f && *f; f = strchr(f, ':') ? strchr(f, ':') + 1 : NULL) {
        size_t n = strcspn(f, ":");
        int64_t day;
        char d[11];
        snprintf(d, sizeof d, "%.*s", (int)(n < 10 ? n : 10), f);
        if (n == 10 && rs_date_parse(d, &day) == RS_OK) {
            memcpy(disc, d, sizeof disc);
            break;
        }
    }
    json_t *sh = json_object();
    if (sh && rs_store_promise_attach_json(s, job->shipment_id, false, sh) == RS_OK) {
        json_t *p = json_object_get(sh, "promise");
        const char *prev = breach && disc[0] ? disc : NULL;
        size_t i;
        json_t *d;
        /* a slip's record keeps the latest day told when it was found (promise_apply.c) */
        json_array_foreach(json_object_get(sh, "delays"), i, d) {
            json_t *det = json_object_get(d, "details");
            const char *cause = json_string_value(json_object_get(d, "cause"));
            const char *latest = json_string_value(json_object_get(det, "latest"));
            if (!breach && disc[0] && cause && strcmp(cause, "promise_slipped") == 0 && latest &&
                strcmp(latest, disc) == 0)
                prev = json_string_value(json_object_get(det, "told_latest"));
        }
        if (json_is_object(p))
            json_object_set_new(data, "promise",
                                json_pack("{s:O, s:O, s:s?}", "earliest", json_object_get(p, "earliest"), "latest",
                                          json_object_get(p, "latest"), "previous_latest", prev));
    }
    json_decref(sh);
}

static void after_send(struct outcome *o, enum rs_err e);
static void settle(struct worker *w, struct outcome *o, enum rs_err e);

/* Send row ID and fill O: at once, or (an HTTP send queued by rs_channels_defer) when
 * rs_channels_flush calls sent(). */
static void process(struct worker *w, int64_t id, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->res.retry_after_s = -1;
    struct rs_outbox_job job;
    int64_t now = rs_now();
    if (rs_store_outbox_load(w->s, id, &job) != RS_OK || strcmp(job.state, "sending") != 0) {
        o->skip = true;
        return;
    }
    o->d.id = id;
    o->d.owner = w->owner;
    o->d.started_at = now;
    rs_channels_about(w->ch, job.order_id, job.trigger); /* its order's messages go out in order */
    snprintf(o->channel, sizeof o->channel, "%s", job.channel);
    enum rs_channel chans[RS_CH__COUNT];
    int nch = split_channels(job.channels, chans, RS_CH__COUNT);
    int ci = job.channel_index < nch ? job.channel_index : 0;
    enum rs_channel channel = nch ? chans[ci] : RS_CH_EMAIL;

    char why[300] = "";
    enum rs_err e = RS_EINVAL;
    int64_t quiet_until = 0;
    bool stale = false;
    const struct rs_notify_config *cfg = settings_for(w, job.merchant_id, why, sizeof why);
    struct rs_notify_customer cust;
    if (cfg && (e = rs_store_notify_customer(w->s, job.order_id, &cust)) != RS_OK) {
        snprintf(why, sizeof why, "order unreadable: %s", rs_err_name(e));
        e = RS_ERETRY;
    } else if (cfg && job.incident_id) {
        e = send_sla_alert(w, cfg, &job, channel, now, o, why, sizeof why, &stale);
    } else if (cfg && channel != RS_CH_WEBHOOK && stale_now(&job, now)) {
        stale = true;
        snprintf(why, sizeof why, "%s", rs_suppress_name(RS_SUPP_STALE));
    } else if (cfg && channel != RS_CH_WEBHOOK && (cust.optout & RS_CH_BIT(channel))) {
        snprintf(why, sizeof why, "the customer opted out of %s", rs_channel_name(channel));
        e = RS_EREJECTED;
    } else if (cfg && channel != RS_CH_WEBHOOK && quiet_now(w, cfg, &job, &cust, now, &quiet_until)) {
        e = RS_OK; /* nothing attempted: see below */
    } else if (cfg) {
        quiet_until = 0;
        static __thread char buf[64 * 1024];
        struct rs_rendered r = {0};
        char unsub[512] = "";
        int trig = rs_trigger_parse(job.trigger, -1);
        int st = job.status[0] ? rs_status_parse(job.status) : RS_STATUS_NONE;
        int sub = job.substatus[0] ? rs_substatus_parse(job.substatus) : RS_SUB_NONE;
        const struct rs_tplset *set = channel == RS_CH_WEBHOOK ? NULL : tplset_for(w, job.locale, why, sizeof why);
        struct rs_notify_render_in in = {
            .cfg = cfg,
            .merchant_name = w->m.name,
            .base_url = w->d->base_url,
            .cust = &cust,
            .trigger = trig < 0 ? RS_TRIG_SHIPPED : (enum rs_trigger)trig,
            .channel = channel,
            .status = st < 0 ? RS_STATUS_NONE : (enum rs_status)st,
            .substatus = sub < 0 ? RS_SUB_NONE : (enum rs_substatus)sub,
            .carrier = job.carrier[0] ? job.carrier : NULL,
            .tracking_number = job.tracking_number[0] ? job.tracking_number : NULL,
            .unsub_token = job.unsub_token,
        };
        struct rs_notify_extras extras;
        memset(&extras, 0, sizeof extras);
        if (channel != RS_CH_WEBHOOK && (job.shipment_id || job.coupon_id)) {
            if (!w->lf)
                w->lf = rs_locfmt_new();
            if (rs_app_notify_extras(w->s, w->lf, job.shipment_id, job.coupon_id, job.locale, &extras) != RS_OK)
                memset(&extras, 0, sizeof extras);
            in.extras = &extras;
        }
        struct rs_push_sub psub[RS_PUSH_TRY];
        int nsub = 0;
        if (channel == RS_CH_PUSH && rs_store_push_list(w->s, job.order_id, psub, RS_PUSH_TRY, &nsub) == RS_OK &&
            nsub == 0)
            snprintf(why, sizeof why, "the customer has no push subscription");
        if (channel != RS_CH_WEBHOOK && !set) {
            e = RS_EINVAL;
        } else if (channel == RS_CH_PUSH && nsub == 0) {
            e = RS_EINVAL;
        } else if (channel != RS_CH_WEBHOOK &&
                   (e = rs_app_notify_render(set, &in, buf, sizeof buf, &r, unsub)) != RS_OK) {
            snprintf(why, sizeof why, "rendering failed: %s", rs_err_name(e));
            e = RS_EINVAL;
        } else {
            struct rs_msg msg = {
                .cfg = cfg,
                .merchant_id = job.merchant_id,
                .outbox_id = job.id,
                .merchant_name = cfg->merchant_name ? cfg->merchant_name : w->m.name,
                .to_name = cust.name,
                .to_email = cust.email,
                .to_phone = cust.phone,
                .lang = rs_notify_lang(job.locale),
                .r = &r,
                .unsub_url = unsub[0] ? unsub : NULL,
                .wa_session = cust.wa_last_inbound && now - cust.wa_last_inbound < RS_WA_WINDOW_S,
                .now = now,
                .trigger = in.trigger,
            };
            char type[64];
            switch (channel) {
            case RS_CH_EMAIL:
                e = rs_send_email(w->ch, &msg, &o->res);
                if (r.part[RS_TPART_EMAIL_SUBJECT])
                    o->subject = strdup(r.part[RS_TPART_EMAIL_SUBJECT]);
                if (r.part[RS_TPART_EMAIL_TEXT])
                    o->body = strdup(r.part[RS_TPART_EMAIL_TEXT]);
                break;
            case RS_CH_SMS:
                e = rs_send_sms(w->ch, &msg, &o->res);
                if (r.part[RS_TPART_SMS_TEXT])
                    o->body = strdup(r.part[RS_TPART_SMS_TEXT]);
                break;
            case RS_CH_WHATSAPP:
                e = rs_send_whatsapp(w->ch, &msg, &o->res);
                if (msg.wa_session && r.part[RS_TPART_WA_TEXT])
                    o->body = strdup(r.part[RS_TPART_WA_TEXT]);
                else if (r.part[RS_TPART_WA_TEMPLATE])
                    o->subject = strdup(r.part[RS_TPART_WA_TEMPLATE]);
                break;
            case RS_CH_PUSH: {
                char track[512];
                const char *base = cfg->public_base_url ? cfg->public_base_url : w->d->base_url;
                snprintf(track, sizeof track, "%.400s/t/%.31s", base, cust.tracking_code);
                /* newest first; one that is gone is deleted and the next one tried */
                struct rs_push_target tg[RS_PUSH_TRY];
                for (int k = 0; k < nsub; k++) {
                    tg[k] = (struct rs_push_target){psub[k].endpoint, psub[k].p256dh, psub[k].auth};
                    o->gone_push[k] = psub[k].id;
                }
                e = rs_send_push(w->ch, &msg, tg, nsub, track, &o->res);
                if (r.part[RS_TPART_PUSH_TITLE])
                    o->subject = strdup(r.part[RS_TPART_PUSH_TITLE]);
                if (r.part[RS_TPART_PUSH_BODY])
                    o->body = strdup(r.part[RS_TPART_PUSH_BODY]);
                break;
            }
            case RS_CH_WEBHOOK: {
                snprintf(type, sizeof type, "%s.%s", job.shipment_id ? "shipment" : "order", job.trigger);
                msg.webhook_type = type;
                msg.webhook_data = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s}", "order_ref", cust.order_ref,
                                             "tracking_code", cust.tracking_code, "carrier",
                                             job.carrier[0] ? job.carrier : NULL, "tracking_number",
                                             job.tracking_number[0] ? job.tracking_number : NULL, "status",
                                             job.status[0] ? job.status : NULL, "sub_status",
                                             job.substatus[0] ? job.substatus : NULL, "trigger", job.trigger);
                /* when the event the webhook tells happened, not the shipment's latest status
                 * (rows planned before migration 0014 have only that) */
                int64_t occurred = job.shipment_id && job.event_at > 0 ? job.event_at : job.status_at;
                if (occurred > 0) {
                    char t[RS_TIME_LEN];
                    rs_time_format(occurred, 0, t);
                    json_object_set_new(msg.webhook_data, "occurred_at", json_string(t));
                }
                webhook_details(w->s, &job, msg.webhook_data);
                e = rs_send_webhook(w->ch, &msg, &o->res);
                json_decref(msg.webhook_data);
                break;
            }
            default:
                snprintf(o->res.error, sizeof o->res.error, "channel %s cannot be sent", rs_channel_name(channel));
                e = RS_EINVAL;
            }
            o->attempted = true;
            o->merchant_id = job.merchant_id;
            o->customer_id = cust.customer_id;
            snprintf(o->phone, sizeof o->phone, "%s", cust.phone);
            /* the message tells a window: once sent (after_send), breaches and slips are measured
             * against it */
            if (e == RS_OK && extras.has_window) {
                /* an SMS says a window with a Saturday without its weekdays */
                char sms_window[sizeof extras.promise_text];
                const char *told = channel == RS_CH_SMS && set ? rs_app_notify_sms_date(set->lang, extras.promise_text,
                                                                                 sms_window, sizeof sms_window)
                                                        : extras.promise_text;
                for (int k = 0; k < RS_TPART__COUNT; k++)
                    if (r.part[k] && strstr(r.part[k], told)) {
                        o->told_shipment = job.shipment_id;
                        o->told_earliest = extras.earliest;
                        o->told_latest = extras.latest;
                        break;
                    }
            }
        }
    }
    if (!cfg)
        e = RS_EREJECTED;
    snprintf(o->why, sizeof o->why, "%s", why);
    o->chan = channel;
    memcpy(o->chans, chans, sizeof chans);
    o->nch = nch;
    o->ci = ci;
    o->attempts = job.attempts;
    o->pol = cfg ? cfg->retry : (struct rs_retry_policy){30, 3600, 1, 3600};
    o->now = now;
    o->quiet_until = quiet_until;
    o->stale = stale;
    if (o->res.pending)
        return; /* queued: rs_channels_flush ends it (sent) */
    if (o->attempted)
        after_send(o, e);
    settle(w, o, e);
}

/* What the provider's answer E to O's send means beyond the outcome: why it failed, an opt-out
 * at the SMS provider, a window told only if the message went. */
static void after_send(struct outcome *o, enum rs_err e)
{
    if (e != RS_OK)
        snprintf(o->why, sizeof o->why, "%s", o->res.error);
    if (e == RS_EREJECTED && o->chan == RS_CH_SMS && o->res.opted_out)
        o->sms_optout = true;
    if (e != RS_OK)
        o->told_shipment = 0;
    o->n_gone_push = o->res.push_gone < RS_PUSH_TRY ? o->res.push_gone : RS_PUSH_TRY;
}

/* Fill O's outcome from E, the result of its attempt (process() kept what this needs in O). */
static void settle(struct worker *w, struct outcome *o, enum rs_err e)
{
    enum rs_channel channel = o->chan;
    const enum rs_channel *chans = o->chans;
    int nch = o->nch, ci = o->ci;
    int64_t now = o->now, quiet_until = o->quiet_until;
    const char *why = o->why;
    bool stale = o->stale;

    o->d.channel = o->channel;
    o->d.http_status = o->res.http_status;
    o->d.error = NULL;
    o->d.subject = o->subject;
    o->d.body = o->body;
    o->d.state = o->state;
    o->d.result = o->result;
    o->d.new_channel = o->new_channel;
    snprintf(o->new_channel, sizeof o->new_channel, "%s", rs_channel_name(channel));
    o->d.channel_index = ci;
    if (quiet_until > now) {
        /* inside quiet hours: back to the queue until their end, no attempt counted */
        snprintf(o->state, sizeof o->state, "queued");
        snprintf(o->result, sizeof o->result, "deferred");
        o->d.attempts = o->attempts;
        o->d.next_attempt_at = quiet_until;
        o->d.deferred = true;
        return;
    }
    if (stale) {
        /* not sent, and not to be: the row is settled like one the planner found stale */
        snprintf(o->state, sizeof o->state, "suppressed");
        snprintf(o->result, sizeof o->result, "suppressed");
        snprintf(o->res.error, sizeof o->res.error, "%s", why);
        o->d.error = o->res.error;
        o->d.attempts = o->attempts;
        o->d.next_attempt_at = now;
        return;
    }
    if (e == RS_OK) {
        snprintf(o->state, sizeof o->state, "sent");
        snprintf(o->result, sizeof o->result, "sent");
        o->d.provider_id = o->res.provider_id;
        o->d.attempts = o->attempts + 1;
        o->d.next_attempt_at = now;
        atomic_fetch_add(&w->d->sent, 1);
        return;
    }
    snprintf(o->res.error, sizeof o->res.error, "%s", why[0] ? why : rs_err_name(e));
    o->d.error = o->res.error;
    struct rs_planned item = {.channel = channel};
    if (nch) {
        item.channel = chans[0];
        for (int k = 1; k < nch; k++)
            item.fallback[item.n_fallback++] = chans[k];
    }
    struct rs_retry_decision dec;
    const struct rs_retry_policy pol = o->pol;
    w->rnd = w->rnd * 1103515245u + 12345u;
    rs_retry_next(&pol, &item, ci, o->attempts + 1, e != RS_ERETRY, o->res.retry_after_s,
                  w->rnd ^ (unsigned)rand(), &dec);
    switch (dec.action) {
    case RS_RETRY_AGAIN:
        snprintf(o->state, sizeof o->state, "queued");
        snprintf(o->result, sizeof o->result, "retry");
        o->d.attempts = o->attempts + 1;
        o->d.next_attempt_at = now + dec.delay_s;
        atomic_fetch_add(&w->d->retried, 1);
        break;
    case RS_RETRY_NEXT_CHANNEL:
        snprintf(o->state, sizeof o->state, "queued");
        snprintf(o->result, sizeof o->result, "next_channel");
        snprintf(o->new_channel, sizeof o->new_channel, "%s", rs_channel_name(dec.channel));
        o->d.channel_index = dec.channel_index;
        o->d.attempts = 0;
        o->d.next_attempt_at = now;
        atomic_fetch_add(&w->d->retried, 1);
        break;
    default:
        snprintf(o->state, sizeof o->state, "failed");
        snprintf(o->result, sizeof o->result, "failed");
        o->d.attempts = o->attempts + 1;
        o->d.next_attempt_at = now;
        atomic_fetch_add(&w->d->failed, 1);
    }
}

/* rs_channels_flush: the HTTP send of the outcome holding RES is over with E. */
static void sent(struct rs_send_result *res, enum rs_err e, void *ud)
{
    struct outcome *o = (struct outcome *)(void *)((char *)res - offsetof(struct outcome, res));
    if (res->pending) {
        o->skip = true; /* not started before the middle of the lease: retaken when it ends */
        return;
    }
    after_send(o, e);
    settle(ud, o, e);
}

/* The SMS provider refused O because the customer opted out there (Twilio 21610): an opt-out of
 * SMS like their STOP, for every customer of the merchant with that number and for the order's
 * customer, so the planner leaves SMS out from now on instead of failing over every time. */
static enum rs_err record_sms_optout(struct rs_store *s, const struct outcome *o)
{
    int n = 0;
    enum rs_err e = RS_OK;
    if (o->phone[0])
        e = rs_store_notify_optout_phone(s, o->merchant_id, o->phone, "sms", "twilio_21610", rs_now(), &n);
    if (!e && o->customer_id)
        e = rs_store_notify_optout(s, o->customer_id, "sms", "twilio_21610", rs_now());
    return e;
}

static bool wait_or_stop(struct rs_dispatcher *d, int ms, unsigned *seen)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&d->mu);
    while (!d->stop && d->wake_seq == *seen)
        if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) != 0)
            break;
    *seen = d->wake_seq;
    bool stop = d->stop;
    pthread_mutex_unlock(&d->mu);
    return stop;
}

static bool stopping(struct rs_dispatcher *d)
{
    pthread_mutex_lock(&d->mu);
    bool s = d->stop;
    pthread_mutex_unlock(&d->mu);
    return s;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void *run(void *arg)
{
    struct worker *w = arg;
    struct rs_dispatcher *d = w->d;
    unsigned seen = 0;
    int64_t ids[MAX_BATCH];
    static __thread struct outcome out[MAX_BATCH];
    while (!stopping(d)) {
        if (w == &d->w[0] && rs_now() >= w->next_beat) {
            /* outside any transaction; a failed one waits for the next */
            enum rs_err be = rs_store_worker_beat(w->s, d->name, rs_now());
            w->next_beat = rs_now() + RS_DISPATCH_BEAT_S;
            if (be != RS_OK && be != RS_ERETRY)
                fprintf(stderr, "dispatch: heartbeat failed: %s\n", rs_store_errmsg(w->s));
        }
        int n = 0;
        int64_t claimed_at = rs_now();
        enum rs_err e = rs_store_begin(w->s);
        if (!e)
            e = rs_store_outbox_claim(w->s, w->owner, claimed_at, d->cfg.lease_s, ids, d->cfg.batch, &n);
        if (!e)
            e = rs_store_commit(w->s);
        else
            rs_store_rollback(w->s);
        if (e) {
            if (e != RS_ERETRY)
                fprintf(stderr, "dispatch: claim failed: %s\n", rs_store_errmsg(w->s));
            n = 0;
        }
        /* conversation replies share the thread: customers waiting for an answer come first */
        uint64_t rs_sent = 0, rs_failed = 0;
        int nr = w->rp ? rs_replies_round(w->rp, w->s, w->ch, d->cfg.lease_s, d->cfg.batch, &rs_sent, &rs_failed) : 0;
        atomic_fetch_add(&d->sent, rs_sent);
        atomic_fetch_add(&d->failed, rs_failed);
        if (n == 0 && nr > 0)
            continue;
        if (n == 0) {
            if (wait_or_stop(d, d->cfg.poll_ms, &seen))
                break;
            continue;
        }
        atomic_fetch_add(&d->claimed, (unsigned long long)n);
        /* in the order they were planned (RETURNING gives no order): an order's earlier message is
         * queued, so sent, first (rs_channels_about) */
        qsort(ids, (size_t)n, sizeof ids[0], cmp_id);
        /* the batch's HTTP sends (SMS, WhatsApp, Web Push, webhooks) go out together, not one after the
         * other: each waits for the provider's answer, a few hundred ms at a real SaaS API.
         * Nothing is started past the middle of the lease: a send still going when it ends would
         * be made again by the dispatcher that retakes the row (a slow provider, a slow SMTP
         * relay at peak); rows not started are left to their lease and retaken then. */
        int64_t start_by = claimed_at + (d->cfg.lease_s + 1) / 2;
        rs_channels_start_by(w->ch, start_by);
        rs_channels_defer(w->ch, true);
        for (int i = 0; i < n; i++) {
            if (rs_now() >= start_by) {
                memset(&out[i], 0, sizeof out[i]);
                out[i].skip = true;
                continue;
            }
            process(w, ids[i], &out[i]);
        }
        rs_channels_defer(w->ch, false);
        rs_channels_flush(w->ch, sent, w);
        /* record the batch; on a busy database try again: the rows are ours until the lease ends */
        for (int tries = 0; tries < 50; tries++) {
            e = rs_store_begin(w->s);
            for (int i = 0; i < n && !e; i++) {
                if (out[i].skip)
                    continue;
                enum rs_err fe = rs_store_outbox_finish(w->s, &out[i].d, rs_now());
                if (fe && fe != RS_ECONFLICT)
                    e = fe; /* ECONFLICT: the lease expired and another took it: its outcome wins */
                if (!fe && out[i].told_shipment) {
                    fe = rs_store_promise_set_told(w->s, out[i].told_shipment, out[i].told_earliest,
                                                   out[i].told_latest, rs_now());
                    if (fe && fe != RS_ENOTFOUND)
                        e = fe;
                }
                for (int k = 0; !e && k < out[i].n_gone_push; k++)
                    if ((fe = rs_store_push_delete(w->s, out[i].gone_push[k])))
                        e = fe;
                if (!e && out[i].sms_optout)
                    e = record_sms_optout(w->s, &out[i]);
            }
            if (!e)
                e = rs_store_commit(w->s);
            else
                rs_store_rollback(w->s);
            if (e != RS_ERETRY)
                break;
            usleep(20000);
        }
        if (e)
            fprintf(stderr, "dispatch: recording outcomes failed: %s\n", rs_store_errmsg(w->s));
        for (int i = 0; i < n; i++) {
            free(out[i].subject);
            free(out[i].body);
            out[i].subject = out[i].body = NULL;
        }
    }
    return NULL;
}

enum rs_err rs_dispatch_start(const struct rs_dispatch_config *cfg, struct rs_dispatcher **out, char *err,
                              size_t errcap)
{
    struct rs_dispatcher *d = calloc(1, sizeof *d);
    if (!d)
        return RS_ENOMEM;
    d->cfg = *cfg;
    snprintf(d->db_url, sizeof d->db_url, "%s", cfg->db_url);
    snprintf(d->base_url, sizeof d->base_url, "%s", cfg->base_url ? cfg->base_url : "http://127.0.0.1:8080");
    d->cfg.db_url = d->db_url;
    d->cfg.base_url = d->base_url;
    if (d->cfg.threads <= 0)
        d->cfg.threads = 2;
    if (d->cfg.batch <= 0 || d->cfg.batch > MAX_BATCH)
        d->cfg.batch = 16;
    if (d->cfg.lease_s <= 0)
        d->cfg.lease_s = 60;
    if (d->cfg.poll_ms <= 0)
        d->cfg.poll_ms = 200;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(d->name, sizeof d->name, "%.40s:%d", cfg->name ? cfg->name : host, (int)getpid());
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->w = calloc((size_t)d->cfg.threads, sizeof *d->w);
    if (!d->w) {
        rs_dispatch_stop(d);
        return RS_ENOMEM;
    }
    for (int i = 0; i < d->cfg.threads; i++) {
        struct worker *w = &d->w[i];
        w->d = d;
        w->rnd = (unsigned)getpid() * 2654435761u + (unsigned)i;
        snprintf(w->owner, sizeof w->owner, "%s/%d", d->name, i);
        enum rs_err e = rs_store_open(d->db_url, 0, &w->s, err, errcap);
        if (e) {
            rs_dispatch_stop(d);
            return e;
        }
        if (!(w->rp = rs_replies_new(w->owner))) {
            rs_dispatch_stop(d);
            return RS_ENOMEM;
        }
        if (!(w->ch = rs_channels_new())) {
            snprintf(err, errcap, "cannot initialise libcurl");
            rs_dispatch_stop(d);
            return RS_ENOMEM;
        }
    }
    for (int i = 0; i < d->cfg.threads; i++) {
        if (pthread_create(&d->w[i].thread, NULL, run, &d->w[i]) != 0) {
            snprintf(err, errcap, "cannot start dispatcher thread");
            rs_dispatch_stop(d);
            return RS_ENOMEM;
        }
        d->n = i + 1;
    }
    *out = d;
    return RS_OK;
}

void rs_dispatch_wake(struct rs_dispatcher *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->wake_seq++;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void rs_dispatch_stop(struct rs_dispatcher *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->n; i++)
        pthread_join(d->w[i].thread, NULL);
    for (int i = 0; d->w && i < d->cfg.threads; i++) {
        struct worker *w = &d->w[i];
        if (w->ch)
            atomic_fetch_add(&d->connects, rs_channels_connects(w->ch));
        settings_release(w);
        rs_locfmt_free(w->lf);
        rs_replies_free(w->rp);
        rs_channels_free(w->ch);
        rs_store_close(w->s);
    }
    free(d->w);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

void rs_dispatch_stats(struct rs_dispatcher *d, struct rs_dispatch_stats *out)
{
    out->sent = atomic_load(&d->sent);
    out->retried = atomic_load(&d->retried);
    out->failed = atomic_load(&d->failed);
    out->claimed = atomic_load(&d->claimed);
    long c = atomic_load(&d->connects);
    for (int i = 0; i < d->n; i++)
        if (d->w[i].ch)
            c += rs_channels_connects(d->w[i].ch);
    out->connects = c;
}
