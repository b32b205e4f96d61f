/* store_webchat_sqlite.c — see store_webchat.h. */
#include <stdbool.h>

#include "store/store_sqlite_priv.h"
#include "store/store_webchat.h"

static enum rs_err one_id(struct rs_store *s, const char *sql, int64_t a, int64_t b, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(rs_store_sqlite_db(s), sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rs_store_sqlite_rc(s, rc);
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    rc = sqlite3_step(q);
    enum rs_err e = RS_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    return e;
}

enum rs_err rs_store_webchat_anon_conv(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                       int64_t *conversation_id)
{
    return one_id(s,
                  "SELECT id FROM conversations WHERE merchant_id=?1 AND order_id=?2 AND customer_id IS NULL "
                  "AND phone IS NULL AND email IS NULL ORDER BY id DESC LIMIT 1",
                  merchant_id, order_id, conversation_id);
}

enum rs_err rs_store_webchat_json(struct rs_store *s, int64_t merchant_id, int64_t order_id, bool verified,
                                  int64_t after_id, json_t **out)
{
    *out = NULL;
    int64_t conv = 0;
    enum rs_err e = RS_ENOTFOUND;
    if (verified) /* the customer's conversation (an order without a customer has none) */
        e = one_id(s,
                   "SELECT c.id FROM conversations c JOIN orders o ON o.customer_id=c.customer_id "
                   "WHERE c.merchant_id=?1 AND o.id=?2 AND o.merchant_id=?1 ORDER BY c.id DESC LIMIT 1",
                   merchant_id, order_id, &conv);
    if (e == RS_ENOTFOUND)
        e = rs_store_webchat_anon_conv(s, merchant_id, order_id, &conv);
    if (e && e != RS_ENOTFOUND)
        return e;
    json_t *o = json_object(), *list = json_array();
    json_object_set_new(o, "messages", list);
    json_object_set_new(o, "conversation_id", conv ? json_integer(conv) : json_null());
    json_object_set_new(o, "state", json_null());
    if (!conv) {
        *out = o;
        return RS_OK;
    }
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(rs_store_sqlite_db(s),
                                "SELECT m.id,m.direction,m.author,m.body,m.created_at,c.state FROM messages m "
                                "JOIN conversations c ON c.id=m.conversation_id WHERE m.conversation_id=?1 "
                                "AND m.merchant_id=?2 AND m.channel='webchat' AND m.direction IN ('in','out') "
                                "AND m.id>?3 ORDER BY m.id LIMIT 200",
                                -1, &q, NULL);
    if (rc != SQLITE_OK) {
        json_decref(o);
        return rs_store_sqlite_rc(s, rc);
    }
    sqlite3_bind_int64(q, 1, conv);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_int64(q, 3, after_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *m = json_object();
        json_object_set_new(m, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(m, "direction", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(m, "author", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(m, "body", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(m, "at", rs_store_sqlite_col_time(q, 4, 0));
        json_array_append_new(list, m);
        json_object_set_new(o, "state", rs_store_sqlite_col_str(q, 5));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        json_decref(o);
        return rs_store_sqlite_rc(s, rc);
    }
    *out = o;
    return RS_OK;
}
