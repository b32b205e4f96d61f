/* test_email_addr.c — the one e-mail address check of forms, settings, the API and the CLI. */
#include "unit.h"

#include <string.h>

#include "util/email_addr.h"

static void test_plausible(void **state)
{
    (void)state;
    static const char *const good[] = {"ana@tienda.es", "a.b+pedidos@mail.tienda.com.mx", "x@y.co"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(rs_email_plausible(good[i]));
    static const char *const bad[] = {
        NULL,           "",          "ana",          "@tienda.es",    "ana@",        "ana@tienda",
        "ana@.es",      "ana@es.",   "ana@@t.es",    "ana@b@t.es",    "ana @t.es",   "ana@t.es\n",
        "ana\t@t.es",   "<ana@t.es>", "\"ana\"@t.es", "ana@t.es,b@t.es", "ana@t.es;", "ana@t.es\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(rs_email_plausible(bad[i]));
    char long_addr[300];
    memset(long_addr, 'a', sizeof long_addr);
    memcpy(long_addr + 250, "@t.es", 6); /* 255 characters */
    assert_false(rs_email_plausible(long_addr));
    assert_true(rs_email_plausible(long_addr + 1));
    /* a counted prefix: the address inside a header */
    assert_true(rs_email_plausible_n("ana@t.es>", 8));
    assert_false(rs_email_plausible_n("ana@t.es>", 9));
}

static void test_mailbox(void **state)
{
    (void)state;
    assert_true(rs_email_mailbox_ok("avisos@tienda.es"));
    assert_true(rs_email_mailbox_ok("Tienda Sol <avisos@tienda.es>"));
    assert_true(rs_email_mailbox_ok("\"Tienda Sol, S.L.\" <avisos@tienda.es>  "));
    assert_true(rs_email_mailbox_ok("Tienda Ñandú <avisos@tienda.es>"));
    assert_false(rs_email_mailbox_ok(NULL));
    assert_false(rs_email_mailbox_ok("Tienda Sol <avisos@tienda>"));
    assert_false(rs_email_mailbox_ok("Tienda Sol <avisos@tienda.es"));
    assert_false(rs_email_mailbox_ok("Tienda Sol <avisos@tienda.es> y más"));
    assert_false(rs_email_mailbox_ok("Tienda > Sol <avisos@tienda.es>"));
    /* a line break anywhere would start a header of its own in every message sent */
    assert_false(rs_email_mailbox_ok("Tienda\r\nBcc: x@y.es <avisos@tienda.es>"));
    assert_false(rs_email_mailbox_ok("Tienda <avisos@tienda.es>\nBcc: x@y.es"));
    /* what the fuzzer sent: an address, a '>' and then anything, no '<' */
    assert_false(rs_email_mailbox_ok("to_avisos@t.es>|||s.text\nHola {{x}}@t.es>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plausible),
        cmocka_unit_test(test_mailbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
