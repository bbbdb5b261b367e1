/* hub/store_conflict — the conflict records: a field write that lost by
 * HLC (kept, so nothing anyone typed is silently lost) and a status change
 * refused because the hub's status was not the one the device expected
 * (the conflict inbox a supervisor resolves). The value is PHI: it stays
 * in the encrypted store and is wiped from memory after use. */
#include "hub/store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void nx_hub_conflict_clear(nx_hub_conflict *c)
{
    if (c->value) {
        sodium_memzero(c->value, strlen(c->value));
        free(c->value);
        c->value = NULL;
    }
}

int nx_hub_conflict_add(nx_hub *h, const char *kind, const char *item_id, const char *field,
                        const char *op_id, const char *value, const char *detail, int64_t at,
                        int64_t *id)
{
    static const char sql[] =
        "INSERT INTO conflicts(kind, item, field, op_id, value, detail, at)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (!kind || (strcmp(kind, "field") != 0 && strcmp(kind, "status") != 0))
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, kind);
    nx_hub_bind(st, 2, item_id);
    nx_hub_bind(st, 3, field);
    nx_hub_bind(st, 4, op_id);
    nx_hub_bind(st, 5, value);
    nx_hub_bind(st, 6, detail);
    sqlite3_bind_int64(st, 7, at);
    if (nx_hub_step_done(st) != 0)
        return -1;
    if (id)
        *id = sqlite3_last_insert_rowid(nx_hub_db(h));
    return 0;
}

#define CONFLICT_COLS "id, kind, item, field, op_id, value, detail, at, state, resolved_by," \
                      " coalesce(resolved_at, 0)"

/* 0, or -1 when the value cannot be copied. */
static int read_conflict(sqlite3_stmt *st, nx_hub_conflict *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    nx_hub_col(c->kind, sizeof c->kind, st, 1);
    nx_hub_col(c->item, sizeof c->item, st, 2);
    nx_hub_col(c->field, sizeof c->field, st, 3);
    nx_hub_col(c->op_id, sizeof c->op_id, st, 4);
    const unsigned char *v = sqlite3_column_text(st, 5);
    size_t n = (size_t)sqlite3_column_bytes(st, 5);
    c->value = malloc(n + 1);
    if (!c->value)
        return -1;
    if (n)
        memcpy(c->value, v, n);
    c->value[n] = '\0';
    nx_hub_col(c->detail, sizeof c->detail, st, 6);
    c->at = sqlite3_column_int64(st, 7);
    nx_hub_col(c->state, sizeof c->state, st, 8);
    nx_hub_col(c->resolved_by, sizeof c->resolved_by, st, 9);
    c->resolved_at = sqlite3_column_int64(st, 10);
    return 0;
}

int nx_hub_conflict_get(nx_hub *h, int64_t id, nx_hub_conflict *out)
{
    static const char sql[] = "SELECT " CONFLICT_COLS " FROM conflicts WHERE id = ?1";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), bad = 0;
    if (rc == SQLITE_ROW)
        bad = read_conflict(st, out);
    sqlite3_reset(st);
    if (bad)
        return -1;
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_conflicts_each(nx_hub *h, const char *state, const char *item_id,
                          nx_hub_conflict_cb cb, void *arg)
{
    static const char sql[] = "SELECT " CONFLICT_COLS " FROM conflicts"
                              " WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR item = ?2)"
                              " ORDER BY id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    if (state)
        nx_hub_bind(st, 1, state);
    if (item_id)
        nx_hub_bind(st, 2, item_id);
    int rc, stop = 0;
    nx_hub_conflict c;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (read_conflict(st, &c) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        stop = cb(arg, &c);
        nx_hub_conflict_clear(&c);
    }
    sqlite3_reset(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_conflict_resolve(nx_hub *h, int64_t id, const char *state, const char *by,
                            int64_t at)
{
    static const char sql[] =
        "UPDATE conflicts SET state = ?2, resolved_by = ?3, resolved_at = ?4"
        " WHERE id = ?1 AND state = 'open'";
    if (!state || (strcmp(state, "applied") != 0 && strcmp(state, "discarded") != 0))
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    nx_hub_bind(st, 2, state);
    nx_hub_bind(st, 3, by);
    sqlite3_bind_int64(st, 4, at);
    if (nx_hub_step_done(st) != 0)
        return -1;
    return sqlite3_changes(nx_hub_db(h)) == 1 ? 0 : 1;
}
