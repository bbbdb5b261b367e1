/* The hub's own audit chain end to end through the real hub (`nexus-hub`
 * over the local: pipe; tests/helpers/hubfix): the administrator sets a
 * banner on the host (`nexus-hub banner set`), and the privacy officer's
 * review lists that command after her next sync, marked as the hub's,
 * with the hub's chain verified on her chain list; an agent's laptop,
 * synced the same way, holds none of the hub's events; the officer's
 * next syncs bring only what is new (nothing twice, the chain still
 * linked), and the banner's text itself is not in the event (its length
 * is). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_oversight.h"
#include "store/hub_events.h"
#include "tests/helpers/hubfix.h"

#define BANNER "Synthetic maintenance window Saturday"

static nx_hf H;

static void sync_ok(nx_lap *l, nx_sync_stats *st)
{
    char err[1024] = "";
    nx_sync_code c = nx_lap_sync(l, st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
}

static const nx_audit_chain_view *hub_chain(nx_audit_chain_view *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].hub)
            return &v[i];
    return NULL;
}

Test(haudit_e2e, an_admin_command_on_the_hub_reaches_the_privacy_officers_review,
     .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "";
    cr_assert_eq(nx_hf_init(&H, "haudit-e2e", err, sizeof err), 0, "%s", err);
    nx_lap agent, po;
    cr_assert_eq(nx_lap_open(&agent, &H, "ha-agent", "alice", "scheduling", "north", 1, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&po, &H, "ha-po", "olivia", "privacy-officer", "compliance", 40, 1,
                             err, sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&agent, &st);
    sync_ok(&po, &st);
    long long held0 = nx_lap_n(&po, "SELECT count(*) FROM hub_events");
    cr_assert_gt(held0, 0, "the hub's chain so far (init, client, users, sessions)");

    /* The administrator, on the host. */
    const char *args[] = { "banner", "set", BANNER, NULL };
    cr_assert_eq(nx_hf_run(&H, args, NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hf_n(&H, "SELECT count(*) FROM audit WHERE action='banner'"), 1);

    sync_ok(&agent, &st);
    sync_ok(&po, &st);

    /* On the officer's review: the command, as the hub's. */
    cr_assert_eq(nx_session_audit_open(&po.sess, err, sizeof err), 0, "%s", err);
    nx_audit_filter f;
    memset(&f, 0, sizeof f);
    snprintf(f.action, sizeof f.action, "banner");
    cr_assert_eq(nx_session_audit_count(&po.sess, &f, err, sizeof err), 1, "%s", err);
    nx_audit_view_row row[2];
    size_t n = 0;
    cr_assert_eq(nx_session_audit_page(&po.sess, &f, 0, 2, row, &n, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 1);
    cr_assert_eq(row[0].hub, 1, "marked as the hub's");
    cr_assert_eq(row[0].local, 0);
    cr_assert_str_eq(row[0].device, "hub");
    cr_assert_str_eq(row[0].role, "hub-admin");
    cr_assert(strstr(row[0].reason, "set ("), "%s", row[0].reason);
    cr_assert_null(strstr(row[0].reason, "maintenance"), "the banner's text is not audited");
    nx_audit_rows_wipe(row, n);
    /* The agent's session (kept open across her syncs) is in the hub's
     * chain too, filtered by user. */
    memset(&f, 0, sizeof f);
    snprintf(f.user, sizeof f.user, "alice");
    snprintf(f.action, sizeof f.action, "session");
    cr_assert_geq(nx_session_audit_count(&po.sess, &f, err, sizeof err), 1);

    /* The hub's chain on her chain list: linked from 1, every event held. */
    nx_audit_chain_view *v = NULL;
    size_t nv = 0;
    cr_assert_eq(nx_session_audit_chains(&po.sess, &v, &nv, err, sizeof err), 0, "%s", err);
    const nx_audit_chain_view *h = hub_chain(v, nv);
    cr_assert_not_null(h);
    long long held = nx_lap_n(&po, "SELECT count(*) FROM hub_events");
    cr_assert_gt(held, held0);
    cr_assert_eq(h->events, held);
    cr_assert_eq(h->verified_upto, held);
    cr_assert_eq(h->broken_at, 0);
    free(v);
    uint64_t cursor = 0;
    cr_assert_eq(nx_hubev_cursor(po.prof.store, &cursor), 0);
    cr_assert_eq((long long)cursor, held);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE seq <= %lld AND action='banner'", held);
    cr_assert_eq(nx_hf_n(&H, sql), 1);

    /* The agent's laptop: none of it. */
    cr_assert_eq(nx_lap_n(&agent, "SELECT count(*) FROM hub_events"), 0);
    uint64_t ac = 9;
    cr_assert_eq(nx_hubev_cursor(agent.prof.store, &ac), 0);
    cr_assert_eq(ac, 0);
    cr_assert_eq(nx_lap_n(&agent, "SELECT count(*) FROM device_events"), 0);

    /* Again: only what is new, nothing twice, still linked. */
    sync_ok(&po, &st);
    sync_ok(&po, &st);
    long long again = nx_lap_n(&po, "SELECT count(*) FROM hub_events");
    cr_assert_gt(again, held);
    cr_assert_eq(nx_lap_n(&po, "SELECT max(seq) FROM hub_events"), again, "seq 1..N, no gap");
    cr_assert_eq(nx_session_audit_chains(&po.sess, &v, &nv, err, sizeof err), 0, "%s", err);
    h = hub_chain(v, nv);
    cr_assert_eq(h->verified_upto, again);
    cr_assert_eq(h->broken_at, 0);
    free(v);
    cr_assert_eq(nx_session_audit_count(&po.sess, &(nx_audit_filter){ .action = "banner" }, err,
                                        sizeof err), 1);

    nx_lap_close(&agent);
    nx_lap_close(&po);
}
