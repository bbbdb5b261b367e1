/* core/domain/capa — corrective and preventive actions (seed 000 §8 "QA
 * program: ... corrective action plans (CAPA)", §10 "Post-mortem & CAPA";
 * issue 6: "findings open a CAPA with owner, due date and status, tracked
 * to closure"). The lifecycle as rules on records of kind `capa`
 * (core/domain/record.h columns), shared by the client (before writing)
 * and the hub (before merging). Pure: no SQL, no curses.
 *
 * A CAPA record:
 *   item_id  the item the finding is about ("" when none); team its team
 *            (else the author's)
 *   owner    who must act (a user id); due  the due date (unix seconds,
 *            required); status  open | in-progress | closed
 *   body     {"finding": what was found (required), "action": what is to
 *             be done (required), "review": the qa_review it came from
 *             ("" none), "resolution": what was done ("" until closure)}
 *            (<= NX_CAPA_TEXT_MAX bytes each; may hold PHI: wiped)
 *
 * Who may do what (the "managers" of a CAPA are the supervisors of its
 * team and the privacy and security officers, who open CAPAs from an
 * incident's post-mortem):
 *   - create: a manager (a supervisor only for their own team), status
 *     open, an owner, a due date after its creation, finding and action;
 *   - change: a manager may re-plan it (owner, due date, action) and move
 *     it open -> in-progress -> closed (or straight to closed), and reopen
 *     a closed one (-> in-progress); closing needs a resolution — a CAPA is
 *     tracked to closure, and the closure says what was done;
 *   - the owner (not a manager) may take it in hand (open -> in-progress)
 *     and write the resolution, nothing else: closing is the manager's
 *     check that the action worked;
 *   - never: a change of its team, item, finding or originating review.
 * Overdue: a due date that has passed on a CAPA that is not closed. */
#ifndef NX_DOMAIN_CAPA_H
#define NX_DOMAIN_CAPA_H

#include <stddef.h>
#include <stdint.h>
#include "domain/record.h"

#define NX_CAPA_TEXT_MAX 2000

typedef struct nx_capa_body {
    char finding[NX_CAPA_TEXT_MAX + 1];
    char action[NX_CAPA_TEXT_MAX + 1];
    char review[40];
    char resolution[NX_CAPA_TEXT_MAX + 1];
} nx_capa_body;                 /* PHI possible: sodium_memzero after use */

/* The body's JSON (heap; wipe and free()). 0 or -1. */
int nx_capa_body_json(const nx_capa_body *in, char **json);
/* Strict: exactly the four keys, strings within the limit. 0 or -1 with
 * err (never quotes a value). */
int nx_capa_body_parse(const char *json, nx_capa_body *out, char *err, size_t errlen);

/* 1 when status is one of open, in-progress, closed. */
int nx_capa_status_ok(const char *status);
/* 1 when the CAPA's due date has passed at now and it is not closed. */
int nx_capa_overdue(const nx_record *r, int64_t now);
/* 1 when (role, user's team) manages CAPAs of team (see above). */
int nx_capa_manager(nx_role role, const char *user_team, const char *capa_team);

/* A due date typed as "YYYY-MM-DD": due at the end of that day in tz
 * (the start of the next local day). 0, or -1 with err. */
int nx_capa_due_parse(const char *tz, const char *date, int64_t *due, char *err, size_t errlen);

/* record.c's kind_check[] entry for capa. */
int nx_capa_check(const nx_record *prev, const nx_record *next, nx_role role, const char *user,
                  const char *team, char *err, size_t errlen);

#endif
