/* core/crypt/zslab: SQLite's page cache lines in memory mapped for huge
 * pages, zeroed when given back like every block of the zeroing allocator
 * (zalloc.c). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypt/crypt.h"
#include "crypt/zslab.h"

TestSuite(zslab);

/* SQLite's request for a 4 KiB page and its headers (4 376 bytes with
 * Debian 12's SQLite), less zalloc's 16-byte header: inside the class. */
#define LINE 4360

Test(zslab, page_sized_blocks_come_from_the_slab_and_go_back_zeroed)
{
    cr_assert_eq(nx_crypt_init(), 0);
    unsigned char *p = sqlite3_malloc(LINE);
    cr_assert_not_null(p);
    cr_assert(nx_zslab_owns(p), "a page cache line did not come from the slab");
    void *small = sqlite3_malloc(100), *big = sqlite3_malloc(9000);
    cr_assert(small && big);
    cr_assert(!nx_zslab_owns(small) && !nx_zslab_owns(big), "other sizes stay with libc");
    cr_assert_eq(sqlite3_msize(p), LINE);
    memset(p, 0xa5, LINE);
    size_t used = nx_zslab_in_use();
    sqlite3_free(p);
    cr_assert_eq(nx_zslab_in_use(), used - 1);
    /* The slot just given back is the next one handed out: zeroed. */
    unsigned char *q = sqlite3_malloc(LINE);
    cr_assert_eq(q, p);
    for (int i = 0; i < LINE; i++)
        cr_assert_eq(q[i], 0, "byte %d of a freed page cache line survived", i);
    sqlite3_free(q);
    sqlite3_free(small);
    sqlite3_free(big);
}

Test(zslab, a_page_cache_lives_there_and_leaves_it_when_closed)
{
    cr_assert_eq(nx_crypt_init(), 0);
    size_t before = nx_zslab_in_use();
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db,
                              "PRAGMA page_size=4096; PRAGMA cache_size=-65536;"
                              "CREATE TABLE t(a, b);"
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                              " WHERE i < 20000) INSERT INTO t SELECT i, hex(randomblob(100)) FROM n;",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    size_t during = nx_zslab_in_use();
    cr_assert_gt(during, before + 1000, "%zu slots for ~1 100 pages", during - before);
    sqlite3_close(db);
    cr_assert_lt(nx_zslab_in_use(), before + 50, "the closed cache kept %zu slots",
                 nx_zslab_in_use() - before);
}

/* Blocks handed to four threads at once never overlap. */
static void *churn(void *arg)
{
    unsigned char tag = (unsigned char)(uintptr_t)arg;
    unsigned char *live[32];
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 32; i++) {
            live[i] = sqlite3_malloc(NX_ZSLAB_MIN - 16 + (i * 13) % (NX_ZSLAB_SLOT - NX_ZSLAB_MIN));
            if (!live[i])
                return (void *)1;
            memset(live[i], tag ^ i, (size_t)sqlite3_msize(live[i]));
        }
        for (int i = 0; i < 32; i++) {
            int n = sqlite3_msize(live[i]);
            for (int k = 0; k < n; k++)
                if (live[i][k] != (unsigned char)(tag ^ i))
                    return (void *)2;
            sqlite3_free(live[i]);
        }
    }
    return NULL;
}

Test(zslab, threads_share_it_without_overlap)
{
    cr_assert_eq(nx_crypt_init(), 0);
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, churn, (void *)(0x10 * (i + 1))), 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(th[i], &r);
        cr_assert_null(r, "thread %d: %s", i, r == (void *)1 ? "no memory" : "a block was overwritten");
    }
}

/* The chunks are advised for transparent huge pages (when the kernel has
 * them on at all): /proc/self/smaps says so of the mapping a line is in. */
Test(zslab, its_memory_is_eligible_for_huge_pages)
{
    char mode[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(mode, sizeof mode, f))
            mode[0] = '\0';
        fclose(f);
    }
    if (!mode[0] || strstr(mode, "[never]"))
        cr_skip_test("transparent huge pages are off on this machine");
    cr_assert_eq(nx_crypt_init(), 0);
    unsigned char *p = sqlite3_malloc(LINE);
    cr_assert(p && nx_zslab_owns(p));
    f = fopen("/proc/self/smaps", "r");
    cr_assert_not_null(f);
    char line[512];
    int in = 0, eligible = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ' ') - line < 40)
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (in && sscanf(line, "THPeligible: %d", &eligible) == 1)
            break;
    }
    fclose(f);
    sqlite3_free(p);
    cr_assert_eq(eligible, 1, "the slab's mapping is not eligible for huge pages (%d)", eligible);
}

/* zalloc.c turns SQLite's memory accounting off with the allocator (a
 * global mutex and statistics at every allocation and free). */
Test(zslab, sqlite_keeps_no_memory_statistics)
{
    cr_assert_eq(nx_crypt_init(), 0);
    void *p = sqlite3_malloc(100000);
    cr_assert_not_null(p);
    cr_assert_eq(sqlite3_memory_used(), 0, "SQLite counts its allocations again");
    sqlite3_int64 cur = -1, hi = -1;
    cr_assert_eq(sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &cur, &hi, 0), SQLITE_OK);
    cr_assert_eq(cur, 0);
    sqlite3_free(p);
}
