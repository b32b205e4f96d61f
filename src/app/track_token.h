/* track_token.h — the tracking page's verification token. A visitor who proved who they are
 * (the delivery postcode or the customer's e-mail, http/track.h) gets links carrying
 * v=TOKEN instead of the e-mail or postcode itself, so that neither ends up in the browser's
 * history, a proxy's access log or a shared screenshot of the address bar.
 *
 * TOKEN = the day it expires (4 base32 characters, days since 1970) and
 * base32(HMAC-SHA256(installation key, code ‖ factor ‖ folded value ‖ expiry day))[0..26):
 * 128 bits, bound to the order's code and to the value of the factor, so it stops working when
 * the customer's e-mail or the delivery postcode changes or is erased, and after
 * RS_TRACK_TOKEN_DAYS (an address copied and shared later shows the public page again; the
 * customer proves it once more). The key is the installation's secret "track_token" (store.h
 * rs_store_install_secret), made once. */
#ifndef RS_APP_TRACK_TOKEN_H
#define RS_APP_TRACK_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#define RS_TRACK_TOKEN_LEN 31 /* 4 + 26 characters + NUL */
#define RS_TRACK_KEY_LEN 32
#define RS_TRACK_TOKEN_DAYS 30

/* The token for CODE (canonical) proved with FACTOR ('e' e-mail, 'p' postcode) of folded VALUE
 * (non-empty), valid through day EXPIRES (days since 1970, UTC). */
void rs_track_token(const unsigned char key[RS_TRACK_KEY_LEN], const char *code, char factor, const char *value,
                    int64_t expires, char out[RS_TRACK_TOKEN_LEN]);

/* True when GIVEN (user input) is a token for CODE and FACTOR/VALUE that has not expired on day
 * TODAY; constant time in the MAC. False for an empty VALUE. */
bool rs_track_token_check(const unsigned char key[RS_TRACK_KEY_LEN], const char *code, char factor,
                          const char *value, const char *given, int64_t today);

#endif
