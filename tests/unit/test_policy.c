/* The policy: its parser (the default file, each kind of bad line with the
 * exact message), the default policy's minimum-necessary rules for every
 * field and every role against an expected table worked out here from
 * issue 3, and masking (by PHI class, UTF-8 safe). Synthetic data only. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dict.h"
#include "domain/policy.h"
#include "tests/helpers/run.h"

static nx_policy *load_default(void)
{
    char err[512] = "";
    nx_policy *p = NULL;
    cr_assert_eq(nx_policy_load(nx_t_root("assets/policy.txt"), nx_dict_default(), &p, err,
                                sizeof err), 0, "%s", err);
    cr_assert_not_null(p);
    return p;
}

static nx_policy *parse(const char *text)
{
    char err[512] = "";
    nx_policy *p = NULL;
    cr_assert_eq(nx_policy_parse_string(text, "t.policy", nx_dict_default(), &p, err, sizeof err),
                 0, "%s", err);
    return p;
}

static const nx_field_def *field(const char *id)
{
    const nx_field_def *f = nx_dict_find(nx_dict_default(), id);
    cr_assert_not_null(f, "no field %s", id);
    return f;
}

/* A field of a given class that no dictionary holds: the policy can only
 * judge it by its class rule. */
static nx_field_def probe(nx_phi_class c)
{
    return (nx_field_def){ .id = "probe_not_in_any_dictionary", .label = "Probe",
                           .type = NX_FT_TEXT, .max = 200, .phi = c, .kinds = NX_KINDS_ALL,
                           .home = NX_AT_FIELD, .help = "test" };
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!n)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

/* ---- parsing ------------------------------------------------------------- */

Test(policy, default_file_parses)
{
    nx_policy *p = load_default();
    /* Supervisors see their own team's items; agents their own; the
     * oversight roles everything (operations only in aggregate). */
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_SCHEDULING), NX_SCOPE_OWN);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_ELIGIBILITY), NX_SCOPE_OWN);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_PRIOR_AUTH), NX_SCOPE_OWN);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_ROI), NX_SCOPE_OWN);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_SUPERVISOR), NX_SCOPE_TEAM);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_OPERATIONS), NX_SCOPE_ALL);
    /* operations: the workflow facts its KPIs count, nothing with PHI */
    const nx_dict *d = nx_dict_default();
    cr_expect_eq(nx_policy_level(p, NX_ROLE_OPERATIONS, nx_dict_find(d, "complete_first_pass")),
                 NX_LEVEL_FULL);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_OPERATIONS, nx_dict_find(d, "service_date")),
                 NX_LEVEL_HIDDEN);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_OPERATIONS, nx_dict_find(d, "family_name")),
                 NX_LEVEL_HIDDEN);
    for (size_t i = 0; i < d->n; i++)
        if (d->fields[i].phi != NX_PHI_NONE)
            cr_expect_eq(nx_policy_level(p, NX_ROLE_OPERATIONS, &d->fields[i]), NX_LEVEL_HIDDEN,
                         "%s", d->fields[i].id);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_PRIVACY_OFFICER), NX_SCOPE_ALL);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_SECURITY_OFFICER), NX_SCOPE_ALL);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_AUDITOR), NX_SCOPE_ALL);
    nx_policy_free(p);
}

Test(policy, comments_blanks_and_crlf)
{
    nx_policy *p = parse("# a comment\r\n"
                         "\r\n"
                         "   \t\n"
                         "allow scheduling view,edit   # trailing comment\r\n"
                         "\tclass scheduling name full\r\n"
                         "scope scheduling own"); /* no final newline */
    cr_expect(nx_policy_allows(p, NX_ROLE_SCHEDULING, NX_ACTION_VIEW));
    cr_expect(nx_policy_allows(p, NX_ROLE_SCHEDULING, NX_ACTION_EDIT));
    cr_expect_not(nx_policy_allows(p, NX_ROLE_SCHEDULING, NX_ACTION_STATUS));
    cr_expect_eq(nx_policy_level(p, NX_ROLE_SCHEDULING, field("family_name")), NX_LEVEL_FULL);
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_SCHEDULING), NX_SCOPE_OWN);
    nx_policy_free(p);
}

Test(policy, bad_lines_give_file_line_and_problem)
{
    static const struct { const char *text, *err; } cases[] = {
        { "field schedulng family_name full\n",
          "t.policy:1: unknown role \"schedulng\" (one of: scheduling, eligibility, prior-auth, "
          "roi, supervisor, operations, privacy-officer, security-officer, auditor)" },
        { "# roles\n\nallow Scheduling view\n",
          "t.policy:3: unknown role \"Scheduling\" (one of: scheduling, eligibility, prior-auth, "
          "roi, supervisor, operations, privacy-officer, security-officer, auditor)" },
        { "field scheduling favourite_colour full\n",
          "t.policy:1: unknown field \"favourite_colour\"" },
        { "class scheduling diagnosis hidden\n", "t.policy:1: unknown class \"diagnosis\"" },
        { "class scheduling name visible\n",
          "t.policy:1: unknown level \"visible\" (full, reveal, partial or hidden)" },
        { "field scheduling family_name Full\n",
          "t.policy:1: unknown level \"Full\" (full, reveal, partial or hidden)" },
        { "allow scheduling view,delete\n", "t.policy:1: unknown action \"delete\"" },
        { "allow scheduling view,,edit\n", "t.policy:1: unknown action \"\"" },
        { "allow scheduling view,\n", "t.policy:1: unknown action \"\"" },
        { "scope supervisor org\n",
          "t.policy:1: unknown scope \"org\" (own, team, all or none)" },
        { "deny scheduling edit\n",
          "t.policy:1: unknown rule \"deny\" (field, class, allow or scope)" },
        { "field scheduling family_name\n",
          "t.policy:1: wrong number of words (field ROLE FIELD LEVEL)" },
        { "field scheduling family_name full please\n",
          "t.policy:1: wrong number of words (field ROLE FIELD LEVEL)" },
        { "class scheduling name full extra words here too\n",
          "t.policy:1: wrong number of words (class ROLE CLASS LEVEL)" },
        { "allow scheduling\n",
          "t.policy:1: wrong number of words (allow ROLE ACTION[,ACTION...])" },
        { "allow scheduling view, edit\n",
          "t.policy:1: wrong number of words (allow ROLE ACTION[,ACTION...])" },
        { "scope supervisor team all\n",
          "t.policy:1: wrong number of words (scope ROLE own|team|all|none)" },
        { "field scheduling member_id partial\nfield scheduling member_id full\n",
          "t.policy:2: duplicate rule: field scheduling member_id (first on line 1)" },
        { "class roi name full\n# x\nclass roi name hidden\n",
          "t.policy:3: duplicate rule: class roi name (first on line 1)" },
        { "allow roi view,edit\nallow roi status,edit\n",
          "t.policy:2: duplicate rule: allow roi edit (first on line 1)" },
        { "allow roi view,view\n", "t.policy:1: duplicate rule: allow roi view (first on line 1)" },
        { "scope roi own\nscope roi all\n",
          "t.policy:2: duplicate rule: scope roi (first on line 1)" },
        /* DESIGN.md's fixed roles cannot be widened by the file. */
        { "allow auditor view,audit,edit\n",
          "t.policy:1: the auditor is read-only: cannot allow edit" },
        { "allow auditor note\n", "t.policy:1: the auditor is read-only: cannot allow note" },
        { "allow operations kpi,view\n",
          "t.policy:1: operations sees aggregates only: cannot allow view" },
        { "class operations name partial\n",
          "t.policy:1: operations sees aggregates only: a field that holds PHI must be hidden" },
        { "field operations member_id partial\n",
          "t.policy:1: operations sees aggregates only: a field that holds PHI must be hidden" },
        { "field operations service_date full\n",
          "t.policy:1: operations sees aggregates only: a field that holds PHI must be hidden" },
        /* Words from the file are quoted harmlessly. */
        { "field sched\x1b[2J family_name full\n",
          "t.policy:1: unknown role \"sched?[2J\" (one of: scheduling, eligibility, prior-auth, "
          "roi, supervisor, operations, privacy-officer, security-officer, auditor)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        nx_policy *p = (nx_policy *)1;
        cr_expect_eq(nx_policy_parse_string(cases[i].text, "t.policy", nx_dict_default(), &p, err,
                                            sizeof err), -1, "case %zu accepted", i);
        cr_expect_null(p, "case %zu", i);
        cr_expect_str_eq(err, cases[i].err, "case %zu", i);
    }
}

Test(policy, long_line_and_long_word)
{
    char text[2100];
    memset(text, 'x', 2000);
    text[2000] = '\0';
    char err[512] = "";
    nx_policy *p = NULL;
    cr_expect_eq(nx_policy_parse_string(text, "t.policy", nx_dict_default(), &p, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.policy:1: line too long (at most 1023 characters)");
    /* A long word is quoted cut short, never mid-character. */
    char line[400] = "field scheduling x";
    for (int i = 0; i < 30; i++)
        strcat(line, "ñ");
    strcat(line, " full\n");
    cr_expect_eq(nx_policy_parse_string(line, "t.policy", nx_dict_default(), &p, err, sizeof err), -1);
    /* 40 bytes would end inside the 20th ñ: it is left out whole. */
    cr_expect_str_eq(err, "t.policy:1: unknown field \"xñññññññññññññññññññ\"");
    cr_expect(valid_utf8(err));
}

Test(policy, load_errors_name_the_file)
{
    char err[512] = "";
    nx_policy *p = NULL;
    cr_expect_eq(nx_policy_load("/nonexistent/policy.txt", nx_dict_default(), &p, err, sizeof err), -1);
    cr_expect_str_eq(err, "/nonexistent/policy.txt: No such file or directory");

    char dir[512], path[600];
    nx_t_tmpdir(dir, sizeof dir, "policy");
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("allow roi view\nscope roi own\nclass roi nam full\n", f);
    fclose(f);
    cr_expect_eq(nx_policy_load(path, nx_dict_default(), &p, err, sizeof err), -1);
    char want[700];
    snprintf(want, sizeof want, "%s:3: unknown class \"nam\"", path);
    cr_expect_str_eq(err, want);

    f = fopen(path, "w");
    cr_assert_not_null(f);
    fwrite("allow roi view\n\0scope roi own\n", 1, 30, f);
    fclose(f);
    cr_expect_eq(nx_policy_load(path, nx_dict_default(), &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: contains a NUL byte (not a text file)", path);
    cr_expect_str_eq(err, want);
    cr_expect_null(p);
}

/* ---- rule semantics ------------------------------------------------------ */

Test(policy, nothing_granted_is_refused)
{
    nx_policy *p = parse("");
    const nx_dict *d = nx_dict_default();
    for (int r = 0; r < NX_ROLE_COUNT; r++) {
        for (size_t i = 0; i < d->n; i++)
            cr_expect_eq(nx_policy_level(p, (nx_role)r, &d->fields[i]), NX_LEVEL_HIDDEN);
        for (int a = 0; a < NX_ACTION_COUNT; a++)
            cr_expect_not(nx_policy_allows(p, (nx_role)r, (nx_action)a));
        cr_expect_eq(nx_policy_scope(p, (nx_role)r), NX_SCOPE_NONE);
    }
    /* Out-of-range arguments are refused too, not read past a table. */
    cr_expect_eq(nx_policy_level(p, NX_ROLE_COUNT, &d->fields[0]), NX_LEVEL_HIDDEN);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_ROI, NULL), NX_LEVEL_HIDDEN);
    cr_expect_eq(nx_policy_level(NULL, NX_ROLE_ROI, &d->fields[0]), NX_LEVEL_HIDDEN);
    cr_expect_not(nx_policy_allows(p, NX_ROLE_ROI, NX_ACTION_COUNT));
    cr_expect_eq(nx_policy_scope(p, NX_ROLE_COUNT), NX_SCOPE_NONE);
    nx_policy_free(p);
}

Test(policy, field_rule_beats_class_rule)
{
    nx_policy *p = parse("allow scheduling view,reveal\n"
                         "class scheduling name hidden\n"
                         "field scheduling family_name full\n"
                         "class scheduling plan-id full\n"
                         "field scheduling member_id reveal\n");
    cr_expect_eq(nx_policy_level(p, NX_ROLE_SCHEDULING, field("family_name")), NX_LEVEL_FULL);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_SCHEDULING, field("given_name")), NX_LEVEL_HIDDEN);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_SCHEDULING, field("member_id")), NX_LEVEL_REVEAL);
    /* Other roles are untouched by scheduling's rules. */
    cr_expect_eq(nx_policy_level(p, NX_ROLE_ROI, field("family_name")), NX_LEVEL_HIDDEN);
    nx_policy_free(p);
}

Test(policy, effective_level_follows_view_and_reveal)
{
    /* Without reveal, a reveal-level field can only ever be shown masked,
     * so only the masked form is worth holding: partial. Without view,
     * nothing. */
    nx_policy *p = parse("allow roi view\n"
                         "class roi plan-id reveal\n"
                         "class roi name full\n"
                         "allow eligibility view,reveal\n"
                         "class eligibility plan-id reveal\n"
                         "class prior-auth name full\n"
                         "allow prior-auth edit\n");
    cr_expect_eq(nx_policy_level(p, NX_ROLE_ROI, field("member_id")), NX_LEVEL_PARTIAL);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_ROI, field("family_name")), NX_LEVEL_FULL);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_ELIGIBILITY, field("member_id")), NX_LEVEL_REVEAL);
    cr_expect_eq(nx_policy_level(p, NX_ROLE_PRIOR_AUTH, field("family_name")), NX_LEVEL_HIDDEN);
    char out[NX_VALUE_MAX];
    cr_expect_eq(nx_mask(p, NX_ROLE_ROI, field("member_id"), "XQZ900112233", NX_MASK_HOLD, out,
                         sizeof out), NX_LEVEL_PARTIAL);
    cr_expect_str_eq(out, "••••2233");
    nx_policy_free(p);
}

Test(policy, names_round_trip)
{
    for (int l = 0; l < NX_LEVEL_COUNT; l++)
        cr_expect_eq(nx_level_parse(nx_level_name((nx_level)l)), l);
    for (int a = 0; a < NX_ACTION_COUNT; a++) {
        cr_expect_eq(nx_action_parse(nx_action_name((nx_action)a)), a);
        cr_expect(strlen(nx_action_help((nx_action)a)) > 5);
    }
    for (int s = NX_SCOPE_NONE; s <= NX_SCOPE_ALL; s++)
        cr_expect_eq(nx_scope_parse(nx_scope_name((nx_scope)s)), s);
    cr_expect_str_eq(nx_action_name(NX_ACTION_INCIDENT), "incident");
    cr_expect_eq(nx_action_parse("delete"), -1);
    cr_expect_eq(nx_level_parse("masked"), -1);
    /* The order says how much is held. */
    cr_expect_lt(NX_LEVEL_HIDDEN, NX_LEVEL_PARTIAL);
    cr_expect_lt(NX_LEVEL_PARTIAL, NX_LEVEL_REVEAL);
    cr_expect_lt(NX_LEVEL_REVEAL, NX_LEVEL_FULL);
}

/* ---- the default policy, every field for every role ---------------------- */

/* Minimum necessary as issue 3 and REQUIREMENTS §4 state it, restated here
 * by PHI class and field (not read from the file) so the file is checked
 * against what was meant. */
static nx_level expected(nx_role r, const nx_field_def *f)
{
    nx_phi_class c = f->phi;
    switch (r) {
    case NX_ROLE_SCHEDULING:
        /* Name, phone, appointment; last 4 of the member ID; no diagnosis
         * or procedure codes (nor notes, which are clinical); DOB only by
         * reveal; other identifiers masked. */
        if (c == NX_PHI_CLINICAL)
            return NX_LEVEL_HIDDEN;
        if (strcmp(f->id, "appointment_time") == 0)
            return NX_LEVEL_FULL;
        if (c == NX_PHI_NONE || c == NX_PHI_NAME || c == NX_PHI_PHONE || c == NX_PHI_EMAIL)
            return NX_LEVEL_FULL;
        if (c == NX_PHI_DATE)
            return NX_LEVEL_REVEAL;
        if (c == NX_PHI_PLAN_ID || c == NX_PHI_MRN || c == NX_PHI_ADDRESS)
            return NX_LEVEL_PARTIAL;
        return NX_LEVEL_HIDDEN;
    case NX_ROLE_ELIGIBILITY:
    case NX_ROLE_PRIOR_AUTH:
        /* What the payer needs in full: name, DOB and dates, member ID,
         * codes. Eligibility does not see notes; prior auth does. */
        if (r == NX_ROLE_ELIGIBILITY && strcmp(f->id, "notes") == 0)
            return NX_LEVEL_HIDDEN;
        if (c == NX_PHI_NONE || c == NX_PHI_NAME || c == NX_PHI_DATE || c == NX_PHI_PLAN_ID ||
            c == NX_PHI_CLINICAL)
            return NX_LEVEL_FULL;
        if (c == NX_PHI_ADDRESS)
            return NX_LEVEL_REVEAL;
        if (c == NX_PHI_PHONE || c == NX_PHI_EMAIL || c == NX_PHI_MRN)
            return NX_LEVEL_PARTIAL;
        return NX_LEVEL_HIDDEN;
    case NX_ROLE_ROI:
        /* Record match (name, DOB, MRN), the recipient for the accounting
         * of disclosures, the authorization's scope; the patient's own
         * address and contact details masked. */
        if (strcmp(f->id, "address") == 0)
            return NX_LEVEL_PARTIAL;
        if (c == NX_PHI_NONE || c == NX_PHI_NAME || c == NX_PHI_ADDRESS || c == NX_PHI_DATE ||
            c == NX_PHI_MRN || c == NX_PHI_CLINICAL)
            return NX_LEVEL_FULL;
        if (c == NX_PHI_PLAN_ID || c == NX_PHI_PHONE || c == NX_PHI_EMAIL)
            return NX_LEVEL_PARTIAL;
        return NX_LEVEL_HIDDEN;
    case NX_ROLE_SUPERVISOR:
        /* Full on the team's items; SSN-like identifiers by reveal. */
        if (c == NX_PHI_SSN || c == NX_PHI_ACCOUNT || c == NX_PHI_LICENSE ||
            c == NX_PHI_VEHICLE || c == NX_PHI_DEVICE || c == NX_PHI_URL || c == NX_PHI_IP)
            return NX_LEVEL_REVEAL;
        if (c == NX_PHI_BIOMETRIC || c == NX_PHI_PHOTO)
            return NX_LEVEL_HIDDEN;
        return NX_LEVEL_FULL;
    case NX_ROLE_OPERATIONS:
        /* aggregates only: the PHI-free workflow facts its KPIs count */
        return strcmp(f->id, "complete_first_pass") == 0 || strcmp(f->id, "submitted_at") == 0 ||
                       strcmp(f->id, "request_sent_at") == 0
                   ? NX_LEVEL_FULL
                   : NX_LEVEL_HIDDEN;
    case NX_ROLE_PRIVACY_OFFICER:
        return c == NX_PHI_NONE ? NX_LEVEL_FULL : NX_LEVEL_REVEAL;
    case NX_ROLE_SECURITY_OFFICER:
        return c == NX_PHI_NONE ? NX_LEVEL_FULL : NX_LEVEL_HIDDEN;
    case NX_ROLE_AUDITOR:
        /* Read-only review of the work: identifiers the work uses, masked;
         * no clinical content. */
        if (c == NX_PHI_NONE)
            return NX_LEVEL_FULL;
        if (c == NX_PHI_NAME || c == NX_PHI_ADDRESS || c == NX_PHI_DATE || c == NX_PHI_PHONE ||
            c == NX_PHI_FAX || c == NX_PHI_EMAIL || c == NX_PHI_MRN || c == NX_PHI_PLAN_ID)
            return NX_LEVEL_PARTIAL;
        return NX_LEVEL_HIDDEN;
    case NX_ROLE_COUNT:
        break;
    }
    return NX_LEVEL_HIDDEN;
}

/* A realistic synthetic value the dictionary accepts for f, in canonical
 * form: the first candidate that passes its check. */
static void sample(const nx_field_def *f, char *out)
{
    static const char *const by_class[NX_PHI_COUNT] = {
        [NX_PHI_NAME] = "Ana Lima", [NX_PHI_ADDRESS] = "12 Elm St, Springfield, IL 62704",
        [NX_PHI_PHONE] = "2125550123", [NX_PHI_EMAIL] = "ana.lima@example.org",
        [NX_PHI_MRN] = "MRN0012345", [NX_PHI_PLAN_ID] = "XQZ900112233",
    };
    const char *candidates[] = {
        by_class[f->phi] ? by_class[f->phi] : "Synthetic text",
        f->type == NX_FT_CHOICE ? f->choices[0] : "yes",
        "1980-05-17", "2026-03-08 14:30", "5", "25.00", "XQZ900112233", "9000000007",
        "E11.9, I10", "99213, E0601", "RT, NU", "2125550123",
    };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (nx_dict_check(f, candidates[i], out, NX_VALUE_MAX) == NULL && out[0])
            return;
    cr_assert_fail("no sample value for %s", f->id);
}

Test(policy, every_field_for_every_role)
{
    nx_policy *p = load_default();
    const nx_dict *d = nx_dict_default();
    for (int r = 0; r < NX_ROLE_COUNT; r++) {
        const char *role = nx_role_name((nx_role)r);
        for (size_t i = 0; i < d->n; i++) {
            const nx_field_def *f = &d->fields[i];
            nx_level want = expected((nx_role)r, f);
            nx_level got = nx_policy_level(p, (nx_role)r, f);
            cr_expect_eq(got, want, "%s %s: %s, expected %s", role, f->id, nx_level_name(got),
                         nx_level_name(want));

            char value[NX_VALUE_MAX], shown[NX_VALUE_MAX], held[NX_VALUE_MAX],
                masked[NX_VALUE_MAX];
            sample(f, value);
            nx_mask_partial_value(f, value, masked, sizeof masked);
            cr_expect_eq(nx_mask(p, (nx_role)r, f, value, NX_MASK_SHOW, shown, sizeof shown), got);
            cr_expect_eq(nx_mask(p, (nx_role)r, f, value, NX_MASK_HOLD, held, sizeof held), got);
            switch (got) {
            case NX_LEVEL_FULL:
                cr_expect_str_eq(shown, value, "%s %s", role, f->id);
                cr_expect_str_eq(held, value, "%s %s", role, f->id);
                break;
            case NX_LEVEL_REVEAL:
                cr_expect_str_eq(shown, masked, "%s %s", role, f->id);
                cr_expect_str_eq(held, value, "%s %s", role, f->id);
                break;
            case NX_LEVEL_PARTIAL:
                cr_expect_str_eq(shown, masked, "%s %s", role, f->id);
                cr_expect_str_eq(held, masked, "%s %s", role, f->id);
                break;
            default:
                cr_expect_str_eq(shown, "", "%s %s", role, f->id);
                cr_expect_str_eq(held, "", "%s %s", role, f->id);
            }
            if (got == NX_LEVEL_REVEAL || got == NX_LEVEL_PARTIAL) {
                cr_expect_str_neq(shown, value, "%s %s: masked form is the value", role, f->id);
                cr_expect_not_null(strstr(shown, NX_MASK_BULLET), "%s %s", role, f->id);
            }
        }
    }
    nx_policy_free(p);
}

/* What issue 3 names, one rule at a time. */
Test(policy, issue_rules_one_by_one)
{
    nx_policy *p = load_default();
    static const struct { nx_role r; const char *field; nx_level level; } rules[] = {
        /* A scheduling agent sees name, phone, appointment, last 4 of the
         * member ID, and no diagnosis or procedure codes. */
        { NX_ROLE_SCHEDULING, "family_name", NX_LEVEL_FULL },
        { NX_ROLE_SCHEDULING, "given_name", NX_LEVEL_FULL },
        { NX_ROLE_SCHEDULING, "phone", NX_LEVEL_FULL },
        { NX_ROLE_SCHEDULING, "appointment_time", NX_LEVEL_FULL },
        { NX_ROLE_SCHEDULING, "appointment_provider", NX_LEVEL_FULL },
        { NX_ROLE_SCHEDULING, "appointment_location", NX_LEVEL_FULL },
        { NX_ROLE_SCHEDULING, "member_id", NX_LEVEL_PARTIAL },
        { NX_ROLE_SCHEDULING, "icd_codes", NX_LEVEL_HIDDEN },
        { NX_ROLE_SCHEDULING, "dx_codes", NX_LEVEL_HIDDEN },
        { NX_ROLE_SCHEDULING, "cpt_codes", NX_LEVEL_HIDDEN },
        { NX_ROLE_SCHEDULING, "procedure_codes", NX_LEVEL_HIDDEN },
        { NX_ROLE_SCHEDULING, "modifiers", NX_LEVEL_HIDDEN },
        { NX_ROLE_SCHEDULING, "notes", NX_LEVEL_HIDDEN },
        /* A date of birth is revealed, not shown, to an agent who does not
         * need it to do the work. */
        { NX_ROLE_SCHEDULING, "dob", NX_LEVEL_REVEAL },
        /* An eligibility agent sees member ID and codes but not notes. */
        { NX_ROLE_ELIGIBILITY, "member_id", NX_LEVEL_FULL },
        { NX_ROLE_ELIGIBILITY, "cpt_codes", NX_LEVEL_FULL },
        { NX_ROLE_ELIGIBILITY, "icd_codes", NX_LEVEL_FULL },
        { NX_ROLE_ELIGIBILITY, "notes", NX_LEVEL_HIDDEN },
        /* Prior auth works the clinical request. */
        { NX_ROLE_PRIOR_AUTH, "dx_codes", NX_LEVEL_FULL },
        { NX_ROLE_PRIOR_AUTH, "procedure_codes", NX_LEVEL_FULL },
        { NX_ROLE_PRIOR_AUTH, "notes", NX_LEVEL_FULL },
        /* ROI: what a release needs. */
        { NX_ROLE_ROI, "recipient_name", NX_LEVEL_FULL },
        { NX_ROLE_ROI, "recipient_address", NX_LEVEL_FULL },
        { NX_ROLE_ROI, "auth_scope", NX_LEVEL_FULL },
        { NX_ROLE_ROI, "mrn", NX_LEVEL_FULL },
        { NX_ROLE_ROI, "dob", NX_LEVEL_FULL },
        { NX_ROLE_ROI, "address", NX_LEVEL_PARTIAL },
        /* Supervisor: full on the team's items. */
        { NX_ROLE_SUPERVISOR, "family_name", NX_LEVEL_FULL },
        { NX_ROLE_SUPERVISOR, "dx_codes", NX_LEVEL_FULL },
        { NX_ROLE_SUPERVISOR, "member_id", NX_LEVEL_FULL },
        /* Operations: aggregates only. */
        { NX_ROLE_OPERATIONS, "payer", NX_LEVEL_HIDDEN },
        { NX_ROLE_OPERATIONS, "family_name", NX_LEVEL_HIDDEN },
        /* Privacy officer: identifiers by an audited reveal. */
        { NX_ROLE_PRIVACY_OFFICER, "member_id", NX_LEVEL_REVEAL },
        { NX_ROLE_PRIVACY_OFFICER, "mrn", NX_LEVEL_REVEAL },
        { NX_ROLE_PRIVACY_OFFICER, "dob", NX_LEVEL_REVEAL },
        { NX_ROLE_PRIVACY_OFFICER, "family_name", NX_LEVEL_REVEAL },
        /* Security officer: no PHI. */
        { NX_ROLE_SECURITY_OFFICER, "family_name", NX_LEVEL_HIDDEN },
        { NX_ROLE_SECURITY_OFFICER, "member_id", NX_LEVEL_HIDDEN },
        { NX_ROLE_SECURITY_OFFICER, "dx_codes", NX_LEVEL_HIDDEN },
        /* Auditor: masked identifiers, no clinical content. */
        { NX_ROLE_AUDITOR, "family_name", NX_LEVEL_PARTIAL },
        { NX_ROLE_AUDITOR, "dx_codes", NX_LEVEL_HIDDEN },
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        cr_expect_eq(nx_policy_level(p, rules[i].r, field(rules[i].field)), rules[i].level,
                     "%s %s", nx_role_name(rules[i].r), rules[i].field);

    /* Last 4 of the member ID, and no more, reach a scheduling agent. */
    char out[NX_VALUE_MAX];
    nx_mask(p, NX_ROLE_SCHEDULING, field("member_id"), "XQZ900112233", NX_MASK_HOLD, out, sizeof out);
    cr_expect_str_eq(out, "••••2233");
    nx_mask(p, NX_ROLE_SCHEDULING, field("dob"), "1980-05-17", NX_MASK_SHOW, out, sizeof out);
    cr_expect_str_eq(out, "1980-••-••");

    /* The auditor changes nothing. */
    static const nx_action writes[] = { NX_ACTION_CREATE, NX_ACTION_EDIT, NX_ACTION_STATUS,
                                        NX_ACTION_NOTE, NX_ACTION_ASSIGN, NX_ACTION_REVIEW };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
        cr_expect_not(nx_policy_allows(p, NX_ROLE_AUDITOR, writes[i]), "%s",
                      nx_action_name(writes[i]));
    cr_expect(nx_policy_allows(p, NX_ROLE_AUDITOR, NX_ACTION_VIEW));
    cr_expect(nx_policy_allows(p, NX_ROLE_AUDITOR, NX_ACTION_AUDIT));
    /* Operations: KPIs, never an item. */
    cr_expect(nx_policy_allows(p, NX_ROLE_OPERATIONS, NX_ACTION_KPI));
    cr_expect_not(nx_policy_allows(p, NX_ROLE_OPERATIONS, NX_ACTION_VIEW));
    /* Privacy officer: audit, incidents, reveals. */
    cr_expect(nx_policy_allows(p, NX_ROLE_PRIVACY_OFFICER, NX_ACTION_AUDIT));
    cr_expect(nx_policy_allows(p, NX_ROLE_PRIVACY_OFFICER, NX_ACTION_INCIDENT));
    cr_expect(nx_policy_allows(p, NX_ROLE_PRIVACY_OFFICER, NX_ACTION_REVEAL));
    cr_expect_not(nx_policy_allows(p, NX_ROLE_PRIVACY_OFFICER, NX_ACTION_EDIT));
    cr_expect(nx_policy_allows(p, NX_ROLE_SECURITY_OFFICER, NX_ACTION_AUDIT));
    /* Supervisors QA by read-only shadowing: review and re-route, but
     * enter nothing on an agent's item. */
    cr_expect(nx_policy_allows(p, NX_ROLE_SUPERVISOR, NX_ACTION_REVIEW));
    cr_expect(nx_policy_allows(p, NX_ROLE_SUPERVISOR, NX_ACTION_ASSIGN));
    cr_expect(nx_policy_allows(p, NX_ROLE_SUPERVISOR, NX_ACTION_KPI));
    cr_expect_not(nx_policy_allows(p, NX_ROLE_SUPERVISOR, NX_ACTION_EDIT));
    cr_expect_not(nx_policy_allows(p, NX_ROLE_SUPERVISOR, NX_ACTION_STATUS));
    /* Agents work their items; audit is for the officers and the auditor. */
    for (int r = NX_ROLE_SCHEDULING; r <= NX_ROLE_ROI; r++) {
        cr_expect(nx_policy_allows(p, (nx_role)r, NX_ACTION_VIEW));
        cr_expect(nx_policy_allows(p, (nx_role)r, NX_ACTION_EDIT));
        cr_expect(nx_policy_allows(p, (nx_role)r, NX_ACTION_STATUS));
        cr_expect_not(nx_policy_allows(p, (nx_role)r, NX_ACTION_AUDIT));
        cr_expect_not(nx_policy_allows(p, (nx_role)r, NX_ACTION_KPI));
    }
    /* Notes are hidden from eligibility, so it does not add to them. */
    cr_expect_not(nx_policy_allows(p, NX_ROLE_ELIGIBILITY, NX_ACTION_NOTE));
    /* Every member of the workforce can report an incident. */
    for (int r = 0; r < NX_ROLE_COUNT; r++)
        cr_expect(nx_policy_allows(p, (nx_role)r, NX_ACTION_INCIDENT), "%s",
                  nx_role_name((nx_role)r));
    nx_policy_free(p);
}

/* No role gets a field in full when the policy hides that field's class
 * from it: an exception may narrow, never open, what a class rule shuts. */
Test(policy, no_full_field_in_a_hidden_class)
{
    nx_policy *p = load_default();
    const nx_dict *d = nx_dict_default();
    for (int r = 0; r < NX_ROLE_COUNT; r++) {
        for (size_t i = 0; i < d->n; i++) {
            const nx_field_def *f = &d->fields[i];
            nx_field_def cls = probe(f->phi);
            if (nx_policy_level(p, (nx_role)r, &cls) != NX_LEVEL_HIDDEN)
                continue;
            /* operations' exceptions are its KPI facts, which the parser
             * holds to fields without PHI (tested above) */
            if (r == NX_ROLE_OPERATIONS && f->phi == NX_PHI_NONE)
                continue;
            cr_expect_neq(nx_policy_level(p, (nx_role)r, f), NX_LEVEL_FULL, "%s %s",
                          nx_role_name((nx_role)r), f->id);
        }
    }
    nx_policy_free(p);
}

/* ---- masking ------------------------------------------------------------- */

struct mrow {
    nx_phi_class phi;
    const char *in, *out;
};

Test(policy, masked_forms_by_class)
{
    static const struct mrow rows[] = {
        { NX_PHI_NAME, "Lima", "L•••" },
        { NX_PHI_NAME, "Ana Maria  Lima", "A••• M••• L•••" },
        { NX_PHI_NAME, " Lima ", "L•••" },
        { NX_PHI_NAME, "   ", "••••" },
        { NX_PHI_DATE, "1980-05-17", "1980-••-••" },
        { NX_PHI_DATE, "2026-03-08 14:30", "2026-••-•• ••:••" },
        { NX_PHI_DATE, "05/17/1980", "••••" },
        { NX_PHI_DATE, "1980-May-17", "1980-•••-••" },
        { NX_PHI_PHONE, "2125550123", "••••0123" },
        { NX_PHI_FAX, "2125550199", "••••0199" },
        { NX_PHI_SSN, "900123456", "••••3456" },
        { NX_PHI_PLAN_ID, "XQZ900112233", "••••2233" },
        { NX_PHI_MRN, "MRN0012345", "••••2345" },
        { NX_PHI_MRN, "1234567", "••••" },  /* last 4 would be most of it */
        { NX_PHI_MRN, "12345678", "••••5678" },
        { NX_PHI_ACCOUNT, "Ñ1234567Ü", "••••567Ü" },
        { NX_PHI_EMAIL, "ana.lima@example.org", "a•••@example.org" },
        { NX_PHI_EMAIL, "no-at-sign", "••••" },
        { NX_PHI_EMAIL, "@example.org", "••••" },
        { NX_PHI_ADDRESS, "12 Elm St", "•••" },
        { NX_PHI_ADDRESS, "12 Elm St, Springfield IL 62704", "•••, Springfield IL 62704" },
        { NX_PHI_ADDRESS, "12 Elm St, Springfield, IL 62704", "•••, Springfield, IL 62704" },
        { NX_PHI_ADDRESS, "Apt 4, 12 Elm St, Springfield, IL 62704", "•••, Springfield, IL 62704" },
        { NX_PHI_CLINICAL, "E11.9, I10", "••••" },
        { NX_PHI_NONE, "approved", "••••" },
        { NX_PHI_URL, "https://example.org/p/1", "••••" },
        { NX_PHI_IP, "192.0.2.7", "••••" },
        { NX_PHI_NAME, "Ana\xff", "••••" },   /* not UTF-8: nothing of it */
        { NX_PHI_NAME, "", "" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        nx_field_def f = probe(rows[i].phi);
        char out[NX_VALUE_MAX], again[NX_VALUE_MAX];
        nx_mask_partial_value(&f, rows[i].in, out, sizeof out);
        cr_expect_str_eq(out, rows[i].out, "%s \"%s\"", nx_phi_name(rows[i].phi), rows[i].in);
        /* A client re-masking what the hub masked gets the same. */
        nx_mask_partial_value(&f, out, again, sizeof again);
        cr_expect_str_eq(again, out, "%s \"%s\" re-masked", nx_phi_name(rows[i].phi), rows[i].in);
    }
}

Test(policy, names_mask_by_character)
{
    static const struct mrow rows[] = {
        { NX_PHI_NAME, "José", "J•••" },
        { NX_PHI_NAME, "Núñez", "N•••" },
        { NX_PHI_NAME, "José Núñez", "J••• N•••" },
        { NX_PHI_NAME, "Ñuño", "Ñ•••" },
        { NX_PHI_NAME, "Øvergård Åsa", "Ø••• Å•••" },
        { NX_PHI_NAME, "王伟", "王•••" },
        { NX_PHI_NAME, "Владимир Иванов", "В••• И•••" },
        { NX_PHI_NAME, "𠜎𠜱", "𠜎•••" },  /* four-byte characters */
        { NX_PHI_EMAIL, "émile@example.org", "é•••@example.org" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        nx_field_def f = probe(rows[i].phi);
        char out[NX_VALUE_MAX];
        nx_mask_partial_value(&f, rows[i].in, out, sizeof out);
        cr_expect_str_eq(out, rows[i].out, "\"%s\"", rows[i].in);
        cr_expect(valid_utf8(out));
    }
}

Test(policy, short_buffers_never_split_a_character)
{
    nx_field_def name = probe(NX_PHI_NAME);
    char out[8];
    /* Every size from 1 up: always NUL-terminated, always whole UTF-8,
     * always a prefix of the full masked form. */
    const char *full = "Ñ••• 王•••";
    for (size_t cap = 1; cap <= sizeof out; cap++) {
        memset(out, 'Z', sizeof out);
        nx_mask_partial_value(&name, "Ñuño 王伟", out, cap);
        cr_expect_lt(strlen(out), cap);
        cr_expect(valid_utf8(out), "cap %zu", cap);
        cr_expect(strncmp(full, out, strlen(out)) == 0, "cap %zu: \"%s\"", cap, out);
    }
    /* The same for a full-level value copied as is. */
    nx_policy *p = parse("allow roi view\nclass roi name full\n");
    for (size_t cap = 1; cap <= sizeof out; cap++) {
        nx_mask(p, NX_ROLE_ROI, field("family_name"), "Núñez", NX_MASK_SHOW, out, cap);
        cr_expect_lt(strlen(out), cap);
        cr_expect(valid_utf8(out), "cap %zu", cap);
        cr_expect(strncmp("Núñez", out, strlen(out)) == 0, "cap %zu", cap);
    }
    nx_mask(p, NX_ROLE_ROI, field("family_name"), "Núñez", NX_MASK_SHOW, out, 3);
    cr_expect_str_eq(out, "N");
    nx_policy_free(p);
}

Test(policy, mask_targets_per_level)
{
    nx_policy *p = parse("allow roi view,reveal\n"
                         "field roi member_id full\n"
                         "field roi mrn reveal\n"
                         "field roi phone partial\n"
                         "field roi email hidden\n");
    static const struct {
        const char *field, *value, *show, *hold;
        nx_level level;
    } rows[] = {
        { "member_id", "XQZ900112233", "XQZ900112233", "XQZ900112233", NX_LEVEL_FULL },
        { "mrn", "MRN0012345", "••••2345", "MRN0012345", NX_LEVEL_REVEAL },
        { "phone", "2125550123", "••••0123", "••••0123", NX_LEVEL_PARTIAL },
        { "email", "ana@example.org", "", "", NX_LEVEL_HIDDEN },
        { "dob", "1980-05-17", "", "", NX_LEVEL_HIDDEN }, /* no rule at all */
        { "mrn", "", "", "", NX_LEVEL_REVEAL },           /* empty stays empty */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char show[NX_VALUE_MAX] = "junk", hold[NX_VALUE_MAX] = "junk";
        const nx_field_def *f = field(rows[i].field);
        cr_expect_eq(nx_mask(p, NX_ROLE_ROI, f, rows[i].value, NX_MASK_SHOW, show, sizeof show),
                     rows[i].level, "%s", rows[i].field);
        cr_expect_eq(nx_mask(p, NX_ROLE_ROI, f, rows[i].value, NX_MASK_HOLD, hold, sizeof hold),
                     rows[i].level, "%s", rows[i].field);
        cr_expect_str_eq(show, rows[i].show, "%s", rows[i].field);
        cr_expect_str_eq(hold, rows[i].hold, "%s", rows[i].field);
    }
    nx_policy_free(p);
}
