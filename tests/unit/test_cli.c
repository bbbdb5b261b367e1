/* The nexus command as a user runs it: init, verify, passwd, --help,
 * --version, config errors; permissions; the database untouched by passwd
 * and by verify; verify naming a broken audit chain. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profile/profile.h"
#include "tests/helpers/run.h"
#include "util/util.h"

static char dir[4096], conf[4200], cenv[4300];

static void setup(void)
{
    nx_t_tmpdir(dir, sizeof dir, "cli");
    snprintf(conf, sizeof conf, "%s/nexus.conf", dir);
    FILE *f = fopen(conf, "w");
    cr_assert(f);
    fprintf(f, "[cache]\ndir = %s/profile\n", dir);
    fclose(f);
    snprintf(cenv, sizeof cenv, "NEXUS_CONFIG=%s", conf);
}

TestSuite(cli, .init = setup, .timeout = 120);

static nx_t_result run(const char *input, const char *const *args)
{
    const char *argv[16] = { nx_t_bin("nexus") };
    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    const char *env[] = { cenv, NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, input, &r), 0);
    return r;
}
#define NX(input, ...) run(input, (const char *const[]){ __VA_ARGS__, NULL })

static void init_profile(const char *training)
{
    nx_t_result r = training
        ? NX("Secret-Pass-1\n", "init", "--user", "bob", "--role", "eligibility", "--kdf",
             "interactive", "--training", training, "--passphrase-fd", "0")
        : NX("Secret-Pass-1\n", "init", "--user", "bob", "--role", "eligibility", "--kdf",
             "interactive", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "init failed: %s", r.err);
}

static void file_hash(const char *path, unsigned char out[32])
{
    char *buf = NULL, err[256];
    size_t len = 0;
    cr_assert_eq(nx_read_file(path, 1 << 28, &buf, &len, err, sizeof err), 0, "%s", err);
    crypto_generichash(out, 32, (unsigned char *)buf, len, NULL, 0);
    free(buf);
}

Test(cli, help_and_version)
{
    nx_t_result r = NX(NULL, "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "usage: nexus"));
    cr_assert(strstr(r.out, "--passphrase-fd"));
    r = NX(NULL, "--version");
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "nexus ", 6) == 0, "%s", r.out);
}

Test(cli, init_verify_and_permissions)
{
    init_profile("40");
    nx_t_result r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "cache ok"), "%s", r.out);
    cr_assert(strstr(r.out, "TRAINING, 40 items"), "%s", r.out);
    /* init, then one create event per seeded item */
    cr_assert(strstr(r.out, "audit chain intact: 41 events ("), "%s", r.out);

    char p[4400];
    struct stat st;
    snprintf(p, sizeof p, "%s/profile", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    snprintf(p, sizeof p, "%s/profile/nexus.key", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/profile/cache.db", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
}

Test(cli, init_refuses_weak_passphrase_and_bad_role)
{
    nx_t_result r = NX("password\n", "init", "--user", "bob", "--role", "eligibility",
                       "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "passphrase refused"), "%s", r.err);
    r = NX("Secret-Pass-1\n", "init", "--user", "bob", "--role", "janitor", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "unknown role 'janitor'"), "%s", r.err);
    char p[4400];
    struct stat st;
    snprintf(p, sizeof p, "%s/profile/nexus.key", dir);
    cr_assert_neq(stat(p, &st), 0, "a refused init left a key file");
}

Test(cli, init_twice_refused)
{
    init_profile(NULL);
    nx_t_result r = NX("Secret-Pass-1\n", "init", "--user", "bob", "--role", "eligibility",
                       "--kdf", "interactive", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "already exists"), "%s", r.err);
}

Test(cli, wrong_passphrase_refused)
{
    init_profile(NULL);
    nx_t_result r = NX("Not-The-Pass-2\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "nexus: wrong passphrase"), "%s", r.err);
}

Test(cli, passwd_rewraps_without_touching_the_cache)
{
    init_profile("10");
    char db[4400];
    snprintf(db, sizeof db, "%s/profile/cache.db", dir);
    unsigned char before[32], after[32];
    file_hash(db, before);
    nx_t_result r = NX("Secret-Pass-1\nBrand-New-Pass-7\n", "passwd", "--kdf", "interactive",
                       "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    file_hash(db, after);
    cr_assert_eq(memcmp(before, after, 32), 0, "passwd changed the database file");
    r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1, "the old passphrase still works");
    r = NX("Brand-New-Pass-7\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* verify is read-only, audit included: a check must not change what it
     * examines, and it shows no record. */
    file_hash(db, after);
    cr_assert_eq(memcmp(before, after, 32), 0, "verify changed the database file");
}

/* Opens the CLI's profile in this process, the way the TUI would, to add
 * events and then tamper with them below the audit API. */
static void open_profile(nx_profile *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s/profile", dir);
    snprintf(p->keyfile, sizeof p->keyfile, "%s/profile/" NX_KEYFILE_NAME, dir);
    snprintf(p->cache, sizeof p->cache, "%s/profile/" NX_CACHE_NAME, dir);
    char err[512] = "";
    cr_assert_eq(nx_crypt_init(), 0);
    cr_assert_eq(nx_profile_open(p, "Secret-Pass-1", 13, err, sizeof err), 0, "%s", err);
}

static void tamper(const char *sql)
{
    nx_profile p;
    open_profile(&p);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(nx_store_db(p.store), sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg);
    sqlite3_free(msg);
    nx_profile_close(&p);
}

Test(cli, verify_names_the_broken_audit_event)
{
    init_profile(NULL);
    nx_profile p;
    open_profile(&p);
    char err[512] = "";
    for (int i = 0; i < 4; i++) {
        nx_audit_event ev = { .action = NX_AUDIT_VIEW, .item_id = "item-1" };
        cr_assert_eq(nx_profile_audit(&p, &ev, err, sizeof err), 0, "%s", err);
    }
    nx_profile_close(&p);
    nx_t_result r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "audit chain intact: 5 events ("), "%s", r.out);

    tamper("UPDATE audit SET item_id = 'item-2' WHERE seq = 3");
    r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "nexus: audit chain broken at event 3: hash mismatch "
                            "(the event was altered)\n");
    cr_assert_str_eq(r.out, "");

    tamper("DELETE FROM audit WHERE seq >= 3");
    r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "nexus: audit chain ends at event 2 but the key file records "
                            "event 5\n");
}

Test(cli, passwd_with_wrong_old_passphrase_changes_nothing)
{
    init_profile(NULL);
    nx_t_result r = NX("Wrong-Pass-1\nBrand-New-Pass-7\n", "passwd", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
}

Test(cli, bad_config_stops_with_file_line)
{
    FILE *f = fopen(conf, "w");
    fprintf(f, "[lock]\nidle_lock_seconds = 900\n");
    fclose(f);
    nx_t_result r = NX(NULL, "verify");
    cr_assert_eq(r.status, 1);
    char want[4400];
    snprintf(want, sizeof want, "nexus: %s:2: idle_lock_seconds: 900 is out of range (30-300)\n", conf);
    cr_assert_str_eq(r.err, want);
}

Test(cli, explicit_config_flag_wins)
{
    nx_t_result r = NX(NULL, "--config", "/nonexistent.conf", "verify");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "/nonexistent.conf: No such file"), "%s", r.err);
}

Test(cli, verify_without_profile_explains)
{
    nx_t_result r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "nexus.key"), "%s", r.err);
}

/* --training 0: a TRAINING profile with no items of its own (make run's
 * profile, which gets its items from a training hub); a negative count is
 * refused. */
Test(cli, init_training_without_items)
{
    init_profile("0");
    nx_t_result r = NX("Secret-Pass-1\n", "verify", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "TRAINING") || strstr(r.out, "TRAINING"), "not TRAINING: %s%s",
              r.out, r.err);
    cr_assert(strstr(r.err, "0 items") || strstr(r.out, "0 items"), "items: %s%s", r.out,
              r.err);
    r = NX("Secret-Pass-1\n", "init", "--user", "ann", "--role", "roi", "--training", "-1",
           "--passphrase-fd", "0");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "from 0 to 1000000"), "%s", r.err);
}
