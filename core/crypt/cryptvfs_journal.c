/* The rollback journal through the encrypting VFS.
 *
 * A journal is not a sequence of pages: a header (one 512-byte sector, more
 * at sector boundaries after cache spills) then records of
 *   4-byte page number | page data (P bytes) | 4-byte checksum.
 * SQLite writes a header in pieces of at most min(P, sector) = 512 bytes
 * (the sector is 512 because the VFS reports POWERSAFE_OVERWRITE) and touches
 * the page numbers, checksums and header fields with 1-12 byte I/O, while a
 * record's data is always exactly P >= 1024 bytes. So a P-byte write or read
 * is record data and everything else is structure, kept in the clear.
 *
 * Record data is sealed like a page with AD = database file id, 'J', page
 * number, offset of the data in the journal: it cannot be moved within the
 * journal, to another journal or into the database.
 *
 * The checksum after each record is SQLite's seed (from the segment's
 * header) plus a sum of plaintext bytes, so it is stored masked with key
 * stream bound to the record's nonce. On reading, it is also recomputed: a
 * mismatch would make SQLite take the record for the torn end of the journal
 * and stop a hot rollback half way, silently. With synchronous FULL, SQLite
 * syncs records before it writes the header's record count, so every record
 * a rollback reads was written whole: a bad tag or checksum is tampering.
 *
 * Writes are held back and passed to the base file together (JRNL_WB
 * bytes at a time, or before the journal is synced, sized, truncated,
 * closed, controlled or read): SQLite writes each record as three writes,
 * and a change round of 1 000 items journals ~8 600 pages, ~26 000 system
 * calls. Nothing relies on a journal write before its sync: SQLite syncs
 * the journal before it writes the database (synchronous NORMAL or
 * stronger, the only settings the VFS allows), and a crash before that
 * sync leaves the database as it was, whatever part of the journal had
 * reached the disk.
 *
 * A persistent journal (journal_mode PERSIST: the header zeroed at commit,
 * the file kept, so that the next transaction overwrites blocks the file
 * already has instead of allocating them again) keeps older transactions'
 * records past the end of the current one. SQLite never reads them in a
 * hot rollback (every segment's record count is synced before the
 * database is written; a stale header after the last segment is zeroed
 * before that), but when it rolls back its own transaction it counts the
 * last segment's records from the file's size, and the first stale one
 * would fail the checksum check above. So a handle reports as the size
 * the extent of the journal it began (its first header written at offset
 * 0) up to a header of zeros written there again (the commit), and the
 * file's size otherwise (a hot journal left by a crash is sized by its
 * headers); and each header written clears an older one right after it
 * (clear_stale_header). */
#include "crypt/cryptvfs_int.h"

#include <sodium.h>
#include <string.h>

#define HDR_SEED_AT 12    /* header: magic(8) nRec(4) seed(4) dbSize(4) ... */

#define JRNL_WB (128 * 1024)

int cv_jrnl_flush(cv_file *j)
{
    if (j->wb_len == 0)
        return SQLITE_OK;
    if (atomic_load(&j->v->poisoned)) {
        /* After tampering was seen nothing more reaches the disk. */
        j->wb_len = 0;
        return SQLITE_IOERR_WRITE;
    }
    int rc = j->real->pMethods->xWrite(j->real, j->wb, j->wb_len, j->wb_off);
    j->wb_len = 0;
    return rc;
}

void cv_jrnl_free(cv_file *j)
{
    sqlite3_free(j->wb);
    j->wb = NULL;
    j->wb_len = j->wb_cap = 0;
}

static int base_read(cv_file *f, void *buf, int amt, sqlite3_int64 off)
{
    int rc = cv_jrnl_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xRead(f->real, buf, amt, off);
}

/* Held back while the writes follow each other; a write elsewhere (a
 * header's record count) passes what is held first. */
static int base_write(cv_file *j, const void *buf, int amt, sqlite3_int64 off)
{
    if (j->wb_len > 0 && (off != j->wb_off + j->wb_len || j->wb_len + amt > j->wb_cap)) {
        int rc = cv_jrnl_flush(j);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (!j->wb && amt <= JRNL_WB) {
        j->wb = sqlite3_malloc(JRNL_WB);
        j->wb_cap = j->wb ? JRNL_WB : 0;
    }
    if (amt > j->wb_cap)
        return j->real->pMethods->xWrite(j->real, buf, amt, off);
    if (j->wb_len == 0)
        j->wb_off = off;
    memcpy(j->wb + j->wb_len, buf, (size_t)amt);
    j->wb_len += amt;
    return SQLITE_OK;
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

/* ---- headers and checksum seeds ------------------------------------------------------- */
/* A header at off replaces whatever this handle knew at or after it. */
static void hdr_seen(cv_file *j, sqlite3_int64 off, uint32_t seed)
{
    while (j->nhdrs > 0 && j->hdrs[j->nhdrs - 1].off >= off)
        j->nhdrs--;
    if (j->nhdrs == j->hdrs_cap) {
        int cap = j->hdrs_cap ? 2 * j->hdrs_cap : 8;
        cv_hdr *n = sqlite3_realloc(j->hdrs, cap * (int)sizeof *n);
        if (!n)
            return;   /* the checksum check is skipped, not failed */
        j->hdrs = n;
        j->hdrs_cap = cap;
    }
    j->hdrs[j->nhdrs].off = off;
    j->hdrs[j->nhdrs].seed = seed;
    j->nhdrs++;
}

/* The seed of the segment holding data at off: the last header before it. */
static int hdr_seed(const cv_file *j, sqlite3_int64 off, uint32_t *seed)
{
    for (int i = j->nhdrs - 1; i >= 0; i--) {
        if (j->hdrs[i].off < off) {
            *seed = j->hdrs[i].seed;
            return 1;
        }
    }
    return 0;
}

void cv_jrnl_truncated(cv_file *j, sqlite3_int64 size)
{
    j->rprev.kind = j->wprev.kind = CV_PREV_NONE;
    if (j->extent > size)
        j->extent = size;
    while (j->nhdrs > 0 && j->hdrs[j->nhdrs - 1].off >= size)
        j->nhdrs--;
}

/* SQLite's pager_cksum() without the seed. */
static uint32_t sample_sum(const unsigned char *data, uint32_t pgsz)
{
    uint32_t sum = 0;
    for (int i = (int)pgsz - 200; i > 0; i -= 200)
        sum += data[i];
    return sum;
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

/* ---- writes ------------------------------------------------------------------------------ */
static const unsigned char jrnl_magic[8] = { 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };

/* A header SQLite would read after the one just written if this segment
 * were cut before its first record reached the file: in a persistent
 * journal, an older transaction's may lie there. Its first byte is zeroed,
 * as SQLite zeroes the one after a segment it syncs (pager.c syncJournal);
 * the segment's first record overwrites the place anyway. */
static int clear_stale_header(cv_file *j, sqlite3_int64 at)
{
    unsigned char m[sizeof jrnl_magic];
    int rc = base_read(j, m, (int)sizeof m, at);
    if (rc == SQLITE_IOERR_SHORT_READ)
        return SQLITE_OK;
    if (rc != SQLITE_OK || memcmp(m, jrnl_magic, sizeof m) != 0)
        return rc;
    static const unsigned char zero = 0;
    return base_write(j, &zero, 1, at);
}

static int jrnl_write(cv_file *j, const void *buf, int amt, sqlite3_int64 off);

int cv_jrnl_write(cv_file *j, const void *buf, int amt, sqlite3_int64 off)
{
    int rc = jrnl_write(j, buf, amt, off);
    if (rc != SQLITE_OK || amt <= 0)
        return rc;
    if (off % CV_SECTOR == 0 && amt >= (int)sizeof jrnl_magic &&
        memcmp(buf, jrnl_magic, sizeof jrnl_magic) == 0 &&
        (rc = clear_stale_header(j, off + CV_SECTOR)) != SQLITE_OK)
        return rc;
    if (off == 0) {
        /* a header begins this handle's journal; zeros end it */
        const unsigned char *b = buf;
        int zeros = 1;
        for (int i = 0; i < amt && zeros; i++)
            zeros = b[i] == 0;
        j->extent_on = !zeros;
        j->extent = 0;
    }
    if (j->extent_on && off + amt > j->extent)
        j->extent = off + amt;
    return SQLITE_OK;
}

int cv_jrnl_size(cv_file *j, sqlite3_int64 *size)
{
    int rc = cv_jrnl_flush(j);
    if (rc != SQLITE_OK)
        return rc;
    if (j->extent_on) {
        *size = j->extent;
        return SQLITE_OK;
    }
    return j->real->pMethods->xFileSize(j->real, size);
}

static int jrnl_write(cv_file *j, const void *buf, int amt, sqlite3_int64 off)
{
    const unsigned char *in = buf;
    cv_prev prev = j->wprev;
    j->wprev.kind = CV_PREV_NONE;
    if (amt == 4 && prev.kind == CV_PREV_DATA && off == prev.off + j->pgsz) {
        unsigned char m[4];
        cv_mask(j->v, prev.nonce, m);
        for (int i = 0; i < 4; i++)
            m[i] ^= in[i];
        return base_write(j, m, 4, off);
    }
    if (is_structure(amt, off)) {
        if (amt == 4) {
            j->wprev.kind = CV_PREV_FOUR;
            j->wprev.off = off;
            j->wprev.value = cv_be32(in);
        } else if (amt >= HDR_SEED_AT + 4 && off % CV_SECTOR == 0) {
            hdr_seen(j, off, cv_be32(in + HDR_SEED_AT));
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
    rc = cv_seal(j, c, p, 0, ad, adlen) == 0 ? base_write(j, c, (int)p, off)
                                               : SQLITE_IOERR_WRITE;
    if (rc == SQLITE_OK) {
        j->wprev.kind = CV_PREV_DATA;
        j->wprev.off = off;
        memcpy(j->wprev.nonce, c + p - NX_RESERVE_BYTES, CV_NONCE);
    }
    sodium_memzero(c, p);
    return rc;
}

/* ---- reads -------------------------------------------------------------------------------- */
static int read_checksum(cv_file *j, const cv_prev *rec, unsigned char *out)
{
    unsigned char m[4];
    cv_mask(j->v, rec->nonce, m);
    for (int i = 0; i < 4; i++)
        out[i] ^= m[i];
    uint32_t seed;
    if (hdr_seed(j, rec->off, &seed) && cv_be32(out) != seed + rec->sum) {
        memset(out, 0, 4);
        cv_fail(j->v, rec->pgno, "journal record checksum does not match");
        return SQLITE_IOERR_DATA;
    }
    return SQLITE_OK;
}

static int read_structure(cv_file *j, const cv_prev *prev, unsigned char *out, int amt,
                          sqlite3_int64 off)
{
    int rc = base_read(j, out, amt, off);
    if (rc != SQLITE_OK || amt != 4)
        return rc;
    if (prev->kind == CV_PREV_DATA && off == prev->off + j->pgsz)
        return read_checksum(j, prev, out);
    /* A header is read as record count, seed, size: 4 bytes each. */
    if (prev->kind == CV_PREV_FOUR && prev->off == off - 4 &&
        (off - HDR_SEED_AT) % CV_SECTOR == 0)
        hdr_seen(j, off - HDR_SEED_AT, cv_be32(out));
    j->rprev.kind = CV_PREV_FOUR;
    j->rprev.off = off;
    j->rprev.value = cv_be32(out);
    return SQLITE_OK;
}

int cv_jrnl_read(cv_file *j, void *buf, int amt, sqlite3_int64 off)
{
    cv_prev prev = j->rprev;
    j->rprev.kind = CV_PREV_NONE;
    unsigned char *out = buf;
    if (is_structure(amt, off) || (amt > 0 && amt <= 8))
        return read_structure(j, &prev, out, amt, off);

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
    if (cv_unseal(j, out, p, 0, ad, adlen) != 0) {
        memset(buf, 0, p);
        cv_fail(j->v, pgno, "journal record authentication failed");
        return SQLITE_IOERR_DATA;
    }
    j->rprev.kind = CV_PREV_DATA;
    j->rprev.off = off;
    j->rprev.pgno = pgno;
    j->rprev.sum = sample_sum(out, p);
    memcpy(j->rprev.nonce, out + p - NX_RESERVE_BYTES, CV_NONCE);
    return SQLITE_OK;
}
