/* tui/form — fields, focus, inline messages. */
#include "tui/form.h"
#include "tui/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tui_form_alloc(tui_form *fm, int n)
{
    memset(fm, 0, sizeof *fm);
    fm->f = calloc((size_t)(n > 0 ? n : 1), sizeof *fm->f);
    if (!fm->f)
        return -1;
    fm->n = n;
    return 0;
}

void tui_form_free(tui_form *fm)
{
    if (fm->f) {
        explicit_bzero(fm->f, (size_t)(fm->n > 0 ? fm->n : 1) * sizeof *fm->f);
        free(fm->f);
    }
    memset(fm, 0, sizeof *fm);
}

int tui_form_dirty(const tui_form *fm)
{
    for (int i = 0; i < fm->n; i++)
        if (fm->f[i].dirty)
            return 1;
    return 0;
}

void tui_form_focus(tui_form *fm, int i)
{
    if (fm->n == 0)
        return;
    if (i < 0)
        i = 0;
    if (i >= fm->n)
        i = fm->n - 1;
    fm->focus = i;
    tui_field *f = &fm->f[i];
    if (f->state == TUI_FV_EDIT)
        tui_edit_init(&fm->edit, f->value, sizeof f->value, 0);
    else
        memset(&fm->edit, 0, sizeof fm->edit);
}

/* Space on a choice field: "" -> first choice -> ... -> last -> "". */
static int next_choice(tui_field *f)
{
    static const char *const yes_no[] = { "yes", "no", NULL };
    const char *const *c = f->def->type == NX_FT_BOOL ? yes_no : f->def->choices;
    if (!c || !c[0])
        return -1;
    int i = 0;
    if (f->value[0]) {
        while (c[i] && strcmp(c[i], f->value) != 0)
            i++;
        i = c[i] ? i + 1 : 0;
    }
    snprintf(f->value, sizeof f->value, "%s", c[i] ? c[i] : "");
    return 1;
}

int tui_form_key(tui_form *fm, tui_key k)
{
    if (fm->n == 0)
        return -1;
    tui_field *f = &fm->f[fm->focus];
    int choice = f->def->type == NX_FT_BOOL || f->def->type == NX_FT_CHOICE;
    int editing = tui_key_is_text(k) || k == TUI_KEY_FN + KEY_BACKSPACE ||
                  k == TUI_KEY_FN + KEY_DC || k == ('u' & 0x1f) || k == ('w' & 0x1f);
    if (f->state != TUI_FV_EDIT)
        return editing ? -2 : -1;
    int r;
    if (choice && k == ' ') {
        r = next_choice(f);
        tui_edit_end(&fm->edit);
    } else {
        r = tui_edit_key(&fm->edit, k);
    }
    if (r == 1) {
        f->dirty = f->drafted = 1;
        f->error[0] = '\0';
    }
    return r;
}

static int lines_of(const tui_field *f)
{
    return 1 + (f->error[0] ? 1 : 0);
}

static const char *tag_of(const tui_field *f)
{
    switch (f->state) {
    case TUI_FV_MASKED:
        return f->revealable ? "F5 reveals" : "masked";
    case TUI_FV_REVEALED:
        return "revealed";
    case TUI_FV_READONLY:
        return "read-only";
    default:
        return f->def->type == NX_FT_BOOL || f->def->type == NX_FT_CHOICE ? "Space: next" : "";
    }
}

void tui_form_draw(tui_form *fm, WINDOW *w, const tui_rect *r, const tui_theme *th,
                   int *cy, int *cx)
{
    *cy = *cx = -1;
    if (r->h <= 0 || fm->n == 0)
        return;
    int lw = 0;
    for (int i = 0; i < fm->n; i++) {
        int l = tui_text_width(fm->f[i].def->label);
        if (l > lw)
            lw = l;
    }
    if (lw > 28)
        lw = 28;
    fm->label_w = lw;
    /* Keep the focused field (and its message) inside the window. */
    int focus_line = 0;
    for (int i = 0; i < fm->focus; i++)
        focus_line += lines_of(&fm->f[i]);
    if (focus_line < fm->scroll)
        fm->scroll = focus_line;
    if (focus_line + lines_of(&fm->f[fm->focus]) > fm->scroll + r->h)
        fm->scroll = focus_line + lines_of(&fm->f[fm->focus]) - r->h;
    char buf[NX_VALUE_MAX + 64], fitted[NX_VALUE_MAX * 2];
    int line = 0;
    int vx = r->x + 2 + lw + 4;             /* "> Label *  value" */
    int tagw = 13;
    int vw = r->x + r->w - vx - tagw - 1;
    if (vw < 12) {
        tagw = 0;
        vw = r->x + r->w - vx - 1;
    }
    for (int i = 0; i < fm->n; i++) {
        tui_field *f = &fm->f[i];
        int y = r->y + line - fm->scroll;
        line += lines_of(f);
        if (y < r->y || y >= r->y + r->h)
            continue;
        int focused = i == fm->focus;
        tui_attrset(w, (attr_t)tui_attr(th, focused ? TUI_EL_FOCUS : TUI_EL_LABEL));
        mvwaddstr(w, y, r->x, focused ? ">" : " ");
        tui_text_fit(fitted, sizeof fitted, f->def->label, lw, 1, 0);
        mvwaddstr(w, y, r->x + 1, " ");
        mvwaddstr(w, y, r->x + 2, fitted);
        tui_attrset(w, (attr_t)tui_attr(th, TUI_EL_REQUIRED));
        mvwaddstr(w, y, r->x + 3 + lw, f->required ? "*" : " ");
        tui_elem e = f->state == TUI_FV_EDIT ? TUI_EL_VALUE
                   : f->state == TUI_FV_MASKED ? TUI_EL_MASKED
                   : f->state == TUI_FV_REVEALED ? TUI_EL_REVEALED : TUI_EL_READONLY;
        if (f->error[0])
            e = TUI_EL_INVALID;
        attr_t va = (attr_t)tui_attr(th, e);
        if (focused && f->state == TUI_FV_EDIT) {
            int c = tui_edit_draw(&fm->edit, w, y, vx, vw, va);
            *cy = y;
            *cx = vx + c;
        } else {
            tui_text_fit(fitted, sizeof fitted, f->value, vw, f->state == TUI_FV_EDIT, 0);
            tui_attrset(w, va);
            mvwaddstr(w, y, vx, fitted);
        }
        if (tagw && tag_of(f)[0]) {
            snprintf(buf, sizeof buf, "(%s)", tag_of(f));
            tui_text_fit(fitted, sizeof fitted, buf, tagw, 0, 0);
            tui_attrset(w, (attr_t)tui_attr(th, TUI_EL_HINT));
            mvwaddstr(w, y, vx + vw + 1, fitted);
        }
        if (f->error[0] && y + 1 < r->y + r->h) {
            /* The message sits under the field it is about, marked with
             * text as well as color. */
            snprintf(buf, sizeof buf, "! %s", f->error);
            tui_text_fit(fitted, sizeof fitted, buf, r->w - 4, 0, 0);
            tui_attrset(w, (attr_t)tui_attr(th, TUI_EL_ERROR));
            mvwaddstr(w, y + 1, r->x + 4, fitted);
        }
        tui_attrset(w, A_NORMAL);
    }
    explicit_bzero(buf, sizeof buf);
    explicit_bzero(fitted, sizeof fitted);
}

size_t tui_form_draft_fields(const tui_form *fm, nx_draft_field *df, size_t max, int *fresh)
{
    size_t n = 0;
    *fresh = 0;
    for (int i = 0; i < fm->n && n < max; i++) {
        if (!fm->f[i].dirty)
            continue;
        df[n].field = fm->f[i].def->id;
        df[n].value = fm->f[i].value;
        n++;
        *fresh |= fm->f[i].drafted;
    }
    return n;
}

void tui_form_drafted(tui_form *fm)
{
    for (int i = 0; i < fm->n; i++)
        fm->f[i].drafted = 0;
}

int tui_form_draft_value(void *ctx, const char *field, const char *value)
{
    tui_form *fm = ctx;
    for (int i = 0; i < fm->n; i++)
        if (strcmp(fm->f[i].def->id, field) == 0 && fm->f[i].state == TUI_FV_EDIT) {
            snprintf(fm->f[i].value, sizeof fm->f[i].value, "%s", value);
            fm->f[i].dirty = 1;
        }
    return 0;
}
