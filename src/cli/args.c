/* args.c — option reading for commands (see args.h). */
#include "cli/args.h"

#include "cli/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool rs_arg_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "rastro: option %s needs a value\n", name);
        exit(2);
    }
    *val = argv[++*i];
    return true;
}

bool rs_arg_flag(char **argv, int i, const char *name)
{
    return strcmp(argv[i], name) == 0;
}

bool rs_arg_long(const char *val, long lo, long hi, long *out)
{
    if (!val)
        return true;
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (!*val || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

const char *rs_cmd_db_url(const char *flag_value)
{
    if (flag_value && *flag_value)
        return flag_value;
    const char *env = getenv("RASTRO_DB");
    return env && *env ? env : "var/rastro.db";
}

bool rs_cmd_db_exists(const char *url, const char *cmd)
{
    static const char *const prefixes[] = {"sqlite://", "sqlite:", "file:"};
    const char *path = url;
    for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++)
        if (strncmp(url, prefixes[k], strlen(prefixes[k])) == 0) {
            path = url + strlen(prefixes[k]);
            break;
        }
    if (strncmp(url, "postgres", 8) == 0 || !*path || access(path, F_OK) == 0)
        return true; /* rs_store_open says what is wrong with those */
    fprintf(stderr,
            "rastro %s: no database at '%s' (check --db or RASTRO_DB; `rastro serve` or `rastro migrate` "
            "creates a new one)\n",
            cmd, path);
    return false;
}
