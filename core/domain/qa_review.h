/* core/domain/qa_review — live QA review (issue 6): the scorecard of each
 * work-item kind, its score and the overall pass/fail rule, the ids and
 * bodies of the QA records, and the rules record.c applies to them
 * (kind_check[]). Pure functions: no SQL, no curses. The sampling rules
 * themselves (which items, how many) are core/domain/qa.h; corrective
 * actions are core/domain/capa.h.
 *
 * The scorecard (seed 000 §7.2-7.7, §8, App. D; REQUIREMENTS §9): each
 * kind's checks come from its SOP's procedure and quality checks —
 *   scheduling   identity verified; approved script or template; no
 *                sensitive data in SMS/email; minimum necessary; correct
 *                channel; documentation complete (time, outcome, next
 *                action); escalation followed
 *   eligibility  identity verified; minimum necessary; correct channel;
 *                documentation complete; pre-auth need flagged and handed
 *                off (§7.3)
 *   prior-auth   identity verified; minimum necessary; correct channel;
 *                documentation complete (App. E); fax number verified and
 *                confirmation attached; follow-up within payer timelines
 *   roi          the App. D checklist — authorization, identity
 *                verification (of the recipient entity), secure channel,
 *                logging — plus minimum necessary and the fax check (§7.7)
 * Each check is pass, fail or not applicable.
 *
 * Score and overall rule: score = the percentage of applicable checks
 * passed (rounded half up; n/a checks count for nothing, and a review
 * needs at least one applicable check). The review PASSES only when no
 * applicable check fails: each check is an SOP requirement (a missed
 * identity verification is a privacy finding whatever the rest says), so
 * any fail is a finding, the review's status is `fail` and its comment
 * must say what was found — that finding is what a CAPA is opened on.
 * The score is kept for trends and coaching; the KPI "QA pass rate" reads
 * the status.
 *
 * Records (core/domain/record.h columns; bodies are JSON objects):
 *   qa_sample  written by the hub only (any device op is refused).
 *     id      "qs-" + 32 hex digits: the first 16 bytes of BLAKE2b over
 *             "rule\nperiod\nitem_id", so drawing the same (rule, period,
 *             item) again names the same record (a re-draw never
 *             duplicates; the suggested "qa-rule-period-item" does not
 *             fit the 39 bytes of an id with a uuid item id)
 *     item_id the sampled item; team its team; author "hub"
 *     owner   whose work it is: the item's assignee when it completed
 *             (else the user who took the completing step)
 *     status  open | reviewed (the hub marks it when a review merges)
 *     body    {"rule", "period", "kind", "completed_by", "completed_at",
 *              "drawn": "live" (percentage rules, as the item completes)
 *                     | "period-end" (fixed-count rules)}
 *   qa_review  written by a supervisor of the item's team, once per sample.
 *     id      "qr-" + the sample id's 32 hex digits: one review per sample
 *             (a second review of the same sample is a change of the
 *             first, and a review never changes once written)
 *     item_id the item; team its team; owner the agent reviewed (the
 *             sample's owner, never the reviewer); due 0
 *     status  pass | fail, as the overall rule gives it
 *     body    {"sample": sample id, "kind": the item's kind,
 *              "checks": [{"id", "result": "pass"|"fail"|"na"}, ...] — the
 *                        kind's scorecard, each check once, in its order,
 *              "comment": text (required when a check fails, <= 2000),
 *              "score": 0..100 as computed}
 * The rules that need the stored sample (it exists and is open, it is of
 * that item, team and agent, the reviewer did not complete it) are checked
 * by the session against the cache and by the hub against its store
 * (hub/qa_live.c), where nx_record_check cannot look. */
#ifndef NX_DOMAIN_QA_REVIEW_H
#define NX_DOMAIN_QA_REVIEW_H

#include <stddef.h>
#include <stdint.h>
#include "domain/dict.h"
#include "domain/qa.h"
#include "domain/record.h"

#define NX_QA_CHECKS_MAX 8
#define NX_QA_COMMENT_MAX 2000
#define NX_QA_ID_LEN 35            /* "qs-" + 32 hex digits */

typedef enum { NX_QA_NA = 0, NX_QA_PASS = 1, NX_QA_FAIL = 2 } nx_qa_result;
const char *nx_qa_result_name(nx_qa_result r);   /* "na", "pass", "fail" */
int nx_qa_result_parse(const char *s);            /* -1 if not one of them */

typedef struct nx_qa_check {
    const char *id;            /* stable: stored in reviews */
    const char *label;         /* as the scorecard shows it */
    const char *help;          /* what passes, and the seed's section */
} nx_qa_check;

/* The scorecard of kind k: *out gets its checks (in order), returns how
 * many (0 when k is not a kind). */
size_t nx_qa_scorecard(nx_kind k, const nx_qa_check **out);

/* The tally of results r[0..n) of a scorecard. */
typedef struct nx_qa_tally {
    int pass, fail, na;
    int score;                 /* 0..100; 0 when nothing applies */
    int passed;                /* 1: no applicable check failed */
} nx_qa_tally;
/* 0, or -1 when no check applies (a review must score something). */
int nx_qa_tally_of(const nx_qa_result *r, size_t n, nx_qa_tally *out);

/* ---- ids ------------------------------------------------------------------------- */

/* "qs-" + hex: out has room for 40. 0, or -1 (an empty part). */
int nx_qa_sample_id(const char *rule, const char *period, const char *item_id, char out[40]);
/* The id of the one review of a sample ("qr-" + its hex). -1 when
 * sample_id is not a sample id. */
int nx_qa_review_id(const char *sample_id, char out[40]);

/* ---- sample bodies --------------------------------------------------------------- */

typedef struct nx_qa_sample_info {
    char rule[24];
    char period[NX_QA_PERIOD_MAX];
    char kind[24];
    char completed_by[64];
    int64_t completed_at;
    char drawn[16];            /* "live" | "period-end" */
} nx_qa_sample_info;

/* The body's JSON (heap; free()). 0 or -1. */
int nx_qa_sample_body(const nx_qa_sample_info *in, char **json);
/* Parses a sample's body; unknown keys are ignored (the hub may add
 * some), the ones above must be there and typed. 0 or -1 with err. */
int nx_qa_sample_parse(const char *json, nx_qa_sample_info *out, char *err, size_t errlen);

/* ---- review bodies --------------------------------------------------------------- */

typedef struct nx_qa_review_body {
    char sample[40];
    nx_kind kind;
    size_t n;                              /* the kind's scorecard size */
    nx_qa_result res[NX_QA_CHECKS_MAX];    /* in the scorecard's order */
    char comment[NX_QA_COMMENT_MAX + 1];   /* may hold PHI: wipe */
    int score;
} nx_qa_review_body;

/* The body's JSON (heap; wipe and free()). The checks are written from
 * the kind's scorecard and res[]; score is written as given. 0 or -1. */
int nx_qa_review_body_json(const nx_qa_review_body *in, char **json);
/* Strict: exactly the keys above, the kind's checks each once in order,
 * results, a comment within the limit, a score 0..100. 0 or -1 with err
 * (never quotes the comment). */
int nx_qa_review_parse(const char *json, nx_qa_review_body *out, char *err, size_t errlen);

/* ---- the kinds' rules (record.c's kind_check[]) ------------------------------------ */

/* qa_sample: the hub draws them; no device writes one. */
int nx_qa_sample_check(const nx_record *prev, const nx_record *next, nx_role role,
                       const char *user, const char *team, char *err, size_t errlen);
/* qa_review: new only (a review is final), by a supervisor of the
 * record's team, never about their own work (owner != user), the id that
 * of its sample, a body that parses, status and score as its checks give,
 * a comment when a check fails, no due date. */
int nx_qa_review_check(const nx_record *prev, const nx_record *next, nx_role role,
                       const char *user, const char *team, char *err, size_t errlen);

#endif
