/* Operations' KPIs from what the hub sends it (issue 6, DESIGN: operations
 * sees aggregates only), through a real hub (tests/helpers/hubfix):
 *   - the items of every team reach the operations laptop for counting:
 *     statuses, times, users, status history and attempts' outcomes;
 *   - never the patient (its id withheld, no name, no patient column), a
 *     field, a note, or an attempt's next action;
 *   - the KPI screen's figures are computed from them (outreach outcomes,
 *     per team and agent), and operations still may not open an item. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/item.h"
#include "session/session.h"
#include "session/session_oversight.h"
#include "tests/helpers/hubfix.h"

static nx_hf H;

static void sync_ok(nx_lap *l, nx_sync_stats *st)
{
    char err[1024] = "";
    nx_sync_code c = nx_lap_sync(l, st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
}

#define SCHED(id, pt, who, team)                                                             \
    "{\"id\":\"" id "\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":\"in-progress\"," \
    "\"patient\":{\"id\":\"" pt "\",\"family_name\":\"Opscount\",\"given_name\":\"Vera\","      \
    "\"phone\":\"2175550142\"},\"fields\":{\"visit_type\":\"follow-up\"},"               \
    "\"notes\":[{\"author\":\"alice\",\"at\":1780000000,\"body\":\"Synthetic note\"}],"  \
    "\"assignee\":\"" who "\","                                                              \
    "\"team\":\"" team "\"}\n"

/* An outreach attempt on item id, after the identity check it needs. */
static void attempt(nx_lap *l, const char *id, const char *outcome)
{
    char err[512] = "";
    nx_item it;
    cr_assert_eq(nx_session_open(&l->sess, id, &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_set(&l->sess, &it, "identity_method", "callback", err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(nx_session_set(&l->sess, &it, "identity_result", "verified", err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(nx_session_attempt(&l->sess, &it, "phone", outcome,
                                    "Synthetic: call Vera back Tuesday", err, sizeof err), 0,
                 "%s", err);
    nx_item_free(&it);
}

Test(ops_counts_e2e, operations_counts_every_team_without_a_patient, .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "";
    cr_assert_eq(nx_hf_init(&H, "ops-counts", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hf_import(&H, SCHED("sch-a", "pt-1", "alice", "north")
                                  SCHED("sch-b", "pt-2", "alice", "north")
                                  SCHED("sch-c", "pt-3", "erin", "east")
                                  "{\"id\":\"roi-1\",\"kind\":\"roi\",\"client\":\"cl-1\","
                                  "\"status\":\"received\",\"patient\":{\"id\":\"pt-4\","
                                  "\"family_name\":\"Opscount\",\"given_name\":\"Rui\"},\"fields\":{"
                                  "\"complete_first_pass\":\"yes\",\"recipient_name\":"
                                  "\"Synthetic Law LLP\"},\"assignee\":\"erin\","
                                  "\"team\":\"east\"}\n", err, sizeof err), 0,
                 "%s", err);
    nx_lap alice, erin, olga;
    cr_assert_eq(nx_lap_open(&alice, &H, "oc-alice", "alice", "scheduling", "north", 5, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&erin, &H, "oc-erin", "erin", "scheduling", "east", 25, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&olga, &H, "oc-olga", "olga", "operations", "hq", 45, 1, err,
                             sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&alice, &st);
    sync_ok(&erin, &st);
    attempt(&alice, "sch-a", "left-message");
    attempt(&alice, "sch-b", "scheduled");
    attempt(&erin, "sch-c", "left-message");
    sync_ok(&alice, &st);
    sync_ok(&erin, &st);

    sync_ok(&olga, &st);
    cr_expect_eq(st.items, 4, "every team's items, for counting");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM items WHERE patient_id = '"
                                 NX_PATIENT_WITHHELD "'"), 4);
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM patients WHERE id <> '"
                                 NX_PATIENT_WITHHELD "' OR family_name <> '' OR given_name <> ''"
                                 " OR phone <> '' OR dob <> ''"), 0, "no patient");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM item_fields WHERE field NOT IN "
                                 "('complete_first_pass', 'submitted_at', 'request_sent_at')"),
                 0, "no field but the workflow facts without PHI");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM item_fields WHERE item_id='roi-1' AND "
                                 "field='complete_first_pass' AND value='yes'"), 1);
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM notes"), 0, "no note");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM attempts"), 3, "the attempts' outcomes");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM attempts WHERE next_action <> ''"), 0,
                 "not their next action");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM transitions"),
                 nx_lap_n(&alice, "SELECT count(*) FROM transitions") +
                     nx_lap_n(&erin, "SELECT count(*) FROM transitions"),
                 "the status history");

    /* The figures: every team, then one team, then one agent. */
    nx_kpi_view v;
    nx_kpi_scope_opt all = { "", "" }, north = { "north", "" }, erin_s = { "east", "erin" };
    cr_assert_eq(nx_session_kpi(&olga.sess, &all, NX_KPI_WEEK, "UTC", &v, err, sizeof err), 0,
                 "%s", err);
    const nx_kpi *k = &v.k[NX_KPI_TREND - 1];
    cr_expect_eq(k->sched_attempts, 3);
    nx_kpi_ratio lm = nx_kpi_outcome_share(k, "left-message");
    cr_expect_eq(lm.num, 2);
    cr_expect_eq(lm.den, 3);
    cr_assert_eq(nx_session_kpi(&olga.sess, &north, NX_KPI_WEEK, "UTC", &v, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(v.k[NX_KPI_TREND - 1].sched_attempts, 2);
    cr_assert_eq(nx_session_kpi(&olga.sess, &erin_s, NX_KPI_WEEK, "UTC", &v, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(v.k[NX_KPI_TREND - 1].sched_attempts, 1);
    char why[256] = "";
    cr_expect_eq(nx_session_kpi_held(&olga.sess, NX_KPI_SCHED_OUTCOMES, why, sizeof why),
                 NX_KPI_HELD, "%s", why);
    cr_expect_eq(nx_session_kpi_held(&olga.sess, NX_KPI_ROI_FIRST_PASS, why, sizeof why),
                 NX_KPI_HELD, "%s", why);
    cr_expect_eq(nx_session_kpi_held(&olga.sess, NX_KPI_PA_TURNAROUND, why, sizeof why),
                 NX_KPI_HELD, "%s", why);
    cr_expect_eq(nx_session_kpi_held(&olga.sess, NX_KPI_ELIG_72H, why, sizeof why),
                 NX_KPI_NOT_HELD, "the date of service holds PHI");

    /* Counting is not viewing. */
    nx_item it;
    cr_expect_eq(nx_session_open(&olga.sess, "sch-a", &it, err, sizeof err), -1);
    cr_expect(strstr(err, "may not open"), "%s", err);

    nx_lap_close(&alice);
    nx_lap_close(&erin);
    nx_lap_close(&olga);
}
