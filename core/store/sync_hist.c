/* core/store/sync_hist — see sync_hist.h. */
#include "store/sync_hist.h"

#include <string.h>

const char *const nx_hist_get_sql[NX_HIST_KEPT_KINDS] = {
    [NX_HIST_STATUS] = "SELECT at,user,from_status,to_status,'' FROM transitions "
                       "WHERE item_id=?1 ORDER BY id",
    /* part 0 is the note's op id, part 1 the op id of the note it corrects */
    [NX_HIST_NOTE] = "SELECT n.at,n.author,coalesce(n.op_id,''),coalesce(c.op_id,''),n.body "
                     "FROM notes AS n LEFT JOIN notes AS c ON c.id=n.corrects "
                     "WHERE n.item_id=?1 ORDER BY n.id",
    [NX_HIST_ATTEMPT] = "SELECT at,user,channel,outcome,next_action FROM attempts "
                        "WHERE item_id=?1 ORDER BY id",
    [NX_HIST_ATTACH] = "SELECT at,user,ref,label,'' FROM attachments WHERE item_id=?1 "
                       "ORDER BY id",
};

static int col_is(sqlite3_stmt *st, int i, nx_span v)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return n == v.n && (n == 0 || memcmp(t, v.p, n) == 0);
}

static int row_is(sqlite3_stmt *st, const nx_pulled_hist *h)
{
    if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_int64(st, 0) != h->at ||
        !col_is(st, 1, h->who))
        return 0;
    for (int p = 0; p < 3; p++)
        if (!col_is(st, 2 + p, h->part[p]))
            return 0;
    return 1;
}

/* The index of the first row of kind k in hist[from..n), or n. */
static size_t next_of(const nx_pulled_hist *hist, size_t n, int k, size_t from)
{
    while (from < n && (int)hist[from].kind != k)
        from++;
    return from;
}

int nx_hist_prefix(sqlite3_stmt *const get[NX_HIST_KEPT_KINDS], const char *id,
                   const nx_pulled_hist *hist, size_t n, int keep[NX_HIST_KEPT_KINDS])
{
    for (int k = 0; k < NX_HIST_KEPT_KINDS; k++) {
        sqlite3_stmt *st = get[k];
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = SQLITE_DONE, stored = 0, prefix = 1;
        size_t at = 0;   /* where in hist to look for the next row of kind k */
        while (prefix && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            size_t i = next_of(hist, n, k, at);
            if (i >= n || !row_is(st, &hist[i]))
                prefix = 0;
            at = i + 1;
            stored++;
        }
        sqlite3_reset(st);
        if (prefix && rc != SQLITE_DONE)
            return -1;
        keep[k] = prefix ? stored : -1;
    }
    return 0;
}
