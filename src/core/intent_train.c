/* intent_train.c — logistic-regression training of the intent model (see intent_train.h). */
#include "core/intent_train.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fold.h"

#define K RS_INTENT_COUNT

void rs_intent_train_opts_init(struct rs_intent_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 10;
    o->rate = 0.3f;
    o->l2 = 3e-3f;
    o->min_count = 2;
    o->keep = 0.02f;
    o->seed = 1;
}

/* ---- a string → index dictionary (open addressing over a string pool) */

struct dict {
    char *pool;
    size_t npool, cappool;
    size_t *soff;      /* string offset per index */
    float *count;      /* messages containing the feature (weighted) */
    size_t n, cap;
    uint32_t *slots;   /* index + 1, 0 = empty */
    size_t nslots;
};

static uint64_t shash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static enum rs_err dict_grow(struct dict *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 1 << 16;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (!sl)
        return RS_ENOMEM;
    for (size_t i = 0; i < d->nslots; i++) {
        if (!d->slots[i])
            continue;
        uint64_t h = shash(d->pool + d->soff[d->slots[i] - 1]);
        size_t j = (size_t)h & (ns - 1);
        while (sl[j])
            j = (j + 1) & (ns - 1);
        sl[j] = d->slots[i];
    }
    free(d->slots);
    d->slots = sl;
    d->nslots = ns;
    return RS_OK;
}

/* Index of S, adding it when ADD; -1 when absent (or out of memory). */
static long dict_get(struct dict *d, const char *s, int add)
{
    if (!d->nslots || (add && d->n * 2 >= d->nslots)) {
        if (!add && !d->nslots)
            return -1;
        if (dict_grow(d) != RS_OK)
            return -1;
    }
    size_t mask = d->nslots - 1;
    size_t j = (size_t)shash(s) & mask;
    while (d->slots[j]) {
        if (strcmp(d->pool + d->soff[d->slots[j] - 1], s) == 0)
            return (long)d->slots[j] - 1;
        j = (j + 1) & mask;
    }
    if (!add)
        return -1;
    size_t l = strlen(s) + 1;
    if (d->npool + l > d->cappool) {
        size_t nc = d->cappool ? d->cappool * 2 : 1 << 20;
        while (nc < d->npool + l)
            nc *= 2;
        char *np = realloc(d->pool, nc);
        if (!np)
            return -1;
        d->pool = np;
        d->cappool = nc;
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 1 << 15;
        size_t *no = realloc(d->soff, nc * sizeof *no);
        if (!no)
            return -1;
        d->soff = no;
        float *ncnt = realloc(d->count, nc * sizeof *ncnt);
        if (!ncnt)
            return -1;
        d->count = ncnt;
        d->cap = nc;
    }
    memcpy(d->pool + d->npool, s, l);
    d->soff[d->n] = d->npool;
    d->count[d->n] = 0;
    d->npool += l;
    d->slots[j] = (uint32_t)(d->n + 1);
    return (long)d->n++;
}

static void dict_release(struct dict *d)
{
    free(d->pool);
    free(d->soff);
    free(d->count);
    free(d->slots);
}

/* ---- output buffer */

struct obuf {
    char *b;
    size_t n, cap;
    int oom;
};

static void outf(struct obuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void outf(struct obuf *o, const char *fmt, ...)
{
    if (o->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(o->b + o->n, o->cap - o->n, fmt, ap);
        va_end(ap);
        if (w < 0) {
            o->oom = 1;
            return;
        }
        if ((size_t)w < o->cap - o->n) {
            o->n += (size_t)w;
            return;
        }
        size_t nc = o->cap * 2 + (size_t)w + 1024;
        char *nb = realloc(o->b, nc);
        if (!nb) {
            o->oom = 1;
            return;
        }
        o->b = nb;
        o->cap = nc;
    }
}

/* ---- training */

struct ex_feats {
    uint32_t *idx;
    unsigned n;
    float off[K];
};

enum rs_err rs_intent_train(const struct rs_intent_example *ex, size_t n,
                            const struct rs_intent_model *rules,
                            const struct rs_intent_train_opts *opt, char **out, size_t *outlen)
{
    struct rs_intent_train_opts o;
    if (opt)
        o = *opt;
    else
        rs_intent_train_opts_init(&o);
    *out = NULL;
    *outlen = 0;
    if (n == 0)
        return RS_EINVAL;
    enum rs_err rc = RS_ENOMEM;
    struct dict d = {0};
    struct ex_feats *ef = calloc(n, sizeof *ef);
    uint32_t *keepmap = NULL;
    float *w = NULL, *g2 = NULL;
    size_t *order = NULL;
    char *fbuf = malloc(RS_INTENT_MAX_FEATS * 16);
    size_t *offs = malloc(RS_INTENT_MAX_FEATS * sizeof *offs);
    char *folded = malloc(RS_INTENT_MAX_TEXT);
    struct obuf ob = {0};
    if (!ef || !fbuf || !offs || !folded)
        goto done;

    /* 1. features per message, and the dictionary with message counts */
    for (size_t i = 0; i < n; i++) {
        if (ex[i].intent < 0 || ex[i].intent >= K || !(ex[i].weight > 0)) {
            rc = RS_EINVAL;
            goto done;
        }
        rs_fold(ex[i].text ? ex[i].text : "", -1, folded, RS_INTENT_MAX_TEXT);
        size_t nf = rs_intent_features(folded, fbuf, RS_INTENT_MAX_FEATS * 16, offs,
                                       RS_INTENT_MAX_FEATS);
        ef[i].idx = malloc((nf ? nf : 1) * sizeof *ef[i].idx);
        if (!ef[i].idx)
            goto done;
        unsigned k = 0;
        for (size_t f = 0; f < nf; f++) {
            long id = dict_get(&d, fbuf + offs[f], 1);
            if (id < 0)
                goto done;
            /* count each feature once per message */
            int seen = 0;
            for (unsigned q = 0; q < k && !seen; q++)
                seen = ef[i].idx[q] == (uint32_t)id;
            if (!seen)
                d.count[id] += 1;
            ef[i].idx[k++] = (uint32_t)id;
        }
        ef[i].n = k;
        if (rules)
            rs_intent_rule_offsets(rules, folded, ef[i].off, NULL);
        if (o.progress && (i % 512 == 0))
            o.progress(o.progress_ctx, i, n * (size_t)(o.epochs + 1));
    }

    /* 2. drop rare features: renumber the kept ones */
    keepmap = malloc((d.n ? d.n : 1) * sizeof *keepmap);
    if (!keepmap)
        goto done;
    size_t nk = 0;
    for (size_t f = 0; f < d.n; f++)
        keepmap[f] = d.count[f] >= (float)o.min_count ? (uint32_t)nk++ : UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned k = 0;
        for (unsigned q = 0; q < ef[i].n; q++)
            if (keepmap[ef[i].idx[q]] != UINT32_MAX)
                ef[i].idx[k++] = keepmap[ef[i].idx[q]];
        ef[i].n = k;
    }
    w = calloc((nk + 1) * K, sizeof *w); /* row nk is the bias */
    g2 = calloc((nk + 1) * K, sizeof *g2);
    order = malloc(n * sizeof *order);
    if (!w || !g2 || !order)
        goto done;
    for (size_t i = 0; i < n; i++)
        order[i] = i;

    /* 3. SGD with AdaGrad */
    uint64_t rng = o.seed ? o.seed : 1;
    for (int ep = 0; ep < o.epochs; ep++) {
        for (size_t i = n - 1; i > 0; i--) { /* Fisher–Yates with a 64-bit LCG */
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            size_t j = (size_t)((rng >> 33) % (i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t s = 0; s < n; s++) {
            const struct ex_feats *e = &ef[order[s]];
            float z[K], p[K];
            for (int c = 0; c < K; c++)
                z[c] = w[nk * K + c] + e->off[c];
            for (unsigned q = 0; q < e->n; q++)
                for (int c = 0; c < K; c++)
                    z[c] += w[(size_t)e->idx[q] * K + c];
            float mx = z[0], sum = 0;
            for (int c = 1; c < K; c++)
                mx = z[c] > mx ? z[c] : mx;
            for (int c = 0; c < K; c++)
                sum += p[c] = expf(z[c] - mx);
            float wt = ex[order[s]].weight;
            for (int c = 0; c < K; c++)
                p[c] = wt * (p[c] / sum - (c == (int)ex[order[s]].intent ? 1.0f : 0.0f));
            /* bias, then each feature (a feature repeated in a message updates twice) */
            for (unsigned q = 0; q <= e->n; q++) {
                size_t row = q == e->n ? nk : e->idx[q];
                for (int c = 0; c < K; c++) {
                    float *wp = &w[row * K + c], g = p[c] + o.l2 * *wp;
                    float *gp = &g2[row * K + c];
                    *gp += g * g;
                    if (*gp > 0)
                        *wp -= o.rate * g / sqrtf(*gp);
                }
            }
            if (o.progress && (s % 512 == 0))
                o.progress(o.progress_ctx, n * (size_t)(ep + 1) + s,
                           n * (size_t)(o.epochs + 1));
        }
    }

    /* 4. write: header, bias, then each kept feature with its non-negligible weights */
    outf(&ob, "# rastro intent model: multinomial logistic regression weights.\n"
              "# Generated by `rastro bot train`; do not edit by hand. Rows: feature<TAB>"
              "col:weight ... (col indexes @intents).\n# %zu messages, %zu features.\n@intents",
         n, nk);
    for (int c = 0; c < K; c++)
        outf(&ob, "\t%s", rs_intent_name((enum rs_intent)c));
    outf(&ob, "\n@bias\t");
    for (int c = 0; c < K; c++)
        outf(&ob, "%s%d:%.3f", c ? " " : "", c, (double)w[nk * K + c]);
    outf(&ob, "\n");
    for (size_t f = 0; f < d.n; f++) {
        if (keepmap[f] == UINT32_MAX)
            continue;
        const float *row = &w[(size_t)keepmap[f] * K];
        int any = 0;
        for (int c = 0; c < K; c++)
            any = any || fabsf(row[c]) >= o.keep;
        if (!any)
            continue;
        outf(&ob, "%s\t", d.pool + d.soff[f]);
        int first = 1;
        for (int c = 0; c < K; c++)
            if (fabsf(row[c]) >= o.keep) {
                outf(&ob, "%s%d:%.3f", first ? "" : " ", c, (double)row[c]);
                first = 0;
            }
        outf(&ob, "\n");
    }
    if (ob.oom)
        goto done;
    *out = ob.b;
    *outlen = ob.n;
    ob.b = NULL;
    rc = RS_OK;
done:
    if (ef)
        for (size_t i = 0; i < n; i++)
            free(ef[i].idx);
    free(ef);
    free(keepmap);
    free(w);
    free(g2);
    free(order);
    free(fbuf);
    free(offs);
    free(folded);
    free(ob.b);
    dict_release(&d);
    return rc;
}
