/* Applying what the hub sends (sync_store.h): clinics, items with their
 * patient, fields and history, and erasing items. Prepared once per pull:
 * a first sync writes 100 000 items, and preparing a dozen statements per
 * item would cost more than writing it. Values are bound from views into
 * the decoded frame, never copied.
 *
 * What an item costs is the pages it dirties (each one sealed twice, to the
 * journal and to the database) and the statements it runs, so an item is
 * read first and only what differs is written: a new item is one INSERT
 * that carries its queue keys (migration 10's triggers then have nothing
 * to do); a known one an UPDATE of the changed columns only (an index
 * whose columns did not change is not touched), its fields and patient
 * rewritten only where they differ. An item sent again unchanged writes
 * nothing. The queue indexes of a first sync into an empty cache are built
 * once at the end (sync_store_bulk.c). */
#include "store/sync_store.h"
#include "store/sync_hist.h"
#include "store/store_int.h"
#include "store/sync_pmemo.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_CLIENT_LEAD, S_CLIENT, S_CLIENT_EXISTS, S_PATIENT_GET, S_PATIENT_INSERT,
    S_ITEM_EXISTS, S_ITEM_GET, S_ITEM_INSERT, S_LINK_PUT, S_LINK_DEL,
    S_LINK_WAITING, S_LINK_RESOLVE, S_LINK_RESOLVED, S_FIELDS_GET, S_FIELDS_DEL, S_FIELD_DEL,
    S_FIELD_PUT, S_FIELD_INS,
    S_TRANS_DEL, S_NOTES_DEL, S_ATTEMPTS_DEL, S_ATTACH_DEL, S_TRANS_INS, S_NOTE_INS,
    S_ATTEMPT_INS, S_ATTACH_INS, S_ITEM_PATIENT, S_UNLINK_KEEP, S_UNLINK, S_DISCL_DEL,
    S_REJ_DEL, S_ITEM_DEL, S_PATIENT_GC, S_CONFL_DEL, S_CONFL_PUT, S_CONFL_ERASE,
    S_PATIENT_KINDS, S_PATIENT_ITEM_KEYS, S_ITEM_ADD, S_SCOPE_ENSURE, S_COUNT
};

#define ITEM_INSERT                                                                         \
    "INSERT INTO items(id," ITEM_COLS ",due_key,patient_sort,patient_given,payer_sort,kind_no," \
    "scope_no) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14," DUE_KEY ",?16,?17,?18,"   \
    NX_KIND_NO_OF("?2") "," NX_SCOPE_NO_OF("?3", "?7", "?6") ")"
#define CLIENT_COLS "id,name,tz,escalation,holidays,consent_rules"
#define CLIENT_SET "name=excluded.name,tz=excluded.tz,escalation=excluded.escalation," \
                   "holidays=excluded.holidays,consent_rules=excluded.consent_rules"
#define PATIENT_COLS "family_name,given_name,dob,phone,email,address,mrn,member_id,payer," \
                     "confidential_comm,restriction,alt_phone"

/* The item's columns in the order the statements bind them: ?1 is the id,
 * column i is ?(i + 2). */
enum {
    C_KIND, C_CLIENT, C_PATIENT, C_STATUS, C_ASSIGNEE, C_TEAM, C_LINKED, C_PRIORITY,
    C_CREATED, C_UPDATED, C_DUE, C_FOLLOW_UP, C_CLOSED, N_ITEM_COLS
};
static const char *const item_cols[N_ITEM_COLS] = {
    "kind", "client_id", "patient_id", "status", "assignee", "team", "linked_item",
    "priority", "created", "updated", "due", "follow_up", "closed",
};
static const char *item_col(size_t c) { return item_cols[c]; }
#define ITEM_COLS "kind,client_id,patient_id,status,assignee,team,linked_item,priority," \
                  "created,updated,due,follow_up,closed"
/* due_key and the name and payer keys as migration 4 defines them. */
#define DUE_KEY "coalesce(?12,9223372036854775807)"

static const char *const sql[S_COUNT] = {
    [S_CLIENT_LEAD] = "INSERT INTO clients(" CLIENT_COLS ",verify_lead_hours) "
                      "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(id) DO UPDATE SET " CLIENT_SET
                      ",verify_lead_hours=excluded.verify_lead_hours",
    [S_CLIENT] = "INSERT INTO clients(" CLIENT_COLS ") VALUES(?1,?2,?3,?4,?5,?6) "
                 "ON CONFLICT(id) DO UPDATE SET " CLIENT_SET,
    [S_CLIENT_EXISTS] = "SELECT 1 FROM clients WHERE id=?1",
    [S_PATIENT_GET] = "SELECT " PATIENT_COLS " FROM patients WHERE id=?1",
    [S_PATIENT_INSERT] = "INSERT INTO patients(id," PATIENT_COLS ",client_id) "
                         "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
    [S_ITEM_EXISTS] = "SELECT 1 FROM items WHERE id=?1",
    [S_ITEM_GET] = "SELECT rowid," ITEM_COLS " FROM items WHERE id=?1",
    /* The name and payer keys are bound (?16..?18, made by patient_keys
     * from the row apply_patient wrote or found). */
    [S_ITEM_INSERT] = ITEM_INSERT,
    /* (nx_sync_applier_mostly_new: inserted unless it is there already) */
    [S_ITEM_ADD] = ITEM_INSERT " ON CONFLICT(id) DO NOTHING",
    /* (ensure_scope: before an insert, so that its scope_no is found) */
    [S_SCOPE_ENSURE] = "INSERT OR IGNORE INTO item_scopes(client_id, team, assignee) "
                       "VALUES(?1, ?2, ?3)",
    [S_LINK_PUT] = "INSERT OR REPLACE INTO link_pending(item_id,linked) VALUES(?1,?2)",
    [S_LINK_DEL] = "DELETE FROM link_pending WHERE item_id=?1",
    [S_LINK_WAITING] = "SELECT 1 FROM link_pending WHERE linked=?1 LIMIT 1",
    [S_LINK_RESOLVE] = "UPDATE items SET linked_item=?1 WHERE id IN "
                       "(SELECT item_id FROM link_pending WHERE linked=?1)",
    [S_LINK_RESOLVED] = "DELETE FROM link_pending WHERE linked=?1",
    [S_FIELDS_GET] = "SELECT field,value FROM item_fields WHERE item_id=?1",
    [S_FIELDS_DEL] = "DELETE FROM item_fields WHERE item_id=?1",
    [S_FIELD_DEL] = "DELETE FROM item_fields WHERE item_id=?1 AND field=?2",
    [S_FIELD_PUT] = "INSERT INTO item_fields(item_id,field,value) VALUES(?1,?2,?3) "
                    "ON CONFLICT(item_id,field) DO UPDATE SET value=excluded.value",
    /* A new item's fields (one row each: several rows in one VALUES are a
     * SELECT, which a table with triggers stages in a temporary table). */
    [S_FIELD_INS] = "INSERT INTO item_fields(item_id,field,value) VALUES(?1,?2,?3)",
    [S_TRANS_DEL] = "DELETE FROM transitions WHERE item_id=?1",
    [S_NOTES_DEL] = "DELETE FROM notes WHERE item_id=?1",
    [S_ATTEMPTS_DEL] = "DELETE FROM attempts WHERE item_id=?1",
    [S_ATTACH_DEL] = "DELETE FROM attachments WHERE item_id=?1",
    [S_TRANS_INS] = "INSERT INTO transitions(item_id,at,user,from_status,to_status) "
                    "VALUES(?1,?2,?3,?4,?5)",
    [S_NOTE_INS] = "INSERT INTO notes(item_id,author,at,body,corrects,op_id) VALUES(?1,?2,?3,?4,"
                   "(SELECT id FROM notes WHERE item_id=?1 AND op_id=?5 LIMIT 1),?6)",
    [S_ATTEMPT_INS] = "INSERT INTO attempts(item_id,at,user,channel,outcome,next_action) "
                      "VALUES(?1,?2,?3,?4,?5,?6)",
    [S_ATTACH_INS] = "INSERT INTO attachments(item_id,at,user,ref,label) VALUES(?1,?2,?3,?4,?5)",
    [S_ITEM_PATIENT] = "SELECT patient_id FROM items WHERE id=?1",
    [S_UNLINK_KEEP] = "INSERT OR REPLACE INTO link_pending(item_id,linked) "
                      "SELECT id, linked_item FROM items WHERE linked_item=?1 AND id<>?1",
    [S_UNLINK] = "UPDATE items SET linked_item=NULL WHERE linked_item=?1",
    [S_DISCL_DEL] = "DELETE FROM disclosures WHERE item_id=?1",
    [S_REJ_DEL] = "DELETE FROM op_rejects WHERE item_id=?1",
    [S_ITEM_DEL] = "DELETE FROM items WHERE id=?1",
    [S_PATIENT_GC] = "DELETE FROM patients WHERE id=?1 "
                     "AND NOT EXISTS (SELECT 1 FROM items WHERE patient_id=?1) "
                     "AND NOT EXISTS (SELECT 1 FROM disclosures WHERE patient_id=?1)",
    /* The conflict inbox (conflict_store.h): a row resolved here whose
     * resolve op is still pending keeps its state until the hub answers. */
    [S_CONFL_DEL] = "DELETE FROM conflict_inbox WHERE item_id=?1 AND NOT "
                    "(op_id<>'' AND op_id IN (SELECT op_id FROM outbox))",
    [S_CONFL_PUT] = "INSERT INTO conflict_inbox(id,item_id,kind,field,value,detail,at) "
                    "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(id) DO UPDATE SET "
                    "item_id=excluded.item_id,kind=excluded.kind,field=excluded.field,"
                    "value=excluded.value,detail=excluded.detail,at=excluded.at",
    [S_CONFL_ERASE] = "DELETE FROM conflict_inbox WHERE item_id=?1",
    [S_PATIENT_KINDS] = "SELECT DISTINCT kind FROM items WHERE patient_id=?1",
    /* The queue keys of a patient's items after its row changed under
     * them (patient_keys' values: SQLite's lower() lowers A-Z only, too). */
    [S_PATIENT_ITEM_KEYS] =
        "UPDATE items SET patient_sort = k.ps, patient_given = k.pg, payer_sort = k.py"
        " FROM (SELECT lower(family_name) || ', ' || lower(given_name) AS ps,"
        "              lower(given_name) || ' ' || lower(family_name) AS pg, lower(payer) AS py"
        "       FROM patients WHERE id=?1) AS k"
        " WHERE items.patient_id=?1 AND (patient_sort IS NOT k.ps OR patient_given IS NOT k.pg"
        "                                OR payer_sort IS NOT k.py)",
};

/* Statements made for one set of columns (a bit each) when first needed
 * and kept, the oldest replaced: a pull's changes are mostly alike. */
#define MASK_STMTS_MAX 16
typedef struct {
    struct {
        unsigned mask;
        sqlite3_stmt *st;
    } slot[MASK_STMTS_MAX];
    unsigned next;
} mask_stmts;

/* A queue key being built (PHI: wiped after each item). */
typedef struct {
    char *p;
    size_t n, cap;
} keybuf;
enum { K_SORT, K_GIVEN, K_PAYER, N_KEYS };

#define NX_APPLIER_KINDS_MAX 8

struct nx_sync_applier {
    nx_store *s;
    sqlite3_stmt *st[S_COUNT];
    sqlite3_stmt *hist_get[NX_HIST_KEPT_KINDS];   /* sync_hist.h */
    keybuf key[N_KEYS];     /* the item's patient_sort, patient_given, payer_sort */
    mask_stmts upd;              /* UPDATEs of a known item's changed columns */
    mask_stmts pupd;             /* UPDATEs of a patient's carried columns */
    const char *const *pmask_of; /* the pcarried list pmask was made from */
    unsigned pmask;
    /* The patient columns each kind holds (nx_sync_applier_carried). */
    struct {
        char kind[24];
        unsigned mask;
    } kc[NX_APPLIER_KINDS_MAX];
    size_t nkc;
    int mostly_new;              /* nx_sync_applier_mostly_new */
    nx_pmemo *pmemo;             /* the patients this transaction wrote (NULL: none kept) */
    /* The scope ensure_scope made sure of last (client, team, assignee,
     * each NUL-ended): most items in a pull share it. */
    char scope_seen[3 * 128];
    size_t scope_len;
};

int nx_sync_applier_new(nx_store *s, nx_sync_applier **out)
{
    *out = NULL;
    nx_sync_applier *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->s = s;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &a->st[i], NULL)) {
            nx_sync_applier_free(a);
            return -1;
        }
    for (int k = 0; k < NX_HIST_KEPT_KINDS; k++)
        if (sqlite3_prepare_v3(s->db, nx_hist_get_sql[k], -1, SQLITE_PREPARE_PERSISTENT,
                               &a->hist_get[k], NULL)) {
            nx_sync_applier_free(a);
            return -1;
        }
    a->pmemo = nx_pmemo_new();   /* without it every patient is read */
    *out = a;
    return 0;
}

void nx_sync_applier_tx_end(nx_sync_applier *a)
{
    if (a)
        nx_pmemo_clear(a->pmemo);
}

static void keys_wipe(nx_sync_applier *a)
{
    for (int k = 0; k < N_KEYS; k++) {
        if (a->key[k].p)
            sodium_memzero(a->key[k].p, a->key[k].cap);
        a->key[k].n = 0;
    }
}

void nx_sync_applier_free(nx_sync_applier *a)
{
    if (!a)
        return;
    keys_wipe(a);
    nx_pmemo_free(a->pmemo);
    for (int k = 0; k < N_KEYS; k++)
        free(a->key[k].p);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(a->st[i]);
    for (int k = 0; k < NX_HIST_KEPT_KINDS; k++)
        sqlite3_finalize(a->hist_get[k]);
    for (int i = 0; i < MASK_STMTS_MAX; i++) {
        sqlite3_finalize(a->upd.slot[i].st);
        sqlite3_finalize(a->pupd.slot[i].st);
    }
    free(a);
}

static sqlite3_stmt *stmt(nx_sync_applier *a, int i)
{
    sqlite3_reset(a->st[i]);
    sqlite3_clear_bindings(a->st[i]);
    return a->st[i];
}

/* The kept UPDATE of table for the columns in mask (bit c: column c,
 * named name(c), bound at ?(c + 2)), then also (NULL: nothing more; ends
 * with a comma) and where; made and kept in place of the oldest when
 * there is none yet. NULL when it does not prepare. */
static sqlite3_stmt *mask_update(mask_stmts *m, sqlite3 *db, unsigned mask, const char *table,
                                 size_t ncols, const char *(*name)(size_t c), const char *also,
                                 const char *where)
{
    for (int i = 0; i < MASK_STMTS_MAX; i++)
        if (m->slot[i].st && m->slot[i].mask == mask) {
            sqlite3_reset(m->slot[i].st);
            sqlite3_clear_bindings(m->slot[i].st);
            return m->slot[i].st;
        }
    char q[768];
    int n = snprintf(q, sizeof q, "UPDATE %s SET ", table);
    size_t len = n > 0 ? (size_t)n : sizeof q;
    for (size_t c = 0; c < ncols && len < sizeof q; c++)
        if (mask & (1u << c)) {
            n = snprintf(q + len, sizeof q - len, "%s=?%zu,", name(c), c + 2);
            len = n < 0 ? sizeof q : len + (size_t)n;
        }
    if (also && len < sizeof q) {
        n = snprintf(q + len, sizeof q - len, "%s", also);
        len = n < 0 ? sizeof q : len + (size_t)n;
    }
    if (len >= sizeof q || q[len - 1] != ',' || len - 1 + strlen(where) >= sizeof q)
        return NULL;
    memcpy(q + len - 1, where, strlen(where) + 1);   /* over the last comma */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, q, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    unsigned k = m->next++ % MASK_STMTS_MAX;
    sqlite3_finalize(m->slot[k].st);
    m->slot[k].mask = mask;
    m->slot[k].st = st;
    return st;
}

static void bind_str(sqlite3_stmt *st, int pos, const char *v)
{
    sqlite3_bind_text(st, pos, v ? v : "", -1, SQLITE_STATIC);
}

static void bind_span(sqlite3_stmt *st, int pos, nx_span v)
{
    sqlite3_bind_text(st, pos, v.p ? v.p : "", v.p ? (int)v.n : 0, SQLITE_STATIC);
}

/* An empty span binds NULL (for the optional op ids of notes). */
static void bind_span_opt(sqlite3_stmt *st, int pos, nx_span v)
{
    if (v.p && v.n)
        sqlite3_bind_text(st, pos, v.p, (int)v.n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, pos);
}

/* A decimal the decoder has checked (client_apply.c: a conflict's id). */
static int64_t span_int(nx_span v)
{
    int64_t n = 0;
    for (size_t i = 0; i < v.n && i < 18 && v.p[i] >= '0' && v.p[i] <= '9'; i++)
        n = n * 10 + (v.p[i] - '0');
    return n;
}

static void bind_time(sqlite3_stmt *st, int pos, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, pos, v);
    else
        sqlite3_bind_null(st, pos);
}

/* Steps a statement that returns no rows; leaves it reset. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* 1 when the query returns a row, 0 when not, -1 on error. */
static int exists(nx_sync_applier *a, int i, const char *id)
{
    sqlite3_stmt *st = stmt(a, i);
    bind_str(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int by_id(nx_sync_applier *a, int i, const char *id)
{
    sqlite3_stmt *st = stmt(a, i);
    bind_str(st, 1, id);
    return run(st);
}

int nx_sync_apply_client(nx_sync_applier *a, const nx_pulled_client *c)
{
    sqlite3_stmt *st = stmt(a, c->has_lead ? S_CLIENT_LEAD : S_CLIENT);
    const char *t[] = { c->id, c->name, c->tz, c->escalation, c->holidays, c->consent };
    for (int i = 0; i < 6; i++)
        bind_str(st, i + 1, t[i]);
    if (c->has_lead)
        sqlite3_bind_int(st, 7, c->lead_hours);
    return run(st);
}

/* ---- comparing what is stored with what came ---------------------------------------- */

static int span_is(nx_span s, const char *z)
{
    size_t n = strlen(z);
    return s.n == n && s.p && memcmp(s.p, z, n) == 0;
}

static int spans_equal(nx_span a, nx_span b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Column i of a row as a view (NULL reads as empty). */
static nx_span col_span(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    nx_span v = { t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(st, i) : 0 };
    return v;
}

static int col_is_text(sqlite3_stmt *st, int i, const char *v)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t && strcmp((const char *)t, v) == 0;
}

/* A nullable time column holds v (0 = NULL). */
static int col_is_time(sqlite3_stmt *st, int i, int64_t v)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return v == 0;
    return v != 0 && sqlite3_column_int64(st, i) == v;
}

/* ---- the patient ------------------------------------------------------------------ */

/* The patients columns in S_PATIENT_GET's order (?2.. in the writes), with
 * their defaults. */
static const struct {
    const char *id, *dflt;
} patient_cols[] = {
    { "family_name", "" }, { "given_name", "" }, { "dob", "" }, { "phone", "" },
    { "email", "" }, { "address", "" }, { "mrn", "" }, { "member_id", "" }, { "payer", "" },
    { "confidential_comm", "no" }, { "restriction", "no" }, { "alt_phone", "" },
};
#define N_PATIENT_COLS (sizeof patient_cols / sizeof patient_cols[0])
static const char *patient_col(size_t c) { return patient_cols[c].id; }

/* The value sent for patient column c (the last one sent wins), or its
 * default. */
static nx_span patient_value(const nx_pulled_item *it, size_t c)
{
    const nx_span *v = NULL;
    for (size_t i = 0; i < it->npkv; i++)
        if (span_is(it->pkv[i].field, patient_cols[c].id))
            v = &it->pkv[i].value;
    if (v)
        return *v;
    nx_span d = { patient_cols[c].dflt, strlen(patient_cols[c].dflt) };
    return d;
}

/* Appends v to k with A-Z lowered, exactly as SQLite's built-in lower()
 * (no ICU: every other byte as it is). -1 out of memory. */
static int key_add(keybuf *k, nx_span v)
{
    if (k->n + v.n + 1 > k->cap) {
        char *p = nx_regrow_wiped(k->p, k->n, &k->cap, k->n + v.n + 1, 64);
        if (!p)
            return -1;
        k->p = p;
    }
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        k->p[k->n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    k->p[k->n] = '\0';
    return 0;
}

static const nx_span comma = { ", ", 2 }, space = { " ", 1 };

/* The item's queue keys (migration 4) from its patient's family name,
 * given name and payer: "family, given", "given family", payer. */
static int patient_keys(nx_sync_applier *a, nx_span family, nx_span given, nx_span payer)
{
    keys_wipe(a);
    return key_add(&a->key[K_SORT], family) || key_add(&a->key[K_SORT], comma) ||
                   key_add(&a->key[K_SORT], given) || key_add(&a->key[K_GIVEN], given) ||
                   key_add(&a->key[K_GIVEN], space) || key_add(&a->key[K_GIVEN], family) ||
                   key_add(&a->key[K_PAYER], payer)
               ? -1 : 0;
}

/* The patient columns in a list of names (NULL: all), a bit each (column
 * c: bit c). */
static unsigned cols_mask(const char *const *cols)
{
    if (!cols)
        return (1u << N_PATIENT_COLS) - 1;
    unsigned m = 0;
    for (size_t c = 0; c < N_PATIENT_COLS; c++)
        for (size_t i = 0; cols[i]; i++)
            if (strcmp(cols[i], patient_cols[c].id) == 0)
                m |= 1u << c;
    return m;
}

/* The patient columns the item's kind holds; kept for the last list asked
 * about (a pull's items come a kind at a time, each kind's list at one
 * address). */
static unsigned carried_mask(nx_sync_applier *a, const nx_pulled_item *it)
{
    if (!it->pcarried)
        return cols_mask(NULL);
    if (it->pcarried != a->pmask_of) {
        a->pmask_of = it->pcarried;
        a->pmask = cols_mask(it->pcarried);
    }
    return a->pmask;
}

int nx_sync_applier_carried(nx_sync_applier *a, const char *kind, const char *const *cols)
{
    size_t i = 0;
    while (i < a->nkc && strcmp(a->kc[i].kind, kind) != 0)
        i++;
    if (i == NX_APPLIER_KINDS_MAX || strlen(kind) >= sizeof a->kc[i].kind)
        return -1;
    if (i == a->nkc) {
        memcpy(a->kc[i].kind, kind, strlen(kind) + 1);
        a->nkc++;
    }
    a->kc[i].mask = cols_mask(cols);
    return 0;
}

static sqlite3_stmt *patient_update_for(nx_sync_applier *a, unsigned mask);

/* After one of the patient's items left: the columns only kinds it no
 * longer has an item of hold are cleared (the payer of a patient left
 * with scheduling items only), and its items' queue keys follow. A
 * patient with no item left (kept for its disclosures) stays as it is. */
static int patient_clear_unheld(nx_sync_applier *a, const char *patient)
{
    unsigned any = 0, held = 0;
    for (size_t i = 0; i < a->nkc; i++)
        any |= a->kc[i].mask;
    if (!any)
        return 0;
    sqlite3_stmt *st = stmt(a, S_PATIENT_KINDS);
    bind_str(st, 1, patient);
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        size_t i = 0;
        while (i < a->nkc && (!k || strcmp(a->kc[i].kind, k) != 0))
            i++;
        held |= i < a->nkc ? a->kc[i].mask : cols_mask(NULL);   /* a kind never told: all */
        rows++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    unsigned clear = any & ~held;
    if (!rows || !clear)
        return 0;
    if (!(st = patient_update_for(a, clear)))
        return -1;
    bind_str(st, 1, patient);
    for (size_t c = 0; c < N_PATIENT_COLS; c++)
        if (clear & (1u << c))
            bind_str(st, (int)c + 2, patient_cols[c].dflt);
    return run(st) || by_id(a, S_PATIENT_ITEM_KEYS, patient) ? -1 : 0;
}

/* The UPDATE of the patient columns in mask (bit c: column c, bound at
 * ?(c + 2)), by id ?1. */
static sqlite3_stmt *patient_update_for(nx_sync_applier *a, unsigned mask)
{
    return mask_update(&a->pupd, a->s->db, mask, "patients", N_PATIENT_COLS, patient_col, NULL,
                       " WHERE id=?1");
}

/* A new patient is inserted with its columns (those the item's kind does
 * not hold: their defaults); a known one has the columns the kind holds
 * rewritten, only when the item carries PKV and one of them differs (a
 * patient shared by many items comes with each of them). */
static int apply_patient_row(nx_sync_applier *a, const nx_pulled_item *it, unsigned mask)
{
    const nx_item_rec *r = &it->rec;
    sqlite3_stmt *st = stmt(a, S_PATIENT_GET);
    bind_str(st, 1, r->patient_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset(st);
        return -1;
    }
    int known = rc == SQLITE_ROW, same = known;
    for (size_t c = 0; known && same && it->npkv && c < N_PATIENT_COLS; c++)
        same = !(mask & (1u << c)) || spans_equal(col_span(st, (int)c), patient_value(it, c));
    /* The queue keys from the row as it will be: family_name, given_name
     * and payer are columns 0, 1 and 8, each the item's value if its kind
     * holds the column, else the stored one. */
    nx_span k[3];
    static const size_t kc[3] = { 0, 1, 8 };
    for (int i = 0; i < 3; i++)
        k[i] = known && (same || !it->npkv || !(mask & (1u << kc[i]))) ? col_span(st, (int)kc[i])
                                                                     : patient_value(it, kc[i]);
    int keys = patient_keys(a, k[0], k[1], k[2]);
    sqlite3_reset(st);
    if (keys || (known && (same || !it->npkv)))
        return keys;
    if (known) {
        if (!(st = patient_update_for(a, mask)))
            return -1;
    } else {
        st = stmt(a, S_PATIENT_INSERT);
        bind_str(st, 14, r->client_id);
    }
    bind_str(st, 1, r->patient_id);
    for (size_t c = 0; c < N_PATIENT_COLS; c++)
        if (!known || (mask & (1u << c)))
            bind_span(st, (int)c + 2, patient_value(it, c));
    return run(st);
}

/* A patient this transaction already wrote with the same columns and
 * values (sync_pmemo.h: each of its other items) costs no read: its queue
 * keys are the memo's. Otherwise the row is read, written where it
 * differs, and remembered. */
static int apply_patient(nx_sync_applier *a, const nx_pulled_item *it)
{
    unsigned mask = carried_mask(a, it);
    unsigned char h[NX_PMEMO_HASH];
    int memo = it->npkv > 0 && a->pmemo;
    if (memo) {
        const char *v[N_PATIENT_COLS];
        size_t len[N_PATIENT_COLS], n = 0;
        for (size_t c = 0; c < N_PATIENT_COLS; c++)
            if (mask & (1u << c)) {
                nx_span sv = patient_value(it, c);
                v[n] = sv.p;
                len[n++] = sv.n;
            }
        nx_pmemo_hash(a->pmemo, mask, v, len, n, h);
        const char *key[NX_PMEMO_KEYS];
        size_t kl[NX_PMEMO_KEYS];
        if (nx_pmemo_get(a->pmemo, it->rec.patient_id, mask, h, key, kl)) {
            keys_wipe(a);
            for (int k = 0; k < N_KEYS; k++) {
                nx_span ks = { key[k], kl[k] };
                if (key_add(&a->key[k], ks))
                    return -1;
            }
            return 0;
        }
    }
    int rc = apply_patient_row(a, it, mask);
    if (rc == 0 && memo) {
        const char *key[NX_PMEMO_KEYS] = { a->key[K_SORT].p, a->key[K_GIVEN].p, a->key[K_PAYER].p };
        size_t kl[NX_PMEMO_KEYS] = { a->key[K_SORT].n, a->key[K_GIVEN].n, a->key[K_PAYER].n };
        (void)nx_pmemo_put(a->pmemo, it->rec.patient_id, mask, h, key, kl);
    }
    return rc;
}

/* ---- the item row --------------------------------------------------------------------- */

static int apply_links(nx_sync_applier *a, const nx_item_rec *r, int *linked_now)
{
    *linked_now = 0;
    if (!r->linked_item[0])
        return by_id(a, S_LINK_DEL, r->id);
    int le = strcmp(r->linked_item, r->id) == 0 ? 0 : exists(a, S_ITEM_EXISTS, r->linked_item);
    if (le < 0)
        return -1;
    if (le) {
        *linked_now = 1;
        return by_id(a, S_LINK_DEL, r->id);
    }
    /* Its target is not here (yet): remember the link, set it on arrival. */
    sqlite3_stmt *st = stmt(a, S_LINK_PUT);
    bind_str(st, 1, r->id);
    bind_str(st, 2, r->linked_item);
    return run(st);
}

/* Binds the item's columns at ?1 (id) and ?2..?14 (item_cols' order). */
static void bind_item(sqlite3_stmt *st, const nx_item_rec *r, int linked_now)
{
    const char *t[] = { r->id, r->kind, r->client_id, r->patient_id, r->status, r->assignee,
                        r->team };
    for (int i = 0; i < 7; i++)
        bind_str(st, i + 1, t[i]);
    if (linked_now)
        bind_str(st, 8, r->linked_item);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int(st, 9, r->priority);
    sqlite3_bind_int64(st, 10, r->created);
    sqlite3_bind_int64(st, 11, r->updated);
    bind_time(st, 12, r->due);
    bind_time(st, 13, r->follow_up);
    bind_time(st, 14, r->closed);
}

/* The columns of the stored row (S_ITEM_GET, column i + 1) that differ from
 * r, a bit per column. */
static unsigned item_changes(sqlite3_stmt *st, const nx_item_rec *r, int linked_now)
{
    const char *t[] = { r->kind, r->client_id, r->patient_id, r->status, r->assignee, r->team };
    unsigned m = 0;
    for (int i = 0; i < 6; i++)
        if (!col_is_text(st, i + 1, t[i]))
            m |= 1u << i;
    if (linked_now ? !col_is_text(st, C_LINKED + 1, r->linked_item)
                   : sqlite3_column_type(st, C_LINKED + 1) != SQLITE_NULL)
        m |= 1u << C_LINKED;
    if (sqlite3_column_type(st, C_PRIORITY + 1) != SQLITE_INTEGER ||
        sqlite3_column_int(st, C_PRIORITY + 1) != r->priority)
        m |= 1u << C_PRIORITY;
    if (sqlite3_column_type(st, C_CREATED + 1) != SQLITE_INTEGER ||
        sqlite3_column_int64(st, C_CREATED + 1) != r->created)
        m |= 1u << C_CREATED;
    if (sqlite3_column_type(st, C_UPDATED + 1) != SQLITE_INTEGER ||
        sqlite3_column_int64(st, C_UPDATED + 1) != r->updated)
        m |= 1u << C_UPDATED;
    if (!col_is_time(st, C_DUE + 1, r->due))
        m |= 1u << C_DUE;
    if (!col_is_time(st, C_FOLLOW_UP + 1, r->follow_up))
        m |= 1u << C_FOLLOW_UP;
    if (!col_is_time(st, C_CLOSED + 1, r->closed))
        m |= 1u << C_CLOSED;
    return m;
}

/* The UPDATE of the columns in mask (and due_key with due), by rowid ?15. */
static sqlite3_stmt *update_for(nx_sync_applier *a, unsigned mask)
{
    /* ?1 stays referenced, so every column's number can be bound. */
    return mask_update(&a->upd, a->s->db, mask, "items", N_ITEM_COLS, item_col,
                       mask & (1u << C_DUE) ? "due_key=" DUE_KEY "," : NULL,
                       " WHERE rowid=?15 AND id=?1");
}

/* The item's queue keys at ?16..?18. */
static void bind_keys(nx_sync_applier *a, sqlite3_stmt *st)
{
    for (int k = 0; k < N_KEYS; k++)
        sqlite3_bind_text(st, 16 + k, a->key[k].p ? a->key[k].p : "", (int)a->key[k].n,
                          SQLITE_STATIC);
}

void nx_sync_applier_mostly_new(nx_sync_applier *a, int on) { a->mostly_new = on; }

/* The item's scope is in item_scopes (migration 19) before the row is
 * inserted, so that the insert finds its number and the trigger that
 * would add it has nothing to do (and while a first sync defers that
 * trigger, no row waits for its end's catch-up). The same scope as the
 * last one made sure of is not asked again: if the transaction that
 * added it rolls back, a row inserted later gets 0, which the trigger or
 * the catch-up mends. */
static int ensure_scope(nx_sync_applier *a, const nx_item_rec *r)
{
    const char *v[3] = { r->client_id, r->team, r->assignee };
    char key[sizeof a->scope_seen];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(v[i]) + 1;
        if (n + l > sizeof key) {
            n = 0;   /* too long to remember: ask every time */
            break;
        }
        memcpy(key + n, v[i], l);
        n += l;
    }
    if (n && n == a->scope_len && memcmp(key, a->scope_seen, n) == 0)
        return 0;
    sqlite3_stmt *st = stmt(a, S_SCOPE_ENSURE);
    for (int i = 0; i < 3; i++)
        bind_str(st, i + 1, v[i]);
    if (run(st))
        return -1;
    memcpy(a->scope_seen, key, n);
    a->scope_len = n;
    return 0;
}

/* Writes the item row: 1 when it was new, 0 when it was here, -1. */
static int apply_row(nx_sync_applier *a, const nx_item_rec *r, int linked_now)
{
    sqlite3_stmt *st;
    if (ensure_scope(a, r))
        return -1;
    if (a->mostly_new) {
        /* One statement for a new item; one that is here already is read
         * and compared as below. */
        st = stmt(a, S_ITEM_ADD);
        bind_item(st, r, linked_now);
        bind_keys(a, st);
        if (run(st))
            return -1;
        if (sqlite3_changes(a->s->db) == 1)
            return 1;
    }
    st = stmt(a, S_ITEM_GET);
    bind_str(st, 1, r->id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        st = stmt(a, S_ITEM_INSERT);
        bind_item(st, r, linked_now);
        bind_keys(a, st);
        return run(st) ? -1 : 1;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_int64 rowid = sqlite3_column_int64(st, 0);
    unsigned mask = item_changes(st, r, linked_now);
    sqlite3_reset(st);
    if (!mask)
        return 0;
    if (!(st = update_for(a, mask)))
        return -1;
    bind_item(st, r, linked_now);
    sqlite3_bind_int64(st, 15, rowid);
    return run(st) ? -1 : 0;
}

/* Items that were waiting for this one get their link. */
static int resolve_waiting(nx_sync_applier *a, const char *id)
{
    int w = exists(a, S_LINK_WAITING, id);
    if (w <= 0)
        return w;
    sqlite3_stmt *st = stmt(a, S_LINK_RESOLVE);
    bind_str(st, 1, id);
    if (run(st))
        return -1;
    return by_id(a, S_LINK_RESOLVED, id);
}

/* ---- fields and history ------------------------------------------------------------------ */

/* 1 when kv[i] is the last one sent for its field (the one that counts). */
static int kv_counts(const nx_pulled_item *it, size_t i)
{
    for (size_t j = i + 1; j < it->nkv; j++)
        if (spans_equal(it->kv[j].field, it->kv[i].field))
            return 0;
    return 1;
}

static int put_field(nx_sync_applier *a, const char *id, const nx_pulled_kv *kv)
{
    sqlite3_stmt *st = stmt(a, S_FIELD_PUT);
    bind_str(st, 1, id);
    bind_span(st, 2, kv->field);
    bind_span(st, 3, kv->value);
    return run(st);
}

/* The item's fields become exactly the ones sent. A new item's are only
 * inserted; a known item's stored ones are compared first, and only those
 * that differ are written or deleted. */
#define SAME_MAX 512
static int apply_fields(nx_sync_applier *a, const nx_pulled_item *it, int is_new)
{
    const char *id = it->rec.id;
    if (is_new) {
        /* The ones that count (the last one sent for a field): no
         * conflict to resolve. */
        for (size_t i = 0; i < it->nkv; i++) {
            if (!kv_counts(it, i))
                continue;
            sqlite3_stmt *st = stmt(a, S_FIELD_INS);
            bind_str(st, 1, id);
            bind_span(st, 2, it->kv[i].field);
            bind_span(st, 3, it->kv[i].value);
            if (run(st))
                return -1;
        }
        return 0;
    }
    /* same[i]: kv[i] is stored as it is. gone: field ids (never values)
     * stored but no longer sent. */
    unsigned char same[SAME_MAX];
    char gone[32][64];
    size_t ngone = 0;
    int all_gone = 0;
    memset(same, 0, sizeof same);
    sqlite3_stmt *st = stmt(a, S_FIELDS_GET);
    bind_str(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_span f = col_span(st, 0), v = col_span(st, 1);
        int sent = 0;
        for (size_t i = 0; i < it->nkv; i++) {
            if (!spans_equal(it->kv[i].field, f) || !kv_counts(it, i))
                continue;
            sent = 1;
            if (i < SAME_MAX)
                same[i] = spans_equal(it->kv[i].value, v);
        }
        if (sent)
            continue;
        if (ngone < sizeof gone / sizeof gone[0] && f.n < sizeof gone[0]) {
            memcpy(gone[ngone], f.p, f.n);
            gone[ngone++][f.n] = '\0';
        } else {
            all_gone = 1;   /* more than fit here: replace them all below */
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (all_gone) {
        /* More gone than listed: replace them all. */
        if (by_id(a, S_FIELDS_DEL, id))
            return -1;
        for (size_t i = 0; i < it->nkv; i++)
            if (put_field(a, id, &it->kv[i]))
                return -1;
        return 0;
    }
    for (size_t g = 0; g < ngone; g++) {
        st = stmt(a, S_FIELD_DEL);
        bind_str(st, 1, id);
        bind_str(st, 2, gone[g]);
        if (run(st))
            return -1;
    }
    for (size_t i = 0; i < it->nkv; i++)
        if ((i >= SAME_MAX || !same[i]) && kv_counts(it, i) &&
            put_field(a, id, &it->kv[i]))
            return -1;
    return 0;
}

static int apply_hist(nx_sync_applier *a, const nx_pulled_item *it, int is_new)
{
    const char *id = it->rec.id;
    /* History only grows on the hub: an ITEM without any is one whose
     * history did not fit in a frame, not one whose history vanished. A
     * new item has none here (their foreign keys), but maybe inbox rows. */
    if (it->nhist == 0)
        return 0;
    /* keep[k]: the rows of kind k stored already as the first ones sent
     * (sync_hist.h); a kind whose stored rows are not is written again. */
    int keep[NX_HIST_KEPT_KINDS] = {0};
    static const int del[NX_HIST_KEPT_KINDS] = {
        [NX_HIST_STATUS] = S_TRANS_DEL, [NX_HIST_NOTE] = S_NOTES_DEL,
        [NX_HIST_ATTEMPT] = S_ATTEMPTS_DEL, [NX_HIST_ATTACH] = S_ATTACH_DEL,
    };
    if (!is_new && nx_hist_prefix(a->hist_get, id, it->hist, it->nhist, keep) != 0)
        return -1;
    for (int k = 0; k < NX_HIST_KEPT_KINDS; k++)
        if (keep[k] < 0) {
            if (by_id(a, del[k], id))
                return -1;
            keep[k] = 0;
        }
    if (by_id(a, S_CONFL_DEL, id))
        return -1;
    int seen[NX_HIST_KEPT_KINDS] = {0};
    for (size_t i = 0; i < it->nhist; i++) {
        const nx_pulled_hist *h = &it->hist[i];
        if ((int)h->kind < NX_HIST_KEPT_KINDS && seen[h->kind]++ < keep[h->kind])
            continue;   /* stored already */
        sqlite3_stmt *st;
        switch (h->kind) {
        case NX_HIST_STATUS:
            st = stmt(a, S_TRANS_INS);
            bind_str(st, 1, id);
            sqlite3_bind_int64(st, 2, h->at);
            bind_span(st, 3, h->who);
            bind_span(st, 4, h->part[0]);
            bind_span(st, 5, h->part[1]);
            break;
        case NX_HIST_NOTE:
            st = stmt(a, S_NOTE_INS);
            bind_str(st, 1, id);
            bind_span(st, 2, h->who);
            sqlite3_bind_int64(st, 3, h->at);
            bind_span(st, 4, h->part[2]);
            bind_span_opt(st, 5, h->part[1]);
            bind_span_opt(st, 6, h->part[0]);
            break;
        case NX_HIST_ATTEMPT:
            st = stmt(a, S_ATTEMPT_INS);
            bind_str(st, 1, id);
            sqlite3_bind_int64(st, 2, h->at);
            bind_span(st, 3, h->who);
            bind_span(st, 4, h->part[0]);
            bind_span(st, 5, h->part[1]);
            bind_span(st, 6, h->part[2]);
            break;
        case NX_HIST_ATTACH:
            st = stmt(a, S_ATTACH_INS);
            bind_str(st, 1, id);
            sqlite3_bind_int64(st, 2, h->at);
            bind_span(st, 3, h->who);
            bind_span(st, 4, h->part[0]);
            bind_span(st, 5, h->part[1]);
            break;
        case NX_HIST_CONFLICT:
            st = stmt(a, S_CONFL_PUT);
            sqlite3_bind_int64(st, 1, span_int(h->part[0]));
            bind_str(st, 2, id);
            bind_span(st, 3, h->part[1]);
            bind_span(st, 4, h->part[2]);
            bind_span(st, 5, h->part[3]);
            bind_span(st, 6, h->part[4]);
            sqlite3_bind_int64(st, 7, h->at);
            break;
        default:
            continue;
        }
        if (run(st))
            return -1;
    }
    return 0;
}

int nx_sync_apply_item(nx_sync_applier *a, const nx_pulled_item *it)
{
    const nx_item_rec *r = &it->rec;
    int ce = exists(a, S_CLIENT_EXISTS, r->client_id);
    if (ce <= 0)
        return ce < 0 ? NX_APPLY_ERROR : NX_APPLY_NO_CLIENT;
    int linked_now, is_new = 0;
    int failed = apply_patient(a, it) || apply_links(a, r, &linked_now) ||
                 (is_new = apply_row(a, r, linked_now)) < 0 || resolve_waiting(a, r->id) ||
                 apply_fields(a, it, is_new) || apply_hist(a, it, is_new);
    keys_wipe(a);
    return failed ? NX_APPLY_ERROR : NX_APPLY_OK;
}

int nx_sync_erase_item(nx_sync_applier *a, const char *id)
{
    nx_pmemo_clear(a->pmemo);    /* patients may go or change below */
    sqlite3_stmt *st = stmt(a, S_ITEM_PATIENT);
    bind_str(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return -1;
        /* Not here; a link waiting for it stays waiting. */
        return by_id(a, S_LINK_DEL, id) ? -1 : 0;
    }
    char patient[64];
    const unsigned char *p = sqlite3_column_text(st, 0);
    size_t n = p ? strlen((const char *)p) : 0;
    if (n >= sizeof patient)
        n = sizeof patient - 1;
    memcpy(patient, p ? (const char *)p : "", n);
    patient[n] = '\0';
    sqlite3_reset(st);
    /* Items linked to it keep the link as pending (it may come back). */
    st = stmt(a, S_UNLINK_KEEP);
    bind_str(st, 1, id);
    if (run(st) || by_id(a, S_UNLINK, id) || by_id(a, S_LINK_DEL, id) ||
        by_id(a, S_DISCL_DEL, id) || by_id(a, S_REJ_DEL, id) || by_id(a, S_CONFL_ERASE, id) ||
        by_id(a, S_ITEM_DEL, id) ||
        by_id(a, S_PATIENT_GC, patient) || patient_clear_unheld(a, patient))
        return -1;
    return 1;
}
