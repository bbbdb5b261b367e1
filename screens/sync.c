/* screens/sync — where sync stands: the hub, online or not, the last good
 * round and what it moved, changes waiting to be sent, changes the hub
 * refused, the hub's banner, and the offline grace. After the grace has
 * run out it is the only screen there is (S syncs; q quits), so access
 * ends within the grace of a separation even on a laptop that stays
 * offline (seed 000 §6.7). No patient data here: counts and ids. */
#include "screens/screens.h"
#include "store/conflict_store.h"
#include "store/sync_store.h"
#include "sync/transport.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int sync_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)s;
    (void)a;
    (void)arg;
    (void)err;
    (void)errlen;
    return 0;
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
    if (!t) {
        snprintf(buf, len, "never");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, len, "?");
}

static void row(tui_app *a, WINDOW *w, int *y, int cols, const char *label, tui_elem e,
                const char *value)
{
    int rows = getmaxy(w);
    if (*y >= rows)
        return;
    tui_put(a, w, *y, 1, 18, TUI_EL_LABEL, label);
    tui_put(a, w, *y, 20, cols - 21, e, value);
    (*y)++;
}

static void sync_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    (void)s;
    int cols = getmaxx(w), y = 1;
    const tui_sync *sy = &a->sync;
    char buf[1024];
    if (!sy->configured) {
        row(a, w, &y, cols, "Hub", TUI_EL_HINT,
            "none configured: this profile works on its cache alone ([sync] host)");
    } else {
        if (strncmp(a->conf.sync_host, "local:", 6) == 0)
            snprintf(buf, sizeof buf, "%.900s (a hub on this machine, no SSH)", a->conf.sync_host);
        else
            snprintf(buf, sizeof buf, "%.900s, port %d, as %.60s", a->conf.sync_host,
                     a->conf.sync_port, a->conf.sync_user);
        row(a, w, &y, cols, "Hub", TUI_EL_NORMAL, buf);
    }
    const char *state = !sy->configured ? "-"
                      : sy->running     ? "syncing..."
                      : sy->online      ? "online"
                      : sy->have_result ? "offline"
                                        : "not tried yet";
    row(a, w, &y, cols, "State", sy->online ? TUI_EL_INFO : TUI_EL_AT_RISK, state);
    if (sy->have_result && sy->last_code != NX_SYNC_OK) {
        snprintf(buf, sizeof buf, "%s: %s", nx_sync_code_name(sy->last_code),
                 sy->msg[0] ? sy->msg : "-");
        row(a, w, &y, cols, "Last attempt", TUI_EL_ERROR, buf);
    }
    fmt_time(sy->last_ok, buf, sizeof buf);
    row(a, w, &y, cols, "Last sync", TUI_EL_NORMAL, buf);
    if (sy->have_result) {
        const nx_sync_stats *t = &sy->last;
        snprintf(buf, sizeof buf,
                 "sent %llu (applied %llu, refused %llu, conflicts %llu), received %llu "
                 "items, removed %llu",
                 (unsigned long long)t->pushed, (unsigned long long)t->applied,
                 (unsigned long long)t->rejected, (unsigned long long)t->conflicts,
                 (unsigned long long)t->items, (unsigned long long)t->dropped);
        row(a, w, &y, cols, "Last round", TUI_EL_NORMAL, buf);
    }
    int64_t pending = tui_sync_pending(a);
    snprintf(buf, sizeof buf, "%lld change%s waiting to be sent", (long long)pending,
             pending == 1 ? "" : "s");
    row(a, w, &y, cols, "Pending", pending > 0 ? TUI_EL_AT_RISK : TUI_EL_NORMAL, buf);
    int64_t refused = a->profile_open ? nx_op_rejects_count(a->profile.store) : 0;
    if (refused > 0)
        snprintf(buf, sizeof buf, "%lld change%s refused by the hub: open the item to see "
                 "which and why", (long long)refused, refused == 1 ? "" : "s");
    else
        snprintf(buf, sizeof buf, "none");
    row(a, w, &y, cols, "Refused", refused > 0 ? TUI_EL_ERROR : TUI_EL_NORMAL, buf);
    if (a->profile_open && a->session_on && a->session.role == NX_ROLE_SUPERVISOR) {
        /* The team's conflicts the hub could not merge (screens/conflicts.c). */
        int64_t open = nx_conflict_count_open(a->profile.store);
        char key[32];
        tui_key_hint(a, REQ_VIEW_CONFLICTS, key, sizeof key);
        if (open > 0)
            snprintf(buf, sizeof buf, "%lld open in your team's inbox: %s opens it",
                     (long long)open, key);
        else
            snprintf(buf, sizeof buf, "none open (%s opens the inbox)", key);
        row(a, w, &y, cols, "Conflicts", open > 0 ? TUI_EL_AT_RISK : TUI_EL_NORMAL, buf);
    }
    if (sy->last.banner[0])
        row(a, w, &y, cols, "Hub says", TUI_EL_AT_RISK, sy->last.banner);
    if (sy->last.emergency)
        row(a, w, &y, cols, "Emergency", TUI_EL_AT_RISK,
            "emergency mode: offline work allowed for 72 h");
    y++;
    if (sy->grace_only) {
        row(a, w, &y, cols, "Offline grace", TUI_EL_ERROR,
            "run out: this laptop has not reached the hub for too long.");
        row(a, w, &y, cols, "", TUI_EL_ERROR,
            "Only sync is possible until it does: connect, then press S.");
    }
    char key[32];
    tui_key_hint(a, REQ_SYNC_NOW, key, sizeof key);
    snprintf(buf, sizeof buf, "%s syncs now; sync also runs every %d s in the background.",
             key, a->conf.sync_interval_seconds);
    if (y < getmaxy(w))
        tui_put(a, w, y, 1, cols - 2, TUI_EL_HINT, buf);
}

static int sync_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)s;
    (void)key;
    if (req == REQ_BACK) {
        if (a->sync.grace_only)
            return TUI_QUIT;
        if (a->depth <= 1) {
            /* Reached as the only screen (after the grace): the work
             * screens come back once a round has succeeded. */
            tui_reset_to(a, a->scr.dashboard, NULL);
            return TUI_REDRAW;
        }
        return TUI_POP;
    }
    return TUI_UNUSED;
}

static void sync_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)s;
    (void)a;
    snprintf(l, ll, "Sync");
    snprintf(r, rl, "%s", a->sync.grace_only ? "sync only" : "");
}

static const tui_hint sync_hints[] = {
    { REQ_SYNC_NOW, "sync now" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_sync = {
    .name = "sync",
    .ctx = TUI_CTX_GENERIC,
    .open = sync_open,
    .draw = sync_draw,
    .handle = sync_handle,
    .title = sync_title,
    .hints = sync_hints,
};
