/* email_addr.h — the shape of an e-mail address people type into forms, settings and the API.
 *
 * Not RFC 5322 (quoted local parts, comments and bare-IP domains are legal there, and useless
 * for a shop's customers); what a person means by "an e-mail address": one '@' with something
 * before it and a dotted domain after it, no spaces, control characters or the punctuation that
 * separates addresses in a header. */
#ifndef RS_EMAIL_ADDR_H
#define RS_EMAIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* True when the LEN bytes of S (LEN ≤ 254) look like "name@domain.tld". */
bool rs_email_plausible_n(const char *s, size_t len);
/* The same for a NUL-terminated S; false for NULL. */
bool rs_email_plausible(const char *s);
/* A mailbox for a From/Reply-To setting: "a@b.es" or "Name <a@b.es>" (spaces after '>' only),
 * with no control character anywhere (a line break would start a new header). */
bool rs_email_mailbox_ok(const char *s);

#endif
