/* api_privacy.c — GET /v1/customers/export?email=…|phone=…, POST /v1/customers/export and
 * POST /v1/customers/erase {"email"|"phone"} (admin scope): the API side of `rastro customer
 * export|erase` (app/privacy.h, docs/privacy.md). The POST form keeps the address out of URLs
 * (a reverse proxy's access log). */
#include <stdlib.h>
#include <string.h>

#include "app/privacy.h"
#include "http/http.h"
#include "http/routes.h"
#include "util/timefmt.h"

static bool who_or_reply(struct rs_req *r, const char *email, const char *phone, struct rs_privacy_who *who)
{
    struct rs_app_error ae = {0};
    if (rs_app_privacy_who(email, phone, who, &ae) == RS_OK)
        return true;
    rs_reply_error(r, strcmp(ae.code, "missing_field") == 0 ? 400 : 422, ae.code, "%s", ae.message);
    return false;
}

static void reply_not_found(struct rs_req *r, const struct rs_privacy_who *who)
{
    rs_reply_error(r, 404, "not_found", "nothing is held for %s", who->email[0] ? who->email : who->phone);
}

/* WHO from a body {"email": …} or {"phone": …}; false with the answer set. */
static bool body_who(struct rs_req *r, struct rs_privacy_who *who)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return false;
    if (!json_is_object(body)) {
        json_decref(body);
        rs_reply_error(r, 422, "invalid_body", "send an object: {\"email\": …} or {\"phone\": …}");
        return false;
    }
    json_t *em = json_object_get(body, "email"), *ph = json_object_get(body, "phone");
    if ((em && !json_is_string(em) && !json_is_null(em)) || (ph && !json_is_string(ph) && !json_is_null(ph))) {
        json_decref(body);
        rs_reply_error(r, 422, "invalid_field", "email and phone must be strings");
        return false;
    }
    bool ok = who_or_reply(r, json_string_value(em), json_string_value(ph), who);
    json_decref(body);
    return ok;
}

static void export_reply(struct rs_req *r, const struct rs_privacy_who *who)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *doc = NULL;
    enum rs_err e = s ? rs_app_privacy_export(s, r->merchant_id, who, rs_now(), &doc) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND)
        reply_not_found(r, who);
    else if (e)
        rs_reply_err(r, e, "customer export");
    else
        rs_reply_json(r, 200, doc);
}

void rs_api_customer_export(struct rs_req *r)
{
    struct rs_privacy_who who;
    const char *phone = rs_req_query(r, "phone");
    if (phone && phone[0] == ' ' && phone[1] >= '0' && phone[1] <= '9') {
        /* "?phone=+34600111222" as typed: the query string made its '+' a space */
        rs_reply_error(r, 422, "invalid_field",
                       "phone arrived as \"%.64s\": in a URL a bare + reads as a space; write it as %%2B "
                       "(phone=%%2B%.63s)", phone, phone + 1);
        return;
    }
    if (who_or_reply(r, rs_req_query(r, "email"), phone, &who))
        export_reply(r, &who);
}

void rs_api_customer_export_post(struct rs_req *r)
{
    struct rs_privacy_who who;
    if (body_who(r, &who))
        export_reply(r, &who);
}

struct erase_job {
    int64_t merchant_id;
    struct rs_privacy_who who;
    json_t *out;
};

static enum rs_err erase_run(struct rs_store *s, void *ctx)
{
    struct erase_job *j = ctx;
    return rs_app_privacy_erase(s, j->merchant_id, &j->who, rs_now(), &j->out);
}

void rs_api_customer_erase(struct rs_req *r)
{
    struct erase_job j = {.merchant_id = r->merchant_id};
    if (!body_who(r, &j.who))
        return;
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), erase_run, &j);
    if (e == RS_ENOTFOUND) {
        json_decref(j.out);
        reply_not_found(r, &j.who);
    } else if (e) {
        json_decref(j.out);
        rs_reply_err(r, e, "customer erase");
    } else {
        rs_reply_json(r, 200, j.out);
    }
}
