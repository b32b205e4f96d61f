/* metrics.h — counters for GET /metrics (Prometheus text format 0.0.4): requests by route and
 * status code, a latency histogram per route, events ingested by result. Lock-free: relaxed
 * atomic adds on fixed arrays, so recording costs a few nanoseconds. */
#ifndef RS_METRICS_H
#define RS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define RS_METRICS_MAX_ROUTES 128 /* routes.c checks that its table (and "other") fits */

void rs_metrics_request(int route, int status, uint64_t elapsed_ns);
void rs_metrics_events(int accepted, int duplicate, int rejected);
/* Render all metrics; ROUTE_NAMES[i] names route i ("POST /v1/events"). Returns a malloc'd
 * string (caller frees) and its length. EXTRA is appended verbatim (may be NULL). */
char *rs_metrics_render(const char *const *route_names, int n_routes, const char *extra, size_t *len);

#endif
