/* tui/passbox — passphrase entry without echo. */
#include "tui/passbox.h"

#include <stdio.h>
#include <string.h>

#define PASS_CAP 1024

int tui_passbox_open(tui_passbox *pb, int nfields)
{
    memset(pb, 0, sizeof *pb);
    pb->nfields = nfields > TUI_PASS_FIELDS ? TUI_PASS_FIELDS : nfields;
    for (int i = 0; i < pb->nfields; i++) {
        if (nx_secret_alloc(&pb->buf[i], PASS_CAP) != 0) {
            tui_passbox_close(pb);
            return -1;
        }
        memset(pb->buf[i].bytes, 0, PASS_CAP);
        tui_edit_init(&pb->edit[i], (char *)pb->buf[i].bytes, PASS_CAP, 1);
    }
    return 0;
}

void tui_passbox_close(tui_passbox *pb)
{
    for (int i = 0; i < TUI_PASS_FIELDS; i++)
        nx_secret_free(&pb->buf[i]);
    memset(pb, 0, sizeof *pb);
}

void tui_passbox_clear(tui_passbox *pb)
{
    for (int i = 0; i < pb->nfields; i++)
        tui_edit_wipe(&pb->edit[i]);
    pb->focus = 0;
}

int tui_passbox_key(tui_passbox *pb, tui_key k)
{
    if (pb->nfields == 0)
        return -1;
    if (k == '\t' || k == TUI_KEY_FN + KEY_BTAB || k == TUI_KEY_FN + KEY_DOWN ||
        k == TUI_KEY_FN + KEY_UP) {
        pb->focus = (pb->focus + 1) % pb->nfields;
        return 0;
    }
    int r = tui_edit_key(&pb->edit[pb->focus], k);
    if (r == 1)
        pb->error[0] = '\0';
    return r;
}

const char *tui_passbox_text(const tui_passbox *pb, int i)
{
    return (const char *)pb->buf[i].bytes;
}

size_t tui_passbox_len(const tui_passbox *pb, int i)
{
    return strlen((const char *)pb->buf[i].bytes);
}

void tui_passbox_draw(tui_app *a, tui_passbox *pb, WINDOW *w, const char *title,
                      const char *const *info, int ninfo, const char *const *labels,
                      const char *keys)
{
    int rows, cols;
    getmaxyx(w, rows, cols);
    int bw = 64, bh = 8 + ninfo + pb->nfields;
    if (bw > cols - 2)
        bw = cols - 2;
    int y0 = (rows - bh) / 2, x0 = (cols - bw) / 2;
    if (y0 < 0)
        y0 = 0;
    int x = x0 + 3, lw = 14, vw = bw - 6 - lw;
    int y = y0 + 1;
    /* A frame, so the box reads as one thing on an otherwise empty screen. */
    tui_box(w, y0, x0, bh, bw, A_NORMAL);
    tui_put(a, w, y, x, bw - 6, TUI_EL_HEADER, title);
    y += 2;
    for (int i = 0; i < ninfo; i++, y++) {
        const char *tab = strchr(info[i], '\t');
        if (!tab) {
            /* A line that starts with a blank is a banner (TRAINING). */
            tui_put(a, w, y, x, bw - 6, info[i][0] == ' ' ? TUI_EL_TRAINING : TUI_EL_NORMAL,
                    info[i]);
            continue;
        }
        char label[64];
        size_t n = (size_t)(tab - info[i]) < sizeof label - 1 ? (size_t)(tab - info[i]) : sizeof label - 1;
        memcpy(label, info[i], n);
        label[n] = '\0';
        tui_put(a, w, y, x, lw, TUI_EL_LABEL, label);
        tui_put(a, w, y, x + lw, vw, TUI_EL_KEY, tab + 1);
    }
    for (int i = 0; i < pb->nfields; i++, y++) {
        tui_put(a, w, y, x, lw, i == pb->focus ? TUI_EL_KEY : TUI_EL_LABEL, labels[i]);
        attr_t at = (attr_t)tui_attr(&a->theme, TUI_EL_VALUE);
        tui_edit_draw(&pb->edit[i], w, y, x + lw, vw, at);
        if (i == pb->focus)
            tui_set_cursor(a, w, y, x + lw);
    }
    y++;
    if (pb->error[0])
        tui_put(a, w, y, x, bw - 6, pb->error_elem ? pb->error_elem : TUI_EL_ERROR, pb->error);
    y += 2;
    if (keys)
        tui_put(a, w, y, x, bw - 6, TUI_EL_HINT, keys);
}
