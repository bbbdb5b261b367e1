/* The devices' audit events an oversight role holds (device_events.h):
 * the prepared insert the syncer uses, the audit cursor in meta, the
 * filtered walk and count the review screen reads, and the per-device
 * chain check. Filters become a WHERE of only the criteria given, so each
 * query can use its index (user, item_id or action with at). */
#include "store/device_events.h"
#include "store/store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_KEY "sync.audit_cursor"

struct nx_devev_writer {
    nx_store *s;
    sqlite3_stmt *ins;
};

int nx_devev_writer_new(nx_store *s, nx_devev_writer **out)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO device_events(hub_seq, device, seq, at, user, role, action,"
        " item_id, field, reason, outcome, prev_hash, hash)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    *out = NULL;
    nx_devev_writer *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->s = s;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &w->ins, NULL) != SQLITE_OK) {
        nx_devev_writer_free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void nx_devev_writer_free(nx_devev_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->ins);
    free(w);
}

static void bind_text(sqlite3_stmt *st, int pos, const char *v)
{
    sqlite3_bind_text(st, pos, v ? v : "", -1, SQLITE_STATIC);
}

int nx_devev_write(nx_devev_writer *w, const nx_devev *e)
{
    if (!e->prev_hash || !e->hash || e->hub_seq <= 0 || e->seq <= 0)
        return -1;
    sqlite3_stmt *st = w->ins;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, e->hub_seq);
    bind_text(st, 2, e->device);
    sqlite3_bind_int64(st, 3, e->seq);
    sqlite3_bind_int64(st, 4, e->at);
    bind_text(st, 5, e->user);
    bind_text(st, 6, e->role);
    bind_text(st, 7, e->action);
    bind_text(st, 8, e->item_id);
    bind_text(st, 9, e->field);
    bind_text(st, 10, e->reason);
    bind_text(st, 11, e->outcome && *e->outcome ? e->outcome : "ok");
    sqlite3_bind_blob(st, 12, e->prev_hash, NX_DEVEV_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 13, e->hash, NX_DEVEV_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int changed = sqlite3_changes(w->s->db);
    /* Unbind: the views point into a frame that is about to be wiped. */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return -1;
    return changed == 1 ? 0 : 1;
}

/* ---- cursor ------------------------------------------------------------------------ */

int nx_devev_cursor(nx_store *s, uint64_t *cursor)
{
    char buf[32];
    int r = nx_store_meta_get(s, CURSOR_KEY, buf, sizeof buf);
    *cursor = r == 1 ? strtoull(buf, NULL, 10) : 0;
    return r < 0 ? -1 : 0;
}

int nx_devev_cursor_set(nx_store *s, uint64_t cursor)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, cursor);
    return nx_store_meta_set(s, CURSOR_KEY, buf);
}

static int exec_one(nx_store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int nx_devev_any(nx_store *s)
{
    int64_t v = 0;
    if (exec_one(s, "SELECT EXISTS(SELECT 1 FROM device_events)", &v) != 0)
        return -1;
    return v ? 1 : 0;
}

int nx_devev_clear(nx_store *s)
{
    if (exec_one(s, "DELETE FROM device_events", NULL) != 0)
        return -1;
    return nx_devev_cursor_set(s, 0);
}

/* ---- the filtered walk ----------------------------------------------------------------- */

#define COLS "hub_seq, device, seq, at, user, role, action, item_id, field, reason, outcome," \
             " prev_hash, hash"

/* SELECT head + WHERE of the criteria given; binds recorded in order. */
typedef struct {
    char sql[768];
    const char *text[4];
    size_t ntext;
    int64_t num[2];
    size_t nnum;
} query;

static int given(const char *v)
{
    return v && *v;
}

static void where(query *q, const nx_devev_filter *f)
{
    static const char *const cols[] = { "device", "user", "item_id", "action" };
    const char *vals[4] = { NULL, NULL, NULL, NULL };
    if (f) {
        vals[0] = f->device;
        vals[1] = f->user;
        vals[2] = f->item_id;
        vals[3] = f->action;
    }
    size_t len = strlen(q->sql);
    const char *glue = " WHERE ";
    for (int i = 0; i < 4; i++) {
        if (!given(vals[i]))
            continue;
        len += (size_t)snprintf(q->sql + len, sizeof q->sql - len, "%s%s = ?", glue, cols[i]);
        q->text[q->ntext++] = vals[i];
        glue = " AND ";
    }
    if (f && f->from) {
        len += (size_t)snprintf(q->sql + len, sizeof q->sql - len, "%sat >= ?", glue);
        q->num[q->nnum++] = f->from;
        glue = " AND ";
    }
    if (f && f->to) {
        snprintf(q->sql + len, sizeof q->sql - len, "%sat < ?", glue);
        q->num[q->nnum++] = f->to;
    }
}

static sqlite3_stmt *prepare(nx_store *s, const query *q)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, q->sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    int pos = 1;
    for (size_t i = 0; i < q->ntext; i++)
        bind_text(st, pos++, q->text[i]);
    for (size_t i = 0; i < q->nnum; i++)
        sqlite3_bind_int64(st, pos++, q->num[i]);
    return st;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int nx_devev_each(nx_store *s, const nx_devev_filter *f, nx_devev_fn fn, void *arg)
{
    query q;
    memset(&q, 0, sizeof q);
    snprintf(q.sql, sizeof q.sql, "SELECT " COLS " FROM device_events");
    where(&q, f);
    size_t len = strlen(q.sql);
    int desc = f && f->newest_first;
    snprintf(q.sql + len, sizeof q.sql - len, " ORDER BY at %s, hub_seq %s LIMIT %lld OFFSET %lld",
             desc ? "DESC" : "ASC", desc ? "DESC" : "ASC",
             f && f->limit ? (long long)f->limit : -1LL, f ? (long long)f->offset : 0LL);
    sqlite3_stmt *st = prepare(s, &q);
    if (!st)
        return -1;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *prev = sqlite3_column_blob(st, 11), *hash = sqlite3_column_blob(st, 12);
        if (sqlite3_column_bytes(st, 11) != NX_DEVEV_HASH_BYTES ||
            sqlite3_column_bytes(st, 12) != NX_DEVEV_HASH_BYTES) {
            rc = SQLITE_CORRUPT;
            break;
        }
        nx_devev e = {
            .hub_seq = sqlite3_column_int64(st, 0), .device = col_text(st, 1),
            .seq = sqlite3_column_int64(st, 2), .at = sqlite3_column_int64(st, 3),
            .user = col_text(st, 4), .role = col_text(st, 5), .action = col_text(st, 6),
            .item_id = col_text(st, 7), .field = col_text(st, 8), .reason = col_text(st, 9),
            .outcome = col_text(st, 10), .prev_hash = prev, .hash = hash,
        };
        stop = fn(arg, &e);
    }
    sqlite3_finalize(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_devev_count(nx_store *s, const nx_devev_filter *f)
{
    query q;
    memset(&q, 0, sizeof q);
    snprintf(q.sql, sizeof q.sql, "SELECT count(*) FROM device_events");
    where(&q, f);
    sqlite3_stmt *st = prepare(s, &q);
    if (!st)
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int nx_devev_devices(nx_store *s, nx_devev_device_fn fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT device, count(*), max(at) FROM device_events"
                           " GROUP BY device ORDER BY device",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(arg, col_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- the chain ---------------------------------------------------------------------------- */

const char *nx_chain_why_text(nx_chain_why w)
{
    switch (w) {
    case NX_CHAIN_OK:
        return "verified";
    case NX_CHAIN_START:
        return "the first events are missing";
    case NX_CHAIN_GAP:
        return "events missing before it";
    case NX_CHAIN_LINK:
        return "its previous hash does not match the event before it";
    }
    return "?";
}

static void broken(nx_devev_chain *c, int64_t seq, nx_chain_why why)
{
    if (!c->broken_at) {
        c->broken_at = seq;
        c->why = why;
    }
    c->breaks++;
}

int nx_store_chain_walk(sqlite3_stmt *st, nx_devev_chain *out)
{
    memset(out, 0, sizeof *out);
    unsigned char last[NX_DEVEV_HASH_BYTES];
    int64_t prev_seq = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const void *ph = sqlite3_column_blob(st, 1), *h = sqlite3_column_blob(st, 2);
        if (sqlite3_column_bytes(st, 1) != NX_DEVEV_HASH_BYTES ||
            sqlite3_column_bytes(st, 2) != NX_DEVEV_HASH_BYTES) {
            rc = SQLITE_CORRUPT;
            break;
        }
        if (!out->events) {
            out->first_seq = seq;
            if (seq != 1)
                broken(out, seq, NX_CHAIN_START);
        } else if (seq != prev_seq + 1) {
            broken(out, seq, NX_CHAIN_GAP);
        } else if (memcmp(ph, last, NX_DEVEV_HASH_BYTES) != 0) {
            broken(out, seq, NX_CHAIN_LINK);
        }
        if (!out->broken_at)
            out->verified_upto = seq;
        memcpy(last, h, NX_DEVEV_HASH_BYTES);
        prev_seq = seq;
        out->last_seq = seq;
        out->events++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int nx_devev_chain_check(nx_store *s, const char *device, nx_devev_chain *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, prev_hash, hash FROM device_events WHERE device = ?1"
                           " ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    bind_text(st, 1, device);
    return nx_store_chain_walk(st, out);
}
