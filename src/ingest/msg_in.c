/* msg_in.c — inbound customer messages of Infobip and WhatsApp (see msg_in.h). */
#include "ingest/msg_in.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

/* "+" and 7..15 digits from "34600111222", "+34600111222" or "0034600111222". */
static bool e164(const char *in, char out[24])
{
    if (!in)
        return false;
    const char *p = in;
    if (*p == '+')
        p++;
    else if (p[0] == '0' && p[1] == '0')
        p += 2;
    size_t n = strlen(p);
    if (n < 7 || n > 15 || *p == '0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    snprintf(out, 24, "+%s", p);
    return true;
}

static void add(struct rs_msg_in_list *l, const struct rs_msg_in *m)
{
    if (l->n < RS_MSG_IN_MAX)
        l->m[l->n++] = *m;
    else
        l->skipped++;
}

enum rs_err rs_msg_in_infobip(const char *body, size_t len, struct rs_msg_in_list *out)
{
    memset(out, 0, sizeof *out);
    out->root = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *res = json_object_get(out->root, "results");
    if (!json_is_array(res)) {
        rs_msg_in_free(out);
        return RS_EINVAL;
    }
    size_t i;
    json_t *it;
    json_array_foreach(res, i, it) {
        struct rs_msg_in m = {.type = "text"};
        m.id = json_string_value(json_object_get(it, "messageId"));
        json_t *t = json_object_get(it, "text");
        m.text = json_string_value(t);
        m.text_len = json_string_length(t);
        const char *rcv = json_string_value(json_object_get(it, "receivedAt"));
        int off;
        if (rcv && rs_time_parse(rcv, true, &m.at, &off) != RS_OK)
            m.at = 0;
        if (!m.id || !*m.id || strlen(m.id) > 128 || !e164(json_string_value(json_object_get(it, "from")), m.phone)) {
            out->skipped++;
            continue;
        }
        add(out, &m);
    }
    return RS_OK;
}

enum rs_err rs_msg_in_whatsapp(const char *body, size_t len, struct rs_msg_in_list *out)
{
    memset(out, 0, sizeof *out);
    out->root = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *entries = json_object_get(out->root, "entry");
    if (!json_is_array(entries)) {
        rs_msg_in_free(out);
        return RS_EINVAL;
    }
    size_t i, k, x, y;
    json_t *entry, *change, *item, *ct;
    json_array_foreach(entries, i, entry) {
        json_array_foreach(json_object_get(entry, "changes"), k, change) {
            json_t *value = json_object_get(change, "value");
            json_t *contacts = json_object_get(value, "contacts");
            json_array_foreach(json_object_get(value, "messages"), x, item) {
                struct rs_msg_in m = {0};
                const char *from = json_string_value(json_object_get(item, "from"));
                m.id = json_string_value(json_object_get(item, "id"));
                m.type = json_string_value(json_object_get(item, "type"));
                if (!m.type)
                    m.type = "unknown";
                if (strcmp(m.type, "text") == 0) {
                    json_t *t = json_object_get(json_object_get(item, "text"), "body");
                    m.text = json_string_value(t);
                    m.text_len = json_string_length(t);
                    if (!m.text)
                        m.type = "unknown";
                }
                const char *ts = json_string_value(json_object_get(item, "timestamp"));
                if (ts) {
                    char *end;
                    long long v = strtoll(ts, &end, 10);
                    m.at = *end || v < 0 ? 0 : (int64_t)v;
                }
                if (!m.id || !*m.id || strlen(m.id) > 128 || !e164(from, m.phone)) {
                    out->skipped++;
                    continue;
                }
                json_array_foreach(contacts, y, ct) {
                    const char *wa = json_string_value(json_object_get(ct, "wa_id"));
                    if (wa && from && strcmp(wa, from) == 0)
                        m.name = json_string_value(json_object_get(json_object_get(ct, "profile"), "name"));
                }
                add(out, &m);
            }
        }
    }
    return RS_OK;
}

void rs_msg_in_free(struct rs_msg_in_list *l)
{
    json_decref(l->root);
    l->root = NULL;
    l->n = 0;
}
