/* core/store — the SQL behind the KPIs (core/domain/kpi). The store picks
 * the history rows of a period and a scope; the domain does the arithmetic
 * (time zones, thresholds, averages), so every definition lives in one
 * place, kpi.c.
 *
 * Aggregates only: no row handed out here carries an item id, a patient
 * id or a patient field. What does come out is a status, an instant, the
 * client's time zone, and the few item fields the KPIs are defined on
 * (service date, the local submission / request time stamps), which the
 * domain reduces to numbers before anything leaves core.
 *
 * Scope: items.team for the team; for the agent, items.assignee (the
 * person accountable for the item now), except outreach attempts, which
 * are the individual acts of attempts.user. Periods are [start, end) in
 * UTC seconds. Strings in rows are borrowed until the callback returns.
 * Functions return 0, a callback's non-zero return (which stops the walk),
 * or -1 on an SQL error (nx_store_errmsg). */
#ifndef NX_STORE_KPI_STORE_H
#define NX_STORE_KPI_STORE_H
#include <stdint.h>
#include "store/store.h"

typedef struct nx_kpi_scope {
    int64_t start, end;        /* [start, end), UTC */
    const char *team;          /* NULL or "": every team */
    const char *agent;         /* NULL or "": every agent */
} nx_kpi_scope;

/* A consistent snapshot for the several queries of one computation (the
 * sync worker may write in between): a deferred read transaction, unless
 * the caller already has one open. *began says which, for _end. */
int  nx_kpi_store_read_begin(nx_store *s, int *began);
void nx_kpi_store_read_end(nx_store *s, int began);

/* ---- prior authorization ------------------------------------------------ */

/* One decision: the item's first transition to approved, partially-approved
 * or denied, when that falls in the period. */
typedef struct nx_kpi_pa_row {
    const char *decision;      /* the status it went to */
    int64_t decided;           /* when */
    int64_t submitted;         /* the item's first transition to submitted; 0 none */
    const char *submitted_at;  /* the submitted_at field ("YYYY-MM-DD HH:MM" local), "" none */
    const char *tz;            /* the client's zone */
} nx_kpi_pa_row;
typedef int (*nx_kpi_pa_cb)(void *ctx, const nx_kpi_pa_row *r);
int nx_kpi_store_pa_decisions(nx_store *s, const nx_kpi_scope *sc, nx_kpi_pa_cb cb, void *ctx);

/* Appeal outcomes in the period: each item's first transition to
 * appeal-won or appeal-lost. */
int nx_kpi_store_pa_appeals(nx_store *s, const nx_kpi_scope *sc, int64_t *won, int64_t *lost);

/* ---- eligibility -------------------------------------------------------- */

/* An eligibility item with a service date whose first ten characters (the
 * local date) lie in [lo_date, hi_date] ("YYYY-MM-DD", inclusive): a
 * coarse cut on the date text, which the domain refines once the date is
 * read in the client's zone. Only the scope's team and agent are used. */
typedef struct nx_kpi_elig_row {
    const char *service_date;  /* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM", local */
    const char *tz;
    int64_t verified;          /* first transition to verified; 0 none */
} nx_kpi_elig_row;
typedef int (*nx_kpi_elig_cb)(void *ctx, const nx_kpi_elig_row *r);
int nx_kpi_store_elig_visits(nx_store *s, const nx_kpi_scope *sc, const char *lo_date,
                             const char *hi_date, nx_kpi_elig_cb cb, void *ctx);

/* ---- release of information --------------------------------------------- */

/* One retrieval: the item's first transition to received, in the period. */
typedef struct nx_kpi_roi_row {
    int64_t received;
    int64_t requested;         /* the item's first transition to requested; 0 none */
    const char *request_sent_at; /* the field ("YYYY-MM-DD HH:MM" local), "" none */
    const char *tz;
} nx_kpi_roi_row;
typedef int (*nx_kpi_roi_cb)(void *ctx, const nx_kpi_roi_row *r);
int nx_kpi_store_roi_retrievals(nx_store *s, const nx_kpi_scope *sc, nx_kpi_roi_cb cb,
                                void *ctx);

/* Items whose first transition to released is in the period, and how many
 * of them have complete_first_pass = yes. */
int nx_kpi_store_roi_first_pass(nx_store *s, const nx_kpi_scope *sc, int64_t *released,
                                int64_t *first_pass);

/* ---- scheduling --------------------------------------------------------- */

/* Outreach attempts on scheduling items in the period, grouped by outcome
 * (blanks trimmed, ASCII case folded), most frequent first, then by
 * outcome. The agent is the attempt's user. */
typedef int (*nx_kpi_outcome_cb)(void *ctx, const char *outcome, int64_t n);
int nx_kpi_store_sched_outcomes(nx_store *s, const nx_kpi_scope *sc, nx_kpi_outcome_cb cb,
                                void *ctx);

/* ---- oversight records (table records, core/store/record_store.h) ------- */

/* Scope for records: records.team for the team; records.owner for the
 * agent (the agent a QA review is about, the person a CAPA waits on). */

/* qa_review records created in the period: how many say pass, how many
 * fail (any other status is not a finished review and is not counted). */
int nx_kpi_store_qa_reviews(nx_store *s, const nx_kpi_scope *sc, int64_t *pass, int64_t *fail);

/* capa records open at instant `at` (the scope's start and end are not
 * used): created before at, and not closed by then — status is not
 * closed, or its last update (the closure) is after at. overdue: of those,
 * the ones with 0 < due < at. */
int nx_kpi_store_capas_open(nx_store *s, const nx_kpi_scope *sc, int64_t at, int64_t *open,
                            int64_t *overdue);

/* The scopes the KPI screen offers: every (team, agent) pair of the items
 * (assignee), the outreach attempts (user) and the QA reviews and CAPAs
 * (owner) held, agent "" for the team as a whole, by team then agent,
 * each once; items of no team are left out (they count only in the
 * every-team figures). team NULL or "": every team's. */
typedef int (*nx_kpi_pair_cb)(void *ctx, const char *team, const char *agent);
int nx_kpi_store_scopes(nx_store *s, const char *team, nx_kpi_pair_cb cb, void *ctx);

#endif
