/* hub/pull_audit — the device audit events a pull carries to the oversight
 * roles: the privacy officer, the security officer and the auditor review
 * every device's trail (issue 5, "minimum necessary on the wire"), so their
 * pulls carry the events the devices pushed (serve_audit.c), read-only.
 *
 * Who: a role the policy allows `audit` (assets/policy.txt), and only when
 * the PULL carries AUDIT_CURSOR (a client that does not ask gets nothing).
 * Every other role gets no AUDIT frame at all. What: the events with
 * hub_seq > AUDIT_CURSOR, in hub_seq order, at most NX_AUDIT_PULL_MAX a
 * pull; END then says the new cursor and whether more wait (proto.h).
 *
 * Two phases, like the items (pull.c): the batch is fixed inside the
 * round's write transaction (its span of hub_seq, and a hub audit event
 * saying how many went to whom), then streamed after the commit in short
 * statements of STREAM_CHUNK rows, so a slow client holds no lock while
 * it reads. hub_seq is drawn in the write transaction that stores an
 * event, and writers are serialized, so the span never gains a row later.
 * Reasons travel as the device wrote them: the officers review them, and
 * they stay inside the encrypted stores at both ends.
 *
 * The hub's own chain goes to the same roles in the same three steps
 * (pull_haudit.c), called from here after the devices'. */
#include "hub/serve.h"

#include <stdio.h>
#include <string.h>

#define STREAM_CHUNK 1000
#define STREAM_FLUSH (256u * 1024u)

static int devices_plan(pull_ctx *c, const nx_msg *m)
{
    nx_srv *s = c->s;
    uint64_t cursor = 0;
    c->audit_on = 0;
    c->naudit = 0;
    c->audit_more = 0;
    if (nx_msg_get_u64(m, NX_TAG_AUDIT_CURSOR, &cursor) != 1 || s->revoked ||
        !nx_policy_allows(s->policy, s->role, NX_ACTION_AUDIT))
        return 0;
    if (cursor > (uint64_t)INT64_MAX)
        cursor = (uint64_t)INT64_MAX;
    c->audit_on = 1;
    c->audit_from = cursor;
    if (nx_hub_dev_events_span(s->h, cursor, NX_AUDIT_PULL_MAX, &c->naudit, &c->audit_upto,
                               &c->audit_more) != 0)
        return -1;
    if (!c->naudit)
        return 0;
    char why[200];
    snprintf(why, sizeof why, "device audit events sent: %llu (hub seq %llu to %llu)%s",
             (unsigned long long)c->naudit, (unsigned long long)c->audit_from + 1,
             (unsigned long long)c->audit_upto, c->audit_more ? ", more wait" : "");
    return srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0);
}

/* The devices' events, then the hub's own chain (pull_haudit.c), whose
 * span then holds the event the devices' send just wrote. */
int srv_pull_audit_plan(pull_ctx *c, const nx_msg *m)
{
    if (devices_plan(c, m) != 0)
        return -1;
    return srv_pull_haudit_plan(c, m);
}

typedef struct {
    nx_srv *s;
    uint64_t last, sent;
} stream_ctx;

static int put_event(void *arg, const nx_hub_dev_event *e)
{
    stream_ctx *x = arg;
    nx_wbuf *b = &x->s->out;
    nx_msg_begin(b, NX_MSG_AUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, e->seq);
    nx_msg_i64(b, NX_TAG_AT, e->at);
    nx_msg_str(b, NX_TAG_USER, e->user);
    nx_msg_str(b, NX_TAG_ROLE, e->role);
    nx_msg_str(b, NX_TAG_DEVICE, e->device);
    nx_msg_str(b, NX_TAG_ACTION, e->action);
    nx_msg_str(b, NX_TAG_OUTCOME, e->outcome);
    nx_msg_hash(b, NX_TAG_PREV_HASH, e->prev_hash);
    nx_msg_hash(b, NX_TAG_HASH, e->hash);
    if (e->item && *e->item)
        nx_msg_str(b, NX_TAG_ITEM, e->item);
    if (e->field && *e->field)
        nx_msg_str(b, NX_TAG_FIELD, e->field);
    if (e->reason && *e->reason)
        nx_msg_str(b, NX_TAG_REASON, e->reason);
    nx_msg_u64(b, NX_TAG_HUB_SEQ, e->hub_seq);
    nx_msg_end(b);
    x->last = e->hub_seq;
    x->sent++;
    return b->failed ? 1 : 0;
}

static int devices_stream(pull_ctx *c)
{
    nx_srv *s = c->s;
    if (!c->audit_on || !c->naudit)
        return 0;
    stream_ctx x = { s, c->audit_from, 0 };
    while (x.last < c->audit_upto) {
        uint64_t before = x.last;
        int rc = nx_hub_dev_events_each(s->h, x.last, c->audit_upto, STREAM_CHUNK, put_event, &x);
        if (rc != 0 || s->out.failed)
            return -1;
        if (x.last == before)
            break;                         /* nothing more in the span */
        if (s->out.len >= STREAM_FLUSH && srv_flush(s) != 0)
            return -2;
    }
    /* The span was fixed under the write lock: it cannot have shrunk. */
    return x.sent == c->naudit ? 0 : -1;
}

int srv_pull_audit_stream(pull_ctx *c)
{
    int rc = devices_stream(c);
    return rc == 0 ? srv_pull_haudit_stream(c) : rc;
}

/* MORE: either stream has more waiting (the client pulls again). */
void srv_pull_audit_end(const pull_ctx *c, nx_wbuf *b)
{
    if (!c)
        return;
    if (c->audit_on)
        nx_msg_u64(b, NX_TAG_AUDIT_CURSOR, c->audit_upto);
    srv_pull_haudit_end(c, b);
    if ((c->audit_on && c->audit_more) || (c->haudit_on && c->haudit_more))
        nx_msg_u64(b, NX_TAG_MORE, 1);
}
