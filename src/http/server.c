/* server.c — libmicrohttpd glue only: daemon, request lifecycle, body limits, answers, and the
 * pool of reader connections. Routing and handlers live in routes.c and api_*.c.
 *
 * Request lifecycle (GNU libmicrohttpd manual, "microhttpd-cb"): the access handler is called
 * first with *req_cls == NULL (headers only): we allocate struct rs_req. Then once per chunk of
 * body: we append up to RS_MAX_BODY_BYTES (beyond that we keep reading but drop the bytes and
 * answer 413). The last call has *upload_data_size == 0: we dispatch and queue the answer.
 * MHD_OPTION_NOTIFY_COMPLETED frees the request. */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events_bus.h"
#include "http/http.h"
#include "util/timefmt.h"

void rs_routes_dispatch(struct rs_req *r);

struct rs_server {
    struct MHD_Daemon *daemon;
    struct rs_writer *writer;
    char base_url[256];
    char db_url[1024];
    /* reader pool */
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct rs_store **free_readers;
    int n_free, n_open, max_readers;
};

const char *rs_req_header(struct rs_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *rs_req_query(struct rs_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct rs_writer *rs_server_writer(struct rs_server *srv)
{
    return srv->writer;
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
    r->resp = json_dumps(j, JSON_COMPACT);
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
    r->stream->next = next;
    r->stream->free = free_fn;
    r->stream->ctx = ctx;
    free(r->resp);
    r->resp = NULL;
    r->resp_len = 0;
    r->status = status;
    r->content_type = content_type;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct rs_stream *st = cls;
    size_t n = st->next(st->ctx, buf, max);
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
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
    free(r->body);
    free(r->resp);
    if (r->stream) /* never handed to a response */
        stream_free(r->stream);
    free(r);
    *req_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    struct rs_server *srv = cls;
    struct rs_req *r = *req_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->started_ns = rs_mono_ns();
        r->conn = conn;
        r->srv = srv;
        r->method = method;
        r->path = url;
        r->route = -1;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client_addr,
                          sizeof r->client_addr);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client_addr,
                          sizeof r->client_addr);
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

    rs_routes_dispatch(r);

    struct MHD_Response *resp;
    if (r->stream) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, r->stream, stream_free);
        if (!resp)
            return MHD_NO; /* on_completed frees the stream */
        r->stream = NULL;  /* owned by the response now */
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
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
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
    snprintf(srv->db_url, sizeof srv->db_url, "%s", cfg->db_url);
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

    /* The writer opens first: it creates the file and applies migrations. */
    enum rs_err e = rs_writer_open(cfg->db_url, &srv->writer, err, errcap);
    if (e) {
        rs_server_stop(srv);
        return e;
    }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ERROR_LOG;
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
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
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
    rs_bus_close(); /* live streams end now rather than at their next keep-alive */
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    rs_writer_close(srv->writer);
    for (int i = 0; i < srv->n_free; i++)
        rs_store_close(srv->free_readers[i]);
    free(srv->free_readers);
    pthread_mutex_destroy(&srv->pool_mu);
    pthread_cond_destroy(&srv->pool_cv);
    free(srv);
}
