/* tui/passbox — the centered box of the unlock, lock and passphrase-change
 * screens: a few lines about who and when, then passphrase fields typed
 * into guarded memory and never drawn (no echo, not even a count). */
#ifndef NX_TUI_PASSBOX_H
#define NX_TUI_PASSBOX_H

#include "tui/app.h"

#define TUI_PASS_FIELDS 2

typedef struct tui_passbox {
    nx_secret buf[TUI_PASS_FIELDS];
    tui_edit edit[TUI_PASS_FIELDS];
    int nfields, focus;
    char error[256];
    tui_elem error_elem;
} tui_passbox;

int  tui_passbox_open(tui_passbox *pb, int nfields);
void tui_passbox_close(tui_passbox *pb);     /* wipes */
void tui_passbox_clear(tui_passbox *pb);     /* wipes the typed text */
/* Editing keys for the focused field; Tab / S-Tab switch fields. */
int  tui_passbox_key(tui_passbox *pb, tui_key k);
const char *tui_passbox_text(const tui_passbox *pb, int i);
size_t tui_passbox_len(const tui_passbox *pb, int i);
/* Draws the box in the middle of w: a title, info lines ("label\tvalue"),
 * one line per field (labels[i]), the error or note, and a key line. */
void tui_passbox_draw(tui_app *a, tui_passbox *pb, WINDOW *w, const char *title,
                      const char *const *info, int ninfo, const char *const *labels,
                      const char *keys);

#endif
