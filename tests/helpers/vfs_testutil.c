/* tests/helpers — vfs_testutil: see vfs_testutil.h. */
#include "tests/helpers/vfs_testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- environment ------------------------------------------------------------------ */
int vt_env_init(vt_env *e, const char *tag, const char *base_vfs)
{
    memset(e, 0, sizeof *e);
    const char *root = getenv("NX_TEST_TMP");
    if (!root || !*root)
        root = getenv("TMPDIR");
    if (!root || !*root)
        root = "/tmp";
    if (snprintf(e->dir, sizeof e->dir, "%s/cv-%s-XXXXXX", root, tag) >= (int)sizeof e->dir ||
        !mkdtemp(e->dir)) {
        snprintf(e->err, sizeof e->err, "mkdtemp under %s failed", root);
        return -1;
    }
    /* As the programs do: hardening and SQLite's zeroing allocator before
     * anything reaches SQLite. */
    if (nx_crypt_init() != 0) {
        snprintf(e->err, sizeof e->err, "nx_crypt_init failed (SQLite used before it?)");
        return -1;
    }
    randombytes_buf(e->key, sizeof e->key);
    e->vfs = nx_cryptvfs_new(e->key, base_vfs, e->err, sizeof e->err);
    return e->vfs ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st; (void)type; (void)ftw;
    return remove(path);
}

void vt_env_done(vt_env *e)
{
    if (e->vfs)
        nx_cryptvfs_free(e->vfs);
    e->vfs = NULL;
    if (e->dir[0])
        nftw(e->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    sodium_memzero(e->key, sizeof e->key);
}

const char *vt_path(const vt_env *e, const char *name, char *out, size_t outlen)
{
    static char bufs[4][1024];
    static unsigned next;
    if (!out) {
        out = bufs[next++ % 4];
        outlen = sizeof bufs[0];
    }
    snprintf(out, outlen, "%s/%s", e->dir, name);
    return out;
}

/* ---- connections --------------------------------------------------------------------- */
int vt_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int vt_harden(sqlite3 *db)
{
    long long pages = 0;
    int rc = vt_query_int(db, "PRAGMA page_count", &pages);
    if (rc != SQLITE_OK)
        return rc;
    if (pages == 0) {
        /* Only a new file can take the reserve; SQLite applies it at the
         * first write. */
        int n = NX_RESERVE_BYTES;
        rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &n);
        if (rc == SQLITE_OK)
            rc = vt_exec(db, "PRAGMA page_size=4096");
        if (rc != SQLITE_OK)
            return rc;
    }
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    rc = vt_exec(db, "PRAGMA temp_store=MEMORY");
    if (rc == SQLITE_OK)
        rc = vt_exec(db, "PRAGMA journal_mode=TRUNCATE");
    if (rc == SQLITE_OK)
        rc = vt_exec(db, "PRAGMA synchronous=FULL");
    if (rc == SQLITE_OK)
        sqlite3_busy_timeout(db, 5000);
    return rc;
}

int vt_open(nx_cryptvfs *vfs, const char *path, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             nx_cryptvfs_name(vfs));
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(*db, 1);
        rc = vt_harden(*db);
    }
    return rc;
}

int vt_query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_EMPTY;
    }
    sqlite3_finalize(st);
    return rc;
}

int vt_integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return 0;
    int ok = sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return ok;
}

static void row_name(int id, int ver, char *out, size_t n)
{
    snprintf(out, n, VT_ROW_MARKER "%06d-v%03d", id, ver);
}

static size_t row_body(int id, int ver, unsigned char *out, size_t cap)
{
    size_t len = id % 17 == 0 ? 6000 + (size_t)(id * 31 % 3000)
                              : 40 + (size_t)((id * 7 + ver * 13) % 400);
    uint32_t x = (uint32_t)id * 2654435761u ^ (uint32_t)ver * 40503u;
    if (len > cap)
        len = cap;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        out[i] = (unsigned char)(x >> 16);
    }
    return len;
}

#define BODY_MAX 10000

int vt_row_put(sqlite3 *db, int id, int ver)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t(id, name, body) VALUES(?,?,?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    char name[64];
    unsigned char *body = malloc(BODY_MAX);
    if (!body) {
        sqlite3_finalize(st);
        return SQLITE_NOMEM;
    }
    row_name(id, ver, name, sizeof name);
    size_t len = row_body(id, ver, body, BODY_MAX);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, body, (int)len, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(body);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int vt_rows_check(sqlite3 *db, const int *ver, int n, int *scan_rc)
{
    sqlite3_stmt *st = NULL;
    *scan_rc = sqlite3_prepare_v2(db, "SELECT id, name, body FROM t ORDER BY id", -1, &st, NULL);
    if (*scan_rc != SQLITE_OK)
        return 0;
    unsigned char *body = malloc(BODY_MAX);
    int bad = 0, next = 1, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        for (; next < id && next <= n; next++)
            bad += ver[next] != 0;             /* skipped rows the model has */
        next = id + 1;
        if (id < 1 || id > n || ver[id] == 0) {
            bad++;
            continue;
        }
        char name[64];
        row_name(id, ver[id], name, sizeof name);
        size_t len = row_body(id, ver[id], body, BODY_MAX);
        const char *got = (const char *)sqlite3_column_text(st, 1);
        const void *gb = sqlite3_column_blob(st, 2);
        if (!got || strcmp(got, name) != 0 || (size_t)sqlite3_column_bytes(st, 2) != len ||
            !gb || memcmp(gb, body, len) != 0)
            bad++;
    }
    if (rc == SQLITE_DONE)
        for (; next <= n; next++)
            bad += ver[next] != 0;
    *scan_rc = rc;
    sqlite3_finalize(st);
    free(body);
    return bad;
}

int vt_make_hot_journal(nx_cryptvfs *vfs, const char *path, const char *sql)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        sqlite3 *db = NULL;
        if (vt_open(vfs, path, &db) == SQLITE_OK &&
            vt_exec(db, "PRAGMA cache_size=10") == SQLITE_OK &&
            vt_exec(db, "BEGIN") == SQLITE_OK && vt_exec(db, sql) == SQLITE_OK)
            kill(getpid(), SIGKILL);
        _exit(3);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
        return -1;
    char jpath[1100];
    unsigned char first = 0;
    snprintf(jpath, sizeof jpath, "%s-journal", path);
    if (vt_pread(jpath, 0, &first, 1) != 0 || first == 0)
        return -1;
    return 0;
}

/* ---- files ---------------------------------------------------------------------------- */
long long vt_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int vt_read_file(const char *path, unsigned char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    long long n = vt_file_size(path);
    if (n < 0)
        return -1;
    unsigned char *b = malloc((size_t)n + 1);
    if (!b)
        return -1;
    if (n > 0 && vt_pread(path, 0, b, (size_t)n) != 0) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = (size_t)n;
    return 0;
}

int vt_write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return close(fd);
}

int vt_copy_file(const char *from, const char *to)
{
    unsigned char *b;
    size_t n;
    if (vt_read_file(from, &b, &n) != 0)
        return -1;
    int rc = vt_write_file(to, b, n);
    free(b);
    return rc;
}

int vt_file_hash(const char *path, unsigned char out[32])
{
    memset(out, 0, 32);
    unsigned char *b;
    size_t n;
    if (vt_read_file(path, &b, &n) != 0)
        return -1;
    crypto_generichash(out, 32, b, n, NULL, 0);
    free(b);
    return 0;
}

int vt_pread(const char *path, long long off, void *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = pread(fd, buf, n, (off_t)off);
    close(fd);
    return r == (ssize_t)n ? 0 : -1;
}

int vt_pwrite(const char *path, long long off, const void *buf, size_t n)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t w = pwrite(fd, buf, n, (off_t)off);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

int vt_truncate(const char *path, long long size)
{
    return truncate(path, (off_t)size);
}

int vt_flip_bit(const char *path, long long off, int bit)
{
    unsigned char c;
    if (vt_pread(path, off, &c, 1) != 0)
        return -1;
    c ^= (unsigned char)(1u << (bit & 7));
    return vt_pwrite(path, off, &c, 1);
}

int vt_file_contains(const char *path, const void *needle, size_t n)
{
    unsigned char *b;
    size_t len;
    if (vt_read_file(path, &b, &len) != 0)
        return -1;
    int found = memmem(b, len, needle, n) != NULL;
    free(b);
    return found;
}

int vt_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* ---- recording VFS ---------------------------------------------------------------------- */
typedef struct rec_file {
    sqlite3_file base;
    sqlite3_file *real;
    int flags;
    char name[512];
} rec_file;

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *under;
    int registered, skip_sync;
    vt_io_hook hook;
    void *ctx;
} rec;

#define RF(f) ((rec_file *)(f))
#define RREAL(f) (RF(f)->real)

static void rec_emit(sqlite3_file *f, int op, const void *buf, int amt, long long off)
{
    if (!rec.hook)
        return;
    vt_io io = { op, RF(f)->name, RF(f)->flags, buf, amt, off };
    rec.hook(rec.ctx, &io);
}

static int rec_close(sqlite3_file *f)
{
    int rc = RREAL(f)->pMethods->xClose(RREAL(f));
    f->pMethods = NULL;
    return rc;
}
static int rec_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 ofs)
{
    int rc = RREAL(f)->pMethods->xRead(RREAL(f), buf, amt, ofs);
    rec_emit(f, VT_IO_READ, buf, amt, ofs);
    return rc;
}
static int rec_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 ofs)
{
    rec_emit(f, VT_IO_WRITE, buf, amt, ofs);
    return RREAL(f)->pMethods->xWrite(RREAL(f), buf, amt, ofs);
}
static int rec_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    rec_emit(f, VT_IO_TRUNCATE, NULL, 0, size);
    return RREAL(f)->pMethods->xTruncate(RREAL(f), size);
}
static int rec_sync(sqlite3_file *f, int flags)
{
    rec_emit(f, VT_IO_SYNC, NULL, 0, 0);
    return rec.skip_sync ? SQLITE_OK : RREAL(f)->pMethods->xSync(RREAL(f), flags);
}
static int rec_file_size(sqlite3_file *f, sqlite3_int64 *size)
{ return RREAL(f)->pMethods->xFileSize(RREAL(f), size); }
static int rec_lock(sqlite3_file *f, int lk)
{ return RREAL(f)->pMethods->xLock(RREAL(f), lk); }
static int rec_unlock(sqlite3_file *f, int lk)
{ return RREAL(f)->pMethods->xUnlock(RREAL(f), lk); }
static int rec_check_reserved(sqlite3_file *f, int *out)
{ return RREAL(f)->pMethods->xCheckReservedLock(RREAL(f), out); }
static int rec_file_control(sqlite3_file *f, int op, void *arg)
{ return RREAL(f)->pMethods->xFileControl(RREAL(f), op, arg); }
static int rec_sector_size(sqlite3_file *f)
{ return RREAL(f)->pMethods->xSectorSize(RREAL(f)); }
static int rec_device_chars(sqlite3_file *f)
{ return RREAL(f)->pMethods->xDeviceCharacteristics(RREAL(f)); }
static int rec_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{ return RREAL(f)->pMethods->xShmMap(RREAL(f), pg, pgsz, extend, pp); }
static int rec_shm_lock(sqlite3_file *f, int ofs, int n, int flags)
{ return RREAL(f)->pMethods->xShmLock(RREAL(f), ofs, n, flags); }
static void rec_shm_barrier(sqlite3_file *f)
{ RREAL(f)->pMethods->xShmBarrier(RREAL(f)); }
static int rec_shm_unmap(sqlite3_file *f, int del)
{ return RREAL(f)->pMethods->xShmUnmap(RREAL(f), del); }
static int rec_fetch(sqlite3_file *f, sqlite3_int64 ofs, int amt, void **pp)
{ return RREAL(f)->pMethods->xFetch(RREAL(f), ofs, amt, pp); }
static int rec_unfetch(sqlite3_file *f, sqlite3_int64 ofs, void *p)
{ return RREAL(f)->pMethods->xUnfetch(RREAL(f), ofs, p); }

static const sqlite3_io_methods rec_io = {
    3, rec_close, rec_read, rec_write, rec_truncate, rec_sync, rec_file_size,
    rec_lock, rec_unlock, rec_check_reserved, rec_file_control, rec_sector_size,
    rec_device_chars, rec_shm_map, rec_shm_lock, rec_shm_barrier, rec_shm_unmap,
    rec_fetch, rec_unfetch,
};

static int rec_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
                    int flags, int *out_flags)
{
    (void)vfs;
    rec_file *f = RF(file);
    f->real = (sqlite3_file *)&f[1];
    f->flags = flags;
    snprintf(f->name, sizeof f->name, "%s", name ? name : "(nameless)");
    rec_emit(file, VT_IO_OPEN, NULL, 0, 0);
    int rc = rec.under->xOpen(rec.under, name, f->real, flags, out_flags);
    file->pMethods = f->real->pMethods ? &rec_io : NULL;
    return rc;
}

#define UNDER rec.under
static int rec_delete(sqlite3_vfs *v, const char *n, int s)
{ (void)v; return UNDER->xDelete(UNDER, n, s); }
static int rec_access(sqlite3_vfs *v, const char *n, int fl, int *o)
{ (void)v; return UNDER->xAccess(UNDER, n, fl, o); }
static int rec_full_pathname(sqlite3_vfs *v, const char *n, int l, char *o)
{ (void)v; return UNDER->xFullPathname(UNDER, n, l, o); }
static void *rec_dlopen(sqlite3_vfs *v, const char *p)
{ (void)v; return UNDER->xDlOpen(UNDER, p); }
static void rec_dlerror(sqlite3_vfs *v, int n, char *m)
{ (void)v; UNDER->xDlError(UNDER, n, m); }
static void (*rec_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{ (void)v; return UNDER->xDlSym(UNDER, h, s); }
static void rec_dlclose(sqlite3_vfs *v, void *h)
{ (void)v; UNDER->xDlClose(UNDER, h); }
static int rec_randomness(sqlite3_vfs *v, int n, char *o)
{ (void)v; return UNDER->xRandomness(UNDER, n, o); }
static int rec_sleep(sqlite3_vfs *v, int us)
{ (void)v; return UNDER->xSleep(UNDER, us); }
static int rec_current_time(sqlite3_vfs *v, double *t)
{ (void)v; return UNDER->xCurrentTime(UNDER, t); }
static int rec_last_error(sqlite3_vfs *v, int n, char *m)
{ (void)v; return UNDER->xGetLastError(UNDER, n, m); }
static int rec_current_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{ (void)v; return UNDER->xCurrentTimeInt64(UNDER, t); }
static int rec_set_syscall(sqlite3_vfs *v, const char *n, sqlite3_syscall_ptr p)
{ (void)v; return UNDER->xSetSystemCall(UNDER, n, p); }
static sqlite3_syscall_ptr rec_get_syscall(sqlite3_vfs *v, const char *n)
{ (void)v; return UNDER->xGetSystemCall(UNDER, n); }
static const char *rec_next_syscall(sqlite3_vfs *v, const char *n)
{ (void)v; return UNDER->xNextSystemCall(UNDER, n); }

int vt_rec_register(const char *under, int skip_sync)
{
    sqlite3_vfs *u = sqlite3_vfs_find(under ? under : "unix");
    rec.skip_sync = skip_sync;
    if (rec.registered)
        return u == rec.under ? 0 : -1;
    rec.under = u;
    if (!rec.under || rec.under->iVersion < 3)
        return -1;
    sqlite3_vfs *v = &rec.vfs;
    v->iVersion = 3;
    v->szOsFile = (int)sizeof(rec_file) + rec.under->szOsFile;
    v->mxPathname = rec.under->mxPathname;
    v->zName = VT_REC_VFS;
    v->xOpen = rec_open;
    v->xDelete = rec_delete;
    v->xAccess = rec_access;
    v->xFullPathname = rec_full_pathname;
    v->xDlOpen = rec_dlopen;
    v->xDlError = rec_dlerror;
    v->xDlSym = rec_dlsym;
    v->xDlClose = rec_dlclose;
    v->xRandomness = rec_randomness;
    v->xSleep = rec_sleep;
    v->xCurrentTime = rec_current_time;
    v->xGetLastError = rec_last_error;
    v->xCurrentTimeInt64 = rec_current_time64;
    v->xSetSystemCall = rec_set_syscall;
    v->xGetSystemCall = rec_get_syscall;
    v->xNextSystemCall = rec_next_syscall;
    if (sqlite3_vfs_register(v, 0) != SQLITE_OK)
        return -1;
    rec.registered = 1;
    return 0;
}

void vt_rec_set_hook(vt_io_hook hook, void *ctx)
{
    rec.hook = hook;
    rec.ctx = ctx;
}
