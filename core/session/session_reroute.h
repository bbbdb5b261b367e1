/* core/session — re-routing a whole agent's queue (issue 6; seed 000 §12:
 * "queue re-routing" in an outage or an absence). The per-item re-routing
 * is nx_session_assign (session.h); this moves every open item of one
 * agent at once, with the same rules and the same writes per item.
 *
 * What moves: the items of the supervisor's scope (their team) assigned
 * to `from` whose status is not final for their kind (the workflow's
 * final statuses: closed, completed...), of one kind — the queue screen
 * is per kind — or of every kind (NX_KIND_COUNT). They are dealt to the
 * targets in turn (round-robin) in due order, the earliest due first and
 * items without a due time last, so the most urgent are spread first and
 * no target gets more than one item more than another.
 *
 * One transaction, all or nothing: each item gets its new assignee, its
 * `assign` op and its `assign` audit event (field "assignee") under the
 * supervisor's id, exactly as nx_session_assign writes them
 * (sess_assign_write); if any write fails, nothing of it stays. The hub
 * checks each op again (an active user of the item's team) and then drops
 * the items from the old agent's laptop and sends them to the new ones'.
 *
 * Refused, with nothing written: a role other than supervisor or a policy
 * without assign (the attempt is audited as failed, like
 * nx_session_assign's); a `from` or a target that is not a user id (the
 * same check as nx_session_assign); no target; `from` among the targets;
 * a target named twice; more than NX_REROUTE_TARGETS_MAX targets; nothing
 * to move. Messages name user ids and item ids, never a value. */
#ifndef NX_SESSION_REROUTE_H
#define NX_SESSION_REROUTE_H

#include <stddef.h>
#include "session/session.h"

#define NX_REROUTE_TARGETS_MAX 16

typedef struct nx_reroute_share {
    char user[NX_NAME_MAX];
    int n;                       /* items moved to this user */
} nx_reroute_share;

typedef struct nx_reroute_result {
    int moved;                   /* items moved in all */
    size_t ntargets;
    nx_reroute_share to[NX_REROUTE_TARGETS_MAX];   /* in the order given */
} nx_reroute_result;

/* "bob, carol" (commas and/or blanks between ids) into out[0..*n), with
 * the checks nx_session_reroute_agent makes of its targets: user ids, at
 * least one, at most max (and NX_REROUTE_TARGETS_MAX), none twice, not
 * `from`. 0, or -1 with err. */
int nx_reroute_parse_targets(const char *text, const char *from, char (*out)[NX_NAME_MAX],
                             size_t max, size_t *n, char *err, size_t errlen);

/* How many items nx_session_reroute_agent would move now (>= 0), or -1
 * with err (not a supervisor — not audited, nothing is attempted — or a
 * bad user id). kind: one kind, or NX_KIND_COUNT for every kind. */
int nx_session_reroute_count(nx_session *s, nx_kind kind, const char *from, char *err,
                             size_t errlen);

/* Moves every open item of `from` (kind: one, or NX_KIND_COUNT for all)
 * to targets[0..ntargets), round-robin in due order. out (may be NULL)
 * says how many went to whom. 0, or -1 with err and nothing changed. */
int nx_session_reroute_agent(nx_session *s, nx_kind kind, const char *from,
                             const char *const *targets, size_t ntargets, nx_reroute_result *out,
                             char *err, size_t errlen);

/* "moved 7 items: 4 to bob, 3 to carol" (cut short, never overrun). */
void nx_reroute_summary(const nx_reroute_result *r, char *buf, size_t len);

#endif
