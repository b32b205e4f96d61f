/* fuzz_history.c — the history CSV row parser (ingest/history.c) on arbitrary bytes: the first
 * record is the header, every other record is parsed and, when usable, learnt by the engine. */
#include <stdint.h>
#include <stdlib.h>

#include "core/calendar.h"
#include "core/promise.h"
#include "ingest/history.h"

static struct rs_promise_model model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_csv c;
    if (rs_csv_init_mem(&c, (const char *)data, size) != RS_OK)
        return 0;
    struct rs_history_cols cols;
    if (rs_csv_header(&c) == RS_OK && rs_history_cols_init(&cols, &c) == RS_OK) {
        struct rs_calendar cal;
        rs_calendar_init(&cal);
        rs_promise_model_init(&model, NULL);
        for (int i = 0; i < 64; i++) {
            enum rs_err e = rs_csv_next(&c);
            if (e == RS_ENOTFOUND)
                break;
            if (e != RS_OK)
                continue;
            struct rs_history_row r;
            if (rs_history_parse(&c, &cols, &r) != RS_HSKIP_NONE)
                continue;
            struct rs_promise_obs o;
            rs_history_obs(&r, &o);
            if (rs_promise_learn(&model, &cal, &o, true) == RS_OK) {
                struct rs_promise p;
                if (rs_promise_quote(&model, &cal, &o.lane, o.placed_day, o.placed_minute, 0,
                                     &p) == RS_OK && p.latest < p.earliest)
                    abort();
            }
        }
    }
    rs_csv_release(&c);
    return 0;
}
