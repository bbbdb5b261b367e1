/* core/domain/qa.h — QA sampling rules of the SOPs (seed 000 §7) and the
 * reproducible draws behind them. No SQL, no curses: the hub feeds item ids
 * and stores the seeds (hub/qa.c).
 *
 * Why keyed hashes: an auditor must be able to re-derive a sample from the
 * seed recorded for (rule, period) and the items, byte for byte, and a
 * percentage rule must decide each item live, as it completes, without
 * waiting for the period to end. A BLAKE2b hash of the item id keyed with
 * the period's 32-byte seed gives both: its first 8 bytes (big-endian) as a
 * 64-bit integer h; a percentage rule samples the item when
 * h < rate x 2^64; a fixed-count rule ranks the period's candidates by h
 * (then id) and takes the first N.
 *
 * Periods are computed in UTC: ISO week "2026-W48" (weekly rules) and
 * month "2026-11" (monthly rules). */
#ifndef NX_QA_H
#define NX_QA_H

#include <stddef.h>
#include <stdint.h>

#include "domain/dict.h"

#define NX_QA_SEED_BYTES 32
#define NX_QA_PERIOD_MAX 16     /* "2026-W48", "2026-11" + NUL */
#define NX_QA_PPM 1000000u

typedef enum { NX_QA_PERCENT, NX_QA_COUNT } nx_qa_mode;
typedef enum { NX_QA_WEEK, NX_QA_MONTH } nx_qa_span;

typedef struct nx_qa_rule {
    const char *name;           /* rule id = the kind's name: "scheduling", ... */
    nx_kind kind;
    nx_qa_mode mode;
    uint32_t rate_ppm;          /* NX_QA_PERCENT: parts per million (2% = 20000) */
    unsigned count;             /* NX_QA_COUNT: items per period (per team if per_team) */
    nx_qa_span span;
    int per_team;               /* 1: the count applies to each team separately */
    /* The event that makes an item a candidate: a transition to this status
     * ("submitted" for prior auth: 5% of submissions), or NULL = a
     * transition to a final (closed) status of the kind. */
    const char *event_status;
} nx_qa_rule;

/* The SOP rules: scheduling 2% weekly; eligibility 10 per team weekly;
 * prior-auth 5% of submissions weekly; roi 10 cases monthly. */
const nx_qa_rule *nx_qa_rule_find(const char *name);   /* NULL if unknown */
const nx_qa_rule *nx_qa_rule_at(size_t i);             /* NULL past the last */

/* 1 when status (a transition's to_status) is the rule's event. */
int nx_qa_is_event(const nx_qa_rule *r, const char *status);

/* The rule's period holding unix time at (UTC): "2026-W48" or "2026-11".
 * 0, or -1 (out too small, time out of range). */
int nx_qa_period_of(const nx_qa_rule *r, int64_t at, char *out, size_t outlen);
/* Parses a period of the rule's span into [*start, *end) unix seconds
 * (UTC). 0, or -1 when the text is not a period of that span. */
int nx_qa_period_bounds(const nx_qa_rule *r, const char *period, int64_t *start, int64_t *end);

/* The keyed hash of an item id (first 8 bytes of BLAKE2b-256 keyed with
 * seed, big-endian). */
uint64_t nx_qa_hash(const unsigned char seed[NX_QA_SEED_BYTES], const char *item_id);
/* A percentage rule's live decision: 1 sampled, 0 not. rate_ppm >=
 * NX_QA_PPM samples everything, 0 nothing. */
int nx_qa_decide(const unsigned char seed[NX_QA_SEED_BYTES], const char *item_id,
                 uint32_t rate_ppm);

/* A candidate: an item that met the rule's event in the period, and the
 * user who did it (its "completing user"). */
typedef struct nx_qa_cand {
    const char *item_id;
    const char *user;           /* NULL or "" = unknown */
} nx_qa_cand;

/* A fixed-count draw: ranks the candidates by keyed hash (then item id)
 * and writes the indexes of the first `count` into out_idx (room for
 * min(n, count)), in rank order. Candidates whose user is reviewer
 * (non-NULL, non-empty) are left out first: a reviewer's own work is never
 * in their sample. Returns how many were written (count, or all the
 * eligible ones when fewer), or (size_t)-1 when out of memory. */
size_t nx_qa_draw(const unsigned char seed[NX_QA_SEED_BYTES], const nx_qa_cand *cands,
                  size_t n, size_t count, const char *reviewer, size_t *out_idx);

/* The rule applied to one period's candidates (one team's, for a per-team
 * rule): percentage rules decide each, count rules draw. out_idx has room
 * for n; indexes are written in candidate order (percent) or rank order
 * (count). Returns how many, or (size_t)-1. */
size_t nx_qa_select(const nx_qa_rule *r, const unsigned char seed[NX_QA_SEED_BYTES],
                    const nx_qa_cand *cands, size_t n, const char *reviewer, size_t *out_idx);

#endif
