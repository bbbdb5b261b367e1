/* SQLite's allocator, zeroing what it frees (DESIGN security invariant 3:
 * after a lock nothing of a decrypted row may be left in the process).
 *
 * Every byte SQLite holds goes through these methods: the page cache (the
 * pages the encrypting VFS decrypted), records being built or read, the
 * lookaside slots, sorter and temp-table pages (temp_store is MEMORY),
 * sqlite3_column_text() results. xFree and xRealloc zero the old block before
 * giving it back to libc, so closing the cache (which frees all of that)
 * leaves no plaintext behind: not in libc's free lists, not in a block a
 * later malloc reuses without clearing, not in ASan's quarantine (which
 * keeps freed blocks as they were).
 *
 * Page cache lines come from zslab.c (memory mapped for huge pages), the
 * rest from libc.
 *
 * The requested size is kept in a 16-byte header (16 keeps malloc's
 * alignment, SQLite needs 8): malloc_usable_size would work with glibc and
 * ASan, but the header says exactly what SQLite asked for, also for xSize. */
#include "crypt/crypt.h"
#include "crypt/zslab.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR 16

/* Set by every allocation of this thread: nx_zalloc_active() allocates
 * through SQLite and looks whether it came here. */
static _Thread_local int came_here;

static void *z_malloc(int n)
{
    came_here = 1;
    if (n <= 0 || (size_t)n > SIZE_MAX - HDR)
        return NULL;
    unsigned char *b = nx_zslab_get((size_t)n + HDR);   /* a page cache line */
    if (!b)
        b = malloc((size_t)n + HDR);
    if (!b)
        return NULL;
    uint64_t size = (uint64_t)n;
    memcpy(b, &size, sizeof size);
    return b + HDR;
}

static int z_size(void *p)
{
    if (!p)
        return 0;
    uint64_t size;
    memcpy(&size, (unsigned char *)p - HDR, sizeof size);
    return (int)size;
}

static void z_free(void *p)
{
    if (!p)
        return;
    unsigned char *b = (unsigned char *)p - HDR;
    /* sodium_memzero, not memset: a store just before free() is dead to
     * the compiler and may be dropped. The header goes too. */
    sodium_memzero(b, (size_t)z_size(p) + HDR);
    if (nx_zslab_owns(b))
        nx_zslab_put(b);
    else
        free(b);
}

/* Never realloc(): when it moves the block, libc frees the old one as it
 * is, with the data still in it. */
static void *z_realloc(void *p, int n)
{
    if (!p)
        return z_malloc(n);
    int old = z_size(p);
    if (n <= old && n > 0)
        return p;   /* shrinking: the header keeps the old size, so xSize
                     * stays truthful and free clears the whole block */
    void *q = z_malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, (size_t)(old < n ? old : n));
    z_free(p);
    return q;
}

static int z_roundup(int n)
{
    if (n > INT32_MAX - 7)
        return n;
    return (n + 7) & ~7;
}

static int z_init(void *ctx) { (void)ctx; return SQLITE_OK; }
static void z_shutdown(void *ctx) { (void)ctx; }

static const sqlite3_mem_methods zeroing = {
    .xMalloc = z_malloc,
    .xFree = z_free,
    .xRealloc = z_realloc,
    .xSize = z_size,
    .xRoundup = z_roundup,
    .xInit = z_init,
    .xShutdown = z_shutdown,
    .pAppData = NULL,
};

static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static int installed;

int nx_zalloc_install(void)
{
    pthread_mutex_lock(&install_lock);
    int rc = 0;
    if (installed) {
        /* Installed once does not mean still in use: a sqlite3_shutdown()
         * and another SQLITE_CONFIG_MALLOC would have replaced it. */
        rc = nx_zalloc_active() ? 0 : -1;
    } else {
        /* SQLITE_MISUSE here means sqlite3_initialize() already ran (some
         * sqlite3 call came before nx_crypt_init): the allocator can no
         * longer change, and going on would leave decrypted pages in
         * memory that is freed as it is. */
        if (sqlite3_config(SQLITE_CONFIG_MALLOC, &zeroing) != SQLITE_OK)
            rc = -1;
        else
            installed = 1;
        /* Without SQLite's memory accounting (nothing here reads
         * sqlite3_memory_used or sets a heap limit), an allocation and a
         * free take no global mutex and keep no statistics: 4.3 % fewer
         * instructions where a 100 000-row table is filled and ten indexes
         * built over it (cachegrind). Only speed depends on it. */
        if (rc == 0)
            (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    pthread_mutex_unlock(&install_lock);
    return rc;
}

/* Also installed before main(): a program that touches SQLite before
 * nx_crypt_init (a test registering a VFS in its set-up, a tool opening a
 * database first) would otherwise run with libc's allocator, and
 * nx_crypt_init would have to refuse. Every binary linking core/crypt gets
 * this object (nx_crypt_init calls into it), so the constructor always runs;
 * nx_crypt_init still installs and checks, for a build where it does not. */
__attribute__((constructor)) static void zalloc_at_start(void)
{
    (void)nx_zalloc_install();
}

int nx_zalloc_active(void)
{
    /* Asks SQLite rather than trusting the flag: a later
     * sqlite3_config(SQLITE_CONFIG_MALLOC) elsewhere would replace ours. */
    came_here = 0;
    void *p = sqlite3_malloc(24);
    int ours = p && came_here && sqlite3_msize(p) == 24;
    sqlite3_free(p);
    return ours;
}
