/* hub/merge — what the hub does with one op (core/sync/op.h's table): the
 * same checks the client made, made again here because a client can be
 * altered (the role may take that action on that field, the item is in the
 * user's scope, the dictionary's validator passes, the workflow allows the
 * edit), then the merge:
 *
 *   set      last writer by (hlc, op id) against the field's clock. The
 *            losing value is kept as a conflict record (kind 'field'): the
 *            incoming value when it loses (RESULT "conflict"), or the value
 *            it replaced when it wins over a write this device had not yet
 *            pulled (a concurrent edit; RESULT "applied"). A write the device
 *            had already seen (its revision is at or below the device's
 *            cursor), or its own, is simply replaced.
 *   add      added to the current value (units used); the sum must still
 *            pass the field's validator.
 *   note, attempt, attach, create   appended (merge_append.c).
 *   assign   (supervisors) the assignee, last writer by clock.
 * Status steps and conflict resolution are in merge_step.c.
 *
 * Every applied op gives the item (for a patient field: every item of that
 * patient) a new revision. Reasons name field ids and statuses, never a
 * value. */
#include "hub/serve.h"
#include "hub/qa_live.h"
#include "domain/deadlines.h"
#include "domain/workflow.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "util/util.h"

#include <sodium.h>
#include <sqlite3.h>
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

static const char *fid(const char *field)
{
    return srv_token_ok(field) ? field : "(not an id)";
}

int srv_in_scope(const nx_srv *s, const char *assignee, const char *team)
{
    switch (nx_policy_scope(s->policy, s->role)) {
    case NX_SCOPE_ALL: return 1;
    case NX_SCOPE_TEAM: return strcmp(team, s->team) == 0;
    case NX_SCOPE_OWN: return strcmp(assignee, s->user) == 0;
    default: return 0;
    }
}

int64_t srv_op_time(const nx_srv *s, const srv_op *op)
{
    int64_t now = srv_now();
    int grace = s->set.effective_grace_hours > 0 ? s->set.effective_grace_hours : 24;
    int64_t t = NX_HLC_MS(op->hlc) / 1000, lo = now - (int64_t)grace * 3600;
    return t > now ? now : t < lo ? lo : t;
}

/* ---- writing items ------------------------------------------------------------------ */

int srv_item_store(nx_srv *s, const nx_item *it, int insert, int all_fields)
{
    nx_item_rec r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", it->id);
    snprintf(r.kind, sizeof r.kind, "%s", nx_kind_name(it->kind));
    snprintf(r.client_id, sizeof r.client_id, "%s", it->client_id);
    snprintf(r.patient_id, sizeof r.patient_id, "%s", it->patient_id);
    snprintf(r.status, sizeof r.status, "%s", it->status);
    snprintf(r.assignee, sizeof r.assignee, "%s", it->assignee);
    snprintf(r.team, sizeof r.team, "%s", it->team);
    snprintf(r.linked_item, sizeof r.linked_item, "%s", it->linked_item);
    r.priority = it->priority;
    r.created = it->created;
    r.updated = it->updated;
    r.due = it->due;
    r.follow_up = it->follow_up;
    r.closed = it->closed;
    nx_store *st = nx_hub_store(s->h);
    if ((insert ? nx_store_item_insert : nx_store_item_update)(st, &r) != 0)
        return -1;
    if (!all_fields)
        return 0;
    for (size_t i = 0; i < it->nvals; i++) {
        const nx_field_def *f = it->vals[i].def;
        if (f->home != NX_AT_FIELD || (insert && !it->vals[i].value[0]))
            continue;
        if (nx_store_item_field_put(st, it->id, f->id, it->vals[i].value) != 0)
            return -1;
    }
    return 0;
}

int srv_touch(nx_srv *s, const char *item_id)
{
    return nx_hub_item_touch(s->h, item_id) < 0 ? -1 : 0;
}

int srv_touch_patient(nx_srv *s, const char *patient_id)
{
    static const char sql[] = "SELECT id FROM items WHERE patient_id = ?1";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, patient_id, -1, SQLITE_STATIC);
    char (*ids)[NX_ID_MAX] = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            void *p = realloc(ids, nc * sizeof *ids);
            if (!p) {
                rc = SQLITE_NOMEM;
                break;
            }
            ids = p;
            cap = nc;
        }
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(ids[n++], NX_ID_MAX, "%s", t ? (const char *)t : "");
    }
    sqlite3_reset(st);
    int out = rc == SQLITE_DONE ? 0 : -1;
    for (size_t i = 0; out == 0 && i < n; i++)
        out = srv_touch(s, ids[i]);
    free(ids);
    return out;
}

/* Eligibility's due time follows its visit (as the client's session does). */
static void field_clocks(nx_srv *s, nx_item *it, const nx_field_def *f)
{
    if (it->kind != NX_KIND_ELIGIBILITY || strcmp(f->id, "service_date") != 0)
        return;
    nx_client_rec c;
    memset(&c, 0, sizeof c);
    int lead = nx_store_client_get(nx_hub_store(s->h), it->client_id, &c) == 1
                   ? c.verify_lead_hours : 0;
    int64_t due;
    char err[128];
    if (nx_elig_due(c.tz[0] ? c.tz : "UTC", nx_item_get(it, "service_date"), lead, &due, err,
                    sizeof err) == 0)
        it->due = due;
}

int srv_set_value(nx_srv *s, nx_item *it, const nx_field_def *f, const char *canon,
                  int64_t at, const char *who)
{
    if (nx_item_set(it, f->id, canon) != 0)
        return -1;
    it->updated = at;
    if (f->home == NX_AT_ITEM && strcmp(f->id, "priority") == 0)
        it->priority = strcmp(canon, "urgent") == 0;
    field_clocks(s, it, f);
    const char *forced = nx_workflow_forced(it);
    char from[NX_STATUS_MAX];
    snprintf(from, sizeof from, "%s", it->status);
    int moved = forced && strcmp(forced, it->status) != 0;
    if (moved)
        snprintf(it->status, sizeof it->status, "%s", forced);
    nx_store *st = nx_hub_store(s->h);
    int rc = f->home == NX_AT_PATIENT ? nx_store_patient_set(st, it->patient_id, f->id, canon)
             : f->home == NX_AT_FIELD ? nx_store_item_field_put(st, it->id, f->id, canon)
                                      : 0;
    if (rc == 0)
        rc = srv_item_store(s, it, 0, 0);
    if (rc == 0 && moved) {
        char why[128];
        snprintf(why, sizeof why, "status %s -> %s forced by the workflow", from, it->status);
        rc = nx_store_transition_add(st, it->id, at, who, from, it->status);
        if (rc == 0)
            rc = srv_audit(s, NX_HUB_ACT_PUSH, it->id, "status", why, 0);
    }
    return rc;
}

/* (hlc, op id) order: 1 when a is later than b. */
static int later(nx_hlc ah, const char *aid, nx_hlc bh, const char *bid)
{
    return ah != bh ? ah > bh : strcmp(aid, bid) > 0;
}

/* Writes the field's clock and revision after an applied write. */
static int clock_done(nx_srv *s, const char *key, const char *field, const srv_op *op,
                      int64_t rev)
{
    if (nx_hub_field_clock_set(s->h, key, field, op->hlc, op->id) != 0)
        return -1;
    return srv_field_rev_set(s, key, field, rev);
}

/* The revision the touch gave (the item's, or for a patient field the
 * item's among the patient's items). */
static int64_t touch_for(nx_srv *s, const nx_item *it, const nx_field_def *f)
{
    if (f && f->home == NX_AT_PATIENT && srv_touch_patient(s, it->patient_id) != 0)
        return -1;
    if (!(f && f->home == NX_AT_PATIENT) && srv_touch(s, it->id) != 0)
        return -1;
    int64_t rev = 0;
    return nx_hub_item_rev(s->h, it->id, &rev) == 1 ? rev : -1;
}

/* ---- set ---------------------------------------------------------------------------- */

/* LWW outcome of a write to key/field by op: 0 the op wins (and *concurrent
 * tells whether it overwrote a write its device had not seen), 1 it loses
 * (*winner gets the winning op id), -1 store. */
static int lww(nx_srv *s, const char *key, const char *field, const srv_op *op,
               int *concurrent, char *winner, size_t winnerlen)
{
    nx_hlc ch = 0;
    char cop[64] = "";
    *concurrent = 0;
    int found = nx_hub_field_clock_get(s->h, key, field, &ch, cop, sizeof cop);
    if (found < 0)
        return -1;
    if (found == 0)
        return 0;
    if (!later(op->hlc, op->id, ch, cop)) {
        snprintf(winner, winnerlen, "%s", cop);
        return 1;
    }
    /* The op wins. Had its device seen the write it replaces? The device
     * holds every revision up to its cursor; a write above it came from
     * elsewhere while the device was away. */
    int64_t rev = 0;
    char dev[65] = "";
    int has = srv_field_rev_get(s, key, field, &rev, dev, sizeof dev);
    if (has < 0)
        return -1;
    *concurrent = has == 1 && (uint64_t)rev > s->cursor && strcmp(dev, s->device) != 0;
    snprintf(winner, winnerlen, "%s", cop);
    return 0;
}

static int merge_set(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    const nx_field_def *f = nx_dict_find(s->dict, op->field);
    if (!f || !(f->kinds & NX_KIND_BIT(it->kind))) {
        reject(r, "a %s item has no field %s", nx_kind_name(it->kind), fid(op->field));
        return 0;
    }
    if (f->home == NX_AT_NOTES) {
        reject(r, "field %s: notes are appended, never set", f->id);
        return 0;
    }
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT) ||
        nx_policy_level(s->policy, s->role, f) != NX_LEVEL_FULL) {
        reject(r, "field %s: the %s role may not change it", f->id, s->role_name);
        return 0;
    }
    char canon[NX_VALUE_MAX], msg[NX_MSG_MAX];
    int rc = 0;
    const char *bad = nx_dict_check(f, op->value, canon, sizeof canon);
    if (bad) {
        reject(r, "field %s: %s", f->id, bad);
        goto out;
    }
    if (nx_workflow_may_edit(it, f->id, canon, msg, sizeof msg) != 0) {
        reject(r, "field %s: %s", f->id, msg);
        goto out;
    }
    char key[NX_ID_MAX + 16], winner[64];
    srv_clock_key(it, f, key, sizeof key);
    int concurrent = 0;
    int lost = lww(s, key, f->id, op, &concurrent, winner, sizeof winner);
    if (lost < 0) {
        rc = -1;
        goto out;
    }
    int64_t at = srv_op_time(s, op), cid = 0;
    if (lost == 1) {
        char detail[160];
        snprintf(detail, sizeof detail, "lost to op %.63s, later by clock", winner);
        if (nx_hub_conflict_add(s->h, "field", it->id, f->id, op->id, canon, detail, srv_now(),
                                &cid) != 0 ||
            touch_for(s, it, NULL) < 0) {
            rc = -1;
            goto out;
        }
        r->outcome = SRV_CONFLICT;
        snprintf(r->reason, sizeof r->reason,
                 "field %s: a later change wins (op %s); this value is kept as conflict %lld",
                 f->id, winner, (long long)cid);
        goto out;
    }
    const char *old = nx_item_get(it, f->id);
    if (concurrent && old[0] && strcmp(old, canon) != 0) {
        char detail[256];
        snprintf(detail, sizeof detail, "replaced by op %.40s from device %.64s, later by clock",
                 op->id, s->device);
        if (nx_hub_conflict_add(s->h, "field", it->id, f->id, winner, old, detail, srv_now(),
                                &cid) != 0 ||
            srv_audit(s, NX_HUB_ACT_CONFLICT, it->id, f->id,
                      "concurrent edit: the replaced value is kept as a conflict record", 0) != 0) {
            rc = -1;
            goto out;
        }
        snprintf(r->reason, sizeof r->reason,
                 "field %s: applied; the value it replaced is kept as conflict %lld", f->id,
                 (long long)cid);
    }
    int64_t rev;
    if (srv_set_value(s, it, f, canon, at, s->user) != 0 || (rev = touch_for(s, it, f)) < 0 ||
        clock_done(s, key, f->id, op, rev) != 0) {
        rc = -1;
        goto out;
    }
    r->outcome = SRV_APPLIED;
out:
    sodium_memzero(canon, sizeof canon);
    nx_stack_scrub();
    return rc;
}

/* ---- add ------------------------------------------------------------------------------ */

/* Strict signed decimal, at most 9 digits. 0 or -1. */
static int parse_int(const char *v, long long *out, int allow_empty)
{
    const char *p = v;
    if (!*p) {
        *out = 0;
        return allow_empty ? 0 : -1;
    }
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    long long n = 0;
    int digits = 0;
    for (; *p; p++, digits++) {
        if (*p < '0' || *p > '9' || digits >= 9)
            return -1;
        n = n * 10 + (*p - '0');
    }
    if (!digits)
        return -1;
    *out = neg ? -n : n;
    return 0;
}

static int merge_add(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    const nx_field_def *f = nx_dict_find(s->dict, op->field);
    if (!f || !(f->kinds & NX_KIND_BIT(it->kind))) {
        reject(r, "a %s item has no field %s", nx_kind_name(it->kind), fid(op->field));
        return 0;
    }
    if (f->type != NX_FT_INT || f->home != NX_AT_FIELD) {
        reject(r, "field %s: only whole-number fields take an increment", f->id);
        return 0;
    }
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT) ||
        nx_policy_level(s->policy, s->role, f) != NX_LEVEL_FULL) {
        reject(r, "field %s: the %s role may not change it", f->id, s->role_name);
        return 0;
    }
    long long delta, cur;
    if (parse_int(op->value, &delta, 0) != 0) {
        reject(r, "field %s: the increment is not a whole number", f->id);
        return 0;
    }
    if (parse_int(nx_item_get(it, f->id), &cur, 1) != 0) {
        reject(r, "field %s: the hub's value is not a whole number", f->id);
        return 0;
    }
    char sum[32], canon[NX_VALUE_MAX], msg[NX_MSG_MAX];
    snprintf(sum, sizeof sum, "%lld", cur + delta);
    const char *bad = nx_dict_check(f, sum, canon, sizeof canon);
    if (bad) {
        reject(r, "field %s: the sum is refused: %s", f->id, bad);
        return 0;
    }
    if (nx_workflow_may_edit(it, f->id, canon, msg, sizeof msg) != 0) {
        reject(r, "field %s: %s", f->id, msg);
        return 0;
    }
    if (srv_set_value(s, it, f, canon, srv_op_time(s, op), s->user) != 0 ||
        touch_for(s, it, f) < 0)
        return -1;
    r->outcome = SRV_APPLIED;
    return 0;
}

/* ---- assign ---------------------------------------------------------------------------- */

static int merge_assign(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    if (s->role != NX_ROLE_SUPERVISOR || !nx_policy_allows(s->policy, s->role, NX_ACTION_ASSIGN)) {
        reject(r, "assign: only a supervisor may re-route items");
        return 0;
    }
    const char *to = op->value;
    if (to[0]) {
        nx_hub_user u;
        int found = srv_token_ok(to) ? nx_hub_user_get(s->h, to, &u) : 0;
        if (found < 0)
            return -1;
        if (!found || u.revoked_at) {
            reject(r, "assign: %s is not an active user", srv_token_ok(to) ? to : "(not an id)");
            return 0;
        }
        if (strcmp(u.team, it->team) != 0) {
            reject(r, "assign: %s is not in team %s", to, it->team);
            return 0;
        }
    }
    int concurrent = 0;
    char winner[64];
    int lost = lww(s, it->id, "assignee", op, &concurrent, winner, sizeof winner);
    if (lost < 0)
        return -1;
    r->audit_action = NX_HUB_ACT_ASSIGN;
    r->audit_field = "assignee";
    if (lost == 1) {
        int64_t cid = 0;
        if (nx_hub_conflict_add(s->h, "field", it->id, "assignee", op->id, to,
                                "assignment lost to a later one", srv_now(), &cid) != 0 ||
            srv_touch(s, it->id) != 0)
            return -1;
        r->outcome = SRV_CONFLICT;
        snprintf(r->reason, sizeof r->reason,
                 "assign: a later assignment wins (op %s); kept as conflict %lld", winner,
                 (long long)cid);
        return 0;
    }
    char was[NX_ID_MAX];
    snprintf(was, sizeof was, "%s", it->assignee);
    snprintf(it->assignee, sizeof it->assignee, "%s", to);
    it->updated = srv_op_time(s, op);
    int64_t rev = 0;
    if (srv_item_store(s, it, 0, 0) != 0 || srv_touch(s, it->id) != 0 ||
        nx_hub_item_rev(s->h, it->id, &rev) != 1 || clock_done(s, it->id, "assignee", op, rev) != 0)
        return -1;
    r->outcome = SRV_APPLIED;
    snprintf(r->reason, sizeof r->reason, "assigned to %s (was %s)", to[0] ? to : "nobody",
             was[0] ? was : "nobody");
    return 0;
}

/* ---- dispatch -------------------------------------------------------------------------- */

int srv_merge(nx_srv *s, const srv_op *op, srv_result *r)
{
    if (op->kind == NX_OP_CREATE)
        return srv_merge_create(s, op, r);
    if (op->kind == NX_OP_RESOLVE)
        return srv_merge_resolve(s, op, r);
    if (op->kind == NX_OP_RECORD)
        return srv_merge_record(s, op, r);
    nx_item it;
    int found = srv_item_load(s, op->item, &it);
    if (found < 0)
        return -1;
    if (found == 0) {
        reject(r, "item %s is not on the hub", op->item);
        return 0;
    }
    int rc = 0, shadow;
    if (!srv_in_scope(s, it.assignee, it.team)) {
        reject(r, "item %s is not assigned to you or your team", it.id);
    } else if ((shadow = srv_qa_shadow(s, op, &it, r)) != 0) {
        rc = shadow < 0 ? -1 : 0;              /* under QA review: hub/qa_live.h */
    } else {
        switch (op->kind) {
        case NX_OP_SET: rc = merge_set(s, op, &it, r); break;
        case NX_OP_ADD: rc = merge_add(s, op, &it, r); break;
        case NX_OP_STATUS: rc = srv_merge_status(s, op, &it, r); break;
        case NX_OP_NOTE: rc = srv_merge_note(s, op, &it, r); break;
        case NX_OP_ATTEMPT: rc = srv_merge_attempt(s, op, &it, r); break;
        case NX_OP_ATTACH: rc = srv_merge_attach(s, op, &it, r); break;
        case NX_OP_ASSIGN: rc = merge_assign(s, op, &it, r); break;
        default: reject(r, "unknown op kind"); break;
        }
    }
    nx_item_free(&it);
    return rc;
}
