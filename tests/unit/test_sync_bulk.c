/* What makes a pull cheap without changing what it leaves in the cache
 * (core/store/sync_store_apply.c, sync_store_bulk.c, migration 10):
 *   - a first sync into an empty cache defers the queue indexes of items
 *     and builds them in END's transaction, the same indexes as before; a
 *     round that fails builds them before it returns, and one cut short by
 *     a crash leaves them to the next round, which builds them at its end;
 *     the queue tally it counts at its end is what migration 4's GROUP BY
 *     counts, also for a value too long for the count's buffer;
 *   - an item sent again unchanged writes nothing, a changed one only the
 *     columns that changed (due_key follows due), its fields only where they
 *     differ;
 *   - the queue keys a pulled item is inserted with are SQLite's lower() of
 *     its patient's names (ASCII letters only), and writers that leave the
 *     keys to migration 10's triggers still get them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"
#include "store/sync_store.h"
#include "sync/client_int.h"
#include "tests/helpers/fakehub.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;
static nx_fakehub H;
static nx_syncer *Y;
static int64_t clock_now = NX_SF_NOW + 60;

static int64_t test_clock(void *ctx) { (void)ctx; return clock_now; }

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

/* The CREATE statements of the indexes and triggers of items and its
 * fields, in name order, one a line. */
static void index_sql(char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(F.prof.store),
                                    "SELECT name, sql FROM sqlite_schema WHERE type IN "
                                    "('index', 'trigger') AND tbl_name IN ('items', "
                                    "'item_fields') AND sql IS NOT NULL ORDER BY name, type",
                                    -1, &st, NULL), SQLITE_OK);
    size_t used = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int w = snprintf(out + used, len - used, "%s: %s\n", sqlite3_column_text(st, 0),
                         sqlite3_column_text(st, 1));
        cr_assert(w > 0 && (size_t)w < len - used, "index list too long for the buffer");
        used += (size_t)w;
    }
    sqlite3_finalize(st);
}

/* DROP INDEX / CREATE INDEX statements the connection ran. */
static int drops, creates, trigger_drops;
static int count_ddl(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    (void)x;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (type == SQLITE_TRACE_STMT && sql) {
        drops += strncmp(sql, "DROP INDEX", 10) == 0;
        trigger_drops += strncmp(sql, "DROP TRIGGER", 12) == 0;
        creates += strncmp(sql, "CREATE INDEX", 12) == 0;
    }
    return 0;
}

static void watch_ddl(void)
{
    drops = creates = trigger_drops = 0;
    sqlite3_trace_v2(nx_store_db(F.prof.store), SQLITE_TRACE_STMT, count_ddl, NULL);
}

static void syncer_start(void)
{
    char err[512] = "";
    cr_assert_eq(nx_syncer_new_with(&F.prof, &F.conf, nx_fh_connect, &H, &Y, err, sizeof err), 0,
                 "%s", err);
    nx_syncer_set_clock(Y, test_clock, NULL);
}

static void start(void)
{
    char err[512] = "";
    clock_now = NX_SF_NOW + 60;
    cr_assert_eq(nx_sf_open(&F, "bulk", "alice", "eligibility", 0, err, sizeof err), 0, "%s", err);
    nx_fh_init(&H, "alice", "eligibility");
    syncer_start();
}

static void finish(void)
{
    nx_syncer_free(Y);
    Y = NULL;
    nx_fh_free(&H);
    nx_sf_close(&F);
}

/* count items of alice's and of her queue's (no assignee), in three
 * statuses and two teams. */
static void hub_items(int count)
{
    static const char *const kv[] = { "plan", "Gold PPO", "service_date", "2026-06-20", NULL };
    static const char *const pkv[] = { "family_name", "Pulledperson", "given_name", "Bea",
                                       "payer", "Acme Health", NULL };
    static const char *const status[] = { "verifying", "new", "verified" };
    for (int i = 0; i < count; i++) {
        char id[32], pt[32];
        snprintf(id, sizeof id, "it-%04d", i);
        snprintf(pt, sizeof pt, "pt-h%d", i % 40);
        const char *team = i % 7 == 3 ? "south" : "north";
        nx_fh_item it = { .id = id, .patient = pt, .status = status[i % 3],
                          .assignee = i % 5 == 4 ? "" : "alice", .team = team,
                          .due = 1781000000 + i, .kv = kv, .pkv = pkv };
        nx_fh_add_item(&H, &it);
    }
}

static void round_ok(nx_sync_stats *st)
{
    char err[512] = "";
    nx_sync_code c = nx_syncer_round(Y, st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "round: %d %s", c, err);
}

/* Every item is where each queue index and the tally put it. */
static void queue_consistent(long long items)
{
    cr_assert_eq(n("SELECT count(*) FROM items INDEXED BY items_q_status WHERE kind_no = 2"),
                 items);
    cr_assert_eq(n("SELECT count(*) FROM items INDEXED BY items_q_patient "
                   "WHERE kind_no = 2 AND patient_sort >= ''"), items);
    cr_assert_eq(n("SELECT count(*) FROM items INDEXED BY items_q_visit "
                   "WHERE kind_no = 2 AND service_date IS NOT NULL"), items);
    cr_assert_eq(n("SELECT coalesce(sum(n), 0) FROM queue_tally"), items);
    /* each (kind, team, assignee, status) counted as migration 4's GROUP BY counts it */
    cr_assert_eq(n("SELECT count(*) FROM (SELECT kind, team, assignee, status, count(*) "
                   "FROM items GROUP BY 1, 2, 3, 4 EXCEPT SELECT kind, team, assignee, status, "
                   "n FROM queue_tally)"), 0);
    cr_assert_eq(n("SELECT count(*) FROM (SELECT kind, team, assignee, status, n FROM "
                   "queue_tally EXCEPT SELECT kind, team, assignee, status, count(*) "
                   "FROM items GROUP BY 1, 2, 3, 4)"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE kind_no IS NOT CASE kind WHEN 'scheduling'"
                   " THEN 1 WHEN 'eligibility' THEN 2 WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4"
                   " ELSE 0 END OR kind_no = 0"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE patient_sort = '' OR "
                   "due_key IS NOT coalesce(due, 9223372036854775807)"), 0);
    /* each row's scope number names its client, team and assignee, and
     * item_scopes holds each of those once (migration 19) */
    cr_assert_eq(n("SELECT count(*) FROM items AS i WHERE i.scope_no IS NOT (SELECT sc.no FROM "
                   "item_scopes AS sc WHERE sc.client_id = i.client_id AND sc.team = i.team AND "
                   "sc.assignee = i.assignee)"), 0);
    cr_assert_eq(n("SELECT count(*) FROM (SELECT DISTINCT client_id, team, assignee FROM items)"),
                 n("SELECT count(*) FROM item_scopes"));
    char why[256];
    cr_assert_eq(nx_store_integrity(F.prof.store, why, sizeof why), 0, "%s", why);
}

TestSuite(sync_bulk, .timeout = 120);

Test(sync_bulk, a_first_sync_builds_the_same_indexes_at_its_end)
{
    start();
    static char before[16384], after[16384];
    index_sql(before, sizeof before);
    hub_items(300);
    watch_ddl();
    nx_sync_stats st;
    round_ok(&st);
    cr_assert_eq(st.items, 300);
    cr_assert_geq(drops, 10, "the queue indexes were deferred (%d dropped)", drops);
    cr_assert_eq(creates, drops, "and each one built again (%d of %d)", creates, drops);
    cr_assert_eq(trigger_drops, 5, "the tally's, the keys', the kind number's, the scope's and "
                                   "the visit date's insert triggers too");
    index_sql(after, sizeof after);
    cr_assert_str_eq(after, before, "the queue indexes came back as they were");
    cr_assert_eq(nx_sync_bulk_pending(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM meta WHERE key LIKE 'sync.deferred.%'"), 0);
    queue_consistent(300);
    /* The next pull changes a known cache: nothing is deferred. */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_bulk_start(F.prof.store), 0, "a cache with items is not bulk");
    nx_store_rollback(F.prof.store);
    finish();
}

Test(sync_bulk, the_tally_counts_every_kind_team_assignee_and_status)
{
    start();
    hub_items(300);
    nx_sync_stats st;
    round_ok(&st);
    queue_consistent(300);
    cr_assert_geq(n("SELECT count(*) FROM queue_tally"), 12, "3 statuses x 2 teams x 2 assignees");
    cr_assert_eq(n("SELECT n FROM queue_tally WHERE team = 'south' AND assignee = '' "
                   "AND status = 'verified'"),
                 n("SELECT count(*) FROM items WHERE team = 'south' AND assignee = '' "
                   "AND status = 'verified'"));
    finish();
}

Test(sync_bulk, a_team_name_longer_than_the_tallys_buffer_is_counted_too)
{
    start();
    /* Deferred, as a crash mid-pull leaves it, and another writer's item
     * with a team name longer than any the protocol carries (64 bytes) and
     * than the tally's buffer: the end of the sync counts it all the same. */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_bulk_start(F.prof.store), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    static char team[1500];
    memset(team, 'q', sizeof team - 1);
    nx_item_row r = { "it-local", "eligibility", "cl-1", "pt-1", "new", "alice", team, 0,
                      NX_SF_NOW, NX_SF_NOW, NX_SF_NOW + 86400, 0 };
    cr_assert_eq(nx_store_item_put(F.prof.store, &r), 0);
    cr_assert_eq(nx_store_item_field_put(F.prof.store, "it-local", "service_date", "2026-06-22"),
                 0);
    nx_syncer_free(Y);
    syncer_start();
    hub_items(120);
    nx_sync_stats st;
    round_ok(&st);
    queue_consistent(121);
    cr_assert_eq(n("SELECT n FROM queue_tally WHERE length(team) = 1499"), 1);
    finish();
}

Test(sync_bulk, a_failed_first_sync_does_not_leave_the_queue_without_indexes)
{
    start();
    static char before[16384], after[16384];
    index_sql(before, sizeof before);
    hub_items(900);
    /* A first sync's batches are 8 times these: one of 512 frames is
     * committed before the cut. */
    nx_syncer_set_apply_batch(Y, 64, 0);
    H.cut_after = 700;
    watch_ddl();
    nx_sync_stats st;
    char err[512] = "";
    cr_assert_eq(nx_syncer_round(Y, &st, err, sizeof err), NX_SYNC_UNREACHABLE, "%s", err);
    cr_assert_geq(drops, 10, "deferred (%d dropped)", drops);
    cr_assert_eq(creates, drops, "built again when the round failed (%d of %d)", creates, drops);
    long long part = n("SELECT count(*) FROM items");
    cr_assert_gt(part, 0, "a batch was committed before the cut");
    cr_assert_lt(part, 900);
    index_sql(after, sizeof after);
    cr_assert_str_eq(after, before, "built again when the round failed");
    cr_assert_eq(nx_sync_bulk_pending(F.prof.store), 0);
    queue_consistent(part);
    watch_ddl();
    round_ok(&st);
    cr_assert_eq(drops, 0, "the cache holds items now: nothing deferred");
    cr_assert_eq(n("SELECT count(*) FROM items"), 900);
    queue_consistent(900);
    finish();
}

Test(sync_bulk, a_crash_leaves_them_deferred_and_the_next_round_builds_them)
{
    start();
    static char before[16384], after[16384];
    index_sql(before, sizeof before);
    /* What a process killed mid-pull leaves: indexes dropped, their
     * statements in meta, some rows committed. */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_bulk_start(F.prof.store), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(nx_sync_bulk_pending(F.prof.store), 1);
    cr_assert_eq(n("SELECT count(*) FROM sqlite_schema WHERE name IN ('items_q_status', "
                   "'items_tally_insert', 'items_queue_keys_insert')"), 0);
    /* Meanwhile another writer inserts an item (the new-item form): the
     * end of the sync counts it and fills in its keys. */
    nx_item_row r = { "it-local", "eligibility", "cl-1", "pt-1", "new", "alice", "north", 0,
                      NX_SF_NOW, NX_SF_NOW, NX_SF_NOW + 86400, 0 };
    cr_assert_eq(nx_store_item_put(F.prof.store, &r), 0);
    cr_assert_eq(nx_store_item_field_put(F.prof.store, "it-local", "service_date", "2026-06-22"),
                 0);
    nx_syncer_free(Y);
    syncer_start();   /* the next process */
    hub_items(200);
    watch_ddl();
    nx_sync_stats st;
    round_ok(&st);
    cr_assert_eq(drops, 0, "nothing left to defer");
    cr_assert_geq(creates, 10, "built at the end of the round (%d)", creates);
    cr_assert_eq(st.items, 200);
    cr_assert_eq(st.cursor, 200);
    index_sql(after, sizeof after);
    cr_assert_str_eq(after, before);
    cr_assert_eq(nx_sync_bulk_pending(F.prof.store), 0);
    queue_consistent(201);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id = 'it-local' AND "
                   "patient_sort = 'testperson, ava'"), 1);
    finish();
}

/* ---- the apply writes only what differs ------------------------------------------------ */

static nx_sync_applier *A;
static nx_pull_buf PB;
static nx_msg *M;
static nx_wbuf W;

static void apply_setup(void)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "lean", "alice", "eligibility", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_applier_new(F.prof.store, &A), 0);
    cr_assert_eq(nx_pull_buf_init(&PB), 0);
    M = malloc(sizeof *M);
    cr_assert_not_null(M);
    nx_wbuf_init(&W);
}

static void apply_teardown(void)
{
    nx_wbuf_free(&W);
    free(M);
    nx_pull_buf_free(&PB);
    nx_sync_applier_free(A);
    nx_sf_close(&F);
}

/* Applies it in its own transaction; returns the rows it changed. */
static long long apply(const nx_fh_item *it)
{
    char err[512] = "";
    nx_wbuf_reset(&W);
    nx_fh_encode_item(&W, it);
    cr_assert_eq(nx_msg_decode(W.p + 4, W.len - 4, M, err, sizeof err), 0, "%s", err);
    sqlite3 *db = nx_store_db(F.prof.store);
    long long before = sqlite3_total_changes64(db);
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_pull_item(A, &PB, M, err, sizeof err), NX_SYNC_OK, "%s", err);
    long long changed = sqlite3_total_changes64(db) - before;
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    return changed;
}

TestSuite(sync_lean, .init = apply_setup, .fini = apply_teardown);

Test(sync_lean, an_item_sent_again_unchanged_writes_nothing)
{
    static const char *const kv[] = { "plan", "Gold PPO", "coverage_ref", "REF-1", NULL };
    static const char *const pkv[] = { "family_name", "Pulledperson", "given_name", "Bea", NULL };
    nx_fh_item it = { .id = "it-1", .patient = "pt-9", .status = "verifying", .assignee = "alice",
                      .team = "north", .due = 1781000000, .kv = kv, .pkv = pkv };
    cr_assert_gt(apply(&it), 0);
    cr_assert_eq(apply(&it), 0, "nothing differs, nothing is written");
}

Test(sync_lean, a_change_writes_the_columns_and_fields_that_changed)
{
    static const char *const kv[] = { "plan", "Gold PPO", "coverage_ref", "REF-1", NULL };
    static const char *const pkv[] = { "family_name", "Pulledperson", "given_name", "Bea", NULL };
    nx_fh_item it = { .id = "it-1", .patient = "pt-9", .status = "verifying", .assignee = "alice",
                      .team = "north", .due = 1781000000, .kv = kv, .pkv = pkv };
    apply(&it);
    it.due += 3600;
    it.updated = 1780000900;
    cr_assert_eq(apply(&it), 1, "one row: the item's (its due_key with it, no trigger)");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id = 'it-1' AND due = 1781003600 AND "
                   "due_key = 1781003600 AND updated = 1780000900"), 1);
    cr_assert_eq(n("SELECT count(*) FROM items INDEXED BY items_q_status WHERE kind_no = 2 "
                   "AND status = 'verifying' AND due_key = 1781003600"), 1);
    it.due = 0;
    cr_assert_eq(apply(&it), 1);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id = 'it-1' AND due IS NULL AND "
                   "due_key = 9223372036854775807"), 1, "no due sorts last");
    static const char *const kv2[] = { "plan", "Silver HMO", "coverage_ref", "REF-1", NULL };
    it.kv = kv2;
    cr_assert_eq(apply(&it), 1, "one field row");
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id = 'it-1' AND field = 'plan' "
                   "AND value = 'Silver HMO'"), 1);
    static const char *const kv3[] = { "coverage_ref", "REF-1", NULL };
    it.kv = kv3;
    cr_assert_eq(apply(&it), 1, "the field no longer sent, deleted");
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id = 'it-1'"), 1);
    /* The last one sent for a field counts. */
    static const char *const kv4[] = { "plan", "A", "coverage_ref", "REF-1", "plan", "B", NULL };
    it.kv = kv4;
    apply(&it);
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id = 'it-1' AND field = 'plan' "
                   "AND value = 'B'"), 1);
    cr_assert_eq(apply(&it), 0);
    it.status = "verified";
    cr_assert_eq(apply(&it), 1 + 3, "the row; the tally's old row down and gone, new row up");
    cr_assert_eq(n("SELECT count(*) FROM queue_tally WHERE status = 'verified' AND n = 1"), 1);
    cr_assert_eq(n("SELECT count(*) FROM queue_tally WHERE status = 'verifying'"), 0);
}

Test(sync_lean, queue_keys_are_sqlites_lower_of_the_names)
{
    static const char *const pkv[] = { "family_name", "\xc3\x91\xc3\x9aNEZ-O'Brien",
                                       "given_name", "\xc3\x87" "ELIK Zo\xc3\xab",
                                       "payer", "ACME \xc3\x89tat", NULL };
    nx_fh_item it = { .id = "it-k", .patient = "pt-k", .status = "verifying", .pkv = pkv };
    apply(&it);
    cr_assert_eq(n("SELECT count(*) FROM items AS i JOIN patients AS p ON p.id = i.patient_id "
                   "WHERE i.id = 'it-k' "
                   "AND i.patient_sort = lower(p.family_name) || ', ' || lower(p.given_name) "
                   "AND i.patient_given = lower(p.given_name) || ' ' || lower(p.family_name) "
                   "AND i.payer_sort = lower(p.payer)"), 1);
    char s[128];
    nx_sf_text(&F, "SELECT patient_sort FROM items WHERE id = 'it-k'", s, sizeof s);
    cr_assert_str_eq(s, "\xc3\x91\xc3\x9anez-o'brien, \xc3\x87" "elik zo\xc3\xab",
                     "only A-Z lowered");
    /* A second item of a known patient (no PKV) gets them from the row. */
    nx_fh_item it2 = { .id = "it-k2", .patient = "pt-k", .status = "verifying" };
    apply(&it2);
    cr_assert_eq(n("SELECT count(*) FROM items AS a JOIN items AS b ON a.id = 'it-k' AND "
                   "b.id = 'it-k2' WHERE a.patient_sort = b.patient_sort AND "
                   "a.patient_given = b.patient_given AND a.payer_sort = b.payer_sort"), 1);
}

Test(sync_lean, writers_that_leave_the_keys_to_the_triggers_still_get_them)
{
    nx_item_row r = { "it-r", "eligibility", "cl-1", "pt-1", "verifying", "alice", "north", 0,
                      1780000000, 1780000000, 1781000000, 0 };
    cr_assert_eq(nx_store_item_put(F.prof.store, &r), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id = 'it-r' AND "
                   "patient_sort = 'testperson, ava' AND patient_given = 'ava testperson' AND "
                   "due_key = 1781000000"), 1);
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store),
                              "UPDATE items SET due = 1781007200 WHERE id = 'it-r'", NULL, NULL,
                              NULL), SQLITE_OK);
    cr_assert_eq(n("SELECT due_key FROM items WHERE id = 'it-r'"), 1781007200);
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store),
                              "UPDATE patients SET family_name = 'Otherperson' WHERE id = 'pt-1'",
                              NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id = 'it-r' AND "
                   "patient_sort = 'otherperson, ava'"), 1);
}
