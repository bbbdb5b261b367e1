/* The KPIs of the work queues, computed from a hand-made history whose
 * figures are worked out below by hand, item by item, and checked for the
 * whole period, per team, per agent, and for an empty period. Then the
 * trend periods: weeks and months in New York across the 2026-11-01 DST
 * change.
 *
 * The data set (synthetic: no real patient, provider or number):
 * - two clients: New York (EDT = UTC-4 in October, EST = UTC-5 from
 *   2026-11-01 02:00) and Manila (UTC+8 all year);
 * - two teams, north and south, and two agents, ana (north, plus one
 *   re-routed item of each kind on south) and ben (south); ben also logs
 *   one attempt on an item of ana's, so "agent" differs from "assignee"
 *   for outreach;
 * - twelve items of each kind, with transitions at chosen instants; the
 *   period is October 2026 in UTC, [2026-10-01 00:00Z, 2026-11-01 00:00Z),
 *   and some events sit exactly on its edges or just outside.
 * Instants are written T(y, mo, d, h, mi) in UTC. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypt/crypt.h"
#include "domain/clock.h"
#include "domain/kpi.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "store/store.h"
#include "tests/helpers/run.h"

#define NY "America/New_York"
#define MNL "Asia/Manila"
#define H 3600
#define DAY 86400

static char dir[4096], db_path[4200];
static nx_cryptvfs *vfs;
static nx_store *st;

static int64_t T(int y, int mo, int d, int h, int mi)
{
    return nx_days_from_civil(y, mo, d) * DAY + h * H + mi * 60;
}

#define OCT_START T(2026, 10, 1, 0, 0)
#define OCT_END T(2026, 11, 1, 0, 0)

/* ---- building the history ------------------------------------------------- */

static void item(const char *id, const char *kind, const char *client, const char *status,
                 const char *agent, const char *team)
{
    nx_item_row r = { .id = id, .kind = kind, .client_id = client,
                      .patient_id = strcmp(client, "c-ny") == 0 ? "p-ny" : "p-mnl",
                      .status = status, .assignee = agent, .team = team,
                      .created = T(2026, 9, 1, 0, 0), .updated = T(2026, 9, 1, 0, 0) };
    cr_assert_eq(nx_store_item_put(st, &r), 0, "%s: %s", id, nx_store_errmsg(st));
}

static void tr(const char *id, int64_t at, const char *from, const char *to)
{
    cr_assert_eq(nx_store_transition_add(st, id, at, "agent", from, to), 0, "%s %s", id, to);
}

static void field(const char *id, const char *f, const char *v)
{
    cr_assert_eq(nx_store_item_field_put(st, id, f, v), 0, "%s %s", id, f);
}

static void attempt(const char *id, int64_t at, const char *user, const char *outcome)
{
    cr_assert_eq(nx_store_attempt_add(st, id, at, user, "phone", outcome, ""), 0, "%s", id);
}

/* A prior-auth item submitted at sub and decided (to) at dec; sub 0: an
 * item imported already pending, with no submitted transition. */
static void pa(const char *id, const char *agent, const char *team, int64_t sub,
               const char *to, int64_t dec)
{
    item(id, "prior-auth", "c-ny", to, agent, team);
    if (sub) {
        tr(id, sub, "draft", "submitted");
        tr(id, sub + H, "submitted", "pending");
    }
    tr(id, dec, "pending", to);
}

/* An appeal on a denied item, decided (won / lost) at at. */
static void appeal(const char *id, int64_t prepared, const char *outcome, int64_t at)
{
    tr(id, prepared, "denied", "appeal-prepared");
    tr(id, prepared + DAY, "appeal-prepared", "appeal-submitted");
    tr(id, at, "appeal-submitted", outcome);
}

/* An eligibility item verified at ver (0: not verified yet). */
static void elig(const char *id, const char *client, const char *agent, const char *team,
                 const char *service_date, int64_t ver)
{
    item(id, "eligibility", client, ver ? "verified" : "verifying", agent, team);
    field(id, "service_date", service_date);
    tr(id, T(2026, 9, 20, 0, 0), "new", "verifying");
    if (ver)
        tr(id, ver, "verifying", "verified");
}

/* An ROI item through request (req; 0: imported already requested),
 * receipt (rec; 0: not yet), verification and release (rel; 0: not yet),
 * complete on first pass or not. */
static void roi(const char *id, const char *agent, const char *team, int64_t req, int64_t rec,
                int64_t rel, const char *first_pass)
{
    item(id, "roi", "c-ny", rel ? "released" : rec ? "received" : "requested", agent, team);
    if (req) {
        tr(id, req - DAY, "new", "authorization-valid");
        tr(id, req, "authorization-valid", "requested");
    }
    if (rec)
        tr(id, rec, "requested", "received");
    if (rel) {
        field(id, "complete_first_pass", first_pass);
        tr(id, rel - H, "received", "verified");
        tr(id, rel, "verified", "released");
    }
}

static void load(void)
{
    nx_client_row cny = { .id = "c-ny", .name = "Synthetic Clinic NY", .tz = NY };
    nx_client_row cmn = { .id = "c-mnl", .name = "Synthetic Clinic Manila", .tz = MNL };
    nx_patient_row pny = { .id = "p-ny", .client_id = "c-ny", .family_name = "Testcase",
                           .given_name = "Alpha" };
    nx_patient_row pmn = { .id = "p-mnl", .client_id = "c-mnl", .family_name = "Testcase",
                           .given_name = "Bravo" };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_client_put(st, &cny), 0);
    cr_assert_eq(nx_store_client_put(st, &cmn), 0);
    cr_assert_eq(nx_store_patient_put(st, &pny), 0);
    cr_assert_eq(nx_store_patient_put(st, &pmn), 0);

    /* ---- prior auth: turnaround = decision - submission ---- */
    pa("pa01", "ana", "north", T(2026, 10, 5, 10, 0), "approved", T(2026, 10, 6, 10, 0)); /* 24 h */
    pa("pa02", "ana", "north", T(2026, 10, 5, 12, 0), "partially-approved",
       T(2026, 10, 7, 12, 0));                                                            /* 48 h */
    pa("pa03", "ana", "north", T(2026, 10, 6, 9, 0), "denied", T(2026, 10, 6, 21, 0));   /* 12 h */
    appeal("pa03", T(2026, 10, 8, 9, 0), "appeal-won", T(2026, 10, 20, 15, 0));
    /* Submitted on the period's first second: the decision is what counts. */
    pa("pa04", "ben", "south", OCT_START, "approved", T(2026, 10, 4, 0, 0));            /* 72 h */
    pa("pa05", "ben", "south", T(2026, 10, 10, 8, 0), "denied", T(2026, 10, 12, 8, 0)); /* 48 h */
    appeal("pa05", T(2026, 10, 13, 8, 0), "appeal-lost", T(2026, 10, 25, 12, 0));
    pa("pa06", "ben", "south", T(2026, 10, 12, 0, 0), "denied", T(2026, 10, 13, 6, 0)); /* 30 h */
    appeal("pa06", T(2026, 10, 14, 0, 0), "appeal-won", T(2026, 11, 3, 0, 0));  /* November */
    /* ana's, re-routed to south. */
    pa("pa07", "ana", "south", T(2026, 10, 14, 0, 0), "approved", T(2026, 10, 15, 6, 0)); /* 30 h */
    /* Denied in September, appeal won in October: counts in October's
     * appeal win rate, not in its decisions. */
    pa("pa08", "ben", "south", T(2026, 9, 25, 0, 0), "denied", T(2026, 9, 28, 0, 0));
    appeal("pa08", T(2026, 9, 29, 0, 0), "appeal-won", T(2026, 10, 2, 12, 0));
    /* Decided on the period's end instant: November's. */
    pa("pa09", "ana", "north", T(2026, 10, 30, 0, 0), "approved", OCT_END);
    /* Imported past submission: submitted_at "2026-10-19 08:00" EDT is
     * 12:00Z, decided 2026-10-20 12:00Z: 24 h. */
    pa("pa10", "ana", "north", 0, "approved", T(2026, 10, 20, 12, 0));
    field("pa10", "submitted_at", "2026-10-19 08:00");
    item("pa11", "prior-auth", "c-ny", "draft", "ana", "north");
    item("pa12", "prior-auth", "c-ny", "pending", "ben", "south");
    tr("pa12", T(2026, 10, 20, 0, 0), "draft", "submitted");
    tr("pa12", T(2026, 10, 21, 0, 0), "submitted", "pending");

    /* ---- eligibility: visit = service date 00:00 local (or its time) ---- */
    /* NY Oct 10 00:00 EDT = Oct 10 04:00Z; verified Oct 6 12:00Z: 88 h before. */
    elig("el01", "c-ny", "ana", "north", "2026-10-10", T(2026, 10, 6, 12, 0));
    /* NY Oct 12 04:00Z; verified Oct 9 04:00Z: exactly 72 h, meets both. */
    elig("el02", "c-ny", "ana", "north", "2026-10-12", T(2026, 10, 9, 4, 0));
    /* NY Oct 15 04:00Z; verified Oct 12 05:00Z: 71 h, meets 48 only. */
    elig("el03", "c-ny", "ana", "north", "2026-10-15", T(2026, 10, 12, 5, 0));
    /* NY Oct 20 04:00Z; verified Oct 19 12:00Z: 16 h, meets neither. */
    elig("el04", "c-ny", "ana", "north", "2026-10-20", T(2026, 10, 19, 12, 0));
    /* NY Oct 22 04:00Z; never verified: meets neither. */
    elig("el05", "c-ny", "ana", "north", "2026-10-22", 0);
    /* Manila Oct 1 00:00 = Sep 30 16:00Z: a September visit, though its
     * local date is in October. */
    elig("el06", "c-mnl", "ben", "south", "2026-10-01", T(2026, 9, 25, 0, 0));
    /* Manila Nov 1 00:00 = Oct 31 16:00Z: an October visit. Verified Oct 28
     * 16:00Z: exactly 72 h. */
    elig("el07", "c-mnl", "ben", "south", "2026-11-01", T(2026, 10, 28, 16, 0));
    /* Manila Oct 14 = Oct 13 16:00Z; verified Oct 11 12:00Z: 52 h, 48 only. */
    elig("el08", "c-mnl", "ben", "south", "2026-10-14", T(2026, 10, 11, 12, 0));
    /* NY Nov 1 00:00 EDT = Nov 1 04:00Z: a November visit. */
    elig("el09", "c-ny", "ben", "south", "2026-11-01", 0);
    /* With a time: NY Oct 26 14:30 EDT = 18:30Z; verified Oct 23 18:00Z:
     * 72.5 h, meets both (from 00:00 it would be 58 h, 48 only). */
    elig("el10", "c-ny", "ben", "south", "2026-10-26 14:30", T(2026, 10, 23, 18, 0));
    /* Manila Oct 20 = Oct 19 16:00Z; verified Oct 20 01:00Z, after the
     * visit: meets neither. ana's, re-routed to south. */
    elig("el11", "c-mnl", "ana", "south", "2026-10-20", T(2026, 10, 20, 1, 0));
    /* No service date yet: no visit, not counted. */
    item("el12", "eligibility", "c-ny", "new", "ben", "south");

    /* ---- ROI: retrieval = first receipt - first request ---- */
    roi("ro01", "ana", "north", T(2026, 10, 1, 10, 0), T(2026, 10, 4, 10, 0),
        T(2026, 10, 5, 9, 0), "yes");                                     /* 3 d */
    roi("ro02", "ana", "north", T(2026, 10, 2, 0, 0), T(2026, 10, 3, 12, 0),
        T(2026, 10, 6, 0, 0), "yes");                                     /* 1.5 d */
    /* Incomplete: first receipt after 5 d, correction requested, second
     * receipt; retrieval stays 5 d, first pass no. */
    roi("ro03", "ana", "north", T(2026, 10, 5, 0, 0), T(2026, 10, 10, 0, 0), 0, "");
    tr("ro03", T(2026, 10, 11, 0, 0), "received", "requested");
    tr("ro03", T(2026, 10, 14, 0, 0), "requested", "received");
    field("ro03", "complete_first_pass", "no");
    tr("ro03", T(2026, 10, 14, 6, 0), "received", "verified");
    tr("ro03", T(2026, 10, 15, 0, 0), "verified", "released");
    /* Received in September (not October's retrieval), released Oct 2. */
    roi("ro04", "ben", "south", T(2026, 9, 20, 0, 0), T(2026, 9, 28, 0, 0),
        T(2026, 10, 2, 0, 0), "yes");
    /* Requested in September, received Oct 2: 4 d; first pass no. */
    roi("ro05", "ben", "south", T(2026, 9, 28, 0, 0), T(2026, 10, 2, 0, 0),
        T(2026, 10, 3, 0, 0), "no");
    /* 2.5 d; released in November. */
    roi("ro06", "ben", "south", T(2026, 10, 20, 0, 0), T(2026, 10, 22, 12, 0),
        T(2026, 11, 2, 0, 0), "yes");
    roi("ro07", "ben", "south", T(2026, 10, 25, 0, 0), 0, 0, "");
    /* Imported already requested: request_sent_at "2026-10-08 09:00" EDT =
     * 13:00Z, received Oct 9 13:00Z: 1 d. ana's, re-routed to south. */
    roi("ro08", "ana", "south", 0, T(2026, 10, 9, 13, 0), T(2026, 10, 12, 0, 0), "yes");
    field("ro08", "request_sent_at", "2026-10-08 09:00");
    item("ro09", "roi", "c-ny", "blocked", "ben", "south");
    tr("ro09", T(2026, 10, 3, 0, 0), "new", "blocked");
    /* Received on the period's end instant: November's. */
    roi("ro10", "ana", "north", T(2026, 10, 29, 0, 0), OCT_END, 0, "");
    roi("ro11", "ben", "south", T(2026, 10, 12, 0, 0), T(2026, 10, 16, 0, 0),
        T(2026, 10, 17, 0, 0), "yes");                                    /* 4 d */
    item("ro12", "roi", "c-ny", "new", "ana", "north");
    /* A follow-up call on an ROI item is not scheduling outreach. */
    attempt("ro07", T(2026, 10, 27, 0, 0), "ben", "voicemail");

    /* ---- scheduling: attempts by outcome (trimmed, case folded) ---- */
    for (int i = 1; i <= 12; i++) {
        static const char *const team[] = { "", "north", "north", "north", "south", "south",
                                            "south", "south", "north", "south", "north",
                                            "south", "north" };
        static const char *const who[] = { "", "ana", "ana", "ana", "ben", "ben", "ben",
                                           "ana", "ana", "ben", "ana", "ben", "ben" };
        char id[8];
        snprintf(id, sizeof id, "sc%02d", i);
        item(id, "scheduling", "c-ny", "in-progress", who[i], team[i]);
    }
    attempt("sc01", T(2026, 10, 2, 14, 0), "ana", "reached");
    attempt("sc02", T(2026, 10, 3, 14, 0), "ana", "voicemail");
    attempt("sc02", T(2026, 10, 5, 14, 0), "ana", "reached");
    attempt("sc03", T(2026, 10, 6, 14, 0), "ana", "no answer");
    attempt("sc03", T(2026, 10, 7, 14, 0), "ana", "No Answer");
    attempt("sc03", T(2026, 10, 8, 14, 0), "ana", " reached ");
    attempt("sc04", T(2026, 10, 9, 14, 0), "ben", "wrong number");
    attempt("sc05", OCT_START - 1, "ben", "reached");              /* September */
    attempt("sc05", T(2026, 10, 10, 14, 0), "ben", "voicemail");
    attempt("sc06", OCT_END - 1, "ben", "reached");                /* October's last second */
    attempt("sc06", OCT_END, "ben", "reached");                    /* November */
    /* A label with digits (the shape of a phone number; 555-01xx is
     * fictional) is never shown: it counts as "other". */
    attempt("sc07", T(2026, 10, 12, 14, 0), "ana", "left msg 555-0100");
    /* ben covering ana's north item: ben's attempt, north's. */
    attempt("sc08", T(2026, 10, 13, 14, 0), "ben", "reached");
    attempt("sc09", T(2026, 10, 14, 14, 0), "ben", "declined");
    cr_assert_eq(nx_store_commit(st), 0);
}

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "kpi");
    snprintf(db_path, sizeof db_path, "%s/cache.db", dir);
    unsigned char key[NX_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    char err[256] = "";
    vfs = nx_cryptvfs_new(key, NULL, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    cr_assert_eq(nx_store_open(db_path, vfs, NX_STORE_CREATE, &st, err, sizeof err), 0, "%s", err);
    load();
}

static void teardown(void)
{
    nx_store_close(st);
    nx_cryptvfs_free(vfs);
}

TestSuite(kpi, .init = setup, .fini = teardown);

/* ---- checking ------------------------------------------------------------- */

typedef struct {
    const char *label;
    int64_t n;
} want_outcome;

typedef struct {
    int64_t approved, partial, denied;
    int64_t tat_hours, tat_n;          /* turnaround: total hours, decisions with a submission */
    int64_t won, appeals;
    int64_t visits, met72, den72, met48, den48;
    int64_t ret_hours, ret_n;          /* retrieval: total hours */
    int64_t first_pass, released;
    int64_t attempts;
    want_outcome out[NX_KPI_OUTCOMES_MAX];
} want;

static nx_kpi compute(const char *team, const char *agent, int64_t start, int64_t end,
                      int64_t now)
{
    nx_kpi k;
    char err[256] = "";
    nx_kpi_filter f = { .start = start, .end = end, .team = team, .agent = agent, .now = now };
    cr_assert_eq(nx_kpi_compute(st, &f, &k, err, sizeof err), 0, "%s", err);
    return k;
}

static void check(const char *what, const nx_kpi *k, const want *w)
{
    cr_expect_eq(k->pa_approved, w->approved, "%s: approved", what);
    cr_expect_eq(k->pa_partial, w->partial, "%s: partial", what);
    cr_expect_eq(k->pa_denied, w->denied, "%s: denied", what);
    cr_expect_eq(k->pa_approval.num, w->approved + w->partial, "%s: approval num", what);
    cr_expect_eq(k->pa_approval.den, w->approved + w->partial + w->denied, "%s: approval den",
                 what);
    cr_expect_eq(k->pa_turnaround.total, w->tat_hours * H, "%s: turnaround total", what);
    cr_expect_eq(k->pa_turnaround.n, w->tat_n, "%s: turnaround n", what);
    cr_expect_eq(k->pa_appeal_win.num, w->won, "%s: appeals won", what);
    cr_expect_eq(k->pa_appeal_win.den, w->appeals, "%s: appeals decided", what);
    cr_expect_eq(k->elig_visits, w->visits, "%s: visits", what);
    cr_expect_eq(k->elig_72h.num, w->met72, "%s: met 72 h", what);
    cr_expect_eq(k->elig_72h.den, w->den72, "%s: 72 h denominator", what);
    cr_expect_eq(k->elig_48h.num, w->met48, "%s: met 48 h", what);
    cr_expect_eq(k->elig_48h.den, w->den48, "%s: 48 h denominator", what);
    cr_expect_eq(k->roi_retrieval.total, w->ret_hours * H, "%s: retrieval total", what);
    cr_expect_eq(k->roi_retrieval.n, w->ret_n, "%s: retrievals", what);
    cr_expect_eq(k->roi_first_pass.num, w->first_pass, "%s: first pass", what);
    cr_expect_eq(k->roi_first_pass.den, w->released, "%s: released", what);
    cr_expect_eq(k->sched_attempts, w->attempts, "%s: attempts", what);
    size_t n = 0;
    while (n < NX_KPI_OUTCOMES_MAX && w->out[n].label)
        n++;
    cr_expect_eq(k->n_outcomes, n, "%s: %zu outcomes, want %zu", what, k->n_outcomes, n);
    for (size_t i = 0; i < n && i < k->n_outcomes; i++) {
        cr_expect_str_eq(k->outcomes[i].label, w->out[i].label, "%s: outcome %zu", what, i);
        cr_expect_eq(k->outcomes[i].n, w->out[i].n, "%s: outcome %s", what, w->out[i].label);
    }
    cr_expect_eq(k->left_out, 0, "%s: left out", what);
}

static const char *pct(nx_kpi_ratio r)
{
    static char buf[4][32];
    static int i;
    i = (i + 1) % 4;
    return nx_kpi_fmt_percent(r, buf[i], sizeof buf[i]);
}

/* ---- the figures ---------------------------------------------------------- */

Test(kpi, whole_period)
{
    nx_kpi k = compute("", "", OCT_START, OCT_END, 0);
    want w = {
        /* Decisions in October: pa01 A, pa02 P, pa03 D, pa04 A, pa05 D,
         * pa06 D, pa07 A, pa10 A (pa08 in Sept, pa09 on Nov 1 00:00Z).
         * Approval = (4 + 1) / 8 = 62.5 %. */
        .approved = 4, .partial = 1, .denied = 3,
        /* 24 + 48 + 12 + 72 + 48 + 30 + 30 + 24 = 288 h over 8: 36 h. */
        .tat_hours = 288, .tat_n = 8,
        /* Outcomes in October: pa03 won, pa05 lost, pa08 won (pa06's win is
         * in November): 2 / 3. */
        .won = 2, .appeals = 3,
        /* Visits in October: el01-05, el07, el08, el10, el11 = 9.
         * >= 72 h: el01, el02, el07, el10 = 4 / 9;
         * >= 48 h: those and el03, el08 = 6 / 9. */
        .visits = 9, .met72 = 4, .den72 = 9, .met48 = 6, .den48 = 9,
        /* First receipts in October: ro01 3 d, ro02 1.5, ro03 5, ro05 4,
         * ro06 2.5, ro08 1, ro11 4 = 21 d = 504 h over 7: 3.0 d. */
        .ret_hours = 504, .ret_n = 7,
        /* Released in October: ro01 y, ro02 y, ro03 n, ro04 y, ro05 n,
         * ro08 y, ro11 y = 5 / 7 (ro06 in November). */
        .first_pass = 5, .released = 7,
        /* sc01 1, sc02 2, sc03 3, sc04 1, sc05 1, sc06 1, sc07 1, sc08 1,
         * sc09 1 = 12 (the ROI call and the attempts outside October not). */
        .attempts = 12,
        .out = { { "reached", 5 },   /* sc01, sc02, sc03, sc06, sc08 */
                 { "no answer", 2 }, /* sc03 twice */
                 { "voicemail", 2 }, /* sc02, sc05 */
                 { "declined", 1 }, { "wrong number", 1 },
                 { "other", 1 } },   /* sc07 */
    };
    check("all", &k, &w);

    char buf[32];
    cr_expect_str_eq(pct(k.pa_approval), "62.5%");
    cr_expect_str_eq(nx_kpi_fmt_hours(k.pa_turnaround, buf, sizeof buf), "36.0 h");
    cr_expect_str_eq(pct(k.pa_appeal_win), "66.7%");
    cr_expect_str_eq(pct(k.elig_72h), "44.4%");   /* 4 / 9 */
    cr_expect_str_eq(pct(k.elig_48h), "66.7%");   /* 6 / 9 */
    cr_expect_str_eq(nx_kpi_fmt_days(k.roi_retrieval, buf, sizeof buf), "3.0 d");
    cr_expect_str_eq(pct(k.roi_first_pass), "71.4%");   /* 5 / 7 */
    double v;
    cr_assert_eq(nx_kpi_hours(k.pa_turnaround, &v), 0);
    cr_expect_float_eq(v, 36.0, 1e-9);
    cr_assert_eq(nx_kpi_days(k.roi_retrieval, &v), 0);
    cr_expect_float_eq(v, 3.0, 1e-9);
}

Test(kpi, per_team)
{
    nx_kpi k = compute("north", "", OCT_START, OCT_END, 0);
    want n = {
        /* pa01 A 24 h, pa02 P 48 h, pa03 D 12 h, pa10 A 24 h: 3 / 4,
         * 108 h / 4 = 27 h. pa03's appeal won: 1 / 1. */
        .approved = 2, .partial = 1, .denied = 1, .tat_hours = 108, .tat_n = 4,
        .won = 1, .appeals = 1,
        /* el01-el05: 72 h el01, el02 = 2 / 5; 48 h + el03 = 3 / 5. */
        .visits = 5, .met72 = 2, .den72 = 5, .met48 = 3, .den48 = 5,
        /* ro01 3 d + ro02 1.5 + ro03 5 = 9.5 d = 228 h over 3; first pass
         * ro01 y, ro02 y, ro03 n = 2 / 3. */
        .ret_hours = 228, .ret_n = 3, .first_pass = 2, .released = 3,
        /* sc01, sc02 x2, sc03 x3, sc08 (ben's, on a north item) = 7. */
        .attempts = 7,
        .out = { { "reached", 4 }, { "no answer", 2 }, { "voicemail", 1 } },
    };
    check("north", &k, &n);
    cr_expect_str_eq(pct(k.pa_approval), "75.0%");

    k = compute("south", "", OCT_START, OCT_END, 0);
    want s = {
        /* pa04 A 72 h, pa05 D 48 h, pa06 D 30 h, pa07 A 30 h: 2 / 4,
         * 180 h / 4 = 45 h. pa05 lost, pa08 won: 1 / 2. */
        .approved = 2, .partial = 0, .denied = 2, .tat_hours = 180, .tat_n = 4,
        .won = 1, .appeals = 2,
        /* el07, el08, el10, el11 (el06 Sept, el09 Nov, el12 no date):
         * 72 h el07, el10 = 2 / 4; 48 h + el08 = 3 / 4. */
        .visits = 4, .met72 = 2, .den72 = 4, .met48 = 3, .den48 = 4,
        /* ro05 4 d + ro06 2.5 + ro08 1 + ro11 4 = 11.5 d = 276 h over 4;
         * first pass ro04 y, ro05 n, ro08 y, ro11 y = 3 / 4. */
        .ret_hours = 276, .ret_n = 4, .first_pass = 3, .released = 4,
        /* sc04, sc05, sc06, sc07, sc09, one each = 5. */
        .attempts = 5,
        .out = { { "declined", 1 }, { "reached", 1 }, { "voicemail", 1 },
                 { "wrong number", 1 }, { "other", 1 } },
    };
    check("south", &k, &s);
    cr_expect_str_eq(pct(k.pa_approval), "50.0%");
    char buf[32];
    cr_expect_str_eq(nx_kpi_fmt_days(k.roi_retrieval, buf, sizeof buf), "2.9 d");   /* 2.875 */
}

Test(kpi, per_agent)
{
    nx_kpi k = compute("", "ana", OCT_START, OCT_END, 0);
    want a = {
        /* pa01 A 24, pa02 P 48, pa03 D 12, pa07 A 30, pa10 A 24: 4 / 5,
         * 138 h / 5 = 27.6 h. pa03 won: 1 / 1. */
        .approved = 3, .partial = 1, .denied = 1, .tat_hours = 138, .tat_n = 5,
        .won = 1, .appeals = 1,
        /* el01-el05 and el11: 72 h 2 / 6, 48 h 3 / 6. */
        .visits = 6, .met72 = 2, .den72 = 6, .met48 = 3, .den48 = 6,
        /* ro01 3 + ro02 1.5 + ro03 5 + ro08 1 = 10.5 d = 252 h over 4;
         * first pass ro01 y, ro02 y, ro03 n, ro08 y = 3 / 4. */
        .ret_hours = 252, .ret_n = 4, .first_pass = 3, .released = 4,
        /* Her own attempts: sc01 1, sc02 2, sc03 3, sc07 1 = 7 (not ben's
         * on sc08). */
        .attempts = 7,
        .out = { { "reached", 3 }, { "no answer", 2 }, { "voicemail", 1 }, { "other", 1 } },
    };
    check("ana", &k, &a);
    char buf[32];
    cr_expect_str_eq(nx_kpi_fmt_hours(k.pa_turnaround, buf, sizeof buf), "27.6 h");

    k = compute("", "ben", OCT_START, OCT_END, 0);
    want b = {
        /* pa04 A 72, pa05 D 48, pa06 D 30: 1 / 3, 150 h / 3 = 50 h.
         * pa05 lost, pa08 won: 1 / 2. */
        .approved = 1, .partial = 0, .denied = 2, .tat_hours = 150, .tat_n = 3,
        .won = 1, .appeals = 2,
        /* el07, el08, el10: 72 h el07, el10 = 2 / 3; 48 h all 3. */
        .visits = 3, .met72 = 2, .den72 = 3, .met48 = 3, .den48 = 3,
        /* ro05 4 + ro06 2.5 + ro11 4 = 10.5 d = 252 h over 3; first pass
         * ro04 y, ro05 n, ro11 y = 2 / 3. */
        .ret_hours = 252, .ret_n = 3, .first_pass = 2, .released = 3,
        /* sc04, sc05, sc06, sc08, sc09 = 5. */
        .attempts = 5,
        .out = { { "reached", 2 }, { "declined", 1 }, { "voicemail", 1 },
                 { "wrong number", 1 } },
    };
    check("ben", &k, &b);
    cr_expect_str_eq(pct(k.elig_48h), "100.0%");

    /* Team and agent together: ana's re-routed south items only. */
    k = compute("south", "ana", OCT_START, OCT_END, 0);
    want as = {
        .approved = 1, .tat_hours = 30, .tat_n = 1,            /* pa07 */
        .visits = 1, .den72 = 1, .den48 = 1,                   /* el11, late */
        .ret_hours = 24, .ret_n = 1, .first_pass = 1, .released = 1,   /* ro08 */
        .attempts = 1, .out = { { "other", 1 } },              /* sc07 */
    };
    check("south+ana", &k, &as);
    cr_expect_str_eq(pct(k.pa_appeal_win), NX_KPI_NONE);

    /* An agent nobody is: nothing. */
    k = compute("", "nobody", OCT_START, OCT_END, 0);
    check("nobody", &k, &(want){ 0 });
}

Test(kpi, empty_period_shows_dash)
{
    /* January 2027: no event at all. Inside a caller's transaction too,
     * which the computation reads within rather than opening its own. */
    cr_assert_eq(nx_store_begin(st), 0);
    nx_kpi k = compute("", "", T(2027, 1, 1, 0, 0), T(2027, 2, 1, 0, 0), 0);
    nx_store_rollback(st);
    check("january", &k, &(want){ 0 });
    char buf[32];
    cr_expect_str_eq(pct(k.pa_approval), "\xe2\x80\x94");
    cr_expect_str_eq(pct(k.pa_appeal_win), NX_KPI_NONE);
    cr_expect_str_eq(pct(k.elig_72h), NX_KPI_NONE);
    cr_expect_str_eq(pct(k.elig_48h), NX_KPI_NONE);
    cr_expect_str_eq(pct(k.roi_first_pass), NX_KPI_NONE);
    cr_expect_str_eq(nx_kpi_fmt_hours(k.pa_turnaround, buf, sizeof buf), NX_KPI_NONE);
    cr_expect_str_eq(nx_kpi_fmt_days(k.roi_retrieval, buf, sizeof buf), NX_KPI_NONE);
    double v;
    cr_expect_eq(nx_kpi_percent(k.pa_approval, &v), -1);
    cr_expect_eq(nx_kpi_hours(k.pa_turnaround, &v), -1);
}

Test(kpi, pending_visits_wait_for_their_threshold)
{
    /* As of Oct 19 12:00Z, el05 (visit Oct 22 04:00Z, not verified) has
     * passed its 72 h mark (Oct 19 04:00Z): missed. Its 48 h mark (Oct 20
     * 04:00Z) is still ahead: it may yet make it, so it leaves the 48 h
     * denominator. 72 h: 4 / 9 as before; 48 h: 6 / 8. */
    nx_kpi k = compute("", "", OCT_START, OCT_END, T(2026, 10, 19, 12, 0));
    cr_expect_eq(k.elig_visits, 9);
    cr_expect_eq(k.elig_72h.num, 4);
    cr_expect_eq(k.elig_72h.den, 9);
    cr_expect_eq(k.elig_48h.num, 6);
    cr_expect_eq(k.elig_48h.den, 8);
    /* A day earlier both marks are ahead: out of both. */
    k = compute("", "", OCT_START, OCT_END, T(2026, 10, 18, 12, 0));
    cr_expect_eq(k.elig_72h.den, 8);
    cr_expect_eq(k.elig_48h.den, 8);
}

Test(kpi, bad_rows_are_left_out_and_outcomes_capped)
{
    /* December 2026, items of its own. */
    cr_assert_eq(nx_store_begin(st), 0);
    /* A decision recorded an hour before its submission (a device with a
     * wrong clock): counted as a decision, left out of the turnaround. */
    pa("pa13", "ben", "south", T(2026, 12, 10, 12, 0), "approved", T(2026, 12, 10, 11, 0));
    /* A request time that cannot be read: left out of the retrieval. */
    roi("ro13", "ben", "south", 0, T(2026, 12, 5, 0, 0), 0, "");
    field("ro13", "request_sent_at", "yesterday");
    /* Nine plain labels with 9, 8, ... 1 attempts, and one with digits.
     * Eight slots: seven labels, then "other" = hotel 2 + india 1 + the
     * one with digits 1 = 4. Total 45 + 1 = 46. */
    static const char *const labels[] = { "alpha", "bravo", "charlie", "delta", "echo",
                                          "foxtrot", "golf", "hotel", "india" };
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 9 - i; j++)
            attempt("sc10", T(2026, 12, 1 + i, j, 0), "ana", labels[i]);
    attempt("sc10", T(2026, 12, 20, 0, 0), "ana", "call back 12/15");
    cr_assert_eq(nx_store_commit(st), 0);

    nx_kpi k = compute("", "", T(2026, 12, 1, 0, 0), T(2027, 1, 1, 0, 0), 0);
    cr_expect_eq(k.pa_approval.num, 1);
    cr_expect_eq(k.pa_approval.den, 1);
    cr_expect_eq(k.pa_turnaround.n, 0);
    cr_expect_eq(k.roi_retrieval.n, 0);
    cr_expect_eq(k.left_out, 2);
    cr_expect_eq(k.sched_attempts, 46);
    cr_assert_eq(k.n_outcomes, NX_KPI_OUTCOMES_MAX);
    for (int i = 0; i < 7; i++) {
        cr_expect_str_eq(k.outcomes[i].label, labels[i]);
        cr_expect_eq(k.outcomes[i].n, 9 - i);
    }
    cr_expect_str_eq(k.outcomes[7].label, "other");
    cr_expect_eq(k.outcomes[7].n, 4);
}

Test(kpi, bad_filter)
{
    nx_kpi k;
    char err[256] = "";
    nx_kpi_filter f = { .start = OCT_END, .end = OCT_START };
    cr_expect_eq(nx_kpi_compute(st, &f, &k, err, sizeof err), -1);
    cr_expect_str_eq(err, "KPI period: the start must be before the end");
    f.end = OCT_END;
    cr_expect_eq(nx_kpi_compute(st, &f, &k, err, sizeof err), -1);
}

/* ---- periods -------------------------------------------------------------- */

Test(kpi, weeks_across_the_november_dst_change)
{
    /* Now: Wednesday 2026-11-04 10:00 EST (15:00Z). New York left DST on
     * Sunday Nov 1 at 02:00 EDT. The current week starts Monday Nov 2
     * 00:00 EST = 05:00Z; the one before, Monday Oct 26 00:00 EDT =
     * 04:00Z, and lasts 169 h (the repeated hour); the oldest of eight
     * starts seven weeks before Nov 2: Monday Sep 14 00:00 EDT = 04:00Z. */
    nx_kpi_period p[NX_KPI_TREND];
    char err[256] = "";
    cr_assert_eq(nx_kpi_periods(NY, T(2026, 11, 4, 15, 0), NX_KPI_WEEK, NX_KPI_TREND, p, err,
                                sizeof err), 0, "%s", err);
    cr_expect_eq(p[7].start, T(2026, 11, 2, 5, 0));
    cr_expect_eq(p[7].end, T(2026, 11, 9, 5, 0));
    cr_expect_eq(p[6].start, T(2026, 10, 26, 4, 0));
    cr_expect_eq(p[6].end - p[6].start, 169 * H);
    cr_expect_eq(p[0].start, T(2026, 9, 14, 4, 0));
    for (int i = 0; i < NX_KPI_TREND; i++) {
        if (i > 0)
            cr_expect_eq(p[i].start, p[i - 1].end, "week %d not contiguous", i);
        if (i != 6)
            cr_expect_eq(p[i].end - p[i].start, 168 * H, "week %d", i);
    }

    /* Sunday Nov 1 12:00 EST (17:00Z), after the change, still belongs to
     * the week of Monday Oct 26 00:00 EDT. */
    cr_assert_eq(nx_kpi_periods(NY, T(2026, 11, 1, 17, 0), NX_KPI_WEEK, 1, p, err, sizeof err), 0);
    cr_expect_eq(p[0].start, T(2026, 10, 26, 4, 0));
    cr_expect_eq(p[0].end, T(2026, 11, 2, 5, 0));
    /* Monday Nov 2 00:00 EST exactly starts the next week; a second
     * earlier is still the old one. */
    cr_assert_eq(nx_kpi_periods(NY, T(2026, 11, 2, 5, 0), NX_KPI_WEEK, 1, p, err, sizeof err), 0);
    cr_expect_eq(p[0].start, T(2026, 11, 2, 5, 0));
    cr_assert_eq(nx_kpi_periods(NY, T(2026, 11, 2, 5, 0) - 1, NX_KPI_WEEK, 1, p, err,
                                sizeof err), 0);
    cr_expect_eq(p[0].start, T(2026, 10, 26, 4, 0));
    /* The same instant is Monday Nov 2 18:00 in Manila (UTC+8, no DST):
     * its week started Monday 00:00 there = Sunday Nov 1 16:00Z. */
    cr_assert_eq(nx_kpi_periods(MNL, T(2026, 11, 2, 10, 0), NX_KPI_WEEK, 1, p, err,
                                sizeof err), 0);
    cr_expect_eq(p[0].start, T(2026, 11, 1, 16, 0));
    cr_expect_eq(p[0].end - p[0].start, 168 * H);
}

Test(kpi, months)
{
    /* Now: 2026-11-04 in New York. November starts Nov 1 00:00 EDT =
     * 04:00Z (the change is at 02:00), ends Dec 1 00:00 EST = 05:00Z, so
     * it lasts 30 days + 1 h; October is 31 days of EDT; the oldest of
     * eight is April, from Apr 1 00:00 EDT = 04:00Z. */
    nx_kpi_period p[NX_KPI_TREND];
    char err[256] = "";
    cr_assert_eq(nx_kpi_periods(NY, T(2026, 11, 4, 15, 0), NX_KPI_MONTH, NX_KPI_TREND, p, err,
                                sizeof err), 0, "%s", err);
    cr_expect_eq(p[7].start, T(2026, 11, 1, 4, 0));
    cr_expect_eq(p[7].end, T(2026, 12, 1, 5, 0));
    cr_expect_eq(p[7].end - p[7].start, 30 * DAY + H);
    cr_expect_eq(p[6].start, T(2026, 10, 1, 4, 0));
    cr_expect_eq(p[6].end - p[6].start, 31 * DAY);
    cr_expect_eq(p[0].start, T(2026, 4, 1, 4, 0));
    for (int i = 1; i < NX_KPI_TREND; i++)
        cr_expect_eq(p[i].start, p[i - 1].end);
    /* Across a new year: February 2027 back to July 2026. */
    cr_assert_eq(nx_kpi_periods(NY, T(2027, 2, 10, 12, 0), NX_KPI_MONTH, NX_KPI_TREND, p, err,
                                sizeof err), 0);
    cr_expect_eq(p[0].start, T(2026, 7, 1, 4, 0));
    cr_expect_eq(p[5].start, T(2026, 12, 1, 5, 0));
    cr_expect_eq(p[6].start, T(2027, 1, 1, 5, 0));
    cr_expect_eq(p[7].end, T(2027, 3, 1, 5, 0));
}

Test(kpi, period_errors)
{
    nx_kpi_period p[2];
    char err[256] = "";
    cr_expect_eq(nx_kpi_periods(NY, OCT_START, NX_KPI_WEEK, 0, p, err, sizeof err), -1);
    cr_expect_eq(nx_kpi_periods(NY, OCT_START, NX_KPI_WEEK, NX_KPI_PERIODS_MAX + 1, p, err,
                                sizeof err), -1);
    cr_expect_eq(nx_kpi_periods(NY, OCT_START, (nx_kpi_unit)7, 1, p, err, sizeof err), -1);
    cr_expect_eq(nx_kpi_periods("Mars/Olympus_Mons", OCT_START, NX_KPI_WEEK, 1, p, err,
                                sizeof err), -1);
    cr_expect(strstr(err, "Mars/Olympus_Mons") != NULL, "%s", err);
}

Test(kpi, weekly_trend_adds_up)
{
    /* Eight New York weeks up to Nov 4 (Sep 14 04:00Z - Nov 9 05:00Z):
     * every event falls in exactly one week, so the weekly counts add up
     * to the counts of the whole span. Week of Oct 5 (EDT: Oct 5 04:00Z -
     * Oct 12 04:00Z), by hand: decisions pa01 A, pa02 P, pa03 D; no appeal
     * outcome; visits el01 (Oct 10 04:00Z, 72 h met); ro01 received Oct 4
     * 10:00Z is the week before; ro02 Oct 3 too; ro03 Oct 10 (5 d) and
     * ro08 Oct 9 (1 d); released ro01 Oct 5 09:00 y, ro02 Oct 6 y and
     * ro08 Oct 12 00:00Z y (before the week ends at 04:00Z): 3 / 3. */
    nx_kpi_period p[NX_KPI_TREND];
    nx_kpi k[NX_KPI_TREND];
    char err[256] = "";
    int64_t now = T(2026, 11, 4, 15, 0);
    cr_assert_eq(nx_kpi_trend(st, NY, now, NX_KPI_WEEK, NX_KPI_TREND, "", "", p, k, err,
                              sizeof err), 0, "%s", err);
    nx_kpi w = k[3];
    cr_assert_eq(p[3].start, T(2026, 10, 5, 4, 0));
    cr_expect_eq(w.pa_approval.num, 2);
    cr_expect_eq(w.pa_approval.den, 3);
    cr_expect_eq(w.pa_turnaround.total, (24 + 48 + 12) * H);
    cr_expect_eq(w.pa_appeal_win.den, 0);
    cr_expect_eq(w.elig_visits, 1);
    cr_expect_eq(w.elig_72h.num, 1);
    cr_expect_eq(w.roi_retrieval.total, (5 + 1) * DAY);
    cr_expect_eq(w.roi_retrieval.n, 2);
    cr_expect_eq(w.roi_first_pass.num, 3);
    cr_expect_eq(w.roi_first_pass.den, 3);

    nx_kpi all = compute("", "", p[0].start, p[NX_KPI_TREND - 1].end, now);
    nx_kpi sum = { 0 };
    for (int i = 0; i < NX_KPI_TREND; i++) {
        sum.pa_approval.num += k[i].pa_approval.num;
        sum.pa_approval.den += k[i].pa_approval.den;
        sum.pa_turnaround.total += k[i].pa_turnaround.total;
        sum.pa_turnaround.n += k[i].pa_turnaround.n;
        sum.pa_appeal_win.num += k[i].pa_appeal_win.num;
        sum.pa_appeal_win.den += k[i].pa_appeal_win.den;
        sum.elig_visits += k[i].elig_visits;
        sum.elig_72h.num += k[i].elig_72h.num;
        sum.elig_48h.den += k[i].elig_48h.den;
        sum.roi_retrieval.total += k[i].roi_retrieval.total;
        sum.roi_first_pass.den += k[i].roi_first_pass.den;
        sum.sched_attempts += k[i].sched_attempts;
    }
    cr_expect_eq(sum.pa_approval.num, all.pa_approval.num);
    cr_expect_eq(sum.pa_approval.den, all.pa_approval.den);
    cr_expect_eq(sum.pa_turnaround.total, all.pa_turnaround.total);
    cr_expect_eq(sum.pa_turnaround.n, all.pa_turnaround.n);
    cr_expect_eq(sum.pa_appeal_win.num, all.pa_appeal_win.num);
    cr_expect_eq(sum.pa_appeal_win.den, all.pa_appeal_win.den);
    cr_expect_eq(sum.elig_visits, all.elig_visits);
    cr_expect_eq(sum.elig_72h.num, all.elig_72h.num);
    cr_expect_eq(sum.elig_48h.den, all.elig_48h.den);
    cr_expect_eq(sum.roi_retrieval.total, all.roi_retrieval.total);
    cr_expect_eq(sum.roi_first_pass.den, all.roi_first_pass.den);
    cr_expect_eq(sum.sched_attempts, all.sched_attempts);
    /* The span (Sep 14 - Nov 9) holds every decision of the data set:
     * pa01-pa10; pa11 and pa12 have none. */
    cr_expect_eq(all.pa_approval.den, 10);
}

Test(kpi, definitions_for_the_help_line)
{
    for (int i = 0; i < NX_KPI_COUNT; i++) {
        cr_expect(nx_kpi_label((nx_kpi_id)i)[0] != '?', "KPI %d has no label", i);
        cr_expect(strlen(nx_kpi_definition((nx_kpi_id)i)) > 20, "KPI %d has no definition", i);
    }
    cr_expect_str_eq(nx_kpi_label(NX_KPI_COUNT), "?");
    cr_expect_str_eq(nx_kpi_definition(NX_KPI_COUNT), "");
    cr_expect(strstr(nx_kpi_definition(NX_KPI_PA_APPROVAL), "partially approved") != NULL);
}
