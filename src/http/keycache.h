/* keycache.h — a small in-process cache of API key lookups, so an authenticated request does not
 * read the database for its key: the answer for a key hash (merchant, scopes) is kept for
 * RS_KEYCACHE_TTL_NS. Only keys found valid are cached; a revoked key stops working within the
 * TTL. Thread-safe. */
#ifndef RS_HTTP_KEYCACHE_H
#define RS_HTTP_KEYCACHE_H

#include <stdbool.h>
#include <stdint.h>

#define RS_KEYCACHE_TTL_NS (5ull * 1000000000ull)

/* True and *merchant_id, *scopes when HASH was stored less than the TTL before NOW_NS. */
bool rs_keycache_get(const unsigned char hash[32], uint64_t now_ns, int64_t *merchant_id, unsigned *scopes);
/* Remember a valid key's answer at NOW_NS (replaces whatever shared its slot). */
void rs_keycache_put(const unsigned char hash[32], uint64_t now_ns, int64_t merchant_id, unsigned scopes);
/* Forget every cached key of MERCHANT_ID (after a key of it was revoked through this server: it
 * stops working at once; a revocation by another process waits for the TTL). */
void rs_keycache_forget_merchant(int64_t merchant_id);

#endif
