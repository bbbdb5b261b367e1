/* screens/reclist — one list screen for oversight records (the incidents,
 * `!`, and the patient requests, `R`): the rows a session function gives,
 * in a table that pages through them, `c` to show the closed ones too,
 * Enter to open one in its view screen, reloaded when a background sync
 * brings records or the user comes back from a view, the cursor kept on
 * the same record. What differs per list — the rows, the columns, the
 * header and the empty message, the view — is a reclist_desc; each list's
 * file defines one and an ops table whose open calls reclist_open with it
 * and whose other entries are the functions below. */
#ifndef NX_SCREENS_RECLIST_H
#define NX_SCREENS_RECLIST_H
#include <stddef.h>
#include <stdint.h>
#include "screens/screens.h"
#include "tui/table.h"

typedef struct reclist reclist;

typedef struct reclist_desc {
    const char *title;          /* the title bar's left side */
    size_t row_size;            /* one row of the array load gives */
    size_t id_off;              /* offsetof(row, id): a NUL-terminated record id */
    const tui_column *cols;
    int ncols;
    tui_elem (*cell)(const reclist *l, const void *row, int col, char *buf, size_t len);
    /* The rows (closed ones too when closed), malloc'd: *rows and *n. 0, or
     * -1 with err (shown in place of the table). */
    int (*load)(tui_app *a, int closed, void **rows, size_t *n, char *err, size_t errlen);
    void (*header)(const reclist *l, tui_app *a, char *line, size_t len);
    void (*empty)(const reclist *l, tui_app *a, char *line, size_t len);
    const tui_screen_ops *view; /* pushed with the row's id */
} reclist_desc;

struct reclist {
    const reclist_desc *d;
    void *rows;
    size_t n;
    tui_array_src src;
    tui_table table;
    int closed;                 /* closed ones shown too */
    int stale;                  /* read again (back from a view) */
    uint64_t rounds;            /* the sync round the rows were read after */
    char tz[64];                /* the laptop's zone */
    char problem[256];
};

int  reclist_open(tui_screen *s, tui_app *a, const reclist_desc *d, char *err, size_t errlen);
void reclist_close(tui_screen *s, tui_app *a);
int  reclist_resume(tui_screen *s, tui_app *a, char *err, size_t errlen);
void reclist_draw(tui_screen *s, tui_app *a, WINDOW *w);
int  reclist_handle(tui_screen *s, tui_app *a, int req, tui_key key);
void reclist_tick(tui_screen *s, tui_app *a);
void reclist_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl);

/* ---- one record's view --------------------------------------------------------------
 * What the views of a record share (incident_list.c, patreq_list.c): the
 * record read by id when the view opens, dropped (wiped) while another
 * screen is on top and when it closes, read again when a background sync
 * brings records and after each change the view makes. A view's state
 * starts with a recview; its recview_desc says how to read and drop it. */

typedef struct recview recview;

typedef struct recview_desc {
    size_t size;                /* the view's state, which starts with a recview */
    const char *what;           /* "Incident": "Incident ID is not held here." */
    /* Reads record v->id into the state: 1, 0 (not held), or -1 with err. */
    int (*get)(tui_app *a, recview *v, char *err, size_t errlen);
    /* Wipes whatever the view keeps of the record (what get read when
     * v->loaded, and anything asked in dialogs). */
    void (*drop)(recview *v);
    void (*init)(recview *v, tui_app *a);   /* once, before the first get; may be NULL */
} recview_desc;

struct recview {
    const recview_desc *d;
    char id[40];
    int loaded;
    uint64_t rounds;            /* the sync round it was read after */
};

/* The ops a view's table points at (arg: the record id). */
int  recview_open(tui_screen *s, tui_app *a, const recview_desc *d, const void *arg, char *err,
                  size_t errlen);
void recview_close(tui_screen *s, tui_app *a);
void recview_suspend(tui_screen *s, tui_app *a);
int  recview_resume(tui_screen *s, tui_app *a, char *err, size_t errlen);
void recview_tick(tui_screen *s, tui_app *a);
/* After a change the view asked core/session for (rc, err): the message
 * ("Not recorded: ..." or done), then the record read again. */
void recview_changed(recview *v, tui_app *a, int rc, const char *err, const char *done);

#endif
