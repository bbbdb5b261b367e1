/* The cache connection: hardening, migrations, metadata. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Refuse every ATTACH of a named file: it could open a second database
 * outside the encrypting VFS (a URI can name ?vfs=unix), and VACUUM INTO
 * works by attaching its target. The one attach allowed is the nameless
 * temporary database that plain VACUUM builds its copy in, which
 * temp_store=MEMORY keeps in memory. */
static int store_authorizer(void *arg, int action, const char *a, const char *b,
                            const char *c, const char *d)
{
    (void)arg; (void)b; (void)c; (void)d;
    if (action == SQLITE_ATTACH)
        return (a && a[0] == '\0') ? SQLITE_OK : SQLITE_DENY;
    return SQLITE_OK;
}

static int exec1(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        nx_err(err, errlen, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int nx_store_harden(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_set_authorizer(db, store_authorizer, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
    sqlite3_busy_timeout(db, NX_STORE_BUSY_MS);

    /* A new (empty) database needs its 40 reserved bytes per page before the
     * first page is written: the VFS keeps nonce and tag there. */
    sqlite3_int64 size = 0;
    sqlite3_file *fp = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &fp) == SQLITE_OK && fp &&
        fp->pMethods && fp->pMethods->xFileSize(fp, &size) == SQLITE_OK && size == 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA page_size=%d", NX_STORE_PAGE_SIZE);
        if (exec1(db, sql, err, errlen))
            return -1;
        int reserve = NX_RESERVE_BYTES;
        if (sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK)
            return nx_err(err, errlen, "cannot reserve bytes per page");
    }
    /* A persistent journal: at commit SQLite zeroes its header and syncs
     * it, and the next transaction overwrites the blocks the file has. A
     * truncated one was given its blocks back at every commit and took
     * them again at the next: in a round of 1 000 changes in a 100 000-item
     * cache the truncation took 5.5 ms and made the database's fsync 28 ms
     * instead of ~19 (the file system's metadata went with it). The file
     * holds old page images, sealed like pages (cryptvfs_journal.c), up to
     * NX_STORE_JOURNAL_MAX after a commit. */
    char sql[96], jsl[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", NX_STORE_CACHE_SIZE);
    snprintf(jsl, sizeof jsl, "PRAGMA journal_size_limit=%d", NX_STORE_JOURNAL_MAX);
    if (exec1(db, "PRAGMA temp_store=MEMORY", err, errlen) ||
        exec1(db, "PRAGMA journal_mode=PERSIST", err, errlen) ||
        exec1(db, jsl, err, errlen) ||
        exec1(db, "PRAGMA synchronous=FULL", err, errlen) ||
        exec1(db, "PRAGMA mmap_size=0", err, errlen) ||
        exec1(db, "PRAGMA foreign_keys=ON", err, errlen) ||
        exec1(db, sql, err, errlen))
        return -1;
    return 0;
}

int nx_store_open(const char *path, nx_cryptvfs *vfs, int mode,
                  nx_store **out, char *err, size_t errlen)
{
    *out = NULL;
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (!exists && mode != NX_STORE_CREATE)
        return nx_err(err, errlen, "%s: no cache here (run 'nexus init')", path);
    if (exists && mode == NX_STORE_CREATE && st.st_size > 0)
        return nx_err(err, errlen, "%s: a cache already exists", path);

    nx_store *s = calloc(1, sizeof *s);
    if (!s)
        return nx_err(err, errlen, "out of memory");
    s->vfs = vfs;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (mode == NX_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &s->db, flags, nx_cryptvfs_name(vfs)) != SQLITE_OK) {
        nx_err(err, errlen, "%s: cannot open cache: %s", path,
               s->db ? sqlite3_errmsg(s->db) : "out of memory");
        nx_store_close(s);
        return -1;
    }
    sqlite3_extended_result_codes(s->db, 1);
    if (nx_store_harden(s->db, err, errlen) != 0 ||
        nx_store_migrate(s, err, errlen) != 0) {
        nx_store_explain(s, err, errlen);
        nx_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void nx_store_explain(nx_store *s, char *err, size_t errlen)
{
    uint32_t page = 0;
    char why[160];
    if (s && s->vfs && nx_cryptvfs_failure(s->vfs, &page, why, sizeof why)) {
        if (page)
            nx_err(err, errlen, "cache integrity check failed (page %u): %s", page, why);
        else
            nx_err(err, errlen, "cache integrity check failed: %s", why);
    }
}

void nx_store_close(nx_store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close_v2(s->db);
    free(s);
}

sqlite3 *nx_store_db(nx_store *s) { return s->db; }
const char *nx_store_errmsg(nx_store *s) { return sqlite3_errmsg(s->db); }

int nx_store_integrity(nx_store *s, char *why, size_t whylen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        nx_err(why, whylen, "%s", sqlite3_errmsg(s->db));
        nx_store_explain(s, why, whylen);
        return -1;
    }
    int rc = sqlite3_step(st);
    int ok = 0;
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        ok = r && strcmp(r, "ok") == 0;
        if (!ok)
            nx_err(why, whylen, "integrity_check: %s", r ? r : "(null)");
    } else {
        nx_err(why, whylen, "integrity_check: %s", sqlite3_errmsg(s->db));
        nx_store_explain(s, why, whylen);
    }
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

int nx_store_meta_set(nx_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO meta(key,value) VALUES(?1,?2) "
                           "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int nx_store_meta_get(nx_store *s, const char *key, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}
