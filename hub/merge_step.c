/* hub/merge_step — status steps and the supervisor's conflict resolution.
 *
 * A status op carries the status the device saw (EXPECT). The step is
 * taken only when the hub's status is still that one and the workflow
 * allows it now (guards, required fields: the same engine the client ran);
 * otherwise it goes to the conflict inbox (kind 'status') and is never
 * merged by itself — an approval or a denial in particular is a decision a
 * supervisor takes, not a clock. A step does on the hub what the client's
 * session did with it: the workflow's stamp, the follow-up and appeal
 * clocks, the eligibility -> prior-auth hand-off (with the linked item id
 * the device made, so both sides name it alike), the accounting of a
 * release, the transition row.
 *
 * resolve (supervisors, items of their team): FIELD is the conflict id,
 * VALUE "apply" or "discard". Apply takes the conflict's status step (from
 * wherever the item now is, if the workflow allows it) or writes its
 * field value, under the supervisor's id. */
#include "hub/serve.h"
#include "hub/qa_live.h"
#include "domain/deadlines.h"
#include "domain/disclosure.h"
#include "domain/workflow.h"
#include "store/items_io.h"
#include "util/util.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reject(srv_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reject(srv_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->outcome = SRV_REJECTED;
}

static void client_tz(nx_srv *s, const char *client_id, char *tz, size_t len)
{
    nx_client_rec c;
    memset(&c, 0, sizeof c);
    if (nx_store_client_get(nx_hub_store(s->h), client_id, &c) == 1 && c.tz[0])
        snprintf(tz, len, "%s", c.tz);
    else
        snprintf(tz, len, "UTC");
}

/* Follow-up and due clocks a step sets (as core/session does). */
static void step_clocks(nx_srv *s, nx_item *it, const char *tz, int64_t now)
{
    char err[128];
    if (it->kind != NX_KIND_PRIOR_AUTH)
        return;
    nx_payer_rec pr;
    nx_store_payer_get(nx_hub_store(s->h), nx_item_get(it, "payer"), &pr);
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

/* SOP 7.3's hand-off: 0 done or not needed, 1 refused (msg), -1 store. */
static int handoff(nx_srv *s, nx_item *it, const char *linked_id, int64_t at, char *msg,
                   size_t msglen)
{
    if (it->kind != NX_KIND_ELIGIBILITY || strcmp(it->status, "verified") != 0 ||
        !nx_item_yes(it, "prior_auth_required") || it->linked_item[0])
        return 0;
    char id[NX_UUID_LEN + 1];
    if (linked_id && linked_id[0]) {
        nx_item_rec existing;
        int found = nx_store_item_get(nx_hub_store(s->h), linked_id, &existing);
        if (found < 0)
            return -1;
        if (found || !srv_token_ok(linked_id)) {
            snprintf(msg, msglen, "the linked prior-auth item id is taken or not an id");
            return 1;
        }
        snprintf(id, sizeof id, "%.36s", linked_id);
    } else {
        nx_uuid4(id);
    }
    nx_item pa;
    if (nx_item_init(&pa, s->dict, NX_KIND_PRIOR_AUTH) != 0)
        return -1;
    snprintf(pa.id, sizeof pa.id, "%s", linked_id && linked_id[0] ? linked_id : id);
    snprintf(pa.team, sizeof pa.team, "%s", it->team);
    pa.created = pa.updated = at;
    int rc = 0;
    if (nx_workflow_handoff(it, &pa, msg, msglen) != 0)
        rc = 1;
    else if (srv_item_store(s, &pa, 1, 1) != 0 || srv_touch(s, pa.id) != 0)
        rc = -1;
    else {
        char why[160];
        snprintf(why, sizeof why, "prior-auth item created by the hand-off from item %s", it->id);
        rc = srv_audit(s, NX_HUB_ACT_PUSH, pa.id, NULL, why, 0) == 0 ? 0 : -1;
    }
    nx_item_free(&pa);
    return rc;
}

/* Seed 004 §7.4: a release that needs an accounting entry gets it with the
 * step. 0, 1 refused, -1 store. */
static int disclose(nx_srv *s, const nx_item *it, int64_t at, const char *who, char *msg,
                    size_t msglen)
{
    if (it->kind != NX_KIND_ROI || strcmp(it->status, "released") != 0)
        return 0;
    nx_disclosure d;
    int need = nx_disclosure_from_item(it, at, &d, msg, msglen);
    if (need < 0)
        return 1;
    int rc = 0;
    if (need == 1) {
        nx_disclosure_rec r = { it->id, it->patient_id, d.recipient_name, d.recipient_address,
                                d.description, d.purpose, who, at };
        if (nx_store_disclosure_add(nx_hub_store(s->h), &r) != 0 ||
            srv_disclosure_record(s, it, &r, sqlite3_last_insert_rowid(nx_hub_db(s->h))) != 0)
            rc = -1;
    }
    nx_disclosure_wipe(&d);
    return rc;
}

int srv_step(nx_srv *s, nx_item *it, const char *to, const char *linked_id, int64_t at,
             const char *who, char *msg, size_t msglen)
{
    char tz[64], from[NX_STATUS_MAX];
    client_tz(s, it->client_id, tz, sizeof tz);
    snprintf(from, sizeof from, "%s", it->status);
    if (nx_workflow_apply(it, to, at, tz, msg, msglen) != 0)
        return 1;
    step_clocks(s, it, tz, at);
    int rc = handoff(s, it, linked_id, at, msg, msglen);
    if (rc == 0)
        rc = disclose(s, it, at, who, msg, msglen);
    if (rc == 0 && (srv_item_store(s, it, 0, 1) != 0 ||
                    nx_store_transition_add(nx_hub_store(s->h), it->id, at, who, from,
                                            it->status) != 0 ||
                    srv_touch(s, it->id) != 0))
        rc = -1;
    if (rc == 0)
        rc = srv_qa_step(s, it, at, who);   /* live QA sampling: hub/qa_live.h */
    return rc;
}

int srv_merge_status(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    r->audit_field = "status";
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_STATUS)) {
        reject(r, "status: the %s role may not change an item's status", s->role_name);
        return 0;
    }
    const char *to = op->value;
    if (!nx_workflow_is_status(it->kind, to)) {
        reject(r, "status: not a status of a %s item", nx_kind_name(it->kind));
        return 0;
    }
    if (op->field[0] && !srv_token_ok(op->field)) {
        reject(r, "status: the linked item id is not an id");
        return 0;
    }
    if (strcmp(it->status, op->expect) != 0) {
        if (strcmp(it->status, to) == 0) {
            /* Another device took the same step: nothing to merge. */
            r->outcome = SRV_APPLIED;
            snprintf(r->reason, sizeof r->reason, "status: already %s", to);
            return srv_touch(s, it->id);
        }
        char detail[160];
        int64_t cid = 0;
        snprintf(detail, sizeof detail, "step %s -> %s; the hub had %s",
                 nx_workflow_is_status(it->kind, op->expect) ? op->expect : "(unknown)", to,
                 it->status);
        if (nx_hub_conflict_add(s->h, "status", it->id, "status", op->id, to, detail, srv_now(),
                                &cid) != 0 ||
            srv_touch(s, it->id) != 0)
            return -1;
        r->outcome = SRV_CONFLICT;
        snprintf(r->reason, sizeof r->reason,
                 "status: the hub's status is %s, not %s; the step to %s waits in the conflict "
                 "inbox (conflict %lld)",
                 it->status, nx_workflow_is_status(it->kind, op->expect) ? op->expect : "the one seen",
                 to, (long long)cid);
        return 0;
    }
    char msg[NX_MSG_MAX];
    int rc = srv_step(s, it, to, op->field, srv_op_time(s, op), s->user, msg, sizeof msg);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        reject(r, "status: %s", msg);
        return 0;
    }
    r->outcome = SRV_APPLIED;
    return 0;
}

/* Applies a field conflict's value under the supervisor's id. 0, 1 refused
 * (r says why), -1 store. */
static int apply_field(nx_srv *s, const srv_op *op, nx_item *it, const nx_hub_conflict *c,
                       srv_result *r)
{
    int64_t at = srv_op_time(s, op);
    if (strcmp(c->field, "assignee") == 0) {
        snprintf(it->assignee, sizeof it->assignee, "%s", c->value);
        it->updated = at;
        return srv_item_store(s, it, 0, 0) == 0 &&
                       nx_hub_field_clock_set(s->h, it->id, "assignee", op->hlc, op->id) == 0
                   ? 0 : -1;
    }
    const nx_field_def *f = nx_dict_find(s->dict, c->field);
    if (!f || !(f->kinds & NX_KIND_BIT(it->kind)) || f->home == NX_AT_NOTES) {
        reject(r, "resolve: conflict %lld names no field of this item", (long long)c->id);
        return 1;
    }
    char canon[NX_VALUE_MAX], msg[NX_MSG_MAX];
    int rc = 0;
    const char *bad = nx_dict_check(f, c->value, canon, sizeof canon);
    if (bad) {
        reject(r, "resolve: field %s: %s", f->id, bad);
        rc = 1;
    } else if (nx_workflow_may_edit(it, f->id, canon, msg, sizeof msg) != 0) {
        reject(r, "resolve: field %s: %s", f->id, msg);
        rc = 1;
    } else {
        char key[NX_ID_MAX + 16];
        srv_clock_key(it, f, key, sizeof key);
        if (srv_set_value(s, it, f, canon, at, s->user) != 0 ||
            (f->home == NX_AT_PATIENT && srv_touch_patient(s, it->patient_id) != 0) ||
            nx_hub_field_clock_set(s->h, key, f->id, op->hlc, op->id) != 0)
            rc = -1;
    }
    sodium_memzero(canon, sizeof canon);
    nx_stack_scrub();
    return rc;
}

int srv_merge_resolve(nx_srv *s, const srv_op *op, srv_result *r)
{
    r->audit_action = NX_HUB_ACT_CONFLICT;
    if (s->role != NX_ROLE_SUPERVISOR) {
        reject(r, "resolve: only a supervisor resolves conflicts");
        return 0;
    }
    int apply = strcmp(op->value, "apply") == 0;
    if (!apply && strcmp(op->value, "discard") != 0) {
        reject(r, "resolve: the value is apply or discard");
        return 0;
    }
    char *end = NULL;
    long long id = op->field[0] ? strtoll(op->field, &end, 10) : 0;
    if (!end || *end || id <= 0) {
        reject(r, "resolve: the field is a conflict id");
        return 0;
    }
    nx_hub_conflict c;
    memset(&c, 0, sizeof c);
    int found = nx_hub_conflict_get(s->h, id, &c);
    if (found < 0)
        return -1;
    nx_item it;
    memset(&it, 0, sizeof it);
    int rc = 0, loaded = 0;
    if (!found || strcmp(c.item, op->item) != 0) {
        reject(r, "resolve: no conflict %lld on item %s", id, op->item);
        goto out;
    }
    if (strcmp(c.state, "open") != 0) {
        reject(r, "resolve: conflict %lld is already %s", id, c.state);
        goto out;
    }
    int li = srv_item_load(s, c.item, &it);
    if (li < 0) {
        rc = -1;
        goto out;
    }
    loaded = li == 1;
    if (!loaded || !srv_in_scope(s, it.assignee, it.team)) {
        reject(r, "resolve: item %s is not in your team", op->item);
        goto out;
    }
    int64_t at = srv_op_time(s, op);
    if (apply) {
        char msg[NX_MSG_MAX];
        int a;
        if (strcmp(c.kind, "status") == 0) {
            a = srv_step(s, &it, c.value, NULL, at, s->user, msg, sizeof msg);
            if (a == 1)
                reject(r, "resolve: %s", msg);
        } else {
            a = apply_field(s, op, &it, &c, r);
        }
        if (a != 0) {
            rc = a < 0 ? -1 : 0;
            goto out;
        }
    }
    int done = nx_hub_conflict_resolve(s->h, id, apply ? "applied" : "discarded", s->user, srv_now());
    if (done < 0 || srv_touch(s, it.id) != 0) {
        rc = -1;
        goto out;
    }
    if (done == 1) {
        reject(r, "resolve: conflict %lld is no longer open", id);
        goto out;
    }
    r->outcome = SRV_APPLIED;
    snprintf(r->reason, sizeof r->reason, "conflict %lld %s", id, apply ? "applied" : "discarded");
out:
    if (loaded)
        nx_item_free(&it);
    nx_hub_conflict_clear(&c);
    return rc;
}
