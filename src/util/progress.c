/* progress.c — terminal progress bar (see progress.h). */
#include "util/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "util/timefmt.h"

void rs_progress_init(struct rs_progress *p, const char *label, const char *unit, int64_t total)
{
    p->label = label;
    p->unit = unit;
    p->total = total;
    p->done = 0;
    p->started_ns = rs_mono_ns();
    p->drawn_ns = 0;
    p->tty = isatty(STDERR_FILENO);
}

static void draw(struct rs_progress *p, uint64_t now)
{
    double secs = (double)(now - p->started_ns) / 1e9;
    if (p->total > 0) {
        int width = 24, pct = (int)(p->done * 100 / p->total);
        int fill = (int)(p->done * width / p->total);
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r%-10s [%s] %3d%%  %lld/%lld %s  %.1f s ", p->label, bar, pct,
                (long long)p->done, (long long)p->total, p->unit, secs);
    } else {
        fprintf(stderr, "\r%-10s %lld %s  %.1f s ", p->label, (long long)p->done, p->unit, secs);
    }
    fflush(stderr);
}

void rs_progress_update(struct rs_progress *p, int64_t done)
{
    p->done = done;
    if (!p->tty)
        return;
    uint64_t now = rs_mono_ns();
    if (now - p->drawn_ns < 100000000u)
        return;
    p->drawn_ns = now;
    draw(p, now);
}

void rs_progress_clear(struct rs_progress *p)
{
    if (p->tty && p->drawn_ns) {
        fputs("\r\033[K", stderr); /* back to the start of the line, erase it */
        p->drawn_ns = 0;             /* drawn again at the next update */
    }
}

void rs_progress_done(struct rs_progress *p)
{
    uint64_t now = rs_mono_ns();
    if (p->tty) {
        draw(p, now);
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s: %lld %s in %.1f s\n", p->label, (long long)p->done, p->unit,
                (double)(now - p->started_ns) / 1e9);
    }
}
