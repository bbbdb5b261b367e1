/* hub/serve_item — the second half of a pull (pull.c decides what goes):
 * CLIENT records, then each ITEM as this role may hold it, read back in
 * short read transactions so other sessions are not locked out while a
 * slow client reads 100 000 items, flushed every PULL_FLUSH bytes.
 *
 * An ITEM carries the common columns; every dictionary field of the
 * item's kind through nx_mask(..., NX_MASK_HOLD) — hidden fields are not
 * in the role's field table and are omitted altogether, partial ones go
 * masked, reveal and full as stored; kind fields as KV, patient columns as
 * PKV; the history as HIST (at, who, what, detail), oldest first, with
 * notes only as far as the role's level for "notes" allows (partial: the
 * body masked); and, for a supervisor, the item's open conflicts as HIST
 * "conflict" (detail: id \x1f kind \x1f field \x1f value as the role may
 * hold it \x1f detail).
 *
 * For a role that counts without viewing (operations: pull.c's
 * counts_only) an ITEM is what the KPI figures read and no more: the
 * common columns with the patient id withheld (NX_PATIENT_WITHHELD), the
 * few workflow facts its policy lets it hold (none can hold PHI: policy.c
 * refuses that), no patient column, the history's status changes and
 * attempts with their outcome but not their next action, no note and no
 * attachment. */
#include "hub/serve.h"
#include "store/items_io.h"
#include "util/util.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PULL_BATCH 256
#define PULL_FLUSH (256u * 1024u)

static const char *const patient_cols[] = {
    "family_name", "given_name", "dob", "phone", "email", "address", "mrn",
    "member_id", "payer", "confidential_comm", "restriction", "alt_phone",
};
#define N_PATIENT_COLS (sizeof patient_cols / sizeof patient_cols[0])

int srv_pull_clients(pull_ctx *c)
{
    nx_srv *s = c->s;
    /* Distinct client ids among the items sent (a handful). */
    char (*seen)[NX_ID_MAX] = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < c->nsend && rc == 0; i++) {
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(seen[j], c->send[i].client) == 0;
        if (dup)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            void *p = realloc(seen, nc * sizeof *seen);
            if (!p) {
                rc = -1;
                break;
            }
            seen = p;
            cap = nc;
        }
        snprintf(seen[n++], NX_ID_MAX, "%s", c->send[i].client);
        nx_client_rec cr;
        memset(&cr, 0, sizeof cr);
        int found = nx_store_client_get(nx_hub_store(s->h), c->send[i].client, &cr);
        if (found < 0) {
            rc = -1;
            break;
        }
        if (!found)
            continue;
        nx_wbuf *b = &s->out;
        nx_msg_begin(b, NX_MSG_CLIENT);
        nx_msg_str(b, NX_TAG_CLIENT_ID, cr.id);
        nx_msg_str(b, NX_TAG_NAME, cr.name);
        nx_msg_str(b, NX_TAG_TZ, cr.tz);
        if (cr.escalation[0])
            nx_msg_str(b, NX_TAG_ESCALATION, cr.escalation);
        if (cr.holidays[0])
            nx_msg_str(b, NX_TAG_HOLIDAYS, cr.holidays);
        nx_msg_u64(b, NX_TAG_LEAD_HOURS, (uint64_t)(cr.verify_lead_hours > 0 ? cr.verify_lead_hours : 0));
        if (cr.consent_rules[0])
            nx_msg_str(b, NX_TAG_CONSENT, cr.consent_rules);
        nx_msg_end(b);
    }
    free(seen);
    return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* One masked KV / PKV; hidden fields are not in the kind table. */
static void put_kv(pull_ctx *c, nx_tag tag, const kind_field *k, const char *value)
{
    if (!k || !value[0])
        return;
    char masked[NX_VALUE_MAX];
    nx_level lv = nx_mask(c->s->policy, c->s->role, k->f, value, NX_MASK_HOLD, masked,
                          sizeof masked);
    if (lv != NX_LEVEL_HIDDEN && masked[0]) {
        const char *parts[2] = { k->f->id, masked };
        nx_msg_tuple(&c->s->out, tag, parts, 2);
    }
    sodium_memzero(masked, sizeof masked);
}

static void put_hist(nx_wbuf *b, int64_t at, const char *who, const char *what, const char *detail)
{
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)at);
    const char *parts[4] = { ts, who, what, detail };
    nx_msg_tuple(b, NX_TAG_HIST, parts, 4);
}

/* detail = a \x1f b [\x1f c] into buf (cut to fit). */
static const char *join(char *buf, size_t len, const char *a, const char *b, const char *c3)
{
    if (c3)
        snprintf(buf, len, "%s" NX_OP_SEP "%s" NX_OP_SEP "%s", a, b, c3);
    else
        snprintf(buf, len, "%s" NX_OP_SEP "%s", a, b);
    return buf;
}

/* The item's history, oldest first: four index-ordered reads merged here
 * by (time, kind, id). (One UNION ALL ... ORDER BY did the same with a
 * temporary b-tree for each arm of each item, SQLite not seeing that an
 * arm's kind is constant: the hub spent ~12 % more CPU on a first pull.) */
enum { H_STATUS, H_NOTE, H_ATTEMPT, H_ATTACH, N_HIST };

static int put_history(pull_ctx *c, const char *item_id)
{
    /* Each: at, who, id, a, b, d. */
    static const char *const sql[N_HIST] = {
        [H_STATUS] = "SELECT at, user, id, from_status, to_status, '' FROM transitions"
                     " WHERE item_id = ?1 ORDER BY at, id",
        [H_NOTE] = "SELECT n.at, n.author, n.id, coalesce(o.op_id, ''), coalesce(co.op_id, ''),"
                   " n.body FROM notes AS n"
                   " LEFT JOIN serve_note_ops AS o ON o.note_id = n.id"
                   " LEFT JOIN serve_note_ops AS co ON co.note_id = n.corrects"
                   " WHERE n.item_id = ?1 ORDER BY n.at, n.id",
        [H_ATTEMPT] = "SELECT at, user, id, channel, outcome, next_action FROM attempts"
                      " WHERE item_id = ?1 ORDER BY at, id",
        [H_ATTACH] = "SELECT at, user, id, ref, label, '' FROM attachments"
                     " WHERE item_id = ?1 ORDER BY at, id",
    };
    nx_srv *s = c->s;
    sqlite3_stmt *st[N_HIST] = { 0 };
    int live[N_HIST] = { 0 }, rc = 0;
    for (int k = 0; k < N_HIST && rc == 0; k++) {
        if (k == H_NOTE && (c->notes_level == NX_LEVEL_HIDDEN || c->counts_only))
            continue;                  /* notes only as far as the role holds them */
        if (!(st[k] = srv_stmt(s, sql[k]))) {
            rc = -1;
            break;
        }
        sqlite3_bind_text(st[k], 1, item_id, -1, SQLITE_STATIC);
        int r = sqlite3_step(st[k]);
        live[k] = r == SQLITE_ROW;
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            rc = -1;
    }
    char detail[NX_HUB_CONFLICT_DETAIL_MAX + 8192];
    while (rc == 0) {
        int k = -1;
        for (int j = 0; j < N_HIST; j++) {
            if (!live[j])
                continue;
            if (k < 0) {
                k = j;
                continue;
            }
            int64_t aj = sqlite3_column_int64(st[j], 0), ak = sqlite3_column_int64(st[k], 0);
            /* (j > k: on equal times the earlier kind goes first) */
            if (aj < ak)
                k = j;
        }
        if (k < 0)
            break;
        int64_t at = sqlite3_column_int64(st[k], 0);
        const char *who = col(st[k], 1);
        const char *a = col(st[k], 3), *b = col(st[k], 4), *d = col(st[k], 5);
        switch (k) {
        case H_STATUS:
            put_hist(&s->out, at, who, "status", join(detail, sizeof detail, a, b, NULL));
            break;
        case H_NOTE: {
            char body[8192];
            nx_mask(s->policy, s->role, c->notes_def, d, NX_MASK_HOLD, body, sizeof body);
            put_hist(&s->out, at, who, "note", join(detail, sizeof detail, a, b, body));
            sodium_memzero(body, sizeof body);
            break;
        }
        case H_ATTEMPT:
            put_hist(&s->out, at, who, "attempt",
                     join(detail, sizeof detail, a, b, c->counts_only ? "" : d));
            break;
        default:
            if (!c->counts_only)
                put_hist(&s->out, at, who, "attach", join(detail, sizeof detail, a, b, NULL));
            break;
        }
        int r = sqlite3_step(st[k]);
        live[k] = r == SQLITE_ROW;
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            rc = -1;
    }
    for (int k = 0; k < N_HIST; k++)
        if (st[k])
            sqlite3_reset(st[k]);
    sodium_memzero(detail, sizeof detail);
    return rc;
}

/* A supervisor's open conflicts on the item. */
static int put_conflicts(pull_ctx *c, int kind, const char *item_id)
{
    static const char sql[] =
        "SELECT id, kind, field, value, detail, at FROM conflicts"
        " WHERE item = ?1 AND state = 'open' ORDER BY id";
    nx_srv *s = c->s;
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    int rc;
    char masked[NX_VALUE_MAX], detail[NX_VALUE_MAX + NX_HUB_CONFLICT_DETAIL_MAX + 160];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *ckind = col(st, 1), *field = col(st, 2), *value = col(st, 3);
        masked[0] = '\0';
        if (strcmp(ckind, "status") == 0 || strcmp(field, "assignee") == 0) {
            snprintf(masked, sizeof masked, "%s", value);   /* a status, a user: no PHI */
        } else {
            const kind_field *k = srv_pull_field(c, kind, field);
            if (k)
                nx_mask(s->policy, s->role, k->f, value, NX_MASK_HOLD, masked, sizeof masked);
        }
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)sqlite3_column_int64(st, 0));
        snprintf(detail, sizeof detail, "%s" NX_OP_SEP "%s" NX_OP_SEP "%s" NX_OP_SEP "%s" NX_OP_SEP "%s",
                 id, ckind, field, masked, col(st, 4));
        put_hist(&s->out, sqlite3_column_int64(st, 5), "hub", "conflict", detail);
    }
    sqlite3_reset(st);
    sodium_memzero(masked, sizeof masked);
    sodium_memzero(detail, sizeof detail);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* 1 sent, 0 skipped (gone or no longer visible), -1 store. The row is
 * read by its rowid when phase 1 gave one (one descent instead of two; the
 * id is checked too, in case the row changed hands since). */
static int send_item(pull_ctx *c, const pull_item *p, int with_history)
{
#define Q_ITEM_COLS                                                                          \
    "SELECT id, kind, client_id, patient_id, status, priority, assignee, team, created,"   \
    " updated, coalesce(due, 0), coalesce(follow_up, 0), coalesce(closed, 0),"             \
    " coalesce(linked_item, '') FROM items"
    static const char q_item[] = Q_ITEM_COLS " WHERE id = ?1";
    static const char q_item_row[] = Q_ITEM_COLS " WHERE rowid = ?2 AND id = ?1";
#undef Q_ITEM_COLS
    const char *id = p->id;
    static const char q_fields[] = "SELECT field, value FROM item_fields WHERE item_id = ?1";
    static const char q_patient[] =
        "SELECT family_name, given_name, dob, phone, email, address, mrn, member_id, payer,"
        " confidential_comm, restriction, alt_phone FROM patients WHERE id = ?1";
    nx_srv *s = c->s;
    sqlite3_stmt *st = srv_stmt(s, p->row ? q_item_row : q_item);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (p->row)
        sqlite3_bind_int64(st, 2, p->row);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : -1;
    }
    nx_item_rec r;
    memset(&r, 0, sizeof r);
    nx_strcut(r.id, sizeof r.id, col(st, 0));
    nx_strcut(r.kind, sizeof r.kind, col(st, 1));
    nx_strcut(r.client_id, sizeof r.client_id, col(st, 2));
    nx_strcut(r.patient_id, sizeof r.patient_id, col(st, 3));
    nx_strcut(r.status, sizeof r.status, col(st, 4));
    r.priority = sqlite3_column_int(st, 5);
    nx_strcut(r.assignee, sizeof r.assignee, col(st, 6));
    nx_strcut(r.team, sizeof r.team, col(st, 7));
    r.created = sqlite3_column_int64(st, 8);
    r.updated = sqlite3_column_int64(st, 9);
    r.due = sqlite3_column_int64(st, 10);
    r.follow_up = sqlite3_column_int64(st, 11);
    r.closed = sqlite3_column_int64(st, 12);
    nx_strcut(r.linked_item, sizeof r.linked_item, col(st, 13));
    sqlite3_reset(st);
    if (!srv_pull_visible(c, &r))
        return 0;
    int kind = nx_kind_parse(r.kind);

    nx_wbuf *b = &s->out;
    nx_msg_begin(b, NX_MSG_ITEM);
    nx_msg_str(b, NX_TAG_ITEM, r.id);
    nx_msg_str(b, NX_TAG_KIND, r.kind);
    nx_msg_str(b, NX_TAG_CLIENT_ID, r.client_id);
    nx_msg_str(b, NX_TAG_PATIENT_ID, c->counts_only ? NX_PATIENT_WITHHELD : r.patient_id);
    nx_msg_str(b, NX_TAG_STATUS, r.status);
    nx_msg_u64(b, NX_TAG_PRIORITY, r.priority ? 1 : 0);
    nx_msg_str(b, NX_TAG_ASSIGNEE, r.assignee);
    nx_msg_str(b, NX_TAG_TEAM, r.team);
    nx_msg_i64(b, NX_TAG_CREATED, r.created);
    nx_msg_i64(b, NX_TAG_UPDATED, r.updated);
    if (r.due)
        nx_msg_i64(b, NX_TAG_DUE, r.due);
    if (r.follow_up)
        nx_msg_i64(b, NX_TAG_FOLLOW_UP, r.follow_up);
    if (r.closed)
        nx_msg_i64(b, NX_TAG_CLOSED, r.closed);
    if (r.linked_item[0])
        nx_msg_str(b, NX_TAG_LINKED, r.linked_item);

    /* Kind fields (for operations only the workflow facts the policy lets
     * it hold: none that can hold PHI, policy.c). */
    if (!(st = srv_stmt(s, q_fields)))
        return -1;
    sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const kind_field *k = srv_pull_field(c, kind, col(st, 0));
        if (k && k->f->home == NX_AT_FIELD)
            put_kv(c, NX_TAG_KV, k, col(st, 1));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (c->counts_only)
        goto history;                  /* no patient */
    /* Patient columns. */
    if (!(st = srv_stmt(s, q_patient)))
        return -1;
    sqlite3_bind_text(st, 1, r.patient_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        for (size_t i = 0; i < N_PATIENT_COLS; i++) {
            const kind_field *k = srv_pull_field(c, kind, patient_cols[i]);
            if (k && k->f->home == NX_AT_PATIENT)
                put_kv(c, NX_TAG_PKV, k, col(st, (int)i));
        }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
history:
    if (with_history) {
        if (put_history(c, r.id) != 0)
            return -1;
        if (s->role == NX_ROLE_SUPERVISOR && put_conflicts(c, kind, r.id) != 0)
            return -1;
    }
    nx_msg_end(b);
    return 1;
}

static int exec(nx_srv *s, const char *sql)
{
    return sqlite3_exec(nx_hub_db(s->h), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int srv_pull_stream(pull_ctx *c, uint64_t *count)
{
    nx_srv *s = c->s;
    for (size_t i = 0; i < c->nsend; i += PULL_BATCH) {
        /* (the batch's items held before they go: pull.c) */
        if (srv_pull_hold(c, c->nsend - i < PULL_BATCH ? c->nsend : i + PULL_BATCH) != 0 ||
            exec(s, "BEGIN") != 0)
            return -1;
        for (size_t j = i; j < c->nsend && j < i + PULL_BATCH; j++) {
            size_t mark = s->out.len;
            int rc = send_item(c, &c->send[j], 1);
            if (rc == 1 && s->out.failed) {
                /* Too much history for one frame: send the item without
                 * it rather than not at all. */
                s->out.len = mark;
                s->out.failed = 0;
                rc = send_item(c, &c->send[j], 0);
            }
            if (rc < 0 || s->out.failed) {
                exec(s, "ROLLBACK");
                return -1;
            }
            *count += (uint64_t)rc;
            if (s->out.len >= PULL_FLUSH && srv_flush(s) != 0) {
                exec(s, "ROLLBACK");
                return -2;
            }
        }
        if (exec(s, "COMMIT") != 0)
            return -1;
    }
    return 0;
}
