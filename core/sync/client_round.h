/* Private to core/sync/client.c and client_frames.c: the syncer's state,
 * one exchange's context, and the helpers the two share. client.c runs a
 * round (connect, push, read frames, commit in batches, purge, revoke);
 * client_frames.c is what each frame the hub answers with does to the
 * cache and the round. */
#ifndef NX_SYNC_CLIENT_ROUND_H
#define NX_SYNC_CLIENT_ROUND_H
#include "sync/client_int.h"

/* The page cache (KiB) of the syncer's connection from its first round
 * that applies frames until nx_syncer_free (the default is store.h's
 * 8 MiB): a first sync's random-keyed trees stay in memory instead of
 * being read back page by page, and it is kept between rounds because a
 * change costs a dozen pages of a big cache (its row, eight queue
 * indexes, its patient and fields): shrunk back to 8 MiB after each
 * round, a 100 000-item cache (~110 MB) read and opened 11 000 pages again
 * in each round of 1 000 changes (a fifth of its CPU, and as much again in
 * allocating them); 192 MiB holds such a file whole. SQLite allocates
 * only the pages read; the background worker's connection is its own
 * (worker.c). */
#define PULL_CACHE_KIB (192 * 1024)
/* ... and during a first sync into an empty cache: its random-keyed trees
 * (fields, patients, item ids) are read back at each batch otherwise, and
 * the indexes built at its end stay dirty until the commit (100 000
 * items' rows and indexes are ~110 MB). Back to PULL_CACHE_KIB after the
 * round. */
#define BULK_CACHE_KIB (128 * 1024)
/* A round that changed nothing on a kept-open session writes nothing
 * (no transaction, no fsync: it must cost one round trip) unless the last
 * sync time on record is older than this; the offline grace can lag by as
 * much, against its hours. */
#define QUIET_ROUND_RECORD_S 120

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
    int big_cache;          /* PULL_CACHE_KIB is set (until nx_syncer_free) */
    size_t batch, batch_max;
    int64_t tx_started_ms, batch_ms;
    int hub_error;          /* the last exchange ended with the hub's ERROR frame */
    int64_t purged_at;      /* wall time of the last purge; 0 = none yet */
    nx_devev_writer *dw;    /* device audit events (oversight roles) */
    nx_policy *policy;      /* loaded when a role's right to them is asked */
};

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
    int devev_more;     /* END's MORE (either audit stream) */
    int bulk_checked;   /* the first pulled frame asked whether to defer indexes */
    /* the hub's own audit chain (oversight roles; client_haudit.c) */
    uint64_t haudit0;           /* its cursor as the exchange found it */
    uint64_t haudit_last;       /* the last seq received in this pull */
    int haudit_read;            /* haudit0 read from the cache */
    int haudit_cleared;         /* erased with the devices' events (role moved away) */
} round_ctx;

/* client.c: the transaction a pull writes in (opened on first need,
 * committed in batches and by END), and one audit event inside it. */
nx_sync_code cl_tx_open(nx_syncer *y, char *err, size_t errlen);
nx_sync_code cl_tx_commit(nx_syncer *y, char *err, size_t errlen);
nx_sync_code cl_tx_event(nx_syncer *y, nx_audit_action a, const char *item, char *err,
                         size_t errlen);
/* The wall clock in ms for the HLC (the test clock when one is set). */
int64_t cl_wall_ms(nx_syncer *y);

/* client_frames.c: each one applies one frame of the hub's answer. */
nx_sync_code cl_on_welcome(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
                           char *err, size_t errlen);
nx_sync_code cl_on_result(nx_syncer *y, const nx_msg *m, nx_sync_stats *st, char *err,
                          size_t errlen);
nx_sync_code cl_on_drop(nx_syncer *y, const nx_msg *m, nx_sync_stats *st, char *err,
                        size_t errlen);
nx_sync_code cl_on_hub_audit(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
                             char *err, size_t errlen);
nx_sync_code cl_on_end(nx_syncer *y, const nx_msg *m, round_ctx *rc, nx_sync_stats *st,
                       char *err, size_t errlen);
/* client_haudit.c: the hub's own audit chain. _pull puts HAUDIT_CURSOR
 * into the open PULL (0, -1 cache error); _on_haudit stores one HAUDIT
 * frame; _end reads END's HAUDIT_CURSOR (and MORE) into *cursor (0 when
 * client_frames.c's devev_forget erased the chain with the devices'). */
int cl_haudit_pull(nx_syncer *y, nx_wbuf *b);
nx_sync_code cl_on_haudit(nx_syncer *y, const nx_msg *m, round_ctx *rc, char *err,
                          size_t errlen);
nx_sync_code cl_haudit_end(nx_syncer *y, const nx_msg *m, round_ctx *rc, uint64_t *cursor,
                           char *err, size_t errlen);
/* The applier, prepared on first need. */
nx_sync_code cl_applier(nx_syncer *y, char *err, size_t errlen);
/* Before a pulled CLIENT or ITEM: applier, transaction, page cache, and
 * at the first of a first sync into an empty cache, the deferral of its
 * queue indexes. */
nx_sync_code cl_pull_prepare(nx_syncer *y, round_ctx *rc, char *err, size_t errlen);
/* Builds deferred queue indexes inside the open transaction. */
nx_sync_code cl_bulk_finish(nx_syncer *y, char *err, size_t errlen);

#endif
