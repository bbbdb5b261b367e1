/* tests/bench/sync_bench.c — the sync benchmark of issue 5 (`make bench`,
 * tests/bench/sync.sh formats what it prints).
 *
 * Everything runs over loopback SSH through a real OpenSSH sshd
 * (tests/helpers/sshd.c), against the release-built `nexus-hub serve` as
 * the forced command of each laptop's authorized_keys line, with the core
 * built as the release builds it. Times are taken inside this process with
 * CLOCK_MONOTONIC around the client's calls, after the caches are unlocked
 * (creating a profile runs the KDF; that is set-up, never timed).
 *
 * One run, in this order:
 *   set-up: sshd; a hub (`nexus-hub init`); `seed --synthetic N` items
 *     assigned to alice (team north) and N/10 to bob (team south); two
 *     laptop caches made in-process (nx_profile_create, the key generated
 *     inside the cache), registered with `nexus-hub user add`, whose
 *     forced-command line goes into authorized_keys; a plain ssh-keygen key
 *     for the bare `ssh ... true` baseline (a `restrict` line, no forced
 *     command);
 *   first:  alice's first sync of N items (a new syncer: handshake, HELLO,
 *     the whole pull), then bob's of N/10 (information);
 *   noop:   REPS times, alternating: bare `ssh -o KexAlgorithms=... true`
 *     (spawn to wait) and a round with nothing to do on a new connection
 *     (nx_syncer_new + round + nx_syncer_free: handshake, auth, exec,
 *     HELLO+PULL, END, BYE), both with curve25519-sha256 pinned; and the
 *     same round through the syncer's default transport (libssh's own key
 *     exchange preference, information);
 *   kept:   the same no-op round again on one kept-open session;
 *   huge:   BENCH_SYNC_HUGE (default 0: skipped) items seeded for carol
 *     (team east) and synced to a third laptop, after the rounds above;
 *   change: REPS times: 1 000 of alice's items changed on the hub (due
 *     moved, nx_hub_item_touch, in-process through hub.h), then one round on
 *     alice's kept-open session; the same for 1 000 of bob's items (a cache
 *     a tenth the size, same hub) and of carol's (ten times); and 100 of
 *     alice's items. For these and
 *     the first sync, the cache's page traffic too: pages the encrypting VFS
 *     sealed (written to the database or the journal) and page-cache misses
 *     (pages read and opened); and the CPU time of each side: the client's
 *     (this process) and the server's, split into the hub's `serve` and
 *     sshd's session processes (/proc schedstat of the listening sshd's
 *     descendants, read while the connection is open).
 *     Then the same again warm: each cache read whole first (PRAGMA
 *     quick_check through the syncer's connection), so the rounds read no
 *     page (cases *_warm). Then again after a save: before each round
 *     (not timed) a second connection to the same cache, as the screens
 *     have beside the background sync, commits a small write, which
 *     empties the syncer's page cache (cases *_after_save).
 *   after import: BENCH_SYNC_ITEMS items seeded for dora (another team),
 *     then one round of bob's on his kept-open session (it pulls nothing).
 *
 * BENCH_SYNC_PERF=PREFIX records the whole machine with perf (DWARF call
 * graphs) during alice's first sync (PREFIX.first) and the change rounds
 * (PREFIX.changes), for profiling the client, the hub and sshd together.
 *
 * The key exchange is pinned through nx_syncer_new_with (client_int.h): a
 * connect function that is transport_connect of client.c plus
 * nx_transport_opts.kex. nexus itself never pins it.
 *
 * Output: one record a line ("syncbench KEY=VALUE ..."), see sync.sh. */
#include "hub/hub.h"
#include "profile/profile.h"
#include "sync/client_int.h"
#include "sync/sync.h"
#include "sync/transport.h"
#include "tests/helpers/run.h"
#include "tests/helpers/sshd.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <sodium.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEX "curve25519-sha256"
#define PASS "Bench-Sync-Pass-1"

typedef struct {
    const char *hub;          /* absolute path of the release nexus-hub */
    char dir[PATH_MAX];       /* work dir (hub store, laptops) */
    char store[PATH_MAX + 16];
    long items, small, huge, reps;
    nx_sshd sshd;
} bench;

typedef struct {
    char user[32], role[32], team[32];
    char dir[PATH_MAX + 64];
    nx_conf conf;
    nx_profile prof;
} laptop;

static bench B;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("syncbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* out = a "/" b, or the program stops (a path too long for its buffer). */
static void join(char *out, size_t outlen, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + 1 + lb + 1 > outlen)
        die("path too long: %s/%s", a, b);
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints the samples of one case and their median, min, max (ms). */
static void report(const char *name, double *s, long n, const char *extra)
{
    printf("syncbench samples case=%s ms=", name);
    for (long i = 0; i < n; i++)
        printf("%s%.3f", i ? "," : "", s[i] * 1e3);
    printf("\n");
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double med = (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    printf("syncbench result case=%s n=%ld median_ms=%.3f min_ms=%.3f max_ms=%.3f%s%s\n", name, n,
           med * 1e3, s[0] * 1e3, s[n - 1] * 1e3, extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

/* ---- the hub's admin commands, as the admin runs them ------------------------- */

static void hub_cmd(bench *b, char *out, size_t outlen, const char *const *args)
{
    const char *argv[32] = { b->hub };
    int n = 1;
    for (int i = 0; args[i] && n < 28; i++)
        argv[n++] = args[i];
    argv[n++] = "--store";
    argv[n++] = b->store;
    argv[n] = NULL;
    nx_t_result *r = calloc(1, sizeof *r);
    if (!r)
        die("out of memory");
    if (nx_t_run(argv, NULL, NULL, r) != 0 || r->status != 0)
        die("nexus-hub %s failed (%d): %s", args[0], r->status, r->err);
    if (out && outlen) {
        size_t len = strnlen(r->out, outlen - 1);
        memcpy(out, r->out, len);
        out[len] = '\0';
    }
    free(r);
}
#define HUB(b, out, outlen, ...) hub_cmd(b, out, outlen, (const char *const[]){ __VA_ARGS__, NULL })

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("cannot write %s: %s", path, strerror(errno));
}

/* ---- laptops ---------------------------------------------------------------------- */

static void laptop_make(bench *b, laptop *l, const char *user, const char *role, const char *team)
{
    char err[1024];
    memset(l, 0, sizeof *l);
    snprintf(l->user, sizeof l->user, "%s", user);
    snprintf(l->role, sizeof l->role, "%s", role);
    snprintf(l->team, sizeof l->team, "%s", team);
    join(l->dir, sizeof l->dir, b->dir, user);
    if (mkdir(l->dir, 0700) != 0)
        die("mkdir %s: %s", l->dir, strerror(errno));
    nx_conf_defaults(&l->conf);
    join(l->conf.cache_dir, sizeof l->conf.cache_dir, l->dir, "profile");
    snprintf(l->conf.sync_host, sizeof l->conf.sync_host, "%s", NX_SSHD_HOST);
    l->conf.sync_port = b->sshd.port;
    snprintf(l->conf.sync_user, sizeof l->conf.sync_user, "%s", b->sshd.user);
    snprintf(l->conf.sync_known_hosts, sizeof l->conf.sync_known_hosts, "%s",
             b->sshd.known_hosts);
    if (nx_profile_paths(&l->prof, &l->conf, err, sizeof err))
        die("profile paths: %s", err);
    nx_profile_info info = { 0 };
    snprintf(info.user, sizeof info.user, "%s", user);
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "%s", team);
    info.created = info.passphrase_set = nx_now();
    randombytes_buf(info.device_id, sizeof info.device_id);
    /* The KDF runs here, in set-up (release builds know no cheaper level). */
    if (nx_profile_create(&l->prof, PASS, strlen(PASS), NX_KDF_INTERACTIVE, &info, err,
                          sizeof err))
        die("profile create (%s): %s", user, err);
    char pub[2048], pubpath[PATH_MAX + 128], line[8192];
    if (nx_sync_key_ensure(l->prof.store, err, sizeof err) ||
        nx_sync_key_public(l->prof.store, user, pub, sizeof pub, err, sizeof err))
        die("laptop key (%s): %s", user, err);
    join(pubpath, sizeof pubpath, l->dir, "id.pub");
    size_t pl = strlen(pub);
    if (pl + 2 < sizeof pub && (pl == 0 || pub[pl - 1] != '\n'))
        strcat(pub, "\n");
    write_file(pubpath, pub);
    HUB(b, line, sizeof line, "user", "add", "--user", user, "--role", role, "--team", team,
        "--key", pubpath);
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "restrict,command=\"/", 19) != 0)
        die("user add printed an unexpected line");
    if (nx_sshd_authorize(&b->sshd, line))
        die("cannot write authorized_keys");
}

static long long cache_count(laptop *l, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(nx_store_db(l->prof.store), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Where a round's time goes in the cache: pages sealed by the encrypting
 * VFS (database pages and journal records written) and SQLite page-cache
 * misses (pages read and opened), counted from here on. */
typedef struct {
    uint64_t sealed;
    int miss, spill;
} pagecount;

static void pages_mark(laptop *l, pagecount *pc)
{
    int hi = 0;
    pc->sealed = nx_cryptvfs_pages_sealed(l->prof.vfs);
    sqlite3_db_status(nx_store_db(l->prof.store), SQLITE_DBSTATUS_CACHE_MISS, &pc->miss, &hi, 1);
    sqlite3_db_status(nx_store_db(l->prof.store), SQLITE_DBSTATUS_CACHE_SPILL, &pc->spill, &hi, 1);
    pc->miss = pc->spill = 0;
}

static void pages_since(laptop *l, const pagecount *from, pagecount *out)
{
    int hi = 0, miss = 0, spill = 0;
    sqlite3_db_status(nx_store_db(l->prof.store), SQLITE_DBSTATUS_CACHE_MISS, &miss, &hi, 0);
    sqlite3_db_status(nx_store_db(l->prof.store), SQLITE_DBSTATUS_CACHE_SPILL, &spill, &hi, 0);
    out->sealed = nx_cryptvfs_pages_sealed(l->prof.vfs) - from->sealed;
    out->miss = miss;
    out->spill = spill;
}

/* ---- the server side's CPU: the descendants of the listening sshd ---------------- */

/* The processes sshd starts for a connection (its session processes and
 * the hub's `serve`) and the CPU each has used so far (ns, from
 * /proc/PID/schedstat; all are single-threaded). A round's server CPU is
 * the difference of two snapshots, taken while its connection is open. */
typedef struct {
    pid_t pid[512];
    uint64_t ns[512];
    int hub[512];
    int n;
} procsnap;

static void server_snap(pid_t root, procsnap *out)
{
    static pid_t pid[8192], ppid[8192];
    static int hub[8192];
    int n = 0;
    out->n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && n < 8192) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%.20s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close || close[1] == '\0')
            continue;
        pid[n] = (pid_t)atol(buf);
        ppid[n] = (pid_t)atol(close + 4);   /* ") S PPID" */
        hub[n] = strncmp(open + 1, "nexus-hub", 9) == 0;
        n++;
    }
    closedir(d);
    for (int i = 0; i < n && out->n < 512; i++) {
        pid_t p = ppid[i];
        int depth = 0;
        while (p > 1 && p != root && depth++ < 16) {
            int j = 0;
            while (j < n && pid[j] != p)
                j++;
            p = j < n ? ppid[j] : 0;
        }
        if (p != root)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid[i]);
        FILE *f = fopen(path, "r");
        unsigned long long ns = 0;
        if (!f)
            continue;
        if (fscanf(f, "%llu", &ns) != 1)
            ns = 0;
        fclose(f);
        out->pid[out->n] = pid[i];
        out->ns[out->n] = ns;
        out->hub[out->n++] = hub[i];
    }
}

/* Seconds of CPU from a to b: the hub's and sshd's (its sessions). */
static void server_cpu(const procsnap *a, const procsnap *b, double *hub, double *sshd)
{
    *hub = *sshd = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t was = 0;
        for (int j = 0; j < a->n; j++)
            if (a->pid[j] == b->pid[i])
                was = a->ns[j];
        double s = (double)(b->ns[i] - (b->ns[i] >= was ? was : b->ns[i])) / 1e9;
        if (b->hub[i])
            *hub += s;
        else
            *sshd += s;
    }
}

/* ---- profiling (BENCH_SYNC_PERF=PREFIX) ------------------------------------------ */

/* Starts argv (by PATH when search, else by its absolute name) with stdin
 * and stdout on /dev/null and stderr on errpath (or /dev/null): its pid, or
 * -1 with errno. posix_spawn, not fork: glibc's shares the address space
 * until exec, where a fork would mark every page of this process (its caches'
 * page caches, ~100 MB after the first sync) copy-on-write, so that the
 * rounds measured next would pay a page fault for each page they first
 * write, and the bare ssh's own time would include copying page tables. The
 * client under test never forks around a round. */
static pid_t spawn_quiet(const char *const argv[], int search, const char *errpath)
{
    extern char **environ;
    posix_spawn_file_actions_t fa;
    if ((errno = posix_spawn_file_actions_init(&fa)) != 0)
        return -1;
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_addopen(&fa, 2, errpath ? errpath : "/dev/null",
                                              O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    fflush(stdout);
    if (!rc)
        rc = (search ? posix_spawnp : posix_spawn)(&pid, argv[0], &fa, NULL,
                                                   (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        errno = rc;
        return -1;
    }
    return pid;
}

/* `perf record -a` (DWARF call graphs: the distribution's SQLite and
 * libsodium have no frame pointers) of the whole machine (client, sshd and the hub are
 * three processes) around one part of the run, into PREFIX.PART; nothing
 * without BENCH_SYNC_PERF. Read with `perf report -i PREFIX.PART --comm
 * nexus-hub` (or syncbench, sshd). */
static pid_t perf_start(const char *part)
{
    const char *prefix = getenv("BENCH_SYNC_PERF");
    if (!prefix || !*prefix)
        return 0;
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s.%s", prefix, part);
    const char *argv[] = { "perf", "record", "-q", "-a", "-F", "499", "--call-graph",
                           "dwarf,16384", "-o", out, NULL };
    pid_t pid = spawn_quiet(argv, 1, NULL);
    struct timespec ts = { 1, 0 };
    nanosleep(&ts, NULL);            /* perf is recording by then */
    return pid < 0 ? 0 : pid;
}

static void perf_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGINT);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

/* ---- the syncer with the key exchange pinned -------------------------------------- */

static int t_write(void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
    return nx_transport_write(ctx, buf, len, err, errlen);
}

static int t_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
    return nx_transport_read(ctx, buf, len, err, errlen);
}

static int t_dead(void *ctx)
{
    return nx_transport_keepalive(ctx) != 0;
}

static void t_close(void *ctx)
{
    nx_transport_close(ctx);
}

/* client.c's transport_connect, plus the pinned key exchange. */
static nx_sync_code pinned_connect(void *arg, nx_syncer *y, nx_sync_io *io, char *err,
                                   size_t errlen)
{
    (void)y;
    laptop *l = arg;
    nx_transport_opts o;
    memset(&o, 0, sizeof o);
    o.host = l->conf.sync_host;
    o.port = l->conf.sync_port;
    o.user = l->conf.sync_user;
    o.known_hosts = l->conf.sync_known_hosts;
    o.kex = KEX;
    char *pem = NULL;
    if (nx_sync_key_private(l->prof.store, &pem, err, errlen) != 0)
        return NX_SYNC_ERROR;
    o.identity_pem = pem;
    nx_transport *t = NULL;
    nx_sync_code code = nx_transport_open(&o, &t, err, errlen);
    nx_sync_key_free(pem);
    if (code != NX_SYNC_OK)
        return code;
    *io = (nx_sync_io){ t, t_write, t_read, t_dead, t_close };
    return NX_SYNC_OK;
}

static nx_syncer *syncer_new(laptop *l, int pinned)
{
    nx_syncer *y = NULL;
    char err[1024];
    int rc = pinned ? nx_syncer_new_with(&l->prof, &l->conf, pinned_connect, l, &y, err,
                                         sizeof err)
                    : nx_syncer_new(&l->prof, &l->conf, &y, err, sizeof err);
    if (rc != 0)
        die("syncer (%s): %s", l->user, err);
    return y;
}

static void round_ok(nx_syncer *y, laptop *l, nx_sync_stats *st)
{
    char err[2048];
    memset(st, 0, sizeof *st);
    nx_sync_code c = nx_syncer_round(y, st, err, sizeof err);
    if (c != NX_SYNC_OK) {
        char tail[1024];
        die("round (%s): %s: %s\nsshd log: %s", l->user, nx_sync_code_name(c), err,
            nx_sshd_log_tail(&B.sshd, tail, sizeof tail));
    }
}

/* ---- the bare ssh baseline ------------------------------------------------------- */

static double bare_ssh(bench *b, const char *key)
{
    char port[16], kh[PATH_MAX + 64], id[PATH_MAX + 64], user[128];
    snprintf(port, sizeof port, "%d", b->sshd.port);
    snprintf(kh, sizeof kh, "UserKnownHostsFile=%s", b->sshd.known_hosts);
    snprintf(id, sizeof id, "IdentityFile=%s", key);
    snprintf(user, sizeof user, "%s", b->sshd.user);
    const char *argv[] = { "/usr/bin/ssh", "-F", "/dev/null", "-n",
                           "-o", "KexAlgorithms=" KEX,
                           "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                           "-o", kh, "-o", "GlobalKnownHostsFile=/dev/null",
                           "-o", "IdentitiesOnly=yes", "-o", id, "-o", "LogLevel=ERROR",
                           "-p", port, "-l", user, NX_SSHD_HOST, "true", NULL };
    char errpath[PATH_MAX + 64];
    join(errpath, sizeof errpath, b->dir, "bare-ssh.stderr");
    double t0 = now_s();
    pid_t pid = spawn_quiet(argv, 0, errpath);
    if (pid < 0)
        die("cannot run %s: %s", argv[0], strerror(errno));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    double t = now_s() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char msg[2048] = "";
        FILE *f = fopen(errpath, "r");
        if (f) {
            size_t n = fread(msg, 1, sizeof msg - 1, f);
            msg[n] = '\0';
            fclose(f);
        }
        die("bare ssh failed (status %d): %s", st, msg);
    }
    return t;
}

/* ---- changes on the hub ------------------------------------------------------------ */

typedef struct {
    char (*id)[64];
    long n;
} idlist;

static void hub_ids(nx_hub *h, const char *assignee, idlist *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h), "SELECT count(*) FROM items WHERE assignee = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        die("hub: %s", nx_hub_errmsg(h));
    sqlite3_bind_text(st, 1, assignee, -1, SQLITE_STATIC);
    long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    out->id = calloc((size_t)n + 1, sizeof *out->id);
    out->n = 0;
    if (!out->id)
        die("out of memory");
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "SELECT id FROM items WHERE assignee = ?1 ORDER BY rowid", -1, &st,
                           NULL) != SQLITE_OK)
        die("hub: %s", nx_hub_errmsg(h));
    sqlite3_bind_text(st, 1, assignee, -1, SQLITE_STATIC);
    while (out->n < n && sqlite3_step(st) == SQLITE_ROW)
        snprintf(out->id[out->n++], 64, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Changes count items spread evenly over ids (every n/count-th, from
 * offset): the due time moves an hour, as a supervisor's rescheduling
 * would; each gets a new revision. One transaction, as an admin command. */
/* What a save on the screens' connection does to the syncer's: a commit
 * (of a key of the cache's meta table that nothing reads), not timed. */
static void local_save(nx_store *s, long n)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO meta(key, value) VALUES('bench.local_save', '%ld')", n);
    char *msg = NULL;
    if (sqlite3_exec(nx_store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK)
        die("a save on the second connection: %s", msg ? msg : "?");
}

static void hub_change(nx_hub *h, const idlist *ids, long count, long offset)
{
    long stride = ids->n / count;
    if (stride < 1)
        die("%ld changes asked of %ld items", count, ids->n);
    nx_store *s = nx_hub_store(h);
    if (nx_hub_begin(h) != 0)
        die("hub begin: %s", nx_hub_errmsg(h));
    int64_t now = nx_now();
    for (long i = 0; i < count; i++) {
        const char *id = ids->id[(i * stride + offset % stride) % ids->n];
        nx_item_rec r;
        if (nx_store_item_get(s, id, &r) != 1)
            die("hub: item %s not found", id);
        r.due += 3600;
        r.updated = now;
        if (nx_store_item_update(s, &r) != 0 || nx_hub_item_touch(h, id) < 0)
            die("hub: cannot change item %s: %s", id, nx_hub_errmsg(h));
    }
    if (nx_hub_commit(h) != 0)
        die("hub commit: %s", nx_hub_errmsg(h));
}

/* ---- main ---------------------------------------------------------------------------- */

static long env_long(const char *name, long def, long min)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min)
        die("%s must be a number >= %ld", name, min);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: syncbench NEXUS-HUB WORKDIR   (env: BENCH_SYNC_ITEMS, "
                        "BENCH_SYNC_REPS, BENCH_SYNC_FIRST_ONLY)\n");
        return 2;
    }
    bench *b = &B;
    char hubpath[PATH_MAX];
    if (!realpath(argv[1], hubpath))
        die("%s: %s", argv[1], strerror(errno));
    b->hub = hubpath;
    b->items = env_long("BENCH_SYNC_ITEMS", 100000, 1000);
    b->small = b->items / 10;
    b->huge = env_long("BENCH_SYNC_HUGE", 0, 0);
    if (b->huge && b->huge < 1000)
        die("BENCH_SYNC_HUGE must be 0 (skip) or >= 1000");
    b->reps = env_long("BENCH_SYNC_REPS", 7, 1);
    if (nx_crypt_init() != 0)
        die("crypto init");
    mkdir(argv[2], 0700);
    if (!realpath(argv[2], b->dir))
        die("%s: %s", argv[2], strerror(errno));
    join(b->store, sizeof b->store, b->dir, "hub");
    setenv("NX_TEST_TMP", b->dir, 1);

    /* ---- set-up (not timed) ---- */
    char err[2048];
    if (!nx_sshd_available())
        die("no %s", NX_SSHD_PATH);
    if (nx_sshd_start(&b->sshd, NULL, err, sizeof err))
        die("sshd: %s", err);
    {
        const char *v[] = { NX_SSHD_PATH, "-V", NULL };
        nx_t_result *r = calloc(1, sizeof *r);
        if (r && nx_t_run(v, NULL, NULL, r) == 0) {
            char *s = strstr(r->err, "OpenSSH_");
            if (s) {
                s[strcspn(s, ", \n")] = '\0';
                printf("syncbench info sshd=%s\n", s);
            }
        }
        free(r);
    }
    printf("syncbench info libssh=%s sqlite=%s items=%ld small=%ld huge=%ld reps=%ld kex=%s "
           "port=%d\n", ssh_version(0), sqlite3_libversion(), b->items, b->small, b->huge, b->reps,
           KEX, b->sshd.port);
    fflush(stdout);
    char nbuf[32], sbuf[32];
    snprintf(nbuf, sizeof nbuf, "%ld", b->items);
    snprintf(sbuf, sizeof sbuf, "%ld", b->small);
    double t0 = now_s();
    HUB(b, NULL, 0, "init");
    HUB(b, NULL, 0, "seed", "--synthetic", nbuf, "--assignee", "alice", "--team", "north",
        "--kind", "scheduling");
    HUB(b, NULL, 0, "seed", "--synthetic", sbuf, "--assignee", "bob", "--team", "south",
        "--kind", "scheduling");
    printf("syncbench info setup_seed_s=%.1f\n", now_s() - t0);
    static laptop A, Bo;
    laptop_make(b, &A, "alice", "scheduling", "north");
    laptop_make(b, &Bo, "bob", "scheduling", "south");
    char barekey[PATH_MAX + 64], barepub[2048], bareline[2200];
    join(barekey, sizeof barekey, b->dir, "bare_ed25519");
    if (nx_sshd_keygen(barekey, "bench-bare", barepub, sizeof barepub, err, sizeof err))
        die("%s", err);
    snprintf(bareline, sizeof bareline, "restrict %s", barepub);
    if (nx_sshd_authorize(&b->sshd, bareline))
        die("cannot write authorized_keys");

    /* ---- 1. first sync ---- */
    nx_sync_stats st;
    {
        pagecount p0, pn;
        static procsnap s0, s1;
        double hub_cpu, sshd_cpu;
        pid_t perf = perf_start("first");
        server_snap(b->sshd.pid, &s0);
        pages_mark(&A, &p0);
        double w0 = now_s(), c0 = cpu_s();
        nx_syncer *y = syncer_new(&A, 1);
        round_ok(y, &A, &st);
        double w = now_s() - w0, c = cpu_s() - c0;
        server_snap(b->sshd.pid, &s1);     /* the hub still waits for the next round */
        server_cpu(&s0, &s1, &hub_cpu, &sshd_cpu);
        perf_stop(perf);
        nx_syncer_free(y);
        pages_since(&A, &p0, &pn);
        long long held = cache_count(&A, "SELECT count(*) FROM items");
        long long bytes = cache_count(&A, "SELECT p.page_count * s.page_size FROM "
                                          "pragma_page_count AS p, pragma_page_size AS s");
        printf("syncbench first user=alice items=%llu held=%lld seconds=%.3f cpu=%.3f "
               "hub_cpu=%.3f sshd_cpu=%.3f items_per_s=%.0f sealed=%llu misses=%d "
               "cache_mb=%.1f\n",
               (unsigned long long)st.items, held, w, c, hub_cpu, sshd_cpu,
               (double)st.items / w, (unsigned long long)pn.sealed, pn.miss, (double)bytes / 1e6);
        if ((long)st.items != b->items || held != b->items)
            die("first sync: %llu items pulled, %lld held, %ld expected",
                (unsigned long long)st.items, held, b->items);
        fflush(stdout);
        server_snap(b->sshd.pid, &s0);
        w0 = now_s(), c0 = cpu_s();
        y = syncer_new(&Bo, 1);
        round_ok(y, &Bo, &st);
        w = now_s() - w0, c = cpu_s() - c0;
        server_snap(b->sshd.pid, &s1);
        server_cpu(&s0, &s1, &hub_cpu, &sshd_cpu);
        nx_syncer_free(y);
        held = cache_count(&Bo, "SELECT count(*) FROM items");
        printf("syncbench first user=bob items=%llu held=%lld seconds=%.3f cpu=%.3f "
               "hub_cpu=%.3f sshd_cpu=%.3f items_per_s=%.0f\n",
               (unsigned long long)st.items, held, w, c, hub_cpu, sshd_cpu, (double)st.items / w);
        if ((long)st.items != b->small || held != b->small)
            die("first sync (bob): %llu items pulled, %lld held, %ld expected",
                (unsigned long long)st.items, held, b->small);
        fflush(stdout);
    }
    if (getenv("BENCH_SYNC_FIRST_ONLY")) {
        nx_profile_close(&A.prof);
        nx_profile_close(&Bo.prof);
        nx_sshd_stop(&b->sshd);
        printf("syncbench done (first sync only)\n");
        return 0;
    }

    /* ---- 2. no-op round on a new connection vs bare ssh ---- */
    long R = b->reps;
    double *bare = calloc((size_t)R, sizeof *bare), *fresh = calloc((size_t)R, sizeof *fresh);
    double *dflt = calloc((size_t)R, sizeof *dflt), *cpu_fresh = calloc((size_t)R, sizeof(double));
    long K = R * 3;
    double *kept = calloc((size_t)K, sizeof *kept);
    if (!bare || !fresh || !dflt || !kept || !cpu_fresh)
        die("out of memory");
    /* one of each first, not counted: the files and sshd warm */
    bare_ssh(b, barekey);
    {
        nx_syncer *y = syncer_new(&A, 1);
        round_ok(y, &A, &st);
        nx_syncer_free(y);
    }
    for (long r = 0; r < R; r++) {
        for (int k = 0; k < 3; k++) {
            int which = (int)((r + k) % 3);   /* rotate the order each repetition */
            if (which == 0) {
                bare[r] = bare_ssh(b, barekey);
            } else {
                double w0 = now_s(), c0 = cpu_s();
                nx_syncer *y = syncer_new(&A, which == 1);
                round_ok(y, &A, &st);
                nx_syncer_free(y);
                double w = now_s() - w0;
                if (st.items != 0 || st.pushed != 0)
                    die("a no-op round moved %llu items, %llu ops", (unsigned long long)st.items,
                        (unsigned long long)st.pushed);
                if (which == 1) {
                    fresh[r] = w;
                    cpu_fresh[r] = cpu_s() - c0;
                } else {
                    dflt[r] = w;
                }
            }
        }
    }
    report("bare_ssh", bare, R, NULL);
    report("new_conn_noop", fresh, R, NULL);
    report("new_conn_noop_cpu", cpu_fresh, R, NULL);
    report("new_conn_noop_default_kex", dflt, R, NULL);

    /* ---- 3. no-op round on the kept-open session ---- */
    nx_syncer *ya = syncer_new(&A, 1);
    round_ok(ya, &A, &st);           /* opens the session (not counted) */
    for (long r = 0; r < K; r++) {
        double w0 = now_s();
        round_ok(ya, &A, &st);
        kept[r] = now_s() - w0;
        if (st.items != 0)
            die("a kept-open no-op round moved %llu items", (unsigned long long)st.items);
    }
    report("kept_open_noop", kept, K, NULL);

    /* ---- 4. a cache ten times alice's (carol), for the changes only ----
     * Seeded and synced only now, so the figures above are taken on the
     * same hub as before it was added. Not timed as a first sync. */
    static laptop Ca;
    nx_syncer *yc = NULL;
    if (b->huge) {
        char hbuf[32];
        snprintf(hbuf, sizeof hbuf, "%ld", b->huge);
        double s0 = now_s();
        HUB(b, NULL, 0, "seed", "--synthetic", hbuf, "--assignee", "carol", "--team", "east",
            "--kind", "scheduling");
        laptop_make(b, &Ca, "carol", "scheduling", "east");
        double s1 = now_s();
        yc = syncer_new(&Ca, 1);
        round_ok(yc, &Ca, &st);
        long long held = cache_count(&Ca, "SELECT count(*) FROM items");
        long long bytes = cache_count(&Ca, "SELECT p.page_count * s.page_size FROM "
                                           "pragma_page_count AS p, pragma_page_size AS s");
        printf("syncbench info huge_seed_s=%.1f huge_first_sync_s=%.1f huge_cache_mb=%.1f\n",
               s1 - s0, now_s() - s1, (double)bytes / 1e6);
        if ((long)st.items != b->huge || held != b->huge)
            die("first sync (carol): %llu items pulled, %lld held, %ld expected",
                (unsigned long long)st.items, held, b->huge);
        round_ok(yc, &Ca, &st);
        fflush(stdout);
    }

    /* ---- 5. changed items, kept-open sessions ---- */
    nx_syncer *yb = syncer_new(&Bo, 1);
    round_ok(yb, &Bo, &st);
    nx_hub *h = NULL;
    if (nx_hub_open(b->store, NULL, &h, err, sizeof err))
        die("hub open: %s", err);
    idlist ia, ib, ic = { NULL, 0 };
    hub_ids(h, "alice", &ia);
    hub_ids(h, "bob", &ib);
    if (b->huge)
        hub_ids(h, "carol", &ic);
    if (ia.n != b->items || ib.n != b->small || ic.n != b->huge)
        die("hub holds %ld, %ld and %ld items", ia.n, ib.n, ic.n);
    /* 1 000 changes (fewer only when BENCH_SYNC_ITEMS makes bob's cache smaller) */
    long nchg = b->small < 1000 ? b->small : 1000;
    double *c1k_big = calloc((size_t)R, sizeof(double)), *c1k_small = calloc((size_t)R, sizeof(double));
    double *c100_big = calloc((size_t)R, sizeof(double));
    double *c1k_huge = calloc((size_t)R, sizeof(double));
    if (!c1k_big || !c1k_small || !c100_big || !c1k_huge)
        die("out of memory");
    struct {
        const char *name;
        nx_syncer *y;
        laptop *l;
        idlist *ids;
        long count;
        double *s;
        uint64_t sealed;
        long long miss, spill;
        double cpu, hub_cpu, sshd_cpu;
    } cases[] = {
        { "change_1000_cache_big", ya, &A, &ia, nchg, c1k_big, 0, 0, 0, 0, 0, 0 },
        { "change_1000_cache_small", yb, &Bo, &ib, nchg, c1k_small, 0, 0, 0, 0, 0, 0 },
        { "change_100_cache_big", ya, &A, &ia, nchg / 10, c100_big, 0, 0, 0, 0, 0, 0 },
        { "change_1000_cache_huge", yc, &Ca, &ic, nchg, c1k_huge, 0, 0, 0, 0, 0, 0 },
    };
    int ncases = b->huge ? 4 : 3;
    static procsnap s0, s1;
    char extra[512], name[64];
    /* Three passes. Cold: the kept-open sessions as the rounds above left
     * them, the syncer's page cache holding what earlier rounds read (a
     * session just opened: every change reads the pages it moves). Warm:
     * each cache read whole first (PRAGMA quick_check, through the
     * syncer's connection, whose round cache holds the file), as a
     * session that has been syncing for a while has it; the rounds then
     * read nothing and cost what they write. After a save: each round
     * preceded by a commit on another connection (the agent saved
     * something between two background rounds), so each starts with an
     * empty page cache and reads every page it needs. */
    nx_store *saver[4] = { NULL, NULL, NULL, NULL };
    for (int pass = 0; pass < 3; pass++) {
        for (int c = 0; c < ncases; c++) {
            cases[c].sealed = 0;
            cases[c].miss = cases[c].spill = 0;
            cases[c].cpu = cases[c].hub_cpu = cases[c].sshd_cpu = 0;
        }
        if (pass == 1) {
            for (int c = 0; c < ncases; c++) {
                if (c == 2)
                    continue;      /* alice's, as case 0 */
                double w0 = now_s();
                char *msg = NULL;
                if (sqlite3_exec(nx_store_db(cases[c].l->prof.store), "PRAGMA quick_check", NULL,
                                 NULL, &msg) != SQLITE_OK)
                    die("reading the cache of %s: %s", cases[c].l->user, msg ? msg : "?");
                printf("syncbench info warm_%s_s=%.1f\n", cases[c].l->user, now_s() - w0);
            }
        }
        if (pass == 2) {
            /* The screens' own connection, as the client has it beside the
             * background sync's: a save there empties the syncer's page
             * cache (SQLite drops a connection's cache at its next read
             * when another connection has committed since). */
            for (int c = 0; c < ncases; c++) {
                if (c == 2)
                    continue;
                char e[256];
                if (nx_store_open(cases[c].l->prof.cache, cases[c].l->prof.vfs,
                                  NX_STORE_OPEN_EXISTING, &saver[c], e, sizeof e) != 0)
                    die("a second connection to %s's cache: %s", cases[c].l->user, e);
            }
            saver[2] = saver[0];
        }
        pid_t perf = pass == 0 ? perf_start("changes") : 0;
        for (long r = 0; r < R; r++) {
            for (int k = 0; k < ncases; k++) {
                int c = (int)((r + k) % ncases);
                /* other items each pass and round */
                hub_change(h, cases[c].ids, cases[c].count,
                           r + (c == 2 ? 50 : 0) + pass * 25 + (pass == 2 ? 10 : 0));
                if (pass == 2)
                    local_save(saver[c], r * 10 + c);
                pagecount p0, pn;
                double hc, sc;
                server_snap(b->sshd.pid, &s0);
                pages_mark(cases[c].l, &p0);
                double w0 = now_s(), c0 = cpu_s();
                round_ok(cases[c].y, cases[c].l, &st);
                cases[c].s[r] = now_s() - w0;
                cases[c].cpu += cpu_s() - c0;
                server_snap(b->sshd.pid, &s1);
                server_cpu(&s0, &s1, &hc, &sc);
                cases[c].hub_cpu += hc;
                cases[c].sshd_cpu += sc;
                pages_since(cases[c].l, &p0, &pn);
                cases[c].sealed += pn.sealed;
                cases[c].miss += pn.miss;
                cases[c].spill += pn.spill;
                if ((long)st.items != cases[c].count)
                    die("%s: the round pulled %llu items, %ld changed", cases[c].name,
                        (unsigned long long)st.items, cases[c].count);
            }
        }
        perf_stop(perf);
        for (int c = 0; c < ncases; c++) {
            snprintf(extra, sizeof extra, "changes=%ld cache=%ld cpu_ms_per_round=%.1f "
                     "hub_cpu_ms_per_round=%.1f sshd_cpu_ms_per_round=%.1f sealed_per_round=%.0f "
                     "misses_per_round=%.0f spills_per_round=%.0f",
                     cases[c].count, cases[c].ids->n, cases[c].cpu * 1e3 / (double)R,
                     cases[c].hub_cpu * 1e3 / (double)R, cases[c].sshd_cpu * 1e3 / (double)R,
                     (double)cases[c].sealed / (double)R, (double)cases[c].miss / (double)R,
                     (double)cases[c].spill / (double)R);
            snprintf(name, sizeof name, "%s%s", cases[c].name,
                     pass == 2 ? "_after_save" : pass ? "_warm" : "");
            report(name, cases[c].s, R, extra);
        }
    }
    for (int c = 0; c < 4; c++)
        if (c != 2 && saver[c])
            nx_store_close(saver[c]);
    nx_hub_close(h);

    /* ---- 6. a round after an import for others ----
     * BENCH_SYNC_ITEMS items seeded for dora (another team), none of them
     * bob's: his next round on the kept-open session pulls nothing, and
     * the hub finds his few changes by index (nx_hub_items_changed), not
     * by reading every revision since his cursor. Once: the import moves
     * every cursor past it. */
    {
        char dbuf[32];
        snprintf(dbuf, sizeof dbuf, "%ld", b->items);
        HUB(b, NULL, 0, "seed", "--synthetic", dbuf, "--assignee", "dora", "--team", "west",
            "--kind", "scheduling");
        pagecount p0, pn;
        double hc, sc;
        server_snap(b->sshd.pid, &s0);
        pages_mark(&Bo, &p0);
        double w0 = now_s(), c0 = cpu_s();
        round_ok(yb, &Bo, &st);
        double w = now_s() - w0, c = cpu_s() - c0;
        server_snap(b->sshd.pid, &s1);
        server_cpu(&s0, &s1, &hc, &sc);
        pages_since(&Bo, &p0, &pn);
        if (st.items != 0)
            die("after an import for dora, bob's round pulled %llu items",
                (unsigned long long)st.items);
        snprintf(extra, sizeof extra, "imported=%ld cache=%ld cpu_ms_per_round=%.1f "
                 "hub_cpu_ms_per_round=%.1f sshd_cpu_ms_per_round=%.1f",
                 b->items, ib.n, c * 1e3, hc * 1e3, sc * 1e3);
        report("after_import_for_others", &w, 1, extra);
    }
    nx_syncer_free(ya);
    nx_syncer_free(yb);
    if (yc)
        nx_syncer_free(yc);
    free(ia.id);
    free(ib.id);
    free(ic.id);
    free(bare);
    free(fresh);
    free(dflt);
    free(cpu_fresh);
    free(kept);
    free(c1k_big);
    free(c1k_small);
    free(c100_big);
    free(c1k_huge);
    nx_profile_close(&A.prof);
    nx_profile_close(&Bo.prof);
    if (b->huge)
        nx_profile_close(&Ca.prof);
    nx_sshd_stop(&b->sshd);
    printf("syncbench done\n");
    return 0;
}
