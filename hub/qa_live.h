/* hub/qa_live.h — live QA on the hub (issue 6): the samples are drawn as
 * the team's work arrives, stored as oversight records (qa_sample,
 * core/domain/qa_review.h) that reach the team's supervisors through the
 * ordinary pull, and the hub's half of shadowing and of the QA records'
 * rules. The sampling rules and seeds are core/domain/qa.h and hub/qa.c.
 *
 * When a sample is drawn:
 *   - percentage rules (scheduling 2% weekly, prior auth 5% of
 *     submissions weekly) decide each item as its step merges (srv_step,
 *     merge_step.c's one hook): a step INTO the rule's event status — a
 *     final status, or for prior auth "submitted": the SOP audits
 *     submissions, and a submission is the step draft -> submitted (an
 *     appeal's submission is a later step of the same request, not a new
 *     submission) — is decided by the keyed hash of the period's seed and
 *     the item id. The period is the step's own time (the op's time, so
 *     work done offline last week counts in last week's sample), which is
 *     what `nexus-hub qa sample` reads back: the live samples are the
 *     re-derived ones.
 *   - fixed-count rules (eligibility 10 per team weekly, ROI 10 cases
 *     monthly) draw at the end of their period: at the start of the first
 *     sync round after the period ended AND the offline grace passed (so
 *     no late op can still land in it), or by `nexus-hub qa draw`. A
 *     drawn period is marked in meta ("qa_drawn:RULE:PERIOD"), and the
 *     sample ids are deterministic, so a second draw puts nothing new.
 *     The draw excludes nobody: a reviewer's own work is left out of THEIR
 *     queue (core/session/session_qa.h) and refused by the review's rule,
 *     so `qa sample` without --reviewer re-derives the stored sample.
 *
 * Shadowing (the rule is core/session/session_qa.h's): a set, add,
 * status, note, attempt or attach op on an item that has a QA sample is
 * refused unless its user is the item's assignee; assign and resolve stay
 * the supervisor's. */
#ifndef NX_HUB_QA_LIVE_H
#define NX_HUB_QA_LIVE_H

#include "domain/qa_review.h"
#include "hub/qa.h"
#include "hub/serve.h"

#define NX_HUB_ACT_QA_SAMPLE "qa-sample"   /* a QA sample drawn (item; reason: rule, period) */

/* ---- on the store (tests call these with their own clock) ------------------------ */

/* The percentage rules' decision on item `it`, just stepped to it->status
 * at `at` by `who`, inside the caller's transaction. now and hlc stamp a
 * new sample. *sampled (may be NULL) gets 1 when a new sample was put.
 * 0 or -1 with err. */
int nx_hub_qa_step(nx_hub *h, const nx_item *it, int64_t at, const char *who, int64_t now,
                   nx_hlc hlc, int *sampled, char *err, size_t errlen);

/* Puts the sample of (rule, period) as records, inside the caller's
 * transaction: a fixed-count rule's period must have ended by now; a
 * percentage rule's puts every item its seed decides in (what the live
 * draw put, and any it missed). Samples already stored are left as they
 * are. *put (may be NULL) gets how many were new. 0 or -1 with err. */
int nx_hub_qa_draw(nx_hub *h, const char *rule, const char *period, int64_t now, nx_hlc hlc,
                   size_t *put, char *err, size_t errlen);

/* The next fixed-count (rule, period) due for its end-of-period draw at
 * now — ended at least grace_hours ago, not drawn yet, among the last two
 * periods of each rule: 1 (rule and period filled), 0 none, -1. */
int nx_hub_qa_due(nx_hub *h, int64_t now, int grace_hours, const nx_qa_rule **rule,
                  char period[NX_QA_PERIOD_MAX]);
/* Draws it and marks it drawn (caller's transaction). 0 or -1. */
int nx_hub_qa_draw_mark(nx_hub *h, const nx_qa_rule *rule, const char *period, int64_t now,
                        nx_hlc hlc, size_t *put, char *err, size_t errlen);

/* 1 when the item has a QA sample (open or reviewed), 0, -1. */
int nx_hub_qa_sampled(nx_hub *h, const char *item_id);

/* `nexus-hub qa draw --store DIR [--key-file F] --rule R --period P`
 * (argv after "qa"): puts the sample of a period as records now (a fixed-
 * count rule's period must have ended) and prints how many were new.
 * Exit code 0, 1 failed, 2 usage. */
int nx_hub_qa_draw_main(int argc, char **argv);

/* ---- the sync server's hooks ---------------------------------------------------------- */

/* srv_step (merge_step.c) after a step is stored: the live decision.
 * 0 or -1 (store). */
int srv_qa_step(nx_srv *s, const nx_item *it, int64_t at, const char *who);
/* serve.c at the start of each round: the end-of-period draws that are
 * due (in the round's transaction). 0 or -1. */
int srv_qa_round(nx_srv *s);
/* merge.c before a change op on a loaded item: 0 go on, 1 refused (r
 * filled), -1 store. */
int srv_qa_shadow(nx_srv *s, const srv_op *op, const nx_item *it, srv_result *r);
/* record_effects.c: a merged qa_review marks its sample reviewed (it must
 * be open and be that item's, team's and agent's, and not the reviewer's
 * own completion); a merged capa's owner must be an active user (of its
 * team, when a supervisor wrote it) and its item of its team. 0, 1
 * refused (err), -1 store. */
int srv_qa_review_effect(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                         size_t errlen);
int srv_capa_effect(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                    size_t errlen);

#endif
