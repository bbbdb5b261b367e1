/* hub/serve_op — one OP frame: copied out of the frame, deduplicated by op
 * id, its identity checked against the session (the op's USER must be the
 * user sshd proved, its DEVICE the HELLO's), handed to the merge inside a
 * savepoint, and its outcome recorded with a hub audit event in the same
 * transaction. A refused op leaves nothing but its record and its audit
 * event; the RESULT goes out after the batch commits (serve.c). */
#include "hub/serve.h"
#include "util/util.h"

#include <sodium.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_op_clear(srv_op *op)
{
    if (op->value) {
        sodium_memzero(op->value, strlen(op->value));
        free(op->value);
    }
    op->value = NULL;
}

/* 0, or -1 when a field does not fit (the frame's limits are the schema's,
 * these buffers hold every value it allows). */
static int parse(const nx_msg *m, srv_op *op)
{
    memset(op, 0, sizeof *op);
    op->kind = -1;
    if (nx_msg_get_str(m, NX_TAG_OP_ID, op->id, sizeof op->id) < 0 ||
        nx_msg_get_str(m, NX_TAG_OP_KIND, op->kind_name, sizeof op->kind_name) < 0 ||
        nx_msg_get_str(m, NX_TAG_ITEM, op->item, sizeof op->item) < 0 ||
        nx_msg_get_str(m, NX_TAG_USER, op->user, sizeof op->user) < 0 ||
        nx_msg_get_str(m, NX_TAG_DEVICE, op->device, sizeof op->device) < 0 ||
        nx_msg_get_str(m, NX_TAG_FIELD, op->field, sizeof op->field) < 0 ||
        nx_msg_get_str(m, NX_TAG_EXPECT, op->expect, sizeof op->expect) < 0)
        return -1;
    uint64_t hlc = 0;
    nx_msg_get_u64(m, NX_TAG_HLC, &hlc);
    op->hlc = hlc;
    op->kind = nx_op_kind_parse(op->kind_name);
    const nx_field_ref *v = nx_msg_get(m, NX_TAG_VALUE);
    size_t n = v ? v->len : 0;
    op->value = malloc(n + 1);
    if (!op->value)
        return -1;
    if (n)
        memcpy(op->value, v->p, n);
    op->value[n] = '\0';
    return 0;
}

static int savepoint(nx_srv *s, const char *sql)
{
    return sqlite3_exec(nx_hub_db(s->h), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void result(nx_srv *s, const srv_op *op, const char *outcome, const char *reason)
{
    nx_wbuf *b = &s->out;
    nx_msg_begin(b, NX_MSG_RESULT);
    nx_msg_str(b, NX_TAG_OP_ID, op->id);
    nx_msg_str(b, NX_TAG_OUTCOME, outcome);
    if (reason && *reason)
        nx_msg_str(b, NX_TAG_REASON, reason);
    if (op->item[0])
        nx_msg_str(b, NX_TAG_ITEM, op->item);
    nx_msg_end(b);
}

static void reject(srv_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reject(srv_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->outcome = SRV_REJECTED;
}

/* Checks that need no item: identity, shape, the clock. */
static void precheck(nx_srv *s, const srv_op *op, srv_result *r)
{
    if (s->revoked)
        reject(r, "revoked");
    else if (strcmp(op->user, s->user) != 0)
        reject(r, "the op's user is not the user of this session");
    else if (strcmp(op->device, s->device) != 0)
        reject(r, "the op's device is not the device of this session");
    else if (op->kind < 0)
        reject(r, "unknown op kind");
    else if (!srv_token_ok(op->item))
        reject(r, "the op's item id is not an id");
    else if (op->hlc == 0 || NX_HLC_MS(op->hlc) > nx_hlc_wall_ms() + SRV_MAX_AHEAD_MS)
        reject(r, "the op's clock is more than a day ahead of the hub's: check the device's "
                  "date and time");
}

static const char *audit_action(const srv_result *r)
{
    if (r->audit_action)
        return r->audit_action;
    if (strcmp(r->outcome, SRV_APPLIED) == 0)
        return NX_HUB_ACT_PUSH;
    if (strcmp(r->outcome, SRV_CONFLICT) == 0)
        return NX_HUB_ACT_CONFLICT;
    return NX_HUB_ACT_REJECT;
}

/* The field id for the op's audit event: a token or nothing. */
static const char *audit_field(const srv_op *op, const srv_result *r)
{
    if (r->audit_field)
        return r->audit_field;
    if ((op->kind == NX_OP_SET || op->kind == NX_OP_ADD) && srv_token_ok(op->field))
        return op->field;
    return NULL;
}

static int record(nx_srv *s, const srv_op *op, const srv_result *r)
{
    nx_hub_op_rec rec = { .op_id = op->id, .device = s->device, .user = s->user, .hlc = op->hlc,
                          .kind = op->kind_name, .item = op->item, .field = op->field,
                          .value = op->value, .expect = op->expect, .received = srv_now(),
                          .outcome = r->outcome, .reason = r->reason };
    if (nx_hub_op_record(s->h, &rec) != 0)
        return -1;
    char why[SRV_REASON_MAX + 64];
    snprintf(why, sizeof why, "op %s %s%s%s", op->id, op->kind_name, r->reason[0] ? ": " : "",
             r->reason);
    int failed = strcmp(r->outcome, SRV_REJECTED) == 0;
    return srv_audit(s, audit_action(r), srv_token_ok(op->item) ? op->item : NULL,
                     audit_field(op, r), why, failed);
}

int srv_on_op(nx_srv *s, const nx_msg *m)
{
    srv_op op;
    if (srv_tx(s) != 0)
        return -1;
    if (parse(m, &op) != 0) {
        srv_op_clear(&op);
        return -1;
    }
    s->st.ops++;
    int rc = -1;
    char outcome[32], reason[SRV_REASON_MAX];
    int seen = srv_token_ok(op.id) ? nx_hub_op_seen(s->h, op.id, outcome, sizeof outcome, reason,
                                                    sizeof reason)
                                   : 0;
    if (seen < 0)
        goto out;
    if (seen == 1) {
        /* Nothing applied again; the first outcome comes back in REASON
         * so a client that lost the first RESULT still learns it. */
        char first[SRV_REASON_MAX + 40];
        snprintf(first, sizeof first, "%s%s%s", outcome, reason[0] ? ": " : "", reason);
        result(s, &op, SRV_DUPLICATE, first);
        s->st.dup++;
        rc = 0;
        goto out;
    }
    srv_result r = { .outcome = NULL };
    if (!srv_token_ok(op.id) || strlen(op.id) > 39) {
        /* Not recorded: it could not be deduplicated anyway. */
        result(s, &op, SRV_REJECTED, "the op id is not an id");
        s->st.rejected++;
        rc = srv_audit(s, NX_HUB_ACT_REJECT, NULL, NULL, "op with a malformed id", 1);
        goto out;
    }
    precheck(s, &op, &r);
    if (savepoint(s, "SAVEPOINT op") != 0)
        goto out;
    if (!r.outcome && srv_merge(s, &op, &r) != 0) {
        savepoint(s, "ROLLBACK TO op");
        savepoint(s, "RELEASE op");
        goto out;
    }
    if (strcmp(r.outcome, SRV_REJECTED) == 0 &&
        (savepoint(s, "ROLLBACK TO op") != 0 ||
         (op.kind == NX_OP_RECORD && srv_record_refused(s, &op) != 0)))
        goto out;
    if (record(s, &op, &r) != 0) {
        savepoint(s, "ROLLBACK TO op");
        savepoint(s, "RELEASE op");
        goto out;
    }
    if (savepoint(s, "RELEASE op") != 0)
        goto out;
    /* Every op seen moves the hub's clock past it (bounded above). */
    if (op.hlc && NX_HLC_MS(op.hlc) <= nx_hlc_wall_ms() + SRV_MAX_AHEAD_MS)
        nx_hlc_recv(&s->hlc, op.hlc, nx_hlc_wall_ms());
    result(s, &op, r.outcome, r.reason);
    if (strcmp(r.outcome, SRV_APPLIED) == 0)
        s->st.applied++;
    else if (strcmp(r.outcome, SRV_CONFLICT) == 0)
        s->st.conflicts++;
    else
        s->st.rejected++;
    rc = 0;
out:
    srv_op_clear(&op);
    return rc;
}
