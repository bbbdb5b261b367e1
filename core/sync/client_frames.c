/* core/sync/client_frames — what each frame of the hub's answer does
 * (client.c reads them and runs the round): WELCOME (who this device is
 * now), RESULT (an op settled), CLIENT and ITEM (through the applier, into
 * the open batch; a first sync into an empty cache defers the queue
 * indexes at its first one), DROP, the devices' AUDIT events an oversight
 * role pulls, and END (the cursor, the sync state and the deferred
 * indexes, in one transaction; the hub's own audit chain's cursor with
 * them: client_haudit.c). */
#include "sync/client_round.h"
#include "sync/hlc.h"
#include "domain/audit.h"
#include "store/hub_events.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

nx_sync_code cl_on_welcome(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
                           char *err, size_t errlen)
{
    uint64_t proto = 0, v = 0;
    char user[65] = "";
    (void)nx_msg_get_u64(m, NX_TAG_PROTO, &proto);
    if (proto != NX_PROTO_VERSION) {
        nx_err(err, errlen, "the hub speaks protocol version %llu, this nexus %d: one of them "
               "needs an upgrade", (unsigned long long)proto, NX_PROTO_VERSION);
        return NX_SYNC_PROTOCOL;
    }
    if (nx_msg_get_str(m, NX_TAG_USER, user, sizeof user) < 0 ||
        strcmp(user, y->p->audit.user) != 0) {
        nx_err(err, errlen, "the hub knows this key as user '%s', but this profile is '%s': "
               "ask the hub's administrator", user, y->p->audit.user);
        return NX_SYNC_PROTOCOL;
    }
    int hub_training = nx_msg_get_u64(m, NX_TAG_TRAINING, &v) == 1 && v;
    int training = nx_vault_info(y->p->vault)->training;
    if (hub_training != training) {
        nx_err(err, errlen, training ? "this TRAINING profile may sync only with a training hub"
                                     : "this hub is a training hub: a real profile does not "
                                       "sync with it");
        return NX_SYNC_PROTOCOL;
    }
    nx_sync_state *ss = &rc->ss;
    (void)nx_msg_get_str(m, NX_TAG_ROLE, ss->role, sizeof ss->role);
    (void)nx_msg_get_str(m, NX_TAG_TEAM, ss->team, sizeof ss->team);
    (void)nx_msg_get_i64(m, NX_TAG_TIME, &ss->hub_time);
    (void)nx_msg_get_u64(m, NX_TAG_HLC, &rc->hub_hlc);
    if (nx_msg_get_u64(m, NX_TAG_GRACE_HOURS, &v) == 1)
        ss->grace_hours = v > 0 && v <= 24 * 365 ? (int)v : 0;
    if (nx_msg_get_u64(m, NX_TAG_KEEP_DAYS, &v) == 1)
        ss->keep_days = v > 0 && v <= 3650 ? (int)v : 0;
    ss->emergency = nx_msg_get_u64(m, NX_TAG_EMERGENCY, &v) == 1 && v;
    if (nx_msg_get_str(m, NX_TAG_BANNER, ss->banner, sizeof ss->banner) != 1)
        ss->banner[0] = '\0';
    rc->revoked = nx_msg_get_u64(m, NX_TAG_REVOKED, &v) == 1 && v;
    snprintf(st->banner, sizeof st->banner, "%s", ss->banner);
    st->emergency = ss->emergency;
    st->revoked = rc->revoked;
    return NX_SYNC_OK;
}

nx_sync_code cl_on_result(nx_syncer *y, const nx_msg *m, nx_sync_stats *st, char *err,
                          size_t errlen)
{
    char op[65], outcome[17], reason[513];
    if (nx_msg_get_str(m, NX_TAG_OP_ID, op, sizeof op) != 1 ||
        nx_msg_get_str(m, NX_TAG_OUTCOME, outcome, sizeof outcome) != 1) {
        nx_err(err, errlen, "the hub sent a malformed RESULT");
        return NX_SYNC_PROTOCOL;
    }
    if (nx_msg_get_str(m, NX_TAG_REASON, reason, sizeof reason) != 1 || !reason[0])
        snprintf(reason, sizeof reason, "rejected by the hub");
    const char *why = NULL;
    uint64_t *count;
    if (strcmp(outcome, "applied") == 0) {
        count = &st->applied;
    } else if (strcmp(outcome, "duplicate") == 0) {
        /* Seen before; the hub repeats the first outcome in REASON, for a
         * client that lost the first RESULT. */
        count = &st->duplicate;
        if (strncmp(reason, "rejected: ", 10) == 0)
            why = reason + 10;
        else if (strncmp(reason, "conflict", 8) == 0)
            why = "conflict: in the supervisor's inbox";
    } else if (strcmp(outcome, "rejected") == 0) {
        count = &st->rejected;
        why = reason;
    } else if (strcmp(outcome, "conflict") == 0) {
        count = &st->conflicts;
        why = "conflict: in the supervisor's inbox";
    } else {
        nx_err(err, errlen, "the hub answered an op with an unknown outcome '%s'", outcome);
        return NX_SYNC_PROTOCOL;
    }
    nx_sync_code c = cl_tx_open(y, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    int r = nx_outbox_settle(y->st, op, why, y->now(y->now_ctx));
    if (r < 0) {
        nx_err(err, errlen, "cannot record the hub's answer to an op in the cache");
        return NX_SYNC_ERROR;
    }
    *count += (uint64_t)r;   /* an answer seen before counts once */
    return NX_SYNC_OK;
}

nx_sync_code cl_applier(nx_syncer *y, char *err, size_t errlen)
{
    if (y->ap)
        return NX_SYNC_OK;
    if (nx_sync_applier_new(y->st, &y->ap) != 0) {
        nx_err(err, errlen, "cannot prepare the cache for the pull: %s", nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    /* which patient columns each kind holds: a drop clears the ones the
     * patient's remaining items do not */
    for (int k = 0; k < NX_KIND_COUNT; k++)
        if (nx_sync_applier_carried(y->ap, nx_kind_name((nx_kind)k), y->pb.pcarried[k]) != 0) {
            nx_sync_applier_free(y->ap);
            y->ap = NULL;
            nx_err(err, errlen, "cannot prepare the cache for the pull");
            return NX_SYNC_ERROR;
        }
    return NX_SYNC_OK;
}

/* Before a pulled CLIENT or ITEM is applied: the applier, the transaction,
 * the round's page cache and, at the first one of a first sync into an
 * empty cache, the deferral of its queue indexes. */
nx_sync_code cl_pull_prepare(nx_syncer *y, round_ctx *rc, char *err, size_t errlen)
{
    nx_sync_code c = cl_applier(y, err, errlen);
    if (c == NX_SYNC_OK)
        c = cl_tx_open(y, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    if (!y->big_cache) {
        (void)nx_sync_cache_kib(y->st, PULL_CACHE_KIB);   /* only the speed depends on it */
        y->big_cache = 1;
    }
    if (!rc->bulk_checked) {
        rc->bulk_checked = 1;
        if (!y->bulk && rc->ss.cursor == 0) {
            int r = nx_sync_bulk_start(y->st);
            if (r < 0) {
                nx_err(err, errlen, "cannot prepare the cache for the first sync: %s",
                       nx_store_errmsg(y->st));
                return NX_SYNC_ERROR;
            }
            y->bulk = r;
        }
        if (y->bulk)
            (void)nx_sync_cache_kib(y->st, BULK_CACHE_KIB);
        nx_sync_applier_mostly_new(y->ap, y->bulk);
    }
    return NX_SYNC_OK;
}

/* Builds deferred queue indexes inside the open transaction (with a page
 * cache that holds the table and the new indexes, which stay dirty until
 * the commit: none of it is read back). */
nx_sync_code cl_bulk_finish(nx_syncer *y, char *err, size_t errlen)
{
    if (!y->bulk)
        return NX_SYNC_OK;
    (void)nx_sync_cache_kib(y->st, BULK_CACHE_KIB);
    y->big_cache = 1;
    if (nx_sync_bulk_finish(y->st) != 0) {
        nx_err(err, errlen, "cannot build the queue indexes of the cache: %s",
               nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    return NX_SYNC_OK;
}

nx_sync_code cl_on_drop(nx_syncer *y, const nx_msg *m, nx_sync_stats *st, char *err,
                        size_t errlen)
{
    char id[64];
    nx_sync_code c = nx_pull_drop_id(m, id, err, errlen);
    if (c == NX_SYNC_OK)
        c = cl_applier(y, err, errlen);
    if (c == NX_SYNC_OK)
        c = cl_tx_open(y, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    int r = nx_sync_erase_item(y->ap, id);
    if (r < 0) {
        nx_err(err, errlen, "item %s: cannot remove it from the cache", id);
        return NX_SYNC_ERROR;
    }
    st->dropped++;
    return r ? cl_tx_event(y, NX_AUDIT_ERASE, id, err, errlen) : NX_SYNC_OK;
}

/* 1 when the role the hub gave this round may hold the devices' events. */
static nx_sync_code devev_allowed(nx_syncer *y, round_ctx *rc, char *err, size_t errlen)
{
    if (rc->devev_ok < 0) {
        int r = nx_sync_audit_role(&y->policy, rc->ss.role, err, errlen);
        if (r < 0)
            return NX_SYNC_ERROR;
        rc->devev_ok = r;
    }
    return NX_SYNC_OK;
}

nx_sync_code cl_on_hub_audit(nx_syncer *y, const nx_msg *m, round_ctx *rc,
                             nx_sync_stats *st, char *err, size_t errlen)
{
    nx_sync_code c = devev_allowed(y, rc, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    if (!rc->devev_ok) {
        nx_err(err, errlen, "the hub sent the devices' audit events to role '%s', which may "
               "not hold them", rc->ss.role[0] ? rc->ss.role : "none");
        return NX_SYNC_PROTOCOL;
    }
    if (!y->dw && nx_devev_writer_new(y->st, &y->dw) != 0) {
        nx_err(err, errlen, "cannot prepare the cache for audit events: %s",
               nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    if ((c = cl_tx_open(y, err, errlen)) != NX_SYNC_OK)
        return c;
    int stored = 0;
    uint64_t hs = 0;
    c = nx_pull_audit(y->dw, m, rc->devev_last, &hs, &stored, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    rc->devev_last = hs;
    st->audit_pulled += (uint64_t)stored;
    /* Not `moved`: a sync event of its own here would come back in the
     * next pull, and an officer's rounds would never go quiet. The hub
     * audits what it sent. */
    return NX_SYNC_OK;
}

/* END's AUDIT_CURSOR (the new audit cursor, or the old one when absent)
 * and MORE. */
static nx_sync_code end_devev(const nx_msg *m, round_ctx *rc, uint64_t *cursor, char *err,
                              size_t errlen)
{
    uint64_t v = 0;
    *cursor = rc->devev0;
    if (nx_msg_get_u64(m, NX_TAG_AUDIT_CURSOR, &v) != 1) {
        if (rc->devev_last > rc->devev0) {
            nx_err(err, errlen, "the hub sent audit events but no audit cursor in END");
            return NX_SYNC_PROTOCOL;
        }
        return NX_SYNC_OK;
    }
    if (v < rc->devev_last || v > (uint64_t)INT64_MAX) {
        nx_err(err, errlen, "the hub's audit cursor %llu is behind the events it sent (%llu)",
               (unsigned long long)v, (unsigned long long)rc->devev_last);
        return NX_SYNC_PROTOCOL;
    }
    uint64_t more = 0;
    rc->devev_more = nx_msg_get_u64(m, NX_TAG_MORE, &more) == 1 && more;
    *cursor = v;
    return NX_SYNC_OK;
}

/* On a new connection, a role that may not hold the devices' events no
 * longer keeps any (an officer moved to another role): erased with the
 * END, and audited; the hub's own chain with them (client_haudit.c). */
static nx_sync_code devev_forget(nx_syncer *y, round_ctx *rc, uint64_t *cursor, char *err,
                                 size_t errlen)
{
    if (!rc->fresh)
        return NX_SYNC_OK;
    int any = nx_devev_any(y->st);
    int64_t hub = nx_hubev_count(y->st);     /* the hub's own chain goes with them */
    if (any < 0 || hub < 0) {
        nx_err(err, errlen, "cannot read the cache: %s", nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    any = any || hub > 0;
    if (!any && *cursor == 0)
        return NX_SYNC_OK;
    nx_sync_code c = devev_allowed(y, rc, err, errlen);
    if (c != NX_SYNC_OK || rc->devev_ok)
        return c;
    if ((c = cl_tx_open(y, err, errlen)) != NX_SYNC_OK)
        return c;
    if (nx_devev_clear(y->st) != 0 || nx_hubev_clear(y->st) != 0) {
        nx_err(err, errlen, "cannot erase the devices' audit events from the cache");
        return NX_SYNC_ERROR;
    }
    *cursor = 0;
    rc->haudit_cleared = 1;
    return any ? cl_tx_event(y, NX_AUDIT_ERASE, NULL, err, errlen) : NX_SYNC_OK;
}

nx_sync_code cl_on_end(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
                       char *err, size_t errlen)
{
    nx_sync_state *ss = &rc->ss;
    uint64_t cursor = 0, hlc = 0;
    int64_t hub_time = 0;
    if (nx_msg_get_u64(m, NX_TAG_CURSOR, &cursor) != 1 ||
        nx_msg_get_i64(m, NX_TAG_TIME, &hub_time) != 1 || nx_msg_get_u64(m, NX_TAG_HLC, &hlc) != 1) {
        nx_err(err, errlen, "the hub sent a malformed END");
        return NX_SYNC_PROTOCOL;
    }
    int64_t now = y->now(y->now_ctx);
    uint64_t audit = (uint64_t)rc->max_seq > ss->audit_seq ? (uint64_t)rc->max_seq : ss->audit_seq;
    uint64_t devev = rc->devev0, haudit = 0;
    nx_sync_code c = end_devev(m, rc, &devev, err, errlen);
    if (c == NX_SYNC_OK)
        c = devev_forget(y, rc, &devev, err, errlen);
    if (c == NX_SYNC_OK)
        c = cl_haudit_end(y, m, rc, &haudit, err, errlen);   /* the hub's own chain */
    if (c != NX_SYNC_OK)
        return c;
    if (!y->in_tx && !y->bulk && !rc->moved && cursor == rc->cursor0 && audit == rc->audit0 &&
        devev == rc->devev0 && haudit == rc->haudit0 && now >= rc->last_wall0 &&
        now - rc->last_wall0 < QUIET_ROUND_RECORD_S) {
        st->cursor = cursor;
        st->hub_time = hub_time;
        return NX_SYNC_OK;
    }
    c = cl_tx_open(y, err, errlen);
    if (c == NX_SYNC_OK)
        c = cl_bulk_finish(y, err, errlen);    /* the cursor moves with the indexes */
    if (c != NX_SYNC_OK)
        return c;
    if ((devev != rc->devev0 && nx_devev_cursor_set(y->st, devev) != 0) ||
        (haudit != rc->haudit0 && nx_hubev_cursor_set(y->st, haudit) != 0)) {
        nx_err(err, errlen, "cannot write the sync state to the cache");
        return NX_SYNC_ERROR;
    }
    nx_grace_now gn;
    nx_grace_read_now(&gn, now);
    ss->cursor = cursor;
    ss->hub_time = hub_time;
    ss->last_sync_wall = now;
    snprintf(ss->boot_id, sizeof ss->boot_id, "%s", gn.boot_id);
    ss->boot_secs = gn.boot_secs;
    if ((uint64_t)rc->max_seq > ss->audit_seq)
        ss->audit_seq = (uint64_t)rc->max_seq;
    uint64_t h;
    int64_t ms = cl_wall_ms(y);
    if (nx_sync_hlc_get(y->st, &h) != 0) {
        nx_err(err, errlen, "cannot read the sync state from the cache");
        return NX_SYNC_ERROR;
    }
    if (rc->hub_hlc)
        nx_hlc_recv(&h, rc->hub_hlc, ms);
    nx_hlc_recv(&h, hlc, ms);
    if (nx_sync_state_save(y->st, ss) != 0 || nx_sync_hlc_raise(y->st, h) != 0 ||
        nx_sync_high_water(y->st, now, NULL) != 0) {
        nx_err(err, errlen, "cannot write the sync state to the cache");
        return NX_SYNC_ERROR;
    }
    if (rc->moved && (c = cl_tx_event(y, NX_AUDIT_SYNC, NULL, err, errlen)) != NX_SYNC_OK)
        return c;
    if ((c = cl_tx_commit(y, err, errlen)) != NX_SYNC_OK)
        return c;
    y->bulk = 0;
    st->cursor = cursor;
    st->hub_time = hub_time;
    return NX_SYNC_OK;
}
