/* Tampering with an encrypted cache: every change is refused with a page and
 * a reason, no row read before the refusal is wrong, the process survives,
 * and nothing is written to the files once the tampering is seen. */
#include <criterion/criterion.h>

#include "crypt/crypt.h"
#include "tests/helpers/vfs_testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P 4096
#define NROWS 1500
#define ANY_PAGE 0xFFFFFFFFu

static vt_env env;
static int model[NROWS + 1];
static uint32_t pg_internal, pg_leaf, pg_leaf2, pg_overflow, npages;

static const char *path(const char *name)
{
    return vt_path(&env, name, NULL, 0);
}

static long long page_of(sqlite3 *db, const char *type, int nth)
{
    char sql[200];
    long long pg = 0;
    snprintf(sql, sizeof sql, "SELECT pageno FROM dbstat WHERE name='t' AND pagetype='%s' "
             "ORDER BY pageno LIMIT 1 OFFSET %d", type, nth);
    cr_assert_eq(vt_query_int(db, sql, &pg), SQLITE_OK, "no %s page", type);
    return pg;
}

/* One sound cache, the same for every test, then copied and damaged. */
static void make_cache(nx_cryptvfs *vfs, const char *name, int *ver)
{
    sqlite3 *db = NULL;
    cr_assert_eq(vt_open(vfs, path(name), &db), SQLITE_OK);
    cr_assert_eq(vt_exec(db, VT_TABLE_SQL), SQLITE_OK);
    cr_assert_eq(vt_exec(db, "BEGIN"), SQLITE_OK);
    for (int id = 1; id <= NROWS; id++) {
        cr_assert_eq(vt_row_put(db, id, 1), SQLITE_OK);
        if (ver)
            ver[id] = 1;
    }
    cr_assert_eq(vt_exec(db, "COMMIT"), SQLITE_OK);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
}

static void setup(void)
{
    cr_assert_eq(vt_env_init(&env, "tamper", NULL), 0, "%s", env.err);
    make_cache(env.vfs, "pristine.db", model);
    sqlite3 *db = NULL;
    cr_assert_eq(vt_open(env.vfs, path("pristine.db"), &db), SQLITE_OK);
    pg_internal = (uint32_t)page_of(db, "internal", 0);
    pg_leaf = (uint32_t)page_of(db, "leaf", 3);
    pg_leaf2 = (uint32_t)page_of(db, "leaf", 7);
    pg_overflow = (uint32_t)page_of(db, "overflow", 2);
    sqlite3_close(db);
    npages = (uint32_t)(vt_file_size(path("pristine.db")) / P);
    cr_assert_gt(npages, 50);
    cr_assert_eq(nx_cryptvfs_failure(env.vfs, NULL, NULL, 0), 0);
}

static void teardown(void)
{
    vt_env_done(&env);
}

TestSuite(tamper, .init = setup, .fini = teardown);

static const char *fresh_copy(void)
{
    cr_assert_eq(vt_copy_file(path("pristine.db"), path("case.db")), 0);
    return path("case.db");
}

static void hash_or_zero(const char *p, unsigned char h[32])
{
    vt_file_hash(p, h);   /* all zero when missing */
}

enum { VERIFY_REFUSES = 1 };

/* Opens the damaged file through a fresh instance with the right key, reads
 * every row, tries a write, and checks what must hold after tampering. */
static void expect_refusal(const char *name, uint32_t want_page, const char *why_part,
                           int verify)
{
    char dbp[1100], jp[1120];
    vt_path(&env, name, dbp, sizeof dbp);
    snprintf(jp, sizeof jp, "%s-journal", dbp);
    unsigned char h0[32], h1[32], j0[32], j1[32];
    hash_or_zero(dbp, h0);
    hash_or_zero(jp, j0);
    int entries = vt_count_entries(env.dir);

    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(env.key, NULL, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READWRITE, nx_cryptvfs_name(vfs));
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db, 1);
        int scan_rc;
        int bad = vt_rows_check(db, model, NROWS, &scan_rc);
        cr_assert_eq(bad, 0, "%d wrong rows came back before the refusal", bad);
        cr_assert_neq(scan_rc, SQLITE_DONE, "the damaged file read back whole");
        cr_assert_neq(scan_rc, SQLITE_ROW);
        cr_assert_neq(vt_exec(db, "INSERT INTO t(id, name, body) VALUES(999999, 'x', x'00')"),
                      SQLITE_OK, "a write went through after tampering");
        cr_assert(!vt_integrity_ok(db));
    }
    sqlite3_close(db);

    uint32_t page = 0;
    char why[160] = "";
    cr_assert_eq(nx_cryptvfs_failure(vfs, &page, why, sizeof why), 1, "no failure recorded");
    if (want_page != ANY_PAGE)
        cr_assert_eq(page, want_page, "failure at page %u (%s), expected %u", page, why,
                     want_page);
    cr_assert(strstr(why, why_part) != NULL, "reason \"%s\" lacks \"%s\"", why, why_part);
    nx_cryptvfs_free(vfs);

    hash_or_zero(dbp, h1);
    hash_or_zero(jp, j1);
    cr_assert(memcmp(h0, h1, 32) == 0, "the database file changed after the refusal");
    cr_assert(memcmp(j0, j1, 32) == 0, "the journal changed after the refusal");
    cr_assert_eq(vt_count_entries(env.dir), entries, "a file was created after the refusal");

    if (verify) {
        /* nexus verify reaches the same verdict without SQLite. */
        vfs = nx_cryptvfs_new(env.key, NULL, err, sizeof err);
        cr_assert_not_null(vfs);
        uint32_t vpage = 0;
        cr_assert_eq(nx_cryptvfs_check_file(vfs, dbp, &vpage, why, sizeof why), -1);
        if (want_page != ANY_PAGE)
            cr_assert_eq(vpage, want_page, "verify: page %u (%s)", vpage, why);
        cr_assert(strstr(why, why_part) != NULL, "verify: %s", why);
        nx_cryptvfs_free(vfs);
        hash_or_zero(dbp, h1);
        cr_assert(memcmp(h0, h1, 32) == 0);
    }
}

/* A bit in the ciphertext, the nonce and the tag of one page. */
static void flip_each_part(uint32_t pgno)
{
    long long base = (long long)(pgno - 1) * P;
    long long where[] = { base + (pgno == 1 ? 100 : 7), base + P - 40 + 5, base + P - 16 + 9 };
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(vt_flip_bit(fresh_copy(), where[i], (int)i * 3), 0);
        expect_refusal("case.db", pgno, "authentication failed", VERIFY_REFUSES);
    }
}

Test(tamper, page_1_ciphertext_nonce_tag) { flip_each_part(1); }
Test(tamper, interior_btree_page_ciphertext_nonce_tag) { flip_each_part(pg_internal); }
Test(tamper, leaf_page_ciphertext_nonce_tag) { flip_each_part(pg_leaf); }
Test(tamper, overflow_page_ciphertext_nonce_tag) { flip_each_part(pg_overflow); }

Test(tamper, the_file_id_in_page_1)
{
    cr_assert_eq(vt_flip_bit(fresh_copy(), 3, 0), 0);
    expect_refusal("case.db", 1, "authentication failed", VERIFY_REFUSES);
}

Test(tamper, each_clear_header_byte_16_to_23)
{
    /* Page size and reserve are checked as such, the rest through the AD. */
    for (int byte = 16; byte <= 23; byte++) {
        for (int bit = 0; bit < 8; bit += 5) {
            cr_assert_eq(vt_flip_bit(fresh_copy(), byte, bit), 0);
            const char *why = byte <= 17 ? "page size"
                            : byte == 20 ? "reserved bytes" : "authentication failed";
            expect_refusal("case.db", 1, why, VERIFY_REFUSES);
        }
    }
}

Test(tamper, two_pages_swapped)
{
    const char *p = fresh_copy();
    static unsigned char a[P], b[P];
    cr_assert_eq(vt_pread(p, (long long)(pg_leaf - 1) * P, a, P), 0);
    cr_assert_eq(vt_pread(p, (long long)(pg_leaf2 - 1) * P, b, P), 0);
    cr_assert_eq(vt_pwrite(p, (long long)(pg_leaf - 1) * P, b, P), 0);
    cr_assert_eq(vt_pwrite(p, (long long)(pg_leaf2 - 1) * P, a, P), 0);
    expect_refusal("case.db", pg_leaf, "authentication failed", VERIFY_REFUSES);
}

static void transplant(const unsigned char *key, uint32_t pgno, uint32_t want)
{
    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(key, NULL, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    make_cache(vfs, "donor.db", NULL);   /* same rows, another file id */
    nx_cryptvfs_free(vfs);
    static unsigned char pg[P];
    cr_assert_eq(vt_pread(path("donor.db"), (long long)(pgno - 1) * P, pg, P), 0);
    cr_assert_eq(vt_pwrite(fresh_copy(), (long long)(pgno - 1) * P, pg, P), 0);
    remove(path("donor.db"));
    expect_refusal("case.db", want, "authentication failed", VERIFY_REFUSES);
}

Test(tamper, page_from_another_cache_with_the_same_key)
{
    transplant(env.key, pg_leaf, pg_leaf);
    /* A foreign page 1 brings its own file id and authenticates; every
     * other page then names another id, and the first one read fails (the
     * table's root, page 2). */
    transplant(env.key, 1, 2);
}

Test(tamper, page_from_another_cache_with_another_key)
{
    unsigned char other[NX_KEY_BYTES];
    randombytes_buf(other, sizeof other);
    transplant(other, pg_leaf, pg_leaf);
    transplant(other, 1, 1);
}

Test(tamper, truncated_by_a_page)
{
    cr_assert_eq(vt_truncate(fresh_copy(), (long long)(npages - 1) * P), 0);
    expect_refusal("case.db", 0, "header says", VERIFY_REFUSES);
}

Test(tamper, truncated_by_some_bytes)
{
    cr_assert_eq(vt_truncate(fresh_copy(), (long long)npages * P - 100), 0);
    expect_refusal("case.db", 0, "not a multiple", VERIFY_REFUSES);
}

Test(tamper, extended_by_a_page_of_random_bytes)
{
    unsigned char junk[P];
    randombytes_buf(junk, sizeof junk);
    cr_assert_eq(vt_pwrite(fresh_copy(), (long long)npages * P, junk, P), 0);
    expect_refusal("case.db", npages + 1, "authentication failed", VERIFY_REFUSES);
}

Test(tamper, extended_by_a_copy_of_an_authentic_page)
{
    static unsigned char pg[P];
    cr_assert_eq(vt_pread(fresh_copy(), (long long)(pg_leaf - 1) * P, pg, P), 0);
    cr_assert_eq(vt_pwrite(path("case.db"), (long long)npages * P, pg, P), 0);
    expect_refusal("case.db", npages + 1, "authentication failed", VERIFY_REFUSES);
}

Test(tamper, extended_by_a_few_bytes)
{
    cr_assert_eq(vt_pwrite(fresh_copy(), (long long)npages * P, "abc", 3), 0);
    expect_refusal("case.db", 0, "not a multiple", VERIFY_REFUSES);
}

/* A crashed writer's journal, then one bit of it changed. The writer only
 * rewrites rows in place, so rolling back needs no truncation and the first
 * thing the rollback does is read the first record. */
static uint32_t hot_journal_case(void)
{
    fresh_copy();
    cr_assert_eq(vt_make_hot_journal(env.vfs, path("case.db"),
                                     "UPDATE t SET name = upper(name);"), 0);
    cr_assert_eq(vt_file_size(path("case.db")), (long long)npages * P);
    unsigned char b[4];
    cr_assert_eq(vt_pread(path("case.db-journal"), 512, b, 4), 0);
    uint32_t pgno = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    cr_assert(pgno >= 1 && pgno <= npages, "first record for page %u", pgno);
    return pgno;
}

Test(tamper, journal_record_data_before_hot_rollback)
{
    uint32_t pgno = hot_journal_case();
    cr_assert_eq(vt_flip_bit(path("case.db-journal"), 512 + 4 + 300, 2), 0);
    expect_refusal("case.db", pgno, "journal record authentication failed", 0);
}

Test(tamper, journal_record_page_number_before_hot_rollback)
{
    uint32_t pgno = hot_journal_case();
    cr_assert_eq(vt_flip_bit(path("case.db-journal"), 512 + 3, 0), 0);
    expect_refusal("case.db", pgno ^ 1, "journal record authentication failed", 0);
}

Test(tamper, journal_record_checksum_before_hot_rollback)
{
    /* SQLite itself would take a bad checksum for the journal's torn end
     * and stop rolling back half way without a word. */
    uint32_t pgno = hot_journal_case();
    cr_assert_eq(vt_flip_bit(path("case.db-journal"), 512 + 4 + P, 4), 0);
    expect_refusal("case.db", pgno, "checksum", 0);
}

Test(tamper, journal_checksum_seed_before_hot_rollback)
{
    uint32_t pgno = hot_journal_case();
    cr_assert_eq(vt_flip_bit(path("case.db-journal"), 12, 1), 0);
    expect_refusal("case.db", pgno, "checksum", 0);
}

Test(tamper, untouched_hot_journal_still_rolls_back)
{
    /* The control for the journal cases: the same crash, no damage. */
    hot_journal_case();
    sqlite3 *db = NULL;
    cr_assert_eq(vt_open(env.vfs, path("case.db"), &db), SQLITE_OK);
    int scan_rc;
    cr_assert_eq(vt_rows_check(db, model, NROWS, &scan_rc), 0);
    cr_assert_eq(scan_rc, SQLITE_DONE);
    cr_assert(vt_integrity_ok(db));
    sqlite3_close(db);
    cr_assert_eq(nx_cryptvfs_failure(env.vfs, NULL, NULL, 0), 0);
}

/* The file size is checked once per version of page 1 a handle sees, not at
 * every transaction: a file cut behind an open connection's back, page 1
 * unchanged, is caught when SQLite next reads a page the header counts. */
Test(tamper, truncated_under_an_open_connection)
{
    const char *p = fresh_copy();
    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(env.key, NULL, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, nx_cryptvfs_name(vfs)),
                 SQLITE_OK);
    cr_assert_eq(vt_exec(db, "PRAGMA cache_size=2"), SQLITE_OK);
    int scan_rc;
    cr_assert_eq(vt_rows_check(db, model, NROWS, &scan_rc), 0);
    cr_assert_eq(scan_rc, SQLITE_DONE);
    cr_assert_eq(vt_truncate(p, (long long)(npages - 3) * P), 0);
    int bad = vt_rows_check(db, model, NROWS, &scan_rc);
    cr_assert_eq(bad, 0, "%d wrong rows came back from the cut file", bad);
    cr_assert_neq(scan_rc, SQLITE_DONE, "the cut file read back whole");
    uint32_t page = 99;
    char why[160] = "";
    cr_assert_eq(nx_cryptvfs_failure(vfs, &page, why, sizeof why), 1, "no failure recorded");
    cr_assert(strstr(why, "header says") != NULL, "reason: %s", why);
    cr_assert_neq(vt_exec(db, "INSERT INTO t(id, name, body) VALUES(999999, 'x', x'00')"),
                  SQLITE_OK, "a write went through after the cut was seen");
    sqlite3_close(db);
    nx_cryptvfs_free(vfs);
}
