/* screens/incident_list — the incidents (`!`) and one incident's steps.
 *
 * The list: every incident the user may see (officers: all; anyone
 * else: the reports they filed), the open ones by running deadline, with
 * the two clocks in words — "due Sat 28 18:30", "LATE since ...", "met",
 * "LATE: met ..." — drawn red (bold without color) when late. `c` shows
 * the closed ones too. A background sync that brings records reloads it.
 *
 * The view: the report, the clocks, the steps of the response (done,
 * current, to come), the preliminary assessment, the notifications log
 * and the post-mortem. Officers take the incident and move it one step at
 * a time (s / F4, asks first), record the assessment (a), log a
 * notification (n: whom, how, who exactly) and write the post-mortem (p);
 * the reporter (until an officer takes it) and officers correct the
 * report (e). Every change goes through core/session, which refuses what
 * the kind's rules refuse, with the reason on the message line. */
#include "screens/pform.h"
#include "screens/reclist.h"
#include "session/session_privacy.h"
#include "tui/table.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the list (screens/reclist) ------------------------------------------------------- */

static const char *type_label(const char *type)
{
    int i = nx_incident_list_index(nx_incident_type_ids, type);
    return i < 0 ? "?" : nx_incident_type_labels[i];
}

/* "Sat 28 18:30" */
static void when(const char *tz, int64_t t, char *out, size_t len)
{
    nx_deadline d = { .due = t, .state = NX_DL_RUNNING };
    tui_elem e;
    char buf[64];
    pform_deadline(&d, tz, buf, sizeof buf, &e);
    snprintf(out, len, "%s", t ? buf + 4 : "-");   /* past "due " */
}

static tui_elem l_cell(const reclist *l, const void *row, int col, char *buf, size_t len)
{
    const nx_incident_line *r = row;
    tui_elem e = TUI_EL_NORMAL;
    switch (col) {
    case 0:
        snprintf(buf, len, "%s", type_label(r->type));
        break;
    case 1:
        /* * marks a change still to send, ! one the hub refused */
        snprintf(buf, len, "%s%s", r->refused ? "!" : r->pending ? "*" : "",
                 nx_incident_step_label(r->status));
        if (r->refused)
            e = TUI_EL_ERROR;
        break;
    case 2:
        pform_deadline_short(&r->report, l->tz, 0, buf, len, &e);
        break;
    case 3:
        pform_deadline_short(&r->assess, l->tz, 0, buf, len, &e);
        break;
    case 4:
        snprintf(buf, len, "%s", r->author);
        break;
    default:
        snprintf(buf, len, "%s", r->owner[0] ? r->owner : "-");
        break;
    }
    return e;
}

static const tui_column l_cols[] = {
    { "Type", 12, 1, 0 },         { "Step", 10, 1, 0 },     { "Report 24 h", 14, 0, 0 },
    { "Assessment 48 h", 15, 0, 0 }, { "Reporter", 8, 1, 0 }, { "Officer", 8, 1, 0 },
};

static int l_load(tui_app *a, int closed, void **rows, size_t *n, char *err, size_t errlen)
{
    nx_incident_line *r = NULL;
    int rc = nx_session_incident_lines(&a->session, closed, &r, n, err, errlen);
    *rows = r;
    return rc;
}

static void l_header(const reclist *l, tui_app *a, char *line, size_t len)
{
    snprintf(line, len, " %s incidents%s \xc2\xb7 times in %s \xc2\xb7 * to send, ! refused",
             l->closed ? "All" : "Open",
             nx_incident_officer(a->session.role) ? "" : " you reported", l->tz);
}

static void l_empty(const reclist *l, tui_app *a, char *line, size_t len)
{
    char k[32];
    tui_key_hint(a, REQ_INCIDENT, k, sizeof k);
    snprintf(line, len, "No %sincidents. %s reports one, from any screen.",
             l->closed ? "" : "open ", k);
}

static const reclist_desc l_desc = {
    .title = "incidents",
    .row_size = sizeof(nx_incident_line),
    .id_off = offsetof(nx_incident_line, id),
    .cols = l_cols,
    .ncols = (int)(sizeof l_cols / sizeof l_cols[0]),
    .cell = l_cell,
    .load = l_load,
    .header = l_header,
    .empty = l_empty,
    .view = &nx_scr_incident_view,
};

static int l_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)arg;
    return reclist_open(s, a, &l_desc, err, errlen);
}

static const tui_hint l_hints[] = {
    { REQ_OPEN, "open" }, { REQ_SHOW_CLOSED, "closed" }, { REQ_INCIDENT, "report" },
    { REQ_HELP, "help" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_incidents = {
    .name = "incidents",
    .ctx = TUI_CTX_INCIDENTS,
    .open = l_open,
    .close = reclist_close,
    .resume = reclist_resume,
    .draw = reclist_draw,
    .handle = reclist_handle,
    .tick = reclist_tick,
    .title = reclist_title,
    .hints = l_hints,
};

/* ---- one incident ---------------------------------------------------------------------- */

#define V_LINES 160

typedef struct {
    recview base;               /* the record: id, loaded (screens/reclist) */
    nx_incident_view v;
    char tz[64];
    char lines[V_LINES][200];
    tui_elem elem[V_LINES];
    int nlines, top;
    /* a change asked in steps (dialogs) */
    int pick_severity, pick_to, pick_how;
    char pick_text[NX_INC_ASSESS_MAX + 1];
} view_st;

static void add(view_st *st, tui_elem e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(view_st *st, tui_elem e, const char *fmt, ...)
{
    if (st->nlines >= V_LINES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->lines[st->nlines], sizeof st->lines[0], fmt, ap);
    va_end(ap);
    st->elem[st->nlines++] = e;
}

/* Long text cut into lines of at most width columns at blanks, indented. */
static void add_text(view_st *st, const char *label, const char *text, int width)
{
    if (!text[0])
        return;
    char buf[200];
    size_t n = strlen(text), at = 0;
    int first = 1;
    while (at < n && st->nlines < V_LINES) {
        size_t end = at, blank = 0;
        while (end < n && tui_text_width_n(text + at, end - at) < width) {
            if (text[end] == ' ')
                blank = end;
            end = tui_utf8_next(text, end);
        }
        if (end < n && blank > at)
            end = blank + 1;
        size_t len = end - at < sizeof buf - 1 ? end - at : sizeof buf - 1;
        memcpy(buf, text + at, len);
        buf[len] = '\0';
        add(st, TUI_EL_NORMAL, "  %-14s %s", first ? label : "", buf);
        first = 0;
        at = end > at ? end : at + 1;
    }
    tui_wipe(buf, sizeof buf);
}

/* The steps in words on as few lines as the width allows: "done
 * Reported, Identify - now Contain - next Eradicate, ..., Closed". */
static void add_steps(view_st *st, int step, int width)
{
    char line[200] = "  Steps  ";
    for (int i = 0; i < NX_INC_STEP_COUNT; i++) {
        char part[64];
        const char *lead = i == 0 && step > 0 ? "done "
                         : i == step ? (step ? "\xc2\xb7 now " : "now ")
                         : i == step + 1 ? "\xc2\xb7 next " : "";
        int last = i + 1 == NX_INC_STEP_COUNT || i + 1 == step || i == step;
        snprintf(part, sizeof part, "%s%s%s", lead, nx_incident_step_labels[i], last ? " " : ", ");
        if (tui_text_width(line) + tui_text_width(part) > width - 1) {
            add(st, TUI_EL_NORMAL, "%s", line);
            snprintf(line, sizeof line, "         ");
        }
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s", part);
    }
    add(st, TUI_EL_NORMAL, "%s", line);
}

static void v_build(view_st *st, tui_app *a, int width)
{
    (void)a;
    st->nlines = 0;
    const nx_incident *inc = &st->v.inc;
    const nx_incident_line *l = &st->v.line;
    char t1[64], t2[64];
    tui_elem e1, e2;
    int step = nx_incident_list_index(nx_incident_step_ids, l->status);
    add(st, TUI_EL_HEADER, " %s \xc2\xb7 %s (%d of %d) \xc2\xb7 reported by %s \xc2\xb7 %s%s",
        type_label(inc->type), nx_incident_step_label(l->status), step + 1, NX_INC_STEP_COUNT,
        l->author, l->owner[0] ? "officer " : "no officer yet", l->owner);
    if (st->v.row.refused[0])
        add(st, TUI_EL_ERROR, " The hub refused the last change made here: %.150s",
            st->v.row.refused);
    else if (st->v.row.op_id[0])
        add(st, TUI_EL_AT_RISK, " The last change made here goes to the hub with the next sync.");
    pform_deadline(&l->report, st->tz, t1, sizeof t1, &e1);
    pform_deadline(&l->assess, st->tz, t2, sizeof t2, &e2);
    add(st, e1, "  Report to the PO (24 h)        %s", t1);
    add(st, e2, "  Preliminary assessment (48 h)  %s", t2);
    add_steps(st, step, width);
    add(st, TUI_EL_NORMAL, "%s", "");

    if (inc->assessed_at) {
        when(st->tz, inc->assessed_at, t1, sizeof t1);
        add(st, TUI_EL_LABEL, " Assessment: severity %s (%s, %s)", inc->severity,
            inc->assessed_by, t1);
        add_text(st, "", inc->assessment, width - 18);
    } else {
        add(st, TUI_EL_LABEL, " Assessment: not recorded yet");
    }
    add(st, TUI_EL_LABEL, " Notifications (%d)", inc->nnotices);
    for (int i = 0; i < inc->nnotices; i++) {
        const nx_incident_notice *n = &inc->notices[i];
        when(st->tz, n->at, t1, sizeof t1);
        add(st, TUI_EL_NORMAL, "  %s  %-12s %-6s %s%s%s (%s)", t1, n->to, n->how, n->name,
            n->note[0] ? " \xe2\x80\x94 " : "", n->note, n->by);
    }
    if (inc->postmortem[0] || inc->capa_id[0]) {
        add(st, TUI_EL_LABEL, " Post-mortem%s%s", inc->capa_id[0] ? " \xc2\xb7 CAPA " : "",
            inc->capa_id);
        add_text(st, "", inc->postmortem, width - 18);
    }
    add(st, TUI_EL_NORMAL, "%s", "");

    when(st->tz, inc->discovered_at, t1, sizeof t1);
    when(st->tz, inc->occurred_at, t2, sizeof t2);
    add(st, TUI_EL_LABEL, " The report (times in %s)", st->tz);
    add(st, TUI_EL_NORMAL, "  %-14s %s \xc2\xb7 occurred %s", "Discovered", t1,
        inc->occurred_at ? t2 : "not known");
    add_text(st, "What happened", inc->description, width - 18);
    char info[200] = "";
    for (int i = 0; i < NX_INC_INFO_COUNT; i++)
        if (inc->info & (1u << i))
            snprintf(info + strlen(info), sizeof info - strlen(info), "%s%s", info[0] ? ", " : "",
                     nx_incident_info_labels[i]);
    add(st, TUI_EL_NORMAL, "  %-14s %s%s%s", "Information", info[0] ? info : "none ticked",
        inc->info_other[0] ? ": " : "", inc->info_other);
    if (inc->people_affected >= 0)
        add(st, TUI_EL_NORMAL, "  %-14s %d", "People", inc->people_affected);
    else
        add(st, TUI_EL_NORMAL, "  %-14s not known yet", "People");
    add_text(st, "Received by", inc->recipient, width - 18);
    add_text(st, "Done at once", inc->mitigation, width - 18);
    if (inc->client[0])
        add(st, TUI_EL_NORMAL, "  %-14s %s", "Client", inc->client);
    if (inc->covered_entity[0])
        add(st, TUI_EL_NORMAL, "  %-14s %s", "Covered entity", inc->covered_entity);
    if (inc->prime_vendor[0])
        add(st, TUI_EL_NORMAL, "  %-14s %s", "Prime vendor", inc->prime_vendor);
    if (l->item_id[0])
        add(st, TUI_EL_NORMAL, "  %-14s %s", "Item", l->item_id);
    add(st, TUI_EL_NORMAL, "%s", "");
    add(st, TUI_EL_LABEL, " Timeline");
    for (int i = 0; i < inc->nsteps; i++) {
        when(st->tz, inc->steps[i].at, t1, sizeof t1);
        add(st, TUI_EL_NORMAL, "  %-20s %s  %s", nx_incident_step_labels[i], t1,
            inc->steps[i].by);
    }
}

static int v_get(tui_app *a, recview *rv, char *err, size_t errlen)
{
    view_st *st = (view_st *)rv;
    return nx_session_incident_get(&a->session, rv->id, &st->v, err, errlen);
}

static void v_drop(recview *rv)
{
    view_st *st = (view_st *)rv;
    if (rv->loaded)
        nx_incident_view_clear(&st->v);
    tui_wipe(st->lines, sizeof st->lines);
    tui_wipe(st->pick_text, sizeof st->pick_text);
    st->nlines = 0;
}

static void v_init(recview *rv, tui_app *a)
{
    (void)a;
    nx_session_local_zone(((view_st *)rv)->tz, sizeof ((view_st *)rv)->tz);
}

static const recview_desc v_desc = {
    .size = sizeof(view_st), .what = "Incident", .get = v_get, .drop = v_drop, .init = v_init,
};

static int v_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    return recview_open(s, a, &v_desc, arg, err, errlen);
}

static void step_confirmed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "", step[16] = "", done[128];
    int rc = nx_session_incident_advance(&a->session, st->base.id, step, err, sizeof err);
    snprintf(done, sizeof done, "Incident moved to %s.", nx_incident_step_label(step));
    recview_changed(&st->base, a, rc, err, done);
}

static void assess_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "";
    int rc = nx_session_incident_assess(&a->session, st->base.id,
                                        nx_incident_severities[st->pick_severity], text, err,
                                        sizeof err);
    recview_changed(&st->base, a, rc, err, "Preliminary assessment recorded.");
}

static void severity_chosen(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    st->pick_severity = choice;
    tui_ask(a, "Preliminary assessment", "What happened, to whom, how likely the information "
            "was seen or kept\n(the four factors), and what follows. No more patient detail "
            "than needed.", 1, 0, assess_typed, st);
}

static void notice_named(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    nx_incident_notice n;
    memset(&n, 0, sizeof n);
    snprintf(n.to, sizeof n.to, "%s", nx_incident_notice_to[st->pick_to]);
    snprintf(n.how, sizeof n.how, "%s", nx_incident_notice_how[st->pick_how]);
    snprintf(n.name, sizeof n.name, "%s", text);
    char err[512] = "";
    int rc = nx_session_incident_notify(&a->session, st->base.id, &n, err, sizeof err);
    tui_wipe(&n, sizeof n);
    recview_changed(&st->base, a, rc, err, "Notification logged.");
}

static void notice_how(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    st->pick_how = choice;
    tui_ask(a, "Who exactly?", "The person or office told (e.g. the clinic's privacy office).\n"
            "Logged now, under your name.", 0, 0, notice_named, st);
}

static void notice_to(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    view_st *st = ctx;
    if (!ok)
        return;
    st->pick_to = choice;
    int n = 0;
    while (nx_incident_notice_how[n])
        n++;
    tui_menu(a, "How were they told?", nx_incident_notice_how, n, 0, notice_how, st);
}

static void capa_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "";
    int rc = nx_session_incident_postmortem(&a->session, st->base.id, st->pick_text, text, err,
                                            sizeof err);
    tui_wipe(st->pick_text, sizeof st->pick_text);
    recview_changed(&st->base, a, rc, err, "Post-mortem recorded.");
}

static void postmortem_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    view_st *st = ctx;
    if (!ok)
        return;
    snprintf(st->pick_text, sizeof st->pick_text, "%s", text);
    tui_ask(a, "Corrective action", "The id of the CAPA record opened for it (empty: none).", 0,
            0, capa_typed, st);
}

static int officer(tui_app *a, const char *what)
{
    if (nx_incident_officer(a->session.role))
        return 1;
    tui_msg(a, TUI_EL_ERROR, "Only the privacy and security officers %s.", what);
    return 0;
}

static int v_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    (void)key;
    view_st *st = s->st;
    int page = getmaxy(a->w_body) - 2;
    switch (req) {
    case REQ_MOVE_DOWN:
    case REQ_MOVE_UP:
    case REQ_PAGE_DOWN:
    case REQ_PAGE_UP:
    case REQ_MOVE_FIRST:
    case REQ_MOVE_LAST: {
        int by = req == REQ_MOVE_DOWN ? 1 : req == REQ_MOVE_UP ? -1
               : req == REQ_PAGE_DOWN ? page : req == REQ_PAGE_UP ? -page
               : req == REQ_MOVE_FIRST ? -V_LINES : V_LINES;
        st->top += by;
        if (st->top > st->nlines - page)
            st->top = st->nlines - page;
        if (st->top < 0)
            st->top = 0;
        return TUI_REDRAW;
    }
    case REQ_STATUS_STEP: {
        if (!officer(a, "move an incident's steps"))
            return TUI_REDRAW;
        const char *next = nx_incident_next_step(st->v.line.status);
        if (!next) {
            tui_msg(a, TUI_EL_INFO, "The incident is closed.");
            return TUI_REDRAW;
        }
        /* What the step needs, said before asking (core refuses it too). */
        const char *status = st->v.line.status;
        const char *need = strcmp(status, "identify") == 0 && !st->v.inc.assessed_at
                               ? "Record the preliminary assessment"
                         : strcmp(status, "notify") == 0 && !st->v.inc.nnotices
                               ? "Log at least one notification"
                         : strcmp(status, "postmortem") == 0 && !st->v.inc.postmortem[0]
                               ? "Write the post-mortem" : NULL;
        if (need) {
            char k[32];
            tui_key_hint(a, strcmp(status, "identify") == 0 ? REQ_INC_ASSESS
                            : strcmp(status, "notify") == 0 ? REQ_INC_NOTIFY
                                                            : REQ_INC_POSTMORTEM, k, sizeof k);
            tui_msg(a, TUI_EL_ERROR, "%s first (%s), then the next step.", need, k);
            return TUI_REDRAW;
        }
        char body[256];
        snprintf(body, sizeof body, "%s \xe2\x86\x92 %s%s", nx_incident_step_label(st->v.line.status),
                 nx_incident_step_label(next),
                 strcmp(st->v.line.status, "reported") == 0
                     ? "\nYou take the incident: you become its officer." : "");
        tui_confirm(a, "Next step of the response?", body, step_confirmed, st);
        return TUI_REDRAW;
    }
    case REQ_INC_ASSESS: {
        if (!officer(a, "record the preliminary assessment"))
            return TUI_REDRAW;
        int n = 0;
        while (nx_incident_severities[n])
            n++;
        int sel = st->v.inc.severity[0]
                      ? nx_incident_list_index(nx_incident_severities, st->v.inc.severity) : 2;
        tui_menu(a, "Severity (seed 003)", nx_incident_severities, n, sel, severity_chosen, st);
        return TUI_REDRAW;
    }
    case REQ_INC_NOTIFY: {
        if (!officer(a, "log notifications"))
            return TUI_REDRAW;
        int n = 0;
        while (nx_incident_notice_to[n])
            n++;
        tui_menu(a, "Who was notified?", nx_incident_notice_to, n, 2, notice_to, st);
        return TUI_REDRAW;
    }
    case REQ_INC_POSTMORTEM:
        if (!officer(a, "write the post-mortem"))
            return TUI_REDRAW;
        tui_ask(a, "Post-mortem", "Root cause, what changes so it does not happen again.", 1, 0,
                postmortem_typed, st);
        return TUI_REDRAW;
    case REQ_INC_CORRECT: {
        if (!nx_incident_officer(a->session.role) &&
            (strcmp(st->v.line.author, a->session.user) != 0 || st->v.line.owner[0] ||
             strcmp(st->v.line.status, "reported") != 0)) {
            tui_msg(a, TUI_EL_ERROR, st->v.line.owner[0]
                                         ? "An officer has taken it: tell them what to correct."
                                         : "Only its reporter or an officer corrects a report.");
            return TUI_REDRAW;
        }
        nx_scr_incident_arg arg = { .record_id = st->base.id };
        tui_push(a, &nx_scr_incident, &arg);
        return TUI_REDRAW;
    }
    case REQ_BACK:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

static void v_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    view_st *st = s->st;
    if (!st->base.loaded)
        return;
    int rows, cols;
    getmaxyx(w, rows, cols);
    v_build(st, a, cols);
    int room = rows - 1;
    if (st->top > st->nlines - room)
        st->top = st->nlines - room > 0 ? st->nlines - room : 0;
    for (int i = 0; i < room && st->top + i < st->nlines; i++)
        tui_put(a, w, i, 0, cols, st->elem[st->top + i], st->lines[st->top + i]);
    char line[256], k[32];
    if (nx_incident_officer(a->session.role)) {
        const char *next = nx_incident_next_step(st->v.line.status);
        tui_key_hint(a, REQ_STATUS_STEP, k, sizeof k);
        snprintf(line, sizeof line, " %s next step: %s \xc2\xb7 a assess \xc2\xb7 n notification "
                 "\xc2\xb7 p post-mortem \xc2\xb7 e correct", k,
                 next ? nx_incident_step_label(next) : "none (closed)");
    } else if (strcmp(st->v.line.author, a->session.user) == 0 &&
               strcmp(st->v.line.status, "reported") == 0 && !st->v.line.owner[0]) {
        tui_key_hint(a, REQ_INC_CORRECT, k, sizeof k);
        snprintf(line, sizeof line, " %s corrects the report until an officer takes it.", k);
    } else {
        snprintf(line, sizeof line, " The officers work this incident; you see how it moves.");
    }
    tui_put(a, w, rows - 1, 0, cols, TUI_EL_NORMAL, line);
}

static void v_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    view_st *st = s->st;
    /* not the id: a uuid says nothing to a reader */
    snprintf(l, ll, "incident \xc2\xb7 %s", st->base.loaded ? type_label(st->v.inc.type) : "");
    snprintf(r, rl, "%s", st->base.loaded ? nx_incident_step_label(st->v.line.status) : "");
}

static const tui_hint v_hints[] = {
    { REQ_STATUS_STEP, "step" }, { REQ_INC_ASSESS, "assess" },
    { REQ_INC_NOTIFY, "notification" }, { REQ_HELP, "help" }, { REQ_BACK, "back" },
    { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_incident_view = {
    .name = "incident-view",
    .ctx = TUI_CTX_INCIDENTS,
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
