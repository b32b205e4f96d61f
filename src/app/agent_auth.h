/* agent_auth.h — the secrets of the agent console (docs/console.md):
 *
 * Passwords are hashed with Argon2id (RFC 9106, Debian's libargon2) into a PHC string
 * ("$argon2id$v=19$m=65536,t=3,p=1$salt$hash") that carries its own parameters, so raising the
 * cost later keeps old hashes verifiable. Production cost: 64 MiB, 3 passes, 1 lane (RFC 9106's
 * second recommended option is 64 MiB/t=3); RASTRO_ARGON2_MEMORY_KIB and RASTRO_ARGON2_ITERATIONS
 * lower it for tests. Verification is the library's (constant-time comparison); at most
 * RS_KDF_CONCURRENCY hashes run at once so a burst of logins cannot take 64 MiB each without
 * bound. An unknown e-mail costs the same work as a wrong password (a dummy hash is verified).
 *
 * Session tokens are 256 random bits (OpenSSL's CSPRNG) in base64url, 43 characters; only
 * their SHA-256 is stored. CSRF tokens are another 256 random bits per session, compared in
 * constant time. The Origin/Referer check accepts the server's public base URL or the Host
 * the browser asked for. */
#ifndef RS_APP_AGENT_AUTH_H
#define RS_APP_AGENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RS_PHC_MAX 160          /* an encoded argon2id hash fits */
#define RS_TOKEN_LEN 44         /* 43 base64url characters + NUL */
#define RS_PASSWORD_MIN 10      /* shortest password accepted at creation */
#define RS_PASSWORD_MAX 1024    /* longer input is refused before hashing */
#define RS_KDF_CONCURRENCY 2

struct rs_kdf_params {
    uint32_t m_kib;      /* memory, KiB */
    uint32_t t_cost;     /* passes */
    uint32_t lanes;
};
/* 64 MiB, t=3, 1 lane, unless RASTRO_ARGON2_MEMORY_KIB / RASTRO_ARGON2_ITERATIONS say otherwise
 * (clamped to at least 8 KiB and 1 pass). */
void rs_kdf_params_get(struct rs_kdf_params *p);

/* Hash PASSWORD (fresh 16-byte salt) into OUT as a PHC string. RS_EINVAL when the password is
 * too long, RS_ENOMEM/RS_EINTERNAL when the library fails. */
enum rs_err rs_password_hash(const char *password, const struct rs_kdf_params *p, char out[RS_PHC_MAX]) RS_MUST_CHECK;
/* True when PASSWORD matches PHC (argon2id only). PHC NULL: verify against a dummy hash of the
 * current parameters and return false (so an unknown account takes as long as a known one). */
bool rs_password_verify(const char *phc, const char *password);
/* A password to print to the operator: 20 base32 characters (100 bits). */
void rs_password_generate(char out[21]);

/* A new session token and its SHA-256. RS_EIO when the CSPRNG fails. */
enum rs_err rs_token_new(char out[RS_TOKEN_LEN]) RS_MUST_CHECK;
/* SHA-256 of TOKEN; false when TOKEN is not 43 base64url characters (never looked up then). */
bool rs_token_hash(const char *token, unsigned char hash[32]);
/* Constant-time comparison of two tokens (false when either is NULL, empty or lengths differ). */
bool rs_token_equal(const char *a, const char *b);

/* The value of cookie NAME in a Cookie header (RFC 6265 "a=b; c=d") into OUT; false when absent
 * or longer than CAP-1. */
bool rs_cookie_get(const char *header, const char *name, char *out, size_t cap);

/* Does a state-changing request come from our own pages? ORIGIN (else REFERER) must be the
 * origin of BASE_URL ("https://shop.example" without path) or "http(s)://HOST". Both absent:
 * refused. */
bool rs_origin_ok(const char *origin, const char *referer, const char *base_url, const char *host);

#endif
