/* A first sync into an empty cache (sync_store.h): the queue indexes of
 * items are dropped when it starts and built once when it ends, instead of
 * taking 100 000 items one by one in a dozen orders. An item written into
 * a dozen indexes costs a dozen random pages, each sealed for the journal
 * and again for the database at every commit; CREATE INDEX sorts the rows
 * and writes each page of an index once.
 *
 * Crash safety: the indexes' CREATE statements go into meta
 * (sync.deferred_index.NAME) in the transaction that drops them, and are
 * run and forgotten in the transaction that ends the pull (the one that
 * moves the cursor). A crash in between leaves the rows committed so far
 * and the statements; the next round finds them and goes on deferring
 * until its own end. Only plain indexes are deferred: a UNIQUE one is a
 * constraint, and the primary key stays.
 *
 * While they are deferred, a query that names one of them (the queue's
 * INDEXED BY) fails: the queue of an empty cache is unavailable until its
 * first sync ends, rather than filling up as it arrives. */
#include "store/sync_store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFERRED "sync.deferred_index."
/* The key range of DEFERRED: '/' follows '.'. */
#define DEFERRED_END "sync.deferred_index/"

static int scalar(nx_store *s, const char *q)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int nx_sync_bulk_pending(nx_store *s)
{
    return scalar(s, "SELECT EXISTS (SELECT 1 FROM meta WHERE key >= '" DEFERRED "' AND key < '"
                     DEFERRED_END "')");
}

int nx_sync_bulk_start(nx_store *s)
{
    int pending = nx_sync_bulk_pending(s);
    if (pending != 0)
        return pending;
    int any = scalar(s, "SELECT EXISTS (SELECT 1 FROM items)");
    if (any != 0)
        return any < 0 ? -1 : 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' "
                           "AND tbl_name = 'items' AND sql IS NOT NULL "
                           "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name", -1, &st, NULL))
        return -1;
    /* Collected first: dropping changes the table this statement reads. */
    char (*names)[64] = NULL;
    char **defs = NULL;
    size_t n = 0, cap = 0;
    int rc, ok = 1;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *def = (const char *)sqlite3_column_text(st, 1);
        if (!name || !def || strlen(name) >= sizeof names[0]) {
            ok = 0;
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            void *pn = realloc(names, nc * sizeof *names), *pd = NULL;
            if (pn)
                names = pn;
            if (pn && (pd = realloc(defs, nc * sizeof *defs)))
                defs = pd;
            if (!pn || !pd) {
                ok = 0;
                break;
            }
            cap = nc;
        }
        snprintf(names[n], sizeof names[n], "%s", name);
        if (!(defs[n] = strdup(def))) {
            ok = 0;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; ok && i < n; i++) {
        char key[96], drop[128];
        snprintf(key, sizeof key, DEFERRED "%s", names[i]);
        snprintf(drop, sizeof drop, "DROP INDEX \"%s\"", names[i]);
        ok = nx_store_meta_set(s, key, defs[i]) == 0 &&
             sqlite3_exec(s->db, drop, NULL, NULL, NULL) == SQLITE_OK;
    }
    for (size_t i = 0; i < n; i++)
        free(defs[i]);
    free(defs);
    free(names);
    return ok ? 1 : -1;
}

int nx_sync_bulk_finish(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT substr(key, length('" DEFERRED "') + 1), value "
                           "FROM meta WHERE key >= '" DEFERRED "' AND key < '" DEFERRED_END "'",
                           -1, &st, NULL))
        return -1;
    char **defs = NULL, **names = NULL;
    size_t n = 0, cap = 0;
    int rc, ok = 1;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            void *pd = realloc(defs, nc * sizeof *defs), *pn = NULL;
            if (pd)
                defs = pd;
            if (pd && (pn = realloc(names, nc * sizeof *names)))
                names = pn;
            if (!pd || !pn) {
                ok = 0;
                break;
            }
            cap = nc;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *def = (const char *)sqlite3_column_text(st, 1);
        names[n] = strdup(name ? name : "");
        defs[n] = strdup(def ? def : "");
        if (!names[n] || !defs[n]) {
            free(names[n]);
            free(defs[n]);
            ok = 0;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; ok && i < n; i++) {
        /* One that exists already (made again since) stays as it is. */
        sqlite3_stmt *q = NULL;
        int exists = -1;
        if (sqlite3_prepare_v2(s->db, "SELECT EXISTS (SELECT 1 FROM sqlite_schema "
                               "WHERE type = 'index' AND name = ?1)", -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, names[i], -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW)
                exists = sqlite3_column_int(q, 0);
        }
        sqlite3_finalize(q);
        ok = exists == 1 || (exists == 0 && sqlite3_exec(s->db, defs[i], NULL, NULL, NULL) ==
                                                SQLITE_OK);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(defs[i]);
    }
    free(names);
    free(defs);
    if (ok && sqlite3_exec(s->db, "DELETE FROM meta WHERE key >= '" DEFERRED "' AND key < '"
                           DEFERRED_END "'", NULL, NULL, NULL) != SQLITE_OK)
        ok = 0;
    return ok ? 0 : -1;
}

int nx_sync_cache_kib(nx_store *s, int kib)
{
    char q[64];
    snprintf(q, sizeof q, "PRAGMA cache_size=%d", kib > 0 ? -kib : NX_STORE_CACHE_SIZE);
    return sqlite3_exec(s->db, q, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
