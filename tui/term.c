/* tui/term — start, stop and signals. */
#include "tui/term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

volatile sig_atomic_t tui_sig_hup, tui_sig_tstp, tui_sig_cont, tui_sig_winch;

static struct {
    int started;              /* curses is up */
    int headless;
    int have_termios;
    int tty;                  /* the terminal's fd, for termios */
    struct termios saved;
    SCREEN *screen;
    FILE *out, *in;
    /* What the fatal handler writes: clear, leave the alternate screen,
     * attributes off, cursor on — from terminfo, fetched at start because
     * nothing in a signal handler may look them up. */
    char reset[256];
    size_t reset_len;
} T;

static void add_cap(const char *cap)
{
    char *s = tigetstr(cap);
    if (!s || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (T.reset_len + n < sizeof T.reset) {
        memcpy(T.reset + T.reset_len, s, n);
        T.reset_len += n;
    }
}

static void on_flag(int sig)
{
    switch (sig) {
    case SIGTSTP: tui_sig_tstp = 1; break;
    case SIGCONT: tui_sig_cont = 1; break;
    case SIGWINCH: tui_sig_winch = 1; break;
    default: tui_sig_hup = 1; break;
    }
}

/* Async-signal-safe: write(2) and tcsetattr(3) only. */
static void on_fatal(int sig)
{
    if (T.started && !T.headless && T.reset_len) {
        ssize_t w = write(T.tty, T.reset, T.reset_len);
        (void)w;
    }
    if (T.have_termios)
        tcsetattr(T.tty, TCSAFLUSH, &T.saved);
    T.started = 0;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a flag must interrupt the wait for a key so the loop
     * sees it at once. */
    sa.sa_flags = fn == on_fatal ? SA_RESETHAND : 0;
    sigaction(sig, &sa, NULL);
}

int tui_term_start(int headless, char *err, size_t errlen)
{
    if (T.started)
        return 0;
    T.headless = headless;
    if (headless) {
        /* Output and input both /dev/null: keys come from the script. */
        T.out = fopen("/dev/null", "w");
        T.in = fopen("/dev/null", "r");
        if (!T.out || !T.in) {
            snprintf(err, errlen, "/dev/null: %s", strerror(errno));
            return -1;
        }
        T.tty = -1;
    } else {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            snprintf(err, errlen, "the full-screen client needs a terminal "
                                  "(use a command for scripts; see nexus --help)");
            return -1;
        }
        T.tty = STDIN_FILENO;
        T.have_termios = tcgetattr(T.tty, &T.saved) == 0;
        T.out = stdout;
        T.in = stdin;
    }
    const char *term = getenv("TERM");
    T.screen = newterm(term && *term ? term : "xterm", T.out, T.in);
    if (!T.screen) {
        snprintf(err, errlen, "cannot use terminal type '%s'", term ? term : "");
        return -1;
    }
    set_term(T.screen);
    T.started = 1;
    set_escdelay(25);          /* Esc answers at once, not after a second */
    cbreak();                  /* ^Z and ^C still send their signals */
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    curs_set(0);
    /* Ctrl-Q and Ctrl-S are keys here (quit), not the terminal's flow
     * control; cbreak() leaves IXON on, so it is turned off by hand and
     * made part of the mode curses restores after a stop. */
    struct termios t;
    if (T.have_termios && tcgetattr(T.tty, &t) == 0) {
        t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
        tcsetattr(T.tty, TCSANOW, &t);
        def_prog_mode();
    }
    add_cap("clear");
    add_cap("E3");             /* clear the scrollback too, where known */
    add_cap("rmcup");
    add_cap("sgr0");
    add_cap("cnorm");
    atexit(tui_term_done);
    install(SIGHUP, on_flag);
    install(SIGTERM, on_flag);
    install(SIGINT, on_flag);
    install(SIGTSTP, on_flag);
    install(SIGCONT, on_flag);
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT, SIGTRAP,
                                 SIGSYS };
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        install(fatal[i], on_fatal);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void tui_term_done(void)
{
    if (!T.started)
        return;
    T.started = 0;
    /* Blank the terminal itself (not just our windows) before leaving, so
     * nothing stays on screen or scrolls back into view. */
    wclear(stdscr);
    wnoutrefresh(stdscr);
    clearok(curscr, TRUE);
    doupdate();
    endwin();
    if (T.have_termios)
        tcsetattr(T.tty, TCSAFLUSH, &T.saved);
    if (T.screen) {
        delscreen(T.screen);
        T.screen = NULL;
    }
    if (T.headless) {
        if (T.out)
            fclose(T.out);
        if (T.in)
            fclose(T.in);
        T.out = T.in = NULL;
    }
}

void tui_term_suspend(void)
{
    if (!T.started)
        return;
    wclear(stdscr);
    wnoutrefresh(stdscr);
    doupdate();
    endwin();
    if (T.have_termios)
        tcsetattr(T.tty, TCSAFLUSH, &T.saved);
    /* Stop for real: the default action, then our flag handler again. */
    signal(SIGTSTP, SIG_DFL);
    raise(SIGTSTP);
    install(SIGTSTP, on_flag);
}

void tui_term_resume(void)
{
    if (!T.started)
        return;
    reset_prog_mode();
    clearok(curscr, TRUE);
    doupdate();
}

void tui_die(const char *fmt, ...)
{
    tui_term_done();
    va_list ap;
    va_start(ap, fmt);
    fputs("nexus: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}
