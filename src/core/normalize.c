/* normalize.c — rule-based classifier of carrier free text (see normalize.h and
 * docs/normalize.md for the rules format).
 *
 * A rule set is parsed into flat arrays: rules point at patterns, patterns at tokens, tokens
 * at alternatives (words, possibly prefixes). Three small string hash tables make matching
 * cheap: the index of every pattern's first word (so a text word only wakes the rules that
 * can start there), the vocabulary of every word the rules know (exact words and prefixes),
 * and a "one letter deleted" index of that vocabulary to read one-letter typos as the known
 * word (the symmetric-delete idea: two words one edit apart share a one-deletion variant).
 * Hash tables are written here because the C libraries we use offer none that fits (glibc's
 * hsearch is one global table per process). */
#include "core/normalize.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assets.h"
#include "util/fold.h"

#define MAX_RULES 100000
#define MAX_TOKS 16
#define MAX_ALTS 24
#define MAX_WORDS 256
#define MAX_WORD_LEN 63
#define GAP_MAX 3
#define AUX_MAX 4
#define MAX_MATCHES 128
#define FUZZY_MIN_LEN 6

enum tok_kind { TK_WORD, TK_ANY, TK_GAP };

/* One alternative of a pattern word: a folded word, or a phrase of NWORDS words separated by
 * single spaces (written "no_localizada" in the file); PREFIX applies to its last word. */
struct alt {
    const char *w;
    uint16_t len;
    uint16_t firstlen; /* length of the first word */
    uint8_t nwords;
    bool prefix;
};

struct tok {
    uint8_t kind;
    uint8_t nalt;
    int first_alt;
};

struct pat {
    int first_tok;
    uint8_t ntok;
    uint8_t weight; /* most a match can weigh: 4 per literal word, 3 per prefix, 1 per "*" */
};

struct rule {
    int pat;          /* index in pats */
    int first_unless; /* patterns in pats */
    int nunless;
    enum rs_status status;
    enum rs_substatus sub;
    bool action;
    unsigned langs; /* bit mask of LANG_*, 0 = any language */
    int first_carrier, ncarriers;
    int priority;
    int line;
};

/* A multimap from (string, flag) to a list of ints. */
struct hent {
    const char *k;
    uint16_t klen;
    uint8_t flag;
    int head; /* first posting, -1 none */
};
struct htab {
    struct hent *e;
    size_t cap; /* power of two */
    size_t n;
    int *post_val, *post_next;
    size_t npost, post_cap;
};

struct rs_norm_rules {
    struct rule *rules;
    int nrules, rules_cap;
    struct pat *pats;
    int npats, pats_cap;
    struct tok *toks;
    int ntoks, toks_cap;
    struct alt *alts;
    int nalts, alts_cap;
    char **carriers; /* folded, spaces removed */
    int ncarriers, carriers_cap;
    char **neg; /* negation words */
    int nneg, neg_cap;
    char **aux; /* words allowed between a negation and what it negates */
    int naux, aux_cap;
    char **owned; /* every string allocated for this set */
    int nowned, owned_cap;
    struct htab first; /* first word of each rule's pattern -> rule index */
    struct htab vocab; /* every word (flag 0) or prefix (flag 1) -> nothing */
    struct htab dels;  /* one-deletion variants of vocab words -> index in vwords */
    const char **vwords;
    int nvwords;
    char *delpool;
    uint64_t prefix_lens; /* bit L set when some first-word prefix has length L */
    uint64_t vprefix_lens;
};

enum { LANG_ES = 1, LANG_EN = 2, LANG_PT = 4 };

/* ---------- small helpers ---------- */

#define GROW(arr, n, cap)                                                                  \
    ((n) < (cap) ? 0                                                                       \
                 : grow_array((void **)&(arr), &(cap), sizeof(*(arr))))

static int grow_array(void **arr, int *cap, size_t elem)
{
    int nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static char *own(struct rs_norm_rules *r, const char *s, size_t len)
{
    if (GROW(r->owned, r->nowned, r->owned_cap))
        return NULL;
    char *c = malloc(len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    r->owned[r->nowned++] = c;
    return c;
}

static uint64_t hash_str(const char *s, size_t len, unsigned flag)
{
    uint64_t h = 1469598103934665603ULL ^ flag;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void htab_free(struct htab *t)
{
    free(t->e);
    free(t->post_val);
    free(t->post_next);
    memset(t, 0, sizeof *t);
}

static int htab_init(struct htab *t, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2 + 1)
        cap *= 2;
    t->e = calloc(cap, sizeof *t->e);
    if (!t->e)
        return -1;
    t->cap = cap;
    t->n = 0;
    return 0;
}

static struct hent *htab_find(const struct htab *t, const char *k, size_t len, unsigned flag)
{
    if (!t->cap)
        return NULL;
    size_t i = (size_t)hash_str(k, len, flag) & (t->cap - 1);
    for (;;) {
        struct hent *e = &t->e[i];
        if (!e->k)
            return NULL;
        if (e->klen == len && e->flag == flag && memcmp(e->k, k, len) == 0)
            return e;
        i = (i + 1) & (t->cap - 1);
    }
}

/* Add VAL to the list of K (the table was sized for every key it will hold). */
static int htab_add(struct htab *t, const char *k, size_t len, unsigned flag, int val)
{
    size_t i = (size_t)hash_str(k, len, flag) & (t->cap - 1);
    struct hent *e;
    for (;;) {
        e = &t->e[i];
        if (!e->k) {
            if ((t->n + 1) * 2 > t->cap)
                return -1;
            e->k = k;
            e->klen = (uint16_t)len;
            e->flag = (uint8_t)flag;
            e->head = -1;
            t->n++;
            break;
        }
        if (e->klen == len && e->flag == flag && memcmp(e->k, k, len) == 0)
            break;
        i = (i + 1) & (t->cap - 1);
    }
    if (val < 0)
        return 0;
    if (t->npost == t->post_cap) {
        size_t nc = t->post_cap ? t->post_cap * 2 : 64;
        int *v = realloc(t->post_val, nc * sizeof *v);
        if (!v)
            return -1;
        t->post_val = v;
        int *nx = realloc(t->post_next, nc * sizeof *nx);
        if (!nx)
            return -1;
        t->post_next = nx;
        t->post_cap = nc;
    }
    t->post_val[t->npost] = val;
    t->post_next[t->npost] = e->head;
    e->head = (int)t->npost++;
    return 0;
}

/* ---------- parsing ---------- */

struct perr {
    char *buf;
    size_t cap;
    int line;
};

static enum rs_err fail(struct perr *pe, const char *fmt, const char *arg)
{
    if (pe->buf && pe->cap) {
        char what[200];
        snprintf(what, sizeof what, fmt, arg ? arg : "");
        snprintf(pe->buf, pe->cap, "line %d: %s", pe->line, what);
    }
    return RS_EINVAL;
}

/* Split S (modified in place) into fields separated by runs of tabs. */
static int split_tabs(char *s, char **f, int maxf)
{
    int n = 0;
    while (*s) {
        while (*s == '\t')
            s++;
        if (!*s)
            break;
        if (n == maxf)
            return maxf + 1;
        f[n++] = s;
        while (*s && *s != '\t')
            s++;
        if (*s)
            *s++ = '\0';
    }
    return n;
}

/* Fold one word W (bytes [w, w+len)) into a new owned string; exactly one folded word. */
static enum rs_err fold_word(struct rs_norm_rules *r, struct perr *pe, const char *w, size_t len,
                             const char **out, uint16_t *outlen)
{
    char raw[256], f[256];
    if (len >= sizeof raw)
        return fail(pe, "word too long: '%.60s'", w);
    memcpy(raw, w, len);
    raw[len] = '\0';
    size_t fl = rs_fold(raw, (long)len, f, sizeof f);
    if (fl == 0)
        return fail(pe, "'%.60s' has no letters or digits", raw);
    if (memchr(f, ' ', fl))
        return fail(pe, "'%.60s' folds to several words: write them as separate words", raw);
    if (fl > MAX_WORD_LEN)
        return fail(pe, "word too long: '%.60s'", raw);
    char *c = own(r, f, fl);
    if (!c)
        return RS_ENOMEM;
    *out = c;
    *outlen = (uint16_t)fl;
    return RS_OK;
}

/* Fold an alternative: words joined by '_' ("no_localizada") make a phrase. */
static enum rs_err fold_phrase(struct rs_norm_rules *r, struct perr *pe, const char *a, size_t al,
                               struct alt *at)
{
    char buf[256];
    size_t o = 0;
    at->nwords = 0;
    for (size_t i = 0; i <= al;) {
        size_t j = i;
        while (j < al && a[j] != '_')
            j++;
        const char *w;
        uint16_t wl;
        enum rs_err e = fold_word(r, pe, a + i, j - i, &w, &wl);
        if (e)
            return e;
        if (o + wl + 2 > sizeof buf || at->nwords == 8)
            return fail(pe, "phrase too long: '%.60s'", a);
        if (o)
            buf[o++] = ' ';
        else
            at->firstlen = wl;
        memcpy(buf + o, w, wl);
        o += wl;
        at->nwords++;
        i = j + 1;
    }
    if (at->nwords == 1) {
        /* fold_word already made an owned copy */
        at->w = r->owned[r->nowned - 1];
        at->len = (uint16_t)o;
        return RS_OK;
    }
    char *c = own(r, buf, o);
    if (!c)
        return RS_ENOMEM;
    at->w = c;
    at->len = (uint16_t)o;
    return RS_OK;
}

/* Parse pattern text P (modified in place) into a new entry of r->pats. */
static enum rs_err parse_pattern(struct rs_norm_rules *r, struct perr *pe, char *p, int *pat_out)
{
    struct pat pt = {.first_tok = r->ntoks, .ntok = 0, .weight = 0};
    int nwordtok = 0, last_kind = -1;
    char *save = NULL;
    for (char *t = strtok_r(p, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (pt.ntok == MAX_TOKS)
            return fail(pe, "pattern has more than 16 words%s", NULL);
        if (GROW(r->toks, r->ntoks, r->toks_cap))
            return RS_ENOMEM;
        struct tok tk = {.kind = TK_WORD, .nalt = 0, .first_alt = r->nalts};
        if (strcmp(t, "...") == 0) {
            if (pt.ntok == 0)
                return fail(pe, "a pattern must start with a word, not '...'%s", NULL);
            if (last_kind == TK_GAP)
                return fail(pe, "two '...' in a row%s", NULL);
            tk.kind = TK_GAP;
        } else if (strcmp(t, "*") == 0) {
            if (pt.ntok == 0)
                return fail(pe, "a pattern must start with a word, not '*'%s", NULL);
            tk.kind = TK_ANY;
            pt.weight += 1;
        } else {
            int best = 0;
            char *s2 = NULL;
            for (char *a = strtok_r(t, "|", &s2); a; a = strtok_r(NULL, "|", &s2)) {
                if (tk.nalt == MAX_ALTS)
                    return fail(pe, "more than 24 alternatives in '%.60s'", t);
                size_t al = strlen(a);
                bool prefix = false;
                if (al && a[al - 1] == '*') {
                    prefix = true;
                    al--;
                }
                if (memchr(a, '*', al))
                    return fail(pe, "'*' may only end a word: '%.60s'", a);
                if (GROW(r->alts, r->nalts, r->alts_cap))
                    return RS_ENOMEM;
                struct alt at = {.prefix = prefix, .nwords = 0};
                enum rs_err e = fold_phrase(r, pe, a, al, &at);
                if (e)
                    return e;
                r->alts[r->nalts++] = at;
                tk.nalt++;
                int wgt = 4 * at.nwords - (prefix ? 1 : 0);
                if (wgt > best)
                    best = wgt;
            }
            if (tk.nalt == 0)
                return fail(pe, "empty word in pattern%s", NULL);
            pt.weight += (uint8_t)best;
            nwordtok++;
        }
        last_kind = tk.kind;
        r->toks[r->ntoks++] = tk;
        pt.ntok++;
    }
    if (pt.ntok == 0 || nwordtok == 0)
        return fail(pe, "empty pattern%s", NULL);
    if (last_kind == TK_GAP)
        return fail(pe, "a pattern cannot end with '...'%s", NULL);
    if (GROW(r->pats, r->npats, r->pats_cap))
        return RS_ENOMEM;
    r->pats[r->npats] = pt;
    *pat_out = r->npats++;
    return RS_OK;
}

static enum rs_err parse_wordlist(struct rs_norm_rules *r, struct perr *pe, char *s, char ***arr,
                                  int *n, int *cap)
{
    char *save = NULL;
    for (char *t = strtok_r(s, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
        const char *w;
        uint16_t wl;
        enum rs_err e = fold_word(r, pe, t, strlen(t), &w, &wl);
        if (e)
            return e;
        if (GROW(*arr, *n, *cap))
            return RS_ENOMEM;
        (*arr)[(*n)++] = (char *)w;
    }
    return RS_OK;
}

/* Fold a carrier name and drop its spaces: "Correos Express", "correos_express" and
 * "CorreosExpress" all become "correosexpress". */
static size_t carrier_key(const char *name, char *out, size_t cap)
{
    size_t n = rs_fold(name, -1, out, cap), o = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i] != ' ')
            out[o++] = out[i];
    out[o] = '\0';
    return o;
}

static enum rs_err parse_rule(struct rs_norm_rules *r, struct perr *pe, char **f, int nf)
{
    struct rule ru = {.first_unless = 0, .nunless = 0, .sub = RS_SUB_NONE, .line = pe->line};
    ru.status = rs_status_parse(f[1]);
    if (ru.status == RS_STATUS_NONE)
        return fail(pe, "unknown status '%.60s'", f[1]);
    if (nf > 2 && strcmp(f[2], "-") != 0) {
        ru.sub = rs_substatus_parse(f[2]);
        if (ru.sub == RS_SUB_NONE)
            return fail(pe, "unknown sub-status '%.60s'", f[2]);
        if (!rs_substatus_fits(ru.status, ru.sub))
            return fail(pe, "sub-status '%.60s' does not refine that status", f[2]);
    }
    if (nf > 3) {
        if (!strcmp(f[3], "action") || !strcmp(f[3], "yes") || !strcmp(f[3], "1"))
            ru.action = true;
        else if (strcmp(f[3], "-") && strcmp(f[3], "no") && strcmp(f[3], "0"))
            return fail(pe, "action column must be 'action' or '-', not '%.60s'", f[3]);
    }
    if (nf > 4 && strcmp(f[4], "*") != 0) {
        char *save = NULL;
        for (char *l = strtok_r(f[4], ",", &save); l; l = strtok_r(NULL, ",", &save)) {
            if (!strcmp(l, "es"))
                ru.langs |= LANG_ES;
            else if (!strcmp(l, "en"))
                ru.langs |= LANG_EN;
            else if (!strcmp(l, "pt"))
                ru.langs |= LANG_PT;
            else
                return fail(pe, "unknown language '%.60s' (es, en, pt or *)", l);
        }
    }
    ru.first_carrier = r->ncarriers;
    if (nf > 5 && strcmp(f[5], "*") != 0) {
        char *save = NULL;
        for (char *c = strtok_r(f[5], ",", &save); c; c = strtok_r(NULL, ",", &save)) {
            char key[128];
            size_t kl = carrier_key(c, key, sizeof key);
            if (kl == 0)
                return fail(pe, "empty carrier name%s", NULL);
            if (GROW(r->carriers, r->ncarriers, r->carriers_cap))
                return RS_ENOMEM;
            char *k = own(r, key, kl);
            if (!k)
                return RS_ENOMEM;
            r->carriers[r->ncarriers++] = k;
            ru.ncarriers++;
        }
    }
    if (nf > 6) {
        char *end;
        long p = strtol(f[6], &end, 10);
        if (*end || end == f[6] || p < -100 || p > 100)
            return fail(pe, "priority must be an integer from -100 to 100, not '%.60s'", f[6]);
        ru.priority = (int)p;
    }
    /* the pattern and unless columns are parsed last: strtok_r writes into them */
    enum rs_err e = parse_pattern(r, pe, f[0], &ru.pat);
    if (e)
        return e;
    if (nf > 7 && strcmp(f[7], "-") != 0) {
        ru.first_unless = r->npats;
        char *save = NULL;
        char *parts[32];
        int np = 0;
        for (char *u = strtok_r(f[7], ";", &save); u; u = strtok_r(NULL, ";", &save)) {
            if (np == 32)
                return fail(pe, "too many 'unless' patterns%s", NULL);
            parts[np++] = u;
        }
        for (int i = 0; i < np; i++) {
            int pi;
            e = parse_pattern(r, pe, parts[i], &pi);
            if (e)
                return e;
            ru.nunless++;
        }
    }
    if (r->nrules >= MAX_RULES)
        return RS_ENOMEM;
    if (GROW(r->rules, r->nrules, r->rules_cap))
        return RS_ENOMEM;
    r->rules[r->nrules++] = ru;
    return RS_OK;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Build the three hash tables once every rule is in. */
static enum rs_err build_index(struct rs_norm_rules *r)
{
    size_t nfirst = 0;
    for (int i = 0; i < r->nrules; i++)
        nfirst += r->toks[r->pats[r->rules[i].pat].first_tok].nalt;
    size_t nvocab = 0;
    for (int i = 0; i < r->nalts; i++)
        nvocab += r->alts[i].nwords;
    if (htab_init(&r->first, nfirst + 8) || htab_init(&r->vocab, nvocab + 8))
        return RS_ENOMEM;
    for (int i = 0; i < r->nrules; i++) {
        const struct tok *t = &r->toks[r->pats[r->rules[i].pat].first_tok];
        for (int a = 0; a < t->nalt; a++) {
            const struct alt *al = &r->alts[t->first_alt + a];
            bool pfx = al->prefix && al->nwords == 1;
            if (htab_add(&r->first, al->w, al->firstlen, pfx, i))
                return RS_ENOMEM;
            if (pfx && al->len < 64)
                r->prefix_lens |= 1ULL << al->len;
        }
    }
    /* vocabulary: distinct literal words, sorted so typo correction is deterministic */
    r->vwords = malloc(sizeof *r->vwords * (nvocab + 1));
    if (!r->vwords)
        return RS_ENOMEM;
    for (int i = 0; i < r->nalts; i++) {
        const struct alt *al = &r->alts[i];
        const char *w = al->w, *end = al->w + al->len;
        while (w < end) { /* each word of a phrase */
            const char *sp = memchr(w, ' ', (size_t)(end - w));
            size_t wl = sp ? (size_t)(sp - w) : (size_t)(end - w);
            bool pfx = al->prefix && !sp;
            if (!htab_find(&r->vocab, w, wl, pfx)) {
                if (htab_add(&r->vocab, w, wl, pfx, -1))
                    return RS_ENOMEM;
                if (pfx) {
                    if (wl < 64)
                        r->vprefix_lens |= 1ULL << wl;
                } else {
                    char *c = own(r, w, wl); /* vwords entries are NUL-terminated */
                    if (!c)
                        return RS_ENOMEM;
                    r->vwords[r->nvwords++] = c;
                }
            }
            w += wl + 1;
        }
    }
    qsort(r->vwords, (size_t)r->nvwords, sizeof *r->vwords, cmp_cstr);
    size_t pool = 0, nkeys = 0;
    for (int i = 0; i < r->nvwords; i++) {
        size_t l = strlen(r->vwords[i]);
        if (l + 1 < FUZZY_MIN_LEN)
            continue;
        pool += (l + 1) * (l + 1);
        nkeys += l + 1;
    }
    if (htab_init(&r->dels, nkeys + 8))
        return RS_ENOMEM;
    r->delpool = malloc(pool + 1);
    if (!r->delpool)
        return RS_ENOMEM;
    char *p = r->delpool;
    for (int i = 0; i < r->nvwords; i++) {
        const char *w = r->vwords[i];
        size_t l = strlen(w);
        if (l + 1 < FUZZY_MIN_LEN)
            continue;
        /* the word itself (found from a text word with one letter too many) and each
         * one-deletion variant (found from a text word with one letter missing, or from the
         * text word's own deletions for a substituted or swapped letter) */
        memcpy(p, w, l);
        if (htab_add(&r->dels, p, l, 0, i))
            return RS_ENOMEM;
        p += l;
        for (size_t d = 0; d < l; d++) {
            memcpy(p, w, d);
            memcpy(p + d, w + d + 1, l - d - 1);
            if (htab_add(&r->dels, p, l - 1, 0, i))
                return RS_ENOMEM;
            p += l - 1;
        }
    }
    return RS_OK;
}

enum rs_err rs_norm_rules_parse(struct rs_norm_rules **out, const char *buf, size_t len, char *err,
                                size_t errcap)
{
    *out = NULL;
    if (err && errcap)
        err[0] = '\0';
    struct rs_norm_rules *r = calloc(1, sizeof *r);
    if (!r)
        return RS_ENOMEM;
    struct perr pe = {.buf = err, .cap = errcap, .line = 0};
    enum rs_err e = RS_OK;
    char *line = NULL;
    size_t pos = 0;
    while (pos < len) {
        pe.line++;
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        if (ll > 0 && buf[pos + ll - 1] == '\r')
            ll--;
        free(line);
        line = malloc(ll + 1);
        if (!line) {
            e = RS_ENOMEM;
            break;
        }
        memcpy(line, buf + pos, ll);
        line[ll] = '\0';
        pos += nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
        if (memchr(line, '\0', ll)) {
            e = fail(&pe, "NUL byte in rules file%s", NULL);
            break;
        }
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        char *f[9] = {0};
        int nf = split_tabs(s, f, 8);
        if (nf == 0)
            continue;
        if (nf > 8) {
            e = fail(&pe, "too many columns (at most 8: pattern, status, substatus, action, "
                          "lang, carrier, priority, unless)%s", NULL);
            break;
        }
        if (f[0][0] == '@') {
            if (nf != 2) {
                e = fail(&pe, "directive '%.60s' needs one column of words", f[0]);
                break;
            }
            if (!strcmp(f[0], "@negate"))
                e = parse_wordlist(r, &pe, f[1], &r->neg, &r->nneg, &r->neg_cap);
            else if (!strcmp(f[0], "@aux"))
                e = parse_wordlist(r, &pe, f[1], &r->aux, &r->naux, &r->aux_cap);
            else
                e = fail(&pe, "unknown directive '%.60s' (@negate or @aux)", f[0]);
            if (e)
                break;
            continue;
        }
        if (nf < 2) {
            e = fail(&pe, "a rule needs at least a pattern and a status, separated by a tab%s",
                     NULL);
            break;
        }
        e = parse_rule(r, &pe, f, nf);
        if (e)
            break;
    }
    free(line);
    if (!e)
        e = build_index(r);
    if (e) {
        if (e == RS_ENOMEM && err && errcap && !err[0])
            snprintf(err, errcap, "line %d: out of memory or too many rules", pe.line);
        rs_norm_rules_free(r);
        return e;
    }
    *out = r;
    return RS_OK;
}

void rs_norm_rules_free(struct rs_norm_rules *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nowned; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->rules);
    free(r->pats);
    free(r->toks);
    free(r->alts);
    free(r->carriers);
    free(r->neg);
    free(r->aux);
    free(r->vwords);
    free(r->delpool);
    htab_free(&r->first);
    htab_free(&r->vocab);
    htab_free(&r->dels);
    free(r);
}

int rs_norm_rules_count(const struct rs_norm_rules *r)
{
    return r ? r->nrules : 0;
}

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static struct rs_norm_rules *default_rules;

static void default_build(void)
{
    size_t len = 0;
    const char *buf = rs_asset_get("data/normalize-rules.tsv", &len);
    if (!buf)
        return;
    char err[200];
    if (rs_norm_rules_parse(&default_rules, buf, len, err, sizeof err) != RS_OK)
        default_rules = NULL;
}

const struct rs_norm_rules *rs_norm_default(void)
{
    pthread_once(&default_once, default_build);
    return default_rules;
}

/* ---------- matching ---------- */

struct word {
    const char *s;
    uint16_t len;
    bool fuzzy; /* read as a known word one letter away */
};

struct match {
    const struct rs_norm_rules *set;
    const struct rule *rule;
    bool merchant;
    bool carrier_specific;
    bool lang_match;
    bool fuzzy;
    int weight;
    int span; /* characters covered */
};

/* Number of words of W (from I on) that alternative A matches, 0 when it does not. */
static int alt_matches(const struct alt *a, const struct word *w, int nw, int i)
{
    const char *p = a->w, *end = a->w + a->len;
    int k = 0;
    while (p < end) {
        if (i + k >= nw)
            return 0;
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t pl = sp ? (size_t)(sp - p) : (size_t)(end - p);
        const struct word *x = &w[i + k];
        bool last = !sp;
        if (last && a->prefix) {
            if (x->len < pl || memcmp(x->s, p, pl) != 0)
                return 0;
        } else if (x->len != pl || memcmp(x->s, p, pl) != 0) {
            return 0;
        }
        k++;
        p += pl + 1;
    }
    return k;
}

/* End (exclusive) of a match of pattern P's tokens from T on, at word I, adding the weight
 * of what matched to *WEIGHT; -1 when none. */
static int match_from(const struct rs_norm_rules *r, const struct pat *p, int t,
                      const struct word *w, int nw, int i, int *weight)
{
    if (t == p->ntok)
        return i;
    const struct tok *k = &r->toks[p->first_tok + t];
    if (k->kind == TK_GAP) {
        for (int g = 0; g <= GAP_MAX && i + g <= nw; g++) {
            int e = match_from(r, p, t + 1, w, nw, i + g, weight);
            if (e >= 0)
                return e;
        }
        return -1;
    }
    if (i >= nw)
        return -1;
    if (k->kind == TK_ANY) {
        int e = match_from(r, p, t + 1, w, nw, i + 1, weight);
        if (e >= 0)
            *weight += 1;
        return e;
    }
    for (int a = 0; a < k->nalt; a++) {
        const struct alt *al = &r->alts[k->first_alt + a];
        int c = alt_matches(al, w, nw, i);
        if (c == 0)
            continue;
        int e = match_from(r, p, t + 1, w, nw, i + c, weight);
        if (e >= 0) {
            *weight += 4 * c - (al->prefix ? 1 : 0);
            return e;
        }
    }
    return -1;
}

static bool in_list(char *const *list, int n, const struct word *w)
{
    for (int i = 0; i < n; i++)
        if (strlen(list[i]) == w->len && memcmp(list[i], w->s, w->len) == 0)
            return true;
    return false;
}

static bool is_neg(const struct rs_norm_rules *a, const struct rs_norm_rules *b, const struct word *w)
{
    return (a && in_list(a->neg, a->nneg, w)) || (b && in_list(b->neg, b->nneg, w));
}

static bool is_aux(const struct rs_norm_rules *a, const struct rs_norm_rules *b, const struct word *w)
{
    return (a && in_list(a->aux, a->naux, w)) || (b && in_list(b->aux, b->naux, w));
}

/* Whether the words before I negate what starts at I ("no ha sido | entregado"). */
static bool negated(const struct rs_norm_rules *a, const struct rs_norm_rules *b,
                    const struct word *w, int i)
{
    int j = i - 1, skipped = 0;
    while (j >= 0 && skipped < AUX_MAX && is_aux(a, b, &w[j]) && !is_neg(a, b, &w[j])) {
        j--;
        skipped++;
    }
    return j >= 0 && is_neg(a, b, &w[j]);
}

static bool pattern_anywhere(const struct rs_norm_rules *r, const struct pat *p,
                             const struct word *w, int nw)
{
    for (int i = 0; i < nw; i++) {
        int wt = 0;
        if (match_from(r, p, 0, w, nw, i, &wt) >= 0)
            return true;
    }
    return false;
}

/* Optimal-string-alignment distance, capped: true when A and B are at most one edit apart. */
static bool one_edit(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > lb + 1 || lb > la + 1)
        return false;
    size_t i = 0;
    while (i < la && i < lb && a[i] == b[i])
        i++;
    if (la == lb) {
        if (i == la)
            return true;
        if (memcmp(a + i + 1, b + i + 1, la - i - 1) == 0)
            return true; /* substitution */
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, la - i - 2) == 0; /* transposition */
    }
    if (la > lb)
        return memcmp(a + i + 1, b + i, lb - i) == 0;
    return memcmp(a + i, b + i + 1, la - i) == 0;
}

static void consider_typo(const struct rs_norm_rules *r, const char *w, size_t l, const char *key,
                          size_t kl, int *best)
{
    const struct hent *e = htab_find(&r->dels, key, kl, 0);
    if (!e)
        return;
    for (int p = e->head; p >= 0; p = r->dels.post_next[p]) {
        int v = r->dels.post_val[p];
        if ((*best < 0 || v < *best) && one_edit(w, l, r->vwords[v], strlen(r->vwords[v])))
            *best = v;
    }
}

/* Read an unknown word as the known word one edit away, if any (the smallest in order). */
static const char *correct(const struct rs_norm_rules *r, const struct word *w)
{
    if (w->len < FUZZY_MIN_LEN || w->len > MAX_WORD_LEN)
        return NULL;
    if (htab_find(&r->vocab, w->s, w->len, 0))
        return NULL;
    for (unsigned l = 1; l <= w->len && l < 64; l++)
        if ((r->vprefix_lens >> l & 1) && htab_find(&r->vocab, w->s, l, 1))
            return NULL;
    int best = -1;
    consider_typo(r, w->s, w->len, w->s, w->len, &best); /* missing letter or same length */
    char del[MAX_WORD_LEN + 1];
    for (size_t d = 0; d < w->len; d++) { /* extra letter, substitution, transposition */
        memcpy(del, w->s, d);
        memcpy(del + d, w->s + d + 1, w->len - d - 1);
        consider_typo(r, w->s, w->len, del, w->len - 1u, &best);
    }
    return best >= 0 ? r->vwords[best] : NULL;
}

static bool carrier_fits(const struct rs_norm_rules *r, const struct rule *ru, const char *ckey)
{
    if (ru->ncarriers == 0)
        return true;
    if (!ckey || !*ckey)
        return false;
    for (int i = 0; i < ru->ncarriers; i++)
        if (strcmp(r->carriers[ru->first_carrier + i], ckey) == 0)
            return true;
    return false;
}

/* >0 when A ranks above B (see the precedence in normalize.h). */
static int rank_cmp(const struct match *a, const struct match *b)
{
    if (a->merchant != b->merchant)
        return a->merchant ? 1 : -1;
    if (a->carrier_specific != b->carrier_specific)
        return a->carrier_specific ? 1 : -1;
    if (a->lang_match != b->lang_match)
        return a->lang_match ? 1 : -1;
    if (a->rule->priority != b->rule->priority)
        return a->rule->priority - b->rule->priority;
    if (a->weight != b->weight)
        return a->weight - b->weight;
    if (a->span != b->span)
        return a->span - b->span;
    return b->rule->line - a->rule->line;
}

/* Run every rule of R over the words, appending matches to M. */
static void collect(const struct rs_norm_rules *r, bool merchant, const struct rs_norm_rules *other,
                    const struct word *text, int nw, unsigned lang, const char *ckey,
                    struct match *m, int *nm)
{
    struct word w[MAX_WORDS];
    for (int i = 0; i < nw; i++) {
        w[i] = text[i];
        const char *c = correct(r, &w[i]);
        if (c) {
            w[i].s = c;
            w[i].len = (uint16_t)strlen(c);
            w[i].fuzzy = true;
        }
    }
    for (int i = 0; i < nw; i++) {
        /* rules whose first word is this word ("entregado"), or a prefix of it ("entreg*") */
        for (unsigned l = 1; l <= w[i].len && l < 64; l++) {
            for (unsigned flag = 0; flag < 2; flag++) {
                if (flag == 0 && l != w[i].len)
                    continue;
                if (flag == 1 && !(r->prefix_lens >> l & 1))
                    continue;
                const struct hent *h = htab_find(&r->first, w[i].s, l, flag);
                if (!h)
                    continue;
                for (int p = h->head; p >= 0; p = r->first.post_next[p]) {
                    const struct rule *ru = &r->rules[r->first.post_val[p]];
                    bool seen = false;
                    for (int k = 0; k < *nm; k++)
                        if (m[k].rule == ru) {
                            seen = true;
                            break;
                        }
                    if (seen || !carrier_fits(r, ru, ckey))
                        continue;
                    const struct pat *pt = &r->pats[ru->pat];
                    int wt = 0;
                    int end = match_from(r, pt, 0, w, nw, i, &wt);
                    if (end < 0)
                        continue;
                    if (negated(r, other, w, i))
                        continue;
                    bool blocked = false;
                    for (int u = 0; u < ru->nunless && !blocked; u++)
                        blocked = pattern_anywhere(r, &r->pats[ru->first_unless + u], w, nw);
                    if (blocked || *nm == MAX_MATCHES)
                        continue;
                    struct match *mm = &m[(*nm)++];
                    mm->set = r;
                    mm->rule = ru;
                    mm->merchant = merchant;
                    mm->carrier_specific = ru->ncarriers > 0;
                    mm->lang_match = lang && (ru->langs == 0 || (ru->langs & lang));
                    mm->weight = wt;
                    mm->fuzzy = false;
                    mm->span = 0;
                    for (int k = i; k < end; k++) {
                        mm->span += w[k].len + (k > i);
                        mm->fuzzy |= w[k].fuzzy;
                    }
                }
            }
        }
    }
}

static unsigned lang_bit(const char *lang)
{
    if (!lang || strlen(lang) < 2)
        return 0;
    char a = (char)(lang[0] | 0x20), b = (char)(lang[1] | 0x20);
    if (lang[2] && lang[2] != '-' && lang[2] != '_')
        return 0;
    if (a == 'e' && b == 's')
        return LANG_ES;
    if (a == 'e' && b == 'n')
        return LANG_EN;
    if (a == 'p' && b == 't')
        return LANG_PT;
    return 0;
}

static bool refines(const struct match *m, enum rs_status status)
{
    return m->rule->status == status ||
           (m->rule->sub != RS_SUB_NONE && rs_substatus_fits(status, m->rule->sub));
}

bool rs_normalize_text_with(const struct rs_norm_rules *defaults,
                            const struct rs_norm_rules *merchant, const char *text,
                            const char *lang, const char *carrier, struct rs_norm_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = RS_STATUS_NONE;
    if (!text)
        return false;
    size_t tl = strnlen(text, RS_NORM_MAX_TEXT);
    char folded[RS_NORM_MAX_TEXT * 2];
    size_t fl = rs_fold(text, (long)tl, folded, sizeof folded);
    if (fl == 0)
        return false;

    struct word w[MAX_WORDS];
    int nw = 0;
    for (size_t i = 0; i < fl && nw < MAX_WORDS;) {
        size_t j = i;
        while (j < fl && folded[j] != ' ')
            j++;
        if (j - i <= MAX_WORD_LEN)
            w[nw++] = (struct word){.s = folded + i, .len = (uint16_t)(j - i), .fuzzy = false};
        i = j + 1;
    }

    char ckey[128] = "";
    if (carrier)
        carrier_key(carrier, ckey, sizeof ckey);
    unsigned lb = lang_bit(lang);

    struct match m[MAX_MATCHES];
    int nm = 0;
    if (merchant)
        collect(merchant, true, defaults, w, nw, lb, ckey, m, &nm);
    if (defaults)
        collect(defaults, false, merchant, w, nw, lb, ckey, m, &nm);

    if (nm == 0) {
        out->status = RS_STATUS_IN_TRANSIT;
        out->confidence = 10;
        return false;
    }
    int best = 0;
    for (int i = 1; i < nm; i++)
        if (rank_cmp(&m[i], &m[best]) > 0)
            best = i;
    const struct match *b = &m[best];
    out->status = b->rule->status;
    out->substatus = b->rule->sub;
    out->action_required = b->rule->action;
    out->rule_line = b->rule->line;
    out->merchant_rule = b->merchant;

    int refiner = -1;
    bool rival = false;
    for (int i = 0; i < nm; i++) {
        if (i == best)
            continue;
        if (refines(&m[i], out->status)) {
            if (m[i].rule->action)
                out->action_required = true;
            if (out->substatus == RS_SUB_NONE && m[i].rule->sub != RS_SUB_NONE &&
                rs_substatus_fits(out->status, m[i].rule->sub) &&
                (refiner < 0 || rank_cmp(&m[i], &m[refiner]) > 0))
                refiner = i;
        } else if (m[i].merchant == b->merchant && m[i].rule->priority == b->rule->priority &&
                   m[i].weight >= b->weight - 1) {
            rival = true; /* a rule of another status matched almost as well */
        }
    }
    if (refiner >= 0)
        out->substatus = m[refiner].rule->sub;

    int conf = 50 + 3 * b->weight;
    if (conf > 95)
        conf = 95;
    if (b->fuzzy)
        conf -= 20;
    if (rival)
        conf -= 20;
    out->confidence = conf < 20 ? 20 : conf;
    return true;
}

bool rs_normalize_text(const struct rs_norm_rules *merchant, const char *text, const char *lang,
                       const char *carrier, struct rs_norm_result *out)
{
    return rs_normalize_text_with(rs_norm_default(), merchant, text, lang, carrier, out);
}
