/* core/sync/client_haudit — the client's side of the hub's own audit chain
 * an oversight role pulls (proto.h, "The hub's own audit chain"): the
 * cursor PULL carries, each HAUDIT frame checked and stored
 * (core/store/hub_events.h), and END's cursor. client.c calls these
 * beside the devices' stream (client_audit.c, client_frames.c).
 *
 * Why the checks here too: the hub sends the chain only to a role the
 * policy allows `audit`; a laptop whose role may not hold it refuses the
 * frame (a protocol error) instead of filling up with it, and a role
 * moved away erases what it held at the first new connection, with the
 * devices' events (client_frames.c, one `erase` event for both).
 * Within a pull the seq must increase, ids must be plain tokens and the
 * action and outcome words; an event under a seq already held is kept as
 * it was (the chain check then shows the rewrite as a break). END's
 * cursor may not be behind the events sent. Errors name seqs, never a
 * value; the reason is wiped from this file's buffer after the write. */
#include "sync/client_round.h"
#include "store/hub_events.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static nx_sync_code allowed(nx_syncer *y, round_ctx *rc, char *err, size_t errlen)
{
    if (rc->devev_ok < 0) {
        int r = nx_sync_audit_role(&y->policy, rc->ss.role, err, errlen);
        if (r < 0)
            return NX_SYNC_ERROR;
        rc->devev_ok = r;
    }
    return NX_SYNC_OK;
}

/* The cursor as this exchange found it (only END moves it). */
static nx_sync_code cursor0(nx_syncer *y, round_ctx *rc, char *err, size_t errlen)
{
    if (rc->haudit_read)
        return NX_SYNC_OK;
    if (nx_hubev_cursor(y->st, &rc->haudit0) != 0) {
        nx_err(err, errlen, "cannot read the sync state from the cache");
        return NX_SYNC_ERROR;
    }
    rc->haudit_last = rc->haudit0;
    rc->haudit_read = 1;
    return NX_SYNC_OK;
}

int cl_haudit_pull(nx_syncer *y, nx_wbuf *b)
{
    uint64_t cursor = 0;
    if (nx_hubev_cursor(y->st, &cursor) != 0)
        return -1;
    /* Every client asks; the hub answers only an oversight role. */
    return nx_msg_u64(b, NX_TAG_HAUDIT_CURSOR, cursor);
}

static int word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

nx_sync_code cl_on_haudit(nx_syncer *y, const nx_msg *m, round_ctx *rc, char *err,
                          size_t errlen)
{
    nx_sync_code c = allowed(y, rc, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    if (!rc->devev_ok) {
        nx_err(err, errlen, "the hub sent its own audit chain to role '%s', which may not "
               "hold it", rc->ss.role[0] ? rc->ss.role : "none");
        return NX_SYNC_PROTOCOL;
    }
    if ((c = cursor0(y, rc, err, errlen)) != NX_SYNC_OK ||
        (c = cl_tx_open(y, err, errlen)) != NX_SYNC_OK)
        return c;
    /* Buffers one byte over each tag's maximum (proto.h). */
    char user[65], role[65], device[65], action[33], outcome[17], item[65], field[65];
    char reason[513];
    uint64_t seq = 0;
    int64_t at = 0;
    const nx_field_ref *prev = nx_msg_get(m, NX_TAG_PREV_HASH), *hash = nx_msg_get(m, NX_TAG_HASH);
    (void)nx_msg_get_u64(m, NX_TAG_SEQ, &seq);
    (void)nx_msg_get_i64(m, NX_TAG_AT, &at);
    if (seq == 0 || seq > (uint64_t)INT64_MAX || seq <= rc->haudit_last) {
        nx_err(err, errlen, "the hub sent its audit event %llu out of order (after %llu)",
               (unsigned long long)seq, (unsigned long long)rc->haudit_last);
        return NX_SYNC_PROTOCOL;
    }
    item[0] = field[0] = reason[0] = '\0';
    if (nx_msg_get_str(m, NX_TAG_USER, user, sizeof user) != 1 ||
        nx_msg_get_str(m, NX_TAG_ROLE, role, sizeof role) != 1 ||
        nx_msg_get_str(m, NX_TAG_DEVICE, device, sizeof device) != 1 ||
        nx_msg_get_str(m, NX_TAG_ACTION, action, sizeof action) != 1 ||
        nx_msg_get_str(m, NX_TAG_OUTCOME, outcome, sizeof outcome) != 1 ||
        nx_msg_get_str(m, NX_TAG_ITEM, item, sizeof item) < 0 ||
        nx_msg_get_str(m, NX_TAG_FIELD, field, sizeof field) < 0 ||
        nx_msg_get_str(m, NX_TAG_REASON, reason, sizeof reason) < 0 || !prev || !hash ||
        prev->len != NX_HUBEV_HASH_BYTES || hash->len != NX_HUBEV_HASH_BYTES ||
        !nx_sync_token_ok(user) || !nx_sync_token_ok(role) || !nx_sync_token_ok(device) ||
        !word(action) || !word(outcome) || (item[0] && !nx_sync_token_ok(item)) ||
        (field[0] && !nx_sync_token_ok(field))) {
        nx_err(err, errlen, "the hub's audit event %llu: the hub sent it malformed",
               (unsigned long long)seq);
        c = NX_SYNC_PROTOCOL;
    } else {
        nx_hubev e = { .seq = (int64_t)seq, .at = at, .user = user, .role = role,
                       .device = device, .action = action, .item_id = item, .field = field,
                       .reason = reason, .outcome = outcome, .prev_hash = prev->p,
                       .hash = hash->p };
        if (nx_hubev_write(y->st, &e) < 0) {
            nx_err(err, errlen, "the hub's audit event %llu: cannot write it to the cache",
                   (unsigned long long)seq);
            c = NX_SYNC_ERROR;
        } else {
            rc->haudit_last = seq;
        }
    }
    sodium_memzero(reason, sizeof reason);
    /* Not `moved`, like the devices' events: a sync event of its own
     * would come back in the next pull. */
    return c;
}

nx_sync_code cl_haudit_end(nx_syncer *y, const nx_msg *m, round_ctx *rc, uint64_t *cursor,
                           char *err, size_t errlen)
{
    nx_sync_code c = cursor0(y, rc, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    *cursor = rc->haudit0;
    uint64_t v = 0, more = 0;
    if (nx_msg_get_u64(m, NX_TAG_HAUDIT_CURSOR, &v) != 1) {
        if (rc->haudit_last > rc->haudit0) {
            nx_err(err, errlen, "the hub sent its audit events but no cursor for them in END");
            return NX_SYNC_PROTOCOL;
        }
        if (rc->haudit_cleared)
            *cursor = 0;
        return NX_SYNC_OK;
    }
    if (v < rc->haudit_last || v > (uint64_t)INT64_MAX) {
        nx_err(err, errlen, "the hub's audit chain cursor %llu is behind the events it sent "
               "(%llu)", (unsigned long long)v, (unsigned long long)rc->haudit_last);
        return NX_SYNC_PROTOCOL;
    }
    /* Never back: a hub whose chain is shorter than what this laptop
     * holds (restored from an older copy) echoes the cursor it was sent. */
    if (v > rc->haudit0)
        *cursor = v;
    if (nx_msg_get_u64(m, NX_TAG_MORE, &more) == 1 && more)
        rc->devev_more = 1;
    if (rc->haudit_cleared)
        *cursor = 0;
    return NX_SYNC_OK;
}
