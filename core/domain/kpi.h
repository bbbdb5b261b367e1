/* core/domain/kpi — the work-queue KPIs of the SOPs (seed 000 §7.2-7.6,
 * REQUIREMENTS §1 and §9), computed from the time-stamped history the store
 * keeps: every status change (transitions) and every outreach attempt.
 *
 * Aggregates only: results are counts, ratios and averages — never an item
 * id, a patient or a field's value — so the operations role, which sees
 * aggregates only, may be shown all of it. The one text that comes out is
 * a scheduling outcome label, and only a short label of letters (see
 * nx_kpi_outcome).
 *
 * Ratios are kept as numerator and denominator, averages as a total and a
 * count, so a period with nothing in it shows "—" and never a made-up 0 %.
 *
 * Definitions (nx_kpi_definition gives each as one help line):
 *
 * A period is [start, end) in UTC seconds. An event counts in the period
 * its instant falls in; each item counts once per KPI, at its first
 * transition into the status that defines the KPI.
 *
 * Scope: a team is items.team; an agent is items.assignee, the person
 * accountable for the item (so re-routing an item moves its history to the
 * new assignee's figures), except outreach attempts, which count for the
 * attempt's own user. "" (or NULL) is every team / every agent.
 *
 * Prior auth
 * - approval rate = (approved + partially-approved) / (approved +
 *   partially-approved + denied), over items whose decision (first
 *   transition out of pending into one of the three) is in the period. A
 *   partial approval counts as an approval: the payer issued an auth
 *   number and granted units (the workflow asks for both on either step),
 *   so the service goes ahead. It is also counted on its own
 *   (pa_partial), so a full-approval rate can be shown beside it.
 * - turnaround = decision - submission, in hours, averaged over the same
 *   decisions. Submission is the item's first transition to submitted; an
 *   item imported past that step has none, and then its submitted_at field
 *   (local, in the client's zone) is used. A decision with neither is
 *   counted in the approval rate but not in the turnaround.
 * - appeal win rate = appeal-won / (appeal-won + appeal-lost), over
 *   appeal outcomes in the period (whenever the denial was).
 *
 * Eligibility
 * - % verified at least 72 h (48 h) before the visit, over items whose
 *   visit falls in the period. The visit is the service date at 00:00 in
 *   the client's zone, or at its time when the service date carries one
 *   ("YYYY-MM-DD HH:MM") — the same instant nx_elig_due counts back from.
 *   Verified is the first transition to verified; "at least" includes
 *   exactly 72 h. Hours are elapsed hours, as for the due clock, so across
 *   a DST change the wall time of the threshold shifts by the hour.
 *   An item not verified by visit - 72 h (48 h) has missed that threshold;
 *   one verified later, or never, counts in the denominator and not in the
 *   numerator. With filter.now set, an unverified item whose threshold is
 *   still ahead of now is left out of that threshold's denominator (it
 *   may yet make it), so the current week is not shown worse than it is.
 *   Items without a service date are not counted.
 *
 * Release of information
 * - average days to retrieval = received - requested, in days of 24 h,
 *   over items whose first receipt is in the period: from the first
 *   request (transition to requested; for an item imported past it, its
 *   request_sent_at field) to the first receipt. A correction loop
 *   (received -> requested -> received) does not move the figure: the
 *   first-pass KPI below is the one that measures re-work.
 * - % complete on first pass = items with complete_first_pass = yes /
 *   items released in the period (first transition to released).
 *
 * Scheduling
 * - outreach outcomes: attempts on scheduling items in the period, counted
 *   by outcome (blanks trimmed, case folded).
 *
 * Quality (oversight records, core/domain/record.h)
 * - QA pass rate = qa_review records with status pass / those with status
 *   pass or fail, over reviews created (the review's time) in the period.
 *   Scope: the record's team; the agent is its owner, the agent reviewed.
 * - open CAPAs = capa records open at the end of the period (at now for
 *   the running period when filter.now is set): created before then and
 *   not closed by then. Of them, overdue: a due date before then. Scope:
 *   the record's team; the agent is its owner, the person who must act.
 *   A count, so an empty period shows 0. A record holds only its present
 *   state, so for a past period a closed CAPA's last update is taken as
 *   its closure, and its present due date as the due date then: a CAPA
 *   reopened (capa.h) or re-planned later is counted as it is now.
 *
 * A history row that cannot enter an average — a stored local time that
 * cannot be read, or a start after its end (a device with a wrong clock) —
 * is left out of that average and counted in left_out, so it is visible
 * rather than silently skewing the figure. */
#ifndef NX_KPI_H
#define NX_KPI_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- periods -------------------------------------------------------------- */

typedef enum { NX_KPI_WEEK, NX_KPI_MONTH } nx_kpi_unit;

#define NX_KPI_TREND 8          /* periods in a KPI trend (issue 6) */
#define NX_KPI_PERIODS_MAX 120

typedef struct nx_kpi_period {
    int64_t start, end;         /* [start, end), UTC */
} nx_kpi_period;

/* The n (1-NX_KPI_PERIODS_MAX) weeks or months up to now, in tz: out[n-1]
 * is the period that contains now (still running), out[0] the oldest; each
 * ends where the next starts. A week starts Monday 00:00 local, a month on
 * its 1st at 00:00 local, so a week across a DST change is 167 or 169 h
 * long. */
int nx_kpi_periods(const char *tz, int64_t now, nx_kpi_unit unit, int n, nx_kpi_period out[],
                   char *err, size_t errlen);

/* ---- results -------------------------------------------------------------- */

typedef struct nx_kpi_ratio {
    int64_t num, den;
} nx_kpi_ratio;

typedef struct nx_kpi_mean {
    int64_t total;              /* seconds */
    int64_t n;
} nx_kpi_mean;

#define NX_KPI_OUTCOMES_MAX 8
#define NX_KPI_LABEL_MAX 32

/* One outreach outcome and its count. Labels are what agents typed, so
 * only a short one made of ASCII letters, blanks, '-', '_' and '/' is
 * shown as such; anything else (digits, '@', longer text: the shape of a
 * phone number, an address or a note) is counted under "other", as are
 * the outcomes beyond the first NX_KPI_OUTCOMES_MAX - 1 when there are
 * more than NX_KPI_OUTCOMES_MAX. */
typedef struct nx_kpi_outcome {
    char label[NX_KPI_LABEL_MAX];
    int64_t n;
} nx_kpi_outcome;

typedef struct nx_kpi {
    /* prior auth */
    int64_t pa_approved, pa_partial, pa_denied;
    nx_kpi_ratio pa_approval;   /* (approved + partial) / decisions */
    nx_kpi_mean pa_turnaround;  /* decision - submission */
    nx_kpi_ratio pa_appeal_win; /* won / (won + lost) */
    /* eligibility */
    int64_t elig_visits;        /* items with the visit in the period */
    nx_kpi_ratio elig_72h, elig_48h;
    /* release of information */
    nx_kpi_mean roi_retrieval;  /* received - requested */
    nx_kpi_ratio roi_first_pass;
    /* scheduling: most frequent first, then by label; "other" last */
    int64_t sched_attempts;
    size_t n_outcomes;
    nx_kpi_outcome outcomes[NX_KPI_OUTCOMES_MAX];
    /* quality: QA reviews and corrective actions */
    nx_kpi_ratio qa_pass;       /* pass / (pass + fail) */
    int64_t capa_open, capa_overdue;
    /* history rows left out of an average (see above) */
    int64_t left_out;
} nx_kpi;

typedef struct nx_kpi_filter {
    int64_t start, end;         /* [start, end), UTC; start < end */
    const char *team;           /* NULL or "": every team */
    const char *agent;          /* NULL or "": every agent */
    int64_t now;                /* for pending eligibility clocks; 0: all decided */
} nx_kpi_filter;

/* Every KPI of the filter's period and scope, from one consistent snapshot
 * of the store. -1 with a message in err (no data in it) on a bad filter
 * or a store error. */
int nx_kpi_compute(nx_store *s, const nx_kpi_filter *f, nx_kpi *out, char *err, size_t errlen);

/* The trend: nx_kpi_periods(tz, now, unit, n) into periods[], and the KPIs
 * of each into out[] (filter.now = now). */
int nx_kpi_trend(nx_store *s, const char *tz, int64_t now, nx_kpi_unit unit, int n,
                 const char *team, const char *agent, nx_kpi_period periods[], nx_kpi out[],
                 char *err, size_t errlen);

/* ---- reading the results ---------------------------------------------------- */

/* 0 and the value, or -1 when there is nothing to divide by (show "—"). */
int nx_kpi_percent(nx_kpi_ratio r, double *pct);
int nx_kpi_hours(nx_kpi_mean m, double *hours);
int nx_kpi_days(nx_kpi_mean m, double *days);

#define NX_KPI_NONE "\xe2\x80\x94"   /* "—" (UTF-8), shown for an empty ratio or average */

/* "62.5%" / "36.0 h" / "3.0 d" (one decimal), or NX_KPI_NONE. Returns out. */
const char *nx_kpi_fmt_percent(nx_kpi_ratio r, char *out, size_t outlen);
const char *nx_kpi_fmt_hours(nx_kpi_mean m, char *out, size_t outlen);
const char *nx_kpi_fmt_days(nx_kpi_mean m, char *out, size_t outlen);

/* The figures of the KPI screen, with a label and a one-line definition
 * for the help line. */
typedef enum {
    NX_KPI_PA_APPROVAL, NX_KPI_PA_TURNAROUND, NX_KPI_PA_APPEAL_WIN,
    NX_KPI_ELIG_72H, NX_KPI_ELIG_48H,
    NX_KPI_ROI_RETRIEVAL, NX_KPI_ROI_FIRST_PASS,
    NX_KPI_SCHED_OUTCOMES,
    NX_KPI_QA_PASS, NX_KPI_CAPA_OPEN,
    NX_KPI_COUNT
} nx_kpi_id;

const char *nx_kpi_label(nx_kpi_id id);        /* "Approval rate"; "?" out of range */
const char *nx_kpi_definition(nx_kpi_id id);   /* "" out of range */

/* The figure id of k as one number: a percentage, hours, days or a count
 * (outreach: the attempts; CAPAs: the open ones). 0 and *v, or -1 when
 * the period has nothing to show (an empty ratio or average, no attempt):
 * the screen shows NX_KPI_NONE. */
int nx_kpi_value(const nx_kpi *k, nx_kpi_id id, double *v);
/* 1 for a percentage figure (a trend drawn on 0-100 %), else 0 (a trend
 * drawn from 0 to the largest value shown). */
int nx_kpi_is_percent(nx_kpi_id id);
/* The figure as the screen shows it: "62.5%", "36.0 h", "3.0 d", "12",
 * "3 (1 overdue)", or NX_KPI_NONE. Returns out. */
const char *nx_kpi_fmt(const nx_kpi *k, nx_kpi_id id, char *out, size_t outlen);

/* One outreach outcome's share of the period's attempts: {count of label,
 * attempts} (label not there: {0, attempts}). */
nx_kpi_ratio nx_kpi_outcome_share(const nx_kpi *k, const char *label);

/* ---- the trend, drawn ----------------------------------------------------- */

/* A sparkline of n values (n <= NX_KPI_PERIODS_MAX), one cell each:
 * has[i] 0 is a period with nothing (drawn "·", ASCII "-"); the others
 * are scaled from lo to hi (clamped) onto eight levels: "▁▂▃▄▅▆▇█" with
 * utf8, else "_.,:=+*#" (for a terminal without UTF-8). hi <= lo draws
 * every value at the lowest level. Returns out ("" when it does not fit). */
const char *nx_kpi_sparkline(const double *v, const int *has, int n, double lo, double hi,
                             int utf8, char *out, size_t outlen);

#endif
