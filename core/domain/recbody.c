/* JSON body readers and writers shared by the record kinds (recbody.h). */
#include "domain/recbody.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int rb_keys_known(json_t *o, const char *what, const char *const *keys, char *err,
                  size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        (void)v;
        int known = 0;
        for (const char *const *p = keys; *p && !known; p++)
            known = strcmp(*p, k) == 0;
        if (!known) {
            /* A key is not a value, but it is typed by whoever wrote the
             * body: print it only when it looks like one of ours. */
            int plain = strlen(k) < 32;
            for (const char *c = k; plain && *c; c++)
                plain = (*c >= 'a' && *c <= 'z') || *c == '_';
            return plain ? nx_err(err, errlen, "%s: unknown key \"%s\"", what, k)
                         : nx_err(err, errlen, "%s: an unknown key", what);
        }
    }
    return 0;
}

int rb_str(json_t *o, const char *what, const char *key, char *out, size_t cap, char *err,
           size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return nx_err(err, errlen, "%s: \"%s\" must be text", what, key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (strlen(s) != n)
        return nx_err(err, errlen, "%s: \"%s\" holds a NUL", what, key);
    if (n >= cap)
        return nx_err(err, errlen, "%s: \"%s\" is over %zu bytes", what, key, cap - 1);
    memcpy(out, s, n + 1);
    return 0;
}

int rb_time(json_t *o, const char *what, const char *key, int64_t *out, char *err,
            size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return nx_err(err, errlen, "%s: \"%s\" must be a time (seconds, >= 0)", what, key);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int rb_int(json_t *o, const char *what, const char *key, int *out, int min, int max,
           char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return nx_err(err, errlen, "%s: \"%s\" must be a whole number from %d to %d", what,
                      key, min, max);
    *out = (int)json_integer_value(v);
    return 0;
}

int rb_choice(json_t *o, const char *what, const char *key, const char *const *list,
              int empty_ok, char *out, size_t cap, char *err, size_t errlen)
{
    char tmp[64] = "";
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (rb_str(o, what, key, tmp, sizeof tmp, err, errlen) != 0)
        return -1;
    int ok = empty_ok && !tmp[0];
    for (const char *const *p = list; *p && !ok; p++)
        ok = strcmp(*p, tmp) == 0;
    if (!ok || strlen(tmp) >= cap)
        return nx_err(err, errlen, "%s: \"%s\" is not one of the known values", what, key);
    snprintf(out, cap, "%s", tmp);
    return 0;
}

int rb_put_str(json_t *o, const char *key, const char *v)
{
    if (!v || !v[0])
        return 0;
    return json_object_set_new(o, key, json_string(v));
}

int rb_put_int(json_t *o, const char *key, int64_t v)
{
    if (!v)
        return 0;
    return json_object_set_new(o, key, json_integer((json_int_t)v));
}

int rb_dump(json_t *o, char **out)
{
    *out = o ? nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return *out ? 0 : -1;
}
