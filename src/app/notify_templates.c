/* notify_templates.c — embedded default templates + merchant overrides (see
 * notify_templates.h). */
#include "app/notify_templates.h"

#include <stdio.h>
#include <string.h>

#include "util/assets.h"

const char *rs_notify_lang(const char *locale)
{
    if (locale && (locale[0] == 'e' || locale[0] == 'E') && (locale[1] == 's' || locale[1] == 'S') &&
        (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_'))
        return "es";
    return "en";
}

enum rs_err rs_notify_templates_load(struct rs_tplset *set, const char *locale,
                                     const char *override, size_t len, struct rs_tpl_error *err)
{
    const char *lang = rs_notify_lang(locale);
    char name[48];
    snprintf(name, sizeof name, "data/templates-%s.txt", lang);
    size_t base_len = 0;
    const char *base = rs_asset_get(name, &base_len);
    rs_tplset_init(set, lang);
    if (!base || rs_tplset_parse(set, base, base_len, err) != RS_OK ||
        rs_tplset_check_complete(set, err) != RS_OK)
        return RS_EINTERNAL;
    if (override && len) {
        enum rs_err rc = rs_tplset_parse(set, override, len, err);
        if (rc != RS_OK)
            return rc;
    }
    return RS_OK;
}
