/* hub/store_record — oversight records in the hub's store (hub.h; what a
 * record is: core/domain/record.h). Every write takes the next revision
 * of the shared 'rev' counter, so a pull's cursor covers records and
 * items alike. Bodies are PHI: records read out are wiped by their
 * owner's nx_record_clear. */
#include "hub/store_int.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

#define COLS "id, kind, item_id, team, author, owner, status, due, created, updated, hlc, body"

static int read_rec(sqlite3_stmt *st, nx_record *r)
{
    memset(r, 0, sizeof *r);
    nx_hub_col(r->id, sizeof r->id, st, 0);
    nx_hub_col(r->kind, sizeof r->kind, st, 1);
    nx_hub_col(r->item_id, sizeof r->item_id, st, 2);
    nx_hub_col(r->team, sizeof r->team, st, 3);
    nx_hub_col(r->author, sizeof r->author, st, 4);
    nx_hub_col(r->owner, sizeof r->owner, st, 5);
    nx_hub_col(r->status, sizeof r->status, st, 6);
    r->due = sqlite3_column_int64(st, 7);
    r->created = sqlite3_column_int64(st, 8);
    r->updated = sqlite3_column_int64(st, 9);
    r->hlc = (uint64_t)sqlite3_column_int64(st, 10);
    const unsigned char *b = sqlite3_column_text(st, 11);
    return nx_record_set_body(r, b ? (const char *)b : "{}");
}

int nx_hub_record_get(nx_hub *h, const char *id, nx_record *out)
{
    static const char sql[] = "SELECT " COLS " FROM records WHERE id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (ret == 1 && read_rec(st, out) != 0) {
        nx_record_clear(out);
        ret = -1;
    }
    sqlite3_reset(st);
    return ret;
}

int nx_hub_record_op(nx_hub *h, const char *id, char op_id[40])
{
    static const char sql[] = "SELECT op_id FROM records WHERE id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        nx_hub_col(op_id, 40, st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_hub_record_put(nx_hub *h, const nx_record *r, const char *op_id)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO records(" COLS ", op_id, rev) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)";
    int64_t rev = nx_hub_rev_bump(h);
    if (rev < 0)
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, r->id);
    nx_hub_bind(st, 2, r->kind);
    nx_hub_bind(st, 3, r->item_id);
    nx_hub_bind(st, 4, r->team);
    nx_hub_bind(st, 5, r->author);
    nx_hub_bind(st, 6, r->owner);
    nx_hub_bind(st, 7, r->status);
    sqlite3_bind_int64(st, 8, r->due);
    sqlite3_bind_int64(st, 9, r->created);
    sqlite3_bind_int64(st, 10, r->updated);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)r->hlc);
    nx_hub_bind(st, 12, r->body && r->body[0] ? r->body : "{}");
    nx_hub_bind(st, 13, op_id);
    sqlite3_bind_int64(st, 14, rev);
    return nx_hub_step_done(st) == 0 ? rev : -1;
}

/* Walks the rows of a prepared statement whose first columns are COLS and
 * whose last is rev. The statement is reset at the end. */
static int walk(sqlite3_stmt *st, nx_hub_record_cb cb, void *arg)
{
    int ret = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_record r;
        if (read_rec(st, &r) != 0) {
            nx_record_clear(&r);
            ret = -1;
            break;
        }
        ret = cb(arg, &r, sqlite3_column_int64(st, 12));
        nx_record_clear(&r);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = -1;
    sqlite3_reset(st);
    return ret;
}

int nx_hub_records_since(nx_hub *h, int64_t since_rev, const char *kind, nx_hub_record_cb cb,
                         void *arg)
{
    static const char sql[] =
        "SELECT " COLS ", rev FROM records WHERE rev > ?1 AND (?2 = '' OR kind = ?2) "
        "ORDER BY rev";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, since_rev);
    nx_hub_bind(st, 2, kind);
    return walk(st, cb, arg);
}

int nx_hub_records_of(nx_hub *h, const char *kind, const char *item_id, nx_hub_record_cb cb,
                      void *arg)
{
    static const char sql[] =
        "SELECT " COLS ", rev FROM records WHERE kind = ?1 AND (?2 IS NULL OR item_id = ?2) "
        "ORDER BY created, id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, kind);
    if (item_id)
        nx_hub_bind(st, 2, item_id);
    else
        sqlite3_bind_null(st, 2);
    return walk(st, cb, arg);
}
