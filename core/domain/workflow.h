/* core/domain/workflow — the state machine of each work-item kind, and the
 * rules of the SOPs that decide whether a step may be taken or a field
 * recorded (seed 000 §7.2-7.6, seed 004 §4).
 *
 * Each kind is one table of edges {from, to, action label, fields the step
 * needs, guard}; one engine reads every table, so the form's actions, the
 * check before a change and the message that names the missing step all
 * come from the same row. The fields a step needs are also read from the
 * dictionary (nx_field_def.required_for), so a field added there is
 * enforced with no change here.
 *
 * Everything here is a pure function of the item (and of now and the
 * client's time zone where a date matters): the store layer persists the
 * result, writes the audit event and stamps the time of the change.
 *
 * Messages are for the user, name the missing step ("cannot send:
 * recipient identity not verified"), use the dictionary's labels for
 * fields, and never repeat a field's value. Functions that take msg
 * return 0 when allowed, -1 with the reason in msg (if non-NULL). */
#ifndef NX_WORKFLOW_H
#define NX_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "domain/item.h"

#define NX_MSG_MAX 256

/* ---- the tables ---------------------------------------------------------- */

/* One field a step needs. value NULL: recorded (not empty); "yes": a
 * checklist box ticked; any other value: exactly that value. when
 * ("dme=yes"): needed only when that other field holds that value.
 * missing: the message after "cannot <verb>: "; NULL gives
 * "<label> not recorded" or "<label> not checked". */
typedef struct nx_wf_req {
    const char *field;
    const char *value;
    const char *missing;
    const char *when;
} nx_wf_req;

/* What a guard may look at besides the item. */
typedef struct nx_wf_ctx {
    int64_t now;
    const char *tz;            /* the client's zone */
    const char *verb;          /* of the edge being taken */
} nx_wf_ctx;

typedef int (*nx_wf_guard)(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len);

typedef struct nx_wf_edge {
    const char *from, *to;
    const char *label;         /* the action on the form: "Submit" */
    const char *verb;          /* in messages: "cannot submit: ..." */
    const nx_wf_req *reqs;     /* ended by {NULL}; NULL = none */
    nx_wf_guard guard;         /* rules beyond fields present; NULL = none */
    const char *stamp;         /* DATETIME field set to the time of the step, if empty */
} nx_wf_edge;

/* Runs before any edge, for a state that overrides the table: a revoked
 * authorization allows only blocking. Sees only the item and the target
 * (no clock), so nx_workflow_next can use it too. */
typedef int (*nx_wf_pre)(const nx_item *it, const char *to, char *msg, size_t len);
/* A kind's own rules on recording a field (value NULL: may the user start
 * editing it at all). */
typedef int (*nx_wf_edit)(const nx_item *it, const char *field, const char *value,
                          char *msg, size_t len);

typedef struct nx_wf_machine {
    nx_kind kind;
    const char *name;              /* "prior-auth", for messages */
    const char *const *statuses;   /* NULL-terminated; the first is the initial */
    const nx_wf_edge *edges;
    size_t nedges;
    nx_wf_pre pre;                 /* NULL = none */
    nx_wf_edit may_edit;           /* NULL = none */
    /* In this status only the fields its outgoing steps need may be
     * recorded (ROI "blocked": notify the client, purge copies). */
    const char *locked;
} nx_wf_machine;

const nx_wf_machine *nx_workflow_machine(nx_kind k);   /* NULL if k is not a kind */

/* ---- the engine ---------------------------------------------------------- */

const char *nx_workflow_initial(nx_kind k);            /* "" if k is not a kind */
int nx_workflow_is_status(nx_kind k, const char *status);
/* "closed": no step leads out of it. */
int nx_workflow_is_final(nx_kind k, const char *status);

typedef struct nx_wf_choice {
    const char *to;            /* target status */
    const char *label;         /* "Submit", "Approve" */
} nx_wf_choice;

/* The steps the workflow has from the item's status, in table order, so
 * the form offers no other. Whether a step's fields are complete is left
 * to nx_workflow_check, so the user can pick it and be told what is
 * missing. Fills up to max, returns how many there are. */
size_t nx_workflow_next(const nx_item *it, nx_wf_choice *out, size_t max);

/* May the item move to status `to` now? tz is the client's zone (dates
 * such as an authorization's expiry are read in it). */
int nx_workflow_check(const nx_item *it, const char *to, int64_t now, const char *tz,
                      char *msg, size_t len);

/* nx_workflow_check, then the change: status, updated, closed (when to is
 * the final status) and the edge's stamp field ("2026-03-09 14:05" in tz)
 * if still empty. The item is unchanged when -1 is returned. */
int nx_workflow_apply(nx_item *it, const char *to, int64_t now, const char *tz,
                      char *msg, size_t len);

/* The status the item must be moved to at once, or NULL: an ROI item whose
 * authorization is revoked is blocked (seed 004 §4: further use ceases
 * immediately). The store calls this after every change of a field. */
const char *nx_workflow_forced(const nx_item *it);

/* May field_id be recorded (as value, when non-NULL) on this item now?
 * Notes (append-only) always; nothing else on a final item; in a locked
 * status only what its steps need; then the kind's own rules (scheduling:
 * identity first, channel, template). */
int nx_workflow_may_edit(const nx_item *it, const char *field_id, const char *value,
                         char *msg, size_t len);

/* ---- rules other modules call -------------------------------------------- */

/* Eligibility -> prior auth (SOP 7.3 "flag pre-auth needs; hand off"):
 * fills pa, a blank prior-auth item the caller made with nx_item_init and
 * gave an id, from elig (client, patient, priority, patient fields,
 * member ID, payer, diagnosis codes from the ICD-10 list, procedure codes
 * from the CPT/HCPCS list) and links the two both ways. elig must have
 * prior auth required = yes and no linked item yet. */
int nx_workflow_handoff(nx_item *elig, nx_item *pa, char *msg, size_t len);

/* Scheduling: may this channel (phone / sms / email) be used to reach the
 * item's patient? SMS and email are refused when the patient asked for
 * confidential communication. */
int nx_sched_channel_check(const nx_item *it, const char *channel, char *msg, size_t len);

/* SMS/email template text (SOP 7.2: no sensitive clinical detail). A
 * placeholder is {name}: letters, digits, '_' or '-', blanks around it and
 * case ignored ({ Patient-Name } is patient_name). Refused: a placeholder
 * that names a clinical field of d (PHI class clinical; d may be NULL), or
 * whose name has a clinical word as one of its '_'-separated parts
 * (diagnosis, dx, icd, procedure, cpt, hcpcs, notes, medication, ...,
 * see nx_template_clinical_words), an unclosed '{' and an empty {}. */
int nx_template_check(const nx_dict *d, const char *text, char *msg, size_t len);
extern const char *const nx_template_clinical_words[];   /* NULL-terminated */

/* ROI: is the authorization valid (seed 004 §4)? Not revoked, a reference
 * to the signed form, the seven required elements ticked (description,
 * who may disclose, recipient, purpose, expiry, right to revoke,
 * signature), the conditioning and re-disclosure statements where the
 * dictionary has fields for them, a representative's authority when one
 * signed, not combined with another document, the signature dated, and
 * not expired: an expiry date before today in tz (the expiry day itself
 * is still valid; an expiry event leaves the date empty). Message:
 * "authorization invalid: no signature". */
int nx_roi_auth_check(const nx_item *it, int64_t now, const char *tz, char *msg, size_t len);

#endif
