/* tui/script — the headless test mode (tig's model). NEXUS_TUI_SCRIPT
 * names a file of commands; the screen goes to /dev/null and keys come
 * from the file:
 *
 *   :key KEY...         keys by their keymap names: `:key j j <Enter>`
 *   :type TEXT          each character of TEXT as a key (the rest of the line)
 *   :save-display FILE  the screen as text, one line per row, trailing blanks cut
 *   :dump-keymap FILE   the active keymap, one `bind` line per binding
 *   :mark LABEL         (NEXUS_TUI_TIMES) a label and the resident memory
 *   :sleep SECONDS      the virtual clock moves on (idle lock, drafts)
 *   :wait-idle          one turn of the loop with no key (timers run)
 *   :resize COLS ROWS   the terminal changes size
 *   :hangup             as if the terminal closed (SIGHUP)
 *   :quit               stop here (the end of the file does the same)
 *   # comment, blank lines
 *
 * Time is virtual: it starts at the real time (or, in test builds, at
 * NEXUS_TEST_NOW) and moves only with :sleep, so screens are the same on
 * every run. A release build drives only TRAINING profiles this way (a
 * saved screen is a file). NEXUS_TUI_TIMES=FILE logs each key's time from entering the
 * loop to doupdate() returning ("KEY MS" a line), for the benchmark.
 * A line that is not a command stops the run with
 * "FILE:LINE: unknown script command ':x'". */
#ifndef NX_TUI_SCRIPT_H
#define NX_TUI_SCRIPT_H

#include <stddef.h>
#include "tui/app.h"

#define TUI_KEY_TICK (-2)   /* run one turn without a key */
#define TUI_KEY_END (-3)    /* the script is over */

int  tui_script_open(tui_script **out, const char *path, char *err, size_t errlen);
void tui_script_close(tui_script *s);
/* The next key, running commands on the way. */
tui_key tui_script_next(tui_script *s, tui_app *a);
/* Writes the screen as text (used by :save-display). 0 or -1. */
int  tui_save_display(const char *path);

#endif
