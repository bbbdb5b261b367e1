/* core/store/sync_hist — which of an item's stored history rows a pull
 * leaves as they are (sync_store_apply.c).
 *
 * A pulled ITEM carries the item's whole history (sync_store.h), and the
 * history only grows on the hub: most of the time what the laptop holds
 * is the start of it, row for row. Writing it all again each time the
 * item changes deleted and re-inserted rows on random pages of four
 * tables and their indexes, most of a changed item's page writes in a
 * large cache. So, per kind of row (status changes, notes, attempts,
 * attachments), the stored rows are compared in the order they were
 * written with the pulled rows of that kind in the order sent: when they
 * are its first rows, only the rest is inserted; otherwise (a local row
 * the hub did not take, a row that differs) that kind's rows are all
 * written again, as before. Either way the item's history is then exactly
 * the pulled one. */
#ifndef NX_SYNC_HIST_H
#define NX_SYNC_HIST_H

#include <sqlite3.h>
#include <stddef.h>
#include "store/sync_store.h"

enum { NX_HIST_KEPT_KINDS = 4 };   /* NX_HIST_STATUS .. NX_HIST_ATTACH */

/* The SELECTs get[k] must run (item id as ?1): the kind's rows in the order
 * written, as (at, who, part 0, part 1, part 2) with NULL read as "". */
extern const char *const nx_hist_get_sql[NX_HIST_KEPT_KINDS];

/* keep[k]: how many stored rows of kind k are the first pulled rows of
 * that kind (0 when none is stored), or -1 when they are not. 0, or -1 on
 * a store error. */
int nx_hist_prefix(sqlite3_stmt *const get[NX_HIST_KEPT_KINDS], const char *id,
                   const nx_pulled_hist *hist, size_t n, int keep[NX_HIST_KEPT_KINDS]);

#endif
