/* netaddr.h — may Rastro connect to this address on someone else's behalf?
 *
 * The worker POSTs to URLs that others chose: a merchant's webhook and provider base URLs, their
 * SMTP server, and the Web Push endpoint an anonymous visitor of the tracking page sends. None of
 * them may be turned against the operator's own network (server-side request forgery): the
 * loopback, private (RFC 1918, unique-local), link-local (the cloud metadata service at
 * 169.254.169.254), shared (100.64/10), multicast and reserved ranges are not public. IPv6 forms
 * that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address. */
#ifndef RS_UTIL_NETADDR_H
#define RS_UTIL_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* True when SA (AF_INET or AF_INET6; any other family is not public) is a public address. */
bool rs_addr_public(const struct sockaddr *sa);

/* ADDR (IPv4 or IPv6 as text) is public: the same rule, for tests and messages. */
bool rs_addr_text_public(const char *addr);

/* The key per-address limits count ADDR under, in OUT (returned): an IPv6 address stands for
 * its /64 ("2001:db8:1:2::/64"), since a home or a phone is given a whole /64 and may use any
 * address in it; an IPv4-mapped one is its IPv4 address; anything else is ADDR as is. */
const char *rs_addr_limit_key(const char *addr, char out[48]);

#endif
