/* Acceptance 1 of issue 2: no plaintext at rest.
 *
 * A spy VFS sits under the encrypting VFS and searches every buffer written
 * for marker strings (random, synthetic: UTF-8, UTF-16LE, UTF-16BE), runs of
 * one character, "SQLite format 3" and "CREATE TABLE", and records every file
 * opened. The workload (tests/progs/atrest_writer.c, included here so both
 * sides share it) writes all of these through the client's connection
 * settings. Tests:
 *   - spy_and_scan_catch_plaintext: the spy, its open log and the file scan
 *     DO see plaintext written through a plain (non-encrypting) connection —
 *     without this the other tests could pass on a broken VFS;
 *   - workload_in_process: every step, integrity_check ok and every row equal
 *     to the model, zero hits, only the database and its journal opened;
 *   - kill_loop: the writer SIGKILLed at random points, ≥200 runs (kills
 *     aimed at start-up, anywhere in the workload, or inside COMMIT), each
 *     followed by a reopen (hot rollback) and a full comparison with the model
 *     of what was committed — or, for half the kills that leave a hot
 *     journal, by the next writer rolling it back itself (and being killed
 *     there); then every file of the cache dir and TMPDIR is scanned.
 * Seeds are printed; NX_ATREST_SEED=<n> replays a run's choices (kill timing
 * itself is up to the scheduler). NX_ATREST_RUNS overrides the run count;
 * NX_ATREST_VERBOSE=1 prints one line per run. */
#define AW_NO_MAIN 1
#include "tests/progs/atrest_writer.c"

#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

/* ---- small utilities ---------------------------------------------------------- */
static uint64_t test_seed(void)
{
    const char *e = getenv("NX_ATREST_SEED");
    if (e && *e) return strtoull(e, NULL, 10);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return aw_mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid());
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(tmp, 0700);
        *p = '/';
    }
    cr_assert(mkdir(tmp, 0700) == 0 || errno == EEXIST, "mkdir %s: %s", tmp, strerror(errno));
}

typedef struct dirs {
    char base[PATH_MAX];
    char cache[PATH_MAX + 8];  /* the profile directory: database + journal */
    char tmp[PATH_MAX + 8];    /* TMPDIR of this process and its children */
    char aux[PATH_MAX + 8];    /* progress files, spy log, child stderr */
    char db[PATH_MAX + 24];
    char journal[PATH_MAX + 40];
} dirs;

/* Fresh directories under $NX_TEST_TMP; TMPDIR/SQLITE_TMPDIR point into them
 * before SQLite initialises, so any temp file would land where we scan. Also
 * the process set-up every cache user does first (nx_crypt_init). */
static void dirs_make(dirs *d, const char *tag)
{
    const char *root = getenv("NX_TEST_TMP");
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s/atrest-%s-%d", root && *root ? root : "/tmp", tag,
             (int)getpid());
    mkdir_p(base);
    cr_assert(realpath(base, d->base), "realpath %s", base);
    snprintf(d->cache, sizeof d->cache, "%s/cache", d->base);
    snprintf(d->tmp, sizeof d->tmp, "%s/tmp", d->base);
    snprintf(d->aux, sizeof d->aux, "%s/aux", d->base);
    mkdir_p(d->cache);
    mkdir_p(d->tmp);
    mkdir_p(d->aux);
    snprintf(d->db, sizeof d->db, "%s/cache.db", d->cache);
    snprintf(d->journal, sizeof d->journal, "%s-journal", d->db);
    setenv("TMPDIR", d->tmp, 1);
    setenv("SQLITE_TMPDIR", d->tmp, 1);
    /* Before anything touches SQLite: it installs the zeroing allocator. */
    cr_assert_eq(nx_crypt_init(), 0);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- scanning files on disk with the spy's marker list ---------------------- */
typedef struct scan {
    int files;
    int64_t bytes;
    int hits;                 /* files holding at least one marker */
    char first[PATH_MAX + 100];
} scan;

static void scan_dir(const char *dir, scan *s)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) { scan_dir(path, s); continue; }
        if (!S_ISREG(st.st_mode)) continue;
        size_t len = 0, off = 0;
        unsigned char *buf = read_all(path, &len);
        cr_assert(buf, "cannot read %s", path);
        s->files++;
        s->bytes += (int64_t)len;
        int idx = spyvfs_match(buf, len, &off);
        if (idx >= 0 && s->hits++ == 0)
            snprintf(s->first, sizeof s->first, "%s in %s at offset %zu",
                     spyvfs_marker_label((size_t)idx), path, off);
        free(buf);
    }
    closedir(d);
}

static uint64_t family_hits(const char *suffix)
{
    uint64_t n = 0;
    size_t sl = strlen(suffix);
    for (size_t i = 0; i < spyvfs_nmarkers(); i++) {
        const char *l = spyvfs_marker_label(i);
        size_t ll = strlen(l);
        if (ll >= sl && strcmp(l + ll - sl, suffix) == 0) n += spyvfs_marker_hits(i);
    }
    return n;
}

/* Every file the spy saw opened must be the database or its journal. */
static void assert_only_db_and_journal(const dirs *d, int *journal_opens)
{
    int nj = 0;
    for (size_t i = 0; i < spyvfs_nopened(); i++) {
        int flags = 0;
        const char *name = spyvfs_opened(i, &flags);
        cr_assert(!strcmp(name, d->db) || !strcmp(name, d->journal),
                  "a file other than the database and its journal was opened through the "
                  "encrypting VFS: %s (flags 0x%x)", name, (unsigned)flags);
        if (!strcmp(name, d->journal)) nj++;
    }
    if (journal_opens) *journal_opens = nj;
}

static void setup_spy(uint64_t seed, aw_marks *mk)
{
    aw_marks_make(seed, mk);
    cr_assert_eq(spyvfs_register(AW_SPY_NAME), 0);
    spyvfs_clear_markers();
    cr_assert_eq(aw_marks_to_spy(mk), 0);
    spyvfs_reset();
}

static void assert_files_clean(const dirs *d, int scan_aux)
{
    scan s = {0};
    scan_dir(d->cache, &s);
    scan_dir(d->tmp, &s);
    if (scan_aux) scan_dir(d->aux, &s);
    cr_assert(s.files >= 1, "nothing to scan in %s", d->cache);
    cr_assert_eq(s.hits, 0, "plaintext on disk: %s", s.first);
}

/* ---- 1. the spy and the scan see plaintext when there is plaintext -------------- */
Test(atrest, spy_and_scan_catch_plaintext)
{
    dirs d;
    dirs_make(&d, "plain");
    aw_marks mk;
    uint64_t seed = test_seed();
    setup_spy(seed, &mk);

    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(d.db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 AW_SPY_NAME), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "PRAGMA page_size=4096; PRAGMA journal_mode=TRUNCATE;"
                              "PRAGMA temp_store=FILE", NULL, NULL, NULL), SQLITE_OK);
    char err[512] = "";
    cr_assert_eq(aw_create_schema(db, err, sizeof err), 0, "%s", err);
    aw_sql s;
    cr_assert_eq(aw_sql_init(&s, db, &mk), 0, "%s", s.err);
    cr_assert_eq(aw_sql_exec_op(&s, &(aw_op){ .type = AW_BEGIN }), 0, "%s", s.err);
    for (int i = 1; i <= 40; i++)
        cr_assert_eq(aw_sql_exec_op(&s, &(aw_op){ .type = AW_INSERT, .id = i,
                                                  .g = aw_h(seed, 0, 'p', (uint64_t)i) & AW_GMASK,
                                                  .k = i % 4 }), 0, "%s", s.err);
    cr_assert_eq(aw_sql_exec_op(&s, &(aw_op){ .type = AW_COMMIT }), 0, "%s", s.err);

    cr_assert_gt(spyvfs_hits(), 0, "seed=%llu: the spy saw no marker in plaintext writes",
                 (unsigned long long)seed);
    cr_assert_gt(family_hits(".utf8"), 0, "UTF-8 markers not seen");
    cr_assert_gt(family_hits(".utf16le"), 0, "UTF-16LE markers not seen");
    cr_assert_gt(family_hits(".utf16be"), 0, "UTF-16BE markers not seen");
    cr_assert_gt(family_hits("Q64") + family_hits("Z64"), 0, "runs not seen");
    cr_assert_gt(family_hits("sqlite-header"), 0, "the SQLite header not seen");
    cr_assert_gt(family_hits("create-table"), 0, "schema text not seen");

    /* A temp table larger than its cache makes SQLite open a temp file
     * through the connection's VFS: the spy must record that open. */
    cr_assert_eq(sqlite3_exec(db, "PRAGMA temp.cache_size=2;"
                              "CREATE TEMP TABLE x AS SELECT * FROM t;"
                              "CREATE INDEX temp.x_txt ON x(txt)", NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    int saw_db = 0, saw_temp = 0;
    for (size_t i = 0; i < spyvfs_nopened(); i++) {
        int flags = 0;
        const char *name = spyvfs_opened(i, &flags);
        if (!strcmp(name, d.db)) saw_db = 1;
        if (!strcmp(name, SPYVFS_NAMELESS) || (flags & (SQLITE_OPEN_TEMP_DB |
                                                        SQLITE_OPEN_TEMP_JOURNAL)))
            saw_temp = 1;
    }
    cr_assert(saw_db, "the spy did not record the database being opened");
    cr_assert(saw_temp, "the spy did not record the temp file being opened");
    aw_sql_done(&s);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    scan sc = {0};
    scan_dir(d.cache, &sc);
    cr_assert_gt(sc.hits, 0, "the file scan found no plaintext in a plain database");
    spyvfs_clear_markers();
    spyvfs_reset();
}

/* ---- 2. the workload in-process, checked after every step ------------------------- */
#define INPROC_STEPS (3 * AW_NKINDS)

static void check_fresh(const char *path, const char *vfs, const aw_model *m,
                        const aw_marks *mk, uint64_t seed)
{
    char err[768] = "";
    sqlite3 *db = aw_open(path, vfs, 0, err, sizeof err);
    cr_assert(db, "seed=%llu: reopen: %s", (unsigned long long)seed, err);
    int rc = aw_check(db, m, mk, err, sizeof err);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
    cr_assert_eq(rc, 0, "seed=%llu step %lld (%s): %s", (unsigned long long)seed,
                 (long long)m->step, m->step ? aw_kind_name[aw_step_kind(seed, m->step)] : "schema",
                 err);
}

Test(atrest, workload_in_process)
{
    dirs d;
    dirs_make(&d, "inproc");
    uint64_t seed = test_seed();
    fprintf(stderr, "atrest/workload_in_process: seed=%llu\n", (unsigned long long)seed);
    aw_marks mk;
    setup_spy(seed, &mk);

    unsigned char key[NX_KEY_BYTES];
    aw_key_from_seed(seed, key);
    char err[768] = "";
    nx_cryptvfs *v = nx_cryptvfs_new(key, AW_SPY_NAME, err, sizeof err);
    cr_assert(v, "nx_cryptvfs_new: %s", err);
    const char *vfs = nx_cryptvfs_name(v);

    sqlite3 *db = aw_open(d.db, vfs, 1, err, sizeof err);
    cr_assert(db, "open: %s", err);
    cr_assert_eq(aw_create_schema(db, err, sizeof err), 0, "%s", err);
    aw_sql s;
    cr_assert_eq(aw_sql_init(&s, db, &mk), 0, "%s", s.err);
    /* The settings the spill and the temp tables are measured against. */
    cr_assert_eq(aw_sql_count(&s, "PRAGMA cache_size"), NX_STORE_CACHE_SIZE);
    cr_assert_eq(aw_sql_count(&s, "PRAGMA temp_store"), 2, "temp_store is not MEMORY");
    cr_assert_eq(aw_sql_count(&s, "PRAGMA page_size"), NX_STORE_PAGE_SIZE);
    aw_model m;
    aw_model_init(&m);
    check_fresh(d.db, vfs, &m, &mk, seed);

    int spill_steps = 0;
    for (int64_t step = 1; step <= INPROC_STEPS; step++) {
        int kind = aw_step_kind(seed, step);
        spill_steps += kind == K_SPILL;
        cr_assert_eq(aw_sql_step(&s, seed, step), 0, "seed=%llu step %lld (%s): %s",
                     (unsigned long long)seed, (long long)step, aw_kind_name[kind], s.err);
        aw_step(seed, step, aw_model_exec, &m);
        cr_assert_eq(spyvfs_hits(), 0, "seed=%llu step %lld (%s): plaintext written: %s",
                     (unsigned long long)seed, (long long)step, aw_kind_name[kind],
                     spyvfs_first_hit());
        /* The writer's own connection, then one that reads everything from disk. */
        cr_assert_eq(aw_check(db, &m, &mk, err, sizeof err), 0, "seed=%llu step %lld (%s): %s",
                     (unsigned long long)seed, (long long)step, aw_kind_name[kind], err);
        check_fresh(d.db, vfs, &m, &mk, seed);
    }
    cr_assert_eq(spill_steps, INPROC_STEPS / AW_NKINDS);
    cr_assert_eq(s.spills, spill_steps, "transactions larger than cache_size did not spill");
    cr_assert_gt(s.fill_bytes, -NX_STORE_CACHE_SIZE * 1024);
    cr_assert_gt(nx_cryptvfs_pages_sealed(v), 0);
    cr_assert_gt(spyvfs_bytes_written(), 0);
    aw_sql_done(&s);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
    nx_cryptvfs_free(v);

    int journal_opens = 0;
    assert_only_db_and_journal(&d, &journal_opens);
    cr_assert_gt(journal_opens, 0, "the journal never went through the spy");
    assert_files_clean(&d, 0);
    aw_model_free(&m);
    spyvfs_clear_markers();
    spyvfs_reset();
}

/* ---- 3. the kill loop ------------------------------------------------------------------ */
#define KILL_RUNS_DEFAULT 200
#define SPAWN_MAX_US 60000       /* kills counted from spawn (during start-up) */
#define WORK_MAX_US 250000       /* ... from "cache open" */

static char ctx_desc[256];       /* printed with every failure of the loop */

#define KCHECK(cond, ...) do {                                                      \
        if (!(cond)) {                                                              \
            char m_[3 * PATH_MAX];                                                          \
            snprintf(m_, sizeof m_, __VA_ARGS__);                                   \
            cr_assert(0, "%s [%s]", m_, ctx_desc);                                  \
        }                                                                           \
    } while (0)

/* The last lines of the child's stderr, for failure messages. */
static const char *child_err(const char *path)
{
    static char buf[600];
    size_t n = 0;
    unsigned char *all = read_all(path, &n);
    buf[0] = 0;
    if (all) {
        size_t from = n > sizeof buf - 1 ? n - (sizeof buf - 1) : 0;
        memcpy(buf, all + from, n - from);
        buf[n - from] = 0;
        free(all);
    }
    return buf;
}

static pid_t spawn_writer(char *const argv[], const char *errfile, int ready_w)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (ready_w >= 0) posix_spawn_file_actions_adddup2(&fa, ready_w, 3);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    errno = rc;
    return rc == 0 ? pid : -1;
}

/* Progress file: "start S" (the step the writer found, after any hot
 * rollback), then "about N" and "commit N" per step. The committed state is
 * the last "commit" (or S); a trailing "about N" means the kill landed around
 * COMMIT, and N-1 or N are both correct. Without "start" nothing changed:
 * the candidates stay those the writer was given. Returns 1 if "start" was
 * seen. */
static int parse_progress(const char *path, int64_t cand_last, int64_t cand_pending,
                          int64_t *last, int64_t *pending, double *commit_avg_us)
{
    long long t_about = -1, t;
    size_t n = 0;
    unsigned char *buf = read_all(path, &n);
    int started = 0;
    *last = cand_last;
    *pending = cand_pending;
    if (!buf) return 0;
    char *p = (char *)buf, *end = (char *)buf + n;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;           /* a line cut by the kill carries nothing */
        *nl = 0;
        long long v = 0;
        if (sscanf(p, "start %lld", &v) == 1) {
            KCHECK(!started, "progress: second 'start'");
            KCHECK(v == cand_last || (cand_pending && v == cand_pending),
                   "the writer found step %lld; committed: %lld%s%lld", v, (long long)cand_last,
                   cand_pending ? ", or pending " : "", (long long)cand_pending);
            started = 1;
            *last = v;
            *pending = 0;
        } else if (sscanf(p, "about %lld", &v) == 1) {
            KCHECK(started && v == *last + 1 && !*pending,
                   "progress: 'about %lld' after commit %lld", v, (long long)*last);
            *pending = v;
            t_about = sscanf(p, "about %lld t=%lld", &v, &t) == 2 ? t : -1;
        } else if (sscanf(p, "commit %lld", &v) == 1) {
            KCHECK(started && v == *pending, "progress: 'commit %lld' without 'about'", v);
            *last = v;
            *pending = 0;
            /* How long COMMIT (and VACUUM) take here aims the commit kills. */
            if (t_about >= 0 && sscanf(p, "commit %lld t=%lld", &v, &t) == 2 && t >= t_about)
                *commit_avg_us += ((double)(t - t_about) * 1000 - *commit_avg_us) / 8;
        } else {
            KCHECK(0, "progress: unreadable line '%.40s'", p);
        }
        p = nl + 1;
    }
    free(buf);
    return started;
}

/* New lines of the children's spy log since *off: no hit, and no file
 * opened other than the database and its journal. */
static void check_spy_log(const char *path, long *off, const dirs *d, int opens[2])
{
    size_t n = 0;
    unsigned char *buf = read_all(path, &n);
    if (!buf) return;
    char *p = (char *)buf + *off, *end = (char *)buf + n;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        *nl = 0;
        unsigned flags = 0;
        char name[PATH_MAX + 40];
        if (strncmp(p, "hit ", 4) == 0) {
            KCHECK(0, "the writer's spy saw plaintext written: %s", p + 4);
        } else if (sscanf(p, "open 0x%x %4127s", &flags, name) == 2) {
            KCHECK(!strcmp(name, d->db) || !strcmp(name, d->journal),
                   "the writer opened a file other than the database and its journal: "
                   "%s (flags 0x%x)", name, flags);
            opens[strcmp(name, d->db) != 0]++;
        } else {
            KCHECK(0, "spy log: unreadable line '%.60s'", p);
        }
        p = nl + 1;
    }
    *off = (long)(p - (char *)buf);
    free(buf);
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* A journal SQLite will roll back: non-empty and its header started (with
 * synchronous=FULL the header's magic is written only when the journal is
 * first synced, before any page of the database is overwritten). */
static int journal_is_hot(const char *path)
{
    unsigned char first = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int hot = read(fd, &first, 1) == 1 && first != 0;
    close(fd);
    return hot;
}

static aw_model mc, ma;     /* scratch models of the loop's checker */

typedef struct loop_stats {
    int runs, killed, exited, hot, pending, pending_committed;
    int by_aim[3];
    int writer_recoveries;      /* runs whose writer opened a hot journal itself */
    int killed_in_recovery;     /* ... and was killed before it had finished opening */
    int64_t steps;
    int kinds[AW_NKINDS];
    double start_s, check_s;    /* time to "cache open", time in the parent's checks */
} loop_stats;

/* Reopens the cache after a run and finds which committed state it holds:
 * the model for `last`, or (when the kill landed around COMMIT) for
 * `pending`. Compares every row and leaves *model at that state. */
static void reopen_and_check(const dirs *d, nx_cryptvfs *v, uint64_t seed, aw_model *model,
                             int64_t last, int64_t pending, const aw_marks *mk,
                             loop_stats *st)
{
    char err[768] = "";
    KCHECK(last >= model->step, "progress went backwards: %lld < %lld", (long long)last,
           (long long)model->step);
    for (int64_t s = model->step + 1; s <= last; s++) st->kinds[aw_step_kind(seed, s)]++;
    aw_model_copy(&mc, model);
    aw_model_advance(&mc, seed, last);
    if (pending) {
        aw_model_copy(&ma, &mc);
        aw_model_advance(&ma, seed, pending);
    }
    st->hot += journal_is_hot(d->journal);

    sqlite3 *db = aw_open(d->db, nx_cryptvfs_name(v), 0, err, sizeof err);
    char why[200] = "";
    uint32_t page = 0;
    if (!db && nx_cryptvfs_failure(v, &page, why, sizeof why) == 0) why[0] = 0;
    KCHECK(db, "reopen: %s%s%s (page %u)", err, why[0] ? "; VFS: " : "", why, page);
    int64_t at = aw_db_step(db);
    const aw_model *want = NULL;
    if (at == last) want = &mc;
    else if (pending && at == pending) want = &ma;
    KCHECK(want, "the database is at step %lld; committed: %lld%s%lld", (long long)at,
           (long long)last, pending ? ", or pending " : "", (long long)pending);
    int rc = aw_check(db, want, mk, err, sizeof err);
    KCHECK(sqlite3_close(db) == SQLITE_OK, "close after check");
    KCHECK(rc == 0, "after reopen at step %lld: %s", (long long)at, err);
    KCHECK(spyvfs_hits() == 0, "reopen/rollback wrote plaintext: %s", spyvfs_first_hit());
    if (pending) st->pending++;
    if (want == &ma) {
        st->pending_committed++;
        st->kinds[aw_step_kind(seed, pending)]++;
    }
    aw_model_copy(model, want);
}

static void step_cands(char *out, size_t n, int64_t last, int64_t pending)
{
    if (pending) snprintf(out, n, "%lld or %lld", (long long)last, (long long)pending);
    else snprintf(out, n, "%lld", (long long)last);
}

/* Where a run's kill is aimed: delay counted from spawn (start-up, and the
 * writer's own hot rollback), from "cache open" (anywhere in the workload),
 * or from the writer's k-th "about to COMMIT" (inside COMMIT and VACUUM:
 * within 1.5 times the average time they take here). */
enum { AIM_SPAWN, AIM_WORK, AIM_COMMIT };
static const char *const aim_name[] = { "spawn", "cache-open", "commit" };

/* Reads one byte from the writer's signal pipe (60 s at most). */
static int signal_byte(int rd, char *c)
{
    struct pollfd p = { rd, POLLIN, 0 };
    return poll(&p, 1, 60000) == 1 && read(rd, c, 1) == 1 ? 0 : -1;
}

/* Spawns the writer, kills it as aimed and checks how it ended. */
static void run_writer(char *const argv[], const char *errfile, int aim, int commits,
                       long delay_us, loop_stats *st, double *ready_avg_us)
{
    int pfd[2];
    KCHECK(pipe2(pfd, O_CLOEXEC) == 0, "pipe");
    int rd = fcntl(pfd[0], F_DUPFD_CLOEXEC, 10), wr = fcntl(pfd[1], F_DUPFD_CLOEXEC, 10);
    close(pfd[0]);
    close(pfd[1]);
    double t0 = now_s();
    pid_t pid = spawn_writer(argv, errfile, wr);
    close(wr);
    KCHECK(pid > 0, "posix_spawn %s: %s", argv[0], strerror(errno));
    char c = 0;
    int ok = 1;
    if (aim != AIM_SPAWN) {
        ok = signal_byte(rd, &c) == 0 && c == 'R';
        if (ok) {
            *ready_avg_us += ((now_s() - t0) * 1e6 - *ready_avg_us) / 8;
            st->start_s += now_s() - t0;
        }
        for (int i = 0; ok && aim == AIM_COMMIT && i < commits; i++)
            ok = signal_byte(rd, &c) == 0 && c == 'A';
    }
    if (ok) {
        struct timespec ts = { delay_us / 1000000, (delay_us % 1000000) * 1000 };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    }
    kill(pid, SIGKILL);
    int ws = 0;
    KCHECK(waitpid(pid, &ws, 0) == pid, "waitpid");
    close(rd);           /* only now: a writer still running must not get SIGPIPE */
    KCHECK(ok, "the writer did not signal as expected (status 0x%x): %s", ws,
           child_err(errfile));
    if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL) {
        st->killed++;
        st->by_aim[aim]++;
    } else {
        KCHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the writer failed (status 0x%x): %s",
               ws, child_err(errfile));
        st->exited++;
    }
}

Test(atrest, kill_loop)
{
    dirs d;
    dirs_make(&d, "kill");
    uint64_t seed = test_seed();
    const char *runs_env = getenv("NX_ATREST_RUNS");
    int runs = runs_env && *runs_env ? atoi(runs_env) : KILL_RUNS_DEFAULT;
    int verbose = getenv("NX_ATREST_VERBOSE") != NULL;
    fprintf(stderr, "atrest/kill_loop: seed=%llu runs=%d (NX_ATREST_SEED reproduces)\n",
            (unsigned long long)seed, runs);
    snprintf(ctx_desc, sizeof ctx_desc, "seed=%llu setup", (unsigned long long)seed);
    aw_marks mk;
    setup_spy(seed, &mk);

    const char *bin = getenv("NX_TEST_BIN");
    char prog[PATH_MAX], progress[PATH_MAX + 20], errfile[PATH_MAX + 20], spylog[PATH_MAX + 20];
    snprintf(prog, sizeof prog, "%s/progs/atrest_writer", bin && *bin ? bin : "build/test");
    cr_assert(access(prog, X_OK) == 0, "%s: not built", prog);
    snprintf(progress, sizeof progress, "%s/progress", d.aux);
    snprintf(errfile, sizeof errfile, "%s/writer.err", d.aux);
    snprintf(spylog, sizeof spylog, "%s/spy.log", d.aux);

    unsigned char key[NX_KEY_BYTES];
    char keyhex[2 * NX_KEY_BYTES + 1];
    aw_key_from_seed(seed, key);
    aw_hex(key, NX_KEY_BYTES, keyhex);
    setenv("NX_ATREST_KEY", keyhex, 1);
    setenv("NX_ATREST_SPYLOG", spylog, 1);
    setenv("NX_ATREST_READY_FD", "3", 1);

    char err[768] = "";
    nx_cryptvfs *v = nx_cryptvfs_new(key, AW_SPY_NAME, err, sizeof err);
    cr_assert(v, "nx_cryptvfs_new: %s", err);
    sqlite3 *db = aw_open(d.db, nx_cryptvfs_name(v), 1, err, sizeof err);
    cr_assert(db, "create: %s", err);
    cr_assert_eq(aw_create_schema(db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    static aw_model model;   /* static: still reachable if an assertion ends the test */
    aw_model_init(&model);
    loop_stats st = {0};
    long spylog_off = 0;
    int log_opens[2] = { 0, 0 };   /* database, journal: proves the log works */
    int stall = 0;
    double ready_avg_us = 100000, commit_avg_us = 10000;
    /* The database holds the state of step cand_last, or of cand_pending
     * when that is not 0 (a kill around its COMMIT, not yet looked at). */
    int64_t cand_last = 0, cand_pending = 0;
    char seedarg[32], fromarg[32], altarg[32], maxarg[32], verifyarg[4];
    snprintf(seedarg, sizeof seedarg, "%llu", (unsigned long long)seed);
    double t0 = now_s();

    for (int run = 0; run <= runs; run++) {
        const int final = run == runs;
        const int hot = journal_is_hot(d.journal);
        uint64_t r = aw_h(seed, run, 'R', 0);
        int aim = r % 8 == 0 || (hot && r % 2) ? AIM_SPAWN : r % 8 < 4 ? AIM_COMMIT : AIM_WORK;
        int commits = 1 + (int)(aw_h(seed, run, 'R', 3) % 2);
        /* A run that committed nothing widens the next window (up to 4x), so
         * a slow machine still gets past long steps such as the spill. */
        long max_us = aim == AIM_COMMIT ? (long)(commit_avg_us * 1.5) + 1
                    : aim == AIM_WORK ? (long)WORK_MAX_US << (stall < 2 ? stall : 2)
                    : hot ? (long)(ready_avg_us * 1.5) + 1 : SPAWN_MAX_US;
        long delay = final ? 0 : (long)(aw_h(seed, run, 'R', 1) % (uint64_t)max_us);
        int verify = final || run % 4 == 3;
        char cands[64];
        step_cands(cands, sizeof cands, cand_last, cand_pending);
        snprintf(ctx_desc, sizeof ctx_desc,
                 "seed=%llu run=%d%s from-step=%s delay=%ldus after %s%s verify=%d "
                 "hot-journal=%d", (unsigned long long)seed, run, final ? " (final)" : "",
                 cands, delay, aim == AIM_COMMIT ? (commits == 1 ? "1st " : commits == 2 ?
                 "2nd " : "3rd ") : "", aim_name[aim], verify, hot);
        snprintf(fromarg, sizeof fromarg, "%lld", (long long)cand_last);
        snprintf(altarg, sizeof altarg, "%lld", (long long)cand_pending);
        snprintf(maxarg, sizeof maxarg, "%d", final ? AW_NKINDS : 100000);
        snprintf(verifyarg, sizeof verifyarg, "%d", verify);
        char *argv[] = { prog, d.db, progress, seedarg, fromarg, altarg, maxarg, verifyarg,
                         NULL };
        int fd = open(progress, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        KCHECK(fd >= 0, "progress file: %s", strerror(errno));
        close(fd);

        if (final) {
            /* The last run goes to its end: the clean exit, every step verified. */
            unsetenv("NX_ATREST_READY_FD");
            pid_t pid = spawn_writer(argv, errfile, -1);
            KCHECK(pid > 0, "posix_spawn");
            int ws = 0;
            KCHECK(waitpid(pid, &ws, 0) == pid, "waitpid");
            KCHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the final writer run failed (0x%x): %s",
                   ws, child_err(errfile));
        } else {
            run_writer(argv, errfile, aim, commits, delay, &st, &ready_avg_us);
        }
        check_spy_log(spylog, &spylog_off, &d, log_opens);
        int64_t last, pending;
        int started = parse_progress(progress, cand_last, cand_pending, &last, &pending,
                                     &commit_avg_us);
        if (hot) {
            st.writer_recoveries++;
            st.killed_in_recovery += !started;
        }
        if (final)
            KCHECK(started && pending == 0 && last >= cand_last + AW_NKINDS,
                   "the final run stopped at step %lld", (long long)last);
        if (last > cand_last) stall = 0;
        else if (aim == AIM_WORK) stall++;
        cand_last = last;
        cand_pending = pending;
        /* Half the kills that leave a hot journal leave it to the next writer,
         * so SQLite's rollback also runs (and is killed) inside the writer. */
        const int defer = !final && journal_is_hot(d.journal) && aw_h(seed, run, 'R', 2) % 2;
        if (!defer) {
            int64_t before = model.step;
            double tc = now_s();
            reopen_and_check(&d, v, seed, &model, cand_last, cand_pending, &mk, &st);
            st.check_s += now_s() - tc;
            st.steps += model.step - before;
            cand_last = model.step;
            cand_pending = 0;
        }
        if (!final) st.runs++;
        if (verbose) {
            step_cands(cands, sizeof cands, cand_last, cand_pending);
            fprintf(stderr, "atrest/kill_loop: %s -> step %s%s\n", ctx_desc, cands,
                    defer ? " (not checked: the next writer reopens)" : "");
        }
    }
    double loop_s = now_s() - t0;

    fprintf(stderr, "atrest/kill_loop: %d runs + a final one in %.1fs: %d killed (aimed after "
            "spawn %d, cache open %d, commit %d), %d exited; %lld steps committed; %d hot "
            "journals rolled back at reopen; %d kills around COMMIT (%d of them committed); "
            "%d writers opened a hot journal, %d of them killed before they were done; "
            "db %lld bytes; %.1fs spent starting writers, %.1fs checking; a COMMIT takes "
            "%.1fms\n",
            st.runs, loop_s, st.killed, st.by_aim[AIM_SPAWN], st.by_aim[AIM_WORK],
            st.by_aim[AIM_COMMIT], st.exited, (long long)st.steps, st.hot, st.pending,
            st.pending_committed, st.writer_recoveries, st.killed_in_recovery,
            (long long)file_size(d.db), st.start_s, st.check_s, commit_avg_us / 1000);
    cr_assert_geq(st.runs, runs);
    /* The loop must have reached what it is for: every kind of step
     * committed, and kills that left a hot journal to roll back. */
    for (int k = 0; k < AW_NKINDS; k++)
        cr_assert_gt(st.kinds[k], 0, "seed=%llu: no '%s' step was ever committed",
                     (unsigned long long)seed, aw_kind_name[k]);
    if (runs >= 200) {
        cr_assert_gt(st.hot, 0, "seed=%llu: no kill left a hot journal", (unsigned long long)seed);
        cr_assert_gt(st.writer_recoveries, 0, "seed=%llu: no writer rolled back a hot journal",
                     (unsigned long long)seed);
    }

    cr_assert(log_opens[0] > 0 && log_opens[1] > 0,
              "the writers' spy log shows %d database and %d journal opens", log_opens[0],
              log_opens[1]);
    /* Nothing but the database and its journal was opened, by the parent or
     * any child; nothing readable is left in the cache dir, TMPDIR, or in
     * the progress/log/stderr files. */
    assert_only_db_and_journal(&d, NULL);
    nx_cryptvfs_free(v);
    assert_files_clean(&d, 1);
    aw_model_free(&mc);
    aw_model_free(&ma);
    aw_model_free(&model);
    spyvfs_clear_markers();
    spyvfs_reset();
}
