/* tui/app — the client's one context: terminal, keymap, theme, layout, the
 * open profile and session, the stack of screens, the modal dialog, the
 * idle clock and the lock. Screens get it passed in (no globals), so a
 * test can make a fresh one; this header is the face of tui/ to screens/.
 *
 * A screen is a const table of operations (tig's view_ops, htop's
 * PanelClass). handle() returns flags saying what must happen next; a
 * request it does not use comes back as TUI_UNUSED and the app tries its
 * own (lock, blank, help, quit, the queue keys). */
#ifndef NX_TUI_APP_H
#define NX_TUI_APP_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "profile/profile.h"
#include "session/session.h"
#include "tui/dialog.h"
#include "tui/edit.h"
#include "tui/keymap.h"
#include "tui/keys.h"
#include "tui/layout.h"
#include "tui/request.h"
#include "tui/sync.h"
#include "tui/text.h"
#include "tui/theme.h"

typedef struct tui_app tui_app;
typedef struct tui_screen tui_screen;
typedef struct tui_script tui_script;

/* What a handler asks for. */
enum {
    TUI_DONE = 0,
    TUI_REDRAW = 1 << 0,
    TUI_RELAYOUT = 1 << 1,
    TUI_POP = 1 << 2,        /* close this screen, back to the one below */
    TUI_QUIT = 1 << 3,
    TUI_UNUSED = 1 << 4,     /* not this screen's request: pass it on */
};

/* A key hint on the message line: the first key bound to req, then label
 * (NULL: the request's name). */
typedef struct tui_hint {
    int req;
    const char *label;
} tui_hint;

typedef struct tui_screen_ops {
    const char *name;        /* "queue": for tests and messages */
    tui_ctx ctx;             /* its keymap context */
    int text_entry;          /* printable keys are text here */
    int full_screen;         /* no title, message or status bar (lock) */
    /* Allocates its state (s->st) from arg. -1 with err: not pushed. */
    int  (*open)(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen);
    /* Wipes and frees everything (drafts already saved by suspend). */
    void (*close)(tui_screen *s, tui_app *a);
    /* Before a lock, quit or hang-up: unsaved input kept as a draft, every
     * decrypted value wiped; only ids and positions are kept. May be NULL. */
    void (*suspend)(tui_screen *s, tui_app *a);
    /* After unlock: reloads from the store, back at the same row, draft
     * restored. -1: the screen cannot come back (and is closed). */
    int  (*resume)(tui_screen *s, tui_app *a, char *err, size_t errlen);
    void (*draw)(tui_screen *s, tui_app *a, WINDOW *w);
    int  (*handle)(tui_screen *s, tui_app *a, int req, tui_key key);
    /* Called every turn of the loop (timers: drafts). May be NULL. */
    void (*tick)(tui_screen *s, tui_app *a);
    /* The title bar: where you are (left) and a position (right). */
    void (*title)(tui_screen *s, tui_app *a, char *left, size_t llen, char *right, size_t rlen);
    /* Key hints on the message line, ended by { REQ_NONE }. */
    const tui_hint *hints;
} tui_screen_ops;

struct tui_screen {
    const tui_screen_ops *ops;
    void *st;
};

#define TUI_STACK_MAX 8

/* The screens the app itself opens, given by the caller (screens/ sit
 * above tui/, so tui/ names none of them). */
typedef struct tui_screens {
    const tui_screen_ops *unlock;      /* start: passphrase */
    const tui_screen_ops *lock;        /* locked: user name, lock time */
    const tui_screen_ops *passwd;      /* forced passphrase change; arg: int *forced */
    const tui_screen_ops *dashboard;
    const tui_screen_ops *queue;       /* arg: const nx_kind * */
    const tui_screen_ops *help;        /* arg: const tui_screen * (the one it explains) */
    const tui_screen_ops *sync;        /* sync status, refused changes; sync only after
                                        * the offline grace */
    const tui_screen_ops *conflicts;   /* a supervisor's conflict inbox (may be NULL) */
    const tui_screen_ops *kpi;         /* KPIs: supervisors, operations (may be NULL) */
    const tui_screen_ops *audit;       /* the audit review: officers, auditors (may be NULL) */
    const tui_screen_ops *incident;    /* F8: the incident report form (may be NULL) */
    const tui_screen_ops *incidents;   /* the incidents list (may be NULL) */
    const tui_screen_ops *requests;    /* the patient requests list (may be NULL) */
    const tui_screen_ops *qa;          /* a supervisor's QA queue (may be NULL) */
    const tui_screen_ops *capa;        /* corrective actions (may be NULL) */
} tui_screens;

/* The clock: wall time for the session and the lock screen, a monotonic
 * one for idle time. Headless runs use a virtual clock that only a
 * script's `:sleep` moves, so screens and timers are deterministic. */
typedef struct tui_clock {
    int virtual_time;
    int64_t wall_base;        /* wall seconds at mono 0 (virtual) */
    int64_t mono_ms;          /* virtual: the current time */
    int scale;                /* test builds: real time runs this much faster */
    int64_t real_start_ms;
} tui_clock;

struct tui_app {
    nx_conf conf;
    tui_screens scr;
    tui_keymap km;
    tui_theme theme;
    tui_layout lay;
    tui_clock clock;
    int headless;
    tui_script *script;
    FILE *times;              /* NEXUS_TUI_TIMES: per-key latency log */

    WINDOW *w_title, *w_body, *w_msg, *w_status, *w_dialog;

    nx_profile profile;
    nx_profile_info info;     /* from the key file: user name, TRAINING */
    int profile_open;
    nx_session session;
    int session_on;

    tui_screen stack[TUI_STACK_MAX];
    int depth;
    tui_dialog dlg;

    int locked;               /* lockscr is shown instead of the stack */
    tui_screen lockscr;
    int blanked;              /* F9: nothing drawn until a key */
    int64_t idle_since_ms;
    int64_t locked_at;        /* wall seconds */
    int quit;
    int exit_status;

    char msg[256];
    tui_elem msg_elem;
    /* A one-line prompt on the message line (search): typed text goes to
     * it first; on_change after every edit, on_done with ok 1 (Enter) or
     * 0 (Esc). */
    struct {
        int on;
        char label[96];           /* e.g. the re-routing's "Re-route all open items of ..." */
        char text[256];
        tui_edit edit;
        void (*on_change)(tui_app *a, void *ctx, const char *text);
        void (*on_done)(tui_app *a, void *ctx, int ok, const char *text);
        void *ctx;
    } prompt;

    tui_sync sync;            /* background sync (tui/sync.c) */
    int revoked;              /* the hub revoked us: the cache is gone */

    /* Where the terminal cursor goes after drawing (text being typed). */
    WINDOW *cursor_win;
    int cursor_y, cursor_x;
};

/* ---- the screens (screens/screens.h lists them) ------------------------- */
int  tui_push(tui_app *a, const tui_screen_ops *ops, const void *arg);
/* Replaces the whole stack with one screen. */
int  tui_reset_to(tui_app *a, const tui_screen_ops *ops, const void *arg);
void tui_pop(tui_app *a);
tui_screen *tui_top(tui_app *a);
/* The screen keys go to: the lock screen while locked, else the top. */
tui_screen *tui_active(tui_app *a);

/* ---- session lifecycle ----------------------------------------------------- */
/* The passphrase was accepted at start (unlock screen): opens the session
 * and shows the dashboard (or the forced passphrase change). */
int  tui_signed_in(tui_app *a, char *err, size_t errlen);
/* Locks now: drafts, wipes, audit event, cache closed, lock screen. */
void tui_lock(tui_app *a);
/* The lock screen accepted the passphrase: the screens come back. */
void tui_unlocked(tui_app *a);
/* Tries pass against the key file, with the back-off of guard.h: 0 open;
 * -1 refused (err says why; tui_backoff_left says how long to wait). */
int  tui_try_passphrase(tui_app *a, const char *pass, size_t len, char *err, size_t errlen);
/* Seconds still to wait before the next attempt (back-off), 0 = none. */
int64_t tui_backoff_left(tui_app *a);

/* ---- time ------------------------------------------------------------------------- */
int64_t tui_now(const tui_app *a);        /* wall seconds */
int64_t tui_mono_ms(const tui_app *a);
/* Seconds until the idle lock. */
int64_t tui_time_to_lock(const tui_app *a);

/* ---- messages, prompts and drawing helpers ------------------------------------- */
void tui_msg(tui_app *a, tui_elem e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_prompt(tui_app *a, const char *label, const char *initial,
                void (*on_change)(tui_app *, void *, const char *),
                void (*on_done)(tui_app *, void *, int, const char *), void *ctx);
/* Draws s at (y, x) in at most cols columns (cut with "…"), in element e. */
void tui_put(tui_app *a, WINDOW *w, int y, int x, int cols, tui_elem e, const char *s);
void tui_put_attr(WINDOW *w, int y, int x, int cols, unsigned long attr, const char *s);
/* A frame of box-drawing characters (drawn as text, so a saved display
 * shows it too). */
void tui_box(WINDOW *w, int y, int x, int h, int wd, unsigned long attr);
/* The keys bound to req for the current screen, e.g. "j, <Down>". */
void tui_keys_for(tui_app *a, int req, char *buf, size_t len);
/* The first of them as a hint shows it: "F4", "Enter", "q"; "-" if none. */
void tui_key_hint(tui_app *a, int req, char *buf, size_t len);
void tui_set_cursor(tui_app *a, WINDOW *w, int y, int x);
/* Overwrites len bytes so nothing of them stays in memory. */
void tui_wipe(void *p, size_t len);

/* ---- the run ----------------------------------------------------------------- */
/* Opens the client on conf (loaded by the caller); returns the process's
 * exit status. Problems before the screen opens (keymap, theme, lock
 * time, no profile) are printed as "nexus: ..." and give 1. */
int  nx_tui_run(const nx_conf *conf, const tui_screens *screens);

#endif
