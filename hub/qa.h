/* hub/qa.h — the hub's side of QA sampling (issue 6, seed 000 §7): the
 * seed per (rule, period), drawn at random on first use and kept in the
 * store (qa_seeds, hub migration 3) with a hub audit event, and the sample
 * re-derived from it and the period's items (`nexus-hub qa sample`). The
 * rules and the draws themselves are core/domain/qa.h. */
#ifndef NX_HUB_QA_H
#define NX_HUB_QA_H

#include "domain/qa.h"
#include "hub/hub.h"

#define NX_HUB_ACT_QA_SEED "qa-seed"   /* a QA seed drawn (reason: rule and period) */

/* The stored seed of (rule, period): 1 found, 0 none, -1 error. */
int nx_hub_qa_seed_get(nx_hub *h, const char *rule, const char *period,
                       unsigned char seed[NX_QA_SEED_BYTES]);
/* The seed of (rule, period), drawing and storing a new one (with a hub
 * audit event) when there is none. Inside the caller's transaction.
 * period must be a period of the rule (nx_qa_period_bounds). 1 found,
 * 0 created, -1 error (message in err). */
int nx_hub_qa_seed_ensure(nx_hub *h, const nx_qa_rule *r, const char *period,
                          unsigned char seed[NX_QA_SEED_BYTES], char *err, size_t errlen);

/* The sample of rule in period for reviewer (NULL = nobody excluded):
 * the period's candidates are the rule's kind's items with a transition in
 * [start, end) to the rule's event status (a final status, or "submitted"
 * for prior auth), each counted once at its first such transition, whose
 * user is the completing user. Ensures the seed (own transaction), then
 * calls cb with each sampled item id in byte order (strcmp). 0 done, a
 * non-zero return of cb, or -1 (err). *candidates (may be NULL) gets how
 * many candidates the period had. */
int nx_hub_qa_sample(nx_hub *h, const char *rule, const char *period, const char *reviewer,
                     nx_hub_id_cb cb, void *arg, size_t *candidates, char *err, size_t errlen);

/* The same inside the caller's transaction (the seed, when new, is
 * stored in it): the live draws of hub/qa_live.c. */
int nx_hub_qa_sample_in(nx_hub *h, const char *rule, const char *period, const char *reviewer,
                        nx_hub_id_cb cb, void *arg, size_t *candidates, char *err,
                        size_t errlen);

/* `nexus-hub qa sample --store DIR [--key-file F] --rule R --period P
 * [--reviewer U]` (argv after "qa"): prints the sampled ids, one a line,
 * sorted. Exit code 0, 1 failed, 2 usage. */
int nx_hub_qa_main(int argc, char **argv);

#endif
