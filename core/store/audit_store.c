/* The audit table's SQL. */
#include "store/audit_store.h"
#include "store/store_int.h"

#include <string.h>

int nx_store_in_transaction(nx_store *s)
{
    return !sqlite3_get_autocommit(s->db);
}

int nx_store_audit_insert(nx_store *s, const nx_audit_row *r)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
            "INSERT INTO audit(seq,at,user,role,device,action,item_id,field,reason,outcome,"
            "prev_hash,hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    const char *txt[] = { r->user, r->role, r->device, r->action, r->item_id, r->field,
                          r->reason, r->outcome };
    sqlite3_bind_int64(st, 1, r->seq);
    sqlite3_bind_int64(st, 2, r->at);
    for (int i = 0; i < 8; i++)
        sqlite3_bind_text(st, i + 3, txt[i] ? txt[i] : "", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 11, r->prev_hash, (int)r->prev_hash_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 12, r->hash, (int)r->hash_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* One row of (seq, hash) from st, bound and ready to step. */
static int seq_and_hash(sqlite3_stmt *st, int64_t *seq, unsigned char *hash, size_t hash_cap,
                        size_t *hash_len)
{
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        const void *b = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        *hash_len = n;
        memset(hash, 0, hash_cap);
        if (b)
            memcpy(hash, b, n < hash_cap ? n : hash_cap);
        found = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

int nx_store_audit_last(nx_store *s, int64_t *seq, unsigned char *hash, size_t hash_cap,
                        size_t *hash_len)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    return seq_and_hash(st, seq, hash, hash_cap, hash_len);
}

int nx_store_audit_hash_at(nx_store *s, int64_t seq, unsigned char *hash, size_t hash_cap,
                           size_t *hash_len)
{
    sqlite3_stmt *st = NULL;
    int64_t found_seq;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM audit WHERE seq = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, seq);
    return seq_and_hash(st, &found_seq, hash, hash_cap, hash_len);
}

/* The type is read first: after a conversion sqlite3_column_type() is
 * undefined. */
static const char *text_col(sqlite3_stmt *st, int i, int *ok)
{
    int type = sqlite3_column_type(st, i);
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (type != SQLITE_TEXT || !t || strlen(t) != (size_t)sqlite3_column_bytes(st, i))
        *ok = 0;
    return t ? t : "";
}

static const unsigned char *blob_col(sqlite3_stmt *st, int i, size_t *len, int *ok)
{
    if (sqlite3_column_type(st, i) != SQLITE_BLOB)
        *ok = 0;
    const unsigned char *b = sqlite3_column_blob(st, i);
    *len = (size_t)sqlite3_column_bytes(st, i);
    return b;
}

int nx_store_audit_scan(nx_store *s, nx_audit_row_fn fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
            "SELECT seq,at,user,role,device,action,item_id,field,reason,outcome,prev_hash,hash "
            "FROM audit ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_audit_row r = { .well_formed = 1 };
        if (sqlite3_column_type(st, 1) != SQLITE_INTEGER)
            r.well_formed = 0;
        r.seq = sqlite3_column_int64(st, 0);
        r.at = sqlite3_column_int64(st, 1);
        r.user = text_col(st, 2, &r.well_formed);
        r.role = text_col(st, 3, &r.well_formed);
        r.device = text_col(st, 4, &r.well_formed);
        r.action = text_col(st, 5, &r.well_formed);
        r.item_id = text_col(st, 6, &r.well_formed);
        r.field = text_col(st, 7, &r.well_formed);
        r.reason = text_col(st, 8, &r.well_formed);
        r.outcome = text_col(st, 9, &r.well_formed);
        r.prev_hash = blob_col(st, 10, &r.prev_hash_len, &r.well_formed);
        r.hash = blob_col(st, 11, &r.hash_len, &r.well_formed);
        stop = fn(arg, &r);
    }
    sqlite3_finalize(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_store_audit_count(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM audit", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
