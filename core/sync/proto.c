/* core/sync/proto — frames on the wire: the encoder (a growing, wiped
 * buffer of whole frames) and the strict decoder with the per-message
 * schema as data. The schema table below is the single place that says
 * which tags a message may carry; it transcribes the table in proto.h.
 *
 * Why strict: a frame comes from the other end of an SSH channel, which may
 * be a buggy or hostile peer. A frame is checked whole before anything of
 * it is used, and an error names the field's position and tag, never its
 * bytes (they may be PHI). */
#include "sync/proto.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* ---- the schema ----------------------------------------------------------------- */

typedef struct {
    unsigned char known;
    unsigned char kind;      /* nx_field_kind */
    unsigned char arity;
    uint32_t max;
    const char *name;
} tag_info;

#define TAG_CODE_MAX 64
static const tag_info TAGS[TAG_CODE_MAX] = {
#define TAG_INFO_(id, code, kind, arity, max) [code] = {1, kind, arity, max, #id},
    NX_TAGS(TAG_INFO_)
#undef TAG_INFO_
};

enum { R = 'R', O = 'O', M = 'M' };
typedef struct {
    nx_tag tag;
    char occ;                /* R required once, O optional once, M any number */
} rule;

#define RULE_R(t) {NX_TAG_##t, R}
#define RULE_O(t) {NX_TAG_##t, O}
#define RULE_M(t) {NX_TAG_##t, M}

static const rule HELLO_RULES[] = {
    RULE_R(PROTO), RULE_R(VERSION), RULE_R(DEVICE), RULE_R(CURSOR), RULE_R(HLC),
    RULE_O(TRAINING),
};
static const rule WELCOME_RULES[] = {
    RULE_R(PROTO), RULE_R(VERSION), RULE_R(USER), RULE_R(ROLE), RULE_R(TEAM),
    RULE_R(TIME), RULE_R(HLC), RULE_R(GRACE_HOURS), RULE_R(KEEP_DAYS),
    RULE_O(BANNER), RULE_O(EMERGENCY), RULE_O(REVOKED), RULE_O(TRAINING),
};
static const rule OP_RULES[] = {
    RULE_R(OP_ID), RULE_R(OP_KIND), RULE_R(ITEM), RULE_R(HLC), RULE_R(USER),
    RULE_R(DEVICE), RULE_O(FIELD), RULE_O(VALUE), RULE_O(EXPECT),
};
static const rule AUDIT_RULES[] = {
    RULE_R(SEQ), RULE_R(AT), RULE_R(USER), RULE_R(ROLE), RULE_R(DEVICE),
    RULE_R(ACTION), RULE_R(OUTCOME), RULE_R(PREV_HASH), RULE_R(HASH),
    RULE_O(ITEM), RULE_O(FIELD), RULE_O(REASON), RULE_O(HUB_SEQ),
};
static const rule PULL_RULES[] = {
    RULE_R(CURSOR), RULE_R(HLC), RULE_O(AUDIT_CURSOR), RULE_O(HAUDIT_CURSOR),
};
static const rule RESULT_RULES[] = {
    RULE_R(OP_ID), RULE_R(OUTCOME), RULE_O(REASON), RULE_O(ITEM),
};
static const rule CLIENT_RULES[] = {
    RULE_R(CLIENT_ID), RULE_R(NAME), RULE_R(TZ),
    RULE_O(ESCALATION), RULE_O(HOLIDAYS), RULE_O(LEAD_HOURS), RULE_O(CONSENT),
};
static const rule ITEM_RULES[] = {
    RULE_R(ITEM), RULE_R(KIND), RULE_R(CLIENT_ID), RULE_R(PATIENT_ID), RULE_R(STATUS),
    RULE_R(PRIORITY), RULE_R(ASSIGNEE), RULE_R(TEAM), RULE_R(CREATED), RULE_R(UPDATED),
    RULE_O(DUE), RULE_O(FOLLOW_UP), RULE_O(CLOSED), RULE_O(LINKED),
    RULE_M(KV), RULE_M(PKV), RULE_M(HIST),
};
static const rule DROP_RULES[] = {
    RULE_R(ITEM), RULE_O(REASON),
};
static const rule RECORD_RULES[] = {
    RULE_R(ITEM), RULE_R(KIND), RULE_R(STATUS), RULE_R(CREATED), RULE_R(UPDATED), RULE_R(HLC),
    RULE_O(LINKED), RULE_O(TEAM), RULE_O(USER), RULE_O(ASSIGNEE), RULE_O(DUE), RULE_O(VALUE),
};
static const rule END_RULES[] = {
    RULE_R(CURSOR), RULE_R(TIME), RULE_R(HLC), RULE_R(COUNT),
    RULE_O(AUDIT_CURSOR), RULE_O(MORE), RULE_O(HAUDIT_CURSOR),
};
static const rule HAUDIT_RULES[] = {
    RULE_R(SEQ), RULE_R(AT), RULE_R(USER), RULE_R(ROLE), RULE_R(DEVICE),
    RULE_R(ACTION), RULE_R(OUTCOME), RULE_R(PREV_HASH), RULE_R(HASH),
    RULE_O(ITEM), RULE_O(FIELD), RULE_O(REASON),
};
static const rule ERROR_RULES[] = {
    RULE_R(MESSAGE),
};
static const rule DESTROYED_RULES[] = {
    RULE_R(DEVICE), RULE_R(TIME),
};

typedef struct {
    const char *name;
    const rule *rules;
    size_t n;
} msg_info;

#define MSG_CODE_MAX 16
#define RULES_(id) id##_RULES, sizeof id##_RULES / sizeof id##_RULES[0]
static const msg_info MSGS[MSG_CODE_MAX] = {
    [NX_MSG_HELLO] = {"hello", RULES_(HELLO)},
    [NX_MSG_WELCOME] = {"welcome", RULES_(WELCOME)},
    [NX_MSG_OP] = {"op", RULES_(OP)},
    [NX_MSG_AUDIT] = {"audit", RULES_(AUDIT)},
    [NX_MSG_PULL] = {"pull", RULES_(PULL)},
    [NX_MSG_RESULT] = {"result", RULES_(RESULT)},
    [NX_MSG_CLIENT] = {"client", RULES_(CLIENT)},
    [NX_MSG_ITEM] = {"item", RULES_(ITEM)},
    [NX_MSG_DROP] = {"drop", RULES_(DROP)},
    [NX_MSG_END] = {"end", RULES_(END)},
    [NX_MSG_ERROR] = {"error", RULES_(ERROR)},
    [NX_MSG_DESTROYED] = {"destroyed", RULES_(DESTROYED)},
    [NX_MSG_BYE] = {"bye", NULL, 0},
    [NX_MSG_RECORD] = {"record", RULES_(RECORD)},
    [NX_MSG_HAUDIT] = {"haudit", RULES_(HAUDIT)},
};
#undef RULES_

/* Every code in NX_MSGS has an entry above, under the same name. */
#define MSG_CHECK_(id, name_, code) \
    _Static_assert((code) > 0 && (code) < MSG_CODE_MAX, "message code out of range");
NX_MSGS(MSG_CHECK_)
#undef MSG_CHECK_
#define TAG_CHECK_(id, code, kind, arity, max) \
    _Static_assert((code) > 0 && (code) < TAG_CODE_MAX, "tag code out of range");
NX_TAGS(TAG_CHECK_)
#undef TAG_CHECK_

static const msg_info *msg_lookup(unsigned t)
{
    return t < MSG_CODE_MAX && MSGS[t].name ? &MSGS[t] : NULL;
}

const char *nx_msg_name(nx_msg_type t)
{
    const msg_info *mi = msg_lookup((unsigned)t);
    return mi ? mi->name : NULL;
}

/* ---- encoding ------------------------------------------------------------------- */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void nx_wbuf_init(nx_wbuf *b)
{
    memset(b, 0, sizeof *b);
}

void nx_wbuf_free(nx_wbuf *b)
{
    if (b->p) {
        sodium_memzero(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}

void nx_wbuf_reset(nx_wbuf *b)
{
    if (b->p)
        sodium_memzero(b->p, b->len);
    b->len = 0;
    b->frame_start = 0;
    b->failed = 0;
}

/* Room for n more bytes. Grows by copying and wiping the old block, not
 * realloc, which would leave the old bytes behind in freed memory. */
static int reserve(nx_wbuf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n <= b->cap - b->len)
        return 0;
    unsigned char *p = b->len > SIZE_MAX - n ? NULL
                                             : nx_regrow_wiped(b->p, b->len, &b->cap, b->len + n, 256);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    return 0;
}

int nx_msg_begin(nx_wbuf *b, nx_msg_type t)
{
    if (reserve(b, NX_FRAME_HDR + 1) != 0)
        return -1;
    b->frame_start = b->len;
    memset(b->p + b->len, 0, NX_FRAME_HDR);
    b->p[b->len + NX_FRAME_HDR] = (unsigned char)t;
    b->len += NX_FRAME_HDR + 1;
    return 0;
}

/* Appends one field to the open frame, refusing to grow its body past
 * NX_FRAME_MAX. The value may come in two pieces (a tuple is written part
 * by part through put_more). */
static int put_field(nx_wbuf *b, nx_tag tag, uint32_t flen)
{
    if (b->failed)
        return -1;
    if (b->len < b->frame_start + NX_FRAME_HDR + 1) {   /* no open frame */
        b->failed = 1;
        return -1;
    }
    size_t body = b->len - b->frame_start - NX_FRAME_HDR;
    if (flen > NX_FRAME_MAX || body + 6 + (size_t)flen > NX_FRAME_MAX) {
        b->failed = 1;
        return -1;
    }
    if (reserve(b, 6 + (size_t)flen) != 0)
        return -1;
    unsigned char *p = b->p + b->len;
    p[0] = (unsigned char)((unsigned)tag >> 8);
    p[1] = (unsigned char)tag;
    put_be32(p + 2, flen);
    b->len += 6;
    return 0;
}

static void put_more(nx_wbuf *b, const void *v, size_t n)
{
    if (n)
        memcpy(b->p + b->len, v, n);
    b->len += n;
}

int nx_msg_u64(nx_wbuf *b, nx_tag tag, uint64_t v)
{
    if (put_field(b, tag, 8) != 0)
        return -1;
    unsigned char be[8];
    put_be32(be, (uint32_t)(v >> 32));
    put_be32(be + 4, (uint32_t)v);
    put_more(b, be, 8);
    return 0;
}

int nx_msg_i64(nx_wbuf *b, nx_tag tag, int64_t v)
{
    return nx_msg_u64(b, tag, (uint64_t)v);
}

int nx_msg_str(nx_wbuf *b, nx_tag tag, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > NX_FRAME_MAX) {
        b->failed = 1;
        return -1;
    }
    if (put_field(b, tag, (uint32_t)n) != 0)
        return -1;
    put_more(b, s, n);
    return 0;
}

int nx_msg_tuple(nx_wbuf *b, nx_tag tag, const char *const *parts, size_t n)
{
    size_t total = n ? n - 1 : 0;
    for (size_t i = 0; i < n; i++) {
        total += parts[i] ? strlen(parts[i]) : 0;
        if (total > NX_FRAME_MAX) {
            b->failed = 1;
            return -1;
        }
    }
    if (put_field(b, tag, (uint32_t)total) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i)
            put_more(b, "", 1);     /* the NUL between parts */
        if (parts[i])
            put_more(b, parts[i], strlen(parts[i]));
    }
    return 0;
}

int nx_msg_hash(nx_wbuf *b, nx_tag tag, const unsigned char h[32])
{
    if (put_field(b, tag, 32) != 0)
        return -1;
    put_more(b, h, 32);
    return 0;
}

int nx_msg_end(nx_wbuf *b)
{
    if (b->failed)
        return -1;
    if (b->len < b->frame_start + NX_FRAME_HDR + 1) {
        b->failed = 1;
        return -1;
    }
    put_be32(b->p + b->frame_start, (uint32_t)(b->len - b->frame_start - NX_FRAME_HDR));
    b->frame_start = b->len;
    return 0;
}

/* ---- decoding ------------------------------------------------------------------- */

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * NUL is refused too (callers split tuples on NUL before asking). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0)
                lo = 0xa0;          /* overlong */
            else if (c == 0xed)
                hi = 0x9f;          /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0)
                lo = 0x90;          /* overlong */
            else if (c == 0xf4)
                hi = 0x8f;          /* above U+10FFFF */
        } else
            return 0;
        if (n - i - 1 < k)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xbf)
                return 0;
        i += k + 1;
    }
    return 1;
}

static int tuple_ok(const unsigned char *p, size_t n, unsigned arity)
{
    unsigned parts = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == 0) {
            if (++parts > arity || !utf8_ok(p + start, i - start))
                return 0;
            start = i + 1;
        }
    }
    return parts == arity;
}

static const rule *rule_for(const msg_info *mi, unsigned tag)
{
    for (size_t i = 0; i < mi->n; i++)
        if ((unsigned)mi->rules[i].tag == tag)
            return &mi->rules[i];
    return NULL;
}

static const char *kind_problem(const tag_info *ti, const unsigned char *p, uint32_t len)
{
    switch ((nx_field_kind)ti->kind) {
    case NX_FK_U64:
    case NX_FK_I64:
        return len == 8 ? NULL : "is not 8 bytes long";
    case NX_FK_HASH:
        return len == 32 ? NULL : "is not 32 bytes long";
    case NX_FK_STR:
        if (len > ti->max)
            return "is longer than its maximum";
        return utf8_ok(p, len) ? NULL : "is not valid UTF-8 without NUL";
    case NX_FK_TUPLE:
        if (len > ti->max)
            return "is longer than its maximum";
        return tuple_ok(p, len, ti->arity) ? NULL
                                           : "does not have the right parts in valid UTF-8";
    }
    return "has an unknown kind";
}

int nx_msg_decode(const unsigned char *body, size_t len, nx_msg *out, char *err, size_t errlen)
{
    out->n = 0;
    out->type = 0;
    if (len == 0)
        return nx_err(err, errlen, "frame: empty frame");
    if (len > NX_FRAME_MAX)
        return nx_err(err, errlen, "frame: %zu bytes is above the maximum of %u", len,
                      (unsigned)NX_FRAME_MAX);
    const msg_info *mi = msg_lookup(body[0]);
    if (!mi)
        return nx_err(err, errlen, "frame: unknown message type %u", (unsigned)body[0]);

    unsigned count[TAG_CODE_MAX] = {0};
    size_t pos = 1, n = 0;
    while (pos < len) {
        size_t idx = n + 1;             /* fields are numbered from 1 in errors */
        if (len - pos < 6)
            return nx_err(err, errlen, "frame: %s: field %zu: field header cut short",
                          mi->name, idx);
        unsigned tag = (unsigned)body[pos] << 8 | body[pos + 1];
        uint32_t flen = get_be32(body + pos + 2);
        pos += 6;
        if (flen > len - pos)
            return nx_err(err, errlen,
                          "frame: %s: field %zu (tag %u) runs past the end of the frame",
                          mi->name, idx, tag);
        if (tag >= TAG_CODE_MAX || !TAGS[tag].known)
            return nx_err(err, errlen, "frame: %s: field %zu has unknown tag %u", mi->name,
                          idx, tag);
        const tag_info *ti = &TAGS[tag];
        const rule *ru = rule_for(mi, tag);
        if (!ru)
            return nx_err(err, errlen, "frame: %s: field %zu (tag %u %s) is not allowed in %s",
                          mi->name, idx, tag, ti->name, mi->name);
        if (n >= NX_MSG_MAX_FIELDS)
            return nx_err(err, errlen, "frame: %s: more than %d fields", mi->name,
                          NX_MSG_MAX_FIELDS);
        if (ru->occ != M && count[tag] > 0)
            return nx_err(err, errlen, "frame: %s: field %zu (tag %u %s) appears twice",
                          mi->name, idx, tag, ti->name);
        const char *why = kind_problem(ti, body + pos, flen);
        if (why)
            return nx_err(err, errlen, "frame: %s: field %zu (tag %u %s) %s", mi->name, idx,
                          tag, ti->name, why);
        count[tag]++;
        out->f[n].tag = (uint16_t)tag;
        out->f[n].len = flen;
        out->f[n].p = body + pos;
        n++;
        pos += flen;
    }
    for (size_t i = 0; i < mi->n; i++)
        if (mi->rules[i].occ == R && count[mi->rules[i].tag] == 0)
            return nx_err(err, errlen, "frame: %s: required tag %u %s is missing", mi->name,
                          (unsigned)mi->rules[i].tag, TAGS[mi->rules[i].tag].name);
    out->type = (nx_msg_type)body[0];
    out->n = n;
    return 0;
}

int nx_frame_len(const unsigned char hdr[NX_FRAME_HDR], uint32_t *len, char *err, size_t errlen)
{
    uint32_t v = get_be32(hdr);
    if (v == 0)
        return nx_err(err, errlen, "frame: length 0");
    if (v > NX_FRAME_MAX)
        return nx_err(err, errlen, "frame: length %lu is above the maximum of %u",
                      (unsigned long)v, (unsigned)NX_FRAME_MAX);
    *len = v;
    return 0;
}

/* ---- accessors ------------------------------------------------------------------ */

const nx_field_ref *nx_msg_get(const nx_msg *m, nx_tag tag)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->f[i].tag == (uint16_t)tag)
            return &m->f[i];
    return NULL;
}

int nx_msg_get_u64(const nx_msg *m, nx_tag tag, uint64_t *v)
{
    const nx_field_ref *r = nx_msg_get(m, tag);
    if (!r || r->len != 8)
        return 0;
    *v = get_be64(r->p);
    return 1;
}

int nx_msg_get_i64(const nx_msg *m, nx_tag tag, int64_t *v)
{
    uint64_t u;
    if (!nx_msg_get_u64(m, tag, &u))
        return 0;
    /* two's complement without implementation-defined conversion */
    *v = u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
    return 1;
}

int nx_msg_get_str(const nx_msg *m, nx_tag tag, char *out, size_t outlen)
{
    const nx_field_ref *r = nx_msg_get(m, tag);
    if (!r)
        return 0;
    if (outlen == 0 || (size_t)r->len > outlen - 1)
        return -1;
    if (r->len)
        memcpy(out, r->p, r->len);
    out[r->len] = '\0';
    return 1;
}

int nx_field_tuple(const nx_field_ref *r, char *buf, size_t buflen, const char **parts,
                   size_t nparts)
{
    if (nparts == 0 || buflen == 0 || (size_t)r->len > buflen - 1)
        return -1;
    size_t seen = 1;
    for (uint32_t i = 0; i < r->len; i++)
        if (r->p[i] == 0)
            seen++;
    if (seen != nparts)
        return -1;
    if (r->len)
        memcpy(buf, r->p, r->len);
    buf[r->len] = '\0';
    size_t k = 0;
    parts[k++] = buf;
    for (uint32_t i = 0; i < r->len; i++)
        if (buf[i] == '\0')
            parts[k++] = buf + i + 1;
    return 0;
}
