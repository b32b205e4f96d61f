/* http.h — what every HTTP handler sees: the request, the answer it builds, and the services
 * (reader pool, writer) of the server. libmicrohttpd stays inside server.c; handlers never
 * include microhttpd.h. */
#ifndef RS_HTTP_H
#define RS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/writer.h"
#include "core/err.h"
#include "store/store.h"
#include "util/jget.h"

#define RS_MAX_BODY_BYTES (4u * 1024 * 1024)
#define RS_MAX_PARAMS 4

struct rs_server;

struct rs_req {
    /* request */
    const char *method;         /* borrowed from libmicrohttpd */
    const char *path;           /* decoded path, borrowed */
    const char *params[RS_MAX_PARAMS]; /* {…} segments of the route pattern, owned (param_buf) */
    char param_buf[512];
    char *body;                 /* owned, NUL-terminated */
    size_t body_len;
    bool body_too_big;
    void *conn;                 /* struct MHD_Connection *, for server.c */
    struct rs_server *srv;
    /* who is asking (set by routes.c for authenticated routes) */
    int64_t merchant_id;
    unsigned scopes;
    int route;                  /* index in the route table, for metrics */
    uint64_t started_ns;
    /* answer */
    int status;
    char *resp;                 /* owned */
    size_t resp_len;
    const char *content_type;   /* static string */
    char location[1024];        /* Location header when set */
    int retry_after;            /* seconds, when > 0 */
};

/* A header or query argument of the request (borrowed; NULL when absent). */
const char *rs_req_header(struct rs_req *r, const char *name);
const char *rs_req_query(struct rs_req *r, const char *name);

/* Server services for handlers. */
struct rs_store *rs_server_reader_get(struct rs_server *srv); /* blocks until one is free */
void rs_server_reader_put(struct rs_server *srv, struct rs_store *s);
struct rs_writer *rs_server_writer(struct rs_server *srv);
const char *rs_server_base_url(struct rs_server *srv);

/* Answers. rs_reply_json steals J. */
void rs_reply_json(struct rs_req *r, int status, json_t *j);
void rs_reply_text(struct rs_req *r, int status, const char *content_type, const char *text, size_t len);
/* {"error":{"code":CODE,"message":…}} with STATUS. */
void rs_reply_error(struct rs_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The one rs_err → HTTP mapping (errors.c): 400/404/409/413/503/500 with a clear message. */
void rs_reply_err(struct rs_req *r, enum rs_err e, const char *detail);
int rs_http_status_for(enum rs_err e);

/* Parse the JSON body; on failure the error answer is already set and NULL is returned.
 * Requires Content-Type application/json (415 otherwise). New reference. */
json_t *rs_req_json(struct rs_req *r);

#endif
