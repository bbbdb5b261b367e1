/* The four workflows against the product's dictionary: every edge of every
 * table taken at least once (each walk test checks it covered its whole
 * table), a sample of refused steps with their exact messages, the
 * eligibility -> prior-auth hand-off, the ROI authorization rules, the
 * scheduling identity, channel and template rules, and the accounting of
 * disclosures. Messages that name a field are built from the dictionary's
 * label, so relabelling a field does not break them; the rest are pinned
 * word for word. All data is synthetic. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/dict.h"
#include "domain/disclosure.h"
#include "domain/item.h"
#include "domain/workflow.h"

#define NY "America/New_York"
#define MNL "Asia/Manila"
/* Monday 2026-03-09 11:00 EDT (15:00 UTC), the day after the spring change. */
static const int64_t NOW = 1773068400;

static const nx_dict *D(void) { return nx_dict_default(); }

static const char *lab(const char *id)
{
    const nx_field_def *f = nx_dict_find(D(), id);
    cr_assert(f, "field %s is not in the dictionary", id);
    return f->label;
}

static void mk(nx_item *it, nx_kind k, const char *id)
{
    cr_assert_eq(nx_item_init(it, D(), k), 0);
    snprintf(it->id, sizeof it->id, "%s", id);
    snprintf(it->client_id, sizeof it->client_id, "client-synthetic-1");
    snprintf(it->patient_id, sizeof it->patient_id, "patient-synthetic-1");
    cr_assert_eq(nx_item_set(it, "family_name", "Testperson"), 0);
    cr_assert_eq(nx_item_set(it, "given_name", "Alex"), 0);
    cr_assert_eq(nx_item_set(it, "dob", "1980-04-12"), 0);
    cr_assert_eq(nx_item_set(it, "phone", "2175550123"), 0);
}

static void set(nx_item *it, const char *field, const char *value)
{
    cr_assert_eq(nx_item_set(it, field, value), 0, "set %s", field);
}

/* As the form records a field: asks the workflow first. */
static void rec(nx_item *it, const char *field, const char *value)
{
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_workflow_may_edit(it, field, value, msg, sizeof msg), 0, "%s: %s", field, msg);
    set(it, field, value);
}

static void edit_refused(const nx_item *it, const char *field, const char *value, const char *want)
{
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_workflow_may_edit(it, field, value, msg, sizeof msg), -1,
                 "%s may be recorded", field);
    cr_assert_str_eq(msg, want);
}

static void refused_at(const nx_item *it, const char *to, int64_t now, const char *tz,
                       const char *want)
{
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_workflow_check(it, to, now, tz, msg, sizeof msg), -1, "%s -> %s allowed",
                 it->status, to);
    cr_assert_str_eq(msg, want);
}

static void refused(const nx_item *it, const char *to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refused(const nx_item *it, const char *to, const char *fmt, ...)
{
    char want[NX_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    refused_at(it, to, NOW, NY, want);
}

/* ---- walking the tables, with a record of the edges taken ------------------ */

typedef struct {
    const nx_wf_machine *m;
    int taken[64];
} cover;

static cover cover_of(nx_kind k)
{
    cover c = {.m = nx_workflow_machine(k)};
    cr_assert(c.m && c.m->nedges <= 64);
    return c;
}

static void take(cover *c, nx_item *it, const char *to)
{
    char msg[NX_MSG_MAX] = "", from[NX_STATUS_MAX];
    snprintf(from, sizeof from, "%s", it->status);
    cr_assert_eq(nx_workflow_apply(it, to, NOW, NY, msg, sizeof msg), 0, "%s -> %s: %s", from,
                 to, msg);
    cr_assert_str_eq(it->status, to);
    for (size_t i = 0; i < c->m->nedges; i++)
        if (strcmp(c->m->edges[i].from, from) == 0 && strcmp(c->m->edges[i].to, to) == 0)
            c->taken[i] = 1;
}

static void all_taken(const cover *c)
{
    for (size_t i = 0; i < c->m->nedges; i++)
        cr_expect(c->taken[i], "%s: %s -> %s never taken", c->m->name, c->m->edges[i].from,
                  c->m->edges[i].to);
}

static void expect_next(const nx_item *it, const char *const *want)
{
    nx_wf_choice a[16];
    size_t n = nx_workflow_next(it, a, 16), k = 0;
    while (want[k])
        k++;
    cr_assert_eq(n, k, "%s: %zu actions, expected %zu", it->status, n, k);
    for (size_t i = 0; i < n; i++) {
        char got[96];
        snprintf(got, sizeof got, "%s:%s", a[i].to, a[i].label);
        cr_expect_str_eq(got, want[i]);
    }
}

/* ---- tables and dictionary agree --------------------------------------------- */

static void expect_field(nx_kind k, const char *field, const char *where)
{
    const nx_field_def *f = nx_dict_find(D(), field);
    cr_expect(f && (f->kinds & NX_KIND_BIT(k)), "%s: field %s (%s) is not a %s field",
              nx_kind_name(k), field, where, nx_kind_name(k));
}

Test(workflow, every_field_a_table_names_is_in_the_dictionary)
{
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        const nx_wf_machine *m = nx_workflow_machine((nx_kind)k);
        cr_assert_str_eq(m->name, nx_kind_name((nx_kind)k));
        for (size_t i = 0; i < m->nedges; i++) {
            const nx_wf_edge *e = &m->edges[i];
            cr_expect(nx_workflow_is_status((nx_kind)k, e->from), "%s", e->from);
            cr_expect(nx_workflow_is_status((nx_kind)k, e->to), "%s", e->to);
            if (e->stamp)
                expect_field((nx_kind)k, e->stamp, "stamp");
            for (const nx_wf_req *r = e->reqs; r && r->field; r++) {
                expect_field((nx_kind)k, r->field, e->label);
                if (r->when) {
                    char f[64];
                    snprintf(f, sizeof f, "%.*s", (int)strcspn(r->when, "="), r->when);
                    expect_field((nx_kind)k, f, r->when);
                }
            }
        }
    }
    /* The fields the guards read by name. */
    static const char *const sched[] = {"identity_method", "identity_result", "channel",
                                        "template", "escalation", "confidential_comm", NULL};
    static const char *const elig[] = {"prior_auth_required", "service_date", "icd_codes",
                                       "cpt_codes", "member_id", "payer", NULL};
    static const char *const pa[] = {"decision", "valid_from", "valid_to", "appeal_deadline",
                                     "dx_codes", "procedure_codes", "priority", NULL};
    static const char *const roi[] = {
        "auth_revoked", "auth_ref", "auth_date", "auth_expiry", "auth_scope", "auth_purpose",
        "auth_has_description", "auth_has_discloser", "auth_has_recipient", "auth_has_purpose",
        "auth_has_expiry", "auth_has_revocation_right", "auth_has_signature",
        "recipient_name", "recipient_address", NULL};
    for (const char *const *f = sched; *f; f++)
        expect_field(NX_KIND_SCHEDULING, *f, "guard");
    for (const char *const *f = elig; *f; f++)
        expect_field(NX_KIND_ELIGIBILITY, *f, "guard");
    for (const char *const *f = pa; *f; f++)
        expect_field(NX_KIND_PRIOR_AUTH, *f, "guard");
    for (const char *const *f = roi; *f; f++)
        expect_field(NX_KIND_ROI, *f, "guard");
}

/* required_for names statuses of the workflows; a typo there would make a
 * field silently never required. */
Test(workflow, every_status_the_dictionary_names_is_a_workflow_status)
{
    const nx_dict *d = D();
    for (size_t i = 0; i < d->n; i++) {
        const char *p = d->fields[i].required_for;
        while (p && *p) {
            p += strspn(p, " ");
            size_t n = strcspn(p, " ");
            if (n == 0)
                break;
            char tok[64];
            snprintf(tok, sizeof tok, "%.*s", (int)n, p);
            char *colon = strchr(tok, ':');
            int found = 0;
            for (int k = 0; k < NX_KIND_COUNT; k++) {
                if (!(d->fields[i].kinds & NX_KIND_BIT(k)))
                    continue;
                const char *kn = nx_kind_name((nx_kind)k);
                if (colon && (strlen(kn) != (size_t)(colon - tok) ||
                              strncmp(tok, kn, strlen(kn)) != 0))
                    continue;
                found |= nx_workflow_is_status((nx_kind)k, colon ? colon + 1 : tok);
            }
            cr_expect(found, "%s: required_for \"%s\" is no status of its kinds",
                      d->fields[i].id, tok);
            p += n;
        }
    }
}

Test(workflow, every_purpose_the_dictionary_offers_is_known)
{
    const nx_field_def *f = nx_dict_find(D(), "auth_purpose");
    cr_assert(f && f->choices);
    for (const char *const *c = f->choices; *c; c++)
        cr_expect(nx_purpose_find(*c), "purpose %s unknown to the accounting", *c);
}

Test(workflow, statuses_and_initial)
{
    cr_assert_str_eq(nx_workflow_initial(NX_KIND_SCHEDULING), "new");
    cr_assert_str_eq(nx_workflow_initial(NX_KIND_ELIGIBILITY), "new");
    cr_assert_str_eq(nx_workflow_initial(NX_KIND_PRIOR_AUTH), "draft");
    cr_assert_str_eq(nx_workflow_initial(NX_KIND_ROI), "new");
    cr_assert_str_eq(nx_workflow_initial((nx_kind)NX_KIND_COUNT), "");
    cr_assert(nx_workflow_is_status(NX_KIND_PRIOR_AUTH, "appeal-submitted"));
    cr_assert(!nx_workflow_is_status(NX_KIND_ELIGIBILITY, "approved"));
    for (int k = 0; k < NX_KIND_COUNT; k++)
        cr_assert(nx_workflow_is_final((nx_kind)k, "closed"), "%d", k);
    cr_assert(!nx_workflow_is_final(NX_KIND_ROI, "blocked"));
    cr_assert(!nx_workflow_is_final(NX_KIND_PRIOR_AUTH, "denied"));
}

/* ---- items ---------------------------------------------------------------- */

Test(workflow, item_holds_the_fields_of_its_kind_only)
{
    nx_item it;
    cr_assert_eq(nx_item_init(&it, D(), NX_KIND_PRIOR_AUTH), 0);
    cr_assert_str_eq(it.status, "draft");
    cr_assert_str_eq(nx_item_get(&it, "dx_codes"), "");
    cr_assert_eq(nx_item_set(&it, "dx_codes", "E11.9, I10"), 0);
    cr_assert_str_eq(nx_item_get(&it, "dx_codes"), "E11.9, I10");
    cr_assert_eq(nx_item_set(&it, "dx_codes", "M17.11"), 0);
    cr_assert_str_eq(nx_item_get(&it, "dx_codes"), "M17.11");
    cr_assert_eq(nx_item_set(&it, "identity_result", "verified"), -1);   /* scheduling's */
    cr_assert_str_eq(nx_item_get(&it, "identity_result"), "");
    cr_assert_str_eq(nx_item_get(&it, "no_such_field"), "");
    cr_assert_eq(nx_item_set(&it, "dme", "yes"), 0);
    cr_assert(nx_item_yes(&it, "dme"));
    cr_assert(!nx_item_yes(&it, "doc_order"));
    size_t want = nx_dict_fields_of(D(), NX_KIND_PRIOR_AUTH, NULL, 0);
    cr_assert_eq(it.nvals, want);
    nx_item_free(&it);
    cr_assert_null(it.vals);
    cr_assert_eq(nx_item_init(&it, NULL, NX_KIND_ROI), -1);
    cr_assert_eq(nx_item_init(&it, D(), (nx_kind)NX_KIND_COUNT), -1);
}

/* ---- scheduling ------------------------------------------------------------ */

static void sched_to_in_progress(cover *c, nx_item *it, const char *id)
{
    mk(it, NX_KIND_SCHEDULING, id);
    take(c, it, "verifying");
    rec(it, "identity_method", "dob-and-phone");
    rec(it, "identity_result", "verified");
    take(c, it, "in-progress");
}

static void sched_book(cover *c, nx_item *it)
{
    rec(it, "channel", "phone");
    rec(it, "template", "appointment-confirmation");
    rec(it, "appointment_provider", "Dr. Example Synthetic");
    rec(it, "appointment_location", "Main Street Clinic");
    rec(it, "appointment_time", "2026-03-12 14:30");
    rec(it, "visit_type", "follow-up");
    take(c, it, "scheduled");
}

Test(workflow, scheduling_every_edge)
{
    cover c = cover_of(NX_KIND_SCHEDULING);
    nx_item it;

    sched_to_in_progress(&c, &it, "s1");
    sched_book(&c, &it);
    take(&c, &it, "in-progress");             /* reschedule */
    sched_book(&c, &it);
    rec(&it, "escalation", "complaint");
    take(&c, &it, "escalated");
    take(&c, &it, "closed");
    nx_item_free(&it);

    mk(&it, NX_KIND_SCHEDULING, "s2");
    take(&c, &it, "verifying");
    rec(&it, "identity_method", "dob-and-address");
    rec(&it, "identity_result", "failed");
    take(&c, &it, "closed");
    nx_item_free(&it);

    sched_to_in_progress(&c, &it, "s3");
    rec(&it, "escalation", "urgent-clinical");
    take(&c, &it, "escalated");
    nx_item_free(&it);

    sched_to_in_progress(&c, &it, "s4");
    take(&c, &it, "closed");
    nx_item_free(&it);

    sched_to_in_progress(&c, &it, "s5");
    sched_book(&c, &it);
    take(&c, &it, "closed");
    nx_item_free(&it);
    all_taken(&c);
}

Test(workflow, scheduling_identity_first)
{
    nx_item it;
    mk(&it, NX_KIND_SCHEDULING, "s1");
    edit_refused(&it, "channel", NULL, "identity not verified: verify the caller first");
    edit_refused(&it, "channel", "phone", "identity not verified: verify the caller first");
    edit_refused(&it, "appointment_time", "2026-03-12 14:30",
                 "identity not verified: verify the caller first");
    edit_refused(&it, "address", "1 Example Way", "identity not verified: verify the caller first");
    rec(&it, "notes", "caller asked to be called back");    /* notes are append-only, always */
    rec(&it, "identity_method", "dob-and-phone");
    rec(&it, "identity_result", "failed");
    edit_refused(&it, "channel", "phone", "identity not verified: verify the caller first");
    refused(&it, "in-progress", "cannot continue from new: start verifying first");
    cr_assert_eq(nx_workflow_apply(&it, "verifying", NOW, NY, NULL, 0), 0);
    refused(&it, "in-progress", "cannot continue: identity not verified");
    rec(&it, "identity_result", "verified");
    rec(&it, "channel", "phone");
    cr_assert_eq(nx_workflow_check(&it, "in-progress", NOW, NY, NULL, 0), 0);
    nx_item_free(&it);
}

Test(workflow, scheduling_refused_steps)
{
    cover c = cover_of(NX_KIND_SCHEDULING);
    nx_item it;
    mk(&it, NX_KIND_SCHEDULING, "s1");
    refused(&it, "scheduled", "cannot book from new: start verifying first");
    refused(&it, "new", "the item is already new");
    refused(&it, "approved", "\"approved\" is not a status of a scheduling item");
    nx_item_free(&it);

    sched_to_in_progress(&c, &it, "s2");
    refused(&it, "scheduled", "cannot book: %s not recorded", lab("appointment_provider"));
    refused(&it, "escalated", "cannot escalate: choose the escalation type (complaint or urgent clinical)");
    rec(&it, "escalation", "none");
    refused(&it, "escalated", "cannot escalate: choose the escalation type (complaint or urgent clinical)");
    /* The dictionary's own requirement: booking records the channel. */
    rec(&it, "appointment_provider", "Dr. Example Synthetic");
    rec(&it, "appointment_location", "Main Street Clinic");
    rec(&it, "appointment_time", "2026-03-12 14:30");
    rec(&it, "visit_type", "follow-up");
    refused(&it, "scheduled", "cannot book: %s not recorded", lab("channel"));
    sched_book(&c, &it);
    take(&c, &it, "closed");
    refused(&it, "in-progress", "cannot continue: the item is closed, no further steps");
    edit_refused(&it, "visit_type", "new-patient", "the item is closed: no further changes");
    nx_item_free(&it);
}

Test(workflow, scheduling_no_sms_or_email_under_confidential_communication)
{
    cover c = cover_of(NX_KIND_SCHEDULING);
    nx_item it;
    sched_to_in_progress(&c, &it, "s1");
    set(&it, "confidential_comm", "yes");
    edit_refused(&it, "channel", "sms", "confidential communication: no SMS to this patient");
    edit_refused(&it, "channel", "email", "confidential communication: no email to this patient");
    rec(&it, "channel", "phone");
    nx_item_free(&it);

    /* The flag set on the patient after the channel was chosen still wins. */
    sched_to_in_progress(&c, &it, "s2");
    rec(&it, "channel", "sms");
    rec(&it, "template", "appointment-confirmation");
    rec(&it, "appointment_provider", "Dr. Example Synthetic");
    rec(&it, "appointment_location", "Main Street Clinic");
    rec(&it, "appointment_time", "2026-03-12 14:30");
    rec(&it, "visit_type", "follow-up");
    cr_assert_eq(nx_workflow_check(&it, "scheduled", NOW, NY, NULL, 0), 0);
    set(&it, "confidential_comm", "yes");
    refused(&it, "scheduled", "confidential communication: no SMS to this patient");
    rec(&it, "channel", "phone");
    take(&c, &it, "scheduled");
    nx_item_free(&it);
}

Test(workflow, scheduling_template_checked_for_sms_and_email)
{
    cover c = cover_of(NX_KIND_SCHEDULING);
    nx_item it;
    sched_to_in_progress(&c, &it, "s1");
    rec(&it, "channel", "sms");
    edit_refused(&it, "template", "Reminder: your {procedure} on {appointment_time}",
                 "template refused: {procedure} is clinical detail, not allowed in SMS or email");
    rec(&it, "template", "Hi {given_name}, see you {appointment_time}");
    nx_item_free(&it);

    /* Phone scripts are read, not sent: only written channels are checked,
     * and switching to one checks the template already recorded. */
    sched_to_in_progress(&c, &it, "s2");
    rec(&it, "channel", "phone");
    rec(&it, "template", "Confirm {diagnosis} visit");
    edit_refused(&it, "channel", "email",
                 "template refused: {diagnosis} is clinical detail, not allowed in SMS or email");
    nx_item_free(&it);
}

Test(workflow, template_check_table)
{
    static const char *const good[] = {
        "",
        "Your appointment is confirmed.",
        "Hi {given_name}, your visit is {appointment_time} at {appointment_location}.",
        "Call us at {clinic_phone} to reschedule.",
        "{ Given-Name }",
        NULL,
    };
    for (const char *const *g = good; *g; g++) {
        char msg[NX_MSG_MAX] = "";
        cr_expect_eq(nx_template_check(D(), *g, msg, sizeof msg), 0, "\"%s\": %s", *g, msg);
    }
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"Your {diagnosis} results", "template refused: {diagnosis} is clinical detail, not allowed in SMS or email"},
        {"Codes: { Dx-Codes }", "template refused: {dx_codes} is clinical detail, not allowed in SMS or email"},
        {"{visit_notes}", "template refused: {visit_notes} is clinical detail, not allowed in SMS or email"},
        {"{ICD}", "template refused: {icd} is clinical detail, not allowed in SMS or email"},
        {"{cpt}", "template refused: {cpt} is clinical detail, not allowed in SMS or email"},
        {"{procedure_codes}", "template refused: {procedure_codes} is clinical detail, not allowed in SMS or email"},
        {"{medication}", "template refused: {medication} is clinical detail, not allowed in SMS or email"},
        {"Hi {given_name", "template refused: a { is not closed"},
        {"Hi {given{name}", "template refused: a { is not closed"},
        {"Hi {  }", "template refused: empty placeholder {}"},
        {"Hi {given.name}", "template refused: a placeholder holds only letters, digits, _ and -"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[NX_MSG_MAX] = "";
        cr_expect_eq(nx_template_check(D(), bad[i].text, msg, sizeof msg), -1, "%s", bad[i].text);
        cr_expect_str_eq(msg, bad[i].msg, "%s", bad[i].text);
    }
    /* A clinical field of the dictionary is caught by its PHI class even
     * when no clinical word is in its name. */
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_dict_find(D(), "auth_scope")->phi, NX_PHI_CLINICAL);
    cr_assert_eq(nx_template_check(D(), "{auth_scope}", msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "template refused: {auth_scope} is clinical detail, not allowed in SMS or email");
    cr_assert_eq(nx_template_check(NULL, "{auth_scope}", msg, sizeof msg), 0);
}

/* ---- eligibility and the hand-off ------------------------------------------ */

static void elig_inputs(nx_item *it)
{
    set(it, "payer", "Synthetic Health Plan");
    set(it, "member_id", "XZT123456789");
    set(it, "subscriber_relationship", "self");
    set(it, "service_date", "2026-03-16");
    set(it, "cpt_codes", "99213, E0601");
    set(it, "icd_codes", "G47.33, E11.9");
    set(it, "provider_npi", "1234567893");
}

static void elig_results(nx_item *it, const char *pa_required)
{
    set(it, "plan", "Synthetic Gold PPO");
    set(it, "coverage_active", "yes");
    set(it, "coverage_ref", "CONF-0001");
    set(it, "prior_auth_required", pa_required);
}

Test(workflow, eligibility_every_edge)
{
    cover c = cover_of(NX_KIND_ELIGIBILITY);
    nx_item it;
    mk(&it, NX_KIND_ELIGIBILITY, "e1");
    const char *const at_new[] = {"verifying:Start verification", NULL};
    expect_next(&it, at_new);
    elig_inputs(&it);
    take(&c, &it, "verifying");
    elig_results(&it, "no");
    take(&c, &it, "verified");
    take(&c, &it, "closed");
    const char *const none[] = {NULL};
    expect_next(&it, none);
    nx_item_free(&it);
    all_taken(&c);
}

Test(workflow, eligibility_refused_steps)
{
    nx_item it;
    mk(&it, NX_KIND_ELIGIBILITY, "e1");
    refused(&it, "verifying", "cannot start verification: %s not recorded", lab("payer"));
    refused(&it, "closed", "cannot close from new: start verification first");
    elig_inputs(&it);
    set(&it, "dob", "");
    refused(&it, "verifying", "cannot start verification: %s not recorded", lab("dob"));
    set(&it, "dob", "1980-04-12");
    cr_assert_eq(nx_workflow_apply(&it, "verifying", NOW, NY, NULL, 0), 0);
    refused(&it, "verified", "cannot mark verified: %s not recorded", lab("coverage_active"));
    set(&it, "coverage_active", "no");      /* inactive coverage is a result too */
    set(&it, "coverage_ref", "CONF-0002");
    refused(&it, "verified", "cannot mark verified: %s not recorded", lab("prior_auth_required"));
    nx_item_free(&it);
}

Test(workflow, eligibility_hands_off_to_prior_auth)
{
    nx_item el, pa;
    mk(&el, NX_KIND_ELIGIBILITY, "elig-0001");
    el.priority = 1;
    set(&el, "priority", "urgent");
    set(&el, "confidential_comm", "yes");
    set(&el, "mrn", "MRN-SYN-42");
    elig_inputs(&el);
    cr_assert_eq(nx_workflow_apply(&el, "verifying", NOW, NY, NULL, 0), 0);
    elig_results(&el, "yes");
    cr_assert_eq(nx_workflow_apply(&el, "verified", NOW, NY, NULL, 0), 0);
    refused(&el, "closed", "cannot close: prior auth required: hand off to a prior-auth item first");

    cr_assert_eq(nx_item_init(&pa, D(), NX_KIND_PRIOR_AUTH), 0);
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_workflow_handoff(&el, &pa, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "no hand-off: both items need an id");
    snprintf(pa.id, sizeof pa.id, "pa-0001");
    cr_assert_eq(nx_workflow_handoff(&el, &pa, msg, sizeof msg), 0, "%s", msg);

    cr_assert_str_eq(pa.status, "draft");
    cr_assert_str_eq(pa.client_id, "client-synthetic-1");
    cr_assert_str_eq(pa.patient_id, "patient-synthetic-1");
    cr_assert_str_eq(pa.linked_item, "elig-0001");
    cr_assert_str_eq(el.linked_item, "pa-0001");
    cr_assert_eq(pa.priority, 1);
    cr_assert_str_eq(nx_item_get(&pa, "priority"), "urgent");
    cr_assert_str_eq(nx_item_get(&pa, "member_id"), "XZT123456789");
    cr_assert_str_eq(nx_item_get(&pa, "payer"), "Synthetic Health Plan");
    cr_assert_str_eq(nx_item_get(&pa, "dx_codes"), "G47.33, E11.9");
    cr_assert_str_eq(nx_item_get(&pa, "procedure_codes"), "99213, E0601");
    cr_assert_str_eq(nx_item_get(&pa, "family_name"), "Testperson");
    cr_assert_str_eq(nx_item_get(&pa, "dob"), "1980-04-12");
    cr_assert_str_eq(nx_item_get(&pa, "mrn"), "MRN-SYN-42");
    cr_assert_str_eq(nx_item_get(&pa, "confidential_comm"), "yes");
    cr_assert_str_eq(nx_item_get(&pa, "ordering_npi"), "");   /* the order's, not the visit's */

    cr_assert_eq(nx_workflow_check(&el, "closed", NOW, NY, msg, sizeof msg), 0, "%s", msg);
    nx_item other;
    cr_assert_eq(nx_item_init(&other, D(), NX_KIND_PRIOR_AUTH), 0);
    snprintf(other.id, sizeof other.id, "pa-0002");
    cr_assert_eq(nx_workflow_handoff(&el, &other, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "no hand-off: the item is already linked to a prior-auth item");
    cr_assert_eq(nx_workflow_handoff(&el, &el, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "no hand-off: it goes from an eligibility item to a new prior-auth item");
    nx_item_free(&other);
    nx_item_free(&pa);
    nx_item_free(&el);

    mk(&el, NX_KIND_ELIGIBILITY, "elig-0002");
    cr_assert_eq(nx_item_init(&pa, D(), NX_KIND_PRIOR_AUTH), 0);
    snprintf(pa.id, sizeof pa.id, "pa-0003");
    set(&el, "prior_auth_required", "no");
    cr_assert_eq(nx_workflow_handoff(&el, &pa, msg, sizeof msg), -1);
    char want[NX_MSG_MAX];
    snprintf(want, sizeof want, "no hand-off: %s is not yes", lab("prior_auth_required"));
    cr_assert_str_eq(msg, want);
    cr_assert_str_eq(pa.linked_item, "");
    nx_item_free(&pa);
    nx_item_free(&el);
}

/* ---- prior authorization ---------------------------------------------------- */

static void pa_ready(nx_item *it, const char *id)
{
    mk(it, NX_KIND_PRIOR_AUTH, id);
    set(it, "member_id", "XZT123456789");
    set(it, "payer", "Synthetic Health Plan");
    set(it, "dx_codes", "G47.33");
    set(it, "procedure_codes", "E0601");
    set(it, "units", "1");
    set(it, "ordering_npi", "1245319599");
    set(it, "doc_order", "yes");
    set(it, "doc_clinical_notes", "yes");
    set(it, "doc_payer_form", "yes");
    set(it, "doc_medical_necessity", "yes");
}

static void pa_pending(cover *c, nx_item *it, const char *id)
{
    pa_ready(it, id);
    take(c, it, "submitted");
    set(it, "payer_ref", "PAYER-CASE-77");
    take(c, it, "pending");
}

static void pa_grant(nx_item *it, const char *decision)
{
    if (decision)
        set(it, "decision", decision);
    set(it, "auth_number", "AUTH-SYN-0001");
    set(it, "valid_from", "2026-03-09");
    set(it, "valid_to", "2026-06-09");
    set(it, "units_granted", "1");
}

static void pa_denied(cover *c, nx_item *it, const char *id)
{
    pa_pending(c, it, id);
    set(it, "decision", "denied");
    set(it, "denial_reason", "medical necessity not shown (synthetic)");
    take(c, it, "denied");
}

Test(workflow, prior_auth_every_edge)
{
    cover c = cover_of(NX_KIND_PRIOR_AUTH);
    nx_item it;

    pa_pending(&c, &it, "p1");
    pa_grant(&it, "approved");
    take(&c, &it, "approved");
    take(&c, &it, "closed");
    nx_item_free(&it);

    pa_ready(&it, "p2");
    take(&c, &it, "closed");                  /* withdrawn */
    nx_item_free(&it);

    pa_pending(&c, &it, "p3");
    pa_grant(&it, "partially-approved");
    take(&c, &it, "partially-approved");
    take(&c, &it, "closed");
    nx_item_free(&it);

    pa_denied(&c, &it, "p4");
    take(&c, &it, "closed");
    nx_item_free(&it);

    pa_denied(&c, &it, "p5");
    set(&it, "appeal_deadline", "2026-05-08");
    take(&c, &it, "appeal-prepared");
    take(&c, &it, "appeal-submitted");
    pa_grant(&it, NULL);
    take(&c, &it, "appeal-won");
    take(&c, &it, "closed");
    nx_item_free(&it);

    pa_denied(&c, &it, "p6");
    set(&it, "appeal_deadline", "2026-05-08");
    take(&c, &it, "appeal-prepared");
    take(&c, &it, "appeal-submitted");
    take(&c, &it, "appeal-lost");
    take(&c, &it, "closed");
    nx_item_free(&it);

    pa_pending(&c, &it, "p7");
    pa_grant(&it, "partially-approved");
    take(&c, &it, "partially-approved");
    set(&it, "denial_reason", "units reduced (synthetic)");
    set(&it, "appeal_deadline", "2026-05-08");
    take(&c, &it, "appeal-prepared");
    nx_item_free(&it);
    all_taken(&c);
}

Test(workflow, prior_auth_actions_offered)
{
    cover c = cover_of(NX_KIND_PRIOR_AUTH);
    nx_item it;
    pa_ready(&it, "p1");
    const char *const draft[] = {"submitted:Submit", "closed:Withdraw", NULL};
    expect_next(&it, draft);
    nx_wf_choice one[1];
    cr_assert_eq(nx_workflow_next(&it, one, 1), 2);   /* the count, whatever fits */
    cr_assert_str_eq(one[0].label, "Submit");
    take(&c, &it, "submitted");
    set(&it, "payer_ref", "PAYER-CASE-77");
    take(&c, &it, "pending");
    const char *const pending[] = {"approved:Approve", "partially-approved:Partially approve",
                                   "denied:Deny", NULL};
    expect_next(&it, pending);
    nx_item_free(&it);
}

Test(workflow, prior_auth_submit_needs_codes_and_checklist)
{
    nx_item it;
    mk(&it, NX_KIND_PRIOR_AUTH, "p1");
    refused(&it, "submitted", "cannot submit: %s not recorded", lab("member_id"));
    nx_item_free(&it);

    pa_ready(&it, "p2");
    set(&it, "ordering_npi", "");
    refused(&it, "submitted", "cannot submit: %s not recorded", lab("ordering_npi"));
    set(&it, "ordering_npi", "1245319599");
    set(&it, "doc_medical_necessity", "no");
    refused(&it, "submitted", "cannot submit: %s not checked", lab("doc_medical_necessity"));
    set(&it, "doc_medical_necessity", "yes");
    set(&it, "dme", "yes");
    refused(&it, "submitted", "cannot submit: %s not recorded", lab("rental_purchase"));
    set(&it, "rental_purchase", "rental");
    refused(&it, "submitted", "cannot submit: %s not recorded", lab("supplier"));
    set(&it, "supplier", "Synthetic DME Supply");
    set(&it, "units", "");                    /* required by the dictionary alone */
    refused(&it, "submitted", "cannot submit: %s not recorded", lab("units"));
    set(&it, "units", "1");
    cr_assert_eq(nx_workflow_check(&it, "submitted", NOW, NY, NULL, 0), 0);
    nx_item_free(&it);
}

Test(workflow, prior_auth_refused_steps)
{
    cover c = cover_of(NX_KIND_PRIOR_AUTH);
    nx_item it;
    pa_ready(&it, "p1");
    refused(&it, "approved", "cannot approve from draft: submit first");
    refused(&it, "appeal-won", "cannot record the appeal as won from draft: submit first");
    take(&c, &it, "submitted");
    refused(&it, "pending", "cannot mark pending: %s not recorded", lab("payer_ref"));
    refused(&it, "denied", "cannot record the denial from submitted: mark pending first");
    set(&it, "payer_ref", "PAYER-CASE-77");
    take(&c, &it, "pending");
    refused(&it, "approved", "cannot approve: %s not recorded", lab("auth_number"));
    pa_grant(&it, "approved");
    set(&it, "valid_to", "2026-03-08");
    refused(&it, "approved", "cannot approve: %s is before %s", lab("valid_to"), lab("valid_from"));
    set(&it, "valid_to", "2026-06-09");
    set(&it, "decision", "denied");
    refused(&it, "approved", "cannot approve: %s does not say approved", lab("decision"));
    set(&it, "decision", "approved");
    set(&it, "denial_reason", "slip: typed before the decision came (synthetic)");
    refused(&it, "denied", "cannot record the denial: %s does not say denied", lab("decision"));
    set(&it, "denial_reason", "");
    take(&c, &it, "approved");
    refused(&it, "denied", "cannot record the denial: not a step from approved");
    refused(&it, "appeal-prepared", "cannot prepare an appeal: not a step from approved");
    take(&c, &it, "closed");
    refused(&it, "submitted", "cannot submit: the item is closed, no further steps");
    refused(&it, "approvedd", "\"approvedd\" is not a status of a prior-auth item");
    nx_item_free(&it);
}

Test(workflow, prior_auth_appeal_deadline_in_the_clients_zone)
{
    cover c = cover_of(NX_KIND_PRIOR_AUTH);
    nx_item it;
    pa_denied(&c, &it, "p1");
    refused(&it, "appeal-prepared", "cannot prepare an appeal: %s not recorded", lab("appeal_deadline"));
    set(&it, "appeal_deadline", "2026-03-08");
    refused(&it, "appeal-prepared", "cannot prepare an appeal: the appeal deadline has passed");
    set(&it, "appeal_deadline", "2026-03-09");           /* the last day still counts */
    take(&c, &it, "appeal-prepared");
    /* 2026-03-10 02:00 UTC is still the 9th in New York (22:00 EDT) but
     * already the 10th in Manila (10:00 PHT). */
    const int64_t late = 1773108000;
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_workflow_check(&it, "appeal-submitted", late, NY, msg, sizeof msg), 0, "%s", msg);
    refused_at(&it, "appeal-submitted", late, MNL,
               "cannot submit the appeal: the appeal deadline has passed");
    refused_at(&it, "appeal-submitted", late, "Mars/Olympus_Mons",
               "cannot submit the appeal: unknown time zone \"Mars/Olympus_Mons\"");
    nx_item_free(&it);
}

Test(workflow, apply_stamps_the_step_and_changes_nothing_when_refused)
{
    nx_item it;
    pa_ready(&it, "p1");
    set(&it, "doc_order", "no");
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_workflow_apply(&it, "submitted", NOW, NY, msg, sizeof msg), -1);
    cr_assert_str_eq(it.status, "draft");
    cr_assert_str_eq(nx_item_get(&it, "submitted_at"), "");
    cr_assert_eq(it.updated, 0);
    set(&it, "doc_order", "yes");
    cr_assert_eq(nx_workflow_apply(&it, "submitted", NOW, NY, msg, sizeof msg), 0, "%s", msg);
    cr_assert_str_eq(nx_item_get(&it, "submitted_at"), "2026-03-09 11:00");   /* EDT */
    cr_assert_eq(it.updated, NOW);
    cr_assert_eq(it.closed, 0);
    nx_item_free(&it);

    /* A time the agent typed (submitted earlier through the portal) is kept. */
    pa_ready(&it, "p2");
    set(&it, "submitted_at", "2026-03-06 16:45");
    cr_assert_eq(nx_workflow_apply(&it, "submitted", NOW, MNL, msg, sizeof msg), 0, "%s", msg);
    cr_assert_str_eq(nx_item_get(&it, "submitted_at"), "2026-03-06 16:45");
    cr_assert_eq(nx_workflow_apply(&it, "closed", NOW + 60, MNL, msg, sizeof msg), -1);
    nx_item_free(&it);

    pa_ready(&it, "p3");
    cr_assert_eq(nx_workflow_apply(&it, "closed", NOW, NY, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(it.closed, NOW);
    nx_item_free(&it);
}

/* ---- release of information --------------------------------------------------- */

static void roi_auth(nx_item *it)
{
    set(it, "auth_ref", "DOC-AUTH-0001");
    set(it, "auth_date", "2026-02-20");
    set(it, "auth_expiry", "2026-08-20");
    set(it, "auth_scope", "Office notes 2025-01-01 to 2025-12-31");
    set(it, "auth_purpose", "legal");
    static const char *const yes[] = {
        "auth_has_description", "auth_has_discloser", "auth_has_recipient", "auth_has_purpose",
        "auth_has_expiry", "auth_has_revocation_right", "auth_has_signature",
        "auth_has_conditioning", "auth_has_redisclosure", NULL};
    for (const char *const *f = yes; *f; f++)
        set(it, *f, "yes");
    set(it, "auth_by_representative", "no");
    set(it, "auth_combined", "no");
}

static void roi_send(nx_item *it)
{
    set(it, "holder_type", "hospital");
    set(it, "recipient_name", "Synthetic Records Department");
    set(it, "recipient_address", "1 Example Way, Springfield, IL 62701");
    set(it, "recipient_verified", "yes");
    set(it, "recipient_verify_method", "callback");
    set(it, "release_channel", "efax");
    set(it, "fax_number", "2175550188");
    set(it, "fax_verified_by", "directory");
    set(it, "cover_sheet_used", "yes");
}

/* Walks the main line from new up to `stop`. */
static void roi_to(cover *c, nx_item *it, const char *id, const char *stop)
{
    static const char *const line[] = {"authorization-valid", "requested", "received",
                                       "verified", "released", "closed", NULL};
    mk(it, NX_KIND_ROI, id);
    roi_auth(it);
    roi_send(it);
    set(it, "record_match_verified", "yes");
    set(it, "complete_first_pass", "yes");
    for (const char *const *s = line; strcmp(it->status, stop) != 0; s++) {
        cr_assert(*s, "%s is not on the main line", stop);
        if (strcmp(*s, "closed") == 0) {
            set(it, "client_notified", "yes");
            set(it, "copies_purged", "yes");
        }
        take(c, it, *s);
    }
}

Test(workflow, roi_every_edge)
{
    cover c = cover_of(NX_KIND_ROI);
    nx_item it;
    roi_to(&c, &it, "r1", "closed");
    cr_assert_str_eq(nx_item_get(&it, "request_sent_at"), "2026-03-09 11:00");
    cr_assert_str_eq(nx_item_get(&it, "received_at"), "2026-03-09 11:00");
    nx_item_free(&it);

    roi_to(&c, &it, "r2", "received");
    set(&it, "complete_first_pass", "no");
    set(&it, "correction_requested", "yes");
    take(&c, &it, "requested");
    take(&c, &it, "received");
    nx_item_free(&it);

    static const char *const from[] = {"new", "authorization-valid", "requested", "received",
                                       "verified", "released", NULL};
    for (const char *const *f = from; *f; f++) {
        roi_to(&c, &it, "r3", *f);
        take(&c, &it, "blocked");
        if (strcmp(*f, "released") == 0) {
            set(&it, "client_notified", "yes");
            set(&it, "copies_purged", "yes");
            take(&c, &it, "closed");
        }
        nx_item_free(&it);
    }
    all_taken(&c);
}

Test(workflow, roi_cannot_send_without_verified_recipient_and_fax)
{
    cover c = cover_of(NX_KIND_ROI);
    nx_item it;
    roi_to(&c, &it, "r1", "authorization-valid");
    set(&it, "recipient_verified", "no");
    refused(&it, "requested", "cannot send: recipient identity not verified");
    set(&it, "recipient_verified", "yes");
    set(&it, "fax_verified_by", "");
    refused(&it, "requested", "cannot send: fax number not verified by callback or directory");
    set(&it, "cover_sheet_used", "no");
    set(&it, "fax_verified_by", "callback");
    refused(&it, "requested", "cannot send: cover sheet not used");
    /* A portal needs neither the fax check nor the cover sheet. */
    set(&it, "release_channel", "portal");
    set(&it, "fax_number", "");
    set(&it, "fax_verified_by", "");
    cr_assert_eq(nx_workflow_check(&it, "requested", NOW, NY, NULL, 0), 0);
    set(&it, "release_channel", "");
    refused(&it, "requested", "cannot send: no channel chosen (eFax or portal)");
    refused(&it, "released", "cannot release from authorization-valid: send first");
    nx_item_free(&it);
}

Test(workflow, roi_authorization_checked_against_every_element)
{
    static const struct {
        const char *field, *value, *msg;
    } cases[] = {
        {"auth_ref", "", "authorization invalid: no reference to the signed authorization"},
        {"auth_has_description", "no", "authorization invalid: no description of the information"},
        {"auth_has_discloser", "", "authorization invalid: no one named who may disclose"},
        {"auth_has_recipient", "no", "authorization invalid: no recipient named"},
        {"auth_has_purpose", "no", "authorization invalid: no purpose"},
        {"auth_has_expiry", "no", "authorization invalid: no expiry date or event"},
        {"auth_has_revocation_right", "no", "authorization invalid: no statement of the right to revoke"},
        {"auth_has_signature", "no", "authorization invalid: no signature"},
        {"auth_has_conditioning", "no", "authorization invalid: no statement on conditioning treatment or payment"},
        {"auth_has_redisclosure", "no", "authorization invalid: no re-disclosure warning"},
        {"auth_by_representative", "yes", "authorization invalid: no description of the representative's authority"},
        {"auth_combined", "yes", "authorization invalid: combined with another document"},
        {"auth_date", "", "authorization invalid: signature not dated"},
        {"auth_expiry", "2026-03-08", "authorization invalid: expired"},
        {"auth_revoked", "yes", "authorization invalid: revoked"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nx_item it;
        mk(&it, NX_KIND_ROI, "r1");
        roi_auth(&it);
        char msg[NX_MSG_MAX] = "";
        cr_assert_eq(nx_roi_auth_check(&it, NOW, NY, msg, sizeof msg), 0, "%s", msg);
        set(&it, cases[i].field, cases[i].value);
        cr_expect_eq(nx_roi_auth_check(&it, NOW, NY, msg, sizeof msg), -1, "%s", cases[i].field);
        cr_expect_str_eq(msg, cases[i].msg);
        /* The step refuses with the same words (revocation with its own). */
        if (strcmp(cases[i].field, "auth_revoked") != 0)
            refused(&it, "authorization-valid", "%s", cases[i].msg);
        nx_item_free(&it);
    }
}

Test(workflow, roi_authorization_expiry_day_is_valid_in_the_clients_zone)
{
    nx_item it;
    mk(&it, NX_KIND_ROI, "r1");
    roi_auth(&it);
    set(&it, "auth_expiry", "2026-03-09");
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_roi_auth_check(&it, NOW, NY, msg, sizeof msg), 0, "%s", msg);
    /* 2026-03-10 02:00 UTC: still the 9th in New York, the 10th in Manila. */
    cr_assert_eq(nx_roi_auth_check(&it, 1773108000, NY, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(nx_roi_auth_check(&it, 1773108000, MNL, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "authorization invalid: expired");
    nx_item_free(&it);
}

Test(workflow, roi_authorization_expired_since_validation_stops_the_send)
{
    cover c = cover_of(NX_KIND_ROI);
    nx_item it;
    roi_to(&c, &it, "r1", "authorization-valid");
    set(&it, "auth_expiry", "2026-03-01");
    refused(&it, "requested", "authorization invalid: expired");
    nx_item_free(&it);

    roi_to(&c, &it, "r2", "verified");
    set(&it, "auth_expiry", "2026-03-01");
    refused(&it, "released", "authorization invalid: expired");
    nx_item_free(&it);
}

Test(workflow, roi_revoked_authorization_blocks_at_once)
{
    cover c = cover_of(NX_KIND_ROI);
    nx_item it;
    roi_to(&c, &it, "r1", "requested");
    cr_assert_null(nx_workflow_forced(&it));
    set(&it, "auth_revoked", "yes");
    cr_assert_str_eq(nx_workflow_forced(&it), "blocked");
    refused(&it, "received", "authorization revoked: item blocked");
    refused(&it, "closed", "authorization revoked: item blocked");
    const char *const only_block[] = {"blocked:Block", NULL};
    expect_next(&it, only_block);
    take(&c, &it, "blocked");
    cr_assert_null(nx_workflow_forced(&it));
    /* Blocked, the item only records what closing needs. */
    edit_refused(&it, "recipient_name", "Someone Else",
                 "the item is blocked: only the closing steps may be recorded");
    edit_refused(&it, "auth_revoked", "no", "the item is blocked: only the closing steps may be recorded");
    rec(&it, "notes", "client's privacy contact told of the revocation");
    refused(&it, "closed", "cannot close: client not notified");
    rec(&it, "client_notified", "yes");
    refused(&it, "closed", "cannot close: temporary copies not purged");
    rec(&it, "copies_purged", "yes");
    const char *const close[] = {"closed:Close", NULL};
    expect_next(&it, close);
    take(&c, &it, "closed");
    nx_item_free(&it);

    /* Revoked before anything was done: blocked from new. */
    mk(&it, NX_KIND_ROI, "r2");
    roi_auth(&it);
    set(&it, "auth_revoked", "yes");
    refused(&it, "authorization-valid", "authorization revoked: item blocked");
    cr_assert_str_eq(nx_workflow_forced(&it), "blocked");
    nx_item_free(&it);
}

Test(workflow, roi_release_and_close_steps)
{
    cover c = cover_of(NX_KIND_ROI);
    nx_item it;
    roi_to(&c, &it, "r1", "received");
    set(&it, "record_match_verified", "no");
    refused(&it, "verified", "cannot verify: patient/record match not verified");
    refused(&it, "requested", "cannot request a correction: correction request not recorded");
    set(&it, "record_match_verified", "yes");
    set(&it, "complete_first_pass", "");
    refused(&it, "verified", "cannot verify: %s not recorded", lab("complete_first_pass"));
    set(&it, "complete_first_pass", "yes");
    take(&c, &it, "verified");
    /* An accounted purpose needs the whole entry before the records leave. */
    set(&it, "recipient_address", "");
    refused(&it, "released", "accounting of disclosures: %s not recorded", lab("recipient_address"));
    set(&it, "recipient_address", "1 Example Way, Springfield, IL 62701");
    set(&it, "auth_purpose", "");
    refused(&it, "released", "accounting of disclosures: %s not recorded", lab("auth_purpose"));
    set(&it, "auth_purpose", "treatment");
    take(&c, &it, "released");
    refused(&it, "closed", "cannot close: client not notified");
    nx_item_free(&it);
}

/* ---- accounting of disclosures ------------------------------------------------ */

Test(workflow, disclosure_purposes)
{
    static const char *const exempt[] = {"treatment", "payment", "operations", "patient",
                                         "authorization", NULL};
    static const char *const accounted[] = {"legal", "hhs", "public-health", "oversight",
                                            "research", "other", "marketing", "", NULL};
    for (const char *const *p = exempt; *p; p++)
        cr_expect_eq(nx_disclosure_required(*p), 0, "%s", *p);
    for (const char *const *p = accounted; *p; p++)
        cr_expect_eq(nx_disclosure_required(*p), 1, "%s", *p);
    cr_expect_eq(nx_disclosure_required(NULL), 1);
    cr_expect_eq(nx_disclosure_minimum_necessary("treatment"), 0);
    cr_expect_eq(nx_disclosure_minimum_necessary("patient"), 0);
    cr_expect_eq(nx_disclosure_minimum_necessary("authorization"), 0);
    cr_expect_eq(nx_disclosure_minimum_necessary("legal"), 0);
    cr_expect_eq(nx_disclosure_minimum_necessary("hhs"), 0);
    cr_expect_eq(nx_disclosure_minimum_necessary("payment"), 1);
    cr_expect_eq(nx_disclosure_minimum_necessary("other"), 1);
    cr_expect_eq(nx_disclosure_minimum_necessary("unheard-of"), 1);
    size_t n = 0;
    while (nx_purpose_ids[n])
        n++;
    cr_assert_eq(n, nx_npurposes);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(nx_purpose_ids[i], nx_purposes[i].id);
}

Test(workflow, disclosure_entry_from_an_item)
{
    nx_item it;
    mk(&it, NX_KIND_ROI, "roi-0001");
    roi_auth(&it);
    roi_send(&it);
    nx_disclosure d;
    char msg[NX_MSG_MAX] = "";
    cr_assert_eq(nx_disclosure_from_item(&it, NOW, &d, msg, sizeof msg), 1, "%s", msg);
    cr_assert_eq(d.when, NOW);
    cr_assert_str_eq(d.item_id, "roi-0001");
    cr_assert_str_eq(d.patient_id, "patient-synthetic-1");
    cr_assert_str_eq(d.client_id, "client-synthetic-1");
    cr_assert_str_eq(d.recipient_name, "Synthetic Records Department");
    cr_assert_str_eq(d.recipient_address, "1 Example Way, Springfield, IL 62701");
    cr_assert_str_eq(d.description, "Office notes 2025-01-01 to 2025-12-31");
    cr_assert_str_eq(d.purpose, "Required by law (subpoena, court order)");
    nx_disclosure_wipe(&d);
    cr_assert_str_eq(d.recipient_name, "");

    set(&it, "auth_purpose", "authorization");
    cr_assert_eq(nx_disclosure_from_item(&it, NOW, &d, msg, sizeof msg), 0);
    cr_assert_eq(d.when, 0);

    set(&it, "auth_purpose", "other");
    set(&it, "auth_scope", "");
    cr_assert_eq(nx_disclosure_from_item(&it, NOW, &d, msg, sizeof msg), -1);
    char want[NX_MSG_MAX];
    snprintf(want, sizeof want, "accounting of disclosures: %s not recorded", lab("auth_scope"));
    cr_assert_str_eq(msg, want);
    cr_assert_str_eq(d.recipient_name, "");
    nx_item_free(&it);

    mk(&it, NX_KIND_PRIOR_AUTH, "p1");
    cr_assert_eq(nx_disclosure_from_item(&it, NOW, &d, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "accounting of disclosures: only a release of information is disclosed");
    nx_item_free(&it);
}
