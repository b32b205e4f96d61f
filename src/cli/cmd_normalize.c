/* cmd_normalize.c — placeholder until this command lands. */
#include <stdio.h>

#include "cli/cmd.h"

int rs_cmd_normalize(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rastro normalize: not available in this build yet\n");
    return 1;
}
