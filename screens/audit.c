/* screens/audit — the audit review (privacy officer, security officer,
 * auditor): every device's audit events the hub sent, the hub's own chain
 * (its lines say HUB) and this laptop's own chain, newest first, one page
 * held at a time; filters by user
 * (`u`), item (`i`), action (`a`) and time (`t`; `x` clears them); each
 * device's chain state on the top line and in full with `c`; break-glass
 * reveals and refused attempts marked in words (not only in colour); and
 * the accounting of disclosures of one patient (`d`, asks the id).
 *
 * Shown on the screen only: nothing here prints, copies or exports.
 * Opening the review and each accounting shown are audited (core's
 * session writes the `view` events before anything is shown). A reveal's
 * reason and the accounting's entries are wiped when they leave the
 * screen, on lock and on close. */
#include "screens/audit_int.h"

#include <langinfo.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { MODE_EVENTS, MODE_CHAINS, MODE_ACCOUNTING } audit_mode;
typedef enum { ASK_USER, ASK_ITEM, ASK_ACTION, ASK_TIME, ASK_PATIENT } ask_what;

typedef struct {
    audit_mode mode;
    nx_audit_filter filter;
    char range[64];             /* the time filter as typed */
    nx_audit_ev_src ev;
    tui_table events;
    nx_audit_chain_view *chains;
    size_t nchains;
    tui_array_src chain_src;
    tui_table chain_table;
    nx_disclosure_view *discl;
    size_t ndiscl;
    int64_t discl_held;
    char patient[NX_AUDIT_ID_MAX + 1];
    tui_array_src discl_src;
    tui_table discl_table;
    ask_what asking;            /* what the open prompt asks for */
    const char *sep;            /* " · ", or " | " when the locale is not UTF-8 */
    uint64_t rounds;
    char problem[512];
} audit_st;

static void drop_accounting(audit_st *st)
{
    nx_disclosure_views_free(st->discl, st->ndiscl);
    st->discl = NULL;
    st->ndiscl = 0;
    st->discl_src.rows = NULL;
    st->discl_src.n = 0;
    tui_table_reload(&st->discl_table);
}

/* ---- loading ------------------------------------------------------------------------------ */

static int load_chains(audit_st *st, tui_app *a, char *err, size_t errlen)
{
    free(st->chains);
    st->chains = NULL;
    st->nchains = 0;
    st->chain_src.rows = NULL;
    st->chain_src.n = 0;
    if (nx_session_audit_chains(&a->session, &st->chains, &st->nchains, err, errlen) != 0)
        return -1;
    st->chain_src.rows = st->chains;
    st->chain_src.size = sizeof st->chains[0];
    st->chain_src.n = (int)st->nchains;
    tui_table_reload(&st->chain_table);
    return 0;
}

static int load(audit_st *st, tui_app *a, char *err, size_t errlen)
{
    st->rounds = a->sync.rounds;
    st->problem[0] = '\0';
    if (load_chains(st, a, err, errlen) != 0)
        return -1;
    if (tui_table_reload(&st->events) != 0 || st->ev.total < 0) {
        snprintf(err, errlen, "The audit events could not be read.");
        return -1;
    }
    return 0;
}

static void reload(audit_st *st, tui_app *a)
{
    char err[512] = "";
    if (load(st, a, err, sizeof err) != 0)
        snprintf(st->problem, sizeof st->problem, "%s", err);
}

static int rows_for_table(const tui_app *a)
{
    int h = a->lay.body.h - 5;
    return h > 1 ? h : 1;
}

static int audit_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    /* Audited before anything is read: no review without its event. */
    if (nx_session_audit_open(&a->session, err, errlen) != 0)
        return -1;
    audit_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *cs = nl_langinfo(CODESET);
    st->sep = cs && strcmp(cs, "UTF-8") == 0 ? " \xc2\xb7 " : " | ";
    st->ev.a = a;
    st->ev.f = &st->filter;
    tui_table_init(&st->events, nx_audit_ev_cols, E_NCOLS, &nx_audit_ev_ops, &st->ev);
    tui_table_init(&st->chain_table, nx_audit_chain_cols, C_NCOLS, &nx_audit_chain_ops, &st->chain_src);
    tui_table_init(&st->discl_table, nx_audit_discl_cols, D_NCOLS, &nx_audit_discl_ops, &st->discl_src);
    int h = rows_for_table(a);
    tui_table_resize(&st->events, h, a->lay.cols);
    tui_table_resize(&st->chain_table, h, a->lay.cols);
    tui_table_resize(&st->discl_table, h, a->lay.cols);
    if (load(st, a, err, errlen) != 0) {
        nx_audit_rows_wipe(st->ev.rows, (size_t)st->ev.n);
        free(st->ev.rows);
        free(st->chains);
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void wipe_events(audit_st *st)
{
    nx_audit_rows_wipe(st->ev.rows, (size_t)st->ev.n);
    st->ev.n = 0;
}

static void audit_close(tui_screen *s, tui_app *a)
{
    (void)a;
    audit_st *st = s->st;
    if (!st)
        return;
    wipe_events(st);
    free(st->ev.rows);
    drop_accounting(st);
    free(st->chains);
    tui_wipe(&st->filter, sizeof st->filter);
    free(st);
    s->st = NULL;
}

/* Lock: reasons and the accounting go; the filters stay. */
static void audit_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    audit_st *st = s->st;
    wipe_events(st);
    drop_accounting(st);
    if (st->mode == MODE_ACCOUNTING)
        st->mode = MODE_EVENTS;
}

static int audit_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    return load(s->st, a, err, errlen);
}

/* ---- drawing ------------------------------------------------------------------------------- */

/* One line about every chain: the state an officer must not miss.
 * chains[0] is this laptop's, chains[1] the hub's own, then the devices'
 * (nx_session_audit_chains). */
static tui_elem chains_line(const audit_st *st, char *buf, size_t len)
{
    const nx_audit_chain_view *me = NULL, *hub = NULL, *first_other = NULL;
    size_t others = 0, others_broken = 0;
    for (size_t i = 0; i < st->nchains; i++) {
        const nx_audit_chain_view *c = &st->chains[i];
        if (c->local)
            me = c;
        else if (c->hub)
            hub = c;
        else {
            others++;
            if (c->broken_at && !others_broken++)
                first_other = c;
        }
    }
    /* What is broken first: a narrow terminal cuts the end of the line. */
    char part[3][128] = { "", "", "" };
    int bad[3] = { me && me->broken_at, hub && hub->broken_at, others_broken > 0 };
    if (me && me->broken_at)
        snprintf(part[0], sizeof part[0], "this laptop BROKEN at event %lld",
                 (long long)me->broken_at);
    else if (me)
        snprintf(part[0], sizeof part[0], "this laptop verified to %lld",
                 (long long)me->verified_upto);
    if (hub && hub->broken_at)
        snprintf(part[1], sizeof part[1], "hub BROKEN at event %lld", (long long)hub->broken_at);
    else if (hub && hub->events)
        snprintf(part[1], sizeof part[1], "hub linked to %lld", (long long)hub->verified_upto);
    else if (hub)
        snprintf(part[1], sizeof part[1], "hub: none held");
    if (others_broken)
        snprintf(part[2], sizeof part[2], "%zu of %zu device%s BROKEN (%.8s at event %lld)",
                 others_broken, others, others == 1 ? "" : "s", first_other->device,
                 (long long)first_other->broken_at);
    else
        snprintf(part[2], sizeof part[2], "%zu other device%s, all linked", others,
                 others == 1 ? "" : "s");
    size_t used = (size_t)snprintf(buf, len, "Chains:");
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 3; i++) {
            if (!part[i][0] || bad[i] != !pass || used >= len)
                continue;
            used += (size_t)snprintf(buf + used, len - used, "%s %s",
                                     used > strlen("Chains:") ? ";" : "", part[i]);
        }
    if (used < len)
        snprintf(buf + used, len - used, " - c shows each");
    int broken = (me && me->broken_at) || (hub && hub->broken_at) || others_broken;
    return broken ? TUI_EL_ERROR : TUI_EL_INFO;
}

static void filter_line(const audit_st *st, char *buf, size_t len)
{
    const nx_audit_filter *f = &st->filter;
    snprintf(buf, len, "Filter: user %s, item %s, action %s, time %s%s%lld event%s",
             f->user[0] ? f->user : "any", f->item[0] ? f->item : "any",
             f->action[0] ? f->action : "any", st->range[0] ? st->range : "any", st->sep,
             (long long)st->ev.total, st->ev.total == 1 ? "" : "s");
}

static void event_detail(const nx_audit_view_row *r, const char *sep, char *buf, size_t len)
{
    char where[128];
    if (r->local)
        snprintf(where, sizeof where, "this laptop, event %lld", (long long)r->seq);
    else if (r->hub && strcmp(r->device, "hub") != 0)
        snprintf(where, sizeof where, "the hub's own chain, event %lld, about device %.16s",
                 (long long)r->seq, r->device);
    else if (r->hub)
        snprintf(where, sizeof where, "the hub's own chain, event %lld", (long long)r->seq);
    else
        snprintf(where, sizeof where, "device %.16s, event %lld (hub %lld)", r->device,
                 (long long)r->seq, (long long)r->hub_seq);
    int refused = strcmp(r->outcome, "failed") == 0;
    if (r->mark == NX_AUDIT_MARK_REVEAL)
        snprintf(buf, len, "%s: %s (%s) %s %s of %s; reason: %s%s%s",
                 refused ? "Break-glass refused" : "Break-glass", r->user, r->role,
                 refused ? "asked to reveal" : "revealed", r->field[0] ? r->field : "?",
                 r->item_id[0] ? r->item_id : "?", r->reason[0] ? r->reason : "(none)", sep,
                 where);
    else
        snprintf(buf, len, "%s (%s) %s%s%s%s%s, %s%s%s", r->user, r->role, r->action,
                 r->item_id[0] ? " " : "", r->item_id, r->field[0] ? " " : "", r->field,
                 r->outcome, sep, where);
}

static void draw_events(audit_st *st, tui_app *a, WINDOW *w, int rows, int ncols)
{
    char line[1200];
    tui_elem e = chains_line(st, line, sizeof line);
    tui_put(a, w, 0, 1, ncols - 2, e, line);
    filter_line(st, line, sizeof line);
    tui_put(a, w, 1, 1, ncols - 2, TUI_EL_HEADER, line);
    int th = rows - 4;
    if (th < 2)
        return;
    if (tui_table_resize(&st->events, th - 1, ncols) != 0)
        return;
    tui_table_draw(&st->events, w, 2, 0, th, &a->theme);
    if (st->ev.total == 0) {
        tui_put(a, w, 4, 2, ncols - 4, TUI_EL_HINT,
                "No event matches. x clears the filters.");
        return;
    }
    const nx_audit_view_row *r = tui_table_current(&st->events);
    if (r) {
        event_detail(r, st->sep, line, sizeof line);
        nx_scr_wrap(a, w, rows - 2, 1, ncols - 2, 2,
                    r->mark == NX_AUDIT_MARK_REVEAL ? TUI_EL_REVEALED : TUI_EL_HINT, line);
        tui_wipe(line, sizeof line);
    }
}

static void draw_chains(audit_st *st, tui_app *a, WINDOW *w, int rows, int ncols)
{
    tui_put(a, w, 0, 1, ncols - 2, TUI_EL_HEADER,
            "Audit chains held here: this laptop's checked with its key; the hub's and the "
            "devices' links only");
    int th = rows - 4 > 2 ? rows - 4 : 2;
    if (tui_table_resize(&st->chain_table, th - 1, ncols) != 0)
        return;
    tui_table_draw(&st->chain_table, w, 1, 0, th, &a->theme);
    const nx_audit_chain_view *c = tui_table_current(&st->chain_table);
    if (c) {
        char line[640], state[300];
        nx_audit_chain_state(c, state, sizeof state);
        if (c->hub)
            snprintf(line, sizeof line, "The hub's own chain: %s. Links only: its hashes are "
                     "keyed with the hub's key, which stays on the hub ('nexus-hub audit "
                     "verify' there recomputes them).", state);
        else
            snprintf(line, sizeof line, "%s %s: %s", c->local ? "This laptop," : "Device",
                     c->device, state);
        nx_scr_wrap(a, w, rows - 3, 1, ncols - 2, 2,
                    c->broken_at ? TUI_EL_ERROR : TUI_EL_NORMAL, line);
    }
    tui_put(a, w, rows - 1, 1, ncols - 2, TUI_EL_HINT,
            "A break: events removed, added or changed after they were written. c or q: back "
            "to the events.");
}

static void draw_accounting(audit_st *st, tui_app *a, WINDOW *w, int rows, int ncols)
{
    char line[400];
    snprintf(line, sizeof line, "Accounting of disclosures, patient %s: %zu entr%s "
             "(on this screen only; this view is audited)", st->patient, st->ndiscl,
             st->ndiscl == 1 ? "y" : "ies");
    tui_put(a, w, 0, 1, ncols - 2, TUI_EL_HEADER, line);
    if (st->ndiscl == 0) {
        tui_put(a, w, 2, 2, ncols - 4, TUI_EL_NORMAL,
                "No disclosure of this patient is held on this laptop.");
        if (st->discl_held == 0)
            nx_scr_wrap(a, w, 3, 2, ncols - 4, 3, TUI_EL_AT_RISK,
                        "This laptop holds no accounting of disclosures at all: the hub "
                        "writes each entry when it merges a release and sends it to the "
                        "privacy officer and the auditor only. S syncs now.");
        return;
    }
    if (tui_table_resize(&st->discl_table, rows - 3 > 1 ? rows - 3 : 1, ncols) != 0)
        return;
    tui_table_draw(&st->discl_table, w, 1, 0, rows - 2, &a->theme);
    tui_put(a, w, rows - 1, 1, ncols - 2, TUI_EL_HINT,
            "Masked values are masked for your role. q: back to the events.");
}

static void audit_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    audit_st *st = s->st;
    int rows, ncols;
    getmaxyx(w, rows, ncols);
    if (st->problem[0]) {
        tui_put(a, w, 0, 1, ncols - 2, TUI_EL_ERROR, st->problem);
        return;
    }
    if (st->mode == MODE_CHAINS)
        draw_chains(st, a, w, rows, ncols);
    else if (st->mode == MODE_ACCOUNTING)
        draw_accounting(st, a, w, rows, ncols);
    else
        draw_events(st, a, w, rows, ncols);
}

/* ---- filters and the accounting ------------------------------------------------------------ */

static void refilter(audit_st *st, tui_app *a)
{
    reload(st, a);
    tui_msg(a, TUI_EL_INFO, "%lld event%s match.", (long long)st->ev.total,
            st->ev.total == 1 ? "" : "s");
}

static void show_accounting(audit_st *st, tui_app *a, const char *patient)
{
    drop_accounting(st);
    char err[512] = "";
    if (nx_session_disclosures(&a->session, patient, &st->discl, &st->ndiscl, &st->discl_held,
                               err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
        return;
    }
    snprintf(st->patient, sizeof st->patient, "%s", patient);
    st->discl_src.rows = st->discl;
    st->discl_src.size = sizeof st->discl[0];
    st->discl_src.n = (int)st->ndiscl;
    tui_table_reload(&st->discl_table);
    st->mode = MODE_ACCOUNTING;
}

static void ask_done(tui_app *a, void *ctx, int ok, const char *text)
{
    audit_st *st = ctx;
    if (!ok)
        return;
    nx_audit_filter *f = &st->filter;
    switch (st->asking) {
    case ASK_USER:
        snprintf(f->user, sizeof f->user, "%s", text);
        break;
    case ASK_ITEM:
        snprintf(f->item, sizeof f->item, "%s", text);
        break;
    case ASK_ACTION:
        if (text[0] && nx_audit_action_parse(text) < 0) {
            tui_msg(a, TUI_EL_ERROR, "Not an audit action: try view, reveal, update, status, "
                    "login, unlock-failed, sync, export, record...");
            return;
        }
        snprintf(f->action, sizeof f->action, "%s", text);
        break;
    case ASK_TIME: {
        char err[256], tz[64];
        int64_t from, to;
        nx_session_local_zone(tz, sizeof tz);
        if (nx_audit_parse_range(text, tz, tui_now(a), &from, &to, err, sizeof err) != 0) {
            tui_msg(a, TUI_EL_ERROR, "%s", err);
            return;
        }
        f->from = from;
        f->to = to;
        snprintf(st->range, sizeof st->range, "%s", text);
        break;
    }
    case ASK_PATIENT:
        if (text[0])
            show_accounting(st, a, text);
        return;
    }
    refilter(st, a);
}

static void ask(audit_st *st, tui_app *a, ask_what what)
{
    static const char *const labels[] = {
        [ASK_USER] = "User (empty: all):", [ASK_ITEM] = "Item id (empty: all):",
        [ASK_ACTION] = "Action (empty: all):", [ASK_TIME] = "Time (2026-03-01, ..2026-03-02, 24h, 7d):",
        [ASK_PATIENT] = "Patient id (audited):",
    };
    const char *initial = what == ASK_USER ? st->filter.user
                        : what == ASK_ITEM ? st->filter.item
                        : what == ASK_ACTION ? st->filter.action
                        : what == ASK_TIME ? st->range : "";
    st->asking = what;
    tui_prompt(a, labels[what], initial, NULL, ask_done, st);
}

static int audit_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    audit_st *st = s->st;
    tui_table *t = st->mode == MODE_CHAINS ? &st->chain_table
                 : st->mode == MODE_ACCOUNTING ? &st->discl_table : &st->events;
    if (tui_table_move(t, req))
        return TUI_REDRAW;
    if (st->mode != MODE_EVENTS && (req == REQ_BACK || req == REQ_AUDIT_CHAINS)) {
        if (st->mode == MODE_ACCOUNTING)
            drop_accounting(st);
        st->mode = MODE_EVENTS;
        return TUI_REDRAW;
    }
    switch (req) {
    case REQ_AUDIT_USER:
        ask(st, a, ASK_USER);
        return TUI_REDRAW;
    case REQ_AUDIT_ITEM:
        ask(st, a, ASK_ITEM);
        return TUI_REDRAW;
    case REQ_AUDIT_ACTION:
        ask(st, a, ASK_ACTION);
        return TUI_REDRAW;
    case REQ_AUDIT_TIME:
        ask(st, a, ASK_TIME);
        return TUI_REDRAW;
    case REQ_AUDIT_CLEAR:
        memset(&st->filter, 0, sizeof st->filter);
        st->range[0] = '\0';
        refilter(st, a);
        return TUI_REDRAW;
    case REQ_AUDIT_CHAINS:
        st->mode = MODE_CHAINS;
        return TUI_REDRAW;
    case REQ_AUDIT_DISCLOSURES:
        ask(st, a, ASK_PATIENT);
        return TUI_REDRAW;
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

/* A sync round brings more events: read the list again where it is. */
static void audit_tick(tui_screen *s, tui_app *a)
{
    audit_st *st = s->st;
    if (!st || st->rounds == a->sync.rounds || a->dlg.kind != TUI_DLG_NONE || a->prompt.on ||
        st->mode == MODE_ACCOUNTING)
        return;
    reload(st, a);
}

static void audit_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    audit_st *st = s->st;
    const tui_table *t = st->mode == MODE_CHAINS ? &st->chain_table
                       : st->mode == MODE_ACCOUNTING ? &st->discl_table : &st->events;
    snprintf(l, ll, "%s", st->mode == MODE_CHAINS ? "Audit review: chains"
                        : st->mode == MODE_ACCOUNTING ? "Audit review: accounting of disclosures"
                        : "Audit review");
    int64_t pos = tui_table_position(t);
    int64_t total = st->mode == MODE_CHAINS ? (int64_t)st->nchains
                  : st->mode == MODE_ACCOUNTING ? (int64_t)st->ndiscl : st->ev.total;
    if (pos > 0)
        snprintf(r, rl, "%lld of %lld", (long long)pos, (long long)total);
    else
        r[0] = '\0';
}

static const tui_hint audit_hints[] = {
    { REQ_AUDIT_USER, "user" }, { REQ_AUDIT_ITEM, "item" }, { REQ_AUDIT_ACTION, "action" },
    { REQ_AUDIT_TIME, "time" }, { REQ_AUDIT_CLEAR, "clear" }, { REQ_AUDIT_CHAINS, "chains" },
    { REQ_AUDIT_DISCLOSURES, "disclosures" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_audit = {
    .name = "audit",
    .ctx = TUI_CTX_AUDIT,
    .open = audit_open,
    .close = audit_close,
    .suspend = audit_suspend,
    .resume = audit_resume,
    .draw = audit_draw,
    .handle = audit_handle,
    .tick = audit_tick,
    .title = audit_title,
    .hints = audit_hints,
};
