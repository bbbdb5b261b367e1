/* screens — one file per screen, each a const table of operations over
 * tui/app.h. Screens reach data only through core's session, queue and
 * guard APIs. */
#ifndef NX_SCREENS_H
#define NX_SCREENS_H

#include "tui/app.h"
#include "tui/passbox.h"

extern const tui_screen_ops nx_scr_unlock;
extern const tui_screen_ops nx_scr_lock;
extern const tui_screen_ops nx_scr_passwd;
extern const tui_screen_ops nx_scr_dashboard;
extern const tui_screen_ops nx_scr_queue;
extern const tui_screen_ops nx_scr_item;
extern const tui_screen_ops nx_scr_help;
extern const tui_screen_ops nx_scr_sync;
extern const tui_screen_ops nx_scr_conflicts;
extern const tui_screen_ops nx_scr_kpi;     /* K: supervisors, operations */
extern const tui_screen_ops nx_scr_audit;   /* A: privacy / security officers, auditors */
/* `n` in a queue or on the dashboard; arg: const nx_kind * (the kind). */
extern const tui_screen_ops nx_scr_newitem;
/* Incidents and patient requests (screens/incident*.c, patreq*.c). The
 * report form: F8 anywhere (arg NULL), C-x on an item (a mis-fax), `e` on
 * an incident (a correction); arg: const nx_scr_incident_arg * or NULL. */
typedef struct nx_scr_incident_arg {
    const char *item_id;       /* the item it is about, or NULL */
    int misfax;                /* 1: type mis-fax, the item's client */
    const char *record_id;     /* an incident to correct, or NULL: a new report */
} nx_scr_incident_arg;
extern const tui_screen_ops nx_scr_incident;
extern const tui_screen_ops nx_scr_incidents;       /* `!`: the list */
extern const tui_screen_ops nx_scr_incident_view;   /* arg: the record id */
/* F7 on an item: the intake form; arg: the item id. */
extern const tui_screen_ops nx_scr_patreq;
extern const tui_screen_ops nx_scr_patreqs;         /* `R`: the list; arg: NULL */
extern const tui_screen_ops nx_scr_patreq_view;     /* arg: the record id */
/* Live QA review (screens/qa.c, qa_review.c, capa.c): the QA queue (`Q`),
 * a sample's item shadowed read-only and its scorecard (arg: the sample
 * id), the corrective actions (`c` in the QA queue) and one's form. */
extern const tui_screen_ops nx_scr_qa;
extern const tui_screen_ops nx_scr_qa_shadow;
extern const tui_screen_ops nx_scr_qa_score;
extern const tui_screen_ops nx_scr_capa;
typedef struct nx_scr_capa_arg {
    const char *capa_id;       /* an existing CAPA, or NULL: a new one with what follows */
    const char *item_id, *review_id, *owner, *finding;   /* may be NULL */
} nx_scr_capa_arg;
extern const tui_screen_ops nx_scr_capa_form;

/* The screens the app opens by itself (unlock, lock, dashboard, ...). */
extern const tui_screens nx_screens;

/* Shared by the queue and item screens: "Mar 07 14:00" in local time. */
void nx_scr_format_due(int64_t due, char *buf, size_t len);

/* text on at most `lines` lines of `width` columns from (y, x), broken at
 * blanks; the last line is cut with "…" (the KPI and audit screens'
 * help lines). */
void nx_scr_wrap(tui_app *a, WINDOW *w, int y, int x, int width, int lines, tui_elem e,
                 const char *text);

/* The unlock and lock screens' message line: the last refusal, then the
 * back-off's countdown ("Wrong passphrase. Next attempt in 4 s."). */
void nx_scr_backoff_line(tui_app *a, const char *why, char *out, size_t len);

/* The unlock and lock screens keep the same state: a passphrase box
 * (guarded memory) and the last refusal. */
typedef struct nx_scr_pass_st {
    tui_passbox pb;
    char why[256];
} nx_scr_pass_st;
int  nx_scr_pass_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen);
void nx_scr_pass_close(tui_screen *s, tui_app *a);

#endif
