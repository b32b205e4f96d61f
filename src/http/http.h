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
struct rs_req;
struct rs_stream;

/* A write answered after its commit without holding a server thread meanwhile: see
 * rs_req_write. */
typedef void rs_req_finish_fn(struct rs_req *r, enum rs_err result, void *ctx);

struct rs_req {
    /* request */
    const char *method;         /* borrowed from libmicrohttpd */
    const char *path;           /* decoded path, borrowed */
    char *raw_path;             /* the path as sent, %-escapes kept (routes.c matches it), owned;
                                   NULL when unknown */
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
    char allow[64];             /* Allow header when set (a 405: the path's methods) */
    int retry_after;            /* seconds, when > 0 */
    const char *www_authenticate; /* WWW-Authenticate header when set (static string; an API 401) */
    const char *cache_control;  /* Cache-Control header when set (static string) */
    char set_cookie[2][256];    /* Set-Cookie headers when set (the console's session cookies) */
    bool cors;                  /* Access-Control-Allow-Origin: * (routes.c, for routes a shop's web
                                   pages call with a publishable key; never with cookies) */
    bool cors_preflight;        /* also the preflight's Allow-Methods/Headers and Max-Age */
    const char *csp;            /* Content-Security-Policy when set (static string); also sends
                                   Referrer-Policy: same-origin, and X-Frame-Options: DENY when
                                   it says frame-ancestors 'none' */
    /* client */
    char client_addr[48];       /* the peer's IP address ("127.0.0.1", "::1"); "" when unknown */
    /* a streamed answer (rs_reply_stream) */
    struct rs_stream *stream;
    /* a write waiting for its commit (rs_req_write); server.c's own */
    rs_write_fn *write_fn;
    void *write_ctx;
    rs_req_finish_fn *write_finish;
    unsigned write_flags;
    enum rs_err write_result;
    int write_state; /* 0 none, 1 asked by the handler, 2 queued on the writer */
};

/* A streamed answer, for Server-Sent Events. After the handler returns, the server calls NEXT on
 * one of its threads each time it can send more. NEXT must not block (a few server threads
 * serve every connection): it writes up to CAP bytes into BUF and returns how many, 0 to end the
 * answer, or RS_STREAM_WAIT after filling WAIT: then the connection sleeps, holding no thread,
 * until the events-bus slot of WAIT->merchant_id moves from WAIT->seen (app/events_bus.h), the
 * monotonic clock reaches WAIT->until_ns, or the server stops, and NEXT is called again. FREE
 * (may be NULL) is called once, when the answer ends or the client goes away. */
#define RS_STREAM_WAIT ((size_t)-1)
struct rs_stream_wait {
    int64_t merchant_id;
    uint64_t seen;
    uint64_t until_ns;
};
typedef size_t rs_stream_next_fn(void *ctx, char *buf, size_t cap, struct rs_stream_wait *wait);
struct rs_stream {
    rs_stream_next_fn *next;
    void (*free)(void *ctx);
    void *ctx;
    /* server.c's own */
    void *conn;
    struct rs_server *srv;
    struct rs_stream_wait wait;
    struct rs_stream *wait_next;
    int fd;          /* the client's socket, watched for a hang-up while waiting (-1: not known) */
    bool watched;    /* in the server's hang-up watch set; under its susp_mu */
    bool hung_up;    /* the client closed while the stream waited: end it (atomic) */
};


/* A header or query argument of the request (borrowed; NULL when absent). */
const char *rs_req_header(struct rs_req *r, const char *name);
const char *rs_req_query(struct rs_req *r, const char *name);
/* S as a whole decimal number from LO to HI (a query argument, an id of the path): false when
 * it is anything else (empty, other characters, out of range). */
bool rs_parse_int(const char *s, long long lo, long long hi, long long *out);
/* A list's paging arguments: ?limit= (1..MAX; *LIMIT unchanged when absent) and, when BEFORE is
 * not NULL, ?before= (an id >= 1, the previous page's next_before; BEFORE_WHAT says what it is
 * in the error). False when one is bad: the 400 invalid_parameter answer is already set. */
bool rs_req_page(struct rs_req *r, long long max, long long *limit, long long *before, const char *before_what);
/* The same reading without answering (for pages that answer in HTML): NULL when both are fine,
 * else the name of the bad one ("limit" or "before"). */
const char *rs_req_page_args(struct rs_req *r, long long max, long long *limit, long long *before);
/* A list's filters: when the query has an argument whose name is not in KNOWN (NULL-ended), a
 * 400 invalid_parameter naming it and the known ones is set and false returned ("?status=open"
 * for "?state=open" would list everything, as if no filter were asked). An argument whose name
 * starts with '_' is never a filter and is let through: the cache-buster HTTP clients add
 * ("?_=1701000000000", jQuery's). */
bool rs_req_query_known(struct rs_req *r, const char *const known[]);

/* Server services for handlers. */
struct rs_store *rs_server_reader_get(struct rs_server *srv); /* blocks until one is free */
void rs_server_reader_put(struct rs_server *srv, struct rs_store *s);
struct rs_writer *rs_server_writer(struct rs_server *srv);
const char *rs_server_base_url(struct rs_server *srv);
/* The server's worker_timeout_s (0: no check) and when it started (epoch seconds). */
int rs_server_worker_timeout(struct rs_server *srv, int64_t *started_at);
/* The key of the tracking page's verification tokens (app/track_token.h, RS_TRACK_KEY_LEN bytes). */
const unsigned char *rs_server_track_key(struct rs_server *srv);

/* Run FN(store, CTX) on the group-commit writer like rs_writer_run, without holding the server
 * thread while the commit is waited for: the handler returns right after this call (setting no
 * answer), and FINISH(r, result, CTX) runs later on a server thread, after the commit, with what
 * rs_writer_run would have returned; FINISH sets the answer (and frees CTX if it owns it). CTX
 * must stay valid until FINISH: allocate it, never point at the handler's stack. FLAGS: 0 or
 * RS_WRITE_REPLAYABLE (app/writer.h). */
void rs_req_write(struct rs_req *r, rs_write_fn *fn, void *ctx, unsigned flags, rs_req_finish_fn *finish);

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
/* For an answer that is not rs_reply_err's JSON (an HTML page) after error E: the Retry-After
 * rs_reply_err would give (when E is a 503) and, when DETAIL is not NULL, the log line. */
void rs_req_failed(struct rs_req *r, enum rs_err e, const char *detail);

/* True when the request's Content-Type is TYPE (case-insensitive), with or without parameters
 * ("application/json; charset=utf-8"); a longer type ("application/jsonx") is not TYPE. */
bool rs_req_media_is(struct rs_req *r, const char *type);

/* Parse the JSON body; on failure the error answer is already set and NULL is returned.
 * Requires Content-Type application/json (415 otherwise); malformed JSON is 400 invalid_json,
 * a root that is neither an object nor an array 422 invalid_body. New reference. */
json_t *rs_req_json(struct rs_req *r);

#endif
