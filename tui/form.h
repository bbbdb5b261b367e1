/* tui/form — the form widget: a column of typed fields with labels,
 * required markers (*), a value that is edited in place, shown masked or
 * read-only, and an inline message under a field that was refused. The
 * screen fills it from the core's form model (nx_session_form), so what a
 * field may show is decided in core, never here. */
#ifndef NX_TUI_FORM_H
#define NX_TUI_FORM_H

#include <curses.h>
#include "domain/dict.h"
#include "profile/guard.h"
#include "tui/edit.h"
#include "tui/layout.h"
#include "tui/theme.h"

typedef enum {
    TUI_FV_EDIT,        /* editable, full value */
    TUI_FV_READONLY,    /* full value, not editable for this role or now */
    TUI_FV_MASKED,      /* reveal or partial: only the mask is here */
    TUI_FV_REVEALED,    /* a reveal field shown after an audited reason */
} tui_fv_state;

typedef struct tui_field {
    const nx_field_def *def;
    tui_fv_state state;
    int revealable;            /* masked at level reveal: F5 can show it */
    int required;
    int dirty;                 /* typed since the last save */
    int drafted;               /* changed since the last draft */
    char value[NX_VALUE_MAX];
    char error[256];           /* "" = none */
} tui_field;

typedef struct tui_form {
    tui_field *f;
    int n;
    int focus;
    int scroll;                /* first line drawn */
    tui_edit edit;             /* on f[focus].value when editable */
    int label_w;
} tui_form;

int  tui_form_alloc(tui_form *fm, int n);
/* Focus field i (clamped); the cursor goes to the end of its value. */
void tui_form_focus(tui_form *fm, int i);
/* Editing keys for the focused field. Space on a choice or yes/no field
 * steps through its choices. 1 changed, 0 not changed, -1 not an editing
 * key; -2 the field is not editable (the screen says why). */
int  tui_form_key(tui_form *fm, tui_key k);
/* Draws in r; *cy, *cx get the cursor when the focused field is edited
 * (-1 otherwise). */
void tui_form_draw(tui_form *fm, WINDOW *w, const tui_rect *r, const tui_theme *th,
                   int *cy, int *cx);
int  tui_form_dirty(const tui_form *fm);
void tui_form_free(tui_form *fm);   /* wipes every value */

/* Drafts (core/profile/guard.h keeps them encrypted): the fields typed
 * since the last save into df (pointing into the form), at most max;
 * returns how many, *fresh = 1 when one changed since the last draft. */
size_t tui_form_draft_fields(const tui_form *fm, nx_draft_field *df, size_t max, int *fresh);
/* After a draft is kept: nothing has changed since it. */
void tui_form_drafted(tui_form *fm);
/* nx_draft_load's callback (ctx: the tui_form): a drafted value back into
 * its field, when the field is editable, marked typed. */
int  tui_form_draft_value(void *ctx, const char *field, const char *value);

#endif
