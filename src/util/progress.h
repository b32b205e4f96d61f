/* progress.h — a progress bar for long work (imports, training, evaluations).
 *
 * On a terminal (stderr is a TTY) it redraws one line at most ten times a second:
 *   "importing  [#########.........]  45%  12,345/27,000 rows  3.1 s"
 * Elsewhere it prints nothing until rs_progress_done(), so logs and pipes stay clean. */
#ifndef RS_PROGRESS_H
#define RS_PROGRESS_H

#include <stdint.h>

struct rs_progress {
    const char *label; /* borrowed */
    const char *unit;  /* borrowed, e.g. "rows" */
    int64_t total;     /* 0 when unknown */
    int64_t done;
    uint64_t started_ns, drawn_ns;
    int tty;
};

void rs_progress_init(struct rs_progress *p, const char *label, const char *unit, int64_t total);
/* Set the count of units done (cheap: call it per unit). */
void rs_progress_update(struct rs_progress *p, int64_t done);
/* Before a line of one's own on stderr (a rejected row): on a terminal the bar is erased, so
 * the line does not run on from it; the next update draws it again. */
void rs_progress_clear(struct rs_progress *p);
/* Final line (on a terminal it replaces the bar). */
void rs_progress_done(struct rs_progress *p);

#endif
