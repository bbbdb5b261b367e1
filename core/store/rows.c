#include "store/rows.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

static int exec0(nx_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int nx_store_begin(nx_store *s) { return exec0(s, "BEGIN IMMEDIATE"); }
int nx_store_commit(nx_store *s) { return exec0(s, "COMMIT"); }
void nx_store_rollback(nx_store *s) { (void)exec0(s, "ROLLBACK"); }

/* Prepares sql, binds n strings (NULL binds as ''), steps once. Integers are
 * bound after the strings at positions n+1.. by the caller-provided list. */
static int run(nx_store *s, const char *sql, const char *const *txt, int ntxt,
               const int64_t *num, int nnum)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (int i = 0; i < ntxt; i++)
        sqlite3_bind_text(st, i + 1, txt[i] ? txt[i] : "", -1, SQLITE_STATIC);
    for (int i = 0; i < nnum; i++) {
        if (num[i] == INT64_MIN)
            sqlite3_bind_null(st, ntxt + i + 1);
        else
            sqlite3_bind_int64(st, ntxt + i + 1, num[i]);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int nx_store_client_put(nx_store *s, const nx_client_row *r)
{
    const char *t[] = { r->id, r->name, r->tz, r->escalation, r->holidays };
    return run(s, "INSERT INTO clients(id,name,tz,escalation,holidays) VALUES(?1,?2,?3,?4,?5)",
               t, 5, NULL, 0);
}

int nx_store_patient_put(nx_store *s, const nx_patient_row *r)
{
    const char *t[] = { r->id, r->client_id, r->family_name, r->given_name, r->dob, r->phone,
                        r->email, r->address, r->mrn, r->member_id, r->payer,
                        r->confidential_comm ? r->confidential_comm : "no",
                        r->restriction ? r->restriction : "no", r->alt_phone };
    return run(s, "INSERT INTO patients(id,client_id,family_name,given_name,dob,phone,email,"
                  "address,mrn,member_id,payer,confidential_comm,restriction,alt_phone) "
                  "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
               t, 14, NULL, 0);
}

int nx_store_item_put(nx_store *s, const nx_item_row *r)
{
    const char *t[] = { r->id, r->kind, r->client_id, r->patient_id, r->status,
                        r->assignee, r->team };
    int64_t n[] = { r->priority, r->created, r->updated,
                    r->due ? r->due : INT64_MIN, r->follow_up ? r->follow_up : INT64_MIN };
    return run(s, "INSERT INTO items(id,kind,client_id,patient_id,status,assignee,team,"
                  "priority,created,updated,due,follow_up) "
                  "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
               t, 7, n, 5);
}

int nx_store_item_field_put(nx_store *s, const char *item_id, const char *field,
                            const char *value)
{
    const char *t[] = { item_id, field, value };
    return run(s, "INSERT INTO item_fields(item_id,field,value) VALUES(?1,?2,?3) "
                  "ON CONFLICT(item_id,field) DO UPDATE SET value=excluded.value",
               t, 3, NULL, 0);
}

int64_t nx_store_count(nx_store *s, const char *table)
{
    static const char *const allowed[] = { "clients", "patients", "items", "item_fields", "notes" };
    int ok = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        ok |= strcmp(allowed[i], table) == 0;
    if (!ok)
        return -1;
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
