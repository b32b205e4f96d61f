/* addrcount.h — how many of something (connections, live streams) each client address holds,
 * against a cap, so that one address cannot take what is everyone's. Addresses are counted by
 * rs_addr_limit_key (util/netaddr.h): an IPv6 client by its /64, since a home or a phone is given
 * a whole /64 and may use any address in it. Thread-safe; a fixed number of slots (each distinct
 * address holding something takes one; a new address finds none when all are taken). */
#ifndef RS_UTIL_ADDRCOUNT_H
#define RS_UTIL_ADDRCOUNT_H

#include <stdbool.h>

struct rs_addr_count;

/* SLOTS distinct addresses at once, at most CAP each. NULL when out of memory. */
struct rs_addr_count *rs_addr_count_new(int slots, int cap);
void rs_addr_count_free(struct rs_addr_count *c);
int rs_addr_count_cap(const struct rs_addr_count *c);

/* Count one more for ADDR (text, as rs_addr_limit_key takes it); false, and nothing counted, when
 * it holds CAP already or no slot is free. */
bool rs_addr_count_take(struct rs_addr_count *c, const char *addr);
/* Count one more for ADDR whatever its count (something already open); false only when no slot
 * is free (then nothing is counted, and rs_addr_count_put must not be called for it). */
bool rs_addr_count_add(struct rs_addr_count *c, const char *addr);
/* ADDR holds fewer than CAP. */
bool rs_addr_count_below(struct rs_addr_count *c, const char *addr);
/* One fewer for ADDR (after a take or an add that returned true). */
void rs_addr_count_put(struct rs_addr_count *c, const char *addr);

#endif
