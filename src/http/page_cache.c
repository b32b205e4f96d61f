/* page_cache.c — see page_cache.h. Direct-mapped by FNV-1a of the key, one mutex per slot. */
#include "http/page_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

struct slot {
    pthread_mutex_t mu;
    char *key, *html;
    size_t len;
    uint64_t total, at_ns;
};

static struct slot slots[RS_PAGE_CACHE_SLOTS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    for (int i = 0; i < RS_PAGE_CACHE_SLOTS; i++)
        pthread_mutex_init(&slots[i].mu, NULL);
}

static struct slot *slot_of(const char *key)
{
    uint32_t h = 2166136261u;
    for (const char *c = key; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return &slots[h % RS_PAGE_CACHE_SLOTS];
}

bool rs_page_cache_get(const char *key, uint64_t bus_total, char **out, size_t *len)
{
    pthread_once(&once, init);
    struct slot *s = slot_of(key);
    bool hit = false;
    pthread_mutex_lock(&s->mu);
    if (s->key && strcmp(s->key, key) == 0 && s->total == bus_total &&
        rs_mono_ns() - s->at_ns < (uint64_t)RS_PAGE_CACHE_TTL_S * 1000000000u) {
        *out = malloc(s->len + 1);
        if (*out) {
            memcpy(*out, s->html, s->len + 1);
            *len = s->len;
            hit = true;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return hit;
}

void rs_page_cache_put(const char *key, uint64_t bus_total, const char *html, size_t len)
{
    pthread_once(&once, init);
    char *k = strdup(key), *h = malloc(len + 1);
    if (!k || !h) {
        free(k);
        free(h);
        return;
    }
    memcpy(h, html, len);
    h[len] = '\0';
    struct slot *s = slot_of(key);
    pthread_mutex_lock(&s->mu);
    free(s->key);
    free(s->html);
    s->key = k;
    s->html = h;
    s->len = len;
    s->total = bus_total;
    s->at_ns = rs_mono_ns();
    pthread_mutex_unlock(&s->mu);
}
