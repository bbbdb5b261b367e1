/* Test helper: a fake nexus-hub for the client's sync tests. It speaks the
 * frames of core/sync/proto.h on one end of a socketpair, in a thread, so
 * the client's round can be tested without the real hub: it answers HELLO
 * with a scripted WELCOME, every OP with a RESULT (deduplicating op ids the
 * way the hub must), records the AUDIT events it receives, serves a list of
 * changes (CLIENT, ITEM, DROP) past the client's cursor, and can cut the
 * connection after N frames of its answer. Also the ITEM/CLIENT encoders
 * the apply tests use. No Criterion here (tests/progs link helpers too). */
#ifndef NX_TEST_FAKEHUB_H
#define NX_TEST_FAKEHUB_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/client_int.h"
#include "sync/proto.h"

typedef struct nx_fh_item {
    const char *id, *kind, *client, *patient, *status, *assignee, *team, *linked;
    int priority;
    int64_t created, updated, due, follow_up, closed;
    const char *const *kv;      /* field, value, field, value, ..., NULL */
    const char *const *pkv;     /* the same, patient columns */
    const char *const *hist;    /* at, who, what, detail, ..., NULL */
} nx_fh_item;

/* Appends one frame to b. */
void nx_fh_encode_item(nx_wbuf *b, const nx_fh_item *it);
void nx_fh_encode_client(nx_wbuf *b, const char *id, const char *name, const char *tz);
void nx_fh_encode_drop(nx_wbuf *b, const char *id);

#define NX_FH_MAX_OPS 4096
#define NX_FH_MAX_CHANGES 4096

typedef struct nx_fh_op {
    char id[64], kind[16], item[64], field[64], expect[32], user[64], device[64];
    char value[512];
    uint64_t hlc;
    char outcome[16], reason[128];  /* the first answer */
    int applied;                /* times applied (never more than 1) */
    int seen;                   /* times received */
} nx_fh_op;

typedef struct nx_fakehub {
    pthread_mutex_t mu;
    /* WELCOME */
    char user[64], role[64], team[64], banner[256];
    int grace_hours, keep_days, emergency, revoked, training;
    int64_t time;
    uint64_t hlc;
    /* what it holds */
    uint64_t cursor;            /* = the last change's seq */
    nx_wbuf changes[NX_FH_MAX_CHANGES];
    size_t nchanges;
    nx_fh_op ops[NX_FH_MAX_OPS];
    size_t nops;
    /* answers: ops on this field are rejected; status ops that expect
     * conflict_expect go to the conflict inbox */
    char reject_field[64], conflict_expect[32];
    /* what it saw */
    int hellos, pulls, connections, destroyed, byes;
    uint64_t hello_cursor, last_pull_cursor;
    int hello_training;
    char hello_device[64];
    int64_t audit_last;         /* highest audit seq received */
    int audit_count, audit_gaps, audit_dups;
    /* faults: the next connection is cut after this many frames of its
     * answers (0 = never); after each END, close the connection */
    int cut_after;
    int close_after_end;
    /* the next PULL is answered with ERROR (then the connection closes) */
    int error_once;
    /* threads */
    pthread_t threads[64];
    int nthreads;
} nx_fakehub;

void nx_fh_init(nx_fakehub *h, const char *user, const char *role);
/* Joins the threads (the client must have closed its ends), frees. */
void nx_fh_free(nx_fakehub *h);

/* Changes served to a PULL with a lower cursor; each gets the next seq. */
void nx_fh_add_item(nx_fakehub *h, const nx_fh_item *it);
void nx_fh_add_client(nx_fakehub *h, const char *id, const char *name, const char *tz);
void nx_fh_add_drop(nx_fakehub *h, const char *id);

/* The nx_sync_connect_fn: arg is the nx_fakehub. */
nx_sync_code nx_fh_connect(void *arg, nx_syncer *y, nx_sync_io *io, char *err, size_t errlen);

/* The op received with this id, or NULL. */
const nx_fh_op *nx_fh_op_find(nx_fakehub *h, const char *id);

#endif
