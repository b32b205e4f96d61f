/* promise_io.c — promise model files (see promise_io.h). */
#include "app/promise_io.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *hist_json(const struct rs_promise_hist *h)
{
    json_t *w = json_object();
    for (int i = 0; i < RS_PROMISE_BINS; i++) {
        if (h->w[i] > 0) {
            char k[16];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(w, k, json_real(h->w[i]));
        }
    }
    return json_pack("{s:i,s:o}", "last_day", (json_int_t)h->last_day, "w", w);
}

/* Location-scale residuals: {"last_day", "w": {"bin": weight}} (absent in older files). */
static json_t *resid_json(const struct rs_promise_resid *r)
{
    json_t *w = json_object();
    for (int i = 0; i < RS_PROMISE_RBINS; i++) {
        if (r->w[i] > 0) {
            char k[16];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(w, k, json_real(r->w[i]));
        }
    }
    return json_pack("{s:i,s:o}", "last_day", (json_int_t)r->last_day, "w", w);
}

static int resid_load(struct rs_promise_resid *r, json_t *j)
{
    memset(r, 0, sizeof *r);
    if (!j)
        return 0; /* older model: the engine falls back to the histogram mixture */
    json_t *w = json_object_get(j, "w"), *ld = json_object_get(j, "last_day");
    if (!json_is_object(w) || !json_is_integer(ld))
        return -1;
    r->last_day = (int32_t)json_integer_value(ld);
    const char *k;
    json_t *v;
    json_object_foreach(w, k, v)
    {
        char *end;
        long b = strtol(k, &end, 10);
        if (*end || b < 0 || b >= RS_PROMISE_RBINS || !json_is_number(v))
            return -1;
        double x = json_number_value(v);
        if (!(x >= 0 && x < 1e12))
            return -1;
        r->w[b] = (float)x;
        r->n += x;
    }
    return 0;
}

/* Proximity offsets: {"last_day", "s": [sum per category], "w": [weight per category]} (absent in
 * older files: no offsets until the model learns again). */
static json_t *offsets_json(const struct rs_promise_offsets *o)
{
    json_t *s = json_array(), *w = json_array();
    for (int i = 0; i < RS_PROMISE_PROX_CATS; i++) {
        json_array_append_new(s, json_real(o->s[i]));
        json_array_append_new(w, json_real(o->w[i]));
    }
    return json_pack("{s:i,s:o,s:o}", "last_day", (json_int_t)o->last_day, "s", s, "w", w);
}

static int offsets_load(struct rs_promise_offsets *o, json_t *j)
{
    memset(o, 0, sizeof *o);
    if (!j)
        return 0;
    json_t *s = json_object_get(j, "s"), *w = json_object_get(j, "w");
    json_t *ld = json_object_get(j, "last_day");
    if (!json_is_array(s) || !json_is_array(w) || !json_is_integer(ld) ||
        json_array_size(s) != RS_PROMISE_PROX_CATS || json_array_size(w) != RS_PROMISE_PROX_CATS)
        return -1;
    o->last_day = (int32_t)json_integer_value(ld);
    for (int i = 0; i < RS_PROMISE_PROX_CATS; i++) {
        json_t *a = json_array_get(s, (size_t)i), *b = json_array_get(w, (size_t)i);
        if (!json_is_number(a) || !json_is_number(b))
            return -1;
        double x = json_number_value(a), y = json_number_value(b);
        /* a sum of log residuals is bounded by its weight times the residual range */
        if (!(y >= 0 && y < 1e12) || !(fabs(x) <= 10 * y))
            return -1;
        o->s[i] = x;
        o->w[i] = y;
    }
    return 0;
}

static json_t *model_json(const struct rs_promise_model *m)
{
    json_t *nodes = json_array();
    for (int i = 0; i < RS_PROMISE_MAX_NODES; i++) {
        const struct rs_promise_node *n = &m->nodes[i];
        if (!n->used)
            continue;
        json_array_append_new(
            nodes, json_pack("{s:i,s:s,s:s,s:s,s:s,s:o,s:o}", "level", (int)n->level, "origin",
                             n->origin, "dest", n->dest, "carrier", n->carrier, "service",
                             n->service, "handling", hist_json(&n->handling), "transit",
                             hist_json(&n->transit)));
    }
    json_t *root = json_pack(
        "{s:s,s:i,s:{s:f,s:f,s:f,s:f,s:f},s:f,s:f,s:I,s:o}", "format", "rastro-promise", "version",
        1, "params", "confidence", m->p.confidence, "half_life_days", m->p.half_life_days,
        "prior_strength", m->p.prior_strength, "aci_gamma", m->p.aci_gamma, "low_n", m->p.low_n,
        "aci_place", m->aci_place, "aci_handover", m->aci_handover, "n_learned",
        (json_int_t)m->n_learned, "nodes", nodes);
    if (root) {
        json_object_set_new(root, "resid_handling", resid_json(&m->resid_handling));
        json_object_set_new(root, "resid_transit", resid_json(&m->resid_transit));
        json_object_set_new(root, "offsets_transit", offsets_json(&m->off_transit));
    }
    return root;
}

enum rs_err rs_promise_to_text(const struct rs_promise_model *m, char **out)
{
    json_t *root = model_json(m);
    if (!root)
        return RS_EINTERNAL;
    *out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return *out ? RS_OK : RS_ENOMEM;
}

enum rs_err rs_promise_save(const struct rs_promise_model *m, const char *path)
{
    json_t *root = model_json(m);
    if (!root)
        return RS_EINTERNAL;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        json_decref(root);
        return RS_EINVAL;
    }
    int rc = json_dump_file(root, tmp, JSON_COMPACT);
    json_decref(root);
    if (rc != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return RS_EIO;
    }
    return RS_OK;
}

static int hist_load(struct rs_promise_hist *h, json_t *j)
{
    json_t *w = json_object_get(j, "w"), *ld = json_object_get(j, "last_day");
    if (!json_is_object(w) || !json_is_integer(ld))
        return -1;
    h->last_day = (int32_t)json_integer_value(ld);
    h->n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(w, k, v)
    {
        char *end;
        long b = strtol(k, &end, 10);
        if (*end || b < 0 || b >= RS_PROMISE_BINS || !json_is_number(v))
            return -1;
        double x = json_number_value(v);
        if (!(x >= 0 && x < 1e12))
            return -1;
        h->w[b] = (float)x;
        h->n += x;
    }
    return 0;
}

static enum rs_err model_from_json(struct rs_promise_model *m, json_t *root, const char **why)
{
    enum rs_err e = RS_EINVAL;
    struct rs_promise_params p;
    rs_promise_params_default(&p);
    json_t *params = json_object_get(root, "params"), *nodes = json_object_get(root, "nodes");
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, "rastro-promise") != 0 ||
        json_integer_value(json_object_get(root, "version")) != 1 || !json_is_object(params) ||
        !json_is_array(nodes)) {
        *why = "not a rastro promise model (format/version)";
        goto out;
    }
    p.confidence = json_number_value(json_object_get(params, "confidence"));
    p.half_life_days = json_number_value(json_object_get(params, "half_life_days"));
    p.prior_strength = json_number_value(json_object_get(params, "prior_strength"));
    p.aci_gamma = json_number_value(json_object_get(params, "aci_gamma"));
    p.low_n = json_number_value(json_object_get(params, "low_n"));
    /* a missing or absurd parameter takes its default (hand-edited or old files) */
    struct rs_promise_params def;
    rs_promise_params_default(&def);
    if (!(p.confidence > 0.5 && p.confidence < 1))
        p.confidence = def.confidence;
    if (!(p.half_life_days > 0 && p.half_life_days < 1e6))
        p.half_life_days = def.half_life_days;
    if (!(p.prior_strength >= 0 && p.prior_strength < 1e6))
        p.prior_strength = def.prior_strength;
    if (!(p.aci_gamma >= 0 && p.aci_gamma < 1))
        p.aci_gamma = def.aci_gamma;
    if (!(p.low_n >= 0 && p.low_n < 1e6))
        p.low_n = def.low_n;
    rs_promise_model_init(m, &p);
    m->aci_place = json_number_value(json_object_get(root, "aci_place"));
    m->aci_handover = json_number_value(json_object_get(root, "aci_handover"));
    /* the limit the calibration keeps to (a long strike of late parcels reaches past ±1) */
    if (!(fabs(m->aci_place) <= RS_PROMISE_ACI_LIMIT && fabs(m->aci_handover) <= RS_PROMISE_ACI_LIMIT)) {
        *why = "calibration terms out of range";
        goto out;
    }
    m->n_learned = json_integer_value(json_object_get(root, "n_learned"));
    if (resid_load(&m->resid_handling, json_object_get(root, "resid_handling")) ||
        resid_load(&m->resid_transit, json_object_get(root, "resid_transit"))) {
        *why = "bad residual histogram";
        goto out;
    }
    if (offsets_load(&m->off_transit, json_object_get(root, "offsets_transit"))) {
        *why = "bad proximity offsets";
        goto out;
    }
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        json_t *lv = json_object_get(n, "level");
        const char *o = json_string_value(json_object_get(n, "origin"));
        const char *d = json_string_value(json_object_get(n, "dest"));
        const char *c = json_string_value(json_object_get(n, "carrier"));
        const char *s = json_string_value(json_object_get(n, "service"));
        if (!json_is_integer(lv) || json_integer_value(lv) < 0 || json_integer_value(lv) >= RS_PROMISE_LEVELS ||
            !o || !d || !c || !s) {
            *why = "bad node";
            goto out;
        }
        struct rs_promise_node *node = rs_promise_node_put(
            m, (enum rs_promise_level)json_integer_value(lv), o, d, c, s);
        if (!node) {
            *why = "too many nodes";
            goto out;
        }
        if (hist_load(&node->handling, json_object_get(n, "handling")) ||
            hist_load(&node->transit, json_object_get(n, "transit"))) {
            *why = "bad histogram";
            goto out;
        }
    }
    e = RS_OK;
out:
    return e;
}

enum rs_err rs_promise_load(struct rs_promise_model *m, const char *path, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        *why = "cannot read or parse the file";
        return RS_EIO;
    }
    enum rs_err e = model_from_json(m, root, why);
    json_decref(root);
    return e;
}

enum rs_err rs_promise_from_text(struct rs_promise_model *m, const char *text, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    json_error_t jerr;
    json_t *root = text ? json_loads(text, 0, &jerr) : NULL;
    if (!root) {
        *why = "not JSON";
        return RS_EINVAL;
    }
    enum rs_err e = model_from_json(m, root, why);
    json_decref(root);
    return e;
}
