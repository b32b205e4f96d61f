/* notify.c — trigger and channel names (see notify.h). */
#include "core/notify.h"

#include <string.h>

static const char *const trigger_names[RS_TRIG__COUNT] = {
    [RS_TRIG_ORDER_CONFIRMED] = "order_confirmed",
    [RS_TRIG_SHIPPED] = "shipped",
    [RS_TRIG_OUT_FOR_DELIVERY] = "out_for_delivery",
    [RS_TRIG_COURIER_NEARBY] = "courier_nearby",
    [RS_TRIG_ATTEMPT_FAILED] = "attempt_failed",
    [RS_TRIG_AVAILABLE_FOR_PICKUP] = "available_for_pickup",
    [RS_TRIG_DELIVERED] = "delivered",
    [RS_TRIG_EXCEPTION] = "exception",
    [RS_TRIG_PROMISE_SLIPPED] = "promise_slipped",
    [RS_TRIG_PROMISE_BREACHED] = "promise_breached",
    [RS_TRIG_COMPENSATION] = "compensation",
    [RS_TRIG_STALLED] = "stalled",
    [RS_TRIG_PICKUP_REMINDER] = "pickup_reminder",
};

static const char *const channel_names[RS_CH__COUNT] = {
    [RS_CH_EMAIL] = "email",
    [RS_CH_SMS] = "sms",
    [RS_CH_WHATSAPP] = "whatsapp",
    [RS_CH_WEBHOOK] = "webhook",
    [RS_CH_PUSH] = "push",
};

const char *rs_trigger_name(enum rs_trigger t)
{
    return (unsigned)t < RS_TRIG__COUNT ? trigger_names[t] : "";
}

const char *rs_channel_name(enum rs_channel c)
{
    return (unsigned)c < RS_CH__COUNT ? channel_names[c] : "";
}

static int lookup(const char *const *names, int n, const char *name, long len)
{
    if (!name)
        return -1;
    size_t l = len < 0 ? strlen(name) : (size_t)len;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == l && memcmp(names[i], name, l) == 0)
            return i;
    return -1;
}

int rs_trigger_parse(const char *name, long len)
{
    return lookup(trigger_names, RS_TRIG__COUNT, name, len);
}

int rs_channel_parse(const char *name, long len)
{
    return lookup(channel_names, RS_CH__COUNT, name, len);
}
