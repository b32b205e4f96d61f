/* promise.c — the delivery-window engine (see promise.h for the model). */
#include "core/promise.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TOT_BINS (2 * RS_PROMISE_BINS)

void rs_promise_params_default(struct rs_promise_params *p)
{
    p->confidence = 0.90;
    p->half_life_days = 120.0;
    p->prior_strength = 6.0;
    p->aci_gamma = 0.005;
    p->low_n = 5.0;
    p->peak_stretch = 1.35;
    p->dest_postcode_digits = 3;
    p->equal_quantile = false;
    p->mu0 = 120.0;
    p->location_scale = true;
    p->mean_prior = 3.0;
    p->proximity = true;
    p->offset_prior = 20.0;
    p->lane_mix = 1.0;
}

void rs_promise_lane_counts(const struct rs_promise_model *m, int *lanes, int *trusted)
{
    *lanes = *trusted = 0;
    for (int i = 0; i < RS_PROMISE_MAX_NODES; i++) {
        const struct rs_promise_node *nd = &m->nodes[i];
        if (!nd->used || nd->level != RS_PROMISE_LANE)
            continue;
        (*lanes)++;
        if (nd->transit.n >= m->p.low_n)
            (*trusted)++;
    }
}

bool rs_promise_is_peak(int64_t day)
{
    int y, mo, d;
    rs_cal_civil(day, &y, &mo, &d);
    if (mo == 12)
        return true;
    if (mo != 11)
        return false;
    int64_t nov1 = rs_cal_day(y, 11, 1);
    int64_t thu4 = nov1 + (4 - rs_cal_weekday(nov1) + 7) % 7 + 21;
    return day >= thu4 + 1 - 7;
}

void rs_promise_model_init(struct rs_promise_model *m, const struct rs_promise_params *p)
{
    memset(m, 0, sizeof *m);
    if (p)
        m->p = *p;
    else
        rs_promise_params_default(&m->p);
    if (!(m->p.confidence > 0.5 && m->p.confidence < 1.0))
        m->p.confidence = 0.90;
    if (!(m->p.half_life_days > 0))
        m->p.half_life_days = 120.0;
    if (!(m->p.prior_strength > 0))
        m->p.prior_strength = 6.0;
    if (!(m->p.aci_gamma >= 0))
        m->p.aci_gamma = 0.02;
    if (!(m->p.peak_stretch >= 1.0 && m->p.peak_stretch <= 3.0))
        m->p.peak_stretch = 1.0;
    if (!(m->p.mu0 >= 1.0 && m->p.mu0 <= 1e5))
        m->p.mu0 = 120.0;
    if (m->p.dest_postcode_digits < 0 || m->p.dest_postcode_digits > 8)
        m->p.dest_postcode_digits = 3;
    if (!(m->p.mean_prior > 0 && m->p.mean_prior < 1e6))
        m->p.mean_prior = 3.0;
    if (!(m->p.offset_prior > 0 && m->p.offset_prior < 1e6))
        m->p.offset_prior = 20.0;
    if (!(m->p.lane_mix >= 0 && m->p.lane_mix < 1e6))
        m->p.lane_mix = 1.0;
}

/* ---- keys and the node table ---- */

struct key {
    uint8_t level;
    char origin[RS_PROMISE_KEY_LEN], dest[RS_PROMISE_KEY_LEN];
    char carrier[RS_PROMISE_KEY_LEN], service[RS_PROMISE_KEY_LEN];
};

static void put(char *dst, const char *a, const char *b)
{
    /* "COUNTRY/REGION", truncated to the key length; ASCII upper-cased so "sp" == "SP" */
    size_t n = 0;
    const char *parts[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && n < RS_PROMISE_KEY_LEN - 1)
            dst[n++] = '/';
        for (const char *s = parts[i]; s && *s && n < RS_PROMISE_KEY_LEN - 1; s++)
            dst[n++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
    }
    dst[n] = '\0';
}

static void copy_key(char *dst, const char *s)
{
    size_t n = 0;
    for (; s && s[n] && n < RS_PROMISE_KEY_LEN - 1; n++)
        dst[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] + 32 : s[n]);
    dst[n] = '\0';
}

/* "PREFIX/POSTCODE" (first DIGITS characters of the postcode, ASCII upper-cased) appended to
 * DST; false when there is no postcode (the node is not used then). */
static bool put_postcode(char *dst, const char *pc, int digits)
{
    if (!pc || !*pc || digits <= 0)
        return false;
    size_t n = strlen(dst);
    if (n < RS_PROMISE_KEY_LEN - 1)
        dst[n++] = '/';
    for (int i = 0; pc[i] && i < digits && n < RS_PROMISE_KEY_LEN - 1; i++)
        dst[n++] = (char)(pc[i] >= 'a' && pc[i] <= 'z' ? pc[i] - 32 : pc[i]);
    dst[n] = '\0';
    return true;
}

/* Fill K for level LV of lane L; false when L lacks what the level needs (a postcode). */
static bool make_key(struct key *k, const struct rs_promise_lane *l, enum rs_promise_level lv,
                     int dest_digits)
{
    memset(k, 0, sizeof *k);
    k->level = (uint8_t)lv;
    if (lv == RS_PROMISE_ORIGIN || lv == RS_PROMISE_LANE || lv == RS_PROMISE_SELLER)
        put(k->origin, l->origin_country, l->origin_region);
    if (lv == RS_PROMISE_DEST || lv == RS_PROMISE_LANE || lv == RS_PROMISE_DESTPC)
        put(k->dest, l->dest_country, l->dest_region);
    if (lv == RS_PROMISE_SELLER && !put_postcode(k->origin, l->origin_postcode, 16))
        return false;
    if (lv == RS_PROMISE_DESTPC && !put_postcode(k->dest, l->dest_postcode, dest_digits))
        return false;
    if (lv != RS_PROMISE_GLOBAL)
        copy_key(k->carrier, l->carrier);
    if (lv == RS_PROMISE_LANE)
        copy_key(k->service, l->service);
    return true;
}

static uint32_t hash_key(const struct key *k)
{
    uint32_t h = 2166136261u;
    const unsigned char *p = (const unsigned char *)k;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static bool same(const struct rs_promise_node *n, const struct key *k)
{
    return n->level == k->level && strcmp(n->origin, k->origin) == 0 &&
           strcmp(n->dest, k->dest) == 0 && strcmp(n->carrier, k->carrier) == 0 &&
           strcmp(n->service, k->service) == 0;
}

/* The node for K; when absent and CREATE, a new one (NULL when the table is 90% full). */
static struct rs_promise_node *find(struct rs_promise_model *m, const struct key *k, bool create)
{
    uint32_t i = hash_key(k) % RS_PROMISE_MAX_NODES;
    for (int probe = 0; probe < RS_PROMISE_MAX_NODES; probe++) {
        struct rs_promise_node *n = &m->nodes[i];
        if (!n->used) {
            if (!create || m->n_nodes >= RS_PROMISE_MAX_NODES * 9 / 10)
                return NULL;
            n->used = 1;
            n->level = k->level;
            memcpy(n->origin, k->origin, RS_PROMISE_KEY_LEN);
            memcpy(n->dest, k->dest, RS_PROMISE_KEY_LEN);
            memcpy(n->carrier, k->carrier, RS_PROMISE_KEY_LEN);
            memcpy(n->service, k->service, RS_PROMISE_KEY_LEN);
            m->n_nodes++;
            return n;
        }
        if (same(n, k))
            return n;
        i = (i + 1) % RS_PROMISE_MAX_NODES;
    }
    return NULL;
}

struct rs_promise_node *rs_promise_node_put(struct rs_promise_model *m, enum rs_promise_level lv,
                                            const char *origin, const char *dest,
                                            const char *carrier, const char *service)
{
    if ((unsigned)lv >= RS_PROMISE_LEVELS)
        return NULL;
    struct key k;
    memset(&k, 0, sizeof k);
    k.level = (uint8_t)lv;
    snprintf(k.origin, sizeof k.origin, "%s", origin ? origin : "");
    snprintf(k.dest, sizeof k.dest, "%s", dest ? dest : "");
    snprintf(k.carrier, sizeof k.carrier, "%s", carrier ? carrier : "");
    snprintf(k.service, sizeof k.service, "%s", service ? service : "");
    return find(m, &k, true);
}

static const struct rs_promise_node *cfind(const struct rs_promise_model *m, const struct key *k)
{
    return find((struct rs_promise_model *)m, k, false); /* create=false never writes */
}

/* ---- histograms ---- */

static void hist_add(struct rs_promise_hist *h, int64_t day, int v, double half_life)
{
    if (v < 0)
        v = 0;
    if (v >= RS_PROMISE_BINS)
        v = RS_PROMISE_BINS - 1;
    double wt = 1.0;
    if (h->n <= 0) {
        h->last_day = (int32_t)day;
    } else if (day > h->last_day) {
        double f = exp2(-(double)(day - h->last_day) / half_life);
        for (int i = 0; i < RS_PROMISE_BINS; i++)
            h->w[i] = (float)(h->w[i] * f);
        h->n *= f;
        h->last_day = (int32_t)day;
    } else if (day < h->last_day) {
        wt = exp2(-(double)(h->last_day - day) / half_life);
    }
    h->w[v] += (float)wt;
    h->n += wt;
}

static double hist_neff(const struct rs_promise_hist *h, int64_t now, double half_life)
{
    if (h->n <= 0)
        return 0;
    if (now > h->last_day)
        return h->n * exp2(-(double)(now - h->last_day) / half_life);
    return h->n;
}

/* Shrink DIST (the parent's distribution, normalised) towards node histogram H. */
static void shrink(double *dist, const struct rs_promise_hist *h, int64_t now, double half_life,
                   double k)
{
    double ne = hist_neff(h, now, half_life);
    if (ne <= 0)
        return;
    double a = ne / (ne + k), b = 1.0 - a;
    for (int i = 0; i < RS_PROMISE_BINS; i++)
        dist[i] = a * (h->w[i] / h->n) + b * dist[i];
}

/* A vague prior used only where the model knows nothing at all. */
static void prior(double *dist, bool handling)
{
    for (int i = 0; i < RS_PROMISE_BINS; i++)
        dist[i] = 0;
    if (handling) {
        for (int i = 0; i <= 4; i++)
            dist[i] = 0.2;
    } else {
        for (int i = 1; i <= 15; i++)
            dist[i] = 1.0 / 15;
    }
}

struct chain {
    const struct rs_promise_node *lane, *dest, *origin, *global, *destpc, *seller;
    int prox; /* postcode proximity category (struct rs_promise_offsets) */
};

/* Proximity category of lane L: leading postcode characters origin and destination share (0..3,
 * capped at 3), RS_PROMISE_PROX_CATS - 1 when a postcode is missing or the countries differ. */
static int proximity(const struct rs_promise_lane *l)
{
    const char *a = l->origin_postcode, *b = l->dest_postcode;
    if (!a || !b || !*a || !*b)
        return RS_PROMISE_PROX_CATS - 1;
    if (strcasecmp(l->origin_country ? l->origin_country : "",
                   l->dest_country ? l->dest_country : "") != 0)
        return RS_PROMISE_PROX_CATS - 1;
    int k = 0;
    while (k < 3 && a[k] && a[k] == b[k])
        k++;
    return k;
}

static const struct rs_promise_node *lookup1(const struct rs_promise_model *m,
                                             const struct rs_promise_lane *l,
                                             enum rs_promise_level lv)
{
    struct key k;
    return make_key(&k, l, lv, m->p.dest_postcode_digits) ? cfind(m, &k) : NULL;
}

static void lookup(const struct rs_promise_model *m, const struct rs_promise_lane *l,
                   struct chain *c)
{
    c->lane = lookup1(m, l, RS_PROMISE_LANE);
    c->dest = lookup1(m, l, RS_PROMISE_DEST);
    c->origin = lookup1(m, l, RS_PROMISE_ORIGIN);
    c->global = lookup1(m, l, RS_PROMISE_GLOBAL);
    c->destpc = lookup1(m, l, RS_PROMISE_DESTPC);
    c->seller = lookup1(m, l, RS_PROMISE_SELLER);
    c->prox = proximity(l);
}


/* ---- the location-scale model ----
 * An order's duration (handling or transit) is modelled as log(1 + d) = location + residual.
 * The location is the mean log duration of the order's nodes, each shrunk towards its parent
 * (means need far fewer observations than tails do); the residual's distribution is the one of
 * all past orders, each measured against the location the model predicted for it just before
 * learning it (so it holds the model's own estimation error too). A sparse lane then gets the
 * sharp, well-estimated tail of the whole history around its own location, instead of a
 * mixture of its parents' distributions (which is wide because the parents mix many
 * locations). */

#define RLO (-3.2)
#define RW 0.05

/* log(1 + d) for d = 0..RS_PROMISE_BINS-1 (a quote takes a few hundred of them) */
_Static_assert(RS_PROMISE_BINS == 64, "LOG1P has 64 entries");
static const double LOG1P[RS_PROMISE_BINS] = {
    0, 0.69314718055994529, 1.0986122886681096, 1.3862943611198906,
    1.6094379124341003, 1.791759469228055, 1.9459101490553132, 2.0794415416798357,
    2.1972245773362196, 2.3025850929940459, 2.3978952727983707, 2.4849066497880004,
    2.5649493574615367, 2.6390573296152589, 2.7080502011022101, 2.7725887222397811,
    2.8332133440562162, 2.8903717578961645, 2.9444389791664403, 2.9957322735539909,
    3.044522437723423, 3.0910424533583161, 3.1354942159291497, 3.1780538303479458,
    3.2188758248682006, 3.2580965380214821, 3.2958368660043291, 3.3322045101752038,
    3.3672958299864741, 3.4011973816621555, 3.4339872044851463, 3.4657359027997265,
    3.4965075614664802, 3.5263605246161616, 3.5553480614894135, 3.5835189384561099,
    3.6109179126442243, 3.6375861597263857, 3.6635616461296463, 3.6888794541139363,
    3.713572066704308, 3.7376696182833684, 3.7612001156935624, 3.784189633918261,
    3.8066624897703196, 3.8286413964890951, 3.8501476017100584, 3.8712010109078907,
    3.8918202981106265, 3.912023005428146, 3.9318256327243257, 3.9512437185814275,
    3.970291913552122, 3.9889840465642745, 4.0073331852324712, 4.0253516907351496,
    4.0430512678345503, 4.0604430105464191, 4.0775374439057197, 4.0943445622221004,
    4.1108738641733114, 4.1271343850450917, 4.1431347263915326, 4.1588830833596715,
};

static double lg(int d)
{
    return LOG1P[d < 0 ? 0 : d >= RS_PROMISE_BINS ? RS_PROMISE_BINS - 1 : d];
}

static double hist_mean_log(const struct rs_promise_hist *h)
{
    double s = 0;
    for (int i = 0; i < RS_PROMISE_BINS; i++)
        if (h->w[i] > 0)
            s += h->w[i] * lg(i);
    return s / h->n;
}

/* The mean log duration of H shrunk towards PARENT; PARENT when H has no data. */
static double shrink_mean(const struct rs_promise_hist *h, int64_t now, double hl, double k,
                          double parent)
{
    double ne = h ? hist_neff(h, now, hl) : 0;
    if (ne <= 0)
        return parent;
    return (ne * hist_mean_log(h) + k * parent) / (ne + k);
}

/* The shrunk offset of H's mean from REF (a sibling refinement, e.g. the destination area
 * within its region). */
static double shrink_offset(const struct rs_promise_hist *h, int64_t now, double hl, double k,
                            double ref)
{
    double ne = h ? hist_neff(h, now, hl) : 0;
    if (ne <= 0)
        return 0;
    return ne * (hist_mean_log(h) - ref) / (ne + k);
}

struct chain;
static void locations(const struct rs_promise_model *m, const struct chain *c, int64_t now,
                      double *loc_h, double *loc_t);

static void resid_add(struct rs_promise_resid *r, int64_t day, double x, double half_life)
{
    int v = (int)floor((x - RLO) / RW);
    if (v < 0)
        v = 0;
    if (v >= RS_PROMISE_RBINS)
        v = RS_PROMISE_RBINS - 1;
    double wt = 1.0;
    if (r->n <= 0) {
        r->last_day = (int32_t)day;
    } else if (day > r->last_day) {
        double f = exp2(-(double)(day - r->last_day) / half_life);
        for (int i = 0; i < RS_PROMISE_RBINS; i++)
            r->w[i] = (float)(r->w[i] * f);
        r->n *= f;
        r->last_day = (int32_t)day;
    } else if (day < r->last_day) {
        wt = exp2(-(double)(r->last_day - day) / half_life);
    }
    r->w[v] += (float)wt;
    r->n += wt;
}

/* DIST (business days) = the residuals R around location LOC. */
static void resid_dist(const struct rs_promise_resid *r, double loc, double *dist)
{
    for (int i = 0; i < RS_PROMISE_BINS; i++)
        dist[i] = 0;
    /* e^(loc + centre of bin j), by repeated multiplication instead of one exp per bin */
    double e = exp(loc + RLO + 0.5 * RW), step = exp(RW);
    for (int j = 0; j < RS_PROMISE_RBINS; j++, e *= step) {
        if (r->w[j] <= 0)
            continue;
        double x = e - 1.0;
        long b = lround(x < 0 ? 0 : x);
        dist[b < RS_PROMISE_BINS ? b : RS_PROMISE_BINS - 1] += r->w[j] / r->n;
    }
}


/* Handling and transit distributions for lane chain C at day NOW. *N gets the weighted count of
 * the most specific node that has transit data (0 when only the prior is known). */
static void distributions(const struct rs_promise_model *m, const struct chain *c, int64_t now,
                          double *hd, double *td, double *n)
{
    double hl = m->p.half_life_days, k = m->p.prior_strength;
    prior(hd, true);
    prior(td, false);
    /* the root gets a tiny prior weight: its own data dominates as soon as there is any */
    if (c->global) {
        shrink(hd, &c->global->handling, now, hl, 0.5);
        shrink(td, &c->global->transit, now, hl, 0.5);
    }
    if (c->origin) {
        shrink(hd, &c->origin->handling, now, hl, k);
        shrink(td, &c->origin->transit, now, hl, k);
    }
    if (c->dest)
        shrink(td, &c->dest->transit, now, hl, k);
    if (c->lane) {
        shrink(hd, &c->lane->handling, now, hl, k);
        shrink(td, &c->lane->transit, now, hl, k);
    }
    if (c->destpc)
        shrink(td, &c->destpc->transit, now, hl, k);
    if (c->seller)
        shrink(hd, &c->seller->handling, now, hl, k);
    *n = 0;
    if (c->lane)
        *n = hist_neff(&c->lane->transit, now, hl);
    if (m->p.location_scale && m->resid_transit.n >= RS_PROMISE_RESID_MIN &&
        m->resid_handling.n >= RS_PROMISE_RESID_MIN) {
        double lh, lt, rh[RS_PROMISE_BINS], rt[RS_PROMISE_BINS];
        locations(m, c, now, &lh, &lt);
        resid_dist(&m->resid_handling, lh, rh);
        resid_dist(&m->resid_transit, lt, rt);
        /* a sparse lane's location is itself uncertain: keep part of the hierarchy's mixture
         * (which is wide where the parents disagree) until the lane has data. Only a small
         * part: the residuals already hold the model's own error, sparse lanes' included
         * (each was taken against the location predicted before its row was learnt), so a
         * share 3/(n + 3) counted that uncertainty twice (docs/promise.md, "Measured") */
        double a = *n > 0 ? *n / (*n + m->p.lane_mix) : 0.0;
        for (int i = 0; i < RS_PROMISE_BINS; i++) {
            hd[i] = a * rh[i] + (1 - a) * hd[i];
            td[i] = a * rt[i] + (1 - a) * td[i];
        }
    }
}

/* The proximity offset of category CAT at day NOW: the category's mean residual minus the mean
 * of all, shrunk towards 0 with prior strength K (0 without data). */
static double offset_of(const struct rs_promise_offsets *o, int cat, int64_t now, double hl,
                        double k)
{
    if (cat < 0 || cat >= RS_PROMISE_PROX_CATS || !(o->w[cat] > 0))
        return 0;
    double s = 0, w = 0;
    for (int i = 0; i < RS_PROMISE_PROX_CATS; i++) {
        s += o->s[i];
        w += o->w[i];
    }
    /* sums and weights decay together, so the means need no rescaling; the count does */
    double n = o->w[cat];
    if (now > o->last_day)
        n *= exp2(-(double)(now - o->last_day) / hl);
    return n / (n + k) * (o->s[cat] / o->w[cat] - s / w);
}

static void offset_add(struct rs_promise_offsets *o, int cat, int64_t day, double x, double hl)
{
    if (cat < 0 || cat >= RS_PROMISE_PROX_CATS)
        return;
    double wt = 1.0, w = 0;
    for (int i = 0; i < RS_PROMISE_PROX_CATS; i++)
        w += o->w[i];
    if (w <= 0) {
        o->last_day = (int32_t)day;
    } else if (day > o->last_day) {
        double f = exp2(-(double)(day - o->last_day) / hl);
        for (int i = 0; i < RS_PROMISE_PROX_CATS; i++) {
            o->s[i] *= f;
            o->w[i] *= f;
        }
        o->last_day = (int32_t)day;
    } else if (day < o->last_day) {
        wt = exp2(-(double)(o->last_day - day) / hl);
    }
    o->s[cat] += wt * x;
    o->w[cat] += wt;
}

/* The locations (mean log(1 + business days)) of handling and transit for chain C. */
static void locations(const struct rs_promise_model *m, const struct chain *c, int64_t now,
                      double *loc_h, double *loc_t)
{
    double hl = m->p.half_life_days, k = m->p.mean_prior;
    double gh = shrink_mean(c->global ? &c->global->handling : NULL, now, hl, 0.5, lg(2));
    double gt = shrink_mean(c->global ? &c->global->transit : NULL, now, hl, 0.5, lg(7));
    /* transit: global -> destination region -> lane, plus the destination area's offset from
     * its region */
    double dt = shrink_mean(c->dest ? &c->dest->transit : NULL, now, hl, k, gt);
    double lt = shrink_mean(c->lane ? &c->lane->transit : NULL, now, hl, k, dt);
    lt += shrink_offset(c->destpc ? &c->destpc->transit : NULL, now, hl, k, dt);
    /* handling: global -> origin region -> lane, plus the seller's offset from its region */
    double oh = shrink_mean(c->origin ? &c->origin->handling : NULL, now, hl, k, gh);
    double lh = shrink_mean(c->lane ? &c->lane->handling : NULL, now, hl, k, oh);
    lh += shrink_offset(c->seller ? &c->seller->handling : NULL, now, hl, k, oh);
    if (m->p.proximity)
        lt += offset_of(&m->off_transit, c->prox, now, hl, m->p.offset_prior);
    *loc_h = lh;
    *loc_t = lt;
}

/* Keep the part of DIST at or above FROM, renormalised (the days already spent). */
static void condition(double *dist, int nbins, int from)
{
    if (from <= 0)
        return;
    if (from >= nbins)
        from = nbins - 1;
    double s = 0;
    for (int i = 0; i < nbins; i++) {
        if (i < from)
            dist[i] = 0;
        s += dist[i];
    }
    if (s <= 1e-12) {
        /* past everything seen: assume it arrives within a few more days */
        for (int i = from; i < nbins && i < from + 3; i++)
            dist[i] = 1.0;
        s = 0;
        for (int i = 0; i < nbins; i++)
            s += dist[i];
    }
    for (int i = 0; i < nbins; i++)
        dist[i] /= s;
}

static int quantile(const double *dist, int nbins, double level)
{
    double c = 0;
    for (int i = 0; i < nbins; i++) {
        c += dist[i];
        if (c >= level - 1e-9)
            return i;
    }
    return nbins - 1;
}

static double cdf(const double *dist, int nbins, int at)
{
    double c = 0;
    for (int i = 0; i <= at && i < nbins; i++)
        c += dist[i];
    return c > 1.0 ? 1.0 : c;
}

/* Fill OUT from distribution DIST of business days counted from day FROM. */
static void window(const struct rs_calendar *cal, const double *dist, int nbins, int64_t from,
                   double target, double peak, double aci, double n, double low_n,
                   struct rs_promise *out)
{
    double lo = 1.0 - target;
    int qe = quantile(dist, nbins, lo), qm = quantile(dist, nbins, 0.5);
    int ql = quantile(dist, nbins, target);
    /* the stated probability is the model's own, before the peak/calibration stretch */
    out->probability = cdf(dist, nbins, ql);
    qe = (int)floor(qe * peak);
    qm = (int)lround(qm * peak);
    ql = (int)ceil(ql * peak * exp(aci) - 1e-9);
    if (ql < qm)
        ql = qm;
    out->earliest = rs_calendar_add_business_days(cal, from, qe);
    out->likely = rs_calendar_add_business_days(cal, from, qm);
    out->latest = rs_calendar_add_business_days(cal, from, ql);
    out->confidence = target;
    out->n = n;
    out->low_confidence = n < low_n;
}

/* The default promise: minimise (calendar days of slack) + mu * P(late) over the promised
 * business day L. Across many orders this gives the fewest days of promise for a given share of
 * late orders (Lagrange: every order stops where its probability density per day falls below
 * 1/mu), instead of spending many days on long-tailed lanes to reach the same quantile
 * everywhere; mu = mu0 * e^aci is tuned online so that the share of orders on time is the
 * target. The stated probability is the model's own CDF at L (calibrated per order). */
static void window_cost(const struct rs_calendar *cal, const double *dist, int nbins,
                        int64_t from, double target, double peak, double aci, double mu0,
                        double n, double low_n, struct rs_promise *out)
{
    double s[TOT_BINS] = {0}, w[TOT_BINS] = {0};
    if (nbins > TOT_BINS)
        nbins = TOT_BINS;
    /* mu alone cannot push the promise past the learnt durations (a strike makes everything
     * slower than ever seen): a high calibration term also stretches the durations the promise
     * is read from (W); the earliest and most likely days come from S (peak stretch only) */
    double st = aci > 0 ? peak * exp(0.25 * aci) : peak;
    for (int i = 0; i < nbins; i++) {
        int j = peak > 1.0 ? (int)lround(i * peak) : i;
        s[j < nbins ? j : nbins - 1] += dist[i];
        j = st > 1.0 ? (int)ceil(i * st - 1e-9) : i;
        w[j < nbins ? j : nbins - 1] += dist[i];
    }
    int qe = quantile(s, nbins, 1.0 - target), qm = quantile(s, nbins, 0.5);
    double mu = mu0 * exp(aci);
    int64_t day = rs_calendar_add_business_days(cal, from, 0);
    int best = qm;
    int64_t best_day = 0;
    double cum = 0, best_cost = 1e300;
    for (int l = 0; l < nbins; l++) {
        if (l > 0)
            day = rs_calendar_add_business_days(cal, day, 1);
        cum += w[l];
        if (l < qm)
            continue;
        double cost = (double)(day - from) + mu * (1.0 - (cum > 1.0 ? 1.0 : cum));
        if (cost < best_cost) {
            best_cost = cost;
            best = l;
            best_day = day;
        }
        if (cum >= 1.0 - 1e-9)
            break;
    }
    out->probability = cdf(w, nbins, best);
    out->earliest = rs_calendar_add_business_days(cal, from, qe);
    out->likely = rs_calendar_add_business_days(cal, from, qm);
    out->latest = best_day;
    out->confidence = target;
    out->n = n;
    out->low_confidence = n < low_n;
}

static double target_of(const struct rs_promise_model *m, double confidence)
{
    return confidence > 0.5 && confidence < 1.0 ? confidence : m->p.confidence;
}

/* Promise at placement from chain C, with calibration term ACI. */
static void quote_chain(const struct rs_promise_model *m, const struct rs_calendar *cal,
                        const struct chain *c, int64_t start, int64_t now, int handling_spent,
                        double target, double aci, struct rs_promise *out)
{
    double hd[RS_PROMISE_BINS], td[RS_PROMISE_BINS], tot[TOT_BINS], n;
    distributions(m, c, now, hd, td, &n);
    condition(hd, RS_PROMISE_BINS, handling_spent);
    for (int i = 0; i < TOT_BINS; i++)
        tot[i] = 0;
    /* handling is in dispatch days, transit in business days: a hand-over I dispatch days after
     * START is on day SHIP, whose transit counts from business day AT after START's (the same
     * I when the merchant dispatches on the business days) */
    int64_t base = rs_calendar_add_business_days(cal, start, 0);
    int64_t ship = rs_calendar_add_dispatch_days(cal, start, 0);
    int at = rs_calendar_business_days_between(cal, base, rs_calendar_add_business_days(cal, ship, 0));
    for (int i = 0; i < RS_PROMISE_BINS; i++) {
        if (i > 0) {
            int64_t next = rs_calendar_add_dispatch_days(cal, ship, 1);
            at += rs_calendar_business_days_between(cal, rs_calendar_add_business_days(cal, ship, 0),
                                                    rs_calendar_add_business_days(cal, next, 0));
            ship = next;
        }
        if (hd[i] <= 0)
            continue;
        int o = at < 0 ? 0 : at > RS_PROMISE_BINS - 1 ? RS_PROMISE_BINS - 1 : at;
        for (int j = 0; j < RS_PROMISE_BINS; j++)
            tot[o + j] += hd[i] * td[j];
    }
    double peak = rs_promise_is_peak(now) ? m->p.peak_stretch : 1.0;
    if (m->p.equal_quantile)
        window(cal, tot, TOT_BINS, start, target, peak, aci, n, m->p.low_n, out);
    else
        window_cost(cal, tot, TOT_BINS, start, target, peak, aci, m->p.mu0, n, m->p.low_n, out);
}

/* Re-estimate from the hand-over on SHIPPED, ELAPSED business days of transit already spent. */
static void transit_chain(const struct rs_promise_model *m, const struct rs_calendar *cal,
                          const struct chain *c, int64_t shipped, int64_t now, int elapsed,
                          double target, struct rs_promise *out)
{
    double hd[RS_PROMISE_BINS], td[RS_PROMISE_BINS], n;
    distributions(m, c, now, hd, td, &n);
    condition(td, RS_PROMISE_BINS, elapsed);
    double peak = rs_promise_is_peak(shipped) ? m->p.peak_stretch : 1.0;
    if (m->p.equal_quantile)
        window(cal, td, RS_PROMISE_BINS, shipped, target, peak, m->aci_handover, n, m->p.low_n,
               out);
    else
        window_cost(cal, td, RS_PROMISE_BINS, shipped, target, peak, m->aci_handover, m->p.mu0,
                    n, m->p.low_n, out);
}

enum rs_err rs_promise_quote(const struct rs_promise_model *m, const struct rs_calendar *cal,
                             const struct rs_promise_lane *lane, int64_t placed_day,
                             int placed_minute, double confidence, struct rs_promise *out)
{
    if (!m || !cal || !lane || !out || placed_minute < 0 || placed_minute >= 1440)
        return RS_EINVAL;
    struct chain c;
    lookup(m, lane, &c);
    int64_t start = rs_calendar_start_day(cal, placed_day, placed_minute);
    quote_chain(m, cal, &c, start, placed_day, 0, target_of(m, confidence), m->aci_place, out);
    return RS_OK;
}

void rs_promise_calibrate(struct rs_promise_model *m, bool at_handover, bool late)
{
    double *a = at_handover ? &m->aci_handover : &m->aci_place;
    /* the cost mode moves log(mu), whose useful range is wider than a log-stretch's */
    double g = m->p.equal_quantile ? m->p.aci_gamma : 4.0 * m->p.aci_gamma;
    double lim = m->p.equal_quantile ? 0.7 : RS_PROMISE_ACI_LIMIT;
    *a += g * ((late ? 1.0 : 0.0) - (1.0 - m->p.confidence));
    if (*a > lim)
        *a = lim;
    if (*a < -lim)
        *a = -lim;
}

/* The promise the model would make now for O's term: at placement, or at hand-over (false
 * when O was not handed over). */
static bool term_promise(const struct rs_promise_model *m, const struct rs_calendar *cal, const struct chain *c,
                         const struct rs_promise_obs *o, bool at_handover, struct rs_promise *pr)
{
    if (!at_handover) {
        int64_t start = rs_calendar_start_day(cal, o->placed_day, o->placed_minute);
        quote_chain(m, cal, c, start, o->placed_day, 0, m->p.confidence, m->aci_place, pr);
        return true;
    }
    if (o->shipped_day < 0)
        return false;
    transit_chain(m, cal, c, o->shipped_day, o->shipped_day, 0, m->p.confidence, pr);
    return true;
}

unsigned rs_promise_report_overdue(struct rs_promise_model *m, const struct rs_calendar *cal,
                                   const struct rs_promise_obs *o, int64_t today)
{
    if (!m || !cal || !o || o->placed_minute < 0 || o->placed_minute >= 1440)
        return 0;
    unsigned done = 0;
    static const unsigned term[2] = {RS_PROMISE_TERM_PLACE, RS_PROMISE_TERM_HANDOVER};
    struct chain c;
    lookup(m, &o->lane, &c);
    for (int k = 0; k < 2; k++) {
        struct rs_promise pr;
        if ((o->reported & term[k]) || !term_promise(m, cal, &c, o, k == 1, &pr) || today <= pr.latest)
            continue;
        rs_promise_calibrate(m, k == 1, true);
        done |= term[k];
    }
    return done;
}

enum rs_err rs_promise_learn(struct rs_promise_model *m, const struct rs_calendar *cal,
                             const struct rs_promise_obs *o, bool calibrate)
{
    if (!m || !cal || !o || o->placed_minute < 0 || o->placed_minute >= 1440)
        return RS_EINVAL;
    if (o->delivered_day < o->placed_day)
        return RS_EINVAL;
    if (o->shipped_day >= 0 && o->shipped_day > o->delivered_day)
        return RS_EINVAL;
    if (o->delivered_day - o->placed_day > 366)
        return RS_EINVAL;
    int64_t start = rs_calendar_start_day(cal, o->placed_day, o->placed_minute);
    /* a delivery on a weekend or holiday counts as the next business day: a promise (always a
     * business day) must be that one to cover it, not the business day before */
    int64_t deliv = rs_calendar_add_business_days(cal, o->delivered_day, 0);
    int h = -1, t;
    if (o->shipped_day >= 0) {
        h = rs_calendar_dispatch_days_between(cal, start, o->shipped_day);
        if (h < 0)
            h = 0;
        t = rs_calendar_business_days_between(cal, o->shipped_day, deliv);
    } else {
        t = rs_calendar_business_days_between(cal, start, deliv);
    }
    if (t < 0)
        t = 0;

    struct chain c; /* the lane's nodes before this row is learnt (calibration moves no node) */
    lookup(m, &o->lane, &c);
    if (calibrate) {
        struct rs_promise pr;
        if (!(o->reported & RS_PROMISE_TERM_PLACE) && term_promise(m, cal, &c, o, false, &pr))
            rs_promise_calibrate(m, false, o->delivered_day > pr.latest);
        if (!(o->reported & RS_PROMISE_TERM_HANDOVER) && term_promise(m, cal, &c, o, true, &pr))
            rs_promise_calibrate(m, true, o->delivered_day > pr.latest);
    }

    double hl = m->p.half_life_days;
    int64_t day = o->delivered_day; /* observations are weighted by when they were seen */
    {
        /* the residuals against the locations predicted before this row is learnt */
        double lh, lt;
        locations(m, &c, day, &lh, &lt);
        if (h >= 0)
            resid_add(&m->resid_handling, day, lg(h) - lh, hl);
        resid_add(&m->resid_transit, day, lg(t) - lt, hl);
        /* the proximity sums learn the residual against the location without their own term */
        double off = m->p.proximity ? offset_of(&m->off_transit, c.prox, day, hl,
                                                m->p.offset_prior)
                                    : 0;
        offset_add(&m->off_transit, c.prox, day, lg(t) - lt + off, hl);
    }
    for (int lv = 0; lv < RS_PROMISE_LEVELS; lv++) {
        struct key k;
        if (!make_key(&k, &o->lane, (enum rs_promise_level)lv, m->p.dest_postcode_digits))
            continue;
        struct rs_promise_node *n = find(m, &k, true);
        if (!n) {
            m->n_dropped++;
            continue;
        }
        /* destination nodes only learn transit, the seller node only handling */
        if (h >= 0 && lv != RS_PROMISE_DEST && lv != RS_PROMISE_DESTPC)
            hist_add(&n->handling, day, h, hl);
        if (lv != RS_PROMISE_SELLER)
            hist_add(&n->transit, day, t, hl);
    }
    m->n_learned++;
    return RS_OK;
}

enum rs_err rs_promise_reestimate(const struct rs_promise_model *m,
                                  const struct rs_calendar *cal,
                                  const struct rs_promise_lane *lane,
                                  const struct rs_promise_state *st, double confidence,
                                  struct rs_promise *out)
{
    if (!m || !cal || !lane || !st || !out || st->placed_minute < 0 || st->placed_minute >= 1440)
        return RS_EINVAL;
    double target = target_of(m, confidence);
    struct chain c;
    lookup(m, lane, &c);
    /* nothing happens to an order before it is placed (an event or update stamped earlier,
     * or an order placed ahead of the clock): re-estimate as of the placement at the soonest */
    int64_t today = st->today < st->placed_day ? st->placed_day : st->today;
    switch (st->status) {
    case RS_STATUS_DELIVERED:
    case RS_STATUS_RETURNING:
    case RS_STATUS_RETURNED:
    case RS_STATUS_EXPIRED:
        return RS_ENOTFOUND;
    case RS_STATUS_OUT_FOR_DELIVERY:
        out->earliest = out->likely = out->latest = today;
        out->probability = 0.95; /* carriers finish most out-for-delivery rounds the same day */
        out->confidence = target;
        out->n = 0;
        out->low_confidence = false;
        return RS_OK;
    case RS_STATUS_ATTEMPT_FAILED:
        out->earliest = out->likely = rs_calendar_add_business_days(cal, today + 1, 0);
        out->latest = rs_calendar_add_business_days(cal, today, 2);
        out->probability = 0.8;
        out->confidence = target;
        out->n = 0;
        out->low_confidence = false;
        return RS_OK;
    case RS_STATUS_AVAILABLE_FOR_PICKUP:
        out->earliest = out->likely = today;
        out->latest = rs_calendar_add_business_days(cal, today, 5);
        out->probability = 0.8;
        out->confidence = target;
        out->n = 0;
        out->low_confidence = false;
        return RS_OK;
    default:
        break;
    }
    if (st->shipped_day >= 0) {
        int elapsed = rs_calendar_business_days_between(cal, st->shipped_day, today);
        transit_chain(m, cal, &c, st->shipped_day, today, elapsed < 0 ? 0 : elapsed, target, out);
    } else {
        int64_t start = rs_calendar_start_day(cal, st->placed_day, st->placed_minute);
        int spent = today > start ? rs_calendar_dispatch_days_between(cal, start, today) : 0;
        quote_chain(m, cal, &c, start, today, spent, target, m->aci_place, out);
    }
    if (out->latest < today)
        out->latest = today;
    if (out->likely < today)
        out->likely = today;
    if (out->earliest < today)
        out->earliest = today;
    if (st->status == RS_STATUS_EXCEPTION) {
        int width = rs_calendar_business_days_between(cal, out->earliest, out->latest);
        out->latest = rs_calendar_add_business_days(cal, out->latest, width < 3 ? 3 : width);
        out->probability *= 0.5; /* nobody knows: say so */
        out->low_confidence = true;
    }
    return RS_OK;
}

const char *rs_promise_public_reason(const char *reason)
{
    static const struct {
        const char *history, *public;
    } map[] = {
        {"carrier_estimate", "carrier_estimate"},
        {"exception", "exception"},
        {"attempt_failed", "attempt_failed"},
        {"overdue", "running_late"},
        {"handed_over", "handed_over"},
        {"updated", "shipment_updated"},
        {"created", NULL},
        {"delivered", NULL},
    };
    if (!reason || !*reason)
        return NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].history, reason) == 0)
            return map[i].public;
    /* any other status the parcel moved to (in transit, out for delivery, a pickup point…) */
    return rs_status_parse(reason) != RS_STATUS_NONE ? "carrier_news" : NULL;
}
