/* screens/newitem — `n` in a queue (or on the dashboard, after asking the
 * kind): a short form that makes a new work item: its kind, the client
 * (a pick list of the clients in the cache), the patient (found by the
 * start of a name among the client's patients, masked for the role) and
 * the priority. F2 checks every part through core (nx_new_check: each
 * problem at its field, the first focused), then writes the item, its
 * audit event and its sync op in one transaction (nx_new_item) and opens
 * the new item's own form, where the kind's fields are filled in.
 *
 * Only patients the cache holds can be chosen: the sync op that creates
 * an item names an existing patient (core/session/session_new.h).
 * On lock the typed name and the pick list are wiped; kind, client,
 * priority and the chosen patient's id are kept, and the patient's name
 * is read again after unlock. */
#include "screens/screens.h"
#include "session/session_new.h"
#include "tui/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENTS_MAX 64
#define PICK_MAX TUI_DLG_ITEMS

typedef struct {
    tui_form fm;
    nx_field_def defs[NX_NEW_NFIELDS];
    const char *kinds[NX_KIND_COUNT + 1];
    nx_new_client clients[CLIENTS_MAX];
    const char *client_names[CLIENTS_MAX + 1];
    int nclients;
    char patient_id[NX_ID_MAX];          /* the patient picked; "" = none */
    nx_new_patient pick[PICK_MAX];       /* the pick list offered (wiped after) */
    int npick;
    int matching;                        /* patients of the client the name finds; -1 unknown */
    char typed[NX_VALUE_MAX];            /* the patient field as last searched */
    int focus_kept;
} new_st;

static const char *const priorities[] = { "routine", "urgent", NULL };

static tui_field *field(new_st *st, nx_new_field f) { return &st->fm.f[f]; }

static int kind_of(const new_st *st)
{
    return nx_kind_parse(st->fm.f[NX_NEW_KIND].value);
}

static const nx_new_client *client_of(const new_st *st)
{
    for (int i = 0; i < st->nclients && i < CLIENTS_MAX; i++)
        if (strcmp(st->clients[i].name, st->fm.f[NX_NEW_CLIENT].value) == 0)
            return &st->clients[i];
    return NULL;
}

static void forget_pick(new_st *st)
{
    nx_new_patients_wipe(st->pick, PICK_MAX);
    st->npick = 0;
}

/* The patient field shows the one picked: name and year of birth as the
 * role sees them. */
static void show_patient(new_st *st, const nx_new_patient *p)
{
    tui_field *f = field(st, NX_NEW_PATIENT);
    snprintf(st->patient_id, sizeof st->patient_id, "%s", p->id);
    if (p->born[0])
        snprintf(f->value, sizeof f->value, "%s \xc2\xb7 born %s", p->name, p->born);
    else
        snprintf(f->value, sizeof f->value, "%s", p->name);
    snprintf(st->typed, sizeof st->typed, "%s", f->value);
    f->error[0] = '\0';
    st->matching = 1;
}

/* How many of the client's patients the typed name finds (the hint). */
static void count_matches(new_st *st, tui_app *a)
{
    const nx_new_client *c = client_of(st);
    tui_field *f = field(st, NX_NEW_PATIENT);
    st->matching = -1;
    if (!c || st->patient_id[0])
        return;
    char err[256];
    st->matching = nx_new_patients(&a->session, c->id, f->value, NULL, 0, err, sizeof err);
}

/* ---- open / close / lock ---------------------------------------------------------- */

static void init_defs(new_st *st)
{
    for (int k = 0; k < NX_KIND_COUNT; k++)
        st->kinds[k] = nx_kind_name((nx_kind)k);
    st->kinds[NX_KIND_COUNT] = NULL;
    for (int i = 0; i < st->nclients && i < CLIENTS_MAX; i++)
        st->client_names[i] = st->clients[i].name;
    st->client_names[st->nclients < CLIENTS_MAX ? st->nclients : CLIENTS_MAX] = NULL;
    nx_field_def *d = st->defs;
    d[NX_NEW_KIND] = (nx_field_def){ .id = "kind", .label = "Kind", .type = NX_FT_CHOICE,
                                     .choices = st->kinds,
                                     .help = "The queue the item goes to (Space: the next kind)" };
    d[NX_NEW_CLIENT] = (nx_field_def){ .id = "client", .label = "Client", .type = NX_FT_CHOICE,
                                       .choices = st->client_names,
                                       .help = "The client the work is for (Space: the next one)" };
    d[NX_NEW_PATIENT] = (nx_field_def){ .id = "patient", .label = "Patient", .type = NX_FT_TEXT,
                                        .max = 127, .phi = NX_PHI_NAME,
                                        .help = "The start of the family or given name, then "
                                                "Enter to pick" };
    d[NX_NEW_PRIORITY] = (nx_field_def){ .id = "priority", .label = "Priority",
                                         .type = NX_FT_CHOICE, .choices = priorities,
                                         .help = "Urgent work goes to the top of the queue" };
}

static int newitem_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    if (!nx_new_allowed(&a->session)) {
        snprintf(err, errlen, "Your role (%s) does not create work items.",
                 nx_role_name(a->session.role));
        return -1;
    }
    new_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = nx_new_clients(&a->session, st->clients, CLIENTS_MAX, err, errlen);
    if (n < 0 || tui_form_alloc(&st->fm, NX_NEW_NFIELDS) != 0) {
        if (n >= 0)
            snprintf(err, errlen, "out of memory");
        free(st);
        return -1;
    }
    st->nclients = n < CLIENTS_MAX ? n : CLIENTS_MAX;
    init_defs(st);
    for (int i = 0; i < NX_NEW_NFIELDS; i++) {
        st->fm.f[i].def = &st->defs[i];
        st->fm.f[i].state = TUI_FV_EDIT;
        st->fm.f[i].required = 1;
    }
    const nx_kind *k = arg;
    if (k && (unsigned)*k < NX_KIND_COUNT)
        snprintf(field(st, NX_NEW_KIND)->value, NX_VALUE_MAX, "%s", nx_kind_name(*k));
    if (st->nclients == 1)
        snprintf(field(st, NX_NEW_CLIENT)->value, NX_VALUE_MAX, "%s", st->clients[0].name);
    snprintf(field(st, NX_NEW_PRIORITY)->value, NX_VALUE_MAX, "routine");
    /* start at the first part still to choose */
    int focus = NX_NEW_PATIENT;
    for (int i = NX_NEW_CLIENT; i >= 0; i--)
        if (!st->fm.f[i].value[0])
            focus = i;
    tui_form_focus(&st->fm, focus);
    st->matching = -1;
    s->st = st;
    count_matches(st, a);
    return 0;
}

static void newitem_close(tui_screen *s, tui_app *a)
{
    (void)a;
    new_st *st = s->st;
    if (!st)
        return;
    tui_form_free(&st->fm);
    tui_wipe(st, sizeof *st);
    free(st);
    s->st = NULL;
}

static void newitem_suspend(tui_screen *s, tui_app *a)
{
    (void)a;
    new_st *st = s->st;
    st->focus_kept = st->fm.focus;
    forget_pick(st);
    tui_wipe(field(st, NX_NEW_PATIENT)->value, NX_VALUE_MAX);
    tui_wipe(st->typed, sizeof st->typed);
    memset(&st->fm.edit, 0, sizeof st->fm.edit);
}

static int newitem_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    new_st *st = s->st;
    if (st->patient_id[0]) {
        nx_new_patient p;
        if (nx_new_patient_get(&a->session, st->patient_id, &p, err, errlen) == 1)
            show_patient(st, &p);
        else
            st->patient_id[0] = '\0';
        nx_new_patients_wipe(&p, 1);
    }
    tui_form_focus(&st->fm, st->focus_kept);
    count_matches(st, a);
    return 0;
}

/* ---- picking the patient ---------------------------------------------------------- */

static void picked(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)text;
    new_st *st = ctx;
    if (ok && choice >= 0 && choice < st->npick) {
        show_patient(st, &st->pick[choice]);
        tui_form_focus(&st->fm, NX_NEW_PRIORITY);
    }
    forget_pick(st);
    (void)a;
}

/* src into dst (a menu line), cut at a character boundary when too long. */
static void fit_utf8(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Enter on the patient field: the one patient the name finds is taken;
 * several are offered in a list; none is said at the field. 1 when the
 * focus may move on. */
static int pick_patient(new_st *st, tui_app *a)
{
    tui_field *f = field(st, NX_NEW_PATIENT);
    if (st->patient_id[0] || !f->value[0])
        return 1;
    const nx_new_client *c = client_of(st);
    if (!c) {
        snprintf(f->error, sizeof f->error, "Patient: choose the client first");
        return 0;
    }
    char err[256] = "";
    forget_pick(st);
    int n = nx_new_patients(&a->session, c->id, f->value, st->pick, PICK_MAX, err, sizeof err);
    if (n < 0) {
        snprintf(f->error, sizeof f->error, "Patient: %s", err);
        return 0;
    }
    if (n == 0) {
        snprintf(f->error, sizeof f->error, "Patient: no patient of %.60s has a name that "
                 "begins so", c->name);
        return 0;
    }
    if (n == 1) {
        show_patient(st, &st->pick[0]);
        forget_pick(st);
        return 1;
    }
    st->npick = n < PICK_MAX ? n : PICK_MAX;
    const char *items[PICK_MAX];
    char labels[PICK_MAX][80], line[NX_NEW_NAME_MAX + 48];
    for (int i = 0; i < st->npick; i++) {
        if (st->pick[i].born[0])
            snprintf(line, sizeof line, "%s \xc2\xb7 born %s", st->pick[i].name,
                     st->pick[i].born);
        else
            snprintf(line, sizeof line, "%s", st->pick[i].name);
        fit_utf8(labels[i], sizeof labels[0], line);
        items[i] = labels[i];
    }
    tui_wipe(line, sizeof line);
    char title[96];
    if (n > st->npick)
        snprintf(title, sizeof title, "Which patient? (the first %d of %d: type more)",
                 st->npick, n);
    else
        snprintf(title, sizeof title, "Which patient? (%d)", n);
    tui_menu(a, title, items, st->npick, 0, picked, st);
    tui_wipe(labels, sizeof labels);
    return 0;
}

/* ---- creating ------------------------------------------------------------------------- */

static void create(new_st *st, tui_app *a)
{
    nx_new_request r = { .kind = kind_of(st) };
    const nx_new_client *c = client_of(st);
    if (c)
        snprintf(r.client_id, sizeof r.client_id, "%s", c->id);
    snprintf(r.patient_id, sizeof r.patient_id, "%s", st->patient_id);
    const char *prio = field(st, NX_NEW_PRIORITY)->value;
    r.priority = strcmp(prio, "urgent") == 0 ? 1 : strcmp(prio, "routine") == 0 ? 0 : -1;
    nx_new_problems p;
    char id[NX_ID_MAX], err[512] = "";
    int rc = nx_new_item(&a->session, &r, &p, id, err, sizeof err);
    for (int i = 0; i < NX_NEW_NFIELDS; i++)
        snprintf(st->fm.f[i].error, sizeof st->fm.f[i].error, "%s", rc == 1 ? p.msg[i] : "");
    if (rc == 1) {
        /* a text the list does not hold names no client or kind */
        if (!c && field(st, NX_NEW_CLIENT)->value[0])
            snprintf(field(st, NX_NEW_CLIENT)->error, sizeof field(st, NX_NEW_CLIENT)->error,
                     "Client: not one of the list (Space steps through them)");
        tui_form_focus(&st->fm, p.first);
        tui_msg(a, TUI_EL_ERROR, "Not created: %d field%s to correct (marked !).", p.n,
                p.n == 1 ? "" : "s");
        return;
    }
    if (rc != 0) {
        tui_msg(a, TUI_EL_ERROR, "Not created: %s", err[0] ? err : "the item could not be made.");
        return;
    }
    /* The new item's own form replaces this one. */
    tui_pop(a);   /* frees st */
    if (tui_push(a, &nx_scr_item, id) == 0)
        tui_msg(a, TUI_EL_INFO, "Item %.8s created and assigned to you; fill in its fields, "
                "F2 saves.", id);
}

static void leave_confirmed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)ctx;
    (void)choice;
    (void)text;
    if (ok)
        tui_pop(a);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void move_focus(new_st *st, tui_app *a, int by)
{
    if (by > 0 && st->fm.focus == NX_NEW_PATIENT && !pick_patient(st, a))
        return;
    int n = st->fm.n;
    tui_form_focus(&st->fm, (st->fm.focus + by + n) % n);
}

static int anything_typed(const new_st *st)
{
    return tui_form_dirty(&st->fm) || st->patient_id[0];
}

static int newitem_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    new_st *st = s->st;
    switch (req) {
    case REQ_NEXT_FIELD:
        move_focus(st, a, 1);
        return TUI_REDRAW;
    case REQ_PREV_FIELD:
        move_focus(st, a, -1);
        return TUI_REDRAW;
    case REQ_MOVE_FIRST:
    case REQ_MOVE_LAST:
        tui_form_key(&st->fm, TUI_KEY_FN + (req == REQ_MOVE_FIRST ? KEY_HOME : KEY_END));
        return TUI_REDRAW;
    case REQ_SAVE:
        create(st, a);
        return TUI_REDRAW;
    case REQ_CANCEL:
    case REQ_BACK:
        if (anything_typed(st)) {
            tui_confirm(a, "Leave without creating the item?", "What you chose here is "
                        "discarded.\n(n stays here; F2 creates the item.)", leave_confirmed, st);
            return TUI_REDRAW;
        }
        return TUI_POP;
    case REQ_ADD_NOTE:
    case REQ_STATUS_STEP:
    case REQ_REVEAL:
    case REQ_HISTORY:
        tui_msg(a, TUI_EL_HINT, "F2 creates the item first; its own form then has notes, "
                "steps and history.");
        return TUI_REDRAW;
    case REQ_NONE: {
        int focus = st->fm.focus;
        int r = tui_form_key(&st->fm, key);
        if (r == 1) {
            if (focus == NX_NEW_PATIENT && strcmp(st->typed, st->fm.f[focus].value) != 0) {
                /* the name changed: the patient is chosen again */
                st->patient_id[0] = '\0';
                snprintf(st->typed, sizeof st->typed, "%s", st->fm.f[focus].value);
            }
            if (focus == NX_NEW_CLIENT) {
                st->patient_id[0] = '\0';   /* a patient belongs to one client */
                st->fm.f[NX_NEW_PATIENT].value[0] = '\0';
                st->typed[0] = '\0';
            }
            if (focus == NX_NEW_PATIENT || focus == NX_NEW_CLIENT)
                count_matches(st, a);
        }
        return r == -1 ? TUI_DONE : TUI_REDRAW;
    }
    default:
        return TUI_UNUSED;
    }
}

/* ---- drawing ------------------------------------------------------------------------- */

static void newitem_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    new_st *st = s->st;
    int rows, cols;
    getmaxyx(w, rows, cols);
    char line[512];
    int k = kind_of(st);
    snprintf(line, sizeof line, " New %s item \xc2\xb7 it is assigned to you, in the kind's "
             "first status", k >= 0 ? nx_kind_name((nx_kind)k) : "work");
    tui_put(a, w, 0, 0, cols, TUI_EL_HEADER, line);
    const nx_field_def *d = st->fm.f[st->fm.focus].def;
    snprintf(line, sizeof line, " %s: %s", d->label, d->help);
    tui_put(a, w, 1, 0, cols, TUI_EL_HINT, line);
    tui_rect r = { 3, 0, rows - 7 > 4 ? rows - 7 : 4, cols };
    int cy = -1, cx = -1;
    tui_form_draw(&st->fm, w, &r, &a->theme, &cy, &cx);
    if (cy >= 0 && !a->dlg.kind)
        tui_set_cursor(a, w, cy, cx);
    int y = rows - 3;
    const nx_new_client *c = client_of(st);
    if (st->patient_id[0])
        snprintf(line, sizeof line, " Patient chosen: F2 creates the item and opens its form.");
    else if (!c)
        snprintf(line, sizeof line, " Choose the client: its patients are the ones to pick from.");
    else if (st->matching >= 0)
        snprintf(line, sizeof line, " %d patient%s of %.60s match%s; Enter on the name picks.",
                 st->matching, st->matching == 1 ? "" : "s", c->name,
                 st->matching == 1 ? "es" : "");
    else
        snprintf(line, sizeof line, " Type the start of the patient's name, then Enter.");
    tui_put(a, w, y, 0, cols, TUI_EL_NORMAL, line);
    tui_put(a, w, y + 1, 0, cols, TUI_EL_HINT,
            " New patients come from the client's records through the hub, not from here.");
}

static void newitem_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    new_st *st = s->st;
    snprintf(l, ll, "new item");
    snprintf(r, rl, "field %d of %d", st->fm.focus + 1, st->fm.n);
}

static const tui_hint newitem_hints[] = {
    { REQ_SAVE, "create" }, { REQ_NEXT_FIELD, "next field" }, { REQ_HELP, "help" },
    { REQ_CANCEL, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_newitem = {
    .name = "newitem",
    .ctx = TUI_CTX_FORM,
    .text_entry = 1,
    .open = newitem_open,
    .close = newitem_close,
    .suspend = newitem_suspend,
    .resume = newitem_resume,
    .draw = newitem_draw,
    .handle = newitem_handle,
    .title = newitem_title,
    .hints = newitem_hints,
};
