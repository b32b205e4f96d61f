/* svgchart.c — SVG line charts (svgchart.h). */
#include "util/svgchart.h"

#include <math.h>

void rs_svg_begin(struct rs_buf *b, int w, int h, const char *title)
{
    rs_buf_printf(b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n<title>",
                  w, h, w, h);
    rs_buf_html(b, title);
    rs_buf_printf(b, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", w, h);
}

void rs_svg_end(struct rs_buf *b)
{
    rs_buf_puts(b, "</svg>\n");
}

void rs_chart_ticks(double lo, double hi, double *from, double *to, double *step)
{
    if (!(hi > lo)) { /* one value, or none: a unit around it */
        hi = lo + 1;
    }
    double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), st = mag;
    static const double mult[] = {1, 2, 2.5, 5, 10};
    for (int i = 0; i < 5; i++) {
        st = mult[i] * mag;
        if ((hi - lo) / st <= 6)
            break;
    }
    *step = st;
    *from = floor(lo / st + 1e-9) * st;
    *to = ceil(hi / st - 1e-9) * st;
    if (*to <= *from)
        *to = *from + st;
}

/* A tick label: VALUE with as few decimals as STEP needs. */
static void tick_label(struct rs_buf *b, double v, double step, const char *unit)
{
    int dec = 0; /* 2.5 needs one decimal, 0.25 two */
    while (dec < 3 && fabs(step * pow(10, dec) - round(step * pow(10, dec))) > 1e-9)
        dec++;
    if (fabs(v) < 1e-12)
        v = 0;
    rs_buf_printf(b, "%.*f", dec, v);
    rs_buf_html(b, unit);
}

void rs_chart_lines(struct rs_buf *b, double x, double y, double w, double h, const struct rs_chart *ch)
{
    const double scale = ch->y_scale > 0 ? ch->y_scale : 1;
    double lo = 0, hi = 0;
    bool any = false;
    for (int s = 0; s < ch->n_series; s++)
        for (int i = 0; i < ch->n_x; i++) {
            double v = ch->series[s].y[i] * scale;
            if (isnan(v))
                continue;
            if (!any || v > hi)
                hi = v;
            if (!any || v < lo)
                lo = v;
            any = true;
        }
    if (lo > 0)
        lo = 0; /* rates and durations read against zero */
    double from, to, step;
    rs_chart_ticks(lo, hi, &from, &to, &step);

    /* plot area: room for the title, the tick labels, the x labels and the legend */
    const double left = x + 56, right = x + w - 40, top = y + 30, bottom = y + h - 52;
    const double pw = right - left, ph = bottom - top;
#define PY(v) (bottom - ((v) - from) / (to - from) * ph)
#define PX(i) (ch->n_x > 1 ? left + pw * (double)(i) / (double)(ch->n_x - 1) : left + pw / 2)

    rs_buf_printf(b, "<g>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">", x + 8, y + 18);
    rs_buf_html(b, ch->title);
    rs_buf_puts(b, "</text>\n");
    for (double t = from; t <= to + step / 2; t += step) {
        rs_buf_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">",
                      left, PY(t), right, PY(t), left - 6, PY(t) + 4);
        tick_label(b, t, step, ch->y_unit ? ch->y_unit : "");
        rs_buf_puts(b, "</text>\n");
    }
    rs_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", left, bottom,
                  right, bottom);
    int every = ch->n_x > 12 ? (ch->n_x + 11) / 12 : 1; /* at most ~12 x labels */
    for (int i = 0; i < ch->n_x; i++) {
        if (i % every && i != ch->n_x - 1)
            continue;
        rs_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">", PX(i),
                      bottom + 16);
        rs_buf_html(b, ch->x_labels[i]);
        rs_buf_puts(b, "</text>\n");
    }
    for (int s = 0; s < ch->n_series; s++) {
        const struct rs_chart_series *se = &ch->series[s];
        rs_buf_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"", se->color,
                      se->dashed ? " stroke-dasharray=\"6 4\"" : "");
        bool pen = false;
        for (int i = 0; i < ch->n_x; i++) {
            double v = se->y[i] * scale;
            if (isnan(v)) {
                pen = false;
                continue;
            }
            rs_buf_printf(b, "%s%.1f %.1f ", pen ? "L" : "M", PX(i), PY(v));
            pen = true;
        }
        rs_buf_puts(b, "\"/>\n");
        for (int i = 0; i < ch->n_x; i++) {
            double v = se->y[i] * scale;
            if (isnan(v))
                continue;
            rs_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", PX(i), PY(v),
                          se->color);
            rs_buf_html(b, se->name);
            rs_buf_puts(b, ", ");
            rs_buf_html(b, ch->x_labels[i]);
            rs_buf_printf(b, ": %.2f", v);
            rs_buf_html(b, ch->y_unit ? ch->y_unit : "");
            rs_buf_puts(b, "</title></circle>\n");
        }
        /* legend, one row under the x labels */
        double lx = left + (double)s * (pw / (ch->n_series > 0 ? ch->n_series : 1));
        rs_buf_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>"
                      "<text x=\"%.1f\" y=\"%.1f\">",
                      lx, bottom + 38, lx + 22, bottom + 38, se->color,
                      se->dashed ? " stroke-dasharray=\"6 4\"" : "", lx + 28, bottom + 42);
        rs_buf_html(b, se->name);
        rs_buf_puts(b, "</text>\n");
    }
    rs_buf_puts(b, "</g>\n");
#undef PX
#undef PY
}
