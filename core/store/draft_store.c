/* The drafts table's SQL. */
#include "store/draft_store.h"
#include "store/store_int.h"

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The statements of each table: [of][clear, put, fields]. */
static const char *const sql[2][3] = {
    [NX_DRAFT_ITEM] = {
        "DELETE FROM drafts WHERE item_id=?1",
        "INSERT INTO drafts(item_id,field,value,saved_at) VALUES(?1,?2,?3,?4) "
        "ON CONFLICT(item_id,field) DO UPDATE SET value=excluded.value, "
        "saved_at=excluded.saved_at",
        "SELECT field, value FROM drafts WHERE item_id=?1 ORDER BY field",
    },
    [NX_DRAFT_FORM] = {
        "DELETE FROM form_drafts WHERE form=?1",
        "INSERT INTO form_drafts(form,field,value,saved_at) VALUES(?1,?2,?3,?4) "
        "ON CONFLICT(form,field) DO UPDATE SET value=excluded.value, "
        "saved_at=excluded.saved_at",
        "SELECT field, value FROM form_drafts WHERE form=?1 ORDER BY field",
    },
};

static sqlite3_stmt *prep(nx_store *s, nx_draft_of of, int which, const char *key)
{
    sqlite3_stmt *st = NULL;
    if ((unsigned)of > NX_DRAFT_FORM ||
        sqlite3_prepare_v2(s->db, sql[of][which], -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return st;
}

int nx_store_draft_clear(nx_store *s, nx_draft_of of, const char *key)
{
    sqlite3_stmt *st = prep(s, of, 0, key);
    return st ? step_done(st) : -1;
}

int nx_store_draft_put(nx_store *s, nx_draft_of of, const char *key, const char *field,
                       const char *value, int64_t saved_at)
{
    sqlite3_stmt *st = prep(s, of, 1, key);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, saved_at);
    return step_done(st);
}

int nx_store_draft_fields(nx_store *s, nx_draft_of of, const char *key,
                          int (*cb)(void *ctx, const char *field, const char *value),
                          void *ctx, int *count)
{
    *count = 0;
    sqlite3_stmt *st = prep(s, of, 2, key);
    if (!st)
        return -1;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *f = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        (*count)++;
        stop = cb(ctx, f ? f : "", v ? v : "");
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int nx_store_draft_items(nx_store *s,
                         int (*cb)(void *ctx, const char *item_id, int64_t saved_at),
                         void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT item_id, max(saved_at) FROM drafts GROUP BY item_id "
                           "ORDER BY 2 DESC, 1", -1, &st, NULL))
        return -1;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        stop = cb(ctx, id ? id : "", sqlite3_column_int64(st, 1));
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}
