/* Themes: NO_COLOR and the `mono` theme turn colors off, and every state
 * that matters still has an attribute of its own (tui/theme.h); with
 * colors, each state keeps an attribute beside its color pair. A screen
 * on an xterm-256color description written to /dev/null: no terminal. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "tui/theme.h"

static SCREEN *scr;
static FILE *out;

static void up(void)
{
    unsetenv("NO_COLOR");
    out = fopen("/dev/null", "w");
    cr_assert_not_null(out);
    scr = newterm("xterm-256color", out, stdin);
    cr_assert_not_null(scr, "no xterm-256color terminfo entry");
    set_term(scr);
}

static void down(void)
{
    endwin();
    delscreen(scr);
    fclose(out);
    unsetenv("NO_COLOR");
}

TestSuite(theme, .init = up, .fini = down);

static const tui_elem states[] = {
    TUI_EL_OVERDUE, TUI_EL_URGENT, TUI_EL_AT_RISK, TUI_EL_MASKED, TUI_EL_REVEALED,
    TUI_EL_INVALID, TUI_EL_REQUIRED, TUI_EL_TRAINING, TUI_EL_CURSOR, TUI_EL_FOCUS,
};
#define N_STATES (sizeof states / sizeof states[0])

/* Without colors each state is drawn with an attribute, not as plain text. */
static void states_have_attributes(const tui_theme *t)
{
    for (size_t i = 0; i < N_STATES; i++) {
        unsigned long a = tui_attr(t, states[i]);
        cr_assert_eq(a & A_COLOR, 0, "state %zu carries a color pair", i);
        cr_assert_neq(a & A_ATTRIBUTES, 0, "state %zu has no attribute", i);
    }
}

Test(theme, no_color_turns_colors_off_and_keeps_every_state_visible)
{
    setenv("NO_COLOR", "1", 1);
    tui_theme t;
    tui_theme_init(&t, "default", 0);
    cr_assert_eq(t.color, 0);
    states_have_attributes(&t);
}

Test(theme, the_mono_theme_does_the_same)
{
    tui_theme t;
    tui_theme_init(&t, "mono", 0);
    cr_assert_eq(t.color, 0);
    states_have_attributes(&t);
}

Test(theme, an_empty_no_color_is_unset_and_colors_come_with_attributes)
{
    setenv("NO_COLOR", "", 1);
    tui_theme t;
    tui_theme_init(&t, "default", 0);
    cr_assert_eq(t.color, 1, "xterm-256color has colors");
    for (size_t i = 0; i < N_STATES; i++)
        if (states[i] != TUI_EL_MASKED && states[i] != TUI_EL_CURSOR &&
            states[i] != TUI_EL_FOCUS)
            cr_assert_neq(tui_attr(&t, states[i]) & A_ATTRIBUTES & ~A_COLOR, 0,
                          "state %zu relies on color alone", i);
}
