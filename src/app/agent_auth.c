/* agent_auth.c — see agent_auth.h: Argon2id passwords, session and CSRF tokens, cookies, the
 * Origin check. */
#include "app/agent_auth.h"

#include <argon2.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/b64url.h"

#define SALT_LEN 16
#define HASH_LEN 32

static uint32_t env_u32(const char *name, uint32_t def, uint32_t min)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n > (1ul << 22)) /* at most 4 GiB of memory or 4M passes */
        return def;
    return n < min ? min : (uint32_t)n;
}

void rs_kdf_params_get(struct rs_kdf_params *p)
{
    p->m_kib = env_u32("RASTRO_ARGON2_MEMORY_KIB", 64 * 1024, 8);
    p->t_cost = env_u32("RASTRO_ARGON2_ITERATIONS", 3, 1);
    p->lanes = 1;
}

/* ---- bounded concurrency: each hash holds m_kib of memory while it runs ---- */

static pthread_mutex_t kdf_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kdf_cv = PTHREAD_COND_INITIALIZER;
static int kdf_running;

static void kdf_enter(void)
{
    pthread_mutex_lock(&kdf_mu);
    while (kdf_running >= RS_KDF_CONCURRENCY)
        pthread_cond_wait(&kdf_cv, &kdf_mu);
    kdf_running++;
    pthread_mutex_unlock(&kdf_mu);
}

static void kdf_leave(void)
{
    pthread_mutex_lock(&kdf_mu);
    kdf_running--;
    pthread_cond_signal(&kdf_cv);
    pthread_mutex_unlock(&kdf_mu);
}

enum rs_err rs_password_hash(const char *password, const struct rs_kdf_params *p, char out[RS_PHC_MAX])
{
    size_t n = strlen(password);
    if (n > RS_PASSWORD_MAX)
        return RS_EINVAL;
    unsigned char salt[SALT_LEN];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return RS_EIO;
    if (argon2_encodedlen(p->t_cost, p->m_kib, p->lanes, SALT_LEN, HASH_LEN, Argon2_id) > RS_PHC_MAX)
        return RS_EINVAL;
    kdf_enter();
    int rc = argon2id_hash_encoded(p->t_cost, p->m_kib, p->lanes, password, n, salt, sizeof salt, HASH_LEN, out,
                                   RS_PHC_MAX);
    kdf_leave();
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
        return RS_ENOMEM;
    return rc == ARGON2_OK ? RS_OK : RS_EINTERNAL;
}

/* The dummy hash unknown accounts are checked against: same parameters as new hashes. */
static char dummy_phc[RS_PHC_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    struct rs_kdf_params p;
    rs_kdf_params_get(&p);
    if (rs_password_hash("rastro-dummy-password", &p, dummy_phc) != RS_OK)
        dummy_phc[0] = '\0';
}

bool rs_password_verify(const char *phc, const char *password)
{
    size_t n = strlen(password);
    if (!phc) {
        pthread_once(&dummy_once, dummy_init);
        if (dummy_phc[0] && n <= RS_PASSWORD_MAX) {
            kdf_enter();
            (void)argon2id_verify(dummy_phc, password, n);
            kdf_leave();
        }
        return false;
    }
    if (n > RS_PASSWORD_MAX || strncmp(phc, "$argon2id$", 10) != 0)
        return false;
    kdf_enter();
    int rc = argon2id_verify(phc, password, n);
    kdf_leave();
    return rc == ARGON2_OK;
}

void rs_password_generate(char out[21])
{
    static const char b32[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* 31 symbols: no 0/o/1/l/i */
    unsigned char r[20];
    if (RAND_bytes(r, sizeof r) != 1)
        abort(); /* no randomness: printing a weak password would be worse */
    for (int i = 0; i < 20; i++) {
        /* rejection sampling keeps the symbols uniform */
        while (r[i] >= 248)
            if (RAND_bytes(&r[i], 1) != 1)
                abort();
        out[i] = b32[r[i] % 31];
    }
    out[20] = '\0';
}

/* ---- tokens ---- */

enum rs_err rs_token_new(char out[RS_TOKEN_LEN])
{
    unsigned char r[32];
    if (RAND_bytes(r, sizeof r) != 1)
        return RS_EIO;
    char tmp[48]; /* the encoder wants room for padding it does not write */
    if (rs_b64url_encode(r, sizeof r, tmp, sizeof tmp) != RS_TOKEN_LEN - 1)
        return RS_EINTERNAL;
    memcpy(out, tmp, RS_TOKEN_LEN);
    return RS_OK;
}

static bool is_b64url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

bool rs_token_hash(const char *token, unsigned char hash[32])
{
    if (!token || strlen(token) != RS_TOKEN_LEN - 1 || !is_b64url(token, RS_TOKEN_LEN - 1))
        return false;
    SHA256((const unsigned char *)token, RS_TOKEN_LEN - 1, hash);
    return true;
}

bool rs_token_equal(const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return false;
    size_t n = strlen(a);
    if (n != strlen(b))
        return false;
    return CRYPTO_memcmp(a, b, n) == 0;
}

/* ---- cookies ---- */

bool rs_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ';' || *p == '\t')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
                v++, vl -= 2;
            if (vl + 1 > cap)
                return false;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return true;
        }
        p = end;
    }
    if (cap)
        out[0] = '\0';
    return false;
}

/* ---- origin ---- */

/* Length of the "scheme://authority" part of URL. */
static size_t origin_len(const char *url)
{
    const char *s = strstr(url, "://");
    if (!s)
        return 0;
    const char *slash = strchr(s + 3, '/');
    return slash ? (size_t)(slash - url) : strlen(url);
}

static bool same_origin(const char *url, size_t n, const char *want, size_t wn)
{
    return n == wn && n > 0 && strncasecmp(url, want, n) == 0;
}

bool rs_origin_ok(const char *origin, const char *referer, const char *base_url, const char *host)
{
    const char *from = origin && *origin && strcmp(origin, "null") != 0 ? origin : referer;
    if (!from || !*from)
        return false;
    size_t n = origin_len(from);
    if (!n)
        return false;
    if (base_url && same_origin(from, n, base_url, origin_len(base_url)))
        return true;
    if (host && *host && strlen(host) < 256 && !strpbrk(host, "/ \t")) {
        char want[300];
        for (int https = 0; https < 2; https++) {
            int w = snprintf(want, sizeof want, "%s://%s", https ? "https" : "http", host);
            if (same_origin(from, n, want, (size_t)w))
                return true;
        }
    }
    return false;
}
