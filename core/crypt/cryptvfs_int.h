/* core/crypt — internals shared by the encrypting VFS's files:
 * cryptvfs.c (instance, VFS and io-method plumbing), cryptvfs_seal.c (nonces,
 * sealing, failure record), cryptvfs_db.c (database pages and page 1),
 * cryptvfs_verify.c (nexus verify) and cryptvfs_journal.c (rollback journal).
 * Nothing outside core/crypt includes this. */
#ifndef NX_CRYPTVFS_INT_H
#define NX_CRYPTVFS_INT_H

#include "crypt/crypt.h"

#include <pthread.h>
#include <stdatomic.h>

#define CV_NONCE 24
#define CV_TAG 16
#define CV_MIN_PAGE 1024          /* 512-byte pages leave < 480 usable bytes */
#define CV_MAX_PAGE 65536
#define CV_SECTOR 512             /* journal sector under POWERSAFE_OVERWRITE */
#define CV_AD_MAX 64

typedef struct cv_file cv_file;

struct nx_cryptvfs {
    sqlite3_vfs vfs;              /* registered; pAppData points back here */
    sqlite3_vfs *base;
    char name[40];
    unsigned char *keys;          /* sodium_malloc: page key || mask key */
    pthread_mutex_t mu;           /* guards dbs, every handle's meta, failure */
    cv_file *dbs;                 /* open main-database handles */
    atomic_int poisoned;
    uint32_t failed_page;
    char why[160];
    atomic_uint_fast64_t sealed;
};

#define CV_PAGE_KEY(v) ((v)->keys)
#define CV_MASK_KEY(v) ((v)->keys + NX_KEY_BYTES)

/* The previous journal operation of one direction: SQLite writes and reads a
 * record as page number, data, checksum with nothing in between, so the op
 * just before a data op names its page and the op just after is its checksum. */
enum { CV_PREV_NONE, CV_PREV_FOUR, CV_PREV_DATA };
typedef struct cv_prev {
    int kind;
    sqlite3_int64 off;
    uint32_t value;               /* FOUR: the 4 bytes, big-endian */
    uint32_t pgno, sum;           /* DATA read: page, SQLite's checksum sum */
    unsigned char nonce[CV_NONCE];/* DATA: the record's nonce */
} cv_prev;

/* A journal header seen by this handle and its checksum seed. */
typedef struct cv_hdr {
    sqlite3_int64 off;
    uint32_t seed;
} cv_hdr;

struct cv_file {
    sqlite3_file base;            /* pMethods */
    sqlite3_file *real;           /* the base VFS's file, right after us */
    nx_cryptvfs *v;
    int kind;                     /* 'D' database, 'J' journal */
    char *dbname;                 /* the database path (journal: its db's) */
    cv_file *next;                /* in v->dbs */
    int lock;                     /* database: SQLITE_LOCK_* held */
    /* meta: written only under v->mu so a journal may copy a db's */
    uint32_t pgsz;
    int have_id;
    unsigned char id[NX_FILE_ID_BYTES];
    struct nx_aead *aead;         /* this handle's AEAD (aead.h), at first use */
    int aead_tried;
    unsigned char *scratch;       /* pgsz bytes */
    uint32_t scratch_len;
    /* database: decrypted page 1 for SQLite's small header reads */
    unsigned char *p1;
    uint32_t p1_len;
    int p1_valid;
    unsigned char p1_nonce[CV_NONCE];
    /* database: a file size past page 1's page count whose extra pages were
     * found authentic, and that count */
    sqlite3_int64 tail_ok_size;
    uint32_t tail_ok_count;
    /* database: page 1 was read at a transaction's start and the file size
     * is still to be checked against it (at SQLite's xFileSize, which
     * follows, or else before the next page is read or written) */
    int size_due;
    /* journal */
    cv_prev rprev, wprev;
    cv_hdr *hdrs;                 /* ascending offsets */
    int nhdrs, hdrs_cap;
    /* journal: what was written and not yet passed to the base file, bytes
     * exactly as they go to disk (records sealed), from wb_off on */
    unsigned char *wb;
    int wb_len, wb_cap;
    sqlite3_int64 wb_off;
    /* journal: the extent of the journal this handle began (a header
     * written at offset 0), reported as its size: a persistent journal
     * keeps older transactions' records past it (cv_jrnl_size) */
    int extent_on;
    sqlite3_int64 extent;
};

/* cryptvfs_seal.c */
void cv_nonce_init(void);
size_t cv_ad(unsigned char ad[CV_AD_MAX], const unsigned char id[NX_FILE_ID_BYTES],
             int kind, uint32_t pgno, const unsigned char *hdr8, sqlite3_int64 joff);
/* Seal: 0, or -1 when the page could not be sealed (aead.h): not to be
 * written. Unseal: 0 authentic, -1 not (the sealed bytes are then zeroed). */
int  cv_seal(cv_file *f, unsigned char *page, uint32_t pgsz, uint32_t from,
             const unsigned char *ad, size_t adlen);
int  cv_unseal(cv_file *f, unsigned char *page, uint32_t pgsz, uint32_t from,
               const unsigned char *ad, size_t adlen);
void cv_mask(nx_cryptvfs *v, const unsigned char nonce[CV_NONCE], unsigned char m[4]);
void cv_fail(nx_cryptvfs *v, uint32_t page, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int  cv_scratch(cv_file *f, uint32_t len);
void cv_set_meta(cv_file *f, uint32_t pgsz, const unsigned char *id);
int  cv_valid_pgsz(uint32_t p);
uint32_t cv_be32(const unsigned char *p);
void cv_put_be32(unsigned char *p, uint32_t x);

/* cryptvfs_db.c */
int cv_db_read(cv_file *f, void *buf, int amt, sqlite3_int64 off);
int cv_db_write(cv_file *f, const void *buf, int amt, sqlite3_int64 off);
int cv_db_truncate(cv_file *f, sqlite3_int64 size);
/* xFileSize: the size, checked against page 1 when a transaction starts. */
int cv_db_file_size(cv_file *f, sqlite3_int64 *size);
/* Refuses pragmas that would write plaintext or unauthenticated bytes.
 * Returns SQLITE_NOTFOUND to let the pragma proceed. */
int cv_db_pragma(cv_file *f, char **args);
/* Authenticates every page and the file size (nexus verify). */
int cv_db_verify_pages(cv_file *f);

/* cryptvfs_journal.c */
int cv_jrnl_read(cv_file *f, void *buf, int amt, sqlite3_int64 off);
int cv_jrnl_write(cv_file *f, const void *buf, int amt, sqlite3_int64 off);
void cv_jrnl_truncated(cv_file *f, sqlite3_int64 size);
/* Passes what the journal holds back to the base file: before its sync,
 * size, truncation, close, a file control, and every read. 0 or an
 * SQLite error code. */
int cv_jrnl_flush(cv_file *f);
void cv_jrnl_free(cv_file *f);
/* xFileSize of a journal: the extent of the journal this handle began, or
 * the file's size (0 or an SQLite error code). */
int cv_jrnl_size(cv_file *f, sqlite3_int64 *size);

#endif
