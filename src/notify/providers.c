/* providers.c — the HTTP channels (see channel.h): Twilio and Infobip SMS, WhatsApp Cloud API,
 * and the signed merchant webhook, plus the shared libcurl plumbing (one easy handle per thread,
 * reused so keep-alive connections are too). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "notify/channel.h"
#include "core/sms.h"
#include "notify/channel_priv.h"
#include "util/buf.h"
#include "util/netaddr.h"
#include "util/timefmt.h"

static void req_free(struct rs_http_req *q);

struct rs_channels *rs_channels_new(void)
{
    struct rs_channels *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->http = curl_easy_init();
    ch->smtp = curl_easy_init();
    if (!ch->http || !ch->smtp) {
        rs_channels_free(ch);
        return NULL;
    }
    const char *allow = getenv("RASTRO_ALLOW_PRIVATE_URLS");
    ch->guard.allow_private = allow && strcmp(allow, "1") == 0;
    /* libcurl connects through a proxy these name (curl's libcurl-env), and the guard then sees
     * the proxy's address: a refusal says so, since a proxy on the local network is common */
    static const char *const proxy_vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxy_vars / sizeof *proxy_vars && !ch->proxy_var; i++) {
        const char *v = getenv(proxy_vars[i]);
        if (v && *v)
            ch->proxy_var = proxy_vars[i];
    }
    return ch;
}

/* CURLOPT_OPENSOCKETFUNCTION: every new connection (a reused keep-alive one was checked when it
 * was opened), whatever name resolved to the address, is refused when the address is not public. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct rs_guard *g = clientp;
    (void)purpose;
    if (!g->allow_private && !rs_addr_public(&a->addr)) {
        char text[INET6_ADDRSTRLEN] = "?";
        const void *in = a->family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr
                                               : (const void *)&((struct sockaddr_in *)(void *)&a->addr)->sin_addr;
        if (a->family == AF_INET || a->family == AF_INET6)
            inet_ntop(a->family, in, text, sizeof text);
        snprintf(g->blocked, sizeof g->blocked, "%s", text);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

static void guard_handle(struct rs_guard *g, CURL *h, const char *protocols)
{
    g->blocked[0] = '\0';
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
}

void rs_channels_guard(struct rs_channels *ch, CURL *h, const char *protocols)
{
    ch->guard_http = strncmp(protocols, "http", 4) == 0;
    guard_handle(&ch->guard, h, protocols);
}

/* The refusal of G's transfer (HTTP when HTTP: a proxy may be the one refused), or false. */
static bool guard_refused(const struct rs_channels *ch, const struct rs_guard *g, bool http,
                          struct rs_send_result *res)
{
    if (!g->blocked[0])
        return false;
    const char *proxy = http ? ch->proxy_var : NULL;
    snprintf(res->error, sizeof res->error,
             "not sent: %s is a loopback, private or reserved address, which this server does not connect to "
             "(the operator can allow it with RASTRO_ALLOW_PRIVATE_URLS=1)%s%s%s",
             g->blocked, proxy ? "; it may be the outgoing proxy's, named in " : "", proxy ? proxy : "",
             proxy ? " (docs/operations.md)" : "");
    return true;
}

bool rs_channels_blocked(struct rs_channels *ch, struct rs_send_result *res)
{
    return guard_refused(ch, &ch->guard, ch->guard_http, res);
}

void rs_channels_free(struct rs_channels *ch)
{
    if (!ch)
        return;
    if (ch->http)
        curl_easy_cleanup(ch->http);
    if (ch->smtp)
        curl_easy_cleanup(ch->smtp);
    for (int i = 0; i < ch->n_queue; i++)
        req_free(ch->queue[i]);
    free(ch->queue);
    for (int i = 0; i < RS_HTTP_INFLIGHT; i++)
        if (ch->pool[i])
            curl_easy_cleanup(ch->pool[i]);
    if (ch->multi)
        curl_multi_cleanup(ch->multi);
    free(ch);
}

long rs_channels_connects(const struct rs_channels *ch)
{
    return ch->connects;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct rs_buf *b = ud;
    if (b->len + size * n > 256 * 1024)
        return 0; /* an answer this large is garbage */
    rs_buf_add(b, p, size * n);
    return size * n;
}

/* Retry-After (RFC 9110 §10.2.3) is either a number of seconds or an HTTP-date; both are read,
 * a date as the seconds from now until it (0 when it is past). */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    int64_t *retry_after = ud;
    size_t len = size * n;
    if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        char tmp[64];
        size_t l = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
        memcpy(tmp, p + 12, l);
        tmp[l] = '\0';
        char *v = tmp + strspn(tmp, " \t");
        size_t vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
        char *end;
        long secs = strtol(v, &end, 10);
        if (vl > 0 && *end == '\0') {
            if (secs >= 0)
                *retry_after = secs;
        } else if (vl > 0) {
            time_t at = curl_getdate(v, NULL);
            if (at != -1) {
                time_t now = time(NULL);
                *retry_after = at > now ? (int64_t)(at - now) : 0;
            }
        }
    }
    return len;
}

static struct curl_slist *http_headers(const char *const *headers)
{
    struct curl_slist *hl = NULL;
    for (int i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    return curl_slist_append(hl, "Expect:");
}

/* Set H up for one POST (the blocking and the concurrent sends alike); G guards its sockets. */
static void http_setup(CURL *h, struct rs_guard *g, const char *url, struct curl_slist *hl, const char *userpwd,
                       const char *body, size_t len, int timeout_s, struct rs_buf *resp, struct rs_send_result *res)
{
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_s);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(timeout_s < 10 ? timeout_s : 10));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    guard_handle(g, h, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &res->retry_after_s);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "Rastro/0.1");
    if (userpwd) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    }
}

/* Classify the finished transfer H (RC) as channel.h says. */
static enum rs_err http_outcome(struct rs_channels *ch, CURL *h, CURLcode rc, const struct rs_guard *g,
                                const struct rs_buf *resp, struct rs_send_result *res)
{
    long code = 0, conns = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
    ch->connects += conns;
    res->http_status = (int)code;
    if (rc != CURLE_OK && guard_refused(ch, g, true, res))
        return RS_EREJECTED;
    if (rc != CURLE_OK) {
        snprintf(res->error, sizeof res->error, "%s (%s)", curl_easy_strerror(rc),
                 rc == CURLE_OPERATION_TIMEDOUT ? "timed out" : "no answer");
        return RS_ERETRY;
    }
    if (code >= 200 && code < 300)
        return RS_OK;
    const char *snippet = resp->data ? resp->data : "";
    snprintf(res->error, sizeof res->error, "HTTP %ld: %.200s", code, snippet);
    res->rate_limited = code == 429;
    if (code == 408 || code == 425 || code == 429 || code >= 500)
        return RS_ERETRY;
    return RS_EREJECTED;
}

enum rs_err rs_http_post(struct rs_channels *ch, const char *url, const char *const *headers, const char *userpwd,
                         const char *body, size_t len, int timeout_s, struct rs_buf *resp,
                         struct rs_send_result *res)
{
    CURL *h = ch->http;
    struct curl_slist *hl = http_headers(headers);
    ch->guard_http = true;
    http_setup(h, &ch->guard, url, hl, userpwd, body, len, timeout_s, resp, res);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hl);
    return http_outcome(ch, h, rc, &ch->guard, resp, res);
}

/* One HTTP send queued in deferred mode: the request (libcurl copies the URL, the credentials
 * and the headers' text; the body is ours), where its outcome goes and how to read the answer. */
struct rs_http_req {
    char *url, *userpwd, *body;
    size_t len;
    struct curl_slist *hl;
    int timeout_s;
    enum rs_answer kind;
    char ref[48]; /* our id of the message at the provider (Infobip messageId, webhook-id) */
    struct rs_http_req *alt; /* sent instead when this one ends 404/410 (rs_post_opts.alt) */
    char pace_key[64];       /* rs_post_opts.pace_key, or "" */
    int pace_per_s;
    struct rs_buf resp;
    struct rs_send_result *res;
    struct rs_guard guard;
    int slot; /* its easy handle in ch->pool while in flight */
    int64_t order_id; /* rs_channels_about */
    char trigger[32];
};

static void req_free(struct rs_http_req *q)
{
    if (!q)
        return;
    req_free(q->alt);
    free(q->url);
    free(q->userpwd);
    free(q->body);
    curl_slist_free_all(q->hl);
    rs_buf_release(&q->resp);
    free(q);
}

static enum rs_err answer_read(enum rs_answer kind, const char *ref, enum rs_err e, const struct rs_buf *resp,
                               struct rs_send_result *res);

/* Pacing (rs_post_opts.pace_key): one schedule per key, shared by every thread of the process.
 * Sends are spaced evenly, 1/rate apart plus 2 % (so that network jitter does not put one more
 * than the rate into a second at the provider's end), with no burst: a send may start when its
 * key's next turn has come, and takes it. */
#define PACE_KEYS 64
static struct {
    char key[64];
    uint64_t next_ns; /* rs_mono_ns() of the key's next turn; 0: unused */
} pace_tab[PACE_KEYS];
static pthread_mutex_t pace_mu = PTHREAD_MUTEX_INITIALIZER;

/* Take KEY's turn at PER_S a second: 0 when it is now (send at once), else the nanoseconds until
 * it (nothing taken: ask again then). 0 for no KEY; also when all PACE_KEYS keys are busy. */
static uint64_t pace_take(const char *key, int per_s)
{
    if (!key || !key[0] || per_s <= 0)
        return 0;
    uint64_t gap = 1000000000ull * 102 / 100 / (uint64_t)per_s, wait = 0;
    pthread_mutex_lock(&pace_mu);
    uint64_t now = rs_mono_ns();
    int slot = -1, idle = -1;
    for (int i = 0; i < PACE_KEYS && slot < 0; i++) {
        if (pace_tab[i].next_ns && strncmp(pace_tab[i].key, key, sizeof pace_tab[i].key - 1) == 0)
            slot = i;
        else if (idle < 0 && pace_tab[i].next_ns <= now)
            idle = i; /* unused, or its key's turn is past: free to take */
    }
    if (slot < 0 && idle >= 0) {
        slot = idle;
        snprintf(pace_tab[slot].key, sizeof pace_tab[slot].key, "%s", key);
        pace_tab[slot].next_ns = now;
    }
    if (slot >= 0 && pace_tab[slot].next_ns > now)
        wait = pace_tab[slot].next_ns - now;
    else if (slot >= 0)
        pace_tab[slot].next_ns = now + gap;
    pthread_mutex_unlock(&pace_mu);
    return wait;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL);
}

enum rs_err rs_provider_post(struct rs_channels *ch, enum rs_answer kind, const char *ref, const char *url,
                             const char *const *headers, const char *userpwd, const char *body, size_t len,
                             int timeout_s, const struct rs_post_opts *opts, struct rs_send_result *res)
{
    const struct rs_post_opts none = {0};
    if (!opts)
        opts = &none;
    bool alt = opts->alt;
    if (!ch->defer) {
        for (uint64_t wait; (wait = pace_take(opts->pace_key, opts->pace_per_s)) > 0;)
            sleep_ns(wait);
        struct rs_buf resp;
        rs_buf_init(&resp);
        enum rs_err e = rs_http_post(ch, url, headers, userpwd, body, len, timeout_s, &resp, res);
        e = answer_read(kind, ref, e, &resp, res);
        rs_buf_release(&resp);
        return e;
    }
    struct rs_http_req *q = calloc(1, sizeof *q);
    if (q) {
        rs_buf_init(&q->resp);
        q->url = strdup(url);
        q->userpwd = userpwd ? strdup(userpwd) : NULL;
        q->body = malloc(len + 1);
        q->hl = http_headers(headers);
    }
    /* the last request queued, and the end of its fallbacks, when this one is one of them */
    struct rs_http_req *prev = alt && ch->n_queue > 0 ? ch->queue[ch->n_queue - 1] : NULL;
    while (prev && prev->alt)
        prev = prev->alt;
    if (prev && prev->res != res)
        prev = NULL;
    if (ch->n_queue == ch->cap_queue && q && !prev) {
        int cap = ch->cap_queue ? ch->cap_queue * 2 : 64;
        struct rs_http_req **nq = realloc(ch->queue, (size_t)cap * sizeof *nq);
        if (nq) {
            ch->queue = nq;
            ch->cap_queue = cap;
        }
    }
    if (!q || !q->url || (userpwd && !q->userpwd) || !q->body || !q->hl || (!prev && ch->n_queue == ch->cap_queue)) {
        req_free(q);
        snprintf(res->error, sizeof res->error, "out of memory queueing the request");
        return RS_ERETRY;
    }
    memcpy(q->body, body, len);
    q->body[len] = '\0';
    q->len = len;
    q->timeout_s = timeout_s;
    q->kind = kind;
    snprintf(q->ref, sizeof q->ref, "%s", ref ? ref : "");
    q->res = res;
    q->guard.allow_private = ch->guard.allow_private;
    snprintf(q->pace_key, sizeof q->pace_key, "%s", opts->pace_key ? opts->pace_key : "");
    q->pace_per_s = opts->pace_per_s;
    q->order_id = ch->about_order;
    snprintf(q->trigger, sizeof q->trigger, "%s", ch->about_trigger);
    if (prev)
        prev->alt = q;
    else
        ch->queue[ch->n_queue++] = q;
    res->pending = true;
    return RS_OK;
}

void rs_channels_defer(struct rs_channels *ch, bool on)
{
    ch->defer = on;
}

void rs_channels_start_by(struct rs_channels *ch, int64_t start_by)
{
    ch->start_by = start_by;
}

void rs_channels_about(struct rs_channels *ch, int64_t order_id, const char *trigger)
{
    ch->about_order = order_id;
    snprintf(ch->about_trigger, sizeof ch->about_trigger, "%s", trigger ? trigger : "");
}

/* Whether Q must wait for a request in flight (RUNNING) about the same order with another
 * trigger (rs_channels_about): the earlier message of that order reaches the customer first. */
static bool after_other_message(struct rs_http_req *const running[RS_HTTP_INFLIGHT], const struct rs_http_req *q)
{
    if (q->order_id <= 0)
        return false;
    for (int k = 0; k < RS_HTTP_INFLIGHT; k++)
        if (running[k] && running[k]->order_id == q->order_id && strcmp(running[k]->trigger, q->trigger) != 0)
            return true;
    return false;
}

/* Start Q on the pool's easy handle K of CH's multi handle. False when it cannot be: Q's result
 * then says why, pending unset. */
static bool req_start(struct rs_channels *ch, struct rs_http_req *q, int k)
{
    if (k < RS_HTTP_INFLIGHT && !ch->pool[k])
        ch->pool[k] = curl_easy_init();
    CURL *eh = k < RS_HTTP_INFLIGHT ? ch->pool[k] : NULL;
    if (eh) {
        http_setup(eh, &q->guard, q->url, q->hl, q->userpwd, q->body, q->len, q->timeout_s, &q->resp, q->res);
        curl_easy_setopt(eh, CURLOPT_PRIVATE, q);
    }
    if (!eh || !ch->multi || curl_multi_add_handle(ch->multi, eh) != CURLM_OK) {
        snprintf(q->res->error, sizeof q->res->error, "not sent: the transfer could not be started");
        q->res->pending = false;
        return false;
    }
    q->slot = k;
    return true;
}

void rs_channels_flush(struct rs_channels *ch, void (*done)(struct rs_send_result *res, enum rs_err e, void *ud),
                       void *ud)
{
    int n = ch->n_queue;
    if (n == 0)
        return;
    if (!ch->multi && (ch->multi = curl_multi_init()))
        curl_multi_setopt(ch->multi, CURLMOPT_MAXCONNECTS, (long)RS_HTTP_INFLIGHT);
    bool busy[RS_HTTP_INFLIGHT] = {0};
    struct rs_http_req *in_slot[RS_HTTP_INFLIGHT] = {0}; /* what each busy slot sends */
    /* endpoints (full URL: one provider account, one WhatsApp number, one webhook) that said in
     * this batch they are over their rate limit: what they answered, and the wait they asked */
    const char *held[8];
    char held_err[8][160];
    int64_t held_s[8];
    int n_held = 0, next = 0, active = 0, finished = 0;
    while (finished < n) {
        uint64_t pace_ns = 0; /* the next request waits this long for its turn (pace_take) */
        while (active < RS_HTTP_INFLIGHT && next < n) {
            struct rs_http_req *q = ch->queue[next];
            if (ch->start_by && rs_now() >= ch->start_by) {
                next++;
                done(q->res, RS_OK, ud); /* still pending: not sent */
                finished++;
                continue;
            }
            int h = -1;
            for (int k = 0; k < n_held && h < 0; k++)
                if (strcmp(held[k], q->url) == 0)
                    h = k;
            if (h >= 0) {
                char wait[64] = "";
                if (held_s[h] > 0)
                    snprintf(wait, sizeof wait, "; it asked to wait %lld s (Retry-After)", (long long)held_s[h]);
                snprintf(q->res->error, sizeof q->res->error,
                         "not sent: an earlier message of this batch met the provider's rate limit (%s)%s", held_err[h],
                         wait);
                q->res->retry_after_s = held_s[h];
                q->res->pending = false;
                next++;
                done(q->res, RS_ERETRY, ud);
                finished++;
                continue;
            }
            if (after_other_message(in_slot, q))
                break; /* its order's earlier message first: the queue waits for it */
            if ((pace_ns = pace_take(q->pace_key, q->pace_per_s)) > 0)
                break; /* the number's throughput: its turn comes later */
            next++;
            int k = 0;
            while (k < RS_HTTP_INFLIGHT && busy[k])
                k++;
            if (!req_start(ch, q, k)) {
                done(q->res, RS_ERETRY, ud);
                finished++;
                continue;
            }
            busy[k] = true;
            in_slot[k] = q;
            active++;
        }
        if (active == 0) {
            sleep_ns(pace_ns);
            continue;
        }
        int running = 0;
        curl_multi_perform(ch->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(ch->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *eh = msg->easy_handle;
            CURLcode rc = msg->data.result;
            char *priv = NULL;
            curl_easy_getinfo(eh, CURLINFO_PRIVATE, &priv);
            struct rs_http_req *q = (struct rs_http_req *)(void *)priv;
            curl_multi_remove_handle(ch->multi, eh);
            enum rs_err e = answer_read(q->kind, q->ref, http_outcome(ch, eh, rc, &q->guard, &q->resp, q->res),
                                        &q->resp, q->res);
            if (q->kind == ANS_PUSH && rs_push_gone(e, q->res)) {
                q->res->push_gone++;
                /* a Web Push subscription that is gone: the customer's next one, in its slot */
                if (q->alt) {
                    struct rs_send_result *res = q->res;
                    int gone = res->push_gone;
                    memset(res, 0, sizeof *res);
                    res->retry_after_s = -1;
                    res->push_gone = gone;
                    res->pending = true;
                    if (ch->start_by && rs_now() >= ch->start_by) {
                        done(res, RS_OK, ud); /* still pending: not sent */
                    } else if (!req_start(ch, q->alt, q->slot)) {
                        done(res, RS_ERETRY, ud);
                    } else {
                        in_slot[q->slot] = q->alt;
                        continue;
                    }
                    busy[q->slot] = false;
                    in_slot[q->slot] = NULL;
                    active--;
                    finished++;
                    continue;
                }
            }
            busy[q->slot] = false;
            in_slot[q->slot] = NULL;
            active--;
            finished++;
            if (e == RS_ERETRY && q->res->rate_limited && n_held < 8) {
                held[n_held] = q->url;
                snprintf(held_err[n_held], sizeof held_err[n_held], "%.120s", q->res->error);
                held_s[n_held++] = q->res->retry_after_s;
            }
            q->res->pending = false;
            done(q->res, e, ud);
        }
        if (active > 0)
            curl_multi_poll(ch->multi, NULL, 0, pace_ns ? (int)(pace_ns / 1000000) + 1 : 1000, NULL);
    }
    for (int i = 0; i < n; i++)
        req_free(ch->queue[i]);
    ch->n_queue = 0;
}

/* Append NAME=VALUE form-encoded (RFC 3986 unreserved kept, space as %20 as Twilio's own
 * libraries send it). */
static void form_add(struct rs_buf *b, CURL *h, const char *name, const char *value)
{
    if (!value)
        return;
    char *v = curl_easy_escape(h, value, 0);
    rs_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, v ? v : "");
    curl_free(v);
}

static const char *digits_only(const char *e164, char out[24])
{
    snprintf(out, 24, "%s", e164 && e164[0] == '+' ? e164 + 1 : e164 ? e164 : "");
    return out;
}

static const char *base(const char *url, char *out, size_t cap)
{
    snprintf(out, cap, "%s", url ? url : "");
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return out;
}

static enum rs_err send_twilio(struct rs_channels *ch, const struct rs_msg *m, const char *text,
                               struct rs_send_result *res)
{
    const struct rs_notify_config *c = m->cfg;
    char b[512], url[1024], cb[1024], userpwd[256], validity[16];
    snprintf(url, sizeof url, "%s/2010-04-01/Accounts/%s/Messages.json", base(c->sms_base_url, b, sizeof b),
             c->twilio_sid);
    struct rs_buf form;
    rs_buf_init(&form);
    form_add(&form, ch->http, "To", m->to_phone);
    if (c->twilio_msid)
        form_add(&form, ch->http, "MessagingServiceSid", c->twilio_msid);
    else
        form_add(&form, ch->http, "From", c->sms_from);
    form_add(&form, ch->http, "Body", text);
    if (c->public_base_url) {
        snprintf(cb, sizeof cb, "%s/hooks/twilio/status/%lld?n=%lld", base(c->public_base_url, b, sizeof b),
                 (long long)m->merchant_id, (long long)m->outbox_id);
        form_add(&form, ch->http, "StatusCallback", cb);
    }
    if (c->sms_validity_s > 0) {
        snprintf(validity, sizeof validity, "%d", c->sms_validity_s);
        form_add(&form, ch->http, "ValidityPeriod", validity);
    }
    snprintf(userpwd, sizeof userpwd, "%s:%s", c->twilio_sid, c->twilio_token);
    static const char *const hdr[] = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
                                      NULL};
    enum rs_err e = rs_provider_post(ch, ANS_TWILIO, NULL, url, hdr, userpwd, form.data ? form.data : "",
                                     form.len, c->timeout_s, NULL, res);
    rs_buf_release(&form);
    return e;
}

/* Twilio's answer: the message's sid, or its error code. */
static enum rs_err twilio_answer(enum rs_err e, const struct rs_buf *resp, struct rs_send_result *res)
{
    json_t *j = resp->data ? json_loads(resp->data, 0, NULL) : NULL;
    if (e == RS_OK) {
        const char *sid = json_string_value(json_object_get(j, "sid"));
        if (!sid) {
            snprintf(res->error, sizeof res->error, "Twilio answered %d without a message sid: %.120s",
                     res->http_status, resp->data ? resp->data : "");
            e = RS_ERETRY;
        } else {
            snprintf(res->provider_id, sizeof res->provider_id, "%s", sid);
        }
    } else if (j && json_is_integer(json_object_get(j, "code"))) {
        long long code = json_integer_value(json_object_get(j, "code"));
        snprintf(res->error, sizeof res->error, "HTTP %d, Twilio error %lld: %.200s", res->http_status, code,
                 json_string_value(json_object_get(j, "message")) ? json_string_value(json_object_get(j, "message"))
                                                                  : "");
        if (code == 20429) {
            e = RS_ERETRY;
            res->rate_limited = true;
        }
        /* 21610 "Attempt to send to unsubscribed recipient": the number replied STOP to this
         * sender at Twilio, maybe before we ever saw it; every later SMS would fail the same */
        else if (code == 21610 && e == RS_EREJECTED)
            res->opted_out = true;
    }
    json_decref(j);
    return e;
}

static enum rs_err send_infobip(struct rs_channels *ch, const struct rs_msg *m, const char *text,
                                struct rs_send_result *res)
{
    const struct rs_notify_config *c = m->cfg;
    char b[512], url[1024], auth[300], to[24], mid[48], cb[1024];
    snprintf(url, sizeof url, "%s/sms/3/messages", base(c->sms_base_url, b, sizeof b));
    /* 64 random bits after the row's id: Infobip does not sign delivery reports, and a report
     * naming this id moves the message to delivered or failed (a failure sends it again on the
     * next channel), so the id must not be guessable from the row number */
    unsigned char rb[8];
    if (RAND_bytes(rb, sizeof rb) != 1) {
        snprintf(res->error, sizeof res->error, "no random bytes for the Infobip message id");
        return RS_ERETRY;
    }
    snprintf(mid, sizeof mid, "%s-%lld-%02x%02x%02x%02x%02x%02x%02x%02x", m->ref_prefix ? m->ref_prefix : "ntf",
             (long long)m->outbox_id, rb[0], rb[1], rb[2], rb[3], rb[4], rb[5], rb[6], rb[7]);
    json_t *dest = json_pack("{s:s, s:s}", "to", digits_only(m->to_phone, to), "messageId", mid);
    json_t *msg = json_pack("{s:s, s:[o], s:{s:s}}", "sender", c->sms_from, "destinations", dest, "content", "text",
                            text);
    if (c->public_base_url) {
        snprintf(cb, sizeof cb, "%s/hooks/infobip/%lld", base(c->public_base_url, b, sizeof b),
                 (long long)m->merchant_id);
        json_object_set_new(msg, "webhooks",
                            json_pack("{s:{s:s}, s:s, s:s}", "delivery", "url", cb, "contentType", "application/json",
                                      "callbackData", mid));
    }
    json_t *root = json_pack("{s:[o]}", "messages", msg);
    char *body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!body)
        return RS_ENOMEM;
    snprintf(auth, sizeof auth, "Authorization: App %s", c->infobip_key);
    const char *hdr[] = {"Content-Type: application/json", "Accept: application/json", auth, NULL};
    enum rs_err e =
        rs_provider_post(ch, ANS_INFOBIP, mid, url, hdr, NULL, body, strlen(body), c->timeout_s, NULL, res);
    free(body);
    return e;
}

/* Infobip's answer: accepted when it lists the message; MID is the messageId we gave it. */
static enum rs_err infobip_answer(enum rs_err e, const char *mid, const struct rs_buf *resp,
                                  struct rs_send_result *res)
{
    if (e == RS_OK) {
        json_t *j = resp->data ? json_loads(resp->data, 0, NULL) : NULL;
        if (!j || !json_is_array(json_object_get(j, "messages"))) {
            snprintf(res->error, sizeof res->error, "Infobip answered %d with no messages: %.120s", res->http_status,
                     resp->data ? resp->data : "");
            e = RS_ERETRY;
        } else {
            snprintf(res->provider_id, sizeof res->provider_id, "%s", mid);
        }
        json_decref(j);
    }
    return e;
}

enum rs_err rs_send_sms(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res)
{
    const char *text = m->r->part[RS_TPART_SMS_TEXT];
    if (!m->to_phone || !*m->to_phone) {
        snprintf(res->error, sizeof res->error, "the customer has no phone number");
        return RS_EINVAL;
    }
    if (!text) {
        snprintf(res->error, sizeof res->error, "no SMS text rendered");
        return RS_EINVAL;
    }
    char tl[2048];
    size_t tlen;
    if (m->cfg->sms_transliterate && rs_sms_transliterate(text, strlen(text), tl, sizeof tl, &tlen) == RS_OK)
        text = tl;
    switch (m->cfg->sms_provider) {
    case RS_SMS_TWILIO:
        return send_twilio(ch, m, text, res);
    case RS_SMS_INFOBIP:
        return send_infobip(ch, m, text, res);
    default:
        snprintf(res->error, sizeof res->error, "no SMS provider configured");
        return RS_EINVAL;
    }
}

/* Cloud API error codes that mean "not now" rather than "never", whatever the HTTP status (Meta
 * answers most of them with 400): 130429 throughput rate limit, 131056 pair rate limit (too many
 * messages to this number just now), 80007 and 4 account and app rate limits, 2 service
 * temporarily unavailable. Retried later like a 429, not failed over as if the number were bad. */
static bool wa_error_transient(long long code)
{
    return code == 130429 || code == 131056 || code == 80007 || code == 4 || code == 2;
}

enum rs_err rs_send_whatsapp(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res)
{
    const struct rs_notify_config *c = m->cfg;
    if (!c->wa_on) {
        snprintf(res->error, sizeof res->error, "no WhatsApp provider configured");
        return RS_EINVAL;
    }
    if (!m->to_phone || !*m->to_phone) {
        snprintf(res->error, sizeof res->error, "the customer has no phone number");
        return RS_EINVAL;
    }
    char b[512], url[1024], auth[1100], to[24], opaque[48];
    snprintf(url, sizeof url, "%s/%s/%s/messages", base(c->wa_base_url, b, sizeof b), c->wa_api_version,
             c->wa_phone_id);
    snprintf(opaque, sizeof opaque, "%s_%lld", m->ref_prefix ? m->ref_prefix : "ntf", (long long)m->outbox_id);
    json_t *root = json_pack("{s:s, s:s, s:s}", "messaging_product", "whatsapp", "recipient_type", "individual", "to",
                             digits_only(m->to_phone, to));
    if (m->wa_session) {
        const char *text = m->r->part[RS_TPART_WA_TEXT];
        json_object_set_new(root, "type", json_string("text"));
        json_object_set_new(root, "biz_opaque_callback_data", json_string(opaque));
        json_object_set_new(root, "text", json_pack("{s:b, s:s}", "preview_url", 1, "body", text ? text : ""));
    } else {
        const char *name = m->r->part[RS_TPART_WA_TEMPLATE];
        json_t *params = json_array();
        for (int i = 0; i < m->r->n_wa_params; i++)
            json_array_append_new(params, json_pack("{s:s, s:s}", "type", "text", "text", m->r->wa_params[i]));
        json_object_set_new(root, "type", json_string("template"));
        json_object_set_new(root, "biz_opaque_callback_data", json_string(opaque));
        json_object_set_new(root, "template",
                            json_pack("{s:s, s:{s:s}, s:[{s:s, s:o}]}", "name", name ? name : "", "language", "code",
                                      m->lang, "components", "type", "body", "parameters", params));
    }
    char *body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!body)
        return RS_ENOMEM;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->wa_token);
    const char *hdr[] = {"Content-Type: application/json", auth, NULL};
    /* the number's throughput (Meta: 80 messages a second by default): over it, Meta refuses with
     * 130429 */
    const struct rs_post_opts opts = {.pace_key = c->wa_phone_id, .pace_per_s = c->wa_mps};
    enum rs_err e =
        rs_provider_post(ch, ANS_WHATSAPP, NULL, url, hdr, NULL, body, strlen(body), c->timeout_s, &opts, res);
    free(body);
    return e;
}

/* The Cloud API's answer: the wamid, or an error whose code says whether to retry. */
static enum rs_err whatsapp_answer(enum rs_err e, const struct rs_buf *resp, struct rs_send_result *res)
{
    json_t *j = resp->data ? json_loads(resp->data, 0, NULL) : NULL;
    if (e == RS_OK) {
        const char *id = json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 0), "id"));
        if (!id) {
            snprintf(res->error, sizeof res->error, "WhatsApp answered %d without a message id: %.120s",
                     res->http_status, resp->data ? resp->data : "");
            e = RS_ERETRY;
        } else {
            snprintf(res->provider_id, sizeof res->provider_id, "%s", id);
        }
    } else if (j && json_object_get(j, "error")) {
        json_t *er = json_object_get(j, "error");
        long long code = json_integer_value(json_object_get(er, "code"));
        snprintf(res->error, sizeof res->error, "HTTP %d, WhatsApp error %lld: %.200s", res->http_status, code,
                 json_string_value(json_object_get(er, "message")) ? json_string_value(json_object_get(er, "message"))
                                                                   : "");
        if (wa_error_transient(code))
            e = RS_ERETRY;
        /* the number's or the account's limits (not 131056: one recipient, nor 2: an outage) */
        if (code == 130429 || code == 80007 || code == 4)
            res->rate_limited = true;
    }
    json_decref(j);
    return e;
}

void rs_webhook_sign(const unsigned char *key, int key_len, const char *id, int64_t ts, const char *body, size_t len,
                     char out[64])
{
    char prefix[200];
    int pl = snprintf(prefix, sizeof prefix, "%s.%lld.", id, (long long)ts);
    unsigned char mac[32];
    unsigned mlen = 0;
    char *msg = malloc((size_t)pl + len + 1);
    if (!msg) {
        out[0] = '\0';
        return;
    }
    memcpy(msg, prefix, (size_t)pl);
    memcpy(msg + pl, body, len);
    HMAC(EVP_sha256(), key, key_len, (const unsigned char *)msg, (size_t)pl + len, mac, &mlen);
    free(msg);
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, 32);
}

enum rs_err rs_send_webhook(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res)
{
    const struct rs_notify_config *c = m->cfg;
    if (!c->webhook_url) {
        snprintf(res->error, sizeof res->error, "no webhook URL configured");
        return RS_EINVAL;
    }
    char ts[RS_TIME_LEN + 8];
    rs_time_format(m->now, 0, ts); /* 2025-11-26T12:05:45Z */
    size_t tl = strlen(ts);
    if (tl > 1 && ts[tl - 1] == 'Z')
        snprintf(ts + tl - 1, sizeof ts - (tl - 1), ".000Z");
    json_t *root = json_pack("{s:s, s:s, s:O}", "type", m->webhook_type, "timestamp", ts, "data", m->webhook_data);
    char *body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (!body)
        return RS_ENOMEM;
    char id[48], h_id[80], h_ts[64], sig[64], h_sig[96];
    snprintf(id, sizeof id, "msg_%lld", (long long)m->outbox_id);
    rs_webhook_sign(c->webhook_key, c->webhook_key_len, id, m->now, body, strlen(body), sig);
    snprintf(h_id, sizeof h_id, "webhook-id: %s", id);
    snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %lld", (long long)m->now);
    snprintf(h_sig, sizeof h_sig, "webhook-signature: %s", sig);
    const char *hdr[] = {"Content-Type: application/json", "User-Agent: Rastro-Webhooks/1.0", h_id, h_ts, h_sig,
                         NULL};
    enum rs_err e = rs_provider_post(ch, ANS_WEBHOOK, id, c->webhook_url, hdr, NULL, body, strlen(body),
                                     c->timeout_s, NULL, res);
    free(body);
    return e;
}

/* The merchant's endpoint's answer; ID is the webhook-id sent. */
static enum rs_err webhook_answer(enum rs_err e, const char *id, struct rs_send_result *res)
{
    if (e == RS_OK)
        snprintf(res->provider_id, sizeof res->provider_id, "%s", id);
    else if (e == RS_EREJECTED && res->http_status != 410)
        /* The merchant's own endpoint: a redirect, a 404 while their ERP is redeployed, a 401 from
         * a signature check being fixed are failures to deliver, not a refusal of this message
         * (Standard Webhooks: any non-2xx is retried); only 410 Gone says to stop. */
        e = RS_ERETRY;
    return e;
}

static enum rs_err answer_read(enum rs_answer kind, const char *ref, enum rs_err e, const struct rs_buf *resp,
                               struct rs_send_result *res)
{
    switch (kind) {
    case ANS_TWILIO:
        return twilio_answer(e, resp, res);
    case ANS_INFOBIP:
        return infobip_answer(e, ref, resp, res);
    case ANS_WHATSAPP:
        return whatsapp_answer(e, resp, res);
    case ANS_WEBHOOK:
        return webhook_answer(e, ref, res);
    case ANS_PUSH:
        /* RFC 8030 §5: the Location header names the message; the status is enough for us */
        if (e == RS_OK)
            snprintf(res->provider_id, sizeof res->provider_id, "%s", ref);
        return e;
    }
    return e;
}
