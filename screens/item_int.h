/* screens/item_int.h — private to the item screen (item.c: the screen's
 * life and keys; item_work.c: the form model, drafts, saving, steps,
 * notes and reveals). */
#ifndef NX_SCREENS_ITEM_INT_H
#define NX_SCREENS_ITEM_INT_H

#include "screens/screens.h"
#include "domain/workflow.h"
#include "tui/form.h"
#include "tui/history.h"

#define DRAFT_EVERY_MS 30000
#define MAX_REVEALED 32

typedef struct {
    char id[NX_ID_MAX];
    int loaded;
    nx_item it;
    tui_form fm;
    const char *revealed[MAX_REVEALED + 1];   /* dictionary ids (static) */
    int nrev;
    tui_history hist;
    int hist_shown;
    int64_t last_draft_ms;
    int focus_kept;            /* across a lock */
    nx_wf_choice steps[16];
    int nsteps;
    int asked_request;         /* F7 opened a patient request over this item */
} item_st;

int  item_is_revealed(const item_st *st, const char *id);
/* (Re)builds the form widget from nx_session_form; keep: typed values
 * not saved yet survive (after a reveal or a step). */
int  item_build_form(item_st *st, tui_app *a, int keep, char *err, size_t errlen);
void item_load_history(item_st *st, tui_app *a);
/* Keeps the changed fields as an encrypted draft (none changed: drops it). */
void item_save_draft(item_st *st, tui_app *a);
void item_restore_draft(item_st *st, tui_app *a);
/* F2: checks every changed field, shows problems at their fields, then
 * records them one by one. 0 saved (or nothing to save), -1 not all. */
int  item_save(item_st *st, tui_app *a);
int  item_field_named(const item_st *st, const char *msg);
/* F4's menu of the workflow's next steps. */
void item_offer_steps(item_st *st, tui_app *a);
/* Dialog answers: the note typed (F3), the reason for a reveal (F5). */
void item_note_typed(tui_app *a, void *ctx, int ok, int choice, const char *text);
void item_reason_typed(tui_app *a, void *ctx, int ok, int choice, const char *text);

#endif
