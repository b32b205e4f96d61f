/* page_cache.h — rendered tracking pages kept in memory for a few seconds. A page is served
 * from the cache only while nothing was written through the HTTP layer since it was rendered
 * (events bus total unchanged) and it is younger than RS_PAGE_CACHE_TTL_S (the bound on
 * staleness for writers that do not bump the bus: CLI import from another process, and time-
 * dependent parts such as a promotion's dates). Only complete 200 pages whose look-up
 * succeeded are cached, so a hit never skips a failed look-up the rate limiter must count. */
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
