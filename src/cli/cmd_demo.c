/* cmd_demo.c — placeholder. */
#include <stdio.h>

#include "cli/cmd.h"

int rs_cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rastro demo: not available in this build yet\n");
    return 1;
}
