/* The form model: the item as this role's screen may draw it. Hidden
 * fields are left out entirely, so a screen never holds them. */
#include "session/session_int.h"
#include "domain/workflow.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int listed(const char *const *ids, const char *id)
{
    for (size_t i = 0; ids && ids[i]; i++)
        if (strcmp(ids[i], id) == 0)
            return 1;
    return 0;
}

/* Required before one of the statuses the item can move to next. */
static int required_next(const nx_item *it, const nx_field_def *f)
{
    nx_wf_choice next[16];
    size_t n = nx_workflow_next(it, next, sizeof next / sizeof next[0]);
    if (n > sizeof next / sizeof next[0])
        n = sizeof next / sizeof next[0];
    for (size_t i = 0; i < n; i++)
        if (nx_dict_required_at(f, it->kind, next[i].to))
            return 1;
    return 0;
}

int nx_session_form(const nx_session *s, const nx_item *it, const char *const *revealed,
                    nx_form *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (it->nvals == 0)
        return 0;
    out->fields = calloc(it->nvals, sizeof *out->fields);
    if (!out->fields)
        return nx_err(err, errlen, "out of memory");
    int may_edit = nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT);
    for (size_t i = 0; i < it->nvals; i++) {
        const nx_field_def *f = it->vals[i].def;
        nx_form_field *ff = &out->fields[out->n];
        nx_mask_target target = listed(revealed, f->id) ? NX_MASK_HOLD : NX_MASK_SHOW;
        nx_level lv = nx_mask(s->policy, s->role, f, it->vals[i].value, target, ff->shown,
                              sizeof ff->shown);
        if (lv == NX_LEVEL_HIDDEN) {
            sodium_memzero(ff, sizeof *ff);
            continue;
        }
        ff->def = f;
        ff->level = lv;
        ff->required = required_next(it, f);
        ff->editable = may_edit && lv == NX_LEVEL_FULL && f->home != NX_AT_NOTES;
        out->n++;
    }
    return 0;
}

void nx_form_free(nx_form *f)
{
    if (f->fields) {
        sodium_memzero(f->fields, f->n * sizeof *f->fields);
        free(f->fields);
    }
    f->fields = NULL;
    f->n = 0;
}
