/* keycache.c — API key lookup cache (see keycache.h): direct-mapped, 256 slots chosen by the
 * first bytes of the SHA-256 (uniform, as the keys are random), one mutex for the few
 * instructions each access takes. */
#include "http/keycache.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 256

static struct slot {
    unsigned char hash[32];
    uint64_t stored_ns; /* 0: empty */
    int64_t merchant_id;
    unsigned scopes;
} slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static struct slot *slot_of(const unsigned char hash[32])
{
    return &slots[((unsigned)hash[0] | (unsigned)hash[1] << 8) % SLOTS];
}

bool rs_keycache_get(const unsigned char hash[32], uint64_t now_ns, int64_t *merchant_id, unsigned *scopes)
{
    struct slot *s = slot_of(hash);
    bool hit = false;
    pthread_mutex_lock(&mu);
    if (s->stored_ns && now_ns - s->stored_ns < RS_KEYCACHE_TTL_NS && memcmp(s->hash, hash, 32) == 0) {
        *merchant_id = s->merchant_id;
        *scopes = s->scopes;
        hit = true;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void rs_keycache_forget_merchant(int64_t merchant_id)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].stored_ns && slots[i].merchant_id == merchant_id)
            slots[i].stored_ns = 0;
    pthread_mutex_unlock(&mu);
}

void rs_keycache_put(const unsigned char hash[32], uint64_t now_ns, int64_t merchant_id, unsigned scopes)
{
    struct slot *s = slot_of(hash);
    pthread_mutex_lock(&mu);
    memcpy(s->hash, hash, 32);
    s->stored_ns = now_ns ? now_ns : 1;
    s->merchant_id = merchant_id;
    s->scopes = scopes;
    pthread_mutex_unlock(&mu);
}
