/* hub/serve_db — the few store queries the protocol server keeps to itself:
 * a cache of prepared statements on the hub's connection (a pull of 100 000
 * items cannot afford a prepare per query), two small tables of its own,
 * made with the store by hub migration 7 (which op wrote each note, so a
 * correction can name the note it corrects and the client can match notes
 * by op id; and at which revision an op last wrote each field, to tell a
 * concurrent edit from a later one), the device's last role, the hub's
 * clock, and loading an item as the domain sees it.
 * Everything else goes through hub.h and core/store. */
#include "hub/serve.h"
#include "store/items_io.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SRV_CACHE_KIB
#define SRV_CACHE_KIB "-65536"
#endif

sqlite3_stmt *srv_stmt(nx_srv *s, const char *sql)
{
    int free_slot = -1;
    for (int i = 0; i < SRV_STMTS; i++) {
        if (s->stmts[i].sql == sql) {
            sqlite3_stmt *st = s->stmts[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
        if (!s->stmts[i].sql && free_slot < 0)
            free_slot = i;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(nx_hub_db(s->h), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    if (free_slot < 0) {
        /* Full (cannot happen with the fixed set of queries): use it once. */
        sqlite3_finalize(st);
        return NULL;
    }
    s->stmts[free_slot].sql = sql;
    s->stmts[free_slot].st = st;
    return st;
}

void srv_stmts_free(nx_srv *s)
{
    for (int i = 0; i < SRV_STMTS; i++) {
        if (s->stmts[i].st)
            sqlite3_finalize(s->stmts[i].st);
        s->stmts[i].st = NULL;
        s->stmts[i].sql = NULL;
    }
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void bind(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

int srv_db_prepare(nx_srv *s)
{
    /* A pull reads each item's row, fields, patient and history in turn:
     * with the client's 8 MiB page cache a first sync of 100 000 items
     * re-reads (and re-decrypts) most pages several times. The cache grows
     * only as far as a session reads. (The tables and index serve uses
     * come with the store: hub migration 7.) */
    return sqlite3_exec(nx_hub_db(s->h), "PRAGMA cache_size = " SRV_CACHE_KIB, NULL, NULL,
                        NULL) == SQLITE_OK ? 0 : -1;
}

int srv_archived_since(nx_srv *s, int64_t after, int64_t upto,
                       int (*cb)(void *arg, const char *id), void *arg)
{
    static const char sql[] =
        "SELECT d.item_id FROM items AS i INDEXED BY serve_items_closed"
        " CROSS JOIN device_items AS d ON d.device = ?1 AND d.item_id = i.id"
        " WHERE i.closed IS NOT NULL AND i.closed > ?2 AND i.closed <= ?3";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    bind(st, 1, s->device);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, upto);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- items -------------------------------------------------------------------- */

static int load_kv(void *ctx, const char *field, const char *value)
{
    nx_item *it = ctx;
    const nx_field_def *f = nx_dict_find(it->dict, field);
    if (f && (f->kinds & NX_KIND_BIT(it->kind)))
        return nx_item_set(it, field, value ? value : "") == 0 ? 0 : -1;
    return 0;
}

int srv_item_load(nx_srv *s, const char *id, nx_item *it)
{
    nx_store *st = nx_hub_store(s->h);
    nx_item_rec r;
    memset(it, 0, sizeof *it);
    int found = nx_store_item_get(st, id, &r);
    if (found <= 0)
        return found;
    int k = nx_kind_parse(r.kind);
    if (k < 0 || nx_item_init(it, s->dict, (nx_kind)k) != 0)
        return -1;
    snprintf(it->id, sizeof it->id, "%s", r.id);
    snprintf(it->client_id, sizeof it->client_id, "%s", r.client_id);
    snprintf(it->patient_id, sizeof it->patient_id, "%s", r.patient_id);
    snprintf(it->status, sizeof it->status, "%s", r.status);
    snprintf(it->assignee, sizeof it->assignee, "%s", r.assignee);
    snprintf(it->team, sizeof it->team, "%s", r.team);
    snprintf(it->linked_item, sizeof it->linked_item, "%s", r.linked_item);
    it->priority = r.priority;
    it->created = r.created;
    it->updated = r.updated;
    it->due = r.due;
    it->follow_up = r.follow_up;
    it->closed = r.closed;
    const nx_field_def *pf = nx_dict_find(s->dict, "priority");
    if ((pf && (pf->kinds & NX_KIND_BIT(it->kind)) &&
         nx_item_set(it, "priority", r.priority ? "urgent" : "routine") != 0) ||
        nx_store_patient_fields(st, r.patient_id, load_kv, it) != 0 ||
        nx_store_item_fields(st, id, load_kv, it) != 0) {
        nx_item_free(it);
        return -1;
    }
    return 1;
}

/* ---- note op ids ------------------------------------------------------------------ */

int srv_note_op_set(nx_srv *s, int64_t note_id, const char *op_id)
{
    static const char sql[] = "INSERT INTO serve_note_ops(note_id, op_id) VALUES(?1, ?2)";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, note_id);
    bind(st, 2, op_id);
    return step_done(st);
}

int srv_note_by_op(nx_srv *s, const char *op_id, const char *item_id, int64_t *note_id)
{
    static const char sql[] =
        "SELECT o.note_id FROM serve_note_ops AS o JOIN notes AS n ON n.id = o.note_id"
        " WHERE o.op_id = ?1 AND n.item_id = ?2";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    bind(st, 1, op_id);
    bind(st, 2, item_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *note_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- field revisions ---------------------------------------------------------------- */

int srv_field_rev_get(nx_srv *s, const char *key, const char *field, int64_t *rev,
                      char *device, size_t devlen)
{
    static const char sql[] =
        "SELECT rev, device FROM serve_field_rev WHERE key = ?1 AND field = ?2";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    bind(st, 1, key);
    bind(st, 2, field);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *rev = sqlite3_column_int64(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 1);
        snprintf(device, devlen, "%s", t ? (const char *)t : "");
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int srv_field_rev_set(nx_srv *s, const char *key, const char *field, int64_t rev)
{
    static const char sql[] =
        "INSERT INTO serve_field_rev(key, field, rev, device) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(key, field) DO UPDATE SET rev = excluded.rev, device = excluded.device";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    bind(st, 1, key);
    bind(st, 2, field);
    sqlite3_bind_int64(st, 3, rev);
    bind(st, 4, s->device);
    return step_done(st);
}

void srv_clock_key(const nx_item *it, const nx_field_def *f, char *out, size_t outlen)
{
    if (f && f->home == NX_AT_PATIENT)
        snprintf(out, outlen, "patient:%s", it->patient_id);
    else
        snprintf(out, outlen, "%s", it->id);
}

/* ---- meta: the device's last role, the hub clock ------------------------------------- */

static int meta_get(nx_srv *s, const char *key, char *out, size_t outlen)
{
    static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    bind(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", t ? (const char *)t : "");
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int meta_set(nx_srv *s, const char *key, const char *value)
{
    static const char sql[] =
        "INSERT INTO meta(key, value) VALUES(?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    bind(st, 1, key);
    bind(st, 2, value);
    return step_done(st);
}

int srv_device_role_get(nx_srv *s, char *out, size_t outlen)
{
    char key[128];
    snprintf(key, sizeof key, "serve.device_role.%s", s->device);
    out[0] = '\0';
    return meta_get(s, key, out, outlen) < 0 ? -1 : 0;
}

int srv_archive_cut_get(nx_srv *s, int64_t *cut)
{
    char key[128], v[32];
    snprintf(key, sizeof key, "serve.archive_cut.%s", s->device);
    int rc = meta_get(s, key, v, sizeof v);
    *cut = rc == 1 ? strtoll(v, NULL, 10) : 0;
    return rc;
}

int srv_archive_cut_set(nx_srv *s, int64_t cut)
{
    char key[128], v[32];
    snprintf(key, sizeof key, "serve.archive_cut.%s", s->device);
    snprintf(v, sizeof v, "%lld", (long long)cut);
    return meta_set(s, key, v);
}

int srv_device_role_set(nx_srv *s, const char *value)
{
    char key[128];
    snprintf(key, sizeof key, "serve.device_role.%s", s->device);
    return meta_set(s, key, value);
}

int srv_hlc_load(nx_srv *s, nx_hlc *out)
{
    char v[32];
    *out = 0;
    int rc = meta_get(s, "serve.hlc", v, sizeof v);
    if (rc < 0)
        return -1;
    if (rc == 1)
        *out = (nx_hlc)strtoull(v, NULL, 10);
    return 0;
}

int srv_hlc_save(nx_srv *s, nx_hlc v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return meta_set(s, "serve.hlc", buf);
}

int srv_token_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (i == 0 ? !alnum : !(alnum || c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}
