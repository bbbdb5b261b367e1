/* tests/bench/queue_bench.c — the work-queue model's benchmark (issue 4):
 * a cache of N items (default 100 000) behind the real encrypting VFS,
 * opened as `nexus` opens it (nx_profile_open: key file, Argon2id at the
 * level `nexus init` uses, the cache with nx_store_harden's settings), a
 * supervisor's session, and each keystroke of the queue screen timed on
 * the model side: from the call into core/queue to the page being filled
 * and masked. Drawing is not included (the curses side is measured by the
 * screen's own benchmark); every number printed is measured in this run.
 *
 *   queuebench fill DIR N     create the profile in DIR and fill it (once)
 *   queuebench run DIR REPS   unlock and measure; one line per measure:
 *     queue op=NAME samples=K median_ms=.. p99_ms=.. max_ms=.. rows=..
 *     queue info key=value ...
 * p99 is the nearest-rank 99th percentile of the samples. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "conf/conf.h"
#include "domain/dict.h"
#include "profile/profile.h"
#include "queue/queue.h"
#include "session/session.h"
#include "store/items_io.h"
#include "store/rows.h"

#define PASS "Bench-Queue-Pass-1"
#define PAGE 40                 /* rows of an 80x24 .. 100x50 terminal's table */
#define NOW0 1780300800         /* 2026-06-01 08:00 UTC: the data is built around it */
#define LAST_NAME "Zzyzx"       /* the last row's patient, and no one else's */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "queuebench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
/* The thread's CPU time: on a shared, busy machine it moves far less than
 * wall time, since waiting for a core is not in it (I/O waits are not in
 * it either: the cache file sits in the OS page cache here). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n) && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* ---- deterministic data --------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static long below(long n) { return (long)(rnd() % (uint64_t)n); }

static const char *const families[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Núñez", "Nguyễn", "王", "李", "张",
    "Ávila", "Müller", "O'Brien", "de la Cruz", "DeVries", "Kowalski", "Østergaard", "Ibáñez",
};
static const char *const givens[] = {
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "José", "Thị Hoa", "伟", "芳", "Émile", "Zoë", "Ava", "Liam", "Noah", "Olivia", "Mia", "Lucas",
};
static const char *const payers[] = {
    "Bluewater Health Plan", "Acme Insurance", "Great Lakes Mutual", "Sunrise Medicare Advantage",
    "Pinnacle PPO", "Evergreen HMO", "Prairie Blue", "Keystone Care", "Summit Health",
    "Harbor Medicaid", "Liberty Dental", "Cascade Vision", "Atlas Workers Comp", "Meridian Plan",
    "Northstar Health", "Redwood Benefits", "Silverline Senior", "Tristate Mutual",
    "Union Health Fund", "Vanguard Medical", "Westfield Insurance", "Yellowstone Health",
};
static const char *const statuses[] = { "new", "new", "new", "verifying", "verifying",
                                        "verifying", "verified", "verified", "closed", "closed" };
static const char *const zones[] = { "America/New_York", "America/Chicago", "America/Los_Angeles" };

static void open_paths(nx_profile *p, const char *dir)
{
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s", dir);
    char err[512];
    if (nx_profile_paths(p, &c, err, sizeof err))
        die("%s", err);
}

static void fill(const char *dir, long n)
{
    if (nx_crypt_init() != 0)
        die("crypto init failed");
    nx_profile p;
    memset(&p, 0, sizeof p);
    open_paths(&p, dir);
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "agent00");
    snprintf(info.role, sizeof info.role, "supervisor");
    snprintf(info.team, sizeof info.team, "north");
    info.created = info.passphrase_set = NOW0;
    char err[512];
    double t0 = now_ms();
    if (nx_profile_create(&p, PASS, strlen(PASS), NX_KDF_MODERATE, &info, err, sizeof err))
        die("%s", err);
    nx_store *st = p.store;
    double t1 = now_ms();
    if (nx_store_begin(st))
        die("begin: %s", nx_store_errmsg(st));
    for (int i = 0; i < 6; i++) {
        char id[16], name[32];
        snprintf(id, sizeof id, "cl-%d", i);
        snprintf(name, sizeof name, "Client %d", i);
        nx_client_row c = { id, name, zones[i % 3], "", "" };
        if (nx_store_client_put(st, &c))
            die("client: %s", nx_store_errmsg(st));
    }
    long npat = n * 7 / 10 + 1;
    for (long i = 0; i < n; i++) {
        char pid[24], iid[40], client[16], assignee[16], sd[16];
        long pt = i < npat ? i : below(npat);
        snprintf(pid, sizeof pid, "pt-%06ld", pt);
        snprintf(client, sizeof client, "cl-%ld", pt % 6);
        if (i < npat) {
            nx_patient_row pr = { pid, client, families[below(sizeof families / sizeof *families)],
                                  givens[below(sizeof givens / sizeof *givens)], "1970-01-01",
                                  "2175550123", "p@example.invalid", "1 Main St, Springfield, IL 62701",
                                  "MRN0000001", "ZX123456789",
                                  payers[below(sizeof payers / sizeof *payers)], "no", "no", "" };
            if (nx_store_patient_put(st, &pr))
                die("patient: %s", nx_store_errmsg(st));
        }
        uint64_t h = rnd(), l = rnd();
        snprintf(iid, sizeof iid, "%08llx-%04llx-4%03llx-%04llx-%012llx",
                 (unsigned long long)(h >> 32), (unsigned long long)((h >> 16) & 0xffff),
                 (unsigned long long)(h & 0xfff), (unsigned long long)(0x8000 | (l >> 48 & 0x3fff)),
                 (unsigned long long)(l & 0xffffffffffffull));
        snprintf(assignee, sizeof assignee, "agent%02ld", below(20));
        int64_t due = below(20) == 0 ? 0 : NOW0 + (below(60 * 24) - 30 * 24) * 3600;
        nx_item_row r = { iid, "eligibility", client, pid, statuses[below(10)], assignee, "north",
                          below(8) == 0, NOW0 - 86400 * 40, NOW0 - 86400, due, 0 };
        if (nx_store_item_put(st, &r))
            die("item: %s", nx_store_errmsg(st));
        if (due) {
            time_t visit = (time_t)(due + 72 * 3600);
            struct tm tm;
            gmtime_r(&visit, &tm);
            strftime(sd, sizeof sd, "%Y-%m-%d", &tm);
            if (nx_store_item_field_put(st, iid, "service_date", sd))
                die("field: %s", nx_store_errmsg(st));
        }
        if ((i + 1) % 5000 == 0) {
            if (nx_store_commit(st) || nx_store_begin(st))
                die("commit: %s", nx_store_errmsg(st));
        }
    }
    if (nx_store_commit(st))
        die("commit: %s", nx_store_errmsg(st));
    double t2 = now_ms();
    printf("queue info fill_items=%ld patients=%ld create_s=%.2f insert_s=%.2f\n", n, npat,
           (t1 - t0) / 1e3, (t2 - t1) / 1e3);
    nx_profile_close(&p);
}

/* ---- measuring -------------------------------------------------------------------- */

#define MAXS 4096
typedef struct {
    const char *name;
    double v[MAXS], c[MAXS];
    int n;
    long rows;
} series;

/* One keystroke's clocks: started by tick(), read by add(). */
static double t_wall, t_cpu;
static void tick(void)
{
    t_wall = now_ms();
    t_cpu = cpu_ms();
}

static void put(series *s, double w, double c, int rows)
{
    if (rows < 0)
        die("%s failed", s->name);
    if (s->n < MAXS) {
        s->v[s->n] = w;
        s->c[s->n++] = c;
    }
    s->rows += rows;
}

static void add(series *s, int rows)
{
    double c = cpu_ms() - t_cpu, w = now_ms() - t_wall;
    put(s, w, c, rows);
}

/* The same keystroke in two series (one column's sort, and every sort). */
static void add2(series *a, series *b, int rows)
{
    double c = cpu_ms() - t_cpu, w = now_ms() - t_wall;
    put(a, w, c, rows);
    if (b)
        put(b, w, c, rows);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(series *s)
{
    if (!s->n)
        return;
    qsort(s->v, (size_t)s->n, sizeof s->v[0], cmpd);
    qsort(s->c, (size_t)s->n, sizeof s->c[0], cmpd);
    int r99 = (int)((99 * (long)s->n + 99) / 100);   /* nearest rank: ceil(0.99 n) */
    printf("queue op=%s samples=%d median_ms=%.3f p99_ms=%.3f max_ms=%.3f"
           " cpu_median_ms=%.3f cpu_p99_ms=%.3f rows=%.1f\n", s->name, s->n, median(s->v, s->n),
           s->v[r99 - 1], s->v[s->n - 1], median(s->c, s->n), s->c[r99 - 1],
           (double)s->rows / s->n);
}

static nx_session sess;
static int64_t clock_fixed(void *ctx) { (void)ctx; return NOW0; }

static nx_queue *qopen(void)
{
    nx_queue *q;
    char err[256];
    if (nx_queue_open(&sess, NX_KIND_ELIGIBILITY, PAGE, &q, err, sizeof err))
        die("%s", err);
    return q;
}

/* One scrolling keystroke: a page (or a line) down or up. At the end (or
 * the start) the queue has nothing there and the page stays: like the
 * screen, the next keystroke starts again from the other end (not timed). */
static void step(nx_queue *q, series *s, int up, int line)
{
    int m;
    nx_queue_page(q, &m);
    tick();
    int n = up ? nx_queue_before(q, line ? m - 1 : 0) : nx_queue_after(q, line ? 0 : m - 1);
    add(s, n);
    if (n == 0 || (line && n < m))
        n = up ? nx_queue_last(q) : nx_queue_first(q);
    if (n <= 0)
        die("the queue is empty");
}

/* One PgDn (or PgUp) counted in two series; back to the other end when
 * there is no page further. */
static void step2(nx_queue *q, series *a, series *b, int up)
{
    int m;
    nx_queue_page(q, &m);
    tick();
    int n = up ? nx_queue_before(q, 0) : nx_queue_after(q, m - 1);
    add2(a, b, n);
    if (n == 0)
        n = up ? nx_queue_last(q) : nx_queue_first(q);
    if (n <= 0)
        die("the queue is empty");
}

static void set_search(nx_queue *q, const char *text)
{
    nx_queue_filter f = {0};
    snprintf(f.search, sizeof f.search, "%s", text);
    if (nx_queue_set_filter(q, &f))
        die("filter: %s", nx_queue_error(q));
}

static void run(const char *dir, int reps)
{
    char err[512];
    long rss0 = status_kib("VmRSS");
    if (nx_crypt_init() != 0)
        die("crypto init failed");
    nx_profile p;
    memset(&p, 0, sizeof p);
    open_paths(&p, dir);
    double t0 = now_ms();
    if (nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err))
        die("%s", err);
    sess.clock = clock_fixed;
    if (nx_session_start(&sess, &p, nx_dict_default(), NULL, err, sizeof err))
        die("%s", err);
    double t1 = now_ms();
    long rss_unlock = status_kib("VmRSS");
    printf("queue info unlock_ms=%.1f rss_start_kib=%ld rss_after_unlock_kib=%ld items=%lld\n",
           t1 - t0, rss0, rss_unlock, (long long)nx_store_count(p.store, "items"));

    static series s_cold = { .name = "open_first_after_unlock" }, s_open = { .name = "open" },
           s_count = { .name = "count" }, s_pgdn = { .name = "pgdn" },
           s_down = { .name = "line_down" }, s_pgup = { .name = "pgup" },
           s_up = { .name = "line_up" }, s_end = { .name = "end" }, s_home = { .name = "home" },
           s_sort = { .name = "sort_any" }, s_type = { .name = "search_keystroke" },
           s_last = { .name = "search_only_last_row" }, s_lastid = { .name = "search_last_row_id" },
           s_dash = { .name = "dashboard_counts" };
    static series s_col[NX_SORT_COUNT][2], s_scr[NX_SORT_COUNT],
           s_scroll = { .name = "scroll_sorted" };

    /* the first opening after unlock: the cache's pages are read and decrypted */
    tick();
    nx_queue *q = qopen();
    int n = nx_queue_first(q);
    add(&s_cold, n);
    nx_queue_close(q);

    for (int r = 0; r < reps * 5; r++) {
        tick();
        q = qopen();
        n = nx_queue_first(q);
        add(&s_open, n);
        tick();
        int64_t c = nx_queue_count(q, 1000);
        add(&s_count, c < 0 ? -1 : 1);
        nx_queue_close(q);
    }

    q = qopen();
    /* scrolling: PgDn page after page, one line at a time, and back up */
    for (int r = 0; r < reps; r++) {
        n = nx_queue_first(q);
        for (int i = 0; i < 100; i++)
            step(q, &s_pgdn, 0, 0);
        for (int i = 0; i < 100; i++)
            step(q, &s_down, 0, 1);
        for (int i = 0; i < 100; i++)
            step(q, &s_pgup, 1, 0);
        for (int i = 0; i < 100; i++)
            step(q, &s_up, 1, 1);
    }
    /* End and Home */
    for (int r = 0; r < reps * 5; r++) {
        tick();
        n = nx_queue_last(q);
        add(&s_end, n);
        tick();
        n = nx_queue_first(q);
        add(&s_home, n);
    }
    /* the last row (End's last), for the searches */
    n = nx_queue_last(q);
    char last_id[64], last_patient[NX_QUEUE_PATIENT_MAX];
    snprintf(last_id, sizeof last_id, "%s", nx_queue_page(q, NULL)[n - 1].id);
    snprintf(last_patient, sizeof last_patient, "%s", nx_queue_page(q, NULL)[n - 1].patient);
    if (strncmp(last_patient, LAST_NAME ", ", strlen(LAST_NAME) + 2) != 0)
        die("the last row's patient is not %s (run fill again)", LAST_NAME);

    /* sorting by each column, both ways: the keystroke that re-sorts and
     * shows the first page */
    for (int r = 0; r < reps; r++)
        for (int s = 0; s < NX_SORT_COUNT; s++)
            for (int d = 0; d < 2; d++) {
                series *sc = &s_col[s][d];
                tick();
                if (nx_queue_set_sort(q, (nx_queue_sort)s, d))
                    die("sort %s: %s", nx_queue_sort_name((nx_queue_sort)s), nx_queue_error(q));
                n = nx_queue_first(q);
                add2(sc, &s_sort, n);
            }
    /* scrolling in the other sorts, each way: PgDn from the first page,
     * PgUp from the last (the priority sort reads two indexes) */
    for (int r = 0; r < reps; r++)
        for (int s = 1; s < NX_SORT_COUNT; s++)
            for (int d = 0; d < 2; d++) {
                if (nx_queue_set_sort(q, (nx_queue_sort)s, d))
                    die("sort %s: %s", nx_queue_sort_name((nx_queue_sort)s), nx_queue_error(q));
                nx_queue_first(q);
                for (int i = 0; i < 20; i++)
                    step2(q, &s_scr[s], &s_scroll, 0);
                nx_queue_last(q);
                for (int i = 0; i < 20; i++)
                    step2(q, &s_scr[s], &s_scroll, 1);
            }
    if (nx_queue_set_sort(q, NX_SORT_DUE, 0))
        die("sort");

    /* incremental search, one keystroke at a time, ending in a text only
     * the last row matches: its patient's family name, then its id */
    const char *name_keys = "zzyzx";
    for (int r = 0; r < reps * 2; r++) {
        char typed[64] = "";
        for (size_t k = 0; k < strlen(name_keys); k++) {
            typed[k] = name_keys[k];
            typed[k + 1] = '\0';
            tick();
            set_search(q, typed);
            n = nx_queue_first(q);
            int final = k + 1 == strlen(name_keys);
            add2(&s_type, final ? &s_last : NULL, n);
            if (final && (n != 1 || strcmp(nx_queue_page(q, NULL)[0].id, last_id)))
                die("the search for %s found %d rows", typed, n);
        }
        for (size_t k = 0; k < 13; k++) {
            typed[k] = last_id[k];
            typed[k + 1] = '\0';
            tick();
            set_search(q, typed);
            n = nx_queue_first(q);
            add2(&s_type, k == 12 ? &s_lastid : NULL, n);
            if (k == 12 && (n != 1 || strcmp(nx_queue_page(q, NULL)[0].id, last_id)))
                die("the search for the last row's id found %d rows", n);
        }
        set_search(q, "");
    }
    nx_queue_close(q);

    for (int r = 0; r < reps; r++) {
        nx_queue_counts c;
        tick();
        int rc = nx_queue_counts_for(&sess, NX_KIND_ELIGIBILITY, &c, err, sizeof err);
        add(&s_dash, rc ? -1 : 1);
        if (r == 0)
            printf("queue info counts open=%lld due_today=%lld overdue=%lld at_risk=%lld mine=%lld\n",
                   (long long)c.open, (long long)c.due_today, (long long)c.overdue,
                   (long long)c.at_risk, (long long)c.mine);
    }

    series *all[] = { &s_cold, &s_open, &s_count, &s_pgdn, &s_down, &s_pgup, &s_up, &s_end,
                      &s_home, &s_sort, &s_scroll, &s_type, &s_last, &s_lastid, &s_dash };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        report(all[i]);
    for (int s = 0; s < NX_SORT_COUNT; s++)
        for (int d = 0; d < 2; d++) {
            char name[48];
            snprintf(name, sizeof name, "sort_%s_%s", nx_queue_sort_name((nx_queue_sort)s),
                     d ? "desc" : "asc");
            s_col[s][d].name = name;
            report(&s_col[s][d]);
        }
    for (int s = 1; s < NX_SORT_COUNT; s++) {
        char name[48];
        snprintf(name, sizeof name, "scroll_%s", nx_queue_sort_name((nx_queue_sort)s));
        s_scr[s].name = name;
        report(&s_scr[s]);
    }
    printf("queue info rss_end_kib=%ld hwm_kib=%ld\n", status_kib("VmRSS"), status_kib("VmHWM"));
    nx_session_end(&sess);
    nx_profile_close(&p);
}

/* The last row of the due order (no due time, greatest id) gets a patient
 * of its own named LAST_NAME, so a search can match it alone. */
static void mark_last(const char *dir)
{
    if (nx_crypt_init() != 0)
        die("crypto init failed");
    nx_profile p;
    memset(&p, 0, sizeof p);
    open_paths(&p, dir);
    char err[512];
    if (nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err))
        die("%s", err);
    sess.clock = clock_fixed;
    if (nx_session_start(&sess, &p, nx_dict_default(), NULL, err, sizeof err))
        die("%s", err);
    nx_queue *q = qopen();
    int n = nx_queue_last(q);
    if (n <= 0)
        die("empty queue");
    nx_item_rec r;
    if (nx_store_item_get(p.store, nx_queue_page(q, NULL)[n - 1].id, &r) != 1)
        die("last item");
    nx_queue_close(q);
    nx_patient_row pr = { "pt-last", "cl-0", LAST_NAME, "Omega", "1970-01-01", "", "", "", "", "",
                          "Solo Health Plan", "no", "no", "" };
    if (nx_store_begin(p.store) || nx_store_patient_put(p.store, &pr))
        die("patient: %s", nx_store_errmsg(p.store));
    snprintf(r.patient_id, sizeof r.patient_id, "pt-last");
    if (nx_store_item_update(p.store, &r) || nx_store_commit(p.store))
        die("update: %s", nx_store_errmsg(p.store));
    nx_session_end(&sess);
    nx_profile_close(&p);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "fill")) {
        fill(argv[2], atol(argv[3]));
        mark_last(argv[2]);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "run")) {
        run(argv[2], atoi(argv[3]) > 0 ? atoi(argv[3]) : 5);
        return 0;
    }
    fprintf(stderr, "usage: queuebench fill DIR N | queuebench run DIR REPS\n");
    return 2;
}
