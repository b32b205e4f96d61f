/* server.h — start and stop the HTTP server (libmicrohttpd with a small pool of epoll threads
 * serving every connection; a write waiting for its group commit and a live-update stream
 * waiting for news hold no thread: see server.c). */
#ifndef RS_SERVER_H
#define RS_SERVER_H

#include <stddef.h>

#include "core/err.h"
#include "util/fwdaddr.h"

struct rs_server;

struct rs_server_config {
    const char *db_url;
    const char *host; /* "127.0.0.1", "0.0.0.0", "::" */
    int port;
    const char *base_url; /* public URL for tracking links; NULL: http://host:port */
    int readers;          /* reader connections in the pool (default 8) */
    const struct rs_proxies *trusted_proxies; /* reverse proxies whose X-Forwarded-For names the
                                                 client (util/fwdaddr.h); NULL: none */
    int worker_timeout_s; /* /healthz answers 503 when no dispatcher recorded a heartbeat for this
                             long (after as long from the start); 0: no check */
};

/* Connections the server accepts at once (each live stream holds one for minutes). */
#define RS_SERVER_MAX_CONNECTIONS 2000
enum rs_err rs_server_start(const struct rs_server_config *cfg, struct rs_server **out, char *err,
                            size_t errcap) RS_MUST_CHECK;
void rs_server_stop(struct rs_server *srv);

#endif
