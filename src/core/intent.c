/* intent.c — intent classification: rules + learned log-linear model (see intent.h). */
#include "core/intent.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fold.h"

/* ---------------------------------------------------------------- names */

static const char *const intent_names[RS_INTENT_COUNT] = {
    "where_is_order", "delivery_date", "not_received", "damaged",       "missing_item",
    "wrong_item",     "change_address", "cancel",      "return",        "refund_status",
    "talk_to_human",  "greeting",      "thanks",       "other",
};

const char *rs_intent_name(enum rs_intent i)
{
    if ((int)i < 0 || i >= RS_INTENT_COUNT)
        return "?";
    return intent_names[i];
}

enum rs_intent rs_intent_parse(const char *name)
{
    if (!name)
        return RS_INTENT_INVALID;
    for (int i = 0; i < RS_INTENT_COUNT; i++)
        if (strcmp(name, intent_names[i]) == 0)
            return (enum rs_intent)i;
    return RS_INTENT_INVALID;
}

/* ---------------------------------------------------------------- model */

enum tok_kind { TK_WORD, TK_GAP, TK_START, TK_END };

struct alt {
    const char *word; /* points into the rule's own string block */
    unsigned len;
    unsigned char prefix, exact;
};

struct ptok {
    unsigned char kind;
    unsigned nalt;
    struct alt *alts;
};

struct rule {
    int intent;
    float weight;
    int origin;
    int decisive; /* weight written "!w": the rule chooses its intent when it matches */
    unsigned ntok;
    struct ptok *toks;
    void *block; /* one allocation holding toks, alts and words */
};

struct rs_intent_model {
    struct rule *rules;
    size_t nrules, caprules;
    int has_merchant;
    /* learned weights: nfeat rows of RS_INTENT_COUNT floats, found through an open-addressed
     * table of 64-bit feature hashes (collisions at 64 bits are negligible for ~1e5 keys) */
    float bias[RS_INTENT_COUNT];
    size_t nfeat;
    float *w;
    uint64_t *keys; /* hcap slots, 0 = empty */
    uint32_t *vals;
    size_t hcap;
};

enum rs_err rs_intent_model_new(struct rs_intent_model **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? RS_OK : RS_ENOMEM;
}

static void clear_weights(struct rs_intent_model *m)
{
    free(m->w);
    free(m->keys);
    free(m->vals);
    m->w = NULL;
    m->keys = NULL;
    m->vals = NULL;
    m->nfeat = m->hcap = 0;
    memset(m->bias, 0, sizeof m->bias);
}

void rs_intent_model_free(struct rs_intent_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nrules; i++)
        free(m->rules[i].block);
    free(m->rules);
    clear_weights(m);
    free(m);
}

size_t rs_intent_model_rule_count(const struct rs_intent_model *m) { return m->nrules; }
size_t rs_intent_model_feature_count(const struct rs_intent_model *m) { return m->nfeat; }

static void seterr(char *err, size_t cap, long line, const char *why)
{
    if (err && cap)
        snprintf(err, cap, "line %ld: %s", line, why);
}

/* FNV-1a, 64 bits; 0 is reserved for empty slots. */
static uint64_t fhash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

static const float *lookup(const struct rs_intent_model *m, const char *s, size_t n)
{
    if (!m->hcap)
        return NULL;
    uint64_t h = fhash(s, n);
    size_t mask = m->hcap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == 0)
            return NULL;
        if (m->keys[i] == h)
            return m->w + (size_t)m->vals[i] * RS_INTENT_COUNT;
    }
}

/* ---------------------------------------------------------------- rule parsing */

/* One line's fields split in place: returns the number of tab-separated fields (max 3). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

/* Build one rule from its pattern text into R. Returns NULL on success, else why. */
static const char *compile_pattern(const char *pattern, struct rule *r)
{
    /* Fold each alternative separately; collect the pieces first in temporary arrays. */
    enum { MAXT = 32, MAXA = 256 };
    struct {
        unsigned char kind;
        unsigned first, nalt;
    } t[MAXT];
    struct {
        char word[64];
        unsigned char prefix, exact;
    } *a = calloc(MAXA, sizeof *a);
    if (!a)
        return "out of memory";
    unsigned nt = 0, na = 0;
    const char *why = NULL;
    char raw[512];
    if (strlen(pattern) >= sizeof raw) {
        free(a);
        return "pattern too long";
    }
    strcpy(raw, pattern);
    char *save = NULL;
    for (char *w = strtok_r(raw, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (nt >= MAXT) {
            why = "pattern has too many words";
            break;
        }
        if (strcmp(w, "*") == 0 || strcmp(w, "^") == 0 || strcmp(w, "$") == 0) {
            t[nt].kind = w[0] == '*' ? TK_GAP : w[0] == '^' ? TK_START : TK_END;
            if (t[nt].kind == TK_START && nt != 0) {
                why = "^ must come first";
                break;
            }
            t[nt].first = na;
            t[nt++].nalt = 0;
            continue;
        }
        /* alternatives */
        int multi = strchr(w, '|') != NULL;
        unsigned first = na;
        char *asave = NULL;
        for (char *x = strtok_r(w, "|", &asave); x; x = strtok_r(NULL, "|", &asave)) {
            unsigned char exact = 0, prefix = 0;
            if (*x == '=') {
                exact = 1;
                x++;
            }
            size_t xl = strlen(x);
            if (xl && x[xl - 1] == '*') {
                prefix = 1;
                x[--xl] = '\0';
            }
            char folded[64];
            size_t fl = rs_fold(x, (long)xl, folded, sizeof folded);
            if (fl == 0) {
                why = "empty word in pattern";
                break;
            }
            char *sp = strchr(folded, ' ');
            if (sp && multi) {
                why = "an alternative folds to several words";
                break;
            }
            /* a single word that folds to several ("don't") becomes a sequence */
            char *piece = folded;
            for (;;) {
                char *next = strchr(piece, ' ');
                if (next)
                    *next = '\0';
                if (na >= MAXA) {
                    why = "pattern has too many alternatives";
                    break;
                }
                strcpy(a[na].word, piece);
                a[na].exact = exact;
                a[na].prefix = next ? 0 : prefix;
                na++;
                if (!next)
                    break;
                /* close this token and start another */
                if (nt >= MAXT - 1) {
                    why = "pattern has too many words";
                    break;
                }
                t[nt].kind = TK_WORD;
                t[nt].first = first;
                t[nt++].nalt = na - first;
                first = na;
                piece = next + 1;
            }
            if (why)
                break;
        }
        if (why)
            break;
        if (na == first) {
            why = "empty word in pattern";
            break;
        }
        t[nt].kind = TK_WORD;
        t[nt].first = first;
        t[nt++].nalt = na - first;
    }
    if (!why && nt == 0)
        why = "empty pattern";
    if (!why) {
        for (unsigned i = 0; i < nt; i++)
            if (t[i].kind == TK_END && i != nt - 1)
                why = "$ must come last";
        int words = 0, gaps = 0;
        for (unsigned i = 0; i < nt; i++) {
            words += t[i].kind == TK_WORD;
            gaps += t[i].kind == TK_GAP;
        }
        if (!words)
            why = "pattern has no word";
        /* each gap multiplies the matching work by 4: bound it */
        if (gaps > 4)
            why = "pattern has more than 4 gaps";
    }
    if (why) {
        free(a);
        return why;
    }
    size_t wordbytes = 0;
    for (unsigned i = 0; i < na; i++)
        wordbytes += strlen(a[i].word) + 1;
    size_t sz = nt * sizeof(struct ptok) + na * sizeof(struct alt) + wordbytes;
    char *block = malloc(sz);
    if (!block) {
        free(a);
        return "out of memory";
    }
    struct ptok *pt = (struct ptok *)block;
    struct alt *al = (struct alt *)(block + nt * sizeof(struct ptok));
    char *words = (char *)(al + na);
    for (unsigned i = 0; i < na; i++) {
        size_t l = strlen(a[i].word);
        memcpy(words, a[i].word, l + 1);
        al[i].word = words;
        al[i].len = (unsigned)l;
        al[i].prefix = a[i].prefix;
        al[i].exact = a[i].exact;
        words += l + 1;
    }
    for (unsigned i = 0; i < nt; i++) {
        pt[i].kind = t[i].kind;
        pt[i].nalt = t[i].nalt;
        pt[i].alts = al + t[i].first;
    }
    r->ntok = nt;
    r->toks = pt;
    r->block = block;
    free(a);
    return NULL;
}

enum rs_err rs_intent_model_add_rules(struct rs_intent_model *m, const char *text, size_t len,
                                      enum rs_intent_origin origin, char *err, size_t errcap)
{
    if (!text)
        return RS_OK;
    size_t start_n = m->nrules;
    long lineno = 0;
    size_t pos = 0;
    char line[1024];
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        size_t l = e - pos;
        lineno++;
        if (l && text[pos + l - 1] == '\r')
            l--;
        const char *src = text + pos;
        pos = e + 1;
        if (l == 0 || src[0] == '#')
            continue;
        if (l >= sizeof line) {
            seterr(err, errcap, lineno, "line too long");
            goto fail;
        }
        memcpy(line, src, l);
        line[l] = '\0';
        if (memchr(line, '\0', l)) {
            seterr(err, errcap, lineno, "NUL byte in line");
            goto fail;
        }
        char *f[3];
        if (split_tabs(line, f, 3) != 3) {
            seterr(err, errcap, lineno, "want intent<TAB>weight<TAB>pattern");
            goto fail;
        }
        enum rs_intent in = rs_intent_parse(f[0]);
        if (in == RS_INTENT_INVALID) {
            seterr(err, errcap, lineno, "unknown intent");
            goto fail;
        }
        int decisive = f[1][0] == '!';
        const char *ws = f[1] + decisive;
        char *end;
        double wt = strtod(ws, &end);
        if (end == ws || *end || !isfinite(wt) || wt < -50 || wt > 50) {
            seterr(err, errcap, lineno, "weight must be a number in [-50, 50]");
            goto fail;
        }
        if (decisive && wt <= 0) {
            seterr(err, errcap, lineno, "a decisive (!) weight must be positive");
            goto fail;
        }
        if (m->nrules == m->caprules) {
            size_t nc = m->caprules ? m->caprules * 2 : 64;
            struct rule *nr = realloc(m->rules, nc * sizeof *nr);
            if (!nr) {
                seterr(err, errcap, lineno, "out of memory");
                goto fail;
            }
            m->rules = nr;
            m->caprules = nc;
        }
        struct rule *r = &m->rules[m->nrules];
        memset(r, 0, sizeof *r);
        r->intent = in;
        r->weight = (float)wt;
        r->origin = origin;
        r->decisive = decisive;
        const char *why = compile_pattern(f[2], r);
        if (why) {
            seterr(err, errcap, lineno, why);
            goto fail;
        }
        m->nrules++;
    }
    if (origin == RS_INTENT_MERCHANT && m->nrules > start_n)
        m->has_merchant = 1;
    return RS_OK;
fail:
    while (m->nrules > start_n)
        free(m->rules[--m->nrules].block);
    return RS_EINVAL;
}

/* ---------------------------------------------------------------- weights */

static enum rs_err hash_insert(struct rs_intent_model *m, uint64_t h, uint32_t idx)
{
    size_t mask = m->hcap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == 0) {
            m->keys[i] = h;
            m->vals[i] = idx;
            return RS_OK;
        }
        if (m->keys[i] == h)
            return RS_EDUPLICATE;
    }
}

enum rs_err rs_intent_model_load_weights(struct rs_intent_model *m, const char *text, size_t len,
                                         char *err, size_t errcap)
{
    clear_weights(m);
    if (!text)
        return RS_OK;
    /* count rows to size the tables */
    size_t rows = 0;
    for (size_t i = 0; i < len; i++)
        rows += text[i] == '\n';
    rows++;
    size_t hcap = 16;
    while (hcap < rows * 2)
        hcap *= 2;
    m->w = calloc(rows, RS_INTENT_COUNT * sizeof(float));
    m->keys = calloc(hcap, sizeof *m->keys);
    m->vals = calloc(hcap, sizeof *m->vals);
    if (!m->w || !m->keys || !m->vals) {
        clear_weights(m);
        seterr(err, errcap, 0, "out of memory");
        return RS_ENOMEM;
    }
    m->hcap = hcap;
    int colmap[RS_INTENT_COUNT * 2];
    int ncols = -1;
    long lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        const char *s = text + pos;
        size_t l = e - pos;
        pos = e + 1;
        lineno++;
        if (l && s[l - 1] == '\r')
            l--;
        if (l == 0 || s[0] == '#')
            continue;
        const char *tab = memchr(s, '\t', l);
        if (!tab) {
            seterr(err, errcap, lineno, "want name<TAB>values");
            goto fail;
        }
        size_t kl = (size_t)(tab - s);
        const char *v = tab + 1, *vend = s + l;
        if (kl == 8 && memcmp(s, "@intents", 8) == 0) {
            ncols = 0;
            while (v < vend) {
                const char *t = v;
                while (t < vend && *t != '\t')
                    t++;
                char name[40];
                size_t nl = (size_t)(t - v);
                if (ncols >= RS_INTENT_COUNT * 2 || nl >= sizeof name) {
                    seterr(err, errcap, lineno, "bad @intents row");
                    goto fail;
                }
                memcpy(name, v, nl);
                name[nl] = '\0';
                colmap[ncols++] = rs_intent_parse(name); /* -1: unknown intent, ignored */
                v = t + 1;
            }
            continue;
        }
        if (ncols < 0) {
            seterr(err, errcap, lineno, "@intents row must come first");
            goto fail;
        }
        float *row;
        if (kl == 5 && memcmp(s, "@bias", 5) == 0) {
            row = m->bias;
        } else {
            if (hash_insert(m, fhash(s, kl), (uint32_t)m->nfeat) != RS_OK) {
                seterr(err, errcap, lineno, "duplicate feature");
                goto fail;
            }
            row = m->w + m->nfeat * RS_INTENT_COUNT;
            m->nfeat++;
        }
        /* sparse "col:weight" pairs separated by spaces */
        while (v < vend) {
            char num[48];
            const char *t = v;
            while (t < vend && *t != ' ')
                t++;
            size_t nl = (size_t)(t - v);
            if (nl == 0 || nl >= sizeof num) {
                seterr(err, errcap, lineno, "bad col:weight pair");
                goto fail;
            }
            memcpy(num, v, nl);
            num[nl] = '\0';
            char *c;
            long col = strtol(num, &c, 10);
            if (*c != ':' || col < 0 || col >= ncols) {
                seterr(err, errcap, lineno, "bad column in col:weight pair");
                goto fail;
            }
            char *we;
            double wt = strtod(c + 1, &we);
            if (we == c + 1 || *we || !isfinite(wt) || fabs(wt) > 1e4) {
                seterr(err, errcap, lineno, "bad weight");
                goto fail;
            }
            if (colmap[col] >= 0)
                row[colmap[col]] = (float)wt;
            v = t + 1;
        }
    }
    return RS_OK;
fail:
    clear_weights(m);
    return RS_EINVAL;
}

/* ---------------------------------------------------------------- tokens and features */

struct toks {
    const char *s[128];
    unsigned len[128];
    unsigned n;
};

static void tokenize(const char *folded, struct toks *t)
{
    t->n = 0;
    const char *p = folded;
    while (*p && t->n < 128) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *b = p;
        while (*p && *p != ' ')
            p++;
        t->s[t->n] = b;
        t->len[t->n++] = (unsigned)(p - b);
    }
}

static int has_digit(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return 1;
    return 0;
}

static int tok_is(const char *s, unsigned n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

static int is_negator(const char *s, unsigned n)
{
    static const char *const neg[] = {"no",     "not",   "nunca", "never", "t",     "ni",
                                      "jamas",  "tampoco", "dont", "didnt", "doesnt", "hasnt",
                                      "havent", "isnt",  "wasnt", "wont",  "cant",  "aun",
                                      "todavia", "yet",  "still", "nada",  "nothing", "nop",
                                      "nel",    NULL};
    /* aun/todavia/yet/still mark "not yet": they shift toward not_received in the same way */
    for (int i = 0; neg[i]; i++)
        if (tok_is(s, n, neg[i]))
            return 1;
    return 0;
}

/* append a feature "<prefix><a>[ <b>]" to buf; returns 0 when out of room */
static int addf(char *buf, size_t cap, size_t *used, size_t *offs, size_t *n, size_t maxn,
                const char *prefix, const char *a, unsigned al, const char *b, unsigned bl)
{
    size_t pl = strlen(prefix);
    size_t need = pl + al + (b ? bl + 1 : 0) + 1;
    if (*n >= maxn || *used + need > cap)
        return 0;
    char *d = buf + *used;
    memcpy(d, prefix, pl);
    memcpy(d + pl, a, al);
    size_t k = pl + al;
    if (b) {
        d[k++] = ' ';
        memcpy(d + k, b, bl);
        k += bl;
    }
    d[k] = '\0';
    offs[(*n)++] = *used;
    *used += k + 1;
    return 1;
}

size_t rs_intent_features(const char *folded, char *buf, size_t cap, size_t *offs, size_t maxn)
{
    struct toks t;
    tokenize(folded, &t);
    size_t used = 0, n = 0;
    /* numbers and codes become one class word: their value says nothing about the intent */
    const char *ws[128];
    unsigned wl[128];
    for (unsigned i = 0; i < t.n; i++) {
        if (has_digit(t.s[i], t.len[i])) {
            ws[i] = "#";
            wl[i] = 1;
        } else {
            ws[i] = t.s[i];
            wl[i] = t.len[i] > 40 ? 40 : t.len[i];
        }
    }
    /* a tracking code ("rx 7k4q 9pzd m3txw" once folded) is a code even where a group happens to
     * hold no digit ("wqzq"): left as a word, its random letters swayed the intent */
    for (unsigned i = 0; i + 2 < t.n; i++) {
        int rx = i + 3 < t.n && tok_is(t.s[i], t.len[i], "rx");
        unsigned g = rx ? i + 1 : i;
        if (t.len[g] != 4 || t.len[g + 1] != 4 || t.len[g + 2] != 5 ||
            !(rx || has_digit(t.s[g], 4) || has_digit(t.s[g + 1], 4) || has_digit(t.s[g + 2], 5)))
            continue;
        for (unsigned k = i; k <= g + 2; k++) {
            ws[k] = "#";
            wl[k] = 1;
        }
        i = g + 2;
    }
    int negated = 0; /* words left in the scope of a negator */
    for (unsigned i = 0; i < t.n; i++) {
        if (!addf(buf, cap, &used, offs, &n, maxn, "w:", ws[i], wl[i], NULL, 0))
            return n;
        if (!addf(buf, cap, &used, offs, &n, maxn, "b:", i ? ws[i - 1] : "^", i ? wl[i - 1] : 1,
                  ws[i], wl[i]))
            return n;
        if (negated > 0) {
            if (!addf(buf, cap, &used, offs, &n, maxn, "n:", ws[i], wl[i], NULL, 0))
                return n;
            negated--;
        }
        if (is_negator(ws[i], wl[i]))
            negated = 3;
        /* character 3- and 4-grams of "<word>" */
        if (ws[i][0] != '#' && wl[i] >= 2) {
            char pad[44];
            pad[0] = '<';
            memcpy(pad + 1, ws[i], wl[i]);
            pad[wl[i] + 1] = '>';
            unsigned pl = wl[i] + 2;
            for (unsigned g = 3; g <= 4; g++)
                for (unsigned k = 0; k + g <= pl; k++)
                    if (!addf(buf, cap, &used, offs, &n, maxn, "c:", pad + k, g, NULL, 0))
                        return n;
        }
    }
    if (t.n)
        addf(buf, cap, &used, offs, &n, maxn, "b:", ws[t.n - 1], wl[t.n - 1], "$", 1);
    return n;
}

/* ---------------------------------------------------------------- rule matching */

/* 1 when A and B differ by at most one edit (substitution, insertion, deletion, or a swap of
 * two adjacent characters). */
static int within_one(const char *a, unsigned la, const char *b, unsigned lb)
{
    if (la > lb + 1 || lb > la + 1)
        return 0;
    unsigned i = 0;
    while (i < la && i < lb && a[i] == b[i])
        i++;
    if (i == la && i == lb)
        return 1;
    if (la == lb) {
        if (memcmp(a + i + 1, b + i + 1, la - i - 1) == 0)
            return 1;
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, la - i - 2) == 0;
    }
    if (la > lb)
        return memcmp(a + i + 1, b + i, la - i - 1) == 0;
    return memcmp(a + i, b + i + 1, lb - i - 1) == 0;
}

static int alt_matches(const struct alt *a, const char *s, unsigned n)
{
    /* cheap rejection first: one edit leaves the first or the second letter in place */
    if (n < 2 || (s[0] != a->word[0] && s[1] != a->word[1]))
        return n == a->len && n && memcmp(s, a->word, n) == 0;
    if (a->prefix) {
        if (n >= a->len && memcmp(s, a->word, a->len) == 0)
            return 1;
        /* a typo inside a long stem: compare the stem with the word's start */
        if (!a->exact && a->len >= 5 && n >= a->len - 1)
            return within_one(a->word, a->len, s, a->len) ||
                   within_one(a->word, a->len, s, a->len - 1 < n ? a->len - 1 : n) ||
                   (n > a->len && within_one(a->word, a->len, s, a->len + 1));
        return 0;
    }
    if (n == a->len && memcmp(s, a->word, n) == 0)
        return 1;
    return !a->exact && a->len >= 5 && n >= 4 && within_one(a->word, a->len, s, n);
}

static int match_at(const struct rule *r, unsigned pi, const struct toks *t, unsigned ti)
{
    if (pi == r->ntok)
        return 1;
    const struct ptok *p = &r->toks[pi];
    switch (p->kind) {
    case TK_START:
        return ti == 0 && match_at(r, pi + 1, t, ti);
    case TK_END:
        return ti == t->n;
    case TK_GAP:
        for (unsigned k = 0; k <= 3 && ti + k <= t->n; k++)
            if (match_at(r, pi + 1, t, ti + k))
                return 1;
        return 0;
    default:
        if (ti >= t->n)
            return 0;
        for (unsigned a = 0; a < p->nalt; a++)
            if (alt_matches(&p->alts[a], t->s[ti], t->len[ti]))
                return match_at(r, pi + 1, t, ti + 1);
        return 0;
    }
}

static int rule_matches(const struct rule *r, const struct toks *t)
{
    if (r->toks[0].kind == TK_START)
        return match_at(r, 0, t, 0);
    for (unsigned ti = 0; ti < t->n; ti++)
        if (match_at(r, 0, t, ti))
            return 1;
    return 0;
}

int rs_intent_rule_offsets(const struct rs_intent_model *m, const char *folded,
                           float z[RS_INTENT_COUNT], int *merchant)
{
    struct toks t;
    tokenize(folded, &t);
    int best = -1, best_dec = -1, dec_merchant = 0;
    float bestw = 0, bestw_dec = 0;
    for (size_t i = 0; i < m->nrules; i++) {
        const struct rule *r = &m->rules[i];
        if (!rule_matches(r, &t))
            continue;
        z[r->intent] += r->weight;
        if (r->decisive && (best_dec < 0 || r->weight > bestw_dec)) {
            best_dec = r->intent;
            bestw_dec = r->weight;
            dec_merchant = r->origin == RS_INTENT_MERCHANT;
        } else if (r->origin == RS_INTENT_MERCHANT && r->weight > 0 && (best < 0 || r->weight > bestw)) {
            best = r->intent;
            bestw = r->weight;
        }
    }
    if (merchant)
        *merchant = best_dec >= 0 ? dec_merchant : best >= 0;
    return best_dec >= 0 ? best_dec : best;
}

/* ---------------------------------------------------------------- classify */

/* ---------------------------------------------------------------- address questions */

/* Whether token I of T is one of WORDS, or starts with one of STEMS (either list may be NULL). */
static int tok_in(const struct toks *t, unsigned i, const char *const *words, const char *const *stems)
{
    for (int k = 0; words && words[k]; k++)
        if (tok_is(t->s[i], t->len[i], words[k]))
            return 1;
    for (int k = 0; stems && stems[k]; k++) {
        size_t n = strlen(stems[k]);
        if (t->len[i] >= n && memcmp(t->s[i], stems[k], n) == 0)
            return 1;
    }
    return 0;
}

/* Whether the folded message asks where the order is being delivered ("¿cuál es la dirección de
 * entrega?", "a qué dirección lo mandan", "¿a dónde lo mandan?", "what address is it going to?",
 * "where are you sending it?") rather than asking to change it. The rules cannot say "an address
 * word and a question word and no word of change", and the address words alone weigh heavily
 * toward change_address (every such request names the address), so this is decided here. */
static int address_question(const char *folded)
{
    static const char *const addr[] = {"direccion", "direcion", "dirrecion", "direccon", "domicilio",
                                       "address",   "adress",   "addres",    "adonde",   NULL};
    static const char *const ask[] = {"cual", "cuales", "que", "q", "ke", "donde", "dnd", "adonde", "what", "whats",
                                      "which", "where", "wheres", NULL};
    static const char *const ask_stems[] = {"confirm", NULL};
    /* "where … going/sending": where it is headed, without naming the address */
    static const char *const headed[] = {"going", "headed", "heading", "sending", "shipping", "delivering",
                                         "delivered", "deliver", NULL};
    /* any word of change, a new place or a mistake makes it a request (or not about the delivery
     * address at all: e-mail, billing, the web) */
    static const char *const change[] = {
        "otra", "otro", "otras", "otros", "nueva", "nuevo", "mal", "error", "vez", "trabajo", "oficina",
        "new", "another", "other", "different", "instead", "wrong", "set", "fix", "typo", "mistake", "moved",
        "move", "moving", "office", "work", "from", "back", "email", "mail", "correo", "electronico", "web",
        "website", "ip", "billing", "invoice", NULL};
    static const char *const change_stems[] = {
        "cambi", "modific", "correg", "corrij", "actualiz", "equivoc", "redirig", "redirec", "desvi", "mude",
        "mudo", "mudan", "distint", "diferent", "erron", "incorrect", "factur", "devol", "change", "chang",
        "updat", "modif", "edit", "correct", "redirect", "rerout", "return", NULL};
    struct toks t;
    tokenize(folded, &t);
    int has_addr = 0, has_ask = 0, has_where = 0, has_headed = 0;
    for (unsigned i = 0; i < t.n; i++) {
        if (tok_in(&t, i, change, change_stems))
            return 0;
        has_addr |= tok_in(&t, i, addr, NULL);
        has_ask |= tok_in(&t, i, ask, ask_stems);
        has_where |= tok_is(t.s[i], t.len[i], "where") || tok_is(t.s[i], t.len[i], "wheres");
        /* "where is it going (to)?", but not "where do I check when it is going to arrive" */
        has_headed |= tok_in(&t, i, headed, NULL) &&
                      !(tok_is(t.s[i], t.len[i], "going") && i + 2 < t.n && tok_is(t.s[i + 1], t.len[i + 1], "to"));
        /* "¿dónde lo entregan?", "dónde me lo van a dejar": where they deliver it */
        static const char *const deliver_es[] = {"entregan", "entregaran", "entregar", "entregarlo", "entregarla",
                                                 "dejan", "dejaran", "dejar", "dejarlo", "dejarla", "mandan",
                                                 "envian", "llevan", NULL};
        if (tok_is(t.s[i], t.len[i], "donde") || tok_is(t.s[i], t.len[i], "dnd"))
            for (unsigned k = i + 1; k < t.n && k <= i + 5; k++)
                if (tok_in(&t, k, deliver_es, NULL))
                    has_addr = 1;
        /* "a dónde" / "hacia dónde" lo mandan: where to */
        if (i + 1 < t.n && tok_is(t.s[i + 1], t.len[i + 1], "donde") &&
            (tok_is(t.s[i], t.len[i], "a") || tok_is(t.s[i], t.len[i], "hacia")))
            has_addr = 1;
    }
    return (has_addr && has_ask) || (has_where && has_headed);
}

void rs_intent_classify(const struct rs_intent_model *m, const char *text,
                        struct rs_intent_result *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        text = "";
    char folded[RS_INTENT_MAX_TEXT];
    rs_fold(text, -1, folded, sizeof folded);
    float z[RS_INTENT_COUNT];
    memcpy(z, m->bias, sizeof z);
    if (m->nfeat) {
        char fbuf[RS_INTENT_MAX_FEATS * 16];
        size_t offs[RS_INTENT_MAX_FEATS];
        size_t nf = rs_intent_features(folded, fbuf, sizeof fbuf, offs, RS_INTENT_MAX_FEATS);
        for (size_t i = 0; i < nf; i++) {
            const char *f = fbuf + offs[i];
            const float *w = lookup(m, f, strlen(f));
            if (w)
                for (int c = 0; c < RS_INTENT_COUNT; c++)
                    z[c] += w[c];
        }
    }
    int merchant = 0;
    int decided = rs_intent_rule_offsets(m, folded, z, &merchant);
    float mx = z[0];
    for (int c = 1; c < RS_INTENT_COUNT; c++)
        if (z[c] > mx)
            mx = z[c];
    float sum = 0;
    for (int c = 0; c < RS_INTENT_COUNT; c++)
        sum += out->scores[c] = expf(z[c] - mx);
    int best = 0;
    for (int c = 0; c < RS_INTENT_COUNT; c++) {
        out->scores[c] /= sum;
        if (out->scores[c] > out->scores[best])
            best = c;
    }
    if (decided >= 0) {
        best = decided;
        out->rule_decided = 1;
        out->merchant_rule = merchant;
    }
    out->asks_address = address_question(folded);
    /* asking where it is delivered is asking about the order, not for a change: unless a rule
     * decided, or the message reports a problem (which the question is part of) */
    if (out->asks_address && decided < 0 &&
        (best == RS_INTENT_CHANGE_ADDRESS || best == RS_INTENT_WHERE_IS_ORDER || best == RS_INTENT_DELIVERY_DATE ||
         best == RS_INTENT_TALK_TO_HUMAN || best == RS_INTENT_GREETING || best == RS_INTENT_THANKS ||
         best == RS_INTENT_OTHER)) {
        best = RS_INTENT_WHERE_IS_ORDER;
        out->rule_decided = 1;
    }
    out->intent = (enum rs_intent)best;
    out->confidence = out->scores[best];
    rs_intent_entities(text, &out->entities);
}
