/* core/sync/client — one sync round on the client (sync.h): push the
 * outbox and the audit events not yet acknowledged, pull what changed,
 * apply it, move the cursor.
 *
 * One exchange is written in one go and answered in one go (proto.h): the
 * round costs one round trip. Resuming after a cut or a crash at any point
 * needs nothing special because every step is idempotent and ordered:
 *   - an op leaves the outbox only in the transaction that records the
 *     hub's RESULT for it; pushed again, the hub answers "duplicate";
 *   - ITEM is an upsert and DROP a delete: applying one twice is harmless;
 *   - the cursor, the last-sync times and the acknowledged audit seq move
 *     only with END, in the transaction of the last batch.
 *   - an oversight role's AUDIT frames (every device's events, proto.h)
 *     are stored once by hub_seq (client_audit.c); the audit cursor moves
 *     only with END too, and END's MORE asks for another exchange.
 * Pulled frames are applied in batches (APPLY_BATCH_MS / _MAX below), so a
 * first sync of 100 000 items does not hold one giant transaction and the
 * screen's writes get their turn.
 *
 * A first sync into an empty cache (cursor 0, no items) defers the queue
 * indexes of items and builds them in END's transaction
 * (store/sync_store_bulk.c): the cursor never moves without them. Its
 * batches are BULK_BATCH_FACTOR times longer and its page cache
 * BULK_CACHE_KIB; any other pull that applies frames gets PULL_CACHE_KIB
 * (client_round.h), kept until the syncer is freed. A round that fails
 * builds them before it returns; a crash leaves them deferred, and the
 * next round (its cursor still 0) goes on and builds them at its end.
 *
 * What each frame of the answer does is client_frames.c's; the state both
 * files share is client_round.h.
 *
 * A round sends at most ops_max ops and audit_max audit events per exchange
 * and repeats the exchange until both are drained, so the hub's answers to
 * one exchange always fit in the pipe while the client is still writing.
 *
 * The connection stays open between rounds (HELLO only on a new one); a
 * kept-open connection found dead, or cut during an exchange, is replaced
 * once. The syncer reads and writes the cache through y->st, today the
 * profile's own connection; nothing here assumes it is (a background
 * worker can give it a second one). */
#include "sync/client_round.h"
#include "sync/hlc.h"
#include "domain/audit.h"
#include "store/rows.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NX_VERSION
#define NX_VERSION "0.0.0"
#endif

#define OPS_PER_EXCHANGE 128
#define AUDIT_PER_EXCHANGE 1000
/* A pull commits every APPLY_BATCH_MS or APPLY_BATCH_MAX frames, whichever
 * comes first: each commit costs a few fsyncs and journals again the index
 * pages it touches, so frames per commit make the speed of a first sync,
 * while the time bound keeps the screen's own writes waiting at most that
 * long (its busy timeout is NX_STORE_BUSY_MS). */
#define APPLY_BATCH_MAX 8192
#define APPLY_BATCH_MS 250
/* The batches of a first sync into an empty cache (2 s, 65 536 frames):
 * each commit writes every page of its random-keyed trees (item fields,
 * patients, the item ids) again, journal and database, so fewer commits
 * write far less. The screen's writes (whose queue cannot be listed
 * meanwhile anyway) still get their turn within their busy timeout. */
#define BULK_BATCH_FACTOR 8
#define MAX_EXCHANGES 100000
/* Closed items age past keep_closed_days by the clock alone; looking for
 * them reads the items table, so a kept-open syncer does it at most this
 * often (and on its first round). */
#define PURGE_EVERY_S 600


static int64_t system_now(void *ctx)
{
    (void)ctx;
    return nx_now();
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cl_wall_ms(nx_syncer *y)
{
    return y->now == system_now ? nx_hlc_wall_ms() : y->now(y->now_ctx) * 1000;
}

/* ---- the default stream: core/sync/transport ------------------------------------------ */

static int t_write(void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
    return nx_transport_write(ctx, buf, len, err, errlen);
}

static int t_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
    return nx_transport_read(ctx, buf, len, err, errlen);
}

/* A kept-open session is probed (keepalive) before a round reuses it. */
static int t_dead(void *ctx)
{
    return nx_transport_keepalive(ctx) != 0;
}

static void t_close(void *ctx)
{
    nx_transport_close(ctx);
}

static nx_sync_code transport_connect(void *arg, nx_syncer *y, nx_sync_io *io, char *err,
                                      size_t errlen)
{
    (void)arg;
    const nx_conf *c = &y->conf;
    if (!c->sync_host[0]) {
        nx_err(err, errlen, "no hub configured: set [sync] host in %s",
               c->source[0] ? c->source : "nexus.conf");
        return NX_SYNC_USAGE;
    }
    nx_transport_opts o;
    memset(&o, 0, sizeof o);
    o.host = c->sync_host;
    o.port = c->sync_port;
    o.user = c->sync_user;
    o.known_hosts = c->sync_known_hosts;
    o.local_user = y->p->audit.user;
    char *pem = NULL;
    if (c->sync_identity[0]) {
        o.identity_file = c->sync_identity;
    } else if (strncmp(c->sync_host, "local:", 6) != 0) {
        if (nx_sync_key_private(y->st, &pem, err, errlen) != 0)
            return NX_SYNC_ERROR;
        o.identity_pem = pem;
    }
    nx_transport *t = NULL;
    nx_sync_code code = nx_transport_open(&o, &t, err, errlen);
    nx_sync_key_free(pem);
    if (code != NX_SYNC_OK)
        return code;
    *io = (nx_sync_io){ t, t_write, t_read, t_dead, t_close };
    return NX_SYNC_OK;
}

/* ---- lifetime ------------------------------------------------------------------- */

int nx_syncer_new_with(nx_profile *p, const nx_conf *c, nx_sync_connect_fn connect, void *arg,
                       nx_syncer **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!p || !p->store)
        return nx_err(err, errlen, "the cache is not open");
    nx_syncer *y = calloc(1, sizeof *y);
    if (!y)
        return nx_err(err, errlen, "out of memory");
    y->p = p;
    y->st = p->store;
    y->conf = *c;
    y->connect = connect;
    y->connect_arg = arg;
    y->now = system_now;
    y->ops_max = OPS_PER_EXCHANGE;
    y->audit_max = AUDIT_PER_EXCHANGE;
    y->batch_max = APPLY_BATCH_MAX;
    y->batch_ms = APPLY_BATCH_MS;
    nx_wbuf_init(&y->out);
    y->msg = malloc(sizeof *y->msg);
    if (!y->msg || nx_pull_buf_init(&y->pb) != 0) {
        nx_syncer_free(y);
        return nx_err(err, errlen, "out of memory");
    }
    *out = y;
    return 0;
}

int nx_syncer_new(nx_profile *p, const nx_conf *c, nx_syncer **out, char *err, size_t errlen)
{
    return nx_syncer_new_with(p, c, transport_connect, NULL, out, err, errlen);
}

void nx_syncer_set_clock(nx_syncer *y, int64_t (*now)(void *ctx), void *ctx)
{
    y->now = now ? now : system_now;
    y->now_ctx = ctx;
}

void nx_syncer_set_batch(nx_syncer *y, size_t ops, size_t audit)
{
    y->ops_max = ops ? ops : OPS_PER_EXCHANGE;
    y->audit_max = audit ? audit : AUDIT_PER_EXCHANGE;
}

void nx_syncer_set_apply_batch(nx_syncer *y, size_t frames, int64_t ms)
{
    y->batch_max = frames ? frames : APPLY_BATCH_MAX;
    y->batch_ms = ms > 0 ? ms : APPLY_BATCH_MS;
}

int nx_syncer_connected(const nx_syncer *y)
{
    return y->connected;
}

static void disconnect(nx_syncer *y)
{
    if (y->connected && y->io.close)
        y->io.close(y->io.ctx);
    y->connected = 0;
    memset(&y->io, 0, sizeof y->io);
}

static void wipe_body(nx_syncer *y)
{
    if (y->body && y->bodylen)
        sodium_memzero(y->body, y->bodylen);
    y->bodylen = 0;
}

void nx_syncer_free(nx_syncer *y)
{
    if (!y)
        return;
    if (y->connected && !(y->io.dead && y->io.dead(y->io.ctx))) {
        char err[128];
        nx_wbuf_reset(&y->out);
        nx_msg_begin(&y->out, NX_MSG_BYE);
        nx_msg_end(&y->out);
        if (!y->out.failed)
            (void)y->io.write(y->io.ctx, y->out.p, y->out.len, err, sizeof err);
    }
    disconnect(y);
    /* The profile's connection outlives the syncer (a closed profile's
     * store is NULL). */
    if (y->big_cache && y->st && y->p->store == y->st)
        (void)nx_sync_cache_kib(y->st, 0);
    nx_wbuf_free(&y->out);
    wipe_body(y);
    free(y->body);
    free(y->msg);
    nx_pull_buf_free(&y->pb);
    nx_sync_applier_free(y->ap);
    nx_devev_writer_free(y->dw);
    nx_policy_free(y->policy);
    free(y);
}

/* ---- transactions over a pull ------------------------------------------------------ */

nx_sync_code cl_tx_open(nx_syncer *y, char *err, size_t errlen)
{
    if (y->in_tx)
        return NX_SYNC_OK;
    if (nx_store_begin(y->st) != 0) {
        nx_err(err, errlen, "cannot write to the cache: %s", nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    nx_sync_applier_tx_end(y->ap);
    y->in_tx = 1;
    y->events_in_tx = 0;
    y->batch = 0;
    y->tx_started_ms = mono_ms();
    return NX_SYNC_OK;
}

/* Counts one more frame in the open transaction: 1 when it is time to
 * commit it. */
static int batch_full(nx_syncer *y)
{
    if (!y->in_tx)
        return 0;
    y->batch++;
    size_t f = y->bulk ? BULK_BATCH_FACTOR : 1;
    return y->batch >= y->batch_max * f ||
           ((y->batch & 31) == 0 && mono_ms() - y->tx_started_ms >= y->batch_ms * (int64_t)f);
}

nx_sync_code cl_tx_commit(nx_syncer *y, char *err, size_t errlen)
{
    if (!y->in_tx)
        return NX_SYNC_OK;
    y->in_tx = 0;
    nx_sync_applier_tx_end(y->ap);
    if (nx_store_commit(y->st) != 0) {
        nx_err(err, errlen, "cannot write to the cache: %s", nx_store_errmsg(y->st));
        nx_store_rollback(y->st);
        return NX_SYNC_ERROR;
    }
    if (y->events_in_tx) {
        char herr[256];
        (void)nx_profile_audit_commit_head(y->p, herr, sizeof herr);
    }
    y->events_in_tx = 0;
    return NX_SYNC_OK;
}

static void tx_abort(nx_syncer *y)
{
    if (y->in_tx)
        nx_store_rollback(y->st);
    nx_sync_applier_tx_end(y->ap);
    y->in_tx = 0;
    y->events_in_tx = 0;
}

nx_sync_code cl_tx_event(nx_syncer *y, nx_audit_action a, const char *item, char *err,
                         size_t errlen)
{
    nx_audit_event e = { .action = a, .item_id = item, .at = y->now(y->now_ctx) };
    if (nx_audit_append(y->st, &y->p->audit, &e, err, errlen) != 0)
        return NX_SYNC_ERROR;
    y->events_in_tx++;
    return NX_SYNC_OK;
}

/* ---- the client's batch ------------------------------------------------------------- */

typedef struct {
    nx_syncer *y;
    size_t ops, audit;
    int64_t max_seq;
    int bad;
} push_ctx;

static int put_op(void *ctx, int64_t seq, const nx_op *op)
{
    (void)seq;
    push_ctx *pc = ctx;
    nx_wbuf *b = &pc->y->out;
    nx_msg_begin(b, NX_MSG_OP);
    nx_msg_str(b, NX_TAG_OP_ID, op->id);
    nx_msg_str(b, NX_TAG_OP_KIND, nx_op_kind_name(op->kind));
    nx_msg_str(b, NX_TAG_ITEM, op->item);
    nx_msg_u64(b, NX_TAG_HLC, op->hlc);
    nx_msg_str(b, NX_TAG_USER, pc->y->p->audit.user);
    nx_msg_str(b, NX_TAG_DEVICE, pc->y->p->audit.device);
    if (op->field[0])
        nx_msg_str(b, NX_TAG_FIELD, op->field);
    if (op->value)
        nx_msg_str(b, NX_TAG_VALUE, op->value);
    if (op->expect[0])
        nx_msg_str(b, NX_TAG_EXPECT, op->expect);
    nx_msg_end(b);
    pc->ops++;
    return b->failed ? 1 : 0;
}

static int put_audit(void *ctx, const nx_audit_row *r)
{
    push_ctx *pc = ctx;
    nx_wbuf *b = &pc->y->out;
    if (r->prev_hash_len != 32 || r->hash_len != 32) {
        pc->bad = 1;
        return 1;
    }
    nx_msg_begin(b, NX_MSG_AUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, (uint64_t)r->seq);
    nx_msg_i64(b, NX_TAG_AT, r->at);
    nx_msg_str(b, NX_TAG_USER, r->user);
    nx_msg_str(b, NX_TAG_ROLE, r->role);
    nx_msg_str(b, NX_TAG_DEVICE, r->device);
    nx_msg_str(b, NX_TAG_ACTION, r->action);
    nx_msg_str(b, NX_TAG_OUTCOME, r->outcome);
    nx_msg_hash(b, NX_TAG_PREV_HASH, r->prev_hash);
    nx_msg_hash(b, NX_TAG_HASH, r->hash);
    if (r->item_id && r->item_id[0])
        nx_msg_str(b, NX_TAG_ITEM, r->item_id);
    if (r->field && r->field[0])
        nx_msg_str(b, NX_TAG_FIELD, r->field);
    if (r->reason && r->reason[0])
        nx_msg_str(b, NX_TAG_REASON, r->reason);
    nx_msg_end(b);
    pc->audit++;
    pc->max_seq = r->seq;
    return b->failed ? 1 : 0;
}

/* HELLO (new connection), OP*, AUDIT*, PULL into y->out. */
static nx_sync_code build_batch(nx_syncer *y, int fresh, const nx_sync_state *ss,
                                uint64_t audit_cursor, push_ctx *pc, char *err, size_t errlen)
{
    nx_wbuf *b = &y->out;
    nx_wbuf_reset(b);
    memset(pc, 0, sizeof *pc);
    pc->y = y;
    pc->max_seq = (int64_t)ss->audit_seq;
    if (fresh) {
        nx_msg_begin(b, NX_MSG_HELLO);
        nx_msg_u64(b, NX_TAG_PROTO, NX_PROTO_VERSION);
        nx_msg_str(b, NX_TAG_VERSION, NX_VERSION);
        nx_msg_str(b, NX_TAG_DEVICE, y->p->audit.device);
        nx_msg_u64(b, NX_TAG_CURSOR, ss->cursor);
        nx_msg_u64(b, NX_TAG_HLC, ss->hlc);
        if (nx_vault_info(y->p->vault)->training)
            nx_msg_u64(b, NX_TAG_TRAINING, 1);
        nx_msg_end(b);
    }
    if (nx_outbox_scan(y->st, 0, y->ops_max, put_op, pc) < 0 ||
        nx_store_audit_since(y->st, (int64_t)ss->audit_seq, y->audit_max, put_audit, pc) < 0 ||
        pc->bad) {
        nx_err(err, errlen, "cannot read the outbox or the audit trail from the cache");
        return NX_SYNC_ERROR;
    }
    nx_msg_begin(b, NX_MSG_PULL);
    nx_msg_u64(b, NX_TAG_CURSOR, ss->cursor);
    nx_msg_u64(b, NX_TAG_HLC, ss->hlc);
    /* Every client asks; the hub answers only an oversight role. */
    nx_msg_u64(b, NX_TAG_AUDIT_CURSOR, audit_cursor);
    if (cl_haudit_pull(y, b) != 0) {    /* the hub's own chain: client_haudit.c */
        nx_err(err, errlen, "cannot read the sync state from the cache");
        return NX_SYNC_ERROR;
    }
    nx_msg_end(b);
    if (b->failed) {
        nx_err(err, errlen, "cannot build the batch for the hub (out of memory, or an op "
               "too big for a frame)");
        return NX_SYNC_ERROR;
    }
    return NX_SYNC_OK;
}

/* ---- the hub's answers -------------------------------------------------------------- */

static nx_sync_code read_frame(nx_syncer *y, char *err, size_t errlen)
{
    unsigned char hdr[NX_FRAME_HDR];
    uint32_t len;
    if (y->io.read(y->io.ctx, hdr, sizeof hdr, err, errlen) != 0)
        return NX_SYNC_UNREACHABLE;
    if (nx_frame_len(hdr, &len, err, errlen) != 0)
        return NX_SYNC_PROTOCOL;
    if (len > y->bodycap) {
        size_t cap = y->bodycap ? y->bodycap : 65536;
        while (cap < len)
            cap *= 2;
        unsigned char *nb = malloc(cap);
        if (!nb) {
            nx_err(err, errlen, "out of memory");
            return NX_SYNC_ERROR;
        }
        free(y->body);   /* wiped after each frame */
        y->body = nb;
        y->bodycap = cap;
    }
    y->bodylen = len;
    if (y->io.read(y->io.ctx, y->body, len, err, errlen) != 0)
        return NX_SYNC_UNREACHABLE;
    if (nx_msg_decode(y->body, len, y->msg, err, errlen) != 0)
        return NX_SYNC_PROTOCOL;
    return NX_SYNC_OK;
}


/* Reads and applies the hub's answers up to END. */
static nx_sync_code receive(nx_syncer *y, int fresh, round_ctx *rc, nx_sync_stats *st, char *err,
                            size_t errlen)
{
    int welcomed = !fresh;
    nx_sync_code c = NX_SYNC_OK;
    for (;;) {
        c = read_frame(y, err, errlen);
        if (c != NX_SYNC_OK)
            break;
        const nx_msg *m = y->msg;
        if (m->type == NX_MSG_ERROR) {
            char msg[513] = "";
            (void)nx_msg_get_str(m, NX_TAG_MESSAGE, msg, sizeof msg);
            nx_err(err, errlen, "the hub ended the session: %s", msg);
            y->hub_error = 1;
            c = NX_SYNC_PROTOCOL;
        } else if (!welcomed) {
            if (m->type != NX_MSG_WELCOME) {
                nx_err(err, errlen, "the hub answered HELLO with %s, not WELCOME",
                       nx_msg_name(m->type) ? nx_msg_name(m->type) : "?");
                c = NX_SYNC_PROTOCOL;
            } else {
                c = cl_on_welcome(y, m, rc, st, err, errlen);
                welcomed = 1;
            }
        } else if (m->type == NX_MSG_END) {
            c = rc->revoked ? NX_SYNC_OK : cl_on_end(y, m, rc, st, err, errlen);
            wipe_body(y);
            break;
        } else if (rc->revoked) {
            /* Nothing more is applied to a cache about to be erased. */
        } else if (m->type == NX_MSG_RESULT) {
            c = cl_on_result(y, m, st, err, errlen);
        } else if (m->type == NX_MSG_CLIENT) {
            if ((c = cl_pull_prepare(y, rc, err, errlen)) == NX_SYNC_OK)
                c = nx_pull_client(y->ap, m, err, errlen);
        } else if (m->type == NX_MSG_ITEM) {
            if ((c = cl_pull_prepare(y, rc, err, errlen)) == NX_SYNC_OK)
                c = nx_pull_item(y->ap, &y->pb, m, err, errlen);
            st->items += c == NX_SYNC_OK;
            rc->moved = 1;
        } else if (m->type == NX_MSG_DROP) {
            c = cl_on_drop(y, m, st, err, errlen);
            rc->moved = 1;
        } else if (m->type == NX_MSG_RECORD) {
            if ((c = cl_tx_open(y, err, errlen)) == NX_SYNC_OK)
                c = nx_pull_record(y->st, m, err, errlen);
            st->records += c == NX_SYNC_OK;
            rc->moved = 1;
        } else if (m->type == NX_MSG_AUDIT) {
            c = cl_on_hub_audit(y, m, rc, st, err, errlen);
        } else if (m->type == NX_MSG_HAUDIT) {
            c = cl_on_haudit(y, m, rc, err, errlen);
        } else {
            nx_err(err, errlen, "the hub sent an unexpected %s frame",
                   nx_msg_name(m->type) ? nx_msg_name(m->type) : "?");
            c = NX_SYNC_PROTOCOL;
        }
        wipe_body(y);
        if (c != NX_SYNC_OK)
            break;
        if (batch_full(y) && (c = cl_tx_commit(y, err, errlen)) != NX_SYNC_OK)
            break;
    }
    wipe_body(y);
    tx_abort(y);
    return c;
}

/* One exchange: the batch out, the answers in. *more: the outbox or the
 * audit trail had more than one batch holds. */
static nx_sync_code exchange(nx_syncer *y, int fresh, nx_sync_stats *st, int *more,
                             int *revoked, char *err, size_t errlen)
{
    round_ctx rc;
    memset(&rc, 0, sizeof rc);
    *more = 0;
    if (nx_sync_state_load(y->st, &rc.ss) != 0) {
        nx_err(err, errlen, "cannot read the sync state from the cache");
        return NX_SYNC_ERROR;
    }
    rc.fresh = fresh;
    rc.devev_ok = -1;
    if (nx_devev_cursor(y->st, &rc.devev0) != 0) {
        nx_err(err, errlen, "cannot read the sync state from the cache");
        return NX_SYNC_ERROR;
    }
    rc.devev_last = rc.devev0;
    push_ctx pc;
    nx_sync_code c = build_batch(y, fresh, &rc.ss, rc.devev0, &pc, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    rc.max_seq = pc.max_seq;
    rc.moved = fresh || pc.ops > 0;
    rc.cursor0 = rc.ss.cursor;
    rc.audit0 = rc.ss.audit_seq;
    rc.last_wall0 = rc.ss.last_sync_wall;
    int wrote = y->io.write(y->io.ctx, y->out.p, y->out.len, err, errlen) == 0;
    nx_wbuf_reset(&y->out);   /* it held op values */
    if (!wrote)
        return NX_SYNC_UNREACHABLE;
    c = receive(y, fresh, &rc, st, err, errlen);
    *revoked = rc.revoked;
    if (c == NX_SYNC_OK) {
        st->pushed += pc.ops;
        st->audit_pushed += pc.audit;
        *more = pc.ops >= y->ops_max || pc.audit >= y->audit_max || rc.devev_more;
    }
    return c;
}

/* ---- after the round ------------------------------------------------------------------ */

typedef struct {
    nx_syncer *y;
    nx_sync_stats *st;
    char *err;
    size_t errlen;
    nx_sync_code code;
} purge_ctx;

static int purge_one(void *ctx, const char *id)
{
    purge_ctx *pc = ctx;
    nx_syncer *y = pc->y;
    if ((pc->code = cl_tx_open(y, pc->err, pc->errlen)) != NX_SYNC_OK)
        return 1;
    int r = nx_sync_erase_item(y->ap, id);
    if (r < 0) {
        nx_err(pc->err, pc->errlen, "item %s: cannot purge it from the cache", id);
        pc->code = NX_SYNC_ERROR;
        return 1;
    }
    if (r && (pc->code = cl_tx_event(y, NX_AUDIT_ERASE, id, pc->err, pc->errlen)) != NX_SYNC_OK)
        return 1;
    pc->st->dropped += (uint64_t)r;
    if (batch_full(y) && (pc->code = cl_tx_commit(y, pc->err, pc->errlen)) != NX_SYNC_OK)
        return 1;
    return 0;
}

/* Closed items past keep_closed_days leave the laptop (seed 001-ACS). */
static nx_sync_code purge(nx_syncer *y, nx_sync_stats *st, char *err, size_t errlen)
{
    nx_sync_state ss;
    nx_sync_code c;
    if (nx_sync_state_load(y->st, &ss) != 0) {
        nx_err(err, errlen, "cannot read the sync state from the cache");
        return NX_SYNC_ERROR;
    }
    if ((c = cl_applier(y, err, errlen)) != NX_SYNC_OK)
        return c;
    int days = ss.keep_days > 0 ? ss.keep_days : y->conf.keep_closed_days;
    int64_t before = y->now(y->now_ctx) - (int64_t)days * 86400;
    purge_ctx pc = { y, st, err, errlen, NX_SYNC_OK };
    int r = nx_store_closed_before(y->st, before, purge_one, &pc);
    if (r == 0 && pc.code == NX_SYNC_OK)
        pc.code = cl_tx_commit(y, err, errlen);
    else if (pc.code == NX_SYNC_OK) {
        nx_err(err, errlen, "cannot list closed items in the cache");
        pc.code = NX_SYNC_ERROR;
    }
    tx_abort(y);
    return pc.code;
}

static nx_sync_code revoke(nx_syncer *y, nx_sync_stats *st, char *err, size_t errlen)
{
    char device[sizeof y->p->audit.device];
    snprintf(device, sizeof device, "%s", y->p->audit.device);
    nx_sync_applier_free(y->ap);
    y->ap = NULL;
    nx_devev_writer_free(y->dw);
    y->dw = NULL;
    char why[512] = "";
    int erased = nx_sync_erase_profile(y->p, why, sizeof why) == 0;
    y->st = NULL;
    st->revoked = 1;
    if (erased && y->connected && !(y->io.dead && y->io.dead(y->io.ctx))) {
        char werr[128];
        nx_wbuf_reset(&y->out);
        nx_msg_begin(&y->out, NX_MSG_DESTROYED);
        nx_msg_str(&y->out, NX_TAG_DEVICE, device);
        nx_msg_i64(&y->out, NX_TAG_TIME, y->now(y->now_ctx));
        nx_msg_end(&y->out);
        nx_msg_begin(&y->out, NX_MSG_BYE);
        nx_msg_end(&y->out);
        if (!y->out.failed)
            (void)y->io.write(y->io.ctx, y->out.p, y->out.len, werr, sizeof werr);
    }
    disconnect(y);
    if (erased)
        nx_err(err, errlen, "the hub has revoked this user or device: the cache on this laptop "
               "has been erased");
    else
        nx_err(err, errlen, "the hub has revoked this user or device; erasing the cache failed: "
               "%s", why);
    return NX_SYNC_REVOKED;
}

/* A round that failed does not leave the queue without its indexes until
 * the next one: they are built now (its cursor did not move; the next
 * round pulls everything again, into a cache that is no longer empty). */
static void bulk_settle(nx_syncer *y)
{
    char err[256];
    if (cl_tx_open(y, err, sizeof err) == NX_SYNC_OK &&
        cl_bulk_finish(y, err, sizeof err) == NX_SYNC_OK &&
        cl_tx_commit(y, err, sizeof err) == NX_SYNC_OK)
        y->bulk = 0;
    tx_abort(y);
}

static void audit_failure(nx_syncer *y)
{
    nx_audit_event e = { .action = NX_AUDIT_SYNC, .outcome = NX_AUDIT_OUTCOME_FAILED,
                         .at = y->now(y->now_ctx) };
    char err[256];
    (void)nx_profile_audit(y->p, &e, err, sizeof err);
}

nx_sync_code nx_syncer_round(nx_syncer *y, nx_sync_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (errlen)
        err[0] = '\0';
    if (!y->st || !y->p->store) {
        nx_err(err, errlen, "the cache is not open");
        return NX_SYNC_LOCKED;
    }
    nx_sync_code c = NX_SYNC_OK;
    int revoked = 0, retried = 0;
    if (!y->bulk_known) {
        int r = nx_sync_bulk_pending(y->st);
        y->bulk = r > 0;
        y->bulk_known = r >= 0;
    }
    for (long ex = 0; ex < MAX_EXCHANGES; ex++) {
        int fresh = 0, more = 0;
        if (y->connected && y->io.dead && y->io.dead(y->io.ctx))
            disconnect(y);
        if (!y->connected) {
            if ((c = y->connect(y->connect_arg, y, &y->io, err, errlen)) != NX_SYNC_OK)
                break;
            y->connected = fresh = 1;
        }
        y->hub_error = 0;
        c = exchange(y, fresh, st, &more, &revoked, err, errlen);
        if ((c == NX_SYNC_UNREACHABLE || y->hub_error) && !fresh && !retried && !revoked) {
            /* A kept-open session that died while idle, or that the hub
             * ended (restarted, or the user's rights changed since its
             * HELLO): once more on a new one, whose WELCOME says where
             * this device stands. */
            disconnect(y);
            retried = 1;
            continue;
        }
        if (c != NX_SYNC_OK) {
            disconnect(y);
            break;
        }
        if (revoked || !more)
            break;
    }
    if (revoked)
        return revoke(y, st, err, errlen);
    if (c != NX_SYNC_OK && y->bulk)
        bulk_settle(y);
    if (y->big_cache)
        (void)nx_sync_cache_kib(y->st, PULL_CACHE_KIB);   /* after a first sync's */
    int64_t now = y->now(y->now_ctx);
    if (c == NX_SYNC_OK && (!y->purged_at || now < y->purged_at ||
                            now - y->purged_at >= PURGE_EVERY_S)) {
        c = purge(y, st, err, errlen);
        y->purged_at = now;
    }
    if (c == NX_SYNC_OK) {
        nx_sync_state ss;
        if (nx_sync_state_load(y->st, &ss) == 0)
            st->cursor = ss.cursor;
    } else if (c == NX_SYNC_PROTOCOL || c == NX_SYNC_AUTH || c == NX_SYNC_HOSTKEY) {
        audit_failure(y);
    }
    return c;
}
