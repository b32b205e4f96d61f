/* keys.c — API key generation and hashing (see keys.h). */
#include "app/keys.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/timefmt.h"

static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {
    {"ingest", RS_SCOPE_INGEST}, {"read", RS_SCOPE_READ}, {"admin", RS_SCOPE_ADMIN}, {"quote", RS_SCOPE_QUOTE}};

enum rs_err rs_scopes_parse(const char *list, unsigned *scopes)
{
    unsigned out = 0;
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
            if (strlen(scope_names[i].name) == n && strncmp(p, scope_names[i].name, n) == 0) {
                out |= scope_names[i].bit;
                found = true;
            }
        if (!found)
            return RS_EINVAL;
        p = end ? end + 1 : NULL;
    }
    if (!out)
        return RS_EINVAL;
    *scopes = out;
    return RS_OK;
}

void rs_scopes_format(unsigned scopes, char *out, int cap)
{
    int n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0] && n < cap; i++)
        if (scopes & scope_names[i].bit)
            n += snprintf(out + n, (size_t)(cap - n), "%s%s", n ? "," : "", scope_names[i].name);
}

/* Hashed on every authenticated request (the key cache is keyed by the hash): SHA256() fetches
 * the digest implementation on each call in OpenSSL 3 (≈ 10 k instructions, 5 times the hash
 * itself), so the digest is fetched once and kept for the life of the process. */
static EVP_MD *key_md;
static pthread_once_t key_md_once = PTHREAD_ONCE_INIT;

static void key_md_fetch(void)
{
    key_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void rs_key_hash(const char *key, unsigned char out[32])
{
    pthread_once(&key_md_once, key_md_fetch);
    unsigned len = 32;
    if (!key_md || !EVP_Digest(key, strlen(key), out, &len, key_md, NULL))
        SHA256((const unsigned char *)key, strlen(key), out);
}

enum rs_err rs_app_key_create(struct rs_store *s, int64_t merchant_id, unsigned scopes, int64_t now,
                              char key[RS_KEY_LEN])
{
    unsigned char rnd[40];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return RS_EINTERNAL;
    char *p = key;
    memcpy(p, "rk_", 3);
    p += 3;
    for (int i = 0; i < 8; i++)
        *p++ = b32[rnd[i] & 31];
    *p++ = '_';
    for (int i = 8; i < 40; i++)
        *p++ = b32[rnd[i] & 31];
    *p = '\0';
    unsigned char hash[32];
    rs_key_hash(key, hash);
    char prefix[12];
    memcpy(prefix, key, 11);
    prefix[11] = '\0';
    return rs_store_apikey_create(s, merchant_id, hash, prefix, scopes, now);
}

static bool b32_char(char c)
{
    return c && strchr(b32, c) != NULL;
}

bool rs_key_id_of(const char *in, char out[RS_KEY_ID_LEN])
{
    size_t n = in ? strlen(in) : 0;
    if ((n != RS_KEY_ID_LEN - 1 && n != RS_KEY_LEN - 1) || strncmp(in, "rk_", 3) != 0)
        return false;
    for (size_t i = 3; i < n; i++)
        if (!(i == RS_KEY_ID_LEN - 1 ? in[i] == '_' : b32_char(in[i])))
            return false;
    memcpy(out, in, RS_KEY_ID_LEN - 1);
    out[RS_KEY_ID_LEN - 1] = '\0';
    return true;
}

json_t *rs_app_keys_json(json_t *rows)
{
    size_t i;
    json_t *k;
    json_array_foreach(rows, i, k) {
        unsigned bits = (unsigned)json_integer_value(json_object_get(k, "scope_bits"));
        json_t *names = json_array();
        for (size_t j = 0; j < sizeof scope_names / sizeof scope_names[0]; j++)
            if (bits & scope_names[j].bit)
                json_array_append_new(names, json_string(scope_names[j].name));
        json_object_del(k, "scope_bits");
        json_object_set_new(k, "scopes", names);
        json_object_set_new(k, "publishable", json_boolean(!(bits & RS_SCOPES_SECRET)));
        const char *keys[2] = {"created_at", "revoked_at"};
        for (int t = 0; t < 2; t++) {
            json_t *v = json_object_get(k, keys[t]);
            if (json_is_integer(v)) {
                char buf[RS_TIME_LEN];
                rs_time_format(json_integer_value(v), 0, buf);
                json_object_set_new(k, keys[t], json_string(buf));
            }
        }
    }
    return rows;
}

enum rs_err rs_app_merchant_create(struct rs_store *s, const char *name, unsigned scopes, int64_t now,
                                   int64_t *merchant_id, char key[RS_KEY_LEN])
{
    enum rs_err e = rs_store_merchant_create(s, name, "Europe/Madrid", "es", now, merchant_id);
    if (e)
        return e;
    return rs_app_key_create(s, *merchant_id, scopes, now, key);
}
