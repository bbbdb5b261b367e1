/* The encrypting VFS: data survives every SQLite path (spill, savepoints,
 * rollback, hot rollback, reopen), no nonce repeats, nothing leaves it
 * readable, and the settings that would bypass it are refused. */
#include <criterion/criterion.h>

#include "crypt/crypt.h"
#include "tests/helpers/vfs_testutil.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define P 4096
#define NMAX 6000

static vt_env env;
static int model[NMAX + 1];

static void setup(void)
{
    cr_assert_eq(vt_env_init(&env, "cvfs", NULL), 0, "%s", env.err);
    memset(model, 0, sizeof model);
}

static void teardown(void)
{
    vt_env_done(&env);
}

TestSuite(cryptvfs, .init = setup, .fini = teardown);

static const char *path(const char *name)
{
    return vt_path(&env, name, NULL, 0);
}

static sqlite3 *open_db(nx_cryptvfs *vfs, const char *name)
{
    sqlite3 *db = NULL;
    int rc = vt_open(vfs, path(name), &db);
    cr_assert_eq(rc, SQLITE_OK, "open %s: %s", name, db ? sqlite3_errmsg(db) : "?");
    return db;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    cr_assert_eq(vt_exec(db, sql), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
}

static void put(sqlite3 *db, int id, int ver)
{
    cr_assert_eq(vt_row_put(db, id, ver), SQLITE_OK, "row %d: %s", id, sqlite3_errmsg(db));
}

static void del(sqlite3 *db, int id)
{
    char sql[64];
    snprintf(sql, sizeof sql, "DELETE FROM t WHERE id=%d", id);
    exec_ok(db, sql);
}

static void assert_matches(sqlite3 *db, const int *ver)
{
    int rc;
    int bad = vt_rows_check(db, ver, NMAX, &rc);
    cr_assert_eq(rc, SQLITE_DONE, "scan: %s", sqlite3_errmsg(db));
    cr_assert_eq(bad, 0, "%d rows differ from what was committed", bad);
    cr_assert(vt_integrity_ok(db), "integrity_check is not ok");
}

static void assert_not_poisoned(nx_cryptvfs *vfs)
{
    uint32_t page = 0;
    char why[160];
    cr_assert_eq(nx_cryptvfs_failure(vfs, &page, why, sizeof why), 0,
                 "unexpected failure: page %u: %s", page, why);
}

static void fill(sqlite3 *db, int from, int to, int ver)
{
    exec_ok(db, "BEGIN");
    for (int id = from; id <= to; id++) {
        put(db, id, ver);
        model[id] = ver;
    }
    exec_ok(db, "COMMIT");
}

static void file_hash(const char *name, unsigned char h[32])
{
    vt_file_hash(path(name), h);
}

Test(cryptvfs, round_trip_spill_savepoints_rollback_reopen)
{
    sqlite3 *db = open_db(env.vfs, "rt.db");
    exec_ok(db, VT_TABLE_SQL);
    exec_ok(db, "PRAGMA cache_size=20");
    fill(db, 1, 2000, 1);
    assert_matches(db, model);

    /* A transaction far larger than the cache: pages spill into the file
     * before COMMIT, and ROLLBACK TO must restore them from the journal. */
    unsigned char before[32], during[32];
    file_hash("rt.db", before);
    int saved[NMAX + 1];
    exec_ok(db, "BEGIN");
    for (int id = 1; id <= 2000; id += 3) {
        put(db, id, 2);
        model[id] = 2;
    }
    memcpy(saved, model, sizeof model);
    exec_ok(db, "SAVEPOINT a");
    for (int id = 2001; id <= 4000; id++)
        put(db, id, 3);
    for (int id = 2; id <= 2000; id += 5)
        del(db, id);
    file_hash("rt.db", during);
    cr_assert(memcmp(before, during, 32) != 0, "no page spilled: the test lost its point");
    exec_ok(db, "ROLLBACK TO a");
    exec_ok(db, "SAVEPOINT b");
    for (int id = 4001; id <= 4500; id++)
        put(db, id, 4);
    exec_ok(db, "ROLLBACK TO b");
    exec_ok(db, "RELEASE b");
    for (int id = 4001; id <= 5000; id++) {
        put(db, id, 5);
        saved[id] = 5;
    }
    exec_ok(db, "RELEASE a");
    exec_ok(db, "COMMIT");
    memcpy(model, saved, sizeof model);
    assert_matches(db, model);

    /* A whole transaction rolled back, spilled pages included. */
    exec_ok(db, "BEGIN");
    for (int id = 1; id <= 5000; id += 2)
        put(db, id, 9);
    exec_ok(db, "DELETE FROM t WHERE id > 4500");
    exec_ok(db, "ROLLBACK");
    assert_matches(db, model);

    long long n = 0;
    cr_assert_eq(vt_query_int(db, "SELECT count(*) FROM t WHERE name >= 'nxrow-004001'", &n),
                 SQLITE_OK);
    cr_assert_eq(n, 1000, "the index answers %lld", n);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    /* A new instance with the same key reads it all back. */
    char err[200];
    nx_cryptvfs *again = nx_cryptvfs_new(env.key, NULL, err, sizeof err);
    cr_assert_not_null(again, "%s", err);
    db = open_db(again, "rt.db");
    assert_matches(db, model);
    cr_assert_eq(vt_query_int(db, "PRAGMA page_size", &n), SQLITE_OK);
    cr_assert_eq(n, P);
    sqlite3_close(db);
    assert_not_poisoned(again);
    assert_not_poisoned(env.vfs);
    cr_assert_gt(nx_cryptvfs_pages_sealed(env.vfs), 100);
    nx_cryptvfs_free(again);
    cr_assert_eq(vt_file_contains(path("rt.db"), VT_ROW_MARKER, strlen(VT_ROW_MARKER)), 0);
}

Test(cryptvfs, hot_journal_rolls_back_to_committed_state)
{
    sqlite3 *db = open_db(env.vfs, "hot.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 1500, 1);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
    unsigned char committed[32], crashed[32];
    file_hash("hot.db", committed);
    long long size0 = vt_file_size(path("hot.db"));

    cr_assert_eq(vt_make_hot_journal(env.vfs, path("hot.db"),
                                     "UPDATE t SET name = upper(name);"
                                     "INSERT INTO t SELECT id + 10000, name, body FROM t;"
                                     "DELETE FROM t WHERE id % 3 = 0;"), 0,
                 "no hot journal was left behind");
    file_hash("hot.db", crashed);
    cr_assert(memcmp(committed, crashed, 32) != 0, "the crashed writer never spilled");
    cr_assert_gt(vt_file_size(path("hot.db")), size0);

    db = open_db(env.vfs, "hot.db");
    assert_matches(db, model);
    sqlite3_close(db);
    cr_assert_eq(vt_file_size(path("hot.db")), size0, "rollback did not truncate");
    cr_assert_leq(vt_file_size(path("hot.db-journal")), 0);
    assert_not_poisoned(env.vfs);
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("hot.db"), NULL, NULL, 0), 0);
}

/* journal_mode PERSIST (the store's, store.c): the journal keeps a larger
 * earlier transaction's records past the end of a later one. A ROLLBACK
 * of the later one, whose record count was never synced (SQLite then
 * counts the records from the journal's size), must not read them: the
 * first would fail its checksum check, which the VFS takes for tampering.
 * The VFS reports the extent of the journal the transaction began as its
 * size (cryptvfs_journal.c). A hot journal a crash leaves over the old
 * records rolls back by its own headers. */
Test(cryptvfs, persistent_journal_rolls_back_only_its_own_records)
{
    sqlite3 *db = open_db(env.vfs, "persist.db");
    exec_ok(db, VT_TABLE_SQL);
    exec_ok(db, "PRAGMA journal_mode=PERSIST");
    fill(db, 1, 1500, 1);
    fill(db, 1, 1500, 2);
    long long big = vt_file_size(path("persist.db-journal"));
    cr_assert_gt(big, 100 * P, "the first transactions journaled %lld bytes", big);
    unsigned char first = 1;
    cr_assert_eq(vt_pread(path("persist.db-journal"), 0, &first, 1), 0);
    cr_assert_eq(first, 0, "the committed journal's header was not zeroed");

    exec_ok(db, "BEGIN");
    for (int id = 1; id <= 1500; id += 300)
        put(db, id, 3);
    exec_ok(db, "ROLLBACK");
    assert_not_poisoned(env.vfs);
    assert_matches(db, model);
    cr_assert_eq(vt_file_size(path("persist.db-journal")), big, "the journal was cut");
    fill(db, 1501, 1600, 4);
    assert_matches(db, model);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    cr_assert_eq(vt_make_hot_journal(env.vfs, path("persist.db"),
                                     "UPDATE t SET name = upper(name) WHERE id % 7 = 0;"
                                     "DELETE FROM t WHERE id % 5 = 0;"), 0,
                 "no hot journal was left behind");
    db = open_db(env.vfs, "persist.db");
    exec_ok(db, "PRAGMA journal_mode=PERSIST");
    assert_matches(db, model);
    fill(db, 1601, 1700, 5);
    assert_matches(db, model);
    sqlite3_close(db);
    assert_not_poisoned(env.vfs);
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("persist.db"), NULL, NULL, 0), 0);
}

/* The place right after a header just written is where SQLite reads the
 * next header if the segment is cut before its first record: an older
 * transaction's header left there by a persistent journal would be taken
 * for this one's and its old page images rolled back. The VFS zeroes its
 * first byte, as SQLite does after a segment it syncs. */
Test(cryptvfs, a_header_written_clears_an_older_one_right_after_it)
{
    static const unsigned char magic[8] = { 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };
    sqlite3 *db = open_db(env.vfs, "stale.db");
    exec_ok(db, "CREATE TABLE c(x)");
    char jpath[1100];
    vt_path(&env, "stale.db-journal", jpath, sizeof jpath);
    int fd = open(jpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    unsigned char old[1024] = {0};
    memcpy(old + 512, magic, sizeof magic);        /* an older header at 512 */
    cr_assert_eq(pwrite(fd, old, sizeof old, 0), (ssize_t)sizeof old);
    close(fd);

    sqlite3_vfs *vfs = sqlite3_vfs_find(nx_cryptvfs_name(env.vfs));
    sqlite3_file *f = calloc(1, (size_t)vfs->szOsFile);
    cr_assert_not_null(f);
    cr_assert_eq(vfs->xOpen(vfs, jpath, f, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MAIN_JOURNAL,
                            NULL), SQLITE_OK);
    unsigned char hdr[512] = {0};
    memcpy(hdr, magic, sizeof magic);
    hdr[15] = 7;                                   /* a checksum seed */
    cr_assert_eq(f->pMethods->xWrite(f, hdr, sizeof hdr, 0), SQLITE_OK);
    cr_assert_eq(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
    sqlite3_int64 size = -1;
    cr_assert_eq(f->pMethods->xFileSize(f, &size), SQLITE_OK);
    cr_assert_eq(size, 512, "the journal this handle began is %lld bytes", (long long)size);
    f->pMethods->xClose(f);
    free(f);
    unsigned char at512[8];
    cr_assert_eq(vt_pread(jpath, 512, at512, sizeof at512), 0);
    cr_assert_eq(at512[0], 0, "the older header is still there");
    cr_assert_eq(memcmp(at512 + 1, magic + 1, 7), 0, "more than its first byte was changed");
    sqlite3_close(db);
    assert_not_poisoned(env.vfs);
}

Test(cryptvfs, torn_page_1_is_repaired_by_hot_rollback)
{
    sqlite3 *db = open_db(env.vfs, "torn.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 800, 1);
    sqlite3_close(db);
    /* Growing the table journals page 1 (its page count changes). */
    cr_assert_eq(vt_make_hot_journal(env.vfs, path("torn.db"),
                                     "INSERT INTO t SELECT id + 10000, name, body FROM t;"), 0);
    /* A power cut in the middle of writing page 1: it no longer
     * authenticates, yet the journal holds it as committed. Opening must
     * not judge it before SQLite has rolled back. */
    cr_assert_eq(vt_flip_bit(path("torn.db"), 1000, 5), 0);
    db = open_db(env.vfs, "torn.db");
    assert_matches(db, model);
    sqlite3_close(db);
    assert_not_poisoned(env.vfs);
}

Test(cryptvfs, stale_pages_left_by_a_crash_before_truncation_are_accepted)
{
    /* A commit that shrinks the file finalizes the journal and only then
     * truncates: a crash in between leaves the old tail, authentic and past
     * page 1's page count, with no journal. */
    sqlite3 *db = open_db(env.vfs, "tail.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 2000, 1);
    sqlite3_close(db);
    cr_assert_eq(vt_copy_file(path("tail.db"), path("before.db")), 0);
    db = open_db(env.vfs, "tail.db");
    exec_ok(db, "DELETE FROM t WHERE id > 300");
    for (int id = 301; id <= 2000; id++)
        model[id] = 0;
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 1);
    exec_ok(db, "VACUUM");
    sqlite3_close(db);
    long long small = vt_file_size(path("tail.db")), big = vt_file_size(path("before.db"));
    cr_assert_lt(small, big);
    static unsigned char pg[P];
    for (long long off = small; off < big; off += P) {
        cr_assert_eq(vt_pread(path("before.db"), off, pg, P), 0);
        cr_assert_eq(vt_pwrite(path("tail.db"), off, pg, P), 0);
    }
    /* Pages spilled out of order leave holes of zeros in such a tail. */
    memset(pg, 0, P);
    cr_assert_eq(vt_pwrite(path("tail.db"), small + 3 * P, pg, P), 0);
    cr_assert_eq(vt_pwrite(path("tail.db"), big - P, pg, P), 0);
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("tail.db"), NULL, NULL, 0), 0);

    db = open_db(env.vfs, "tail.db");
    assert_matches(db, model);
    /* SQLite keeps ignoring the tail, then writes over it as it grows. */
    fill(db, 1, 10, 2);
    fill(db, 2001, 2600, 1);
    assert_matches(db, model);
    sqlite3_close(db);
    cr_assert_eq(vt_file_size(path("tail.db")), big);
    db = open_db(env.vfs, "tail.db");
    assert_matches(db, model);
    sqlite3_close(db);
    assert_not_poisoned(env.vfs);
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("tail.db"), NULL, NULL, 0), 0);
}

/* ---- nonces ----------------------------------------------------------------------- */
typedef struct nonce_log {
    unsigned char (*n)[24];
    size_t len, cap;
    size_t page2;
} nonce_log;

static void nonce_add(nonce_log *l, const unsigned char *page)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1 << 16;
        l->n = realloc(l->n, l->cap * sizeof *l->n);
        cr_assert_not_null(l->n);
    }
    memcpy(l->n[l->len++], page + P - NX_RESERVE_BYTES, 24);
}

/* Database pages are written one a write; the journal's records reach
 * the disk several a write (cryptvfs_journal.c): one header sector, then
 * records of page number, data and checksum (one segment: a transaction
 * of this test journals one page). */
static void collect_nonces(void *ctx, const vt_io *io)
{
    nonce_log *l = ctx;
    if (io->op != VT_IO_WRITE)
        return;
    if (!strstr(io->name, "-journal")) {
        if (io->amt == P) {
            nonce_add(l, io->buf);
            if (io->off == P)
                l->page2++;
        }
        return;
    }
    const long long rec = P + 8;
    for (long long d = 512 + 4; d + P <= io->off + io->amt; d += rec)
        if (d >= io->off)
            nonce_add(l, io->buf + (d - io->off));
}

static int cmp24(const void *a, const void *b)
{
    return memcmp(a, b, 24);
}

Test(cryptvfs, same_page_rewritten_100000_times_never_repeats_a_nonce, .timeout = 600)
{
    /* Under a recorder that skips fsync: what it sees is what reaches the disk. */
    cr_assert_eq(vt_rec_register(NULL, 1), 0);
    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(env.key, VT_REC_VFS, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    nonce_log log = { 0 };
    vt_rec_set_hook(collect_nonces, &log);

    sqlite3 *db = open_db(vfs, "nonce.db");
    /* Keeps the lock and the journal open between commits: same pages
     * written, far fewer syscalls. */
    exec_ok(db, "PRAGMA locking_mode=EXCLUSIVE");
    exec_ok(db, "CREATE TABLE c(x INTEGER)");
    exec_ok(db, "INSERT INTO c VALUES(0)");
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE c SET x = x + 1", -1, &st, NULL), SQLITE_OK);
    for (int i = 0; i < 100000; i++) {
        cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    long long x = 0;
    cr_assert_eq(vt_query_int(db, "SELECT x FROM c", &x), SQLITE_OK);
    cr_assert_eq(x, 100000);
    sqlite3_close(db);
    vt_rec_set_hook(NULL, NULL);
    nx_cryptvfs_free(vfs);

    cr_assert_geq(log.page2, 100000, "page 2 written %zu times", log.page2);
    /* and as many journal records, read out of the VFS's combined writes */
    cr_assert_geq(log.len, 2 * log.page2, "%zu nonces for page 2 written %zu times", log.len,
                  log.page2);
    qsort(log.n, log.len, 24, cmp24);
    for (size_t i = 1; i < log.len; i++)
        cr_assert(memcmp(log.n[i - 1], log.n[i], 24) != 0, "nonce repeated among %zu", log.len);
    free(log.n);
}

Test(cryptvfs, forked_child_never_continues_the_parents_nonces)
{
    sqlite3 *db = open_db(env.vfs, "parent.db");
    exec_ok(db, "CREATE TABLE c(x)");
    exec_ok(db, "INSERT INTO c VALUES(1)");
    sqlite3_close(db);
    unsigned char before[24], child[24], after[24];
    cr_assert_eq(vt_pread(path("parent.db"), 2 * P - NX_RESERVE_BYTES, before, 24), 0);

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        sqlite3 *cdb = NULL;
        int ok = vt_open(env.vfs, path("child.db"), &cdb) == SQLITE_OK &&
                 vt_exec(cdb, "CREATE TABLE c(x)") == SQLITE_OK &&
                 vt_exec(cdb, "INSERT INTO c VALUES(2)") == SQLITE_OK;
        sqlite3_close(cdb);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    db = open_db(env.vfs, "parent.db");
    exec_ok(db, "UPDATE c SET x = 3");
    sqlite3_close(db);
    cr_assert_eq(vt_pread(path("child.db"), 2 * P - NX_RESERVE_BYTES, child, 24), 0);
    cr_assert_eq(vt_pread(path("parent.db"), 2 * P - NX_RESERVE_BYTES, after, 24), 0);
    /* Nonce = 16-byte process prefix || counter. */
    cr_assert(memcmp(before, after, 16) == 0, "the parent's prefix changed");
    cr_assert(memcmp(before, after, 24) != 0);
    cr_assert(memcmp(child, before, 16) != 0, "the child reused the parent's prefix");
}

/* ---- nothing readable --------------------------------------------------------------- */
Test(cryptvfs, sqlite3_shell_says_file_is_not_a_database)
{
    sqlite3 *db = open_db(env.vfs, "shell.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 300, 1);
    sqlite3_close(db);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "/usr/bin/sqlite3 '%s' 'SELECT count(*) FROM t;' 2>&1",
             path("shell.db"));
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    cr_assert(strstr(out, "file is not a database") != NULL, "sqlite3 said: %s", out);
    cr_assert_neq(status, 0);
    cr_assert_eq(vt_file_contains(path("shell.db"), "SQLite format 3", 15), 0);
    cr_assert_eq(vt_file_contains(path("shell.db"), "CREATE TABLE", 12), 0);
    cr_assert_eq(vt_file_contains(path("shell.db"), VT_ROW_MARKER, strlen(VT_ROW_MARKER)), 0);
}

Test(cryptvfs, refuses_every_file_but_the_database_and_its_journal)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(nx_cryptvfs_name(env.vfs));
    cr_assert_not_null(vfs);
    static const int kinds[] = { SQLITE_OPEN_TEMP_DB, SQLITE_OPEN_TRANSIENT_DB,
                                 SQLITE_OPEN_TEMP_JOURNAL, SQLITE_OPEN_SUBJOURNAL,
                                 SQLITE_OPEN_SUPER_JOURNAL, SQLITE_OPEN_WAL };
    static const char *const names[] = { "temp.db", "transient.db", "temp.db-journal",
                                         "sub.db-journal", "super.db-mj01", "wal.db-wal" };
    sqlite3_file *f = calloc(1, (size_t)vfs->szOsFile);
    cr_assert_not_null(f);
    int create = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char full[1100];
        vt_path(&env, names[i], full, sizeof full);
        cr_assert_eq(vfs->xOpen(vfs, full, f, create | kinds[i], NULL), SQLITE_CANTOPEN,
                     "%s opened", names[i]);
        cr_assert_null(f->pMethods);
        cr_assert_eq(vfs->xOpen(vfs, NULL, f, create | kinds[i] | SQLITE_OPEN_DELETEONCLOSE,
                                NULL), SQLITE_CANTOPEN);
        cr_assert_lt(vt_file_size(full), 0, "%s was created", names[i]);
    }
    /* Nameless, delete-on-close, and a journal without its database. */
    cr_assert_eq(vfs->xOpen(vfs, NULL, f, create | SQLITE_OPEN_MAIN_DB, NULL), SQLITE_CANTOPEN);
    cr_assert_eq(vfs->xOpen(vfs, path("doc.db"), f,
                            create | SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_DELETEONCLOSE, NULL),
                 SQLITE_CANTOPEN);
    cr_assert_eq(vfs->xOpen(vfs, path("orphan.db-journal"), f,
                            create | SQLITE_OPEN_MAIN_JOURNAL, NULL), SQLITE_CANTOPEN);
    free(f);
    cr_assert_eq(vt_count_entries(env.dir), 0, "a refused open left a file behind");
}

typedef struct open_log {
    int others;
    char first[600];
} open_log;

static void watch_opens(void *ctx, const vt_io *io)
{
    open_log *l = ctx;
    int type = io->flags & 0x000FFF00;
    if (io->op == VT_IO_OPEN && type != SQLITE_OPEN_MAIN_DB && type != SQLITE_OPEN_MAIN_JOURNAL) {
        if (l->others++ == 0)
            snprintf(l->first, sizeof l->first, "%s 0x%x", io->name, io->flags);
    }
}

Test(cryptvfs, temp_store_file_spill_is_an_error_not_a_file)
{
    cr_assert_eq(vt_rec_register(NULL, 0), 0);
    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(env.key, VT_REC_VFS, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    open_log log = { 0 };
    vt_rec_set_hook(watch_opens, &log);
    sqlite3_temp_directory = sqlite3_mprintf("%s", env.dir);

    sqlite3 *db = open_db(vfs, "spill.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 2000, 1);
    exec_ok(db, "PRAGMA temp_store=FILE");
    exec_ok(db, "PRAGMA cache_size=10");
    exec_ok(db, "PRAGMA temp.cache_size=10");
    int rc = vt_exec(db, "SELECT name, body FROM t ORDER BY random()");
    cr_assert_eq(rc & 0xff, SQLITE_CANTOPEN, "sort spill: %d %s", rc, sqlite3_errmsg(db));
    rc = vt_exec(db, "CREATE TEMP TABLE tt AS SELECT * FROM t");
    cr_assert_eq(rc & 0xff, SQLITE_CANTOPEN, "temp table spill: %d %s", rc, sqlite3_errmsg(db));
    rc = vt_exec(db, "CREATE TEMP TABLE t2(a); INSERT INTO t2 SELECT body FROM t;");
    cr_assert_eq(rc & 0xff, SQLITE_CANTOPEN, "temp insert spill: %d", rc);
    /* The same work in memory succeeds: the refusal is about files only. */
    exec_ok(db, "PRAGMA temp_store=MEMORY");
    exec_ok(db, "SELECT name, body FROM t ORDER BY random()");
    exec_ok(db, "CREATE TEMP TABLE tt AS SELECT * FROM t");
    assert_matches(db, model);
    sqlite3_close(db);
    vt_rec_set_hook(NULL, NULL);
    nx_cryptvfs_free(vfs);
    sqlite3_free(sqlite3_temp_directory);
    sqlite3_temp_directory = NULL;

    cr_assert_eq(log.others, 0, "the base VFS was asked to open %s", log.first);
    /* The database and its (TRUNCATE-mode, empty) journal, nothing else. */
    cr_assert_leq(vt_file_size(path("spill.db-journal")), 0);
    int expect = 1 + (vt_file_size(path("spill.db-journal")) == 0);
    cr_assert_eq(vt_count_entries(env.dir), expect, "files other than spill.db appeared");
}

Test(cryptvfs, attach_and_vacuum_into_refused)
{
    sqlite3 *db = open_db(env.vfs, "att.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 200, 1);
    char sql[1200];
    snprintf(sql, sizeof sql, "ATTACH 'file:%s?vfs=unix' AS x", path("x.db"));
    cr_assert_neq(vt_exec(db, sql), SQLITE_OK, "ATTACH with vfs=unix was allowed");
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", path("out.db"));
    cr_assert_neq(vt_exec(db, sql), SQLITE_OK, "VACUUM INTO was allowed");
    snprintf(sql, sizeof sql, "VACUUM INTO 'file:%s?vfs=unix'", path("out2.db"));
    cr_assert_neq(vt_exec(db, sql), SQLITE_OK, "VACUUM INTO with vfs=unix was allowed");
    cr_assert_lt(vt_file_size(path("x.db")), 0);
    cr_assert_lt(vt_file_size(path("out.db")), 0);
    cr_assert_lt(vt_file_size(path("out2.db")), 0);

    /* Even where the limit is lifted, what VACUUM INTO writes through this
     * VFS is sealed like the cache. */
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 1);
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", path("out.db"));
    exec_ok(db, sql);
    sqlite3_close(db);
    cr_assert_gt(vt_file_size(path("out.db")), 0);
    cr_assert_eq(vt_file_contains(path("out.db"), VT_ROW_MARKER, strlen(VT_ROW_MARKER)), 0);
    cr_assert_eq(vt_file_contains(path("out.db"), "SQLite format 3", 15), 0);
    db = open_db(env.vfs, "out.db");
    assert_matches(db, model);
    sqlite3_close(db);
}

Test(cryptvfs, vacuum_keeps_data_when_allowed)
{
    sqlite3 *db = open_db(env.vfs, "vac.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 3000, 1);
    exec_ok(db, "DELETE FROM t WHERE id > 1000");
    for (int id = 1001; id <= 3000; id++)
        model[id] = 0;
    long long before = vt_file_size(path("vac.db"));
    /* VACUUM attaches its temp database internally: it needs one slot. */
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 1);
    exec_ok(db, "VACUUM");
    cr_assert_lt(vt_file_size(path("vac.db")), before, "VACUUM did not shrink the file");
    assert_matches(db, model);
    sqlite3_close(db);
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("vac.db"), NULL, NULL, 0), 0);
}

Test(cryptvfs, large_mmap_size_still_reads_through_decryption)
{
    sqlite3 *db = open_db(env.vfs, "mm.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 1000, 1);
    exec_ok(db, "PRAGMA mmap_size=268435456");
    long long n = -1;
    cr_assert_eq(vt_query_int(db, "PRAGMA mmap_size", &n), SQLITE_OK);
    cr_assert_eq(n, 0, "the VFS reports mmap_size %lld", n);
    assert_matches(db, model);

    /* Another connection's writes must be seen: the reader's pages come from
     * xRead every time, never from a stale map. */
    sqlite3 *w = open_db(env.vfs, "mm.db");
    fill(w, 1, 1000, 2);
    sqlite3_close(w);
    assert_matches(db, model);

    sqlite3_file *f = NULL;
    cr_assert_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f), SQLITE_OK);
    void *page = (void *)1;
    cr_assert_eq(f->pMethods->xFetch(f, 0, P, &page), SQLITE_OK);
    cr_assert_null(page, "xFetch handed out a mapping");
    sqlite3_close(db);
}

Test(cryptvfs, device_characteristics_claim_no_atomicity)
{
    sqlite3 *db = open_db(env.vfs, "dc.db");
    exec_ok(db, "CREATE TABLE c(x)");
    sqlite3_file *f = NULL;
    cr_assert_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f), SQLITE_OK);
    int dc = f->pMethods->xDeviceCharacteristics(f);
    cr_assert(dc & SQLITE_IOCAP_POWERSAFE_OVERWRITE);
    int never = SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K |
                SQLITE_IOCAP_ATOMIC2K | SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K |
                SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K | SQLITE_IOCAP_ATOMIC64K |
                SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_BATCH_ATOMIC;
#ifdef SQLITE_IOCAP_SUBPAGE_READ
    never |= SQLITE_IOCAP_SUBPAGE_READ;
#endif
    cr_assert_eq(dc & never, 0, "device characteristics 0x%x", dc);
    sqlite3_close(db);
}

Test(cryptvfs, unsafe_journal_and_sync_modes_refused)
{
    sqlite3 *db = open_db(env.vfs, "modes.db");
    exec_ok(db, "CREATE TABLE c(x)");
    static const char *const refused[] = {
        "PRAGMA journal_mode=WAL", "PRAGMA journal_mode=memory", "PRAGMA journal_mode=OFF",
        "PRAGMA synchronous=OFF", "PRAGMA synchronous=0",
        "PRAGMA synchronous=8", "PRAGMA synchronous=0x100", "PRAGMA page_size=8192",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        cr_assert_eq(vt_exec(db, refused[i]), SQLITE_ERROR, "%s was accepted", refused[i]);
        cr_assert(strstr(sqlite3_errmsg(db), "refused") != NULL, "%s: %s", refused[i],
                  sqlite3_errmsg(db));
    }
    exec_ok(db, "PRAGMA journal_mode=DELETE");
    exec_ok(db, "PRAGMA synchronous=NORMAL");
    exec_ok(db, "PRAGMA synchronous=FULL");
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "delete");
    sqlite3_finalize(st);
    exec_ok(db, "INSERT INTO c VALUES(1)");
    sqlite3_close(db);
    cr_assert_lt(vt_file_size(path("modes.db-wal")), 0);
}

/* ---- the journal's shape, checked rather than assumed ------------------------------ */
typedef struct jop {
    int op, amt;
    long long off;
} jop;

typedef struct jlog {
    jop *ops;
    size_t len, cap;
} jlog;

static void log_journal(void *ctx, const vt_io *io)
{
    jlog *l = ctx;
    if ((io->op != VT_IO_READ && io->op != VT_IO_WRITE && io->op != VT_IO_TRUNCATE) ||
        !strstr(io->name, "-journal"))
        return;
    if (l->len == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->ops = realloc(l->ops, l->cap * sizeof *l->ops);
        cr_assert_not_null(l->ops);
    }
    l->ops[l->len++] = (jop){ io->op, io->amt, io->off };
}

/* Every page-size I/O is a record's data, framed by its page number right
 * before and its checksum right after, in that order; every other write is
 * a 4-byte field or a header piece of at most a sector at a sector boundary. */
static void check_journal_shape(const jlog *l, size_t *records_w, size_t *records_r,
                                size_t *late_headers)
{
    for (size_t i = 0; i < l->len; i++) {
        const jop *o = &l->ops[i];
        if (o->op == VT_IO_TRUNCATE)
            continue;
        if (o->amt == P) {
            cr_assert(i > 0 && l->ops[i - 1].op == o->op && l->ops[i - 1].amt == 4 &&
                      l->ops[i - 1].off == o->off - 4, "record at %lld without its page number",
                      o->off);
            if (o->op == VT_IO_WRITE) {
                cr_assert(i + 1 < l->len && l->ops[i + 1].op == VT_IO_WRITE &&
                          l->ops[i + 1].amt == 4 && l->ops[i + 1].off == o->off + P,
                          "record at %lld without its checksum", o->off);
                (*records_w)++;
            } else {
                (*records_r)++;
            }
            continue;
        }
        cr_assert_leq(o->amt, 512, "journal I/O of %d bytes at %lld", o->amt, o->off);
        if (o->op == VT_IO_WRITE) {
            cr_assert(o->amt == 4 || o->off % 512 == 0, "write of %d bytes at %lld",
                      o->amt, o->off);
            if (o->amt == 512 && o->off > 0)
                (*late_headers)++;
        } else {
            cr_assert(o->amt <= 8, "read of %d bytes at %lld", o->amt, o->off);
        }
    }
}

/* The recorder above the VFS: what SQLite asks of it. */
static sqlite3 *open_rec(const char *name)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path(name), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 VT_REC_VFS), SQLITE_OK);
    cr_assert_eq(vt_harden(db), SQLITE_OK);
    return db;
}

Test(cryptvfs, journal_io_has_the_shape_the_vfs_relies_on)
{
    cr_assert_eq(vt_rec_register(nx_cryptvfs_name(env.vfs), 0), 0);
    nx_cryptvfs *vfs = env.vfs;
    jlog log = { 0 };
    vt_rec_set_hook(log_journal, &log);

    sqlite3 *db = open_rec("shape.db");
    exec_ok(db, VT_TABLE_SQL);
    exec_ok(db, "PRAGMA cache_size=10");
    fill(db, 1, 1500, 1);
    exec_ok(db, "BEGIN");
    exec_ok(db, "UPDATE t SET name = upper(name) WHERE id % 2 = 0");
    exec_ok(db, "SAVEPOINT a");
    exec_ok(db, "DELETE FROM t WHERE id % 3 = 0");
    exec_ok(db, "SAVEPOINT b");
    exec_ok(db, "INSERT INTO t SELECT id + 5000, name, body FROM t");
    exec_ok(db, "ROLLBACK TO b");
    exec_ok(db, "ROLLBACK TO a");
    exec_ok(db, "UPDATE t SET name = lower(name) WHERE id % 2 = 0");
    exec_ok(db, "ROLLBACK");
    assert_matches(db, model);
    sqlite3_close(db);

    /* A hot rollback reads what a crashed writer left. */
    cr_assert_eq(vt_make_hot_journal(vfs, path("shape.db"),
                                     "UPDATE t SET name = upper(name);"
                                     "INSERT INTO t SELECT id + 5000, name, body FROM t;"), 0);
    log.len = 0;   /* the child's writes were logged in the child */
    db = open_rec("shape.db");
    assert_matches(db, model);
    sqlite3_close(db);
    size_t hot_reads = 0, dummy_w = 0, dummy_h = 0;
    check_journal_shape(&log, &dummy_w, &hot_reads, &dummy_h);
    cr_assert_gt(hot_reads, 10, "the hot rollback read %zu records", hot_reads);

    vt_rec_set_hook(NULL, NULL);
    assert_not_poisoned(vfs);
    free(log.ops);
}

Test(cryptvfs, journal_shape_during_spills_and_savepoints)
{
    cr_assert_eq(vt_rec_register(nx_cryptvfs_name(env.vfs), 0), 0);
    nx_cryptvfs *vfs = env.vfs;
    jlog log = { 0 };
    sqlite3 *db = open_rec("shape2.db");
    exec_ok(db, VT_TABLE_SQL);
    exec_ok(db, "PRAGMA cache_size=10");
    fill(db, 1, 1500, 1);
    vt_rec_set_hook(log_journal, &log);
    exec_ok(db, "BEGIN");
    exec_ok(db, "UPDATE t SET name = upper(name) WHERE id % 2 = 0");
    exec_ok(db, "SAVEPOINT a");
    exec_ok(db, "DELETE FROM t WHERE id % 3 = 0");
    exec_ok(db, "ROLLBACK TO a");
    exec_ok(db, "ROLLBACK");
    vt_rec_set_hook(NULL, NULL);
    assert_matches(db, model);
    sqlite3_close(db);
    size_t w = 0, r = 0, late = 0;
    check_journal_shape(&log, &w, &r, &late);
    cr_assert_gt(w, 50, "only %zu records written", w);
    cr_assert_gt(r, 50, "only %zu records read back", r);
    cr_assert_gt(late, 0, "no spill wrote a second journal header");
    assert_not_poisoned(vfs);
    free(log.ops);
}

/* Below the VFS: the journal's records reach the disk many a write, all
 * of them before the journal is synced, and a rollback reads them back. */
typedef struct {
    size_t writes, bytes, syncs, bytes_at_first_sync, reads;
} jcount;

static void count_journal(void *ctx, const vt_io *io)
{
    jcount *c = ctx;
    if (!strstr(io->name, "-journal"))
        return;
    if (io->op == VT_IO_WRITE) {
        c->writes++;
        c->bytes += (size_t)io->amt;
    } else if (io->op == VT_IO_SYNC && c->syncs++ == 0) {
        c->bytes_at_first_sync = c->bytes;
    } else if (io->op == VT_IO_READ && io->amt == P) {
        c->reads++;
    }
}

Test(cryptvfs, journal_records_reach_the_disk_together_before_its_sync)
{
    cr_assert_eq(vt_rec_register(NULL, 0), 0);
    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(env.key, VT_REC_VFS, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    sqlite3 *db = open_db(vfs, "jw.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 1500, 1);
    jcount c = { 0 };
    vt_rec_set_hook(count_journal, &c);
    fill(db, 1, 1500, 2);
    vt_rec_set_hook(NULL, NULL);
    size_t records = c.bytes / (P + 8);
    cr_assert_gt(records, 50, "only %zu records journaled", records);
    /* three writes a record without the VFS holding them */
    cr_assert_lt(c.writes, records / 4, "%zu writes for %zu records", c.writes, records);
    cr_assert_gt(c.syncs, 0);
    cr_assert_geq(c.bytes_at_first_sync, records * (P + 8), "records written after the sync");

    /* a rollback after the cache spilled to the database reads them back */
    exec_ok(db, "PRAGMA cache_size=10");
    c = (jcount){ 0 };
    vt_rec_set_hook(count_journal, &c);
    exec_ok(db, "BEGIN");
    exec_ok(db, "UPDATE t SET body = upper(body)");
    exec_ok(db, "ROLLBACK");
    vt_rec_set_hook(NULL, NULL);
    cr_assert_gt(c.reads, 50, "the rollback read %zu records", c.reads);
    assert_matches(db, model);
    sqlite3_close(db);
    assert_not_poisoned(vfs);
    nx_cryptvfs_free(vfs);
}

/* ---- sharing, keys, verify, process hardening --------------------------------------- */
Test(cryptvfs, two_connections_see_each_others_commits)
{
    sqlite3 *a = open_db(env.vfs, "two.db");
    sqlite3 *b = open_db(env.vfs, "two.db");
    exec_ok(a, VT_TABLE_SQL);
    for (int round = 1; round <= 20; round++) {
        sqlite3 *w = round % 2 ? a : b, *r = round % 2 ? b : a;
        fill(w, 1, 60, round);
        assert_matches(r, model);
    }
    sqlite3_close(a);
    sqlite3_close(b);
    assert_not_poisoned(env.vfs);
}

Test(cryptvfs, another_key_reads_nothing)
{
    sqlite3 *db = open_db(env.vfs, "key.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 50, 1);
    sqlite3_close(db);
    unsigned char h0[32], h1[32], other[NX_KEY_BYTES];
    file_hash("key.db", h0);
    randombytes_buf(other, sizeof other);
    char err[200];
    nx_cryptvfs *vfs = nx_cryptvfs_new(other, NULL, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    cr_assert_eq(sqlite3_open_v2(path("key.db"), &db, SQLITE_OPEN_READWRITE,
                                 nx_cryptvfs_name(vfs)), SQLITE_OK);
    long long n = 0;
    cr_assert_neq(vt_query_int(db, "SELECT count(*) FROM t", &n), SQLITE_OK);
    cr_assert_neq(vt_exec(db, "CREATE TABLE x(y)"), SQLITE_OK);
    sqlite3_close(db);
    uint32_t page = 0;
    char why[160];
    cr_assert_eq(nx_cryptvfs_failure(vfs, &page, why, sizeof why), 1);
    cr_assert_eq(page, 1);
    cr_assert(strstr(why, "authentication") != NULL, "%s", why);
    nx_cryptvfs_free(vfs);
    file_hash("key.db", h1);
    cr_assert(memcmp(h0, h1, 32) == 0);
}

Test(cryptvfs, check_file_authenticates_every_page)
{
    sqlite3 *db = open_db(env.vfs, "chk.db");
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 800, 1);
    sqlite3_close(db);
    uint32_t page = 99;
    char why[160] = "x";
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("chk.db"), &page, why, sizeof why), 0,
                 "%s", why);
    long long pages = vt_file_size(path("chk.db")) / P;
    cr_assert_gt(pages, 20);
    cr_assert_eq(vt_flip_bit(path("chk.db"), (pages - 1) * P + 10, 3), 0);
    cr_assert_eq(nx_cryptvfs_check_file(env.vfs, path("chk.db"), &page, why, sizeof why), -1);
    cr_assert_eq(page, (uint32_t)pages, "reported page %u", page);
    cr_assert(nx_cryptvfs_failure(env.vfs, NULL, NULL, 0));
}

Test(cryptvfs, crypt_init_turns_off_core_dumps_and_secrets_are_guarded)
{
    /* The suite's setup ran it first already. */
    cr_assert_eq(nx_crypt_init(), 0, "not idempotent");
    cr_assert_eq(nx_crypt_init(), 0);
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_CORE, &rl), 0);
    cr_assert_eq(rl.rlim_cur, 0);
    cr_assert_eq(rl.rlim_max, 0);
    cr_assert_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);

    nx_secret s = { 0 };
    cr_assert_eq(nx_secret_alloc(&s, 48), 0);
    cr_assert_not_null(s.bytes);
    cr_assert_eq(s.len, 48);
    memset(s.bytes, 0xAB, s.len);
    nx_secret_free(&s);
    cr_assert_null(s.bytes);
    cr_assert_eq(s.len, 0);
    nx_secret_free(&s);   /* idempotent */
}

/* ---- what SQLite sees versus what the disk holds ------------------------------------ */
Test(cryptvfs, page_1_header_reads_are_served_decrypted)
{
    sqlite3 *a = open_db(env.vfs, "hdr.db");
    exec_ok(a, VT_TABLE_SQL);
    fill(a, 1, 100, 1);
    sqlite3 *b = open_db(env.vfs, "hdr.db");
    sqlite3_file *f = NULL;
    cr_assert_eq(sqlite3_file_control(b, "main", SQLITE_FCNTL_FILE_POINTER, &f), SQLITE_OK);

    unsigned char hdr[100], vers[16], vers2[16], disk[16];
    exec_ok(b, "BEGIN; SELECT count(*) FROM t;");
    cr_assert_eq(f->pMethods->xRead(f, hdr, 100, 0), SQLITE_OK);
    cr_assert(memcmp(hdr, "SQLite format 3", 16) == 0);
    cr_assert_eq(hdr[16] << 8 | hdr[17], P);
    cr_assert_eq(hdr[20], NX_RESERVE_BYTES);
    cr_assert_eq(f->pMethods->xRead(f, vers, 16, 24), SQLITE_OK);
    cr_assert(memcmp(vers, hdr + 24, 16) == 0);
    exec_ok(b, "COMMIT");
    cr_assert_eq(vt_pread(path("hdr.db"), 24, disk, 16), 0);
    cr_assert(memcmp(disk, vers, 16) != 0, "the change counter is in the clear on disk");

    /* Another connection commits once: b's next look sees the counter move
     * by one, from page 1 as now on disk, not from its stale copy. */
    fill(a, 101, 110, 1);
    exec_ok(b, "BEGIN; SELECT count(*) FROM t;");
    cr_assert_eq(f->pMethods->xRead(f, vers2, 16, 24), SQLITE_OK);
    exec_ok(b, "COMMIT");
    uint32_t c1 = (uint32_t)vers[0] << 24 | (uint32_t)vers[1] << 16 | vers[2] << 8 | vers[3];
    uint32_t c2 = (uint32_t)vers2[0] << 24 | (uint32_t)vers2[1] << 16 | vers2[2] << 8 | vers2[3];
    cr_assert_eq(c2, c1 + 1, "change counter %u then %u", c1, c2);
    assert_matches(b, model);
    sqlite3_close(a);
    sqlite3_close(b);
    assert_not_poisoned(env.vfs);
}

typedef struct cksum_log {
    long long off[2048];
    unsigned char val[2048][4];
    size_t n;
    long long data_off;
} cksum_log;

/* Over the encrypting VFS: the checksums as SQLite computed them. */
static void log_checksums(void *ctx, const vt_io *io)
{
    cksum_log *l = ctx;
    if (io->op != VT_IO_WRITE || !strstr(io->name, "-journal"))
        return;
    if (io->amt == 4 && l->data_off >= 0 && io->off == l->data_off + P && l->n < 2048) {
        l->off[l->n] = io->off;
        memcpy(l->val[l->n++], io->buf, 4);
    }
    l->data_off = io->amt == P ? io->off : -1;
}

Test(cryptvfs, journal_checksums_are_masked_on_disk)
{
    cr_assert_eq(vt_rec_register(nx_cryptvfs_name(env.vfs), 0), 0);
    static cksum_log log = { .data_off = -1 };
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path("ck.db"), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 VT_REC_VFS), SQLITE_OK);
    cr_assert_eq(vt_harden(db), SQLITE_OK);
    exec_ok(db, VT_TABLE_SQL);
    fill(db, 1, 600, 1);
    vt_rec_set_hook(log_checksums, &log);
    exec_ok(db, "BEGIN");
    exec_ok(db, "UPDATE t SET name = upper(name)");
    exec_ok(db, "SELECT 1");
    /* the VFS holds journal writes back until the journal is synced,
     * sized, ...: ask its size, so that they are on disk */
    sqlite3_file *jf = NULL;
    sqlite3_int64 jsize = 0;
    cr_assert_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &jf), SQLITE_OK);
    cr_assert(jf && jf->pMethods);
    cr_assert_eq(jf->pMethods->xFileSize(jf, &jsize), SQLITE_OK);
    cr_assert_gt(log.n, 20, "only %zu records journaled", log.n);
    size_t same = 0;
    for (size_t i = 0; i < log.n; i++) {
        unsigned char disk[4];
        cr_assert_eq(vt_pread(path("ck.db-journal"), log.off[i], disk, 4), 0);
        same += memcmp(disk, log.val[i], 4) == 0;
    }
    cr_assert_eq(same, 0, "%zu of %zu checksums are on disk as computed", same, log.n);
    exec_ok(db, "ROLLBACK");
    vt_rec_set_hook(NULL, NULL);
    assert_matches(db, model);
    sqlite3_close(db);
    assert_not_poisoned(env.vfs);
}
