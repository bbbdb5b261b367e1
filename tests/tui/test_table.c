/* The table widget over a paged source: the cursor and the page move as
 * keyset paging expects, and the position stays right. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "tui/request.h"
#include "tui/table.h"

typedef struct { int v; } row;
static row rows[100];
static tui_array_src src;

static tui_elem cell(void *ctx, const void *r, int col, char *buf, size_t len)
{
    (void)ctx;
    (void)col;
    snprintf(buf, len, "%d", ((const row *)r)->v);
    return TUI_EL_NORMAL;
}

static const tui_rowsrc ops = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = cell,
};
static const tui_column cols[] = { { "n", 5, 1, 1 } };

static void setup(tui_table *t, int n)
{
    for (int i = 0; i < 100; i++)
        rows[i].v = i;
    src = (tui_array_src){ .rows = rows, .size = sizeof rows[0], .n = n };
    tui_table_init(t, cols, 1, &ops, &src);
    tui_table_resize(t, 10, 40);
    tui_table_reload(t);
}

static int cur(const tui_table *t) { return ((const row *)tui_table_current(t))->v; }

Test(table, moves_through_pages_by_key)
{
    tui_table t;
    setup(&t, 100);
    cr_assert_eq(cur(&t), 0);
    for (int i = 0; i < 12; i++)
        tui_table_move(&t, REQ_MOVE_DOWN);
    cr_assert_eq(cur(&t), 12);
    cr_assert_eq(tui_table_position(&t), 13);
    cr_assert_eq(t.cur, 9, "the cursor stays on the last line while the page scrolls");
    tui_table_move(&t, REQ_PAGE_DOWN);
    cr_assert_eq(cur(&t), 22);
    tui_table_move(&t, REQ_MOVE_LAST);
    cr_assert_eq(cur(&t), 99);
    cr_assert_eq(tui_table_position(&t), 100);
    tui_table_move(&t, REQ_MOVE_DOWN);
    cr_assert_eq(cur(&t), 99);
    tui_table_move(&t, REQ_PAGE_UP);
    cr_assert_eq(cur(&t), 89);
    tui_table_move(&t, REQ_PAGE_DOWN);
    cr_assert_eq(cur(&t), 99);
    tui_table_move(&t, REQ_MOVE_FIRST);
    cr_assert_eq(cur(&t), 0);
    tui_table_move(&t, REQ_MOVE_UP);
    cr_assert_eq(cur(&t), 0);
    for (int i = 0; i < 15; i++)
        tui_table_move(&t, REQ_MOVE_DOWN);
    for (int i = 0; i < 12; i++)
        tui_table_move(&t, REQ_MOVE_UP);
    cr_assert_eq(cur(&t), 3);
    cr_assert_eq(tui_table_position(&t), 4);
}

Test(table, a_short_list_and_an_empty_one)
{
    tui_table t;
    setup(&t, 4);
    tui_table_move(&t, REQ_PAGE_DOWN);
    cr_assert_eq(cur(&t), 3);
    tui_table_move(&t, REQ_MOVE_DOWN);
    cr_assert_eq(cur(&t), 3);
    setup(&t, 0);
    cr_assert_null(tui_table_current(&t));
    tui_table_move(&t, REQ_MOVE_DOWN);
    tui_table_move(&t, REQ_MOVE_LAST);
    cr_assert_null(tui_table_current(&t));
    cr_assert_eq(tui_table_position(&t), 0);
}

Test(table, column_widths_share_the_room)
{
    static const tui_column c3[] = { { "a", 10, 0, 0 }, { "b", 10, 1, 0 }, { "c", 10, 3, 0 } };
    tui_table t;
    setup(&t, 10);
    tui_table_init(&t, c3, 3, &ops, &src);
    tui_table_resize(&t, 10, 80);
    cr_assert_eq(t.width[0], 10);
    cr_assert_eq(t.width[0] + t.width[1] + t.width[2] + 3 + 1, 80);
    cr_assert_gt(t.width[2], t.width[1]);
    t.hidden[1] = 1;
    tui_table_resize(&t, 10, 81);
    cr_assert_eq(t.width[1], 0);
    cr_assert_eq(t.width[0] + t.width[2] + 2 + 1, 81);
}
