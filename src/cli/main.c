/* main.c — `rastro <verb> …`: the one dispatch table of the command line (git's git.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *usage;
    const char *help;
} commands[] = {
    {"serve", rs_cmd_serve, "serve [--db URL] [--listen HOST:PORT] [--base-url URL]",
     "run the HTTP API, public tracking pages and background workers"},
    {"merchant", rs_cmd_merchant,
     "merchant create NAME | key ID [--scopes …,quote] | keys ID | revoke ID KEY_ID | hook PROVIDER --merchant ID "
     "--secret S | list",
     "create a merchant (prints its API key), more keys (quote: publishable, for the shop's pages), list or "
     "revoke them, list merchants"},
    {"import", rs_cmd_import, "import [--db URL] --merchant ID [--timezone ZONE] FILE.csv",
     "load orders, shipments and events from a CSV file (docs/import.md)"},
    {"demo", rs_cmd_demo, "demo [--db URL] [--base-url URL]",
     "fill a database with a demo merchant, orders and events; prints key and codes"},
    {"migrate", rs_cmd_migrate, "migrate [--db URL]", "create or upgrade the database schema"},
    {"normalize", rs_cmd_normalize, "normalize [--carrier NAME] [--lang es|en|pt]",
     "classify carrier texts from stdin into status<TAB>substatus"},
    {"promise", rs_cmd_promise, "promise train|learn|eval|quote|sweep|settings …",
     "learn delivery windows from history and evaluate them"},
    {"bot", rs_cmd_bot, "bot classify|eval|train …", "classify customer messages; evaluate the bot"},
    {"notify", rs_cmd_notify, "notify settings|show|preview|list|resend --merchant ID …",
     "configure customer notifications, preview a message, list or resend"},
    {"agent", rs_cmd_agent,
     "agent create --merchant ID --email E --name N [--role admin] | list | disable|enable|password --email E",
     "console accounts for support agents (password from stdin, or a generated one printed)"},
    {"worker", rs_cmd_worker, "worker [--db URL] [--threads N] [--sweep-interval S]",
     "send queued notifications and run the delay/policy/retention sweeps (both also run inside serve)"},
    {"customer", rs_cmd_customer, "customer export|erase --merchant ID (--email E | --phone P) | sweep",
     "export or erase everything held about a customer; run the retention sweep (docs/privacy.md)"},
    {"mail-in", rs_cmd_mail_in, "mail-in --url http://HOST:PORT/hooks/email/TOKEN --secret-file FILE < message",
     "hand one e-mail from Postfix (pipe transport) to the server (docs/support-channels.md)"},
};

#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "Rastro — know where every order is, promise honestly, tell customers first.\n\n"
                 "usage: rastro <command> [options]\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n             rastro %s\n", commands[i].name, commands[i].help,
                commands[i].usage);
    fprintf(out, "\nenvironment: RASTRO_DB (database URL), RASTRO_LISTEN (HOST:PORT),\n"
                 "             RASTRO_BASE_URL (public URL for tracking links)\n"
                 "`rastro <command> --help` explains a command; `rastro --version` prints the version.\n"
                 "Exit status: 0 done, 2 usage error, 1 failure (docs/operations.md).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        /* asked for, the answer (stdout, 0); a bare `rastro` is a usage error (stderr, 2) */
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("rastro 0.1.0");
        return 0;
    }
    for (int i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        /* `rastro CMD --help` or `rastro CMD SUB --help` (promise train, bot eval…) */
        bool help = (argc == 3 || (argc == 4 && argv[2][0] != '-')) &&
                    (strcmp(argv[argc - 1], "--help") == 0 || strcmp(argv[argc - 1], "-h") == 0);
        if (help) {
            /* asked for, the usage is the answer (standard output, exit 0) whichever way the
             * command prints it (usage errors go to standard error, exit 2) */
            fflush(stdout);
            if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
                return 1;
            int rc = commands[i].fn(argc - 1, argv + 1);
            return rc == 2 ? 0 : rc;
        }
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "rastro: '%s' is not a command. See 'rastro --help'.\n", argv[1]);
    return 2;
}
