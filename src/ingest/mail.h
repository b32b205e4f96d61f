/* mail.h — reading one customer e-mail (RFC 5322, MIME) into what a conversation needs: the
 * sender, the subject, the thread ids and the text the customer wrote.
 *
 * Parsing is GMime 3's (headers, encoded words, multipart, quoted-printable/base64, charset
 * conversion to UTF-8); text/html without a text/plain alternative is turned into text with
 * libxml2's HTML parser. The quoted history of a reply is cut where it is cheap to recognise:
 * lines starting with '>', an attribution line ("On … wrote:", "El … escribió:", also wrapped
 * over two lines), "-----Original Message-----" / "-----Mensaje original-----", the "-- "
 * signature separator, and <blockquote> in HTML. Used by `rastro mail-in` (Postfix pipe). */
#ifndef RS_INGEST_MAIL_H
#define RS_INGEST_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define RS_MAIL_MAX_RAW (16u * 1024 * 1024) /* larger messages are refused */
#define RS_MAIL_MAX_BODY 16000              /* longer text is cut at a UTF-8 boundary */

struct rs_mail {
    char *from_addr;   /* addr-spec, lower case */
    char *from_name;   /* display name, UTF-8, or NULL */
    char *subject;     /* UTF-8, or NULL */
    char *message_id;  /* without angle brackets, or NULL */
    char *in_reply_to; /* first id of In-Reply-To, without angle brackets, or NULL */
    char *references;  /* ids of References separated by spaces, or NULL */
    char *body;        /* UTF-8 text the customer wrote (never empty on success) */
    size_t body_len;
    bool from_html;    /* the text came from a text/html part */
    bool quote_cut;    /* quoted history was removed */
    bool truncated;    /* the text was cut to RS_MAIL_MAX_BODY */
    bool automatic;    /* sent by a machine, not a person (RFC 3834: Auto-Submitted other than
                        * "no", Precedence bulk/junk/list, X-Autoreply, a delivery report or
                        * MAILER-DAEMON): an out-of-office or a bounce, never to be answered */
};

/* Parse RAW (LEN bytes). RS_EINVAL with a reason in ERR when it is not an e-mail we can use
 * (no From address, no text at all, too large); RS_ENOMEM. Release OUT with rs_mail_release
 * (also after a failure). */
enum rs_err rs_mail_parse(const char *raw, size_t len, struct rs_mail *out, char *err, size_t errcap) RS_MUST_CHECK;
void rs_mail_release(struct rs_mail *m);

/* Cut the quoted history from TEXT in place (exposed for tests): returns true when something
 * was removed. Trailing blank lines are removed too. */
bool rs_mail_strip_quotes(char *text);

#endif
