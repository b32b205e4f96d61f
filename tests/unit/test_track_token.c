/* test_track_token.c — the tracking page's verification token: bound to the key, the code, the
 * factor and its value; refused when anything differs. */
#include "unit.h"

#include <string.h>

#include "app/track_token.h"

static const unsigned char key1[RS_TRACK_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const unsigned char key2[RS_TRACK_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11};

static void test_token_shape(void **state)
{
    (void)state;
    char a[RS_TRACK_TOKEN_LEN], b[RS_TRACK_TOKEN_LEN];
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", a);
    assert_int_equal(strlen(a), RS_TRACK_TOKEN_LEN - 1);
    assert_int_equal(strspn(a, "0123456789abcdefghjkmnpqrstvwxyz"), RS_TRACK_TOKEN_LEN - 1);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", b);
    assert_string_equal(a, b); /* deterministic: the same link every time */
    /* each input changes it */
    rs_track_token(key2, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXX", 'e', "ana@example.com", b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'p', "ana@example.com", b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.es", b);
    assert_string_not_equal(a, b);
}

static void test_token_check(void **state)
{
    (void)state;
    char t[RS_TRACK_TOKEN_LEN];
    const char *code = "RX-7K4Q-9PZD-M3TXW";
    rs_track_token(key1, code, 'p', "28013", t);
    assert_true(rs_track_token_check(key1, code, 'p', "28013", t));
    assert_false(rs_track_token_check(key2, code, 'p', "28013", t));   /* another installation */
    assert_false(rs_track_token_check(key1, code, 'e', "28013", t));   /* another factor */
    assert_false(rs_track_token_check(key1, code, 'p', "28014", t));   /* the postcode changed */
    assert_false(rs_track_token_check(key1, code, 'p', "", t));        /* erased */
    assert_false(rs_track_token_check(key1, code, 'p', NULL, t));
    assert_false(rs_track_token_check(key1, code, 'p', "28013", NULL));
    assert_false(rs_track_token_check(key1, code, 'p', "28013", ""));
    char shorter[RS_TRACK_TOKEN_LEN];
    memcpy(shorter, t, sizeof shorter);
    shorter[RS_TRACK_TOKEN_LEN - 2] = '\0';
    assert_false(rs_track_token_check(key1, code, 'p', "28013", shorter));
    char longer[RS_TRACK_TOKEN_LEN + 1];
    memcpy(longer, t, RS_TRACK_TOKEN_LEN - 1);
    longer[RS_TRACK_TOKEN_LEN - 1] = 'x';
    longer[RS_TRACK_TOKEN_LEN] = '\0';
    assert_false(rs_track_token_check(key1, code, 'p', "28013", longer));
    /* one character off, anywhere */
    for (int i = 0; i < RS_TRACK_TOKEN_LEN - 1; i++) {
        char w[RS_TRACK_TOKEN_LEN];
        memcpy(w, t, sizeof w);
        w[i] = w[i] == '0' ? '1' : '0';
        assert_false(rs_track_token_check(key1, code, 'p', "28013", w));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_shape),
        cmocka_unit_test(test_token_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
