/* The nexus-hub binary as an administrator runs it: usage errors exit 2,
 * failures 1, the authorized_keys line's exact form, import's line-named
 * errors, audit verify's output. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/helpers/run.h"
#include "tests/unit/test_hub_fixture.h"

static char base[4096], store[4200], keyf[4300];
static nx_t_result R;

/* Runs nexus-hub with the arguments up to the first NULL. */
#define HUB(...) hub_n(__VA_ARGS__, NULL)
static int hub_n(const char *a1, ...)
{
    const char *argv[24] = { nx_t_bin("nexus-hub"), a1 };
    va_list ap;
    va_start(ap, a1);
    for (int i = 2; i < 23 && argv[i - 1]; i++)
        argv[i] = va_arg(ap, const char *);
    va_end(ap);
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &R), 0);
    return R.status;
}

static void setup(void)
{
    nx_t_tmpdir(base, sizeof base, "hub-cli");
    snprintf(store, sizeof store, "%s/store", base);
    snprintf(keyf, sizeof keyf, "%s/store.key", base);
}

TestSuite(hub_cli, .init = setup);

Test(hub_cli, help_version_and_usage_errors)
{
    cr_assert_eq(HUB("--help"), 0);
    cr_assert(strstr(R.out, "user add --user NAME"), "%s", R.out);
    cr_assert_eq(HUB("--version"), 0);
    cr_assert(strncmp(R.out, "nexus-hub ", 10) == 0, "%s", R.out);
    cr_assert_eq(HUB("frobnicate"), 2);
    cr_assert(strstr(R.err, "unknown command"), "%s", R.err);
    cr_assert_eq(HUB("init"), 2);
    cr_assert(strstr(R.err, "--store is required"), "%s", R.err);
    cr_assert_eq(HUB("init", "--store", store, "--bogus"), 2);
    cr_assert(strstr(R.err, "unknown option '--bogus'"), "%s", R.err);
    cr_assert_eq(HUB("init", "--store"), 2);
    cr_assert_eq(HUB("user", "add", "--store", store, "--user", "alice", "--role", "wizard",
                     "--team", "t1", "--key", "/nonexistent"), 2);
    cr_assert(strstr(R.err, "scheduling"), "%s", R.err);
    cr_assert_eq(HUB("emergency", "--store", store, "maybe"), 2);
    cr_assert_eq(HUB("export", "--store", store, "--to", "x"), 2);
    /* No store there: a failure, not a usage error. */
    cr_assert_eq(HUB("banner", "--store", store, "show"), 1);
    cr_assert(strstr(R.err, "no hub store here"), "%s", R.err);
}

Test(hub_cli, init_user_add_prints_one_authorized_keys_line)
{
    cr_assert_eq(HUB("init", "--store", store), 0, "%s", R.err);
    struct stat st;
    cr_assert_eq(stat(keyf, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    char db[4400];
    snprintf(db, sizeof db, "%s/hub.db", store);
    cr_assert_eq(stat(db, &st), 0);
    cr_assert_eq(st.st_mode & 0077, 0);
    char pub[4400];
    snprintf(pub, sizeof pub, "%s/alice.pub", base);
    hubt_write(pub, HUBT_KEY1 " alice@laptop\n");
    cr_assert_eq(HUB("user", "add", "--store", store, "--user", "alice", "--role", "scheduling",
                     "--team", "t1", "--key", pub), 0, "%s", R.err);
    char exe[PATH_MAX], dir[PATH_MAX], want[3 * PATH_MAX];
    cr_assert_not_null(realpath(nx_t_bin("nexus-hub"), exe));
    cr_assert_not_null(realpath(store, dir));
    snprintf(want, sizeof want, "restrict,command=\"%s serve --store %s --user alice\" "
             HUBT_KEY1 " alice\n", exe, dir);
    cr_assert_str_eq(R.out, want);
    /* With an explicit key file the forced command names it too. */
    snprintf(pub, sizeof pub, "%s/bob.pub", base);
    hubt_write(pub, HUBT_KEY2 "\n");
    cr_assert_eq(HUB("user", "add", "--store", store, "--key-file", keyf, "--user", "bob",
                     "--role", "supervisor", "--team", "t1", "--key", pub), 0, "%s", R.err);
    char kreal[PATH_MAX];
    cr_assert_not_null(realpath(keyf, kreal));
    snprintf(want, sizeof want, "restrict,command=\"%s serve --store %s --key-file %s --user bob\" "
             HUBT_KEY2 " bob\n", exe, dir, kreal);
    cr_assert_str_eq(R.out, want);
    /* The same user again: a failure. */
    cr_assert_eq(HUB("user", "add", "--store", store, "--user", "bob", "--role", "supervisor",
                     "--team", "t1", "--key", pub), 1);
    cr_assert_eq(HUB("user", "list", "--store", store), 0);
    cr_assert(strstr(R.out, "alice\tscheduling\tt1\tactive"), "%s", R.out);
    cr_assert_eq(HUB("user", "revoke", "--store", store, "--user", "alice"), 0, "%s", R.err);
    cr_assert_eq(HUB("user", "revoke", "--store", store), 2);
    cr_assert_eq(HUB("audit", "verify", "--store", store), 0, "%s", R.err);
    cr_assert_str_eq(R.out, "ok 4 events\n");
    cr_assert_eq(HUB("audit", "query", "--store", store, "--action", "user-add"), 0);
    cr_assert(strstr(R.out, "user=alice role=scheduling team=t1"), "%s", R.out);
    cr_assert(strstr(R.out, "user=bob"), "%s", R.out);
}

Test(hub_cli, import_names_the_bad_line_and_imports_nothing)
{
    cr_assert_eq(HUB("init", "--store", store), 0, "%s", R.err);
    cr_assert_eq(HUB("client", "add", "--store", store, "--id", "cl-test", "--name", "Synthetic",
                     "--tz", "America/New_York", "--holidays", "2026-12-25"), 0, "%s", R.err);
    cr_assert_eq(HUB("client", "add", "--store", store, "--id", "cl-x", "--name", "X",
                     "--tz", "Nowhere/Land"), 1);
    char file[4400];
    snprintf(file, sizeof file, "%s/in.jsonl", base);
    hubt_write(file, HUBT_LINE_SCHED "\n" HUBT_LINE_ELIG "\n"
               "{\"id\":\"it-bad\",\"kind\":\"roi\",\"client\":\"cl-test\",\"patient\":{\"id\":\"p9\","
               "\"family_name\":\"Doe\",\"given_name\":\"J\",\"phone\":\"555-Zq9\"}}\n");
    cr_assert_eq(HUB("import", "--store", store, file), 1, "%s", R.out);
    char want[4500];
    snprintf(want, sizeof want, "nexus-hub import: %s:3: ", file);
    cr_assert(strncmp(R.err, want, strlen(want)) == 0, "%s", R.err);
    cr_assert(strstr(R.err, "phone"), "%s", R.err);
    cr_assert_null(strstr(R.err, "Zq9"), "%s", R.err);
    hubt_write(file, HUBT_LINE_SCHED "\n" HUBT_LINE_ELIG "\n");
    cr_assert_eq(HUB("import", "--store", store, file), 0, "%s", R.err);
    cr_assert_str_eq(R.out, "imported 2 items\n");
    cr_assert_eq(HUB("import", "--store", store), 2);
}

Test(hub_cli, export_warns_for_plaintext_and_seals_otherwise)
{
    cr_assert_eq(HUB("init", "--store", store, "--training"), 0, "%s", R.err);
    cr_assert_eq(HUB("seed", "--store", store, "--synthetic", "25", "--team", "t1"), 0, "%s", R.err);
    char out[4400], pub[4400], sec[4400], opened[4400];
    snprintf(out, sizeof out, "%s/plain.jsonl", base);
    cr_assert_eq(HUB("export", "--store", store, "--to", out, "--plaintext"), 0, "%s", R.err);
    cr_assert(strstr(R.err, "WARNING"), "%s", R.err);
    snprintf(pub, sizeof pub, "%s/a.pub", base);
    snprintf(sec, sizeof sec, "%s/a.sec", base);
    snprintf(out, sizeof out, "%s/sealed.bin", base);
    snprintf(opened, sizeof opened, "%s/opened.jsonl", base);
    cr_assert_eq(HUB("export-key", "--public", pub, "--secret", sec), 0, "%s", R.err);
    cr_assert_eq(HUB("export", "--store", store, "--to", out, "--recipient", pub), 0, "%s", R.err);
    cr_assert_eq(R.err[0], '\0', "%s", R.err);
    cr_assert(strstr(R.out, "exported 25 items"), "%s", R.out);
    cr_assert_eq(HUB("export-open", "--in", out, "--secret", sec, "--out", opened), 0, "%s", R.err);
    cr_assert_eq(HUB("banner", "--store", store, "set", "Maintenance tonight"), 0, "%s", R.err);
    cr_assert_eq(HUB("banner", "--store", store, "show"), 0);
    cr_assert_str_eq(R.out, "Maintenance tonight\n");
    cr_assert_eq(HUB("emergency", "--store", store, "on"), 0, "%s", R.err);
    cr_assert_eq(HUB("audit", "verify", "--store", store), 0, "%s", R.err);
    cr_assert_str_eq(R.out, "ok 6 events\n");
}
