/* signature.h — verifying that an inbound webhook really comes from its provider.
 *
 * Every check works on the RAW body bytes exactly as received (never re-serialised JSON),
 * compares in constant time (CRYPTO_memcmp) and returns false — never crashes — on a missing,
 * truncated or malformed header or secret. Schemes (header -> what is compared):
 *   Shopify      X-Shopify-Hmac-Sha256      base64(HMAC-SHA256(client secret, body))
 *   WooCommerce  X-WC-Webhook-Signature     base64(HMAC-SHA256(secret, body))
 *   AfterShip    aftership-hmac-sha256      base64(HMAC-SHA256(secret, body))
 *   EasyPost     X-Hmac-Signature           "hmac-sha256-hex=" hex(HMAC-SHA256(NFKD(secret), body))
 *   Shippo       Shippo-Auth-Signature      "t=<unix>,v1=<hex>", hex(HMAC-SHA256(secret,
 *                                           "<t>." body)), |now - t| <= tolerance
 *   Shippo       ?token=<secret> in the URL constant-time string equality (rs_sig_token_equal)
 *   17TRACK      sign                       hex(SHA-256(body "/" api key)) (a hash, not an HMAC)
 * Secrets are NUL-terminated UTF-8. After a secret rotation (Shopify keeps signing with the old
 * one for up to an hour) call the check once per secret. Base64 and hex headers may carry
 * surrounding whitespace; hex is accepted in either case. */
#ifndef RS_SIGNATURE_H
#define RS_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool rs_sig_shopify(const char *secret, const char *body, size_t len, const char *header);
bool rs_sig_woocommerce(const char *secret, const char *body, size_t len, const char *header);
bool rs_sig_aftership(const char *secret, const char *body, size_t len, const char *header);

/* EasyPost: the key is the NFKD normalisation of SECRET (as EasyPost's client libraries do). */
bool rs_sig_easypost(const char *secret, const char *body, size_t len, const char *header);
/* Meta (WhatsApp Cloud API) X-Hub-Signature-256: "sha256=" + hex(HMAC-SHA256(app secret, raw body)). */
bool rs_sig_meta(const char *app_secret, const char *body, size_t len, const char *header);

/* Shippo HMAC: NOW is the current time (epoch s); a timestamp further than TOLERANCE_S from
 * it fails (tolerance_s <= 0 disables the check, for replaying stored deliveries). Several
 * v1= entries may be present (rotation): one match is enough. */
bool rs_sig_shippo(const char *secret, const char *body, size_t len, const char *header,
                   int64_t now, int64_t tolerance_s);

/* Shippo's URL token (or any shared token): constant-time equality; false when either is NULL
 * or empty. */
bool rs_sig_token_equal(const char *expected, const char *given);

/* Rastro's own signature (rastro mail-in → POST /hooks/email/{token}, header
 * X-Rastro-Signature): base64(HMAC-SHA256(secret, body)), the scheme rs_sig_shopify checks.
 * Writes 44 characters and a NUL into OUT; false when SECRET is empty or HMAC failed. */
bool rs_sig_sign_b64(const char *secret, const char *body, size_t len, char out[45]);

/* 17TRACK push: header "sign". */
bool rs_sig_17track(const char *api_key, const char *body, size_t len, const char *header);

/* Parse a Shippo-Auth-Signature header: the t= value and the first v1= hex (64 chars) into
 * V1 (33 bytes incl. NUL). False when malformed. Exposed for tests and the fuzz target. */
bool rs_sig_shippo_header_parse(const char *header, int64_t *t, char v1[65]);

#endif
