/* The outbox, refused ops, notes' op ids, the sync state in meta and the
 * audit rows still to push (sync_store.h). Applying pulled rows is in
 * sync_store_apply.c. */
#include "store/sync_store.h"
#include "store/conflict_store.h"
#include "store/record_store.h"
#include "store/store_int.h"
#include "sync/hlc.h"
#include "util/uuid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void bind_str(sqlite3_stmt *st, int pos, const char *v)
{
    sqlite3_bind_text(st, pos, v ? v : "", -1, SQLITE_STATIC);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* ---- meta as numbers ------------------------------------------------------------ */

static int meta_u64(nx_store *s, const char *key, uint64_t *v)
{
    char buf[32];
    int r = nx_store_meta_get(s, key, buf, sizeof buf);
    *v = r == 1 ? strtoull(buf, NULL, 10) : 0;
    return r < 0 ? -1 : 0;
}

static int meta_i64(nx_store *s, const char *key, int64_t *v)
{
    char buf[32];
    int r = nx_store_meta_get(s, key, buf, sizeof buf);
    *v = r == 1 ? strtoll(buf, NULL, 10) : 0;
    return r < 0 ? -1 : 0;
}

static int meta_str(nx_store *s, const char *key, char *out, size_t len)
{
    int r = nx_store_meta_get(s, key, out, len);
    if (r != 1)
        out[0] = '\0';
    return r < 0 ? -1 : 0;
}

static int put_u64(nx_store *s, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return nx_store_meta_set(s, key, buf);
}

static int put_i64(nx_store *s, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return nx_store_meta_set(s, key, buf);
}

int nx_sync_hlc_get(nx_store *s, uint64_t *h)
{
    return meta_u64(s, "sync.hlc", h);
}

int nx_sync_hlc_raise(nx_store *s, uint64_t h)
{
    uint64_t cur;
    if (nx_sync_hlc_get(s, &cur))
        return -1;
    return h > cur ? put_u64(s, "sync.hlc", h) : 0;
}

int nx_sync_high_water(nx_store *s, int64_t now, int64_t *hw)
{
    int64_t cur;
    if (meta_i64(s, "sync.high_water", &cur))
        return -1;
    if (now > cur) {
        if (put_i64(s, "sync.high_water", now))
            return -1;
        cur = now;
    }
    if (hw)
        *hw = cur;
    return 0;
}

int nx_sync_state_load(nx_store *s, nx_sync_state *st)
{
    memset(st, 0, sizeof *st);
    int64_t g = 0, k = 0, e = 0, r = 0;
    if (meta_u64(s, "sync.cursor", &st->cursor) || meta_u64(s, "sync.hlc", &st->hlc) ||
        meta_i64(s, "sync.hub_time", &st->hub_time) ||
        meta_i64(s, "sync.last_wall", &st->last_sync_wall) ||
        meta_i64(s, "sync.high_water", &st->high_water) ||
        meta_str(s, "sync.boot_id", st->boot_id, sizeof st->boot_id) ||
        meta_i64(s, "sync.boot_secs", &st->boot_secs) ||
        meta_u64(s, "sync.audit_seq", &st->audit_seq) ||
        meta_i64(s, "sync.grace_hours", &g) || meta_i64(s, "sync.keep_days", &k) ||
        meta_i64(s, "sync.emergency", &e) || meta_i64(s, "sync.revoked", &r) ||
        meta_str(s, "sync.role", st->role, sizeof st->role) ||
        meta_str(s, "sync.team", st->team, sizeof st->team) ||
        meta_str(s, "sync.banner", st->banner, sizeof st->banner))
        return -1;
    st->grace_hours = g > 0 && g < 100000 ? (int)g : 0;
    st->keep_days = k > 0 && k < 100000 ? (int)k : 0;
    st->emergency = e != 0;
    st->revoked = r != 0;
    return 0;
}

int nx_sync_state_save(nx_store *s, const nx_sync_state *st)
{
    if (put_u64(s, "sync.cursor", st->cursor) || put_i64(s, "sync.hub_time", st->hub_time) ||
        put_i64(s, "sync.last_wall", st->last_sync_wall) ||
        nx_store_meta_set(s, "sync.boot_id", st->boot_id) ||
        put_i64(s, "sync.boot_secs", st->boot_secs) ||
        put_u64(s, "sync.audit_seq", st->audit_seq) ||
        put_i64(s, "sync.grace_hours", st->grace_hours) ||
        put_i64(s, "sync.keep_days", st->keep_days) ||
        put_i64(s, "sync.emergency", st->emergency) || put_i64(s, "sync.revoked", st->revoked) ||
        nx_store_meta_set(s, "sync.role", st->role) ||
        nx_store_meta_set(s, "sync.team", st->team) ||
        nx_store_meta_set(s, "sync.banner", st->banner))
        return -1;
    return 0;
}

/* ---- the outbox ---------------------------------------------------------------- */

int nx_outbox_add(nx_store *s, nx_op_kind kind, const char *item, const char *field,
                  const char *value, const char *expect, int64_t created, int64_t wall_ms,
                  char op_id_out[40])
{
    const char *kname = nx_op_kind_name(kind);
    if (!kname || !item || !item[0] || sqlite3_get_autocommit(s->db))
        return -1;
    uint64_t h;
    if (nx_sync_hlc_get(s, &h))
        return -1;
    nx_hlc tick = nx_hlc_tick(&h, wall_ms);
    if (put_u64(s, "sync.hlc", h))
        return -1;
    char id[NX_UUID_LEN + 1];
    nx_uuid4(id);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO outbox(op_id,hlc,kind,item,field,value,expect,"
                           "created) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", -1, &st, NULL))
        return -1;
    bind_str(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)tick);
    bind_str(st, 3, kname);
    bind_str(st, 4, item);
    bind_str(st, 5, field);
    if (value)
        sqlite3_bind_text(st, 6, value, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    bind_str(st, 7, expect);
    sqlite3_bind_int64(st, 8, created);
    if (step_done(st))
        return -1;
    if (op_id_out)
        snprintf(op_id_out, 40, "%s", id);
    return 0;
}

int nx_outbox_scan(nx_store *s, int64_t after_seq, size_t limit, nx_outbox_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT seq,op_id,hlc,kind,item,field,value,expect FROM outbox "
                           "WHERE seq > ?1 ORDER BY seq LIMIT ?2", -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    int rc = SQLITE_DONE, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_op op;
        memset(&op, 0, sizeof op);
        int k = nx_op_kind_parse(col(st, 3));
        if (k < 0) {
            stop = -1;   /* a row nexus did not write */
            break;
        }
        op.kind = (nx_op_kind)k;
        snprintf(op.id, sizeof op.id, "%s", col(st, 1));
        op.hlc = (nx_hlc)sqlite3_column_int64(st, 2);
        snprintf(op.item, sizeof op.item, "%s", col(st, 4));
        snprintf(op.field, sizeof op.field, "%s", col(st, 5));
        snprintf(op.expect, sizeof op.expect, "%s", col(st, 7));
        /* The value is read in place: no copy of it to wipe. */
        op.value = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : (char *)col(st, 6);
        stop = fn(ctx, sqlite3_column_int64(st, 0), &op);
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_outbox_count(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM outbox", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int nx_outbox_settle(nx_store *s, const char *op_id, const char *reject_reason, int64_t at)
{
    sqlite3_stmt *st = NULL;
    if (reject_reason) {
        if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO op_rejects(item_id,op_id,kind,"
                               "field,reason,at) SELECT item,op_id,kind,field,?2,?3 FROM outbox "
                               "WHERE op_id=?1", -1, &st, NULL))
            return -1;
        bind_str(st, 1, op_id);
        bind_str(st, 2, reject_reason);
        sqlite3_bind_int64(st, 3, at);
        if (step_done(st))
            return -1;
    }
    /* A resolve op settles the conflict inbox row it resolved. */
    if (nx_conflict_settle(s, op_id, reject_reason != NULL) != 0)
        return -1;
    /* A record op settles the oversight record it carried. */
    if (nx_record_settle(s, op_id, reject_reason) != 0)
        return -1;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM outbox WHERE op_id=?1", -1, &st, NULL))
        return -1;
    bind_str(st, 1, op_id);
    if (step_done(st))
        return -1;
    return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

/* ---- refused ops ---------------------------------------------------------------- */

int nx_op_rejects(nx_store *s, const char *item_id, nx_reject_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT op_id,kind,field,reason,at FROM op_rejects "
                           "WHERE item_id=?1 ORDER BY at, id", -1, &st, NULL))
        return -1;
    bind_str(st, 1, item_id);
    int rc = SQLITE_DONE, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, col(st, 0), col(st, 1), col(st, 2), col(st, 3),
                  sqlite3_column_int64(st, 4));
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_op_rejects_count(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM op_rejects", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int nx_op_rejects_clear(nx_store *s, const char *item_id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM op_rejects WHERE item_id=?1", -1, &st, NULL))
        return -1;
    bind_str(st, 1, item_id);
    return step_done(st);
}

/* ---- notes' op ids ---------------------------------------------------------------- */

int nx_store_note_set_op(nx_store *s, int64_t note_id, const char *op_id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE notes SET op_id=?2 WHERE id=?1", -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, note_id);
    bind_str(st, 2, op_id);
    if (step_done(st))
        return -1;
    return sqlite3_changes(s->db) == 1 ? 0 : -1;
}

int nx_store_note_op(nx_store *s, int64_t note_id, char op_id[40])
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT op_id FROM notes WHERE id=?1 AND op_id IS NOT NULL "
                           "AND op_id <> ''", -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, note_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(op_id, 40, "%s", col(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- purge and push ---------------------------------------------------------------- */

int nx_store_closed_before(nx_store *s, int64_t before, nx_id_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    /* An open QA sample keeps its item for the review (hub/pull.c sends
     * it past the archive to the reviewer; only reviewers hold samples). */
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM items WHERE closed IS NOT NULL AND closed < ?1 "
                           "AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.item = items.id) "
                           "AND NOT EXISTS (SELECT 1 FROM records AS r WHERE r.item_id = items.id"
                           "  AND r.item_id <> '' AND r.kind = 'qa_sample' AND r.status = 'open') "
                           "ORDER BY closed, id", -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, before);
    /* Collected first: fn erases rows of the table this statement reads. */
    char **ids = NULL;
    size_t n = 0, cap = 0;
    int rc = SQLITE_DONE, stop = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **g = realloc(ids, nc * sizeof *g);
            if (!g)
                break;
            ids = g;
            cap = nc;
        }
        if (!(ids[n] = strdup(col(st, 0))))
            break;
        n++;
    }
    sqlite3_finalize(st);
    int failed = rc != SQLITE_DONE;
    for (size_t i = 0; i < n; i++) {
        if (!stop && !failed)
            stop = fn(ctx, ids[i]);
        free(ids[i]);
    }
    free(ids);
    return stop ? stop : failed ? -1 : 0;
}

int nx_store_audit_since(nx_store *s, int64_t after, size_t limit, nx_audit_row_fn fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT seq,at,user,role,device,action,item_id,field,reason,"
                           "outcome,prev_hash,hash FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                           -1, &st, NULL))
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    int rc = SQLITE_DONE, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_audit_row r;
        memset(&r, 0, sizeof r);
        r.seq = sqlite3_column_int64(st, 0);
        r.at = sqlite3_column_int64(st, 1);
        r.user = col(st, 2);
        r.role = col(st, 3);
        r.device = col(st, 4);
        r.action = col(st, 5);
        r.item_id = col(st, 6);
        r.field = col(st, 7);
        r.reason = col(st, 8);
        r.outcome = col(st, 9);
        r.prev_hash = sqlite3_column_blob(st, 10);
        r.prev_hash_len = (size_t)sqlite3_column_bytes(st, 10);
        r.hash = sqlite3_column_blob(st, 11);
        r.hash_len = (size_t)sqlite3_column_bytes(st, 11);
        r.well_formed = 1;
        stop = fn(arg, &r);
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}
