/* core/domain/policy — minimum necessary: what each role may see of each
 * field, which actions it may take, and which items it sees; and the one
 * masking function every screen and the hub's outgoing filter use.
 *
 * The policy is a text file (assets/policy.txt), one rule a line:
 *
 *   field ROLE FIELD LEVEL     level of one dictionary field for a role
 *   class ROLE CLASS LEVEL     level of every field of a PHI class
 *                              (nx_phi_name: name, address, date, ..., clinical, none)
 *   allow ROLE ACTION[,ACTION...]
 *   scope ROLE own|team|all|none
 *
 * '#' starts a comment; blank lines are ignored; words are separated by
 * blanks. A field rule beats its class rule; a field with neither is
 * hidden, a role with no allow line may do nothing, a role with no scope
 * sees no items (fail closed). Each rule may be given once: a second
 * rule for the same role and field, class, action or scope is an error,
 * so an edit cannot be silently shadowed by an older line.
 *
 * Two roles are fixed by DESIGN.md whatever the file says, and the parser
 * refuses a file that contradicts them: the auditor is read-only (no
 * create, edit, status, note, assign or review), and operations sees
 * aggregates only (nothing but kpi and incident, every field that can
 * hold PHI hidden).
 *
 * A malformed file stops start-up: errors read "file:line: problem". */
#ifndef NX_POLICY_H
#define NX_POLICY_H

#include <stddef.h>
#include "domain/dict.h"
#include "domain/roles.h"

/* DESIGN.md's four visibility levels, ordered by how much is held:
 * hidden < partial < reveal < full. */
typedef enum {
    NX_LEVEL_HIDDEN,   /* never leaves the hub; never handed to a screen */
    NX_LEVEL_PARTIAL,  /* only the masked form is ever sent or held */
    NX_LEVEL_REVEAL,   /* held in the encrypted cache, shown masked, shown in
                        * full after a reason is given (audited) */
    NX_LEVEL_FULL,     /* sent and shown */
    NX_LEVEL_COUNT
} nx_level;
const char *nx_level_name(nx_level l);   /* "hidden", "partial", "reveal", "full" */
int nx_level_parse(const char *name);    /* -1 if unknown */

/* What a role may do: the one list the policy file, the screens and the
 * hub's op authorization share. */
#define NX_ACTIONS(X)                                                          \
    X(VIEW, "view", "open items in scope and read the fields the policy shows") \
    X(CREATE, "create", "create work items")                                   \
    X(EDIT, "edit", "change field values")                                     \
    X(STATUS, "status", "move an item through its workflow")                   \
    X(REVEAL, "reveal", "show a reveal-level field in full, with a reason")    \
    X(NOTE, "note", "append a note")                                           \
    X(ASSIGN, "assign", "assign or re-route items")                            \
    X(REVIEW, "review", "QA review: scorecards and corrective actions")        \
    X(KPI, "kpi", "KPI dashboard and aggregates")                              \
    X(AUDIT, "audit", "read the audit trail and the accounting of disclosures") \
    X(INCIDENT, "incident", "report an incident")

typedef enum {
#define NX_ACTION_ENUM(id, name, help) NX_ACTION_##id,
    NX_ACTIONS(NX_ACTION_ENUM)
#undef NX_ACTION_ENUM
    NX_ACTION_COUNT
} nx_action;
const char *nx_action_name(nx_action a);
const char *nx_action_help(nx_action a);
int nx_action_parse(const char *name);   /* -1 if unknown */

/* Which items a role sees. own: the items assigned to the user (and the
 * unassigned ones of their queue, to pick up); team: every item of the
 * user's team (supervisors); all: every item; none: no item at all. */
typedef enum { NX_SCOPE_NONE, NX_SCOPE_OWN, NX_SCOPE_TEAM, NX_SCOPE_ALL } nx_scope;
const char *nx_scope_name(nx_scope s);
int nx_scope_parse(const char *name);    /* -1 if unknown */

typedef struct nx_policy nx_policy;

/* Parses the policy file at path against dictionary d (field rules must
 * name its fields; d must outlive the policy). 0 and *out on success;
 * -1 with "file:line: problem" in err otherwise. */
int nx_policy_load(const char *path, const nx_dict *d, nx_policy **out, char *err, size_t errlen);
/* The same from a string; name stands for the file in messages. */
int nx_policy_parse_string(const char *text, const char *name, const nx_dict *d,
                           nx_policy **out, char *err, size_t errlen);
void nx_policy_free(nx_policy *p);

/* The effective level of field f for role r: its field rule, else its
 * class rule, else hidden; lowered to hidden when the role may neither
 * view items nor count them for KPIs (operations holds the workflow facts
 * it counts, never a PHI field: the parser sees to that), and to partial
 * when it may not reveal (a value it can never be
 * shown is not worth holding). f may come from another dictionary than
 * the policy's (a test's, with extra fields): it is matched by id, and a
 * field the policy's dictionary lacks gets its class rule. */
nx_level nx_policy_level(const nx_policy *p, nx_role r, const nx_field_def *f);
/* 1 when role r may take action a. */
int nx_policy_allows(const nx_policy *p, nx_role r, nx_action a);
nx_scope nx_policy_scope(const nx_policy *p, nx_role r);

/* ---- masking (mask.c) ---------------------------------------------------- */

/* What the masked copy is for. */
typedef enum {
    NX_MASK_SHOW,  /* what a screen draws: full as is; reveal and partial
                    * masked; hidden nothing */
    NX_MASK_HOLD,  /* what the role may hold: the hub's outgoing filter, and
                    * a screen after an audited reveal: full and reveal as
                    * is; partial masked; hidden nothing */
} nx_mask_target;

/* The one masking function. Writes into out (NUL-terminated, cut at a
 * character boundary if outlen is short; NX_VALUE_MAX fits any value)
 * the form of value that role r may have for target, and returns the
 * effective level. Hidden gives "" and NX_LEVEL_HIDDEN: the caller omits
 * the field altogether (no label, no placeholder). An empty value stays
 * empty at every level. */
nx_level nx_mask(const nx_policy *p, nx_role r, const nx_field_def *f, const char *value,
                 nx_mask_target target, char *out, size_t outlen);

/* The masked form of value by f's PHI class, whatever the role: what the
 * hub sends for a partial field and a screen shows for a reveal one.
 * U+2022 bullets; characters are code points, never split bytes:
 *   name                    each word's first letter + "•••"   "J••• N•••"
 *   address                 "•••" + the last two comma-separated parts
 *                           (town, state ZIP: what a limited data set keeps)
 *                           "•••, Springfield, IL 62704"; no comma: "•••"
 *   date                    the year, every other digit a bullet
 *                           "1980-••-••", "2026-••-•• ••:••"
 *   phone, fax, ssn, mrn, plan-id, account, license, vehicle, device
 *                           "••••" + the last 4 characters when at least
 *                           8 (so as many stay hidden as are shown), else
 *                           "••••"                              "••••0123"
 *   email                   first character + "•••@" + domain
 *   url, ip, biometric, photo, clinical, none
 *                           "••••"
 * Lengths are not revealed: the bullet counts are fixed. Masking a masked
 * form gives it back unchanged, so a client may re-mask what the hub
 * already masked. A value that is not valid UTF-8 gives "••••". */
void nx_mask_partial_value(const nx_field_def *f, const char *value, char *out, size_t outlen);

#define NX_MASK_BULLET "\xe2\x80\xa2"   /* U+2022 */

#endif
