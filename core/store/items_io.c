/* core/store/items_io — reading and writing work items, their clinics,
 * payers, fields, patient columns and history for the domain layer
 * (items_io.h). */
#include "store/items_io.h"
#include "store/store_int.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static void copy_col(char *dst, size_t len, sqlite3_stmt *st, int col)
{
    nx_strcut(dst, len, (const char *)sqlite3_column_text(st, col));
}

static int64_t col_time(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, col);
}

static void bind_time(sqlite3_stmt *st, int pos, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, pos, v);
    else
        sqlite3_bind_null(st, pos);
}

static void bind_opt(sqlite3_stmt *st, int pos, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, pos, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, pos);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

#define ITEM_COLS "id,kind,client_id,patient_id,status,assignee,team,linked_item," \
                  "priority,created,updated,due,follow_up,closed"

int nx_store_item_get(nx_store *s, const char *id, nx_item_rec *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " ITEM_COLS " FROM items WHERE id=?1", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        copy_col(out->id, sizeof out->id, st, 0);
        copy_col(out->kind, sizeof out->kind, st, 1);
        copy_col(out->client_id, sizeof out->client_id, st, 2);
        copy_col(out->patient_id, sizeof out->patient_id, st, 3);
        copy_col(out->status, sizeof out->status, st, 4);
        copy_col(out->assignee, sizeof out->assignee, st, 5);
        copy_col(out->team, sizeof out->team, st, 6);
        copy_col(out->linked_item, sizeof out->linked_item, st, 7);
        out->priority = sqlite3_column_int(st, 8);
        out->created = col_time(st, 9);
        out->updated = col_time(st, 10);
        out->due = col_time(st, 11);
        out->follow_up = col_time(st, 12);
        out->closed = col_time(st, 13);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int item_write(nx_store *s, const nx_item_rec *r, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return -1;
    const char *t[] = { r->id, r->kind, r->client_id, r->patient_id, r->status,
                        r->assignee, r->team };
    for (int i = 0; i < 7; i++)
        sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
    bind_opt(st, 8, r->linked_item);
    sqlite3_bind_int(st, 9, r->priority);
    sqlite3_bind_int64(st, 10, r->created);
    sqlite3_bind_int64(st, 11, r->updated);
    bind_time(st, 12, r->due);
    bind_time(st, 13, r->follow_up);
    bind_time(st, 14, r->closed);
    return step_done(st);
}

/* The queue keys (migration 4) go with the row, so migration 10's
 * triggers have nothing to redo: due_key from due, the name and payer keys
 * from the patient, and the scope's number (migration 19) when the scope
 * has one already (a new scope's number its trigger gives). */
int nx_store_item_insert(nx_store *s, const nx_item_rec *r)
{
    return item_write(s, r, "INSERT INTO items(" ITEM_COLS ",due_key,patient_sort,"
                            "patient_given,payer_sort,kind_no,scope_no) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,"
                            "?9,?10,?11,?12,?13,?14,coalesce(?12,9223372036854775807),"
                            "coalesce((SELECT lower(family_name)||', '||lower(given_name) "
                            "FROM patients WHERE id=?4),''),"
                            "coalesce((SELECT lower(given_name)||' '||lower(family_name) "
                            "FROM patients WHERE id=?4),''),"
                            "coalesce((SELECT lower(payer) FROM patients WHERE id=?4),''),"
                            NX_KIND_NO_OF("?2") "," NX_SCOPE_NO_OF("?3", "?7", "?6") ")");
}

int nx_store_item_update(nx_store *s, const nx_item_rec *r)
{
    if (item_write(s, r, "UPDATE items SET kind=?2,client_id=?3,patient_id=?4,status=?5,"
                         "assignee=?6,team=?7,linked_item=?8,priority=?9,created=?10,"
                         "updated=?11,due=?12,due_key=coalesce(?12,9223372036854775807),"
                         "follow_up=?13,closed=?14 WHERE id=?1"))
        return -1;
    return sqlite3_changes(s->db) == 1 ? 0 : -1;
}

int nx_store_client_get(nx_store *s, const char *id, nx_client_rec *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id,name,tz,escalation,holidays,consent_rules,"
                           "verify_lead_hours FROM clients WHERE id=?1", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_col(out->id, sizeof out->id, st, 0);
        copy_col(out->name, sizeof out->name, st, 1);
        copy_col(out->tz, sizeof out->tz, st, 2);
        copy_col(out->escalation, sizeof out->escalation, st, 3);
        copy_col(out->holidays, sizeof out->holidays, st, 4);
        copy_col(out->consent_rules, sizeof out->consent_rules, st, 5);
        out->verify_lead_hours = sqlite3_column_int(st, 6);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int nx_store_payer_get(nx_store *s, const char *payer, nx_payer_rec *out)
{
    out->followup_routine_hours = 72;
    out->followup_urgent_hours = 48;
    out->appeal_days = 60;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT followup_routine_hours,followup_urgent_hours,"
                           "appeal_days FROM payer_rules WHERE payer=?1", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, payer, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->followup_routine_hours = sqlite3_column_int(st, 0);
        out->followup_urgent_hours = sqlite3_column_int(st, 1);
        out->appeal_days = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int nx_store_payer_put(nx_store *s, const char *payer, const nx_payer_rec *r)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO payer_rules(payer,followup_routine_hours,"
                           "followup_urgent_hours,appeal_days) VALUES(?1,?2,?3,?4)", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, payer, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->followup_routine_hours);
    sqlite3_bind_int(st, 3, r->followup_urgent_hours);
    sqlite3_bind_int(st, 4, r->appeal_days);
    return step_done(st);
}

int nx_store_item_fields(nx_store *s, const char *item_id, nx_store_kv_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT field,value FROM item_fields WHERE item_id=?1",
                           -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ctx, (const char *)sqlite3_column_text(st, 0),
                  (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

/* Field ids that live in the patients table, in column order. The names
 * are the dictionary's ids and the columns' names alike. */
static const char *const patient_cols[] = {
    "family_name", "given_name", "dob", "phone", "email", "address", "mrn",
    "member_id", "payer", "confidential_comm", "restriction", "alt_phone",
};
#define N_PATIENT_COLS (sizeof patient_cols / sizeof patient_cols[0])

int nx_store_is_patient_field(const char *field)
{
    for (size_t i = 0; i < N_PATIENT_COLS; i++)
        if (strcmp(patient_cols[i], field) == 0)
            return 1;
    return 0;
}

int nx_store_patient_fields(nx_store *s, const char *patient_id, nx_store_kv_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT family_name,given_name,dob,phone,email,address,mrn,"
                           "member_id,payer,confidential_comm,restriction,alt_phone "
                           "FROM patients WHERE id=?1", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, patient_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), stop = 0;
    if (rc == SQLITE_ROW)
        for (size_t i = 0; i < N_PATIENT_COLS && !stop; i++)
            stop = cb(ctx, patient_cols[i], (const char *)sqlite3_column_text(st, (int)i));
    sqlite3_finalize(st);
    return stop ? stop : (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : -1;
}

int nx_store_patient_set(nx_store *s, const char *patient_id, const char *field,
                         const char *value)
{
    if (!nx_store_is_patient_field(field))
        return -1;
    char sql[96];
    /* field is one of patient_cols (checked above), never user text. */
    snprintf(sql, sizeof sql, "UPDATE patients SET %s=?2 WHERE id=?1", field);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (step_done(st))
        return -1;
    return sqlite3_changes(s->db) == 1 ? 0 : -1;
}

int nx_store_transition_add(nx_store *s, const char *item_id, int64_t at, const char *user,
                            const char *from, const char *to)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO transitions(item_id,at,user,from_status,to_status) "
                           "VALUES(?1,?2,?3,?4,?5)", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
    return step_done(st);
}

int nx_store_note_add(nx_store *s, const char *item_id, const char *author, int64_t at,
                      const char *body, int64_t corrects, int64_t *out_id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO notes(item_id,author,at,body,corrects) "
                           "VALUES(?1,?2,?3,?4,?5)", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, author, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
    if (corrects)
        sqlite3_bind_int64(st, 5, corrects);
    else
        sqlite3_bind_null(st, 5);
    if (step_done(st))
        return -1;
    if (out_id)
        *out_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int nx_store_attempt_add(nx_store *s, const char *item_id, int64_t at, const char *user,
                         const char *channel, const char *outcome, const char *next_action)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO attempts(item_id,at,user,channel,outcome,next_action) "
                           "VALUES(?1,?2,?3,?4,?5,?6)", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, next_action ? next_action : "", -1, SQLITE_STATIC);
    return step_done(st);
}

int nx_store_attachment_add(nx_store *s, const char *item_id, const char *ref,
                            const char *label, int64_t at, const char *user)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO attachments(item_id,ref,label,at,user) "
                           "VALUES(?1,?2,?3,?4,?5)", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, label ? label : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, at);
    sqlite3_bind_text(st, 5, user, -1, SQLITE_STATIC);
    return step_done(st);
}

int nx_store_disclosure_add(nx_store *s, const nx_disclosure_rec *r)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO disclosures(item_id,patient_id,at,recipient_name,"
                           "recipient_address,description,purpose,user) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", -1, &st, NULL))
        return -1;
    const char *t[] = { r->item_id, r->patient_id };
    for (int i = 0; i < 2; i++)
        sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->at);
    const char *u[] = { r->recipient_name, r->recipient_address, r->description, r->purpose, r->user };
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(st, i + 4, u[i] ? u[i] : "", -1, SQLITE_STATIC);
    return step_done(st);
}

int nx_store_item_history(nx_store *s, const char *item_id, nx_store_history_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
            "SELECT at, user, 'status', from_status || ' -> ' || to_status, id FROM transitions WHERE item_id=?1 "
            "UNION ALL SELECT at, author, CASE WHEN corrects IS NULL THEN 'note' ELSE 'correction' END, body, id "
            "FROM notes WHERE item_id=?1 "
            "UNION ALL SELECT at, user, 'attempt', channel || ': ' || outcome || "
            "  CASE WHEN next_action <> '' THEN ' (next: ' || next_action || ')' ELSE '' END, id "
            "FROM attempts WHERE item_id=?1 "
            "ORDER BY 1, 5", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                  (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}
