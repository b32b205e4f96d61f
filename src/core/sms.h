/* sms.h — how an SMS text is encoded and how many parts (segments) it costs.
 *
 * A message is sent in GSM 03.38 7-bit (GSM-7) when every character is in the basic table or
 * the extension table; otherwise the whole message goes as UCS-2 (UTF-16 code units).
 *   GSM-7: 160 septets in one SMS, 153 per part when concatenated (the user data header takes 7).
 *          Extension characters (^ { } \ [ ~ ] | € and form feed) cost 2 septets (ESC + char)
 *          and an escape pair is never split across parts.
 *   UCS-2: 70 units in one SMS, 67 per part; a character outside the BMP (emoji) is a surrogate
 *          pair (2 units) and a pair is never split across parts.
 * For Spanish: é ñ Ñ ü Ü ¿ ¡ are GSM-7, but á í ó ú Á Í Ó Ú are not, so one "está" makes the
 * whole text UCS-2. rs_sms_transliterate() maps such characters to GSM-7 ones (á→a, “→",
 * –→-) when the merchant allows it.
 *
 * Pure functions over caller buffers; thread-safe. */
#ifndef RS_SMS_H
#define RS_SMS_H

#include <stddef.h>

#include "core/err.h"

#define RS_SMS_GSM7_SINGLE 160
#define RS_SMS_GSM7_PART 153
#define RS_SMS_UCS2_SINGLE 70
#define RS_SMS_UCS2_PART 67

enum rs_sms_encoding {
    RS_SMS_GSM7 = 0,
    RS_SMS_UCS2 = 1,
};

struct rs_sms_info {
    enum rs_sms_encoding encoding;
    int chars;    /* Unicode code points in the text */
    int units;    /* septets (GSM-7, extension chars count 2) or UTF-16 code units (UCS-2) */
    int segments; /* parts billed; 0 for an empty text */
    int left;     /* units still free in the last part before another part is needed */
    int first_ucs2_offset; /* byte offset of the first character forcing UCS-2, -1 if none */
};

/* Cost of one code point in GSM-7: 1 (basic table), 2 (extension table), 0 (not GSM-7). */
int rs_sms_gsm7_cost(unsigned cp);

/* Analyse UTF-8 TEXT (LEN bytes). OUT: *info. RS_EINVAL when TEXT is not valid UTF-8 (then
 * *info is left untouched). */
enum rs_err rs_sms_analyze(const char *text, size_t len, struct rs_sms_info *info) RS_MUST_CHECK;

/* Copy UTF-8 IN (LEN bytes) to OUT (CAP bytes, NUL-terminated), replacing characters that are
 * not GSM-7 by the closest GSM-7 ones where one exists (letters lose their accent when the
 * plain letter is GSM-7: á→a, Í→I, ç→c; typographic quotes, dashes, ellipsis, no-break spaces
 * become ASCII). Characters with no equivalent (emoji, CJK) are kept, so the result may still
 * be UCS-2. OUT: *out_len (bytes written, without the NUL). RS_EINVAL for invalid UTF-8,
 * RS_ENOMEM when CAP is too small (OUT then holds a truncated, still valid, prefix). */
enum rs_err rs_sms_transliterate(const char *in, size_t len, char *out, size_t cap,
                                 size_t *out_len) RS_MUST_CHECK;

#endif
