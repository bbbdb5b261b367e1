/* Incidents, the domain (core/domain/incident): the body's JSON, the two
 * clocks in elapsed hours — a discovery on a Friday evening before a
 * holiday weekend is due to the privacy officer on Saturday evening, not
 * on the next business day — and the kind's rules: anyone files, the
 * reporter corrects until an officer takes it, only officers move the
 * steps, one at a time and in order, with the assessment, a notification
 * and the post-mortem where the SOP asks for them; the logs only grow. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/incident.h"

/* 2026-11-27 18:30 America/New_York: the Friday after Thanksgiving
 * (Thursday, a US holiday), in the evening. */
#define FRI_EVENING 1795822200LL
#define SAT_EVENING 1795908600LL   /* + 24 h: Saturday 18:30 */
#define SUN_EVENING 1795995000LL   /* + 48 h: Sunday 18:30 */
#define MON_MORNING 1796047200LL   /* Monday 09:00, the next business day */

static void report(nx_incident *inc)
{
    nx_incident_init(inc);
    snprintf(inc->type, sizeof inc->type, "mis-fax");
    inc->occurred_at = FRI_EVENING - 3600;
    inc->discovered_at = FRI_EVENING;
    snprintf(inc->description, sizeof inc->description,
             "Synthetic: a referral faxed to a wrong number");
    inc->info = 1u << NX_INC_INFO_NAME | 1u << NX_INC_INFO_DOB;
    inc->people_affected = 1;
    snprintf(inc->client, sizeof inc->client, "Lakeside Family Clinic");
}

static char *body_of(const nx_incident *inc)
{
    char *json = NULL;
    cr_assert_eq(nx_incident_to_json(inc, &json), 0);
    return json;
}

/* A record of the incident in status, as filed by `by`. */
static nx_record rec_of(const nx_incident *inc, const char *status, const char *owner)
{
    nx_record r = { .created = FRI_EVENING + 600 };
    snprintf(r.id, sizeof r.id, "inc-1");
    snprintf(r.kind, sizeof r.kind, "incident");
    snprintf(r.status, sizeof r.status, "%s", status);
    snprintf(r.author, sizeof r.author, "carol");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    r.due = nx_incident_due(inc, status);
    char *b = body_of(inc);
    cr_assert_eq(nx_record_set_body(&r, b), 0);
    free(b);
    return r;
}

static void log_step(nx_incident *inc, const char *step, const char *by)
{
    nx_incident_log *l = &inc->steps[inc->nsteps++];
    snprintf(l->step, sizeof l->step, "%s", step);
    l->at = FRI_EVENING + inc->nsteps * 60;
    snprintf(l->by, sizeof l->by, "%s", by);
}

Test(incident, the_body_round_trips_and_is_strict)
{
    nx_incident a, b;
    report(&a);
    log_step(&a, "reported", "carol");
    snprintf(a.info_other, sizeof a.info_other, "Synthetic insurer letter");
    nx_incident_notice *n = &a.notices[a.nnotices++];
    snprintf(n->to, sizeof n->to, "client");
    snprintf(n->name, sizeof n->name, "Lakeside privacy office");
    n->at = SAT_EVENING;
    snprintf(n->how, sizeof n->how, "phone");
    snprintf(n->by, sizeof n->by, "pat");
    char *json = body_of(&a), err[256] = "";
    cr_assert_eq(nx_incident_from_json(json, &b, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(b.type, "mis-fax");
    cr_expect_eq(b.discovered_at, FRI_EVENING);
    cr_expect_eq(b.occurred_at, FRI_EVENING - 3600);
    cr_expect_eq(b.info, a.info);
    cr_expect_eq(b.people_affected, 1);
    cr_expect_eq(b.nsteps, 1);
    cr_expect_eq(b.nnotices, 1);
    cr_expect_str_eq(b.notices[0].name, "Lakeside privacy office");
    char *again = body_of(&b);
    cr_expect_str_eq(again, json, "a second round trip changes nothing");
    free(json);
    free(again);

    /* people affected 0 is a count, not "unknown" */
    a.people_affected = 0;
    json = body_of(&a);
    cr_assert_eq(nx_incident_from_json(json, &b, err, sizeof err), 0, "%s", err);
    cr_expect_eq(b.people_affected, 0);
    free(json);

    static const char *const bad[] = {
        "[]",
        "{\"type\":\"Synthetic Patient\"}",                  /* not a type */
        "{\"description\":5}",
        "{\"patient\":\"Synthetic Patient\"}",               /* unknown key */
        "{\"info\":[\"name\",\"Synthetic\"]}",
        "{\"discovered_at\":-1}",
        "{\"people_affected\":-2}",
        "{\"notifications\":[{\"to\":\"client\",\"how\":\"pigeon\",\"at\":5}]}",
        "{\"steps\":[{\"step\":\"reported\",\"at\":1,\"by\":\"c\",\"x\":1}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        cr_expect_eq(nx_incident_from_json(bad[i], &b, err, sizeof err), -1, "case %zu", i);
        cr_expect(err[0], "case %zu: no message", i);
        cr_expect_null(strstr(err, "Synthetic"), "the message quotes a value: %s", err);
        cr_expect_null(strstr(err, "pigeon"), "the message quotes a value: %s", err);
    }
}

Test(incident, clocks_run_in_elapsed_hours_across_a_holiday_weekend)
{
    nx_incident inc;
    report(&inc);
    nx_deadline rep, as;

    /* Still being written on Saturday afternoon: both running. */
    nx_incident_clocks(&inc, 0, SAT_EVENING - 3600, &rep, &as);
    cr_expect_eq(rep.due, SAT_EVENING, "24 h after a Friday-evening discovery is Saturday");
    cr_expect_eq(as.due, SUN_EVENING, "48 h: Sunday evening, weekend or not");
    cr_expect_eq(rep.state, NX_DL_RUNNING);
    cr_expect_eq(as.state, NX_DL_RUNNING);

    /* Exactly at the deadline is on time; a second after, late. */
    nx_incident_clocks(&inc, 0, SAT_EVENING, &rep, NULL);
    cr_expect_eq(rep.state, NX_DL_RUNNING);
    nx_incident_clocks(&inc, 0, SAT_EVENING + 1, &rep, NULL);
    cr_expect_eq(rep.state, NX_DL_LATE);
    cr_expect(nx_deadline_is_late(rep.state));

    /* Filed Saturday noon: met. Filed Monday morning (the next business
     * day): met, but late — a holiday weekend does not stop the clock. */
    nx_incident_clocks(&inc, SAT_EVENING - 6 * 3600, MON_MORNING, &rep, &as);
    cr_expect_eq(rep.state, NX_DL_MET);
    cr_expect_eq(as.state, NX_DL_LATE, "no assessment by Monday: late");
    nx_incident_clocks(&inc, MON_MORNING, MON_MORNING, &rep, NULL);
    cr_expect_eq(rep.state, NX_DL_MET_LATE);
    cr_expect(nx_deadline_is_late(rep.state));

    /* The assessment stops its clock; the due column follows. */
    cr_expect_eq(nx_incident_due(&inc, "identify"), SUN_EVENING);
    inc.assessed_at = SUN_EVENING - 60;
    nx_incident_clocks(&inc, SAT_EVENING, MON_MORNING, NULL, &as);
    cr_expect_eq(as.state, NX_DL_MET);
    cr_expect_eq(nx_incident_due(&inc, "identify"), 0, "no running deadline once assessed");
    inc.assessed_at = 0;
    cr_expect_eq(nx_incident_due(&inc, "closed"), 0);

    /* No discovery time, no clock. */
    inc.discovered_at = 0;
    nx_incident_clocks(&inc, 0, MON_MORNING, &rep, &as);
    cr_expect_eq(rep.state, NX_DL_NONE);
    cr_expect_eq(as.state, NX_DL_NONE);
}

static int check(const nx_record *prev, const nx_record *next, nx_role role, const char *user,
                 char *err, size_t errlen)
{
    err[0] = 0;
    return nx_record_check(prev, next, role, user, "north", err, errlen);
}

Test(incident, anyone_files_the_reporter_corrects_until_an_officer_takes_it)
{
    char err[512];
    nx_incident inc;
    report(&inc);
    log_step(&inc, "reported", "carol");
    nx_record filed = rec_of(&inc, "reported", "");
    cr_expect_eq(check(NULL, &filed, NX_ROLE_ROI, "carol", err, sizeof err), 0, "%s", err);
    cr_expect_eq(check(NULL, &filed, NX_ROLE_SUPERVISOR, "carol", err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(check(NULL, &filed, NX_ROLE_AUDITOR, "carol", err, sizeof err), -1);
    cr_expect_eq(check(NULL, &filed, NX_ROLE_ROI, "mallory", err, sizeof err), -1,
                 "the step log names who files it");

    /* Filed as anything but a fresh report: refused. */
    nx_record odd = rec_of(&inc, "identify", "carol");
    cr_expect_eq(check(NULL, &odd, NX_ROLE_PRIVACY_OFFICER, "carol", err, sizeof err), -1);
    nx_incident pre = inc;
    snprintf(pre.severity, sizeof pre.severity, "low");
    nx_record presumed = rec_of(&pre, "reported", "");
    cr_expect_eq(check(NULL, &presumed, NX_ROLE_ROI, "carol", err, sizeof err), -1,
                 "a report holds no assessment");
    cr_expect(strstr(err, "inc-1"), "%s", err);
    /* A due column that is not the running deadline: refused. */
    filed.due += 60;
    cr_expect_eq(check(NULL, &filed, NX_ROLE_ROI, "carol", err, sizeof err), -1);
    filed.due -= 60;

    /* The reporter corrects it. */
    nx_incident fix = inc;
    fix.people_affected = 2;
    nx_record corrected = rec_of(&fix, "reported", "");
    cr_expect_eq(check(&filed, &corrected, NX_ROLE_ROI, "carol", err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(check(&filed, &corrected, NX_ROLE_ROI, "dave", err, sizeof err), -1,
                 "another agent may not");
    /* ... but not into an officer's step, nor the officer's part. */
    nx_incident self = fix;
    log_step(&self, "identify", "carol");
    nx_record selfmoved = rec_of(&self, "identify", "carol");
    cr_expect_eq(check(&filed, &selfmoved, NX_ROLE_ROI, "carol", err, sizeof err), -1);

    /* An officer takes it: owner is the officer. */
    nx_incident taken = fix;
    log_step(&taken, "identify", "pat");
    nx_record t = rec_of(&taken, "identify", "pat");
    cr_expect_eq(check(&corrected, &t, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0,
                 "%s", err);
    nx_record t2 = rec_of(&taken, "identify", "someone");
    cr_expect_eq(check(&corrected, &t2, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1,
                 "who takes it owns it");
    cr_expect_eq(check(&corrected, &t, NX_ROLE_SUPERVISOR, "pat", err, sizeof err), -1,
                 "a supervisor is not an officer");

    /* Taken: the reporter's correction is refused now. */
    nx_incident late = taken;
    late.people_affected = 3;
    nx_record lt = rec_of(&late, "identify", "pat");
    cr_expect_eq(check(&t, &lt, NX_ROLE_ROI, "carol", err, sizeof err), -1);
    cr_expect(strstr(err, "taken"), "%s", err);
    cr_expect_eq(check(&t, &lt, NX_ROLE_SECURITY_OFFICER, "sol", err, sizeof err), 0, "%s",
                 err);

    nx_record_clear(&filed);
    nx_record_clear(&odd);
    nx_record_clear(&presumed);
    nx_record_clear(&corrected);
    nx_record_clear(&selfmoved);
    nx_record_clear(&t);
    nx_record_clear(&t2);
    nx_record_clear(&lt);
}

/* Moves prev's incident one step as officer pat; returns the record. */
static nx_record moved(nx_incident *inc, const char *to)
{
    log_step(inc, to, "pat");
    return rec_of(inc, to, "pat");
}

Test(incident, officers_move_the_steps_in_order_with_what_each_needs)
{
    char err[512];
    nx_incident inc;
    report(&inc);
    log_step(&inc, "reported", "carol");
    nx_record r0 = rec_of(&inc, "reported", "");
    nx_record r1 = moved(&inc, "identify");
    cr_assert_eq(check(&r0, &r1, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);

    /* Skipping a step: refused. */
    nx_incident skip = inc;
    log_step(&skip, "eradicate", "pat");
    nx_record rs = rec_of(&skip, "eradicate", "pat");
    cr_expect_eq(check(&r1, &rs, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);

    /* Leaving Identify needs the preliminary assessment. */
    nx_incident noassess = inc;
    nx_record rn = moved(&noassess, "contain");
    cr_expect_eq(check(&r1, &rn, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);
    cr_expect(strstr(err, "assessment"), "%s", err);
    snprintf(inc.severity, sizeof inc.severity, "medium");
    snprintf(inc.assessment, sizeof inc.assessment, "Synthetic: one patient, fax recalled");
    inc.assessed_at = SAT_EVENING;
    nx_record r1a = rec_of(&inc, "identify", "pat");
    cr_assert_eq(check(&r1, &r1a, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(r1a.due, 0, "assessed: no running deadline");
    /* The assessment's time never moves once recorded. */
    nx_incident moved_at = inc;
    moved_at.assessed_at += 10;
    nx_record rm = rec_of(&moved_at, "identify", "pat");
    cr_expect_eq(check(&r1a, &rm, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);

    nx_record r2 = moved(&inc, "contain");
    cr_expect_eq(check(&r1a, &r2, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    nx_record r3 = moved(&inc, "eradicate");
    nx_record r4 = moved(&inc, "recover");
    nx_record r5 = moved(&inc, "notify");
    cr_expect_eq(check(&r2, &r3, NX_ROLE_SECURITY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(check(&r3, &r4, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(check(&r4, &r5, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);

    /* Leaving Notify needs a notification logged, by who logs it. */
    nx_incident nonote = inc;
    nx_record rp = moved(&nonote, "postmortem");
    cr_expect_eq(check(&r5, &rp, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);
    cr_expect(strstr(err, "notification"), "%s", err);
    nx_incident_notice *n = &inc.notices[inc.nnotices++];
    snprintf(n->to, sizeof n->to, "client");
    n->at = SUN_EVENING;
    snprintf(n->how, sizeof n->how, "phone");
    snprintf(n->by, sizeof n->by, "pat");
    nx_record r5n = rec_of(&inc, "notify", "pat");
    cr_expect_eq(check(&r5, &r5n, NX_ROLE_PRIVACY_OFFICER, "sol", err, sizeof err), -1,
                 "logged under another officer's name");
    cr_expect_eq(check(&r5, &r5n, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    /* The log only grows. */
    cr_expect_eq(check(&r5n, &r5, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);

    nx_record r6 = moved(&inc, "postmortem");
    cr_expect_eq(check(&r5n, &r6, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    /* Closing needs the post-mortem. */
    nx_incident nopm = inc;
    nx_record rc = moved(&nopm, "closed");
    cr_expect_eq(check(&r6, &rc, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);
    snprintf(inc.postmortem, sizeof inc.postmortem, "Synthetic: number not verified; CAPA");
    snprintf(inc.capa_id, sizeof inc.capa_id, "capa-9");
    nx_record r6p = rec_of(&inc, "postmortem", "pat");
    nx_record r7 = moved(&inc, "closed");
    cr_expect_eq(check(&r6, &r6p, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(check(&r6p, &r7, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    /* Closed is final. */
    nx_incident after = inc;
    after.people_affected = 5;
    nx_record ra = rec_of(&after, "closed", "pat");
    cr_expect_eq(check(&r7, &ra, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);

    nx_record *all[] = { &r0, &r1, &rs, &rn, &r1a, &rm, &r2, &r3, &r4, &r5, &rp, &r5n,
                         &r6, &rc, &r6p, &r7, &ra };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        nx_record_clear(all[i]);
}

Test(incident, steps_and_labels)
{
    cr_expect_str_eq(nx_incident_next_step("reported"), "identify");
    cr_expect_str_eq(nx_incident_next_step("notify"), "postmortem");
    cr_expect_str_eq(nx_incident_next_step("postmortem"), "closed");
    cr_expect_null(nx_incident_next_step("closed"));
    cr_expect_null(nx_incident_next_step("bogus"));
    cr_expect_str_eq(nx_incident_step_label("postmortem"), "Post-mortem & CAPA");
    cr_expect(nx_incident_officer(NX_ROLE_PRIVACY_OFFICER));
    cr_expect(nx_incident_officer(NX_ROLE_SECURITY_OFFICER));
    cr_expect(!nx_incident_officer(NX_ROLE_AUDITOR));
}
