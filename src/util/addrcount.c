/* addrcount.c — counts per client address under one mutex (see addrcount.h). A plain array
 * scanned whole: at most a few thousand slots, touched when a connection or a live stream opens
 * or closes, not per request. */
#include "util/addrcount.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/netaddr.h"

struct slot {
    char key[48];
    int n;
};

struct rs_addr_count {
    pthread_mutex_t mu;
    int cap, n_slots;
    struct slot slots[];
};

struct rs_addr_count *rs_addr_count_new(int slots, int cap)
{
    if (slots < 1)
        slots = 1;
    struct rs_addr_count *c = calloc(1, sizeof *c + (size_t)slots * sizeof(struct slot));
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->cap = cap;
    c->n_slots = slots;
    return c;
}

void rs_addr_count_free(struct rs_addr_count *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int rs_addr_count_cap(const struct rs_addr_count *c)
{
    return c->cap;
}

/* The slot holding KEY, else (FREE_TOO) a free one, else NULL. Under c->mu. */
static struct slot *find(struct rs_addr_count *c, const char *key, bool free_too)
{
    struct slot *free_slot = NULL;
    for (int i = 0; i < c->n_slots; i++) {
        struct slot *s = &c->slots[i];
        if (s->n > 0 && strcmp(s->key, key) == 0)
            return s;
        if (s->n == 0 && !free_slot)
            free_slot = s;
    }
    if (!free_too || !free_slot)
        return NULL;
    snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
    return free_slot;
}

static bool count(struct rs_addr_count *c, const char *addr, bool capped)
{
    char key[48];
    rs_addr_limit_key(addr, key);
    pthread_mutex_lock(&c->mu);
    struct slot *s = find(c, key, true);
    bool ok = s && (!capped || s->n < c->cap);
    if (ok)
        s->n++;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

bool rs_addr_count_take(struct rs_addr_count *c, const char *addr)
{
    return count(c, addr, true);
}

bool rs_addr_count_add(struct rs_addr_count *c, const char *addr)
{
    return count(c, addr, false);
}

bool rs_addr_count_below(struct rs_addr_count *c, const char *addr)
{
    char key[48];
    rs_addr_limit_key(addr, key);
    pthread_mutex_lock(&c->mu);
    struct slot *s = find(c, key, false);
    bool below = !s || s->n < c->cap;
    pthread_mutex_unlock(&c->mu);
    return below;
}

void rs_addr_count_put(struct rs_addr_count *c, const char *addr)
{
    char key[48];
    rs_addr_limit_key(addr, key);
    pthread_mutex_lock(&c->mu);
    struct slot *s = find(c, key, false);
    if (s)
        s->n--;
    pthread_mutex_unlock(&c->mu);
}
