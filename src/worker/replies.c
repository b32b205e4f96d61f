/* replies.c — sending conversation replies (see replies.h). */
#include "worker/replies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/notify_settings.h"
#include "core/tpl.h"
#include "store/store_conv.h"
#include "store/store_notify.h"
#include "store/store_page.h"
#include "util/timefmt.h"

#define MAX_BATCH 64

struct rs_replies {
    char owner[96];
    /* settings cache (one merchant) */
    int64_t merchant_id;
    char *cfg_text;
    struct rs_notify_config cfg;
    bool cfg_ok;
    char merchant_name[201];
    unsigned rnd;
};

struct outcome {
    int64_t id;
    bool skip;
    char state[16];
    int attempts;
    int64_t next_at;
    char provider_id[128];
    char error[300];
    char channel[16]; /* the channel it went by instead of the conversation's, or "" */
    /* the SMS provider says the number opted out (Twilio 21610): recorded like their STOP */
    int64_t optout_merchant_id;
    char optout_phone[24];
};

struct rs_replies *rs_replies_new(const char *owner)
{
    struct rs_replies *rp = calloc(1, sizeof *rp);
    if (rp) {
        snprintf(rp->owner, sizeof rp->owner, "%s", owner);
        rp->rnd = (unsigned)getpid() ^ (unsigned)(uintptr_t)rp;
    }
    return rp;
}

static void settings_release(struct rs_replies *rp)
{
    if (rp->cfg_ok)
        rs_notify_config_release(&rp->cfg);
    rp->cfg_ok = false;
    free(rp->cfg_text);
    rp->cfg_text = NULL;
}

void rs_replies_free(struct rs_replies *rp)
{
    if (!rp)
        return;
    settings_release(rp);
    free(rp);
}

static const struct rs_notify_config *settings_for(struct rs_replies *rp, struct rs_store *s, int64_t merchant_id,
                                                   char *why, size_t cap)
{
    struct rs_notify_merchant m;
    enum rs_err e = rs_store_notify_merchant(s, merchant_id, &m);
    if (e) {
        snprintf(why, cap, "merchant settings unreadable: %s", rs_err_name(e));
        return NULL;
    }
    if (!m.config) {
        snprintf(why, cap, "notifications are not configured for this merchant: no channel to reply on");
        return NULL;
    }
    if (rp->cfg_text && rp->merchant_id == merchant_id && strcmp(rp->cfg_text, m.config) == 0) {
        free(m.config);
        if (!rp->cfg_ok)
            snprintf(why, cap, "the merchant's notification settings are invalid");
        return rp->cfg_ok ? &rp->cfg : NULL;
    }
    settings_release(rp);
    rp->merchant_id = merchant_id;
    rp->cfg_text = m.config;
    snprintf(rp->merchant_name, sizeof rp->merchant_name, "%s", m.name);
    char err[256];
    rp->cfg_ok = rs_notify_config_parse(rp->cfg_text, &rp->cfg, err, sizeof err) == RS_OK;
    if (!rp->cfg_ok)
        snprintf(why, cap, "the merchant's notification settings are invalid: %.200s", err);
    return rp->cfg_ok ? &rp->cfg : NULL;
}

/* The e-mail's HTML part: the text, escaped, line breaks kept. */
static enum rs_err email_html(const char *body, char *out, size_t cap)
{
    static const char *const names[] = {"body"};
    static const char src[] = "<div style=\"font-family:Arial,Helvetica,sans-serif;white-space:pre-wrap\">{{body}}</div>";
    struct rs_tpl_op ops[8];
    struct rs_tpl tpl;
    enum rs_err e = rs_tpl_compile(src, sizeof src - 1, 1, names, 1, 0, ops, 8, &tpl, NULL);
    if (e)
        return e;
    const char *v[1] = {body};
    size_t n;
    return rs_tpl_render(&tpl, v, RS_TPL_HTML, NULL, out, cap, &n);
}

/* Send BODY as an e-mail with SUBJECT (text and HTML parts, in R, MSG's rendering) to MSG's
 * address. */
static enum rs_err send_email_reply(struct rs_channels *ch, struct rs_msg *msg, struct rs_rendered *r,
                                    const char *subject, const char *body, struct rs_send_result *res)
{
    static __thread char html[3 * 4096 + 256];
    r->channel = RS_CH_EMAIL;
    r->part[RS_TPART_EMAIL_SUBJECT] = subject;
    r->part[RS_TPART_EMAIL_TEXT] = body;
    if (email_html(body, html, sizeof html) != RS_OK) {
        snprintf(res->error, sizeof res->error, "the reply is too long for an e-mail");
        return RS_EINVAL;
    }
    r->part[RS_TPART_EMAIL_HTML] = html;
    return rs_send_email(ch, msg, res);
}

/* The reply as one WhatsApp template parameter: WhatsApp refuses a parameter with a line
 * break, a tab or more than four spaces in a row, so blanks become one space. False when it
 * is longer than MAX_WA_REPLY_PARAM bytes (the template's whole body may have 1,024
 * characters). */
#define MAX_WA_REPLY_PARAM 900
static bool wa_reply_param(const char *body, char out[MAX_WA_REPLY_PARAM + 1])
{
    size_t n = 0;
    bool blank = false;
    for (const char *c = body; *c; c++) {
        if (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t') {
            blank = n > 0;
            continue;
        }
        if (n + (blank ? 2 : 1) > MAX_WA_REPLY_PARAM)
            return false;
        if (blank)
            out[n++] = ' ';
        blank = false;
        out[n++] = *c;
    }
    out[n] = '\0';
    return n > 0;
}

/* A WhatsApp reply after the customer-service window (24 hours after the customer's last
 * message), when WhatsApp takes no free text: as the merchant's approved reply template
 * (whatsapp.reply_template: parameter 1 the shop's name, 2 the reply) when there is one and
 * the reply fits it, which keeps the customer on WhatsApp and reopens the window when they
 * answer; else by e-mail to the known customer, else by SMS to the same number, unless they
 * opted out of it or the merchant has no such channel. Sets O->channel to the one used
 * instead of WhatsApp. */
static enum rs_err whatsapp_closed(struct rs_channels *ch, const struct rs_notify_config *cfg,
                                   const struct rs_reply_job *job, struct rs_msg *msg, struct rs_rendered *r,
                                   struct outcome *o, struct rs_send_result *res)
{
    static __thread char subject[300], param[MAX_WA_REPLY_PARAM + 1];
    bool es = strcmp(msg->lang, "es") == 0;
    char tpl_why[220] = "";
    if (cfg->wa_reply_template && wa_reply_param(job->body, param)) {
        r->part[RS_TPART_WA_TEMPLATE] = cfg->wa_reply_template;
        r->wa_params[0] = msg->merchant_name;
        r->wa_params[1] = param;
        r->n_wa_params = 2;
        msg->wa_session = false;
        enum rs_err e = rs_send_whatsapp(ch, msg, res);
        if (e == RS_OK || e == RS_ERETRY)
            return e;
        /* refused for good (say, the template is not approved): the customer still gets it */
        snprintf(tpl_why, sizeof tpl_why, "; template %.30s refused: %.80s",
                 cfg->wa_reply_template, res->error);
        memset(res, 0, sizeof *res);
        res->retry_after_s = -1;
        r->part[RS_TPART_WA_TEMPLATE] = NULL;
        r->n_wa_params = 0;
    } else if (cfg->wa_reply_template) {
        snprintf(tpl_why, sizeof tpl_why, "; too long for the reply template (at most %d bytes)",
                 MAX_WA_REPLY_PARAM);
    }
    if (job->customer_email[0] && !job->optout_email && cfg->smtp_url && cfg->email_from) {
        snprintf(o->channel, sizeof o->channel, "email");
        char ref[24] = "", tag[28] = "";
        if (job->incident_id) { /* "[INC-000012] ": as every e-mail about an incident */
            rs_incident_reference(job->incident_id, ref);
            snprintf(tag, sizeof tag, "[%s] ", ref);
        }
        snprintf(subject, sizeof subject, "%s%s: %.220s", tag,
                 es ? "Respuesta a tu mensaje de WhatsApp" : "Reply to your WhatsApp message", msg->merchant_name);
        msg->to_email = job->customer_email;
        return send_email_reply(ch, msg, r, subject, job->body, res);
    }
    if (job->phone[0] && !job->optout_sms && cfg->sms_provider != RS_SMS_NONE) {
        snprintf(o->channel, sizeof o->channel, "sms");
        r->channel = RS_CH_SMS;
        r->part[RS_TPART_SMS_TEXT] = job->body;
        msg->wa_session = false;
        return rs_send_sms(ch, msg, res);
    }
    snprintf(res->error, sizeof res->error,
             "the customer's last WhatsApp message is older than 24 hours (no free text allowed) and there is no "
             "e-mail or SMS to send the reply by (none known, opted out, or not set up)%.125s",
             tpl_why);
    return RS_EREJECTED;
}

/* The subject of an e-mail reply: "Re: " the conversation's subject, else the shop's name. A
 * message about an incident (its notices) carries the incident's reference, so the customer sees
 * which one it is and a reply whose client drops In-Reply-To still names it (app/conv.c):
 * "Re: [INC-000012] <subject>", or "[INC-000012] Tu incidencia con <shop>" / "Your incident
 * with <shop>" when the conversation has no subject. */
static void email_subject(const struct rs_reply_job *job, const char *lang, const char *merchant, char *out,
                          size_t cap)
{
    const char *subj = job->subject;
    if (!job->incident_id) {
        if (subj[0])
            snprintf(out, cap, "%s%.250s", strncasecmp(subj, "re:", 3) == 0 ? "" : "Re: ", subj);
        else
            snprintf(out, cap, "Re: %.250s", merchant);
        return;
    }
    char ref[24];
    rs_incident_reference(job->incident_id, ref);
    if (!subj[0]) {
        snprintf(out, cap, strcmp(lang, "en") == 0 ? "[%s] Your incident with %.200s" : "[%s] Tu incidencia con %.200s",
                 ref, merchant);
        return;
    }
    const char *base = subj;
    while (strncasecmp(base, "re:", 3) == 0) { /* one "Re: ", not "Re: Re: " */
        base += 3;
        while (*base == ' ')
            base++;
    }
    if (strcasestr(base, ref))
        snprintf(out, cap, "Re: %.250s", base);
    else
        snprintf(out, cap, "Re: [%s] %.230s", ref, base);
}

static void process(struct rs_replies *rp, struct rs_store *s, struct rs_channels *ch, int64_t id, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->id = id;
    struct rs_reply_job job;
    if (rs_store_reply_load(s, id, &job) != RS_OK) {
        o->skip = true;
        return;
    }
    if (strcmp(job.state, "sending") != 0) {
        free(job.body);
        o->skip = true;
        return;
    }
    int64_t now = rs_now();
    o->attempts = job.attempts + 1;
    o->next_at = now;
    /* web chat (the page reads the conversation) and phone (said on the call): nothing to send */
    if (strcmp(job.channel, "webchat") == 0 || strcmp(job.channel, "phone") == 0) {
        snprintf(o->state, sizeof o->state, "sent");
        free(job.body);
        return;
    }
    char why[300] = "";
    enum rs_err e = RS_EINVAL;
    struct rs_send_result res;
    memset(&res, 0, sizeof res);
    res.retry_after_s = -1;
    const struct rs_notify_config *cfg = settings_for(rp, s, job.merchant_id, why, sizeof why);
    if (cfg) {
        static __thread char subject[300];
        struct rs_rendered r;
        memset(&r, 0, sizeof r);
        struct rs_msg msg = {
            .cfg = cfg,
            .merchant_id = job.merchant_id,
            .outbox_id = job.id,
            .merchant_name = cfg->merchant_name ? cfg->merchant_name : rp->merchant_name,
            .to_name = job.name,
            .to_email = job.email,
            .to_phone = job.phone,
            .lang = strcmp(job.locale, "en") == 0 ? "en" : "es",
            .r = &r,
            .now = now,
            .ref_prefix = "msg",
            .in_reply_to = job.in_reply_to[0] ? job.in_reply_to : NULL,
        };
        if (strcmp(job.channel, "sms") == 0) {
            r.channel = RS_CH_SMS;
            r.part[RS_TPART_SMS_TEXT] = job.body;
            e = rs_send_sms(ch, &msg, &res);
        } else if (strcmp(job.channel, "whatsapp") == 0) {
            r.channel = RS_CH_WHATSAPP;
            r.part[RS_TPART_WA_TEXT] = job.body;
            msg.wa_session = true;
            if (!job.wa_last_inbound || now - job.wa_last_inbound >= RS_WA_WINDOW_S)
                e = whatsapp_closed(ch, cfg, &job, &msg, &r, o, &res); /* no free text outside the window */
            else
                e = rs_send_whatsapp(ch, &msg, &res);
        } else if (strcmp(job.channel, "email") == 0) {
            email_subject(&job, msg.lang, msg.merchant_name, subject, sizeof subject);
            e = send_email_reply(ch, &msg, &r, subject, job.body, &res);
        } else {
            snprintf(res.error, sizeof res.error, "channel %s cannot be sent", job.channel);
            e = RS_EINVAL;
        }
        if (e && o->channel[0]) /* the fallback failed: say which one */
            snprintf(why, sizeof why, "WhatsApp's 24-hour window had closed; by %s instead: %.200s",
                     strcmp(o->channel, "email") == 0 ? "e-mail" : "SMS", res.error);
        else
            snprintf(why, sizeof why, "%s", res.error);
    }
    if (e == RS_EREJECTED && res.opted_out) {
        o->optout_merchant_id = job.merchant_id;
        snprintf(o->optout_phone, sizeof o->optout_phone, "%s", job.phone);
    }
    free(job.body);
    if (e == RS_OK) {
        snprintf(o->state, sizeof o->state, "sent");
        snprintf(o->provider_id, sizeof o->provider_id, "%s", res.provider_id);
        return;
    }
    snprintf(o->error, sizeof o->error, "%s", why[0] ? why : rs_err_name(e));
    /* the notifications' retry policy on one channel (a reply goes where the agent sent it, so
       no fallback and the item's channel does not matter): backoff with jitter, never before
       the provider's Retry-After, and a Retry-After past retry.max_retry_after_s fails the reply
       at once so the agent sees it instead of the customer waiting hours */
    struct rs_retry_policy pol = cfg ? cfg->retry : (struct rs_retry_policy){30, 3600, 6, 3600};
    struct rs_planned item = {.channel = RS_CH_EMAIL};
    struct rs_retry_decision dec;
    rp->rnd = rp->rnd * 1103515245u + 12345u;
    rs_retry_next(&pol, &item, 0, o->attempts, e != RS_ERETRY, res.retry_after_s, rp->rnd, &dec);
    if (dec.action == RS_RETRY_AGAIN) {
        snprintf(o->state, sizeof o->state, "queued");
        o->next_at = now + dec.delay_s;
        return;
    }
    if (e == RS_ERETRY && res.retry_after_s > pol.max_retry_after_s)
        snprintf(o->error, sizeof o->error, "%.200s (the provider asked to wait %lld s, more than "
                 "retry.max_retry_after_s)", why[0] ? why : rs_err_name(e), (long long)res.retry_after_s);
    snprintf(o->state, sizeof o->state, "failed");
}

int rs_replies_round(struct rs_replies *rp, struct rs_store *s, struct rs_channels *ch, int lease_s, int batch,
                     uint64_t *sent, uint64_t *failed)
{
    int64_t ids[MAX_BATCH];
    static __thread struct outcome out[MAX_BATCH];
    if (batch <= 0 || batch > MAX_BATCH)
        batch = 16;
    int n = 0;
    enum rs_err e = rs_store_begin(s);
    if (!e)
        e = rs_store_reply_claim(s, rp->owner, rs_now(), lease_s, ids, batch, &n);
    if (!e)
        e = rs_store_commit(s);
    else
        rs_store_rollback(s);
    if (e) {
        if (e != RS_ERETRY)
            fprintf(stderr, "replies: claim failed: %s\n", rs_store_errmsg(s));
        return e == RS_ERETRY ? 0 : -1;
    }
    if (n == 0)
        return 0;
    for (int i = 0; i < n; i++)
        process(rp, s, ch, ids[i], &out[i]);
    for (int tries = 0; tries < 50; tries++) {
        e = rs_store_begin(s);
        for (int i = 0; i < n && !e; i++) {
            if (out[i].skip)
                continue;
            enum rs_err fe = rs_store_reply_finish(s, out[i].id, rp->owner, out[i].state, out[i].attempts,
                                                   out[i].next_at, out[i].provider_id[0] ? out[i].provider_id : NULL,
                                                   out[i].error[0] ? out[i].error : NULL,
                                                   /* only a sent reply changes its channel: a retry decides again */
                                                   strcmp(out[i].state, "sent") == 0 && out[i].channel[0]
                                                       ? out[i].channel
                                                       : NULL,
                                                   rs_now());
            if (fe && fe != RS_ECONFLICT) /* ECONFLICT: the lease ended and another took it */
                e = fe;
            int changed = 0;
            if (!e && out[i].optout_phone[0])
                e = rs_store_notify_optout_phone(s, out[i].optout_merchant_id, out[i].optout_phone, "sms",
                                                 "twilio_21610", rs_now(), &changed);
        }
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
        if (e != RS_ERETRY)
            break;
        usleep(20000);
    }
    if (e) {
        fprintf(stderr, "replies: recording outcomes failed: %s\n", rs_store_errmsg(s));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (out[i].skip)
            continue;
        if (sent && strcmp(out[i].state, "sent") == 0)
            (*sent)++;
        if (failed && strcmp(out[i].state, "failed") == 0)
            (*failed)++;
    }
    return n;
}
