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
 * for the round. A round that
 * fails builds them before it returns; a crash leaves them deferred, and
 * the next round (its cursor still 0) goes on and builds them at its end.
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
#include "sync/client_int.h"
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
/* The page cache (KiB) of the syncer's connection during a round that
 * applies frames (the default is store.h's 8 MiB): a first sync's
 * random-keyed trees stay in memory instead of being read back page by
 * page. Back to the default after the round. */
#define PULL_CACHE_KIB (64 * 1024)
/* ... and during a first sync into an empty cache: its random-keyed trees
 * (fields, patients, item ids) are read back at each batch otherwise, and
 * the indexes built at its end stay dirty until the commit (100 000
 * items' rows and indexes are ~120 MB). */
#define BULK_CACHE_KIB (128 * 1024)
#define MAX_EXCHANGES 100000
/* A round that changed nothing on a kept-open session writes nothing
 * (no transaction, no fsync: it must cost one round trip) unless the last
 * sync time on record is older than this; the offline grace can lag by as
 * much, against its hours. */
#define QUIET_ROUND_RECORD_S 120
/* Closed items age past keep_closed_days by the clock alone; looking for
 * them reads the items table, so a kept-open syncer does it at most this
 * often (and on its first round). */
#define PURGE_EVERY_S 600

struct nx_syncer {
    nx_profile *p;
    nx_store *st;
    nx_conf conf;
    nx_sync_connect_fn connect;
    void *connect_arg;
    nx_sync_io io;
    int connected;
    int64_t (*now)(void *ctx);
    void *now_ctx;
    size_t ops_max, audit_max;
    nx_wbuf out;
    unsigned char *body;
    size_t bodycap, bodylen;
    nx_msg *msg;
    nx_pull_buf pb;
    nx_sync_applier *ap;
    int in_tx, events_in_tx;
    int bulk;               /* the queue indexes are deferred (sync_store_bulk.c) */
    int bulk_known;         /* bulk was read from the cache (a crash may have left it) */
    int big_cache;          /* PULL_CACHE_KIB is set for this round */
    size_t batch, batch_max;
    int64_t tx_started_ms, batch_ms;
    int hub_error;          /* the last exchange ended with the hub's ERROR frame */
    int64_t purged_at;      /* wall time of the last purge; 0 = none yet */
    nx_devev_writer *dw;    /* device audit events (oversight roles) */
    nx_policy *policy;      /* loaded when a role's right to them is asked */
};

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

static int64_t wall_ms(nx_syncer *y)
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

static nx_sync_code tx_open(nx_syncer *y, char *err, size_t errlen)
{
    if (y->in_tx)
        return NX_SYNC_OK;
    if (nx_store_begin(y->st) != 0) {
        nx_err(err, errlen, "cannot write to the cache: %s", nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
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

static nx_sync_code tx_commit(nx_syncer *y, char *err, size_t errlen)
{
    if (!y->in_tx)
        return NX_SYNC_OK;
    y->in_tx = 0;
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
    y->in_tx = 0;
    y->events_in_tx = 0;
}

static nx_sync_code tx_event(nx_syncer *y, nx_audit_action a, const char *item, char *err,
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

typedef struct {
    nx_sync_state ss;
    uint64_t hub_hlc;
    int64_t max_seq;
    int revoked;
    int moved;          /* ops pushed, items pulled or dropped: worth an audit event */
    uint64_t cursor0, audit0;   /* as the exchange found them */
    int64_t last_wall0;
    int fresh;          /* a new connection: WELCOME told the role */
    /* devices' audit events (oversight roles) */
    uint64_t devev0;    /* the audit cursor sent */
    uint64_t devev_last;        /* the last hub_seq received in this pull */
    int devev_ok;       /* the role may hold them: -1 not asked yet */
    int devev_more;     /* END's MORE */
    int bulk_checked;   /* the first pulled frame asked whether to defer indexes */
} round_ctx;

static nx_sync_code on_welcome(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
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

static nx_sync_code on_result(nx_syncer *y, const nx_msg *m, nx_sync_stats *st, char *err,
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
    nx_sync_code c = tx_open(y, err, errlen);
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

static nx_sync_code applier(nx_syncer *y, char *err, size_t errlen)
{
    if (!y->ap && nx_sync_applier_new(y->st, &y->ap) != 0) {
        nx_err(err, errlen, "cannot prepare the cache for the pull: %s", nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    return NX_SYNC_OK;
}

/* Before a pulled CLIENT or ITEM is applied: the applier, the transaction,
 * the round's page cache and, at the first one of a first sync into an
 * empty cache, the deferral of its queue indexes. */
static nx_sync_code pull_prepare(nx_syncer *y, round_ctx *rc, char *err, size_t errlen)
{
    nx_sync_code c = applier(y, err, errlen);
    if (c == NX_SYNC_OK)
        c = tx_open(y, err, errlen);
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
    }
    return NX_SYNC_OK;
}

/* Builds deferred queue indexes inside the open transaction (with a page
 * cache that holds the table and the new indexes, which stay dirty until
 * the commit: none of it is read back). */
static nx_sync_code bulk_finish(nx_syncer *y, char *err, size_t errlen)
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

static nx_sync_code on_drop(nx_syncer *y, const nx_msg *m, nx_sync_stats *st, char *err,
                            size_t errlen)
{
    char id[64];
    nx_sync_code c = nx_pull_drop_id(m, id, err, errlen);
    if (c == NX_SYNC_OK)
        c = applier(y, err, errlen);
    if (c == NX_SYNC_OK)
        c = tx_open(y, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    int r = nx_sync_erase_item(y->ap, id);
    if (r < 0) {
        nx_err(err, errlen, "item %s: cannot remove it from the cache", id);
        return NX_SYNC_ERROR;
    }
    st->dropped++;
    return r ? tx_event(y, NX_AUDIT_ERASE, id, err, errlen) : NX_SYNC_OK;
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

static nx_sync_code on_hub_audit(nx_syncer *y, const nx_msg *m, round_ctx *rc,
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
    if ((c = tx_open(y, err, errlen)) != NX_SYNC_OK)
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
 * END, and audited. */
static nx_sync_code devev_forget(nx_syncer *y, round_ctx *rc, uint64_t *cursor, char *err,
                                 size_t errlen)
{
    if (!rc->fresh)
        return NX_SYNC_OK;
    int any = nx_devev_any(y->st);
    if (any < 0) {
        nx_err(err, errlen, "cannot read the cache: %s", nx_store_errmsg(y->st));
        return NX_SYNC_ERROR;
    }
    if (!any && *cursor == 0)
        return NX_SYNC_OK;
    nx_sync_code c = devev_allowed(y, rc, err, errlen);
    if (c != NX_SYNC_OK || rc->devev_ok)
        return c;
    if ((c = tx_open(y, err, errlen)) != NX_SYNC_OK)
        return c;
    if (nx_devev_clear(y->st) != 0) {
        nx_err(err, errlen, "cannot erase the devices' audit events from the cache");
        return NX_SYNC_ERROR;
    }
    *cursor = 0;
    return any ? tx_event(y, NX_AUDIT_ERASE, NULL, err, errlen) : NX_SYNC_OK;
}

static nx_sync_code on_end(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
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
    uint64_t devev = rc->devev0;
    nx_sync_code c = end_devev(m, rc, &devev, err, errlen);
    if (c == NX_SYNC_OK)
        c = devev_forget(y, rc, &devev, err, errlen);
    if (c != NX_SYNC_OK)
        return c;
    if (!y->in_tx && !y->bulk && !rc->moved && cursor == rc->cursor0 && audit == rc->audit0 &&
        devev == rc->devev0 && now >= rc->last_wall0 &&
        now - rc->last_wall0 < QUIET_ROUND_RECORD_S) {
        st->cursor = cursor;
        st->hub_time = hub_time;
        return NX_SYNC_OK;
    }
    c = tx_open(y, err, errlen);
    if (c == NX_SYNC_OK)
        c = bulk_finish(y, err, errlen);    /* the cursor moves with the indexes */
    if (c != NX_SYNC_OK)
        return c;
    if (devev != rc->devev0 && nx_devev_cursor_set(y->st, devev) != 0) {
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
    int64_t ms = wall_ms(y);
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
    if (rc->moved && (c = tx_event(y, NX_AUDIT_SYNC, NULL, err, errlen)) != NX_SYNC_OK)
        return c;
    if ((c = tx_commit(y, err, errlen)) != NX_SYNC_OK)
        return c;
    y->bulk = 0;
    st->cursor = cursor;
    st->hub_time = hub_time;
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
                c = on_welcome(y, m, rc, st, err, errlen);
                welcomed = 1;
            }
        } else if (m->type == NX_MSG_END) {
            c = rc->revoked ? NX_SYNC_OK : on_end(y, m, rc, st, err, errlen);
            wipe_body(y);
            break;
        } else if (rc->revoked) {
            /* Nothing more is applied to a cache about to be erased. */
        } else if (m->type == NX_MSG_RESULT) {
            c = on_result(y, m, st, err, errlen);
        } else if (m->type == NX_MSG_CLIENT) {
            if ((c = pull_prepare(y, rc, err, errlen)) == NX_SYNC_OK)
                c = nx_pull_client(y->ap, m, err, errlen);
        } else if (m->type == NX_MSG_ITEM) {
            if ((c = pull_prepare(y, rc, err, errlen)) == NX_SYNC_OK)
                c = nx_pull_item(y->ap, &y->pb, m, err, errlen);
            st->items += c == NX_SYNC_OK;
            rc->moved = 1;
        } else if (m->type == NX_MSG_DROP) {
            c = on_drop(y, m, st, err, errlen);
            rc->moved = 1;
        } else if (m->type == NX_MSG_RECORD) {
            if ((c = tx_open(y, err, errlen)) == NX_SYNC_OK)
                c = nx_pull_record(y->st, m, err, errlen);
            st->records += c == NX_SYNC_OK;
            rc->moved = 1;
        } else if (m->type == NX_MSG_AUDIT) {
            c = on_hub_audit(y, m, rc, st, err, errlen);
        } else {
            nx_err(err, errlen, "the hub sent an unexpected %s frame",
                   nx_msg_name(m->type) ? nx_msg_name(m->type) : "?");
            c = NX_SYNC_PROTOCOL;
        }
        wipe_body(y);
        if (c != NX_SYNC_OK)
            break;
        if (batch_full(y) && (c = tx_commit(y, err, errlen)) != NX_SYNC_OK)
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
    if ((pc->code = tx_open(y, pc->err, pc->errlen)) != NX_SYNC_OK)
        return 1;
    int r = nx_sync_erase_item(y->ap, id);
    if (r < 0) {
        nx_err(pc->err, pc->errlen, "item %s: cannot purge it from the cache", id);
        pc->code = NX_SYNC_ERROR;
        return 1;
    }
    if (r && (pc->code = tx_event(y, NX_AUDIT_ERASE, id, pc->err, pc->errlen)) != NX_SYNC_OK)
        return 1;
    pc->st->dropped += (uint64_t)r;
    if (batch_full(y) && (pc->code = tx_commit(y, pc->err, pc->errlen)) != NX_SYNC_OK)
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
    if ((c = applier(y, err, errlen)) != NX_SYNC_OK)
        return c;
    int days = ss.keep_days > 0 ? ss.keep_days : y->conf.keep_closed_days;
    int64_t before = y->now(y->now_ctx) - (int64_t)days * 86400;
    purge_ctx pc = { y, st, err, errlen, NX_SYNC_OK };
    int r = nx_store_closed_before(y->st, before, purge_one, &pc);
    if (r == 0 && pc.code == NX_SYNC_OK)
        pc.code = tx_commit(y, err, errlen);
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
    if (tx_open(y, err, sizeof err) == NX_SYNC_OK && bulk_finish(y, err, sizeof err) == NX_SYNC_OK &&
        tx_commit(y, err, sizeof err) == NX_SYNC_OK)
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
    if (y->big_cache) {
        (void)nx_sync_cache_kib(y->st, 0);
        y->big_cache = 0;
    }
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
