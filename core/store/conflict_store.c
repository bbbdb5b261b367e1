/* The supervisor's conflict inbox (conflict_store.h): reading, marking a
 * row resolved here, and settling it when the hub answers. Filling it from
 * a pull is the applier's (sync_store_apply.c). */
#include "store/conflict_store.h"
#include "store/store_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define COLS "id, item_id, kind, field, value, detail, at, state, op_id"

void nx_conflict_rec_wipe(nx_conflict_rec *c)
{
    sodium_memzero(c, sizeof *c);
}

static void bind_str(sqlite3_stmt *st, int pos, const char *v)
{
    sqlite3_bind_text(st, pos, v ? v : "", -1, SQLITE_STATIC);
}

static void copy(char *out, size_t len, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *st, nx_conflict_rec *c)
{
    c->id = sqlite3_column_int64(st, 0);
    copy(c->item_id, sizeof c->item_id, st, 1);
    copy(c->kind, sizeof c->kind, st, 2);
    copy(c->field, sizeof c->field, st, 3);
    copy(c->value, sizeof c->value, st, 4);
    copy(c->detail, sizeof c->detail, st, 5);
    c->at = sqlite3_column_int64(st, 6);
    copy(c->state, sizeof c->state, st, 7);
    copy(c->op_id, sizeof c->op_id, st, 8);
}

int nx_conflict_put(nx_store *s, const nx_conflict_rec *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO conflict_inbox(" COLS ") "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, c->id);
    bind_str(st, 2, c->item_id);
    bind_str(st, 3, c->kind);
    bind_str(st, 4, c->field);
    bind_str(st, 5, c->value);
    bind_str(st, 6, c->detail);
    sqlite3_bind_int64(st, 7, c->at);
    bind_str(st, 8, c->state[0] ? c->state : "open");
    bind_str(st, 9, c->op_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int nx_conflict_get(nx_store *s, int64_t id, nx_conflict_rec *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " COLS " FROM conflict_inbox WHERE id=?1", -1, &st,
                           NULL))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_row(st, out);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_conflict_scan(nx_store *s, nx_conflict_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " COLS " FROM conflict_inbox "
                           "ORDER BY state <> 'open', at, id", -1, &st, NULL))
        return -1;
    nx_conflict_rec c;
    int rc = SQLITE_DONE, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_row(st, &c);
        stop = fn(ctx, &c);
    }
    nx_conflict_rec_wipe(&c);
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_conflict_count_open(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM conflict_inbox WHERE state = 'open'",
                           -1, &st, NULL))
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int nx_conflict_mark(nx_store *s, int64_t id, const char *state, const char *op_id)
{
    if (sqlite3_get_autocommit(s->db))
        return -1;   /* with its op and audit event, or not at all */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE conflict_inbox SET state=?2, op_id=?3 "
                           "WHERE id=?1 AND state='open'", -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    bind_str(st, 2, state);
    bind_str(st, 3, op_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int nx_conflict_settle(nx_store *s, const char *op_id, int refused)
{
    if (!op_id || !op_id[0])
        return 0;
    sqlite3_stmt *st = NULL;
    const char *sql = refused ? "UPDATE conflict_inbox SET state='open', op_id='' WHERE op_id=?1"
                              : "DELETE FROM conflict_inbox WHERE op_id=?1";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return -1;
    bind_str(st, 1, op_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
