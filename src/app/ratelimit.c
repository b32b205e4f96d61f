/* ratelimit.c — see ratelimit.h. Open addressing on a fixed table (FNV-1a of the key, linear
 * probe of RS_RL_PROBE slots); a bucket that has refilled completely is as good as absent and
 * is reused first. */
#include "app/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/netaddr.h"
#include "util/timefmt.h"

#define RS_RL_PROBE 8

struct bucket {
    char key[48];
    double tokens;
    int64_t at_ms; /* when tokens was computed */
};

struct rs_ratelimit {
    pthread_mutex_t mu;
    double burst, per_ms;
    struct bucket b[RS_RL_SLOTS];
};

struct rs_ratelimit *rs_ratelimit_new(double burst, double per_minute)
{
    struct rs_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->burst = burst >= 1 ? burst : 1;
    rl->per_ms = (per_minute > 0 ? per_minute : 1) / 60000.0;
    return rl;
}

void rs_ratelimit_free(struct rs_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static double level(const struct rs_ratelimit *rl, const struct bucket *b, int64_t now_ms)
{
    double t = b->tokens + (double)(now_ms - b->at_ms) * rl->per_ms;
    return t > rl->burst ? rl->burst : t;
}

/* The bucket of KEY (NULL when absent and !CREATE). Caller holds mu. */
static struct bucket *find(struct rs_ratelimit *rl, const char *key, int64_t now_ms, bool create)
{
    char k[48];
    key = rs_addr_limit_key(key, k); /* an IPv6 client by its /64 */
    uint32_t h = fnv(key);
    struct bucket *victim = NULL;
    double victim_level = -1;
    for (int i = 0; i < RS_RL_PROBE; i++) {
        struct bucket *b = &rl->b[(h + (uint32_t)i) % RS_RL_SLOTS];
        if (b->key[0] && strncmp(b->key, key, sizeof b->key - 1) == 0)
            return b;
        double l = b->key[0] ? level(rl, b, now_ms) : rl->burst + 1;
        if (l > victim_level) {
            victim_level = l;
            victim = b;
        }
    }
    if (!create)
        return NULL;
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->tokens = rl->burst;
    victim->at_ms = now_ms;
    return victim;
}

bool rs_ratelimit_blocked(struct rs_ratelimit *rl, const char *key, int64_t now_ms, int *retry_after)
{
    pthread_mutex_lock(&rl->mu);
    struct bucket *b = find(rl, key, now_ms, false);
    double l = b ? level(rl, b, now_ms) : rl->burst;
    pthread_mutex_unlock(&rl->mu);
    if (l >= 1) {
        *retry_after = 0;
        return false;
    }
    *retry_after = (int)ceil((1 - l) / rl->per_ms / 1000.0);
    if (*retry_after < 1)
        *retry_after = 1;
    return true;
}

void rs_ratelimit_fail(struct rs_ratelimit *rl, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&rl->mu);
    struct bucket *b = find(rl, key, now_ms, true);
    b->tokens = level(rl, b, now_ms) - 1;
    if (b->tokens < 0)
        b->tokens = 0;
    b->at_ms = now_ms;
    pthread_mutex_unlock(&rl->mu);
}

static struct rs_ratelimit *lookups;
static pthread_once_t lookups_once = PTHREAD_ONCE_INIT;

struct rs_ratelimit *rs_ratelimit_from_env(const char *burst_var, const char *per_min_var, double burst,
                                           double per_minute)
{
    const char *b = getenv(burst_var), *m = getenv(per_min_var);
    double vb = b ? atof(b) : 0, vm = m ? atof(m) : 0;
    return rs_ratelimit_new(vb > 0 ? vb : burst, vm > 0 ? vm : per_minute);
}

static void lookups_init(void)
{
    lookups = rs_ratelimit_from_env("RASTRO_LOOKUP_BURST", "RASTRO_LOOKUP_PER_MIN", 10, 10);
}

struct rs_ratelimit *rs_ratelimit_lookups(void)
{
    pthread_once(&lookups_once, lookups_init);
    return lookups;
}

int64_t rs_ratelimit_now_ms(void)
{
    return (int64_t)(rs_mono_ns() / 1000000u);
}
