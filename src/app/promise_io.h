/* promise_io.h — store a trained promise model in a file and read it back (JSON, jansson).
 *
 * Format: {"format":"rastro-promise","version":1,"params":{…},"aci_place":x,"aci_handover":x,
 * "n_learned":n,"nodes":[{"level":0..3,"origin":"BR/SP","dest":"BR/RJ","carrier":"",
 * "service":"","handling":{"last_day":d,"w":{"bin":weight,…}},"transit":{…}},…]} — histograms
 * are sparse (only non-zero bins). */
#ifndef RS_PROMISE_IO_H
#define RS_PROMISE_IO_H

#include "core/err.h"
#include "core/promise.h"

/* Write M to PATH (atomically: a temporary file renamed over it). RS_EIO on a write failure. */
enum rs_err rs_promise_save(const struct rs_promise_model *m, const char *path) RS_MUST_CHECK;

/* Read PATH into M (which is re-initialised first). RS_EIO when unreadable, RS_EINVAL when it is
 * not a model file; *why gets a short reason (static string). */
enum rs_err rs_promise_load(struct rs_promise_model *m, const char *path,
                            const char **why) RS_MUST_CHECK;

/* The same format as text (for the store): *OUT is malloc'd (free() it). */
enum rs_err rs_promise_to_text(const struct rs_promise_model *m, char **out) RS_MUST_CHECK;
/* Parse TEXT into M (re-initialised first). RS_EINVAL with *why when it is not a model. */
enum rs_err rs_promise_from_text(struct rs_promise_model *m, const char *text,
                                 const char **why) RS_MUST_CHECK;

#endif
