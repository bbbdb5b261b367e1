/* The KPI screen's model (core/session/session_kpi.c) on a hand-made data
 * set: every figure the screen shows, read through nx_session_kpi — the
 * call the screen makes — and checked against values worked out here by
 * hand, for the team, each agent and the week before; then the scopes a
 * supervisor and operations may pick, what operations' cache cannot
 * compute, and the trend drawn as a sparkline.
 *
 * The data set (synthetic): one client in UTC (so every local date is the
 * UTC one), team north with agents ana and ben, team south with cy. Now is
 * Wednesday 2026-06-03 12:00 UTC; the current week runs from Monday
 * 2026-06-01 00:00, the one before from 2026-05-25. Instants are written
 * T(mo, d, h) in 2026, UTC. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/clock.h"
#include "domain/kpi.h"
#include "domain/record.h"
#include "profile/profile.h"
#include "session/session.h"
#include "session/session_oversight.h"
#include "store/items_io.h"
#include "store/record_store.h"
#include "store/rows.h"
#include "tests/helpers/run.h"

#define H 3600
#define DAY 86400

static int64_t T(int mo, int d, int h)
{
    return nx_days_from_civil(2026, mo, d) * DAY + h * H;
}

#define NOW T(6, 3, 12)

static nx_profile prof;
static nx_session sess;
static char dir[4096];

static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return NOW;
}

/* ---- the data set ------------------------------------------------------------------ */

static nx_store *st(void)
{
    return prof.store;
}

static void item(const char *id, const char *kind, const char *status, const char *agent,
                 const char *team)
{
    nx_item_row r = { .id = id, .kind = kind, .client_id = "cl-utc", .patient_id = "pt-1",
                      .status = status, .assignee = agent, .team = team,
                      .created = T(5, 1, 0), .updated = T(5, 1, 0) };
    cr_assert_eq(nx_store_item_put(st(), &r), 0, "%s: %s", id, nx_store_errmsg(st()));
}

static void tr(const char *id, int64_t at, const char *from, const char *to)
{
    cr_assert_eq(nx_store_transition_add(st(), id, at, "agent", from, to), 0, "%s %s", id, to);
}

static void field(const char *id, const char *f, const char *v)
{
    cr_assert_eq(nx_store_item_field_put(st(), id, f, v), 0, "%s %s", id, f);
}

static void pa(const char *id, const char *agent, const char *team, int64_t sub,
               const char *to, int64_t dec)
{
    item(id, "prior-auth", to, agent, team);
    tr(id, sub, "draft", "submitted");
    tr(id, sub + 1, "submitted", "pending");
    tr(id, dec, "pending", to);
}

static void elig(const char *id, const char *agent, const char *date, int64_t ver)
{
    item(id, "eligibility", ver ? "verified" : "verifying", agent, "north");
    field(id, "service_date", date);
    tr(id, T(5, 20, 0), "new", "verifying");
    if (ver)
        tr(id, ver, "verifying", "verified");
}

static void roi(const char *id, const char *agent, int64_t req, int64_t rec, int64_t rel,
                const char *first_pass)
{
    item(id, "roi", "released", agent, "north");
    tr(id, req, "authorization-valid", "requested");
    tr(id, rec, "requested", "received");
    field(id, "complete_first_pass", first_pass);
    tr(id, rel, "verified", "released");
}

static void attempt(const char *id, int64_t at, const char *user, const char *outcome)
{
    cr_assert_eq(nx_store_attempt_add(st(), id, at, user, "phone", outcome, ""), 0);
}

/* The hub's copy of a record, as a pull leaves it. */
static void record(const char *id, const char *kind, const char *owner, const char *team,
                   const char *status, int64_t created, int64_t updated, int64_t due)
{
    nx_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.team, sizeof r.team, "%s", team);
    snprintf(r.author, sizeof r.author, "sam");
    snprintf(r.status, sizeof r.status, "%s", status);
    r.created = created;
    r.updated = updated;
    r.due = due;
    r.hlc = 1;
    cr_assert_eq(nx_record_apply(st(), &r), 1, "%s", id);
}

static void load(void)
{
    nx_client_row cl = { "cl-utc", "Synthetic Clinic", "UTC", "555-0100", "" };
    nx_patient_row pt = { .id = "pt-1", .client_id = "cl-utc", .family_name = "Testcase",
                          .given_name = "Alpha" };
    cr_assert_eq(nx_store_begin(st()), 0);
    cr_assert_eq(nx_store_client_put(st(), &cl), 0);
    cr_assert_eq(nx_store_patient_put(st(), &pt), 0);

    /* Prior auth. This week, north: approved 24 h (ana), denied 48 h
     * (ana, appeal won), partially approved 12 h (ben). Last week: one
     * approval in 24 h (ben). South's approval is cy's. */
    pa("pa1", "ana", "north", T(6, 1, 8), "approved", T(6, 2, 8));
    pa("pa2", "ana", "north", T(6, 1, 10), "denied", T(6, 3, 10));
    tr("pa2", T(6, 3, 10) + 600, "denied", "appeal-prepared");
    tr("pa2", T(6, 3, 10) + 1200, "appeal-prepared", "appeal-submitted");
    tr("pa2", T(6, 3, 11), "appeal-submitted", "appeal-won");
    pa("pa3", "ben", "north", T(6, 1, 0), "partially-approved", T(6, 1, 12));
    pa("pa4", "ben", "north", T(5, 26, 0), "approved", T(5, 27, 0));
    pa("pa5", "cy", "south", T(6, 1, 0), "denied", T(6, 2, 0));

    /* Eligibility, visits this week (00:00 UTC of the service date):
     * el1 verified 84 h before (meets 72 and 48), el2 54 h before (48
     * only), el3 not verified: its 72 h mark (06-03 00:00) is past, so it
     * missed it; its 48 h mark (06-04 00:00) is still ahead of now, so it
     * is left out of the 48 h figure. */
    elig("el1", "ana", "2026-06-05", T(6, 1, 12));
    elig("el2", "ana", "2026-06-04", T(6, 1, 18));
    elig("el3", "ben", "2026-06-06", 0);

    /* ROI: received after 5 days (ana, complete first pass) and after 1
     * day (ben, not). */
    roi("roi1", "ana", T(5, 28, 0), T(6, 2, 0), T(6, 2, 12), "yes");
    roi("roi2", "ben", T(6, 1, 0), T(6, 2, 0), T(6, 3, 0), "no");

    /* Scheduling: four attempts on ana's item, one of them ben's. */
    item("sc1", "scheduling", "in-progress", "ana", "north");
    attempt("sc1", T(6, 1, 9), "ana", "Reached");
    attempt("sc1", T(6, 1, 10), "ana", "voicemail");
    attempt("sc1", T(6, 2, 9), "ben", "voicemail");
    attempt("sc1", T(6, 2, 10), "ana", "no answer");

    /* QA reviews: this week ana pass + fail, ben pass; last week ana pass;
     * south's is cy's. */
    record("qa1", "qa_review", "ana", "north", "pass", T(6, 1, 10), T(6, 1, 10), 0);
    record("qa2", "qa_review", "ana", "north", "fail", T(6, 2, 10), T(6, 2, 10), 0);
    record("qa3", "qa_review", "ben", "north", "pass", T(6, 2, 11), T(6, 2, 11), 0);
    record("qa4", "qa_review", "ana", "north", "pass", T(5, 27, 10), T(5, 27, 10), 0);
    record("qa5", "qa_review", "cy", "south", "fail", T(6, 2, 10), T(6, 2, 10), 0);

    /* CAPAs. Now: capa1 (ana, open, due 06-02 12:00: overdue) and capa2
     * (ben, in progress, due 06-10) are open. At the end of last week
     * (06-01 00:00): capa1 (due later: not overdue yet) and capa4 (ben,
     * closed 06-02) were open; capa2 did not exist; capa3 (ana) had closed
     * on 05-29. */
    record("capa1", "capa", "ana", "north", "open", T(5, 20, 0), T(5, 20, 0), T(6, 2, 12));
    record("capa2", "capa", "ben", "north", "in-progress", T(6, 1, 9), T(6, 1, 9),
           T(6, 10, 0));
    record("capa3", "capa", "ana", "north", "closed", T(5, 20, 0), T(5, 29, 0), T(5, 30, 0));
    record("capa4", "capa", "ben", "north", "closed", T(5, 26, 0), T(6, 2, 0), T(6, 5, 0));
    record("capa5", "capa", "cy", "south", "open", T(5, 20, 0), T(5, 20, 0), 0);
    cr_assert_eq(nx_store_commit(st()), 0);
}

static void open_as(const char *role, const char *team)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "kpi_session");
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(&prof, &c, err, sizeof err), 0);
    nx_profile_info info = { 0 };
    snprintf(info.user, sizeof info.user, "sam");
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "%s", team);
    info.created = info.passphrase_set = NOW;
    cr_assert_eq(nx_profile_create(&prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
    load();
    sess.clock = fixed_clock;
    cr_assert_eq(nx_session_start(&sess, &prof, nx_dict_default(),
                                  nx_t_root("assets/policy.txt"), err, sizeof err), 0, "%s", err);
}

static void done(void)
{
    nx_session_end(&sess);
    nx_profile_close(&prof);
}

/* The figures of one scope, weekly, in UTC. */
static void view_of(const char *team, const char *agent, nx_kpi_view *v)
{
    nx_kpi_scope_opt sc;
    snprintf(sc.team, sizeof sc.team, "%s", team);
    snprintf(sc.agent, sizeof sc.agent, "%s", agent);
    char err[512] = "";
    cr_assert_eq(nx_session_kpi(&sess, &sc, NX_KPI_WEEK, "UTC", v, err, sizeof err), 0, "%s",
                 err);
}

/* The figure as the screen prints it. */
static void shows(const nx_kpi *k, nx_kpi_id id, const char *want)
{
    char buf[64];
    cr_assert_str_eq(nx_kpi_fmt(k, id, buf, sizeof buf), want, "%s", nx_kpi_label(id));
}

#define CUR(v) (&(v).k[NX_KPI_TREND - 1])
#define PREV(v) (&(v).k[NX_KPI_TREND - 2])

/* ---- the figures ---------------------------------------------------------------------- */

Test(kpi_session, team_week_figures_equal_the_hand_worked_values, .fini = done)
{
    open_as("supervisor", "north");
    nx_kpi_view v;
    view_of("north", "", &v);
    cr_assert_eq(v.periods[NX_KPI_TREND - 1].start, T(6, 1, 0));
    cr_assert_eq(v.periods[NX_KPI_TREND - 1].end, T(6, 8, 0));
    cr_assert_eq(v.periods[0].start, T(6, 1, 0) - 7 * 7 * DAY);
    /* No KEEP_DAYS from a hub yet: the default 14 days of closed items. */
    cr_assert_eq(v.keep_days, 14);
    cr_assert_eq(v.held_from, NOW - 14 * DAY);
    const nx_kpi *k = CUR(v);

    /* (approved + partial) / decisions = (1 + 1) / 3 */
    cr_assert_eq(k->pa_approval.num, 2);
    cr_assert_eq(k->pa_approval.den, 3);
    shows(k, NX_KPI_PA_APPROVAL, "66.7%");
    /* (24 + 48 + 12) / 3 h */
    shows(k, NX_KPI_PA_TURNAROUND, "28.0 h");
    shows(k, NX_KPI_PA_APPEAL_WIN, "100.0%");
    /* 72 h: el1 of el1, el2, el3; 48 h: el1, el2 of el1, el2 (el3 pending) */
    cr_assert_eq(k->elig_72h.num, 1);
    cr_assert_eq(k->elig_72h.den, 3);
    shows(k, NX_KPI_ELIG_72H, "33.3%");
    cr_assert_eq(k->elig_48h.den, 2);
    shows(k, NX_KPI_ELIG_48H, "100.0%");
    /* (5 + 1) / 2 days; 1 of 2 complete on first pass */
    shows(k, NX_KPI_ROI_RETRIEVAL, "3.0 d");
    shows(k, NX_KPI_ROI_FIRST_PASS, "50.0%");
    /* 4 attempts: voicemail 2, no answer 1, reached 1 */
    shows(k, NX_KPI_SCHED_OUTCOMES, "4");
    cr_assert_eq(k->n_outcomes, 3);
    cr_assert_str_eq(k->outcomes[0].label, "voicemail");
    nx_kpi_ratio vm = nx_kpi_outcome_share(k, "voicemail");
    cr_assert_eq(vm.num, 2);
    cr_assert_eq(vm.den, 4);
    cr_assert_eq(nx_kpi_outcome_share(k, "reached").num, 1);
    cr_assert_eq(nx_kpi_outcome_share(k, "busy").num, 0);
    /* QA: 2 passes of 3 reviews (south's fail is not north's) */
    cr_assert_eq(k->qa_pass.num, 2);
    cr_assert_eq(k->qa_pass.den, 3);
    shows(k, NX_KPI_QA_PASS, "66.7%");
    /* CAPAs open now: capa1 (overdue), capa2 */
    cr_assert_eq(k->capa_open, 2);
    cr_assert_eq(k->capa_overdue, 1);
    shows(k, NX_KPI_CAPA_OPEN, "2 (1 overdue)");
}

Test(kpi_session, last_week_and_empty_weeks, .fini = done)
{
    open_as("supervisor", "north");
    nx_kpi_view v;
    view_of("north", "", &v);
    const nx_kpi *k = PREV(v);
    shows(k, NX_KPI_PA_APPROVAL, "100.0%");
    shows(k, NX_KPI_PA_TURNAROUND, "24.0 h");
    /* Nothing of these last week: a dash, never 0 %. */
    shows(k, NX_KPI_PA_APPEAL_WIN, NX_KPI_NONE);
    shows(k, NX_KPI_ELIG_72H, NX_KPI_NONE);
    shows(k, NX_KPI_ROI_RETRIEVAL, NX_KPI_NONE);
    shows(k, NX_KPI_SCHED_OUTCOMES, NX_KPI_NONE);
    shows(k, NX_KPI_QA_PASS, "100.0%");
    /* At 06-01 00:00: capa1 and capa4 open, neither overdue yet. */
    shows(k, NX_KPI_CAPA_OPEN, "2");
    /* Six weeks before: nothing at all, and no CAPA existed. */
    double x;
    for (int id = 0; id < NX_KPI_COUNT; id++)
        if (id != NX_KPI_CAPA_OPEN)
            cr_assert_eq(nx_kpi_value(&v.k[0], (nx_kpi_id)id, &x), -1, "%s",
                         nx_kpi_label((nx_kpi_id)id));
    shows(&v.k[0], NX_KPI_CAPA_OPEN, "0");
}

Test(kpi_session, per_agent_figures, .fini = done)
{
    open_as("supervisor", "north");
    nx_kpi_view v;
    view_of("north", "ana", &v);
    const nx_kpi *k = CUR(v);
    shows(k, NX_KPI_PA_APPROVAL, "50.0%");       /* approved, denied */
    shows(k, NX_KPI_PA_TURNAROUND, "36.0 h");    /* (24 + 48) / 2 */
    shows(k, NX_KPI_PA_APPEAL_WIN, "100.0%");
    shows(k, NX_KPI_ELIG_72H, "50.0%");          /* el1 of el1, el2 */
    shows(k, NX_KPI_ROI_RETRIEVAL, "5.0 d");
    shows(k, NX_KPI_ROI_FIRST_PASS, "100.0%");
    shows(k, NX_KPI_SCHED_OUTCOMES, "3");        /* ben's own attempt is his */
    shows(k, NX_KPI_QA_PASS, "50.0%");
    shows(k, NX_KPI_CAPA_OPEN, "1 (1 overdue)");

    view_of("north", "ben", &v);
    k = CUR(v);
    shows(k, NX_KPI_PA_APPROVAL, "100.0%");      /* a partial approval counts */
    shows(k, NX_KPI_PA_TURNAROUND, "12.0 h");
    shows(k, NX_KPI_PA_APPEAL_WIN, NX_KPI_NONE);
    shows(k, NX_KPI_ELIG_72H, "0.0%");           /* el3 missed it */
    shows(k, NX_KPI_ELIG_48H, NX_KPI_NONE);      /* el3 may still make it */
    shows(k, NX_KPI_ROI_FIRST_PASS, "0.0%");
    shows(k, NX_KPI_SCHED_OUTCOMES, "1");
    cr_assert_str_eq(k->outcomes[0].label, "voicemail");
    shows(k, NX_KPI_QA_PASS, "100.0%");
    shows(k, NX_KPI_CAPA_OPEN, "1");
    /* At the end of last week ben's capa4 was still open. */
    shows(PREV(v), NX_KPI_CAPA_OPEN, "1");
}

Test(kpi_session, months, .fini = done)
{
    open_as("supervisor", "north");
    nx_kpi_scope_opt sc = { "north", "" };
    nx_kpi_view v;
    char err[512] = "";
    cr_assert_eq(nx_session_kpi(&sess, &sc, NX_KPI_MONTH, "UTC", &v, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(v.periods[NX_KPI_TREND - 1].start, T(6, 1, 0));
    cr_assert_eq(v.periods[NX_KPI_TREND - 2].start, T(5, 1, 0));
    /* June: this week's three decisions; May: pa4 */
    shows(CUR(v), NX_KPI_PA_APPROVAL, "66.7%");
    shows(PREV(v), NX_KPI_PA_APPROVAL, "100.0%");
    /* May's QA: qa4; June's as this week */
    shows(PREV(v), NX_KPI_QA_PASS, "100.0%");
    shows(CUR(v), NX_KPI_QA_PASS, "66.7%");
    /* At 06-01 00:00 capa1 and capa4 were open (capa3 closed 05-29). */
    shows(PREV(v), NX_KPI_CAPA_OPEN, "2");
}

/* ---- who sees which scope ------------------------------------------------------------- */

Test(kpi_session, supervisor_sees_own_team_and_its_agents_only, .fini = done)
{
    open_as("supervisor", "north");
    nx_kpi_scope_opt *sc = NULL;
    size_t n = 0;
    char err[512] = "";
    cr_assert_eq(nx_session_kpi_scopes(&sess, &sc, &n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(sc[0].team, "north");
    cr_assert_str_eq(sc[0].agent, "");
    cr_assert_str_eq(sc[1].agent, "ana");
    cr_assert_str_eq(sc[2].agent, "ben");
    free(sc);
    /* Another team, or every team, is refused. */
    nx_kpi_scope_opt south = { "south", "" }, all = { "", "" };
    nx_kpi_view v;
    cr_assert_eq(nx_session_kpi(&sess, &south, NX_KPI_WEEK, "UTC", &v, err, sizeof err), -1);
    cr_assert(strstr(err, "own team"), "%s", err);
    cr_assert_eq(nx_session_kpi(&sess, &all, NX_KPI_WEEK, "UTC", &v, err, sizeof err), -1);
    for (int id = 0; id < NX_KPI_COUNT; id++)
        cr_assert_eq(nx_session_kpi_held(&sess, (nx_kpi_id)id, NULL, 0), NX_KPI_HELD);
}

Test(kpi_session, operations_sees_every_team_and_is_told_what_it_does_not_hold, .fini = done)
{
    open_as("operations", "");
    nx_kpi_scope_opt *sc = NULL;
    size_t n = 0;
    char err[512] = "";
    cr_assert_eq(nx_session_kpi_scopes(&sess, &sc, &n, err, sizeof err), 0, "%s", err);
    /* every team; north, ana, ben; south, cy */
    cr_assert_eq(n, 6);
    cr_assert_str_eq(sc[0].team, "");
    cr_assert_str_eq(sc[1].team, "north");
    cr_assert_str_eq(sc[1].agent, "");
    cr_assert_str_eq(sc[4].team, "south");
    cr_assert_str_eq(sc[4].agent, "");
    cr_assert_str_eq(sc[5].agent, "cy");
    nx_kpi_view v;
    cr_assert_eq(nx_session_kpi(&sess, &sc[0], NX_KPI_WEEK, "UTC", &v, err, sizeof err), 0,
                 "%s", err);
    /* every team: north's three decisions and south's denial */
    shows(CUR(v), NX_KPI_PA_APPROVAL, "50.0%");
    free(sc);
    /* Operations holds no field that can hold PHI (the policy): the
     * figures computed from one are not computed on its laptop ... */
    char why[256];
    cr_assert_eq(nx_session_kpi_held(&sess, NX_KPI_PA_APPROVAL, why, sizeof why), NX_KPI_HELD);
    cr_assert_eq(nx_session_kpi_held(&sess, NX_KPI_ELIG_72H, why, sizeof why), NX_KPI_NOT_HELD);
    cr_assert(strstr(why, "service_date"), "%s", why);
    /* ... but the workflow facts without PHI that a figure counts */
    cr_assert_eq(nx_session_kpi_held(&sess, NX_KPI_ROI_FIRST_PASS, why, sizeof why),
                 NX_KPI_HELD);
    cr_assert_eq(nx_session_kpi_held(&sess, NX_KPI_PA_TURNAROUND, why, sizeof why),
                 NX_KPI_HELD);
    /* QA reviews and CAPAs reach it without their text (record.h's
     * NX_REC_SEE_COUNTS): those two figures are computed. */
    cr_assert_eq(nx_session_kpi_held(&sess, NX_KPI_QA_PASS, why, sizeof why), NX_KPI_HELD);
    cr_assert_eq(nx_session_kpi_held(&sess, NX_KPI_CAPA_OPEN, why, sizeof why), NX_KPI_HELD);
}

Test(kpi_session, agents_may_not_see_kpis, .fini = done)
{
    open_as("scheduling", "north");
    nx_kpi_scope_opt *sc = NULL;
    size_t n = 0;
    char err[512] = "";
    cr_assert_eq(nx_session_kpi_scopes(&sess, &sc, &n, err, sizeof err), -1);
    cr_assert_null(sc);
    nx_kpi_view v;
    nx_kpi_scope_opt north = { "north", "" };
    cr_assert_eq(nx_session_kpi(&sess, &north, NX_KPI_WEEK, "UTC", &v, err, sizeof err), -1);
    cr_assert(strstr(err, "may not"), "%s", err);
}

/* ---- the trend, drawn ------------------------------------------------------------------ */

Test(kpi_session, trend_sparkline_utf8_and_ascii, .fini = done)
{
    open_as("supervisor", "north");
    nx_kpi_view v;
    view_of("north", "", &v);
    double x[NX_KPI_TREND];
    int has[NX_KPI_TREND];
    for (int i = 0; i < NX_KPI_TREND; i++)
        has[i] = nx_kpi_value(&v.k[i], NX_KPI_PA_APPROVAL, &x[i]) == 0;
    char line[64];
    /* six empty weeks, 100 %, 66.7 % (7 x 0.667 = 4.67: level 5 of 0-7) */
    cr_assert_str_eq(nx_kpi_sparkline(x, has, NX_KPI_TREND, 0, 100, 1, line, sizeof line),
                     "\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7"
                     "\xe2\x96\x88\xe2\x96\x86");
    cr_assert_str_eq(nx_kpi_sparkline(x, has, NX_KPI_TREND, 0, 100, 0, line, sizeof line),
                     "------#+");
}

Test(kpi_sparkline, levels_clamping_and_room)
{
    const double v[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, -3 };
    const int has[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    char out[64];
    cr_assert_str_eq(nx_kpi_sparkline(v, has, 10, 0, 7, 0, out, sizeof out), "_.,:=+*##_");
    cr_assert_str_eq(nx_kpi_sparkline(v, has, 3, 0, 7, 1, out, sizeof out),
                     "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x83");
    /* hi <= lo: every value at the lowest level */
    cr_assert_str_eq(nx_kpi_sparkline(v, has, 3, 0, 0, 0, out, sizeof out), "___");
    /* too small a buffer: nothing rather than half a character */
    char small[8];
    cr_assert_str_eq(nx_kpi_sparkline(v, has, 3, 0, 7, 1, small, sizeof small), "");
}

Test(kpi_sparkline, every_figure_has_a_label_and_a_definition)
{
    for (int id = 0; id < NX_KPI_COUNT; id++) {
        cr_assert_str_neq(nx_kpi_label((nx_kpi_id)id), "?");
        cr_assert_gt(strlen(nx_kpi_definition((nx_kpi_id)id)), 20);
    }
    cr_assert(strstr(nx_kpi_definition(NX_KPI_QA_PASS), "passed"));
    cr_assert(strstr(nx_kpi_definition(NX_KPI_CAPA_OPEN), "open at the end"));
}
