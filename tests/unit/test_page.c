/* test_page.c — the small parts of the tracking page that stand alone: the form reader
 * (util/form.c), the look-up rate limiter (app/ratelimit.c) and the live-update bus
 * (app/events_bus.c). */
#include "unit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/events_bus.h"
#include "app/ratelimit.h"
#include "util/form.h"

static void form_fields(void **st)
{
    (void)st;
    const char *b = "channel=email&contact=ana%40example.com&message=La+caja+lleg%C3%B3&empty=&flag";
    char out[64];
    bool tr;
    assert_true(rs_form_get(b, strlen(b), "contact", out, sizeof out, &tr));
    assert_string_equal(out, "ana@example.com");
    assert_false(tr);
    assert_true(rs_form_get(b, strlen(b), "message", out, sizeof out, NULL));
    assert_string_equal(out, "La caja llegó");
    assert_true(rs_form_get(b, strlen(b), "empty", out, sizeof out, NULL));
    assert_string_equal(out, "");
    assert_true(rs_form_get(b, strlen(b), "flag", out, sizeof out, NULL));
    assert_false(rs_form_get(b, strlen(b), "missing", out, sizeof out, NULL));
    assert_string_equal(out, "");
    /* names are decoded too; the body need not be NUL-terminated */
    assert_true(rs_form_get("a%62c=1&x=2", 7, "abc", out, sizeof out, NULL));
    assert_string_equal(out, "1");
    assert_false(rs_form_get("a%62c=1&x=2", 7, "x", out, sizeof out, NULL));
}

static void form_malformed_and_truncated(void **st)
{
    (void)st;
    char out[8];
    bool tr;
    const char *b = "m=%zz%4%00ok";
    assert_true(rs_form_get(b, strlen(b), "m", out, sizeof out, &tr));
    assert_string_equal(out, "%zz%4ok"); /* bad escapes kept, NUL dropped */
    b = "m=%C3%B3%C3%B3%C3%B3%C3%B3"; /* óóóó = 8 bytes: does not fit in 7 */
    assert_true(rs_form_get(b, strlen(b), "m", out, sizeof out, &tr));
    assert_true(tr);
    assert_string_equal(out, "óóó");
}

static void ratelimit_blocks_after_burst(void **st)
{
    (void)st;
    struct rs_ratelimit *rl = rs_ratelimit_new(3, 6); /* 3 at once, one back every 10 s */
    int wait;
    for (int i = 0; i < 3; i++) {
        assert_false(rs_ratelimit_blocked(rl, "10.0.0.1", 1000, &wait));
        rs_ratelimit_fail(rl, "10.0.0.1", 1000);
    }
    assert_true(rs_ratelimit_blocked(rl, "10.0.0.1", 1000, &wait));
    assert_int_equal(wait, 10);
    assert_false(rs_ratelimit_blocked(rl, "10.0.0.2", 1000, &wait)); /* others unaffected */
    assert_true(rs_ratelimit_blocked(rl, "10.0.0.1", 6000, &wait));
    assert_int_equal(wait, 5);
    assert_false(rs_ratelimit_blocked(rl, "10.0.0.1", 11000, &wait)); /* a token came back */
    rs_ratelimit_fail(rl, "10.0.0.1", 11000);
    assert_true(rs_ratelimit_blocked(rl, "10.0.0.1", 11000, &wait));
    rs_ratelimit_free(rl);
}

static void ratelimit_table_full(void **st)
{
    (void)st;
    struct rs_ratelimit *rl = rs_ratelimit_new(2, 1);
    char key[32];
    int wait;
    rs_ratelimit_fail(rl, "attacker", 0);
    rs_ratelimit_fail(rl, "attacker", 0);
    for (int i = 0; i < 3 * RS_RL_SLOTS; i++) { /* many one-off clients: bounded memory */
        snprintf(key, sizeof key, "k%d", i);
        rs_ratelimit_fail(rl, key, 0);
    }
    assert_false(rs_ratelimit_blocked(rl, "newcomer", 0, &wait));
    rs_ratelimit_free(rl);
}

struct waiter {
    uint64_t seen, now;
    bool moved;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->moved = rs_bus_wait(42, w->seen, 5000, &w->now);
    return NULL;
}

static void bus_wakes_waiters(void **st)
{
    (void)st;
    rs_bus_open();
    struct waiter w = {.seen = rs_bus_seq(42)};
    pthread_t t;
    pthread_create(&t, NULL, wait_thread, &w);
    usleep(20000);
    rs_bus_bump(42);
    pthread_join(t, NULL);
    assert_true(w.moved);
    assert_int_equal(w.now, w.seen + 1);
    uint64_t now;
    assert_false(rs_bus_wait(42, w.now, 30, &now)); /* nothing new: times out */
    rs_bus_close();
    assert_false(rs_bus_wait(42, now, 5000, &now)); /* closing: returns at once */
    rs_bus_open();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(form_fields),
        cmocka_unit_test(form_malformed_and_truncated),
        cmocka_unit_test(ratelimit_blocks_after_burst),
        cmocka_unit_test(ratelimit_table_full),
        cmocka_unit_test(bus_wakes_waiters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
