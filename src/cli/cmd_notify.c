/* cmd_notify.c — `rastro notify settings|preview|list|resend`: configure a merchant's
 * notifications (validated before they are saved), preview a message, list an order's
 * notifications, queue one again. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_preview.h"
#include "app/notify_settings.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "store/store_notify.h"
#include "util/timefmt.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: rastro notify settings --merchant ID FILE.json|-   validate and save the settings\n"
            "       rastro notify show --merchant ID                     print the saved settings\n"
            "       rastro notify preview --merchant ID --order REF --trigger T --channel email|sms|whatsapp|push\n"
            "                             [--locale es|en] [--base-url URL]\n"
            "                             T: order_confirmed, shipped, out_for_delivery, courier_nearby,\n"
            "                             attempt_failed, available_for_pickup, delivered, exception,\n"
            "                             promise_slipped, promise_breached, compensation, stalled,\n"
            "                             pickup_reminder\n"
            "       rastro notify list --merchant ID --order REF         notifications of an order (JSON)\n"
            "       rastro notify resend --merchant ID NOTIFICATION_ID   queue a notification again\n"
            "  all take [--db URL]; settings format: docs/notifications.md\n"
            "example: rastro notify preview --merchant 1 --order A-1001 --trigger shipped --channel sms\n");
    return 2;
}

static char *slurp(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *nb = cap < (1u << 22) ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    if (b)
        b[n] = '\0';
    if (f != stdin)
        fclose(f);
    return b;
}

int rs_cmd_notify(int argc, char **argv)
{
    const char *db = NULL, *merchant = NULL, *order = NULL, *trigger = NULL, *channel = NULL, *locale = NULL,
               *base = getenv("RASTRO_BASE_URL"), *verb = NULL, *arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--merchant", &merchant) ||
            rs_arg_value(argc, argv, &i, "--order", &order) || rs_arg_value(argc, argv, &i, "--trigger", &trigger) ||
            rs_arg_value(argc, argv, &i, "--channel", &channel) || rs_arg_value(argc, argv, &i, "--locale", &locale) ||
            rs_arg_value(argc, argv, &i, "--base-url", &base))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rastro notify: unknown option %s\n", argv[i]);
            return usage();
        }
        if (!verb)
            verb = argv[i];
        else if (!arg)
            arg = argv[i];
        else
            return usage();
    }
    if (!verb)
        return usage();
    /* say what is missing before touching the database */
    const char *missing = NULL;
    bool known = true;
    if (strcmp(verb, "settings") == 0)
        missing = !arg ? "give the settings file: FILE.json, or - for standard input" : NULL;
    else if (strcmp(verb, "preview") == 0)
        missing = !order     ? "give --order REF (the shop's order reference)"
                  : !trigger ? "give --trigger T (shipped, delivered… see below)"
                  : !channel ? "give --channel email|sms|whatsapp|push"
                             : NULL;
    else if (strcmp(verb, "list") == 0)
        missing = !order ? "give --order REF (the shop's order reference)" : NULL;
    else if (strcmp(verb, "resend") == 0)
        missing = !arg ? "give the NOTIFICATION_ID to resend (see `rastro notify list`)" : NULL;
    else if (strcmp(verb, "show") != 0)
        known = false;
    if (!known) {
        fprintf(stderr, "rastro notify: '%s' is not a notify command\n", verb);
        return usage();
    }
    if (!merchant)
        missing = "give --merchant ID (see `rastro merchant list`)";
    if (missing) {
        fprintf(stderr, "rastro notify %s: %s\n", verb, missing);
        return usage();
    }
    if (arg && (strcmp(verb, "settings") != 0 && strcmp(verb, "resend") != 0)) {
        fprintf(stderr, "rastro notify %s: unexpected argument %s\n", verb, arg);
        return usage();
    }
    char *end;
    long long mid = strtoll(merchant, &end, 10);
    if (*end || mid <= 0) {
        fprintf(stderr, "rastro notify: --merchant is a merchant id (see `rastro merchant list`)\n");
        return 2;
    }
    struct rs_store *s = NULL;
    char err[512];
    if (!rs_cmd_db_exists(rs_cmd_db_url(db), "notify"))
        return 1;
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro notify: %s\n", err);
        return 1;
    }
    int rc = 0;
    enum rs_err e;
    if (strcmp(verb, "settings") == 0 && arg) {
        char *text = slurp(arg);
        struct rs_notify_config cfg;
        if (!text) {
            fprintf(stderr, "rastro notify: cannot read %s\n", arg);
            rc = 1;
        } else if (rs_notify_config_check_new(text, &cfg, err, sizeof err) != RS_OK) {
            fprintf(stderr, "rastro notify: invalid settings: %s\n", err);
            rc = 1;
        } else {
            rs_notify_config_release(&cfg);
            struct rs_notify_merchant m;
            if ((e = rs_store_notify_merchant(s, mid, &m)) == RS_ENOTFOUND) {
                fprintf(stderr, "rastro notify: no merchant %lld\n", mid);
                rc = 1;
            } else if (e || (e = rs_store_begin(s)) || (e = rs_store_notify_config_put(s, mid, text, rs_now())) ||
                       (e = rs_store_commit(s))) {
                rs_store_rollback(s);
                fprintf(stderr, "rastro notify: %s\n", rs_store_errmsg(s));
                rc = 1;
            } else {
                free(m.config);
                printf("settings saved for merchant %lld\n", mid);
            }
        }
        free(text);
    } else if (strcmp(verb, "show") == 0) {
        struct rs_notify_merchant m;
        if ((e = rs_store_notify_merchant(s, mid, &m))) {
            fprintf(stderr, "rastro notify: %s\n", e == RS_ENOTFOUND ? "no such merchant" : rs_store_errmsg(s));
            rc = 1;
        } else {
            printf("%s\n", m.config ? m.config : "{}");
            free(m.config);
        }
    } else if (strcmp(verb, "preview") == 0 && order) {
        json_t *out = NULL;
        struct rs_app_error ae = {0};
        e = rs_app_notify_preview(s, mid, order, trigger, channel, locale, base ? base : "http://127.0.0.1:8080", &out,
                                  &ae);
        if (e == RS_ENOTFOUND) {
            fprintf(stderr, "rastro notify: no order \"%s\" for merchant %lld\n", order, mid);
            rc = 1;
        } else if (e == RS_EINVAL) {
            fprintf(stderr, "rastro notify: %s\n", ae.message);
            rc = 2;
        } else if (e) {
            fprintf(stderr, "rastro notify: %s\n", rs_err_name(e));
            rc = 1;
        } else {
            const char *sub = json_string_value(json_object_get(out, "subject"));
            const char *txt = json_string_value(json_object_get(out, "text"));
            const char *body = json_string_value(json_object_get(out, "body"));
            const char *tpl = json_string_value(json_object_get(out, "template"));
            const char *title = json_string_value(json_object_get(out, "title"));
            const char *html = json_string_value(json_object_get(out, "html"));
            if (sub)
                printf("subject: %s\n", sub);
            if (title)
                printf("title: %s\n", title);
            if (json_object_get(out, "encoding"))
                printf("encoding: %s\nsegments: %lld\ncharacters: %lld\n",
                       json_string_value(json_object_get(out, "encoding")),
                       (long long)json_integer_value(json_object_get(out, "segments")),
                       (long long)json_integer_value(json_object_get(out, "characters")));
            if (tpl) {
                /* what goes out when the customer has not written in the last 24 h */
                printf("template: %s\n", tpl);
                size_t k;
                json_t *p;
                json_array_foreach(json_object_get(out, "parameters"), k, p)
                    printf("parameter %zu: %s\n", k + 1, json_string_value(p) ? json_string_value(p) : "");
            }
            /* values the order does not have yet (no pickup scan, no coupon…), made up for reading */
            json_t *sample = json_object_get(out, "sample");
            if (json_array_size(sample)) {
                printf("made up (the order has none yet):");
                size_t k;
                json_t *v;
                json_array_foreach(sample, k, v)
                    printf("%s %s", k ? "," : "", json_string_value(v));
                printf("\n");
            }
            printf("\n%s\n", txt ? txt : body ? body : "");
            if (html)
                printf("\n--- HTML part ---\n%s\n", html);
            json_decref(out);
        }
    } else if (strcmp(verb, "list") == 0 && order) {
        json_t *out = NULL;
        if ((e = rs_store_outbox_order_json(s, mid, order, &out))) {
            fprintf(stderr, "rastro notify: %s\n", e == RS_ENOTFOUND ? "no such order" : rs_store_errmsg(s));
            rc = 1;
        } else {
            char *txt = json_dumps(out, JSON_INDENT(2));
            printf("%s\n", txt ? txt : "[]");
            free(txt);
            json_decref(out);
        }
    } else if (strcmp(verb, "resend") == 0 && arg) {
        int64_t nid = 0;
        long long id = strtoll(arg, &end, 10);
        if (*end || id <= 0 || (e = rs_store_begin(s))) {
            fprintf(stderr, "rastro notify: resend takes a notification id\n");
            rc = 2;
        } else if ((e = rs_store_outbox_resend(s, mid, id, rs_now(), &nid)) || (e = rs_store_commit(s))) {
            rs_store_rollback(s);
            fprintf(stderr, "rastro notify: %s\n", e == RS_ENOTFOUND ? "no such notification" : rs_store_errmsg(s));
            rc = 1;
        } else {
            printf("queued notification %lld (a copy of %lld)\n", (long long)nid, id);
        }
    } else {
        rc = usage();
    }
    rs_store_close(s);
    return rc;
}
