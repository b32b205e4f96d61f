/* notify.h — the vocabulary of customer notifications: triggers (why a message is sent) and
 * channels (how). Names are the public, stable spelling used in settings, templates, outbox
 * rows and the API. Pure tables; thread-safe. */
#ifndef RS_NOTIFY_H
#define RS_NOTIFY_H

enum rs_trigger {
    RS_TRIG_ORDER_CONFIRMED = 0,
    RS_TRIG_SHIPPED,
    RS_TRIG_OUT_FOR_DELIVERY,
    RS_TRIG_COURIER_NEARBY,
    RS_TRIG_ATTEMPT_FAILED,
    RS_TRIG_AVAILABLE_FOR_PICKUP,
    RS_TRIG_DELIVERED,
    RS_TRIG_EXCEPTION,
    RS_TRIG_PROMISE_SLIPPED,
    RS_TRIG_PROMISE_BREACHED,
    RS_TRIG_COMPENSATION,
    RS_TRIG_STALLED, /* no carrier scan for longer than the lane normally goes (appended: stored
                      * values keep their meaning) */
    RS_TRIG_PICKUP_REMINDER, /* the parcel still waits at the pickup point and its last day there is
                              * tomorrow (or today): collect it or it goes back (appended) */
    RS_TRIG__COUNT
};

enum rs_channel {
    RS_CH_EMAIL = 0,
    RS_CH_SMS,
    RS_CH_WHATSAPP,
    RS_CH_WEBHOOK,
    RS_CH_PUSH,
    RS_CH__COUNT
};

/* "order_confirmed", "email"… Never NULL ("" when out of range). */
const char *rs_trigger_name(enum rs_trigger t);
const char *rs_channel_name(enum rs_channel c);
/* Exact, lower-case names; -1 when unknown. LEN may be -1 for NUL-terminated. */
int rs_trigger_parse(const char *name, long len);
int rs_channel_parse(const char *name, long len);

#endif
