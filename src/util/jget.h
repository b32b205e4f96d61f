/* jget.h — typed access to JSON input (jansson) with errors a developer understands:
 * "customer.email must be a string". The first error wins and is kept in struct rs_jerr;
 * getters return NULL/0/false after an error, so a parser reads every field and checks once. */
#ifndef RS_JGET_H
#define RS_JGET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct rs_jerr {
    char msg[392];
    bool bad;
};
const char *rs_jstr(json_t *obj, const char *key, const char *path, struct rs_jerr *je);
json_t *rs_jobj(json_t *obj, const char *key, const char *path, struct rs_jerr *je);
json_t *rs_jarr(json_t *obj, const char *key, const char *path, struct rs_jerr *je);
/* RFC 3339 with an offset; 0 when absent. */
int64_t rs_jtime(json_t *obj, const char *key, const char *path, int *offset_min, struct rs_jerr *je);
/* The same for a string already in hand (NULL: absent). */
int64_t rs_jtime_str(const char *s, const char *key, const char *path, int *offset_min, struct rs_jerr *je);
bool rs_jbool(json_t *obj, const char *key, const char *path, struct rs_jerr *je);
int rs_jint(json_t *obj, const char *key, const char *path, int dflt, struct rs_jerr *je);

#endif
