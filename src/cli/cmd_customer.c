/* cmd_customer.c — `rastro customer export|erase|sweep`: everything Rastro holds about one
 * customer as one JSON document, erasing it (anonymising in one transaction, printing what
 * changed), and the retention sweep on demand (app/privacy.h, docs/privacy.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/privacy.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "util/timefmt.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: rastro customer export --merchant ID (--email E | --phone P)   print all their data (JSON)\n"
            "       rastro customer erase --merchant ID (--email E | --phone P)    anonymise it; prints what changed\n"
            "       rastro customer sweep [--inbound-days N]                        delete transcripts past each\n"
            "                             merchant's retention_days and inbound log rows older than N days (30)\n"
            "  all take [--db URL]; see docs/privacy.md\n"
            "example: rastro customer export --merchant 1 --email ana@example.com > ana.json\n");
    return 2;
}

int rs_cmd_customer(int argc, char **argv)
{
    const char *db = NULL, *merchant = NULL, *email = NULL, *phone = NULL, *inbound = NULL, *now_s = NULL,
               *verb = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--merchant", &merchant) ||
            rs_arg_value(argc, argv, &i, "--email", &email) || rs_arg_value(argc, argv, &i, "--phone", &phone) ||
            rs_arg_value(argc, argv, &i, "--inbound-days", &inbound) || rs_arg_value(argc, argv, &i, "--now", &now_s))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rastro customer: unknown option %s\n", argv[i]);
            return usage();
        }
        if (verb)
            return usage();
        verb = argv[i];
    }
    if (!verb)
        return usage();
    bool sweep = strcmp(verb, "sweep") == 0, export = strcmp(verb, "export") == 0, erase = strcmp(verb, "erase") == 0;
    if (!sweep && !export && !erase) {
        fprintf(stderr, "rastro customer: unknown command '%s'\n", verb);
        return usage();
    }
    int64_t now = rs_now();
    int off;
    if (now_s && rs_time_parse(now_s, false, &now, &off) != RS_OK) {
        fprintf(stderr, "rastro customer: --now must be an RFC 3339 time with offset\n");
        return 2;
    }
    long long mid = 0;
    struct rs_privacy_who who;
    int inbound_days = rs_app_privacy_inbound_days();
    if (sweep) {
        if (inbound) {
            char *end;
            long d = strtol(inbound, &end, 10);
            if (*end || d < 0 || d > 100000) {
                fprintf(stderr, "rastro customer: --inbound-days is a number of days (0 = keep)\n");
                return 2;
            }
            inbound_days = (int)d;
        }
    } else {
        char *end;
        mid = merchant ? strtoll(merchant, &end, 10) : 0;
        if (!merchant || *end || mid <= 0) {
            fprintf(stderr, "rastro customer: --merchant is a merchant id (see `rastro merchant list`)\n");
            return 2;
        }
        struct rs_app_error ae = {0};
        if (rs_app_privacy_who(email, phone, &who, &ae) != RS_OK) {
            fprintf(stderr, "rastro customer: %s\n", ae.message);
            return 2;
        }
    }
    struct rs_store *s = NULL;
    char err[512];
    if (!rs_cmd_db_exists(rs_cmd_db_url(db), "customer"))
        return 1;
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro customer: %s\n", err);
        return 1;
    }
    json_t *out = NULL;
    enum rs_err e;
    if (export) {
        e = rs_app_privacy_export(s, mid, &who, now, &out);
    } else {
        if ((e = rs_store_begin(s)) == RS_OK) {
            e = erase ? rs_app_privacy_erase(s, mid, &who, now, &out) : rs_app_privacy_sweep(s, now, inbound_days);
            if (!e)
                e = rs_store_commit(s);
            if (e)
                rs_store_rollback(s);
        }
    }
    int rc = 0;
    if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro customer: merchant %lld holds nothing for %s\n", mid, who.email[0] ? who.email : who.phone);
        rc = 1;
    } else if (e) {
        fprintf(stderr, "rastro customer: %s (%s)\n", rs_err_name(e), rs_store_errmsg(s));
        rc = 1;
    } else if (out) {
        char *txt = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt)
            puts(txt);
        free(txt);
    } else if (sweep) {
        printf("retention sweep done\n");
    }
    json_decref(out);
    rs_store_close(s);
    return rc;
}
