/* api_track.c — GET /v1/track/{tracking_code}: the public view of an order.
 * The code alone shows status, city and the timeline, never personal data or raw carrier text;
 * the code plus the destination postcode or the customer's e-mail (?postcode= or ?email=), or
 * the verification token the tracking page gives for them (?v=, app/track_token.h), shows the
 * full order. A code with a typo is told apart from an unknown one by its check character. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events_bus.h"
#include "core/trackcode.h"
#include "http/page.h"
#include "http/page_cache.h"
#include "http/routes.h"
#include "http/track.h"
#include "util/timefmt.h"

static void fold(const char *in, char *out, size_t cap, bool strip)
{
    size_t n = 0;
    while (in && (*in == ' ' || *in == '\t')) /* "?email= ana@example.com " as pasted */
        in++;
    for (; in && *in && n + 1 < cap; in++) {
        if (strip && (*in == ' ' || *in == '-'))
            continue;
        out[n++] = (char)tolower((unsigned char)*in);
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
}

bool rs_track_full(const json_t *o)
{
    const char *level = json_string_value(json_object_get(o, "level"));
    return level && strcmp(level, "full") == 0;
}

void rs_track_redirect_verified(struct rs_req *r, const char *code, const char *lang, const char *token,
                                const char *notice)
{
    struct rs_buf b;
    rs_buf_init(&b);
    rs_buf_printf(&b, "/t/%s?", code);
    if (lang && (strcmp(lang, "es") == 0 || strcmp(lang, "en") == 0))
        rs_buf_printf(&b, "lang=%s&", lang);
    rs_buf_printf(&b, "v=%s", token);
    if (notice && *notice) {
        rs_buf_puts(&b, "&notice=");
        rs_buf_url(&b, notice);
    }
    snprintf(r->location, sizeof r->location, "%s", b.data);
    rs_buf_release(&b);
    rs_reply_text(r, 303, "text/plain; charset=utf-8", "", 0);
    r->cache_control = "no-store";
}

struct rs_track_proof rs_track_proof_query(struct rs_req *r)
{
    return (struct rs_track_proof){rs_req_query(r, "postcode"), rs_req_query(r, "email"), rs_req_query(r, "v")};
}

int rs_track_lookup(struct rs_req *r, const char *raw_code, const struct rs_track_proof *proof, json_t **out,
                    char token[RS_TRACK_TOKEN_LEN])
{
    const char *postcode = proof ? proof->postcode : NULL, *email = proof ? proof->email : NULL;
    const char *v = proof ? proof->v : NULL;
    /* Failed look-ups are rate limited per client so codes and second factors cannot be guessed;
     * a blocked client gets 429 even for a right code (else the limit would leak which are right). */
    if (rs_page_rate_blocked(r, false))
        return 429;
    char code[RS_TRACKCODE_LEN];
    switch (rs_trackcode_parse(raw_code, code)) {
    case RS_TRACKCODE_MALFORMED:
        rs_reply_error(r, 400, "invalid_tracking_code",
                       "\"%.40s\" is not a tracking code; codes look like RX-7K4Q-9PZD-M3TXW", raw_code);
        return 400;
    case RS_TRACKCODE_TYPO:
        rs_reply_error(r, 400, "tracking_code_typo",
                       "%s has a typing mistake: one character is wrong or two are swapped; check it against "
                       "your e-mail or SMS",
                       code);
        return 400;
    case RS_TRACKCODE_OK:
        break;
    }
    struct rs_store *s = rs_server_reader_get(r->srv);
    if (!s) {
        rs_reply_err(r, RS_EIO, "no reader");
        return 503;
    }
    struct rs_track_secrets sec;
    json_t *o = NULL;
    bool want_full = (postcode && *postcode) || (email && *email) || (v && *v);
    enum rs_err e = rs_store_order_json_by_code(s, code, RS_VIEW_PUBLIC, &o, &sec);
    bool verified = false;
    if (!e && want_full) {
        char pc[32], em[256];
        fold(postcode, pc, sizeof pc, true);
        fold(email, em, sizeof em, false);
        const unsigned char *key = rs_server_track_key(r->srv);
        int64_t today = rs_now() / 86400;
        char factor = 0;
        if (pc[0] && sec.postcode[0] && strcmp(pc, sec.postcode) == 0)
            factor = 'p';
        else if (em[0] && sec.email[0] && strcmp(em, sec.email) == 0)
            factor = 'e';
        else if (v && rs_track_token_check(key, code, 'e', sec.email, v, today))
            factor = 'e';
        else if (v && rs_track_token_check(key, code, 'p', sec.postcode, v, today))
            factor = 'p';
        verified = factor != 0;
        if (verified && token)
            rs_track_token(key, code, factor, factor == 'e' ? sec.email : sec.postcode, today + RS_TRACK_TOKEN_DAYS,
                           token);
        if (verified) {
            json_decref(o);
            o = NULL;
            e = rs_store_order_json_by_code(s, code, RS_VIEW_VERIFIED, &o, NULL);
        }
    }
    rs_server_reader_put(r->srv, s);
    if (e == RS_ENOTFOUND) {
        rs_page_rate_fail(r);
        rs_reply_error(r, 404, "unknown_tracking_code",
                       "no order has the code %s; if you copied it from a message, check with the shop", code);
        return 404;
    }
    if (e) {
        rs_reply_err(r, e, "track read");
        return 503;
    }
    json_object_set_new(o, "level", json_string(verified ? "full" : "public"));
    if (want_full && !verified) {
        rs_page_rate_fail(r);
        json_object_set_new(o, "verification", json_string("failed"));
    }
    char url[512];
    snprintf(url, sizeof url, "%s/t/%s", rs_server_base_url(r->srv), code);
    json_object_set_new(o, "tracking_url", json_string(url));
    *out = o;
    return 200;
}

/* The customer's e-mail and phone stay out of the JSON even at the full level: the page never
 * shows them, and a postcode (the public view already gives the city) must not be enough to
 * learn how to reach someone. The page's own forms still use them (they read the lookup). */
static void drop_contact(json_t *o)
{
    json_t *c = json_object_get(o, "customer");
    if (c) {
        json_object_del(c, "email");
        json_object_del(c, "phone");
    }
}

/* The answer is cached (http/page_cache.h) by code and second factor as the client sent them:
 * the same request gets the same bytes until the next commit or the TTL. */
void rs_api_track_get(struct rs_req *r)
{
    struct rs_track_proof pf = rs_track_proof_query(r);
    char key[640];
    snprintf(key, sizeof key, "J|%s|%s|%s|%.30s", r->params[0], pf.postcode ? pf.postcode : "",
             pf.email ? pf.email : "", pf.v ? pf.v : "");
    uint64_t total = rs_bus_total(); /* read before the look-up: a commit during it invalidates */
    char *cached;
    size_t clen;
    if (rs_page_rate_blocked(r, false))
        return; /* a blocked client gets 429 even for a cached code, as without the cache */
    if (rs_page_cache_get(key, total, &cached, &clen)) {
        free(r->resp);
        r->resp = cached; /* handed over as is: no second copy */
        r->resp_len = clen;
        r->status = 200;
        r->content_type = "application/json";
        return;
    }
    json_t *o = NULL;
    if (rs_track_lookup(r, r->params[0], &pf, &o, NULL) != 200)
        return;
    bool failed = json_object_get(o, "verification") != NULL;
    drop_contact(o);
    rs_reply_json(r, 200, o);
    if (!failed && r->status == 200 && r->resp)
        rs_page_cache_put(key, total, r->resp, r->resp_len);
}
