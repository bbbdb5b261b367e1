/* tui/sync — the screen's side of background sync (tui/sync.h). */
#include "tui/sync.h"
#include "tui/app.h"
#include "store/sync_store.h"
#include "sync/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNCING "Syncing with the hub..."

void tui_sync_start(tui_app *a)
{
    tui_sync *y = &a->sync;
    y->configured = a->conf.sync_host[0] != '\0';
    y->grace_only = a->profile_open && nx_sync_grace_expired(&a->profile, &a->conf, tui_now(a));
    if (!y->configured || y->w || !a->profile_open)
        return;
    /* The headless test mode drives the client from a script: a round in
     * the background would make its screens depend on timing. */
    if (a->headless && !getenv("NEXUS_TUI_SYNC"))
        return;
    char err[256];
    if (nx_sync_worker_start(&a->profile, &a->conf, &y->w, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
    y->running = 0;
}

void tui_sync_stop(tui_app *a)
{
    nx_sync_worker_stop(a->sync.w);
    a->sync.w = NULL;
    a->sync.running = 0;
}

static int refreshable(tui_app *a, tui_screen *s)
{
    return s->ops == a->scr.dashboard || s->ops == a->scr.queue || s->ops == a->scr.sync;
}

static void finished(tui_app *a, const nx_sync_report *r)
{
    tui_sync *y = &a->sync;
    y->running = 0;
    y->have_result = 1;
    y->rounds++;
    y->last_code = r->code;
    y->last = r->stats;
    snprintf(y->msg, sizeof y->msg, "%s", r->msg);
    y->online = r->code == NX_SYNC_OK;
    if (r->code == NX_SYNC_OK) {
        y->last_ok = r->at;
        if (y->grace_only) {
            y->grace_only = 0;
            tui_msg(a, TUI_EL_INFO, "Synced with the hub: your work is open again.");
        }
    }
    if (r->code == NX_SYNC_REVOKED) {
        /* The worker has erased the cache (before it posted this): nothing
         * is left to show. It is reaped here, its pipes closed. */
        nx_sync_worker_stop(a->sync.w);
        a->sync.w = NULL;
        a->exit_status = 7;
        a->quit = 1;
        a->revoked = 1;
        return;
    }
    if (r->stats.items || r->stats.dropped || r->stats.records || r->stats.rejected ||
        r->stats.conflicts) {
        tui_screen *s = tui_top(a);
        char why[256] = "";
        if (s && !a->locked && refreshable(a, s) && s->ops->resume)
            (void)s->ops->resume(s, a, why, sizeof why);
    }
    /* The answer to S, unless another message took its place meanwhile. */
    if (y->asked && strcmp(a->msg, SYNCING) == 0) {
        if (r->code != NX_SYNC_OK)
            tui_msg(a, TUI_EL_ERROR, "Sync failed: %s",
                    y->msg[0] ? y->msg : "the hub was not reached");
        else
            tui_msg(a, TUI_EL_INFO, "Synced: %llu change%s sent, %llu item%s received%s.",
                    (unsigned long long)r->stats.pushed, r->stats.pushed == 1 ? "" : "s",
                    (unsigned long long)r->stats.items, r->stats.items == 1 ? "" : "s",
                    r->stats.dropped ? ", some removed from this laptop" : "");
    }
    y->asked = 0;
    if (r->stats.rejected || r->stats.conflicts)
        tui_msg(a, TUI_EL_AT_RISK, "The hub refused %llu change%s: see the sync screen.",
                (unsigned long long)(r->stats.rejected + r->stats.conflicts),
                r->stats.rejected + r->stats.conflicts == 1 ? "" : "s");
}

void tui_sync_poll(tui_app *a)
{
    tui_sync *y = &a->sync;
    if (!y->w)
        return;
    nx_sync_report r;
    int got;
    while ((got = nx_sync_worker_poll(y->w, &r)) == 1) {
        if (r.phase == NX_WORKER_RUNNING)
            y->running = 1;
        else
            finished(a, &r);
        if (!y->w)
            break;
    }
    memset(&r, 0, sizeof r);
    if (got < 0 && y->w) {
        /* The worker died (it never should): start another next second. */
        tui_sync_stop(a);
        y->online = 0;
        tui_sync_start(a);
    }
}

int tui_sync_now(tui_app *a)
{
    tui_sync *y = &a->sync;
    if (!y->configured) {
        tui_msg(a, TUI_EL_ERROR, "No hub is configured ([sync] host in nexus.conf).");
        return -1;
    }
    if (!y->w)
        tui_sync_start(a);
    nx_sync_worker_kick(y->w);
    y->running = 1;
    y->asked = 1;
    tui_msg(a, TUI_EL_INFO, SYNCING);
    return 0;
}

int64_t tui_sync_pending(tui_app *a)
{
    if (!a->profile_open || a->locked)
        return -1;
    return nx_outbox_count(a->profile.store);
}

void tui_sync_status(tui_app *a, char *buf, size_t len, int *offline)
{
    tui_sync *y = &a->sync;
    int64_t pending = tui_sync_pending(a);
    char when[32] = "never";
    if (y->last_ok) {
        time_t t = (time_t)y->last_ok;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%H:%M", &tm);
    }
    const char *state = !y->configured ? "no hub"
                      : y->running     ? "syncing"
                      : y->online      ? "online"
                                       : "offline";
    *offline = !y->online;
    /* Short: it shares the bar with the user, TRAINING and the lock time. */
    if (pending < 0)
        snprintf(buf, len, "  %s ", state);
    else if (!y->configured)
        snprintf(buf, len, "  %s \xc2\xb7 %lld pending ", state, (long long)pending);
    else
        snprintf(buf, len, "  %s \xc2\xb7 %lld pending \xc2\xb7 %s ", state,
                 (long long)pending, y->last_ok ? when : "never synced");
}
