/* csv.c — streaming RFC 4180 reader (see csv.h). */
#include "util/csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

static enum rs_err init_common(struct rs_csv *c)
{
    c->buf = malloc(RS_CSV_MAX_RECORD + 1);
    if (!c->buf)
        return RS_ENOMEM;
    c->next_line = 1;
    return RS_OK;
}

enum rs_err rs_csv_init_file(struct rs_csv *c, FILE *fp)
{
    memset(c, 0, sizeof *c);
    c->fp = fp;
    return init_common(c);
}

enum rs_err rs_csv_init_mem(struct rs_csv *c, const char *data, size_t len)
{
    memset(c, 0, sizeof *c);
    c->mem = data;
    c->mem_len = len;
    return init_common(c);
}

void rs_csv_release(struct rs_csv *c)
{
    free(c->buf);
    free(c->conv);
    free(c->cp1252);
    c->buf = c->conv = NULL;
    c->cp1252 = NULL;
}

/* Whether LEN bytes at S are well-formed UTF-8 (NULs allowed: a record's field ends). */
static bool utf8_n(const char *s, size_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, s, (int32_t)len, &st);
    return st == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(st);
}

/* Bytes 0x80-0xFF of Windows-1252 as UTF-8, asked of ICU once (the five bytes it leaves
 * unassigned become U+FFFD). */
static enum rs_err cp1252_table(struct rs_csv *c)
{
    if (c->cp1252)
        return RS_OK;
    if (!(c->cp1252 = calloc(128, sizeof *c->cp1252)))
        return RS_ENOMEM;
    UErrorCode st = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open("windows-1252", &st);
    if (cnv)
        ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    for (int b = 0x80; b <= 0xFF; b++) {
        char in = (char)b;
        UChar u[2];
        int32_t n = 0;
        UErrorCode one = st;
        if (cnv) {
            ucnv_reset(cnv);
            n = ucnv_toUChars(cnv, u, 2, &in, 1, &one);
        }
        if (!cnv || U_FAILURE(one) || n != 1)
            u[0] = 0xFFFD;
        one = U_ZERO_ERROR;
        u_strToUTF8(c->cp1252[b - 0x80], 4, NULL, u, 1, &one);
    }
    ucnv_close(cnv);
    return RS_OK;
}

/* The record just read, when it is not UTF-8 and the input may be Windows-1252 (c->legacy):
 * converted into c->conv, its fields pointing there. */
static enum rs_err legacy_record(struct rs_csv *c)
{
    if (!c->legacy || c->utf8_seen)
        return RS_OK;
    size_t i = 0;
    while (i < c->nbuf && !(c->buf[i] & 0x80))
        i++;
    if (i == c->nbuf) /* ASCII: the same in both */
        return RS_OK;
    if (utf8_n(c->buf, c->nbuf)) {
        if (!c->legacy_line) /* a UTF-8 file: read the rest as it is */
            c->utf8_seen = 1;
        return RS_OK;
    }
    enum rs_err e;
    if (!c->conv && !(c->conv = malloc(3 * (size_t)RS_CSV_MAX_RECORD + 1)))
        return RS_ENOMEM;
    if ((e = cp1252_table(c)))
        return e;
    if (!c->legacy_line)
        c->legacy_line = c->line;
    /* field by field (a NUL byte inside a field's data is not a field's end) */
    size_t k = 0;
    for (int f = 0; f < c->nfields; f++) {
        const char *p = c->fields[f], *end = f + 1 < c->nfields ? c->fields[f + 1] - 1 : c->buf + c->nbuf;
        c->fields[f] = c->conv + k;
        for (; p < end; p++) {
            unsigned char b = (unsigned char)*p;
            if (b < 0x80)
                c->conv[k++] = (char)b;
            else
                for (const char *u = c->cp1252[b - 0x80]; *u; u++)
                    c->conv[k++] = *u;
        }
        c->conv[k++] = '\0';
    }
    return RS_OK;
}

static int getch(struct rs_csv *c)
{
    int ch;
    if (c->fp)
        ch = getc(c->fp);
    else
        ch = c->mem_pos < c->mem_len ? (unsigned char)c->mem[c->mem_pos++] : EOF;
    if (ch != EOF)
        c->bytes_read++;
    return ch;
}

static int peekch(struct rs_csv *c)
{
    if (c->fp) {
        int ch = getc(c->fp);
        if (ch != EOF)
            ungetc(ch, c->fp);
        return ch;
    }
    return c->mem_pos < c->mem_len ? (unsigned char)c->mem[c->mem_pos] : EOF;
}

/* Skip the rest of a bad record, up to an unquoted line end. */
static void skip_record(struct rs_csv *c, int in_quotes)
{
    int ch;
    while ((ch = getch(c)) != EOF) {
        if (ch == '"')
            in_quotes = !in_quotes;
        else if (ch == '\n') {
            c->next_line++;
            if (!in_quotes)
                return;
        }
    }
}

enum rs_err rs_csv_next(struct rs_csv *c)
{
    for (;;) {
        int ch, in_quotes = 0, field_quoted = 0;
        c->nbuf = 0;
        c->nfields = 0;
        c->line = c->next_line;
        if (!c->started) {
            c->started = 1;
            /* UTF-8 byte-order mark */
            int b = peekch(c);
            if (b == 0xEF) {
                getch(c);
                if (getch(c) != 0xBB || getch(c) != 0xBF)
                    return RS_EINVAL;
                c->utf8_seen = 1;
            } else if (b == 0xFF || b == 0xFE) { /* FF FE or FE FF: never the start of UTF-8 text */
                getch(c);
                if (getch(c) == (b == 0xFF ? 0xFE : 0xFF))
                    c->utf16 = 1;
                return RS_EINVAL;
            }
        }
        if (c->utf16)
            return RS_ENOTFOUND; /* said once: the rest cannot be read either */
        ch = peekch(c);
        if (ch == EOF)
            return RS_ENOTFOUND;
        c->fields[c->nfields++] = c->buf;
        for (;;) {
            ch = getch(c);
            if (ch == EOF) {
                if (in_quotes)
                    return RS_EINVAL; /* unterminated quote at end of input */
                break;
            }
            if (in_quotes) {
                if (ch == '"') {
                    if (peekch(c) == '"') {
                        getch(c);
                    } else {
                        in_quotes = 0;
                        continue;
                    }
                } else if (ch == '\n') {
                    c->next_line++;
                }
            } else if (ch == '"' && field_quoted == 0 &&
                       c->buf + c->nbuf == c->fields[c->nfields - 1]) {
                in_quotes = 1;
                field_quoted = 1;
                continue;
            } else if (ch == (c->sep ? c->sep : ',')) {
                if (c->nbuf >= RS_CSV_MAX_RECORD || c->nfields >= RS_CSV_MAX_FIELDS) {
                    skip_record(c, 0);
                    return RS_ETOOBIG;
                }
                c->buf[c->nbuf++] = '\0';
                c->fields[c->nfields++] = c->buf + c->nbuf;
                field_quoted = 0;
                continue;
            } else if (ch == '\n') {
                c->next_line++;
                break;
            } else if (ch == '\r') {
                if (peekch(c) == '\n')
                    continue;
                c->next_line++;
                break;
            }
            if (c->nbuf >= RS_CSV_MAX_RECORD) {
                skip_record(c, in_quotes);
                return RS_ETOOBIG;
            }
            c->buf[c->nbuf++] = (char)ch;
        }
        c->buf[c->nbuf] = '\0';
        /* a blank line is not a record */
        if (c->nfields == 1 && c->nbuf == 0 && !field_quoted)
            continue;
        return legacy_record(c);
    }
}

enum rs_err rs_csv_header(struct rs_csv *c)
{
    enum rs_err e = rs_csv_next(c);
    if (e)
        return e;
    int semis = 0, tabs = 0;
    for (int i = 0; i < c->nfields; i++)
        for (const char *p = c->fields[i]; *p; p++)
            semis += *p == ';', tabs += *p == '\t';
    if (!semis && !tabs)
        return RS_OK;
    if (c->nfields > 1) {
        /* a column name with a comma in a semicolon (or tab) file, "Nombre, apellidos": more
         * semicolons (or tabs) than the fields the commas made is that separator's file. The
         * pieces are joined again with their commas, in place, and split the other way. */
        if (semis < c->nfields && tabs < c->nfields)
            return RS_OK;
        char *end = c->fields[c->nfields - 1] + strlen(c->fields[c->nfields - 1]);
        for (char *p = c->fields[0]; p < end; p++)
            if (!*p)
                *p = ',';
        c->nfields = 1;
    }
    /* split the one field again with its separator, quotes and all, then take the pieces back
     * into the buffer the field is in (c->buf, or c->conv when converted; never longer than the
     * field they come from) */
    struct rs_csv h;
    if ((e = rs_csv_init_mem(&h, c->fields[0], strlen(c->fields[0]))))
        return e;
    h.sep = c->sep = semis >= tabs ? ';' : '\t';
    h.started = 1; /* a byte-order mark was the file's, already skipped */
    if ((e = rs_csv_next(&h)) == RS_OK) {
        char *base = c->fields[0];
        memmove(base, h.buf, h.nbuf + 1);
        if (base == c->buf)
            c->nbuf = h.nbuf;
        c->nfields = h.nfields;
        for (int i = 0; i < h.nfields; i++)
            c->fields[i] = base + (h.fields[i] - h.buf);
    }
    rs_csv_release(&h);
    return e == RS_ENOTFOUND ? RS_EINVAL : e;
}

static bool name_gap(char ch)
{
    return ch == ' ' || ch == '-' || ch == '_';
}

size_t rs_csv_name_norm(const char *cell, char *out, size_t cap)
{
    size_t k = 0;
    if (!cap)
        return 0;
    while (*cell == ' ')
        cell++;
    for (const char *p = cell; *p && k + 1 < cap; p++) {
        if (name_gap(*p)) {
            while (name_gap(p[1]))
                p++;
            if (!p[1])
                break; /* spaces at the end */
            out[k++] = '_';
        } else {
            out[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        }
    }
    out[k] = '\0';
    return k;
}

bool rs_csv_utf8(const char *s)
{
    const char *p = s;
    while (*p && !(*p & 0x80))
        p++;
    if (!*p) /* ASCII, as most fields are: no need to ask ICU */
        return true;
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, p, -1, &st);
    return st == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(st);
}

int rs_csv_find(const struct rs_csv *c, const char *name)
{
    char norm[64];
    for (int i = 0; i < c->nfields; i++) {
        rs_csv_name_norm(c->fields[i], norm, sizeof norm);
        if (strcmp(norm, name) == 0)
            return i;
    }
    return -1;
}
