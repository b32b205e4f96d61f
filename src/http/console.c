/* console.c — see console.h: login (GET/POST /console/login), logout, the session and CSRF
 * checks every console request goes through, the language switch, and the page layout.
 *
 * Login: the form carries a one-time login token that must equal the rs_login cookie
 * (double-submit: a third-party page cannot log a browser into another account), the POST must
 * come from our origin, failed attempts are limited per client address and per e-mail
 * (RASTRO_LOGIN_BURST at once, RASTRO_LOGIN_PER_MIN a minute), and every failure says the same
 * thing whether the e-mail exists or not — an unknown e-mail costs a dummy Argon2id
 * verification, so timing does not tell either. Sessions end after RASTRO_CONSOLE_IDLE_S
 * seconds without a request (default 2 hours) or RASTRO_CONSOLE_MAX_S after login (12 hours). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_auth.h"
#include "app/ratelimit.h"
#include "http/console.h"
#include "http/page.h"
#include "http/routes.h"
#include "util/form.h"
#include "util/timefmt.h"
#include "util/tz.h"

#define SESSION_COOKIE "rs_console"
#define LOGIN_COOKIE "rs_login"
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static int64_t env_s(const char *name, int64_t def)
{
    const char *v = getenv(name);
    long long n = v && *v ? strtoll(v, NULL, 10) : 0;
    return n > 0 ? n : def;
}
static int64_t idle_s(void)
{
    return env_s("RASTRO_CONSOLE_IDLE_S", 2 * 3600);
}
static int64_t max_s(void)
{
    return env_s("RASTRO_CONSOLE_MAX_S", 12 * 3600);
}

static bool secure_base(struct rs_req *r)
{
    return strncmp(rs_server_base_url(r->srv), "https://", 8) == 0;
}

static void set_cookie(struct rs_req *r, int slot, const char *name, const char *value, int64_t max_age)
{
    snprintf(r->set_cookie[slot], sizeof r->set_cookie[slot], "%s=%s; Path=/console; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             name, value, (long long)max_age, secure_base(r) ? "; Secure" : "");
}

int64_t rs_console_param_id(struct rs_req *r, int i)
{
    const char *p = r->params[i];
    if (!p || !*p || strlen(p) > 18)
        return 0;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return 0;
    return strtoll(p, NULL, 10);
}

void rs_console_redirect(struct rs_req *r, const char *location)
{
    snprintf(r->location, sizeof r->location, "%s", location);
    rs_reply_text(r, 303, "text/plain; charset=utf-8", "", 0);
    r->cache_control = "no-store";
}

void rs_console_time(struct rs_console *c, int64_t epoch, char out[24])
{
    int64_t day = 0;
    int minute = 0;
    if (epoch <= 0) {
        snprintf(out, 24, "—");
        return;
    }
    if (rs_tz_local(c && c->tz[0] ? c->tz : "UTC", epoch, &day, &minute) != RS_OK) {
        day = epoch / 86400 - (epoch % 86400 < 0);
        minute = (int)((epoch - day * 86400) / 60);
    }
    char date[11];
    rs_date_format(day, date);
    snprintf(out, 24, "%.10s %02d:%02d", date, (minute / 60) % 100, minute % 60);
}

/* ---- pages ---- */

static bool want_spanish(struct rs_req *r)
{
    const char *q = rs_req_query(r, "lang");
    if (q && *q)
        return strncmp(q, "en", 2) != 0;
    const char *al = rs_req_header(r, "Accept-Language");
    if (al) {
        const char *es = strstr(al, "es"), *en = strstr(al, "en");
        if (es || en)
            return es && (!en || es < en);
    }
    return true;
}

static void head_open(struct rs_buf *b, bool es, const char *title)
{
    rs_buf_printf(b,
                  "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>",
                  es ? "es" : "en");
    rs_buf_html(b, title);
    rs_buf_puts(b, " · Rastro</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" "
                   "href=\"/static/console.css\"><script src=\"/static/console.js\" defer></script></head><body>");
}

void rs_console_finish(struct rs_req *r, struct rs_buf *b, int status)
{
    rs_buf_puts(b, "</main></body></html>");
    size_t len;
    char *html = rs_buf_detach(b, &len);
    rs_reply_text(r, status, "text/html; charset=utf-8", html, len);
    free(html);
    r->cache_control = "no-store";
    r->csp = CSP;
}

void rs_console_csrf_field(struct rs_buf *b, struct rs_console *c)
{
    rs_buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    rs_buf_html(b, c->sess.csrf);
    rs_buf_puts(b, "\">");
}

static const struct {
    enum rs_console_queue q;
    const char *key, *es, *en;
} queues[] = {
    {RS_Q_UNASSIGNED, "unassigned", "Sin asignar", "Unassigned"},
    {RS_Q_MINE, "mine", "Míos", "Mine"},
    {RS_Q_WAITING, "waiting", "Esperando al cliente", "Waiting"},
    {RS_Q_BREACHING, "breaching", "Fuera de SLA", "Breaching SLA"},
    {RS_Q_INCIDENTS, "incidents", "Incidencias", "Incidents"},
    {RS_Q_BOT, "bot", "Con el bot", "With the bot"},
    {RS_Q_CLOSED, "closed", "Cerradas", "Closed"},
};

void rs_console_head(struct rs_buf *b, struct rs_console *c, const char *title, const char *current)
{
    head_open(b, c->es, title);
    rs_buf_puts(b, "<header class=\"top\"><div class=\"bar\"><p class=\"brand\"><a href=\"/console\">Rastro</a> · ");
    rs_buf_html(b, c->merchant);
    rs_buf_printf(b, "</p><nav aria-label=\"%s\" class=\"queues\">", CX(c, "Colas", "Queues"));
    for (size_t i = 0; i < sizeof queues / sizeof queues[0]; i++) {
        bool here = current && strcmp(current, queues[i].key) == 0;
        rs_buf_printf(b, "<a href=\"/console?q=%s\"%s%s>%s <span class=\"n\" data-q=\"%s\">%lld</span></a>",
                      queues[i].key, here ? " aria-current=\"page\"" : "",
                      queues[i].q == RS_Q_BREACHING && c->counts[RS_Q_BREACHING] ? " class=\"hot\"" : "",
                      CX(c, queues[i].es, queues[i].en), queues[i].key, (long long)c->counts[queues[i].q]);
    }
    rs_buf_printf(b,
                  "</nav><form method=\"get\" action=\"/console\" role=\"search\" class=\"search\"><input "
                  "type=\"search\" name=\"s\" maxlength=\"200\" aria-label=\"%s\" placeholder=\"%s\"></form>",
                  CX(c, "Buscar conversaciones", "Search conversations"),
                  CX(c, "Pedido, seguimiento, correo, teléfono o nombre", "Order, tracking, e-mail, phone or name"));
    rs_buf_puts(b, "<div class=\"me\"><span>");
    rs_buf_html(b, c->sess.agent.name);
    rs_buf_puts(b, "</span><form method=\"post\" action=\"/console/lang\">");
    rs_console_csrf_field(b, c);
    rs_buf_printf(b,
                  "<input type=\"hidden\" name=\"lang\" value=\"%s\"><button class=\"link\" lang=\"%s\">%s</button></form>"
                  "<form method=\"post\" action=\"/console/logout\">",
                  c->es ? "en" : "es", c->es ? "en" : "es", c->es ? "English" : "Español");
    rs_console_csrf_field(b, c);
    rs_buf_printf(b, "<button class=\"link\">%s</button></form></div></div></header><main>", CX(c, "Salir", "Sign out"));
}

void rs_console_message_text(struct rs_req *r, struct rs_console *c, int status, const char *title, const char *msg,
                             const struct rs_console_kept *kept)
{
    struct rs_buf b;
    rs_buf_init(&b);
    bool es = c ? c->es : want_spanish(r);
    if (c) {
        rs_console_head(&b, c, title, NULL);
    } else {
        head_open(&b, es, title);
        rs_buf_puts(&b, "<main>");
    }
    rs_buf_puts(&b, "<h1>");
    rs_buf_html(&b, title);
    rs_buf_puts(&b, "</h1><p>");
    rs_buf_html(&b, msg);
    rs_buf_puts(&b, "</p>");
    if (c && kept && kept->text) {
        /* the agent's words, ready to correct and send again */
        rs_buf_printf(&b, "<form method=\"post\" action=\"%s\" class=\"reply\" id=\"kept\">", kept->action);
        rs_console_csrf_field(&b, c);
        rs_buf_printf(&b, "<label for=\"body\">%s</label><textarea id=\"body\" name=\"body\" rows=\"6\">",
                      es ? "Tu texto, para que no se pierda:" : "Your text, so it is not lost:");
        rs_buf_html(&b, kept->text);
        rs_buf_puts(&b, "</textarea><div class=\"row\">");
        if (kept->kind) {
            rs_buf_puts(&b, "<button class=\"primary\" name=\"kind\" value=\"");
            rs_buf_html(&b, kept->kind);
            rs_buf_printf(&b, "\">%s</button>", es ? "Enviar otra vez" : "Send again");
        } else {
            rs_buf_printf(&b, "<button class=\"primary\">%s</button>", es ? "Enviar otra vez" : "Send again");
        }
        rs_buf_puts(&b, "</div></form>");
    }
    if (c && kept && kept->back)
        rs_buf_printf(&b, "<p><a href=\"%s\">%s</a></p>", kept->back,
                      es ? "Volver a la conversación" : "Back to the conversation");
    rs_buf_printf(&b, "<p><a href=\"/console\">%s</a></p>", es ? "Volver a la bandeja" : "Back to the inbox");
    rs_console_finish(r, &b, status);
}

void rs_console_message(struct rs_req *r, struct rs_console *c, int status, const char *title, const char *msg)
{
    rs_console_message_text(r, c, status, title, msg, NULL);
}

/* ---- sessions ---- */

struct touch_job {
    const unsigned char *hash;
    int64_t now;
};
static enum rs_err touch_run(struct rs_store *s, void *ctx)
{
    struct touch_job *j = ctx;
    return rs_store_session_touch(s, j->hash, j->now);
}

/* The live session of R into C (no CSRF check). */
static bool session_of(struct rs_req *r, struct rs_console *c)
{
    memset(c, 0, sizeof *c);
    const char *cookie = rs_req_header(r, "Cookie");
    char token[64];
    if (!cookie || !rs_cookie_get(cookie, SESSION_COOKIE, token, sizeof token) || !rs_token_hash(token, c->hash))
        return false;
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s)
        return false;
    c->now = rs_now();
    enum rs_err e = rs_store_session_get(s, c->hash, &c->sess);
    bool live = e == RS_OK && c->sess.agent.disabled_at == 0 && c->now < c->sess.expires_at &&
                c->now - c->sess.last_seen_at < idle_s();
    if (live) {
        c->es = strcmp(c->sess.agent.locale, "en") != 0;
        if (rs_store_console_merchant(s, c->sess.agent.merchant_id, c->merchant, c->tz) != RS_OK ||
            rs_store_console_counts(s, c->sess.agent.merchant_id, c->sess.agent.id, c->now, c->counts) != RS_OK)
            live = false;
    }
    rs_server_reader_put(r->srv, s);
    if (live && c->now - c->sess.last_seen_at >= 60) { /* idle clock: one write a minute at most */
        struct touch_job j = {c->hash, c->now};
        if (rs_writer_run(rs_server_writer(r->srv), touch_run, &j) != RS_OK)
            live = true; /* the idle clock is best effort: the next request tries again */
    }
    return live;
}

static bool origin_ok(struct rs_req *r)
{
    return rs_origin_ok(rs_req_header(r, "Origin"), rs_req_header(r, "Referer"), rs_server_base_url(r->srv),
                        rs_req_header(r, "Host"));
}

/* A reply, note or phone log posted (from this server) after the session ended: the agent's text
 * shown back, not sent, with the way to sign in again, instead of a redirect that drops it. True
 * when the page was sent (the form carried a text). */
static bool kept_after_expiry(struct rs_req *r, struct rs_console *c)
{
    if (!origin_ok(r)) /* another site's form must not put its words on our page */
        return false;
    size_t cap = r->body_len + 1;
    char *text = malloc(cap);
    if (!text || !rs_form_get(r->body, r->body_len, "body", text, cap, NULL) || !text[strspn(text, " \t\r\n")]) {
        free(text);
        return false;
    }
    /* the session row, when it is still there, says the agent's language */
    bool es = c->sess.agent.id ? strcmp(c->sess.agent.locale, "en") != 0 : want_spanish(r);
    const char *title = es ? "Tu sesión ha terminado" : "Your session has ended";
    struct rs_buf b;
    rs_buf_init(&b);
    head_open(&b, es, title);
    rs_buf_puts(&b, "<main><h1>");
    rs_buf_html(&b, title);
    rs_buf_printf(&b,
                  "</h1><p role=\"alert\">%s</p><form class=\"reply\" id=\"kept\"><label for=\"body\">%s</label>"
                  "<textarea id=\"body\" name=\"body\" rows=\"6\">",
                  es ? "Tu texto no se ha enviado ni guardado. Cópialo, entra de nuevo y vuelve a enviarlo."
                     : "Your text was neither sent nor saved. Copy it, sign in again and send it again.",
                  es ? "Tu texto, para que no se pierda:" : "Your text, so it is not lost:");
    rs_buf_html(&b, text);
    rs_buf_printf(&b, "</textarea></form><p><a href=\"/console/login\" target=\"_blank\" id=\"sign-in\">%s</a></p>",
                  es ? "Entrar de nuevo (en otra pestaña)" : "Sign in again (in another tab)");
    free(text);
    rs_console_finish(r, &b, 401);
    return true;
}

/* Whether NEXT is a console page to come back to after signing in: a local /console path of
 * plain characters (no scheme, no "//", no quotes: never another site), not the login itself. */
static bool next_ok(const char *next)
{
    size_t n = next ? strlen(next) : 0;
    if (n < 8 || n > 200 || strncmp(next, "/console", 8) != 0 || !strchr("/?", next[8] ? next[8] : '/') ||
        strstr(next, "//") || strstr(next, "..") || strncmp(next, "/console/log", 12) == 0)
        return false;
    for (const char *p = next; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/?=&_-.%+", *p))
            return false;
    return true;
}

/* The login page, with where to come back to when that is not the inbox's start: the page the
 * agent asked for (a conversation, an incident, a queue) when their session had ended. */
static void to_login(struct rs_req *r)
{
    char next[256] = "";
    const char *q = rs_req_query(r, "q");
    if (r->path && strcmp(r->path, "/console") == 0 && q && strlen(q) < 32 && q[strspn(q, "abcdefghijklmnopqrstuvwxyz_")] == '\0' && *q)
        snprintf(next, sizeof next, "/console?q=%s", q);
    else if (r->path && strcmp(r->path, "/console") != 0)
        snprintf(next, sizeof next, "%s", r->path);
    if (!next[0] || !next_ok(next)) {
        rs_console_redirect(r, "/console/login");
        return;
    }
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_puts(&b, "/console/login?next=");
    rs_buf_url(&b, next);
    rs_console_redirect(r, b.len < 512 && b.data ? b.data : "/console/login");
    rs_buf_release(&b);
}

bool rs_console_auth(struct rs_req *r, struct rs_console *c, bool post)
{
    if (!session_of(r, c)) {
        set_cookie(r, 0, SESSION_COOKIE, "", 0);
        if (!post)
            to_login(r);
        else if (!kept_after_expiry(r, c))
            rs_console_redirect(r, "/console/login");
        return false;
    }
    if (!post)
        return true;
    char csrf[64];
    if (!origin_ok(r) || !rs_form_get(r->body, r->body_len, "csrf", csrf, sizeof csrf, NULL) ||
        !rs_token_equal(csrf, c->sess.csrf)) {
        rs_console_message(r, c, 403, CX(c, "Petición rechazada", "Request refused"),
                           CX(c, "El formulario no lleva un token válido de esta sesión o viene de otra web. Recarga la "
                                 "página y vuelve a intentarlo.",
                              "The form does not carry a valid token of this session, or it comes from another site. "
                              "Reload the page and try again."));
        return false;
    }
    return true;
}

/* ---- login ---- */

static struct rs_ratelimit *by_addr, *by_email;
static pthread_once_t limit_once = PTHREAD_ONCE_INIT;
static void limit_init(void)
{
    double burst = (double)env_s("RASTRO_LOGIN_BURST", 10), per_min = (double)env_s("RASTRO_LOGIN_PER_MIN", 6);
    by_addr = rs_ratelimit_new(burst, per_min);
    by_email = rs_ratelimit_new(burst, per_min);
}

static void login_form(struct rs_req *r, int status, bool es, const char *error, const char *email,
                       const char *next)
{
    char token[RS_TOKEN_LEN];
    if (rs_token_new(token) != RS_OK) {
        rs_reply_err(r, RS_EIO, "random token");
        return;
    }
    set_cookie(r, 1, LOGIN_COOKIE, token, 3600);
    struct rs_buf b;
    rs_buf_init(&b);
    head_open(&b, es, es ? "Entrar" : "Sign in");
    rs_buf_printf(&b,
                  "<main class=\"login\"><h1>%s</h1><p class=\"sub\">%s · <a href=\"/console/login?lang=%s\" "
                  "lang=\"%s\">%s</a></p>",
                  es ? "Bandeja de atención" : "Support inbox",
                  es ? "Entra con tu cuenta de agente" : "Sign in with your agent account", es ? "en" : "es",
                  es ? "en" : "es", es ? "English" : "Español");
    if (error) {
        rs_buf_puts(&b, "<p class=\"err\" role=\"alert\">");
        rs_buf_html(&b, error);
        rs_buf_puts(&b, "</p>");
    }
    rs_buf_printf(&b,
                  "<form method=\"post\" action=\"/console/login%s\"><input type=\"hidden\" name=\"login_token\" "
                  "value=\"%s\">",
                  es ? "" : "?lang=en", token);
    if (next_ok(next)) { /* where the agent was when their session ended */
        rs_buf_puts(&b, "<input type=\"hidden\" name=\"next\" value=\"");
        rs_buf_html(&b, next);
        rs_buf_puts(&b, "\">");
    }
    rs_buf_printf(&b,
                  "<label for=\"email\">%s</label><input id=\"email\" name=\"email\" type=\"email\" "
                  "autocomplete=\"username\" required value=\"",
                  es ? "Correo electrónico" : "E-mail");
    rs_buf_html(&b, email ? email : "");
    rs_buf_printf(&b,
                  "\"><label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" "
                  "autocomplete=\"current-password\" required><button type=\"submit\">%s</button></form>",
                  es ? "Contraseña" : "Password", es ? "Entrar" : "Sign in");
    rs_console_finish(r, &b, status);
}

void rs_console_login_get(struct rs_req *r)
{
    struct rs_console c;
    const char *next = rs_req_query(r, "next");
    if (session_of(r, &c)) {
        rs_console_redirect(r, next_ok(next) ? next : "/console");
        return;
    }
    login_form(r, 200, want_spanish(r), NULL, NULL, next);
}

struct login_job {
    unsigned char hash[32];
    int64_t agent_id, now, expires_at, idle;
    char csrf[RS_TOKEN_LEN];
};
static enum rs_err login_run(struct rs_store *s, void *ctx)
{
    struct login_job *j = ctx;
    enum rs_err e = rs_store_session_purge(s, j->now, j->now - j->idle);
    return e ? e : rs_store_session_create(s, j->hash, j->agent_id, j->csrf, j->now, j->expires_at);
}

void rs_console_login_post(struct rs_req *r)
{
    bool es = want_spanish(r);
    char email[256], password[RS_PASSWORD_MAX + 2], token[64], cookie_token[64], next[256] = "";
    const char *cookie = rs_req_header(r, "Cookie");
    rs_form_get(r->body, r->body_len, "login_token", token, sizeof token, NULL);
    rs_form_get(r->body, r->body_len, "next", next, sizeof next, NULL);
    if (!origin_ok(r) || !cookie || !rs_cookie_get(cookie, LOGIN_COOKIE, cookie_token, sizeof cookie_token) ||
        !rs_token_equal(token, cookie_token)) {
        login_form(r, 403, es,
                   es ? "El formulario ha caducado o no viene de esta página. Vuelve a intentarlo."
                      : "The form expired or did not come from this page. Please try again.",
                   NULL, next);
        return;
    }
    bool cut = false;
    rs_form_get(r->body, r->body_len, "email", email, sizeof email, NULL);
    rs_form_get(r->body, r->body_len, "password", password, sizeof password, &cut);
    for (char *p = email; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    pthread_once(&limit_once, limit_init);
    char ekey[270];
    snprintf(ekey, sizeof ekey, "e:%.256s", email);
    int wait = 0, wait2 = 0;
    bool blocked_addr = by_addr && rs_ratelimit_blocked(by_addr, r->client_addr, rs_ratelimit_now_ms(), &wait);
    bool blocked_email = by_email && rs_ratelimit_blocked(by_email, ekey, rs_ratelimit_now_ms(), &wait2);
    if (blocked_addr || blocked_email) {
        r->retry_after = wait > wait2 ? wait : wait2;
        char msg[200];
        snprintf(msg, sizeof msg,
                 es ? "Demasiados intentos fallidos. Vuelve a probar dentro de %d segundos."
                    : "Too many failed attempts. Please try again in %d seconds.",
                 r->retry_after);
        login_form(r, 429, es, msg, email, next);
        return;
    }
    struct rs_agent a;
    struct rs_store *s = rs_server_reader_get(r->srv);
    enum rs_err e = s ? rs_store_agent_by_email(s, email, &a) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e && e != RS_ENOTFOUND) {
        rs_reply_err(r, e, "agent look-up");
        return;
    }
    bool known = e == RS_OK && a.disabled_at == 0;
    bool good = !cut && rs_password_verify(known ? a.password_hash : NULL, password) && known;
    memset(password, 0, sizeof password);
    if (!good) {
        if (by_addr)
            rs_ratelimit_fail(by_addr, r->client_addr, rs_ratelimit_now_ms());
        if (by_email)
            rs_ratelimit_fail(by_email, ekey, rs_ratelimit_now_ms());
        login_form(r, 401, es, es ? "Correo o contraseña incorrectos." : "Wrong e-mail or password.", email, next);
        return;
    }
    char session_token[RS_TOKEN_LEN];
    struct login_job j = {.agent_id = a.id, .now = rs_now(), .idle = idle_s()};
    j.expires_at = j.now + max_s();
    if (rs_token_new(session_token) != RS_OK || rs_token_new(j.csrf) != RS_OK ||
        !rs_token_hash(session_token, j.hash)) {
        rs_reply_err(r, RS_EIO, "random token");
        return;
    }
    e = rs_writer_run(rs_server_writer(r->srv), login_run, &j);
    if (e) {
        rs_console_message(r, NULL, 503, es ? "No se pudo entrar" : "Could not sign in",
                           es ? "Prueba de nuevo en un momento." : "Please try again in a moment.");
        return;
    }
    set_cookie(r, 0, SESSION_COOKIE, session_token, max_s());
    set_cookie(r, 1, LOGIN_COOKIE, "", 0);
    rs_console_redirect(r, next_ok(next) ? next : "/console");
}

static enum rs_err logout_run(struct rs_store *s, void *ctx)
{
    return rs_store_session_delete(s, ctx);
}

void rs_console_logout(struct rs_req *r)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, true))
        return;
    if (rs_writer_run(rs_server_writer(r->srv), logout_run, c.hash) != RS_OK) {
        rs_console_message(r, &c, 503, CX(&c, "No se pudo salir", "Could not sign out"),
                           CX(&c, "Prueba de nuevo en un momento.", "Please try again in a moment."));
        return;
    }
    set_cookie(r, 0, SESSION_COOKIE, "", 0);
    rs_console_redirect(r, c.es ? "/console/login" : "/console/login?lang=en");
}

struct lang_job {
    int64_t agent_id;
    const char *lang;
};
static enum rs_err lang_run(struct rs_store *s, void *ctx)
{
    struct lang_job *j = ctx;
    return rs_store_agent_set_locale(s, j->agent_id, j->lang);
}

void rs_console_lang(struct rs_req *r)
{
    struct rs_console c;
    if (!rs_console_auth(r, &c, true))
        return;
    char lang[8];
    rs_form_get(r->body, r->body_len, "lang", lang, sizeof lang, NULL);
    struct lang_job j = {c.sess.agent.id, strcmp(lang, "en") == 0 ? "en" : "es"};
    if (rs_writer_run(rs_server_writer(r->srv), lang_run, &j) != RS_OK) {
        rs_console_message(r, &c, 503, CX(&c, "No se pudo guardar", "Could not save"),
                           CX(&c, "Prueba de nuevo en un momento.", "Please try again in a moment."));
        return;
    }
    const char *ref = rs_req_header(r, "Referer");
    const char *path = ref ? strstr(ref, "/console") : NULL;
    rs_console_redirect(r, path && !strchr(path, '"') && strlen(path) < 512 ? path : "/console");
}
