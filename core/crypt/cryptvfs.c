/* The encrypting VFS: a shim over a base VFS ("unix") in the pattern of
 * SQLite's ext/misc/cksumvfs.c. This file holds the instance and the
 * plumbing; what a page or journal record looks like on disk is in
 * cryptvfs_db.c and cryptvfs_journal.c, the crypto in cryptvfs_seal.c.
 *
 * Only the main database and its rollback journal may be opened: every temp,
 * sub-journal, super-journal, WAL or nameless file is refused before the base
 * VFS sees it, so it is never created and never holds plaintext. */
#include "crypt/cryptvfs_int.h"
#include "crypt/aead.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KDF_CONTEXT "nxvfs___"
#define SUBKEY_PAGE 1
#define SUBKEY_MASK 2

static atomic_uint vfs_serial;   /* names instances nxcrypt-1, nxcrypt-2, ... */

/* ---- io methods ----------------------------------------------------------------- */
#define CVF(f) ((cv_file *)(f))
#define REAL(f) (CVF(f)->real)
#define POISONED(f) atomic_load(&CVF(f)->v->poisoned)

static void wipe_free(unsigned char **p, size_t len)
{
    if (*p) {
        sodium_memzero(*p, len);
        sqlite3_free(*p);
        *p = NULL;
    }
}

static int cv_close(sqlite3_file *file)
{
    cv_file *f = CVF(file);
    int frc = f->kind == 'J' && !atomic_load(&f->v->poisoned) ? cv_jrnl_flush(f) : SQLITE_OK;
    cv_jrnl_free(f);
    if (f->kind == 'D') {
        pthread_mutex_lock(&f->v->mu);
        for (cv_file **pp = &f->v->dbs; *pp; pp = &(*pp)->next) {
            if (*pp == f) {
                *pp = f->next;
                break;
            }
        }
        pthread_mutex_unlock(&f->v->mu);
    }
    wipe_free(&f->scratch, f->scratch_len);
    wipe_free(&f->p1, f->p1_len);
    nx_aead_free(f->aead);
    f->aead = NULL;
    sqlite3_free(f->hdrs);
    f->hdrs = NULL;
    sqlite3_free(f->dbname);
    f->dbname = NULL;
    int rc = f->real->pMethods->xClose(f->real);
    file->pMethods = NULL;
    return frc != SQLITE_OK ? frc : rc;
}

static int cv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    if (CVF(f)->kind == 'D')
        return cv_db_read(CVF(f), buf, amt, off);
    return cv_jrnl_read(CVF(f), buf, amt, off);
}

static int cv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    if (POISONED(f))
        return SQLITE_IOERR_WRITE;
    if (CVF(f)->kind == 'D')
        return cv_db_write(CVF(f), buf, amt, off);
    return cv_jrnl_write(CVF(f), buf, amt, off);
}

static int cv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (POISONED(f))
        return SQLITE_IOERR_TRUNCATE;
    if (CVF(f)->kind == 'D')
        return cv_db_truncate(CVF(f), size);
    int rc = cv_jrnl_flush(CVF(f));
    if (rc != SQLITE_OK)
        return rc;
    cv_jrnl_truncated(CVF(f), size);
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int cv_sync(sqlite3_file *f, int flags)
{
    if (POISONED(f))
        return SQLITE_IOERR_FSYNC;
    if (CVF(f)->kind == 'J') {
        int rc = cv_jrnl_flush(CVF(f));
        if (rc != SQLITE_OK)
            return rc;
    }
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int cv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    if (CVF(f)->kind == 'D')
        return cv_db_file_size(CVF(f), size);
    return cv_jrnl_size(CVF(f), size);
}

/* The lock level tells cryptvfs_db.c whether what it reads can be trusted
 * to be a consistent state (see db_strict there). */
static int cv_lock(sqlite3_file *f, int lk)
{
    int rc = REAL(f)->pMethods->xLock(REAL(f), lk);
    if (rc == SQLITE_OK)
        CVF(f)->lock = lk;
    return rc;
}

static int cv_unlock(sqlite3_file *f, int lk)
{
    int rc = REAL(f)->pMethods->xUnlock(REAL(f), lk);
    if (rc == SQLITE_OK)
        CVF(f)->lock = lk;
    return rc;
}

static int cv_check_reserved(sqlite3_file *f, int *out)
{ return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }

static int cv_file_control(sqlite3_file *f, int op, void *arg)
{
    if (CVF(f)->kind == 'J') {
        int rc = cv_jrnl_flush(CVF(f));
        if (rc != SQLITE_OK)
            return rc;
    }
    switch (op) {
    case SQLITE_FCNTL_MMAP_SIZE:
        /* Memory-mapped pages would be ciphertext read past xRead. */
        *(sqlite3_int64 *)arg = 0;
        return SQLITE_OK;
    case SQLITE_FCNTL_CHUNK_SIZE:
    case SQLITE_FCNTL_SIZE_HINT:
        /* Preallocation leaves zero-filled tails that no tag covers. */
        return SQLITE_OK;
    case SQLITE_FCNTL_PRAGMA:
        if (CVF(f)->kind == 'D') {
            int rc = cv_db_pragma(CVF(f), (char **)arg);
            if (rc != SQLITE_NOTFOUND)
                return rc;
        }
        break;
    case SQLITE_FCNTL_VFSNAME: {
        int rc = REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
        if (rc == SQLITE_OK)
            *(char **)arg = sqlite3_mprintf("%s/%z", CVF(f)->v->name, *(char **)arg);
        return rc;
    }
    default:
        break;
    }
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int cv_sector_size(sqlite3_file *f)
{ return REAL(f)->pMethods->xSectorSize(REAL(f)); }

/* POWERSAFE_OVERWRITE fixes SQLite's journal sector at 512 bytes, which keeps
 * journal headers (<= 512-byte writes) apart from page records (page-size
 * writes). The atomic / safe-append / sequential claims would let SQLite skip
 * the journal or its syncs, which the crash analysis in cryptvfs_journal.c
 * relies on; sub-page reads would bypass page authentication. */
static int cv_device_chars(sqlite3_file *f)
{
    int dc = REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
    dc &= ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K |
            SQLITE_IOCAP_ATOMIC2K | SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K |
            SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K | SQLITE_IOCAP_ATOMIC64K |
            SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_BATCH_ATOMIC);
#ifdef SQLITE_IOCAP_SUBPAGE_READ
    dc &= ~SQLITE_IOCAP_SUBPAGE_READ;
#endif
    return dc | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static int cv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{ return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp); }
static int cv_shm_lock(sqlite3_file *f, int ofs, int n, int flags)
{ return REAL(f)->pMethods->xShmLock(REAL(f), ofs, n, flags); }
static void cv_shm_barrier(sqlite3_file *f)
{ REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int cv_shm_unmap(sqlite3_file *f, int del)
{ return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }

/* Mapped pages would be ciphertext: NULL makes SQLite fall back to xRead. */
static int cv_fetch(sqlite3_file *f, sqlite3_int64 ofs, int amt, void **pp)
{
    (void)f; (void)ofs; (void)amt;
    *pp = NULL;
    return SQLITE_OK;
}

static int cv_unfetch(sqlite3_file *f, sqlite3_int64 ofs, void *p)
{
    (void)f; (void)ofs; (void)p;
    return SQLITE_OK;
}

static const sqlite3_io_methods cv_io = {
    3, cv_close, cv_read, cv_write, cv_truncate, cv_sync, cv_file_size,
    cv_lock, cv_unlock, cv_check_reserved, cv_file_control, cv_sector_size,
    cv_device_chars, cv_shm_map, cv_shm_lock, cv_shm_barrier, cv_shm_unmap,
    cv_fetch, cv_unfetch,
};

/* ---- vfs methods ---------------------------------------------------------------- */
#define VFS(p) ((nx_cryptvfs *)(p)->pAppData)
#define BASE(p) (VFS(p)->base)
#define JOURNAL_SUFFIX "-journal"

static int cv_open(sqlite3_vfs *pv, sqlite3_filename name, sqlite3_file *file,
                   int flags, int *out_flags)
{
    nx_cryptvfs *v = VFS(pv);
    cv_file *f = CVF(file);
    memset(f, 0, sizeof *f);
    int type = flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TRANSIENT_DB |
                        SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_TEMP_JOURNAL |
                        SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL);
    if (!name || (flags & SQLITE_OPEN_DELETEONCLOSE) ||
        (type != SQLITE_OPEN_MAIN_DB && type != SQLITE_OPEN_MAIN_JOURNAL))
        return SQLITE_CANTOPEN;

    /* After tampering was seen nothing may be created or rolled back. */
    if (atomic_load(&v->poisoned)) {
        int exists = 0;
        if (type == SQLITE_OPEN_MAIN_JOURNAL)
            return SQLITE_CANTOPEN;
        if ((flags & SQLITE_OPEN_CREATE) &&
            (v->base->xAccess(v->base, name, SQLITE_ACCESS_EXISTS, &exists) != SQLITE_OK ||
             !exists))
            return SQLITE_CANTOPEN;
    }

    size_t n = strlen(name);
    if (type == SQLITE_OPEN_MAIN_JOURNAL) {
        size_t sl = strlen(JOURNAL_SUFFIX);
        if (n <= sl || strcmp(name + n - sl, JOURNAL_SUFFIX) != 0)
            return SQLITE_CANTOPEN;
        n -= sl;
    }
    f->dbname = sqlite3_malloc((int)n + 1);
    if (!f->dbname)
        return SQLITE_NOMEM;
    memcpy(f->dbname, name, n);
    f->dbname[n] = '\0';
    f->v = v;
    f->kind = type == SQLITE_OPEN_MAIN_DB ? 'D' : 'J';

    if (f->kind == 'J') {
        /* A journal without its database handle could not know the file id. */
        int found = 0;
        pthread_mutex_lock(&v->mu);
        for (cv_file *d = v->dbs; d && !found; d = d->next)
            found = strcmp(d->dbname, f->dbname) == 0;
        pthread_mutex_unlock(&v->mu);
        if (!found) {
            sqlite3_free(f->dbname);
            f->dbname = NULL;
            return SQLITE_CANTOPEN;
        }
    }

    f->real = (sqlite3_file *)&f[1];
    int rc = v->base->xOpen(v->base, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        sqlite3_free(f->dbname);
        f->dbname = NULL;
        return rc;
    }
    if (f->kind == 'D') {
        pthread_mutex_lock(&v->mu);
        f->next = v->dbs;
        v->dbs = f;
        pthread_mutex_unlock(&v->mu);
    }
    file->pMethods = &cv_io;
    return SQLITE_OK;
}

/* Deleting the journal after tampering was seen would throw away the only
 * copy of the pages a rollback needs. */
static int cv_delete(sqlite3_vfs *pv, const char *name, int sync_dir)
{
    if (atomic_load(&VFS(pv)->poisoned))
        return SQLITE_IOERR_DELETE;
    return BASE(pv)->xDelete(BASE(pv), name, sync_dir);
}
static int cv_access(sqlite3_vfs *pv, const char *name, int flags, int *out)
{ return BASE(pv)->xAccess(BASE(pv), name, flags, out); }
static int cv_full_pathname(sqlite3_vfs *pv, const char *name, int n, char *out)
{ return BASE(pv)->xFullPathname(BASE(pv), name, n, out); }
static void *cv_dlopen(sqlite3_vfs *pv, const char *path)
{ return BASE(pv)->xDlOpen(BASE(pv), path); }
static void cv_dlerror(sqlite3_vfs *pv, int n, char *msg)
{ BASE(pv)->xDlError(BASE(pv), n, msg); }
static void (*cv_dlsym(sqlite3_vfs *pv, void *h, const char *sym))(void)
{ return BASE(pv)->xDlSym(BASE(pv), h, sym); }
static void cv_dlclose(sqlite3_vfs *pv, void *h)
{ BASE(pv)->xDlClose(BASE(pv), h); }
static int cv_randomness(sqlite3_vfs *pv, int n, char *out)
{ return BASE(pv)->xRandomness(BASE(pv), n, out); }
static int cv_sleep(sqlite3_vfs *pv, int us)
{ return BASE(pv)->xSleep(BASE(pv), us); }
static int cv_current_time(sqlite3_vfs *pv, double *t)
{ return BASE(pv)->xCurrentTime(BASE(pv), t); }
static int cv_last_error(sqlite3_vfs *pv, int n, char *msg)
{ return BASE(pv)->xGetLastError ? BASE(pv)->xGetLastError(BASE(pv), n, msg) : 0; }
static int cv_current_time64(sqlite3_vfs *pv, sqlite3_int64 *t)
{ return BASE(pv)->xCurrentTimeInt64(BASE(pv), t); }
static int cv_set_syscall(sqlite3_vfs *pv, const char *n, sqlite3_syscall_ptr p)
{ return BASE(pv)->xSetSystemCall(BASE(pv), n, p); }
static sqlite3_syscall_ptr cv_get_syscall(sqlite3_vfs *pv, const char *n)
{ return BASE(pv)->xGetSystemCall(BASE(pv), n); }
static const char *cv_next_syscall(sqlite3_vfs *pv, const char *n)
{ return BASE(pv)->xNextSystemCall(BASE(pv), n); }

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* ---- public ---------------------------------------------------------------------- */
nx_cryptvfs *nx_cryptvfs_new(const unsigned char key[NX_KEY_BYTES],
                             const char *base_vfs, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        set_err(err, errlen, "libsodium failed to initialise");
        return NULL;
    }
    cv_nonce_init();
    sqlite3_vfs *base = sqlite3_vfs_find(base_vfs ? base_vfs : "unix");
    if (!base || base->iVersion < 3) {
        set_err(err, errlen, "the base SQLite VFS is missing or too old");
        return NULL;
    }
    nx_cryptvfs *v = calloc(1, sizeof *v);
    if (!v || pthread_mutex_init(&v->mu, NULL) != 0) {
        free(v);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    v->keys = sodium_malloc(2 * NX_KEY_BYTES);
    if (!v->keys) {
        pthread_mutex_destroy(&v->mu);
        free(v);
        set_err(err, errlen, "out of guarded memory");
        return NULL;
    }
    crypto_kdf_derive_from_key(CV_PAGE_KEY(v), NX_KEY_BYTES, SUBKEY_PAGE, KDF_CONTEXT, key);
    crypto_kdf_derive_from_key(CV_MASK_KEY(v), NX_KEY_BYTES, SUBKEY_MASK, KDF_CONTEXT, key);
    sodium_mprotect_readonly(v->keys);
    snprintf(v->name, sizeof v->name, "nxcrypt-%u", atomic_fetch_add(&vfs_serial, 1) + 1);
    v->base = base;

    sqlite3_vfs *p = &v->vfs;
    p->iVersion = 3;
    p->szOsFile = (int)sizeof(cv_file) + base->szOsFile;
    p->mxPathname = base->mxPathname;
    p->zName = v->name;
    p->pAppData = v;
    p->xOpen = cv_open;
    p->xDelete = cv_delete;
    p->xAccess = cv_access;
    p->xFullPathname = cv_full_pathname;
    p->xDlOpen = cv_dlopen;
    p->xDlError = cv_dlerror;
    p->xDlSym = cv_dlsym;
    p->xDlClose = cv_dlclose;
    p->xRandomness = cv_randomness;
    p->xSleep = cv_sleep;
    p->xCurrentTime = cv_current_time;
    p->xGetLastError = cv_last_error;
    p->xCurrentTimeInt64 = cv_current_time64;
    p->xSetSystemCall = cv_set_syscall;
    p->xGetSystemCall = cv_get_syscall;
    p->xNextSystemCall = cv_next_syscall;
    if (sqlite3_vfs_register(p, 0) != SQLITE_OK) {
        set_err(err, errlen, "cannot register the encrypting VFS");
        sodium_free(v->keys);
        pthread_mutex_destroy(&v->mu);
        free(v);
        return NULL;
    }
    return v;
}

const char *nx_cryptvfs_name(const nx_cryptvfs *v) { return v->name; }

void nx_cryptvfs_free(nx_cryptvfs *v)
{
    if (!v)
        return;
    sqlite3_vfs_unregister(&v->vfs);
    sodium_free(v->keys);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

int nx_cryptvfs_failure(const nx_cryptvfs *v, uint32_t *failed_page, char *why, size_t whylen)
{
    nx_cryptvfs *m = (nx_cryptvfs *)v;   /* the mutex, not the state, is mutated */
    pthread_mutex_lock(&m->mu);
    int bad = atomic_load(&m->poisoned);
    if (failed_page)
        *failed_page = bad ? m->failed_page : 0;
    if (why && whylen)
        snprintf(why, whylen, "%s", bad ? m->why : "");
    pthread_mutex_unlock(&m->mu);
    return bad;
}

uint64_t nx_cryptvfs_pages_sealed(const nx_cryptvfs *v)
{
    return atomic_load(&((nx_cryptvfs *)v)->sealed);
}
