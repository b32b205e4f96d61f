/* cmd_normalize.c — `rastro normalize [--carrier NAME] [--lang es|en|pt] [--rules FILE]
 * [--explain]`: classify carrier scan texts, one per line on stdin, into
 * "status<TAB>substatus" lines on stdout (docs/normalize.md).
 *
 * Output per input line, in order:
 *   - a matched text: its status and sub-status (the sub-status column empty when none);
 *   - a text no rule matches: the fallback "in_transit<TAB>" (an unknown scan is most often a
 *     progress scan); --explain marks it "fallback";
 *   - an empty or blank line: an empty line "<TAB>" (no status), so output lines stay aligned
 *     with input lines.
 * CRLF line ends are accepted; lines of any length are read (only the first
 * RS_NORM_MAX_TEXT bytes are classified). --explain adds three columns: action (0/1),
 * confidence and the rule line ("merchant:N", "default:N" or "fallback"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/normalize.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rastro normalize [--carrier NAME] [--lang es|en|pt] [--rules FILE] "
               "[--explain] < texts\n"
               "Reads one carrier scan text per line, prints status<TAB>substatus per line.\n"
               "example: echo 'Entregado al destinatario' | rastro normalize --carrier correos --lang es\n");
}

/* Read a whole file (the merchant's rules). Returns NULL with errno set on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= (size_t)64 << 20) { /* a rules file is small; refuse a runaway input */
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    fclose(f);
    *len = n;
    return buf;
}

int rs_cmd_normalize(int argc, char **argv)
{
    const char *carrier = NULL, *lang = NULL, *rules_path = NULL;
    int explain = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--carrier") || !strcmp(a, "--lang") || !strcmp(a, "--rules")) &&
            i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "--carrier"))
                carrier = v;
            else if (!strcmp(a, "--lang"))
                lang = v;
            else
                rules_path = v;
        } else if (!strcmp(a, "--explain")) {
            explain = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "rastro normalize: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (lang && strcmp(lang, "es") && strcmp(lang, "en") && strcmp(lang, "pt")) {
        fprintf(stderr, "rastro normalize: --lang must be es, en or pt, not '%s'\n", lang);
        return 2;
    }
    if (!rs_norm_default()) {
        fprintf(stderr, "rastro normalize: the embedded rules are missing or broken\n");
        return 1;
    }
    struct rs_norm_rules *merchant = NULL;
    if (rules_path) {
        size_t len = 0;
        char *buf = slurp(rules_path, &len);
        if (!buf) {
            fprintf(stderr, "rastro normalize: cannot read %s: %s\n", rules_path,
                    strerror(errno));
            return 1;
        }
        char err[256];
        enum rs_err e = rs_norm_rules_parse(&merchant, buf, len, err, sizeof err);
        free(buf);
        if (e != RS_OK) {
            fprintf(stderr, "rastro normalize: %s: %s\n", rules_path,
                    err[0] ? err : rs_strerror(e));
            return 1;
        }
    }

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        struct rs_norm_result r;
        bool hit = rs_normalize_text(merchant, line, lang, carrier, &r);
        printf("%s\t%s", rs_status_name(r.status), rs_substatus_name(r.substatus));
        if (explain) {
            if (hit)
                printf("\t%d\t%d\t%s:%d", r.action_required, r.confidence,
                       r.merchant_rule ? "merchant" : "default", r.rule_line);
            else
                printf("\t%d\t%d\tfallback", r.action_required, r.confidence);
        }
        putchar('\n');
    }
    free(line);
    rs_norm_rules_free(merchant);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "rastro normalize: write error\n");
        return 1;
    }
    return 0;
}
