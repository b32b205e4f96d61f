/* test_mail.c — reading customer e-mails (src/ingest/mail.c): Spanish multipart mail in
 * ISO-8859-1 quoted-printable with encoded-word headers, HTML-only mail in base64, quoted
 * history cut (top- and bottom-posting, Outlook, signatures), thread ids, refusals, and the
 * signature mail-in puts on its request (checked by the server's verifier). */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_settings.h"
#include "ingest/mail.h"
#include "ingest/signature.h"
#include "notify/channel.h"

static const char spanish_reply[] =
    "Return-Path: <maria.lopez@example.es>\r\n"
    "From: =?ISO-8859-1?Q?Mar=EDa_L=F3pez?= <Maria.Lopez@Example.ES>\r\n"
    "To: Tienda Sol <soporte@rastro.test>\r\n"
    "Subject: =?UTF-8?Q?Re:_=C2=BFD=C3=B3nde_est=C3=A1_mi_pedido=3F?=\r\n"
    "Message-ID: <CAF1234.5678@mail.example.es>\r\n"
    "In-Reply-To: <rastro-msg-42@tienda-sol.example.es>\r\n"
    "References: <first@tienda-sol.example.es>\r\n <rastro-msg-42@tienda-sol.example.es>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=ISO-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hola, =BFd=F3nde est=E1 mi pedido 7315? Lo ped=ED hace una semana y no ha lleg=\r\n"
    "ado.\r\n"
    "\r\n"
    "Gracias,\r\n"
    "Mar=EDa\r\n"
    "\r\n"
    "El lun, 3 nov 2025 a las 10:00, Tienda Sol (<avisos@tienda-sol.example.es>)\r\n"
    "escribi=F3:\r\n"
    "> Tu pedido 7315 est=E1 en camino.\r\n"
    "> Un saludo\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=UTF-8\r\n"
    "\r\n"
    "<p>Hola (html)</p>\r\n"
    "--b1--\r\n";

static void test_spanish_multipart_qp(void **state)
{
    (void)state;
    struct rs_mail m;
    char err[200];
    assert_int_equal(rs_mail_parse(spanish_reply, strlen(spanish_reply), &m, err, sizeof err), RS_OK);
    assert_string_equal(m.from_addr, "maria.lopez@example.es");
    assert_string_equal(m.from_name, "María López");
    assert_string_equal(m.subject, "Re: ¿Dónde está mi pedido?");
    assert_string_equal(m.message_id, "CAF1234.5678@mail.example.es");
    assert_string_equal(m.in_reply_to, "rastro-msg-42@tienda-sol.example.es");
    assert_string_equal(m.references, "first@tienda-sol.example.es rastro-msg-42@tienda-sol.example.es");
    assert_string_equal(m.body, "Hola, ¿dónde está mi pedido 7315? Lo pedí hace una semana y no ha llegado.\n\n"
                                "Gracias,\nMaría");
    assert_int_equal(m.body_len, strlen(m.body));
    assert_true(m.quote_cut);
    assert_false(m.from_html);
    assert_false(m.truncated);
    rs_mail_release(&m);
}

static const char html_only[] =
    "From: ana@example.com\n"
    "Subject: =?utf-8?B?bm8gbWUgaGEgbGxlZ2Fkbw==?=\n"
    "Message-ID: <h1@example.com>\n"
    "Content-Type: text/html; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "PGh0bWw+PGhlYWQ+PHN0eWxlPnB7Y29sb3I6cmVkfTwvc3R5bGU+PHNjcmlwdD5hbGVydCgxKTwv\n"
    "c2NyaXB0PjwvaGVhZD48Ym9keT48cD5Ib2xhLDwvcD48cD5ubyBtZSBoYSBsbGVnYWRvIDxiPm5h\n"
    "ZGE8L2I+ICZhbXA7IGVzdG95IHByZW9jdXBhZGEuPC9wPjxkaXY+UGVkaWRvJm5ic3A7NzMxNTwv\n"
    "ZGl2PjxkaXYgY2xhc3M9ImdtYWlsX3F1b3RlIj5FbCBsdW4gZXNjcmliacOzOjxibG9ja3F1b3Rl\n"
    "PlR1IHBlZGlkbyBlc3TDoSBlbiBjYW1pbm88L2Jsb2NrcXVvdGU+PC9kaXY+PC9ib2R5PjwvaHRt\n"
    "bD4=\n";

static void test_html_only_base64(void **state)
{
    (void)state;
    struct rs_mail m;
    char err[200];
    assert_int_equal(rs_mail_parse(html_only, strlen(html_only), &m, err, sizeof err), RS_OK);
    assert_string_equal(m.subject, "no me ha llegado");
    assert_true(m.from_html);
    assert_true(m.quote_cut);
    /* no script or style text, entities decoded, the Gmail quote gone */
    assert_string_equal(m.body, "Hola,\nno me ha llegado nada & estoy preocupada.\nPedido\xc2\xa0" "7315");
    assert_null(m.in_reply_to);
    rs_mail_release(&m);
}

static void test_multipart_mixed_base64_and_attachment(void **state)
{
    (void)state;
    const char *raw = "From: \"Joe\" <joe@example.org>\n"
                      "Subject: where's my package\n"
                      "Content-Type: multipart/mixed; boundary=XX\n\n"
                      "--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.txt\n"
                      "Content-Transfer-Encoding: base64\n\nJVBERi0=\n"
                      "--XX\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                      "R3JhY2lhcywgwr9jdcOhbmRvIGxsZWdhPwo=\n"
                      "--XX--\n";
    struct rs_mail m;
    char err[200];
    assert_int_equal(rs_mail_parse(raw, strlen(raw), &m, err, sizeof err), RS_OK);
    assert_string_equal(m.body, "Gracias, ¿cuándo llega?");
    assert_string_equal(m.from_name, "Joe");
    assert_null(m.message_id);
    rs_mail_release(&m);
}

static void test_refusals(void **state)
{
    (void)state;
    struct rs_mail m;
    char err[200];
    const char *nofrom = "Subject: hola\n\nhola\n";
    assert_int_equal(rs_mail_parse(nofrom, strlen(nofrom), &m, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "From"));
    rs_mail_release(&m);
    const char *notext = "From: a@example.com\nContent-Type: application/octet-stream\n\n\x01\x02\x03\n";
    assert_int_equal(rs_mail_parse(notext, strlen(notext), &m, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "no text"));
    rs_mail_release(&m);
    const char *garbage = "\xff\xfe\x00\x01garbage";
    assert_int_equal(rs_mail_parse(garbage, 10, &m, err, sizeof err), RS_EINVAL);
    rs_mail_release(&m);
    assert_int_equal(rs_mail_parse("", 0, &m, err, sizeof err), RS_EINVAL);
    rs_mail_release(&m);
    /* only a subject: that is the message */
    const char *subj = "From: a@example.com\nSubject: =?utf-8?Q?=C2=BFcu=C3=A1ndo_llega=3F?=\n\n\n";
    assert_int_equal(rs_mail_parse(subj, strlen(subj), &m, err, sizeof err), RS_OK);
    assert_string_equal(m.body, "¿cuándo llega?");
    rs_mail_release(&m);
    /* invalid UTF-8 in a part labelled UTF-8 never comes out as invalid text (GMime's
     * conversion drops the bad byte) */
    const char *bad = "From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\nhola \xc3\x28 x\n";
    assert_int_equal(rs_mail_parse(bad, strlen(bad), &m, err, sizeof err), RS_OK);
    assert_string_equal(m.body, "hola ( x");
    rs_mail_release(&m);
}

static void test_long_body_truncated(void **state)
{
    (void)state;
    size_t n = RS_MAIL_MAX_BODY + 500;
    char *raw = malloc(n + 200);
    assert_non_null(raw);
    int h = snprintf(raw, 200, "From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n");
    for (size_t i = 0; i + 1 < n; i += 2)
        memcpy(raw + h + i, "\xc3\xb1", 2); /* ñ */
    raw[h + n - 1] = '\0';
    struct rs_mail m;
    char err[200];
    assert_int_equal(rs_mail_parse(raw, strlen(raw), &m, err, sizeof err), RS_OK);
    assert_true(m.truncated);
    assert_true(m.body_len <= RS_MAIL_MAX_BODY);
    assert_int_equal(m.body_len % 2, 0); /* cut at a character boundary */
    rs_mail_release(&m);
    free(raw);
}

static void check_strip(const char *in, const char *want, bool cut)
{
    char *t = strdup(in);
    assert_int_equal(rs_mail_strip_quotes(t), cut);
    assert_string_equal(t, want);
    free(t);
}

static void test_strip_quotes(void **state)
{
    (void)state;
    check_strip("Where is it?\n\nOn Mon, Nov 3, 2025 at 10:00 AM Shop <a@b.c> wrote:\n> Your order\n", "Where is it?",
                true);
    check_strip("Sigue sin llegar\n\nEl lun., 3 nov. 2025 10:00, Tienda <a@b.c> escribió:\n\n> Tu pedido\n",
                "Sigue sin llegar", true);
    check_strip("Ok\n-- \nMaría\nTel 600\n", "Ok", true);
    check_strip("Vale\n\n-----Mensaje original-----\nDe: Tienda\nPara: yo\n", "Vale", true);
    check_strip("Fine\n________________________________\nFrom: Shop\nSent: Monday\n", "Fine", true);
    /* bottom-posting: the attribution first, the answer below the quote */
    check_strip("On Mon, Shop wrote:\n> Your order shipped\n\nIt did not arrive.\n", "\nIt did not arrive.", true);
    /* a line that only mentions writing is not an attribution */
    check_strip("I wrote: where is my order\nEl pedido no llega\n", "I wrote: where is my order\nEl pedido no llega",
                false);
}

static void test_sign_matches_verifier(void **state)
{
    (void)state;
    const char *body = "{\"from\":\"a@example.com\",\"body\":\"¿dónde?\"}";
    char sig[45];
    assert_true(rs_sig_sign_b64("mail-secret-123", body, strlen(body), sig));
    assert_int_equal(strlen(sig), 44);
    assert_true(rs_sig_shopify("mail-secret-123", body, strlen(body), sig));
    assert_false(rs_sig_shopify("other-secret", body, strlen(body), sig));
    assert_false(rs_sig_sign_b64("", body, strlen(body), sig));
}

/* Our own notification e-mails (rs_email_build) with long subjects and display names: every
 * header line within RFC 5322's 78, every encoded-word within RFC 2047's 75, and GMime (the
 * reader above, independent of the builder) gives back the exact subject and sender's name. */
static void build_and_read(const char *from, const char *to_name, const char *subject, const char *want_from_name)
{
    struct rs_notify_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.email_from = from;
    struct rs_rendered r;
    memset(&r, 0, sizeof r);
    r.part[RS_TPART_EMAIL_SUBJECT] = subject;
    r.part[RS_TPART_EMAIL_TEXT] = "Hola";
    r.part[RS_TPART_EMAIL_HTML] = "<p>Hola</p>";
    struct rs_msg m = {.cfg = &cfg, .to_email = "lucia.fernandez-garcia@example.es", .to_name = to_name, .lang = "es",
                       .r = &r, .now = 1764158747, .outbox_id = 7};
    char *out = NULL, mid[128];
    size_t len = 0;
    assert_int_equal(rs_email_build(&m, &out, &len, mid), RS_OK);
    const char *hdr_end = strstr(out, "\r\n\r\n");
    assert_non_null(hdr_end);
    for (const char *line = out; line < hdr_end;) {
        const char *eol = strstr(line, "\r\n");
        assert_non_null(eol);
        if (eol - line > 78)
            fail_msg("header line of %d characters: %.*s", (int)(eol - line), (int)(eol - line), line);
        assert_false(eol > line && strspn(line, " \t") == (size_t)(eol - line)); /* no blank folded line */
        for (const char *w = line; (w = strstr(w, "=?")) && w < eol; w += 2) {
            const char *e = strstr(w + 2, "?=");
            /* "=?UTF-8?Q?" then the text up to "?=" */
            assert_true(e && e < eol && e + 2 - w <= 75);
            w = e;
        }
        line = eol + 2;
    }
    struct rs_mail mail;
    char err[128] = "";
    assert_int_equal(rs_mail_parse(out, len, &mail, err, sizeof err), RS_OK);
    assert_string_equal(mail.subject, subject);
    if (want_from_name)
        assert_string_equal(mail.from_name, want_from_name);
    rs_mail_release(&mail);
    free(out);
}

static void test_built_mail_folds_long_headers(void **state)
{
    (void)state;
    /* Spanish, accented, long: several encoded-words, no character split between two */
    build_and_read("Tienda Sol <avisos@tienda-sol.example.es>", "Lucía Fernández",
                   "Tu pedido 7315 de Tienda Sol ya está en camino con Correos Express: llegará entre el "
                   "miércoles 25 y el viernes 27 de noviembre (te avisaremos si algo cambia)",
                   "Tienda Sol");
    /* every byte of a 2-, 3- and 4-byte character at each possible cut point */
    char s[400] = "x";
    for (int i = 0; i < 7; i++) {
        build_and_read("Sol <a@b.es>", "Ana", s, NULL);
        strcat(s, " ñandú € 📦 áéí");
    }
    build_and_read("Sol <a@b.es>", "Ana", s, NULL);
    /* plain ASCII over 78: folded at spaces, unfolded back */
    build_and_read("Tienda Sol <avisos@tienda-sol.example.es>", "Ann Lee",
                   "Your order 7315 from Tienda Sol is on its way with Correos Express and should arrive "
                   "between Wednesday 25 and Friday 27 November; we will tell you if anything changes",
                   "Tienda Sol");
    /* one ASCII word longer than a line, and text that reads like an encoded-word */
    build_and_read("Sol <a@b.es>", "Ann",
                   "Track: https://track.tienda-sol.example.es/t/RX-5JRV-EEXR-1NGE2?utm_source=email&utm_medium=x",
                   NULL);
    build_and_read("Sol <a@b.es>", "Ann", "Code =?UTF-8?Q?x?= and under_score? = ok", NULL);
    /* long display names: an accented one, an ASCII one with specials, a plain ASCII one */
    build_and_read("Tienda Sol — Moda Sostenible y Complementos Artesanos de Andalucía, S.L. "
                   "<avisos@tienda-sol.example.es>",
                   "María de las Mercedes Fernández-Villaverde y Martínez de la Rosa", "Tu pedido",
                   "Tienda Sol — Moda Sostenible y Complementos Artesanos de Andalucía, S.L.");
    build_and_read("Tienda Sol, Moda Sostenible y Complementos Artesanos (Sevilla) S.L. <avisos@tienda-sol.example.es>",
                   "Ann", "Your order", "Tienda Sol, Moda Sostenible y Complementos Artesanos (Sevilla) S.L.");
    build_and_read("Tienda Sol Moda Sostenible y Complementos Artesanos de Sevilla y Cadiz <avisos@tienda-sol.example.es>",
                   "Ann", "Your order", "Tienda Sol Moda Sostenible y Complementos Artesanos de Sevilla y Cadiz");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spanish_multipart_qp),
        cmocka_unit_test(test_html_only_base64),
        cmocka_unit_test(test_multipart_mixed_base64_and_attachment),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_long_body_truncated),
        cmocka_unit_test(test_strip_quotes),
        cmocka_unit_test(test_sign_matches_verifier),
        cmocka_unit_test(test_built_mail_folds_long_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
