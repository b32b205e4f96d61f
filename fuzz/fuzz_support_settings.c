/* fuzz_support_settings.c — the support settings parser/validator (app/support_settings.h) on
 * arbitrary bytes: it must never crash, must say why when it refuses, and what it accepts must
 * hold its invariants (SLA hours in range, policies with a type and a condition, business hours
 * within a day, an alert address that looks like one, no "warnings" kept: GET adds them). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/support_settings.h"
#include "util/email_addr.h"
#include "fuzz_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    if (!s)
        return 0;
    struct rs_support_settings cfg;
    char err[256];
    if (rs_support_settings_parse(s, &cfg, err, sizeof err) == RS_OK) {
        for (int i = 0; i < RS_INCIDENT_NTYPES; i++)
            if (cfg.sla_hours[i] < 1 || cfg.sla_hours[i] > 720)
                abort();
        for (int i = 0; i < cfg.n_policies; i++) {
            const struct rs_support_policy *p = &cfg.policies[i];
            if (rs_incident_type_index(p->type) < 0 || !p->offer[0] ||
                (p->no_scan_days < 0 && p->breached_days < 0 && !p->status))
                abort();
        }
        if (cfg.coupon_value_cents <= 0 || (!cfg.coupon_percent && !cfg.coupon_currency))
            abort();
        if (cfg.bh_days && ((cfg.bh_days & ~0xFEu) || cfg.bh_start < 0 || cfg.bh_end > 1440 ||
                            cfg.bh_end - cfg.bh_start < 60))
            abort(); /* business hours: ISO weekdays, a window of an hour at least within the day */
        if (cfg.alert_email && !rs_email_plausible(cfg.alert_email))
            abort(); /* the SLA alerts go to an address that looks like one */
        if (json_object_get(cfg.root, "warnings"))
            abort(); /* what GET adds is never kept as a setting */
        rs_support_settings_release(&cfg);
    } else if (!err[0]) {
        abort();
    }
    free(s);
    return 0;
}
