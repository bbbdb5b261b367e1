/* core/store — drafts: the values of a form the user has typed and not yet
 * saved (schema migration 3: an item's form; migration 13: the forms that
 * are no item's, the incident report and a patient request's intake, under
 * a form key), so a lock, crash or power loss loses at most the last few
 * seconds of typing. The values are PHI: they live only in
 * this table, inside the encrypted cache. The rules (one transaction per
 * save, what a draft means to a form) are core/profile/guard's; this file
 * only moves rows. Strings are borrowed. */
#ifndef NX_STORE_DRAFT_STORE_H
#define NX_STORE_DRAFT_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* Which drafts: an item's (drafts: the key is an item id, and the draft
 * goes with the item) or another form's (form_drafts: the key names the
 * form, e.g. "inc:new"). */
typedef enum { NX_DRAFT_ITEM, NX_DRAFT_FORM } nx_draft_of;

/* Removes every drafted field under key. 0 or -1 (nx_store_errmsg). */
int nx_store_draft_clear(nx_store *s, nx_draft_of of, const char *key);
/* One field of the draft (insert or replace). 0 or -1. */
int nx_store_draft_put(nx_store *s, nx_draft_of of, const char *key, const char *field,
                       const char *value, int64_t saved_at);
/* cb for each drafted field under key, in field order; value points into
 * SQLite's memory (zeroed when freed), valid only during the call. *count =
 * fields seen (0 = no draft). Returns 0, or cb's non-zero return (which
 * stops the walk), or -1 on error. */
int nx_store_draft_fields(nx_store *s, nx_draft_of of, const char *key,
                          int (*cb)(void *ctx, const char *field, const char *value),
                          void *ctx, int *count);
/* cb for each item with a draft, newest save first (ties by item id); stops
 * like nx_store_draft_fields. 0 or -1. */
int nx_store_draft_items(nx_store *s,
                         int (*cb)(void *ctx, const char *item_id, int64_t saved_at),
                         void *ctx);

#endif
