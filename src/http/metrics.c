/* metrics.c — Prometheus counters and histograms (see metrics.h). */
#include "http/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double bucket_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (int)(sizeof bucket_s / sizeof bucket_s[0])

static struct {
    uint64_t by_code[500]; /* status 100..599 */
    uint64_t bucket[NBUCKETS + 1];
    uint64_t sum_ns;
    uint64_t count;
} routes[RS_METRICS_MAX_ROUTES];

static uint64_t events_accepted, events_duplicate, events_rejected;

static void add(uint64_t *p, uint64_t v)
{
    __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void rs_metrics_request(int route, int status, uint64_t ns)
{
    if (route < 0 || route >= RS_METRICS_MAX_ROUTES)
        return;
    if (status >= 100 && status < 600)
        add(&routes[route].by_code[status - 100], 1);
    int b = 0;
    while (b < NBUCKETS && (double)ns / 1e9 > bucket_s[b])
        b++;
    add(&routes[route].bucket[b], 1);
    add(&routes[route].sum_ns, ns);
    add(&routes[route].count, 1);
}

void rs_metrics_events(int accepted, int duplicate, int rejected)
{
    add(&events_accepted, (uint64_t)accepted);
    add(&events_duplicate, (uint64_t)duplicate);
    add(&events_rejected, (uint64_t)rejected);
}

struct out {
    char *buf;
    size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)n;
        char *nb = realloc(o->buf, cap);
        if (!nb)
            abort(); /* out of memory: nothing sensible left to do */
        o->buf = nb;
        o->cap = cap;
    }
}

char *rs_metrics_render(const char *const *names, int n_routes, const char *extra, size_t *len)
{
    struct out o = {.buf = malloc(8192), .cap = 8192};
    if (!o.buf)
        abort();
    o.buf[0] = '\0';
    if (n_routes > RS_METRICS_MAX_ROUTES)
        n_routes = RS_METRICS_MAX_ROUTES;
    put(&o, "# HELP rastro_http_requests_total HTTP requests by route and status code.\n"
            "# TYPE rastro_http_requests_total counter\n");
    for (int r = 0; r < n_routes; r++)
        for (int c = 0; c < 500; c++) {
            uint64_t v = get(&routes[r].by_code[c]);
            if (v)
                put(&o, "rastro_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n", names[r], c + 100,
                    (unsigned long long)v);
        }
    put(&o, "# HELP rastro_http_request_duration_seconds Time to answer a request.\n"
            "# TYPE rastro_http_request_duration_seconds histogram\n");
    for (int r = 0; r < n_routes; r++) {
        uint64_t count = get(&routes[r].count);
        if (!count)
            continue;
        uint64_t cum = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            cum += get(&routes[r].bucket[b]);
            put(&o, "rastro_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", names[r],
                bucket_s[b], (unsigned long long)cum);
        }
        put(&o, "rastro_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", names[r],
            (unsigned long long)count);
        put(&o, "rastro_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", names[r],
            (double)get(&routes[r].sum_ns) / 1e9);
        put(&o, "rastro_http_request_duration_seconds_count{route=\"%s\"} %llu\n", names[r],
            (unsigned long long)count);
    }
    put(&o, "# HELP rastro_events_ingested_total Carrier events received, by result.\n"
            "# TYPE rastro_events_ingested_total counter\n"
            "rastro_events_ingested_total{result=\"accepted\"} %llu\n"
            "rastro_events_ingested_total{result=\"duplicate\"} %llu\n"
            "rastro_events_ingested_total{result=\"rejected\"} %llu\n",
            (unsigned long long)get(&events_accepted), (unsigned long long)get(&events_duplicate),
            (unsigned long long)get(&events_rejected));
    if (extra)
        put(&o, "%s", extra);
    *len = o.len;
    return o.buf;
}
