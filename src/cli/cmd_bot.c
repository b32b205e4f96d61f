/* cmd_bot.c — `rastro bot classify|eval|train`: the support bot's intent classifier from the
 * command line.
 *
 *   rastro bot classify [--rules FILE]
 *       one message per line on stdin → "intent<TAB>confidence<TAB>entities JSON" per line
 *   rastro bot eval --data FILE[@train|@test] ... [--map FILE] [--rules FILE] [--json]
 *       per-intent precision/recall/F1/support and the macro-F1 over the WISMO intents
 *   rastro bot train --data FILE[@train|@test] ... [--weight W] [--map FILE] --out FILE
 *       learn data/intent-model.tsv (logistic regression around the shipped rules)
 *
 * Data files are CSV with columns utterance,intent. Labels are Rastro intents or Bitext labels
 * mapped through data/bitext-intent-map.tsv (or --map); labels mapped to "-" are skipped and
 * counted. "FILE@train" keeps the deterministic 80% of rows whose utterance hashes to 0..7
 * (FNV-1a mod 10), "FILE@test" the other 20%. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/intent_default.h"
#include "cli/cmd.h"
#include "core/intent.h"
#include "core/intent_train.h"
#include "util/assets.h"
#include "util/csv.h"
#include "util/progress.h"
#include "util/timefmt.h"

/* ---------------------------------------------------------------- label map */

struct label_map {
    char (*from)[64];
    int *to; /* intent, or -1 for ignore */
    size_t n;
};

static void map_release(struct label_map *m)
{
    free(m->from);
    free(m->to);
}

static int map_load(struct label_map *m, const char *text, size_t len, const char *name)
{
    memset(m, 0, sizeof *m);
    size_t cap = 0;
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        char buf[256];
        size_t l = e - pos;
        line++;
        if (l >= sizeof buf) {
            fprintf(stderr, "rastro bot: %s line %ld: too long\n", name, line);
            return -1;
        }
        memcpy(buf, text + pos, l);
        buf[l] = '\0';
        pos = e + 1;
        if (l && buf[l - 1] == '\r')
            buf[--l] = '\0';
        if (!l || buf[0] == '#')
            continue;
        char *tab = strchr(buf, '\t');
        if (!tab) {
            fprintf(stderr, "rastro bot: %s line %ld: want label<TAB>intent\n", name, line);
            return -1;
        }
        *tab = '\0';
        char *to = tab + 1;
        char *tab2 = strchr(to, '\t'); /* a third column is a comment */
        if (tab2)
            *tab2 = '\0';
        int in = strcmp(to, "-") == 0 ? -1 : (int)rs_intent_parse(to);
        if (in == RS_INTENT_INVALID && strcmp(to, "-") != 0) {
            fprintf(stderr, "rastro bot: %s line %ld: unknown intent \"%s\"\n", name, line, to);
            return -1;
        }
        if (strlen(buf) >= 64) {
            fprintf(stderr, "rastro bot: %s line %ld: label too long\n", name, line);
            return -1;
        }
        if (m->n == cap) {
            cap = cap ? cap * 2 : 32;
            void *a = realloc(m->from, cap * sizeof *m->from);
            if (!a)
                return -1;
            m->from = a;
            void *b = realloc(m->to, cap * sizeof *m->to);
            if (!b)
                return -1;
            m->to = b;
        }
        strcpy(m->from[m->n], buf);
        m->to[m->n++] = in;
    }
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(b, cap + 1);
        if (!nb) {
            free(b);
            b = NULL;
        }
        b = nb;
    }
    int err = ferror(f);
    fclose(f);
    if (!b || err) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

static int load_map(struct label_map *m, const char *path)
{
    if (path) {
        size_t len;
        char *t = slurp(path, &len);
        if (!t) {
            fprintf(stderr, "rastro bot: cannot read %s\n", path);
            return -1;
        }
        int rc = map_load(m, t, len, path);
        free(t);
        return rc;
    }
    size_t len = 0;
    const char *t = rs_asset_get("data/bitext-intent-map.tsv", &len);
    if (!t) {
        memset(m, 0, sizeof *m);
        return 0;
    }
    return map_load(m, t, len, "data/bitext-intent-map.tsv");
}

/* Intent for LABEL: >= 0 an intent, -1 ignore, -2 unknown. */
static int resolve(const struct label_map *m, const char *label)
{
    enum rs_intent in = rs_intent_parse(label);
    if (in != RS_INTENT_INVALID)
        return in;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->from[i], label) == 0)
            return m->to[i];
    return -2;
}

/* ---------------------------------------------------------------- data rows */

struct row {
    char *text;
    int intent;
    float weight;
};

struct rows {
    struct row *r;
    size_t n, cap;
    long ignored, unknown, bad;
};

static void rows_release(struct rows *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->r[i].text);
    free(rs->r);
}

static uint32_t fnv32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* Read SPEC ("file.csv", "file.csv@train" or "file.csv@test") into RS. */
static int read_rows(const char *spec, const struct label_map *map, float weight, struct rows *rs)
{
    char path[4096];
    int split = 0; /* 1 train, 2 test */
    snprintf(path, sizeof path, "%s", spec);
    char *at = strrchr(path, '@');
    if (at && (strcmp(at, "@train") == 0 || strcmp(at, "@test") == 0)) {
        split = at[1] == 't' && at[2] == 'r' ? 1 : 2;
        *at = '\0';
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "rastro bot: cannot open %s\n", path);
        return -1;
    }
    struct rs_csv c;
    if (rs_csv_init_file(&c, f) != RS_OK) {
        fclose(f);
        return -1;
    }
    int cu = 0, ci = 1, first = 1, rc = 0;
    for (;;) {
        enum rs_err e = rs_csv_next(&c);
        if (e == RS_ENOTFOUND)
            break;
        if (e != RS_OK) {
            fprintf(stderr, "rastro bot: %s line %ld: %s (skipped)\n", path, c.line,
                    rs_strerror(e));
            rs->bad++;
            continue;
        }
        if (first) {
            first = 0;
            int a = rs_csv_find(&c, "utterance"), b = rs_csv_find(&c, "intent");
            if (a >= 0 && b >= 0) {
                cu = a;
                ci = b;
                continue;
            }
        }
        if (c.nfields <= cu || c.nfields <= ci) {
            rs->bad++;
            continue;
        }
        const char *u = c.fields[cu];
        if (split && (fnv32(u) % 10 < 8) != (split == 1))
            continue;
        int in = resolve(map, c.fields[ci]);
        if (in == -1) {
            rs->ignored++;
            continue;
        }
        if (in == -2) {
            if (rs->unknown++ < 5)
                fprintf(stderr, "rastro bot: %s line %ld: unknown label \"%s\" (skipped)\n", path,
                        c.line, c.fields[ci]);
            continue;
        }
        if (rs->n == rs->cap) {
            size_t nc = rs->cap ? rs->cap * 2 : 1024;
            struct row *nr = realloc(rs->r, nc * sizeof *nr);
            if (!nr) {
                rc = -1;
                break;
            }
            rs->r = nr;
            rs->cap = nc;
        }
        rs->r[rs->n].text = strdup(u);
        if (!rs->r[rs->n].text) {
            rc = -1;
            break;
        }
        rs->r[rs->n].intent = in;
        rs->r[rs->n].weight = weight;
        rs->n++;
    }
    rs_csv_release(&c);
    fclose(f);
    return rc;
}

/* ---------------------------------------------------------------- model with --rules */

static int rules_only; /* --rules-only: diagnose the rules without the learned weights */

static int model_for(const char *rules_path, const struct rs_intent_model **m,
                     struct rs_intent_model **owned)
{
    *owned = NULL;
    if (rules_only) {
        if (rs_intent_model_rules_only(owned) != RS_OK)
            return -1;
        *m = *owned;
        return 0;
    }
    if (!rules_path) {
        *m = rs_intent_default();
        return *m ? 0 : -1;
    }
    size_t len;
    char *t = slurp(rules_path, &len);
    if (!t) {
        fprintf(stderr, "rastro bot: cannot read %s\n", rules_path);
        return -1;
    }
    char err[256] = "";
    enum rs_err rc = rs_intent_model_for_merchant(t, len, owned, err, sizeof err);
    free(t);
    if (rc != RS_OK) {
        fprintf(stderr, "rastro bot: %s: %s\n", rules_path, err);
        return -1;
    }
    *m = *owned;
    return 0;
}

/* ---------------------------------------------------------------- classify */

static int cmd_classify(int argc, char **argv)
{
    const char *rules = NULL;
    int scores = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules = argv[++i];
        else if (strcmp(argv[i], "--rules-only") == 0)
            rules_only = 1;
        else if (strcmp(argv[i], "--scores") == 0)
            scores = 1;
        else {
            fprintf(stderr, "usage: rastro bot classify [--rules FILE] [--scores] [--rules-only] < messages.txt\n");
            return 2;
        }
    }
    const struct rs_intent_model *m;
    struct rs_intent_model *owned;
    if (model_for(rules, &m, &owned) != 0)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        /* a NUL inside the line ends the message there: classify what precedes it */
        struct rs_intent_result r;
        rs_intent_classify(m, line, &r);
        char js[512];
        rs_intent_entities_json(&r.entities, js, sizeof js);
        printf("%s\t%.3f\t%s", rs_intent_name(r.intent), (double)r.confidence, js);
        if (scores) /* every intent above 1%, for diagnosis */
            for (int c = 0; c < RS_INTENT_COUNT; c++)
                if (r.scores[c] >= 0.01f)
                    printf("\t%s=%.2f", rs_intent_name((enum rs_intent)c), (double)r.scores[c]);
        putchar('\n');
    }
    free(line);
    rs_intent_model_free(owned);
    return ferror(stdout) ? 1 : 0;
}

/* ---------------------------------------------------------------- eval */

static const enum rs_intent wismo[] = {
    RS_INTENT_WHERE_IS_ORDER, RS_INTENT_DELIVERY_DATE, RS_INTENT_NOT_RECEIVED,
    RS_INTENT_CHANGE_ADDRESS, RS_INTENT_CANCEL,        RS_INTENT_REFUND_STATUS,
    RS_INTENT_TALK_TO_HUMAN,
};

static int cmd_eval(int argc, char **argv)
{
    const char *data[16], *mapf = NULL, *rules = NULL;
    int nd = 0, json = 0, errors = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc && nd < 16)
            data[nd++] = argv[++i];
        else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc)
            mapf = argv[++i];
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--errors") == 0)
            errors = 1;
        else if (strcmp(argv[i], "--rules-only") == 0)
            rules_only = 1;
        else
            nd = -100;
    }
    if (nd <= 0) {
        fprintf(stderr, "usage: rastro bot eval --data FILE.csv[@train|@test] ... [--map FILE] "
                        "[--rules FILE] [--json] [--errors]\n");
        return 2;
    }
    struct label_map map;
    if (load_map(&map, mapf) != 0) {
        map_release(&map);
        return 1;
    }
    struct rows rs = {0};
    for (int i = 0; i < nd; i++)
        if (read_rows(data[i], &map, 1, &rs) != 0) {
            rows_release(&rs);
            map_release(&map);
            return 1;
        }
    map_release(&map);
    const struct rs_intent_model *m;
    struct rs_intent_model *owned;
    if (rs.n == 0 || model_for(rules, &m, &owned) != 0) {
        if (rs.n == 0)
            fprintf(stderr, "rastro bot: no rows to evaluate\n");
        rows_release(&rs);
        return 1;
    }
    long conf[RS_INTENT_COUNT][RS_INTENT_COUNT] = {{0}};
    struct rs_progress pr;
    rs_progress_init(&pr, "evaluating", "messages", (int64_t)rs.n);
    uint64_t ns = 0;
    long low = 0;
    for (size_t i = 0; i < rs.n; i++) {
        struct rs_intent_result r;
        uint64_t t0 = rs_mono_ns();
        rs_intent_classify(m, rs.r[i].text, &r);
        ns += rs_mono_ns() - t0;
        conf[rs.r[i].intent][r.intent]++;
        low += r.confidence < RS_INTENT_HANDOVER;
        if (errors && (int)r.intent != rs.r[i].intent)
            fprintf(stderr, "%s\t%s\t%.2f\t%s\n", rs_intent_name(rs.r[i].intent),
                    rs_intent_name(r.intent), (double)r.confidence, rs.r[i].text);
        rs_progress_update(&pr, (int64_t)i + 1);
    }
    rs_progress_done(&pr);
    double p[RS_INTENT_COUNT], rc[RS_INTENT_COUNT], f1[RS_INTENT_COUNT];
    long sup[RS_INTENT_COUNT], correct = 0;
    for (int c = 0; c < RS_INTENT_COUNT; c++) {
        long tp = conf[c][c], pred = 0, act = 0;
        for (int k = 0; k < RS_INTENT_COUNT; k++) {
            pred += conf[k][c];
            act += conf[c][k];
        }
        correct += tp;
        sup[c] = act;
        p[c] = pred ? (double)tp / (double)pred : 0;
        rc[c] = act ? (double)tp / (double)act : 0;
        f1[c] = p[c] + rc[c] > 0 ? 2 * p[c] * rc[c] / (p[c] + rc[c]) : 0;
    }
    double macro = 0;
    int nw = 0;
    for (size_t i = 0; i < sizeof wismo / sizeof wismo[0]; i++)
        if (sup[wismo[i]] > 0) {
            macro += f1[wismo[i]];
            nw++;
        }
    macro = nw ? macro / nw : 0;
    double acc = (double)correct / (double)rs.n;
    double us = (double)ns / 1e3 / (double)rs.n;
    if (json) {
        json_t *o = json_object(), *pi = json_object(), *wl = json_array();
        for (int c = 0; c < RS_INTENT_COUNT; c++) {
            long pred = 0;
            for (int k = 0; k < RS_INTENT_COUNT; k++)
                pred += conf[k][c];
            if (!sup[c] && !pred)
                continue;
            json_object_set_new(pi, rs_intent_name((enum rs_intent)c),
                                json_pack("{s:f,s:f,s:f,s:I}", "precision", p[c], "recall",
                                          rc[c], "f1", f1[c], "support", (json_int_t)sup[c]));
        }
        for (size_t i = 0; i < sizeof wismo / sizeof wismo[0]; i++)
            if (sup[wismo[i]] > 0)
                json_array_append_new(wl, json_string(rs_intent_name(wismo[i])));
        json_object_set_new(o, "macro_f1", json_real(macro));
        json_object_set_new(o, "macro_f1_intents", wl);
        json_object_set_new(o, "accuracy", json_real(acc));
        json_object_set_new(o, "rows", json_integer((json_int_t)rs.n));
        json_object_set_new(o, "ignored", json_integer(rs.ignored));
        json_object_set_new(o, "unknown_labels", json_integer(rs.unknown));
        json_object_set_new(o, "bad_rows", json_integer(rs.bad));
        json_object_set_new(o, "below_handover", json_integer(low));
        json_object_set_new(o, "us_per_message", json_real(us));
        json_object_set_new(o, "per_intent", pi);
        char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(4));
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else {
        printf("%-16s %9s %7s %7s %8s\n", "intent", "precision", "recall", "f1", "support");
        for (int c = 0; c < RS_INTENT_COUNT; c++) {
            long pred = 0;
            for (int k = 0; k < RS_INTENT_COUNT; k++)
                pred += conf[k][c];
            if (!sup[c] && !pred)
                continue;
            printf("%-16s %9.3f %7.3f %7.3f %8ld\n", rs_intent_name((enum rs_intent)c), p[c],
                   rc[c], f1[c], sup[c]);
        }
        printf("macro-F1 over %d WISMO intents present: %.3f\n", nw, macro);
        printf("accuracy %.3f on %zu messages; %ld ignored, %ld unknown labels, %ld bad rows; "
               "%ld below handover confidence %.2f; %.1f us per message\n",
               acc, rs.n, rs.ignored, rs.unknown, rs.bad, low, (double)RS_INTENT_HANDOVER, us);
    }
    rs_intent_model_free(owned);
    rows_release(&rs);
    return 0;
}

/* ---------------------------------------------------------------- train */

static void train_progress(void *ctx, size_t done, size_t total)
{
    struct rs_progress *p = ctx;
    p->total = (int64_t)total;
    rs_progress_update(p, (int64_t)done);
}

static int cmd_train(int argc, char **argv)
{
    const char *data[16], *mapf = NULL, *outp = NULL;
    float weights[16], wcur = 1;
    int nd = 0, epochs = 0;
    float l2 = -1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc && nd < 16) {
            weights[nd] = wcur;
            data[nd++] = argv[++i];
        } else if (strcmp(argv[i], "--weight") == 0 && i + 1 < argc) {
            wcur = strtof(argv[++i], NULL);
            if (!(wcur > 0 && wcur <= 100))
                nd = -100;
        } else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
            epochs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--l2") == 0 && i + 1 < argc) {
            l2 = strtof(argv[++i], NULL);
        } else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
            mapf = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            outp = argv[++i];
        } else {
            nd = -100;
        }
    }
    if (nd <= 0 || !outp) {
        fprintf(stderr, "usage: rastro bot train [--weight W] --data FILE.csv[@train|@test] ... "
                        "[--map FILE] [--epochs N] [--l2 X] --out data/intent-model.tsv\n"
                        "  --weight W applies to the --data files after it (default 1)\n");
        return 2;
    }
    struct label_map map;
    if (load_map(&map, mapf) != 0) {
        map_release(&map);
        return 1;
    }
    struct rows rs = {0};
    for (int i = 0; i < nd; i++)
        if (read_rows(data[i], &map, weights[i], &rs) != 0) {
            rows_release(&rs);
            map_release(&map);
            return 1;
        }
    map_release(&map);
    if (rs.n == 0) {
        fprintf(stderr, "rastro bot: no training rows\n");
        rows_release(&rs);
        return 1;
    }
    /* Balance the classes: a class whose examples weigh more than CAP in total is scaled down
     * to CAP, so the many "other" Bitext rows do not drown the rarer intents. */
    double tot[RS_INTENT_COUNT] = {0};
    for (size_t i = 0; i < rs.n; i++)
        tot[rs.r[i].intent] += rs.r[i].weight;
    const double cap = 2500;
    struct rs_intent_example *ex = calloc(rs.n, sizeof *ex);
    struct rs_intent_model *rules = NULL;
    if (!ex || rs_intent_model_rules_only(&rules) != RS_OK) {
        free(ex);
        rows_release(&rs);
        return 1;
    }
    for (size_t i = 0; i < rs.n; i++) {
        double t = tot[rs.r[i].intent];
        ex[i].text = rs.r[i].text;
        ex[i].intent = (enum rs_intent)rs.r[i].intent;
        ex[i].weight = (float)(rs.r[i].weight * (t > cap ? cap / t : 1));
    }
    struct rs_intent_train_opts o;
    rs_intent_train_opts_init(&o);
    if (epochs > 0)
        o.epochs = epochs;
    if (l2 >= 0)
        o.l2 = l2;
    struct rs_progress pr;
    rs_progress_init(&pr, "training", "steps", 0);
    o.progress = train_progress;
    o.progress_ctx = &pr;
    char *out = NULL;
    size_t outlen = 0;
    enum rs_err rc = rs_intent_train(ex, rs.n, rules, &o, &out, &outlen);
    rs_progress_done(&pr);
    int ret = 0;
    if (rc != RS_OK) {
        fprintf(stderr, "rastro bot: training failed: %s\n", rs_strerror(rc));
        ret = 1;
    } else {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", outp);
        FILE *f = fopen(tmp, "wb");
        if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0 ||
            rename(tmp, outp) != 0) {
            fprintf(stderr, "rastro bot: cannot write %s\n", outp);
            ret = 1;
        } else {
            fprintf(stderr, "rastro bot: %zu messages (%ld ignored), wrote %s (%zu bytes)\n",
                    rs.n, rs.ignored, outp, outlen);
        }
    }
    free(out);
    free(ex);
    rs_intent_model_free(rules);
    rows_release(&rs);
    return ret;
}

int rs_cmd_bot(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "classify") == 0)
        return cmd_classify(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "eval") == 0)
        return cmd_eval(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "train") == 0)
        return cmd_train(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0)
        fprintf(stderr, "rastro bot: '%s' is not a bot command\n", argv[1]);
    fprintf(stderr, "usage: rastro bot classify [--rules FILE] < messages\n"
                    "       rastro bot eval --data FILE.csv[@test] [--json] [--map FILE]\n"
                    "       rastro bot train --data FILE.csv[@train] ... --out FILE\n"
                    "  classify: the intent of each message on stdin (one a line); eval: accuracy of the\n"
                    "  bot on labelled messages; train: learn intent weights from them\n"
                    "  `rastro bot SUB --help` gives each one's options\n"
                    "example: echo '¿dónde está mi pedido?' | rastro bot classify\n");
    return 2;
}
