/* test_sms.c — GSM-7/UCS-2 detection, segment counting at part boundaries, transliteration. */
#include "unit.h"

#include <string.h>

#include "core/sms.h"

static struct rs_sms_info info_of(const char *s)
{
    struct rs_sms_info in;
    assert_int_equal(rs_sms_analyze(s, strlen(s), &in), RS_OK);
    return in;
}

/* A string of N copies of C (ASCII). */
static char *rep(char *buf, char c, int n)
{
    memset(buf, c, (size_t)n);
    buf[n] = '\0';
    return buf;
}

static void test_gsm_basic_lengths(void **state)
{
    (void)state;
    char b[2000];
    struct rs_sms_info in = info_of("");
    assert_int_equal(in.segments, 0);
    assert_int_equal(in.left, 160);
    in = info_of(rep(b, 'a', 160));
    assert_int_equal(in.encoding, RS_SMS_GSM7);
    assert_int_equal(in.units, 160);
    assert_int_equal(in.segments, 1);
    assert_int_equal(in.left, 0);
    in = info_of(rep(b, 'a', 161));
    assert_int_equal(in.segments, 2);
    assert_int_equal(in.left, 153 * 2 - 161);
    in = info_of(rep(b, 'a', 306));
    assert_int_equal(in.segments, 2);
    in = info_of(rep(b, 'a', 307));
    assert_int_equal(in.segments, 3);
    /* Spanish letters that ARE in GSM-7 */
    in = info_of("¿Qué tal? ¡Señor Müller! Ñandú no");
    assert_int_equal(in.encoding, RS_SMS_UCS2); /* the ú of Ñandú */
    in = info_of("¿Qué tal? ¡Señor Müller! Ñandu");
    assert_int_equal(in.encoding, RS_SMS_GSM7);
    assert_int_equal(in.chars, 30);
    assert_int_equal(in.units, 30);
}

static void test_gsm_extension(void **state)
{
    (void)state;
    char b[400];
    /* 159 + one € (2 septets) = 161 septets → 2 parts */
    rep(b, 'a', 159);
    strcat(b, "€");
    struct rs_sms_info in = info_of(b);
    assert_int_equal(in.encoding, RS_SMS_GSM7);
    assert_int_equal(in.chars, 160);
    assert_int_equal(in.units, 161);
    assert_int_equal(in.segments, 2);
    /* 158 + € = 160 septets → 1 part */
    rep(b, 'a', 158);
    strcat(b, "€");
    in = info_of(b);
    assert_int_equal(in.units, 160);
    assert_int_equal(in.segments, 1);
    /* each of ^{}\[~]|€ counts 2 */
    in = info_of("^{}\\[~]|€");
    assert_int_equal(in.units, 18);
    assert_int_equal(in.chars, 9);
    /* escape pair at a part boundary: 152 'a' + '{' would end at 154 > 153, so '{' opens part
     * 2 (the part keeps 152 septets). 152 + 2 + 152 = 306 septets but needs 3 parts. */
    rep(b, 'a', 152);
    strcat(b, "{");
    memset(b + strlen(b), 'a', 152);
    b[152 + 1 + 152] = '\0';
    in = info_of(b);
    assert_int_equal(in.units, 306);
    assert_int_equal(in.segments, 3);
    /* the same text with the brace one position earlier fits in 2 parts */
    rep(b, 'a', 151);
    strcat(b, "{");
    memset(b + strlen(b), 'a', 153);
    b[151 + 1 + 153] = '\0';
    in = info_of(b);
    assert_int_equal(in.units, 306);
    assert_int_equal(in.segments, 2);
    assert_int_equal(in.left, 0);
}

static void test_ucs2(void **state)
{
    (void)state;
    char b[1000];
    /* one á switches everything to UCS-2: 70 single, 67 per part */
    strcpy(b, "á");
    memset(b + 2, 'a', 69);
    b[71] = '\0';
    struct rs_sms_info in = info_of(b);
    assert_int_equal(in.encoding, RS_SMS_UCS2);
    assert_int_equal(in.first_ucs2_offset, 0);
    assert_int_equal(in.units, 70);
    assert_int_equal(in.segments, 1);
    b[71] = 'a';
    b[72] = '\0';
    in = info_of(b);
    assert_int_equal(in.units, 71);
    assert_int_equal(in.segments, 2);
    /* emoji = surrogate pair = 2 units, never split: 66 'a' + 😀 + 66 'a' = 134 units would
     * fit 2 x 67, but the pair cannot straddle parts, so 3 parts */
    rep(b, 'a', 66);
    strcat(b, "😀");
    size_t l = strlen(b);
    memset(b + l, 'a', 66);
    b[l + 66] = '\0';
    in = info_of(b);
    assert_int_equal(in.units, 134);
    assert_int_equal(in.chars, 133);
    assert_int_equal(in.segments, 3);
    /* emoji alone: 2 units, 1 part; 35 emoji = 70 units = 1 part; 36 → 2 parts */
    b[0] = '\0';
    for (int i = 0; i < 35; i++)
        strcat(b, "📦");
    in = info_of(b);
    assert_int_equal(in.units, 70);
    assert_int_equal(in.segments, 1);
    strcat(b, "📦");
    in = info_of(b);
    assert_int_equal(in.segments, 2);
    /* backtick is not GSM-7 */
    in = info_of("a`b");
    assert_int_equal(in.encoding, RS_SMS_UCS2);
    assert_int_equal(in.first_ucs2_offset, 1);
}

static void test_invalid(void **state)
{
    (void)state;
    struct rs_sms_info in = {.chars = 42};
    assert_int_equal(rs_sms_analyze("ab\xff", 3, &in), RS_EINVAL);
    assert_int_equal(in.chars, 42);
    assert_int_equal(rs_sms_analyze("\xc3", 1, &in), RS_EINVAL);
    assert_int_equal(rs_sms_analyze(NULL, 0, &in), RS_OK);
    assert_int_equal(in.segments, 0);
}

static void test_transliterate(void **state)
{
    (void)state;
    char out[256];
    size_t n;
    const char *in = "Tu pedido está en camino – llegará “mañana” a Cádiz, Ávila… ÇçÍ";
    assert_int_equal(rs_sms_transliterate(in, strlen(in), out, sizeof out, &n), RS_OK);
    assert_string_equal(out, "Tu pedido esta en camino - llegara \"mañana\" a Cadiz, Avila... ÇcI");
    assert_int_equal(n, strlen(out));
    struct rs_sms_info si = info_of(out);
    assert_int_equal(si.encoding, RS_SMS_GSM7);
    /* emoji has no GSM-7 equivalent: kept, so still UCS-2 */
    in = "Listo 📦 ó";
    assert_int_equal(rs_sms_transliterate(in, strlen(in), out, sizeof out, &n), RS_OK);
    assert_string_equal(out, "Listo 📦 o");
    assert_int_equal(info_of(out).encoding, RS_SMS_UCS2);
    /* too small: truncated at a character boundary */
    assert_int_equal(rs_sms_transliterate("ñññ", 6, out, 5, &n), RS_ENOMEM);
    assert_string_equal(out, "ññ");
    assert_int_equal(rs_sms_transliterate("a\xff", 2, out, sizeof out, &n), RS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsm_basic_lengths),
        cmocka_unit_test(test_gsm_extension),
        cmocka_unit_test(test_ucs2),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_transliterate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
