/* test_fold.c — text folding used by the normalizer and the bot. */
#include "unit.h"

#include "util/fold.h"

static void check(const char *in, const char *want)
{
    char out[256];
    rs_fold(in, -1, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_fold_spanish(void **state)
{
    (void)state;
    check("¿Dónde está mi PEDIDO?", "donde esta mi pedido");
    check("  Entregado   a vecino. ", "entregado a vecino");
    check("Intento de entrega fallido - domicilio cerrado", "intento de entrega fallido domicilio cerrado");
    check("Año ÑANDÚ", "ano nandu");
    check("Não entregue — ausente", "nao entregue ausente");
}

static void test_fold_bounds(void **state)
{
    (void)state;
    char out[6];
    rs_fold("abcdefghij", -1, out, sizeof out);
    assert_string_equal(out, "abcde");
    rs_fold("\xff\xfe ok", -1, out, sizeof out);
    assert_string_equal(out, "ok");
    rs_fold(NULL, -1, out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_spanish),
        cmocka_unit_test(test_fold_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
