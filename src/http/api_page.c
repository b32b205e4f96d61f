/* api_page.c — the merchant's side of the tracking page:
 * GET/PUT /v1/branding, GET/PUT /v1/faq, GET/PUT /v1/promotion (admin scope); the incidents API
 * is in api_incident.c. Documents are validated here before
 * they are stored (store/store_page.h); the page escapes them again when it renders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events_bus.h"
#include "http/routes.h"
#include "store/store_page.h"
#include "util/timefmt.h"

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static bool color_ok(const char *s)
{
    if (!s || s[0] != '#')
        return false;
    size_t n = strlen(s + 1);
    return (n == 3 || n == 6) && strspn(s + 1, "0123456789abcdefABCDEF") == n;
}

static bool url_ok(const char *s)
{
    return s && strlen(s) <= 500 && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) &&
           !strpbrk(s, " \"'<>\\\n\r\t");
}

/* S is an RFC 3339 time with an offset; *T (may stay 0 when S is not one). */
static bool time_ok(const char *s, int64_t *t)
{
    int off;
    return s && rs_time_parse(s, false, t, &off) == RS_OK;
}

/* Validate DOC for FIELD; on failure set the 422 answer and return false. */
static bool validate(struct rs_req *r, const char *field, json_t *doc)
{
    if (!json_is_object(doc)) {
        rs_reply_error(r, 422, "invalid", "%s must be a JSON object", field);
        return false;
    }
    if (strcmp(field, "branding") == 0) {
        const char *k;
        json_t *v;
        json_object_foreach(doc, k, v) {
            if (strcmp(k, "primary_color") == 0 || strcmp(k, "accent_color") == 0) {
                if (!color_ok(json_string_value(v))) {
                    rs_reply_error(r, 422, "invalid_color", "%s must be a colour like \"#0a7d5a\" or \"#fa0\"", k);
                    return false;
                }
            } else if (strcmp(k, "logo_url") == 0) {
                if (!url_ok(json_string_value(v))) {
                    rs_reply_error(r, 422, "invalid_url", "logo_url must be an http(s) URL of at most 500 characters");
                    return false;
                }
            } else if (strcmp(k, "display_name") == 0) {
                const char *s = json_string_value(v);
                if (!s || !*s || strlen(s) > 80) {
                    rs_reply_error(r, 422, "invalid_name", "display_name must be 1 to 80 characters");
                    return false;
                }
            } else {
                rs_reply_error(r, 422, "unknown_field",
                               "branding takes display_name, logo_url, primary_color, accent_color; not \"%.40s\"", k);
                return false;
            }
        }
        return true;
    }
    if (strcmp(field, "faq") == 0) {
        const char *k;
        json_t *v;
        json_object_foreach(doc, k, v) {
            if (strcmp(k, "es") != 0 && strcmp(k, "en") != 0) {
                rs_reply_error(r, 422, "unknown_language", "faq takes the languages \"es\" and \"en\"; not \"%.20s\"", k);
                return false;
            }
            if (!json_is_array(v) || json_array_size(v) > 20) {
                rs_reply_error(r, 422, "invalid_faq", "faq.%s must be an array of at most 20 {\"q\",\"a\"} entries", k);
                return false;
            }
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                const char *q = jstr(e, "q"), *a = jstr(e, "a");
                if (!q || !a || !*q || !*a || strlen(q) > 200 || strlen(a) > 2000) {
                    rs_reply_error(r, 422, "invalid_faq",
                                   "faq.%s[%zu] needs \"q\" (1-200 characters) and \"a\" (1-2000 characters)", k, i);
                    return false;
                }
            }
        }
        return true;
    }
    /* promotion */
    json_t *text = json_object_get(doc, "text");
    const char *es = jstr(text, "es"), *en = jstr(text, "en");
    if (!json_is_object(text) || (!es && !en) || (es && strlen(es) > 300) || (en && strlen(en) > 300)) {
        rs_reply_error(r, 422, "invalid_promotion", "promotion.text must be {\"es\":…,\"en\":…} (up to 300 characters each)");
        return false;
    }
    if ((json_object_get(doc, "link") && !url_ok(jstr(doc, "link"))) ||
        (json_object_get(doc, "image_url") && !url_ok(jstr(doc, "image_url")))) {
        rs_reply_error(r, 422, "invalid_url", "promotion link and image_url must be http(s) URLs");
        return false;
    }
    int64_t a = 0, z = 0;
    if ((json_object_get(doc, "starts_at") && !time_ok(jstr(doc, "starts_at"), &a)) ||
        (json_object_get(doc, "ends_at") && !time_ok(jstr(doc, "ends_at"), &z))) {
        rs_reply_error(r, 422, "invalid_time", "starts_at and ends_at are RFC 3339 times with an offset");
        return false;
    }
    if (json_object_get(doc, "starts_at") && json_object_get(doc, "ends_at") && z <= a) {
        rs_reply_error(r, 422, "invalid_time", "ends_at (%s) must be after starts_at (%s): the promotion would never show",
                       jstr(doc, "ends_at"), jstr(doc, "starts_at"));
        return false;
    }
    return true;
}

struct doc_job {
    int64_t merchant_id;
    const char *field;
    json_t *doc;
};

static enum rs_err doc_job_run(struct rs_store *s, void *ctx)
{
    struct doc_job *j = ctx;
    return rs_store_page_doc_put(s, j->merchant_id, j->field, j->doc, rs_now());
}

static void doc_get(struct rs_req *r, const char *field)
{
    struct rs_store *s = rs_server_reader_get(r->srv);
    json_t *d = NULL;
    enum rs_err e = s ? rs_store_page_doc_get(s, r->merchant_id, field, &d) : RS_EIO;
    rs_server_reader_put(r->srv, s);
    if (e) {
        rs_reply_err(r, e, field);
        return;
    }
    rs_reply_json(r, 200, d ? d : json_object());
}

static void doc_put(struct rs_req *r, const char *field)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    /* An empty object or null clears a promotion. */
    bool clear = json_is_null(body) || (json_is_object(body) && json_object_size(body) == 0);
    if (!clear && !validate(r, field, body)) {
        json_decref(body);
        return;
    }
    struct doc_job job = {.merchant_id = r->merchant_id, .field = field, .doc = clear ? NULL : body};
    enum rs_err e = rs_writer_run(rs_server_writer(r->srv), doc_job_run, &job);
    if (!e)
        rs_bus_bump(r->merchant_id); /* cached and live pages show the new branding */
    if (e)
        rs_reply_err(r, e, field);
    else
        rs_reply_json(r, 200, clear ? json_object() : json_incref(body));
    json_decref(body);
}

void rs_api_branding_get(struct rs_req *r) { doc_get(r, "branding"); }
void rs_api_branding_put(struct rs_req *r) { doc_put(r, "branding"); }
void rs_api_faq_get(struct rs_req *r) { doc_get(r, "faq"); }
void rs_api_faq_put(struct rs_req *r) { doc_put(r, "faq"); }
void rs_api_promotion_get(struct rs_req *r) { doc_get(r, "promotion"); }
void rs_api_promotion_put(struct rs_req *r) { doc_put(r, "promotion"); }
