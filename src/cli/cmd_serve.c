/* cmd_serve.c — `rastro serve`: the HTTP API and public pages until SIGINT/SIGTERM. */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "app/promise_service.h"
#include "app/promise_sweeper.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "http/http.h"
#include "http/server.h"
#include "worker/dispatch.h"

static int usage(void)
{
    fprintf(stderr, "usage: rastro serve [--db URL] [--listen HOST:PORT] [--base-url URL] [--readers N] [--workers N]\n"
                    "                   [--sweep-interval SECONDS] (delay sweep; 0 = off; default 60)\n"
                    "  --db        database: a file path, sqlite:PATH (env RASTRO_DB; default var/rastro.db)\n"
                    "  --listen    address to listen on (env RASTRO_LISTEN; default 127.0.0.1:8080)\n"
                    "  --base-url  public URL used in tracking links (env RASTRO_BASE_URL)\n"
                    "  --readers   database connections for reads (default 8)\n"
                    "  --workers   notification dispatcher threads (default 2; 0 = run `rastro worker` apart)\n"
                    "  --worker-timeout SECONDS  /healthz answers 503 when no notification dispatcher (built-in,\n"
                    "              or `rastro worker`) was alive for that long (default 60; 0 = no check; min 10)\n"
                    "  --trusted-proxy ADDR[,ADDR]  reverse proxies whose X-Forwarded-For names the client, for\n"
                    "              per-address limits (env RASTRO_TRUSTED_PROXIES; default none)\n"
                    "example: rastro serve --db /var/lib/rastro/rastro.db --listen 127.0.0.1:8080 \\\n"
                    "           --base-url https://track.example.com --trusted-proxy 127.0.0.1\n");
    return 2;
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" */
static int parse_listen(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    size_t hl = (size_t)(colon - s);
    const char *h = s;
    if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
        h = s + 1;
        hl -= 2;
    }
    if (hl == 0) {
        h = "0.0.0.0";
        hl = 7;
    }
    if (hl >= cap)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 1 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

/* Every open tracking page holds a connection (its live stream), and the usual soft limit of
 * 1,024 descriptors is reached long before RS_SERVER_MAX_CONNECTIONS: past it, new customers wait
 * at the door. Raise the soft limit towards the hard one (which only root can raise), and say so
 * when even that is too few. */
static void raise_fd_limit(void)
{
    const rlim_t want = 2 * RS_SERVER_MAX_CONNECTIONS + 96; /* connections, their curl and SQLite peers */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rlim_t to = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (to > rl.rlim_cur) {
        rl.rlim_cur = to;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
            return;
    }
    if (rl.rlim_cur < want)
        fprintf(stderr, "rastro serve: only %llu open files allowed (ulimit -n); %llu are needed to serve %d "
                        "connections: raise the hard limit (LimitNOFILE= in a systemd unit)\n",
                (unsigned long long)rl.rlim_cur, (unsigned long long)want, RS_SERVER_MAX_CONNECTIONS);
}

int rs_cmd_serve(int argc, char **argv)
{
    const char *db = NULL, *listen = getenv("RASTRO_LISTEN"), *base = getenv("RASTRO_BASE_URL"), *readers = NULL,
               *workers = NULL, *sweep = NULL, *wtimeout = NULL, *proxies = getenv("RASTRO_TRUSTED_PROXIES");
    for (int i = 1; i < argc; i++) {
        if (rs_arg_value(argc, argv, &i, "--db", &db) || rs_arg_value(argc, argv, &i, "--listen", &listen) ||
            rs_arg_value(argc, argv, &i, "--base-url", &base) || rs_arg_value(argc, argv, &i, "--readers", &readers) ||
            rs_arg_value(argc, argv, &i, "--workers", &workers) || rs_arg_value(argc, argv, &i, "--sweep-interval", &sweep) ||
            rs_arg_value(argc, argv, &i, "--trusted-proxy", &proxies) ||
            rs_arg_value(argc, argv, &i, "--worker-timeout", &wtimeout))
            continue;
        if (rs_arg_flag(argv, i, "--help"))
            return usage(), 0;
        fprintf(stderr, "rastro serve: unknown option %s\n", argv[i]);
        return usage();
    }
    char host[128];
    int port;
    if (parse_listen(listen && *listen ? listen : "127.0.0.1:8080", host, sizeof host, &port) != 0) {
        fprintf(stderr, "rastro serve: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
        return 2;
    }
    long nreaders = 8, nworkers = 2, sweep_s = 60, wtimeout_s = 60;
    if (!rs_arg_long(readers, 1, 1024, &nreaders) || !rs_arg_long(workers, 0, 64, &nworkers) ||
        !rs_arg_long(sweep, 0, 86400, &sweep_s) || !rs_arg_long(wtimeout, 0, 86400, &wtimeout_s) ||
        (wtimeout_s > 0 && wtimeout_s < 2 * RS_DISPATCH_BEAT_S)) {
        fprintf(stderr, "rastro serve: --readers goes from 1 to 1024, --workers from 0 (none: run `rastro worker`) "
                        "to 64, --sweep-interval from 0 (off) to 86400 seconds, --worker-timeout 0 (no check) or from %d "
                        "to 86400 seconds\n", 2 * RS_DISPATCH_BEAT_S);
        return 2;
    }
    struct rs_proxies px;
    char perr[160];
    if (!rs_proxies_parse(proxies, &px, perr, sizeof perr)) {
        fprintf(stderr, "rastro serve: --trusted-proxy: %s\n", perr);
        return 2;
    }
    raise_fd_limit();
    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct rs_server_config cfg = {
        .db_url = rs_cmd_db_url(db),
        .host = host,
        .port = port,
        .base_url = base,
        .readers = (int)nreaders,
        .trusted_proxies = &px,
        .worker_timeout_s = (int)wtimeout_s,
    };
    struct rs_server *srv = NULL;
    char err[512];
    if (rs_server_start(&cfg, &srv, err, sizeof err) != RS_OK) {
        fprintf(stderr, "rastro serve: %s\n", err);
        return 1;
    }
    struct rs_dispatcher *disp = NULL;
    if (nworkers > 0) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        /* the server's own base (--base-url, else its listening address), so the links the
         * messages carry are the ones the API answers */
        struct rs_dispatch_config dc = {.db_url = cfg.db_url, .threads = (int)nworkers,
                                        .base_url = rs_server_base_url(srv)};
        if (rs_dispatch_start(&dc, &disp, err, sizeof err) != RS_OK) {
            fprintf(stderr, "rastro serve: notification dispatcher: %s\n", err);
            rs_server_stop(srv);
            return 1;
        }
    }
    fprintf(stderr, "rastro: listening on http://%s%s%s:%d (database %s)\n", strchr(host, ':') ? "[" : "", host,
            strchr(host, ':') ? "]" : "", port, cfg.db_url);
    struct rs_promise_sweeper *sweeper = NULL;
    if (sweep_s > 0 && rs_promise_sweeper_start(rs_server_writer(srv), (int)sweep_s, &sweeper) != RS_OK)
        fprintf(stderr, "rastro serve: the delay sweep could not start; delays are still detected on events\n");
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "rastro: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rs_promise_sweeper_stop(sweeper);
    rs_dispatch_stop(disp);
    rs_server_stop(srv);
    rs_promise_cache_clear();
    if (nworkers > 0)
        curl_global_cleanup();
    return 0;
}
