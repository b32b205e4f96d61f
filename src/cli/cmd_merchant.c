/* cmd_merchant.c — `rastro merchant create NAME` (prints a new API key), `rastro merchant key`,
 * `rastro merchant keys` (list) and `rastro merchant revoke`, `rastro merchant list` and
 * `rastro merchant hook PROVIDER` (configure an inbound webhook). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/hooks.h"
#include "app/keys.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "util/timefmt.h"

static int usage(void)
{
    fprintf(stderr, "usage: rastro merchant create NAME [--scopes ingest,read,admin] [--db URL]\n"
                    "       rastro merchant key MERCHANT_ID [--scopes …] [--db URL]\n"
                    "         --scopes quote: a publishable key for the shop's web pages, which can only\n"
                    "         ask for delivery windows (GET /v1/promise, the widget /static/promise.js)\n"
                    "       rastro merchant keys MERCHANT_ID [--db URL]            (its keys: id, scopes, state)\n"
                    "       rastro merchant revoke MERCHANT_ID KEY_ID|KEY [--db URL] (stops working within 5 s)\n"
                    "       rastro merchant list [--db URL]\n"
                    "       rastro merchant hook PROVIDER --merchant ID --secret S [--mapping FILE.json] [--db URL]\n"
                    "         PROVIDER: easypost, shippo, aftership, 17track (--secret: the API key), shopify,\n"
                    "                   woocommerce, generic; email: the inbound e-mail channel, whose path\n"
                    "                   `rastro mail-in --url` takes (docs/support-channels.md)\n"
                    "         --secret: the provider's signing secret (or API key), 8 to 255 characters\n"
                    "example: rastro merchant create \"Tienda Sol\"\n"
                    "         rastro merchant hook shopify --merchant 1 --secret 0d9e5c2a7f41b836\n");
    return 2;
}

/* `rastro merchant hook PROVIDER …`: the same checks as PUT /v1/integrations/{provider}. */
static int hook(struct rs_store *s, const char *provider, const char *merchant, const char *secret,
                const char *mapping_file)
{
    if (!merchant || !secret) {
        fprintf(stderr, "rastro merchant hook: --merchant ID and --secret S are required\n");
        return 2;
    }
    char *end;
    long long mid = strtoll(merchant, &end, 10);
    json_t *m = NULL, *mapping = NULL;
    if (*end || mid <= 0 || rs_store_merchant_get(s, mid, &m) != RS_OK) {
        fprintf(stderr, "rastro merchant hook: no merchant %s\n", merchant);
        return 1;
    }
    json_decref(m);
    if (mapping_file) {
        json_error_t je;
        mapping = json_load_file(mapping_file, JSON_REJECT_DUPLICATES, &je);
        if (!mapping) {
            fprintf(stderr, "rastro merchant hook: %s:%d: %s\n", mapping_file, je.line, je.text);
            return 1;
        }
    }
    char hook_id[RS_HOOK_ID_LEN];
    bool created = false;
    struct rs_app_error err = {0};
    enum rs_err e = rs_store_begin(s);
    if (!e)
        e = rs_app_integration_put(s, mid, provider, secret, mapping, NULL, rs_now(), hook_id, &created, &err);
    if (!e)
        e = rs_store_commit(s);
    else
        rs_store_rollback(s);
    json_decref(mapping);
    if (e == RS_EINVAL) {
        fprintf(stderr, "rastro merchant hook: %s\n", err.message);
        return 1;
    }
    if (e) {
        fprintf(stderr, "rastro merchant hook: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        return 1;
    }
    printf("%s %s webhook for merchant %lld\nwebhook path: /hooks/%s/%s\n", created ? "created" : "updated", provider,
           mid, provider, hook_id);
    if (!strcmp(provider, "email"))
        fprintf(stderr, "Give `rastro mail-in --url` the server's base URL followed by this path "
                        "(docs/support-channels.md).\n");
    else
        fprintf(stderr, "Prefix the path with the server's public base URL and paste it into %s.\n", provider);
    return 0;
}

static int64_t merchant_id_of(struct rs_store *s, const char *arg)
{
    char *end;
    long long id = strtoll(arg, &end, 10);
    json_t *m = NULL;
    if (*end || id <= 0 || rs_store_merchant_get(s, id, &m) != RS_OK) {
        fprintf(stderr, "rastro merchant: no merchant %s\n", arg);
        return 0;
    }
    json_decref(m);
    return id;
}

/* `rastro merchant keys ID`: every key of the merchant, newest first (never a secret). */
static int keys_list(struct rs_store *s, const char *merchant)
{
    int64_t id = merchant_id_of(s, merchant);
    json_t *rows = NULL;
    if (!id)
        return 1;
    if (rs_store_apikey_list(s, id, &rows) != RS_OK) {
        fprintf(stderr, "rastro merchant: %s\n", rs_store_errmsg(s));
        return 1;
    }
    printf("%-12s %-24s %-21s %s\n", "key id", "scopes", "created", "state");
    /* the scopes from the store's bits, before rs_app_keys_json turns them into a list */
    size_t i;
    json_t *k;
    json_array_foreach(rows, i, k) {
        char sc[40];
        rs_scopes_format((unsigned)json_integer_value(json_object_get(k, "scope_bits")), sc, sizeof sc);
        json_object_set_new(k, "scopes_text", json_string(sc));
    }
    rs_app_keys_json(rows);
    json_array_foreach(rows, i, k) {
        const char *sc = json_string_value(json_object_get(k, "scopes_text"));
        const char *revoked = json_string_value(json_object_get(k, "revoked_at"));
        printf("%-12s %-24s %-21s %s%s\n", json_string_value(json_object_get(k, "key_id")), sc,
               json_string_value(json_object_get(k, "created_at")), revoked ? "revoked " : "live",
               revoked ? revoked : "");
    }
    json_decref(rows);
    return 0;
}

/* `rastro merchant revoke ID KEY_ID|KEY` */
static int key_revoke(struct rs_store *s, const char *merchant, const char *which)
{
    char key_id[RS_KEY_ID_LEN];
    if (!rs_key_id_of(which, key_id)) {
        fprintf(stderr, "rastro merchant revoke: give the key id (rk_ and 8 characters, as `rastro merchant keys` "
                        "lists it) or the whole key\n");
        return 2;
    }
    int64_t id = merchant_id_of(s, merchant);
    if (!id)
        return 1;
    enum rs_err e = rs_store_begin(s);
    if (!e) {
        e = rs_store_apikey_revoke(s, id, key_id, rs_now());
        e = e ? (rs_store_rollback(s), e) : rs_store_commit(s);
    }
    if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro merchant revoke: merchant %lld has no live key %s\n", (long long)id, key_id);
        return 1;
    }
    if (e) {
        fprintf(stderr, "rastro merchant revoke: %s %s\n", rs_strerror(e), rs_store_errmsg(s));
        return 1;
    }
    printf("key %s of merchant %lld revoked: a running server refuses it within 5 seconds\n", key_id, (long long)id);
    return 0;
}

int rs_cmd_merchant(int argc, char **argv)
{
    const char *db = NULL, *scopes_s = "ingest,read,admin", *verb = NULL, *arg = NULL, *arg2 = NULL;
    const char *merchant = NULL, *secret = NULL, *mapping = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--scopes", &scopes_s) ||
            rs_arg_value(argc, argv, &i, "--merchant", &merchant) || rs_arg_value(argc, argv, &i, "--secret", &secret) ||
            rs_arg_value(argc, argv, &i, "--mapping", &mapping))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rastro merchant: unknown option %s\n", argv[i]);
            return usage();
        }
        if (!verb)
            verb = argv[i];
        else if (!arg)
            arg = argv[i];
        else if (!arg2)
            arg2 = argv[i];
        else
            return usage();
    }
    if (!verb)
        return usage();
    /* say what is missing (or extra) before touching the database */
    static const struct {
        const char *verb, *arg, *arg2;
    } verbs[] = {
        {"create", "the shop's NAME, e.g. rastro merchant create \"Tienda Sol\"", NULL},
        {"key", "the MERCHANT_ID (see `rastro merchant list`)", NULL},
        {"keys", "the MERCHANT_ID (see `rastro merchant list`)", NULL},
        {"revoke", "the MERCHANT_ID (see `rastro merchant list`)",
         "the KEY_ID to revoke (as `rastro merchant keys MERCHANT_ID` lists it) or the whole key"},
        {"hook", "the PROVIDER (shopify, woocommerce, easypost, shippo, aftership, 17track, generic, email)", NULL},
        {"list", NULL, NULL},
    };
    size_t v = 0, nverbs = sizeof verbs / sizeof verbs[0];
    while (v < nverbs && strcmp(verb, verbs[v].verb) != 0)
        v++;
    if (v == nverbs) {
        fprintf(stderr, "rastro merchant: '%s' is not a merchant command\n", verb);
        return usage();
    }
    const char *extra = !verbs[v].arg ? arg : !verbs[v].arg2 ? arg2 : NULL;
    if (extra) {
        fprintf(stderr, "rastro merchant %s: unexpected argument %s\n", verb, extra);
        return usage();
    }
    if ((verbs[v].arg && !arg) || (verbs[v].arg2 && !arg2)) {
        fprintf(stderr, "rastro merchant %s: give %s\n", verb, !arg ? verbs[v].arg : verbs[v].arg2);
        return usage();
    }
    unsigned scopes;
    if (rs_scopes_parse(scopes_s, &scopes) != RS_OK) {
        fprintf(stderr, "rastro merchant: --scopes is a comma list of ingest, read, admin, quote\n");
        return 2;
    }
    /* only create starts a database (a shop's first step); the rest act on one that exists */
    if (strcmp(verb, "create") != 0 && !rs_cmd_db_exists(rs_cmd_db_url(db), "merchant"))
        return 1;
    struct rs_store *s = NULL;
    char err[512];
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro merchant: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (strcmp(verb, "keys") == 0 && arg) {
        rc = keys_list(s, arg);
    } else if (strcmp(verb, "revoke") == 0 && arg && arg2) {
        rc = key_revoke(s, arg, arg2);
    } else if (strcmp(verb, "hook") == 0 && arg) {
        rc = hook(s, arg, merchant, secret, mapping);
    } else if (strcmp(verb, "list") == 0) {
        json_t *list = NULL;
        if (rs_store_merchant_list(s, &list) != RS_OK) {
            fprintf(stderr, "rastro merchant: %s\n", rs_store_errmsg(s));
            rc = 1;
        } else {
            size_t i;
            json_t *m;
            printf("%-6s %-30s %-18s %s\n", "id", "name", "timezone", "keys");
            json_array_foreach(list, i, m) printf("%-6lld %-30s %-18s %lld\n",
                                                  (long long)json_integer_value(json_object_get(m, "id")),
                                                  json_string_value(json_object_get(m, "name")),
                                                  json_string_value(json_object_get(m, "timezone")),
                                                  (long long)json_integer_value(json_object_get(m, "api_keys")));
            json_decref(list);
        }
    } else if ((strcmp(verb, "create") == 0 || strcmp(verb, "key") == 0) && arg) {
        char key[RS_KEY_LEN];
        int64_t id = 0;
        enum rs_err e = rs_store_begin(s);
        if (!e && strcmp(verb, "create") == 0) {
            if (!*arg || strlen(arg) > 200) {
                fprintf(stderr, "rastro merchant: the name must have 1 to 200 characters\n");
                rs_store_rollback(s);
                rs_store_close(s);
                return 2;
            }
            e = rs_app_merchant_create(s, arg, scopes, rs_now(), &id, key);
        } else if (!e) {
            /* the whole argument is the id: "1abc" or "12 " is no merchant, not merchant 1 */
            id = merchant_id_of(s, arg);
            if (!id) {
                rs_store_rollback(s);
                rs_store_close(s);
                return 1;
            }
            e = rs_app_key_create(s, id, scopes, rs_now(), key);
        }
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
        if (e) {
            fprintf(stderr, "rastro merchant: %s%s%s\n", e == RS_ENOTFOUND ? "no merchant " : rs_strerror(e),
                    e == RS_ENOTFOUND ? arg : " ", e == RS_ENOTFOUND ? "" : rs_store_errmsg(s));
            rc = 1;
        } else {
            char sc[40];
            rs_scopes_format(scopes, sc, sizeof sc);
            printf("merchant: %lld\napi key: %s\nscopes: %s\n", (long long)id, key, sc);
            if (scopes & RS_SCOPES_SECRET)
                fprintf(stderr, "Keep this key secret: Rastro stores only its hash and cannot show it again.\n");
            else
                fprintf(stderr, "This key can only ask for delivery windows: it may be published in your shop's "
                                "pages (see docs/promise.md, \"On the shop's pages\"). Rastro stores only its "
                                "hash and cannot show it again.\n");
        }
    } else {
        rc = usage();
    }
    rs_store_close(s);
    return rc;
}
