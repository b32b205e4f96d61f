/* jget.c — typed JSON getters (see jget.h). */
#include <stdio.h>
#include <string.h>

#include "util/jget.h"
#include "util/timefmt.h"

static void bad(struct rs_jerr *je, const char *path, const char *key, const char *what)
{
    if (je->bad)
        return;
    je->bad = true;
    snprintf(je->msg, sizeof je->msg, "%s%s%s %s", path ? path : "", path && *path ? "." : "", key, what);
}

const char *rs_jstr(json_t *obj, const char *key, const char *path, struct rs_jerr *je)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) != json_string_length(v)) {
            bad(je, path, key, "must not contain NUL characters");
            return NULL;
        }
        return json_string_value(v);
    }
    bad(je, path, key, "must be a string");
    return NULL;
}

json_t *rs_jobj(json_t *obj, const char *key, const char *path, struct rs_jerr *je)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_object(v))
        return v;
    bad(je, path, key, "must be an object");
    return NULL;
}

json_t *rs_jarr(json_t *obj, const char *key, const char *path, struct rs_jerr *je)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_array(v))
        return v;
    bad(je, path, key, "must be an array");
    return NULL;
}

int64_t rs_jtime(json_t *obj, const char *key, const char *path, int *offset_min, struct rs_jerr *je)
{
    return rs_jtime_str(rs_jstr(obj, key, path, je), key, path, offset_min, je);
}

int64_t rs_jtime_str(const char *s, const char *key, const char *path, int *offset_min, struct rs_jerr *je)
{
    if (!s)
        return 0;
    int64_t t;
    if (rs_time_parse(s, false, &t, offset_min) != RS_OK) {
        bad(je, path, key,
            "must be an RFC 3339 time with a UTC offset, e.g. \"2025-11-24T10:00:00+01:00\" or \"…Z\"");
        return 0;
    }
    if (t <= 0) {
        bad(je, path, key, "must be after 1970");
        return 0;
    }
    return t;
}

bool rs_jbool(json_t *obj, const char *key, const char *path, struct rs_jerr *je)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return false;
    if (json_is_boolean(v))
        return json_is_true(v);
    bad(je, path, key, "must be true or false");
    return false;
}

int rs_jint(json_t *obj, const char *key, const char *path, int dflt, struct rs_jerr *je)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return dflt;
    if (json_is_integer(v) && json_integer_value(v) >= -2147483647 && json_integer_value(v) <= 2147483647)
        return (int)json_integer_value(v);
    bad(je, path, key, "must be a whole number");
    return dflt;
}

