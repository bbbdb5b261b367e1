/* screens/pform — the plain form of the incident report and the patient
 * request intake (pform.h): the form widget over field definitions of
 * their own, the dictionary's checks, and the clocks drawn in words. */
#include "screens/pform.h"
#include "domain/deadlines.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pform_open(pform *p, const nx_field_def *defs, const int *required, int n)
{
    if (tui_form_alloc(&p->fm, n) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        p->fm.f[i].def = &defs[i];
        p->fm.f[i].state = TUI_FV_EDIT;
        p->fm.f[i].required = required ? required[i] : 0;
    }
    tui_form_focus(&p->fm, 0);
    return 0;
}

void pform_close(pform *p)
{
    tui_form_free(&p->fm);
}

tui_field *pform_field(pform *p, const char *id)
{
    for (int i = 0; i < p->fm.n; i++)
        if (strcmp(p->fm.f[i].def->id, id) == 0)
            return &p->fm.f[i];
    return NULL;
}

const char *pform_value(pform *p, const char *id)
{
    tui_field *f = pform_field(p, id);
    return f ? f->value : "";
}

void pform_set(pform *p, const char *id, const char *value)
{
    tui_field *f = pform_field(p, id);
    if (f) {
        snprintf(f->value, sizeof f->value, "%s", value ? value : "");
        if (f == &p->fm.f[p->fm.focus])
            tui_form_focus(&p->fm, p->fm.focus);
    }
}

int pform_key(pform *p, tui_app *a, int req, tui_key key)
{
    (void)a;
    int n = p->fm.n, at = p->fm.focus;
    switch (req) {
    case REQ_NEXT_FIELD:
        tui_form_focus(&p->fm, (at + 1) % (n ? n : 1));
        return TUI_REDRAW;
    case REQ_PREV_FIELD:
        tui_form_focus(&p->fm, (at + n - 1) % (n ? n : 1));
        return TUI_REDRAW;
    case REQ_PAGE_DOWN:
        tui_form_focus(&p->fm, at + 10);
        return TUI_REDRAW;
    case REQ_PAGE_UP:
        tui_form_focus(&p->fm, at - 10);
        return TUI_REDRAW;
    case REQ_MOVE_FIRST:
    case REQ_MOVE_LAST:
        tui_form_key(&p->fm, TUI_KEY_FN + (req == REQ_MOVE_FIRST ? KEY_HOME : KEY_END));
        return TUI_REDRAW;
    case REQ_NONE:
        return tui_form_key(&p->fm, key) == -1 ? TUI_DONE : TUI_REDRAW;
    default:
        return TUI_UNUSED;
    }
}

int pform_check(pform *p)
{
    int bad = 0, first = -1;
    char canon[NX_VALUE_MAX];
    for (int i = 0; i < p->fm.n; i++) {
        tui_field *f = &p->fm.f[i];
        f->error[0] = '\0';
        const char *why = NULL;
        if (f->required && !f->value[0])
            why = "required";
        else
            why = nx_dict_check(f->def, f->value, canon, sizeof canon);
        if (why) {
            snprintf(f->error, sizeof f->error, "%s", why);
            bad++;
            if (first < 0)
                first = i;
        } else {
            memcpy(f->value, canon, sizeof f->value);
        }
    }
    explicit_bzero(canon, sizeof canon);
    if (first >= 0)
        tui_form_focus(&p->fm, first);
    else
        tui_form_focus(&p->fm, p->fm.focus);
    return bad;
}

static int starts_with_ci(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    if (!n || strlen(s) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i]))
            return 0;
    return 1;
}

int pform_error_at(pform *p, const char *msg)
{
    for (int i = 0; i < p->fm.n; i++) {
        tui_field *f = &p->fm.f[i];
        char id_words[64];
        snprintf(id_words, sizeof id_words, "%s", f->def->id);
        for (char *c = id_words; *c; c++)
            if (*c == '_')
                *c = ' ';
        /* "discovered at is in the future", "describe what happened
         * (description)": the field's words at the start, or its id in
         * brackets at the end. */
        char tail[72];
        snprintf(tail, sizeof tail, "(%s)", id_words);
        const char *paren = strrchr(msg, '(');
        if (starts_with_ci(msg, f->def->label) || starts_with_ci(msg, id_words) ||
            (paren && starts_with_ci(paren, tail))) {
            snprintf(f->error, sizeof f->error, "%s", msg);
            tui_form_focus(&p->fm, i);
            return 0;
        }
    }
    return -1;
}

void pform_draw(pform *p, tui_app *a, WINDOW *w, const tui_rect *r)
{
    int cy = -1, cx = -1;
    tui_form_draw(&p->fm, w, r, &a->theme, &cy, &cx);
    if (cy >= 0 && !a->dlg.kind)
        tui_set_cursor(a, w, cy, cx);
}

int pform_wipe_text(pform *p)
{
    int n = 0;
    for (int i = 0; i < p->fm.n; i++) {
        tui_field *f = &p->fm.f[i];
        if (f->def->type != NX_FT_TEXT && f->def->type != NX_FT_LONGTEXT)
            continue;
        n += f->value[0] != 0;
        explicit_bzero(f->value, sizeof f->value);
        f->error[0] = '\0';
    }
    tui_form_focus(&p->fm, p->fm.focus);
    return n;
}

int pform_draft_keep(pform *p, tui_app *a, char *err, size_t errlen)
{
    const char *key = p->draft;
    if (!key[0])
        return nx_err(err, errlen, "no place to keep this form's draft");
    nx_draft_field df[64];
    int fresh = 0;
    size_t n = tui_form_draft_fields(&p->fm, df, 64, &fresh);
    if (n && !fresh)
        return 0;              /* the draft holds it already */
    int rc = n ? nx_form_draft_save(&a->profile, key, df, n, tui_now(a), err, errlen)
               : nx_form_draft_discard(&a->profile, key, err, errlen);
    if (rc == 0)
        tui_form_drafted(&p->fm);
    p->kept_ms = tui_mono_ms(a);
    return rc;
}

void pform_draft_open(pform *p, tui_app *a)
{
    char err[256];
    int n = pform_draft_restore(p, a, err, sizeof err);
    if (n > 0)
        tui_msg(a, TUI_EL_AT_RISK, "The %s you had started is back from its draft.", p->what);
    else if (n < 0)
        tui_msg(a, TUI_EL_ERROR, "The draft of this %s could not be read: %s", p->what, err);
}

void pform_screen_close(tui_screen *s, tui_app *a)
{
    (void)a;
    pform *p = s->st;
    if (!p)
        return;
    size_t size = p->size;
    pform_close(p);
    tui_wipe(p, size);
    free(p);
    s->st = NULL;
}

void pform_screen_suspend(tui_screen *s, tui_app *a)
{
    pform *p = s->st;
    char err[256];
    p->unkept = pform_draft_keep(p, a, err, sizeof err) != 0;
    pform_wipe_text(p);
}

int pform_screen_resume(tui_screen *s, tui_app *a, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    pform *p = s->st;
    if (p->unkept)
        tui_msg(a, TUI_EL_AT_RISK, "The texts typed were wiped at the lock: type them again.");
    else
        pform_draft_open(p, a);
    p->unkept = 0;
    return 0;
}

void pform_screen_tick(tui_screen *s, tui_app *a)
{
    pform *p = s->st;
    if (!p->draft[0] || tui_mono_ms(a) - p->kept_ms < 30000)
        return;
    char err[256];
    if (pform_draft_keep(p, a, err, sizeof err) != 0)
        tui_msg(a, TUI_EL_ERROR, "The draft could not be kept: %s", err);
}

int pform_draft_restore(pform *p, tui_app *a, char *err, size_t errlen)
{
    const char *key = p->draft;
    if (!key[0])
        return 0;
    int n = nx_form_draft_load(&a->profile, key, tui_form_draft_value, &p->fm, err, errlen);
    if (n > 0)
        tui_form_drafted(&p->fm);
    tui_form_focus(&p->fm, p->fm.focus);
    return n;
}

void pform_draft_drop(pform *p, tui_app *a)
{
    char err[256];
    if (p->draft[0])
        (void)nx_form_draft_discard(&a->profile, p->draft, err, sizeof err);
}

void pform_draft_key(const char *prefix, const char *id, char *out, size_t len)
{
    int n = snprintf(out, len, "%s%s", prefix, id);
    if (n < 0 || (size_t)n >= len || n >= 64)
        out[0] = '\0';        /* too long for a key: kept in memory only */
}

int64_t pform_time(const char *tz, const char *text)
{
    if (!text || !text[0])
        return 0;
    int64_t t = 0;
    char err[128];
    return nx_local_parse(tz, text, &t, err, sizeof err) == 0 ? t : -1;
}

void pform_time_text(const char *tz, int64_t t, char *out, size_t len)
{
    char err[128];
    if (!t || nx_local_format(tz, t, out, len, err, sizeof err) != 0)
        snprintf(out, len, "%s", t ? "?" : "");
}

/* "Sat 28 18:30" in tz. */
static void short_time(const char *tz, int64_t t, char *out, size_t len)
{
    static const char *const days[] = { "", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    nx_local l;
    char err[128];
    if (nx_clock_local(tz, t, &l, err, sizeof err) != 0) {
        snprintf(out, len, "?");
        return;
    }
    snprintf(out, len, "%s %02d %02d:%02d", days[l.weekday], l.day, l.hour, l.minute);
}

void pform_deadline(const nx_deadline *d, const char *tz, char *out, size_t len, tui_elem *e)
{
    char due[32], done[32];
    short_time(tz, d->due, due, sizeof due);
    short_time(tz, d->done, done, sizeof done);
    *e = TUI_EL_NORMAL;
    switch (d->state) {
    case NX_DL_NONE:
        snprintf(out, len, "-");
        break;
    case NX_DL_RUNNING:
        snprintf(out, len, "due %s", due);
        break;
    case NX_DL_LATE:
        snprintf(out, len, "LATE since %s", due);
        *e = TUI_EL_OVERDUE;
        break;
    case NX_DL_MET:
        snprintf(out, len, "met %s", done);
        break;
    case NX_DL_MET_LATE:
        snprintf(out, len, "LATE: met %s", done);
        *e = TUI_EL_OVERDUE;
        break;
    }
}

void pform_deadline_short(const nx_deadline *d, const char *tz, int dates, char *out,
                          size_t len, tui_elem *e)
{
    static const char *const days[] = { "", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    char due[24] = "?";
    nx_local l;
    char err[128];
    if (d->due && nx_clock_local(tz, d->due, &l, err, sizeof err) == 0) {
        if (dates)
            snprintf(due, sizeof due, "%02d-%02d", l.month, l.day);
        else
            snprintf(due, sizeof due, "%s %02d:%02d", days[l.weekday], l.hour, l.minute);
    }
    *e = nx_deadline_is_late(d->state) ? TUI_EL_OVERDUE : TUI_EL_NORMAL;
    switch (d->state) {
    case NX_DL_NONE:
        snprintf(out, len, "-");
        break;
    case NX_DL_RUNNING:
        snprintf(out, len, "due %s", due);
        break;
    case NX_DL_LATE:
        snprintf(out, len, "LATE %s", due);
        break;
    case NX_DL_MET:
        snprintf(out, len, "met");
        break;
    case NX_DL_MET_LATE:
        snprintf(out, len, "met, LATE");
        break;
    }
}
