/* routes.h — handler signature and the handlers of the one route table (routes.c). */
#ifndef RS_ROUTES_H
#define RS_ROUTES_H

#include "http/http.h"

typedef void rs_handler_fn(struct rs_req *r);

rs_handler_fn rs_api_healthz, rs_api_metrics, rs_api_openapi, rs_api_merchant_me, rs_api_cors_preflight;
rs_handler_fn rs_api_keys_get, rs_api_keys_post, rs_api_keys_delete;
rs_handler_fn rs_api_order_post, rs_api_order_get;
rs_handler_fn rs_api_shipment_post, rs_api_shipment_get, rs_api_shipment_delete;
rs_handler_fn rs_api_events_post;
rs_handler_fn rs_api_track_get, rs_page_track;
rs_handler_fn rs_hook_post, rs_hook_generic_api, rs_api_integration_put, rs_api_integration_list;
rs_handler_fn rs_api_inbound_list, rs_api_inbound_get, rs_api_inbound_replay, rs_api_carrier_detect;

/* Carrier candidates for a tracking number as JSON (api_hooks.c); *best: a confident guess or NULL. */
json_t *rs_carrier_candidates_json(const char *tracking_number, const char **best);
rs_handler_fn rs_api_order_notifications, rs_api_notification_preview, rs_api_notification_resend, rs_api_order_coupons;
rs_handler_fn rs_api_notify_settings_get, rs_api_notify_settings_put;
rs_handler_fn rs_hook_twilio_status, rs_hook_twilio_sms, rs_hook_whatsapp_verify, rs_hook_whatsapp, rs_hook_infobip;
/* api_conv.c (and the Infobip inbound SMS hook in api_notify.c) */
rs_handler_fn rs_api_conv_list, rs_api_conv_get, rs_api_conv_message, rs_api_conv_note, rs_api_conv_assign,
    rs_api_conv_close, rs_hook_infobip_sms;
rs_handler_fn rs_page_unsubscribe_get, rs_page_unsubscribe_post;
rs_handler_fn rs_api_promise_get, rs_api_promise_settings_get, rs_api_promise_settings_put;
/* tracking page, self-service and its merchant API (page_*.c, api_page.c) */
rs_handler_fn rs_page_updates_post, rs_page_push_post, rs_page_report_post, rs_page_stream, rs_page_verify_post;
/* api_channels.c: e-mail (rastro mail-in), logged phone calls, the tracking page's web chat */
rs_handler_fn rs_hook_email, rs_api_call_post, rs_page_chat_get, rs_page_chat_post;
rs_handler_fn rs_page_lookup_get, rs_page_lookup_post, rs_page_static, rs_page_sw;
rs_handler_fn rs_api_branding_get, rs_api_branding_put, rs_api_faq_get, rs_api_faq_put;
rs_handler_fn rs_api_promotion_get, rs_api_promotion_put;
rs_handler_fn rs_api_incident_post, rs_api_incident_list, rs_api_incident_get, rs_api_incident_patch;
/* the agent console (console.c, console_pages.c, console_actions.c) */
rs_handler_fn rs_console_home, rs_console_login_get, rs_console_login_post, rs_console_logout, rs_console_lang;
rs_handler_fn rs_console_conversation, rs_console_conversation_last, rs_console_incident;
rs_handler_fn rs_console_take, rs_console_release, rs_console_assign, rs_console_close, rs_console_reopen;
rs_handler_fn rs_console_reply, rs_console_phone, rs_console_incident_new;
rs_handler_fn rs_console_incident_state, rs_console_incident_take, rs_console_incident_resolve;
rs_handler_fn rs_api_customer_export, rs_api_customer_export_post, rs_api_customer_erase;
/* incident workflow, agent/API coupons and support settings (api_incident.c) */
rs_handler_fn rs_api_incident_note_post, rs_api_order_coupon_post, rs_api_support_settings_get,
    rs_api_support_settings_put;

/* Names of the routes ("POST /v1/events") for metrics. */
const char *const *rs_route_names(int *n);

#endif
