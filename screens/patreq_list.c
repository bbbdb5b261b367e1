/* screens/patreq_list — the patient requests (`R`) and one request.
 *
 * The list: the requests the user may see (who took them in, the team's
 * supervisor, the officers), the open ones by running deadline, with the
 * routing clock (2 business days in the client's calendar) and the
 * covered entity's deadline in words — "due Tue 01 23:59", "LATE since
 * ...", "met ..." — red (bold without color) when late. `c` shows the
 * closed ones too.
 *
 * The view: what was asked and how it came, the identity check, the two
 * clocks, the routing and the covered entity's answer. `r` logs the
 * routing (to the client or the prime vendor, how, to whom, the
 * confirmation or ticket), `x` the covered entity's extension (its
 * reason), `d` its answer (the outcome; closes the request). */
#include "screens/pform.h"
#include "screens/reclist.h"
#include "session/session_privacy.h"
#include "tui/table.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "Tue 01 23:59" in the request's own zone (the client's). */
static void when(const char *tz, int64_t t, char *out, size_t len)
{
    nx_deadline d = { .due = t, .state = NX_DL_RUNNING };
    tui_elem e;
    char buf[64];
    pform_deadline(&d, tz, buf, sizeof buf, &e);
    snprintf(out, len, "%s", t ? buf + 4 : "-");
}

/* ---- the list (screens/reclist) ------------------------------------------------------- */

static tui_elem l_cell(const reclist *l, const void *row, int col, char *buf, size_t len)
{
    (void)l;
    const nx_patreq_line *r = row;
    tui_elem e = TUI_EL_NORMAL;
    char t[64];
    switch (col) {
    case 0:
        when(r->tz, r->received_at, t, sizeof t);
        snprintf(buf, len, "%s", t);
        break;
    case 1:
        snprintf(buf, len, "%s", nx_patreq_type_label(r->type));
        break;
    case 2:
        /* * marks a change still to send, ! one the hub refused */
        snprintf(buf, len, "%s%s", r->refused ? "!" : r->pending ? "*" : "", r->status);
        if (r->refused)
            e = TUI_EL_ERROR;
        break;
    case 3:
        snprintf(buf, len, "%s", r->item_id);
        break;
    case 4:
        pform_deadline_short(&r->clk.routing, r->tz, 0, buf, len, &e);
        break;
    default:
        pform_deadline_short(&r->clk.ce, r->tz, 1, buf, len, &e);
        break;
    }
    return e;
}

static const tui_column l_cols[] = {
    { "Received", 12, 0, 0 }, { "Type", 12, 1, 0 },       { "Status", 9, 0, 0 },
    { "Item", 8, 1, 0 },      { "Route (2 days)", 14, 0, 0 }, { "Answer due", 10, 0, 0 },
};

static int l_load(tui_app *a, int closed, void **rows, size_t *n, char *err, size_t errlen)
{
    nx_patreq_line *r = NULL;
    int rc = nx_session_patreq_lines(&a->session, closed, NULL, &r, n, err, errlen);
    *rows = r;
    return rc;
}

static void l_header(const reclist *l, tui_app *a, char *line, size_t len)
{
    (void)a;
    snprintf(line, len, " %s patient requests \xc2\xb7 times in each client's zone "
             "\xc2\xb7 * to send, ! refused", l->closed ? "All" : "Open");
}

static void l_empty(const reclist *l, tui_app *a, char *line, size_t len)
{
    char k[32];
    tui_key_hint(a, REQ_PATIENT_REQUEST, k, sizeof k);
    snprintf(line, len, "No %spatient requests. On a work item, %s takes one in "
             "for its patient.", l->closed ? "" : "open ", k);
}

static const reclist_desc l_desc = {
    .title = "patient requests",
    .row_size = sizeof(nx_patreq_line),
    .id_off = offsetof(nx_patreq_line, id),
    .cols = l_cols,
    .ncols = (int)(sizeof l_cols / sizeof l_cols[0]),
    .cell = l_cell,
    .load = l_load,
    .header = l_header,
    .empty = l_empty,
    .view = &nx_scr_patreq_view,
};

static int l_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    return reclist_open(s, a, &l_desc, err, errlen);
}

static const tui_hint l_hints[] = {
    { REQ_OPEN, "open" }, { REQ_SHOW_CLOSED, "closed" }, { REQ_HELP, "help" },
    { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_patreqs = {
    .name = "patient-requests",
    .ctx = TUI_CTX_REQUESTS,
    .open = l_open,
    .close = reclist_close,
    .resume = reclist_resume,
    .draw = reclist_draw,
    .handle = reclist_handle,
    .tick = reclist_tick,
    .title = reclist_title,
    .hints = l_hints,
};

/* ---- one request -------------------------------------------------------------------------- */

typedef struct {
    recview base;               /* the record: id, loaded (screens/reclist) */
    nx_patreq_view v;
    int pick_to, pick_how, pick_outcome;
    char pick_name[NX_PR_NAME_MAX + 1];
} view_st;

static int v_get(tui_app *a, recview *rv, char *err, size_t errlen)
{
    view_st *st = (view_st *)rv;
    return nx_session_patreq_get(&a->session, rv->id, &st->v, err, errlen);
}

static void v_drop(recview *rv)
{
    view_st *st = (view_st *)rv;
    if (rv->loaded)
        nx_patreq_view_clear(&st->v);
    tui_wipe(st->pick_name, sizeof st->pick_name);
}

static const recview_desc v_desc = {
    .size = sizeof(view_st), .what = "Request", .get = v_get, .drop = v_drop,
};

static int v_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    return recview_open(s, a, &v_desc, arg, err, errlen);
}

static int count(const char *const *list)
{
    int n = 0;
    while (list[n])
        n++;
    return n;
}

static void ref_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "";
    int rc = nx_session_patreq_route(&a->session, st->base.id, nx_patreq_route_to[st->pick_to],
                                     st->pick_name, nx_patreq_channels[st->pick_how], text, 0,
                                     err, sizeof err);
    tui_wipe(st->pick_name, sizeof st->pick_name);
    recview_changed(&st->base, a, rc, err,
                    "Routing logged: the covered entity's deadline runs now.");
}

static void name_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    snprintf(st->pick_name, sizeof st->pick_name, "%s", text);
    tui_ask(a, "Confirmation", "The confirmation, ticket or fax log number (empty: none).", 0, 0,
            ref_typed, st);
}

static void how_chosen(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    st->pick_how = choice;
    tui_ask(a, "Routed to whom?", "The office or person it went to (the client's privacy "
            "office...).", 0, 0, name_typed, st);
}

static void to_chosen(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    st->pick_to = choice;
    tui_menu(a, "Sent how?", nx_patreq_channels, count(nx_patreq_channels), 4, how_chosen, st);
}

static void reason_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "";
    int rc = nx_session_patreq_extend(&a->session, st->base.id, text, err, sizeof err);
    recview_changed(&st->base, a, rc, err,
                    "Extension logged: the covered entity's deadline moved 30 days.");
}

static void note_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "";
    int rc = nx_session_patreq_close(&a->session, st->base.id, nx_patreq_outcomes[st->pick_outcome],
                                     text, err, sizeof err);
    recview_changed(&st->base, a, rc, err, "Request closed.");
}

static void outcome_chosen(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    st->pick_outcome = choice;
    tui_ask(a, "Note", "Anything to keep with the answer (empty: none).", 0, 0, note_typed, st);
}

static int v_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    view_st *st = s->st;
    if (!st->base.loaded)
        return TUI_UNUSED;
    const char *status = st->v.line.status;
    switch (req) {
    case REQ_PR_ROUTE:
        if (strcmp(status, "received") != 0) {
            tui_msg(a, TUI_EL_INFO, "The request is %s: routed already.", status);
            return TUI_REDRAW;
        }
        tui_menu(a, "Routed to", nx_patreq_route_to, count(nx_patreq_route_to), 0, to_chosen,
                 st);
        return TUI_REDRAW;
    case REQ_PR_EXTEND:
        tui_ask(a, "The covered entity's extension", "Its reason, as the covered entity gave "
                "it (the deadline moves 30 days, once).", 1, 0, reason_typed, st);
        return TUI_REDRAW;
    case REQ_PR_CLOSE:
        tui_menu(a, "The covered entity's answer", nx_patreq_outcomes,
                 count(nx_patreq_outcomes), 0, outcome_chosen, st);
        return TUI_REDRAW;
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

static void row(tui_app *a, WINDOW *w, int *y, int cols, tui_elem e, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void row(tui_app *a, WINDOW *w, int *y, int cols, tui_elem e, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tui_put(a, w, (*y)++, 0, cols, e, line);
    tui_wipe(line, sizeof line);
}

static void v_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    view_st *st = s->st;
    if (!st->base.loaded)
        return;
    int rows, cols, y = 0;
    getmaxyx(w, rows, cols);
    const nx_patreq *p = &st->v.pr;
    const nx_patreq_line *l = &st->v.line;
    const char *tz = p->tz[0] ? p->tz : "UTC";
    char t1[64], t2[64];
    tui_elem e1, e2;
    row(a, w, &y, cols, TUI_EL_HEADER, " %s \xc2\xb7 %s \xc2\xb7 by %s \xc2\xb7 item %.16s",
        nx_patreq_type_label(p->type), l->status, l->author, l->item_id);
    if (st->v.row.refused[0])
        row(a, w, &y, cols, TUI_EL_ERROR, " The hub refused the last change made here: %.150s",
            st->v.row.refused);
    else if (st->v.row.op_id[0])
        row(a, w, &y, cols, TUI_EL_AT_RISK,
            " The last change made here goes to the hub with the next sync.");
    pform_deadline(&l->clk.routing, tz, t1, sizeof t1, &e1);
    pform_deadline(&l->clk.ce, tz, t2, sizeof t2, &e2);
    row(a, w, &y, cols, e1, "  %-38s %s", "Route to the client (2 business days)", t1);
    row(a, w, &y, cols, e2, "  %-38s %s",
        p->extended ? "Covered entity's answer (extended)" : "Covered entity's answer",
        l->clk.ce.due ? t2 : "no deadline in the seeds");
    row(a, w, &y, cols, TUI_EL_HINT, "  (times in %s, the client's zone)", tz);
    y++;
    when(tz, p->received_at, t1, sizeof t1);
    row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s %s by %s", "Received", t1, p->channel);
    row(a, w, &y, cols, p->id_verified ? TUI_EL_NORMAL : TUI_EL_AT_RISK, "  %-16s %s: %s%s",
        "Identity", p->id_method, p->id_verified ? "verified" : "NOT VERIFIED",
        p->representative ? " \xc2\xb7 a personal representative asked" : "");
    if (p->summary[0])
        row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s %s", "Asked", p->summary);
    if (p->note[0])
        row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s %s", "Note", p->note);
    const char *flag = nx_patreq_flag(p->type);
    if (flag)
        row(a, w, &y, cols, TUI_EL_URGENT, "  %-16s %s", "Patient flagged",
            strcmp(flag, "restriction") == 0 ? "RESTRICTION: check before disclosing"
                                             : "CONFIDENTIAL COMMUNICATION: no SMS or email");
    y++;
    if (p->routed_at) {
        when(tz, p->routed_at, t1, sizeof t1);
        row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s %s to the %s%s%s%s", "Routed", t1,
            strcmp(p->routed_to, "client") == 0 ? "client" : "prime vendor",
            p->routed_name[0] ? " (" : "", p->routed_name, p->routed_name[0] ? ")" : "");
        row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s by %s%s%s \xc2\xb7 logged by %s", "",
            p->routed_how, p->routed_ref[0] ? " \xc2\xb7 ref " : "", p->routed_ref,
            p->routed_by);
    }
    if (p->extended)
        row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s %s", "Extension", p->extension_reason);
    if (p->closed_at) {
        when(tz, p->closed_at, t1, sizeof t1);
        row(a, w, &y, cols, TUI_EL_NORMAL, "  %-16s %s %s (%s)", "Answered", t1, p->outcome,
            p->closed_by);
    }
    char line[256], k1[16], k2[16], k3[16];
    tui_key_hint(a, REQ_PR_ROUTE, k1, sizeof k1);
    tui_key_hint(a, REQ_PR_EXTEND, k2, sizeof k2);
    tui_key_hint(a, REQ_PR_CLOSE, k3, sizeof k3);
    if (strcmp(l->status, "closed") == 0)
        snprintf(line, sizeof line, " Closed: nothing more is recorded.");
    else
        snprintf(line, sizeof line, " %s route \xc2\xb7 %s extension \xc2\xb7 %s answer (closes)",
                 k1, k2, k3);
    tui_put(a, w, rows - 1, 0, cols, TUI_EL_NORMAL, line);
}

static void v_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    view_st *st = s->st;
    snprintf(l, ll, "patient request \xc2\xb7 %s",
             st->base.loaded ? nx_patreq_type_label(st->v.pr.type) : "");
    snprintf(r, rl, "%s", st->base.loaded ? st->v.line.status : "");
}

static const tui_hint v_hints[] = {
    { REQ_PR_ROUTE, "route" }, { REQ_PR_CLOSE, "answer" }, { REQ_HELP, "help" },
    { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_patreq_view = {
    .name = "patient-request-view",
    .ctx = TUI_CTX_REQUESTS,
    .open = v_open,
    .close = recview_close,
    .suspend = recview_suspend,
    .resume = recview_resume,
    .draw = v_draw,
    .handle = v_handle,
    .tick = recview_tick,
    .title = v_title,
    .hints = v_hints,
};
