/* webpush.h — Web Push (RFC 8030) with message encryption (RFC 8291, "aes128gcm" content coding
 * of RFC 8188) and VAPID (RFC 8292), on OpenSSL's EVP: ECDH P-256, HKDF-SHA-256, AES-128-GCM,
 * ES256. ../shared/research/formats.md C5 has the wire format. */
#ifndef RS_NOTIFY_WEBPUSH_H
#define RS_NOTIFY_WEBPUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "notify/channel.h"

#define RS_WEBPUSH_RS 4096          /* record size: one record */
#define RS_WEBPUSH_MAX_PLAIN 3993   /* 4096 - 16 (tag) - 1 (delimiter) - 86 (header) */
#define RS_WEBPUSH_OVERHEAD (86 + 17) /* header (salt, rs, idlen, key) + delimiter + tag */

/* Encrypt PLAIN (LEN ≤ RS_WEBPUSH_MAX_PLAIN) for the subscription keys UA_PUBLIC (65 bytes,
 * uncompressed P-256) and AUTH (16 bytes) into OUT (CAP ≥ LEN + RS_WEBPUSH_OVERHEAD): the
 * aes128gcm body = salt ‖ rs ‖ idlen ‖ as_public ‖ ciphertext. AS_PRIVATE/AS_PUBLIC (32/65
 * bytes) and SALT (16) are for tests (RFC 8291 Appendix A); NULL draws a fresh key pair and salt,
 * as every real message must. OUT: *out_len. RS_EINVAL for bad keys or sizes. */
enum rs_err rs_webpush_encrypt(const unsigned char ua_public[65], const unsigned char auth[16],
                               const unsigned char *plain, size_t len, const unsigned char *as_private,
                               const unsigned char *as_public, const unsigned char *salt, unsigned char *out,
                               size_t cap, size_t *out_len) RS_MUST_CHECK;

/* A subscription's endpoint Rastro will send to: an https URL of at most RS_WEBPUSH_MAX_ENDPOINT
 * bytes whose host, as libcurl reads it, is not this machine or a non-public address written
 * literally: false for "localhost" (and *.localhost, trailing dots or capitals or not), an IPv4
 * literal in any form ("127.1", "2130706433", "0x7f.0.0.1"), an [IPv6] literal that is not
 * public or has a zone, a user name or password, no host. A host name is true here: what it
 * resolves to is checked when the worker connects (channel_priv.h). */
#define RS_WEBPUSH_MAX_ENDPOINT 1024
bool rs_webpush_endpoint_ok(const char *endpoint);

/* The Authorization header value "vapid t=<JWT>, k=<public key>" for ENDPOINT (aud = its origin),
 * SUBJECT (sub) and EXP (epoch s), signed ES256 with the key pair PRIV (32) / PUB (65).
 * RS_EINVAL for a bad endpoint or key. */
enum rs_err rs_vapid_header(const unsigned char priv[32], const unsigned char pub[65], const char *endpoint,
                            const char *subject, int64_t exp, char *out, size_t cap) RS_MUST_CHECK;

/* Verify the ES256 JWT of a VAPID header against its k= key (tests; RFC 8292 §2.4's example).
 * RS_OK when valid, RS_EREJECTED when not, RS_EINVAL when unreadable. */
enum rs_err rs_vapid_verify(const char *header) RS_MUST_CHECK;

/* The RFC 8030 §5.3 Urgency of a push message about TRIGGER: "high" for what the customer must
 * hear at once (out_for_delivery, courier_nearby, attempt_failed), "normal" otherwise. */
const char *rs_webpush_urgency(enum rs_trigger trigger);

/* The RFC 8030 §5.2 TTL of a push message about TRIGGER under the merchant's TTL_S: no longer
 * than the news is worth telling (the planner's stale limits: courier_nearby 1 h,
 * out_for_delivery 12 h), so a phone that comes back online the next morning is not told that
 * the courier is nearby. */
int rs_webpush_ttl(enum rs_trigger trigger, int ttl_s);

/* The push message as the service worker reads it, before encryption: compact JSON {title, body,
 * url, lang} (URL may be NULL; the others NULL = ""). Malloc'd (free it); NULL on no memory. It
 * must be at most RS_WEBPUSH_MAX_PLAIN bytes to be sent. Shared by rs_send_push and the
 * settings' check of push templates, so both measure the same bytes. */
char *rs_webpush_message(const char *title, const char *body, const char *url, const char *lang);

/* One push subscription: its endpoint and its keys P256DH and AUTH (base64url). */
struct rs_push_target {
    const char *endpoint, *p256dh, *auth;
};

/* POST the rendered push message of M (title, body, url as JSON) to the subscriptions SUBS[0..N)
 * in that order (the customer's newest first) until one is not gone: each request encrypted to
 * its subscription, with its own VAPID token (aud = its origin), TTL, Urgency, Topic and
 * Content-Encoding: aes128gcm. A 404/410 answer says the subscription is gone: res->push_gone
 * counts them (the caller deletes SUBS[0..push_gone)) and the next one is tried. Outcome as
 * channel.h, of the last subscription tried (404/410: RS_EREJECTED with http_status kept). In
 * deferred mode (rs_channels_defer) all N requests are built now and queued: the flush sends the
 * next only when the one before is gone. */
enum rs_err rs_send_push(struct rs_channels *ch, const struct rs_msg *m, const struct rs_push_target *subs, int n,
                         const char *url, struct rs_send_result *res) RS_MUST_CHECK;

#endif
