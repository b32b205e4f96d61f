/* assets.h — files compiled into the binary (the data/ tables, web/ files and
 * docs/openapi.json) by scripts/embed.sh, so `rastro` runs without a data directory. */
#ifndef RS_ASSETS_H
#define RS_ASSETS_H

#include <stddef.h>

/* The bytes of embedded file NAME (path relative to the project root, e.g.
 * "data/holidays.tsv"), NUL-terminated, with its length in *len. NULL when absent. Borrowed:
 * valid for the life of the program. */
const char *rs_asset_get(const char *name, size_t *len);

/* The I-th embedded file (in name order), or NULL past the end. OUT: *name, *len. */
const char *rs_asset_at(int i, const char **name, size_t *len);

#endif
