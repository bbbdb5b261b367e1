/* The store's connection hardening and migrations, through the real
 * encrypting VFS: what the cache refuses to do, and what still works. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypt/crypt.h"
#include "domain/dict.h"
#include "store/items_io.h"
#include "store/queue_store.h"
#include "store/rows.h"
#include "store/store.h"
#include "tests/helpers/run.h"

static char dir[4096], db_path[4200];
static nx_cryptvfs *vfs;
static nx_store *st;

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "store");
    snprintf(db_path, sizeof db_path, "%s/cache.db", dir);
    unsigned char key[NX_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    char err[256] = "";
    vfs = nx_cryptvfs_new(key, NULL, err, sizeof err);
    cr_assert_not_null(vfs, "%s", err);
    cr_assert_eq(nx_store_open(db_path, vfs, NX_STORE_CREATE, &st, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    nx_store_close(st);
    nx_cryptvfs_free(vfs);
}

TestSuite(store, .init = setup, .fini = teardown);

/* SQLite's integrity check of the cache (every index matching the rows). */
static void assert_sound(void)
{
    char why[256];
    cr_assert_eq(nx_store_integrity(st, why, sizeof why), 0, "%s", why);
}

static int exec_rc(const char *sql, char *msg, size_t len)
{
    char *m = NULL;
    int rc = sqlite3_exec(nx_store_db(st), sql, NULL, NULL, &m);
    snprintf(msg, len, "%s", m ? m : "");
    sqlite3_free(m);
    return rc;
}

static int count_files(const char *d)
{
    DIR *h = opendir(d);
    int n = 0;
    struct dirent *e;
    while (h && (e = readdir(h)))
        n += e->d_name[0] != '.';
    if (h)
        closedir(h);
    return n;
}

Test(store, migrations_and_settings)
{
    cr_assert_eq(nx_store_schema_version(st), 22);
    sqlite3 *db = nx_store_db(st);
    sqlite3_stmt *s;
    const char *checks[][2] = {
        { "PRAGMA journal_mode", "persist" },
        { "PRAGMA journal_size_limit", "33554432" },
        { "PRAGMA temp_store", "2" },
        { "PRAGMA synchronous", "2" },
        { "PRAGMA page_size", "4096" },
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        cr_assert_eq(sqlite3_prepare_v2(db, checks[i][0], -1, &s, NULL), SQLITE_OK);
        cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
        cr_assert_str_eq((const char *)sqlite3_column_text(s, 0), checks[i][1], "%s", checks[i][0]);
        sqlite3_finalize(s);
    }
    int reserve = -1;
    cr_assert_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve), SQLITE_OK);
    cr_assert_eq(reserve, NX_RESERVE_BYTES);
    assert_sound();
}

/* A sync round writes a page of every index that holds the due time for
 * each due time it moves, nearly all of them at 100 000 items: those
 * indexes stay narrow and few. None holds the item id (36 characters, half
 * of an entry before migration 16): ties fall to the rowid (nx_qs_key).
 * Only the sort indexes hold the due time (migration 18): the dashboard's
 * counts read items_q_status, whose entries hold every scope, and a team's
 * or an assignee's items are found by indexes without it; the priority
 * sort's holds only the items that are not routine (migration 20); the
 * due order has none of its own (migration 22: items_q_status's ranges,
 * one per status, merged). */
Test(store, the_queue_indexes_hold_no_item_id_and_only_the_sorts_the_due_time)
{
    sqlite3 *db = nx_store_db(st);
    static const char *const want[][2] = {
        { "items_q_prio", "kind_no,prio_key,due_key,scope_no" },
        { "items_q_status", "kind_no,status,due_key,scope_no" },
        { "items_q_patient", "kind_no,patient_sort,due_key" },
        { "items_q_payer", "kind_no,payer_sort,due_key" },
        { "items_assignee", "assignee,kind_no" },
        { "items_team", "kind_no,team" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sqlite3_stmt *s = NULL;
        cr_assert_eq(sqlite3_prepare_v2(db, "SELECT group_concat(name, ',') FROM (SELECT name "
                                            "FROM pragma_index_info(?1) ORDER BY seqno)", -1,
                                        &s, NULL), SQLITE_OK);
        sqlite3_bind_text(s, 1, want[i][0], -1, SQLITE_STATIC);
        cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
        cr_assert_str_eq((const char *)sqlite3_column_text(s, 0), want[i][1], "%s", want[i][0]);
        sqlite3_finalize(s);
    }
    /* every index of items that holds due or due_key, whatever its name */
    sqlite3_stmt *s = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT group_concat(name, ',') FROM (SELECT DISTINCT "
                                        "l.name FROM pragma_index_list('items') AS l, "
                                        "pragma_index_info(l.name) AS c WHERE c.name IN "
                                        "('due', 'due_key') ORDER BY l.name)", -1, &s, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(s, 0),
                     "items_q_patient,items_q_payer,items_q_prio,items_q_status");
    sqlite3_finalize(s);
    /* and items_q_prio only the items of a priority other than 0 */
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT partial FROM pragma_index_list('items') "
                                        "WHERE name = 'items_q_prio'", -1, &s, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'items_q_prio'",
                                    -1, &s, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_not_null(strstr((const char *)sqlite3_column_text(s, 0), "WHERE priority <> 0"));
    sqlite3_finalize(s);
    /* and items_q_payer only the items of the kinds that carry a payer */
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = "
                                        "'items_q_payer'", -1, &s, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_not_null(strstr((const char *)sqlite3_column_text(s, 0),
                              "WHERE kind_no IN (2, 3)"));
    sqlite3_finalize(s);
}

/* Begins a transaction holding clinic cl-1 and its patient pt-1. */
static void begin_with_clinic_and_patient(void)
{
    nx_client_row c = { "cl-1", "Clinic", "America/New_York", "555-0100", "" };
    nx_patient_row p = { "pt-1", "cl-1", "Testperson", "Ava", "1980-01-02", "555-0101",
                         "a@example.invalid", "1 Main", "MRN1", "M1", "Payer", NULL, NULL, "" };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_client_put(st, &c), 0);
    cr_assert_eq(nx_store_patient_put(st, &p), 0);
}

/* The queue indexes hold a kind's number (items.kind_no, migration 17);
 * the queue store asks by nx_qs_kind_no. The two agree for every kind the
 * domain knows, no two kinds share one, and the column follows the kind
 * whoever writes the row (here nx_store_item_put, which leaves it to the
 * triggers) and when the kind changes. */
Test(store, every_kind_has_its_own_number_in_the_cache_and_the_queue_store)
{
    sqlite3 *db = nx_store_db(st);
    begin_with_clinic_and_patient();
    int seen[NX_KIND_COUNT + 1] = {0};
    sqlite3_stmt *s = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT kind_no FROM items WHERE id = ?1", -1, &s, NULL),
                 SQLITE_OK);
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        char id[16];
        snprintf(id, sizeof id, "it-%d", k);
        const char *name = nx_kind_name((nx_kind)k);
        nx_item_row it = { .id = id, .kind = name, .client_id = "cl-1", .patient_id = "pt-1",
                           .status = "new", .created = 10, .updated = 10 };
        cr_assert_eq(nx_store_item_put(st, &it), 0);
        int no = nx_qs_kind_no(name);
        cr_assert(no > 0 && no <= NX_KIND_COUNT, "%s: %d", name, no);
        cr_assert_eq(seen[no]++, 0, "%s shares its number", name);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
        cr_assert_eq(sqlite3_column_int(s, 0), no, "%s", name);
        sqlite3_reset(s);
    }
    cr_assert_eq(sqlite3_exec(db, "UPDATE items SET kind = 'roi' WHERE id = 'it-0'", NULL, NULL,
                              NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, "it-0", -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(s, 0), nx_qs_kind_no("roi"));
    sqlite3_finalize(s);
    cr_assert_eq(nx_store_commit(st), 0);
    cr_assert_eq(nx_qs_kind_no("no-such-kind"), 0);
}

static long long count_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Rows whose scope_no does not name their client, team and assignee. */
static long long stale_scopes(sqlite3 *db)
{
    return count_of(db, "SELECT count(*) FROM items AS i WHERE i.scope_no IS NOT (SELECT sc.no "
                        "FROM item_scopes AS sc WHERE sc.client_id = i.client_id AND "
                        "sc.team = i.team AND sc.assignee = i.assignee)");
}

/* items_q_status holds a scope's number, not the client, team and assignee
 * (migration 19): the number follows the row whoever writes it, a writer
 * that leaves it out (nx_store_item_put: the trigger), one that sets it
 * (nx_store_item_insert), an UPDATE of any of the three, and one of
 * scope_no itself to a wrong number; a scope is numbered once. */
Test(store, every_items_scope_number_names_its_client_team_and_assignee)
{
    nx_client_row c2 = { "cl-2", "Clinic 2", "America/Chicago", "555-0100", "" };
    sqlite3 *db = nx_store_db(st);
    begin_with_clinic_and_patient();
    cr_assert_eq(nx_store_client_put(st, &c2), 0);
    static const char *const who[][3] = {
        { "cl-1", "north", "alice" }, { "cl-1", "north", "" }, { "cl-2", "north", "alice" },
        { "cl-1", "south", "alice" }, { "cl-1", "north", "alice" },
    };
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "it-%d", i);
        nx_item_row it = { .id = id, .kind = "eligibility", .client_id = who[i][0],
                           .patient_id = "pt-1", .status = "new", .assignee = who[i][2],
                           .team = who[i][1], .created = 10, .updated = 10 };
        cr_assert_eq(nx_store_item_put(st, &it), 0);
    }
    nx_item_rec r = { .id = "it-5", .kind = "eligibility", .client_id = "cl-2",
                      .patient_id = "pt-1", .status = "new", .assignee = "bob", .team = "south",
                      .created = 10, .updated = 10 };
    cr_assert_eq(nx_store_item_insert(st, &r), 0, "a new scope");
    snprintf(r.id, sizeof r.id, "it-6");
    cr_assert_eq(nx_store_item_insert(st, &r), 0, "a known one");
    cr_assert_eq(stale_scopes(db), 0);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM item_scopes"), 5);
    cr_assert_eq(count_of(db, "SELECT count(DISTINCT scope_no) FROM items"), 5);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM items WHERE scope_no = 0"), 0);
    /* it-0 and it-4 share theirs */
    cr_assert_eq(count_of(db, "SELECT count(DISTINCT scope_no) FROM items WHERE id IN "
                              "('it-0', 'it-4')"), 1);
    snprintf(r.id, sizeof r.id, "it-6");
    snprintf(r.team, sizeof r.team, "east");
    cr_assert_eq(nx_store_item_update(st, &r), 0);
    cr_assert_eq(stale_scopes(db), 0, "nx_store_item_update into a new scope");
    static const char *const moves[] = {
        "UPDATE items SET assignee = 'carol' WHERE id = 'it-0'",
        "UPDATE items SET team = 'south' WHERE id = 'it-1'",
        "UPDATE items SET client_id = 'cl-1' WHERE id = 'it-2'",
        "UPDATE items SET assignee = '', team = 'north', client_id = 'cl-1' WHERE id = 'it-3'",
        "UPDATE items SET scope_no = 999 WHERE id = 'it-4'",
        "UPDATE items SET scope_no = 0",
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        cr_assert_eq(sqlite3_exec(db, moves[i], NULL, NULL, NULL), SQLITE_OK, "%s", moves[i]);
        cr_assert_eq(stale_scopes(db), 0, "%s", moves[i]);
    }
    cr_assert_eq(count_of(db, "SELECT count(*) FROM (SELECT client_id, team, assignee FROM "
                              "item_scopes GROUP BY 1, 2, 3 HAVING count(*) > 1)"), 0);
    cr_assert_eq(nx_store_commit(st), 0);
}

/* A cache made before migration 19 (its schema taken back to 18's shape
 * here) gets a number for each scope its items are in when it is opened. */
/* Closes the cache and opens it again: every migration runs, up to 22. */
static sqlite3 *reopen_migrated(void)
{
    nx_store_close(st);
    char err[256] = "";
    cr_assert_eq(nx_store_open(db_path, vfs, NX_STORE_OPEN_EXISTING, &st, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(nx_store_schema_version(st), 22);
    return nx_store_db(st);
}

/* The indexes of schema 21 in place of migration 22's, of 20 in place of
 * 21's, and of 19 in place of 20's. */
#define SCHEMA_BACK_TO_21                                                                   \
    "CREATE INDEX items_q_due ON items(kind_no, due_key);"                                  \
    "DROP INDEX items_q_prio;"                                                              \
    "CREATE INDEX items_q_prio ON items(kind_no, prio_key, due_key) WHERE priority <> 0;"   \
    "PRAGMA user_version = 21;"
#define SCHEMA_BACK_TO_20                                                                   \
    SCHEMA_BACK_TO_21                                                                       \
    "DROP INDEX items_q_payer;"                                                             \
    "CREATE INDEX items_q_payer ON items(kind_no, payer_sort, due_key);"                    \
    "PRAGMA user_version = 20;"
#define SCHEMA_BACK_TO_19                                                                   \
    SCHEMA_BACK_TO_20                                                                       \
    "DROP INDEX items_q_prio;"                                                              \
    "CREATE INDEX items_q_priority ON items(kind_no, prio_key, due_key);"                   \
    "PRAGMA user_version = 19;"

Test(store, migration_19_numbers_the_scopes_of_a_cache_made_before_it)
{
    begin_with_clinic_and_patient();
    static const char *const who[][2] = {
        { "north", "alice" }, { "north", "" }, { "south", "alice" }, { "north", "alice" },
    };
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "it-%d", i);
        nx_item_row it = { .id = id, .kind = "eligibility", .client_id = "cl-1",
                           .patient_id = "pt-1", .status = "new", .assignee = who[i][1],
                           .team = who[i][0], .created = 10, .updated = 10, .due = 1000 + i };
        cr_assert_eq(nx_store_item_put(st, &it), 0);
    }
    cr_assert_eq(nx_store_commit(st), 0);
    sqlite3 *db = nx_store_db(st);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, "BEGIN;" SCHEMA_BACK_TO_19
                                  "DROP TRIGGER items_scope_insert; DROP TRIGGER items_scope_update;"
                                  "DROP INDEX items_q_status; ALTER TABLE items DROP COLUMN scope_no;"
                                  "DROP TABLE item_scopes;"
                                  "CREATE INDEX items_q_status ON items(kind_no, status, due_key,"
                                  "  client_id, team, assignee);"
                                  "PRAGMA user_version = 18; COMMIT;", NULL, NULL, &msg),
                 SQLITE_OK, "%s", msg ? msg : "");
    db = reopen_migrated();
    cr_assert_eq(stale_scopes(db), 0);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM item_scopes"), 3);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM items INDEXED BY items_q_status WHERE "
                              "kind_no = 2 AND status = 'new' AND scope_no IN (SELECT no FROM "
                              "item_scopes WHERE team = 'north')"), 3);
    assert_sound();
}

/* Commits n items it-0.. of kinds[i % nkinds], one in urgent_every urgent
 * (0: none), due times falling. */
static void put_items_of(int n, const char *const *kinds, int nkinds, int urgent_every)
{
    begin_with_clinic_and_patient();
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "it-%d", i);
        nx_item_row it = { .id = id, .kind = kinds[i % nkinds], .client_id = "cl-1",
                           .patient_id = "pt-1", .status = "new", .team = "north",
                           .priority = urgent_every && i % urgent_every == 0, .created = 10,
                           .updated = 10, .due = 5000 - i };
        cr_assert_eq(nx_store_item_put(st, &it), 0);
    }
    cr_assert_eq(nx_store_commit(st), 0);
}

/* Takes the schema back (SCHEMA_BACK_TO_*, in one transaction), checks
 * that the count query before gives n there, and opens the cache again
 * (every migration runs). */
static sqlite3 *migrated_from(const char *back, const char *before, long long n)
{
    sqlite3 *db = nx_store_db(st);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, &msg), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, back, NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    cr_assert_eq(count_of(db, before), n, "%s", before);
    return reopen_migrated();
}

/* Nine eligibility items, three of them urgent, in a schema taken back
 * (migrated_from), opened again: items_q_prio holds exactly the three. */
static sqlite3 *urgent_items_migrated_from(const char *back, const char *before, long long n)
{
    static const char *const elig[] = { "eligibility" };
    put_items_of(9, elig, 1, 3);
    sqlite3 *db = migrated_from(back, before, n);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM items INDEXED BY items_q_prio WHERE "
                              "kind_no = 2 AND priority <> 0 AND prio_key < 0"), 3);
    return db;
}

/* Migration 20 on a cache made before it: items_q_priority is replaced,
 * items_q_prio holds exactly the items that are not routine, and SQLite's
 * integrity check finds every index matching the rows. */
Test(store, migration_20_indexes_only_the_items_that_are_not_routine)
{
    sqlite3 *db = urgent_items_migrated_from(SCHEMA_BACK_TO_19, "SELECT count(*) FROM "
                                             "pragma_index_list('items') WHERE name IN "
                                             "('items_q_prio', 'items_q_priority')", 1);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM pragma_index_list('items') WHERE name = "
                              "'items_q_priority'"), 0);
    assert_sound();
}

/* Migration 21 on a cache made before it: items_q_payer holds the items
 * of the kinds that carry a payer and no other, the payer sort's and the
 * payer search's queries read it with the term that says so, it serves no
 * query of another kind's items, and SQLite's integrity check finds every
 * index matching the rows. */
Test(store, migration_21_indexes_the_payers_of_the_kinds_that_carry_one_only)
{
    static const char *const kinds[] = { "scheduling", "eligibility", "prior-auth", "roi" };
    put_items_of(12, kinds, 4, 0);
    sqlite3 *db = migrated_from(SCHEMA_BACK_TO_20, "SELECT count(*) FROM items INDEXED BY "
                                "items_q_payer WHERE kind_no = 1", 3);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM items INDEXED BY items_q_payer WHERE "
                              "kind_no IN (2, 3) AND payer_sort = 'payer'"), 6);
    /* partial: no plan reads it for the kinds without a payer */
    sqlite3_stmt *s = NULL;
    cr_assert_neq(sqlite3_prepare_v2(db, "SELECT count(*) FROM items INDEXED BY items_q_payer "
                                         "WHERE kind_no = 1", -1, &s, NULL), SQLITE_OK);
    sqlite3_finalize(s);
    /* the kinds are the field dictionary's payer kinds */
    const nx_field_def *payer = nx_dict_find(nx_dict_default(), "payer");
    cr_assert_not_null(payer);
    for (int k = 0; k < NX_KIND_COUNT; k++)
        cr_assert_eq(nx_qs_kind_has_payer(nx_kind_name((nx_kind)k)),
                     (payer->kinds & NX_KIND_BIT(k)) != 0, "%s", nx_kind_name((nx_kind)k));
    assert_sound();
}

/* Migration 22 on a cache made before it: items_q_due is gone, the
 * priority sort's items_q_prio holds the scope's number after the due
 * time and still only the items that are not routine, and SQLite's
 * integrity check finds every index matching the rows. */
Test(store, migration_22_drops_the_due_sort_s_own_index)
{
    sqlite3 *db = urgent_items_migrated_from(SCHEMA_BACK_TO_21, "SELECT count(*) FROM items "
                                             "INDEXED BY items_q_due WHERE kind_no = 2", 9);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM pragma_index_list('items') WHERE name = "
                              "'items_q_due'"), 0);
    cr_assert_eq(count_of(db, "SELECT count(*) FROM pragma_index_info('items_q_prio') WHERE "
                              "name = 'scope_no' AND seqno = 3"), 1);
    assert_sound();
}

/* The payer sort and a search of the payer are for the kinds that carry
 * a payer: for another, whose items items_q_payer does not hold, the queue
 * store refuses them instead of listing nothing. */
Test(store, the_payer_sort_is_refused_for_a_kind_without_payers)
{
    char err[256] = "";
    nx_qs *q = NULL;
    nx_qs_spec sp = { .kind = "scheduling", .sort = NX_QS_PAYER };
    cr_assert_eq(nx_qs_open(st, &sp, 0, &q, err, sizeof err), -1);
    cr_assert_null(q);
    cr_assert_not_null(strstr(err, "no payer"), "%s", err);
    nx_qs_spec se = { .kind = "roi", .sort = NX_QS_DUE, .search = "acme", .search_payer = 1 };
    cr_assert_eq(nx_qs_open(st, &se, 0, &q, err, sizeof err), -1);
    nx_qs_spec ok = { .kind = "prior-auth", .sort = NX_QS_PAYER, .search = "acme",
                      .search_payer = 1 };
    cr_assert_eq(nx_qs_open(st, &ok, 0, &q, err, sizeof err), 0, "%s", err);
    nx_qs_close(q);
}

/* Every foreign key's child columns lead some index: with foreign_keys on,
 * deleting a parent row looks its children up, and without an index that
 * is a scan of the child table for each row deleted (a purge of closed
 * items would grow with the cache, not with what it deletes). */
Test(store, every_foreign_key_is_indexed)
{
    sqlite3 *db = nx_store_db(st);
    sqlite3_stmt *t = NULL, *fk = NULL, *ix = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%'", -1, &t, NULL), SQLITE_OK);
    int checked = 0;
    while (sqlite3_step(t) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(t, 0);
        char sql[256];
        /* (clients are never deleted: nothing looks up their children) */
        snprintf(sql, sizeof sql, "SELECT DISTINCT \"from\" FROM pragma_foreign_key_list('%s') "
                 "WHERE seq = 0 AND \"table\" <> 'clients'", table);
        cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &fk, NULL), SQLITE_OK);
        while (sqlite3_step(fk) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(fk, 0);
            /* an index (or the primary key) whose first column it is */
            snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_index_list('%s') AS l, "
                     "pragma_index_info(l.name) AS i WHERE i.seqno = 0 AND i.name = ?1", table);
            cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &ix, NULL), SQLITE_OK);
            sqlite3_bind_text(ix, 1, col, -1, SQLITE_TRANSIENT);
            cr_assert_eq(sqlite3_step(ix), SQLITE_ROW);
            cr_expect_gt(sqlite3_column_int(ix, 0), 0, "%s.%s has no index", table, col);
            sqlite3_finalize(ix);
            checked++;
        }
        sqlite3_finalize(fk);
    }
    sqlite3_finalize(t);
    cr_expect_geq(checked, 10);
}

Test(store, reopen_keeps_data_and_schema)
{
    cr_assert_eq(nx_store_meta_set(st, "k", "v1"), 0);
    cr_assert_eq(nx_store_meta_set(st, "k", "v2"), 0);
    nx_store_close(st);
    char err[256] = "", out[32];
    cr_assert_eq(nx_store_open(db_path, vfs, NX_STORE_OPEN_EXISTING, &st, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_store_meta_get(st, "k", out, sizeof out), 1);
    cr_assert_str_eq(out, "v2");
    cr_assert_eq(nx_store_meta_get(st, "absent", out, sizeof out), 0);
    cr_assert_eq(nx_store_schema_version(st), 22);
}

Test(store, create_refuses_existing_and_open_refuses_missing)
{
    nx_store *other = NULL;
    char err[256] = "", missing[4300];
    cr_assert_eq(nx_store_meta_set(st, "k", "v"), 0);
    cr_assert_eq(nx_store_open(db_path, vfs, NX_STORE_CREATE, &other, err, sizeof err), -1);
    cr_assert(strstr(err, "already exists"), "%s", err);
    snprintf(missing, sizeof missing, "%s/none.db", dir);
    cr_assert_eq(nx_store_open(missing, vfs, NX_STORE_OPEN_EXISTING, &other, err, sizeof err), -1);
    cr_assert(strstr(err, "nexus init"), "%s", err);
}

Test(store, attach_refused_even_with_unix_vfs_uri)
{
    char msg[512];
    const char *attempts[] = {
        "ATTACH 'plain.db' AS p",
        "ATTACH 'file:plain.db?vfs=unix' AS p",
        "ATTACH ':memory:' AS p",
    };
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++)
        cr_assert_neq(exec_rc(attempts[i], msg, sizeof msg), SQLITE_OK, "%s accepted", attempts[i]);
    cr_assert_eq(count_files(dir), 2, "ATTACH created a file");   /* cache.db + journal */
}

Test(store, vacuum_into_refused)
{
    char msg[512], target[4300], uri[4400];
    cr_assert_eq(exec_rc("CREATE TABLE x(a); INSERT INTO x VALUES('vacuum-into-marker')", msg, sizeof msg),
                 SQLITE_OK, "%s", msg);
    snprintf(target, sizeof target, "%s/copy.db", dir);
    snprintf(uri, sizeof uri, "VACUUM INTO 'file:%s?vfs=unix'", target);
    cr_assert_neq(exec_rc(uri, msg, sizeof msg), SQLITE_OK, "VACUUM INTO a unix-VFS URI accepted");
    snprintf(uri, sizeof uri, "VACUUM INTO '%s'", target);
    cr_assert_neq(exec_rc(uri, msg, sizeof msg), SQLITE_OK, "VACUUM INTO accepted");
    FILE *f = fopen(target, "r");
    cr_assert_null(f, "VACUUM INTO left a file");
    /* Plain VACUUM (in place, through the VFS) still works. */
    cr_assert_eq(exec_rc("VACUUM", msg, sizeof msg), SQLITE_OK, "%s", msg);
}

Test(store, temp_store_file_spill_is_an_error_not_a_file)
{
    char msg[512], tmp[4300], env[4400];
    snprintf(tmp, sizeof tmp, "%s/tmpdir", dir);
    cr_assert_eq(mkdir(tmp, 0700), 0);
    snprintf(env, sizeof env, "%s", tmp);
    setenv("TMPDIR", env, 1);
    setenv("SQLITE_TMPDIR", env, 1);
    cr_assert_eq(exec_rc("PRAGMA temp_store=FILE", msg, sizeof msg), SQLITE_OK, "%s", msg);
    cr_assert_eq(exec_rc("PRAGMA cache_size=10", msg, sizeof msg), SQLITE_OK, "%s", msg);
    /* A temp table large enough to spill its pages to a temp file. */
    int rc = exec_rc("CREATE TEMP TABLE big AS "
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<20000) "
                     "SELECT i, hex(randomblob(200)) AS b FROM n", msg, sizeof msg);
    cr_assert_neq(rc, SQLITE_OK, "a temp file was allowed");
    cr_assert_eq(count_files(tmp), 0, "a temp file was created");
    cr_assert_eq(count_files(dir), 3, "an extra file appeared next to the cache");
    /* And the cache itself is unharmed. */
    assert_sound();
}

Test(store, memory_temp_store_handles_big_sorts)
{
    char msg[512];
    cr_assert_eq(exec_rc("CREATE TABLE r(a, b)", msg, sizeof msg), SQLITE_OK, "%s", msg);
    cr_assert_eq(exec_rc("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<30000) "
                         "INSERT INTO r SELECT random(), hex(randomblob(100)) FROM n", msg, sizeof msg),
                 SQLITE_OK, "%s", msg);
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(st), "SELECT a FROM r ORDER BY b, a", -1, &s, NULL),
                 SQLITE_OK);
    int rows = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        rows++;
    sqlite3_finalize(s);
    cr_assert_eq(rc, SQLITE_DONE, "%s", sqlite3_errmsg(nx_store_db(st)));
    cr_assert_eq(rows, 30000);
    cr_assert_eq(count_files(dir), 2);
}

Test(store, large_mmap_size_still_reads_correctly)
{
    char msg[512];
    cr_assert_eq(exec_rc("CREATE TABLE m(a INTEGER PRIMARY KEY, b)", msg, sizeof msg), SQLITE_OK);
    cr_assert_eq(exec_rc("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<5000) "
                         "INSERT INTO m SELECT i, printf('row-%d', i) FROM n", msg, sizeof msg), SQLITE_OK);
    nx_store_close(st);
    char err[256];
    cr_assert_eq(nx_store_open(db_path, vfs, NX_STORE_OPEN_EXISTING, &st, err, sizeof err), 0, "%s", err);
    cr_assert_eq(exec_rc("PRAGMA mmap_size=1073741824", msg, sizeof msg), SQLITE_OK, "%s", msg);
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(st), "SELECT a, b FROM m ORDER BY a", -1, &s, NULL), SQLITE_OK);
    int i = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        i++;
        char want[32];
        snprintf(want, sizeof want, "row-%d", i);
        cr_assert_eq(sqlite3_column_int(s, 0), i);
        cr_assert_str_eq((const char *)sqlite3_column_text(s, 1), want);
    }
    sqlite3_finalize(s);
    cr_assert_eq(i, 5000);
}

Test(store, typed_rows_round_trip)
{
    nx_client_row c = { "cl-1", "Clinic", "America/New_York", "555-0100", "" };
    nx_patient_row p = { "pt-1", "cl-1", "Testperson", "Ava", "1980-01-02", "555-0101",
                         "a@example.invalid", "1 Main", "MRN1", "M1", "Payer", NULL, NULL, "" };
    nx_item_row it = { .id = "it-1", .kind = "roi", .client_id = "cl-1", .patient_id = "pt-1",
                       .status = "new", .created = 10, .updated = 10, .due = 20 };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_client_put(st, &c), 0);
    cr_assert_eq(nx_store_patient_put(st, &p), 0);
    cr_assert_eq(nx_store_item_put(st, &it), 0);
    cr_assert_eq(nx_store_item_field_put(st, "it-1", "cpt", "99213"), 0);
    cr_assert_eq(nx_store_item_field_put(st, "it-1", "cpt", "99214"), 0);
    cr_assert_eq(nx_store_commit(st), 0);
    cr_assert_eq(nx_store_count(st, "items"), 1);
    cr_assert_eq(nx_store_count(st, "item_fields"), 1);
    cr_assert_eq(nx_store_count(st, "sqlite_master"), -1, "count allowed an unknown table");
    /* Foreign keys hold: an item for an unknown patient is refused. */
    nx_item_row bad = it;
    bad.id = "it-2";
    bad.patient_id = "nobody";
    cr_assert_neq(nx_store_item_put(st, &bad), 0);
}
