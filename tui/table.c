/* tui/table — the cursor over a source's page, and drawing. */
#include "tui/table.h"
#include "tui/request.h"
#include "tui/text.h"

#include <string.h>

void tui_table_init(tui_table *t, const tui_column *cols, int ncols,
                    const tui_rowsrc *src, void *ctx)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols > TUI_TABLE_MAXCOLS ? TUI_TABLE_MAXCOLS : ncols;
    for (int i = 0; i < t->ncols; i++)
        t->titles[i] = cols[i].title;
    t->src = src;
    t->ctx = ctx;
    t->total = -1;
}

static void widths(tui_table *t)
{
    int fixed = 0, flex = 0;
    for (int i = 0; i < t->ncols; i++) {
        if (t->hidden[i])
            continue;
        fixed += t->cols[i].min + 1;
        flex += t->cols[i].flex;
    }
    int extra = t->w - 1 - fixed;
    if (extra < 0)
        extra = 0;
    int given = 0, last_flex = -1;
    for (int i = 0; i < t->ncols; i++) {
        if (t->hidden[i]) {
            t->width[i] = 0;
            continue;
        }
        int add = flex ? extra * t->cols[i].flex / flex : 0;
        t->width[i] = t->cols[i].min + add;
        given += add;
        if (t->cols[i].flex)
            last_flex = i;
    }
    if (last_flex >= 0)
        t->width[last_flex] += extra - given;
}

/* The result of a paging call: rows now in the page, or an error. */
static int took(tui_table *t, int n)
{
    t->failed = n < 0;
    if (n >= 0)
        t->n = n;
    if (t->cur >= t->n)
        t->cur = t->n ? t->n - 1 : 0;
    if (t->cur < 0)
        t->cur = 0;
    return n;
}

static void count(tui_table *t)
{
    t->total_exact = 1;
    t->total = t->src->count ? t->src->count(t->ctx, &t->total_exact) : -1;
}

int tui_table_resize(tui_table *t, int h, int w)
{
    if (h < 1)
        h = 1;
    if (w != t->w) {
        t->w = w;
        widths(t);
    }
    if (h == t->page)
        return 0;
    t->page = h;
    if (t->src->set_page && t->src->set_page(t->ctx, h) < 0) {
        t->failed = 1;
        return -1;
    }
    return 0;
}

int tui_table_reload(tui_table *t)
{
    t->cur = 0;
    t->top = 0;
    count(t);
    return took(t, t->src->first(t->ctx)) < 0 ? -1 : 0;
}

int tui_table_refresh(tui_table *t)
{
    if (!t->n)
        return tui_table_reload(t);
    int cur = t->cur;
    int n = t->src->from(t->ctx, 0);
    count(t);
    if (n == 0)
        return tui_table_reload(t);
    t->cur = cur;
    return took(t, n) < 0 ? -1 : 0;
}

void tui_table_found(tui_table *t, int n, int cur)
{
    t->top = -1;
    t->cur = cur;
    took(t, n);
}

static void shift_top(tui_table *t, int64_t by)
{
    if (t->top >= 0)
        t->top += by;
}

/* To the last full page, the cursor on row `target` of the list when the
 * position is known, else on the last row. */
static void to_end(tui_table *t, int64_t target)
{
    if (took(t, t->src->last(t->ctx)) < 0)
        return;
    t->top = t->total >= 0 && t->total_exact ? t->total - t->n : -1;
    if (t->top >= 0 && target >= 0 && target - t->top < t->n)
        t->cur = (int)(target - t->top);
    else
        t->cur = t->n ? t->n - 1 : 0;
}

int tui_table_move(tui_table *t, int req)
{
    int64_t at = t->top >= 0 ? t->top + t->cur : -1;
    switch (req) {
    case REQ_MOVE_DOWN:
        if (t->cur + 1 < t->n) {
            t->cur++;
        } else if (t->n == t->page) {
            int n = t->src->after(t->ctx, 0);
            if (n == t->page) {
                took(t, n);
                shift_top(t, 1);
                t->cur = t->n - 1;
            } else if (n > 0) {
                to_end(t, at);      /* nothing below: the page it was */
            }
        }
        return 1;
    case REQ_MOVE_UP:
        if (t->cur > 0) {
            t->cur--;
        } else if (t->n) {
            int n = t->src->before(t->ctx, t->n - 1);
            if (n == t->page) {
                took(t, n);
                shift_top(t, -1);
                t->cur = 0;
            } else if (n > 0) {
                tui_table_reload(t);
            }
        }
        return 1;
    case REQ_PAGE_DOWN: {
        if (t->n < t->page) {
            t->cur = t->n ? t->n - 1 : 0;
            return 1;
        }
        int line = t->cur;
        int n = t->src->after(t->ctx, t->n - 1);
        if (n == t->page) {
            took(t, n);
            shift_top(t, t->page);
            t->cur = line;
        } else if (n > 0) {
            to_end(t, at >= 0 ? at + t->page : -1);
        } else {
            t->cur = t->n - 1;
        }
        return 1;
    }
    case REQ_PAGE_UP: {
        if (!t->n)
            return 1;
        int line = t->cur;
        int n = t->src->before(t->ctx, 0);
        if (n == t->page) {
            took(t, n);
            shift_top(t, -t->page);
            t->cur = line;
        } else if (n > 0) {
            int64_t target = at >= 0 ? at - t->page : 0;
            tui_table_reload(t);
            t->cur = target > 0 && target < t->n ? (int)target : 0;
        } else {
            t->cur = 0;
        }
        return 1;
    }
    case REQ_MOVE_FIRST:
        tui_table_reload(t);
        return 1;
    case REQ_MOVE_LAST:
        to_end(t, -1);
        return 1;
    default:
        return 0;
    }
}

const void *tui_table_current(const tui_table *t)
{
    return t->n ? t->src->row(t->ctx, t->cur) : NULL;
}

int64_t tui_table_position(const tui_table *t)
{
    return t->n && t->top >= 0 ? t->top + t->cur + 1 : 0;
}

/* Spaces in the current attributes (whline would not apply them). */
static void blank(WINDOW *w, int y, int x, int n)
{
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddch(w, ' ');
}

void tui_table_draw(tui_table *t, WINDOW *w, int y, int x, int h, const tui_theme *th)
{
    char cell[1024], fitted[2048];
    int cx = x + 1;
    tui_attrset(w, (attr_t)tui_attr(th, TUI_EL_HEADER));
    blank(w, y, x, t->w);
    for (int c = 0; c < t->ncols; c++) {
        if (t->hidden[c])
            continue;
        tui_text_fit(fitted, sizeof fitted, t->titles[c], t->width[c], 1, t->cols[c].right);
        mvwaddstr(w, y, cx, fitted);
        cx += t->width[c] + 1;
    }
    attr_t cur_attr = (attr_t)tui_attr(th, TUI_EL_CURSOR);
    for (int r = 0; r < t->n && r < h - 1; r++) {
        const void *row = t->src->row(t->ctx, r);
        int is_cur = r == t->cur;
        tui_attrset(w, is_cur ? cur_attr : A_NORMAL);
        blank(w, y + 1 + r, x, t->w);
        /* A mark as well as reverse video, so the cursor shows on any
         * terminal. */
        mvwaddstr(w, y + 1 + r, x, is_cur ? ">" : " ");
        cx = x + 1;
        for (int c = 0; c < t->ncols; c++) {
            if (t->hidden[c])
                continue;
            tui_elem e = t->src->cell(t->ctx, row, c, cell, sizeof cell);
            attr_t a = (attr_t)tui_attr(th, e);
            if (is_cur)
                a = cur_attr | (a & (A_BOLD | A_UNDERLINE));
            tui_text_fit(fitted, sizeof fitted, cell, t->width[c], 1, t->cols[c].right);
            tui_attrset(w, a);
            mvwaddstr(w, y + 1 + r, cx, fitted);
            cx += t->width[c] + 1;
        }
    }
    tui_attrset(w, A_NORMAL);
    explicit_bzero(cell, sizeof cell);
    explicit_bzero(fitted, sizeof fitted);
}

/* ---- the array source ---------------------------------------------------------- */

static int window(tui_array_src *a, int off)
{
    if (off > a->n - a->page)
        off = a->n - a->page;
    if (off < 0)
        off = 0;
    a->off = off;
    a->shown = a->n - off < a->page ? a->n - off : a->page;
    return a->shown;
}

int tui_array_first(void *ctx) { return window(ctx, 0); }
int tui_array_last(void *ctx)
{
    tui_array_src *a = ctx;
    return window(a, a->n - a->page);
}
int tui_array_after(void *ctx, int i)
{
    tui_array_src *a = ctx;
    int start = a->off + i + 1;
    if (start >= a->n)
        return 0;
    a->off = start;
    a->shown = a->n - start < a->page ? a->n - start : a->page;
    return a->shown;
}
int tui_array_before(void *ctx, int i)
{
    tui_array_src *a = ctx;
    int end = a->off + i;          /* rows before index end */
    if (end <= 0)
        return 0;
    int start = end - a->page < 0 ? 0 : end - a->page;
    a->off = start;
    a->shown = end - start;
    return a->shown;
}
int tui_array_from(void *ctx, int i)
{
    tui_array_src *a = ctx;
    return window(a, a->off + i);
}
const void *tui_array_row(void *ctx, int i)
{
    tui_array_src *a = ctx;
    return (const char *)a->rows + (size_t)(a->off + i) * a->size;
}
int64_t tui_array_count(void *ctx, int *exact)
{
    *exact = 1;
    return ((tui_array_src *)ctx)->n;
}
int tui_array_set_page(void *ctx, int rows)
{
    tui_array_src *a = ctx;
    a->page = rows;
    return window(a, a->off);
}

const tui_rowsrc tui_array_ops = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page,
};
