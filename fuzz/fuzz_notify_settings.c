/* fuzz_notify_settings.c — the merchant notification settings parser/validator on arbitrary
 * bytes, and the e-mail builder on whatever settings it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/notify_settings.h"
#include "notify/channel.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    if (!s)
        return 0;
    struct rs_notify_config cfg;
    char err[256];
    /* the checks of a save (rs_notify_config_check_new) and, for what it accepts, the reading of
     * stored settings: whatever may be saved must read back */
    if (rs_notify_config_check_new(s, &cfg, err, sizeof err) == RS_OK) {
        struct rs_notify_config back;
        if (rs_notify_config_parse(s, &back, err, sizeof err) != RS_OK)
            abort();
        rs_notify_config_release(&back);
        if (cfg.webhook_url && (cfg.webhook_key_len < 24 || cfg.webhook_key_len > 64))
            abort();
        struct rs_rendered r = {0};
        r.part[RS_TPART_EMAIL_SUBJECT] = cfg.merchant_name ? cfg.merchant_name : "Tu pedido ñ";
        r.part[RS_TPART_EMAIL_TEXT] = cfg.support_url ? cfg.support_url : "línea 1\n.\nfin =";
        r.part[RS_TPART_EMAIL_HTML] = "<p>hola</p>";
        struct rs_msg m = {.cfg = &cfg, .to_email = "a@b.es", .to_name = cfg.email_from, .lang = "es", .r = &r,
                           .now = 1764158747};
        char *out = NULL, mid[128];
        size_t len;
        if (rs_email_build(&m, &out, &len, mid) == RS_OK) {
            for (size_t i = 0; i < len; i++)
                if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
                    abort(); /* every line ends CRLF */
            /* RFC 5322 2.1.1: no header line over 998 characters (long subjects and names fold) */
            const char *end = strstr(out, "\r\n\r\n");
            for (const char *l = out; end && l < end;) {
                const char *eol = strstr(l, "\r\n");
                if (eol - l > 998)
                    abort();
                l = eol + 2;
            }
            free(out);
        }
        rs_notify_config_release(&cfg);
    } else if (!err[0]) {
        abort();
    }
    free(s);
    return 0;
}
