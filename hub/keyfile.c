/* hub/keyfile — the hub key: 32 random bytes that key the central store's
 * encrypting VFS and the hub's audit chain (through crypto_kdf subkeys).
 *
 * The file lives apart from the store (default "DIR.key", beside DIR) so a
 * backup of DIR carries no key. init writes it as 64 hex digits and a
 * newline, mode 0600, never over an existing file; open accepts that or 32
 * raw bytes, and refuses a file that group or others may access or that is
 * not a regular file (a key the whole host can read protects nothing). The
 * key is held only in sodium_malloc'd memory; every stack copy is wiped. */
#include "hub/store_int.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nx_hub_key_path(const char *dir, const char *key_file, char *out, size_t outlen)
{
    if (key_file) {
        if (!*key_file || strlen(key_file) >= outlen)
            return -1;
        snprintf(out, outlen, "%s", key_file);
        return 0;
    }
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || (n == 1 && dir[0] == '/') || n + 5 > outlen)
        return -1;
    memcpy(out, dir, n);
    memcpy(out + n, ".key", 5);
    return 0;
}

int nx_hub_key_create(const char *path, nx_secret *key, char *err, size_t errlen)
{
    if (nx_secret_alloc(key, NX_KEY_BYTES) != 0)
        return nx_err(err, errlen, "out of secure memory");
    randombytes_buf(key->bytes, key->len);
    char hex[2 * NX_KEY_BYTES + 2];
    nx_hex_encode(key->bytes, key->len, hex);
    hex[2 * NX_KEY_BYTES] = '\n';
    hex[2 * NX_KEY_BYTES + 1] = '\0';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        sodium_memzero(hex, sizeof hex);
        nx_secret_free(key);
        if (e == EEXIST)
            return nx_err(err, errlen, "%s: a key file already exists (never overwritten)", path);
        return nx_err(err, errlen, "%s: cannot create the key file: %s", path, strerror(e));
    }
    size_t len = 2 * NX_KEY_BYTES + 1;
    ssize_t w = write(fd, hex, len);
    sodium_memzero(hex, sizeof hex);
    int bad = w != (ssize_t)len || fchmod(fd, 0600) != 0 || fsync(fd) != 0;
    int e = errno;
    if (close(fd) != 0)
        bad = 1;
    if (bad) {
        unlink(path);
        nx_secret_free(key);
        return nx_err(err, errlen, "%s: cannot write the key file: %s", path, strerror(e));
    }
    return 0;
}

int nx_hub_key_read(const char *path, nx_secret *key, char *err, size_t errlen)
{
    memset(key, 0, sizeof *key);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return nx_err(err, errlen, "%s: cannot open the key file: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return nx_err(err, errlen, "%s: the key file is not a regular file", path);
    }
    if (st.st_mode & 0077) {
        close(fd);
        return nx_err(err, errlen, "%s: the key file may be read by group or others "
                      "(mode %03o): run 'chmod 600 %s'", path, (unsigned)(st.st_mode & 0777), path);
    }
    unsigned char buf[2 * NX_KEY_BYTES + 3];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    int rc = -1;
    if (n == NX_KEY_BYTES || n == 2 * NX_KEY_BYTES ||
        (n == 2 * NX_KEY_BYTES + 1 && buf[2 * NX_KEY_BYTES] == '\n')) {
        if (nx_secret_alloc(key, NX_KEY_BYTES) != 0) {
            sodium_memzero(buf, sizeof buf);
            return nx_err(err, errlen, "out of secure memory");
        }
        if (n == NX_KEY_BYTES) {
            memcpy(key->bytes, buf, NX_KEY_BYTES);
            rc = 0;
        } else {
            char hex[2 * NX_KEY_BYTES + 1];
            memcpy(hex, buf, 2 * NX_KEY_BYTES);
            hex[2 * NX_KEY_BYTES] = '\0';
            rc = nx_hex_decode(hex, key->bytes, NX_KEY_BYTES);
            sodium_memzero(hex, sizeof hex);
        }
        if (rc != 0)
            nx_secret_free(key);
    }
    sodium_memzero(buf, sizeof buf);
    if (rc != 0)
        return nx_err(err, errlen, "%s: not a hub key file (32 bytes, or 64 hex digits)", path);
    return 0;
}

int nx_hub_subkey(const nx_secret *key, uint64_t id, nx_secret *out)
{
    if (nx_secret_alloc(out, NX_KEY_BYTES) != 0)
        return -1;
    if (crypto_kdf_derive_from_key(out->bytes, out->len, id, "nexushub", key->bytes) != 0) {
        nx_secret_free(out);
        return -1;
    }
    return 0;
}
