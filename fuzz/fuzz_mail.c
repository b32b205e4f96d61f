/* fuzz_mail.c — libFuzzer target for reading customer e-mails (src/ingest/mail.c: GMime
 * parsing, part choice, HTML to text, quoted-history cutting). Input: one raw message. On
 * success the text must be non-empty, valid UTF-8 within the size limit, and the sender an
 * address with an '@'; nothing may crash, read out of bounds or leak. */
#include <assert.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/mail.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_mail m;
    char err[200];
    if (rs_mail_parse((const char *)data, size, &m, err, sizeof err) == RS_OK) {
        assert(m.body && m.body[0] && m.body_len == strlen(m.body) && m.body_len <= RS_MAIL_MAX_BODY);
        assert(g_utf8_validate(m.body, -1, NULL));
        assert(m.from_addr && strchr(m.from_addr, '@'));
        assert(!m.subject || g_utf8_validate(m.subject, -1, NULL));
        assert(!m.from_name || g_utf8_validate(m.from_name, -1, NULL));
    }
    rs_mail_release(&m);
    /* the quote stripper on its own, on the input as text */
    char *t = fuzz_str(data, size);
    if (t) {
        (void)rs_mail_strip_quotes(t);
        free(t);
    }
    return 0;
}
