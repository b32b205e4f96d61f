/* hook_tables.c — the data tables behind the webhook adapters (see inbound.h):
 *   data/provider-statuses.tsv  provider status codes -> canonical status, sub-status, action
 *   data/carrier-aliases.tsv    carrier names as providers spell them -> Rastro carrier slug
 *   data/carrier-names.tsv      Rastro carrier slug -> the name customers know
 * plus tracking-number normalisation and ISO 3166 alpha-3 -> alpha-2 through ICU's country
 * list. Each table is parsed once from the embedded asset (pthread_once) and never changes,
 * so lookups are thread-safe without locks. */
#include "ingest/inbound.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uloc.h>

#include "util/assets.h"
#include "util/fold.h"

/* ---------- provider statuses ---------- */

static struct rs_status_row *st_rows;
static int st_n;
static char *st_buf;
static pthread_once_t st_once = PTHREAD_ONCE_INIT;

/* Split LINE in place at tabs into at most MAX fields; returns the count. */
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

/* Copy an embedded asset into a writable buffer; NULL when absent. */
static char *asset_copy(const char *name)
{
    size_t len;
    const char *a = rs_asset_get(name, &len);
    if (!a)
        return NULL;
    char *b = malloc(len + 1);
    if (b) {
        memcpy(b, a, len);
        b[len] = '\0';
    }
    return b;
}

/* The embedded TSV asset NAME as rows of exactly NF tab-separated fields (blank, '#' and
 * malformed lines skipped; the unit tests check the shipped files have none): *N rows of NF
 * pointers into *BUF, both kept for the life of the process. NULL when absent or out of memory. */
static char **tsv_rows(const char *name, int nf, char **buf, int *n)
{
    *n = 0;
    if (!(*buf = asset_copy(name)))
        return NULL;
    size_t cap = 1;
    for (char *p = *buf; *p; p++)
        cap += *p == '\n';
    char **f = calloc(cap * (size_t)nf, sizeof *f);
    if (!f)
        return NULL;
    char *save = NULL;
    for (char *line = strtok_r(*buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (line[0] != '#' && line[0] != '\0' && split_tabs(line, f + (size_t)*n * (size_t)nf, nf) == nf)
            (*n)++;
    return f;
}

static void st_load(void)
{
    int n;
    char **rows = tsv_rows("data/provider-statuses.tsv", 7, &st_buf, &n);
    if (!rows || !(st_rows = calloc((size_t)n + 1, sizeof *st_rows)))
        return;
    for (int i = 0; i < n; i++) {
        char **f = rows + (size_t)i * 7;
        struct rs_status_row *r = &st_rows[st_n++];
        r->provider = f[0];
        r->code = f[1];
        r->subcode = strcmp(f[2], "-") == 0 ? "" : f[2];
        r->status_text = strcmp(f[3], "none") == 0 ? "" : f[3];
        r->substatus_text = strcmp(f[4], "-") == 0 ? "" : f[4];
        r->status = rs_status_parse(r->status_text);
        r->substatus = rs_substatus_parse(r->substatus_text);
        r->action_required = strcmp(f[5], "1") == 0;
        r->meaning = f[6];
    }
    free(rows);
}

int rs_provider_status_rows(void)
{
    pthread_once(&st_once, st_load);
    return st_n;
}

const struct rs_status_row *rs_provider_status_row(int i)
{
    pthread_once(&st_once, st_load);
    return i >= 0 && i < st_n ? &st_rows[i] : NULL;
}

static const struct rs_status_row *st_find(const char *provider, const char *code,
                                           const char *subcode)
{
    for (int i = 0; i < st_n; i++) {
        const struct rs_status_row *r = &st_rows[i];
        if (strcasecmp(r->provider, provider) == 0 && strcasecmp(r->code, code) == 0 &&
            strcasecmp(r->subcode, subcode) == 0)
            return r;
    }
    return NULL;
}

/* The row documenting SUBCODE under a code of its own (Shippo's return_to_sender is a RETURNED
 * substatus). A carrier may pair it with another code (TRANSIT + return_to_sender): the
 * substatus is the more precise word, so it refines that code like a "*" row — except that a
 * progress status (pending, info_received, in_transit) never replaces the code's. NULL when
 * SUBCODE has no such row. */
static const struct rs_status_row *st_home(const char *provider, const char *subcode)
{
    for (int i = 0; i < st_n; i++) {
        const struct rs_status_row *r = &st_rows[i];
        if (strcasecmp(r->provider, provider) == 0 && strcmp(r->code, "*") != 0 &&
            strcasecmp(r->subcode, subcode) == 0 && r->status != RS_STATUS_NONE)
            return r;
    }
    return NULL;
}

static bool return_path(enum rs_status s)
{
    return s == RS_STATUS_DELIVERED || s == RS_STATUS_RETURNING || s == RS_STATUS_RETURNED;
}

bool rs_provider_status(const char *provider, const char *code, const char *subcode,
                        struct rs_status_map *out)
{
    pthread_once(&st_once, st_load);
    memset(out, 0, sizeof *out);
    if (!provider)
        return false;
    if (code && !*code)
        code = NULL;
    if (subcode && !*subcode)
        subcode = NULL;
    const struct rs_status_row *exact = code && subcode ? st_find(provider, code, subcode) : NULL;
    if (exact) {
        out->status = exact->status;
        out->substatus = exact->substatus;
        out->action_required = exact->action_required;
        out->known = true;
        return true;
    }
    const struct rs_status_row *base = code ? st_find(provider, code, "") : NULL;
    const struct rs_status_row *refine = subcode ? st_find(provider, "*", subcode) : NULL;
    enum rs_status rst = refine ? refine->status : RS_STATUS_NONE;
    if (subcode && !refine && (refine = st_home(provider, subcode)))
        rst = refine->status == RS_STATUS_PENDING || refine->status == RS_STATUS_INFO_RECEIVED ||
                      refine->status == RS_STATUS_IN_TRANSIT
                  ? RS_STATUS_NONE /* a progress word never overrides what the code says */
                  : refine->status;
    if (base) {
        out->status = base->status;
        out->substatus = base->substatus;
        out->action_required = base->action_required;
        out->known = true;
    }
    if (refine && (base || !code)) {
        if (rst != RS_STATUS_NONE && !return_path(out->status)) {
            out->status = rst;
            out->substatus = RS_SUB_NONE;
            out->action_required = false;
        }
        if (refine->substatus != RS_SUB_NONE && rs_substatus_fits(out->status, refine->substatus))
            out->substatus = refine->substatus;
        out->action_required = out->action_required || refine->action_required;
        out->known = out->known || rst != RS_STATUS_NONE;
    }
    if (!rs_substatus_fits(out->status, out->substatus))
        out->substatus = RS_SUB_NONE;
    return out->known;
}

/* ---------- carrier aliases ---------- */

struct alias {
    char key[64]; /* folded, spaces removed */
    const char *slug;
};
static struct alias *al_rows;
static int al_n;
static char *al_buf;
static pthread_once_t al_once = PTHREAD_ONCE_INIT;

/* Fold NAME and drop the spaces: "Correos-de-España" -> "correosdeespana". */
static void alias_key(const char *name, char *out, size_t cap)
{
    char folded[256];
    rs_fold(name, -1, folded, sizeof folded);
    size_t o = 0;
    for (const char *p = folded; *p && o + 1 < cap; p++)
        if (*p != ' ')
            out[o++] = *p;
    out[o] = '\0';
}

static void al_load(void)
{
    int n;
    char **rows = tsv_rows("data/carrier-aliases.tsv", 2, &al_buf, &n);
    if (!rows || !(al_rows = calloc((size_t)n + 1, sizeof *al_rows)))
        return;
    for (int i = 0; i < n; i++) {
        alias_key(rows[2 * i], al_rows[al_n].key, sizeof al_rows[al_n].key);
        al_rows[al_n++].slug = rows[2 * i + 1];
    }
    free(rows);
}

size_t rs_carrier_slug(const char *name, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!name)
        return 0;
    pthread_once(&al_once, al_load);
    char key[64];
    alias_key(name, key, sizeof key);
    if (!key[0])
        return 0;
    for (int i = 0; i < al_n; i++)
        if (strcmp(al_rows[i].key, key) == 0) {
            size_t n = strlen(al_rows[i].slug);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, al_rows[i].slug, n);
            out[n] = '\0';
            return n;
        }
    static const char *const no_company[] = {"other", "others", "otro", "otra", "otros", "otras", "custom",
                                             "unknown", "desconocido", "na", "none", "ninguno"}; /* keys: no spaces */
    for (size_t i = 0; i < sizeof no_company / sizeof *no_company; i++)
        if (strcmp(key, no_company[i]) == 0) {
            snprintf(out, cap, "%s", RS_CARRIER_OTHER);
            return strlen(out);
        }
    /* Unknown: a slug of itself. rs_fold leaves only [a-z0-9], non-ASCII letters and single
     * spaces; keep ASCII letters/digits, everything else becomes one '_'. */
    char folded[256];
    rs_fold(name, -1, folded, sizeof folded);
    size_t o = 0;
    bool sep = false;
    for (const char *p = folded; *p && o + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) && c < 0x80) {
            if (sep && o > 0 && o + 2 < cap)
                out[o++] = '_';
            sep = false;
            out[o++] = (char)c;
        } else {
            sep = true;
        }
    }
    out[o] = '\0';
    return o;
}

/* ---------- carrier names (data/carrier-names.tsv) ---------- */

static char **nm_rows; /* nm_n rows of slug, name */
static int nm_n;
static char *nm_buf;
static pthread_once_t nm_once = PTHREAD_ONCE_INIT;

static void nm_load(void)
{
    nm_rows = tsv_rows("data/carrier-names.tsv", 2, &nm_buf, &nm_n);
}

size_t rs_carrier_name(const char *slug, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!slug || !*slug || strcmp(slug, RS_CARRIER_OTHER) == 0)
        return 0;
    pthread_once(&nm_once, nm_load);
    const char *name = NULL;
    for (int i = 0; i < nm_n && !name; i++)
        if (strcmp(nm_rows[2 * i], slug) == 0)
            name = nm_rows[2 * i + 1];
    size_t n = strlen(name ? name : slug);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, name ? name : slug, n);
    out[n] = '\0';
    if (!name) {
        for (char *c = out; *c; c++)
            if (*c == '_')
                *c = ' ';
        if (out[0] >= 'a' && out[0] <= 'z')
            out[0] = (char)(out[0] - 'a' + 'A');
    }
    return n;
}

/* ---------- tracking numbers ---------- */

enum rs_err rs_tracking_normalize(const char *in, char *out, size_t cap)
{
    if (!in || cap == 0)
        return RS_EINVAL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            continue;
        if (*p < 0x21 || *p > 0x7e)
            return RS_EINVAL;
        if (o + 1 >= cap || o >= RS_MAX_TRACKING_LEN)
            return RS_EINVAL;
        out[o++] = (char)toupper(*p);
    }
    out[o] = '\0';
    return o ? RS_OK : RS_EINVAL;
}

/* ---------- countries ---------- */

struct country {
    const char *a2;  /* ICU's static string */
    char a3[4];
};
static struct country *co_rows;
static int co_n;
static pthread_once_t co_once = PTHREAD_ONCE_INIT;

static void co_load(void)
{
    const char *const *list = uloc_getISOCountries();
    int n = 0;
    while (list && list[n])
        n++;
    co_rows = calloc((size_t)n + 1, sizeof *co_rows);
    if (!co_rows)
        return;
    for (int i = 0; i < n; i++) {
        char loc[8];
        snprintf(loc, sizeof loc, "_%s", list[i]);
        const char *a3 = uloc_getISO3Country(loc);
        co_rows[co_n].a2 = list[i];
        if (a3 && strlen(a3) == 3)
            memcpy(co_rows[co_n].a3, a3, 4);
        co_n++;
    }
}

const char *rs_country_alpha2(const char *code)
{
    if (!code)
        return NULL;
    size_t n = strlen(code);
    if (n != 2 && n != 3)
        return NULL;
    pthread_once(&co_once, co_load);
    for (int i = 0; i < co_n; i++)
        if ((n == 2 && strcasecmp(co_rows[i].a2, code) == 0) ||
            (n == 3 && strcasecmp(co_rows[i].a3, code) == 0))
            return co_rows[i].a2;
    return NULL;
}
