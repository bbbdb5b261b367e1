/* The hub's own audit chain as an oversight role holds it (hub_events.h):
 * the insert the syncer uses, the cursor in meta, the count, and the
 * continuity check. */
#include "store/hub_events.h"
#include "store/store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_KEY "sync.haudit_cursor"

static void bind_text(sqlite3_stmt *st, int pos, const char *v)
{
    sqlite3_bind_text(st, pos, v ? v : "", -1, SQLITE_STATIC);
}

int nx_hubev_write(nx_store *s, const nx_hubev *e)
{
    if (!e->prev_hash || !e->hash || e->seq <= 0)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO hub_events(seq, at, user, role, device, action,"
                           " item_id, field, reason, outcome, prev_hash, hash)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, e->seq);
    sqlite3_bind_int64(st, 2, e->at);
    bind_text(st, 3, e->user);
    bind_text(st, 4, e->role);
    bind_text(st, 5, e->device);
    bind_text(st, 6, e->action);
    bind_text(st, 7, e->item_id);
    bind_text(st, 8, e->field);
    bind_text(st, 9, e->reason);
    bind_text(st, 10, e->outcome && *e->outcome ? e->outcome : "ok");
    sqlite3_bind_blob(st, 11, e->prev_hash, NX_HUBEV_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 12, e->hash, NX_HUBEV_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int changed = sqlite3_changes(s->db);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return changed == 1 ? 0 : 1;
}

int nx_hubev_cursor(nx_store *s, uint64_t *cursor)
{
    char buf[32];
    int r = nx_store_meta_get(s, CURSOR_KEY, buf, sizeof buf);
    *cursor = r == 1 ? strtoull(buf, NULL, 10) : 0;
    return r < 0 ? -1 : 0;
}

int nx_hubev_cursor_set(nx_store *s, uint64_t cursor)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, cursor);
    return nx_store_meta_set(s, CURSOR_KEY, buf);
}

int64_t nx_hubev_count(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM hub_events", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int nx_hubev_clear(nx_store *s)
{
    if (sqlite3_exec(s->db, "DELETE FROM hub_events", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return nx_hubev_cursor_set(s, 0);
}

_Static_assert(NX_HUBEV_HASH_BYTES == NX_DEVEV_HASH_BYTES, "one continuity walk for both");

int nx_hubev_chain_check(nx_store *s, nx_devev_chain *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, prev_hash, hash FROM hub_events ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    return nx_store_chain_walk(st, out);
}
