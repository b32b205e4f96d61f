/* err.c — names and descriptions of enum rs_err. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name;
    const char *text;
} err_table[] = {
    [RS_OK] = {"RS_OK", "success"},
    [RS_EINVAL] = {"RS_EINVAL", "invalid input"},
    [RS_ENOTFOUND] = {"RS_ENOTFOUND", "not found"},
    [RS_ECONFLICT] = {"RS_ECONFLICT", "conflict"},
    [RS_ERETRY] = {"RS_ERETRY", "temporary failure, try again"},
    [RS_EREJECTED] = {"RS_EREJECTED", "rejected by the remote peer"},
    [RS_EIO] = {"RS_EIO", "input/output error"},
    [RS_ENOMEM] = {"RS_ENOMEM", "out of memory"},
    [RS_EINTERNAL] = {"RS_EINTERNAL", "internal error"},
    [RS_EDUPLICATE] = {"RS_EDUPLICATE", "duplicate"},
    [RS_EAUTH] = {"RS_EAUTH", "authentication required"},
    [RS_EFORBIDDEN] = {"RS_EFORBIDDEN", "forbidden"},
    [RS_ETOOBIG] = {"RS_ETOOBIG", "too big"},
    [RS_EFULL] = {"RS_EFULL", "storage full"},
    [RS_EREADONLY] = {"RS_EREADONLY", "storage read-only"},
};

const char *rs_strerror(enum rs_err e)
{
    if ((unsigned)e >= sizeof err_table / sizeof err_table[0] || !err_table[e].text)
        return "unknown error";
    return err_table[e].text;
}

const char *rs_err_name(enum rs_err e)
{
    if ((unsigned)e >= sizeof err_table / sizeof err_table[0] || !err_table[e].name)
        return "RS_E?";
    return err_table[e].name;
}

enum rs_err rs_err_fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return RS_EINVAL;
}
