/* test_webpush.c — Web Push encryption (RFC 8291) and VAPID (RFC 8292).
 *
 * The encryption vector is RFC 8291 Appendix A ("Encryption Example", all values base64url),
 * copied here so the test needs nothing outside the project: with the application server's
 * key pair and salt of the example, rs_webpush_encrypt must produce the example's body byte for
 * byte. The VAPID token is RFC 8292 §2.4's example (its signature must verify against its k=),
 * then one of ours is signed and verified and tampering is refused. */
#include "unit.h"

#include <string.h>

#include "notify/webpush.h"
#include "util/b64url.h"

/* RFC 8291 Appendix A */
static const char PLAINTEXT[] = "When I grow up, I want to be a watermelon";
static const char AS_PRIVATE[] = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
static const char AS_PUBLIC[] = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
static const char UA_PUBLIC[] = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
static const char AUTH_SECRET[] = "BTBZMqHH6r4Tts7J_aSIgg";
static const char SALT[] = "DGv6ra1nlYgDCS1FRnbzlw";
static const char BODY[] = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

/* RFC 8292 §2.4 */
static const char RFC8292_AUTH[] =
    "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA, "
    "k=BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs";

static void test_rfc8291_vector(void **state)
{
    (void)state;
    unsigned char asp[32], aspub[65], ua[65], auth[16], salt[16], want[256], out[512];
    assert_int_equal(rs_b64url_decode(AS_PRIVATE, asp, sizeof asp), 32);
    assert_int_equal(rs_b64url_decode(AS_PUBLIC, aspub, sizeof aspub), 65);
    assert_int_equal(rs_b64url_decode(UA_PUBLIC, ua, sizeof ua), 65);
    assert_int_equal(rs_b64url_decode(AUTH_SECRET, auth, sizeof auth), 16);
    assert_int_equal(rs_b64url_decode(SALT, salt, sizeof salt), 16);
    int wl = rs_b64url_decode(BODY, want, sizeof want);
    assert_int_equal(wl, 144);
    size_t n = 0;
    assert_int_equal(rs_webpush_encrypt(ua, auth, (const unsigned char *)PLAINTEXT, strlen(PLAINTEXT), asp, aspub,
                                        salt, out, sizeof out, &n),
                     RS_OK);
    assert_int_equal(n, 144);
    assert_memory_equal(out, want, 144);
    char b64[256];
    assert_true(rs_b64url_encode(out, n, b64, sizeof b64) > 0);
    assert_string_equal(b64, BODY);
}

static void test_fresh_keys_differ(void **state)
{
    (void)state;
    unsigned char ua[65], auth[16], a[512], b[512];
    assert_int_equal(rs_b64url_decode(UA_PUBLIC, ua, sizeof ua), 65);
    assert_int_equal(rs_b64url_decode(AUTH_SECRET, auth, sizeof auth), 16);
    size_t na = 0, nb = 0;
    assert_int_equal(rs_webpush_encrypt(ua, auth, (const unsigned char *)"hi", 2, NULL, NULL, NULL, a, sizeof a, &na),
                     RS_OK);
    assert_int_equal(rs_webpush_encrypt(ua, auth, (const unsigned char *)"hi", 2, NULL, NULL, NULL, b, sizeof b, &nb),
                     RS_OK);
    assert_int_equal(na, 86 + 2 + 1 + 16);
    assert_int_equal(na, nb);
    assert_true(memcmp(a, b, 16) != 0);           /* salt */
    assert_true(memcmp(a + 21, b + 21, 65) != 0); /* ephemeral key */
    assert_int_equal(a[20], 65);
    assert_int_equal((a[18] << 8) | a[19], 4096);
    /* bad input */
    unsigned char bad[65] = {3};
    assert_int_equal(rs_webpush_encrypt(bad, auth, (const unsigned char *)"x", 1, NULL, NULL, NULL, a, sizeof a, &na),
                     RS_EINVAL);
    assert_int_equal(rs_webpush_encrypt(ua, auth, (const unsigned char *)"x", 1, NULL, NULL, NULL, a, 50, &na),
                     RS_EINVAL);
    static unsigned char big[5000];
    assert_int_equal(rs_webpush_encrypt(ua, auth, big, 4000, NULL, NULL, NULL, a, sizeof a, &na), RS_EINVAL);
}

static void test_vapid(void **state)
{
    (void)state;
    assert_int_equal(rs_vapid_verify(RFC8292_AUTH), RS_OK);
    char tampered[sizeof RFC8292_AUTH];
    memcpy(tampered, RFC8292_AUTH, sizeof tampered);
    tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
    assert_int_not_equal(rs_vapid_verify(tampered), RS_OK);
    /* sign our own with the RFC 8291 application server key pair */
    unsigned char priv[32], pub[65];
    assert_int_equal(rs_b64url_decode(AS_PRIVATE, priv, sizeof priv), 32);
    assert_int_equal(rs_b64url_decode(AS_PUBLIC, pub, sizeof pub), 65);
    char h[1200];
    assert_int_equal(rs_vapid_header(priv, pub, "https://push.example.net:8443/send/abc?x=1", "mailto:ops@tienda.es",
                                     1900000000, h, sizeof h),
                     RS_OK);
    assert_int_equal(strncmp(h, "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.", 45), 0);
    assert_non_null(strstr(h, ", k=" "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"));
    assert_int_equal(rs_vapid_verify(h), RS_OK);
    /* the claims name the endpoint's origin */
    const char *c = strchr(h, '.') + 1;
    char c64[400];
    snprintf(c64, sizeof c64, "%.*s", (int)strcspn(c, "."), c);
    unsigned char claims[300];
    int cl = rs_b64url_decode(c64, claims, sizeof claims - 1);
    assert_true(cl > 0);
    claims[cl] = '\0';
    assert_string_equal((char *)claims,
                        "{\"aud\":\"https://push.example.net:8443\",\"exp\":1900000000,\"sub\":\"mailto:ops@tienda.es\"}");
    assert_int_equal(rs_vapid_header(priv, pub, "ftp://x", "mailto:a@b", 1, h, sizeof h), RS_EINVAL);
    /* the origin has no user name and no default port, as a browser's URL.origin */
    assert_int_equal(rs_vapid_header(priv, pub, "https://u@Push.Example.net:443/s", "mailto:a@b", 1, h, sizeof h),
                     RS_EINVAL);
    assert_int_equal(rs_vapid_header(priv, pub, "https://Push.Example.net:443/s", "mailto:a@b", 1, h, sizeof h),
                     RS_OK);
    c = strchr(h, '.') + 1;
    snprintf(c64, sizeof c64, "%.*s", (int)strcspn(c, "."), c);
    cl = rs_b64url_decode(c64, claims, sizeof claims - 1);
    assert_true(cl > 0);
    claims[cl] = '\0';
    assert_non_null(strstr((char *)claims, "\"aud\":\"https://push.example.net\""));
}

static void test_endpoint_ok(void **state)
{
    (void)state;
    const char *ok[] = {"https://fcm.googleapis.com/fcm/send/x", "https://8.8.8.8:443/x", "https://[2001:db8::1]/x",
                        "https://updates.push.services.mozilla.com/wpush/v2/gAAA"};
    const char *bad[] = {"https://localhost/x", "https://LocalHost.:8443/x", "https://x.localhost/x",
                         "https://a@b@127.0.0.1/x", "https://user:pw@fcm.googleapis.com/x", "https://[::1]:443/x",
                         "https://[fe80::1%25eth0]/x", "https://[::1/x", "https://:443/x", "no scheme",
                         "http://fcm.googleapis.com/x", "https://127.1/x", "https://2130706433/x",
                         "https://0x7f.0.0.1/x", "https://169.254.169.254/latest", "https://[::ffff:10.0.0.1]/x",
                         "https://10.0.0.1./x", NULL};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_true(rs_webpush_endpoint_ok(ok[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (rs_webpush_endpoint_ok(bad[i]))
            fail_msg("accepted %s", bad[i]);
    char longer[RS_WEBPUSH_MAX_ENDPOINT + 2];
    memset(longer, 'a', sizeof longer - 1);
    memcpy(longer, "https://push.example.net/", 25);
    longer[sizeof longer - 1] = '\0';
    assert_false(rs_webpush_endpoint_ok(longer));
}

static void test_b64url(void **state)
{
    (void)state;
    unsigned char b[8];
    char s[16];
    assert_int_equal(rs_b64url_decode("_-8", b, sizeof b), 2);
    assert_int_equal(b[0], 0xff);
    assert_int_equal(b[1], 0xef);
    assert_int_equal(rs_b64url_encode(b, 2, s, sizeof s), 3);
    assert_string_equal(s, "_-8");
    assert_int_equal(rs_b64url_decode("a b", b, sizeof b), -1);
    assert_int_equal(rs_b64url_decode("a", b, sizeof b), -1);
    assert_int_equal(rs_b64url_decode("AAAAAAAAAAAAAAAA", b, sizeof b), -1); /* 12 bytes > cap */
}

/* The push service keeps a message for an offline phone no longer than it is worth telling. */
static void test_ttl(void **state)
{
    (void)state;
    assert_int_equal(rs_webpush_ttl(RS_TRIG_COURIER_NEARBY, 86400), 3600);
    assert_int_equal(rs_webpush_ttl(RS_TRIG_OUT_FOR_DELIVERY, 86400), 12 * 3600);
    assert_int_equal(rs_webpush_ttl(RS_TRIG_COURIER_NEARBY, 600), 600); /* a shorter TTL stays */
    assert_int_equal(rs_webpush_ttl(RS_TRIG_DELIVERED, 86400), 86400);
    assert_int_equal(rs_webpush_ttl(RS_TRIG_SHIPPED, 3600), 3600);
}

static void test_urgency(void **state)
{
    (void)state;
    /* RFC 8030 §5.3: what the customer must hear now is "high", everything else "normal" */
    assert_string_equal(rs_webpush_urgency(RS_TRIG_OUT_FOR_DELIVERY), "high");
    assert_string_equal(rs_webpush_urgency(RS_TRIG_COURIER_NEARBY), "high");
    assert_string_equal(rs_webpush_urgency(RS_TRIG_ATTEMPT_FAILED), "high");
    for (int t = 0; t < RS_TRIG__COUNT; t++)
        if (t != RS_TRIG_OUT_FOR_DELIVERY && t != RS_TRIG_COURIER_NEARBY && t != RS_TRIG_ATTEMPT_FAILED)
            assert_string_equal(rs_webpush_urgency((enum rs_trigger)t), "normal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8291_vector),
        cmocka_unit_test(test_fresh_keys_differ),
        cmocka_unit_test(test_vapid),
        cmocka_unit_test(test_endpoint_ok),
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_urgency),
        cmocka_unit_test(test_ttl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
