/* screens/queue — one screen for all four queues: the table widget over
 * core/queue's pages (masked for the role, paged by key), sorted with `s`
 * (due, priority, status, patient, payer; `r` reverses), filtered with
 * `f`, searched with `/` as you type. Overdue rows and urgent items are
 * marked in words as well as color. Enter opens the item (the item screen
 * records the view in the audit chain). A supervisor re-routes the
 * selected item with `a` (core/session's assign: the item, its op and its
 * audit event under the supervisor's id), and with `M` every open item
 * of one agent in this queue (screens/reroute.c). `n` makes a new item of
 * this queue's kind (screens/newitem.c). */
#include "screens/screens.h"
#include "screens/reroute.h"
#include "domain/workflow.h"
#include "queue/queue.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nx_kind kind;
    nx_queue *q;
    int q_rows;                 /* the page size q was opened with */
    tui_app *app;
    tui_table table;
    nx_queue_sort sort;
    int desc;
    nx_queue_filter filter;
    char saved_search[128];     /* the search before `/`, for Esc */
    char filter_name[64];
    /* Kept across a lock (no patient data): where the cursor was. */
    char cur_id[64];
    int cur_line;
    int returning;              /* an item was opened: re-read its row on return */
    char assign_id[64];         /* the item the assignee prompt is for */
    nx_reroute_flow reroute;    /* `M`: a whole agent's queue (screens/reroute.c) */
    char titles[NX_SORT_COUNT][32];
} queue_st;

static const char *const kind_titles[NX_KIND_COUNT] = {
    "Scheduling queue", "Eligibility queue", "Prior-authorization queue",
    "Release-of-information queue",
};

/* ---- the row source over nx_queue -------------------------------------------- */

static int q_first(void *c) { return nx_queue_first(((queue_st *)c)->q); }
static int q_last(void *c) { return nx_queue_last(((queue_st *)c)->q); }
static int q_after(void *c, int i) { return nx_queue_after(((queue_st *)c)->q, i); }
static int q_before(void *c, int i) { return nx_queue_before(((queue_st *)c)->q, i); }
static int q_from(void *c, int i) { return nx_queue_from(((queue_st *)c)->q, i); }
/* Counting every match of a search over a large queue would cost more than
 * the search itself: past COUNT_CAP the title says "200+". A count reads
 * index entries only where it can (core/store/queue_store.c), but an id's
 * kind is in its row: a broad id prefix costs a row per id up to the cap
 * (four per match when a quarter of the ids are this queue's kind). */
#define COUNT_CAP 200
static int64_t q_count(void *c, int *exact)
{
    queue_st *st = c;
    int capped = st->filter.search[0] || st->filter.overdue_only;
    int64_t n = nx_queue_count(st->q, capped ? COUNT_CAP : 0);
    *exact = !capped || n < COUNT_CAP;
    return n;
}
static const void *q_row(void *c, int i)
{
    int n;
    const nx_queue_row *rows = nx_queue_page(((queue_st *)c)->q, &n);
    return i >= 0 && i < n ? &rows[i] : NULL;
}

static int reopen(queue_st *st, tui_app *a, int rows, char *err, size_t errlen);

/* A page of another height: core/queue fixes it at open, so the queue is
 * opened again and brought back to the cursor's item. */
static int q_set_page(void *c, int rows)
{
    queue_st *st = c;
    if (!st->q || rows == st->q_rows)
        return 0;
    char err[256];
    return reopen(st, st->app, rows, err, sizeof err);
}

enum { COL_DUE, COL_STATE, COL_PRI, COL_STATUS, COL_PATIENT, COL_PAYER, COL_ASSIGNEE, NCOLS };

static tui_elem q_cell(void *c, const void *row, int col, char *buf, size_t len)
{
    (void)c;
    const nx_queue_row *r = row;
    switch (col) {
    case COL_DUE:
        nx_scr_format_due(r->due, buf, len);
        return r->overdue ? TUI_EL_OVERDUE : TUI_EL_NORMAL;
    case COL_STATE:
        snprintf(buf, len, "%s", r->overdue ? "OVERDUE" : r->at_risk ? "at risk" : "");
        return r->overdue ? TUI_EL_OVERDUE : TUI_EL_AT_RISK;
    case COL_PRI:
        snprintf(buf, len, "%s", r->priority ? "URGENT" : "");
        return TUI_EL_URGENT;
    case COL_STATUS:
        snprintf(buf, len, "%s", r->status);
        return TUI_EL_NORMAL;
    case COL_PATIENT:
        snprintf(buf, len, "%s", r->patient);
        return strstr(r->patient, NX_MASK_BULLET) ? TUI_EL_MASKED : TUI_EL_NORMAL;
    case COL_PAYER:
        snprintf(buf, len, "%s", r->payer);
        return strstr(r->payer, NX_MASK_BULLET) ? TUI_EL_MASKED : TUI_EL_NORMAL;
    default:
        snprintf(buf, len, "%s", r->assignee[0] ? r->assignee : "-");
        return TUI_EL_NORMAL;
    }
}

static const tui_rowsrc queue_src = {
    .first = q_first, .last = q_last, .after = q_after, .before = q_before, .from = q_from,
    .row = q_row, .count = q_count, .set_page = q_set_page, .cell = q_cell,
};

static const tui_column queue_cols[NCOLS] = {
    [COL_DUE] = { "Due", 12, 0, 0 },
    [COL_STATE] = { "", 7, 0, 0 },
    [COL_PRI] = { "Pri", 6, 0, 0 },
    [COL_STATUS] = { "Status", 11, 1, 0 },
    [COL_PATIENT] = { "Patient", 16, 4, 0 },
    [COL_PAYER] = { "Payer", 10, 2, 0 },
    [COL_ASSIGNEE] = { "Assignee", 8, 1, 0 },
};

/* The column each sort orders by. */
static const int sort_col[NX_SORT_COUNT] = {
    [NX_SORT_DUE] = COL_DUE, [NX_SORT_PRIORITY] = COL_PRI, [NX_SORT_STATUS] = COL_STATUS,
    [NX_SORT_PATIENT] = COL_PATIENT, [NX_SORT_PAYER] = COL_PAYER,
};

static void mark_sort(queue_st *st)
{
    for (int c = 0; c < NCOLS; c++)
        st->table.titles[c] = queue_cols[c].title;
    int c = sort_col[st->sort];
    snprintf(st->titles[st->sort], sizeof st->titles[0], "%s %s", queue_cols[c].title,
             st->desc ? "\xe2\x96\xbc" : "\xe2\x96\xb2");
    st->table.titles[c] = st->titles[st->sort];
}

/* Applies sort and filter and reads the first page. */
static int apply(queue_st *st, tui_app *a)
{
    if (!nx_queue_sortable(st->q, st->sort)) {
        tui_msg(a, TUI_EL_ERROR, "Your role does not see the %s column in full, so it cannot "
                "sort by it.", nx_queue_sort_name(st->sort));
        st->sort = NX_SORT_DUE;
    }
    if (nx_queue_set_sort(st->q, st->sort, st->desc) != 0 ||
        nx_queue_set_filter(st->q, &st->filter) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", nx_queue_error(st->q));
        return -1;
    }
    mark_sort(st);
    if (tui_table_reload(&st->table) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", nx_queue_error(st->q));
        return -1;
    }
    return 0;
}

/* The cursor back on item id at screen line `line` of the page just read
 * by a seek (the page starts at the item). */
static void place(queue_st *st, const char *id, int line)
{
    int n = 0, rows = st->table.page, at_start = 0;
    nx_queue_page(st->q, &n);
    if (n > 0) {
        int before = nx_queue_before(st->q, 0);
        if (before == 0) {
            at_start = 1;                       /* the page was the first one */
        } else if (before == rows && line > 0) {
            n = nx_queue_after(st->q, rows - line - 1);
        } else if (before > 0 && line > 0) {
            /* Near the start: the first page, whose position is known. */
            n = nx_queue_first(st->q);
            at_start = 1;
        } else if (before > 0) {
            n = nx_queue_seek(st->q, id);       /* line 0: the item on top again */
        }
    }
    const nx_queue_row *r = nx_queue_page(st->q, &n);
    int cur = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(r[i].id, id) == 0)
            cur = i;
    tui_table_found(&st->table, n, cur);
    if (at_start)
        st->table.top = 0;
}

static int reopen(queue_st *st, tui_app *a, int rows, char *err, size_t errlen)
{
    char id[64] = "";
    const nx_queue_row *r = st->q ? tui_table_current(&st->table) : NULL;
    if (r)
        snprintf(id, sizeof id, "%s", r->id);
    nx_queue_close(st->q);
    st->q = NULL;
    if (nx_queue_open(&a->session, st->kind, rows, &st->q, err, errlen) != 0)
        return -1;
    st->q_rows = rows;
    if (nx_queue_set_sort(st->q, st->sort, st->desc) != 0 ||
        nx_queue_set_filter(st->q, &st->filter) != 0)
        return -1;
    st->table.total = q_count(st, &st->table.total_exact);
    int n = id[0] ? nx_queue_seek(st->q, id) : 0;
    if (n > 0)
        place(st, id, st->table.cur < rows ? st->table.cur : rows - 1);
    else
        tui_table_reload(&st->table);
    return 0;
}

static int body_rows(const tui_app *a)
{
    int h = a->lay.body.h - 2;
    return h > 1 ? h : 1;
}

static int queue_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    queue_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->kind = *(const nx_kind *)arg;
    st->app = a;
    tui_table_init(&st->table, queue_cols, NCOLS, &queue_src, st);
    /* Only eligibility and prior-auth items carry a payer. */
    const nx_field_def *payer = nx_dict_find(a->session.dict, "payer");
    st->table.hidden[COL_PAYER] = !payer || !(payer->kinds & NX_KIND_BIT(st->kind));
    snprintf(st->filter_name, sizeof st->filter_name, "all");
    if (nx_queue_open(&a->session, st->kind, body_rows(a), &st->q, err, errlen) != 0) {
        free(st);
        return -1;
    }
    st->q_rows = body_rows(a);
    tui_table_resize(&st->table, body_rows(a), a->lay.cols);
    s->st = st;
    apply(st, a);
    return 0;
}

static void queue_close(tui_screen *s, tui_app *a)
{
    (void)a;
    queue_st *st = s->st;
    if (!st)
        return;
    nx_queue_close(st->q);
    tui_wipe(st, sizeof *st);
    free(st);
    s->st = NULL;
}

/* Lock: keep the cursor's item id and screen line; the queue (and its
 * page) is closed and wiped, and so is the search (what was typed may be
 * a patient's name). */
static void queue_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    queue_st *st = s->st;
    const nx_queue_row *r = st->q ? tui_table_current(&st->table) : NULL;
    snprintf(st->cur_id, sizeof st->cur_id, "%s", r ? r->id : "");
    st->cur_line = st->table.cur;
    nx_queue_close(st->q);
    st->q = NULL;
    st->table.n = 0;
    tui_wipe(st->filter.search, sizeof st->filter.search);
    tui_wipe(st->saved_search, sizeof st->saved_search);
}

/* After unlock (the queue was closed by queue_suspend), and when a sync
 * round brought or took items (the queue is open: it is read again, the
 * search and filter kept, the cursor on the same item). */
static int queue_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    queue_st *st = s->st;
    if (st->q) {
        const nx_queue_row *r = tui_table_current(&st->table);
        snprintf(st->cur_id, sizeof st->cur_id, "%s", r ? r->id : "");
        st->cur_line = st->table.cur;
        nx_queue_close(st->q);
        st->q = NULL;
        st->table.n = 0;
    }
    int rows = st->table.page > 0 ? st->table.page : body_rows(a);
    if (nx_queue_open(&a->session, st->kind, rows, &st->q, err, errlen) != 0)
        return -1;
    st->q_rows = rows;
    if (apply(st, a) != 0)
        return 0;
    if (st->cur_id[0] && nx_queue_seek(st->q, st->cur_id) > 0)
        place(st, st->cur_id, st->cur_line);
    else
        tui_table_reload(&st->table);
    tui_wipe(st->cur_id, sizeof st->cur_id);
    return 0;
}

static void queue_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    queue_st *st = s->st;
    int rows, cols;
    getmaxyx(w, rows, cols);
    char why_buf[320];
    snprintf(why_buf, sizeof why_buf, "The queue could not be read: %s",
             st->q ? nx_queue_error(st->q) : "it is closed");
    if (tui_table_resize(&st->table, rows - 2 > 1 ? rows - 2 : 1, cols) != 0) {
        tui_put(a, w, 2, 2, cols - 4, TUI_EL_ERROR, why_buf);
        return;
    }
    tui_table_draw(&st->table, w, 0, 0, rows - 1, &a->theme);
    if (st->table.n == 0) {
        const char *why = st->table.failed ? why_buf
                        : st->filter.search[0] ? "No item matches the search (/ then Esc clears it)."
                        : strcmp(st->filter_name, "all") ? "No item matches the filter (f changes it)."
                        : "This queue is empty.";
        tui_put(a, w, 2, 2, cols - 4, st->table.failed ? TUI_EL_ERROR : TUI_EL_HINT, why);
    }
}

/* ---- search and filter ---------------------------------------------------------- */

static void search_change(tui_app *a, void *ctx, const char *text)
{
    queue_st *st = ctx;
    snprintf(st->filter.search, sizeof st->filter.search, "%s", text);
    apply(st, a);
}

static void search_done(tui_app *a, void *ctx, int ok, const char *text)
{
    queue_st *st = ctx;
    if (!ok) {
        snprintf(st->filter.search, sizeof st->filter.search, "%s", st->saved_search);
        apply(st, a);
    } else {
        snprintf(st->filter.search, sizeof st->filter.search, "%s", text);
    }
    tui_wipe(st->saved_search, sizeof st->saved_search);
}

enum { F_ALL, F_MINE, F_OVERDUE, F_STATUS0 };

static void filter_done(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    queue_st *st = ctx;
    if (!ok)
        return;
    st->filter.status[0] = st->filter.assignee[0] = '\0';
    st->filter.overdue_only = 0;
    const nx_wf_machine *m = nx_workflow_machine(st->kind);
    if (choice == F_MINE) {
        snprintf(st->filter.assignee, sizeof st->filter.assignee, "%s", a->session.user);
        snprintf(st->filter_name, sizeof st->filter_name, "mine");
    } else if (choice == F_OVERDUE) {
        st->filter.overdue_only = 1;
        snprintf(st->filter_name, sizeof st->filter_name, "overdue");
    } else if (choice >= F_STATUS0 && m) {
        const char *status = m->statuses[choice - F_STATUS0];
        snprintf(st->filter.status, sizeof st->filter.status, "%s", status);
        snprintf(st->filter_name, sizeof st->filter_name, "status %s", status);
    } else {
        snprintf(st->filter_name, sizeof st->filter_name, "all");
    }
    apply(st, a);
}

static void open_filter(queue_st *st, tui_app *a)
{
    const char *items[TUI_DLG_ITEMS];
    char labels[TUI_DLG_ITEMS][64];
    int n = 0;
    items[n++] = "All items";
    items[n++] = "Assigned to me";
    items[n++] = "Overdue only";
    const nx_wf_machine *m = nx_workflow_machine(st->kind);
    for (int i = 0; m && m->statuses[i] && n < TUI_DLG_ITEMS; i++) {
        snprintf(labels[n], sizeof labels[0], "Status: %s", m->statuses[i]);
        items[n] = labels[n];
        n++;
    }
    tui_menu(a, "Show which items?", items, n, 0, filter_done, st);
}

/* ---- re-routing (supervisors) ---------------------------------------------------- */

static void assign_done(tui_app *a, void *ctx, int ok, const char *text)
{
    queue_st *st = ctx;
    char id[64], to[64];
    snprintf(id, sizeof id, "%s", st->assign_id);
    st->assign_id[0] = '\0';
    while (*text == ' ')
        text++;
    snprintf(to, sizeof to, "%s", text);
    for (size_t n = strlen(to); n && to[n - 1] == ' '; n--)
        to[n - 1] = '\0';
    if (!ok || !id[0])
        return;
    if (!to[0]) {
        tui_msg(a, TUI_EL_HINT, "Not re-routed: no user given.");
        return;
    }
    nx_item it;
    char err[512] = "";
    if (nx_session_open(&a->session, id, &it, err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
        return;
    }
    int rc = nx_session_assign(&a->session, &it, to, err, sizeof err);
    nx_item_free(&it);
    if (rc != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
        return;
    }
    tui_msg(a, TUI_EL_INFO, "Item %s re-routed to %s; the hub confirms it on the next sync.", id,
            to);
    tui_table_refresh(&st->table);
}

static void start_assign(queue_st *st, tui_app *a)
{
    if (a->session.role != NX_ROLE_SUPERVISOR ||
        !nx_policy_allows(a->session.policy, a->session.role, NX_ACTION_ASSIGN)) {
        tui_msg(a, TUI_EL_ERROR, NX_SCR_REROUTE_REFUSED);
        return;
    }
    const nx_queue_row *r = tui_table_current(&st->table);
    if (!r)
        return;
    snprintf(st->assign_id, sizeof st->assign_id, "%s", r->id);
    tui_prompt(a, "Re-route to (user id): ", "", NULL, assign_done, st);
}

static int queue_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    queue_st *st = s->st;
    if (tui_table_move(&st->table, req))
        return TUI_REDRAW;
    switch (req) {
    case REQ_OPEN: {
        const nx_queue_row *r = tui_table_current(&st->table);
        if (r) {
            char id[64];
            snprintf(id, sizeof id, "%s", r->id);
            if (tui_push(a, &nx_scr_item, id) == 0)
                st->returning = 1;
        }
        return TUI_REDRAW;
    }
    case REQ_SORT:
        /* The next column this role may sort by (core refuses an order
         * by a value the role sees only masked). */
        for (int i = 0; i < NX_SORT_COUNT; i++) {
            st->sort = (nx_queue_sort)((st->sort + 1) % NX_SORT_COUNT);
            if (nx_queue_sortable(st->q, st->sort))
                break;
        }
        st->desc = 0;
        apply(st, a);
        return TUI_REDRAW;
    case REQ_SORT_REVERSE:
        st->desc = !st->desc;
        apply(st, a);
        return TUI_REDRAW;
    case REQ_SEARCH:
        snprintf(st->saved_search, sizeof st->saved_search, "%s", st->filter.search);
        tui_prompt(a, "Search: ", st->filter.search, search_change, search_done, st);
        return TUI_REDRAW;
    case REQ_FILTER:
        open_filter(st, a);
        return TUI_REDRAW;
    case REQ_ASSIGN:
        start_assign(st, a);
        return TUI_REDRAW;
    case REQ_REROUTE_AGENT: {
        const nx_queue_row *r = tui_table_current(&st->table);
        nx_reroute_start(&st->reroute, a, st->kind, &st->table, r ? r->assignee : NULL);
        return TUI_REDRAW;
    }
    case REQ_NEW_ITEM:
        /* the new item's form, then the item itself: on the way back the
         * queue is read again, and holds it */
        if (tui_push(a, &nx_scr_newitem, &st->kind) == 0)
            st->returning = 1;
        return TUI_REDRAW;
    default:
        return TUI_UNUSED;
    }
}

/* Back from an item: its row may have changed (status, due). */
static void queue_tick(tui_screen *s, tui_app *a)
{
    (void)a;
    queue_st *st = s->st;
    if (st->returning) {
        st->returning = 0;
        tui_table_refresh(&st->table);
    }
}

static void queue_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    queue_st *st = s->st;
    snprintf(l, ll, "%s", kind_titles[st->kind]);
    int64_t pos = tui_table_position(&st->table);
    char search[160] = "";
    if (st->filter.search[0])
        snprintf(search, sizeof search, " \xc2\xb7 search");
    const char *plus = st->table.total_exact ? "" : "+";
    if (st->table.total >= 0 && pos > 0)
        snprintf(r, rl, "%lld of %lld%s \xc2\xb7 %s%s", (long long)pos,
                 (long long)st->table.total, plus, st->filter_name, search);
    else if (st->table.total >= 0)
        snprintf(r, rl, "%lld%s item%s \xc2\xb7 %s%s", (long long)st->table.total, plus,
                 st->table.total == 1 && !plus[0] ? "" : "s", st->filter_name, search);
    else
        snprintf(r, rl, "%s%s", st->filter_name, search);
}

static const tui_hint queue_hints[] = {
    { REQ_OPEN, "open" }, { REQ_SEARCH, "search" }, { REQ_SORT, "sort" },
    { REQ_SORT_REVERSE, "reverse" }, { REQ_FILTER, "filter" }, { REQ_HELP, "help" },
    { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_queue = {
    .name = "queue",
    .ctx = TUI_CTX_QUEUE,
    .open = queue_open,
    .close = queue_close,
    .suspend = queue_suspend,
    .resume = queue_resume,
    .draw = queue_draw,
    .handle = queue_handle,
    .tick = queue_tick,
    .title = queue_title,
    .hints = queue_hints,
};
