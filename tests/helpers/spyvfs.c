/* tests/helpers — spyvfs: see spyvfs.h. The shape follows SQLite's
 * ext/misc/cksumvfs.c: our sqlite3_file header followed by the real file. */
#include "spyvfs.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

typedef struct spy_marker {
    char label[48];
    unsigned char *bytes;
    size_t len;
    uint64_t hits;
} spy_marker;

typedef struct spy_file {
    sqlite3_file base;
    sqlite3_file *real;              /* follows this struct in the same block */
    char name[512];
} spy_file;

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *under;
    char name[64];
    int registered;
    spy_marker markers[SPYVFS_MAX_MARKERS];
    size_t nmarkers;
    uint64_t hits, writes, bytes;
    char first_hit[640];
    char *opened[SPYVFS_MAX_OPENS];
    int opened_flags[SPYVFS_MAX_OPENS];
    size_t nopened;
    int logfd;
} spy = { .logfd = -1 };

#define REAL(f) (((spy_file *)(f))->real)

static void spy_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void spy_log(const char *fmt, ...)
{
    if (spy.logfd < 0) return;
    char line[800];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
    /* One write per line: a SIGKILL cannot leave half of it behind in practice. */
    ssize_t w;
    do w = write(spy.logfd, line, (size_t)n); while (w < 0 && errno == EINTR);
}

int spyvfs_match(const void *buf, size_t len, size_t *off)
{
    for (size_t i = 0; i < spy.nmarkers; i++) {
        const spy_marker *m = &spy.markers[i];
        const unsigned char *p = memmem(buf, len, m->bytes, m->len);
        if (p) {
            if (off) *off = (size_t)(p - (const unsigned char *)buf);
            return (int)i;
        }
    }
    return -1;
}

/* Counts every marker present in one written buffer. */
static void spy_check(const spy_file *f, const void *buf, int amt, sqlite3_int64 ofs)
{
    spy.writes++;
    spy.bytes += (uint64_t)amt;
    for (size_t i = 0; i < spy.nmarkers; i++) {
        spy_marker *m = &spy.markers[i];
        const unsigned char *p = memmem(buf, (size_t)amt, m->bytes, m->len);
        if (!p) continue;
        long long at = (long long)ofs + (long long)(p - (const unsigned char *)buf);
        m->hits++;
        if (spy.hits++ == 0)
            snprintf(spy.first_hit, sizeof spy.first_hit, "%s in %s at offset %lld",
                     m->label, f->name, at);
        spy_log("hit %s %s %lld\n", m->label, f->name, at);
    }
}

/* ---- io methods: pass-through, xWrite checked ------------------------------ */
static int spy_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods->xClose(REAL(f));
    f->pMethods = NULL;
    return rc;
}
static int spy_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 ofs)
{ return REAL(f)->pMethods->xRead(REAL(f), buf, amt, ofs); }
static int spy_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 ofs)
{
    spy_check((const spy_file *)f, buf, amt, ofs);
    return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, ofs);
}
static int spy_truncate(sqlite3_file *f, sqlite3_int64 size)
{ return REAL(f)->pMethods->xTruncate(REAL(f), size); }
static int spy_sync(sqlite3_file *f, int flags)
{ return REAL(f)->pMethods->xSync(REAL(f), flags); }
static int spy_file_size(sqlite3_file *f, sqlite3_int64 *size)
{ return REAL(f)->pMethods->xFileSize(REAL(f), size); }
static int spy_lock(sqlite3_file *f, int lk)
{ return REAL(f)->pMethods->xLock(REAL(f), lk); }
static int spy_unlock(sqlite3_file *f, int lk)
{ return REAL(f)->pMethods->xUnlock(REAL(f), lk); }
static int spy_check_reserved(sqlite3_file *f, int *out)
{ return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }
static int spy_file_control(sqlite3_file *f, int op, void *arg)
{
    int rc = REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
    if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
        *(char **)arg = sqlite3_mprintf("%s/%z", spy.name, *(char **)arg);
    }
    return rc;
}
static int spy_sector_size(sqlite3_file *f)
{ return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int spy_device_chars(sqlite3_file *f)
{ return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int spy_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{ return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp); }
static int spy_shm_lock(sqlite3_file *f, int ofs, int n, int flags)
{ return REAL(f)->pMethods->xShmLock(REAL(f), ofs, n, flags); }
static void spy_shm_barrier(sqlite3_file *f)
{ REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int spy_shm_unmap(sqlite3_file *f, int del)
{ return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int spy_fetch(sqlite3_file *f, sqlite3_int64 ofs, int amt, void **pp)
{ return REAL(f)->pMethods->xFetch(REAL(f), ofs, amt, pp); }
static int spy_unfetch(sqlite3_file *f, sqlite3_int64 ofs, void *p)
{ return REAL(f)->pMethods->xUnfetch(REAL(f), ofs, p); }

static const sqlite3_io_methods spy_io = {
    3, spy_close, spy_read, spy_write, spy_truncate, spy_sync, spy_file_size,
    spy_lock, spy_unlock, spy_check_reserved, spy_file_control, spy_sector_size,
    spy_device_chars, spy_shm_map, spy_shm_lock, spy_shm_barrier, spy_shm_unmap,
    spy_fetch, spy_unfetch,
};

/* ---- vfs methods ------------------------------------------------------------ */
static int spy_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
                    int flags, int *out_flags)
{
    (void)vfs;
    spy_file *f = (spy_file *)file;
    f->real = (sqlite3_file *)&f[1];
    snprintf(f->name, sizeof f->name, "%s", name ? name : SPYVFS_NAMELESS);
    if (spy.nopened < SPYVFS_MAX_OPENS) {
        char *copy = strdup(f->name);
        if (copy) {
            spy.opened_flags[spy.nopened] = flags;
            spy.opened[spy.nopened++] = copy;
        }
    }
    /* Logged before the real open: even a child killed right here is seen. */
    spy_log("open 0x%x %s\n", (unsigned)flags, f->name);
    int rc = spy.under->xOpen(spy.under, name, f->real, flags, out_flags);
    file->pMethods = f->real->pMethods ? &spy_io : NULL;
    return rc;
}
static int spy_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{ (void)vfs; return spy.under->xDelete(spy.under, name, sync_dir); }
static int spy_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{ (void)vfs; return spy.under->xAccess(spy.under, name, flags, out); }
static int spy_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{ (void)vfs; return spy.under->xFullPathname(spy.under, name, n, out); }
static void *spy_dlopen(sqlite3_vfs *vfs, const char *path)
{ (void)vfs; return spy.under->xDlOpen(spy.under, path); }
static void spy_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{ (void)vfs; spy.under->xDlError(spy.under, n, msg); }
static void (*spy_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{ (void)vfs; return spy.under->xDlSym(spy.under, h, sym); }
static void spy_dlclose(sqlite3_vfs *vfs, void *h)
{ (void)vfs; spy.under->xDlClose(spy.under, h); }
static int spy_randomness(sqlite3_vfs *vfs, int n, char *out)
{ (void)vfs; return spy.under->xRandomness(spy.under, n, out); }
static int spy_sleep(sqlite3_vfs *vfs, int us)
{ (void)vfs; return spy.under->xSleep(spy.under, us); }
static int spy_current_time(sqlite3_vfs *vfs, double *t)
{ (void)vfs; return spy.under->xCurrentTime(spy.under, t); }
static int spy_last_error(sqlite3_vfs *vfs, int n, char *msg)
{ (void)vfs; return spy.under->xGetLastError(spy.under, n, msg); }
static int spy_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{ (void)vfs; return spy.under->xCurrentTimeInt64(spy.under, t); }
static int spy_set_syscall(sqlite3_vfs *vfs, const char *n, sqlite3_syscall_ptr p)
{ (void)vfs; return spy.under->xSetSystemCall(spy.under, n, p); }
static sqlite3_syscall_ptr spy_get_syscall(sqlite3_vfs *vfs, const char *n)
{ (void)vfs; return spy.under->xGetSystemCall(spy.under, n); }
static const char *spy_next_syscall(sqlite3_vfs *vfs, const char *n)
{ (void)vfs; return spy.under->xNextSystemCall(spy.under, n); }

int spyvfs_register(const char *name)
{
    if (spy.registered) return strcmp(spy.name, name) == 0 ? 0 : -1;
    if (strlen(name) >= sizeof spy.name) return -1;
    spy.under = sqlite3_vfs_find("unix");
    if (!spy.under || spy.under->iVersion < 3) return -1;
    snprintf(spy.name, sizeof spy.name, "%s", name);
    sqlite3_vfs *v = &spy.vfs;
    v->iVersion = 3;
    v->szOsFile = (int)sizeof(spy_file) + spy.under->szOsFile;
    v->mxPathname = spy.under->mxPathname;
    v->zName = spy.name;
    v->xOpen = spy_open;
    v->xDelete = spy_delete;
    v->xAccess = spy_access;
    v->xFullPathname = spy_full_pathname;
    v->xDlOpen = spy_dlopen;
    v->xDlError = spy_dlerror;
    v->xDlSym = spy_dlsym;
    v->xDlClose = spy_dlclose;
    v->xRandomness = spy_randomness;
    v->xSleep = spy_sleep;
    v->xCurrentTime = spy_current_time;
    v->xGetLastError = spy_last_error;
    v->xCurrentTimeInt64 = spy_current_time64;
    v->xSetSystemCall = spy_set_syscall;
    v->xGetSystemCall = spy_get_syscall;
    v->xNextSystemCall = spy_next_syscall;
    if (sqlite3_vfs_register(v, 0) != SQLITE_OK) return -1;
    spy.registered = 1;
    return 0;
}

int spyvfs_add_marker(const char *label, const void *bytes, size_t len)
{
    if (spy.nmarkers >= SPYVFS_MAX_MARKERS || len == 0) return -1;
    spy_marker *m = &spy.markers[spy.nmarkers];
    m->bytes = malloc(len);
    if (!m->bytes) return -1;
    memcpy(m->bytes, bytes, len);
    m->len = len;
    m->hits = 0;
    snprintf(m->label, sizeof m->label, "%s", label);
    spy.nmarkers++;
    return 0;
}

void spyvfs_clear_markers(void)
{
    for (size_t i = 0; i < spy.nmarkers; i++) free(spy.markers[i].bytes);
    memset(spy.markers, 0, sizeof spy.markers);
    spy.nmarkers = 0;
}

size_t spyvfs_nmarkers(void) { return spy.nmarkers; }
const char *spyvfs_marker_label(size_t i)
{ return i < spy.nmarkers ? spy.markers[i].label : ""; }

void spyvfs_reset(void)
{
    for (size_t i = 0; i < spy.nmarkers; i++) spy.markers[i].hits = 0;
    for (size_t i = 0; i < spy.nopened; i++) free(spy.opened[i]);
    spy.nopened = 0;
    spy.hits = spy.writes = spy.bytes = 0;
    spy.first_hit[0] = 0;
}

uint64_t spyvfs_hits(void) { return spy.hits; }
uint64_t spyvfs_marker_hits(size_t i) { return i < spy.nmarkers ? spy.markers[i].hits : 0; }
uint64_t spyvfs_writes(void) { return spy.writes; }
uint64_t spyvfs_bytes_written(void) { return spy.bytes; }
const char *spyvfs_first_hit(void) { return spy.first_hit; }
size_t spyvfs_nopened(void) { return spy.nopened; }
const char *spyvfs_opened(size_t i, int *flags)
{
    if (i >= spy.nopened) return NULL;
    if (flags) *flags = spy.opened_flags[i];
    return spy.opened[i];
}

int spyvfs_set_log(const char *path)
{
    if (spy.logfd >= 0) { close(spy.logfd); spy.logfd = -1; }
    if (!path) return 0;
    spy.logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    return spy.logfd < 0 ? -1 : 0;
}
