/* csv.h — a streaming RFC 4180 CSV reader.
 *
 * Handles quoted fields, doubled quotes, CR/LF or LF line ends, newlines inside quotes and a
 * UTF-8 byte-order mark. Fields are NUL-terminated views into the reader's own buffer, valid
 * until the next rs_csv_next(). Bounded: a record over RS_CSV_MAX_RECORD bytes or
 * RS_CSV_MAX_FIELDS fields is an error (RS_ETOOBIG) for that record, reported with its line, and
 * the reader skips to the next record. Why hand-written: Debian has no maintained C CSV library
 * (libcsv is orphaned upstream), and this one is small and fuzzed (fuzz/fuzz_csv.c). */
#ifndef RS_CSV_H
#define RS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

#define RS_CSV_MAX_FIELDS 128
#define RS_CSV_MAX_RECORD (64 * 1024)

struct rs_csv {
    /* input: either a FILE (borrowed) or a memory buffer (borrowed) */
    FILE *fp;
    const char *mem;
    size_t mem_len, mem_pos;
    /* current record */
    char *buf;    /* owned, RS_CSV_MAX_RECORD + 1 bytes */
    size_t nbuf;
    char *fields[RS_CSV_MAX_FIELDS];
    int nfields;
    long line;      /* line number where the current record starts (1-based) */
    long next_line; /* line where the next record starts */
    long bytes_read;
    int started;
    int utf16; /* the input began with a UTF-16 byte-order mark (Excel's "Unicode Text"): refused */
    char sep; /* field separator: ',' when 0 (set after init, e.g. ';' as spreadsheets in
                 Spanish locales write) */
    /* Windows-1252 (set after init to allow it): Excel on Windows in Spanish saves "CSV" in it.
     * A record that is not UTF-8 is then converted to UTF-8 from Windows-1252, unless the input
     * has shown itself to be UTF-8 (a byte-order mark, or an earlier well-formed record with
     * non-ASCII text), when it is left as it is for the caller to refuse. Valid UTF-8 is never
     * converted, so a UTF-8 file cannot turn into mojibake ("MÃ¡laga"). */
    int legacy;
    int utf8_seen;     /* the input proved to be UTF-8 */
    long legacy_line;  /* the first line read as Windows-1252, 0 if none */
    char *conv;        /* owned: the converted record (3 bytes per input byte at most) */
    char (*cp1252)[4]; /* owned: bytes 0x80-0xFF as UTF-8 (from ICU's converter) */
};

enum rs_err rs_csv_init_file(struct rs_csv *c, FILE *fp) RS_MUST_CHECK;
enum rs_err rs_csv_init_mem(struct rs_csv *c, const char *data, size_t len) RS_MUST_CHECK;
void rs_csv_release(struct rs_csv *c);

/* Read the next record. RS_OK: c->fields/c->nfields hold it; RS_ENOTFOUND at end of input;
 * RS_ETOOBIG or RS_EINVAL (unterminated quote) for a bad record, already skipped. Blank lines
 * are skipped. Input in UTF-16 is RS_EINVAL for the first record, with c->utf16 set, then its end. */
enum rs_err rs_csv_next(struct rs_csv *c) RS_MUST_CHECK;

/* Read the first record as a header (RS_OK, or as rs_csv_next). Excel in Spanish (and most
 * European) locales saves "CSV" with semicolons, and spreadsheets export tab-separated text: a
 * header with more ';' (or tabs) than the fields commas make of it is split that way (the
 * commoner of those, ';' on a tie), and the rest of the file is read with that separator (c->sep). */
enum rs_err rs_csv_header(struct rs_csv *c) RS_MUST_CHECK;

/* A header cell as a column name: ASCII lower case, no spaces around, and a run of spaces,
 * hyphens or underscores inside as one '_' ("Order Ref" and " ORDER_REF" are order_ref), cut to
 * CAP - 1 bytes. Returns the name's length (0: a cell without a name). */
size_t rs_csv_name_norm(const char *cell, char *out, size_t cap);

/* What to say of a file in UTF-16 (c->utf16). */
#define RS_CSV_UTF16_ADVICE \
    "the file is UTF-16 text (Excel's \"Unicode Text\"): save it as \"CSV UTF-8\" instead"

/* Whether field S is well-formed UTF-8 (no overlongs, surrogates or cut sequences): a file
 * saved in a legacy encoding (Windows-1252: "José", "Cádiz" in single bytes) is not. */
bool rs_csv_utf8(const char *s);

/* Index of column NAME (lower case, '_' between words) in the current record (use on the
 * header), matching its cells as rs_csv_name_norm() writes them, or -1. */
int rs_csv_find(const struct rs_csv *c, const char *name);

#endif
