/* test_inbound.c — the inbound log and integrations in the store (payload purge after 7 days,
 * applied-once keys, secret rotation, tenancy), the delivery job on synthetic records, and the
 * generic mapping: JSON pointers, mapping checks and parsing. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/hooks.h"
#include "app/keys.h"
#include "ingest/hook_generic.h"

struct fx {
    struct rs_store *s;
    char path[64];
    int64_t m1, m2;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/rastro-test-inbound-%d.db", (int)getpid());
    unlink(f->path);
    char err[256];
    assert_int_equal(rs_store_open(f->path, 0, &f->s, err, sizeof err), RS_OK);
    char key[RS_KEY_LEN];
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_app_merchant_create(f->s, "A", RS_SCOPE_READ, 1000, &f->m1, key), RS_OK);
    assert_int_equal(rs_app_merchant_create(f->s, "B", RS_SCOPE_READ, 1000, &f->m2, key), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rs_store_close(f->s);
    unit_db_remove(f->path);
    free(f);
    return 0;
}

static void test_payload_purge_and_tenancy(void **state)
{
    struct fx *f = *state;
    const int64_t day = 86400, t0 = 1764000000;
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    int64_t old_id, new_id;
    struct rs_inbound_row row = {.merchant_id = f->m1, .source = "shippo", .dedup_key = "k1", .received_at = t0,
                                 .result = "applied", .payload = "{\"a\":1}", .payload_len = 7};
    assert_int_equal(rs_store_inbound_insert(f->s, &row, &old_id), RS_OK);
    row.received_at = t0 + 6 * day;
    row.dedup_key = "k2";
    assert_int_equal(rs_store_inbound_insert(f->s, &row, &new_id), RS_OK);
    /* one applied row per key */
    row.dedup_key = "k1";
    int64_t dup;
    assert_int_equal(rs_store_inbound_insert(f->s, &row, &dup), RS_ECONFLICT);
    row.result = "duplicate";
    assert_int_equal(rs_store_inbound_insert(f->s, &row, &dup), RS_OK);
    int64_t seen = 0;
    assert_int_equal(rs_store_inbound_applied(f->s, f->m1, "shippo", "k1", &seen), RS_OK);
    assert_int_equal(seen, old_id);
    assert_int_equal(rs_store_inbound_applied(f->s, f->m2, "shippo", "k1", &seen), RS_ENOTFOUND);
    int n = -1;
    /* the job purges with now - RS_INBOUND_KEEP_S: at t0 + 7 days + 1 s the first row is over */
    assert_int_equal(rs_store_inbound_purge(f->s, t0 + 7 * day + 1 - RS_INBOUND_KEEP_S, &n), RS_OK);
    assert_int_equal(n, 1); /* only the row older than the cut-off */
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    json_t *o = NULL;
    assert_int_equal(rs_store_inbound_get(f->s, f->m1, old_id, &o), RS_OK);
    assert_null(json_object_get(o, "payload"));
    assert_false(json_is_true(json_object_get(o, "payload_kept")));
    json_decref(o);
    assert_int_equal(rs_store_inbound_get(f->s, f->m1, new_id, &o), RS_OK);
    assert_string_equal(json_string_value(json_object_get(o, "payload")), "{\"a\":1}");
    json_decref(o);
    assert_int_equal(rs_store_inbound_get(f->s, f->m2, new_id, &o), RS_ENOTFOUND);
}

static void test_integration_rotation(void **state)
{
    struct fx *f = *state;
    char hook[RS_HOOK_ID_LEN], hook2[RS_HOOK_ID_LEN];
    bool created;
    struct rs_app_error err = {0};
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_app_integration_put(f->s, f->m1, "shopify", "first-secret", NULL, NULL, 5000, hook, &created,
                                            &err),
                     RS_OK);
    assert_true(created);
    assert_int_equal(strlen(hook), 32);
    assert_int_equal(rs_app_integration_put(f->s, f->m1, "shopify", "second-secret", NULL, NULL, 6000, hook2,
                                            &created, &err),
                     RS_OK);
    assert_false(created);
    assert_string_equal(hook, hook2);
    assert_int_equal(rs_app_integration_put(f->s, f->m1, "shopify", "short", NULL, NULL, 6000, hook2, &created, &err),
                     RS_EINVAL);
    assert_int_equal(rs_app_integration_put(f->s, f->m1, "fedex", "long-enough", NULL, NULL, 6000, hook2, &created,
                                            &err),
                     RS_EINVAL);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    struct rs_integration *ig = malloc(sizeof *ig);
    assert_int_equal(rs_store_integration_by_hook(f->s, "shopify", hook, 6000 + 3600, ig), RS_OK);
    assert_string_equal(ig->secret, "second-secret");
    assert_string_equal(ig->previous_secret, "first-secret");
    assert_int_equal(ig->merchant_id, f->m1);
    assert_int_equal(rs_store_integration_by_hook(f->s, "shopify", hook, 6000 + RS_SECRET_ROTATE_S + 1, ig), RS_OK);
    assert_string_equal(ig->previous_secret, ""); /* the rotation window is over */
    assert_int_equal(rs_store_integration_by_hook(f->s, "easypost", hook, 6000, ig), RS_ENOTFOUND);
    free(ig);
}

static void test_job_rejected_can_be_retried(void **state)
{
    struct fx *f = *state;
    const char *body = "{\"id\":\"g1\",\"tn\":\"AB1\",\"at\":\"2025-12-01T10:00:00Z\",\"s\":\"delivered\"}";
    const char *mapping = "{\"delivery_id\":\"/id\",\"tracking_number\":\"/tn\",\"occurred_at\":\"/at\","
                          "\"status\":\"/s\",\"carrier_default\":\"seur\"}";
    struct rs_inbound in;
    char err[300];
    assert_int_equal(rs_app_hook_parse("generic", body, strlen(body), NULL, mapping, &in, err, sizeof err), RS_OK);
    struct rs_hook_delivery d = {.merchant_id = f->m1, .source = "generic", .delivery_id = in.delivery_id,
                                 .body = body, .body_len = strlen(body), .in = &in, .keep_payload = true,
                                 .now = 1764600000};
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_app_hook_job(f->s, &d), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    assert_string_equal(d.result, "rejected"); /* no shipment SEUR AB1, no order named */
    json_t *rej = json_array_get(json_object_get(d.summary, "rejections"), 0);
    assert_string_equal(json_string_value(json_object_get(rej, "code")), "unknown_shipment");
    /* a rejected key may be tried again: still rejected, not "duplicate" */
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_app_hook_job(f->s, &d), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    assert_string_equal(d.result, "rejected");
    json_decref(d.summary);
    rs_inbound_release(&in);
}

/* The deliveries an order waits for (automatic replay): by the rejection's order_ref, or by the
 * ref quoted in the message of a row recorded before order_ref was kept; never another
 * merchant's, one past the payload window, one already replayed or a replay itself. */
static int64_t waiting_row(struct fx *f, int64_t merchant, const char *key, int64_t at, bool payload,
                           const char *summary)
{
    struct rs_inbound_row row = {.merchant_id = merchant, .source = "shopify", .dedup_key = key, .received_at = at,
                                 .result = "rejected", .summary = summary};
    if (payload) {
        row.payload = "{}";
        row.payload_len = 2;
    }
    int64_t id = 0;
    assert_int_equal(rs_store_inbound_insert(f->s, &row, &id), RS_OK);
    return id;
}

static int64_t waiting_ids(struct fx *f, int64_t merchant, const char *refs, int64_t now, int64_t ids[8])
{
    json_t *out = NULL;
    assert_int_equal(rs_store_inbound_waiting(f->s, merchant, refs, now - RS_INBOUND_KEEP_S, 8, &out), RS_OK);
    size_t i, n = json_array_size(out);
    json_t *o;
    json_array_foreach(out, i, o) ids[i] = json_integer_value(json_object_get(o, "id"));
    json_decref(out);
    return (int64_t)n;
}

static void test_waiting_for_order(void **state)
{
    struct fx *f = *state;
    const int64_t day = 86400, now = 1765000000;
    const char *by_ref = "{\"rejections\":[{\"record\":\"shipment\",\"index\":0,\"code\":\"unknown_order\","
                         "\"message\":\"no order \\\"#1\\\" yet: …\",\"order_ref\":\"#1\"}]}";
    const char *old_row = "{\"rejections\":[{\"record\":\"shipment\",\"index\":0,\"code\":\"unknown_order\","
                          "\"message\":\"no order \\\"#1\\\" yet: the shopify delivery that creates it …\"}]}";
    const char *other_ref = "{\"rejections\":[{\"code\":\"unknown_order\",\"message\":\"no order \\\"#10\\\" yet: …\"}]}";
    const char *other_code = "{\"rejections\":[{\"code\":\"carrier_unknown\",\"message\":\"no order \\\"#1\\\" yet:\"}]}";
    const char *a_replay = "{\"replay_of\":1,\"rejections\":[{\"code\":\"unknown_order\",\"order_ref\":\"#1\"}]}";
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    waiting_row(f, f->m1, "k0", now - 8 * day, true, by_ref); /* past the window */
    int64_t a = waiting_row(f, f->m1, "ka", now - 6 * day, true, by_ref);
    int64_t b = waiting_row(f, f->m1, "kb", now - day, true, old_row);
    waiting_row(f, f->m1, "kc", now - day, true, other_ref);
    waiting_row(f, f->m1, "kd", now - day, true, other_code);
    waiting_row(f, f->m1, "ke", now - day, false, by_ref); /* payload gone */
    waiting_row(f, f->m1, "kf", now - day, true, a_replay);
    waiting_row(f, f->m2, "kg", now - day, true, by_ref); /* another merchant */
    waiting_row(f, f->m1, "ki", now - day, true, "not json"); /* a row written by hand: skipped, no error */
    waiting_row(f, f->m1, "kh", now - day, true, by_ref);
    struct rs_inbound_row applied = {.merchant_id = f->m1, .source = "shopify", .dedup_key = "kh",
                                     .received_at = now, .result = "applied"};
    int64_t ap;
    assert_int_equal(rs_store_inbound_insert(f->s, &applied, &ap), RS_OK); /* kh was applied since */
    int64_t ids[8];
    assert_int_equal(waiting_ids(f, f->m1, "[\"#1\"]", now, ids), 2);
    assert_int_equal(ids[0], a);
    assert_int_equal(ids[1], b);
    assert_int_equal(waiting_ids(f, f->m1, "[\"#2\",\"#1\"]", now, ids), 2);
    assert_int_equal(waiting_ids(f, f->m1, "[\"#2\"]", now, ids), 0);
    assert_int_equal(rs_store_inbound_summary_set(f->s, f->m2, a, "$.replayed", "{\"inbound_id\":9}"), RS_OK);
    assert_int_equal(waiting_ids(f, f->m1, "[\"#1\"]", now, ids), 2); /* another merchant's id: no change */
    assert_int_equal(rs_store_inbound_summary_set(f->s, f->m1, a, "$.replayed", "{\"inbound_id\":9}"), RS_OK);
    assert_int_equal(waiting_ids(f, f->m1, "[\"#1\"]", now, ids), 1);
    assert_int_equal(ids[0], b);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    json_t *o = NULL;
    assert_int_equal(rs_store_inbound_get(f->s, f->m1, a, &o), RS_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "replayed"), "inbound_id")), 9);
    assert_string_equal(json_string_value(json_object_get(o, "result")), "rejected");
    json_decref(o);
}

static void test_json_pointer(void **state)
{
    (void)state;
    json_t *doc = json_loads("{\"a\":{\"b/c\":[10,{\"~x\":\"y\"}],\"\":5},\"m~n\":1}", 0, NULL);
    assert_ptr_equal(rs_json_pointer(doc, ""), doc);
    assert_int_equal(json_integer_value(rs_json_pointer(doc, "/a/b~1c/0")), 10);
    assert_string_equal(json_string_value(rs_json_pointer(doc, "/a/b~1c/1/~0x")), "y");
    assert_int_equal(json_integer_value(rs_json_pointer(doc, "/m~0n")), 1);
    assert_int_equal(json_integer_value(rs_json_pointer(doc, "/a/")), 5);
    assert_null(rs_json_pointer(doc, "a"));          /* no leading slash */
    assert_null(rs_json_pointer(doc, "/a/b~1c/01")); /* leading zero */
    assert_null(rs_json_pointer(doc, "/a/b~1c/-"));
    assert_null(rs_json_pointer(doc, "/a/b~1c/9"));
    assert_null(rs_json_pointer(doc, "/a/b~2c"));    /* bad escape */
    assert_null(rs_json_pointer(doc, "/m~0n/x"));    /* into a number */
    json_decref(doc);
}

static void test_generic_mapping(void **state)
{
    (void)state;
    static const struct {
        const char *mapping, *want;
    } bad[] = {
        {"[]", "must be a JSON object"},
        {"{\"occurred_at\":\"/t\"}", "tracking_number is required"},
        {"{\"tracking_number\":\"/n\"}", "occurred_at is required"},
        {"{\"tracking_number\":\"n\",\"occurred_at\":\"/t\"}", "must be a JSON pointer"},
        {"{\"tracking_number\":\"/n\",\"occurred_at\":\"/t\",\"colour\":\"/c\"}", "unknown key \"colour\""},
        {"{\"tracking_number\":\"/n\",\"occurred_at\":\"/t\",\"status_map\":{\"X\":\"teleported\"}}", "status_map.X"},
        {"{\"tracking_number\":\"/n\",\"occurred_at\":\"/t\",\"status_map\":{\"X\":\"delivered/weather\"}}",
         "status_map.X"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *m = json_loads(bad[i].mapping, 0, NULL);
        char err[300] = "";
        assert_int_equal(rs_hook_generic_mapping_check(m, err, sizeof err), RS_EINVAL);
        if (!strstr(err, bad[i].want))
            fail_msg("mapping %zu: \"%s\" lacks \"%s\"", i, err, bad[i].want);
        json_decref(m);
    }
    json_t *m = json_loads("{\"tracking_number\":\"/n\",\"occurred_at\":\"/t\",\"status\":\"/s\",\"events\":\"/e\","
                           "\"carrier\":\"/c\",\"status_map\":{\"ok\":\"delivered/signed\"}}",
                           0, NULL);
    char err[300];
    assert_int_equal(rs_hook_generic_mapping_check(m, err, sizeof err), RS_OK);
    const char *body = "{\"n\":\"ab 1\",\"c\":\"Correos Express\",\"e\":[{\"t\":1764669600,\"s\":\"OK\"},"
                       "{\"t\":\"2025-12-01T10:00:00+01:00\",\"s\":\"out_for_delivery\",\"n\":\"zz9\"},"
                       "{\"t\":\"2025-12-01T09:00:00Z\",\"s\":\"hmm\"}]}";
    struct rs_inbound in;
    assert_int_equal(rs_hook_generic_parse(body, strlen(body), m, &in, err, sizeof err), RS_OK);
    assert_int_equal(in.n_events, 3);
    assert_int_equal(in.n_shipments, 2);
    assert_string_equal(in.events[0].tracking_number, "AB1");
    assert_string_equal(in.events[0].carrier, "correos_express");
    assert_int_equal(in.events[0].status, RS_STATUS_DELIVERED);
    assert_int_equal(in.events[0].substatus, RS_SUB_SIGNED);
    assert_int_equal(in.events[0].occurred_at, 1764669600);
    assert_string_equal(in.events[1].tracking_number, "ZZ9"); /* the element wins over the root */
    assert_int_equal(in.events[1].offset_min, 60);
    assert_int_equal(in.events[2].status, RS_STATUS_NONE); /* left to the text normalizer */
    assert_string_equal(in.events[2].code, "hmm");
    rs_inbound_release(&in);
    body = "{\"n\":\"ab 1\",\"e\":[{\"t\":\"2025-12-01T10:00:00\"}]}";
    assert_int_equal(rs_hook_generic_parse(body, strlen(body), m, &in, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "no UTC offset"));
    body = "{\"e\":[{\"t\":1764669600}]}";
    assert_int_equal(rs_hook_generic_parse(body, strlen(body), m, &in, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "missing tracking number"));
    body = "{\"n\":\"A\",\"e\":[]}";
    assert_int_equal(rs_hook_generic_parse(body, strlen(body), m, &in, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "non-empty array"));
    body = "{\"n\":\"A\",\"e\":[{\"t\":";
    assert_int_equal(rs_hook_generic_parse(body, strlen(body), m, &in, err, sizeof err), RS_EINVAL);
    json_decref(m);
}

static void test_carrier_confident(void **state)
{
    (void)state;
    struct rs_carrier_guess g[5];
    int n;
    assert_string_equal(rs_carrier_confident("1Z999AA10123456784", g, &n), "ups");
    assert_null(rs_carrier_confident("1Z999AA10123456785", g, &n)); /* check digit fails */
    assert_true(n >= 1);
    assert_null(rs_carrier_confident("ZZ12345", g, &n));
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_payload_purge_and_tenancy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integration_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_rejected_can_be_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_for_order, setup, teardown),
        cmocka_unit_test(test_json_pointer),
        cmocka_unit_test(test_generic_mapping),
        cmocka_unit_test(test_carrier_confident),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
