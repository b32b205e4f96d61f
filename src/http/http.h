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
    const char *cache_control;  /* Cache-Control header when set (static string) */
    char set_cookie[2][256];    /* Set-Cookie headers when set (the console's session cookies) */
    const char *csp;            /* Content-Security-Policy when set (static string); also sends
                                   X-Frame-Options: DENY and Referrer-Policy: same-origin */
    /* client */
    char client_addr[48];       /* the peer's IP address ("127.0.0.1", "::1"); "" when unknown */
    /* a streamed answer (rs_reply_stream) */
    struct rs_stream *stream;
};

/* A streamed answer, for Server-Sent Events. After the handler returns, the server calls NEXT on
 * the connection's own thread each time it can send more (NEXT may block: one thread per
 * connection); NEXT writes up to CAP bytes into BUF and returns how many, or 0 to end the
 * answer. FREE (may be NULL) is called once, when the answer ends or the client goes away. */
typedef size_t rs_stream_next_fn(void *ctx, char *buf, size_t cap);
struct rs_stream {
    rs_stream_next_fn *next;
    void (*free)(void *ctx);
    void *ctx;
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
/* Answer STATUS with a stream (see struct rs_stream); CTX is owned by the stream from here. */
void rs_reply_stream(struct rs_req *r, int status, const char *content_type, rs_stream_next_fn *next,
                     void (*free_fn)(void *ctx), void *ctx);
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
