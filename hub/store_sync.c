/* hub/store_sync — the rows a sync session reads and writes besides the
 * items themselves: the revision counter behind pull cursors, the
 * restoration-ordered list of changed items, what each device holds (so
 * the hub can tell it what to drop), received ops (dedupe), field clocks
 * (last writer wins) and the devices' audit events. */
#include "hub/store_int.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- revisions ------------------------------------------------------------------ */

int64_t nx_hub_rev(nx_hub *h)
{
    static const char sql[] = "SELECT value FROM hub_counter WHERE name = 'rev'";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

int64_t nx_hub_rev_bump(nx_hub *h)
{
    static const char sql[] =
        "UPDATE hub_counter SET value = value + 1 WHERE name = 'rev' RETURNING value";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (v >= 0 && sqlite3_step(st) != SQLITE_DONE)
        v = -1;
    sqlite3_reset(st);
    return v;
}

int nx_hub_item_rev_set(nx_hub *h, const char *item_id, int64_t rev)
{
    static const char sql[] =
        "INSERT INTO item_rev(item_id, rev, assignee, team) "
        "VALUES(?1, ?2, coalesce((SELECT assignee FROM items WHERE id = ?1), ''),"
        "       coalesce((SELECT team FROM items WHERE id = ?1), '')) "
        "ON CONFLICT(item_id) DO UPDATE SET rev = excluded.rev, assignee = excluded.assignee,"
        " team = excluded.team";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, item_id);
    sqlite3_bind_int64(st, 2, rev);
    return nx_hub_step_done(st);
}

int64_t nx_hub_item_touch(nx_hub *h, const char *item_id)
{
    int64_t rev = nx_hub_rev_bump(h);
    if (rev < 0 || nx_hub_item_rev_set(h, item_id, rev) != 0)
        return -1;
    return rev;
}

int nx_hub_item_rev(nx_hub *h, const char *item_id, int64_t *rev)
{
    static const char sql[] = "SELECT rev FROM item_rev WHERE item_id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, item_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *rev = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int64_t archive_before(nx_hub *h, int64_t now)
{
    nx_hub_settings s;
    int days = nx_hub_settings_get(h, &s) == 0 ? s.keep_closed_days : NX_HUB_KEEP_CLOSED_DAYS;
    return now - (int64_t)days * 86400;
}

/* One walk's rows: id, kind, client_id, status, assignee, team, rev, rowid. */
static int walk(sqlite3_stmt *st, nx_hub_item_cb cb, void *arg)
{
    int rc, stop = 0;
    nx_item_rec it;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&it, 0, sizeof it);
        nx_hub_col(it.id, sizeof it.id, st, 0);
        nx_hub_col(it.kind, sizeof it.kind, st, 1);
        nx_hub_col(it.client_id, sizeof it.client_id, st, 2);
        nx_hub_col(it.status, sizeof it.status, st, 3);
        nx_hub_col(it.assignee, sizeof it.assignee, st, 4);
        nx_hub_col(it.team, sizeof it.team, st, 5);
        stop = cb(arg, &it, sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7));
    }
    sqlite3_reset(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_items_since(nx_hub *h, int64_t since_rev, int64_t now, const char *team,
                       nx_hub_item_cb cb, void *arg)
{
    /* Open items first by due time (due_key puts none last), then closed
     * ones newest first; the archive is left out. Only the columns the
     * caller decides by are read. A first pull (since 0) takes every item:
     * the open ones in order from hub_items_open (hub migration 6), no
     * sort and no lookup (sorting 100 000 items, or looking each up from
     * its revision, was most of the second a first sync waited for its
     * first item), then the recently closed ones. */
    static const char sql_since[] =
        "SELECT i.id, i.kind, i.client_id, i.status, i.assignee, i.team, r.rev, i.rowid"
        " FROM item_rev AS r JOIN items AS i ON i.id = r.item_id"
        " WHERE r.rev > ?1 AND (?3 IS NULL OR i.team = ?3)"
        "   AND (coalesce(i.closed, 0) = 0 OR i.closed >= ?2)"
        " ORDER BY coalesce(i.closed, 0) <> 0,"
        "   CASE WHEN coalesce(i.closed, 0) = 0 THEN i.due_key ELSE -i.closed END, i.id";
    static const char sql_open[] =
        "SELECT i.id, i.kind, i.client_id, i.status, i.assignee, i.team, 0, i.rowid"
        " FROM items AS i INDEXED BY hub_items_open"
        " WHERE i.closed IS NULL AND (?3 IS NULL OR i.team = ?3)"
        " ORDER BY i.due_key, i.id";
    /* (closed = 0 is not written by the store; were it, such an item comes
     * here, first.) */
    static const char sql_closed[] =
        "SELECT i.id, i.kind, i.client_id, i.status, i.assignee, i.team, 0, i.rowid"
        " FROM items AS i"
        " WHERE i.closed IS NOT NULL AND (i.closed = 0 OR i.closed >= ?2)"
        "   AND (?3 IS NULL OR i.team = ?3)"
        " ORDER BY i.closed <> 0, CASE WHEN i.closed = 0 THEN i.due_key ELSE -i.closed END, i.id";
    const char *const first[] = { sql_open, sql_closed };
    const char *const *q = since_rev > 0 ? (const char *const[]){ sql_since } : first;
    int nq = since_rev > 0 ? 1 : 2;
    int64_t cut = archive_before(h, now);
    for (int i = 0; i < nq; i++) {
        sqlite3_stmt *st = nx_hub_stmt(h, q[i]);
        if (!st)
            return -1;
        /* (?1 and ?2 where the query has them; binding one it lacks is a
         * no-op error below its highest parameter) */
        sqlite3_bind_int64(st, 1, since_rev > 0 ? since_rev : 0);
        sqlite3_bind_int64(st, 2, cut);
        if (team)
            nx_hub_bind(st, 3, team);
        int rc = walk(st, cb, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The changes a device's holdings are looked for in: below this many
 * changes since the cursor, each change is looked up among the device's
 * items; from it on, whichever side is smaller is walked. */
#define HELD_BY_CHANGE_MAX 2048

static int64_t count1(nx_hub *h, const char *sql, const char *key, int64_t a, int64_t b)
{
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    if (key)
        nx_hub_bind(st, 1, key);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

/* 1 when the device's held items are fewer than the changes since
 * since_rev (walk those), 0 when not, -1 error. Both sides are counted up
 * to a bound that grows fourfold until one of them is under it, so the
 * cost is a few times the smaller side's, never the larger's: counting a
 * 100 000-item laptop's holdings whole, in each round with a few thousand
 * changes since its cursor (a busy firm's every round), was a cost that
 * grew with the laptop's cache, not with what changed. */
static int held_side_smaller(nx_hub *h, int64_t since_rev, const char *device)
{
    static const char changes[] =
        "SELECT count(*) FROM (SELECT 1 FROM item_rev WHERE rev > ?2 LIMIT ?3)";
    static const char held[] =
        "SELECT count(*) FROM (SELECT 1 FROM device_items WHERE device = ?1 LIMIT ?3)";
    int64_t n = count1(h, changes, NULL, since_rev, HELD_BY_CHANGE_MAX);
    if (n < HELD_BY_CHANGE_MAX)
        return n < 0 ? -1 : 0;
    /* here: changes >= bound */
    for (int64_t bound = HELD_BY_CHANGE_MAX;; bound *= 4) {
        int64_t m = count1(h, held, device, 0, bound);
        if (m < bound)
            return m < 0 ? -1 : 1;                  /* held < bound <= changes */
        int64_t next = bound <= INT64_MAX / 4 ? bound * 4 : INT64_MAX;
        n = count1(h, changes, NULL, since_rev, next);
        if (n < 0)
            return -1;
        if (n < next) {                              /* every change counted */
            m = count1(h, held, device, 0, n + 1);
            return m < 0 ? -1 : m < n;
        }
        if (next == INT64_MAX)
            return 0;
    }
}

int nx_hub_items_changed(nx_hub *h, int64_t since_rev, int64_t now, nx_hub_scope_by by,
                         const char *key, const char *device, nx_hub_item_cb cb, void *arg)
{
    /* The candidates: the scope's changes (item_rev_team or
     * item_rev_assignee, hub migration 8) and the device's changed items
     * (a drop when no longer in scope), then the same order and archive
     * line as nx_hub_items_since. */
#define CHANGED_SQL(SCOPE, HELD)                                                          \
    "SELECT i.id, i.kind, i.client_id, i.status, i.assignee, i.team, c.rev, i.rowid"     \
    " FROM (SELECT item_id, rev FROM item_rev WHERE " SCOPE " = ?3 AND rev > ?1"          \
    "       UNION " HELD ") AS c"                                                         \
    " JOIN items AS i ON i.id = c.item_id"                                                \
    " WHERE coalesce(i.closed, 0) = 0 OR i.closed >= ?2"                                  \
    " ORDER BY coalesce(i.closed, 0) <> 0,"                                               \
    "   CASE WHEN coalesce(i.closed, 0) = 0 THEN i.due_key ELSE -i.closed END, i.id"
#define BY_CHANGE                                                                         \
    "SELECT r.item_id, r.rev FROM item_rev AS r WHERE r.rev > ?1 AND EXISTS"              \
    " (SELECT 1 FROM device_items AS d WHERE d.device = ?4 AND d.item_id = r.item_id)"
#define BY_HELD                                                                           \
    "SELECT r.item_id, r.rev FROM device_items AS d CROSS JOIN item_rev AS r"             \
    " ON r.item_id = d.item_id WHERE d.device = ?4 AND r.rev > ?1"
    static const char *const sql[2][2] = {
        { CHANGED_SQL("team", BY_CHANGE), CHANGED_SQL("team", BY_HELD) },
        { CHANGED_SQL("assignee", BY_CHANGE), CHANGED_SQL("assignee", BY_HELD) },
    };
#undef CHANGED_SQL
#undef BY_CHANGE
#undef BY_HELD
    if (since_rev <= 0 || !key || !device)
        return -1;
    int held = held_side_smaller(h, since_rev, device);
    if (held < 0)
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql[by == NX_HUB_BY_ASSIGNEE][held]);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, since_rev);
    sqlite3_bind_int64(st, 2, archive_before(h, now));
    nx_hub_bind(st, 3, key);
    nx_hub_bind(st, 4, device);
    return walk(st, cb, arg);
}

int nx_hub_item_archived(nx_hub *h, const char *item_id, int64_t now)
{
    static const char sql[] =
        "SELECT coalesce(closed, 0) <> 0 AND closed < ?2 FROM items WHERE id = ?1";
    int64_t cut = archive_before(h, now);
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, item_id);
    sqlite3_bind_int64(st, 2, cut);
    int rc = sqlite3_step(st), v = 0;
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? v : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- what each device holds ------------------------------------------------------- */

int nx_hub_device_item_add(nx_hub *h, const char *device, const char *item_id)
{
    static const char sql[] =
        "INSERT INTO device_items(device, item_id) VALUES(?1, ?2) ON CONFLICT DO NOTHING";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, device);
    nx_hub_bind(st, 2, item_id);
    return nx_hub_step_done(st);
}

/* Rows a statement of nx_hub_device_items_add inserts: each bare ? is
 * numbered one past the highest before it, so the ids are ?2 .. ?65. */
#define HELD_ROWS 64
#define HELD_8 "(?1,?),(?1,?),(?1,?),(?1,?),(?1,?),(?1,?),(?1,?),(?1,?)"

int nx_hub_device_items_add(nx_hub *h, const char *device, const char *const *ids, size_t n)
{
    /* One statement of HELD_ROWS rows instead of HELD_ROWS statements: a
     * first pull records 100 000 items while the laptop waits. */
    static const char sql[] =
        "INSERT INTO device_items(device, item_id) VALUES " HELD_8 "," HELD_8 "," HELD_8 ","
        HELD_8 "," HELD_8 "," HELD_8 "," HELD_8 "," HELD_8 " ON CONFLICT DO NOTHING";
    size_t i = 0;
    for (; i + HELD_ROWS <= n; i += HELD_ROWS) {
        sqlite3_stmt *st = nx_hub_stmt(h, sql);
        if (!st)
            return -1;
        nx_hub_bind(st, 1, device);
        for (int r = 0; r < HELD_ROWS; r++)
            nx_hub_bind(st, r + 2, ids[i + (size_t)r]);
        if (nx_hub_step_done(st) != 0)
            return -1;
    }
    for (; i < n; i++)
        if (nx_hub_device_item_add(h, device, ids[i]) != 0)
            return -1;
    return 0;
}

int nx_hub_device_item_forget(nx_hub *h, const char *device, const char *item_id)
{
    static const char sql[] = "DELETE FROM device_items WHERE device = ?1 AND item_id = ?2";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, device);
    nx_hub_bind(st, 2, item_id);
    return nx_hub_step_done(st);
}

int nx_hub_device_item_has(nx_hub *h, const char *device, const char *item_id)
{
    static const char sql[] = "SELECT 1 FROM device_items WHERE device = ?1 AND item_id = ?2";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, device);
    nx_hub_bind(st, 2, item_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The ids are collected first, so cb may change device_items (forget what
 * it drops) without disturbing the walk. */
static int each_id(nx_hub *h, sqlite3_stmt *st, nx_hub_id_cb cb, void *arg)
{
    (void)h;
    size_t n = 0, cap = 0;
    char (*ids)[64] = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            void *p = realloc(ids, nc * sizeof *ids);
            if (!p) {
                rc = SQLITE_NOMEM;
                break;
            }
            ids = p;
            cap = nc;
        }
        nx_hub_col(ids[n], sizeof ids[n], st, 0);
        n++;
    }
    sqlite3_reset(st);
    int out = rc == SQLITE_DONE ? 0 : -1;
    for (size_t i = 0; out == 0 && i < n; i++)
        out = cb(arg, ids[i]);
    free(ids);
    return out;
}

int nx_hub_device_items_each(nx_hub *h, const char *device, nx_hub_id_cb cb, void *arg)
{
    static const char sql[] = "SELECT item_id FROM device_items WHERE device = ?1 ORDER BY item_id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, device);
    return each_id(h, st, cb, arg);
}

int nx_hub_device_items_expired(nx_hub *h, const char *device, int64_t now,
                                nx_hub_id_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT d.item_id FROM device_items AS d LEFT JOIN items AS i ON i.id = d.item_id"
        " WHERE d.device = ?1 AND (i.id IS NULL OR (coalesce(i.closed, 0) <> 0 AND i.closed < ?2))"
        " ORDER BY d.item_id";
    int64_t cut = archive_before(h, now);
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, device);
    sqlite3_bind_int64(st, 2, cut);
    return each_id(h, st, cb, arg);
}

/* ---- ops ------------------------------------------------------------------------ */

int nx_hub_op_seen(nx_hub *h, const char *op_id, char *outcome, size_t outlen,
                   char *reason, size_t reasonlen)
{
    static const char sql[] = "SELECT outcome, reason FROM ops WHERE op_id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, op_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (outcome)
            nx_hub_col(outcome, outlen, st, 0);
        if (reason)
            nx_hub_col(reason, reasonlen, st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_op_record(nx_hub *h, const nx_hub_op_rec *r)
{
    static const char sql[] =
        "INSERT INTO ops(op_id, device, user, hlc, kind, item, field, value, expect, received,"
        " outcome, reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, r->op_id);
    nx_hub_bind(st, 2, r->device);
    nx_hub_bind(st, 3, r->user);
    sqlite3_bind_int64(st, 4, (int64_t)r->hlc);
    nx_hub_bind(st, 5, r->kind);
    nx_hub_bind(st, 6, r->item);
    nx_hub_bind(st, 7, r->field);
    nx_hub_bind(st, 8, r->value);
    nx_hub_bind(st, 9, r->expect);
    sqlite3_bind_int64(st, 10, r->received);
    nx_hub_bind(st, 11, r->outcome);
    nx_hub_bind(st, 12, r->reason);
    return nx_hub_step_done(st);
}

/* ---- field clocks ---------------------------------------------------------------- */

int nx_hub_field_clock_get(nx_hub *h, const char *item_id, const char *field,
                           nx_hlc *hlc, char *op_id, size_t op_idlen)
{
    static const char sql[] = "SELECT hlc, op_id FROM field_clock WHERE item_id = ?1 AND field = ?2";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, item_id);
    nx_hub_bind(st, 2, field);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *hlc = (nx_hlc)sqlite3_column_int64(st, 0);
        if (op_id)
            nx_hub_col(op_id, op_idlen, st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_field_clock_set(nx_hub *h, const char *item_id, const char *field,
                           nx_hlc hlc, const char *op_id)
{
    static const char sql[] =
        "INSERT INTO field_clock(item_id, field, hlc, op_id) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(item_id, field) DO UPDATE SET hlc = excluded.hlc, op_id = excluded.op_id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, item_id);
    nx_hub_bind(st, 2, field);
    sqlite3_bind_int64(st, 3, (int64_t)hlc);
    nx_hub_bind(st, 4, op_id);
    return nx_hub_step_done(st);
}

/* ---- device audit events ---------------------------------------------------------- */

int nx_hub_dev_event_add(nx_hub *h, const nx_hub_dev_event *e)
{
    /* hub_seq = the counter + 1; the counter moves only when a row went
     * in (writers are serialized, so hub_seq commits in order). Without
     * the counter hub_seq is NULL and the insert fails: an event is never
     * dropped quietly. */
    static const char sql[] =
        "INSERT INTO device_audit(device, seq, at, user, role, action, item, field, reason,"
        " outcome, prev_hash, hash, hub_seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, (SELECT value + 1 FROM hub_counter WHERE name = 'audit'))"
        " ON CONFLICT(device, seq) DO NOTHING";
    static const char bump[] = "UPDATE hub_counter SET value = value + 1 WHERE name = 'audit'";
    if (!e->prev_hash || !e->hash || e->seq > (uint64_t)INT64_MAX)
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, e->device);
    sqlite3_bind_int64(st, 2, (int64_t)e->seq);
    sqlite3_bind_int64(st, 3, e->at);
    nx_hub_bind(st, 4, e->user);
    nx_hub_bind(st, 5, e->role);
    nx_hub_bind(st, 6, e->action);
    nx_hub_bind(st, 7, e->item);
    nx_hub_bind(st, 8, e->field);
    nx_hub_bind(st, 9, e->reason);
    nx_hub_bind(st, 10, e->outcome);
    sqlite3_bind_blob(st, 11, e->prev_hash, NX_AUDIT_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 12, e->hash, NX_AUDIT_HASH_BYTES, SQLITE_TRANSIENT);
    if (nx_hub_step_done(st) != 0)
        return -1;
    if (sqlite3_changes(nx_hub_db(h)) != 1)
        return 1;
    st = nx_hub_stmt(h, bump);
    if (!st || nx_hub_step_done(st) != 0 || sqlite3_changes(nx_hub_db(h)) != 1)
        return -1;
    return 0;
}

int nx_hub_dev_events_span(nx_hub *h, uint64_t after, uint64_t limit, uint64_t *count,
                           uint64_t *upto, int *more)
{
    static const char sql[] =
        "SELECT count(*), max(hub_seq) FROM ("
        "  SELECT hub_seq FROM device_audit WHERE hub_seq > ?1 ORDER BY hub_seq LIMIT ?2)";
    static const char next[] = "SELECT 1 FROM device_audit WHERE hub_seq > ?1 LIMIT 1";
    *count = 0;
    *upto = after;
    *more = 0;
    if (after > (uint64_t)INT64_MAX || limit > (uint64_t)INT64_MAX)
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (int64_t)after);
    sqlite3_bind_int64(st, 2, (int64_t)limit);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = (uint64_t)sqlite3_column_int64(st, 0);
        if (*count)
            *upto = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return -1;
    if (!(st = nx_hub_stmt(h, next)))
        return -1;
    sqlite3_bind_int64(st, 1, (int64_t)*upto);
    rc = sqlite3_step(st);
    *more = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static const char *txt(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int nx_hub_dev_events_each(nx_hub *h, uint64_t after, uint64_t upto, uint64_t limit,
                           nx_hub_dev_event_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT hub_seq, device, seq, at, user, role, action, item, field, reason, outcome,"
        "  prev_hash, hash FROM device_audit WHERE hub_seq > ?1 AND hub_seq <= ?2"
        " ORDER BY hub_seq LIMIT ?3";
    if (after > (uint64_t)INT64_MAX || upto > (uint64_t)INT64_MAX || limit > (uint64_t)INT64_MAX)
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (int64_t)after);
    sqlite3_bind_int64(st, 2, (int64_t)upto);
    sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 11) != NX_AUDIT_HASH_BYTES ||
            sqlite3_column_bytes(st, 12) != NX_AUDIT_HASH_BYTES) {
            rc = SQLITE_CORRUPT;
            break;
        }
        nx_hub_dev_event e = {
            .hub_seq = (uint64_t)sqlite3_column_int64(st, 0), .device = txt(st, 1),
            .seq = (uint64_t)sqlite3_column_int64(st, 2), .at = sqlite3_column_int64(st, 3),
            .user = txt(st, 4), .role = txt(st, 5), .action = txt(st, 6), .item = txt(st, 7),
            .field = txt(st, 8), .reason = txt(st, 9), .outcome = txt(st, 10),
            .prev_hash = sqlite3_column_blob(st, 11), .hash = sqlite3_column_blob(st, 12),
        };
        stop = cb(arg, &e);
    }
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : -1;
}
