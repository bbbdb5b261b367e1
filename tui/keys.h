/* tui/keys — a key as the keymap and the screens see it, and its name in a
 * .keys file (`j`, `G`, `<Enter>`, `<S-Tab>`, `<F12>`, `<C-l>`, ...).
 *
 * wget_wch() returns characters and function keys through two channels
 * whose values overlap (KEY_DOWN is 0402, which is also U+0102); a
 * tui_key folds both into one int: a character is its code point, a
 * function key is its curses code plus TUI_KEY_FN. */
#ifndef NX_TUI_KEYS_H
#define NX_TUI_KEYS_H

#include <stddef.h>

typedef int tui_key;

#define TUI_KEY_FN 0x200000
#define TUI_KEY_NONE (-1)

/* From what wget_wch() returned: rc is OK or KEY_CODE_YES. Enter (CR, LF,
 * keypad Enter) becomes '\n'; Backspace (DEL, ^H, KEY_BACKSPACE) becomes
 * TUI_KEY_FN + KEY_BACKSPACE, so a keymap names each key once. */
tui_key tui_key_from_curses(int rc, unsigned wch);

/* Parses a key name. 0 and *out, or -1 when the name is not a key. */
int tui_key_parse(const char *name, tui_key *out);
/* The name a .keys file would use ("<PgDn>", "j"); for help and hints. */
void tui_key_name(tui_key k, char *buf, size_t len);
/* 1 for a character a text field would take (printable, not a control). */
int tui_key_is_text(tui_key k);
/* 1 for a key the line editor uses besides text: Backspace, Del, Left,
 * Right, Home, End, C-a, C-e, C-u, C-w (tui/edit.c). */
int tui_key_is_edit(tui_key k);

#endif
