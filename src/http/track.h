/* track.h — the public tracking look-up shared by the JSON API and the HTML page. */
#ifndef RS_HTTP_TRACK_H
#define RS_HTTP_TRACK_H

#include "http/http.h"

/* Look up RAW_CODE (user input) at the level the second factor allows. Returns 200 with *out
 * set (new reference), or the HTTP status of the error answer it already set on R. */
int rs_track_lookup(struct rs_req *r, const char *raw_code, const char *postcode, const char *email, json_t **out);

#endif
