/* The nexus command as a user runs it: init, verify, passwd, --help,
 * --version, config errors; permissions; the database untouched by passwd. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    file_hash(db, after);
    cr_assert_eq(memcmp(before, after, 32), 0, "verify changed the database file");
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
