/* core/store/audit_review — the SQL behind an officer's audit review
 * (core/session/session_oversight.h): this laptop's own audit chain (table
 * audit), the other devices' events the hub sent (table device_events)
 * and the hub's own chain (table hub_events, core/store/hub_events.h)
 * read as one list, and the accounting of disclosures of one patient
 * (table disclosures).
 *
 * Why one list here: a filter and a page over both tables need one query
 * (UNION ALL, ordered, LIMIT/OFFSET), so the screen holds one page, never
 * every event. This laptop's own events come from its chain, the
 * authoritative copy (it holds events not yet pushed); the hub's copy of
 * them in device_events is left out, so no event shows twice.
 *
 * Reads only. Strings in rows are borrowed until the callback returns; a
 * reveal's reason and a disclosure's recipient are PHI-like — callers copy
 * them only into buffers they wipe. Functions return 0, the callback's
 * non-zero return, or -1 on an SQL error (nx_store_errmsg). */
#ifndef NX_STORE_AUDIT_REVIEW_H
#define NX_STORE_AUDIT_REVIEW_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* Every non-empty / non-zero criterion must hold; exact matches. */
typedef struct nx_review_filter {
    const char *own_device;    /* this laptop's device id (hex): its hub copy is skipped */
    const char *user, *item_id, *action;
    int64_t from, to;          /* at >= from, at < to; 0 = open */
} nx_review_filter;

typedef struct nx_review_row {
    int local;                 /* 1: this laptop's chain (hub_seq 0) */
    int hub;                   /* 1: the hub's own chain (device: "hub" or the
                                * device the hub's event is about; hub_seq 0) */
    const char *device, *user, *role, *action, *item_id, *field, *reason, *outcome;
    int64_t seq, at, hub_seq;
} nx_review_row;

/* Newest first (at, then this laptop's, the hub's own, the devices', then
 * device, seq);
 * offset rows skipped, at most limit (0 = all). */
typedef int (*nx_review_fn)(void *ctx, const nx_review_row *r);
int nx_review_events(nx_store *s, const nx_review_filter *f, size_t offset, size_t limit,
                     nx_review_fn fn, void *ctx);
/* How many events match; -1 on error. */
int64_t nx_review_count(nx_store *s, const nx_review_filter *f);

/* ---- the accounting of disclosures ------------------------------------------ */

typedef struct nx_review_disclosure {
    int64_t at;
    const char *item_id, *recipient_name, *recipient_address, *description, *purpose, *user;
} nx_review_disclosure;

/* The entries of one patient, oldest first. */
typedef int (*nx_review_disclosure_fn)(void *ctx, const nx_review_disclosure *d);
int nx_review_disclosures(nx_store *s, const char *patient_id, nx_review_disclosure_fn fn,
                          void *ctx);
/* Entries held for every patient (what this cache holds at all); -1. */
int64_t nx_review_disclosures_held(nx_store *s);

#endif
