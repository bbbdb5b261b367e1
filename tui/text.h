/* tui/text — UTF-8 text in terminal columns. Names such as "王伟" take two
 * columns a character and "José" (with a combining accent) four for five
 * code points, so columns are aligned by display width (wcwidth), never by
 * bytes or characters. Control characters and invalid bytes from the data
 * are drawn as '?': nothing a record holds can move the cursor or send the
 * terminal an escape sequence. Pure functions; no curses. */
#ifndef NX_TUI_TEXT_H
#define NX_TUI_TEXT_H

#include <stddef.h>

/* Columns s takes when drawn. */
int tui_text_width(const char *s);

/* Writes into out (NUL-terminated) the first `cols` columns of s; if s is
 * wider, its end becomes "…" (cut between characters, never inside a
 * double-width one). pad: filled with spaces to exactly cols, on the
 * right, or on the left when align_right. Returns the columns written. */
int tui_text_fit(char *out, size_t outlen, const char *s, int cols, int pad, int align_right);

/* The last `cols` columns of s (for a field whose cursor is at its end):
 * the byte offset where they start. */
size_t tui_text_tail(const char *s, int cols);

/* Character boundaries: the offset of the character before / after pos. */
size_t tui_utf8_prev(const char *s, size_t pos);
size_t tui_utf8_next(const char *s, size_t pos);
/* Appends code point cp to buf (of cap bytes, NUL-terminated, len bytes
 * used) at byte offset pos; 0, or -1 when it does not fit. */
int tui_utf8_insert(char *buf, size_t cap, size_t pos, unsigned cp);
/* Columns of the first n bytes of s. */
int tui_text_width_n(const char *s, size_t n);

#endif
