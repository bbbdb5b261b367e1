/* Numbered schema migrations, applied in order inside one transaction each.
 * PRAGMA user_version records the last one applied. A migration is never
 * edited once released: add a new one. */
#include "store/store_int.h"
#include "util/util.h"

#include <stdio.h>

/* Migration 19's triggers: a row whose scope_no is not its scope's number
 * gets it, the scope numbered first if it has none yet. */
#define SCOPE_MEND                                                                            \
    "  WHEN new.scope_no IS NOT " NX_SCOPE_FIND("new.client_id", "new.team", "new.assignee")  \
    " BEGIN"                                                                                  \
    "  INSERT OR IGNORE INTO item_scopes(client_id, team, assignee)"                          \
    "    VALUES(new.client_id, new.team, new.assignee);"                                      \
    "  UPDATE items SET scope_no = " NX_SCOPE_NO_OF("new.client_id", "new.team", "new.assignee") \
    "    WHERE rowid = new.rowid;"                                                            \
    "END;"

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

    /* 3: drafts of unsaved forms (core/profile/guard, core/store/draft_store):
     * what a user typed and has not saved, one row per field, all rows of
     * an item replaced together by each save. PHI: only ever here, inside
     * the encrypted cache. A draft belongs to an existing item and goes
     * with it (purge, revocation). */
    "CREATE TABLE drafts("
    "  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL, value TEXT NOT NULL, saved_at INTEGER NOT NULL,"
    "  PRIMARY KEY(item_id, field)"
    ") WITHOUT ROWID;",

    /* 4: the work queues (core/queue, core/store/queue_store.c). Every
     * page of every sort is one index seek by key (keyset paging, never
     * OFFSET). due_key is due, or INT64_MAX when there is none, so items
     * without a due time sort last (a real column, not a generated one, so
     * that the indexes holding it are covering); prio_key puts urgent
     * first. patient_sort ("family, given"), patient_given ("given
     * family") and payer_sort are copies of the patient's name and payer,
     * ASCII-lowercased by SQLite's lower() (other letters keep their case:
     * the order is by code point after that). The triggers below keep all
     * four: on insert (one UPDATE of these columns only, right after the
     * INSERT: no trigger on UPDATE OF another column fires), when due
     * changes, when an item moves to another patient, and when a patient's
     * name or payer changes. The name and payer copies are PHI like the
     * columns they copy: inside the encrypted cache only. items_q_team and
     * items_q_status also cover the dashboard's time-bound counts (due
     * today, overdue: due_key and client_id are in them; items_assignee
     * serves the own scope); the partial index on service dates finds the
     * eligibility items at risk without reading every item. queue_tally
     * keeps how many items there are per (kind, team, assignee, status),
     * by triggers on every insert, delete and change of those columns, so
     * "open", "mine" and a queue's row count are a sum over a few rows. */
    "ALTER TABLE items ADD COLUMN due_key INTEGER NOT NULL DEFAULT 9223372036854775807;"
    "ALTER TABLE items ADD COLUMN prio_key INTEGER GENERATED ALWAYS AS (-priority) VIRTUAL;"
    "ALTER TABLE items ADD COLUMN patient_sort TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE items ADD COLUMN patient_given TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE items ADD COLUMN payer_sort TEXT NOT NULL DEFAULT '';"
    "UPDATE items SET due_key = coalesce(due, 9223372036854775807);"
    "UPDATE items SET patient_sort = lower(p.family_name) || ', ' || lower(p.given_name),"
    "  patient_given = lower(p.given_name) || ' ' || lower(p.family_name),"
    "  payer_sort = lower(p.payer)"
    "  FROM patients AS p WHERE p.id = items.patient_id;"
    "CREATE INDEX items_q_due ON items(kind, due_key, id);"
    "CREATE INDEX items_q_priority ON items(kind, prio_key, due_key, id);"
    "CREATE INDEX items_q_status ON items(kind, status, due_key, id, client_id);"
    "CREATE INDEX items_q_patient ON items(kind, patient_sort, due_key, id);"
    "CREATE INDEX items_q_payer ON items(kind, payer_sort, due_key, id);"
    "CREATE INDEX items_q_given ON items(kind, patient_given);"
    "CREATE INDEX items_q_team ON items(kind, team, status, due_key, client_id);"
    "CREATE INDEX item_fields_service_date ON item_fields(value) WHERE field = 'service_date';"
    "CREATE TRIGGER items_queue_keys_insert AFTER INSERT ON items BEGIN"
    "  UPDATE items SET due_key = coalesce(new.due, 9223372036854775807),"
    "    patient_sort = coalesce((SELECT lower(p.family_name) || ', ' || lower(p.given_name)"
    "                             FROM patients AS p WHERE p.id = new.patient_id), ''),"
    "    patient_given = coalesce((SELECT lower(p.given_name) || ' ' || lower(p.family_name)"
    "                              FROM patients AS p WHERE p.id = new.patient_id), ''),"
    "    payer_sort = coalesce((SELECT lower(p.payer) FROM patients AS p"
    "                           WHERE p.id = new.patient_id), '')"
    "    WHERE rowid = new.rowid;"
    "END;"
    "CREATE TRIGGER items_queue_due AFTER UPDATE OF due ON items"
    "  WHEN old.due IS NOT new.due BEGIN"
    "  UPDATE items SET due_key = coalesce(new.due, 9223372036854775807) WHERE rowid = new.rowid;"
    "END;"
    "CREATE TRIGGER items_queue_keys_patient AFTER UPDATE OF patient_id ON items"
    "  WHEN old.patient_id IS NOT new.patient_id BEGIN"
    "  UPDATE items SET patient_sort = lower(p.family_name) || ', ' || lower(p.given_name),"
    "    patient_given = lower(p.given_name) || ' ' || lower(p.family_name),"
    "    payer_sort = lower(p.payer)"
    "    FROM patients AS p WHERE p.id = new.patient_id AND items.rowid = new.rowid;"
    "END;"
    "CREATE TRIGGER patients_queue_keys AFTER UPDATE OF family_name, given_name, payer ON patients"
    "  WHEN old.family_name IS NOT new.family_name OR old.given_name IS NOT new.given_name"
    "    OR old.payer IS NOT new.payer BEGIN"
    "  UPDATE items SET patient_sort = lower(new.family_name) || ', ' || lower(new.given_name),"
    "    patient_given = lower(new.given_name) || ' ' || lower(new.family_name),"
    "    payer_sort = lower(new.payer)"
    "    WHERE patient_id = new.id;"
    "END;"
    "CREATE TABLE queue_tally("
    "  kind TEXT NOT NULL, team TEXT NOT NULL, assignee TEXT NOT NULL, status TEXT NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY(kind, team, assignee, status)"
    ") WITHOUT ROWID;"
    "INSERT INTO queue_tally(kind, team, assignee, status, n)"
    "  SELECT kind, team, assignee, status, count(*) FROM items GROUP BY 1, 2, 3, 4;"
    "CREATE TRIGGER items_tally_insert AFTER INSERT ON items BEGIN"
    "  INSERT INTO queue_tally(kind, team, assignee, status, n)"
    "    VALUES(new.kind, new.team, new.assignee, new.status, 1)"
    "    ON CONFLICT(kind, team, assignee, status) DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE TRIGGER items_tally_delete AFTER DELETE ON items BEGIN"
    "  UPDATE queue_tally SET n = n - 1 WHERE kind = old.kind AND team = old.team"
    "    AND assignee = old.assignee AND status = old.status;"
    "  DELETE FROM queue_tally WHERE kind = old.kind AND team = old.team"
    "    AND assignee = old.assignee AND status = old.status AND n <= 0;"
    "END;"
    "CREATE TRIGGER items_tally_update AFTER UPDATE OF kind, team, assignee, status ON items"
    "  WHEN old.kind IS NOT new.kind OR old.team IS NOT new.team"
    "    OR old.assignee IS NOT new.assignee OR old.status IS NOT new.status BEGIN"
    "  UPDATE queue_tally SET n = n - 1 WHERE kind = old.kind AND team = old.team"
    "    AND assignee = old.assignee AND status = old.status;"
    "  DELETE FROM queue_tally WHERE kind = old.kind AND team = old.team"
    "    AND assignee = old.assignee AND status = old.status AND n <= 0;"
    "  INSERT INTO queue_tally(kind, team, assignee, status, n)"
    "    VALUES(new.kind, new.team, new.assignee, new.status, 1)"
    "    ON CONFLICT(kind, team, assignee, status) DO UPDATE SET n = n + 1;"
    "END;",

    /* 5: the eligibility clock of the work queues (core/queue): the item's
     * date of service copied from item_fields into items.service_date, kept
     * by triggers on item_fields, so that a queue page reads it with the
     * row, and items_q_visit counts the items at risk (T-72/T-48) per
     * scope without reading each of them. Replaces migration 4's index on
     * item_fields, which needed a lookup of every item it found. The copy
     * is PHI like the value: inside the encrypted cache only. */
    "ALTER TABLE items ADD COLUMN service_date TEXT;"
    "UPDATE items SET service_date = (SELECT f.value FROM item_fields AS f"
    "                                 WHERE f.item_id = items.id AND f.field = 'service_date');"
    "DROP INDEX item_fields_service_date;"
    "CREATE INDEX items_q_visit ON items(kind, service_date, status, team, assignee, client_id)"
    "  WHERE service_date IS NOT NULL;"
    "CREATE TRIGGER item_fields_queue_visit_insert AFTER INSERT ON item_fields"
    "  WHEN new.field = 'service_date' BEGIN"
    "  UPDATE items SET service_date = new.value WHERE id = new.item_id;"
    "END;"
    "CREATE TRIGGER item_fields_queue_visit_update AFTER UPDATE OF value ON item_fields"
    "  WHEN new.field = 'service_date' AND old.value IS NOT new.value BEGIN"
    "  UPDATE items SET service_date = new.value WHERE id = new.item_id;"
    "END;"
    "CREATE TRIGGER item_fields_queue_visit_delete AFTER DELETE ON item_fields"
    "  WHEN old.field = 'service_date' BEGIN"
    "  UPDATE items SET service_date = NULL WHERE id = old.item_id;"
    "END;",

    /* 6: sync (core/sync, core/store/sync_store.c). outbox: every local
     * change as an op, written in the same transaction as the change and
     * its audit event, deleted only once the hub's RESULT for it is
     * committed; its values are PHI, here inside the encrypted cache only.
     * op_rejects: ops the hub refused (or sent to the conflict inbox), so
     * the item screen can say "your change to FIELD was rejected: REASON".
     * link_pending: a pulled item's link to an item not (yet) in this
     * cache, set once that item arrives (items.linked_item is a foreign
     * key). notes.op_id: the op that wrote a note, so a correction can name
     * the note it corrects in a way the hub understands. The sync state
     * (cursor, HLC, times, grace) lives in meta under sync.* keys. */
    "CREATE TABLE outbox("
    "  seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, hlc INTEGER NOT NULL,"
    "  kind TEXT NOT NULL, item TEXT NOT NULL, field TEXT NOT NULL DEFAULT '',"
    "  value TEXT, expect TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL"
    ");"
    "CREATE INDEX outbox_item ON outbox(item);"
    "CREATE TABLE op_rejects("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, op_id TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL, field TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL,"
    "  at INTEGER NOT NULL"
    ");"
    "CREATE INDEX op_rejects_item ON op_rejects(item_id, at);"
    "CREATE TABLE link_pending("
    "  item_id TEXT PRIMARY KEY, linked TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX link_pending_linked ON link_pending(linked);"
    "ALTER TABLE notes ADD COLUMN op_id TEXT;"
    "CREATE INDEX notes_op ON notes(op_id) WHERE op_id IS NOT NULL;",
    /* 7: what the hub sends to oversight roles only, read-only here.
     * device_events: the audit events of every device (the privacy and
     * security officers' and the auditor's review), as the hub received
     * them, keyed by the hub's own sequence (hub_seq) so a pull resumes
     * where it stopped; chain links kept so the review screen can show
     * where a device's chain breaks. A reveal's reason is PHI-like: it
     * stays inside the encrypted cache. conflict_inbox: the conflicts of
     * the supervisor's team (a status change refused because the item had
     * moved on, a losing field value), keyed by the hub's conflict id,
     * resolved by a `resolve` op; the value is PHI and masked as the
     * supervisor's role may hold it. */
    "CREATE TABLE device_events("
    "  hub_seq INTEGER PRIMARY KEY, device TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,"
    "  item_id TEXT NOT NULL DEFAULT '', field TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT 'ok',"
    "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL"
    ");"
    "CREATE UNIQUE INDEX device_events_chain ON device_events(device, seq);"
    "CREATE INDEX device_events_user ON device_events(user, at);"
    "CREATE INDEX device_events_item ON device_events(item_id, at) WHERE item_id <> '';"
    "CREATE INDEX device_events_action ON device_events(action, at);"
    "CREATE TABLE conflict_inbox("
    "  id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, kind TEXT NOT NULL,"
    "  field TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'open', op_id TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX conflict_inbox_open ON conflict_inbox(state, at);"
    "CREATE INDEX conflict_inbox_item ON conflict_inbox(item_id);",
    /* 8: the purge of closed items (core/sync, after each round) finds
     * them through this partial index instead of reading every item (it
     * cost a new-connection round ~60 ms at 100 000 items). */
    "CREATE INDEX items_closed ON items(closed) WHERE closed IS NOT NULL;",
    /* 9: oversight records (core/domain/record.h, core/store/record_store.h):
     * QA samples and reviews, corrective actions, incidents, patient
     * requests. Fixed columns to filter on, the rest of each kind in a JSON
     * body (PHI possible: only ever inside the encrypted cache). No foreign
     * key to items: a record outlives the item leaving this cache (an
     * incident about an item reassigned away stays the reporter's). op_id
     * is the local change the hub has not answered yet (a pulled copy does
     * not replace it meanwhile); refused is the hub's reason when it
     * refused one. */
    "CREATE TABLE records("
    "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, item_id TEXT NOT NULL DEFAULT '',"
    "  team TEXT NOT NULL DEFAULT '', author TEXT NOT NULL DEFAULT '',"
    "  owner TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,"
    "  due INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    "  hlc INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL DEFAULT '{}',"
    "  op_id TEXT NOT NULL DEFAULT '', refused TEXT NOT NULL DEFAULT ''"
    ") WITHOUT ROWID;"
    "CREATE INDEX records_kind ON records(kind, status, due);"
    "CREATE INDEX records_item ON records(item_id, kind) WHERE item_id <> '';"
    "CREATE INDEX records_owner ON records(owner, kind, status);"
    "CREATE INDEX records_op ON records(op_id) WHERE op_id <> '';",
    /* 10: the queue keys written by the statement that writes the row
     * (core/store/sync_store_apply.c, items_io.c), so that migration 4's
     * triggers have nothing left to do there: they rewrote each inserted
     * row (and moved it in seven indexes) a second time, and an UPDATE of
     * due a second time too. The keys keep migration 4's meaning, and the
     * triggers stay for every writer that leaves the keys to them: on
     * insert, a row whose patient_sort is '' (never the key of a patient:
     * that holds ", " at least) or whose due_key is not due's gets all four
     * from them, so an insert that writes the keys writes all four; on an
     * UPDATE of due, a due_key the statement did not set follows. */
    "DROP TRIGGER items_queue_keys_insert;"
    "CREATE TRIGGER items_queue_keys_insert AFTER INSERT ON items"
    "  WHEN new.patient_sort = '' OR new.due_key IS NOT coalesce(new.due, 9223372036854775807)"
    "  BEGIN"
    "  UPDATE items SET due_key = coalesce(new.due, 9223372036854775807),"
    "    patient_sort = coalesce((SELECT lower(p.family_name) || ', ' || lower(p.given_name)"
    "                             FROM patients AS p WHERE p.id = new.patient_id), ''),"
    "    patient_given = coalesce((SELECT lower(p.given_name) || ' ' || lower(p.family_name)"
    "                              FROM patients AS p WHERE p.id = new.patient_id), ''),"
    "    payer_sort = coalesce((SELECT lower(p.payer) FROM patients AS p"
    "                           WHERE p.id = new.patient_id), '')"
    "    WHERE rowid = new.rowid;"
    "END;"
    "DROP TRIGGER items_queue_due;"
    "CREATE TRIGGER items_queue_due AFTER UPDATE OF due ON items"
    "  WHEN new.due_key IS NOT coalesce(new.due, 9223372036854775807) BEGIN"
    "  UPDATE items SET due_key = coalesce(new.due, 9223372036854775807) WHERE rowid = new.rowid;"
    "END;",
    /* 11: the hub's own audit chain (hub/haudit.c: admin commands,
     * sessions, pushes, rejections) as the hub sends it to the oversight
     * roles, read-only here (core/store/hub_events.h): keyed by the
     * chain's seq, its links kept for the continuity check. A stream of
     * its own beside device_events (which keeps the hub's numbering of
     * the devices' events); the cursor is meta sync.haudit_cursor. */
    "CREATE TABLE hub_events("
    "  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, user TEXT NOT NULL,"
    "  role TEXT NOT NULL, device TEXT NOT NULL, action TEXT NOT NULL,"
    "  item_id TEXT NOT NULL DEFAULT '', field TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT 'ok',"
    "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL"
    ");"
    "CREATE INDEX hub_events_user ON hub_events(user, at);"
    "CREATE INDEX hub_events_item ON hub_events(item_id, at) WHERE item_id <> '';"
    "CREATE INDEX hub_events_action ON hub_events(action, at);",
    /* 12: a search by id prefix within one queue (core/store/queue_store.c)
     * read the id autoindex over every kind and then each candidate's row
     * for its kind: the first keystroke of an id prefix read a few hundred
     * rows from disk. With the kind first, the prefix is one range of this
     * queue's ids, counted without reading a row. */
    "CREATE INDEX items_q_id ON items(kind, id);",
    /* 13: drafts of the forms that are no item's (core/store/draft_store.h:
     * the incident report, a patient request's intake), so a lock or a
     * hang-up keeps what was typed there too, encrypted, instead of wiping
     * it: keyed by the form ("inc:new", "inc:RECORD", "pr:ITEM"). */
    "CREATE TABLE form_drafts("
    "  form TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,"
    "  saved_at INTEGER NOT NULL, PRIMARY KEY(form, field)"
    ") WITHOUT ROWID;",
    /* 14: an index under every foreign key's child column. With
     * foreign_keys on, deleting an item (the purge of closed items, a
     * drop) looks for rows that still point at it; without these it read
     * all of attachments, disclosures and items (linked_item) for every
     * item deleted, and all of notes for every note (corrects). The hub's
     * history of an item read all attachments too. */
    "CREATE INDEX attachments_item ON attachments(item_id, at);"
    "CREATE INDEX disclosures_item ON disclosures(item_id);"
    "CREATE INDEX items_linked ON items(linked_item) WHERE linked_item IS NOT NULL;"
    "CREATE INDEX notes_corrects ON notes(corrects) WHERE corrects IS NOT NULL;",
    /* 15: migration 1's items_queue_due (kind, due, id) has served no query
     * since migration 4 gave the queues due_key (items_q_due and the other
     * queue indexes): it only cost a leaf page written (and sealed twice)
     * for every change of a due time (issue 5's change rounds). The
     * trigger of the same name stays. */
    "DROP INDEX items_queue_due;",
    /* 16: the queue indexes without the item id. It broke ties of due
     * time, and an id is 36 characters (a UUID from the hub): it was half
     * of each entry. A sync round that moves 1 000 due times of a 100 000-
     * item cache wrote ~1 700 pages of each of these five (nearly all of
     * them: the old entry and the new one lie pages apart), each sealed
     * twice. Ties now fall to the rowid every index ends with (the order
     * an item came into this cache; nx_qs_key), after the client in
     * items_q_status, which keeps it for the dashboard's counts. */
    ("DROP INDEX items_q_due;"
     "CREATE INDEX items_q_due ON items(kind, due_key);"
     "DROP INDEX items_q_priority;"
     "CREATE INDEX items_q_priority ON items(kind, prio_key, due_key);"
     "DROP INDEX items_q_status;"
     "CREATE INDEX items_q_status ON items(kind, status, due_key, client_id);"
     "DROP INDEX items_q_patient;"
     "CREATE INDEX items_q_patient ON items(kind, patient_sort, due_key);"
     "DROP INDEX items_q_payer;"
     "CREATE INDEX items_q_payer ON items(kind, payer_sort, due_key);"),
    /* 17: the kind as a number in the queue indexes. Each of them began
     * with the kind's name ('eligibility': 12 bytes with its header)
     * where a number takes one: in items_q_due that was a third of an
     * entry. kind_no is a plain column, not a generated one: SQLite 3.40
     * reads the table row to test a virtual column even where an index
     * holds it, so the dashboard's counts would stop being covered (they
     * measured 15 ms against 4). The writers set it (store_int.h
     * NX_KIND_NO_OF); the triggers keep it for any that does not, and if
     * a kind changes. The queue store asks for a kind's items by it
     * (nx_qs_kind_no, the same numbers). */
    ("ALTER TABLE items ADD COLUMN kind_no INTEGER NOT NULL DEFAULT 0;"
     "UPDATE items SET kind_no = CASE kind WHEN 'scheduling' THEN 1 WHEN 'eligibility' THEN 2"
     "  WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4 ELSE 0 END;"
     "CREATE TRIGGER items_kind_no_insert AFTER INSERT ON items"
     "  WHEN new.kind_no IS NOT CASE new.kind WHEN 'scheduling' THEN 1 WHEN 'eligibility' THEN 2"
     "  WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4 ELSE 0 END BEGIN"
     "  UPDATE items SET kind_no = CASE new.kind WHEN 'scheduling' THEN 1 WHEN 'eligibility'"
     "  THEN 2 WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4 ELSE 0 END WHERE rowid = new.rowid;"
     "END;"
     "CREATE TRIGGER items_kind_no_update AFTER UPDATE OF kind, kind_no ON items"
     "  WHEN new.kind_no IS NOT CASE new.kind WHEN 'scheduling' THEN 1 WHEN 'eligibility' THEN 2"
     "  WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4 ELSE 0 END BEGIN"
     "  UPDATE items SET kind_no = CASE new.kind WHEN 'scheduling' THEN 1 WHEN 'eligibility'"
     "  THEN 2 WHEN 'prior-auth' THEN 3 WHEN 'roi' THEN 4 ELSE 0 END WHERE rowid = new.rowid;"
     "END;"
     "DROP INDEX items_q_due;"
     "CREATE INDEX items_q_due ON items(kind_no, due_key);"
     "DROP INDEX items_q_priority;"
     "CREATE INDEX items_q_priority ON items(kind_no, prio_key, due_key);"
     "DROP INDEX items_q_status;"
     "CREATE INDEX items_q_status ON items(kind_no, status, due_key, client_id);"
     "DROP INDEX items_q_patient;"
     "CREATE INDEX items_q_patient ON items(kind_no, patient_sort, due_key);"
     "DROP INDEX items_q_payer;"
     "CREATE INDEX items_q_payer ON items(kind_no, payer_sort, due_key);"
     "DROP INDEX items_q_given;"
     "CREATE INDEX items_q_given ON items(kind_no, patient_given);"
     "DROP INDEX items_q_team;"
     "CREATE INDEX items_q_team ON items(kind_no, team, status, due_key, client_id);"
     "DROP INDEX items_q_id;"
     "CREATE INDEX items_q_id ON items(kind_no, id);"
     "DROP INDEX items_assignee;"
     "CREATE INDEX items_assignee ON items(assignee, kind_no, due);"
     "DROP INDEX items_q_visit;"
     "CREATE INDEX items_q_visit ON items(kind_no, service_date, status, team, assignee,"
     "  client_id) WHERE service_date IS NOT NULL;"),
    /* 18: fewer indexes that hold the due time. Every change of a due time
     * moves an entry in each of them, and a sync round of 1 000 such
     * changes in a 100 000-item cache wrote nearly all their pages:
     * items_q_team (kind, team, status, due_key, client) ~900 and
     * items_assignee (assignee, kind, due) ~600. The dashboard's
     * time-bound counts now all read items_q_status, which holds the team
     * and the assignee after the client, so every scope is tested on the
     * index entry (a laptop's cache is mostly its own scope: the range
     * read is the same); the two others keep only what finds a team's or
     * an assignee's items (a plan's candidates, the few rows outside a
     * scope), with no due time in them: a due time that moves no longer
     * touches them. */
    ("DROP INDEX items_q_team;"
     "DROP INDEX items_q_status;"
     "CREATE INDEX items_q_status ON items(kind_no, status, due_key, client_id, team, assignee);"
     "DROP INDEX items_assignee;"
     "CREATE INDEX items_assignee ON items(assignee, kind_no);"
     "CREATE INDEX items_team ON items(kind_no, team);"),
    /* 19: items_q_status with the scope as a number. Its entries ended with
     * the client, team and assignee as text (~20 bytes of ~40), so that the
     * dashboard's counts and the status sort test a scope on the entry;
     * a sync round that moves 1 000 due times in a 100 000-item cache
     * rewrote nearly all of its ~1 100 pages. item_scopes numbers each
     * (client, team, assignee) an item has (a laptop's cache holds a few);
     * items.scope_no is that number, set by the writers
     * (NX_SCOPE_NO_OF) and kept by the triggers for any that does not, and
     * when a row moves to another scope. A scope's row is never deleted
     * and its number never changes (INTEGER PRIMARY KEY: VACUUM keeps it),
     * so a scope_no stays right. A scope is tested on the entry as
     * scope_no IN (the numbers of the scopes that match). */
    ("CREATE TABLE item_scopes(no INTEGER PRIMARY KEY, client_id TEXT NOT NULL,"
     "  team TEXT NOT NULL, assignee TEXT NOT NULL, UNIQUE(client_id, team, assignee));"
     "ALTER TABLE items ADD COLUMN scope_no INTEGER NOT NULL DEFAULT 0;"
     "INSERT INTO item_scopes(client_id, team, assignee)"
     "  SELECT DISTINCT client_id, team, assignee FROM items ORDER BY 1, 2, 3;"
     "UPDATE items SET scope_no = " NX_SCOPE_NO_OF("items.client_id", "items.team", "items.assignee") ";"
     "CREATE TRIGGER items_scope_insert AFTER INSERT ON items"
     SCOPE_MEND
     "CREATE TRIGGER items_scope_update AFTER UPDATE OF client_id, team, assignee, scope_no ON items"
     SCOPE_MEND
     "DROP INDEX items_q_status;"
     "CREATE INDEX items_q_status ON items(kind_no, status, due_key, scope_no);"),
    /* 20: the priority sort without an index of its own. A sync round
     * that moves 1 000 due times in a 100 000-item cache wrote ~400 pages
     * of items_q_priority (kind, prio_key, due_key), nearly all of it, on
     * top of the same in items_q_due. The order stays as it was
     * (queue_store.h): the routine items (priority 0) are read from
     * items_q_due, the others from items_q_prio, which holds only them
     * (urgent ones: about one in five), so a routine item's due time moves
     * one index entry, not two. */
    ("DROP INDEX items_q_priority;"
     "CREATE INDEX items_q_prio ON items(kind_no, prio_key, due_key) WHERE priority <> 0;"),
    /* 21: the payer sort's index for the items that carry a payer only.
     * Only eligibility and prior-auth items show one (the field
     * dictionary's payer kinds); the payer sort and a search of the payer
     * are for their queues only (core/queue), so the entries of scheduling
     * and release-of-information items were read by nothing, yet each due
     * time that moved, moved one: a sync round of 1 000 such changes in a
     * 100 000-item scheduling cache wrote ~440 pages of it. The queries
     * that read it name NX_PAYER_KINDS_TERM (store_int.h). */
    ("DROP INDEX items_q_payer;"
     "CREATE INDEX items_q_payer ON items(kind_no, payer_sort, due_key) WHERE "
     NX_PAYER_KINDS_TERM ";"),
    /* 22: the due sort without an index of its own. items_q_due (kind,
     * due_key) moved an entry for every due time that moved: a sync round
     * of 1 000 such changes in a 100 000-item cache wrote ~400 pages of it,
     * while items_q_status (kind, status, due_key, scope_no) moved one for
     * the same change. The due order is now read from items_q_status, one
     * range per status, merged by SQLite as it reads them (queue_page.c);
     * its ties of due time fall to the scope's number, then the rowid, as
     * the status sort's do. items_q_prio gains the scope's number so that
     * the priority sort's urgent part breaks ties the same way as its
     * routine part, which is read like the due sort. */
    ("DROP INDEX items_q_due;"
     "DROP INDEX items_q_prio;"
     "CREATE INDEX items_q_prio ON items(kind_no, prio_key, due_key, scope_no) WHERE priority <> 0;"),
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
