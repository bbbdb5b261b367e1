/* Oversight records on the laptop (record_store.h): the local change, the
 * hub's copy, reading with a filter, and settling when the hub answers. */
#include "store/record_store.h"
#include "store/store_int.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS NX_RECORD_COLS

void nx_record_row_clear(nx_record_row *r)
{
    nx_record_clear(&r->rec);
    sodium_memzero(r, sizeof *r);
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

int nx_record_read(sqlite3_stmt *st, nx_record_row *r)
{
    memset(r, 0, sizeof *r);
    nx_record *c = &r->rec;
    copy(c->id, sizeof c->id, st, 0);
    copy(c->kind, sizeof c->kind, st, 1);
    copy(c->item_id, sizeof c->item_id, st, 2);
    copy(c->team, sizeof c->team, st, 3);
    copy(c->author, sizeof c->author, st, 4);
    copy(c->owner, sizeof c->owner, st, 5);
    copy(c->status, sizeof c->status, st, 6);
    c->due = sqlite3_column_int64(st, 7);
    c->created = sqlite3_column_int64(st, 8);
    c->updated = sqlite3_column_int64(st, 9);
    c->hlc = (uint64_t)sqlite3_column_int64(st, 10);
    copy(r->op_id, sizeof r->op_id, st, 12);
    copy(r->refused, sizeof r->refused, st, 13);
    const unsigned char *b = sqlite3_column_text(st, 11);
    if (nx_record_set_body(c, b ? (const char *)b : "{}") == 0)
        return 0;
    nx_record_row_clear(r);
    return -1;
}

/* INSERT OR REPLACE of every column; `where` (may be "") guards it. */
static int write_row(nx_store *s, const nx_record *r, const char *op_id, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return -1;
    bind_str(st, 1, r->id);
    bind_str(st, 2, r->kind);
    bind_str(st, 3, r->item_id);
    bind_str(st, 4, r->team);
    bind_str(st, 5, r->author);
    bind_str(st, 6, r->owner);
    bind_str(st, 7, r->status);
    sqlite3_bind_int64(st, 8, r->due);
    sqlite3_bind_int64(st, 9, r->created);
    sqlite3_bind_int64(st, 10, r->updated);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)r->hlc);
    bind_str(st, 12, r->body && r->body[0] ? r->body : "{}");
    bind_str(st, 13, op_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int nx_record_put_local(nx_store *s, const nx_record *r, const char *op_id)
{
    return write_row(s, r, op_id,
                     "INSERT OR REPLACE INTO records(" COLS ") "
                     "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,'')");
}

int nx_record_apply(nx_store *s, const nx_record *r)
{
    /* A row with a change of ours in flight keeps it: the hub's answer to
     * that op comes first (RESULT before RECORD in a round), and a later
     * pull brings the copy that includes it. */
    if (write_row(s, r, "",
                  "INSERT INTO records(" COLS ") "
                  "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,'') "
                  "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, item_id=excluded.item_id,"
                  " team=excluded.team, author=excluded.author, owner=excluded.owner,"
                  " status=excluded.status, due=excluded.due, created=excluded.created,"
                  " updated=excluded.updated, hlc=excluded.hlc, body=excluded.body,"
                  " refused='' WHERE records.op_id = ''") != 0)
        return -1;
    return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int nx_record_get(nx_store *s, const char *id, nx_record_row *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " COLS " FROM records WHERE id=?1", -1, &st, NULL))
        return -1;
    bind_str(st, 1, id);
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (ret == 1 && nx_record_read(st, out) != 0) {
        nx_record_row_clear(out);
        ret = -1;
    }
    sqlite3_finalize(st);
    return ret;
}

/* The WHERE clause of a filter; binds follow the same order (bind_filter). */
static void where_of(const nx_record_filter *f, char *w, size_t len)
{
    static const struct { size_t off; const char *sql; } strs[] = {
        { offsetof(nx_record_filter, kind), " AND kind = ?" },
        { offsetof(nx_record_filter, item_id), " AND item_id = ?" },
        { offsetof(nx_record_filter, team), " AND team = ?" },
        { offsetof(nx_record_filter, owner), " AND owner = ?" },
        { offsetof(nx_record_filter, author), " AND author = ?" },
        { offsetof(nx_record_filter, status), " AND status = ?" },
        { offsetof(nx_record_filter, not_status), " AND status <> ?" },
    };
    size_t n = (size_t)snprintf(w, len, " WHERE 1");
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char *v = *(const char *const *)((const char *)f + strs[i].off);
        if (v && n < len)
            n += (size_t)snprintf(w + n, len - n, "%s", strs[i].sql);
    }
    if (f->due_before > 0 && n < len)
        n += (size_t)snprintf(w + n, len - n, " AND due > 0 AND due < ?");
    if (f->created_from > 0 && n < len)
        n += (size_t)snprintf(w + n, len - n, " AND created >= ?");
    if (f->created_to > 0 && n < len)
        snprintf(w + n, len - n, " AND created < ?");
}

static void bind_filter(sqlite3_stmt *st, const nx_record_filter *f)
{
    const char *strs[] = { f->kind, f->item_id, f->team, f->owner, f->author, f->status,
                           f->not_status };
    int pos = 1;
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i])
            bind_str(st, pos++, strs[i]);
    if (f->due_before > 0)
        sqlite3_bind_int64(st, pos++, f->due_before);
    if (f->created_from > 0)
        sqlite3_bind_int64(st, pos++, f->created_from);
    if (f->created_to > 0)
        sqlite3_bind_int64(st, pos, f->created_to);
}

int nx_record_scan(nx_store *s, const nx_record_filter *f, nx_record_fn fn, void *ctx)
{
    static const nx_record_filter none = { 0 };
    char w[512], sql[768];
    where_of(f ? f : &none, w, sizeof w);
    snprintf(sql, sizeof sql,
             "SELECT " COLS " FROM records%s ORDER BY due = 0, due, created, id", w);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return -1;
    bind_filter(st, f ? f : &none);
    int ret = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_record_row row;
        if (nx_record_read(st, &row) != 0) {
            nx_record_row_clear(&row);
            ret = -1;
            break;
        }
        ret = fn(ctx, &row);
        nx_record_row_clear(&row);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = -1;
    sqlite3_finalize(st);
    return ret;
}

int64_t nx_record_count(nx_store *s, const nx_record_filter *f)
{
    static const nx_record_filter none = { 0 };
    char w[512], sql[640];
    where_of(f ? f : &none, w, sizeof w);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records%s", w);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return -1;
    bind_filter(st, f ? f : &none);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int nx_record_settle(nx_store *s, const char *op_id, const char *refused)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE records SET op_id='', refused=?2 WHERE op_id=?1",
                           -1, &st, NULL))
        return -1;
    bind_str(st, 1, op_id);
    bind_str(st, 2, refused ? refused : "");
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
