/* cmd_import.c — `rastro import --merchant ID FILE.csv` (format: docs/import.md). */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "app/import.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "util/timefmt.h"
#include "util/tz.h"

static void on_interrupt(int sig)
{
    (void)sig;
    rs_app_import_interrupt();
}

static int usage(void)
{
    fprintf(stderr, "usage: rastro import --merchant ID [--db URL] [--timezone ZONE] FILE.csv   (FILE may be - for stdin)\n"
                    "Loads orders, shipments and events; see docs/import.md for the columns.\n"
                    "--timezone: the IANA zone (Europe/Madrid) of times written without an offset\n"
                    "            (2026-11-23 14:05, 23/11/2026 14:05); without it such rows are rejected.\n");
    return 2;
}

int rs_cmd_import(int argc, char **argv)
{
    const char *db = NULL, *merchant = NULL, *file = NULL, *zone = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--merchant", &merchant) ||
            rs_arg_value(argc, argv, &i, "--timezone", &zone))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rastro import: unknown option %s\n", argv[i]);
            return usage();
        }
        if (file)
            return usage();
        file = argv[i];
    }
    if (!file || !merchant) {
        fprintf(stderr, "rastro import: %s\n",
                !merchant ? "which shop's data is this? give --merchant ID (see `rastro merchant list`)"
                          : "give the CSV file to import (or - for standard input)");
        return usage();
    }
    char *end;
    long long mid = strtoll(merchant, &end, 10);
    if (*end || mid <= 0) {
        fprintf(stderr, "rastro import: --merchant takes the merchant's numeric id (see `rastro merchant list`)\n");
        return 2;
    }
    int off;
    if (zone && rs_tz_offset(zone, rs_now(), &off) != RS_OK) {
        fprintf(stderr, "rastro import: --timezone \"%s\" is not a time zone: give an IANA name such as "
                        "Europe/Madrid or America/Mexico_City\n", zone);
        return 2;
    }
    FILE *fp = (file[0] == '-' && !file[1]) ? stdin : fopen(file, "rb");
    if (!fp) {
        perror(file);
        return 1;
    }
    struct stat st;
    int statted = fstat(fileno(fp), &st) == 0;
    if (statted && S_ISDIR(st.st_mode)) { /* opens, but reads as nothing: "the file is empty" misleads */
        fprintf(stderr, "rastro import: %s is a directory: give the CSV file itself\n", file);
        fclose(fp);
        return 1;
    }
    int64_t size = statted && S_ISREG(st.st_mode) ? (int64_t)st.st_size : 0;
    struct rs_store *s = NULL;
    char err[512];
    if (rs_store_open(rs_cmd_db_url(db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro import: %s\n", err);
        return 1;
    }
    json_t *m = NULL;
    if (rs_store_merchant_get(s, mid, &m) != RS_OK) {
        fprintf(stderr, "rastro import: no merchant %lld (see `rastro merchant list`)\n", mid);
        rs_store_close(s);
        return 1;
    }
    json_decref(m);
    /* Ctrl-C stops at the next row, commits the rows read and prints the summary (a second one
     * kills at once); SA_RESTART keeps a read in progress from failing with EINTR */
    struct sigaction sa = {.sa_handler = on_interrupt, .sa_flags = SA_RESTART | SA_RESETHAND};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct rs_import_summary sum;
    enum rs_err e = rs_app_import(s, mid, fp, size, zone, stderr, 50, &sum);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    bool read_failed = ferror(fp) != 0; /* said above, with the line */
    if (fp != stdin)
        fclose(fp);
    if (e == RS_EINVAL && sum.rows == 0) { /* the file itself was refused (empty, bad header): said above */
        rs_store_close(s);
        return 1;
    }
    printf("rows: %lld read, %lld rejected\n"
           "orders: %lld created, %lld updated, %lld unchanged\n"
           "shipments: %lld created, %lld updated, %lld unchanged\n"
           "events: %lld accepted, %lld duplicate\n",
           (long long)sum.rows, (long long)sum.rejected, (long long)sum.orders_created,
           (long long)sum.orders_updated, (long long)sum.orders_unchanged, (long long)sum.shipments_created,
           (long long)sum.shipments_updated, (long long)sum.shipments_unchanged, (long long)sum.events_accepted,
           (long long)sum.events_duplicate);
    if (sum.deliveries_replayed)
        printf("webhook deliveries replayed (they waited for these orders): %lld\n",
               (long long)sum.deliveries_replayed);
    if (sum.stopped_at_line && !e) {
        fprintf(stderr,
                "rastro import: interrupted before line %ld; the rows before it are saved (counted above). "
                "Import the file again to load the rest: rows already saved come back unchanged.\n",
                sum.stopped_at_line);
        rs_store_close(s);
        return 130;
    }
    if (e && read_failed)
        fprintf(stderr, "rastro import: stopped: cannot read %s; rows before that line are saved\n", file);
    else if (e && e != RS_EINVAL)
        fprintf(stderr, "rastro import: stopped: %s (%s); rows before this point are saved\n", rs_strerror(e),
                rs_store_errmsg(s));
    rs_store_close(s);
    return e ? 1 : (sum.rejected ? 3 : 0);
}
