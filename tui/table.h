/* tui/table — the one list widget: columns, a cursor, and a page of rows
 * that the row source owns (htop's Panel over a source). The source keeps
 * exactly one page — as many rows as the table shows — and moves it by
 * key: "the rows after page row i", "the rows before page row i" — so End
 * on a 100 000-row queue is one page read, not 100 000, and no more rows
 * than are on screen are ever held. Every queue (core/queue), the
 * dashboard and the help screen are this widget over another source. */
#ifndef NX_TUI_TABLE_H
#define NX_TUI_TABLE_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include "tui/theme.h"

#define TUI_TABLE_MAXCOLS 12

typedef struct tui_column {
    const char *title;
    int min;                  /* columns at least */
    int flex;                 /* share of the width left over (0 = fixed) */
    int right;                /* right-aligned (numbers) */
} tui_column;

/* Paging calls return the rows now in the page, or -1 on error. after and
 * before return 0 and leave the page alone when there is nothing there;
 * near the start, before may return fewer rows than a page. */
typedef struct tui_rowsrc {
    int (*first)(void *ctx);
    int (*last)(void *ctx);
    int (*after)(void *ctx, int i);      /* the rows after page row i */
    int (*before)(void *ctx, int i);     /* the rows before page row i, ending just above it */
    int (*from)(void *ctx, int i);       /* again from page row i (it changed) */
    const void *(*row)(void *ctx, int i);
    /* Rows in the list; -1 unknown. *exact = 0 when the count stopped at a
     * cap ("1000+"), so it is a lower bound. */
    int64_t (*count)(void *ctx, int *exact);
    /* The page holds this many rows from now on (the window's height). */
    int (*set_page)(void *ctx, int rows);
    /* The text of a cell and the element it is drawn in. */
    tui_elem (*cell)(void *ctx, const void *row, int col, char *buf, size_t len);
} tui_rowsrc;

typedef struct tui_table {
    const tui_column *cols;
    int ncols;
    const char *titles[TUI_TABLE_MAXCOLS];   /* may be changed (sort marks) */
    int width[TUI_TABLE_MAXCOLS];
    int hidden[TUI_TABLE_MAXCOLS];           /* a column this list does not have */
    const tui_rowsrc *src;
    void *ctx;
    int page;                 /* rows the page holds (the window's height) */
    int n, cur;               /* rows in the page now; the cursor's page row */
    int64_t top;              /* index of page row 0 in the list; -1 unknown */
    int64_t total;            /* rows in the list; -1 unknown */
    int total_exact;          /* 0: total is a lower bound (a capped count) */
    int w;
    int failed;               /* the source reported an error */
} tui_table;

void tui_table_init(tui_table *t, const tui_column *cols, int ncols,
                    const tui_rowsrc *src, void *ctx);
/* Column widths for w; a new page size when h changed (the source is
 * told; the screen then puts the cursor back with tui_table_found). */
int  tui_table_resize(tui_table *t, int h, int w);
/* From the first row (after a sort or filter change). */
int  tui_table_reload(tui_table *t);
/* The page again from its first row (an item changed), cursor kept. */
int  tui_table_refresh(tui_table *t);
/* After the screen moved the source's page itself (a seek): take it, the
 * cursor on page row cur, position unknown. */
void tui_table_found(tui_table *t, int n, int cur);
/* Moves by a list request (REQ_MOVE_UP ... REQ_MOVE_LAST): 1 when the
 * request was a move (done or not possible), 0 when not a move. */
int  tui_table_move(tui_table *t, int req);
const void *tui_table_current(const tui_table *t);
/* Row number of the cursor from 1; 0 when empty or unknown. */
int64_t tui_table_position(const tui_table *t);
void tui_table_draw(tui_table *t, WINDOW *w, int y, int x, int h, const tui_theme *th);

/* A source over rows in memory (the dashboard, the help screen): the same
 * calls over an array, a window of `page` rows at offset `off`. */
typedef struct tui_array_src {
    const void *rows;
    size_t size;              /* bytes per row */
    int n;
    int off, page, shown;
} tui_array_src;
extern const tui_rowsrc tui_array_ops;   /* copy it and set .cell */
int tui_array_first(void *ctx);
int tui_array_last(void *ctx);
int tui_array_after(void *ctx, int i);
int tui_array_before(void *ctx, int i);
int tui_array_from(void *ctx, int i);
const void *tui_array_row(void *ctx, int i);
int64_t tui_array_count(void *ctx, int *exact);
int tui_array_set_page(void *ctx, int rows);

#endif
