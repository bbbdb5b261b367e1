/* tui/history — the store's history rows through the policy. */
#include "tui/history.h"
#include "domain/policy.h"
#include "store/items_io.h"
#include "store/sync_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    tui_history *h;
    const nx_session *s;
    const nx_field_def *notes;
    int rejects;
} load_ctx;

static int add(void *vctx, int64_t at, const char *who, const char *what, const char *detail)
{
    load_ctx *c = vctx;
    tui_history *h = c->h;
    int is_note = strcmp(what, "note") == 0 || strcmp(what, "correction") == 0;
    char shown[NX_VALUE_MAX];
    snprintf(shown, sizeof shown, "%s", detail ? detail : "");
    if (is_note) {
        if (!c->notes)
            return 0;
        nx_level lv = nx_mask(c->s->policy, c->s->role, c->notes, detail ? detail : "",
                              NX_MASK_SHOW, shown, sizeof shown);
        if (lv == NX_LEVEL_HIDDEN)
            return 0;
    }
    if (h->n == h->cap) {
        int cap = h->cap ? h->cap * 2 : 16;
        tui_history_row *r = calloc((size_t)cap, sizeof *r);
        if (!r)
            return -1;
        if (h->rows) {
            memcpy(r, h->rows, (size_t)h->n * sizeof *r);
            explicit_bzero(h->rows, (size_t)h->cap * sizeof *r);
            free(h->rows);
        }
        h->rows = r;
        h->cap = cap;
    }
    tui_history_row *r = &h->rows[h->n++];
    r->at = at;
    snprintf(r->who, sizeof r->who, "%s", who ? who : "");
    snprintf(r->what, sizeof r->what, "%s", what ? what : "");
    snprintf(r->detail, sizeof r->detail, "%s", shown);
    explicit_bzero(shown, sizeof shown);
    return 0;
}

/* A change of ours the hub refused (core/sync): shown in the history at
 * the time the hub answered, with the field's label and the hub's reason
 * (which names fields and statuses, never a value). */
static int add_reject(void *vctx, const char *op_id, const char *kind, const char *field,
                      const char *reason, int64_t at)
{
    (void)op_id;
    load_ctx *c = vctx;
    const nx_field_def *f = field && field[0] ? nx_dict_find(c->s->dict, field) : NULL;
    char detail[NX_VALUE_MAX];
    if (f)
        snprintf(detail, sizeof detail, "your change to %s was not accepted: %s", f->label,
                 reason ? reason : "");
    else
        snprintf(detail, sizeof detail, "your %s was not accepted: %s",
                 strcmp(kind, "status") == 0 ? "status step" : kind, reason ? reason : "");
    c->rejects++;
    return add(vctx, at, "hub", "refused", detail);
}

static int by_time(const void *x, const void *y)
{
    const tui_history_row *a = x, *b = y;
    return (a->at > b->at) - (a->at < b->at);
}

int tui_history_load(nx_session *s, const char *item_id, tui_history *h)
{
    memset(h, 0, sizeof *h);
    load_ctx c = { h, s, nx_dict_find(s->dict, "notes"), 0 };
    if (c.notes && nx_policy_level(s->policy, s->role, c.notes) == NX_LEVEL_HIDDEN)
        c.notes = NULL;
    if (nx_store_item_history(s->profile->store, item_id, add, &c) != 0 ||
        nx_op_rejects(s->profile->store, item_id, add_reject, &c) < 0)
        return -1;
    /* Stable enough: equal times keep no particular order, which the
     * history does not promise either. */
    if (c.rejects && h->n > 1)
        qsort(h->rows, (size_t)h->n, sizeof *h->rows, by_time);
    h->rejects = c.rejects;
    return 0;
}

void tui_history_free(tui_history *h)
{
    if (h->rows) {
        explicit_bzero(h->rows, (size_t)h->cap * sizeof *h->rows);
        free(h->rows);
    }
    memset(h, 0, sizeof *h);
}
