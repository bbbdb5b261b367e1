/* core/store/hub_events — the hub's own audit chain (hub/haudit.c: admin
 * commands, sessions, pushes, rejections) as the hub sent it to an
 * oversight role (privacy officer, security officer, auditor; schema
 * migration 11, table hub_events), read-only on this laptop: the rows the
 * sync writes (core/sync/client_frames.c), its cursor, and the chain check
 * the review screen shows. The review's list reads the table through
 * core/store/audit_review.c.
 *
 * A stream of its own beside device_events: keyed by the chain's own seq
 * (1, 2, 3 ... without gap), its cursor in meta (sync.haudit_cursor),
 * moved by the syncer only at END. An event already held is kept as it
 * was: a hub that sends another event under a seq this laptop holds (its
 * chain cut and written again) shows as a broken link here.
 *
 * What the check can say: the hub's hashes are MACs keyed with a subkey of
 * the hub's key, which never leaves the hub, so this laptop cannot
 * recompute them. It checks continuity only — seq from 1 without gap and
 * each prev_hash equal to the previous event's hash — so it finds events
 * removed, inserted or re-linked, and an event whose hash was changed (the
 * next link breaks), but not an event rewritten in place with its own hash
 * left as it was: that takes `nexus-hub audit verify` on the host. */
#ifndef NX_STORE_HUB_EVENTS_H
#define NX_STORE_HUB_EVENTS_H
#include <stddef.h>
#include <stdint.h>
#include "store/device_events.h"
#include "store/store.h"

#define NX_HUBEV_HASH_BYTES 32

typedef struct nx_hubev {
    int64_t seq, at;
    const char *user, *role, *device, *action;
    const char *item_id, *field, *reason;       /* "" = none */
    const char *outcome;
    const unsigned char *prev_hash, *hash;      /* NX_HUBEV_HASH_BYTES each */
} nx_hubev;

/* Stores one event inside the caller's transaction. 0 stored, 1 already
 * held (that seq: kept as it was), -1 error. */
int nx_hubev_write(nx_store *s, const nx_hubev *e);

/* The cursor: the highest seq applied up to an END (0 = none). */
int nx_hubev_cursor(nx_store *s, uint64_t *cursor);
int nx_hubev_cursor_set(nx_store *s, uint64_t cursor);
/* Events held (-1 on error). */
int64_t nx_hubev_count(nx_store *s);
/* Deletes every event and sets the cursor to 0 (the role no longer may
 * hold them). Inside the caller's transaction. 0 or -1. */
int nx_hubev_clear(nx_store *s);

/* The chain as held, for continuity (see above): events, first and last
 * seq, verified_upto (linked from seq 1 up to it), the first break and
 * how many. 0 or -1. */
int nx_hubev_chain_check(nx_store *s, nx_devev_chain *out);

#endif
