/* trackcode.h — public tracking codes such as "RX-7K4Q-9PZD-M3TXW".
 *
 * 12 data characters (60 bits) from Crockford's base-32 alphabet (no I, L, O, U: nothing to
 * confuse when read aloud), then one check character. The check is a weighted sum in GF(32),
 *   check = sum_i alpha^(i+1) * d_i,   alpha a primitive element of GF(2^5),
 * which catches every single wrong character (alpha^k * e != 0 for e != 0) and every swap of two
 * adjacent characters, the check included (alpha^k * (a - b) * (1 + alpha) != 0, since alpha != 1).
 * Parsing is forgiving: case, separators (spaces, dashes, dots, underscores, line breaks, and
 * the typographic no-break spaces and dashes a pasted code brings) and the "RX" prefix are
 * optional; O reads as 0, I and L as 1. Pure: the caller supplies the random bits. */
#ifndef RS_TRACKCODE_H
#define RS_TRACKCODE_H

#include <stddef.h>
#include <stdint.h>

#define RS_TRACKCODE_DATA_CHARS 12
#define RS_TRACKCODE_LEN 19 /* "RX-XXXX-XXXX-XXXXC" plus NUL */

enum rs_trackcode_check {
    RS_TRACKCODE_OK = 0,
    RS_TRACKCODE_MALFORMED, /* wrong length or characters outside the alphabet */
    RS_TRACKCODE_TYPO,      /* well formed, but the check character does not match */
};

/* Format the low 60 bits of BITS as a code into OUT (RS_TRACKCODE_LEN bytes). */
void rs_trackcode_format(uint64_t bits, char out[RS_TRACKCODE_LEN]);

/* Normalise user input IN into the canonical form in OUT. Returns MALFORMED or TYPO without
 * touching OUT's meaning (OUT may hold a partial result), OK when OUT is a valid code. */
enum rs_trackcode_check rs_trackcode_parse(const char *in, char out[RS_TRACKCODE_LEN]);

/* The check character for 12 data values (0..31) as a value 0..31. */
unsigned rs_trackcode_check_value(const unsigned char data[RS_TRACKCODE_DATA_CHARS]);

#endif
