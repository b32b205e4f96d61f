/* test_history.c — history CSV rows: the fixture's good rows are read, each bad row is skipped
 * and counted under its reason. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "ingest/history.h"

static void test_fixture(void **state)
{
    (void)state;
    FILE *fp = fopen("tests/data/history-small.csv", "rb");
    assert_non_null(fp);
    struct rs_csv c;
    assert_int_equal(rs_csv_init_file(&c, fp), RS_OK);
    assert_int_equal(rs_csv_next(&c), RS_OK);
    struct rs_history_cols cols;
    assert_int_equal(rs_history_cols_init(&cols, &c), RS_OK);
    long counts[RS_HSKIP__COUNT] = {0};
    struct rs_history_row r, first = {0};
    for (;;) {
        enum rs_err e = rs_csv_next(&c);
        if (e == RS_ENOTFOUND)
            break;
        assert_int_equal(e, RS_OK);
        enum rs_history_skip s = rs_history_parse(&c, &cols, &r);
        if (s == RS_HSKIP_NONE && counts[0] == 0)
            first = r;
        counts[s]++;
    }
    rs_csv_release(&c);
    fclose(fp);
    assert_int_equal(counts[RS_HSKIP_NONE], 160);
    for (int i = 1; i < RS_HSKIP__COUNT; i++)
        assert_int_equal(counts[i], 1);
    assert_string_equal(first.order_ref, "s0000");
    assert_string_equal(first.origin_region, "MAD");
    assert_string_equal(first.dest_region, "MAD");
    assert_string_equal(first.carrier, "seur");
    assert_true(first.has_shipped && first.has_promised);
    assert_int_equal(first.placed_off, 60);
    struct rs_promise_obs o;
    rs_history_obs(&first, &o);
    assert_int_equal(o.placed_minute, 10 * 60);
    assert_true(o.shipped_day > o.placed_day && o.delivered_day > o.shipped_day);
}

static void test_header_and_edge_rows(void **state)
{
    (void)state;
    const char *bad_hdr = "order_ref,placed_at\nx,2025-01-01T00:00:00Z\n";
    struct rs_csv c;
    struct rs_history_cols cols;
    assert_int_equal(rs_csv_init_mem(&c, bad_hdr, strlen(bad_hdr)), RS_OK);
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_cols_init(&cols, &c), RS_EINVAL);
    rs_csv_release(&c);
    /* without origin_region no row could be used: the header is refused, not every row */
    const char *no_origin = "placed_at,delivered_at,destination_region\n";
    assert_int_equal(rs_csv_init_mem(&c, no_origin, strlen(no_origin)), RS_OK);
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_cols_init(&cols, &c), RS_EINVAL);
    rs_csv_release(&c);
    const char *t = "placed_at,shipped_at,delivered_at,origin_region,destination_region\n"
                    "2025-01-02T10:00:00Z,2024-12-31T12:00:00Z,2025-01-05T10:00:00Z,A,B\n"
                    "2025-01-02T10:00:00Z,2025-01-06T12:00:00Z,2025-01-05T10:00:00Z,A,B\n"
                    "2025-01-02T10:00:00,,2025-01-05T10:00:00Z,A,B\n"
                    "2025-01-02T10:00:00Z,2025-01-02T09:00:00Z,2025-01-05T10:00:00Z,A,B\n";
    assert_int_equal(rs_csv_init_mem(&c, t, strlen(t)), RS_OK);
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_cols_init(&cols, &c), RS_OK);
    struct rs_history_row r;
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_parse(&c, &cols, &r), RS_HSKIP_ABSURD_DURATION); /* ships -1 d */
    assert_string_equal(r.bad_column, "shipped_at");
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_parse(&c, &cols, &r), RS_HSKIP_ABSURD_DURATION); /* after */
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_parse(&c, &cols, &r), RS_HSKIP_BAD_DATE); /* no offset */
    assert_string_equal(r.bad_column, "placed_at"); /* named in the summary */
    assert_int_equal(rs_csv_next(&c), RS_OK);
    assert_int_equal(rs_history_parse(&c, &cols, &r), RS_HSKIP_NONE); /* 1 h early: clamped */
    assert_int_equal(r.shipped_at, r.placed_at);
    assert_null(r.bad_column);
    rs_csv_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_header_and_edge_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
