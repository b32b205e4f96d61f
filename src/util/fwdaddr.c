/* fwdaddr.c — the client's address behind trusted proxies (fwdaddr.h). */
#include "util/fwdaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool rs_addr_canonical(const char *s, size_t len, char out[RS_ADDR_LEN])
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    char buf[RS_ADDR_LEN];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    unsigned char bin[16];
    if (inet_pton(AF_INET, buf, bin) == 1)
        return inet_ntop(AF_INET, bin, out, RS_ADDR_LEN) != NULL;
    if (inet_pton(AF_INET6, buf, bin) == 1)
        return inet_ntop(AF_INET6, bin, out, RS_ADDR_LEN) != NULL;
    return false;
}

bool rs_proxies_parse(const char *list, struct rs_proxies *out, char *err, size_t errcap)
{
    out->n = 0;
    if (!list)
        return true;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            if (out->n == RS_FWD_MAX_PROXIES) {
                snprintf(err, errcap, "at most %d trusted proxies", RS_FWD_MAX_PROXIES);
                return false;
            }
            if (!rs_addr_canonical(p, len, out->addr[out->n])) {
                snprintf(err, errcap, "\"%.*s\" is not an IPv4 or IPv6 address", (int)(len > 64 ? 64 : len), p);
                return false;
            }
            out->n++;
        }
        p += len;
        if (*p)
            p++;
    }
    return true;
}

static bool trusted(const struct rs_proxies *p, const char *addr)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->addr[i], addr) == 0)
            return true;
    return false;
}

bool rs_forwarded_client(const struct rs_proxies *p, const char *peer, const char *xff,
                         char out[RS_ADDR_LEN])
{
    snprintf(out, RS_ADDR_LEN, "%s", peer ? peer : "");
    char cpeer[RS_ADDR_LEN];
    if (!p || p->n == 0 || !xff || !peer || !rs_addr_canonical(peer, strlen(peer), cpeer) ||
        !trusted(p, cpeer))
        return false;
    /* right to left: each hop appended the address it received from */
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        char a[RS_ADDR_LEN];
        if (!rs_addr_canonical(xff + start, end - start, a))
            return false; /* garbage (or a port, or "unknown"): the peer, as if no header */
        if (!trusted(p, a)) {
            memcpy(out, a, RS_ADDR_LEN);
            return true;
        }
        end = start > 0 ? start - 1 : 0;
    }
    return false; /* only proxies: the peer */
}
