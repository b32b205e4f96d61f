/* hook_aftership.c — AfterShip Tracking webhooks (`tracking_update`, `edd_revise`).
 *
 * Body: {event, event_id, is_tracking_first_tag, msg: Tracking, ts}. The legacy (API v4)
 * deliveries have the same envelope without event_id; some integrations wrap the tracking in
 * "data" instead of "msg", so both are read. Tracking: id, tracking_number, slug (carrier),
 * tag, subtag, order_number/order_id, shipment_type, updated_at, checkpoints[] each
 * {checkpoint_time, message, tag, subtag, subtag_message, location, city, state,
 * zip | postal_code (renamed in 2026-01), country_iso3 | country_region (ISO alpha-3)}.
 *
 * checkpoint_time is "provided by the carrier" and "uses the timezone of the checkpoint"
 * (AfterShip's Checkpoint model), and often has NO offset. A value with an offset is used as
 * given. Without one, it is the local time of the checkpoint's country (country_iso3 /
 * country_region), else of the tracking's destination country (destination_country_iso3 /
 * destination_country_region), else of its origin country, in that country's time zone
 * (util/tz.h: for a country with several, where most people live — ES is Europe/Madrid).
 * Only when no country is known is it taken as UTC. A tracking with no checkpoints yet yields
 * one event from its own tag/subtag at updated_at. event_id is the de-duplication key. */
#include <stdio.h>
#include <string.h>

#include "ingest/hook_util.h"
#include "util/timefmt.h"
#include "util/tz.h"

/* CHECKPOINT_TIME of field NAME: with its own offset, else the local time of country CC
 * (alpha-2, may be NULL), else UTC. */
static enum rs_err local_time(const char *when, const char *name, const char *cc, int64_t *epoch,
                              int *offset_min, char *err, size_t errcap)
{
    if (rs_time_parse(when, false, epoch, offset_min) == RS_OK && *epoch > 0)
        return RS_OK;
    RS_HK_TRY(rs_hk_time(when, name, false, epoch, offset_min, err, errcap));
    int64_t wall = *epoch, t;
    int off;
    if (cc && rs_tz_country_instant(cc, wall, &t, &off) == RS_OK && t > 0) {
        *epoch = t;
        *offset_min = off;
    }
    return RS_OK;
}

static enum rs_err checkpoint(struct rs_inbound *in, const json_t *cp, const char *path,
                              const struct rs_shipment_in *sh, const char *tracking_cc, char *err,
                              size_t errcap)
{
    if (!json_is_object(cp))
        return rs_hk_fail(err, errcap, "%s: expected an object", path);
    const char *when, *message, *tag, *subtag, *submsg, *where, *city, *state, *zip, *pc,
        *iso3, *region;
    RS_HK_TRY(rs_hk_str(cp, "checkpoint_time", path, &when, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "message", path, &message, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "tag", path, &tag, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "subtag", path, &subtag, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "subtag_message", path, &submsg, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "location", path, &where, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "city", path, &city, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "state", path, &state, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "zip", path, &zip, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "postal_code", path, &pc, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "country_iso3", path, &iso3, err, errcap));
    RS_HK_TRY(rs_hk_str(cp, "country_region", path, &region, err, errcap));
    if (!when)
        return rs_hk_fail(err, errcap, "%s.checkpoint_time: missing", path);

    struct rs_event_in *ev = rs_hk_add_event(in);
    if (!ev)
        return rs_hk_add_failed(in, err, errcap);
    char name[96];
    snprintf(name, sizeof name, "%s.checkpoint_time", path);
    ev->location.city = city ? city : where;
    ev->location.region = state;
    ev->location.postal_code = zip ? zip : pc;
    ev->location.country = rs_hk_country(iso3 ? iso3 : region);
    /* carrier-local time without offset: the checkpoint's country (see the file comment) */
    RS_HK_TRY(local_time(when, name, ev->location.country ? ev->location.country : tracking_cc,
                         &ev->occurred_at, &ev->offset_min, err, errcap));
    ev->carrier = sh->carrier;
    ev->tracking_number = sh->tracking_number;
    ev->message = message ? message : submsg;
    ev->source = "aftership";
    tag = rs_hk_code_of(in, tag, subtag); /* subtags are "<Tag>_NNN" */
    return rs_hk_status(in, ev, "aftership", tag, subtag, -1, err, errcap);
}

static enum rs_err parse(const char *body, size_t len, const char *topic, struct rs_inbound *in,
                         char *err, size_t errcap)
{
    static const char *const types[] = {"tracking_update", "edd_revise", NULL};
    RS_HK_TRY(rs_hk_load(in, body, len, "AfterShip webhook", err, errcap));
    RS_HK_TRY(rs_hk_event(in, "event", topic, "aftership", "AfterShip webhook", types, err,
                          errcap));
    const json_t *root = in->root_;
    RS_HK_TRY(rs_hk_str(root, "event_id", "", &in->delivery_id, err, errcap));

    json_t *msg, *cps;
    const char *wrap = "msg";
    RS_HK_TRY(rs_hk_obj(root, "msg", "", &msg, err, errcap));
    if (!msg) {
        wrap = "data";
        RS_HK_TRY(rs_hk_obj(root, "data", "", &msg, err, errcap));
    }
    if (!msg)
        return rs_hk_fail(err, errcap, "AfterShip webhook: missing \"msg\" (the Tracking)");
    const char *number, *slug, *tag, *subtag, *order_number, *order_id, *updated;
    RS_HK_TRY(rs_hk_str(msg, "id", wrap, &in->tracker_id, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "tracking_number", wrap, &number, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "slug", wrap, &slug, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "tag", wrap, &tag, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "subtag", wrap, &subtag, err, errcap));
    RS_HK_TRY(rs_hk_id(in, msg, "order_number", wrap, &order_number, err, errcap));
    RS_HK_TRY(rs_hk_id(in, msg, "order_id", wrap, &order_id, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "updated_at", wrap, &updated, err, errcap));
    RS_HK_TRY(rs_hk_arr(msg, "checkpoints", wrap, &cps, err, errcap));
    const char *dest3, *dest_r, *orig3, *orig_r;
    RS_HK_TRY(rs_hk_str(msg, "destination_country_iso3", wrap, &dest3, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "destination_country_region", wrap, &dest_r, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "origin_country_iso3", wrap, &orig3, err, errcap));
    RS_HK_TRY(rs_hk_str(msg, "origin_country_region", wrap, &orig_r, err, errcap));
    const char *tracking_cc = rs_hk_country(dest3 ? dest3 : dest_r);
    if (!tracking_cc)
        tracking_cc = rs_hk_country(orig3 ? orig3 : orig_r);

    struct rs_shipment_in *sh = rs_hk_add_shipment(in);
    if (!sh)
        return rs_hk_add_failed(in, err, errcap);
    char field[32];
    snprintf(field, sizeof field, "%s.tracking_number", wrap);
    RS_HK_TRY(rs_hk_tracking(in, number, field, &sh->tracking_number, err, errcap));
    sh->carrier = rs_hk_carrier(in, slug);
    sh->order_ref = order_number ? order_number : order_id;
    RS_HK_TRY(rs_hk_str(msg, "shipment_type", wrap, &sh->service, err, errcap));
    sh->source = "aftership";
    /* AfterShip's estimate, a day or a range (min, max); an edd_revise event carries only it */
    json_t *edd = json_object_get(msg, "aftership_estimated_delivery_date");
    const char *edd_day = json_string_value(json_object_get(edd, "estimated_delivery_date"));
    const char *edd_min = json_string_value(json_object_get(edd, "estimated_delivery_date_min"));
    const char *edd_max = json_string_value(json_object_get(edd, "estimated_delivery_date_max"));
    rs_hk_eta(in, sh, edd_min ? edd_min : edd_day, edd_max ? edd_max : edd_day, updated);

    size_t i;
    json_t *cp;
    json_array_foreach(cps, i, cp) {
        char path[64];
        snprintf(path, sizeof path, "%s.checkpoints[%zu]", wrap, i);
        RS_HK_TRY(checkpoint(in, cp, path, sh, tracking_cc, err, errcap));
    }
    if (json_array_size(cps) == 0 && (tag || subtag) && updated) {
        struct rs_event_in *ev = rs_hk_add_event(in);
        if (!ev)
            return rs_hk_add_failed(in, err, errcap);
        snprintf(field, sizeof field, "%s.updated_at", wrap);
        RS_HK_TRY(rs_hk_time(updated, field, true, &ev->occurred_at, &ev->offset_min, err,
                             errcap));
        ev->carrier = sh->carrier;
        ev->tracking_number = sh->tracking_number;
        ev->source = "aftership";
        ev->summary = true; /* the tracking's tag at updated_at, repeated by every update */
        RS_HK_TRY(rs_hk_status(in, ev, "aftership", rs_hk_code_of(in, tag, subtag), subtag, -1,
                               err, errcap));
    }
    return RS_OK;
}

enum rs_err rs_hook_aftership_parse(const char *body, size_t len, const char *topic,
                                    struct rs_inbound *out, char *err, size_t errcap)
{
    return rs_hk_run(parse, body, len, topic, out, err, errcap);
}
