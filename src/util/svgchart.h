/* svgchart.h — small SVG line charts for numbers a merchant wants to look at (the promise
 * evaluation's late rate and slack by month, its calibration), written as a standalone .svg any
 * browser opens.
 *
 * Hand-written: Debian has no maintained C charting library (GNU plotutils' libplot, the
 * nearest, was last released in 2009 and leaves axes, ticks and legends to the caller), and a
 * line chart is a few dozen SVG elements. Text is XML-escaped (rs_buf_html); NaN values leave a
 * gap. */
#ifndef RS_UTIL_SVGCHART_H
#define RS_UTIL_SVGCHART_H

#include <stdbool.h>

#include "util/buf.h"

struct rs_chart_series {
    const char *name;  /* legend */
    const char *color; /* CSS colour, e.g. "#1f77b4" */
    const double *y;   /* n_x values; NaN = no point */
    bool dashed;       /* a reference (baseline, ideal) rather than a measurement */
};

struct rs_chart {
    const char *title;
    const char *y_unit; /* appended to tick labels: "%", " d"… ("" for none) */
    const char *const *x_labels;
    int n_x;
    const struct rs_chart_series *series;
    int n_series;
    double y_scale; /* tick labels show y × y_scale (100 for rates shown in %); 0 = 1 */
};

/* Start and end an SVG document of W × H pixels (TITLE: the document's <title>). */
void rs_svg_begin(struct rs_buf *b, int w, int h, const char *title);
void rs_svg_end(struct rs_buf *b);

/* Draw CH as a line chart in the box (X, Y, W, H) of the document: title, y axis with round
 * ticks (from min(0, data) to the data's maximum), x labels (thinned when crowded), one line
 * per series with a dot per point (hover shows the value) and a legend. */
void rs_chart_lines(struct rs_buf *b, double x, double y, double w, double h, const struct rs_chart *ch);

/* The y axis: round ticks covering [LO, HI]. OUT: *STEP, *FROM (first tick, <= LO) and *TO
 * (last tick, >= HI); at most about 6 ticks. */
void rs_chart_ticks(double lo, double hi, double *from, double *to, double *step);

#endif
