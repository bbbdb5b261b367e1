/* The two things a supervisor writes (issue 5, seed 000 §12): re-routing
 * an item to another agent, and resolving the conflict inbox. Nothing else
 * of an agent's work: each is one transaction holding the change, its
 * sync op (assign, resolve: op.h) and its audit event, under the
 * supervisor's own id, and the hub checks both again. The write of one
 * re-routing (sess_assign_write) is shared with the re-routing of a whole
 * agent's queue (session_reroute.c). */
#include "session/session_int.h"
#include "store/conflict_store.h"
#include "store/sync_store.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_supervisor(const nx_session *s)
{
    return s->role == NX_ROLE_SUPERVISOR;
}

int sess_may_assign(const nx_session *s)
{
    return is_supervisor(s) && nx_policy_allows(s->policy, s->role, NX_ACTION_ASSIGN);
}

/* A user id as the hub names users: letters, digits, . _ : - (1..63). */
int sess_user_id_ok(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n >= NX_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---- re-routing ----------------------------------------------------------------- */

int sess_assign_write(nx_session *s, nx_item *it, const char *to, int with_event, char *err,
                      size_t errlen)
{
    char was[NX_NAME_MAX];
    snprintf(was, sizeof was, "%s", it->assignee);
    int64_t was_updated = it->updated;
    snprintf(it->assignee, sizeof it->assignee, "%s", to);
    it->updated = nx_session_now(s);
    const char *parts[] = { to };
    int rc;
    if (sess_store_item(s, it, 0) != 0)
        rc = nx_err(err, errlen, "item %s: cannot save the assignment", it->id);
    else
        rc = sess_op(s, NX_OP_ASSIGN, it->id, NULL, parts, 1, NULL, NULL, err, errlen);
    if (rc == 0 && with_event) {
        nx_audit_event e = sess_assign_event(it);
        rc = sess_event(s, &e, err, errlen);
    }
    if (rc != 0) {
        snprintf(it->assignee, sizeof it->assignee, "%s", was);
        it->updated = was_updated;
    }
    return rc;
}

nx_audit_event sess_assign_event(const nx_item *it)
{
    nx_audit_event e = { .action = NX_AUDIT_ASSIGN, .item_id = it->id, .field = "assignee" };
    return e;
}

int nx_session_assign(nx_session *s, nx_item *it, const char *new_assignee, char *err,
                      size_t errlen)
{
    const char *to = new_assignee ? new_assignee : "";
    if (!sess_may_assign(s)) {
        sess_refused(s, NX_AUDIT_ASSIGN, it->id, "assignee");
        return nx_err(err, errlen, "your role (%s) may not re-route items",
                      nx_role_name(s->role));
    }
    if (!sess_in_scope(s, it)) {
        sess_refused(s, NX_AUDIT_ASSIGN, it->id, "assignee");
        return nx_err(err, errlen, "item %s: not an item of your team", it->id);
    }
    if (to[0] && !sess_user_id_ok(to))
        return nx_err(err, errlen, "an assignee is a user id (letters, digits, . _ : -)");
    if (strcmp(to, it->assignee) == 0)
        return nx_err(err, errlen, "item %s is already assigned to %s", it->id,
                      to[0] ? to : "nobody");
    if (sess_begin(s, err, errlen) != 0)
        return -1;
    char was[NX_NAME_MAX];
    snprintf(was, sizeof was, "%s", it->assignee);
    int64_t was_updated = it->updated;
    if (sess_assign_write(s, it, to, 0, err, errlen) != 0) {
        sess_rollback(s);
        return -1;
    }
    nx_audit_event e = sess_assign_event(it);
    if (sess_commit(s, &e, err, errlen) != 0) {
        snprintf(it->assignee, sizeof it->assignee, "%s", was);
        it->updated = was_updated;
        return -1;
    }
    return 0;
}

/* ---- the conflict inbox ---------------------------------------------------------- */

typedef struct {
    nx_session *s;
    nx_conflict_view *v;
    size_t n, cap;
    int oom;
} views_ctx;

static void view_of(nx_session *s, const nx_conflict_rec *c, nx_conflict_view *v)
{
    memset(v, 0, sizeof *v);
    v->id = c->id;
    snprintf(v->item_id, sizeof v->item_id, "%s", c->item_id);
    snprintf(v->kind, sizeof v->kind, "%s", c->kind);
    snprintf(v->field, sizeof v->field, "%s", c->field);
    snprintf(v->detail, sizeof v->detail, "%s", c->detail);
    snprintf(v->state, sizeof v->state, "%s", c->state);
    v->at = c->at;
    if (strcmp(c->kind, "status") == 0 || strcmp(c->field, "status") == 0) {
        snprintf(v->label, sizeof v->label, "Status");
        snprintf(v->shown, sizeof v->shown, "%s", c->value);   /* a status: no PHI */
        return;
    }
    if (strcmp(c->field, "assignee") == 0) {
        snprintf(v->label, sizeof v->label, "Assignee");
        snprintf(v->shown, sizeof v->shown, "%s", c->value);   /* a user id */
        return;
    }
    const nx_field_def *f = nx_dict_find(s->dict, c->field);
    snprintf(v->label, sizeof v->label, "%s", f && f->label ? f->label : c->field);
    /* As the form would show it: reveal and partial masked. A field this
     * dictionary does not know is shown as nothing (fail closed). */
    if (f)
        nx_mask(s->policy, s->role, f, c->value, NX_MASK_SHOW, v->shown, sizeof v->shown);
}

static int add_view(void *arg, const nx_conflict_rec *c)
{
    views_ctx *x = arg;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        nx_conflict_view *nv = calloc(cap, sizeof *nv);
        if (!nv) {
            x->oom = 1;
            return 1;
        }
        if (x->n)
            memcpy(nv, x->v, x->n * sizeof *nv);
        nx_conflict_views_free(x->v, x->n);
        x->v = nv;
        x->cap = cap;
    }
    view_of(x->s, c, &x->v[x->n++]);
    return 0;
}

int nx_session_conflicts(nx_session *s, nx_conflict_view **out, size_t *n, char *err,
                         size_t errlen)
{
    *out = NULL;
    *n = 0;
    views_ctx x = { .s = s };
    int rc = nx_conflict_scan(s->profile->store, add_view, &x);
    if (rc != 0) {
        nx_conflict_views_free(x.v, x.n);
        return x.oom ? nx_err(err, errlen, "out of memory")
                     : nx_err(err, errlen, "cannot read the conflict inbox");
    }
    *out = x.v;
    *n = x.n;
    return 0;
}

void nx_conflict_views_free(nx_conflict_view *v, size_t n)
{
    if (!v)
        return;
    sodium_memzero(v, n * sizeof *v);
    free(v);
}

/* The audit action closest to what a resolution decides. */
static nx_audit_action resolve_action(const nx_conflict_rec *c)
{
    if (strcmp(c->kind, "status") == 0)
        return NX_AUDIT_STATUS;
    if (strcmp(c->field, "assignee") == 0)
        return NX_AUDIT_ASSIGN;
    return NX_AUDIT_UPDATE;
}

static int resolve(nx_session *s, const nx_conflict_rec *c, int apply, char *err, size_t errlen)
{
    nx_audit_action act = resolve_action(c);
    const char *field = c->field[0] ? c->field : NULL;
    if (!is_supervisor(s)) {
        sess_refused(s, act, c->item_id, field);
        return nx_err(err, errlen, "your role (%s) may not resolve conflicts: a supervisor "
                      "does", nx_role_name(s->role));
    }
    if (strcmp(c->state, "open") != 0)
        return nx_err(err, errlen, "conflict %lld is already %s, waiting for the hub",
                      (long long)c->id, c->state);
    nx_item it;
    int found = sess_load(s, c->item_id, &it, err, errlen);
    if (found < 0)
        return -1;
    int scope = found && sess_in_scope(s, &it);
    if (found)
        nx_item_free(&it);
    if (!scope) {
        sess_refused(s, act, c->item_id, field);
        return nx_err(err, errlen, "item %s: not an item of your team in this cache",
                      c->item_id);
    }
    char id[24], op_id[40] = "", reason[64];
    snprintf(id, sizeof id, "%lld", (long long)c->id);
    snprintf(reason, sizeof reason, "conflict %lld %s", (long long)c->id,
             apply ? "apply" : "discard");
    const char *parts[] = { apply ? "apply" : "discard" };
    if (sess_begin(s, err, errlen) != 0)
        return -1;
    int rc = sess_op(s, NX_OP_RESOLVE, c->item_id, id, parts, 1, NULL, op_id, err, errlen);
    if (rc == 0) {
        int m = nx_conflict_mark(s->profile->store, c->id, apply ? "applied" : "discarded", op_id);
        if (m != 1)
            rc = nx_err(err, errlen, m == 0 ? "conflict %lld is no longer open"
                                            : "conflict %lld: cannot mark it resolved",
                        (long long)c->id);
    }
    if (rc != 0) {
        sess_rollback(s);
        return -1;
    }
    nx_audit_event e = { .action = act, .item_id = c->item_id, .field = field,
                         .reason = reason };
    return sess_commit(s, &e, err, errlen);
}

int nx_session_resolve(nx_session *s, int64_t conflict_id, int apply, char *err, size_t errlen)
{
    nx_conflict_rec c;
    int found = nx_conflict_get(s->profile->store, conflict_id, &c);
    int rc;
    if (found < 0)
        rc = nx_err(err, errlen, "cannot read the conflict inbox");
    else if (!found)
        rc = nx_err(err, errlen, "conflict %lld is not in the inbox", (long long)conflict_id);
    else
        rc = resolve(s, &c, apply, err, errlen);
    nx_conflict_rec_wipe(&c);
    return rc;
}
