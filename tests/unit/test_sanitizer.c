/* Proves the harness turns sanitizer reports into failures: Criterion alone
 * counts a leaking test as passed (its worker reports before LeakSanitizer
 * runs at exit), so run-tests.sh points every sanitized process's log_path at
 * one directory and sancheck.sh fails the run when any report is there. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers/run.h"

static int reports_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void check_report_fails(const char *prog, const char *needle)
{
    char dir[4096], asan[4200], ubsan[4200], lsan[4200];
    nx_t_tmpdir(dir, sizeof dir, "sanproof");
    cr_assert(dir[0]);
    snprintf(asan, sizeof asan, "ASAN_OPTIONS=log_path=%s/asan:detect_leaks=1", dir);
    snprintf(ubsan, sizeof ubsan, "UBSAN_OPTIONS=log_path=%s/ubsan:halt_on_error=1", dir);
    snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=log_path=%s/lsan", dir);
    const char *env[] = { asan, ubsan, lsan, NULL };
    const char *argv[] = { nx_t_bin(prog), NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, NULL, &r), 0);
    cr_assert_gt(reports_in(dir), 0, "%s wrote no sanitizer report", prog);

    const char *check[] = { "/bin/sh", nx_t_root("scripts/sancheck.sh"), dir, NULL };
    cr_assert_eq(nx_t_run(check, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 1, "sancheck passed a directory holding a report");
    cr_assert(strstr(r.err, needle), "report not shown: %s", r.err);
}

Test(sanitizer, leak_report_fails_the_run)
{
    check_report_fails("progs/san_leak", "LeakSanitizer");
}

Test(sanitizer, ub_report_fails_the_run)
{
    check_report_fails("progs/san_ub", "runtime error");
}

Test(sanitizer, clean_directory_passes)
{
    char dir[4096];
    nx_t_tmpdir(dir, sizeof dir, "sanclean");
    const char *check[] = { "/bin/sh", nx_t_root("scripts/sancheck.sh"), dir, NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(check, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0);
}
