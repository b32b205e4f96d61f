/* hook_shippo.c — Shippo `track_updated` webhooks.
 *
 * Body: {"event":"track_updated","test":bool,"data":Track}. Track: carrier, tracking_number,
 * address_from/address_to {city,state,zip,country}, servicelevel{token,name}, metadata,
 * tracking_status {status, status_details, status_date, substatus{code,text,action_required},
 * location} and tracking_history[] of the same shape, oldest first. tracking_status is
 * normally the last history entry again: it is added only when the history does not already
 * hold it (same object_id, or same status_date + status). Status through the table with
 * (status, substatus.code); Shippo's own action_required wins over the table's when sent.
 * status_date must carry an offset (Shippo sends "Z").
 * Shippo sends no event id (and its tracking webhooks are not idempotent): de-duplicate on
 * (carrier, tracking number, occurred_at, code). */
#include <stdio.h>
#include <string.h>

#include "ingest/hook_util.h"

static bool same_status(const json_t *a, const json_t *b)
{
    const char *ida = json_string_value(json_object_get(a, "object_id"));
    const char *idb = json_string_value(json_object_get(b, "object_id"));
    if (ida && idb)
        return strcmp(ida, idb) == 0;
    const char *da = json_string_value(json_object_get(a, "status_date"));
    const char *db = json_string_value(json_object_get(b, "status_date"));
    const char *sa = json_string_value(json_object_get(a, "status"));
    const char *sb = json_string_value(json_object_get(b, "status"));
    return da && db && sa && sb && strcmp(da, db) == 0 && strcmp(sa, sb) == 0;
}

static enum rs_err status_event(struct rs_inbound *in, const json_t *ts, const char *path,
                                const struct rs_shipment_in *sh, char *err, size_t errcap)
{
    if (!json_is_object(ts))
        return rs_hk_fail(err, errcap, "%s: expected an object", path);
    const char *status, *details, *when, *subcode = NULL, *subtext = NULL;
    json_t *sub, *loc;
    bool action = false, has_action = false;
    RS_HK_TRY(rs_hk_str(ts, "status", path, &status, err, errcap));
    RS_HK_TRY(rs_hk_str(ts, "status_details", path, &details, err, errcap));
    RS_HK_TRY(rs_hk_str(ts, "status_date", path, &when, err, errcap));
    RS_HK_TRY(rs_hk_obj(ts, "substatus", path, &sub, err, errcap));
    RS_HK_TRY(rs_hk_obj(ts, "location", path, &loc, err, errcap));
    char spath[96];
    snprintf(spath, sizeof spath, "%s.substatus", path);
    RS_HK_TRY(rs_hk_str(sub, "code", spath, &subcode, err, errcap));
    RS_HK_TRY(rs_hk_str(sub, "text", spath, &subtext, err, errcap));
    RS_HK_TRY(rs_hk_bool(sub, "action_required", spath, &action, &has_action, err, errcap));
    if (!when)
        return rs_hk_fail(err, errcap, "%s.status_date: missing", path);

    struct rs_event_in *ev = rs_hk_add_event(in);
    if (!ev)
        return rs_hk_add_failed(in, err, errcap);
    char name[96];
    snprintf(name, sizeof name, "%s.status_date", path);
    RS_HK_TRY(rs_hk_time(when, name, true, &ev->occurred_at, &ev->offset_min, err, errcap));
    char lpath[96];
    snprintf(lpath, sizeof lpath, "%s.location", path);
    RS_HK_TRY(rs_hk_location(loc, lpath, "zip", &ev->location, err, errcap));
    ev->carrier = sh->carrier;
    ev->tracking_number = sh->tracking_number;
    ev->message = details ? details : subtext;
    ev->source = "shippo";
    return rs_hk_status(in, ev, "shippo", status, subcode, has_action ? action : -1, err, errcap);
}

static enum rs_err parse(const char *body, size_t len, const char *topic, struct rs_inbound *in,
                         char *err, size_t errcap)
{
    static const char *const types[] = {"track_updated", NULL};
    RS_HK_TRY(rs_hk_load(in, body, len, "Shippo webhook", err, errcap));
    RS_HK_TRY(rs_hk_event(in, "event", topic, "shippo", "Shippo webhook", types, err, errcap));
    const json_t *root = in->root_;
    RS_HK_TRY(rs_hk_bool(root, "test", "", &in->test, NULL, err, errcap));

    json_t *data, *from, *sl, *ts, *hist;
    RS_HK_TRY(rs_hk_obj(root, "data", "", &data, err, errcap));
    if (!data)
        return rs_hk_fail(err, errcap, "Shippo webhook: missing \"data\" (the Track)");
    const char *carrier, *number;
    RS_HK_TRY(rs_hk_str(data, "carrier", "data", &carrier, err, errcap));
    RS_HK_TRY(rs_hk_str(data, "tracking_number", "data", &number, err, errcap));
    RS_HK_TRY(rs_hk_obj(data, "address_from", "data", &from, err, errcap));
    RS_HK_TRY(rs_hk_obj(data, "servicelevel", "data", &sl, err, errcap));
    RS_HK_TRY(rs_hk_obj(data, "tracking_status", "data", &ts, err, errcap));
    RS_HK_TRY(rs_hk_arr(data, "tracking_history", "data", &hist, err, errcap));

    struct rs_shipment_in *sh = rs_hk_add_shipment(in);
    if (!sh)
        return rs_hk_add_failed(in, err, errcap);
    RS_HK_TRY(rs_hk_tracking(in, number, "data.tracking_number", &sh->tracking_number, err,
                             errcap));
    sh->carrier = rs_hk_carrier(in, carrier);
    if (!sh->carrier)
        return rs_hk_fail(err, errcap, "data.carrier: missing");
    RS_HK_TRY(rs_hk_str(sl, "name", "data.servicelevel", &sh->service, err, errcap));
    RS_HK_TRY(rs_hk_location(from, "data.address_from", "zip", &sh->origin, err, errcap));
    sh->source = "shippo";
    /* eta: Shippo's current estimate (original_eta is the first one); as of the status's update */
    rs_hk_eta(in, sh, json_string_value(json_object_get(data, "eta")), NULL,
              json_string_value(json_object_get(ts, "object_updated")));

    size_t i;
    json_t *h;
    bool status_in_history = false;
    json_array_foreach(hist, i, h) {
        char path[64];
        snprintf(path, sizeof path, "data.tracking_history[%zu]", i);
        RS_HK_TRY(status_event(in, h, path, sh, err, errcap));
        if (ts && same_status(h, ts))
            status_in_history = true;
    }
    if (ts && !status_in_history) {
        /* A tracking_status with no date and no status is Shippo's "nothing yet". */
        json_t *d = json_object_get(ts, "status_date"), *s = json_object_get(ts, "status");
        if ((!d || json_is_null(d)) && (!s || json_is_null(s)))
            return RS_OK;
        RS_HK_TRY(status_event(in, ts, "data.tracking_status", sh, err, errcap));
    }
    return RS_OK;
}

enum rs_err rs_hook_shippo_parse(const char *body, size_t len, const char *topic,
                                 struct rs_inbound *out, char *err, size_t errcap)
{
    return rs_hk_run(parse, body, len, topic, out, err, errcap);
}
