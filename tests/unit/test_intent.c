/* test_intent.c — the support bot's intent classifier: macro-F1 on the Spanish and English
 * phrasing sets (and the held-out sets written after the rules were frozen), per-intent sanity,
 * negation, honest low confidence, entity extraction, merchant rules, malformed model files. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/intent_default.h"
#include "core/intent.h"
#include "core/trackcode.h"
#include "util/csv.h"

static const struct rs_intent_model *model(void)
{
    const struct rs_intent_model *m = rs_intent_default();
    assert_non_null(m);
    return m;
}

static enum rs_intent classify(const char *text, float *conf)
{
    struct rs_intent_result r;
    rs_intent_classify(model(), text, &r);
    if (conf)
        *conf = r.confidence;
    return r.intent;
}

/* ---- evaluation over a CSV set */

struct counts {
    long conf[RS_INTENT_COUNT][RS_INTENT_COUNT];
    long n;
};

static void eval_file(const char *path, struct counts *c)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the project root)", path);
    struct rs_csv csv;
    assert_int_equal(rs_csv_init_file(&csv, f), RS_OK);
    int header = 1;
    for (;;) {
        enum rs_err e = rs_csv_next(&csv);
        if (e == RS_ENOTFOUND)
            break;
        assert_int_equal(e, RS_OK);
        if (header) {
            header = 0;
            continue;
        }
        assert_int_equal(csv.nfields, 2);
        enum rs_intent want = rs_intent_parse(csv.fields[1]);
        assert_int_not_equal(want, RS_INTENT_INVALID);
        enum rs_intent got = classify(csv.fields[0], NULL);
        c->conf[want][got]++;
        c->n++;
    }
    rs_csv_release(&csv);
    fclose(f);
}

static double f1_of(const struct counts *c, int k, double *recall)
{
    long tp = c->conf[k][k], pred = 0, act = 0;
    for (int j = 0; j < RS_INTENT_COUNT; j++) {
        pred += c->conf[j][k];
        act += c->conf[k][j];
    }
    double p = pred ? (double)tp / (double)pred : 0, r = act ? (double)tp / (double)act : 0;
    if (recall)
        *recall = r;
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static double wismo_macro(const struct counts *c)
{
    static const enum rs_intent w[] = {RS_INTENT_WHERE_IS_ORDER, RS_INTENT_DELIVERY_DATE,
                                       RS_INTENT_NOT_RECEIVED,   RS_INTENT_CHANGE_ADDRESS,
                                       RS_INTENT_CANCEL,         RS_INTENT_REFUND_STATUS,
                                       RS_INTENT_TALK_TO_HUMAN};
    double s = 0;
    int n = 0;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        long act = 0;
        for (int j = 0; j < RS_INTENT_COUNT; j++)
            act += c->conf[w[i]][j];
        if (act) {
            s += f1_of(c, w[i], NULL);
            n++;
        }
    }
    return n ? s / n : 0;
}

static void check_set(const char *path, double min_macro, double min_recall)
{
    struct counts c;
    memset(&c, 0, sizeof c);
    eval_file(path, &c);
    assert_true(c.n >= 80);
    double m = wismo_macro(&c);
    printf("# %s: %ld messages, WISMO macro-F1 %.3f\n", path, c.n, m);
    if (m < min_macro)
        fail_msg("%s: macro-F1 %.3f < %.2f", path, m, min_macro);
    for (int k = 0; k < RS_INTENT_COUNT; k++) {
        double r;
        f1_of(&c, k, &r);
        long act = 0;
        for (int j = 0; j < RS_INTENT_COUNT; j++)
            act += c.conf[k][j];
        if (act && r < min_recall)
            fail_msg("%s: recall of %s is %.2f < %.2f", path, rs_intent_name((enum rs_intent)k),
                     r, min_recall);
    }
}

static void test_spanish_set(void **s)
{
    (void)s;
    check_set("tests/data/intents-es.csv", 0.90, 0.7);
}

static void test_english_set(void **s)
{
    (void)s;
    check_set("tests/data/intents-en.csv", 0.90, 0.7);
}

/* written after the rules were frozen; never trained on */
static void test_spanish_heldout(void **s)
{
    (void)s;
    check_set("tests/data/intents-es-heldout.csv", 0.90, 0.5);
}

static void test_english_heldout(void **s)
{
    (void)s;
    check_set("tests/data/intents-en-heldout.csv", 0.90, 0.5);
}

/* ---- single phrasings */

static void expect(const char *text, enum rs_intent want)
{
    float conf;
    enum rs_intent got = classify(text, &conf);
    if (got != want)
        fail_msg("\"%s\": got %s (%.2f), want %s", text, rs_intent_name(got), (double)conf,
                 rs_intent_name(want));
}

static void test_brief_examples(void **s)
{
    (void)s;
    expect("donde esta mi pedido", RS_INTENT_WHERE_IS_ORDER);
    expect("¿cuándo llega?", RS_INTENT_DELIVERY_DATE);
    expect("no me ha llegado nada", RS_INTENT_NOT_RECEIVED);
    expect("where's my package", RS_INTENT_WHERE_IS_ORDER);
    expect("I want to talk to a person", RS_INTENT_TALK_TO_HUMAN);
    expect("q onda con mi paquete", RS_INTENT_WHERE_IS_ORDER);
    expect("qué pasa con mi pedido", RS_INTENT_WHERE_IS_ORDER); /* not "pásame con" */
    expect("ke pasa con mi pedido", RS_INTENT_WHERE_IS_ORDER);
    expect("nesecito hablar con alguien", RS_INTENT_TALK_TO_HUMAN);
    expect("me llegó roto", RS_INTENT_DAMAGED);
    expect("¡Hola!", RS_INTENT_GREETING);
    expect("muchas gracias!!", RS_INTENT_THANKS);
    /* a whole message acknowledging the answer is thanks, not "other" or low confidence */
    expect("vale", RS_INTENT_THANKS);
    expect("Perfecto!!", RS_INTENT_THANKS);
    expect("ok", RS_INTENT_THANKS);
    expect("dale", RS_INTENT_THANKS);
    expect("ah ok", RS_INTENT_THANKS);
    expect("de acuerdo", RS_INTENT_THANKS);
    expect("got it", RS_INTENT_THANKS);
    expect("great", RS_INTENT_THANKS);
    expect("sounds good", RS_INTENT_THANKS);
    /* but not when it goes on to ask something */
    expect("vale, y cuándo llega?", RS_INTENT_DELIVERY_DATE);
    expect("ok pero no me ha llegado", RS_INTENT_NOT_RECEIVED);
    expect("perfecto, quiero hablar con una persona", RS_INTENT_TALK_TO_HUMAN);
    expect("great, where is my order?", RS_INTENT_WHERE_IS_ORDER);
}

static void test_negation(void **s)
{
    (void)s;
    expect("no ha llegado", RS_INTENT_NOT_RECEIVED);
    expect("mi pedido no ha llegado", RS_INTENT_NOT_RECEIVED);
    expect("todavía no me llega el paquete", RS_INTENT_NOT_RECEIVED);
    expect("cuando llega mi pedido", RS_INTENT_DELIVERY_DATE);
    expect("my order hasn't arrived", RS_INTENT_NOT_RECEIVED);
    expect("when will my order arrive", RS_INTENT_DELIVERY_DATE);
    expect("no me han devuelto el dinero", RS_INTENT_REFUND_STATUS);
}

static void test_typos(void **s)
{
    (void)s;
    expect("donde esta mi paqute", RS_INTENT_WHERE_IS_ORDER);
    expect("kiero kancelar mi pedio", RS_INTENT_CANCEL);
    expect("quiero cambiar la direcion de entrega", RS_INTENT_CHANGE_ADDRESS);
    expect("wher is my pakage", RS_INTENT_WHERE_IS_ORDER);
}

static void test_low_confidence(void **s)
{
    (void)s;
    float conf;
    classify("xqzv plorf wibble", &conf);
    assert_true(conf < RS_INTENT_HANDOVER);
    classify("", &conf);
    assert_true(conf < RS_INTENT_HANDOVER);
    struct rs_intent_result r;
    rs_intent_classify(model(), NULL, &r);
    float sum = 0;
    for (int c = 0; c < RS_INTENT_COUNT; c++)
        sum += r.scores[c];
    assert_true(sum > 0.99f && sum < 1.01f);
    classify("donde esta mi pedido", &conf);
    assert_true(conf >= RS_INTENT_HANDOVER);
}

static void test_names(void **s)
{
    (void)s;
    for (int i = 0; i < RS_INTENT_COUNT; i++)
        assert_int_equal(rs_intent_parse(rs_intent_name((enum rs_intent)i)), i);
    assert_int_equal(rs_intent_parse("nope"), RS_INTENT_INVALID);
    assert_int_equal(rs_intent_parse(NULL), RS_INTENT_INVALID);
    assert_string_equal(rs_intent_name(RS_INTENT_COUNT), "?");
    assert_string_equal(rs_intent_name(RS_INTENT_TALK_TO_HUMAN), "talk_to_human");
}

/* ---- entities */

static struct rs_intent_entities ent(const char *text)
{
    struct rs_intent_entities e;
    rs_intent_entities(text, &e);
    return e;
}

static void test_order_numbers(void **s)
{
    (void)s;
    assert_string_equal(ent("donde esta mi pedido 1042").order_number, "1042");
    assert_string_equal(ent("pedido #1042 no llega").order_number, "1042");
    assert_string_equal(ent("status of #1042?").order_number, "1042");
    assert_string_equal(ent("order no. A-1042 hasn't arrived").order_number, "A-1042");
    assert_string_equal(ent("mi pedido es el 55123, gracias").order_number, "55123");
    assert_string_equal(ent("Pedido nº 9981").order_number, "9981");
    assert_string_equal(ent("my order number is 123456").order_number, "123456");
    assert_string_equal(ent("no me llego el pedido").order_number, "");
    assert_string_equal(ent("tengo 2 pedidos").order_number, "");
}

static void test_tracking(void **s)
{
    (void)s;
    char code[RS_TRACKCODE_LEN], text[128];
    rs_trackcode_format(0x0123456789ABCDEull, code);
    snprintf(text, sizeof text, "donde esta %s?", code);
    assert_string_equal(ent(text).tracking_code, code);
    /* without dashes, lower case, without the prefix */
    char bare[32];
    size_t k = 0;
    for (const char *p = code + 3; *p; p++)
        if (*p != '-')
            bare[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    bare[k] = '\0';
    snprintf(text, sizeof text, "mi codigo es %s", bare);
    assert_string_equal(ent(text).tracking_code, code);
    /* with spaces between the groups */
    snprintf(text, sizeof text, "codigo RX %.4s %.4s %.5s gracias", code + 3, code + 8, code + 13);
    assert_string_equal(ent(text).tracking_code, code);
    /* one wrong character: reported as a typo, not as a code */
    char typo[RS_TRACKCODE_LEN];
    memcpy(typo, code, sizeof typo);
    typo[5] = typo[5] == 'A' ? 'B' : 'A';
    snprintf(text, sizeof text, "track %s", typo);
    struct rs_intent_entities e = ent(text);
    assert_string_equal(e.tracking_code, "");
    assert_string_equal(e.tracking_code_typo, typo);
    /* a code without a single digit (one in 130 is): found with its prefix or its groups */
    assert_string_equal(ent("¿Dónde está mi pedido RX-MEHK-HBRG-BPNEW? Hola").tracking_code, "RX-MEHK-HBRG-BPNEW");
    assert_string_equal(ent("codigo rx mnvf csaa nzqzy").tracking_code, "RX-MNVF-CSAA-NZQZY");
    assert_string_equal(ent("es RXWEHZPPEHCNSBG").tracking_code, "RX-WEHZ-PPEH-CNSBG");
    /* thirteen bare letters stay a word */
    assert_string_equal(ent("fue desafortunado").tracking_code_typo, "");
    /* carrier numbers */
    assert_string_equal(ent("UPS 1Z999AA10123456784 where").tracking_number, "1Z999AA10123456784");
    assert_string_equal(ent("correos: rr123456789es").tracking_number, "RR123456789ES");
    assert_string_equal(ent("numero de seguimiento 12345678").tracking_number, "12345678");
    assert_string_equal(ent("fedex 123456789012").tracking_number, "123456789012");
    assert_string_equal(ent("international shipping").tracking_code_typo, "");
}

static void test_email_postcode(void **s)
{
    (void)s;
    assert_string_equal(ent("mi correo es Ana.Perez+shop@Example.COM.").email,
                        "ana.perez+shop@example.com");
    assert_string_equal(ent("email: a@b").email, "");
    assert_string_equal(ent("write to x@@y.com").email, "");
    assert_string_equal(ent("cp 28013").postcode, "28013");
    assert_string_equal(ent("codigo postal: 08001").postcode, "08001");
    assert_string_equal(ent("Calle Mayor 5, 28013 Madrid").postcode, "28013");
    assert_string_equal(ent("my postcode is sw1a 1aa").postcode, "SW1A 1AA");
    assert_string_equal(ent("new address London EC1A1BB").postcode, "EC1A 1BB");
    assert_string_equal(ent("zip 10001-1234").postcode, "10001-1234");
    assert_string_equal(ent("Toronto M5V 2T6").postcode, "M5V 2T6");
    assert_string_equal(ent("CP C1425ABC Buenos Aires").postcode, "C1425ABC");
    assert_string_equal(ent("me cobraron 12000 pesos").postcode, "");
    assert_string_equal(ent("pedido 28013").postcode, "");
}

static void test_entities_json(void **s)
{
    (void)s;
    struct rs_intent_result r;
    rs_intent_classify(model(), "pedido 1042, cp 28013, mail x@y.es", &r);
    char js[512];
    assert_true(rs_intent_entities_json(&r.entities, js, sizeof js) > 0);
    assert_string_equal(js, "{\"order_number\":\"1042\",\"email\":\"x@y.es\",\"postcode\":\"28013\"}");
    rs_intent_classify(model(), "hola", &r);
    rs_intent_entities_json(&r.entities, js, sizeof js);
    assert_string_equal(js, "{}");
    rs_intent_classify(model(), "pedido 1042", &r);
    assert_int_equal(rs_intent_entities_json(&r.entities, js, 10), 0);
    assert_string_equal(js, "{}");
}

/* ---- merchant rules and model files */

static void test_merchant_rules(void **s)
{
    (void)s;
    const char *rules = "# my shop\n"
                        "where_is_order\t6\tmi cosita|cositas\n"
                        "talk_to_human\t8\treclamo\n"
                        "return\t5\t^ =rma $\n";
    struct rs_intent_model *m;
    char err[128];
    assert_int_equal(rs_intent_model_for_merchant(rules, strlen(rules), &m, err, sizeof err),
                     RS_OK);
    struct rs_intent_result r;
    rs_intent_classify(m, "y mi cosita?", &r);
    assert_int_equal(r.intent, RS_INTENT_WHERE_IS_ORDER);
    assert_int_equal(r.merchant_rule, 1);
    /* precedence: a merchant rule beats what the shipped model would say */
    rs_intent_classify(m, "quiero cancelar, pongo un reclamo", &r);
    assert_int_equal(r.intent, RS_INTENT_TALK_TO_HUMAN);
    rs_intent_classify(m, "RMA", &r);
    assert_int_equal(r.intent, RS_INTENT_RETURN);
    /* without the merchant rules, the shipped behaviour */
    rs_intent_classify(model(), "quiero cancelar, pongo un reclamo", &r);
    assert_int_equal(r.intent, RS_INTENT_CANCEL);
    assert_int_equal(r.merchant_rule, 0);
    rs_intent_model_free(m);

    const char *bad[] = {"nope\t1\tx\n",      "cancel\tx\tfoo\n", "cancel\t1\n",
                         "cancel\t1\t*\n",    "cancel\t1\ta ^\n", "cancel\t1\t$ a\n",
                         "cancel\t99\tfoo\n", "cancel\t1\t\n",    "cancel\t1\t!!|a\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(rs_intent_model_for_merchant(bad[i], strlen(bad[i]), &m, err, sizeof err),
                         RS_EINVAL);
        assert_non_null(strstr(err, "line 1"));
    }
    const char *second = "cancel\t1\tok\nbroken line\n";
    assert_int_equal(rs_intent_model_for_merchant(second, strlen(second), &m, err, sizeof err),
                     RS_EINVAL);
    assert_non_null(strstr(err, "line 2"));
}

/* a request for a person wins over any question it comes with (decisive "!" rules) */
static void test_person_request_wins(void **s)
{
    (void)s;
    const char *asks[] = {"cuando llega? con un asesor porfa",
                          "where is my parcel, I want to talk to a human",
                          "donde esta mi pedido? quiero un asesor",
                          "when will it arrive? human please",
                          "cuanto tarda en llegar, pasame con alguien",
                          "when does it arrive, get me a real person"};
    struct rs_intent_result r;
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        rs_intent_classify(model(), asks[i], &r);
        if (r.intent != RS_INTENT_TALK_TO_HUMAN)
            fail_msg("\"%s\" -> %s", asks[i], rs_intent_name(r.intent));
        assert_int_equal(r.rule_decided, 1);
        assert_int_equal(r.merchant_rule, 0);
        assert_true(r.confidence >= RS_INTENT_HANDOVER);
    }
    /* a person mentioned, not asked for */
    rs_intent_classify(model(), "my phone arrived broken", &r);
    assert_int_equal(r.intent, RS_INTENT_DAMAGED);
    assert_int_equal(r.rule_decided, 0);

    /* the syntax: "!w" decides over a higher score, and over merchant rules */
    struct rs_intent_model *m;
    char err[128];
    assert_int_equal(rs_intent_model_new(&m), RS_OK);
    const char *rules = "cancel\t9\tfoo\nreturn\t!1\tbar\nthanks\t!2\tbaz\n";
    assert_int_equal(rs_intent_model_add_rules(m, rules, strlen(rules), RS_INTENT_BUILTIN, err,
                                               sizeof err), RS_OK);
    rs_intent_classify(m, "foo bar", &r);
    assert_int_equal(r.intent, RS_INTENT_RETURN);
    assert_true(r.scores[RS_INTENT_CANCEL] > r.scores[RS_INTENT_RETURN]);
    rs_intent_classify(m, "foo bar baz", &r);
    assert_int_equal(r.intent, RS_INTENT_THANKS);
    rs_intent_classify(m, "foo", &r);
    assert_int_equal(r.intent, RS_INTENT_CANCEL);
    assert_int_equal(r.rule_decided, 0);
    const char *shop = "greeting\t1\tbar\n";
    assert_int_equal(rs_intent_model_add_rules(m, shop, strlen(shop), RS_INTENT_MERCHANT, err,
                                               sizeof err), RS_OK);
    rs_intent_classify(m, "foo bar baz", &r);
    assert_int_equal(r.intent, RS_INTENT_THANKS);
    assert_int_equal(r.merchant_rule, 0);
    rs_intent_classify(m, "foo bar", &r);
    assert_int_equal(r.intent, RS_INTENT_RETURN);
    rs_intent_classify(m, "bar", &r);
    assert_int_equal(r.intent, RS_INTENT_RETURN);
    /* a request for a person wins over a merchant's rule too */
    const char *shop_rules = "where_is_order\t8\tpedido\n";
    struct rs_intent_model *shop_m;
    assert_int_equal(rs_intent_model_for_merchant(shop_rules, strlen(shop_rules), &shop_m, err, sizeof err), RS_OK);
    rs_intent_classify(shop_m, "donde esta mi pedido? pasame con un asesor", &r);
    assert_int_equal(r.intent, RS_INTENT_TALK_TO_HUMAN);
    rs_intent_classify(shop_m, "donde esta mi pedido?", &r);
    assert_int_equal(r.intent, RS_INTENT_WHERE_IS_ORDER);
    assert_int_equal(r.merchant_rule, 1);
    rs_intent_model_free(shop_m);
    const char *bad = "cancel\t!-1\tfoo\n";
    assert_int_equal(rs_intent_model_add_rules(m, bad, strlen(bad), RS_INTENT_BUILTIN, err,
                                               sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "line 1"));
    rs_intent_model_free(m);
}

/* Asking where the order is delivered is a question about the order, not a request to change
 * the address (which opens an incident); a question that also asks for a change is the change. */
static void test_address_question(void **s)
{
    (void)s;
    static const char *const asks[] = {"¿cuál es la dirección de entrega?", "what address is it going to?",
                                       "a qué dirección lo mandan", "¿a qué dirección va mi pedido?",
                                       "what's the delivery address?", "which address did I put?",
                                       "¿a dónde lo mandan?", "where is it being delivered?",
                                       "where are you sending it?", "en qué dirección lo entregan?",
                                       "¿me confirmas la dirección de entrega?", "can you confirm the delivery address?",
                                       "¿dónde lo entregan?", "dnd me lo van a dejar"};
    struct rs_intent_result r;
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        rs_intent_classify(model(), asks[i], &r);
        if (r.intent != RS_INTENT_WHERE_IS_ORDER || !r.asks_address)
            fail_msg("\"%s\" -> %s asks_address=%d", asks[i], rs_intent_name(r.intent), r.asks_address);
    }
    static const char *const change[] = {"¿cuál es la dirección de entrega? quiero cambiarla",
                                         "what address is it going to? I need to change it",
                                         "quiero cambiar la dirección de entrega", "can I change the delivery address?",
                                         "la direccion esta mal", "a qué dirección lo mandan? la mía es otra",
                                         "what do I need to do to change my shipping address?",
                                         "where is it going? it should go to my office instead",
                                         "what's the email address of customer service?"};
    for (size_t i = 0; i < sizeof change / sizeof change[0]; i++) {
        rs_intent_classify(model(), change[i], &r);
        if (r.asks_address || r.intent == RS_INTENT_WHERE_IS_ORDER)
            fail_msg("\"%s\" -> %s asks_address=%d", change[i], rs_intent_name(r.intent), r.asks_address);
    }
    rs_intent_classify(model(), "where do I check when my item is going to arrive?", &r);
    assert_int_equal(r.asks_address, 0);
    rs_intent_classify(model(), "dónde está mi pedido? me lo entregan hoy?", &r);
    assert_int_equal(r.asks_address, 0);
    rs_intent_classify(model(), "donde lo entregan? quiero que me lo dejen en otro sitio", &r);
    assert_int_equal(r.asks_address, 0);
    /* a problem the question is part of stays the problem */
    rs_intent_classify(model(), "my parcel arrived damaged, what address did you send it to?", &r);
    assert_int_equal(r.intent, RS_INTENT_DAMAGED);
}

static void test_weights_file(void **s)
{
    (void)s;
    struct rs_intent_model *m;
    char err[128];
    assert_int_equal(rs_intent_model_new(&m), RS_OK);
    const char *good = "# c\n@intents\tcancel\tfuture_intent\n@bias\t0:0.5\nw:zap\t0:3 1:9\n";
    assert_int_equal(rs_intent_model_load_weights(m, good, strlen(good), err, sizeof err), RS_OK);
    assert_int_equal(rs_intent_model_feature_count(m), 1);
    struct rs_intent_result r;
    rs_intent_classify(m, "ZAP!", &r);
    assert_int_equal(r.intent, RS_INTENT_CANCEL);
    const char *bad[] = {"w:x\t0:1\n", "@intents\tcancel\nw:x\t5:1\n", "@intents\tcancel\nw:x\t0:z\n",
                         "@intents\tcancel\nw:x\t0:1\nw:x\t0:2\n", "@intents\tcancel\nw:x\n",
                         "@intents\tcancel\nw:x\t0:1e9\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rs_intent_model_load_weights(m, bad[i], strlen(bad[i]), err, sizeof err),
                         RS_EINVAL);
    assert_int_equal(rs_intent_model_feature_count(m), 0);
    rs_intent_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spanish_set),    cmocka_unit_test(test_english_set),
        cmocka_unit_test(test_spanish_heldout), cmocka_unit_test(test_english_heldout),
        cmocka_unit_test(test_brief_examples), cmocka_unit_test(test_negation),
        cmocka_unit_test(test_typos),          cmocka_unit_test(test_low_confidence),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_order_numbers),
        cmocka_unit_test(test_tracking),       cmocka_unit_test(test_email_postcode),
        cmocka_unit_test(test_entities_json),  cmocka_unit_test(test_merchant_rules),
        cmocka_unit_test(test_weights_file),   cmocka_unit_test(test_person_request_wins),
        cmocka_unit_test(test_address_question),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
