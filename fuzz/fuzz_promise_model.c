/* fuzz_promise_model.c — the stored model parser (app/promise_io.c rs_promise_from_text) and
 * the region-code parser of GET /v1/promise (rs_promise_split_region) on arbitrary bytes; a
 * model that loads must quote without trouble. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/promise_io.h"
#include "app/promise_service.h"
#include "core/calendar.h"
#include "core/promise.h"
#include "fuzz_str.h"

static struct rs_promise_model model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    if (!text)
        return 0;
    char cc[3], region[65];
    (void)rs_promise_split_region(text, cc, region, sizeof region);
    const char *why = NULL;
    if (rs_promise_from_text(&model, text, &why) == RS_OK) {
        struct rs_calendar cal;
        rs_calendar_init(&cal);
        struct rs_promise_lane lane = {"ES", "MAD", "ES", "BCN", "seur", "std", "28001", "08001"};
        struct rs_promise p;
        (void)rs_promise_quote(&model, &cal, &lane, rs_cal_day(2025, 3, 3), 600, 0.9, &p);
    }
    free(text);
    return 0;
}
