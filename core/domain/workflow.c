/* The engine that reads the workflow tables (workflow_rules.c): which
 * steps exist, whether one may be taken now, and what is missing when it
 * may not. Nothing here knows a kind; the kinds are data. */
#include "domain/workflow.h"

#include <stdio.h>
#include <string.h>

#include "domain/deadlines.h"
#include "domain/workflow_kinds.h"
#include "util/util.h"

/* Longest chain of steps in any table, with room to spare: bounds the
 * search for the missing step. */
#define MAX_STATUSES 32

const char *nx_workflow_initial(nx_kind k)
{
    const nx_wf_machine *m = nx_workflow_machine(k);
    return m ? m->statuses[0] : "";
}

static int status_index(const nx_wf_machine *m, const char *status)
{
    if (!status)
        return -1;
    for (int i = 0; m->statuses[i]; i++)
        if (strcmp(m->statuses[i], status) == 0)
            return i;
    return -1;
}

int nx_workflow_is_status(nx_kind k, const char *status)
{
    const nx_wf_machine *m = nx_workflow_machine(k);
    return m && status_index(m, status) >= 0;
}

int nx_workflow_is_final(nx_kind k, const char *status)
{
    const nx_wf_machine *m = nx_workflow_machine(k);
    if (!m || status_index(m, status) < 0)
        return 0;
    for (size_t i = 0; i < m->nedges; i++)
        if (strcmp(m->edges[i].from, status) == 0)
            return 0;
    return 1;
}

static const nx_wf_edge *find_edge(const nx_wf_machine *m, const char *from, const char *to)
{
    for (size_t i = 0; i < m->nedges; i++)
        if (strcmp(m->edges[i].from, from) == 0 && strcmp(m->edges[i].to, to) == 0)
            return &m->edges[i];
    return NULL;
}

size_t nx_workflow_next(const nx_item *it, nx_wf_choice *out, size_t max)
{
    const nx_wf_machine *m = it ? nx_workflow_machine(it->kind) : NULL;
    if (!m)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < m->nedges; i++) {
        const nx_wf_edge *e = &m->edges[i];
        if (strcmp(e->from, it->status) != 0 || (m->pre && m->pre(it, e->to, NULL, 0) != 0))
            continue;
        if (n < max)
            out[n] = (nx_wf_choice){.to = e->to, .label = e->label};
        n++;
    }
    return n;
}

static const nx_field_def *field_def(const nx_item *it, const char *field)
{
    for (size_t i = 0; i < it->nvals; i++)
        if (strcmp(it->vals[i].def->id, field) == 0)
            return it->vals[i].def;
    return NULL;
}

/* "dme=yes": does the item hold that value in that field? */
static int when_holds(const nx_item *it, const char *when)
{
    const char *eq = strchr(when, '=');
    char field[64];
    size_t n = eq ? (size_t)(eq - when) : 0;
    if (!eq || n >= sizeof field)
        return 0;
    memcpy(field, when, n);
    field[n] = '\0';
    return strcmp(nx_item_get(it, field), eq + 1) == 0;
}

static int check_reqs(const nx_item *it, const nx_wf_edge *e, char *msg, size_t len)
{
    for (const nx_wf_req *r = e->reqs; r && r->field; r++) {
        if (r->when && !when_holds(it, r->when))
            continue;
        const char *v = nx_item_get(it, r->field);
        int ok = r->value ? strcmp(v, r->value) == 0 : *v != '\0';
        if (ok)
            continue;
        if (r->missing)
            return nx_err(msg, len, "cannot %s: %s", e->verb, r->missing);
        return nx_err(msg, len, "cannot %s: %s not %s", e->verb, nx_wf_label(it, r->field),
                      r->value && strcmp(r->value, "yes") == 0 ? "checked" : "recorded");
    }
    return 0;
}

/* The steps the dictionary itself says a field is needed at: a field
 * added there is enforced with no change to the tables. */
static int check_dict(const nx_item *it, const nx_wf_edge *e, char *msg, size_t len)
{
    for (size_t i = 0; i < it->nvals; i++) {
        const nx_field_def *f = it->vals[i].def;
        /* A step's stamp is filled by nx_workflow_apply, not typed. */
        if (e->stamp && strcmp(f->id, e->stamp) == 0)
            continue;
        if (nx_dict_required_at(f, it->kind, e->to) && !*nx_item_get(it, f->id))
            return nx_err(msg, len, "cannot %s: %s not recorded", e->verb,
                          f->label ? f->label : f->id);
    }
    return 0;
}

/* No edge from here to `to`: name the step that comes first on the
 * shortest way there (breadth-first over the table), or say there is no
 * way. */
static int no_edge(const nx_wf_machine *m, const char *from, const char *to,
                   char *msg, size_t len)
{
    const nx_wf_edge *into = NULL;
    for (size_t i = 0; i < m->nedges && !into; i++)
        if (strcmp(m->edges[i].to, to) == 0)
            into = &m->edges[i];
    const char *verb = into ? into->verb : "move there";
    if (nx_workflow_is_final(m->kind, from))
        return nx_err(msg, len, "cannot %s: the item is %s, no further steps", verb, from);

    const nx_wf_edge *first[MAX_STATUSES] = {0};   /* first step towards each status */
    int seen[MAX_STATUSES] = {0}, queue[MAX_STATUSES], head = 0, tail = 0;
    int start = status_index(m, from), goal = status_index(m, to);
    if (start < 0 || goal < 0 || start >= MAX_STATUSES || goal >= MAX_STATUSES)
        return nx_err(msg, len, "cannot %s from %s", verb, from);
    seen[start] = 1;
    queue[tail++] = start;
    while (head < tail && !seen[goal]) {
        int s = queue[head++];
        for (size_t i = 0; i < m->nedges; i++) {
            const nx_wf_edge *e = &m->edges[i];
            int t = status_index(m, e->to);
            if (strcmp(e->from, m->statuses[s]) != 0 || t < 0 || t >= MAX_STATUSES ||
                seen[t])
                continue;
            seen[t] = 1;
            first[t] = s == start ? e : first[s];
            queue[tail++] = t;
        }
    }
    if (!seen[goal])
        return nx_err(msg, len, "cannot %s: not a step from %s", verb, from);
    return nx_err(msg, len, "cannot %s from %s: %s first", verb, from, first[goal]->verb);
}

static const nx_wf_edge *check(const nx_item *it, const char *to, int64_t now, const char *tz,
                               char *msg, size_t len)
{
    const nx_wf_machine *m = it ? nx_workflow_machine(it->kind) : NULL;
    if (!m) {
        nx_err(msg, len, "not a work item of a known kind");
        return NULL;
    }
    const char *kind = m->name;
    if (status_index(m, it->status) < 0) {
        nx_err(msg, len, "the item's status is not one of a %s item", kind);
        return NULL;
    }
    if (status_index(m, to) < 0) {
        nx_err(msg, len, "\"%.32s\" is not a status of a %s item", to ? to : "", kind);
        return NULL;
    }
    if (strcmp(it->status, to) == 0) {
        nx_err(msg, len, "the item is already %s", to);
        return NULL;
    }
    /* A final item says so, whatever an override would add. */
    int final = nx_workflow_is_final(it->kind, it->status);
    if (!final && m->pre && m->pre(it, to, msg, len) != 0)
        return NULL;
    const nx_wf_edge *e = final ? NULL : find_edge(m, it->status, to);
    if (!e) {
        no_edge(m, it->status, to, msg, len);
        return NULL;
    }
    nx_wf_ctx c = {.now = now, .tz = tz, .verb = e->verb};
    if (check_reqs(it, e, msg, len) || (e->guard && e->guard(it, &c, msg, len)) ||
        check_dict(it, e, msg, len))
        return NULL;
    return e;
}

int nx_workflow_check(const nx_item *it, const char *to, int64_t now, const char *tz,
                      char *msg, size_t len)
{
    return check(it, to, now, tz, msg, len) ? 0 : -1;
}

int nx_workflow_apply(nx_item *it, const char *to, int64_t now, const char *tz,
                      char *msg, size_t len)
{
    const nx_wf_edge *e = check(it, to, now, tz, msg, len);
    if (!e)
        return -1;
    /* Everything that can fail comes before the first change. */
    if (e->stamp && field_def(it, e->stamp) && !*nx_item_get(it, e->stamp)) {
        char when[32], err[NX_MSG_MAX];
        if (nx_local_format(tz, now, when, sizeof when, err, sizeof err) != 0)
            return nx_err(msg, len, "cannot %s: %s", e->verb, err);
        if (nx_item_set(it, e->stamp, when) != 0)
            return nx_err(msg, len, "cannot %s: out of memory", e->verb);
    }
    snprintf(it->status, sizeof it->status, "%s", to);
    it->updated = now;
    if (nx_workflow_is_final(it->kind, to))
        it->closed = now;
    return 0;
}

const char *nx_workflow_forced(const nx_item *it)
{
    const nx_wf_machine *m = it ? nx_workflow_machine(it->kind) : NULL;
    if (!m || !m->pre || m->pre(it, it->status, NULL, 0) == 0)
        return NULL;
    /* The one step the override still allows from here. */
    for (size_t i = 0; i < m->nedges; i++)
        if (strcmp(m->edges[i].from, it->status) == 0 && m->pre(it, m->edges[i].to, NULL, 0) == 0)
            return m->edges[i].to;
    return NULL;
}

/* In a locked status only the fields that its outgoing steps need. */
static int needed_to_leave(const nx_wf_machine *m, const char *status, const char *field)
{
    for (size_t i = 0; i < m->nedges; i++) {
        if (strcmp(m->edges[i].from, status) != 0)
            continue;
        for (const nx_wf_req *r = m->edges[i].reqs; r && r->field; r++)
            if (strcmp(r->field, field) == 0)
                return 1;
    }
    return 0;
}

int nx_workflow_may_edit(const nx_item *it, const char *field_id, const char *value,
                         char *msg, size_t len)
{
    const nx_wf_machine *m = it ? nx_workflow_machine(it->kind) : NULL;
    if (!m)
        return nx_err(msg, len, "not a work item of a known kind");
    const nx_field_def *f = field_id ? field_def(it, field_id) : NULL;
    if (!f)
        return nx_err(msg, len, "no such field on a %s item", m->name);
    /* Notes are append-only and may record why a step could not be taken
     * (a caller who failed verification), at any status. */
    if (f->home == NX_AT_NOTES)
        return 0;
    if (nx_workflow_is_final(it->kind, it->status))
        return nx_err(msg, len, "the item is %s: no further changes", it->status);
    if (m->locked && strcmp(it->status, m->locked) == 0 &&
        !needed_to_leave(m, it->status, field_id))
        return nx_err(msg, len, "the item is %s: only the closing steps may be recorded",
                      it->status);
    return m->may_edit ? m->may_edit(it, field_id, value, msg, len) : 0;
}
