/* errors.c — the only place that turns an rs_err into an HTTP status and an error body. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"

int rs_http_status_for(enum rs_err e)
{
    switch (e) {
    case RS_OK:
        return 200;
    case RS_EINVAL:
        return 400;
    case RS_ENOTFOUND:
        return 404;
    case RS_ECONFLICT:
        return 409;
    case RS_EDUPLICATE:
        return 200;
    case RS_EAUTH:
        return 401;
    case RS_EFORBIDDEN:
        return 403;
    case RS_ETOOBIG:
        return 413;
    case RS_ERETRY:
    case RS_EIO:
    case RS_ENOMEM:
    case RS_EFULL:
    case RS_EREADONLY:
        return 503;
    default:
        return 500;
    }
}

void rs_req_failed(struct rs_req *r, enum rs_err e, const char *detail)
{
    if (rs_http_status_for(e) == 503) /* a full or read-only disk takes a person to fix */
        r->retry_after = e == RS_EFULL || e == RS_EREADONLY ? 30 : 1;
    if (detail) /* an empty detail (nothing more known than the error) gets no empty "()" */
        fprintf(stderr, "http: %s %s: %s%s%s%s\n", r->method, r->path, rs_err_name(e), detail[0] ? " (" : "",
                detail, detail[0] ? ")" : "");
}

void rs_reply_err(struct rs_req *r, enum rs_err e, const char *detail)
{
    int status = rs_http_status_for(e);
    const char *code = "internal";
    const char *msg = rs_strerror(e);
    switch (status) {
    case 400:
        code = "invalid_request";
        break;
    case 404:
        code = "not_found";
        break;
    case 409:
        code = "conflict";
        break;
    case 413:
        code = "too_large";
        break;
    case 503:
        code = "unavailable";
        /* the cause, as far as it is known: a developer (or the sysadmin they call) can act on it */
        if (e == RS_ERETRY) {
            msg = "the database is busy (locked by another process, e.g. a backup or a maintenance "
                  "command); nothing was changed, try again";
        } else if (e == RS_EFULL) {
            msg = "storage full: the server's disk has no space left; nothing was changed, try again later";
        } else if (e == RS_EREADONLY) {
            msg = "storage read-only: the server cannot write its database; nothing was changed, try again later";
        } else {
            msg = "the service is busy or its storage is failing; nothing was changed, try again";
        }
        break;
    case 500:
        msg = "internal error; nothing was changed";
        break;
    }
    if (status >= 500)
        rs_req_failed(r, e, detail);
    rs_reply_error(r, status, code, "%s", status < 500 && detail ? detail : msg);
}

void rs_reply_error(struct rs_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *m = json_string(msg);
    if (!m) {
        /* the message quotes something the client sent (a path segment "%C3") that is not
         * UTF-8: show those bytes as '?' rather than answer an error without its message */
        for (char *c = msg; *c; c++)
            if ((unsigned char)*c >= 0x80)
                *c = '?';
        m = json_string(msg);
    }
    json_t *err = json_object();
    json_object_set_new(err, "code", json_string(code));
    json_object_set_new(err, "message", m);
    json_t *root = json_object();
    json_object_set_new(root, "error", err);
    rs_reply_json(r, status, root);
}
