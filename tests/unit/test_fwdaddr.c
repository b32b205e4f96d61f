/* test_fwdaddr.c — the client's address behind trusted reverse proxies. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "util/addrcount.h"
#include "util/fwdaddr.h"
#include "util/netaddr.h"

static void test_proxies_parse(void **state)
{
    (void)state;
    struct rs_proxies p;
    char err[160];
    assert_true(rs_proxies_parse(NULL, &p, err, sizeof err));
    assert_int_equal(p.n, 0);
    assert_true(rs_proxies_parse("10.0.0.1, ::1 [2001:db8::7],", &p, err, sizeof err));
    assert_int_equal(p.n, 3);
    assert_string_equal(p.addr[0], "10.0.0.1");
    assert_string_equal(p.addr[1], "::1");
    assert_string_equal(p.addr[2], "2001:db8::7");
    assert_false(rs_proxies_parse("10.0.0.1,proxy.local", &p, err, sizeof err));
    assert_non_null(strstr(err, "\"proxy.local\" is not an IPv4 or IPv6 address"));
    assert_false(rs_proxies_parse("10.0.0.256", &p, err, sizeof err));
    char many[17 * 12] = "";
    for (int i = 0; i < 17; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.0.%d,", i);
    assert_false(rs_proxies_parse(many, &p, err, sizeof err));
    assert_non_null(strstr(err, "at most 16"));
}

static void test_forwarded_client(void **state)
{
    (void)state;
    struct rs_proxies p;
    char err[160], out[RS_ADDR_LEN];
    assert_true(rs_proxies_parse("127.0.0.1,0:0:0:0:0:0:0:1,10.0.0.2", &p, err, sizeof err));
    /* from a trusted proxy: the right-most address that is not a proxy */
    assert_true(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7", out));
    assert_string_equal(out, "203.0.113.7");
    assert_true(rs_forwarded_client(&p, "::1", NULL, "198.51.100.1, 203.0.113.7, 10.0.0.2", out));
    assert_string_equal(out, "203.0.113.7"); /* the client's own (spoofable) entry is not believed */
    assert_true(rs_forwarded_client(&p, "127.0.0.1", NULL, " [2001:DB8::1] ", out));
    assert_string_equal(out, "2001:db8::1");
    /* with the client's port, as some proxies write it: the port is dropped */
    assert_true(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7:4711", out));
    assert_string_equal(out, "203.0.113.7");
    assert_true(rs_forwarded_client(&p, "127.0.0.1", NULL, "198.51.100.1, [2001:DB8::7]:443", out));
    assert_string_equal(out, "2001:db8::7");
    assert_true(rs_forwarded_client(&p, "127.0.0.1", NULL, " 203.0.113.8:65535 , 10.0.0.2:80", out));
    assert_string_equal(out, "203.0.113.8"); /* the proxy with a port is still a proxy */
    assert_true(rs_forwarded_client(&p, "127.0.0.1", NULL, "2001:db8::7:443", out));
    assert_string_equal(out, "2001:db8::7:443"); /* bare IPv6 has no port: all of it is the address */
    /* from anyone else the header is ignored: a client cannot pick its own address */
    assert_false(rs_forwarded_client(&p, "203.0.113.9", NULL, "198.51.100.1", out));
    assert_string_equal(out, "203.0.113.9");
    /* absent, malformed, or only proxies: the peer */
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, NULL, out));
    assert_string_equal(out, "127.0.0.1");
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "unknown", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7:0", out));       /* no port 0 */
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7:65536", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7:", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7:44a", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "[2001:db8::7]:", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "[2001:db8::7", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "[203.0.113.7]x:80", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, ",,", out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "10.0.0.2, 127.0.0.1", out));
    assert_string_equal(out, "127.0.0.1");
    /* a malformed hop nearer than the client: not trusted further */
    assert_false(rs_forwarded_client(&p, "127.0.0.1", NULL, "203.0.113.7, garbage", out));
    /* no proxies configured: always the peer */
    struct rs_proxies none = {.n = 0};
    assert_false(rs_forwarded_client(&none, "127.0.0.1", NULL, "203.0.113.7", out));
    assert_string_equal(out, "127.0.0.1");
}

/* RFC 7239 Forwarded: the for= of each hop, quoted or not, with other parameters around it */
static void test_forwarded_rfc7239(void **state)
{
    (void)state;
    struct rs_proxies p;
    char err[160], out[RS_ADDR_LEN];
    assert_true(rs_proxies_parse("127.0.0.1,::1,10.0.0.2", &p, err, sizeof err));
    assert_true(rs_forwarded_client(&p, "127.0.0.1", "for=203.0.113.7;proto=https;by=10.0.0.2", NULL, out));
    assert_string_equal(out, "203.0.113.7");
    assert_true(rs_forwarded_client(&p, "127.0.0.1", "for=198.51.100.1, For=\"[2001:DB8::7]:4711\"", NULL, out));
    assert_string_equal(out, "2001:db8::7");
    assert_true(rs_forwarded_client(&p, "127.0.0.1", "proto=https; for=\"203.0.113.8:80\" , for=10.0.0.2", NULL, out));
    assert_string_equal(out, "203.0.113.8"); /* a trusted hop is skipped, the parameter found anywhere */
    /* both headers: the standard one is read */
    assert_true(rs_forwarded_client(&p, "127.0.0.1", "for=203.0.113.9", "198.51.100.2", out));
    assert_string_equal(out, "203.0.113.9");
    /* obfuscated, missing or malformed for=: the peer */
    assert_false(rs_forwarded_client(&p, "127.0.0.1", "for=_hidden", NULL, out));
    assert_string_equal(out, "127.0.0.1");
    assert_false(rs_forwarded_client(&p, "127.0.0.1", "for=unknown", NULL, out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", "proto=https;by=10.0.0.2", NULL, out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", "for=", NULL, out));
    assert_false(rs_forwarded_client(&p, "127.0.0.1", "for=\"", NULL, out));
    /* RFC 7239 wants an IPv6 hop quoted; unquoted it is read all the same */
    assert_true(rs_forwarded_client(&p, "127.0.0.1", "for=[2001:db8::7]:443", NULL, out));
    assert_string_equal(out, "2001:db8::7");
    /* from anyone but a trusted proxy: ignored */
    assert_false(rs_forwarded_client(&p, "203.0.113.1", "for=198.51.100.1", NULL, out));
    assert_string_equal(out, "203.0.113.1");
}

/* who the worker may connect to (SSRF): public addresses only, however they are written */
static void test_addr_public(void **state)
{
    (void)state;
    const char *public[] = {"8.8.8.8", "203.0.113.7", "100.63.255.255", "172.32.0.1", "2001:db8::1",
                            "2a00:1450:4003:80e::200a", "::ffff:8.8.8.8"};
    const char *private[] = {"127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "10.0.0.5", "172.16.0.1",
                             "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                             "224.0.0.1", "255.255.255.255", "198.18.0.1", "::", "::1", "::ffff:127.0.0.1",
                             "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "fd00::1",
                             "fe80::1", "ff02::1", "not an address"};
    for (size_t i = 0; i < sizeof public / sizeof *public; i++)
        assert_true(rs_addr_text_public(public[i]));
    for (size_t i = 0; i < sizeof private / sizeof *private; i++)
        assert_false(rs_addr_text_public(private[i]));
}

static void test_addr_limit_key(void **state)
{
    (void)state;
    char k[48];
    assert_string_equal(rs_addr_limit_key("203.0.113.7", k), "203.0.113.7");
    assert_string_equal(rs_addr_limit_key("2001:db8:1:2:3:4:5:6", k), "2001:db8:1:2::/64");
    assert_string_equal(rs_addr_limit_key("2001:db8:1:2::ffff", k), "2001:db8:1:2::/64");
    assert_string_equal(rs_addr_limit_key("::ffff:203.0.113.7", k), "203.0.113.7");
    assert_string_equal(rs_addr_limit_key("e:ana@example.com", k), "e:ana@example.com");
    assert_string_equal(rs_addr_limit_key("", k), "");
}

/* Connections and live streams per client: an IPv6 client is its /64, whatever address of it
 * each connection comes from; the cap and the slots hold. */
static void test_addr_count(void **state)
{
    (void)state;
    struct rs_addr_count *c = rs_addr_count_new(3, 2);
    assert_non_null(c);
    assert_true(rs_addr_count_take(c, "2001:db8:1:2::1"));
    assert_true(rs_addr_count_take(c, "2001:db8:1:2::ffff"));
    assert_false(rs_addr_count_take(c, "2001:db8:1:2:3:4:5:6")); /* the same /64: its third */
    assert_false(rs_addr_count_below(c, "2001:db8:1:2::9"));
    assert_true(rs_addr_count_below(c, "2001:db8:1:3::1"));         /* another /64 */
    assert_true(rs_addr_count_take(c, "2001:db8:1:3::1"));
    assert_true(rs_addr_count_take(c, "::ffff:203.0.113.7"));      /* its IPv4 address */
    assert_false(rs_addr_count_take(c, "203.0.113.8"));            /* three slots, all taken */
    assert_false(rs_addr_count_add(c, "203.0.113.8"));
    assert_true(rs_addr_count_take(c, "203.0.113.7"));              /* the mapped one's own slot */
    assert_false(rs_addr_count_take(c, "203.0.113.7"));
    assert_true(rs_addr_count_add(c, "203.0.113.7"));               /* already open: counted anyway */
    rs_addr_count_put(c, "2001:db8:1:2::1");
    assert_true(rs_addr_count_below(c, "2001:db8:1:2::42"));
    rs_addr_count_put(c, "2001:db8:1:2::2");
    rs_addr_count_put(c, "2001:db8:1:3::5");                        /* both /64s let go: slots free */
    assert_true(rs_addr_count_take(c, "198.51.100.1"));
    assert_int_equal(rs_addr_count_cap(c), 2);
    rs_addr_count_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxies_parse),
        cmocka_unit_test(test_forwarded_client),
        cmocka_unit_test(test_forwarded_rfc7239),
        cmocka_unit_test(test_addr_public),
        cmocka_unit_test(test_addr_limit_key),
        cmocka_unit_test(test_addr_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
