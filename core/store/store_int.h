/* Private to core/store. */
#ifndef NX_STORE_INT_H
#define NX_STORE_INT_H
#include "store/store.h"

struct nx_store {
    sqlite3 *db;
    nx_cryptvfs *vfs;
};

int  nx_store_migrate(nx_store *s, char *err, size_t errlen);
/* If the VFS saw tampering, replace err with the one-line integrity message. */
void nx_store_explain(nx_store *s, char *err, size_t errlen);

/* A copied chain's continuity (device_events.c): st selects seq, prev_hash,
 * hash in seq order; seq from 1 without a gap, each prev_hash the hash
 * before. Finalizes st. 0, or -1 (store error, a hash of the wrong size). */
struct nx_devev_chain;
int nx_store_chain_walk(sqlite3_stmt *st, struct nx_devev_chain *out);

/* items.kind_no (migration 17) for the kind x (a bound parameter or a
 * column): the number the queue indexes hold for it, nx_qs_kind_no's.
 * Writers that insert items set it, so the trigger that keeps it has
 * nothing to do. */
#define NX_KIND_NO_OF(x) "(CASE " x " WHEN 'scheduling' THEN 1 WHEN 'eligibility' THEN 2 " \
    "WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4 ELSE 0 END)"

/* The kinds whose items carry a payer (the field dictionary's payer:
 * eligibility and prior-auth), as a term on items.kind_no. items_q_payer
 * holds only their items (migration 21); a query that reads it names this
 * term as it is, so that SQLite knows the partial index holds its rows.
 * nx_qs_kind_has_payer answers the same for a kind's name. */
#define NX_PAYER_KINDS_TERM "kind_no IN (2, 3)"

/* items.scope_no (migration 19) for the client, team and assignee c, t, a
 * (bound parameters or columns): the number item_scopes gives that triple,
 * or 0 when it has none yet (the triggers then add it and set the row's;
 * NX_SCOPE_FIND is NULL then, never a row's scope_no).
 * Writers that insert items set it, so those triggers have nothing to do. */
#define NX_SCOPE_FIND(c, t, a) "(SELECT sc.no FROM item_scopes AS sc WHERE " \
    "sc.client_id = " c " AND sc.team = " t " AND sc.assignee = " a ")"
#define NX_SCOPE_NO_OF(c, t, a) "coalesce(" NX_SCOPE_FIND(c, t, a) ", 0)"

#endif
