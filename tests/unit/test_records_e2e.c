/* Oversight records end to end through the real hub (`nexus-hub serve`
 * over the local: pipe; tests/helpers/hubfix), with incidents
 * (core/domain/incident.h) as the kind:
 *   - an agent files an incident offline (it waits in the outbox,
 *     encrypted like everything in the cache), syncs; the hub stores it
 *     with the agent as author whatever the laptop claimed; the privacy
 *     officer's next sync brings it, a supervisor's does not;
 *   - the officer takes it; the reporter's next sync brings the new step;
 *   - a later change made from a stale copy loses to the later one (last
 *     writer by clock): the hub answers "conflict" and the writer's next
 *     pull puts the hub's copy back;
 *   - a change the kind's rules refuse on the hub (the reporter's
 *     correction, made offline before the officer took the incident) is
 *     refused there and the hub's copy comes back;
 *   - a record the kind's rules refuse (a QA sample written on a laptop,
 *     forged past the session's own check) is refused by the hub, and
 *     nothing of it is stored there. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_privacy.h"
#include "session/session_record.h"
#include "store/audit_review.h"
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

static void report(nx_incident *inc, int people)
{
    nx_incident_init(inc);
    snprintf(inc->type, sizeof inc->type, "mis-fax");
    inc->discovered_at = nx_now() - 3600;
    snprintf(inc->description, sizeof inc->description, "Synthetic: fax to a wrong number");
    inc->people_affected = people;
}

static int people_on(nx_lap *l, const char *id)
{
    char err[512] = "";
    nx_incident_view v;
    cr_assert_eq(nx_session_incident_get(&l->sess, id, &v, err, sizeof err), 1, "%s", err);
    int n = v.inc.people_affected;
    nx_incident_view_clear(&v);
    return n;
}

static void correct(nx_lap *l, const char *id, int people)
{
    char err[512] = "";
    nx_incident_view v;
    cr_assert_eq(nx_session_incident_get(&l->sess, id, &v, err, sizeof err), 1, "%s", err);
    v.inc.people_affected = people;
    cr_assert_eq(nx_session_incident_correct(&l->sess, id, &v.inc, err, sizeof err), 0, "%s",
                 err);
    nx_incident_view_clear(&v);
}

Test(records_e2e, an_incident_filed_offline_reaches_the_officer_and_comes_back_moved,
     .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", sql[512], text[256];
    cr_assert_eq(nx_hf_init(&H, "records-e2e", err, sizeof err), 0, "%s", err);
    nx_lap agent, officer, sec, super;
    cr_assert_eq(nx_lap_open(&agent, &H, "rec-agent", "carol", "roi", "north", 1, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&officer, &H, "rec-po", "pat", "privacy-officer", "compliance", 40,
                             1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&sec, &H, "rec-so", "sol", "security-officer", "compliance", 60,
                             1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&super, &H, "rec-sup", "sam", "supervisor", "north", 80, 1, err,
                             sizeof err), 0, "%s", err);

    /* Offline: filed, waiting in the outbox. */
    nx_incident inc;
    report(&inc, 1);
    char id[40];
    cr_assert_eq(nx_session_incident_file(&agent.sess, &inc, "", id, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM outbox WHERE kind='record'"), 1);

    nx_sync_stats st;
    sync_ok(&agent, &st);
    cr_expect_eq(st.applied, 1, "the hub took the record op");
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM outbox"), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND author='carol' "
             "AND kind='incident' AND status='reported' AND team='north'", id);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "stored on the hub as carol's");
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM records WHERE op_id<>''"), 0,
                 "settled by the hub's answer");

    sync_ok(&officer, &st);
    cr_expect_eq(st.records, 1);
    cr_expect_eq(people_on(&officer, id), 1);
    snprintf(sql, sizeof sql, "SELECT author FROM records WHERE id='%s'", id);
    nx_lap_text(&officer, sql, text, sizeof text);
    cr_expect_str_eq(text, "carol");
    sync_ok(&super, &st);
    cr_expect_eq(nx_lap_n(&super, "SELECT count(*) FROM records"), 0,
                 "a supervisor is not sent incidents");

    /* The reporter corrects it offline, before any officer has taken it. */
    correct(&agent, id, 2);

    /* The officer takes it; the security officer's laptop gets it too. */
    cr_assert_eq(nx_session_incident_advance(&officer.sess, id, NULL, err, sizeof err), 0, "%s",
                 err);
    sync_ok(&officer, &st);
    cr_expect_eq(st.applied, 1);
    sync_ok(&sec, &st);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='identify' "
             "AND owner='pat'", id);
    cr_expect_eq(nx_lap_n(&sec, sql), 1);

    /* The reporter's correction reaches the hub after that: refused, and
     * the hub's copy comes back. */
    sync_ok(&agent, &st);
    cr_expect_eq(st.rejected, 1, "the reporter may correct only until an officer takes it");
    sync_ok(&agent, &st);
    cr_expect_eq(nx_lap_n(&agent, sql), 1, "the reporter's copy is the hub's again");
    cr_expect_eq(people_on(&agent, id), 1);

    /* A stale write loses to the later one: the privacy officer's clock is
     * ahead, so their correction is later than the security officer's,
     * made from the copy both held. */
    nx_hlc ahead = NX_HLC_MAKE(nx_hlc_wall_ms() + 3600 * 1000, 0);
    cr_assert_eq(nx_sync_hlc_raise(officer.prof.store, ahead), 0);
    correct(&officer, id, 3);
    sync_ok(&officer, &st);
    cr_expect_eq(st.applied, 1);
    correct(&sec, id, 4);
    sync_ok(&sec, &st);
    cr_expect_eq(st.conflicts, 1, "the older write lost");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND "
             "body LIKE '%%\"people_affected\":3%%'", id);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "the hub keeps the later write");
    sync_ok(&sec, &st);
    cr_expect_eq(people_on(&sec, id), 3, "the loser's copy is the hub's again");

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
    nx_lap_close(&sec);
    nx_lap_close(&super);
}

/* The accounting of disclosures reaches the privacy officer: an ROI agent
 * releases under a purpose that must be accounted for; the hub writes the
 * entry as it merges the step and sends it, as a `disclosure` record, to
 * the privacy officer (whose audit review lists it for the patient), not
 * to the security officer; no laptop may write one. */
#define ROI_ITEM                                                                              \
    "{\"id\":\"roi-1\",\"kind\":\"roi\",\"client\":\"cl-1\",\"status\":\"verified\","         \
    "\"patient\":{\"id\":\"pt-roi-1\",\"family_name\":\"Testcase\",\"given_name\":\"Ada\"},"  \
    "\"assignee\":\"carol\",\"team\":\"north\",\"fields\":{"                                  \
    "\"auth_ref\":\"DOC-AUTH-0001\",\"auth_date\":\"2026-05-20\","                            \
    "\"auth_expiry\":\"2027-11-20\",\"auth_scope\":\"Office notes 2025\","                    \
    "\"auth_purpose\":\"legal\",\"auth_has_description\":\"yes\","                           \
    "\"auth_has_discloser\":\"yes\",\"auth_has_recipient\":\"yes\","                          \
    "\"auth_has_purpose\":\"yes\",\"auth_has_expiry\":\"yes\","                               \
    "\"auth_has_revocation_right\":\"yes\",\"auth_has_signature\":\"yes\","                   \
    "\"auth_has_conditioning\":\"yes\",\"auth_has_redisclosure\":\"yes\","                    \
    "\"auth_by_representative\":\"no\",\"auth_combined\":\"no\",\"holder_type\":\"hospital\","\
    "\"recipient_name\":\"Synthetic Records Department\","                                    \
    "\"recipient_address\":\"1 Example Way, Springfield, IL 62701\","                         \
    "\"recipient_verified\":\"yes\",\"recipient_verify_method\":\"callback\","                \
    "\"release_channel\":\"efax\",\"fax_number\":\"2175550188\","                             \
    "\"fax_verified_by\":\"directory\",\"cover_sheet_used\":\"yes\","                         \
    "\"record_match_verified\":\"yes\",\"complete_first_pass\":\"yes\"}}\n"

static int count_entry(void *ctx, const nx_review_disclosure *d)
{
    if (strcmp(d->recipient_name, "Synthetic Records Department") == 0 &&
        strcmp(d->item_id, "roi-1") == 0)
        ++*(int *)ctx;
    return 0;
}

Test(records_e2e, the_privacy_officer_holds_the_accounting_of_every_release, .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "";
    cr_assert_eq(nx_hf_init(&H, "records-disc", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hf_import(&H, ROI_ITEM, err, sizeof err), 0, "%s", err);
    nx_lap agent, po, so;
    cr_assert_eq(nx_lap_open(&agent, &H, "disc-agent", "carol", "roi", "north", 1, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&po, &H, "disc-po", "pat", "privacy-officer", "compliance", 40, 1,
                             err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&so, &H, "disc-so", "sid", "security-officer", "compliance", 80,
                             1, err, sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&agent, &st);
    cr_assert_eq(st.items, 1);
    nx_item it;
    char linked[NX_ID_MAX];
    cr_assert_eq(nx_session_open(&agent.sess, "roi-1", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_transition(&agent.sess, &it, "released", linked, err, sizeof err), 0,
                 "%s", err);
    nx_item_free(&it);
    sync_ok(&agent, &st);
    cr_expect_eq(st.applied, 1, "rejected %llu", (unsigned long long)st.rejected);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM disclosures WHERE item_id='roi-1'"), 1);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM records WHERE kind='disclosure' AND "
                             "item_id='roi-1' AND author='carol'"), 1);
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM records WHERE kind='disclosure'"), 0,
                 "the agent keeps its own entry, not a copy");

    sync_ok(&po, &st);
    int n = 0;
    cr_assert_eq(nx_review_disclosures(po.prof.store, "pt-roi-1", count_entry, &n), 0);
    cr_expect_eq(n, 1, "the privacy officer's accounting for the patient");
    cr_expect_eq(nx_review_disclosures_held(po.prof.store), 1);
    cr_expect_eq(nx_lap_n(&po, "SELECT count(*) FROM disclosures"), 0,
                 "the entry is the hub's record, not a release made here");
    sync_ok(&so, &st);
    cr_expect_eq(nx_lap_n(&so, "SELECT count(*) FROM records WHERE kind='disclosure'"), 0);

    /* No laptop writes one: the session refuses it before the hub would. */
    nx_record r = { 0 };
    snprintf(r.kind, sizeof r.kind, "disclosure");
    snprintf(r.status, sizeof r.status, "recorded");
    cr_expect_eq(nx_session_record_save(&po.sess, &r, err, sizeof err), -1);
    cr_expect(strstr(err, "written by the hub"), "%s", err);
    nx_record_clear(&r);

    nx_lap_close(&agent);
    nx_lap_close(&po);
    nx_lap_close(&so);
}
