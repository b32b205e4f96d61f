/* page_common.c — see page.h: language, look-up rate limit, per-thread ICU formatter, URL
 * encoding, and the small message page. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/ratelimit.h"
#include "http/page.h"
#include "util/timefmt.h"

const char *rs_page_lang_asked(struct rs_req *r)
{
    const char *q = rs_req_query(r, "lang");
    if (q && *q)
        return strncasecmp(q, "en", 2) == 0 ? "en" : "es"; /* "EN", "en-GB" too */
    const char *al = rs_req_header(r, "Accept-Language");
    if (al) {
        const char *es = strstr(al, "es"), *en = strstr(al, "en");
        if (es || en)
            return es && (!en || es < en) ? "es" : "en";
    }
    return NULL;
}

bool rs_page_want_spanish(struct rs_req *r, json_t *order)
{
    const char *asked = rs_page_lang_asked(r);
    if (asked)
        return strcmp(asked, "es") == 0;
    const char *ml = json_string_value(json_object_get(json_object_get(order, "merchant"), "locale"));
    return !ml || strncmp(ml, "en", 2) != 0;
}

/* ---- rate limit ---- */

static struct rs_ratelimit *limiter;
static pthread_once_t limiter_once = PTHREAD_ONCE_INIT;

static void limiter_init(void)
{
    /* RASTRO_LOOKUP_BURST failed look-ups at once, then RASTRO_LOOKUP_PER_MIN a minute. */
    const char *b = getenv("RASTRO_LOOKUP_BURST"), *m = getenv("RASTRO_LOOKUP_PER_MIN");
    double burst = b ? atof(b) : 10, per_min = m ? atof(m) : 10;
    limiter = rs_ratelimit_new(burst > 0 ? burst : 10, per_min > 0 ? per_min : 10);
}

static int64_t now_ms(void)
{
    return (int64_t)(rs_mono_ns() / 1000000u);
}

bool rs_page_rate_blocked(struct rs_req *r, bool html)
{
    pthread_once(&limiter_once, limiter_init);
    int wait = 0;
    if (!limiter || !rs_ratelimit_blocked(limiter, r->client_addr, now_ms(), &wait))
        return false;
    r->retry_after = wait;
    if (html) {
        bool es = rs_page_want_spanish(r, NULL);
        char msg[200];
        snprintf(msg, sizeof msg,
                 es ? "Demasiados intentos fallidos desde tu conexión. Vuelve a probar dentro de %d segundos."
                    : "Too many failed attempts from your connection. Please try again in %d seconds.",
                 wait);
        rs_page_message(r, 429, es, es ? "Espera un momento" : "Please wait a moment", msg);
    } else {
        rs_reply_error(r, 429, "too_many_attempts",
                       "too many failed look-ups from this address; try again in %d seconds", wait);
    }
    return true;
}

void rs_page_rate_fail(struct rs_req *r)
{
    pthread_once(&limiter_once, limiter_init);
    if (limiter)
        rs_ratelimit_fail(limiter, r->client_addr, now_ms());
}

/* ---- per-thread ICU formatter ---- */

static pthread_key_t lf_key;
static pthread_once_t lf_once = PTHREAD_ONCE_INIT;

static void lf_free(void *p)
{
    rs_locfmt_free(p);
}

static void lf_init(void)
{
    pthread_key_create(&lf_key, lf_free);
}

struct rs_locfmt *rs_page_locfmt(void)
{
    pthread_once(&lf_once, lf_init);
    struct rs_locfmt *lf = pthread_getspecific(lf_key);
    if (!lf) {
        lf = rs_locfmt_new();
        pthread_setspecific(lf_key, lf);
    }
    return lf;
}

/* ---- URLs ---- */

void rs_buf_url(struct rs_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~') {
            rs_buf_add(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rs_buf_add(b, e, 3);
        }
    }
}

void rs_page_query(struct rs_buf *b, struct rs_req *r, const char *lang)
{
    char sep = '?';
    if (lang) {
        rs_buf_printf(b, "%clang=%s", sep, lang);
        sep = '&';
    }
    const char *names[3] = {"postcode", "email", "v"};
    for (int i = 0; i < 3; i++) {
        const char *v = rs_req_query(r, names[i]);
        if (v && *v) {
            rs_buf_printf(b, "%c%s=", sep, names[i]);
            rs_buf_url(b, v);
            sep = '&';
        }
    }
}

/* ---- message page ---- */

void rs_page_message(struct rs_req *r, int status, bool es, const char *title, const char *msg)
{
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b,
                  "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width,initial-scale=1\"><title>",
                  es ? "es" : "en");
    rs_buf_html(&b, title);
    rs_buf_puts(&b, "</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/page.css\"></head><body><main class=\"wrap\"><h1>");
    rs_buf_html(&b, title);
    rs_buf_puts(&b, "</h1><p>");
    rs_buf_html(&b, msg);
    rs_buf_printf(&b, "</p><p><a href=\"/track?lang=%s\">%s</a></p></main></body></html>", es ? "es" : "en",
                  es ? "Buscar mi pedido" : "Find my order");
    size_t len;
    char *html = rs_buf_detach(&b, &len);
    rs_reply_text(r, status, "text/html; charset=utf-8", html, len);
    r->cache_control = "no-store";
    free(html);
}
