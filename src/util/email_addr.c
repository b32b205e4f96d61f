/* email_addr.c — see email_addr.h. */
#include "util/email_addr.h"

#include <string.h>

bool rs_email_plausible_n(const char *s, size_t len)
{
    if (!s || len == 0 || len > 254)
        return false;
    size_t at = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || strchr("<>\",;", c))
            return false;
        if (c == '@') {
            if (at != len)
                return false; /* a second '@' */
            at = i;
        }
    }
    if (at == 0 || at == len)
        return false;
    const char *dom = s + at + 1;
    size_t dl = len - at - 1;
    return dl >= 3 && dom[0] != '.' && dom[dl - 1] != '.' && memchr(dom, '.', dl) != NULL;
}

bool rs_email_plausible(const char *s)
{
    return s && rs_email_plausible_n(s, strlen(s));
}

bool rs_email_mailbox_ok(const char *s)
{
    if (!s)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < ' ' || *c == 0x7f)
            return false;
    const char *lt = strchr(s, '<');
    if (!lt)
        return rs_email_plausible(s);
    const char *gt = strchr(lt, '>');
    if (!gt || memchr(s, '>', (size_t)(lt - s)))
        return false;
    for (const char *t = gt + 1; *t; t++)
        if (*t != ' ')
            return false;
    return rs_email_plausible_n(lt + 1, (size_t)(gt - lt - 1));
}
