/* screens/capa — corrective actions (CAPA) tracked to closure (seed 000
 * §8; core/domain/capa.h has the lifecycle and who may do what).
 *
 * The list (nx_scr_capa; `c` in the QA queue): the CAPAs the user may see —
 * a supervisor their team's, an agent the ones they own — not closed
 * first by due date, OVERDUE marked in words, then the closed ones. Enter
 * opens one; `n` opens a new one (supervisors and officers).
 *
 * The form (nx_scr_capa_form): finding, action, owner, due date
 * (YYYY-MM-DD, due at the end of that day), status and resolution. A new
 * CAPA after a failed review comes pre-filled: the item, the review, the
 * agent as owner, the review's comment as the finding, due in 14 days.
 * F2 saves through core (nx_session_capa_save: one transaction with its
 * op and audit event); the hub checks it again. Texts may hold PHI: wiped
 * on lock and close. */
#include "screens/screens.h"
#include "session/session_qa.h"
#include "tui/form.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the list ---------------------------------------------------------------------------- */

typedef struct {
    nx_capa_view *rows;
    size_t n;
    tui_array_src src;
    tui_table table;
    uint64_t rounds;
    int stale;
    char cur[40];
} list_st;

enum { COL_DUE, COL_STATE, COL_OWNER, COL_ITEM, COL_ACTION, NCOLS };

static const tui_column list_cols[NCOLS] = {
    [COL_DUE] = { "Due", 7, 0, 0 },
    [COL_STATE] = { "Status", 11, 0, 0 },
    [COL_OWNER] = { "Owner", 10, 1, 0 },
    [COL_ITEM] = { "Item", 12, 1, 0 },
    [COL_ACTION] = { "Action", 10, 4, 0 },
};

/* The day a CAPA is due (it falls due at the end of it): "Mar 17". */
static void format_day(int64_t due, char *out, size_t len)
{
    time_t t = (time_t)(due - 1);
    struct tm tm;
    if (!due || !localtime_r(&t, &tm) || !strftime(out, len, "%b %d", &tm))
        snprintf(out, len, "-");
}

static tui_elem l_cell(void *c, const void *row, int col, char *buf, size_t len)
{
    (void)c;
    const nx_capa_view *v = row;
    switch (col) {
    case COL_DUE:
        format_day(v->rec.due, buf, len);
        return v->overdue ? TUI_EL_OVERDUE : TUI_EL_NORMAL;
    case COL_STATE:
        snprintf(buf, len, "%s", v->overdue ? "OVERDUE" : v->rec.status);
        return v->overdue ? TUI_EL_OVERDUE : strcmp(v->rec.status, "closed") == 0 ? TUI_EL_HINT
                                                                                  : TUI_EL_NORMAL;
    case COL_OWNER:
        snprintf(buf, len, "%s", v->rec.owner);
        return TUI_EL_NORMAL;
    case COL_ITEM:
        snprintf(buf, len, "%s", v->rec.item_id[0] ? v->rec.item_id : "-");
        return TUI_EL_NORMAL;
    default:
        snprintf(buf, len, "%s%s", v->refused[0] ? "(refused) " : v->pending ? "(to send) " : "",
                 v->b.action);
        return v->refused[0] ? TUI_EL_ERROR : TUI_EL_NORMAL;
    }
}

static const tui_rowsrc list_src = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = l_cell,
};

static const nx_capa_view *list_current(list_st *st)
{
    return st->rows ? tui_table_current(&st->table) : NULL;
}

static void list_drop(list_st *st)
{
    nx_capa_views_free(st->rows, st->n);
    st->rows = NULL;
    st->n = 0;
    st->src.rows = NULL;
    st->src.n = 0;
}

static void list_remember(list_st *st)
{
    const nx_capa_view *v = list_current(st);
    snprintf(st->cur, sizeof st->cur, "%s", v ? v->rec.id : "");
}

static int list_load(list_st *st, tui_app *a, char *err, size_t errlen)
{
    char keep[40];
    snprintf(keep, sizeof keep, "%s", st->cur);
    list_drop(st);
    if (nx_session_capa_list(&a->session, &st->rows, &st->n, err, errlen) != 0)
        return -1;
    st->rounds = a->sync.rounds;
    st->stale = 0;
    st->src.rows = st->rows;
    st->src.size = sizeof st->rows[0];
    st->src.n = (int)st->n;
    tui_table_reload(&st->table);
    for (size_t i = 0; keep[0] && i < st->n; i++)
        if (strcmp(st->rows[i].rec.id, keep) == 0) {
            for (size_t k = 0; k < i; k++)
                tui_table_move(&st->table, REQ_MOVE_DOWN);
            break;
        }
    return 0;
}

static int list_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    list_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    tui_table_init(&st->table, list_cols, NCOLS, &list_src, &st->src);
    tui_table_resize(&st->table, a->lay.body.h - 3 > 1 ? a->lay.body.h - 3 : 1, a->lay.cols);
    if (list_load(st, a, err, errlen) != 0) {
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void list_close(tui_screen *s, tui_app *a)
{
    (void)a;
    list_st *st = s->st;
    if (!st)
        return;
    list_drop(st);
    free(st);
    s->st = NULL;
}

static void list_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    list_st *st = s->st;
    list_remember(st);
    list_drop(st);
    tui_table_reload(&st->table);
}

static int list_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    return list_load(s->st, a, err, errlen);
}

static void list_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    list_st *st = s->st;
    int rows, ncols;
    getmaxyx(w, rows, ncols);
    size_t open = 0, overdue = 0;
    for (size_t i = 0; i < st->n; i++) {
        open += strcmp(st->rows[i].rec.status, "closed") != 0;
        overdue += (size_t)st->rows[i].overdue;
    }
    char line[512];
    snprintf(line, sizeof line, " %zu open, %zu overdue \xc2\xb7 tracked to closure; a closure "
             "says what was done", open, overdue);
    tui_put(a, w, 0, 0, ncols, overdue ? TUI_EL_AT_RISK : TUI_EL_HINT, line);
    if (tui_table_resize(&st->table, rows - 3 > 1 ? rows - 3 : 1, ncols) != 0)
        return;
    tui_table_draw(&st->table, w, 1, 0, rows - 2, &a->theme);
    if (st->n == 0) {
        tui_put(a, w, 3, 2, ncols - 4, TUI_EL_HINT,
                "No corrective action. A failed QA review offers to open one.");
        return;
    }
    const nx_capa_view *v = list_current(st);
    if (v && rows > 3) {
        if (v->refused[0])
            snprintf(line, sizeof line, " The hub refused the last change: %.*s",
                     (int)sizeof line - 40, v->refused);
        else
            snprintf(line, sizeof line, " Finding: %.*s", (int)sizeof line - 12, v->b.finding);
        tui_put(a, w, rows - 1, 0, ncols, v->refused[0] ? TUI_EL_ERROR : TUI_EL_HINT, line);
        tui_wipe(line, sizeof line);
    }
}

static int list_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    list_st *st = s->st;
    if (tui_table_move(&st->table, req))
        return TUI_REDRAW;
    const nx_capa_view *v = list_current(st);
    switch (req) {
    case REQ_OPEN:
        if (!v)
            return TUI_DONE;
        list_remember(st);
        {
            nx_scr_capa_arg arg = { .capa_id = st->cur };
            if (tui_push(a, &nx_scr_capa_form, &arg) == 0)
                st->stale = 1;
        }
        return TUI_REDRAW;
    case REQ_NEW_ITEM: {
        list_remember(st);
        nx_scr_capa_arg arg = { 0 };
        if (tui_push(a, &nx_scr_capa_form, &arg) == 0)
            st->stale = 1;
        return TUI_REDRAW;
    }
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

static void list_tick(tui_screen *s, tui_app *a)
{
    list_st *st = s->st;
    if (!st || a->dlg.kind != TUI_DLG_NONE || (!st->stale && st->rounds == a->sync.rounds))
        return;
    char err[256];
    if (!st->stale)
        list_remember(st);
    if (list_load(st, a, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
}

static void list_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    list_st *st = s->st;
    snprintf(l, ll, "Corrective actions");
    int64_t pos = tui_table_position(&st->table);
    if (pos > 0)
        snprintf(r, rl, "%lld of %zu", (long long)pos, st->n);
    else
        snprintf(r, rl, "%zu", st->n);
}

static const tui_hint list_hints[] = {
    { REQ_OPEN, "open" }, { REQ_NEW_ITEM, "new" }, { REQ_HELP, "help" }, { REQ_BACK, "back" },
    { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_capa = {
    .name = "capa",
    .ctx = TUI_CTX_QA,
    .open = list_open,
    .close = list_close,
    .suspend = list_suspend,
    .resume = list_resume,
    .draw = list_draw,
    .handle = list_handle,
    .tick = list_tick,
    .title = list_title,
    .hints = list_hints,
};

/* ---- the form ------------------------------------------------------------------------------ */

enum { F_FINDING, F_ACTION, F_OWNER, F_DUE, F_STATUS, F_RESOLUTION, NF };

static const char *const statuses[] = { "open", "in-progress", "closed", NULL };

typedef struct {
    char id[40];                /* "" = a new CAPA */
    char item[NX_ID_MAX], review[40];
    int manager;                /* may re-plan and close it */
    int owner_only;             /* its owner, not a manager */
    nx_field_def defs[NF];
    tui_form fm;
    int focus_kept;
    /* a new CAPA's pre-filled values, kept across a lock (not PHI) */
    char owner0[NX_NAME_MAX], due0[16];
} form_st;

static const nx_field_def form_defs[NF] = {
    [F_FINDING] = { .id = "finding", .label = "Finding", .type = NX_FT_LONGTEXT,
                    .max = NX_CAPA_TEXT_MAX,
                    .help = "What was found (the review's comment); fixed once opened" },
    [F_ACTION] = { .id = "action", .label = "Corrective action", .type = NX_FT_LONGTEXT,
                   .max = NX_CAPA_TEXT_MAX, .help = "What is to be done, and by whom" },
    [F_OWNER] = { .id = "owner", .label = "Owner", .type = NX_FT_TEXT, .max = 63,
                  .help = "The user id of who must act (a user of the team)" },
    [F_DUE] = { .id = "due", .label = "Due date", .type = NX_FT_DATE,
                .help = "YYYY-MM-DD: due at the end of that day; overdue after it" },
    [F_STATUS] = { .id = "status", .label = "Status", .type = NX_FT_CHOICE, .choices = statuses,
                   .help = "open, in-progress, closed (Space: the next); closing needs the "
                           "resolution" },
    [F_RESOLUTION] = { .id = "resolution", .label = "Resolution", .type = NX_FT_LONGTEXT,
                       .max = NX_CAPA_TEXT_MAX,
                       .help = "What was done, and how it was checked (required to close)" },
};

static void format_date(int64_t due, char *out, size_t len)
{
    /* the day before the instant it falls due (due = the next day's start) */
    time_t t = (time_t)(due - 1);
    struct tm tm;
    if (!due || !localtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d", &tm))
        snprintf(out, len, "%s", "");
}

static int form_build(form_st *st, tui_app *a, const nx_scr_capa_arg *arg, char *err,
                      size_t errlen)
{
    if (tui_form_alloc(&st->fm, NF) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(st->defs, form_defs, sizeof st->defs);
    for (int i = 0; i < NF; i++) {
        st->fm.f[i].def = &st->defs[i];
        st->fm.f[i].state = TUI_FV_EDIT;
        st->fm.f[i].required = i != F_RESOLUTION;
    }
    tui_field *f = st->fm.f;
    if (!st->id[0]) {
        st->manager = nx_capa_manager(a->session.role, a->session.team, a->session.team);
        if (!st->manager) {
            snprintf(err, errlen, "Corrective actions are opened by a supervisor or an officer.");
            return -1;
        }
        if (arg && arg->finding)
            snprintf(f[F_FINDING].value, NX_VALUE_MAX, "%.*s", NX_VALUE_MAX - 1, arg->finding);
        snprintf(f[F_OWNER].value, NX_VALUE_MAX, "%s", st->owner0);
        snprintf(f[F_DUE].value, NX_VALUE_MAX, "%s", st->due0);
        snprintf(f[F_STATUS].value, NX_VALUE_MAX, "open");
        f[F_STATUS].state = TUI_FV_READONLY;
        f[F_RESOLUTION].state = TUI_FV_READONLY;
        return 0;
    }
    nx_capa_view v;
    int found = nx_session_capa_get(&a->session, st->id, &v, err, errlen);
    if (found <= 0) {
        if (found == 0)
            snprintf(err, errlen, "Corrective action %s is not one you may see.", st->id);
        return -1;
    }
    st->manager = nx_capa_manager(a->session.role, a->session.team, v.rec.team);
    st->owner_only = !st->manager && strcmp(v.rec.owner, a->session.user) == 0;
    snprintf(st->item, sizeof st->item, "%s", v.rec.item_id);
    snprintf(st->review, sizeof st->review, "%s", v.b.review);
    snprintf(f[F_FINDING].value, NX_VALUE_MAX, "%.*s", NX_VALUE_MAX - 1, v.b.finding);
    snprintf(f[F_ACTION].value, NX_VALUE_MAX, "%.*s", NX_VALUE_MAX - 1, v.b.action);
    snprintf(f[F_OWNER].value, NX_VALUE_MAX, "%s", v.rec.owner);
    format_date(v.rec.due, f[F_DUE].value, NX_VALUE_MAX);
    snprintf(f[F_STATUS].value, NX_VALUE_MAX, "%s", v.rec.status);
    snprintf(f[F_RESOLUTION].value, NX_VALUE_MAX, "%.*s", NX_VALUE_MAX - 1, v.b.resolution);
    nx_record_clear(&v.rec);
    tui_wipe(&v.b, sizeof v.b);
    f[F_FINDING].state = TUI_FV_READONLY;
    if (!st->manager) {
        f[F_ACTION].state = f[F_OWNER].state = f[F_DUE].state = TUI_FV_READONLY;
        if (!st->owner_only)
            f[F_STATUS].state = f[F_RESOLUTION].state = TUI_FV_READONLY;
    }
    return 0;
}

static int form_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    const nx_scr_capa_arg *ca = arg;
    form_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (ca && ca->capa_id)
        snprintf(st->id, sizeof st->id, "%s", ca->capa_id);
    if (ca && ca->item_id)
        snprintf(st->item, sizeof st->item, "%s", ca->item_id);
    if (ca && ca->review_id)
        snprintf(st->review, sizeof st->review, "%s", ca->review_id);
    if (ca && ca->owner)
        snprintf(st->owner0, sizeof st->owner0, "%s", ca->owner);
    format_date(tui_now(a) + 15 * 86400, st->due0, sizeof st->due0);
    if (form_build(st, a, ca, err, errlen) != 0) {
        tui_form_free(&st->fm);
        free(st);
        return -1;
    }
    tui_form_focus(&st->fm, st->id[0] ? (st->owner_only ? F_STATUS : F_ACTION)
                            : st->fm.f[F_FINDING].value[0] ? F_ACTION : F_FINDING);
    s->st = st;
    return 0;
}

static void form_close(tui_screen *s, tui_app *a)
{
    (void)a;
    form_st *st = s->st;
    if (!st)
        return;
    tui_form_free(&st->fm);
    tui_wipe(st, sizeof *st);
    free(st);
    s->st = NULL;
}

/* Lock: the texts go (a new CAPA's typed texts are lost; its owner and
 * due date stay). */
static void form_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    form_st *st = s->st;
    st->focus_kept = st->fm.focus;
    if (!st->id[0]) {
        snprintf(st->owner0, sizeof st->owner0, "%.*s", (int)sizeof st->owner0 - 1,
                 st->fm.f[F_OWNER].value);
        snprintf(st->due0, sizeof st->due0, "%.15s", st->fm.f[F_DUE].value);
    }
    tui_form_free(&st->fm);
}

static int form_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    form_st *st = s->st;
    if (form_build(st, a, NULL, err, errlen) != 0)
        return -1;
    tui_form_focus(&st->fm, st->focus_kept);
    return 0;
}

/* Puts core's refusal at the field it is about, else on the message line. */
static void show_problem(form_st *st, tui_app *a, const char *err)
{
    int at = strstr(err, "due date") ? F_DUE : strstr(err, "resolution") ? F_RESOLUTION
           : strstr(err, "owner") ? F_OWNER : strstr(err, "what was found") ? F_FINDING
           : strstr(err, "what is to be done") ? F_ACTION : -1;
    if (at >= 0) {
        snprintf(st->fm.f[at].error, sizeof st->fm.f[at].error, "%s", err);
        tui_form_focus(&st->fm, at);
    }
    tui_msg(a, TUI_EL_ERROR, "Not saved: %s", err);
}

static void form_save(form_st *st, tui_app *a)
{
    tui_field *f = st->fm.f;
    for (int i = 0; i < NF; i++)
        f[i].error[0] = '\0';
    nx_capa_spec sp;
    memset(&sp, 0, sizeof sp);
    snprintf(sp.id, sizeof sp.id, "%s", st->id);
    snprintf(sp.item_id, sizeof sp.item_id, "%s", st->item);
    snprintf(sp.review, sizeof sp.review, "%s", st->review);
    char err[512] = "";
    /* A change sends the owner and due date only when they were edited. */
    int fresh = !st->id[0];
    if (f[F_OWNER].state == TUI_FV_EDIT && (fresh || f[F_OWNER].dirty))
        snprintf(sp.owner, sizeof sp.owner, "%.*s", (int)sizeof sp.owner - 1, f[F_OWNER].value);
    if (f[F_DUE].state == TUI_FV_EDIT && (fresh || f[F_DUE].dirty) && f[F_DUE].value[0] &&
        nx_session_capa_due(f[F_DUE].value, &sp.due, err, sizeof err) != 0) {
        snprintf(f[F_DUE].error, sizeof f[F_DUE].error, "Due date: %s", err);
        tui_form_focus(&st->fm, F_DUE);
        tui_msg(a, TUI_EL_ERROR, "Not saved: see the marked field.");
        return;
    }
    if (f[F_STATUS].state == TUI_FV_EDIT)
        snprintf(sp.status, sizeof sp.status, "%.*s", (int)sizeof sp.status - 1,
                 f[F_STATUS].value);
    sp.finding = f[F_FINDING].state == TUI_FV_EDIT ? f[F_FINDING].value : NULL;
    sp.action = f[F_ACTION].state == TUI_FV_EDIT ? f[F_ACTION].value : NULL;
    sp.resolution = f[F_RESOLUTION].state == TUI_FV_EDIT ? f[F_RESOLUTION].value : NULL;
    if (!st->id[0]) {
        sp.finding = f[F_FINDING].value;
        sp.action = f[F_ACTION].value;
        sp.resolution = "";
    }
    char id[40];
    if (nx_session_capa_save(&a->session, &sp, id, err, sizeof err) != 0) {
        show_problem(st, a, err);
        return;
    }
    if (st->item[0])
        tui_msg(a, TUI_EL_INFO, "Corrective action %s on item %s; the hub gets it on the next "
                "sync.", st->id[0] ? "saved" : "opened", st->item);
    else
        tui_msg(a, TUI_EL_INFO, "Corrective action %s; the hub gets it on the next sync.",
                st->id[0] ? "saved" : "opened");
    for (int i = 0; i < NF; i++)
        f[i].dirty = 0;
    tui_pop(a);                                   /* frees st */
}

static void leave_confirmed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)ctx;
    (void)choice;
    (void)text;
    if (ok)
        tui_pop(a);
}

static int form_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    form_st *st = s->st;
    switch (req) {
    case REQ_NEXT_FIELD:
        tui_form_focus(&st->fm, (st->fm.focus + 1) % NF);
        return TUI_REDRAW;
    case REQ_PREV_FIELD:
        tui_form_focus(&st->fm, (st->fm.focus + NF - 1) % NF);
        return TUI_REDRAW;
    case REQ_MOVE_FIRST:
    case REQ_MOVE_LAST:
        tui_form_key(&st->fm, TUI_KEY_FN + (req == REQ_MOVE_FIRST ? KEY_HOME : KEY_END));
        return TUI_REDRAW;
    case REQ_SAVE:
        form_save(st, a);
        return TUI_REDRAW;
    case REQ_CANCEL:
    case REQ_BACK:
        if (tui_form_dirty(&st->fm)) {
            tui_confirm(a, st->id[0] ? "Leave without saving?" : "Leave without opening it?",
                        "What you typed here is discarded.\n(n stays here; F2 saves.)",
                        leave_confirmed, st);
            return TUI_REDRAW;
        }
        return TUI_POP;
    case REQ_NONE: {
        tui_field *f = &st->fm.f[st->fm.focus];
        int r = tui_form_key(&st->fm, key);
        if (r == -2)
            tui_msg(a, TUI_EL_ERROR, "%s cannot be changed here%s.", f->def->label,
                    st->fm.focus == F_FINDING ? ": a finding stays as it was found"
                    : !st->manager && !st->owner_only ? " (not your corrective action)"
                    : !st->manager ? ": the supervisor re-plans and closes it" : "");
        return r == -1 ? TUI_DONE : TUI_REDRAW;
    }
    default:
        return TUI_UNUSED;
    }
}

static void form_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    form_st *st = s->st;
    if (!st->fm.n)
        return;
    int rows, cols;
    getmaxyx(w, rows, cols);
    char line[512];
    if (st->id[0])
        snprintf(line, sizeof line, " Corrective action %s%s%s", st->id,
                 st->item[0] ? " \xc2\xb7 item " : "", st->item);
    else
        snprintf(line, sizeof line, " New corrective action%s%s%s", st->item[0] ? " on item " : "",
                 st->item, st->review[0] ? " (from its QA review)" : "");
    tui_put(a, w, 0, 0, cols, TUI_EL_HEADER, line);
    const nx_field_def *d = st->fm.f[st->fm.focus].def;
    snprintf(line, sizeof line, " %s: %s", d->label, d->help);
    tui_put(a, w, 1, 0, cols, TUI_EL_HINT, line);
    tui_rect r = { 3, 0, rows - 6 > 4 ? rows - 6 : 4, cols };
    int cy = -1, cx = -1;
    tui_form_draw(&st->fm, w, &r, &a->theme, &cy, &cx);
    if (cy >= 0 && !a->dlg.kind)
        tui_set_cursor(a, w, cy, cx);
    const char *who = st->manager ? " You may re-plan it (owner, due date, action) and close it."
                    : st->owner_only ? " Yours to act on: take it in hand and write the resolution; "
                                       "the supervisor closes it."
                                     : " Read-only for you.";
    tui_put(a, w, rows - 2, 0, cols, TUI_EL_HINT, who);
}

static void form_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    form_st *st = s->st;
    snprintf(l, ll, "%s", st->id[0] ? "Corrective action" : "New corrective action");
    snprintf(r, rl, "field %d of %d%s", st->fm.focus + 1, NF,
             tui_form_dirty(&st->fm) ? " \xc2\xb7 unsaved" : "");
}

static const tui_hint form_hints[] = {
    { REQ_SAVE, "save" }, { REQ_NEXT_FIELD, "next field" }, { REQ_HELP, "help" },
    { REQ_CANCEL, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_capa_form = {
    .name = "capa-form",
    .ctx = TUI_CTX_FORM,
    .text_entry = 1,
    .open = form_open,
    .close = form_close,
    .suspend = form_suspend,
    .resume = form_resume,
    .draw = form_draw,
    .handle = form_handle,
    .title = form_title,
    .hints = form_hints,
};
