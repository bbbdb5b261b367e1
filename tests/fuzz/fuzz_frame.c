/* libFuzzer harness for the sync protocol's frame decoder
 * (core/sync/proto). The input is a stream of frames as read from the wire
 * (u32 length + body). Each body is decoded strictly from a heap copy of
 * exactly its length (so ASan sees any overread); a refused frame must say
 * why in printable ASCII (no raw bytes of the frame in the error); a
 * decoded one is re-encoded through the accessors and must come back byte
 * for byte and decode to the same fields. A length prefix the decoder
 * refuses ends the stream, as it ends a session.
 *
 *   make build/fuzz/fuzz_frame
 *   build/fuzz/fuzz_frame -runs=0 tests/fuzz/corpus/frame      (the corpus once)
 *   make fuzz FUZZ_SECONDS=60                                   (search further) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/proto.h"

#define CHECK(c)                                                          \
    do {                                                                  \
        if (!(c)) {                                                       \
            fprintf(stderr, "fuzz_frame: check failed: %s (line %d)\n", #c, __LINE__); \
            abort();                                                      \
        }                                                                 \
    } while (0)

/* The kind of each tag, from proto.h's table. */
static int tag_kind(unsigned tag, unsigned *arity)
{
    switch (tag) {
#define FZ_KIND_(id, code, kind, ar, max) \
    case code:                            \
        *arity = ar;                      \
        return kind;
        NX_TAGS(FZ_KIND_)
#undef FZ_KIND_
    }
    return -1;
}

static nx_msg *m1, *m2, *one;

/* Re-encodes m through the accessors into b. */
static void reencode(const nx_msg *m, nx_wbuf *b)
{
    CHECK(nx_msg_begin(b, m->type) == 0);
    for (size_t i = 0; i < m->n; i++) {
        const nx_field_ref *r = &m->f[i];
        unsigned arity = 0;
        int kind = tag_kind(r->tag, &arity);
        CHECK(kind >= 0);
        one->n = 1;
        one->f[0] = *r;
        switch ((nx_field_kind)kind) {
        case NX_FK_U64: {
            uint64_t v;
            CHECK(nx_msg_get_u64(one, (nx_tag)r->tag, &v) == 1);
            CHECK(nx_msg_u64(b, (nx_tag)r->tag, v) == 0);
            break;
        }
        case NX_FK_I64: {
            int64_t v;
            CHECK(nx_msg_get_i64(one, (nx_tag)r->tag, &v) == 1);
            CHECK(nx_msg_i64(b, (nx_tag)r->tag, v) == 0);
            break;
        }
        case NX_FK_STR: {
            char *s = malloc((size_t)r->len + 1);
            CHECK(s);
            CHECK(nx_msg_get_str(one, (nx_tag)r->tag, s, (size_t)r->len + 1) == 1);
            CHECK(strlen(s) == r->len);
            if (r->len)
                CHECK(nx_msg_get_str(one, (nx_tag)r->tag, s, r->len) == -1);
            CHECK(nx_msg_str(b, (nx_tag)r->tag, s) == 0);
            free(s);
            break;
        }
        case NX_FK_TUPLE: {
            char *buf = malloc((size_t)r->len + 1);
            const char *parts[8];
            CHECK(buf && arity <= 8);
            CHECK(nx_field_tuple(r, buf, (size_t)r->len + 1, parts, arity) == 0);
            if (arity > 1)
                CHECK(nx_field_tuple(r, buf, (size_t)r->len + 1, parts, arity - 1) == -1);
            CHECK(nx_msg_tuple(b, (nx_tag)r->tag, parts, arity) == 0);
            free(buf);
            break;
        }
        case NX_FK_HASH:
            CHECK(r->len == 32);
            CHECK(nx_msg_hash(b, (nx_tag)r->tag, r->p) == 0);
            break;
        }
    }
    CHECK(nx_msg_end(b) == 0);
}

static void one_frame(const unsigned char *data, size_t len)
{
    unsigned char *body = malloc(len ? len : 1);
    CHECK(body);
    memcpy(body, data, len);
    char err[256];
    err[0] = '\0';
    if (nx_msg_decode(body, len, m1, err, sizeof err) != 0) {
        CHECK(err[0] != '\0');
        CHECK(m1->n == 0);
        for (const char *c = err; *c; c++)
            CHECK(*c >= 0x20 && *c < 0x7f);
        free(body);
        return;
    }
    CHECK(nx_msg_name(m1->type) != NULL);
    CHECK(m1->n <= NX_MSG_MAX_FIELDS);
    for (size_t i = 0; i < m1->n; i++) {
        CHECK(m1->f[i].p >= body && m1->f[i].p + m1->f[i].len <= body + len);
        CHECK(nx_msg_get(m1, (nx_tag)m1->f[i].tag) != NULL);
    }

    nx_wbuf b;
    nx_wbuf_init(&b);
    reencode(m1, &b);
    uint32_t fl = 0;
    CHECK(b.len >= NX_FRAME_HDR);
    CHECK(nx_frame_len(b.p, &fl, err, sizeof err) == 0);
    CHECK(fl == len && b.len == (size_t)fl + NX_FRAME_HDR);
    CHECK(memcmp(b.p + NX_FRAME_HDR, body, len) == 0);
    CHECK(nx_msg_decode(b.p + NX_FRAME_HDR, fl, m2, err, sizeof err) == 0);
    CHECK(m2->type == m1->type && m2->n == m1->n);
    for (size_t i = 0; i < m1->n; i++) {
        CHECK(m2->f[i].tag == m1->f[i].tag && m2->f[i].len == m1->f[i].len);
        CHECK(m1->f[i].len == 0 || memcmp(m2->f[i].p, m1->f[i].p, m1->f[i].len) == 0);
    }
    nx_wbuf_free(&b);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!m1) {                   /* kept for the process: 64 KiB each */
        m1 = malloc(sizeof *m1);
        m2 = malloc(sizeof *m2);
        one = malloc(sizeof *one);
        CHECK(m1 && m2 && one);
    }
    size_t pos = 0;
    while (size - pos >= NX_FRAME_HDR) {
        uint32_t len;
        char err[256];
        if (nx_frame_len(data + pos, &len, err, sizeof err) != 0) {
            CHECK(err[0] != '\0');
            break;
        }
        pos += NX_FRAME_HDR;
        if (len > size - pos)
            break;               /* the rest of the frame has not arrived */
        one_frame(data + pos, len);
        pos += len;
    }
    return 0;
}
