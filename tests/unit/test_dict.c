/* The field dictionary: the default table is well-formed (so forms, policy
 * and sync can trust it), nx_dict_check judges and canonicalizes each type
 * with messages that never repeat the value, and a dictionary with one
 * extra field gets it validated, masked and laid out with no code change.
 * All values are synthetic: NPIs are the CMS worked example and numbers
 * starting with 9 (never issued), phone numbers use the 555-01xx range. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dict.h"
#include "domain/policy.h"
#include "tests/helpers/run.h"

/* The workflow statuses of each kind (the workflow module's names, as
 * issue 3 lists them), so required_for can be checked against them. */
static const char *const statuses[NX_KIND_COUNT][12] = {
    [NX_KIND_SCHEDULING] = { "new", "verifying", "in-progress", "scheduled", "escalated", "closed" },
    [NX_KIND_ELIGIBILITY] = { "new", "verifying", "verified", "closed" },
    [NX_KIND_PRIOR_AUTH] = { "draft", "submitted", "pending", "approved", "partially-approved",
                             "denied", "appeal-prepared", "appeal-submitted", "appeal-won",
                             "appeal-lost", "closed" },
    [NX_KIND_ROI] = { "new", "authorization-valid", "requested", "received", "verified",
                      "released", "closed", "blocked" },
};

static int has_status(nx_kind k, const char *s, size_t n)
{
    for (size_t i = 0; i < 12 && statuses[k][i]; i++)
        if (strlen(statuses[k][i]) == n && memcmp(statuses[k][i], s, n) == 0)
            return 1;
    return 0;
}

static const nx_field_def *field(const char *id)
{
    const nx_field_def *f = nx_dict_find(nx_dict_default(), id);
    cr_assert_not_null(f, "no field %s", id);
    return f;
}

/* ---- the default table -------------------------------------------------- */

Test(dict, every_field_is_well_formed)
{
    const nx_dict *d = nx_dict_default();
    cr_assert_gt(d->n, 80, "the four kinds need more fields than %zu", d->n);
    for (size_t i = 0; i < d->n; i++) {
        const nx_field_def *f = &d->fields[i];
        cr_assert_not_null(f->id);
        /* Ids are words of the policy file and keys of sync ops. */
        cr_expect(f->id[0] >= 'a' && f->id[0] <= 'z', "%s", f->id);
        for (const char *c = f->id; *c; c++)
            cr_expect((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_',
                      "id %s: only a-z, 0-9 and _", f->id);
        for (size_t j = i + 1; j < d->n; j++)
            cr_expect_str_neq(f->id, d->fields[j].id, "duplicate id");
        cr_expect(f->label && *f->label, "%s: no label", f->id);
        cr_expect(f->help && *f->help, "%s: no help", f->id);
        cr_expect((unsigned)f->type <= NX_FT_CHOICE, "%s: type", f->id);
        cr_expect((unsigned)f->phi < NX_PHI_COUNT, "%s: class", f->id);
        cr_expect(f->home == NX_AT_ITEM || f->home == NX_AT_PATIENT || f->home == NX_AT_FIELD ||
                      f->home == NX_AT_NOTES,
                  "%s: home", f->id);
        cr_expect(f->kinds != 0 && (f->kinds & ~NX_KINDS_ALL) == 0, "%s: kinds", f->id);
        if (f->type == NX_FT_CODE || f->type == NX_FT_CODELIST)
            cr_expect_not_null(f->norm, "%s: a code needs its normalizer", f->id);
        if (f->type == NX_FT_CHOICE) {
            cr_expect(f->choices && f->choices[0] && f->choices[1], "%s: choices", f->id);
            for (size_t c = 0; f->choices && f->choices[c]; c++)
                for (size_t e = c + 1; f->choices[e]; e++)
                    cr_expect_str_neq(f->choices[c], f->choices[e], "%s", f->id);
        } else {
            cr_expect_null(f->choices, "%s: choices on a non-choice", f->id);
        }
        if (f->type == NX_FT_TEXT || f->type == NX_FT_LONGTEXT)
            cr_expect(f->max > 0 && f->max < NX_VALUE_MAX, "%s: text needs a length", f->id);
        if (f->type == NX_FT_INT || f->type == NX_FT_PERCENT)
            cr_expect_leq(f->min, f->max, "%s", f->id);
        /* Item columns are read by list screens and KPIs for every role:
         * none of them may hold PHI. */
        if (f->home == NX_AT_ITEM)
            cr_expect_eq(f->phi, NX_PHI_NONE, "%s: an item column holding PHI", f->id);
    }
}

/* Every status a field is required for is one of the workflow's, of a kind
 * that carries the field: a typo would make the requirement silently
 * never apply. */
Test(dict, required_for_names_real_statuses)
{
    const nx_dict *d = nx_dict_default();
    for (size_t i = 0; i < d->n; i++) {
        const nx_field_def *f = &d->fields[i];
        if (!f->required_for)
            continue;
        cr_expect(f->required_for[0] != '\0', "%s", f->id);
        for (const char *p = f->required_for; *p;) {
            size_t n = strcspn(p, " ");
            const char *colon = memchr(p, ':', n);
            int found = 0;
            for (int k = 0; k < NX_KIND_COUNT; k++) {
                if (!(f->kinds & NX_KIND_BIT(k)))
                    continue;
                if (colon) {
                    const char *kn = nx_kind_name((nx_kind)k);
                    if (strlen(kn) != (size_t)(colon - p) || memcmp(kn, p, strlen(kn)) != 0)
                        continue;
                    found |= has_status((nx_kind)k, colon + 1, n - (size_t)(colon - p) - 1);
                } else {
                    found |= has_status((nx_kind)k, p, n);
                }
            }
            cr_expect(found, "%s: required_for \"%.*s\" is no status of its kinds", f->id, (int)n, p);
            p += n;
            while (*p == ' ')
                p++;
        }
    }
}

Test(dict, required_at_reads_kind_qualified_statuses)
{
    /* dob: eligibility before verifying, prior-auth before submitting, roi
     * before the record match; scheduling shares the status "verifying"
     * with eligibility and must not inherit it. */
    cr_expect(nx_dict_required_at(field("dob"), NX_KIND_ELIGIBILITY, "verifying"));
    cr_expect_not(nx_dict_required_at(field("dob"), NX_KIND_SCHEDULING, "verifying"));
    cr_expect(nx_dict_required_at(field("dob"), NX_KIND_PRIOR_AUTH, "submitted"));
    cr_expect(nx_dict_required_at(field("dob"), NX_KIND_ROI, "verified"));
    cr_expect_not(nx_dict_required_at(field("dob"), NX_KIND_ELIGIBILITY, "verified"));
    cr_expect_not(nx_dict_required_at(field("member_id"), NX_KIND_ROI, "verified"));
    /* Unqualified lists: the decision is needed for each outcome. */
    cr_expect(nx_dict_required_at(field("decision"), NX_KIND_PRIOR_AUTH, "denied"));
    cr_expect(nx_dict_required_at(field("decision"), NX_KIND_PRIOR_AUTH, "approved"));
    cr_expect_not(nx_dict_required_at(field("decision"), NX_KIND_PRIOR_AUTH, "pending"));
    /* Not a prefix match, and never for a kind that lacks the field. */
    cr_expect_not(nx_dict_required_at(field("decision"), NX_KIND_PRIOR_AUTH, "approve"));
    cr_expect_not(nx_dict_required_at(field("coverage_active"), NX_KIND_ROI, "verified"));
    cr_expect(nx_dict_required_at(field("identity_result"), NX_KIND_SCHEDULING, "in-progress"));
    cr_expect_not(nx_dict_required_at(field("units_used"), NX_KIND_PRIOR_AUTH, "closed"));
}

Test(dict, issue_fields_are_present_with_their_types)
{
    static const struct { const char *id; nx_field_type type; nx_phi_class phi; unsigned kinds; } want[] = {
        { "family_name", NX_FT_TEXT, NX_PHI_NAME, NX_KINDS_ALL },
        { "dob", NX_FT_DATE, NX_PHI_DATE, NX_KINDS_ALL },
        { "member_id", NX_FT_CODE, NX_PHI_PLAN_ID, NX_KINDS_ALL },
        { "mrn", NX_FT_TEXT, NX_PHI_MRN, NX_KINDS_ALL },
        { "confidential_comm", NX_FT_BOOL, NX_PHI_NONE, NX_KINDS_ALL },
        { "priority", NX_FT_CHOICE, NX_PHI_NONE, NX_KINDS_ALL },
        { "notes", NX_FT_LONGTEXT, NX_PHI_CLINICAL, NX_KINDS_ALL },
        { "appointment_time", NX_FT_DATETIME, NX_PHI_DATE, NX_KIND_BIT(NX_KIND_SCHEDULING) },
        { "cpt_codes", NX_FT_CODELIST, NX_PHI_CLINICAL, NX_KIND_BIT(NX_KIND_ELIGIBILITY) },
        { "icd_codes", NX_FT_CODELIST, NX_PHI_CLINICAL, NX_KIND_BIT(NX_KIND_ELIGIBILITY) },
        { "coinsurance", NX_FT_PERCENT, NX_PHI_NONE, NX_KIND_BIT(NX_KIND_ELIGIBILITY) },
        { "oop_max", NX_FT_MONEY, NX_PHI_NONE, NX_KIND_BIT(NX_KIND_ELIGIBILITY) },
        { "dx_codes", NX_FT_CODELIST, NX_PHI_CLINICAL, NX_KIND_BIT(NX_KIND_PRIOR_AUTH) },
        { "units_used", NX_FT_INT, NX_PHI_NONE, NX_KIND_BIT(NX_KIND_PRIOR_AUTH) },
        { "auth_has_signature", NX_FT_BOOL, NX_PHI_NONE, NX_KIND_BIT(NX_KIND_ROI) },
        { "fax_number", NX_FT_TEXT, NX_PHI_NONE, NX_KIND_BIT(NX_KIND_ROI) },
        { "recipient_name", NX_FT_TEXT, NX_PHI_NAME, NX_KIND_BIT(NX_KIND_ROI) },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const nx_field_def *f = field(want[i].id);
        cr_expect_eq(f->type, want[i].type, "%s", want[i].id);
        cr_expect_eq(f->phi, want[i].phi, "%s", want[i].id);
        cr_expect_eq(f->kinds, want[i].kinds, "%s", want[i].id);
    }
    cr_expect_eq(field("notes")->home, NX_AT_NOTES);
    cr_expect_eq(field("family_name")->home, NX_AT_PATIENT);
    cr_expect_eq(field("priority")->home, NX_AT_ITEM);
    cr_expect_null(nx_dict_find(nx_dict_default(), "nonexistent"));
}

Test(dict, names_round_trip)
{
    for (int k = 0; k < NX_KIND_COUNT; k++)
        cr_expect_eq(nx_kind_parse(nx_kind_name((nx_kind)k)), k);
    for (int c = 0; c < NX_PHI_COUNT; c++)
        cr_expect_eq(nx_phi_parse(nx_phi_name((nx_phi_class)c)), c);
    cr_expect_str_eq(nx_kind_name(NX_KIND_PRIOR_AUTH), "prior-auth");
    cr_expect_str_eq(nx_phi_name(NX_PHI_PLAN_ID), "plan-id");
    cr_expect_eq(nx_kind_parse("Scheduling"), -1);
    cr_expect_eq(nx_phi_parse("diagnosis"), -1);
}

Test(dict, fields_of_kind_in_form_order)
{
    const nx_dict *d = nx_dict_default();
    const nx_field_def *out[256];
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        size_t n = nx_dict_fields_of(d, (nx_kind)k, out, 256);
        cr_assert_lt(n, 256);
        size_t last = 0;
        for (size_t i = 0; i < n; i++) {
            cr_expect(out[i]->kinds & NX_KIND_BIT(k));
            size_t at = (size_t)(out[i] - d->fields);
            cr_expect(i == 0 || at > last, "dictionary order");
            last = at;
        }
        size_t want = 0;
        for (size_t i = 0; i < d->n; i++)
            want += (d->fields[i].kinds & NX_KIND_BIT(k)) != 0;
        cr_expect_eq(n, want);
        /* With too small an array it still counts them all. */
        cr_expect_eq(nx_dict_fields_of(d, (nx_kind)k, out, 2), want);
    }
    size_t n = nx_dict_fields_of(d, NX_KIND_SCHEDULING, out, 256);
    int has_appt = 0, has_cpt = 0;
    for (size_t i = 0; i < n; i++) {
        has_appt |= strcmp(out[i]->id, "appointment_time") == 0;
        has_cpt |= strcmp(out[i]->id, "cpt_codes") == 0;
    }
    cr_expect(has_appt);
    cr_expect_not(has_cpt);
}

/* ---- nx_dict_check ------------------------------------------------------ */

struct row {
    const char *field, *in;
    const char *msg;    /* NULL: valid */
    const char *canon;
};

static void check_rows(const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        char out[NX_VALUE_MAX];
        const char *got = nx_dict_check(field(r->field), r->in, out, sizeof out);
        if (r->msg) {
            cr_expect(got && strcmp(got, r->msg) == 0, "%s \"%s\": got \"%s\", want \"%s\"",
                      r->field, r->in, got ? got : "(valid)", r->msg);
            /* The message is logged and shown beside masked fields. */
            if (got && strlen(r->in) >= 3)
                cr_expect_null(strstr(got, r->in), "%s: message repeats the value", r->field);
        } else {
            cr_expect(got == NULL, "%s \"%s\": got \"%s\", want valid", r->field, r->in, got);
            if (!got)
                cr_expect_str_eq(out, r->canon, "%s \"%s\"", r->field, r->in);
        }
    }
}
#define CHECK(rows) check_rows(rows, sizeof rows / sizeof rows[0])

Test(dict, empty_is_accepted_for_every_field)
{
    const nx_dict *d = nx_dict_default();
    for (size_t i = 0; i < d->n; i++) {
        char out[NX_VALUE_MAX] = "junk";
        cr_expect_null(nx_dict_check(&d->fields[i], "", out, sizeof out), "%s", d->fields[i].id);
        cr_expect_str_eq(out, "");
    }
}

Test(dict, check_text)
{
    static const struct row rows[] = {
        { "family_name", "Okafor", NULL, "Okafor" },
        { "family_name", "Núñez", NULL, "Núñez" },
        { "given_name", "王伟", NULL, "王伟" },
        { "family_name", "Ann\tLee", "contains a control character (tab, line break or similar)", NULL },
        { "family_name", "Ann\nLee", "contains a control character (tab, line break or similar)", NULL },
        { "family_name", "Ann\x1b[2JLee", "contains a control character (tab, line break or similar)", NULL },
        { "family_name", "Ann\x7fLee", "contains a control character (tab, line break or similar)", NULL },
        { "family_name", "Ann\xc2\x9bLee", "contains a control character (tab, line break or similar)", NULL },
        { "family_name", "Ann\xff", "contains bytes that are not valid UTF-8 text", NULL },
        { "family_name", "\xc0\xaf" "abc", "contains bytes that are not valid UTF-8 text", NULL }, /* overlong */
        { "family_name", "\xed\xa0\x80xyz", "contains bytes that are not valid UTF-8 text", NULL }, /* surrogate */
        { "family_name", "Ann\xe2\x80", "contains bytes that are not valid UTF-8 text", NULL }, /* cut */
        { "plan_limits", "20 visits a year\nno out-of-network", NULL, "20 visits a year\nno out-of-network" },
        { "plan_limits", "20 visits\r\n", "contains a control character (only line breaks are allowed)", NULL },
        /* A TEXT field with the phone normalizer: the fax number. */
        { "fax_number", "(212) 555-0123", NULL, "2125550123" },
        { "fax_number", "555-0123", "phone number needs its area code (10 digits)", NULL },
        { "phone", "+1 212 555 0199", NULL, "2125550199" },
    };
    CHECK(rows);
}

/* The limit counts characters, not bytes: 60 two-byte letters fit a
 * 60-character name, 61 do not. */
Test(dict, check_text_length_in_characters)
{
    char name[256] = "", out[NX_VALUE_MAX];
    for (int i = 0; i < 60; i++)
        strcat(name, "é");
    cr_expect_null(nx_dict_check(field("family_name"), name, out, sizeof out));
    cr_expect_str_eq(out, name);
    strcat(name, "é");
    cr_expect_str_eq(nx_dict_check(field("family_name"), name, out, sizeof out),
                     "too long for this field");
}

Test(dict, check_code)
{
    static const struct row rows[] = {
        { "provider_npi", "1234567893", NULL, "1234567893" },
        { "provider_npi", "9000000007", NULL, "9000000007" },
        { "provider_npi", "1234567890", "NPI check digit is wrong (a digit may be mistyped)", NULL },
        { "provider_npi", "12345", "NPI must be 10 digits", NULL },
        { "member_id", "XQZ900112233", NULL, "XQZ900112233" },
        { "member_id", "XQZ 9001", "member ID may have only letters, digits and -", NULL },
    };
    CHECK(rows);
}

Test(dict, check_codelist)
{
    static const struct row rows[] = {
        { "icd_codes", "E11.9", NULL, "E11.9" },
        { "icd_codes", "e11.9, i10", NULL, "E11.9, I10" },
        { "icd_codes", "E119 I10 Z79.4", NULL, "E11.9, I10, Z79.4" },
        { "icd_codes", "E11.9,I10", NULL, "E11.9, I10" },
        { "icd_codes", " E11.9 ,, I10 ", NULL, "E11.9, I10" },
        { "icd_codes", "E11.9, e119", "a code is listed twice", NULL },
        { "icd_codes", "E11.9, 99213", "ICD-10-CM code starts with a letter (e.g. E11.9)", NULL },
        { "icd_codes", " , ", "the list has no codes in it", NULL },
        /* Procedure lists take CPT and HCPCS Level II side by side. */
        { "cpt_codes", "99213, e0601, 0042t", NULL, "99213, E0601, 0042T" },
        { "cpt_codes", "99213 K0001", NULL, "99213, K0001" },
        { "cpt_codes", "9922", "CPT code must be 5 characters (e.g. 99213, 0001F, 0042T)", NULL },
        { "cpt_codes", "N0601", "no HCPCS Level II codes start with that letter (A-V, not F, I, N or O)", NULL },
        { "cpt_codes", "#1234", "not a CPT code (e.g. 99213) or HCPCS Level II code (e.g. E0601)", NULL },
        { "procedure_codes", "E0601, E0562", NULL, "E0601, E0562" },
        { "modifiers", "rt nu", NULL, "RT, NU" },
        { "modifiers", "RT, KXX", "a modifier is 2 letters or digits (e.g. 25, RT)", NULL },
        { "dx_codes", "M17.11;M17.12", "ICD-10-CM code is too long (at most 7 characters, e.g. S83.511A)", NULL },
    };
    CHECK(rows);
}

Test(dict, check_dates_and_times)
{
    static const struct row rows[] = {
        { "dob", "1980-02-29", NULL, "1980-02-29" },
        { "dob", "1981-02-29", "February has only 28 days that year", NULL },
        { "dob", "02/29/1980", "date must be YYYY-MM-DD (e.g. 2026-03-08)", NULL },
        { "appointment_time", "2026-03-08 14:30", NULL, "2026-03-08 14:30" },
        { "appointment_time", "2026-03-08T09:05", NULL, "2026-03-08 09:05" },
        { "appointment_time", "2026-03-08 24:00", "hour must be 00 to 23", NULL },
        { "appointment_time", "2026-04-31 10:00", "April has only 30 days", NULL },
        { "appointment_time", "2026-03-09", "date and time must be YYYY-MM-DD HH:MM (e.g. 2026-03-08 14:30)", NULL },
        { "appointment_time", "2026-03-08 2:30pm", "date and time must be YYYY-MM-DD HH:MM (e.g. 2026-03-08 14:30)", NULL },
    };
    CHECK(rows);
}

Test(dict, check_numbers)
{
    static const struct row rows[] = {
        { "units", "12", NULL, "12" },
        { "units", "007", NULL, "7" },
        { "units", "9999", NULL, "9999" },
        { "units", "0", "number is outside the range this field allows", NULL },
        { "units", "10000", "number is outside the range this field allows", NULL },
        { "units", "-3", "number is outside the range this field allows", NULL },
        { "units", "99999999999999999999", "number is outside the range this field allows", NULL },
        { "units", "1.5", "must be a whole number (digits only)", NULL },
        { "units", "twelve", "must be a whole number (digits only)", NULL },
        { "units", "-", "must be a whole number (digits only)", NULL },
        { "units_used", "0", NULL, "0" },
        { "copay", "25", NULL, "25.00" },
        { "copay", "25.5", NULL, "25.50" },
        { "copay", "$1250.05", NULL, "1250.05" },
        { "copay", "0.00", NULL, "0.00" },
        { "copay", "00040", NULL, "40.00" },
        { "copay", "-25", "amount must be dollars and cents, e.g. 1250.00 (no sign or commas)", NULL },
        { "copay", "1,250.00", "amount must be dollars and cents, e.g. 1250.00 (no sign or commas)", NULL },
        { "copay", "12.345", "amount must be dollars and cents, e.g. 1250.00 (no sign or commas)", NULL },
        { "copay", "12.", "amount must be dollars and cents, e.g. 1250.00 (no sign or commas)", NULL },
        { "copay", "1000000000", "amount is too large", NULL },
        { "coinsurance", "20", NULL, "20" },
        { "coinsurance", "20%", NULL, "20" },
        { "coinsurance", "12.5", NULL, "12.5" },
        { "coinsurance", "12.50", NULL, "12.5" },
        { "coinsurance", "0", NULL, "0" },
        { "coinsurance", "100", NULL, "100" },
        { "coinsurance", "100.01", "percentage must be a number from 0 to 100 (e.g. 20 or 12.5)", NULL },
        { "coinsurance", "-1", "percentage must be a number from 0 to 100 (e.g. 20 or 12.5)", NULL },
        { "coinsurance", "%", "percentage must be a number from 0 to 100 (e.g. 20 or 12.5)", NULL },
    };
    CHECK(rows);
}

Test(dict, check_bool_and_choice)
{
    static const struct row rows[] = {
        { "coverage_active", "yes", NULL, "yes" },
        { "coverage_active", "Y", NULL, "yes" },
        { "coverage_active", "TRUE", NULL, "yes" },
        { "coverage_active", "n", NULL, "no" },
        { "coverage_active", "False", NULL, "no" },
        { "coverage_active", "No", NULL, "no" },
        { "coverage_active", "1", "answer yes or no", NULL },
        { "coverage_active", "yess", "answer yes or no", NULL },
        { "priority", "URGENT", NULL, "urgent" },
        { "priority", "routine", NULL, "routine" },
        { "priority", "rout", "not one of this field's choices", NULL },
        { "escalation", "Urgent-Clinical", NULL, "urgent-clinical" },
        { "release_channel", "eFax", NULL, "efax" },
        { "release_channel", "email", "not one of this field's choices", NULL },
        { "channel", "sms", NULL, "sms" },
    };
    CHECK(rows);
}

Test(dict, check_refuses_what_does_not_fit)
{
    char big[NX_VALUE_MAX + 8];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char out[NX_VALUE_MAX];
    cr_expect_str_eq(nx_dict_check(field("plan_limits"), big, out, sizeof out), "too long for this field");
    /* A short output buffer is refused, never overrun. */
    char small[4];
    cr_expect_str_eq(nx_dict_check(field("copay"), "1250", small, sizeof small), "too long for this field");
    cr_expect_str_eq(nx_dict_check(field("copay"), "1", small, sizeof small), "too long for this field");
    cr_expect_null(nx_dict_check(field("units"), "12", small, sizeof small));
    cr_expect_str_eq(small, "12");
}

/* ---- a dictionary with one more field ----------------------------------- */

/* The issue's acceptance: a field added to a dictionary is validated,
 * masked per role and laid out in its kind's form with no other code
 * change. It is address-class, so every role's class rule decides. */
static nx_dict *test_dict(void)
{
    const nx_dict *d = nx_dict_default();
    nx_field_def *fields = calloc(d->n + 1, sizeof *fields);
    cr_assert_not_null(fields);
    memcpy(fields, d->fields, d->n * sizeof *fields);
    fields[d->n] = (nx_field_def){
        .id = "favourite_pharmacy", .label = "Preferred pharmacy", .type = NX_FT_TEXT,
        .max = 120, .phi = NX_PHI_ADDRESS, .kinds = NX_KIND_BIT(NX_KIND_ROI),
        .home = NX_AT_FIELD, .help = "Pharmacy name and address",
    };
    nx_dict *td = malloc(sizeof *td);
    cr_assert_not_null(td);
    td->fields = fields;
    td->n = d->n + 1;
    return td;
}

static void test_dict_free(nx_dict *td)
{
    free((void *)td->fields);
    free(td);
}

Test(dict, added_field_is_validated_masked_and_listed)
{
    nx_dict *td = test_dict();
    const nx_field_def *f = nx_dict_find(td, "favourite_pharmacy");
    cr_assert_not_null(f);

    char out[NX_VALUE_MAX];
    const char *value = "Elm Pharmacy, 12 Elm St, Springfield, IL 62704";
    cr_expect_null(nx_dict_check(f, value, out, sizeof out));
    cr_expect_str_eq(out, value);
    cr_expect_str_eq(nx_dict_check(f, "Elm\tPharmacy", out, sizeof out),
                     "contains a control character (tab, line break or similar)");

    const nx_field_def *list[256];
    size_t n = nx_dict_fields_of(td, NX_KIND_ROI, list, 256);
    cr_assert_gt(n, 0);
    cr_expect_eq(list[n - 1], f, "appended last in the roi form");
    n = nx_dict_fields_of(td, NX_KIND_SCHEDULING, list, 256);
    for (size_t i = 0; i < n; i++)
        cr_expect_neq(list[i], f);

    char err[512] = "";
    nx_policy *p = NULL;
    cr_assert_eq(nx_policy_load(nx_t_root("assets/policy.txt"), td, &p, err, sizeof err), 0, "%s", err);
    /* The default policy's address rule per role, as its file states it. */
    static const struct { nx_role role; nx_level level; const char *shown; } want[] = {
        { NX_ROLE_SCHEDULING, NX_LEVEL_PARTIAL, "•••, Springfield, IL 62704" },
        { NX_ROLE_ELIGIBILITY, NX_LEVEL_REVEAL, "•••, Springfield, IL 62704" },
        { NX_ROLE_PRIOR_AUTH, NX_LEVEL_REVEAL, "•••, Springfield, IL 62704" },
        { NX_ROLE_ROI, NX_LEVEL_FULL, "Elm Pharmacy, 12 Elm St, Springfield, IL 62704" },
        { NX_ROLE_SUPERVISOR, NX_LEVEL_FULL, "Elm Pharmacy, 12 Elm St, Springfield, IL 62704" },
        { NX_ROLE_OPERATIONS, NX_LEVEL_HIDDEN, "" },
        { NX_ROLE_PRIVACY_OFFICER, NX_LEVEL_REVEAL, "•••, Springfield, IL 62704" },
        { NX_ROLE_SECURITY_OFFICER, NX_LEVEL_HIDDEN, "" },
        { NX_ROLE_AUDITOR, NX_LEVEL_PARTIAL, "•••, Springfield, IL 62704" },
    };
    cr_assert_eq(sizeof want / sizeof want[0], NX_ROLE_COUNT);
    for (size_t i = 0; i < NX_ROLE_COUNT; i++) {
        cr_expect_eq(nx_policy_level(p, want[i].role, f), want[i].level, "%s",
                     nx_role_name(want[i].role));
        cr_expect_eq(nx_mask(p, want[i].role, f, value, NX_MASK_SHOW, out, sizeof out),
                     want[i].level);
        cr_expect_str_eq(out, want[i].shown, "%s", nx_role_name(want[i].role));
    }
    /* The same field measured against the default dictionary's policy (no
     * rule can name it there) falls to the same class rules. */
    nx_policy *pd = NULL;
    cr_assert_eq(nx_policy_load(nx_t_root("assets/policy.txt"), nx_dict_default(), &pd, err,
                                sizeof err), 0, "%s", err);
    for (size_t i = 0; i < NX_ROLE_COUNT; i++)
        cr_expect_eq(nx_policy_level(pd, want[i].role, f), want[i].level, "%s",
                     nx_role_name(want[i].role));
    nx_policy_free(pd);
    nx_policy_free(p);
    test_dict_free(td);
}
