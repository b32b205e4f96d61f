/* fwdaddr.c — the client's address behind trusted proxies (fwdaddr.h). */
#include "util/fwdaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* True when S[0..LEN) is ":" and 1 to 5 digits of a port (1-65535). */
static bool is_port(const char *s, size_t len)
{
    if (len < 2 || len > 6 || s[0] != ':')
        return false;
    unsigned v = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* One X-Forwarded-For entry: an address, or an address with the client's port as some proxies
 * write it ("203.0.113.7:51234", "[2001:db8::7]:443"; Azure Application Gateway does). */
static bool xff_entry(const char *s, size_t len, char out[RS_ADDR_LEN])
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    const char *colon = memchr(s, ':', len);
    if (len && s[0] == '[') { /* [IPv6]:port */
        const char *close = memchr(s, ']', len);
        if (close && is_port(close + 1, len - (size_t)(close + 1 - s)))
            len = (size_t)(close + 1 - s);
    } else if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) &&
               is_port(colon, len - (size_t)(colon - s))) { /* IPv4:port (one colon: not IPv6) */
        len = (size_t)(colon - s);
    }
    return rs_addr_canonical(s, len, out);
}

static bool trusted(const struct rs_proxies *p, const char *addr)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->addr[i], addr) == 0)
            return true;
    return false;
}

/* The address of one RFC 7239 forwarded-element ("for=192.0.2.60;proto=https",
 * "For=\"[2001:db8::7]:443\""): its for= parameter, unquoted. Obfuscated identifiers
 * ("_hidden", "unknown") and elements without for= are not addresses. */
static bool fwd_element(const char *s, size_t len, char out[RS_ADDR_LEN])
{
    const char *end = s + len;
    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *pe = semi ? semi : end;
        while (s < pe && (*s == ' ' || *s == '\t'))
            s++;
        if (pe - s > 4 && strncasecmp(s, "for=", 4) == 0) {
            const char *v = s + 4, *ve = pe;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            if (ve - v >= 2 && v[0] == '"' && ve[-1] == '"') {
                v++;
                ve--;
            }
            return xff_entry(v, (size_t)(ve - v), out);
        }
        s = semi ? semi + 1 : end;
    }
    return false;
}

/* Right to left through the comma-separated hops of HDR (each hop appended the address it
 * received from), ENTRY reading one hop's address. */
static bool walk_hops(const struct rs_proxies *p, const char *hdr,
                      bool (*entry)(const char *, size_t, char[RS_ADDR_LEN]), char out[RS_ADDR_LEN])
{
    size_t end = strlen(hdr);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && hdr[start - 1] != ',')
            start--;
        char a[RS_ADDR_LEN];
        if (!entry(hdr + start, end - start, a))
            return false; /* garbage (or "unknown"): the peer, as if no header */
        if (!trusted(p, a)) {
            memcpy(out, a, RS_ADDR_LEN);
            return true;
        }
        end = start > 0 ? start - 1 : 0;
    }
    return false; /* only proxies: the peer */
}

bool rs_forwarded_client(const struct rs_proxies *p, const char *peer, const char *forwarded, const char *xff,
                         char out[RS_ADDR_LEN])
{
    snprintf(out, RS_ADDR_LEN, "%s", peer ? peer : "");
    char cpeer[RS_ADDR_LEN];
    if (!p || p->n == 0 || (!xff && !forwarded) || !peer || !rs_addr_canonical(peer, strlen(peer), cpeer) ||
        !trusted(p, cpeer))
        return false;
    if (forwarded) /* the standard header wins: a proxy that writes it means it */
        return walk_hops(p, forwarded, fwd_element, out);
    return walk_hops(p, xff, xff_entry, out);
}
