/* core/sync — the client's side of a sync round (client.c): push the
 * outbox and the audit events, pull what changed, apply it, move the
 * cursor; and what the hub's answers imply: revocation (erase), drops,
 * the offline grace, the banner. Runs with its own store connection so a
 * background worker does not block the screen. */
#ifndef NX_SYNC_H
#define NX_SYNC_H
#include <stdint.h>
#include "sync/transport.h"
#include "profile/profile.h"

typedef struct nx_sync_stats {
    uint64_t pushed, applied, duplicate, rejected, conflicts;   /* ops */
    uint64_t audit_pushed;
    uint64_t items, dropped;                                    /* pulled */
    uint64_t records;           /* oversight records pulled (QA, CAPA, incidents...) */
    uint64_t audit_pulled;      /* devices' audit events stored (oversight roles) */
    uint64_t cursor;
    int64_t hub_time;
    int revoked;
    char banner[2048];
    int emergency;
} nx_sync_stats;

typedef struct nx_syncer nx_syncer;

/* A syncer for an open profile, using conf's [sync]. It keeps the
 * connection open between rounds and reconnects when it drops. */
int  nx_syncer_new(nx_profile *p, const nx_conf *c, nx_syncer **out, char *err, size_t errlen);
/* One round. Returns an nx_sync_code; st filled as far as it got. On
 * NX_SYNC_REVOKED the cache has been erased and the profile closed. */
nx_sync_code nx_syncer_round(nx_syncer *y, nx_sync_stats *st, char *err, size_t errlen);
void nx_syncer_free(nx_syncer *y);

/* Offline grace (seed 000 §6.7): 1 when the cache has not reached the hub
 * for the grace the hub last granted ([sync] offline_grace_hours, or 72 h
 * in emergency mode); the client then offers only sync. Setting the clock
 * back does not help: time is measured from the last sync by
 * max(wall clock, the highest wall clock seen) and, within one boot, the
 * monotonic clock. */
int nx_sync_grace_expired(nx_profile *p, const nx_conf *c, int64_t now);

#endif
