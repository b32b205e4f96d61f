/* api_keys.c — the merchant's API keys over the API (admin scope), as `rastro merchant key`,
 * `keys` and `revoke` do on the command line:
 *   GET    /v1/keys            every key: key_id (the public "rk_xxxxxxxx" part), scopes,
 *                              publishable, created_at, revoked_at (never a secret or a hash)
 *   POST   /v1/keys            {"scopes":["quote"]} → 201 with the new key, shown this once
 *   DELETE /v1/keys/{key_id}   revoke: refused by this server at once (other servers on the same
 *                              database within RS_KEYCACHE_TTL_NS); 404 when no live key has it
 * A key may revoke itself. */
#include <stdio.h>
#include <string.h>

#include "app/keys.h"
#include "http/keycache.h"
#include "http/routes.h"
#include "util/timefmt.h"

void rs_api_keys_get(struct rs_req *r)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *rows = NULL;
    enum rs_err e = s ? rs_store_apikey_list(s, r->merchant_id, &rows) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, "api keys");
        return;
    }
    rs_reply_json(r, 200, json_pack("{s:o}", "keys", rs_app_keys_json(rows)));
}

struct key_job {
    int64_t merchant_id, now;
    unsigned scopes;
    const char *key_id; /* revoke */
    char key[RS_KEY_LEN];
};

static enum rs_err create_run(struct rs_store *s, void *ctx)
{
    struct key_job *j = ctx;
    return rs_app_key_create(s, j->merchant_id, j->scopes, j->now, j->key);
}

static enum rs_err revoke_run(struct rs_store *s, void *ctx)
{
    struct key_job *j = ctx;
    return rs_store_apikey_revoke(s, j->merchant_id, j->key_id, rs_now());
}

void rs_api_keys_post(struct rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    json_t *sc = json_object_get(body, "scopes");
    struct key_job job = {.merchant_id = r->merchant_id, .now = rs_now()};
    size_t i;
    json_t *v;
    bool ok = json_is_object(body) && json_is_array(sc) && json_array_size(sc) > 0 && json_object_size(body) == 1;
    json_array_foreach(sc, i, v) {
        unsigned bit;
        if (!ok || !json_is_string(v) || rs_scopes_parse(json_string_value(v), &bit) != RS_OK ||
            strchr(json_string_value(v), ','))
            ok = false;
        else
            job.scopes |= bit;
    }
    json_decref(body);
    if (!ok) {
        rs_reply_error(r, 422, "invalid_scopes",
                       "send {\"scopes\":[…]} with one or more of \"ingest\", \"read\", \"admin\" and \"quote\" "
                       "(quote alone: a publishable key for the shop's pages)");
        return;
    }
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), create_run, &job);
    if (e) {
        rs_reply_err(r, e, "api key");
        return;
    }
    char key_id[RS_KEY_ID_LEN];
    if (!rs_key_id_of(job.key, key_id)) {
        rs_reply_err(r, RS_EINTERNAL, "api key format");
        return;
    }
    char t[RS_TIME_LEN];
    rs_time_format(job.now, 0, t); /* the created_at the listing will show */
    json_t *row = json_pack("[{s:s,s:i,s:s,s:n}]", "key_id", key_id, "scope_bits", (int)job.scopes, "created_at", t,
                            "revoked_at");
    rs_app_keys_json(row);
    json_t *out = json_incref(json_array_get(row, 0));
    json_decref(row);
    json_object_set_new(out, "key", json_string(job.key));
    json_object_set_new(out, "note", json_string(job.scopes & RS_SCOPES_SECRET
                                                     ? "keep this key secret: it is shown only now"
                                                     : "a publishable key: it can only ask for delivery windows; "
                                                       "it is shown only now"));
    rs_reply_json(r, 201, out);
}

void rs_api_keys_delete(struct rs_req *r)
{
    char key_id[RS_KEY_ID_LEN];
    if (!rs_key_id_of(r->params[0], key_id) || strlen(r->params[0]) != RS_KEY_ID_LEN - 1) {
        rs_reply_error(r, 400, "invalid_key_id",
                       "the key id is \"rk_\" and 8 characters, as GET /v1/keys lists it (never the whole key in a "
                       "URL)");
        return;
    }
    struct key_job job = {.merchant_id = r->merchant_id, .key_id = key_id};
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), revoke_run, &job);
    if (e == RS_ENOTFOUND) {
        rs_reply_error(r, 404, "key_not_found", "this merchant has no live key %s", key_id);
        return;
    }
    if (e) {
        rs_reply_err(r, e, "api key revoke");
        return;
    }
    rs_keycache_forget_merchant(r->merchant_id);
    rs_reply_json(r, 200, json_pack("{s:s,s:b}", "key_id", key_id, "revoked", 1));
}
