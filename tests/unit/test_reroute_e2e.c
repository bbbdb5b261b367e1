/* Re-routing a whole agent's queue, end to end through the real hub
 * (`nexus-hub serve` over the local: pipe; tests/helpers/hubfix): alice
 * holds five open scheduling items (and one closed); her supervisor moves
 * her whole queue to bob and carol in one go and syncs; the hub applies
 * every assign op under the supervisor's id and holds the supervisor's
 * audit events; alice's next sync drops the items from her laptop; bob's
 * and carol's bring them, dealt in turn in due order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_reroute.h"
#include "tests/helpers/hubfix.h"

static nx_hf H;

static void lap_open(nx_lap *l, const char *tag, const char *user, const char *role,
                     unsigned char device)
{
    char err[1024] = "";
    cr_assert_eq(nx_lap_open(l, &H, tag, user, role, "north", device, 1, err, sizeof err), 0,
                 "%s", err);
}

static nx_sync_stats sync_ok(nx_lap *l)
{
    nx_sync_stats st;
    char err[1024] = "";
    nx_sync_code c = nx_lap_sync(l, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s: %s", l->dir, nx_sync_code_name(c), err);
    return st;
}

/* A scheduling item of alice's, due at unix time `due`. */
#define SC(id, status, due)                                                                   \
    "{\"id\":\"" id "\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":\"" status "\"," \
    "\"patient\":{\"id\":\"pt-" id "\",\"family_name\":\"Rerouteson\",\"given_name\":\"Una\"},"  \
    "\"assignee\":\"alice\",\"team\":\"north\",\"due\":" #due "}\n"

Test(reroute_e2e, a_whole_queue_moves_through_the_real_hub, .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", v[256];
    cr_assert_eq(nx_hf_init(&H, "reroute-e2e", err, sizeof err), 0, "%s", err);
    /* Due an hour apart from 2030-01-01 00:00 UTC: sc-2 first, then sc-4,
     * sc-1, sc-5, sc-3. */
    cr_assert_eq(nx_hf_import(&H,
                              SC("sc-1", "new", 1893466800)
                              SC("sc-2", "new", 1893459600)
                              SC("sc-3", "verifying", 1893474000)
                              SC("sc-4", "in-progress", 1893463200)
                              SC("sc-5", "new", 1893470400)
                              SC("sc-6", "closed", 1893456000),
                              err, sizeof err), 0, "%s", err);

    nx_lap alice, sam, bob, carol;
    lap_open(&alice, "rr-alice", "alice", "scheduling", 0x12);
    lap_open(&sam, "rr-sam", "sam", "supervisor", 0x52);
    lap_open(&bob, "rr-bob", "bob", "scheduling", 0x72);
    lap_open(&carol, "rr-carol", "carol", "scheduling", 0x92);
    sync_ok(&alice);
    cr_assert_eq(nx_lap_n(&alice, "SELECT count(*) FROM items WHERE status<>'closed'"), 5);
    sync_ok(&bob);
    sync_ok(&carol);
    cr_assert_eq(nx_lap_n(&bob, "SELECT count(*) FROM items"), 0);
    sync_ok(&sam);
    cr_assert_eq(nx_lap_n(&sam, "SELECT count(*) FROM items WHERE assignee='alice' AND "
                                "status<>'closed'"), 5);

    /* The whole queue, in one transaction on the supervisor's laptop. */
    const char *to[] = { "bob", "carol" };
    nx_reroute_result r;
    cr_assert_eq(nx_session_reroute_agent(&sam.sess, NX_KIND_SCHEDULING, "alice", to, 2, &r, err,
                                          sizeof err), 0, "%s", err);
    cr_assert_eq(r.moved, 5);
    cr_assert_eq(r.to[0].n, 3);
    cr_assert_eq(r.to[1].n, 2);
    nx_sync_stats st = sync_ok(&sam);
    cr_assert_eq(st.pushed, 5);
    cr_assert_eq(st.applied, 5, "rejected %llu conflicts %llu", (unsigned long long)st.rejected,
                 (unsigned long long)st.conflicts);
    cr_assert_eq(nx_lap_n(&sam, "SELECT count(*) FROM outbox"), 0);

    /* On the hub: the new assignees, dealt in due order; each op applied
     * as sam's; sam's audit events arrived with the round. */
    nx_hf_text(&H, "SELECT group_concat(id || '=' || assignee, ' ') FROM "
                   "(SELECT id, assignee FROM items WHERE kind='scheduling' ORDER BY id)",
               v, sizeof v);
    cr_assert_str_eq(v, "sc-1=bob sc-2=bob sc-3=bob sc-4=carol sc-5=carol sc-6=alice");
    cr_assert_eq(nx_hf_n(&H, "SELECT count(*) FROM ops WHERE kind='assign' AND user='sam' AND "
                             "outcome='applied'"), 5);
    cr_assert_eq(nx_hf_n(&H, "SELECT count(*) FROM ops WHERE kind='assign' AND user<>'sam'"), 0);
    cr_assert_eq(nx_hf_n(&H, "SELECT count(DISTINCT item) FROM device_audit WHERE "
                             "action='assign' AND user='sam' AND field='assignee' AND "
                             "outcome='ok'"), 5);

    /* alice's laptop lets them go; bob's and carol's take them. */
    st = sync_ok(&alice);
    cr_assert_eq(st.dropped, 5);
    cr_assert_eq(nx_lap_n(&alice, "SELECT count(*) FROM items WHERE id IN "
                                  "('sc-1','sc-2','sc-3','sc-4','sc-5')"), 0,
                 "the old agent's laptop still holds re-routed items");
    st = sync_ok(&bob);
    cr_assert_eq(st.items, 3);
    nx_lap_text(&bob, "SELECT group_concat(id, ' ') FROM (SELECT id FROM items WHERE "
                      "assignee='bob' ORDER BY id)", v, sizeof v);
    cr_assert_str_eq(v, "sc-1 sc-2 sc-3");
    st = sync_ok(&carol);
    cr_assert_eq(st.items, 2);
    nx_lap_text(&carol, "SELECT group_concat(id, ' ') FROM (SELECT id FROM items WHERE "
                        "assignee='carol' ORDER BY id)", v, sizeof v);
    cr_assert_str_eq(v, "sc-4 sc-5");

    nx_lap_close(&carol);
    nx_lap_close(&bob);
    nx_lap_close(&sam);
    nx_lap_close(&alice);
}
