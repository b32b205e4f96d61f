/* keys.h — merchant API keys: "rk_" + 8-character public id + "_" + 32 secret characters
 * (base 32, 160 secret bits from the CSPRNG). Only the SHA-256 of a key is stored; a key is shown once,
 * when created. SHA-256 (not a slow KDF) is right here: the key is random and long, so it
 * cannot be guessed from its hash, and every request must check one fast. */
#ifndef RS_APP_KEYS_H
#define RS_APP_KEYS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define RS_KEY_LEN 45 /* "rk_" + 8 + "_" + 32 + NUL */

/* Parse "ingest,read,admin" (or "quote": a publishable key that can only ask for delivery
 * windows) into scope bits. RS_EINVAL on an unknown name. */
enum rs_err rs_scopes_parse(const char *list, unsigned *scopes) RS_MUST_CHECK;
/* "ingest,read,admin" for SCOPES into OUT (at least 32 bytes). */
void rs_scopes_format(unsigned scopes, char *out, int cap);

/* Create a merchant with a first key; inside a transaction. OUT: *merchant_id, KEY (plain). */
enum rs_err rs_app_merchant_create(struct rs_store *s, const char *name, unsigned scopes, int64_t now,
                                   int64_t *merchant_id, char key[RS_KEY_LEN]) RS_MUST_CHECK;
/* A new key for an existing merchant. */
enum rs_err rs_app_key_create(struct rs_store *s, int64_t merchant_id, unsigned scopes, int64_t now,
                              char key[RS_KEY_LEN]) RS_MUST_CHECK;
/* SHA-256 of a presented key. */
void rs_key_hash(const char *key, unsigned char out[32]);

#define RS_KEY_ID_LEN 12 /* "rk_" + 8 + NUL: the public part of a key, shown in listings */
/* The key id of IN, which is a key id ("rk_xxxxxxxx") or a whole key; false when it is neither. */
bool rs_key_id_of(const char *in, char out[RS_KEY_ID_LEN]);
/* The store's key rows (rs_store_apikey_list) for people: scope names instead of bits, times as
 * RFC 3339 UTC. ROWS is changed in place and returned. */
json_t *rs_app_keys_json(json_t *rows);

#endif
