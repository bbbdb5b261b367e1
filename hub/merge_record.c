/* hub/merge_record — a `record` op (core/sync/op.h): an oversight record
 * written on a laptop (QA review, CAPA, incident, patient request;
 * core/domain/record.h). The hub never trusts the device's check:
 *
 *   - the value is parsed strictly (nx_record_from_json) and the record
 *     kind is the op's field;
 *   - author and creation time are the hub's: the session's user for a
 *     new record (never a name the frame carries), the stored ones after;
 *     a proposed creation time in the future becomes the op's time;
 *   - nx_record_check (the kind's rules) against the stored record, as the
 *     session's user, role and team from the hub's users table;
 *   - last writer by (hlc, op id): an op older than the stored record's
 *     last write loses (RESULT "conflict") and the stored record gets a new
 *     revision, so the device's next pull replaces its local copy;
 *   - then the kind's effects on the hub (record_effects.c).
 *
 * A refused op writes nothing (serve_op.c rolls its savepoint back); the
 * record it tried to change is given a new revision afterwards
 * (srv_record_refused), for the same reason as a lost one. Reasons name
 * the record id and the rule, never a value. */
#include "hub/serve.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* 1 when (hlc, op id) of the op is later than the stored write. */
static int later(const srv_op *op, const nx_record *prev, const char *prev_op)
{
    if (op->hlc != prev->hlc)
        return op->hlc > prev->hlc;
    return strcmp(op->id, prev_op) > 0;
}

int srv_merge_record(nx_srv *s, const srv_op *op, srv_result *r)
{
    r->audit_field = NULL;
    int k = nx_record_kind_parse(op->field);
    if (k < 0) {
        snprintf(r->reason, sizeof r->reason, "record %s: unknown record kind", op->item);
        r->outcome = SRV_REJECTED;
        return 0;
    }
    r->audit_field = nx_record_kind_name((nx_record_kind)k);
    nx_record next = { 0 }, prev = { 0 };
    char err[SRV_REASON_MAX - 100] = "";
    if (nx_record_from_json(&next, op->value, err, sizeof err) != 0) {
        snprintf(r->reason, sizeof r->reason, "record %s: %s", op->item, err);
        r->outcome = SRV_REJECTED;
        nx_record_clear(&next);
        return 0;
    }
    if (strlen(op->item) >= sizeof next.id) {
        snprintf(r->reason, sizeof r->reason, "a record id is at most %zu characters",
                 sizeof next.id - 1);
        r->outcome = SRV_REJECTED;
        nx_record_clear(&next);
        return 0;
    }
    snprintf(next.id, sizeof next.id, "%.*s", (int)sizeof next.id - 1, op->item);
    snprintf(next.kind, sizeof next.kind, "%s", nx_record_kind_name((nx_record_kind)k));
    int found = nx_hub_record_get(s->h, op->item, &prev);
    char prev_op[40] = "";
    int rc = -1;
    if (found < 0 || (found && nx_hub_record_op(s->h, op->item, prev_op) < 0))
        goto out;
    int64_t at = srv_op_time(s, op);
    if (found) {
        snprintf(next.author, sizeof next.author, "%s", prev.author);
        next.created = prev.created;
    } else {
        snprintf(next.author, sizeof next.author, "%s", s->user);
        if (next.created <= 0 || next.created > srv_now())
            next.created = at;
    }
    next.updated = at;
    next.hlc = op->hlc;
    if (nx_record_check(found ? &prev : NULL, &next, s->role, s->user, s->team, err,
                        sizeof err) != 0) {
        snprintf(r->reason, sizeof r->reason, "%s", err);
        r->outcome = SRV_REJECTED;
        rc = 0;
        goto out;
    }
    if (found && !later(op, &prev, prev_op)) {
        /* A later write holds: this device's copy is re-sent. */
        if (nx_hub_record_put(s->h, &prev, prev_op) < 0)
            goto out;
        snprintf(r->reason, sizeof r->reason, "record %s: a later change wins (op %s)",
                 op->item, prev_op[0] ? prev_op : "of the hub");
        r->outcome = SRV_CONFLICT;
        rc = 0;
        goto out;
    }
    if (nx_hub_record_put(s->h, &next, op->id) < 0)
        goto out;
    err[0] = 0;
    int e = srv_record_effects(s, found ? &prev : NULL, &next, err, sizeof err);
    if (e < 0)
        goto out;
    if (e > 0) {
        snprintf(r->reason, sizeof r->reason, "%s", err);
        r->outcome = SRV_REJECTED;
        rc = 0;
        goto out;
    }
    snprintf(r->reason, sizeof r->reason, "record %s %s %s", op->item, found ? "changed" : "new",
             next.status);
    r->outcome = SRV_APPLIED;
    rc = 0;
out:
    nx_record_clear(&next);
    nx_record_clear(&prev);
    return rc;
}

int srv_record_refused(nx_srv *s, const srv_op *op)
{
    nx_record prev = { 0 };
    char prev_op[40] = "";
    int found = nx_hub_record_get(s->h, op->item, &prev);
    int rc = found;
    if (found == 1)
        rc = nx_hub_record_op(s->h, op->item, prev_op) < 0 ||
                     nx_hub_record_put(s->h, &prev, prev_op) < 0
                 ? -1
                 : 0;
    nx_record_clear(&prev);
    return rc < 0 ? -1 : 0;
}
