/* core/util — small helpers with no policy: files, hex, errors. */
#ifndef NX_UTIL_H
#define NX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* snprintf into err (if non-NULL); always returns -1 so callers can
 * `return nx_err(err, len, "...")`. */
int nx_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mkdir -p with mode 0700 for every directory it creates; existing
 * directories are left as they are. */
int nx_mkdir_p(const char *path, char *err, size_t errlen);
/* Writes data to path atomically: temp file 0600 in the same directory,
 * write, fsync, rename over path, fsync the directory. */
int nx_write_atomic(const char *path, const void *data, size_t len,
                    char *err, size_t errlen);
/* Reads a whole (small) file; *out is malloc'd and NUL-terminated. */
int nx_read_file(const char *path, size_t maxlen, char **out, size_t *len,
                 char *err, size_t errlen);
int nx_path_join(char *out, size_t outlen, const char *a, const char *b);

void nx_hex_encode(const unsigned char *in, size_t n, char *out /* 2n+1 */);
/* Strict: exactly 2n lowercase/uppercase hex digits. 0 ok, -1 bad. */
int  nx_hex_decode(const char *in, unsigned char *out, size_t n);

int64_t nx_now(void);   /* unix seconds */

/* src into dst (size bytes), cut to size - 1 bytes and NUL-terminated:
 * snprintf(dst, size, "%s", src) without its formatting, ~10 times faster
 * (a pull copies eight columns of each of 100 000 items). NULL copies "";
 * size 0 writes nothing. Returns the bytes copied. */
size_t nx_strcut(char *dst, size_t size, const char *src);

/* Zeroes the stack below the caller's frame, where the functions it just
 * called kept their locals: call it after work on patient values that went
 * through small stack buffers (validators, normalizers), so none of them
 * outlives the call in dead stack memory. */
void nx_stack_scrub(void);

/* A block of at least need bytes holding the first used bytes of old,
 * for buffers that may hold secrets: its capacity (*cap, or first when
 * *cap is 0) is doubled until it fits, the bytes are copied, and old (of
 * *cap bytes) is wiped and freed, never realloc()ed, which would leave them
 * in freed memory. *cap is updated. NULL out of memory or when the size
 * would overflow: old and *cap are then as they were. */
void *nx_regrow_wiped(void *old, size_t used, size_t *cap, size_t need, size_t first);

#endif
