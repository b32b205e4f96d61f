/* test_keys.c — API key scopes (their names on the command line and in error messages) and the
 * key format. */
#include "unit.h"

#include <string.h>

#include "app/keys.h"

static void test_scopes_parse(void **state)
{
    (void)state;
    unsigned sc = 0;
    assert_int_equal(rs_scopes_parse("ingest,read,admin", &sc), RS_OK);
    assert_int_equal(sc, RS_SCOPES_SECRET);
    assert_int_equal(rs_scopes_parse("quote", &sc), RS_OK);
    assert_int_equal(sc, RS_SCOPE_QUOTE);
    assert_false(sc & RS_SCOPES_SECRET); /* the publishable key holds none of the secret scopes */
    assert_int_equal(rs_scopes_parse("read,quote", &sc), RS_OK);
    assert_int_equal(sc, RS_SCOPE_READ | RS_SCOPE_QUOTE);
    sc = 77;
    assert_int_equal(rs_scopes_parse("quote,bogus", &sc), RS_EINVAL);
    assert_int_equal(rs_scopes_parse("", &sc), RS_EINVAL);
    assert_int_equal(rs_scopes_parse("quot", &sc), RS_EINVAL);
    assert_int_equal(rs_scopes_parse("quotes", &sc), RS_EINVAL);
    assert_int_equal(rs_scopes_parse("read,", &sc), RS_OK); /* a trailing comma is harmless */
    assert_int_equal(sc, RS_SCOPE_READ);
    assert_int_equal(rs_scopes_parse(",", &sc), RS_EINVAL);
}

static void test_scopes_format(void **state)
{
    (void)state;
    char out[32];
    rs_scopes_format(RS_SCOPES_SECRET | RS_SCOPE_QUOTE, out, sizeof out);
    assert_string_equal(out, "ingest,read,admin,quote"); /* fits the documented 32 bytes */
    rs_scopes_format(RS_SCOPE_QUOTE, out, sizeof out);
    assert_string_equal(out, "quote");
    rs_scopes_format(RS_SCOPE_READ | RS_SCOPE_QUOTE, out, sizeof out);
    assert_string_equal(out, "read,quote");
    unsigned back = 0;
    assert_int_equal(rs_scopes_parse(out, &back), RS_OK);
    assert_int_equal(back, RS_SCOPE_READ | RS_SCOPE_QUOTE);
    char small[8];
    rs_scopes_format(RS_SCOPES_SECRET, small, sizeof small); /* truncated, never overflowed */
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scopes_parse),
        cmocka_unit_test(test_scopes_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
