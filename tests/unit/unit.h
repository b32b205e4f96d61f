/* unit.h — what every cmocka unit test includes. Each tests/unit/test_<name>.c is one binary,
 * built with ASan+UBSan and linked against every object of the program but main.o. */
#ifndef RS_UNIT_H
#define RS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
