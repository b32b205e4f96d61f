/* replies.h — the sender of conversation replies: message rows with state 'queued' (the bot's
 * answers, agents' and helpdesks' replies, incident updates) go out on the conversation's
 * channel through src/notify/ — SMS through the merchant's provider, WhatsApp as a session text
 * (the customer wrote within 24 hours; later, by e-mail or SMS to the customer instead, the row's
 * channel changed to the one used), e-mail as "Re: <subject>"; web chat and phone rows need no
 * sending and are marked sent.
 *
 * Run by the notification dispatcher's threads (worker/dispatch.c) next to the outbox, in
 * `rastro serve` and `rastro worker`: claim with a lease (one short transaction), send, record
 * every outcome of the batch in one transaction. A reply whose dispatcher died is claimed again
 * when its lease ends, so a crash loses no queued reply (it may send one in flight twice).
 * Failures are retried with exponential backoff (the merchant's retry policy); permanent ones
 * (bad number, no provider) fail at once with the reason kept in last_error. */
#ifndef RS_WORKER_REPLIES_H
#define RS_WORKER_REPLIES_H

#include <stdint.h>

#include "core/err.h"
#include "notify/channel.h"
#include "store/store.h"

struct rs_replies;

/* OWNER: the lease owner name (copied). NULL on out-of-memory. */
struct rs_replies *rs_replies_new(const char *owner);
void rs_replies_free(struct rs_replies *rp);
/* One round on store S (a read-write connection of this thread) with channels CH: claim up to
 * BATCH due replies for LEASE_S seconds, send them, record the outcomes. Returns how many were
 * claimed (0: nothing due), or -1 on a store error. OUT (may be NULL): *sent, *failed. */
int rs_replies_round(struct rs_replies *rp, struct rs_store *s, struct rs_channels *ch, int lease_s, int batch,
                     uint64_t *sent, uint64_t *failed);

#endif
