/* test_carrier_detect.c — tracking-number formats and check digits, valid and invalid
 * examples per carrier. Check digits below were computed by hand / independently. */
#include "unit.h"

#include <string.h>

#include "core/carrier_detect.h"

/* The best guess for TN, or "" when none. */
static const char *best(const char *tn, bool *ok)
{
    struct rs_carrier_guess g[8];
    int n = rs_carrier_detect(tn, g, 8);
    if (n == 0)
        return "";
    if (ok)
        *ok = g[0].check_digit_ok;
    for (int i = 1; i < n; i++)
        assert_true(g[i - 1].confidence >= g[i].confidence);
    return g[0].carrier;
}

static bool has(const char *tn, const char *slug)
{
    struct rs_carrier_guess g[8];
    int n = rs_carrier_detect(tn, g, 8);
    for (int i = 0; i < n; i++)
        if (!strcmp(g[i].carrier, slug))
            return true;
    return false;
}

static void test_check_digits(void **state)
{
    (void)state;
    assert_int_equal(rs_s10_check_digit("12345678"), 5); /* the UPU example RR123456785 */
    assert_int_equal(rs_s10_check_digit("47312482"), 9);
    assert_int_equal(rs_s10_check_digit("00000001"), 4);
    assert_int_equal(rs_ups_check_digit("999AA1012345678"), 4); /* 1Z999AA10123456784 */
    assert_int_equal(rs_mod10_31_check_digit("940011189922319742849", 21), 7);
}

static void test_s10(void **state)
{
    (void)state;
    bool ok = false;
    assert_string_equal(best("RR123456785BR", &ok), "correios");
    assert_true(ok);
    assert_string_equal(best("aa 473 124 829 br", &ok), "correios");
    assert_true(ok);
    assert_string_equal(best("RR123456785ES", &ok), "correos");
    assert_string_equal(best("LZ123456785US", &ok), "usps");
    assert_string_equal(best("RR123456785AR", &ok), "correo_argentino");
    /* the postal operators of the markets Rastro serves and of cross-border parcels */
    assert_string_equal(best("RR123456785MX", &ok), "correos_mexico");
    assert_true(ok);
    assert_string_equal(best("LX123456785CN", &ok), "china_post");
    assert_string_equal(best("AB123456785GB", &ok), "royal_mail");
    assert_string_equal(best("RR123456785PT", &ok), "ctt");
    assert_string_equal(best("RR123456785CL", &ok), "correos_chile");
    assert_string_equal(best("RR123456785CO", &ok), "472");
    /* wrong check digit: still suggested, but flagged and less sure */
    struct rs_carrier_guess g[4];
    assert_int_equal(rs_carrier_detect("RR123456784BR", g, 4), 1);
    assert_false(g[0].check_digit_ok);
    assert_true(g[0].confidence < 50);
    /* unknown country: no guess */
    assert_string_equal(best("RR123456785ZZ", NULL), "");
}

static void test_ups(void **state)
{
    (void)state;
    bool ok = false;
    assert_string_equal(best("1Z999AA10123456784", &ok), "ups");
    assert_true(ok);
    assert_string_equal(best("1z 999 aa1 0123 4567 84", &ok), "ups");
    assert_true(ok);
    assert_string_equal(best("1Z999AA10123456785", &ok), "ups");
    assert_false(ok);
    assert_string_equal(best("1Z999AA1012345678", NULL), ""); /* too short */
}

static void test_usps_fedex_dhl(void **state)
{
    (void)state;
    bool ok = false;
    assert_string_equal(best("9400111899223197428497", &ok), "usps");
    assert_true(ok);
    assert_string_equal(best("420902109400111899223197428497", &ok), "usps");
    assert_true(ok);
    assert_string_equal(best("9400111899223197428490", &ok), "usps");
    assert_false(ok);
    /* FedEx 12 digits: 12345678901 + check 2 */
    assert_string_equal(best("123456789012", &ok), "fedex");
    assert_true(ok);
    assert_false(best("123456789013", &ok)[0] && ok);
    /* DHL Express 10 digits: 123456789 mod 7 = 1 */
    assert_string_equal(best("1234567891", &ok), "dhl_express");
    assert_true(ok);
    assert_true(has("1234567891", "dhl_mx"));
    assert_string_equal(best("9876543213", &ok), "dhl_express");
    /* a 10-digit number failing the DHL check reads as Servientrega first */
    assert_string_equal(best("1234567892", &ok), "servientrega");
}

static void test_latam_spain_shapes(void **state)
{
    (void)state;
    assert_string_equal(best("PQ4F6P0703673180128000W", NULL), "correos");
    assert_string_equal(best("3230004516012345", NULL), "correos_express");
    assert_string_equal(best("12345678901234", NULL), "seur");
    assert_true(has("123456789012", "mrw"));
    assert_string_equal(best("8055241528464720099314", NULL), "estafeta");
    assert_string_equal(best("71234567890", NULL), "coordinadora");
    assert_true(has("71234567890", "chilexpress"));
    assert_string_equal(best("203012345", NULL), "servientrega");
}

static void test_garbage(void **state)
{
    (void)state;
    struct rs_carrier_guess g[4];
    assert_int_equal(rs_carrier_detect(NULL, g, 4), 0);
    assert_int_equal(rs_carrier_detect("", g, 4), 0);
    assert_int_equal(rs_carrier_detect("hello world!", g, 4), 0);
    assert_int_equal(rs_carrier_detect("ABC", g, 4), 0);
    assert_int_equal(rs_carrier_detect("1234567891", g, 0), 0);
    assert_int_equal(rs_carrier_detect("1234567891", g, 1), 1);
    char longer[64];
    memset(longer, '1', 63);
    longer[63] = '\0';
    assert_int_equal(rs_carrier_detect(longer, g, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digits), cmocka_unit_test(test_s10),
        cmocka_unit_test(test_ups),          cmocka_unit_test(test_usps_fedex_dhl),
        cmocka_unit_test(test_latam_spain_shapes), cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
