/* tui/frame — title bar, message line, status bar, and the frame's order
 * of drawing. */
#include "tui/frame.h"

#include <stdio.h>
#include <string.h>

static void drop(WINDOW **w)
{
    if (*w) {
        delwin(*w);
        *w = NULL;
    }
}

void tui_frame_free(tui_app *a)
{
    drop(&a->w_title);
    drop(&a->w_body);
    drop(&a->w_msg);
    drop(&a->w_status);
    drop(&a->w_dialog);
}

static WINDOW *win_for(const tui_rect *r)
{
    if (r->h <= 0 || r->w <= 0)
        return NULL;
    WINDOW *w = newwin(r->h, r->w, r->y, r->x);
    if (w)
        keypad(w, TRUE);
    return w;
}

void tui_frame_relayout(tui_app *a)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    tui_frame_free(a);
    tui_relayout(&a->lay, rows, cols);
    if (!a->lay.too_small) {
        a->w_title = win_for(&a->lay.title);
        a->w_body = win_for(&a->lay.body);
        a->w_msg = win_for(&a->lay.message);
        a->w_status = win_for(&a->lay.status);
    }
    clearok(curscr, TRUE);
}

/* ---- the bars --------------------------------------------------------------- */

static void fill(tui_app *a, WINDOW *w, tui_elem e)
{
    attr_t at = (attr_t)tui_attr(&a->theme, e);
    wbkgdset(w, ' ' | at);
    werase(w);
    wbkgdset(w, ' ');
}

static void draw_title(tui_app *a, tui_screen *s)
{
    WINDOW *w = a->w_title;
    fill(a, w, TUI_EL_TITLE);
    char left[256] = "", right[256] = "", text[320];
    if (s && s->ops->title)
        s->ops->title(s, a, left, sizeof left, right, sizeof right);
    attr_t at = (attr_t)tui_attr(&a->theme, TUI_EL_TITLE);
    int cols = a->lay.cols;
    int rw = tui_text_width(right);
    snprintf(text, sizeof text, " Nexus %s %s", "\xe2\x80\xba", left);
    tui_put_attr(w, 0, 0, cols - rw - 2, at, text);
    if (rw && rw < cols - 20)
        tui_put_attr(w, 0, cols - rw - 1, rw, at, right);
}

/* "Enter open  / search  ? help": the screen's hint requests with the
 * first key bound to each in the active keymap. */
static void draw_hints(tui_app *a, tui_screen *s)
{
    WINDOW *w = a->w_msg;
    int x = 1, cols = a->lay.cols;
    for (const tui_hint *h = s && s->ops->hints ? s->ops->hints : NULL; h && h->req != REQ_NONE;
         h++) {
        char k[64];
        tui_key_hint(a, h->req, k, sizeof k);
        if (strcmp(k, "-") == 0)
            continue;
        const char *name = h->label ? h->label : nx_request_name(h->req);
        int need = tui_text_width(k) + 1 + tui_text_width(name) + 2;
        if (x + need > cols - 1)
            break;
        tui_put(a, w, 0, x, cols - x, TUI_EL_KEY, k);
        x += tui_text_width(k) + 1;
        tui_put(a, w, 0, x, cols - x, TUI_EL_HINT, name);
        x += tui_text_width(name) + 2;
    }
}

static void draw_message(tui_app *a, tui_screen *s)
{
    WINDOW *w = a->w_msg;
    werase(w);
    int cols = a->lay.cols;
    if (a->prompt.on) {
        int lw = tui_text_width(a->prompt.label);
        tui_put(a, w, 0, 1, cols - 2, TUI_EL_KEY, a->prompt.label);
        int cx = tui_edit_draw(&a->prompt.edit, w, 0, 1 + lw, cols - 2 - lw, A_NORMAL);
        tui_set_cursor(a, w, 0, 1 + lw + cx);
    } else if (a->msg[0]) {
        tui_put(a, w, 0, 1, cols - 2, a->msg_elem, a->msg);
    } else {
        draw_hints(a, s);
    }
}

static void draw_status(tui_app *a)
{
    WINDOW *w = a->w_status;
    fill(a, w, TUI_EL_STATUS);
    attr_t st = (attr_t)tui_attr(&a->theme, TUI_EL_STATUS);
    int cols = a->lay.cols, x = 0;
    char buf[256];
    if (a->session_on)
        snprintf(buf, sizeof buf, " %s \xc2\xb7 %s ", a->session.user, nx_role_name(a->session.role));
    else
        snprintf(buf, sizeof buf, " %s ", a->info.user);
    tui_put_attr(w, 0, x, cols - x, st | A_BOLD, buf);
    x += tui_text_width(buf);
    if (a->info.training) {
        x++;
        tui_put(a, w, 0, x, cols - x, TUI_EL_TRAINING, " TRAINING ");
        x += 10;
    }
    int offline = 1;
    tui_sync_status(a, buf, sizeof buf, &offline);
    tui_put_attr(w, 0, x, cols - x,
                 offline ? tui_attr(&a->theme, TUI_EL_OFFLINE) : (unsigned long)st, buf);
    if (a->session_on && !a->locked) {
        int64_t left = tui_time_to_lock(a);
        snprintf(buf, sizeof buf, "locks in %lld:%02lld ", (long long)(left / 60),
                 (long long)(left % 60));
        int bw = tui_text_width(buf);
        tui_put_attr(w, 0, cols - bw, bw, st, buf);
    }
}

static void draw_too_small(tui_app *a)
{
    werase(stdscr);
    char l1[128], l2[128];
    snprintf(l1, sizeof l1, "Enlarge the terminal to at least %dx%d", TUI_MIN_COLS, TUI_MIN_ROWS);
    snprintf(l2, sizeof l2, "(it is %dx%d now)", a->lay.cols, a->lay.rows);
    int y = a->lay.rows / 2 - 1;
    int c = a->lay.cols;
    int w1 = tui_text_width(l1), w2 = tui_text_width(l2);
    tui_put(a, stdscr, y < 0 ? 0 : y, w1 < c ? (c - w1) / 2 : 0, c, TUI_EL_ERROR, l1);
    if (y + 1 < a->lay.rows)
        tui_put(a, stdscr, y + 1, w2 < c ? (c - w2) / 2 : 0, c, TUI_EL_NORMAL, l2);
    wnoutrefresh(stdscr);
}

void tui_frame_draw(tui_app *a)
{
    a->cursor_win = NULL;
    if (a->blanked) {
        werase(stdscr);
        wnoutrefresh(stdscr);
        curs_set(0);
        return;
    }
    if (a->lay.too_small) {
        draw_too_small(a);
        curs_set(0);
        return;
    }
    tui_screen *s = tui_active(a);
    if (s && s->ops->full_screen) {
        /* The lock screen: nothing of the session around it. */
        werase(stdscr);
        s->ops->draw(s, a, stdscr);
        wnoutrefresh(stdscr);
    } else {
        draw_title(a, s);
        werase(a->w_body);
        if (s && s->ops->draw)
            s->ops->draw(s, a, a->w_body);
        draw_message(a, s);
        draw_status(a);
        wnoutrefresh(a->w_title);
        wnoutrefresh(a->w_body);
        wnoutrefresh(a->w_msg);
        wnoutrefresh(a->w_status);
    }
    tui_dialog_draw(a);
    if (a->cursor_win) {
        wmove(a->cursor_win, a->cursor_y, a->cursor_x);
        wnoutrefresh(a->cursor_win);
        curs_set(1);
    } else {
        curs_set(0);
    }
}
