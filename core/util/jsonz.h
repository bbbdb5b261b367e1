/* core/util/jsonz — jansson with memory that is wiped when freed.
 *
 * JSON documents in Nexus hold patient values (an import line, the body of
 * an incident report or a patient request), and jansson allocates and frees
 * behind our back. nx_json_init points jansson at an allocator that zeroes
 * every block before it goes back to malloc, like the SQLite allocator of
 * core/crypt/zalloc.c. jansson's allocator is process-wide (its API gives
 * no per-call choice), so this is the one process setting: call it once
 * before the first json_* call; calling it again is harmless. */
#ifndef NX_UTIL_JSONZ_H
#define NX_UTIL_JSONZ_H

#include <jansson.h>

void nx_json_init(void);

/* json_dumps into a buffer of libc's malloc (free it with free() after
 * wiping it), the library's own buffer wiped and given back with the
 * library's free function. NULL when out of memory. */
char *nx_json_dumps(const json_t *j, size_t flags);

#endif
