/* Incidents and patient requests end to end through the real hub
 * (`nexus-hub serve` over the local: pipe; tests/helpers/hubfix):
 *   - an agent files an incident offline; it waits in the outbox; after
 *     the agent's sync the privacy officer's laptop has it; the officer
 *     takes it, records the preliminary assessment, walks every step of
 *     the response, logs a notification, writes the post-mortem and
 *     closes it; the reporter's laptop follows each sync, and the hub's
 *     copy is the officer's;
 *   - a patient's confidential-communication request, taken in offline
 *     from one agent's scheduling item, sets the patient's flag on the
 *     hub when it syncs; another agent's laptop holding another item of
 *     the same patient gets the flag with its next sync, and its SMS step
 *     for that patient is refused there; a restriction request from an
 *     ROI item flags the patient on the scheduling agents' laptops too;
 *   - the hub refuses a request forged for an item outside the writer's
 *     scope, and the patient's flag stays as it was. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_privacy.h"
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

static void status_is(nx_lap *l, const char *id, const char *status)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='%s'", id,
             status);
    cr_expect_eq(nx_lap_n(l, sql), 1, "%s is not %s on the laptop", id, status);
}

Test(incident_e2e, filed_offline_worked_by_the_officer_and_followed_by_the_reporter,
     .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", sql[512];
    cr_assert_eq(nx_hf_init(&H, "incident-e2e", err, sizeof err), 0, "%s", err);
    nx_lap agent, po;
    cr_assert_eq(nx_lap_open(&agent, &H, "inc-agent", "carol", "roi", "north", 3, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&po, &H, "inc-po", "pat", "privacy-officer", "compliance", 43, 1,
                             err, sizeof err), 0, "%s", err);

    /* Offline: the report is saved and waits in the outbox. */
    nx_incident inc;
    nx_incident_init(&inc);
    snprintf(inc.type, sizeof inc.type, "lost-device");
    inc.discovered_at = nx_now() - 2 * 3600;
    inc.occurred_at = inc.discovered_at - 3600;
    snprintf(inc.description, sizeof inc.description, "Synthetic: laptop left on a train");
    snprintf(inc.mitigation, sizeof inc.mitigation, "Remote revoke requested");
    inc.people_affected = -1;
    char id[40];
    cr_assert_eq(nx_session_incident_file(&agent.sess, &inc, "", id, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(nx_lap_n(&agent, "SELECT count(*) FROM outbox WHERE kind='record' AND "
                                  "field='incident'"), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s'", id);
    cr_expect_eq(nx_hf_n(&H, sql), 0, "nothing reached the hub yet");

    nx_sync_stats st;
    sync_ok(&agent, &st);
    cr_expect_eq(st.applied, 1);
    sync_ok(&po, &st);
    cr_expect_eq(st.records, 1, "the officer's laptop has the report");

    nx_incident_line *lines = NULL;
    size_t n = 0;
    cr_assert_eq(nx_session_incident_lines(&po.sess, 0, &lines, &n, err, sizeof err), 0);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(lines[0].author, "carol");
    cr_expect_eq(lines[0].report.state, NX_DL_MET);
    cr_expect_eq(lines[0].assess.state, NX_DL_RUNNING);
    free(lines);

    /* The officer works it. */
    cr_assert_eq(nx_session_incident_advance(&po.sess, id, NULL, err, sizeof err), 0, "%s", err);
    char step[16];
    cr_expect_eq(nx_session_incident_advance(&po.sess, id, step, err, sizeof err), -1,
                 "not past Identify without the assessment");
    cr_assert_eq(nx_session_incident_assess(&po.sess, id, "high",
                                            "Synthetic: encrypted disk, cache keys revoked",
                                            err, sizeof err), 0, "%s", err);
    sync_ok(&po, &st);
    cr_expect_eq(st.applied, 2);
    sync_ok(&agent, &st);
    status_is(&agent, id, "identify");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND owner='pat' AND "
             "due=0", id);
    cr_expect_eq(nx_lap_n(&agent, sql), 1, "taken by pat; the assessment stopped the clock");
    cr_expect_eq(nx_session_incident_correct(&agent.sess, id, &inc, err, sizeof err), -1,
                 "the reporter cannot change it once taken");

    const char *const walk[] = { "contain", "eradicate", "recover", "notify" };
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(nx_session_incident_advance(&po.sess, id, step, err, sizeof err), 0,
                     "%s", err);
        cr_expect_str_eq(step, walk[i]);
    }
    nx_incident_notice note = { .how = "phone" };
    snprintf(note.to, sizeof note.to, "client");
    snprintf(note.name, sizeof note.name, "Lakeside privacy office");
    cr_assert_eq(nx_session_incident_notify(&po.sess, id, &note, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_incident_advance(&po.sess, id, step, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_session_incident_advance(&po.sess, id, step, err, sizeof err), -1,
                 "not closed without the post-mortem");
    cr_assert_eq(nx_session_incident_postmortem(&po.sess, id, "Synthetic: lock on idle held",
                                                "", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_incident_advance(&po.sess, id, step, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(step, "closed");
    sync_ok(&po, &st);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='closed' "
             "AND author='carol' AND owner='pat'", id);
    cr_expect_eq(nx_hf_n(&H, sql), 1);
    sync_ok(&agent, &st);
    status_is(&agent, id, "closed");
    nx_incident_view v;
    cr_assert_eq(nx_session_incident_get(&agent.sess, id, &v, err, sizeof err), 1, "%s", err);
    cr_expect_eq(v.inc.nsteps, 8, "every step is in the log");
    cr_expect_eq(v.inc.nnotices, 1);
    cr_expect_str_eq(v.inc.notices[0].by, "pat");
    cr_expect_str_eq(v.inc.notices[0].name, "Lakeside privacy office");
    nx_incident_view_clear(&v);
    nx_lap_close(&agent);
    nx_lap_close(&po);
}

#define SCHED(id, pt, who, team)                                                             \
    "{\"id\":\"" id "\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":\"in-progress\"," \
    "\"patient\":{\"id\":\"" pt "\",\"family_name\":\"Flagtest\",\"given_name\":\"Ivy\","       \
    "\"phone\":\"2175550188\"},\"assignee\":\"" who "\",\"team\":\"" team "\"}\n"
#define ROI(id, who)                                                                         \
    "{\"id\":\"" id "\",\"kind\":\"roi\",\"client\":\"cl-1\",\"patient\":{\"id\":\"pt-9\"},"     \
    "\"assignee\":\"" who "\",\"team\":\"north\"}\n"

static void request(nx_patreq *p, const char *type)
{
    nx_patreq_init(p);
    snprintf(p->type, sizeof p->type, "%s", type);
    snprintf(p->channel, sizeof p->channel, "phone");
    snprintf(p->id_method, sizeof p->id_method, "callback");
    p->id_verified = 1;
}

/* May the laptop's user send an SMS on item id (the channel, and an SMS
 * outreach attempt)? 0 yes, -1 refused (err says why). */
static int sms(nx_lap *l, const char *id, char *err, size_t errlen)
{
    nx_item it;
    cr_assert_eq(nx_session_open(&l->sess, id, &it, err, errlen), 0, "%s", err);
    cr_assert_eq(nx_session_set(&l->sess, &it, "identity_method", "callback", err, errlen), 0,
                 "%s", err);
    cr_assert_eq(nx_session_set(&l->sess, &it, "identity_result", "verified", err, errlen), 0,
                 "%s", err);
    int rc = nx_session_set(&l->sess, &it, "channel", "sms", err, errlen);
    /* an SMS outreach attempt is the same question */
    char err2[256] = "";
    int rc2 = nx_session_attempt(&l->sess, &it, "sms", "left-message", "call back", err2,
                                 sizeof err2);
    cr_expect_eq(rc2 == 0, rc == 0, "the channel and the attempt disagree: %s", err2);
    nx_item_free(&it);
    return rc;
}

Test(incident_e2e, a_patients_request_flags_every_laptop_holding_the_patient, .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", sql[256];
    cr_assert_eq(nx_hf_init(&H, "patreq-e2e", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hf_import(&H, SCHED("sch-a", "pt-9", "alice", "north")
                                  SCHED("sch-b", "pt-9", "bob", "north")
                                  SCHED("sch-e", "pt-8", "erin", "east")
                                      ROI("roi-c", "carol"), err, sizeof err), 0, "%s", err);
    nx_lap alice, bob, carol, dave, po;
    cr_assert_eq(nx_lap_open(&alice, &H, "pr-alice", "alice", "scheduling", "north", 5, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&bob, &H, "pr-bob", "bob", "scheduling", "north", 25, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&carol, &H, "pr-carol", "carol", "roi", "north", 45, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&dave, &H, "pr-dave", "dave", "scheduling", "south", 65, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&po, &H, "pr-po", "pat", "privacy-officer", "compliance", 85, 1,
                             err, sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&alice, &st);
    cr_expect_eq(st.items, 1);
    sync_ok(&bob, &st);
    sync_ok(&carol, &st);
    cr_expect_eq(sms(&bob, "sch-b", err, sizeof err), 0, "%s", err);

    /* Alice, offline, takes the patient's request in from her item. */
    nx_patreq p;
    request(&p, "confidential-comm");
    char id[40];
    cr_assert_eq(nx_session_patreq_take(&alice.sess, "sch-a", &p, id, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(sms(&alice, "sch-a", err, sizeof err), -1, "refused on her laptop at once");
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                             "confidential_comm='yes'"), 0, "not on the hub yet");

    sync_ok(&alice, &st);
    cr_expect_eq(st.rejected, 0);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                             "confidential_comm='yes'"), 1, "the record's effect on the hub");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND author='alice' "
             "AND status='received'", id);
    cr_expect_eq(nx_hf_n(&H, sql), 1);

    /* Bob's laptop holds another item of the patient: the flag comes with
     * it, and his SMS step is refused. */
    sync_ok(&bob, &st);
    cr_expect_geq(st.items, 1, "the patient's items were given a new revision");
    cr_expect_eq(nx_lap_n(&bob, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                                "confidential_comm='yes'"), 1);
    cr_expect_eq(sms(&bob, "sch-b", err, sizeof err), -1);
    cr_expect(strstr(err, "confidential communication"), "%s", err);
    cr_expect_eq(nx_lap_n(&bob, "SELECT count(*) FROM records"), 0,
                 "another agent is not sent the request itself");

    /* The officer sees the request (not the items). */
    sync_ok(&po, &st);
    cr_expect_eq(nx_lap_n(&po, sql), 1);
    nx_patreq_line *lines = NULL;
    size_t n = 0;
    cr_assert_eq(nx_session_patreq_lines(&po.sess, 0, NULL, &lines, &n, err, sizeof err), 0);
    cr_expect_eq(n, 1);
    cr_expect_eq(lines[0].clk.routing.state, NX_DL_RUNNING);
    free(lines);

    /* A restriction request from the ROI item: the scheduling laptops get
     * the restriction too. */
    request(&p, "restriction");
    cr_assert_eq(nx_session_patreq_take(&carol.sess, "roi-c", &p, NULL, err, sizeof err), 0,
                 "%s", err);
    sync_ok(&carol, &st);
    cr_expect_eq(st.rejected, 0);
    sync_ok(&alice, &st);
    cr_expect_eq(nx_lap_n(&alice, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                                  "restriction='yes' AND confidential_comm='yes'"), 1);

    /* Routing it later changes nothing on the patient, costs no touch. */
    cr_assert_eq(nx_session_patreq_route(&alice.sess, id, "client", "Lakeside privacy office",
                                         "portal", "TCK-9", 0, err, sizeof err), 0, "%s", err);
    sync_ok(&alice, &st);
    cr_expect_eq(st.applied, 1);

    /* Forged: Dave (team south) writes a request for another team's item
     * past his session (his laptop does not even hold it). Refused by the
     * hub; nothing changes on that patient. */
    sync_ok(&dave, &st);
    nx_patreq f;
    request(&f, "confidential-comm");
    f.received_at = nx_now() - 60;
    snprintf(f.patient_id, sizeof f.patient_id, "pt-8");
    snprintf(f.client_id, sizeof f.client_id, "cl-1");
    snprintf(f.tz, sizeof f.tz, "America/New_York");
    cr_assert_eq(nx_patreq_schedule(&f, NULL, err, sizeof err), 0, "%s", err);
    nx_record r = { .created = nx_now(), .due = f.routing_due };
    snprintf(r.item_id, sizeof r.item_id, "sch-e");
    snprintf(r.status, sizeof r.status, "received");
    char *body = NULL, *json = NULL;
    cr_assert_eq(nx_patreq_to_json(&f, &body), 0);
    cr_assert_eq(nx_record_set_body(&r, body), 0);
    cr_assert_eq(nx_record_to_json(&r, &json), 0);
    cr_assert_eq(nx_store_begin(dave.prof.store), 0);
    cr_assert_eq(nx_outbox_add(dave.prof.store, NX_OP_RECORD, "forged-pr", "patient_request",
                               json, NULL, nx_now(), nx_hlc_wall_ms(), NULL), 0);
    cr_assert_eq(nx_store_commit(dave.prof.store), 0);
    free(body);
    free(json);
    nx_record_clear(&r);
    sync_ok(&dave, &st);
    cr_expect_eq(st.rejected, 1);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM records WHERE id='forged-pr'"), 0);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE id='pt-8' AND "
                             "confidential_comm='no'"), 1, "the flag stays as it was");

    nx_lap_close(&alice);
    nx_lap_close(&bob);
    nx_lap_close(&carol);
    nx_lap_close(&dave);
    nx_lap_close(&po);
}

/* The flag is the safe side until the covered entity decides: a denied or
 * withdrawn restriction lifts it on every laptop, unless another request
 * that sets it still stands; a flag no request set is not lifted. */
Test(incident_e2e, a_denied_or_withdrawn_request_lifts_its_flag, .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "";
    cr_assert_eq(nx_hf_init(&H, "patreq-lift", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hf_import(&H, SCHED("sch-a", "pt-9", "alice", "north")
                                  SCHED("sch-b", "pt-7", "alice", "north")
                                      ROI("roi-c", "carol"), err, sizeof err), 0, "%s", err);
    nx_lap alice, carol, po;
    cr_assert_eq(nx_lap_open(&alice, &H, "lf-alice", "alice", "scheduling", "north", 5, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&carol, &H, "lf-carol", "carol", "roi", "north", 45, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&po, &H, "lf-po", "pat", "privacy-officer", "compliance", 85, 1,
                             err, sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&alice, &st);
    sync_ok(&carol, &st);

    /* Two restriction requests for pt-9 (from two items), one for pt-7. */
    nx_patreq p;
    char r1[40], r2[40], r3[40];
    request(&p, "restriction");
    cr_assert_eq(nx_session_patreq_take(&alice.sess, "sch-a", &p, r1, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(nx_session_patreq_take(&carol.sess, "roi-c", &p, r2, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(nx_session_patreq_take(&alice.sess, "sch-b", &p, r3, err, sizeof err), 0, "%s",
                 err);
    sync_ok(&alice, &st);
    sync_ok(&carol, &st);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE restriction='yes'"), 2);
    sync_ok(&po, &st);

    /* pt-9's first request denied: the second still stands, so the flag
     * stays; withdrawn too: lifted, and alice's laptop gets it. */
    cr_assert_eq(nx_session_patreq_route(&po.sess, r1, "client", "Lakeside privacy office",
                                         "portal", "TCK-1", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_patreq_close(&po.sess, r1, "denied", "", err, sizeof err), 0, "%s",
                 err);
    sync_ok(&po, &st);
    cr_expect_eq(st.rejected, 0);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                             "restriction='yes'"), 1, "another request still stands");
    cr_assert_eq(nx_session_patreq_close(&po.sess, r2, "withdrawn", "", err, sizeof err), 0,
                 "%s", err);
    sync_ok(&po, &st);
    cr_expect_eq(st.rejected, 0);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                             "restriction='no'"), 1, "nothing stands: lifted");
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM audit WHERE field='restriction' AND "
                             "reason LIKE 'lifted%'"), 1, "and the hub's audit says so");
    sync_ok(&alice, &st);
    cr_expect_eq(nx_lap_n(&alice, "SELECT count(*) FROM patients WHERE id='pt-9' AND "
                                  "restriction='no'"), 1, "the laptops follow");

    /* pt-7: granted, then an explicit later decision stays the agent's:
     * a request closed granted keeps the flag. */
    cr_assert_eq(nx_session_patreq_route(&po.sess, r3, "client", "Lakeside privacy office",
                                         "portal", "TCK-3", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_patreq_close(&po.sess, r3, "fulfilled", "", err, sizeof err), 0,
                 "%s", err);
    sync_ok(&po, &st);
    cr_expect_eq(nx_hf_n(&H, "SELECT count(*) FROM patients WHERE id='pt-7' AND "
                             "restriction='yes'"), 1, "granted: the flag stays");

    nx_lap_close(&alice);
    nx_lap_close(&carol);
    nx_lap_close(&po);
}
