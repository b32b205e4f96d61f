/* ratelimit.h — token buckets keyed by a short string (a client address), for failed
 * tracking look-ups: each failure takes a token, tokens come back at a steady rate, and a key
 * with no token left is refused (429 with Retry-After) until one is back. So a person who
 * mistypes a few times is never blocked, while guessing codes or second factors is limited to
 * the refill rate. Bounded memory: RS_RL_SLOTS keys; when full, the fullest bucket (the least
 * suspicious client) is forgotten first. A key that is an IPv6 address counts for its whole /64
 * (util/netaddr.h rs_addr_limit_key). Thread-safe. */
#ifndef RS_APP_RATELIMIT_H
#define RS_APP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RS_RL_SLOTS 4096

struct rs_ratelimit;

/* BURST tokens per key, refilled at PER_MINUTE tokens a minute. NULL on out-of-memory. */
struct rs_ratelimit *rs_ratelimit_new(double burst, double per_minute);
void rs_ratelimit_free(struct rs_ratelimit *rl);
/* True when KEY has no token left at NOW_MS; *retry_after (seconds, >= 1) says when one is back. */
bool rs_ratelimit_blocked(struct rs_ratelimit *rl, const char *key, int64_t now_ms, int *retry_after);
/* KEY failed once: take a token. */
void rs_ratelimit_fail(struct rs_ratelimit *rl, const char *key, int64_t now_ms);

/* A limiter whose burst and rate come from the environment variables BURST_VAR and PER_MIN_VAR
 * when they hold a positive number, else BURST and PER_MINUTE. NULL on out-of-memory. */
struct rs_ratelimit *rs_ratelimit_from_env(const char *burst_var, const char *per_min_var, double burst,
                                           double per_minute);

/* The installation's one limiter of failed look-ups and second factors (RASTRO_LOOKUP_BURST at
 * once, RASTRO_LOOKUP_PER_MIN a minute back; 10 and 10 by default), made on first use: the
 * tracking page keys it by client address, the bot by sender ("bot:" + phone or e-mail). Times
 * are rs_mono_ns() milliseconds (rs_ratelimit_now_ms). NULL on out-of-memory. */
struct rs_ratelimit *rs_ratelimit_lookups(void);
int64_t rs_ratelimit_now_ms(void);

#endif
