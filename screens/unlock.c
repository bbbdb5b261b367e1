/* screens/unlock — the first screen: whose profile this is, and the
 * passphrase (no echo). Wrong passphrases back off (1 s, 2 s, 4 s ...,
 * capped); the count is kept beside the key file by core/profile/guard,
 * so quitting and starting again does not reset it, and the attempts go
 * into the audit at the next good unlock. */
#include "screens/screens.h"
#include "tui/passbox.h"
#include "tui/term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef nx_scr_pass_st unlock_st;

static void unlock_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    unlock_st *st = s->st;
    char user[96];
    snprintf(user, sizeof user, "User\t%s", a->info.user);
    const char *info[4];
    int n = 0;
    if (a->info.training) {
        info[n++] = " TRAINING profile: synthetic data for practice ";
        info[n++] = "";
    }
    info[n++] = user;
    nx_scr_backoff_line(a, st->why, st->pb.error, sizeof st->pb.error);
    static const char *const labels[] = { "Passphrase" };
    char keys[256], k1[64], k2[64];
    tui_key_hint(a, REQ_UNLOCK, k1, sizeof k1);
    tui_key_hint(a, REQ_QUIT, k2, sizeof k2);
    snprintf(keys, sizeof keys, "%s unlock   %s quit", k1, k2);
    tui_passbox_draw(a, &st->pb, w, "Nexus Workstation", info, n, labels, keys);
}

static int unlock_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    unlock_st *st = s->st;
    if (req == REQ_UNLOCK) {
        char err[512];
        int rc = tui_try_passphrase(a, tui_passbox_text(&st->pb, 0),
                                    tui_passbox_len(&st->pb, 0), err, sizeof err);
        tui_passbox_clear(&st->pb);
        if (rc != 0) {
            snprintf(st->why, sizeof st->why, "%.200s", err);
            return TUI_REDRAW;
        }
        /* Replaces this screen (and frees st): nothing after this uses it. */
        if (tui_signed_in(a, err, sizeof err) != 0)
            tui_die("%s", err);
        return TUI_REDRAW;
    }
    if (req == REQ_QUIT || req == REQ_REDRAW)
        return TUI_UNUSED;
    if (req == REQ_NONE && tui_passbox_key(&st->pb, key) >= 0)
        return TUI_REDRAW;
    return TUI_DONE;
}

const tui_screen_ops nx_scr_unlock = {
    .name = "unlock",
    .ctx = TUI_CTX_LOCK,
    .text_entry = 1,
    .full_screen = 1,
    .open = nx_scr_pass_open,
    .close = nx_scr_pass_close,
    .draw = unlock_draw,
    .handle = unlock_handle,
};
