/* notify_settings.h — a merchant's notification settings: which triggers go out on which
 * channels, channel order, quiet hours, cap, retries, and the providers (SMTP server, Twilio or
 * Infobip, WhatsApp Cloud API, the merchant's webhook) with their base URLs and credentials.
 *
 * Stored as JSON (docs/notifications.md, "Settings"); parsed and validated here, so a bad
 * setting is refused when it is saved (`rastro notify settings`, PUT /v1/notifications/settings)
 * with a message naming the field, never discovered at send time. */
#ifndef RS_APP_NOTIFY_SETTINGS_H
#define RS_APP_NOTIFY_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/notify_plan.h"

/* WhatsApp's customer-service window: free text only within 24 hours of the customer's last
 * message; outside it, templates (notifications) or another channel (conversation replies). */
#define RS_WA_WINDOW_S (24 * 3600)

enum rs_sms_provider { RS_SMS_NONE = 0, RS_SMS_TWILIO, RS_SMS_INFOBIP };

struct rs_notify_config {
    json_t *root; /* owns every string below */
    struct rs_notify_settings plan;
    struct rs_retry_policy retry;
    const char *timezone;        /* customers' zone for quiet hours; NULL: the merchant's */
    const char *public_base_url; /* tracking links, unsubscribe links, provider callbacks */
    const char *merchant_name;   /* NULL: the merchant's name */
    const char *support_url;
    int timeout_s;               /* per provider request */
    /* email (SMTP through libcurl) */
    const char *smtp_url, *smtp_user, *smtp_password, *email_from, *email_reply_to, *bounce_address;
    int smtp_tls; /* 0 none, 1 try (STARTTLS when offered), 2 required */
    /* SMS */
    enum rs_sms_provider sms_provider;
    const char *sms_base_url, *sms_from, *twilio_sid, *twilio_token, *twilio_msid, *infobip_key;
    int sms_validity_s;
    const char *sms_inbound_token; /* Infobip inbound SMS: the secret last part of the hook URL */
    bool sms_transliterate;
    /* WhatsApp Cloud API */
    bool wa_on;
    const char *wa_base_url, *wa_api_version, *wa_phone_id, *wa_token, *wa_app_secret, *wa_verify_token;
    const char *wa_reply_template; /* approved template for agents' replies after the 24-hour window */
    int wa_mps; /* the number's Cloud API throughput (messages a second): sends are paced to it */
    /* merchant webhook (Standard Webhooks signature) */
    const char *webhook_url;
    unsigned char webhook_key[64];
    int webhook_key_len;
    /* web push (RFC 8030/8291/8292): VAPID key pair (base64url) from "push" or RASTRO_VAPID_* */
    bool push_on;
    unsigned char vapid_private[32], vapid_public[65];
    const char *vapid_subject; /* "mailto:…" or "https://…" */
    int push_ttl_s;
    /* compensation policy: a coupon when a promise is broken by at least after_days_late days */
    bool comp_on;
    int comp_after_days;
    bool comp_percent;         /* else a fixed amount in comp_currency */
    long long comp_value_cents; /* hundredths: 10 % = 1000, 5.00 EUR = 500 */
    const char *comp_currency; /* amount coupons */
    int comp_valid_days;       /* 0 = no expiry */
    const char *comp_prefix;   /* code prefix, [A-Z0-9], e.g. "SORRY" */
    /* template overrides, sectioned format, validated */
    const char *templates_es, *templates_en;
};

/* Parse and validate JSON text. OUT: *cfg (release with rs_notify_config_release). RS_EINVAL
 * with ERR naming the field and the problem. For stored settings (read back to plan and send). */
enum rs_err rs_notify_config_parse(const char *json, struct rs_notify_config *cfg, char *err,
                                   size_t errcap) RS_MUST_CHECK;
/* The same for settings about to be saved (PUT, `rastro notify settings`): also refuses templates
 * that use a variable Rastro does not fill outside its section, and push templates that can
 * outgrow a push message. Those checks are not applied to stored settings: a merchant's settings
 * saved by an earlier release must not stop every notification after an upgrade. */
enum rs_err rs_notify_config_check_new(const char *json, struct rs_notify_config *cfg, char *err,
                                       size_t errcap) RS_MUST_CHECK;
void rs_notify_config_release(struct rs_notify_config *cfg);

#endif
