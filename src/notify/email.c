/* email.c — the email channel: builds an RFC 5322 message (multipart/alternative, plain text
 * then HTML, quoted-printable, RFC 2047 encoded-words for non-ASCII headers, RFC 8058 one-click
 * unsubscribe headers) and hands it to the merchant's SMTP server with libcurl, which speaks
 * SMTP (EHLO, STARTTLS, AUTH, dot-stuffing) for us. The MIME encoding is written by hand:
 * libcurl's curl_mime_* would add its own headers and cannot produce the List-Unsubscribe and
 * encoded-word headers exactly, and no MIME library is among the project's dependencies. */
#include <curl/curl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify/channel.h"
#include "notify/channel_priv.h"
#include "util/buf.h"

static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Header lines: RFC 5322 §2.1.1 — at most 998 characters, and SHOULD be at most 78. Long values
 * are folded (a CRLF put before a space, §2.2.3), so unfolding gives back the value exactly. */
#define HDR_LINE 78

/* The length of the UTF-8 sequence starting with byte C (1 for a stray continuation byte). */
static int utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

/* Copy S into OUT (CAP bytes), line breaks made spaces (or dropped with DROP_QUOTES, which also
 * drops '"' and '\\' for a display name); cut at a character boundary when it does not fit. */
static void clean_value(const char *s, char *out, size_t cap, bool drop_quotes)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        int cl = utf8_len(*p);
        if (n + (size_t)cl + 1 > cap)
            break;
        if (*p == '\r' || *p == '\n' || (drop_quotes && (*p == '"' || *p == '\\'))) {
            if (!drop_quotes)
                out[n++] = ' ';
            p++;
            continue;
        }
        for (int i = 0; i < cl && *p; i++)
            out[n++] = (char)*p++;
    }
    out[n] = '\0';
}

static bool q_plain(unsigned c)
{
    /* RFC 2047 §5 (3): the characters an encoded-word may carry as themselves anywhere, phrases
     * included; ' ' is written '_' */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' || c == '*' ||
           c == '+' || c == '-' || c == '/';
}

/* RFC 2047 Q encoded-words of S starting at column *COL: each at most 75 characters, the first
 * one fitted into the current line, the others on folded lines of their own (CRLF SP), so no line
 * exceeds 78. A UTF-8 sequence is never split across words (§5: each word must decode on its
 * own), and the white space between adjacent encoded-words is not part of the text (§6.2), so
 * decoding gives S back exactly. */
static void add_encoded(struct rs_buf *b, const char *s, int *col)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    bool first = true;
    while (*p) {
        int limit = 75;
        if (first && HDR_LINE - *col < limit)
            limit = HDR_LINE - *col;
        if (!first || limit < 12 + 12) { /* not even one 4-byte character fits: next line */
            rs_buf_puts(b, "\r\n ");
            *col = 1;
            limit = 75;
        }
        first = false;
        rs_buf_puts(b, "=?UTF-8?Q?");
        int used = 12; /* "=?UTF-8?Q?" and "?=" */
        while (*p) {
            int clen = utf8_len(*p), need = 0;
            for (int i = 0; i < clen && p[i]; i++)
                need += q_plain(p[i]) || p[i] == ' ' ? 1 : 3;
            if (used + need > limit)
                break;
            for (int i = 0; i < clen && *p; i++, p++) {
                unsigned c = *p;
                if (c == ' ') {
                    rs_buf_add(b, "_", 1);
                } else if (q_plain(c)) {
                    char ch = (char)c;
                    rs_buf_add(b, &ch, 1);
                } else {
                    char e[3] = {'=', hex[c >> 4], hex[c & 15]};
                    rs_buf_add(b, e, 3);
                }
            }
            used += need;
        }
        rs_buf_puts(b, "?=");
        *col += used;
    }
}

/* S, printable ASCII, as is from column *COL, folded before a space where the line would pass 78.
 * FALSE (nothing written) when that cannot be done: a word too long for a line of its own, or
 * text that would read as an encoded-word. */
static bool add_folded_ascii(struct rs_buf *b, const char *s, int *col)
{
    if (strstr(s, "=?"))
        return false;
    /* check first: every word must fit a line (the first one the current line) */
    for (const char *p = s, *start = s; *p;) {
        size_t sp = strspn(p, " \t"), w = strcspn(p + sp, " \t");
        if (w && (p == start ? (size_t)*col + sp + w : sp + w) > HDR_LINE)
            return false;
        p += sp + w;
    }
    for (const char *p = s; *p;) {
        size_t sp = strspn(p, " \t"), w = strcspn(p + sp, " \t");
        /* fold before the white space of a word that does not fit (never a line of blanks) */
        if (w && sp && (size_t)*col + sp + w > HDR_LINE) {
            rs_buf_puts(b, "\r\n");
            *col = 0;
        }
        rs_buf_add(b, p, sp + w);
        *col += (int)(sp + w);
        p += sp + w;
    }
    return true;
}

/* A header value that is text (Subject): as is when ASCII, else encoded-words; folded either way.
 * Line breaks in the value become spaces (a header never spans lines the caller did not fold). */
static void add_text_header(struct rs_buf *b, const char *name, const char *value)
{
    char clean[1024];
    clean_value(value, clean, sizeof clean, false);
    rs_buf_printf(b, "%s: ", name);
    int col = (int)strlen(name) + 2;
    if (!ascii_only(clean) || !add_folded_ascii(b, clean, &col))
        add_encoded(b, clean, &col);
    rs_buf_puts(b, "\r\n");
}

/* "Display Name <addr>" or "addr" → NAME and ADDR. */
static void split_mailbox(const char *s, char *name, size_t ncap, char *addr, size_t acap)
{
    const char *lt = strchr(s, '<');
    if (!lt) {
        name[0] = '\0';
        snprintf(addr, acap, "%s", s);
        return;
    }
    size_t nl = (size_t)(lt - s);
    while (nl > 0 && s[nl - 1] == ' ')
        nl--;
    const char *ns = s;
    if (nl >= 2 && ns[0] == '"' && ns[nl - 1] == '"') {
        ns++;
        nl -= 2;
    }
    snprintf(name, ncap, "%.*s", (int)nl, ns);
    const char *gt = strchr(lt, '>');
    snprintf(addr, acap, "%.*s", (int)(gt ? (size_t)(gt - lt - 1) : strlen(lt + 1)), lt + 1);
}

static void add_mailbox_header(struct rs_buf *b, const char *hname, const char *name, const char *addr)
{
    rs_buf_printf(b, "%s: ", hname);
    int col = (int)strlen(hname) + 2;
    if (name && *name) {
        char clean[256];
        clean_value(name, clean, sizeof clean, true);
        if (!ascii_only(clean)) {
            add_encoded(b, clean, &col);
        } else if (strpbrk(clean, "()<>[]:;@,.")) {
            if (col + strlen(clean) + 2 <= HDR_LINE) {
                rs_buf_printf(b, "\"%s\"", clean);
                col += (int)strlen(clean) + 2;
            } else { /* a long name with specials: encoded-words fold where a quoted string
                      * could not be relied on to */
                add_encoded(b, clean, &col);
            }
        } else if (!add_folded_ascii(b, clean, &col)) {
            add_encoded(b, clean, &col);
        }
        /* the address on the next line when it does not fit this one */
        if (col + 1 + strlen(addr) + 2 > HDR_LINE) {
            rs_buf_puts(b, "\r\n");
            col = 0;
        }
        rs_buf_puts(b, " ");
    }
    rs_buf_printf(b, "<%s>\r\n", addr);
}

/* Quoted-printable (RFC 2045 §6.7) of TEXT with CRLF line ends and soft breaks at 76. */
static void add_qp(struct rs_buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    int col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            rs_buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        bool at_eol = p[1] == '\n' || p[1] == '\0' || (p[1] == '\r' && p[2] == '\n');
        char enc[3];
        int len;
        if ((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !at_eol)) {
            enc[0] = (char)*p;
            len = 1;
        } else {
            enc[0] = '=';
            enc[1] = hex[*p >> 4];
            enc[2] = hex[*p & 15];
            len = 3;
        }
        if (col + len > 75) {
            rs_buf_puts(b, "=\r\n");
            col = 0;
        }
        rs_buf_add(b, enc, (size_t)len);
        col += len;
    }
    rs_buf_puts(b, "\r\n");
}

enum rs_err rs_email_build(const struct rs_msg *m, char **out, size_t *len, char message_id[128])
{
    const struct rs_notify_config *c = m->cfg;
    const struct rs_rendered *r = m->r;
    if (!c->email_from || !m->to_email || !*m->to_email || !r->part[RS_TPART_EMAIL_SUBJECT] ||
        !r->part[RS_TPART_EMAIL_TEXT] || !r->part[RS_TPART_EMAIL_HTML])
        return RS_EINVAL;
    char fname[256], faddr[256];
    split_mailbox(c->email_from, fname, sizeof fname, faddr, sizeof faddr);
    const char *domain = strchr(faddr, '@');
    domain = domain ? domain + 1 : "rastro.invalid";
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        memset(rnd, 7, sizeof rnd);
    char boundary[64];
    snprintf(boundary, sizeof boundary, "=_rastro_%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5], rnd[6], rnd[7]);
    /* 64 random bits: an answer quoting this Message-ID in In-Reply-To enters the customer's
     * conversation (app/conv.c), so it must not be guessable from the id and the time */
    unsigned char mr[8];
    if (RAND_bytes(mr, sizeof mr) != 1)
        memcpy(mr, rnd, sizeof mr);
    snprintf(message_id, 128, "%s-%lld.%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%.60s", m->ref_prefix ? m->ref_prefix : "ntf",
             (long long)m->outbox_id, (long long)m->now, mr[0], mr[1], mr[2], mr[3], mr[4], mr[5], mr[6], mr[7], domain);

    struct rs_buf b;
    rs_buf_init(&b);
    char date[64];
    time_t t = (time_t)m->now;
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    rs_buf_printf(&b, "Date: %s\r\n", date);
    add_mailbox_header(&b, "From", fname[0] ? fname : m->merchant_name, faddr);
    if (c->email_reply_to) {
        char rn[256], ra[256];
        split_mailbox(c->email_reply_to, rn, sizeof rn, ra, sizeof ra);
        add_mailbox_header(&b, "Reply-To", rn, ra);
    }
    add_mailbox_header(&b, "To", m->to_name, m->to_email);
    add_text_header(&b, "Subject", r->part[RS_TPART_EMAIL_SUBJECT]);
    rs_buf_printf(&b, "Message-ID: <%s>\r\n", message_id);
    if (m->in_reply_to && *m->in_reply_to && strlen(m->in_reply_to) < 900 && !strpbrk(m->in_reply_to, "<>\r\n \t"))
        /* threads the reply under the customer's e-mail in their mail client (RFC 5322 3.6.4) */
        rs_buf_printf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", m->in_reply_to, m->in_reply_to);
    rs_buf_puts(&b, "MIME-Version: 1.0\r\n");
    if (m->unsub_url) {
        /* RFC 8058: both headers, on one line each */
        rs_buf_printf(&b, "List-Unsubscribe: <%s>\r\n", m->unsub_url);
        rs_buf_puts(&b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    }
    rs_buf_printf(&b, "Content-Language: %s\r\n", m->lang);
    rs_buf_printf(&b, "X-Rastro-Notification: %lld\r\n", (long long)m->outbox_id);
    rs_buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
    rs_buf_puts(&b, "This is a multi-part message in MIME format.\r\n\r\n");
    rs_buf_printf(&b, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  boundary);
    add_qp(&b, r->part[RS_TPART_EMAIL_TEXT]);
    rs_buf_printf(&b, "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  boundary);
    add_qp(&b, r->part[RS_TPART_EMAIL_HTML]);
    rs_buf_printf(&b, "\r\n--%s--\r\n", boundary);
    *out = rs_buf_detach(&b, len);
    return *out ? RS_OK : RS_ENOMEM;
}

struct upload {
    const char *data;
    size_t len, off;
};

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t want = size * n, left = u->len - u->off;
    if (want > left)
        want = left;
    memcpy(buf, u->data + u->off, want);
    u->off += want;
    return want;
}

enum rs_err rs_send_email(struct rs_channels *ch, const struct rs_msg *m, struct rs_send_result *res)
{
    const struct rs_notify_config *c = m->cfg;
    if (!c->smtp_url) {
        snprintf(res->error, sizeof res->error, "no SMTP server configured");
        return RS_EINVAL;
    }
    if (!m->to_email || !*m->to_email) {
        snprintf(res->error, sizeof res->error, "the customer has no e-mail address");
        return RS_EINVAL;
    }
    char *msg = NULL;
    size_t len = 0;
    char mid[128];
    if (rs_email_build(m, &msg, &len, mid) != RS_OK) {
        snprintf(res->error, sizeof res->error, "the message could not be built (template parts missing)");
        return RS_EINVAL;
    }
    char fname[256], faddr[256], from[300], rcpt[300];
    split_mailbox(c->bounce_address ? c->bounce_address : c->email_from, fname, sizeof fname, faddr, sizeof faddr);
    snprintf(from, sizeof from, "<%s>", faddr);
    snprintf(rcpt, sizeof rcpt, "<%s>", m->to_email);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    struct upload up = {.data = msg, .len = len};
    CURL *h = ch->smtp;
    curl_easy_reset(h); /* keeps the connection cache: the SMTP session is reused */
    curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
    rs_channels_guard(ch, h, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     (long)(c->smtp_tls == 2 ? CURLUSESSL_ALL : c->smtp_tls == 1 ? CURLUSESSL_TRY : CURLUSESSL_NONE));
    if (c->smtp_user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password ? c->smtp_password : "");
    }
    CURLcode rc = curl_easy_perform(h);
    long code = 0, conns = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
    ch->connects += conns;
    curl_slist_free_all(rcpts);
    free(msg);
    res->http_status = (int)code;
    if (rc == CURLE_OK) {
        snprintf(res->provider_id, sizeof res->provider_id, "%s", mid);
        return RS_OK;
    }
    if (rs_channels_blocked(ch, res))
        return RS_EREJECTED;
    snprintf(res->error, sizeof res->error, "SMTP %s: %s", c->smtp_url, curl_easy_strerror(rc));
    if (code >= 400)
        snprintf(res->error + strlen(res->error), sizeof res->error - strlen(res->error), " (reply %ld)", code);
    /* 5xx is a permanent refusal (unknown mailbox, policy); 4xx and transport trouble pass */
    if (code >= 500 && code < 600)
        return RS_EREJECTED;
    if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED)
        return RS_ERETRY; /* a settings problem the merchant can fix: keep trying a while */
    return RS_ERETRY;
}
