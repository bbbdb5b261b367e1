/* hub/store — the hub context: the central store opened through the
 * encrypting VFS with the hub key, the hub's schema migrations on top of
 * the client's, transactions, cached statements and settings. The other
 * hub/store_*.c files hold the typed queries (hub.h). */
#include "hub/store_int.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The hub's tables, applied after the client's migrations; meta
 * 'hub_schema' records how many. Never edit a released one: add. */
static const char *const hub_migrations[] = {
    /* 1: users bound to keys, devices seen, revisions for pull cursors,
     * received ops (dedupe), field clocks (last writer wins), conflicts,
     * what each device holds, the devices' audit events. */
    "CREATE TABLE users("
    "  name TEXT PRIMARY KEY, role TEXT NOT NULL, team TEXT NOT NULL,"
    "  pubkey TEXT NOT NULL, created INTEGER NOT NULL, revoked_at INTEGER"
    ") WITHOUT ROWID;"
    "CREATE UNIQUE INDEX users_pubkey ON users(pubkey);"
    "CREATE TABLE devices("
    "  id TEXT PRIMARY KEY, user TEXT NOT NULL, first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL, audit_seq INTEGER NOT NULL DEFAULT 0,"
    "  audit_hash BLOB, revoked_at INTEGER, destroyed_at INTEGER"
    ") WITHOUT ROWID;"
    "CREATE INDEX devices_user ON devices(user, id);"
    "CREATE TABLE hub_counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO hub_counter(name, value) VALUES('rev', 0);"
    "CREATE TABLE item_rev(item_id TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX item_rev_rev ON item_rev(rev);"
    "CREATE TABLE ops("
    "  op_id TEXT PRIMARY KEY, device TEXT NOT NULL, user TEXT NOT NULL,"
    "  hlc INTEGER NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL,"
    "  field TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '',"
    "  expect TEXT NOT NULL DEFAULT '', received INTEGER NOT NULL,"
    "  outcome TEXT NOT NULL, reason TEXT NOT NULL DEFAULT ''"
    ") WITHOUT ROWID;"
    "CREATE INDEX ops_item ON ops(item, hlc);"
    "CREATE TABLE field_clock("
    "  item_id TEXT NOT NULL, field TEXT NOT NULL, hlc INTEGER NOT NULL,"
    "  op_id TEXT NOT NULL, PRIMARY KEY(item_id, field)"
    ") WITHOUT ROWID;"
    "CREATE TABLE conflicts("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL,"
    "  field TEXT NOT NULL DEFAULT '', op_id TEXT NOT NULL DEFAULT '',"
    "  value TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',"
    "  at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'open',"
    "  resolved_by TEXT NOT NULL DEFAULT '', resolved_at INTEGER"
    ");"
    "CREATE INDEX conflicts_state ON conflicts(state, id);"
    "CREATE INDEX conflicts_item ON conflicts(item, id);"
    "CREATE TABLE device_items("
    "  device TEXT NOT NULL, item_id TEXT NOT NULL, PRIMARY KEY(device, item_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE device_audit("
    "  device TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  user TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,"
    "  item TEXT NOT NULL DEFAULT '', field TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL, PRIMARY KEY(device, seq)"
    ") WITHOUT ROWID;"
    "CREATE INDEX device_audit_user ON device_audit(user, at);"
    "CREATE INDEX device_audit_item ON device_audit(item, at);",
    /* 2: a hub-wide sequence over every device's audit events (hub_seq:
     * increasing in the order the hub stored them, never reused; the
     * counter 'audit' in hub_counter holds the last one), so the oversight
     * roles pull them from a cursor (hub/pull_audit.c). Events already
     * held are numbered by time, then device and seq. */
    "ALTER TABLE device_audit ADD COLUMN hub_seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE device_audit SET hub_seq = n.r FROM ("
    "  SELECT device, seq, row_number() OVER (ORDER BY at, device, seq) AS r"
    "  FROM device_audit) AS n"
    " WHERE n.device = device_audit.device AND n.seq = device_audit.seq;"
    "CREATE UNIQUE INDEX device_audit_hub_seq ON device_audit(hub_seq);"
    "INSERT INTO hub_counter(name, value)"
    " SELECT 'audit', coalesce(max(hub_seq), 0) FROM device_audit;",
    /* 3: the QA sampling seeds (hub/qa.c): 32 random bytes per (rule,
     * period), drawn on first use and never changed, so an auditor can
     * re-derive a sample (core/domain/qa.h). */
    "CREATE TABLE IF NOT EXISTS qa_seeds("
    "  rule TEXT NOT NULL, period TEXT NOT NULL, seed BLOB NOT NULL,"
    "  created INTEGER NOT NULL, PRIMARY KEY(rule, period)"
    ") WITHOUT ROWID;",
    /* 4: oversight records (core/domain/record.h; hub/store_record.c). The
     * table is the laptop's (the hub's store runs the cache's migrations
     * too: migration 9); the hub adds the revision of each record's last
     * change on the shared 'rev' counter (one pull cursor covers items and
     * records). op_id is the op that last wrote it ("" = the hub's own),
     * for last writer by (hlc, op id). */
    ("ALTER TABLE records ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;"
     "CREATE INDEX records_rev ON records(rev);"),
    /* 5: the accounting entries written before they went out as records
     * of kind "disclosure" (hub/disclosure_record.c), for the privacy
     * officer's laptop: one record each, numbered on the 'rev' counter. */
    "INSERT INTO records(id, kind, item_id, team, author, owner, status, due, created,"
    " updated, hlc, body, op_id, rev)"
    " SELECT 'disc-' || d.id, 'disclosure', d.item_id, coalesce(i.team, ''), d.user, '',"
    "  'recorded', 0, d.at, d.at, 0,"
    "  json_object('description', d.description, 'patient_id', d.patient_id,"
    "   'purpose', d.purpose, 'recipient_address', d.recipient_address,"
    "   'recipient_name', d.recipient_name), '',"
    "  (SELECT value FROM hub_counter WHERE name = 'rev') + row_number() OVER (ORDER BY d.id)"
    " FROM disclosures AS d LEFT JOIN items AS i ON i.id = d.item_id"
    " WHERE NOT EXISTS (SELECT 1 FROM records WHERE id = 'disc-' || d.id);"
    "UPDATE hub_counter SET value = max(value, (SELECT coalesce(max(rev), 0) FROM records))"
    " WHERE name = 'rev';",
    /* 6: the open items in restoration order (due_key, then id), with what
     * a pull decides by, so that a first pull walks one index instead of
     * sorting the whole firm's items while the laptop waits
     * (nx_hub_items_since). */
    "CREATE INDEX IF NOT EXISTS hub_items_open"
    " ON items(due_key, id, kind, client_id, status, assignee, team) WHERE closed IS NULL;",
    /* 7: what `serve` made at its first session on a store (serve_db.c,
     * IF NOT EXISTS: a store served before has them): the op of each note
     * (serve_note_ops), the revision of each field a device last wrote
     * (serve_field_rev), and items by closing time (which held items
     * crossed into the archive since a device's last pull). Made at the
     * first serve, the index's scan of every item fell on the first
     * laptop's first sync. */
    "CREATE TABLE IF NOT EXISTS serve_note_ops("
    "  note_id INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS serve_field_rev("
    "  key TEXT NOT NULL, field TEXT NOT NULL, rev INTEGER NOT NULL,"
    "  device TEXT NOT NULL, PRIMARY KEY(key, field)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS serve_items_closed ON items(closed) WHERE closed IS NOT NULL;",
    /* 8: each revision with the item's assignee and team, so that a pull
     * finds the changes in one user's scope by index (nx_hub_items_changed)
     * instead of reading every change since its cursor: after an import of
     * 1 000 000 items for others, each laptop's next round made the hub
     * join and sort all of them (9-10 s of CPU) to keep its few. Kept by
     * nx_hub_item_rev_set and, for an item whose assignee or team changes
     * (or that is inserted) after its revision was set, by these
     * triggers. */
    "ALTER TABLE item_rev ADD COLUMN assignee TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE item_rev ADD COLUMN team TEXT NOT NULL DEFAULT '';"
    "UPDATE item_rev SET assignee = i.assignee, team = i.team"
    "  FROM items AS i WHERE i.id = item_rev.item_id;"
    "CREATE INDEX item_rev_assignee ON item_rev(assignee, rev);"
    "CREATE INDEX item_rev_team ON item_rev(team, rev);"
    "CREATE TRIGGER hub_item_rev_scope_insert AFTER INSERT ON items BEGIN"
    "  UPDATE item_rev SET assignee = new.assignee, team = new.team WHERE item_id = new.id;"
    "END;"
    "CREATE TRIGGER hub_item_rev_scope AFTER UPDATE OF assignee, team ON items"
    "  WHEN old.assignee IS NOT new.assignee OR old.team IS NOT new.team BEGIN"
    "  UPDATE item_rev SET assignee = new.assignee, team = new.team WHERE item_id = new.id;"
    "END;",
};
#define N_HUB_MIGRATIONS ((int)(sizeof hub_migrations / sizeof hub_migrations[0]))

static int hub_migrate(nx_hub *h, char *err, size_t errlen)
{
    char v[32];
    int found = nx_store_meta_get(h->store, "hub_schema", v, sizeof v);
    if (found < 0)
        return nx_err(err, errlen, "cannot read the hub schema version: %s", nx_hub_errmsg(h));
    int have = found ? atoi(v) : 0;
    if (have > N_HUB_MIGRATIONS)
        return nx_err(err, errlen, "the store's hub schema (%d) is newer than this nexus-hub (%d)",
                      have, N_HUB_MIGRATIONS);
    for (int i = have; i < N_HUB_MIGRATIONS; i++) {
        char *msg = NULL;
        if (nx_hub_begin(h) != 0)
            return nx_err(err, errlen, "hub migration %d: %s", i + 1, nx_hub_errmsg(h));
        if (sqlite3_exec(nx_hub_db(h), hub_migrations[i], NULL, NULL, &msg) != SQLITE_OK) {
            nx_err(err, errlen, "hub migration %d: %s", i + 1, msg ? msg : nx_hub_errmsg(h));
            sqlite3_free(msg);
            nx_hub_rollback(h);
            return -1;
        }
        snprintf(v, sizeof v, "%d", i + 1);
        if (nx_store_meta_set(h->store, "hub_schema", v) != 0 || nx_hub_commit(h) != 0) {
            nx_err(err, errlen, "hub migration %d: %s", i + 1, nx_hub_errmsg(h));
            nx_hub_rollback(h);
            return -1;
        }
    }
    return 0;
}

static void admin_name(char *out, size_t outlen)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res && nx_hub_name_ok(res->pw_name))
        snprintf(out, outlen, "%s", res->pw_name);
    else
        snprintf(out, outlen, "uid-%lu", (unsigned long)geteuid());
}

/* Absolute form of path: realpath when it exists, else cwd-joined. */
static int absolute(const char *path, char *out, size_t outlen)
{
    char buf[PATH_MAX];
    if (realpath(path, buf)) {
        if (strlen(buf) >= outlen)
            return -1;
        snprintf(out, outlen, "%s", buf);
        return 0;
    }
    if (path[0] == '/') {
        if (strlen(path) >= outlen)
            return -1;
        snprintf(out, outlen, "%s", path);
        return 0;
    }
    if (!getcwd(buf, sizeof buf))
        return -1;
    return nx_path_join(out, outlen, buf, path);
}

static int hub_connect(nx_hub *h, int create, char *err, size_t errlen)
{
    nx_secret vk = { 0 };
    if (nx_hub_subkey(&h->key, NX_HUB_SUBKEY_VFS, &vk) != 0)
        return nx_err(err, errlen, "out of secure memory");
    h->vfs = nx_cryptvfs_new(vk.bytes, NULL, err, errlen);
    nx_secret_free(&vk);
    if (!h->vfs)
        return -1;
    char db[NX_HUB_PATH_MAX + 16];
    if (nx_path_join(db, sizeof db, h->dir, NX_HUB_DB_NAME))
        return nx_err(err, errlen, "%s: path too long", h->dir);
    char e2[NX_HUB_ERR_MAX];
    if (nx_store_open(db, h->vfs, create ? NX_STORE_CREATE : NX_STORE_OPEN_EXISTING,
                      &h->store, e2, sizeof e2) != 0) {
        /* The store's messages speak of "cache" and 'nexus init'. */
        struct stat st;
        if (!create && stat(db, &st) != 0)
            return nx_err(err, errlen, "%s: no hub store here (run 'nexus-hub init --store %s')",
                          h->dir, h->dir);
        if (strstr(e2, "integrity") || strstr(e2, "not a database") || strstr(e2, "NOTADB"))
            return nx_err(err, errlen, "%s: cannot open the hub store: wrong key file, or the "
                          "store was altered (%s)", h->dir, e2);
        return nx_err(err, errlen, "%s: cannot open the hub store: %s", h->dir, e2);
    }
    if (create)
        (void)chmod(db, 0600);   /* SQLite creates it by the umask */
    h->audit.key.bytes = NULL;
    snprintf(h->audit.device, sizeof h->audit.device, "%s", NX_HUB_DEVICE);
    snprintf(h->audit.user, sizeof h->audit.user, "%s", h->admin);
    snprintf(h->audit.role, sizeof h->audit.role, "%s", NX_HUB_ADMIN_ROLE);
    if (nx_hub_subkey(&h->key, NX_HUB_SUBKEY_AUDIT, &h->audit.key) != 0)
        return nx_err(err, errlen, "out of secure memory");
    return hub_migrate(h, err, errlen);
}

static nx_hub *hub_new(const char *dir, const char *key_file, char *err, size_t errlen)
{
    nx_hub *h = calloc(1, sizeof *h);
    if (!h) {
        nx_err(err, errlen, "out of memory");
        return NULL;
    }
    char kp[NX_HUB_PATH_MAX];
    if (!dir || !*dir || nx_hub_key_path(dir, key_file, kp, sizeof kp) != 0 ||
        absolute(dir, h->dir, sizeof h->dir) != 0 ||
        absolute(kp, h->key_file, sizeof h->key_file) != 0) {
        nx_err(err, errlen, "%s: not a usable store directory or key file path", dir ? dir : "");
        free(h);
        return NULL;
    }
    h->key_file_explicit = key_file != NULL;
    admin_name(h->admin, sizeof h->admin);
    return h;
}

int nx_hub_open(const char *dir, const char *key_file, nx_hub **out, char *err, size_t errlen)
{
    *out = NULL;
    (void)nx_crypt_init();
    nx_hub *h = hub_new(dir, key_file, err, errlen);
    if (!h)
        return -1;
    struct stat st;
    if (stat(h->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        nx_err(err, errlen, "%s: no hub store here (run 'nexus-hub init --store %s')", dir, dir);
        nx_hub_close(h);
        return -1;
    }
    if (nx_hub_key_read(h->key_file, &h->key, err, errlen) != 0 ||
        hub_connect(h, 0, err, errlen) != 0) {
        nx_hub_close(h);
        return -1;
    }
    *out = h;
    return 0;
}

int nx_hub_init(const char *dir, const char *key_file, int training, char *err, size_t errlen)
{
    (void)nx_crypt_init();
    nx_hub *h = hub_new(dir, key_file, err, errlen);
    if (!h)
        return -1;
    char db[NX_HUB_PATH_MAX + 16];
    struct stat st;
    int rc = -1, made_key = 0;
    if (nx_path_join(db, sizeof db, h->dir, NX_HUB_DB_NAME) != 0)
        nx_err(err, errlen, "%s: path too long", dir);
    else if (stat(db, &st) == 0)
        nx_err(err, errlen, "%s: a hub store already exists", dir);
    else if (nx_mkdir_p(h->dir, err, errlen) != 0)
        ;
    else if (nx_hub_key_create(h->key_file, &h->key, err, errlen) != 0)
        ;
    else if ((made_key = 1, hub_connect(h, 1, err, errlen)) != 0)
        ;
    else {
        char e2[NX_HUB_ERR_MAX];
        nx_hub_event ev = { .action = NX_HUB_ACT_INIT,
                            .reason = training ? "training hub" : "production hub" };
        if (nx_hub_begin(h) != 0)
            nx_err(err, errlen, "cannot start a transaction: %s", nx_hub_errmsg(h));
        else if (nx_hub_setting_set(h, "training", training ? "1" : "0") ||
                 nx_hub_setting_set(h, "emergency", "0") || nx_hub_setting_set(h, "banner", "") ||
                 nx_hub_setting_set(h, "keep_closed_days", "14") ||
                 nx_hub_setting_set(h, "grace_hours", "24")) {
            nx_err(err, errlen, "cannot write the settings: %s", nx_hub_errmsg(h));
            nx_hub_rollback(h);
        } else if (nx_hub_audit(h, &ev, e2, sizeof e2) != 0) {
            nx_err(err, errlen, "%s", e2);
            nx_hub_rollback(h);
        } else if (nx_hub_commit(h) != 0) {
            nx_err(err, errlen, "cannot commit: %s", nx_hub_errmsg(h));
            nx_hub_rollback(h);
        } else
            rc = 0;
    }
    nx_hub_close(h);
    if (rc != 0 && made_key) {
        /* Leave nothing half made: the next init must be able to run. */
        unlink(db);
        char j[sizeof db + 16];
        snprintf(j, sizeof j, "%s-journal", db);
        unlink(j);
        char kp[NX_HUB_PATH_MAX];
        if (nx_hub_key_path(dir, key_file, kp, sizeof kp) == 0)
            unlink(kp);
    }
    return rc;
}

void nx_hub_close(nx_hub *h)
{
    if (!h)
        return;
    for (int i = 0; i < NX_HUB_STMT_CACHE; i++)
        if (h->stmts[i].st)
            sqlite3_finalize(h->stmts[i].st);
    nx_store_close(h->store);
    if (h->vfs)
        nx_cryptvfs_free(h->vfs);
    nx_secret_free(&h->audit.key);
    nx_secret_free(&h->key);
    sodium_memzero(h, sizeof *h);
    free(h);
}

nx_store *nx_hub_store(nx_hub *h) { return h->store; }
sqlite3 *nx_hub_db(nx_hub *h) { return nx_store_db(h->store); }
const char *nx_hub_dir(const nx_hub *h) { return h->dir; }
const char *nx_hub_key_file(const nx_hub *h) { return h->key_file; }
const char *nx_hub_admin(const nx_hub *h) { return h->admin; }
const char *nx_hub_errmsg(nx_hub *h) { return h->store ? nx_store_errmsg(h->store) : "no store"; }

/* ---- statements ------------------------------------------------------------------ */

sqlite3_stmt *nx_hub_stmt(nx_hub *h, const char *sql)
{
    int i;
    for (i = 0; i < NX_HUB_STMT_CACHE && h->stmts[i].sql; i++)
        if (h->stmts[i].sql == sql) {
            sqlite3_reset(h->stmts[i].st);
            sqlite3_clear_bindings(h->stmts[i].st);
            return h->stmts[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(nx_hub_db(h), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    if (i == NX_HUB_STMT_CACHE) {
        sqlite3_finalize(st);   /* cache full: raise NX_HUB_STMT_CACHE */
        return NULL;
    }
    h->stmts[i].sql = sql;
    h->stmts[i].st = st;
    return st;
}

int nx_hub_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

void nx_hub_col(char *out, size_t outlen, sqlite3_stmt *st, int col)
{
    /* (util's bounded copy, not snprintf: a pull copies six columns of
     * each of 100 000 items) */
    nx_strcut(out, outlen, (const char *)sqlite3_column_text(st, col));
}

void nx_hub_bind(sqlite3_stmt *st, int idx, const char *s)
{
    sqlite3_bind_text(st, idx, s ? s : "", -1, SQLITE_TRANSIENT);
}

/* ---- transactions ---------------------------------------------------------------- */

int nx_hub_begin(nx_hub *h)
{
    return sqlite3_exec(nx_hub_db(h), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int nx_hub_commit(nx_hub *h)
{
    return sqlite3_exec(nx_hub_db(h), "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void nx_hub_rollback(nx_hub *h)
{
    if (!sqlite3_get_autocommit(nx_hub_db(h)))
        (void)sqlite3_exec(nx_hub_db(h), "ROLLBACK", NULL, NULL, NULL);
}

/* 512 MiB at most, allocated only as pages are used. */
#define BULK_CACHE_KIB 524288

int nx_hub_bulk_begin(nx_hub *h)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", BULK_CACHE_KIB);
    if (sqlite3_exec(nx_hub_db(h), sql, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return nx_hub_begin(h);
}

void nx_hub_bulk_end(nx_hub *h)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", NX_STORE_CACHE_SIZE);
    (void)sqlite3_exec(nx_hub_db(h), sql, NULL, NULL, NULL);
}

/* ---- settings -------------------------------------------------------------------- */

int nx_hub_setting_set(nx_hub *h, const char *key, const char *value)
{
    return nx_store_meta_set(h->store, key, value);
}

static int setting_int(nx_hub *h, const char *key, int def)
{
    char v[32];
    if (nx_store_meta_get(h->store, key, v, sizeof v) != 1 || !*v)
        return def;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return (*end || n < 0 || n > 100000) ? def : (int)n;
}

int nx_hub_settings_get(nx_hub *h, nx_hub_settings *out)
{
    memset(out, 0, sizeof *out);
    if (nx_store_meta_get(h->store, "banner", out->banner, sizeof out->banner) < 0)
        return -1;
    out->emergency = setting_int(h, "emergency", 0) != 0;
    out->training = setting_int(h, "training", 0) != 0;
    out->keep_closed_days = setting_int(h, "keep_closed_days", NX_HUB_KEEP_CLOSED_DAYS);
    out->grace_hours = setting_int(h, "grace_hours", NX_HUB_GRACE_HOURS);
    out->effective_grace_hours = out->emergency ? NX_HUB_GRACE_HOURS_EMERGENCY : out->grace_hours;
    return 0;
}
