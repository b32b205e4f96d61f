/* test_console_auth.c — the agent console's secrets (app/agent_auth.h) and its store
 * (store/store_agent.h): Argon2id PHC hashes verify only the right password, unknown accounts
 * cost a dummy verification, tokens are 256-bit base64url and only their hash is looked up,
 * CSRF comparison, cookies, the Origin check, sessions (create, find, touch, purge by idle and
 * absolute expiry, delete) and tenancy of the console reads. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/agent_auth.h"
#include "app/keys.h"
#include "store/store_agent.h"

static struct rs_kdf_params cheap = {.m_kib = 256, .t_cost = 1, .lanes = 1};

static void test_password_hash_verify(void **state)
{
    (void)state;
    char phc[RS_PHC_MAX], phc2[RS_PHC_MAX];
    assert_int_equal(rs_password_hash("correct horse battery", &cheap, phc), RS_OK);
    assert_true(strncmp(phc, "$argon2id$v=19$m=256,t=1,p=1$", 29) == 0);
    assert_true(rs_password_verify(phc, "correct horse battery"));
    assert_false(rs_password_verify(phc, "correct horse batterY"));
    assert_false(rs_password_verify(phc, ""));
    assert_false(rs_password_verify(phc, "correct horse battery "));
    /* a fresh salt each time: the same password never gives the same string */
    assert_int_equal(rs_password_hash("correct horse battery", &cheap, phc2), RS_OK);
    assert_string_not_equal(phc, phc2);
    assert_true(rs_password_verify(phc2, "correct horse battery"));
    /* only argon2id is accepted; a damaged hash never verifies */
    assert_false(rs_password_verify("$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
    assert_false(rs_password_verify("plain", "plain"));
    phc[strlen(phc) - 2] ^= 1;
    assert_false(rs_password_verify(phc, "correct horse battery"));
    /* an unknown account: false, after a dummy verification */
    assert_false(rs_password_verify(NULL, "correct horse battery"));
    /* too long */
    char *big = malloc(RS_PASSWORD_MAX + 2);
    memset(big, 'a', RS_PASSWORD_MAX + 1);
    big[RS_PASSWORD_MAX + 1] = '\0';
    assert_int_equal(rs_password_hash(big, &cheap, phc), RS_EINVAL);
    free(big);
}

static void test_kdf_params(void **state)
{
    (void)state;
    struct rs_kdf_params p;
    unsetenv("RASTRO_ARGON2_MEMORY_KIB");
    unsetenv("RASTRO_ARGON2_ITERATIONS");
    rs_kdf_params_get(&p);
    assert_int_equal(p.m_kib, 65536);
    assert_int_equal(p.t_cost, 3);
    setenv("RASTRO_ARGON2_MEMORY_KIB", "1024", 1);
    setenv("RASTRO_ARGON2_ITERATIONS", "1", 1);
    rs_kdf_params_get(&p);
    assert_int_equal(p.m_kib, 1024);
    assert_int_equal(p.t_cost, 1);
    setenv("RASTRO_ARGON2_MEMORY_KIB", "nonsense", 1);
    rs_kdf_params_get(&p);
    assert_int_equal(p.m_kib, 65536);
    unsetenv("RASTRO_ARGON2_MEMORY_KIB");
    unsetenv("RASTRO_ARGON2_ITERATIONS");
}

static void test_generated_password(void **state)
{
    (void)state;
    char a[21], b[21];
    rs_password_generate(a);
    rs_password_generate(b);
    assert_int_equal(strlen(a), 20);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 20; i++)
        assert_non_null(strchr("abcdefghjkmnpqrstuvwxyz23456789", a[i]));
}

static void test_tokens(void **state)
{
    (void)state;
    char t1[RS_TOKEN_LEN], t2[RS_TOKEN_LEN];
    assert_int_equal(rs_token_new(t1), RS_OK);
    assert_int_equal(rs_token_new(t2), RS_OK);
    assert_int_equal(strlen(t1), 43); /* 256 bits */
    assert_string_not_equal(t1, t2);
    unsigned char h1[32], h2[32];
    assert_true(rs_token_hash(t1, h1));
    assert_true(rs_token_hash(t2, h2));
    assert_memory_not_equal(h1, h2, 32);
    /* malformed tokens are never looked up */
    assert_false(rs_token_hash("short", h1));
    assert_false(rs_token_hash("Qu3dw-JofhxTaN0YZlwsjvOt4WDsaTtsMk3qZhsn0j=", h1));
    assert_false(rs_token_hash("Qu3dw-JofhxTaN0YZlwsjvOt4WDsaTtsMk3qZhsn0jYY", h1));
    assert_false(rs_token_hash(NULL, h1));
    /* CSRF comparison */
    assert_true(rs_token_equal(t1, t1));
    assert_false(rs_token_equal(t1, t2));
    assert_false(rs_token_equal(t1, ""));
    assert_false(rs_token_equal("", ""));
    assert_false(rs_token_equal(NULL, t1));
    char shorter[RS_TOKEN_LEN];
    memcpy(shorter, t1, sizeof shorter);
    shorter[42] = '\0';
    assert_false(rs_token_equal(t1, shorter));
}

static void test_cookies(void **state)
{
    (void)state;
    char v[64];
    assert_true(rs_cookie_get("a=1; rs_console=abc; b=2", "rs_console", v, sizeof v));
    assert_string_equal(v, "abc");
    assert_true(rs_cookie_get("rs_console=\"q\"", "rs_console", v, sizeof v));
    assert_string_equal(v, "q");
    assert_false(rs_cookie_get("xrs_console=abc; rs_consolex=1", "rs_console", v, sizeof v));
    assert_false(rs_cookie_get("", "rs_console", v, sizeof v));
    char tiny[4];
    assert_false(rs_cookie_get("rs_console=abcdef", "rs_console", tiny, sizeof tiny));
    assert_true(rs_cookie_get("rs_login=; rs_console=z", "rs_console", v, sizeof v));
    assert_string_equal(v, "z");
}

static void test_origin(void **state)
{
    (void)state;
    const char *base = "https://shop.example.com";
    assert_true(rs_origin_ok("https://shop.example.com", NULL, base, "shop.example.com"));
    assert_true(rs_origin_ok(NULL, "https://shop.example.com/console/c/1", base, NULL));
    assert_true(rs_origin_ok("http://127.0.0.1:8080", NULL, base, "127.0.0.1:8080")); /* the Host asked for */
    assert_false(rs_origin_ok("https://evil.example", NULL, base, "shop.example.com"));
    assert_false(rs_origin_ok("https://shop.example.com.evil.example", NULL, base, "shop.example.com"));
    assert_false(rs_origin_ok(NULL, "https://evil.example/https://shop.example.com", base, NULL));
    assert_false(rs_origin_ok("null", NULL, base, "shop.example.com"));
    assert_false(rs_origin_ok(NULL, NULL, base, "shop.example.com"));
    assert_false(rs_origin_ok("", "", base, "shop.example.com"));
    assert_false(rs_origin_ok("https://shop.example.com:444", NULL, base, "shop.example.com"));
}

/* ---- store ---- */

struct fx {
    struct rs_store *s;
    char path[64];
    int64_t m1, m2, a1, a2;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/rastro-test-console-%d.db", (int)getpid());
    unlink(f->path);
    char err[256], key[RS_KEY_LEN];
    assert_int_equal(rs_store_open(f->path, 0, &f->s, err, sizeof err), RS_OK);
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_app_merchant_create(f->s, "A", RS_SCOPE_READ, 1000, &f->m1, key), RS_OK);
    assert_int_equal(rs_app_merchant_create(f->s, "B", RS_SCOPE_READ, 1000, &f->m2, key), RS_OK);
    struct rs_agent a = {.merchant_id = f->m1, .email = "ana@a.es", .name = "Ana", .role = "agent", .locale = "es"};
    snprintf(a.password_hash, sizeof a.password_hash, "$argon2id$x");
    assert_int_equal(rs_store_agent_create(f->s, &a, 1000, &f->a1), RS_OK);
    struct rs_agent b = {.merchant_id = f->m2, .email = "bo@b.es", .name = "Bo", .role = "admin", .locale = "en"};
    snprintf(b.password_hash, sizeof b.password_hash, "$argon2id$y");
    assert_int_equal(rs_store_agent_create(f->s, &b, 1000, &f->a2), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rs_store_close(f->s);
    unit_db_remove(f->path);
    free(f);
    return 0;
}

static void test_agents(void **state)
{
    struct fx *f = *state;
    struct rs_agent a;
    assert_int_equal(rs_store_agent_by_email(f->s, "ana@a.es", &a), RS_OK);
    assert_int_equal(a.merchant_id, f->m1);
    assert_string_equal(a.name, "Ana");
    assert_string_equal(a.password_hash, "$argon2id$x");
    assert_int_equal(rs_store_agent_by_email(f->s, "nobody@a.es", &a), RS_ENOTFOUND);
    /* e-mails are unique across merchants */
    struct rs_agent dup = {.merchant_id = f->m2, .email = "ana@a.es", .name = "Other", .password_hash = "$argon2id$z"};
    int64_t id;
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_store_agent_create(f->s, &dup, 1000, &id), RS_ECONFLICT);
    dup.merchant_id = 999;
    snprintf(dup.email, sizeof dup.email, "new@x.es");
    assert_int_equal(rs_store_agent_create(f->s, &dup, 1000, &id), RS_ENOTFOUND);
    rs_store_rollback(f->s);
    /* tenancy */
    assert_int_equal(rs_store_agent_get(f->s, f->m1, f->a1, &a), RS_OK);
    assert_int_equal(rs_store_agent_get(f->s, f->m2, f->a1, &a), RS_ENOTFOUND);
    json_t *list = NULL;
    assert_int_equal(rs_store_agent_list(f->s, f->m1, &list), RS_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
}

static void test_sessions(void **state)
{
    struct fx *f = *state;
    unsigned char h[32], h2[32];
    memset(h, 7, sizeof h);
    memset(h2, 8, sizeof h2);
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_store_session_create(f->s, h, f->a1, "csrf-1", 2000, 2000 + 3600), RS_OK);
    assert_int_equal(rs_store_session_create(f->s, h2, f->a2, "csrf-2", 2000, 2000 + 60), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    struct rs_agent_session se;
    assert_int_equal(rs_store_session_get(f->s, h, &se), RS_OK);
    assert_int_equal(se.agent.id, f->a1);
    assert_int_equal(se.agent.merchant_id, f->m1);
    assert_string_equal(se.csrf, "csrf-1");
    assert_int_equal(se.last_seen_at, 2000);
    assert_int_equal(se.expires_at, 5600);
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_store_session_touch(f->s, h, 2500), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    assert_int_equal(rs_store_session_get(f->s, h, &se), RS_OK);
    assert_int_equal(se.last_seen_at, 2500);
    /* purge: h2 is past its absolute expiry; h was seen after the idle limit */
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_store_session_purge(f->s, 2100, 2400), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    assert_int_equal(rs_store_session_get(f->s, h2, &se), RS_ENOTFOUND);
    assert_int_equal(rs_store_session_get(f->s, h, &se), RS_OK);
    /* idle: last seen 2500, idle limit puts the cut at 2600 */
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_store_session_purge(f->s, 2700, 2600), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    assert_int_equal(rs_store_session_get(f->s, h, &se), RS_ENOTFOUND);
    /* logout */
    assert_int_equal(rs_store_begin(f->s), RS_OK);
    assert_int_equal(rs_store_session_create(f->s, h, f->a1, "csrf-3", 3000, 9000), RS_OK);
    assert_int_equal(rs_store_session_delete(f->s, h), RS_OK);
    assert_int_equal(rs_store_commit(f->s), RS_OK);
    assert_int_equal(rs_store_session_get(f->s, h, &se), RS_ENOTFOUND);
}

static void test_console_tenancy(void **state)
{
    struct fx *f = *state;
    /* a conversation of merchant B is invisible to merchant A's reads */
    json_t *j = NULL;
    int64_t counts[RS_Q_COUNT];
    assert_int_equal(rs_store_console_counts(f->s, f->m1, f->a1, 5000, counts), RS_OK);
    assert_int_equal(counts[RS_Q_UNASSIGNED], 0);
    assert_int_equal(rs_store_console_conversation(f->s, f->m1, 1, &j), RS_ENOTFOUND);
    assert_int_equal(rs_store_console_incident(f->s, f->m1, 1, &j), RS_ENOTFOUND);
    json_t *rows = NULL;
    for (int q = 0; q < RS_Q_COUNT; q++) {
        assert_int_equal(rs_store_console_queue(f->s, f->m1, f->a1, q, 5000, 10, 0, &rows), RS_OK);
        assert_int_equal(json_array_size(rows), 0);
        json_decref(rows);
    }
    assert_int_equal(rs_store_console_queue(f->s, f->m1, f->a1, RS_Q_COUNT, 5000, 10, 0, &rows), RS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_verify),
        cmocka_unit_test(test_kdf_params),
        cmocka_unit_test(test_generated_password),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_cookies),
        cmocka_unit_test(test_origin),
        cmocka_unit_test_setup_teardown(test_agents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_tenancy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
