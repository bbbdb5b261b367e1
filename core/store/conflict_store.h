/* core/store/conflict_store — the supervisor's conflict inbox on the laptop
 * (table conflict_inbox, migration 7).
 *
 * The hub keeps every conflict (a status step refused because the item had
 * moved on, a losing field value) and sends a supervisor the open ones of
 * the team's items as ITEM history rows of type "conflict" (proto.h). The
 * pull replaces an item's rows with what came (sync_store_apply.c), except
 * a row the supervisor has already resolved here whose `resolve` op is
 * still in the outbox: it keeps its local state until the hub answers.
 * The answer settles it (nx_conflict_settle, from nx_outbox_settle): taken
 * -> the row goes (the hub no longer holds it open); refused -> the row is
 * open again, and the reason is on the item like any refused op.
 *
 * Why here: core/store is the only module that writes SQL; what a resolve
 * means (role, scope, the op, the audit event) is core/session's
 * (session_super.c). The value is PHI, held as the role may hold it (the
 * hub masked partial fields): it stays in the encrypted cache, records
 * holding it are wiped by nx_conflict_rec_wipe, and no error names it. */
#ifndef NX_STORE_CONFLICT_STORE_H
#define NX_STORE_CONFLICT_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define NX_CONFLICT_VALUE_MAX 1024     /* NX_VALUE_MAX: one field's value */
#define NX_CONFLICT_DETAIL_MAX 600     /* the hub's words (at most 512 bytes) */

typedef struct nx_conflict_rec {
    int64_t id;                        /* the hub's conflict id */
    char item_id[64];
    char kind[16];                     /* "status" or "field" */
    char field[64];                    /* "status", "assignee" or a dictionary field id */
    char value[NX_CONFLICT_VALUE_MAX]; /* PHI: the status or value that lost */
    char detail[NX_CONFLICT_DETAIL_MAX];
    int64_t at;                        /* when the hub recorded it */
    char state[16];                    /* open | applied | discarded (pending the hub) */
    char op_id[40];                    /* the resolve op, "" while open */
} nx_conflict_rec;

void nx_conflict_rec_wipe(nx_conflict_rec *c);

/* Inserts or replaces one row as given (state "" = open). For tests and
 * fixtures; the pull writes through the applier. 0 or -1. */
int nx_conflict_put(nx_store *s, const nx_conflict_rec *c);

/* 1 found (out filled), 0 none, -1 error. */
int nx_conflict_get(nx_store *s, int64_t id, nx_conflict_rec *out);

/* Every row, open ones first, then oldest first. fn gets each row (wiped
 * after it returns); a non-zero return stops the walk and is returned; 0
 * after the last, -1 on error. */
typedef int (*nx_conflict_fn)(void *ctx, const nx_conflict_rec *c);
int nx_conflict_scan(nx_store *s, nx_conflict_fn fn, void *ctx);

int64_t nx_conflict_count_open(nx_store *s);   /* -1 on error */

/* Marks an open row resolved here: state "applied" or "discarded", op_id
 * the resolve op that carries it. Inside the caller's transaction (with
 * the op and its audit event). 1 marked, 0 no open row with that id, -1. */
int nx_conflict_mark(nx_store *s, int64_t id, const char *state, const char *op_id);

/* The hub answered op op_id (nx_outbox_settle calls this): refused = 0
 * removes the row it resolved, refused = 1 opens it again. Rows of other
 * ops are untouched. 0 or -1. */
int nx_conflict_settle(nx_store *s, const char *op_id, int refused);

#endif
