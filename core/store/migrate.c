/* Numbered schema migrations, applied in order inside one transaction each.
 * PRAGMA user_version records the last one applied. A migration is never
 * edited once released: add a new one. */
#include "store/store_int.h"
#include "util/util.h"

#include <stdio.h>

static const char *const migrations[] = {
    /* 1: profile metadata, clients, patients, work items, notes. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE clients("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, tz TEXT NOT NULL,"
    "  escalation TEXT NOT NULL DEFAULT '', holidays TEXT NOT NULL DEFAULT ''"
    ") WITHOUT ROWID;"
    "CREATE TABLE patients("
    "  id TEXT PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id),"
    "  family_name TEXT NOT NULL, given_name TEXT NOT NULL, dob TEXT NOT NULL DEFAULT '',"
    "  phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',"
    "  address TEXT NOT NULL DEFAULT '', mrn TEXT NOT NULL DEFAULT '',"
    "  member_id TEXT NOT NULL DEFAULT '', payer TEXT NOT NULL DEFAULT '',"
    "  confidential_comm TEXT NOT NULL DEFAULT 'no', restriction TEXT NOT NULL DEFAULT 'no',"
    "  alt_phone TEXT NOT NULL DEFAULT ''"
    ") WITHOUT ROWID;"
    "CREATE TABLE items("
    "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL REFERENCES clients(id),"
    "  patient_id TEXT NOT NULL REFERENCES patients(id), status TEXT NOT NULL,"
    "  priority INTEGER NOT NULL DEFAULT 0, assignee TEXT NOT NULL DEFAULT '',"
    "  team TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    "  due INTEGER, follow_up INTEGER"
    ");"
    "CREATE INDEX items_queue_due ON items(kind, due, id);"
    "CREATE INDEX items_patient ON items(patient_id);"
    "CREATE TABLE item_fields("
    "  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(item_id, field)"
    ") WITHOUT ROWID;"
    "CREATE TABLE notes("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  author TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL,"
    "  corrects INTEGER REFERENCES notes(id)"
    ");"
    "CREATE INDEX notes_item ON notes(item_id, at);",

    /* 2: the work-queue domain: client rules, patient flags, links between
     * items, status history (every state change time-stamped for KPIs),
     * outreach attempts, attachment references (ids only, never bytes),
     * the accounting of disclosures, per-payer clocks, the audit chain. */
    "ALTER TABLE clients ADD COLUMN verify_lead_hours INTEGER NOT NULL DEFAULT 72;"
    "ALTER TABLE clients ADD COLUMN consent_rules TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE items ADD COLUMN linked_item TEXT REFERENCES items(id);"
    "ALTER TABLE items ADD COLUMN closed INTEGER;"
    "CREATE INDEX items_assignee ON items(assignee, kind, due);"
    "CREATE TABLE transitions("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL, user TEXT NOT NULL, from_status TEXT NOT NULL,"
    "  to_status TEXT NOT NULL"
    ");"
    "CREATE INDEX transitions_item ON transitions(item_id, at);"
    "CREATE INDEX transitions_status ON transitions(to_status, at);"
    "CREATE TABLE attempts("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL, user TEXT NOT NULL, channel TEXT NOT NULL,"
    "  outcome TEXT NOT NULL, next_action TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX attempts_item ON attempts(item_id, at);"
    "CREATE TABLE attachments("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  ref TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL,"
    "  user TEXT NOT NULL"
    ");"
    "CREATE TABLE disclosures("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(id),"
    "  patient_id TEXT NOT NULL REFERENCES patients(id), at INTEGER NOT NULL,"
    "  recipient_name TEXT NOT NULL, recipient_address TEXT NOT NULL,"
    "  description TEXT NOT NULL, purpose TEXT NOT NULL, user TEXT NOT NULL"
    ");"
    "CREATE INDEX disclosures_patient ON disclosures(patient_id, at);"
    "CREATE TABLE payer_rules("
    "  payer TEXT PRIMARY KEY, followup_routine_hours INTEGER NOT NULL DEFAULT 72,"
    "  followup_urgent_hours INTEGER NOT NULL DEFAULT 48,"
    "  appeal_days INTEGER NOT NULL DEFAULT 60"
    ") WITHOUT ROWID;"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, user TEXT NOT NULL,"
    "  role TEXT NOT NULL, device TEXT NOT NULL, action TEXT NOT NULL,"
    "  item_id TEXT NOT NULL DEFAULT '', field TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT 'ok',"
    "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL"
    ");"
    "CREATE INDEX audit_item ON audit(item_id, seq);",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int nx_store_schema_version(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int nx_store_migrate(nx_store *s, char *err, size_t errlen)
{
    int v = nx_store_schema_version(s);
    if (v < 0)
        return nx_err(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(s->db));
    if (v > N_MIGRATIONS)
        return nx_err(err, errlen, "cache schema %d is newer than this program (%d): upgrade nexus",
                      v, N_MIGRATIONS);
    for (int i = v; i < N_MIGRATIONS; i++) {
        char *msg = NULL;
        char bump[48];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%d", i + 1);
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, migrations[i], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            nx_err(err, errlen, "schema migration %d failed: %s", i + 1,
                   msg ? msg : sqlite3_errmsg(s->db));
            sqlite3_free(msg);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}
