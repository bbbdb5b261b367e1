/* Patient requests, the domain (core/domain/patreq): routing within 2
 * business days in the client's calendar — its zone, the weekend and its
 * holidays (Thanksgiving and the day after, in New York) — the covered
 * entity's deadlines in calendar days (access 30 +30, amendment 60 +30,
 * restriction 30, accounting 60 +30, complaint 30, confidential
 * communications none), across a DST change, and the kind's rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/patreq.h"

#define NY "America/New_York"
#define WED_1600 1795640400LL       /* 2026-11-25 16:00 EST, the day before Thanksgiving */
#define TUE_DEC1_END 1796187599LL   /* 2026-12-01 23:59:59 EST */
#define MON_NOV30_END 1796101199LL  /* 2026-11-30 23:59:59 EST */
#define TUE_2200_NY 1795575600LL    /* 2026-11-24 22:00 EST = Wed 03:00 UTC */
#define FRI_1600 1795813200LL       /* 2026-11-27 16:00 EST, a holiday of the client */
#define DEC25_END 1798261199LL      /* 2026-12-25 23:59:59 EST */
#define JAN24_END 1800853199LL      /* 2027-01-24 23:59:59 EST */
#define OCT20_1000 1792504800LL     /* 2026-10-20 10:00 EDT */
#define NOV19_END 1795150799LL      /* 2026-11-19 23:59:59 EST (DST ended Nov 1) */

static nx_holidays thanksgiving(void)
{
    nx_holidays h;
    char err[256];
    cr_assert_eq(nx_holidays_parse("2026-11-26, 2026-11-27, 2026-12-25", &h, err, sizeof err),
                 0, "%s", err);
    return h;
}

Test(incident_patreq, routing_is_two_business_days_in_the_clients_calendar)
{
    nx_holidays h = thanksgiving();
    char err[256] = "";
    int64_t due;
    /* Wednesday afternoon: Thursday and Friday are holidays, then the
     * weekend: Monday is the first business day, Tuesday the second. */
    cr_assert_eq(nx_patreq_routing_due(NY, &h, WED_1600, &due, err, sizeof err), 0, "%s", err);
    cr_expect_eq(due, TUE_DEC1_END);
    /* Without the client's holidays it would have been Friday. */
    cr_assert_eq(nx_patreq_routing_due(NY, NULL, WED_1600, &due, err, sizeof err), 0);
    cr_expect_lt(due, WED_1600 + 3 * 86400);
    /* On the holiday itself: counted from the next business day. */
    cr_assert_eq(nx_patreq_routing_due(NY, &h, FRI_1600, &due, err, sizeof err), 0);
    cr_expect_eq(due, TUE_DEC1_END);
    /* In the client's zone: 03:00 UTC Wednesday is still Tuesday evening
     * in New York, so Wednesday is the first business day, Monday the
     * second (Thursday, Friday, the weekend skipped). */
    cr_assert_eq(nx_patreq_routing_due(NY, &h, TUE_2200_NY, &due, err, sizeof err), 0);
    cr_expect_eq(due, MON_NOV30_END);
}

Test(incident_patreq, the_covered_entitys_deadlines_in_calendar_days)
{
    char err[256] = "";
    int64_t due;
    cr_assert_eq(nx_patreq_ce_due(NY, "access", WED_1600, 0, &due, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(due, DEC25_END, "30 calendar days, holidays or not");
    cr_assert_eq(nx_patreq_ce_due(NY, "access", WED_1600, 1, &due, err, sizeof err), 0);
    cr_expect_eq(due, JAN24_END, "one 30-day extension");
    cr_assert_eq(nx_patreq_ce_due(NY, "amendment", WED_1600, 0, &due, err, sizeof err), 0);
    cr_expect_eq(due, JAN24_END, "60 days");
    cr_assert_eq(nx_patreq_ce_due(NY, "accounting", WED_1600, 0, &due, err, sizeof err), 0);
    cr_expect_eq(due, JAN24_END);
    cr_assert_eq(nx_patreq_ce_due(NY, "restriction", WED_1600, 0, &due, err, sizeof err), 0);
    cr_expect_eq(due, DEC25_END);
    cr_assert_eq(nx_patreq_ce_due(NY, "complaint", WED_1600, 0, &due, err, sizeof err), 0);
    cr_expect_eq(due, DEC25_END);
    cr_assert_eq(nx_patreq_ce_due(NY, "confidential-comm", WED_1600, 0, &due, err, sizeof err),
                 0);
    cr_expect_eq(due, 0, "no deadline in the seeds");
    /* Across the end of DST: the end of the local day, in EST. */
    cr_assert_eq(nx_patreq_ce_due(NY, "access", OCT20_1000, 0, &due, err, sizeof err), 0);
    cr_expect_eq(due, NOV19_END);
    int ext = -1;
    cr_expect_eq(nx_patreq_ce_days("restriction", &ext), 30);
    cr_expect_eq(ext, 0, "restriction has no extension");
    cr_expect_eq(nx_patreq_ce_days("amendment", &ext), 60);
    cr_expect_eq(ext, 30);
    cr_expect_eq(nx_patreq_ce_days("bogus", &ext), -1);
    cr_expect_str_eq(nx_patreq_flag("restriction"), "restriction");
    cr_expect_str_eq(nx_patreq_flag("confidential-comm"), "confidential_comm");
    cr_expect_null(nx_patreq_flag("access"));
}

static void intake(nx_patreq *p, const char *type)
{
    nx_patreq_init(p);
    snprintf(p->type, sizeof p->type, "%s", type);
    p->received_at = WED_1600;
    snprintf(p->channel, sizeof p->channel, "phone");
    snprintf(p->id_method, sizeof p->id_method, "dob-and-address");
    p->id_verified = 1;
    snprintf(p->summary, sizeof p->summary, "Synthetic: copy of 2025 visit notes");
    snprintf(p->patient_id, sizeof p->patient_id, "pt-1");
    snprintf(p->client_id, sizeof p->client_id, "cl-1");
    snprintf(p->tz, sizeof p->tz, NY);
    nx_holidays h = thanksgiving();
    char err[256];
    cr_assert_eq(nx_patreq_schedule(p, &h, err, sizeof err), 0, "%s", err);
}

static nx_record rec_of(const nx_patreq *p, const char *status)
{
    nx_record r = { .created = WED_1600 };
    snprintf(r.id, sizeof r.id, "pr-1");
    snprintf(r.kind, sizeof r.kind, "patient_request");
    snprintf(r.item_id, sizeof r.item_id, "it-1");
    snprintf(r.status, sizeof r.status, "%s", status);
    snprintf(r.author, sizeof r.author, "alice");
    r.due = nx_patreq_due(p, status);
    char *json = NULL;
    cr_assert_eq(nx_patreq_to_json(p, &json), 0);
    cr_assert_eq(nx_record_set_body(&r, json), 0);
    free(json);
    return r;
}

static int check(const nx_record *prev, const nx_record *next, nx_role role, const char *user,
                 char *err, size_t errlen)
{
    err[0] = 0;
    return nx_record_check(prev, next, role, user, "north", err, errlen);
}

Test(incident_patreq, clocks_and_the_due_column_follow_the_status)
{
    nx_patreq p;
    intake(&p, "access");
    cr_expect_eq(p.routing_due, TUE_DEC1_END);
    cr_expect_eq(p.ce_due, DEC25_END);
    cr_expect_eq(nx_patreq_due(&p, "received"), TUE_DEC1_END);
    cr_expect_eq(nx_patreq_due(&p, "routed"), DEC25_END);
    cr_expect_eq(nx_patreq_due(&p, "closed"), 0);
    nx_patreq_clocks c;
    nx_patreq_clocks_at(&p, TUE_DEC1_END, &c);
    cr_expect_eq(c.routing.state, NX_DL_RUNNING, "the last second of Tuesday is on time");
    nx_patreq_clocks_at(&p, TUE_DEC1_END + 1, &c);
    cr_expect_eq(c.routing.state, NX_DL_LATE);
    p.routed_at = MON_NOV30_END - 3600;
    nx_patreq_clocks_at(&p, DEC25_END + 1, &c);
    cr_expect_eq(c.routing.state, NX_DL_MET);
    cr_expect_eq(c.ce.state, NX_DL_LATE);
    p.closed_at = DEC25_END - 10;
    nx_patreq_clocks_at(&p, JAN24_END, &c);
    cr_expect_eq(c.ce.state, NX_DL_MET);
    nx_patreq cc;
    intake(&cc, "confidential-comm");
    nx_patreq_clocks_at(&cc, JAN24_END, &c);
    cr_expect_eq(c.ce.state, NX_DL_NONE);
}

Test(incident_patreq, rules_of_intake_routing_extension_and_closing)
{
    char err[512];
    nx_patreq p;
    intake(&p, "access");
    nx_record r0 = rec_of(&p, "received");
    cr_expect_eq(check(NULL, &r0, NX_ROLE_SCHEDULING, "alice", err, sizeof err), 0, "%s", err);
    cr_expect_eq(check(NULL, &r0, NX_ROLE_AUDITOR, "alice", err, sizeof err), -1);
    cr_expect_eq(check(NULL, &r0, NX_ROLE_OPERATIONS, "alice", err, sizeof err), -1);
    /* A due that is not the routing deadline, or deadlines not the
     * type's, are refused. */
    r0.due -= 86400;
    cr_expect_eq(check(NULL, &r0, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);
    r0.due += 86400;
    nx_patreq forged = p;
    forged.ce_due += 30 * 86400;
    nx_record rf = rec_of(&forged, "received");
    cr_expect_eq(check(NULL, &rf, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);
    forged = p;
    forged.routing_due -= 86400 * 5;   /* before Friday: impossible */
    nx_record rf2 = rec_of(&forged, "received");
    cr_expect_eq(check(NULL, &rf2, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);
    /* Without the patient: refused. */
    nx_patreq nop = p;
    nop.patient_id[0] = 0;
    nx_record rnp = rec_of(&nop, "received");
    cr_expect_eq(check(NULL, &rnp, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);

    /* Routed: by who routes it, not before it came in. */
    nx_patreq routed = p;
    snprintf(routed.routed_to, sizeof routed.routed_to, "client");
    snprintf(routed.routed_how, sizeof routed.routed_how, "portal");
    routed.routed_at = WED_1600 + 3600;
    snprintf(routed.routed_by, sizeof routed.routed_by, "alice");
    nx_record r1 = rec_of(&routed, "routed");
    cr_expect_eq(r1.due, DEC25_END);
    cr_expect_eq(check(&r0, &r1, NX_ROLE_SCHEDULING, "alice", err, sizeof err), 0, "%s", err);
    cr_expect_eq(check(&r0, &r1, NX_ROLE_SUPERVISOR, "sam", err, sizeof err), -1,
                 "logged under another's name");
    /* The intake cannot change once routed; the request never goes back. */
    nx_patreq changed = routed;
    changed.received_at -= 60;
    nx_record rc = rec_of(&changed, "routed");
    cr_expect_eq(check(&r1, &rc, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);
    cr_expect_eq(check(&r1, &r0, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);
    /* Closing from received needs "withdrawn". */
    nx_patreq early = p;
    snprintf(early.outcome, sizeof early.outcome, "fulfilled");
    early.closed_at = WED_1600 + 60;
    snprintf(early.closed_by, sizeof early.closed_by, "alice");
    nx_record re = rec_of(&early, "closed");
    cr_expect_eq(check(&r0, &re, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);
    snprintf(early.outcome, sizeof early.outcome, "withdrawn");
    nx_record rw = rec_of(&early, "closed");
    cr_expect_eq(check(&r0, &rw, NX_ROLE_SCHEDULING, "alice", err, sizeof err), 0, "%s", err);

    /* The extension: once, with a reason, the deadline moved by 30 days. */
    nx_patreq ext = routed;
    ext.extended = 1;
    snprintf(ext.extension_reason, sizeof ext.extension_reason, "records off site");
    nx_record rx = rec_of(&ext, "routed");
    cr_expect_eq(check(&r1, &rx, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1,
                 "the deadline must move with it");
    char why[128];
    cr_assert_eq(nx_patreq_ce_due(NY, "access", WED_1600, 1, &ext.ce_due, why, sizeof why), 0);
    nx_record_clear(&rx);
    rx = rec_of(&ext, "routed");
    cr_expect_eq(rx.due, JAN24_END);
    cr_expect_eq(check(&r1, &rx, NX_ROLE_SCHEDULING, "alice", err, sizeof err), 0, "%s", err);
    nx_patreq restr;
    intake(&restr, "restriction");
    restr.extended = 1;
    snprintf(restr.extension_reason, sizeof restr.extension_reason, "x");
    nx_record rr = rec_of(&restr, "received");
    cr_expect_eq(check(NULL, &rr, NX_ROLE_SCHEDULING, "alice", err, sizeof err), -1);

    /* Closed by whoever records the outcome; closed is final. */
    nx_patreq done = ext;
    snprintf(done.outcome, sizeof done.outcome, "fulfilled");
    done.closed_at = WED_1600 + 20 * 86400;
    snprintf(done.closed_by, sizeof done.closed_by, "pat");
    nx_record rd = rec_of(&done, "closed");
    cr_expect_eq(rd.due, 0);
    cr_expect_eq(check(&rx, &rd, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), 0, "%s",
                 err);
    nx_patreq reopened = done;
    snprintf(reopened.note, sizeof reopened.note, "more");
    nx_record ro = rec_of(&reopened, "closed");
    cr_expect_eq(check(&rd, &ro, NX_ROLE_PRIVACY_OFFICER, "pat", err, sizeof err), -1);

    nx_record *all[] = { &r0, &rf, &rf2, &rnp, &r1, &rc, &re, &rw, &rx, &rr, &rd, &ro };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        nx_record_clear(all[i]);
}

Test(incident_patreq, the_body_is_strict)
{
    static const char *const bad[] = {
        "{\"type\":\"Synthetic Patient\"}",
        "{\"summary\":7}",
        "{\"ssn\":\"Synthetic\"}",
        "{\"id_verified\":2}",
        "{\"received_at\":\"yesterday\"}",
    };
    nx_patreq p;
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        cr_expect_eq(nx_patreq_from_json(bad[i], &p, err, sizeof err), -1, "case %zu", i);
        cr_expect(err[0]);
        cr_expect_null(strstr(err, "Synthetic"), "%s", err);
    }
    nx_patreq a, b;
    intake(&a, "amendment");
    char *json = NULL;
    cr_assert_eq(nx_patreq_to_json(&a, &json), 0);
    cr_assert_eq(nx_patreq_from_json(json, &b, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(b.type, "amendment");
    cr_expect_eq(b.routing_due, a.routing_due);
    cr_expect_eq(b.ce_due, a.ce_due);
    cr_expect_str_eq(b.tz, NY);
    cr_expect_eq(b.id_verified, 1);
    free(json);
}
