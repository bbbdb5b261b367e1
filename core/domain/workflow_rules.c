/* The four workflows as data: one table of steps per kind (seed 000 §7.2
 * scheduling, §7.3 eligibility, §7.4 + App. E prior auth, §7.6 + App. D
 * release of information). A step lists the fields it needs; a guard
 * holds what a list of fields cannot say. The ROI rules are in
 * workflow_roi.c, scheduling's channel and template rules in
 * workflow_sched.c. */
#include "domain/workflow.h"
#include "domain/workflow_kinds.h"

#include <stdio.h>
#include <string.h>

#include "domain/clock.h"
#include "util/util.h"

#define REQS(...) ((const nx_wf_req[]){__VA_ARGS__, {NULL, NULL, NULL, NULL}})
#define SET(f) {f, NULL, NULL, NULL}
#define YES(f) {f, "yes", NULL, NULL}

/* "YYYY-MM-DD" of now in tz: dates the user typed compare with it as
 * strings. */
int nx_wf_today(const nx_wf_ctx *c, char out[16], char *msg, size_t len)
{
    nx_local l;
    char err[NX_MSG_MAX];
    if (nx_clock_local(c->tz, c->now, &l, err, sizeof err) != 0)
        return nx_err(msg, len, "cannot %s: %s", c->verb, err);
    snprintf(out, 16, "%04d-%02d-%02d", l.year, l.month, l.day);
    return 0;
}

/* ---- scheduling (§7.2) ---------------------------------------------------- */

static int escalation_chosen(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    const char *e = nx_item_get(it, "escalation");
    if (strcmp(e, "complaint") == 0 || strcmp(e, "urgent-clinical") == 0)
        return 0;
    return nx_err(msg, len, "cannot %s: choose the escalation type (complaint or urgent clinical)",
                  c->verb);
}

/* The confidential-communication flag may have been set on the patient
 * after the channel was recorded; it wins. */
static int channel_allowed(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    (void)c;
    const char *ch = nx_item_get(it, "channel");
    return *ch ? nx_sched_channel_check(it, ch, msg, len) : 0;
}

static const char *const sched_statuses[] = {
    "new", "verifying", "in-progress", "scheduled", "escalated", "closed", NULL,
};

static const nx_wf_edge sched_edges[] = {
    {"new", "verifying", "Verify identity", "start verifying", NULL, NULL, NULL},
    {"verifying", "in-progress", "Identity verified", "continue",
     REQS(SET("identity_method"),
          {"identity_result", "verified", "identity not verified", NULL}),
     NULL, NULL},
    {"verifying", "closed", "Close (not verified)", "close",
     REQS(SET("identity_result")), NULL, NULL},
    {"in-progress", "scheduled", "Book appointment", "book",
     REQS(SET("appointment_provider"), SET("appointment_location"), SET("appointment_time"),
          SET("visit_type")),
     channel_allowed, NULL},
    {"in-progress", "escalated", "Escalate", "escalate", NULL, escalation_chosen, NULL},
    {"in-progress", "closed", "Close", "close", NULL, NULL, NULL},
    {"scheduled", "in-progress", "Reschedule", "reschedule", NULL, NULL, NULL},
    {"scheduled", "escalated", "Escalate", "escalate", NULL, escalation_chosen, NULL},
    {"scheduled", "closed", "Close", "close", NULL, NULL, NULL},
    {"escalated", "closed", "Close", "close", NULL, NULL, NULL},
};

/* ---- eligibility (§7.3) --------------------------------------------------- */

/* "Flag pre-auth needs; hand off to Prior Auth SOP": the flag is not done
 * until the prior-auth item exists. */
static int handed_off(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    if (nx_item_yes(it, "prior_auth_required") && !it->linked_item[0])
        return nx_err(msg, len,
                      "cannot %s: prior auth required: hand off to a prior-auth item first",
                      c->verb);
    return 0;
}

static const char *const elig_statuses[] = {"new", "verifying", "verified", "closed", NULL};

static const nx_wf_edge elig_edges[] = {
    /* E1: the inputs of the SOP before a payer is asked. */
    {"new", "verifying", "Start verification", "start verification",
     REQS(SET("payer"), SET("member_id"), SET("service_date"), SET("cpt_codes"),
          SET("icd_codes"), SET("provider_npi")),
     NULL, NULL},
    /* Coverage may be inactive: that is a result too, so "recorded", not
     * "yes". Prior auth must be answered so the hand-off is never missed. */
    {"verifying", "verified", "Mark verified", "mark verified",
     REQS(SET("coverage_active"), SET("coverage_ref"), SET("prior_auth_required")), NULL, NULL},
    {"verified", "closed", "Close", "close", NULL, handed_off, NULL},
};

/* ---- prior authorization (§7.4, App. E) ------------------------------------ */

static int valid_range(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    /* YYYY-MM-DD strings order as the dates do. */
    if (strcmp(nx_item_get(it, "valid_to"), nx_item_get(it, "valid_from")) < 0)
        return nx_err(msg, len, "cannot %s: %s is before %s", c->verb,
                      nx_wf_label(it, "valid_to"), nx_wf_label(it, "valid_from"));
    return 0;
}

static int appeal_in_time(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    char today[16];
    if (nx_wf_today(c, today, msg, len) != 0)
        return -1;
    if (strcmp(nx_item_get(it, "appeal_deadline"), today) < 0)
        return nx_err(msg, len, "cannot %s: the appeal deadline has passed", c->verb);
    return 0;
}

/* The dictionary has the agent record the decision too; one that
 * disagrees with the step taken is a slip to catch. */
static int decision_agrees(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len,
                           const char *status)
{
    const char *d = nx_item_get(it, "decision");
    if (*d && strcmp(d, status) != 0)
        return nx_err(msg, len, "cannot %s: %s does not say %s", c->verb,
                      nx_wf_label(it, "decision"), status);
    return 0;
}

static int approve(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    return decision_agrees(it, c, msg, len, "approved") ? -1 : valid_range(it, c, msg, len);
}

static int approve_part(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    return decision_agrees(it, c, msg, len, "partially-approved") ? -1
                                                                   : valid_range(it, c, msg, len);
}

static int deny(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    return decision_agrees(it, c, msg, len, "denied");
}

static const char *const pa_statuses[] = {
    "draft", "submitted", "pending", "approved", "partially-approved", "denied",
    "appeal-prepared", "appeal-submitted", "appeal-won", "appeal-lost", "closed", NULL,
};

#define PA_SUBMIT                                                                            \
    REQS(SET("member_id"), SET("payer"), SET("dx_codes"), SET("procedure_codes"),            \
         SET("ordering_npi"), YES("doc_order"), YES("doc_clinical_notes"),                  \
         YES("doc_payer_form"), YES("doc_medical_necessity"),                               \
         {"rental_purchase", NULL, NULL, "dme=yes"}, {"supplier", NULL, NULL, "dme=yes"})
#define PA_GRANT REQS(SET("auth_number"), SET("valid_from"), SET("valid_to"), SET("units_granted"))

static const nx_wf_edge pa_edges[] = {
    {"draft", "submitted", "Submit", "submit", PA_SUBMIT, NULL, "submitted_at"},
    {"draft", "closed", "Withdraw", "withdraw", NULL, NULL, NULL},
    /* The payer's acknowledgement gives the reference later calls quote. */
    {"submitted", "pending", "Mark pending", "mark pending", REQS(SET("payer_ref")), NULL, NULL},
    {"pending", "approved", "Approve", "approve", PA_GRANT, approve, NULL},
    {"pending", "partially-approved", "Partially approve", "record a partial approval",
     PA_GRANT, approve_part, NULL},
    {"pending", "denied", "Deny", "record the denial", REQS(SET("denial_reason")), deny, NULL},
    {"denied", "appeal-prepared", "Prepare appeal", "prepare an appeal",
     REQS(SET("appeal_deadline")), appeal_in_time, NULL},
    /* A partial approval is a denial of the rest, and is appealed the same
     * way. */
    {"partially-approved", "appeal-prepared", "Prepare appeal", "prepare an appeal",
     REQS(SET("denial_reason"), SET("appeal_deadline")), appeal_in_time, NULL},
    {"appeal-prepared", "appeal-submitted", "Submit appeal", "submit the appeal",
     REQS(SET("appeal_deadline")), appeal_in_time, NULL},
    {"appeal-submitted", "appeal-won", "Appeal won", "record the appeal as won", PA_GRANT,
     valid_range, NULL},
    {"appeal-submitted", "appeal-lost", "Appeal lost", "record the appeal as lost", NULL, NULL,
     NULL},
    {"approved", "closed", "Close", "close", NULL, NULL, NULL},
    {"partially-approved", "closed", "Close", "close", NULL, NULL, NULL},
    {"denied", "closed", "Close (no appeal)", "close", NULL, NULL, NULL},
    {"appeal-won", "closed", "Close", "close", NULL, NULL, NULL},
    {"appeal-lost", "closed", "Close", "close", NULL, NULL, NULL},
};

/* ---- release of information (§7.6, App. D, seed 004 §4) -------------------- */

static const char *const roi_statuses[] = {
    "new", "authorization-valid", "requested", "received", "verified", "released", "closed",
    "blocked", NULL,
};

/* §7.7: a fax number confirmed by callback or directory, and the cover
 * sheet; O7: the recipient's identity and authority. */
#define ROI_SEND                                                                             \
    REQS(SET("holder_type"), SET("recipient_name"),                                         \
         {"recipient_verified", "yes", "recipient identity not verified", NULL},             \
         SET("recipient_verify_method"),                                                    \
         {"release_channel", NULL, "no channel chosen (eFax or portal)", NULL},             \
         {"fax_number", NULL, NULL, "release_channel=efax"},                                \
         {"fax_verified_by", NULL, "fax number not verified by callback or directory",      \
          "release_channel=efax"},                                                           \
         {"cover_sheet_used", "yes", "cover sheet not used", "release_channel=efax"})
#define ROI_MATCH {"record_match_verified", "yes", "patient/record match not verified", NULL}
#define ROI_CLOSE                                                                            \
    REQS({"client_notified", "yes", "client not notified", NULL},                            \
         {"copies_purged", "yes", "temporary copies not purged", NULL})

static const nx_wf_edge roi_edges[] = {
    {"new", "authorization-valid", "Validate authorization", "validate the authorization",
     NULL, nx_wf_roi_auth, NULL},
    {"authorization-valid", "requested", "Send request", "send", ROI_SEND, nx_wf_roi_auth,
     "request_sent_at"},
    {"requested", "received", "Record receipt", "record the receipt", NULL, NULL, "received_at"},
    {"received", "verified", "Verify record", "verify", REQS(ROI_MATCH, SET("complete_first_pass")),
     NULL, NULL},
    /* O4: an incomplete record goes back for a correction or addendum,
     * under the same authorization, so it is checked again. */
    {"received", "requested", "Request correction", "request a correction",
     REQS({"correction_requested", "yes", "correction request not recorded", NULL}),
     nx_wf_roi_auth, NULL},
    {"verified", "released", "Release to client", "release", REQS(ROI_MATCH), nx_wf_roi_release,
     NULL},
    {"released", "closed", "Close", "close", ROI_CLOSE, NULL, NULL},
    {"new", "blocked", "Block", "block", NULL, NULL, NULL},
    {"authorization-valid", "blocked", "Block", "block", NULL, NULL, NULL},
    {"requested", "blocked", "Block", "block", NULL, NULL, NULL},
    {"received", "blocked", "Block", "block", NULL, NULL, NULL},
    {"verified", "blocked", "Block", "block", NULL, NULL, NULL},
    /* Revoked after the release: the copies still have to be purged. */
    {"released", "blocked", "Block", "block", NULL, NULL, NULL},
    {"blocked", "closed", "Close", "close", ROI_CLOSE, NULL, NULL},
};

#define MACHINE(k, nm, st, ed, pr, ed_hook, lock)                                          \
    {.kind = k, .name = nm, .statuses = st, .edges = ed,                                     \
     .nedges = sizeof ed / sizeof ed[0], .pre = pr, .may_edit = ed_hook, .locked = lock}

static const nx_wf_machine machines[NX_KIND_COUNT] = {
    [NX_KIND_SCHEDULING] = MACHINE(NX_KIND_SCHEDULING, "scheduling", sched_statuses,
                                   sched_edges, NULL, nx_wf_sched_edit, NULL),
    [NX_KIND_ELIGIBILITY] = MACHINE(NX_KIND_ELIGIBILITY, "eligibility", elig_statuses,
                                    elig_edges, NULL, NULL, NULL),
    [NX_KIND_PRIOR_AUTH] = MACHINE(NX_KIND_PRIOR_AUTH, "prior-auth", pa_statuses, pa_edges,
                                   NULL, NULL, NULL),
    [NX_KIND_ROI] = MACHINE(NX_KIND_ROI, "roi", roi_statuses, roi_edges, nx_wf_roi_pre, NULL,
                            "blocked"),
};

const nx_wf_machine *nx_workflow_machine(nx_kind k)
{
    return (unsigned)k < NX_KIND_COUNT ? &machines[k] : NULL;
}

int nx_wf_has(const nx_item *it, const char *field)
{
    for (size_t i = 0; i < it->nvals; i++)
        if (strcmp(it->vals[i].def->id, field) == 0)
            return 1;
    return 0;
}

const char *nx_wf_label(const nx_item *it, const char *field)
{
    for (size_t i = 0; i < it->nvals; i++)
        if (strcmp(it->vals[i].def->id, field) == 0 && it->vals[i].def->label)
            return it->vals[i].def->label;
    return field;
}

/* ---- the eligibility -> prior-auth hand-off (§7.3) ------------------------- */

static const struct {
    const char *from, *to;
} handoff_fields[] = {
    {"member_id", "member_id"},
    {"payer", "payer"},
    {"icd_codes", "dx_codes"},
    {"cpt_codes", "procedure_codes"},
};

int nx_workflow_handoff(nx_item *elig, nx_item *pa, char *msg, size_t len)
{
    if (!elig || !pa || elig->kind != NX_KIND_ELIGIBILITY || pa->kind != NX_KIND_PRIOR_AUTH)
        return nx_err(msg, len,
                      "no hand-off: it goes from an eligibility item to a new prior-auth item");
    if (!nx_item_yes(elig, "prior_auth_required"))
        return nx_err(msg, len, "no hand-off: %s is not yes",
                      nx_wf_label(elig, "prior_auth_required"));
    if (elig->linked_item[0])
        return nx_err(msg, len, "no hand-off: the item is already linked to a prior-auth item");
    if (!elig->id[0] || !pa->id[0])
        return nx_err(msg, len, "no hand-off: both items need an id");
    if (strcmp(pa->status, nx_workflow_initial(NX_KIND_PRIOR_AUTH)) != 0 || pa->linked_item[0])
        return nx_err(msg, len, "no hand-off: the prior-auth item is not a new draft");
    /* The patient's own fields go across whole, so the new item shows and
     * honours the same flags as the one it came from; an urgent visit
     * makes an urgent authorization. */
    for (size_t i = 0; i < pa->nvals; i++) {
        const nx_field_def *f = pa->vals[i].def;
        int copy = f->home == NX_AT_PATIENT || strcmp(f->id, "priority") == 0;
        if (copy && nx_item_set(pa, f->id, nx_item_get(elig, f->id)) != 0)
            return nx_err(msg, len, "no hand-off: out of memory");
    }
    for (size_t i = 0; i < sizeof handoff_fields / sizeof handoff_fields[0]; i++)
        if (nx_item_set(pa, handoff_fields[i].to, nx_item_get(elig, handoff_fields[i].from)) != 0)
            return nx_err(msg, len, "no hand-off: out of memory");
    memcpy(pa->client_id, elig->client_id, sizeof pa->client_id);
    memcpy(pa->patient_id, elig->patient_id, sizeof pa->patient_id);
    pa->priority = elig->priority;
    memcpy(pa->linked_item, elig->id, sizeof pa->linked_item);
    memcpy(elig->linked_item, pa->id, sizeof elig->linked_item);
    return 0;
}
