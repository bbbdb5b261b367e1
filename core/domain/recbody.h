/* core/domain/recbody — reading and writing the JSON body of an oversight
 * record for the kinds' modules (incident.c, patreq.c): strict readers
 * that refuse an unknown key, a wrong type or a text over its limit, and
 * whose messages name the key, never the value (a body may hold PHI).
 * A key that is absent leaves the output as it was (the caller's
 * default). Private to core/domain. */
#ifndef NX_DOMAIN_RECBODY_H
#define NX_DOMAIN_RECBODY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* -1 with err when o holds a key not in keys (NULL-terminated). */
int rb_keys_known(json_t *o, const char *what, const char *const *keys, char *err,
                  size_t errlen);
/* A string of fewer than cap bytes, without NUL. */
int rb_str(json_t *o, const char *what, const char *key, char *out, size_t cap, char *err,
           size_t errlen);
/* An integer >= 0 (unix seconds). */
int rb_time(json_t *o, const char *what, const char *key, int64_t *out, char *err,
            size_t errlen);
/* An integer in [min, max]. */
int rb_int(json_t *o, const char *what, const char *key, int *out, int min, int max,
           char *err, size_t errlen);
/* One of list's ids (NULL-terminated), or "" when empty_ok. */
int rb_choice(json_t *o, const char *what, const char *key, const char *const *list,
              int empty_ok, char *out, size_t cap, char *err, size_t errlen);

/* Writers: set key only when the value is not the default ("" / 0), so a
 * body holds what was filled in. -1 when out of memory. */
int rb_put_str(json_t *o, const char *key, const char *v);
int rb_put_int(json_t *o, const char *key, int64_t v);
/* Dumps o (compact, keys sorted) into *out (heap; wipe and free), then
 * drops o. 0 or -1. */
int rb_dump(json_t *o, char **out);

#endif
