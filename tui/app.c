/* tui/app — the screen stack, signing in, locking and unlocking. */
#include "tui/app.h"
#include "tui/term.h"
#include "profile/guard.h"
#include "domain/dict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void tui_wipe(void *p, size_t len)
{
    if (p && len)
        explicit_bzero(p, len);
}

/* ---- time -------------------------------------------------------------------- */

static int64_t real_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tui_mono_ms(const tui_app *a)
{
    const tui_clock *c = &a->clock;
    if (c->virtual_time)
        return c->mono_ms;
    int64_t ms = real_mono_ms() - c->real_start_ms;
    return c->scale > 1 ? ms * c->scale : ms;
}

int64_t tui_now(const tui_app *a)
{
    const tui_clock *c = &a->clock;
    if (c->virtual_time)
        return c->wall_base + c->mono_ms / 1000;
    if (c->scale > 1)
        return c->wall_base + tui_mono_ms(a) / 1000;
    return (int64_t)time(NULL);
}

int64_t tui_time_to_lock(const tui_app *a)
{
    int64_t idle = (tui_mono_ms(a) - a->idle_since_ms) / 1000;
    int64_t left = a->conf.idle_lock_seconds - idle;
    return left < 0 ? 0 : left;
}

/* ---- the stack ------------------------------------------------------------- */

tui_screen *tui_top(tui_app *a)
{
    return a->depth ? &a->stack[a->depth - 1] : NULL;
}

tui_screen *tui_active(tui_app *a)
{
    return a->locked ? &a->lockscr : tui_top(a);
}

int tui_push(tui_app *a, const tui_screen_ops *ops, const void *arg)
{
    if (a->depth == TUI_STACK_MAX) {
        tui_msg(a, TUI_EL_ERROR, "Too many screens open: go back first (q).");
        return -1;
    }
    tui_screen *s = &a->stack[a->depth];
    memset(s, 0, sizeof *s);
    s->ops = ops;
    char err[512] = "";
    if (ops->open && ops->open(s, a, arg, err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err[0] ? err : "Cannot open that screen.");
        memset(s, 0, sizeof *s);
        return -1;
    }
    a->depth++;
    return 0;
}

void tui_pop(tui_app *a)
{
    if (!a->depth)
        return;
    tui_screen *s = &a->stack[--a->depth];
    if (s->ops->close)
        s->ops->close(s, a);
    memset(s, 0, sizeof *s);
}

int tui_reset_to(tui_app *a, const tui_screen_ops *ops, const void *arg)
{
    while (a->depth)
        tui_pop(a);
    return tui_push(a, ops, arg);
}

/* ---- signing in, locking, unlocking ------------------------------------------ */

int64_t tui_backoff_left(tui_app *a)
{
    nx_backoff b;
    char err[256];
    /* A damaged file loads as the cap (fail closed); its message is shown
     * by the attempt that follows. */
    (void)nx_backoff_load(&a->profile, &b, err, sizeof err);
    return nx_backoff_wait(&b, tui_now(a));
}

int tui_try_passphrase(tui_app *a, const char *pass, size_t len, char *err, size_t errlen)
{
    if (tui_backoff_left(a) > 0) {
        snprintf(err, errlen, "Too early: wait for the countdown.");
        return -1;
    }
    char why[1024];
    if (nx_profile_open(&a->profile, pass, len, why, sizeof why) != 0) {
        char ferr[256];
        /* Recorded before the answer is shown: quitting now does not
         * reset the count. */
        (void)nx_backoff_fail(&a->profile, tui_now(a), ferr, sizeof ferr);
        if (strncmp(why, "wrong passphrase", 16) == 0)
            snprintf(err, errlen, "Wrong passphrase.");
        else
            snprintf(err, errlen, "%s", why);
        return -1;
    }
    a->profile_open = 1;
    char serr[256];
    if (nx_backoff_settle(&a->profile, serr, sizeof serr) != 0)
        tui_msg(a, TUI_EL_ERROR, "Failed attempts could not be written to the audit: %s", serr);
    return 0;
}

static int64_t session_clock(void *ctx)
{
    return tui_now(ctx);
}

int tui_signed_in(tui_app *a, char *err, size_t errlen)
{
    a->session.clock = session_clock;
    a->session.clock_ctx = a;
    if (nx_session_start(&a->session, &a->profile, nx_dict_default(), NULL, err, errlen) != 0)
        return -1;
    a->session_on = 1;
    a->info = *nx_vault_info(a->profile.vault);
    tui_sync_start(a);
    if (a->sync.grace_only)
        return tui_reset_to(a, a->scr.sync, NULL);
    int days = 0;
    nx_pass_age age = nx_passphrase_age(&a->info, tui_now(a), &days);
    int forced = age == NX_PASS_EXPIRED;
    if (tui_reset_to(a, a->scr.dashboard, NULL) != 0)
        return -1;
    if (forced) {
        tui_push(a, a->scr.passwd, &forced);
    } else if (age == NX_PASS_REMIND) {
        char key[32];
        tui_key_hint(a, REQ_PASSPHRASE, key, sizeof key);
        tui_msg(a, TUI_EL_AT_RISK, "Your passphrase must be changed within %d day%s "
                "(every %d days): press %s.", days, days == 1 ? "" : "s", NX_PASS_MAX_DAYS, key);
    }
    return 0;
}

void tui_lock(tui_app *a)
{
    if (a->locked || !a->profile_open || !a->session_on)
        return;
    tui_dialog_cancel(a);
    if (a->prompt.on) {
        tui_wipe(a->prompt.text, sizeof a->prompt.text);
        a->prompt.on = 0;
    }
    /* The worker holds keys and rows too: it goes first. */
    tui_sync_stop(a);
    for (int i = a->depth - 1; i >= 0; i--)
        if (a->stack[i].ops->suspend)
            a->stack[i].ops->suspend(&a->stack[i], a);
    char err[256];
    nx_audit_event e = { .action = NX_AUDIT_LOCK, .at = tui_now(a) };
    (void)nx_profile_audit(&a->profile, &e, err, sizeof err);
    nx_profile_close(&a->profile);
    a->profile_open = 0;
    a->locked = 1;
    a->blanked = 0;
    a->locked_at = tui_now(a);
    tui_wipe(a->msg, sizeof a->msg);
    /* The whole terminal is rewritten, not only what changed, so the
     * patient data that was on it is overwritten everywhere. */
    clearok(curscr, TRUE);
    memset(&a->lockscr, 0, sizeof a->lockscr);
    a->lockscr.ops = a->scr.lock;
    char oerr[256];
    /* Without a lock screen the only safe state is gone: exit cleared. */
    if (a->lockscr.ops->open &&
        a->lockscr.ops->open(&a->lockscr, a, NULL, oerr, sizeof oerr) != 0)
        tui_die("cannot show the lock screen: %s", oerr);
}

void tui_unlocked(tui_app *a)
{
    char err[256];
    nx_audit_event e = { .action = NX_AUDIT_UNLOCK, .at = tui_now(a) };
    (void)nx_profile_audit(&a->profile, &e, err, sizeof err);
    if (a->lockscr.ops && a->lockscr.ops->close)
        a->lockscr.ops->close(&a->lockscr, a);
    memset(&a->lockscr, 0, sizeof a->lockscr);
    a->locked = 0;
    a->idle_since_ms = tui_mono_ms(a);
    for (int i = 0; i < a->depth; i++) {
        tui_screen *s = &a->stack[i];
        char why[512] = "";
        if (s->ops->resume && s->ops->resume(s, a, why, sizeof why) != 0) {
            while (a->depth > i)
                tui_pop(a);
            tui_msg(a, TUI_EL_ERROR, "%s", why[0] ? why : "That screen could not be reopened.");
            break;
        }
    }
    if (!a->depth)
        tui_push(a, a->scr.dashboard, NULL);
    tui_sync_start(a);
    if (a->sync.grace_only && tui_top(a) && tui_top(a)->ops != a->scr.sync)
        tui_reset_to(a, a->scr.sync, NULL);
}

/* ---- messages and drawing helpers ------------------------------------------- */

void tui_msg(tui_app *a, tui_elem e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_elem = e;
}

void tui_prompt(tui_app *a, const char *label, const char *initial,
                void (*on_change)(tui_app *, void *, const char *),
                void (*on_done)(tui_app *, void *, int, const char *), void *ctx)
{
    tui_wipe(a->prompt.text, sizeof a->prompt.text);
    a->prompt.on = 1;
    snprintf(a->prompt.label, sizeof a->prompt.label, "%s", label);
    snprintf(a->prompt.text, sizeof a->prompt.text, "%s", initial ? initial : "");
    tui_edit_init(&a->prompt.edit, a->prompt.text, sizeof a->prompt.text, 0);
    a->prompt.on_change = on_change;
    a->prompt.on_done = on_done;
    a->prompt.ctx = ctx;
}

void tui_put_attr(WINDOW *w, int y, int x, int cols, unsigned long attr, const char *s)
{
    if (cols <= 0)
        return;
    char buf[2048];
    tui_text_fit(buf, sizeof buf, s, cols, 0, 0);
    tui_attrset(w, (attr_t)attr);
    mvwaddstr(w, y, x, buf);
    tui_attrset(w, A_NORMAL);
    tui_wipe(buf, sizeof buf);
}

void tui_box(WINDOW *w, int y, int x, int h, int wd, unsigned long attr)
{
    if (h < 2 || wd < 2)
        return;
    tui_attrset(w, (attr_t)attr);
    for (int i = 0; i < wd; i++) {
        const char *top = i == 0 ? "\xe2\x94\x8c" : i == wd - 1 ? "\xe2\x94\x90" : "\xe2\x94\x80";
        const char *bot = i == 0 ? "\xe2\x94\x94" : i == wd - 1 ? "\xe2\x94\x98" : "\xe2\x94\x80";
        mvwaddstr(w, y, x + i, top);
        mvwaddstr(w, y + h - 1, x + i, bot);
    }
    for (int j = 1; j < h - 1; j++) {
        mvwaddstr(w, y + j, x, "\xe2\x94\x82");
        mvwaddstr(w, y + j, x + wd - 1, "\xe2\x94\x82");
    }
    tui_attrset(w, A_NORMAL);
}

void tui_put(tui_app *a, WINDOW *w, int y, int x, int cols, tui_elem e, const char *s)
{
    tui_put_attr(w, y, x, cols, tui_attr(&a->theme, e), s);
}

void tui_keys_for(tui_app *a, int req, char *buf, size_t len)
{
    tui_screen *s = tui_active(a);
    tui_ctx ctx = s ? s->ops->ctx : TUI_CTX_GENERIC;
    int te = s ? s->ops->text_entry : 0;
    tui_keymap_keys_for(&a->km, ctx, te, req, buf, len);
}

void tui_key_hint(tui_app *a, int req, char *buf, size_t len)
{
    char keys[128];
    tui_keys_for(a, req, keys, sizeof keys);
    char *comma = strchr(keys, ',');
    if (comma)
        *comma = '\0';
    char *k = keys;
    size_t n = strlen(k);
    if (n > 2 && k[0] == '<' && k[n - 1] == '>') {
        k[n - 1] = '\0';
        k++;
    }
    if (k[0] == 'C' && k[1] == '-' && k[2] && !k[3])
        snprintf(buf, len, "Ctrl-%c", k[2] >= 'a' && k[2] <= 'z' ? k[2] - 'a' + 'A' : k[2]);
    else
        snprintf(buf, len, "%s", k[0] ? k : "-");
}

void tui_set_cursor(tui_app *a, WINDOW *w, int y, int x)
{
    a->cursor_win = w;
    a->cursor_y = y;
    a->cursor_x = x;
}
