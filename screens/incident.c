/* screens/incident — the incident report form (seed 000 App. B): F8 from
 * any screen, C-x on a faxed item (a mis-fax, pre-filled with the item's
 * client and linked to it), `e` on an incident (the reporter's correction
 * until an officer takes it, or an officer's). Type, when it occurred and
 * when it was discovered (in this laptop's zone), what happened, the
 * information involved (a checklist), how many people, who received it,
 * what was done at once, and the client / covered entity / prime vendor.
 *
 * The bottom line shows the two clocks from the discovery time typed:
 * the report to the privacy officer within 24 h and the preliminary
 * assessment within 48 h, in words and color (LATE). F2 files it through
 * core (nx_session_incident_file): saved encrypted with its sync op, so
 * it is filed offline too and reaches the officers with the next sync.
 *
 * What was typed is kept as an encrypted draft (screens/pform: every 30 s,
 * at a lock and at a hang-up, under "inc:new", "inc:item:ITEM" or
 * "inc:RECORD" for a correction), the texts are wiped from memory at the
 * lock and come back from the draft at the unlock; a report opened again
 * after a crash starts from its draft. Filed or left, the draft goes. */
#include "screens/pform.h"
#include "session/session_privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_TYPE, F_OCCURRED, F_DISCOVERED, F_DESCRIPTION,
    F_INFO0, F_INFO_LAST = F_INFO0 + NX_INC_INFO_COUNT - 1,
    F_INFO_OTHER, F_PEOPLE, F_RECIPIENT, F_MITIGATION, F_CLIENT, F_CE, F_VENDOR, F_COUNT
};

#define TEXT_(n) .type = NX_FT_TEXT, .max = (n)
#define LONG_(n) .type = NX_FT_LONGTEXT, .max = (n)

static const nx_field_def info_defs[NX_INC_INFO_COUNT] = {
    { .id = "info_name", .label = "Involved: name", .type = NX_FT_BOOL,
      .help = "yes: names were in what went astray" },
    { .id = "info_ssn", .label = "Involved: SSN", .type = NX_FT_BOOL,
      .help = "yes: Social Security numbers were involved" },
    { .id = "info_dob", .label = "Involved: date of birth", .type = NX_FT_BOOL,
      .help = "yes: dates of birth were involved" },
    { .id = "info_address", .label = "Involved: address", .type = NX_FT_BOOL,
      .help = "yes: addresses were involved" },
    { .id = "info_account", .label = "Involved: account no.", .type = NX_FT_BOOL,
      .help = "yes: account, member or policy numbers were involved" },
    { .id = "info_diagnosis", .label = "Involved: diagnosis", .type = NX_FT_BOOL,
      .help = "yes: diagnoses, treatment or other clinical detail were involved" },
    { .id = "info_other", .label = "Involved: other", .type = NX_FT_BOOL,
      .help = "yes: other information (say which below)" },
};

static nx_field_def defs[F_COUNT];
static int required[F_COUNT];

static void init_defs(void)
{
    if (defs[0].id)
        return;
    defs[F_TYPE] = (nx_field_def){ .id = "type", .label = "Type", .type = NX_FT_CHOICE,
                                   .choices = nx_incident_type_ids,
                                   .help = "mis-fax, misdirected (email/SMS), lost-device, "
                                           "suspicious-access, other (Space: next)" };
    defs[F_OCCURRED] = (nx_field_def){ .id = "occurred_at", .label = "Occurred at",
                                       .type = NX_FT_DATETIME,
                                       .help = "YYYY-MM-DD HH:MM, when it happened (empty: "
                                               "not known)" };
    defs[F_DISCOVERED] = (nx_field_def){ .id = "discovered_at", .label = "Discovered at",
                                         .type = NX_FT_DATETIME,
                                         .help = "YYYY-MM-DD HH:MM: the 24 h and 48 h clocks "
                                                 "run from here" };
    defs[F_DESCRIPTION] = (nx_field_def){ .id = "description", .label = "What happened",
                                          LONG_(NX_INC_DESC_MAX),
                                          .help = "The facts; no more patient detail than the "
                                                  "officer needs" };
    for (int i = 0; i < NX_INC_INFO_COUNT; i++)
        defs[F_INFO0 + i] = info_defs[i];
    defs[F_INFO_OTHER] = (nx_field_def){ .id = "info_other_text", .label = "Other information",
                                         TEXT_(NX_INC_NAME_MAX),
                                         .help = "What other information was involved" };
    defs[F_PEOPLE] = (nx_field_def){ .id = "people_affected", .label = "People affected",
                                     .type = NX_FT_INT, .min = 0, .max = 100000000,
                                     .help = "How many people's information (empty: not "
                                             "known yet)" };
    defs[F_RECIPIENT] = (nx_field_def){ .id = "recipient", .label = "Received by",
                                        TEXT_(NX_INC_RECIPIENT_MAX),
                                        .help = "The unauthorized recipient, if known" };
    defs[F_MITIGATION] = (nx_field_def){ .id = "mitigation", .label = "Done at once",
                                         LONG_(NX_INC_MITIGATION_MAX),
                                         .help = "Immediate mitigation (asked the recipient "
                                                 "to destroy it, revoked access...)" };
    defs[F_CLIENT] = (nx_field_def){ .id = "client", .label = "Client", TEXT_(NX_INC_NAME_MAX),
                                     .help = "The clinic whose information it was" };
    defs[F_CE] = (nx_field_def){ .id = "covered_entity", .label = "Covered entity",
                                 TEXT_(NX_INC_NAME_MAX),
                                 .help = "The covered entity, when not the client itself" };
    defs[F_VENDOR] = (nx_field_def){ .id = "prime_vendor", .label = "Prime vendor",
                                     TEXT_(NX_INC_NAME_MAX),
                                     .help = "When Nexus works as a subcontractor: the vendor "
                                             "to notify" };
    required[F_TYPE] = required[F_DISCOVERED] = required[F_DESCRIPTION] = 1;
}

typedef struct {
    pform pf;
    char tz[64];
    char item_id[NX_ID_MAX];
    char record_id[40];        /* a correction of this incident; "" a new report */
} inc_st;

/* ---- the form <-> an nx_incident ------------------------------------------------------ */

static void to_form(inc_st *st, const nx_incident *inc)
{
    pform *p = &st->pf;
    char t[32];
    pform_set(p, "type", inc->type);
    pform_time_text(st->tz, inc->occurred_at, t, sizeof t);
    pform_set(p, "occurred_at", t);
    pform_time_text(st->tz, inc->discovered_at, t, sizeof t);
    pform_set(p, "discovered_at", t);
    pform_set(p, "description", inc->description);
    for (int i = 0; i < NX_INC_INFO_COUNT; i++)
        snprintf(p->fm.f[F_INFO0 + i].value, sizeof p->fm.f[0].value, "%s",
                 inc->info & (1u << i) ? "yes" : "");
    pform_set(p, "info_other_text", inc->info_other);
    snprintf(t, sizeof t, "%d", inc->people_affected);
    pform_set(p, "people_affected", inc->people_affected >= 0 ? t : "");
    pform_set(p, "recipient", inc->recipient);
    pform_set(p, "mitigation", inc->mitigation);
    pform_set(p, "client", inc->client);
    pform_set(p, "covered_entity", inc->covered_entity);
    pform_set(p, "prime_vendor", inc->prime_vendor);
    tui_form_focus(&p->fm, 0);
}

static void from_form(inc_st *st, nx_incident *inc)
{
    pform *p = &st->pf;
    snprintf(inc->type, sizeof inc->type, "%s", pform_value(p, "type"));
    inc->occurred_at = pform_time(st->tz, pform_value(p, "occurred_at"));
    inc->discovered_at = pform_time(st->tz, pform_value(p, "discovered_at"));
    snprintf(inc->description, sizeof inc->description, "%s", pform_value(p, "description"));
    inc->info = 0;
    for (int i = 0; i < NX_INC_INFO_COUNT; i++)
        if (strcmp(p->fm.f[F_INFO0 + i].value, "yes") == 0)
            inc->info |= 1u << i;
    snprintf(inc->info_other, sizeof inc->info_other, "%s", pform_value(p, "info_other_text"));
    const char *n = pform_value(p, "people_affected");
    inc->people_affected = n[0] ? atoi(n) : -1;
    snprintf(inc->recipient, sizeof inc->recipient, "%s", pform_value(p, "recipient"));
    snprintf(inc->mitigation, sizeof inc->mitigation, "%s", pform_value(p, "mitigation"));
    snprintf(inc->client, sizeof inc->client, "%s", pform_value(p, "client"));
    snprintf(inc->covered_entity, sizeof inc->covered_entity, "%s",
             pform_value(p, "covered_entity"));
    snprintf(inc->prime_vendor, sizeof inc->prime_vendor, "%s", pform_value(p, "prime_vendor"));
}

/* ---- open / close / lock --------------------------------------------------------------- */

static int inc_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    const nx_scr_incident_arg *in = arg;
    init_defs();
    inc_st *st = calloc(1, sizeof *st);
    nx_incident *inc = calloc(1, sizeof *inc);
    int rc = -1;
    if (!st || !inc || pform_open(&st->pf, defs, required, F_COUNT) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    nx_session_local_zone(st->tz, sizeof st->tz);
    if (in && in->record_id) {
        nx_incident_view *v = calloc(1, sizeof *v);
        int found = v ? nx_session_incident_get(&a->session, in->record_id, v, err, errlen) : -1;
        if (found == 1)
            to_form(st, &v->inc);
        else if (found == 0)
            snprintf(err, errlen, "Incident %s is not held here.", in->record_id);
        if (v)
            nx_incident_view_clear(v);
        free(v);
        if (found != 1)
            goto out;
        snprintf(st->record_id, sizeof st->record_id, "%s", in->record_id);
        pform_draft_key("inc:", st->record_id, st->pf.draft, sizeof st->pf.draft);
    } else {
        if (nx_session_incident_prefill(&a->session, in ? in->item_id : NULL,
                                        in ? in->misfax : 0, inc, err, errlen) != 0)
            goto out;
        /* Discovered: now, to the minute, for the reporter to correct. */
        inc->discovered_at = tui_now(a) / 60 * 60;
        to_form(st, inc);
        if (in && in->item_id)
            snprintf(st->item_id, sizeof st->item_id, "%s", in->item_id);
        if (st->item_id[0])
            pform_draft_key("inc:item:", st->item_id, st->pf.draft, sizeof st->pf.draft);
        else
            snprintf(st->pf.draft, sizeof st->pf.draft, "inc:new");
        /* The type first when it is not given; else what happened. */
        tui_form_focus(&st->pf.fm, inc->type[0] ? F_DESCRIPTION : F_TYPE);
    }
    st->pf.what = "report";
    st->pf.size = sizeof *st;
    pform_draft_open(&st->pf, a);
    s->st = st;
    rc = 0;
out:
    if (inc)
        nx_incident_wipe(inc);
    free(inc);
    if (rc && st) {
        pform_close(&st->pf);
        free(st);
    }
    return rc;
}

/* ---- keys ---------------------------------------------------------------------------------- */

static void save(inc_st *st, tui_app *a)
{
    if (pform_check(&st->pf) != 0) {
        tui_msg(a, TUI_EL_ERROR, "Not filed: correct the fields marked !.");
        return;
    }
    nx_incident *inc = calloc(1, sizeof *inc);
    if (!inc) {
        tui_msg(a, TUI_EL_ERROR, "out of memory");
        return;
    }
    nx_incident_init(inc);
    from_form(st, inc);
    char err[512] = "", id[40] = "";
    int rc = st->record_id[0]
                 ? nx_session_incident_correct(&a->session, st->record_id, inc, err, sizeof err)
                 : nx_session_incident_file(&a->session, inc, st->item_id, id, err, sizeof err);
    nx_incident_wipe(inc);
    free(inc);
    if (rc != 0) {
        if (pform_error_at(&st->pf, err) == 0)
            tui_msg(a, TUI_EL_ERROR, "Not filed: correct the field marked !.");
        else
            tui_msg(a, TUI_EL_ERROR, "Not filed: %s", err);
        return;
    }
    if (st->record_id[0])
        tui_msg(a, TUI_EL_INFO, "Report corrected: the officers get it with the next sync.");
    else
        tui_msg(a, TUI_EL_INFO, "Incident filed: it goes to the privacy officer with the next "
                "sync.");
    pform_draft_drop(&st->pf, a);
    tui_pop(a);   /* frees st */
}

static void leave_confirmed(tui_app *a, void *ctx, int ok, int choice, const char *text)
{
    (void)choice;
    (void)text;
    inc_st *st = ctx;
    if (!ok)
        return;
    pform_draft_drop(&st->pf, a);
    tui_pop(a);
}

static int inc_handle(tui_screen *s, tui_app *a, int req, tui_key key)
{
    inc_st *st = s->st;
    switch (req) {
    case REQ_SAVE:
        save(st, a);
        return TUI_REDRAW;
    case REQ_INCIDENT:
        tui_msg(a, TUI_EL_INFO, "This is the incident report: F2 files it.");
        return TUI_REDRAW;
    case REQ_CANCEL:
    case REQ_BACK:
        if (tui_form_dirty(&st->pf.fm)) {
            tui_confirm(a, "Leave the report?", "What you typed is not filed and will be "
                        "discarded.\n(n stays here; F2 files it.)", leave_confirmed, st);
            return TUI_REDRAW;
        }
        return TUI_POP;
    default:
        return pform_key(&st->pf, a, req, key);
    }
}

/* ---- drawing -------------------------------------------------------------------------------- */

static void inc_draw(tui_screen *s, tui_app *a, WINDOW *w)
{
    inc_st *st = s->st;
    tui_rect body = { 0, 0, 0, 0 };
    getmaxyx(w, body.h, body.w);
    tui_form_layout L;
    tui_form_relayout(&L, &body, 0);
    char line[512];
    snprintf(line, sizeof line, " %s \xc2\xb7 times in %s%s%.12s",
             st->record_id[0] ? "Correcting an incident report" : "Incident report", st->tz,
             st->item_id[0] ? " \xc2\xb7 about item " : "", st->item_id);
    tui_put(a, w, L.header.y, 0, L.header.w, TUI_EL_HEADER, line);
    const nx_field_def *d = st->pf.fm.f[st->pf.fm.focus].def;
    snprintf(line, sizeof line, " %s: %s", d->label, d->help ? d->help : "");
    tui_put(a, w, L.header.y + 1, 0, L.header.w, TUI_EL_HINT, line);
    if (L.fields.h > 0)
        pform_draw(&st->pf, a, w, &L.fields);

    /* The clocks from the discovery time as typed. */
    nx_incident probe;
    nx_incident_init(&probe);
    probe.discovered_at = pform_time(st->tz, pform_value(&st->pf, "discovered_at"));
    if (probe.discovered_at <= 0) {
        tui_put(a, w, L.actions.y, 0, L.actions.w, TUI_EL_AT_RISK,
                " Type when it was discovered: the 24 h and 48 h clocks run from then.");
        return;
    }
    nx_deadline rep, as;
    nx_incident_clocks(&probe, 0, tui_now(a), &rep, &as);
    char r1[64], r2[64];
    tui_elem e1, e2;
    pform_deadline_short(&rep, st->tz, 0, r1, sizeof r1, &e1);
    pform_deadline_short(&as, st->tz, 0, r2, sizeof r2, &e2);
    int x = 0;
    snprintf(line, sizeof line, " 24 h report to the PO: ");
    tui_put(a, w, L.actions.y, x, L.actions.w, TUI_EL_NORMAL, line);
    x += tui_text_width(line);
    tui_put(a, w, L.actions.y, x, L.actions.w - x, e1, r1);
    x += tui_text_width(r1);
    snprintf(line, sizeof line, " \xc2\xb7 48 h assessment: ");
    if (x < L.actions.w)
        tui_put(a, w, L.actions.y, x, L.actions.w - x, TUI_EL_NORMAL, line);
    x += tui_text_width(line);
    if (x < L.actions.w)
        tui_put(a, w, L.actions.y, x, L.actions.w - x, e2, r2);
}

static void inc_title(tui_screen *s, tui_app *a, char *l, size_t ll, char *r, size_t rl)
{
    (void)a;
    inc_st *st = s->st;
    snprintf(l, ll, "%s", st->record_id[0] ? "correct incident" : "report an incident");
    snprintf(r, rl, "field %d of %d%s", st->pf.fm.focus + 1, st->pf.fm.n,
             tui_form_dirty(&st->pf.fm) ? " \xc2\xb7 unsaved" : "");
}

static const tui_hint inc_hints[] = {
    { REQ_SAVE, "file" }, { REQ_NEXT_FIELD, "next" }, { REQ_HELP, "help" },
    { REQ_CANCEL, "back" }, { REQ_NONE, NULL },
};

const tui_screen_ops nx_scr_incident = {
    .name = "incident",
    .ctx = TUI_CTX_FORM,
    .text_entry = 1,
    .open = inc_open,
    .close = pform_screen_close,
    .suspend = pform_screen_suspend,
    .resume = pform_screen_resume,
    .tick = pform_screen_tick,
    .draw = inc_draw,
    .handle = inc_handle,
    .title = inc_title,
    .hints = inc_hints,
};
