/* fwdaddr.h — the client's address behind a reverse proxy (nginx, a load balancer, a CDN).
 *
 * Behind a proxy every request comes from the proxy's address, so per-address limits (failed
 * tracking look-ups, console log-ins, web chat) would throttle every customer together. When
 * the peer is one of the proxies the operator trusts (`rastro serve --trusted-proxy`), the
 * client is the right-most X-Forwarded-For (or RFC 7239 Forwarded "for=") entry that is not
 * itself a trusted proxy; entries
 * further left were written by the client and are not believed. An entry may carry the
 * client's port ("203.0.113.7:51234", "[2001:db8::7]:443"), which is dropped. A header that is
 * absent or malformed leaves the peer's address. Addresses compare in canonical form (inet_pton +
 * inet_ntop), so "::1" and "0:0:0:0:0:0:0:1" are the same proxy. */
#ifndef RS_UTIL_FWDADDR_H
#define RS_UTIL_FWDADDR_H

#include <stdbool.h>
#include <stddef.h>

#define RS_FWD_MAX_PROXIES 16
#define RS_ADDR_LEN 48

struct rs_proxies {
    char addr[RS_FWD_MAX_PROXIES][RS_ADDR_LEN];
    int n;
};

/* Parse LIST ("10.0.0.1, ::1", comma- or space-separated IPv4/IPv6 addresses, at most
 * RS_FWD_MAX_PROXIES). False with ERR saying which entry is wrong. NULL or "" = none. */
bool rs_proxies_parse(const char *list, struct rs_proxies *out, char *err, size_t errcap);

/* Canonical text of IP address S (trimmed of spaces; IPv6 may come in brackets) in OUT. False
 * when S is not an address. */
bool rs_addr_canonical(const char *s, size_t len, char out[RS_ADDR_LEN]);

/* The client's address for a request from PEER carrying the RFC 7239 Forwarded header FORWARDED
 * and/or X-Forwarded-For XFF (NULL when absent), written to OUT. Forwarded is read when present
 * (the for= of each hop, "for=\"[2001:db8::7]:443\"" unquoted; an obfuscated "_hidden" hop
 * counts as garbage), X-Forwarded-For otherwise. Returns true when it came from a header. */
bool rs_forwarded_client(const struct rs_proxies *p, const char *peer, const char *forwarded, const char *xff,
                         char out[RS_ADDR_LEN]);

#endif
