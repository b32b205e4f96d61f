/* tpl.c — the Mustache-subset compiler and renderer (see tpl.h for the language and why it is
 * hand-written). Compilation is one left-to-right scan producing a flat op list; sections are
 * jumps, so rendering is a loop with no recursion except one level for {{> content}}. */
#include "core/tpl.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---- compiler ---------------------------------------------------------------------------- */

struct compiler {
    const char *src;
    size_t len;
    int first_line;
    struct rs_tpl_op *ops;
    int cap, n;
    struct rs_tpl_error *err;
};

/* Line number of byte POS. */
static int line_at(const struct compiler *c, size_t pos)
{
    int line = c->first_line;
    for (size_t i = 0; i < pos && i < c->len; i++)
        line += c->src[i] == '\n';
    return line;
}

static enum rs_err fail(struct compiler *c, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum rs_err fail(struct compiler *c, size_t pos, const char *fmt, ...)
{
    if (c->err) {
        c->err->line = line_at(c, pos);
        int k = snprintf(c->err->msg, sizeof c->err->msg, "line %d: ", c->err->line);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->msg + k, sizeof c->err->msg - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return RS_EINVAL;
}

static enum rs_err emit(struct compiler *c, uint8_t kind, uint32_t a, uint32_t b, uint16_t var)
{
    if (c->n >= c->cap) {
        if (c->err) {
            c->err->line = 0;
            snprintf(c->err->msg, sizeof c->err->msg, "template too long (more than %d parts)",
                     c->cap);
        }
        return RS_ETOOBIG;
    }
    c->ops[c->n++] = (struct rs_tpl_op){.a = a, .b = b, .var = var, .kind = kind};
    return RS_OK;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Printable form of a tag name for error messages (control bytes become '?'). */
static void show(const char *s, size_t n, char out[48])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 44; i++)
        out[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (n > 44) {
        out[k++] = '.';
        out[k++] = '.';
    }
    out[k] = '\0';
}

enum rs_err rs_tpl_compile(const char *src, size_t len, int first_line,
                           const char *const *names, int n_names, int allow_content,
                           struct rs_tpl_op *ops, int cap, struct rs_tpl *tpl,
                           struct rs_tpl_error *err)
{
    struct compiler c = {src, len, first_line, ops, cap, 0, err};
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    if (!src && len)
        return RS_EINVAL;
    if (len > UINT32_MAX / 2)
        return RS_ETOOBIG;
    int stack[RS_TPL_MAX_DEPTH];  /* op index of each open section */
    size_t stack_pos[RS_TPL_MAX_DEPTH];
    int depth = 0;
    size_t text_start = 0, i = 0;
    enum rs_err rc;
    while (i < len) {
        if (!(src[i] == '{' && i + 1 < len && src[i + 1] == '{')) {
            i++;
            continue;
        }
        size_t tag = i, close = tag + 2;
        while (close + 1 < len && !(src[close] == '}' && src[close + 1] == '}'))
            close++;
        if (close + 1 >= len)
            return fail(&c, tag, "'{{' is never closed with '}}'");
        size_t tag_end = close + 2; /* first byte after "}}" */
        char sigil = src[tag + 2];
        size_t ns = tag + 2, ne = close;
        if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' || sigil == '>' ||
            sigil == '{' || sigil == '&' || sigil == '=')
            ns++;
        if (sigil == '{' || sigil == '&')
            return fail(&c, tag, "'{{%c' (unescaped output) is not supported: every value is "
                                 "escaped in HTML", sigil);
        if (sigil == '=')
            return fail(&c, tag, "changing delimiters is not supported");
        while (ns < ne && (is_space(src[ns]) || src[ns] == '\n'))
            ns++;
        while (ne > ns && (is_space(src[ne - 1]) || src[ne - 1] == '\n'))
            ne--;
        char shown[48];
        show(src + ns, ne - ns, shown);

        /* A standalone section/comment tag takes its whole line. */
        size_t text_end = tag;
        bool block = sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!';
        if (block) {
            size_t ls = tag;
            while (ls > text_start && is_space(src[ls - 1]))
                ls--;
            size_t le = tag_end;
            while (le < len && is_space(src[le]))
                le++;
            bool line_start = ls == 0 || src[ls - 1] == '\n';
            bool line_end = le == len || src[le] == '\n';
            if (line_start && line_end && (ls > text_start || ls == 0 || src[ls - 1] == '\n')) {
                text_end = ls;
                tag_end = le < len ? le + 1 : le;
            }
        }
        if (text_end > text_start) {
            rc = emit(&c, RS_TPL_OP_TEXT, (uint32_t)text_start, (uint32_t)(text_end - text_start), 0);
            if (rc != RS_OK)
                return rc;
        }
        i = text_start = tag_end;

        if (sigil == '!')
            continue;
        if (sigil == '>') {
            if (!allow_content || ne - ns != 7 || memcmp(src + ns, "content", 7) != 0)
                return fail(&c, tag, allow_content ? "unknown partial '%s' (only '{{> content}}')"
                                                   : "partials ('{{> %s}}') are only allowed in layouts",
                            shown);
            rc = emit(&c, RS_TPL_OP_CONTENT, 0, 0, 0);
            if (rc != RS_OK)
                return rc;
            continue;
        }
        if (ne == ns)
            return fail(&c, tag, "empty tag '{{}}'");
        int var = -1;
        for (int k = 0; k < n_names; k++)
            if (strlen(names[k]) == ne - ns && memcmp(names[k], src + ns, ne - ns) == 0) {
                var = k;
                break;
            }
        if (sigil == '/') {
            if (depth == 0)
                return fail(&c, tag, "'{{/%s}}' closes a section that was never opened", shown);
            const struct rs_tpl_op *open = &ops[stack[depth - 1]];
            if (var < 0 || open->var != (uint16_t)var) {
                char want[48];
                show(names[open->var], strlen(names[open->var]), want);
                return fail(&c, tag, "'{{/%s}}' does not match the open section '%s' (line %d)",
                            shown, want, line_at(&c, stack_pos[depth - 1]));
            }
            depth--;
            rc = emit(&c, RS_TPL_OP_END, 0, 0, (uint16_t)var);
            if (rc != RS_OK)
                return rc;
            ops[stack[depth]].a = (uint32_t)c.n;
            continue;
        }
        if (var < 0)
            return fail(&c, tag, "unknown variable '%s'", shown);
        if (sigil == '#' || sigil == '^') {
            if (depth == RS_TPL_MAX_DEPTH)
                return fail(&c, tag, "sections nested deeper than %d", RS_TPL_MAX_DEPTH);
            stack[depth] = c.n;
            stack_pos[depth++] = tag;
            rc = emit(&c, sigil == '#' ? RS_TPL_OP_SECTION : RS_TPL_OP_INVERTED, 0, 0,
                      (uint16_t)var);
        } else {
            rc = emit(&c, RS_TPL_OP_VAR, 0, 0, (uint16_t)var);
        }
        if (rc != RS_OK)
            return rc;
    }
    if (depth > 0) {
        const char *nm = names[ops[stack[depth - 1]].var];
        return fail(&c, stack_pos[depth - 1], "section '%s' is opened here and never closed", nm);
    }
    if (len > text_start) {
        rc = emit(&c, RS_TPL_OP_TEXT, (uint32_t)text_start, (uint32_t)(len - text_start), 0);
        if (rc != RS_OK)
            return rc;
    }
    *tpl = (struct rs_tpl){.src = src, .ops = ops, .n_ops = c.n};
    return RS_OK;
}

/* ---- renderer ---------------------------------------------------------------------------- */

struct out {
    char *buf;
    size_t cap, n;
    bool full;
    bool space; /* WA_PARAM: last byte written was a space */
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full)
        return;
    if (o->n + n + 1 > o->cap) {
        /* keep what fits, without cutting a UTF-8 sequence */
        size_t room = o->cap - o->n - 1;
        while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
            room--;
        memcpy(o->buf + o->n, s, room);
        o->n += room;
        o->full = true;
        return;
    }
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

static void put_value(struct out *o, const char *v, enum rs_tpl_escape esc)
{
    if (!v)
        return;
    if (esc == RS_TPL_PLAIN) {
        put(o, v, strlen(v));
        return;
    }
    const char *run = v;
    for (const char *p = v;; p++) {
        const char *rep = NULL;
        char ch = *p;
        if (esc == RS_TPL_HTML) {
            switch (ch) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            default: break;
            }
        } else if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
            rep = o->space ? "" : " ";
        }
        if (!rep && ch != '\0') {
            o->space = false;
            continue;
        }
        put(o, run, (size_t)(p - run));
        if (ch == '\0')
            break;
        put(o, rep, strlen(rep));
        if (esc == RS_TPL_LINE)
            o->space = true;
        run = p + 1;
    }
}

static void render_ops(const struct rs_tpl *t, const char *const *values, enum rs_tpl_escape esc,
                       const struct rs_tpl *content, struct out *o)
{
    int i = 0;
    while (i < t->n_ops && !o->full) {
        const struct rs_tpl_op *op = &t->ops[i];
        switch (op->kind) {
        case RS_TPL_OP_TEXT:
            put(o, t->src + op->a, op->b);
            o->space = false;
            break;
        case RS_TPL_OP_VAR:
            put_value(o, values[op->var], esc);
            break;
        case RS_TPL_OP_SECTION:
        case RS_TPL_OP_INVERTED: {
            const char *v = values[op->var];
            bool set = v && *v;
            if (set != (op->kind == RS_TPL_OP_SECTION)) {
                i = (int)op->a;
                continue;
            }
            break;
        }
        case RS_TPL_OP_CONTENT:
            if (content)
                render_ops(content, values, esc, NULL, o);
            break;
        default:
            break;
        }
        i++;
    }
}

enum rs_err rs_tpl_render(const struct rs_tpl *tpl, const char *const *values,
                          enum rs_tpl_escape esc, const struct rs_tpl *content, char *out,
                          size_t cap, size_t *len)
{
    if (cap == 0)
        return RS_ENOMEM;
    struct out o = {.buf = out, .cap = cap};
    render_ops(tpl, values, esc, content, &o);
    out[o.n] = '\0';
    *len = o.n;
    return o.full ? RS_ENOMEM : RS_OK;
}
