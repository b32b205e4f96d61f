/* fuzz_template.c — the template-set parser and renderer on arbitrary override text: parsing
 * never crashes, errors always carry a message, and whatever parses renders every trigger ×
 * channel into a bounded buffer without escaping it. The first byte picks the language. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify_tpl.h"
#include "core/sms.h"
#include "util/assets.h"

static struct rs_tplset *base[2];

static const char *vars[RS_TV__COUNT] = {
    [RS_TV_FIRST_NAME] = "Ana <b>",
    [RS_TV_MERCHANT_NAME] = "O'Livo & \"Co\"",
    [RS_TV_ORDER_REF] = "1042\n2",
    [RS_TV_TRACKING_URL] = "https://t.example/x",
    [RS_TV_COUPON_CODE] = "X",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base[0]) {
        static const char *langs[2] = {"es", "en"};
        for (int l = 0; l < 2; l++) {
            char name[40];
            size_t len = 0;
            strcpy(name, l ? "data/templates-en.txt" : "data/templates-es.txt");
            const char *txt = rs_asset_get(name, &len);
            base[l] = malloc(sizeof *base[l]);
            rs_tplset_init(base[l], langs[l]);
            if (!txt || rs_tplset_parse(base[l], txt, len, NULL) != RS_OK)
                abort();
        }
    }
    if (size == 0)
        return 0;
    static struct rs_tplset set;
    memcpy(&set, base[data[0] & 1], sizeof set);
    /* the set borrows the text: keep a private copy alive for the call */
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    struct rs_tpl_error err;
    enum rs_err rc = rs_tplset_parse(&set, text, size - 1, &err);
    if (rc == RS_EINVAL && err.msg[0] == '\0')
        abort();
    if (rc == RS_OK) {
        static char buf[4096];
        for (int t = 0; t < RS_TRIG__COUNT; t++)
            for (int c = 0; c < RS_CH__COUNT; c++) {
                struct rs_rendered r;
                struct rs_render_ctx ctx = {(enum rs_status)(t % RS_STATUS__COUNT),
                                            (enum rs_substatus)(c * 5 % RS_SUB__COUNT)};
                if (rs_notify_render(&set, (enum rs_trigger)t, (enum rs_channel)c, &ctx, vars,
                                     buf, sizeof buf, &r) == RS_OK &&
                    r.part[RS_TPART_SMS_TEXT]) {
                    struct rs_sms_info si;
                    const char *s = r.part[RS_TPART_SMS_TEXT];
                    (void)rs_sms_analyze(s, strlen(s), &si);
                }
            }
    }
    free(text);
    return 0;
}
