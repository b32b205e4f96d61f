/* test_track_token.c — the tracking page's verification token: bound to the key, the code, the
 * factor and its value; refused when anything differs. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "app/track_token.h"

static const unsigned char key1[RS_TRACK_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const unsigned char key2[RS_TRACK_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11};
#define TODAY 20428 /* 2025-12-06 */
#define D (TODAY + RS_TRACK_TOKEN_DAYS)

static void test_token_shape(void **state)
{
    (void)state;
    char a[RS_TRACK_TOKEN_LEN], b[RS_TRACK_TOKEN_LEN];
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", D, a);
    assert_int_equal(strlen(a), RS_TRACK_TOKEN_LEN - 1);
    assert_int_equal(strspn(a, "0123456789abcdefghjkmnpqrstvwxyz"), RS_TRACK_TOKEN_LEN - 1);
    char day[5];
    snprintf(day, sizeof day, "%.4s", a);
    assert_string_equal(day, "0kza"); /* 20458 = 19*32^2 + 31*32 + 10, in the key alphabet: the expiry day */
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", D, b);
    assert_string_equal(a, b); /* deterministic: the same link every time */
    /* each input changes it */
    rs_track_token(key2, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", D, b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXX", 'e', "ana@example.com", D, b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'p', "ana@example.com", D, b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.es", D, b);
    assert_string_not_equal(a, b);
    rs_track_token(key1, "RX-7K4Q-9PZD-M3TXW", 'e', "ana@example.com", D + 1, b);
    assert_string_not_equal(a, b); /* another expiry, another MAC */
    assert_memory_not_equal(a + 4, b + 4, RS_TRACK_TOKEN_LEN - 5);
}

static void test_token_expiry(void **state)
{
    (void)state;
    char t[RS_TRACK_TOKEN_LEN];
    const char *code = "RX-7K4Q-9PZD-M3TXW";
    rs_track_token(key1, code, 'e', "ana@example.com", TODAY + 3, t);
    assert_true(rs_track_token_check(key1, code, 'e', "ana@example.com", t, TODAY));
    assert_true(rs_track_token_check(key1, code, 'e', "ana@example.com", t, TODAY + 3)); /* through its day */
    assert_false(rs_track_token_check(key1, code, 'e', "ana@example.com", t, TODAY + 4));
    /* a later expiry written over the day part does not pass: the MAC covers it */
    char forged[RS_TRACK_TOKEN_LEN], later[RS_TRACK_TOKEN_LEN];
    rs_track_token(key1, code, 'e', "ana@example.com", TODAY + 400, later);
    memcpy(forged, t, sizeof forged);
    memcpy(forged, later, 4);
    assert_false(rs_track_token_check(key1, code, 'e', "ana@example.com", forged, TODAY + 4));
    /* a day part that is not base32 */
    memcpy(forged, t, sizeof forged);
    forged[0] = 'I';
    assert_false(rs_track_token_check(key1, code, 'e', "ana@example.com", forged, TODAY));
}

static void test_token_check(void **state)
{
    (void)state;
    char t[RS_TRACK_TOKEN_LEN];
    const char *code = "RX-7K4Q-9PZD-M3TXW";
    rs_track_token(key1, code, 'p', "28013", D, t);
    assert_true(rs_track_token_check(key1, code, 'p', "28013", t, TODAY));
    assert_false(rs_track_token_check(key2, code, 'p', "28013", t, TODAY));   /* another installation */
    assert_false(rs_track_token_check(key1, code, 'e', "28013", t, TODAY));   /* another factor */
    assert_false(rs_track_token_check(key1, code, 'p', "28014", t, TODAY));   /* the postcode changed */
    assert_false(rs_track_token_check(key1, code, 'p', "", t, TODAY));        /* erased */
    assert_false(rs_track_token_check(key1, code, 'p', NULL, t, TODAY));
    assert_false(rs_track_token_check(key1, code, 'p', "28013", NULL, TODAY));
    assert_false(rs_track_token_check(key1, code, 'p', "28013", "", TODAY));
    char shorter[RS_TRACK_TOKEN_LEN];
    memcpy(shorter, t, sizeof shorter);
    shorter[RS_TRACK_TOKEN_LEN - 2] = '\0';
    assert_false(rs_track_token_check(key1, code, 'p', "28013", shorter, TODAY));
    char longer[RS_TRACK_TOKEN_LEN + 1];
    memcpy(longer, t, RS_TRACK_TOKEN_LEN - 1);
    longer[RS_TRACK_TOKEN_LEN - 1] = 'x';
    longer[RS_TRACK_TOKEN_LEN] = '\0';
    assert_false(rs_track_token_check(key1, code, 'p', "28013", longer, TODAY));
    /* one character off, anywhere */
    for (int i = 0; i < RS_TRACK_TOKEN_LEN - 1; i++) {
        char w[RS_TRACK_TOKEN_LEN];
        memcpy(w, t, sizeof w);
        w[i] = w[i] == '0' ? '1' : '0';
        assert_false(rs_track_token_check(key1, code, 'p', "28013", w, TODAY));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_shape),
        cmocka_unit_test(test_token_check),
        cmocka_unit_test(test_token_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
