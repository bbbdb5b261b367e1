/* Applying what the hub sends (sync_store.h): clinics, items with their
 * patient, fields and history, and erasing items. Prepared once per pull:
 * a first sync writes 100 000 items, and preparing a dozen statements per
 * item would cost more than writing it. Values are bound from views into
 * the decoded frame, never copied. */
#include "store/sync_store.h"
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

enum {
    S_CLIENT_LEAD, S_CLIENT, S_CLIENT_EXISTS, S_PATIENT_EXISTS, S_PATIENT_INSERT,
    S_PATIENT_UPDATE, S_ITEM_EXISTS, S_ITEM_UPSERT, S_LINK_PUT, S_LINK_DEL, S_LINK_RESOLVE,
    S_LINK_RESOLVED, S_FIELDS_DEL, S_FIELD_PUT, S_TRANS_DEL, S_NOTES_DEL, S_ATTEMPTS_DEL,
    S_ATTACH_DEL, S_TRANS_INS, S_NOTE_INS, S_ATTEMPT_INS, S_ATTACH_INS, S_ITEM_PATIENT,
    S_UNLINK_KEEP, S_UNLINK, S_DISCL_DEL, S_REJ_DEL, S_ITEM_DEL, S_PATIENT_GC, S_CONFL_DEL,
    S_CONFL_PUT, S_CONFL_ERASE, S_COUNT
};

#define CLIENT_COLS "id,name,tz,escalation,holidays,consent_rules"
#define CLIENT_SET "name=excluded.name,tz=excluded.tz,escalation=excluded.escalation," \
                   "holidays=excluded.holidays,consent_rules=excluded.consent_rules"

static const char *const sql[S_COUNT] = {
    [S_CLIENT_LEAD] = "INSERT INTO clients(" CLIENT_COLS ",verify_lead_hours) "
                      "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(id) DO UPDATE SET " CLIENT_SET
                      ",verify_lead_hours=excluded.verify_lead_hours",
    [S_CLIENT] = "INSERT INTO clients(" CLIENT_COLS ") VALUES(?1,?2,?3,?4,?5,?6) "
                 "ON CONFLICT(id) DO UPDATE SET " CLIENT_SET,
    [S_CLIENT_EXISTS] = "SELECT 1 FROM clients WHERE id=?1",
    [S_PATIENT_EXISTS] = "SELECT 1 FROM patients WHERE id=?1",
    [S_PATIENT_INSERT] = "INSERT INTO patients(id,family_name,given_name,dob,phone,email,"
                         "address,mrn,member_id,payer,confidential_comm,restriction,alt_phone,"
                         "client_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
    /* Only a row that differs is rewritten: a patient shared by many items
     * comes with each of them. */
    [S_PATIENT_UPDATE] = "UPDATE patients SET family_name=?2,given_name=?3,dob=?4,phone=?5,"
                         "email=?6,address=?7,mrn=?8,member_id=?9,payer=?10,"
                         "confidential_comm=?11,restriction=?12,alt_phone=?13 WHERE id=?1 AND "
                         "(family_name,given_name,dob,phone,email,address,mrn,member_id,payer,"
                         "confidential_comm,restriction,alt_phone) IS NOT "
                         "(?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
    [S_ITEM_EXISTS] = "SELECT 1 FROM items WHERE id=?1",
    [S_ITEM_UPSERT] = "INSERT INTO items(id,kind,client_id,patient_id,status,assignee,team,"
                      "linked_item,priority,created,updated,due,follow_up,closed) "
                      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14) "
                      "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind,"
                      "client_id=excluded.client_id,patient_id=excluded.patient_id,"
                      "status=excluded.status,assignee=excluded.assignee,team=excluded.team,"
                      "linked_item=excluded.linked_item,priority=excluded.priority,"
                      "created=excluded.created,updated=excluded.updated,due=excluded.due,"
                      "follow_up=excluded.follow_up,closed=excluded.closed",
    [S_LINK_PUT] = "INSERT OR REPLACE INTO link_pending(item_id,linked) VALUES(?1,?2)",
    [S_LINK_DEL] = "DELETE FROM link_pending WHERE item_id=?1",
    [S_LINK_RESOLVE] = "UPDATE items SET linked_item=?1 WHERE id IN "
                       "(SELECT item_id FROM link_pending WHERE linked=?1)",
    [S_LINK_RESOLVED] = "DELETE FROM link_pending WHERE linked=?1",
    [S_FIELDS_DEL] = "DELETE FROM item_fields WHERE item_id=?1",
    [S_FIELD_PUT] = "INSERT INTO item_fields(item_id,field,value) VALUES(?1,?2,?3) "
                    "ON CONFLICT(item_id,field) DO UPDATE SET value=excluded.value",
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
};

struct nx_sync_applier {
    nx_store *s;
    sqlite3_stmt *st[S_COUNT];
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
    *out = a;
    return 0;
}

void nx_sync_applier_free(nx_sync_applier *a)
{
    if (!a)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(a->st[i]);
    free(a);
}

static sqlite3_stmt *stmt(nx_sync_applier *a, int i)
{
    sqlite3_reset(a->st[i]);
    sqlite3_clear_bindings(a->st[i]);
    return a->st[i];
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

/* The patients columns in S_PATIENT_UPDATE's order, with their defaults. */
static const struct {
    const char *id, *dflt;
} patient_cols[] = {
    { "family_name", "" }, { "given_name", "" }, { "dob", "" }, { "phone", "" },
    { "email", "" }, { "address", "" }, { "mrn", "" }, { "member_id", "" }, { "payer", "" },
    { "confidential_comm", "no" }, { "restriction", "no" }, { "alt_phone", "" },
};
#define N_PATIENT_COLS (sizeof patient_cols / sizeof patient_cols[0])

static int span_is(nx_span s, const char *z)
{
    size_t n = strlen(z);
    return s.n == n && s.p && memcmp(s.p, z, n) == 0;
}

/* A new patient is inserted with its columns; a known one updated only
 * when the item carries PKV (and then only if something differs). */
static int apply_patient(nx_sync_applier *a, const nx_pulled_item *it)
{
    const nx_item_rec *r = &it->rec;
    int pe = exists(a, S_PATIENT_EXISTS, r->patient_id);
    if (pe < 0)
        return -1;
    if (pe && !it->npkv)
        return 0;
    sqlite3_stmt *st = stmt(a, pe ? S_PATIENT_UPDATE : S_PATIENT_INSERT);
    bind_str(st, 1, r->patient_id);
    if (!pe)
        bind_str(st, 14, r->client_id);
    for (size_t c = 0; c < N_PATIENT_COLS; c++) {
        const nx_span *v = NULL;
        for (size_t i = 0; i < it->npkv; i++)   /* the last one sent wins */
            if (span_is(it->pkv[i].field, patient_cols[c].id))
                v = &it->pkv[i].value;
        if (v)
            bind_span(st, (int)c + 2, *v);
        else
            bind_str(st, (int)c + 2, patient_cols[c].dflt);
    }
    return run(st);
}

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

static int upsert_item(nx_sync_applier *a, const nx_item_rec *r, int linked_now)
{
    sqlite3_stmt *st = stmt(a, S_ITEM_UPSERT);
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
    if (run(st))
        return -1;
    /* Items that were waiting for this one. */
    st = stmt(a, S_LINK_RESOLVE);
    bind_str(st, 1, r->id);
    if (run(st))
        return -1;
    return by_id(a, S_LINK_RESOLVED, r->id);
}

static int apply_fields(nx_sync_applier *a, const nx_pulled_item *it)
{
    if (by_id(a, S_FIELDS_DEL, it->rec.id))
        return -1;
    for (size_t i = 0; i < it->nkv; i++) {
        sqlite3_stmt *st = stmt(a, S_FIELD_PUT);
        bind_str(st, 1, it->rec.id);
        bind_span(st, 2, it->kv[i].field);
        bind_span(st, 3, it->kv[i].value);
        if (run(st))
            return -1;
    }
    return 0;
}

static int apply_hist(nx_sync_applier *a, const nx_pulled_item *it)
{
    const char *id = it->rec.id;
    /* History only grows on the hub: an ITEM without any is one whose
     * history did not fit in a frame, not one whose history vanished. */
    if (it->nhist == 0)
        return 0;
    if (by_id(a, S_TRANS_DEL, id) || by_id(a, S_NOTES_DEL, id) ||
        by_id(a, S_ATTEMPTS_DEL, id) || by_id(a, S_ATTACH_DEL, id) || by_id(a, S_CONFL_DEL, id))
        return -1;
    for (size_t i = 0; i < it->nhist; i++) {
        const nx_pulled_hist *h = &it->hist[i];
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
    int linked_now;
    if (apply_patient(a, it) || apply_links(a, r, &linked_now) ||
        upsert_item(a, r, linked_now) || apply_fields(a, it) || apply_hist(a, it))
        return NX_APPLY_ERROR;
    return NX_APPLY_OK;
}

int nx_sync_erase_item(nx_sync_applier *a, const char *id)
{
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
        by_id(a, S_PATIENT_GC, patient))
        return -1;
    return 1;
}
