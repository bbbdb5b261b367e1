/* hub/serve — `nexus-hub serve`: the sync protocol's hub side on a pair of
 * file descriptors (stdin/stdout under sshd's forced command).
 *
 * nx_hub_serve is the face (declared in hub.h too); the rest of this header
 * is private to the server's files, which share one connection state:
 *   serve.c        the loop: frames in and out, HELLO/WELCOME, the round's
 *                  write batch, BYE, DESTROYED, the session's audit
 *   serve_op.c     one OP frame: parse, dedupe, identity, record the outcome
 *   merge.c        authorize, validate and merge set/add/assign; dispatch
 *   merge_append.c note, attempt, attach, create
 *   merge_step.c   status steps (workflow, hand-off, disclosure, clocks)
 *                  and the supervisor's conflict resolution
 *   serve_audit.c  AUDIT frames: the devices' chains, breaks recorded
 *   pull.c         PULL: CLIENT, ITEM, DROP, END, filtered by role
 *   pull_audit.c   PULL: every device's audit events, to oversight roles
 *   pull_haudit.c  PULL: the hub's own audit chain, to the same roles
 *   serve_db.c     the few queries of the hub store the server keeps to
 *                  itself (cached statements, note op ids, field revisions,
 *                  loading an item) */
#ifndef NX_HUB_SERVE_H
#define NX_HUB_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"
#include "domain/dict.h"
#include "domain/item.h"
#include "domain/policy.h"
#include "domain/roles.h"
#include "sync/hlc.h"
#include "sync/op.h"
#include "sync/proto.h"

/* Serves one connection for `user` (the name sshd's forced command gave;
 * never one the client sends) until BYE, EOF or an ERROR. Returns 0 after a
 * clean end (BYE, or EOF between frames), 1 after a protocol error (an
 * ERROR frame was sent, or the peer cut a frame short), -1 when the store
 * failed. Writes nothing PHI to stderr. */
int nx_hub_serve(nx_hub *h, const char *user, int in_fd, int out_fd);

/* ---- private to hub/serve*.c, merge*.c, pull.c --------------------------------- */

#define SRV_MAX_OPS_PER_ROUND 10000
#define SRV_MAX_AUDIT_PER_ROUND 100000
/* An op whose clock runs this far ahead of the hub's is refused, so a
 * broken or hostile clock cannot drag the hub's HLC into the future. */
#define SRV_MAX_AHEAD_MS (24LL * 3600 * 1000)
#define SRV_STMTS 48
#define SRV_REASON_MAX 400

typedef struct nx_srv {
    nx_hub *h;
    const nx_dict *dict;
    nx_policy *policy;
    int in_fd, out_fd;

    /* who: from the hub's users table, never from a frame */
    char user[NX_NAME_MAX], team[NX_NAME_MAX], role_name[NX_NAME_MAX];
    nx_role role;
    int revoked;                 /* user or device revoked */
    int hello;                   /* HELLO answered */
    char device[65];
    char client_version[65];
    uint64_t cursor;             /* what the device holds: HELLO's, then each END's */
    nx_hlc hlc;                  /* the hub's clock (meta hub_hlc) */
    nx_hub_settings set;

    /* the round's write batch: ops and audit events since the last flush */
    int in_tx;
    int64_t tx_changes;          /* sqlite3_total_changes when it began */
    unsigned round_ops, round_audit;
    int in_round;                /* a frame of the current round was seen */

    struct {
        uint64_t rounds, ops, applied, dup, rejected, conflicts, audit, items, drops;
    } st;

    nx_wbuf out;
    unsigned char *body;         /* the frame being read (wiped) */
    size_t bodycap;
    nx_msg *msg;

    struct { const char *sql; void *st; } stmts[SRV_STMTS];
} nx_srv;

/* An op as it came, copied out of its frame. */
typedef struct srv_op {
    char id[65], kind_name[17], item[65], field[65], expect[33], user[65], device[65];
    nx_hlc hlc;
    int kind;                    /* nx_op_kind, -1 unknown */
    char *value;                 /* heap, "" when absent; PHI: wiped by srv_op_clear */
} srv_op;

void srv_op_clear(srv_op *op);

/* What became of an op. outcome: "applied", "rejected", "conflict". The
 * reason names ids and statuses, never a value. */
typedef struct srv_result {
    const char *outcome;
    char reason[SRV_REASON_MAX];
    const char *audit_action;    /* NX_HUB_ACT_*; NULL = by outcome */
    const char *audit_field;     /* field id for the audit event; NULL = op's */
} srv_result;

#define SRV_APPLIED "applied"
#define SRV_REJECTED "rejected"
#define SRV_CONFLICT "conflict"
#define SRV_DUPLICATE "duplicate"

/* serve.c */
int64_t srv_now(void);
/* The wire: encode into s->out; srv_flush writes it. */
int srv_flush(nx_srv *s);
/* Sends ERROR (message has no value in it) and flushes. */
void srv_error(nx_srv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Opens the round's write transaction if it is not open (reads the hub
 * HLC that other sessions may have moved). 0 or -1. */
int srv_tx(nx_srv *s);
/* Commits it (with the hub HLC). 0 or -1. */
int srv_tx_commit(nx_srv *s);
/* Rolls it back, when one is open. */
void srv_tx_rollback(nx_srv *s);
/* A hub audit event as this session's user, role and device, inside the
 * open transaction. */
int srv_audit(nx_srv *s, const char *action, const char *item, const char *field,
              const char *reason, int failed);

/* serve_op.c: one OP frame. 0 handled (RESULT encoded), -1 store failure. */
int srv_on_op(nx_srv *s, const nx_msg *m);

/* merge.c: decides and applies one new op (not a duplicate, identity
 * checked) inside a savepoint. 0 with r filled (a rejection's writes, if
 * any, are rolled back by the caller), -1 store failure. */
int srv_merge(nx_srv *s, const srv_op *op, srv_result *r);
/* 1 when the item is in the user's scope (same rule as the client's
 * sess_in_scope: own = assigned to the user; team; all). */
int srv_in_scope(const nx_srv *s, const char *assignee, const char *team);
/* The op's time in unix seconds, kept within the grace window before the
 * hub's now and never after it. */
int64_t srv_op_time(const nx_srv *s, const srv_op *op);
/* Writes the common columns of it and, when all_fields, every kind field
 * it holds (after a workflow step). 0 or -1. */
int srv_item_store(nx_srv *s, const nx_item *it, int insert, int all_fields);
/* Bumps the revision of the item and, for a patient field, of every item
 * of that patient. 0 or -1. */
int srv_touch(nx_srv *s, const char *item_id);
int srv_touch_patient(nx_srv *s, const char *patient_id);
/* Sets one field of a loaded item as user `who` (value canonical):
 * column, patient row or item_fields, the clocks that follow, a forced
 * status. 0 or -1 (store). */
int srv_set_value(nx_srv *s, nx_item *it, const nx_field_def *f, const char *canon,
                  int64_t at, const char *who);

/* merge_append.c: the same contract as srv_merge, per kind. */
int srv_merge_note(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r);
int srv_merge_attempt(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r);
int srv_merge_attach(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r);
int srv_merge_create(nx_srv *s, const srv_op *op, srv_result *r);

/* merge_step.c */
int srv_merge_status(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r);
int srv_merge_resolve(nx_srv *s, const srv_op *op, srv_result *r);
/* Moves it to `to` as user who at `at` (workflow check, hand-off with
 * linked id when given, disclosure, clocks, transition row). 0 done, 1
 * refused (msg says why), -1 store. */
int srv_step(nx_srv *s, nx_item *it, const char *to, const char *linked_id, int64_t at,
             const char *who, char *msg, size_t msglen);

/* merge_record.c: a `record` op (oversight records), the srv_merge
 * contract. srv_record_refused gives the record a refused op tried to
 * change a new revision (after the rollback), so the device's next pull
 * replaces its local copy. 0 or -1. */
int srv_merge_record(nx_srv *s, const srv_op *op, srv_result *r);
int srv_record_refused(nx_srv *s, const srv_op *op);
/* disclosure_record.c: the accounting entry d (row entry_id of the
 * disclosures table) of a release of it, as an oversight record for the
 * privacy officer. Inside the round's transaction. 0 or -1. */
int srv_disclosure_record(nx_srv *s, const nx_item *it, const nx_disclosure_rec *d,
                          int64_t entry_id);
/* record_effects.c: the kind's effects after a record merged: 0 done, 1
 * refused (err says why; the caller rejects the op), -1 store. */
int srv_record_effects(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                       size_t errlen);
/* patreq_effects.c: a patient request's (item check, the patient's flag). */
int srv_patreq_effects(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                       size_t errlen);

/* serve_audit.c: one AUDIT frame. 0 handled, 1 protocol error (ERROR
 * sent), -1 store failure. */
int srv_on_audit(nx_srv *s, const nx_msg *m);

/* pull.c: one PULL frame: everything up to END encoded and flushed. 0 or
 * -1 (store). */
int srv_on_pull(nx_srv *s, const nx_msg *m);

/* What one pull sends and drops (pull.c decides, serve_item.c streams). */
typedef struct pull_item {
    char id[NX_ID_MAX];
    char client[NX_ID_MAX];
    int64_t row;                       /* rowid in items; 0 = read by id */
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
    /* operations (kpi without view): the items of its scope for the KPI
     * figures only — statuses, times, users and history, no patient (its
     * id is withheld), no field, no note, no attempt's or attachment's
     * text (serve_item.c) */
    int counts_only;
    /* the items of the open QA samples a supervisor keeps past the
     * archive (pull.c) */
    char (*sampled)[NX_ID_MAX];
    size_t nsampled, capsampled;
    int64_t now;
    pull_item *send;
    size_t nsend, capsend;
    size_t held;                 /* send[0, held) are recorded as the device's */
    pull_drop *drop;
    size_t ndrop, capdrop;
    kind_field kf[NX_KIND_COUNT][128];
    size_t nkf[NX_KIND_COUNT];
    int kinds_sent[NX_KIND_COUNT];
    nx_level notes_level;
    const nx_field_def *notes_def;
    int failed;
    /* device audit events for the oversight roles (pull_audit.c) */
    int audit_on;                /* this pull answers AUDIT_CURSOR */
    int audit_more;              /* events wait past audit_upto */
    uint64_t audit_from, audit_upto, naudit;
    /* the hub's own chain for the same roles (pull_haudit.c) */
    int haudit_on;               /* this pull answers HAUDIT_CURSOR */
    int haudit_more;             /* events wait past haudit_upto */
    uint64_t haudit_from, haudit_upto, nhaudit;
    /* oversight records to send (pull_record.c) */
    char (*rec)[40];
    size_t nrec, caprec;
} pull_ctx;
/* Records send[c->held, n) and more as the device's (pull.c), in a
 * transaction of its own when none is open, so that every item is held
 * before it goes out. 0 or -1. */
int srv_pull_hold(pull_ctx *c, size_t n);
/* 1 when the user may see the item now (role may view, scope). */
int srv_pull_visible(const pull_ctx *c, const nx_item_rec *it);
/* The role's entry for a field of a kind, NULL when hidden or absent. */
const kind_field *srv_pull_field(const pull_ctx *c, int kind, const char *id);
/* serve_item.c: CLIENT frames for the items to send; then every ITEM
 * (*count = how many went; 0, -1 store, -2 the client went away). */
int srv_pull_clients(pull_ctx *c);
int srv_pull_stream(pull_ctx *c, uint64_t *count);
/* pull_record.c: inside the round's write transaction, which oversight
 * records changed in (from, snap] this user may read (audits the send);
 * then, after the items, their RECORD frames (0, -1 store, -2 the client
 * went away). */
int srv_pull_records_plan(pull_ctx *c, uint64_t from, int64_t snap);
int srv_pull_records_stream(pull_ctx *c);
/* pull_audit.c: inside the round's write transaction, decides whether
 * this pull carries device audit events (a role allowed `audit`, PULL
 * with AUDIT_CURSOR) and which (audits the send); 0 or -1. After the
 * commit, streams them (0, -1 store, -2 the client went away); adds
 * AUDIT_CURSOR and MORE to the open END frame when the pull answers it. */
int srv_pull_audit_plan(pull_ctx *c, const nx_msg *m);
int srv_pull_audit_stream(pull_ctx *c);
void srv_pull_audit_end(const pull_ctx *c, nx_wbuf *b);
/* pull_haudit.c: the same three steps for the hub's own audit chain
 * (PULL with HAUDIT_CURSOR, the same roles); called from pull_audit.c's,
 * after the devices' (so the plan's span holds the round's own hub
 * events). _end adds HAUDIT_CURSOR; pull_audit.c adds MORE for both. */
int srv_pull_haudit_plan(pull_ctx *c, const nx_msg *m);
int srv_pull_haudit_stream(pull_ctx *c);
void srv_pull_haudit_end(const pull_ctx *c, nx_wbuf *b);

/* serve_db.c */
/* A cached prepared statement on the hub's connection (keyed by the sql
 * pointer: pass a static array), reset with bindings cleared. NULL on
 * error. srv_stmts_free finalizes them all. */
struct sqlite3_stmt *srv_stmt(nx_srv *s, const char *sql);
void srv_stmts_free(nx_srv *s);
/* The server's own tables (created if missing): note ids <-> op ids, and
 * the revision at which each field was last written by an op. */
int srv_db_prepare(nx_srv *s);
/* Loads item id with every field of its kind (patient fields included).
 * 1 found, 0 none, -1 error. */
int srv_item_load(nx_srv *s, const char *id, nx_item *it);
int srv_note_op_set(nx_srv *s, int64_t note_id, const char *op_id);
/* 1 found (*note_id), 0 none, -1. */
int srv_note_by_op(nx_srv *s, const char *op_id, const char *item_id, int64_t *note_id);
/* The revision at which key/field was last written by an op, and the
 * device that wrote it: 1 found, 0, -1. _set records this session's
 * device. */
int srv_field_rev_get(nx_srv *s, const char *key, const char *field, int64_t *rev,
                      char *device, size_t devlen);
int srv_field_rev_set(nx_srv *s, const char *key, const char *field, int64_t rev);
/* The role and team the device last pulled under ("" when never). */
int srv_device_role_get(nx_srv *s, char *out, size_t outlen);
int srv_device_role_set(nx_srv *s, const char *value);
/* The archive line (closed before it) as of the device's last pull: 1
 * found, 0 never (then *cut = 0), -1. */
int srv_archive_cut_get(nx_srv *s, int64_t *cut);
int srv_archive_cut_set(nx_srv *s, int64_t cut);
/* The items the device holds that were closed in (after, upto]. */
int srv_archived_since(nx_srv *s, int64_t after, int64_t upto,
                       int (*cb)(void *arg, const char *id), void *arg);
/* The hub HLC kept in meta; 0 when never set. */
int srv_hlc_load(nx_srv *s, nx_hlc *out);
int srv_hlc_save(nx_srv *s, nx_hlc v);
/* 1 when s is a plain token for an id (letters, digits, . _ : -), 1..63
 * bytes, first a letter or digit. */
int srv_token_ok(const char *s);
/* The key of a field's clock: the item id, or "patient:<id>" for a
 * patient column shared by every item of the patient. */
void srv_clock_key(const nx_item *it, const nx_field_def *f, char *out, size_t outlen);

#endif
