/* cmd_mail_in.c — `rastro mail-in --url URL --secret-file FILE`: the inbound e-mail channel.
 * Postfix pipes each message for the support address to this command (a pipe(8) transport,
 * docs/support-channels.md); it reads the RFC 5322 message on stdin, parses it
 * (ingest/mail.h: an out-of-office or a bounce is marked "automatic", never answered), and POSTs
 * the result as JSON to the server's /hooks/email/{token}, signed
 * with the merchant's e-mail integration secret (X-Rastro-Signature: base64(HMAC-SHA256)).
 *
 * The exit status is what Postfix understands (sysexits.h): 0 delivered; EX_TEMPFAIL (75)
 * when the server is down, busy, or refuses the signature or token (the message stays queued
 * and Postfix retries, so nothing is lost while an operator fixes the configuration);
 * EX_DATAERR (65) when the message cannot be used (no sender, no text, refused by the server
 * as invalid): Postfix bounces it with our reason; EX_CONFIG (78, also a deferral for Postfix)
 * for a missing --url or secret. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/args.h"
#include "cli/cmd.h"
#include "ingest/mail.h"
#include "ingest/signature.h"

static const char usage_text[] =
    "usage: rastro mail-in --url http://HOST:PORT/hooks/email/TOKEN (--secret-file FILE | $RASTRO_MAIL_SECRET)\n"
    "                      [--timeout SECONDS]\n"
    "Reads one e-mail on stdin (as Postfix's pipe(8) gives it) and hands it to the Rastro server:\n"
    "the message lands in the customer's conversation and the bot answers by e-mail.\n"
    "TOKEN and the secret come from `rastro merchant hook email --merchant ID --secret S`\n"
    "(or PUT /v1/integrations/email). Exit status: 0 delivered, 75 try again later (server down,\n"
    "wrong token or secret), 65 unusable message (bounced), 78 bad configuration.\n"
    "Setup: docs/support-channels.md\n"
    "example (master.cf): argv=/usr/local/bin/rastro mail-in --url http://127.0.0.1:8080/hooks/email/TOKEN\n"
    "                       --secret-file /etc/rastro/mail-secret\n";

/* Read all of stdin up to MAX bytes; *too_big when there was more. */
static char *read_stdin(size_t max, size_t *len, bool *too_big)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    *too_big = false;
    while (buf) {
        if (n == cap) {
            if (cap > max) {
                *too_big = true;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0)
            break;
    }
    if (buf && n > max)
        *too_big = true;
    *len = n;
    return buf;
}

static char *read_secret(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[512];
    char *s = fgets(line, sizeof line, f) ? line : NULL;
    fclose(f);
    if (!s)
        return NULL;
    s[strcspn(s, "\r\n")] = '\0';
    return *s ? strdup(s) : NULL;
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    char *buf = ud; /* first 511 bytes of the answer, for the log */
    size_t have = strlen(buf), n = size * nmemb, room = 511 - have;
    memcpy(buf + have, ptr, n < room ? n : room);
    buf[have + (n < room ? n : room)] = '\0';
    return n;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

int rs_cmd_mail_in(int argc, char **argv)
{
    const char *url = NULL, *secret_file = NULL, *timeout_s = NULL;
    for (int i = 1; i < argc; i++) {
        if (rs_arg_flag(argv, i, "--help") || rs_arg_flag(argv, i, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (rs_arg_value(argc, argv, &i, "--url", &url) || rs_arg_value(argc, argv, &i, "--secret-file", &secret_file) ||
            rs_arg_value(argc, argv, &i, "--timeout", &timeout_s))
            continue;
        fprintf(stderr, "rastro mail-in: unknown option %s\n%s", argv[i], usage_text);
        return EX_CONFIG;
    }
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        fprintf(stderr, "rastro mail-in: --url http(s)://HOST:PORT/hooks/email/TOKEN is required\n");
        return EX_CONFIG;
    }
    char *secret = secret_file ? read_secret(secret_file) : NULL;
    if (!secret && !secret_file && getenv("RASTRO_MAIL_SECRET") && *getenv("RASTRO_MAIL_SECRET"))
        secret = strdup(getenv("RASTRO_MAIL_SECRET"));
    if (!secret) {
        fprintf(stderr, "rastro mail-in: no secret: --secret-file FILE (%s) or $RASTRO_MAIL_SECRET\n",
                secret_file ? "unreadable or empty" : "not given");
        return EX_CONFIG;
    }
    long timeout = timeout_s ? strtol(timeout_s, NULL, 10) : 30;
    if (timeout < 1 || timeout > 600)
        timeout = 30;

    size_t len = 0;
    bool too_big = false;
    char *raw = read_stdin(RS_MAIL_MAX_RAW, &len, &too_big);
    if (!raw) {
        free(secret);
        fprintf(stderr, "rastro mail-in: out of memory\n");
        return EX_TEMPFAIL;
    }
    if (too_big) {
        free(raw);
        free(secret);
        fprintf(stderr, "rastro mail-in: the message is larger than 16 MiB\n");
        return EX_DATAERR;
    }
    struct rs_mail m;
    char err[300];
    enum rs_err e = rs_mail_parse(raw, len, &m, err, sizeof err);
    free(raw);
    if (e) {
        rs_mail_release(&m);
        free(secret);
        fprintf(stderr, "rastro mail-in: %s\n", e == RS_EINVAL ? err : rs_strerror(e));
        return e == RS_EINVAL ? EX_DATAERR : EX_TEMPFAIL;
    }
    json_t *o = json_object();
    set_str(o, "from", m.from_addr);
    set_str(o, "name", m.from_name);
    set_str(o, "subject", m.subject);
    set_str(o, "message_id", m.message_id);
    set_str(o, "in_reply_to", m.in_reply_to);
    set_str(o, "references", m.references);
    set_str(o, "body", m.body);
    json_object_set_new(o, "truncated", json_boolean(m.truncated));
    json_object_set_new(o, "quote_cut", json_boolean(m.quote_cut));
    json_object_set_new(o, "from_html", json_boolean(m.from_html));
    json_object_set_new(o, "automatic", json_boolean(m.automatic));
    rs_mail_release(&m);
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char sig[45];
    if (!body || !rs_sig_sign_b64(secret, body, strlen(body), sig)) {
        free(body);
        free(secret);
        fprintf(stderr, "rastro mail-in: could not sign the request\n");
        return EX_TEMPFAIL;
    }
    free(secret);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    int rc = EX_TEMPFAIL;
    if (c) {
        char hsig[80], answer[512] = "";
        snprintf(hsig, sizeof hsig, "X-Rastro-Signature: %s", sig);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        h = curl_slist_append(h, hsig);
        h = curl_slist_append(h, "User-Agent: rastro-mail-in/0.1");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
        CURLcode cc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (cc != CURLE_OK) {
            fprintf(stderr, "rastro mail-in: %s: %s (will retry)\n", url, curl_easy_strerror(cc));
        } else if (status >= 200 && status < 300) {
            rc = 0;
        } else if (status == 400 || status == 413 || status == 415 || status == 422) {
            fprintf(stderr, "rastro mail-in: the server refused the message (%ld): %s\n", status, answer);
            rc = EX_DATAERR;
        } else {
            fprintf(stderr, "rastro mail-in: the server answered %ld: %s%s (will retry)\n", status, answer,
                    status == 401 || status == 403 || status == 404
                        ? "; check --url and the secret against `rastro merchant hook email`"
                        : "");
        }
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
    }
    curl_global_cleanup();
    free(body);
    return rc;
}
