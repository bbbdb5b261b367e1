/* One list screen for oversight records, and what their views share
 * (reclist.h). */
#include "screens/reclist.h"
#include "session/session_oversight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *id_of(const reclist *l, const void *row)
{
    return (const char *)row + l->d->id_off;
}

/* The id of the row under the cursor into keep ("" none). */
static void current_id(reclist *l, char keep[40])
{
    const void *cur = l->n ? tui_table_current(&l->table) : NULL;
    snprintf(keep, 40, "%s", cur ? id_of(l, cur) : "");
}

/* From the first row, then down to the row with id keep: the lists are
 * short, a walk is cheap. */
static void reload_keep(reclist *l, const char *keep)
{
    tui_table_reload(&l->table);
    for (size_t i = 0; keep[0] && i < l->n; i++) {
        const void *cur = tui_table_current(&l->table);
        if (!cur || strcmp(id_of(l, cur), keep) == 0)
            break;
        tui_table_move(&l->table, REQ_MOVE_DOWN);
    }
}

static void load(reclist *l, tui_app *a)
{
    char keep[40];
    current_id(l, keep);
    free(l->rows);
    l->rows = NULL;
    l->n = 0;
    l->problem[0] = '\0';
    if (l->d->load(a, l->closed, &l->rows, &l->n, l->problem, sizeof l->problem) != 0) {
        free(l->rows);
        l->rows = NULL;
        l->n = 0;
    }
    l->src.rows = l->rows;
    l->src.n = (int)l->n;
    l->rounds = a->sync.rounds;
    l->stale = 0;
    reload_keep(l, keep);
}

/* The table's ctx is the list (the cells need its zone); these hand the
 * paging on to the array source inside it. */
static int la_first(void *c) { return tui_array_first(&((reclist *)c)->src); }
static int la_last(void *c) { return tui_array_last(&((reclist *)c)->src); }
static int la_after(void *c, int i) { return tui_array_after(&((reclist *)c)->src, i); }
static int la_before(void *c, int i) { return tui_array_before(&((reclist *)c)->src, i); }
static int la_from(void *c, int i) { return tui_array_from(&((reclist *)c)->src, i); }
static const void *la_row(void *c, int i) { return tui_array_row(&((reclist *)c)->src, i); }
static int64_t la_count(void *c, int *exact) { return tui_array_count(&((reclist *)c)->src, exact); }
static int la_page(void *c, int rows) { return tui_array_set_page(&((reclist *)c)->src, rows); }

static tui_elem la_cell(void *c, const void *row, int col, char *buf, size_t len)
{
    const reclist *l = c;
    return l->d->cell(l, row, col, buf, len);
}

static const tui_rowsrc list_src = {
    .first = la_first, .last = la_last, .after = la_after, .before = la_before,
    .from = la_from, .row = la_row, .count = la_count, .set_page = la_page, .cell = la_cell,
};

int reclist_open(tui_screen *s, tui_app *a, const reclist_desc *d, char *err, size_t errlen)
{
    reclist *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->d = d;
    nx_session_local_zone(l->tz, sizeof l->tz);
    l->src = (tui_array_src){ .size = d->row_size };
    tui_table_init(&l->table, d->cols, d->ncols, &list_src, l);
    tui_table_resize(&l->table, a->lay.body.h - 2 > 1 ? a->lay.body.h - 2 : 1, a->lay.cols - 2);
    s->st = l;
    load(l, a);
    return 0;
}

void reclist_close(tui_screen *s, tui_app *a)
{
    (void)a;
    reclist *l = s->st;
    if (!l)
        return;
    free(l->rows);
    free(l);
    s->st = NULL;
}

int reclist_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    load(s->st, a);
    return 0;
}

void reclist_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    reclist *l = s->st;
    int rows, cols;
    getmaxyx(w, rows, cols);
    char line[256];
    l->d->header(l, a, line, sizeof line);
    tui_put(a, w, 0, 0, cols, TUI_EL_HEADER, line);
    if (l->problem[0]) {
        tui_put(a, w, 1, 1, cols - 2, TUI_EL_ERROR, l->problem);
        return;
    }
    if (!l->n) {
        l->d->empty(l, a, line, sizeof line);
        tui_put(a, w, 2, 1, cols - 2, TUI_EL_HINT, line);
        return;
    }
    int page = rows - 2 > 1 ? rows - 2 : 1;
    if (page != l->table.page) {
        char keep[40];
        current_id(l, keep);
        tui_table_resize(&l->table, page, cols - 2);
        reload_keep(l, keep);
    } else {
        tui_table_resize(&l->table, page, cols - 2);
    }
    tui_table_draw(&l->table, w, 1, 1, rows - 1, &a->theme);
}

int reclist_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    reclist *l = s->st;
    if (tui_table_move(&l->table, req))
        return TUI_REDRAW;
    switch (req) {
    case REQ_OPEN: {
        const void *r = tui_table_current(&l->table);
        if (r && tui_push(a, l->d->view, id_of(l, r)) == 0)
            l->stale = 1;
        return TUI_REDRAW;
    }
    case REQ_SHOW_CLOSED:
        l->closed = !l->closed;
        load(l, a);
        tui_table_reload(&l->table);
        return TUI_REDRAW;
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

void reclist_tick(tui_screen *s, tui_app *a)
{
    reclist *l = s->st;
    if (l->stale || l->rounds != a->sync.rounds)
        load(l, a);
}

void reclist_title(tui_screen *s, tui_app *a, char *left, size_t ll, char *right, size_t rl)
{
    (void)a;
    reclist *l = s->st;
    snprintf(left, ll, "%s", l->d->title);
    snprintf(right, rl, "%lld of %zu", (long long)tui_table_position(&l->table), l->n);
}

/* ---- one record's view ----------------------------------------------------------------- */

static void rv_drop(recview *v)
{
    v->d->drop(v);
    v->loaded = 0;
}

static int rv_load(recview *v, tui_app *a, char *err, size_t errlen)
{
    rv_drop(v);
    int found = v->d->get(a, v, err, errlen);
    if (found != 1) {
        if (found == 0)
            snprintf(err, errlen, "%s %s is not held here.", v->d->what, v->id);
        return -1;
    }
    v->loaded = 1;
    v->rounds = a->sync.rounds;
    return 0;
}

int recview_open(tui_screen *s, tui_app *a, const recview_desc *d, const void *arg, char *err,
                 size_t errlen)
{
    recview *v = calloc(1, d->size);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    v->d = d;
    snprintf(v->id, sizeof v->id, "%s", (const char *)arg);
    if (d->init)
        d->init(v, a);
    if (rv_load(v, a, err, errlen) != 0) {
        tui_wipe(v, d->size);
        free(v);
        return -1;
    }
    s->st = v;
    return 0;
}

void recview_close(tui_screen *s, tui_app *a)
{
    (void)a;
    recview *v = s->st;
    if (!v)
        return;
    size_t size = v->d->size;
    rv_drop(v);
    tui_wipe(v, size);
    free(v);
    s->st = NULL;
}

void recview_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    rv_drop(s->st);
}

int recview_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    return rv_load(s->st, a, err, errlen);
}

void recview_tick(tui_screen *s, tui_app *a)
{
    recview *v = s->st;
    char err[256];
    if (v->loaded && v->rounds != a->sync.rounds && rv_load(v, a, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
}

void recview_changed(recview *v, tui_app *a, int rc, const char *err, const char *done)
{
    if (rc != 0)
        tui_msg(a, TUI_EL_ERROR, "Not recorded: %s", err);
    else
        tui_msg(a, TUI_EL_INFO, "%s", done);
    char e2[256];
    if (rv_load(v, a, e2, sizeof e2) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", e2);
}
