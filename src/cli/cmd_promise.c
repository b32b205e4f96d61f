/* cmd_promise.c — `rastro promise train|eval|quote`: learn delivery windows from a history CSV,
 * replay a later period to measure them against the source's own promise, quote one order.
 * See docs/promise.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "app/ingest.h"
#include "app/promise_apply.h"
#include "app/promise_io.h"
#include "app/promise_service.h"
#include "app/promise_settings.h"
#include "cli/cmd.h"
#include "core/calendar.h"
#include "core/promise.h"
#include "ingest/history.h"
#include "util/assets.h"
#include "util/csv.h"
#include "util/progress.h"
#include "util/svgchart.h"
#include "util/timefmt.h"
#include "store/store_promise.h"

/* ---- options ---- */

struct opts {
    const char *history, *out, *train, *test, *model;
    const char *origin, *dest, *carrier, *service, *placed_at, *country, *cutoff;
    const char *calib_csv; /* eval: per-month table written here */
    const char *chart;     /* eval: SVG chart written here */
    const char *db, *merchant, *now; /* train into the store; sweep */
    const char *close_days, *open_days;  /* settings: comma-separated YYYY-MM-DD */
    const char *timezone;                /* settings: the merchant's IANA zone */
    const char *dispatch_days;           /* settings: comma-separated weekdays mon…sun */
    int from_store;
    int replace; /* train --from-store: even over a model that learnt from more deliveries */
    double confidence;
    int confidence_set; /* --confidence given (eval defaults to 0.96, the rest to 0.90) */
    double half_life, prior, gamma; /* tuning knobs (0 = default) */
    int json;
};

static int usage(void)
{
    fprintf(stderr,
            "usage: rastro promise train --history FILE.csv [--out MODEL] [--confidence 0.9]\n"
            "                            [--merchant ID [--db URL]] (store it as the merchant's model)\n"
            "       rastro promise train --merchant ID --from-store [--replace] [--db URL]\n"
            "                            (learn from the merchant's own delivered shipments; --replace\n"
            "                            even a model that learnt from more deliveries)\n"
            "       rastro promise learn --merchant ID [--db URL] (add the deliveries the stored\n"
            "                            model does not hold yet; the server does it hourly)\n"
            "       rastro promise sweep [--db URL] [--now RFC3339] (detect delays once)\n"
            "       rastro promise settings --merchant ID [--db URL] [--confidence C] [--country CC]\n"
            "                            [--cutoff HH:MM] [--timezone ZONE] [--close D,D…] [--open D,D…]\n"
            "                            [--dispatch-days mon,tue,wed,thu,fri,sat] (the days it dispatches)\n"
            "                            (days YYYY-MM-DD; ZONE e.g. America/Mexico_City; --country \"\" /\n"
            "                            --cutoff \"\" clear; also PUT /v1/promise/settings)\n"
            "       rastro promise eval --train A.csv --test B.csv [--json] [--confidence 0.96]\n"
            "                           [--calibration-csv FILE] (late rate and slack by month)\n"
            "                           [--chart FILE.svg] (the same by month, and calibration, as a chart)\n"
            "       rastro promise quote --model MODEL --origin [CC/]R --destination [CC/]R\n"
            "                            [--carrier C] [--service S] --placed-at RFC3339\n"
            "common: [--country CC] (holiday calendar; default: the data's destination country)\n"
            "        [--cutoff HH:MM] (dispatch cut-off, local time of the timestamps)\n"
            "example: rastro promise train --merchant 1 --from-store   (then GET /v1/promise answers)\n");
    return 2;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->confidence = 0.90;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(a, "--from-store") == 0) {
            o->from_store = 1;
            continue;
        }
        if (strcmp(a, "--replace") == 0) {
            o->replace = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return -1;
        if (i + 1 >= argc) {
            fprintf(stderr, "rastro promise: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--confidence") == 0) {
            char *end;
            o->confidence = strtod(v, &end);
            o->confidence_set = 1;
            if (*end || !(o->confidence > 0.5 && o->confidence < 1.0)) {
                fprintf(stderr, "rastro promise: --confidence must be in (0.5, 1)\n");
                return -1;
            }
            continue;
        }
        if (strcmp(a, "--half-life") == 0 || strcmp(a, "--prior") == 0 ||
            strcmp(a, "--gamma") == 0) {
            char *end;
            double x = strtod(v, &end);
            if (*end || !(x >= 0 && x < 1e6)) {
                fprintf(stderr, "rastro promise: bad value for %s\n", a);
                return -1;
            }
            *(a[2] == 'h' ? &o->half_life : a[2] == 'p' ? &o->prior : &o->gamma) = x;
            continue;
        }
        if (strcmp(a, "--history") == 0)
            dst = &o->history;
        else if (strcmp(a, "--out") == 0)
            dst = &o->out;
        else if (strcmp(a, "--train") == 0)
            dst = &o->train;
        else if (strcmp(a, "--test") == 0)
            dst = &o->test;
        else if (strcmp(a, "--model") == 0)
            dst = &o->model;
        else if (strcmp(a, "--origin") == 0)
            dst = &o->origin;
        else if (strcmp(a, "--destination") == 0)
            dst = &o->dest;
        else if (strcmp(a, "--carrier") == 0)
            dst = &o->carrier;
        else if (strcmp(a, "--service") == 0)
            dst = &o->service;
        else if (strcmp(a, "--placed-at") == 0)
            dst = &o->placed_at;
        else if (strcmp(a, "--country") == 0)
            dst = &o->country;
        else if (strcmp(a, "--cutoff") == 0)
            dst = &o->cutoff;
        else if (strcmp(a, "--calibration-csv") == 0)
            dst = &o->calib_csv;
        else if (strcmp(a, "--chart") == 0)
            dst = &o->chart;
        else if (strcmp(a, "--db") == 0)
            dst = &o->db;
        else if (strcmp(a, "--merchant") == 0)
            dst = &o->merchant;
        else if (strcmp(a, "--now") == 0)
            dst = &o->now;
        else if (strcmp(a, "--close") == 0)
            dst = &o->close_days;
        else if (strcmp(a, "--open") == 0)
            dst = &o->open_days;
        else if (strcmp(a, "--timezone") == 0)
            dst = &o->timezone;
        else if (strcmp(a, "--dispatch-days") == 0)
            dst = &o->dispatch_days;
        if (!dst) {
            fprintf(stderr, "rastro promise: unknown option %s\n", a);
            return -1;
        }
        *dst = v;
    }
    return 0;
}

/* ---- reading a history file ---- */

#define SKIP_LINES 3 /* lines named in the summary per reason and column */
#define SKIP_COLS 4  /* columns told apart per reason; more are only counted */

/* Where rows were skipped for one reason: one column (NULL: the row as a whole) and its first lines. */
struct skip_where {
    const char *column;
    long n;
    long lines[SKIP_LINES];
};

struct rows {
    struct rs_history_row *v;
    size_t n, cap;
    long skipped[RS_HSKIP__COUNT];
    struct skip_where where[RS_HSKIP__COUNT][SKIP_COLS];
};

static void rows_free(struct rows *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* What to fix in a row skipped for each reason (rs_history_skip). */
static const char *const skip_hint[RS_HSKIP__COUNT] = {
    [RS_HSKIP_MISSING_TIMESTAMP] = "placed_at or delivered_at is empty",
    [RS_HSKIP_BAD_DATE] = "placed_at, shipped_at or delivered_at is not RFC 3339 with an offset "
                          "(2025-03-03T09:00:00+01:00), or promised_date is not YYYY-MM-DD",
    [RS_HSKIP_UNKNOWN_REGION] = "origin_region or destination_region is empty, or a region or country is too long",
    [RS_HSKIP_DELIVERED_BEFORE_PLACED] = "delivered_at is before placed_at",
    [RS_HSKIP_ABSURD_DURATION] = "more than 180 days from placed_at to delivered_at, or shipped_at more than a "
                                 "day before placed_at or after delivered_at",
    [RS_HSKIP_BAD_ROW] = "not a CSV record with as many fields as the header",
    [RS_HSKIP_NOT_UTF8] = "a field is not UTF-8 text (an accent in another encoding?): save the file as UTF-8, "
                          "in Excel \"CSV UTF-8\"",
};

#define SKIPS_SHOWN 5 /* skipped rows named on stderr; the rest are counted */

/* Count a row skipped for reason S at LINE under its COLUMN (NULL: none), for the summary. */
static void skip_where_add(struct rows *r, enum rs_history_skip s, const char *column, long line)
{
    for (int i = 0; i < SKIP_COLS; i++) {
        struct skip_where *w = &r->where[s][i];
        if (w->n && !(w->column == column || (w->column && column && strcmp(w->column, column) == 0)))
            continue;
        w->column = column;
        if (w->n < SKIP_LINES)
            w->lines[w->n] = line;
        w->n++;
        return;
    }
}

/* Say on stderr which row of PATH (starting at LINE) was skipped and why, for the first few;
 * COLUMN is the column at fault (NULL: none). */
static void skip_row(struct rows *r, struct rs_progress *pg, const char *path, long line, enum rs_history_skip s,
                     const char *column)
{
    long n = 0;
    for (int i = 1; i < RS_HSKIP__COUNT; i++)
        n += r->skipped[i];
    r->skipped[s]++;
    skip_where_add(r, s, column, line);
    if (n <= SKIPS_SHOWN)
        rs_progress_clear(pg);
    if (n < SKIPS_SHOWN) {
        char hint[200];
        if (s == RS_HSKIP_BAD_DATE && column && strcmp(column, "promised_date") == 0)
            snprintf(hint, sizeof hint, "promised_date is not a day YYYY-MM-DD");
        else if (s == RS_HSKIP_BAD_DATE && column)
            snprintf(hint, sizeof hint, "%s is not RFC 3339 with an offset (2025-03-03T09:00:00+01:00)", column);
        else if (s == RS_HSKIP_MISSING_TIMESTAMP && column)
            snprintf(hint, sizeof hint, "%s is empty", column);
        else
            snprintf(hint, sizeof hint, "%s", skip_hint[s]);
        fprintf(stderr, "rastro promise: %s line %ld skipped, %s: %s\n", path, line, rs_history_skip_name(s), hint);
    } else if (n == SKIPS_SHOWN)
        fprintf(stderr, "rastro promise: %s: more rows skipped (counted below)\n", path);
}

static int read_history(const char *path, struct rows *r, const char *label)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "rastro promise: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) { /* opens, but reads as nothing */
        fprintf(stderr, "rastro promise: %s is a directory: give the history CSV file itself\n", path);
        fclose(fp);
        return -1;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    struct rs_csv c;
    if (rs_csv_init_file(&c, fp) != RS_OK) {
        fclose(fp);
        return -1;
    }
    struct rs_history_cols cols;
    int rc = 0;
    enum rs_err he = rs_csv_header(&c);
    if (he == RS_ENOTFOUND) {
        fprintf(stderr, "rastro promise: %s is empty: it needs a header line naming the columns "
                        "(docs/promise.md, \"History format\")\n", path);
        rc = -1;
        goto out;
    }
    if (c.utf16) {
        fprintf(stderr, "rastro promise: %s: %s\n", path, RS_CSV_UTF16_ADVICE);
        rc = -1;
        goto out;
    }
    if (he != RS_OK || rs_history_cols_init(&cols, &c) != RS_OK) {
        static const char *const need[] = {"placed_at", "delivered_at", "origin_region", "destination_region"};
        fprintf(stderr, "rastro promise: %s: the first line must be a header naming the columns; it lacks", path);
        for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
            if (c.nfields == 0 || rs_csv_find(&c, need[i]) < 0)
                fprintf(stderr, " %s", need[i]);
        fprintf(stderr, " (docs/promise.md, \"History format\")\n");
        rc = -1;
        goto out;
    }
    struct rs_progress pg;
    rs_progress_init(&pg, label, "bytes", size > 0 ? size : 0);
    for (;;) {
        enum rs_err e = rs_csv_next(&c);
        if (e == RS_ENOTFOUND)
            break;
        rs_progress_update(&pg, c.bytes_read);
        if (e != RS_OK) {
            skip_row(r, &pg, path, c.line, RS_HSKIP_BAD_ROW, NULL);
            continue;
        }
        if (r->n == r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 4096;
            struct rs_history_row *nv = realloc(r->v, nc * sizeof *nv);
            if (!nv) {
                fprintf(stderr, "rastro promise: out of memory\n");
                rc = -1;
                break;
            }
            r->v = nv;
            r->cap = nc;
        }
        enum rs_history_skip s = rs_history_parse(&c, &cols, &r->v[r->n]);
        /* the lane's carrier as shipments store it ("Correos Express" is correos_express), so
         * that their promises and GET /v1/promise find what the file taught; a name no shipment
         * could have stays as written */
        char slug[RS_MAX_CARRIER_LEN + 1];
        if (s == RS_HSKIP_NONE && rs_app_carrier_normalize(r->v[r->n].carrier, slug))
            snprintf(r->v[r->n].carrier, sizeof r->v[r->n].carrier, "%.*s",
                     (int)sizeof r->v[r->n].carrier - 1, slug); /* as long as the name was */
        if (s == RS_HSKIP_NONE)
            r->n++;
        else
            skip_row(r, &pg, path, c.line, s, r->v[r->n].bad_column);
    }
    rs_progress_done(&pg);
out:
    rs_csv_release(&c);
    fclose(fp);
    return rc;
}

static long skipped_total(const struct rows *r)
{
    long t = 0;
    for (int i = 1; i < RS_HSKIP__COUNT; i++)
        t += r->skipped[i];
    return t;
}

static void print_skips(FILE *out, const struct rows *r)
{
    fprintf(out, "rows used: %zu, skipped: %ld", r->n, skipped_total(r));
    const char *sep = " (";
    for (int i = 1; i < RS_HSKIP__COUNT; i++) {
        if (r->skipped[i]) {
            fprintf(out, "%s%s %ld", sep, rs_history_skip_name((enum rs_history_skip)i),
                    r->skipped[i]);
            sep = ", ";
        }
    }
    fprintf(out, "%s\n", strcmp(sep, ", ") == 0 ? ")" : "");
    /* where, so that a file of thousands of rows can be fixed: the column and the first lines,
     * "  bad dates: placed_at 120 (lines 3, 7, 12, …), delivered_at 2 (lines 40, 41)" */
    for (int i = 1; i < RS_HSKIP__COUNT; i++) {
        if (!r->where[i][0].n)
            continue;
        fprintf(out, "  %s:", rs_history_skip_name((enum rs_history_skip)i));
        for (int k = 0; k < SKIP_COLS && r->where[i][k].n; k++) {
            const struct skip_where *w = &r->where[i][k];
            if (w->column)
                fprintf(out, "%s %s %ld (", k ? "," : "", w->column, w->n);
            else
                fprintf(out, "%s ", k ? "," : "");
            fprintf(out, "line%s", w->n > 1 ? "s" : "");
            for (long l = 0; l < w->n && l < SKIP_LINES; l++)
                fprintf(out, "%s %ld", l ? "," : "", w->lines[l]);
            fprintf(out, "%s%s", w->n > SKIP_LINES ? ", …" : "", w->column ? ")" : "");
        }
        fprintf(out, "\n");
    }
}

/* ---- calendar ---- */

static int make_calendar(struct rs_calendar *cal, const struct opts *o, const struct rows *r)
{
    rs_calendar_init(cal);
    const char *cc = o->country;
    if (!cc && r && r->n)
        cc = r->v[0].dest_country;
    if (cc && *cc) {
        size_t len;
        const char *t = rs_asset_get("data/holidays.tsv", &len);
        int bad = 0;
        enum rs_err e = t ? rs_calendar_load_holidays(cal, cc, t, len, &bad) : RS_ENOTFOUND;
        if (e == RS_EINVAL) {
            fprintf(stderr, "rastro promise: data/holidays.tsv line %d is malformed\n", bad);
            return -1;
        }
        if (e == RS_ENOTFOUND)
            fprintf(stderr, "rastro promise: no holidays known for '%s': weekends only\n", cc);
    }
    if (o->cutoff) {
        int h, m;
        char extra;
        if (sscanf(o->cutoff, "%d:%d%c", &h, &m, &extra) != 2 ||
            rs_calendar_set_cutoff(cal, h, m) != RS_OK) {
            fprintf(stderr, "rastro promise: --cutoff wants HH:MM\n");
            return -1;
        }
    }
    return 0;
}

static int by_delivered(const void *a, const void *b)
{
    const struct rs_history_row *x = a, *y = b;
    return (x->delivered_at > y->delivered_at) - (x->delivered_at < y->delivered_at);
}

static struct rs_promise_model *new_model(const struct opts *o)
{
    struct rs_promise_model *m = malloc(sizeof *m);
    if (!m) {
        fprintf(stderr, "rastro promise: out of memory\n");
        return NULL;
    }
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    p.confidence = o->confidence;
    if (o->half_life > 0)
        p.half_life_days = o->half_life;
    if (o->prior > 0)
        p.prior_strength = o->prior;
    if (o->gamma > 0)
        p.aci_gamma = o->gamma;
    if (getenv("RS_NOACI"))
        p.aci_gamma = 0;

    rs_promise_model_init(m, &p);
    return m;
}

/* ---- the store: a merchant's model and settings ---- */

static int parse_merchant(const char *v, int64_t *id)
{
    char *end;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || x <= 0) {
        fprintf(stderr, "rastro promise: --merchant wants a merchant id (see `rastro merchant list`)\n");
        return -1;
    }
    *id = x;
    return 0;
}

static struct rs_store *open_store(const struct opts *o)
{
    struct rs_store *s = NULL;
    char err[512];
    if (!rs_cmd_db_exists(rs_cmd_db_url(o->db), "promise"))
        return NULL;
    if (rs_store_open(rs_cmd_db_url(o->db), 0, &s, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro promise: %s\n", err);
        return NULL;
    }
    return s;
}

/* The checks of PUT /v1/promise/settings (app/promise_settings.h) on --confidence, --country
 * and --cutoff; OUT: COUNTRY and CUTOFF normalised. -1 (said on stderr) when one is wrong. */
static int settings_opts(const struct opts *o, char country[3], char cutoff[6])
{
    char err[300];
    if ((o->confidence_set && rs_promise_settings_confidence(o->confidence, "--confidence", err, sizeof err)) ||
        (o->cutoff && rs_promise_settings_cutoff(o->cutoff, "--cutoff", cutoff, err, sizeof err)) ||
        (o->country && rs_promise_settings_country(o->country, "--country", country, err, sizeof err))) {
        fprintf(stderr, "rastro promise: %s\n", err);
        return -1;
    }
    return 0;
}

/* Store --confidence/--country/--cutoff, when given, as the merchant's settings. */
static enum rs_err store_settings(struct rs_store *s, const struct opts *o, int64_t merchant)
{
    if (!o->confidence_set && !o->country && !o->cutoff)
        return RS_OK;
    char country[3] = "", cutoff[6] = "";
    if (settings_opts(o, country, cutoff)) /* normalised (and checked again: train checked first) */
        return RS_EINVAL;
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, merchant, &st);
    if (e)
        return e;
    if (o->confidence_set)
        st.confidence = o->confidence;
    if (o->country)
        memcpy(st.country, country, sizeof st.country);
    if (o->cutoff)
        memcpy(st.cutoff, cutoff, sizeof st.cutoff);
    return rs_store_promise_settings_put(s, merchant, &st, rs_now());
}

/* Store model M as the merchant's (and the settings given). */
static int store_model(const struct opts *o, const struct rs_promise_model *m)
{
    int64_t merchant, version = 0;
    if (parse_merchant(o->merchant, &merchant))
        return -1;
    struct rs_store *s = open_store(o);
    if (!s)
        return -1;
    char *text = NULL;
    char source[300];
    snprintf(source, sizeof source, "history:%s", o->history);
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, merchant, &st);
    if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro promise: no merchant %lld\n", (long long)merchant);
        rs_store_close(s);
        return -1;
    }
    if (!e)
        e = rs_promise_to_text(m, &text);
    if (!e)
        e = rs_store_begin(s);
    if (!e) {
        e = store_settings(s, o, merchant);
        if (!e)
            e = rs_store_promise_model_put(s, merchant, text, m->n_learned, source, rs_now(),
                                           &version);
        if (!e) /* the store's own deliveries are not in this model: learnt online on top */
            e = rs_store_promise_forget_learnt(s, merchant);
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
    }
    free(text);
    if (e)
        fprintf(stderr, "rastro promise: cannot store the model: %s (%s)\n", rs_err_name(e),
                rs_store_errmsg(s));
    else
        printf("model stored for merchant %lld (version %lld)\n", (long long)merchant,
               (long long)version);
    rs_store_close(s);
    return e ? -1 : 0;
}

/* A history too small to learn from still trains, but its quotes are then wide estimates
 * flagged low confidence: tell the merchant running train, with the model's own thresholds.
 * USED: the orders learnt; M: the model (NULL when only the count is known, from the store). */
static void warn_small_history(long used, const struct rs_promise_model *m)
{
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    int lanes = 0, trusted = 0;
    if (m) {
        p = m->p;
        rs_promise_lane_counts(m, &lanes, &trusted);
        printf("lanes trusted: %d of %d (at least %.0f deliveries each; quotes on the others are flagged low "
               "confidence)\n", trusted, lanes, p.low_n);
    }
    if (used >= RS_PROMISE_RESID_MIN && (!m || trusted > 0))
        return;
    char lanes_text[96] = "";
    if (m)
        snprintf(lanes_text, sizeof lanes_text, ", %d of %d lanes with %.0f deliveries or more", trusted, lanes,
                 p.low_n);
    fprintf(stderr,
            "rastro promise: warning: a small history: %ld usable delivered orders%s. Its quotes will be wide "
            "estimates flagged low confidence: the engine needs about %.0f orders to learn its own error, and "
            "%.0f on a lane before that lane is trusted. Train on a longer history, or let it learn from "
            "the deliveries of the shop as they come (`rastro promise learn`, hourly in `rastro serve`)\n",
            used, lanes_text, RS_PROMISE_RESID_MIN, p.low_n);
}

static int cmd_train_store(const struct opts *o)
{
    int64_t merchant;
    if (parse_merchant(o->merchant, &merchant))
        return 2;
    struct rs_store *s = open_store(o);
    if (!s)
        return 1;
    uint64_t t0 = rs_mono_ns();
    int64_t used = 0, skipped = 0, version = 0, prev = 0;
    enum rs_err e = rs_store_begin(s);
    if (!e) {
        e = store_settings(s, o, merchant);
        if (!e)
            e = rs_promise_train_from_store(s, merchant, rs_now(), o->replace, &used, &skipped, &version, &prev);
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
    }
    int rc = 0;
    if (e == RS_ECONFLICT) {
        fprintf(stderr,
                "rastro promise: merchant %lld's model (version %lld) learnt from %lld deliveries; its own "
                "delivered shipments give %lld: training from the store would replace it with one that knows "
                "less. Nothing was changed. 'rastro promise learn --merchant %lld' adds the shipments it does "
                "not hold yet to that model; add --replace to start over from the store anyway\n",
                (long long)merchant, (long long)version, (long long)prev, (long long)used, (long long)merchant);
        rc = 1;
    } else if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro promise: merchant %lld has no delivered shipment to learn from "
                        "(or does not exist); train from a history file with --history\n",
                (long long)merchant);
        rc = 1;
    } else if (e) {
        fprintf(stderr, "rastro promise: training failed: %s (%s)\n", rs_err_name(e),
                rs_store_errmsg(s));
        rc = 1;
    } else {
        printf("rows used: %lld, skipped: %lld\n", (long long)used, (long long)skipped);
        warn_small_history((long)used, NULL);
        printf("model stored for merchant %lld (version %lld) in %.2f s\n", (long long)merchant,
               (long long)version, (double)(rs_mono_ns() - t0) / 1e9);
    }
    rs_store_close(s);
    return rc;
}

static int cmd_sweep(const struct opts *o)
{
    int64_t now = rs_now();
    int off;
    if (o->now && rs_time_parse(o->now, false, &now, &off) != RS_OK) {
        fprintf(stderr, "rastro promise: --now wants RFC 3339 with an offset\n");
        return 2;
    }
    struct rs_store *s = open_store(o);
    if (!s)
        return 1;
    int64_t after = 0;
    int checked = 0, found = 0;
    bool done = false;
    enum rs_err e = RS_OK;
    while (!done && !e) {
        if ((e = rs_store_begin(s)))
            break;
        e = rs_app_promise_sweep_chunk(s, now, &after, 200, &checked, &found, &done);
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
    }
    rs_store_close(s);
    rs_promise_cache_clear();
    if (e) {
        fprintf(stderr, "rastro promise: sweep failed: %s\n", rs_err_name(e));
        return 1;
    }
    printf("shipments checked: %d, new delays: %d\n", checked, found);
    return 0;
}

static int cmd_learn(const struct opts *o)
{
    int64_t merchant;
    if (parse_merchant(o->merchant, &merchant))
        return 2;
    struct rs_store *s = open_store(o);
    if (!s)
        return 1;
    int64_t used = 0, skipped = 0, reported = 0, version = 0, n_used, n_skipped, n_reported;
    enum rs_err e;
    do { /* RS_PROMISE_LEARN_MAX per transaction, as the server does */
        if ((e = rs_store_begin(s)))
            break;
        e = rs_promise_learn_online(s, merchant, rs_now(), RS_PROMISE_LEARN_MAX, &n_used, &n_skipped, &n_reported,
                                    &version);
        if (!e)
            e = rs_store_commit(s);
        else
            rs_store_rollback(s);
        used += n_used;
        skipped += n_skipped;
        reported += n_reported;
    } while (!e && n_used + n_skipped > 0);
    int rc = 0;
    if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro promise: merchant %lld has no model to add to; train one first "
                        "(rastro promise train --merchant %lld --history FILE.csv or --from-store)\n",
                (long long)merchant, (long long)merchant);
        rc = 1;
    } else if (e) {
        fprintf(stderr, "rastro promise: learning failed: %s (%s)\n", rs_err_name(e), rs_store_errmsg(s));
        rc = 1;
    } else if (used + skipped + reported == 0) {
        printf("nothing new to learn (model version %lld)\n", (long long)version);
    } else {
        if (used + skipped)
            printf("learnt %lld new deliveries (%lld skipped)", (long long)used, (long long)skipped);
        if (reported)
            printf("%sreported %lld broken promises of parcels still on their way", used + skipped ? " and " : "",
                   (long long)reported);
        printf("; model version %lld\n", (long long)version);
    }
    rs_store_close(s);
    return rc;
}

/* Parse "YYYY-MM-DD,YYYY-MM-DD" into DAYS (appending to *n, duplicates folded, at most
 * RS_PROMISE_MAX_OVERRIDES; the checks of app/promise_settings.h). */
static int parse_days(const char *list, const char *flag, int64_t *days, int *n)
{
    char buf[2048], err[300];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf) {
        fprintf(stderr, "rastro promise: %s list too long\n", flag);
        return -1;
    }
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int64_t d;
        if (rs_promise_settings_day(tok, flag, &d, err, sizeof err) != RS_OK ||
            rs_promise_settings_day_add(days, n, d, flag, err, sizeof err) != RS_OK) {
            fprintf(stderr, "rastro promise: %s\n", err);
            return -1;
        }
    }
    return 0;
}

/* Take DAYS[N] out of LIST[*n]: a day closed now is no longer opened, and the other way round. */
static void drop_days(int64_t *list, int *n, const int64_t *days, int nd)
{
    int k = 0;
    for (int i = 0; i < *n; i++) {
        bool hit = false;
        for (int j = 0; j < nd && !hit; j++)
            hit = list[i] == days[j];
        if (!hit)
            list[k++] = list[i];
    }
    *n = k;
}

static int cmd_settings(const struct opts *o)
{
    int64_t merchant;
    if (parse_merchant(o->merchant, &merchant))
        return 2;
    char err[300], country[3] = "", cutoff[6] = "", timezone[64] = "";
    if (settings_opts(o, country, cutoff))
        return 2;
    if (o->timezone && rs_promise_settings_timezone(o->timezone, "--timezone", timezone, err, sizeof err)) {
        fprintf(stderr, "rastro promise: %s\n", err);
        return 2;
    }
    unsigned dispatch = 0;
    if (o->dispatch_days) {
        char list[64];
        snprintf(list, sizeof list, "%s", o->dispatch_days);
        enum rs_err de = RS_OK;
        for (char *save = NULL, *w = strtok_r(list, ",", &save); w && !de; w = strtok_r(NULL, ",", &save))
            de = rs_promise_settings_weekday(w, "--dispatch-days", &dispatch, err, sizeof err);
        if (de || rs_promise_settings_dispatch_some(dispatch, "--dispatch-days", err, sizeof err)) {
            fprintf(stderr, "rastro promise: %s\n", err);
            return 2;
        }
    }
    struct rs_promise_settings req = {0}; /* the days named: add = --close, remove = --open */
    if ((o->close_days && parse_days(o->close_days, "--close", req.add, &req.n_add)) ||
        (o->open_days && parse_days(o->open_days, "--open", req.remove, &req.n_remove)))
        return 2;
    if (rs_promise_settings_no_conflict(&req, "--close", "--open", err, sizeof err)) {
        fprintf(stderr, "rastro promise: %s\n", err);
        return 2;
    }
    struct rs_store *s = open_store(o);
    if (!s)
        return 1;
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, merchant, &st);
    int rc = 0;
    if (e == RS_ENOTFOUND) {
        fprintf(stderr, "rastro promise: no merchant %lld\n", (long long)merchant);
        rs_store_close(s);
        return 1;
    }
    bool change = o->confidence_set || o->country || o->cutoff || o->timezone || o->close_days || o->open_days ||
                  o->dispatch_days;
    if (!e && change) {
        /* --close and --open add to the lists; a day named now leaves the other list */
        drop_days(st.remove, &st.n_remove, req.add, req.n_add);
        drop_days(st.add, &st.n_add, req.remove, req.n_remove);
        for (int i = 0; i < req.n_add && !e; i++)
            e = rs_promise_settings_day_add(st.add, &st.n_add, req.add[i], "--close", err, sizeof err);
        for (int i = 0; i < req.n_remove && !e; i++)
            e = rs_promise_settings_day_add(st.remove, &st.n_remove, req.remove[i], "--open", err, sizeof err);
        if (e) {
            fprintf(stderr, "rastro promise: %s\n", err);
            rs_store_close(s);
            return 2;
        }
        if (o->confidence_set)
            st.confidence = o->confidence;
        if (o->country)
            memcpy(st.country, country, sizeof st.country);
        if (o->cutoff)
            memcpy(st.cutoff, cutoff, sizeof st.cutoff);
        if (o->timezone)
            memcpy(st.timezone, timezone, sizeof st.timezone);
        if (o->dispatch_days)
            st.dispatch_days = dispatch;
        if (!(e = rs_store_begin(s))) {
            e = rs_store_promise_settings_put(s, merchant, &st, rs_now());
            if (!e)
                e = rs_store_commit(s);
            else
                rs_store_rollback(s);
        }
    }
    if (e) {
        fprintf(stderr, "rastro promise: %s (%s)\n", rs_err_name(e), rs_store_errmsg(s));
        rc = 1;
    } else {
        char wd[32];
        rs_promise_settings_weekdays_text(st.dispatch_days, wd);
        printf("merchant %lld: confidence %.2f, country %s, cut-off %s, time zone %s, "
               "%d closed and %d opened days, dispatch on %s\n",
               (long long)merchant, st.confidence, st.country[0] ? st.country : "(destination's)",
               st.cutoff[0] ? st.cutoff : "none", st.timezone, st.n_add, st.n_remove, wd);
        char warn[300]; /* saved all the same, as PUT /v1/promise/settings does: said, not refused */
        if (st.country[0] && !rs_promise_settings_country_known(st.country, warn, sizeof warn))
            fprintf(stderr, "rastro promise: warning: %s (--close DAYS)\n", warn);
    }
    rs_store_close(s);
    return rc;
}

/* ---- train ---- */

static int cmd_train(const struct opts *o)
{
    char country[3], cutoff[6];
    if (o->merchant && settings_opts(o, country, cutoff)) /* they become the merchant's settings */
        return 2;
    if (o->replace && !o->from_store)
        return usage();
    if (o->from_store)
        return o->history ? usage() : cmd_train_store(o);
    if (!o->history) {
        fprintf(stderr, "rastro promise train: give --history FILE.csv, or --merchant ID --from-store\n");
        return usage();
    }
    struct rows r = {0};
    uint64_t t0 = rs_mono_ns();
    if (read_history(o->history, &r, "reading")) {
        rows_free(&r);
        return 1;
    }
    uint64_t t1 = rs_mono_ns();
    struct rs_calendar cal;
    struct rs_promise_model *m = NULL;
    int rc = 1;
    if (make_calendar(&cal, o, &r) || !(m = new_model(o)))
        goto out;
    qsort(r.v, r.n, sizeof *r.v, by_delivered);
    struct rs_progress pg;
    rs_progress_init(&pg, "training", "rows", (int64_t)r.n);
    long invalid = 0;
    for (size_t i = 0; i < r.n; i++) {
        struct rs_promise_obs ob;
        rs_history_obs(&r.v[i], &ob);
        if (rs_promise_learn(m, &cal, &ob, true) != RS_OK)
            invalid++;
        rs_progress_update(&pg, (int64_t)i + 1);
    }
    rs_progress_done(&pg);
    uint64_t t2 = rs_mono_ns();
    r.skipped[RS_HSKIP_ABSURD_DURATION] += invalid;
    r.n -= (size_t)invalid;
    print_skips(stdout, &r);
    if (r.n == 0) { /* an empty model would replace a good one and promise from nothing */
        fprintf(stderr, "rastro promise: no usable row in %s: nothing written%s (the reasons are above)\n",
                o->history, o->merchant ? " and the merchant's model is unchanged" : "");
        goto out;
    }
    warn_small_history((long)r.n, m);
    double secs = (double)(t2 - t0) / 1e9;
    size_t total = r.n + (size_t)skipped_total(&r);
    printf("lanes and regions: %d nodes%s; calibration: %+.3f at placement, %+.3f at hand-over\n",
           m->n_nodes, m->n_dropped ? " (table full: some lanes folded into parents)" : "",
           m->aci_place, m->aci_handover);
    printf("time: %.2f s (read %.2f s, learn %.2f s) = %.2f s per 100,000 rows\n", secs,
           (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
           total ? secs * 100000.0 / (double)total : 0.0);
    if (o->out) {
        if (rs_promise_save(m, o->out) != RS_OK) {
            fprintf(stderr, "rastro promise: cannot write %s\n", o->out);
            goto out;
        }
        printf("model written to %s\n", o->out);
    }
    if (o->merchant && store_model(o, m))
        goto out;
    rc = 0;
out:
    free(m);
    rows_free(&r);
    return rc;
}

/* ---- eval: the rolling replay ---- */

enum ev_kind { EV_PLACE = 0, EV_SHIP = 1, EV_BREACH_PLACE = 2, EV_BREACH_SHIP = 3, EV_DELIVER = 4 };

struct ev {
    int64_t t;
    int kind;
    int idx;
};

struct heap {
    struct ev *v;
    size_t n, cap;
};

static bool ev_less(const struct ev *a, const struct ev *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    /* at the same instant an order is placed before anything else is learnt */
    return a->kind < b->kind;
}

static int heap_push(struct heap *h, struct ev e)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 1024;
        struct ev *nv = realloc(h->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        h->v = nv;
        h->cap = nc;
    }
    size_t i = h->n++;
    h->v[i] = e;
    while (i > 0 && ev_less(&h->v[i], &h->v[(i - 1) / 2])) {
        struct ev t = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

static struct ev heap_pop(struct heap *h)
{
    struct ev top = h->v[0];
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < h->n && ev_less(&h->v[l], &h->v[s]))
            s = l;
        if (r < h->n && ev_less(&h->v[r], &h->v[s]))
            s = r;
        if (s == i)
            break;
        struct ev t = h->v[i];
        h->v[i] = h->v[s];
        h->v[s] = t;
        i = s;
    }
    return top;
}

/* One scored promise. */
struct score {
    int has;
    int64_t earliest, likely, latest, actual;
    double prob;
    int reported; /* outcome already fed to the calibration */
};

struct figures {
    long n;
    double late_rate, mean_slack, median_slack, mae, window;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, long n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void summarise(const struct score *s, size_t n, struct figures *f)
{
    memset(f, 0, sizeof *f);
    double *slack = malloc((n + 1) * sizeof *slack), *width = malloc((n + 1) * sizeof *width);
    if (!slack || !width) {
        free(slack);
        free(width);
        return;
    }
    long late = 0;
    double sum = 0, err = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].has)
            continue;
        double sl = (double)(s[i].latest - s[i].actual);
        slack[f->n] = sl;
        width[f->n] = (double)(s[i].latest - s[i].earliest);
        f->n++;
        sum += sl;
        late += s[i].actual > s[i].latest;
        err += (double)(s[i].likely > s[i].actual ? s[i].likely - s[i].actual
                                                  : s[i].actual - s[i].likely);
    }
    if (f->n) {
        f->late_rate = (double)late / (double)f->n;
        f->mean_slack = sum / (double)f->n;
        f->mae = err / (double)f->n;
        f->median_slack = median(slack, f->n);
        f->window = median(width, f->n);
    }
    free(slack);
    free(width);
}

static json_t *figures_json(const struct figures *f)
{
    return json_pack("{s:I,s:f,s:f,s:f,s:f,s:f}", "n", (json_int_t)f->n, "late_rate",
                     f->late_rate, "mean_slack_days", f->mean_slack, "median_slack_days",
                     f->median_slack, "mae_days", f->mae, "window_days", f->window);
}

static void print_figures(const char *name, const struct figures *f)
{
    printf("%-22s %6ld %8.1f%% %10.2f %10.1f %8.2f %8.1f\n", name, f->n, 100 * f->late_rate,
           f->mean_slack, f->median_slack, f->mae, f->window);
}

/* Calibration bins: stated probability of delivery by the promise vs observed. */
static const double calib_edges[] = {0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001};
enum { CALIB_BINS = 7 };

static void calib_count(const struct score *s, size_t n, long cnt[CALIB_BINS], long ok[CALIB_BINS])
{
    for (int b = 0; b < CALIB_BINS; b++)
        cnt[b] = ok[b] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].has)
            continue;
        for (int b = 0; b < CALIB_BINS; b++) {
            if (s[i].prob >= calib_edges[b] && s[i].prob < calib_edges[b + 1]) {
                cnt[b]++;
                ok[b] += s[i].actual <= s[i].latest;
                break;
            }
        }
    }
}

static void print_calibration(const char *name, const struct score *s, size_t n)
{
    long cnt[CALIB_BINS], ok[CALIB_BINS];
    calib_count(s, n, cnt, ok);
    printf("\ncalibration, %s (stated probability of delivery by the promise vs observed):\n",
           name);
    printf("  %-14s %7s %9s\n", "stated", "orders", "on time");
    for (int b = 0; b < CALIB_BINS; b++) {
        if (!cnt[b])
            continue;
        printf("  [%.2f, %.2f) %7ld %8.1f%%\n", calib_edges[b], calib_edges[b + 1] > 1 ? 1.0 : calib_edges[b + 1],
               cnt[b], 100.0 * (double)ok[b] / (double)cnt[b]);
    }
}

/* Late rate and mean slack per month of placement, for the promise at placement [0], the
 * re-estimate at hand-over [1] and the baseline [2]. */
struct month {
    int year, month;
    long n[3];
    double late_rate[3], slack[3]; /* NaN when n is 0 */
};

/* The months from the first placement to the last scored one; *OUT malloc'd. -1 when out of
 * memory; 0 months when nothing was scored. */
static int month_rows(const struct score *place, const struct score *hand, const struct score *base,
                      const int64_t *placed, size_t n, struct month **out, int *n_out)
{
    enum { MAXM = 240 };
    *out = NULL;
    *n_out = 0;
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (place[i].has && placed[i] < first)
            first = placed[i];
    if (first == INT64_MAX)
        return 0;
    int y0, m0, d0;
    rs_cal_civil(first, &y0, &m0, &d0);
    struct month *mr = calloc(MAXM, sizeof *mr);
    if (!mr)
        return -1;
    long late[MAXM][3] = {{0}};
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        int y, mo, d;
        rs_cal_civil(placed[i], &y, &mo, &d);
        int k = (y - y0) * 12 + (mo - m0);
        if (k < 0 || k >= MAXM)
            continue;
        const struct score *s3[3] = {&place[i], &hand[i], &base[i]};
        for (int j = 0; j < 3; j++) {
            if (!s3[j]->has)
                continue;
            mr[k].n[j]++;
            late[k][j] += s3[j]->actual > s3[j]->latest;
            mr[k].slack[j] += (double)(s3[j]->latest - s3[j]->actual);
        }
        if (mr[k].n[0] && k > last)
            last = k;
    }
    for (int k = 0; k <= last; k++) {
        mr[k].year = y0 + (m0 - 1 + k) / 12;
        mr[k].month = (m0 - 1 + k) % 12 + 1;
        for (int j = 0; j < 3; j++) {
            mr[k].late_rate[j] = mr[k].n[j] ? (double)late[k][j] / (double)mr[k].n[j] : NAN;
            mr[k].slack[j] = mr[k].n[j] ? mr[k].slack[j] / (double)mr[k].n[j] : NAN;
        }
    }
    *out = mr;
    *n_out = last + 1;
    return 0;
}

/* The by-month table: text to TXT (when not NULL), the same rows as CSV to CSV_PATH (when not
 * NULL). */
static int print_months(const struct month *mr, int nm, double confidence, FILE *txt, const char *csv_path)
{
    FILE *csv = NULL;
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            fprintf(stderr, "rastro promise: cannot write %s\n", csv_path);
            return -1;
        }
        fprintf(csv, "month,orders,confidence,late_rate,on_time_rate,mean_slack_days,"
                     "handover_late_rate,handover_mean_slack_days,baseline_late_rate,"
                     "baseline_mean_slack_days\n");
    }
    if (txt) {
        fprintf(txt, "\nby month of placement (late %% / mean slack days):\n");
        fprintf(txt, "  %-8s %6s %16s %16s %16s\n", "month", "orders", "placement",
                "hand-over", "baseline");
    }
    for (int k = 0; k < nm; k++) {
        if (!mr[k].n[0])
            continue;
        double lr[3], sl[3];
        for (int j = 0; j < 3; j++) { /* the table says 0 where a column has no order */
            lr[j] = mr[k].n[j] ? mr[k].late_rate[j] : 0;
            sl[j] = mr[k].n[j] ? mr[k].slack[j] : 0;
        }
        if (txt)
            fprintf(txt, "  %04d-%02d %6ld %7.1f%% %7.2f %7.1f%% %7.2f %7.1f%% %7.2f\n", mr[k].year,
                    mr[k].month, mr[k].n[0], 100 * lr[0], sl[0], 100 * lr[1], sl[1], 100 * lr[2], sl[2]);
        if (csv)
            fprintf(csv, "%04d-%02d,%ld,%.2f,%.4f,%.4f,%.2f,%.4f,%.2f,%.4f,%.2f\n", mr[k].year, mr[k].month,
                    mr[k].n[0], confidence, lr[0], 1 - lr[0], sl[0], lr[1], sl[1], lr[2], sl[2]);
    }
    if (csv && fclose(csv) != 0) {
        fprintf(stderr, "rastro promise: cannot write %s\n", csv_path);
        return -1;
    }
    return 0;
}

/* --chart: late rate and mean slack by month (placement, hand-over, baseline) and the two
 * calibration curves, one SVG. */
static int write_chart(const char *path, const struct month *mr, int nm, const struct score *place,
                       const struct score *hand, size_t n, double confidence)
{
    char(*labels)[8] = calloc((size_t)nm + 1, sizeof *labels);
    const char **xl = calloc((size_t)nm + 1, sizeof *xl);
    double *v = calloc(6 * ((size_t)nm + 1), sizeof *v);
    int rc = -1;
    struct rs_buf b;
    rs_buf_init(&b);
    if (!labels || !xl || !v)
        goto out;
    for (int k = 0; k < nm; k++) {
        snprintf(labels[k], sizeof labels[k], "%02d/%02d", mr[k].month, mr[k].year % 100);
        xl[k] = labels[k];
        for (int j = 0; j < 3; j++) {
            v[j * nm + k] = mr[k].late_rate[j];
            v[(3 + j) * nm + k] = mr[k].slack[j];
        }
    }
    static const char *const names[3] = {"promise at placement", "re-estimate at hand-over",
                                         "baseline (the file's promised_date)"};
    static const char *const colors[3] = {"#1f77b4", "#2ca02c", "#d62728"};
    struct rs_chart_series late[3], slack[3];
    for (int j = 0; j < 3; j++) {
        late[j] = (struct rs_chart_series){names[j], colors[j], v + j * nm, j == 2};
        slack[j] = (struct rs_chart_series){names[j], colors[j], v + (3 + j) * nm, j == 2};
    }
    /* calibration: observed on-time rate per bin of stated probability, and the diagonal */
    long cnt[2][CALIB_BINS], ok[2][CALIB_BINS];
    calib_count(place, n, cnt[0], ok[0]);
    calib_count(hand, n, cnt[1], ok[1]);
    char bl[CALIB_BINS][16];
    const char *bx[CALIB_BINS];
    double cal[3][CALIB_BINS];
    for (int i = 0; i < CALIB_BINS; i++) {
        double hi = calib_edges[i + 1] > 1 ? 1.0 : calib_edges[i + 1];
        snprintf(bl[i], sizeof bl[i], "%.2f-%.2f", calib_edges[i], hi);
        bx[i] = bl[i];
        for (int t = 0; t < 2; t++)
            cal[t][i] = cnt[t][i] ? (double)ok[t][i] / (double)cnt[t][i] : NAN;
        cal[2][i] = (calib_edges[i] + hi) / 2;
    }
    struct rs_chart_series cs[3] = {{"observed, at placement", colors[0], cal[0], false},
                                    {"observed, at hand-over", colors[1], cal[1], false},
                                    {"stated (middle of the bin)", "#7f7f7f", cal[2], true}};
    char title[128];
    snprintf(title, sizeof title, "Rastro promise evaluation (confidence %.2f)", confidence);
    rs_svg_begin(&b, 900, 1020, title);
    rs_chart_lines(&b, 0, 0, 900, 340,
                   &(struct rs_chart){"Late orders by month of placement", "%", xl, nm, late, 3, 100});
    rs_chart_lines(&b, 0, 340, 900, 340,
                   &(struct rs_chart){"Mean slack by month (promised day - delivery day)", " d", xl, nm, slack, 3, 1});
    rs_chart_lines(&b, 0, 680, 900, 340,
                   &(struct rs_chart){"Calibration: on time by stated probability", "%", bx, CALIB_BINS, cs, 3, 100});
    rs_svg_end(&b);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(b.data, 1, b.len, f) != b.len) {
        if (f)
            fclose(f);
        fprintf(stderr, "rastro promise: cannot write %s\n", path);
        goto out;
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "rastro promise: cannot write %s\n", path);
        goto out;
    }
    rc = 0;
out:
    rs_buf_release(&b);
    free(labels);
    free(xl);
    free(v);
    return rc;
}

static int cmd_eval(const struct opts *o)
{
    if (!o->train || !o->test) {
        fprintf(stderr, "rastro promise eval: give --%s FILE.csv\n", !o->train ? "train" : "test");
        return usage();
    }
    struct rows a = {0}, b = {0};
    int rc = 1;
    struct rs_promise_model *m = NULL;
    struct score *place = NULL, *hand = NULL, *base = NULL;
    int64_t *placed = NULL;
    struct heap h = {0};
    if (read_history(o->train, &a, "reading A") || read_history(o->test, &b, "reading B"))
        goto out;
    if (b.n == 0) { /* figures of no order would read as "never late" */
        fprintf(stderr, "rastro promise: no usable row in %s: nothing to evaluate (the reasons are above)\n",
                o->test);
        goto out;
    }
    struct rs_calendar cal;
    if (make_calendar(&cal, o, b.n ? &b : &a) || !(m = new_model(o)))
        goto out;
    place = calloc(b.n + 1, sizeof *place);
    hand = calloc(b.n + 1, sizeof *hand);
    base = calloc(b.n + 1, sizeof *base);
    placed = calloc(b.n + 1, sizeof *placed);
    if (!place || !hand || !base || !placed)
        goto out;
    /* indexes: A rows are 0..a.n-1, B rows a.n.. */
    for (size_t i = 0; i < a.n; i++)
        if (heap_push(&h, (struct ev){a.v[i].delivered_at, EV_DELIVER, (int)i}))
            goto out;
    for (size_t i = 0; i < b.n; i++) {
        int idx = (int)(a.n + i);
        if (heap_push(&h, (struct ev){b.v[i].placed_at, EV_PLACE, idx}) ||
            heap_push(&h, (struct ev){b.v[i].delivered_at, EV_DELIVER, idx}) ||
            (b.v[i].has_shipped && heap_push(&h, (struct ev){b.v[i].shipped_at, EV_SHIP, idx})))
            goto out;
    }
    struct rs_progress pg;
    rs_progress_init(&pg, "replaying", "events", (int64_t)h.n);
    int64_t done = 0;
    while (h.n) {
        struct ev e = heap_pop(&h);
        rs_progress_update(&pg, ++done);
        bool in_b = (size_t)e.idx >= a.n;
        struct rs_history_row *r = in_b ? &b.v[e.idx - a.n] : &a.v[e.idx];
        size_t bi = in_b ? (size_t)e.idx - a.n : 0;
        struct rs_promise_obs ob;
        rs_history_obs(r, &ob);
        struct rs_promise pr;
        switch (e.kind) {
        case EV_PLACE:
            if (rs_promise_quote(m, &cal, &ob.lane, ob.placed_day, ob.placed_minute,
                                 o->confidence, &pr) != RS_OK)
                break;
            place[bi] = (struct score){1, pr.earliest, pr.likely, pr.latest, ob.delivered_day,
                                       pr.probability, 0};
            placed[bi] = ob.placed_day;
            if (getenv("RS_DEBUG"))
                fprintf(stderr, "%s %s>%s aci %.3f e %lld l %lld L %lld act %lld p %.3f n %.1f\n",
                        r->order_ref, r->origin_region, r->dest_region, m->aci_place,
                        (long long)(pr.earliest - ob.placed_day), (long long)(pr.likely - ob.placed_day),
                        (long long)(pr.latest - ob.placed_day),
                        (long long)(ob.delivered_day - ob.placed_day), pr.probability, pr.n);
            /* the breach is known at local midnight after the promised day */
            heap_push(&h, (struct ev){(pr.latest + 1) * 86400 - (int64_t)r->placed_off * 60,
                                      EV_BREACH_PLACE, e.idx});
            if (r->has_promised) {
                int64_t pd = ob.placed_day;
                base[bi] = (struct score){1, pd, r->promised_day, r->promised_day,
                                          ob.delivered_day, 0, 1};
            }
            break;
        case EV_SHIP: {
            struct rs_promise_state st = {RS_STATUS_IN_TRANSIT, ob.placed_day, ob.placed_minute,
                                          ob.shipped_day, ob.shipped_day};
            if (rs_promise_reestimate(m, &cal, &ob.lane, &st, o->confidence, &pr) != RS_OK)
                break;
            hand[bi] = (struct score){1, pr.earliest, pr.likely, pr.latest, ob.delivered_day,
                                      pr.probability, 0};
            heap_push(&h, (struct ev){(pr.latest + 1) * 86400 - (int64_t)r->shipped_off * 60,
                                      EV_BREACH_SHIP, e.idx});
            break;
        }
        case EV_BREACH_PLACE:
        case EV_BREACH_SHIP: {
            struct score *s = e.kind == EV_BREACH_PLACE ? &place[bi] : &hand[bi];
            if (s->has && !s->reported) { /* not delivered yet (else reported on delivery) */
                rs_promise_calibrate(m, e.kind == EV_BREACH_SHIP, true);
                s->reported = 1;
            }
            break;
        }
        case EV_DELIVER:
            if (in_b) {
                for (int k = 0; k < 2; k++) {
                    struct score *s = k ? &hand[bi] : &place[bi];
                    if (s->has && !s->reported) {
                        rs_promise_calibrate(m, k == 1, ob.delivered_day > s->latest);
                        s->reported = 1;
                    }
                }
            }
            if (rs_promise_learn(m, &cal, &ob, !in_b) != RS_OK)
                break;
            break;
        }
    }
    rs_progress_done(&pg);

    struct figures fp, fh, fb;
    summarise(place, b.n, &fp);
    summarise(hand, b.n, &fh);
    summarise(base, b.n, &fb);
    if (o->json) {
        json_t *j = figures_json(&fp);
        json_object_set_new(j, "at_handover", figures_json(&fh));
        json_object_set_new(j, "baseline", figures_json(&fb));
        char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
        puts(s ? s : "{}");
        free(s);
        json_decref(j);
    } else {
        printf("train: %s: ", o->train);
        print_skips(stdout, &a);
        printf("test:  %s: ", o->test);
        print_skips(stdout, &b);
        printf("confidence target %.2f; rolling replay (only deliveries completed before each "
               "order is placed are known)\n\n",
               o->confidence);
        printf("%-22s %6s %9s %10s %10s %8s %8s\n", "", "orders", "late", "mean slack",
               "med slack", "MAE", "window");
        print_figures("promise at placement", &fp);
        print_figures("re-estimate hand-over", &fh);
        print_figures("baseline (file's own)", &fb);
        printf("(slack = promised day - delivery day; MAE of the most likely day; window = "
               "latest - earliest, for the baseline promised day - order day)\n");
        print_calibration("at placement", place, b.n);
        print_calibration("at hand-over", hand, b.n);
    }
    struct month *months = NULL;
    int nm = 0;
    if (month_rows(place, hand, base, placed, b.n, &months, &nm))
        goto out;
    /* with --json the table only goes to the CSV (stdout stays one JSON object) */
    if ((!o->json || o->calib_csv) &&
        print_months(months, nm, o->confidence, o->json ? NULL : stdout, o->calib_csv)) {
        free(months);
        goto out;
    }
    if (o->chart && write_chart(o->chart, months, nm, place, hand, b.n, o->confidence)) {
        free(months);
        goto out;
    }
    if (o->chart && !o->json)
        printf("\nchart: %s\n", o->chart);
    free(months);
    rc = 0;
out:
    free(placed);
    free(h.v);
    free(place);
    free(hand);
    free(base);
    free(m);
    rows_free(&a);
    rows_free(&b);
    return rc;
}

/* ---- quote ---- */

static void split_region(const char *s, char *cc, size_t ccn, char *reg, size_t regn)
{
    const char *slash = strchr(s, '/');
    if (slash && (size_t)(slash - s) < ccn) {
        memcpy(cc, s, (size_t)(slash - s));
        cc[slash - s] = '\0';
        snprintf(reg, regn, "%s", slash + 1);
    } else {
        cc[0] = '\0';
        snprintf(reg, regn, "%s", s);
    }
}

static int cmd_quote(const struct opts *o)
{
    const char *missing = !o->model       ? "--model MODEL (a file from `rastro promise train --out`)"
                          : !o->origin    ? "--origin [CC/]REGION"
                          : !o->dest      ? "--destination [CC/]REGION"
                          : !o->placed_at ? "--placed-at RFC3339 (when the order is placed)"
                                          : NULL;
    if (missing) {
        fprintf(stderr, "rastro promise quote: give %s\n", missing);
        return usage();
    }
    int64_t at;
    int off;
    if (rs_time_parse(o->placed_at, false, &at, &off) != RS_OK) {
        fprintf(stderr, "rastro promise: --placed-at wants RFC 3339 with an offset\n");
        return 2;
    }
    int64_t placed_day;
    int placed_minute;
    rs_cal_local(at, off, &placed_day, &placed_minute);
    if (!rs_cal_day_known(placed_day)) { /* the same rule as GET /v1/promise's placed_at */
        fprintf(stderr,
                "rastro promise: --placed-at must be a time from %d to %d, the years the delivery calendar "
                "knows (not \"%s\")\n",
                RS_CAL_FIRST_YEAR, RS_CAL_LAST_YEAR, o->placed_at);
        return 2;
    }
    struct rs_promise_model *m = new_model(o);
    if (!m)
        return 1;
    const char *why = "";
    if (rs_promise_load(m, o->model, &why) != RS_OK) {
        fprintf(stderr, "rastro promise: %s: %s\n", o->model, why);
        free(m);
        return 1;
    }
    char occ[8], oreg[64], dcc[8], dreg[64];
    split_region(o->origin, occ, sizeof occ, oreg, sizeof oreg);
    split_region(o->dest, dcc, sizeof dcc, dreg, sizeof dreg);
    struct opts co = *o;
    if (!co.country && *dcc)
        co.country = dcc;
    struct rs_calendar cal;
    if (make_calendar(&cal, &co, NULL)) {
        free(m);
        return 1;
    }
    /* the carrier as the model's lanes hold it (a name no shipment could have stays as given) */
    char slug[RS_MAX_CARRIER_LEN + 1];
    const char *carrier = o->carrier && rs_app_carrier_normalize(o->carrier, slug) ? slug : o->carrier;
    struct rs_promise_lane lane = {occ, oreg, dcc, dreg, carrier, o->service, NULL, NULL};
    struct rs_promise pr;
    if (rs_promise_quote(m, &cal, &lane, placed_day, placed_minute, o->confidence, &pr) != RS_OK) {
        fprintf(stderr, "rastro promise: cannot quote\n");
        free(m);
        return 1;
    }
    char e[11], l[11], k[11];
    rs_date_format(pr.earliest, e);
    rs_date_format(pr.likely, k);
    rs_date_format(pr.latest, l);
    if (o->json) {
        printf("{\"earliest\":\"%s\",\"likely\":\"%s\",\"latest\":\"%s\",\"probability\":%.3f,"
               "\"confidence\":%.2f,\"low_confidence\":%s}\n",
               e, k, l, pr.probability, pr.confidence, pr.low_confidence ? "true" : "false");
    } else {
        printf("earliest %s  most likely %s  latest (promise) %s\n", e, k, l);
        printf("probability of delivery by the promise %.0f%% (target %.0f%%)%s\n",
               100 * pr.probability, 100 * pr.confidence,
               pr.low_confidence ? "; LOW CONFIDENCE: unknown or sparse lane" : "");
    }
    free(m);
    return 0;
}

int rs_cmd_promise(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    struct opts o;
    if (parse_opts(argc, argv, &o))
        return usage();
    if (strcmp(argv[1], "train") == 0)
        return cmd_train(&o);
    if (strcmp(argv[1], "eval") == 0) {
        /* the business target (late <= 0.75 x the marketplace's ~5%) needs ~96% on time */
        if (!o.confidence_set)
            o.confidence = 0.96;
        return cmd_eval(&o);
    }
    if (strcmp(argv[1], "quote") == 0)
        return cmd_quote(&o);
    if (strcmp(argv[1], "sweep") == 0)
        return cmd_sweep(&o);
    if (strcmp(argv[1], "learn") == 0)
        return cmd_learn(&o);
    if (strcmp(argv[1], "settings") == 0)
        return cmd_settings(&o);
    if (argv[1][0] != '-')
        fprintf(stderr, "rastro promise: '%s' is not a promise command\n", argv[1]);
    return usage();
}
