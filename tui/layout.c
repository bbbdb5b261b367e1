/* tui/layout — pure arithmetic on rectangles. */
#include "tui/layout.h"

static tui_rect rect(int y, int x, int h, int w)
{
    tui_rect r = { y, x, h < 0 ? 0 : h, w < 0 ? 0 : w };
    return r;
}

void tui_relayout(tui_layout *l, int rows, int cols)
{
    l->rows = rows;
    l->cols = cols;
    l->too_small = rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS;
    if (l->too_small) {
        l->title = l->message = l->status = rect(0, 0, 0, 0);
        l->body = rect(0, 0, rows, cols);
        return;
    }
    l->title = rect(0, 0, 1, cols);
    l->body = rect(1, 0, rows - 3, cols);
    l->message = rect(rows - 2, 0, 1, cols);
    l->status = rect(rows - 1, 0, 1, cols);
}

void tui_form_relayout(tui_form_layout *f, const tui_rect *b, int history_shown)
{
    f->header = rect(b->y, b->x, 2, b->w);
    f->actions = rect(b->y + b->h - 1, b->x, 1, b->w);
    int top = b->y + 3, h = b->h - 4;   /* header, a blank line, actions */
    if (b->w >= 120) {
        int side = b->w / 3;
        f->fields = rect(top, b->x, h, b->w - side - 1);
        f->side = rect(top, b->x + b->w - side, h, side);
    } else if (history_shown) {
        f->fields = rect(top, b->x, 0, b->w);
        f->side = rect(top, b->x, h, b->w);
    } else {
        f->fields = rect(top, b->x, h, b->w);
        f->side = rect(top, b->x, 0, 0);
    }
}

tui_rect tui_dialog_rect(const tui_layout *l, int w, int h)
{
    int bw = w + 4, bh = h + 2;
    if (bw > l->cols - 2)
        bw = l->cols - 2;
    if (bh > l->rows - 2)
        bh = l->rows - 2;
    return rect((l->rows - bh) / 2, (l->cols - bw) / 2, bh, bw);
}
