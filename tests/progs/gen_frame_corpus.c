/* Writes the committed seed corpus of the frame fuzzer
 * (tests/fuzz/corpus/frame/): each file is a stream of frames (u32 length +
 * body), as on the wire. ok-* files hold only valid frames (one file per
 * message type, with every optional and repeated field, plus a client's
 * and a hub's whole round); bad-* files each end in one frame the decoder
 * must refuse. tests/unit/test_proto.c checks the files are what their
 * names say. All values are synthetic.
 *
 *   make build/test/progs/gen_frame_corpus
 *   build/test/progs/gen_frame_corpus tests/fuzz/corpus/frame */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/hlc.h"
#include "sync/proto.h"

static const char *outdir;
static int failures;
/* Raw frames the encoder cannot make, written after the wbuf's frames. */
static unsigned char extra[256];
static size_t extra_len;


static void save(const char *name, const nx_wbuf *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || b->failed || fwrite(b->p, 1, b->len, f) != b->len ||
        fwrite(extra, 1, extra_len, f) != extra_len) {
        fprintf(stderr, "gen_frame_corpus: cannot write %s\n", path);
        failures++;
    }
    if (f)
        fclose(f);
}

static void hash(unsigned char h[32], unsigned seed)
{
    for (unsigned i = 0; i < 32; i++)
        h[i] = (unsigned char)(seed * 37 + i * 11);
}

static void hello(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_HELLO);
    nx_msg_u64(b, NX_TAG_PROTO, NX_PROTO_VERSION);
    nx_msg_str(b, NX_TAG_VERSION, "0.9.0");
    nx_msg_str(b, NX_TAG_DEVICE, "3f9a0c1d22b14e7c");
    nx_msg_u64(b, NX_TAG_CURSOR, 1042);
    nx_msg_u64(b, NX_TAG_HLC, NX_HLC_MAKE(1767225600000ull, 3));
    nx_msg_u64(b, NX_TAG_TRAINING, 1);
    nx_msg_end(b);
}

static void welcome(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_WELCOME);
    nx_msg_u64(b, NX_TAG_PROTO, NX_PROTO_VERSION);
    nx_msg_str(b, NX_TAG_VERSION, "0.9.0-hub");
    nx_msg_str(b, NX_TAG_USER, "agent7");
    nx_msg_str(b, NX_TAG_ROLE, "scheduling_agent");
    nx_msg_str(b, NX_TAG_TEAM, "east");
    nx_msg_i64(b, NX_TAG_TIME, 1767225601);
    nx_msg_u64(b, NX_TAG_HLC, NX_HLC_MAKE(1767225601000ull, 0));
    nx_msg_u64(b, NX_TAG_GRACE_HOURS, 24);
    nx_msg_u64(b, NX_TAG_KEEP_DAYS, 14);
    nx_msg_str(b, NX_TAG_BANNER, "Planned outage Sat 02:00-04:00 \xe2\x80\x94 work offline.");
    nx_msg_u64(b, NX_TAG_EMERGENCY, 0);
    nx_msg_u64(b, NX_TAG_REVOKED, 0);
    nx_msg_u64(b, NX_TAG_TRAINING, 1);
    nx_msg_end(b);
}

static void op(nx_wbuf *b, const char *kind, const char *field, const char *value,
               const char *expect, unsigned n)
{
    char id[40];
    snprintf(id, sizeof id, "5b0e8c7a-1f2d-4c3b-9a8e-%012u", n);
    nx_msg_begin(b, NX_MSG_OP);
    nx_msg_str(b, NX_TAG_OP_ID, id);
    nx_msg_str(b, NX_TAG_OP_KIND, kind);
    nx_msg_str(b, NX_TAG_ITEM, "it-000123");
    nx_msg_u64(b, NX_TAG_HLC, NX_HLC_MAKE(1767225600000ull + n, n));
    nx_msg_str(b, NX_TAG_USER, "agent7");
    nx_msg_str(b, NX_TAG_DEVICE, "3f9a0c1d22b14e7c");
    if (field)
        nx_msg_str(b, NX_TAG_FIELD, field);
    if (value)
        nx_msg_str(b, NX_TAG_VALUE, value);
    if (expect)
        nx_msg_str(b, NX_TAG_EXPECT, expect);
    nx_msg_end(b);
}

static void audit(nx_wbuf *b, unsigned seq)
{
    unsigned char prev[32], h[32];
    hash(prev, seq);
    hash(h, seq + 1);
    nx_msg_begin(b, NX_MSG_AUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, seq);
    nx_msg_i64(b, NX_TAG_AT, 1767225600 + seq);
    nx_msg_str(b, NX_TAG_USER, "agent7");
    nx_msg_str(b, NX_TAG_ROLE, "scheduling_agent");
    nx_msg_str(b, NX_TAG_DEVICE, "3f9a0c1d22b14e7c");
    nx_msg_str(b, NX_TAG_ACTION, "field.set");
    nx_msg_str(b, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(b, NX_TAG_PREV_HASH, prev);
    nx_msg_hash(b, NX_TAG_HASH, h);
    nx_msg_str(b, NX_TAG_ITEM, "it-000123");
    nx_msg_str(b, NX_TAG_FIELD, "appt_date");
    nx_msg_str(b, NX_TAG_REASON, "patient called");
    nx_msg_end(b);
}

static void pull(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_PULL);
    nx_msg_u64(b, NX_TAG_CURSOR, 1042);
    nx_msg_u64(b, NX_TAG_HLC, NX_HLC_MAKE(1767225600009ull, 0));
    nx_msg_u64(b, NX_TAG_AUDIT_CURSOR, 311);
    nx_msg_u64(b, NX_TAG_HAUDIT_CURSOR, 87);
    nx_msg_end(b);
}

static void result(nx_wbuf *b, int rejected)
{
    nx_msg_begin(b, NX_MSG_RESULT);
    nx_msg_str(b, NX_TAG_OP_ID, "5b0e8c7a-1f2d-4c3b-9a8e-000000000001");
    nx_msg_str(b, NX_TAG_OUTCOME, rejected ? "conflict" : "applied");
    if (rejected) {
        nx_msg_str(b, NX_TAG_REASON, "status is approved, expected submitted");
        nx_msg_str(b, NX_TAG_ITEM, "it-000123");
    }
    nx_msg_end(b);
}

static void client(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_CLIENT);
    nx_msg_str(b, NX_TAG_CLIENT_ID, "cl-riverside");
    nx_msg_str(b, NX_TAG_NAME, "Riverside Family Clinic (synthetic)");
    nx_msg_str(b, NX_TAG_TZ, "America/New_York");
    nx_msg_str(b, NX_TAG_ESCALATION, "on-call supervisor, ext. 400");
    nx_msg_str(b, NX_TAG_HOLIDAYS, "2026-01-01,2026-05-25,2026-07-03,2026-12-25");
    nx_msg_u64(b, NX_TAG_LEAD_HOURS, 48);
    nx_msg_str(b, NX_TAG_CONSENT, "verbal consent on file");
    nx_msg_end(b);
}

static void item(nx_wbuf *b, int closed)
{
    nx_msg_begin(b, NX_MSG_ITEM);
    nx_msg_str(b, NX_TAG_ITEM, closed ? "it-000099" : "it-000123");
    nx_msg_str(b, NX_TAG_KIND, "prior_auth");
    nx_msg_str(b, NX_TAG_CLIENT_ID, "cl-riverside");
    nx_msg_str(b, NX_TAG_PATIENT_ID, "pt-55501");
    nx_msg_str(b, NX_TAG_STATUS, closed ? "approved" : "submitted");
    nx_msg_u64(b, NX_TAG_PRIORITY, 2);
    nx_msg_str(b, NX_TAG_ASSIGNEE, "agent7");
    nx_msg_str(b, NX_TAG_TEAM, "east");
    nx_msg_i64(b, NX_TAG_CREATED, 1767000000);
    nx_msg_i64(b, NX_TAG_UPDATED, 1767225000);
    nx_msg_i64(b, NX_TAG_DUE, 1767400000);
    nx_msg_i64(b, NX_TAG_FOLLOW_UP, 1767300000);
    if (closed)
        nx_msg_i64(b, NX_TAG_CLOSED, 1767225000);
    nx_msg_str(b, NX_TAG_LINKED, "it-000122");
    const char *kv1[2] = {"payer", "Synthetic Health Plan"};
    const char *kv2[2] = {"cpt", "72148"};
    const char *kv3[2] = {"notes_flag", ""};
    const char *pkv1[2] = {"name", "Test Patient\xc3\xa9 One"};
    const char *pkv2[2] = {"dob", "1970-01-01"};
    const char *h1[4] = {"1767000000", "agent7", "create", ""};
    const char *h2[4] = {"1767225000", "agent7", "status", "draft\x1fsubmitted"};
    nx_msg_tuple(b, NX_TAG_KV, kv1, 2);
    nx_msg_tuple(b, NX_TAG_KV, kv2, 2);
    nx_msg_tuple(b, NX_TAG_KV, kv3, 2);
    nx_msg_tuple(b, NX_TAG_PKV, pkv1, 2);
    nx_msg_tuple(b, NX_TAG_PKV, pkv2, 2);
    nx_msg_tuple(b, NX_TAG_HIST, h1, 4);
    nx_msg_tuple(b, NX_TAG_HIST, h2, 4);
    nx_msg_end(b);
}

static void drop(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_DROP);
    nx_msg_str(b, NX_TAG_ITEM, "it-000042");
    nx_msg_str(b, NX_TAG_REASON, "reassigned");
    nx_msg_end(b);
}

static void record(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_RECORD);
    nx_msg_str(b, NX_TAG_ITEM, "5b0c7a52-1c33-4c51-9f0e-2d6f4b1a9e01");
    nx_msg_str(b, NX_TAG_KIND, "incident");
    nx_msg_str(b, NX_TAG_STATUS, "contain");
    nx_msg_i64(b, NX_TAG_CREATED, 1780300800);
    nx_msg_i64(b, NX_TAG_UPDATED, 1780304400);
    nx_msg_u64(b, NX_TAG_HLC, NX_HLC_MAKE(1780304400000ull, 2));
    nx_msg_str(b, NX_TAG_LINKED, "it-000042");
    nx_msg_str(b, NX_TAG_TEAM, "north");
    nx_msg_str(b, NX_TAG_USER, "carol");
    nx_msg_str(b, NX_TAG_ASSIGNEE, "pat");
    nx_msg_i64(b, NX_TAG_DUE, 1780387200);
    nx_msg_str(b, NX_TAG_VALUE, "{\"people_affected\":1,\"type\":\"mis-fax\"}");
    nx_msg_end(b);
}

/* One event of the hub's own chain (hub -> an oversight role); with
 * hub_seq, also the device stream's HUB_SEQ, which HAUDIT may not carry. */
static void haudit_as(nx_wbuf *b, unsigned seq, uint64_t hub_seq)
{
    unsigned char prev[32], h[32];
    hash(prev, seq + 100);
    hash(h, seq + 101);
    nx_msg_begin(b, NX_MSG_HAUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, seq);
    nx_msg_i64(b, NX_TAG_AT, 1767225600 + seq);
    nx_msg_str(b, NX_TAG_USER, "hubadmin");
    nx_msg_str(b, NX_TAG_ROLE, "hub-admin");
    nx_msg_str(b, NX_TAG_DEVICE, "hub");
    nx_msg_str(b, NX_TAG_ACTION, "user-add");
    nx_msg_str(b, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(b, NX_TAG_PREV_HASH, prev);
    nx_msg_hash(b, NX_TAG_HASH, h);
    nx_msg_str(b, NX_TAG_ITEM, "it-000123");
    nx_msg_str(b, NX_TAG_FIELD, "status");
    nx_msg_str(b, NX_TAG_REASON, "user=agent7 role=scheduling team=east");
    if (hub_seq)
        nx_msg_u64(b, NX_TAG_HUB_SEQ, hub_seq);
    nx_msg_end(b);
}

static void haudit(nx_wbuf *b, unsigned seq)
{
    haudit_as(b, seq, 0);
}

static void end(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_END);
    nx_msg_u64(b, NX_TAG_CURSOR, 1057);
    nx_msg_i64(b, NX_TAG_TIME, 1767225602);
    nx_msg_u64(b, NX_TAG_HLC, NX_HLC_MAKE(1767225602000ull, 1));
    nx_msg_u64(b, NX_TAG_COUNT, 4);
    nx_msg_u64(b, NX_TAG_AUDIT_CURSOR, 312);
    nx_msg_u64(b, NX_TAG_MORE, 1);
    nx_msg_u64(b, NX_TAG_HAUDIT_CURSOR, 88);
    nx_msg_end(b);
}

static void error(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_ERROR);
    nx_msg_str(b, NX_TAG_MESSAGE, "frame: op: field 3 (tag 16 ITEM) is not valid UTF-8 without NUL");
    nx_msg_end(b);
}

static void destroyed(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_DESTROYED);
    nx_msg_str(b, NX_TAG_DEVICE, "3f9a0c1d22b14e7c");
    nx_msg_i64(b, NX_TAG_TIME, 1767225700);
    nx_msg_end(b);
}

static void bye(nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_BYE);
    nx_msg_end(b);
}

/* Appends a raw frame: body bytes as given, with the right length prefix
 * unless len_override is non-zero. */
static void raw(const void *body, size_t n, uint32_t len_override)
{
    if (extra_len + NX_FRAME_HDR + n > sizeof extra) {
        failures++;
        return;
    }
    uint32_t l = len_override ? len_override : (uint32_t)n;
    unsigned char *h = extra + extra_len;
    h[0] = (unsigned char)(l >> 24), h[1] = (unsigned char)(l >> 16);
    h[2] = (unsigned char)(l >> 8), h[3] = (unsigned char)l;
    memcpy(h + NX_FRAME_HDR, body, n);
    extra_len += NX_FRAME_HDR + n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_frame_corpus DIR\n");
        return 2;
    }
    outdir = argv[1];
    nx_wbuf b;
    nx_wbuf_init(&b);
#define ONE(name, call) \
    do {                \
        nx_wbuf_reset(&b); \
        extra_len = 0;  \
        call;           \
        save(name, &b); \
    } while (0)
    ONE("ok-hello", hello(&b));
    ONE("ok-welcome", welcome(&b));
    ONE("ok-op-set", op(&b, "set", "appt_date", "2026-02-03", NULL, 1));
    ONE("ok-op-status", op(&b, "status", "", "submitted", "draft", 2));
    ONE("ok-op-create", op(&b, "create", NULL,
                           "prior_auth\x1f" "cl-riverside\x1f" "pt-55501\x1f" "2", NULL, 3));
    ONE("ok-audit", audit(&b, 7));
    ONE("ok-pull", pull(&b));
    ONE("ok-result", result(&b, 0));
    ONE("ok-client", client(&b));
    ONE("ok-item", item(&b, 0));
    ONE("ok-drop", drop(&b));
    ONE("ok-record", record(&b));
    ONE("ok-haudit", haudit(&b, 88));
    ONE("ok-end", end(&b));
    ONE("ok-error", error(&b));
    ONE("ok-destroyed", destroyed(&b));
    ONE("ok-bye", bye(&b));
    /* whole rounds, as each side writes them */
    ONE("ok-round-client", (hello(&b), op(&b, "set", "appt_date", "2026-02-03", NULL, 1),
                            op(&b, "note", "", "called, left message", NULL, 4), audit(&b, 8),
                            audit(&b, 9), pull(&b), bye(&b)));
    ONE("ok-round-hub", (welcome(&b), result(&b, 0), result(&b, 1), client(&b), item(&b, 0),
                         item(&b, 1), drop(&b), record(&b), audit(&b, 10), haudit(&b, 87),
                         haudit(&b, 88), end(&b)));

    /* malformed: each file's last frame must be refused */
    ONE("bad-unknown-type", (pull(&b), raw("\x10", 1, 0)));
    ONE("bad-len-zero", (pull(&b), raw("", 0, 0)));
    ONE("bad-len-over-max", raw("\x0d", 1, NX_FRAME_MAX + 1));
    ONE("bad-unknown-tag",
        raw("\x09" "\0\x10\0\0\0\x02" "i1" "\0\x63\0\0\0\x01" "x", 16, 0));
    ONE("bad-tag-not-allowed",
        raw("\x09" "\0\x10\0\0\0\x02" "i1" "\0\x12\0\0\0\x01" "x", 16, 0));
    ONE("bad-duplicate", raw("\x09" "\0\x10\0\0\0\x02" "i1" "\0\x10\0\0\0\x02" "i2", 17, 0));
    ONE("bad-missing-required", raw("\x09" "\0\x15\0\0\0\x01" "r", 8, 0));
    ONE("bad-field-past-end", raw("\x09" "\0\x10\0\0\0\x09" "i1", 9, 0));
    ONE("bad-field-header-cut", raw("\x09" "\0\x10\0\0\0\x02" "i1" "\0\x15\0", 12, 0));
    ONE("bad-utf8", raw("\x09" "\0\x10\0\0\0\x03" "i\xc0\x80", 10, 0));
    ONE("bad-nul-in-str", raw("\x09" "\0\x10\0\0\0\x03" "i\0" "1", 10, 0));
    ONE("bad-u64-size",
        raw("\x05" "\0\x04\0\0\0\x07" "1234567" "\0\x0a\0\0\0\x08" "12345678", 28, 0));
    ONE("bad-haudit-hub-seq", (haudit(&b, 87), haudit_as(&b, 88, 5)));
    ONE("bad-tuple-parts", (item(&b, 0), raw("\x08" "\0\x22\0\0\0\x03" "abc", 10, 0)));
#undef ONE
    nx_wbuf_free(&b);
    return failures ? 1 : 0;
}
