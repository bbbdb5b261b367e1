/* core/session — live QA review and corrective actions as a signed-in
 * user does them (issue 6). The screens (screens/qa.c, qa_review.c,
 * capa.c) call only these; the rules are core/domain/qa_review.h and
 * capa.h, checked here before writing and again by the hub.
 *
 * The QA queue is a supervisor's: the open QA samples of their team that
 * the hub drew (records of kind qa_sample, which reach only the team's
 * supervisors), less their own work (the sample's owner, or the user who
 * completed the item) and less the samples they have already reviewed
 * here (the hub marks the sample reviewed when the review merges; until
 * the next sync the local review hides it).
 *
 * Shadowing (REQUIREMENTS M14; seed 003: "Users shall not enter data
 * under another User's unique User ID"): a supervisor opens a sampled
 * item read-only — nx_session_qa_shadow loads it through the role's
 * masking and records the `view` event like any opening. The rule, the
 * same here and on the hub (hub/qa_live.c): an item that has a QA sample
 * (open or reviewed) takes changes only from its assignee. Whoever else
 * — the reviewer above all — is refused every change to the work (set a
 * field, units, status step, note, attempt, attachment): the sampled work
 * is scored as the agent's, so a change by anyone else would be data
 * entered under the agent's name. The supervisor's own acts about the
 * item stay theirs and stay possible: re-routing it (assign) and
 * resolving a conflict (resolve), each recorded under their own id. An
 * agent's laptop never holds samples (they are not announced to the
 * agent), so there the guard never refuses; the hub holds every sample.
 *
 * Every function takes err and returns 0, or -1 with a message that names
 * ids and rules, never a value. */
#ifndef NX_SESSION_QA_H
#define NX_SESSION_QA_H

#include <stddef.h>
#include <stdint.h>
#include "domain/audit.h"
#include "domain/capa.h"
#include "domain/qa_review.h"
#include "session/session.h"

/* ---- the QA queue --------------------------------------------------------------- */

typedef struct nx_qa_row {
    char sample_id[40];
    char item_id[NX_ID_MAX];
    nx_kind kind;
    char rule[24];
    char period[NX_QA_PERIOD_MAX];
    char agent[NX_NAME_MAX];          /* whose work: the sample's owner */
    char completed_by[NX_NAME_MAX];   /* who took the completing step */
    int64_t completed_at, drawn_at;
    int held;                         /* the item is in this cache (not archived) */
} nx_qa_row;

/* The queue, oldest completion first (*out: free()). Empty for a role
 * that reviews nothing. */
int nx_session_qa_queue(nx_session *s, nx_qa_row **out, size_t *n, char *err, size_t errlen);

/* One sample as the queue shows it (it must be in the user's queue now:
 * open, visible, not their own work, not reviewed here). 1 found, 0 not
 * in the queue, -1. */
int nx_session_qa_sample(nx_session *s, const char *sample_id, nx_qa_row *out, char *err,
                         size_t errlen);

/* The dashboard's figures. */
typedef struct nx_qa_counts {
    int reviewer;              /* the role reviews QA samples (a supervisor) */
    int64_t to_review;         /* the QA queue's length */
    int64_t capa_open;         /* CAPAs the user may see that are not closed */
    int64_t capa_overdue;      /* of those, due date passed */
} nx_qa_counts;
int nx_session_qa_counts(nx_session *s, nx_qa_counts *out, char *err, size_t errlen);

/* ---- shadowing --------------------------------------------------------------------- */

/* Opens the item of a sample in the user's queue for review, read-only:
 * nx_session_open (scope, the view event) after checking the sample.
 * row (may be NULL) gets the sample. out as nx_session_open's. */
int nx_session_qa_shadow(nx_session *s, const char *sample_id, nx_qa_row *row, nx_item *out,
                         char *err, size_t errlen);
/* The guard every change of an item passes (session_edit.c): 0 the user
 * may change it, or -1 (err says why; a failed event `a` on the item and
 * field is written) when the item is under QA review and the user is not
 * its assignee. */
int nx_session_qa_guard(nx_session *s, const nx_item *it, nx_audit_action a, const char *field,
                        char *err, size_t errlen);
/* 1 when the item is under QA review here (a sample is held for it), 0,
 * -1 store. */
int nx_session_qa_under_review(nx_session *s, const char *item_id);

/* ---- the scorecard ------------------------------------------------------------------- */

/* Writes the review of a sample in the user's queue: res[0..n) in the
 * order of the item kind's scorecard (n must be its size), comment
 * (required when a check fails). The record (qa_review.h) goes with its
 * op and audit event in one transaction; the hub checks it again and
 * marks the sample reviewed. tally (may be NULL) gets the score and the
 * outcome, review_id (may be NULL) the review's id. */
int nx_session_qa_review(nx_session *s, const char *sample_id, const nx_qa_result *res,
                         size_t n, const char *comment, nx_qa_tally *tally,
                         char review_id[40], char *err, size_t errlen);

/* ---- corrective actions --------------------------------------------------------------- */

typedef struct nx_capa_view {
    nx_record rec;             /* the columns; rec.body as stored */
    nx_capa_body b;            /* the body parsed (may hold PHI) */
    int overdue;
    int pending;               /* a change made here waits for the hub */
    char refused[512];         /* the hub refused the last change here: why */
    int counts_only;           /* the hub sent it without its text (operations) */
} nx_capa_view;

/* The CAPAs the user may see (a supervisor: the team's; an owner: theirs),
 * not closed first by due date, then closed ones newest first; at most
 * 500. Free with nx_capa_views_free (wipes). */
int nx_session_capa_list(nx_session *s, nx_capa_view **out, size_t *n, char *err,
                         size_t errlen);
void nx_capa_views_free(nx_capa_view *v, size_t n);
/* One CAPA by id if the user may see it: 1 (clear out->rec after; wipe
 * out->b), 0, -1. */
int nx_session_capa_get(nx_session *s, const char *id, nx_capa_view *out, char *err,
                        size_t errlen);

/* What the CAPA form sends. id "" = a new CAPA (then item_id and review
 * may name its origin; status is "open"). Empty owner or due 0 on a
 * change keep the stored ones. */
typedef struct nx_capa_spec {
    char id[40];
    char item_id[NX_ID_MAX];
    char review[40];
    char owner[NX_NAME_MAX];
    int64_t due;
    char status[16];
    const char *finding, *action, *resolution;   /* NULL = keep (a change) / "" (new) */
} nx_capa_spec;

/* Saves a new CAPA or a change (capa.h's lifecycle); id_out (may be NULL)
 * gets its id. */
int nx_session_capa_save(nx_session *s, const nx_capa_spec *spec, char id_out[40], char *err,
                         size_t errlen);

/* A due date typed on the form ("YYYY-MM-DD") as the end of that day in
 * the user's local zone (TZ, else /etc/localtime, else UTC). 0 or -1. */
int nx_session_capa_due(const char *text, int64_t *due, char *err, size_t errlen);

#endif
