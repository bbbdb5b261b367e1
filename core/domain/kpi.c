/* The KPI arithmetic: the store hands over history rows of a period and a
 * scope; here they are read in the client's zone, held against the
 * thresholds and reduced to counts. Definitions in kpi.h. */
#include "domain/kpi.h"

#include <stdio.h>
#include <string.h>

#include "domain/clock.h"
#include "domain/deadlines.h"
#include "store/kpi_store.h"
#include "util/util.h"

/* ---- periods -------------------------------------------------------------- */

int nx_kpi_periods(const char *tz, int64_t now, nx_kpi_unit unit, int n, nx_kpi_period out[],
                   char *err, size_t errlen)
{
    if (!out || n < 1 || n > NX_KPI_PERIODS_MAX)
        return nx_err(err, errlen, "KPI periods: ask for 1-%d periods", NX_KPI_PERIODS_MAX);
    if (unit != NX_KPI_WEEK && unit != NX_KPI_MONTH)
        return nx_err(err, errlen, "KPI periods: unit must be week or month");
    nx_local l;
    if (nx_clock_local(tz, now, &l, err, errlen) != 0)
        return -1;
    int64_t monday = nx_days_from_civil(l.year, l.month, l.day) - (l.weekday - 1);
    int64_t month = (int64_t)l.year * 12 + (l.month - 1);
    /* n + 1 boundaries: the start of each period, then the start of the
     * one after now's, which ends the last. Each is local midnight turned
     * into an instant on its own, never a start plus 7 x 24 h, so a week
     * or month across a DST change gets its true length. */
    for (int i = 0; i <= n; i++) {
        int64_t back = n - 1 - i;   /* periods before now's; -1: the next one */
        int y, m, d;
        if (unit == NX_KPI_WEEK) {
            nx_civil_from_days(monday - 7 * back, &y, &m, &d);
        } else {
            int64_t mi = month - back;   /* years >= 1900 (clock.h): never negative */
            y = (int)(mi / 12);
            m = (int)(mi % 12) + 1;
            d = 1;
        }
        int64_t t;
        if (nx_clock_from_local(tz, y, m, d, 0, 0, &t, err, errlen) != 0)
            return -1;
        if (i < n)
            out[i].start = t;
        if (i > 0)
            out[i - 1].end = t;
    }
    return 0;
}

/* ---- computing ------------------------------------------------------------ */

typedef struct acc {
    nx_kpi *k;
    const nx_kpi_filter *f;
    int64_t other;              /* outcomes counted under "other" */
} acc;

/* An elapsed time into an average, unless it runs backwards. */
static void add_span(nx_kpi *k, nx_kpi_mean *m, int64_t from, int64_t to)
{
    if (to < from) {
        k->left_out++;
        return;
    }
    m->total += to - from;
    m->n++;
}

/* The start of a clock: the transition's instant, or for an item imported
 * past that step the local time stamp field. 1 known, 0 none, -1 a field
 * that cannot be read (counted as left out). The parse's message is not
 * kept: it could quote the value. */
static int clock_start(int64_t transition, const char *field, const char *tz, int64_t *out)
{
    *out = transition;
    if (transition)
        return 1;
    if (!field[0])
        return 0;
    return nx_local_parse(tz, field, out, NULL, 0) == 0 ? 1 : -1;
}

static int pa_row(void *ctx, const nx_kpi_pa_row *r)
{
    nx_kpi *k = ((acc *)ctx)->k;
    if (strcmp(r->decision, "approved") == 0)
        k->pa_approved++;
    else if (strcmp(r->decision, "partially-approved") == 0)
        k->pa_partial++;
    else
        k->pa_denied++;
    int64_t sub;
    int known = clock_start(r->submitted, r->submitted_at, r->tz, &sub);
    if (known < 0)
        k->left_out++;
    else if (known)
        add_span(k, &k->pa_turnaround, sub, r->decided);
    return 0;
}

/* Met, missed or (with now, unverified, threshold still ahead) not yet
 * decided for one threshold. */
static void elig_threshold(nx_kpi_ratio *q, int64_t visit, int hours, int64_t verified,
                           int64_t now)
{
    int64_t by = nx_clock_add_hours(visit, -hours);
    if (verified && verified <= by) {
        q->num++;
        q->den++;
    } else if (verified || now == 0 || now >= by) {
        q->den++;
    }
}

static int elig_row(void *ctx, const nx_kpi_elig_row *r)
{
    acc *a = ctx;
    int64_t visit;
    /* A bare date is read as 00:00 that day; a date with a time, at it. */
    if (nx_local_parse(r->tz, r->service_date, &visit, NULL, 0) != 0) {
        a->k->left_out++;
        return 0;
    }
    if (visit < a->f->start || visit >= a->f->end)
        return 0;
    a->k->elig_visits++;
    elig_threshold(&a->k->elig_72h, visit, 72, r->verified, a->f->now);
    elig_threshold(&a->k->elig_48h, visit, 48, r->verified, a->f->now);
    return 0;
}

static int roi_row(void *ctx, const nx_kpi_roi_row *r)
{
    nx_kpi *k = ((acc *)ctx)->k;
    int64_t req;
    int known = clock_start(r->requested, r->request_sent_at, r->tz, &req);
    if (known < 0)
        k->left_out++;
    else if (known)
        add_span(k, &k->roi_retrieval, req, r->received);
    return 0;
}

/* A label that cannot be a phone number, an address or a sentence of
 * notes: short, letters, blanks and a little punctuation. */
static int plain_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= NX_KPI_LABEL_MAX || strcmp(s, "other") == 0)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '-' ||
              c == '_' || c == '/'))
            return 0;
    }
    return 1;
}

static int outcome_row(void *ctx, const char *label, int64_t n)
{
    acc *a = ctx;
    nx_kpi *k = a->k;
    k->sched_attempts += n;
    if (!plain_label(label) || k->n_outcomes == NX_KPI_OUTCOMES_MAX) {
        a->other += n;
        return 0;
    }
    nx_kpi_outcome *o = &k->outcomes[k->n_outcomes++];
    snprintf(o->label, sizeof o->label, "%s", label);
    o->n = n;
    return 0;
}

static void outcomes_finish(acc *a)
{
    nx_kpi *k = a->k;
    if (!a->other)
        return;
    /* "other" needs the last slot: the least frequent label goes in it. */
    if (k->n_outcomes == NX_KPI_OUTCOMES_MAX)
        a->other += k->outcomes[--k->n_outcomes].n;
    nx_kpi_outcome *o = &k->outcomes[k->n_outcomes++];
    snprintf(o->label, sizeof o->label, "other");
    o->n = a->other;
}

/* "YYYY-MM-DD" of the UTC day of t, shifted by days. */
static void utc_date(int64_t t, int days, char *out, size_t len)
{
    int64_t d = t / 86400;
    if (t % 86400 < 0)
        d--;
    int y, m, dd;
    nx_civil_from_days(d + days, &y, &m, &dd);
    snprintf(out, len, "%04d-%02d-%02d", y, m, dd);
}

static int store_fail(nx_store *s, int began, const char *what, char *err, size_t errlen)
{
    nx_err(err, errlen, "KPIs: cannot read the %s (%s)", what, nx_store_errmsg(s));
    nx_kpi_store_read_end(s, began);
    return -1;
}

int nx_kpi_compute(nx_store *s, const nx_kpi_filter *f, nx_kpi *out, char *err, size_t errlen)
{
    if (!s || !f || !out)
        return nx_err(err, errlen, "KPIs: no store, filter or result");
    memset(out, 0, sizeof *out);
    if (f->start >= f->end)
        return nx_err(err, errlen, "KPI period: the start must be before the end");
    nx_kpi_scope sc = { .start = f->start, .end = f->end, .team = f->team, .agent = f->agent };
    acc a = { .k = out, .f = f };
    int began;
    if (nx_kpi_store_read_begin(s, &began) != 0)
        return nx_err(err, errlen, "KPIs: cannot open a read transaction (%s)",
                      nx_store_errmsg(s));

    if (nx_kpi_store_pa_decisions(s, &sc, pa_row, &a) != 0)
        return store_fail(s, began, "prior-auth decisions", err, errlen);
    int64_t won, lost;
    if (nx_kpi_store_pa_appeals(s, &sc, &won, &lost) != 0)
        return store_fail(s, began, "appeal outcomes", err, errlen);

    /* Any zone is within a day of UTC, so a visit in the period has a
     * local date within a day of the period's UTC dates; elig_row then
     * reads each in its client's zone and keeps those really inside. */
    char lo[16], hi[16];
    utc_date(f->start, -1, lo, sizeof lo);
    utc_date(f->end, 1, hi, sizeof hi);
    if (nx_kpi_store_elig_visits(s, &sc, lo, hi, elig_row, &a) != 0)
        return store_fail(s, began, "eligibility visits", err, errlen);

    if (nx_kpi_store_roi_retrievals(s, &sc, roi_row, &a) != 0)
        return store_fail(s, began, "ROI retrievals", err, errlen);
    int64_t released, first_pass;
    if (nx_kpi_store_roi_first_pass(s, &sc, &released, &first_pass) != 0)
        return store_fail(s, began, "ROI releases", err, errlen);

    if (nx_kpi_store_sched_outcomes(s, &sc, outcome_row, &a) != 0)
        return store_fail(s, began, "outreach attempts", err, errlen);

    int64_t pass, fail;
    if (nx_kpi_store_qa_reviews(s, &sc, &pass, &fail) != 0)
        return store_fail(s, began, "QA reviews", err, errlen);
    /* Open CAPAs at the period's end, or now while it is still running. */
    int64_t at = f->now > 0 && f->now < f->end ? f->now : f->end;
    if (nx_kpi_store_capas_open(s, &sc, at, &out->capa_open, &out->capa_overdue) != 0)
        return store_fail(s, began, "corrective actions", err, errlen);
    nx_kpi_store_read_end(s, began);

    outcomes_finish(&a);
    out->pa_approval.num = out->pa_approved + out->pa_partial;
    out->pa_approval.den = out->pa_approved + out->pa_partial + out->pa_denied;
    out->pa_appeal_win.num = won;
    out->pa_appeal_win.den = won + lost;
    out->roi_first_pass.num = first_pass;
    out->roi_first_pass.den = released;
    out->qa_pass.num = pass;
    out->qa_pass.den = pass + fail;
    return 0;
}

int nx_kpi_trend(nx_store *s, const char *tz, int64_t now, nx_kpi_unit unit, int n,
                 const char *team, const char *agent, nx_kpi_period periods[], nx_kpi out[],
                 char *err, size_t errlen)
{
    if (!periods || !out)
        return nx_err(err, errlen, "KPIs: no room for the trend");
    if (nx_kpi_periods(tz, now, unit, n, periods, err, errlen) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        nx_kpi_filter f = { .start = periods[i].start, .end = periods[i].end, .team = team,
                            .agent = agent, .now = now };
        if (nx_kpi_compute(s, &f, &out[i], err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* ---- reading the results ---------------------------------------------------- */

int nx_kpi_percent(nx_kpi_ratio r, double *pct)
{
    if (r.den <= 0)
        return -1;
    *pct = 100.0 * (double)r.num / (double)r.den;
    return 0;
}

static int mean_in(nx_kpi_mean m, double unit, double *v)
{
    if (m.n <= 0)
        return -1;
    *v = (double)m.total / (double)m.n / unit;
    return 0;
}

int nx_kpi_hours(nx_kpi_mean m, double *hours)
{
    return mean_in(m, 3600.0, hours);
}

int nx_kpi_days(nx_kpi_mean m, double *days)
{
    return mean_in(m, 86400.0, days);
}

static const char *fmt(int rc, double v, const char *suffix, char *out, size_t outlen)
{
    if (rc != 0)
        snprintf(out, outlen, "%s", NX_KPI_NONE);
    else
        snprintf(out, outlen, "%.1f%s", v, suffix);
    return out;
}

const char *nx_kpi_fmt_percent(nx_kpi_ratio r, char *out, size_t outlen)
{
    double v = 0;
    int rc = nx_kpi_percent(r, &v);
    return fmt(rc, v, "%", out, outlen);
}

const char *nx_kpi_fmt_hours(nx_kpi_mean m, char *out, size_t outlen)
{
    double v = 0;
    int rc = nx_kpi_hours(m, &v);
    return fmt(rc, v, " h", out, outlen);
}

const char *nx_kpi_fmt_days(nx_kpi_mean m, char *out, size_t outlen)
{
    double v = 0;
    int rc = nx_kpi_days(m, &v);
    return fmt(rc, v, " d", out, outlen);
}

static const struct {
    const char *label, *definition;
} defs[NX_KPI_COUNT] = {
    [NX_KPI_PA_APPROVAL] = { "Approval rate",
        "Prior auth: (approved + partially approved) / all decisions in the period; "
        "a partial approval counts as approved" },
    [NX_KPI_PA_TURNAROUND] = { "Average turnaround",
        "Prior auth: hours from submission to the payer's decision, averaged over the "
        "decisions in the period" },
    [NX_KPI_PA_APPEAL_WIN] = { "Appeal win rate",
        "Prior auth: appeals won / appeals decided (won + lost) in the period" },
    [NX_KPI_ELIG_72H] = { "Verified >= 72 h",
        "Eligibility: visits in the period verified at least 72 h before the visit "
        "(the service date at 00:00, or at its time if one is recorded, in the client's "
        "zone) / visits in the period" },
    [NX_KPI_ELIG_48H] = { "Verified >= 48 h",
        "Eligibility: visits in the period verified at least 48 h before the visit "
        "(the service date at 00:00, or at its time if one is recorded, in the client's "
        "zone) / visits in the period" },
    [NX_KPI_ROI_RETRIEVAL] = { "Days to retrieval",
        "ROI: days from the first request to the first receipt of the records, averaged "
        "over the receipts in the period" },
    [NX_KPI_ROI_FIRST_PASS] = { "Complete first pass",
        "ROI: releases in the period whose records were complete on first pass / all "
        "releases in the period" },
    [NX_KPI_SCHED_OUTCOMES] = { "Outreach outcomes",
        "Scheduling: outreach attempts in the period by outcome, counted for the agent "
        "who made them" },
    [NX_KPI_QA_PASS] = { "QA pass rate",
        "QA: reviews in the period that passed / all passed or failed reviews in the "
        "period, counted for the agent reviewed" },
    [NX_KPI_CAPA_OPEN] = { "Open CAPAs",
        "QA: corrective actions open at the end of the period (now, for the current "
        "one), and how many are past their due date; counted for their owner" },
};

const char *nx_kpi_label(nx_kpi_id id)
{
    return (unsigned)id < NX_KPI_COUNT ? defs[id].label : "?";
}

const char *nx_kpi_definition(nx_kpi_id id)
{
    return (unsigned)id < NX_KPI_COUNT ? defs[id].definition : "";
}

/* ---- one figure --------------------------------------------------------------------- */

int nx_kpi_is_percent(nx_kpi_id id)
{
    switch (id) {
    case NX_KPI_PA_APPROVAL: case NX_KPI_PA_APPEAL_WIN: case NX_KPI_ELIG_72H:
    case NX_KPI_ELIG_48H: case NX_KPI_ROI_FIRST_PASS: case NX_KPI_QA_PASS:
        return 1;
    default:
        return 0;
    }
}

static const nx_kpi_ratio *ratio_of(const nx_kpi *k, nx_kpi_id id)
{
    switch (id) {
    case NX_KPI_PA_APPROVAL: return &k->pa_approval;
    case NX_KPI_PA_APPEAL_WIN: return &k->pa_appeal_win;
    case NX_KPI_ELIG_72H: return &k->elig_72h;
    case NX_KPI_ELIG_48H: return &k->elig_48h;
    case NX_KPI_ROI_FIRST_PASS: return &k->roi_first_pass;
    case NX_KPI_QA_PASS: return &k->qa_pass;
    default: return NULL;
    }
}

int nx_kpi_value(const nx_kpi *k, nx_kpi_id id, double *v)
{
    const nx_kpi_ratio *r = ratio_of(k, id);
    if (r)
        return nx_kpi_percent(*r, v);
    switch (id) {
    case NX_KPI_PA_TURNAROUND:
        return nx_kpi_hours(k->pa_turnaround, v);
    case NX_KPI_ROI_RETRIEVAL:
        return nx_kpi_days(k->roi_retrieval, v);
    case NX_KPI_SCHED_OUTCOMES:
        if (k->sched_attempts <= 0)
            return -1;
        *v = (double)k->sched_attempts;
        return 0;
    case NX_KPI_CAPA_OPEN:
        *v = (double)k->capa_open;
        return 0;
    default:
        return -1;
    }
}

const char *nx_kpi_fmt(const nx_kpi *k, nx_kpi_id id, char *out, size_t outlen)
{
    const nx_kpi_ratio *r = ratio_of(k, id);
    if (r)
        return nx_kpi_fmt_percent(*r, out, outlen);
    switch (id) {
    case NX_KPI_PA_TURNAROUND:
        return nx_kpi_fmt_hours(k->pa_turnaround, out, outlen);
    case NX_KPI_ROI_RETRIEVAL:
        return nx_kpi_fmt_days(k->roi_retrieval, out, outlen);
    case NX_KPI_SCHED_OUTCOMES:
        if (k->sched_attempts <= 0)
            snprintf(out, outlen, "%s", NX_KPI_NONE);
        else
            snprintf(out, outlen, "%lld", (long long)k->sched_attempts);
        return out;
    case NX_KPI_CAPA_OPEN:
        if (k->capa_overdue)
            snprintf(out, outlen, "%lld (%lld overdue)", (long long)k->capa_open,
                     (long long)k->capa_overdue);
        else
            snprintf(out, outlen, "%lld", (long long)k->capa_open);
        return out;
    default:
        snprintf(out, outlen, "%s", NX_KPI_NONE);
        return out;
    }
}

nx_kpi_ratio nx_kpi_outcome_share(const nx_kpi *k, const char *label)
{
    nx_kpi_ratio r = { 0, k->sched_attempts };
    for (size_t i = 0; i < k->n_outcomes; i++)
        if (strcmp(k->outcomes[i].label, label) == 0)
            r.num = k->outcomes[i].n;
    return r;
}

const char *nx_kpi_sparkline(const double *v, const int *has, int n, double lo, double hi,
                             int utf8, char *out, size_t outlen)
{
    static const char *const bars[8] = {
        "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
        "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
    };
    static const char ascii[] = "_.,:=+*#";
    if (!out || outlen == 0)
        return out;
    out[0] = '\0';
    if (n < 0 || n > NX_KPI_PERIODS_MAX || outlen < (size_t)n * 3 + 1)
        return out;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        const char *cell;
        char one[2] = { 0, 0 };
        if (!has[i]) {
            cell = utf8 ? "\xc2\xb7" : "-";
        } else {
            int level = 0;
            if (hi > lo) {
                double x = (v[i] - lo) / (hi - lo);
                x = x < 0 ? 0 : x > 1 ? 1 : x;
                level = (int)(x * 7.0 + 0.5);
            }
            if (utf8) {
                cell = bars[level];
            } else {
                one[0] = ascii[level];
                cell = one;
            }
        }
        size_t cl = strlen(cell);
        memcpy(out + len, cell, cl);
        len += cl;
    }
    out[len] = '\0';
    return out;
}
