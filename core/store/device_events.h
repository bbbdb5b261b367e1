/* core/store/device_events — every device's audit events as the hub sent
 * them to an oversight role (privacy officer, security officer, auditor;
 * schema migration 7, table device_events), read-only on this laptop: the
 * rows the sync writes (core/sync/client_audit.c) and the queries the
 * review screen reads.
 *
 * Why here: core/store is the only module that writes SQL. The events are
 * keyed by the hub's sequence (hub_seq) and unique per (device, seq), so
 * storing one twice changes nothing; the pull's resume point, the audit
 * cursor, is kept in meta (sync.audit_cursor) and moved by the syncer only
 * at END. A reveal's reason is PHI-like: it stays in the encrypted cache,
 * and no error here names a value.
 *
 * The chain check is the hub's (hub/serve_audit.c): continuity only. This
 * laptop never holds another device's key, so it cannot recompute a MAC;
 * it checks that a device's events run from seq 1 with no gap and that each
 * prev_hash is the previous event's hash. */
#ifndef NX_STORE_DEVICE_EVENTS_H
#define NX_STORE_DEVICE_EVENTS_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define NX_DEVEV_HASH_BYTES 32

typedef struct nx_devev {
    int64_t hub_seq, seq, at;
    const char *device, *user, *role, *action;
    const char *item_id, *field, *reason;       /* "" = none */
    const char *outcome;
    const unsigned char *prev_hash, *hash;      /* NX_DEVEV_HASH_BYTES each */
} nx_devev;

/* ---- writing (the syncer) -------------------------------------------------------- */

/* A prepared insert, for the thousands of events one pull brings. Free it
 * before the store closes. */
typedef struct nx_devev_writer nx_devev_writer;
int  nx_devev_writer_new(nx_store *s, nx_devev_writer **out);
void nx_devev_writer_free(nx_devev_writer *w);
/* Stores one event (inside the caller's transaction). 0 stored, 1 already
 * held (the same hub_seq, or the same device and seq), -1 error. */
int nx_devev_write(nx_devev_writer *w, const nx_devev *e);

/* The audit cursor: the highest hub_seq this cache has applied up to an
 * END (0 = none). */
int nx_devev_cursor(nx_store *s, uint64_t *cursor);
int nx_devev_cursor_set(nx_store *s, uint64_t cursor);
/* 1 when any event is held, 0 none, -1. */
int nx_devev_any(nx_store *s);
/* Deletes every event and sets the cursor to 0 (the role no longer may
 * hold them). Inside the caller's transaction. 0 or -1. */
int nx_devev_clear(nx_store *s);

/* ---- reading (the review screen) ---------------------------------------------------- */

/* Which events: every non-NULL, non-empty criterion must hold. from/to:
 * at >= from and at < to, 0 = open. Oldest first (at, then hub_seq)
 * unless newest_first; offset rows skipped, at most limit (0 = all). */
typedef struct nx_devev_filter {
    const char *device, *user, *item_id, *action;
    int64_t from, to;
    int newest_first;
    size_t offset, limit;
} nx_devev_filter;

/* fn gets each event (f may be NULL: all); the event lives until fn
 * returns. A non-zero return stops the walk and is returned; 0 after the
 * last, -1 on error. */
typedef int (*nx_devev_fn)(void *arg, const nx_devev *e);
int nx_devev_each(nx_store *s, const nx_devev_filter *f, nx_devev_fn fn, void *arg);
/* How many events match (offset and limit ignored); -1 on error. */
int64_t nx_devev_count(nx_store *s, const nx_devev_filter *f);

/* The devices with events held, by id: how many events, the latest time. */
typedef int (*nx_devev_device_fn)(void *arg, const char *device, int64_t events,
                                  int64_t last_at);
int nx_devev_devices(nx_store *s, nx_devev_device_fn fn, void *arg);

typedef enum {
    NX_CHAIN_OK = 0,        /* no break */
    NX_CHAIN_START,         /* the first event held is not seq 1 */
    NX_CHAIN_GAP,           /* events missing before broken_at */
    NX_CHAIN_LINK,          /* broken_at's prev_hash is not the previous hash */
} nx_chain_why;

typedef struct nx_devev_chain {
    int64_t events;         /* events held for the device */
    int64_t first_seq, last_seq;
    int64_t verified_upto;  /* linked from seq 1 up to this seq (0 = none) */
    int64_t broken_at;      /* seq of the first broken link; 0 = none */
    nx_chain_why why;       /* of the first break */
    int64_t breaks;         /* broken links in all (the walk goes on past one) */
} nx_devev_chain;

/* Checks one device's chain as held: "verified up to seq N" (broken_at 0,
 * verified_upto == last_seq) or "first broken link at seq M". A device
 * with no events gives events 0. 0 or -1. */
int nx_devev_chain_check(nx_store *s, const char *device, nx_devev_chain *out);
/* A short English description of why ("events missing"...). */
const char *nx_chain_why_text(nx_chain_why w);

#endif
