/* tui/edit — a line editor over a caller's buffer, UTF-8 aware. */
#include "tui/edit.h"
#include "tui/text.h"
#include "tui/theme.h"

#include <string.h>

void tui_edit_init(tui_edit *e, char *buf, size_t cap, int secret)
{
    e->buf = buf;
    e->cap = cap;
    e->secret = secret;
    tui_edit_end(e);
}

void tui_edit_end(tui_edit *e)
{
    e->cur = e->buf ? strlen(e->buf) : 0;
}

static void delete_range(tui_edit *e, size_t from, size_t to)
{
    size_t len = strlen(e->buf);
    memmove(e->buf + from, e->buf + to, len - to + 1);
    /* The tail that moved left leaves its old bytes after the new NUL. */
    memset(e->buf + len - (to - from) + 1, 0, to - from);
    e->cur = from;
}

int tui_edit_key(tui_edit *e, tui_key k)
{
    if (!e->buf)
        return -1;
    if (tui_key_is_text(k)) {
        if (tui_utf8_insert(e->buf, e->cap, e->cur, (unsigned)k) != 0)
            return 0;
        e->cur = tui_utf8_next(e->buf, e->cur);
        return 1;
    }
    switch (k) {
    case TUI_KEY_FN + KEY_BACKSPACE:
        if (e->cur == 0)
            return 0;
        delete_range(e, tui_utf8_prev(e->buf, e->cur), e->cur);
        return 1;
    case TUI_KEY_FN + KEY_DC:
        if (!e->buf[e->cur])
            return 0;
        delete_range(e, e->cur, tui_utf8_next(e->buf, e->cur));
        return 1;
    case TUI_KEY_FN + KEY_LEFT:
        e->cur = tui_utf8_prev(e->buf, e->cur);
        return 0;
    case TUI_KEY_FN + KEY_RIGHT:
        e->cur = tui_utf8_next(e->buf, e->cur);
        return 0;
    case TUI_KEY_FN + KEY_HOME:
    case 'a' & 0x1f:
        e->cur = 0;
        return 0;
    case TUI_KEY_FN + KEY_END:
    case 'e' & 0x1f:
        e->cur = strlen(e->buf);
        return 0;
    case 'u' & 0x1f:
        if (!e->buf[0])
            return 0;
        delete_range(e, 0, strlen(e->buf));
        return 1;
    case 'w' & 0x1f: {
        size_t p = e->cur;
        while (p > 0 && e->buf[p - 1] == ' ')
            p--;
        while (p > 0 && e->buf[p - 1] != ' ')
            p = tui_utf8_prev(e->buf, p);
        if (p == e->cur)
            return 0;
        delete_range(e, p, e->cur);
        return 1;
    }
    default:
        return -1;
    }
}

int tui_edit_draw(const tui_edit *e, WINDOW *w, int y, int x, int width, attr_t attr)
{
    tui_attrset(w, attr);
    wmove(w, y, x);
    for (int i = 0; i < width; i++)
        waddch(w, ' ');
    if (e->secret || !e->buf || width <= 1) {
        tui_attrset(w, A_NORMAL);
        return 0;
    }
    /* Show the text from a start that keeps the cursor inside the box. */
    size_t start = 0;
    if (tui_text_width_n(e->buf, e->cur) > width - 1) {
        char head[4096];
        size_t n = e->cur < sizeof head - 1 ? e->cur : sizeof head - 1;
        memcpy(head, e->buf, n);
        head[n] = '\0';
        start = tui_text_tail(head, width - 1);
        explicit_bzero(head, n);
    }
    char shown[4096];
    tui_text_fit(shown, sizeof shown, e->buf + start, width, 0, 0);
    mvwaddstr(w, y, x, shown);
    explicit_bzero(shown, sizeof shown);
    tui_attrset(w, A_NORMAL);
    return tui_text_width_n(e->buf + start, e->cur - start);
}

void tui_edit_wipe(tui_edit *e)
{
    if (e->buf && e->cap)
        explicit_bzero(e->buf, e->cap);
    e->cur = 0;
}
