/* promise_service.c — model cache, calendars and training from the store (promise_service.h). */
#include "app/promise_service.h"

#include <ctype.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_io.h"
#include "app/promise_settings.h"
#include "util/assets.h"
#include "util/tz.h"

struct slot {
    struct rs_promise_handle h; /* first: a handle pointer is a slot pointer */
    struct rs_promise_model *model;
    int refs;
    bool detached; /* replaced or evicted while in use: freed by the last put */
    uint64_t used;  /* LRU clock */
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot *cache[RS_PROMISE_CACHE_SLOTS];
static uint64_t cache_clock;

static void slot_free(struct slot *sl)
{
    free(sl->model);
    free(sl);
}

enum rs_err rs_promise_cache_get(struct rs_store *s, int64_t merchant_id,
                                 struct rs_promise_handle **out)
{
    int64_t version;
    enum rs_err e = rs_store_promise_model_version(s, merchant_id, &version, NULL);
    if (e)
        return e;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < RS_PROMISE_CACHE_SLOTS; i++) {
        struct slot *sl = cache[i];
        if (sl && sl->h.merchant_id == merchant_id && sl->h.version == version) {
            sl->refs++;
            sl->used = ++cache_clock;
            *out = &sl->h;
            pthread_mutex_unlock(&cache_mu);
            return RS_OK;
        }
    }
    pthread_mutex_unlock(&cache_mu);

    /* Load outside the lock (a model is megabytes of JSON); two threads may both load the
     * same one, the second install simply replaces the first. */
    char *text = NULL;
    if ((e = rs_store_promise_model_get(s, merchant_id, &version, &text)))
        return e;
    struct slot *sl = calloc(1, sizeof *sl);
    struct rs_promise_model *m = malloc(sizeof *m);
    const char *why = "";
    if (!sl || !m) {
        free(sl);
        free(m);
        free(text);
        return RS_ENOMEM;
    }
    e = rs_promise_from_text(m, text, &why);
    free(text);
    if (e) {
        free(sl);
        free(m);
        return RS_EINVAL;
    }
    sl->model = m;
    sl->h = (struct rs_promise_handle){merchant_id, version, m};
    sl->refs = 1;

    pthread_mutex_lock(&cache_mu);
    int free_i = -1, lru_i = 0;
    for (int i = 0; i < RS_PROMISE_CACHE_SLOTS; i++) {
        struct slot *o = cache[i];
        if (o && o->h.merchant_id == merchant_id) { /* an older version: replace it */
            free_i = i;
            break;
        }
        if (!o && free_i < 0)
            free_i = i;
        if (o && (!cache[lru_i] || o->used < cache[lru_i]->used))
            lru_i = i;
    }
    int at = free_i >= 0 ? free_i : lru_i;
    struct slot *old = cache[at];
    if (old) {
        if (old->refs == 0)
            slot_free(old);
        else
            old->detached = true;
    }
    sl->used = ++cache_clock;
    cache[at] = sl;
    pthread_mutex_unlock(&cache_mu);
    *out = &sl->h;
    return RS_OK;
}

void rs_promise_cache_put(struct rs_promise_handle *h)
{
    if (!h)
        return;
    struct slot *sl = (struct slot *)h;
    pthread_mutex_lock(&cache_mu);
    bool gone = --sl->refs == 0 && sl->detached;
    pthread_mutex_unlock(&cache_mu);
    if (gone)
        slot_free(sl);
}

static void scan_gap_clear(void);

void rs_promise_cache_clear(void)
{
    scan_gap_clear();
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < RS_PROMISE_CACHE_SLOTS; i++) {
        struct slot *sl = cache[i];
        if (!sl)
            continue;
        if (sl->refs == 0)
            slot_free(sl);
        else
            sl->detached = true;
        cache[i] = NULL;
    }
    pthread_mutex_unlock(&cache_mu);
}

static void build_calendar(const struct rs_promise_settings *st, const char *dest_country,
                           struct rs_calendar *cal)
{
    rs_calendar_init(cal);
    const char *cc = st && st->country[0] ? st->country : dest_country;
    if (cc && *cc) {
        size_t len;
        const char *t = rs_asset_get("data/holidays.tsv", &len);
        int bad = 0;
        /* an unknown country keeps weekends only (the calendar stays usable) */
        if (t && rs_calendar_load_holidays(cal, cc, t, len, &bad) != RS_OK)
            rs_calendar_init(cal);
    }
    if (!st)
        return;
    for (int i = 0; i < st->n_add; i++)
        (void)!rs_calendar_add_holiday(cal, st->add[i]);
    for (int i = 0; i < st->n_remove; i++)
        (void)!rs_calendar_remove_holiday(cal, st->remove[i]);
    int cut = rs_promise_settings_cutoff_minute(st);
    if (cut >= 0)
        (void)!rs_calendar_set_cutoff(cal, cut / 60, cut % 60);
    if (st->dispatch_days & 0xFEu)
        cal->dispatch_mask = ~st->dispatch_days & 0xFEu;
}

/* The last calendar built on this thread, keyed by everything it depends on: the write path
 * asks for the same one event after event, and computing 31 years of holidays is not free. */
struct cal_cache {
    bool used;
    char country[3], dest[3], cutoff[6];
    int n_add, n_remove;
    unsigned dispatch_days;
    int64_t add[RS_PROMISE_MAX_OVERRIDES], remove[RS_PROMISE_MAX_OVERRIDES];
    struct rs_calendar cal;
};
static __thread struct cal_cache tcal;

/* ---- scan cadence per lane ---- */

#define GAP_SLOTS 16
#define GAP_LANES 64

struct gap_slot {
    int64_t merchant_id, computed_at; /* computed_at 0: empty */
    int n;
    struct rs_scan_gap lanes[GAP_LANES];
};

static pthread_mutex_t gap_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gap_slot *gap_cache[GAP_SLOTS];

static int64_t gap_lookup(const struct gap_slot *g, const char *carrier, const char *service)
{
    int64_t any = 0;
    for (int i = 0; i < g->n; i++) {
        const struct rs_scan_gap *l = &g->lanes[i];
        if (strcmp(l->carrier, carrier) != 0)
            continue;
        if (strcmp(l->service, service ? service : "") == 0)
            return l->gap_s;
        if (strcmp(l->service, "*") == 0)
            any = l->gap_s;
    }
    return any;
}

int64_t rs_promise_scan_gap(struct rs_store *s, int64_t merchant_id, const char *carrier,
                            const char *service, int64_t now)
{
    if (!carrier || !*carrier)
        return 0;
    pthread_mutex_lock(&gap_mu);
    /* the merchant's slot; else an empty one; else the one computed longest ago */
    struct gap_slot *g = NULL;
    int pick = -1;
    for (int i = 0; i < GAP_SLOTS && !g; i++) {
        struct gap_slot *c = gap_cache[i];
        if (c && c->merchant_id == merchant_id)
            g = c;
        else if (pick < 0 || (gap_cache[pick] && (!c || c->computed_at < gap_cache[pick]->computed_at)))
            pick = i;
    }
    if (!g && pick >= 0) {
        if (!gap_cache[pick])
            gap_cache[pick] = calloc(1, sizeof *gap_cache[pick]);
        g = gap_cache[pick];
        if (g)
            *g = (struct gap_slot){.merchant_id = merchant_id};
    }
    int64_t gap = 0;
    if (g) {
        int64_t age = now - g->computed_at;
        if (!g->computed_at || age > RS_SCAN_GAP_TTL_S || age < -RS_SCAN_GAP_TTL_S) {
            int n = 0;
            if (rs_store_scan_gaps(s, merchant_id, now - RS_SCAN_GAP_DAYS * 86400LL, RS_SCAN_GAP_MIN_N,
                                   g->lanes, GAP_LANES, &n) == RS_OK) {
                g->n = n;
                g->computed_at = now ? now : 1;
            } else {
                g->n = 0; /* not learnt this time: the default, and another try next call */
            }
        }
        gap = gap_lookup(g, carrier, service);
    }
    pthread_mutex_unlock(&gap_mu);
    return gap;
}

static void scan_gap_clear(void)
{
    pthread_mutex_lock(&gap_mu);
    for (int i = 0; i < GAP_SLOTS; i++) {
        free(gap_cache[i]);
        gap_cache[i] = NULL;
    }
    pthread_mutex_unlock(&gap_mu);
}

void rs_promise_calendar(const struct rs_promise_settings *st, const char *dest_country,
                         struct rs_calendar *cal)
{
    char dest[3];
    snprintf(dest, sizeof dest, "%s", dest_country ? dest_country : "");
    struct cal_cache *c = &tcal;
    if (st && c->used && strcmp(c->country, st->country) == 0 && strcmp(c->dest, dest) == 0 &&
        strcmp(c->cutoff, st->cutoff) == 0 && c->n_add == st->n_add &&
        c->n_remove == st->n_remove && c->dispatch_days == st->dispatch_days &&
        memcmp(c->add, st->add, sizeof c->add[0] * (size_t)st->n_add) == 0 &&
        memcmp(c->remove, st->remove, sizeof c->remove[0] * (size_t)st->n_remove) == 0) {
        *cal = c->cal;
        return;
    }
    build_calendar(st, dest_country, cal);
    if (!st)
        return;
    c->used = true;
    memcpy(c->country, st->country, sizeof c->country);
    memcpy(c->dest, dest, sizeof c->dest);
    memcpy(c->cutoff, st->cutoff, sizeof c->cutoff);
    c->n_add = st->n_add;
    c->n_remove = st->n_remove;
    c->dispatch_days = st->dispatch_days;
    memcpy(c->add, st->add, sizeof c->add);
    memcpy(c->remove, st->remove, sizeof c->remove);
    c->cal = *cal;
}

/* Copy [A, A+LEN) into OUT (cap 65) when it is 1..64 printable bytes. */
static bool option_part(const char *a, size_t len, char out[65])
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f)
            return false;
    memcpy(out, a, len);
    out[len] = '\0';
    return true;
}

bool rs_promise_options_parse(const char *s, struct rs_promise_option out[RS_PROMISE_MAX_OPTIONS], int *n,
                              char *err, size_t errcap)
{
    *n = 0;
    if (!s || !*s) {
        snprintf(err, errcap, "options must list carrier[:service] pairs, e.g. options=seur:std,correos");
        return false;
    }
    for (const char *p = s;;) {
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        size_t clen = colon ? (size_t)(colon - p) : len;
        if (*n == RS_PROMISE_MAX_OPTIONS) {
            snprintf(err, errcap, "options: at most %d shipping options in one quote", RS_PROMISE_MAX_OPTIONS);
            return false;
        }
        struct rs_promise_option *o = &out[*n];
        o->service[0] = '\0';
        if (!option_part(p, clen, o->carrier) ||
            (colon && (memchr(colon + 1, ':', len - clen - 1) || !option_part(colon + 1, len - clen - 1, o->service)))) {
            snprintf(err, errcap,
                     "options: option %d must be carrier or carrier:service (printable, at most 64 bytes "
                     "each), e.g. options=seur:std,correos",
                     *n + 1);
            return false;
        }
        (*n)++;
        if (!p[len])
            return true;
        p += len + 1;
    }
}

bool rs_promise_split_region(const char *s, char cc[3], char *region, size_t cap)
{
    cc[0] = '\0';
    if (!s || !*s || strlen(s) >= cap || strlen(s) > 64)
        return false;
    const char *sep = strpbrk(s, "/-");
    const char *r = s;
    if (sep) {
        if (sep - s != 2 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]))
            return false;
        cc[0] = (char)toupper((unsigned char)s[0]);
        cc[1] = (char)toupper((unsigned char)s[1]);
        cc[2] = '\0';
        r = sep + 1;
    }
    if (!*r)
        return false;
    for (const unsigned char *p = (const unsigned char *)r; *p; p++)
        if (*p < 0x20 || *p == '/')
            return false;
    snprintf(region, cap, "%s", r);
    return true;
}

/* ---- training from the store ---- */

struct obs_buf {
    struct rs_promise_obs *v;
    char (*strs)[8][64]; /* the lane's strings, owned */
    int64_t *ids;        /* the shipments, when asked (online learning) */
    bool want_ids;
    size_t n, cap;
    const char *tz;
    bool oom;
};

static void collect(const struct rs_store_delivery *d, void *ctx)
{
    struct obs_buf *b = ctx;
    if (b->oom)
        return;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        void *nv = realloc(b->v, nc * sizeof *b->v), *ns = NULL, *ni = NULL;
        if (nv)
            b->v = nv;
        if (nv && (ns = realloc(b->strs, nc * sizeof *b->strs)))
            b->strs = ns;
        if (ns && b->want_ids && (ni = realloc(b->ids, nc * sizeof *b->ids)))
            b->ids = ni;
        if (!nv || !ns || (b->want_ids && !ni)) {
            b->oom = true;
            return;
        }
        b->cap = nc;
    }
    struct rs_promise_obs *o = &b->v[b->n];
    memset(o, 0, sizeof *o);
    if (b->want_ids)
        b->ids[b->n] = d->shipment_id;
    o->reported = d->reported & (RS_PROMISE_TERM_PLACE | RS_PROMISE_TERM_HANDOVER);
    int minute;
    int64_t day;
    if (rs_tz_local(b->tz, d->placed_at, &o->placed_day, &o->placed_minute) != RS_OK ||
        (d->delivered_at > 0 && rs_tz_local(b->tz, d->delivered_at, &o->delivered_day, &minute) != RS_OK)) {
        if (b->want_ids) { /* kept (unusable) so that it is marked and not fetched again */
            o->delivered_day = INT64_MIN;
            b->n++;
        }
        return;
    }
    o->shipped_day = -1;
    if (d->shipped_at > 0 && rs_tz_local(b->tz, d->shipped_at, &day, &minute) == RS_OK)
        o->shipped_day = day;
    const char *src[8] = {d->origin_country, d->origin_region, d->dest_country, d->dest_region,
                          d->carrier,        d->service,       d->origin_postcode, d->dest_postcode};
    for (int i = 0; i < 8; i++)
        snprintf(b->strs[b->n][i], 64, "%s", src[i] ? src[i] : "");
    b->n++;
}

/* The lane of B's row I, and CAL its destination's calendar (rebuilt only when the country
 * changes: CAL_CC remembers it). */
static struct rs_promise_obs *obs_at(struct obs_buf *b, size_t i, const struct rs_promise_settings *st,
                                     struct rs_calendar *cal, char cal_cc[64])
{
    struct rs_promise_obs *o = &b->v[i];
    char(*x)[64] = b->strs[i];
    o->lane = (struct rs_promise_lane){x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]};
    if (strcmp(cal_cc, x[2]) != 0) {
        rs_promise_calendar(st, x[2], cal);
        snprintf(cal_cc, 64, "%s", x[2]);
    }
    return o;
}

/* Learn B's rows into M in order (each first scores the promise M would have made for it, so
 * the calibration follows, except for the terms already reported late); rows marked unusable
 * by collect() count as skipped. */
static void learn_all(struct rs_promise_model *m, const struct rs_promise_settings *st,
                      struct obs_buf *b, int64_t *n_used, int64_t *n_skipped)
{
    struct rs_calendar cal;
    char cal_cc[64] = "?";
    for (size_t i = 0; i < b->n; i++) {
        struct rs_promise_obs *o = obs_at(b, i, st, &cal, cal_cc);
        if (o->delivered_day != INT64_MIN && rs_promise_learn(m, &cal, o, true) == RS_OK)
            (*n_used)++;
        else
            (*n_skipped)++;
    }
}

/* Early breach reports: each shipment of B (on its way) whose promise M would make is already
 * broken on the merchant's local day at NOW moves the calibration now; the store remembers the
 * terms reported. OUT: *n shipments reported. */
static enum rs_err report_all(struct rs_store *s, int64_t merchant_id, struct rs_promise_model *m,
                              const struct rs_promise_settings *st, struct obs_buf *b, int64_t now,
                              int64_t *n)
{
    struct rs_calendar cal;
    char cal_cc[64] = "?";
    int64_t today;
    int minute;
    if (rs_tz_local(st->timezone, now, &today, &minute) != RS_OK)
        rs_cal_local(now, 0, &today, &minute);
    for (size_t i = 0; i < b->n; i++) {
        struct rs_promise_obs *o = obs_at(b, i, st, &cal, cal_cc);
        if (o->delivered_day == INT64_MIN)
            continue;
        unsigned terms = rs_promise_report_overdue(m, &cal, o, today);
        if (!terms)
            continue;
        enum rs_err e = rs_store_promise_mark_reported(s, merchant_id, b->ids[i], terms);
        if (e)
            return e;
        (*n)++;
    }
    return RS_OK;
}

enum rs_err rs_promise_train_from_store(struct rs_store *s, int64_t merchant_id, int64_t now, bool replace,
                                        int64_t *n_used, int64_t *n_skipped, int64_t *version,
                                        int64_t *n_prev)
{
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, merchant_id, &st);
    if (e)
        return e;
    struct obs_buf b = {.tz = st.timezone};
    int64_t rows = 0;
    struct rs_promise_model *m = NULL;
    char *text = NULL;
    *n_used = *n_skipped = 0;
    if ((e = rs_store_promise_deliveries(s, merchant_id, collect, &b, &rows)))
        goto out;
    if (b.oom) {
        e = RS_ENOMEM;
        goto out;
    }
    if (b.n == 0) {
        e = RS_ENOTFOUND;
        goto out;
    }
    if (!(m = malloc(sizeof *m))) {
        e = RS_ENOMEM;
        goto out;
    }
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    p.confidence = st.confidence > 0.5 && st.confidence < 1 ? st.confidence : 0.90;
    rs_promise_model_init(m, &p);
    for (size_t i = 0; i < b.n; i++) /* a new model: the early reports went to the old one */
        b.v[i].reported = 0;
    learn_all(m, &st, &b, n_used, n_skipped);
    *n_skipped += rows - (int64_t)b.n;
    *n_prev = 0;
    if (!replace) { /* a model that knows more is not thrown away without being asked to */
        e = rs_store_promise_model_version(s, merchant_id, version, n_prev);
        if (e == RS_ENOTFOUND)
            e = RS_OK, *n_prev = 0;
        if (e)
            goto out;
        if (*n_prev > *n_used) {
            e = RS_ECONFLICT;
            goto out;
        }
    }
    if ((e = rs_promise_to_text(m, &text)))
        goto out;
    e = rs_store_promise_model_put(s, merchant_id, text, m->n_learned, "store", now, version);
    if (!e) /* every delivery is in this model: online learning goes on from the next one */
        e = rs_store_promise_mark_learnt(s, merchant_id, 0);
out:
    free(text);
    free(m);
    free(b.v);
    free(b.strs);
    return e;
}

enum rs_err rs_promise_learn_online(struct rs_store *s, int64_t merchant_id, int64_t now, int max,
                                    int64_t *n_used, int64_t *n_skipped, int64_t *n_reported,
                                    int64_t *version)
{
    *n_used = *n_skipped = *n_reported = 0;
    *version = 0;
    struct rs_promise_settings st;
    enum rs_err e = rs_store_promise_settings_get(s, merchant_id, &st);
    if (e)
        return e;
    char *text = NULL;
    int64_t old_version = 0;
    if ((e = rs_store_promise_model_get(s, merchant_id, &old_version, &text)))
        return e; /* RS_ENOTFOUND: nothing to add to */
    struct obs_buf b = {.tz = st.timezone, .want_ids = true}, ob = b;
    struct rs_promise_model *m = malloc(sizeof *m);
    int64_t rows = 0;
    const char *why = NULL;
    if (!m) {
        e = RS_ENOMEM;
        goto out;
    }
    if ((e = rs_promise_from_text(m, text, &why)))
        goto out; /* a stored model that does not load: `train` replaces it */
    if ((e = rs_store_promise_deliveries_new(s, merchant_id, max, collect, &b, &rows)))
        goto out;
    if (b.oom) {
        e = RS_ENOMEM;
        goto out;
    }
    learn_all(m, &st, &b, n_used, n_skipped);
    for (size_t i = 0; i < b.n; i++)
        if ((e = rs_store_promise_mark_learnt(s, merchant_id, b.ids[i])))
            goto out;
    /* then the parcels still on their way whose promise is already broken */
    if ((e = rs_store_promise_overdue(s, merchant_id, now - RS_PROMISE_REPORT_DAYS * 86400,
                                      RS_PROMISE_REPORT_MAX, collect, &ob, &rows)))
        goto out;
    if (ob.oom) {
        e = RS_ENOMEM;
        goto out;
    }
    if ((e = report_all(s, merchant_id, m, &st, &ob, now, n_reported)))
        goto out;
    if (b.n == 0 && *n_reported == 0) {
        *version = old_version;
        goto out;
    }
    free(text);
    text = NULL;
    if ((e = rs_promise_to_text(m, &text)))
        goto out;
    e = rs_store_promise_model_put(s, merchant_id, text, m->n_learned, "online", now, version);
out:
    free(text);
    free(m);
    free(b.v);
    free(b.strs);
    free(b.ids);
    free(ob.v);
    free(ob.strs);
    free(ob.ids);
    return e;
}
