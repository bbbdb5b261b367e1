/* Oversight records written and read by a signed-in user
 * (session_record.h). One transaction per save: the row, the op that
 * carries it to the hub and the audit event, like every other change. */
#include "session/session_record.h"
#include "session/session_int.h"
#include "util/uuid.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nx_session_record_save(nx_session *s, nx_record *r, char *err, size_t errlen)
{
    return nx_session_record_save_with(s, r, NULL, NULL, err, errlen);
}

int nx_session_record_save_with(nx_session *s, nx_record *r, nx_record_within_fn within,
                                void *ctx, char *err, size_t errlen)
{
    nx_store *st = s->profile->store;
    if (nx_record_kind_parse(r->kind) < 0)
        return nx_err(err, errlen, "record: unknown kind");
    if (!r->id[0])
        nx_uuid4(r->id);
    nx_record_row prev;
    int found = nx_record_get(st, r->id, &prev);
    if (found < 0)
        return nx_err(err, errlen, "record %s: cannot read the cache", r->id);
    int64_t now = nx_session_now(s);
    if (found) {
        snprintf(r->author, sizeof r->author, "%s", prev.rec.author);
        r->created = prev.rec.created;
    } else {
        snprintf(r->author, sizeof r->author, "%s", s->user);
        if (r->created <= 0)
            r->created = now;
    }
    r->updated = now;
    if (!r->team[0] && r->item_id[0]) {
        nx_item it;
        int f = sess_load(s, r->item_id, &it, err, errlen);
        if (f < 0) {
            if (found)
                nx_record_row_clear(&prev);
            return -1;
        }
        if (f) {
            snprintf(r->team, sizeof r->team, "%s", it.team);
            nx_item_free(&it);
        }
    }
    if (!r->team[0])
        snprintf(r->team, sizeof r->team, "%s", s->team);
    int rc = nx_record_check(found ? &prev.rec : NULL, r, s->role, s->user, s->team, err,
                             errlen);
    if (found)
        nx_record_row_clear(&prev);
    if (rc != 0) {
        sess_refused(s, NX_AUDIT_RECORD, r->item_id[0] ? r->item_id : r->id, r->kind);
        return -1;
    }
    char *json = NULL;
    if (nx_record_to_json(r, &json) != 0)
        return nx_err(err, errlen, "record %s: the body is not a JSON object", r->id);
    char op_id[40] = "";
    const char *parts[] = { json };
    rc = sess_begin(s, err, errlen);
    if (rc == 0) {
        rc = sess_op(s, NX_OP_RECORD, r->id, r->kind, parts, 1, NULL, op_id, err, errlen);
        if (rc == 0 && nx_record_put_local(st, r, op_id) != 0)
            rc = nx_err(err, errlen, "record %s: cannot save it", r->id);
        if (rc == 0 && within)
            rc = within(ctx, s, r, err, errlen);
        if (rc != 0) {
            sess_rollback(s);
        } else {
            nx_audit_event e = { .action = NX_AUDIT_RECORD,
                                 .item_id = r->item_id[0] ? r->item_id : r->id,
                                 .field = r->kind };
            rc = sess_commit(s, &e, err, errlen);
        }
    }
    sodium_memzero(json, strlen(json));
    free(json);
    return rc;
}

int nx_session_record_get(nx_session *s, const char *id, nx_record_row *out, char *err,
                          size_t errlen)
{
    int found = nx_record_get(s->profile->store, id, out);
    if (found < 0)
        return nx_err(err, errlen, "record %s: cannot read the cache", id);
    if (found && !nx_record_visible(&out->rec, s->role, s->user, s->team)) {
        nx_record_row_clear(out);
        return 0;
    }
    return found;
}

typedef struct {
    nx_session *s;
    nx_record_fn fn;
    void *ctx;
    int64_t n;
} vis_ctx;

static int visible_only(void *ctx, const nx_record_row *r)
{
    vis_ctx *v = ctx;
    if (!nx_record_visible(&r->rec, v->s->role, v->s->user, v->s->team))
        return 0;
    v->n++;
    return v->fn ? v->fn(v->ctx, r) : 0;
}

int nx_session_record_scan(nx_session *s, const nx_record_filter *f, nx_record_fn fn,
                           void *ctx, char *err, size_t errlen)
{
    vis_ctx v = { s, fn, ctx, 0 };
    int rc = nx_record_scan(s->profile->store, f, visible_only, &v);
    if (rc < 0)
        return nx_err(err, errlen, "cannot read the records of this cache");
    return rc;
}

int64_t nx_session_record_count(nx_session *s, const nx_record_filter *f)
{
    vis_ctx v = { s, NULL, NULL, 0 };
    return nx_record_scan(s->profile->store, f, visible_only, &v) < 0 ? -1 : v.n;
}

typedef struct {
    nx_session *s;
    nx_record_line_fn fill;
    size_t size, n, cap;
    unsigned char *v;
    int failed;
} lines_ctx;

static int add_line(void *ctx, const nx_record_row *row)
{
    lines_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        void *p = realloc(c->v, nc * c->size);
        if (!p)
            return c->failed = -1;
        c->v = p;
        c->cap = nc;
    }
    if (c->fill(c->s, row, c->v + c->n * c->size) != 0)
        return c->failed = -1;
    c->n++;
    return 0;
}

int nx_session_record_lines(nx_session *s, const nx_record_filter *f, size_t line_size,
                            nx_record_line_fn fill, void **out, size_t *n, char *err,
                            size_t errlen)
{
    *out = NULL;
    *n = 0;
    lines_ctx c = { .s = s, .fill = fill, .size = line_size };
    int rc = nx_session_record_scan(s, f, add_line, &c, err, errlen);
    if (rc != 0 || c.failed) {
        free(c.v);
        return rc < 0 ? -1 : nx_err(err, errlen, "out of memory");
    }
    *out = c.v;
    *n = c.n;
    return 0;
}
