/* test_conv.c — conversations and the bot on a real (temporary) SQLite store: the sender's
 * conversation, the verification levels (order number alone reveals nothing, tracking code gives
 * the public answer, code or order number + postcode or the customer's own phone the full one;
 * wrong pairs count in the look-up limit), follow-ups about several orders, languages,
 * hand-over and the bot's silence after it, de-duplication, truncation, refusal of binary text,
 * the reply queue (claim, lease, finish, receipts) and the queue listings; and the reply texts. */
#include "unit.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/conv.h"
#include "app/incident.h"
#include "app/ingest.h"
#include "app/support_settings.h"
#include "store/store_conv.h"
#include "store/store_incident.h"

static struct rs_store *S;
static int64_t MID;
static char CODE[RS_TRACKCODE_LEN];
static char PATH[64];
#define NOW 1900000000

static int setup(void **state)
{
    (void)state;
    snprintf(PATH, sizeof PATH, "/tmp/rs-test-conv-XXXXXX");
    int fd = mkstemp(PATH);
    if (fd < 0)
        return -1;
    close(fd);
    char err[256];
    if (rs_store_open(PATH, 0, &S, err, sizeof err) != RS_OK)
        return -1;
    if (rs_store_merchant_create(S, "Tienda Sol", "Europe/Madrid", "es", 1, &MID) != RS_OK)
        return -1;
    if (rs_store_begin(S) != RS_OK)
        return -1;
    struct rs_order_in o = {.order_ref = "A-1042",
                            .placed_at = NOW - 3 * 86400,
                            .customer = {.name = "Lucía Pérez", .email = "lucia@example.com",
                                         .phone = "+34600111222", .locale = "es"},
                            .destination = {.postal_code = "28013", .city = "Madrid", .country = "ES"}};
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    if (rs_app_order_put(S, MID, &o, NOW - 3 * 86400, &res, CODE, &ae) != RS_OK)
        return -1;
    struct rs_shipment_in si = {.order_ref = "A-1042", .carrier = "seur", .tracking_number = "S1"};
    if (rs_app_shipment_put(S, MID, &si, NOW - 2 * 86400, &res, &ae) != RS_OK)
        return -1;
    struct rs_event_in ev = {.carrier = "seur", .tracking_number = "S1", .occurred_at = NOW - 86400,
                             .status = RS_STATUS_IN_TRANSIT};
    if (rs_app_event_record(S, MID, &ev, NOW - 86400, &ae) != RS_OK)
        return -1;
    return rs_store_commit(S) == RS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rs_store_close(S);
    unit_db_remove(PATH);
    return 0;
}

/* Send TEXT from PHONE on CHANNEL at time AT; OUT the result; the queued reply's body into REPLY. */
static enum rs_err say_at(int64_t at, const char *channel, const char *phone, const char *text, const char *mid,
                          struct rs_inbound_result *out, char *reply, size_t cap)
{
    struct rs_inbound_msg in = {.merchant_id = MID, .channel = channel,
                                .sms_provider = strcmp(channel, "sms") == 0 ? "twilio" : NULL,
                                .phone = phone, .body = text, .body_len = strlen(text),
                                .provider_msg_id = mid, .base_url = "https://track.example"};
    assert_int_equal(rs_store_begin(S), RS_OK);
    enum rs_err e = rs_conv_inbound(S, &in, at, out);
    assert_int_equal(rs_store_commit(S), RS_OK);
    if (reply)
        reply[0] = '\0';
    if (!e && reply && out->reply_id) {
        struct rs_reply_job j;
        assert_int_equal(rs_store_reply_load(S, out->reply_id, &j), RS_OK);
        snprintf(reply, cap, "%s", j.body);
        assert_string_equal(j.state, "queued");
        assert_string_equal(j.channel, channel);
        free(j.body);
    }
    return e;
}

static enum rs_err say(const char *channel, const char *phone, const char *text, const char *mid,
                       struct rs_inbound_result *out, char *reply, size_t cap)
{
    return say_at(NOW, channel, phone, text, mid, out, reply, cap);
}

static void test_customer_gets_full_answer(void **state)
{
    (void)state;
    char text[200], reply[2048], url[128];
    snprintf(text, sizeof text, "hola, dónde está mi pedido %s", CODE);
    struct rs_inbound_result r;
    assert_int_equal(say("whatsapp", "+34600111222", text, "wamid.1", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_false(r.handed_over);
    assert_true(r.reply_id > 0);
    assert_non_null(strstr(reply, "A-1042"));      /* full level: the order reference */
    assert_non_null(strstr(reply, "está en camino")); /* Spanish, real status */
    assert_non_null(strstr(reply, "Lucía"));
    snprintf(url, sizeof url, "https://track.example/t/%s", CODE);
    assert_non_null(strstr(reply, url));
    /* the same provider message again: recorded once */
    struct rs_inbound_result r2;
    assert_int_equal(say("whatsapp", "+34600111222", text, "wamid.1", &r2, NULL, 0), RS_OK);
    assert_true(r2.duplicate);
    assert_int_equal(r2.conversation_id, r.conversation_id);
    assert_int_equal(r2.reply_id, 0);
    /* without any reference the customer's latest order is theirs to see */
    assert_int_equal(say("whatsapp", "+34600111222", "cuando llega mi pedido?", "wamid.2", &r2, reply, sizeof reply),
                     RS_OK);
    assert_non_null(strstr(reply, "A-1042"));
}

static void test_unknown_sender_levels(void **state)
{
    (void)state;
    char reply[2048], text[200];
    struct rs_inbound_result r;
    /* order number alone: nothing about the order */
    assert_int_equal(say("sms", "+34699000001", "hola, dónde está mi pedido A-1042?", "SM1", &r, reply, sizeof reply),
                     RS_OK);
    assert_null(strstr(reply, "A-1042"));
    assert_null(strstr(reply, "camino"));
    assert_null(strstr(reply, "Lucía"));
    assert_non_null(strstr(reply, "RX-"));
    /* tracking code alone: the public answer (status, link), no reference, no name */
    snprintf(text, sizeof text, "mi código es %s, dónde está?", CODE);
    assert_int_equal(say("sms", "+34699000001", text, "SM2", &r, reply, sizeof reply), RS_OK);
    assert_non_null(strstr(reply, "está en camino"));
    assert_non_null(strstr(reply, CODE));
    assert_null(strstr(reply, "A-1042"));
    assert_null(strstr(reply, "Lucía"));
    /* code plus the delivery postcode: the full order */
    snprintf(text, sizeof text, "where is my order %s postcode 28013", CODE);
    assert_int_equal(say("sms", "+34699000002", text, "SM3", &r, reply, sizeof reply), RS_OK);
    assert_non_null(strstr(reply, "A-1042"));
    assert_non_null(strstr(reply, "on its way")); /* English from the text */
    /* code plus a postcode that is not the order's: told so, and only the public answer */
    snprintf(text, sizeof text, "where is my order %s postcode 28099", CODE);
    assert_int_equal(say("sms", "+34699000004", text, "SM3b", &r, reply, sizeof reply), RS_OK);
    assert_non_null(strstr(reply, "doesn't match"));
    assert_non_null(strstr(reply, "on its way"));
    assert_null(strstr(reply, "A-1042"));
    /* a code that does not exist */
    assert_int_equal(say("sms", "+34699000003", "where is my order RX-7K4Q-9PZD-M3TXW", "SM4", &r, reply, sizeof reply),
                     RS_OK);
    assert_null(strstr(reply, "A-1042"));
}

static void test_handover_and_quiet(void **state)
{
    (void)state;
    char reply[2048];
    struct rs_inbound_result r;
    assert_int_equal(say("sms", "+34699000010", "quiero hablar con una persona", "SM10", &r, reply, sizeof reply),
                     RS_OK);
    assert_true(r.handed_over);
    assert_string_equal(r.intent, "talk_to_human");
    assert_non_null(strstr(reply, "persona"));
    struct rs_conv c;
    assert_int_equal(rs_store_conv_get(S, MID, r.conversation_id, &c), RS_OK);
    assert_string_equal(c.state, "agent");
    assert_string_equal(c.handover_reason, "talk_to_human");
    assert_true(c.handover_at > 0);
    /* the hand-over is in the history as an internal note (the row keeps only the latest) */
    json_t *cj = NULL;
    assert_int_equal(rs_store_conv_json(S, MID, r.conversation_id, &cj), RS_OK);
    int notes = 0;
    size_t k;
    json_t *m;
    json_array_foreach(json_object_get(cj, "messages"), k, m) if (strcmp(json_string_value(json_object_get(m, "direction")), "note") == 0 &&
                                                                  strstr(json_string_value(json_object_get(m, "body")), "talk_to_human"))
        notes++;
    json_decref(cj);
    assert_int_equal(notes, 1);
    /* a person holds it: the bot only records */
    assert_int_equal(say("sms", "+34699000010", "hola??", "SM11", &r, reply, sizeof reply), RS_OK);
    assert_int_equal(r.reply_id, 0);
    assert_true(r.message_id > 0);
    /* the unassigned queue shows it; waiting does not */
    json_t *j = NULL;
    assert_int_equal(rs_store_conv_list_json(S, MID, RS_CONVQ_UNASSIGNED, 0, "", 50, NOW, &j), RS_OK);
    json_t *arr = json_object_get(j, "conversations"), *it;
    size_t i;
    bool found = false;
    json_array_foreach(arr, i, it) found |= json_integer_value(json_object_get(it, "id")) == r.conversation_id;
    assert_true(found);
    json_decref(j);
    assert_int_equal(rs_store_conv_list_json(S, MID, RS_CONVQ_WAITING, 0, "", 50, NOW, &j), RS_OK);
    found = false;
    json_array_foreach(json_object_get(j, "conversations"), i, it) found |=
        json_integer_value(json_object_get(it, "id")) == r.conversation_id;
    assert_false(found);
    json_decref(j);
    /* given back to the bot, then closed */
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_set_state(S, MID, r.conversation_id, "bot", NOW), RS_OK);
    assert_int_equal(rs_conv_set_state(S, MID, r.conversation_id, "nonsense", NOW), RS_EINVAL);
    assert_int_equal(rs_conv_set_state(S, MID + 99, r.conversation_id, "closed", NOW), RS_ENOTFOUND);
    assert_int_equal(rs_conv_assign(S, MID, r.conversation_id, 12345, NOW), RS_ENOTFOUND); /* no such agent */
    int64_t nid = 0;
    assert_int_equal(rs_conv_note(S, MID, r.conversation_id, 0, "llamar mañana", NOW, &nid), RS_OK);
    assert_true(nid > 0);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_int_equal(rs_store_conv_json(S, MID, r.conversation_id, &j), RS_OK);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "bot");
    json_t *msgs = json_object_get(j, "messages");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, json_array_size(msgs) - 1),
                                                          "direction")),
                        "note");
    json_decref(j);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct rs_inbound_result r;
    assert_int_equal(say("sms", "+34699000020", "   ", NULL, &r, NULL, 0), RS_EINVAL);
    const char bin[] = {'h', 'i', 0, 1, 2};
    struct rs_inbound_msg in = {.merchant_id = MID, .channel = "sms", .phone = "+34699000020", .body = bin,
                                .body_len = sizeof bin};
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_inbound(S, &in, NOW, &r), RS_EINVAL);
    in.body = "caf\xc3";
    in.body_len = 4;
    assert_int_equal(rs_conv_inbound(S, &in, NOW, &r), RS_EINVAL);
    in.body = "hola";
    in.body_len = 4;
    in.channel = "fax";
    assert_int_equal(rs_conv_inbound(S, &in, NOW, &r), RS_EINVAL);
    rs_store_rollback(S);
    char why[200];
    assert_false(rs_conv_text_ok("\xff\xfe", 2, why, sizeof why));
    assert_non_null(strstr(why, "UTF-8"));
    assert_true(rs_conv_text_ok("ñandú ¿qué?", strlen("ñandú ¿qué?"), why, sizeof why));

    /* an over-long message is cut on a character boundary, with a note */
    size_t n = RS_CONV_MAX_BODY + 500;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2)
        memcpy(big + i, "ñ", 2); /* 2-byte characters: the cut must not split one */
    big[n] = '\0';
    assert_int_equal(say("sms", "+34699000021", big, "SMbig", &r, NULL, 0), RS_OK);
    free(big);
    json_t *j = NULL;
    assert_int_equal(rs_store_conv_json(S, MID, r.conversation_id, &j), RS_OK);
    json_t *m0 = json_array_get(json_object_get(j, "messages"), 0);
    assert_true(json_is_true(json_object_get(m0, "truncated")));
    assert_true(strlen(json_string_value(json_object_get(m0, "body"))) <= RS_CONV_MAX_BODY);
    assert_true(strlen(json_string_value(json_object_get(m0, "body"))) % 2 == 0);
    json_t *m1 = json_array_get(json_object_get(j, "messages"), 1);
    assert_string_equal(json_string_value(json_object_get(m1, "direction")), "note");
    assert_non_null(strstr(json_string_value(json_object_get(m1, "body")), "truncated"));
    json_decref(j);
}

static void test_reply_queue(void **state)
{
    (void)state;
    struct rs_inbound_result r;
    char reply[512];
    assert_int_equal(say("whatsapp", "+34699000030", "hello", "wamid.q1", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "greeting");
    assert_non_null(strstr(reply, "Tienda Sol"));
    assert_non_null(strstr(reply, "Hi")); /* English from the text */
    int64_t ids[64];
    int n = 0;
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_store_reply_claim(S, "w1", NOW, 60, ids, 64, &n), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_true(n >= 1);
    bool mine = false;
    for (int i = 0; i < n; i++)
        mine |= ids[i] == r.reply_id;
    assert_true(mine);
    /* leased: another claim now gets nothing; after the lease it gets them again (a crash) */
    int n2 = 0;
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_store_reply_claim(S, "w2", NOW + 10, 60, ids, 64, &n2), RS_OK);
    assert_int_equal(n2, 0);
    assert_int_equal(rs_store_reply_claim(S, "w2", NOW + 61, 60, ids, 64, &n2), RS_OK);
    assert_int_equal(n2, n);
    /* the first holder lost the lease: its outcome is refused */
    assert_int_equal(rs_store_reply_finish(S, r.reply_id, "w1", "sent", 1, NOW, "wamid.out1", NULL, NULL, NOW),
                     RS_ECONFLICT);
    assert_int_equal(rs_store_reply_finish(S, r.reply_id, "w2", "sent", 1, NOW, "wamid.out1", NULL, NULL, NOW), RS_OK);
    assert_int_equal(rs_store_reply_receipt(S, MID, "wamid.out1", "delivered", NULL, NOW), RS_OK);
    assert_int_equal(rs_store_reply_receipt(S, MID + 1, "wamid.out1", "delivered", NULL, NOW), RS_ENOTFOUND);
    assert_int_equal(rs_store_reply_receipt(S, MID, "nope", "delivered", NULL, NOW), RS_ENOTFOUND);
    assert_int_equal(rs_store_commit(S), RS_OK);
    struct rs_reply_job j;
    assert_int_equal(rs_store_reply_load(S, r.reply_id, &j), RS_OK);
    assert_string_equal(j.state, "delivered");
    assert_true(j.wa_last_inbound > 0);
    free(j.body);
}

static void test_agent_send(void **state)
{
    (void)state;
    struct rs_inbound_result r;
    assert_int_equal(say("sms", "+34699000040", "buenas tardes", "SM40", &r, NULL, 0), RS_OK);
    int64_t id = 0;
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_send(S, MID, r.conversation_id, "agent", 0, "Hola, soy Ana.", NOW, &id), RS_OK);
    assert_int_equal(rs_conv_send(S, MID, r.conversation_id, "robot", 0, "x", NOW, &id), RS_EINVAL);
    assert_int_equal(rs_conv_send(S, MID + 5, r.conversation_id, "agent", 0, "x", NOW, &id), RS_ENOTFOUND);
    assert_int_equal(rs_store_commit(S), RS_OK);
    struct rs_conv c;
    assert_int_equal(rs_store_conv_get(S, MID, r.conversation_id, &c), RS_OK);
    assert_string_equal(c.state, "agent"); /* the bot keeps quiet from now on */
    struct rs_reply_job j;
    assert_int_equal(rs_store_reply_load(S, id, &j), RS_OK);
    assert_string_equal(j.body, "Hola, soy Ana.");
    assert_string_equal(j.sms_provider, "twilio");
    free(j.body);
    /* the order's conversation for incidents: the customer's own */
    int64_t cid = 0;
    struct rs_conv_order o;
    assert_int_equal(rs_store_conv_order(S, MID, 'r', "A-1042", &o), RS_OK);
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_for_order(S, MID, o.id, NOW, &cid), RS_OK);
    assert_int_equal(rs_conv_for_order(S, MID + 3, o.id, NOW, &cid), RS_ENOTFOUND);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_int_equal(rs_store_conv_get(S, MID, cid, &c), RS_OK);
    assert_int_equal(c.customer_id, o.customer_id);
}

static void test_problem_opens_incident(void **state)
{
    (void)state;
    char reply[2048];
    struct rs_inbound_result r;
    /* from the customer's own phone: the order is theirs */
    assert_int_equal(say("sms", "+34600111222", "no me ha llegado el paquete", "SMp1", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "not_received");
    assert_true(r.incident_id > 0);
    assert_true(r.handed_over);
    assert_true(r.reply_id > 0);
    char ref[32];
    snprintf(ref, sizeof ref, "%lld", (long long)r.incident_id);
    assert_non_null(strstr(reply, ref));
    struct rs_conv c;
    assert_int_equal(rs_store_conv_get(S, MID, r.conversation_id, &c), RS_OK);
    assert_string_equal(c.state, "agent");
    assert_string_equal(c.handover_reason, "problem");
    /* an unknown sender with a problem and no code: asked which order, nothing opened */
    assert_int_equal(say("sms", "+34699000050", "my parcel arrived damaged", "SMp2", &r, reply, sizeof reply), RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_non_null(strstr(reply, "RX-"));
}

/* A cancellation request has no incident type of its own (it is "other"), but the customer
 * reads it as what they asked, in either language, not as "otra consulta" / "other question". */
static void test_cancel_reads_as_cancellation(void **state)
{
    (void)state;
    char reply[2048], text[160];
    struct rs_inbound_result r;
    snprintf(text, sizeof text, "quiero cancelar el pedido %s", CODE);
    assert_int_equal(say("sms", "+34699000061", text, "SMc1", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "cancel");
    assert_true(r.incident_id > 0);
    assert_non_null(strstr(reply, "(solicitud de cancelación)"));
    assert_null(strstr(reply, "otra consulta"));
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_incident_set_state(S, MID, r.incident_id, "closed", "agent", NOW), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    snprintf(text, sizeof text, "please cancel my order %s", CODE);
    assert_int_equal(say("sms", "+34699000062", text, "SMc2", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "cancel");
    assert_true(r.incident_id > 0);
    assert_non_null(strstr(reply, "(cancellation request)"));
    assert_null(strstr(reply, "other question"));
}

/* A bare code continues the question the bot asked it for; a question a person held or an
 * incident settled is over: the code is then only "where is it", never a second incident. */
static void test_code_continues_only_open_question(void **state)
{
    (void)state;
    char reply[2048];
    struct rs_inbound_result r;
    /* the bot asked which order: the code files the problem */
    assert_int_equal(say("sms", "+34699000070", "my parcel arrived damaged", "SMo1", &r, reply, sizeof reply), RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_int_equal(say("sms", "+34699000070", CODE, "SMo2", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "damaged");
    assert_true(r.incident_id > 0);
    int64_t conv = r.conversation_id;
    /* a person held it and closed it; the customer later sends the code alone */
    assert_int_equal(say("sms", "+34699000070", "y quiero cancelar", "SMo3", &r, reply, sizeof reply), RS_OK);
    assert_int_equal(r.reply_id, 0);
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_set_state(S, MID, conv, "closed", NOW), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_int_equal(say("sms", "+34699000070", CODE, "SMo4", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    assert_false(r.handed_over);
    assert_non_null(strstr(reply, "/t/"));
    /* the same after an incident the bot opened itself */
    char text[160];
    snprintf(text, sizeof text, "quiero devolver el pedido %s", CODE);
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_set_state(S, MID, conv, "closed", NOW), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_int_equal(say("sms", "+34699000070", text, "SMo5", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "return");
    assert_true(r.incident_id > 0);
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_set_state(S, MID, conv, "closed", NOW), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_int_equal(say("sms", "+34699000070", CODE, "SMo6", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    /* a question asked days ago is over: the code sent now only asks where the order is */
    assert_int_equal(say("sms", "+34699000071", "my parcel arrived damaged", "SMo7", &r, reply, sizeof reply), RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_int_equal(say_at(NOW + 3 * 86400, "sms", "+34699000071", CODE, "SMo8", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    assert_false(r.handed_over);
    /* within the day it still answers the question */
    assert_int_equal(say_at(NOW + 3 * 86400, "sms", "+34699000072", "my parcel arrived damaged", "SMo9", &r, reply,
                            sizeof reply),
                     RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_int_equal(say_at(NOW + 3 * 86400 + 20 * 3600, "sms", "+34699000072", CODE, "SMo10", &r, reply, sizeof reply),
                     RS_OK);
    assert_string_equal(r.intent, "damaged");
    assert_true(r.incident_id > 0);
}

/* WhatsApp writes Mexican mobiles +52 1 …, Argentine ones +54 9 …; shops keep them without the
 * 1 or the 9 (or with them, when the SMS arrives without): the customer is still recognised. */
static void test_mx_ar_mobile_forms(void **state)
{
    (void)state;
    static const struct {
        const char *ref, *stored, *writes;
    } cases[] = {{"MX-1", "+525512345679", "+5215512345679"},
                 {"AR-1", "+541155554446", "+5491155554446"},
                 {"MX-2", "+5213312345670", "+523312345670"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rs_order_in o = {.order_ref = cases[i].ref,
                                .placed_at = NOW - 86400,
                                .customer = {.name = "Rosa Díaz", .phone = cases[i].stored, .locale = "es"},
                                .destination = {.postal_code = "06700", .city = "CDMX", .country = "MX"}};
        enum rs_put_result res;
        struct rs_app_error ae = {0};
        char code[RS_TRACKCODE_LEN], reply[2048], mid[32];
        assert_int_equal(rs_store_begin(S), RS_OK);
        assert_int_equal(rs_app_order_put(S, MID, &o, NOW - 86400, &res, code, &ae), RS_OK);
        assert_int_equal(rs_store_commit(S), RS_OK);
        struct rs_inbound_result r;
        snprintf(mid, sizeof mid, "wamid.mxar%zu", i);
        assert_int_equal(say("whatsapp", cases[i].writes, "hola, ¿dónde está mi pedido?", mid, &r, reply, sizeof reply),
                         RS_OK);
        assert_non_null(strstr(reply, cases[i].ref));
        assert_non_null(strstr(reply, "Rosa"));
    }
    /* a number of another country with the same digits is someone else */
    struct rs_inbound_result r;
    char reply[2048];
    assert_int_equal(say("whatsapp", "+5315512345679", "hola, ¿dónde está mi pedido?", "wamid.mxar9", &r, reply,
                         sizeof reply),
                     RS_OK);
    assert_null(strstr(reply, "MX-1"));
}

/* "vale" or a thumbs-up after an answer gets the thanks answer; nobody is called in for it */
/* The body of the conversation's latest internal note into OUT. */
static void last_note(int64_t conversation_id, char *out, size_t cap)
{
    json_t *cj = NULL;
    assert_int_equal(rs_store_conv_json(S, MID, conversation_id, &cj), RS_OK);
    out[0] = '\0';
    size_t k;
    json_t *m;
    json_array_foreach(json_object_get(cj, "messages"), k, m) if (strcmp(json_string_value(json_object_get(m, "direction")), "note") == 0)
        snprintf(out, cap, "%s", json_string_value(json_object_get(m, "body")));
    json_decref(cj);
}

/* A hand-over tells the customer when a person answers: shortly while the team works, else the
 * day and time it opens again (Friday night: Monday at nine), in the customer's language; the
 * internal note keeps what was promised for the agent. */
static void test_handover_says_when(void **state)
{
    (void)state;
    char reply[2048], note[512], err[256];
    struct rs_inbound_result r;
    const int64_t fri22 = 1796418000;  /* Friday 4 December 2026, 22:00 in Madrid */
    const int64_t tue10 = 1796115600;  /* Tuesday 1 December 2026, 10:00 in Madrid */
    assert_int_equal(rs_support_settings_save(S, MID,
                                              "{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\","
                                              "\"fri\"],\"start\":\"09:00\",\"end\":\"18:00\"}}",
                                              tue10 - 60, err, sizeof err),
                     RS_OK);
    assert_int_equal(say_at(tue10, "sms", "+34699000050", "quiero hablar con una persona", "SM50", &r, reply,
                            sizeof reply),
                     RS_OK);
    assert_true(r.handed_over);
    assert_non_null(strstr(reply, "te contestará por aquí en breve."));
    last_note(r.conversation_id, note, sizeof note);
    assert_string_equal(note, RS_CONV_HANDOVER_NOTE "talk_to_human" RS_CONV_HANDOVER_PROMISE RS_CONV_HANDOVER_SOON);

    assert_int_equal(say_at(fri22, "sms", "+34699000051", "quiero hablar con una persona", "SM51", &r, reply,
                            sizeof reply),
                     RS_OK);
    assert_non_null(strstr(reply, "te contestará por aquí a partir del lunes 7 de diciembre a las 09:00 (hora de España)."));
    last_note(r.conversation_id, note, sizeof note);
    assert_string_equal(note, RS_CONV_HANDOVER_NOTE "talk_to_human" RS_CONV_HANDOVER_PROMISE "2026-12-07T08:00:00Z");

    assert_int_equal(say_at(fri22, "sms", "+34699000052", "I want to talk to a human please", "SM52", &r, reply,
                            sizeof reply),
                     RS_OK);
    assert_true(r.handed_over);
    assert_non_null(strstr(reply, "they will answer here from Monday, 7 December at 09:00 (Spain Time)."));
    /* a merchant's own text names the time with {{answer_text}} */
    assert_int_equal(rs_support_settings_save(S, MID,
                                              "{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\","
                                              "\"fri\"],\"start\":\"09:00\",\"end\":\"18:00\"},\"bot\":{\"replies\":"
                                              "{\"es\":{\"handover\":\"Vale. Te escribimos {{answer_text}}.\"}}}}",
                                              fri22, err, sizeof err),
                     RS_OK);
    assert_int_equal(say_at(fri22, "sms", "+34699000053", "quiero hablar con una persona", "SM53", &r, reply,
                            sizeof reply),
                     RS_OK);
    assert_string_equal(reply, "Vale. Te escribimos a partir del lunes 7 de diciembre a las 09:00 (hora de España).");
    assert_int_equal(rs_support_settings_save(S, MID, NULL, fri22, err, sizeof err), RS_OK);
    /* without business hours: shortly, whatever the hour */
    assert_int_equal(say_at(fri22, "sms", "+34699000054", "quiero hablar con una persona", "SM54", &r, reply,
                            sizeof reply),
                     RS_OK);
    assert_non_null(strstr(reply, "te contestará por aquí en breve."));
}

static void test_acknowledgement_is_not_a_handover(void **state)
{
    (void)state;
    static const char *const acks[] = {"vale", "perfecto!", "got it", "\xF0\x9F\x91\x8D",
                                       "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "\xF0\x9F\x99\x8F \xE2\x9D\xA4\xEF\xB8\x8F", NULL};
    char reply[2048], mid[32];
    struct rs_inbound_result r;
    for (int i = 0; acks[i]; i++) {
        snprintf(mid, sizeof mid, "SMack%d", i);
        assert_int_equal(say("sms", "+34699000081", acks[i], mid, &r, reply, sizeof reply), RS_OK);
        assert_string_equal(r.intent, "thanks");
        assert_false(r.handed_over);
        assert_true(r.reply_id > 0);
    }
    /* other emoji alone say nothing the bot understands: a person reads them */
    assert_int_equal(say("sms", "+34699000080", "\xF0\x9F\x98\xA1", "SMack9", &r, reply, sizeof reply), RS_OK);
    assert_true(r.handed_over);
}

/* Whether TEXT names the order REF as a word: not inside a tracking code or link, whose random
 * groups ("…-9PZB-1XQ4…") may hold "B-1" by chance. */
static bool names_ref(const char *text, const char *ref)
{
    size_t n = strlen(ref);
    for (const char *p = strstr(text, ref); p; p = strstr(p + 1, ref)) {
        bool before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '-' || p[-1] == '/');
        bool after = !(isalnum((unsigned char)p[n]) || p[n] == '-');
        if (before && after)
            return true;
    }
    return false;
}

/* A customer with several orders on their way asking where "my order" is hears about each of
 * them, not only the newest; a delivered one is not repeated. */
static void test_several_orders(void **state)
{
    (void)state;
    static const struct {
        const char *ref;
        int days;
        bool shipped, delivered;
    } orders[] = {{"B-1", 20, true, true}, {"B-2", 5, true, false}, {"B-3", 1, false, false}};
    for (size_t i = 0; i < 3; i++) {
        struct rs_order_in o = {.order_ref = orders[i].ref,
                                .placed_at = NOW - orders[i].days * 86400,
                                .customer = {.name = "Marta Ruiz", .phone = "+34699000090", .locale = "es"},
                                .destination = {.postal_code = "28013", .city = "Madrid", .country = "ES"}};
        enum rs_put_result res;
        struct rs_app_error ae = {0};
        char code[RS_TRACKCODE_LEN], tn[16];
        snprintf(tn, sizeof tn, "TN%s", orders[i].ref);
        assert_int_equal(rs_store_begin(S), RS_OK);
        assert_int_equal(rs_app_order_put(S, MID, &o, o.placed_at, &res, code, &ae), RS_OK);
        if (orders[i].shipped) {
            struct rs_shipment_in si = {.order_ref = orders[i].ref, .carrier = "seur", .tracking_number = tn};
            assert_int_equal(rs_app_shipment_put(S, MID, &si, o.placed_at + 3600, &res, &ae), RS_OK);
            struct rs_event_in ev = {.carrier = "seur", .tracking_number = tn, .occurred_at = o.placed_at + 7200,
                                     .status = orders[i].delivered ? RS_STATUS_DELIVERED : RS_STATUS_IN_TRANSIT};
            assert_int_equal(rs_app_event_record(S, MID, &ev, o.placed_at + 7200, &ae), RS_OK);
        }
        assert_int_equal(rs_store_commit(S), RS_OK);
    }
    char reply[2048];
    struct rs_inbound_result r;
    assert_int_equal(say("whatsapp", "+34699000090", "hola, ¿dónde está mi pedido?", "wamid.sev1", &r, reply, sizeof reply),
                     RS_OK);
    assert_true(names_ref(reply, "B-3"));
    assert_true(names_ref(reply, "B-2"));
    assert_non_null(strstr(reply, "está en camino"));
    assert_false(names_ref(reply, "B-1"));
    const char *first = strstr(reply, "Marta");
    assert_non_null(first);
    assert_null(strstr(first + 1, "Marta")); /* greeted once */
    /* the follow-up is about the orders of that answer, all of them */
    static const char *const follow[] = {"¿y el otro?", "and the other one?", "when will they arrive?",
                                         "¿y cuándo llegan?", NULL};
    for (int i = 0; follow[i]; i++) {
        char mid[32];
        snprintf(mid, sizeof mid, "wamid.sevf%d", i);
        assert_int_equal(say("whatsapp", "+34699000090", follow[i], mid, &r, reply, sizeof reply), RS_OK);
        if (!names_ref(reply, "B-3") || !names_ref(reply, "B-2") || names_ref(reply, "B-1") || r.handed_over)
            fail_msg("\"%s\" -> %s: %s", follow[i], r.intent, reply);
    }
    /* a reference names one order: only that one, and so does the question after it */
    assert_int_equal(say("whatsapp", "+34699000090", "¿y el pedido B-1?", "wamid.sev2", &r, reply, sizeof reply),
                     RS_OK);
    assert_string_equal(r.intent, "delivery_date"); /* the question before it, not a missing item ("b", "1"
                                                     * are the reference) */
    assert_int_equal(r.incident_id, 0);
    assert_true(names_ref(reply, "B-1"));
    assert_false(names_ref(reply, "B-2"));
    assert_int_equal(say("whatsapp", "+34699000090", "¿y cuándo llega?", "wamid.sev3", &r, reply, sizeof reply),
                     RS_OK);
    assert_true(names_ref(reply, "B-1"));
    assert_false(names_ref(reply, "B-2"));
}

/* "¿A qué dirección lo mandan?" is a question: answered from the order at the sender's level
 * (the city is public, the postcode only for the order's customer), no incident opened. */
static void test_address_question(void **state)
{
    (void)state;
    char reply[2048], text[200];
    struct rs_inbound_result r;
    snprintf(text, sizeof text, "%s ¿a qué dirección lo mandan?", CODE);
    assert_int_equal(say("sms", "+34699000085", text, "SMa1", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    assert_false(r.handed_over);
    assert_non_null(strstr(reply, "está en camino"));
    assert_non_null(strstr(reply, "Se entrega en Madrid."));
    assert_null(strstr(reply, "28013"));
    assert_null(strstr(reply, "A-1042"));
    /* the order's customer (their conversation back with the bot after the incident of an earlier
     * test): the postcode too, in English when asked in English */
    assert_int_equal(say("whatsapp", "+34600111222", "hola", "wamid.a1", &r, NULL, 0), RS_OK);
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_conv_set_state(S, MID, r.conversation_id, "bot", NOW), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    assert_int_equal(say("whatsapp", "+34600111222", "what address is it going to?", "wamid.a2", &r, reply, sizeof reply),
                     RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    assert_false(r.handed_over);
    assert_non_null(strstr(reply, "A-1042"));
    assert_non_null(strstr(reply, "in Madrid (postcode 28013)"));
    assert_int_equal(say("whatsapp", "+34600111222", "¿cuál es la dirección de entrega?", "wamid.a3", &r, reply, sizeof reply),
                     RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_non_null(strstr(reply, "en Madrid (código postal 28013)"));
}

/* Every message the bot sent in conversation CONV, oldest first, blank-line separated, into OUT. */
static void bot_said(int64_t conv, char *out, size_t cap)
{
    json_t *msgs = NULL;
    assert_int_equal(rs_store_conv_messages_json(S, MID, conv, &msgs), RS_OK);
    size_t n = 0, i;
    json_t *m;
    out[0] = '\0';
    json_array_foreach(msgs, i, m) {
        const char *dir = json_string_value(json_object_get(m, "direction"));
        if (dir && strcmp(dir, "out") == 0 && n < cap)
            n += (size_t)snprintf(out + n, cap - n, "%s\n\n",
                                  json_string_value(json_object_get(m, "body")));
    }
    json_decref(msgs);
}

/* A customer who asks two things gets both: the request goes to a person as an incident, and
 * the status is answered first. */
static void test_two_requests(void **state)
{
    (void)state;
    char reply[4096], text[200];
    struct rs_inbound_result r;
    snprintf(text, sizeof text, "dónde está mi pedido %s y quiero cambiar la dirección", CODE);
    assert_int_equal(say("sms", "+34699000086", text, "SMt1", &r, reply, sizeof reply), RS_OK);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_string_equal(r.intent, "change_address");
    assert_true(r.incident_id > 0);
    assert_true(r.handed_over);
    assert_non_null(strstr(reply, "está en camino"));
    assert_non_null(strstr(reply, "INC-"));
    assert_true(strstr(reply, "está en camino") < strstr(reply, "INC-"));
    /* the other way round: the status question first in the model's eyes, the request in a
     * clause of its own; an incident already open for it is the one named */
    snprintf(text, sizeof text, "where is it? also I want to cancel %s", CODE);
    assert_int_equal(say("sms", "+34699000087", text, "SMt2", &r, reply, sizeof reply), RS_OK);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_string_equal(r.intent, "cancel");
    assert_true(r.incident_id > 0);
    assert_non_null(strstr(reply, "is on its way"));
    assert_non_null(strstr(reply, "INC-"));
    snprintf(text, sizeof text, "¿dónde está mi pedido %s? quiero cancelarlo", CODE);
    assert_int_equal(say("sms", "+34699000088", text, "SMt3", &r, reply, sizeof reply), RS_OK);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_string_equal(r.intent, "cancel");
    assert_non_null(strstr(reply, "está en camino"));
    assert_non_null(strstr(reply, "INC-"));
    /* read as "when does it arrive" as a whole, the cancellation in a clause of its own */
    snprintf(text, sizeof text, "cuando llega mi pedido %s? ademas quiero cancelarlo", CODE);
    assert_int_equal(say("sms", "+34699000092", text, "SMt5", &r, reply, sizeof reply), RS_OK);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_string_equal(r.intent, "cancel");
    assert_non_null(strstr(reply, "está en camino"));
    assert_non_null(strstr(reply, "INC-"));
    /* a report of a problem around a status question stays the question */
    snprintf(text, sizeof text, "no se nada de mi pedido %s, donde esta?", CODE);
    assert_int_equal(say("sms", "+34699000091", text, "SMt6", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    /* a clause that only gives a reference asks for nothing ("postcode" is no address change) */
    static const char *const refs[] = {"where is my order %s? postcode 28013", "dónde está mi pedido %s, mi cp es 28013",
                                       "¿dónde está mi pedido? %s y el código postal 28013"};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        char mid[16];
        snprintf(text, sizeof text, refs[i], CODE);
        snprintf(mid, sizeof mid, "SMr%zu", i);
        assert_int_equal(say("sms", "+34699000093", text, mid, &r, reply, sizeof reply), RS_OK);
        if (strcmp(r.intent, "where_is_order") != 0 || r.incident_id)
            fail_msg("\"%s\" -> %s incident %lld", text, r.intent, (long long)r.incident_id);
    }
    /* a signature with the customer's street is no address change */
    snprintf(text, sizeof text, "¿dónde está mi pedido %s?\nUn saludo,\nAna García\nCalle Mayor 5, 28013 Madrid", CODE);
    assert_int_equal(say("sms", "+34699000094", text, "SMs1", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_int_equal(r.incident_id, 0);
    /* one request alone: no status added */
    snprintf(text, sizeof text, "quiero cambiar la dirección del pedido %s", CODE);
    assert_int_equal(say("sms", "+34699000089", text, "SMt4", &r, reply, sizeof reply), RS_OK);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_string_equal(r.intent, "change_address");
    assert_null(strstr(reply, "está en camino"));
    assert_non_null(strstr(reply, "INC-"));
}

/* A customer without the tracking code proves the order with its number and the delivery
 * postcode or the e-mail of the purchase ("pedido 2087, código postal 28014"), as on the look-up
 * form; a pair that does not match reveals nothing and counts in the look-up limit. */
static void test_order_number_and_postcode(void **state)
{
    (void)state;
    struct rs_order_in o = {.order_ref = "#2087",
                            .placed_at = NOW - 86400,
                            .customer = {.name = "Pablo Gil", .email = "pablo@example.com",
                                         .phone = "+34600999888", .locale = "es"},
                            .destination = {.postal_code = "28014", .city = "Madrid", .country = "ES"}};
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    char code[RS_TRACKCODE_LEN], reply[2048], mid[32];
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_app_order_put(S, MID, &o, o.placed_at, &res, code, &ae), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    struct rs_inbound_result r;
    assert_int_equal(say("whatsapp", "+34699000301", "pedido 2087, código postal 28014", "wamid.on1", &r, reply,
                         sizeof reply),
                     RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_non_null(strstr(reply, "#2087"));
    assert_non_null(strstr(reply, "registrado"));
    /* remembered: the next question needs no new proof */
    assert_int_equal(say("whatsapp", "+34699000301", "¿y cuándo llega?", "wamid.on2", &r, reply, sizeof reply),
                     RS_OK);
    assert_non_null(strstr(reply, "#2087"));
    /* in English, with the e-mail of the purchase */
    assert_int_equal(say("sms", "+34699000302", "where is order #2087? my email is Pablo@example.com", "SMon3", &r,
                         reply, sizeof reply),
                     RS_OK);
    assert_non_null(strstr(reply, "#2087"));
    assert_non_null(strstr(reply, "order"));
    /* "and the other one?" from a sender whose other orders we cannot know: its code, please */
    assert_int_equal(say("sms", "+34699000302", "and the other one?", "SMon3b", &r, reply, sizeof reply), RS_OK);
    assert_false(r.handed_over);
    assert_null(strstr(reply, "#2087"));
    assert_non_null(strstr(reply, "tracking code"));
    /* the number first; the postcode it is asked for, in a message of its own */
    assert_int_equal(say("sms", "+34699000306", "¿dónde está mi pedido 2087?", "SMon10", &r, reply, sizeof reply),
                     RS_OK);
    assert_null(strstr(reply, "registrado"));
    assert_non_null(strstr(reply, "código postal"));
    assert_int_equal(say("sms", "+34699000306", "mi código postal es el 28014", "SMon11", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "where_is_order");
    assert_non_null(strstr(reply, "#2087"));
    assert_non_null(strstr(reply, "registrado"));
    /* a postcode that is not the order's, an order number of no order: nothing, the same answer */
    char wrong[2048];
    assert_int_equal(say("sms", "+34699000303", "pedido 2087, código postal 28099", "SMon4", &r, wrong, sizeof wrong),
                     RS_OK);
    assert_null(strstr(wrong, "#2087"));
    assert_null(strstr(wrong, "registrado"));
    assert_null(strstr(wrong, "Madrid"));
    assert_non_null(strstr(wrong, "no coinciden"));
    assert_int_equal(say("sms", "+34699000303", "pedido 9999, código postal 28014", "SMon5", &r, reply, sizeof reply),
                     RS_OK);
    assert_string_equal(reply, wrong);
    assert_int_equal(say("sms", "+34699000303", "order 2087 zip 10001", "SMon6", &r, reply, sizeof reply), RS_OK);
    assert_non_null(strstr(reply, "don't match"));
    /* guessing runs into the tracking page's look-up limit (10 at once): then even the right
     * pair is not checked, from this sender nor for this order (an e-mail address costs nothing) */
    for (int i = 0; i < 10; i++) {
        snprintf(mid, sizeof mid, "SMon-g%d", i);
        char text[80];
        snprintf(text, sizeof text, "pedido 2087 cp 280%02d", 20 + i);
        assert_int_equal(say("sms", "+34699000304", text, mid, &r, reply, sizeof reply), RS_OK);
        assert_null(strstr(reply, "#2087"));
    }
    assert_int_equal(say("sms", "+34699000304", "pedido 2087 cp 28014", "SMon7", &r, reply, sizeof reply), RS_OK);
    assert_null(strstr(reply, "#2087"));
    assert_non_null(strstr(reply, "demasiados intentos"));
    assert_int_equal(say("sms", "+34699000305", "order 2087 zip 28014", "SMon8", &r, reply, sizeof reply), RS_OK);
    assert_null(strstr(reply, "#2087"));
    assert_non_null(strstr(reply, "too many attempts"));
    assert_int_equal(say("sms", "+34699000305", "pedido A-1042 cp 28013", "SMon9", &r, reply, sizeof reply), RS_OK);
    assert_non_null(strstr(reply, "A-1042"));
    assert_non_null(strstr(reply, "está en camino")); /* Spanish, though the conversation was English */
}

/* Two requests without the code: the bot asks which order, and the bare code that answers
 * brings both — the status and the incident, whose message is the customer's words. */
static void test_two_requests_then_code(void **state)
{
    (void)state;
    struct rs_order_in o = {.order_ref = "C-77",
                            .placed_at = NOW - 86400,
                            .customer = {.name = "Eva Sanz", .email = "eva@example.com", .locale = "es"},
                            .destination = {.postal_code = "08001", .city = "Barcelona", .country = "ES"}};
    enum rs_put_result res;
    struct rs_app_error ae = {0};
    char code[RS_TRACKCODE_LEN], reply[4096];
    assert_int_equal(rs_store_begin(S), RS_OK);
    assert_int_equal(rs_app_order_put(S, MID, &o, o.placed_at, &res, code, &ae), RS_OK);
    assert_int_equal(rs_store_commit(S), RS_OK);
    struct rs_inbound_result r;
    assert_int_equal(say("sms", "+34699000401", "dónde está mi pedido y quiero cambiar la dirección", "SMtc1", &r,
                         reply, sizeof reply),
                     RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_non_null(strstr(reply, "RX-"));
    assert_int_equal(say("sms", "+34699000401", code, "SMtc2", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "change_address");
    assert_true(r.incident_id > 0);
    assert_true(r.handed_over);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_non_null(strstr(reply, "está registrado")); /* the status, too */
    assert_non_null(strstr(reply, "INC-"));
    assert_true(strstr(reply, "está registrado") < strstr(reply, "INC-"));
    json_t *d = NULL;
    assert_int_equal(rs_store_incident_detail(S, MID, r.incident_id, NOW, &d), RS_OK);
    const char *msg = json_string_value(json_object_get(d, "message"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "cambiar la dirección"));
    assert_non_null(strstr(msg, code));
    json_decref(d);
    /* in English, a cancellation */
    assert_int_equal(say("sms", "+34699000402", "where is my order? also I want to cancel it", "SMtc3", &r, reply,
                         sizeof reply),
                     RS_OK);
    assert_int_equal(r.incident_id, 0);
    assert_int_equal(say("sms", "+34699000402", code, "SMtc4", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "cancel");
    assert_true(r.incident_id > 0);
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_non_null(strstr(reply, "is registered"));
    assert_non_null(strstr(reply, "INC-"));
    /* one request alone: the code files it, no status added */
    assert_int_equal(say("sms", "+34699000403", "my parcel arrived damaged", "SMtc5", &r, reply, sizeof reply), RS_OK);
    assert_int_equal(say("sms", "+34699000403", code, "SMtc6", &r, reply, sizeof reply), RS_OK);
    assert_string_equal(r.intent, "damaged");
    bot_said(r.conversation_id, reply, sizeof reply);
    assert_null(strstr(reply, "is registered"));
}

static void test_texts(void **state)
{
    (void)state;
    const char *v[RS_CV__COUNT] = {0};
    char out[512];
    v[RS_CV_STATUS_TEXT] = "está en camino";
    v[RS_CV_TRACKING_CODE] = "RX-AAAA";
    v[RS_CV_TRACKING_URL] = "https://t/x";
    assert_int_equal(rs_conv_reply_text("es", "wismo.public", NULL, v, out, sizeof out), RS_OK);
    assert_string_equal(out, "El pedido con código RX-AAAA está en camino. Puedes seguirlo aquí: https://t/x");
    v[RS_CV_PROMISE_TEXT] = "el martes 3";
    assert_int_equal(rs_conv_reply_text("es", "wismo.public", NULL, v, out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "Llegada prevista: el martes 3."));
    v[RS_CV_STATUS_TEXT] = "is on its way";
    assert_int_equal(rs_conv_reply_text("en", "wismo.public", NULL, v, out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "The order with code RX-AAAA is on its way."));
    /* every key exists in both languages */
    static const char *const keys[] = {"greeting", "thanks", "other", "wismo.full", "wismo.public", "ask_code",
                                       "ask_number", "ask_verify", "verify_failed", "verify_blocked", "verify_partial", "code_typo",
                                       "not_found", "problem.opened",
                                       "problem.need_order", "handover", "not_text", "optin", "status.delivered",
                                       "address.full", "address.public", NULL};
    for (int i = 0; keys[i]; i++) {
        assert_int_equal(rs_conv_reply_text("es", keys[i], NULL, v, out, sizeof out), RS_OK);
        assert_true(strlen(out) > 5);
        /* the tracking page's word for it: "email" in Spanish, "e-mail" in English */
        if (strstr(out, "correo"))
            fail_msg("es %s says 'correo', the tracking page says 'email': %s", keys[i], out);
        assert_int_equal(rs_conv_reply_text("en", keys[i], NULL, v, out, sizeof out), RS_OK);
        assert_true(strlen(out) > 5);
        if (strstr(out, "email") || strstr(out, "Email"))
            fail_msg("en %s says 'email', the tracking page says 'e-mail': %s", keys[i], out);
    }
    /* the incident is named by the reference the customer sees everywhere (INC-000042) */
    v[RS_CV_INCIDENT_REF] = "INC-000042";
    v[RS_CV_ORDER_REF] = "A-1042";
    assert_int_equal(rs_conv_reply_text("es", "problem.opened", NULL, v, out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "He abierto la incidencia INC-000042 sobre tu pedido A-1042"));
    assert_int_equal(rs_conv_reply_text("en", "problem.opened", NULL, v, out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "I've opened incident INC-000042 about your order A-1042"));
    v[RS_CV_INCIDENT_REF] = NULL;
    v[RS_CV_ORDER_REF] = NULL;
    assert_int_equal(rs_conv_reply_text("es", "nope", NULL, v, out, sizeof out), RS_ENOTFOUND);
    /* a merchant's override; a broken one falls back to the shipped text */
    json_t *ov = json_pack("{s:{s:s}}", "es", "thanks", "¡Gracias a ti de {{merchant_name}}!");
    const char *w[RS_CV__COUNT] = {0};
    w[RS_CV_MERCHANT_NAME] = "Sol";
    assert_int_equal(rs_conv_reply_text("es", "thanks", ov, w, out, sizeof out), RS_OK);
    assert_string_equal(out, "¡Gracias a ti de Sol!");
    json_object_set_new(json_object_get(ov, "es"), "thanks", json_string("{{#broken}"));
    assert_int_equal(rs_conv_reply_text("es", "thanks", ov, w, out, sizeof out), RS_OK);
    assert_non_null(strstr(out, "A ti"));
    json_decref(ov);
    /* languages */
    assert_string_equal(rs_conv_guess_lang("donde esta mi pedido", 20), "es");
    assert_string_equal(rs_conv_guess_lang("where is my order", 17), "en");
    assert_string_equal(rs_conv_guess_lang("¿y?", strlen("¿y?")), "es");
    assert_null(rs_conv_guess_lang("RX-7K4Q", 7));
    /* a code whose letters happen to spell a word is still no language */
    assert_null(rs_conv_guess_lang("RX-7ME4-9HA2-ES3TX", 18));
    assert_null(rs_conv_guess_lang("rx-7me4-9ha2-es3tx 28013", 24));
    assert_string_equal(rs_conv_guess_lang("mi codigo es RX-7ME4-9HA2-ES3TX", 31), "es");
    assert_string_equal(rs_conv_guess_lang("my code is RX-7ME4-9HA2-ES3TX", 29), "en");
    /* nor is the letter of an order number ("A" is no English article) */
    assert_string_equal(rs_conv_guess_lang("pedido A-1042 cp 28013", 22), "es");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_customer_gets_full_answer),
        cmocka_unit_test(test_unknown_sender_levels),
        cmocka_unit_test(test_handover_and_quiet),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_reply_queue),
        cmocka_unit_test(test_agent_send),
        cmocka_unit_test(test_problem_opens_incident),
        cmocka_unit_test(test_cancel_reads_as_cancellation),
        cmocka_unit_test(test_code_continues_only_open_question),
        cmocka_unit_test(test_mx_ar_mobile_forms),
        cmocka_unit_test(test_handover_says_when),
        cmocka_unit_test(test_acknowledgement_is_not_a_handover),
        cmocka_unit_test(test_several_orders),
        cmocka_unit_test(test_address_question),
        cmocka_unit_test(test_two_requests),
        cmocka_unit_test(test_order_number_and_postcode),
        cmocka_unit_test(test_two_requests_then_code),
        cmocka_unit_test(test_texts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
