/* screens/qa — a supervisor's QA queue (`Q`): the team's finished work the
 * hub sampled (seed 000 §7: scheduling 2% weekly, eligibility 10 per team
 * weekly, prior auth 5% of submissions weekly, ROI 10 cases monthly),
 * oldest completion first, never the supervisor's own work. One row a
 * sample: when it was completed, the kind, the item, whose work, the rule
 * and period. Enter shadows the item read-only (screens/qa_review.c), `s`
 * opens its scorecard straight away, `c` the team's corrective actions
 * (screens/capa.c). The queue is read again after each sync round, so
 * samples appear as the team's work arrives, without a restart. Only ids,
 * user names and times are shown here: no patient data. */
#include "screens/screens.h"
#include "session/session_qa.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nx_qa_row *rows;
    size_t n;
    tui_array_src src;
    tui_table table;
    uint64_t rounds;            /* sync rounds seen: a new one reloads */
    int stale;                  /* back from a review: read again */
    char cur[40];               /* the cursor's sample, kept across a reload */
} qa_st;

enum { COL_DONE, COL_KIND, COL_ITEM, COL_AGENT, COL_RULE, NCOLS };

static const tui_column cols[NCOLS] = {
    [COL_DONE] = { "Completed", 12, 0, 0 },
    [COL_KIND] = { "Kind", 11, 0, 0 },
    [COL_ITEM] = { "Item", 14, 2, 0 },
    [COL_AGENT] = { "Agent", 10, 1, 0 },
    [COL_RULE] = { "Sample", 16, 1, 0 },
};

static tui_elem q_cell(void *c, const void *row, int col, char *buf, size_t len)
{
    (void)c;
    const nx_qa_row *r = row;
    switch (col) {
    case COL_DONE:
        nx_scr_format_due(r->completed_at, buf, len);
        return TUI_EL_NORMAL;
    case COL_KIND:
        snprintf(buf, len, "%s", nx_kind_name(r->kind));
        return TUI_EL_NORMAL;
    case COL_ITEM:
        snprintf(buf, len, "%s%s", r->item_id, r->held ? "" : " (archived)");
        return r->held ? TUI_EL_NORMAL : TUI_EL_HINT;
    case COL_AGENT:
        snprintf(buf, len, "%s", r->agent);
        return TUI_EL_NORMAL;
    default:
        snprintf(buf, len, "%s %s", r->rule, r->period);
        return TUI_EL_NORMAL;
    }
}

static const tui_rowsrc qa_src = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = q_cell,
};

static const nx_qa_row *current(qa_st *st)
{
    return st->rows ? tui_table_current(&st->table) : NULL;
}

static void drop_rows(qa_st *st)
{
    free(st->rows);
    st->rows = NULL;
    st->n = 0;
    st->src.rows = NULL;
    st->src.n = 0;
}

/* Reads the queue again; the cursor back on sample `id` if it is there. */
static int load(qa_st *st, tui_app *a, const char *id, char *err, size_t errlen)
{
    char keep[40];
    snprintf(keep, sizeof keep, "%s", id ? id : "");
    drop_rows(st);
    if (nx_session_qa_queue(&a->session, &st->rows, &st->n, err, errlen) != 0)
        return -1;
    st->rounds = a->sync.rounds;
    st->stale = 0;
    st->src.rows = st->rows;
    st->src.size = sizeof st->rows[0];
    st->src.n = (int)st->n;
    tui_table_reload(&st->table);
    for (size_t i = 0; keep[0] && i < st->n; i++)
        if (strcmp(st->rows[i].sample_id, keep) == 0) {
            for (size_t k = 0; k < i; k++)
                tui_table_move(&st->table, REQ_MOVE_DOWN);
            break;
        }
    return 0;
}

static int qa_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    if (a->session.role != NX_ROLE_SUPERVISOR) {
        snprintf(err, errlen, "QA review is a supervisor's: the hub samples their team's "
                 "finished work for them.");
        return -1;
    }
    qa_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    tui_table_init(&st->table, cols, NCOLS, &qa_src, &st->src);
    tui_table_resize(&st->table, a->lay.body.h - 3 > 1 ? a->lay.body.h - 3 : 1, a->lay.cols);
    if (load(st, a, NULL, err, errlen) != 0) {
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void qa_close(tui_screen *s, tui_app *a)
{
    (void)a;
    qa_st *st = s->st;
    if (!st)
        return;
    drop_rows(st);
    free(st);
    s->st = NULL;
}

static void remember(qa_st *st)
{
    const nx_qa_row *r = current(st);
    snprintf(st->cur, sizeof st->cur, "%s", r ? r->sample_id : "");
}

static void qa_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    qa_st *st = s->st;
    remember(st);
    drop_rows(st);
    tui_table_reload(&st->table);
}

static int qa_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    qa_st *st = s->st;
    return load(st, a, st->cur, err, errlen);
}

static void qa_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    qa_st *st = s->st;
    int rows, ncols;
    getmaxyx(w, rows, ncols);
    char line[256], k1[32], k2[32], k3[32];
    tui_key_hint(a, REQ_OPEN, k1, sizeof k1);
    tui_key_hint(a, REQ_QA_SCORE, k2, sizeof k2);
    tui_key_hint(a, REQ_VIEW_CAPA, k3, sizeof k3);
    snprintf(line, sizeof line, " Team %s \xc2\xb7 %s shadows (read-only) \xc2\xb7 %s scores "
             "\xc2\xb7 %s corrective actions", a->session.team, k1, k2, k3);
    tui_put(a, w, 0, 0, ncols, TUI_EL_HINT, line);
    if (tui_table_resize(&st->table, rows - 3 > 1 ? rows - 3 : 1, ncols) != 0)
        return;
    tui_table_draw(&st->table, w, 1, 0, rows - 2, &a->theme);
    if (st->n == 0) {
        tui_put(a, w, 3, 2, ncols - 4, TUI_EL_HINT,
                "Nothing to review. Samples of your team's finished work arrive with sync.");
        return;
    }
    const nx_qa_row *r = current(st);
    if (r && rows > 3) {
        char when[32];
        nx_scr_format_due(r->drawn_at, when, sizeof when);
        if (r->held)
            snprintf(line, sizeof line, " %s's %s item, completed by %s; sampled %s (%s rule).",
                     r->agent, nx_kind_name(r->kind), r->completed_by, when, r->rule);
        else
            snprintf(line, sizeof line, " Item %s has gone to the archive: the hub keeps it, "
                     "this laptop does not.", r->item_id);
        tui_put(a, w, rows - 1, 0, ncols, TUI_EL_HINT, line);
    }
}

static int qa_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    qa_st *st = s->st;
    if (tui_table_move(&st->table, req))
        return TUI_REDRAW;
    const nx_qa_row *r = current(st);
    switch (req) {
    case REQ_OPEN:
    case REQ_QA_SCORE:
        if (!r)
            return TUI_DONE;
        remember(st);
        /* arg: the sample id, copied by the screen */
        if (tui_push(a, req == REQ_OPEN ? &nx_scr_qa_shadow : &nx_scr_qa_score, st->cur) == 0)
            st->stale = 1;
        return TUI_REDRAW;
    case REQ_VIEW_CAPA:
        remember(st);
        if (tui_push(a, &nx_scr_capa, NULL) == 0)
            st->stale = 1;
        return TUI_REDRAW;
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

/* A sync round or a review made above: read the queue again. */
static void qa_tick(tui_screen *s, tui_app *a)
{
    qa_st *st = s->st;
    if (!st || a->dlg.kind != TUI_DLG_NONE || (!st->stale && st->rounds == a->sync.rounds))
        return;
    char err[256];
    const nx_qa_row *r = current(st);
    char keep[40];
    snprintf(keep, sizeof keep, "%s", r ? r->sample_id : st->cur);
    if (load(st, a, keep, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
}

static void qa_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    qa_st *st = s->st;
    snprintf(l, ll, "QA review");
    int64_t pos = tui_table_position(&st->table);
    if (pos > 0)
        snprintf(r, rl, "%lld of %zu to review", (long long)pos, st->n);
    else
        snprintf(r, rl, "%zu to review", st->n);
}

static const tui_hint qa_hints[] = {
    { REQ_OPEN, "shadow" }, { REQ_QA_SCORE, "score" }, { REQ_VIEW_CAPA, "CAPAs" },
    { REQ_HELP, "help" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_qa = {
    .name = "qa",
    .ctx = TUI_CTX_QA,
    .open = qa_open,
    .close = qa_close,
    .suspend = qa_suspend,
    .resume = qa_resume,
    .draw = qa_draw,
    .handle = qa_handle,
    .tick = qa_tick,
    .title = qa_title,
    .hints = qa_hints,
};
