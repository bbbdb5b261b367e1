/* tests/helpers — vfs_testutil: what the encrypting-VFS tests share.
 * A fresh temp dir with a random key and its own nx_cryptvfs; raw SQLite
 * connections through it with the cache's hardening applied; file surgery
 * for tamper tests; and a recording VFS to put under the encrypting one.
 *
 * No Criterion here (tests/progs link these helpers too): functions return
 * 0 / SQLITE_OK on success and the caller asserts. */
#ifndef NX_TEST_VFS_TESTUTIL_H
#define NX_TEST_VFS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "crypt/crypt.h"

typedef struct vt_env {
    char dir[512];
    unsigned char key[NX_KEY_BYTES];
    nx_cryptvfs *vfs;
    char err[256];
} vt_env;

/* nx_crypt_init (so call it before anything else touches SQLite), a temp
 * dir under $NX_TEST_TMP (else $TMPDIR, /tmp), a random key and a VFS over
 * base_vfs (NULL = "unix"). 0 ok, -1 with e->err filled. */
int  vt_env_init(vt_env *e, const char *tag, const char *base_vfs);
/* Frees the VFS (every connection closed first) and removes the dir. */
void vt_env_done(vt_env *e);
/* dir/name into out; with out NULL, into one of 4 rotating static buffers
 * (so two paths can be arguments of one call; not thread-safe). */
const char *vt_path(const vt_env *e, const char *name, char *out, size_t outlen);

/* Opens (creating) dir/name through vfs and applies vt_harden. */
int vt_open(nx_cryptvfs *vfs, const char *path, sqlite3 **db);
/* The cache's connection settings (mirrors nx_store_harden): 40 reserve
 * bytes on a new file, page_size 4096, temp_store MEMORY, journal TRUNCATE,
 * synchronous FULL, no ATTACH. Returns an SQLite code. */
int vt_harden(sqlite3 *db);

int vt_exec(sqlite3 *db, const char *sql);
/* First column of the first row as an integer; SQLITE_OK or the error. */
int vt_query_int(sqlite3 *db, const char *sql, long long *out);
/* 1 when PRAGMA integrity_check says "ok". */
int vt_integrity_ok(sqlite3 *db);

/* A deterministic table to check content against a model: row (id, ver)
 * has a name and a body derived from both; every 17th body spans overflow
 * pages. Names start with VT_ROW_MARKER, which must never reach the disk. */
#define VT_ROW_MARKER "nxrow-"
#define VT_TABLE_SQL "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, " \
                     "body BLOB NOT NULL); CREATE INDEX t_name ON t(name)"
int vt_row_put(sqlite3 *db, int id, int ver);       /* insert or replace */
/* Compares table t with ver[1..n] (0 = row absent). Returns how many rows
 * differ (missing, extra or wrong; a scan cut short by an error counts only
 * what it read) and stores the scan's last code (SQLITE_DONE when whole). */
int vt_rows_check(sqlite3 *db, const int *ver, int n, int *scan_rc);

/* Leaves a hot journal behind as a crash would: a forked child opens path
 * through vfs with a 10-page cache, runs sql inside BEGIN (big enough to
 * spill pages into the database file) and SIGKILLs itself before COMMIT.
 * 0 when it died that way leaving a journal SQLite will call hot. */
int vt_make_hot_journal(nx_cryptvfs *vfs, const char *path, const char *sql);

/* ---- files -------------------------------------------------------------------- */
long long vt_file_size(const char *path);                 /* -1 when missing */
int  vt_read_file(const char *path, unsigned char **buf, size_t *len);   /* malloc'd */
int  vt_write_file(const char *path, const void *buf, size_t len);
int  vt_copy_file(const char *from, const char *to);
/* BLAKE2b of the file; all zero bytes and -1 when it is missing. */
int  vt_file_hash(const char *path, unsigned char out[32]);
int  vt_flip_bit(const char *path, long long off, int bit);
int  vt_pread(const char *path, long long off, void *buf, size_t n);
int  vt_pwrite(const char *path, long long off, const void *buf, size_t n);
int  vt_truncate(const char *path, long long size);
/* 1 when the bytes occur in the file, 0 when not, -1 when unreadable. */
int  vt_file_contains(const char *path, const void *needle, size_t n);
/* Number of entries in dir (not counting . and ..). */
int  vt_count_entries(const char *dir);

/* ---- recording VFS ---------------------------------------------------------------
 * A pass-through VFS that calls a hook for every open, read, write and
 * truncate. Over "unix" and under the encrypting VFS it sees what reaches
 * the disk; over the encrypting VFS it sees what SQLite hands it. With
 * skip_sync, xSync does nothing: 100 000 commits then run in seconds; only
 * for tests that never crash on purpose. One per process. */
enum { VT_IO_OPEN, VT_IO_READ, VT_IO_WRITE, VT_IO_TRUNCATE, VT_IO_SYNC };
typedef struct vt_io {
    int op;
    const char *name;         /* "(nameless)" for a file without a name */
    int flags;                /* SQLITE_OPEN_* of the file */
    const unsigned char *buf; /* READ: what was read; WRITE: what is written */
    int amt;
    long long off;            /* TRUNCATE: the new size */
} vt_io;
typedef void (*vt_io_hook)(void *ctx, const vt_io *io);

#define VT_REC_VFS "vtrec"
/* Registers VT_REC_VFS over under (NULL = "unix"); again with the same
 * under only changes skip_sync. */
int  vt_rec_register(const char *under, int skip_sync);
void vt_rec_set_hook(vt_io_hook hook, void *ctx);

#endif
