/* nexus.conf: defaults, every key, and the exact message for each kind of
 * bad line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "tests/helpers/run.h"

static char path[4200];

static void write_conf(const char *text)
{
    char dir[4096];
    nx_t_tmpdir(dir, sizeof dir, "conf");
    snprintf(path, sizeof path, "%s/nexus.conf", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

Test(conf, defaults_follow_xdg)
{
    setenv("XDG_DATA_HOME", "/data", 1);
    setenv("XDG_CONFIG_HOME", "/cfg", 1);
    nx_conf c;
    nx_conf_defaults(&c);
    cr_assert_str_eq(c.cache_dir, "/data/nexus");
    cr_assert_str_eq(c.sync_known_hosts, "/cfg/nexus/known_hosts");
    cr_assert_eq(c.idle_lock_seconds, 300);
    cr_assert_eq(c.keep_closed_days, 14);
    cr_assert_eq(c.sync_port, 22);
    cr_assert_eq(c.sync_interval_seconds, 60);
    cr_assert_eq(c.offline_grace_hours, 24);
    cr_assert_str_eq(c.keymap, "default");
    cr_assert_str_eq(c.theme, "default");
}

Test(conf, missing_default_file_means_defaults)
{
    char dir[4096];
    nx_t_tmpdir(dir, sizeof dir, "noconf");
    setenv("XDG_CONFIG_HOME", dir, 1);
    unsetenv("NEXUS_CONFIG");
    nx_conf c;
    char err[512] = "";
    cr_assert_eq(nx_conf_load(NULL, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.source, "");
}

Test(conf, explicit_missing_file_is_an_error)
{
    nx_conf c;
    char err[512] = "";
    cr_assert_eq(nx_conf_load("/nonexistent/nexus.conf", &c, err, sizeof err), -1);
    cr_assert_str_eq(err, "/nonexistent/nexus.conf: No such file or directory");
}

Test(conf, every_key_parses)
{
    write_conf("# comment\n"
               "[cache]\ndir = ~/nx\nkeep_closed_days = 7\n"
               "[lock]\nidle_lock_seconds = 30\n"
               "[ui]\nkeymap = vi\ntheme = mono\n"
               "[sync]\nhost = local:/srv/hub\nport = 2222\nuser = nexus\n"
               "identity = /k/id\nknown_hosts = /k/kh\ninterval_seconds = 5\n"
               "offline_grace_hours = 72\n");
    setenv("HOME", "/home/t", 1);
    nx_conf c;
    char err[512] = "";
    cr_assert_eq(nx_conf_load(path, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.cache_dir, "/home/t/nx");
    cr_assert_eq(c.keep_closed_days, 7);
    cr_assert_eq(c.idle_lock_seconds, 30);
    cr_assert_str_eq(c.keymap, "vi");
    cr_assert_str_eq(c.theme, "mono");
    cr_assert_str_eq(c.sync_host, "local:/srv/hub");
    cr_assert_eq(c.sync_port, 2222);
    cr_assert_str_eq(c.sync_user, "nexus");
    cr_assert_str_eq(c.sync_identity, "/k/id");
    cr_assert_str_eq(c.sync_known_hosts, "/k/kh");
    cr_assert_eq(c.sync_interval_seconds, 5);
    cr_assert_eq(c.offline_grace_hours, 72);
    cr_assert_str_eq(c.source, path);
}

Test(conf, env_variable_names_the_file)
{
    write_conf("[lock]\nidle_lock_seconds = 120\n");
    setenv("NEXUS_CONFIG", path, 1);
    nx_conf c;
    char err[512] = "";
    cr_assert_eq(nx_conf_load(NULL, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.idle_lock_seconds, 120);
    unsetenv("NEXUS_CONFIG");
}

Test(conf, the_sample_file_parses_to_defaults)
{
    nx_conf c, d;
    char err[512] = "";
    cr_assert_eq(nx_conf_load(nx_t_root("nexus.conf"), &c, err, sizeof err), 0, "%s", err);
    nx_conf_defaults(&d);
    cr_assert_str_eq(c.cache_dir, d.cache_dir);
    cr_assert_eq(c.idle_lock_seconds, d.idle_lock_seconds);
    cr_assert_eq(c.sync_interval_seconds, d.sync_interval_seconds);
}

struct bad { const char *text; const char *msg; };

static const struct bad bads[] = {
    { "[lock]\nidle_lock_seconds = 301\n", ":2: idle_lock_seconds: 301 is out of range (30-300)" },
    { "[lock]\nidle_lock_seconds = 29\n", ":2: idle_lock_seconds: 29 is out of range (30-300)" },
    { "[lock]\nidle_lock_seconds = five\n", ":2: idle_lock_seconds: not a whole number: 'five'" },
    { "[lock]\nidle_lock_seconds = 60s\n", ":2: idle_lock_seconds: not a whole number: '60s'" },
    { "[sync]\ninterval_seconds = 4\n", ":2: interval_seconds: 4 is out of range (5-3600)" },
    { "[sync]\noffline_grace_hours = 73\n", ":2: offline_grace_hours: 73 is out of range (1-72)" },
    { "[sync]\nport = 0\n", ":2: port: 0 is out of range (1-65535)" },
    { "[cache]\nkeep_closed_days = 0\n", ":2: keep_closed_days: 0 is out of range (1-365)" },
    { "[lock]\nidle_lock_second = 60\n", ":2: unknown key 'idle_lock_second' in [lock]" },
    { "# x\n\n[locks]\n", ":3: unknown section [locks]" },
    { "[lock]\n[bogus]\nidle_lock_seconds = 60\n", ":2: unknown section [bogus]" },
    { "idle_lock_seconds = 60\n", ":1: 'idle_lock_seconds' outside any [section]" },
    { "[lock]\nidle_lock_seconds = 60\nidle_lock_seconds = 90\n",
      ":3: duplicate key 'idle_lock_seconds' in [lock]" },
    { "[ui]\nkeymap =\n", ":2: keymap: empty value" },
    { "[ui\n", ":1: section header without ']'" },
    { "[ui]\njust words\n", ":2: syntax error (expected 'key = value' or '[section]')" },
};

Test(conf, bad_lines_name_file_line_and_problem)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        write_conf(bads[i].text);
        nx_conf c;
        char err[1024] = "", want[4200];
        snprintf(want, sizeof want, "%s%s", path, bads[i].msg);
        cr_assert_eq(nx_conf_load(path, &c, err, sizeof err), -1, "case %zu accepted", i);
        cr_assert_str_eq(err, want, "case %zu", i);
        /* Nothing from a bad file is applied. */
        cr_assert_eq(c.idle_lock_seconds, 300, "case %zu changed a value", i);
    }
}
