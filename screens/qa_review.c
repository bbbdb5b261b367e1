/* screens/qa_review — reviewing one QA sample: the item shadowed, then
 * its scorecard.
 *
 * Shadowing (nx_scr_qa_shadow; Enter in the QA queue): the agent's item
 * as the reviewer's role sees it — the item screen's form model
 * (screens/item_work.c: masking, audited reveals with F5) and its history
 * (F6) — read-only: every field is shown read-only whatever the policy
 * says, there is no save, note or step here, and a key that would type
 * says why. Core refuses such changes anyway (session_qa.h: an item under
 * review takes changes only from its assignee; the hub too).
 *
 * The scorecard (nx_scr_qa_score; `s` on the shadow or the queue): the
 * item kind's checks (core/domain/qa_review.h), each pass / fail / n/a
 * (p, f, n or Space), a comment, and the score computed as they are set.
 * F2 saves the review (one per sample); a failed check is a finding, and
 * saving one offers to open a corrective action (screens/capa.c) on it.
 * The comment is wiped on lock, close and save. */
#include "screens/item_int.h"
#include "session/session_qa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shadowing ------------------------------------------------------------------------- */

typedef struct {
    char sample[40];
    nx_qa_row row;
    item_st item;               /* the item screen's model, read-only here */
} shadow_st;

static void readonly(item_st *it)
{
    for (int i = 0; i < it->fm.n; i++)
        if (it->fm.f[i].state == TUI_FV_EDIT)
            it->fm.f[i].state = TUI_FV_READONLY;
    tui_form_focus(&it->fm, it->fm.focus);
}

static void shadow_unload(shadow_st *st)
{
    if (st->item.loaded)
        nx_item_free(&st->item.it);
    st->item.loaded = 0;
    tui_form_free(&st->item.fm);
    tui_history_free(&st->item.hist);
    st->item.nrev = 0;
    memset(st->item.revealed, 0, sizeof st->item.revealed);
}

static int shadow_load(shadow_st *st, tui_app *a, char *err, size_t errlen)
{
    if (nx_session_qa_shadow(&a->session, st->sample, &st->row, &st->item.it, err, errlen) != 0)
        return -1;
    st->item.loaded = 1;
    snprintf(st->item.id, sizeof st->item.id, "%s", st->row.item_id);
    if (item_build_form(&st->item, a, 0, err, errlen) != 0)
        return -1;
    readonly(&st->item);
    item_load_history(&st->item, a);
    return 0;
}

static int shadow_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    shadow_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(st->sample, sizeof st->sample, "%s", (const char *)arg);
    err[0] = '\0';
    if (shadow_load(st, a, err, errlen) != 0) {
        shadow_unload(st);
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void shadow_close(tui_screen *s, tui_app *a)
{
    (void)a;
    shadow_st *st = s->st;
    if (!st)
        return;
    shadow_unload(st);
    tui_wipe(st, sizeof *st);
    free(st);
    s->st = NULL;
}

static void shadow_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    shadow_st *st = s->st;
    st->item.focus_kept = st->item.fm.focus;
    shadow_unload(st);
}

static int shadow_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    shadow_st *st = s->st;
    err[0] = '\0';
    int focus = st->item.focus_kept;
    if (shadow_load(st, a, err, errlen) != 0)
        return -1;
    tui_form_focus(&st->item.fm, focus);
    return 0;
}

static void say_read_only(const shadow_st *st, tui_app *a)
{
    tui_msg(a, TUI_EL_ERROR, "Read-only: this is %s's work (nobody enters data under "
            "another's id).", st->row.agent);
}

static int shadow_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    shadow_st *st = s->st;
    item_st *it = &st->item;
    tui_field *f = it->fm.n ? &it->fm.f[it->fm.focus] : NULL;
    int n = it->fm.n;
    switch (req) {
    case REQ_NEXT_FIELD:
    case REQ_MOVE_DOWN:
        if (n)
            tui_form_focus(&it->fm, (it->fm.focus + 1) % n);
        return TUI_REDRAW;
    case REQ_PREV_FIELD:
    case REQ_MOVE_UP:
        if (n)
            tui_form_focus(&it->fm, (it->fm.focus + n - 1) % n);
        return TUI_REDRAW;
    case REQ_PAGE_DOWN:
    case REQ_MOVE_LAST:
        if (n)
            tui_form_focus(&it->fm, req == REQ_MOVE_LAST ? n - 1 : it->fm.focus + 10);
        return TUI_REDRAW;
    case REQ_PAGE_UP:
    case REQ_MOVE_FIRST:
        tui_form_focus(&it->fm, req == REQ_MOVE_FIRST ? 0 : it->fm.focus - 10);
        return TUI_REDRAW;
    case REQ_HISTORY:
        it->hist_shown = !it->hist_shown;
        return TUI_REDRAW;
    case REQ_REVEAL:
        if (!f)
            return TUI_DONE;
        if (f->state != TUI_FV_MASKED)
            tui_msg(a, TUI_EL_INFO, "%s is shown in full already.", f->def->label);
        else if (!f->revealable)
            tui_msg(a, TUI_EL_ERROR, "%s cannot be revealed for your role: only its masked "
                    "form is held here.", f->def->label);
        else {
            char body[256];
            snprintf(body, sizeof body, "Why do you need to see %s in full?\n"
                     "Your reason is recorded in the audit trail.", f->def->label);
            tui_ask(a, "Reveal a masked field", body, 1, 0, item_reason_typed, it);
        }
        return TUI_REDRAW;
    case REQ_QA_SCORE:
        tui_push(a, &nx_scr_qa_score, st->sample);
        return TUI_REDRAW;
    case REQ_SAVE:
    case REQ_ADD_NOTE:
    case REQ_STATUS_STEP:
        say_read_only(st, a);
        return TUI_REDRAW;
    case REQ_NONE:
        if (tui_key_is_text(key) || key == TUI_KEY_FN + KEY_BACKSPACE ||
            key == TUI_KEY_FN + KEY_DC) {
            say_read_only(st, a);
            return TUI_REDRAW;
        }
        return TUI_DONE;
    case REQ_BACK:
    case REQ_CANCEL:
        return TUI_POP;
    default:
        return TUI_UNUSED;
    }
}

/* The history pane: each event's time, what and who, its detail under it;
 * the newest at the bottom, as many as fit. */
static void draw_history(item_st *it, tui_app *a, WINDOW *w, const tui_rect *r)
{
    tui_put(a, w, r->y, r->x, r->w, TUI_EL_HEADER, "History (as completed, then since)");
    int room = r->h - 1, y = r->y + 1;
    int from = it->hist.n > room / 2 ? it->hist.n - room / 2 : 0;
    for (int i = from; i < it->hist.n && y < r->y + r->h; i++) {
        const tui_history_row *e = &it->hist.rows[i];
        char when[32], line[NX_VALUE_MAX + 96];
        time_t t = (time_t)e->at;
        struct tm tm;
        if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%m-%d %H:%M", &tm))
            snprintf(when, sizeof when, "?");
        snprintf(line, sizeof line, "%s  %s  %s", when, e->what, e->who);
        tui_put(a, w, y++, r->x, r->w, TUI_EL_LABEL, line);
        if (e->detail[0] && y < r->y + r->h)
            tui_put(a, w, y++, r->x + 2, r->w - 2, TUI_EL_NORMAL, e->detail);
        tui_wipe(line, sizeof line);
    }
}

static void shadow_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    shadow_st *st = s->st;
    item_st *it = &st->item;
    if (!it->loaded)
        return;
    readonly(it);                  /* a reveal rebuilds the form */
    tui_rect body = { 0, 0, 0, 0 };
    getmaxyx(w, body.h, body.w);
    tui_form_layout L;
    tui_form_relayout(&L, &body, it->hist_shown);
    char line[512], when[32];
    nx_scr_format_due(st->row.completed_at, when, sizeof when);
    tui_put(a, w, L.header.y, 1, 10, TUI_EL_AT_RISK, "READ-ONLY");
    snprintf(line, sizeof line, "%s's %s item, now %s; completed %s by %s", st->row.agent,
             nx_kind_name(it->it.kind), it->it.status, when, st->row.completed_by);
    tui_put(a, w, L.header.y, 11, L.header.w - 11, TUI_EL_HEADER, line);
    if (it->fm.n) {
        const nx_field_def *d = it->fm.f[it->fm.focus].def;
        snprintf(line, sizeof line, " %s: %s", d->label, d->help ? d->help : "");
        tui_put(a, w, L.header.y + 1, 0, L.header.w, TUI_EL_HINT, line);
    }
    int cy, cx;
    if (L.fields.h > 0)
        tui_form_draw(&it->fm, w, &L.fields, &a->theme, &cy, &cx);
    if (L.side.h > 0) {
        tui_rect side = L.side;
        side.x += 1;
        side.w -= 2;
        draw_history(it, a, w, &side);
    }
    char k1[32], k2[32], k3[32];
    tui_key_hint(a, REQ_QA_SCORE, k1, sizeof k1);
    tui_key_hint(a, REQ_HISTORY, k2, sizeof k2);
    tui_key_hint(a, REQ_REVEAL, k3, sizeof k3);
    snprintf(line, sizeof line, " Nothing here changes %s's work: %s scores it, %s history, %s "
             "reveals.", st->row.agent, k1, k2, k3);
    tui_put(a, w, L.actions.y, 0, L.actions.w, TUI_EL_NORMAL, line);
}

static void shadow_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    shadow_st *st = s->st;
    snprintf(l, ll, "QA review \xc2\xb7 %s item %s", nx_kind_name(st->row.kind), st->row.item_id);
    if (st->item.fm.n)
        snprintf(r, rl, "field %d of %d \xc2\xb7 read-only", st->item.fm.focus + 1,
                 st->item.fm.n);
}

static const tui_hint shadow_hints[] = {
    { REQ_QA_SCORE, "score" }, { REQ_NEXT_FIELD, "next" }, { REQ_HISTORY, "history" },
    { REQ_REVEAL, "reveal" }, { REQ_HELP, "help" }, { REQ_BACK, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_qa_shadow = {
    .name = "qa-shadow",
    .ctx = TUI_CTX_QA,
    .open = shadow_open,
    .close = shadow_close,
    .suspend = shadow_suspend,
    .resume = shadow_resume,
    .draw = shadow_draw,
    .handle = shadow_handle,
    .title = shadow_title,
    .hints = shadow_hints,
};

/* ---- the scorecard ---------------------------------------------------------------------- */

static const char *const results[] = { "pass", "fail", "n/a", NULL };

typedef struct {
    char sample[40];
    nx_qa_row row;
    const nx_qa_check *checks;
    size_t n;                            /* checks; the comment is field n */
    nx_field_def defs[NX_QA_CHECKS_MAX + 1];
    tui_form fm;
    int focus_kept;
    /* kept across a lock: results only, never the comment */
    char kept[NX_QA_CHECKS_MAX][8];
    int saved;                           /* the review is written: only leaving is left */
    char rid[40];
} score_st;

static int result_of(const char *v)
{
    return strcmp(v, "pass") == 0 ? NX_QA_PASS : strcmp(v, "fail") == 0 ? NX_QA_FAIL
         : strcmp(v, "n/a") == 0 ? NX_QA_NA : -1;
}

static int build(score_st *st, tui_app *a, char *err, size_t errlen)
{
    int found = nx_session_qa_sample(&a->session, st->sample, &st->row, err, errlen);
    if (found <= 0) {
        if (found == 0)
            snprintf(err, errlen, "QA sample %s is no longer in your queue (reviewed already?)",
                     st->sample);
        return -1;
    }
    st->n = nx_qa_scorecard(st->row.kind, &st->checks);
    if (tui_form_alloc(&st->fm, (int)st->n + 1) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < st->n; i++)
        st->defs[i] = (nx_field_def){ .id = st->checks[i].id, .label = st->checks[i].label,
                                      .type = NX_FT_CHOICE, .choices = results,
                                      .help = st->checks[i].help };
    st->defs[st->n] = (nx_field_def){ .id = "comment", .label = "Comment",
                                      .type = NX_FT_LONGTEXT, .max = NX_QA_COMMENT_MAX,
                                      .help = "What was found (required when a check fails), "
                                              "for the agent's coaching" };
    for (size_t i = 0; i <= st->n; i++) {
        tui_field *f = &st->fm.f[i];
        f->def = &st->defs[i];
        f->state = TUI_FV_EDIT;
        f->required = i < st->n;
        if (i < st->n)
            snprintf(f->value, sizeof f->value, "%s", st->kept[i]);
    }
    tui_form_focus(&st->fm, st->focus_kept);
    return 0;
}

static int score_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    score_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(st->sample, sizeof st->sample, "%s", (const char *)arg);
    if (build(st, a, err, errlen) != 0) {
        tui_form_free(&st->fm);
        free(st);
        return -1;
    }
    s->st = st;
    return 0;
}

static void score_close(tui_screen *s, tui_app *a)
{
    (void)a;
    score_st *st = s->st;
    if (!st)
        return;
    tui_form_free(&st->fm);
    tui_wipe(st, sizeof *st);
    free(st);
    s->st = NULL;
}

static void score_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    score_st *st = s->st;
    st->focus_kept = st->fm.focus;
    for (size_t i = 0; i < st->n; i++)
        snprintf(st->kept[i], sizeof st->kept[i], "%.*s", (int)sizeof st->kept[i] - 1,
                 st->fm.f[i].value);
    tui_form_free(&st->fm);
}

static int score_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    return build(s->st, a, err, errlen);
}

/* The tally of what is chosen; -1 when a check is still unscored. */
static int tally(const score_st *st, nx_qa_result *res, nx_qa_tally *t)
{
    int missing = 0;
    for (size_t i = 0; i < st->n; i++) {
        int r = result_of(st->fm.f[i].value);
        missing |= r < 0;
        res[i] = r < 0 ? NX_QA_NA : (nx_qa_result)r;
    }
    if (nx_qa_tally_of(res, st->n, t) != 0)
        memset(t, 0, sizeof *t);
    return missing ? -1 : 0;
}

static void leave_review(tui_app *a)
{
    tui_pop(a);                                   /* the scorecard */
    if (tui_top(a) && tui_top(a)->ops == &nx_scr_qa_shadow)
        tui_pop(a);                               /* the item it scored */
}

/* The answer to "open a corrective action?" after a failed review: the
 * scorecard (and the shadow under it) go, then the CAPA form on the
 * finding if the supervisor wants one. */
static void offer_done(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    score_st *st = ctx;
    char item[NX_ID_MAX], review[40], owner[NX_NAME_MAX];
    char *finding = strdup(st->fm.f[st->n].value);
    snprintf(item, sizeof item, "%s", st->row.item_id);
    snprintf(review, sizeof review, "%s", st->rid);
    snprintf(owner, sizeof owner, "%s", st->row.agent);
    leave_review(a);                              /* frees st */
    if (ok) {
        nx_scr_capa_arg arg = { .item_id = item, .review_id = review, .owner = owner,
                                .finding = finding ? finding : "" };
        tui_push(a, &nx_scr_capa_form, &arg);
    } else {
        tui_msg(a, TUI_EL_HINT, "No corrective action opened: the CAPA list (c in the QA "
                "queue) opens one later.");
    }
    if (finding) {
        tui_wipe(finding, strlen(finding));
        free(finding);
    }
}

static void save(score_st *st, tui_app *a)
{
    nx_qa_result res[NX_QA_CHECKS_MAX];
    nx_qa_tally t;
    int first_bad = -1;
    int incomplete = tally(st, res, &t) != 0;
    for (size_t i = 0; i <= st->n; i++)
        st->fm.f[i].error[0] = '\0';
    for (size_t i = 0; incomplete && i < st->n; i++)
        if (result_of(st->fm.f[i].value) < 0) {
            snprintf(st->fm.f[i].error, sizeof st->fm.f[i].error,
                     "%s: choose pass, fail or n/a (p, f, n)", st->checks[i].label);
            if (first_bad < 0)
                first_bad = (int)i;
        }
    tui_field *c = &st->fm.f[st->n];
    if (!incomplete && t.fail && !c->value[0]) {
        snprintf(c->error, sizeof c->error, "Comment: say what was found (a check failed)");
        first_bad = (int)st->n;
    }
    if (first_bad >= 0) {
        tui_form_focus(&st->fm, first_bad);
        tui_msg(a, TUI_EL_ERROR, "Not saved: see the marked fields.");
        return;
    }
    char err[512] = "", rid[40] = "";
    if (nx_session_qa_review(&a->session, st->sample, res, st->n, c->value, &t, rid, err,
                             sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "Not saved: %s", err);
        return;
    }
    if (t.passed) {
        tui_msg(a, TUI_EL_INFO, "Review saved: pass, score %d%%. The hub gets it on the next "
                "sync.", t.score);
        leave_review(a);
        return;
    }
    /* Saved: the form stays (read-only) under the question. */
    st->saved = 1;
    snprintf(st->rid, sizeof st->rid, "%s", rid);
    for (size_t i = 0; i <= st->n; i++)
        st->fm.f[i].state = TUI_FV_READONLY;
    tui_form_focus(&st->fm, st->fm.focus);
    tui_msg(a, TUI_EL_AT_RISK, "Review saved: fail, score %d%%.", t.score);
    tui_confirm(a, "Open a corrective action?", "A failed check is a finding. A corrective\n"
                "action (CAPA) tracks it to closure, with\nan owner and a due date.\n\n"
                "y opens one now, n not now.", offer_done, st);
}

static int score_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    score_st *st = s->st;
    int n = st->fm.n;
    if (st->saved && req != REQ_BACK && req != REQ_CANCEL)
        return TUI_DONE;
    switch (req) {
    case REQ_NEXT_FIELD:
        tui_form_focus(&st->fm, (st->fm.focus + 1) % n);
        return TUI_REDRAW;
    case REQ_PREV_FIELD:
        tui_form_focus(&st->fm, (st->fm.focus + n - 1) % n);
        return TUI_REDRAW;
    case REQ_SAVE:
        save(st, a);
        return TUI_REDRAW;
    case REQ_CANCEL:
    case REQ_BACK:
        tui_wipe(st->fm.f[st->n].value, sizeof st->fm.f[st->n].value);
        return TUI_POP;
    case REQ_NONE:
        if ((size_t)st->fm.focus < st->n && key != ' ' && tui_key_is_text(key)) {
            /* p, f, n: the result at once; nothing else is typed here */
            const char *v = key == 'p' ? "pass" : key == 'f' ? "fail" : key == 'n' ? "n/a" : NULL;
            tui_field *f = &st->fm.f[st->fm.focus];
            if (!v) {
                tui_msg(a, TUI_EL_HINT, "p pass, f fail, n not applicable (or Space).");
                return TUI_REDRAW;
            }
            snprintf(f->value, sizeof f->value, "%s", v);
            f->dirty = 1;
            f->error[0] = '\0';
            tui_form_focus(&st->fm, st->fm.focus + 1);
            return TUI_REDRAW;
        }
        return tui_form_key(&st->fm, key) == -1 ? TUI_DONE : TUI_REDRAW;
    default:
        return TUI_UNUSED;
    }
}

static void score_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    score_st *st = s->st;
    if (!st->fm.n)
        return;
    int rows, cols;
    getmaxyx(w, rows, cols);
    char line[512];
    snprintf(line, sizeof line, " Scorecard \xc2\xb7 %s's %s item %s \xc2\xb7 %s %s sample",
             st->row.agent, nx_kind_name(st->row.kind), st->row.item_id, st->row.rule,
             st->row.period);
    tui_put(a, w, 0, 0, cols, TUI_EL_HEADER, line);
    const nx_field_def *d = st->fm.f[st->fm.focus].def;
    snprintf(line, sizeof line, " %s: %s", d->label, d->help);
    tui_put(a, w, 1, 0, cols, TUI_EL_HINT, line);
    tui_rect r = { 3, 0, rows - 7 > 4 ? rows - 7 : 4, cols };
    int cy = -1, cx = -1;
    tui_form_draw(&st->fm, w, &r, &a->theme, &cy, &cx);
    if (cy >= 0 && !a->dlg.kind)
        tui_set_cursor(a, w, cy, cx);
    nx_qa_result res[NX_QA_CHECKS_MAX];
    nx_qa_tally t;
    int incomplete = tally(st, res, &t) != 0;
    int applicable = t.pass + t.fail;
    tui_elem e = TUI_EL_NORMAL;
    if (!applicable)
        snprintf(line, sizeof line, " Score: - (no check scored yet)");
    else {
        snprintf(line, sizeof line, " Score %d%% \xc2\xb7 %d pass, %d fail, %d n/a \xc2\xb7 %s%s",
                 t.score, t.pass, t.fail, t.na, t.fail ? "FAIL: a failed check is a finding"
                                                      : "pass so far",
                 incomplete ? " (checks left to score)" : "");
        e = t.fail ? TUI_EL_AT_RISK : TUI_EL_INFO;
    }
    tui_put(a, w, rows - 3, 0, cols, e, line);
    tui_put(a, w, rows - 2, 0, cols, TUI_EL_HINT,
            " It passes only if no check fails; the score: applicable checks passed.");
}

static void score_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    score_st *st = s->st;
    snprintf(l, ll, "QA scorecard \xc2\xb7 %s item %s", nx_kind_name(st->row.kind),
             st->row.item_id);
    snprintf(r, rl, "field %d of %d", st->fm.focus + 1, st->fm.n);
}

static const tui_hint score_hints[] = {
    { REQ_SAVE, "save" }, { REQ_NEXT_FIELD, "next" }, { REQ_HELP, "help" },
    { REQ_CANCEL, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_qa_score = {
    .name = "qa-score",
    .ctx = TUI_CTX_FORM,
    .text_entry = 1,
    .open = score_open,
    .close = score_close,
    .suspend = score_suspend,
    .resume = score_resume,
    .draw = score_draw,
    .handle = score_handle,
    .title = score_title,
    .hints = score_hints,
};
