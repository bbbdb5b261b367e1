/* The audit chain: hashing, appending, verifying (format in audit.h). */
#include "domain/audit.h"
#include "store/audit_store.h"
#include "store/rows.h"
#include "util/util.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define H NX_AUDIT_HASH_BYTES

_Static_assert(NX_AUDIT_HASH_BYTES == NX_HEAD_HASH_BYTES, "the key file's head holds a chain hash");
_Static_assert(NX_AUDIT_HASH_BYTES >= crypto_generichash_BYTES_MIN &&
               NX_AUDIT_HASH_BYTES <= crypto_generichash_BYTES_MAX, "BLAKE2b output size");

static const struct {
    const char *name, *help;
} actions[] = {
#define NX_AUDIT_ROW_(id, name, help) { name, help },
    NX_AUDIT_ACTIONS(NX_AUDIT_ROW_)
#undef NX_AUDIT_ROW_
};
_Static_assert(sizeof actions / sizeof actions[0] == NX_AUDIT_ACTION_COUNT, "one row per action");

const char *nx_audit_action_name(nx_audit_action a)
{
    return (unsigned)a < NX_AUDIT_ACTION_COUNT ? actions[a].name : NULL;
}

const char *nx_audit_action_help(nx_audit_action a)
{
    return (unsigned)a < NX_AUDIT_ACTION_COUNT ? actions[a].help : NULL;
}

int nx_audit_action_parse(const char *name)
{
    for (int i = 0; i < NX_AUDIT_ACTION_COUNT; i++)
        if (strcmp(actions[i].name, name) == 0)
            return i;
    return -1;
}

const char *nx_audit_outcome_name(nx_audit_outcome o)
{
    switch (o) {
    case NX_AUDIT_OUTCOME_OK: return "ok";
    case NX_AUDIT_OUTCOME_FAILED: return "failed";
    }
    return NULL;
}

int nx_audit_ctx_init(nx_audit_ctx *c, const nx_vault *v, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const nx_profile_info *in = nx_vault_info(v);
    snprintf(c->user, sizeof c->user, "%s", in->user);
    snprintf(c->role, sizeof c->role, "%s", in->role);
    _Static_assert(sizeof c->device == 2 * sizeof in->device_id + 1, "device id in hex");
    nx_hex_encode(in->device_id, sizeof in->device_id, c->device);
    if (nx_vault_audit_key(v, &c->key) != 0)
        return nx_err(err, errlen, "out of secure memory");
    return 0;
}

void nx_audit_ctx_free(nx_audit_ctx *c)
{
    nx_secret_free(&c->key);
}

/* ---- the encoding ------------------------------------------------------------ */

static void put_u64(crypto_generichash_state *st, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    crypto_generichash_update(st, b, sizeof b);
}

static void put_str(crypto_generichash_state *st, const char *s)
{
    size_t n = strlen(s);
    put_u64(st, (uint64_t)n);
    crypto_generichash_update(st, (const unsigned char *)s, n);
}

void nx_audit_genesis(const nx_audit_ctx *c, unsigned char out[H])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, c->key.bytes, c->key.len, H);
    put_str(&st, "nexus-audit-genesis");
    put_str(&st, c->device);
    crypto_generichash_final(&st, out, H);
}

/* Over the row's own fields, as stored (verify) or about to be (append). */
void nx_audit_row_hash(const nx_secret *key, const nx_audit_row *r,
                       const unsigned char prev[H], unsigned char out[H])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key->bytes, key->len, H);
    put_str(&st, "nexus-audit-event-v1");
    put_u64(&st, (uint64_t)r->seq);
    put_u64(&st, (uint64_t)r->at);
    const char *f[] = { r->user, r->role, r->device, r->action, r->item_id, r->field,
                        r->reason, r->outcome };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        put_str(&st, f[i]);
    crypto_generichash_update(&st, prev, H);
    crypto_generichash_final(&st, out, H);
}

static void event_hash(const nx_audit_ctx *c, const nx_audit_row *r, const unsigned char prev[H],
                       unsigned char out[H])
{
    nx_audit_row_hash(&c->key, r, prev, out);
}

/* ---- appending ------------------------------------------------------------------ */

/* Ids are tokens: a value typed into a form (a name, a phone number with
 * spaces, a sentence) passed by mistake where an id belongs is refused. */
int nx_audit_token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == ':' || ch == '-'))
            return 0;
    }
    return 1;
}

int nx_audit_text_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > NX_AUDIT_REASON_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int check_event(const nx_audit_ctx *c, const nx_audit_event *e, char *err, size_t errlen)
{
    if (!c->key.bytes)
        return nx_err(err, errlen, "audit: no key (profile not unlocked)");
    if (!nx_audit_action_name(e->action))
        return nx_err(err, errlen, "audit: unknown action %d", (int)e->action);
    if (!nx_audit_outcome_name(e->outcome))
        return nx_err(err, errlen, "audit: unknown outcome %d", (int)e->outcome);
    if (e->item_id && !nx_audit_token_ok(e->item_id, NX_AUDIT_ID_MAX))
        return nx_err(err, errlen, "audit: an item id must be a plain id (at most %d of "
                      "a-z A-Z 0-9 . _ : -)", NX_AUDIT_ID_MAX);
    if (e->field && !nx_audit_token_ok(e->field, NX_AUDIT_ID_MAX))
        return nx_err(err, errlen, "audit: a field must be a dictionary field id, not a value");
    if (e->reason && !nx_audit_text_ok(e->reason))
        return nx_err(err, errlen, "audit: a reason is one line of at most %d bytes",
                      NX_AUDIT_REASON_MAX);
    if (e->action == NX_AUDIT_REVEAL && e->outcome == NX_AUDIT_OUTCOME_OK &&
        (!e->field || !*e->field || !e->reason || !*e->reason))
        return nx_err(err, errlen, "audit: a reveal names the field and the reason");
    return 0;
}

int nx_audit_head(nx_store *s, uint64_t *seq, unsigned char hash[H], char *err, size_t errlen)
{
    int64_t last = 0;
    size_t len = 0;
    int found = nx_store_audit_last(s, &last, hash, H, &len);
    if (found < 0)
        return nx_err(err, errlen, "cannot read the audit chain: %s", nx_store_errmsg(s));
    if (!found) {
        *seq = 0;
        memset(hash, 0, H);
        return 0;
    }
    /* Extending a damaged end would bury the damage under valid links. */
    if (last < 1 || len != H)
        return nx_err(err, errlen, "the audit chain's last event is damaged: run 'nexus verify'");
    *seq = (uint64_t)last;
    return 0;
}

int nx_audit_holds(nx_store *s, uint64_t head_seq, const unsigned char head_hash[H],
                   char *err, size_t errlen)
{
    if (head_seq == 0)
        return 0;
    unsigned char hash[H];
    size_t len = 0;
    int found = head_seq > (uint64_t)INT64_MAX ? 0
              : nx_store_audit_hash_at(s, (int64_t)head_seq, hash, H, &len);
    if (found < 0)
        return nx_err(err, errlen, "cannot read the audit chain: %s", nx_store_errmsg(s));
    if (!found || len != H || sodium_memcmp(hash, head_hash, H) != 0)
        return nx_err(err, errlen, "the audit chain no longer holds event %" PRIu64 " as the "
                      "key file records it: run 'nexus verify'", head_seq);
    return 0;
}

int nx_audit_append(nx_store *s, const nx_audit_ctx *c, const nx_audit_event *e,
                    char *err, size_t errlen)
{
    if (check_event(c, e, err, errlen) != 0)
        return -1;
    if (!nx_store_in_transaction(s))
        return nx_err(err, errlen, "audit: an event is appended inside the transaction of "
                      "the change it records");
    uint64_t last;
    unsigned char prev[H], hash[H];
    if (nx_audit_head(s, &last, prev, err, errlen) != 0)
        return -1;
    if (last == 0)
        nx_audit_genesis(c, prev);
    if (last >= (uint64_t)INT64_MAX)
        return nx_err(err, errlen, "audit: the chain is full");
    nx_audit_row r = {
        .seq = (int64_t)last + 1,
        .at = e->at ? e->at : nx_now(),
        .user = c->user, .role = c->role, .device = c->device,
        .action = nx_audit_action_name(e->action),
        .item_id = e->item_id ? e->item_id : "",
        .field = e->field ? e->field : "",
        .reason = e->reason ? e->reason : "",
        .outcome = nx_audit_outcome_name(e->outcome),
        .prev_hash = prev, .prev_hash_len = H,
        .hash = hash, .hash_len = H,
    };
    event_hash(c, &r, prev, hash);
    if (nx_store_audit_insert(s, &r) != 0)
        return nx_err(err, errlen, "cannot write the audit event: %s", nx_store_errmsg(s));
    return 0;
}

int nx_audit_log(nx_store *s, const nx_audit_ctx *c, const nx_audit_event *e,
                 char *err, size_t errlen)
{
    if (nx_store_begin(s) != 0)
        return nx_err(err, errlen, "cannot write the audit event: %s", nx_store_errmsg(s));
    if (nx_audit_append(s, c, e, err, errlen) != 0) {
        nx_store_rollback(s);
        return -1;
    }
    if (nx_store_commit(s) != 0) {
        nx_err(err, errlen, "cannot write the audit event: %s", nx_store_errmsg(s));
        nx_store_rollback(s);
        return -1;
    }
    return 0;
}

/* ---- verifying ------------------------------------------------------------------ */

typedef struct {
    const nx_audit_ctx *c;
    uint64_t expect;            /* the seq the next row must have */
    unsigned char prev[H];      /* hash of event expect-1; genesis before event 1 */
    uint64_t head_seq;
    const unsigned char *head_hash;
    uint64_t bad;
    char *msg;
    size_t msglen;
} walk;

static int broken(walk *w, uint64_t seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int broken(walk *w, uint64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (w->msg && w->msglen)
        vsnprintf(w->msg, w->msglen, fmt, ap);
    va_end(ap);
    w->bad = seq;
    return 1;
}

static int walk_row(void *arg, const nx_audit_row *r)
{
    walk *w = arg;
    uint64_t n = w->expect;
    unsigned char h[H];
    /* Rows come in ascending seq, so one below the expected can only be a
     * seq of 0 or less ahead of event 1. */
    if (r->seq < 1)
        return broken(w, n, "audit chain broken before event 1: an event numbered %" PRId64,
                      r->seq);
    if ((uint64_t)r->seq != n)
        return broken(w, n, "audit chain broken: event %" PRIu64 " missing", n);
    if (!r->well_formed || r->prev_hash_len != H || r->hash_len != H)
        return broken(w, n, "audit chain broken at event %" PRIu64 ": malformed event", n);
    if (sodium_memcmp(r->prev_hash, w->prev, H) != 0) {
        if (n == 1)
            return broken(w, n, "audit chain broken at event 1: it does not start this "
                          "device's chain");
        return broken(w, n, "audit chain broken at event %" PRIu64 ": it does not link to "
                      "event %" PRIu64, n, n - 1);
    }
    event_hash(w->c, r, w->prev, h);
    if (sodium_memcmp(h, r->hash, H) != 0)
        return broken(w, n, "audit chain broken at event %" PRIu64 ": hash mismatch "
                      "(the event was altered)", n);
    if (n == w->head_seq && sodium_memcmp(h, w->head_hash, H) != 0)
        return broken(w, n, "audit chain broken at event %" PRIu64 ": it is not the event "
                      "the key file records there", n);
    memcpy(w->prev, h, H);
    w->expect = n + 1;
    return 0;
}

int nx_audit_verify(nx_store *s, const nx_audit_ctx *c, uint64_t head_seq,
                    const unsigned char head_hash[H],
                    uint64_t *events, uint64_t *bad_seq, char *msg, size_t msglen)
{
    walk w = { .c = c, .expect = 1, .head_seq = head_seq, .head_hash = head_hash,
               .msg = msg, .msglen = msglen };
    nx_audit_genesis(c, w.prev);
    int rc = nx_store_audit_scan(s, walk_row, &w);
    uint64_t sound = w.expect - 1;
    if (events)
        *events = sound;
    if (bad_seq)
        *bad_seq = 0;
    if (rc < 0)
        return nx_err(msg, msglen, "cannot read the audit chain: %s", nx_store_errmsg(s));
    if (rc == 0 && sound < head_seq) {
        if (sound == 0)
            broken(&w, 1, "audit chain is empty but the key file records event %" PRIu64,
                   head_seq);
        else
            broken(&w, sound + 1, "audit chain ends at event %" PRIu64 " but the key file "
                   "records event %" PRIu64, sound, head_seq);
        rc = 1;
    }
    if (rc != 0) {
        if (bad_seq)
            *bad_seq = w.bad;
        return -1;
    }
    return 0;
}
