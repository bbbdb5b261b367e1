/* tui/loop — nx_tui_run: start-up checks, the main loop, shutdown.
 *
 * The loop is tig's: doupdate(); wtimeout(); wget_wch(). The timeout (at
 * most a second, so the status bar's time to lock counts down) lets timers
 * run between keys; signal handlers only set flags, acted on here. */
#include "tui/app.h"
#include "tui/frame.h"
#include "tui/script.h"
#include "tui/term.h"
#include "crypt/crypt.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- one key ------------------------------------------------------------------- */

static int global_request(tui_app *a, int req)
{
    if (req == REQ_QUIT)
        return TUI_QUIT;
    if (req == REQ_REDRAW) {
        clearok(curscr, TRUE);
        return TUI_REDRAW;
    }
    if (a->locked || !a->session_on)
        return TUI_DONE;
    if (a->sync.grace_only && req != REQ_LOCK && req != REQ_BLANK && req != REQ_HELP &&
        req != REQ_SYNC_NOW && req != REQ_VIEW_SYNC && req != REQ_BACK) {
        tui_msg(a, TUI_EL_ERROR, "Not synced for longer than the offline grace: only sync "
                "is possible until the hub is reached.");
        return TUI_REDRAW;
    }
    switch (req) {
    case REQ_SYNC_NOW:
        tui_sync_now(a);
        return TUI_REDRAW;
    case REQ_VIEW_SYNC:
        if (tui_top(a) && tui_top(a)->ops != a->scr.sync)
            tui_push(a, a->scr.sync, NULL);
        return TUI_REDRAW;
    case REQ_VIEW_CONFLICTS:
        if (a->scr.conflicts && tui_top(a) && tui_top(a)->ops != a->scr.conflicts)
            tui_push(a, a->scr.conflicts, NULL);
        return TUI_REDRAW;
    case REQ_VIEW_KPI:
        if (a->scr.kpi && tui_top(a) && tui_top(a)->ops != a->scr.kpi)
            tui_push(a, a->scr.kpi, NULL);
        return TUI_REDRAW;
    case REQ_VIEW_AUDIT:
        if (a->scr.audit && tui_top(a) && tui_top(a)->ops != a->scr.audit)
            tui_push(a, a->scr.audit, NULL);
        return TUI_REDRAW;
    case REQ_INCIDENT:
    case REQ_VIEW_INCIDENTS:
    case REQ_VIEW_REQUESTS: {
        /* F8 from any screen: the report form on top of it (the screen
         * under it comes back as it was). */
        const tui_screen_ops *o = req == REQ_INCIDENT ? a->scr.incident
                                : req == REQ_VIEW_INCIDENTS ? a->scr.incidents
                                                            : a->scr.requests;
        if (o && tui_top(a) && tui_top(a)->ops != o)
            tui_push(a, o, NULL);
        return TUI_REDRAW;
    }
    case REQ_VIEW_QA:
    case REQ_VIEW_CAPA: {
        const tui_screen_ops *o = req == REQ_VIEW_QA ? a->scr.qa : a->scr.capa;
        if (o && tui_top(a) && tui_top(a)->ops != o)
            tui_push(a, o, NULL);
        return TUI_REDRAW;
    }
    case REQ_LOCK:
        tui_lock(a);
        return TUI_REDRAW;
    case REQ_BLANK:
        a->blanked = 1;
        return TUI_REDRAW;
    case REQ_HELP:
        if (tui_top(a) && tui_top(a)->ops != a->scr.help)
            tui_push(a, a->scr.help, tui_top(a));
        return TUI_REDRAW;
    case REQ_VIEW_SCHEDULING:
    case REQ_VIEW_ELIGIBILITY:
    case REQ_VIEW_PRIOR_AUTH:
    case REQ_VIEW_ROI: {
        nx_kind k = req == REQ_VIEW_SCHEDULING ? NX_KIND_SCHEDULING
                  : req == REQ_VIEW_ELIGIBILITY ? NX_KIND_ELIGIBILITY
                  : req == REQ_VIEW_PRIOR_AUTH ? NX_KIND_PRIOR_AUTH : NX_KIND_ROI;
        /* One queue at a time above the dashboard: switching replaces it. */
        while (a->depth > 1 && tui_top(a)->ops != a->scr.dashboard)
            tui_pop(a);
        tui_push(a, a->scr.queue, &k);
        return TUI_REDRAW;
    }
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_DONE;
    }
}

static void prompt_key(tui_app *a, tui_key k)
{
    if (k == '\n' || k == 27) {
        a->prompt.on = 0;
        char text[sizeof a->prompt.text];
        memcpy(text, a->prompt.text, sizeof text);
        tui_wipe(a->prompt.text, sizeof a->prompt.text);
        if (a->prompt.on_done)
            a->prompt.on_done(a, a->prompt.ctx, k == '\n', text);
        tui_wipe(text, sizeof text);
        return;
    }
    if (tui_edit_key(&a->prompt.edit, k) == 1 && a->prompt.on_change)
        a->prompt.on_change(a, a->prompt.ctx, a->prompt.text);
}

static void dispatch(tui_app *a, tui_key k)
{
    if (k == TUI_KEY_FN + KEY_RESIZE) {
        tui_frame_relayout(a);
        return;
    }
    a->idle_since_ms = tui_mono_ms(a);
    if (a->blanked) {
        /* Any key brings the screen back; the key does nothing else. */
        a->blanked = 0;
        clearok(curscr, TRUE);
        return;
    }
    if (a->dlg.kind != TUI_DLG_NONE) {
        tui_dialog_key(a, k);
        return;
    }
    if (a->prompt.on) {
        prompt_key(a, k);
        return;
    }
    a->msg[0] = '\0';
    tui_screen *s = tui_active(a);
    if (!s)
        return;
    int req = tui_keymap_resolve(&a->km, s->ops->ctx, s->ops->text_entry, k);
    if (a->lay.too_small) {
        /* Nothing is typed into what cannot be seen; locking, blanking
         * and quitting still work. */
        if (req == REQ_LOCK || req == REQ_BLANK || req == REQ_QUIT)
            a->quit |= (global_request(a, req) & TUI_QUIT) != 0;
        return;
    }
    int r = s->ops->handle ? s->ops->handle(s, a, req, k) : TUI_UNUSED;
    if ((r & TUI_UNUSED) && req != REQ_NONE)
        r = global_request(a, req);
    if (r & TUI_QUIT)
        a->quit = 1;
    if (r & TUI_POP) {
        tui_pop(a);
        if (!a->depth)
            a->quit = 1;
    }
}

/* ---- timers ---------------------------------------------------------------------- */

static void timers(tui_app *a)
{
    if (a->session_on && !a->locked && a->profile_open && tui_time_to_lock(a) == 0)
        tui_lock(a);
    if (a->session_on && !a->locked)
        tui_sync_poll(a);
    if (a->quit)
        return;
    tui_screen *s = tui_active(a);
    if (s && s->ops->tick)
        s->ops->tick(s, a);
}

/* ---- start and stop ------------------------------------------------------------ */

/* Quit, hang-up, end of script: drafts kept, session closed, keys wiped. */
static void shutdown_session(tui_app *a)
{
    tui_sync_stop(a);
    tui_dialog_cancel(a);
    tui_wipe(a->prompt.text, sizeof a->prompt.text);
    if (a->revoked) {
        /* The worker erased the key file and the cache: nothing may be
         * written now (an audit event would move the key file's head and
         * write a key file again). */
        while (a->depth)
            tui_pop(a);
        if (a->session_on)
            nx_policy_free(a->session.policy);
        a->session_on = 0;
        nx_profile_close(&a->profile);
        a->profile_open = 0;
        return;
    }
    if (a->locked && a->lockscr.ops && a->lockscr.ops->close)
        a->lockscr.ops->close(&a->lockscr, a);
    if (a->profile_open)
        for (int i = a->depth - 1; i >= 0; i--)
            if (a->stack[i].ops->suspend)
                a->stack[i].ops->suspend(&a->stack[i], a);
    while (a->depth)
        tui_pop(a);
    if (a->session_on && a->profile_open)
        nx_session_end(&a->session);
    else if (a->session_on)
        nx_policy_free(a->session.policy);
    a->session_on = 0;
    nx_profile_close(&a->profile);
    a->profile_open = 0;
}

static void clock_init(tui_app *a)
{
    tui_clock *c = &a->clock;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    c->real_start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    c->wall_base = (int64_t)time(NULL);
    c->virtual_time = a->headless;
#ifdef NX_TEST_BUILD
    /* Test builds only: a fixed "now" for golden screens, and a clock
     * that runs faster so an end-to-end test sees the idle lock without
     * waiting minutes. A release build ignores both. */
    const char *now = getenv("NEXUS_TEST_NOW");
    if (now && *now)
        c->wall_base = strtoll(now, NULL, 10);
    const char *scale = getenv("NEXUS_TEST_TIME_SCALE");
    if (scale && *scale && !c->virtual_time) {
        c->scale = atoi(scale);
        if (c->scale > 1 && !(now && *now))
            c->wall_base = (int64_t)time(NULL);
    }
#endif
}

static tui_key read_key(tui_app *a)
{
    if (a->script) {
        tui_key k = tui_script_next(a->script, a);
        if (k == TUI_KEY_END)
            a->quit = 1;
        return k;
    }
    /* Wake at least once a second (the status bar counts down) and when
     * the idle lock is due. */
    int wait = 1000 - (int)(tui_mono_ms(a) % 1000);
    if (a->clock.scale > 1)
        wait = wait / a->clock.scale + 1;
    wtimeout(stdscr, wait);
    wint_t wch;
    int rc = wget_wch(stdscr, &wch);
    if (rc == ERR)
        return TUI_KEY_NONE;
    if (rc == KEY_CODE_YES && wch == KEY_RESIZE)
        return TUI_KEY_FN + KEY_RESIZE;
    return tui_key_from_curses(rc, (unsigned)wch);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void loop(tui_app *a)
{
    struct timespec t0;
    int timing = 0;
    tui_key timed_key = 0;
    while (!a->quit) {
        if (tui_sig_hup)
            break;
        if (tui_sig_tstp) {
            tui_sig_tstp = 0;
            /* Locked before the terminal is handed back to the shell. */
            tui_lock(a);
            tui_frame_draw(a);
            doupdate();
            tui_term_suspend();
            tui_term_resume();
            tui_sig_cont = 1;
        }
        if (tui_sig_cont || tui_sig_winch) {
            tui_sig_cont = tui_sig_winch = 0;
            tui_frame_relayout(a);
        }
        timers(a);
        tui_frame_draw(a);
        doupdate();
        if (timing && a->times) {
            char name[32];
            tui_key_name(timed_key, name, sizeof name);
            fprintf(a->times, "%s %.3f\n", name, ms_since(&t0));
            timing = 0;
        }
        tui_key k = read_key(a);
        if (k == TUI_KEY_NONE || k == TUI_KEY_TICK || k == TUI_KEY_END)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        timing = 1;
        timed_key = k;
        dispatch(a, k);
    }
}

static int prepare(tui_app *a, char *err, size_t errlen)
{
    if (tui_keymap_load(&a->km, a->conf.keymap, err, errlen) != 0)
        return -1;
    if (tui_theme_check(a->conf.theme, err, errlen) != 0)
        return -1;
    if (nx_profile_paths(&a->profile, &a->conf, err, errlen) != 0)
        return -1;
    char why[1024];
    if (nx_vault_peek(a->profile.keyfile, &a->info, why, sizeof why) != 0) {
        snprintf(err, errlen, "no profile in %s (%s); create one with `nexus init` "
                 "(see nexus --help)", a->profile.dir, why);
        return -1;
    }
    const char *script = getenv("NEXUS_TUI_SCRIPT");
#ifndef NX_TEST_BUILD
    /* A script can save screens to files: outside test builds only a
     * TRAINING profile (invented data) may be driven that way, so the
     * mode can never write real patients' data to disk. The flag is part
     * of the key file's authenticated fields: changing it makes the
     * unlock fail. */
    if (script && *script && !a->info.training) {
        snprintf(err, errlen, "NEXUS_TUI_SCRIPT (the headless test mode) opens only "
                 "TRAINING profiles");
        return -1;
    }
#endif
    if (script && *script) {
        if (tui_script_open(&a->script, script, err, errlen) != 0)
            return -1;
        a->headless = 1;
        const char *times = getenv("NEXUS_TUI_TIMES");
        if (times && *times && !(a->times = fopen(times, "w"))) {
            snprintf(err, errlen, "%s: cannot write", times);
            return -1;
        }
    }
    return 0;
}

int nx_tui_run(const nx_conf *conf, const tui_screens *screens)
{
    setlocale(LC_ALL, "");
    tui_app *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "nexus: out of memory\n");
        return 1;
    }
    a->conf = *conf;
    a->scr = *screens;
    char err[NX_PATH_MAX + 512];
    if (prepare(a, err, sizeof err) != 0) {
        fprintf(stderr, "nexus: %s\n", err);
        tui_keymap_free(&a->km);
        tui_script_close(a->script);
        free(a);
        return 1;
    }
    clock_init(a);
    if (tui_term_start(a->headless, err, sizeof err) != 0) {
        fprintf(stderr, "nexus: %s\n", err);
        tui_keymap_free(&a->km);
        tui_script_close(a->script);
        free(a);
        return 1;
    }
    tui_theme_init(&a->theme, a->conf.theme, a->headless);
    tui_frame_relayout(a);
    a->idle_since_ms = tui_mono_ms(a);
    if (tui_push(a, a->scr.unlock, NULL) != 0)
        tui_die("cannot open the unlock screen: %s", a->msg);
    loop(a);
    shutdown_session(a);
    tui_frame_free(a);
    tui_term_done();
    int status = a->exit_status;
    if (tui_sig_hup)
        status = 0;
    if (a->revoked)
        fprintf(stderr, "nexus: the hub has revoked this user or laptop: the local cache has "
                "been erased. Ask your supervisor.\n");
    tui_keymap_free(&a->km);
    tui_script_close(a->script);
    if (a->times)
        fclose(a->times);
    tui_wipe(a, sizeof *a);
    free(a);
    return status;
}
