/* cmd_migrate.c — `rastro migrate`: create or upgrade the schema, and say which version it is. */
#include <stdio.h>

#include "cli/args.h"
#include "cli/cmd.h"
#include "store/store.h"

int rs_cmd_migrate(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db))
            continue;
        fprintf(stderr, "usage: rastro migrate [--db URL]\n");
        return 2;
    }
    struct rs_store *s = NULL;
    char err[512];
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro migrate: %s\n", err);
        return 1;
    }
    printf("schema version %d\n", rs_store_schema_version(s));
    rs_store_close(s);
    return 0;
}
