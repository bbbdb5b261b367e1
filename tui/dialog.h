/* tui/dialog — the one modal box: a confirmation (y/n), a prompt for a
 * line of text (a reason; a passphrase without echo), a menu of choices
 * (the workflow's steps, a filter) or a message. While it is open it takes
 * every key; Enter accepts, Esc cancels. The reply goes to a callback, and
 * the typed text is wiped when the callback returns. */
#ifndef NX_TUI_DIALOG_H
#define NX_TUI_DIALOG_H

#include <stddef.h>
#include "tui/edit.h"
#include "tui/keys.h"
#include "crypt/crypt.h"

struct tui_app;

typedef enum {
    TUI_DLG_NONE, TUI_DLG_CONFIRM, TUI_DLG_PROMPT, TUI_DLG_MENU, TUI_DLG_MESSAGE
} tui_dlg_kind;

#define TUI_DLG_ITEMS 24

/* ok: 1 accepted, 0 cancelled; choice: the menu row; text: the prompt's. */
typedef void (*tui_dlg_done)(struct tui_app *a, void *ctx, int ok, int choice, const char *text);

typedef struct tui_dialog {
    tui_dlg_kind kind;
    char title[96];
    char body[512];           /* lines separated by '\n' */
    char error[160];          /* shown in the box, e.g. "a reason is required" */
    char text[512];           /* the prompt's buffer */
    nx_secret secret;         /* a secret prompt's buffer: guarded memory */
    tui_edit edit;
    int required;             /* a prompt that refuses an empty answer */
    char items[TUI_DLG_ITEMS][80];
    int nitems, sel;
    tui_dlg_done done;
    void *ctx;
} tui_dialog;

void tui_confirm(struct tui_app *a, const char *title, const char *body,
                 tui_dlg_done done, void *ctx);
/* secret: the text is not drawn at all. */
void tui_ask(struct tui_app *a, const char *title, const char *body, int required, int secret,
             tui_dlg_done done, void *ctx);
void tui_menu(struct tui_app *a, const char *title, const char *const *items, int n,
              int sel, tui_dlg_done done, void *ctx);
void tui_message_box(struct tui_app *a, const char *title, const char *body);

/* Takes a key while the dialog is open; returns 1 when it needs a redraw. */
int  tui_dialog_key(struct tui_app *a, tui_key k);
void tui_dialog_draw(struct tui_app *a);
/* Closes it without calling back (lock, quit): the text is wiped. */
void tui_dialog_cancel(struct tui_app *a);

#endif
