/* cmd_migrate.c — placeholder. */
#include <stdio.h>

#include "cli/cmd.h"

int rs_cmd_migrate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rastro migrate: not available in this build yet\n");
    return 1;
}
