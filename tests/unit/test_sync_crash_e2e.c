/* Sync end to end, crashes (issue 5 acceptance 5): over a real sshd, the
 * laptop's `nexus sync` is SIGKILLed, the hub's `nexus-hub serve` is
 * SIGKILLed, or the connection is cut (sshd's session process killed), at
 * 50 random points of rounds that both push (units-used increments: an op
 * applied twice or lost changes the sum) and pull (new items imported on
 * the hub before each round). Afterwards, with the network back: every op
 * is on the hub exactly once, the outbox is empty, the sums agree on both
 * sides and the laptop holds every item. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain/dict.h"
#include "hub/hub.h"
#include "profile/profile.h"
#include "session/session.h"
#include "tests/helpers/run.h"
#include "tests/helpers/sshd.h"
#include "util/util.h"

#define PASS "Crash-Test-Pass-1"
#define POINTS 50
#define ITEMS0 40

static char dir[4096], store[4200], conf[4300];
static nx_sshd sshd;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static nx_t_result run(const char *bin, const char *input, const char *const *args, int with_store)
{
    const char *argv[40] = { nx_t_bin(bin) };
    int n = 1;
    if (!with_store) {
        argv[n++] = "--config";
        argv[n++] = conf;
    }
    for (int i = 0; args[i] && n < 34; i++)
        argv[n++] = args[i];
    if (with_store) {
        argv[n++] = "--store";
        argv[n++] = store;
    }
    argv[n] = NULL;
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, input, &r), 0);
    cr_assert_eq(r.status, 0, "%s %s: %s", bin, args[0], r.err);
    return r;
}
#define HUB(...) run("nexus-hub", NULL, (const char *const[]){ __VA_ARGS__, NULL }, 1)
#define NEXUS(...) run("nexus", PASS "\n", (const char *const[]){ __VA_ARGS__, NULL }, 0)

static void import_batch(int batch, int n)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/batch%d.jsonl", dir, batch);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < n; i++)
        fprintf(f,
                "{\"id\":\"pa-%d-%d\",\"kind\":\"prior-auth\",\"client\":\"cl-1\","
                "\"status\":\"pending\",\"patient\":{\"id\":\"pt-%d-%d\","
                "\"family_name\":\"Crashtest%d\",\"given_name\":\"Bo\"},"
                "\"assignee\":\"alice\",\"team\":\"north\","
                "\"fields\":{\"units\":\"100\",\"units_used\":\"0\",\"payer_ref\":\"R-%d\"}}\n",
                batch, i, batch, i, i, i);
    cr_assert_eq(fclose(f), 0);
    HUB("import", path);
}

static void setup(void)
{
    if (!nx_sshd_available())
        cr_skip_test("no " NX_SSHD_PATH);
    nx_t_tmpdir(dir, sizeof dir, "sync-crash");
    snprintf(store, sizeof store, "%s/hub", dir);
    snprintf(conf, sizeof conf, "%s/nexus.conf", dir);
    char err[512];
    cr_assert_eq(nx_sshd_start(&sshd, NULL, err, sizeof err), 0, "sshd: %s", err);
    HUB("init");
    HUB("client", "add", "--id", "cl-1", "--name", "Crash Clinic (synthetic)", "--tz", "UTC");
}

static void teardown(void)
{
    nx_sshd_stop(&sshd);
}

TestSuite(sync_crash_e2e, .init = setup, .fini = teardown, .timeout = 900);

/* ---- processes -------------------------------------------------------------------- */

static pid_t spawn_sync(void)
{
    int in[2];
    cr_assert_eq(pipe(in), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(in[0], 0);
        close(in[0]);
        close(in[1]);
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        dup2(dn, 2);
        execl(nx_t_bin("nexus"), "nexus", "--config", conf, "sync", "--passphrase-fd", "0",
              (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    ssize_t w = write(in[1], PASS "\n", strlen(PASS) + 1);
    (void)w;
    close(in[1]);
    return pid;
}

/* Pids whose command line holds needle (and, for sshd, whose parent is
 * the listening sshd: its per-connection processes). */
static int find_pids(const char *needle, pid_t parent, pid_t *out, int max)
{
    DIR *d = opendir("/proc");
    cr_assert(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64], buf[4096];
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++)
            if (!buf[i])
                buf[i] = ' ';
        buf[len] = '\0';
        if (!strstr(buf, needle))
            continue;
        if (parent > 0) {
            snprintf(path, sizeof path, "/proc/%ld/stat", pid);
            f = fopen(path, "r");
            if (!f)
                continue;
            long ppid = 0;
            char comm[256], state;
            int ok = fscanf(f, "%*d (%255[^)]) %c %ld", comm, &state, &ppid) == 3;
            fclose(f);
            if (!ok || ppid != parent)
                continue;
        }
        out[n++] = (pid_t)pid;
    }
    closedir(d);
    return n;
}

static void kill_all(const char *needle, pid_t parent)
{
    pid_t pids[32];
    int n = find_pids(needle, parent, pids, 32);
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
}

/* ---- edits: one units-used increment = one op ---------------------------------------- */

static int64_t pinned_now;
static int64_t pinned(void *ctx)
{
    (void)ctx;
    return pinned_now;
}

/* Adds 1 to units_used of n items of the laptop; returns how many ops. */
static int add_units(int n, unsigned *seed)
{
    nx_conf c;
    nx_profile p;
    nx_session s;
    char err[1024];
    memset(&s, 0, sizeof s);
    cr_assert_eq(nx_conf_load(conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(&p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    pinned_now = nx_now();
    s.clock = pinned;
    cr_assert_eq(nx_session_start(&s, &p, nx_dict_default(), NULL, err, sizeof err), 0, "%s",
                 err);
    char ids[ITEMS0][64];
    for (int i = 0; i < ITEMS0; i++)
        snprintf(ids[i], sizeof ids[i], "pa-0-%d", i);
    int made = 0;
    for (int k = 0; k < n; k++) {
        nx_item it;
        const char *id = ids[rand_r(seed) % ITEMS0];
        if (nx_session_open(&s, id, &it, err, sizeof err) != 0)
            cr_assert_fail("open %s: %s", id, err);
        char v[16];
        snprintf(v, sizeof v, "%d", atoi(nx_item_get(&it, "units_used")) + 1);
        pinned_now++;
        cr_assert_eq(nx_session_set(&s, &it, "units_used", v, err, sizeof err), 0, "%s", err);
        nx_item_free(&it);
        made++;
    }
    nx_session_end(&s);
    nx_profile_close(&p);
    return made;
}

static long long q(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

Test(sync_crash_e2e, kills_and_cuts_at_50_random_points_lose_and_double_nothing)
{
    import_batch(0, ITEMS0);
    char text[9000];
    snprintf(text, sizeof text,
             "[cache]\ndir = %s/profile\n\n[sync]\nhost = %s\nport = %d\nuser = %s\n"
             "known_hosts = %s\n",
             dir, NX_SSHD_HOST, sshd.port, sshd.user, sshd.known_hosts);
    write_file(conf, text);
    NEXUS("init", "--user", "alice", "--role", "prior-auth", "--team", "north", "--kdf",
          "interactive", "--passphrase-fd", "0");
    nx_t_result k = NEXUS("key", "--passphrase-fd", "0");
    char pub[4400];
    snprintf(pub, sizeof pub, "%s/id.pub", dir);
    write_file(pub, k.out);
    nx_t_result line = HUB("user", "add", "--user", "alice", "--role", "prior-auth", "--team",
                           "north", "--key", pub);
    line.out[strcspn(line.out, "\n")] = '\0';
    cr_assert_eq(nx_sshd_authorize(&sshd, line.out), 0);
    NEXUS("sync", "--passphrase-fd", "0");

    unsigned seed = (unsigned)time(NULL);
    cr_log_info("crash points seed %u", seed);
    int ops = 0, items = ITEMS0;
    char serve_needle[4400];
    snprintf(serve_needle, sizeof serve_needle, "serve --store %s", store);
    const char *how[] = { "client", "hub", "cut" };
    int kinds[3] = { 0, 0, 0 };
    for (int point = 0; point < POINTS; point++) {
        ops += add_units(3, &seed);
        import_batch(point + 1, 8);
        items += 8;
        pid_t pid = spawn_sync();
        /* A round here takes some hundreds of milliseconds (handshake,
         * push, pull, apply): a point anywhere in it. */
        useconds_t delay = (useconds_t)(rand_r(&seed) % 900000);
        usleep(delay);
        int mode = point % 3;
        kinds[mode]++;
        if (mode == 0)
            kill(pid, SIGKILL);
        else if (mode == 1)
            kill_all(serve_needle, 0);
        else
            kill_all("sshd", sshd.pid);
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        (void)how;
    }
    cr_log_info("killed the client %d, the hub %d, cut %d times", kinds[0], kinds[1], kinds[2]);

    /* The network is back: rounds until nothing is left. */
    NEXUS("sync", "--passphrase-fd", "0");
    NEXUS("sync", "--passphrase-fd", "0");

    nx_hub *h = NULL;
    char err[512];
    cr_assert_eq(nx_hub_open(store, NULL, &h, err, sizeof err), 0, "%s", err);
    sqlite3 *hdb = nx_hub_db(h);
    long long hub_ops = q(hdb, "SELECT count(*) FROM ops WHERE kind = 'add'");
    long long hub_sum = q(hdb, "SELECT total(CAST(value AS INTEGER)) FROM item_fields "
                               "WHERE field = 'units_used'");
    long long hub_items = q(hdb, "SELECT count(*) FROM items WHERE assignee = 'alice'");
    nx_hub_close(h);
    cr_assert_eq(hub_ops, ops, "the hub holds %lld ops of %d", hub_ops, ops);
    cr_assert_eq(hub_sum, ops, "units used on the hub add up to %lld, not %d", hub_sum, ops);
    cr_assert_eq(hub_items, items);

    nx_conf c;
    nx_profile p;
    cr_assert_eq(nx_conf_load(conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(&p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    sqlite3 *cdb = nx_store_db(p.store);
    long long pending = q(cdb, "SELECT count(*) FROM outbox");
    long long lap_sum = q(cdb, "SELECT total(CAST(value AS INTEGER)) FROM item_fields "
                               "WHERE field = 'units_used'");
    long long lap_items = q(cdb, "SELECT count(*) FROM items");
    long long rejected = q(cdb, "SELECT count(*) FROM op_rejects");
    char why[256];
    uint64_t events = 0;
    int sound = nx_profile_verify(&p, &events, why, sizeof why);
    nx_profile_close(&p);
    cr_assert_eq(pending, 0, "%lld ops still in the outbox", pending);
    cr_assert_eq(rejected, 0, "%lld ops refused", rejected);
    cr_assert_eq(lap_sum, ops, "units used on the laptop add up to %lld, not %d", lap_sum, ops);
    cr_assert_eq(lap_items, items, "the laptop holds %lld items of %d", lap_items, items);
    cr_assert_eq(sound, 0, "the laptop's cache or audit chain is damaged: %s", why);
}
