/* screens/conflicts — a supervisor's conflict inbox: what the hub could
 * not merge by itself in the team's work (a status step made from a
 * status the item no longer had — an approval against a denial is never
 * merged by a clock — and field values that lost to a later edit). One
 * row a conflict: item, kind, field, the losing value as the role may see
 * it (masked like the form), the hub's words, when. `a` (or Enter)
 * applies, `d` discards, each after a y/n question; core's session writes
 * the resolve op under the supervisor's id, and the row shows "applied" /
 * "discarded" until the hub's answer removes it (a refusal opens it again,
 * with the reason on the item). Reached from the sync screen or its key
 * anywhere. Values are wiped on lock and close. */
#include "screens/screens.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nx_conflict_view *rows;
    size_t n;
    tui_array_src src;
    tui_table table;
    uint64_t rounds;            /* sync rounds seen: a new one reloads */
    int64_t cur_id;             /* kept across a lock and a reload */
    int64_t asked;              /* the conflict the open question is about */
    int asked_apply;
} conflicts_st;

enum { COL_WHEN, COL_ITEM, COL_KIND, COL_FIELD, COL_VALUE, COL_DETAIL, COL_STATE, NCOLS };

static const tui_column cols[NCOLS] = {
    [COL_WHEN] = { "When", 12, 0, 0 },
    [COL_ITEM] = { "Item", 14, 1, 0 },
    [COL_KIND] = { "Kind", 6, 0, 0 },
    [COL_FIELD] = { "Field", 10, 1, 0 },
    [COL_VALUE] = { "Value", 10, 2, 0 },
    [COL_DETAIL] = { "Detail", 6, 4, 0 },
    [COL_STATE] = { "State", 9, 0, 0 },
};

static tui_elem c_cell(void *c, const void *row, int col, char *buf, size_t len)
{
    (void)c;
    const nx_conflict_view *r = row;
    int open = strcmp(r->state, "open") == 0;
    switch (col) {
    case COL_WHEN:
        nx_scr_format_due(r->at, buf, len);
        return TUI_EL_NORMAL;
    case COL_ITEM:
        snprintf(buf, len, "%s", r->item_id);
        return TUI_EL_NORMAL;
    case COL_KIND:
        snprintf(buf, len, "%s", r->kind);
        return strcmp(r->kind, "status") == 0 ? TUI_EL_AT_RISK : TUI_EL_NORMAL;
    case COL_FIELD:
        snprintf(buf, len, "%s", r->label);
        return TUI_EL_NORMAL;
    case COL_VALUE:
        snprintf(buf, len, "%s", r->shown[0] ? r->shown : "-");
        return strstr(r->shown, NX_MASK_BULLET) ? TUI_EL_MASKED : TUI_EL_NORMAL;
    case COL_DETAIL:
        snprintf(buf, len, "%s", r->detail);
        return TUI_EL_NORMAL;
    default:
        snprintf(buf, len, "%s", open ? "open" : r->state);
        return open ? TUI_EL_AT_RISK : TUI_EL_HINT;
    }
}

static const tui_rowsrc conflicts_src = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = c_cell,
};

static void drop_rows(conflicts_st *st)
{
    nx_conflict_views_free(st->rows, st->n);
    st->rows = NULL;
    st->n = 0;
    st->src.rows = NULL;
    st->src.n = 0;
}

static int64_t current_id(conflicts_st *st)
{
    const nx_conflict_view *r = st->rows ? tui_table_current(&st->table) : NULL;
    return r ? r->id : 0;
}

/* Reads the inbox again; the cursor back on conflict `id` if it is there. */
static int load(conflicts_st *st, tui_app *a, int64_t id, char *err, size_t errlen)
{
    drop_rows(st);
    if (nx_session_conflicts(&a->session, &st->rows, &st->n, err, errlen) != 0)
        return -1;
    st->rounds = a->sync.rounds;
    st->src.rows = st->rows;
    st->src.size = sizeof st->rows[0];
    st->src.n = (int)st->n;
    tui_table_reload(&st->table);
    for (size_t i = 0; id && i < st->n; i++)
        if (st->rows[i].id == id) {
            for (size_t k = 0; k < i && current_id(st) != id; k++)
                tui_table_move(&st->table, REQ_MOVE_DOWN);
            break;
        }
    return 0;
}

static int body_rows(const tui_app *a)
{
    int h = a->lay.body.h - 2;
    return h > 1 ? h : 1;
}

static int conflicts_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    if (a->session.role != NX_ROLE_SUPERVISOR) {
        snprintf(err, errlen, "The conflict inbox is a supervisor's: the hub sends it to them.");
        return -1;
    }
    conflicts_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    tui_table_init(&st->table, cols, NCOLS, &conflicts_src, &st->src);
    tui_table_resize(&st->table, body_rows(a), a->lay.cols);
    if (load(st, a, 0, err, errlen) != 0) {
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void conflicts_close(tui_screen *s, tui_app *a)
{
    (void)a;
    conflicts_st *st = s->st;
    if (!st)
        return;
    drop_rows(st);
    free(st);
    s->st = NULL;
}

/* Lock: the values go; the cursor's conflict id stays. */
static void conflicts_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    conflicts_st *st = s->st;
    st->cur_id = current_id(st);
    drop_rows(st);
    tui_table_reload(&st->table);
}

static int conflicts_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    conflicts_st *st = s->st;
    int64_t id = st->cur_id;
    st->cur_id = 0;
    return load(st, a, id, err, errlen);
}

static void conflicts_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    conflicts_st *st = s->st;
    int rows, ncols;
    getmaxyx(w, rows, ncols);
    if (tui_table_resize(&st->table, rows - 2 > 1 ? rows - 2 : 1, ncols) != 0)
        return;
    tui_table_draw(&st->table, w, 0, 0, rows - 1, &a->theme);
    if (st->n == 0) {
        tui_put(a, w, 2, 2, ncols - 4, TUI_EL_HINT,
                "No conflict waiting. The hub sends your team's here when it syncs.");
        return;
    }
    const nx_conflict_view *r = tui_table_current(&st->table);
    if (r && rows > 3) {
        char line[800];
        if (strcmp(r->state, "open") != 0)
            snprintf(line, sizeof line, "Conflict %lld: %s here, waiting for the hub.",
                     (long long)r->id, r->state);
        else
            snprintf(line, sizeof line, "Conflict %lld on item %s: %s.", (long long)r->id,
                     r->item_id, r->detail[0] ? r->detail : r->kind);
        tui_put(a, w, rows - 1, 1, ncols - 2, TUI_EL_HINT, line);
    }
}

/* ---- resolving ---------------------------------------------------------------- */

static void resolve_done(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    conflicts_st *st = ctx;
    if (!ok) {
        tui_msg(a, TUI_EL_HINT, "Nothing changed.");
        return;
    }
    char err[512] = "";
    int64_t id = st->asked;
    if (nx_session_resolve(&a->session, id, st->asked_apply, err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
    } else {
        tui_msg(a, TUI_EL_INFO, "Conflict %lld %s; the hub confirms it on the next sync.",
                (long long)id, st->asked_apply ? "applied" : "discarded");
    }
    char lerr[256];
    if (load(st, a, id, lerr, sizeof lerr) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", lerr);
}

static void ask(conflicts_st *st, tui_app *a, int apply)
{
    const nx_conflict_view *r = tui_table_current(&st->table);
    if (!r)
        return;
    if (strcmp(r->state, "open") != 0) {
        tui_msg(a, TUI_EL_HINT, "Conflict %lld is already %s: waiting for the hub.",
                (long long)r->id, r->state);
        return;
    }
    st->asked = r->id;
    st->asked_apply = apply;
    char title[96], body[512];
    int status = strcmp(r->kind, "status") == 0;
    snprintf(title, sizeof title, "%s conflict %lld?", apply ? "Apply" : "Discard",
             (long long)r->id);
    if (apply && status)
        snprintf(body, sizeof body,
                 "Item %s: take the step to %.32s now, from the status it has on the hub.\n"
                 "The hub checks the step again. Recorded under your name.\n\ny applies, n "
                 "keeps it open.", r->item_id, r->shown);
    else if (apply)
        snprintf(body, sizeof body,
                 "Item %s: %s gets the value that lost.\n"
                 "The hub checks it again. Recorded under your name.\n\ny applies, n keeps "
                 "it open.", r->item_id, r->label);
    else
        snprintf(body, sizeof body,
                 "Item %s: the hub's %s stays; this %s is dropped.\n"
                 "Recorded under your name.\n\ny discards, n keeps it open.", r->item_id,
                 status ? "status" : "value", status ? "step" : "value");
    tui_confirm(a, title, body, resolve_done, st);
}

static int conflicts_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    conflicts_st *st = s->st;
    if (tui_table_move(&st->table, req))
        return TUI_REDRAW;
    switch (req) {
    case REQ_APPLY_CONFLICT:
        ask(st, a, 1);
        return TUI_REDRAW;
    case REQ_DISCARD_CONFLICT:
        ask(st, a, 0);
        return TUI_REDRAW;
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

/* A sync round brings the hub's answers: read the inbox again. */
static void conflicts_tick(tui_screen *s, tui_app *a)
{
    conflicts_st *st = s->st;
    if (!st || st->rounds == a->sync.rounds || a->dlg.kind != TUI_DLG_NONE)
        return;
    char err[256];
    if (load(st, a, current_id(st), err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
}

static void conflicts_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    conflicts_st *st = s->st;
    size_t open = 0;
    for (size_t i = 0; i < st->n; i++)
        open += strcmp(st->rows[i].state, "open") == 0;
    snprintf(l, ll, "Conflict inbox");
    int64_t pos = tui_table_position(&st->table);
    if (pos > 0)
        snprintf(r, rl, "%lld of %zu \xc2\xb7 %zu open", (long long)pos, st->n, open);
    else
        snprintf(r, rl, "%zu open", open);
}

static const tui_hint conflicts_hints[] = {
    { REQ_APPLY_CONFLICT, "apply" }, { REQ_DISCARD_CONFLICT, "discard" },
    { REQ_MOVE_DOWN, "down" }, { REQ_HELP, "help" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_conflicts = {
    .name = "conflicts",
    .ctx = TUI_CTX_CONFLICTS,
    .open = conflicts_open,
    .close = conflicts_close,
    .suspend = conflicts_suspend,
    .resume = conflicts_resume,
    .draw = conflicts_draw,
    .handle = conflicts_handle,
    .tick = conflicts_tick,
    .title = conflicts_title,
    .hints = conflicts_hints,
};
