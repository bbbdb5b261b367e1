/* Decoding what the hub pulls down (CLIENT, ITEM, DROP) into the store's
 * rows (core/store/sync_store.h). The frame decoder has already checked the
 * structure (proto.c); this checks what the rows need: ids are plain
 * tokens, the kind is one this program knows, HIST rows are well formed.
 * Values are passed as views into the frame, never copied, and no error
 * names one: errors name the item id. How KV, PKV and HIST are applied is
 * documented in proto.h. */
#include "sync/client_int.h"
#include "domain/dict.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int nx_sync_token_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

int nx_pull_buf_init(nx_pull_buf *b)
{
    b->kv = calloc(NX_MSG_MAX_FIELDS, sizeof *b->kv);
    b->pkv = calloc(NX_MSG_MAX_FIELDS, sizeof *b->pkv);
    b->hist = calloc(NX_MSG_MAX_FIELDS, sizeof *b->hist);
    if (!b->kv || !b->pkv || !b->hist) {
        nx_pull_buf_free(b);
        return -1;
    }
    const nx_dict *d = nx_dict_default();
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        size_t n = 0;
        for (size_t i = 0; i < d->n; i++) {
            const nx_field_def *f = &d->fields[i];
            if (f->home != NX_AT_PATIENT || !(f->kinds & NX_KIND_BIT(k)))
                continue;
            if (n == NX_PULL_PATIENT_COLS_MAX) {
                nx_pull_buf_free(b);
                return -1;
            }
            b->pcarried[k][n++] = f->id;
        }
        b->pcarried[k][n] = NULL;
    }
    return 0;
}

void nx_pull_buf_free(nx_pull_buf *b)
{
    free(b->kv);
    free(b->pkv);
    free(b->hist);
    b->kv = b->pkv = NULL;
    b->hist = NULL;
}

/* Splits a view at each sep into at most max parts; returns how many. */
static size_t split(nx_span v, char sep, nx_span *parts, size_t max)
{
    size_t n = 0;
    const char *p = v.p, *end = v.p + v.n;
    while (n < max) {
        const char *q = memchr(p, sep, (size_t)(end - p));
        if (!q || n + 1 == max) {
            parts[n++] = (nx_span){ p, (size_t)(end - p) };
            break;
        }
        parts[n++] = (nx_span){ p, (size_t)(q - p) };
        p = q + 1;
    }
    return n;
}

static int count_sep(nx_span v, char sep)
{
    int n = 0;
    for (size_t i = 0; i < v.n; i++)
        n += v.p[i] == sep;
    return n;
}

static int span_is(nx_span s, const char *z)
{
    size_t n = strlen(z);
    return s.n == n && memcmp(s.p, z, n) == 0;
}

/* A decimal number of seconds, nothing else. */
static int span_time(nx_span s, int64_t *out)
{
    if (s.n == 0 || s.n > 19)
        return -1;
    int64_t v = 0;
    size_t i = 0;
    int neg = s.p[0] == '-';
    if (neg && s.n == 1)
        return -1;
    for (i = neg; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        v = v * 10 + (s.p[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

/* A tuple field's parts, as views (the decoder checked the arity). */
static int tuple(const nx_field_ref *r, nx_span *parts, size_t arity)
{
    nx_span all = { (const char *)r->p, r->len };
    if (r->len && !r->p)
        return -1;
    if (!r->p)
        all.p = "";
    return split(all, '\0', parts, arity) == arity && count_sep(all, '\0') == (int)arity - 1
               ? 0 : -1;
}

static const nx_span empty = { "", 0 };

/* A token of 1..63 bytes (nx_sync_token_ok on a view); empty allowed when
 * may_be_empty. */
static int span_token(nx_span s, int may_be_empty)
{
    char buf[64];
    if (s.n == 0)
        return may_be_empty;
    if (s.n >= sizeof buf)
        return 0;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    return nx_sync_token_ok(buf);
}

/* A conflict row's id (a positive decimal), kind and field are ids: they
 * go into the inbox's columns and the resolve op as they are. */
static int conflict_ok(const nx_span *p)
{
    int64_t id;
    if (p[0].n > 18 || span_time(p[0], &id) || id <= 0)
        return 0;
    return span_token(p[1], 0) && span_token(p[2], 1);
}

/* One HIST tuple: at, who, what, detail (proto.h). 1 parsed, 0 a `what`
 * this program does not know (skipped), -1 malformed. */
static int hist_row(const nx_field_ref *r, nx_pulled_hist *h)
{
    nx_span t[4];
    if (tuple(r, t, 4) || span_time(t[0], &h->at))
        return -1;
    h->who = t[1];
    nx_span what = t[2], d = t[3], p[3];
    int seps = count_sep(d, '\x1f');
    for (int i = 0; i < 5; i++)
        h->part[i] = empty;
    if (span_is(what, "status")) {
        h->kind = NX_HIST_STATUS;
        if (seps == 1) {
            split(d, '\x1f', p, 2);
        } else {
            /* The history pane's form, "from -> to". */
            const char *arrow = NULL;
            for (size_t i = 0; i + 4 <= d.n && !arrow; i++)
                if (memcmp(d.p + i, " -> ", 4) == 0)
                    arrow = d.p + i;
            if (seps || !arrow)
                return -1;
            p[0] = (nx_span){ d.p, (size_t)(arrow - d.p) };
            p[1] = (nx_span){ arrow + 4, d.n - (size_t)(arrow - d.p) - 4 };
        }
        h->part[0] = p[0];
        h->part[1] = p[1];
        return h->part[1].n ? 1 : -1;
    }
    if (span_is(what, "note") || span_is(what, "correction")) {
        h->kind = NX_HIST_NOTE;
        if (seps == 2) {
            split(d, '\x1f', h->part, 3);
        } else if (seps == 0) {
            h->part[2] = d;     /* a body alone */
        } else {
            return -1;
        }
        return h->part[2].n ? 1 : -1;
    }
    if (span_is(what, "attempt")) {
        h->kind = NX_HIST_ATTEMPT;
        if (seps != 2)
            return -1;
        split(d, '\x1f', h->part, 3);
        return h->part[0].n && h->part[1].n ? 1 : -1;
    }
    if (span_is(what, "attach")) {
        h->kind = NX_HIST_ATTACH;
        if (seps > 1)
            return -1;
        split(d, '\x1f', h->part, 2);
        return h->part[0].n ? 1 : -1;
    }
    if (span_is(what, "conflict")) {
        /* id, kind, field, value, detail (the hub's words: the rest). */
        h->kind = NX_HIST_CONFLICT;
        if (seps < 4)
            return -1;
        split(d, '\x1f', h->part, 5);
        return conflict_ok(h->part) ? 1 : -1;
    }
    return 0;
}

/* A required (or optional) STR into out; -1 when it does not fit. */
static int str(const nx_msg *m, nx_tag tag, char *out, size_t len)
{
    out[0] = '\0';
    return nx_msg_get_str(m, tag, out, len) < 0 ? -1 : 0;
}

nx_sync_code nx_pull_item(nx_sync_applier *a, nx_pull_buf *b, const nx_msg *m, char *err,
                          size_t errlen)
{
    nx_pulled_item it;
    memset(&it, 0, sizeof it);
    nx_item_rec *r = &it.rec;
    if (str(m, NX_TAG_ITEM, r->id, sizeof r->id) || !nx_sync_token_ok(r->id)) {
        nx_err(err, errlen, "the hub sent an item whose id is not a plain id");
        return NX_SYNC_PROTOCOL;
    }
    uint64_t prio = 0;
    if (str(m, NX_TAG_KIND, r->kind, sizeof r->kind) ||
        str(m, NX_TAG_CLIENT_ID, r->client_id, sizeof r->client_id) ||
        str(m, NX_TAG_PATIENT_ID, r->patient_id, sizeof r->patient_id) ||
        str(m, NX_TAG_STATUS, r->status, sizeof r->status) ||
        str(m, NX_TAG_ASSIGNEE, r->assignee, sizeof r->assignee) ||
        str(m, NX_TAG_TEAM, r->team, sizeof r->team) ||
        str(m, NX_TAG_LINKED, r->linked_item, sizeof r->linked_item) ||
        nx_kind_parse(r->kind) < 0 || !nx_sync_token_ok(r->client_id) ||
        !nx_sync_token_ok(r->patient_id) || !r->status[0] ||
        (r->linked_item[0] && !nx_sync_token_ok(r->linked_item)) ||
        nx_msg_get_u64(m, NX_TAG_PRIORITY, &prio) != 1 ||
        nx_msg_get_i64(m, NX_TAG_CREATED, &r->created) != 1 ||
        nx_msg_get_i64(m, NX_TAG_UPDATED, &r->updated) != 1) {
        nx_err(err, errlen, "item %s: the hub sent it malformed (kind, ids or status)", r->id);
        return NX_SYNC_PROTOCOL;
    }
    r->priority = prio ? 1 : 0;
    it.pcarried = b->pcarried[nx_kind_parse(r->kind)];
    (void)nx_msg_get_i64(m, NX_TAG_DUE, &r->due);
    (void)nx_msg_get_i64(m, NX_TAG_FOLLOW_UP, &r->follow_up);
    (void)nx_msg_get_i64(m, NX_TAG_CLOSED, &r->closed);
    it.kv = b->kv;
    it.pkv = b->pkv;
    it.hist = b->hist;
    for (size_t i = 0; i < m->n && i < NX_MSG_MAX_FIELDS; i++) {
        const nx_field_ref *f = &m->f[i];
        nx_span t[2];
        if (f->tag == NX_TAG_KV || f->tag == NX_TAG_PKV) {
            if (tuple(f, t, 2) || !t[0].n) {
                nx_err(err, errlen, "item %s: a field without its id", r->id);
                return NX_SYNC_PROTOCOL;
            }
            nx_pulled_kv *kv = f->tag == NX_TAG_KV ? &b->kv[it.nkv++] : &b->pkv[it.npkv++];
            kv->field = t[0];
            kv->value = t[1];
        } else if (f->tag == NX_TAG_HIST) {
            int ok = hist_row(f, &b->hist[it.nhist]);
            if (ok < 0) {
                nx_err(err, errlen, "item %s: a history row is malformed", r->id);
                return NX_SYNC_PROTOCOL;
            }
            it.nhist += (size_t)ok;
        }
    }
    switch (nx_sync_apply_item(a, &it)) {
    case NX_APPLY_OK:
        return NX_SYNC_OK;
    case NX_APPLY_NO_CLIENT:
        nx_err(err, errlen, "item %s: the hub did not send its clinic %s", r->id, r->client_id);
        return NX_SYNC_PROTOCOL;
    default:
        nx_err(err, errlen, "item %s: cannot write it to the cache", r->id);
        return NX_SYNC_ERROR;
    }
}

nx_sync_code nx_pull_client(nx_sync_applier *a, const nx_msg *m, char *err, size_t errlen)
{
    /* Buffers one byte over each tag's maximum (proto.h). */
    char id[65], name[129], tz[65], esc[129], hol[1025], consent[257];
    nx_pulled_client c = { id, name, tz, esc, hol, consent, 0, 0 };
    uint64_t lead = 0;
    if (str(m, NX_TAG_CLIENT_ID, id, sizeof id) || !nx_sync_token_ok(id)) {
        nx_err(err, errlen, "the hub sent a clinic whose id is not a plain id");
        return NX_SYNC_PROTOCOL;
    }
    if (str(m, NX_TAG_NAME, name, sizeof name) || str(m, NX_TAG_TZ, tz, sizeof tz) ||
        str(m, NX_TAG_ESCALATION, esc, sizeof esc) ||
        str(m, NX_TAG_HOLIDAYS, hol, sizeof hol) || str(m, NX_TAG_CONSENT, consent, sizeof consent)) {
        nx_err(err, errlen, "clinic %s: the hub sent it malformed", id);
        return NX_SYNC_PROTOCOL;
    }
    if (nx_msg_get_u64(m, NX_TAG_LEAD_HOURS, &lead) == 1) {
        if (lead > 24 * 366) {
            nx_err(err, errlen, "clinic %s: verify lead time out of range", id);
            return NX_SYNC_PROTOCOL;
        }
        c.has_lead = 1;
        c.lead_hours = (int)lead;
    }
    if (nx_sync_apply_client(a, &c) != 0) {
        nx_err(err, errlen, "clinic %s: cannot write it to the cache", id);
        return NX_SYNC_ERROR;
    }
    return NX_SYNC_OK;
}

nx_sync_code nx_pull_drop_id(const nx_msg *m, char id[64], char *err, size_t errlen)
{
    if (str(m, NX_TAG_ITEM, id, 64) || !nx_sync_token_ok(id)) {
        nx_err(err, errlen, "the hub asked to drop an item whose id is not a plain id");
        return NX_SYNC_PROTOCOL;
    }
    return NX_SYNC_OK;
}
