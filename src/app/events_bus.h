/* events_bus.h — a tiny in-process change notification for live pages. Writers bump a
 * sequence number per merchant after a successful commit; live-update streams (SSE) wait for it
 * to move, then re-read what they show. Merchants share RS_BUS_SLOTS slots by id, so a wake-up
 * may be spurious (the waiter re-reads and finds nothing new): cheap and never wrong. */
#ifndef RS_APP_EVENTS_BUS_H
#define RS_APP_EVENTS_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define RS_BUS_SLOTS 256

/* After a commit that changed MERCHANT_ID's orders, shipments or events. Thread-safe. */
void rs_bus_bump(int64_t merchant_id);
/* Sum of every bump and every commit so far (any merchant): a cheap "did anything change?"
 * for caches (http/page_cache.h). */
uint64_t rs_bus_total(void);
/* After any commit of the in-process writer (API, webhooks, sweeps): moves rs_bus_total() only,
 * wakes nobody (live streams wait for rs_bus_bump). Lock-free; call it after the commit returned
 * and before its callers are answered, so a client that got its 2xx never reads a stale cache. */
void rs_bus_commit(void);
/* Current sequence number of MERCHANT_ID's slot. */
uint64_t rs_bus_seq(int64_t merchant_id);
/* Wait until the slot's sequence differs from SEEN, up to TIMEOUT_MS. Returns the current
 * sequence in *NOW; true when it moved, false on timeout or when the bus is closing. */
bool rs_bus_wait(int64_t merchant_id, uint64_t seen, int timeout_ms, uint64_t *now);
/* Count of every bump and poke so far (any slot): for one thread that watches many slots. */
uint64_t rs_bus_bumps(void);
/* Wait until rs_bus_bumps() differs from SEEN, up to TIMEOUT_MS; false on timeout or closing. */
bool rs_bus_wait_any(uint64_t seen, int timeout_ms);
/* Move rs_bus_bumps() and wake the waiters without changing any slot (a new slot to watch). */
void rs_bus_poke(void);
/* Wake every waiter and make later waits return at once (server shutdown); rs_bus_open undoes. */
void rs_bus_close(void);
void rs_bus_open(void);
bool rs_bus_closing(void);

#endif
