/* notify_templates.h — builds a notification template set from the embedded defaults
 * (data/templates-es.txt, data/templates-en.txt) plus a merchant's optional override text.
 * This is the edge that reads assets; the parsing and rendering are core/notify_tpl.h. */
#ifndef RS_NOTIFY_TEMPLATES_H
#define RS_NOTIFY_TEMPLATES_H

#include <stddef.h>

#include "core/notify_tpl.h"

/* The template language used for LOCALE: "es" for any Spanish tag ("es", "es-MX"), "en"
 * otherwise. Never NULL. */
const char *rs_notify_lang(const char *locale);

/* Initialise SET for LOCALE's language from the embedded defaults, then apply OVERRIDE (LEN
 * bytes, sectioned format; NULL for none; borrowed: must outlive SET). Checks that the result is
 * complete. RS_EINVAL with *err naming the line and problem when the override is invalid (the
 * error's line numbers are the override's); RS_EINTERNAL if the embedded defaults are broken.
 * Call at configuration time so a bad override is refused before it is saved. */
enum rs_err rs_notify_templates_load(struct rs_tplset *set, const char *locale,
                                     const char *override, size_t len,
                                     struct rs_tpl_error *err) RS_MUST_CHECK;

#endif
