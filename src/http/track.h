/* track.h — the public tracking look-up shared by the JSON API and the HTML page. */
#ifndef RS_HTTP_TRACK_H
#define RS_HTTP_TRACK_H

#include "app/track_token.h"
#include "http/http.h"

/* What the visitor offers to see the full order: the delivery postcode, the customer's e-mail,
 * or v, the verification token the page gives once one of them matched (app/track_token.h).
 * Each may be NULL. */
struct rs_track_proof {
    const char *postcode, *email, *v;
};
/* The proof as the query carries it (?postcode=, ?email=, ?v=). */
struct rs_track_proof rs_track_proof_query(struct rs_req *r);

/* Look up RAW_CODE (user input) at the level PROOF (NULL: none) allows. Returns 200 with *out
 * set (new reference), or the HTTP status of the error answer it already set on R. When the
 * proof matched and TOKEN is not NULL, TOKEN gets the verification token for it. */
int rs_track_lookup(struct rs_req *r, const char *raw_code, const struct rs_track_proof *proof, json_t **out,
                    char token[RS_TRACK_TOKEN_LEN]);
/* Whether the look-up's answer O is at the full level (the proof matched). */
bool rs_track_full(const json_t *o);
/* Answer 303 to /t/CODE at the token address: ?lang=LANG (when "es" or "en") &v=TOKEN
 * [&notice=NOTICE] — the page proved with an e-mail or postcode, without them in the address. */
void rs_track_redirect_verified(struct rs_req *r, const char *code, const char *lang, const char *token,
                                const char *notice);

#endif
