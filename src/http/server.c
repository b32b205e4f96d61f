/* server.c — libmicrohttpd glue only: daemon, request lifecycle, body limits, answers, and the
 * pool of reader connections. Routing and handlers live in routes.c and api_*.c.
 *
 * Threads: libmicrohttpd runs a small pool of epoll threads (one per core, at least
 * MIN_POOL_THREADS) that serve every connection, so nothing here may wait long on a pool
 * thread. Two kinds of answers wait without holding one (MHD_suspend_connection):
 *  - rs_req_write: the connection is suspended while its job waits for the group commit; the
 *    writer's completion callback resumes it, and the access handler (called again by
 *    libmicrohttpd) runs the handler's finish and queues the answer;
 *  - live streams (SSE): when NEXT has nothing to send it returns RS_STREAM_WAIT; the
 *    connection is suspended and put on the waiters list, which one thread (stream_waiter)
 *    watches on the events bus, resuming a stream when its slot moves or its time is up. The
 *    same thread watches the waiting streams' sockets (epoll, EPOLLRDHUP): a customer who closes
 *    the page is noticed within WAITER_MAX_SLEEP_MS, and its stream ends then, instead of at
 *    the next keep-alive write that fails (up to two keep-alives, ~30 s, holding a descriptor
 *    and a place among the address's RASTRO_STREAMS_PER_ADDR).
 * The other writes still call rs_writer_run and hold their pool thread for one commit (a few
 * ms); MIN_POOL_THREADS keeps some threads free for everyone else meanwhile.
 * libmicrohttpd aborts if it is stopped with a connection suspended: rs_server_stop first
 * forbids new suspensions, wakes the live streams (bus closed) and waits for n_suspended = 0.
 *
 * Request lifecycle (GNU libmicrohttpd manual, "microhttpd-cb"): the access handler is called
 * first with *req_cls == NULL (headers only): we allocate struct rs_req. Then once per chunk of
 * body: we append up to RS_MAX_BODY_BYTES (beyond that we keep reading but drop the bytes and
 * answer 413). The last call has *upload_data_size == 0: we dispatch and queue the answer.
 * MHD_OPTION_NOTIFY_COMPLETED frees the request. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/events_bus.h"
#include "app/track_token.h"
#include "http/http.h"
#include "util/addrcount.h"
#include "util/timefmt.h"

void rs_routes_dispatch(struct rs_req *r);
void rs_routes_done(struct rs_req *r);

#define MIN_POOL_THREADS 4
#define WAITER_MAX_SLEEP_MS 1000

struct rs_server {
    struct MHD_Daemon *daemon;
    struct rs_writer *writer;
    char base_url[256];
    char db_url[1024];
    int worker_timeout_s; /* /healthz: see struct rs_server_config */
    int64_t started_at;
    /* reader pool */
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct rs_store **free_readers;
    int n_free, n_open, max_readers;
    /* suspended connections (see the top of the file) */
    pthread_mutex_t susp_mu;
    pthread_cond_t waiter_cv;    /* a stream joined the waiters, or stopping */
    struct rs_stream *waiters;   /* suspended live streams, under susp_mu */
    bool stopping;               /* no new suspension; under susp_mu */
    bool waiter_started;
    pthread_t waiter;
    int hup_ep;                  /* epoll set of the waiting streams' sockets (-1: none) */
    struct rs_addr_count *conns; /* connections per client address; NULL: no limit */
    unsigned n_suspended;        /* atomic */
    struct rs_proxies proxies;   /* trusted reverse proxies (read-only once started) */
    unsigned char track_key[RS_TRACK_KEY_LEN]; /* app/track_token.h (read-only once started) */
};

const char *rs_req_header(struct rs_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *rs_req_query(struct rs_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool rs_parse_int(const char *s, long long lo, long long hi, long long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

const char *rs_req_page_args(struct rs_req *r, long long max, long long *limit, long long *before)
{
    const char *ls = rs_req_query(r, "limit"), *bs = before ? rs_req_query(r, "before") : NULL;
    if (ls && !rs_parse_int(ls, 1, max, limit))
        return "limit";
    if (bs && !rs_parse_int(bs, 1, INT64_MAX, before))
        return "before";
    return NULL;
}

bool rs_req_page(struct rs_req *r, long long max, long long *limit, long long *before, const char *before_what)
{
    const char *bad = rs_req_page_args(r, max, limit, before);
    if (bad && strcmp(bad, "limit") == 0)
        rs_reply_error(r, 400, "invalid_parameter", "limit must be a whole number from 1 to %lld", max);
    else if (bad)
        rs_reply_error(r, 400, "invalid_parameter", "before must be %s", before_what);
    return !bad;
}

struct query_known {
    const char *const *known;
    const char *unknown; /* the first argument not known */
};

static enum MHD_Result query_known_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    struct query_known *q = cls;
    if (key && key[0] == '_') /* a cache-buster, not a filter */
        return MHD_YES;
    for (size_t i = 0; q->known[i]; i++)
        if (key && strcmp(key, q->known[i]) == 0)
            return MHD_YES;
    q->unknown = key ? key : "";
    return MHD_NO;
}

bool rs_req_query_known(struct rs_req *r, const char *const known[])
{
    struct query_known q = {.known = known};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_known_one, &q);
    if (!q.unknown)
        return true;
    char names[256] = "none";
    for (size_t i = 0, n = 0; known[i] && n < sizeof names; i++)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", known[i]);
    rs_reply_error(r, 400, "invalid_parameter", "\"%.40s\" is not a parameter of %s %.100s (it takes %s)", q.unknown,
                   r->method, r->path, names);
    return false;
}

struct rs_writer *rs_server_writer(struct rs_server *srv)
{
    return srv->writer;
}

const unsigned char *rs_server_track_key(struct rs_server *srv)
{
    return srv->track_key;
}

/* The installation's tracking-token key: made on the first start, the same ever after. */
static enum rs_err track_key_job(struct rs_store *s, void *ctx)
{
    struct rs_server *srv = ctx;
    unsigned char fresh[RS_TRACK_KEY_LEN];
    if (RAND_bytes(fresh, sizeof fresh) != 1)
        return RS_EINTERNAL;
    enum rs_err e = rs_store_install_secret(s, "track_token", fresh, srv->track_key);
    OPENSSL_cleanse(fresh, sizeof fresh);
    return e;
}

int rs_server_worker_timeout(struct rs_server *srv, int64_t *started_at)
{
    *started_at = srv->started_at;
    return srv->worker_timeout_s;
}

const char *rs_server_base_url(struct rs_server *srv)
{
    return srv->base_url;
}

struct rs_store *rs_server_reader_get(struct rs_server *srv)
{
    pthread_mutex_lock(&srv->pool_mu);
    for (;;) {
        if (srv->n_free > 0) {
            struct rs_store *s = srv->free_readers[--srv->n_free];
            pthread_mutex_unlock(&srv->pool_mu);
            return s;
        }
        if (srv->n_open < srv->max_readers) {
            srv->n_open++;
            pthread_mutex_unlock(&srv->pool_mu);
            struct rs_store *s = NULL;
            char err[256];
            if (rs_store_open(srv->db_url, RS_STORE_READONLY, &s, err, sizeof err) != RS_OK) {
                fprintf(stderr, "server: cannot open a reader: %s\n", err);
                pthread_mutex_lock(&srv->pool_mu);
                srv->n_open--;
                pthread_mutex_unlock(&srv->pool_mu);
                return NULL;
            }
            return s;
        }
        pthread_cond_wait(&srv->pool_cv, &srv->pool_mu);
    }
}

void rs_server_reader_put(struct rs_server *srv, struct rs_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&srv->pool_mu);
    srv->free_readers[srv->n_free++] = s;
    pthread_cond_signal(&srv->pool_cv);
    pthread_mutex_unlock(&srv->pool_mu);
}

void rs_reply_text(struct rs_req *r, int status, const char *content_type, const char *text, size_t len)
{
    free(r->resp);
    r->resp = malloc(len + 1);
    if (!r->resp) {
        r->resp_len = 0;
        r->status = 503;
        return;
    }
    memcpy(r->resp, text, len);
    r->resp[len] = '\0';
    r->resp_len = len;
    r->status = status;
    r->content_type = content_type;
}

void rs_reply_json(struct rs_req *r, int status, json_t *j)
{
    free(r->resp);
    /* 15 significant digits: a stored 0.9 reads 0.9, not jansson's default 0.90000000000000002 */
    r->resp = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(j);
    if (!r->resp) {
        r->status = 503;
        r->resp_len = 0;
        return;
    }
    r->resp_len = strlen(r->resp);
    r->status = status;
    r->content_type = "application/json";
}

void rs_reply_stream(struct rs_req *r, int status, const char *content_type, rs_stream_next_fn *next,
                     void (*free_fn)(void *ctx), void *ctx)
{
    if (r->stream && r->stream->free)
        r->stream->free(r->stream->ctx);
    free(r->stream);
    r->stream = calloc(1, sizeof *r->stream);
    if (!r->stream) {
        if (free_fn)
            free_fn(ctx);
        r->status = 503;
        return;
    }
    r->stream->fd = -1;
    r->stream->next = next;
    r->stream->free = free_fn;
    r->stream->ctx = ctx;
    free(r->resp);
    r->resp = NULL;
    r->resp_len = 0;
    r->status = status;
    r->content_type = content_type;
}

/* Suspend CONN unless the server is stopping (then false). Every suspension is counted. */
static bool suspend(struct rs_server *srv, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&srv->susp_mu);
    bool ok = !srv->stopping;
    if (ok) {
        __atomic_add_fetch(&srv->n_suspended, 1, __ATOMIC_ACQ_REL);
        MHD_suspend_connection(conn);
    }
    pthread_mutex_unlock(&srv->susp_mu);
    return ok;
}

static void resume(struct rs_server *srv, struct MHD_Connection *conn)
{
    MHD_resume_connection(conn);
    __atomic_sub_fetch(&srv->n_suspended, 1, __ATOMIC_ACQ_REL);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct rs_stream *st = cls;
    /* The client went away while the stream waited: end the answer; libmicrohttpd then reads the
     * end of the connection and closes it. (END_WITH_ERROR would close it too, with a log line for
     * every page a customer closes.) */
    if (__atomic_load_n(&st->hung_up, __ATOMIC_ACQUIRE))
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = st->next(st->ctx, buf, max, &st->wait);
    if (n != RS_STREAM_WAIT)
        return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
    struct rs_server *srv = st->srv;
    pthread_mutex_lock(&srv->susp_mu);
    if (srv->stopping) {
        pthread_mutex_unlock(&srv->susp_mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    __atomic_add_fetch(&srv->n_suspended, 1, __ATOMIC_ACQ_REL);
    MHD_suspend_connection(st->conn);
    if (srv->hup_ep >= 0 && st->fd >= 0) { /* unwatched (no memory): noticed at a keep-alive */
        struct epoll_event ev = {.events = EPOLLRDHUP, .data.ptr = st};
        st->watched = epoll_ctl(srv->hup_ep, EPOLL_CTL_ADD, st->fd, &ev) == 0;
    }
    st->wait_next = srv->waiters;
    srv->waiters = st;
    pthread_cond_signal(&srv->waiter_cv);
    pthread_mutex_unlock(&srv->susp_mu);
    rs_bus_poke(); /* the waiter re-reads the slots, this one included */
    return 0;       /* called again once resumed */
}

/* The waiters' thread: resumes a suspended live stream when its bus slot moved, its time is
 * up, or the bus closes (server stopping). Waits on the bus only while someone is waiting, so
 * that bumps cost nothing when nobody watches. */
static void *stream_waiter(void *arg)
{
    struct rs_server *srv = arg;
    pthread_mutex_lock(&srv->susp_mu);
    for (;;) {
        if (!srv->waiters) {
            if (srv->stopping)
                break;
            pthread_cond_wait(&srv->waiter_cv, &srv->susp_mu);
            continue;
        }
        uint64_t seen = rs_bus_bumps(), now = rs_mono_ns(), next = now + WAITER_MAX_SLEEP_MS * 1000000ull;
        bool closing = rs_bus_closing();
        if (srv->hup_ep >= 0) { /* clients that went away; every watched stream is on the list */
            struct epoll_event evs[64];
            int k;
            do {
                k = epoll_wait(srv->hup_ep, evs, 64, 0);
                for (int i = 0; i < k; i++) {
                    struct rs_stream *st = evs[i].data.ptr;
                    __atomic_store_n(&st->hung_up, true, __ATOMIC_RELEASE);
                    epoll_ctl(srv->hup_ep, EPOLL_CTL_DEL, st->fd, NULL);
                    st->watched = false;
                }
            } while (k == 64);
        }
        for (struct rs_stream **pp = &srv->waiters; *pp;) {
            struct rs_stream *st = *pp;
            if (closing || st->hung_up || now >= st->wait.until_ns ||
                rs_bus_seq(st->wait.merchant_id) != st->wait.seen) {
                *pp = st->wait_next;
                if (st->watched) {
                    epoll_ctl(srv->hup_ep, EPOLL_CTL_DEL, st->fd, NULL);
                    st->watched = false;
                }
                resume(srv, st->conn); /* st may be gone from here on */
                continue;
            }
            if (st->wait.until_ns < next)
                next = st->wait.until_ns;
            pp = &st->wait_next;
        }
        if (!srv->waiters)
            continue;
        pthread_mutex_unlock(&srv->susp_mu);
        int ms = (int)((next - now) / 1000000ull) + 1;
        rs_bus_wait_any(seen, ms);
        pthread_mutex_lock(&srv->susp_mu);
    }
    pthread_mutex_unlock(&srv->susp_mu);
    return NULL;
}

/* Writer thread, after the commit of a request's job: record and hand back to libmicrohttpd. */
static void write_done(enum rs_err result, void *ctx)
{
    struct rs_req *r = ctx;
    struct rs_server *srv = r->srv;
    struct MHD_Connection *conn = r->conn;
    r->write_result = result;
    resume(srv, conn); /* r may be gone from here on */
}

void rs_req_write(struct rs_req *r, rs_write_fn *fn, void *ctx, unsigned flags, rs_req_finish_fn *finish)
{
    r->write_fn = fn;
    r->write_ctx = ctx;
    r->write_flags = flags;
    r->write_finish = finish;
    r->write_state = 1;
}

static void stream_free(void *cls)
{
    struct rs_stream *st = cls;
    if (st->free)
        st->free(st->ctx);
    free(st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode t)
{
    struct rs_req *r = *req_cls;
    if (!r)
        return;
    if (r->write_state) /* the answer was never built: let the handler's finish free its context */
        r->write_finish(r, r->write_state == 2 ? r->write_result : RS_ERETRY, r->write_ctx);
    free(r->body);
    free(r->resp);
    free(r->raw_path);
    if (r->stream) /* never handed to a response */
        stream_free(r->stream);
    free(r);
    *req_cls = NULL;
}

/* libmicrohttpd's URI log callback, called once per request before it decodes the URL: the
 * request starts here, keeping the path as sent (an escaped '/' must not split a segment). */
/* libmicrohttpd's own log lines (MHD_USE_ERROR_LOG), on stderr like ours. A client that goes
 * away — a customer closing the tracking page, whose live stream learns it on its next
 * keep-alive — is routine, not an error: one line for each would fill the disk on a busy day, so
 * those are left out. Anything else (resource limits, bad requests) is kept. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    static const char *const peer_gone[] = {
        "The socket is no longer available for sending", "The connection was forcibly closed by remote peer",
        "The socket is not connected", "Socket has been disconnected when reading request",
    };
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    for (size_t i = 0; i < sizeof peer_gone / sizeof peer_gone[0]; i++)
        if (strstr(line, peer_gone[i]))
            return;
    size_t n = strlen(line);
    fprintf(stderr, "http: %s%s", line, n && line[n - 1] == '\n' ? "" : "\n");
}

/* SA as text ("203.0.113.7", "2001:db8::1") into OUT; "" for another family. */
static const char *addr_text(const struct sockaddr *sa, char out[48])
{
    out[0] = '\0';
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 48);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 48);
    return out;
}

static const char *peer_addr(struct MHD_Connection *conn, char out[48])
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return addr_text(ci ? ci->client_addr : NULL, out);
}

/* Connections one address may hold open at once (RASTRO_CONNS_PER_ADDR): refused at accept
 * when it holds them all, counted while open. Counted here rather than by libmicrohttpd's
 * per-IP limit so that an IPv6 client's /64 is one address (util/addrcount.h). A few accepts
 * racing on the pool threads may pass the cap by one each. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct rs_server *srv = cls;
    char a[48];
    (void)addrlen;
    return !srv->conns || !*addr_text(addr, a) || rs_addr_count_below(srv->conns, a) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct rs_server *srv = cls;
    char a[48];
    if (!srv->conns)
        return;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) /* marked when counted, to be given back once */
        *socket_context = *peer_addr(conn, a) && rs_addr_count_add(srv->conns, a) ? srv : NULL;
    else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context)
        rs_addr_count_put(srv->conns, peer_addr(conn, a));
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct rs_req *r = calloc(1, sizeof *r);
    if (r && uri)
        r->raw_path = strndup(uri, strcspn(uri, "?#"));
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    struct rs_server *srv = cls;
    struct rs_req *r = *req_cls;
    if (!r || !r->conn) { /* the first call (on_uri made R) */
        if (!r && !(r = calloc(1, sizeof *r)))
            return MHD_NO;
        r->started_ns = rs_mono_ns();
        r->conn = conn;
        r->srv = srv;
        r->method = method;
        r->path = url;
        r->route = -1;
        peer_addr(conn, r->client_addr);
        if (srv->proxies.n) { /* behind a reverse proxy: the client it forwards for */
            char client[RS_ADDR_LEN];
            if (rs_forwarded_client(&srv->proxies, r->client_addr,
                                    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Forwarded"),
                                    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"), client))
                snprintf(r->client_addr, sizeof r->client_addr, "%s", client);
        }
        *req_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->body_too_big || r->body_len + n > RS_MAX_BODY_BYTES) {
            r->body_too_big = true;
            return MHD_YES;
        }
        char *nb = realloc(r->body, r->body_len + n + 1);
        if (!nb) {
            r->body_too_big = true;
            return MHD_YES;
        }
        r->body = nb;
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }

    if (r->write_state == 2) { /* resumed after the commit */
        r->write_state = 0;
        r->write_finish(r, r->write_result, r->write_ctx);
        rs_routes_done(r);
    } else {
        rs_routes_dispatch(r);
        if (r->write_state == 1) {
            if (suspend(srv, conn)) {
                r->write_state = 2;
                enum rs_err e = rs_writer_submit(srv->writer, r->write_fn, r->write_ctx, r->write_flags, write_done, r);
                if (e == RS_OK)
                    return MHD_YES; /* answered once resumed */
                r->write_result = e;
                resume(srv, conn);
                return MHD_YES;
            }
            /* stopping: wait for the commit here */
            r->write_state = 0;
            r->write_finish(r, rs_writer_run(srv->writer, r->write_fn, r->write_ctx), r->write_ctx);
            rs_routes_done(r);
        }
    }

    struct MHD_Response *resp;
    if (r->stream) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, r->stream, stream_free);
        if (!resp)
            return MHD_NO; /* on_completed frees the stream */
        r->stream->conn = conn;
        r->stream->srv = srv;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        r->stream->fd = ci ? ci->connect_fd : -1;
        r->stream = NULL; /* owned by the response now */
        MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    } else {
        resp = r->resp ? MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_MUST_FREE)
                       : MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        r->resp = NULL; /* owned by the response now */
    }
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->www_authenticate)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_authenticate);
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (r->cache_control)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    for (int i = 0; i < 2; i++)
        if (r->set_cookie[i][0])
            MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie[i]);
    if (r->csp) {
        MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
        if (strstr(r->csp, "frame-ancestors 'none'")) /* the same for browsers without CSP 2 */
            MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    }
    if (r->cors) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        if (r->cors_preflight) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
            MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Authorization");
            MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
        }
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum rs_err rs_server_start(const struct rs_server_config *cfg, struct rs_server **out, char *err, size_t errcap)
{
    struct rs_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return RS_ENOMEM;
    srv->hup_ep = -1;
    if (cfg->trusted_proxies)
        srv->proxies = *cfg->trusted_proxies;
    snprintf(srv->db_url, sizeof srv->db_url, "%s", cfg->db_url);
    srv->worker_timeout_s = cfg->worker_timeout_s;
    srv->started_at = rs_now();
    if (cfg->base_url && *cfg->base_url) {
        snprintf(srv->base_url, sizeof srv->base_url, "%s", cfg->base_url);
        size_t n = strlen(srv->base_url);
        while (n > 0 && srv->base_url[n - 1] == '/')
            srv->base_url[--n] = '\0';
    } else {
        bool v6 = strchr(cfg->host, ':') != NULL;
        snprintf(srv->base_url, sizeof srv->base_url, "http://%s%s%s:%d", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
                 cfg->port);
    }
    rs_bus_open();
    srv->max_readers = cfg->readers > 0 ? cfg->readers : 8;
    srv->free_readers = calloc((size_t)srv->max_readers, sizeof *srv->free_readers);
    pthread_mutex_init(&srv->pool_mu, NULL);
    pthread_cond_init(&srv->pool_cv, NULL);
    pthread_mutex_init(&srv->susp_mu, NULL);
    pthread_cond_init(&srv->waiter_cv, NULL);
    srv->hup_ep = epoll_create1(EPOLL_CLOEXEC); /* on failure (-1) hang-ups show at keep-alives */
    if (pthread_create(&srv->waiter, NULL, stream_waiter, srv) != 0) {
        snprintf(err, errcap, "cannot start the live streams' thread");
        rs_server_stop(srv);
        return RS_EINTERNAL;
    }
    srv->waiter_started = true;

    /* The writer opens first: it creates the file and applies migrations. */
    enum rs_err e = rs_writer_open(cfg->db_url, &srv->writer, err, errcap);
    if (!e && (e = rs_writer_run(srv->writer, track_key_job, srv)) != RS_OK)
        snprintf(err, errcap, "cannot read or make the installation's tracking-token key in database '%s' (%s)",
                 cfg->db_url, rs_strerror(e));
    if (e) {
        rs_server_stop(srv);
        return e;
    }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned pool = cores > MIN_POOL_THREADS ? (unsigned)cores : MIN_POOL_THREADS;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errcap, "listen address '%s' is not an IPv4 or IPv6 address", cfg->host);
        rs_server_stop(srv);
        return RS_EINVAL;
    }
    /* Connections one address may hold open at once (RASTRO_CONNS_PER_ADDR, default 100; 0 = no
     * limit): a slow or idle client keeps its connection for the 120 s timeout, and the 2000 are
     * everyone's. Behind a trusted proxy every connection comes from the proxy: the proxy limits. */
    const char *cpa = getenv("RASTRO_CONNS_PER_ADDR");
    unsigned per_addr = cpa && *cpa ? (unsigned)strtoul(cpa, NULL, 10) : 100;
    if (per_addr && !srv->proxies.n &&
        !(srv->conns = rs_addr_count_new(RS_SERVER_MAX_CONNECTIONS, per_addr > INT32_MAX ? INT32_MAX : (int)per_addr))) {
        snprintf(err, errcap, "out of memory");
        rs_server_stop(srv);
        return RS_ENOMEM;
    }
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, on_accept, srv, on_request, srv,
                                   MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv, /* first, or MHD warns */
                                   MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
                                   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                   MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
                                   MHD_OPTION_THREAD_POOL_SIZE, pool,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)RS_SERVER_MAX_CONNECTIONS,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                   MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
                                   MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errcap, "cannot listen on %s:%d (in use, or not allowed)", cfg->host, cfg->port);
        rs_server_stop(srv);
        return RS_EIO;
    }
    *out = srv;
    return RS_OK;
}

void rs_server_stop(struct rs_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->susp_mu);
    srv->stopping = true; /* no new suspension from here on */
    pthread_cond_signal(&srv->waiter_cv);
    pthread_mutex_unlock(&srv->susp_mu);
    rs_bus_close(); /* live streams end now rather than at their next keep-alive */
    /* libmicrohttpd must not be stopped with a suspended connection: the writer resumes the
     * ones waiting for a commit within a round, the waiter the live streams at once. */
    for (int i = 0; i < 10000 && __atomic_load_n(&srv->n_suspended, __ATOMIC_ACQUIRE); i++)
        usleep(1000);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    if (srv->waiter_started)
        pthread_join(srv->waiter, NULL);
    rs_writer_close(srv->writer);
    for (int i = 0; i < srv->n_free; i++)
        rs_store_close(srv->free_readers[i]);
    free(srv->free_readers);
    pthread_mutex_destroy(&srv->pool_mu);
    pthread_cond_destroy(&srv->pool_cv);
    pthread_mutex_destroy(&srv->susp_mu);
    pthread_cond_destroy(&srv->waiter_cv);
    if (srv->hup_ep >= 0)
        close(srv->hup_ep);
    rs_addr_count_free(srv->conns);
    free(srv);
}
