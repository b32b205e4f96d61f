/* cmd_merchant.c — placeholder. */
#include <stdio.h>

#include "cli/cmd.h"

int rs_cmd_merchant(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rastro merchant: not available in this build yet\n");
    return 1;
}
