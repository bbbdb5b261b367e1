/* Offline grace: a cache that has not reached the hub for the grace still
 * unlocks but offers only sync; setting the laptop's clock back does not
 * extend it (high-water wall clock, and CLOCK_BOOTTIME within a boot). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/sync_store.h"
#include "sync/client_int.h"
#include "sync/sync.h"
#include "tests/helpers/syncfix.h"

#define H3600 3600

static nx_sf F;

static void start(int training)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "grace", "alice", "eligibility", training, err, sizeof err), 0,
                 "%s", err);
    snprintf(F.conf.sync_host, sizeof F.conf.sync_host, "hub.example.invalid");
}

/* As a round's END leaves it: synced at wall `at`, now, in this boot. */
static void synced_at(int64_t at, int64_t boot_ago)
{
    nx_sync_state st;
    cr_assert_eq(nx_sync_state_load(F.prof.store, &st), 0);
    nx_grace_now n;
    nx_grace_read_now(&n, at);
    cr_assert_neq(n.boot_id[0], '\0', "no boot id on this system");
    st.last_sync_wall = at;
    snprintf(st.boot_id, sizeof st.boot_id, "%s", n.boot_id);
    st.boot_secs = n.boot_secs - boot_ago;
    cr_assert_eq(nx_sync_state_save(F.prof.store, &st), 0);
    cr_assert_eq(nx_sync_high_water(F.prof.store, at, NULL), 0);
}

Test(grace, counts_from_the_last_sync)
{
    start(0);
    int64_t t = NX_SF_NOW + 10 * 86400;
    synced_at(t, 0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 23 * H3600), 0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 25 * H3600), 1);
    nx_sf_close(&F);
}

Test(grace, a_profile_that_never_synced_counts_from_its_creation)
{
    start(0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, NX_SF_NOW + 23 * H3600), 0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, NX_SF_NOW + 25 * H3600), 1);
    nx_sf_close(&F);
    /* A training profile with no hub to reach is never cut off. */
    start(1);
    F.conf.sync_host[0] = '\0';
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, NX_SF_NOW + 1000 * H3600), 0);
    nx_sf_close(&F);
}

Test(grace, setting_the_clock_back_after_an_unlock_does_not_help)
{
    start(0);
    int64_t t = NX_SF_NOW + 10 * 86400;
    synced_at(t, 0);
    /* An unlock at t+30 h sees the grace is over (and remembers that time)... */
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 30 * H3600), 1);
    /* ...then the clock is set back to one hour after the sync. */
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 1 * H3600), 1);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t - 48 * H3600), 1);
    nx_sync_state st;
    cr_assert_eq(nx_sync_state_load(F.prof.store, &st), 0);
    cr_assert_eq(st.high_water, t + 30 * H3600, "the high-water mark never goes down");
    nx_sf_close(&F);
}

Test(grace, the_monotonic_clock_catches_a_clock_set_back_before_any_unlock)
{
    start(0);
    int64_t t = NX_SF_NOW + 10 * 86400;
    /* Synced 25 hours ago by CLOCK_BOOTTIME, but the wall clock now says
     * one hour after the sync: set back. */
    synced_at(t, 25 * H3600);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 1 * H3600), 1);
    /* In another boot the monotonic clock says nothing; the wall clock
     * and high water are all there is. */
    nx_sync_state st;
    cr_assert_eq(nx_sync_state_load(F.prof.store, &st), 0);
    snprintf(st.boot_id, sizeof st.boot_id, "00000000-0000-0000-0000-000000000000");
    cr_assert_eq(nx_sync_state_save(F.prof.store, &st), 0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 1 * H3600), 0);
    nx_sf_close(&F);
}

Test(grace, the_hubs_grace_and_emergency_mode)
{
    start(0);
    int64_t t = NX_SF_NOW + 10 * 86400;
    synced_at(t, 0);
    nx_sync_state st;
    cr_assert_eq(nx_sync_state_load(F.prof.store, &st), 0);
    st.grace_hours = 8;   /* the hub's word wins over [sync] offline_grace_hours */
    cr_assert_eq(nx_sync_state_save(F.prof.store, &st), 0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 9 * H3600), 1);
    st.emergency = 1;     /* seed 003: offline grace extended to 72 h */
    cr_assert_eq(nx_sync_state_save(F.prof.store, &st), 0);
    /* The high water already stands at t+9 h; 71 h is still within 72. */
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 71 * H3600), 0);
    cr_assert_eq(nx_sync_grace_expired(&F.prof, &F.conf, t + 73 * H3600), 1);
    cr_assert_eq(nx_grace_hours(&st, &F.conf), 72);
    st.emergency = 0;
    st.grace_hours = 0;
    F.conf.offline_grace_hours = 12;
    cr_assert_eq(nx_grace_hours(&st, &F.conf), 12);
    nx_sf_close(&F);
}

Test(grace, elapsed_is_the_larger_of_wall_and_monotonic)
{
    nx_sync_state st;
    memset(&st, 0, sizeof st);
    st.last_sync_wall = 1000;
    st.high_water = 5000;
    snprintf(st.boot_id, sizeof st.boot_id, "b1");
    st.boot_secs = 100;
    nx_grace_now n = { .wall = 2000, .boot_id = "b1", .boot_secs = 9100 };
    cr_assert_eq(nx_grace_elapsed(&st, 0, &n), 9000);
    snprintf(n.boot_id, sizeof n.boot_id, "b2");
    cr_assert_eq(nx_grace_elapsed(&st, 0, &n), 4000, "the high water, another boot");
    n.wall = 7000;
    cr_assert_eq(nx_grace_elapsed(&st, 0, &n), 6000);
    st.last_sync_wall = 0;
    cr_assert_eq(nx_grace_elapsed(&st, 500, &n), 6500, "never synced: from creation");
}
