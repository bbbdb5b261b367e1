/* screens/pform — a plain form of typed fields that is not a work item's:
 * the incident report and the patient-request intake (screens/incident.c,
 * screens/patreq.c). Field definitions are the dictionary's type
 * (nx_field_def: text, date-time, whole number, yes/no, choice), so the
 * form widget draws them and nx_dict_check checks them; what the values
 * mean and how they are saved is the screen's, through core/session.
 *
 * Free text typed here may be PHI: at a lock or a hang-up the screens keep
 * what was typed as an encrypted draft (pform_draft_keep, core/profile/
 * guard's form drafts) and then wipe the text fields from memory
 * (pform_wipe_text); pform_close wipes all. */
#ifndef NX_SCREENS_PFORM_H
#define NX_SCREENS_PFORM_H

#include "screens/screens.h"
#include "domain/incident.h"   /* nx_deadline */
#include "tui/form.h"

typedef struct pform {
    tui_form fm;
    char draft[64];             /* the draft's form key ("" none: kept in memory only) */
    const char *what;           /* the form in messages: "report", "request" */
    size_t size;                /* the screen's state, which starts with this pform */
    int64_t kept_ms;            /* when the draft was last kept (monotonic) */
    int unkept;                 /* the lock could not keep the draft */
} pform;

/* n fields of defs (kept by pointer: static or the screen's state), all
 * editable and empty; required[i] non-zero marks field i. 0 or -1. */
int  pform_open(pform *p, const nx_field_def *defs, const int *required, int n);
void pform_close(pform *p);

tui_field  *pform_field(pform *p, const char *id);
const char *pform_value(pform *p, const char *id);   /* "" when absent */
void pform_set(pform *p, const char *id, const char *value);

/* The moving and typing keys (next / previous field, page, Home / End in
 * the text, typed text, Space on a choice). TUI_REDRAW or TUI_DONE when
 * used, TUI_UNUSED otherwise. */
int  pform_key(pform *p, tui_app *a, int req, tui_key key);

/* Checks every field by its definition (required ones filled, then
 * nx_dict_check, whose canonical value replaces the typed one); each
 * problem goes under its field, the first one is focused. Returns how
 * many fields are wrong (0: all good). */
int  pform_check(pform *p);
/* Puts a message from core under the field named in it (the first
 * field whose label or id the message starts with, any case), else
 * returns -1 and the caller shows it on the message line. */
int  pform_error_at(pform *p, const char *msg);

/* Draws the fields in r and puts the cursor in the focused one. */
void pform_draw(pform *p, tui_app *a, WINDOW *w, const tui_rect *r);

/* Clears every text field (TEXT, LONGTEXT) and marks it untouched; what
 * was typed there is gone. Returns how many held text. */
int  pform_wipe_text(pform *p);

/* The form's draft, under the form key p->draft ("inc:new", "pr:ITEM"...;
 * "" keeps nothing): kept when something was typed since the last draft
 * (a form with nothing typed drops it), restored into the editable fields
 * (how many, 0 none, -1 unreadable: err), dropped once the form is filed
 * or left. keep returns 0, or -1 with err (the draft could not be kept). */
int  pform_draft_keep(pform *p, tui_app *a, char *err, size_t errlen);
int  pform_draft_restore(pform *p, tui_app *a, char *err, size_t errlen);
void pform_draft_drop(pform *p, tui_app *a);
/* "inc:" / "pr:" + id into out when it makes a form key (else ""). */
void pform_draft_key(const char *prefix, const char *id, char *out, size_t len);
/* Once the form is built (p->draft, p->what and p->size set): restores a
 * draft left by a lock, a crash or a hang-up, and says so. */
void pform_draft_open(pform *p, tui_app *a);

/* The ops of a form screen whose state starts with its pform (p->size its
 * size): close (everything wiped), suspend (a lock, a hang-up: the draft
 * kept, then the texts wiped from memory), resume (the texts back from
 * the draft), tick (the draft kept every 30 s while typing, as the item
 * form does, so a crash loses at most that). */
void pform_screen_close(tui_screen *s, tui_app *a);
void pform_screen_suspend(tui_screen *s, tui_app *a);
int  pform_screen_resume(tui_screen *s, tui_app *a, char *err, size_t errlen);
void pform_screen_tick(tui_screen *s, tui_app *a);

/* "YYYY-MM-DD HH:MM" <-> unix seconds in zone tz (core's parser). The
 * parse gives 0 for "" and -1 for what does not read as a time. */
int64_t pform_time(const char *tz, const char *text);
void    pform_time_text(const char *tz, int64_t t, char *out, size_t len);

/* A deadline as a list or header shows it, in words as well as color so
 * NO_COLOR still tells: "due Sat 28 18:30", "LATE since Sat 28 18:30",
 * "met", "LATE: met Mon 30 09:00". *e gets the element to draw it in. */
void pform_deadline(const nx_deadline *d, const char *tz, char *out, size_t len, tui_elem *e);
/* The same for a list's column: "due Sat 18:30" / "LATE Sat 18:30" (or,
 * with dates, "due 12-25" / "LATE 12-25"), "met", "met, LATE", "-". */
void pform_deadline_short(const nx_deadline *d, const char *tz, int dates, char *out,
                          size_t len, tui_elem *e);

#endif
