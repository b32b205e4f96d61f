/* netaddr.c — see netaddr.h. */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ::ffff:a.b.c.d, an IPv4 address written as IPv6 */
static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool v4_public(uint32_t a)
{
    return !(a >> 24 == 0 || a >> 24 == 10 || a >> 24 == 127 || (a & 0xffc00000u) == 0x64400000u || /* 100.64/10 */
             (a & 0xffff0000u) == 0xa9fe0000u ||                                                   /* 169.254/16 */
             (a & 0xfff00000u) == 0xac100000u ||                                                   /* 172.16/12 */
             (a & 0xffffff00u) == 0xc0000000u ||                                                   /* 192.0.0/24 */
             (a & 0xffff0000u) == 0xc0a80000u ||                                                   /* 192.168/16 */
             (a & 0xfffe0000u) == 0xc6120000u ||                                                   /* 198.18/15 */
             a >= 0xe0000000u); /* multicast, reserved, broadcast */
}

static uint32_t v4_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool v6_public(const unsigned char b[16])
{
    static const unsigned char zero[12], nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(b, zero, 12) == 0 || memcmp(b, v4_mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
        return v4_public(v4_at(b + 12)); /* ::, ::1 and the IPv4 forms */
    if (b[0] == 0x20 && b[1] == 0x02)   /* 6to4 */
        return v4_public(v4_at(b + 2));
    if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1)
        return false;                                  /* 64:ff9b:1::/48, local NAT64 */
    return !((b[0] & 0xfe) == 0xfc ||                  /* fc00::/7 unique local */
             (b[0] == 0xfe && (b[1] & 0x80) == 0x80) || /* fe80::/10 link-local, fec0::/10 site-local */
             b[0] == 0xff);                            /* multicast */
}

bool rs_addr_public(const struct sockaddr *sa)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET)
        return v4_public(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_public(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
    return false;
}

bool rs_addr_text_public(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_aton(addr, &a4))
        return v4_public(ntohl(a4.s_addr));
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return v6_public(a6.s6_addr);
    return false;
}

const char *rs_addr_limit_key(const char *addr, char out[48])
{
    struct in6_addr a6;
    snprintf(out, 48, "%s", addr ? addr : "");
    if (!addr || !strchr(addr, ':') || inet_pton(AF_INET6, addr, &a6) != 1)
        return out;
    if (memcmp(a6.s6_addr, v4_mapped, 12) == 0) {
        inet_ntop(AF_INET, a6.s6_addr + 12, out, 48);
        return out;
    }
    memset(a6.s6_addr + 8, 0, 8);
    inet_ntop(AF_INET6, &a6, out, 48); /* at most "ffff:ffff:ffff:ffff::" */
    size_t n = strlen(out);
    if (n + 4 <= 48)
        memcpy(out + n, "/64", 4);
    return out;
}
