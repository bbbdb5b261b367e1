/* DESIGN security invariant 3 / issue 4: after a lock, "wiped means gone
 * from the process's memory, not just unreferenced". tests/progs/wipe_probe
 * unlocks a profile whose patients have unique synthetic names, opens
 * every item as the client does (items, forms, drafts), and stops; this
 * test reads its whole memory through /proc/PID/mem and must find every
 * name and the data key there (the positive control: the scan can see
 * them). Then the probe locks (forms and items wiped, session ended,
 * profile closed) and stops again: the same scan must find none of them.
 *
 * The names are made here and reach the probe only through the encrypted
 * cache: the probe is exec'd, so it holds no copy of this process's memory
 * and none of the needles below.
 *
 * Reading another process's memory needs ptrace rights, and nx_crypt_init
 * makes the probe non-dumpable (PR_SET_DUMPABLE 0), so only root (with
 * CAP_SYS_PTRACE) may read it: the test runs as root here and in CI, and
 * is skipped, saying so, otherwise. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain/dict.h"
#include "profile/profile.h"
#include "session/session.h"
#include "store/rows.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#define NPATIENTS 8
#define PASS "Wipe-test-pass-1"
#define CHUNK (1u << 20)
/* Only ASan's shadow memory is this large (some 14 TiB reserved with
 * MAP_NORESERVE); it holds a poison state per 8 bytes of memory, never the
 * bytes themselves, and reading it whole would take hours. */
#define SKIP_REGION_BYTES (64ull << 30)

extern char **environ;

typedef struct {
    char label[64];           /* names the needle without containing it */
    unsigned char bytes[96];
    size_t len;
    int fold;                 /* ASCII letters compared without case */
    unsigned long hits;
    char first[160];          /* where it was first seen */
} needle;

typedef struct {
    needle n[4 * NPATIENTS + 2];
    size_t count;
    size_t maxlen;
    unsigned long long scanned, skipped;
} needles;

static void add_needle(needles *ns, const char *label, const void *b, size_t len, int fold)
{
    needle *n = &ns->n[ns->count++];
    memset(n, 0, sizeof *n);
    snprintf(n->label, sizeof n->label, "%s", label);
    memcpy(n->bytes, b, len);
    n->len = len;
    n->fold = fold;
    if (len > ns->maxlen)
        ns->maxlen = len;
}

static int fold_eq(const unsigned char *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

static void hit(needle *n, unsigned long long addr, const char *region)
{
    if (n->hits++ == 0)
        snprintf(n->first, sizeof n->first, "at 0x%llx in %s", addr, region);
}

/* Looks for every needle in buf (which sits at addr in the probe). Names
 * and their tails are found by their common 3-letter heads, and compared
 * without ASCII case, so a lowercased copy (the queue's sort keys) counts
 * too. */
static void scan_buf(needles *ns, const unsigned char *buf, size_t len, unsigned long long addr,
                     const char *region)
{
    for (size_t k = 0; k < ns->count; k++) {
        needle *n = &ns->n[k];
        if (n->fold)
            continue;
        for (const unsigned char *p = buf; (size_t)(p - buf) + n->len <= len;) {
            const unsigned char *q = memmem(p, len - (size_t)(p - buf), n->bytes, n->len);
            if (!q)
                break;
            hit(n, addr + (unsigned long long)(q - buf), region);
            p = q + 1;
        }
    }
    static const char *const heads[] = { "zqx", "Zqx", "ZQX", "wqz", "Wqz", "WQZ" };
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++)
        for (const unsigned char *p = buf; (size_t)(p - buf) + 3 <= len;) {
            const unsigned char *q = memmem(p, len - (size_t)(p - buf), heads[h], 3);
            if (!q)
                break;
            size_t left = len - (size_t)(q - buf);
            for (size_t k = 0; k < ns->count; k++) {
                needle *n = &ns->n[k];
                if (n->fold && n->len <= left && fold_eq(q, n->bytes, n->len))
                    hit(n, addr + (unsigned long long)(q - buf), region);
            }
            p = q + 1;
        }
}

/* Reads every readable mapping of pid through /proc/PID/mem. Chunks
 * overlap by the longest needle, so nothing is missed at a seam; a chunk
 * that cannot be read (a page that went away) is retried page by page.
 * 0, or -errno when the memory file cannot be opened. */
static int scan_process(pid_t pid, needles *ns)
{
    for (size_t k = 0; k < ns->count; k++) {
        ns->n[k].hits = 0;
        ns->n[k].first[0] = '\0';
    }
    ns->scanned = ns->skipped = 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "re");
    if (!maps)
        return -errno;
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int mem = open(path, O_RDONLY | O_CLOEXEC);
    if (mem < 0) {
        int e = errno;
        fclose(maps);
        return -e;
    }
    size_t over = ns->maxlen;
    unsigned char *buf = malloc(CHUNK + over);
    cr_assert_not_null(buf);
    char line[1024];
    while (fgets(line, sizeof line, maps)) {
        unsigned long long lo, hi;
        char perms[8] = "", name[512] = "";
        if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %511[^\n]", &lo, &hi, perms, name) < 3)
            continue;
        const char *region = name[0] ? name : "(anonymous)";
        if (perms[0] != 'r' || strcmp(region, "[vsyscall]") == 0 ||
            strncmp(region, "[vvar", 5) == 0)
            continue;
        if (hi - lo >= SKIP_REGION_BYTES) {
            ns->skipped += hi - lo;
            continue;
        }
        for (unsigned long long at = lo; at < hi; at += CHUNK) {
            size_t want = (size_t)((hi - at) < CHUNK + over ? (hi - at) : CHUNK + over);
            ssize_t got = pread(mem, buf, want, (off_t)at);
            if (got == (ssize_t)want) {
                ns->scanned += (unsigned long long)want;
                scan_buf(ns, buf, want, at, region);
                continue;
            }
            for (unsigned long long pg = at; pg < at + want; pg += 4096) {
                size_t n = (size_t)((at + want - pg) < 4096 + over ? (at + want - pg) : 4096 + over);
                got = pread(mem, buf, n, (off_t)pg);
                if (got > 0) {
                    ns->scanned += (unsigned long long)got;
                    scan_buf(ns, buf, (size_t)got, pg, region);
                }
            }
        }
    }
    sodium_memzero(buf, CHUNK + over);
    free(buf);
    close(mem);
    fclose(maps);
    return 0;
}

/* ---- the profile ------------------------------------------------------------------ */

static char dir[4096];
static char ids[NPATIENTS][NX_ID_MAX];
static needles ns;

static void random_hex(char *out, size_t bytes)
{
    unsigned char r[16];
    randombytes_buf(r, bytes);
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    sodium_memzero(r, sizeof r);
}

/* "Zqx" KIND 16 hex, a non-ASCII middle, "Wqz" 16 hex. Allocators write
 * their free-list links over the first bytes of a freed block (glibc's
 * tcache 16, ASan its own), so a copy freed without zeroing may have lost
 * its head: the tail from "Wqz" on is searched for on its own too, and is
 * as unique. Non-ASCII in every name: what is searched is the UTF-8 the
 * cache holds and the screen draws. */
static void random_name(char *out, size_t len, char *tail, size_t taillen, const char *kind,
                        const char *middle)
{
    char a[33], b[33];
    random_hex(a, 8);
    random_hex(b, 8);
    snprintf(tail, taillen, "Wqz%s", b);
    snprintf(out, len, "Zqx%s%s%s%s", kind, a, middle, tail);
}

static void make_profile(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "wipe");
    cr_assert(dir[0]);
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    nx_profile prof;
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(&prof, &c, err, sizeof err), 0, "%s", err);
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "alice");
    snprintf(info.role, sizeof info.role, "eligibility");
    snprintf(info.team, sizeof info.team, "north");
    info.created = info.passphrase_set = nx_now();
    cr_assert_eq(nx_profile_create(&prof, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
    nx_client_row cl = { "cl-1", "Lakeside Family Clinic", "America/New_York", "555-0101", "" };
    cr_assert_eq(nx_store_client_put(prof.store, &cl), 0);
    memset(&ns, 0, sizeof ns);
    for (int i = 0; i < NPATIENTS; i++) {
        char pid[16], family[80], given[80], ftail[32], gtail[32], label[64];
        snprintf(pid, sizeof pid, "pt-%d", i);
        random_name(family, sizeof family, ftail, sizeof ftail, "fam", "N\xc3\xba\xc3\xb1" "ez");
        random_name(given, sizeof given, gtail, sizeof gtail, "giv", "Ho\xc3\xa0");
        nx_patient_row pt = { pid, "cl-1", family, given, "1980-04-02", "2175550123",
                              "patient@example.invalid", "12 Maple Ave, Springfield, IL 62701",
                              "TRN0000001", "ZX123456789", "Bluewater Health Plan", "no", "no", "" };
        cr_assert_eq(nx_store_patient_put(prof.store, &pt), 0);
        snprintf(label, sizeof label, "family name of patient %d", i);
        add_needle(&ns, label, family, strlen(family), 1);
        snprintf(label, sizeof label, "given name of patient %d", i);
        add_needle(&ns, label, given, strlen(given), 1);
        snprintf(label, sizeof label, "end of the family name of patient %d", i);
        add_needle(&ns, label, ftail, strlen(ftail), 1);
        snprintf(label, sizeof label, "end of the given name of patient %d", i);
        add_needle(&ns, label, gtail, strlen(gtail), 1);
        sodium_memzero(family, sizeof family);
        sodium_memzero(given, sizeof given);
    }
    add_needle(&ns, "the data key", nx_vault_data_key(prof.vault), NX_KEY_BYTES, 0);
    nx_secret ak;
    cr_assert_eq(nx_vault_audit_key(prof.vault, &ak), 0);
    add_needle(&ns, "the audit chain key", ak.bytes, ak.len, 0);
    nx_secret_free(&ak);

    nx_session sess = {0};
    cr_assert_eq(nx_session_start(&sess, &prof, nx_dict_default(), nx_t_root("assets/policy.txt"),
                                  err, sizeof err), 0, "%s", err);
    for (int i = 0; i < NPATIENTS; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "pt-%d", i);
        cr_assert_eq(nx_session_create(&sess, NX_KIND_ELIGIBILITY, "cl-1", pid, 0, ids[i], err,
                                       sizeof err), 0, "%s", err);
    }
    nx_session_end(&sess);
    nx_profile_close(&prof);
}

/* ---- the probe ----------------------------------------------------------------------- */

static pid_t probe = -1;

static void stop_probe(void)
{
    if (probe > 0) {
        kill(probe, SIGKILL);
        waitpid(probe, NULL, 0);
        probe = -1;
    }
}

static pid_t start_probe(void)
{
    static char bin[4096];
    snprintf(bin, sizeof bin, "%s", nx_t_bin("progs/wipe_probe"));
    struct stat st;
    cr_assert_eq(stat(bin, &st), 0, "%s: not built (make test builds it)", bin);
    char profile[4200];
    snprintf(profile, sizeof profile, "%s/profile", dir);
    char *argv[NPATIENTS + 3];
    argv[0] = bin;
    argv[1] = profile;
    for (int i = 0; i < NPATIENTS; i++)
        argv[2 + i] = ids[i];
    argv[NPATIENTS + 2] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("NX_WIPE_PASS", PASS, 1);
        execve(bin, argv, environ);
        _exit(127);
    }
    return pid;
}

/* Waits until the probe stops itself; a probe that exits instead failed
 * a step (its message is on stderr). */
static void await_stop(const char *when)
{
    int st = 0;
    pid_t r;
    while ((r = waitpid(probe, &st, WUNTRACED)) < 0 && errno == EINTR)
        ;
    if (r == probe && WIFSTOPPED(st))
        return;
    probe = -1;
    cr_assert_fail("wipe_probe did not reach %s: %s %d", when,
                   WIFEXITED(st) ? "exit" : "signal",
                   WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static void scan_or_skip(void)
{
    int rc = scan_process(probe, &ns);
    if (rc == -EACCES || rc == -EPERM) {
        stop_probe();
        cr_skip_test("cannot read the probe's memory (%s): the scan needs root with "
                     "CAP_SYS_PTRACE, the probe is not dumpable", strerror(-rc));
    }
    if (rc != 0) {
        stop_probe();
        cr_assert_fail("cannot read the probe's memory: %s", strerror(-rc));
    }
}

Test(wipe, lock_leaves_no_patient_name_and_no_key_in_memory, .timeout = 300)
{
    if (geteuid() != 0)
        cr_skip_test("the memory scan reads /proc/PID/mem of a non-dumpable process: "
                     "run the tests as root (they do in CI)");
    make_profile();
    probe = start_probe();
    await_stop("the unlocked state");

    /* The positive control: with the items open everything is there. */
    scan_or_skip();
    cr_log_info("wipe: scanned %llu MiB unlocked (%llu GiB of ASan shadow skipped)",
                ns.scanned >> 20, ns.skipped >> 30);
    for (size_t k = 0; k < ns.count; k++)
        if (ns.n[k].hits == 0) {
            stop_probe();
            cr_assert_fail("the scan does not see %s while the item is open: it could not "
                           "find a leak either", ns.n[k].label);
        }

    kill(probe, SIGCONT);
    await_stop("the locked state");
    scan_or_skip();
    char report[4096] = "";
    size_t len = 0;
    for (size_t k = 0; k < ns.count; k++)
        if (ns.n[k].hits && len < sizeof report)
            len += (size_t)snprintf(report + len, sizeof report - len, "\n  %s: %lu copies, first %s",
                                    ns.n[k].label, ns.n[k].hits, ns.n[k].first);
    if (len) {
        stop_probe();
        cr_assert_fail("after the lock the process still holds:%s", report);
    }

    kill(probe, SIGCONT);
    int st = 0;
    cr_assert_eq(waitpid(probe, &st, 0), probe);
    probe = -1;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "wipe_probe failed after the lock");
}

/* ---- the allocator itself ------------------------------------------------------------ */

Test(wipe, sqlite_allocates_through_the_zeroing_allocator)
{
    cr_assert_eq(nx_crypt_init(), 0);
    cr_assert(nx_zalloc_active());
    cr_assert_eq(nx_zalloc_install(), 0, "not idempotent");
    /* SQLite is initialised now: nobody can swap the allocator under it. */
    static sqlite3_mem_methods other;
    cr_assert_neq(sqlite3_config(SQLITE_CONFIG_MALLOC, &other), SQLITE_OK);
    unsigned char *p = sqlite3_malloc(100);
    cr_assert_not_null(p);
    cr_assert_geq(sqlite3_msize(p), 100);
    for (int i = 0; i < 100; i++)
        p[i] = (unsigned char)i;
    p = sqlite3_realloc(p, 5000);   /* moves: the old block is zeroed and freed */
    cr_assert_not_null(p);
    cr_assert_geq(sqlite3_msize(p), 5000);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(p[i], (unsigned char)i);
    unsigned char *q = sqlite3_realloc(p, 10);   /* shrinks in place */
    cr_assert_eq(q, p);
    cr_assert_eq(q[9], 9);
    sqlite3_free(q);
}

/* A plain allocator, standing in for whatever a program might configure. */
static void *plain_malloc(int n)
{
    unsigned char *b = malloc((size_t)n + 8);
    if (!b)
        return NULL;
    memcpy(b, &n, sizeof n);
    return b + 8;
}

static void plain_free(void *p)
{
    if (p)
        free((unsigned char *)p - 8);
}

static int plain_size(void *p)
{
    int n = 0;
    if (p)
        memcpy(&n, (unsigned char *)p - 8, sizeof n);
    return n;
}

static void *plain_realloc(void *p, int n)
{
    void *q = plain_malloc(n);
    if (q && p) {
        memcpy(q, p, (size_t)(plain_size(p) < n ? plain_size(p) : n));
        plain_free(p);
    }
    return q;
}
static int plain_roundup(int n) { return (n + 7) & ~7; }
static int plain_init(void *x) { (void)x; return SQLITE_OK; }
static void plain_shutdown(void *x) { (void)x; }

Test(wipe, crypt_init_refuses_when_sqlite_runs_on_another_allocator)
{
    /* In a child: it changes SQLite's global configuration. */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        static const sqlite3_mem_methods plain = { plain_malloc, plain_free, plain_realloc,
            plain_size, plain_roundup, plain_init, plain_shutdown, NULL };
        if (sqlite3_shutdown() != SQLITE_OK ||
            sqlite3_config(SQLITE_CONFIG_MALLOC, &plain) != SQLITE_OK ||
            sqlite3_initialize() != SQLITE_OK)
            _exit(2);
        if (nx_zalloc_active())
            _exit(3);
        /* Too late to change it: refused, and nx_crypt_init says so. */
        if (nx_zalloc_install() != -1 || nx_crypt_init() != -1)
            _exit(4);
        _exit(0);
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "child died: %d", st);
    cr_assert_eq(WEXITSTATUS(st), 0, "step %d failed", WEXITSTATUS(st));
}
