/* tui/theme — semantic color elements. Screens draw "an overdue date" or
 * "a masked value", never "red"; a theme maps each element to colors and
 * attributes. Every state that matters (overdue, urgent, masked, revealed,
 * invalid, required, TRAINING) also has its own attribute without color
 * (bold, reverse, underline), used alone under NO_COLOR, on a monochrome
 * terminal and with the `mono` theme — and the screens write a word or a
 * mark for it too, so no state depends on color or attribute alone. */
#ifndef NX_TUI_THEME_H
#define NX_TUI_THEME_H

#include <curses.h>

/* element id, name, foreground, background, attributes with color,
 * attributes without color. -1 = the terminal's default color. */
#define TUI_ELEMENTS(X) \
    X(NORMAL,    "normal",    -1, -1, 0, 0) \
    X(TITLE,     "title",     COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE) \
    X(STATUS,    "status",    COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE) \
    X(TRAINING,  "training",  COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE) \
    X(HEADER,    "header",    -1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE) \
    X(CURSOR,    "cursor",    COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE) \
    X(OVERDUE,   "overdue",   COLOR_RED, -1, A_BOLD, A_BOLD) \
    X(URGENT,    "urgent",    COLOR_MAGENTA, -1, A_BOLD, A_BOLD | A_UNDERLINE) \
    X(AT_RISK,   "at-risk",   COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE) \
    X(MASKED,    "masked",    COLOR_CYAN, -1, 0, A_DIM) \
    X(REVEALED,  "revealed",  COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE) \
    X(INVALID,   "invalid",   COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE) \
    X(REQUIRED,  "required",  COLOR_YELLOW, -1, A_BOLD, A_BOLD) \
    X(LABEL,     "label",     -1, -1, 0, 0) \
    X(VALUE,     "value",     -1, -1, A_UNDERLINE, A_UNDERLINE) \
    X(READONLY,  "readonly",  -1, -1, 0, 0) \
    X(FOCUS,     "focus",     COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE) \
    X(DIALOG,    "dialog",    COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE) \
    X(ERROR,     "error",     COLOR_RED, -1, A_BOLD, A_BOLD) \
    X(INFO,      "info",      COLOR_GREEN, -1, 0, 0) \
    X(HINT,      "hint",      -1, -1, A_DIM, 0) \
    X(KEY,       "key",       -1, -1, A_BOLD, A_BOLD) \
    X(OFFLINE,   "offline",   COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD)

typedef enum {
#define TUI_ELEM_ENUM_(id, name, fg, bg, ca, ma) TUI_EL_##id,
    TUI_ELEMENTS(TUI_ELEM_ENUM_)
#undef TUI_ELEM_ENUM_
    TUI_EL_COUNT
} tui_elem;

typedef struct tui_theme {
    char name[64];
    int color;                       /* colors in use */
    unsigned long attr[TUI_EL_COUNT];   /* curses attr_t, pair included */
} tui_theme;

/* Checks a theme name from nexus.conf: 0, or -1 with "unknown theme 'x'
 * (default, mono)" in err. Needs no terminal. */
int tui_theme_check(const char *name, char *err, unsigned long errlen);
/* After the terminal is up: colors only when the theme is not `mono`,
 * NO_COLOR is unset or empty (no-color.org) and the terminal has them. */
void tui_theme_init(tui_theme *t, const char *name, int headless);
unsigned long tui_attr(const tui_theme *t, tui_elem e);
/* Sets a window's attributes to an element's value, color pair included
 * (wattr_set would take the pair from its own argument and drop it). */
void tui_attrset(WINDOW *w, unsigned long attr);

#endif
