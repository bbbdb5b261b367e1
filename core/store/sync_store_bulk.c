/* A first sync into an empty cache (sync_store.h): the queue indexes of
 * items, the four triggers every inserted item runs and the one every
 * inserted field runs, are dropped when it starts and made again once when
 * it ends, instead of taking 100 000 items one by one. An item written
 * into a dozen indexes costs a dozen random pages, each sealed for the
 * journal and again for the database at every commit; CREATE INDEX sorts
 * the rows and writes each page once. The
 * triggers' work is done over the whole table at the end, before the
 * indexes are made: the queue tally (migration 4) counted again, the queue
 * keys of any row inserted without them filled in (the applier writes them
 * itself), likewise the scope numbers (migration 19), and the visit dates
 * copied from the fields (migration 5).
 *
 * Crash safety: the CREATE statements go into meta (sync.deferred.TYPE.NAME:
 * an index and a trigger may share a name, items_queue_due does) in
 * the transaction that drops them, and are run and forgotten in the
 * transaction that ends the pull (the one that moves the cursor). A crash
 * in between leaves the rows committed so far and the statements; the next
 * round finds them and goes on deferring until its own end. Only plain
 * indexes are deferred: a UNIQUE one is a constraint, and the primary key
 * stays.
 *
 * While they are deferred, a query that names one of the indexes (the
 * queue's INDEXED BY) fails: the queue of an empty cache is unavailable
 * until its first sync ends, rather than filling up as it arrives. */
#include "store/sync_store.h"
#include "store/store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFERRED "sync.deferred."
/* The key range of DEFERRED: '/' follows '.'. */
#define DEFERRED_END "sync.deferred/"

/* The AFTER INSERT triggers of items (migrations 4, 10, 17 and 19) and of its
 * fields (migration 5's copy of the visit date) and what stands for each
 * of them over the whole table. */
static int tally_count(nx_store *s);

static const struct {
    const char *name, *catch_up;
    int (*count)(nx_store *s); /* instead of catch_up */
} triggers[] = {
    /* (tally_count: what the GROUP BY of migration 4 counts) */
    { "items_tally_insert", NULL, tally_count },
    { "items_queue_keys_insert",
      "UPDATE items SET due_key = coalesce(due, 9223372036854775807),"
      "  patient_sort = coalesce((SELECT lower(p.family_name) || ', ' || lower(p.given_name)"
      "                           FROM patients AS p WHERE p.id = items.patient_id), ''),"
      "  patient_given = coalesce((SELECT lower(p.given_name) || ' ' || lower(p.family_name)"
      "                            FROM patients AS p WHERE p.id = items.patient_id), ''),"
      "  payer_sort = coalesce((SELECT lower(p.payer) FROM patients AS p"
      "                         WHERE p.id = items.patient_id), '')"
      "  WHERE patient_sort = '' OR due_key IS NOT coalesce(due, 9223372036854775807);", NULL },
    /* (migration 17: the applier sets kind_no itself; the trigger's test
     * alone cost every inserted row a trigger program's start) */
    { "items_kind_no_insert",
      "UPDATE items SET kind_no = " NX_KIND_NO_OF("kind")
      "  WHERE kind_no IS NOT " NX_KIND_NO_OF("kind") ";", NULL },
    /* (migration 19: the applier makes sure of the scope before the
     * insert; a row that found none has 0) */
    { "items_scope_insert",
      "INSERT OR IGNORE INTO item_scopes(client_id, team, assignee)"
      "  SELECT client_id, team, assignee FROM items WHERE scope_no = 0;"
      "UPDATE items SET scope_no = " NX_SCOPE_NO_OF("items.client_id", "items.team", "items.assignee")
      "  WHERE scope_no = 0;", NULL },
    /* (on item_fields: its program ran for every field inserted) */
    { "item_fields_queue_visit_insert",
      "UPDATE items SET service_date = f.value FROM item_fields AS f"
      "  WHERE f.item_id = items.id AND f.field = 'service_date'"
      "  AND items.service_date IS NOT f.value;", NULL },
};
#define N_TRIGGERS (sizeof triggers / sizeof triggers[0])

/* ---- the queue tally, counted over the whole table ----------------------------------
 * Migration 4's INSERT ... SELECT ... GROUP BY sorts a record of the four
 * columns for every item: 75-84 ms for 100 000 at a first sync's end,
 * while the laptop waits. The distinct (kind, team, assignee, status) are
 * a few dozen, so they are counted in a hash table over one scan of the
 * table instead: 28-33 ms.
 * A cell's key is the four values, each as its length (4 bytes) and its
 * bytes. No PHI: kinds, teams, user names and statuses. */

#define TALLY_COLS 4
#define TALLY_SQL                                                  \
    "DELETE FROM queue_tally;"                                     \
    "INSERT INTO queue_tally(kind, team, assignee, status, n)"    \
    "  SELECT kind, team, assignee, status, count(*) FROM items GROUP BY 1, 2, 3, 4;"

typedef struct {
    unsigned char *key;
    size_t len;
    uint64_t hash;
    long long n;
} tcell;

typedef struct {
    tcell *cell;
    size_t cap, used;
} tally;

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void tally_free(tally *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->cell[i].key);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

static int tally_grow(tally *t)
{
    size_t nc = t->cap ? t->cap * 2 : 64;
    tcell *c = calloc(nc, sizeof *c);
    if (!c)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->cell[i].key)
            continue;
        size_t j = (size_t)t->cell[i].hash & (nc - 1);
        while (c[j].key)
            j = (j + 1) & (nc - 1);
        c[j] = t->cell[i];
    }
    free(t->cell);
    t->cell = c;
    t->cap = nc;
    return 0;
}

/* One more item with this key. */
static int tally_add(tally *t, const unsigned char *key, size_t len)
{
    if ((t->used + 1) * 2 > t->cap && tally_grow(t) != 0)
        return -1;
    uint64_t h = fnv1a(key, len);
    size_t j = (size_t)h & (t->cap - 1);
    for (; t->cell[j].key; j = (j + 1) & (t->cap - 1))
        if (t->cell[j].hash == h && t->cell[j].len == len && memcmp(t->cell[j].key, key, len) == 0) {
            t->cell[j].n++;
            return 0;
        }
    unsigned char *k = malloc(len ? len : 1);
    if (!k)
        return -1;
    memcpy(k, key, len);
    t->cell[j] = (tcell){ k, len, h, 1 };
    t->used++;
    return 0;
}

/* The key of the row st stands on, into buf (cap bytes): its length, or
 * 0 when a value is not text or the key does not fit. */
static size_t tally_key(sqlite3_stmt *st, unsigned char *buf, size_t cap)
{
    size_t len = 0;
    for (int c = 0; c < TALLY_COLS; c++) {
        if (sqlite3_column_type(st, c) != SQLITE_TEXT)
            return 0;
        const unsigned char *v = sqlite3_column_text(st, c);
        uint32_t n = (uint32_t)sqlite3_column_bytes(st, c);
        if (!v || len + sizeof n + n > cap)
            return 0;
        memcpy(buf + len, &n, sizeof n);
        memcpy(buf + len + sizeof n, v, n);
        len += sizeof n + n;
    }
    return len;
}

/* DELETE and count again: 0, or -1 (store error, out of memory). */
static int tally_count(nx_store *s)
{
    tally t = { 0 };
    sqlite3_stmt *st = NULL;
    unsigned char key[1024];
    int rc = SQLITE_ERROR, ok = sqlite3_prepare_v2(s->db, "SELECT kind, team, assignee, status "
                                                   "FROM items", -1, &st, NULL) == SQLITE_OK;
    int odd = 0;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t len = tally_key(st, key, sizeof key);
        odd = len == 0;
        ok = !odd && tally_add(&t, key, len) == 0;
    }
    ok = ok && rc == SQLITE_DONE;
    sqlite3_finalize(st);
    st = NULL;
    if (odd) {
        /* A value that is not text, or a key longer than the buffer: SQL's
         * own GROUP BY, which keeps each value as it is. */
        tally_free(&t);
        return sqlite3_exec(s->db, TALLY_SQL, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    }
    ok = ok && sqlite3_exec(s->db, "DELETE FROM queue_tally", NULL, NULL, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(s->db, "INSERT INTO queue_tally(kind, team, assignee, status, n) "
                            "VALUES(?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < t.cap; i++) {
        const tcell *c = &t.cell[i];
        if (!c->key)
            continue;
        size_t at = 0;
        for (int col = 0; col < TALLY_COLS; col++) {
            uint32_t n;
            memcpy(&n, c->key + at, sizeof n);
            sqlite3_bind_text(st, col + 1, (const char *)c->key + at + sizeof n, (int)n,
                              SQLITE_STATIC);
            at += sizeof n + n;
        }
        sqlite3_bind_int64(st, 5, c->n);
        ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_reset(st) == SQLITE_OK;
    }
    sqlite3_finalize(st);
    tally_free(&t);
    return ok ? 0 : -1;
}

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

/* Schema objects as (type, name, sql), collected before any is dropped. */
typedef struct {
    char **type, **name, **sql;
    size_t n, cap;
} objs;

static void objs_free(objs *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->type[i]);
        free(o->name[i]);
        free(o->sql[i]);
    }
    free(o->type);
    free(o->name);
    free(o->sql);
    memset(o, 0, sizeof *o);
}

static int objs_add(objs *o, const char *type, const char *name, const char *sql)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 16;
        char **t = realloc(o->type, nc * sizeof *t);
        if (t)
            o->type = t;
        char **n = t ? realloc(o->name, nc * sizeof *n) : NULL;
        if (n)
            o->name = n;
        char **q = n ? realloc(o->sql, nc * sizeof *q) : NULL;
        if (q)
            o->sql = q;
        if (!q)
            return -1;
        o->cap = nc;
    }
    o->type[o->n] = strdup(type);
    o->name[o->n] = strdup(name);
    o->sql[o->n] = strdup(sql);
    o->n++;
    return o->type[o->n - 1] && o->name[o->n - 1] && o->sql[o->n - 1] ? 0 : -1;
}

/* Rows (type, name, sql) of a query into o. */
static int objs_load(nx_store *s, const char *q, objs *o)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc, ok = 1;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        const char *n = (const char *)sqlite3_column_text(st, 1);
        const char *sql = (const char *)sqlite3_column_text(st, 2);
        ok = t && n && sql && strlen(n) < 64 && objs_add(o, t, n, sql) == 0;
    }
    if (ok && rc != SQLITE_DONE)
        ok = 0;
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

static int is_deferred_trigger(const char *name)
{
    for (size_t i = 0; i < N_TRIGGERS; i++)
        if (strcmp(name, triggers[i].name) == 0)
            return 1;
    return 0;
}

int nx_sync_bulk_start(nx_store *s)
{
    int pending = nx_sync_bulk_pending(s);
    if (pending != 0)
        return pending;
    int any = scalar(s, "SELECT EXISTS (SELECT 1 FROM items)");
    if (any != 0)
        return any < 0 ? -1 : 0;
    objs o = { 0 };
    int ok = objs_load(s, "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND "
                          "((tbl_name = 'items' AND type = 'index' AND sql NOT LIKE "
                          "'CREATE UNIQUE%') OR (type = 'trigger' AND tbl_name IN "
                          "('items', 'item_fields'))) ORDER BY type, name",
                       &o) == 0;
    for (size_t i = 0; ok && i < o.n; i++) {
        int trigger = strcmp(o.type[i], "trigger") == 0;
        if (trigger && !is_deferred_trigger(o.name[i]))
            continue;
        char key[128], drop[128];
        snprintf(key, sizeof key, DEFERRED "%s.%s", o.type[i], o.name[i]);
        snprintf(drop, sizeof drop, "DROP %s \"%s\"", trigger ? "TRIGGER" : "INDEX", o.name[i]);
        ok = nx_store_meta_set(s, key, o.sql[i]) == 0 &&
             sqlite3_exec(s->db, drop, NULL, NULL, NULL) == SQLITE_OK;
    }
    objs_free(&o);
    return ok ? 1 : -1;
}

int nx_sync_bulk_finish(nx_store *s)
{
    objs o = { 0 };
    /* key = DEFERRED TYPE.NAME */
    int ok = objs_load(s, "SELECT substr(k, 1, instr(k, '.') - 1), substr(k, instr(k, '.') + 1), "
                          "value FROM (SELECT substr(key, length('" DEFERRED "') + 1) AS k, value "
                          "FROM meta WHERE key >= '" DEFERRED "' AND key < '" DEFERRED_END "')",
                       &o) == 0;
    /* What the triggers did not do while they were away, before the
     * indexes are made (an UPDATE then moves no index entry). */
    for (size_t t = 0; ok && t < N_TRIGGERS; t++)
        for (size_t i = 0; ok && i < o.n; i++)
            if (strcmp(o.type[i], "trigger") == 0 && strcmp(o.name[i], triggers[t].name) == 0)
                ok = triggers[t].count ? triggers[t].count(s) == 0
                                       : sqlite3_exec(s->db, triggers[t].catch_up, NULL, NULL,
                                                      NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < o.n; i++) {
        /* One that exists already (made again since) stays as it is. */
        sqlite3_stmt *q = NULL;
        int exists = -1;
        if (sqlite3_prepare_v2(s->db, "SELECT EXISTS (SELECT 1 FROM sqlite_schema "
                               "WHERE type = ?1 AND name = ?2)", -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, o.type[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, o.name[i], -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW)
                exists = sqlite3_column_int(q, 0);
        }
        sqlite3_finalize(q);
        ok = exists == 1 ||
             (exists == 0 && sqlite3_exec(s->db, o.sql[i], NULL, NULL, NULL) == SQLITE_OK);
    }
    objs_free(&o);
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
