/* tui/dialog — the modal box and its keys. */
#include "tui/dialog.h"
#include "tui/app.h"

#include <stdio.h>
#include <string.h>

static void reset(tui_app *a)
{
    tui_dialog *d = &a->dlg;
    tui_wipe(d->text, sizeof d->text);
    nx_secret_free(&d->secret);
    memset(d, 0, sizeof *d);
}

static void open_kind(tui_app *a, tui_dlg_kind k, const char *title, const char *body,
                      tui_dlg_done done, void *ctx)
{
    reset(a);
    tui_dialog *d = &a->dlg;
    d->kind = k;
    snprintf(d->title, sizeof d->title, "%s", title);
    snprintf(d->body, sizeof d->body, "%s", body ? body : "");
    d->done = done;
    d->ctx = ctx;
}

void tui_confirm(tui_app *a, const char *title, const char *body, tui_dlg_done done, void *ctx)
{
    open_kind(a, TUI_DLG_CONFIRM, title, body, done, ctx);
}

void tui_ask(tui_app *a, const char *title, const char *body, int required, int secret,
             tui_dlg_done done, void *ctx)
{
    open_kind(a, TUI_DLG_PROMPT, title, body, done, ctx);
    tui_dialog *d = &a->dlg;
    d->required = required;
    if (secret && nx_secret_alloc(&d->secret, 1024) == 0) {
        memset(d->secret.bytes, 0, d->secret.len);
        tui_edit_init(&d->edit, (char *)d->secret.bytes, d->secret.len, 1);
    } else {
        tui_edit_init(&d->edit, d->text, sizeof d->text, 0);
    }
}

void tui_menu(tui_app *a, const char *title, const char *const *items, int n, int sel,
              tui_dlg_done done, void *ctx)
{
    open_kind(a, TUI_DLG_MENU, title, NULL, done, ctx);
    tui_dialog *d = &a->dlg;
    for (int i = 0; i < n && i < TUI_DLG_ITEMS; i++)
        snprintf(d->items[d->nitems++], sizeof d->items[0], "%s", items[i]);
    d->sel = sel >= 0 && sel < d->nitems ? sel : 0;
}

void tui_message_box(tui_app *a, const char *title, const char *body)
{
    open_kind(a, TUI_DLG_MESSAGE, title, body, NULL, NULL);
}

void tui_dialog_cancel(tui_app *a)
{
    reset(a);
}

/* Closes the box, then answers: the callback may open another box. */
static void finish(tui_app *a, int ok)
{
    tui_dialog *d = &a->dlg;
    tui_dlg_done done = d->done;
    void *ctx = d->ctx;
    int choice = d->sel;
    char text[1024] = "";
    if (d->kind == TUI_DLG_PROMPT && d->edit.buf)
        snprintf(text, sizeof text, "%s", d->edit.buf);
    reset(a);
    if (done)
        done(a, ctx, ok, choice, text);
    tui_wipe(text, sizeof text);
}

int tui_dialog_key(tui_app *a, tui_key k)
{
    tui_dialog *d = &a->dlg;
    if (k == 27) {
        finish(a, 0);
        return 1;
    }
    switch (d->kind) {
    case TUI_DLG_CONFIRM:
        /* Only y or n: an Enter typed ahead must not discard work. */
        if (k == 'y' || k == 'Y')
            finish(a, 1);
        else if (k == 'n' || k == 'N')
            finish(a, 0);
        return 1;
    case TUI_DLG_MESSAGE:
        if (k == '\n' || k == ' ')
            finish(a, 1);
        return 1;
    case TUI_DLG_MENU:
        if (k == TUI_KEY_FN + KEY_DOWN || k == 'j' || k == '\t')
            d->sel = (d->sel + 1) % d->nitems;
        else if (k == TUI_KEY_FN + KEY_UP || k == 'k' || k == TUI_KEY_FN + KEY_BTAB)
            d->sel = (d->sel + d->nitems - 1) % d->nitems;
        else if (k >= '1' && k <= '9' && k - '1' < d->nitems) {
            d->sel = k - '1';
            finish(a, 1);
        } else if (k == '\n')
            finish(a, 1);
        return 1;
    case TUI_DLG_PROMPT:
        if (k == '\n') {
            if (d->required && !d->edit.buf[0])
                snprintf(d->error, sizeof d->error, "An answer is required (Esc cancels).");
            else
                finish(a, 1);
            return 1;
        }
        if (tui_edit_key(&d->edit, k) >= 0)
            d->error[0] = '\0';
        return 1;
    default:
        return 0;
    }
}

/* Lines of the body (split at '\n'), each cut to the box. */
static int body_lines(const char *body, char lines[][160], int max)
{
    int n = 0;
    const char *p = body;
    while (*p && n < max) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= 160)
            len = 159;
        memcpy(lines[n], p, len);
        lines[n++][len] = '\0';
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

void tui_dialog_draw(tui_app *a)
{
    tui_dialog *d = &a->dlg;
    if (d->kind == TUI_DLG_NONE)
        return;
    char lines[12][160];
    int nl = body_lines(d->body, lines, 12);
    int w = tui_text_width(d->title) + 4;
    for (int i = 0; i < nl; i++)
        if (tui_text_width(lines[i]) > w)
            w = tui_text_width(lines[i]);
    /* Numbers right-aligned to the widest, so the names line up past 9. */
    int digits = d->nitems >= 100 ? 3 : d->nitems >= 10 ? 2 : 1;
    for (int i = 0; i < d->nitems; i++)
        if (tui_text_width(d->items[i]) + 5 + digits > w)
            w = tui_text_width(d->items[i]) + 5 + digits;
    if (d->kind == TUI_DLG_PROMPT && w < 56)
        w = 56;
    if (w < 40)
        w = 40;
    const char *foot = d->kind == TUI_DLG_CONFIRM ? "y yes   n no   Esc cancel"
                     : d->kind == TUI_DLG_MENU ? "Up/Down choose   Enter take   Esc cancel"
                     : d->kind == TUI_DLG_PROMPT ? "Enter accept   Esc cancel"
                     : "Enter close";
    int input = d->kind == TUI_DLG_PROMPT || d->nitems;
    int h = nl + (nl && input ? 1 : 0) + d->nitems + (d->kind == TUI_DLG_PROMPT ? 1 : 0) +
            (d->error[0] ? 1 : 0) + 1;
    tui_rect r = tui_dialog_rect(&a->lay, w, h);
    if (a->w_dialog)
        delwin(a->w_dialog);
    a->w_dialog = newwin(r.h, r.w, r.y, r.x);
    if (!a->w_dialog)
        return;
    WINDOW *win = a->w_dialog;
    attr_t at = (attr_t)tui_attr(&a->theme, TUI_EL_DIALOG);
    wbkgdset(win, ' ' | at);
    werase(win);
    tui_box(win, 0, 0, r.h, r.w, at);
    char title[128];
    snprintf(title, sizeof title, " %s ", d->title);
    tui_put_attr(win, 0, 2, r.w - 4, at | A_BOLD, title);
    int y = 1, cw = r.w - 4;
    for (int i = 0; i < nl && y < r.h - 1; i++)
        tui_put_attr(win, y++, 2, cw, at, lines[i]);
    if (nl && input)
        y++;
    for (int i = 0; i < d->nitems && y < r.h - 1; i++) {
        char row[100];
        snprintf(row, sizeof row, "%*d  %s", digits, i + 1, d->items[i]);
        tui_put_attr(win, y++, 2, cw, i == d->sel ? (at ^ A_REVERSE) | A_BOLD : at, row);
    }
    if (d->kind == TUI_DLG_PROMPT && y < r.h - 1) {
        tui_put_attr(win, y, 2, 2, at | A_BOLD, ">");
        int cx = tui_edit_draw(&d->edit, win, y, 4, cw - 2, A_NORMAL | A_UNDERLINE);
        tui_set_cursor(a, win, y, 4 + cx);
        y++;
    }
    if (d->error[0] && y < r.h - 1)
        tui_put_attr(win, y++, 2, cw, (attr_t)tui_attr(&a->theme, TUI_EL_INVALID), d->error);
    char footer[64];
    snprintf(footer, sizeof footer, " %s ", foot);
    int fw = tui_text_width(footer);
    if (fw < r.w - 4)
        tui_put_attr(win, r.h - 1, r.w - 2 - fw, fw, at, footer);
    wnoutrefresh(win);
}
