/* The unlock back-off file (guard.h says what it can and cannot protect).
 *
 * Format, one record, text, at most a few hundred bytes:
 *   nexus-unlock-backoff 1
 *   id <uuid>            random per record: what a settle notes in the cache
 *   failures <n>         since the last good unlock
 *   damaged <0|1>        1: an earlier file did not parse; count unknown
 *   times <t> <t> ...    unix seconds of the most recent min(n, 32), oldest first
 * Anything else (a missing line, a count that does not match, times out of
 * order, trailing bytes) is a damaged file. */
#include "profile/guard.h"
#include "store/rows.h"
#include "util/util.h"
#include "util/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "nexus-unlock-backoff 1"
#define FILE_MAX 4096
#define SETTLED_KEY "unlock_settled"

static int guard_path(const nx_profile *p, char *out, size_t len)
{
    return nx_path_join(out, len, p->dir, NX_GUARD_FILE);
}

/* The key file's read-modify-writes lock the profile directory (vault.c);
 * the back-off takes the same lock, so two nexus processes never lose a
 * failure, and never holds it while calling into the vault. */
static int lock_dir(const nx_profile *p, char *err, size_t errlen)
{
    int fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return nx_err(err, errlen, "%s: %s", p->dir, strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return nx_err(err, errlen, "%s: cannot lock: %s", p->dir, strerror(e));
        }
    }
    return fd;
}

static void fail_closed(nx_backoff *b, int64_t since)
{
    memset(b, 0, sizeof *b);
    b->failures = NX_BACKOFF_CAP_FAILURES;
    b->last_failure = since;
    b->damaged = 1;
}

/* Reads "key value" from *s (one line). 0 or -1. */
static int expect_line(const char **s, const char *key, char *val, size_t vallen)
{
    size_t k = strlen(key);
    if (strncmp(*s, key, k) != 0 || (*s)[k] != ' ')
        return -1;
    const char *v = *s + k + 1, *nl = strchr(v, '\n');
    if (!nl || (size_t)(nl - v) >= vallen)
        return -1;
    memcpy(val, v, (size_t)(nl - v));
    val[nl - v] = '\0';
    *s = nl + 1;
    return 0;
}

static int parse_i64(const char *s, char **end, int64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    long long v = strtoll(s, end, 10);
    if (errno)
        return -1;
    *out = v;
    return 0;
}

static int parse(const char *buf, nx_backoff *b)
{
    memset(b, 0, sizeof *b);
    const char *s = buf;
    char val[NX_BACKOFF_KEEP * 24];
    if (strncmp(s, MAGIC "\n", sizeof MAGIC) != 0)
        return -1;
    s += sizeof MAGIC;
    if (expect_line(&s, "id", val, sizeof val) || strlen(val) != NX_UUID_LEN)
        return -1;
    memcpy(b->id, val, NX_UUID_LEN + 1);
    for (const char *c = b->id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || *c == '-'))
            return -1;
    int64_t n, dmg;
    char *end;
    if (expect_line(&s, "failures", val, sizeof val) || parse_i64(val, &end, &n) || *end ||
        n < 1 || n > 1000000000)
        return -1;
    b->failures = (int)n;
    if (expect_line(&s, "damaged", val, sizeof val) || parse_i64(val, &end, &dmg) || *end ||
        dmg > 1)
        return -1;
    b->damaged = (int)dmg;
    /* "times" with its list; an empty list is written as "times " too. */
    if (expect_line(&s, "times", val, sizeof val) || *s != '\0')
        return -1;
    const char *t = val;
    while (*t) {
        int64_t v;
        if (b->ntimes == NX_BACKOFF_KEEP || parse_i64(t, &end, &v) ||
            (b->ntimes && v < b->times[b->ntimes - 1]))
            return -1;
        b->times[b->ntimes++] = v;
        t = end;
        if (*t == ' ')
            t++;
        else if (*t)
            return -1;
    }
    int want = b->failures < NX_BACKOFF_KEEP ? b->failures : NX_BACKOFF_KEEP;
    /* A record that was damaged once keeps only the times since. */
    if (b->damaged ? (b->ntimes > want || b->ntimes == 0) : b->ntimes != want)
        return -1;
    b->last_failure = b->times[b->ntimes - 1];
    return 0;
}

/* A file that cannot be read or parsed: the cap, counted from the file's
 * last write (so reloading it every second does not start the wait over),
 * or from now when even that is unknown. Returns 1 for nx_backoff_load. */
static int load_damaged(nx_backoff *b, int64_t since, char *err, size_t errlen,
                        const char *path, const char *why)
{
    fail_closed(b, since);
    nx_err(err, errlen, "%s %s: counting it as the longest back-off", path, why);
    return 1;
}

int nx_backoff_load(const nx_profile *p, nx_backoff *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    char path[NX_PATH_MAX + 32];
    if (guard_path(p, path, sizeof path))
        return load_damaged(b, nx_now(), err, errlen, p->dir, "is too long a path");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat st;
    if (fd < 0) {
        int known = lstat(path, &st) == 0;
        return load_damaged(b, known ? (int64_t)st.st_mtime : nx_now(), err, errlen, path,
                            "cannot be read");
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        return load_damaged(b, nx_now(), err, errlen, path, "cannot be read");
    }
    char buf[FILE_MAX + 1];
    ssize_t n = -1;
    if (S_ISREG(st.st_mode) && st.st_size <= FILE_MAX) {
        size_t got = 0;
        for (;;) {
            ssize_t r = read(fd, buf + got, (size_t)FILE_MAX - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                break;
            got += (size_t)r;
            if (r == 0 || got == (size_t)FILE_MAX) {
                n = (ssize_t)got;
                break;
            }
        }
    }
    close(fd);
    if (n >= 0) {
        buf[n] = '\0';
        if (strlen(buf) == (size_t)n && parse(buf, b) == 0)
            return 0;
    }
    return load_damaged(b, (int64_t)st.st_mtime, err, errlen, path, "is damaged");
}

static int64_t delay_of(int failures)
{
    if (failures <= 0)
        return 0;
    if (failures >= NX_BACKOFF_CAP_FAILURES)
        return NX_BACKOFF_CAP_SECONDS;
    int64_t d = (int64_t)1 << (failures - 1);
    return d < NX_BACKOFF_CAP_SECONDS ? d : NX_BACKOFF_CAP_SECONDS;
}

int64_t nx_backoff_wait(const nx_backoff *b, int64_t now)
{
    int64_t delay = delay_of(b->failures);
    if (delay == 0)
        return 0;
    int64_t left = b->last_failure + delay - now;
    if (left <= 0)
        return 0;
    if (left <= delay)
        return left;
    /* The clock is behind the last failure: set back. A little (less than
     * the delay): the whole delay. Further: no wait, or a lock screen
     * reading the wall clock would refuse the user for as long as the
     * clock was moved (someone who can set the clock can delete the file
     * anyway). */
    return left <= 2 * delay ? delay : 0;
}

static int store_record(const nx_profile *p, const nx_backoff *b, char *err, size_t errlen)
{
    char path[NX_PATH_MAX + 32];
    if (guard_path(p, path, sizeof path))
        return nx_err(err, errlen, "%s: path too long", p->dir);
    char buf[FILE_MAX];
    int len = snprintf(buf, sizeof buf, MAGIC "\nid %s\nfailures %d\ndamaged %d\ntimes ",
                       b->id, b->failures, b->damaged ? 1 : 0);
    for (int i = 0; i < b->ntimes && len > 0 && len < (int)sizeof buf; i++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%" PRId64, i ? " " : "",
                        b->times[i]);
    if (len <= 0 || len + 1 >= (int)sizeof buf)
        return nx_err(err, errlen, "%s: record too long", path);
    buf[len++] = '\n';
    return nx_write_atomic(path, buf, (size_t)len, err, errlen);
}

int nx_backoff_fail(const nx_profile *p, int64_t now, char *err, size_t errlen)
{
    int lock = lock_dir(p, err, errlen);
    if (lock < 0)
        return -1;
    nx_backoff b;
    char why[256];
    if (nx_backoff_load(p, &b, why, sizeof why) != 0 || !b.id[0]) {
        /* A new record, or one replacing a damaged file: a damaged one
         * stays marked, so the settle says failures were lost. */
        int damaged = b.damaged;
        int failures = b.failures;
        memset(&b, 0, sizeof b);
        b.damaged = damaged;
        b.failures = failures;
        nx_uuid4(b.id);
    }
    if (b.failures < 1000000000)
        b.failures++;
    if (b.ntimes == NX_BACKOFF_KEEP) {
        memmove(b.times, b.times + 1, (NX_BACKOFF_KEEP - 1) * sizeof b.times[0]);
        b.ntimes--;
    }
    /* Times stay in order even if the clock moved back. */
    if (b.ntimes && now < b.times[b.ntimes - 1])
        now = b.times[b.ntimes - 1];
    b.times[b.ntimes++] = now;
    b.last_failure = now;
    int rc = store_record(p, &b, err, errlen);
    close(lock);
    return rc;
}

/* ---- settling after a good unlock ------------------------------------------------- */

static int append_failed(nx_profile *p, int64_t at, const char *reason, char *err, size_t errlen)
{
    nx_audit_event e = { .action = NX_AUDIT_UNLOCK_FAILED, .outcome = NX_AUDIT_OUTCOME_FAILED,
                         .reason = reason, .at = at };
    return nx_audit_append(p->store, &p->audit, &e, err, errlen);
}

/* How many of b's failures an earlier settle already wrote (its id and
 * count in the meta table: a crash after that COMMIT and before the file
 * went away must not write them again). */
static int already_settled(nx_profile *p, const nx_backoff *b)
{
    char v[96], id[64];
    int n;
    if (!b->id[0] || nx_store_meta_get(p->store, SETTLED_KEY, v, sizeof v) != 1 ||
        sscanf(v, "%63s %d", id, &n) != 2 || strcmp(id, b->id) != 0 || n < 0)
        return 0;
    return n;
}

static int write_events(nx_profile *p, const nx_backoff *b, char *err, size_t errlen)
{
    int done = already_settled(p, b);
    int pending = b->failures - done;
    if (pending <= 0)
        return 0;
    int timed = pending < b->ntimes ? pending : b->ntimes;
    const int64_t *t = b->times + (b->ntimes - timed);
    char reason[160] = "";
    if (b->damaged && done == 0)
        snprintf(reason, sizeof reason, "the unlock back-off record was found damaged: "
                 "earlier failed attempts of unknown number and time");
    else if (pending > timed)
        snprintf(reason, sizeof reason, "%d earlier failed attempts whose times were not kept",
                 pending - timed);
    if (reason[0] && append_failed(p, timed ? t[0] : b->last_failure, reason, err, errlen))
        return -1;
    for (int i = 0; i < timed; i++)
        if (append_failed(p, t[i], NULL, err, errlen))
            return -1;
    if (b->id[0]) {
        char v[96];
        snprintf(v, sizeof v, "%s %d", b->id, b->failures);
        if (nx_store_meta_set(p->store, SETTLED_KEY, v) != 0)
            return nx_err(err, errlen, "cannot record the settled back-off: %s",
                          nx_store_errmsg(p->store));
    }
    return 0;
}

/* Removes the file if it is still the record that was settled. */
static int clear_record(nx_profile *p, const nx_backoff *settled, char *err, size_t errlen)
{
    int lock = lock_dir(p, err, errlen);
    if (lock < 0)
        return -1;
    nx_backoff now;
    char why[256];
    int damaged = nx_backoff_load(p, &now, why, sizeof why) != 0;
    int same = damaged ? (settled->damaged && !settled->id[0])
                       : (strcmp(now.id, settled->id) == 0 && now.failures == settled->failures);
    int rc = 0;
    char path[NX_PATH_MAX + 32];
    if (same && guard_path(p, path, sizeof path) == 0 && unlink(path) != 0 && errno != ENOENT)
        rc = nx_err(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
    if (same && rc == 0) {
        int dfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    close(lock);
    return rc;
}

int nx_backoff_settle(nx_profile *p, char *err, size_t errlen)
{
    if (!p->store)
        return nx_err(err, errlen, "the cache is not open");
    nx_backoff b;
    char why[256];
    (void)nx_backoff_load(p, &b, why, sizeof why);
    if (b.failures == 0 && !b.damaged)
        return 0;
    if (nx_store_begin(p->store) != 0)
        return nx_err(err, errlen, "cannot record failed unlocks: %s", nx_store_errmsg(p->store));
    if (write_events(p, &b, err, errlen) != 0) {
        nx_store_rollback(p->store);
        return -1;
    }
    if (nx_store_commit(p->store) != 0) {
        nx_err(err, errlen, "cannot record failed unlocks: %s", nx_store_errmsg(p->store));
        nx_store_rollback(p->store);
        return -1;
    }
    int rc = 0;
    if (nx_profile_audit_commit_head(p, err, errlen) != 0)
        rc = 1;
    char cerr[256];
    if (clear_record(p, &b, cerr, sizeof cerr) != 0) {
        if (rc == 0)
            nx_err(err, errlen, "%s", cerr);
        rc = 1;
    }
    return rc;
}
