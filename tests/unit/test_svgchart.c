/* test_svgchart.c — the SVG line charts: round ticks, points placed on the scale, gaps for
 * missing values, escaped text. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/svgchart.h"

static void test_ticks(void **state)
{
    (void)state;
    double from, to, step;
    rs_chart_ticks(0, 12.3, &from, &to, &step);
    assert_true(step == 2.5 || step == 5 || step == 2);
    assert_true(from == 0 && to >= 12.3 && to - step < 12.3);
    assert_true((to - from) / step <= 6.0001);
    rs_chart_ticks(-3.2, 11.5, &from, &to, &step);
    assert_true(from <= -3.2 && from + step > -3.2);
    assert_true(to >= 11.5 && to - step < 11.5);
    rs_chart_ticks(0, 0.07, &from, &to, &step);
    assert_true(step > 0 && step <= 0.02 && to >= 0.07);
    /* one value, or all equal: still an axis */
    rs_chart_ticks(4, 4, &from, &to, &step);
    assert_true(from <= 4 && to > from && step > 0);
}

/* The y pixel of the first point of the first <path> (its "M x y"). */
static double first_point_y(const char *svg, double *x)
{
    const char *p = strstr(svg, " d=\"M");
    assert_non_null(p);
    double y = NAN;
    assert_int_equal(sscanf(p + 5, "%lf %lf", x, &y), 2);
    return y;
}

static void test_points_and_gaps(void **state)
{
    (void)state;
    static const char *const xl[4] = {"01/25", "02/25", "03/25", "04/25"};
    double a[4] = {0, 0.05, NAN, 0.10}, base[4] = {0.10, 0.10, 0.10, 0.10};
    struct rs_chart_series se[2] = {{"engine", "#1f77b4", a, false}, {"baseline <file> & co", "#d62728", base, true}};
    struct rs_chart ch = {"Late \"orders\"", "%", xl, 4, se, 2, 100};
    struct rs_buf b;
    rs_buf_init(&b);
    rs_svg_begin(&b, 600, 300, "t");
    rs_chart_lines(&b, 0, 0, 600, 300, &ch);
    rs_svg_end(&b);
    const char *svg = b.data;
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "</svg>\n"));
    /* text is escaped */
    assert_non_null(strstr(svg, "Late &quot;orders&quot;"));
    assert_non_null(strstr(svg, "baseline &lt;file&gt; &amp; co"));
    assert_null(strstr(svg, "<file>"));
    /* the gap: the engine's line moves (M) to April instead of drawing (L) through March */
    const char *path = strstr(svg, " d=\"M");
    const char *end = strchr(path + 4, '"');
    int moves = 0, lines = 0;
    for (const char *c = path + 4; c < end; c++) {
        moves += *c == 'M';
        lines += *c == 'L';
    }
    assert_int_equal(moves, 2);
    assert_int_equal(lines, 1);
    /* 3 dots for the engine (NaN has none), 4 for the baseline */
    int dots = 0;
    for (const char *c = svg; (c = strstr(c, "<circle")); c++)
        dots++;
    assert_int_equal(dots, 7);
    /* 0 % sits on the axis line (the lowest tick), 10 % at the top tick: the baseline's dots
     * are above the engine's first */
    double x0, y0 = first_point_y(svg, &x0);
    const char *axis = strstr(svg, "stroke=\"#888\"");
    assert_non_null(axis);
    double ax1, ay1;
    const char *l = axis;
    while (l > svg && strncmp(l, "<line", 5) != 0)
        l--;
    assert_int_equal(sscanf(l, "<line x1=\"%lf\" y1=\"%lf\"", &ax1, &ay1), 2);
    assert_true(fabs(y0 - ay1) < 0.11);
    assert_true(fabs(x0 - ax1) < 0.11); /* the first month at the left edge */
    assert_non_null(strstr(svg, "<title>engine, 02/25: 5.00%</title>"));
    assert_non_null(strstr(svg, ">10%</text>"));
    rs_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_points_and_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
