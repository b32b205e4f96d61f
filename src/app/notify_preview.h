/* notify_preview.h — what a notification of an order would look like, without sending it:
 * rendered subject/text/HTML (email), text with its encoding and segment count (SMS), session
 * text or template name and parameters (WhatsApp). Used by POST /v1/notifications/preview and
 * `rastro notify preview`. Reads only. */
#ifndef RS_APP_NOTIFY_PREVIEW_H
#define RS_APP_NOTIFY_PREVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "app/ingest.h"
#include "store/store.h"

/* LOCALE may be NULL (the customer's, else the merchant's). OUT: new JSON object.
 * RS_ENOTFOUND (order), RS_EINVAL with ERR (unknown trigger/channel/locale, broken template). */
enum rs_err rs_app_notify_preview(struct rs_store *s, int64_t merchant_id, const char *order_ref,
                                  const char *trigger, const char *channel, const char *locale,
                                  const char *base_url, json_t **out, struct rs_app_error *err) RS_MUST_CHECK;

#endif
