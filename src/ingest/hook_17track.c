/* hook_17track.c — 17TRACK push notifications (tracking API v2.x): `TRACKING_UPDATED` and
 * `TRACKING_STOPPED`.
 *
 * Body: {event, data:{number, carrier (17TRACK's integer carrier key), param, tag (the
 * merchant's own reference, given when the number was registered), track_info}}. track_info:
 * shipping_info{shipper_address, recipient_address}, latest_status{status, sub_status},
 * latest_event, milestone[], time_metrics, tracking{providers[]{provider{key, name}, events[]}}.
 * An event is {time_iso, time_utc, description, location, stage, sub_status,
 * address{country, state, city, postal_code}}; each provider's events are newest first, and a
 * second provider appears when the last mile changes hands.
 *
 * One shipment (data.number, tag as the order reference like AfterShip's order_number) and one
 * event per provider event, all providers together, sorted oldest first. latest_event repeats
 * the newest of those, so it is read only when no provider has events. Not read: milestone[]
 * (it summarises the same events), time_metrics except its estimated_delivery_date (the
 * carrier's estimate, kept on the shipment as of latest_event's time) and
 * shipping_info — 17TRACK repeats it in every push, and a shipment put with an origin counts as
 * an update, so a re-sent push would never be a duplicate.
 *
 * Status: each event's sub_status ("InTransit_PickedUp", "Exception_Returning") through
 * data/provider-statuses.tsv, the status being the part before '_' ("InfoReceived" is both).
 * Time: time_iso (carrier-local with its offset); when it has no offset, time_utc gives the
 * instant and the difference the offset; with neither the event is an error naming its path.
 * Carrier: the key through the small table below, else the name 17TRACK gives that key under
 * tracking.providers (carrier-aliases, as AfterShip's slug), else none — the write path then
 * uses the merchant's existing shipment with the number, or a confident guess from its format.
 * 17TRACK sends no event id: the delivery is keyed by the body's hash and events by their
 * content (as Shippo). TRACKING_STOPPED (17TRACK stopped tracking the number) records nothing.
 * The `sign` header is checked before parsing (signature.c). */
#include <stdio.h>
#include <string.h>

#include "ingest/hook_util.h"
#include "util/timefmt.h"

/* 17TRACK carrier keys -> Rastro slugs, only for keys that several independent 17TRACK API
 * clients agree on (17TRACK's own carrier list could not be read when this was written). Any
 * other key goes by the name the payload gives it under tracking.providers[].provider. */
static const struct {
    int64_t key;
    const char *slug;
} carrier_keys[] = {
    {3011, "china_post"}, {21051, "usps"},   {100001, "dhl_express"},
    {100002, "ups"},      {100003, "fedex"},
};

/* The instant of event E at PATH: time_iso when it carries an offset, else time_utc. */
static enum rs_err event_time(const json_t *e, const char *path, int64_t *at, int *off, char *err,
                              size_t errcap)
{
    const char *iso, *utc;
    RS_HK_TRY(rs_hk_str(e, "time_iso", path, &iso, err, errcap));
    RS_HK_TRY(rs_hk_str(e, "time_utc", path, &utc, err, errcap));
    if (!iso && !utc)
        return rs_hk_fail(err, errcap, "%s: missing time_iso and time_utc", path);
    char name[160];
    int64_t local = 0;
    if (iso) {
        snprintf(name, sizeof name, "%s.time_iso", path);
        enum rs_err e1 = rs_hk_time(iso, name, true, at, off, err, errcap);
        if (e1 == RS_OK || !utc || rs_time_parse(iso, true, &local, NULL) != RS_OK)
            return e1;
        if (err && errcap)
            err[0] = '\0';
    }
    snprintf(name, sizeof name, "%s.time_utc", path);
    RS_HK_TRY(rs_hk_time(utc, name, false, at, off, err, errcap)); /* UTC by its name */
    if (iso) { /* local time without an offset: the offset is the difference */
        int64_t d = local - *at;
        *off = d % 60 == 0 && d >= -14 * 3600 && d <= 14 * 3600 ? (int)(d / 60) : 0;
    }
    return RS_OK;
}

/* One event from E (a provider event, or latest_event with LATEST as its status fallback). */
static enum rs_err event(struct rs_inbound *in, const json_t *e, const char *path,
                         const struct rs_shipment_in *sh, const json_t *latest, char *err,
                         size_t errcap)
{
    if (!json_is_object(e))
        return rs_hk_fail(err, errcap, "%s: expected an object", path);
    const char *sub, *code = NULL, *desc, *where;
    json_t *addr;
    RS_HK_TRY(rs_hk_str(e, "sub_status", path, &sub, err, errcap));
    RS_HK_TRY(rs_hk_str(e, "description", path, &desc, err, errcap));
    RS_HK_TRY(rs_hk_str(e, "location", path, &where, err, errcap));
    RS_HK_TRY(rs_hk_obj(e, "address", path, &addr, err, errcap));
    if (!sub && latest) {
        RS_HK_TRY(rs_hk_str(latest, "status", "data.track_info.latest_status", &code, err, errcap));
        RS_HK_TRY(rs_hk_str(latest, "sub_status", "data.track_info.latest_status", &sub, err,
                            errcap));
    }
    struct rs_event_in *ev = rs_hk_add_event(in);
    if (!ev)
        return rs_hk_add_failed(in, err, errcap);
    RS_HK_TRY(event_time(e, path, &ev->occurred_at, &ev->offset_min, err, errcap));
    char apath[128];
    snprintf(apath, sizeof apath, "%s.address", path);
    RS_HK_TRY(rs_hk_location(addr, apath, "postal_code", &ev->location, err, errcap));
    if (!ev->location.city)
        ev->location.city = where;
    ev->carrier = sh->carrier;
    ev->tracking_number = sh->tracking_number;
    ev->message = desc;
    ev->source = "17track";
    code = rs_hk_code_of(in, code, sub);
    if (!code)
        code = sub; /* "InfoReceived": the sub-status is the status */
    return rs_hk_status(in, ev, "17track", code, sub, -1, err, errcap);
}

/* Stable sort of the events by time: providers list theirs newest first. */
static void oldest_first(struct rs_inbound *in)
{
    for (int i = 1; i < in->n_events; i++) {
        struct rs_event_in x = in->events[i];
        int j = i;
        for (; j > 0 && in->events[j - 1].occurred_at > x.occurred_at; j--)
            in->events[j] = in->events[j - 1];
        in->events[j] = x;
    }
}

/* The Rastro slug for carrier KEY: the table, else the name of the provider with that key. */
static enum rs_err carrier_of(struct rs_inbound *in, int64_t key, const json_t *providers,
                              const char **out, char *err, size_t errcap)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof carrier_keys / sizeof carrier_keys[0]; i++)
        if (carrier_keys[i].key == key) {
            *out = carrier_keys[i].slug;
            return RS_OK;
        }
    size_t i;
    json_t *p;
    json_array_foreach(providers, i, p) {
        char path[96];
        snprintf(path, sizeof path, "data.track_info.tracking.providers[%zu].provider", i);
        json_t *prov;
        int64_t k;
        bool has;
        const char *name;
        RS_HK_TRY(rs_hk_obj(p, "provider", path, &prov, err, errcap));
        RS_HK_TRY(rs_hk_int(prov, "key", path, &k, &has, err, errcap));
        RS_HK_TRY(rs_hk_str(prov, "name", path, &name, err, errcap));
        if (has && k == key && name) {
            *out = rs_hk_carrier(in, name);
            return RS_OK;
        }
    }
    return RS_OK;
}

static enum rs_err parse(const char *body, size_t len, const char *topic, struct rs_inbound *in,
                         char *err, size_t errcap)
{
    static const char *const types[] = {"TRACKING_UPDATED", "TRACKING_STOPPED", NULL};
    RS_HK_TRY(rs_hk_load(in, body, len, "17TRACK push", err, errcap));
    RS_HK_TRY(rs_hk_event(in, "event", topic, "17track", "17TRACK push", types, err, errcap));
    if (strcmp(in->topic, "TRACKING_STOPPED") == 0)
        return RS_OK; /* nothing new about the parcel: 17TRACK no longer follows it */
    const json_t *root = in->root_;

    json_t *data, *ti, *latest_status, *latest_event, *tracking, *providers;
    RS_HK_TRY(rs_hk_obj(root, "data", "", &data, err, errcap));
    if (!data)
        return rs_hk_fail(err, errcap, "17TRACK push: missing \"data\"");
    const char *number, *tag;
    int64_t key;
    bool has_key;
    RS_HK_TRY(rs_hk_str(data, "number", "data", &number, err, errcap));
    RS_HK_TRY(rs_hk_int(data, "carrier", "data", &key, &has_key, err, errcap));
    RS_HK_TRY(rs_hk_id(in, data, "tag", "data", &tag, err, errcap));
    RS_HK_TRY(rs_hk_obj(data, "track_info", "data", &ti, err, errcap));
    RS_HK_TRY(rs_hk_obj(ti, "latest_status", "data.track_info", &latest_status, err, errcap));
    RS_HK_TRY(rs_hk_obj(ti, "latest_event", "data.track_info", &latest_event, err, errcap));
    RS_HK_TRY(rs_hk_obj(ti, "tracking", "data.track_info", &tracking, err, errcap));
    RS_HK_TRY(rs_hk_arr(tracking, "providers", "data.track_info.tracking", &providers, err,
                        errcap));

    struct rs_shipment_in *sh = rs_hk_add_shipment(in);
    if (!sh)
        return rs_hk_add_failed(in, err, errcap);
    RS_HK_TRY(rs_hk_tracking(in, number, "data.number", &sh->tracking_number, err, errcap));
    if (has_key)
        RS_HK_TRY(carrier_of(in, key, providers, &sh->carrier, err, errcap));
    sh->order_ref = tag;
    sh->source = "17track";
    json_t *edd = json_object_get(json_object_get(ti, "time_metrics"), "estimated_delivery_date");
    rs_hk_eta(in, sh, json_string_value(json_object_get(edd, "from")), json_string_value(json_object_get(edd, "to")),
              json_string_value(json_object_get(latest_event, "time_iso")));

    size_t i, j;
    json_t *p, *e;
    json_array_foreach(providers, i, p) {
        char ppath[64];
        snprintf(ppath, sizeof ppath, "data.track_info.tracking.providers[%zu]", i);
        if (!json_is_object(p))
            return rs_hk_fail(err, errcap, "%s: expected an object", ppath);
        json_t *events;
        RS_HK_TRY(rs_hk_arr(p, "events", ppath, &events, err, errcap));
        json_array_foreach(events, j, e) {
            char path[96];
            snprintf(path, sizeof path, "%s.events[%zu]", ppath, j);
            RS_HK_TRY(event(in, e, path, sh, NULL, err, errcap));
        }
    }
    if (in->n_events == 0 && latest_event)
        RS_HK_TRY(event(in, latest_event, "data.track_info.latest_event", sh, latest_status, err,
                        errcap));
    oldest_first(in);
    return RS_OK;
}

enum rs_err rs_hook_17track_parse(const char *body, size_t len, const char *topic,
                                  struct rs_inbound *out, char *err, size_t errcap)
{
    return rs_hk_run(parse, body, len, topic, out, err, errcap);
}
