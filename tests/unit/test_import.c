/* test_import.c — rs_app_import on a real (temporary) store when its input fails mid-way: a read
 * error is not the end of the file. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "app/import.h"
#include "ingest/csv_in.h"
#include "util/timefmt.h"
#include "store/store.h"

/* A stream that gives TEXT then fails with EIO, as a disk with a bad block would. */
struct failing {
    const char *text;
    size_t len, pos;
};

static ssize_t failing_read(void *cookie, char *buf, size_t size)
{
    struct failing *f = cookie;
    if (f->pos >= f->len) {
        errno = EIO;
        return -1;
    }
    size_t n = f->len - f->pos < size ? f->len - f->pos : size;
    memcpy(buf, f->text + f->pos, n);
    f->pos += n;
    return (ssize_t)n;
}

static void test_read_error_midway(void **state)
{
    (void)state;
    char path[64];
    struct rs_store *s = unit_db_new(path, sizeof path, "import");
    int64_t mid = 0;
    assert_int_equal(rs_store_merchant_create(s, "Tienda", "Europe/Madrid", "es", 1764000000, &mid), RS_OK);

    /* two whole rows, then the third cut short by the read error */
    struct failing f = {.text = "order_ref,placed_at\n"
                                "R-1,2025-11-24T10:00:00Z\n"
                                "R-2,2025-11-24T11:00:00Z\n"
                                "R-3,2025-11-2"};
    f.len = strlen(f.text);
    FILE *fp = fopencookie(&f, "r", (cookie_io_functions_t){.read = failing_read});
    assert_non_null(fp);
    char *msgs = NULL;
    size_t msgs_len = 0;
    FILE *errs = open_memstream(&msgs, &msgs_len);
    struct rs_import_summary sum;
    assert_int_equal(rs_app_import(s, mid, fp, 0, NULL, errs, 50, &sum), RS_EIO);
    fclose(errs);
    fclose(fp);
    assert_non_null(strstr(msgs, "line 4: cannot read the file from here on"));
    free(msgs);
    /* the rows before it are kept, the cut one is not */
    assert_int_equal(sum.orders_created, 2);
    struct rs_order_key k;
    assert_int_equal(rs_store_order_find(s, mid, "R-2", &k), RS_OK);
    assert_int_equal(rs_store_order_find(s, mid, "R-3", &k), RS_ENOTFOUND);

    rs_store_close(s);
    unit_db_remove(path);
}

/* Times as merchants' spreadsheets write them, without an offset: read in the --timezone given
 * (DST included), refused without one with advice naming the line's column and the fix. */
static void test_local_times(void **state)
{
    (void)state;
    char c0[] = "order_ref", c1[] = "placed_at", c2[] = "carrier", c3[] = "tracking_number", c4[] = "occurred_at";
    char *hdr[] = {c0, c1, c2, c3, c4};
    struct rs_csv_header h;
    struct rs_app_error err = {0};
    static struct rs_item_in items[RS_MAX_ITEMS];
    assert_int_equal(rs_csv_header_parse(hdr, 5, &h, &err), RS_OK);
    h.shop_zone = "Europe/Madrid";

    char r0[] = "T-1", r1[] = "23/11/2026 14:05", r2[] = "seur", r3[] = "TZ1", r4[] = "2026-07-01 09:30:15";
    char *row[] = {r0, r1, r2, r3, r4};
    struct rs_csv_row out;
    assert_int_equal(rs_csv_row_parse(&h, row, 5, &out, items, &err), RS_EINVAL);
    assert_string_equal(err.message, "placed_at \"23/11/2026 14:05\" has no UTC offset: write it as "
                                     "2026-11-23T14:05:00+01:00, or import with --timezone Europe/Madrid to read "
                                     "the file's times there");

    h.zone = "Europe/Madrid";
    assert_int_equal(rs_csv_row_parse(&h, row, 5, &out, items, &err), RS_OK);
    int64_t want;
    assert_int_equal(rs_time_parse("2026-11-23T14:05:00+01:00", false, &want, NULL), RS_OK);
    assert_int_equal(out.order.placed_at, want);
    assert_int_equal(out.order.placed_offset_min, 60);
    assert_int_equal(rs_time_parse("2026-07-01T09:30:15+02:00", false, &want, NULL), RS_OK);
    assert_int_equal(out.event.occurred_at, want); /* summer time */
    assert_int_equal(out.event.offset_min, 120);

    h.zone = "America/Mexico_City";
    char m1[] = "2026-11-23T14:05";
    row[1] = m1;
    assert_int_equal(rs_csv_row_parse(&h, row, 5, &out, items, &err), RS_OK);
    assert_int_equal(rs_time_parse("2026-11-23T14:05:00-06:00", false, &want, NULL), RS_OK);
    assert_int_equal(out.order.placed_at, want);

    char bad[] = "31/02/2026 10:00"; /* no such day: not a time, in any zone */
    row[1] = bad;
    assert_int_equal(rs_csv_row_parse(&h, row, 5, &out, items, &err), RS_EINVAL);
    assert_non_null(strstr(err.message, "placed_at \"31/02/2026 10:00\" is not a time"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_error_midway),
        cmocka_unit_test(test_local_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
