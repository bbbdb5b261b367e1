/* tui/sync — the screen's side of background sync (core/sync/worker): the
 * worker started after sign-in and unlock and killed on lock and exit,
 * its reports taken once a second, S (sync now), and the status bar's
 * words: online / offline / syncing, pending ops, the last sync. */
#ifndef NX_TUI_SYNC_H
#define NX_TUI_SYNC_H
#include <stddef.h>
#include <stdint.h>
#include "sync/worker.h"

typedef struct tui_sync {
    nx_sync_worker *w;
    int configured;             /* [sync] host is set */
    int running;                /* a round is under way */
    int have_result;            /* at least one round has ended */
    int online;                 /* the last round reached the hub */
    int grace_only;             /* offline grace expired: only sync offered */
    int last_code;              /* nx_sync_code of the last round */
    int64_t last_ok;            /* wall clock of the last good round */
    nx_sync_stats last;         /* its counts (no PHI) */
    uint64_t rounds;            /* finished rounds since start */
    int asked;                  /* S asked for the round under way: its end
                                   replaces "Syncing with the hub..." */
    char msg[512];              /* why the last round failed */
} tui_sync;

struct tui_app;
/* After sign-in or unlock: starts the worker when a hub is configured, and
 * works out whether the offline grace has run out. */
void tui_sync_start(struct tui_app *a);
/* Lock, quit: kills the worker (it holds keys). */
void tui_sync_stop(struct tui_app *a);
/* Once a second from the loop's timers: takes the worker's reports;
 * refreshes the dashboard and queues when items came or went. */
void tui_sync_poll(struct tui_app *a);
/* S: a round now. 0 asked, -1 no hub configured (a message says so). */
int  tui_sync_now(struct tui_app *a);
/* The status bar's sync words ("online · 3 pending · synced 14:02"). */
void tui_sync_status(struct tui_app *a, char *buf, size_t len, int *offline);
/* Ops waiting in the outbox (-1 when the cache is closed). */
int64_t tui_sync_pending(struct tui_app *a);

#endif
