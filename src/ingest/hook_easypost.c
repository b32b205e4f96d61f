/* hook_easypost.c — EasyPost tracker webhooks (`tracker.created`, `tracker.updated`).
 *
 * The body is an Event ({id, object:"Event", mode, description, result:Tracker, …}); the
 * Tracker carries tracking_code, carrier, status, status_detail, carrier_detail and
 * tracking_details[] (oldest first), each {message, description, status, status_detail,
 * datetime, tracking_location{city, state, country, zip}}. We produce one shipment and one
 * event per tracking detail; a tracker with no details yet (typical for tracker.created)
 * yields one event from the tracker's own status at its updated_at.
 * Statuses go through data/provider-statuses.tsv: the status row, refined by the
 * status_detail ("*") row. Timestamps must carry an offset (EasyPost always sends "Z").
 * Event.id is the de-duplication key. See docs/statuses.md.
 * EasyPost sends every Event of the account (batch.created, shipment.invoice.created,
 * refund.successful, …) to every webhook URL: such an Event gives no record at all, with its
 * description as the topic, and is not an error. */
#include <stdio.h>
#include <string.h>

#include "ingest/hook_util.h"

static enum rs_err detail(struct rs_inbound *in, const json_t *d, const char *path,
                          const struct rs_shipment_in *sh, char *err, size_t errcap)
{
    if (!json_is_object(d))
        return rs_hk_fail(err, errcap, "%s: expected an object", path);
    const char *status, *sdetail, *message, *when;
    json_t *loc;
    RS_HK_TRY(rs_hk_str(d, "status", path, &status, err, errcap));
    RS_HK_TRY(rs_hk_str(d, "status_detail", path, &sdetail, err, errcap));
    RS_HK_TRY(rs_hk_str(d, "message", path, &message, err, errcap));
    if (!message)
        RS_HK_TRY(rs_hk_str(d, "description", path, &message, err, errcap));
    RS_HK_TRY(rs_hk_str(d, "datetime", path, &when, err, errcap));
    RS_HK_TRY(rs_hk_obj(d, "tracking_location", path, &loc, err, errcap));
    if (!when)
        return rs_hk_fail(err, errcap, "%s.datetime: missing", path);

    struct rs_event_in *ev = rs_hk_add_event(in);
    if (!ev)
        return rs_hk_add_failed(in, err, errcap);
    char name[96];
    snprintf(name, sizeof name, "%s.datetime", path);
    RS_HK_TRY(rs_hk_time(when, name, true, &ev->occurred_at, &ev->offset_min, err, errcap));
    char lpath[96];
    snprintf(lpath, sizeof lpath, "%s.tracking_location", path);
    RS_HK_TRY(rs_hk_location(loc, lpath, "zip", &ev->location, err, errcap));
    ev->carrier = sh->carrier;
    ev->tracking_number = sh->tracking_number;
    ev->message = message;
    ev->source = "easypost";
    return rs_hk_status(in, ev, "easypost", status, sdetail, -1, err, errcap);
}

/* DESC names an EasyPost Event about something else than a tracker ("batch.created",
 * "shipment.invoice.updated", "refund.successful"): lower-case words joined by dots. */
static bool other_event(const char *desc)
{
    size_t n = strlen(desc);
    if (n > 64 || strncmp(desc, "tracker.", 8) == 0 || !strchr(desc, '.') || desc[0] == '.' ||
        desc[n - 1] == '.' || strstr(desc, ".."))
        return false;
    return strspn(desc, "abcdefghijklmnopqrstuvwxyz_.") == n;
}

static enum rs_err parse(const char *body, size_t len, const char *topic, struct rs_inbound *in,
                         char *err, size_t errcap)
{
    RS_HK_TRY(rs_hk_load(in, body, len, "EasyPost Event", err, errcap));
    const json_t *root = in->root_;
    const char *object, *id, *mode;
    RS_HK_TRY(rs_hk_str(root, "object", "Event", &object, err, errcap));
    RS_HK_TRY(rs_hk_str(root, "id", "Event", &id, err, errcap));
    RS_HK_TRY(rs_hk_str(root, "mode", "Event", &mode, err, errcap));
    if (object && strcmp(object, "Event") != 0)
        return rs_hk_fail(err, errcap, "EasyPost: expected an Event object, got \"%.40s\"",
                          object);
    const char *desc;
    RS_HK_TRY(rs_hk_str(root, "description", "Event", &desc, err, errcap));
    in->delivery_id = id;
    in->test = mode && strcmp(mode, "test") == 0;
    if (object && desc && other_event(desc)) {
        /* every EasyPost webhook gets every Event of the account: not ours to refuse */
        in->source = "easypost";
        in->topic = rs_hk_strndup(in, desc, strlen(desc));
        return in->topic ? RS_OK : RS_ENOMEM;
    }
    static const char *const types[] = {"tracker.created", "tracker.updated", NULL};
    RS_HK_TRY(rs_hk_event(in, "description", topic, "easypost", "EasyPost Event", types, err,
                          errcap)); /* the event type */

    json_t *tr, *cd, *origin, *details;
    RS_HK_TRY(rs_hk_obj(root, "result", "Event", &tr, err, errcap));
    if (!tr)
        return rs_hk_fail(err, errcap, "EasyPost Event: missing result (the Tracker)");
    const char *tobject, *code, *carrier, *status, *sdetail, *updated;
    RS_HK_TRY(rs_hk_str(tr, "object", "result", &tobject, err, errcap));
    if (tobject && strcmp(tobject, "Tracker") != 0)
        return rs_hk_fail(err, errcap, "EasyPost: result is a \"%.40s\", expected a Tracker",
                          tobject);
    RS_HK_TRY(rs_hk_str(tr, "id", "result", &in->tracker_id, err, errcap));
    RS_HK_TRY(rs_hk_str(tr, "tracking_code", "result", &code, err, errcap));
    RS_HK_TRY(rs_hk_str(tr, "carrier", "result", &carrier, err, errcap));
    RS_HK_TRY(rs_hk_str(tr, "status", "result", &status, err, errcap));
    RS_HK_TRY(rs_hk_str(tr, "status_detail", "result", &sdetail, err, errcap));
    RS_HK_TRY(rs_hk_str(tr, "updated_at", "result", &updated, err, errcap));
    RS_HK_TRY(rs_hk_obj(tr, "carrier_detail", "result", &cd, err, errcap));
    RS_HK_TRY(rs_hk_obj(cd, "origin_tracking_location", "result.carrier_detail", &origin, err,
                        errcap));
    RS_HK_TRY(rs_hk_arr(tr, "tracking_details", "result", &details, err, errcap));

    struct rs_shipment_in *sh = rs_hk_add_shipment(in);
    if (!sh)
        return rs_hk_add_failed(in, err, errcap);
    RS_HK_TRY(rs_hk_tracking(in, code, "result.tracking_code", &sh->tracking_number, err, errcap));
    sh->carrier = rs_hk_carrier(in, carrier);
    RS_HK_TRY(rs_hk_str(cd, "service", "result.carrier_detail", &sh->service, err, errcap));
    RS_HK_TRY(rs_hk_location(origin, "result.carrier_detail.origin_tracking_location", "zip",
                             &sh->origin, err, errcap));
    sh->source = "easypost";
    rs_hk_eta(in, sh, json_string_value(json_object_get(tr, "est_delivery_date")), NULL, updated);

    size_t i;
    json_t *d;
    json_array_foreach(details, i, d) {
        char path[64];
        snprintf(path, sizeof path, "result.tracking_details[%zu]", i);
        RS_HK_TRY(detail(in, d, path, sh, err, errcap));
    }
    if (json_array_size(details) == 0 && status && updated) {
        struct rs_event_in *ev = rs_hk_add_event(in);
        if (!ev)
            return rs_hk_add_failed(in, err, errcap);
        RS_HK_TRY(rs_hk_time(updated, "result.updated_at", true, &ev->occurred_at,
                             &ev->offset_min, err, errcap));
        ev->carrier = sh->carrier;
        ev->tracking_number = sh->tracking_number;
        ev->source = "easypost";
        RS_HK_TRY(rs_hk_status(in, ev, "easypost", status, sdetail, -1, err, errcap));
    }
    return RS_OK;
}

enum rs_err rs_hook_easypost_parse(const char *body, size_t len, const char *topic,
                                   struct rs_inbound *out, char *err, size_t errcap)
{
    return rs_hk_run(parse, body, len, topic, out, err, errcap);
}
