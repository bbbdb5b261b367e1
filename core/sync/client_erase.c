/* Erasing a revoked profile (seed 001: access suspended at once; seed 000
 * §6.14). The wrapped data key goes first: once the key file is gone the
 * cache is ciphertext no passphrase opens, so a crash half-way through
 * still leaves nothing readable. Each file is overwritten with random
 * bytes and synced before it is unlinked (on a journaling or flash file
 * system this is best effort; the key file's loss is what counts), then
 * the directory is synced so the unlinks are durable. */
#include "sync/client_int.h"
#include "profile/guard.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Overwrites path with random bytes, syncs it, unlinks it. 0 (also when it
 * does not exist) or -1. */
static int shred(const char *path)
{
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : (unlink(path) == 0 || errno == ENOENT ? 0 : -1);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        unsigned char buf[4096];
        off_t left = st.st_size;
        while (left > 0) {
            size_t n = left < (off_t)sizeof buf ? (size_t)left : sizeof buf;
            randombytes_buf(buf, n);
            ssize_t w = write(fd, buf, n);
            if (w <= 0)
                break;
            left -= w;
        }
        (void)fsync(fd);
    }
    close(fd);
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int nx_sync_erase_profile(nx_profile *p, char *err, size_t errlen)
{
    /* Closing wipes the keys held in memory and stops SQLite writing. */
    nx_profile_close(p);
    if (shred(p->keyfile) != 0)
        return nx_err(err, errlen, "%s: cannot destroy the key file: %s", p->keyfile,
                      strerror(errno));
    sync_dir(p->dir);
    char path[NX_PATH_MAX + 32];
    const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
    int rc = 0;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", p->cache, suffixes[i]);
        if (shred(path) != 0 && rc == 0)
            rc = nx_err(err, errlen, "%s: cannot remove it: %s", path, strerror(errno));
    }
    if (nx_path_join(path, sizeof path, p->dir, NX_GUARD_FILE) == 0)
        (void)shred(path);
    sync_dir(p->dir);
    return rc;
}
