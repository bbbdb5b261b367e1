/* tui/frame — the parts of every screen that are not the screen's own:
 * windows per layout region, the title bar, the message line (message,
 * prompt or key hints), the status bar, the "enlarge" message, blanking.
 * Everything is drawn into windows and sent with one doupdate() a turn. */
#ifndef NX_TUI_FRAME_H
#define NX_TUI_FRAME_H

#include "tui/app.h"

/* (Re)creates the windows for the terminal's current size and tells the
 * screens; called at start, on KEY_RESIZE and after SIGCONT. */
void tui_frame_relayout(tui_app *a);
/* Draws a whole frame into the windows (wnoutrefresh; the caller does
 * doupdate()). */
void tui_frame_draw(tui_app *a);
void tui_frame_free(tui_app *a);

#endif
