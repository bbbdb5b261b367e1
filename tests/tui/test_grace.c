/* The offline grace in the full-screen client (issue 5, acceptance 6): a
 * laptop that has not reached the hub for longer than offline_grace_hours
 * still unlocks, but offers only sync (the sync screen; the queues are
 * refused) — also when its clock has been set back to just after the last
 * sync, because the cache remembers the latest time it has seen. Headless
 * (NEXUS_TUI_SCRIPT) with the hub unreachable (a port nothing listens on,
 * background sync off in the headless mode). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "store/sync_store.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#define PASS "Grace-Test-Pass-1"

static char dir[512], conf[600];

static void make_profile(void)
{
    nx_t_tmpdir(dir, sizeof dir, "grace");
    snprintf(conf, sizeof conf, "%s/nexus.conf", dir);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    /* Port 9 (discard) on loopback: nothing answers; the headless mode
     * does not sync in the background anyway. */
    fprintf(f, "[cache]\ndir = %s/profile\n[sync]\nhost = 127.0.0.1\nport = 9\nuser = nobody\n"
               "offline_grace_hours = 24\n", dir);
    fclose(f);
    const char *argv[] = { nx_t_bin("nexus"), "--config", conf, "init", "--user", "gwen",
                           "--role", "scheduling", "--kdf", "interactive", "--passphrase-fd",
                           "0", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, PASS "\n", &r), 0);
    cr_assert_eq(r.status, 0, "init: %s", r.err);
}

/* Records a last sync at last_sync and a highest clock seen at high_water. */
static void set_sync_times(int64_t last_sync, int64_t high_water)
{
    nx_conf c;
    nx_profile p;
    char err[1024];
    cr_assert_eq(nx_conf_load(conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(&p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    nx_sync_state st;
    cr_assert_eq(nx_sync_state_load(p.store, &st), 0);
    st.last_sync_wall = last_sync;
    st.hub_time = last_sync;
    st.boot_id[0] = '\0';      /* another boot: only the wall clocks count */
    st.grace_hours = 24;
    cr_assert_eq(nx_sync_state_save(p.store, &st), 0);
    int64_t hw = 0;
    cr_assert_eq(nx_sync_high_water(p.store, high_water, &hw), 0);
    nx_profile_close(&p);
}

/* Unlocks at wall time now, tries the scheduling queue, saves the screen. */
static void show(int64_t now, char *screen, size_t len)
{
    char script[700], out[700], env_script[800], env_now[64];
    snprintf(script, sizeof script, "%s/run.script", dir);
    snprintf(out, sizeof out, "%s/screen.txt", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fprintf(f, ":type %s\n:key <Enter>\n:key 1\n:save-display %s\n:key q\n", PASS, out);
    fclose(f);
    snprintf(env_script, sizeof env_script, "NEXUS_TUI_SCRIPT=%s", script);
    snprintf(env_now, sizeof env_now, "NEXUS_TEST_NOW=%lld", (long long)now);
    const char *env[] = { env_script, env_now, "TERM=xterm", "LINES=24", "COLUMNS=80", NULL };
    const char *argv[] = { nx_t_bin("nexus"), "--config", conf, NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, NULL, &r), 0);
    char *text = NULL, err[256];
    size_t n = 0;
    cr_assert_eq(nx_read_file(out, 1 << 20, &text, &n, err, sizeof err), 0,
                 "no screen (exit %d): %s", r.status, r.err);
    snprintf(screen, len, "%s", text);
    free(text);
}

Test(grace, within_the_grace_the_queues_open)
{
    make_profile();
    int64_t t = nx_now();
    set_sync_times(t - 3600, t - 3600);
    char screen[16384];
    show(t, screen, sizeof screen);
    cr_assert(strstr(screen, "Scheduling queue"), "the queue did not open:\n%s", screen);
}

Test(grace, past_the_grace_only_sync_is_offered)
{
    make_profile();
    int64_t t = nx_now();
    set_sync_times(t - 30 * 3600, t - 30 * 3600);
    char screen[16384];
    show(t, screen, sizeof screen);
    cr_assert(strstr(screen, "Sync"), "not the sync screen:\n%s", screen);
    cr_assert(strstr(screen, "only sync is possible"), "no explanation:\n%s", screen);
    cr_assert_null(strstr(screen, "Scheduling queue"), "a queue opened:\n%s", screen);
}

Test(grace, setting_the_clock_back_does_not_extend_it)
{
    make_profile();
    int64_t t = nx_now();
    /* Last sync 30 h ago, and the laptop has seen "now" since; its clock
     * is then set back to one hour after the last sync. */
    set_sync_times(t - 30 * 3600, t);
    char screen[16384];
    show(t - 29 * 3600, screen, sizeof screen);
    cr_assert(strstr(screen, "only sync is possible"), "the clock set back reopened the "
              "work:\n%s", screen);
    cr_assert_null(strstr(screen, "Scheduling queue"), "a queue opened:\n%s", screen);
}
