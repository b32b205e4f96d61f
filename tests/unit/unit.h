/* unit.h — what every cmocka unit test includes. Each tests/unit/test_<name>.c is one binary,
 * built with ASan+UBSan and linked against every object of the program but main.o. */
#ifndef RS_UNIT_H
#define RS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

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
