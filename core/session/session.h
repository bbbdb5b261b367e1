/* core/session — what a signed-in user does to work items, with every rule
 * applied in one place: scope and actions from the policy, values checked
 * by the dictionary, steps by the workflow, and each change written in ONE
 * store transaction together with its audit event (if the event cannot be
 * written, the change is not made). Screens and the hub call this; they
 * never write items themselves. */
#ifndef NX_SESSION_H
#define NX_SESSION_H

#include <stdint.h>
#include "domain/dict.h"
#include "domain/item.h"
#include "domain/policy.h"
#include "domain/roles.h"
#include "profile/profile.h"

typedef int64_t (*nx_clock_fn)(void *ctx);

typedef struct nx_session {
    nx_profile *profile;        /* open: store, vault, audit context */
    const nx_dict *dict;
    nx_policy *policy;          /* owned */
    nx_role role;
    char user[NX_NAME_MAX];
    char team[NX_NAME_MAX];
    nx_clock_fn clock;          /* NULL = the system clock; tests pin time */
    void *clock_ctx;
    /* 1 = changes write no sync op. Default 0: every change writes its op
     * to the outbox in the transaction of the change and its audit event
     * (core/store/sync_store.h). Kept across nx_session_start, like clock. */
    int outbox_off;
} nx_session;

/* Loads the policy (policy_path, or assets/policy.txt when NULL) against
 * dict and takes user, role and team from the unlocked profile. Writes a
 * login event. */
int  nx_session_start(nx_session *s, nx_profile *p, const nx_dict *dict,
                      const char *policy_path, char *err, size_t errlen);
/* Writes a logout event; frees the policy. The profile stays open. */
void nx_session_end(nx_session *s);
int64_t nx_session_now(const nx_session *s);

/* ---- items ----------------------------------------------------------------- */

/* Creates an item of kind k for an existing client and patient, assigned to
 * the session's user, in the kind's first status. id_out gets the new id. */
int nx_session_create(nx_session *s, nx_kind k, const char *client_id, const char *patient_id,
                      int priority, char id_out[NX_ID_MAX], char *err, size_t errlen);

/* Opens an item for work: checks scope (own / team / all), loads it and
 * records one `view` event — once per opening, not per redraw. The item
 * holds every value the role may hold; screens see it only through
 * nx_session_form (masked). */
int nx_session_open(nx_session *s, const char *id, nx_item *out, char *err, size_t errlen);

/* Records one field: policy (edit, and the field shown in full), the
 * dictionary's check (the value is stored in canonical form), the
 * workflow's rules (identity first, channel, template...). err names the
 * field, never the value. */
int nx_session_set(nx_session *s, nx_item *it, const char *field, const char *value,
                   char *err, size_t errlen);

/* Moves the item to status `to` if the workflow allows it now; writes the
 * transition (time-stamped for KPIs), the audit event, and what the step
 * implies: the prior-auth item an eligibility hand-off creates (linked_out
 * gets its id, may be NULL), the accounting-of-disclosures entry of an ROI
 * release, follow-up and due times. */
int nx_session_transition(nx_session *s, nx_item *it, const char *to,
                          char linked_out[NX_ID_MAX], char *err, size_t errlen);

/* Appends a note (never edited); corrects = id of the note it corrects, or
 * 0: the original stays (seed 001). */
int nx_session_note(nx_session *s, nx_item *it, const char *body, int64_t corrects,
                    char *err, size_t errlen);

/* Records a reference to a document in the client's designated system
 * (an id, never the document's bytes: nothing of it is stored here). */
int nx_session_attach(nx_session *s, nx_item *it, const char *ref, const char *label,
                      char *err, size_t errlen);

/* Logs an outreach attempt (scheduling): channel, outcome, next action. */
int nx_session_attempt(nx_session *s, nx_item *it, const char *channel, const char *outcome,
                       const char *next_action, char *err, size_t errlen);

/* Break-glass: shows a `reveal` field in full after a reason, audited.
 * Refused for partial and hidden fields (the value is not held for this
 * role) and without a reason. out gets the value. */
int nx_session_reveal(nx_session *s, nx_item *it, const char *field, const char *reason,
                      char *out, size_t outlen, char *err, size_t errlen);

/* ---- supervisors: re-routing and the conflict inbox (session_super.c) ----------- */

/* Re-routes the item to new_assignee (a user id; "" = nobody: back to the
 * queue). Supervisors only (the role, and the policy's assign), items of
 * their team. One transaction: the item's new assignee, an `assign` audit
 * event (field "assignee") and an assign op, under the supervisor's id.
 * The hub checks it again (an active user of the item's team) and then
 * drops the item from the old agent's laptop and sends it to the new
 * one's. */
int nx_session_assign(nx_session *s, nx_item *it, const char *new_assignee, char *err,
                      size_t errlen);

/* One row of the conflict inbox as a screen may draw it. */
typedef struct nx_conflict_view {
    int64_t id;                 /* the hub's conflict id */
    char item_id[NX_ID_MAX];
    char kind[16];              /* "status" or "field" */
    char field[64];             /* field id ("status", "assignee", ...) */
    char label[64];             /* the field as the form names it */
    char shown[NX_VALUE_MAX];   /* the losing value, masked as the screen shows it */
    char detail[600];           /* the hub's words (ids and statuses, no value) */
    int64_t at;
    char state[16];             /* open, or applied / discarded waiting for the hub */
} nx_conflict_view;

/* The inbox, open rows first: *out (free with nx_conflict_views_free) and
 * *n. Empty for a role the hub sends none to. 0 or -1 with err. */
int  nx_session_conflicts(nx_session *s, nx_conflict_view **out, size_t *n, char *err,
                          size_t errlen);
void nx_conflict_views_free(nx_conflict_view *v, size_t n);   /* wipes */

/* Resolves conflict conflict_id of the inbox: apply = 1 takes its status
 * step or writes its value, 0 discards it. Supervisors only, items of
 * their team, open rows only. One transaction: a resolve op (field the
 * conflict id, value apply|discard), the row marked applied / discarded
 * until the hub answers, and the audit event — `status` for a status
 * conflict, `assign` for an assignment, `update` with the field for a
 * value; its reason says "conflict N apply|discard". The hub re-checks
 * the step or value; a refusal opens the row again with the reason on the
 * item. */
int nx_session_resolve(nx_session *s, int64_t conflict_id, int apply, char *err, size_t errlen);

/* ---- the form model ------------------------------------------------------------ */

typedef struct nx_form_field {
    const nx_field_def *def;
    nx_level level;             /* never hidden: hidden fields are left out */
    int required;               /* required before one of the next statuses */
    int editable;               /* the role may edit it, and it is shown in full */
    char shown[NX_VALUE_MAX];   /* the masked or full value as drawn */
} nx_form_field;

typedef struct nx_form {
    nx_form_field *fields;
    size_t n;
} nx_form;

/* The item as this role's screen may draw it, in dictionary order. revealed
 * lists field ids revealed in this opening (NULL-terminated, may be NULL). */
int  nx_session_form(const nx_session *s, const nx_item *it, const char *const *revealed,
                     nx_form *out, char *err, size_t errlen);
void nx_form_free(nx_form *f);   /* wipes */

#endif
