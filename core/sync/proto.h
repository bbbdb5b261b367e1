/* core/sync/proto — the sync protocol's frames: how bytes on the wire
 * become a message and back, decoded strictly. Shared by the client
 * (core/sync/client.c) and nexus-hub serve (hub/serve.c).
 *
 * Wire format (all integers big-endian):
 *
 *   frame = u32 len | body[len]            1 <= len <= NX_FRAME_MAX
 *   body  = u8 type | field*
 *   field = u16 tag | u32 flen | bytes[flen]
 *
 * Field kinds (fixed per tag, see NX_TAGS):
 *   U64    flen == 8, unsigned
 *   I64    flen == 8, two's complement (times; 0 = none)
 *   STR    valid UTF-8, no NUL, flen <= the tag's max
 *   TUPLE  n parts (the tag's arity) separated by single NUL bytes, each
 *          valid UTF-8, total <= the tag's max
 *   HASH   flen == 32, raw bytes
 *
 * Strict decoding (DESIGN invariant 7): a message is refused whole when its
 * type is unknown, a tag is unknown or not allowed in that type, a field is
 * cut short or runs past the body, a field has the wrong size or is not
 * valid UTF-8, a non-repeatable field appears twice, a required field is
 * missing, or the frame's length is 0 or above NX_FRAME_MAX. A refused
 * frame ends the session with an ERROR frame; nothing of it is applied.
 *
 * One round (the client pipelines, so a round is one round trip):
 *
 *   client: HELLO          (first round on a connection only)
 *           OP*            pending ops from the outbox, oldest first
 *           AUDIT*         audit events not yet acknowledged by the hub
 *           PULL           ends the client's batch; carries its cursor
 *   hub:    WELCOME        (answer to HELLO)
 *           RESULT*        one per OP, in order
 *           CLIENT*        client (clinic) records the items below need
 *           ITEM* / DROP*  what changed since the cursor, restoration
 *                          order: open items by due time, then recently
 *                          closed ones
 *           AUDIT*         oversight roles only: every device's audit
 *                          events (see "Device audit events" below)
 *           HAUDIT*        the same roles: the hub's own audit chain
 *                          (see "The hub's own audit chain" below)
 *           END            the new cursor; the client moves to it only
 *                          after applying everything before it
 *   either: ERROR          then the connection closes
 *   client: DESTROYED      after erasing a revoked cache (best effort)
 *           BYE            before closing a kept-open session
 */
#ifndef NX_SYNC_PROTO_H
#define NX_SYNC_PROTO_H
#include <stddef.h>
#include <stdint.h>

#define NX_PROTO_VERSION 1
#define NX_FRAME_MAX (1u << 20)       /* body bytes */
#define NX_FRAME_HDR 4

/* id, name, code. Codes are the wire format: never renumber. */
#define NX_MSGS(X)                  \
    X(HELLO, "hello", 1)            \
    X(WELCOME, "welcome", 2)        \
    X(OP, "op", 3)                  \
    X(AUDIT, "audit", 4)            \
    X(PULL, "pull", 5)              \
    X(RESULT, "result", 6)          \
    X(CLIENT, "client", 7)          \
    X(ITEM, "item", 8)              \
    X(DROP, "drop", 9)              \
    X(END, "end", 10)               \
    X(ERROR, "error", 11)           \
    X(DESTROYED, "destroyed", 12)   \
    X(BYE, "bye", 13)               \
    X(RECORD, "record", 14)         \
    X(HAUDIT, "haudit", 15)

typedef enum {
#define NX_MSG_ENUM_(id, name, code) NX_MSG_##id = code,
    NX_MSGS(NX_MSG_ENUM_)
#undef NX_MSG_ENUM_
} nx_msg_type;

typedef enum { NX_FK_U64, NX_FK_I64, NX_FK_STR, NX_FK_TUPLE, NX_FK_HASH } nx_field_kind;

/* id, code, kind, arity (TUPLE parts; 1 otherwise), max bytes.
 * Codes are the wire format: never renumber; add at the end. */
#define NX_TAGS(X)                                          \
    X(PROTO,      1, NX_FK_U64,   1, 8)                     \
    X(VERSION,    2, NX_FK_STR,   1, 64)    /* client or hub version */ \
    X(DEVICE,     3, NX_FK_STR,   1, 64)    /* device id, hex */        \
    X(CURSOR,     4, NX_FK_U64,   1, 8)                     \
    X(TRAINING,   5, NX_FK_U64,   1, 8)     /* 1 = training profile/hub */ \
    X(USER,       6, NX_FK_STR,   1, 64)                    \
    X(ROLE,       7, NX_FK_STR,   1, 64)                    \
    X(TEAM,       8, NX_FK_STR,   1, 64)                    \
    X(TIME,       9, NX_FK_I64,   1, 8)     /* the hub's clock, unix s */ \
    X(HLC,       10, NX_FK_U64,   1, 8)                     \
    X(BANNER,    11, NX_FK_STR,   1, 2048)                  \
    X(EMERGENCY, 12, NX_FK_U64,   1, 8)                     \
    X(REVOKED,   13, NX_FK_U64,   1, 8)                     \
    X(OP_ID,     14, NX_FK_STR,   1, 64)                    \
    X(OP_KIND,   15, NX_FK_STR,   1, 16)    /* nx_op_kind_name */       \
    X(ITEM,      16, NX_FK_STR,   1, 64)    /* item id */               \
    X(FIELD,     17, NX_FK_STR,   1, 64)    /* dictionary field id */   \
    X(VALUE,     18, NX_FK_STR,   1, 16384)                 \
    X(EXPECT,    19, NX_FK_STR,   1, 32)    /* expected prior status */ \
    X(OUTCOME,   20, NX_FK_STR,   1, 16)                    \
    X(REASON,    21, NX_FK_STR,   1, 512)                   \
    X(KIND,      22, NX_FK_STR,   1, 32)    /* item kind */             \
    X(CLIENT_ID, 23, NX_FK_STR,   1, 64)                    \
    X(PATIENT_ID,24, NX_FK_STR,   1, 64)                    \
    X(STATUS,    25, NX_FK_STR,   1, 32)                    \
    X(PRIORITY,  26, NX_FK_U64,   1, 8)                     \
    X(ASSIGNEE,  27, NX_FK_STR,   1, 64)                    \
    X(CREATED,   28, NX_FK_I64,   1, 8)                     \
    X(UPDATED,   29, NX_FK_I64,   1, 8)                     \
    X(DUE,       30, NX_FK_I64,   1, 8)                     \
    X(FOLLOW_UP, 31, NX_FK_I64,   1, 8)                     \
    X(CLOSED,    32, NX_FK_I64,   1, 8)                     \
    X(LINKED,    33, NX_FK_STR,   1, 64)                    \
    X(KV,        34, NX_FK_TUPLE, 2, 2048)  /* item field: id, value */ \
    X(PKV,       35, NX_FK_TUPLE, 2, 2048)  /* patient field: id, value */ \
    X(HIST,      36, NX_FK_TUPLE, 4, 16384) /* at, who, what, detail */ \
    X(SEQ,       37, NX_FK_U64,   1, 8)                     \
    X(AT,        38, NX_FK_I64,   1, 8)                     \
    X(ACTION,    39, NX_FK_STR,   1, 32)                    \
    X(PREV_HASH, 40, NX_FK_HASH,  1, 32)                    \
    X(HASH,      41, NX_FK_HASH,  1, 32)                    \
    X(MESSAGE,   42, NX_FK_STR,   1, 512)                   \
    X(COUNT,     43, NX_FK_U64,   1, 8)                     \
    X(NAME,      44, NX_FK_STR,   1, 128)                   \
    X(TZ,        45, NX_FK_STR,   1, 64)                    \
    X(ESCALATION,46, NX_FK_STR,   1, 128)                   \
    X(HOLIDAYS,  47, NX_FK_STR,   1, 1024)                  \
    X(LEAD_HOURS,48, NX_FK_U64,   1, 8)                     \
    X(CONSENT,   49, NX_FK_STR,   1, 256)                   \
    X(GRACE_HOURS,50, NX_FK_U64,  1, 8)     /* offline grace the hub grants */ \
    X(KEEP_DAYS, 51, NX_FK_U64,   1, 8)                     \
    X(AUDIT_CURSOR,52, NX_FK_U64, 1, 8)     /* device events: last hub_seq held */ \
    X(HUB_SEQ,   53, NX_FK_U64,   1, 8)     /* a device event's place on the hub */ \
    X(MORE,      54, NX_FK_U64,   1, 8)     /* 1 = more audit events wait */ \
    X(HAUDIT_CURSOR,55, NX_FK_U64, 1, 8)    /* the hub's chain: last seq held */

typedef enum {
#define NX_TAG_ENUM_(id, code, kind, arity, max) NX_TAG_##id = code,
    NX_TAGS(NX_TAG_ENUM_)
#undef NX_TAG_ENUM_
} nx_tag;

/* Which tags each message may carry: R = required once, O = optional once,
 * M = any number of times (in order).
 *
 *   HELLO     R PROTO VERSION DEVICE CURSOR HLC   O TRAINING
 *   WELCOME   R PROTO VERSION USER ROLE TEAM TIME HLC GRACE_HOURS KEEP_DAYS
 *             O BANNER EMERGENCY REVOKED TRAINING
 *   OP        R OP_ID OP_KIND ITEM HLC USER DEVICE  O FIELD VALUE EXPECT
 *   AUDIT     R SEQ AT USER ROLE DEVICE ACTION OUTCOME PREV_HASH HASH
 *             O ITEM FIELD REASON HUB_SEQ
 *   PULL      R CURSOR HLC  O AUDIT_CURSOR HAUDIT_CURSOR
 *   RESULT    R OP_ID OUTCOME  O REASON ITEM
 *   CLIENT    R CLIENT_ID NAME TZ  O ESCALATION HOLIDAYS LEAD_HOURS CONSENT
 *   ITEM      R ITEM KIND CLIENT_ID PATIENT_ID STATUS PRIORITY ASSIGNEE TEAM
 *               CREATED UPDATED
 *             O DUE FOLLOW_UP CLOSED LINKED   M KV PKV HIST
 *   DROP      R ITEM  O REASON
 *   RECORD    R ITEM KIND STATUS CREATED UPDATED HLC
 *             O LINKED TEAM USER ASSIGNEE DUE VALUE
 *   HAUDIT    R SEQ AT USER ROLE DEVICE ACTION OUTCOME PREV_HASH HASH
 *             O ITEM FIELD REASON
 *   END       R CURSOR TIME HLC COUNT  O AUDIT_CURSOR HAUDIT_CURSOR MORE
 *   ERROR     R MESSAGE
 *   DESTROYED R DEVICE TIME
 *   BYE       (nothing)
 *
 * ITEM's repeated fields, as the client applies them (core/store/sync_store.c;
 * the hub's view replaces the client's):
 *   KV   (field id, value)  the item's kind fields (item_fields), all of
 *        them the role may hold: a field absent is removed on the client.
 *   PKV  (field id, value)  the patient's columns (family_name, dob...)
 *        the role may hold; when an ITEM carries any PKV, a column absent
 *        is cleared on the client.
 *   HIST (at, who, what, detail), oldest first, replacing the item's
 *        history; at is decimal unix seconds; parts of detail are
 *        separated by \x1f (NX_OP_SEP):
 *          "status"   from \x1f to
 *          "note"     op id \x1f corrected op id \x1f body  (ids may be "")
 *          "attempt"  channel \x1f outcome \x1f next action
 *          "attach"   ref \x1f label
 *          "conflict" (to a supervisor, who = "hub") the open conflict's id
 *                     \x1f kind (status | field) \x1f field \x1f value as the
 *                     role may hold it \x1f the hub's detail; fills the
 *                     client's conflict inbox (store/conflict_store.h)
 *        The client skips a `what` it does not know; an ITEM without any
 *        HIST leaves the item's history as it is (the hub sends an item
 *        whose history does not fit in a frame without it).
 *
 * RECORD (hub -> client, after ITEM/DROP, before AUDIT): an oversight
 * record (core/domain/record.h) as the hub stores it, to every user
 * nx_record_visible allows: ITEM the record id, KIND its kind, LINKED the
 * work item it is about, USER its author, ASSIGNEE its owner, DUE its
 * deadline, VALUE its body (a JSON object, at most NX_RECORD_BODY_MAX
 * bytes). Records move the same cursor as items (one revision counter).
 *
 * Device audit events for oversight (hub/pull_audit.c, core/sync/
 * client_audit.c). AUDIT goes both ways:
 *   client -> hub  the device's own chain (no HUB_SEQ: the hub refuses it);
 *   hub -> client  in a pull, after ITEM/DROP and before END, the audit
 *        events of every device as the hub stored them, each with HUB_SEQ
 *        (the hub's own sequence over all devices: increasing, never
 *        reused), in HUB_SEQ order. Sent only to a role the policy allows
 *        `audit` (privacy-officer, security-officer, auditor), and only
 *        when PULL carries AUDIT_CURSOR (the highest HUB_SEQ the client
 *        holds, 0 for none): the events with HUB_SEQ > AUDIT_CURSOR, at
 *        most NX_AUDIT_PULL_MAX a pull. Their END then carries
 *        AUDIT_CURSOR (the new one; the client moves to it only at END,
 *        with the item cursor) and MORE = 1 when further events wait (the
 *        client pulls again in the same round). Any other role gets no
 *        AUDIT frame and no AUDIT_CURSOR in END, and its client refuses an
 *        AUDIT frame from the hub as a protocol error. REASON travels as
 *        the device wrote it (a reveal's reason is for the officers'
 *        review; it stays inside their encrypted cache).
 *
 * The hub's own audit chain for oversight (hub/pull_haudit.c, core/sync/
 * client_frames.c; the events of hub/haudit.c: admin commands, sessions,
 * pushes, rejections). HAUDIT goes hub -> client only, after the AUDIT
 * frames and before END: one event of the hub's chain as the hub stored
 * it (SEQ its place in the chain, 1, 2, 3 ... without gap; DEVICE "hub"
 * or the device the event is about; PREV_HASH and HASH its links). The
 * same rule as AUDIT decides who gets them: a role the policy allows
 * `audit`, and only when PULL carries HAUDIT_CURSOR (the highest SEQ the
 * client holds, 0 for none): the events with SEQ > HAUDIT_CURSOR, in SEQ
 * order, at most NX_HAUDIT_PULL_MAX a pull; END then carries
 * HAUDIT_CURSOR = the last SEQ sent (the cursor as it was when none), and
 * MORE = 1 when further events of either stream wait. Any other role
 * gets no HAUDIT frame and no HAUDIT_CURSOR in END; its client refuses a
 * HAUDIT frame as a protocol error, as a hub refuses one from a client.
 * The events hold ids and the hub's own words, no patient data.
 *
 * Versions: a message type or tag is only ever added (never renumbered or
 * given a new meaning), and each new one is optional where an older peer
 * would not send it, so NX_PROTO_VERSION stays 1: a hub that does not
 * know HAUDIT_CURSOR refuses the PULL (strict decoder) rather than
 * misreading it, which is why client and hub are upgraded together.
 */
#define NX_AUDIT_PULL_MAX 50000
#define NX_HAUDIT_PULL_MAX 5000

/* ---- encoding --------------------------------------------------------------- */

/* A growing buffer of whole frames. Wiped when freed: it holds PHI. */
typedef struct nx_wbuf {
    unsigned char *p;
    size_t len, cap;
    size_t frame_start;      /* offset of the open frame's header */
    int failed;              /* allocation failed or a frame grew too big */
} nx_wbuf;

void nx_wbuf_init(nx_wbuf *b);
void nx_wbuf_free(nx_wbuf *b);          /* sodium_memzero, free */
void nx_wbuf_reset(nx_wbuf *b);         /* wipes, keeps the allocation */

/* Opens a frame of this type; the put functions add fields to it;
 * nx_msg_end closes it. 0, or -1 (and b->failed) when the frame would
 * pass NX_FRAME_MAX or memory runs out. The encoder does not check the
 * schema: the decoder on the other side does (tests check both agree). */
int nx_msg_begin(nx_wbuf *b, nx_msg_type t);
int nx_msg_u64(nx_wbuf *b, nx_tag tag, uint64_t v);
int nx_msg_i64(nx_wbuf *b, nx_tag tag, int64_t v);
int nx_msg_str(nx_wbuf *b, nx_tag tag, const char *s);          /* NULL = "" */
int nx_msg_tuple(nx_wbuf *b, nx_tag tag, const char *const *parts, size_t n);
int nx_msg_hash(nx_wbuf *b, nx_tag tag, const unsigned char h[32]);
int nx_msg_end(nx_wbuf *b);

/* ---- decoding --------------------------------------------------------------- */

typedef struct nx_field_ref {
    uint16_t tag;
    uint32_t len;
    const unsigned char *p;  /* into the decoded body; not NUL-terminated */
} nx_field_ref;

#define NX_MSG_MAX_FIELDS 4096

/* A decoded message: views into the body it was decoded from (which must
 * outlive it). */
typedef struct nx_msg {
    nx_msg_type type;
    size_t n;
    nx_field_ref f[NX_MSG_MAX_FIELDS];
} nx_msg;

/* Decodes one frame body (the bytes after the u32 length) against the
 * schema above. 0, or -1 with err naming what was wrong ("frame: field 7
 * (tag 18) runs past the end of the frame"), never a field's value. */
int nx_msg_decode(const unsigned char *body, size_t len, nx_msg *out, char *err, size_t errlen);

/* Reads the u32 length prefix: -1 with err when 0 or above NX_FRAME_MAX. */
int nx_frame_len(const unsigned char hdr[NX_FRAME_HDR], uint32_t *len, char *err, size_t errlen);

/* Accessors on a decoded message. The first instance of tag. */
const nx_field_ref *nx_msg_get(const nx_msg *m, nx_tag tag);
/* 1 found, 0 absent. */
int nx_msg_get_u64(const nx_msg *m, nx_tag tag, uint64_t *v);
int nx_msg_get_i64(const nx_msg *m, nx_tag tag, int64_t *v);
/* Copies a STR field into out, NUL-terminated. 1 found, 0 absent, -1 when
 * it does not fit in outlen. */
int nx_msg_get_str(const nx_msg *m, nx_tag tag, char *out, size_t outlen);
/* Splits a TUPLE field (ref from iterating m->f) into its parts, copied
 * NUL-terminated into buf (size buflen); parts[i] point into buf. 0 or -1
 * (does not fit). */
int nx_field_tuple(const nx_field_ref *r, char *buf, size_t buflen, const char **parts,
                   size_t nparts);

const char *nx_msg_name(nx_msg_type t);     /* NULL if unknown */

#endif
