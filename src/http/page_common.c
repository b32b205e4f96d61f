/* page_common.c — see page.h: language, look-up rate limit, per-thread ICU formatter, URL
 * encoding, and the small message page. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/ratelimit.h"
#include "http/page.h"

/* TAG (LEN bytes) as a short locale for dates: "es", "en", "es-MX", "en-US", "es-419", with the
 * language in lower case and the region in upper case, into OUT; false when TAG is not Spanish
 * or English. Anything after the region (scripts, variants) is dropped; a region that is not two
 * letters or three digits is left out. */
static bool short_tag(const char *tag, size_t len, char out[RS_PAGE_TAG])
{
    if (len < 2 || (strncasecmp(tag, "es", 2) != 0 && strncasecmp(tag, "en", 2) != 0) ||
        (len > 2 && tag[2] != '-' && tag[2] != '_'))
        return false;
    out[0] = (char)(tag[0] | 0x20);
    out[1] = (char)(tag[1] | 0x20);
    out[2] = '\0';
    size_t rl = 0;
    while (3 + rl < len && tag[3 + rl] != '-' && tag[3 + rl] != '_')
        rl++;
    const char *rg = tag + 3;
    bool alpha = rl == 2 && isalpha((unsigned char)rg[0]) && isalpha((unsigned char)rg[1]);
    bool digits = rl == 3 && isdigit((unsigned char)rg[0]) && isdigit((unsigned char)rg[1]) &&
                  isdigit((unsigned char)rg[2]);
    if (len > 3 && (alpha || digits))
        snprintf(out + 2, RS_PAGE_TAG - 2, "-%c%c%c", toupper((unsigned char)rg[0]), toupper((unsigned char)rg[1]),
                 digits ? rg[2] : '\0');
    return true;
}

/* The Spanish or English entry of an Accept-Language header with the highest q (the first of
 * equals; q=0 is "not this one"), as short_tag gives it. Entries are whole tags: "est" or
 * "q=0.9" are not Spanish, and "fr-CH, en;q=0.5, es;q=0.8" wants Spanish. */
static bool accept_language(const char *al, char out[RS_PAGE_TAG])
{
    double best = 0;
    for (const char *p = al; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *t = p;
        while (t < p + n && (*t == ' ' || *t == '\t'))
            t++;
        size_t tl = 0;
        while (t + tl < p + n && t[tl] != ';' && t[tl] != ' ' && t[tl] != '\t')
            tl++;
        double q = 1;
        const char *qp = memchr(t + tl, ';', (size_t)(p + n - (t + tl)));
        while (qp && qp < p + n) {
            qp++;
            while (qp < p + n && *qp == ' ')
                qp++;
            if (qp + 2 <= p + n && (qp[0] == 'q' || qp[0] == 'Q') && qp[1] == '=') {
                q = strtod(qp + 2, NULL);
                break;
            }
            qp = memchr(qp, ';', (size_t)(p + n - qp));
        }
        char tag[RS_PAGE_TAG];
        if (q > best && short_tag(t, tl, tag)) {
            best = q;
            memcpy(out, tag, RS_PAGE_TAG);
        }
        p = end ? end + 1 : NULL;
    }
    return best > 0;
}

/* The visitor's own choice, as a short tag: ?lang= (any case: "EN", "en-us"; anything but
 * English is Spanish), else Accept-Language. */
static bool tag_asked(struct rs_req *r, char out[RS_PAGE_TAG])
{
    const char *q = rs_req_query(r, "lang");
    const char *al = rs_req_header(r, "Accept-Language");
    if (q && *q) {
        if (!short_tag(q, strlen(q), out)) /* "english" is English, "fr" or "xx" Spanish */
            snprintf(out, RS_PAGE_TAG, "%s", strncasecmp(q, "en", 2) == 0 ? "en" : "es");
        /* the page's own links say ?lang=en: the region stays the browser's (an en-US visitor's
         * live refresh and language switch keep "3:15 PM") */
        char b[RS_PAGE_TAG];
        if (!out[2] && al && accept_language(al, b) && strncmp(b, out, 2) == 0)
            memcpy(out, b, RS_PAGE_TAG);
        return true;
    }
    return al && accept_language(al, out);
}

const char *rs_page_lang_asked(struct rs_req *r)
{
    char tag[RS_PAGE_TAG];
    if (!tag_asked(r, tag))
        return NULL;
    return strncmp(tag, "en", 2) == 0 ? "en" : "es";
}

/* The customer's locale on the order: the public view has it at the top ("the locale to greet
 * in"), the verified one in customer. */
static const char *order_locale(json_t *order)
{
    const char *l = json_string_value(json_object_get(order, "locale"));
    if (!l || !*l)
        l = json_string_value(json_object_get(json_object_get(order, "customer"), "locale"));
    return l && *l ? l : NULL;
}

bool rs_page_want_spanish(struct rs_req *r, json_t *order)
{
    char tag[RS_PAGE_TAG];
    return strcmp(rs_page_locale(r, order, tag), "es") == 0;
}

const char *rs_page_locale(struct rs_req *r, json_t *order, char tag[RS_PAGE_TAG])
{
    if (!tag_asked(r, tag)) {
        const char *cl = order_locale(order);
        const char *ml = json_string_value(json_object_get(json_object_get(order, "merchant"), "locale"));
        if (!(cl && short_tag(cl, strlen(cl), tag)) && !(ml && short_tag(ml, strlen(ml), tag)))
            snprintf(tag, RS_PAGE_TAG, "es");
    }
    /* the region for dates: the visitor's, else the customer's own when it is the same language
     * (an en-US shopper's e-mails say "Thursday, November 26" and "10:00 AM": so does the page) */
    const char *cl = order_locale(order);
    char ct[RS_PAGE_TAG];
    if (!tag[2] && cl && short_tag(cl, strlen(cl), ct) && strncmp(ct, tag, 2) == 0)
        memcpy(tag, ct, RS_PAGE_TAG);
    return strncmp(tag, "en", 2) == 0 ? "en" : "es";
}

/* ---- rate limit ---- */

bool rs_page_rate_blocked(struct rs_req *r, bool html)
{
    struct rs_ratelimit *limiter = rs_ratelimit_lookups();
    int wait = 0;
    if (!limiter || !rs_ratelimit_blocked(limiter, r->client_addr, rs_ratelimit_now_ms(), &wait))
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
    struct rs_ratelimit *limiter = rs_ratelimit_lookups();
    if (limiter)
        rs_ratelimit_fail(limiter, r->client_addr, rs_ratelimit_now_ms());
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
    rs_page_reply_html(r, status, html, len);
    free(html);
}

void rs_page_reply_html(struct rs_req *r, int status, const char *html, size_t len)
{
    rs_reply_text(r, status, "text/html; charset=utf-8", html, len);
    r->cache_control = "no-store";
    r->csp = RS_PAGE_CSP;
}
