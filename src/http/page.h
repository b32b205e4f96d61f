/* page.h — pieces shared by the tracking page, its forms and its live stream (page_*.c):
 * language choice, the look-up rate limit, the per-thread date formatter, URL encoding. */
#ifndef RS_HTTP_PAGE_H
#define RS_HTTP_PAGE_H

#include <stdbool.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/locfmt.h"

/* The language the visitor asks for: ?lang= (any case; "en…" is English, anything else
 * Spanish), else the Spanish or English entry of Accept-Language with the highest q; "es", "en",
 * or NULL when neither. */
const char *rs_page_lang_asked(struct rs_req *r);

/* Room for a short locale tag such as "es-419". */
#define RS_PAGE_TAG 8

/* The page's language ("es" or "en", returned) and into TAG the locale to write dates in
 * ("es", "en-US": the region of ?lang= or Accept-Language, else of the customer's locale when it
 * is the same language). The language is the visitor's choice (rs_page_lang_asked), else the
 * customer's locale on ORDER (NULL: none), else the merchant's, else Spanish. */
const char *rs_page_locale(struct rs_req *r, json_t *order, char tag[RS_PAGE_TAG]);

/* rs_page_locale's language is Spanish. */
bool rs_page_want_spanish(struct rs_req *r, json_t *order);

/* The failed-look-up limiter (per client address): true and a 429 answer (JSON or HTML by HTML)
 * already set when the client must wait. */
bool rs_page_rate_blocked(struct rs_req *r, bool html);
/* Count one failed look-up (unknown code, wrong second factor) against the client. */
void rs_page_rate_fail(struct rs_req *r);

/* This thread's formatter cache (freed when the thread ends). */
struct rs_locfmt *rs_page_locfmt(void);

/* Append S percent-encoded for a query value or path segment. */
void rs_buf_url(struct rs_buf *b, const char *s);

/* "?lang=xx&v=…" carrying the visitor's language and second factor (postcode=, email= or v=, the
 * verification token, as the request had it; or "").
 * LANG NULL leaves the language out. */
void rs_page_query(struct rs_buf *b, struct rs_req *r, const char *lang);

/* A report of the tracking page's form, to confirm: its reference and when it is due (its SLA,
 * what the customer is promised). */
struct rs_page_incident {
    char ref[24];
    int64_t sla_due_at;
    char zone[64]; /* the shop's zone when it works business hours (told as a day and time), or "" */
};

/* Render the whole tracking page for a found order O (borrowed) with an optional NOTICE (a
 * fixed key such as "updates_on") and an incident to confirm (NULL: none); sets the answer. */
void rs_page_render(struct rs_req *r, json_t *o, int status, const char *notice,
                    const struct rs_page_incident *incident, const char *form_error);

/* Answer HTML (LEN bytes) with STATUS as every customer-facing page is answered: never cached
 * (it holds an order's state), and with RS_PAGE_CSP: only the page's own scripts run, whatever
 * a merchant's, carrier's or customer's text holds; images may come from the merchant's https
 * or http URLs (logo, promotion); the page may be framed (a shop may show it inside its own);
 * Referrer-Policy same-origin: no other site learns the page's address (the code, a ?v= token). */
#define RS_PAGE_CSP                                                                                              \
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: http: data:; " \
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'"
void rs_page_reply_html(struct rs_req *r, int status, const char *html, size_t len);

/* A small page with a title and a message (errors, 429), in the visitor's language. */
void rs_page_message(struct rs_req *r, int status, bool es, const char *title, const char *msg);
/* The page for a failed look-up ST (rs_track_lookup's status, its JSON error set on R): a
 * mistyped code, something that is not a code, an unknown one, the database failing, or the
 * address blocked for too many tries, each said as such, in the visitor's language. */
void rs_page_lookup_failed(struct rs_req *r, int st);

#endif
