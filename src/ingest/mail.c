/* mail.c — one customer e-mail into sender, subject, thread ids and text (see mail.h).
 * MIME is GMime 3's; HTML to text is libxml2's HTML parser (it recovers from the broken markup
 * mail clients produce). What is written here is only the choice of the part, the walk that
 * turns the HTML tree into lines, and the cheap rules that cut quoted history. */
#include "ingest/mail.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_libs(void)
{
    g_mime_init();
    xmlInitParser();
}

static enum rs_err fail(char *err, size_t cap, const char *msg)
{
    if (cap)
        snprintf(err, cap, "%s", msg);
    return RS_EINVAL;
}

/* A malloc'ed copy of S made valid UTF-8 (invalid bytes become U+FFFD), or NULL for NULL. */
static char *utf8_dup(const char *s)
{
    if (!s)
        return NULL;
    gchar *v = g_utf8_make_valid(s, -1);
    char *out = v ? strdup(v) : NULL;
    g_free(v);
    return out;
}

/* ---- choosing the text part ---- */

struct pick {
    GMimeTextPart *plain, *html;
};

static void visit(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void)parent;
    struct pick *pk = data;
    if (!GMIME_IS_TEXT_PART(part))
        return;
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(part);
    if (cd && g_mime_content_disposition_is_attachment(cd))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(part);
    if (!pk->plain && g_mime_content_type_is_type(ct, "text", "plain"))
        pk->plain = GMIME_TEXT_PART(part);
    else if (!pk->html && g_mime_content_type_is_type(ct, "text", "html"))
        pk->html = GMIME_TEXT_PART(part);
}

/* ---- HTML to text ---- */

static bool is_block(const char *n)
{
    static const char *const blocks[] = {"p",  "div", "br", "tr", "li", "h1", "h2",      "h3",    "h4",
                                         "h5", "h6",  "ul", "ol", "table", "hr", "section", "article"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strcasecmp(n, blocks[i]) == 0)
            return true;
    return false;
}

/* Elements whose content is never the customer's words: scripts and styles, the head, and
 * quoted history (<blockquote>, Gmail's quote container). */
static bool skipped(xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (strcasecmp(name, "script") == 0 || strcasecmp(name, "style") == 0 || strcasecmp(name, "head") == 0 ||
        strcasecmp(name, "title") == 0 || strcasecmp(name, "blockquote") == 0)
        return true;
    xmlChar *cls = xmlGetProp(n, (const xmlChar *)"class");
    bool quote = cls && (strstr((const char *)cls, "gmail_quote") || strstr((const char *)cls, "moz-cite-prefix"));
    xmlFree(cls);
    return quote;
}

static void append(GString *out, const char *s)
{
    /* collapse runs of whitespace into one space, as a browser would */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            if (out->len && out->str[out->len - 1] != ' ' && out->str[out->len - 1] != '\n')
                g_string_append_c(out, ' ');
        } else {
            g_string_append_c(out, (char)c);
        }
    }
}

static void newline(GString *out)
{
    while (out->len && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
    if (out->len && out->str[out->len - 1] != '\n')
        g_string_append_c(out, '\n');
}

/* Text of the HTML document, walked without recursion. */
static char *html_text(const char *html, bool *cut)
{
    size_t n = strlen(html);
    if (n > INT32_MAX)
        return NULL;
    htmlDocPtr doc = htmlReadMemory(html, (int)n, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET);
    if (!doc)
        return g_strdup("");
    GString *out = g_string_new(NULL);
    xmlNode *root = xmlDocGetRootElement(doc), *cur = root;
    while (cur) {
        bool descend = false;
        if (cur->type == XML_ELEMENT_NODE) {
            if (skipped(cur)) {
                if (strcasecmp((const char *)cur->name, "blockquote") == 0 ||
                    strcasecmp((const char *)cur->name, "div") == 0)
                    *cut = true;
            } else {
                if (is_block((const char *)cur->name))
                    newline(out);
                descend = cur->children != NULL;
            }
        } else if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
            if (cur->content)
                append(out, (const char *)cur->content);
        }
        if (descend) {
            cur = cur->children;
            continue;
        }
        /* next sibling, or climb until there is one (ending blocks on the way up) */
        while (cur && cur != root && !cur->next) {
            cur = cur->parent;
            if (cur && cur->type == XML_ELEMENT_NODE && is_block((const char *)cur->name))
                newline(out);
        }
        cur = cur && cur != root ? cur->next : NULL;
    }
    xmlFreeDoc(doc);
    return g_string_free(out, FALSE);
}

/* ---- quoted history ---- */

static bool starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && strncasecmp(s, prefix, k) == 0;
}

static bool ends(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncmp(s + n - k, suffix, k) == 0;
}

/* The line [s, s+n) without surrounding blanks. */
static void trim_line(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

static bool attribution_end(const char *s, size_t n)
{
    return ends(s, n, "wrote:") || ends(s, n, "escribió:") || ends(s, n, "escribio:");
}

static bool attribution_start(const char *s, size_t n)
{
    return starts(s, n, "On ") || starts(s, n, "El ") || starts(s, n, "Le ");
}

/* Where the quoted history starts at the line [s, s+n) followed by NEXT (may be NULL): true
 * for an attribution line (maybe wrapped onto NEXT), a forwarded/original-message marker, or
 * the signature separator. */
static bool history_starts(const char *s, size_t n, const char *next, size_t nn)
{
    if (attribution_start(s, n) && (attribution_end(s, n) || (next && attribution_end(next, nn))))
        return true;
    if (starts(s, n, "-----Original Message") || starts(s, n, "-----Mensaje original") ||
        starts(s, n, "----- Original Message") || starts(s, n, "----- Mensaje original"))
        return true;
    if (n >= 20 && strspn(s, "_") >= 20 && next && (starts(next, nn, "From:") || starts(next, nn, "De:")))
        return true; /* Outlook's rule above the quoted headers */
    return false;
}

bool rs_mail_strip_quotes(char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    if (!out)
        return false;
    size_t o = 0, kept_text = 0;
    bool cut = false;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p;
        size_t n = (size_t)(le - p);
        trim_line(&s, &n);
        const char *next = NULL;
        size_t nn = 0;
        if (nl && nl + 1 < end) {
            const char *nl2 = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
            next = nl + 1;
            nn = (size_t)((nl2 ? nl2 : end) - next);
            trim_line(&next, &nn);
        }
        bool sig = (size_t)(le - p) >= 3 && strncmp(p, "-- ", 3) == 0 && (le - p == 3 || (le - p == 4 && p[3] == '\r'));
        if (sig || history_starts(s, n, next, nn)) {
            if (kept_text || sig) {
                cut = true;
                break; /* everything below is history (or the signature) */
            }
            /* bottom-posting: the attribution comes first; drop only it and the '>' lines */
            cut = true;
            p = nl ? nl + 1 : end;
            if (!attribution_end(s, n) && next && attribution_end(next, nn) && nl) {
                const char *nl2 = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
                p = nl2 ? nl2 + 1 : end;
            }
            continue;
        }
        if (n && s[0] == '>') {
            cut = true;
        } else {
            memcpy(out + o, p, (size_t)(le - p));
            o += (size_t)(le - p);
            out[o++] = '\n';
            if (n)
                kept_text++;
        }
        p = nl ? nl + 1 : end;
    }
    /* trailing blank lines and spaces */
    while (o && (out[o - 1] == '\n' || out[o - 1] == ' ' || out[o - 1] == '\r' || out[o - 1] == '\t'))
        o--;
    out[o] = '\0';
    memcpy(text, out, o + 1);
    free(out);
    return cut;
}

/* Normalise TEXT in place: CRLF → LF, no control characters but tab and newline, no
 * trailing spaces, at most one blank line in a row, no blank lines at either end. */
static void tidy(char *text)
{
    size_t o = 0, blank_run = 0;
    bool line_start = true;
    size_t line_begin = 0;
    for (size_t i = 0; text[i]; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\r')
            continue;
        if (c == '\n') {
            while (o > line_begin && (text[o - 1] == ' ' || text[o - 1] == '\t'))
                o--;
            if (o == line_begin) { /* a blank line */
                if (line_start && o == 0)
                    continue; /* leading blank lines */
                if (++blank_run > 1)
                    continue;
            } else {
                blank_run = 0;
            }
            text[o++] = '\n';
            line_begin = o;
            line_start = false;
            continue;
        }
        if (c < 0x20 && c != '\t')
            continue;
        if (c == 0x7f)
            continue;
        text[o++] = (char)c;
        line_start = false;
    }
    while (o && (text[o - 1] == '\n' || text[o - 1] == ' ' || text[o - 1] == '\t'))
        o--;
    text[o] = '\0';
}

/* Cut TEXT to at most MAX bytes at a UTF-8 boundary; true when it was cut. */
static bool cut_utf8(char *text, size_t max)
{
    size_t n = strlen(text);
    if (n <= max)
        return false;
    while (max && ((unsigned char)text[max] & 0xC0) == 0x80)
        max--;
    text[max] = '\0';
    return true;
}

/* ---- thread ids ---- */

static char *first_ref(const char *header)
{
    if (!header)
        return NULL;
    GMimeReferences *refs = g_mime_references_parse(NULL, header);
    char *out = NULL;
    if (refs && g_mime_references_length(refs) > 0)
        out = utf8_dup(g_mime_references_get_message_id(refs, 0));
    if (refs)
        g_mime_references_free(refs);
    return out;
}

static char *all_refs(const char *header)
{
    if (!header)
        return NULL;
    GMimeReferences *refs = g_mime_references_parse(NULL, header);
    if (!refs)
        return NULL;
    GString *s = g_string_new(NULL);
    int n = g_mime_references_length(refs);
    for (int i = 0; i < n && s->len < 4000; i++) {
        if (s->len)
            g_string_append_c(s, ' ');
        g_string_append(s, g_mime_references_get_message_id(refs, i));
    }
    g_mime_references_free(refs);
    gchar *g = g_string_free(s, FALSE);
    char *out = g[0] ? utf8_dup(g) : NULL;
    g_free(g);
    return out;
}

/* ---- machines ---- */

/* Whether MSG, from ADDR, was sent by a machine (an out-of-office, a bounce): RFC 3834 says an
 * automatic answer to it must not be sent, lest two machines answer each other for ever. */
static bool automatic(GMimeMessage *msg, const char *addr)
{
    GMimeObject *o = GMIME_OBJECT(msg);
    const char *as = g_mime_object_get_header(o, "Auto-Submitted");
    if (as) {
        while (*as == ' ' || *as == '\t')
            as++;
        if (g_ascii_strncasecmp(as, "no", 2) != 0 || isalnum((unsigned char)as[2]) || as[2] == '-')
            return true;
    }
    const char *prec = g_mime_object_get_header(o, "Precedence");
    if (prec && (strcasestr(prec, "bulk") || strcasestr(prec, "junk") || strcasestr(prec, "list")))
        return true;
    if (g_mime_object_get_header(o, "X-Autoreply") || g_mime_object_get_header(o, "X-Autorespond"))
        return true;
    if (g_ascii_strncasecmp(addr, "mailer-daemon@", 14) == 0)
        return true;
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    GMimeContentType *ct = top ? g_mime_object_get_content_type(top) : NULL;
    return ct && g_mime_content_type_is_type(ct, "multipart", "report");
}

/* ---- the whole message ---- */

enum rs_err rs_mail_parse(const char *raw, size_t len, struct rs_mail *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    if (errcap)
        err[0] = '\0';
    if (len > RS_MAIL_MAX_RAW)
        return fail(err, errcap, "the message is larger than 16 MiB");
    if (!raw || len == 0)
        return fail(err, errcap, "the message is empty");
    pthread_once(&once, init_libs);

    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    if (!msg)
        return fail(err, errcap, "not an e-mail message (no header block)");

    enum rs_err e = RS_OK;
    InternetAddressList *from = g_mime_message_get_from(msg);
    InternetAddress *ia = from && internet_address_list_length(from) > 0 ? internet_address_list_get_address(from, 0)
                                                                          : NULL;
    if (ia && INTERNET_ADDRESS_IS_GROUP(ia)) {
        InternetAddressList *members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
        ia = members && internet_address_list_length(members) > 0 ? internet_address_list_get_address(members, 0)
                                                                  : NULL;
    }
    const char *addr = ia && INTERNET_ADDRESS_IS_MAILBOX(ia)
                           ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))
                           : NULL;
    if (!addr || !strchr(addr, '@') || strlen(addr) > 254 || strpbrk(addr, " \t\r\n<>\",")) {
        e = fail(err, errcap, "the message has no usable From address");
        goto done;
    }
    out->from_addr = utf8_dup(addr);
    if (!out->from_addr) {
        e = RS_ENOMEM;
        goto done;
    }
    for (char *c = out->from_addr; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    const char *name = internet_address_get_name(ia);
    if (name && *name)
        out->from_name = utf8_dup(name);
    const char *subject = g_mime_message_get_subject(msg);
    if (subject && *subject) {
        out->subject = utf8_dup(subject);
        if (out->subject)
            tidy(out->subject);
    }
    const char *mid = g_mime_message_get_message_id(msg);
    if (mid && *mid && strlen(mid) <= 900)
        out->message_id = utf8_dup(mid);
    out->in_reply_to = first_ref(g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"));
    out->references = all_refs(g_mime_object_get_header(GMIME_OBJECT(msg), "References"));
    out->automatic = automatic(msg, out->from_addr);

    struct pick pk = {0};
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    if (top) {
        if (GMIME_IS_MULTIPART(top))
            g_mime_multipart_foreach(GMIME_MULTIPART(top), visit, &pk);
        else
            visit(NULL, top, &pk);
    }
    char *text = NULL;
    if (pk.plain) {
        char *t = g_mime_text_part_get_text(pk.plain);
        text = utf8_dup(t ? t : "");
        g_free(t);
    } else if (pk.html) {
        char *t = g_mime_text_part_get_text(pk.html);
        char *v = utf8_dup(t ? t : "");
        g_free(t);
        text = v ? html_text(v, &out->quote_cut) : NULL;
        free(v);
        out->from_html = true;
        if (text) { /* libxml2 gives back UTF-8, but keep the promise whatever it did */
            char *w = utf8_dup(text);
            g_free(text);
            text = w;
        }
    }
    if (text) {
        tidy(text);
        out->quote_cut |= rs_mail_strip_quotes(text);
        tidy(text);
    }
    if ((!text || !text[0]) && out->subject && out->subject[0]) {
        /* only a subject ("¿Dónde está mi pedido?"): that is the message */
        free(text);
        text = strdup(out->subject);
    }
    if (!text || !text[0]) {
        free(text);
        e = fail(err, errcap, "the message has no text (no text/plain or text/html part with words in it)");
        goto done;
    }
    out->truncated = cut_utf8(text, RS_MAIL_MAX_BODY);
    out->body = text;
    out->body_len = strlen(text);
done:
    g_object_unref(msg);
    return e;
}

void rs_mail_release(struct rs_mail *m)
{
    if (!m)
        return;
    free(m->from_addr);
    free(m->from_name);
    free(m->subject);
    free(m->message_id);
    free(m->in_reply_to);
    free(m->references);
    free(m->body);
    memset(m, 0, sizeof *m);
}
