/* tui/layout — where each part of the screen goes for a terminal size,
 * computed apart from drawing (NeoMutt's window tree, in small): one
 * relayout on every resize, testable without a terminal. */
#ifndef NX_TUI_LAYOUT_H
#define NX_TUI_LAYOUT_H

#define TUI_MIN_ROWS 24
#define TUI_MIN_COLS 80

typedef struct tui_rect {
    int y, x, h, w;
} tui_rect;

typedef struct tui_layout {
    int rows, cols;
    int too_small;        /* below 80x24: only the "enlarge" message */
    tui_rect title;       /* top line: where you are */
    tui_rect body;        /* the screen's own area */
    tui_rect message;     /* messages, prompts and key hints */
    tui_rect status;      /* user, role, TRAINING, sync, time to lock */
} tui_layout;

void tui_relayout(tui_layout *l, int rows, int cols);

/* A form's split: fields on the left, history on the right when the body
 * is wide enough (>= 120 columns), else the history replaces the fields
 * while it is shown. */
typedef struct tui_form_layout {
    tui_rect header;      /* item summary: 2 lines */
    tui_rect fields;
    tui_rect side;        /* h == 0: no side pane */
    tui_rect actions;     /* the workflow steps offered: 1 line */
} tui_form_layout;

void tui_form_relayout(tui_form_layout *f, const tui_rect *body, int history_shown);

/* A dialog box centered in the screen: w columns of content (clamped to
 * the screen), h lines of content, plus a border. */
tui_rect tui_dialog_rect(const tui_layout *l, int w, int h);

#endif
