/* events_bus.c — see events_bus.h. One mutex and one condition variable for all slots: bumps
 * are rare next to the work of a commit, and a broadcast wakes only the live streams. */
#include "app/events_bus.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static uint64_t seq[RS_BUS_SLOTS];
static bool closing;
static uint64_t total;
static uint64_t bumps; /* under mu */

static void cv_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &a);
    pthread_condattr_destroy(&a);
}

static unsigned slot(int64_t merchant_id)
{
    return (unsigned)((uint64_t)merchant_id % RS_BUS_SLOTS);
}

void rs_bus_bump(int64_t merchant_id)
{
    pthread_once(&cv_once, cv_init);
    pthread_mutex_lock(&mu);
    seq[slot(merchant_id)]++;
    bumps++;
    __atomic_add_fetch(&total, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

void rs_bus_commit(void)
{
    __atomic_add_fetch(&total, 1, __ATOMIC_RELEASE);
}

uint64_t rs_bus_total(void)
{
    return __atomic_load_n(&total, __ATOMIC_ACQUIRE);
}

uint64_t rs_bus_seq(int64_t merchant_id)
{
    pthread_mutex_lock(&mu);
    uint64_t v = seq[slot(merchant_id)];
    pthread_mutex_unlock(&mu);
    return v;
}

uint64_t rs_bus_bumps(void)
{
    pthread_mutex_lock(&mu);
    uint64_t v = bumps;
    pthread_mutex_unlock(&mu);
    return v;
}

void rs_bus_poke(void)
{
    pthread_once(&cv_once, cv_init);
    pthread_mutex_lock(&mu);
    bumps++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void deadline(struct timespec *dl, int timeout_ms)
{
    clock_gettime(CLOCK_MONOTONIC, dl);
    dl->tv_sec += timeout_ms / 1000;
    dl->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl->tv_nsec >= 1000000000L) {
        dl->tv_sec++;
        dl->tv_nsec -= 1000000000L;
    }
}

bool rs_bus_wait_any(uint64_t seen, int timeout_ms)
{
    pthread_once(&cv_once, cv_init);
    struct timespec dl;
    deadline(&dl, timeout_ms);
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (bumps == seen && !closing && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cv, &mu, &dl);
    bool moved = bumps != seen;
    pthread_mutex_unlock(&mu);
    return moved;
}

bool rs_bus_wait(int64_t merchant_id, uint64_t seen, int timeout_ms, uint64_t *now)
{
    pthread_once(&cv_once, cv_init);
    struct timespec dl;
    deadline(&dl, timeout_ms);
    unsigned k = slot(merchant_id);
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (seq[k] == seen && !closing && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cv, &mu, &dl);
    bool moved = seq[k] != seen;
    *now = seq[k];
    pthread_mutex_unlock(&mu);
    return moved;
}

void rs_bus_close(void)
{
    pthread_once(&cv_once, cv_init);
    pthread_mutex_lock(&mu);
    closing = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

void rs_bus_open(void)
{
    pthread_mutex_lock(&mu);
    closing = false;
    pthread_mutex_unlock(&mu);
}

bool rs_bus_closing(void)
{
    pthread_mutex_lock(&mu);
    bool c = closing;
    pthread_mutex_unlock(&mu);
    return c;
}
