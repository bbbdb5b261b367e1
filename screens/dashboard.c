/* screens/dashboard — the four queues at a glance: open, due today,
 * overdue, at risk, and the user's own; the sync state; the TRAINING
 * banner; unsaved drafts. Enter (or 1-4) opens a queue. */
#include "screens/screens.h"
#include "profile/guard.h"
#include "queue/queue.h"
#include "session/session_privacy.h"
#include "session/session_qa.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int index;                 /* the kind */
    nx_queue_counts c;
    int failed;
} dash_row;

typedef struct {
    dash_row rows[NX_KIND_COUNT];
    tui_array_src src;
    tui_table table;
    int stale;                 /* counts to be read again (back from a queue) */
    int drafts;
    char problem[256];
    /* incidents and patient requests: open, and late among them */
    int64_t inc_open, inc_late, req_open, req_late;
    nx_qa_counts qa;           /* QA samples to review, CAPAs open and overdue */
    int qa_failed;
} dash_st;

static const char *const queue_titles[NX_KIND_COUNT] = {
    "Scheduling", "Eligibility & benefits", "Prior authorization", "Release of information",
};

static tui_elem d_cell(void *ctx, const void *row, int col, char *buf, size_t len)
{
    (void)ctx;
    const dash_row *r = row;
    if (col == 0) {
        snprintf(buf, len, "%d  %s", r->index + 1, queue_titles[r->index]);
        return TUI_EL_NORMAL;
    }
    if (r->failed) {
        snprintf(buf, len, "?");
        return TUI_EL_ERROR;
    }
    const int64_t v[] = { r->c.open, r->c.due_today, r->c.overdue, r->c.at_risk, r->c.mine };
    snprintf(buf, len, "%lld", (long long)v[col - 1]);
    if (col == 3 && r->c.overdue > 0)
        return TUI_EL_OVERDUE;
    if (col == 4 && r->c.at_risk > 0)
        return TUI_EL_AT_RISK;
    return TUI_EL_NORMAL;
}

static const tui_rowsrc dash_src = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = d_cell,
};

static const tui_column dash_cols[] = {
    { "Queue", 26, 1, 0 },
    { "Open", 7, 0, 1 },
    { "Due today", 10, 0, 1 },
    { "Overdue", 8, 0, 1 },
    { "At risk", 8, 0, 1 },
    { "Mine", 7, 0, 1 },
};

/* ---- the screen ------------------------------------------------------------------- */

/* Open incidents and patient requests, and how many run late (a clock
 * past due, or met late and still open). */
static void privacy_counts(dash_st *st, tui_app *a)
{
    char err[256];
    nx_incident_line *il = NULL;
    nx_patreq_line *pl = NULL;
    size_t n = 0;
    st->inc_open = st->inc_late = st->req_open = st->req_late = 0;
    if (nx_session_incident_lines(&a->session, 0, &il, &n, err, sizeof err) == 0) {
        st->inc_open = (int64_t)n;
        for (size_t i = 0; i < n; i++)
            st->inc_late += il[i].assess.state == NX_DL_LATE || il[i].report.state == NX_DL_LATE;
    }
    free(il);
    if (nx_session_patreq_lines(&a->session, 0, NULL, &pl, &n, err, sizeof err) == 0) {
        st->req_open = (int64_t)n;
        for (size_t i = 0; i < n; i++)
            st->req_late += pl[i].clk.routing.state == NX_DL_LATE ||
                            pl[i].clk.ce.state == NX_DL_LATE;
    }
    free(pl);
}

static void load_counts(dash_st *st, tui_app *a)
{
    st->problem[0] = '\0';
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        dash_row *r = &st->rows[k];
        r->index = k;
        char err[256];
        r->failed = nx_queue_counts_for(&a->session, (nx_kind)k, &r->c, err, sizeof err) != 0;
        if (r->failed && !st->problem[0])
            snprintf(st->problem, sizeof st->problem, "Counts unavailable: %.200s", err);
    }
    privacy_counts(st, a);
    char qerr[256];
    st->qa_failed = nx_session_qa_counts(&a->session, &st->qa, qerr, sizeof qerr) != 0;
    char ids[32][64], err[256];
    int n = nx_draft_list(&a->profile, ids, 32, err, sizeof err);
    st->drafts = n < 0 ? 0 : n;
    tui_table_refresh(&st->table);
    st->stale = 0;
}

static int dash_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    dash_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->src = (tui_array_src){ .rows = st->rows, .size = sizeof st->rows[0], .n = NX_KIND_COUNT };
    tui_table_init(&st->table, dash_cols, 6, &dash_src, &st->src);
    tui_table_resize(&st->table, NX_KIND_COUNT, a->lay.cols - 4 < 84 ? a->lay.cols - 4 : 84);
    s->st = st;
    load_counts(st, a);
    return 0;
}

static void dash_close(tui_screen *s, tui_app *a)
{
    (void)a;
    dash_st *st = s->st;
    if (!st)
        return;
    free(st);
    s->st = NULL;
}

static int dash_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    load_counts(s->st, a);
    return 0;
}

/* A supervisor's QA queue and the corrective actions the user may see
 * (a supervisor: the team's; an agent: their own, when they have any). */
static int qa_lines(dash_st *st, tui_app *a, WINDOW *w, int y, int cols)
{
    char line[256], kq[32], kc[32];
    if (st->qa_failed) {
        tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "QA review");
        tui_put(a, w, y++, 14, cols - 16, TUI_EL_ERROR, "counts unavailable");
        return y;
    }
    tui_key_hint(a, REQ_VIEW_QA, kq, sizeof kq);
    tui_key_hint(a, REQ_VIEW_CAPA, kc, sizeof kc);
    if (st->qa.reviewer) {
        snprintf(line, sizeof line, "%lld sample%s of your team's work to review (%s)",
                 (long long)st->qa.to_review, st->qa.to_review == 1 ? "" : "s", kq);
        tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "QA review");
        tui_put(a, w, y++, 14, cols - 16, st->qa.to_review ? TUI_EL_AT_RISK : TUI_EL_NORMAL,
                line);
    }
    if (st->qa.reviewer || st->qa.capa_open) {
        snprintf(line, sizeof line, "%lld corrective action%s open, %lld overdue (%s)",
                 (long long)st->qa.capa_open, st->qa.capa_open == 1 ? "" : "s",
                 (long long)st->qa.capa_overdue, kc);
        tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "CAPAs");
        tui_put(a, w, y++, 14, cols - 16, st->qa.capa_overdue ? TUI_EL_OVERDUE : TUI_EL_NORMAL,
                line);
    }
    return y;
}

static void dash_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    dash_st *st = s->st;
    int rows, cols;
    getmaxyx(w, rows, cols);
    int y = 1;
    if (a->info.training) {
        tui_put(a, w, y, 2, cols - 4, TUI_EL_TRAINING,
                " TRAINING PROFILE: synthetic patients and payers, for practice only ");
        y += 2;
    }
    tui_table_resize(&st->table, NX_KIND_COUNT, cols - 4 < 84 ? cols - 4 : 84);
    tui_table_draw(&st->table, w, y, 2, NX_KIND_COUNT + 1, &a->theme);
    y += NX_KIND_COUNT + 2;
    char line[512];
    if (st->problem[0])
        tui_put(a, w, y++, 2, cols - 4, TUI_EL_ERROR, st->problem);
    tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "Sync");
    {
        int64_t pending = tui_sync_pending(a);
        char key[32];
        tui_key_hint(a, REQ_VIEW_SYNC, key, sizeof key);
        const tui_sync *sy = &a->sync;
        const char *state = !sy->configured ? "no hub configured ([sync] host)"
                          : sy->running     ? "syncing with the hub"
                          : sy->online      ? "online"
                          : sy->have_result ? "offline: the hub cannot be reached"
                                            : "not synced yet";
        snprintf(line, sizeof line, "%s; %lld change%s to send (%s: details)", state,
                 (long long)pending, pending == 1 ? "" : "s", key);
        tui_put(a, w, y++, 14, cols - 16, sy->online || !sy->configured ? TUI_EL_NORMAL
                                                                        : TUI_EL_AT_RISK, line);
    }
    tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "Drafts");
    if (st->drafts)
        snprintf(line, sizeof line, "unsaved edits on %d item%s: open %s from its queue to finish",
                 st->drafts, st->drafts == 1 ? "" : "s", st->drafts == 1 ? "it" : "each");
    else
        snprintf(line, sizeof line, "none");
    tui_put(a, w, y++, 14, cols - 16, st->drafts ? TUI_EL_AT_RISK : TUI_EL_NORMAL, line);
    tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "Auto-lock");
    char k1[64], k2[64];
    tui_key_hint(a, REQ_LOCK, k1, sizeof k1);
    tui_key_hint(a, REQ_BLANK, k2, sizeof k2);
    snprintf(line, sizeof line, "after %d s without a key; %s locks now, %s blanks the screen",
             a->conf.idle_lock_seconds, k1, k2);
    tui_put(a, w, y++, 14, cols - 16, TUI_EL_NORMAL, line);
    int days = 0;
    nx_pass_age age = nx_passphrase_age(&a->info, tui_now(a), &days);
    char pk[32];
    tui_key_hint(a, REQ_PASSPHRASE, pk, sizeof pk);
    if (age == NX_PASS_OK)
        snprintf(line, sizeof line, "to be changed within %d days (%s changes it)", days, pk);
    else
        snprintf(line, sizeof line, "must be changed within %d day%s: press %s now", days,
                 days == 1 ? "" : "s", pk);
    tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "Passphrase");
    tui_put(a, w, y++, 14, cols - 16, age == NX_PASS_OK ? TUI_EL_NORMAL : TUI_EL_AT_RISK, line);
    /* Officers see both always; anyone else the requests they follow. */
    int officer = nx_incident_officer(a->session.role);
    if (officer) {
        char k[32];
        tui_key_hint(a, REQ_VIEW_INCIDENTS, k, sizeof k);
        snprintf(line, sizeof line, "%lld open, %lld late (%s: the list)",
                 (long long)st->inc_open, (long long)st->inc_late, k);
        tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "Incidents");
        tui_put(a, w, y++, 14, cols - 16, st->inc_late ? TUI_EL_OVERDUE : TUI_EL_NORMAL, line);
    }
    if (officer || st->req_open) {
        char k[32];
        tui_key_hint(a, REQ_VIEW_REQUESTS, k, sizeof k);
        snprintf(line, sizeof line, "%lld patient request%s open, %lld late (%s: the list)",
                 (long long)st->req_open, st->req_open == 1 ? "" : "s",
                 (long long)st->req_late, k);
        tui_put(a, w, y, 2, 12, TUI_EL_LABEL, "Requests");
        tui_put(a, w, y++, 14, cols - 16, st->req_late ? TUI_EL_OVERDUE : TUI_EL_NORMAL, line);
    }
    qa_lines(st, a, w, y, cols);
    (void)rows;
}

/* `n` on the dashboard: the kind first (the selected queue's offered
 * first), then the new-item form (screens/newitem.c). */
static void new_kind_chosen(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    dash_st *st = ctx;
    if (!ok || choice < 0 || choice >= NX_KIND_COUNT)
        return;
    nx_kind k = (nx_kind)choice;
    if (tui_push(a, &nx_scr_newitem, &k) == 0)
        st->stale = 1;
}

static void ask_new_kind(dash_st *st, tui_app *a)
{
    if (!nx_policy_allows(a->session.policy, a->session.role, NX_ACTION_CREATE)) {
        tui_msg(a, TUI_EL_ERROR, "Your role (%s) does not create work items.",
                nx_role_name(a->session.role));
        return;
    }
    const dash_row *r = tui_table_current(&st->table);
    tui_menu(a, "New item: which kind?", queue_titles, NX_KIND_COUNT, r ? r->index : 0,
             new_kind_chosen, st);
}

static int dash_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    dash_st *st = s->st;
    if (tui_table_move(&st->table, req))
        return TUI_REDRAW;
    if (req == REQ_OPEN) {
        const dash_row *r = tui_table_current(&st->table);
        if (!r)
            return TUI_DONE;
        nx_kind k = (nx_kind)r->index;
        st->stale = 1;
        tui_push(a, a->scr.queue, &k);
        return TUI_REDRAW;
    }
    if (req == REQ_BACK)
        return TUI_QUIT;
    if (req == REQ_NEW_ITEM) {
        ask_new_kind(st, a);
        return TUI_REDRAW;
    }
    if (req == REQ_PASSPHRASE) {
        int forced = 0;
        tui_push(a, a->scr.passwd, &forced);
        return TUI_REDRAW;
    }
    if ((req >= REQ_VIEW_SCHEDULING && req <= REQ_VIEW_ROI) || req == REQ_INCIDENT ||
        req == REQ_VIEW_INCIDENTS || req == REQ_VIEW_REQUESTS || req == REQ_VIEW_QA ||
        req == REQ_VIEW_CAPA)
        st->stale = 1;
    return TUI_UNUSED;
}

static void dash_tick(tui_screen *s, tui_app *a)
{
    dash_st *st = s->st;
    if (st->stale)
        load_counts(st, a);
}

static void dash_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)s;
    snprintf(l, ll, "Dashboard");
    time_t t = (time_t)tui_now(a);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(r, rl, "%a %d %b %H:%M", &tm))
        snprintf(r, rl, "?");
}

/* The queue keys (1-4) are written in the table itself. */
static const tui_hint dash_hints[] = {
    { REQ_OPEN, "open queue" }, { REQ_MOVE_DOWN, "down" }, { REQ_MOVE_UP, "up" },
    { REQ_HELP, "help" }, { REQ_LOCK, "lock" }, { REQ_BLANK, "blank" }, { REQ_BACK, "quit" },
    { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_dashboard = {
    .name = "dashboard",
    .ctx = TUI_CTX_DASHBOARD,
    .open = dash_open,
    .close = dash_close,
    .resume = dash_resume,
    .draw = dash_draw,
    .handle = dash_handle,
    .tick = dash_tick,
    .title = dash_title,
    .hints = dash_hints,
};
