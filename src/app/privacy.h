/* privacy.h — a customer's data: export, erase (`rastro customer export|erase`,
 * GET /v1/customers/export, POST /v1/customers/erase) and the retention sweep of transcripts and
 * the inbound webhook log (docs/privacy.md). The storage side is store/store_privacy.h. */
#ifndef RS_APP_PRIVACY_H
#define RS_APP_PRIVACY_H

#include <jansson.h>
#include <stdint.h>

#include "app/ingest.h"
#include "app/writer.h"
#include "core/err.h"
#include "store/store.h"

#define RS_PRIVACY_RETENTION_DAYS 365 /* transcripts, when support settings say nothing */
#define RS_PRIVACY_INBOUND_DAYS 30    /* inbound webhook log rows */

/* Who to look for, normalised as the write path stores it (lower-case e-mail, E.164 phone).
 * RS_EINVAL with ERR ("missing_field" / "invalid_field") when neither is given, both are, or
 * the one given is malformed. */
struct rs_privacy_who {
    char email[256], phone[24]; /* "" = not given */
};
enum rs_err rs_app_privacy_who(const char *email, const char *phone, struct rs_privacy_who *who,
                               struct rs_app_error *err) RS_MUST_CHECK;

/* The export document (store_privacy.h) with "exported_at" and "webhook_payloads": the raw
 * webhook payloads still kept that hold one of the person's orders (or a shipment of one), as
 * their provider's adapter reads them (docs/privacy.md). RS_ENOTFOUND: nobody matches. */
enum rs_err rs_app_privacy_export(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                  int64_t now, json_t **out) RS_MUST_CHECK;

/* Erase, inside the caller's transaction; the webhook payloads of the export are dropped too.
 * OUT: {"erased_at","changed":{table: rows}}. RS_ENOTFOUND: nobody matches (nothing written). */
enum rs_err rs_app_privacy_erase(struct rs_store *s, int64_t merchant_id, const struct rs_privacy_who *who,
                                 int64_t now, json_t **out) RS_MUST_CHECK;

/* One retention sweep (inside the caller's transaction): transcripts and copies of the
 * notifications sent, per merchant (support_settings "retention_days", default
 * RS_PRIVACY_RETENTION_DAYS), inbound log rows older than INBOUND_DAYS (<= 0: keep) and the
 * raw payloads older than RS_INBOUND_KEEP_S. Logs what it deleted to stderr when anything. */
enum rs_err rs_app_privacy_sweep(struct rs_store *s, int64_t now, int inbound_days) RS_MUST_CHECK;

/* The inbound retention the server runs with: $RASTRO_INBOUND_DAYS when a number, else
 * RS_PRIVACY_INBOUND_DAYS. */
int rs_app_privacy_inbound_days(void);

#endif
