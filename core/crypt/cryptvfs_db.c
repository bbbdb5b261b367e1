/* The database file through the encrypting VFS.
 *
 * On disk every page of size P ends in a 24-byte nonce and a 16-byte tag
 * (the 40 reserved bytes SQLite leaves alone). Page 1 is special: bytes 0-15
 * hold the file id in the clear instead of "SQLite format 3" (so no tool
 * mistakes the file for a database) and bytes 16-23 (page size, reserve, ...)
 * stay in the clear for SQLite to size its pager before any key logic, but
 * are authenticated through the associated data. */
#include "crypt/cryptvfs_int.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const unsigned char sqlite_magic[NX_FILE_ID_BYTES] = "SQLite format 3";

#define CV_EMPTY (-1)     /* internal: the file has no page yet */
#define HDR_CLEAR 24      /* page 1: id (0-15) + header bytes 16-23 */

static int base_read(cv_file *f, void *buf, int amt, sqlite3_int64 off)
{
    return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int base_size(cv_file *f, sqlite3_int64 *size)
{
    return f->real->pMethods->xFileSize(f->real, size);
}

static uint32_t hdr_pgsz(const unsigned char *h)
{
    uint32_t p = (uint32_t)h[16] << 8 | h[17];
    return p == 1 ? 65536 : p;
}

/* Under at least a SHARED lock no writer is between commits and any hot
 * journal has been rolled back, so what the file holds must authenticate.
 * Unlocked (sqlite3_open's header read) it may legitimately be mid-commit or
 * torn by a power cut awaiting rollback: no verdict is given there. */
static int db_strict(const cv_file *f)
{
    return f->lock >= SQLITE_LOCK_SHARED;
}

static int db_bad(cv_file *f, int strict, uint32_t page, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int db_bad(cv_file *f, int strict, uint32_t page, const char *fmt, ...)
{
    if (strict) {
        char why[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        cv_fail(f->v, page, "%s", why);
    }
    return SQLITE_IOERR_DATA;
}

/* Learns page size and file id from page 1's clear bytes. */
static int db_load_meta(cv_file *f, int strict)
{
    unsigned char h[HDR_CLEAR];
    int rc = base_read(f, h, HDR_CLEAR, 0);
    if (rc == SQLITE_IOERR_SHORT_READ) {
        sqlite3_int64 size = 0;
        rc = base_size(f, &size);
        if (rc != SQLITE_OK)
            return rc;
        if (size == 0)
            return CV_EMPTY;
        return db_bad(f, strict, 0, "the file is only %lld bytes long", (long long)size);
    }
    if (rc != SQLITE_OK)
        return rc;
    uint32_t p = hdr_pgsz(h);
    if (!cv_valid_pgsz(p))
        return db_bad(f, strict, 1, "invalid page size in the header");
    if (h[20] != NX_RESERVE_BYTES)
        return db_bad(f, strict, 1, "%u reserved bytes per page, expected %d", h[20],
                      NX_RESERVE_BYTES);
    cv_set_meta(f, p, h);
    return SQLITE_OK;
}

/* Reads page pgno whole and authenticates it in place. */
static int db_read_page(cv_file *f, unsigned char *buf, uint32_t pgno, sqlite3_int64 off,
                        int strict)
{
    uint32_t p = f->pgsz;
    int rc = base_read(f, buf, (int)p, off);
    if (rc == SQLITE_IOERR_SHORT_READ) {
        sqlite3_int64 size = 0;
        if (base_size(f, &size) == SQLITE_OK && size <= off)
            return rc;    /* wholly past the end: SQLite's zero page */
        memset(buf, 0, p);
        return db_bad(f, strict, pgno, "the page is cut short");
    }
    if (rc != SQLITE_OK)
        return rc;

    unsigned char ad[CV_AD_MAX];
    size_t adlen;
    uint32_t from = 0;
    if (pgno == 1) {
        /* Page 1 names its own file id; the AD makes a changed id fail. */
        if (hdr_pgsz(buf) != p || buf[20] != NX_RESERVE_BYTES) {
            memset(buf, 0, p);
            return db_bad(f, strict, 1, "the header's page size or reserve changed");
        }
        adlen = cv_ad(ad, buf, 'D', 1, buf + 16, -1);
        from = HDR_CLEAR;
    } else {
        if (!f->have_id) {
            rc = db_load_meta(f, strict);
            if (rc != SQLITE_OK) {
                memset(buf, 0, p);
                return rc == CV_EMPTY ? SQLITE_IOERR_SHORT_READ : rc;
            }
        }
        adlen = cv_ad(ad, f->id, 'D', pgno, NULL, -1);
    }
    if (cv_unseal(f, buf, p, from, ad, adlen) != 0) {
        memset(buf, 0, p);
        return db_bad(f, strict, pgno, "authentication failed");
    }
    if (pgno == 1) {
        if (!f->have_id || memcmp(f->id, buf, NX_FILE_ID_BYTES) != 0)
            cv_set_meta(f, 0, buf);
        memcpy(buf, sqlite_magic, NX_FILE_ID_BYTES);
        if (!f->p1 || f->p1_len < p) {
            unsigned char *n = sqlite3_malloc((int)p);
            if (!n)
                return SQLITE_NOMEM;
            if (f->p1) {
                sodium_memzero(f->p1, f->p1_len);
                sqlite3_free(f->p1);
            }
            f->p1 = n;
            f->p1_len = p;
        }
        memcpy(f->p1, buf, p);
        memcpy(f->p1_nonce, buf + p - NX_RESERVE_BYTES, CV_NONCE);
        f->p1_valid = 1;
    }
    return SQLITE_OK;
}

/* Pages SQLite will not read unless it first writes them: past page 1's
 * count, and free-list leaves it never wrote (secure_delete off). There a
 * page may be a hole of zeros (pages spilled out of order, then cut back by
 * ROLLBACK TO); anything else must authenticate. */
static int db_check_unread_page(cv_file *f, unsigned char *buf, uint32_t pgno,
                                sqlite3_int64 off)
{
    int rc = f->real->pMethods->xRead(f->real, buf, (int)f->pgsz, off);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
        return rc;
    if (rc == SQLITE_OK && buf[0] == 0 && memcmp(buf, buf + 1, f->pgsz - 1) == 0)
        return SQLITE_OK;
    return db_read_page(f, buf, pgno, off, 1);
}

/* Whole-page truncation or extension leaves every page authentic; page 1's
 * in-header page count (authenticated, valid when bytes 24-27 equal 92-95)
 * is what catches it. Fewer pages than it says: SQLite itself calls that
 * corrupt. More is a state SQLite leaves behind legitimately (a commit that
 * shrinks the file finalizes the journal, then truncates: a crash between
 * the two keeps stale pages SQLite ignores until it reuses them), so those
 * pages must still be this file's own. Called only strict, f->p1 current. */
static int db_check_size_is(cv_file *f, sqlite3_int64 size)
{
    int rc = SQLITE_OK;
    f->size_due = 0;
    uint32_t p = f->pgsz;
    if (size % p != 0)
        return db_bad(f, 1, 0, "file size %lld is not a multiple of the page size %u",
                      (long long)size, p);
    const unsigned char *h = f->p1;
    uint32_t n = cv_be32(h + 28);
    if (n == 0 || memcmp(h + 24, h + 92, 4) != 0)
        return SQLITE_OK;   /* no valid count: SQLite goes by the file size */
    sqlite3_int64 want = (sqlite3_int64)n * p;
    if (size < want)
        return db_bad(f, 1, 0, "the file holds %lld pages but its header says %u",
                      (long long)(size / p), n);
    /* SQLite neither reads nor writes past the count until it allocates
     * there (which raises the count): one look per size and count is enough. */
    if (size == want || (f->tail_ok_size == size && f->tail_ok_count == n))
        return SQLITE_OK;
    unsigned char *page = sqlite3_malloc((int)p);
    if (!page)
        return SQLITE_NOMEM;
    for (sqlite3_int64 off = want; rc == SQLITE_OK && off < size; off += p)
        rc = db_check_unread_page(f, page, (uint32_t)(off / p) + 1, off);
    sodium_memzero(page, p);
    sqlite3_free(page);
    if (rc == SQLITE_OK) {
        f->tail_ok_size = size;
        f->tail_ok_count = n;
    }
    return rc;
}

static int db_check_size(cv_file *f)
{
    sqlite3_int64 size = 0;
    int rc = base_size(f, &size);
    return rc == SQLITE_OK ? db_check_size_is(f, size) : rc;
}

/* SQLite asks for the file size right after it reads page 1's change
 * counter at a transaction's start (pagerPagecount): the size is checked
 * there, on SQLite's own fstat, rather than with one more of ours. */
int cv_db_file_size(cv_file *f, sqlite3_int64 *size)
{
    int rc = base_size(f, size);
    if (rc == SQLITE_OK && f->size_due && db_strict(f) && f->p1_valid)
        rc = db_check_size_is(f, *size);
    return rc;
}

/* Makes f->p1 the page 1 now on disk: one 24-byte read of its nonce when the
 * cached copy is current (another connection may have rewritten it). */
static int db_page1_current(cv_file *f, int strict)
{
    if (!f->pgsz) {
        int rc = db_load_meta(f, strict);
        if (rc == CV_EMPTY)
            return SQLITE_IOERR_SHORT_READ;
        if (rc != SQLITE_OK)
            return rc;
    }
    uint32_t p = f->pgsz;
    unsigned char nonce[CV_NONCE];
    int rc = base_read(f, nonce, CV_NONCE, p - NX_RESERVE_BYTES);
    if (rc == SQLITE_IOERR_SHORT_READ) {
        sqlite3_int64 size = 0;
        if (base_size(f, &size) == SQLITE_OK && size == 0)
            return rc;
        return db_bad(f, strict, 1, "the page is cut short");
    }
    if (rc != SQLITE_OK)
        return rc;
    if (f->p1_valid && memcmp(nonce, f->p1_nonce, CV_NONCE) == 0)
        return SQLITE_OK;
    f->p1_valid = 0;
    if (cv_scratch(f, p))
        return SQLITE_NOMEM;
    rc = db_read_page(f, f->scratch, 1, 0, strict);
    sodium_memzero(f->scratch, p);
    return rc;
}

/* SQLite's sub-page reads of page 1: 100 bytes at 0 when opening, 16 bytes at
 * 24 (change counter) at every transaction start. Serving ciphertext here
 * would make SQLite drop its cache at every transaction. */
static int db_read_header(cv_file *f, unsigned char *buf, int amt, sqlite3_int64 off)
{
    int strict = db_strict(f);
    int rc = db_page1_current(f, strict);
    if (rc == SQLITE_OK && strict)
        f->size_due = 1;          /* checked at the xFileSize that follows */
    if (rc == SQLITE_OK) {
        memcpy(buf, f->p1 + off, (size_t)amt);
        return SQLITE_OK;
    }
    memset(buf, 0, (size_t)amt);
    if (rc == SQLITE_IOERR_SHORT_READ || strict)
        return rc;
    /* Unlocked: hand over only the clear page-size bytes so the pager is
     * sized; the verdict on page 1 comes with the first locked read. */
    unsigned char h[HDR_CLEAR];
    if (base_read(f, h, HDR_CLEAR, 0) == SQLITE_OK) {
        for (sqlite3_int64 i = off; i < off + amt; i++)
            if (i >= 16 && i < HDR_CLEAR)
                buf[i - off] = h[i];
    }
    return SQLITE_OK;
}

int cv_db_read(cv_file *f, void *buf, int amt, sqlite3_int64 off)
{
    int strict = db_strict(f);
    if (!f->pgsz) {
        int rc = db_load_meta(f, strict);
        if (rc == CV_EMPTY)
            return base_read(f, buf, amt, off);
        if (rc != SQLITE_OK && strict) {
            memset(buf, 0, (size_t)amt);
            return rc;
        }
        if (rc != SQLITE_OK)
            return db_read_header(f, buf, amt, off);
    }
    uint32_t p = f->pgsz;
    if ((uint32_t)amt == p && off % p == 0) {
        uint32_t pgno = (uint32_t)(off / p) + 1;
        /* a transaction's start whose size SQLite did not ask for */
        if (strict && pgno != 1 && f->size_due && f->p1_valid) {
            int rc = db_check_size(f);
            if (rc != SQLITE_OK) {
                memset(buf, 0, p);
                return rc;
            }
        }
        int rc = db_read_page(f, buf, pgno, off, strict);
        if (rc == SQLITE_OK && pgno == 1 && strict)
            rc = db_check_size(f);
        return rc;
    }
    if (off >= 0 && amt > 0 && off + amt <= p)
        return db_read_header(f, buf, amt, off);
    /* No SQLite code path reads the database this way. */
    return SQLITE_IOERR_READ;
}

/* The page size and file id a write to a file in an unknown or new state
 * seals with; the usual case (both known, a page of that size) skips this. */
static int db_write_meta(cv_file *f, uint32_t amt)
{
    sqlite3_int64 size = 0;
    int rc = base_size(f, &size);
    if (rc != SQLITE_OK)
        return rc;
    if (!f->pgsz && size > 0 && db_load_meta(f, 1) != SQLITE_OK)
        return SQLITE_IOERR_WRITE;
    if (size > 0 && f->pgsz && amt != f->pgsz) {
        sqlite3_log(SQLITE_IOERR_WRITE, "nxcrypt: the page size cannot change");
        return SQLITE_IOERR_WRITE;
    }
    if (!cv_valid_pgsz(amt))
        return SQLITE_IOERR_WRITE;
    if (!f->have_id || f->pgsz != amt) {
        /* A new file: its id is born with its first page (page 1 usually,
         * a spilled page first if the cache overflows). */
        unsigned char id[NX_FILE_ID_BYTES];
        if (f->have_id)
            memcpy(id, f->id, sizeof id);
        else
            randombytes_buf(id, sizeof id);
        cv_set_meta(f, amt, id);
    }
    return SQLITE_OK;
}

int cv_db_write(cv_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    const unsigned char *in = buf;
    if (f->size_due && db_strict(f) && f->p1_valid) {
        int rc = db_check_size(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (off == 0) {
        /* What SQLite writes here is a page 1: never write anything else. */
        if (amt < HDR_CLEAR || memcmp(in, sqlite_magic, NX_FILE_ID_BYTES) != 0 ||
            !cv_valid_pgsz(hdr_pgsz(in)) || hdr_pgsz(in) != (uint32_t)amt) {
            sqlite3_log(SQLITE_IOERR_WRITE, "nxcrypt: refused a write at 0 that is no page 1");
            return SQLITE_IOERR_WRITE;
        }
        if (in[20] != NX_RESERVE_BYTES) {
            sqlite3_log(SQLITE_IOERR_WRITE, "nxcrypt: page 1 without %d reserved bytes",
                        NX_RESERVE_BYTES);
            return SQLITE_IOERR_WRITE;
        }
    }
    int rc;
    if (amt <= 0 || off < 0)
        return SQLITE_IOERR_WRITE;
    if (!f->pgsz || !f->have_id || (uint32_t)amt != f->pgsz) {
        rc = db_write_meta(f, (uint32_t)amt);
        if (rc != SQLITE_OK)
            return rc;
    }
    uint32_t p = f->pgsz;
    if (off % p != 0)
        return SQLITE_IOERR_WRITE;
    if (cv_scratch(f, p))
        return SQLITE_NOMEM;

    uint32_t pgno = (uint32_t)(off / p) + 1;
    unsigned char ad[CV_AD_MAX];
    size_t adlen;
    unsigned char *c = f->scratch;
    memcpy(c, in, p);
    if (pgno == 1) {
        memcpy(c, f->id, NX_FILE_ID_BYTES);
        adlen = cv_ad(ad, f->id, 'D', 1, c + 16, -1);
        rc = cv_seal(f, c, p, HDR_CLEAR, ad, adlen);
    } else {
        adlen = cv_ad(ad, f->id, 'D', pgno, NULL, -1);
        rc = cv_seal(f, c, p, 0, ad, adlen);
    }
    rc = rc == 0 ? f->real->pMethods->xWrite(f->real, c, (int)p, off) : SQLITE_IOERR_WRITE;
    if (pgno == 1 && rc == SQLITE_OK && f->p1 && f->p1_len >= p) {
        memcpy(f->p1, in, p);
        memcpy(f->p1_nonce, c + p - NX_RESERVE_BYTES, CV_NONCE);
        f->p1_valid = 1;
    } else if (pgno == 1) {
        f->p1_valid = 0;
    }
    sodium_memzero(c, p);
    return rc;
}

int cv_db_truncate(cv_file *f, sqlite3_int64 size)
{
    if (f->pgsz && size % f->pgsz != 0)
        return SQLITE_IOERR_TRUNCATE;
    if (size < (sqlite3_int64)f->pgsz || f->pgsz == 0)
        f->p1_valid = 0;
    return f->real->pMethods->xTruncate(f->real, size);
}

/* ---- pragmas ---------------------------------------------------------------------- */
static int refuse(char **args, const char *msg)
{
    args[0] = sqlite3_mprintf("%s", msg);
    return SQLITE_ERROR;
}

static int one_of(const char *val, const char *const *names)
{
    for (; *names; names++)
        if (sqlite3_stricmp(val, *names) == 0)
            return 1;
    return 0;
}

int cv_db_pragma(cv_file *f, char **args)
{
    static const char *const journal_ok[] = { "delete", "truncate", "persist", NULL };
    /* Whitelists: SQLite reads other spellings (numbers modulo 8, hex) as OFF. */
    static const char *const sync_ok[] = { "normal", "full", "extra", "on", "yes", "true",
                                           "1", "2", "3", NULL };
    const char *name = args[1], *val = args[2];
    if (!name || !val)
        return SQLITE_NOTFOUND;
    if (sqlite3_stricmp(name, "journal_mode") == 0 && !one_of(val, journal_ok))
        return refuse(args, "journal_mode refused: the encrypted cache keeps only a DELETE, "
                            "TRUNCATE or PERSIST rollback journal (no WAL, MEMORY or OFF)");
    if (sqlite3_stricmp(name, "synchronous") == 0 && !one_of(val, sync_ok))
        return refuse(args, "synchronous refused: the encrypted cache needs NORMAL, FULL "
                            "or EXTRA (never OFF)");
    if (sqlite3_stricmp(name, "page_size") == 0 && f->pgsz) {
        sqlite3_int64 size = 0;
        char want[16];
        snprintf(want, sizeof want, "%u", f->pgsz);
        if (base_size(f, &size) == SQLITE_OK && size > 0 && strcmp(val, want) != 0)
            return refuse(args, "page_size refused: the page size of an encrypted cache "
                                "cannot change");
    }
    return SQLITE_NOTFOUND;
}

/* nexus verify's walk over every page; f is a private handle on a file under
 * a SHARED lock (cryptvfs_verify.c). Which pages are live is SQLite's to say:
 * PRAGMA integrity_check, run after this, reads each through the VFS. */
int cv_db_verify_pages(cv_file *f)
{
    sqlite3_int64 size = 0;
    int rc = base_size(f, &size);
    if (rc != SQLITE_OK)
        return rc;
    if (size == 0)
        return db_bad(f, 1, 0, "the file is empty");
    rc = db_load_meta(f, 1);
    if (rc == SQLITE_OK && cv_scratch(f, f->pgsz) != 0)
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = db_read_page(f, f->scratch, 1, 0, 1);
    if (rc == SQLITE_OK)
        rc = db_check_size(f);
    for (sqlite3_int64 off = f->pgsz; rc == SQLITE_OK && off < size; off += f->pgsz)
        rc = db_check_unread_page(f, f->scratch, (uint32_t)(off / f->pgsz) + 1, off);
    return rc;
}
