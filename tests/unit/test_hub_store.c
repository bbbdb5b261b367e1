/* The hub's central store: key file rules, encryption at rest, the hub's
 * tables and the API serve.c builds on (users, devices, revisions and the
 * restoration order of pull, what devices hold, op dedupe, field clocks,
 * conflicts, device audit events). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/items_io.h"
#include "store/rows.h"
#include "tests/unit/test_hub_fixture.h"

static hubt T;

static void setup(void) { hubt_init(&T, "hub-store", 0); }
static void teardown(void) { hubt_done(&T); }

TestSuite(hub_store, .init = setup, .fini = teardown);

Test(hub_store, key_path_defaults_to_sibling_of_the_dir)
{
    char out[256];
    cr_assert_eq(nx_hub_key_path("/srv/hub/", NULL, out, sizeof out), 0);
    cr_assert_str_eq(out, "/srv/hub.key");
    cr_assert_eq(nx_hub_key_path("/srv/hub", "/etc/k", out, sizeof out), 0);
    cr_assert_str_eq(out, "/etc/k");
    cr_assert_eq(nx_hub_key_path("/", NULL, out, sizeof out), -1);
}

Test(hub_store, init_makes_a_0600_key_file_and_refuses_a_second_init)
{
    struct stat st;
    cr_assert_eq(stat(T.key, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(st.st_size, 65);   /* 64 hex digits and a newline */
    char err[NX_HUB_ERR_MAX];
    cr_assert_eq(nx_hub_init(T.dir, NULL, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "already exists"), "%s", err);
    /* The key file outlives a failed init untouched. */
    struct stat st2;
    cr_assert_eq(stat(T.key, &st2), 0);
    cr_assert_eq(st.st_mtime, st2.st_mtime);
}

Test(hub_store, a_key_file_others_may_read_is_refused)
{
    hubt_done(&T);
    cr_assert_eq(chmod(T.key, 0640), 0);
    nx_hub *h = NULL;
    char err[NX_HUB_ERR_MAX];
    cr_assert_eq(nx_hub_open(T.dir, NULL, &h, err, sizeof err), -1);
    cr_assert(strstr(err, "group or others"), "%s", err);
    cr_assert_eq(chmod(T.key, 0600), 0);
    cr_assert_eq(nx_hub_open(T.dir, NULL, &T.h, err, sizeof err), 0, "%s", err);
}

Test(hub_store, the_wrong_key_does_not_open_the_store)
{
    hubt_done(&T);
    char other[4400];
    snprintf(other, sizeof other, "%s/other.key", T.base);
    int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    cr_assert_eq(write(fd, raw, sizeof raw), 32);
    close(fd);
    nx_hub *h = NULL;
    char err[NX_HUB_ERR_MAX];
    cr_assert_eq(nx_hub_open(T.dir, other, &h, err, sizeof err), -1);
    cr_assert_null(h);
    cr_assert_eq(nx_hub_open(T.dir, NULL, &T.h, err, sizeof err), 0, "%s", err);
}

Test(hub_store, the_store_file_holds_no_plaintext)
{
    hubt_client(&T, "cl-test");
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY1, T.err,
                                 sizeof T.err), 0, "%s", T.err);
    hubt_done(&T);
    char db[4400];
    snprintf(db, sizeof db, "%s/hub.db", T.dir);
    char *data = NULL;
    size_t len = 0;
    FILE *f = fopen(db, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    rewind(f);
    data = malloc(len);
    cr_assert_eq(fread(data, 1, len, f), len);
    fclose(f);
    cr_assert_null(memmem(data, len, "SQLite format 3", 15));
    cr_assert_null(memmem(data, len, "Synthetic Clinic", 16));
    cr_assert_null(memmem(data, len, "alice", 5));
    free(data);
    cr_assert_eq(nx_hub_open(T.dir, NULL, &T.h, T.err, sizeof T.err), 0, "%s", T.err);
}

Test(hub_store, settings_default_and_emergency_extends_grace)
{
    nx_hub_settings s;
    cr_assert_eq(nx_hub_settings_get(T.h, &s), 0);
    cr_assert_eq(s.keep_closed_days, 14);
    cr_assert_eq(s.grace_hours, 24);
    cr_assert_eq(s.effective_grace_hours, 24);
    cr_assert_eq(s.training, 0);
    cr_assert_str_eq(s.banner, "");
    cr_assert_eq(nx_hub_emergency_set(T.h, 1, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_settings_get(T.h, &s), 0);
    cr_assert_eq(s.emergency, 1);
    cr_assert_eq(s.effective_grace_hours, 72);
}

Test(hub_store, training_hub_is_marked)
{
    hubt t2;
    hubt_init(&t2, "hub-training", 1);
    nx_hub_settings s;
    cr_assert_eq(nx_hub_settings_get(t2.h, &s), 0);
    cr_assert_eq(s.training, 1);
    hubt_done(&t2);
}

Test(hub_store, devices_register_touch_and_belong_to_one_user)
{
    nx_hub_device d;
    cr_assert_eq(nx_hub_device_get(T.h, "dev1", &d), 0);
    cr_assert_eq(nx_hub_device_touch(T.h, "dev1", "alice", 100), 0);
    cr_assert_eq(nx_hub_device_touch(T.h, "dev1", "alice", 200), 0);
    cr_assert_eq(nx_hub_device_get(T.h, "dev1", &d), 1);
    cr_assert_str_eq(d.user, "alice");
    cr_assert_eq(d.first_seen, 100);
    cr_assert_eq(d.last_seen, 200);
    cr_assert_eq(d.audit_seq, 0);
    /* Another user presenting the same device id changes nothing. */
    cr_assert_eq(nx_hub_device_touch(T.h, "dev1", "mallory", 300), 1);
    cr_assert_eq(nx_hub_device_get(T.h, "dev1", &d), 1);
    cr_assert_str_eq(d.user, "alice");
    cr_assert_eq(d.last_seen, 200);
    unsigned char hash[32];
    memset(hash, 0xab, sizeof hash);
    cr_assert_eq(nx_hub_device_audit_set(T.h, "dev1", 7, hash), 0);
    cr_assert_eq(nx_hub_device_destroyed(T.h, "dev1", 400), 0);
    cr_assert_eq(nx_hub_device_destroyed(T.h, "nodev", 400), -1);
    cr_assert_eq(nx_hub_device_get(T.h, "dev1", &d), 1);
    cr_assert_eq(d.audit_seq, 7);
    cr_assert_eq(memcmp(d.audit_hash, hash, 32), 0);
    cr_assert_eq(d.destroyed_at, 400);
}

/* A scheduling item of the test's patient (not stored). */
static nx_item_rec item_rec(const char *id, const char *assignee, const char *team, int64_t due,
                            int64_t closed)
{
    nx_item_rec r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.kind, sizeof r.kind, "scheduling");
    snprintf(r.client_id, sizeof r.client_id, "cl-test");
    snprintf(r.patient_id, sizeof r.patient_id, "pt-1");
    snprintf(r.status, sizeof r.status, "%s", closed ? "closed" : "new");
    snprintf(r.assignee, sizeof r.assignee, "%s", assignee);
    snprintf(r.team, sizeof r.team, "%s", team);
    r.created = r.updated = 1000;
    r.due = due;
    r.closed = closed;
    return r;
}

/* The hub's one client, cl-test, and its one patient, pt-1 (synthetic). */
static void client_and_patient(void)
{
    hubt_client(&T, "cl-test");
    nx_patient_row p = { .id = "pt-1", .client_id = "cl-test", .family_name = "Synthetic",
                         .given_name = "Sample" };
    cr_assert_eq(nx_store_patient_put(nx_hub_store(T.h), &p), 0);
}

static void put_item(const char *id, const char *team, int64_t due, int64_t closed)
{
    nx_item_rec r = item_rec(id, "", team, due, closed);
    cr_assert_eq(nx_store_item_insert(nx_hub_store(T.h), &r), 0, "%s", nx_hub_errmsg(T.h));
    cr_assert_gt(nx_hub_item_touch(T.h, id), 0);
}

typedef struct {
    char ids[16][64];
    int64_t revs[16];
    int n;
} seen;

static int collect(void *arg, const nx_item_rec *it, int64_t rev, int64_t row)
{
    seen *s = arg;
    cr_assert_gt(row, 0);
    snprintf(s->ids[s->n], 64, "%s", it->id);
    s->revs[s->n++] = rev;
    return 0;
}

static int count_item(void *arg, const nx_item_rec *it, int64_t rev, int64_t row)
{
    (void)it;
    (void)rev;
    cr_assert_gt(row, 0);
    ++*(int *)arg;
    return 0;
}

Test(hub_store, items_since_in_restoration_order_without_the_archive)
{
    client_and_patient();
    int64_t now = 100 * 86400;
    cr_assert_eq(nx_hub_rev(T.h), 0);
    put_item("a-late", "t1", now + 5000, 0);
    put_item("b-nodue", "t1", 0, 0);
    put_item("c-early", "t1", now + 100, 0);
    put_item("d-closed-recent", "t1", 0, now - 86400);
    put_item("e-closed-old", "t1", 0, now - 20 * 86400);
    put_item("f-closed-newer", "t1", 0, now - 3600);
    put_item("g-other-team", "t2", now + 1, 0);
    cr_assert_eq(nx_hub_rev(T.h), 7);
    seen s = { .n = 0 };
    cr_assert_eq(nx_hub_items_since(T.h, 0, now, "t1", collect, &s), 0);
    cr_assert_eq(s.n, 5);
    cr_assert_str_eq(s.ids[0], "c-early");
    cr_assert_str_eq(s.ids[1], "a-late");
    cr_assert_str_eq(s.ids[2], "b-nodue");
    cr_assert_str_eq(s.ids[3], "f-closed-newer");
    cr_assert_str_eq(s.ids[4], "d-closed-recent");
    cr_assert_eq(nx_hub_item_archived(T.h, "e-closed-old", now), 1);
    cr_assert_eq(nx_hub_item_archived(T.h, "d-closed-recent", now), 0);
    /* Since a cursor: only what changed after it. */
    s.n = 0;
    cr_assert_eq(nx_hub_items_since(T.h, 5, now, NULL, collect, &s), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.ids[0], "g-other-team");
    cr_assert_eq(s.revs[0], 7);
    cr_assert_str_eq(s.ids[1], "f-closed-newer");
    /* A touch moves the item past every cursor before it. */
    cr_assert_eq(nx_hub_item_touch(T.h, "a-late"), 8);
    int64_t rev = 0;
    cr_assert_eq(nx_hub_item_rev(T.h, "a-late", &rev), 1);
    cr_assert_eq(rev, 8);
    s.n = 0;
    cr_assert_eq(nx_hub_items_since(T.h, 7, now, NULL, collect, &s), 0);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.ids[0], "a-late");
}

static void put_mine(const char *id, const char *assignee, const char *team, int64_t due)
{
    nx_item_rec r = item_rec(id, assignee, team, due, 0);
    /* the revision first, then the row: the insert trigger fills in
     * the revision's scope */
    cr_assert_gt(nx_hub_item_touch(T.h, id), 0);
    cr_assert_eq(nx_store_item_insert(nx_hub_store(T.h), &r), 0, "%s", nx_hub_errmsg(T.h));
}

static void sql(const char *q)
{
    sqlite3 *db = nx_hub_db(T.h);
    cr_assert_eq(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK, "%s: %s", q, sqlite3_errmsg(db));
}

static long long count(const char *q)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(T.h), q, -1, &st, NULL), SQLITE_OK, "%s", q);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", q);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* What nx_hub_items_changed lists for one scope and device, as one string. */
static void changed(nx_hub_scope_by by, const char *key, const char *device, int64_t since,
                    int64_t now, char *out, size_t outlen)
{
    seen s = { .n = 0 };
    cr_assert_eq(nx_hub_items_changed(T.h, since, now, by, key, device, collect, &s), 0);
    out[0] = '\0';
    for (int i = 0; i < s.n; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s%s", i ? " " : "", s.ids[i]);
}

Test(hub_store, items_changed_are_the_scope_s_and_the_device_s_own)
{
    client_and_patient();
    int64_t now = 100 * 86400;
    put_mine("a-mine", "alice", "t1", now + 300);
    put_mine("b-theirs", "bob", "t1", now + 200);
    put_mine("c-other", "carol", "t2", now + 100);
    put_mine("d-moving", "alice", "t1", now + 400);
    put_mine("e-mine-quiet", "alice", "t1", now + 500);
    /* each revision knows its item's scope, from the row or the trigger */
    cr_assert_eq(count("SELECT count(*) FROM item_rev WHERE assignee = 'alice' AND team = 't1'"),
                 3);
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev-a", "a-mine"), 0);
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev-a", "d-moving"), 0);
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev-a", "e-mine-quiet"), 0);
    int64_t cursor = nx_hub_rev(T.h);

    /* After the cursor: alice's item changes, bob's and carol's too, and
     * d-moving is reassigned to carol in t2 (the update trigger follows). */
    cr_assert_gt(nx_hub_item_touch(T.h, "a-mine"), cursor);
    cr_assert_gt(nx_hub_item_touch(T.h, "b-theirs"), cursor);
    cr_assert_gt(nx_hub_item_touch(T.h, "c-other"), cursor);
    sql("UPDATE items SET assignee = 'carol', team = 't2' WHERE id = 'd-moving'");
    cr_assert_gt(nx_hub_item_touch(T.h, "d-moving"), cursor);
    cr_assert_eq(count("SELECT count(*) FROM item_rev WHERE item_id = 'd-moving'"
                       " AND assignee = 'carol' AND team = 't2'"), 1);

    char got[512];
    /* own scope: alice's change, and the held item that left her (in
     * restoration order: by due time) */
    changed(NX_HUB_BY_ASSIGNEE, "alice", "dev-a", cursor, now, got, sizeof got);
    cr_assert_str_eq(got, "a-mine d-moving");
    /* team scope: t1's changes (bob's too), and the held item gone to t2 */
    changed(NX_HUB_BY_TEAM, "t1", "dev-a", cursor, now, got, sizeof got);
    cr_assert_str_eq(got, "b-theirs a-mine d-moving");
    /* another device of alice's holds nothing: only the scope's */
    changed(NX_HUB_BY_ASSIGNEE, "alice", "dev-a2", cursor, now, got, sizeof got);
    cr_assert_str_eq(got, "a-mine");
    /* nothing since the newest revision */
    changed(NX_HUB_BY_ASSIGNEE, "alice", "dev-a", nx_hub_rev(T.h), now, got, sizeof got);
    cr_assert_str_eq(got, "");

    /* 3 000 changes for someone else (an import): more changes than
     * dev-a holds, so its holdings are walked; dev-z holds 3 100 items,
     * more than the changes, so the changes are. Both give the same
     * answer as with few changes. */
    cr_assert_eq(nx_hub_begin(T.h), 0);
    char id[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "z-%04d", i);
        put_mine(id, "zed", "t3", now + 1000 + i);
        cr_assert_eq(nx_hub_device_item_add(T.h, "dev-z", id), 0);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "y-%04d", i);
        cr_assert_eq(nx_hub_device_item_add(T.h, "dev-z", id), 0);
    }
    cr_assert_eq(nx_hub_commit(T.h), 0);
    changed(NX_HUB_BY_ASSIGNEE, "alice", "dev-a", cursor, now, got, sizeof got);
    cr_assert_str_eq(got, "a-mine d-moving");
    changed(NX_HUB_BY_TEAM, "t1", "dev-a", cursor, now, got, sizeof got);
    cr_assert_str_eq(got, "b-theirs a-mine d-moving");
    /* dev-z (bob's laptop, say) holds the 3 000: they come as held */
    int n = 0;
    cr_assert_eq(nx_hub_items_changed(T.h, cursor, now, NX_HUB_BY_ASSIGNEE, "bob", "dev-z",
                                      count_item, &n), 0);
    cr_assert_eq(n, 3001, "b-theirs and the 3 000 held");
}

static int tick(void *arg)
{
    ++*(long *)arg;
    return 0;
}

/* The SQLite work (virtual machine steps, counted by the progress handler:
 * not a time) of finding a round's changes for one device. */
static long changes_work(const char *device, int64_t since, int64_t now)
{
    long ticks = 0;
    int n = 0;
    sqlite3_progress_handler(nx_hub_db(T.h), 64, tick, &ticks);
    int rc = nx_hub_items_changed(T.h, since, now, NX_HUB_BY_ASSIGNEE, "nobody", device,
                                  count_item, &n);
    sqlite3_progress_handler(nx_hub_db(T.h), 0, NULL, NULL);
    cr_assert_eq(rc, 0);
    return ticks;
}

/* 3 000 changes since the cursor, for a laptop holding 6 000 items and one
 * holding 66 000: finding its changes costs the big one about what it
 * costs the small one. Deciding which side to walk counts each side only
 * up to a bound a few times the smaller one's; counting the holdings
 * whole made it 5x here (9 366 ticks against 1 865). */
Test(hub_store, finding_a_round_s_changes_grows_with_the_changes_not_the_holdings)
{
    int64_t cursor = nx_hub_rev(T.h) + 1;   /* (a cursor is never 0) */
    int64_t now = 100 * 86400;
    char q[512];
    snprintf(q, sizeof q, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
             "WHERE i < 3000) INSERT INTO item_rev(item_id, rev, assignee, team) "
             "SELECT printf('w-%%05d', i), %lld + i, 'walt', 't9' FROM n", (long long)cursor);
    sql("BEGIN");
    sql(q);
    sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 66000)"
        " INSERT INTO device_items(device, item_id) SELECT 'dev-big', printf('h-%06d', i) FROM n;"
        "INSERT INTO device_items(device, item_id) SELECT 'dev-small', item_id FROM device_items"
        "  WHERE device = 'dev-big' AND item_id < 'h-006001';");
    sql("COMMIT");
    cr_assert_eq(count("SELECT count(*) FROM device_items WHERE device = 'dev-small'"), 6000);
    long small = changes_work("dev-small", cursor, now);
    long big = changes_work("dev-big", cursor, now);
    cr_assert_gt(small, 0);
    cr_assert_leq(big, small + small / 5, "66 000 held: %ld ticks, 6 000 held: %ld", big, small);
}

static int collect_id(void *arg, const char *id)
{
    seen *s = arg;
    snprintf(s->ids[s->n++], 64, "%s", id);
    return 0;
}

Test(hub_store, device_items_and_the_ones_to_drop)
{
    client_and_patient();
    int64_t now = 100 * 86400;
    put_item("open1", "t1", 0, 0);
    put_item("old1", "t1", 0, now - 30 * 86400);
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev1", "open1"), 0);
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev1", "open1"), 0);   /* idempotent */
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev1", "old1"), 0);
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev1", "gone1"), 0);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev1", "open1"), 1);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev2", "open1"), 0);
    seen s = { .n = 0 };
    cr_assert_eq(nx_hub_device_items_expired(T.h, "dev1", now, collect_id, &s), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.ids[0], "gone1");
    cr_assert_str_eq(s.ids[1], "old1");
    cr_assert_eq(nx_hub_device_item_forget(T.h, "dev1", "gone1"), 0);
    s.n = 0;
    cr_assert_eq(nx_hub_device_items_each(T.h, "dev1", collect_id, &s), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.ids[0], "old1");
    cr_assert_str_eq(s.ids[1], "open1");
}

static int count_cb(void *arg, const char *id)
{
    (void)id;
    ++*(int *)arg;
    return 0;
}

Test(hub_store, many_device_items_go_in_whole_statements_and_the_rest_one_by_one)
{
    /* 150 = two statements of 64 rows and 22 single ones; one id twice
     * and one the device held already: each is held once */
    char ids[150][16];
    const char *p[150];
    for (int i = 0; i < 150; i++) {
        snprintf(ids[i], sizeof ids[i], "it-%03d", i == 149 ? 3 : i);
        p[i] = ids[i];
    }
    cr_assert_eq(nx_hub_device_item_add(T.h, "dev1", "it-100"), 0);
    cr_assert_eq(nx_hub_device_items_add(T.h, "dev1", p, 150), 0);
    int n = 0;
    cr_assert_eq(nx_hub_device_items_each(T.h, "dev1", count_cb, &n), 0);
    cr_assert_eq(n, 149);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev1", "it-000"), 1);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev1", "it-063"), 1);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev1", "it-064"), 1);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev1", "it-148"), 1);
    cr_assert_eq(nx_hub_device_item_has(T.h, "dev2", "it-000"), 0);
    cr_assert_eq(nx_hub_device_items_add(T.h, "dev2", p, 0), 0);
}

Test(hub_store, ops_are_deduplicated_with_their_outcome)
{
    char outcome[32], reason[128];
    cr_assert_eq(nx_hub_op_seen(T.h, "op-1", outcome, sizeof outcome, reason, sizeof reason), 0);
    nx_hub_op_rec r = { .op_id = "op-1", .device = "dev1", .user = "alice", .hlc = 123456789,
                        .kind = "set", .item = "it1", .field = "visit_type", .value = "x",
                        .received = 5, .outcome = "rejected", .reason = "role may not" };
    cr_assert_eq(nx_hub_op_record(T.h, &r), 0);
    cr_assert_eq(nx_hub_op_record(T.h, &r), -1);
    cr_assert_eq(nx_hub_op_seen(T.h, "op-1", outcome, sizeof outcome, reason, sizeof reason), 1);
    cr_assert_str_eq(outcome, "rejected");
    cr_assert_str_eq(reason, "role may not");
}

Test(hub_store, field_clocks)
{
    nx_hlc hlc = 0;
    char op[40];
    cr_assert_eq(nx_hub_field_clock_get(T.h, "it1", "f", &hlc, op, sizeof op), 0);
    cr_assert_eq(nx_hub_field_clock_set(T.h, "it1", "f", NX_HLC_MAKE(1700000000000LL, 3), "op-a"), 0);
    cr_assert_eq(nx_hub_field_clock_set(T.h, "it1", "f", NX_HLC_MAKE(1700000000001LL, 0), "op-b"), 0);
    cr_assert_eq(nx_hub_field_clock_get(T.h, "it1", "f", &hlc, op, sizeof op), 1);
    cr_assert_eq(hlc, NX_HLC_MAKE(1700000000001LL, 0));
    cr_assert_str_eq(op, "op-b");
}

static int count_conflicts(void *arg, const nx_hub_conflict *c)
{
    (void)c;
    (*(int *)arg)++;
    return 0;
}

Test(hub_store, conflicts_open_and_resolve_once)
{
    int64_t id1 = 0, id2 = 0;
    cr_assert_eq(nx_hub_conflict_add(T.h, "field", "it1", "visit_type", "op-1", "lost value",
                                     "lost by HLC", 10, &id1), 0);
    cr_assert_eq(nx_hub_conflict_add(T.h, "status", "it1", "", "op-2", "approved",
                                     "expected submitted, hub has pending", 11, &id2), 0);
    cr_assert_eq(nx_hub_conflict_add(T.h, "other", "it1", "", "", "", "", 1, NULL), -1);
    nx_hub_conflict c;
    cr_assert_eq(nx_hub_conflict_get(T.h, id1, &c), 1);
    cr_assert_str_eq(c.kind, "field");
    cr_assert_str_eq(c.value, "lost value");
    cr_assert_str_eq(c.state, "open");
    nx_hub_conflict_clear(&c);
    int n = 0;
    cr_assert_eq(nx_hub_conflicts_each(T.h, "open", NULL, count_conflicts, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(nx_hub_conflict_resolve(T.h, id2, "applied", "sue", 20), 0);
    cr_assert_eq(nx_hub_conflict_resolve(T.h, id2, "discarded", "sue", 21), 1);
    cr_assert_eq(nx_hub_conflict_resolve(T.h, 999, "applied", "sue", 21), 1);
    cr_assert_eq(nx_hub_conflict_get(T.h, id2, &c), 1);
    cr_assert_str_eq(c.state, "applied");
    cr_assert_str_eq(c.resolved_by, "sue");
    cr_assert_eq(c.resolved_at, 20);
    nx_hub_conflict_clear(&c);
    n = 0;
    cr_assert_eq(nx_hub_conflicts_each(T.h, "open", "it1", count_conflicts, &n), 0);
    cr_assert_eq(n, 1);
}

Test(hub_store, device_audit_events_stored_once)
{
    unsigned char prev[32] = { 0 }, hash[32];
    memset(hash, 1, sizeof hash);
    nx_hub_dev_event e = { .seq = 1, .at = 50, .device = "dev1", .user = "alice",
                           .role = "scheduling", .action = "login", .outcome = "ok",
                           .prev_hash = prev, .hash = hash };
    cr_assert_eq(nx_hub_dev_event_add(T.h, &e), 0);
    cr_assert_eq(nx_hub_dev_event_add(T.h, &e), 1);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(T.h), "SELECT count(*) FROM device_audit", -1,
                                    &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
}
