/* screens/lock — shown instead of everything else while locked: the user
 * name and the time it locked, nothing more (the screens below were wiped
 * and the cache closed before this was drawn). The right passphrase
 * brings back the same screen and row, unsaved edits restored. */
#include "screens/screens.h"
#include "tui/passbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef nx_scr_pass_st lock_st;

static void lock_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    lock_st *st = s->st;
    char user[96], when[96], at[32];
    time_t t = (time_t)a->locked_at;
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(at, sizeof at, "%H:%M, %a %d %b", &tm))
        snprintf(at, sizeof at, "?");
    snprintf(user, sizeof user, "User\t%s", a->info.user);
    snprintf(when, sizeof when, "Locked at\t%s", at);
    const char *info[] = { user, when };
    static const char *const labels[] = { "Passphrase" };
    nx_scr_backoff_line(a, st->why, st->pb.error, sizeof st->pb.error);
    char keys[256], k1[64], k2[64];
    tui_key_hint(a, REQ_UNLOCK, k1, sizeof k1);
    tui_key_hint(a, REQ_QUIT, k2, sizeof k2);
    snprintf(keys, sizeof keys, "%s unlock   %s quit (unsaved edits are kept)", k1, k2);
    tui_passbox_draw(a, &st->pb, w, "Nexus Workstation is locked", info, 2, labels, keys);
}

static int lock_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    lock_st *st = s->st;
    if (req == REQ_UNLOCK) {
        char err[512];
        int rc = tui_try_passphrase(a, tui_passbox_text(&st->pb, 0),
                                    tui_passbox_len(&st->pb, 0), err, sizeof err);
        tui_passbox_clear(&st->pb);
        if (rc != 0) {
            snprintf(st->why, sizeof st->why, "%.200s", err);
            return TUI_REDRAW;
        }
        tui_unlocked(a);          /* closes this screen */
        return TUI_REDRAW;
    }
    if (req == REQ_QUIT || req == REQ_REDRAW)
        return TUI_UNUSED;
    if (req == REQ_NONE && tui_passbox_key(&st->pb, key) >= 0)
        return TUI_REDRAW;
    return TUI_DONE;
}

const tui_screen_ops nx_scr_lock = {
    .name = "lock",
    .ctx = TUI_CTX_LOCK,
    .text_entry = 1,
    .full_screen = 1,
    .open = nx_scr_pass_open,
    .close = nx_scr_pass_close,
    .draw = lock_draw,
    .handle = lock_handle,
};
