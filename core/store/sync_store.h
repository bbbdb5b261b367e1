/* core/store/sync_store — the client's sync tables (schema migration 6):
 * the outbox every local change writes its op to, the ops the hub refused,
 * the sync state kept in meta, and the SQL that applies what the hub sends
 * (clients, items, drops) and purges what the laptop no longer needs.
 *
 * Why here: core/store is the only module that writes SQL. The rules (what
 * a frame means, when the cursor moves, what is audited) are core/sync's
 * (client*.c); this file only moves rows. Values are PHI: they stay in the
 * encrypted cache, are bound from views of the decoded frame (no copies),
 * and no error names one. */
#ifndef NX_STORE_SYNC_STORE_H
#define NX_STORE_SYNC_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "store/audit_store.h"
#include "store/items_io.h"
#include "store/store.h"
#include "sync/op.h"

/* ---- the outbox --------------------------------------------------------------- */

/* Appends one op INSIDE the caller's open transaction (the change and its
 * audit event commit with it, or none of them): draws the op id (uuid4),
 * ticks the HLC kept in meta (sync.hlc) with wall_ms. value may be NULL
 * (none); field and expect NULL = "". op_id_out (may be NULL) gets the id.
 * 0 or -1 (refused outside a transaction). */
int nx_outbox_add(nx_store *s, nx_op_kind kind, const char *item, const char *field,
                  const char *value, const char *expect, int64_t created, int64_t wall_ms,
                  char op_id_out[40]);

/* Pending ops oldest first, those with seq > after_seq, at most limit (0 =
 * all). fn gets each op (user and device empty: the pusher fills them);
 * the op and its value live until fn returns. A non-zero return stops the
 * walk and is returned; 0 after the last, -1 on error. */
typedef int (*nx_outbox_fn)(void *ctx, int64_t seq, const nx_op *op);
int nx_outbox_scan(nx_store *s, int64_t after_seq, size_t limit, nx_outbox_fn fn, void *ctx);
int64_t nx_outbox_count(nx_store *s);       /* -1 on error */

/* The hub answered op_id: removes it from the outbox. reject_reason non-NULL
 * also records it in op_rejects (with the op's item, kind and field) for
 * the item's screen. 1 removed, 0 no such op (an answer seen before), -1. */
int nx_outbox_settle(nx_store *s, const char *op_id, const char *reject_reason, int64_t at);

/* ---- ops the hub refused --------------------------------------------------------- */

typedef int (*nx_reject_fn)(void *ctx, const char *op_id, const char *kind, const char *field,
                            const char *reason, int64_t at);
/* The item's refused ops, oldest first. As nx_outbox_scan for fn's return. */
int nx_op_rejects(nx_store *s, const char *item_id, nx_reject_fn fn, void *ctx);
int64_t nx_op_rejects_count(nx_store *s);   /* all items; -1 on error */
int nx_op_rejects_clear(nx_store *s, const char *item_id);

/* ---- notes and the ops that wrote them --------------------------------------------- */

int nx_store_note_set_op(nx_store *s, int64_t note_id, const char *op_id);
/* The op id that wrote note note_id: 1 found (op_id copied), 0 none, -1. */
int nx_store_note_op(nx_store *s, int64_t note_id, char op_id[40]);

/* ---- the sync state (meta, sync.* keys) ---------------------------------------------- */

typedef struct nx_sync_state {
    uint64_t cursor;            /* the hub's cursor after the last END applied */
    uint64_t hlc;               /* this device's hybrid logical clock */
    int64_t hub_time;           /* the hub's clock at the last END (unix s) */
    int64_t last_sync_wall;     /* our wall clock at the last END (unix s) */
    int64_t high_water;         /* the highest wall clock seen (unlock, rounds) */
    char boot_id[40];           /* /proc/sys/kernel/random/boot_id at the last END */
    int64_t boot_secs;          /* CLOCK_BOOTTIME seconds at the last END */
    uint64_t audit_seq;         /* the highest audit seq the hub has received */
    int grace_hours;            /* GRACE_HOURS from the hub; 0 = not known */
    int keep_days;              /* KEEP_DAYS from the hub; 0 = not known */
    int emergency;
    int revoked;
    char role[64], team[64];    /* as the hub last said */
    char banner[2048];
} nx_sync_state;

/* Missing keys read as 0 / "". 0 or -1. */
int nx_sync_state_load(nx_store *s, nx_sync_state *st);
/* Writes every key but hlc (see nx_sync_hlc_*) and high_water (see
 * nx_sync_high_water). Inside the caller's transaction, or on its own. */
int nx_sync_state_save(nx_store *s, const nx_sync_state *st);
/* The HLC: read, and moved forward (never back) to at least h. */
int nx_sync_hlc_get(nx_store *s, uint64_t *h);
int nx_sync_hlc_raise(nx_store *s, uint64_t h);
/* Moves the high-water wall clock up to now (never down); *hw (may be
 * NULL) gets the result. */
int nx_sync_high_water(nx_store *s, int64_t now, int64_t *hw);

/* ---- applying what the hub sends --------------------------------------------------- */

/* A view into a decoded frame: not NUL-terminated. */
typedef struct nx_span {
    const char *p;
    size_t n;
} nx_span;

typedef struct nx_pulled_kv {
    nx_span field, value;
} nx_pulled_kv;

typedef enum {
    NX_HIST_STATUS, NX_HIST_NOTE, NX_HIST_ATTEMPT, NX_HIST_ATTACH, NX_HIST_CONFLICT
} nx_hist_kind;

/* One history row. part[]: status (from, to); note (op id, corrected op
 * id, body); attempt (channel, outcome, next action); attach (ref, label);
 * conflict (the hub's conflict id in decimal, kind, field, value as the
 * role may hold it, the hub's detail) — a supervisor's conflict inbox
 * (store/conflict_store.h), replaced with the rest of the history. */
typedef struct nx_pulled_hist {
    nx_hist_kind kind;
    int64_t at;
    nx_span who;
    nx_span part[5];
} nx_pulled_hist;

typedef struct nx_pulled_item {
    nx_item_rec rec;            /* linked_item: "" = none */
    const nx_pulled_kv *kv;     /* item_fields: replace the item's */
    size_t nkv;
    const nx_pulled_kv *pkv;    /* patient columns; npkv > 0 replaces the row's */
    size_t npkv;
    /* The patient columns the item's kind holds (NULL-terminated names;
     * NULL = all): a column it does not hold (the payer of a scheduling
     * item) is the business of the patient's other items, and stays as
     * the cache has it. */
    const char *const *pcarried;
    const nx_pulled_hist *hist; /* replaces transitions, notes, attempts, attachments
                                 * and conflict inbox rows (but one resolved here
                                 * whose op is still pending); nhist == 0 leaves
                                 * them as they are */
    size_t nhist;
} nx_pulled_item;

/* Prepared statements for a pull (a first sync writes 100 000 items). */
typedef struct nx_sync_applier nx_sync_applier;
int  nx_sync_applier_new(nx_store *s, nx_sync_applier **out);
void nx_sync_applier_free(nx_sync_applier *a);
/* The patient columns an item of kind holds (NULL-terminated names, as
 * nx_pulled_item.pcarried; NULL = all). When a patient's last item of the
 * kinds that hold a column leaves, nx_sync_erase_item clears the column (a
 * patient left with scheduling items keeps no payer). A kind not told
 * holds every column. 0, or -1 (too many kinds, or a name too long). */
int  nx_sync_applier_carried(nx_sync_applier *a, const char *kind, const char *const *cols);
/* on: the items to come are mostly new (a first sync into an empty
 * cache): each is inserted first and read only when it was there already,
 * one statement instead of two. off (the default): read first, as a pull
 * of changes mostly updates. Only the cost differs. */
void nx_sync_applier_mostly_new(nx_sync_applier *a, int on);
/* The caller's transaction began, committed or rolled back: what the
 * applier remembers of the patients it wrote in it is forgotten (and
 * wiped). Call it at each, or patients written by others in between may
 * not be rewritten. */
void nx_sync_applier_tx_end(nx_sync_applier *a);

typedef struct nx_pulled_client {
    const char *id, *name, *tz, *escalation, *holidays, *consent;   /* NULL = "" */
    int has_lead, lead_hours;
} nx_pulled_client;

/* Inserts or replaces the clinic; without has_lead its verify lead time
 * stays as it was (72 h for a new one). 0 or -1. */
int nx_sync_apply_client(nx_sync_applier *a, const nx_pulled_client *c);

enum { NX_APPLY_OK = 0, NX_APPLY_ERROR = -1, NX_APPLY_NO_CLIENT = -2 };
/* Upserts the item (twice is harmless), its patient, its fields and its
 * history, as the hub has them. Inside the caller's transaction. Returns
 * NX_APPLY_OK, NX_APPLY_NO_CLIENT (its clinic is neither sent nor here), or
 * NX_APPLY_ERROR. */
int nx_sync_apply_item(nx_sync_applier *a, const nx_pulled_item *it);

/* Deletes the item and everything of it on this laptop (fields, notes,
 * history, attachments, drafts, disclosures' copies, refused-op records,
 * conflict inbox rows,
 * and its patient when no other item needs them; the patient columns only
 * its kind held among the patient's items: nx_sync_applier_carried). Pending outbox ops stay:
 * they are the user's work and still go to the hub. 1 erased, 0 it was
 * not here, -1. */
int nx_sync_erase_item(nx_sync_applier *a, const char *id);

/* ---- a first sync into an empty cache (sync_store_bulk.c) -------------------------- */

/* Inside the caller's transaction: when items is empty, drops its plain
 * (not UNIQUE) indexes and keeps their CREATE statements in meta, to be
 * built once by nx_sync_bulk_finish. 1 deferred (now, or still from an
 * earlier round), 0 not (the cache holds items), -1. While they are
 * deferred a query naming one of them (INDEXED BY) fails. */
int nx_sync_bulk_start(nx_store *s);
/* 1 when indexes wait to be built, 0 when none, -1. */
int nx_sync_bulk_pending(nx_store *s);
/* Inside the caller's transaction: builds the deferred indexes and forgets
 * their statements. 0 or -1. */
int nx_sync_bulk_finish(nx_store *s);
/* The connection's page cache in KiB for a pull; 0 = the default. */
int nx_sync_cache_kib(nx_store *s, int kib);

/* Closed items with closed < before, no pending op and no open QA sample.
 * fn as nx_outbox_scan. */
typedef int (*nx_id_fn)(void *ctx, const char *id);
int nx_store_closed_before(nx_store *s, int64_t before, nx_id_fn fn, void *ctx);

/* ---- audit events to push ------------------------------------------------------------ */

/* Audit rows with seq > after, ascending, at most limit (0 = all). */
int nx_store_audit_since(nx_store *s, int64_t after, size_t limit, nx_audit_row_fn fn, void *arg);

#endif
