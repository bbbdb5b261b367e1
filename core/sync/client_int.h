/* Private to the client's side of sync (core/sync/client*.c, grace.c) and
 * its tests: the byte stream a syncer runs on (a transport, or a test's
 * socketpair to a fake hub), decoding pulled frames into store rows,
 * erasing a revoked profile, and the grace arithmetic without the system
 * clocks (so tests can set the clock back). */
#ifndef NX_SYNC_CLIENT_INT_H
#define NX_SYNC_CLIENT_INT_H
#include <stddef.h>
#include <stdint.h>
#include "domain/policy.h"
#include "store/device_events.h"
#include "store/sync_store.h"
#include "sync/proto.h"
#include "sync/sync.h"

/* ---- the stream ------------------------------------------------------------------ */

typedef struct nx_sync_io {
    void *ctx;
    int (*write)(void *ctx, const void *buf, size_t len, char *err, size_t errlen);
    int (*read)(void *ctx, void *buf, size_t len, char *err, size_t errlen);
    int (*dead)(void *ctx);
    void (*close)(void *ctx);
} nx_sync_io;

/* Opens a stream to a hub: an nx_sync_code (NX_SYNC_OK and io filled). */
typedef nx_sync_code (*nx_sync_connect_fn)(void *arg, nx_syncer *y, nx_sync_io *io,
                                           char *err, size_t errlen);

/* nx_syncer_new with another way to reach a hub (tests: a fake hub). */
int nx_syncer_new_with(nx_profile *p, const nx_conf *c, nx_sync_connect_fn connect, void *arg,
                       nx_syncer **out, char *err, size_t errlen);
/* Tests: the wall clock the syncer reads (unix seconds). */
void nx_syncer_set_clock(nx_syncer *y, int64_t (*now)(void *ctx), void *ctx);
/* At most this many ops / audit events per exchange; a round runs more
 * exchanges until both are sent (each exchange's answers then fit in the
 * pipes while the client is still writing). Tests lower them. */
void nx_syncer_set_batch(nx_syncer *y, size_t ops, size_t audit);
/* A pull commits after this many frames or milliseconds (0 = defaults). */
void nx_syncer_set_apply_batch(nx_syncer *y, size_t frames, int64_t ms);
/* 1 while a connection is kept open. */
int nx_syncer_connected(const nx_syncer *y);

/* ---- pulled frames ------------------------------------------------------------------ */

/* Room for the views of one ITEM frame's repeated fields. */
#define NX_PULL_PATIENT_COLS_MAX 32
typedef struct nx_pull_buf {
    nx_pulled_kv *kv, *pkv;
    nx_pulled_hist *hist;
    /* Per kind, the patient columns its items hold (the dictionary's
     * patient fields that kind carries; NULL-terminated): nx_pulled_item's
     * pcarried. */
    const char *pcarried[NX_KIND_COUNT][NX_PULL_PATIENT_COLS_MAX + 1];
} nx_pull_buf;

int  nx_pull_buf_init(nx_pull_buf *b);
void nx_pull_buf_free(nx_pull_buf *b);

/* Decode one frame and apply it through a. 0, or an nx_sync_code with err
 * (NX_SYNC_PROTOCOL: the frame's content is wrong, naming the item id at
 * most; NX_SYNC_ERROR: the store failed). */
nx_sync_code nx_pull_client(nx_sync_applier *a, const nx_msg *m, char *err, size_t errlen);
nx_sync_code nx_pull_item(nx_sync_applier *a, nx_pull_buf *b, const nx_msg *m, char *err,
                          size_t errlen);
/* A RECORD frame (an oversight record) into the cache (client_record.c):
 * NX_SYNC_OK, NX_SYNC_PROTOCOL (malformed: names the record id at most)
 * or NX_SYNC_ERROR (the store). */
nx_sync_code nx_pull_record(nx_store *st, const nx_msg *m, char *err, size_t errlen);
/* The DROP's item id into id (a plain token), or NX_SYNC_PROTOCOL. */
nx_sync_code nx_pull_drop_id(const nx_msg *m, char id[64], char *err, size_t errlen);

/* 1 when s is a plain id token (letters, digits, . _ : -), 1 to 63 bytes. */
int nx_sync_token_ok(const char *s);

/* ---- device audit events (client_audit.c) -------------------------------------------- */

/* 1 when role may hold every device's audit events (the policy allows it
 * `audit`), 0 not (an unknown role neither), -1 the policy could not be
 * loaded (err). *policy is loaded from the assets on first use and kept
 * (the caller frees it with nx_policy_free). */
int nx_sync_audit_role(nx_policy **policy, const char *role, char *err, size_t errlen);
/* One hub AUDIT frame into the cache: its HUB_SEQ must be above `after`.
 * NX_SYNC_OK with *hub_seq set and *stored = 1 (0: already held), or
 * NX_SYNC_PROTOCOL (malformed, naming the hub sequence) / NX_SYNC_ERROR. */
nx_sync_code nx_pull_audit(nx_devev_writer *w, const nx_msg *m, uint64_t after,
                           uint64_t *hub_seq, int *stored, char *err, size_t errlen);

/* ---- revocation ------------------------------------------------------------------- */

/* Erases the profile: closes it, destroys the wrapped key first (the key
 * file overwritten, synced and unlinked: without it the cache cannot be
 * decrypted), then the cache, its journal and the unlock guard file.
 * 0, or -1 with err (what could not be removed). */
int nx_sync_erase_profile(nx_profile *p, char *err, size_t errlen);

/* ---- offline grace ------------------------------------------------------------------- */

typedef struct nx_grace_now {
    int64_t wall;               /* unix s */
    char boot_id[40];           /* "" = not known */
    int64_t boot_secs;          /* CLOCK_BOOTTIME s */
} nx_grace_now;

/* The boot id and CLOCK_BOOTTIME now. */
void nx_grace_read_now(nx_grace_now *n, int64_t wall);
/* Seconds since the hub was last reached, as the clocks prove it: from
 * last_sync_wall (since when no sync yet) to max(now, high water), and, in
 * the same boot, at least the monotonic time since the sync. */
int64_t nx_grace_elapsed(const nx_sync_state *st, int64_t since, const nx_grace_now *n);
/* The grace in hours: the hub's when known, else [sync]
 * offline_grace_hours; 72 in emergency mode. */
int nx_grace_hours(const nx_sync_state *st, const nx_conf *c);

#endif
