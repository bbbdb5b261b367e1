/* tui/theme — element -> curses attributes, with and without color. */
#include "tui/theme.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    short fg, bg;
    attr_t color_attr, mono_attr;
} elements[TUI_EL_COUNT] = {
#define TUI_ELEM_ROW_(id, name, fg, bg, ca, ma) { fg, bg, ca, ma },
    TUI_ELEMENTS(TUI_ELEM_ROW_)
#undef TUI_ELEM_ROW_
};

static const char *const theme_names[] = { "default", "mono", NULL };

int tui_theme_check(const char *name, char *err, unsigned long errlen)
{
    for (int i = 0; theme_names[i]; i++)
        if (strcmp(theme_names[i], name) == 0)
            return 0;
    snprintf(err, errlen, "unknown theme '%s' (default, mono)", name);
    return -1;
}

void tui_theme_init(tui_theme *t, const char *name, int headless)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name && *name ? name : "default");
    const char *nc = getenv("NO_COLOR");
    /* Headless runs stay monochrome: golden screens compare text, and a
     * test must not depend on the terminal's color table. */
    t->color = !headless && strcmp(t->name, "mono") != 0 && !(nc && *nc) && has_colors();
    if (t->color) {
        start_color();
        use_default_colors();
    }
    for (int e = 0; e < TUI_EL_COUNT; e++) {
        if (!t->color) {
            t->attr[e] = elements[e].mono_attr;
            continue;
        }
        attr_t a = elements[e].color_attr;
        if (elements[e].fg != -1 || elements[e].bg != -1) {
            short pair = (short)(e + 1);
            init_pair(pair, elements[e].fg, elements[e].bg);
            a |= COLOR_PAIR(pair);
        }
        t->attr[e] = a;
    }
}

unsigned long tui_attr(const tui_theme *t, tui_elem e)
{
    return (unsigned)e < TUI_EL_COUNT ? t->attr[e] : 0;
}

void tui_attrset(WINDOW *w, unsigned long attr)
{
    attr_t a = (attr_t)attr;
    wattr_set(w, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
}
