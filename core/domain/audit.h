/* core/domain/audit — the audit trail as a hash chain (REQUIREMENTS §3 L1-L7,
 * DESIGN security invariant 5).
 *
 * Every event carries: seq (1, 2, 3, ... with no gap), time, user, role,
 * device (hex id from the key file), action, item id, field id, reason,
 * outcome (ok / failed), the previous event's hash and its own hash:
 *
 *   hash_n = BLAKE2b-256 keyed with K over
 *            lp("nexus-audit-event-v1") u64(seq) u64(at) lp(user) lp(role)
 *            lp(device) lp(action) lp(item_id) lp(field) lp(reason)
 *            lp(outcome) prev_hash_n[32]
 *   prev_hash_1 = BLAKE2b-256 keyed with K over
 *            lp("nexus-audit-genesis") lp(device)
 *
 * u64 is 8 bytes little-endian (at as two's complement), lp(s) is u64(length)
 * followed by the bytes: no separator can be smuggled into a field to make
 * two different events encode alike. K is a crypto_kdf subkey of the data
 * key (nx_vault_audit_key), so this is a MAC chain: whoever lacks the data
 * key can neither extend it nor recompute it after an edit. The hub, which
 * never holds K, checks continuity (seq and prev_hash links) of the chain it
 * receives; recomputing every MAC is `nexus verify`'s work on the laptop.
 * The first event is bound to the device, so a chain copied from another
 * laptop does not verify here.
 *
 * Deleting the newest events breaks no link; the key file keeps the head
 * (crypt.h, "the audit head") and verify compares the chain with it.
 *
 * No PHI goes into an event: the API takes ids (item UUIDs, dictionary
 * field ids), never values, and refuses an id that is not a plain token.
 * The one free text is the reason a user types for a reveal (break-glass):
 * users are asked not to put PHI in it, but it is stored as typed, inside
 * the encrypted cache, and treated like PHI (verify never prints it). */
#ifndef NX_AUDIT_H
#define NX_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "crypt/crypt.h"
#include "store/store.h"

#define NX_AUDIT_HASH_BYTES 32
#define NX_AUDIT_ID_MAX 64          /* item ids and field ids, in bytes */
#define NX_AUDIT_REASON_MAX 500     /* bytes */

/* Every action once: enum id, the name stored in (and hashed into) the
 * chain, and what it records. The names are part of the chain's format:
 * never rename one; add new ones at the end. Enum values are not stored. */
#define NX_AUDIT_ACTIONS(X)                                                              \
    X(INIT,          "init",          "profile created on this laptop (the first event)") \
    X(LOGIN,         "login",         "passphrase accepted at start")                      \
    X(LOGOUT,        "logout",        "exit or sign-out")                                  \
    X(UNLOCK_FAILED, "unlock-failed", "wrong passphrase at start or at the lock screen")   \
    X(LOCK,          "lock",          "screen locked (idle or on request), keys wiped")    \
    X(UNLOCK,        "unlock",        "lock screen passed")                                \
    X(VIEW,          "view",          "an item opened (once per opening, not per redraw)") \
    X(REVEAL,        "reveal",        "a masked field shown in full; field and reason required") \
    X(CREATE,        "create",        "an item created")                                   \
    X(UPDATE,        "update",        "a field of an item changed")                        \
    X(STATUS,        "status",        "a status transition")                               \
    X(NOTE,          "note",          "a note appended, or a correction of one")           \
    X(ASSIGN,        "assign",        "an item assigned or handed off")                    \
    X(DISCLOSURE,    "disclosure",    "information released (accounting of disclosures)")  \
    X(SYNC,          "sync",          "an exchange with the hub")                          \
    X(ERASE,         "erase",         "data removed from this laptop (purge, revocation)") \
    X(EXPORT,        "export",        "an attempt to take data out (print, copy, export)") \
    X(RECORD,        "record",        "an oversight record written (QA, CAPA, incident, request)")

typedef enum {
#define NX_AUDIT_ENUM_(id, name, help) NX_AUDIT_##id,
    NX_AUDIT_ACTIONS(NX_AUDIT_ENUM_)
#undef NX_AUDIT_ENUM_
    NX_AUDIT_ACTION_COUNT
} nx_audit_action;

/* Zero is ok, so an event written with designated initializers succeeded
 * unless it says otherwise. A refused attempt (policy said no, wrong
 * passphrase) is its action with outcome failed. */
typedef enum { NX_AUDIT_OUTCOME_OK, NX_AUDIT_OUTCOME_FAILED } nx_audit_outcome;

const char *nx_audit_action_name(nx_audit_action a);   /* NULL if out of range */
const char *nx_audit_action_help(nx_audit_action a);
int nx_audit_action_parse(const char *name);           /* -1 if unknown */
const char *nx_audit_outcome_name(nx_audit_outcome o); /* "ok" / "failed" */

/* Who writes: from the unlocked key file. The key stays in guarded memory. */
typedef struct nx_audit_ctx {
    char user[NX_NAME_MAX];
    char role[NX_NAME_MAX];
    char device[33];          /* the key file's 16-byte device id in hex */
    nx_secret key;            /* K above */
} nx_audit_ctx;

int  nx_audit_ctx_init(nx_audit_ctx *c, const nx_vault *v, char *err, size_t errlen);
void nx_audit_ctx_free(nx_audit_ctx *c);   /* wipes the key; idempotent */

typedef struct nx_audit_event {
    nx_audit_action action;
    nx_audit_outcome outcome;
    const char *item_id;      /* an item's id, or NULL */
    const char *field;        /* a dictionary field id (never its value), or NULL */
    const char *reason;       /* what the user typed for a reveal, or NULL */
    int64_t at;               /* unix seconds; 0 = now */
} nx_audit_event;

/* Appends one event INSIDE the caller's open transaction, so the change and
 * its event commit together or not at all (seed 003: no access without
 * audit). The caller does BEGIN, its change, nx_audit_append, COMMIT — and
 * ROLLBACK when any step, this one included, fails. Refused outside a
 * transaction, for an id that is not a token (letters, digits, . _ : -),
 * a reason with control characters or over NX_AUDIT_REASON_MAX, and a
 * successful reveal without field and reason. 0 or -1 with err. */
int nx_audit_append(nx_store *s, const nx_audit_ctx *c, const nx_audit_event *e,
                    char *err, size_t errlen);

/* One event in its own transaction, for events that change no data (login,
 * view, lock, ...). 0 = committed; -1 = nothing written, and the caller
 * must not go on with what it was auditing. */
int nx_audit_log(nx_store *s, const nx_audit_ctx *c, const nx_audit_event *e,
                 char *err, size_t errlen);

/* The chain's last event: seq 0 and an all-zero hash when there is none.
 * What the key file's head is moved to after a commit. */
int nx_audit_head(nx_store *s, uint64_t *seq, unsigned char hash[NX_AUDIT_HASH_BYTES],
                  char *err, size_t errlen);

/* 0 when the chain still holds event head_seq with exactly head_hash (or
 * head_seq is 0), so moving the key file's head forward keeps what it
 * recorded; -1 with err otherwise. Without this check a chain cut and
 * extended again would carry the head past the cut and hide it. */
int nx_audit_holds(nx_store *s, uint64_t head_seq,
                   const unsigned char head_hash[NX_AUDIT_HASH_BYTES], char *err, size_t errlen);

/* The v1 hash of one row (the encoding above) keyed with key: the one
 * definition, also used by the hub's own chain (hub/haudit.c), whose
 * actions are its own words. */
struct nx_audit_row;
void nx_audit_row_hash(const nx_secret *key, const struct nx_audit_row *r,
                       const unsigned char prev[NX_AUDIT_HASH_BYTES],
                       unsigned char out[NX_AUDIT_HASH_BYTES]);
/* 1 when s is a plain id of at most max bytes (letters, digits, . _ : -). */
int nx_audit_token_ok(const char *s, size_t max);
/* 1 when s is one line of at most NX_AUDIT_REASON_MAX bytes (no control
 * characters). */
int nx_audit_text_ok(const char *s);

/* prev_hash of event 1 for this context's device. */
void nx_audit_genesis(const nx_audit_ctx *c, unsigned char out[NX_AUDIT_HASH_BYTES]);

/* Walks the whole chain: seq from 1 with no gap, each prev_hash equal to the
 * previous event's hash, each hash recomputed, and the key file's head
 * (head_seq 0 = none yet) as a lower bound: the chain must reach head_seq
 * with exactly head_hash there; events after it are accepted (a crash
 * between COMMIT and the key file's rewrite leaves them). 0 = intact; -1 =
 * msg names the first broken link and *bad_seq is its seq ("audit chain
 * broken at event 17: hash mismatch", "audit chain broken: event 5 missing",
 * "audit chain ends at event 12 but the key file records event 15" with
 * bad_seq 13); *bad_seq is 0 when the chain could not be read at all.
 * *events = how many events were found sound. Reads only. */
int nx_audit_verify(nx_store *s, const nx_audit_ctx *c, uint64_t head_seq,
                    const unsigned char head_hash[NX_AUDIT_HASH_BYTES],
                    uint64_t *events, uint64_t *bad_seq, char *msg, size_t msglen);

#endif
