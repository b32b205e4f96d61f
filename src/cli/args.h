/* args.h — tiny option reader shared by the commands: "--name value" and "--name=value". */
#ifndef RS_ARGS_H
#define RS_ARGS_H

#include <stdbool.h>

/* If argv[*i] is option NAME, store its value in *val, advance *i past it and return true.
 * A missing value prints an error and exits with status 2. */
bool rs_arg_value(int argc, char **argv, int *i, const char *name, const char **val);
/* If argv[*i] is the flag NAME return true. */
bool rs_arg_flag(char **argv, int i, const char *name);

/* A whole number option: true, *out = VAL, when VAL is one from LO to HI; true, *out unchanged
 * (the default), when the option was not given (VAL NULL); false for anything else ("", "abc",
 * "4x", out of range). */
bool rs_arg_long(const char *val, long lo, long hi, long *out);

#endif
