/* hub/store_record — oversight records in the hub's store (hub.h; what a
 * record is: core/domain/record.h). The hub's store holds the laptop's
 * table (cache migration 9) and reads and writes it through
 * core/store/record_store; what the hub adds is the revision (hub
 * migration 4): every write takes the next value of the shared 'rev'
 * counter, so one pull cursor covers records and items. op_id is the op
 * that last wrote a record ("" = the hub's own). Bodies are PHI: records
 * read out are wiped by their owner's nx_record_clear. */
#include "hub/store_int.h"
#include "store/record_store.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* The record and the op that last wrote it. 1 found, 0 none, -1. */
static int get_row(nx_hub *h, const char *id, nx_record_row *row)
{
    return nx_record_get(h->store, id, row);
}

int nx_hub_record_get(nx_hub *h, const char *id, nx_record *out)
{
    nx_record_row row;
    int found = get_row(h, id, &row);
    if (found == 1) {
        *out = row.rec;                /* takes the body */
        row.rec.body = NULL;
        nx_record_row_clear(&row);
    }
    return found;
}

int nx_hub_record_op(nx_hub *h, const char *id, char op_id[40])
{
    nx_record_row row;
    int found = get_row(h, id, &row);
    if (found == 1) {
        snprintf(op_id, 40, "%s", row.op_id);
        nx_record_row_clear(&row);
    }
    return found;
}

int64_t nx_hub_record_put(nx_hub *h, const nx_record *r, const char *op_id)
{
    static const char sql[] = "UPDATE records SET rev = ?2 WHERE id = ?1";
    int64_t rev = nx_hub_rev_bump(h);
    if (rev < 0 || nx_record_put_local(h->store, r, op_id) != 0)
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, r->id);
    sqlite3_bind_int64(st, 2, rev);
    return nx_hub_step_done(st) == 0 ? rev : -1;
}

/* Walks the rows of a prepared statement selecting NX_RECORD_COLS, rev.
 * The statement is reset at the end. */
static int walk(sqlite3_stmt *st, nx_hub_record_cb cb, void *arg)
{
    int ret = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_record_row row;
        if (nx_record_read(st, &row) != 0) {
            ret = -1;
            break;
        }
        ret = cb(arg, &row.rec, sqlite3_column_int64(st, 14));
        nx_record_row_clear(&row);
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
        "SELECT " NX_RECORD_COLS ", rev FROM records WHERE rev > ?1 AND (?2 = '' OR kind = ?2) "
        "ORDER BY rev";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, since_rev);
    nx_hub_bind(st, 2, kind);
    return walk(st, cb, arg);
}

int nx_hub_records_in(nx_hub *h, const char *kind, const char *status, nx_hub_record_cb cb,
                      void *arg)
{
    static const char sql[] =
        "SELECT " NX_RECORD_COLS ", rev FROM records WHERE kind = ?1 AND status = ?2 "
        "ORDER BY created, id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, kind);
    nx_hub_bind(st, 2, status);
    return walk(st, cb, arg);
}

int nx_hub_records_of(nx_hub *h, const char *kind, const char *item_id, nx_hub_record_cb cb,
                      void *arg)
{
    static const char sql[] =
        "SELECT " NX_RECORD_COLS ", rev FROM records WHERE kind = ?1 "
        "AND (?2 IS NULL OR item_id = ?2) ORDER BY created, id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, kind);
    if (item_id)
        sqlite3_bind_text(st, 2, item_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    return walk(st, cb, arg);
}
