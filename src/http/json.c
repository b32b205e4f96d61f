/* json.c — the request body as JSON (see http.h). */
#include <string.h>
#include <strings.h>

#include "http/http.h"

bool rs_req_media_is(struct rs_req *r, const char *type)
{
    const char *ct = rs_req_header(r, "Content-Type");
    size_t n = strlen(type);
    if (!ct)
        return false;
    ct += strspn(ct, " \t");
    if (strncasecmp(ct, type, n) != 0)
        return false;
    ct += n;
    ct += strspn(ct, " \t");
    return *ct == '\0' || *ct == ';'; /* parameters (charset=utf-8) are fine; "application/jsonx" is not */
}

json_t *rs_req_json(struct rs_req *r)
{
    if (!rs_req_media_is(r, "application/json")) {
        rs_reply_error(r, 415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json");
        return NULL;
    }
    if (!r->body || r->body_len == 0) {
        rs_reply_error(r, 400, "invalid_json", "the request body is empty; send a JSON document");
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!j) {
        rs_reply_error(r, 400, "invalid_json", "malformed JSON at line %d, column %d: %s", err.line, err.column,
                       err.text);
        return NULL;
    }
    if (!json_is_object(j) && !json_is_array(j)) {
        /* well-formed JSON of the wrong shape: 422 like an array where an object goes, not a
         * "malformed JSON" that sends the developer looking for a syntax error */
        rs_reply_error(r, 422, "invalid_body", "the body must be a JSON object (or an array where documented), not %s",
                       json_is_string(j) ? "a string" : json_is_null(j) ? "null" : json_is_boolean(j) ? "a boolean" : "a number");
        json_decref(j);
        return NULL;
    }
    return j;
}
