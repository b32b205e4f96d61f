/* test_trackcode.c — tracking codes: format, parse, and the check character catching every
 * single typo and every adjacent swap. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/trackcode.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 4;
}

static void test_format_shape(void **state)
{
    (void)state;
    char code[RS_TRACKCODE_LEN], back[RS_TRACKCODE_LEN];
    rs_trackcode_format(0x0123456789abcdefull, code);
    assert_int_equal(strlen(code), 18);
    assert_memory_equal(code, "RX-", 3);
    assert_int_equal(code[7], '-');
    assert_int_equal(code[12], '-');
    assert_int_equal(rs_trackcode_parse(code, back), RS_TRACKCODE_OK);
    assert_string_equal(code, back);
}

static void test_parse_forgiving(void **state)
{
    (void)state;
    char code[RS_TRACKCODE_LEN], back[RS_TRACKCODE_LEN], in[64];
    rs_trackcode_format(0xfedcba987654321ull, code);
    /* lower case, no dashes, no prefix, spaces */
    size_t n = 0;
    for (const char *p = code + 3; *p; p++)
        if (*p != '-')
            in[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    in[n] = '\0';
    assert_int_equal(rs_trackcode_parse(in, back), RS_TRACKCODE_OK);
    assert_string_equal(back, code);
    snprintf(in, sizeof in, " rx %s ", code + 3);
    assert_int_equal(rs_trackcode_parse(in, back), RS_TRACKCODE_OK);
    assert_string_equal(back, code);
    /* pasted from an e-mail, a PDF or a phone: typographic dashes and spaces, a line break */
    snprintf(in, sizeof in, "RX\xe2\x80\x93%.4s\xe2\x80\x94%.4s\xe2\x88\x92%.5s\r\n", code + 3, code + 8, code + 13);
    assert_int_equal(rs_trackcode_parse(in, back), RS_TRACKCODE_OK);
    assert_string_equal(back, code);
    snprintf(in, sizeof in, "\xef\xbb\xbfRX\xc2\xa0%.4s\xe2\x80\xaf%.4s_%.5s\xe2\x80\x8b", code + 3, code + 8, code + 13);
    assert_int_equal(rs_trackcode_parse(in, back), RS_TRACKCODE_OK);
    assert_string_equal(back, code);
    /* another non-ASCII character is still not a code */
    snprintf(in, sizeof in, "RX\xc3\xa9%s", code + 3);
    assert_int_equal(rs_trackcode_parse(in, back), RS_TRACKCODE_MALFORMED);
}

static void test_malformed(void **state)
{
    (void)state;
    char back[RS_TRACKCODE_LEN];
    assert_int_equal(rs_trackcode_parse("", back), RS_TRACKCODE_MALFORMED);
    assert_int_equal(rs_trackcode_parse("RX-1234", back), RS_TRACKCODE_MALFORMED);
    assert_int_equal(rs_trackcode_parse("RX-UUUU-UUUU-UUUUU", back), RS_TRACKCODE_MALFORMED);
    assert_int_equal(rs_trackcode_parse("ZZ-0000-0000-00000", back), RS_TRACKCODE_MALFORMED);
    assert_int_equal(rs_trackcode_parse(NULL, back), RS_TRACKCODE_MALFORMED);
}

/* Every single substitution of every position, on many random codes, is a TYPO (never OK). */
static void test_every_single_typo_caught(void **state)
{
    (void)state;
    uint64_t seed = 42;
    char code[RS_TRACKCODE_LEN], mut[RS_TRACKCODE_LEN], back[RS_TRACKCODE_LEN];
    for (int k = 0; k < 2000; k++) {
        rs_trackcode_format(lcg(&seed), code);
        for (int i = 3; code[i]; i++) {
            if (code[i] == '-')
                continue;
            for (int a = 0; a < 32; a++) {
                if (alphabet[a] == code[i])
                    continue;
                memcpy(mut, code, sizeof code);
                mut[i] = alphabet[a];
                assert_int_equal(rs_trackcode_parse(mut, back), RS_TRACKCODE_TYPO);
            }
        }
    }
}

/* Every swap of two adjacent characters (ignoring dashes, check character included). */
static void test_every_adjacent_swap_caught(void **state)
{
    (void)state;
    uint64_t seed = 7;
    char code[RS_TRACKCODE_LEN], back[RS_TRACKCODE_LEN];
    char plain[16], mut[16];
    for (int k = 0; k < 20000; k++) {
        rs_trackcode_format(lcg(&seed), code);
        int n = 0;
        for (int i = 3; code[i]; i++)
            if (code[i] != '-')
                plain[n++] = code[i];
        plain[n] = '\0';
        for (int i = 0; i + 1 < n; i++) {
            if (plain[i] == plain[i + 1])
                continue;
            memcpy(mut, plain, sizeof plain);
            mut[i] = plain[i + 1];
            mut[i + 1] = plain[i];
            assert_int_equal(rs_trackcode_parse(mut, back), RS_TRACKCODE_TYPO);
        }
    }
}

static void test_distinct_bits_distinct_codes(void **state)
{
    (void)state;
    char a[RS_TRACKCODE_LEN], b[RS_TRACKCODE_LEN];
    rs_trackcode_format(1, a);
    rs_trackcode_format(2, b);
    assert_string_not_equal(a, b);
    /* 60 bits are all used: the top bit changes the first character */
    rs_trackcode_format(0, a);
    rs_trackcode_format(1ull << 59, b);
    assert_true(a[3] != b[3]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_shape),
        cmocka_unit_test(test_parse_forgiving),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_every_single_typo_caught),
        cmocka_unit_test(test_every_adjacent_swap_caught),
        cmocka_unit_test(test_distinct_bits_distinct_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
