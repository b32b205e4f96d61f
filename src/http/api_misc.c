/* api_misc.c — GET /healthz, GET /metrics, GET /v1/openapi.json, GET /v1/merchant, and the CORS
 * preflight of the routes a shop's web pages call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"
#include "http/routes.h"
#include "store/store_incident.h"
#include "util/assets.h"
#include "util/timefmt.h"

void rs_api_healthz(struct rs_req *r)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    int64_t o = 0, sh = 0, ev = 0, seen = 0, started;
    enum rs_err e = s ? rs_store_counts(s, &o, &sh, &ev) : RS_EIO;
    int timeout = rs_server_worker_timeout(r->srv, &started);
    bool check_worker = timeout > 0 && !e && rs_store_worker_last_seen(s, &seen) == RS_OK;
    rs_server_reader_put(r->srv, s);
    /* notifications stop silently when no dispatcher runs (a `rastro worker` that died): one
     * must have been seen within the timeout, or the server started less than that ago */
    int64_t now = rs_now();
    bool worker_ok = !check_worker || now - (seen > started ? seen : started) <= timeout;
    json_t *j = json_object();
    json_object_set_new(j, "status", json_string(e || !worker_ok ? "degraded" : "ok"));
    json_object_set_new(j, "database", json_string(e ? "unavailable" : "ok"));
    if (check_worker) {
        json_t *wk = json_object();
        char ts[RS_TIME_LEN];
        if (seen > 0)
            rs_time_format(seen, 0, ts);
        json_object_set_new(wk, "last_seen", seen > 0 ? json_string(ts) : json_null());
        json_object_set_new(wk, "ok", json_boolean(worker_ok));
        json_object_set_new(j, "worker", wk);
    }
    rs_reply_json(r, e || !worker_ok ? 503 : 200, j);
}

/* OPTIONS on a CORS route: a browser asks whether a page of another origin may send
 * "Authorization" with a GET. No key is checked here (browsers send none with a preflight). */
void rs_api_cors_preflight(struct rs_req *r)
{
    r->cors_preflight = true;
    rs_reply_text(r, 204, NULL, "", 0);
}

void rs_api_metrics(struct rs_req *r)
{
    struct rs_writer_stats ws;
    rs_writer_stats(rs_server_writer(r->srv), &ws);
    /* incidents that passed their SLA, told to the team (whichever process swept: from the store) */
    struct rs_store *s = rs_server_reader_get(r->srv);
    int64_t breached = 0;
    bool have_breached = s && rs_store_incident_sla_breached_count(s, &breached) == RS_OK;
    rs_server_reader_put(r->srv, s);
    char extra[1024];
    int k = snprintf(extra, sizeof extra,
             "# HELP rastro_store_commits_total Group commits of the writer.\n"
             "# TYPE rastro_store_commits_total counter\nrastro_store_commits_total %llu\n"
             "# HELP rastro_store_write_jobs_total Write jobs committed (several per commit under load).\n"
             "# TYPE rastro_store_write_jobs_total counter\nrastro_store_write_jobs_total %llu\n"
             "# HELP rastro_store_failed_commits_total Commits that failed.\n"
             "# TYPE rastro_store_failed_commits_total counter\nrastro_store_failed_commits_total %llu\n"
             "# HELP rastro_store_replayed_rounds_total Rounds run without savepoints that failed after a write and ran again with them.\n"
             "# TYPE rastro_store_replayed_rounds_total counter\nrastro_store_replayed_rounds_total %llu\n",
             (unsigned long long)ws.commits, (unsigned long long)ws.jobs, (unsigned long long)ws.failed_commits,
             (unsigned long long)ws.replays);
    if (have_breached && k > 0 && (size_t)k < sizeof extra)
        snprintf(extra + k, sizeof extra - (size_t)k,
                 "# HELP rastro_incidents_sla_breached_total Incidents that passed their SLA unresolved (the team "
                 "was told; a reopened incident counts again).\n"
                 "# TYPE rastro_incidents_sla_breached_total counter\nrastro_incidents_sla_breached_total %lld\n",
                 (long long)breached);
    int n;
    const char *const *names = rs_route_names(&n);
    size_t len;
    char *txt = rs_metrics_render(names, n, extra, &len);
    rs_reply_text(r, 200, "text/plain; version=0.0.4", txt, len);
    free(txt);
}

void rs_api_openapi(struct rs_req *r)
{
    size_t len;
    const char *doc = rs_asset_get("docs/openapi.json", &len);
    if (!doc) {
        rs_reply_error(r, 404, "not_found", "this build has no OpenAPI description");
        return;
    }
    rs_reply_text(r, 200, "application/json", doc, len);
}

void rs_api_merchant_me(struct rs_req *r)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *m = NULL;
    enum rs_err e = s ? rs_store_merchant_get(s, r->merchant_id, &m) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "merchant read");
        return;
    }
    rs_reply_json(r, 200, m);
}
