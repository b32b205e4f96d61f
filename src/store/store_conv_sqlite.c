/* store_conv_sqlite.c — SQLite side of store_conv.h (tables conversations, messages of
 * 0007-support). Hot statements (the inbound path, the reply queue) use the cached slots
 * RS_STORE_SLOTS_CONV..+47; listings are prepared per call. */
#include "store/store_conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_notify.h"
#include "store/store_sqlite_priv.h"
#include "util/timefmt.h"

enum {
    X_CUST_BY_PHONE = RS_STORE_SLOTS_CONV,
    X_CUST_BY_EMAIL,
    X_CONV_BY_CUSTOMER,
    X_CONV_BY_PHONE,
    X_CONV_BY_EMAIL,
    X_CONV_INSERT,
    X_CONV_GET,
    X_CONV_SAVE,
    X_MERCHANT_LOCALE,
    X_MSG_INSERT,
    X_MSG_TOUCH,
    X_MSG_CLASSIFIED,
    X_PREV_INTENT,
    X_LAST_MSG,
    X_FIRST_OUT,
    X_NOTE_DUP,
    X_ORDER_BASE,       /* +0..3: by code, ref, id, customer */
    X_ORDER_BASE_END = X_ORDER_BASE + 3,
    X_SUPPORT_CONFIG,
    X_AGENT_BY_EMAIL,
    X_AGENT_EXISTS,
    X_REPLY_CLAIM,
    X_REPLY_LOAD,
    X_REPLY_FINISH,
    X_REPLY_RECEIPT,
    X_REPLY_COUNTS,
    X_CONV_FOR_ORDER_CUST,
    X_MSG_BY_EMAIL_ID,
    X_LAST_CHANNEL,
    X_CUSTOMER_OPEN_ORDERS,
    X_MSG_RESENT,
    X_CONV_LAST = RS_STORE_SLOTS_CONV + 47,
};

#define STMT(slot, sql)                                                                                 \
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, slot, sql);                                               \
    if (!q)                                                                                             \
    return RS_EIO

static enum rs_err done(struct rs_store *s, sqlite3_stmt *q, int rc)
{
    enum rs_err e = rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

/* ---- conversations ---- */

#define CONV_COLS                                                                                       \
    "c.id,c.merchant_id,coalesce(c.customer_id,0),coalesce(c.assigned_agent_id,0),coalesce(c.order_id,0),"  \
    "coalesce(c.verified_order_id,0),c.phone,c.email,c.channel,c.sms_provider,c.locale,c.state,"          \
    "c.handover_reason,c.subject,coalesce(c.handover_at,0),coalesce(c.last_inbound_at,0),c.last_message_at," \
    "c.created_at,u.name,u.locale"
#define CONV_FROM " FROM conversations c LEFT JOIN customers u ON u.id=c.customer_id "

static void conv_row(sqlite3_stmt *q, struct rs_conv *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, 0);
    c->merchant_id = sqlite3_column_int64(q, 1);
    c->customer_id = sqlite3_column_int64(q, 2);
    c->assigned_agent_id = sqlite3_column_int64(q, 3);
    c->order_id = sqlite3_column_int64(q, 4);
    c->verified_order_id = sqlite3_column_int64(q, 5);
    rs_store_sqlite_col_copy(c->phone, sizeof c->phone, q, 6);
    rs_store_sqlite_col_copy(c->email, sizeof c->email, q, 7);
    rs_store_sqlite_col_copy(c->channel, sizeof c->channel, q, 8);
    rs_store_sqlite_col_copy(c->sms_provider, sizeof c->sms_provider, q, 9);
    rs_store_sqlite_col_copy(c->locale, sizeof c->locale, q, 10);
    rs_store_sqlite_col_copy(c->state, sizeof c->state, q, 11);
    rs_store_sqlite_col_copy(c->handover_reason, sizeof c->handover_reason, q, 12);
    rs_store_sqlite_col_copy(c->subject, sizeof c->subject, q, 13);
    c->handover_at = sqlite3_column_int64(q, 14);
    c->last_inbound_at = sqlite3_column_int64(q, 15);
    c->last_message_at = sqlite3_column_int64(q, 16);
    c->created_at = sqlite3_column_int64(q, 17);
    rs_store_sqlite_col_copy(c->customer_name, sizeof c->customer_name, q, 18);
    rs_store_sqlite_col_copy(c->customer_locale, sizeof c->customer_locale, q, 19);
}

/* One conversation row from a prepared statement with bound parameters; RS_ENOTFOUND when none. */
static enum rs_err conv_one(struct rs_store *s, sqlite3_stmt *q, struct rs_conv *c)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        conv_row(q, c);
        sqlite3_reset(q);
        return RS_OK;
    }
    enum rs_err e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    sqlite3_reset(q);
    return e;
}

static enum rs_err id_one(struct rs_store *s, sqlite3_stmt *q, int64_t *id)
{
    int rc = sqlite3_step(q);
    enum rs_err e = rc == SQLITE_ROW ? RS_OK : rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_conv_by_email_id(struct rs_store *s, int64_t merchant_id, const char *message_id,
                                      int64_t *conversation_id, int64_t *incident_id)
{
    /* provider_id of a sent e-mail is its Message-ID (notify/email.c); provider_msg_id of a
     * received one is the customer's */
    STMT(X_MSG_BY_EMAIL_ID,
         "SELECT conversation_id,coalesce(incident_id,0) FROM messages WHERE merchant_id=?1 AND channel='email' AND "
         "((direction='out' AND provider_id=?2) OR (direction='in' AND provider_msg_id=?2)) ORDER BY id DESC LIMIT 1");
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, message_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    enum rs_err e = rc == SQLITE_ROW ? RS_OK : rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
    if (rc == SQLITE_ROW) {
        *conversation_id = sqlite3_column_int64(q, 0);
        *incident_id = sqlite3_column_int64(q, 1);
    }
    sqlite3_reset(q);
    return e;
}

enum rs_err rs_store_conv_get(struct rs_store *s, int64_t merchant_id, int64_t id, struct rs_conv *c)
{
    STMT(X_CONV_GET, "SELECT " CONV_COLS CONV_FROM "WHERE c.id=? AND c.merchant_id=?");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, merchant_id);
    return conv_one(s, q, c);
}

static enum rs_err conv_insert(struct rs_store *s, int64_t merchant_id, int64_t customer_id, const char *phone,
                               const char *email, const char *channel, const char *sms_provider,
                               const char *locale, int64_t now, int64_t *id)
{
    STMT(X_CONV_INSERT, "INSERT INTO conversations(merchant_id,customer_id,phone,email,channel,sms_provider,locale,"
                        "last_message_at,created_at,updated_at) VALUES(?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(q, 1, merchant_id);
    if (customer_id)
        sqlite3_bind_int64(q, 2, customer_id);
    rs_store_sqlite_bind_opt(q, 3, phone);
    rs_store_sqlite_bind_opt(q, 4, email);
    sqlite3_bind_text(q, 5, channel, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 6, sms_provider);
    sqlite3_bind_text(q, 7, locale, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 8, now);
    sqlite3_bind_int64(q, 9, now);
    sqlite3_bind_int64(q, 10, now);
    enum rs_err e = done(s, q, sqlite3_step(q));
    if (!e)
        *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    return e;
}

static void merchant_locale(struct rs_store *s, int64_t merchant_id, char out[8])
{
    snprintf(out, 8, "es");
    sqlite3_stmt *q = rs_store_sqlite_stmt(s, X_MERCHANT_LOCALE, "SELECT locale FROM merchants WHERE id=?");
    if (!q)
        return;
    sqlite3_bind_int64(q, 1, merchant_id);
    if (sqlite3_step(q) == SQLITE_ROW)
        rs_store_sqlite_col_copy(out, 8, q, 0);
    sqlite3_reset(q);
}

/* "es"/"en" from a locale such as "es-ES", "en_GB"; "" when neither. */
static const char *lang2(const char *loc)
{
    if (!loc)
        return "";
    if (strncmp(loc, "es", 2) == 0)
        return "es";
    if (strncmp(loc, "en", 2) == 0)
        return "en";
    return "";
}

/* The other way of writing mobile number PHONE where a country has two: WhatsApp gives Mexican
 * mobiles as +52 1 + ten digits and Argentine ones as +54 9 + ten digits, while shops keep them
 * without the 1 (Mexico dropped it in 2019) or the 9 (a national habit), and the reverse. OUT is
 * PHONE itself when there is no other form. */
static void phone_other_form(const char *phone, char out[24])
{
    size_t n = strlen(phone);
    snprintf(out, 24, "%s", phone);
    static const struct {
        const char *country, *mobile;
    } two[] = {{"+52", "1"}, {"+54", "9"}};
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
        if (strncmp(phone, two[i].country, 3) != 0)
            continue;
        if (n == 3 + 1 + 10 && phone[3] == two[i].mobile[0])
            snprintf(out, 24, "%s%s", two[i].country, phone + 4);
        else if (n == 3 + 10)
            snprintf(out, 24, "%s%s%s", two[i].country, two[i].mobile, phone + 3);
    }
}

enum rs_err rs_store_conv_find_or_create(struct rs_store *s, const struct rs_conv_sender *in, int64_t now,
                                         struct rs_conv *c, bool *created)
{
    *created = false;
    const char *phone = in->phone && *in->phone ? in->phone : NULL;
    const char *email = in->email && *in->email ? in->email : NULL;
    int64_t customer_id = in->customer_id;
    enum rs_err e;
    if (!customer_id && phone) {
        char other[24];
        phone_other_form(phone, other);
        STMT(X_CUST_BY_PHONE,
             "SELECT id FROM customers WHERE merchant_id=? AND phone IN (?,?) ORDER BY id DESC LIMIT 1");
        sqlite3_bind_int64(q, 1, in->merchant_id);
        sqlite3_bind_text(q, 2, phone, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, other, -1, SQLITE_TRANSIENT);
        e = id_one(s, q, &customer_id);
        if (e && e != RS_ENOTFOUND)
            return e;
    }
    if (!customer_id && email) {
        STMT(X_CUST_BY_EMAIL,
             "SELECT id FROM customers WHERE merchant_id=? AND lower(email)=? ORDER BY id DESC LIMIT 1");
        sqlite3_bind_int64(q, 1, in->merchant_id);
        sqlite3_bind_text(q, 2, email, -1, SQLITE_TRANSIENT);
        e = id_one(s, q, &customer_id);
        if (e && e != RS_ENOTFOUND)
            return e;
    }
    e = RS_ENOTFOUND;
    if (customer_id) {
        STMT(X_CONV_BY_CUSTOMER, "SELECT " CONV_COLS CONV_FROM
                                 "WHERE c.merchant_id=? AND c.customer_id=? ORDER BY c.id DESC LIMIT 1");
        sqlite3_bind_int64(q, 1, in->merchant_id);
        sqlite3_bind_int64(q, 2, customer_id);
        e = conv_one(s, q, c);
    } else if (phone) {
        STMT(X_CONV_BY_PHONE, "SELECT " CONV_COLS CONV_FROM "WHERE c.merchant_id=? AND c.phone=? AND "
                              "c.customer_id IS NULL ORDER BY c.id DESC LIMIT 1");
        sqlite3_bind_int64(q, 1, in->merchant_id);
        sqlite3_bind_text(q, 2, phone, -1, SQLITE_TRANSIENT);
        e = conv_one(s, q, c);
    } else if (email) {
        STMT(X_CONV_BY_EMAIL, "SELECT " CONV_COLS CONV_FROM "WHERE c.merchant_id=? AND c.email=? AND "
                              "c.customer_id IS NULL ORDER BY c.id DESC LIMIT 1");
        sqlite3_bind_int64(q, 1, in->merchant_id);
        sqlite3_bind_text(q, 2, email, -1, SQLITE_TRANSIENT);
        e = conv_one(s, q, c);
    }
    if (e && e != RS_ENOTFOUND)
        return e;
    if (e == RS_ENOTFOUND) {
        char loc[8] = "";
        int64_t id = 0;
        merchant_locale(s, in->merchant_id, loc);
        e = conv_insert(s, in->merchant_id, customer_id, phone, email, in->channel, in->sms_provider, loc, now, &id);
        if (e)
            return e;
        if ((e = rs_store_conv_get(s, in->merchant_id, id, c)))
            return e;
        *created = true;
        /* the customer's own language first */
        if (*lang2(c->customer_locale))
            snprintf(c->locale, sizeof c->locale, "%s", lang2(c->customer_locale));
    }
    if (strcmp(in->channel, "phone") != 0) {
        snprintf(c->channel, sizeof c->channel, "%s", in->channel);
        snprintf(c->sms_provider, sizeof c->sms_provider, "%s", in->sms_provider ? in->sms_provider : "");
    } else if (*created || strcmp(c->channel, "phone") == 0) {
        /* a call an agent logs is nothing we can send on: replies and incident news keep going by
         * the channel the customer wrote from, and a conversation a call starts answers by e-mail,
         * else SMS (as rs_store_conv_for_order picks) */
        snprintf(c->channel, sizeof c->channel, "%s", email ? "email" : "sms");
    }
    if (phone && !c->phone[0])
        snprintf(c->phone, sizeof c->phone, "%s", phone);
    if (phone && strcmp(in->channel, "email") != 0)
        snprintf(c->phone, sizeof c->phone, "%s", phone); /* replies go to the number that wrote */
    if (email)
        snprintf(c->email, sizeof c->email, "%s", email);
    if (strcmp(c->state, "closed") == 0) {
        snprintf(c->state, sizeof c->state, "bot");
        c->assigned_agent_id = 0;
    }
    return rs_store_conv_save(s, c, now);
}

enum rs_err rs_store_conv_save(struct rs_store *s, const struct rs_conv *c, int64_t now)
{
    STMT(X_CONV_SAVE, "UPDATE conversations SET state=?,assigned_agent_id=?,order_id=?,verified_order_id=?,"
                      "handover_at=?,handover_reason=?,locale=?,channel=?,sms_provider=?,subject=?,phone=?,email=?,"
                      "last_inbound_at=?,updated_at=? WHERE id=? AND merchant_id=?");
    sqlite3_bind_text(q, 1, c->state, -1, SQLITE_TRANSIENT);
    if (c->assigned_agent_id)
        sqlite3_bind_int64(q, 2, c->assigned_agent_id);
    if (c->order_id)
        sqlite3_bind_int64(q, 3, c->order_id);
    if (c->verified_order_id)
        sqlite3_bind_int64(q, 4, c->verified_order_id);
    if (c->handover_at)
        sqlite3_bind_int64(q, 5, c->handover_at);
    rs_store_sqlite_bind_opt(q, 6, c->handover_reason);
    sqlite3_bind_text(q, 7, c->locale[0] ? c->locale : "es", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 8, c->channel, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 9, c->sms_provider);
    rs_store_sqlite_bind_opt(q, 10, c->subject);
    rs_store_sqlite_bind_opt(q, 11, c->phone);
    rs_store_sqlite_bind_opt(q, 12, c->email);
    if (c->last_inbound_at)
        sqlite3_bind_int64(q, 13, c->last_inbound_at);
    sqlite3_bind_int64(q, 14, now);
    sqlite3_bind_int64(q, 15, c->id);
    sqlite3_bind_int64(q, 16, c->merchant_id);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_conv_for_order(struct rs_store *s, int64_t merchant_id, int64_t order_id, int64_t now,
                                    struct rs_conv *c)
{
    STMT(X_CONV_FOR_ORDER_CUST,
         "SELECT o.customer_id,u.phone,lower(u.email),u.preferred_channel,u.locale FROM orders o "
         "LEFT JOIN customers u ON u.id=o.customer_id WHERE o.id=? AND o.merchant_id=?");
    sqlite3_bind_int64(q, 1, order_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? (sqlite3_reset(q), RS_ENOTFOUND) : done(s, q, rc);
    int64_t customer_id = sqlite3_column_int64(q, 0);
    char phone[24], email[256], pref[16], loc[16];
    rs_store_sqlite_col_copy(phone, sizeof phone, q, 1);
    rs_store_sqlite_col_copy(email, sizeof email, q, 2);
    rs_store_sqlite_col_copy(pref, sizeof pref, q, 3);
    rs_store_sqlite_col_copy(loc, sizeof loc, q, 4);
    sqlite3_reset(q);
    enum rs_err e;
    if (customer_id) {
        sqlite3_stmt *q2 = rs_store_sqlite_stmt(s, X_CONV_BY_CUSTOMER, "SELECT " CONV_COLS CONV_FROM
                                                "WHERE c.merchant_id=? AND c.customer_id=? ORDER BY c.id DESC LIMIT 1");
        if (!q2)
            return RS_EIO;
        sqlite3_bind_int64(q2, 1, merchant_id);
        sqlite3_bind_int64(q2, 2, customer_id);
        e = conv_one(s, q2, c);
        if (e != RS_ENOTFOUND) {
            if (!e && !c->order_id) {
                c->order_id = order_id;
                e = rs_store_conv_save(s, c, now);
            }
            return e;
        }
    }
    /* a new one: the customer's preferred channel when we can reach them there */
    const char *ch = email[0] ? "email" : phone[0] ? "sms" : "webchat";
    if ((strcmp(pref, "whatsapp") == 0 || strcmp(pref, "sms") == 0) && phone[0])
        ch = pref;
    char ml[8] = "";
    merchant_locale(s, merchant_id, ml);
    int64_t id = 0;
    e = conv_insert(s, merchant_id, customer_id, phone, email, ch, NULL, *lang2(loc) ? lang2(loc) : ml, now, &id);
    if (!e)
        e = rs_store_conv_get(s, merchant_id, id, c);
    if (!e) {
        c->order_id = order_id;
        e = rs_store_conv_save(s, c, now);
    }
    return e;
}

/* ---- messages ---- */

enum rs_err rs_store_conv_msg_add(struct rs_store *s, const struct rs_conv_msg_new *m, int64_t now, int64_t *id)
{
    enum rs_err e;
    if (m->provider_msg_id && strcmp(m->direction, "note") == 0) {
        /* notes are outside the unique index: look first */
        STMT(X_NOTE_DUP, "SELECT id FROM messages WHERE merchant_id=? AND channel=? AND provider_msg_id=? LIMIT 1");
        sqlite3_bind_int64(q, 1, m->merchant_id);
        sqlite3_bind_text(q, 2, m->channel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, m->provider_msg_id, -1, SQLITE_TRANSIENT);
        int64_t old;
        e = id_one(s, q, &old);
        if (!e)
            return RS_EDUPLICATE;
        if (e != RS_ENOTFOUND)
            return e;
    }
    {
        STMT(X_MSG_INSERT,
             "INSERT INTO messages(merchant_id,conversation_id,direction,channel,author,agent_id,body,truncated,"
             "intent,confidence,entities,incident_id,provider_msg_id,state,next_attempt_at,created_at) "
             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
             "ON CONFLICT(merchant_id,channel,provider_msg_id) WHERE provider_msg_id IS NOT NULL AND direction='in' "
             "DO NOTHING");
        sqlite3_bind_int64(q, 1, m->merchant_id);
        sqlite3_bind_int64(q, 2, m->conversation_id);
        sqlite3_bind_text(q, 3, m->direction, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, m->channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, m->author, -1, SQLITE_STATIC);
        if (m->agent_id)
            sqlite3_bind_int64(q, 6, m->agent_id);
        sqlite3_bind_text(q, 7, m->body ? m->body : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 8, m->truncated ? 1 : 0);
        rs_store_sqlite_bind_opt(q, 9, m->intent);
        if (m->confidence >= 0)
            sqlite3_bind_double(q, 10, m->confidence);
        rs_store_sqlite_bind_opt(q, 11, m->entities);
        if (m->incident_id)
            sqlite3_bind_int64(q, 12, m->incident_id);
        rs_store_sqlite_bind_opt(q, 13, m->provider_msg_id);
        if (m->queue) {
            sqlite3_bind_text(q, 14, "queued", -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 15, now);
        }
        sqlite3_bind_int64(q, 16, now);
        if ((e = done(s, q, sqlite3_step(q))))
            return e;
        if (sqlite3_changes(rs_store_sqlite_db(s)) == 0)
            return RS_EDUPLICATE;
        *id = sqlite3_last_insert_rowid(rs_store_sqlite_db(s));
    }
    STMT(X_MSG_TOUCH, "UPDATE conversations SET last_message_at=?1,updated_at=?1,"
                      "last_inbound_at=CASE WHEN ?2 THEN ?1 ELSE last_inbound_at END WHERE id=?3");
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int(q, 2, strcmp(m->direction, "in") == 0);
    sqlite3_bind_int64(q, 3, m->conversation_id);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_conv_msg_classified(struct rs_store *s, int64_t id, const char *intent, double confidence,
                                         const char *entities, int64_t incident_id)
{
    STMT(X_MSG_CLASSIFIED, "UPDATE messages SET intent=?,confidence=?,entities=?,incident_id=? WHERE id=?");
    rs_store_sqlite_bind_opt(q, 1, intent);
    sqlite3_bind_double(q, 2, confidence);
    rs_store_sqlite_bind_opt(q, 3, entities);
    if (incident_id)
        sqlite3_bind_int64(q, 4, incident_id);
    sqlite3_bind_int64(q, 5, id);
    return done(s, q, sqlite3_step(q));
}

enum rs_err rs_store_conv_prev_intent(struct rs_store *s, int64_t conversation_id, int64_t before_id, int64_t since,
                                      char *intent, size_t cap, char *entities, size_t ecap, char **body)
{
    /* only a question the bot answered without filing an incident is still waiting for a
     * reference: one a person held (no bot reply), an incident settled or one asked before
     * SINCE is over */
    STMT(X_PREV_INTENT, "SELECT CASE WHEN m.incident_id IS NULL AND m.created_at>=?3 AND EXISTS (SELECT 1 "
                        "FROM messages o WHERE o.conversation_id=m.conversation_id AND o.id>m.id AND o.id<?2 AND "
                        "o.direction='out' AND o.author='bot') THEN m.intent ELSE '' END, m.entities, m.body "
                        "FROM messages m WHERE m.conversation_id=?1 AND m.id<?2 AND m.direction='in' "
                        "ORDER BY m.id DESC LIMIT 1");
    sqlite3_bind_int64(q, 1, conversation_id);
    sqlite3_bind_int64(q, 2, before_id);
    sqlite3_bind_int64(q, 3, since);
    intent[0] = '\0';
    if (entities && ecap)
        entities[0] = '\0';
    if (body)
        *body = NULL;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        rs_store_sqlite_col_copy(intent, cap, q, 0);
        if (intent[0] && entities && ecap)
            rs_store_sqlite_col_copy(entities, ecap, q, 1);
        const char *b = (const char *)sqlite3_column_text(q, 2);
        if (intent[0] && body && b && !(*body = strdup(b))) {
            sqlite3_reset(q);
            return RS_ENOMEM;
        }
    }
    return done(s, q, rc);
}

enum rs_err rs_store_conv_last_channel(struct rs_store *s, int64_t conversation_id, char *channel, size_t cap)
{
    STMT(X_LAST_CHANNEL, "SELECT channel FROM messages WHERE conversation_id=? AND direction IN ('in','out') "
                         "AND channel IN ('sms','whatsapp','email','webchat') ORDER BY id DESC LIMIT 1");
    sqlite3_bind_int64(q, 1, conversation_id);
    channel[0] = '\0';
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        rs_store_sqlite_col_copy(channel, cap, q, 0);
    return done(s, q, rc);
}

enum rs_err rs_store_conv_last_msg(struct rs_store *s, int64_t conversation_id, int64_t after, int64_t *last_id,
                                   int64_t *first_out_after)
{
    *last_id = 0;
    {
        STMT(X_LAST_MSG, "SELECT coalesce(max(id),0) FROM messages WHERE conversation_id=?");
        sqlite3_bind_int64(q, 1, conversation_id);
        enum rs_err e = id_one(s, q, last_id);
        if (e && e != RS_ENOTFOUND)
            return e;
    }
    if (after < 0 || !first_out_after)
        return RS_OK;
    *first_out_after = 0;
    STMT(X_FIRST_OUT, "SELECT id FROM messages WHERE conversation_id=? AND id>? AND direction='out' "
                      "ORDER BY id LIMIT 1");
    sqlite3_bind_int64(q, 1, conversation_id);
    sqlite3_bind_int64(q, 2, after);
    enum rs_err e = id_one(s, q, first_out_after);
    return e == RS_ENOTFOUND ? RS_OK : e;
}

enum rs_err rs_store_conv_msg_resent(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                     const char *direction, const char *author, int64_t agent_id, const char *body,
                                     int64_t since, int64_t *id)
{
    *id = 0;
    STMT(X_MSG_RESENT, "SELECT id FROM messages WHERE id=(SELECT max(id) FROM messages WHERE conversation_id=?2) "
                       "AND merchant_id=?1 AND direction=?3 AND author=?7 AND agent_id IS ?4 AND body=?5 "
                       "AND created_at>=?6");
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, conversation_id);
    sqlite3_bind_text(q, 3, direction, -1, SQLITE_STATIC);
    if (agent_id)
        sqlite3_bind_int64(q, 4, agent_id);
    else
        sqlite3_bind_null(q, 4);
    sqlite3_bind_text(q, 5, body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, since);
    sqlite3_bind_text(q, 7, author, -1, SQLITE_STATIC);
    enum rs_err e = id_one(s, q, id);
    return e == RS_ENOTFOUND ? RS_OK : e;
}

/* ---- orders as the bot sees them ---- */

enum rs_err rs_store_conv_customer_open_orders(struct rs_store *s, int64_t merchant_id, int64_t customer_id,
                                               int64_t *ids, size_t cap, size_t *n)
{
    *n = 0;
    STMT(X_CUSTOMER_OPEN_ORDERS, "SELECT id FROM orders WHERE merchant_id=?1 AND customer_id=?2 AND "
                                 "status NOT IN ('delivered','cancelled','returned') "
                                 "ORDER BY placed_at DESC,id DESC LIMIT ?3");
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, customer_id);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)cap);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap)
        ids[(*n)++] = sqlite3_column_int64(q, 0);
    return done(s, q, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

enum rs_err rs_store_conv_order(struct rs_store *s, int64_t merchant_id, char by, const char *key,
                                struct rs_conv_order *out)
{
#define ORDER_SQL(where)                                                                                \
    "SELECT o.id,coalesce(o.customer_id,0),o.order_ref,o.tracking_code,o.status,o.dest_city,"           \
    "o.dest_postal_code,lower(u.email),u.phone,u.locale,s.id,s.status,s.substatus,s.carrier,"           \
    "CASE WHEN s.status='out_for_delivery' THEN s.status_at ELSE coalesce(s.out_for_delivery_at,0) END " \
    "FROM orders o JOIN merchants m ON m.id=o.merchant_id "                                             \
    "LEFT JOIN customers u ON u.id=o.customer_id "                                                      \
    "LEFT JOIN shipments s ON s.id=(SELECT max(id) FROM shipments WHERE order_id=o.id AND cancelled_at=0) "                \
    "WHERE o.merchant_id=?1 AND " where
    static const char *const sql[4] = {
        ORDER_SQL("o.tracking_code=?2"),
        ORDER_SQL("lower(o.order_ref)=lower(?2)"), /* orders_by_ref_nocase */
        ORDER_SQL("o.id=CAST(?2 AS INTEGER)"),
        ORDER_SQL("o.customer_id=CAST(?2 AS INTEGER) ORDER BY o.placed_at DESC,o.id DESC LIMIT 1"),
    };
#undef ORDER_SQL
    int k = by == 'c' ? 0 : by == 'r' ? 1 : by == 'i' ? 2 : by == 'u' ? 3 : -1;
    if (k < 0 || !key || !*key)
        return RS_EINVAL;
    STMT(X_ORDER_BASE + k, sql[k]);
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? (sqlite3_reset(q), RS_ENOTFOUND) : done(s, q, rc);
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    out->customer_id = sqlite3_column_int64(q, 1);
    rs_store_sqlite_col_copy(out->order_ref, sizeof out->order_ref, q, 2);
    rs_store_sqlite_col_copy(out->tracking_code, sizeof out->tracking_code, q, 3);
    rs_store_sqlite_col_copy(out->status, sizeof out->status, q, 4);
    rs_store_sqlite_col_copy(out->dest_city, sizeof out->dest_city, q, 5);
    rs_store_sqlite_col_copy(out->postcode, sizeof out->postcode, q, 6);
    rs_store_sqlite_col_copy(out->email, sizeof out->email, q, 7);
    rs_store_sqlite_col_copy(out->phone, sizeof out->phone, q, 8);
    rs_store_sqlite_col_copy(out->locale, sizeof out->locale, q, 9);
    out->shipment_id = sqlite3_column_int64(q, 10);
    rs_store_sqlite_col_copy(out->ship_status, sizeof out->ship_status, q, 11);
    rs_store_sqlite_col_copy(out->ship_substatus, sizeof out->ship_substatus, q, 12);
    rs_store_sqlite_col_copy(out->carrier, sizeof out->carrier, q, 13);
    out->out_for_delivery_at = sqlite3_column_int64(q, 14);
    sqlite3_reset(q);
    return rs_store_order_zone(s, out->id, rs_now(), out->zone);
}

enum rs_err rs_store_support_config(struct rs_store *s, int64_t merchant_id, char **config)
{
    *config = NULL;
    STMT(X_SUPPORT_CONFIG, "SELECT config FROM support_settings WHERE merchant_id=?");
    sqlite3_bind_int64(q, 1, merchant_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_text(q, 0)) {
        *config = strdup((const char *)sqlite3_column_text(q, 0));
        if (!*config) {
            sqlite3_reset(q);
            return RS_ENOMEM;
        }
    }
    return done(s, q, rc);
}

enum rs_err rs_store_conv_agent_by_email(struct rs_store *s, int64_t merchant_id, const char *email, int64_t *id)
{
    STMT(X_AGENT_BY_EMAIL,
         "SELECT id FROM agents WHERE merchant_id=? AND email=lower(?) AND disabled_at IS NULL");
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_text(q, 2, email, -1, SQLITE_TRANSIENT);
    return id_one(s, q, id);
}

enum rs_err rs_store_conv_agent_exists(struct rs_store *s, int64_t merchant_id, int64_t id)
{
    STMT(X_AGENT_EXISTS, "SELECT id FROM agents WHERE merchant_id=? AND id=? AND disabled_at IS NULL");
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, id);
    int64_t x;
    return id_one(s, q, &x);
}

/* ---- the reply queue ---- */

enum rs_err rs_store_reply_claim(struct rs_store *s, const char *owner, int64_t now, int lease_s, int64_t *ids,
                                 int max, int *n)
{
    STMT(X_REPLY_CLAIM,
         "UPDATE messages SET state='sending',lease_until=?1,lease_owner=?2 WHERE id IN ("
         "SELECT id FROM messages WHERE state IN ('queued','sending') AND next_attempt_at<=?3 AND "
         "(state='queued' OR lease_until<?3) ORDER BY next_attempt_at,id LIMIT ?4) RETURNING id");
    sqlite3_bind_int64(q, 1, now + lease_s);
    sqlite3_bind_text(q, 2, owner, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int(q, 4, max);
    return rs_store_sqlite_ids(s, q, ids, max, n);
}

enum rs_err rs_store_reply_load(struct rs_store *s, int64_t id, struct rs_reply_job *o)
{
    STMT(X_REPLY_LOAD,
         "SELECT m.id,m.merchant_id,m.conversation_id,m.state,m.channel,c.sms_provider,c.locale,c.phone,c.email,"
         "u.name,c.subject,m.body,m.attempts,m.created_at,"
         "(SELECT max(created_at) FROM messages x WHERE x.conversation_id=c.id AND "
         "x.direction IN ('in','note') AND x.channel='whatsapp'),"
         "(SELECT y.provider_msg_id FROM messages y WHERE y.conversation_id=c.id AND y.direction='in' AND "
         "y.channel='email' AND y.id<m.id AND y.provider_msg_id IS NOT NULL ORDER BY y.id DESC LIMIT 1),"
         "u.email,"
         "EXISTS(SELECT 1 FROM notify_optouts o WHERE o.customer_id=c.customer_id AND o.channel='email'),"
         "EXISTS(SELECT 1 FROM notify_optouts o WHERE o.customer_id=c.customer_id AND o.channel='sms'),"
         "coalesce(m.incident_id,0) "
         "FROM messages m JOIN conversations c ON c.id=m.conversation_id "
         "LEFT JOIN customers u ON u.id=c.customer_id WHERE m.id=?");
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    memset(o, 0, sizeof *o);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? (sqlite3_reset(q), RS_ENOTFOUND) : done(s, q, rc);
    o->id = sqlite3_column_int64(q, 0);
    o->merchant_id = sqlite3_column_int64(q, 1);
    o->conversation_id = sqlite3_column_int64(q, 2);
    rs_store_sqlite_col_copy(o->state, sizeof o->state, q, 3);
    rs_store_sqlite_col_copy(o->channel, sizeof o->channel, q, 4);
    rs_store_sqlite_col_copy(o->sms_provider, sizeof o->sms_provider, q, 5);
    rs_store_sqlite_col_copy(o->locale, sizeof o->locale, q, 6);
    rs_store_sqlite_col_copy(o->phone, sizeof o->phone, q, 7);
    rs_store_sqlite_col_copy(o->email, sizeof o->email, q, 8);
    rs_store_sqlite_col_copy(o->name, sizeof o->name, q, 9);
    rs_store_sqlite_col_copy(o->subject, sizeof o->subject, q, 10);
    const char *b = (const char *)sqlite3_column_text(q, 11);
    o->body = strdup(b ? b : "");
    o->attempts = sqlite3_column_int(q, 12);
    o->created_at = sqlite3_column_int64(q, 13);
    o->wa_last_inbound = sqlite3_column_int64(q, 14);
    rs_store_sqlite_col_copy(o->in_reply_to, sizeof o->in_reply_to, q, 15);
    rs_store_sqlite_col_copy(o->customer_email, sizeof o->customer_email, q, 16);
    o->optout_email = sqlite3_column_int(q, 17) != 0;
    o->optout_sms = sqlite3_column_int(q, 18) != 0;
    o->incident_id = sqlite3_column_int64(q, 19);
    sqlite3_reset(q);
    return o->body ? RS_OK : RS_ENOMEM;
}

enum rs_err rs_store_reply_finish(struct rs_store *s, int64_t id, const char *owner, const char *state,
                                  int attempts, int64_t next_at, const char *provider_id, const char *error,
                                  const char *channel, int64_t now)
{
    STMT(X_REPLY_FINISH,
         "UPDATE messages SET state=?1,attempts=?2,next_attempt_at=?3,provider_id=coalesce(?4,provider_id),"
         "last_error=?5,sent_at=CASE WHEN ?1='sent' THEN ?6 ELSE sent_at END,lease_until=0,lease_owner=NULL,"
         "channel=coalesce(?9,channel) WHERE id=?7 AND state='sending' AND lease_owner=?8");
    sqlite3_bind_text(q, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, attempts);
    sqlite3_bind_int64(q, 3, next_at);
    rs_store_sqlite_bind_opt(q, 4, provider_id);
    rs_store_sqlite_bind_opt(q, 5, error);
    sqlite3_bind_int64(q, 6, now);
    sqlite3_bind_int64(q, 7, id);
    sqlite3_bind_text(q, 8, owner, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 9, channel);
    enum rs_err e = done(s, q, sqlite3_step(q));
    if (!e && sqlite3_changes(rs_store_sqlite_db(s)) == 0)
        return RS_ECONFLICT;
    return e;
}

enum rs_err rs_store_reply_receipt(struct rs_store *s, int64_t merchant_id, const char *provider_id,
                                   const char *state, const char *error, int64_t now)
{
    (void)now;
    STMT(X_REPLY_RECEIPT,
         "UPDATE messages SET state=?1,last_error=coalesce(?2,last_error) WHERE merchant_id=?3 AND provider_id=?4 "
         "AND direction='out' AND (state='sent' OR (state='failed' AND ?1='delivered') OR state=?1) RETURNING id");
    sqlite3_bind_text(q, 1, state, -1, SQLITE_TRANSIENT);
    rs_store_sqlite_bind_opt(q, 2, error);
    sqlite3_bind_int64(q, 3, merchant_id);
    sqlite3_bind_text(q, 4, provider_id, -1, SQLITE_TRANSIENT);
    int rc, rows = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        rows++;
    enum rs_err e = done(s, q, rc);
    return e ? e : rows ? RS_OK : RS_ENOTFOUND;
}

enum rs_err rs_store_reply_counts(struct rs_store *s, int64_t counts[5])
{
    static const char *const names[5] = {"queued", "sending", "sent", "delivered", "failed"};
    memset(counts, 0, 5 * sizeof counts[0]);
    STMT(X_REPLY_COUNTS, "SELECT state,count(*) FROM messages WHERE state IS NOT NULL GROUP BY state");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(q, 0);
        for (int i = 0; i < 5 && st; i++)
            if (strcmp(st, names[i]) == 0)
                counts[i] = sqlite3_column_int64(q, 1);
    }
    return done(s, q, rc);
}

/* ---- listings ---- */

static enum rs_err prep(struct rs_store *s, const char *sql, sqlite3_stmt **q)
{
    int rc = sqlite3_prepare_v2(rs_store_sqlite_db(s), sql, -1, q, NULL);
    return rc == SQLITE_OK ? RS_OK : rs_store_sqlite_rc(s, rc);
}

static json_t *id_or_null(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(q, i));
}

#define LIST_COLS                                                                                       \
    "c.id,c.customer_id,u.name,c.phone,c.email,c.channel,c.state,a.email,o.order_ref,c.handover_at,"    \
    "c.handover_reason,c.last_message_at,c.created_at,"                                                 \
    "(SELECT body FROM messages m WHERE m.conversation_id=c.id AND m.direction<>'note' "                \
    " ORDER BY m.id DESC LIMIT 1),"                                                                     \
    "(SELECT min(i.sla_due_at) FROM incidents i WHERE i.conversation_id=c.id AND "                      \
    " i.state NOT IN ('resolved','closed')),c.locale"

enum rs_err rs_store_conv_list_json(struct rs_store *s, int64_t merchant_id, enum rs_conv_queue queue,
                                    int64_t agent_id, const char *cursor, int limit, int64_t now, json_t **out)
{
    static const char *const where[] = {
        [RS_CONVQ_ALL] = "",
        [RS_CONVQ_UNASSIGNED] = " AND c.state='agent' AND c.assigned_agent_id IS NULL",
        [RS_CONVQ_MINE] = " AND c.state='agent' AND c.assigned_agent_id IS NOT NULL",
        [RS_CONVQ_WAITING] = " AND c.state='bot'",
        [RS_CONVQ_BREACHING] = (" AND EXISTS (SELECT 1 FROM incidents i WHERE i.conversation_id=c.id AND "
                                "i.state NOT IN ('resolved','closed') AND i.sla_due_at<?5)"),
    };
    long long cur_t = INT64_MAX, cur_id = INT64_MAX;
    if (cursor && *cursor) {
        char extra;
        if (sscanf(cursor, "%lld.%lld%c", &cur_t, &cur_id, &extra) != 2)
            return RS_EINVAL;
    }
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT " LIST_COLS " FROM conversations c LEFT JOIN customers u ON u.id=c.customer_id "
             "LEFT JOIN agents a ON a.id=c.assigned_agent_id LEFT JOIN orders o ON o.id=c.order_id "
             "WHERE c.merchant_id=?1 AND (c.last_message_at<?2 OR (c.last_message_at=?2 AND c.id<?3))%s%s "
             "ORDER BY c.last_message_at DESC,c.id DESC LIMIT ?4",
             where[queue], agent_id > 0 ? " AND c.assigned_agent_id=?6" : "");
    sqlite3_stmt *q;
    enum rs_err e = prep(s, sql, &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, cur_t);
    sqlite3_bind_int64(q, 3, cur_id);
    sqlite3_bind_int(q, 4, limit + 1);
    if (queue == RS_CONVQ_BREACHING)
        sqlite3_bind_int64(q, 5, now);
    if (agent_id > 0)
        sqlite3_bind_int64(q, 6, agent_id);
    json_t *arr = json_array();
    int rc, n = 0;
    char next[64] = "";
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n++ == limit) {
            json_t *last = json_array_get(arr, json_array_size(arr) - 1);
            snprintf(next, sizeof next, "%lld.%lld", (long long)json_integer_value(json_object_get(last, "_t")),
                     (long long)json_integer_value(json_object_get(last, "id")));
            break;
        }
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(j, "customer_id", id_or_null(q, 1));
        json_object_set_new(j, "customer_name", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(j, "phone", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(j, "email", rs_store_sqlite_col_str(q, 4));
        json_object_set_new(j, "channel", rs_store_sqlite_col_str(q, 5));
        json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 6));
        json_object_set_new(j, "assigned_agent", rs_store_sqlite_col_str(q, 7));
        json_object_set_new(j, "order_ref", rs_store_sqlite_col_str(q, 8));
        json_object_set_new(j, "handover_at", rs_store_sqlite_col_time(q, 9, 0));
        json_object_set_new(j, "handover_reason", rs_store_sqlite_col_str(q, 10));
        json_object_set_new(j, "last_message_at", rs_store_sqlite_col_time(q, 11, 0));
        json_object_set_new(j, "created_at", rs_store_sqlite_col_time(q, 12, 0));
        json_object_set_new(j, "last_message", rs_store_sqlite_col_str(q, 13));
        json_object_set_new(j, "sla_due_at", rs_store_sqlite_col_time(q, 14, 0));
        json_object_set_new(j, "breaching", json_boolean(sqlite3_column_type(q, 14) != SQLITE_NULL &&
                                                         sqlite3_column_int64(q, 14) < now));
        json_object_set_new(j, "locale", rs_store_sqlite_col_str(q, 15));
        json_object_set_new(j, "_t", json_integer(sqlite3_column_int64(q, 11)));
        json_array_append_new(arr, j);
    }
    e = rc == SQLITE_DONE || rc == SQLITE_ROW ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) json_object_del(it, "_t");
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = json_pack("{s:o, s:o}", "conversations", arr, "next_cursor", next[0] ? json_string(next) : json_null());
    return RS_OK;
}

enum rs_err rs_store_conv_messages_json(struct rs_store *s, int64_t merchant_id, int64_t conversation_id,
                                        json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT m.id,m.direction,m.channel,m.author,a.email,m.body,m.truncated,m.intent,m.confidence,"
                         "m.entities,m.incident_id,m.state,m.attempts,m.provider_id,m.last_error,m.created_at,m.sent_at,"
                         "a.name FROM messages m LEFT JOIN agents a ON a.id=m.agent_id "
                         "WHERE m.conversation_id=? AND m.merchant_id=? ORDER BY m.id",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, conversation_id);
    sqlite3_bind_int64(q, 2, merchant_id);
    json_t *msgs = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *m = json_object();
        json_object_set_new(m, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(m, "direction", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(m, "channel", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(m, "author", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(m, "agent", rs_store_sqlite_col_str(q, 4));
        json_object_set_new(m, "agent_name", rs_store_sqlite_col_str(q, 17));
        json_object_set_new(m, "body", rs_store_sqlite_col_str(q, 5));
        json_object_set_new(m, "truncated", json_boolean(sqlite3_column_int(q, 6)));
        json_object_set_new(m, "intent", rs_store_sqlite_col_str(q, 7));
        json_object_set_new(m, "confidence", sqlite3_column_type(q, 8) == SQLITE_NULL
                                                 ? json_null()
                                                 : json_real(sqlite3_column_double(q, 8)));
        const char *ent = (const char *)sqlite3_column_text(q, 9);
        json_t *ej = ent ? json_loads(ent, 0, NULL) : NULL;
        json_object_set_new(m, "entities", ej ? ej : json_null());
        json_object_set_new(m, "incident_id", id_or_null(q, 10));
        json_object_set_new(m, "state", rs_store_sqlite_col_str(q, 11));
        json_object_set_new(m, "attempts", json_integer(sqlite3_column_int(q, 12)));
        json_object_set_new(m, "provider_id", rs_store_sqlite_col_str(q, 13));
        json_object_set_new(m, "last_error", rs_store_sqlite_col_str(q, 14));
        json_object_set_new(m, "created_at", rs_store_sqlite_col_time(q, 15, 0));
        json_object_set_new(m, "sent_at", rs_store_sqlite_col_time(q, 16, 0));
        json_array_append_new(msgs, m);
    }
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e)
        json_decref(msgs);
    else
        *out = msgs;
    return e;
}

enum rs_err rs_store_conv_json(struct rs_store *s, int64_t merchant_id, int64_t id, json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT c.id,c.customer_id,u.name,c.phone,c.email,c.channel,c.sms_provider,c.locale,c.state,"
                         "a.email,c.order_id,o.order_ref,c.verified_order_id,c.handover_at,c.handover_reason,c.subject,"
                         "c.last_inbound_at,c.last_message_at,c.created_at FROM conversations c "
                         "LEFT JOIN customers u ON u.id=c.customer_id LEFT JOIN agents a ON a.id=c.assigned_agent_id "
                         "LEFT JOIN orders o ON o.id=c.order_id WHERE c.id=? AND c.merchant_id=?",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, merchant_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        e = rc == SQLITE_DONE ? RS_ENOTFOUND : rs_store_sqlite_rc(s, rc);
        sqlite3_finalize(q);
        return e;
    }
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(sqlite3_column_int64(q, 0)));
    json_object_set_new(j, "customer_id", id_or_null(q, 1));
    json_object_set_new(j, "customer_name", rs_store_sqlite_col_str(q, 2));
    json_object_set_new(j, "phone", rs_store_sqlite_col_str(q, 3));
    json_object_set_new(j, "email", rs_store_sqlite_col_str(q, 4));
    json_object_set_new(j, "channel", rs_store_sqlite_col_str(q, 5));
    json_object_set_new(j, "sms_provider", rs_store_sqlite_col_str(q, 6));
    json_object_set_new(j, "locale", rs_store_sqlite_col_str(q, 7));
    json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 8));
    json_object_set_new(j, "assigned_agent", rs_store_sqlite_col_str(q, 9));
    json_object_set_new(j, "order_id", id_or_null(q, 10));
    json_object_set_new(j, "order_ref", rs_store_sqlite_col_str(q, 11));
    json_object_set_new(j, "verified", json_boolean(sqlite3_column_type(q, 12) != SQLITE_NULL &&
                                                    sqlite3_column_int64(q, 12) == sqlite3_column_int64(q, 10)));
    json_object_set_new(j, "handover_at", rs_store_sqlite_col_time(q, 13, 0));
    json_object_set_new(j, "handover_reason", rs_store_sqlite_col_str(q, 14));
    json_object_set_new(j, "subject", rs_store_sqlite_col_str(q, 15));
    json_object_set_new(j, "last_inbound_at", rs_store_sqlite_col_time(q, 16, 0));
    json_object_set_new(j, "last_message_at", rs_store_sqlite_col_time(q, 17, 0));
    json_object_set_new(j, "created_at", rs_store_sqlite_col_time(q, 18, 0));
    sqlite3_finalize(q);

    json_t *msgs = NULL;
    if ((e = rs_store_conv_messages_json(s, merchant_id, id, &msgs))) {
        json_decref(j);
        return e;
    }
    json_object_set_new(j, "messages", msgs);
    *out = j;
    return RS_OK;
}

enum rs_err rs_store_conv_order_incidents_json(struct rs_store *s, int64_t merchant_id, int64_t order_id,
                                               json_t **out)
{
    sqlite3_stmt *q;
    enum rs_err e = prep(s,
                         "SELECT i.id,i.type,i.state,i.origin,i.sla_due_at,a.email,i.resolution,i.resolved_by,"
                         "i.resolved_at,i.created_at,i.updated_at,i.conversation_id FROM incidents i "
                         "LEFT JOIN agents a ON a.id=i.assigned_agent_id WHERE i.merchant_id=? AND i.order_id=? "
                         "ORDER BY i.id",
                         &q);
    if (e)
        return e;
    sqlite3_bind_int64(q, 1, merchant_id);
    sqlite3_bind_int64(q, 2, order_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(j, "type", rs_store_sqlite_col_str(q, 1));
        json_object_set_new(j, "state", rs_store_sqlite_col_str(q, 2));
        json_object_set_new(j, "origin", rs_store_sqlite_col_str(q, 3));
        json_object_set_new(j, "sla_due_at", rs_store_sqlite_col_time(q, 4, 0));
        json_object_set_new(j, "assigned_agent", rs_store_sqlite_col_str(q, 5));
        json_object_set_new(j, "resolution", rs_store_sqlite_col_str(q, 6));
        json_object_set_new(j, "resolved_by", rs_store_sqlite_col_str(q, 7));
        json_object_set_new(j, "resolved_at", rs_store_sqlite_col_time(q, 8, 0));
        json_object_set_new(j, "created_at", rs_store_sqlite_col_time(q, 9, 0));
        json_object_set_new(j, "updated_at", rs_store_sqlite_col_time(q, 10, 0));
        json_object_set_new(j, "conversation_id", id_or_null(q, 11));
        json_array_append_new(arr, j);
    }
    e = rc == SQLITE_DONE ? RS_OK : rs_store_sqlite_rc(s, rc);
    sqlite3_finalize(q);
    if (e) {
        json_decref(arr);
        return e;
    }
    *out = arr;
    return RS_OK;
}
