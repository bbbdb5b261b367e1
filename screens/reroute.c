/* screens/reroute — a supervisor moves every open item of one agent's
 * queue to others (seed 000 §12: queue re-routing in an outage or an
 * absence), from the queue screen (`M`). Three steps on the message line
 * and one box: whose items (the selected row's assignee offered), to whom
 * (user ids, comma-separated; the count of what would move is in the
 * question), y/n naming the count, then the status line says how many
 * went to whom. The rules and the one transaction are core's
 * (session_reroute.h); this file only asks. Kept out of screens/queue.c,
 * which embeds the flow's state. */
#include "screens/reroute.h"

#include <stdio.h>
#include <string.h>

/* text without the blanks around it, into out. */
static void trimmed(const char *text, char *out, size_t len)
{
    while (*text == ' ')
        text++;
    snprintf(out, len, "%s", text);
    for (size_t n = strlen(out); n && out[n - 1] == ' '; n--)
        out[n - 1] = '\0';
}

static void confirm_done(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    nx_reroute_flow *f = ctx;
    if (!ok) {
        tui_msg(a, TUI_EL_HINT, "Not re-routed.");
        return;
    }
    const char *to[NX_REROUTE_TARGETS_MAX];
    for (size_t i = 0; i < f->ntargets; i++)
        to[i] = f->targets[i];
    nx_reroute_result r;
    char err[512] = "";
    if (nx_session_reroute_agent(&a->session, f->kind, f->from, to, f->ntargets, &r, err,
                                 sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
        return;
    }
    char said[200];
    nx_reroute_summary(&r, said, sizeof said);
    tui_msg(a, TUI_EL_INFO, "%s; the hub confirms them on the next sync.", said);
    if (f->table)
        tui_table_refresh(f->table);
}

static void targets_done(tui_app *a, void *ctx, int ok, const char *text)
{
    nx_reroute_flow *f = ctx;
    if (!ok)
        return;
    char err[256] = "";
    if (nx_reroute_parse_targets(text, f->from, f->targets, NX_REROUTE_TARGETS_MAX,
                                 &f->ntargets, err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "Not re-routed: %s.", err);
        return;
    }
    char list[NX_REROUTE_TARGETS_MAX * (NX_NAME_MAX + 2)] = "";
    for (size_t i = 0; i < f->ntargets; i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, f->targets[i]);
    }
    char title[96], body[512];
    snprintf(title, sizeof title, "Re-route %d item%s of %.40s?", f->count,
             f->count == 1 ? "" : "s", f->from);
    snprintf(body, sizeof body,
             "%d open item%s of %.40s in this queue, dealt in turn\n"
             "(the earliest due first) to: %.200s\n"
             "Recorded under your name; the hub checks each on the next sync.\n\n"
             "y re-routes them, n keeps them.", f->count, f->count == 1 ? "" : "s", f->from,
             list);
    tui_confirm(a, title, body, confirm_done, f);
}

static void from_done(tui_app *a, void *ctx, int ok, const char *text)
{
    nx_reroute_flow *f = ctx;
    if (!ok)
        return;
    trimmed(text, f->from, sizeof f->from);
    if (!f->from[0]) {
        tui_msg(a, TUI_EL_HINT, "Not re-routed: no user given.");
        return;
    }
    char err[256] = "";
    f->count = nx_session_reroute_count(&a->session, f->kind, f->from, err, sizeof err);
    if (f->count < 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
        return;
    }
    if (f->count == 0) {
        tui_msg(a, TUI_EL_HINT, "Nothing to move: %s has no open item in this queue.", f->from);
        return;
    }
    char label[96];
    snprintf(label, sizeof label, "Re-route %d item%s to (user ids, comma-separated): ",
             f->count, f->count == 1 ? "" : "s");
    tui_prompt(a, label, "", NULL, targets_done, f);
}

void nx_reroute_start(nx_reroute_flow *f, tui_app *a, nx_kind kind, tui_table *table,
                      const char *assignee)
{
    if (a->session.role != NX_ROLE_SUPERVISOR ||
        !nx_policy_allows(a->session.policy, a->session.role, NX_ACTION_ASSIGN)) {
        tui_msg(a, TUI_EL_ERROR, NX_SCR_REROUTE_REFUSED);
        return;
    }
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->table = table;
    tui_prompt(a, "Re-route all open items of (user id): ", assignee ? assignee : "", NULL,
               from_done, f);
}
