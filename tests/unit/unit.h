/* unit.h — what every cmocka unit test includes. Each tests/unit/test_<name>.c is one binary,
 * built with ASan+UBSan and linked against every object of the program but main.o. */
#ifndef RS_UNIT_H
#define RS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"

/* A new, migrated SQLite database of the test NAME in /tmp: its path into PATH (CAP bytes, at
 * least 64), the store opened on it returned (the test fails when it cannot). */
static inline struct rs_store *unit_db_new(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "/tmp/rs-test-%s-XXXXXX", name);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct rs_store *s = NULL;
    char err[256];
    assert_int_equal(rs_store_open(path, 0, &s, err, sizeof err), RS_OK);
    return s;
}

/* Remove a test's SQLite database file and its WAL and shared-memory side files. */
static inline void unit_db_remove(const char *path)
{
    char side[4096];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

#endif
