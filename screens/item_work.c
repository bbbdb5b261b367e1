/* screens/item_work.c — what the item screen does to an item: the form
 * from core's model (masked for the role), drafts, saving with messages
 * at the fields, workflow steps, notes and reveals. */
#include "screens/item_int.h"
#include "profile/guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building the form from core's model ------------------------------------ */

int item_is_revealed(const item_st *st, const char *id)
{
    for (int i = 0; i < st->nrev; i++)
        if (strcmp(st->revealed[i], id) == 0)
            return 1;
    return 0;
}

/* (Re)builds the widget from nx_session_form. keep: values typed and not
 * saved yet survive (after a reveal or a step). */
int item_build_form(item_st *st, tui_app *a, int keep, char *err, size_t errlen)
{
    nx_form model;
    if (nx_session_form(&a->session, &st->it, st->revealed, &model, err, errlen) != 0)
        return -1;
    tui_form old = st->fm;
    int focus = old.focus;
    tui_form fm;
    if (tui_form_alloc(&fm, (int)model.n) != 0) {
        nx_form_free(&model);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = 0;
    int may_reveal = nx_policy_allows(a->session.policy, a->session.role, NX_ACTION_REVEAL);
    for (size_t i = 0; i < model.n; i++) {
        const nx_form_field *mf = &model.fields[i];
        if (mf->def->home == NX_AT_NOTES)
            continue;              /* notes are in the history pane */
        tui_field *f = &fm.f[n++];
        f->def = mf->def;
        f->required = mf->required;
        snprintf(f->value, sizeof f->value, "%s", mf->shown);
        if (mf->editable)
            f->state = TUI_FV_EDIT;
        else if (mf->level == NX_LEVEL_FULL)
            f->state = TUI_FV_READONLY;
        else if (mf->level == NX_LEVEL_REVEAL && item_is_revealed(st, mf->def->id))
            f->state = TUI_FV_REVEALED;
        else
            f->state = TUI_FV_MASKED;
        f->revealable = f->state == TUI_FV_MASKED && mf->level == NX_LEVEL_REVEAL && may_reveal;
        for (int j = 0; keep && j < old.n; j++)
            if (old.f[j].def == f->def && old.f[j].dirty && f->state == TUI_FV_EDIT) {
                memcpy(f->value, old.f[j].value, sizeof f->value);
                f->dirty = 1;
                f->drafted = old.f[j].drafted;
            }
    }
    fm.n = n;
    nx_form_free(&model);
    tui_form_free(&st->fm);
    st->fm = fm;
    tui_form_focus(&st->fm, focus);
    size_t ns = nx_workflow_next(&st->it, st->steps, sizeof st->steps / sizeof st->steps[0]);
    st->nsteps = ns > 16 ? 16 : (int)ns;
    return 0;
}

void item_load_history(item_st *st, tui_app *a)
{
    tui_history_free(&st->hist);
    if (tui_history_load(&a->session, st->id, &st->hist) != 0)
        tui_msg(a, TUI_EL_ERROR, "The item's history could not be read.");
    else if (st->hist.rejects) {
        char key[32];
        tui_key_hint(a, REQ_HISTORY, key, sizeof key);
        tui_msg(a, TUI_EL_ERROR, "The hub refused %d of your changes to this item: %s "
                "(history) shows which and why.", st->hist.rejects, key);
    }
}

/* ---- drafts ---------------------------------------------------------------------- */

void item_save_draft(item_st *st, tui_app *a)
{
    nx_draft_field df[128];
    int any_new = 0;
    size_t n = tui_form_draft_fields(&st->fm, df, 128, &any_new);
    st->last_draft_ms = tui_mono_ms(a);
    if (!any_new)
        return;
    char err[256];
    int rc = n ? nx_draft_save(&a->profile, st->id, df, n, tui_now(a), err, sizeof err)
               : nx_draft_discard(&a->profile, st->id, err, sizeof err);
    if (rc != 0) {
        tui_msg(a, TUI_EL_ERROR, "The draft could not be kept: %s", err);
        return;
    }
    tui_form_drafted(&st->fm);
}

void item_restore_draft(item_st *st, tui_app *a)
{
    char err[256];
    int n = nx_draft_load(&a->profile, st->id, tui_form_draft_value, &st->fm, err,
                          sizeof err);
    if (n > 0)
        tui_msg(a, TUI_EL_AT_RISK, "Unsaved edits restored from a draft (%d field%s): F2 saves them.",
                n, n == 1 ? "" : "s");
    else if (n < 0)
        tui_msg(a, TUI_EL_ERROR, "A draft of this item could not be read: %s", err);
    tui_form_focus(&st->fm, st->fm.focus);
}

/* ---- saving ---------------------------------------------------------------------- */

/* The field a message is about: the one whose label it names first. */
int item_field_named(const item_st *st, const char *msg)
{
    for (int i = 0; i < st->fm.n; i++)
        if (strstr(msg, st->fm.f[i].def->label))
            return i;
    return -1;
}

int item_save(item_st *st, tui_app *a)
{
    int first = -1, bad = 0, changed = 0;
    char canon[NX_VALUE_MAX];
    for (int i = 0; i < st->fm.n; i++) {
        tui_field *f = &st->fm.f[i];
        /* typed back to what is stored (an editable field is shown in
         * full): nothing to write, nor to refuse */
        if (f->dirty && f->state == TUI_FV_EDIT &&
            strcmp(f->value, nx_item_get(&st->it, f->def->id)) == 0) {
            f->dirty = 0;
            f->error[0] = '\0';
        }
        if (!f->dirty)
            continue;
        changed++;
        const char *why = nx_dict_check(f->def, f->value, canon, sizeof canon);
        if (why) {
            snprintf(f->error, sizeof f->error, "%s", why);
            bad++;
            if (first < 0)
                first = i;
        }
    }
    tui_wipe(canon, sizeof canon);
    if (!changed) {
        tui_msg(a, TUI_EL_INFO, "Nothing to save.");
        return 0;
    }
    if (bad) {
        tui_form_focus(&st->fm, first);
        tui_msg(a, TUI_EL_ERROR, "Not saved: %d field%s to correct (marked !).", bad,
                bad == 1 ? "" : "s");
        return -1;
    }
    int saved = 0;
    for (int i = 0; i < st->fm.n; i++) {
        tui_field *f = &st->fm.f[i];
        if (!f->dirty)
            continue;
        char err[512] = "";
        if (nx_session_set(&a->session, &st->it, f->def->id, f->value, err, sizeof err) != 0) {
            snprintf(f->error, sizeof f->error, "%s", err);
            tui_form_focus(&st->fm, i);
            if (saved)
                tui_msg(a, TUI_EL_ERROR, "Saved %d field%s; this one was refused.", saved,
                        saved == 1 ? "" : "s");
            else
                tui_msg(a, TUI_EL_ERROR, "Not saved: this field was refused.");
            item_save_draft(st, a);
            return -1;
        }
        f->dirty = 0;
        saved++;
    }
    char err[256];
    (void)nx_draft_discard(&a->profile, st->id, err, sizeof err);
    if (item_build_form(st, a, 1, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
    else
        tui_msg(a, TUI_EL_INFO, "Saved (%d field%s).", saved, saved == 1 ? "" : "s");
    item_load_history(st, a);
    return 0;
}

/* ---- steps, notes, reveal ------------------------------------------------------ */

static void step_chosen(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    item_st *st = ctx;
    if (!ok || choice < 0 || choice >= st->nsteps)
        return;
    if (tui_form_dirty(&st->fm) && item_save(st, a) != 0)
        return;
    char from[NX_STATUS_MAX], to[NX_STATUS_MAX], linked[NX_ID_MAX] = "", err[512] = "";
    snprintf(from, sizeof from, "%s", st->it.status);
    snprintf(to, sizeof to, "%s", st->steps[choice].to);
    if (nx_session_transition(&a->session, &st->it, to, linked, err, sizeof err) != 0) {
        int at = item_field_named(st, err);
        if (at >= 0) {
            snprintf(st->fm.f[at].error, sizeof st->fm.f[at].error, "%s", err);
            tui_form_focus(&st->fm, at);
        }
        tui_msg(a, TUI_EL_ERROR, "%s", err[0] ? err : "That step could not be taken.");
        return;
    }
    if (item_build_form(st, a, 1, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "%s", err);
    else if (linked[0])
        tui_msg(a, TUI_EL_INFO, "Status %s -> %s; prior-authorization item %.8s created.", from,
                st->it.status, linked);
    else
        tui_msg(a, TUI_EL_INFO, "Status %s -> %s.", from, st->it.status);
    item_load_history(st, a);
}

void item_offer_steps(item_st *st, tui_app *a)
{
    if (!st->nsteps) {
        tui_msg(a, TUI_EL_INFO, "No further step: the item is %s.", st->it.status);
        return;
    }
    const char *items[16];
    char labels[16][80];
    for (int i = 0; i < st->nsteps; i++) {
        snprintf(labels[i], sizeof labels[0], "%s  (to %s)", st->steps[i].label, st->steps[i].to);
        items[i] = labels[i];
    }
    tui_menu(a, "Next step", items, st->nsteps, 0, step_chosen, st);
}

void item_note_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    item_st *st = ctx;
    if (!ok)
        return;
    char err[512] = "";
    if (nx_session_note(&a->session, &st->it, text, 0, err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err[0] ? err : "The note could not be added.");
        return;
    }
    item_load_history(st, a);
    tui_msg(a, TUI_EL_INFO, "Note added.");
}

void item_reason_typed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    item_st *st = ctx;
    if (!ok || st->fm.n == 0)
        return;
    const nx_field_def *def = st->fm.f[st->fm.focus].def;
    char value[NX_VALUE_MAX], err[512] = "";
    int rc = nx_session_reveal(&a->session, &st->it, def->id, text, value, sizeof value, err,
                               sizeof err);
    /* The value itself is drawn from the form model (held for the role),
     * not from this copy. */
    tui_wipe(value, sizeof value);
    if (rc != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err[0] ? err : "The field could not be revealed.");
        return;
    }
    if (st->nrev < MAX_REVEALED && !item_is_revealed(st, def->id))
        st->revealed[st->nrev++] = def->id;
    if (item_build_form(st, a, 1, err, sizeof err) != 0) {
        tui_msg(a, TUI_EL_ERROR, "%s", err);
        return;
    }
    tui_msg(a, TUI_EL_REVEALED, "%s revealed; the reason is in the audit. It stays shown "
            "until you leave the item.", def->label);
}

