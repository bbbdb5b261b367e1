/* Re-routing a whole agent's queue (session_reroute.h): the open items of
 * one agent listed through core/store's queue pages (the store's own
 * scope and assignee filters, due order), then each written by the
 * per-item re-routing's own code (sess_assign_write) inside one
 * transaction, so a queue moves whole or not at all and every item
 * carries the same op and audit event as a single re-routing. */
#include "session/session_reroute.h"
#include "session/session_int.h"
#include "domain/workflow.h"
#include "store/queue_store.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the list of targets ------------------------------------------------------------ */

static int check_targets(const char *from, const char *const *targets, size_t nt, char *err,
                         size_t errlen)
{
    if (!targets || nt == 0)
        return nx_err(err, errlen, "no user to re-route to");
    if (nt > NX_REROUTE_TARGETS_MAX)
        return nx_err(err, errlen, "at most %d users to re-route to", NX_REROUTE_TARGETS_MAX);
    for (size_t i = 0; i < nt; i++) {
        if (!targets[i] || !sess_user_id_ok(targets[i]))
            return nx_err(err, errlen, "an assignee is a user id (letters, digits, . _ : -)");
        if (strcmp(targets[i], from) == 0)
            return nx_err(err, errlen, "%s's items cannot be re-routed to %s", from, from);
        for (size_t j = 0; j < i; j++)
            if (strcmp(targets[i], targets[j]) == 0)
                return nx_err(err, errlen, "%s is named twice", targets[i]);
    }
    return 0;
}

int nx_reroute_parse_targets(const char *text, const char *from, char (*out)[NX_NAME_MAX],
                             size_t max, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    const char *p = text ? text : "";
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", \t");
        if (*n == max)
            return nx_err(err, errlen, "at most %zu users to re-route to", max);
        if (len >= NX_NAME_MAX)
            return nx_err(err, errlen, "user %zu of the list is not a user id (too long)",
                          *n + 1);
        memcpy(out[*n], p, len);
        out[*n][len] = '\0';
        if (!sess_user_id_ok(out[*n]))
            return nx_err(err, errlen, "user %zu of the list is not a user id (letters, digits, "
                          ". _ : -)", *n + 1);
        (*n)++;
        p += len;
    }
    const char *ptr[NX_REROUTE_TARGETS_MAX];
    size_t np = *n < NX_REROUTE_TARGETS_MAX ? *n : NX_REROUTE_TARGETS_MAX;
    for (size_t i = 0; i < np; i++)
        ptr[i] = out[i];
    if (*n > NX_REROUTE_TARGETS_MAX)
        return nx_err(err, errlen, "at most %d users to re-route to", NX_REROUTE_TARGETS_MAX);
    return check_targets(from ? from : "", ptr, np, err, errlen);
}

void nx_reroute_summary(const nx_reroute_result *r, char *buf, size_t len)
{
    if (!len)
        return;
    int k = snprintf(buf, len, "moved %d item%s", r->moved, r->moved == 1 ? "" : "s");
    if (k < 0 || (size_t)k >= len)
        return;
    size_t at = (size_t)k;
    const char *sep = ": ";
    for (size_t i = 0; i < r->ntargets; i++) {
        k = snprintf(buf + at, len - at, "%s%d to %s", sep, r->to[i].n, r->to[i].user);
        if (k < 0 || (size_t)k >= len - at)
            return;
        at += (size_t)k;
        sep = ", ";
    }
}

/* ---- the items to move ----------------------------------------------------------------- */

typedef struct {
    char id[NX_ID_MAX];
    int64_t due_key;             /* due, or INT64_MAX when none (the store's key) */
} cand;

typedef struct {
    nx_kind kind;
    cand *v;
    size_t n, cap;
    nx_qs_key last;              /* the anchor of the next page */
    int rows, oom, too_long;
} cands;

#define PAGE 256

static int add_cand(void *arg, const nx_qs_row *r)
{
    cands *c = arg;
    c->rows++;
    c->last = r->key;
    if (nx_workflow_is_final(c->kind, r->status))
        return 0;
    if (strlen(r->id) >= NX_ID_MAX) {
        c->too_long = 1;
        return 1;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        cand *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv) {
            c->oom = 1;
            return 1;
        }
        c->v = nv;
        c->cap = cap;
    }
    cand *x = &c->v[c->n++];
    snprintf(x->id, sizeof x->id, "%s", r->id);
    x->due_key = r->key.due_key;
    return 0;
}

/* Appends the open items of `from` of kind k in the session's scope. */
static int collect_kind(nx_session *s, nx_kind k, const char *from, cands *c, char *err,
                        size_t errlen)
{
    nx_scope scope = nx_policy_scope(s->policy, s->role);
    if (scope == NX_SCOPE_NONE)
        return nx_err(err, errlen, "your role (%s) sees no items", nx_role_name(s->role));
    nx_qs_spec sp = {
        .kind = nx_kind_name(k),
        .sort = NX_QS_DUE,
        .scope_assignee = scope == NX_SCOPE_OWN ? s->user : NULL,
        .scope_team = scope == NX_SCOPE_TEAM ? s->team : NULL,
        .assignee = from,
    };
    nx_qs *q = NULL;
    if (nx_qs_open(s->profile->store, &sp, nx_session_now(s), &q, err, errlen) != 0)
        return -1;
    c->kind = k;
    int rc = 0, first = 1;
    for (;;) {
        c->rows = 0;
        int n = nx_qs_page(q, 0, first ? NULL : &c->last, 0, PAGE, nx_session_now(s), add_cand, c);
        first = 0;
        if (n < 0) {
            rc = c->oom ? nx_err(err, errlen, "out of memory")
               : c->too_long ? nx_err(err, errlen, "an item id of the queue is too long")
               : nx_err(err, errlen, "cannot read the %s queue", nx_kind_name(k));
            break;
        }
        if (c->rows < PAGE)
            break;
    }
    sodium_memzero(&c->last, sizeof c->last);
    nx_qs_close(q);
    return rc;
}

static int by_due(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->due_key != y->due_key)
        return x->due_key < y->due_key ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int collect(nx_session *s, nx_kind kind, const char *from, cands *c, char *err,
                   size_t errlen)
{
    memset(c, 0, sizeof *c);
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        if (kind != NX_KIND_COUNT && (nx_kind)k != kind)
            continue;
        if (collect_kind(s, (nx_kind)k, from, c, err, errlen) != 0) {
            free(c->v);
            c->v = NULL;
            return -1;
        }
    }
    if (c->n > 1)
        qsort(c->v, c->n, sizeof *c->v, by_due);
    return 0;
}

static const char *what(nx_kind kind)
{
    return kind == NX_KIND_COUNT ? "" : nx_kind_name(kind);
}

static int check_from(nx_kind kind, const char *from, char *err, size_t errlen)
{
    if ((int)kind < 0 || kind > NX_KIND_COUNT)
        return nx_err(err, errlen, "unknown queue");
    if (!from || !sess_user_id_ok(from))
        return nx_err(err, errlen, "whose items? a user id (letters, digits, . _ : -)");
    return 0;
}

/* ---- counting and moving ---------------------------------------------------------------- */

int nx_session_reroute_count(nx_session *s, nx_kind kind, const char *from, char *err,
                             size_t errlen)
{
    if (!sess_may_assign(s))
        return nx_err(err, errlen, "your role (%s) may not re-route items",
                      nx_role_name(s->role));
    if (check_from(kind, from, err, errlen) != 0)
        return -1;
    cands c;
    if (nx_qs_read_begin(s->profile->store) != 0)
        return nx_err(err, errlen, "cannot read the cache: %s",
                      nx_store_errmsg(s->profile->store));
    int rc = collect(s, kind, from, &c, err, errlen);
    nx_qs_read_end(s->profile->store);
    if (rc != 0)
        return -1;
    free(c.v);
    return c.n > (size_t)INT32_MAX ? INT32_MAX : (int)c.n;
}

/* Inside the transaction: item i of c to its target. The last item's
 * event is the commit's, so it stays loaded (*keep) until then. */
static int move_one(nx_session *s, const cand *x, const char *from, const char *to, int last,
                    nx_item *keep, char *err, size_t errlen)
{
    nx_item it;
    int found = sess_load(s, x->id, &it, err, errlen);
    if (found < 0)
        return -1;
    if (!found)
        return nx_err(err, errlen, "item %s: not in the cache", x->id);
    int rc = 0;
    if (!sess_in_scope(s, &it))
        rc = nx_err(err, errlen, "item %s: not an item of your team", x->id);
    else if (strcmp(it.assignee, from) != 0)
        rc = nx_err(err, errlen, "item %s: no longer assigned to %s", x->id, from);
    else
        rc = sess_assign_write(s, &it, to, !last, err, errlen);
    if (rc == 0 && last) {
        *keep = it;
        return 0;
    }
    nx_item_free(&it);
    return rc;
}

int nx_session_reroute_agent(nx_session *s, nx_kind kind, const char *from,
                             const char *const *targets, size_t ntargets, nx_reroute_result *out,
                             char *err, size_t errlen)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!sess_may_assign(s)) {
        sess_refused(s, NX_AUDIT_ASSIGN, NULL, "assignee");
        return nx_err(err, errlen, "your role (%s) may not re-route items",
                      nx_role_name(s->role));
    }
    if (check_from(kind, from, err, errlen) != 0 ||
        check_targets(from, targets, ntargets, err, errlen) != 0)
        return -1;
    /* The list is read inside the write transaction, so what is moved is
     * exactly what was open when it started. */
    if (sess_begin(s, err, errlen) != 0)
        return -1;
    cands c;
    if (collect(s, kind, from, &c, err, errlen) != 0) {
        sess_rollback(s);
        return -1;
    }
    if (c.n == 0) {
        sess_rollback(s);
        return nx_err(err, errlen, "nothing to move: %s has no open %s%sitem in your scope",
                      from, what(kind), kind == NX_KIND_COUNT ? "" : " ");
    }
    nx_reroute_result r;
    memset(&r, 0, sizeof r);
    r.ntargets = ntargets;
    for (size_t t = 0; t < ntargets; t++)
        snprintf(r.to[t].user, sizeof r.to[t].user, "%s", targets[t]);
    nx_item last;
    int rc = 0;
    for (size_t i = 0; i < c.n && rc == 0; i++) {
        size_t t = i % ntargets;
        rc = move_one(s, &c.v[i], from, targets[t], i + 1 == c.n, &last, err, errlen);
        if (rc == 0)
            r.to[t].n++;
    }
    if (rc != 0) {
        sess_rollback(s);
        free(c.v);
        return -1;
    }
    nx_audit_event e = sess_assign_event(&last);
    rc = sess_commit(s, &e, err, errlen);   /* rolls back on failure */
    nx_item_free(&last);
    r.moved = (int)c.n;
    free(c.v);
    if (rc != 0)
        return -1;
    if (out)
        *out = r;
    return 0;
}
