/* core/store — drafts: the values of a form the user has typed and not yet
 * saved (schema migration 4), so a lock, crash or power loss loses at most
 * the last few seconds of typing. The values are PHI: they live only in
 * this table, inside the encrypted cache. The rules (one transaction per
 * save, what a draft means to a form) are core/profile/guard's; this file
 * only moves rows. Strings are borrowed. */
#ifndef NX_STORE_DRAFT_STORE_H
#define NX_STORE_DRAFT_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* Removes every drafted field of the item. 0 or -1 (nx_store_errmsg). */
int nx_store_draft_clear(nx_store *s, const char *item_id);
/* One field of the item's draft (insert or replace). 0 or -1. */
int nx_store_draft_put(nx_store *s, const char *item_id, const char *field,
                       const char *value, int64_t saved_at);
/* cb for each drafted field of the item, in field order; value points into
 * SQLite's memory (zeroed when freed), valid only during the call. *count =
 * fields seen (0 = no draft). Returns 0, or cb's non-zero return (which
 * stops the walk), or -1 on error. */
int nx_store_draft_fields(nx_store *s, const char *item_id,
                          int (*cb)(void *ctx, const char *field, const char *value),
                          void *ctx, int *count);
/* cb for each item with a draft, newest save first (ties by item id); stops
 * like nx_store_draft_fields. 0 or -1. */
int nx_store_draft_items(nx_store *s,
                         int (*cb)(void *ctx, const char *item_id, int64_t saved_at),
                         void *ctx);

#endif
