/* The sync protocol's frames (core/sync/proto): every message type
 * round-trips through the encoder and the strict decoder; every way a frame
 * can be wrong is refused with an error that names the field's position and
 * tag but never its bytes; truncated and randomly mutated frames never
 * crash the decoder. The schema is transcribed here a second time, from the
 * table in proto.h's comment, and checked tag by tag against the decoder,
 * so the table in proto.c and the header cannot drift apart unnoticed.
 *
 * nx_msg holds NX_MSG_MAX_FIELDS refs (64 KiB): always on the heap. Every
 * body is decoded from a heap copy of exactly its length, so ASan sees any
 * read past the end. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/proto.h"
#include "tests/helpers/run.h"
#include "util/util.h"

/* ---- the schema, transcribed from proto.h -------------------------------------- */

typedef struct {
    nx_tag tag;
    nx_field_kind kind;
    unsigned arity;
    uint32_t max;
    const char *name;
} t_tag;

static const t_tag TAGS[] = {
#define T_TAG_(id, code, kind, arity, max) {NX_TAG_##id, kind, arity, max, #id},
    NX_TAGS(T_TAG_)
#undef T_TAG_
};
#define NTAGS (sizeof TAGS / sizeof TAGS[0])

static const t_tag *tag_info(nx_tag t)
{
    for (size_t i = 0; i < NTAGS; i++)
        if (TAGS[i].tag == t)
            return &TAGS[i];
    return NULL;
}

typedef struct {
    nx_msg_type type;
    const char *name;
    const char *req, *opt, *many;   /* tag names, space separated */
} t_schema;

static const t_schema SCHEMA[] = {
    {NX_MSG_HELLO, "hello", "PROTO VERSION DEVICE CURSOR HLC", "TRAINING", ""},
    {NX_MSG_WELCOME, "welcome",
     "PROTO VERSION USER ROLE TEAM TIME HLC GRACE_HOURS KEEP_DAYS",
     "BANNER EMERGENCY REVOKED TRAINING", ""},
    {NX_MSG_OP, "op", "OP_ID OP_KIND ITEM HLC USER DEVICE", "FIELD VALUE EXPECT", ""},
    {NX_MSG_AUDIT, "audit", "SEQ AT USER ROLE DEVICE ACTION OUTCOME PREV_HASH HASH",
     "ITEM FIELD REASON HUB_SEQ", ""},
    {NX_MSG_PULL, "pull", "CURSOR HLC", "AUDIT_CURSOR HAUDIT_CURSOR", ""},
    {NX_MSG_RESULT, "result", "OP_ID OUTCOME", "REASON ITEM", ""},
    {NX_MSG_CLIENT, "client", "CLIENT_ID NAME TZ", "ESCALATION HOLIDAYS LEAD_HOURS CONSENT",
     ""},
    {NX_MSG_ITEM, "item",
     "ITEM KIND CLIENT_ID PATIENT_ID STATUS PRIORITY ASSIGNEE TEAM CREATED UPDATED",
     "DUE FOLLOW_UP CLOSED LINKED", "KV PKV HIST"},
    {NX_MSG_DROP, "drop", "ITEM", "REASON", ""},
    {NX_MSG_END, "end", "CURSOR TIME HLC COUNT", "AUDIT_CURSOR MORE HAUDIT_CURSOR", ""},
    {NX_MSG_ERROR, "error", "MESSAGE", "", ""},
    {NX_MSG_DESTROYED, "destroyed", "DEVICE TIME", "", ""},
    {NX_MSG_BYE, "bye", "", "", ""},
    {NX_MSG_RECORD, "record", "ITEM KIND STATUS CREATED UPDATED HLC",
     "LINKED TEAM USER ASSIGNEE DUE VALUE", ""},
    {NX_MSG_HAUDIT, "haudit", "SEQ AT USER ROLE DEVICE ACTION OUTCOME PREV_HASH HASH",
     "ITEM FIELD REASON", ""},
};
#define NSCHEMA (sizeof SCHEMA / sizeof SCHEMA[0])

/* The tags named in a space-separated list; returns how many. */
static size_t tag_list(const char *names, nx_tag *out, size_t max)
{
    size_t n = 0;
    const char *p = names;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t k = strcspn(p, " ");
        const t_tag *found = NULL;
        for (size_t i = 0; i < NTAGS; i++)
            if (strlen(TAGS[i].name) == k && strncmp(TAGS[i].name, p, k) == 0)
                found = &TAGS[i];
        cr_assert(found, "test schema names an unknown tag: %.*s", (int)k, p);
        cr_assert_lt(n, max);
        out[n++] = found->tag;
        p += k;
    }
    return n;
}

static const t_schema *schema_of(nx_msg_type t)
{
    for (size_t i = 0; i < NSCHEMA; i++)
        if (SCHEMA[i].type == t)
            return &SCHEMA[i];
    return NULL;
}

/* 'R', 'O', 'M' or 0 (not allowed) for a tag in a message type. */
static char occ_of(const t_schema *s, nx_tag tag)
{
    nx_tag l[32];
    size_t n = tag_list(s->req, l, 32);
    for (size_t i = 0; i < n; i++)
        if (l[i] == tag)
            return 'R';
    n = tag_list(s->opt, l, 32);
    for (size_t i = 0; i < n; i++)
        if (l[i] == tag)
            return 'O';
    n = tag_list(s->many, l, 32);
    for (size_t i = 0; i < n; i++)
        if (l[i] == tag)
            return 'M';
    return 0;
}

/* ---- sample values ------------------------------------------------------------- */

/* A value for each tag, distinct per tag and instance, of the tag's kind.
 * Strings carry a two-byte UTF-8 character and fit the smallest max (16). */
static uint64_t u64_for(nx_tag t, unsigned inst) { return 0xfedcba9800000000ull + t * 10u + inst; }
static int64_t i64_for(nx_tag t, unsigned inst) { return -(int64_t)(1700000000 + t * 10 + inst); }
static void str_for(nx_tag t, unsigned inst, char *out, size_t len)
{
    snprintf(out, len, "s%u-\xc3\xa9%u", (unsigned)t, inst);
}
static void part_for(nx_tag t, unsigned inst, unsigned part, char *out, size_t len)
{
    if (part == 1 && inst == 1)
        out[0] = '\0';              /* empty parts are allowed */
    else
        snprintf(out, len, "p%u.%u.%u-\xe2\x82\xac", (unsigned)t, inst, part);
}
static void hash_for(nx_tag t, unsigned inst, unsigned char h[32])
{
    for (int i = 0; i < 32; i++)
        h[i] = (unsigned char)(t * 7 + inst * 31 + i);
}

static void put_sample(nx_wbuf *b, nx_tag tag, unsigned inst)
{
    const t_tag *ti = tag_info(tag);
    cr_assert(ti);
    char s[64], p[4][64];
    unsigned char h[32];
    int rc = -1;
    switch (ti->kind) {
    case NX_FK_U64:
        rc = nx_msg_u64(b, tag, u64_for(tag, inst));
        break;
    case NX_FK_I64:
        rc = nx_msg_i64(b, tag, i64_for(tag, inst));
        break;
    case NX_FK_STR:
        str_for(tag, inst, s, sizeof s);
        rc = nx_msg_str(b, tag, s);
        break;
    case NX_FK_TUPLE: {
        const char *parts[4];
        for (unsigned i = 0; i < ti->arity; i++) {
            part_for(tag, inst, i, p[i], sizeof p[i]);
            parts[i] = p[i];
        }
        rc = nx_msg_tuple(b, tag, parts, ti->arity);
        break;
    }
    case NX_FK_HASH:
        hash_for(tag, inst, h);
        rc = nx_msg_hash(b, tag, h);
        break;
    }
    cr_assert_eq(rc, 0);
}

/* Checks a decoded field holds the sample value put_sample wrote. */
static void check_sample(const nx_field_ref *r, unsigned inst)
{
    const t_tag *ti = tag_info((nx_tag)r->tag);
    cr_assert(ti);
    nx_msg *one = calloc(1, sizeof *one);
    cr_assert(one);
    one->n = 1;
    one->f[0] = *r;
    char s[64], want[64];
    unsigned char h[32];
    switch (ti->kind) {
    case NX_FK_U64: {
        uint64_t v = 0;
        cr_assert_eq(nx_msg_get_u64(one, (nx_tag)r->tag, &v), 1);
        cr_assert_eq(v, u64_for((nx_tag)r->tag, inst));
        break;
    }
    case NX_FK_I64: {
        int64_t v = 0;
        cr_assert_eq(nx_msg_get_i64(one, (nx_tag)r->tag, &v), 1);
        cr_assert_eq(v, i64_for((nx_tag)r->tag, inst));
        break;
    }
    case NX_FK_STR:
        cr_assert_eq(nx_msg_get_str(one, (nx_tag)r->tag, s, sizeof s), 1);
        str_for((nx_tag)r->tag, inst, want, sizeof want);
        cr_assert_str_eq(s, want);
        break;
    case NX_FK_TUPLE: {
        char buf[256];
        const char *parts[4];
        cr_assert_eq(nx_field_tuple(r, buf, sizeof buf, parts, ti->arity), 0);
        for (unsigned i = 0; i < ti->arity; i++) {
            part_for((nx_tag)r->tag, inst, i, want, sizeof want);
            cr_assert_str_eq(parts[i], want);
        }
        break;
    }
    case NX_FK_HASH:
        hash_for((nx_tag)r->tag, inst, h);
        cr_assert_eq(r->len, 32u);
        cr_assert_eq(memcmp(r->p, h, 32), 0);
        break;
    }
    free(one);
}

/* ---- helpers ------------------------------------------------------------------- */

static nx_msg *new_msg(void)
{
    nx_msg *m = calloc(1, sizeof *m);
    cr_assert(m);
    return m;
}

/* Decodes from a heap copy of exactly len bytes (ASan catches overreads).
 * The copy is kept in *keep (the message points into it). */
static int decode_exact(const unsigned char *body, size_t len, nx_msg *m, char *err,
                        size_t errlen, unsigned char **keep)
{
    unsigned char *copy = malloc(len ? len : 1);
    cr_assert(copy);
    if (len)
        memcpy(copy, body, len);
    err[0] = '\0';
    int rc = nx_msg_decode(copy, len, m, err, errlen);
    if (keep)
        *keep = copy;
    else
        free(copy);
    return rc;
}

/* The single frame in b: checks its length prefix and returns its body. */
static const unsigned char *only_body(const nx_wbuf *b, size_t *len)
{
    cr_assert_eq(b->failed, 0);
    cr_assert_geq(b->len, (size_t)NX_FRAME_HDR + 1);
    uint32_t fl = 0;
    char err[256];
    cr_assert_eq(nx_frame_len(b->p, &fl, err, sizeof err), 0, "%s", err);
    cr_assert_eq((size_t)fl + NX_FRAME_HDR, b->len);
    *len = fl;
    return b->p + NX_FRAME_HDR;
}

/* A valid message of type t: every required field, then (full) every
 * optional one and two instances of each repeatable one. When
 * required_last, optional fields come first so that any prefix of the body
 * lacks a required field. */
static void build(nx_wbuf *b, const t_schema *s, int full, int required_last)
{
    nx_tag req[32], opt[32], many[32];
    size_t nr = tag_list(s->req, req, 32), no = tag_list(s->opt, opt, 32),
           nm = tag_list(s->many, many, 32);
    cr_assert_eq(nx_msg_begin(b, s->type), 0);
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == !required_last)
            for (size_t i = 0; i < nr; i++)
                put_sample(b, req[i], 0);
        else if (full) {
            for (size_t i = 0; i < no; i++)
                put_sample(b, opt[i], 0);
            for (size_t i = 0; i < nm; i++) {
                put_sample(b, many[i], 0);
                put_sample(b, many[i], 1);
            }
        }
    }
    cr_assert_eq(nx_msg_end(b), 0);
}

/* Expects body to be refused with an error containing each of the given
 * fragments (NULL-terminated list) and none of the forbidden bytes. */
static void expect_refused(const unsigned char *body, size_t len, const char *forbid, ...)
{
    nx_msg *m = new_msg();
    char err[512];
    cr_assert_eq(decode_exact(body, len, m, err, sizeof err, NULL), -1, "decoded but should not");
    cr_assert_gt(strlen(err), 0);
    cr_assert_eq(m->n, 0u, "a refused frame left fields behind");
    va_list ap;
    va_start(ap, forbid);
    const char *want;
    while ((want = va_arg(ap, const char *)))
        cr_expect(strstr(err, want), "error '%s' lacks '%s'", err, want);
    va_end(ap);
    if (forbid)
        cr_expect(!strstr(err, forbid), "error '%s' shows the value", err);
    free(m);
}

/* A raw body builder for frames the encoder cannot make. */
typedef struct {
    unsigned char p[70000];
    size_t n;
} raw;

static void raw_type(raw *r, unsigned t)
{
    r->n = 0;
    r->p[r->n++] = (unsigned char)t;
}

static void raw_field(raw *r, unsigned tag, const void *v, uint32_t len)
{
    cr_assert_leq(r->n + 6 + len, sizeof r->p);
    r->p[r->n++] = (unsigned char)(tag >> 8);
    r->p[r->n++] = (unsigned char)tag;
    r->p[r->n++] = (unsigned char)(len >> 24);
    r->p[r->n++] = (unsigned char)(len >> 16);
    r->p[r->n++] = (unsigned char)(len >> 8);
    r->p[r->n++] = (unsigned char)len;
    if (len)
        memcpy(r->p + r->n, v, len);
    r->n += len;
}

/* DROP is the simplest message with a STR field to abuse: R ITEM O REASON. */
static void raw_drop_with_item(raw *r, const void *item, uint32_t len)
{
    raw_type(r, NX_MSG_DROP);
    raw_field(r, NX_TAG_ITEM, item, len);
}

/* Re-encodes a decoded message through the accessors; the bytes must equal
 * the body it came from (the format has one encoding per message). */
static void reencode_equal(const nx_msg *m, const unsigned char *body, size_t len)
{
    nx_wbuf b;
    nx_wbuf_init(&b);
    /* a one-field message to read each field through the accessors (only
     * n and f[0] are used, so it need not be zeroed) */
    nx_msg *one = malloc(sizeof *one);
    cr_assert(one);
    cr_assert_eq(nx_msg_begin(&b, m->type), 0);
    for (size_t i = 0; i < m->n; i++) {
        const nx_field_ref *r = &m->f[i];
        const t_tag *ti = tag_info((nx_tag)r->tag);
        cr_assert(ti);
        one->n = 1;
        one->f[0] = *r;
        switch (ti->kind) {
        case NX_FK_U64:
        case NX_FK_I64: {
            uint64_t v;
            cr_assert_eq(nx_msg_get_u64(one, ti->tag, &v), 1);
            cr_assert_eq(nx_msg_u64(&b, ti->tag, v), 0);
            break;
        }
        case NX_FK_STR: {
            char *s = malloc(r->len + 1);
            cr_assert_eq(nx_msg_get_str(one, ti->tag, s, r->len + 1), 1);
            cr_assert_eq(nx_msg_str(&b, ti->tag, s), 0);
            free(s);
            break;
        }
        case NX_FK_TUPLE: {
            char *buf = malloc(r->len + 1);
            const char *parts[8];
            cr_assert_eq(nx_field_tuple(r, buf, r->len + 1, parts, ti->arity), 0);
            cr_assert_eq(nx_msg_tuple(&b, ti->tag, parts, ti->arity), 0);
            free(buf);
            break;
        }
        case NX_FK_HASH:
            cr_assert_eq(nx_msg_hash(&b, ti->tag, r->p), 0);
            break;
        }
    }
    free(one);
    cr_assert_eq(nx_msg_end(&b), 0);
    size_t blen;
    const unsigned char *bb = only_body(&b, &blen);
    cr_assert_eq(blen, len);
    cr_assert_eq(memcmp(bb, body, len), 0);
    nx_wbuf_free(&b);
}

/* ---- round trips --------------------------------------------------------------- */

Test(proto, names_match_the_message_list)
{
#define T_NAME_(id, name, code) cr_expect_str_eq(nx_msg_name(NX_MSG_##id), name);
    NX_MSGS(T_NAME_)
#undef T_NAME_
    cr_expect_null(nx_msg_name(0));
    cr_expect_null(nx_msg_name(16));
    cr_expect_null(nx_msg_name(255));
    /* the test's schema covers every message type */
#define T_COVER_(id, name, code) cr_expect(schema_of(NX_MSG_##id), "no schema for " name);
    NX_MSGS(T_COVER_)
#undef T_COVER_
}

Test(proto, every_message_type_round_trips)
{
    nx_msg *m = new_msg();
    for (size_t si = 0; si < NSCHEMA; si++) {
        for (int full = 0; full < 2; full++) {
            const t_schema *s = &SCHEMA[si];
            nx_wbuf b;
            nx_wbuf_init(&b);
            build(&b, s, full, 0);
            size_t len;
            const unsigned char *body = only_body(&b, &len);
            char err[256];
            unsigned char *keep;
            cr_assert_eq(decode_exact(body, len, m, err, sizeof err, &keep), 0, "%s: %s",
                         s->name, err);
            cr_assert_eq(m->type, s->type);
            nx_tag req[32], opt[32], many[32];
            size_t nr = tag_list(s->req, req, 32), no = tag_list(s->opt, opt, 32),
                   nm = tag_list(s->many, many, 32);
            cr_assert_eq(m->n, nr + (full ? no + 2 * nm : 0), "%s", s->name);
            /* fields come back in order, each with its value */
            size_t k = 0;
            for (size_t i = 0; i < nr; i++, k++) {
                cr_assert_eq(m->f[k].tag, req[i]);
                check_sample(&m->f[k], 0);
                cr_assert_eq(nx_msg_get(m, req[i]), &m->f[k]);
            }
            if (full) {
                for (size_t i = 0; i < no; i++, k++) {
                    cr_assert_eq(m->f[k].tag, opt[i]);
                    check_sample(&m->f[k], 0);
                }
                for (size_t i = 0; i < nm; i++, k += 2) {
                    cr_assert_eq(m->f[k].tag, many[i]);
                    cr_assert_eq(m->f[k + 1].tag, many[i]);
                    check_sample(&m->f[k], 0);
                    check_sample(&m->f[k + 1], 1);
                    /* nx_msg_get is the first instance */
                    cr_assert_eq(nx_msg_get(m, many[i]), &m->f[k]);
                }
            } else {
                for (size_t i = 0; i < no; i++)
                    cr_assert_null(nx_msg_get(m, opt[i]));
            }
            reencode_equal(m, keep, len);
            free(keep);
            nx_wbuf_free(&b);
        }
    }
    free(m);
}

Test(proto, accessors)
{
    nx_wbuf b;
    nx_wbuf_init(&b);
    cr_assert_eq(nx_msg_begin(&b, NX_MSG_END), 0);
    nx_msg_u64(&b, NX_TAG_CURSOR, UINT64_MAX);
    nx_msg_i64(&b, NX_TAG_TIME, INT64_MIN);
    nx_msg_u64(&b, NX_TAG_HLC, 0);
    nx_msg_u64(&b, NX_TAG_COUNT, 42);
    cr_assert_eq(nx_msg_end(&b), 0);
    size_t len;
    const unsigned char *body = only_body(&b, &len);
    nx_msg *m = new_msg();
    char err[256];
    cr_assert_eq(nx_msg_decode(body, len, m, err, sizeof err), 0, "%s", err);
    uint64_t u = 1;
    int64_t i = 1;
    cr_expect_eq(nx_msg_get_u64(m, NX_TAG_CURSOR, &u), 1);
    cr_expect_eq(u, UINT64_MAX);
    cr_expect_eq(nx_msg_get_i64(m, NX_TAG_TIME, &i), 1);
    cr_expect_eq(i, INT64_MIN);
    cr_expect_eq(nx_msg_get_u64(m, NX_TAG_HLC, &u), 1);
    cr_expect_eq(u, 0u);
    cr_expect_eq(nx_msg_get_u64(m, NX_TAG_SEQ, &u), 0, "absent");
    cr_expect_eq(nx_msg_get_i64(m, NX_TAG_DUE, &i), 0, "absent");
    char s[8];
    cr_expect_eq(nx_msg_get_str(m, NX_TAG_MESSAGE, s, sizeof s), 0, "absent");
    nx_wbuf_free(&b);

    /* get_str: exactly fits, does not fit; NULL encodes as "" */
    nx_wbuf_init(&b);
    nx_msg_begin(&b, NX_MSG_RESULT);
    nx_msg_str(&b, NX_TAG_OP_ID, "1234567");
    nx_msg_str(&b, NX_TAG_OUTCOME, NULL);
    cr_assert_eq(nx_msg_end(&b), 0);
    body = only_body(&b, &len);
    cr_assert_eq(nx_msg_decode(body, len, m, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_msg_get_str(m, NX_TAG_OP_ID, s, 8), 1);
    cr_expect_str_eq(s, "1234567");
    cr_expect_eq(nx_msg_get_str(m, NX_TAG_OP_ID, s, 7), -1);
    cr_expect_eq(nx_msg_get_str(m, NX_TAG_OUTCOME, s, 1), 1);
    cr_expect_str_eq(s, "");
    nx_wbuf_free(&b);

    /* tuples: the part count must match; the buffer must fit */
    nx_wbuf_init(&b);
    nx_msg_begin(&b, NX_MSG_ITEM);
    const char *hist[4] = {"2026-01-02", "ana", "status", ""};
    nx_msg_tuple(&b, NX_TAG_HIST, hist, 4);
    cr_assert_eq(nx_msg_end(&b), 0);
    body = only_body(&b, &len);
    nx_field_ref r = {NX_TAG_HIST, (uint32_t)(len - 7), body + 7};
    char buf[64];
    const char *parts[5];
    cr_expect_eq(nx_field_tuple(&r, buf, sizeof buf, parts, 4), 0);
    cr_expect_str_eq(parts[0], "2026-01-02");
    cr_expect_str_eq(parts[1], "ana");
    cr_expect_str_eq(parts[2], "status");
    cr_expect_str_eq(parts[3], "");
    cr_expect_eq(nx_field_tuple(&r, buf, sizeof buf, parts, 3), -1);
    cr_expect_eq(nx_field_tuple(&r, buf, sizeof buf, parts, 5), -1);
    cr_expect_eq(nx_field_tuple(&r, buf, r.len, parts, 4), -1, "no room for the NUL");
    cr_expect_eq(nx_field_tuple(&r, buf, r.len + 1, parts, 4), 0);
    nx_wbuf_free(&b);
    free(m);
}

Test(proto, several_frames_in_one_buffer)
{
    nx_wbuf b;
    nx_wbuf_init(&b);
    for (size_t si = 0; si < NSCHEMA; si++)
        for (int rep = 0; rep < 20; rep++)
            build(&b, &SCHEMA[si], 1, rep & 1);
    cr_assert_eq(b.failed, 0);
    cr_assert_gt(b.cap, 256u, "the buffer grew");
    nx_msg *m = new_msg();
    size_t pos = 0, frames = 0;
    while (pos < b.len) {
        uint32_t fl;
        char err[256];
        cr_assert_leq(pos + NX_FRAME_HDR, b.len);
        cr_assert_eq(nx_frame_len(b.p + pos, &fl, err, sizeof err), 0, "%s", err);
        pos += NX_FRAME_HDR;
        cr_assert_leq(pos + fl, b.len);
        cr_assert_eq(nx_msg_decode(b.p + pos, fl, m, err, sizeof err), 0, "%s", err);
        cr_assert_eq(m->type, SCHEMA[frames / 20].type);
        pos += fl;
        frames++;
    }
    cr_expect_eq(frames, NSCHEMA * 20);

    /* reset wipes what was written and keeps the allocation */
    unsigned char *p = b.p;
    size_t old = b.len;
    nx_wbuf_reset(&b);
    cr_expect_eq(b.p, p);
    cr_expect_eq(b.len, 0u);
    for (size_t i = 0; i < old; i++)
        cr_assert_eq(p[i], 0, "byte %zu not wiped", i);
    build(&b, &SCHEMA[0], 1, 0);
    cr_expect_eq(b.failed, 0);
    nx_wbuf_free(&b);
    cr_expect_null(b.p);
    cr_expect_eq(b.len, 0u);
    free(m);
}

Test(proto, frame_length_prefix)
{
    unsigned char h[4];
    uint32_t v = 7;
    char err[256];
    memcpy(h, "\0\0\0\0", 4);
    cr_expect_eq(nx_frame_len(h, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "length 0"), "%s", err);
    uint32_t max = NX_FRAME_MAX;
    h[0] = (unsigned char)(max >> 24), h[1] = (unsigned char)(max >> 16);
    h[2] = (unsigned char)(max >> 8), h[3] = (unsigned char)max;
    cr_expect_eq(nx_frame_len(h, &v, err, sizeof err), 0);
    cr_expect_eq(v, NX_FRAME_MAX);
    h[3]++;
    cr_expect_eq(nx_frame_len(h, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "maximum"), "%s", err);
    memcpy(h, "\xff\xff\xff\xff", 4);
    cr_expect_eq(nx_frame_len(h, &v, err, sizeof err), -1);
    memcpy(h, "\0\0\0\1", 4);
    cr_expect_eq(nx_frame_len(h, &v, err, sizeof err), 0);
    cr_expect_eq(v, 1u);
}

/* ---- the encoder's limits ------------------------------------------------------ */

Test(proto, encoder_refuses_frames_over_the_maximum)
{
    nx_wbuf b;
    nx_wbuf_init(&b);
    size_t big = NX_FRAME_MAX - 1 - 6;      /* type byte, one field header */
    char *s = malloc(big + 2);
    cr_assert(s);
    memset(s, 'x', big + 1);
    s[big] = '\0';
    cr_assert_eq(nx_msg_begin(&b, NX_MSG_ERROR), 0);
    cr_assert_eq(nx_msg_str(&b, NX_TAG_MESSAGE, s), 0, "exactly the maximum fits");
    cr_assert_eq(nx_msg_end(&b), 0);
    uint32_t fl;
    char err[256];
    cr_assert_eq(nx_frame_len(b.p, &fl, err, sizeof err), 0, "%s", err);
    cr_expect_eq(fl, NX_FRAME_MAX);

    /* one byte more is refused, and the buffer stays failed */
    s[big] = 'x';
    s[big + 1] = '\0';
    cr_assert_eq(nx_msg_begin(&b, NX_MSG_ERROR), 0);
    cr_expect_eq(nx_msg_str(&b, NX_TAG_MESSAGE, s), -1);
    cr_expect_eq(b.failed, 1);
    cr_expect_eq(nx_msg_u64(&b, NX_TAG_COUNT, 1), -1);
    cr_expect_eq(nx_msg_end(&b), -1);
    cr_expect_eq(nx_msg_begin(&b, NX_MSG_BYE), -1);
    nx_wbuf_reset(&b);
    cr_expect_eq(b.failed, 0);

    /* many small fields reach the limit too */
    cr_assert_eq(nx_msg_begin(&b, NX_MSG_ITEM), 0);
    int rc = 0;
    size_t fields = 0;
    while ((rc = nx_msg_str(&b, NX_TAG_KV, "0123456789")) == 0)
        fields++;
    cr_expect_eq(fields, (NX_FRAME_MAX - 1) / 16);
    cr_expect_eq(b.failed, 1);

    /* a tuple over the limit */
    nx_wbuf_reset(&b);
    const char *parts[2] = {s, "y"};
    cr_assert_eq(nx_msg_begin(&b, NX_MSG_ITEM), 0);
    cr_expect_eq(nx_msg_tuple(&b, NX_TAG_KV, parts, 2), -1);
    nx_wbuf_free(&b);
    free(s);
}

Test(proto, encoder_needs_an_open_frame)
{
    nx_wbuf b;
    nx_wbuf_init(&b);
    cr_expect_eq(nx_msg_u64(&b, NX_TAG_COUNT, 1), -1);
    cr_expect_eq(b.failed, 1);
    nx_wbuf_reset(&b);
    cr_assert_eq(nx_msg_begin(&b, NX_MSG_BYE), 0);
    cr_assert_eq(nx_msg_end(&b), 0);
    cr_expect_eq(nx_msg_u64(&b, NX_TAG_COUNT, 1), -1, "a put after end has no frame");
    nx_wbuf_free(&b);
}

/* ---- rejections ---------------------------------------------------------------- */

Test(proto, refuses_empty_oversize_and_unknown_type)
{
    unsigned char t = 0;
    expect_refused(&t, 0, NULL, "empty", NULL);
    unsigned char *big = calloc(1, NX_FRAME_MAX + 1);
    big[0] = NX_MSG_BYE;
    expect_refused(big, NX_FRAME_MAX + 1, NULL, "maximum", NULL);
    free(big);
    unsigned types[] = {0, 16, 17, 200, 255};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        t = (unsigned char)types[i];
        char want[32];
        snprintf(want, sizeof want, "type %u", types[i]);
        expect_refused(&t, 1, NULL, "unknown message type", want, NULL);
    }
    t = NX_MSG_BYE;
    nx_msg *m = new_msg();
    char err[256];
    cr_expect_eq(decode_exact(&t, 1, m, err, sizeof err, NULL), 0, "bye alone: %s", err);
    cr_expect_eq(m->type, NX_MSG_BYE);
    cr_expect_eq(m->n, 0u);
    free(m);
}

Test(proto, refuses_unknown_and_disallowed_tags)
{
    raw r;
    unsigned unknown[] = {0, 56, 63, 64, 1000, 0xffff};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        raw_drop_with_item(&r, "i1", 2);
        raw_field(&r, unknown[i], "SECRETPHI", 9);
        char want[32];
        snprintf(want, sizeof want, "unknown tag %u", unknown[i]);
        expect_refused(r.p, r.n, "SECRETPHI", "field 2", want, NULL);
    }
    /* a known tag the message type does not carry */
    raw_drop_with_item(&r, "i1", 2);
    raw_field(&r, NX_TAG_VALUE, "SECRETPHI", 9);
    expect_refused(r.p, r.n, "SECRETPHI", "field 2", "tag 18", "not allowed", NULL);
    /* BYE carries nothing */
    raw_type(&r, NX_MSG_BYE);
    raw_field(&r, NX_TAG_MESSAGE, "x", 1);
    expect_refused(r.p, r.n, NULL, "field 1", "tag 42", "not allowed", NULL);
}

/* Every (type, tag) pair against the transcribed schema: allowed tags are
 * accepted once, repeatable ones many times, optional and required ones
 * refused twice, disallowed ones refused always; each required tag left
 * out is named. */
Test(proto, schema_matches_the_header_tag_by_tag)
{
    nx_msg *m = new_msg();
    char err[256];
    for (size_t si = 0; si < NSCHEMA; si++) {
        const t_schema *s = &SCHEMA[si];
        for (size_t ti = 0; ti < NTAGS; ti++) {
            nx_tag tag = TAGS[ti].tag;
            char occ = occ_of(s, tag);
            for (unsigned times = 1; times <= 3; times++) {
                nx_wbuf b;
                nx_wbuf_init(&b);
                nx_tag req[32];
                size_t nr = tag_list(s->req, req, 32);
                nx_msg_begin(&b, s->type);
                for (size_t i = 0; i < nr; i++)
                    if (req[i] != tag)
                        put_sample(&b, req[i], 0);
                for (unsigned k = 0; k < times; k++)
                    put_sample(&b, tag, k);
                cr_assert_eq(nx_msg_end(&b), 0);
                size_t len;
                const unsigned char *body = only_body(&b, &len);
                int rc = decode_exact(body, len, m, err, sizeof err, NULL);
                int ok = occ == 'M' || ((occ == 'R' || occ == 'O') && times == 1);
                cr_expect_eq(rc, ok ? 0 : -1, "%s with %s x%u: %s", s->name, TAGS[ti].name,
                             times, rc ? err : "accepted");
                if (!ok) {
                    char want[64];
                    snprintf(want, sizeof want, "(tag %u %s)", (unsigned)tag, TAGS[ti].name);
                    cr_expect(strstr(err, want), "%s: '%s' lacks '%s'", s->name, err, want);
                    cr_expect(strstr(err, occ ? "twice" : "not allowed"), "%s", err);
                }
                nx_wbuf_free(&b);
            }
        }
        /* each required tag missing */
        nx_tag req[32];
        size_t nr = tag_list(s->req, req, 32);
        for (size_t miss = 0; miss < nr; miss++) {
            nx_wbuf b;
            nx_wbuf_init(&b);
            nx_msg_begin(&b, s->type);
            for (size_t i = 0; i < nr; i++)
                if (i != miss)
                    put_sample(&b, req[i], 0);
            cr_assert_eq(nx_msg_end(&b), 0);
            size_t len;
            const unsigned char *body = only_body(&b, &len);
            cr_expect_eq(decode_exact(body, len, m, err, sizeof err, NULL), -1);
            char want[64];
            snprintf(want, sizeof want, "required tag %u %s is missing", (unsigned)req[miss],
                     tag_info(req[miss])->name);
            cr_expect(strstr(err, want), "%s: '%s' lacks '%s'", s->name, err, want);
            nx_wbuf_free(&b);
        }
    }
    free(m);
}

Test(proto, refuses_cut_fields)
{
    raw r;
    /* a field header cut short, at every length 1..5 */
    for (unsigned k = 1; k < 6; k++) {
        raw_drop_with_item(&r, "i1", 2);
        memcpy(r.p + r.n, "\0\x15\0\0\0\0", k);
        r.n += k;
        expect_refused(r.p, r.n, NULL, "field 2", "header cut short", NULL);
    }
    /* a field that runs past the end */
    raw_drop_with_item(&r, "i1", 2);
    raw_field(&r, NX_TAG_REASON, "SECRETPHI", 9);
    expect_refused(r.p, r.n - 1, "SECRETPHI", "field 2 (tag 21)", "runs past the end", NULL);
    raw_drop_with_item(&r, "i1", 2);
    raw_field(&r, NX_TAG_REASON, "", 0);
    r.p[r.n - 4] = 0xff;                        /* flen 0xff000000 */
    expect_refused(r.p, r.n, NULL, "field 2 (tag 21)", "runs past the end", NULL);
    raw_drop_with_item(&r, "i1", 2);
    raw_field(&r, NX_TAG_REASON, "", 0);
    memset(r.p + r.n - 4, 0xff, 4);             /* flen 0xffffffff */
    expect_refused(r.p, r.n, NULL, "runs past the end", NULL);
}

Test(proto, refuses_wrong_sizes)
{
    raw r;
    unsigned char z[40] = {0};
    uint32_t bad8[] = {0, 1, 7, 9, 16};
    for (size_t i = 0; i < sizeof bad8 / sizeof bad8[0]; i++) {
        raw_type(&r, NX_MSG_PULL);                 /* U64 */
        raw_field(&r, NX_TAG_CURSOR, z, bad8[i]);
        raw_field(&r, NX_TAG_HLC, z, 8);
        expect_refused(r.p, r.n, NULL, "field 1 (tag 4 CURSOR)", "not 8 bytes", NULL);
        raw_type(&r, NX_MSG_DESTROYED);            /* I64 */
        raw_field(&r, NX_TAG_DEVICE, "d", 1);
        raw_field(&r, NX_TAG_TIME, z, bad8[i]);
        expect_refused(r.p, r.n, NULL, "field 2 (tag 9 TIME)", "not 8 bytes", NULL);
    }
    uint32_t bad32[] = {0, 8, 31, 33, 40};
    for (size_t i = 0; i < sizeof bad32 / sizeof bad32[0]; i++) {
        nx_wbuf b;
        nx_wbuf_init(&b);
        nx_msg_begin(&b, NX_MSG_AUDIT);
        nx_tag req[32];
        size_t nr = tag_list(schema_of(NX_MSG_AUDIT)->req, req, 32);
        for (size_t k = 0; k < nr; k++)
            if (req[k] != NX_TAG_HASH)
                put_sample(&b, req[k], 0);
        nx_msg_end(&b);
        size_t len;
        const unsigned char *body = only_body(&b, &len);
        memcpy(r.p, body, len);
        r.n = len;
        raw_field(&r, NX_TAG_HASH, z, bad32[i]);
        char want[32];
        snprintf(want, sizeof want, "field %zu (tag 41 HASH)", nr);
        expect_refused(r.p, r.n, NULL, want, "not 32 bytes", NULL);
        nx_wbuf_free(&b);
    }
}

Test(proto, refuses_bad_utf8_and_nul_in_strings)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"SECRET\0PHI", 10},        /* embedded NUL */
        {"\0", 1},
        {"SECRET\x80", 7},          /* lone continuation byte */
        {"SECRET\xc3", 7},          /* cut two-byte sequence */
        {"SECRET\xe2\x82", 8},      /* cut three-byte sequence */
        {"\xc0\x80", 2},            /* overlong NUL */
        {"\xc1\xbf", 2},            /* overlong */
        {"\xe0\x80\xaf", 3},        /* overlong '/' */
        {"\xf0\x80\x80\xaf", 4},    /* overlong */
        {"\xed\xa0\x80", 3},        /* UTF-16 surrogate */
        {"\xf4\x90\x80\x80", 4},    /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4},
        {"\xff", 1},
        {"\xc3\x28", 2},            /* bad continuation */
    };
    raw r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        raw_drop_with_item(&r, bad[i].s, (uint32_t)bad[i].n);
        expect_refused(r.p, r.n, "SECRET", "field 1 (tag 16 ITEM)", "UTF-8", NULL);
    }
    /* the edges of valid UTF-8 are accepted */
    static const char *good[] = {"", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
                                 "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
                                 "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"};
    nx_msg *m = new_msg();
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        raw_drop_with_item(&r, good[i], (uint32_t)strlen(good[i]));
        cr_expect_eq(decode_exact(r.p, r.n, m, err, sizeof err, NULL), 0, "good[%zu]: %s", i,
                     err);
    }
    free(m);
}

static void item_with_tuple(raw *r, nx_tag tag, const void *v, uint32_t len)
{
    nx_wbuf b;
    nx_wbuf_init(&b);
    build(&b, schema_of(NX_MSG_ITEM), 0, 0);
    size_t blen;
    const unsigned char *body = only_body(&b, &blen);
    memcpy(r->p, body, blen);
    r->n = blen;
    nx_wbuf_free(&b);
    raw_field(r, tag, v, len);
}

Test(proto, refuses_bad_tuples)
{
    raw r;
    nx_msg *m = new_msg();
    char err[256];
    /* KV has two parts */
    item_with_tuple(&r, NX_TAG_KV, "SECRET", 6);
    expect_refused(r.p, r.n, "SECRET", "field 11 (tag 34 KV)", "parts", NULL);
    item_with_tuple(&r, NX_TAG_KV, "a\0b\0SECRET", 10);
    expect_refused(r.p, r.n, "SECRET", "field 11 (tag 34 KV)", "parts", NULL);
    item_with_tuple(&r, NX_TAG_KV, "", 0);
    expect_refused(r.p, r.n, NULL, "tag 34", NULL);
    item_with_tuple(&r, NX_TAG_KV, "a\0SECRET\xff", 9);
    expect_refused(r.p, r.n, "SECRET", "tag 34", "UTF-8", NULL);
    item_with_tuple(&r, NX_TAG_PKV, "\xc0\x80\0b", 4);
    expect_refused(r.p, r.n, NULL, "tag 35", "UTF-8", NULL);
    item_with_tuple(&r, NX_TAG_KV, "\0", 1);
    cr_expect_eq(decode_exact(r.p, r.n, m, err, sizeof err, NULL), 0, "two empty parts: %s", err);
    item_with_tuple(&r, NX_TAG_KV, "dx\0SECRET", 9);
    cr_expect_eq(decode_exact(r.p, r.n, m, err, sizeof err, NULL), 0, "%s", err);
    /* HIST has four */
    item_with_tuple(&r, NX_TAG_HIST, "a\0b\0c", 5);
    expect_refused(r.p, r.n, NULL, "tag 36", "parts", NULL);
    item_with_tuple(&r, NX_TAG_HIST, "a\0b\0c\0d\0e", 9);
    expect_refused(r.p, r.n, NULL, "tag 36", "parts", NULL);
    item_with_tuple(&r, NX_TAG_HIST, "\0\0\0", 3);
    cr_expect_eq(decode_exact(r.p, r.n, m, err, sizeof err, NULL), 0, "%s", err);
    free(m);
}

Test(proto, refuses_fields_over_their_maximum)
{
    raw r;
    nx_msg *m = new_msg();
    char err[256];
    char s[20000];
    for (size_t ti = 0; ti < NTAGS; ti++) {
        const t_tag *t = &TAGS[ti];
        if (t->kind != NX_FK_STR && t->kind != NX_FK_TUPLE)
            continue;
        /* find a message type that allows it */
        const t_schema *sc = NULL;
        for (size_t si = 0; si < NSCHEMA && !sc; si++)
            if (occ_of(&SCHEMA[si], t->tag))
                sc = &SCHEMA[si];
        cr_assert(sc, "no message carries %s", t->name);
        for (uint32_t len = t->max; len <= t->max + 1; len++) {
            memset(s, 'S', len);
            for (unsigned k = 1; k < t->arity; k++)
                s[k] = '\0';                     /* arity parts */
            nx_wbuf b;
            nx_wbuf_init(&b);
            nx_tag req[32];
            size_t nr = tag_list(sc->req, req, 32);
            nx_msg_begin(&b, sc->type);
            for (size_t i = 0; i < nr; i++)
                if (req[i] != t->tag)
                    put_sample(&b, req[i], 0);
            nx_msg_end(&b);
            size_t blen;
            const unsigned char *body = only_body(&b, &blen);
            memcpy(r.p, body, blen);
            r.n = blen;
            nx_wbuf_free(&b);
            raw_field(&r, t->tag, s, len);
            int rc = decode_exact(r.p, r.n, m, err, sizeof err, NULL);
            if (len == t->max) {
                cr_expect_eq(rc, 0, "%s at its max: %s", t->name, err);
            } else {
                cr_expect_eq(rc, -1, "%s over its max", t->name);
                cr_expect(strstr(err, "longer than its maximum"), "%s", err);
                cr_expect(!strstr(err, "SSS"), "%s", err);
            }
        }
    }
    free(m);
}

Test(proto, refuses_too_many_fields)
{
    nx_msg *m = new_msg();
    char err[256];
    for (int extra = 0; extra < 2; extra++) {
        nx_wbuf b;
        nx_wbuf_init(&b);
        const t_schema *s = schema_of(NX_MSG_ITEM);
        nx_tag req[32];
        size_t nr = tag_list(s->req, req, 32);
        nx_msg_begin(&b, NX_MSG_ITEM);
        for (size_t i = 0; i < nr; i++)
            put_sample(&b, req[i], 0);
        const char *parts[2] = {"f", "v"};
        for (size_t i = nr; i < NX_MSG_MAX_FIELDS + (size_t)extra; i++)
            cr_assert_eq(nx_msg_tuple(&b, NX_TAG_KV, parts, 2), 0);
        cr_assert_eq(nx_msg_end(&b), 0);
        size_t len;
        const unsigned char *body = only_body(&b, &len);
        int rc = decode_exact(body, len, m, err, sizeof err, NULL);
        if (extra) {
            cr_expect_eq(rc, -1);
            cr_expect(strstr(err, "more than 4096 fields"), "%s", err);
        } else {
            cr_expect_eq(rc, 0, "%s", err);
            cr_expect_eq(m->n, (size_t)NX_MSG_MAX_FIELDS);
        }
        nx_wbuf_free(&b);
    }
    free(m);
}

/* ---- robustness ---------------------------------------------------------------- */

Test(proto, every_truncation_is_refused)
{
    nx_msg *m = new_msg();
    char err[256];
    for (size_t si = 0; si < NSCHEMA; si++) {
        nx_wbuf b;
        nx_wbuf_init(&b);
        build(&b, &SCHEMA[si], 1, 1);
        size_t len;
        const unsigned char *body = only_body(&b, &len);
        for (size_t k = 0; k < len; k++) {
            cr_expect_eq(decode_exact(body, k, m, err, sizeof err, NULL), -1,
                         "%s cut to %zu of %zu bytes was accepted", SCHEMA[si].name, k, len);
            cr_expect_gt(strlen(err), 0);
        }
        cr_expect_eq(decode_exact(body, len, m, err, sizeof err, NULL), 0, "%s", err);
        nx_wbuf_free(&b);
    }
    free(m);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

Test(proto, random_mutations_never_crash)
{
    nx_msg *m = new_msg();
    char err[256];
    unsigned char *buf = malloc(8192);
    cr_assert(buf);
    size_t decoded = 0, refused = 0;
    for (int iter = 0; iter < 6000; iter++) {
        nx_wbuf b;
        nx_wbuf_init(&b);
        build(&b, &SCHEMA[rnd() % NSCHEMA], (int)(rnd() & 1), (int)(rnd() & 1));
        size_t len;
        const unsigned char *body = only_body(&b, &len);
        cr_assert_lt(len, 4096u);
        memcpy(buf, body, len);
        nx_wbuf_free(&b);
        int muts = 1 + (int)(rnd() % 4);
        for (int k = 0; k < muts; k++) {
            size_t at = len ? rnd() % len : 0;
            switch (rnd() % 6) {
            case 0:                                 /* flip a bit */
                if (len)
                    buf[at] ^= (unsigned char)(1u << (rnd() % 8));
                break;
            case 1:                                 /* random byte */
                if (len)
                    buf[at] = (unsigned char)rnd();
                break;
            case 2:                                 /* cut */
                len = at;
                break;
            case 3:                                 /* insert a byte */
                if (len < 8000) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = (unsigned char)rnd();
                    len++;
                }
                break;
            case 4:                                 /* delete a byte */
                if (len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            case 5:                                 /* duplicate a chunk */
                if (len && len < 4000) {
                    size_t n = 1 + rnd() % (len - at);
                    memmove(buf + at + n, buf + at, len - at);
                    len += n;
                }
                break;
            }
        }
        unsigned char *keep;
        int rc = decode_exact(buf, len, m, err, sizeof err, &keep);
        if (rc == 0) {
            decoded++;
            cr_assert_leq(m->n, (size_t)NX_MSG_MAX_FIELDS);
            for (size_t i = 0; i < m->n; i++)
                cr_assert(m->f[i].p >= keep && m->f[i].p + m->f[i].len <= keep + len);
            reencode_equal(m, keep, len);
        } else {
            refused++;
            cr_assert_eq(rc, -1);
            cr_assert_gt(strlen(err), 0);
            for (const char *c = err; *c; c++)
                cr_assert(*c >= 0x20 && *c < 0x7f, "error has a raw byte: %s", err);
        }
        free(keep);
    }
    cr_expect_gt(refused, 1000u);
    cr_expect_gt(decoded, 10u, "some mutations keep a valid frame");
    free(buf);
    free(m);
}

/* The committed fuzz corpus: files named ok-* are streams of valid frames,
 * bad-* hold at least one frame the decoder must refuse. */
Test(proto, fuzz_corpus_files_are_what_they_say)
{
    const char *dir = nx_t_root("tests/fuzz/corpus/frame");
    DIR *d = opendir(dir);
    cr_assert(d, "no corpus at %s", dir);
    nx_msg *m = new_msg();
    struct dirent *e;
    size_t ok = 0, bad = 0;
    while ((e = readdir(d))) {
        int is_ok = strncmp(e->d_name, "ok-", 3) == 0;
        if (!is_ok && strncmp(e->d_name, "bad-", 4) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *data = NULL;
        size_t len = 0;
        char err[256];
        cr_assert_eq(nx_read_file(path, 1u << 22, &data, &len, err, sizeof err), 0, "%s", err);
        size_t pos = 0, frames = 0, refused = 0;
        while (pos + NX_FRAME_HDR <= len) {
            uint32_t fl;
            if (nx_frame_len((unsigned char *)data + pos, &fl, err, sizeof err) != 0) {
                refused++;
                break;
            }
            pos += NX_FRAME_HDR;
            if (fl > len - pos) {
                refused++;
                break;
            }
            if (decode_exact((unsigned char *)data + pos, fl, m, err, sizeof err, NULL) != 0)
                refused++;
            frames++;
            pos += fl;
        }
        if (is_ok) {
            cr_expect_eq(refused, 0u, "%s: %s", e->d_name, err);
            cr_expect_gt(frames, 0u, "%s", e->d_name);
            cr_expect_eq(pos, len, "%s has trailing bytes", e->d_name);
            ok++;
        } else {
            cr_expect_gt(refused, 0u, "%s was accepted", e->d_name);
            bad++;
        }
        free(data);
    }
    closedir(d);
    cr_expect_geq(ok, (size_t)NSCHEMA, "one valid file per message type at least");
    cr_expect_geq(bad, 3u);
    free(m);
}
