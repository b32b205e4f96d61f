/* webpush.c — Web Push encryption, VAPID and sending (see webpush.h). */
#include "notify/webpush.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify_plan.h"
#include "notify/channel_priv.h"
#include "util/b64url.h"
#include "util/netaddr.h"

/* A P-256 key from its raw parts: PUB (65 bytes, uncompressed) and optionally PRIV (32). */
static EVP_PKEY *ec_key(const unsigned char *priv, const unsigned char *pub)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    BIGNUM *d = priv ? BN_bin2bn(priv, 32, NULL) : NULL;
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM *ps = NULL;
    if (b && c && (!priv || d) && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, 65) &&
        (!d || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d)) && (ps = OSSL_PARAM_BLD_to_param(b)) &&
        EVP_PKEY_fromdata_init(c) == 1)
        if (EVP_PKEY_fromdata(c, &k, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, ps) != 1)
            k = NULL;
    OSSL_PARAM_free(ps);
    OSSL_PARAM_BLD_free(b);
    BN_clear_free(d);
    EVP_PKEY_CTX_free(c);
    return k;
}

/* HKDF-SHA-256 (RFC 5869), extract and expand, through OpenSSL's KDF. */
static bool hkdf(const unsigned char *salt, size_t salt_len, const unsigned char *ikm, size_t ikm_len,
                 const unsigned char *info, size_t info_len, unsigned char *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!c)
        return false;
    OSSL_PARAM ps[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(c, out, out_len, ps) == 1;
    EVP_KDF_CTX_free(c);
    return ok;
}

enum rs_err rs_webpush_encrypt(const unsigned char ua_public[65], const unsigned char auth[16],
                               const unsigned char *plain, size_t len, const unsigned char *as_private,
                               const unsigned char *as_public, const unsigned char *salt_in, unsigned char *out,
                               size_t cap, size_t *out_len)
{
    if (len > RS_WEBPUSH_MAX_PLAIN || cap < len + RS_WEBPUSH_OVERHEAD || ua_public[0] != 4 ||
        (!as_private) != (!as_public))
        return RS_EINVAL;
    enum rs_err e = RS_EINVAL;
    EVP_PKEY *peer = ec_key(NULL, ua_public), *mine = NULL;
    EVP_PKEY_CTX *dc = NULL;
    EVP_CIPHER_CTX *cc = NULL;
    unsigned char as_pub[65], salt[16], ecdh[32], prk_info[14 + 65 + 65], ikm[32], cek[16], nonce[12];
    if (!peer)
        goto out;
    if (as_private) {
        mine = ec_key(as_private, as_public);
        memcpy(as_pub, as_public, 65);
    } else {
        size_t pl = 0;
        mine = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        if (!mine || EVP_PKEY_get_octet_string_param(mine, OSSL_PKEY_PARAM_PUB_KEY, as_pub, sizeof as_pub, &pl) != 1 ||
            pl != 65)
            goto out;
    }
    if (!mine)
        goto out;
    if (salt_in)
        memcpy(salt, salt_in, 16);
    else if (RAND_bytes(salt, 16) != 1)
        goto out;
    /* ecdh_secret = ECDH(as_private, ua_public) */
    size_t sl = sizeof ecdh;
    if (!(dc = EVP_PKEY_CTX_new(mine, NULL)) || EVP_PKEY_derive_init(dc) != 1 || EVP_PKEY_derive_set_peer(dc, peer) != 1 ||
        EVP_PKEY_derive(dc, ecdh, &sl) != 1 || sl != 32)
        goto out;
    /* IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" 0x00 ‖ ua_public ‖ as_public, 32) */
    memcpy(prk_info, "WebPush: info", 14); /* the NUL is the 0x00 separator */
    memcpy(prk_info + 14, ua_public, 65);
    memcpy(prk_info + 79, as_pub, 65);
    if (!hkdf(auth, 16, ecdh, 32, prk_info, sizeof prk_info, ikm, 32))
        goto out;
    /* RFC 8188: CEK and NONCE from PRK = HKDF-Extract(salt, IKM) */
    if (!hkdf(salt, 16, ikm, 32, (const unsigned char *)"Content-Encoding: aes128gcm", 28, cek, 16) ||
        !hkdf(salt, 16, ikm, 32, (const unsigned char *)"Content-Encoding: nonce", 24, nonce, 12))
        goto out;
    /* header: salt ‖ rs (uint32 BE) ‖ idlen ‖ keyid */
    memcpy(out, salt, 16);
    out[16] = (RS_WEBPUSH_RS >> 24) & 0xff;
    out[17] = (RS_WEBPUSH_RS >> 16) & 0xff;
    out[18] = (RS_WEBPUSH_RS >> 8) & 0xff;
    out[19] = RS_WEBPUSH_RS & 0xff;
    out[20] = 65;
    memcpy(out + 21, as_pub, 65);
    size_t n = 86;
    int l1 = 0, l2 = 0, l3 = 0;
    static const unsigned char delim = 2; /* last (only) record, no padding */
    if (!(cc = EVP_CIPHER_CTX_new()) || EVP_EncryptInit_ex(cc, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
        EVP_EncryptInit_ex(cc, NULL, NULL, cek, nonce) != 1 ||
        EVP_EncryptUpdate(cc, out + n, &l1, plain, (int)len) != 1 ||
        EVP_EncryptUpdate(cc, out + n + l1, &l2, &delim, 1) != 1 ||
        EVP_EncryptFinal_ex(cc, out + n + l1 + l2, &l3) != 1)
        goto out;
    n += (size_t)(l1 + l2 + l3);
    if (EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, out + n) != 1)
        goto out;
    *out_len = n + 16;
    e = RS_OK;
out:
    OPENSSL_cleanse(ecdh, sizeof ecdh);
    OPENSSL_cleanse(ikm, sizeof ikm);
    OPENSSL_cleanse(cek, sizeof cek);
    EVP_CIPHER_CTX_free(cc);
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(peer);
    return e;
}

/* URL read by libcurl's own parser, the one that will send the push, so that the host checked
 * here is the host connected to: scheme, host (lowercase, an IPv6 literal without its brackets,
 * no trailing dots) and the port when it is not the scheme's default ("" then). False for
 * anything libcurl would not send to: no scheme, no host, a user name or password, or an IPv6
 * zone ("%eth0", a link on this machine). */
static bool endpoint_parts(const char *url, char *scheme, size_t scap, char *host, size_t hcap, char *port,
                           size_t pcap)
{
    CURLU *u = url ? curl_url() : NULL;
    char *sc = NULL, *h = NULL, *pt = NULL, *user = NULL, *pw = NULL, *zone = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &sc, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
              curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_NO_PASSWORD &&
              curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_NO_ZONEID;
    CURLUcode pc = ok ? curl_url_get(u, CURLUPART_PORT, &pt, CURLU_NO_DEFAULT_PORT) : CURLUE_OK;
    ok = ok && (pc == CURLUE_OK || pc == CURLUE_NO_PORT);
    if (ok) {
        const char *hp = h;
        size_t hl = strlen(h);
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
            hp++, hl -= 2;
        while (hl > 0 && hp[hl - 1] == '.') /* "localhost." is localhost */
            hl--;
        ok = hl > 0 && hl < hcap && strlen(sc) < scap && (!pt || strlen(pt) < pcap);
        if (ok) {
            for (size_t i = 0; i < hl; i++)
                host[i] = (char)tolower((unsigned char)hp[i]);
            host[hl] = '\0';
            snprintf(scheme, scap, "%s", sc);
            snprintf(port, pcap, "%s", pt ? pt : "");
        }
    }
    curl_free(sc);
    curl_free(h);
    curl_free(pt);
    curl_free(user);
    curl_free(pw);
    curl_free(zone);
    curl_url_cleanup(u);
    return ok;
}

bool rs_webpush_endpoint_ok(const char *endpoint)
{
    char scheme[16], host[256], port[8];
    if (!endpoint || strlen(endpoint) > RS_WEBPUSH_MAX_ENDPOINT ||
        !endpoint_parts(endpoint, scheme, sizeof scheme, host, sizeof host, port, sizeof port) ||
        strcmp(scheme, "https") != 0)
        return false;
    size_t hl = strlen(host);
    if (strcmp(host, "localhost") == 0 || (hl > 10 && strcmp(host + hl - 10, ".localhost") == 0))
        return false;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_aton(host, &a4) || inet_pton(AF_INET6, host, &a6) == 1) /* "127.1", "2130706433" too */
        return rs_addr_text_public(host);
    return true; /* a name: what it resolves to is checked when the worker connects */
}

/* The origin (RFC 6454) of URL into OUT: scheme://host[:port], the port only when not the
 * default, as a browser's URL.origin; the VAPID claims' "aud". */
static bool origin_of(const char *url, char *out, size_t cap)
{
    char scheme[16], host[256], port[8];
    if (!endpoint_parts(url, scheme, sizeof scheme, host, sizeof host, port, sizeof port) ||
        (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
        return false;
    bool v6 = strchr(host, ':') != NULL;
    int n = snprintf(out, cap, "%s://%s%s%s%s%s", scheme, v6 ? "[" : "", host, v6 ? "]" : "", *port ? ":" : "",
                     port);
    return n > 0 && (size_t)n < cap;
}

enum rs_err rs_vapid_header(const unsigned char priv[32], const unsigned char pub[65], const char *endpoint,
                            const char *subject, int64_t exp, char *out, size_t cap)
{
    char aud[512];
    if (!origin_of(endpoint, aud, sizeof aud) || !subject)
        return RS_EINVAL;
    json_t *claims = json_pack("{s:s, s:I, s:s}", "aud", aud, "exp", (json_int_t)exp, "sub", subject);
    char *cj = claims ? json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(claims);
    if (!cj)
        return RS_ENOMEM;
    static const char HDR[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
    char input[1400], h64[64], c64[1200], s64[96], k64[96];
    enum rs_err e = RS_EINVAL;
    EVP_PKEY *k = ec_key(priv, pub);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *sig = NULL;
    unsigned char der[80], raw[64];
    size_t dl = sizeof der;
    if (!k || !md || rs_b64url_encode((const unsigned char *)HDR, strlen(HDR), h64, sizeof h64) < 0 ||
        rs_b64url_encode((const unsigned char *)cj, strlen(cj), c64, sizeof c64) < 0)
        goto out;
    snprintf(input, sizeof input, "%s.%s", h64, c64);
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
        EVP_DigestSign(md, der, &dl, (const unsigned char *)input, strlen(input)) != 1)
        goto out;
    /* JWS wants r ‖ s (32 bytes each), OpenSSL gives DER */
    const unsigned char *dp = der;
    const BIGNUM *r, *s;
    if (!(sig = d2i_ECDSA_SIG(NULL, &dp, (long)dl)))
        goto out;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32 ||
        rs_b64url_encode(raw, 64, s64, sizeof s64) < 0 || rs_b64url_encode(pub, 65, k64, sizeof k64) < 0)
        goto out;
    if ((size_t)snprintf(out, cap, "vapid t=%s.%s, k=%s", input, s64, k64) >= cap)
        goto out;
    e = RS_OK;
out:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    free(cj);
    return e;
}

enum rs_err rs_vapid_verify(const char *header)
{
    const char *t = strstr(header, "t="), *kk = strstr(header, "k=");
    if (strncmp(header, "vapid ", 6) != 0 || !t || !kk)
        return RS_EINVAL;
    t += 2;
    kk += 2;
    size_t tl = strcspn(t, ", ");
    const char *dot2 = NULL;
    for (const char *p = t; p < t + tl; p++)
        if (*p == '.')
            dot2 = p;
    char key64[128];
    snprintf(key64, sizeof key64, "%.*s", (int)strcspn(kk, ", "), kk);
    unsigned char pub[65], raw[64];
    char sig64[128];
    if (!dot2 || (size_t)(t + tl - dot2 - 1) >= sizeof sig64)
        return RS_EINVAL;
    snprintf(sig64, sizeof sig64, "%.*s", (int)(t + tl - dot2 - 1), dot2 + 1);
    if (rs_b64url_decode(key64, pub, sizeof pub) != 65 || rs_b64url_decode(sig64, raw, sizeof raw) != 64)
        return RS_EINVAL;
    EVP_PKEY *k = ec_key(NULL, pub);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *der = NULL;
    enum rs_err e = RS_EINVAL;
    if (k && sig && r && s && md && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* owned by sig now */
        int dl = i2d_ECDSA_SIG(sig, &der);
        if (dl > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1)
            e = EVP_DigestVerify(md, der, (size_t)dl, (const unsigned char *)t, (size_t)(dot2 - t)) == 1 ? RS_OK
                                                                                                       : RS_EREJECTED;
    }
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return e;
}

const char *rs_webpush_urgency(enum rs_trigger trigger)
{
    switch (trigger) {
    case RS_TRIG_OUT_FOR_DELIVERY:
    case RS_TRIG_COURIER_NEARBY:
    case RS_TRIG_ATTEMPT_FAILED:
        return "high";
    default:
        return "normal";
    }
}

int rs_webpush_ttl(enum rs_trigger trigger, int ttl_s)
{
    int limit = trigger == RS_TRIG_COURIER_NEARBY     ? RS_PLAN_STALE_NEARBY_S
                : trigger == RS_TRIG_OUT_FOR_DELIVERY ? RS_PLAN_STALE_OFD_S
                                                      : ttl_s;
    return ttl_s < limit ? ttl_s : limit;
}

char *rs_webpush_message(const char *title, const char *body, const char *url, const char *lang)
{
    json_t *j = json_pack("{s:s, s:s, s:s?, s:s}", "title", title ? title : "", "body", body ? body : "", "url", url,
                          "lang", lang ? lang : "es");
    char *plain = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return plain;
}

/* Build and send (or queue: ALT as rs_provider_post) the push of M to one subscription. */
static enum rs_err push_one(struct rs_channels *ch, const struct rs_msg *m, const struct rs_push_target *t,
                            const char *url, bool alt, struct rs_send_result *res)
{
    const struct rs_notify_config *cfg = m->cfg;
    unsigned char ua[65], au[16];
    if (rs_b64url_decode(t->p256dh, ua, sizeof ua) != 65 || ua[0] != 4 ||
        rs_b64url_decode(t->auth, au, sizeof au) != 16) {
        snprintf(res->error, sizeof res->error, "the push subscription's keys are malformed");
        return RS_EREJECTED;
    }
    char *plain = rs_webpush_message(m->r->part[RS_TPART_PUSH_TITLE], m->r->part[RS_TPART_PUSH_BODY], url, m->lang);
    if (!plain)
        return RS_ENOMEM;
    size_t pl = strlen(plain);
    unsigned char enc[RS_WEBPUSH_RS + RS_WEBPUSH_OVERHEAD];
    size_t el = 0;
    enum rs_err e = rs_webpush_encrypt(ua, au, (const unsigned char *)plain, pl, NULL, NULL, NULL, enc, sizeof enc, &el);
    free(plain);
    if (e) {
        snprintf(res->error, sizeof res->error, "push message too long or keys unusable");
        return RS_EINVAL;
    }
    char vapid[1200];
    if (rs_vapid_header(cfg->vapid_private, cfg->vapid_public, t->endpoint, cfg->vapid_subject, m->now + 12 * 3600,
                        vapid, sizeof vapid) != RS_OK) {
        snprintf(res->error, sizeof res->error, "cannot sign the VAPID token (check the key pair)");
        return RS_EINVAL;
    }
    char h_auth[1300], h_ttl[32], h_topic[64], h_urgency[32], ref[48];
    snprintf(h_urgency, sizeof h_urgency, "Urgency: %s", rs_webpush_urgency(m->trigger));
    snprintf(h_auth, sizeof h_auth, "Authorization: %s", vapid);
    snprintf(h_ttl, sizeof h_ttl, "TTL: %d", rs_webpush_ttl(m->trigger, cfg->push_ttl_s));
    snprintf(h_topic, sizeof h_topic, "Topic: ntf%lld", (long long)(m->outbox_id % 1000000000000LL));
    snprintf(ref, sizeof ref, "push-%lld", (long long)m->outbox_id);
    const char *headers[] = {h_ttl, "Content-Encoding: aes128gcm", "Content-Type: application/octet-stream",
                             h_auth, h_urgency, h_topic, NULL};
    const struct rs_post_opts opts = {.alt = alt};
    return rs_provider_post(ch, ANS_PUSH, ref, t->endpoint, headers, NULL, (const char *)enc, el, cfg->timeout_s,
                            &opts, res);
}

enum rs_err rs_send_push(struct rs_channels *ch, const struct rs_msg *m, const struct rs_push_target *subs, int n,
                         const char *url, struct rs_send_result *res)
{
    if (!m->cfg->push_on) {
        snprintf(res->error, sizeof res->error, "push is not configured for this merchant");
        return RS_EINVAL;
    }
    if (n <= 0) {
        snprintf(res->error, sizeof res->error, "the customer has no push subscription");
        return RS_EINVAL;
    }
    enum rs_err e = RS_OK;
    for (int k = 0; k < n; k++) {
        e = push_one(ch, m, &subs[k], url, k > 0, res);
        if (res->pending) {
            if (e != RS_OK) {
                res->error[0] = '\0';
                return RS_OK; /* a later one cannot be built: the ones queued go, the last gone ends it */
            }
            continue;
        }
        if (!rs_push_gone(e, res))
            return e;
        res->push_gone++;
        if (k + 1 < n) {
            int gone = res->push_gone;
            memset(res, 0, sizeof *res);
            res->retry_after_s = -1;
            res->push_gone = gone;
        }
    }
    return e;
}
