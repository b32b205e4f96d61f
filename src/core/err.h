/* err.h — the one error enum shared by every layer of Rastro.
 *
 * 0 is success. Values never change meaning and are never renumbered: add new ones at the end.
 * Detail (a human message) travels separately from the code, in the caller's context. */
#ifndef RS_ERR_H
#define RS_ERR_H

#include <stddef.h>

#define RS_MUST_CHECK __attribute__((warn_unused_result))

enum rs_err {
    RS_OK = 0,
    RS_EINVAL = 1,     /* caller passed something invalid (400/422) */
    RS_ENOTFOUND = 2,  /* 404 */
    RS_ECONFLICT = 3,  /* illegal transition, unique violation (409) */
    RS_ERETRY = 4,     /* transient: busy database, timeout, upstream 429/5xx */
    RS_EREJECTED = 5,  /* permanent refusal by a remote peer */
    RS_EIO = 6,        /* back end or network failure of unknown kind */
    RS_ENOMEM = 7,     /* allocation failed or a bounded buffer hit its cap */
    RS_EINTERNAL = 8,  /* a bug: broken invariant */
    RS_EDUPLICATE = 9, /* the same thing was already recorded: nothing changed */
    RS_EAUTH = 10,     /* missing or invalid credentials (401) */
    RS_EFORBIDDEN = 11,/* credentials lack the scope (403) */
    RS_ETOOBIG = 12,   /* input larger than allowed (413) */
    RS_EFULL = 13,     /* the database's disk is full (503) */
    RS_EREADONLY = 14, /* the database file, its directory or its mount is read-only (503) */
};

/* "not found": a short, lower-case description. Never NULL. */
const char *rs_strerror(enum rs_err e);
/* "RS_ENOTFOUND". Never NULL. */
const char *rs_err_name(enum rs_err e);
/* A refused input: formats the reason into ERR (when not NULL and ERRCAP > 0) and returns
 * RS_EINVAL, so a check reads `return rs_err_fail(err, cap, "x must be …");`. */
enum rs_err rs_err_fail(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
