/* cmd_serve.c — placeholder. */
#include <stdio.h>

#include "cli/cmd.h"

int rs_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rastro serve: not available in this build yet\n");
    return 1;
}
