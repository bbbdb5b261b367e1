/* Changing items: one field, a status step, a note, an attempt, a reveal.
 * Each is one transaction holding the change, its audit event and its sync
 * op (op.h's table: set, add for units used, status, note, attempt, attach). */
#include "session/session_int.h"
#include "session/session_qa.h"
#include "domain/deadlines.h"
#include "domain/disclosure.h"
#include "domain/workflow.h"
#include "store/sync_store.h"
#include "util/util.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const nx_field_def *field_of(nx_session *s, const nx_item *it, const char *field,
                                    char *err, size_t errlen)
{
    const nx_field_def *f = nx_dict_find(s->dict, field);
    if (!f || !(f->kinds & NX_KIND_BIT(it->kind))) {
        nx_err(err, errlen, "a %s item has no field '%s'", nx_kind_name(it->kind), field);
        return NULL;
    }
    return f;
}

/* Clocks that follow from a field: eligibility's due time from the visit. */
static void field_clocks(nx_session *s, nx_item *it, const nx_field_def *f)
{
    if (it->kind != NX_KIND_ELIGIBILITY || strcmp(f->id, "service_date") != 0)
        return;
    nx_client_rec c;
    int lead = nx_store_client_get(s->profile->store, it->client_id, &c) == 1 ? c.verify_lead_hours : 0;
    int64_t due;
    char err[128];
    const char *tz = c.tz[0] ? c.tz : "UTC";
    if (nx_elig_due(tz, nx_item_get(it, "service_date"), lead, &due, err, sizeof err) == 0)
        it->due = due;
}

/* A copy of a value is PHI: zeroed before free, or it stays in the heap
 * after the lock (the memory scan of tests/unit/test_wipe.c finds it). */
static void wipe_free(char *v)
{
    if (v) {
        sodium_memzero(v, strlen(v));
        free(v);
    }
}

/* The op of a field change: units used travel as the increment (ops from
 * two devices add up); every other field as its new canonical value. A
 * status the change forced follows from it on the hub too. */
static int field_op(nx_session *s, const nx_item *it, const nx_field_def *f, const char *old,
                    const char *canon, char *err, size_t errlen)
{
    if (strcmp(f->id, "units_used") == 0) {
        char delta[32];
        snprintf(delta, sizeof delta, "%lld", strtoll(canon, NULL, 10) - strtoll(old, NULL, 10));
        const char *parts[] = { delta };
        return sess_op(s, NX_OP_ADD, it->id, f->id, parts, 1, NULL, NULL, err, errlen);
    }
    const char *parts[] = { canon };
    return sess_op(s, NX_OP_SET, it->id, f->id, parts, 1, NULL, NULL, err, errlen);
}

/* nx_session_set with the canonical value's buffer from the caller, who
 * wipes it: it holds the value (PHI) whichever way this returns. */
static int set_field(nx_session *s, nx_item *it, const char *field, const char *value,
                     char canon[NX_VALUE_MAX], char *err, size_t errlen)
{
    const nx_field_def *f = field_of(s, it, field, err, errlen);
    if (!f)
        return -1;
    if (f->home == NX_AT_NOTES)
        return nx_err(err, errlen, "notes are appended, never edited");
    if (nx_session_qa_guard(s, it, NX_AUDIT_UPDATE, f->id, err, errlen) != 0)
        return -1;                          /* shadowing: session_qa.h */
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT) ||
        nx_policy_level(s->policy, s->role, f) != NX_LEVEL_FULL) {
        sess_refused(s, NX_AUDIT_UPDATE, it->id, f->id);
        return nx_err(err, errlen, "%s: your role (%s) may not change it", f->label,
                      nx_role_name(s->role));
    }
    char msg[NX_MSG_MAX];
    const char *bad = nx_dict_check(f, value, canon, NX_VALUE_MAX);
    if (bad)
        return nx_err(err, errlen, "%s: %s", f->label, bad);
    if (nx_workflow_may_edit(it, f->id, canon, msg, sizeof msg) != 0)
        return nx_err(err, errlen, "%s", msg);

    /* Keep what is there so a failed save leaves the item as it was. */
    char *old = strdup(nx_item_get(it, f->id));
    nx_item saved_common = *it;
    if (!old || nx_item_set(it, f->id, canon) != 0) {
        wipe_free(old);
        return nx_err(err, errlen, "out of memory");
    }
    int64_t now = nx_session_now(s);
    it->updated = now;
    int old_priority = it->priority;
    if (f->home == NX_AT_ITEM && strcmp(f->id, "priority") == 0)
        it->priority = strcmp(canon, "urgent") == 0;
    field_clocks(s, it, f);
    const char *forced = nx_workflow_forced(it);
    char from[NX_STATUS_MAX];
    snprintf(from, sizeof from, "%s", it->status);
    int moved = forced && strcmp(forced, it->status) != 0;
    if (moved)
        snprintf(it->status, sizeof it->status, "%s", forced);

    int rc = sess_begin(s, err, errlen);
    if (rc == 0) {
        nx_store *st = s->profile->store;
        /* Item columns are written by sess_store_item below. */
        rc = f->home == NX_AT_PATIENT ? nx_store_patient_set(st, it->patient_id, f->id, canon)
             : f->home == NX_AT_ITEM  ? 0
                                      : nx_store_item_field_put(st, it->id, f->id, canon);
        if (rc == 0)
            rc = sess_store_item(s, it, 0);
        if (rc == 0 && moved) {
            nx_audit_event ev = { .action = NX_AUDIT_STATUS, .item_id = it->id };
            rc = nx_store_transition_add(st, it->id, now, s->user, from, it->status);
            if (rc == 0)
                rc = sess_event(s, &ev, err, errlen);
        }
        if (rc == 0)
            rc = field_op(s, it, f, old, canon, err, errlen);
        if (rc != 0) {
            if (!err[0])
                nx_err(err, errlen, "item %s: cannot save %s", it->id, f->label);
            sess_rollback(s);
        } else {
            nx_audit_event e = { .action = NX_AUDIT_UPDATE, .item_id = it->id, .field = f->id };
            rc = sess_commit(s, &e, err, errlen);
        }
    }
    if (rc != 0) {
        (void)nx_item_set(it, f->id, old);
        memcpy(it->status, saved_common.status, sizeof it->status);
        it->priority = old_priority;
        it->updated = saved_common.updated;
        it->due = saved_common.due;
    }
    wipe_free(old);
    return rc;
}

int nx_session_set(nx_session *s, nx_item *it, const char *field, const char *value,
                   char *err, size_t errlen)
{
    char canon[NX_VALUE_MAX];
    int rc = set_field(s, it, field, value, canon, err, errlen);
    sodium_memzero(canon, sizeof canon);
    return rc;
}

/* Follow-up and due clocks a step sets. */
static void step_clocks(nx_session *s, nx_item *it, const char *tz, int64_t now)
{
    char err[128];
    if (it->kind != NX_KIND_PRIOR_AUTH)
        return;
    nx_payer_rec pr;
    nx_store_payer_get(s->profile->store, nx_item_get(it, "payer"), &pr);
    if (strcmp(it->status, "submitted") == 0) {
        int64_t fu;
        int hours = it->priority ? pr.followup_urgent_hours : pr.followup_routine_hours;
        if (nx_pa_follow_up_item(it, tz, hours, &fu, err, sizeof err) == 0)
            it->follow_up = it->due = fu;
    } else if (strcmp(it->status, "denied") == 0) {
        char date[16];
        int64_t end;
        if (nx_pa_appeal_deadline(tz, now, pr.appeal_days, date, sizeof date, &end, err,
                                  sizeof err) == 0) {
            if (!nx_item_get(it, "appeal_deadline")[0])
                (void)nx_item_set(it, "appeal_deadline", date);
            it->due = end;
        }
    }
}

/* The hand-off of SOP 7.3: a verified eligibility item that needs prior
 * auth makes a linked prior-auth draft in the same transaction. */
static int handoff(nx_session *s, nx_item *it, char linked_out[NX_ID_MAX], char *err, size_t errlen)
{
    if (it->kind != NX_KIND_ELIGIBILITY || strcmp(it->status, "verified") != 0 ||
        !nx_item_yes(it, "prior_auth_required") || it->linked_item[0])
        return 0;
    nx_item pa;
    char msg[NX_MSG_MAX], id[NX_UUID_LEN + 1];
    if (nx_item_init(&pa, s->dict, NX_KIND_PRIOR_AUTH) != 0)
        return nx_err(err, errlen, "out of memory");
    nx_uuid4(id);
    snprintf(pa.id, sizeof pa.id, "%s", id);
    snprintf(pa.assignee, sizeof pa.assignee, "%s", "");
    snprintf(pa.team, sizeof pa.team, "%s", it->team);
    pa.created = pa.updated = nx_session_now(s);
    int rc = nx_workflow_handoff(it, &pa, msg, sizeof msg);
    if (rc != 0)
        nx_err(err, errlen, "%s", msg);
    else if (sess_store_item(s, &pa, 1) != 0)
        rc = nx_err(err, errlen, "item %s: cannot create the prior-auth item", it->id);
    else {
        nx_audit_event e = { .action = NX_AUDIT_CREATE, .item_id = pa.id };
        rc = sess_event(s, &e, err, errlen);
    }
    if (rc == 0 && linked_out)
        snprintf(linked_out, NX_ID_MAX, "%s", pa.id);
    nx_item_free(&pa);
    return rc;
}

/* Seed 004 §7.4: a release for a purpose that is not exempt is written to
 * the accounting of disclosures with the step that makes it. */
static int disclose(nx_session *s, nx_item *it, int64_t now, char *err, size_t errlen)
{
    if (it->kind != NX_KIND_ROI || strcmp(it->status, "released") != 0)
        return 0;
    nx_disclosure d;
    char msg[NX_MSG_MAX];
    int need = nx_disclosure_from_item(it, now, &d, msg, sizeof msg);
    if (need < 0)
        return nx_err(err, errlen, "%s", msg);
    int rc = 0;
    if (need == 1) {
        nx_disclosure_rec r = { it->id, it->patient_id, d.recipient_name, d.recipient_address,
                                d.description, d.purpose, s->user, now };
        nx_audit_event e = { .action = NX_AUDIT_DISCLOSURE, .item_id = it->id };
        if (nx_store_disclosure_add(s->profile->store, &r) != 0)
            rc = nx_err(err, errlen, "item %s: cannot write the disclosure entry", it->id);
        else
            rc = sess_event(s, &e, err, errlen);
    }
    nx_disclosure_wipe(&d);
    return rc;
}

int nx_session_transition(nx_session *s, nx_item *it, const char *to,
                          char linked_out[NX_ID_MAX], char *err, size_t errlen)
{
    char linked[NX_ID_MAX] = "";
    if (linked_out)
        linked_out[0] = '\0';
    if (nx_session_qa_guard(s, it, NX_AUDIT_STATUS, NULL, err, errlen) != 0)
        return -1;
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_STATUS)) {
        sess_refused(s, NX_AUDIT_STATUS, it->id, NULL);
        return nx_err(err, errlen, "your role (%s) may not change an item's status",
                      nx_role_name(s->role));
    }
    char tz[64], msg[NX_MSG_MAX], from[NX_STATUS_MAX];
    sess_client_tz(s, it->client_id, tz, sizeof tz);
    int64_t now = nx_session_now(s);
    snprintf(from, sizeof from, "%s", it->status);
    /* Work on a copy so a refused or failed step leaves the caller's item
     * untouched. */
    nx_item next;
    if (nx_item_init(&next, it->dict, it->kind) != 0)
        return nx_err(err, errlen, "out of memory");
    nx_item_value *vals = next.vals;
    size_t nvals = next.nvals;
    next = *it;
    next.vals = vals;
    next.nvals = nvals;
    for (size_t i = 0; i < it->nvals; i++)
        if (nx_item_set(&next, it->vals[i].def->id, it->vals[i].value) != 0) {
            nx_item_free(&next);
            return nx_err(err, errlen, "out of memory");
        }
    if (nx_workflow_apply(&next, to, now, tz, msg, sizeof msg) != 0) {
        nx_item_free(&next);
        return nx_err(err, errlen, "%s", msg);
    }
    step_clocks(s, &next, tz, now);
    int rc = sess_begin(s, err, errlen);
    if (rc == 0) {
        rc = handoff(s, &next, linked, err, errlen);
        if (rc == 0)
            rc = disclose(s, &next, now, err, errlen);
        if (rc == 0 && (sess_store_item(s, &next, 0) != 0 ||
                        nx_store_transition_add(s->profile->store, next.id, now, s->user, from,
                                                next.status) != 0))
            rc = nx_err(err, errlen, "item %s: cannot save the step", next.id);
        /* The hub applies it only if its status is still `from`; the
         * linked item the step made travels as the op's field, so the hub
         * makes it under the same id. */
        const char *parts[] = { next.status };
        if (rc == 0)
            rc = sess_op(s, NX_OP_STATUS, next.id, linked, parts, 1, from, NULL, err, errlen);
        if (rc != 0) {
            sess_rollback(s);
        } else {
            nx_audit_event e = { .action = NX_AUDIT_STATUS, .item_id = next.id };
            rc = sess_commit(s, &e, err, errlen);
        }
    }
    if (rc == 0) {
        nx_item old = *it;
        *it = next;
        nx_item_free(&old);
        if (linked_out)
            snprintf(linked_out, NX_ID_MAX, "%s", linked);
    } else {
        nx_item_free(&next);
    }
    return rc;
}

int nx_session_note(nx_session *s, nx_item *it, const char *body, int64_t corrects,
                    char *err, size_t errlen)
{
    if (nx_session_qa_guard(s, it, NX_AUDIT_NOTE, NULL, err, errlen) != 0)
        return -1;
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_NOTE)) {
        sess_refused(s, NX_AUDIT_NOTE, it->id, NULL);
        return nx_err(err, errlen, "your role (%s) may not write notes", nx_role_name(s->role));
    }
    size_t n = strlen(body);
    if (n == 0 || n > 4000)
        return nx_err(err, errlen, "a note needs 1 to 4000 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)body[i] < 0x20 && body[i] != '\n')
            return nx_err(err, errlen, "a note may not hold control characters");
    int64_t now = nx_session_now(s), note_id = 0;
    if (sess_begin(s, err, errlen) != 0)
        return -1;
    nx_store *st = s->profile->store;
    if (nx_store_note_add(st, it->id, s->user, now, body, corrects, &note_id) != 0) {
        sess_rollback(s);
        return nx_err(err, errlen, "item %s: cannot save the note%s", it->id,
                      corrects ? " (the note it corrects is not on this item?)" : "");
    }
    /* A correction names the note it corrects by the op that wrote it
     * (local note ids mean nothing on the hub). */
    char corrected_op[40] = "", op_id[40] = "";
    const char *parts[] = { body };
    int rc = corrects && nx_store_note_op(st, corrects, corrected_op) < 0
                 ? nx_err(err, errlen, "item %s: cannot read the note it corrects", it->id)
                 : sess_op(s, NX_OP_NOTE, it->id, corrected_op, parts, 1, NULL, op_id, err,
                           errlen);
    if (rc == 0 && op_id[0] && nx_store_note_set_op(st, note_id, op_id) != 0)
        rc = nx_err(err, errlen, "item %s: cannot queue the note for sync", it->id);
    if (rc != 0) {
        sess_rollback(s);
        return -1;
    }
    nx_audit_event e = { .action = NX_AUDIT_NOTE, .item_id = it->id };
    return sess_commit(s, &e, err, errlen);
}

int nx_session_attempt(nx_session *s, nx_item *it, const char *channel, const char *outcome,
                       const char *next_action, char *err, size_t errlen)
{
    if (nx_session_qa_guard(s, it, NX_AUDIT_UPDATE, "attempts", err, errlen) != 0)
        return -1;
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT)) {
        sess_refused(s, NX_AUDIT_UPDATE, it->id, "attempts");
        return nx_err(err, errlen, "your role (%s) may not log attempts", nx_role_name(s->role));
    }
    char msg[NX_MSG_MAX];
    if (it->kind == NX_KIND_SCHEDULING && nx_sched_channel_check(it, channel, msg, sizeof msg) != 0)
        return nx_err(err, errlen, "%s", msg);
    if (!outcome[0])
        return nx_err(err, errlen, "an attempt needs its outcome");
    int64_t now = nx_session_now(s);
    if (sess_begin(s, err, errlen) != 0)
        return -1;
    if (nx_store_attempt_add(s->profile->store, it->id, now, s->user, channel, outcome,
                             next_action) != 0) {
        sess_rollback(s);
        return nx_err(err, errlen, "item %s: cannot save the attempt", it->id);
    }
    const char *parts[] = { channel, outcome, next_action ? next_action : "" };
    if (sess_op(s, NX_OP_ATTEMPT, it->id, NULL, parts, 3, NULL, NULL, err, errlen) != 0) {
        sess_rollback(s);
        return -1;
    }
    nx_audit_event e = { .action = NX_AUDIT_UPDATE, .item_id = it->id, .field = "attempts" };
    return sess_commit(s, &e, err, errlen);
}

int nx_session_reveal(nx_session *s, nx_item *it, const char *field, const char *reason,
                      char *out, size_t outlen, char *err, size_t errlen)
{
    if (outlen)
        out[0] = '\0';
    const nx_field_def *f = field_of(s, it, field, err, errlen);
    if (!f)
        return -1;
    nx_level lv = nx_policy_level(s->policy, s->role, f);
    if (lv == NX_LEVEL_FULL)
        return nx_err(err, errlen, "%s is already shown in full", f->label);
    if (lv != NX_LEVEL_REVEAL || !nx_policy_allows(s->policy, s->role, NX_ACTION_REVEAL)) {
        sess_refused(s, NX_AUDIT_REVEAL, it->id, f->id);
        return nx_err(err, errlen, "%s cannot be revealed for your role (%s)", f->label,
                      nx_role_name(s->role));
    }
    int printable = 0;
    for (const char *p = reason ? reason : ""; *p; p++)
        printable |= *p != ' ';
    if (!printable)
        return nx_err(err, errlen, "a reveal needs a reason");
    nx_audit_event e = { .action = NX_AUDIT_REVEAL, .item_id = it->id, .field = f->id,
                         .reason = reason, .at = nx_session_now(s) };
    if (nx_profile_audit(s->profile, &e, err, errlen) < 0)
        return -1;   /* no reveal without its audit event */
    snprintf(out, outlen, "%s", nx_item_get(it, f->id));
    return 0;
}

int nx_session_attach(nx_session *s, nx_item *it, const char *ref, const char *label,
                      char *err, size_t errlen)
{
    if (nx_session_qa_guard(s, it, NX_AUDIT_UPDATE, "attachments", err, errlen) != 0)
        return -1;
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT)) {
        sess_refused(s, NX_AUDIT_UPDATE, it->id, "attachments");
        return nx_err(err, errlen, "your role (%s) may not add attachments", nx_role_name(s->role));
    }
    /* A reference is an id in another system: a short token, so that a
     * file's content or a patient detail cannot be pasted in its place. */
    size_t n = strlen(ref);
    if (n == 0 || n > 128)
        return nx_err(err, errlen, "an attachment reference is 1 to 128 characters");
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '/'))
            return nx_err(err, errlen, "an attachment reference may use letters, digits and - _ . : /");
    }
    if (strlen(label) > 80)
        return nx_err(err, errlen, "an attachment label is at most 80 characters");
    int64_t now = nx_session_now(s);
    if (sess_begin(s, err, errlen) != 0)
        return -1;
    if (nx_store_attachment_add(s->profile->store, it->id, ref, label, now, s->user) != 0) {
        sess_rollback(s);
        return nx_err(err, errlen, "item %s: cannot save the attachment reference", it->id);
    }
    const char *parts[] = { ref, label ? label : "" };
    if (sess_op(s, NX_OP_ATTACH, it->id, NULL, parts, 2, NULL, NULL, err, errlen) != 0) {
        sess_rollback(s);
        return -1;
    }
    nx_audit_event e = { .action = NX_AUDIT_UPDATE, .item_id = it->id, .field = "attachments" };
    return sess_commit(s, &e, err, errlen);
}
