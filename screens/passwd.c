/* screens/passwd — a new passphrase, typed twice without echo (seed 001
 * §4.8: at least 8 characters mixing letters, digits and symbols; changed
 * every 90 days). Past 90 days the unlock leads here and nothing else can
 * be opened until it is done; before that it is offered from 5 days ahead. */
#include "screens/screens.h"
#include "crypt/passphrase.h"
#include "tui/passbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    tui_passbox pb;
    int forced;
} passwd_st;

static int passwd_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)a;
    passwd_st *st = calloc(1, sizeof *st);
    if (!st || tui_passbox_open(&st->pb, 2) != 0) {
        free(st);
        snprintf(err, errlen, "out of secure memory");
        return -1;
    }
    st->forced = arg ? *(const int *)arg : 0;
    s->st = st;
    return 0;
}

static void passwd_close(tui_screen *s, tui_app *a)
{
    (void)a;
    passwd_st *st = s->st;
    if (!st)
        return;
    tui_passbox_close(&st->pb);
    free(st);
    s->st = NULL;
}

static void passwd_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    passwd_st *st = s->st;
    tui_passbox_clear(&st->pb);
}

static int passwd_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    (void)s;
    (void)a;
    (void)err;
    (void)errlen;
    return 0;
}

static void passwd_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    passwd_st *st = s->st;
    char user[96];
    snprintf(user, sizeof user, "User\t%s", a->info.user);
    const char *info[] = {
        st->forced ? "It is more than 90 days old: choose a new one."
                   : "Choose a new passphrase.",
        "At least 8 characters: letters, digits and symbols.",
        user,
    };
    static const char *const labels[] = { "New", "Repeat" };
    char keys[128], q[32], u[32];
    tui_key_hint(a, REQ_QUIT, q, sizeof q);
    tui_key_hint(a, REQ_UNLOCK, u, sizeof u);
    if (st->forced)
        snprintf(keys, sizeof keys, "Tab next field   %s change   %s quit", u, q);
    else
        snprintf(keys, sizeof keys, "Tab next field   %s change   Esc keep the old one", u);
    tui_passbox_draw(a, &st->pb, w, "Change your passphrase", info, 3, labels, keys);
}

static int change(passwd_st *st, tui_app *a)
{
    const char *p1 = tui_passbox_text(&st->pb, 0), *p2 = tui_passbox_text(&st->pb, 1);
    size_t n1 = tui_passbox_len(&st->pb, 0), n2 = tui_passbox_len(&st->pb, 1);
    const char *weak = nx_pass_weakness((const unsigned char *)p1, n1);
    if (weak) {
        snprintf(st->pb.error, sizeof st->pb.error, "Refused: %s", weak);
        tui_passbox_clear(&st->pb);
        return -1;
    }
    if (n1 != n2 || memcmp(p1, p2, n1) != 0) {
        snprintf(st->pb.error, sizeof st->pb.error, "The two differ: type them again.");
        tui_passbox_clear(&st->pb);
        return -1;
    }
    char err[512];
    int rc = nx_vault_rewrap(a->profile.vault, p1, n1, NX_KDF_MODERATE, err, sizeof err);
    tui_passbox_clear(&st->pb);
    if (rc != 0) {
        snprintf(st->pb.error, sizeof st->pb.error, "%.200s", err);
        return -1;
    }
    a->info = *nx_vault_info(a->profile.vault);
    return 0;
}

static int passwd_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    passwd_st *st = s->st;
    switch (req) {
    case REQ_UNLOCK:
    case REQ_NEXT_FIELD:
    case REQ_OPEN:
        if (key == '\n' && st->pb.focus == st->pb.nfields - 1) {
            if (change(st, a) != 0)
                return TUI_REDRAW;
            tui_msg(a, TUI_EL_INFO, "Passphrase changed.");
            return TUI_POP;
        }
        tui_passbox_key(&st->pb, '\t');
        return TUI_REDRAW;
    case REQ_BACK:
    case REQ_CANCEL:
        return st->forced ? TUI_DONE : TUI_POP;
    case REQ_QUIT:
    case REQ_LOCK:
    case REQ_REDRAW:
    case REQ_BLANK:
        return TUI_UNUSED;
    case REQ_NONE:
        if (key == 27)
            return st->forced ? TUI_DONE : TUI_POP;
        if (tui_passbox_key(&st->pb, key) >= 0)
            return TUI_REDRAW;
        return TUI_DONE;
    default:
        /* Nothing else opens while a passphrase change is due. */
        return TUI_DONE;
    }
}

const tui_screen_ops nx_scr_passwd = {
    .name = "passwd",
    .ctx = TUI_CTX_LOCK,
    .text_entry = 1,
    .full_screen = 1,
    .open = passwd_open,
    .close = passwd_close,
    .suspend = passwd_suspend,
    .resume = passwd_resume,
    .draw = passwd_draw,
    .handle = passwd_handle,
};
