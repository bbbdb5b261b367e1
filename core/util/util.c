#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int nx_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int nx_mkdir_p(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return nx_err(err, errlen, "%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return nx_err(err, errlen, "%s: cannot create directory: %s", buf, strerror(errno));
        buf[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return nx_err(err, errlen, "%s: not a directory", path);
    return 0;
}

static int fsync_dir_of(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    int fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int nx_write_atomic(const char *path, const void *data, size_t len,
                    char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return nx_err(err, errlen, "%s: path too long", path);
    int fd = mkostemp(tmp, O_CLOEXEC);   /* mkstemp creates 0600 */
    if (fd < 0)
        return nx_err(err, errlen, "%s: cannot create temporary file: %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return nx_err(err, errlen, "%s: write failed: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fchmod(fd, 0600) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return nx_err(err, errlen, "%s: sync failed: %s", path, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return nx_err(err, errlen, "%s: rename failed: %s", path, strerror(e));
    }
    if (fsync_dir_of(path) != 0)
        return nx_err(err, errlen, "%s: directory sync failed: %s", path, strerror(errno));
    return 0;
}

int nx_read_file(const char *path, size_t maxlen, char **out, size_t *len,
                 char *err, size_t errlen)
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return nx_err(err, errlen, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return nx_err(err, errlen, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= maxlen) {
                free(buf);
                fclose(f);
                return nx_err(err, errlen, "%s: file too large", path);
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return nx_err(err, errlen, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || n > maxlen) {
        free(buf);
        return nx_err(err, errlen, "%s: %s", path, bad ? "read error" : "file too large");
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

int nx_path_join(char *out, size_t outlen, const char *a, const char *b)
{
    size_t la = strlen(a);
    int r = snprintf(out, outlen, "%s%s%s", a, (la && a[la - 1] == '/') ? "" : "/", b);
    return (r < 0 || (size_t)r >= outlen) ? -1 : 0;
}

size_t nx_strcut(char *dst, size_t size, const char *src)
{
    if (!size)
        return 0;
    size_t n = src ? strnlen(src, size - 1) : 0;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

void nx_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int nx_hex_decode(const char *in, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(in[2 * i]);
        int lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return in[2 * n] == '\0' ? 0 : -1;
}

int64_t nx_now(void)
{
    return (int64_t)time(NULL);
}

/* noinline: its frame must sit where the callees' frames were. 16 KiB
 * covers the deepest validation path with room to spare. */
__attribute__((noinline)) void nx_stack_scrub(void)
{
    /* A volatile word loop, not explicit_bzero: the buffer's address must
     * not escape to a call, or ASan (detect_stack_use_after_return) puts
     * it on its heap "fake stack" and the real stack is never scrubbed
     * (tests/unit/test_wipe.c found that). Words, not bytes: 8x fewer
     * stores (bytes cost a third of an import's CPU). */
    uint64_t buf[16384 / sizeof(uint64_t)];
    volatile uint64_t *p = buf;
    for (size_t i = 0; i < sizeof buf / sizeof buf[0]; i++)
        p[i] = 0;
    __asm__ volatile("" : : "r"(buf) : "memory");
}

void *nx_regrow_wiped(void *old, size_t used, size_t *cap, size_t need, size_t first)
{
    size_t nc = *cap ? *cap : (first ? first : 64);
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return NULL;
        nc *= 2;
    }
    unsigned char *p = malloc(nc);
    if (!p)
        return NULL;
    if (old) {
        if (used)
            memcpy(p, old, used);
        sodium_memzero(old, *cap);
        free(old);
    }
    *cap = nc;
    return p;
}
