/* cmd_agent.c — `rastro agent create --merchant ID --email E --name N [--role admin]
 * [--locale es|en]`, `rastro agent list [--merchant ID]`, `rastro agent disable|enable --email E`
 * and `rastro agent password --email E`: console accounts (docs/console.md).
 * The password is read from stdin (first line) when stdin is not a terminal or has a line;
 * with an empty stdin (or a terminal) a random one is generated and printed once. Only its
 * Argon2id hash is stored. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/agent_auth.h"
#include "app/notify_settings.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "store/store_agent.h"
#include "store/store_notify.h"
#include "util/email_addr.h"
#include "util/timefmt.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: rastro agent create --merchant ID --email E --name N [--role agent|admin] [--locale es|en]\n"
            "                          [--base-url URL] [--db URL]\n"
            "         reads the password from stdin (first line, at least %d characters); with nothing on\n"
            "         stdin a random password is generated and printed once; prints where to sign in:\n"
            "         --base-url, else the merchant's public_base_url (rastro notify settings), else\n"
            "         $RASTRO_BASE_URL, else $RASTRO_LISTEN, followed by /console/login\n"
            "       rastro agent list [--merchant ID] [--db URL]\n"
            "       rastro agent disable --email E [--db URL]   (signs it out; its conversations and incidents\n"
            "         go back to the queues)\n"
            "       rastro agent enable --email E [--db URL]\n"
            "       rastro agent password --email E [--db URL]  (new password as for create; signs it out)\n"
            "example: printf '%%s\\n' 'una clave larga' | rastro agent create --merchant 1 --email ana@tienda.es --name Ana\n"
            "environment: RASTRO_ARGON2_MEMORY_KIB, RASTRO_ARGON2_ITERATIONS (hash cost; default 65536 KiB, 3)\n",
            RS_PASSWORD_MIN);
    return 2;
}

/* The first line of stdin without its newline; false when there is none. */
static bool read_password(char *out, size_t cap)
{
    if (isatty(STDIN_FILENO))
        return false;
    if (!fgets(out, (int)cap, stdin))
        return false;
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return n > 0;
}

/* The new password (stdin's first line, else generated: *generated) in PW and its hash in PHC.
 * Returns 0, or the exit code after saying what is wrong (VERB: the command). */
static int new_password(const char *verb, char pw[RS_PASSWORD_MAX + 2], char phc[RS_PHC_MAX], bool *generated)
{
    *generated = false;
    if (!read_password(pw, RS_PASSWORD_MAX + 2)) {
        rs_password_generate(pw);
        *generated = true;
    }
    if (strlen(pw) < RS_PASSWORD_MIN || strlen(pw) > RS_PASSWORD_MAX) {
        fprintf(stderr, "rastro agent %s: the password must have %d to %d characters\n", verb, RS_PASSWORD_MIN,
                RS_PASSWORD_MAX);
        return 2;
    }
    struct rs_kdf_params p;
    rs_kdf_params_get(&p);
    enum rs_err e = rs_password_hash(pw, &p, phc);
    if (e) {
        fprintf(stderr, "rastro agent %s: hashing failed (%s)\n", verb, rs_strerror(e));
        return 1;
    }
    return 0;
}

/* Where the agents of merchant MID sign in: OUT gets the console's login URL and true, or false
 * when nothing says at which address the server is reached. The same base the server's links
 * use: FLAG (--base-url), the merchant's public_base_url, $RASTRO_BASE_URL, $RASTRO_LISTEN. */
static bool console_login_url(struct rs_store *s, long long mid, const char *flag, char *out, size_t cap)
{
    char base[512] = "";
    if (flag && *flag)
        snprintf(base, sizeof base, "%s", flag);
    struct rs_notify_merchant m;
    if (!*base && rs_store_notify_merchant(s, mid, &m) == RS_OK) {
        struct rs_notify_config cfg;
        char err[200];
        if (m.config && rs_notify_config_parse(m.config, &cfg, err, sizeof err) == RS_OK) {
            if (cfg.public_base_url)
                snprintf(base, sizeof base, "%s", cfg.public_base_url);
            rs_notify_config_release(&cfg);
        }
        free(m.config);
    }
    const char *env = getenv("RASTRO_BASE_URL");
    if (!*base && env && *env)
        snprintf(base, sizeof base, "%s", env);
    env = getenv("RASTRO_LISTEN");
    if (!*base && env && *env) /* ":8080" listens on every address; this machine is one of them */
        snprintf(base, sizeof base, "http://%s%s", env[0] == ':' ? "127.0.0.1" : "", env);
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        base[--n] = '\0';
    if (!n)
        return false;
    snprintf(out, cap, "%s/console/login", base);
    return true;
}

static int create(struct rs_store *s, const char *merchant, const char *email, const char *name, const char *role,
                  const char *locale, const char *base_url)
{
    char *end;
    long long mid = merchant ? strtoll(merchant, &end, 10) : 0;
    if (!merchant || *end || mid <= 0 || !email || !name || !*name) {
        fprintf(stderr, "rastro agent create: --merchant ID, --email E and --name N are required\n");
        return 2;
    }
    if (strcmp(role, "agent") != 0 && strcmp(role, "admin") != 0) {
        fprintf(stderr, "rastro agent create: --role is agent or admin\n");
        return 2;
    }
    if (strcmp(locale, "es") != 0 && strcmp(locale, "en") != 0) {
        fprintf(stderr, "rastro agent create: --locale is es or en\n");
        return 2;
    }
    struct rs_agent a = {.merchant_id = mid};
    for (size_t i = 0; email[i] && i + 1 < sizeof a.email; i++)
        a.email[i] = (char)tolower((unsigned char)email[i]);
    if (!rs_email_plausible(a.email) || strlen(name) >= sizeof a.name) {
        fprintf(stderr, "rastro agent create: '%s' is not an e-mail address (or the name is too long)\n", email);
        return 2;
    }
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.role, sizeof a.role, "%s", role);
    snprintf(a.locale, sizeof a.locale, "%s", locale);
    char pw[RS_PASSWORD_MAX + 2], phc[RS_PHC_MAX];
    bool generated;
    int rc = new_password("create", pw, phc, &generated);
    if (rc)
        return rc;
    snprintf(a.password_hash, sizeof a.password_hash, "%s", phc);
    int64_t id = 0;
    enum rs_err e = rs_store_begin(s);
    if (!e)
        e = rs_store_agent_create(s, &a, rs_now(), &id);
    if (!e)
        e = rs_store_commit(s);
    else
        rs_store_rollback(s);
    if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro agent create: no merchant %lld\n", mid);
        return 1;
    }
    if (e == RS_ECONFLICT) {
        fprintf(stderr, "rastro agent create: an agent with e-mail %s already exists\n", a.email);
        return 1;
    }
    if (e) {
        fprintf(stderr, "rastro agent create: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        return 1;
    }
    printf("agent %lld: %s <%s>, %s of merchant %lld\n", (long long)id, a.name, a.email, a.role, mid);
    if (generated)
        printf("password: %s\n", pw);
    char login[600];
    if (console_login_url(s, mid, base_url, login, sizeof login))
        printf("sign in at: %s\n", login);
    else
        fprintf(stderr, "Sign in at the server's address followed by /console/login: the address `rastro serve`\n"
                        "prints when it starts (http://127.0.0.1:8080/console/login unless --listen or\n"
                        "--base-url say otherwise). Set public_base_url in `rastro notify settings` or\n"
                        "RASTRO_BASE_URL to have it printed here.\n");
    return 0;
}

/* A new password for E (read or generated as for create); its sessions end. */
static int password(struct rs_store *s, const struct rs_agent *a)
{
    char pw[RS_PASSWORD_MAX + 2], phc[RS_PHC_MAX];
    bool generated;
    int rc = new_password("password", pw, phc, &generated);
    if (rc)
        return rc;
    enum rs_err e = rs_store_begin(s);
    if (!e) {
        e = rs_store_agent_set_password(s, a->id, phc);
        if (!e)
            e = rs_store_agent_sessions_end(s, a->id);
        e = e ? (rs_store_rollback(s), e) : rs_store_commit(s);
    }
    if (e) {
        fprintf(stderr, "rastro agent password: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        return 1;
    }
    printf("agent %lld <%s>: password changed; signed out everywhere\n", (long long)a->id, a->email);
    if (generated)
        printf("password: %s\n", pw);
    return 0;
}

static int set_disabled(struct rs_store *s, const struct rs_agent *a, bool disabled)
{
    int released = 0;
    enum rs_err e = rs_store_begin(s);
    if (!e) {
        e = rs_store_agent_set_disabled(s, a->id, disabled, rs_now(), &released);
        e = e ? (rs_store_rollback(s), e) : rs_store_commit(s);
    }
    if (e) {
        fprintf(stderr, "rastro agent: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        return 1;
    }
    if (disabled)
        printf("agent %lld <%s> disabled: signed out, cannot sign in; %d conversation(s) and incident(s) it held "
               "are back in the queues\n",
               (long long)a->id, a->email, released);
    else
        printf("agent %lld <%s> enabled\n", (long long)a->id, a->email);
    return 0;
}

int rs_cmd_agent(int argc, char **argv)
{
    const char *db = NULL, *merchant = NULL, *email = NULL, *name = NULL, *role = "agent", *locale = "es";
    const char *verb = NULL, *base_url = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--merchant", &merchant) ||
            rs_arg_value(argc, argv, &i, "--email", &email) || rs_arg_value(argc, argv, &i, "--name", &name) ||
            rs_arg_value(argc, argv, &i, "--role", &role) || rs_arg_value(argc, argv, &i, "--locale", &locale) ||
            rs_arg_value(argc, argv, &i, "--base-url", &base_url))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        if (argv[i][0] == '-' || verb) {
            fprintf(stderr, "rastro agent: unexpected argument %s\n", argv[i]);
            return usage();
        }
        verb = argv[i];
    }
    /* the verbs from DISABLE on act on one existing agent, named by --email */
    enum { CREATE, LIST, DISABLE, ENABLE, PASSWORD };
    static const char *const verbs[] = {[CREATE] = "create", [LIST] = "list", [DISABLE] = "disable",
                                        [ENABLE] = "enable", [PASSWORD] = "password", NULL};
    int v = 0;
    while (verb && verbs[v] && strcmp(verb, verbs[v]) != 0)
        v++;
    if (verb && !verbs[v])
        fprintf(stderr, "rastro agent: '%s' is not an agent command\n", verb);
    if (!verb || !verbs[v])
        return usage();
    if (v >= DISABLE && !email) {
        fprintf(stderr, "rastro agent %s: --email E is required\n", verb);
        return 2;
    }
    struct rs_store *s = NULL;
    char err[512];
    if (!rs_cmd_db_exists(rs_cmd_db_url(db), "agent"))
        return 1;
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro agent: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (v >= DISABLE) {
        struct rs_agent a;
        char lower[256];
        size_t i = 0;
        for (; email[i] && i + 1 < sizeof lower; i++)
            lower[i] = (char)tolower((unsigned char)email[i]);
        lower[i] = '\0';
        enum rs_err e = rs_store_agent_by_email(s, lower, &a);
        if (e == RS_ENOTFOUND) {
            fprintf(stderr, "rastro agent %s: no agent with e-mail %s\n", verb, lower);
            rc = 1;
        } else if (e) {
            fprintf(stderr, "rastro agent %s: %s\n", verb, rs_store_errmsg(s));
            rc = 1;
        } else {
            rc = v == PASSWORD ? password(s, &a) : set_disabled(s, &a, v == DISABLE);
        }
    } else if (v == CREATE) {
        rc = create(s, merchant, email, name, role, locale, base_url);
    } else {
        json_t *list = NULL, *m = NULL;
        char *end = NULL;
        long long mid = merchant ? strtoll(merchant, &end, 10) : 0;
        if (merchant && (*end || mid <= 0 || rs_store_merchant_get(s, mid, &m) != RS_OK)) {
            /* not every merchant's agents: the one asked for does not exist */
            fprintf(stderr, "rastro agent list: no merchant %s (`rastro merchant list` shows their ids)\n", merchant);
            rs_store_close(s);
            return 1;
        }
        json_decref(m);
        if (rs_store_agent_list(s, mid, &list) != RS_OK) {
            fprintf(stderr, "rastro agent: %s\n", rs_store_errmsg(s));
            rc = 1;
        } else {
            printf("%-5s %-8s %-30s %-24s %-6s %-6s %s\n", "id", "merchant", "email", "name", "role", "locale",
                   "state");
            size_t i;
            json_t *a;
            json_array_foreach(list, i, a)
            {
                printf("%-5lld %-8lld %-30s %-24s %-6s %-6s %s\n",
                       (long long)json_integer_value(json_object_get(a, "id")),
                       (long long)json_integer_value(json_object_get(a, "merchant_id")),
                       json_string_value(json_object_get(a, "email")), json_string_value(json_object_get(a, "name")),
                       json_string_value(json_object_get(a, "role")), json_string_value(json_object_get(a, "locale")),
                       json_is_true(json_object_get(a, "disabled")) ? "disabled" : "active");
            }
            json_decref(list);
        }
    }
    rs_store_close(s);
    return rc;
}
