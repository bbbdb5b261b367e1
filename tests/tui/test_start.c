/* Start-up refusals of the client: each stops before the screen opens,
 * with one line naming the problem. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers/run.h"

static void conf_with(char *dir, size_t dlen, char *conf, size_t clen, const char *extra)
{
    nx_t_tmpdir(dir, dlen, "start");
    snprintf(conf, clen, "%s/nexus.conf", dir);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fprintf(f, "[cache]\ndir = %s/profile\n%s", dir, extra);
    fclose(f);
}

static void run_nexus(const char *conf, const char *script, nx_t_result *r)
{
    char env_script[700];
    snprintf(env_script, sizeof env_script, "NEXUS_TUI_SCRIPT=%s", script ? script : "");
    const char *env[] = { env_script, "TERM=xterm", "LINES=24", "COLUMNS=80", NULL };
    const char *argv[] = { nx_t_bin("nexus"), "--config", conf, NULL };
    cr_assert_eq(nx_t_run(argv, env, NULL, r), 0);
}

Test(start, a_bad_keymap_line_stops_the_client)
{
    char dir[512], conf[600], keys[600], extra[700], want[800];
    nx_t_tmpdir(dir, sizeof dir, "keys");
    snprintf(keys, sizeof keys, "%s/my.keys", dir);
    FILE *f = fopen(keys, "w");
    cr_assert_not_null(f);
    fputs("# mine\nbind queue x sort\nbind queue o opne\n", f);
    fclose(f);
    snprintf(extra, sizeof extra, "[ui]\nkeymap = %s\n", keys);
    conf_with(dir, sizeof dir, conf, sizeof conf, extra);
    nx_t_result r;
    run_nexus(conf, NULL, &r);
    cr_assert_eq(r.status, 1);
    snprintf(want, sizeof want, "nexus: %s:3: unknown request 'opne'\n", keys);
    cr_assert_str_eq(r.err, want);
}

Test(start, an_unknown_theme_stops_the_client)
{
    char dir[512], conf[600];
    conf_with(dir, sizeof dir, conf, sizeof conf, "[ui]\ntheme = neon\n");
    nx_t_result r;
    run_nexus(conf, NULL, &r);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "nexus: unknown theme 'neon' (default, mono)\n");
}

Test(start, an_idle_lock_over_five_minutes_stops_the_client)
{
    char dir[512], conf[600];
    conf_with(dir, sizeof dir, conf, sizeof conf, "[lock]\nidle_lock_seconds = 301\n");
    nx_t_result r;
    run_nexus(conf, NULL, &r);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "idle_lock_seconds"), "%s", r.err);
}

Test(start, no_profile_says_how_to_make_one)
{
    char dir[512], conf[600];
    conf_with(dir, sizeof dir, conf, sizeof conf, "");
    nx_t_result r;
    run_nexus(conf, NULL, &r);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no profile in") && strstr(r.err, "nexus init"), "%s", r.err);
}

Test(start, without_a_terminal_or_script_it_says_so)
{
    char dir[512], conf[600];
    conf_with(dir, sizeof dir, conf, sizeof conf, "");
    const char *fixture[] = { nx_t_bin("progs/tui_fixture"), NULL, "scheduling", NULL };
    char prof[600];
    snprintf(prof, sizeof prof, "%s/profile", dir);
    fixture[1] = prof;
    nx_t_result r;
    cr_assert_eq(nx_t_run(fixture, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_nexus(conf, NULL, &r);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "needs a terminal"), "%s", r.err);
}

Test(start, a_bad_script_line_names_file_and_line)
{
    char dir[512], conf[600], script[600];
    conf_with(dir, sizeof dir, conf, sizeof conf, "");
    char prof[600];
    snprintf(prof, sizeof prof, "%s/profile", dir);
    const char *fixture[] = { nx_t_bin("progs/tui_fixture"), prof, "scheduling", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(fixture, NULL, NULL, &r), 0);
    snprintf(script, sizeof script, "%s/s.script", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fputs("# a test\n:key <Enter>\n:press x\n", f);
    fclose(f);
    run_nexus(conf, script, &r);
    cr_assert_eq(r.status, 1);
    char want[800];
    snprintf(want, sizeof want, "nexus: %s:3: unknown script command :press\n", script);
    cr_assert_str_eq(r.err, want);
}
