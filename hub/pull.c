/* hub/pull — the answer to PULL: what changed since the client's cursor,
 * only what this user may see and, of each item, only what this role may
 * hold (DESIGN invariant 4: a hidden field never leaves the hub).
 *
 * Two phases. In the round's write transaction (so the ops just merged and
 * the snapshot agree): take the revision snapshot, walk the changed items in
 * restoration order (open by due time, then recently closed; never the
 * archive: nx_hub_items_since), sort them into "send" and, for items this
 * device holds but may no longer see, "drop" (reassigned, role, closed),
 * update what the device holds, audit what is sent; commit. Then stream:
 * CLIENT records, one ITEM per item read back in short read transactions
 * (so other sessions are not locked out while a slow client reads 100 000
 * items), DROPs, END with the snapshot as the new cursor.
 *
 * Each ITEM: the common columns; every dictionary field of its kind through
 * nx_mask(..., NX_MASK_HOLD): hidden -> omitted altogether, partial -> the
 * masked form only, reveal and full -> as stored; kind fields as KV, patient
 * columns as PKV; history as HIST (at, who, what, detail), oldest first,
 * notes only as far as the role's level for "notes" allows. A supervisor's
 * items also carry their open conflicts as HIST "conflict" entries (detail:
 * id \x1f kind \x1f field \x1f value as the role may hold it \x1f detail),
 * so the conflict inbox can be worked offline. */
#include "hub/serve.h"
#include "util/util.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PULL_BATCH 256
#define PULL_FLUSH (256u * 1024u)

typedef struct pull_item {
    char id[NX_ID_MAX];
    char client[NX_ID_MAX];
} pull_item;

typedef struct pull_drop {
    char id[NX_ID_MAX];
    const char *reason;
} pull_drop;

/* A kind's fields as this role may hold them, sorted by id. */
typedef struct kind_field {
    const nx_field_def *f;
    nx_level level;
} kind_field;

typedef struct pull_ctx {
    nx_srv *s;
    int role_changed;
    int may_view;
    int64_t now;
    pull_item *send;
    size_t nsend, capsend;
    pull_drop *drop;
    size_t ndrop, capdrop;
    kind_field kf[NX_KIND_COUNT][128];
    size_t nkf[NX_KIND_COUNT];
    int kinds_sent[NX_KIND_COUNT];
    nx_level notes_level;
    const nx_field_def *notes_def;
    int failed;
} pull_ctx;

/* ---- phase 1: decide ----------------------------------------------------------------- */

static int push_send(pull_ctx *c, const nx_item_rec *it)
{
    if (c->nsend == c->capsend) {
        size_t nc = c->capsend ? c->capsend * 2 : 256;
        void *p = realloc(c->send, nc * sizeof *c->send);
        if (!p)
            return -1;
        c->send = p;
        c->capsend = nc;
    }
    pull_item *p = &c->send[c->nsend++];
    snprintf(p->id, sizeof p->id, "%s", it->id);
    snprintf(p->client, sizeof p->client, "%s", it->client_id);
    int k = nx_kind_parse(it->kind);
    if (k >= 0)
        c->kinds_sent[k] = 1;
    return 0;
}

static int push_drop(pull_ctx *c, const char *id, const char *reason)
{
    for (size_t i = 0; i < c->ndrop; i++)
        if (strcmp(c->drop[i].id, id) == 0)
            return 0;
    if (c->ndrop == c->capdrop) {
        size_t nc = c->capdrop ? c->capdrop * 2 : 16;
        void *p = realloc(c->drop, nc * sizeof *c->drop);
        if (!p)
            return -1;
        c->drop = p;
        c->capdrop = nc;
    }
    snprintf(c->drop[c->ndrop].id, sizeof c->drop[c->ndrop].id, "%s", id);
    c->drop[c->ndrop++].reason = reason;
    return 0;
}

static int visible(const pull_ctx *c, const nx_item_rec *it)
{
    return c->may_view && nx_kind_parse(it->kind) >= 0 &&
           srv_in_scope(c->s, it->assignee, it->team);
}

static int walk_cb(void *arg, const nx_item_rec *it, int64_t rev)
{
    (void)rev;
    pull_ctx *c = arg;
    if (visible(c, it))
        return push_send(c, it) == 0 ? 0 : -1;
    int held = nx_hub_device_item_has(c->s->h, c->s->device, it->id);
    if (held < 0)
        return -1;
    if (held)
        return push_drop(c, it->id, c->role_changed || !c->may_view ? "role" : "reassigned");
    return 0;
}

static int expired_cb(void *arg, const char *id)
{
    return push_drop(arg, id, "closed") == 0 ? 0 : -1;
}

static int held_cb(void *arg, const char *id)
{
    return push_drop(arg, id, "role") == 0 ? 0 : -1;
}

static int cmp_kf(const void *a, const void *b)
{
    return strcmp(((const kind_field *)a)->f->id, ((const kind_field *)b)->f->id);
}

static void kind_tables(pull_ctx *c)
{
    const nx_srv *s = c->s;
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        const nx_field_def *defs[128];
        size_t n = nx_dict_fields_of(s->dict, (nx_kind)k, defs, 128);
        if (n > 128)
            n = 128;
        c->nkf[k] = 0;
        for (size_t i = 0; i < n; i++) {
            nx_level lv = nx_policy_level(s->policy, s->role, defs[i]);
            if (lv == NX_LEVEL_HIDDEN)
                continue;
            c->kf[k][c->nkf[k]].f = defs[i];
            c->kf[k][c->nkf[k]++].level = lv;
        }
        qsort(c->kf[k], c->nkf[k], sizeof c->kf[k][0], cmp_kf);
    }
    c->notes_def = nx_dict_find(s->dict, "notes");
    c->notes_level = c->notes_def ? nx_policy_level(s->policy, s->role, c->notes_def)
                                  : NX_LEVEL_HIDDEN;
}

static const kind_field *kf_find(const pull_ctx *c, int kind, const char *id)
{
    size_t lo = 0, hi = c->nkf[kind];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int d = strcmp(id, c->kf[kind][mid].f->id);
        if (d == 0)
            return &c->kf[kind][mid];
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The hub audit of what is sent: counts, and which fields (ids), in as
 * many events as the list needs. */
static int audit_send(pull_ctx *c, uint64_t from, int64_t snap)
{
    nx_srv *s = c->s;
    char why[NX_AUDIT_REASON_MAX];
    snprintf(why, sizeof why, "pull: cursor %llu -> %lld%s; %zu items sent, %zu dropped",
             (unsigned long long)from, (long long)snap, c->role_changed ? " (role changed: from 0)" : "",
             c->nsend, c->ndrop);
    if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
        return -1;
    if (!c->nsend)
        return 0;
    /* Union of the fields held for the kinds sent, in dictionary order. */
    char list[NX_AUDIT_REASON_MAX];
    size_t len = 0;
    int part = 1;
    for (size_t i = 0; i < s->dict->n; i++) {
        const nx_field_def *f = &s->dict->fields[i];
        int any = 0;
        nx_level lv = NX_LEVEL_HIDDEN;
        for (int k = 0; k < NX_KIND_COUNT && !any; k++)
            if (c->kinds_sent[k] && (f->kinds & NX_KIND_BIT(k)) && kf_find(c, k, f->id)) {
                any = 1;
                lv = kf_find(c, k, f->id)->level;
            }
        if (!any)
            continue;
        char one[96];
        int n = snprintf(one, sizeof one, "%s%s%s", len ? "," : "", f->id,
                         lv == NX_LEVEL_PARTIAL ? "(masked)" : "");
        if (len + (size_t)n + 24 >= sizeof list) {
            snprintf(why, sizeof why, "fields sent (%d): %.460s", part++, list);
            if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
                return -1;
            len = 0;
            n = snprintf(one, sizeof one, "%s%s", f->id, lv == NX_LEVEL_PARTIAL ? "(masked)" : "");
        }
        memcpy(list + len, one, (size_t)n + 1);
        len += (size_t)n;
    }
    if (len) {
        snprintf(why, sizeof why, "fields sent (%d): %.460s", part, list);
        if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
            return -1;
    }
    return 0;
}

/* ---- phase 2: stream ------------------------------------------------------------------ */

static const char *const patient_cols[] = {
    "family_name", "given_name", "dob", "phone", "email", "address", "mrn",
    "member_id", "payer", "confidential_comm", "restriction", "alt_phone",
};
#define N_PATIENT_COLS (sizeof patient_cols / sizeof patient_cols[0])

static int send_clients(pull_ctx *c)
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

static int put_history(pull_ctx *c, const char *item_id)
{
    static const char sql[] =
        "SELECT at, user, 0 AS ord, id, from_status, to_status, '' FROM transitions"
        "  WHERE item_id = ?1"
        " UNION ALL SELECT n.at, n.author, 1, n.id, coalesce(o.op_id, ''),"
        "  coalesce(co.op_id, ''), n.body FROM notes AS n"
        "  LEFT JOIN serve_note_ops AS o ON o.note_id = n.id"
        "  LEFT JOIN serve_note_ops AS co ON co.note_id = n.corrects"
        "  WHERE n.item_id = ?1 AND ?2"
        " UNION ALL SELECT at, user, 2, id, channel, outcome, next_action FROM attempts"
        "  WHERE item_id = ?1"
        " UNION ALL SELECT at, user, 3, id, ref, label, '' FROM attachments WHERE item_id = ?1"
        " ORDER BY 1, 3, 4";
    nx_srv *s = c->s;
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, c->notes_level != NX_LEVEL_HIDDEN);
    char detail[NX_HUB_CONFLICT_DETAIL_MAX + 8192];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t at = sqlite3_column_int64(st, 0);
        const char *who = col(st, 1);
        int ord = sqlite3_column_int(st, 2);
        const char *a = col(st, 4), *b = col(st, 5), *d = col(st, 6);
        switch (ord) {
        case 0:
            put_hist(&s->out, at, who, "status", join(detail, sizeof detail, a, b, NULL));
            break;
        case 1: {
            char body[8192];
            nx_mask(s->policy, s->role, c->notes_def, d, NX_MASK_HOLD, body, sizeof body);
            put_hist(&s->out, at, who, "note", join(detail, sizeof detail, a, b, body));
            sodium_memzero(body, sizeof body);
            break;
        }
        case 2:
            put_hist(&s->out, at, who, "attempt", join(detail, sizeof detail, a, b, d));
            break;
        default:
            put_hist(&s->out, at, who, "attach", join(detail, sizeof detail, a, b, NULL));
            break;
        }
    }
    sqlite3_reset(st);
    sodium_memzero(detail, sizeof detail);
    return rc == SQLITE_DONE ? 0 : -1;
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
            const kind_field *k = kf_find(c, kind, field);
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

/* 1 sent, 0 skipped (gone or no longer visible), -1 store. */
static int send_item(pull_ctx *c, const char *id, int with_history)
{
    static const char q_item[] =
        "SELECT id, kind, client_id, patient_id, status, priority, assignee, team, created,"
        " updated, coalesce(due, 0), coalesce(follow_up, 0), coalesce(closed, 0),"
        " coalesce(linked_item, '') FROM items WHERE id = ?1";
    static const char q_fields[] = "SELECT field, value FROM item_fields WHERE item_id = ?1";
    static const char q_patient[] =
        "SELECT family_name, given_name, dob, phone, email, address, mrn, member_id, payer,"
        " confidential_comm, restriction, alt_phone FROM patients WHERE id = ?1";
    nx_srv *s = c->s;
    sqlite3_stmt *st = srv_stmt(s, q_item);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : -1;
    }
    nx_item_rec r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", col(st, 0));
    snprintf(r.kind, sizeof r.kind, "%s", col(st, 1));
    snprintf(r.client_id, sizeof r.client_id, "%s", col(st, 2));
    snprintf(r.patient_id, sizeof r.patient_id, "%s", col(st, 3));
    snprintf(r.status, sizeof r.status, "%s", col(st, 4));
    r.priority = sqlite3_column_int(st, 5);
    snprintf(r.assignee, sizeof r.assignee, "%s", col(st, 6));
    snprintf(r.team, sizeof r.team, "%s", col(st, 7));
    r.created = sqlite3_column_int64(st, 8);
    r.updated = sqlite3_column_int64(st, 9);
    r.due = sqlite3_column_int64(st, 10);
    r.follow_up = sqlite3_column_int64(st, 11);
    r.closed = sqlite3_column_int64(st, 12);
    snprintf(r.linked_item, sizeof r.linked_item, "%s", col(st, 13));
    sqlite3_reset(st);
    if (!visible(c, &r))
        return 0;
    int kind = nx_kind_parse(r.kind);

    nx_wbuf *b = &s->out;
    nx_msg_begin(b, NX_MSG_ITEM);
    nx_msg_str(b, NX_TAG_ITEM, r.id);
    nx_msg_str(b, NX_TAG_KIND, r.kind);
    nx_msg_str(b, NX_TAG_CLIENT_ID, r.client_id);
    nx_msg_str(b, NX_TAG_PATIENT_ID, r.patient_id);
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

    /* Kind fields. */
    if (!(st = srv_stmt(s, q_fields)))
        return -1;
    sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const kind_field *k = kf_find(c, kind, col(st, 0));
        if (k && k->f->home == NX_AT_FIELD)
            put_kv(c, NX_TAG_KV, k, col(st, 1));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    /* Patient columns. */
    if (!(st = srv_stmt(s, q_patient)))
        return -1;
    sqlite3_bind_text(st, 1, r.patient_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        for (size_t i = 0; i < N_PATIENT_COLS; i++) {
            const kind_field *k = kf_find(c, kind, patient_cols[i]);
            if (k && k->f->home == NX_AT_PATIENT)
                put_kv(c, NX_TAG_PKV, k, col(st, (int)i));
        }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
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

static int stream_items(pull_ctx *c, uint64_t *count)
{
    nx_srv *s = c->s;
    for (size_t i = 0; i < c->nsend; i += PULL_BATCH) {
        if (exec(s, "BEGIN") != 0)
            return -1;
        for (size_t j = i; j < c->nsend && j < i + PULL_BATCH; j++) {
            size_t mark = s->out.len;
            int rc = send_item(c, c->send[j].id, 1);
            if (rc == 1 && s->out.failed) {
                /* Too much history for one frame: send the item without
                 * it rather than not at all. */
                s->out.len = mark;
                s->out.failed = 0;
                rc = send_item(c, c->send[j].id, 0);
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

/* ---- the PULL ----------------------------------------------------------------------------- */

static void end_frame(nx_srv *s, uint64_t cursor, uint64_t count)
{
    nx_wbuf *b = &s->out;
    nx_msg_begin(b, NX_MSG_END);
    nx_msg_u64(b, NX_TAG_CURSOR, cursor);
    nx_msg_i64(b, NX_TAG_TIME, srv_now());
    nx_msg_u64(b, NX_TAG_HLC, nx_hlc_tick(&s->hlc, nx_hlc_wall_ms()));
    nx_msg_u64(b, NX_TAG_COUNT, count);
    nx_msg_end(b);
}

static void free_ctx(pull_ctx *c)
{
    free(c->send);
    free(c->drop);
    free(c);
}

int srv_on_pull(nx_srv *s, const nx_msg *m)
{
    uint64_t cursor = 0, hlc = 0;
    nx_msg_get_u64(m, NX_TAG_CURSOR, &cursor);
    nx_msg_get_u64(m, NX_TAG_HLC, &hlc);
    if (hlc && NX_HLC_MS(hlc) <= nx_hlc_wall_ms() + SRV_MAX_AHEAD_MS)
        nx_hlc_recv(&s->hlc, hlc, nx_hlc_wall_ms());
    if (srv_tx(s) != 0)
        return -1;
    if (s->revoked) {
        /* Nothing more for a revoked user or device: its pending audit
         * events were taken, its ops refused. */
        if (srv_tx_commit(s) != 0)
            return -1;
        end_frame(s, cursor, 0);
        (void)srv_flush(s);
        return 0;
    }
    pull_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->s = s;
    c->now = srv_now();
    c->may_view = nx_policy_allows(s->policy, s->role, NX_ACTION_VIEW) &&
                  nx_policy_scope(s->policy, s->role) != NX_SCOPE_NONE;
    kind_tables(c);

    /* Role or team changed since the device last pulled: start over. */
    char was[160], now_role[160];
    snprintf(now_role, sizeof now_role, "%s/%s", s->role_name, s->team);
    int rc = -1;
    uint64_t from = cursor, count = 0;
    if (srv_device_role_get(s, was, sizeof was) != 0)
        goto out;
    if (strcmp(was, now_role) != 0) {
        c->role_changed = was[0] != '\0' || cursor != 0;
        from = 0;
        if (srv_device_role_set(s, now_role) != 0)
            goto out;
    }
    int64_t snap = nx_hub_rev(s->h);
    if (snap < 0)
        goto out;
    if (c->may_view) {
        if (nx_hub_items_since(s->h, (int64_t)from, c->now, NULL, walk_cb, c) != 0)
            goto out;
    } else if (nx_hub_device_items_each(s->h, s->device, held_cb, c) != 0) {
        goto out;
    }
    /* Items that went to the archive while held (time moves them there,
     * not a revision): those closed between the archive line of the
     * device's last pull and today's. The first time, every held item is
     * looked at. */
    int64_t cut = c->now - (int64_t)(s->set.keep_closed_days > 0 ? s->set.keep_closed_days
                                                                  : NX_HUB_KEEP_CLOSED_DAYS) * 86400,
            prev = 0;
    int known = srv_archive_cut_get(s, &prev);
    if (known < 0)
        goto out;
    if (!known || from == 0) {
        if (nx_hub_device_items_expired(s->h, s->device, c->now, expired_cb, c) != 0)
            goto out;
    } else if (cut > prev && srv_archived_since(s, prev - 1, cut - 1, expired_cb, c) != 0) {
        goto out;
    }
    /* Persisted hourly: the range above is indexed, a wider one costs
     * nothing, and a round with nothing to do then writes nothing. */
    if ((cut - prev >= 3600 || c->ndrop) && srv_archive_cut_set(s, cut) != 0)
        goto out;
    for (size_t i = 0; i < c->nsend; i++)
        if (nx_hub_device_item_add(s->h, s->device, c->send[i].id) != 0)
            goto out;
    for (size_t i = 0; i < c->ndrop; i++)
        if (nx_hub_device_item_forget(s->h, s->device, c->drop[i].id) != 0)
            goto out;
    /* Every round that moved something is audited here; an idle round
     * (nothing pushed, sent or dropped) is counted in the session's end
     * event only, so that a kept-open connection polling every minute does
     * not write (and fsync) the store each time. */
    int idle = c->nsend == 0 && c->ndrop == 0 && s->round_ops == 0 && s->round_audit == 0;
    if ((!idle && audit_send(c, cursor, snap) != 0) || srv_tx_commit(s) != 0)
        goto out;
    /* Committed: the RESULTs queued before this PULL may go out now. */
    if (srv_flush(s) != 0) {
        rc = 0;
        goto out;
    }
    if (send_clients(c) != 0)
        goto out;
    for (size_t i = 0; i < c->ndrop; i++) {
        nx_msg_begin(&s->out, NX_MSG_DROP);
        nx_msg_str(&s->out, NX_TAG_ITEM, c->drop[i].id);
        nx_msg_str(&s->out, NX_TAG_REASON, c->drop[i].reason);
        nx_msg_end(&s->out);
    }
    int sr = stream_items(c, &count);
    if (sr == -2) {
        rc = 0;                        /* the client went away */
        goto out;
    }
    if (sr != 0)
        goto out;
    end_frame(s, (uint64_t)snap, count);
    s->cursor = (uint64_t)snap;
    s->st.items += count;
    s->st.drops += c->ndrop;
    (void)srv_flush(s);
    rc = 0;
out:
    free_ctx(c);
    return rc;
}
