/* core/session — the two read-only oversight screens' model (issue 6):
 * the KPIs of a team or an agent (session_kpi.c; supervisor, operations)
 * and the audit review (session_audit.c; privacy officer, security
 * officer, auditor). Screens call these; the SQL is core/store's, the
 * arithmetic core/domain/kpi's.
 *
 * Who sees what:
 * - KPIs need the policy's `kpi`. A supervisor sees their own team and
 *   its agents, operations every team (aggregates only: nothing here is a
 *   patient, an item id or a field's value). A figure whose inputs the
 *   hub does not send to the role is "not held" (nx_session_kpi_held):
 *   the screen says so instead of showing a figure computed from half of
 *   them.
 * - The audit review needs `audit`. Opening it is audited (a `view`
 *   event, field "audit"), and so is each accounting of disclosures shown
 *   (a `view` event, item = the patient id, field "disclosures"): both
 *   are views of records about people; without their event they are not
 *   shown. Nothing here writes anything else, and nothing can be exported. */
#ifndef NX_SESSION_OVERSIGHT_H
#define NX_SESSION_OVERSIGHT_H
#include <stddef.h>
#include <stdint.h>
#include "domain/audit.h"
#include "domain/kpi.h"
#include "session/session.h"

/* ---- KPIs (session_kpi.c) ------------------------------------------------------ */

/* A scope: one team ("" every team) and one agent of it ("" the team as a
 * whole). */
typedef struct nx_kpi_scope_opt {
    char team[NX_NAME_MAX];
    char agent[NX_NAME_MAX];
} nx_kpi_scope_opt;

/* The scopes the user may pick, in the order the screen offers them:
 * operations: every team, then each team and its agents; a supervisor:
 * their team, then its agents. Free *out with free(). 0, or -1 with err
 * (the role may not see KPIs, or the store failed). */
int nx_session_kpi_scopes(nx_session *s, nx_kpi_scope_opt **out, size_t *n, char *err,
                          size_t errlen);

/* The zone weeks and months are cut in: TZ when it names a tz database
 * zone, else the zone /etc/localtime links to, else "UTC". */
void nx_session_local_zone(char *tz, size_t len);

typedef struct nx_kpi_view {
    nx_kpi_unit unit;
    char tz[64];
    /* Closed items leave the laptop keep_days after closing (the hub's
     * KEEP_DAYS, else the default keep_closed_days), their history with
     * them: a period that starts before held_from is computed from part
     * of its items. The hub keeps them all. */
    int keep_days;
    int64_t held_from;
    nx_kpi_period periods[NX_KPI_TREND];   /* [NX_KPI_TREND - 1]: the current one */
    nx_kpi k[NX_KPI_TREND];
} nx_kpi_view;

/* The last NX_KPI_TREND weeks or months of the scope, up to now, in tz
 * (NULL: nx_session_local_zone). A supervisor asking for another team (or
 * every team) is refused. 0, or -1 with err. */
int nx_session_kpi(nx_session *s, const nx_kpi_scope_opt *scope, nx_kpi_unit unit,
                   const char *tz, nx_kpi_view *out, char *err, size_t errlen);

typedef enum {
    NX_KPI_NOT_HELD = 0,    /* the hub does not send the role what it is computed from */
    NX_KPI_PART_HELD = 1,   /* a fallback input is not sent: some items are left out */
    NX_KPI_HELD = 2,
} nx_kpi_held_level;

/* Whether the role's cache holds what figure id is computed from; why
 * (may be NULL) gets one line for the help line when it does not. */
nx_kpi_held_level nx_session_kpi_held(const nx_session *s, nx_kpi_id id, char *why,
                                      size_t whylen);

/* ---- the audit review (session_audit.c) -------------------------------------------- */

/* Which events: every non-empty / non-zero criterion must hold (exact
 * user, item id and action; time range [from, to)). */
typedef struct nx_audit_filter {
    char user[NX_NAME_MAX];
    char item[NX_AUDIT_ID_MAX + 1];
    char action[32];
    int64_t from, to;
} nx_audit_filter;

/* How a row is drawn. */
typedef enum {
    NX_AUDIT_MARK_NONE = 0,
    NX_AUDIT_MARK_REVEAL,     /* break-glass: a reveal (shown, or refused) */
    NX_AUDIT_MARK_FAILED,     /* a refused attempt: wrong passphrase, policy said no */
} nx_audit_mark;

/* The highlighting decision: a reveal is break-glass — the one way to see
 * a masked value in full, recorded as action `reveal` with the field and
 * the reason typed (audit.h) — whatever its outcome; any other action
 * with outcome failed is a refused attempt. */
nx_audit_mark nx_audit_review_mark(const char *action, const char *outcome);

/* One event as the screen draws it. reason is what the user typed for a
 * reveal (PHI-like): nx_audit_rows_free wipes it. */
typedef struct nx_audit_view_row {
    int local;                          /* 1: this laptop's own chain */
    int hub;                            /* 1: the hub's own chain (device: "hub", or
                                         * the device its event is about) */
    char device[65];
    int64_t seq, at, hub_seq;
    char user[NX_NAME_MAX], role[NX_NAME_MAX], action[32], outcome[16];
    char item_id[NX_AUDIT_ID_MAX + 1], field[NX_AUDIT_ID_MAX + 1];
    char reason[NX_AUDIT_REASON_MAX + 1];
    nx_audit_mark mark;
} nx_audit_view_row;

/* Opens the review: the role must be allowed `audit`; writes the `view`
 * event (a refusal is written as a failed one). 0, or -1 with err: the
 * screen must not open. */
int nx_session_audit_open(nx_session *s, char *err, size_t errlen);

/* Parses a time range typed on the screen, in tz (NULL: UTC):
 *   ""                      no bound
 *   "YYYY-MM-DD"            that local day
 *   "YYYY-MM-DD..YYYY-MM-DD" from the first day's start to the second's end
 *   "Nh" / "Nd"             the last N hours / days up to now
 * 0 and [*from, *to) (to 0 = open), or -1 with err quoting nothing typed. */
int nx_audit_parse_range(const char *text, const char *tz, int64_t now, int64_t *from,
                         int64_t *to, char *err, size_t errlen);

/* How many events match; -1 with err. */
int64_t nx_session_audit_count(nx_session *s, const nx_audit_filter *f, char *err,
                               size_t errlen);
/* Up to max events from offset, newest first, into out[] (room for max);
 * *n how many. 0, or -1 with err. Free with nx_audit_rows_wipe. */
int nx_session_audit_page(nx_session *s, const nx_audit_filter *f, size_t offset, size_t max,
                          nx_audit_view_row *out, size_t *n, char *err, size_t errlen);
void nx_audit_rows_wipe(nx_audit_view_row *rows, size_t n);

/* One device's chain as held here. This laptop's is walked with its key
 * (every MAC recomputed, the key file's head checked: nx_audit_verify);
 * another device's only for continuity (nx_devev_chain_check: this
 * laptop never holds its key), and so is the hub's own chain
 * (nx_hubev_chain_check: its MACs are keyed with the hub's key). */
typedef struct nx_audit_chain_view {
    int local;
    int hub;                    /* the hub's own chain (device "hub") */
    char device[65];
    int64_t events;
    int64_t verified_upto;      /* linked (and, local, MAC-checked) from 1 up to this seq */
    int64_t broken_at;          /* the first broken link's seq; 0 none */
    int64_t breaks;             /* broken links in all (other devices; local: 0 or 1) */
    char why[160];              /* the first break, in words ("" none): another device's
                                 * why (nx_chain_why_text), this laptop's verify message */
} nx_audit_chain_view;

/* This laptop first, then the hub's own chain (always listed, "no
 * events held" before the first sync), then every other device with
 * events held, by id. Free *out with free(). 0, or -1 with err. */
int nx_session_audit_chains(nx_session *s, nx_audit_chain_view **out, size_t *n, char *err,
                            size_t errlen);

/* ---- the accounting of disclosures -------------------------------------------------- */

/* One entry as the role may see it: recipient, address, what was released
 * (the authorization's scope) and purpose masked like the roi fields
 * recipient_name, recipient_address, auth_scope and auth_purpose for the
 * role (a hidden one shows as "(hidden)"). PHI: wiped by
 * nx_disclosure_views_free. */
typedef struct nx_disclosure_view {
    int64_t at;
    char item_id[NX_ID_MAX];
    char user[NX_NAME_MAX];
    char recipient[NX_VALUE_MAX];
    char address[NX_VALUE_MAX];
    char description[NX_VALUE_MAX];
    char purpose[NX_VALUE_MAX];
} nx_disclosure_view;

/* The accounting of one patient (id as the cache holds it), oldest first:
 * the `audit` action, then the `view` event (item = patient_id, field
 * "disclosures"), then the entries. *held gets how many entries this cache
 * holds for every patient: the hub does not send the accounting to
 * officers' laptops (it keeps it itself), so on theirs it is 0 and every
 * patient's list is empty. 0, or -1 with err (nothing shown). */
int nx_session_disclosures(nx_session *s, const char *patient_id, nx_disclosure_view **out,
                           size_t *n, int64_t *held, char *err, size_t errlen);
void nx_disclosure_views_free(nx_disclosure_view *v, size_t n);

#endif
