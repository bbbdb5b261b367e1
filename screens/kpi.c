/* screens/kpi — the KPI screen (supervisor: their team and its agents;
 * operations: every team): one row a figure (prior auth, eligibility,
 * ROI, scheduling outreach by outcome, QA pass rate, open CAPAs), the
 * current week or month beside the one before, and a sparkline of the
 * last eight. `w` / `m` switch weeks and months, Tab / S-Tab the team or
 * agent. The selected figure's definition is on the line below the table.
 *
 * Aggregates only: what is drawn are counts, ratios, averages and
 * outcome labels (core/domain/kpi), never an item, a patient or a value.
 * A period with nothing shows "—" (never 0 %); a figure the hub does not
 * send the role its inputs for shows "n/a" and says why. The sparkline
 * is "▁▂▃▄▅▆▇█" in a UTF-8 locale and ASCII otherwise, and every state is
 * text, so NO_COLOR loses nothing. */
#include "screens/screens.h"
#include "session/session_oversight.h"
#include "tui/table.h"

#include <langinfo.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTCOME_ROWS NX_KPI_OUTCOMES_MAX

typedef struct {
    nx_kpi_id id;
    int outcome;                    /* 1: an outreach outcome's share */
    char label[NX_KPI_LABEL_MAX];   /* that outcome */
} kpi_row;

typedef struct {
    nx_kpi_scope_opt *scopes;
    size_t nscopes, cur;
    nx_kpi_unit unit;
    nx_kpi_view view;
    int loaded;
    char tz[64];
    int utf8;
    uint64_t rounds;                /* sync rounds seen: a new one reloads */
    kpi_row rows[NX_KPI_COUNT + OUTCOME_ROWS];
    int nrows;
    nx_kpi_held_level held[NX_KPI_COUNT];
    char why[NX_KPI_COUNT][256];
    tui_array_src src;              /* the table's context: st is found from it */
    tui_table table;
    char problem[512];
} kpi_st;

static kpi_st *st_of_src(void *src)
{
    return (kpi_st *)(void *)((char *)src - offsetof(kpi_st, src));
}

enum { COL_AREA, COL_FIGURE, COL_CUR, COL_PREV, COL_TREND, NCOLS };

static const tui_column cols[NCOLS] = {
    [COL_AREA] = { "Area", 11, 0, 0 },
    [COL_FIGURE] = { "Figure", 20, 2, 0 },
    [COL_CUR] = { "This week", 14, 0, 1 },
    [COL_PREV] = { "Last week", 14, 0, 1 },
    [COL_TREND] = { "8 weeks", 9, 0, 0 },
};

static const char *area_of(nx_kpi_id id)
{
    switch (id) {
    case NX_KPI_PA_APPROVAL: case NX_KPI_PA_TURNAROUND: case NX_KPI_PA_APPEAL_WIN:
        return "Prior auth";
    case NX_KPI_ELIG_72H: case NX_KPI_ELIG_48H:
        return "Eligibility";
    case NX_KPI_ROI_RETRIEVAL: case NX_KPI_ROI_FIRST_PASS:
        return "ROI";
    case NX_KPI_SCHED_OUTCOMES:
        return "Scheduling";
    default:
        return "QA";
    }
}

/* "—" is UTF-8: a terminal without it gets "-". */
static void none_fix(const kpi_st *st, char *buf, size_t len)
{
    if (!st->utf8 && strcmp(buf, NX_KPI_NONE) == 0)
        snprintf(buf, len, "-");
}

/* The row's value in period i: text, and the number for the trend. */
static int row_value(const kpi_st *st, const kpi_row *r, int i, double *v, char *buf,
                     size_t len)
{
    const nx_kpi *k = &st->view.k[i];
    int rc;
    if (r->outcome) {
        nx_kpi_ratio q = nx_kpi_outcome_share(k, r->label);
        rc = nx_kpi_percent(q, v);
        if (buf) {
            if (rc == 0)
                snprintf(buf, len, "%.1f%% (%lld)", *v, (long long)q.num);
            else
                snprintf(buf, len, "%s", NX_KPI_NONE);
        }
    } else {
        rc = nx_kpi_value(k, r->id, v);
        if (buf)
            nx_kpi_fmt(k, r->id, buf, len);
    }
    if (buf)
        none_fix(st, buf, len);
    return rc;
}

static void trend(const kpi_st *st, const kpi_row *r, char *buf, size_t len)
{
    double v[NX_KPI_TREND], hi = 0;
    int has[NX_KPI_TREND];
    for (int i = 0; i < NX_KPI_TREND; i++) {
        has[i] = row_value(st, r, i, &v[i], NULL, 0) == 0;
        if (has[i] && v[i] > hi)
            hi = v[i];
    }
    int pct = r->outcome || nx_kpi_is_percent(r->id);
    nx_kpi_sparkline(v, has, NX_KPI_TREND, 0, pct ? 100 : hi, st->utf8, buf, len);
}

static tui_elem k_cell(void *ctx, const void *row, int col, char *buf, size_t len)
{
    const kpi_st *st = st_of_src(ctx);
    const kpi_row *r = row;
    nx_kpi_held_level held = st->held[r->id];
    switch (col) {
    case COL_AREA: {
        /* the area once, on its first row */
        int first = !r->outcome &&
                    (r == st->rows || strcmp(area_of((r - 1)->id), area_of(r->id)) != 0);
        snprintf(buf, len, "%s", first ? area_of(r->id) : "");
        return TUI_EL_LABEL;
    }
    case COL_FIGURE:
        if (r->outcome)
            snprintf(buf, len, "  %s", r->label);
        else
            snprintf(buf, len, "%s", nx_kpi_label(r->id));
        return TUI_EL_NORMAL;
    case COL_CUR:
    case COL_PREV: {
        if (held == NX_KPI_NOT_HELD) {
            snprintf(buf, len, "n/a");
            return TUI_EL_HINT;
        }
        double v;
        int i = col == COL_CUR ? NX_KPI_TREND - 1 : NX_KPI_TREND - 2;
        row_value(st, r, i, &v, buf, len);
        if (held == NX_KPI_PART_HELD && strlen(buf) + 2 < len)
            strcat(buf, "*");
        if (!r->outcome && r->id == NX_KPI_CAPA_OPEN && st->view.k[i].capa_overdue)
            return TUI_EL_OVERDUE;
        return TUI_EL_NORMAL;
    }
    default:
        if (held == NX_KPI_NOT_HELD) {
            buf[0] = '\0';
            return TUI_EL_HINT;
        }
        trend(st, r, buf, len);
        return TUI_EL_NORMAL;
    }
}

static const tui_rowsrc kpi_src = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = k_cell,
};

/* ---- loading ------------------------------------------------------------------------ */

/* Outcome labels of this period and the one before, this period's first. */
static void add_outcomes(kpi_st *st)
{
    const nx_kpi *ks[2] = { &st->view.k[NX_KPI_TREND - 1], &st->view.k[NX_KPI_TREND - 2] };
    int added = 0;
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < ks[p]->n_outcomes && added < OUTCOME_ROWS; i++) {
            const char *l = ks[p]->outcomes[i].label;
            int seen = 0;
            for (int j = 0; j < st->nrows; j++)
                seen |= st->rows[j].outcome && strcmp(st->rows[j].label, l) == 0;
            if (seen)
                continue;
            kpi_row *r = &st->rows[st->nrows++];
            r->id = NX_KPI_SCHED_OUTCOMES;
            r->outcome = 1;
            snprintf(r->label, sizeof r->label, "%s", l);
            added++;
        }
}

static int same_row(const kpi_row *a, const kpi_row *b)
{
    return a->id == b->id && a->outcome == b->outcome &&
           (!a->outcome || strcmp(a->label, b->label) == 0);
}

static int load(kpi_st *st, tui_app *a, char *err, size_t errlen)
{
    /* The cursor stays on its figure (an outcome row may come or go). */
    const kpi_row *cur = st->loaded ? tui_table_current(&st->table) : NULL;
    kpi_row keep;
    memset(&keep, 0, sizeof keep);
    if (cur)
        keep = *cur;
    st->loaded = 0;
    st->problem[0] = '\0';
    st->rounds = a->sync.rounds;
    if (nx_session_kpi(&a->session, &st->scopes[st->cur], st->unit, st->tz, &st->view, err,
                       errlen) != 0)
        return -1;
    st->loaded = 1;
    st->nrows = 0;
    for (int id = 0; id < NX_KPI_COUNT; id++) {
        st->held[id] = nx_session_kpi_held(&a->session, (nx_kpi_id)id, st->why[id],
                                           sizeof st->why[id]);
        kpi_row *r = &st->rows[st->nrows++];
        memset(r, 0, sizeof *r);
        r->id = (nx_kpi_id)id;
        if (id == NX_KPI_SCHED_OUTCOMES && st->held[id] != NX_KPI_NOT_HELD)
            add_outcomes(st);
    }
    st->src.rows = st->rows;
    st->src.size = sizeof st->rows[0];
    st->src.n = st->nrows;
    int week = st->unit == NX_KPI_WEEK;
    st->table.titles[COL_CUR] = week ? "This week" : "This month";
    st->table.titles[COL_PREV] = week ? "Last week" : "Last month";
    st->table.titles[COL_TREND] = week ? "8 weeks" : "8 months";
    tui_table_reload(&st->table);
    int at = 0;
    for (int i = 0; i < st->nrows; i++)
        if (same_row(&st->rows[i], &keep)) {
            at = i;
            break;
        }
    for (int i = 0; i < at; i++)
        tui_table_move(&st->table, REQ_MOVE_DOWN);
    return 0;
}

static void reload(kpi_st *st, tui_app *a)
{
    char err[512] = "";
    if (load(st, a, err, sizeof err) != 0)
        snprintf(st->problem, sizeof st->problem, "%s", err);
}

static int kpi_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    kpi_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (nx_session_kpi_scopes(&a->session, &st->scopes, &st->nscopes, err, errlen) != 0) {
        free(st);
        return -1;
    }
    const char *cs = nl_langinfo(CODESET);
    st->utf8 = cs && strcmp(cs, "UTF-8") == 0;
    nx_session_local_zone(st->tz, sizeof st->tz);
    st->unit = NX_KPI_WEEK;
    tui_table_init(&st->table, cols, NCOLS, &kpi_src, &st->src);
    tui_table_resize(&st->table, a->lay.body.h > 6 ? a->lay.body.h - 5 : 1, a->lay.cols);
    if (load(st, a, err, errlen) != 0) {
        free(st->scopes);
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void kpi_close(tui_screen *s, tui_app *a)
{
    (void)a;
    kpi_st *st = s->st;
    if (!st)
        return;
    free(st->scopes);
    free(st);
    s->st = NULL;
}

static int kpi_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    return load(s->st, a, err, errlen);
}

/* ---- drawing ------------------------------------------------------------------------- */

static void scope_name(const nx_kpi_scope_opt *o, char *buf, size_t len)
{
    if (!o->team[0])
        snprintf(buf, len, "Every team");
    else if (!o->agent[0])
        snprintf(buf, len, "Team %s", o->team);
    else
        snprintf(buf, len, "Agent %s (team %s)", o->agent, o->team);
}

static void day(int64_t t, char *buf, size_t len)
{
    nx_scr_format_due(t, buf, len);
    /* "Mar 02 00:00": the date is enough */
    char *sp = strrchr(buf, ' ');
    if (sp && strchr(buf, ':'))
        *sp = '\0';
}

static void kpi_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    kpi_st *st = s->st;
    int rows, ncols;
    getmaxyx(w, rows, ncols);
    char scope[160], from[24], to[24], line[400];
    scope_name(&st->scopes[st->cur], scope, sizeof scope);
    const nx_kpi_period *cur = &st->view.periods[NX_KPI_TREND - 1];
    day(cur->start, from, sizeof from);
    day(cur->end - 1, to, sizeof to);
    const char *sep = st->utf8 ? " \xc2\xb7 " : " | ";
    snprintf(line, sizeof line, "%s%s%s from %s to %s%s%s%s%zu of %zu", scope, sep,
             st->unit == NX_KPI_WEEK ? "this week" : "this month", from, to, sep, st->tz, sep,
             st->cur + 1, st->nscopes);
    tui_put(a, w, 0, 1, ncols - 2, TUI_EL_HEADER, line);
    if (!st->loaded) {
        tui_put(a, w, 2, 2, ncols - 4, TUI_EL_ERROR,
                st->problem[0] ? st->problem : "The KPIs could not be read.");
        return;
    }
    int th = rows - 5 > 1 ? rows - 5 : 1;
    if (tui_table_resize(&st->table, th - 1 > 1 ? th - 1 : 1, ncols) != 0)
        return;
    tui_table_draw(&st->table, w, 1, 0, th, &a->theme);
    if (rows > 5 && st->view.held_from > st->view.periods[0].start) {
        char since[24];
        day(st->view.held_from, since, sizeof since);
        snprintf(line, sizeof line, "Partial before %s: closed items leave this laptop after "
                 "%d days (the hub keeps them)", since, st->view.keep_days);
        tui_put(a, w, rows - 4, 1, ncols - 2, TUI_EL_AT_RISK, line);
    }
    const kpi_row *r = tui_table_current(&st->table);
    if (!r || rows < 4)
        return;
    char def[900];
    nx_kpi_held_level held = st->held[r->id];
    const char *why = st->why[r->id];
    /* What the role cannot see comes first: it changes how to read the rest. */
    int n = 0;
    if (held == NX_KPI_NOT_HELD)
        n = snprintf(def, sizeof def, "n/a, %s. ", why);
    else if (held == NX_KPI_PART_HELD)
        n = snprintf(def, sizeof def, "* %s. ", why);
    if (n < 0 || (size_t)n >= sizeof def)
        n = 0;
    if (r->outcome)
        snprintf(def + n, sizeof def - (size_t)n, "Outreach outcome \"%s\": its share of the "
                 "attempts in the period (and how many). %s", r->label,
                 nx_kpi_definition(r->id));
    else
        snprintf(def + n, sizeof def - (size_t)n, "%s", nx_kpi_definition(r->id));
    nx_scr_wrap(a, w, rows - 3, 1, ncols - 2, 3, TUI_EL_HINT, def);
}

/* ---- keys ------------------------------------------------------------------------------- */

static int kpi_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    kpi_st *st = s->st;
    if (st->loaded && tui_table_move(&st->table, req))
        return TUI_REDRAW;
    switch (req) {
    case REQ_KPI_WEEK:
    case REQ_KPI_MONTH: {
        nx_kpi_unit u = req == REQ_KPI_WEEK ? NX_KPI_WEEK : NX_KPI_MONTH;
        if (u != st->unit) {
            st->unit = u;
            reload(st, a);
        }
        return TUI_REDRAW;
    }
    case REQ_KPI_NEXT_SCOPE:
    case REQ_KPI_PREV_SCOPE:
        if (st->nscopes > 1) {
            st->cur = req == REQ_KPI_NEXT_SCOPE ? (st->cur + 1) % st->nscopes
                                                : (st->cur + st->nscopes - 1) % st->nscopes;
            reload(st, a);
        }
        return TUI_REDRAW;
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

/* A sync round brings new work and records: the figures again. */
static void kpi_tick(tui_screen *s, tui_app *a)
{
    kpi_st *st = s->st;
    if (st && st->rounds != a->sync.rounds && a->dlg.kind == TUI_DLG_NONE)
        reload(st, a);
}

static void kpi_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    kpi_st *st = s->st;
    snprintf(l, ll, "KPIs");
    snprintf(r, rl, "%s", st->unit == NX_KPI_WEEK ? "by week" : "by month");
}

static const tui_hint kpi_hints[] = {
    { REQ_KPI_WEEK, "weeks" }, { REQ_KPI_MONTH, "months" }, { REQ_KPI_NEXT_SCOPE, "team/agent" },
    { REQ_HELP, "help" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_kpi = {
    .name = "kpi",
    .ctx = TUI_CTX_KPI,
    .open = kpi_open,
    .close = kpi_close,
    .resume = kpi_resume,
    .draw = kpi_draw,
    .handle = kpi_handle,
    .tick = kpi_tick,
    .title = kpi_title,
    .hints = kpi_hints,
};
