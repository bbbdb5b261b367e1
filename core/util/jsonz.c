/* jansson's memory wiped on free (jsonz.h). Each block carries its size in
 * a 16-byte header (16 keeps the block aligned for any type). */
#include "util/jsonz.h"

#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *zmalloc(size_t n)
{
    if (n > SIZE_MAX - 16)
        return NULL;
    unsigned char *p = malloc(n + 16);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    return p + 16;
}

static void zfree(void *q)
{
    if (!q)
        return;
    unsigned char *p = (unsigned char *)q - 16;
    size_t n;
    memcpy(&n, p, sizeof n);
    sodium_memzero(p, n + 16);
    free(p);
}

void nx_json_init(void)
{
    json_set_alloc_funcs(zmalloc, zfree);
}

char *nx_json_dumps(const json_t *j, size_t flags)
{
    char *d = json_dumps(j, flags);
    if (!d)
        return NULL;
    size_t n = strlen(d);
    char *out = malloc(n + 1);
    if (out)
        memcpy(out, d, n + 1);
    json_free_t jfree = NULL;
    json_get_alloc_funcs(NULL, &jfree);
    sodium_memzero(d, n);
    (jfree ? jfree : free)(d);
    return out;
}
