/* test_privacy.c — who a privacy request is about (normalised like the write path), and the
 * retention sweep on a real (temporary) store with old timestamps: per-merchant retention_days,
 * the default, messages still being sent, empty conversations, inbound log rows. Export and
 * erase are exercised end to end by tests/e2e/privacy.sh. */
#include "unit.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/privacy.h"
#include "store/store_privacy.h"

static void test_who(void **state)
{
    (void)state;
    struct rs_privacy_who w;
    struct rs_app_error ae = {0};
    assert_int_equal(rs_app_privacy_who("Ana.Perez@Example.COM", NULL, &w, &ae), RS_OK);
    assert_string_equal(w.email, "ana.perez@example.com");
    assert_string_equal(w.phone, "");
    assert_int_equal(rs_app_privacy_who(NULL, "+34 600 111 222", &w, &ae), RS_OK);
    assert_string_equal(w.phone, "+34600111222");
    assert_string_equal(w.email, "");
    /* both: refused, a wrong one would add a second person to an export or an erasure */
    assert_int_equal(rs_app_privacy_who("ana.perez@example.com", "+34600999888", &w, &ae), RS_EINVAL);
    assert_string_equal(ae.code, "invalid_field");
    assert_non_null(strstr(ae.message, "not both"));
    assert_int_equal(rs_app_privacy_who(NULL, "", &w, &ae), RS_EINVAL);
    assert_string_equal(ae.code, "missing_field");
    assert_int_equal(rs_app_privacy_who("nope", NULL, &w, &ae), RS_EINVAL);
    assert_string_equal(ae.code, "invalid_field");
    assert_non_null(strstr(ae.message, "email"));
    assert_null(strstr(ae.message, "customer."));
    assert_int_equal(rs_app_privacy_who(NULL, "600", &w, &ae), RS_EINVAL);
}

static int count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n;
}

static void test_sweep(void **state)
{
    (void)state;
    char path[64];
    struct rs_store *s = unit_db_new(path, sizeof path, "privacy");
    int64_t m1, m2;
    assert_int_equal(rs_store_merchant_create(s, "A", "UTC", "es", 1, &m1), RS_OK);
    assert_int_equal(rs_store_merchant_create(s, "B", "UTC", "es", 1, &m2), RS_OK);
    const int64_t now = 2000000000, D = 86400;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char sql[4096];
    snprintf(sql, sizeof sql,
             "insert into support_settings values(1,'{\"retention_days\":10}',0),(2,'not json',0);"
             "insert into conversations(id,merchant_id,phone,channel,last_message_at,created_at,updated_at) values"
             "(1,1,'+34600000001','sms',%lld,0,0),(2,1,'+34600000002','sms',%lld,0,0),(3,2,'+34600000003','sms',%lld,0,0);"
             "insert into messages(merchant_id,conversation_id,direction,channel,author,body,state,created_at) values"
             "(1,1,'in','sms','customer','old',NULL,%lld),(1,1,'in','sms','customer','new',NULL,%lld),"
             "(1,2,'out','sms','bot','stuck',NULL,%lld),(1,2,'out','sms','agent','sending','queued',%lld),"
             "(2,3,'in','sms','customer','300d',NULL,%lld),(2,3,'in','sms','customer','400d',NULL,%lld);"
             "insert into inbound(merchant_id,source,received_at,result) values(1,'x',%lld,'applied'),(1,'x',%lld,'applied');"
             "insert into outbox(id,merchant_id,order_id,trigger,channels,channel,state,next_attempt_at,idem_key,"
             "subject,body,last_error,created_at,updated_at) values"
             "(1,1,1,'shipped','email','email','sent',0,'k1','Hola Ana','Tu pedido va a Calle Mayor 3',NULL,%lld,0),"
             "(2,1,1,'shipped','email','email','sent',0,'k2','Hola Ana','reciente',NULL,%lld,0),"
             "(3,1,1,'delayed','email','email','queued',0,'k3','Hola Ana','en cola',NULL,%lld,0),"
             "(4,2,1,'shipped','sms','sms','failed',0,'k4',NULL,'300d','bad number +34600000003',%lld,0);"
             "insert into notify_attempts(outbox_id,channel,started_at,result,error) values"
             "(1,'email',%lld,'failed','mailbox ana@example.com full'),(2,'email',%lld,'sent','recent');"
             /* incidents: 1 closed 11 days ago (merchant 1 keeps 10), 2 resolved 9 days ago, 3 still
              * open since 300 days, 4 merchant 2's closed 300 days ago (365) */
             "insert into incidents(id,merchant_id,order_id,type,state,origin,message,contact,resolution,sla_due_at,"
             "created_at,updated_at) values"
             "(1,1,1,'lost','closed','tracking_page','Vivo en Calle Mayor 3','ana@example.com','refund',0,0,%lld),"
             "(2,1,1,'lost','resolved','tracking_page','reciente','bea@example.com','reship',0,0,%lld),"
             "(3,1,1,'late','open','tracking_page','abierta','cris@example.com',NULL,0,0,%lld),"
             "(4,2,1,'late','closed','api','365 days','dani@example.com','no_action',0,0,%lld);"
             "insert into incident_log(incident_id,kind,actor,body,created_at) values"
             "(1,'note','agent:a@x.es','llamó desde el +34600000009',0),(1,'state','api',NULL,0),"
             "(2,'note','agent:a@x.es','reciente',0),(3,'reply','agent:a@x.es','abierta',0),(4,'note','api','365',0);",
             (long long)(now - 20 * D), (long long)(now - 20 * D), (long long)(now - 300 * D), (long long)(now - 11 * D),
             (long long)(now - 9 * D), (long long)(now - 11 * D), (long long)(now - 11 * D), (long long)(now - 300 * D),
             (long long)(now - 400 * D), (long long)(now - 31 * D), (long long)(now - 29 * D), (long long)(now - 11 * D),
             (long long)(now - 9 * D), (long long)(now - 11 * D), (long long)(now - 300 * D), (long long)(now - 11 * D),
             (long long)(now - 9 * D), (long long)(now - 11 * D), (long long)(now - 9 * D), (long long)(now - 300 * D),
             (long long)(now - 300 * D));
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    struct rs_sweep_counts c;
    assert_int_equal(rs_store_begin(s), RS_OK);
    assert_int_equal(rs_store_privacy_sweep(s, now, 365, 30, &c), RS_OK);
    assert_int_equal(rs_store_commit(s), RS_OK);
    int msgs = c.messages, convs = c.conversations, notes = c.notifications, inbound = c.inbound;
    /* merchant 1 keeps 10 days: "old" and "stuck" go, a reply still queued stays; merchant 2's
     * settings are not JSON: the default 365 days */
    assert_int_equal(msgs, 3);
    assert_int_equal(count(db, "select count(*) from messages where body in ('new','sending','300d')"), 3);
    assert_int_equal(count(db, "select count(*) from messages"), 3);
    assert_int_equal(convs, 0); /* conversation 2 still holds the queued reply */
    assert_int_equal(inbound, 1);
    assert_int_equal(count(db, "select count(*) from inbound"), 1);
    /* the copy of an old notification goes with the transcripts (the row stays); a recent one,
     * one still queued and merchant 2's (365 days) stay */
    assert_int_equal(notes, 1);
    assert_int_equal(count(db, "select count(*) from outbox where id=1 and subject is null and body is null"), 1);
    assert_int_equal(count(db, "select count(*) from outbox where body is not null"), 3);
    assert_int_equal(count(db, "select count(*) from notify_attempts where error is null"), 1);
    assert_int_equal(count(db, "select count(*) from notify_attempts where error='recent'"), 1);
    /* an incident closed longer ago than the retention loses what was written about the customer,
     * not its type, state or resolution; a recent one, an open one and merchant 2's keep theirs */
    assert_int_equal(c.incidents, 1);
    assert_int_equal(count(db, "select count(*) from incidents where id=1 and message is null and contact is null "
                               "and type='lost' and state='closed' and resolution='refund'"),
                     1);
    assert_int_equal(count(db, "select count(*) from incident_log where incident_id=1 and body is not null"), 0);
    assert_int_equal(count(db, "select count(*) from incident_log where incident_id=1"), 2);
    assert_int_equal(count(db, "select count(*) from incidents where message is not null"), 3);
    assert_int_equal(count(db, "select count(*) from incident_log where body is not null"), 3);
    /* once the reply is sent and old, the conversation empties and goes */
    assert_int_equal(sqlite3_exec(db, "update messages set state='sent' where body='sending'", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(rs_store_begin(s), RS_OK);
    assert_int_equal(rs_store_privacy_sweep(s, now, 365, 0, &c), RS_OK);
    assert_int_equal(rs_store_commit(s), RS_OK);
    msgs = c.messages, convs = c.conversations, notes = c.notifications, inbound = c.inbound;
    assert_int_equal(c.incidents, 0); /* done once */
    assert_int_equal(msgs, 1);
    assert_int_equal(convs, 1);
    assert_int_equal(inbound, 0); /* 0 days = keep */
    assert_int_equal(notes, 0); /* nothing new is old enough */
    assert_int_equal(count(db, "select count(*) from conversations where id=2"), 0);
    assert_int_equal(count(db, "select count(*) from conversations"), 2);
    sqlite3_close(db);
    rs_store_close(s);
    unit_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_who),
        cmocka_unit_test(test_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
