/* page_cache.h — rendered public answers kept in memory for a few seconds: the HTML tracking
 * page (/t/{code}) and the JSON of GET /v1/track/{code}, under keys that cannot collide (each
 * caller prefixes its own). An answer is served from the cache only while nothing was committed
 * since it was rendered (events bus total unchanged: the in-process writer moves it after every
 * commit, whoever the writer was — API, webhooks, sweeps — and handlers move it too) and it is
 * younger than RS_PAGE_CACHE_TTL_S (the bound on staleness for writers that do not go through
 * this process's writer: CLI import from another process, the notification dispatcher's own
 * connection, and time-dependent parts such as a promotion's dates). Only complete 200 answers
 * whose look-up succeeded are cached, so a hit never skips a failed look-up the rate limiter
 * must count. */
#ifndef RS_HTTP_PAGE_CACHE_H
#define RS_HTTP_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_PAGE_CACHE_SLOTS 1024
#define RS_PAGE_CACHE_TTL_S 5

/* Copy the page cached under KEY into a new buffer (*out, caller frees). False on a miss. */
bool rs_page_cache_get(const char *key, uint64_t bus_total, char **out, size_t *len);
/* Keep HTML under KEY, rendered when the bus total was BUS_TOTAL. */
void rs_page_cache_put(const char *key, uint64_t bus_total, const char *html, size_t len);

#endif
