/* The SOPs' clocks with expected instants worked out by hand from the
 * published rules (New York: EST = UTC-5, EDT = UTC-4, 2026 changes on
 * Sunday Mar 8 02:00 EST and Sunday Nov 1 02:00 EDT; Manila: UTC+8 all
 * year) and cross-checked with the system zoneinfo. Hour clocks are
 * elapsed hours, so across the November change a deadline's wall time
 * moves by the hour; day clocks end at the end of a local day. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/deadlines.h"
#include "domain/dict.h"
#include "domain/item.h"

#define NY "America/New_York"
#define MNL "Asia/Manila"

static void expect_local(const char *tz, int64_t t, const char *want)
{
    char got[32], err[256] = "";
    cr_assert_eq(nx_local_format(tz, t, got, sizeof got, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(got, want);
}

static int64_t parse(const char *tz, const char *text)
{
    int64_t t = 0;
    char err[256] = "";
    cr_assert_eq(nx_local_parse(tz, text, &t, err, sizeof err), 0, "%s: %s", text, err);
    return t;
}

Test(deadlines, local_text_round_trip)
{
    cr_assert_eq(parse(NY, "2026-11-02 09:00"), 1793628000);   /* 14:00 UTC, EST */
    cr_assert_eq(parse(NY, "2026-11-02"), 1793595600);         /* 05:00 UTC */
    cr_assert_eq(parse(MNL, "2026-03-09 09:00"), 1773018000);  /* 01:00 UTC */
    expect_local(NY, 1793628000, "2026-11-02 09:00");
    expect_local(NY, 1793386800, "2026-10-30 15:00");
    /* The repeated hour of Nov 1 reads as its first occurrence (EDT). */
    cr_assert_eq(parse(NY, "2026-11-01 01:30"), 1793511000);   /* 05:30 UTC */

    static const struct {
        const char *text, *err;
    } bad[] = {
        {"", "date and time must be YYYY-MM-DD HH:MM"},
        {"2026-11-02T09:00", "date and time must be YYYY-MM-DD HH:MM"},
        {"2026-11-02 9:00", "date and time must be YYYY-MM-DD HH:MM"},
        {"2026-02-30 09:00", NULL},
        {"2026-11-02 24:00", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        char err[256] = "";
        cr_expect_eq(nx_local_parse(NY, bad[i].text, &t, err, sizeof err), -1, "%s", bad[i].text);
        if (bad[i].err)
            cr_expect_str_eq(err, bad[i].err);
        else
            cr_expect_neq(err[0], '\0', "%s: no message", bad[i].text);
    }
}

/* ---- eligibility: verified lead hours before the visit ----------------------- */

Test(deadlines, eligibility_due_across_the_november_change)
{
    int64_t due = 0;
    char err[256] = "";
    /* Visit Mon 2026-11-02, a date only: from 00:00 EST (05:00 UTC). 72
     * elapsed hours back crosses the 25-hour Sunday, so the due time is
     * Fri Oct 30 01:00 EDT, not midnight. */
    cr_assert_eq(nx_elig_due(NY, "2026-11-02", 72, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793336400);
    expect_local(NY, due, "2026-10-30 01:00");
    cr_assert_eq(nx_elig_due(NY, "2026-11-02", 0, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793336400);   /* 0 = the default 72 */
    /* Visit at 09:00 EST (14:00 UTC), client lead 48 h: Sat Oct 31 10:00 EDT. */
    cr_assert_eq(nx_elig_due(NY, "2026-11-02 09:00", 48, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793455200);
    expect_local(NY, due, "2026-10-31 10:00");
}

Test(deadlines, eligibility_due_across_the_march_change)
{
    int64_t due = 0;
    char err[256] = "";
    /* Visit Mon 2026-03-09 09:00 EDT (13:00 UTC); 72 h back is Fri Mar 6
     * 13:00 UTC = 08:00 EST: the 23-hour Sunday moves the wall time back. */
    cr_assert_eq(nx_elig_due(NY, "2026-03-09 09:00", 72, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1772802000);
    expect_local(NY, due, "2026-03-06 08:00");
    /* Manila has no DST: 72 h is three wall-clock days. */
    cr_assert_eq(nx_elig_due(MNL, "2026-03-12 09:00", 72, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1773018000);
    expect_local(MNL, due, "2026-03-09 09:00");
}

Test(deadlines, eligibility_lead_is_48_to_72_hours)
{
    int64_t due = 0;
    char err[256] = "";
    cr_assert_eq(nx_elig_due(NY, "2026-11-02", 47, &due, err, sizeof err), -1);
    cr_assert_str_eq(err, "verification lead must be 48-72 hours");
    cr_assert_eq(nx_elig_due(NY, "2026-11-02", 73, &due, err, sizeof err), -1);
    cr_assert_eq(nx_elig_due(NY, "11/02/2026", 72, &due, err, sizeof err), -1);
    cr_assert_eq(nx_elig_due("Nowhere/Atlantis", "2026-11-02", 72, &due, err, sizeof err), -1);
    cr_assert_str_eq(err, "unknown time zone \"Nowhere/Atlantis\"");
}

static nx_elig_risk risk(const nx_item *it, int64_t now)
{
    nx_elig_risk r = NX_ELIG_RISK_NONE;
    char err[256] = "";
    cr_assert_eq(nx_elig_risk_of(it, now, NY, &r, err, sizeof err), 0, "%s", err);
    return r;
}

Test(deadlines, eligibility_at_risk_flags)
{
    nx_item it;
    cr_assert_eq(nx_item_init(&it, nx_dict_default(), NX_KIND_ELIGIBILITY), 0);
    cr_assert_eq(risk(&it, 1793000000), NX_ELIG_RISK_NONE);   /* no service date yet */
    cr_assert_eq(nx_item_set(&it, "service_date", "2026-11-02 09:00"), 0);
    /* Visit 2026-11-02 14:00 UTC. T-72 h = Oct 30 14:00 UTC (10:00 EDT),
     * T-48 h = Oct 31 14:00 UTC (10:00 EDT). */
    const int64_t visit = 1793628000, t72 = 1793368800, t48 = 1793455200;
    cr_assert_eq(risk(&it, t72 - 1), NX_ELIG_RISK_NONE);
    cr_assert_eq(risk(&it, t72), NX_ELIG_RISK_T72);
    cr_assert_eq(risk(&it, t48 - 1), NX_ELIG_RISK_T72);
    cr_assert_eq(risk(&it, t48), NX_ELIG_RISK_T48);
    cr_assert_eq(risk(&it, visit - 1), NX_ELIG_RISK_T48);
    cr_assert_eq(risk(&it, visit), NX_ELIG_RISK_OVERDUE);
    cr_assert_str_eq(nx_elig_risk_name(risk(&it, visit)), "overdue");
    cr_assert_str_eq(nx_elig_risk_name(NX_ELIG_RISK_T48), "t48");
    snprintf(it.status, sizeof it.status, "verified");
    cr_assert_eq(risk(&it, visit), NX_ELIG_RISK_NONE);
    nx_item_free(&it);

    nx_elig_risk r;
    char err[256] = "";
    cr_assert_eq(nx_item_init(&it, nx_dict_default(), NX_KIND_ROI), 0);
    cr_assert_eq(nx_elig_risk_of(&it, visit, NY, &r, err, sizeof err), -1);
    cr_assert_str_eq(err, "not an eligibility item");
    nx_item_free(&it);
}

/* ---- prior auth: follow-up and appeal ----------------------------------------- */

Test(deadlines, prior_auth_follow_up_across_the_november_change)
{
    /* Submitted Fri 2026-10-30 15:00 EDT = 19:00 UTC. */
    const int64_t sub = 1793386800;
    int64_t due = 0;
    char err[256] = "";
    cr_assert_eq(nx_pa_follow_up(sub, 0, 0, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793646000);                       /* +72 h: Mon Nov 2 */
    expect_local(NY, due, "2026-11-02 14:00");           /* EST: an hour earlier on the wall */
    cr_assert_eq(nx_pa_follow_up(sub, 1, 0, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793559600);                       /* urgent +48 h */
    expect_local(NY, due, "2026-11-01 14:00");
    cr_assert_eq(nx_pa_follow_up(sub, 0, 24, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793473200);                       /* payer's own 24 h, before the change */
    expect_local(NY, due, "2026-10-31 15:00");
    cr_assert_eq(nx_pa_follow_up(sub, 0, -1, &due, err, sizeof err), -1);
    cr_assert_str_eq(err, "payer follow-up must be 1-720 hours");
    cr_assert_eq(nx_pa_follow_up(sub, 0, 721, &due, err, sizeof err), -1);
}

Test(deadlines, prior_auth_follow_up_from_the_item)
{
    nx_item it;
    int64_t due = 0;
    char err[256] = "";
    cr_assert_eq(nx_item_init(&it, nx_dict_default(), NX_KIND_PRIOR_AUTH), 0);
    cr_assert_eq(nx_pa_follow_up_item(&it, NY, 0, &due, err, sizeof err), -1);
    cr_assert_str_eq(err, "not submitted yet: no follow-up");
    cr_assert_eq(nx_item_set(&it, "submitted_at", "2026-10-30 15:00"), 0);
    cr_assert_eq(nx_pa_follow_up_item(&it, NY, 0, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793646000);
    cr_assert_eq(nx_item_set(&it, "priority", "urgent"), 0);
    cr_assert_eq(nx_pa_follow_up_item(&it, NY, 0, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793559600);
    /* Manila: submitted Mon 2026-03-09 09:00 PHT (01:00 UTC), routine. */
    cr_assert_eq(nx_item_set(&it, "priority", "routine"), 0);
    cr_assert_eq(nx_item_set(&it, "submitted_at", "2026-03-09 09:00"), 0);
    cr_assert_eq(nx_pa_follow_up_item(&it, MNL, 0, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1773277200);
    expect_local(MNL, due, "2026-03-12 09:00");
    nx_item_free(&it);
}

Test(deadlines, appeal_deadline_is_the_end_of_a_local_day)
{
    char date[16];
    int64_t end = 0;
    char err[256] = "";
    /* Denied Wed 2026-09-02 16:00 EDT; the payer allows 60 days: Sun Nov 1,
     * the 25-hour day, which ends at Nov 2 00:00 EST (05:00 UTC). */
    cr_assert_eq(nx_pa_appeal_deadline(NY, 1788379200, 60, date, sizeof date, &end, err,
                                       sizeof err), 0, "%s", err);
    cr_assert_str_eq(date, "2026-11-01");
    cr_assert_eq(end, 1793595599);
    expect_local(NY, end, "2026-11-01 23:59");
    /* Denied at 22:30 EDT on Sep 2 is already Sep 3 in UTC: the client's
     * date counts. */
    cr_assert_eq(nx_pa_appeal_deadline(NY, 1788402600, 60, date, sizeof date, NULL, err,
                                       sizeof err), 0, "%s", err);
    cr_assert_str_eq(date, "2026-11-01");
    cr_assert_eq(nx_pa_appeal_deadline(MNL, 1788402600, 60, date, sizeof date, NULL, err,
                                       sizeof err), 0, "%s", err);
    cr_assert_str_eq(date, "2026-11-02");                /* Sep 3 10:30 PHT + 60 */
    /* 180 days from 2026-09-02 runs into the next year. */
    cr_assert_eq(nx_pa_appeal_deadline(NY, 1788379200, 180, date, sizeof date, NULL, err,
                                       sizeof err), 0, "%s", err);
    cr_assert_str_eq(date, "2027-03-01");
    cr_assert_eq(nx_pa_appeal_deadline(NY, 1788379200, 0, date, sizeof date, NULL, err,
                                       sizeof err), -1);
    cr_assert_str_eq(err, "payer appeal window must be 1-730 days");
}

/* ---- patient requests: 2 business days -------------------------------------- */

Test(deadlines, patient_request_routing_over_a_weekend_and_a_holiday)
{
    int64_t due = 0;
    char err[256] = "";
    /* In Fri 2026-10-30 16:00 EDT; business days Mon Nov 2 and Tue Nov 3:
     * due at the end of Tuesday, 23:59:59 EST. */
    cr_assert_eq(nx_routing_due(NY, NULL, 1793390400, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793768399);
    expect_local(NY, due, "2026-11-03 23:59");
    /* The client closes on Election Day (a synthetic holiday list): Wed. */
    nx_holidays h;
    cr_assert_eq(nx_holidays_parse("2026-11-03, 2026-11-26", &h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_routing_due(NY, &h, 1793390400, &due, err, sizeof err), 0, "%s", err);
    cr_assert_eq(due, 1793854799);
    expect_local(NY, due, "2026-11-04 23:59");
}
