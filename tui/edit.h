/* tui/edit — one line of text being typed: a form field, a search, a
 * reason, a passphrase. The buffer is the caller's (a form value, or
 * guarded memory for a passphrase, which is never drawn). */
#ifndef NX_TUI_EDIT_H
#define NX_TUI_EDIT_H

#include <stddef.h>
#include <curses.h>
#include "tui/keys.h"

typedef struct tui_edit {
    char *buf;            /* NUL-terminated UTF-8 */
    size_t cap;
    size_t cur;           /* byte offset of the cursor */
    int secret;           /* nothing of it is drawn, not even its length */
} tui_edit;

void tui_edit_init(tui_edit *e, char *buf, size_t cap, int secret);
/* Cursor to the end (after the text is replaced from outside). */
void tui_edit_end(tui_edit *e);
/* Takes the editing keys: text, Backspace, Del, Left, Right, Home, End,
 * C-a, C-e, C-u (clear), C-w (word back). 1 when the text changed, 0 when
 * only the cursor moved, -1 when the key is not an editing key. */
int  tui_edit_key(tui_edit *e, tui_key k);
/* Draws the text in width columns at (y, x), scrolled so the cursor is
 * visible; returns the cursor's column (from x). */
int  tui_edit_draw(const tui_edit *e, WINDOW *w, int y, int x, int width, attr_t attr);
/* Zeroes the buffer (before it is freed or reused). */
void tui_edit_wipe(tui_edit *e);

#endif
