/* cmd_migrate.c — `rastro migrate`: create or upgrade the schema, and say which version it is. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmd.h"
#include "store/store.h"

int rs_cmd_migrate(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db))
            continue;
        if (strcmp(argv[i], "--help") != 0 && strcmp(argv[i], "-h") != 0)
            fprintf(stderr, "rastro migrate: unknown option %s\n", argv[i]);
        fprintf(stderr, "usage: rastro migrate [--db URL]\n"
                        "  creates the database (a file path or sqlite:PATH; env RASTRO_DB; default\n"
                        "  var/rastro.db) or brings its schema up to date; prints the schema version\n"
                        "example: rastro migrate --db /var/lib/rastro/rastro.db\n");
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
