/* Live QA review and corrective actions for a signed-in user
 * (session_qa.h): the QA queue, shadowing and its guard, the scorecard,
 * CAPAs. Records are written through nx_session_record_save, so each is
 * one transaction with its op and its audit event. */
#include "session/session_qa.h"
#include "session/session_oversight.h"
#include "domain/clock.h"
#include "session/session_int.h"
#include "session/session_record.h"
#include "store/record_store.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUEUE_MAX 5000
#define CAPA_MAX 500

/* ---- the queue -------------------------------------------------------------------------- */

typedef struct {
    nx_session *s;
    nx_qa_row *v;
    size_t n, cap;
    int failed;
    const char *only;          /* one sample id, or NULL */
} queue_ctx;

/* Fills row from a sample record; 1 when it belongs in the user's queue. */
static int queue_row(nx_session *s, const nx_record *r, nx_qa_row *row)
{
    nx_qa_sample_info info;
    char why[128];
    if (strcmp(r->status, "open") != 0 || strcmp(r->team, s->team) != 0 ||
        nx_qa_sample_parse(r->body, &info, why, sizeof why) != 0)
        return 0;
    if (strcmp(r->owner, s->user) == 0 || strcmp(info.completed_by, s->user) == 0)
        return 0;                              /* never one's own work */
    char rid[40];
    nx_record_row done;
    if (nx_qa_review_id(r->id, rid) != 0)
        return 0;
    int reviewed = nx_record_get(s->profile->store, rid, &done);
    if (reviewed == 1)
        nx_record_row_clear(&done);
    if (reviewed != 0)
        return 0;
    int k = nx_kind_parse(info.kind);
    if (k < 0)
        return 0;
    memset(row, 0, sizeof *row);
    snprintf(row->sample_id, sizeof row->sample_id, "%s", r->id);
    snprintf(row->item_id, sizeof row->item_id, "%s", r->item_id);
    row->kind = (nx_kind)k;
    snprintf(row->rule, sizeof row->rule, "%s", info.rule);
    snprintf(row->period, sizeof row->period, "%s", info.period);
    snprintf(row->agent, sizeof row->agent, "%s", r->owner);
    snprintf(row->completed_by, sizeof row->completed_by, "%s", info.completed_by);
    row->completed_at = info.completed_at;
    row->drawn_at = r->created;
    nx_item_rec it;
    row->held = nx_store_item_get(s->profile->store, r->item_id, &it) == 1;
    return 1;
}

static int queue_add(void *ctx, const nx_record_row *rr)
{
    queue_ctx *q = ctx;
    if (q->only && strcmp(rr->rec.id, q->only) != 0)
        return 0;
    nx_qa_row row;
    if (!queue_row(q->s, &rr->rec, &row))
        return 0;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 32;
        if (cap > QUEUE_MAX)
            return 1;                          /* enough for one screen's work */
        void *p = realloc(q->v, cap * sizeof *q->v);
        if (!p) {
            q->failed = 1;
            return 1;
        }
        q->v = p;
        q->cap = cap;
    }
    q->v[q->n++] = row;
    return 0;
}

static int by_completion(const void *a, const void *b)
{
    const nx_qa_row *x = a, *y = b;
    if (x->completed_at != y->completed_at)
        return x->completed_at < y->completed_at ? -1 : 1;
    return strcmp(x->sample_id, y->sample_id);
}

static int scan_queue(nx_session *s, queue_ctx *q, char *err, size_t errlen)
{
    if (s->role != NX_ROLE_SUPERVISOR)
        return 0;
    nx_record_filter f = { .kind = "qa_sample", .status = "open", .team = s->team };
    int rc = nx_session_record_scan(s, &f, queue_add, q, err, errlen);
    if (rc < 0 || q->failed) {
        free(q->v);
        q->v = NULL;
        q->n = 0;
        return q->failed ? nx_err(err, errlen, "out of memory") : -1;
    }
    return 0;
}

int nx_session_qa_queue(nx_session *s, nx_qa_row **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    queue_ctx q = { .s = s };
    if (scan_queue(s, &q, err, errlen) != 0)
        return -1;
    if (q.n)
        qsort(q.v, q.n, sizeof *q.v, by_completion);
    *out = q.v;
    *n = q.n;
    return 0;
}

int nx_session_qa_sample(nx_session *s, const char *sample_id, nx_qa_row *out, char *err,
                         size_t errlen)
{
    queue_ctx q = { .s = s, .only = sample_id };
    if (scan_queue(s, &q, err, errlen) != 0)
        return -1;
    int found = q.n > 0;
    if (found)
        *out = q.v[0];
    free(q.v);
    return found;
}

int nx_session_qa_counts(nx_session *s, nx_qa_counts *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->reviewer = s->role == NX_ROLE_SUPERVISOR;
    nx_qa_row *rows = NULL;
    size_t n = 0;
    if (out->reviewer && nx_session_qa_queue(s, &rows, &n, err, errlen) != 0)
        return -1;
    free(rows);
    out->to_review = (int64_t)n;
    nx_record_filter f = { .kind = "capa", .not_status = "closed" };
    out->capa_open = nx_session_record_count(s, &f);
    f.due_before = nx_session_now(s) + 1;
    out->capa_overdue = nx_session_record_count(s, &f);
    if (out->capa_open < 0 || out->capa_overdue < 0)
        return nx_err(err, errlen, "cannot count the corrective actions of this cache");
    return 0;
}

/* ---- shadowing ------------------------------------------------------------------------------ */

int nx_session_qa_shadow(nx_session *s, const char *sample_id, nx_qa_row *row, nx_item *out,
                         char *err, size_t errlen)
{
    nx_qa_row r;
    int found = nx_session_qa_sample(s, sample_id, &r, err, errlen);
    if (found < 0)
        return -1;
    if (!found)
        return nx_err(err, errlen, "QA sample %s is not in your queue (reviewed already, your "
                                   "own work, or not your team's)", sample_id);
    if (!r.held)
        return nx_err(err, errlen, "item %s has gone to the archive: the hub keeps it, this "
                                   "laptop does not", r.item_id);
    if (row)
        *row = r;
    return nx_session_open(s, r.item_id, out, err, errlen);
}

int nx_session_qa_under_review(nx_session *s, const char *item_id)
{
    nx_record_filter f = { .kind = "qa_sample", .item_id = item_id };
    int64_t n = nx_record_count(s->profile->store, &f);
    return n < 0 ? -1 : n > 0;
}

int nx_session_qa_guard(nx_session *s, const nx_item *it, nx_audit_action a, const char *field,
                        char *err, size_t errlen)
{
    if (it->assignee[0] && strcmp(it->assignee, s->user) == 0)
        return 0;
    int under = nx_session_qa_under_review(s, it->id);
    if (under == 0)
        return 0;
    if (under < 0)
        return nx_err(err, errlen, "item %s: cannot read its QA state", it->id);
    sess_refused(s, a, it->id, field);
    return nx_err(err, errlen, "item %s is under QA review: it is %s's work, read-only to you "
                               "(nobody enters data under another user's id)",
                  it->id, it->assignee[0] ? it->assignee : "the agent");
}

/* ---- the scorecard ----------------------------------------------------------------------------- */

int nx_session_qa_review(nx_session *s, const char *sample_id, const nx_qa_result *res,
                         size_t n, const char *comment, nx_qa_tally *tally,
                         char review_id[40], char *err, size_t errlen)
{
    nx_qa_row row;
    int found = nx_session_qa_sample(s, sample_id, &row, err, errlen);
    if (found < 0)
        return -1;
    if (!found)
        return nx_err(err, errlen, "QA sample %s is not in your queue (reviewed already, your "
                                   "own work, or not your team's)", sample_id);
    const nx_qa_check *checks;
    size_t want = nx_qa_scorecard(row.kind, &checks);
    if (n != want)
        return nx_err(err, errlen, "a %s scorecard has %zu checks", nx_kind_name(row.kind), want);
    nx_qa_tally t;
    if (nx_qa_tally_of(res, n, &t) != 0)
        return nx_err(err, errlen, "at least one check must apply (not all n/a)");
    if (strlen(comment ? comment : "") > NX_QA_COMMENT_MAX)
        return nx_err(err, errlen, "the comment is over %d bytes", NX_QA_COMMENT_MAX);
    nx_qa_review_body *b = calloc(1, sizeof *b);
    if (!b)
        return nx_err(err, errlen, "out of memory");
    snprintf(b->sample, sizeof b->sample, "%s", sample_id);
    b->kind = row.kind;
    b->n = n;
    memcpy(b->res, res, n * sizeof *res);
    snprintf(b->comment, sizeof b->comment, "%s", comment ? comment : "");
    b->score = t.score;
    char *json = NULL;
    nx_record r = { 0 };
    int rc = -1;
    if (nx_qa_review_body_json(b, &json) != 0 || nx_record_set_body(&r, json) != 0) {
        nx_err(err, errlen, "out of memory");
        goto out;
    }
    if (nx_qa_review_id(sample_id, r.id) != 0) {
        nx_err(err, errlen, "%s is not a QA sample id", sample_id);
        goto out;
    }
    snprintf(r.kind, sizeof r.kind, "qa_review");
    snprintf(r.item_id, sizeof r.item_id, "%s", row.item_id);
    snprintf(r.team, sizeof r.team, "%s", s->team);
    snprintf(r.owner, sizeof r.owner, "%s", row.agent);
    snprintf(r.status, sizeof r.status, "%s", t.passed ? "pass" : "fail");
    rc = nx_session_record_save(s, &r, err, errlen);
    if (rc == 0) {
        if (tally)
            *tally = t;
        if (review_id)
            snprintf(review_id, 40, "%s", r.id);
    }
out:
    if (json) {
        sodium_memzero(json, strlen(json));
        free(json);
    }
    sodium_memzero(b, sizeof *b);
    free(b);
    nx_record_clear(&r);
    return rc;
}

/* ---- corrective actions ----------------------------------------------------------------------- */

typedef struct {
    nx_session *s;
    nx_capa_view *v;
    size_t n, cap;
    int failed;
} capa_ctx;

static int capa_fill(nx_session *s, const nx_record_row *rr, nx_capa_view *v)
{
    memset(v, 0, sizeof *v);
    char why[160];
    if (nx_record_copy(&v->rec, &rr->rec) != 0)
        return -1;
    if (nx_capa_body_parse(rr->rec.body, &v->b, why, sizeof why) != 0)
        memset(&v->b, 0, sizeof v->b);       /* shown empty; the hub's copy will mend it */
    if (nx_record_sight_for(&rr->rec, s->role, s->user, s->team) == NX_REC_SEE_COUNTS) {
        /* the hub sent it without its text (record.h): say so, not "" */
        static const char none[] = "(not sent to your role: counted on the KPI screen)";
        snprintf(v->b.finding, sizeof v->b.finding, "%s", none);
        snprintf(v->b.action, sizeof v->b.action, "%s", none);
        snprintf(v->b.resolution, sizeof v->b.resolution, "%s",
                 strcmp(rr->rec.status, "closed") == 0 ? none : "");
        v->counts_only = 1;
    }
    v->overdue = nx_capa_overdue(&rr->rec, nx_session_now(s));
    v->pending = rr->op_id[0] != 0;
    snprintf(v->refused, sizeof v->refused, "%s", rr->refused);
    return 0;
}

static int capa_add(void *ctx, const nx_record_row *rr)
{
    capa_ctx *c = ctx;
    if (c->n == CAPA_MAX)
        return 1;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        void *p = realloc(c->v, cap * sizeof *c->v);
        if (!p) {
            c->failed = 1;
            return 1;
        }
        c->v = p;
        c->cap = cap;
    }
    if (capa_fill(c->s, rr, &c->v[c->n]) != 0) {
        c->failed = 1;
        return 1;
    }
    c->n++;
    return 0;
}

static int capa_order(const void *a, const void *b)
{
    const nx_capa_view *x = a, *y = b;
    int xc = strcmp(x->rec.status, "closed") == 0, yc = strcmp(y->rec.status, "closed") == 0;
    if (xc != yc)
        return xc - yc;
    if (xc) {
        if (x->rec.updated != y->rec.updated)
            return x->rec.updated > y->rec.updated ? -1 : 1;
    } else if (x->rec.due != y->rec.due) {
        return x->rec.due < y->rec.due ? -1 : 1;
    }
    return strcmp(x->rec.id, y->rec.id);
}

void nx_capa_views_free(nx_capa_view *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        nx_record_clear(&v[i].rec);
        sodium_memzero(&v[i], sizeof v[i]);
    }
    free(v);
}

int nx_session_capa_list(nx_session *s, nx_capa_view **out, size_t *n, char *err,
                         size_t errlen)
{
    *out = NULL;
    *n = 0;
    capa_ctx c = { .s = s };
    nx_record_filter f = { .kind = "capa" };
    int rc = nx_session_record_scan(s, &f, capa_add, &c, err, errlen);
    if (rc < 0 || c.failed) {
        nx_capa_views_free(c.v, c.n);
        return c.failed ? nx_err(err, errlen, "out of memory") : -1;
    }
    if (c.n)
        qsort(c.v, c.n, sizeof *c.v, capa_order);
    *out = c.v;
    *n = c.n;
    return 0;
}

int nx_session_capa_get(nx_session *s, const char *id, nx_capa_view *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    nx_record_row row;
    int found = nx_session_record_get(s, id, &row, err, errlen);
    if (found != 1)
        return found;
    int rc = strcmp(row.rec.kind, "capa") != 0 ? 0 : capa_fill(s, &row, out) == 0 ? 1 : -1;
    nx_record_row_clear(&row);
    if (rc < 0)
        nx_err(err, errlen, "out of memory");
    return rc;
}

static void put_text(char *dst, size_t len, const char *src)
{
    if (src)
        snprintf(dst, len, "%s", src);
}

int nx_session_capa_save(nx_session *s, const nx_capa_spec *spec, char id_out[40], char *err,
                         size_t errlen)
{
    nx_capa_body *b = calloc(1, sizeof *b);
    nx_record r = { 0 };
    char *json = NULL;
    int rc = -1;
    if (!b)
        return nx_err(err, errlen, "out of memory");
    if (spec->id[0]) {
        nx_capa_view cur;
        int found = nx_session_capa_get(s, spec->id, &cur, err, errlen);
        if (found <= 0) {
            if (found == 0)
                nx_err(err, errlen, "corrective action %s is not one you may see", spec->id);
            goto out;
        }
        r = cur.rec;                       /* takes its body */
        *b = cur.b;
        sodium_memzero(&cur.b, sizeof cur.b);
        if (spec->owner[0])
            snprintf(r.owner, sizeof r.owner, "%s", spec->owner);
        if (spec->due)
            r.due = spec->due;
        if (spec->status[0])
            snprintf(r.status, sizeof r.status, "%s", spec->status);
    } else {
        snprintf(r.kind, sizeof r.kind, "capa");
        snprintf(r.item_id, sizeof r.item_id, "%s", spec->item_id);
        snprintf(r.owner, sizeof r.owner, "%s", spec->owner);
        snprintf(r.status, sizeof r.status, "open");
        r.due = spec->due;
        snprintf(b->review, sizeof b->review, "%s", spec->review);
    }
    put_text(b->finding, sizeof b->finding, spec->finding);
    put_text(b->action, sizeof b->action, spec->action);
    put_text(b->resolution, sizeof b->resolution, spec->resolution);
    if ((spec->finding && strlen(spec->finding) > NX_CAPA_TEXT_MAX) ||
        (spec->action && strlen(spec->action) > NX_CAPA_TEXT_MAX) ||
        (spec->resolution && strlen(spec->resolution) > NX_CAPA_TEXT_MAX)) {
        nx_err(err, errlen, "a text of a corrective action is over %d bytes", NX_CAPA_TEXT_MAX);
        goto out;
    }
    if (nx_capa_body_json(b, &json) != 0 || nx_record_set_body(&r, json) != 0) {
        nx_err(err, errlen, "out of memory");
        goto out;
    }
    rc = nx_session_record_save(s, &r, err, errlen);
    if (rc == 0 && id_out)
        snprintf(id_out, 40, "%s", r.id);
out:
    if (json) {
        sodium_memzero(json, strlen(json));
        free(json);
    }
    sodium_memzero(b, sizeof *b);
    free(b);
    nx_record_clear(&r);
    return rc;
}

int nx_session_capa_due(const char *text, int64_t *due, char *err, size_t errlen)
{
    char tz[128];
    nx_session_local_zone(tz, sizeof tz);     /* session_oversight.h */
    return nx_capa_due_parse(tz, text, due, err, errlen);
}
