/* cmd.h — every `rastro <verb>` is an int rs_cmd_<verb>(int argc, char **argv) in cmd_<verb>.c.
 * argv[0] is the verb itself. Return 0 on success, 1 on a failure the command reported,
 * 2 on a usage error. */
#ifndef RS_CMD_H
#define RS_CMD_H

#include <stdbool.h>

int rs_cmd_serve(int argc, char **argv);
int rs_cmd_merchant(int argc, char **argv);
int rs_cmd_import(int argc, char **argv);
int rs_cmd_demo(int argc, char **argv);
int rs_cmd_migrate(int argc, char **argv);
int rs_cmd_normalize(int argc, char **argv);
int rs_cmd_promise(int argc, char **argv);
int rs_cmd_bot(int argc, char **argv);
int rs_cmd_notify(int argc, char **argv);
int rs_cmd_worker(int argc, char **argv);
int rs_cmd_agent(int argc, char **argv);
int rs_cmd_customer(int argc, char **argv);
int rs_cmd_mail_in(int argc, char **argv);

/* The database URL from --db, else $RASTRO_DB, else "var/rastro.db". Borrowed. */
const char *rs_cmd_db_url(const char *flag_value);
/* True when database URL (a path, sqlite:PATH, file:PATH) exists. False after saying on stderr
 * ("rastro CMD: no database at …") that it does not: commands that only read or change what is
 * already there refuse to create an empty database from a misspelt --db or RASTRO_DB. */
bool rs_cmd_db_exists(const char *url, const char *cmd);

#endif
