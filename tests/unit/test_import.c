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
    assert_int_equal(rs_app_import(s, mid, fp, 0, errs, 50, &sum), RS_EIO);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_error_midway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
