/* hub/store_users — users (the name sshd's forced command passes, bound to
 * one key) and the devices they sync from: the rows serve.c checks before
 * anything else in a session (revoked? which role and team?). */
#include "hub/store_int.h"
#include "util/util.h"

#include <string.h>

int nx_hub_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= NX_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-' && c != ':')))
            return 0;
    }
    return 1;
}

static void read_user(sqlite3_stmt *st, nx_hub_user *u)
{
    memset(u, 0, sizeof *u);
    nx_hub_col(u->name, sizeof u->name, st, 0);
    nx_hub_col(u->role, sizeof u->role, st, 1);
    nx_hub_col(u->team, sizeof u->team, st, 2);
    nx_hub_col(u->pubkey, sizeof u->pubkey, st, 3);
    u->created = sqlite3_column_int64(st, 4);
    u->revoked_at = sqlite3_column_int64(st, 5);
}

#define USER_COLS "name, role, team, pubkey, created, coalesce(revoked_at, 0)"

int nx_hub_user_get(nx_hub *h, const char *name, nx_hub_user *out)
{
    static const char sql[] = "SELECT " USER_COLS " FROM users WHERE name = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_user(st, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_users_each(nx_hub *h, nx_hub_user_cb cb, void *arg)
{
    static const char sql[] = "SELECT " USER_COLS " FROM users ORDER BY name";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    int rc, stop = 0;
    nx_hub_user u;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_user(st, &u);
        stop = cb(arg, &u);
    }
    sqlite3_reset(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_user_insert(nx_hub *h, const nx_hub_user *u)
{
    static const char sql[] =
        "INSERT INTO users(name, role, team, pubkey, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, u->name);
    nx_hub_bind(st, 2, u->role);
    nx_hub_bind(st, 3, u->team);
    nx_hub_bind(st, 4, u->pubkey);
    sqlite3_bind_int64(st, 5, u->created);
    return nx_hub_step_done(st);
}

int nx_hub_user_set_revoked(nx_hub *h, const char *name, int64_t at)
{
    static const char sql[] =
        "UPDATE users SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, name);
    sqlite3_bind_int64(st, 2, at);
    if (nx_hub_step_done(st) != 0)
        return -1;
    return sqlite3_changes(nx_hub_db(h)) == 1 ? 0 : 1;
}

/* ---- devices ------------------------------------------------------------------- */

#define DEVICE_COLS "id, user, first_seen, last_seen, coalesce(revoked_at, 0), " \
                    "coalesce(destroyed_at, 0), audit_seq, audit_hash"

static void read_device(sqlite3_stmt *st, nx_hub_device *d)
{
    memset(d, 0, sizeof *d);
    nx_hub_col(d->id, sizeof d->id, st, 0);
    nx_hub_col(d->user, sizeof d->user, st, 1);
    d->first_seen = sqlite3_column_int64(st, 2);
    d->last_seen = sqlite3_column_int64(st, 3);
    d->revoked_at = sqlite3_column_int64(st, 4);
    d->destroyed_at = sqlite3_column_int64(st, 5);
    d->audit_seq = (uint64_t)sqlite3_column_int64(st, 6);
    if (sqlite3_column_bytes(st, 7) == NX_AUDIT_HASH_BYTES)
        memcpy(d->audit_hash, sqlite3_column_blob(st, 7), NX_AUDIT_HASH_BYTES);
}

int nx_hub_device_get(nx_hub *h, const char *id, nx_hub_device *out)
{
    static const char sql[] = "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_device(st, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_devices_each(nx_hub *h, const char *user, nx_hub_device_cb cb, void *arg)
{
    static const char sql[] = "SELECT " DEVICE_COLS " FROM devices "
                              "WHERE ?1 IS NULL OR user = ?1 ORDER BY id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    if (user)
        nx_hub_bind(st, 1, user);
    int rc, stop = 0;
    nx_hub_device d;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_device(st, &d);
        stop = cb(arg, &d);
    }
    sqlite3_reset(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_device_touch(nx_hub *h, const char *id, const char *user, int64_t now)
{
    static const char sql[] =
        "INSERT INTO devices(id, user, first_seen, last_seen) VALUES(?1, ?2, ?3, ?3) "
        "ON CONFLICT(id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen) "
        "WHERE user = excluded.user";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    nx_hub_bind(st, 2, user);
    sqlite3_bind_int64(st, 3, now);
    if (nx_hub_step_done(st) != 0)
        return -1;
    return sqlite3_changes(nx_hub_db(h)) == 1 ? 0 : 1;
}

int nx_hub_device_audit_set(nx_hub *h, const char *id, uint64_t seq,
                            const unsigned char hash[NX_AUDIT_HASH_BYTES])
{
    static const char sql[] = "UPDATE devices SET audit_seq = ?2, audit_hash = ?3 WHERE id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    sqlite3_bind_int64(st, 2, (int64_t)seq);
    sqlite3_bind_blob(st, 3, hash, NX_AUDIT_HASH_BYTES, SQLITE_TRANSIENT);
    if (nx_hub_step_done(st) != 0)
        return -1;
    return sqlite3_changes(nx_hub_db(h)) == 1 ? 0 : -1;
}

int nx_hub_device_destroyed(nx_hub *h, const char *id, int64_t at)
{
    static const char sql[] = "UPDATE devices SET destroyed_at = ?2 WHERE id = ?1";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    if (nx_hub_step_done(st) != 0)
        return -1;
    return sqlite3_changes(nx_hub_db(h)) == 1 ? 0 : -1;
}

int nx_hub_device_set_revoked(nx_hub *h, const char *id, int64_t at)
{
    static const char sql[] =
        "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    if (nx_hub_step_done(st) != 0)
        return -1;
    return sqlite3_changes(nx_hub_db(h)) == 1 ? 0 : 1;
}
