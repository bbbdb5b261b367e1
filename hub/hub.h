/* hub/hub.h — the hub's context and the central store's API (nexus-hub).
 *
 * The central store is the client's schema (core/store migrations: items,
 * item_fields, patients, clients, notes, transitions, attempts, ...) plus the
 * hub's own tables (hub migrations, meta key 'hub_schema'), in DIR/hub.db,
 * opened through the same encrypting VFS as a laptop's cache. The VFS key and
 * the key of the hub's audit chain are crypto_kdf subkeys of the hub key: 32
 * random bytes in a key file (default: the sibling "DIR.key", so a backup of
 * DIR does not carry its key), mode 0600, refused when group or others may
 * access it.
 *
 * Everything a sync session needs from the store is a function here, so that
 * a PostgreSQL backend can replace store*.c later; items themselves are read
 * and written with core/store/items_io.h and rows.h on nx_hub_store(h).
 *
 * Conventions: functions that take err return 0 on success and -1 with a
 * message that names ids, never a value. Lookups return 1 found, 0 absent,
 * -1 error. Writes (everything but the lookups) are meant to run inside
 * nx_hub_begin .. nx_hub_commit; the admin commands (admin.c, import.c, ...)
 * open and close their own transaction. Strings passed in are copied or
 * bound, never kept. Values (PHI) live only inside the encrypted store. */
#ifndef NX_HUB_H
#define NX_HUB_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "crypt/crypt.h"
#include "domain/audit.h"
#include "domain/record.h"
#include "store/items_io.h"
#include "store/store.h"
#include "sync/hlc.h"

typedef struct nx_hub nx_hub;

#define NX_HUB_PATH_MAX 4096
#define NX_HUB_ERR_MAX 512
#define NX_HUB_DB_NAME "hub.db"
#define NX_HUB_BANNER_MAX 2048
#define NX_HUB_PUBKEY_MAX 1024
#define NX_HUB_KEEP_CLOSED_DAYS 14
#define NX_HUB_GRACE_HOURS 24
#define NX_HUB_GRACE_HOURS_EMERGENCY 72
/* The role recorded for administrator commands in the hub's audit chain
 * (not a client role: DESIGN.md "the hub's administrator works on the
 * central host with nexus-hub"). */
#define NX_HUB_ADMIN_ROLE "hub-admin"
#define NX_HUB_DEVICE "hub"

/* ---- opening ------------------------------------------------------------------ */

/* The key file for a store dir: key_file when non-NULL, else "<dir>.key"
 * (dir without its trailing slashes). 0 or -1 (too long). */
int nx_hub_key_path(const char *dir, const char *key_file, char *out, size_t outlen);

/* `nexus-hub init`: creates dir (0700; it may exist but must not hold a
 * store), a new key file (0600, O_EXCL: an existing key file is never
 * overwritten), the store, the hub's settings (training = 1 for a training
 * hub) and the first event of the hub's audit chain. key_file NULL = the
 * default. */
int nx_hub_init(const char *dir, const char *key_file, int training, char *err, size_t errlen);

/* Opens an existing store: reads and checks the key file (regular file,
 * no group/other access, 32 raw bytes or 64 hex digits), opens DIR/hub.db
 * through the encrypting VFS, applies pending migrations. The audit
 * identity of admin commands is the OS account running the process. */
int nx_hub_open(const char *dir, const char *key_file, nx_hub **out, char *err, size_t errlen);
void nx_hub_close(nx_hub *h);                /* NULL ok; wipes the keys */

nx_store *nx_hub_store(nx_hub *h);           /* for core/store/items_io.h, rows.h */
sqlite3 *nx_hub_db(nx_hub *h);               /* raw handle: tests and hub/ only */
const char *nx_hub_dir(const nx_hub *h);     /* absolute store dir */
const char *nx_hub_key_file(const nx_hub *h);/* absolute key file */
const char *nx_hub_admin(const nx_hub *h);   /* OS account name, for admin events */
const char *nx_hub_errmsg(nx_hub *h);        /* SQLite's last message */

/* ---- transactions ------------------------------------------------------------- */

int  nx_hub_begin(nx_hub *h);                /* BEGIN IMMEDIATE; 0 or -1 */
int  nx_hub_commit(nx_hub *h);               /* 0 or -1 (then roll back) */
void nx_hub_rollback(nx_hub *h);

/* ---- settings ------------------------------------------------------------------- */

typedef struct nx_hub_settings {
    char banner[NX_HUB_BANNER_MAX];   /* "" = none */
    int emergency;                    /* 1 = emergency mode on */
    int training;                     /* 1 = a training hub (init --training) */
    int keep_closed_days;             /* default 14 */
    int grace_hours;                  /* stored value (default 24) */
    int effective_grace_hours;        /* 72 in emergency, else grace_hours */
} nx_hub_settings;

int nx_hub_settings_get(nx_hub *h, nx_hub_settings *out);

/* ---- users ---------------------------------------------------------------------- */

typedef struct nx_hub_user {
    char name[NX_NAME_MAX], role[NX_NAME_MAX], team[NX_NAME_MAX];
    char pubkey[NX_HUB_PUBKEY_MAX];   /* "ssh-ed25519 AAAA..." (type and base64) */
    int64_t created, revoked_at;      /* revoked_at 0 = active */
} nx_hub_user;

int nx_hub_user_get(nx_hub *h, const char *name, nx_hub_user *out);
typedef int (*nx_hub_user_cb)(void *arg, const nx_hub_user *u);
/* In name order; a non-zero return from cb stops and is returned. */
int nx_hub_users_each(nx_hub *h, nx_hub_user_cb cb, void *arg);

/* ---- devices -------------------------------------------------------------------- */

typedef struct nx_hub_device {
    char id[64], user[NX_NAME_MAX];
    int64_t first_seen, last_seen, revoked_at, destroyed_at;   /* 0 = never */
    uint64_t audit_seq;                    /* last device audit event accepted */
    unsigned char audit_hash[NX_AUDIT_HASH_BYTES];   /* its hash (zero if seq 0) */
} nx_hub_device;

int nx_hub_device_get(nx_hub *h, const char *id, nx_hub_device *out);
/* Registers the device for user on first sight (first_seen = now) and
 * moves last_seen. 0 ok, 1 the id is registered to another user (nothing
 * changed: the caller refuses the session), -1 error. */
int nx_hub_device_touch(nx_hub *h, const char *id, const char *user, int64_t now);
/* Where the device's audit chain stands on the hub (after accepting
 * events). 0 or -1. */
int nx_hub_device_audit_set(nx_hub *h, const char *id, uint64_t seq,
                            const unsigned char hash[NX_AUDIT_HASH_BYTES]);
/* The device erased its cache (DESTROYED frame, or the revocation path):
 * records destroyed_at. 0, or -1 (also when the device is unknown). */
int nx_hub_device_destroyed(nx_hub *h, const char *id, int64_t at);
typedef int (*nx_hub_device_cb)(void *arg, const nx_hub_device *d);
/* The devices of user (NULL = all), by id. */
int nx_hub_devices_each(nx_hub *h, const char *user, nx_hub_device_cb cb, void *arg);

/* ---- oversight records (store_record.c; core/domain/record.h) ------------------ */

/* 1 found (out filled: nx_record_clear it), 0 none, -1. */
int nx_hub_record_get(nx_hub *h, const char *id, nx_record *out);
/* Writes r whole (insert or replace) with op_id as the op that wrote it
 * ("" for the hub's own, e.g. a QA sample) and the next revision, so the
 * next pull of everyone who may read it brings it. Inside the caller's
 * transaction. The record's revision, or -1. */
int64_t nx_hub_record_put(nx_hub *h, const nx_record *r, const char *op_id);
/* The op that last wrote record id into op_id (40 bytes; "" for the hub's
 * own). 1 found, 0 none, -1. */
int nx_hub_record_op(nx_hub *h, const char *id, char op_id[40]);
/* Records whose revision is above since_rev, by revision. kind non-NULL
 * limits to that kind. A non-zero return from cb stops and is returned. */
typedef int (*nx_hub_record_cb)(void *arg, const nx_record *r, int64_t rev);
int nx_hub_records_since(nx_hub *h, int64_t since_rev, const char *kind, nx_hub_record_cb cb,
                         void *arg);
/* Records of a kind (and item, when item_id is non-NULL), oldest first. */
int nx_hub_records_of(nx_hub *h, const char *kind, const char *item_id, nx_hub_record_cb cb,
                      void *arg);
/* Records of a kind in one status (the index records_kind), oldest first. */
int nx_hub_records_in(nx_hub *h, const char *kind, const char *status, nx_hub_record_cb cb,
                      void *arg);

/* ---- revisions: what changed, for pull cursors --------------------------------- */

/* The global revision counter: every change to an item gives it the next
 * revision; a client's cursor is the highest revision it has applied. */
int64_t nx_hub_rev(nx_hub *h);                          /* current; -1 error */
int64_t nx_hub_rev_bump(nx_hub *h);                     /* next value; -1 error */
int nx_hub_item_rev_set(nx_hub *h, const char *item_id, int64_t rev);
/* Bump, then set: the item's new revision, or -1. */
int64_t nx_hub_item_touch(nx_hub *h, const char *item_id);
/* 1 found (*rev), 0 no revision recorded, -1. */
int nx_hub_item_rev(nx_hub *h, const char *item_id, int64_t *rev);

/* Items whose revision is above since_rev, in restoration order (seed 000
 * §6.11): open items (closed = 0) by due time (none last), then items
 * closed within keep_closed_days of now, most recently closed first.
 * Items closed earlier (the archive) are never listed. since_rev 0 lists
 * every item the hub holds (a first pull), with rev 0. team non-NULL
 * limits the walk to that team. cb gets of each item what visibility is
 * decided by (id, kind, client_id, status, assignee, team; the other
 * columns zero), its revision and its rowid in items (a read
 * by rowid is one B-tree descent, by id two); visibility per user and
 * role is the caller's (pull.c). A non-zero return from cb stops and is
 * returned; 0 at the end, -1 error. */
typedef int (*nx_hub_item_cb)(void *arg, const nx_item_rec *it, int64_t rev, int64_t row);
int nx_hub_items_since(nx_hub *h, int64_t since_rev, int64_t now, const char *team,
                       nx_hub_item_cb cb, void *arg);
/* The same walk for since_rev > 0, limited to one user's scope: the
 * changed items whose team (NX_HUB_BY_TEAM) or assignee
 * (NX_HUB_BY_ASSIGNEE) is key, and the changed items the device holds
 * (whatever their scope now: the caller drops those it may no longer
 * see). The cost follows those items and the smaller of the changes since
 * since_rev and the device's holdings, not every change since since_rev.
 * 0, a non-zero return of cb, or -1. */
typedef enum { NX_HUB_BY_TEAM, NX_HUB_BY_ASSIGNEE } nx_hub_scope_by;
int nx_hub_items_changed(nx_hub *h, int64_t since_rev, int64_t now, nx_hub_scope_by by,
                         const char *key, const char *device, nx_hub_item_cb cb, void *arg);
/* 1 when the item is in the archive (closed before now - keep_closed_days),
 * 0 when not (or no such item), -1 error. */
int nx_hub_item_archived(nx_hub *h, const char *item_id, int64_t now);

/* ---- what each device holds (for DROP) ----------------------------------------- */

int nx_hub_device_item_add(nx_hub *h, const char *device, const char *item_id);
/* The same for n items (ids in the table's order are quickest). */
int nx_hub_device_items_add(nx_hub *h, const char *device, const char *const *ids, size_t n);
int nx_hub_device_item_forget(nx_hub *h, const char *device, const char *item_id);
int nx_hub_device_item_has(nx_hub *h, const char *device, const char *item_id);
typedef int (*nx_hub_id_cb)(void *arg, const char *id);
/* Every item the device holds, by id. */
int nx_hub_device_items_each(nx_hub *h, const char *device, nx_hub_id_cb cb, void *arg);
/* The items the device holds that have gone to the archive (closed before
 * now - keep_closed_days) or no longer exist: they must be dropped. */
int nx_hub_device_items_expired(nx_hub *h, const char *device, int64_t now,
                                nx_hub_id_cb cb, void *arg);

/* ---- ops: dedupe and the record of what was merged ----------------------------- */

typedef struct nx_hub_op_rec {
    const char *op_id, *device, *user;
    nx_hlc hlc;
    const char *kind;           /* nx_op_kind_name */
    const char *item, *field, *value, *expect;   /* NULL = "" */
    int64_t received;           /* hub time, unix s */
    const char *outcome;        /* "ok", "rejected", "conflict", ... (H2b's words) */
    const char *reason;         /* for a rejection; NULL = "" */
} nx_hub_op_rec;

/* 1 when op_id was already received (outcome and reason copied, so the same
 * RESULT can be sent again), 0 new, -1 error. outcome/reason may be NULL. */
int nx_hub_op_seen(nx_hub *h, const char *op_id, char *outcome, size_t outlen,
                   char *reason, size_t reasonlen);
/* Records an op once (a second record of the same id fails: -1). */
int nx_hub_op_record(nx_hub *h, const nx_hub_op_rec *r);

/* ---- field clocks (last writer wins by (hlc, op id)) --------------------------- */

/* 1 found (*hlc, op_id copied), 0 never written by an op, -1. */
int nx_hub_field_clock_get(nx_hub *h, const char *item_id, const char *field,
                           nx_hlc *hlc, char *op_id, size_t op_idlen);
int nx_hub_field_clock_set(nx_hub *h, const char *item_id, const char *field,
                           nx_hlc hlc, const char *op_id);

/* ---- conflicts ------------------------------------------------------------------ */

#define NX_HUB_CONFLICT_DETAIL_MAX 512
typedef struct nx_hub_conflict {
    int64_t id;
    char kind[16];              /* "field" | "status" */
    char item[64], field[64], op_id[40];
    char *value;                /* heap, PHI: the losing / rejected value; "" if none */
    char detail[NX_HUB_CONFLICT_DETAIL_MAX];   /* no value in it */
    int64_t at;
    char state[16];             /* "open" | "applied" | "discarded" */
    char resolved_by[NX_NAME_MAX];
    int64_t resolved_at;
} nx_hub_conflict;

void nx_hub_conflict_clear(nx_hub_conflict *c);   /* wipes and frees value */

/* kind: "field" or "status". *id (may be NULL) gets the new conflict's id. */
int nx_hub_conflict_add(nx_hub *h, const char *kind, const char *item_id, const char *field,
                        const char *op_id, const char *value, const char *detail, int64_t at,
                        int64_t *id);
/* 1 found (clear it after), 0, -1. */
int nx_hub_conflict_get(nx_hub *h, int64_t id, nx_hub_conflict *out);
/* state NULL = all, else "open" / "applied" / "discarded"; item_id NULL =
 * every item. In id order. cb's conflict is valid only during the call. */
typedef int (*nx_hub_conflict_cb)(void *arg, const nx_hub_conflict *c);
int nx_hub_conflicts_each(nx_hub *h, const char *state, const char *item_id,
                          nx_hub_conflict_cb cb, void *arg);
/* state: "applied" or "discarded". 0 done, 1 not open (already resolved or
 * no such conflict), -1 error. Applying the value is the caller's. */
int nx_hub_conflict_resolve(nx_hub *h, int64_t id, const char *state, const char *by,
                            int64_t at);

/* ---- device audit events (the clients' chains, pushed by AUDIT frames) ---------- */

typedef struct nx_hub_dev_event {
    uint64_t seq;
    int64_t at;
    const char *device, *user, *role, *action, *item, *field, *reason, *outcome;
    const unsigned char *prev_hash, *hash;     /* NX_AUDIT_HASH_BYTES each */
    uint64_t hub_seq;            /* read back: the hub's order; _add draws it */
} nx_hub_dev_event;

/* Stores one event as received, numbered with the next hub_seq (a counter
 * in hub_counter: increasing over every device, never reused, so the
 * oversight roles pull from a cursor). 0 stored, 1 already held (same
 * device and seq: nothing changed), -1 error. Continuity (seq and
 * prev_hash against nx_hub_device.audit_seq/audit_hash) is checked by the
 * caller. Inside the caller's transaction (two statements). */
int nx_hub_dev_event_add(nx_hub *h, const nx_hub_dev_event *e);

/* The next batch of events after hub_seq `after`, at most `limit`: how
 * many (*count), the last one's hub_seq (*upto; = after when none), and
 * whether more follow it (*more). 0 or -1. */
int nx_hub_dev_events_span(nx_hub *h, uint64_t after, uint64_t limit, uint64_t *count,
                           uint64_t *upto, int *more);
/* Calls cb for the events with after < hub_seq <= upto in hub_seq order,
 * at most limit (0 = all), in one statement; the strings live until cb
 * returns. A non-zero return of cb stops the walk and is returned; 0
 * after the last, -1 on error. */
typedef int (*nx_hub_dev_event_cb)(void *arg, const nx_hub_dev_event *e);
int nx_hub_dev_events_each(nx_hub *h, uint64_t after, uint64_t upto, uint64_t limit,
                           nx_hub_dev_event_cb cb, void *arg);

/* ---- the hub's own audit chain (haudit.c) --------------------------------------- *
 * A hash chain in the store's `audit` table, in the format of
 * core/domain/audit.h, keyed with a crypto_kdf subkey of the hub key and
 * bound to device "hub", so nx_audit_verify checks it. Actions are the
 * hub's own words (below), not nx_audit_action's. */
#define NX_HUB_ACT_INIT          "hub-init"       /* store created */
#define NX_HUB_ACT_CLIENT_ADD    "client-add"
#define NX_HUB_ACT_USER_ADD      "user-add"
#define NX_HUB_ACT_USER_REVOKE   "user-revoke"
#define NX_HUB_ACT_DEVICE_REVOKE "device-revoke"
#define NX_HUB_ACT_IMPORT        "import"
#define NX_HUB_ACT_EXPORT        "export"
#define NX_HUB_ACT_SEED          "seed"
#define NX_HUB_ACT_BANNER        "banner"
#define NX_HUB_ACT_EMERGENCY     "emergency"
#define NX_HUB_ACT_SESSION       "session"        /* a sync session: reason says what moved */
#define NX_HUB_ACT_PUSH          "push"           /* an op applied (item, field) */
#define NX_HUB_ACT_SEND          "send"           /* items sent (reason: count, fields) */
#define NX_HUB_ACT_REJECT        "reject"         /* an op or session refused; reason why */
#define NX_HUB_ACT_CONFLICT      "conflict"       /* a conflict recorded / resolved */
#define NX_HUB_ACT_ASSIGN        "assign"         /* a supervisor's reassignment */
#define NX_HUB_ACT_CHAIN_BREAK   "chain-break"    /* a device's audit chain broken */
#define NX_HUB_ACT_DESTROYED     "destroyed"      /* a revoked device erased its cache */
#define NX_HUB_ACT_SECURITY      "security"       /* other security events */

typedef struct nx_hub_event {
    const char *action;          /* NX_HUB_ACT_* (a token, <= 32 bytes) */
    const char *user, *role;     /* NULL: the admin account and NX_HUB_ADMIN_ROLE */
    const char *device;          /* NULL: "hub"; else the client device concerned */
    const char *item, *field;    /* ids (tokens), or NULL */
    const char *reason;          /* one line, no PHI, <= NX_AUDIT_REASON_MAX; or NULL */
    int failed;                  /* 1: outcome "failed" */
    int64_t at;                  /* 0 = now */
} nx_hub_event;

/* Appends inside the caller's transaction (refused outside one). */
int nx_hub_audit(nx_hub *h, const nx_hub_event *e, char *err, size_t errlen);
/* In its own transaction. */
int nx_hub_audit_log(nx_hub *h, const nx_hub_event *e, char *err, size_t errlen);
/* nx_audit_verify over the hub's chain: 0 intact (*events counted), -1
 * with msg naming the first broken link. */
int nx_hub_audit_verify(nx_hub *h, uint64_t *events, char *msg, size_t msglen);

/* The chain as the oversight roles' pulls read it (hub/pull_haudit.c):
 * the last event's seq (0 = none), and the events with after < seq <=
 * upto in seq order, at most limit (0 = all), in one statement; the
 * strings and hashes live until cb returns. A non-zero return of cb stops
 * the walk and is returned; 0 after the last, -1 on error (a stored hash
 * that is not NX_AUDIT_HASH_BYTES long too). */
typedef struct nx_hub_chain_event {
    int64_t seq, at;
    const char *user, *role, *device, *action, *item, *field, *reason, *outcome;
    const unsigned char *prev_hash, *hash;
} nx_hub_chain_event;
typedef int (*nx_hub_chain_cb)(void *arg, const nx_hub_chain_event *e);
int nx_hub_audit_last_seq(nx_hub *h, uint64_t *seq);
int nx_hub_audit_each(nx_hub *h, uint64_t after, uint64_t upto, uint64_t limit,
                      nx_hub_chain_cb cb, void *arg);

/* ---- administrator commands (admin.c, import.c, export.c, seed.c) -------------- *
 * Each writes its change and a hub audit event in one transaction. */

typedef struct nx_hub_client_spec {
    const char *id, *name, *tz;
    const char *holidays;        /* "2026-12-25,..." or NULL */
    const char *escalation;      /* or NULL */
    int verify_lead_hours;       /* 0 = default (72) */
} nx_hub_client_spec;
int nx_hub_client_add(nx_hub *h, const nx_hub_client_spec *c, char *err, size_t errlen);

/* pubkey_line: one "ssh-ed25519 AAAA... [comment]" line (checked strictly;
 * the comment is dropped). Re-adding a revoked user is refused. */
int nx_hub_user_add(nx_hub *h, const char *name, const char *role, const char *team,
                    const char *pubkey_line, char *err, size_t errlen);
int nx_hub_user_revoke(nx_hub *h, const char *name, char *err, size_t errlen);
int nx_hub_device_revoke(nx_hub *h, const char *device, char *err, size_t errlen);
/* The authorized_keys line for a user (after nx_hub_user_add):
 *   restrict,command="EXE serve --store DIR [--key-file KEY] --user NAME" TYPE B64 NAME
 * exe: absolute path of nexus-hub; key_file NULL = default (not written). */
int nx_hub_authorized_line(nx_hub *h, const char *exe, const char *user, int with_key_file,
                           char *out, size_t outlen, char *err, size_t errlen);
/* Checks one public key line; copies "TYPE BASE64" into out. */
int nx_hub_pubkey_check(const char *line, char *out, size_t outlen, char *err, size_t errlen);

int nx_hub_banner_set(nx_hub *h, const char *text /* NULL = clear */, char *err, size_t errlen);
int nx_hub_emergency_set(nx_hub *h, int on, char *err, size_t errlen);

/* import.c: JSON Lines, schema in hub/IMPORT.md. All or nothing; errors
 * "FILE:LINE: problem". *count (may be NULL) = items imported. */
int nx_hub_import_file(nx_hub *h, const char *path, int64_t *count, char *err, size_t errlen);
/* Parse and validate one buffer without a store (the fuzz harness) when h
 * is NULL; with h, also checks references and imports in one transaction.
 * name is used in messages. */
int nx_hub_import_buffer(nx_hub *h, const char *name, const char *data, size_t len,
                         int64_t *count, char *err, size_t errlen);

/* export.c: every item (the archive too) in the import schema. recipient:
 * an X25519 public key (64 hex digits, or a file holding them); NULL with
 * plaintext = 1 writes JSON Lines as they are. *count = items written. */
int nx_hub_export(nx_hub *h, const char *to, const char *recipient, int plaintext,
                  int64_t *count, char *err, size_t errlen);
/* A key pair for sealed exports: pub_path gets 64 hex digits, sec_path
 * (0600) the secret key in hex. */
int nx_hub_export_keygen(const char *pub_path, const char *sec_path, char *err, size_t errlen);
/* Opens a sealed export with the secret key file into out_path (0600). */
int nx_hub_export_open(const char *in_path, const char *sec_path, const char *out_path,
                       char *err, size_t errlen);

/* seed.c: n synthetic items (obviously fake names), one transaction.
 * team/assignee/kind NULL = spread over defaults. */
typedef struct nx_hub_seed_spec {
    int64_t n;
    const char *team, *assignee, *kind;
} nx_hub_seed_spec;
int nx_hub_seed(nx_hub *h, const nx_hub_seed_spec *spec, char *err, size_t errlen);

/* ---- audit query (haudit.c) ----------------------------------------------------- */

typedef struct nx_hub_audit_filter {
    const char *user, *item, *action, *device;   /* NULL = any */
    int64_t since;                               /* 0 = any */
} nx_hub_audit_filter;
typedef struct nx_hub_audit_row {
    const char *source;          /* "hub" or "device" */
    int64_t seq, at;
    const char *user, *role, *device, *action, *item, *field, *reason, *outcome;
} nx_hub_audit_row;
typedef int (*nx_hub_audit_cb)(void *arg, const nx_hub_audit_row *r);
/* The hub's events, then the devices' (by device, seq), that match. */
int nx_hub_audit_query(nx_hub *h, const nx_hub_audit_filter *f, nx_hub_audit_cb cb, void *arg);

/* ---- the protocol server (H2b's hub/serve.c; see serve.h) ---------------------- */
int nx_hub_serve(nx_hub *h, const char *user, int in_fd, int out_fd);

#endif
