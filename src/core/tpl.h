/* tpl.h — a small Mustache-subset template engine for customer messages.
 *
 * Why hand-written: Debian 12 packages no C Mustache library (apt-cache search mustache finds
 * only C++ (kainjow), Haskell, Erlang, Perl and Common Lisp ones; mustach is not packaged), and
 * the subset we need is small. What it supports:
 *   {{name}}                 the value of variable NAME, escaped for the output context
 *   {{#name}} … {{/name}}    the block when NAME is non-empty
 *   {{^name}} … {{/name}}    the block when NAME is empty
 *   {{! comment }}           nothing
 *   {{> content}}            (layouts only) the message's own template, same context
 * Tags alone on their line (sections, comments) take the whole line with them, as in the
 * Mustache spec, so plain-text templates stay tidy. Not supported, and refused at compile time
 * with a clear error: {{{raw}}} and {{&raw}} (every value is escaped in HTML; nothing a merchant
 * or carrier wrote can become markup), delimiter changes, lists, lambdas, other partials.
 *
 * Compile once (at configuration time: unknown variables, unclosed or mismatched sections and
 * unterminated tags are errors naming the line), render many times with an array of values
 * indexed like the variable-name table. Escaping is decided by the caller per output context:
 * HTML escapes & < > " ' ; plain text and SMS do not; WhatsApp template parameters turn line
 * breaks and tabs into spaces (Meta refuses them there).
 *
 * Pure: no allocation (ops go into caller arrays), no I/O; thread-safe on const data. */
#ifndef RS_TPL_H
#define RS_TPL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RS_TPL_MAX_DEPTH 16 /* nested sections */

enum rs_tpl_escape {
    RS_TPL_PLAIN = 0, /* as is: plain-text email, SMS, WhatsApp session text, push */
    RS_TPL_HTML,      /* & < > " ' become entities */
    RS_TPL_LINE,      /* one line: line breaks and tabs become spaces, runs of spaces shrink
                       * (WhatsApp template parameters, email subjects, push titles) */
};

enum rs_tpl_op_kind {
    RS_TPL_OP_TEXT = 0,
    RS_TPL_OP_VAR,
    RS_TPL_OP_SECTION,  /* a = index of the op after the matching END */
    RS_TPL_OP_INVERTED, /* same */
    RS_TPL_OP_END,
    RS_TPL_OP_CONTENT,  /* {{> content}} */
};

struct rs_tpl_op {
    uint32_t a;   /* TEXT: byte offset in the source; SECTION/INVERTED: jump target */
    uint32_t b;   /* TEXT: byte length */
    uint16_t var; /* VAR/SECTION/INVERTED: index into the names table */
    uint8_t kind; /* enum rs_tpl_op_kind */
};

/* A compiled template: SRC and OPS are borrowed and must outlive it. */
struct rs_tpl {
    const char *src;
    const struct rs_tpl_op *ops;
    int n_ops;
};

struct rs_tpl_error {
    int line;       /* 1-based line in the text given to the compiler (after FIRST_LINE) */
    char msg[200];  /* "line 12: unknown variable 'frist_name'" */
};

/* Compile SRC (LEN bytes; line numbers start at FIRST_LINE) against the variable names NAMES
 * (N_NAMES of them, lower-case [a-z0-9_]) into OPS (CAP entries). ALLOW_CONTENT permits the
 * {{> content}} partial (layouts). OUT: *n_ops, *tpl (src = SRC, ops = OPS).
 * RS_EINVAL with *err filled for any template error; RS_ETOOBIG when CAP ops do not suffice.
 * ERR may be NULL. */
enum rs_err rs_tpl_compile(const char *src, size_t len, int first_line,
                           const char *const *names, int n_names, int allow_content,
                           struct rs_tpl_op *ops, int cap, struct rs_tpl *tpl,
                           struct rs_tpl_error *err) RS_MUST_CHECK;

/* Render TPL with VALUES (indexed like the names table; NULL = empty) in context ESC into OUT
 * (CAP bytes, always NUL-terminated when CAP > 0). CONTENT is what {{> content}} renders (NULL
 * renders nothing). OUT: *len (bytes, without the NUL). RS_ENOMEM when CAP is too small (OUT
 * then holds a truncated prefix). */
enum rs_err rs_tpl_render(const struct rs_tpl *tpl, const char *const *values,
                          enum rs_tpl_escape esc, const struct rs_tpl *content, char *out,
                          size_t cap, size_t *len) RS_MUST_CHECK;

#endif
