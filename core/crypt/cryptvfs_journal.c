/* The rollback journal through the encrypting VFS.
 *
 * A journal is not a sequence of pages: a header (one 512-byte sector, more
 * at sector boundaries after each cache spill) then records of
 *   4-byte page number | page data (P bytes) | 4-byte checksum.
 * SQLite writes a header in pieces of at most min(P, sector) = 512 bytes
 * (the sector is 512 because the VFS reports POWERSAFE_OVERWRITE) and touches
 * the page numbers, checksums and header fields with 1-12 byte I/O, while a
 * record's data is always exactly P >= 1024 bytes. So a P-byte write or read
 * is record data and everything else is structure, kept in the clear.
 *
 * Record data is sealed like a page with AD = database file id, 'J', page
 * number, offset of the data in the journal: it cannot be moved within the
 * journal, to another journal or into the database. The checksum SQLite puts
 * after it is a sum of plaintext bytes, so it is masked with key stream bound
 * to the record's nonce.
 *
 * Crash safety: with synchronous FULL, SQLite syncs the records before it
 * writes the header's record count, so every record a hot rollback reads was
 * written whole; a record that fails to authenticate was tampered with. */
#include "crypt/cryptvfs_int.h"

#include <sodium.h>
#include <string.h>

static int base_read(cv_file *f, void *buf, int amt, sqlite3_int64 off)
{
    return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int base_write(cv_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

/* Page size and file id come from the database handle: the journal's own
 * header says them too, but in the clear and unauthenticated. */
static int jrnl_meta(cv_file *j)
{
    if (j->pgsz && j->have_id)
        return SQLITE_OK;
    nx_cryptvfs *v = j->v;
    pthread_mutex_lock(&v->mu);
    for (cv_file *d = v->dbs; d; d = d->next) {
        if (d->pgsz && d->have_id && strcmp(d->dbname, j->dbname) == 0) {
            j->pgsz = d->pgsz;
            memcpy(j->id, d->id, NX_FILE_ID_BYTES);
            j->have_id = 1;
            break;
        }
    }
    pthread_mutex_unlock(&v->mu);
    if (!j->have_id)
        return SQLITE_IOERR;
    return cv_scratch(j, j->pgsz) ? SQLITE_NOMEM : SQLITE_OK;
}

/* The page number a record's data belongs to: the 4-byte op just before it,
 * or the file when something came between. */
static int record_pgno(cv_file *j, const cv_prev *prev, sqlite3_int64 off, uint32_t *pgno)
{
    if (prev->kind == CV_PREV_FOUR && prev->off == off - 4) {
        *pgno = prev->value;
        return SQLITE_OK;
    }
    unsigned char b[4];
    int rc = base_read(j, b, 4, off - 4);
    if (rc != SQLITE_OK)
        return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_READ : rc;
    *pgno = cv_be32(b);
    return SQLITE_OK;
}

static int is_structure(int amt, sqlite3_int64 off)
{
    return amt > 0 && amt <= CV_SECTOR && (amt == 4 || off % CV_SECTOR == 0);
}

int cv_jrnl_write(cv_file *j, const void *buf, int amt, sqlite3_int64 off)
{
    cv_prev prev = j->wprev;
    j->wprev.kind = CV_PREV_NONE;
    if (amt == 4 && prev.kind == CV_PREV_DATA && off == prev.off + j->pgsz) {
        unsigned char m[4];
        cv_mask(j->v, prev.nonce, m);
        for (int i = 0; i < 4; i++)
            m[i] ^= ((const unsigned char *)buf)[i];
        return base_write(j, m, 4, off);
    }
    if (is_structure(amt, off)) {
        if (amt == 4) {
            j->wprev.kind = CV_PREV_FOUR;
            j->wprev.off = off;
            j->wprev.value = cv_be32(buf);
        }
        return base_write(j, buf, amt, off);
    }
    int rc = jrnl_meta(j);
    if (rc != SQLITE_OK || (uint32_t)amt != j->pgsz || off < 4) {
        sqlite3_log(SQLITE_IOERR_WRITE, "nxcrypt: refused a journal write of %d bytes", amt);
        return SQLITE_IOERR_WRITE;
    }
    uint32_t pgno;
    rc = record_pgno(j, &prev, off, &pgno);
    if (rc != SQLITE_OK)
        return SQLITE_IOERR_WRITE;

    uint32_t p = j->pgsz;
    unsigned char *c = j->scratch;
    unsigned char ad[CV_AD_MAX];
    size_t adlen = cv_ad(ad, j->id, 'J', pgno, NULL, off);
    memcpy(c, buf, p);
    cv_seal(j->v, c, p, 0, ad, adlen);
    rc = base_write(j, c, (int)p, off);
    if (rc == SQLITE_OK) {
        j->wprev.kind = CV_PREV_DATA;
        j->wprev.off = off;
        memcpy(j->wprev.nonce, c + p - NX_RESERVE_BYTES, CV_NONCE);
    }
    sodium_memzero(c, p);
    return rc;
}

int cv_jrnl_read(cv_file *j, void *buf, int amt, sqlite3_int64 off)
{
    cv_prev prev = j->rprev;
    j->rprev.kind = CV_PREV_NONE;
    unsigned char *out = buf;
    if (is_structure(amt, off) || (amt > 0 && amt <= 8)) {
        int rc = base_read(j, buf, amt, off);
        if (rc != SQLITE_OK || amt != 4)
            return rc;
        if (prev.kind == CV_PREV_DATA && off == prev.off + j->pgsz) {
            unsigned char m[4];
            cv_mask(j->v, prev.nonce, m);
            for (int i = 0; i < 4; i++)
                out[i] ^= m[i];
        } else {
            j->rprev.kind = CV_PREV_FOUR;
            j->rprev.off = off;
            j->rprev.value = cv_be32(out);
        }
        return SQLITE_OK;
    }
    int rc = jrnl_meta(j);
    if (rc != SQLITE_OK || (uint32_t)amt != j->pgsz || off < 4) {
        memset(buf, 0, (size_t)(amt > 0 ? amt : 0));
        return SQLITE_IOERR_READ;
    }
    uint32_t pgno;
    rc = record_pgno(j, &prev, off, &pgno);
    if (rc != SQLITE_OK) {
        memset(buf, 0, (size_t)amt);
        return rc;
    }
    uint32_t p = j->pgsz;
    rc = base_read(j, buf, amt, off);
    if (rc == SQLITE_IOERR_SHORT_READ) {
        /* SQLite would take a cut record for the end of the journal and stop
         * rolling back half way; records it reads were synced whole. */
        memset(buf, 0, p);
        cv_fail(j->v, pgno, "the journal record is cut short");
        return SQLITE_IOERR_DATA;
    }
    if (rc != SQLITE_OK)
        return rc;
    unsigned char ad[CV_AD_MAX];
    size_t adlen = cv_ad(ad, j->id, 'J', pgno, NULL, off);
    if (cv_unseal(j->v, out, p, 0, ad, adlen) != 0) {
        memset(buf, 0, p);
        cv_fail(j->v, pgno, "journal record authentication failed");
        return SQLITE_IOERR_DATA;
    }
    j->rprev.kind = CV_PREV_DATA;
    j->rprev.off = off;
    memcpy(j->rprev.nonce, out + p - NX_RESERVE_BYTES, CV_NONCE);
    return SQLITE_OK;
}
