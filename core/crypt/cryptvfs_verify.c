/* nexus verify: every page of a database file authenticated without
 * SQLite, through the same page logic as the VFS (cryptvfs_db.c). */
#include "crypt/cryptvfs_int.h"
#include "crypt/aead.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int verify_fail(nx_cryptvfs *v, uint32_t page, const char *why, int poison,
                       uint32_t *failed_page, char *out, size_t outlen)
{
    if (poison)
        cv_fail(v, page, "%s", why);
    if (failed_page)
        *failed_page = page;
    if (out && outlen)
        snprintf(out, outlen, "%s", why);
    return -1;
}

/* A journal another process left behind (no RESERVED lock holder) means the
 * file is mid-transaction: its pages are authentic but it is not the state to
 * judge until SQLite rolls it back. */
static int hot_journal(nx_cryptvfs *v, sqlite3_file *db, const char *path)
{
    int reserved = 0, exists = 0;
    if (db->pMethods->xCheckReservedLock(db, &reserved) != SQLITE_OK || reserved)
        return 0;
    char *jname = sqlite3_mprintf("%s-journal", path);
    if (!jname)
        return 0;
    int hot = 0;
    if (v->base->xAccess(v->base, jname, SQLITE_ACCESS_EXISTS, &exists) == SQLITE_OK && exists) {
        FILE *j = fopen(jname, "rb");
        if (j) {
            hot = fgetc(j) > 0;
            fclose(j);
        }
    }
    sqlite3_free(jname);
    return hot;
}

static int verify_pages(nx_cryptvfs *v, sqlite3_file *db, const char *path,
                        uint32_t *failed_page, char *why, size_t whylen)
{
    char msg[160];
    if (hot_journal(v, db, path))
        return verify_fail(v, 0, "a hot journal is waiting: open the cache to roll it back",
                           0, failed_page, why, whylen);
    /* A handle of our own, never listed: checking must not disturb the
     * page-1 copies of open connections. */
    cv_file f;
    memset(&f, 0, sizeof f);
    f.v = v;
    f.kind = 'D';
    f.real = db;
    f.lock = SQLITE_LOCK_SHARED;
    int rc = cv_db_verify_pages(&f);
    if (f.scratch) {
        sodium_memzero(f.scratch, f.scratch_len);
        sqlite3_free(f.scratch);
    }
    if (f.p1) {
        sodium_memzero(f.p1, f.p1_len);
        sqlite3_free(f.p1);
    }
    nx_aead_free(f.aead);
    if (rc == SQLITE_OK)
        return 0;
    uint32_t page = 0;
    if (nx_cryptvfs_failure(v, &page, msg, sizeof msg))
        return verify_fail(v, page, msg, 0, failed_page, why, whylen);
    snprintf(msg, sizeof msg, "cannot read the file (%s)", sqlite3_errstr(rc));
    return verify_fail(v, 0, msg, 0, failed_page, why, whylen);
}

int nx_cryptvfs_check_file(nx_cryptvfs *v, const char *db_path,
                           uint32_t *failed_page, char *why, size_t whylen)
{
    sqlite3_vfs *b = v->base;
    sqlite3_file *db = sqlite3_malloc(b->szOsFile);
    char *full = sqlite3_malloc(b->mxPathname + 1);
    int rc = db && full ? SQLITE_OK : SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = b->xFullPathname(b, db_path, b->mxPathname + 1, full);
    if (rc == SQLITE_OK) {
        memset(db, 0, (size_t)b->szOsFile);
        int out = 0;
        rc = b->xOpen(b, full, db, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READONLY, &out);
    }
    int res;
    if (rc != SQLITE_OK) {
        res = verify_fail(v, 0, "cannot open the file", 0, failed_page, why, whylen);
    } else if (db->pMethods->xLock(db, SQLITE_LOCK_SHARED) != SQLITE_OK) {
        res = verify_fail(v, 0, "the file is locked by a writer", 0, failed_page, why, whylen);
    } else {
        res = verify_pages(v, db, full, failed_page, why, whylen);
        db->pMethods->xUnlock(db, SQLITE_LOCK_NONE);
    }
    if (db && db->pMethods)
        db->pMethods->xClose(db);
    sqlite3_free(db);
    sqlite3_free(full);
    return res;
}
