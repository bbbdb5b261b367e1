/* tui/term — the terminal's lifecycle. One idempotent tui_term_done()
 * (clear the screen, endwin, restore the saved termios) runs from atexit,
 * from tui_die() and — in an async-signal-safe form that writes bytes
 * prepared at start — from the fatal-signal handlers, which then re-raise;
 * so no exit, crash included, leaves the terminal raw or patient data on
 * it. Other signals only set flags that the main loop acts on. */
#ifndef NX_TUI_TERM_H
#define NX_TUI_TERM_H

#include <signal.h>

/* Flags the handlers set; the loop reads and clears them. */
extern volatile sig_atomic_t tui_sig_hup;    /* SIGHUP, SIGTERM, SIGINT: save, exit */
extern volatile sig_atomic_t tui_sig_tstp;   /* SIGTSTP: lock, then stop */
extern volatile sig_atomic_t tui_sig_cont;   /* SIGCONT: back; counts as a resize */
extern volatile sig_atomic_t tui_sig_winch;  /* SIGWINCH (ncurses also sends KEY_RESIZE) */

/* headless: the screen goes to /dev/null and keys come from a script; the
 * terminal type and size are the environment's (TERM, LINES, COLUMNS).
 * 0, or -1 with err. */
int  tui_term_start(int headless, char *err, size_t errlen);
/* Clear, endwin, termios back. Idempotent; safe before start. */
void tui_term_done(void);
/* Leaves curses for a stop (SIGTSTP) and comes back after SIGCONT. */
void tui_term_suspend(void);
void tui_term_resume(void);
/* tui_term_done, then "nexus: msg" on stderr, exit(1). */
void tui_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
