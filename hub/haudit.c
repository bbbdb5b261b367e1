/* hub/haudit — the hub's own audit chain and the audit query.
 *
 * The chain is the store's `audit` table in core/domain/audit.h's format
 * (v1 encoding, BLAKE2b-256 keyed with K, genesis bound to the device), so
 * nx_audit_verify checks it unchanged. K is a crypto_kdf subkey of the hub
 * key; the device is "hub". The hub's events need their own action words
 * (user-add, import, session, reject, ...), which nx_audit_append's enum
 * does not have, so the append is done here over the same encoding: the
 * verify test proves both agree.
 *
 * Limit: the hub keeps no head outside the store, so cutting off its
 * newest events is not detected (the laptop keeps its head in the key
 * file; the hub key file is written once and never rewritten). */
#include "hub/store_int.h"
#include "store/audit_store.h"
#include "util/util.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define H NX_AUDIT_HASH_BYTES

int nx_hub_audit(nx_hub *h, const nx_hub_event *e, char *err, size_t errlen)
{
    const char *user = e->user ? e->user : h->admin;
    const char *role = e->role ? e->role : NX_HUB_ADMIN_ROLE;
    const char *device = e->device ? e->device : NX_HUB_DEVICE;
    const char *item = e->item ? e->item : "", *field = e->field ? e->field : "";
    const char *reason = e->reason ? e->reason : "";
    if (!e->action || !*e->action || !nx_audit_token_ok(e->action, 32))
        return nx_err(err, errlen, "hub audit: an action is a word of at most 32 characters");
    if (!*user || !nx_audit_token_ok(user, NX_NAME_MAX - 1) || !nx_audit_token_ok(role, NX_NAME_MAX - 1) ||
        !*device || !nx_audit_token_ok(device, 64) || !nx_audit_token_ok(item, NX_AUDIT_ID_MAX) ||
        !nx_audit_token_ok(field, NX_AUDIT_ID_MAX))
        return nx_err(err, errlen, "hub audit: user, role, device, item and field are plain ids");
    if (!nx_audit_text_ok(reason))
        return nx_err(err, errlen, "hub audit: a reason is one line of at most %d bytes",
                      NX_AUDIT_REASON_MAX);
    if (!nx_store_in_transaction(h->store))
        return nx_err(err, errlen, "hub audit: an event is appended inside the transaction "
                      "of the change it records");
    int64_t last = 0;
    size_t len = 0;
    unsigned char prev[H], hash[H];
    int found = nx_store_audit_last(h->store, &last, prev, H, &len);
    if (found < 0)
        return nx_err(err, errlen, "cannot read the hub's audit chain: %s", nx_hub_errmsg(h));
    if (!found) {
        last = 0;
        nx_audit_genesis(&h->audit, prev);
    } else if (last < 1 || len != H)
        return nx_err(err, errlen, "the hub's audit chain's last event is damaged: run "
                      "'nexus-hub audit verify'");
    if (last == INT64_MAX)
        return nx_err(err, errlen, "hub audit: the chain is full");
    nx_audit_row r = {
        .seq = last + 1, .at = e->at ? e->at : nx_now(),
        .user = user, .role = role, .device = device, .action = e->action,
        .item_id = item, .field = field, .reason = reason,
        .outcome = e->failed ? "failed" : "ok",
        .prev_hash = prev, .prev_hash_len = H, .hash = hash, .hash_len = H,
    };
    nx_audit_row_hash(&h->audit.key, &r, prev, hash);
    if (nx_store_audit_insert(h->store, &r) != 0)
        return nx_err(err, errlen, "cannot write the hub audit event: %s", nx_hub_errmsg(h));
    return 0;
}

int nx_hub_audit_log(nx_hub *h, const nx_hub_event *e, char *err, size_t errlen)
{
    if (nx_hub_begin(h) != 0)
        return nx_err(err, errlen, "cannot write the hub audit event: %s", nx_hub_errmsg(h));
    if (nx_hub_audit(h, e, err, errlen) != 0) {
        nx_hub_rollback(h);
        return -1;
    }
    if (nx_hub_commit(h) != 0) {
        nx_err(err, errlen, "cannot write the hub audit event: %s", nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    return 0;
}

int nx_hub_audit_verify(nx_hub *h, uint64_t *events, char *msg, size_t msglen)
{
    unsigned char zero[H] = { 0 };
    uint64_t bad = 0;
    return nx_audit_verify(h->store, &h->audit, 0, zero, events, &bad, msg, msglen);
}

/* ---- the chain for the oversight roles' pulls (pull_haudit.c) ---------------------- */

int nx_hub_audit_last_seq(nx_hub *h, uint64_t *seq)
{
    int64_t last = 0;
    size_t len = 0;
    unsigned char hash[H];
    int found = nx_store_audit_last(h->store, &last, hash, H, &len);
    if (found < 0)
        return -1;
    *seq = found && last > 0 ? (uint64_t)last : 0;
    return 0;
}

int nx_hub_audit_each(nx_hub *h, uint64_t after, uint64_t upto, uint64_t limit,
                      nx_hub_chain_cb cb, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "SELECT seq, at, user, role, device, action, item_id, field, reason,"
                           " outcome, prev_hash, hash FROM audit WHERE seq > ?1 AND seq <= ?2"
                           " ORDER BY seq LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)after);
    sqlite3_bind_int64(st, 2, upto > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)upto);
    sqlite3_bind_int64(st, 3, limit && limit <= (uint64_t)INT64_MAX ? (int64_t)limit : -1);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 10) != H || sqlite3_column_bytes(st, 11) != H) {
            rc = SQLITE_CORRUPT;
            break;
        }
        nx_hub_chain_event e = { .seq = sqlite3_column_int64(st, 0),
                                 .at = sqlite3_column_int64(st, 1) };
        const char **s[] = { &e.user, &e.role, &e.device, &e.action, &e.item, &e.field,
                             &e.reason, &e.outcome };
        for (int i = 0; i < 8; i++) {
            const unsigned char *t = sqlite3_column_text(st, i + 2);
            *s[i] = t ? (const char *)t : "";
        }
        e.prev_hash = sqlite3_column_blob(st, 10);
        e.hash = sqlite3_column_blob(st, 11);
        stop = cb(arg, &e);
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- query ----------------------------------------------------------------------- */

static int query_one(sqlite3 *db, const char *sql, const char *source,
                     const nx_hub_audit_filter *f, nx_hub_audit_cb cb, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    const char *v[] = { f->user, f->item, f->action, f->device };
    for (int i = 0; i < 4; i++)
        if (v[i])
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, f->since);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_hub_audit_row r = { .source = source };
        r.seq = sqlite3_column_int64(st, 0);
        r.at = sqlite3_column_int64(st, 1);
        const char **s[] = { &r.user, &r.role, &r.device, &r.action, &r.item, &r.field,
                             &r.reason, &r.outcome };
        for (int i = 0; i < 8; i++) {
            const unsigned char *t = sqlite3_column_text(st, i + 2);
            *s[i] = t ? (const char *)t : "";
        }
        stop = cb(arg, &r);
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int nx_hub_audit_query(nx_hub *h, const nx_hub_audit_filter *f, nx_hub_audit_cb cb, void *arg)
{
    static const char hub_sql[] =
        "SELECT seq, at, user, role, device, action, item_id, field, reason, outcome FROM audit"
        " WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR item_id = ?2)"
        "   AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR device = ?4) AND at >= ?5"
        " ORDER BY seq";
    static const char dev_sql[] =
        "SELECT seq, at, user, role, device, action, item, field, reason, outcome"
        " FROM device_audit"
        " WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR item = ?2)"
        "   AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR device = ?4) AND at >= ?5"
        " ORDER BY device, seq";
    nx_hub_audit_filter none = { 0 };
    if (!f)
        f = &none;
    int rc = query_one(nx_hub_db(h), hub_sql, "hub", f, cb, arg);
    if (rc == 0)
        rc = query_one(nx_hub_db(h), dev_sql, "device", f, cb, arg);
    return rc;
}
