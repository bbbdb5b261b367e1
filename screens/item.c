/* screens/item — one form for every kind of work item, driven by the
 * field dictionary through core's form model (nx_session_form): hidden
 * fields never reach this screen, reveal and partial ones arrive masked.
 *
 * F2 saves: every changed field is checked first (the dictionary's rules)
 * and the problems are shown at their fields; only a clean form is
 * written, field by field through nx_session_set (policy, workflow,
 * audit). F4 offers only the steps nx_workflow_next gives. F5 reveals a
 * `reveal` field after a reason (audited); it stays shown until the item
 * is closed. F3 appends a note; F6 shows the history. Unsaved edits are
 * kept as an encrypted draft (core/profile/guard) every 30 s, on leaving
 * a field, on lock and on quit, and come back when the item is opened. */
#include "screens/item_int.h"
#include "profile/guard.h"
#include "session/session_privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- open / close / lock ------------------------------------------------------------ */

static int load(item_st *st, tui_app *a, char *err, size_t errlen)
{
    if (nx_session_open(&a->session, st->id, &st->it, err, errlen) != 0) {
        if (!err[0])
            snprintf(err, errlen, "Item %s could not be opened.", st->id);
        return -1;
    }
    st->loaded = 1;
    if (item_build_form(st, a, 0, err, errlen) != 0)
        return -1;
    item_restore_draft(st, a);
    item_load_history(st, a);
    st->last_draft_ms = tui_mono_ms(a);
    return 0;
}

static void unload(item_st *st)
{
    if (st->loaded)
        nx_item_free(&st->it);
    st->loaded = 0;
    tui_form_free(&st->fm);
    tui_history_free(&st->hist);
    st->nrev = 0;
    memset(st->revealed, 0, sizeof st->revealed);
}

static int item_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    item_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(st->id, sizeof st->id, "%s", (const char *)arg);
    err[0] = '\0';
    if (load(st, a, err, errlen) != 0) {
        unload(st);
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void item_close(tui_screen *s, tui_app *a)
{
    (void)a;
    item_st *st = s->st;
    if (!st)
        return;
    unload(st);
    tui_wipe(st, sizeof *st);
    free(st);
    s->st = NULL;
}

static void item_suspend(tui_screen *s, tui_app *a)
{
    item_st *st = s->st;
    if (!st->loaded)
        return;
    for (int i = 0; i < st->fm.n; i++)
        if (st->fm.f[i].dirty)
            st->fm.f[i].drafted = 1;   /* make sure the newest is kept */
    item_save_draft(st, a);
    st->focus_kept = st->fm.focus;
    unload(st);
}

static int item_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    item_st *st = s->st;
    err[0] = '\0';
    if (load(st, a, err, errlen) != 0)
        return -1;
    tui_form_focus(&st->fm, st->focus_kept);
    return 0;
}

static void leave_confirmed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    item_st *st = ctx;
    if (!ok)
        return;
    char err[256];
    (void)nx_draft_discard(&a->profile, st->id, err, sizeof err);
    for (int i = 0; i < st->fm.n; i++)
        st->fm.f[i].dirty = st->fm.f[i].drafted = 0;
    tui_pop(a);   /* frees st */
}

/* ---- keys ---------------------------------------------------------------------- */

static void move_focus(item_st *st, tui_app *a, int by)
{
    tui_field *f = st->fm.n ? &st->fm.f[st->fm.focus] : NULL;
    if (f && f->drafted)
        item_save_draft(st, a);
    int n = st->fm.n;
    if (n)
        tui_form_focus(&st->fm, (st->fm.focus + by + n) % n);
}

static int item_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    item_st *st = s->st;
    tui_field *f = st->fm.n ? &st->fm.f[st->fm.focus] : NULL;
    switch (req) {
    case REQ_NEXT_FIELD:
        move_focus(st, a, 1);
        return TUI_REDRAW;
    case REQ_PREV_FIELD:
        move_focus(st, a, -1);
        return TUI_REDRAW;
    case REQ_PAGE_DOWN:
        move_focus(st, a, st->fm.n - st->fm.focus - 1 < 10 ? st->fm.n - st->fm.focus - 1 : 10);
        return TUI_REDRAW;
    case REQ_PAGE_UP:
        move_focus(st, a, -(st->fm.focus < 10 ? st->fm.focus : 10));
        return TUI_REDRAW;
    case REQ_MOVE_FIRST:
    case REQ_MOVE_LAST:
        /* Home / End belong to the text being typed. */
        tui_form_key(&st->fm, TUI_KEY_FN + (req == REQ_MOVE_FIRST ? KEY_HOME : KEY_END));
        return TUI_REDRAW;
    case REQ_SAVE:
        item_save(st, a);
        return TUI_REDRAW;
    case REQ_STATUS_STEP:
        item_offer_steps(st, a);
        /* The patient asked to restrict disclosures (seed 000 §6.15): said
         * before any ROI step, whatever the covered entity decided. */
        if (st->it.kind == NX_KIND_ROI && nx_item_yes(&st->it, "restriction"))
            tui_msg(a, TUI_EL_AT_RISK, "RESTRICTED: the patient asked to restrict disclosures; "
                    "check with the client before releasing.");
        return TUI_REDRAW;
    case REQ_ADD_NOTE:
        if (!nx_policy_allows(a->session.policy, a->session.role, NX_ACTION_NOTE)) {
            tui_msg(a, TUI_EL_ERROR, "Your role (%s) does not add notes.",
                    nx_role_name(a->session.role));
            return TUI_REDRAW;
        }
        tui_ask(a, "Append a note", "A note is kept as written and cannot be edited later.\n"
                "Write no more patient detail than the work needs.", 1, 0, item_note_typed, st);
        return TUI_REDRAW;
    case REQ_REVEAL:
        if (!f)
            return TUI_DONE;
        if (f->state == TUI_FV_REVEALED || f->state == TUI_FV_EDIT || f->state == TUI_FV_READONLY)
            tui_msg(a, TUI_EL_INFO, "%s is shown in full already.", f->def->label);
        else if (!f->revealable)
            tui_msg(a, TUI_EL_ERROR, "%s cannot be revealed for your role: only its masked "
                    "form is held here.", f->def->label);
        else {
            char body[256];
            snprintf(body, sizeof body, "Why do you need to see %s in full?\n"
                     "Your reason is recorded in the audit trail.", f->def->label);
            tui_ask(a, "Reveal a masked field", body, 1, 0, item_reason_typed, st);
        }
        return TUI_REDRAW;
    case REQ_HISTORY:
        st->hist_shown = !st->hist_shown;
        return TUI_REDRAW;
    case REQ_MISFAX: {
        /* A mis-fax is an incident (seed 000 §7.7 F5): the report comes
         * pre-filled with this item and its client. */
        if (st->it.kind != NX_KIND_ROI && st->it.kind != NX_KIND_PRIOR_AUTH) {
            tui_msg(a, TUI_EL_ERROR, "Only ROI and prior-auth items are faxed: F8 reports "
                    "other incidents.");
            return TUI_REDRAW;
        }
        nx_scr_incident_arg arg = { .item_id = st->id, .misfax = 1 };
        tui_push(a, &nx_scr_incident, &arg);
        return TUI_REDRAW;
    }
    case REQ_PATIENT_REQUEST:
        if (tui_push(a, &nx_scr_patreq, st->id) == 0)
            st->asked_request = 1;
        return TUI_REDRAW;
    case REQ_CANCEL:
    case REQ_BACK:
        if (tui_form_dirty(&st->fm)) {
            tui_confirm(a, "Leave this item?", "Your changes are not saved and will be "
                        "discarded.\n(n stays here; F2 saves.)", leave_confirmed, st);
            return TUI_REDRAW;
        }
        return TUI_POP;
    case REQ_NONE: {
        int r = tui_form_key(&st->fm, key);
        if (r == -2)
            tui_msg(a, TUI_EL_ERROR, "%s cannot be changed here (%s).", f->def->label,
                    f->state == TUI_FV_MASKED ? "masked for your role" : "read-only for your role");
        return r == -1 ? TUI_DONE : TUI_REDRAW;
    }
    default:
        return TUI_UNUSED;
    }
}

/* Back from a patient request taken in over this item: the flags it set
 * on the patient hold for this opening too (the scheduling and ROI rules
 * read them from the item in memory). */
static void honour_requests(item_st *st, tui_app *a)
{
    nx_patreq_line *l = NULL;
    size_t n = 0;
    char err[256];
    st->asked_request = 0;
    if (nx_session_patreq_lines(&a->session, 0, st->id, &l, &n, err, sizeof err) != 0)
        return;
    int set = 0;
    for (size_t i = 0; i < n; i++) {
        const char *flag = nx_patreq_flag(l[i].type);
        if (flag && strcmp(nx_item_get(&st->it, flag), "yes") != 0)
            set += nx_item_set(&st->it, flag, "yes") == 0;
    }
    free(l);
    if (set && item_build_form(st, a, 1, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
}

static void item_tick(tui_screen *s, tui_app *a)
{
    item_st *st = s->st;
    if (st->loaded && st->asked_request)
        honour_requests(st, a);
    if (st->loaded && tui_mono_ms(a) - st->last_draft_ms >= DRAFT_EVERY_MS)
        item_save_draft(st, a);
}

/* ---- drawing ---------------------------------------------------------------------- */

/* Cuts text into lines of at most w columns, breaking at blanks where it
 * can; calls put for each. */
static void wrap(const char *text, int w, void (*put)(void *, const char *), void *ctx)
{
    char line[NX_VALUE_MAX];
    size_t n = strlen(text), start = 0;
    while (start < n) {
        size_t end = start, last_blank = 0;
        while (end < n && tui_text_width_n(text + start, tui_utf8_next(text, end) - start) <= w) {
            if (text[end] == ' ')
                last_blank = end;
            end = tui_utf8_next(text, end);
        }
        if (end < n && last_blank > start)
            end = last_blank + 1;
        size_t len = end - start < sizeof line - 1 ? end - start : sizeof line - 1;
        memcpy(line, text + start, len);
        line[len] = '\0';
        put(ctx, line);
        start = end > start ? end : start + 1;
    }
    tui_wipe(line, sizeof line);
}

#define HIST_LINES 256
typedef struct {
    char (*lines)[160];
    char head[HIST_LINES];     /* the event's first line (not its detail) */
    int n;
} hist_lines;

static void hist_put(void *ctx, const char *line)
{
    hist_lines *h = ctx;
    if (h->n < HIST_LINES) {
        h->head[h->n] = 0;
        snprintf(h->lines[h->n++], sizeof h->lines[0], "%s", line);
    }
}

static void draw_history(item_st *st, tui_app *a, WINDOW *w, const tui_rect *r)
{
    tui_put(a, w, r->y, r->x, r->w, TUI_EL_HEADER, "History");
    if (st->hist.n == 0) {
        tui_put(a, w, r->y + 1, r->x, r->w, TUI_EL_HINT, "Nothing recorded yet.");
        return;
    }
    /* Each event: when, who, what; its detail wrapped below it. The newest
     * at the bottom, as many as fit. */
    static char store[HIST_LINES][160];
    hist_lines h = { .lines = store };
    for (int i = 0; i < st->hist.n; i++) {
        const tui_history_row *e = &st->hist.rows[i];
        char when[32], head[160];
        time_t t = (time_t)e->at;
        struct tm tm;
        if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%m-%d %H:%M", &tm))
            snprintf(when, sizeof when, "?");
        snprintf(head, sizeof head, "%s  %s  %s", when, e->what, e->who);
        int before = h.n;
        hist_put(&h, head);
        if (h.n > before)
            h.head[before] = 1;
        char indented[NX_VALUE_MAX + 4];
        snprintf(indented, sizeof indented, "%s", e->detail);
        wrap(indented, r->w - 2, hist_put, &h);
        tui_wipe(indented, sizeof indented);
    }
    int room = r->h - 1;
    int from = h.n > room ? h.n - room : 0;
    for (int i = from, y = r->y + 1; i < h.n; i++, y++) {
        int is_head = h.head[i];
        tui_put(a, w, y, r->x + (is_head ? 0 : 2), r->w - (is_head ? 0 : 2),
                is_head ? TUI_EL_LABEL : TUI_EL_NORMAL, h.lines[i]);
    }
    tui_wipe(store, sizeof store);
}

static void item_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    item_st *st = s->st;
    if (!st->loaded)
        return;
    tui_rect body = { 0, 0, 0, 0 };
    getmaxyx(w, body.h, body.w);
    tui_form_layout L;
    tui_form_relayout(&L, &body, st->hist_shown);
    char line[512], due[32];
    nx_scr_format_due(st->it.due, due, sizeof due);
    int overdue = st->it.due && st->it.due < tui_now(a) && !nx_workflow_is_final(st->it.kind,
                                                                                  st->it.status);
    snprintf(line, sizeof line, " %s item \xc2\xb7 status %s \xc2\xb7 due %s",
             nx_kind_name(st->it.kind), st->it.status, due);
    int x = 0;
    tui_put(a, w, L.header.y, x, L.header.w, TUI_EL_HEADER, line);
    x += tui_text_width(line) + 2;
    if (overdue && x < L.header.w - 8) {
        tui_put(a, w, L.header.y, x, 8, TUI_EL_OVERDUE, "OVERDUE");
        x += 9;
    }
    if (st->it.priority && x < L.header.w - 7) {
        tui_put(a, w, L.header.y, x, 7, TUI_EL_URGENT, "URGENT");
        x += 8;
    }
    /* The patient's requests (seed 000 §6.15), in words: no color needed. */
    if (nx_item_yes(&st->it, "confidential_comm") && x < L.header.w - 12) {
        tui_put(a, w, L.header.y, x, 12, TUI_EL_URGENT, "NO SMS/EMAIL");
        x += 13;
    }
    if (nx_item_yes(&st->it, "restriction") && x < L.header.w - 10)
        tui_put(a, w, L.header.y, x, 10, TUI_EL_URGENT, "RESTRICTED");
    if (st->fm.n) {
        const nx_field_def *d = st->fm.f[st->fm.focus].def;
        snprintf(line, sizeof line, " %s: %s", d->label, d->help ? d->help : "");
        tui_put(a, w, L.header.y + 1, 0, L.header.w, TUI_EL_HINT, line);
    }
    int cy = -1, cx = -1;
    if (L.fields.h > 0) {
        tui_form_draw(&st->fm, w, &L.fields, &a->theme, &cy, &cx);
        if (cy >= 0 && !a->dlg.kind)
            tui_set_cursor(a, w, cy, cx);
    }
    if (L.side.h > 0) {
        tui_rect side = L.side;
        side.x += 1;
        side.w -= 2;
        draw_history(st, a, w, &side);
    }
    char keys[64];
    tui_key_hint(a, REQ_STATUS_STEP, keys, sizeof keys);
    size_t o = (size_t)snprintf(line, sizeof line, " %s next step:", keys);
    for (int i = 0; i < st->nsteps && o < sizeof line; i++)
        o += (size_t)snprintf(line + o, sizeof line - o, "%s %s", i ? "," : "", st->steps[i].label);
    if (!st->nsteps)
        snprintf(line, sizeof line, " No further step: the item is %s.", st->it.status);
    tui_put(a, w, L.actions.y, 0, L.actions.w, TUI_EL_NORMAL, line);
}

static void item_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    item_st *st = s->st;
    snprintf(l, ll, "%s item %s", st->loaded ? nx_kind_name(st->it.kind) : "", st->id);
    if (st->fm.n)
        snprintf(r, rl, "field %d of %d%s", st->fm.focus + 1, st->fm.n,
                 tui_form_dirty(&st->fm) ? " \xc2\xb7 unsaved" : "");
}

static const tui_hint item_hints[] = {
    { REQ_SAVE, "save" }, { REQ_ADD_NOTE, "note" }, { REQ_STATUS_STEP, "step" },
    { REQ_REVEAL, "reveal" }, { REQ_HISTORY, "history" }, { REQ_HELP, "help" },
    { REQ_CANCEL, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_item = {
    .name = "item",
    .ctx = TUI_CTX_FORM,
    .text_entry = 1,
    .open = item_open,
    .close = item_close,
    .suspend = item_suspend,
    .resume = item_resume,
    .draw = item_draw,
    .handle = item_handle,
    .tick = item_tick,
    .title = item_title,
    .hints = item_hints,
};
