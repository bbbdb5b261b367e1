/* Display widths: names in any script keep columns aligned, nothing from
 * the data reaches the terminal as a control character. */
#include <criterion/criterion.h>
#include <locale.h>
#include <string.h>

#include "tui/layout.h"
#include "tui/text.h"

static void utf8(void) { setlocale(LC_ALL, "C.UTF-8"); }

Test(text, widths_of_names, .init = utf8)
{
    cr_assert_eq(tui_text_width("José Núñez"), 10);
    cr_assert_eq(tui_text_width("Jose\xcc\x81"), 4, "combining acute takes no column");
    cr_assert_eq(tui_text_width("Nguyễn Thị Hoa"), 14);
    cr_assert_eq(tui_text_width("王伟"), 4);
    cr_assert_eq(tui_text_width("\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "1234"), 8);
}

Test(text, fit_pads_and_cuts_by_columns, .init = utf8)
{
    char out[128];
    cr_assert_eq(tui_text_fit(out, sizeof out, "王伟", 6, 1, 0), 6);
    cr_assert_str_eq(out, "王伟  ");
    cr_assert_eq(tui_text_width(out), 6);
    /* Never half of a double-width character: the cut leaves room for "…". */
    tui_text_fit(out, sizeof out, "王伟王伟", 4, 1, 0);
    cr_assert_str_eq(out, "王… ");
    cr_assert_eq(tui_text_width(out), 4);
    tui_text_fit(out, sizeof out, "Nguyễn, Thị Hoa", 8, 1, 0);
    cr_assert_str_eq(out, "Nguyễn,…");
    tui_text_fit(out, sizeof out, "42", 5, 1, 1);
    cr_assert_str_eq(out, "   42");
}

Test(text, control_characters_and_bad_bytes_are_drawn_as_question_marks, .init = utf8)
{
    char out[128];
    tui_text_fit(out, sizeof out, "A\x1b[2JB\xff" "C", 10, 0, 0);
    cr_assert_str_eq(out, "A?[2JB?C");
}

Test(text, editing_helpers, .init = utf8)
{
    char buf[32] = "Ne";
    cr_assert_eq(tui_utf8_insert(buf, sizeof buf, 2, 0x1EC5), 0);   /* ễ */
    cr_assert_str_eq(buf, "Ne\xe1\xbb\x85");
    cr_assert_eq(tui_utf8_prev(buf, strlen(buf)), 2);
    cr_assert_eq(tui_utf8_next(buf, 2), 5);
    cr_assert_eq(tui_text_tail("王伟abc", 4), 6, "伟 would make it 5 columns");
    cr_assert_eq(tui_text_tail("王伟abc", 5), 3, "the tail starts after 王");
}

Test(layout, regions_and_the_enlarge_threshold)
{
    tui_layout l;
    tui_relayout(&l, 24, 80);
    cr_assert_not(l.too_small);
    cr_assert_eq(l.body.y, 1);
    cr_assert_eq(l.body.h, 21);
    cr_assert_eq(l.status.y, 23);
    cr_assert_eq(l.message.y, 22);
    tui_relayout(&l, 40, 100);
    cr_assert_eq(l.body.h, 37);
    cr_assert_eq(l.status.w, 100);
    tui_relayout(&l, 23, 80);
    cr_assert(l.too_small);
    tui_relayout(&l, 24, 79);
    cr_assert(l.too_small);
}

Test(layout, form_history_beside_when_wide_instead_when_narrow)
{
    tui_rect body = { 1, 0, 21, 80 };
    tui_form_layout f;
    tui_form_relayout(&f, &body, 0);
    cr_assert_eq(f.side.h, 0);
    cr_assert_eq(f.fields.w, 80);
    tui_form_relayout(&f, &body, 1);
    cr_assert_eq(f.fields.h, 0);
    cr_assert_gt(f.side.h, 0);
    body.w = 150;
    tui_form_relayout(&f, &body, 0);
    cr_assert_gt(f.side.h, 0);
    cr_assert_gt(f.fields.h, 0);
    cr_assert_leq(f.fields.x + f.fields.w, f.side.x);
}
