/* screens/patreq — taking in a patient's request (seed 000 §6.15): F7 on
 * a work item opens it for the item's patient. Type (access, amendment,
 * restriction, confidential communications, accounting of disclosures,
 * complaint), when it came in (in the client's zone), by which channel,
 * how the requester's identity was checked and whether it passed, whether
 * a personal representative asked, and what was asked.
 *
 * The bottom lines show what filing it starts: the 2-business-day clock
 * to route it to the client, in the client's calendar, and the covered
 * entity's own deadline; and, for a restriction or a confidential-
 * communication request, that the patient is flagged at once (no SMS or
 * email; a warning before disclosing) on this laptop and, after the next
 * sync, on every laptop holding the patient. F2 takes it in through core
 * (nx_session_patreq_take). What was typed is kept as an encrypted draft
 * under "pr:ITEM" (screens/pform: every 30 s, at a lock, at a hang-up),
 * the texts wiped from memory while locked; taken in or left, it goes. */
#include "screens/pform.h"
#include "session/session_privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_TYPE, F_RECEIVED, F_CHANNEL, F_IDM, F_IDV, F_REP, F_SUMMARY, F_NOTE, F_COUNT };

static const char *const yes_no_ids[] = { "yes", "no", NULL };

static const nx_field_def defs[F_COUNT] = {
    [F_TYPE] = { .id = "type", .label = "Type", .type = NX_FT_CHOICE,
                 .choices = nx_patreq_type_ids,
                 .help = "access, amendment, restriction, confidential-comm, accounting, "
                         "complaint (Space: next)" },
    [F_RECEIVED] = { .id = "received_at", .label = "Received at", .type = NX_FT_DATETIME,
                     .help = "YYYY-MM-DD HH:MM in the client's zone: the clocks run from this "
                             "day" },
    [F_CHANNEL] = { .id = "channel", .label = "Came by", .type = NX_FT_CHOICE,
                    .choices = nx_patreq_channels, .help = "How the request reached you" },
    [F_IDM] = { .id = "id_method", .label = "Identity checked by", .type = NX_FT_CHOICE,
                .choices = nx_patreq_id_methods,
                .help = "How the requester's identity was checked (not-verified: it was not)" },
    [F_IDV] = { .id = "id_verified", .label = "Identity verified", .type = NX_FT_CHOICE,
                .choices = yes_no_ids, .help = "yes: the check passed" },
    [F_REP] = { .id = "representative", .label = "Asked by a representative", .type = NX_FT_BOOL,
                .help = "yes: a personal representative asked for the patient" },
    [F_SUMMARY] = { .id = "summary", .label = "What was asked", .type = NX_FT_LONGTEXT,
                    .max = NX_PR_SUMMARY_MAX,
                    .help = "In the requester's terms; no more detail than the client needs" },
    [F_NOTE] = { .id = "note", .label = "Note", .type = NX_FT_TEXT, .max = NX_PR_NOTE_MAX,
                 .help = "Anything the client should know when it is routed" },
};
static const int required[F_COUNT] = {
    [F_TYPE] = 1, [F_RECEIVED] = 1, [F_CHANNEL] = 1, [F_IDM] = 1, [F_IDV] = 1,
};

typedef struct {
    pform pf;
    char item_id[NX_ID_MAX];
    char tz[64];
} pr_st;

static void from_form(pr_st *st, nx_patreq *p)
{
    pform *f = &st->pf;
    nx_patreq_init(p);
    snprintf(p->type, sizeof p->type, "%s", pform_value(f, "type"));
    p->received_at = pform_time(st->tz, pform_value(f, "received_at"));
    snprintf(p->channel, sizeof p->channel, "%s", pform_value(f, "channel"));
    snprintf(p->id_method, sizeof p->id_method, "%s", pform_value(f, "id_method"));
    p->id_verified = strcmp(pform_value(f, "id_verified"), "yes") == 0;
    p->representative = strcmp(pform_value(f, "representative"), "yes") == 0;
    snprintf(p->summary, sizeof p->summary, "%s", pform_value(f, "summary"));
    snprintf(p->note, sizeof p->note, "%s", pform_value(f, "note"));
}

static int pr_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    pr_st *st = calloc(1, sizeof *st);
    nx_patreq p;
    if (!st || pform_open(&st->pf, defs, required, F_COUNT) != 0) {
        free(st);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(st->item_id, sizeof st->item_id, "%s", arg ? (const char *)arg : "");
    if (nx_session_patreq_prefill(&a->session, st->item_id, &p, err, errlen) != 0) {
        pform_close(&st->pf);
        free(st);
        return -1;
    }
    snprintf(st->tz, sizeof st->tz, "%s", p.tz);
    char t[32];
    pform_time_text(st->tz, tui_now(a) / 60 * 60, t, sizeof t);
    pform_set(&st->pf, "received_at", t);
    pform_set(&st->pf, "channel", "phone");
    nx_patreq_wipe(&p);
    pform_draft_key("pr:", st->item_id, st->pf.draft, sizeof st->pf.draft);
    st->pf.what = "request";
    st->pf.size = sizeof *st;
    pform_draft_open(&st->pf, a);
    s->st = st;
    return 0;
}

static void save(pr_st *st, tui_app *a)
{
    if (pform_check(&st->pf) != 0) {
        tui_msg(a, TUI_EL_ERROR, "Not taken in: correct the fields marked !.");
        return;
    }
    nx_patreq p;
    from_form(st, &p);
    char err[512] = "", id[40] = "";
    int rc = nx_session_patreq_take(&a->session, st->item_id, &p, id, err, sizeof err);
    const char *flag = nx_patreq_flag(p.type);
    nx_patreq_wipe(&p);
    if (rc != 0) {
        if (pform_error_at(&st->pf, err) == 0)
            tui_msg(a, TUI_EL_ERROR, "Not taken in: correct the field marked !.");
        else
            tui_msg(a, TUI_EL_ERROR, "Not taken in: %s", err);
        return;
    }
    char k[32];
    if (tui_keymap_keys_for(&a->km, TUI_CTX_GENERIC, 0, REQ_VIEW_REQUESTS, k, sizeof k) < 1)
        snprintf(k, sizeof k, "view-requests");
    tui_msg(a, TUI_EL_INFO, "Taken in%s. Route it in 2 business days (%s).",
            flag ? strcmp(flag, "restriction") == 0 ? ", patient flagged: restriction"
                                                    : ", patient flagged: no SMS/email"
                 : "", k);
    pform_draft_drop(&st->pf, a);
    tui_pop(a);   /* frees st */
}

static void leave_confirmed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    pr_st *st = ctx;
    if (!ok)
        return;
    pform_draft_drop(&st->pf, a);
    tui_pop(a);
}

static int pr_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    pr_st *st = s->st;
    switch (req) {
    case REQ_SAVE:
        save(st, a);
        return TUI_REDRAW;
    case REQ_PATIENT_REQUEST:
        return TUI_DONE;
    case REQ_CANCEL:
    case REQ_BACK:
        if (tui_form_dirty(&st->pf.fm)) {
            tui_confirm(a, "Leave the request?", "It is not taken in and will be discarded.\n"
                        "(n stays here; F2 takes it in.)", leave_confirmed, st);
            return TUI_REDRAW;
        }
        return TUI_POP;
    default:
        return pform_key(&st->pf, a, req, key);
    }
}

static void pr_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    pr_st *st = s->st;
    tui_rect body = { 0, 0, 0, 0 };
    getmaxyx(w, body.h, body.w);
    tui_form_layout L;
    tui_form_relayout(&L, &body, 0);
    L.fields.h -= 1;           /* one more line at the bottom: the flag */
    char line[512];
    snprintf(line, sizeof line, " Patient request \xc2\xb7 item %.16s \xc2\xb7 the client's zone: %s",
             st->item_id, st->tz);
    tui_put(a, w, L.header.y, 0, L.header.w, TUI_EL_HEADER, line);
    const nx_field_def *d = st->pf.fm.f[st->pf.fm.focus].def;
    snprintf(line, sizeof line, " %s: %s", d->label, d->help ? d->help : "");
    tui_put(a, w, L.header.y + 1, 0, L.header.w, TUI_EL_HINT, line);
    if (L.fields.h > 0)
        pform_draw(&st->pf, a, w, &L.fields);

    /* What taking it in starts, from the type and time typed. */
    nx_patreq p;
    from_form(st, &p);
    char err[256] = "";
    int ok = p.type[0] && p.received_at > 0;
    if (ok) {
        /* preview needs a channel and a method to validate: any will do */
        if (!p.channel[0])
            snprintf(p.channel, sizeof p.channel, "phone");
        if (!p.id_method[0])
            snprintf(p.id_method, sizeof p.id_method, "callback");
        ok = nx_session_patreq_preview(&a->session, st->item_id, &p, err, sizeof err) == 0;
    }
    if (!ok) {
        tui_put(a, w, L.actions.y - 1, 0, L.actions.w, TUI_EL_AT_RISK,
                " Choose the type and when it came in: the clocks run from that day.");
    } else {
        nx_patreq_clocks c;
        nx_patreq_clocks_at(&p, tui_now(a), &c);
        char r1[64], r2[64];
        tui_elem e1, e2;
        pform_deadline(&c.routing, st->tz, r1, sizeof r1, &e1);
        pform_deadline(&c.ce, st->tz, r2, sizeof r2, &e2);
        int ext = 0, days = nx_patreq_ce_days(p.type, &ext);
        int x = 0;
        snprintf(line, sizeof line, " Route within 2 business days: ");
        tui_put(a, w, L.actions.y - 1, x, L.actions.w, TUI_EL_NORMAL, line);
        x += tui_text_width(line);
        tui_put(a, w, L.actions.y - 1, x, L.actions.w - x, e1, r1);
        x += tui_text_width(r1);
        if (days > 0)
            snprintf(line, sizeof line, " \xc2\xb7 answer in %d days%s", days,
                     ext ? " (+30 once)" : "");
        else
            snprintf(line, sizeof line, " \xc2\xb7 answer: none in the seeds");
        if (x < L.actions.w)
            tui_put(a, w, L.actions.y - 1, x, L.actions.w - x, TUI_EL_NORMAL, line);
    }
    const char *flag = nx_patreq_flag(p.type);
    if (flag)
        tui_put(a, w, L.actions.y, 0, L.actions.w, TUI_EL_URGENT,
                strcmp(flag, "restriction") == 0
                    ? " Flags the patient at once: RESTRICTION - check before disclosing."
                    : " Flags the patient at once: CONFIDENTIAL COMMUNICATION - no SMS or email.");
    nx_patreq_wipe(&p);
}

static void pr_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    pr_st *st = s->st;
    snprintf(l, ll, "patient request (item %.16s)", st->item_id);
    snprintf(r, rl, "field %d of %d%s", st->pf.fm.focus + 1, st->pf.fm.n,
             tui_form_dirty(&st->pf.fm) ? " \xc2\xb7 unsaved" : "");
}

static const tui_hint pr_hints[] = {
    { REQ_SAVE, "take in" }, { REQ_NEXT_FIELD, "next" }, { REQ_HELP, "help" },
    { REQ_CANCEL, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_patreq = {
    .name = "patient-request",
    .ctx = TUI_CTX_FORM,
    .text_entry = 1,
    .open = pr_open,
    .close = pform_screen_close,
    .suspend = pform_screen_suspend,
    .resume = pform_screen_resume,
    .tick = pform_screen_tick,
    .draw = pr_draw,
    .handle = pr_handle,
    .title = pr_title,
    .hints = pr_hints,
};
