/* core/crypt/zslab — slots for SQLite's page cache lines, in memory mapped
 * for transparent huge pages (zslab.c). Used by the zeroing allocator
 * (zalloc.c) only; thread-safe; it does not zero: the caller does. */
#ifndef NX_CRYPT_ZSLAB_H
#define NX_CRYPT_ZSLAB_H

#include <stddef.h>

/* The size class, in bytes of a whole block (zalloc's header included):
 * a 4 KiB page and SQLite's headers for it. */
#define NX_ZSLAB_MIN 4097
#define NX_ZSLAB_SLOT 4608

/* A slot for a block of n bytes, or NULL: n outside the class, or no
 * memory (the caller then uses libc). */
void *nx_zslab_get(size_t n);
/* 1 when p is inside a slot's chunk (a block nx_zslab_get gave). */
int nx_zslab_owns(const void *p);
/* Takes back a slot the caller has zeroed. */
void nx_zslab_put(void *p);
/* Slots handed out and not yet given back. */
size_t nx_zslab_in_use(void);

#endif
