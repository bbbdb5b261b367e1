/* The zeroing allocator's home for SQLite's page cache lines (zalloc.c).
 *
 * Every page SQLite holds is one allocation of a page and its headers
 * (~4.4 KB for 4 KiB pages), and a cache of 100 000 items holds ~25 000 of
 * them. From libc's heap each new one touches fresh memory a 4 KiB page at
 * a time, and on these virtual machines a page fault costs microseconds:
 * a first sync spent ~6 % of the laptop's time and as much of the hub's
 * taking them. Here those blocks come from chunks mapped 2 MiB-aligned and
 * advised for transparent huge pages, one fault per 2 MiB where the kernel
 * grants them (and still 4 KiB pages where it does not).
 *
 * Only blocks of the one size class [NX_ZSLAB_MIN, NX_ZSLAB_SLOT] come
 * here; the rest stays with libc. A slot is handed out from a free list
 * (slots given back) or by bumping through the newest chunk, so untouched
 * memory stays untouched. The caller (z_free) zeroes a block before it gives it back:
 * nothing of a page outlives its use here any more than in libc's heap.
 * Chunks are never unmapped: a process keeps the most it once cached,
 * zeroed. Under AddressSanitizer a slot's unused tail and every free slot
 * are poisoned, so an overflow or a use after free is still reported. */
#include "crypt/zslab.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define HUGE_PAGE (2u << 20)
#define CHUNK (32u << 20)
#define MAX_CHUNKS 64                    /* 2 GiB of slots; past it, libc */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *chunk[MAX_CHUNKS];
static _Atomic size_t nchunks;           /* chunk[0, nchunks) are set */
static size_t bumped;                    /* slots used of the newest chunk */
static void *free_list;                  /* a free slot's first word links the next */
static size_t in_use;                    /* slots handed out and not given back */

static unsigned char *map_chunk(void)
{
    size_t len = (size_t)CHUNK + HUGE_PAGE;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    unsigned char *c = (unsigned char *)a;
    if (c > p)
        munmap(p, (size_t)(c - p));
    size_t tail = (size_t)(p + len - (c + CHUNK));
    if (tail)
        munmap(c + CHUNK, tail);
#ifdef MADV_HUGEPAGE
    (void)madvise(c, CHUNK, MADV_HUGEPAGE);   /* advice: 4 KiB pages without it */
#endif
    POISON(c, CHUNK);
    return c;
}

void *nx_zslab_get(size_t n)
{
    if (n < NX_ZSLAB_MIN || n > NX_ZSLAB_SLOT)
        return NULL;
    void *s = NULL;
    pthread_mutex_lock(&lock);
    if (free_list) {
        s = free_list;
        UNPOISON(s, sizeof(void *));
        memcpy(&free_list, s, sizeof(void *));
    } else {
        size_t have = atomic_load_explicit(&nchunks, memory_order_relaxed);
        if (!have || bumped == CHUNK / NX_ZSLAB_SLOT) {
            unsigned char *c = have < MAX_CHUNKS ? map_chunk() : NULL;
            if (c) {
                chunk[have] = c;
                atomic_store_explicit(&nchunks, have + 1, memory_order_release);
                have++;
                bumped = 0;
            }
        }
        if (have && bumped < CHUNK / NX_ZSLAB_SLOT)
            s = chunk[have - 1] + bumped++ * NX_ZSLAB_SLOT;
    }
    in_use += s != NULL;
    pthread_mutex_unlock(&lock);
    if (s) {
        POISON(s, NX_ZSLAB_SLOT);
        UNPOISON(s, n);
    }
    return s;
}

int nx_zslab_owns(const void *p)
{
    /* Chunks are only ever added, each set before the count says so. */
    size_t have = atomic_load_explicit(&nchunks, memory_order_acquire);
    uintptr_t a = (uintptr_t)p;
    for (size_t i = 0; i < have; i++)
        if (a >= (uintptr_t)chunk[i] && a < (uintptr_t)chunk[i] + CHUNK)
            return 1;
    return 0;
}

void nx_zslab_put(void *p)
{
    pthread_mutex_lock(&lock);
    /* (poisoned before it is on the list: once there, another thread may
     * take it) */
    POISON(p, NX_ZSLAB_SLOT);
    UNPOISON(p, sizeof(void *));
    memcpy(p, &free_list, sizeof(void *));
    free_list = p;
    in_use--;
    pthread_mutex_unlock(&lock);
}

size_t nx_zslab_in_use(void)
{
    pthread_mutex_lock(&lock);
    size_t n = in_use;
    pthread_mutex_unlock(&lock);
    return n;
}
