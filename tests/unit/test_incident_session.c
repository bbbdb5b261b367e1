/* Incidents and patient requests through core/session (session_privacy.h)
 * on one laptop, offline:
 *   - a patient request taken in from an item gets the item's patient,
 *     client and the client's calendar (its holidays in the cache): the
 *     routing clock skips Thanksgiving, the day after and the weekend;
 *     routing, the extension and closing move the due column;
 *   - a confidential-communication request sets the patient's flag in
 *     the transaction of the request (an `update` audit event on the item,
 *     the record's op in the outbox) — and the scheduling rules then
 *     refuse an SMS to that patient on this laptop at once; a refused
 *     intake sets nothing;
 *   - an incident filed, corrected by its reporter, refused to a
 *     non-officer's step, listed with its clocks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_privacy.h"
#include "store/rows.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;
static int64_t clock_now;
static int64_t test_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

#define WED_1600 1795640400LL       /* 2026-11-25 16:00 EST, the day before Thanksgiving */
#define TUE_DEC1_END 1796187599LL   /* 2026-12-01 23:59:59 EST */
#define FRI_1600 1795813200LL       /* 2026-11-27 16:00 EST */
#define DEC25_END 1798261199LL
#define JAN24_END 1800853199LL

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

static void item(const char *id, const char *kind, const char *client, const char *patient,
                 const char *status)
{
    nx_item_row r = { .id = id, .kind = kind, .client_id = client, .patient_id = patient,
                      .status = status, .assignee = F.sess.user, .team = "north",
                      .created = WED_1600 - 86400, .updated = WED_1600 - 86400 };
    cr_assert_eq(nx_store_item_put(F.prof.store, &r), 0);
}

static void start(const char *user, const char *role)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "incsess", user, role, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
    clock_now = WED_1600;
    F.sess.clock = test_clock;
    /* A second clinic with the US holidays of late 2026 in its calendar. */
    nx_client_row cl = { "cl-2", "Harbor Pediatrics", "America/New_York", "555-0102",
                         "2026-11-26,2026-11-27,2026-12-25" };
    nx_patient_row pt = { "pt-3", "cl-2", "Testperson", "Bea", "1990-01-01", "2175550199",
                          "", "", "", "", "", "no", "no", "" };
    cr_assert_eq(nx_store_client_put(F.prof.store, &cl), 0);
    cr_assert_eq(nx_store_patient_put(F.prof.store, &pt), 0);
    item("sch-1", "scheduling", "cl-1", "pt-1", "in-progress");
    item("sch-3", "scheduling", "cl-2", "pt-3", "in-progress");
    item("roi-3", "roi", "cl-2", "pt-3", "new");
}

static void fini(void) { nx_sf_close(&F); }

static void request(nx_patreq *p, const char *type)
{
    nx_patreq_init(p);
    snprintf(p->type, sizeof p->type, "%s", type);
    snprintf(p->channel, sizeof p->channel, "phone");
    snprintf(p->id_method, sizeof p->id_method, "dob-and-address");
    p->id_verified = 1;
    snprintf(p->summary, sizeof p->summary, "Synthetic: asked for the visit summary");
}

Test(incident_session, a_request_is_clocked_in_the_clients_calendar, .fini = fini)
{
    start("alice", "scheduling");
    char err[512] = "", id[40], sql[256];
    nx_patreq p;
    cr_assert_eq(nx_session_patreq_prefill(&F.sess, "sch-3", &p, err, sizeof err), 0, "%s",
                 err);
    cr_expect_str_eq(p.patient_id, "pt-3");
    cr_expect_str_eq(p.client_id, "cl-2");
    cr_expect_str_eq(p.tz, "America/New_York");
    cr_expect_eq(p.received_at, WED_1600);
    request(&p, "access");
    snprintf(p.patient_id, sizeof p.patient_id, "pt-1");   /* ignored: the item says */
    cr_assert_eq(nx_session_patreq_take(&F.sess, "sch-3", &p, id, err, sizeof err), 0, "%s",
                 err);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND "
             "kind='patient_request' AND status='received' AND due=%lld AND item_id='sch-3' "
             "AND team='north'", id, (long long)TUE_DEC1_END);
    cr_expect_eq(n(sql), 1, "due at the end of Tuesday: holidays and the weekend skipped");
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind='record' AND "
                   "field='patient_request'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM patients WHERE restriction='yes' OR "
                   "confidential_comm='yes'"), 0, "an access request sets no flag");

    nx_patreq_view v;
    cr_assert_eq(nx_session_patreq_get(&F.sess, id, &v, err, sizeof err), 1, "%s", err);
    cr_expect_str_eq(v.pr.patient_id, "pt-3");
    cr_expect_eq(v.line.clk.routing.state, NX_DL_RUNNING);
    cr_expect_eq(v.line.clk.ce.due, DEC25_END);
    nx_patreq_view_clear(&v);

    /* Routed on Wednesday of the next week: late. */
    clock_now = TUE_DEC1_END + 3600;
    cr_assert_eq(nx_session_patreq_route(&F.sess, id, "client", "Harbor privacy office",
                                         "portal", "TCK-1", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_patreq_get(&F.sess, id, &v, err, sizeof err), 1);
    cr_expect_eq(v.line.clk.routing.state, NX_DL_MET_LATE);
    cr_expect_str_eq(v.line.status, "routed");
    cr_expect_eq(v.row.rec.due, DEC25_END, "now the covered entity's deadline runs");
    nx_patreq_view_clear(&v);
    cr_expect_eq(nx_session_patreq_route(&F.sess, id, "client", "", "portal", "", 0, err,
                                         sizeof err), -1, "routed once");

    cr_assert_eq(nx_session_patreq_extend(&F.sess, id, "records in storage", err, sizeof err),
                 0, "%s", err);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND due=%lld", id,
             (long long)JAN24_END);
    cr_expect_eq(n(sql), 1, "the extension moves the deadline by 30 days");
    cr_expect_eq(nx_session_patreq_extend(&F.sess, id, "again", err, sizeof err), -1);

    cr_assert_eq(nx_session_patreq_close(&F.sess, id, "fulfilled", "", err, sizeof err), 0,
                 "%s", err);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND due=0 AND "
             "status='closed'", id);
    cr_expect_eq(n(sql), 1);
    nx_patreq_line *lines = NULL;
    size_t nl = 0;
    cr_assert_eq(nx_session_patreq_lines(&F.sess, 0, NULL, &lines, &nl, err, sizeof err), 0);
    cr_expect_eq(nl, 0, "closed requests are not in the open list");
    free(lines);
    cr_assert_eq(nx_session_patreq_lines(&F.sess, 1, "sch-3", &lines, &nl, err, sizeof err), 0);
    cr_expect_eq(nl, 1);
    free(lines);
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind='record'"), 4);
}

Test(incident_session, a_confidential_communication_request_flags_the_patient_at_once,
     .fini = fini)
{
    start("alice", "scheduling");
    char err[512] = "";
    nx_patreq p;
    request(&p, "confidential-comm");
    cr_assert_eq(nx_session_patreq_take(&F.sess, "sch-1", &p, NULL, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(n("SELECT count(*) FROM patients WHERE id='pt-1' AND confidential_comm='yes'"),
                 1);
    cr_expect_eq(n("SELECT count(*) FROM audit WHERE action='update' AND item_id='sch-1' AND "
                   "field='confidential_comm'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE kind='patient_request' AND due=0 AND "
                   "status='received'"), 0, "routing is still clocked");

    /* The scheduling rules honour it: no SMS to that patient. */
    nx_item it;
    cr_assert_eq(nx_session_open(&F.sess, "sch-1", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_set(&F.sess, &it, "identity_method", "dob-and-address", err,
                                sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_set(&F.sess, &it, "identity_result", "verified", err, sizeof err),
                 0, "%s", err);
    cr_expect_eq(nx_session_set(&F.sess, &it, "channel", "sms", err, sizeof err), -1);
    cr_expect(strstr(err, "confidential communication"), "%s", err);
    cr_expect_eq(nx_session_set(&F.sess, &it, "channel", "phone", err, sizeof err), 0, "%s",
                 err);
    nx_item_free(&it);

    /* A restriction request flags the restriction; a refused intake (no
     * channel chosen) writes nothing at all. */
    request(&p, "restriction");
    p.channel[0] = 0;
    cr_expect_eq(nx_session_patreq_take(&F.sess, "roi-3", &p, NULL, err, sizeof err), -1);
    cr_expect_eq(n("SELECT count(*) FROM patients WHERE id='pt-3' AND restriction='yes'"), 0);
    snprintf(p.channel, sizeof p.channel, "mail");
    cr_assert_eq(nx_session_patreq_take(&F.sess, "roi-3", &p, NULL, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(n("SELECT count(*) FROM patients WHERE id='pt-3' AND restriction='yes'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM patients WHERE id='pt-1' AND restriction='yes'"), 0);
    /* A request needs an item in scope. */
    cr_expect_eq(nx_session_patreq_take(&F.sess, "nope", &p, NULL, err, sizeof err), -1);
}

Test(incident_session, operations_takes_no_requests, .fini = fini)
{
    start("olga", "operations");
    char err[512] = "";
    nx_patreq p;
    request(&p, "restriction");
    cr_expect_eq(nx_session_patreq_take(&F.sess, "sch-1", &p, NULL, err, sizeof err), -1);
    cr_expect_eq(n("SELECT count(*) FROM patients WHERE restriction='yes'"), 0);
}

Test(incident_session, an_incident_filed_corrected_and_listed, .fini = fini)
{
    start("carol", "roi");
    clock_now = FRI_1600 + 4 * 3600;
    char err[512] = "", id[40];
    nx_incident inc;
    cr_assert_eq(nx_session_incident_prefill(&F.sess, "roi-3", 1, &inc, err, sizeof err), 0,
                 "%s", err);
    cr_expect_str_eq(inc.type, "mis-fax");
    cr_expect_str_eq(inc.client, "Harbor Pediatrics");
    cr_expect_eq(nx_session_incident_file(&F.sess, &inc, "roi-3", id, err, sizeof err), -1,
                 "no discovery time, no description");
    inc.discovered_at = FRI_1600 + 2 * 3600;
    snprintf(inc.description, sizeof inc.description, "Synthetic: release faxed to 555-0199");
    inc.people_affected = 1;
    cr_assert_eq(nx_session_incident_file(&F.sess, &inc, "roi-3", id, err, sizeof err), 0,
                 "%s", err);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='reported' "
             "AND owner='' AND item_id='roi-3' AND due=%lld", id,
             (long long)(FRI_1600 + 50 * 3600));
    cr_expect_eq(n(sql), 1);
    inc.discovered_at = clock_now + 3600;
    cr_expect_eq(nx_session_incident_correct(&F.sess, id, &inc, err, sizeof err), -1,
                 "a discovery in the future");
    inc.discovered_at = FRI_1600 + 2 * 3600;
    inc.people_affected = 2;
    cr_assert_eq(nx_session_incident_correct(&F.sess, id, &inc, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_session_incident_advance(&F.sess, id, NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "officers"), "%s", err);
    cr_expect_eq(nx_session_incident_assess(&F.sess, id, "low", "Synthetic", err, sizeof err),
                 -1);

    nx_incident_line *lines = NULL;
    size_t nl = 0;
    clock_now = FRI_1600 + 27 * 3600;   /* Saturday 19:00 */
    cr_assert_eq(nx_session_incident_lines(&F.sess, 0, &lines, &nl, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(nl, 1);
    cr_expect_str_eq(lines[0].id, id);
    cr_expect_str_eq(lines[0].type, "mis-fax");
    cr_expect_eq(lines[0].people_affected, 2);
    cr_expect_eq(lines[0].report.state, NX_DL_MET, "filed two hours after the discovery");
    cr_expect_eq(lines[0].assess.state, NX_DL_RUNNING);
    cr_expect(lines[0].pending, "waiting for the hub");
    free(lines);
    nx_incident_wipe(&inc);
}
