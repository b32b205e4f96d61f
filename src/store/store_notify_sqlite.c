/* store_notify_sqlite.c — the SQLite back end of store_notify.h (tables of
 * sql/0003-notify.sqlite.sql). The claim is one UPDATE … WHERE id IN (due rows) RETURNING id:
 * SQLite runs it under the write lock, so two dispatchers (threads or processes) never claim
 * the same row, and a row whose lease expired (its dispatcher crashed) is claimable again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify.h"
#include "store/store_notify.h"
#include "store/store_sqlite_priv.h"
#include "util/timefmt.h"
#include "util/tz.h"

enum {
    X_MERCHANT, X_CONFIG_PUT, X_CUSTOMER, X_OPTOUTS, X_WA, X_HISTORY, X_OPTOUT, X_OPTOUT_PHONE,
    X_WA_INBOUND, X_OUTBOX_INSERT, X_CLAIM, X_LOAD, X_FINISH, X_ATTEMPT, X_RECEIPT, X_BY_UNSUB,
    X_RESEND, X_ORDER_ROWS, X_ATTEMPTS_OF, X_COUNTS, X_NEXT_DUE, X_ORDER_ID, X_CONTACTS, X_PUSHN,
    X_RECEIPT_FIND, X_RECEIPT_NEXT, X_ORDER_ZONE, X_OPTIN_PHONE, X_SUPPRESS_PHONE, X_UNSUPPRESS,
    X_REPLACED_TOLD, X__END
};
_Static_assert(X__END <= RS_STORE_SLOTS_NOTIFY + 32, "notify statements exceed their slot range");

/* another shipment of the same shop fulfillment whose customer message of TRIGGER went out or
 * is going out: a cancelled one (re-tracked: the same parcel under a corrected number; its queued
 * messages were suppressed when it was cancelled), or a live one of a Shopify fulfillment (one
 * shipping of several boxes; a WooCommerce order's tracking items, "wc-order-…", may be shipped
 * days apart) */
static const char *const SQL_REPLACED_TOLD =
    "SELECT 1 FROM shipments s JOIN shipments o ON o.merchant_id=s.merchant_id AND o.fulfillment_id=s.fulfillment_id "
    "AND o.id<>s.id AND (o.cancelled_at<>0 OR s.fulfillment_id NOT LIKE 'wc-order-%') "
    "JOIN outbox x ON x.order_id=s.order_id AND x.shipment_id=o.id AND x.trigger=?2 "
    "AND x.channel<>'webhook' AND x.state IN ('queued','sending','sent','delivered') "
    "WHERE s.id=?1 AND s.fulfillment_id IS NOT NULL LIMIT 1";

static const char *const SQL_MERCHANT =
    "SELECT m.name,m.timezone,m.locale,n.config FROM merchants m "
    "LEFT JOIN notify_settings n ON n.merchant_id=m.id WHERE m.id=?";
static const char *const SQL_CONFIG_PUT =
    "INSERT INTO notify_settings(merchant_id,config,updated_at) VALUES(?,?,?) "
    "ON CONFLICT(merchant_id) DO UPDATE SET config=excluded.config,updated_at=excluded.updated_at";
static const char *const SQL_CUSTOMER =
    "SELECT o.id,coalesce(o.customer_id,0),o.order_ref,o.tracking_code,c.name,c.email,c.phone,c.locale,"
    "c.preferred_channel,c.timezone,o.dest_country FROM orders o LEFT JOIN customers c ON c.id=o.customer_id "
    "WHERE o.id=?";
/* what rs_tz_customer_zone reads: the customer's zone, the destination country and the shop's
 * zone (the notification settings' timezone, else the merchant's) */
static const char *const SQL_ORDER_ZONE =
    "SELECT c.timezone,o.dest_country,coalesce(nullif(CASE WHEN json_valid(n.config) THEN "
    "json_extract(n.config,'$.timezone') END,''),m.timezone) FROM orders o JOIN merchants m ON m.id=o.merchant_id "
    "LEFT JOIN customers c ON c.id=o.customer_id LEFT JOIN notify_settings n ON n.merchant_id=o.merchant_id "
    "WHERE o.id=?";
static const char *const SQL_CONTACTS =
    "SELECT channel,address FROM notify_contacts WHERE order_id=? ORDER BY updated_at,id";
static const char *const SQL_PUSHN =
    "SELECT count(*) FROM push_subscriptions WHERE order_id=? AND revoked_at IS NULL";
static const char *const SQL_OPTOUTS = "SELECT channel FROM notify_optouts WHERE customer_id=?";
static const char *const SQL_WA = "SELECT last_inbound_at FROM notify_wa_window WHERE customer_id=?";
static const char *const SQL_HISTORY =
    "SELECT created_at FROM outbox WHERE customer_id=? AND created_at>=? AND state<>'suppressed' "
    "AND channel<>'webhook' AND resend_of IS NULL ORDER BY created_at";
static const char *const SQL_OPTOUT =
    "INSERT INTO notify_optouts(customer_id,channel,source,created_at) VALUES(?,?,?,?) "
    "ON CONFLICT(customer_id,channel) DO NOTHING";
static const char *const SQL_OPTOUT_PHONE =
    "INSERT INTO notify_optouts(customer_id,channel,source,created_at) "
    "SELECT id,?,?,? FROM customers WHERE merchant_id=? AND phone=? "
    "ON CONFLICT(customer_id,channel) DO NOTHING";
/* a STOP is kept for the number itself too, so it holds for a customer record made later
 * (0021-optout-suppressed); START lifts both */
static const char *const SQL_SUPPRESS_PHONE =
    "INSERT INTO notify_suppressed(merchant_id,channel,addr_key,source,created_at) "
    "VALUES(?1,?2,rs_optout_key(?1,?3),?4,?5) ON CONFLICT(merchant_id,channel,addr_key) DO NOTHING";
static const char *const SQL_UNSUPPRESS =
    "DELETE FROM notify_suppressed WHERE merchant_id=?1 AND channel=?2 AND "
    "addr_key=rs_optout_key(?1,CASE WHEN ?2='email' THEN lower(trim(?3)) ELSE ?3 END)";
static const char *const SQL_OPTIN_PHONE =
    "DELETE FROM notify_optouts WHERE channel=? AND customer_id IN "
    "(SELECT id FROM customers WHERE merchant_id=? AND phone=?)";
static const char *const SQL_WA_INBOUND =
    "INSERT INTO notify_wa_window(customer_id,last_inbound_at) "
    "SELECT id,? FROM customers WHERE merchant_id=? AND phone=? AND true "
    "ON CONFLICT(customer_id) DO UPDATE SET last_inbound_at=max(last_inbound_at,excluded.last_inbound_at)";
static const char *const SQL_OUTBOX_INSERT =
    "INSERT INTO outbox(merchant_id,order_id,shipment_id,customer_id,trigger,channels,channel,status,"
    "substatus,locale,state,reason,deferred,next_attempt_at,idem_key,unsub_token,resend_of,created_at,"
    "updated_at,coupon_id,event_at,incident_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(idem_key) DO NOTHING";
static const char *const SQL_CLAIM =
    "UPDATE outbox SET state='sending',lease_until=?1,lease_owner=?2,updated_at=?3 WHERE id IN ("
    "SELECT id FROM outbox WHERE state IN ('queued','sending') AND next_attempt_at<=?3 AND "
    "(state='queued' OR lease_until<?3) ORDER BY next_attempt_at,id LIMIT ?4) RETURNING id";
static const char *const SQL_LOAD =
    "SELECT x.id,x.merchant_id,x.order_id,coalesce(x.shipment_id,0),coalesce(x.customer_id,0),x.trigger,"
    "x.channels,x.channel,x.status,x.substatus,x.locale,x.channel_index,x.attempts,x.total_attempts,"
    "x.state,x.unsub_token,x.idem_key,x.created_at,s.carrier,s.tracking_number,s.status_at,"
    "coalesce(x.coupon_id,0),s.status,coalesce(x.event_at,0),coalesce(x.incident_id,0) "
    "FROM outbox x LEFT JOIN shipments s ON s.id=x.shipment_id WHERE x.id=?";
static const char *const SQL_FINISH =
    "UPDATE outbox SET state=?1,channel_index=?2,channel=?3,attempts=?4,total_attempts=total_attempts+1-?13,"
    "deferred=max(deferred,?13),"
    "next_attempt_at=?5,lease_until=0,lease_owner=NULL,provider_id=coalesce(?6,provider_id),"
    "last_error=?7,reason=CASE WHEN ?1 IN ('failed','suppressed') THEN ?7 ELSE reason END,"
    "subject=coalesce(?8,subject),body=coalesce(?9,body),updated_at=?10,"
    "sent_at=CASE WHEN ?1='sent' THEN ?10 ELSE sent_at END WHERE id=?11 AND lease_owner=?12 "
    "AND state='sending'";
static const char *const SQL_ATTEMPT =
    "INSERT INTO notify_attempts(outbox_id,channel,started_at,result,http_status,provider_id,error,worker) "
    "VALUES(?,?,?,?,?,?,?,?)";
static const char *const SQL_RECEIPT =
    "UPDATE outbox SET state=?1,last_error=coalesce(?2,last_error),updated_at=?3,"
    "delivered_at=CASE WHEN ?1='delivered' THEN ?3 ELSE delivered_at END "
    "WHERE merchant_id=?4 AND provider_id=?5 AND (state='sent' OR (state='failed' AND ?1='delivered') "
    "OR state=?1) RETURNING id";
static const char *const SQL_RECEIPT_FIND =
    "SELECT id,channels,channel_index,channel FROM outbox WHERE merchant_id=? AND provider_id=? AND state='sent'";
static const char *const SQL_RECEIPT_NEXT =
    "UPDATE outbox SET state='queued',channel_index=?1,channel=?2,attempts=0,deferred=0,next_attempt_at=?3,"
    "lease_until=0,lease_owner=NULL,provider_id=NULL,last_error=?4,updated_at=?3 WHERE id=?5 AND state='sent'";
static const char *const SQL_BY_UNSUB =
    "SELECT x.merchant_id,coalesce(x.customer_id,0),x.locale,coalesce(nullif(json_extract(p.branding,"
    "'$.display_name'),''),nullif(json_extract(ns.config,'$.merchant_name'),''),m.name),o.tracking_code,x.order_id "
    "FROM outbox x JOIN merchants m ON m.id=x.merchant_id LEFT JOIN orders o ON o.id=x.order_id "
    "LEFT JOIN page_settings p ON p.merchant_id=x.merchant_id "
    "LEFT JOIN notify_settings ns ON ns.merchant_id=x.merchant_id WHERE x.unsub_token=?";
static const char *const SQL_RESEND =
    "INSERT INTO outbox(merchant_id,order_id,shipment_id,customer_id,trigger,channels,channel,status,"
    "substatus,locale,state,next_attempt_at,idem_key,unsub_token,resend_of,created_at,updated_at,coupon_id,event_at,"
    "incident_id) "
    "SELECT merchant_id,order_id,shipment_id,customer_id,trigger,channels,"
    "substr(channels,1,instr(channels||',',',')-1),status,substatus,locale,'queued',?1,"
    "idem_key||':resend'||((SELECT count(*) FROM outbox r WHERE r.resend_of=o.id)+1),"
    "CASE WHEN unsub_token IS NULL THEN NULL ELSE unsub_token||'r'||((SELECT count(*) FROM outbox r "
    "WHERE r.resend_of=o.id)+1) END,id,?1,?1,coupon_id,event_at,incident_id FROM outbox o WHERE id=?2 AND "
    "merchant_id=?3";
static const char *const SQL_ORDER_ID = "SELECT id FROM orders WHERE merchant_id=? AND order_ref=?";
static const char *const SQL_ORDER_ROWS =
    "SELECT id,trigger,channel,channels,state,reason,deferred,attempts,total_attempts,next_attempt_at,"
    "provider_id,last_error,subject,created_at,sent_at,delivered_at,status,substatus,locale,resend_of,"
    "idem_key FROM outbox WHERE order_id=? ORDER BY id";
static const char *const SQL_ATTEMPTS_OF =
    "SELECT channel,started_at,result,http_status,provider_id,error FROM notify_attempts "
    "WHERE outbox_id=? ORDER BY id";
static const char *const SQL_COUNTS = "SELECT state,count(*) FROM outbox GROUP BY state";
static const char *const SQL_NEXT_DUE =
    "SELECT coalesce(min(next_attempt_at),0) FROM outbox WHERE state IN ('queued','sending')";

#define STMT(slot, sql)                                                                                 \
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, slot, sql);                                               \
    if (!q)                                                                                             \
        return RS_EIO

enum rs_err rs_store_notify_merchant(struct rs_store *s, int64_t merchant_id, struct rs_notify_merchant *out)
{
    STMT(X_MERCHANT, SQL_MERCHANT);
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    memset(out, 0, sizeof *out);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    rs_store_sqlite_col_copy(out->name, sizeof out->name, q, 0);
    rs_store_sqlite_col_copy(out->timezone, sizeof out->timezone, q, 1);
    rs_store_sqlite_col_copy(out->locale, sizeof out->locale, q, 2);
    const unsigned char *c = sqlite3_column_text(q, 3);
    enum rs_err e = RS_OK;
    if (c && !(out->config = strdup((const char *)c)))
        e = RS_ENOMEM;
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_notify_config_put(struct rs_store *s, int64_t merchant_id, const char *config, int64_t now)
{
    STMT(X_CONFIG_PUT, SQL_CONFIG_PUT);
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, config, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_order_zone(struct rs_store *s, int64_t order_id, int64_t at, char zone[64])
{
    STMT(X_ORDER_ZONE, SQL_ORDER_ZONE);
    sqlite3_bind_int64(q, 1, order_id);
    enum rs_err e = rs_store_sqlite_row(s, q);
    if (e)
        return e;
    char customer[64], country[3], shop[64];
    rs_store_sqlite_col_copy(customer, sizeof customer, q, 0);
    rs_store_sqlite_col_copy(country, sizeof country, q, 1);
    rs_store_sqlite_col_copy(shop, sizeof shop, q, 2);
    sqlite3_reset(q);
    rs_tz_customer_zone(customer, country, shop, at, zone);
    return RS_OK;
}

enum rs_err rs_store_notify_customer(struct rs_store *s, int64_t order_id, struct rs_notify_customer *out)
{
    memset(out, 0, sizeof *out);
    {
        STMT(X_CUSTOMER, SQL_CUSTOMER);
        sqlite3_bind_int64(q, 1, order_id);
        enum rs_err e = rs_store_sqlite_row(s, q);
        if (e)
            return e;
        out->order_id = sqlite3_column_int64(q, 0);
        out->customer_id = sqlite3_column_int64(q, 1);
        rs_store_sqlite_col_copy(out->order_ref, sizeof out->order_ref, q, 2);
        rs_store_sqlite_col_copy(out->tracking_code, sizeof out->tracking_code, q, 3);
        rs_store_sqlite_col_copy(out->name, sizeof out->name, q, 4);
        rs_store_sqlite_col_copy(out->email, sizeof out->email, q, 5);
        rs_store_sqlite_col_copy(out->phone, sizeof out->phone, q, 6);
        rs_store_sqlite_col_copy(out->locale, sizeof out->locale, q, 7);
        rs_store_sqlite_col_copy(out->preferred, sizeof out->preferred, q, 8);
        rs_store_sqlite_col_copy(out->timezone, sizeof out->timezone, q, 9);
        rs_store_sqlite_col_copy(out->country, sizeof out->country, q, 10);
        sqlite3_reset(q);
    }
    {
        /* what the customer gave on the tracking page for this order wins */
        STMT(X_CONTACTS, SQL_CONTACTS);
        sqlite3_bind_int64(q, 1, order_id);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *ch = (const char *)sqlite3_column_text(q, 0);
            const char *addr = (const char *)sqlite3_column_text(q, 1);
            if (!ch || !addr)
                continue;
            if (strcmp(ch, "email") == 0)
                snprintf(out->email, sizeof out->email, "%s", addr);
            else if (strcmp(ch, "sms") == 0 || strcmp(ch, "whatsapp") == 0)
                snprintf(out->phone, sizeof out->phone, "%s", addr);
            snprintf(out->preferred, sizeof out->preferred, "%s", ch);
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return rs_store_sqlite_rc(s, rc);
    }
    {
        STMT(X_PUSHN, SQL_PUSHN);
        sqlite3_bind_int64(q, 1, order_id);
        if (sqlite3_step(q) == SQLITE_ROW)
            out->n_push = sqlite3_column_int(q, 0);
        sqlite3_reset(q);
    }
    if (!out->customer_id)
        return RS_OK;
    {
        STMT(X_OPTOUTS, SQL_OPTOUTS);
        sqlite3_bind_int64(q, 1, out->customer_id);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            int c = rs_channel_parse((const char *)sqlite3_column_text(q, 0), -1);
            if (c >= 0)
                out->optout |= 1u << c;
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return rs_store_sqlite_rc(s, rc);
    }
    STMT(X_WA, SQL_WA);
    sqlite3_bind_int64(q, 1, out->customer_id);
    if (sqlite3_step(q) == SQLITE_ROW)
        out->wa_last_inbound = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return RS_OK;
}

enum rs_err rs_store_notify_history(struct rs_store *s, int64_t customer_id, int64_t since, int64_t *out, int max,
                                    int *n)
{
    STMT(X_HISTORY, SQL_HISTORY);
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_int64(q, 2, since);
    return rs_store_sqlite_ids(s, q, out, max, n);
}

enum rs_err rs_store_notify_replaced_told(struct rs_store *s, int64_t shipment_id, const char *trigger, bool *told)
{
    *told = false;
    STMT(X_REPLACED_TOLD, SQL_REPLACED_TOLD);
    sqlite3_bind_int64(q, 1, shipment_id);
    sqlite3_bind_text(q, 2, trigger, -1, SQLITE_STATIC);
    enum rs_err e = rs_store_sqlite_row(s, q);
    if (e == RS_OK) {
        *told = true;
        sqlite3_reset(q);
    }
    return e == RS_ENOTFOUND ? RS_OK : e;
}

enum rs_err rs_store_notify_optout(struct rs_store *s, int64_t customer_id, const char *channel, const char *source,
                                   int64_t now)
{
    STMT(X_OPTOUT, SQL_OPTOUT);
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_text(q, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_notify_optout_phone(struct rs_store *s, int64_t merchant_id, const char *phone,
                                         const char *channel, const char *source, int64_t now, int *n)
{
    STMT(X_OPTOUT_PHONE, SQL_OPTOUT_PHONE);
    sqlite3_bind_text(q, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int64(q, 4, merchant_id);
    sqlite3_bind_text(q, 5, phone, -1, SQLITE_STATIC);
    enum rs_err e = rs_store_sqlite_run(s, q);
    *n = e ? 0 : sqlite3_changes(rs_store_sqlite_db(s));
    if (e)
        return e;
    if (!(q = rs_store_sqlite_stmt(s, X_SUPPRESS_PHONE, SQL_SUPPRESS_PHONE)))
        return RS_EIO;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, phone, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, now);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_notify_unsuppress(struct rs_store *s, int64_t merchant_id, const char *channel,
                                       const char *address)
{
    if (!address || !*address)
        return RS_OK;
    STMT(X_UNSUPPRESS, SQL_UNSUPPRESS);
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, address, -1, SQLITE_STATIC);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_notify_optin_phone(struct rs_store *s, int64_t merchant_id, const char *phone,
                                        const char *channel, int *n)
{
    STMT(X_OPTIN_PHONE, SQL_OPTIN_PHONE);
    sqlite3_bind_text(q, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_text(q, 3, phone, -1, SQLITE_STATIC);
    enum rs_err e = rs_store_sqlite_run(s, q);
    *n = e ? 0 : sqlite3_changes(rs_store_sqlite_db(s));
    return e ? e : rs_store_notify_unsuppress(s, merchant_id, channel, phone);
}

enum rs_err rs_store_notify_wa_inbound(struct rs_store *s, int64_t merchant_id, const char *phone, int64_t at)
{
    STMT(X_WA_INBOUND, SQL_WA_INBOUND);
    sqlite3_bind_int64(q, 1, at);
    sqlite3_bind_int64(q, 2, merchant_id);
    sqlite3_bind_text(q, 3, phone, -1, SQLITE_STATIC);
    return rs_store_sqlite_run(s, q);
}

enum rs_err rs_store_outbox_insert(struct rs_store *s, const struct rs_outbox_new *r, int64_t now, int64_t *id)
{
    STMT(X_OUTBOX_INSERT, SQL_OUTBOX_INSERT);
    char first[16];
    size_t fl = strcspn(r->channels, ",");
    snprintf(first, sizeof first, "%.*s", (int)(fl < 15 ? fl : 15), r->channels);
    sqlite3_bind_int64(q, 1, r->merchant_id);
    sqlite3_bind_int64(q, 2, r->order_id);
    if (r->shipment_id)
        sqlite3_bind_int64(q, 3, r->shipment_id);
    if (r->customer_id)
        sqlite3_bind_int64(q, 4, r->customer_id);
    sqlite3_bind_text(q, 5, r->trigger, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, r->channels, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, first, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 8, r->status ? r->status : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, r->substatus ? r->substatus : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, r->locale && *r->locale ? r->locale : "es", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 11, r->state, -1, SQLITE_STATIC);
    rs_store_sqlite_bind_opt(q, 12, r->reason);
    sqlite3_bind_int(q, 13, r->deferred);
    sqlite3_bind_int64(q, 14, r->next_attempt_at);
    sqlite3_bind_text(q, 15, r->idem_key, -1, SQLITE_STATIC);
    rs_store_sqlite_bind_opt(q, 16, r->unsub_token);
    if (r->resend_of)
        sqlite3_bind_int64(q, 17, r->resend_of);
    sqlite3_bind_int64(q, 18, now);
    sqlite3_bind_int64(q, 19, now);
    if (r->coupon_id)
        sqlite3_bind_int64(q, 20, r->coupon_id);
    if (r->event_at)
        sqlite3_bind_int64(q, 21, r->event_at);
    if (r->incident_id)
        sqlite3_bind_int64(q, 22, r->incident_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (e)
        return e;
    if (sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        return RS_EDUPLICATE;
    *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return RS_OK;
}

enum rs_err rs_store_outbox_claim(struct rs_store *s, const char *owner, int64_t now, int lease_s, int64_t *ids,
                                  int max, int *n)
{
    STMT(X_CLAIM, SQL_CLAIM);
    sqlite3_bind_int64(q, 1, now + lease_s);
    sqlite3_bind_text(q, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int(q, 4, max);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

enum rs_err rs_store_outbox_load(struct rs_store *s, int64_t id, struct rs_outbox_job *o)
{
    STMT(X_LOAD, SQL_LOAD);
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    memset(o, 0, sizeof *o);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    }
    o->id = sqlite3_column_int64(q, 0);
    o->merchant_id = sqlite3_column_int64(q, 1);
    o->order_id = sqlite3_column_int64(q, 2);
    o->shipment_id = sqlite3_column_int64(q, 3);
    o->customer_id = sqlite3_column_int64(q, 4);
    rs_store_sqlite_col_copy(o->trigger, sizeof o->trigger, q, 5);
    rs_store_sqlite_col_copy(o->channels, sizeof o->channels, q, 6);
    rs_store_sqlite_col_copy(o->channel, sizeof o->channel, q, 7);
    rs_store_sqlite_col_copy(o->status, sizeof o->status, q, 8);
    rs_store_sqlite_col_copy(o->substatus, sizeof o->substatus, q, 9);
    rs_store_sqlite_col_copy(o->locale, sizeof o->locale, q, 10);
    o->channel_index = sqlite3_column_int(q, 11);
    o->attempts = sqlite3_column_int(q, 12);
    o->total_attempts = sqlite3_column_int(q, 13);
    rs_store_sqlite_col_copy(o->state, sizeof o->state, q, 14);
    rs_store_sqlite_col_copy(o->unsub_token, sizeof o->unsub_token, q, 15);
    rs_store_sqlite_col_copy(o->idem_key, sizeof o->idem_key, q, 16);
    o->created_at = sqlite3_column_int64(q, 17);
    rs_store_sqlite_col_copy(o->carrier, sizeof o->carrier, q, 18);
    rs_store_sqlite_col_copy(o->tracking_number, sizeof o->tracking_number, q, 19);
    o->status_at = sqlite3_column_int64(q, 20);
    o->coupon_id = sqlite3_column_int64(q, 21);
    rs_store_sqlite_col_copy(o->shipment_status, sizeof o->shipment_status, q, 22);
    o->event_at = sqlite3_column_int64(q, 23);
    o->incident_id = sqlite3_column_int64(q, 24);
    sqlite3_reset(q);
    return RS_OK;
}

enum rs_err rs_store_outbox_finish(struct rs_store *s, const struct rs_outbox_done *d, int64_t now)
{
    {
        STMT(X_FINISH, SQL_FINISH);
        sqlite3_bind_text(q, 1, d->state, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, d->channel_index);
        sqlite3_bind_text(q, 3, d->new_channel, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 4, d->attempts);
        sqlite3_bind_int64(q, 5, d->next_attempt_at);
        rs_store_sqlite_bind_opt(q, 6, d->provider_id);
        rs_store_sqlite_bind_opt(q, 7, d->error);
        rs_store_sqlite_bind_opt(q, 8, d->subject);
        rs_store_sqlite_bind_opt(q, 9, d->body);
        sqlite3_bind_int64(q, 10, now);
        sqlite3_bind_int64(q, 11, d->id);
        sqlite3_bind_text(q, 12, d->owner, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 13, d->deferred ? 1 : 0);
        enum rs_err e = rs_store_sqlite_run(s, q);
        if (e)
            return e;
        if (sqlite3_changes(rs_store_sqlite_db(s)) == 0)
            return RS_ECONFLICT;
    }
    STMT(X_ATTEMPT, SQL_ATTEMPT);
    sqlite3_bind_int64(q, 1, d->id);
    sqlite3_bind_text(q, 2, d->channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, d->started_at);
    sqlite3_bind_text(q, 4, d->result, -1, SQLITE_STATIC);
    if (d->http_status)
        sqlite3_bind_int(q, 5, d->http_status);
    rs_store_sqlite_bind_opt(q, 6, d->provider_id);
    rs_store_sqlite_bind_opt(q, 7, d->error);
    sqlite3_bind_text(q, 8, d->owner, -1, SQLITE_STATIC);
    return rs_store_sqlite_run(s, q);
}

/* A failed receipt of a sent row with a fallback channel left: queue it on that channel.
 * *moved = true when it did. */
static enum rs_err receipt_next_channel(struct rs_store *s, int64_t merchant_id, const char *provider_id,
                                        const char *error, int64_t now, bool *moved)
{
    *moved = false;
    int64_t id = 0;
    int index = 0;
    char channels[64] = "", channel[16] = "";
    {
        STMT(X_RECEIPT_FIND, SQL_RECEIPT_FIND);
        sqlite3_bind_int64(q, 1, merchant_id);
        sqlite3_bind_text(q, 2, provider_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            id = sqlite3_column_int64(q, 0);
            rs_store_sqlite_col_copy(channels, sizeof channels, q, 1);
            index = sqlite3_column_int(q, 2);
            rs_store_sqlite_col_copy(channel, sizeof channel, q, 3);
        }
        enum rs_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
        sqlite3_reset(q);
        if (e || !id)
            return e;
    }
    /* the channel after INDEX in "email,sms,whatsapp" */
    const char *p = channels;
    for (int i = 0; i <= index && p; i++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (!p || !*p)
        return RS_OK; /* none left: the receipt fails the row */
    char next[16];
    snprintf(next, sizeof next, "%.*s", (int)strcspn(p, ","), p);
    char why[300];
    snprintf(why, sizeof why, "the provider reported it undelivered%s%.200s", error ? ": " : "", error ? error : "");
    {
        STMT(X_RECEIPT_NEXT, SQL_RECEIPT_NEXT);
        sqlite3_bind_int(q, 1, index + 1);
        sqlite3_bind_text(q, 2, next, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, now);
        sqlite3_bind_text(q, 4, why, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, id);
        enum rs_err e = rs_store_sqlite_run(s, q);
        if (e || sqlite3_changes(rs_store_sqlite_db(s)) == 0)
            return e;
    }
    STMT(X_ATTEMPT, SQL_ATTEMPT);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_text(q, 4, "next_channel", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, provider_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, why, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, "receipt", -1, SQLITE_STATIC);
    enum rs_err e = rs_store_sqlite_run(s, q);
    *moved = e == RS_OK;
    return e;
}

enum rs_err rs_store_outbox_receipt(struct rs_store *s, int64_t merchant_id, const char *provider_id,
                                    const char *state, const char *error, int64_t now)
{
    if (strcmp(state, "failed") == 0) {
        bool moved;
        enum rs_err e = receipt_next_channel(s, merchant_id, provider_id, error, now, &moved);
        if (e || moved)
            return e;
    }
    STMT(X_RECEIPT, SQL_RECEIPT);
    sqlite3_bind_text(q, 1, state, -1, SQLITE_STATIC);
    rs_store_sqlite_bind_opt(q, 2, error);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int64(q, 4, merchant_id);
    sqlite3_bind_text(q, 5, provider_id, -1, SQLITE_STATIC);
    int rc, rows = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        rows++;
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e ? e : rows ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_outbox_by_unsub(struct rs_store *s, const char *token, struct rs_unsub_row *out)
{
    STMT(X_BY_UNSUB, SQL_BY_UNSUB);
    memset(out, 0, sizeof *out);
    sqlite3_bind_text(q, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    enum rs_err e = RS_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        out->merchant_id = sqlite3_column_int64(q, 0);
        out->customer_id = sqlite3_column_int64(q, 1);
        const unsigned char *t;
        if ((t = sqlite3_column_text(q, 2)))
            snprintf(out->locale, sizeof out->locale, "%s", (const char *)t);
        if ((t = sqlite3_column_text(q, 3)))
            snprintf(out->shop, sizeof out->shop, "%s", (const char *)t);
        if ((t = sqlite3_column_text(q, 4)))
            snprintf(out->code, sizeof out->code, "%s", (const char *)t);
        out->order_id = sqlite3_column_int64(q, 5);
        e = RS_OK;
    } else if (rc != SQLITE_DONE) {
        e = rs_store_sqlite_rc(s, rc);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_outbox_resend(struct rs_store *s, int64_t merchant_id, int64_t id, int64_t now,
                                   int64_t *new_id)
{
    STMT(X_RESEND, SQL_RESEND);
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, id);
    sqlite3_bind_int64(q, 3, merchant_id);
    enum rs_err e = rs_store_sqlite_run(s, q);
    if (e)
        return e;
    if (sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        return RS_ENOTFOUND;
    *new_id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return RS_OK;
}

enum rs_err rs_store_outbox_order_json(struct rs_store *s, int64_t merchant_id, const char *order_ref, json_t **out)
{
    int64_t order_id;
    {
        STMT(X_ORDER_ID, SQL_ORDER_ID);
        sqlite3_bind_int64(q, 1, merchant_id);
        sqlite3_bind_text(q, 2, order_ref, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(q);
            return rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
        }
        order_id = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
    }
    json_t *arr = json_array();
    {
        sqlite3_stmt *q = rs_store_sqlite_stmt(s, X_ORDER_ROWS, SQL_ORDER_ROWS);
        if (!q) {
            json_decref(arr);
            return RS_EIO;
        }
        sqlite3_bind_int64(q, 1, order_id);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_integer(sqlite3_column_int64(q, 0)));
            json_object_set_new(o, "trigger", rs_store_sqlite_col_str(q, 1));
            json_object_set_new(o, "channel", rs_store_sqlite_col_str(q, 2));
            const char *chs = (const char *)sqlite3_column_text(q, 3);
            json_t *fb = json_array();
            for (const char *p = chs; p && *p;) {
                size_t l = strcspn(p, ",");
                json_array_append_new(fb, json_stringn(p, l));
                p += l + (p[l] == ',');
            }
            json_object_set_new(o, "channels", fb);
            json_object_set_new(o, "state", rs_store_sqlite_col_str(q, 4));
            json_object_set_new(o, "reason", rs_store_sqlite_col_str(q, 5));
            json_object_set_new(o, "deferred", json_boolean(sqlite3_column_int(q, 6)));
            json_object_set_new(o, "attempts", json_integer(sqlite3_column_int(q, 8)));
            json_object_set_new(o, "next_attempt_at", rs_store_sqlite_col_time(q, 9, 0));
            json_object_set_new(o, "provider_id", rs_store_sqlite_col_str(q, 10));
            json_object_set_new(o, "last_error", rs_store_sqlite_col_str(q, 11));
            json_object_set_new(o, "subject", rs_store_sqlite_col_str(q, 12));
            json_object_set_new(o, "created_at", rs_store_sqlite_col_time(q, 13, 0));
            json_object_set_new(o, "sent_at", rs_store_sqlite_col_time(q, 14, 0));
            json_object_set_new(o, "delivered_at", rs_store_sqlite_col_time(q, 15, 0));
            json_object_set_new(o, "status", rs_store_sqlite_col_str(q, 16));
            json_object_set_new(o, "substatus", rs_store_sqlite_col_str(q, 17));
            json_object_set_new(o, "locale", rs_store_sqlite_col_str(q, 18));
            json_object_set_new(o, "resend_of", sqlite3_column_type(q, 19) == SQLITE_NULL
                                                    ? json_null()
                                                    : json_integer(sqlite3_column_int64(q, 19)));
            json_object_set_new(o, "idempotency_key", rs_store_sqlite_col_str(q, 20));
            json_array_append_new(arr, o);
        }
        enum rs_err e = rs_store_sqlite_rc(s, rc);
        sqlite3_reset(q);
        if (e) {
            json_decref(arr);
            return e;
        }
    }
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        sqlite3_stmt *q = rs_store_sqlite_stmt(s, X_ATTEMPTS_OF, SQL_ATTEMPTS_OF);
        if (!q) {
            json_decref(arr);
            return RS_EIO;
        }
        sqlite3_bind_int64(q, 1, json_integer_value(json_object_get(o, "id")));
        json_t *log = json_array();
        while (sqlite3_step(q) == SQLITE_ROW) {
            json_t *a = json_object();
            json_object_set_new(a, "channel", rs_store_sqlite_col_str(q, 0));
            json_object_set_new(a, "at", rs_store_sqlite_col_time(q, 1, 0));
            json_object_set_new(a, "result", rs_store_sqlite_col_str(q, 2));
            json_object_set_new(a, "http_status", sqlite3_column_type(q, 3) == SQLITE_NULL
                                                       ? json_null()
                                                       : json_integer(sqlite3_column_int(q, 3)));
            json_object_set_new(a, "provider_id", rs_store_sqlite_col_str(q, 4));
            json_object_set_new(a, "error", rs_store_sqlite_col_str(q, 5));
            json_array_append_new(log, a);
        }
        sqlite3_reset(q);
        json_object_set_new(o, "attempts_log", log);
    }
    *out = arr;
    return RS_OK;
}

enum rs_err rs_store_outbox_counts(struct rs_store *s, int64_t counts[6])
{
    static const char *const names[6] = {"queued", "sending", "sent", "delivered", "failed", "suppressed"};
    STMT(X_COUNTS, SQL_COUNTS);
    memset(counts, 0, 6 * sizeof counts[0]);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(q, 0);
        for (int i = 0; i < 6; i++)
            if (st && strcmp(st, names[i]) == 0)
                counts[i] = sqlite3_column_int64(q, 1);
    }
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_outbox_next_due(struct rs_store *s, int64_t *at)
{
    STMT(X_NEXT_DUE, SQL_NEXT_DUE);
    int rc = sqlite3_step(q);
    *at = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}
