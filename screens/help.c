/* screens/help — the keys of the screen it was opened from, generated
 * from the active keymap and the request list: every request bound in
 * that screen's context (its own keys first, then the generic ones it
 * does not shadow), with its keys and what it does. Nothing here is
 * written by hand, so the help cannot drift from the keymap. */
#include "screens/screens.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int req;
    char keys[96];
} help_row;

typedef struct {
    help_row *rows;
    int n;
    tui_ctx ctx;
    const char *of;            /* the screen explained */
    tui_array_src src;
    tui_table table;
} help_st;

static tui_elem h_cell(void *c, const void *row, int col, char *buf, size_t len)
{
    (void)c;
    const help_row *r = row;
    if (col == 0) {
        snprintf(buf, len, "%s", r->keys);
        return TUI_EL_KEY;
    }
    snprintf(buf, len, "%s", col == 1 ? nx_request_name(r->req) : nx_request_help(r->req));
    return TUI_EL_NORMAL;
}

static const tui_rowsrc help_src = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = h_cell,
};

static const tui_column help_cols[] = {
    { "Keys", 18, 1, 0 },
    { "Request", 16, 0, 0 },
    { "What it does", 30, 3, 0 },
};

static int help_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    const tui_screen *under = arg;
    help_st *st = calloc(1, sizeof *st);
    if (st)
        st->rows = calloc(NX_REQ_COUNT, sizeof *st->rows);
    if (!st || !st->rows) {
        free(st);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->ctx = under->ops->ctx;
    st->of = under->ops->name;
    for (int req = REQ_NONE + 1; req < REQ_END; req++) {
        help_row *r = &st->rows[st->n];
        if (tui_keymap_keys_for(&a->km, st->ctx, under->ops->text_entry, req, r->keys,
                                sizeof r->keys) == 0)
            continue;
        st->n++;
        r->req = req;
    }
    st->src = (tui_array_src){ .rows = st->rows, .size = sizeof st->rows[0], .n = st->n };
    tui_table_init(&st->table, help_cols, 3, &help_src, &st->src);
    tui_table_resize(&st->table, a->lay.body.h - 3 > 1 ? a->lay.body.h - 3 : 1, a->lay.cols - 2);
    tui_table_reload(&st->table);
    s->st = st;
    return 0;
}

static void help_close(tui_screen *s, tui_app *a)
{
    (void)a;
    help_st *st = s->st;
    if (!st)
        return;
    free(st->rows);
    free(st);
    s->st = NULL;
}

static void help_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    help_st *st = s->st;
    int rows, cols;
    getmaxyx(w, rows, cols);
    if (tui_table_resize(&st->table, rows - 3 > 1 ? rows - 3 : 1, cols - 2) != 0)
        return;
    char line[256];
    snprintf(line, sizeof line, "Keys of the %s screen, keymap %.60s%s", st->of, a->km.source,
             st->ctx == TUI_CTX_FORM ? "; other keys type into the field" : "");
    tui_put(a, w, 0, 1, cols - 2, TUI_EL_HINT, line);
    tui_table_draw(&st->table, w, 1, 1, rows - 1, &a->theme);
}

static int help_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)a;
    (void)key;
    help_st *st = s->st;
    if (tui_table_move(&st->table, req))
        return TUI_REDRAW;
    if (req == REQ_BACK || req == REQ_HELP || req == REQ_OPEN)
        return TUI_POP;
    return TUI_UNUSED;
}

static void help_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    help_st *st = s->st;
    snprintf(l, ll, "Help: %s", st->of);
    snprintf(r, rl, "%lld of %d", (long long)tui_table_position(&st->table), st->n);
}

static const tui_hint help_hints[] = {
    { REQ_MOVE_DOWN, "down" }, { REQ_MOVE_UP, "up" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_help = {
    .name = "help",
    .ctx = TUI_CTX_HELP,
    .open = help_open,
    .close = help_close,
    .draw = help_draw,
    .handle = help_handle,
    .title = help_title,
    .hints = help_hints,
};
