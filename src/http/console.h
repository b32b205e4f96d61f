/* console.h — the agent inbox at /console (docs/console.md), shared by console.c (login,
 * sessions, CSRF, layout), console_pages.c (queues, conversation and incident views) and
 * console_actions.c (every POST: replies, notes, assignment, incidents, coupons, phone logs).
 *
 * Security in one place: a console request is served only with a live session (cookie
 * rs_console: 256 random bits, HttpOnly, SameSite=Strict, Path=/console, Secure on https; only
 * its SHA-256 is stored; idle and absolute expiry). Every POST also needs the session's CSRF
 * token in the form field "csrf" and an Origin (or Referer) of this server — 403 otherwise.
 * Every read is filtered by the agent's merchant; another merchant's ids answer 404. Every
 * customer-written string goes through rs_buf_html, and pages send a strict
 * Content-Security-Policy (no inline script or style). */
#ifndef RS_HTTP_CONSOLE_H
#define RS_HTTP_CONSOLE_H

#include <stdbool.h>

#include "http/http.h"
#include "store/store_agent.h"
#include "util/buf.h"

struct rs_console {
    struct rs_agent_session sess;  /* the agent (sess.agent) and the session's CSRF token */
    unsigned char hash[32];        /* SHA-256 of the session token */
    bool es;                       /* Spanish pages */
    char merchant[128], tz[64];    /* the agent's merchant: name and time zone */
    int64_t counts[RS_Q_COUNT];    /* queue counts for the navigation */
    int64_t now;
};

#define CX(c, es_, en_) ((c)->es ? (es_) : (en_))

/* The session of R. POST: also the Origin and CSRF checks. False with the answer already set
 * (303 to the login page without a live session, 403 when a check fails). */
bool rs_console_auth(struct rs_req *r, struct rs_console *c, bool post);
/* The page head, top bar and navigation (queue counts), then <main>. */
void rs_console_head(struct rs_buf *b, struct rs_console *c, const char *title, const char *current_queue);
/* </main></body></html>, then answer STATUS with B as HTML (no-store, CSP). Releases B. */
void rs_console_finish(struct rs_req *r, struct rs_buf *b, int status);
/* <input type=hidden name=csrf value=…> */
void rs_console_csrf_field(struct rs_buf *b, struct rs_console *c);
/* A small page with a title and message (errors), in the agent's language when C is not NULL. */
void rs_console_message(struct rs_req *r, struct rs_console *c, int status, const char *title, const char *msg);
/* What a refused form had, so the agent does not lose it: the text (HTML-escaped when shown), the
 * action it posts to and its "kind" (NULL: none), and the page to go back to (NULL: the inbox
 * only). ACTION and BACK are our own paths. */
struct rs_console_kept {
    const char *text, *action, *kind, *back;
};
/* rs_console_message, then KEPT's text in a form that sends it again, and a link back. */
void rs_console_message_text(struct rs_req *r, struct rs_console *c, int status, const char *title, const char *msg,
                             const struct rs_console_kept *kept);
/* EPOCH as "2025-11-25 07:30" in the merchant's zone. */
void rs_console_time(struct rs_console *c, int64_t epoch, char out[24]);
/* 303 to LOCATION (a path under /console). */
void rs_console_redirect(struct rs_req *r, const char *location);

/* Numeric path parameter I (> 0), or 0. */
int64_t rs_console_param_id(struct rs_req *r, int i);

#endif
