/* Oversight records end to end through the real hub (`nexus-hub serve`
 * over the local: pipe; tests/helpers/hubfix):
 *   - an agent files an incident offline (it waits in the outbox,
 *     encrypted like everything in the cache), syncs; the hub stores it
 *     with the agent as author whatever the laptop claimed; the privacy
 *     officer's next sync brings it, a supervisor's does not;
 *   - the officer moves it on; the reporter's next sync brings the new
 *     status;
 *   - the reporter's later change made from a stale copy loses to the
 *     officer's (last writer by clock): the hub answers "conflict" and the
 *     reporter's next pull puts the hub's copy back;
 *   - a record the kind's rules refuse (a QA sample written on a laptop,
 *     forged past the session's own check) is refused by the hub, and
 *     nothing of it is stored there. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_record.h"
#include "store/record_store.h"
#include "store/rows.h"
#include "store/sync_store.h"
#include "tests/helpers/hubfix.h"
#include "util/util.h"

static nx_hf H;

static void sync_ok(nx_lap *l, nx_sync_stats *st)
{
    char err[1024] = "";
    nx_sync_code c = nx_lap_sync(l, st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
}

static nx_record incident(const char *status, const char *body)
{
    nx_record r = { 0 };
    snprintf(r.kind, sizeof r.kind, "incident");
    snprintf(r.status, sizeof r.status, "%s", status);
    cr_assert_eq(nx_record_set_body(&r, body), 0);
    return r;
}

static void save_status(nx_lap *l, const char *id, const char *status)
{
    char err[512] = "";
    nx_record_row row;
    cr_assert_eq(nx_session_record_get(&l->sess, id, &row, err, sizeof err), 1, "%s", err);
    nx_record r;
    cr_assert_eq(nx_record_copy(&r, &row.rec), 0);
    nx_record_row_clear(&row);
    snprintf(r.status, sizeof r.status, "%s", status);
    cr_assert_eq(nx_session_record_save(&l->sess, &r, err, sizeof err), 0, "%s", err);
    nx_record_clear(&r);
}

Test(records_e2e, an_incident_filed_offline_reaches_the_officer_and_comes_back_moved,
     .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", sql[512], text[256];
    cr_assert_eq(nx_hf_init(&H, "records-e2e", err, sizeof err), 0, "%s", err);
    nx_lap agent, officer, super;
    cr_assert_eq(nx_lap_open(&agent, &H, "rec-agent", "carol", "roi", "north", 1, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&officer, &H, "rec-po", "pat", "privacy-officer", "compliance", 40,
                             1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&super, &H, "rec-sup", "sam", "supervisor", "north", 80, 1, err,
                             sizeof err), 0, "%s", err);

    /* Offline: saved, waiting in the outbox. */
    nx_record r = incident("identify", "{\"type\":\"mis-fax\",\"people_affected\":1}");
    cr_assert_eq(nx_session_record_save(&agent.sess, &r, err, sizeof err), 0, "%s", err);
    char id[40];
    snprintf(id, sizeof id, "%s", r.id);
    nx_record_clear(&r);
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM outbox WHERE kind='record'"), 1);

    nx_sync_stats st;
    sync_ok(&agent, &st);
    cr_expect_eq(st.applied, 1, "the hub took the record op");
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM outbox"), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND author='carol' "
             "AND kind='incident' AND status='identify' AND team='north'", id);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "stored on the hub as carol's");
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM records WHERE op_id<>''"), 0,
                 "settled by the hub's answer");

    sync_ok(&officer, &st);
    cr_expect_eq(st.records, 1);
    snprintf(sql, sizeof sql, "SELECT body FROM records WHERE id='%s' AND author='carol'", id);
    nx_lap_text(&officer, sql, text, sizeof text);
    cr_expect_str_eq(text, "{\"people_affected\":1,\"type\":\"mis-fax\"}");
    sync_ok(&super, &st);
    cr_expect_eq(nx_lap_n(&super, "SELECT count(*) FROM records"), 0,
                 "a supervisor is not sent incidents");

    /* The officer moves it on; the reporter's next sync brings it. */
    save_status(&officer, id, "contain");
    sync_ok(&officer, &st);
    cr_expect_eq(st.applied, 1);
    sync_ok(&agent, &st);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='contain'",
             id);
    cr_expect_eq(nx_lap_n(&agent, sql), 1);

    /* A stale write loses to the later one and the hub's copy comes back:
     * the reporter writes while the officer's later change is on the
     * hub (the officer's clock is ahead: their change is later). */
    save_status(&officer, id, "eradicate");
    nx_hlc ahead = NX_HLC_MAKE(nx_hlc_wall_ms() + 3600 * 1000, 0);
    cr_assert_eq(nx_sync_hlc_raise(officer.prof.store, ahead), 0);
    save_status(&officer, id, "recover");
    sync_ok(&officer, &st);
    save_status(&agent, id, "identify");
    sync_ok(&agent, &st);
    cr_expect_eq(st.conflicts, 1, "the reporter's older write lost");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='recover'",
             id);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "the hub keeps the later write");
    sync_ok(&agent, &st);
    cr_expect_eq(nx_lap_n(&agent, sql), 1, "the reporter's copy is the hub's again");

    /* Forged past the session: a QA sample op put straight in the outbox. */
    nx_record q = { .created = 1 };
    snprintf(q.id, sizeof q.id, "forged-1");
    snprintf(q.kind, sizeof q.kind, "qa_sample");
    snprintf(q.status, sizeof q.status, "open");
    char *json = NULL;
    cr_assert_eq(nx_record_to_json(&q, &json), 0);
    cr_assert_eq(nx_store_begin(agent.prof.store), 0);
    cr_assert_eq(nx_outbox_add(agent.prof.store, NX_OP_RECORD, "forged-1", "qa_sample", json,
                               NULL, nx_now(), nx_hlc_wall_ms(), NULL), 0);
    cr_assert_eq(nx_store_commit(agent.prof.store), 0);
    free(json);
    nx_record_clear(&q);
    sync_ok(&agent, &st);
    cr_expect_eq(st.rejected, 1);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM records WHERE id='forged-1'"), 0);

    nx_lap_close(&agent);
    nx_lap_close(&officer);
    nx_lap_close(&super);
}
