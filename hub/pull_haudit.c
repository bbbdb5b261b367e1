/* hub/pull_haudit — the hub's own audit chain (haudit.c: admin commands,
 * sessions, pushes, rejections) sent to the oversight roles, so that the
 * privacy officer, the security officer and the auditor review it on
 * their laptops beside every device's events; until now only
 * `nexus-hub audit query` on the host showed it.
 *
 * Who: exactly the device stream's rule (pull_audit.c): a role the policy
 * allows `audit`, a session not revoked, and a PULL that carries
 * HAUDIT_CURSOR. What: the events with seq > HAUDIT_CURSOR in seq order,
 * at most NX_HAUDIT_PULL_MAX a pull, as HAUDIT frames (proto.h); END then
 * carries the new cursor (the last seq sent) and pull_audit.c's MORE.
 * A stream of its own, on its own cursor: the devices' stream is numbered
 * by hub_seq over device_audit, which this one leaves alone.
 *
 * The send is audited in the hub's chain like the devices' ("hub audit
 * events sent ..."), and that event is written BEFORE the span is fixed,
 * so it travels in the same pull: an officer's next round finds nothing
 * new and stays quiet (no event about sending the event about sending).
 * Plan inside the round's write transaction (the chain cannot grow under
 * it: writers are serialized), stream after the commit in short chunks.
 *
 * No PHI: the hub's events carry user names, roles, device ids, item ids,
 * field ids and the hub's own reasons (counts, ids, rule names); haudit.c
 * refuses anything that is not a plain id in the id columns. */
#include "hub/serve.h"

#include <stdio.h>
#include <string.h>

#define STREAM_CHUNK 1000
#define STREAM_FLUSH (256u * 1024u)

int srv_pull_haudit_plan(pull_ctx *c, const nx_msg *m)
{
    nx_srv *s = c->s;
    uint64_t cursor = 0, last = 0;
    c->haudit_on = 0;
    c->nhaudit = 0;
    c->haudit_more = 0;
    if (nx_msg_get_u64(m, NX_TAG_HAUDIT_CURSOR, &cursor) != 1 || s->revoked ||
        !nx_policy_allows(s->policy, s->role, NX_ACTION_AUDIT))
        return 0;
    if (cursor > (uint64_t)INT64_MAX)
        cursor = (uint64_t)INT64_MAX;
    c->haudit_on = 1;
    c->haudit_from = c->haudit_upto = cursor;
    if (nx_hub_audit_last_seq(s->h, &last) != 0)
        return -1;
    /* A cursor past the chain's end (the hub's store restored from an
     * older copy): nothing is sent and the cursor stays; the laptop keeps
     * what it holds, and when the chain grows again past it, the link
     * from its last event to the rewritten one breaks there. */
    if (last <= cursor)
        return 0;
    /* The event about this send is last + 1 and goes with it. */
    uint64_t avail = last + 1 - cursor;
    c->nhaudit = avail > NX_HAUDIT_PULL_MAX ? NX_HAUDIT_PULL_MAX : avail;
    c->haudit_upto = cursor + c->nhaudit;
    c->haudit_more = c->haudit_upto < last + 1;
    char why[200];
    snprintf(why, sizeof why, "hub audit events sent: %llu (seq %llu to %llu, this one%s)%s",
             (unsigned long long)c->nhaudit, (unsigned long long)cursor + 1,
             (unsigned long long)c->haudit_upto, c->haudit_more ? " next time" : " included",
             c->haudit_more ? ", more wait" : "");
    if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
        return -1;
    /* The chain's one writer is this transaction: it must end at last + 1. */
    uint64_t now_last = 0;
    if (nx_hub_audit_last_seq(s->h, &now_last) != 0 || now_last != last + 1)
        return -1;
    return 0;
}

typedef struct {
    nx_srv *s;
    uint64_t last;
} stream_ctx;

static int put_event(void *arg, const nx_hub_chain_event *e)
{
    stream_ctx *x = arg;
    nx_wbuf *b = &x->s->out;
    nx_msg_begin(b, NX_MSG_HAUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, (uint64_t)e->seq);
    nx_msg_i64(b, NX_TAG_AT, e->at);
    nx_msg_str(b, NX_TAG_USER, e->user);
    nx_msg_str(b, NX_TAG_ROLE, e->role);
    nx_msg_str(b, NX_TAG_DEVICE, e->device);
    nx_msg_str(b, NX_TAG_ACTION, e->action);
    nx_msg_str(b, NX_TAG_OUTCOME, e->outcome);
    nx_msg_hash(b, NX_TAG_PREV_HASH, e->prev_hash);
    nx_msg_hash(b, NX_TAG_HASH, e->hash);
    if (*e->item)
        nx_msg_str(b, NX_TAG_ITEM, e->item);
    if (*e->field)
        nx_msg_str(b, NX_TAG_FIELD, e->field);
    if (*e->reason)
        nx_msg_str(b, NX_TAG_REASON, e->reason);
    nx_msg_end(b);
    x->last = (uint64_t)e->seq;
    return b->failed ? 1 : 0;
}

int srv_pull_haudit_stream(pull_ctx *c)
{
    nx_srv *s = c->s;
    if (!c->haudit_on || !c->nhaudit)
        return 0;
    stream_ctx x = { s, c->haudit_from };
    while (x.last < c->haudit_upto) {
        uint64_t before = x.last;
        int rc = nx_hub_audit_each(s->h, x.last, c->haudit_upto, STREAM_CHUNK, put_event, &x);
        if (rc != 0 || s->out.failed)
            return -1;
        if (x.last == before)
            break;
        if (s->out.len >= STREAM_FLUSH && srv_flush(s) != 0)
            return -2;
    }
    /* Fewer than planned only when rows were taken out of the chain on
     * the host: what is left goes as it is, and the laptop's check shows
     * the gap (refusing the pull would hide it instead). */
    return 0;
}

void srv_pull_haudit_end(const pull_ctx *c, nx_wbuf *b)
{
    if (c && c->haudit_on)
        nx_msg_u64(b, NX_TAG_HAUDIT_CURSOR, c->haudit_upto);
}
