/* test_notify_tpl.c — the template engine and the built-in es/en templates: every trigger ×
 * channel renders in both languages with nothing unresolved, HTML escapes, overrides are
 * validated with line numbers, plain-word causes exist for every exception, render speed. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_templates.h"
#include "core/sms.h"
#include "core/tpl.h"
#include "util/timefmt.h"

static struct rs_tplset *es, *en;

static const char *full_vars[RS_TV__COUNT] = {
    [RS_TV_FIRST_NAME] = "Lucía",
    [RS_TV_MERCHANT_NAME] = "Tienda Olivo",
    [RS_TV_ORDER_REF] = "#1042",
    [RS_TV_TRACKING_CODE] = "RX-7K4Q-9PZD",
    [RS_TV_TRACKING_URL] = "https://track.example/t/RX-7K4Q-9PZD",
    [RS_TV_CARRIER] = "Correos Express",
    [RS_TV_TRACKING_NUMBER] = "3230001234567",
    [RS_TV_PROMISE_TEXT] = "entre el martes 24 y el jueves 26 de noviembre",
    [RS_TV_PREVIOUS_PROMISE_TEXT] = "el lunes 23 de noviembre",
    [RS_TV_ETA_TEXT] = "entre las 10:00 y las 12:00",
    [RS_TV_PICKUP_POINT] = "Papelería Sol",
    [RS_TV_PICKUP_ADDRESS] = "Calle Mayor 3, Madrid",
    [RS_TV_PICKUP_DEADLINE] = "jueves 26 de noviembre",
    [RS_TV_COUPON_CODE] = "PERDON10",
    [RS_TV_COUPON_VALUE] = "10 %",
    [RS_TV_COUPON_EXPIRY] = "jueves 31 de diciembre",
    [RS_TV_UNSUBSCRIBE_URL] = "https://track.example/u/abc",
    [RS_TV_SUPPORT_URL] = "https://olivo.example/ayuda",
    [RS_TV_QUIET_DAYS] = "5",
    [RS_TV_QUIET_DAYS_TEXT] = "5 días",
    [RS_TV_LAST_EVENT_TEXT] = "sábado 21 de noviembre",
};

/* The status each trigger is usually about. */
static struct rs_render_ctx ctx_for(enum rs_trigger t)
{
    static const struct rs_render_ctx c[RS_TRIG__COUNT] = {
        [RS_TRIG_ORDER_CONFIRMED] = {RS_STATUS_PENDING, RS_SUB_NONE},
        [RS_TRIG_SHIPPED] = {RS_STATUS_IN_TRANSIT, RS_SUB_PICKED_UP},
        [RS_TRIG_OUT_FOR_DELIVERY] = {RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_NONE},
        [RS_TRIG_COURIER_NEARBY] = {RS_STATUS_OUT_FOR_DELIVERY, RS_SUB_COURIER_NEARBY},
        [RS_TRIG_ATTEMPT_FAILED] = {RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT},
        [RS_TRIG_AVAILABLE_FOR_PICKUP] = {RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_AT_PICKUP_POINT},
        [RS_TRIG_DELIVERED] = {RS_STATUS_DELIVERED, RS_SUB_TO_NEIGHBOUR},
        [RS_TRIG_EXCEPTION] = {RS_STATUS_EXCEPTION, RS_SUB_CUSTOMS_HOLD},
        [RS_TRIG_PROMISE_SLIPPED] = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE},
        [RS_TRIG_PROMISE_BREACHED] = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE},
        [RS_TRIG_COMPENSATION] = {RS_STATUS_DELIVERED, RS_SUB_NONE},
    };
    return c[t];
}

static void assert_clean(const char *s, const char *what)
{
    if (!s || !*s)
        fail_msg("%s: empty", what);
    if (strstr(s, "{{") || strstr(s, "}}"))
        fail_msg("%s: unresolved tag in: %s", what, s);
}

static void test_every_trigger_channel(void **state)
{
    (void)state;
    static char buf[32768];
    const struct rs_tplset *sets[2] = {es, en};
    int rendered = 0;
    for (int l = 0; l < 2; l++)
        for (int t = 0; t < RS_TRIG__COUNT; t++)
            for (int c = 0; c < RS_CH__COUNT; c++) {
                struct rs_render_ctx ctx = ctx_for((enum rs_trigger)t);
                struct rs_rendered r;
                assert_int_equal(rs_notify_render(sets[l], (enum rs_trigger)t, (enum rs_channel)c,
                                                  &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
                char what[96];
                for (int p = 0; p < RS_TPART__COUNT; p++) {
                    bool has = rs_tpart_channel((enum rs_tpart)p) == (enum rs_channel)c;
                    snprintf(what, sizeof what, "%s %s.%s.%s", sets[l]->lang,
                             rs_trigger_name((enum rs_trigger)t), rs_channel_name((enum rs_channel)c),
                             rs_tpart_name((enum rs_tpart)p));
                    if (!has) {
                        assert_null(r.part[p]);
                        continue;
                    }
                    assert_clean(r.part[p], what);
                    rendered++;
                }
                if (c == RS_CH_EMAIL) {
                    assert_non_null(strstr(r.part[RS_TPART_EMAIL_HTML], "<!doctype html>"));
                    assert_non_null(strstr(r.part[RS_TPART_EMAIL_HTML], "#1042"));
                    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "https://track.example/u/abc"));
                    assert_null(strchr(r.part[RS_TPART_EMAIL_SUBJECT], '\n'));
                }
                if (c == RS_CH_SMS) {
                    struct rs_sms_info si;
                    const char *s = r.part[RS_TPART_SMS_TEXT];
                    assert_int_equal(rs_sms_analyze(s, strlen(s), &si), RS_OK);
                    if (si.segments > 4)
                        fail_msg("%s sms too long (%d parts): %s", sets[l]->lang, si.segments, s);
                }
                if (c == RS_CH_WHATSAPP) {
                    assert_true(r.n_wa_params >= 3);
                    for (int k = 0; k < r.n_wa_params; k++)
                        assert_clean(r.wa_params[k], "whatsapp param");
                    assert_string_equal(r.wa_language, sets[l]->lang);
                }
            }
    assert_int_equal(rendered, 2 * RS_TRIG__COUNT * 9);
}

/* The built-in SMS texts stay in GSM-7 in both languages when the data has no á í ó ú: one of
 * those letters in the fixed wording would make every message UCS-2 (70 characters a part
 * instead of 160), and the merchant would pay two or three SMS for one. */
static void test_sms_gsm7(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT];
    memcpy(vars, full_vars, sizeof vars);
    vars[RS_TV_FIRST_NAME] = "Lucia";
    vars[RS_TV_PICKUP_POINT] = "Papeleria Sol";
    vars[RS_TV_QUIET_DAYS_TEXT] = "5 days";
    static const enum rs_trigger gsm[] = {RS_TRIG_ORDER_CONFIRMED, RS_TRIG_SHIPPED, RS_TRIG_OUT_FOR_DELIVERY,
                                          RS_TRIG_COURIER_NEARBY, RS_TRIG_AVAILABLE_FOR_PICKUP,
                                          RS_TRIG_PROMISE_SLIPPED, RS_TRIG_PROMISE_BREACHED,
                                          RS_TRIG_COMPENSATION};
    const struct rs_tplset *sets[2] = {es, en};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < sizeof gsm / sizeof gsm[0]; i++) {
            struct rs_render_ctx ctx = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE};
            struct rs_rendered r;
            assert_int_equal(rs_notify_render(sets[l], gsm[i], RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
            const char *t = r.part[RS_TPART_SMS_TEXT];
            struct rs_sms_info si;
            assert_int_equal(rs_sms_analyze(t, strlen(t), &si), RS_OK);
            if (si.encoding != RS_SMS_GSM7)
                fail_msg("%s %s.sms is UCS-2 (%d parts): %s", sets[l]->lang, rs_trigger_name(gsm[i]), si.segments, t);
        }
}

/* Every built-in SMS fits one part (GSM-7, at most 160 characters) in both languages with
 * realistic long values: a two-word shop name, a six-digit order number, a tracking link on the
 * shop's own domain, the longest day window ("miércoles"), every sub-status of a failed attempt
 * and of an exception. A text that runs over, or one "días" or "envío" in the fixed wording,
 * would bill the merchant two or three SMS for one. Only data can still make it UCS-2 (a name
 * with á í ó ú; a "sábado" the app leaves out of an SMS, rs_app_notify_sms_date, notify.sh);
 * the Spanish stall SMS says "desde hace tiempo" instead of the
 * count of days for that reason ("5 días" would be UCS-2: 3 parts), the count is on the page. */
static void test_sms_one_part(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars_es[RS_TV__COUNT] = {
        [RS_TV_FIRST_NAME] = "Lucia",
        [RS_TV_MERCHANT_NAME] = "Zapateria Olivo",
        [RS_TV_ORDER_REF] = "#100482",
        [RS_TV_TRACKING_CODE] = "RX-7K4Q-9PZD",
        [RS_TV_TRACKING_URL] = "https://track.zapateriaolivo.es/t/RX-7K4Q-9PZD",
        [RS_TV_CARRIER] = "Correos Express",
        [RS_TV_TRACKING_NUMBER] = "3230001234567",
        [RS_TV_PROMISE_TEXT] = "entre el miércoles 25 y el viernes 27 de noviembre",
        [RS_TV_PREVIOUS_PROMISE_TEXT] = "entre el lunes 23 y el martes 24 de noviembre",
        [RS_TV_ETA_TEXT] = "entre las 10:00 y las 14:00",
        [RS_TV_PICKUP_POINT] = "Kiosko Gran Via 12",
        [RS_TV_PICKUP_DEADLINE] = "miércoles 2 de diciembre",
        [RS_TV_COUPON_CODE] = "SORRY-7K4Q-9PZD",
        [RS_TV_COUPON_VALUE] = "15,00 €",
        [RS_TV_COUPON_EXPIRY] = "miércoles 30 de diciembre",
        [RS_TV_QUIET_DAYS] = "12",
        [RS_TV_QUIET_DAYS_TEXT] = "12 días",
        [RS_TV_LAST_EVENT_TEXT] = "miércoles 18 de noviembre",
    };
    const char *vars_en[RS_TV__COUNT];
    memcpy(vars_en, vars_es, sizeof vars_en);
    vars_en[RS_TV_PROMISE_TEXT] = "between Wednesday 25 and Friday 27 November";
    vars_en[RS_TV_PREVIOUS_PROMISE_TEXT] = "between Monday 23 and Tuesday 24 November";
    vars_en[RS_TV_ETA_TEXT] = "between 10:00 and 14:00";
    vars_en[RS_TV_PICKUP_DEADLINE] = "Wednesday 2 December";
    vars_en[RS_TV_COUPON_VALUE] = "€15.00";
    vars_en[RS_TV_COUPON_EXPIRY] = "Wednesday 30 December";
    vars_en[RS_TV_QUIET_DAYS_TEXT] = "12 days";
    vars_en[RS_TV_LAST_EVENT_TEXT] = "Wednesday 18 November";
    static const enum rs_substatus attempt_subs[] = {RS_SUB_NONE, RS_SUB_RECIPIENT_ABSENT, RS_SUB_ADDRESS_ISSUE,
                                                     RS_SUB_BUSINESS_CLOSED};
    static const enum rs_substatus exc_subs[] = {RS_SUB_NONE, RS_SUB_CUSTOMS_HOLD, RS_SUB_WEATHER,
                                                 RS_SUB_ADDRESS_ISSUE, RS_SUB_DAMAGED, RS_SUB_LOST,
                                                 RS_SUB_DELAYED, RS_SUB_REFUSED, RS_SUB_HELD_BY_CARRIER};
    const struct rs_tplset *sets[2] = {es, en};
    int checked = 0, bad = 0;
    for (int l = 0; l < 2; l++)
        for (int t = 0; t < RS_TRIG__COUNT; t++) {
            const enum rs_substatus *subs = NULL;
            size_t n_subs = 1;
            if (t == RS_TRIG_ATTEMPT_FAILED)
                subs = attempt_subs, n_subs = sizeof attempt_subs / sizeof attempt_subs[0];
            else if (t == RS_TRIG_EXCEPTION)
                subs = exc_subs, n_subs = sizeof exc_subs / sizeof exc_subs[0];
            for (size_t k = 0; k < n_subs; k++) {
                struct rs_render_ctx ctx = ctx_for((enum rs_trigger)t);
                if (subs)
                    ctx.substatus = subs[k];
                if (subs && subs[k] != RS_SUB_NONE) { /* every sub-status has its SMS words */
                    char w[256];
                    size_t wl;
                    assert_int_equal(rs_notify_phrase(sets[l], RS_PHRASE_SHORT, (int)subs[k], false, vars_es, w,
                                                      sizeof w, &wl), RS_OK);
                }
                struct rs_rendered r;
                assert_int_equal(rs_notify_render(sets[l], (enum rs_trigger)t, RS_CH_SMS, &ctx,
                                                  l ? vars_en : vars_es, buf, sizeof buf, &r), RS_OK);
                const char *txt = r.part[RS_TPART_SMS_TEXT];
                assert_clean(txt, "sms");
                struct rs_sms_info si;
                assert_int_equal(rs_sms_analyze(txt, strlen(txt), &si), RS_OK);
                if (si.encoding != RS_SMS_GSM7 || si.segments != 1) {
                    print_error("%s %s.sms (%s) is %s, %d units, %d parts: %s\n", sets[l]->lang,
                                rs_trigger_name((enum rs_trigger)t), rs_substatus_name(ctx.substatus),
                                si.encoding == RS_SMS_GSM7 ? "GSM-7" : "UCS-2", si.units, si.segments, txt);
                    bad++;
                }
                checked++;
            }
        }
    assert_int_equal(checked, 2 * (RS_TRIG__COUNT - 2 + 4 + 9));
    assert_int_equal(bad, 0);
}

/* The English WhatsApp text greets on the same line as the message ("Hi Lucía, your order…"):
 * the sentence goes on after the comma, so it does not restart with a capital ("Hi Lucía, Your
 * order", "Hello, There is a problem"), unless a name follows. */
static void test_whatsapp_greeting(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT];
    memcpy(vars, full_vars, sizeof vars);
    for (int anon = 0; anon < 2; anon++) {
        vars[RS_TV_FIRST_NAME] = anon ? NULL : "Lucía";
        const char *hi = anon ? "Hello, " : "Hi Lucía, ";
        for (int t = 0; t < RS_TRIG__COUNT; t++) {
            struct rs_render_ctx ctx = ctx_for((enum rs_trigger)t);
            struct rs_rendered r;
            assert_int_equal(rs_notify_render(en, (enum rs_trigger)t, RS_CH_WHATSAPP, &ctx, vars, buf, sizeof buf, &r),
                             RS_OK);
            const char *text = r.part[RS_TPART_WA_TEXT];
            if (strncmp(text, hi, strlen(hi)) != 0)
                fail_msg("%s.whatsapp.text does not start with '%s': %s", rs_trigger_name((enum rs_trigger)t), hi, text);
            const char *rest = text + strlen(hi);
            if (*rest >= 'A' && *rest <= 'Z' && strncmp(rest, "Tienda Olivo", 12) != 0)
                fail_msg("%s.whatsapp.text restarts with a capital after the greeting: %s",
                         rs_trigger_name((enum rs_trigger)t), text);
        }
    }
}

/* With only the required variables, optional blocks vanish and nothing is left dangling. */
static void test_minimal_vars(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT] = {
        [RS_TV_MERCHANT_NAME] = "Olivo",
        [RS_TV_ORDER_REF] = "1042",
        [RS_TV_TRACKING_URL] = "https://t.example/x",
        [RS_TV_COUPON_CODE] = "X",
        [RS_TV_COUPON_VALUE] = "5 €",
    };
    struct rs_rendered r;
    struct rs_render_ctx ctx = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE};
    assert_int_equal(rs_notify_render(es, RS_TRIG_SHIPPED, RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_SMS_TEXT],
                        "Olivo: tu pedido 1042 ya va de camino. https://t.example/x");
    assert_int_equal(rs_notify_render(en, RS_TRIG_SHIPPED, RS_CH_WHATSAPP, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_int_equal(r.n_wa_params, 5);
    assert_string_equal(r.wa_params[0], "there");
    assert_string_equal(r.wa_params[3], "soon");
    assert_string_equal(r.part[RS_TPART_WA_TEMPLATE], "rastro_shipped_v1");
    assert_int_equal(rs_notify_render(en, RS_TRIG_SHIPPED, RS_CH_EMAIL, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "Hello,\n\nYour order 1042 from Olivo is on its way."));
    assert_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "Unsubscribe"));
    assert_null(strstr(r.part[RS_TPART_EMAIL_HTML], "Tracking number"));
    /* webhook: no text */
    assert_int_equal(rs_notify_render(en, RS_TRIG_SHIPPED, RS_CH_WEBHOOK, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    for (int p = 0; p < RS_TPART__COUNT; p++)
        assert_null(r.part[p]);
    /* a buffer too small is an error, not an overflow */
    assert_int_equal(rs_notify_render(en, RS_TRIG_SHIPPED, RS_CH_EMAIL, &ctx, vars, buf, 100, &r), RS_ENOMEM);
    assert_int_equal(rs_notify_render(en, (enum rs_trigger)99, RS_CH_EMAIL, &ctx, vars, buf, sizeof buf, &r), RS_EINVAL);
}

static void test_html_escaping(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT];
    memcpy(vars, full_vars, sizeof vars);
    vars[RS_TV_MERCHANT_NAME] = "<script>alert('x')</script> & Co";
    vars[RS_TV_CARRIER] = "\"><img src=x onerror=alert(1)>";
    struct rs_render_ctx ctx = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE};
    struct rs_rendered r;
    assert_int_equal(rs_notify_render(es, RS_TRIG_SHIPPED, RS_CH_EMAIL, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    const char *html = r.part[RS_TPART_EMAIL_HTML];
    assert_null(strstr(html, "<script>"));
    assert_null(strstr(html, "<img"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"));
    assert_non_null(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    /* plain text and SMS keep the text as written */
    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "<script>alert('x')</script> & Co"));
    assert_int_equal(rs_notify_render(es, RS_TRIG_SHIPPED, RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_SMS_TEXT], "<script>alert('x')</script> & Co:"));
    /* a line break in a value cannot split a subject or a WhatsApp parameter */
    vars[RS_TV_ORDER_REF] = "1042\r\nBcc: evil@example.com";
    assert_int_equal(rs_notify_render(es, RS_TRIG_SHIPPED, RS_CH_EMAIL, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_EMAIL_SUBJECT], "Tu pedido 1042 Bcc: evil@example.com ya está en camino");
    assert_int_equal(rs_notify_render(es, RS_TRIG_SHIPPED, RS_CH_WHATSAPP, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_int_equal(r.n_wa_params, 5);
    assert_string_equal(r.wa_params[1], "1042 Bcc: evil@example.com");
}

static void test_causes_and_next_steps(void **state)
{
    (void)state;
    static const enum rs_substatus exc[] = {RS_SUB_WEATHER, RS_SUB_CUSTOMS_HOLD, RS_SUB_ADDRESS_ISSUE,
                                            RS_SUB_DAMAGED, RS_SUB_LOST, RS_SUB_DELAYED,
                                            RS_SUB_REFUSED, RS_SUB_HELD_BY_CARRIER};
    static const enum rs_substatus att[] = {RS_SUB_RECIPIENT_ABSENT, RS_SUB_ADDRESS_ISSUE,
                                            RS_SUB_BUSINESS_CLOSED};
    char a[512], b[512];
    size_t n;
    const struct rs_tplset *sets[2] = {es, en};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < sizeof exc / sizeof exc[0]; i++) {
            assert_int_equal(rs_notify_phrase(sets[l], RS_PHRASE_CAUSE, exc[i], false, full_vars, a, sizeof a, &n), RS_OK);
            assert_true(n > 10);
            assert_int_equal(rs_notify_phrase(sets[l], RS_PHRASE_ACTION, exc[i], false, full_vars, b, sizeof b, &n), RS_OK);
            assert_true(n > 10);
            assert_string_not_equal(a, b);
        }
        for (size_t i = 0; i < sizeof att / sizeof att[0]; i++) {
            assert_int_equal(rs_notify_phrase(sets[l], RS_PHRASE_CAUSE, att[i], false, full_vars, a, sizeof a, &n), RS_OK);
            assert_int_equal(rs_notify_phrase(sets[l], RS_PHRASE_NEXT, att[i], false, full_vars, b, sizeof b, &n), RS_OK);
            assert_non_null(strstr(b, full_vars[RS_TV_TRACKING_URL]));
        }
        for (int s = 1; s < RS_STATUS__COUNT; s++)
            assert_int_equal(rs_notify_phrase(sets[l], RS_PHRASE_STATUS, s, false, full_vars, a, sizeof a, &n), RS_OK);
    }
    /* customs: what to do if duties or a document are asked for, in both languages; not an order
     * to pay (a plain clearance delay, AfterShip Exception_004, owes nothing) */
    static char buf[32768];
    struct rs_rendered r;
    struct rs_render_ctx ctx = {RS_STATUS_EXCEPTION, RS_SUB_CUSTOMS_HOLD};
    assert_int_equal(rs_notify_render(es, RS_TRIG_EXCEPTION, RS_CH_SMS, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_SMS_TEXT], "aduana"));
    assert_non_null(strstr(r.part[RS_TPART_SMS_TEXT], "si te piden aranceles"));
    assert_null(strstr(r.part[RS_TPART_SMS_TEXT], "paga los aranceles"));
    assert_int_equal(rs_notify_render(es, RS_TRIG_EXCEPTION, RS_CH_EMAIL, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "Si no te piden nada, no tienes que hacer nada"));
    assert_int_equal(rs_notify_render(en, RS_TRIG_EXCEPTION, RS_CH_PUSH, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_PUSH_BODY], "import duties"));
    assert_null(strstr(r.part[RS_TPART_PUSH_BODY], "until the import duties are paid"));
    /* an exception without sub-status falls back to the default explanation */
    ctx.substatus = RS_SUB_NONE;
    assert_int_equal(rs_notify_render(en, RS_TRIG_EXCEPTION, RS_CH_SMS, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_SMS_TEXT], "Something went wrong"));
    /* attempt failed, recipient absent: cause + next step */
    ctx = (struct rs_render_ctx){RS_STATUS_ATTEMPT_FAILED, RS_SUB_RECIPIENT_ABSENT};
    assert_int_equal(rs_notify_render(es, RS_TRIG_ATTEMPT_FAILED, RS_CH_EMAIL, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "No había nadie para recibirlo. Lo volverán a intentar"));
    /* delivered to a neighbour: the detail phrase */
    ctx = (struct rs_render_ctx){RS_STATUS_DELIVERED, RS_SUB_TO_NEIGHBOUR};
    assert_int_equal(rs_notify_render(en, RS_TRIG_DELIVERED, RS_CH_SMS, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_SMS_TEXT], "A neighbour took it in."));
}

static void test_overrides(void **state)
{
    (void)state;
    static struct rs_tplset set;
    struct rs_tpl_error err;
    static char buf[32768];
    struct rs_rendered r;
    struct rs_render_ctx ctx = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE};
    const char *ok = "# Olivo's own words\n\n=== shipped.sms.text\n¡{{first_name}}, tu pedido vuela! {{tracking_url}}\n\n";
    assert_int_equal(rs_notify_templates_load(&set, "es-MX", ok, strlen(ok), &err), RS_OK);
    assert_int_equal(rs_notify_render(&set, RS_TRIG_SHIPPED, RS_CH_SMS, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_SMS_TEXT], "¡Lucía, tu pedido vuela! https://track.example/t/RX-7K4Q-9PZD");
    /* other templates are still the built-in ones */
    assert_int_equal(rs_notify_render(&set, RS_TRIG_SHIPPED, RS_CH_PUSH, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_PUSH_TITLE], "Tu pedido está en camino");

    struct {
        const char *text;
        int line;
        const char *needle;
    } bad[] = {
        {"=== shipped.sms.text\nHola {{frist_name}}\n", 2, "unknown variable 'frist_name'"},
        {"=== shipped.sms.text\nuno\n=== shipped.email.text\na\n{{#coupon_code}}\nb\n", 5,
         "section 'coupon_code' is opened here and never closed"},
        {"=== shipped.sms.text\n{{#carrier}}x{{/coupon_code}}\n", 2, "does not match"},
        {"=== shipped.sms.text\nx {{/carrier}}\n", 2, "never opened"},
        {"=== shipped.sms.text\n\n\nHola {{first_name\n", 4, "never closed with '}}'"},
        {"=== shipped.fax.text\nx\n", 1, "unknown channel in section 'shipped.fax.text'"},
        {"=== shiped.sms.text\nx\n", 1, "unknown trigger"},
        {"=== shipped.webhook.text\nx\n", 1, "webhooks"},
        {"=== shipped.sms.subject\nx\n", 1, "unknown part"},
        {"=== shipped.sms.text\n\n", 1, "is empty"},
        {"hello\n=== shipped.sms.text\nx\n", 1, "outside any section"},
        {"=== shipped.email.html\n{{{merchant_name}}}\n", 2, "not supported"},
        {"=== shipped.email.html\n{{> content}}\n", 2, "only allowed in layouts"},
        {"=== cause.sunny\nx\n", 1, "unknown sub-status"},
        {"=== status.flying\nx\n", 1, "unknown status"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rs_tplset *s = malloc(sizeof *s);
        assert_int_equal(rs_notify_templates_load(s, "en", bad[i].text, strlen(bad[i].text), &err), RS_EINVAL);
        if (err.line != bad[i].line || !strstr(err.msg, bad[i].needle))
            fail_msg("case %zu: got line %d '%s', want line %d '%s'", i, err.line, err.msg,
                     bad[i].line, bad[i].needle);
        /* all or nothing: the set still renders the built-in text */
        assert_int_equal(rs_notify_render(s, RS_TRIG_SHIPPED, RS_CH_SMS, &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
        assert_non_null(strstr(r.part[RS_TPART_SMS_TEXT], "is on its way"));
        free(s);
    }
}

static void test_engine(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "b"};
    struct rs_tpl_op ops[32];
    struct rs_tpl t;
    struct rs_tpl_error err;
    char out[128];
    size_t n;
    const char *src = "x\n{{#a}}\nA={{a}}\n{{/a}}\n{{^b}}\nno b\n{{/b}}\n{{! note }}\nend";
    assert_int_equal(rs_tpl_compile(src, strlen(src), 1, names, 2, 0, ops, 32, &t, &err), RS_OK);
    const char *v1[] = {"1", NULL};
    assert_int_equal(rs_tpl_render(&t, v1, RS_TPL_PLAIN, NULL, out, sizeof out, &n), RS_OK);
    assert_string_equal(out, "x\nA=1\nno b\nend");
    const char *v2[] = {"", "y"};
    assert_int_equal(rs_tpl_render(&t, v2, RS_TPL_PLAIN, NULL, out, sizeof out, &n), RS_OK);
    assert_string_equal(out, "x\nend");
    /* too few ops */
    assert_int_equal(rs_tpl_compile(src, strlen(src), 1, names, 2, 0, ops, 3, &t, &err), RS_ETOOBIG);
    /* nesting limit */
    char deep[512] = "";
    for (int i = 0; i <= RS_TPL_MAX_DEPTH; i++)
        strcat(deep, "{{#a}}");
    assert_int_equal(rs_tpl_compile(deep, strlen(deep), 1, names, 2, 0, ops, 32, &t, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "nested"));
    /* truncation keeps UTF-8 whole */
    const char *u = "ñññ{{a}}";
    assert_int_equal(rs_tpl_compile(u, strlen(u), 1, names, 2, 0, ops, 32, &t, &err), RS_OK);
    assert_int_equal(rs_tpl_render(&t, v1, RS_TPL_PLAIN, NULL, out, 6, &n), RS_ENOMEM);
    assert_string_equal(out, "ññ");
}

static void test_render_speed(void **state)
{
    (void)state;
    static char buf[32768];
    struct rs_rendered r;
    const int n = 2000;
    int64_t total = 0;
    enum rs_channel chans[] = {RS_CH_EMAIL, RS_CH_SMS, RS_CH_WHATSAPP, RS_CH_PUSH};
    uint64_t t0 = rs_mono_ns();
    for (int i = 0; i < n; i++) {
        enum rs_trigger t = (enum rs_trigger)(i % RS_TRIG__COUNT);
        struct rs_render_ctx ctx = ctx_for(t);
        assert_int_equal(rs_notify_render(i & 1 ? es : en, t, chans[i % 4], &ctx, full_vars, buf, sizeof buf, &r), RS_OK);
        total += (int64_t)strlen(r.part[chans[i % 4] == RS_CH_EMAIL ? RS_TPART_EMAIL_HTML :
                                        chans[i % 4] == RS_CH_SMS ? RS_TPART_SMS_TEXT :
                                        chans[i % 4] == RS_CH_WHATSAPP ? RS_TPART_WA_TEXT : RS_TPART_PUSH_BODY]);
    }
    double us = (double)(rs_mono_ns() - t0) / 1e3 / n;
    printf("render: %.2f us per notification (this build), %lld bytes\n", us, (long long)total);
    /* the target is 20 us in the optimised build; sanitizers cost up to ~10x */
    assert_true(us < 200.0);
}

static int setup(void **state)
{
    (void)state;
    struct rs_tpl_error err;
    es = malloc(sizeof *es);
    en = malloc(sizeof *en);
    if (rs_notify_templates_load(es, "es", NULL, 0, &err) != RS_OK ||
        rs_notify_templates_load(en, "en-GB", NULL, 0, &err) != RS_OK) {
        fprintf(stderr, "built-in templates: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(es);
    free(en);
    return 0;
}

/* The stall notice says, in plain words and in both languages, how long the carrier has been
 * silent, since which day, that we are on it and what the customer can do. */
static void test_stalled(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT] = {
        [RS_TV_MERCHANT_NAME] = "Olivo",
        [RS_TV_ORDER_REF] = "1042",
        [RS_TV_TRACKING_URL] = "https://t.example/x",
        [RS_TV_CARRIER] = "SEUR",
        [RS_TV_QUIET_DAYS] = "5",
        [RS_TV_QUIET_DAYS_TEXT] = "5 días",
        [RS_TV_LAST_EVENT_TEXT] = "sábado 21 de noviembre",
    };
    struct rs_rendered r;
    struct rs_render_ctx ctx = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE};
    assert_int_equal(rs_notify_render(es, RS_TRIG_STALLED, RS_CH_EMAIL, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_EMAIL_SUBJECT], "Tu pedido 1042: sin noticias del transportista desde hace 5 días");
    const char *t = r.part[RS_TPART_EMAIL_TEXT];
    assert_non_null(strstr(t, "Hace 5 días que no tenemos noticias de SEUR sobre tu pedido 1042 (el último escaneo fue el sábado 21 de noviembre)"));
    assert_non_null(strstr(t, "te avisaremos en cuanto se mueva"));
    assert_non_null(strstr(t, "No tienes que hacer nada"));
    assert_non_null(strstr(t, "responde a este mensaje")); /* no support_url */
    assert_int_equal(rs_notify_render(es, RS_TRIG_STALLED, RS_CH_WHATSAPP, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_WA_TEMPLATE], "rastro_stalled_v1");
    assert_int_equal(r.n_wa_params, 4);
    assert_string_equal(r.wa_params[0], "cliente");
    assert_string_equal(r.wa_params[2], "5 días");
    vars[RS_TV_QUIET_DAYS_TEXT] = "1 day";
    vars[RS_TV_LAST_EVENT_TEXT] = "Saturday 21 November";
    vars[RS_TV_CARRIER] = NULL;
    assert_int_equal(rs_notify_render(en, RS_TRIG_STALLED, RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_SMS_TEXT], "Olivo: no news from the carrier about your order 1042 for 1 day. "
                                                   "We are following it up. https://t.example/x");
    struct rs_sms_info si;
    assert_int_equal(rs_sms_analyze(r.part[RS_TPART_SMS_TEXT], strlen(r.part[RS_TPART_SMS_TEXT]), &si), RS_OK);
    assert_int_equal(si.encoding, RS_SMS_GSM7);
    assert_int_equal(rs_notify_render(en, RS_TRIG_STALLED, RS_CH_PUSH, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_PUSH_TITLE], "No news about your order yet");
    assert_non_null(strstr(r.part[RS_TPART_PUSH_BODY], "no carrier scan for 1 day"));
    assert_int_equal(rs_notify_render(en, RS_TRIG_STALLED, RS_CH_EMAIL, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "We have had no news from the carrier about your order 1042 for "
                                                        "1 day (the last scan was on Saturday 21 November)"));
    assert_non_null(strstr(r.part[RS_TPART_EMAIL_TEXT], "You do not need to do anything"));
}

/* The notice of a broken promise names the new date when there is one on every channel that
 * says anything beyond "late" (the short ones too: the SMS is the one many customers read), in
 * both languages; without one it says we are following it up. */
static void test_breach_names_new_date(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT] = {
        [RS_TV_MERCHANT_NAME] = "Olivo",
        [RS_TV_ORDER_REF] = "1042",
        [RS_TV_TRACKING_URL] = "https://t.example/x",
        [RS_TV_PROMISE_TEXT] = "entre el martes 24 y el jueves 26 de noviembre",
        [RS_TV_PREVIOUS_PROMISE_TEXT] = "el lunes 23 de noviembre",
    };
    struct rs_render_ctx ctx = {RS_STATUS_IN_TRANSIT, RS_SUB_NONE};
    struct rs_rendered r;
    static const struct {
        enum rs_channel ch;
        int part;
    } where[] = {{RS_CH_EMAIL, RS_TPART_EMAIL_TEXT}, {RS_CH_SMS, RS_TPART_SMS_TEXT},
                 {RS_CH_WHATSAPP, RS_TPART_WA_TEXT}, {RS_CH_PUSH, RS_TPART_PUSH_BODY}};
    const struct rs_tplset *sets[2] = {es, en};
    const char *dates[2] = {"entre el martes 24 y el jueves 26 de noviembre", "between Tuesday 24 and Thursday 26 November"};
    const char *following[2] = {"siguiendo", "following it up"};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
            vars[RS_TV_PROMISE_TEXT] = dates[l];
            assert_int_equal(rs_notify_render(sets[l], RS_TRIG_PROMISE_BREACHED, where[i].ch, &ctx, vars, buf,
                                              sizeof buf, &r), RS_OK);
            if (!strstr(r.part[where[i].part], dates[l]))
                fail_msg("%s promise_breached %s does not name the new date: %s", sets[l]->lang,
                         rs_channel_name(where[i].ch), r.part[where[i].part]);
            vars[RS_TV_PROMISE_TEXT] = NULL;
            assert_int_equal(rs_notify_render(sets[l], RS_TRIG_PROMISE_BREACHED, where[i].ch, &ctx, vars, buf,
                                              sizeof buf, &r), RS_OK);
            assert_clean(r.part[where[i].part], "breach without a date");
            if (!strstr(r.part[where[i].part], following[l]))
                fail_msg("%s promise_breached %s without a date: %s", sets[l]->lang, rs_channel_name(where[i].ch),
                         r.part[where[i].part]);
        }
}

/* The pickup reminder's SMS says what happens after the deadline in the third person: "o vuelve
 * a la tienda" after "recoge …" read as a second order to the customer ("or go back to the
 * shop"); "o se devuelve" cannot, and stays one GSM-7 part with the longest values
 * (test_sms_one_part: "a la tienda" after it would not). */
static void test_pickup_reminder_sms(void **state)
{
    (void)state;
    static char buf[32768];
    const char *vars[RS_TV__COUNT] = {
        [RS_TV_MERCHANT_NAME] = "Olivo",
        [RS_TV_ORDER_REF] = "1042",
        [RS_TV_TRACKING_URL] = "https://t.example/x",
        [RS_TV_PICKUP_POINT] = "Kiosko Sol",
        [RS_TV_PICKUP_DEADLINE] = "jueves 10 de diciembre",
        [RS_TV_PICKUP_DEADLINE_TEXT] = "mañana, jueves 10 de diciembre",
    };
    struct rs_render_ctx ctx = {RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_AT_PICKUP_POINT};
    struct rs_rendered r;
    assert_int_equal(rs_notify_render(es, RS_TRIG_PICKUP_REMINDER, RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    /* sent the day before the last day: "hasta mañana, …", not "hasta el …" */
    assert_string_equal(r.part[RS_TPART_SMS_TEXT], "Olivo: recoge 1042 en Kiosko Sol hasta mañana, jueves 10 de "
                                                   "diciembre o se devuelve. https://t.example/x");
    vars[RS_TV_PICKUP_DEADLINE_TEXT] = "el jueves 10 de diciembre";
    assert_int_equal(rs_notify_render(es, RS_TRIG_PICKUP_REMINDER, RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_SMS_TEXT], "Olivo: recoge 1042 en Kiosko Sol hasta el jueves 10 de diciembre o "
                                                   "se devuelve. https://t.example/x");
    vars[RS_TV_PICKUP_DEADLINE] = "Thursday 10 December";
    vars[RS_TV_PICKUP_DEADLINE_TEXT] = "tomorrow, Thursday 10 December";
    assert_int_equal(rs_notify_render(en, RS_TRIG_PICKUP_REMINDER, RS_CH_SMS, &ctx, vars, buf, sizeof buf, &r), RS_OK);
    assert_string_equal(r.part[RS_TPART_SMS_TEXT], "Olivo: collect 1042 at Kiosko Sol by tomorrow, Thursday 10 December "
                                                   "or it goes back to the shop. https://t.example/x");
}

/* The state has one name in each language, the one the tracking page and the console use
 * ("Listo para recoger" / "Ready for pickup"): in the status phrase, the push title and the
 * e-mail subject alike. */
static void test_pickup_words(void **state)
{
    (void)state;
    static char buf[32768];
    char out[200];
    size_t n;
    struct rs_render_ctx ctx = {RS_STATUS_AVAILABLE_FOR_PICKUP, RS_SUB_AT_PICKUP_POINT};
    struct rs_rendered r;
    assert_int_equal(rs_notify_phrase(en, RS_PHRASE_STATUS, RS_STATUS_AVAILABLE_FOR_PICKUP, true, full_vars, out,
                                      sizeof out, &n),
                     RS_OK);
    assert_string_equal(out, "Ready for pickup");
    assert_int_equal(rs_notify_phrase(es, RS_PHRASE_STATUS, RS_STATUS_AVAILABLE_FOR_PICKUP, true, full_vars, out,
                                      sizeof out, &n),
                     RS_OK);
    assert_string_equal(out, "Listo para recoger");
    assert_int_equal(rs_notify_render(en, RS_TRIG_AVAILABLE_FOR_PICKUP, RS_CH_PUSH, &ctx, full_vars, buf, sizeof buf, &r),
                     RS_OK);
    assert_string_equal(r.part[RS_TPART_PUSH_TITLE], "Ready for pickup");
    assert_int_equal(rs_notify_render(es, RS_TRIG_AVAILABLE_FOR_PICKUP, RS_CH_PUSH, &ctx, full_vars, buf, sizeof buf, &r),
                     RS_OK);
    assert_string_equal(r.part[RS_TPART_PUSH_TITLE], "Listo para recoger");
    assert_int_equal(rs_notify_render(en, RS_TRIG_AVAILABLE_FOR_PICKUP, RS_CH_EMAIL, &ctx, full_vars, buf, sizeof buf, &r),
                     RS_OK);
    assert_string_equal(r.part[RS_TPART_EMAIL_SUBJECT], "Your order #1042 is ready for pickup");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_trigger_channel),
        cmocka_unit_test(test_minimal_vars),
        cmocka_unit_test(test_sms_gsm7),
        cmocka_unit_test(test_sms_one_part),
        cmocka_unit_test(test_whatsapp_greeting),
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_causes_and_next_steps),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_engine),
        cmocka_unit_test(test_render_speed),
        cmocka_unit_test(test_stalled),
        cmocka_unit_test(test_breach_names_new_date),
        cmocka_unit_test(test_pickup_reminder_sms),
        cmocka_unit_test(test_pickup_words),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
