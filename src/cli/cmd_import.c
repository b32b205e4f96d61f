/* cmd_import.c — placeholder. */
#include <stdio.h>

#include "cli/cmd.h"

int rs_cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rastro import: not available in this build yet\n");
    return 1;
}
