/* Clients and patients for the new-item form's pick lists (pick_store.h).
 * A client's patients are few next to its items (and the patients table
 * holds only those of items sent to this laptop), so they are read in one
 * pass of the table, ordered for the list. */
#include "store/pick_store.h"
#include "store/store_int.h"

#include <stddef.h>

static const char *text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

int nx_pick_clients(nx_store *s, nx_pick_client_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM clients ORDER BY name, id", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int rc, stop = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((stop = cb(ctx, text(st, 0), text(st, 1))) != 0)
            break;
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

static int each_patient(sqlite3_stmt *st, nx_pick_patient_cb cb, void *ctx, int *found)
{
    int rc, stop = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_pick_patient p = { text(st, 0), text(st, 1), text(st, 2), text(st, 3), text(st, 4),
                              text(st, 5) };
        (*found)++;
        if ((stop = cb(ctx, &p)) != 0)
            break;
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

#define PATIENT_COLS "SELECT id, client_id, family_name, given_name, dob, mrn FROM patients"

int nx_pick_patients(nx_store *s, const char *client_id, nx_pick_patient_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, PATIENT_COLS " WHERE client_id = ?1"
                           " ORDER BY family_name, given_name, id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
    int found = 0;
    return each_patient(st, cb, ctx, &found);
}

int nx_pick_patient_get(nx_store *s, const char *id, nx_pick_patient_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, PATIENT_COLS " WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int found = 0;
    if (each_patient(st, cb, ctx, &found) < 0)
        return -1;
    return found > 0;
}
